"""ProvisionId: the one place provision ids are taken apart, formatted and walked; Passage.group_id's default;
which status entry of an instrument a provision has."""

from __future__ import annotations

from datetime import date

import pytest

from cyberlex.corpus.errors import InvalidInput
from cyberlex.corpus.model import Citation, Instrument, Passage, ProvisionId, ProvisionStatus

CFAA = "us-cfaa-18usc1030"


@pytest.mark.parametrize(
    ("text", "instrument", "unit", "sub"),
    [
        ("budapest-convention/art-29", "budapest-convention", "art-29", ()),
        ("budapest-convention/art-29/3", "budapest-convention", "art-29", ("3",)),
        (f"{CFAA}/s-1030/a/2", CFAA, "s-1030", ("a", "2")),
        ("au-malabo-convention-2014/art-29/3/1/h", "au-malabo-convention-2014", "art-29", ("3", "1", "h")),
        ("pakistan-peca-2016/s-2/1/xxviiia", "pakistan-peca-2016", "s-2", ("1", "xxviiia")),
        ("canada-criminal-code-computer-offences/s-342.1", "canada-criminal-code-computer-offences", "s-342.1", ()),
        ("japan-cybersecurity-basic-act-2014-ja/art-30-2", "japan-cybersecurity-basic-act-2014-ja", "art-30-2", ()),
        ("gdpr-2016-679/recital-85", "gdpr-2016-679", "recital-85", ()),
        ("eu-cyber-resilience-act-2024-2847/annex-i/part-ii", "eu-cyber-resilience-act-2024-2847", "annex-i",
         ("part-ii",)),
        ("thailand-cybersecurity-act-2019-th/s-5/1/ก", "thailand-cybersecurity-act-2019-th", "s-5", ("1", "ก")),
        ("paris-call-2018/para-14", "paris-call-2018", "para-14", ()),
        ("itu-constitution-1992/preamble", "itu-constitution-1992", "preamble", ()),
    ],
)
def test_parse_takes_an_id_apart_and_str_puts_it_back(text, instrument, unit, sub):
    parsed = ProvisionId.parse(text)
    assert (parsed.instrument, parsed.unit, parsed.sub) == (instrument, unit, sub)
    assert str(parsed) == text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("budapest-convention/art-29//3", "an empty segment"),
        ("budapest-convention/art-29/", "an empty segment"),
        ("budapest-convention//art-29", "an empty segment"),
        ("/art-29", "an empty segment"),
        ("", "an empty segment"),
        ("budapest-convention", "no unit"),
        ("Budapest-Convention/art-29", "instrument id 'Budapest-Convention'"),
        ("budapest-convention/article-29", "unit 'article-29'"),
        ("budapest-convention/Art-29", "unit 'Art-29'"),
        ("budapest-convention/art-29/a b", "a space in a subdivision"),
    ],
)
def test_parse_names_the_bad_id_its_problem_and_the_grammar(text, problem):
    with pytest.raises(InvalidInput) as raised:
        ProvisionId.parse(text)
    message = str(raised.value)
    assert f"{text!r} is not a provision id" in message and problem in message
    assert 'INSTRUMENT_ID "/" UNIT ( "/" SUBDIVISION )*' in message


@pytest.mark.parametrize(
    ("text", "unit_id", "kind", "depth", "parent", "ancestors"),
    [
        ("budapest-convention/art-29", "budapest-convention/art-29", "art", 0, None, []),
        ("budapest-convention/art-29/3", "budapest-convention/art-29", "art", 1, "budapest-convention/art-29",
         ["budapest-convention/art-29"]),
        (f"{CFAA}/s-1030/a/5/b", f"{CFAA}/s-1030", "s", 3, f"{CFAA}/s-1030/a/5",
         [f"{CFAA}/s-1030", f"{CFAA}/s-1030/a", f"{CFAA}/s-1030/a/5"]),
        ("gdpr-2016-679/recital-85", "gdpr-2016-679/recital-85", "recital", 0, None, []),
        ("itu-constitution-1992/preamble", "itu-constitution-1992/preamble", "preamble", 0, None, []),
    ],
)
def test_an_id_walks_to_its_unit_parent_and_ancestors(text, unit_id, kind, depth, parent, ancestors):
    parsed = ProvisionId.parse(text)
    assert (parsed.unit_id, parsed.kind, parsed.depth) == (unit_id, kind, depth)
    assert (str(parsed.parent) if parsed.parent else None) == parent
    assert [str(a) for a in parsed.ancestors] == ancestors


@pytest.mark.parametrize(
    ("text", "depth", "expected"),
    [
        (f"{CFAA}/s-1030/a/2", 1, f"{CFAA}/s-1030/a"),
        (f"{CFAA}/s-1030/a", 1, f"{CFAA}/s-1030/a"),
        (f"{CFAA}/s-1030", 1, f"{CFAA}/s-1030"),
        ("budapest-convention/art-29/2/b", 0, "budapest-convention/art-29"),
    ],
)
def test_at_depth_cuts_an_id_back_to_that_many_levels_below_its_unit(text, depth, expected):
    assert str(ProvisionId.parse(text).at_depth(depth)) == expected


def test_a_citation_formats_its_id_with_provision_id():
    assert Citation("gdpr-2016-679", "art-21", ("2",)).provision_id == "gdpr-2016-679/art-21/2"


def test_a_passage_groups_under_its_unit_unless_told_otherwise():
    plain = Passage("budapest-convention/art-29/3", "budapest-convention/art-29", 2, "budapest-convention",
                    "Art. 29(3)", "", (), "", "3. Upon receiving", 0, 17)
    grouped = Passage(f"{CFAA}/s-1030/a/2", f"{CFAA}/s-1030", 1, CFAA, "§ 1030(a)(2)", "", (), "", "(2) …", 0, 5,
                      group_id=f"{CFAA}/s-1030/a")
    assert (plain.group_id, grouped.group_id) == ("budapest-convention/art-29", f"{CFAA}/s-1030/a")


def entry(provision: str, status: str, on: date = date(2014, 2, 11)) -> ProvisionStatus:
    return ProvisionStatus(f"act/{provision}", status, on, source="a judgment")


ACT = Instrument(
    id="act", title="Act", short_title="Act", kind="national-law", jurisdiction="X", language="en", adopted=None,
    binding=True, status="in-force", official_url="", citation="Act", unit="section",
    provision_statuses=(entry("s-12", "struck-down"), entry("s-4/c/3", "struck-down"), entry("s-4", "amended"),
                        entry("s-9", "not-yet-applicable", date(2027, 12, 11)), entry("s-1", "suspended")),
)


@pytest.mark.parametrize(
    ("provision_id", "on", "recorded_for"),
    [
        ("act/s-12", date(2026, 12, 7), "act/s-12"),
        ("act/s-12/1/a", date(2026, 12, 7), "act/s-12"),  # a provision within a struck-down one shares its status
        ("act/s-4/c/3", date(2026, 12, 7), "act/s-4/c/3"),  # the most specific entry wins
        ("act/s-4/c/2", date(2026, 12, 7), "act/s-4"),
        ("act/s-120", date(2026, 12, 7), None),  # s-12 is no prefix of s-120
        ("act/s-10", date(2026, 12, 7), None),  # nor s-1 of s-10
        ("act/s-9/2", date(2026, 12, 7), "act/s-9"),
        ("act/s-9/2", date(2027, 12, 11), None),  # applies from its date: the entry lapses then
        ("act/s-13", date(2026, 12, 7), None),
    ],
)
def test_a_provision_has_the_status_of_the_most_specific_entry_it_lies_within(provision_id: str, on: date,
                                                                             recorded_for: str | None) -> None:
    found = ACT.status_of(provision_id, on=on)
    assert (found.provision if found else None) == recorded_for


def test_entries_for_parts_of_a_provision_are_listed_apart() -> None:
    assert [s.provision for s in ACT.statuses_within("act/s-4", on=date(2026, 12, 7))] == ["act/s-4/c/3"]
    assert ACT.statuses_within("act/s-12", on=date(2026, 12, 7)) == ()
