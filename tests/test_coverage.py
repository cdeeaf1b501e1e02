"""Every unit the manifest says an instrument holds is found, and nothing else.

The expected units come from each manifest entry's ``coverage`` note, read by hand. Where the text holds
more than the note lists, the extra units are named with the reason.
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from cyberlex.corpus.model import Passage, ProvisionId
from cyberlex.evals.run import SETS_DIR, load_qrels
from cyberlex.ingest.passages import to_passages
from cyberlex.ingest.references import known_ids_of
from segment_corpus import CRA, CRA_HTML, instrument, manifest, provision, provisions


def units(*specs: str) -> set[str]:
    """"art-1..3" → art-1, art-2, art-3; "s-665a..e" → s-665a … s-665e; anything else as written."""
    out: set[str] = set()
    for spec in specs:
        numeric = re.fullmatch(r"([a-z]+)-(\d+)\.\.(\d+)", spec)
        lettered = re.fullmatch(r"([a-z]+-\d+)([a-z])\.\.([a-z])", spec)
        if numeric:
            out |= {f"{numeric[1]}-{n}" for n in range(int(numeric[2]), int(numeric[3]) + 1)}
        elif lettered:
            out |= {f"{lettered[1]}{chr(c)}" for c in range(ord(lettered[2]), ord(lettered[3]) + 1)}
        else:
            out.add(spec)
    return out


ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii"]
# A treaty's preamble, the citations of an EU act, the long title and enacting formula of a statute, or the
# editorial note at the top of a consolidation: whatever precedes the first unit is the ``preamble``.
EXPECTED = {
    "budapest-convention": units("preamble", "art-1..48"),  # the final clause is no unit
    "budapest-protocol-1-xenophobia": units("preamble", "art-1..16"),
    "coe-convention-108": units("preamble", "art-1..27"),
    "coe-mutual-assistance-convention-1959": units("preamble", "art-1..30"),
    "echr-1950": units("preamble", "art-1..59"),  # the note omits the preamble, which the text has
    "un-charter": units("preamble", "art-1..111"),
    "iccpr-1966": units("preamble", "art-1..53"),  # the Optional Protocol after the signature clause is skipped
    "geneva-additional-protocol-i-1977": units("preamble", "art-1..102", "annex-i", "annex-ii"),
    # the Annex (unnumbered: annex-1), then the Final Act's own annex of declarations and resolutions (annex-2)
    "vienna-convention-law-of-treaties-1969": units("preamble", "art-1..85", "annex-1", "annex-2"),
    "north-atlantic-treaty-1949": units("preamble", "art-1..14"),
    "itu-constitution-1992": units("preamble", "art-1..58", "annex-1"),  # preamble: the Secretariat's note
    "paris-call-2018": units("para-1..24"),  # 13 preamble paragraphs, the lead-in, 9 principles, follow-up, place
    "israel-position-international-law-cyber-2020": units("preamble", *(f"part-{n}" for n in ROMAN[:5])),
    "us-cfaa-18usc1030": units("s-1030"),
    "us-stored-communications-act-18usc2701": units("s-2701..2713"),
    "us-wiretap-act-18usc2510": units("s-2510..2523") - {"s-2514"},
    "us-cisa-2015-6usc1501": units("s-1500..1510"),
    "us-6usc650-cisa-agency-circia": units("s-650..652", "s-652a", "s-653..665", "s-665a..n", "s-671..674", "s-677",
                                           "s-677a..g", "s-681", "s-681a..g"),
    "us-fisma-44usc3551": units("s-3551..3559"),
    "us-fisa-title-vii-50usc1881": units("s-1881", "s-1881a..g"),
    "us-10usc-ch19-military-cyber-operations": units("s-391", "s-391a", "s-392", "s-392a", "s-393..398", "s-398-2",
                                                     "s-399"),
    "gdpr-2016-679": units("preamble", "recital-1..173", "art-1..99"),
    "eu-nis2-directive-2022-2555": units("recital-1..144", "art-1..46", "annex-i", "annex-ii", "annex-iii"),
    "eu-cybersecurity-act-2019-881": units("recital-1..110", "art-1..69", "annex-1"),
    # the text ends with an Annex amending Regulation (EU) 2021/694 that the note does not list
    "eu-cyber-solidarity-act-2025-38": units("recital-1..61", "art-1..26", "annex-1"),
    "eu-dora-2022-2554": units("recital-1..106", "art-1..64"),
    # the consolidated version holds Articles 14a and 15a, inserted by Directive 2009/136/EC
    "eu-eprivacy-directive-2002-58": units("recital-1..49", "art-1..21", "art-14a", "art-15a"),
    "eu-critical-entities-resilience-directive-2022-2557": units("recital-1..45", "art-1..29", "annex-1"),
    "eu-law-enforcement-directive-2016-680": units("recital-1..107", "art-1..65"),
    CRA: units("preamble", "recital-1..130", "art-1..71", *(f"annex-{n}" for n in ROMAN)),
    "singapore-cybersecurity-act-2018": units("preamble", "s-1..51", "annex-1", "annex-2"),  # First, Second Schedule
    "kenya-computer-misuse-cybercrimes-act-2018": units("s-1..68", "s-70", "s-46a"),
    "saudi-anti-cyber-crime-law-2007-ar": units("art-1..16"),
    "japan-unauthorized-computer-access-act-1999-ja": units("art-1..14"),
    "japan-cybersecurity-basic-act-2014-ja": units("art-1..38", "art-30-2"),
    "zimbabwe-cyber-data-protection-act-2021": units("s-1..37"),
    "thailand-cybersecurity-act-2019-th": units("preamble", "s-1..83"),
    "philippines-cybercrime-prevention-act-2012": units("preamble", "s-1..31"),
    "pakistan-peca-2016": units("preamble", "s-1..55", "s-2a..x", "s-22a..c", "s-24a", "s-26a", "s-30a..d", "s-43a",
                                "s-45a", "s-50a", "s-51a"),
    "singapore-computer-misuse-act-1993": units("preamble", "s-1..20", "s-8a", "s-8b"),
    "canada-criminal-code-computer-offences": units("preamble", "s-342.1", "s-342.2", "s-430"),
    "au-malabo-convention-2014": units("preamble", "art-1..38"),
}


def test_every_manifest_instrument_has_an_expected_set():
    assert {entry["id"] for entry in manifest()} == set(EXPECTED)


def test_sizes_stated_in_the_coverage_notes():
    notes = {entry["id"]: entry["coverage"] for entry in manifest()}
    assert "51 sections" in notes["us-6usc650-cisa-agency-circia"]
    assert len(EXPECTED["us-6usc650-cisa-agency-circia"]) == 51
    assert "13 sections" in notes["us-wiretap-act-18usc2510"] and len(EXPECTED["us-wiretap-act-18usc2510"]) == 13
    assert len(EXPECTED["pakistan-peca-2016"] - {"preamble"}) == 55 + 24 + 3 + 1 + 1 + 4 + 4  # 2A-2X is 24


@pytest.mark.parametrize("entry", manifest(), ids=lambda entry: entry["id"])
def test_segmenter_finds_exactly_the_units_of_the_coverage_note(entry):
    found = [p.unit for p in provisions(entry["id"])]
    assert len(found) == len(set(found)), "unit ids must be unique within an instrument"
    assert set(found) == EXPECTED[entry["id"]]


def test_cyber_resilience_act_html_and_pdf_give_the_same_provisions():
    html = provisions(CRA, CRA_HTML)
    pdf = provisions(CRA)
    assert [p.unit for p in html] == [p.unit for p in pdf]
    assert [[b.sub for b in p.blocks] for p in html] == [[b.sub for b in p.blocks] for p in pdf]
    assert [(p.heading, p.path) for p in html] == [(p.heading, p.path) for p in pdf]


def test_cfaa_subsections_a_to_j_are_blocks_of_section_1030():
    top = [b.sub[0] for b in provision("us-cfaa-18usc1030", "s-1030").blocks]
    assert list(dict.fromkeys(top)) == list("abcdefghij")


@cache
def passages_of(instrument_id: str) -> tuple[Passage, ...]:
    return tuple(to_passages(list(provisions(instrument_id)), instrument(instrument_id)))


def produced(judged: str) -> str:
    """How the parse gives a judged id: as a unit, as a passage's id, as the passages under it, or as a
    subdivision inside the passage of an enclosing id (which the provision reader reads off its text)."""
    asked = ProvisionId.parse(judged)
    passages = passages_of(asked.instrument)
    if judged == asked.unit_id and judged in {p.unit_id for p in passages}:
        return "unit"
    if judged in {p.provision_id for p in passages}:
        return "passage"
    if any(p.provision_id.startswith(judged + "/") for p in passages):
        return "passages under it"
    enclosing = {str(a) for a in asked.ancestors}
    if any(p.provision_id in enclosing for p in passages) and judged in known_ids_of(provisions(asked.instrument)):
        return "inside a passage"
    return ""


@pytest.mark.parametrize("name", ["dev", "dev2"])
def test_every_judged_provision_id_is_produced_by_the_parse(name):
    judged = sorted({pid for grades in load_qrels(SETS_DIR / f"{name}.qrels").values() for pid in grades})
    assert [pid for pid in judged if not produced(pid)] == []
