"""Legal intelligence on real corpus provisions: deontic tags and their filters, definitions, cross-references
and related provisions, through the legal index ``cyberlex ingest`` builds and the API that serves it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cyberlex.api.main import create_app
from cyberlex.corpus.catalog import Catalog, load_catalog
from cyberlex.corpus.model import Passage
from cyberlex.evals.related import check_ids, counterparts, load_concordance, score
from cyberlex.index.embedders import DenseEncoder
from cyberlex.index.legal import LegalIndex, build, legal_path, load_legal_index, related_units
from cyberlex.index.retrieve import LegalTable
from cyberlex.index.search import Searcher
from cyberlex.settings import Settings
from cyberlex.ingest.pipeline import parse_instrument
from legal_index import BUDAPEST, CANADA, SINGAPORE, legal_index

ILLEGAL_ACCESS = {f"{SINGAPORE}/s-3", f"{CANADA}/s-342.1"}


@pytest.fixture(scope="module")
def indexed(catalog: Catalog) -> Iterator[tuple[Settings, Searcher, str]]:
    with legal_index(catalog) as built:
        yield built


@pytest.fixture(scope="module")
def client(indexed: tuple[Settings, Searcher, str], catalog: Catalog) -> TestClient:
    settings, searcher, _ = indexed
    return TestClient(create_app(settings, searcher, catalog))


@pytest.fixture(scope="module")
def legal(indexed: tuple[Settings, Searcher, str]) -> LegalIndex:
    return load_legal_index(legal_path(indexed[0]))


def get(client: TestClient, path: str, **params: object) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


# ---- ingest builds the legal index ----------------------------------------------------------------

def test_ingest_builds_the_legal_index_and_reports_it(indexed: tuple[Settings, Searcher, str]) -> None:
    settings, _, output = indexed
    assert "legal index: " in output and "definitions" in output and "% resolved" in output
    assert json.loads(legal_path(settings).read_text())["format"] == 1


def test_a_partial_rebuild_keeps_what_earlier_runs_found_in_other_instruments(
    indexed: tuple[Settings, Searcher, str], legal: LegalIndex, catalog: Catalog
) -> None:
    settings, searcher, _ = indexed
    canada = catalog.get(CANADA)
    again = build([parse_instrument(settings.corpus_dir / canada.file, canada)], searcher.passages(),
                  searcher.encoder, catalog, previous=legal)
    assert set(again.sections) == {BUDAPEST, SINGAPORE, CANADA}
    assert again.sections[BUDAPEST] == legal.sections[BUDAPEST]
    assert again.related(f"{BUDAPEST}/art-2") == legal.related(f"{BUDAPEST}/art-2")
    only_indexed = [p for p in searcher.passages() if p.instrument_id != SINGAPORE]
    assert SINGAPORE not in build([], only_indexed, searcher.encoder, catalog, previous=legal).sections


def test_the_legal_index_survives_its_json(legal: LegalIndex) -> None:
    again = LegalIndex.from_json(json.loads(json.dumps(legal.to_json())))
    assert again.sections == legal.sections
    assert again.related_ids == legal.related_ids


# ---- tags and their filters ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("unit_id", "force", "addressees"),
    [
        (f"{BUDAPEST}/art-2", "obligation", "states"),  # "Each Party shall adopt ... measures"
        (f"{SINGAPORE}/s-3", "prohibition", "persons"),  # "any person who ... shall be guilty of an offence"
        (f"{BUDAPEST}/art-1", "definition", None),
        (f"{BUDAPEST}/art-36", "procedural", None),  # signature and entry into force
    ],
)
def test_provisions_are_tagged_with_force_and_addressees(
    client: TestClient, legal: LegalIndex, unit_id: str, force: str, addressees: str | None
) -> None:
    view = get(client, f"/provisions/{unit_id}")
    assert force in view["force"] and force in legal.unit(unit_id).force
    if addressees:
        assert addressees in view["addressees"] and addressees in legal.unit(unit_id).addressees


@pytest.mark.parametrize(
    ("provision_id", "force", "addressees"),
    [
        (f"{BUDAPEST}/art-29/1", ("permission",), ("states",)),  # "A Party may request another Party ..."
        (f"{BUDAPEST}/art-29/2", ("obligation",), ()),  # "A request for preservation ... shall specify"
        (f"{BUDAPEST}/art-29/3", ("obligation",), ("states",)),  # "the requested Party shall take ..."
        (f"{BUDAPEST}/art-36", ("obligation", "procedural"), ()),  # "This Convention shall be open for signature"
    ],
)
def test_each_paragraph_passage_carries_its_own_tags(
    catalog: Catalog, provision_id: str, force: tuple[str, ...], addressees: tuple[str, ...]
) -> None:
    budapest = catalog.get(BUDAPEST)
    passages = parse_instrument(Settings().corpus_dir / budapest.file, budapest).passages
    [passage] = [p for p in passages if p.provision_id == provision_id]
    assert (tuple(passage.metadata["force"]), tuple(passage.metadata["addressees"])) == (force, addressees)


@pytest.mark.parametrize(("param", "value", "field"), [("force", "prohibition", "force"),
                                                        ("addressee", "states", "addressees"),
                                                        ("force", "Obligation", "force")])
def test_force_and_addressee_filters_narrow_the_results(client: TestClient, param: str, value: str, field: str) -> None:
    query = "access to a computer system without right"
    everything = get(client, "/search", q=query, k=20)["results"]
    narrowed = get(client, "/search", q=query, k=20, **{param: value})["results"]
    assert narrowed and all(value.lower() in r[field] for r in narrowed)
    assert {r["provision_id"] for r in narrowed} != {r["provision_id"] for r in everything}
    assert any(value.lower() not in r[field] for r in everything)


def test_obligations_of_states_and_prohibitions_of_persons_find_different_instruments(client: TestClient) -> None:
    query = "illegal access to a computer system"
    states = get(client, "/search", q=query, force="obligation", addressee="states")["results"]
    persons = get(client, "/search", q=query, force="prohibition", addressee="persons")["results"]
    assert states[0]["instrument_id"] == BUDAPEST
    assert {r["instrument_id"] for r in persons} <= {SINGAPORE, CANADA}


def test_who_may_join_a_named_treaty_is_answered_by_its_accession_clause(client: TestClient) -> None:
    """"Join" is the lay word for accession, and the treaty's final clauses are searched on their own."""
    body = get(client, "/search", q="which countries may join the Budapest Convention?", k=3)
    assert "procedural" in body["understood"]["asks"]
    assert body["results"][0]["provision_id"] == f"{BUDAPEST}/art-37"


@pytest.mark.parametrize(("params", "reason"), [
    ({"force": "duty"}, "unknown force 'duty'; valid values: obligation, prohibition, permission, definition"),
    ({"addressee": "banks"}, "unknown addressee 'banks'; valid values: states, member-states, entities"),
])
def test_an_unknown_tag_is_422_naming_the_valid_ones(client: TestClient, params: dict, reason: str) -> None:
    response = client.get("/search", params={"q": "data", **params})
    assert response.status_code == 422
    assert reason in response.json()["detail"]


@pytest.mark.parametrize("force", ["obligation", "prohibition"])
def test_a_cited_provision_comes_first_whatever_its_tags(client: TestClient, force: str) -> None:
    first = get(client, "/search", q="Budapest art. 2", force=force)["results"][0]
    assert (first["via"], first["provision_id"]) == ("citation", f"{BUDAPEST}/art-2")


# ---- definitions -----------------------------------------------------------------------------------

def test_computer_system_is_defined_by_each_instrument_that_defines_it(client: TestClient) -> None:
    body = get(client, "/definitions", term="  Computer-Systems ")
    by_instrument = {d["instrument_id"]: d for d in body["definitions"]}
    assert body["term"] == "Computer-Systems"
    assert set(by_instrument) == {BUDAPEST, CANADA}
    assert by_instrument[BUDAPEST]["provision_id"] == f"{BUDAPEST}/art-1/a"
    assert by_instrument[BUDAPEST]["citation"] == "Convention on Cybercrime (ETS No. 185), art. 1(a)"
    assert by_instrument[CANADA]["text"].startswith("computer system means a device")
    assert by_instrument[CANADA]["instrument"]["status"] == "in-force"


COMPUTER_SYSTEM = {f"{BUDAPEST}/art-1", f"{CANADA}/s-342.1"}


@pytest.mark.parametrize(("term", "units"), [
    ("computer data", COMPUTER_SYSTEM),  # as typed: Singapore's "data" is not needed
    ("system", COMPUTER_SYSTEM),  # inside "computer system"
    ("unauthorised computer system access", COMPUTER_SYSTEM),  # a defined term of several words inside it
    ("stored data", {f"{SINGAPORE}/s-2"}),  # the defined term is its head
    ("data protection impact assessment", set()),  # "data" only qualifies it: no law here defines it
])
def test_a_definitional_question_searches_the_units_that_define_its_term(
        indexed: tuple[Settings, Searcher, str], term: str, units: set[str]) -> None:
    assert set(LegalTable(legal_path(indexed[0])).units_defining(term)) == units


def test_a_definitional_question_naming_a_place_searches_that_places_definitions(
        indexed: tuple[Settings, Searcher, str]) -> None:
    """Budapest defines "computer system" too, but the question asks how Canadian law does: Canada's provisions
    come before Budapest's definition (which, without the place read into the definitional search, came second)."""
    results = indexed[1].search("how does Canadian law define a computer system?", k=3)
    assert [r.passage.instrument_id for r in results[:2]] == [CANADA, CANADA]
    assert results[0].passage.provision_id == f"{CANADA}/s-342.1/2"


def test_a_term_nobody_defines_is_searched_among_no_definitions_not_even_the_named_instruments(
        indexed: tuple[Settings, Searcher, str]) -> None:
    table = LegalTable(legal_path(indexed[0]))
    assert table.units_defining("misuse of devices", [BUDAPEST]) == []  # art. 6 is named after it, in no definition
    assert table.units_defining("computer data", [BUDAPEST]) == [f"{BUDAPEST}/art-1"]


@pytest.mark.parametrize(("asks", "instruments", "units"), [
    (("scope",), (BUDAPEST, SINGAPORE), [f"{BUDAPEST}/art-14", f"{SINGAPORE}/s-13"]),  # "Scope of procedural..."
    (("scope",), (CANADA,), []),
    (("purpose",), (BUDAPEST,), []),  # the Convention says what it is for in its preamble, under no heading
    (("prohibition",), (BUDAPEST,), []),  # a kind of rule, read from the tags, not from headings
])
def test_a_question_about_an_instrument_itself_searches_its_units_headed_so(
        indexed: tuple[Settings, Searcher, str], asks: tuple[str, ...], instruments: tuple[str, ...],
        units: list[str]) -> None:
    assert LegalTable(legal_path(indexed[0])).units_headed(asks, instruments) == units


def test_a_term_nobody_defines_has_no_definitions(client: TestClient) -> None:
    assert get(client, "/definitions", term="quantum teleportation")["definitions"] == []


@pytest.mark.parametrize(("term", "reason"), [("   ", "term must not be empty"), ("x" * 201, "the limit is 200")])
def test_a_bad_term_is_422_with_the_reason(client: TestClient, term: str, reason: str) -> None:
    response = client.get("/definitions", params={"term": term})
    assert response.status_code == 422 and reason in response.json()["detail"]


def test_a_provision_links_the_terms_its_instrument_defines(client: TestClient) -> None:
    view = get(client, f"/provisions/{BUDAPEST}/art-2")
    uses = {u["term"]: u for u in view["definitions"]}
    assert uses["computer system"]["definitions"] == [f"{BUDAPEST}/art-1/a"]
    for use in view["definitions"]:
        assert view["text"][use["start"]:use["end"]].casefold().startswith(use["term"].casefold()[:-1])


def test_the_definitions_article_does_not_link_its_terms_to_itself(client: TestClient) -> None:
    view = get(client, f"/provisions/{BUDAPEST}/art-1")
    assert all(not d.startswith(f"{BUDAPEST}/art-1") for use in view["definitions"] for d in use["definitions"])


# ---- cross-references ------------------------------------------------------------------------------

def test_budapest_article_14_refers_to_the_offences_and_to_articles_20_and_21(client: TestClient) -> None:
    view = get(client, f"/provisions/{BUDAPEST}/art-14")
    targets = {r["target"] for r in view["references"]["outgoing"] if r["resolved"]}
    assert {f"{BUDAPEST}/art-{n}" for n in (*range(2, 12), 20, 21)} <= targets
    for ref in view["references"]["outgoing"]:
        assert view["text"][ref["start"]:ref["end"]] == ref["text"]


def test_budapest_article_21_is_referred_to_by_article_14(client: TestClient) -> None:
    incoming = get(client, f"/provisions/{BUDAPEST}/art-21")["references"]["incoming"]
    assert f"{BUDAPEST}/art-14" in {r["source"] for r in incoming}
    assert all(r["target"].startswith(f"{BUDAPEST}/art-21") and r["resolved"] for r in incoming)


def test_a_paragraph_lists_only_the_references_in_its_own_text(client: TestClient) -> None:
    whole = get(client, f"/provisions/{BUDAPEST}/art-14")["references"]["outgoing"]
    paragraph = get(client, f"/provisions/{BUDAPEST}/art-14/2")
    assert {r["text"] for r in paragraph["references"]["outgoing"]} < {r["text"] for r in whole}
    assert "Articles 2 through 11 of this Convention" in {r["text"] for r in paragraph["references"]["outgoing"]}


# ---- related provisions ----------------------------------------------------------------------------

def test_budapest_illegal_access_is_related_to_the_national_illegal_access_offences(client: TestClient) -> None:
    body = get(client, f"/provisions/{BUDAPEST}/art-2/related")
    top = [r["provision_id"] for r in body["related"][:5]]
    assert ILLEGAL_ACCESS & set(top), top
    assert all(r["instrument_id"] != BUDAPEST for r in body["related"])
    scores = [r["score"] for r in body["related"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == 10
    assert body["related"][0]["instrument"]["status"] == "in-force"


def test_related_of_a_paragraph_are_those_of_its_unit_and_k_caps_them(client: TestClient) -> None:
    body = get(client, f"/provisions/{SINGAPORE}/s-3/1/related", k=3)
    whole = get(client, f"/provisions/{SINGAPORE}/s-3/related")
    assert body["unit_id"] == f"{SINGAPORE}/s-3" and body["related"] == whole["related"][:3]
    assert f"{CANADA}/s-342.1" in {r["provision_id"] for r in body["related"]}


def test_recitals_and_preambles_are_neither_sources_nor_targets_of_related(legal: LegalIndex) -> None:
    assert legal.related(f"{BUDAPEST}/preamble") == []
    targets = {uid for pairs in legal.related_ids.values() for uid, _ in pairs}
    assert not {t for t in targets if "/preamble" in t or "/recital-" in t or "/annex-" in t}


@pytest.mark.parametrize(("path", "status", "reason"), [
    (f"/provisions/{BUDAPEST}/art-99/related", 404, f"no provision '{BUDAPEST}/art-99'"),
    (f"/provisions/{BUDAPEST}/art-2/related?k=11", 422, "k: Input should be less than or equal to 10"),
])
def test_related_errors_say_why(client: TestClient, path: str, status: int, reason: str) -> None:
    response = client.get(path)
    assert response.status_code == status and reason in response.json()["detail"]


def test_related_units_never_pair_an_instrument_with_itself(tmp_path: Path) -> None:
    encoder = DenseEncoder(Settings(data_dir=tmp_path))  # the lexical signal alone embeds nothing
    passages = [_passage(iid, unit, text) for iid, unit, text in (
        ("a", "art-1", "unauthorised access to a computer system is an offence"),
        ("a", "art-2", "unauthorised access to a computer system shall be punished"),
        ("b", "s-1", "access to a computer system without authority is an offence"),
        ("b", "recital-1", "access to a computer system without authority is an offence"),
    )]
    related = related_units(passages, encoder, load_catalog(), signals=("lexical",))
    assert [u for u, _ in related["a/art-1"]] == ["b/s-1"]
    assert [u for u, _ in related["b/s-1"]] == ["a/art-1", "a/art-2"]
    assert "b/recital-1" not in related


# ---- without legal.json ----------------------------------------------------------------------------

def test_without_the_legal_index_its_routes_are_503_and_the_rest_works(
    indexed: tuple[Settings, Searcher, str], catalog: Catalog, tmp_path: Path
) -> None:
    _, searcher, _ = indexed
    bare = TestClient(create_app(Settings(data_dir=tmp_path), searcher, catalog))
    for path in ("/definitions?term=computer+system", f"/provisions/{BUDAPEST}/art-2/related"):
        response = bare.get(path)
        assert response.status_code == 503
        assert "run cyberlex ingest to build the legal index" in response.json()["detail"]
    view = get(bare, f"/provisions/{BUDAPEST}/art-2")
    assert view["references"] is None and view["definitions"] is None and "obligation" in view["force"]


def test_a_legal_index_of_another_format_asks_for_a_new_ingest(tmp_path: Path) -> None:
    path = tmp_path / "legal.json"
    path.write_text('{"format": 0}')
    with pytest.raises(Exception, match="run cyberlex ingest to build the legal index again"):
        load_legal_index(path)


# ---- the concordance -------------------------------------------------------------------------------

def test_each_concordance_provision_has_counterparts_only_in_other_instruments() -> None:
    qrels = counterparts(load_concordance())
    assert len(load_concordance()) >= 20 and len(qrels) >= 20
    assert {f"{SINGAPORE}/s-3", "us-cfaa-18usc1030/s-1030"} <= qrels[f"{BUDAPEST}/art-2"]
    assert all(q.split("/")[0] != c.split("/")[0] for q, found in qrels.items() for c in found)


def test_recall_counts_counterparts_found_in_the_top_five() -> None:
    qrels = {"a/art-1": {"b/s-1", "c/s-9"}}
    assert score({"a/art-1": ["b/s-1", "x/s-1", "c/s-9"]}, qrels)["R@5"] == 1.0
    assert score({"a/art-1": ["x/s-1", "x/s-2", "x/s-3", "x/s-4", "x/s-5", "b/s-1"]}, qrels)["R@5"] == 0.0
    assert score({}, qrels)["Success@5"] == 0.0


@pytest.mark.slow
def test_every_concordance_id_is_a_provision_of_the_corpus(catalog: Catalog) -> None:
    from cyberlex.evals.related import corpus_passages

    _, known = corpus_passages(Settings())
    check_ids(load_concordance(), known)


def _passage(instrument_id: str, unit: str, text: str) -> Passage:
    unit_id = f"{instrument_id}/{unit}"
    return Passage(unit_id, unit_id, 0, instrument_id, unit, "", (), unit, text, 0, len(text))
