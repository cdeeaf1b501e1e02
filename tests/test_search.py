"""Search over a small real index (real model, real Edge store) of hand-written passages.

The passages paraphrase provisions in our own words; their ids are real catalogue ids so that typed
citations resolve through the real catalogue.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from qdrant_client import QdrantClient

from cyberlex.corpus.catalog import load_catalog
from cyberlex.corpus.errors import InvalidInput, UnknownInstrument, UnknownProvision
from cyberlex.corpus.model import Part, Passage, ProvisionId
from cyberlex.index.client_store import ClientStore
from cyberlex.index.documents import RANKING_FIELDS, payload, scored_document, to_passage
from cyberlex.index.embedders import DenseEncoder
from cyberlex.index.indexer import Indexer
from cyberlex.index.matching import NO_MATCH
from cyberlex.index.retrieve import PayloadReader
from cyberlex.index.search import Filters, Searcher
from cyberlex.settings import Settings
from cyberlex.index.store import open_store

CATALOG = load_catalog()
BUDAPEST, NIS2, CFAA = "budapest-convention", "eu-nis2-directive-2022-2555", "us-cfaa-18usc1030"
CANADA, PARIS, JAPAN, OWN = "canada-criminal-code-computer-offences", "paris-call-2018", \
    "japan-unauthorized-computer-access-act-1999-ja", "my-own-policy"
OWN_FACTS = dict(title="Our policy", short_title="Our policy", jurisdiction="unknown", kind="document",
                 language="en", status="not-applicable", binding=False)


def passage(instrument: str, unit: str, label: str, heading: str, text: str, start: int, *,
            sub: str = "", chunk: int = 0, path: tuple[str, ...] = ()) -> Passage:
    inst = CATALOG.get(instrument) if instrument in CATALOG else None
    facts = OWN_FACTS if inst is None else dict(
        title=inst.title, short_title=inst.short_title, jurisdiction=inst.jurisdiction, kind=inst.kind,
        language=inst.language, status=inst.status, binding=inst.binding)
    unit_id = f"{instrument}/{unit}"
    provision_id = f"{unit_id}/{sub}" if sub else unit_id
    citation = f"{inst.citation if inst else 'Our policy'}{' ' if label.startswith('§') else ', '}{label.lower()}"
    group_id = str(ProvisionId.parse(provision_id).at_depth(inst.citable_depth)) if inst else unit_id
    return Passage(
        provision_id=provision_id, unit_id=unit_id, chunk=chunk, instrument_id=instrument,
        label=label, heading=heading, path=path, citation=citation, text=text, start=start,
        end=start + len(text), metadata=facts, group_id=group_id,
    )


def with_points(held: Passage, points: list[str]) -> Passage:
    """The passage with a part for each line after its lead-in line, as ingest marks the points a passage holds."""
    parts = []
    lead, *lines = held.text.split("\n")
    at = len(lead) + 1
    for point, line in zip(points, lines):
        parts.append(Part(f"{held.provision_id}/{point}", f"{held.label}({point})", f"{held.citation}({point})", at,
                          at + len(line), held.start + at, held.start + at + len(line)))
        at += len(line) + 1
    return replace(held, parts=tuple(parts))


CH2, CH3 = ("Chapter II — Measures at the national level",), ("Chapter III — International co-operation",)
PRESERVATION = "Expedited preservation of stored computer data"
PASSAGES = {
    BUDAPEST: [
        passage(BUDAPEST, "art-2", "Art. 2", "Illegal access", "Each Party shall make it a criminal offence under "
                "its domestic law to enter the whole or any part of a computer system intentionally and without "
                "right. A Party may require that security measures were infringed.", 1000, path=CH2),
        passage(BUDAPEST, "art-29", "Art. 29(1)", PRESERVATION, "1. A Party may ask another Party to order the "
                "prompt preservation of data held in a computer system in that other Party's territory, pending a "
                "request for mutual assistance to search or seize the data.", 5000, sub="1", path=CH3),
        passage(BUDAPEST, "art-29", "Art. 29(2)", PRESERVATION, "2. The request for preservation shall state:\n"
                "a. the authority making the request;\nb. the offence under investigation and a short summary of "
                "the facts;\nc. the stored data to be kept and how it relates to the offence.", 5300, sub="2",
                chunk=1, path=CH3),
        passage(BUDAPEST, "art-29", "Art. 29(3)", PRESERVATION, "3. On receipt of the request, the requested "
                "Party shall take every appropriate step to keep the specified data without delay. Dual "
                "criminality is not a condition for granting preservation.", 5600, sub="3", chunk=2, path=CH3),
        passage(BUDAPEST, "art-30", "Art. 30", "Expedited disclosure of preserved traffic data", "Where, in "
                "carrying out a preservation request, the requested Party finds that a service provider in another "
                "State took part in transmitting the communication, it shall promptly disclose enough traffic data "
                "to identify that provider and the path of the communication.", 6000, path=CH3),
    ],
    NIS2: [
        passage(NIS2, "art-23", "Art. 23", "Reporting obligations", "1. Member States shall ensure that essential "
                "and important entities notify their CSIRT without undue delay of any incident that has a "
                "significant impact on the provision of their services.\n2. Where appropriate, entities shall also "
                "tell the recipients of their services about significant cyber threats and the measures they can "
                "take.\n3. An incident is significant if it has caused or can cause severe operational disruption "
                "or financial loss.\n4. For the notification under paragraph 1, entities shall submit:\n(a) an "
                "early warning within 24 hours of becoming aware of the incident;\n(b) an incident notification "
                "within 72 hours;\n(c) a final report within one month.", 3000),
        passage(NIS2, "art-24", "Art. 24", "Use of European cybersecurity certification schemes", "Member States "
                "may require entities to use particular ICT products, services and processes that are certified "
                "under European cybersecurity certification schemes adopted pursuant to Article 49 of Regulation "
                "(EU) 2019/881.", 3900),
    ],
    CFAA: [
        passage(CFAA, "s-1030", "§ 1030(a)", "Fraud and related activity in connection with computers",
                "(a) Whoever—\n(1) knowingly transmits a program that damages a protected computer;\n(2) "
                "intentionally accesses a computer without authorization or exceeds authorized access, and thereby "
                "obtains information from a protected computer;\nshall be punished as provided in subsection (c).",
                100, sub="a"),
        with_points(passage(
            CFAA, "s-1030", "§ 1030(b)", "Fraud and related activity in connection with computers",
            "(b) As used in this section—\n(1) the term \"computer\" means an electronic or other high speed "
            "data processing device;\n(2) the term \"protected computer\" means a computer used by a financial "
            "institution or the Government, or in interstate commerce.", 900, sub="b", chunk=1), ["1", "2"]),
    ],
    CANADA: [
        passage(CANADA, "s-342.1", "s. 342.1", "Unauthorized use of computer", "Everyone is guilty of an "
                "indictable offence who, fraudulently and without colour of right, obtains any computer service or "
                "intercepts any function of a computer system.", 200),
    ],
    PARIS: [
        passage(PARIS, "para-1", "para. 1", "", "We affirm our willingness to work together to prevent malicious "
                "cyber activities that threaten individuals and critical infrastructure.", 0),
    ],
    JAPAN: [
        passage(JAPAN, "art-3", "第三条", "不正アクセス行為の禁止", "何人も、他人の識別符号を用いて電子計算機を不正に利用してはならない。", 300),
    ],
    OWN: [
        passage(OWN, "para-1", "para. 1", "Passwords", "Staff shall change their passwords every ninety days.", 0),
    ],
}
UNITS = {p.unit_id for ps in PASSAGES.values() for p in ps}


def build(settings: Settings, store, encoder: DenseEncoder) -> Searcher:
    indexer = Indexer(settings, store, encoder)
    for instrument, passages in PASSAGES.items():
        indexer.index(instrument, passages)
    searcher = Searcher(settings, store=store, embedder=encoder, catalog=CATALOG)
    searcher.warm_up()
    return searcher


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return Settings(data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def encoder(settings):
    enc = DenseEncoder.from_settings(settings)
    yield enc
    enc.close()


@pytest.fixture(scope="module")
def searcher(settings, encoder):
    with open_store(settings) as store:
        yield build(settings, store, encoder)


def ids(hits) -> list[str]:
    return [h.passage.provision_id for h in hits]


@pytest.mark.parametrize(
    ("query", "expected_first", "mode"),
    [
        (query, expected, mode)
        for query, expected, modes in [
            ("how quickly must a significant incident be reported", f"{NIS2}/art-23", ("hybrid", "dense", "sparse")),
            ("illegal access", f"{BUDAPEST}/art-2", ("hybrid", "dense", "sparse")),
            # the passage holds both definitions of (b): the one asked is returned, pinpointed
            ("what does the term protected computer mean", f"{CFAA}/s-1030/b/2", ("hybrid", "dense", "sparse")),
            ("不正アクセス", f"{JAPAN}/art-3", ("hybrid", "sparse")),  # the bundled model reads English only
        ]
        for mode in modes
    ],
)
def test_each_mode_finds_the_provision_that_answers(searcher, query, expected_first, mode):
    hits = searcher.search(query, k=5, mode=mode)
    assert ids(hits)[0] == expected_first
    assert {h.via for h in hits} == {mode}


@pytest.mark.parametrize("fusion", ["rrf", "minmax", "zscore", "native"])
def test_every_fusion_setting_ranks_the_answer_first(settings, encoder, searcher, fusion):
    tuned = Searcher(settings.model_copy(update={"fusion": fusion}), store=searcher.store, embedder=encoder,
                     catalog=CATALOG)
    assert ids(tuned.search("how quickly must a significant incident be reported", k=3))[0] == f"{NIS2}/art-23"
    assert ids(tuned.search("2019/881", k=3))[0] == f"{NIS2}/art-24"


def test_hybrid_finds_an_exact_legal_reference_that_dense_alone_misses(searcher):
    target = f"{NIS2}/art-24"
    assert ids(searcher.search("2019/881", k=3, mode="dense"))[0] != target
    assert ids(searcher.search("2019/881", k=3, mode="hybrid"))[0] == target


def test_a_split_provision_is_one_result_holding_its_best_passage(searcher):
    hits = searcher.search("what must a request for preservation of stored data state", k=10)
    groups = [h.passage.group_id for h in hits]
    assert len(groups) == len(set(groups))
    assert groups.count(f"{BUDAPEST}/art-29") == 1
    assert ids(hits)[0] == f"{BUDAPEST}/art-29/2"


def test_grouping_still_fills_k_results(searcher):
    assert len(searcher.search("computer", k=8)) == 8


@pytest.mark.parametrize(
    ("query", "cited", "text_start"),
    [
        ("Article 29(3) Budapest Convention", f"{BUDAPEST}/art-29/3", "3. On receipt"),
        ("Budapest Convention art. 2", f"{BUDAPEST}/art-2", "Each Party"),
        ("NIS2 Art. 23(4)(b)", f"{NIS2}/art-23/4/b", "(b) an incident notification"),
        ("18 U.S.C. 1030(a)(2)", f"{CFAA}/s-1030/a/2", "(2) intentionally accesses"),
    ],
)
def test_a_typed_citation_comes_first_and_is_not_repeated(searcher, query, cited, text_start):
    hits = searcher.search(query, k=5)
    first = hits[0]
    assert (first.passage.provision_id, first.via) == (cited, "citation")
    assert first.passage.text.startswith(text_start)
    assert [h.passage.group_id for h in hits].count(first.passage.group_id) == 1
    assert all(h.via == "hybrid" for h in hits[1:])


def test_a_unit_indexed_after_the_first_search_is_cited_at_once(settings, encoder):
    with ClientStore(QdrantClient(":memory:"), "later") as store:
        indexer = Indexer(settings, store, encoder)
        indexer.index(BUDAPEST, PASSAGES[BUDAPEST][:1])
        searcher = Searcher(settings, store=store, embedder=encoder, catalog=CATALOG)
        assert all(h.via == "hybrid" for h in searcher.search("Article 29 Budapest Convention"))
        indexer.index(BUDAPEST, PASSAGES[BUDAPEST])
        first = searcher.search("Article 29 Budapest Convention")[0]
        assert (first.via, first.passage.unit_id) == ("citation", f"{BUDAPEST}/art-29")


def test_a_typed_citation_comes_first_whatever_the_filters_and_the_rest_keep_them(searcher):
    hits = searcher.search("Budapest Convention art. 2", filters=Filters(jurisdiction=("US",)))
    assert (hits[0].passage.provision_id, hits[0].via) == (f"{BUDAPEST}/art-2", "citation")
    assert {h.passage.instrument_id for h in hits[1:]} == {CFAA}


def test_a_citation_of_a_provision_not_indexed_falls_back_to_search(searcher):
    assert all(h.via == "hybrid" for h in searcher.search("Article 48 Budapest Convention", k=3))


@pytest.mark.parametrize(
    ("filters", "instruments"),
    [
        (Filters(binding=False), {PARIS, OWN}),
        (Filters(binding=True, jurisdiction=("US", "Canada")), {CFAA, CANADA}),
        (Filters(instrument=(BUDAPEST,)), {BUDAPEST}),
        (Filters(instrument=(OWN,)), {OWN}),  # a user's own text, indexed but not catalogued
        (Filters(language=("ja",)), {JAPAN}),
        (Filters(kind=("treaty",), status=("in-force",)), {BUDAPEST}),
        (Filters(kind=("regional-law",)), {NIS2}),
    ],
)
@pytest.mark.parametrize("mode", ["hybrid", "dense", "sparse"])
def test_filters_narrow_every_mode(searcher, filters, instruments, mode):
    hits = searcher.search("computer data offence", k=20, filters=filters, mode=mode)
    assert {h.passage.instrument_id for h in hits} <= instruments
    assert hits or mode == "sparse"  # lexical search only finds passages that share a term


def test_an_unknown_instrument_filter_lists_the_valid_ids(searcher):
    with pytest.raises(UnknownInstrument, match=r"'nope'.*budapest-convention.*my-own-policy"):
        searcher.search("data", filters=Filters(instrument=("nope",)))


@pytest.mark.parametrize(
    ("query", "k", "mode", "message"),
    [
        ("", 10, "hybrid", "empty"),
        ("   ", 10, "hybrid", "empty"),
        ("x" * 1001, 10, "hybrid", "1001 characters; at most 1000"),
        ("data", 0, "hybrid", "between 1 and 100"),
        ("data", 101, "hybrid", "between 1 and 100"),
        ("data", 10, "fuzzy", "valid modes: hybrid, dense, sparse"),
    ],
)
def test_bad_input_is_rejected_with_the_reason(searcher, query, k, mode, message):
    with pytest.raises(InvalidInput, match=message):
        searcher.search(query, k=k, mode=mode)


def test_a_unit_view_joins_its_passages_and_names_its_neighbours(searcher):
    view = searcher.provision(f"{BUDAPEST}/art-29")
    assert (view.label, view.citation) == ("Art. 29", "Convention on Cybercrime (ETS No. 185), art. 29")
    assert [p.chunk for p in view.passages] == [0, 1, 2]
    assert view.text == "\n".join(p.text for p in PASSAGES[BUDAPEST][1:4])
    assert (view.heading, view.path) == (PRESERVATION, CH3)
    assert (view.previous_id, view.next_id) == (f"{BUDAPEST}/art-2", f"{BUDAPEST}/art-30")


@pytest.mark.parametrize(
    ("provision_id", "label", "text_start", "text_end"),
    [
        (f"{BUDAPEST}/art-29/3", "Art. 29(3)", "3. On receipt", "granting preservation."),
        (f"{NIS2}/art-23/4", "Art. 23(4)", "4. For the notification", "within one month."),
        (f"{NIS2}/art-23/2", "Art. 23(2)", "2. Where appropriate", "they can take."),
        (f"{BUDAPEST}/art-29/2/b", "Art. 29(2)(b)", "b. the offence", "summary of the facts;"),
        (f"{CFAA}/s-1030/b/2", "§ 1030(b)(2)", "(2) the term", "interstate commerce."),
    ],
)
def test_a_sub_provision_view_gives_that_paragraphs_text(searcher, provision_id, label, text_start, text_end):
    view = searcher.provision(provision_id)
    assert (view.provision_id, view.label) == (provision_id, label)
    assert view.text.startswith(text_start) and view.text.endswith(text_end)
    assert view.unit_id == "/".join(provision_id.split("/")[:2])


def test_the_first_and_last_units_have_one_neighbour(searcher):
    assert searcher.provision(f"{BUDAPEST}/art-2").previous_id is None
    assert searcher.provision(f"{BUDAPEST}/art-30").next_id is None


@pytest.mark.parametrize("provision_id", [f"{BUDAPEST}/art-99", f"{NIS2}/art-23/9", "nope/art-1"])
def test_an_absent_provision_raises_unknown_provision(searcher, provision_id):
    with pytest.raises(UnknownProvision, match=provision_id):
        searcher.provision(provision_id)


def test_passages_lists_every_indexed_passage_in_text_order(searcher):
    every = searcher.passages()
    assert len(every) == sum(len(ps) for ps in PASSAGES.values())
    assert [p for p in every if p.instrument_id == BUDAPEST] == PASSAGES[BUDAPEST]
    assert {p.instrument_id for p in searcher.passages(Filters(binding=False))} == {PARIS, OWN}


def test_passages_come_back_with_their_instrument_facts(searcher):
    first = searcher.passages(Filters(instrument=(CFAA,)))[0]
    assert first.metadata["jurisdiction"] == "US" and first.metadata["binding"] is True


def test_counts_gives_passages_per_instrument(searcher):
    assert searcher.counts() == {instrument: len(ps) for instrument, ps in PASSAGES.items()}


def test_the_server_store_returns_the_same_results(settings, encoder, searcher):
    with ClientStore(QdrantClient(":memory:"), "parity") as store:
        other = build(settings, store, encoder)
        for query in ("reporting an incident", "342.1", "Article 29(3) Budapest Convention"):
            assert ids(other.search(query, k=6)) == ids(searcher.search(query, k=6))


def test_closing_a_searcher_leaves_a_shared_store_and_encoder_open(settings, encoder, searcher):
    Searcher(settings, store=searcher.store, embedder=encoder, catalog=CATALOG).close()
    assert searcher.store.count() == sum(len(ps) for ps in PASSAGES.values())
    assert len(encoder.embed(["still open"])[0]) == 384


def test_a_named_instrument_comes_first_and_is_reported_as_understood(searcher):
    query = "NIS2 request to preserve stored data"
    assert searcher.query(query, k=3, understand=False).hits[0].passage.instrument_id == BUDAPEST
    result = searcher.query(query, k=3)
    assert result.hits[0].passage.instrument_id == NIS2
    assert result.understood.instruments == (NIS2,) and result.understood.intent == "scoped"
    assert result.understood.mentions == ("NIS2",)


def test_understanding_can_be_turned_off(searcher):
    assert searcher.query("NIS2 incident reporting", understand=False).understood.instruments == ()


def test_a_typed_citation_is_understood_as_one(searcher):
    assert searcher.query("Budapest Convention art. 2").understood.intent == "citation"


@pytest.mark.parametrize("query", ["zzzzqqqq", "qwxz vbnm"])
def test_nonsense_gets_no_results_and_a_notice_saying_so(searcher, query):
    result = searcher.query(query)
    assert result.hits == [] and result.notice == NO_MATCH


def test_a_real_question_is_not_judged_a_non_match(searcher):
    result = searcher.query("illegal access to a computer system")
    assert result.hits and not result.hits[0].weak


def test_the_first_results_do_not_depend_on_k(settings, encoder, searcher):
    small_pool = Searcher(settings.model_copy(update={"candidates": 1, "max_k": 6}), store=searcher.store,
                          embedder=encoder, catalog=CATALOG)
    queries = ["preservation of stored data", "computer offence", "incident reporting", "passwords of staff",
               "data", "a criminal offence under domestic law", "service provider traffic data", "certification"]
    for query in queries:
        assert ids(small_pool.search(query, k=1)) == ids(small_pool.search(query, k=6))[:1], query


def test_a_us_code_section_gives_one_result_per_subsection(searcher):
    hits = searcher.search("computer", k=10, filters=Filters(instrument=(CFAA,)))
    assert sorted(ids(hits)) == [f"{CFAA}/s-1030/a", f"{CFAA}/s-1030/b"]


def test_an_english_question_about_japanese_law_reaches_the_japanese_text(searcher):
    query = "Japan: is it illegal to use another person's password to get into a computer?"
    assert searcher.search(query, k=3)[0].passage.instrument_id == JAPAN
    as_typed = searcher.query(query, k=3, understand=False).hits  # no place read, so no multilingual leg
    assert not as_typed or as_typed[0].passage.instrument_id != JAPAN


def test_the_kept_results_are_read_whole_and_one_gone_from_the_store_is_dropped(searcher):
    ranked = [scored_document(data, score) for data, score in searcher.store.query(
        dense=searcher.encoder.embed_query("illegal access"), limit=2, fields=RANKING_FIELDS)]
    gone = scored_document({"unit_id": f"{BUDAPEST}/art-99", "chunk": 0}, 0.1)
    cited = scored_document(payload(PASSAGES[NIS2][0], "sig"), 1.0)
    read = PayloadReader(searcher.store).run([cited, *ranked, gone], ["citation", "hybrid", "hybrid", "hybrid"])
    assert read["via"] == ["citation", "hybrid", "hybrid"]
    assert read["documents"][0] is cited
    assert [to_passage(d.meta).provision_id for d in read["documents"][1:]] == [d.meta["provision_id"] for d in ranked]
    assert all(d.content == d.meta["text"] and d.meta["citation"] for d in read["documents"])
