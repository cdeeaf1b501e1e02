"""to_passages(): whole provisions when they fit, else slices cut at subdivisions, then at sentences."""

from __future__ import annotations

from dataclasses import replace

import pytest
from haystack.dataclasses import SparseEmbedding
from qdrant_client import QdrantClient

from cyberlex.corpus.model import Block, Provision
from cyberlex.corpus.citations import cite
from cyberlex.index.client_store import ClientStore
from cyberlex.index.documents import payload, point_id, to_passage
from cyberlex.index.edge_store import EdgeStore
from cyberlex.index.store import StoredPoint
from cyberlex.ingest.passages import to_passages
from cyberlex.ingest.segment import segment
from segment_corpus import instrument, make_instrument, manifest, provision, provisions

MANUAL = make_instrument("manual", "rule")
US_CODE = replace(make_instrument("code", "section"), citation="18 U.S.C.", citable_depth=1)
CFAA = "us-cfaa-18usc1030"


def made(*blocks: tuple[tuple[str, ...], str], heading: str = "Due diligence") -> Provision:
    """A provision of the test manual whose blocks have the given subdivisions and texts."""
    out, start = [], 0
    for sub, text in blocks:
        out.append(Block(sub, text, start, start + len(text)))
        start += len(text) + 1
    return Provision("manual/rule-6", "manual", "rule-6", "r. 6", heading, ("Part I",), tuple(out), 0, start - 1)


def words(n: int, word: str = "word") -> str:
    """A sentence of about ``5 * n`` characters."""
    return " ".join([word] * n) + "."


def flat(text: str) -> str:
    return " ".join(text.split())


def test_a_short_article_is_one_passage_with_the_provision_fields():
    art2 = provision("budapest-convention", "art-2")
    budapest = instrument("budapest-convention")
    [passage] = to_passages([art2], budapest)
    assert (passage.provision_id, passage.unit_id, passage.chunk, passage.key) == (
        "budapest-convention/art-2", "budapest-convention/art-2", 0, "budapest-convention/art-2#0")
    assert (passage.label, passage.citation) == ("Art. 2", cite(budapest, "art-2"))
    assert (passage.heading, passage.path, passage.text) == (art2.heading, art2.path, art2.text)
    assert (passage.start, passage.end, passage.page) == (art2.blocks[0].start, art2.blocks[-1].end, None)


def test_a_long_article_splits_at_its_paragraphs():
    art29 = provision("budapest-convention", "art-29")
    passages = to_passages([art29], instrument("budapest-convention"))
    assert [p.provision_id.removeprefix("budapest-convention/") for p in passages] == [
        f"art-29/{n}" for n in range(1, 8)]
    third = passages[2]
    assert (third.chunk, third.label, third.citation) == (
        2, "Art. 29(3)", "Convention on Cybercrime (ETS No. 185), art. 29(3)")
    assert third.text.startswith("3. Upon receiving the request") and third.unit_id == "budapest-convention/art-29"


def test_passage_metadata_carries_the_instrument_facts_for_filters():
    [passage] = to_passages([provision("gdpr-2016-679", "recital-85")], instrument("gdpr-2016-679"))
    assert passage.metadata == {
        "title": instrument("gdpr-2016-679").title, "short_title": "GDPR", "kind": "regional-law",
        "jurisdiction": "EU", "language": "en", "status": "in-force", "instrument_status": "in-force",
        "binding": True, "unit": "article", "text_as_of": "2016-04-27",
        "unit_kind": "recital", "force": [], "addressees": [],  # a recital states no rule
        "defines": [],
    }


@pytest.mark.parametrize(("instrument_id", "unit", "citation"), [
    ("zimbabwe-cyber-data-protection-act-2021", "s-3", "s. 3 (definition of “Data Protection Authority”)"),
    ("zimbabwe-cyber-data-protection-act-2021", "s-3", "s. 3 (definition of “data protection officer”)"),
    ("singapore-computer-misuse-act-1993", "s-2", "s. 2(1) (definition of “computer output”)"),
])
def test_a_definition_of_a_term_and_its_short_form_is_cited_apart_from_the_one_before(instrument_id, unit, citation):
    """'" Data Protection Authority " or "Authority" refers to ...' ran on after the definition of "data"."""
    passages = to_passages([provision(instrument_id, unit)], instrument(instrument_id))
    cited = [p.citation for p in passages] + [part.citation for p in passages for part in p.parts]
    assert any(c.endswith(citation) for c in cited)


def test_each_passage_of_a_long_definitions_section_names_the_terms_it_defines():
    """Kenya's s. 2 is one unnumbered list of 37 definitions, cut into many passages."""
    kenya = "kenya-computer-misuse-cybercrimes-act-2018"
    passages = to_passages([provision(kenya, "s-2")], instrument(kenya))
    defining = [p for p in passages if "computer system" in p.metadata["defines"]]
    assert len(passages) > 10 and len(defining) == 1
    assert defining[0].text.startswith('"computer system" means')
    [offence] = [p for p in to_passages([provision(kenya, "s-14")], instrument(kenya)) if p.chunk == 0]
    assert offence.metadata["defines"] == []


RA10175 = "philippines-cybercrime-prevention-act-2012"


@pytest.mark.parametrize(
    ("unit", "statuses"),
    [("s-12", {f"{RA10175}/s-12": "struck-down", f"{RA10175}/s-12/1": "struck-down",
               f"{RA10175}/s-12/2": "struck-down", f"{RA10175}/s-12/3": "struck-down"}),
     ("s-4", {f"{RA10175}/s-4/a": "in-force", f"{RA10175}/s-4/a/4": "in-force", f"{RA10175}/s-4/a/5": "in-force",
              f"{RA10175}/s-4/a/6": "in-force", f"{RA10175}/s-4/b": "in-force", f"{RA10175}/s-4/c": "in-force",
              f"{RA10175}/s-4/c/2": "in-force", f"{RA10175}/s-4/c/3": "struck-down",
              f"{RA10175}/s-4/c/4": "struck-down"}),
     ("s-6", {f"{RA10175}/s-6": "in-force"})],
)
def test_each_passage_carries_its_provisions_own_status(unit: str, statuses: dict[str, str]) -> None:
    passages = to_passages([provision(RA10175, unit)], instrument(RA10175))
    assert {p.provision_id: p.metadata["status"] for p in passages} == statuses
    assert {p.metadata["instrument_status"] for p in passages} == {"in-force"}
    for p in passages:
        entry = p.metadata.get("status_entry")
        assert (entry["status"] if entry else "in-force") == p.metadata["status"]
        assert entry is None or entry["source"].startswith("Disini v. Secretary of Justice, G.R. No. 203335")


def test_a_status_entry_reaches_the_payload_and_comes_back() -> None:
    [passage, *_] = to_passages([provision(RA10175, "s-12")], instrument(RA10175))
    stored = payload(passage, "sig")
    assert stored["status"] == "struck-down" and stored["status_entry"]["date"] == "2014-02-11"
    assert to_passage(stored).metadata["status_entry"] == stored["status_entry"]


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        # a short lead-in is read with the first paragraph, which keeps its own id
        ([((), words(20)), (("1",), words(140)), (("2",), words(140))], ["manual/rule-6/1", "manual/rule-6/2"]),
        # paragraph 1 is too long: cut between its points, its lead-in rides with point (a)
        ([(("1",), words(40)), (("1", "a"), words(100)), (("1", "b"), words(100)), (("1", "c"), words(100)),
          (("2",), words(30))], ["manual/rule-6/1/a", "manual/rule-6/1/b", "manual/rule-6/1/c", "manual/rule-6/2"]),
        # below the top level, short points pack together under their paragraph's id
        ([(("1",), words(40)), *[(("1", x), words(30)) for x in "abcdefgh"], (("2",), words(30))],
         ["manual/rule-6/1/a", "manual/rule-6/1", "manual/rule-6/2"]),
        # one point alone in its slice gets the point's id
        ([(("1",), words(200)), (("1", "a"), words(200)), (("2",), words(10))],
         ["manual/rule-6/1", "manual/rule-6/1/a", "manual/rule-6/2"]),
        # every top-level paragraph is a passage of its own, however short: each can be cited
        ([(("1",), words(20)), (("2",), words(20)), (("3",), words(20)), (("4",), words(230))],
         ["manual/rule-6/1", "manual/rule-6/2", "manual/rule-6/3", "manual/rule-6/4"]),
    ],
)
def test_slices_take_the_most_specific_id_that_covers_them(blocks, expected):
    passages = to_passages([made(*blocks)], MANUAL)
    assert [p.provision_id for p in passages] == expected
    assert [p.chunk for p in passages] == list(range(len(expected)))


@pytest.mark.parametrize(
    ("instrument_id", "unit", "term", "citation"),
    [
        ("kenya-computer-misuse-cybercrimes-act-2018", "s-2", "subscriber information",
         "Computer Misuse and Cybercrimes Act 2018 (Kenya), s. 2 (definition of “subscriber information”)"),
        ("kenya-computer-misuse-cybercrimes-act-2018", "s-2", "access",  # read with the list's lead-in
         "Computer Misuse and Cybercrimes Act 2018 (Kenya), s. 2 (definition of “access”)"),
        ("singapore-cybersecurity-act-2018", "s-2", "critical information infrastructure",
         "Cybersecurity Act 2018 (Singapore), s. 2(1) (definition of “critical information infrastructure”)"),
    ],
)
def test_a_definition_of_an_unnumbered_list_is_cited_by_its_term(instrument_id, unit, term, citation):
    """In a passage of its own, or as the part of a passage of several that a search can narrow to."""
    found = to_passages([provision(instrument_id, unit)], instrument(instrument_id))
    cited = [p.citation for p in found] + [part.citation for p in found for part in p.parts]
    assert citation in cited
    holder = next(p for p in found if citation in (p.citation, *(part.citation for part in p.parts)))
    own = next((part for part in holder.parts if part.citation == citation), None)
    text = holder.text[own.text_start:own.text_end] if own else holder.text
    assert term in text.split(" means")[0].split(" includes")[0]


def test_a_block_longer_than_the_limit_is_cut_between_sentences_in_order():
    sentences = [words(30, f"word{n}") for n in range(6)]  # 180 characters each: two fit in 400
    passages = to_passages([made((("1",), " ".join(sentences)))], MANUAL, max_chars=400)
    assert [p.text for p in passages] == [" ".join(sentences[:2]), " ".join(sentences[2:4]), " ".join(sentences[4:])]
    assert {p.provision_id for p in passages} == {"manual/rule-6/1"}


def test_a_sentence_longer_than_the_limit_is_cut_between_words():
    long_one, short = words(120, "long"), words(10, "short")  # 600 and 60 characters
    passages = to_passages([made((("1",), f"{short} {long_one} {short}"))], MANUAL, max_chars=200)
    assert [len(p.text) for p in passages] == [60, 199, 199, 200, 60]
    assert " ".join(p.text for p in passages[1:4]) == long_one
    assert {p.provision_id for p in passages} == {"manual/rule-6/1"}


def test_a_run_without_spaces_is_cut_at_the_limit():
    run = "x" * 450
    passages = to_passages([made((("1",), run))], MANUAL, max_chars=200)
    assert [p.text for p in passages] == ["x" * 200, "x" * 200, "x" * 50]


def test_a_lead_in_that_would_push_its_first_child_over_the_limit_stands_alone():
    lead, sentence = words(8, "lead"), words(38)  # 40 and 190 characters
    passages = to_passages([made((("1",), lead), (("1", "a"), f"{sentence} {sentence}"), (("2",), words(10)))],
                           MANUAL, max_chars=200)
    assert [(p.provision_id, p.text) for p in passages] == [
        ("manual/rule-6/1", lead), ("manual/rule-6/1/a", sentence), ("manual/rule-6/1/a", sentence),
        ("manual/rule-6/2", words(10))]


def test_a_huge_text_without_paragraph_breaks_becomes_passages_under_the_cap():
    sentence = " ".join(f"word{n}" for n in range(40)) + ". "  # about 300 characters
    no_stop = " ".join(f"term{n} (a) and (b)" for n in range(4000))  # 70,000 characters without a sentence end
    lines = (sentence * 1500 + no_stop + " " + sentence * 100).split(" ")
    text = "\n".join(" ".join(lines[n:n + 12]) for n in range(0, len(lines), 12))  # lines, no blank one
    huge = make_instrument("huge", "paragraph")
    [prov] = segment(text, huge)
    passages = to_passages([prov], huge)
    assert len(text) > 500_000 and len(passages) > 400
    assert max(len(p.text) for p in passages) <= 1200
    assert {(p.provision_id, p.unit_id, p.start, p.end) for p in passages} == {("huge/para-1", "huge/para-1", 0,
                                                                                 len(text))}
    assert [p.chunk for p in passages] == list(range(len(passages)))
    assert flat(" ".join(p.text for p in passages)) == flat(text)


def test_abbreviations_are_no_sentence_ends():
    text = f"{words(30)} See No. R (85) 10 and Art. 5 of the Convention. {words(30)}"
    passages = to_passages([made((("1",), text))], MANUAL, max_chars=250)
    assert any("See No. R (85) 10 and Art. 5 of the Convention." in p.text for p in passages)


def test_a_provision_without_text_has_no_passage():
    empty = Provision("manual/rule-9", "manual", "rule-9", "r. 9", "Repealed", (), ())
    assert to_passages([empty], MANUAL) == []


@pytest.mark.parametrize("instrument_id", [entry["id"] for entry in manifest()])
def test_passages_rebuild_each_provision_and_respect_the_limit(instrument_id):
    inst = instrument(instrument_id)
    for prov in provisions(instrument_id):
        passages = to_passages([prov], inst, max_chars=1200)
        assert flat(" ".join(p.text for p in passages)) == flat(prov.text), prov.id
        assert [p.chunk for p in passages] == list(range(len(passages)))
        for p in passages:
            assert p.provision_id == p.unit_id or p.provision_id.startswith(p.unit_id + "/")
            assert p.group_id == p.unit_id or p.provision_id.startswith(p.group_id)
            assert len(p.text) <= 1200, (p.provision_id, p.chunk)


# --- US Code: subsections are the citable units ------------------------------------------------------------

@pytest.mark.parametrize(
    ("instrument_id", "unit", "expected"),
    [  # (provision id, group id) below the section, of each passage
        ("us-cisa-2015-6usc1501", "s-1510", [("a", "a"), ("b", "b")]),  # 529 characters: one passage if it were EU law
        ("us-fisma-44usc3551", "s-3559", [("a", "a"), ("b", "b")]),
        ("us-6usc650-cisa-agency-circia", "s-681c", [("a", "a"), ("b", "b"), ("c", "c")]),
        ("us-6usc650-cisa-agency-circia", "s-655", [("1", "1"), ("2", "2"), ("3", "3")]),  # no subsections: paragraphs
        (CFAA, "s-1030", [("a/1", "a"), ("a/2", "a"), ("a/3", "a"), ("a/4", "a"), ("a/5", "a"), ("a/6", "a"),
                          ("a/7", "a"), ("b", "b"), ("c/1", "c"), ("c/2", "c"), ("c/3", "c"), ("c/4/a/i", "c"),
                          ("c/4/a/ii", "c"), ("c/4/b", "c"), ("c/4/c", "c"), ("c/4/d", "c"), ("c/4", "c"), ("d", "d"),
                          ("e/1", "e"), ("e/2", "e"), ("e/3", "e"), ("e/4", "e"), ("e", "e"), ("e/11", "e"),
                          ("e", "e"), ("f", "f"), ("g", "g"), ("h", "h"), ("i", "i"), ("j", "j")]),
    ],
)
def test_us_code_sections_are_cut_and_grouped_at_their_subsections(instrument_id, unit, expected):
    passages = to_passages([provision(instrument_id, unit)], instrument(instrument_id))
    prefix = f"{instrument_id}/{unit}/"
    assert [(p.provision_id.removeprefix(prefix), p.group_id.removeprefix(prefix)) for p in passages] == expected


WIRETAP, SINGAPORE = "us-wiretap-act-18usc2510", "singapore-computer-misuse-act-1993"


@pytest.mark.parametrize(
    ("instrument_id", "provision_id", "label", "citation"),
    [  # (passage id, its label and citation as the text prints the pinpoint)
        (WIRETAP, "s-2511/2/d", "§ 2511(2)(d)", "18 U.S.C. § 2511(2)(d)"),  # lettered paragraphs under (2)
        (WIRETAP, "s-2511/2/a/ii/b", "§ 2511(2)(a)(ii)(B)", "18 U.S.C. § 2511(2)(a)(ii)(B)"),
        (WIRETAP, "s-2518/10/a", "§ 2518(10)(a)", "18 U.S.C. § 2518(10)(a)"),
        (CFAA, "s-1030/a/2", "§ 1030(a)(2)", "18 U.S.C. § 1030(a)(2)"),
        (CFAA, "s-1030/c/4/a/i", "§ 1030(c)(4)(A)(i)", "18 U.S.C. § 1030(c)(4)(A)(i)"),
        (SINGAPORE, "s-8b/5a", "s. 8B(5A)", "Computer Misuse Act 1993 (Singapore), s. 8B(5A)"),  # inserted (5A)
        ("budapest-convention", "art-29/3", "Art. 29(3)", "Convention on Cybercrime (ETS No. 185), art. 29(3)"),
    ],
)
def test_a_passage_cites_its_pinpoint_as_the_text_prints_it(instrument_id, provision_id, label, citation):
    unit = provision_id.split("/")[0]
    passages = to_passages([provision(instrument_id, unit)], instrument(instrument_id))
    found = {(p.label, p.citation) for p in passages if p.provision_id == f"{instrument_id}/{provision_id}"}
    assert found == {(label, citation)}


def test_a_us_code_passage_above_the_subsections_groups_under_its_section():
    lead = words(70, "lead")  # too long to ride with (a)
    passages = to_passages([made(((), lead), (("a",), words(10)), (("b",), words(10)))], US_CODE)
    assert [(p.provision_id, p.group_id) for p in passages] == [
        ("code/rule-6", "code/rule-6"), ("code/rule-6/a", "code/rule-6/a"), ("code/rule-6/b", "code/rule-6/b")]


@pytest.mark.parametrize("instrument_id", ["budapest-convention", "gdpr-2016-679", "kenya-computer-misuse-cybercrimes-act-2018"])
def test_other_instruments_group_passages_by_unit(instrument_id):
    passages = to_passages(list(provisions(instrument_id)), instrument(instrument_id))
    assert all(p.group_id == p.unit_id for p in passages)
    assert any(p.provision_id != p.unit_id for p in passages)


@pytest.mark.parametrize("kind", ["edge", "client"])
def test_group_id_round_trips_through_the_stored_payload(kind, tmp_path):
    passages = to_passages([provision(CFAA, "s-1030")], instrument(CFAA))
    store = EdgeStore(tmp_path / "edge") if kind == "edge" else ClientStore(QdrantClient(":memory:"), "test")
    with store:
        store.upsert([StoredPoint(point_id(p.key), [1.0, float(n)], SparseEmbedding([1], [1.0]), payload(p, "sig"))
                      for n, p in enumerate(passages)])
        read = sorted((to_passage(data) for _, data in store.scroll({"group_id": [f"{CFAA}/s-1030/a"]})),
                      key=lambda p: p.chunk)
    assert read == [p for p in passages if p.group_id == f"{CFAA}/s-1030/a"] and len(read) == 7


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        # a short article's paragraphs: each a part, with where its text lies in the passage
        ([(("1",), "1. First."), (("2",), "2. Second.")], [("manual/rule-6/1", "r. 6(1)", "1. First."),
                                                         ("manual/rule-6/2", "r. 6(2)", "2. Second.")]),
        # a lead-in is no part; the points under it are
        ([((), "For the purposes of this rule:"), (("a",), "(a) one;"), (("b",), "(b) two.")],
         [("manual/rule-6/a", "r. 6(a)", "(a) one;"), ("manual/rule-6/b", "r. 6(b)", "(b) two.")]),
        # one subdivision's text in blocks in a row is one part
        ([(("1",), "1. First,"), (("1",), "continued."), (("2",), "2. Second.")],
         [("manual/rule-6/1", "r. 6(1)", "1. First,\ncontinued."), ("manual/rule-6/2", "r. 6(2)", "2. Second.")]),
        # a single subdivision below the passage's own is no choice: no parts
        ([((), "Lead-in:"), (("a",), "(a) only.")], []),
        ([((), "A rule without subdivisions.")], []),
    ],
)
def test_a_passage_holding_several_subdivisions_lists_them_as_parts(blocks, expected):
    [passage] = to_passages([made(*blocks)], MANUAL)
    assert [(p.provision_id, p.label, passage.text[p.text_start:p.text_end]) for p in passage.parts] == expected
    assert all(p.citation == cite(MANUAL, "rule-6", tuple(p.provision_id.split("/")[2:])) for p in passage.parts)


def test_a_piece_of_one_long_block_has_no_parts():
    passages = to_passages([made((("1",), " ".join([words(40)] * 8)))], MANUAL)
    assert len(passages) > 1 and all(p.parts == () for p in passages)


@pytest.mark.parametrize("kind", ["edge", "client"])
def test_parts_round_trip_through_the_stored_payload(kind, tmp_path):
    [passage] = to_passages([made((("1",), "1. First."), (("2",), "2. Second."))], MANUAL)
    store = EdgeStore(tmp_path / "edge") if kind == "edge" else ClientStore(QdrantClient(":memory:"), "test")
    with store:
        store.upsert([StoredPoint(point_id(passage.key), [1.0, 0.0], SparseEmbedding([1], [1.0]),
                                  payload(passage, "sig"))])
        [(_, data)] = list(store.scroll({}))
    assert to_passage(data) == passage and len(passage.parts) == 2
