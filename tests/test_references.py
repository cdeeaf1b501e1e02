"""Cross-references: read from text, resolved against the ids real instruments produce."""

from __future__ import annotations

from functools import cache

import pytest

from cyberlex.corpus.catalog import load_catalog
from cyberlex.corpus.model import Provision
from cyberlex.settings import Settings
from cyberlex.ingest.pipeline import Parsed, parse_instrument
from cyberlex.ingest.references import RawRef, Reference, extract_references, find_references, known_ids_of, resolve

INSTRUMENTS = (
    "budapest-convention", "budapest-protocol-1-xenophobia", "gdpr-2016-679", "eu-nis2-directive-2022-2555",
    "us-cfaa-18usc1030", "us-stored-communications-act-18usc2701", "us-wiretap-act-18usc2510",
    "kenya-computer-misuse-cybercrimes-act-2018",
)


@cache
def parsed(instrument_id: str) -> Parsed:
    instrument = load_catalog().get(instrument_id)
    return parse_instrument(Settings().corpus_dir / instrument.file, instrument)


@cache
def corpus_ids() -> frozenset[str]:
    return frozenset(known_ids_of(p for i in INSTRUMENTS for p in parsed(i).provisions))


@cache
def references(instrument_id: str) -> tuple[Reference, ...]:
    p = parsed(instrument_id)
    return tuple(extract_references(p.provisions, p.instrument, load_catalog(), set(corpus_ids())))


def targets(source: str, phrase: str) -> set[str]:
    return {r.target for r in references(source.split("/")[0]) if r.source == source and r.text == phrase and r.resolved}


def provision(provision_id: str) -> Provision:
    return next(p for p in parsed(provision_id.split("/")[0]).provisions if p.id == provision_id)


@pytest.mark.parametrize(("text", "expected"), [
    ("Articles 2 through 4", [("article", "2", ()), ("article", "3", ()), ("article", "4", ())]),
    ("Article 14(1) and (2)", [("article", "14", ("1",)), ("article", "14", ("2",))]),
    ("Articles 15 to 17 and 34", [("article", n, ()) for n in ("15", "16", "17", "34")]),
    ("Article 4, paragraph 2", [("article", "4", ("2",))]),
    ("Article 23(4), first subparagraph, point (a)", [("article", "23", ("4", "a"))]),
    ("paragraph 2 of Article 5", [("article", "5", ("2",))]),
    ("section 1030(a)(5)(A)", [("section", "1030", ("a", "5", "a"))]),
    ("subsection (a) of section 1030", [("section", "1030", ("a",))]),
    ("§§ 2701-2703", [("section", n, ()) for n in ("2701", "2702", "2703")]),
    ("Annex I", [("annex", "i", ())]),
])
def test_find_references_expands_lists_and_ranges_of_units(text: str, expected: list) -> None:
    assert [(r.kind, r.number, r.sub) for r in find_references(text)] == expected


@pytest.mark.parametrize(("text", "sub", "keep"), [
    ("paragraph 1 of this article", ("1",), 0),
    ("point (b) of paragraph 1", ("1", "b"), 0),
    ("point (a)", ("a",), 1),
    ("subsection (a)(5)", ("a", "5"), 0),
    ("paragraph (2)", ("2",), 1),
    ("subparagraph (B)", ("b",), 2),
    ("paragraph (1) of subsection (a)", ("a", "1"), 0),
])
def test_find_references_reads_subdivisions_relative_to_the_source(text: str, sub: tuple, keep: int) -> None:
    (ref,) = find_references(text)
    assert (ref.kind, ref.sub, ref.keep) == ("", sub, keep)


@pytest.mark.parametrize(("text", "instrument"), [
    ("Article 33 of Regulation (EU) 2016/679", "Regulation (EU) 2016/679"),
    ("Regulation (EU) 2016/679 and Article 56 of that Regulation", "Regulation (EU) 2016/679"),
    ("Article 51 of the Charter of the United Nations", "the Charter of the United Nations"),
    ("section 2510 of this title", "this title"),
    ("18 U.S.C. 1030(a)(2)", "title 18"),
    ("Article 16 TFEU", "TFEU"),
    ("Articles 2 through 11 of this Convention", ""),
])
def test_find_references_names_the_instrument_referred_to(text: str, instrument: str) -> None:
    assert find_references(text)[-1].instrument == instrument


def test_phrase_span_covers_the_whole_reference() -> None:
    text = "in accordance with Articles 2 through 11 of this Convention;"
    refs = find_references(text)
    assert {(r.start, r.end) for r in refs} == {(19, 59)}
    assert refs[0].text == text[19:59] == "Articles 2 through 11 of this Convention"


@pytest.mark.parametrize(("source", "phrase", "expected"), [
    ("budapest-convention/art-14", "Articles 2 through 11 of this Convention",
     {f"budapest-convention/art-{n}" for n in range(2, 12)}),
    ("budapest-convention/art-25", "Articles 27 through 35", {f"budapest-convention/art-{n}" for n in range(27, 36)}),
    ("budapest-convention/art-14", "paragraph 1 of this article", {"budapest-convention/art-14/1"}),
    ("budapest-convention/art-42", "Article 29, paragraph 4", {"budapest-convention/art-29/4"}),
    ("gdpr-2016-679/art-33", "Article 55", {"gdpr-2016-679/art-55"}),
    ("gdpr-2016-679/art-12", "Articles 15 to 22 and 34", {f"gdpr-2016-679/art-{n}" for n in (*range(15, 23), 34)}),
    ("eu-nis2-directive-2022-2555/art-35", "Article 4, point (12), of Regulation (EU) 2016/679",
     {"gdpr-2016-679/art-4/12"}),
    ("us-cfaa-18usc1030/s-1030", "subsection (c) of this section", {"us-cfaa-18usc1030/s-1030/c"}),
    ("us-stored-communications-act-18usc2701/s-2711", "section 2510 of this title", {"us-wiretap-act-18usc2510/s-2510"}),
    ("budapest-protocol-1-xenophobia/art-8", "Articles 23 to 35 of the Convention",
     {f"budapest-convention/art-{n}" for n in range(23, 36)}),
    ("kenya-computer-misuse-cybercrimes-act-2018/s-20", "sections 14 , 15, 16 and 17",
     {f"kenya-computer-misuse-cybercrimes-act-2018/s-{n}" for n in (14, 15, 16, 17)}),
])
def test_references_in_real_provisions_resolve_to_their_targets(source: str, phrase: str, expected: set) -> None:
    assert targets(source, phrase) == expected


def test_reference_to_a_section_outside_the_corpus_stays_unresolved() -> None:
    refs = [r for r in references("us-cfaa-18usc1030") if r.text == "section 1029"]
    assert refs and not any(r.resolved for r in refs)
    assert refs[0].target == "us-cfaa-18usc1030/s-1029"


def test_reference_to_a_whole_instrument_resolves_to_the_instrument_id() -> None:
    nis2 = references("eu-nis2-directive-2022-2555")
    assert any(r.text == "Regulation (EU) 2016/679" and r.target == "gdpr-2016-679" and r.resolved for r in nis2)
    assert any(r.text == "Directive (EU) 2016/1148" and r.target == "" and not r.resolved for r in nis2)


def test_offsets_point_into_the_source_provision_text() -> None:
    for ref in references("gdpr-2016-679")[:200]:
        assert provision(ref.source).text[ref.start:ref.end] == ref.text


def test_known_ids_include_every_subdivision_path() -> None:
    ids = known_ids_of([provision("budapest-convention/art-14")])
    assert {"budapest-convention/art-14", "budapest-convention/art-14/2", "budapest-convention/art-14/2/a",
            "budapest-convention/art-14/3/b/ii"} <= ids


@pytest.mark.parametrize(("ref", "source", "expected"), [
    (RawRef("Article 14(1)(z)", 0, 16, "article", "14", ("1", "z")), "budapest-convention/art-2",
     "budapest-convention/art-14/1"),
    (RawRef("Article 99", 0, 10, "article", "99"), "budapest-convention/art-2", None),
    (RawRef("paragraph 9", 0, 11, "", sub=("9",)), "budapest-convention/art-29/3", None),
    (RawRef("point (b)", 0, 9, "", sub=("b",), keep=1), "budapest-convention/art-29/2/a", "budapest-convention/art-29/2/b"),
    (RawRef("point (b)", 0, 9, "", sub=("b",), keep=1), "budapest-convention/art-29", None),
    (RawRef("Directive 95/46/EC", 0, 18, "instrument", instrument="Directive 95/46/EC"), "gdpr-2016-679/art-94", None),
])
def test_resolve_returns_the_most_specific_known_id_within_what_is_named(ref: RawRef, source: str,
                                                                        expected: str | None) -> None:
    instrument = load_catalog().get(source.split("/")[0])
    assert resolve(ref, source, instrument, load_catalog(), set(corpus_ids())) == expected


def test_budapest_references_mostly_resolve_within_the_convention() -> None:
    refs = references("budapest-convention")
    assert len(refs) > 150
    assert sum(r.resolved for r in refs) / len(refs) > 0.9
