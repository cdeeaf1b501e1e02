"""Pinpoints that are exact, and no made-up provisions: the provision reader and the typed-citation look-up over
a real Edge index (real model) of units the ingest cut out of the shipped texts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cyberlex.corpus.catalog import load_catalog
from cyberlex.corpus.errors import InvalidInput, UnknownProvision
from cyberlex.corpus.model import Passage, ProvisionId
from cyberlex.index.cited import CitationLookup
from cyberlex.index.embedders import DenseEncoder
from cyberlex.index.indexer import Indexer
from cyberlex.index.provisions import ProvisionReader, _Unit
from cyberlex.index.store import Store, open_store
from cyberlex.ingest.pipeline import Parsed, parse_instrument
from cyberlex.settings import Settings

CATALOG = load_catalog()
TEXTS = Path(__file__).resolve().parent.parent / "corpus" / "texts"
BUDAPEST, GDPR, NIS2 = "budapest-convention", "gdpr-2016-679", "eu-nis2-directive-2022-2555"
CFAA, WIRETAP, SCA = "us-cfaa-18usc1030", "us-wiretap-act-18usc2510", "us-stored-communications-act-18usc2701"
API, CHARTER, KENYA = "geneva-additional-protocol-i-1977", "un-charter", "kenya-computer-misuse-cybercrimes-act-2018"
THAI, JAPAN, SAUDI = "thailand-cybersecurity-act-2019-th", "japan-unauthorized-computer-access-act-1999-ja", \
    "saudi-anti-cyber-crime-law-2007-ar"
UNITS = {  # the units indexed, per instrument
    BUDAPEST: ("art-2", "art-29", "art-30"), GDPR: ("art-32", "art-33", "art-99"), NIS2: ("art-21", "art-23"),
    CFAA: ("s-1030",), WIRETAP: ("s-2511",), SCA: ("s-2703",), API: ("art-51", "art-100"), CHARTER: ("art-2",),
    KENYA: ("s-33",), THAI: ("s-5", "s-57"), JAPAN: ("art-2", "art-3"), SAUDI: ("art-3",),
}


@pytest.fixture(scope="module")
def parsed() -> dict[str, Parsed]:
    """What the ingest makes of the shipped texts (provisions and passages), per instrument."""
    return {iid: parse_instrument(TEXTS / CATALOG.get(iid).file, CATALOG.get(iid)) for iid in UNITS}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, parsed: dict[str, Parsed]) -> Iterator[Store]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("pinpoints"))
    encoder = DenseEncoder(settings)
    with open_store(settings) as store:
        indexer = Indexer(settings, store, encoder)
        for iid, units in UNITS.items():
            indexer.index(iid, [p for p in parsed[iid].passages if ProvisionId.parse(p.unit_id).unit in units])
        yield store
    encoder.close()


@pytest.fixture(scope="module")
def reader(store: Store) -> ProvisionReader:
    return ProvisionReader(store)


@pytest.fixture(scope="module")
def lookup(store: Store, reader: ProvisionReader) -> CitationLookup:
    return CitationLookup(reader, CATALOG, lambda unit_id: store.count({"unit_id": [unit_id]}) > 0)


# ---- the reader -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("provision_id", "citation", "text_start"),
    [
        (f"{CFAA}/s-1030/a/2/c", "18 U.S.C. § 1030(a)(2)(C)", "(C) information from any protected computer"),
        (f"{CFAA}/s-1030/c/4/a/i/i", "18 U.S.C. § 1030(c)(4)(A)(i)(I)", "(I) loss to 1 or more persons"),
        (f"{WIRETAP}/s-2511/2/d", "18 U.S.C. § 2511(2)(d)", "(d) It shall not be unlawful"),  # printed lowercase
        (f"{SCA}/s-2703/d", "18 U.S.C. § 2703(d)", "(d) Requirements for Court Order"),
        (f"{NIS2}/art-21/2/d", "Directive (EU) 2022/2555, art. 21(2)(d)", "(d) supply chain security"),
        (f"{NIS2}/art-23/4/b", "Directive (EU) 2022/2555, art. 23(4)(b)", "(b) without undue delay"),
        (f"{API}/art-51/5/b", "Additional Protocol I to the Geneva Conventions, art. 51(5)(b)", "(b) an attack"),
        (f"{CHARTER}/art-2/4", "Charter of the United Nations, art. 2(4)", "4. All Members shall refrain"),
        (f"{BUDAPEST}/art-29/2/c", "Convention on Cybercrime (ETS No. 185), art. 29(2)(c)", "c) the stored"),
        (f"{JAPAN}/art-2/4/1", "Act on Prohibition of Unauthorized Computer Access (Japan, Act No. 128 of 1999), "
                               "art. 2(4)(1)", "1. アクセス制御機能を有する"),
        (f"{THAI}/s-5/1/3", "Cybersecurity Act B.E. 2562 (2019) (Thailand), s. 5(1)(3)", "(๓) กรรมการผู้ทรงคุณวุฒิ"),
        (f"{CFAA}/s-1030", "18 U.S.C. § 1030", "(a) Whoever"),
    ],
)
def test_a_pinpoint_gives_exactly_that_subdivision_cited_as_printed(reader, provision_id, citation, text_start):
    view = reader.view(provision_id)
    assert (view.provision_id, view.citation) == (provision_id, citation)
    assert view.text.startswith(text_start)


def test_a_subdivision_holds_its_own_points_and_stops_at_its_sibling(reader):
    text = reader.view(f"{CFAA}/s-1030/a/2").text
    assert text.startswith("(2) intentionally accesses") and "(C) information from any protected computer" in text
    assert "(3) intentionally, without authorization" not in text
    assert reader.view(f"{CFAA}/s-1030/a/2/c").text.count("\n") == 0


def test_a_typed_capital_finds_the_lowercase_id(reader):
    assert reader.view(f"{CFAA}/s-1030/a/2/C").provision_id == f"{CFAA}/s-1030/a/2/c"


@pytest.mark.parametrize(
    ("provision_id", "says", "nearest"),
    [
        (f"{BUDAPEST}/art-29/3/3/3", f"{BUDAPEST}/art-29/3 exists; it has no (3)(3)", f"{BUDAPEST}/art-29/3"),
        (f"{BUDAPEST}/art-29/8", f"{BUDAPEST}/art-29 exists; it has no (8)", f"{BUDAPEST}/art-29"),
        (f"{CFAA}/s-1030/a/2/d", f"{CFAA}/s-1030/a/2 exists; it has no (d)", f"{CFAA}/s-1030/a/2"),
        (f"{GDPR}/art-100", f"GDPR has no Art. 100; its last article is Art. 99 ({GDPR}/art-99)", f"{GDPR}/art-99"),
        (f"{GDPR}/art-31", f"GDPR has no Art. 31; the nearest is Art. 32 ({GDPR}/art-32)", f"{GDPR}/art-32"),
        (f"{KENYA}/s-99", f"Kenya CMCA 2018 has no s. 99; its last section is s. 33 ({KENYA}/s-33)", f"{KENYA}/s-33"),
        (f"{GDPR}/recital-85", f"GDPR has no recitals; its units are cited like Art. 32 ({GDPR}/art-32)",
         f"{GDPR}/art-32"),
        ("no-such-instrument/art-1", "no instrument 'no-such-instrument' is indexed", ""),
    ],
)
def test_a_provision_the_text_lacks_is_unknown_naming_the_nearest_that_exists(reader, provision_id, says, nearest):
    with pytest.raises(UnknownProvision) as raised:
        reader.view(provision_id)
    assert str(raised.value) == f"no provision {provision_id!r} in the index: {says}"
    assert raised.value.nearest == nearest


@pytest.mark.parametrize(
    "provision_id", [f"{BUDAPEST}/art-29/", f"{BUDAPEST}/art-29//3", BUDAPEST, f"{BUDAPEST}/article-29", ""]
)
def test_a_malformed_id_is_invalid_input_naming_it_and_the_grammar(reader, provision_id):
    with pytest.raises(InvalidInput, match=r"is not a provision id .*INSTRUMENT_ID \"/\" UNIT"):
        reader.view(provision_id)


def test_deepest_answers_a_pinpoint_below_the_text_with_the_level_it_has(reader):
    assert reader.deepest(f"{BUDAPEST}/art-29/3/3/3").provision_id == f"{BUDAPEST}/art-29/3"
    assert reader.deepest(f"{CFAA}/s-1030/a/2/c").citation == "18 U.S.C. § 1030(a)(2)(C)"


def test_the_reader_finds_the_subdivisions_the_ingest_found(parsed):
    """Reading an article or section back from its passages gives every block the subdivision the segmenter
    gave it, in every unit of the instruments above (recitals and preambles have only their passages' ids)."""
    for one in parsed.values():
        units: dict[str, list[Passage]] = {}
        for p in one.passages:
            units.setdefault(p.unit_id, []).append(p)
        for provision in one.provisions:
            if provision.id in units and ProvisionId.parse(provision.id).kind in ("art", "s"):
                read = [line.sub for line in _Unit(units[provision.id]).lines]
                assert read == [b.sub for b in provision.blocks], provision.id


# ---- the typed-citation look-up ----------------------------------------------------------------------------

def run(lookup: CitationLookup, text: str, **where: list[str]) -> dict:
    return lookup.run(text=text, where=where)


@pytest.mark.parametrize(
    ("query", "provision_id", "citation"),
    [
        ("18 U.S.C. § 1030(a)(2)(C)", f"{CFAA}/s-1030/a/2/c", "18 U.S.C. § 1030(a)(2)(C)"),
        ("18 U.S.C. § 2511(2)(d)", f"{WIRETAP}/s-2511/2/d", "18 U.S.C. § 2511(2)(d)"),
        ("18 U.S.C. § 2703(d)", f"{SCA}/s-2703/d", "18 U.S.C. § 2703(d)"),
        ("NIS2 art 21(2)(d)", f"{NIS2}/art-21/2/d", "Directive (EU) 2022/2555, art. 21(2)(d)"),
        ("Directive (EU) 2022/2555, Art. 23(4)(b)", f"{NIS2}/art-23/4/b", "Directive (EU) 2022/2555, art. 23(4)(b)"),
        ("AP I art 51(5)(b)", f"{API}/art-51/5/b", "Additional Protocol I to the Geneva Conventions, art. 51(5)(b)"),
        ("Art. 2(4) UN Charter", f"{CHARTER}/art-2/4", "Charter of the United Nations, art. 2(4)"),
        ("CETS No. 185, art. 29", f"{BUDAPEST}/art-29", "Convention on Cybercrime (ETS No. 185), art. 29"),
        ("มาตรา ๕๗ แห่งพระราชบัญญัติการรักษาความมั่นคงปลอดภัยไซเบอร์ พ.ศ. ๒๕๖๒", f"{THAI}/s-57",
         "Cybersecurity Act B.E. 2562 (2019) (Thailand), s. 57"),
        ("المادة الثالثة من نظام مكافحة جرائم المعلوماتية", f"{SAUDI}/art-3",
         "Anti-Cyber Crime Law (Saudi Arabia, Royal Decree No. M/17 of 8/3/1428H), art. 3"),
        ("不正アクセス禁止法第三条", f"{JAPAN}/art-3",
         "Act on Prohibition of Unauthorized Computer Access (Japan, Act No. 128 of 1999), art. 3"),
    ],
)
def test_a_typed_citation_opens_that_provision_of_that_instrument(lookup, query, provision_id, citation):
    out = run(lookup, query)
    (document,) = out["documents"]
    assert (document.meta["provision_id"], document.meta["citation"]) == (provision_id, citation)
    assert (out["cited"], out["notice"], document.meta["cited_level"]) == (provision_id, "", provision_id)


def test_a_pinpoint_below_the_text_comes_back_at_the_level_found_with_a_notice(lookup):
    out = run(lookup, "Budapest art. 29(3)(3)(3)")
    (document,) = out["documents"]
    assert (out["cited"], out["cited_level"]) == (f"{BUDAPEST}/art-29/3/3/3", f"{BUDAPEST}/art-29/3")
    assert document.meta["cited_level"] == out["cited_level"]
    assert document.meta["citation"] == "Convention on Cybercrime (ETS No. 185), art. 29(3)"
    assert out["notice"] == document.meta["notice"] == (f"Budapest art. 29(3)(3)(3): {BUDAPEST}/art-29/3 exists; it "
                                                        "has no (3)(3); shown is Art. 29(3), the deepest level of it "
                                                        "the text has")


def test_an_article_the_instrument_lacks_gives_no_document_and_says_so(lookup):
    out = run(lookup, "GDPR art 100")  # Additional Protocol I has an art. 100; it is not what was cited
    assert (out["documents"], out["cited"], out["cited_level"]) == ([], f"{GDPR}/art-100", "")
    assert out["notice"] == f"GDPR art 100: GDPR has no Art. 100; its last article is Art. 99 ({GDPR}/art-99)"


@pytest.mark.parametrize(
    ("where", "set_aside"),
    [({"jurisdiction": ["Kenya"]}, ["jurisdiction"]),
     ({"jurisdiction": ["EU"], "binding": [True]}, []),
     ({"instrument_id": [KENYA], "kind": ["national-law"], "force": ["obligation"]}, ["instrument_id", "kind"])],
)
def test_filters_never_hide_a_citation_that_names_an_instrument(lookup, where, set_aside):
    out = run(lookup, "Art. 33(1) GDPR", **where)
    assert [d.meta["provision_id"] for d in out["documents"]] == [f"{GDPR}/art-33/1"]
    assert out["set_aside"] == set_aside


def test_a_query_that_cites_nothing_gives_nothing(lookup):
    assert run(lookup, "preservation of stored computer data") == \
        {"documents": [], "cited": "", "cited_level": "", "notice": "", "set_aside": []}
