"""The instrument catalogue: coverage of the corpus manifest, validation, lookups."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from cyberlex.corpus.catalog import Catalog, load_catalog
from cyberlex.corpus.errors import CatalogError, InvalidInput, UnknownInstrument
from cyberlex.corpus.model import PROVISION_STATUSES, Instrument, ProvisionId, ProvisionStatus
from cyberlex.ingest.pipeline import parse_instrument
from cyberlex.settings import Settings

MANIFEST_FACTS = ("file", "format", "title", "short_title", "kind", "jurisdiction", "binding", "official_url")

VALID_ENTRY = """
[[instrument]]
id = "{id}"
file = "{id}.md"
format = "markdown"
title = "Test Act"
short_title = "Test Act {id}"
citation = "Test Act 2020"
kind = "national-law"
jurisdiction = "Testland"
language = "en"
adopted = 2020-01-31
binding = true
status = "in-force"
text_as_of = "2020-01-31"
unit = "section"
official_url = "https://example.org/{id}"
aliases = ["{id} alias"]
"""

STRUCK_DOWN = """
[[instrument.provision_status]]
provision = "b/s-12"
status = "struck-down"
date = 2014-02-11
source = "Doe v. Testland, No. 1, 11 February 2014"
url = "https://example.org/doe"
note = "declared unconstitutional"
"""


@pytest.fixture(scope="module")
def manifest() -> list[dict]:
    return json.loads((Settings().corpus_dir / "manifest.json").read_text(encoding="utf-8"))


def tallinn_copy() -> Instrument:
    return Instrument(
        id="tallinn-manual-2-copy", title="Tallinn Manual 2.0 (my copy)", short_title="Tallinn Manual 2.0",
        kind="soft-law-manual", jurisdiction="international", language="en", adopted=None, binding=False,
        status="not-applicable", official_url="", citation="Tallinn Manual 2.0", unit="rule",
        aliases=("Tallinn Manual",),
    )


def test_catalogue_lists_every_manifest_entry_in_order(catalog: Catalog, manifest: list[dict]) -> None:
    assert catalog.ids == tuple(entry["id"] for entry in manifest)
    assert len(catalog) == 42


def test_catalogue_facts_match_the_manifest(catalog: Catalog, manifest: list[dict]) -> None:
    for entry in manifest:
        inst = catalog.get(entry["id"])
        assert {f: getattr(inst, f) for f in MANIFEST_FACTS} == {f: entry[f] for f in MANIFEST_FACTS}, entry["id"]
        assert inst.adopted == (date.fromisoformat(entry["adopted"]) if entry["adopted"] else None)
        assert inst.same_instrument_as == entry.get("same_instrument_as", "")


def test_every_catalogue_file_is_in_the_corpus(catalog: Catalog) -> None:
    missing = [inst.file for inst in catalog if not (Settings().corpus_dir / inst.file).is_file()]
    assert missing == []


def test_every_entry_has_a_citation_prefix_and_status_note(catalog: Catalog) -> None:
    assert [i.id for i in catalog if not (i.citation and i.status_note)] == []


def test_soft_law_is_non_binding_and_has_no_legal_status(catalog: Catalog) -> None:
    assert {i.id for i in catalog if not i.binding} == {i.id for i in catalog if i.status == "not-applicable"}
    soft_law = {"paris-call-2018", "israel-position-international-law-cyber-2020"}
    assert {i.id for i in catalog if not i.binding} == soft_law


@pytest.mark.parametrize(
    ("instrument_id", "language", "unit", "citation"),
    [
        ("budapest-convention", "en", "article", "Convention on Cybercrime (ETS No. 185)"),
        ("us-cfaa-18usc1030", "en", "section", "18 U.S.C."),
        ("us-cisa-2015-6usc1501", "en", "section", "6 U.S.C."),
        ("kenya-computer-misuse-cybercrimes-act-2018", "en", "section",
         "Computer Misuse and Cybercrimes Act 2018 (Kenya)"),
        ("japan-unauthorized-computer-access-act-1999-ja", "ja", "article",
         "Act on Prohibition of Unauthorized Computer Access (Japan, Act No. 128 of 1999)"),
        ("saudi-anti-cyber-crime-law-2007-ar", "ar", "article",
         "Anti-Cyber Crime Law (Saudi Arabia, Royal Decree No. M/17 of 8/3/1428H)"),
        ("thailand-cybersecurity-act-2019-th", "th", "section", "Cybersecurity Act B.E. 2562 (2019) (Thailand)"),
        ("paris-call-2018", "en", "paragraph", "Paris Call for Trust and Security in Cyberspace"),
        ("israel-position-international-law-cyber-2020", "en", "part",
         "Israel's Perspective on the Application of International Law to Cyber Operations (2020)"),
        ("gdpr-2016-679", "en", "article", "Regulation (EU) 2016/679"),
        ("canada-criminal-code-computer-offences", "en", "section", "Criminal Code (Canada)"),
    ],
)
def test_entry_language_unit_and_citation(catalog: Catalog, instrument_id: str, language: str, unit: str,
                                          citation: str) -> None:
    inst = catalog.get(instrument_id)
    assert (inst.language, inst.unit, inst.citation) == (language, unit, citation)


def test_us_code_sections_cite_their_subsections_and_other_instruments_their_units(catalog: Catalog) -> None:
    depths = {inst.id: inst.citable_depth for inst in catalog}
    assert {i for i, depth in depths.items() if depth} == {i for i in catalog.ids if i.startswith("us-")}
    assert set(depths.values()) == {0, 1}


def test_cyber_resilience_act_notes_when_it_applies(catalog: Catalog) -> None:
    assert "11 December 2027" in catalog.get("eu-cyber-resilience-act-2024-2847").status_note


def test_instrument_without_an_adoption_date_has_none(catalog: Catalog) -> None:
    assert catalog.get("us-10usc-ch19-military-cyber-operations").adopted is None


def test_aliases_are_unique_across_the_catalogue(catalog: Catalog) -> None:
    owners: dict[str, set[str]] = {}
    for inst in catalog:
        for alias in inst.aliases:
            owners.setdefault(" ".join(alias.casefold().split()), set()).add(inst.id)
    assert {a: ids for a, ids in owners.items() if len(ids) > 1} == {}


@pytest.mark.parametrize(
    ("instrument_id", "alias"),
    [("budapest-convention", "Budapest"), ("gdpr-2016-679", "GDPR"), ("eu-nis2-directive-2022-2555", "NIS 2"),
     ("us-cfaa-18usc1030", "CFAA"), ("un-charter", "UN Charter"), ("eu-dora-2022-2554", "DORA"),
     ("eu-cyber-resilience-act-2024-2847", "Cyber Resilience Act"), ("echr-1950", "ECHR"), ("iccpr-1966", "ICCPR"),
     ("geneva-additional-protocol-i-1977", "AP I"), ("vienna-convention-law-of-treaties-1969", "VCLT")],
)
def test_common_names_are_aliases(catalog: Catalog, instrument_id: str, alias: str) -> None:
    assert alias in catalog.get(instrument_id).aliases


def test_get_of_unknown_id_lists_the_valid_ids(catalog: Catalog) -> None:
    with pytest.raises(UnknownInstrument) as err:
        catalog.get("budapest")
    assert "'budapest'" in str(err.value)
    assert "budapest-convention" in str(err.value) and "gdpr-2016-679" in str(err.value)


def test_contains_and_iteration_follow_the_file(catalog: Catalog) -> None:
    assert "gdpr-2016-679" in catalog and "gdpr" not in catalog
    assert [inst.id for inst in catalog] == list(catalog.ids)


@pytest.mark.parametrize(
    ("field", "expected"),
    [("language", ["ar", "en", "ja", "th"]),
     ("status", ["amended", "in-force", "not-applicable"]),
     ("kind", ["national-law", "protocol", "regional-law", "soft-law-manual", "treaty"]),
     ("unit", ["article", "paragraph", "part", "section"])],
)
def test_values_are_sorted_and_distinct(catalog: Catalog, field: str, expected: list[str]) -> None:
    assert catalog.values(field) == expected


def test_jurisdiction_values_for_the_filter(catalog: Catalog) -> None:
    jurisdictions = catalog.values("jurisdiction")
    assert jurisdictions == sorted(set(jurisdictions))
    assert {"EU", "US", "Council of Europe", "Kenya", "international"} <= set(jurisdictions)


def test_values_of_an_unfilterable_field_names_the_valid_ones(catalog: Catalog) -> None:
    with pytest.raises(InvalidInput, match="title.*valid fields: binding, jurisdiction"):
        catalog.values("title")


def test_add_returns_a_new_catalogue_and_leaves_the_old_one(catalog: Catalog) -> None:
    bigger = catalog.add(tallinn_copy())
    assert bigger.get("tallinn-manual-2-copy").unit == "rule"
    assert len(bigger) == len(catalog) + 1 and bigger.ids[-1] == "tallinn-manual-2-copy"
    assert "tallinn-manual-2-copy" not in catalog


@pytest.mark.parametrize(
    ("change", "message"),
    [(dict(id="gdpr-2016-679"), "'gdpr-2016-679', field 'id': duplicate id"),
     (dict(aliases=("GDPR",)), "field 'aliases': 'GDPR' is already a name of 'gdpr-2016-679'"),
     (dict(kind="novel"), "field 'kind': 'novel' is not one of treaty"),
     (dict(id="Tallinn/Manual"), "'Tallinn/Manual', field 'id'")],
)
def test_add_validates_the_new_instrument(catalog: Catalog, change: dict, message: str) -> None:
    with pytest.raises(CatalogError, match=message.replace("(", r"\(").replace(")", r"\)")):
        catalog.add(replace(tallinn_copy(), **change))


def write_catalog(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_loads(tmp_path: Path) -> None:
    loaded = load_catalog(write_catalog(tmp_path, VALID_ENTRY.format(id="a") + VALID_ENTRY.format(id="b")))
    assert loaded.ids == ("a", "b")
    assert loaded.get("a").adopted == date(2020, 1, 31)
    assert loaded.get("a").aliases == ("a alias",)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [('kind = "national-law"', 'kind = "statute"', "kind"),
     ('status = "in-force"', 'status = "valid"', "status"),
     ('unit = "section"', 'unit = "chapter"', "unit"),
     ('language = "en"', 'language = "english"', "language"),
     ('format = "markdown"', 'format = "docx"', "format"),
     ("adopted = 2020-01-31", 'adopted = "31 January 2020"', "adopted"),
     ("binding = true", 'binding = "yes"', "binding"),
     ('citation = "Test Act 2020"\n', "", "citation"),
     ('title = "Test Act"', 'title = "Test Act"\ntitel = "typo"', "titel"),
     ('aliases = ["b alias"]', 'aliases = "b alias"', "aliases"),
     ('short_title = "Test Act b"', 'short_title = "Test Act a"', "short_title"),
     ('aliases = ["b alias"]', 'aliases = ["A  ALIAS"]', "aliases"),
     ('unit = "section"', 'unit = "section"\ncitable_depth = "1"', "citable_depth"),
     ('unit = "section"', 'unit = "section"\ncitable_depth = 9', "citable_depth"),
     ('text_as_of = "2020-01-31"\n', "", "text_as_of"),
     ('text_as_of = "2020-01-31"', 'text_as_of = 2017', "text_as_of"),
     ('text_as_of = "2020-01-31"', 'text_as_of = "2017-13"', "text_as_of"),
     ('text_as_of = "2020-01-31"', 'text_as_of = "February 2017"', "text_as_of")],
)
def test_broken_entry_names_the_entry_and_field(tmp_path: Path, old: str, new: str, field: str) -> None:
    second = VALID_ENTRY.format(id="b")
    assert old in second
    path = write_catalog(tmp_path, VALID_ENTRY.format(id="a") + second.replace(old, new))
    with pytest.raises(CatalogError, match=f"entry 'b', field '{field}'"):
        load_catalog(path)


def test_duplicate_id_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="entry 'a', field 'id': duplicate id"):
        load_catalog(write_catalog(tmp_path, VALID_ENTRY.format(id="a") * 2))


def test_entry_without_id_is_named_by_position(tmp_path: Path) -> None:
    text = VALID_ENTRY.format(id="a") + VALID_ENTRY.format(id="b").replace('id = "b"\n', "")
    with pytest.raises(CatalogError, match="entry '#2', field 'id': missing"):
        load_catalog(write_catalog(tmp_path, text))


@pytest.mark.parametrize("text", ["[[instrument]]\nid = ", "title = 'no tables'\n"])
def test_unreadable_or_empty_file_names_the_file(tmp_path: Path, text: str) -> None:
    path = write_catalog(tmp_path, text)
    with pytest.raises(CatalogError, match="catalog.toml"):
        load_catalog(path)


@pytest.mark.parametrize("as_of", ["2017", "2023-04", "2026-02-04"])
def test_text_as_of_is_as_precise_as_its_source(tmp_path: Path, as_of: str) -> None:
    text = VALID_ENTRY.format(id="a").replace('text_as_of = "2020-01-31"', f'text_as_of = "{as_of}"')
    assert load_catalog(write_catalog(tmp_path, text)).get("a").text_as_of == as_of


def test_a_text_saved_with_its_web_page_ends_once_where_the_page_furniture_starts(catalog: Catalog) -> None:
    ends = {i.id: i.text_ends for i in catalog if i.text_ends}
    assert ends == {"kenya-computer-misuse-cybercrimes-act-2018": "▲ To the top"}
    for instrument_id, marker in ends.items():
        text = (Settings().corpus_dir / catalog.get(instrument_id).file).read_text(encoding="utf-8")
        assert text.count(marker) == 1


def test_every_instrument_states_the_date_of_its_text(catalog: Catalog) -> None:
    assert [i.id for i in catalog if not i.text_as_of] == []
    assert catalog.get("philippines-cybercrime-prevention-act-2012").text_as_of == "2012-09-12"
    assert catalog.get("canada-criminal-code-computer-offences").text_as_of == "2026-02-04"


def test_provision_statuses_load_with_their_source(tmp_path: Path) -> None:
    more = STRUCK_DOWN + """
[[instrument.provision_status]]
provisions = ["b/s-2", "b/s-3/a"]
status = "not-yet-applicable"
date = 2027-12-11
source = "Test Act 2020, s. 40(2)"
"""
    loaded = load_catalog(write_catalog(tmp_path, VALID_ENTRY.format(id="a") + VALID_ENTRY.format(id="b") + more))
    assert loaded.get("a").provision_statuses == ()
    assert loaded.get("b").provision_statuses == (
        ProvisionStatus("b/s-12", "struck-down", date(2014, 2, 11), "Doe v. Testland, No. 1, 11 February 2014",
                        "https://example.org/doe", "declared unconstitutional"),
        ProvisionStatus("b/s-2", "not-yet-applicable", date(2027, 12, 11), "Test Act 2020, s. 40(2)"),
        ProvisionStatus("b/s-3/a", "not-yet-applicable", date(2027, 12, 11), "Test Act 2020, s. 40(2)"),
    )


VALID_STATUSES = ", ".join(PROVISION_STATUSES)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [('status = "struck-down"', 'status = "overruled"', f"status 'overruled' is not one of {VALID_STATUSES}"),
     ('provision = "b/s-12"', 'provision = "b/sec-12"',
      "'b/sec-12' is not a provision id (unit 'sec-12' is no UNIT); expected INSTRUMENT_ID"),
     ('provision = "b/s-12"', 'provision = "b//s-12"', "'b//s-12' is not a provision id (an empty segment)"),
     ('provision = "b/s-12"', 'provision = "s-12"', "'s-12' is not a provision id (no unit)"),
     ('provision = "b/s-12"', 'provision = "a/s-12"', "'a/s-12' is a provision of 'a', not of this instrument"),
     ('provision = "b/s-12"', 'provisions = []', "[] is not a provision id or a non-empty list of them"),
     ('provision = "b/s-12"', 'provision = "b/s-12"\nprovisions = ["b/s-13"]', "give either provision"),
     ('source = "Doe v. Testland, No. 1, 11 February 2014"\n', "", "source is missing"),
     ("date = 2014-02-11\n", "", "date is missing"),
     ("date = 2014-02-11", 'date = "11 February 2014"', "'11 February 2014' is not a date"),
     ('note = "declared unconstitutional"', 'note = "x"\npartial = "yes"', "partial 'yes' is not true or false"),
     ('note = "declared unconstitutional"', 'court = "Supreme Court"', "unknown key 'court'; valid keys: provision"),
     ('note = "declared unconstitutional"', 'note = 12', "note 12 is not a string")],
)
def test_broken_provision_status_names_the_value_and_the_valid_ones(tmp_path: Path, old: str, new: str,
                                                                    message: str) -> None:
    assert old in STRUCK_DOWN
    text = VALID_ENTRY.format(id="a") + VALID_ENTRY.format(id="b") + STRUCK_DOWN.replace(old, new)
    with pytest.raises(CatalogError) as err:
        load_catalog(write_catalog(tmp_path, text))
    assert str(err.value).startswith("catalogue entry 'b', field 'provision_status #1': ")
    assert message in str(err.value)


def test_a_provision_has_one_status_entry(tmp_path: Path) -> None:
    text = VALID_ENTRY.format(id="a") + VALID_ENTRY.format(id="b") + STRUCK_DOWN * 2
    with pytest.raises(CatalogError, match="entry 'b', field 'provision_status': 'b/s-12' has two entries"):
        load_catalog(write_catalog(tmp_path, text))


DISINI = "Disini v. Secretary of Justice, G.R. No. 203335, 11 February 2014"


@pytest.mark.parametrize(
    ("provision_id", "status", "partial", "recorded_for"),
    [("philippines-cybercrime-prevention-act-2012/s-12", "struck-down", False, "s-12"),
     ("philippines-cybercrime-prevention-act-2012/s-12/2", "struck-down", False, "s-12"),
     ("philippines-cybercrime-prevention-act-2012/s-19", "struck-down", False, "s-19"),
     ("philippines-cybercrime-prevention-act-2012/s-4/c/3", "struck-down", False, "s-4/c/3"),
     ("philippines-cybercrime-prevention-act-2012/s-4/c/4", "struck-down", True, "s-4/c/4"),
     ("philippines-cybercrime-prevention-act-2012/s-5", "struck-down", True, "s-5"),
     ("philippines-cybercrime-prevention-act-2012/s-7", "struck-down", True, "s-7")],
)
def test_disini_is_recorded_provision_by_provision(catalog: Catalog, provision_id: str, status: str, partial: bool,
                                                   recorded_for: str) -> None:
    ra10175 = catalog.get("philippines-cybercrime-prevention-act-2012")
    entry = ra10175.status_of(provision_id, on=date(2026, 12, 7))
    assert (entry.status, entry.partial, entry.provision) == (status, partial, f"{ra10175.id}/{recorded_for}")
    assert entry.source.startswith(DISINI) and entry.date == date(2014, 2, 11)
    assert entry.url.startswith("https://lawphil.net/") and entry.note


@pytest.mark.parametrize(
    "provision_id",
    ["philippines-cybercrime-prevention-act-2012/s-4", "philippines-cybercrime-prevention-act-2012/s-4/c/2",
     "philippines-cybercrime-prevention-act-2012/s-6", "philippines-cybercrime-prevention-act-2012/s-120"],
)
def test_provisions_the_judgment_left_alone_keep_the_instruments_status(catalog: Catalog, provision_id: str) -> None:
    assert catalog.get("philippines-cybercrime-prevention-act-2012").status_of(provision_id) is None


def test_every_recorded_provision_is_in_its_text_and_no_passage_mixes_statuses(catalog: Catalog) -> None:
    """A provision status for an id the text does not have would never reach a passage: a typo, found here. And a
    passage holding subdivisions of another status than its own would give that status to a result pinpointed to
    one of them (the status travels with the passage)."""
    for inst in catalog:
        if not inst.provision_statuses:
            continue
        parsed = parse_instrument(Settings().corpus_dir / inst.file, inst)
        held = {p.provision_id for p in parsed.passages} | {p.id for p in parsed.provisions}
        held |= {str(a) for p in parsed.passages for a in ProvisionId.parse(p.provision_id).ancestors}
        assert [s.provision for s in inst.provision_statuses if s.provision not in held] == [], inst.id
        mixed = [part.provision_id for p in parsed.passages for part in p.parts
                 if inst.status_of(part.provision_id) != inst.status_of(p.provision_id)]
        assert mixed == [], inst.id
