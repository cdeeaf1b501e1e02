"""Defined terms of real instruments: found with the most specific id, looked up across instruments, linked in text."""

from __future__ import annotations

from functools import cache

import pytest

from cyberlex.corpus.catalog import load_catalog
from cyberlex.corpus.model import Block, Provision
from cyberlex.settings import Settings
from cyberlex.ingest.definitions import Definition, covers, extract_definitions, lookup, term_key, term_spans
from cyberlex.ingest.pipeline import parse_instrument

INSTRUMENTS = (
    "budapest-convention", "gdpr-2016-679", "eu-nis2-directive-2022-2555", "us-cfaa-18usc1030",
    "kenya-computer-misuse-cybercrimes-act-2018", "singapore-computer-misuse-act-1993",
    "vienna-convention-law-of-treaties-1969", "eu-dora-2022-2554", "us-cisa-2015-6usc1501",
    "japan-unauthorized-computer-access-act-1999-ja", "thailand-cybersecurity-act-2019-th",
    "saudi-anti-cyber-crime-law-2007-ar", "pakistan-peca-2016", "philippines-cybercrime-prevention-act-2012",
    "au-malabo-convention-2014",
)


@cache
def definitions(instrument_id: str) -> tuple[Definition, ...]:
    instrument = load_catalog().get(instrument_id)
    provisions = parse_instrument(Settings().corpus_dir / instrument.file, instrument).provisions
    return tuple(extract_definitions(provisions))


def all_definitions() -> list[Definition]:
    return [d for instrument_id in INSTRUMENTS for d in definitions(instrument_id)]


def defined(instrument_id: str) -> dict[str, str]:
    """Normalised term → provision id of its (first) definition."""
    out: dict[str, str] = {}
    for d in definitions(instrument_id):
        out.setdefault(d.normalized, d.provision_id)
    return out


@pytest.mark.parametrize(("instrument_id", "term", "provision_id"), [
    ("budapest-convention", "computer system", "budapest-convention/art-1/a"),
    ("budapest-convention", "computer data", "budapest-convention/art-1/b"),
    ("budapest-convention", "service provider", "budapest-convention/art-1/c"),
    ("budapest-convention", "traffic data", "budapest-convention/art-1/d"),
    ("gdpr-2016-679", "personal data", "gdpr-2016-679/art-4/1"),
    ("gdpr-2016-679", "processing", "gdpr-2016-679/art-4/2"),
    ("gdpr-2016-679", "controller", "gdpr-2016-679/art-4/7"),
    ("gdpr-2016-679", "personal data breach", "gdpr-2016-679/art-4/12"),
    ("gdpr-2016-679", "consent", "gdpr-2016-679/art-4/11"),
    ("us-cfaa-18usc1030", "protected computer", "us-cfaa-18usc1030/s-1030/e/2"),
    ("us-cfaa-18usc1030", "exceeds authorized access", "us-cfaa-18usc1030/s-1030/e/6"),
    ("kenya-computer-misuse-cybercrimes-act-2018", "computer system", "kenya-computer-misuse-cybercrimes-act-2018/s-2"),
    ("philippines-cybercrime-prevention-act-2012", "computer system", "philippines-cybercrime-prevention-act-2012/s-3/g"),
    ("au-malabo-convention-2014", "computer system", "au-malabo-convention-2014/art-1"),
    ("au-malabo-convention-2014", "au", "au-malabo-convention-2014/art-1"),
    ("kenya-computer-misuse-cybercrimes-act-2018", "asset", "kenya-computer-misuse-cybercrimes-act-2018/s-2"),
    ("kenya-computer-misuse-cybercrimes-act-2018", "child", "kenya-computer-misuse-cybercrimes-act-2018/s-24/3"),
    ("singapore-computer-misuse-act-1993", "output", "singapore-computer-misuse-act-1993/s-2/1"),
    ("vienna-convention-law-of-treaties-1969", "accession", "vienna-convention-law-of-treaties-1969/art-2/1/b"),
    ("us-cisa-2015-6usc1501", "antitrust laws", "us-cisa-2015-6usc1501/s-1501/2"),
    ("pakistan-peca-2016", "prescribed", "pakistan-peca-2016/s-2/1/xxvb"),
    ("japan-unauthorized-computer-access-act-1999-ja", "アクセス管理者", "japan-unauthorized-computer-access-act-1999-ja/art-2/1"),
    ("thailand-cybersecurity-act-2019-th", "ภัยคุกคามทางไซเบอร์", "thailand-cybersecurity-act-2019-th/s-3/3"),
    ("saudi-anti-cyber-crime-law-2007-ar", "الشخص", "saudi-anti-cyber-crime-law-2007-ar/art-1"),
])
def test_term_is_defined_at_its_most_specific_provision(instrument_id: str, term: str, provision_id: str) -> None:
    assert defined(instrument_id)[term] == provision_id


@pytest.mark.parametrize(("instrument_id", "minimum"), [
    ("budapest-convention", 4), ("gdpr-2016-679", 26), ("eu-nis2-directive-2022-2555", 41),
    ("us-cfaa-18usc1030", 14), ("kenya-computer-misuse-cybercrimes-act-2018", 35), ("eu-dora-2022-2554", 60),
    ("vienna-convention-law-of-treaties-1969", 12), ("pakistan-peca-2016", 40), ("saudi-anti-cyber-crime-law-2007-ar", 10),
    ("au-malabo-convention-2014", 35),
])
def test_definition_counts_reach_known_minimums(instrument_id: str, minimum: int) -> None:
    assert len(definitions(instrument_id)) >= minimum


def test_definition_text_runs_through_its_points_and_stops_at_the_next_term() -> None:
    by_term = {d.normalized: d for d in definitions("budapest-convention")}
    provider = by_term["service provider"].text
    assert provider.startswith('``service provider" means') and "(i) any public or private entity" in provider
    assert "(ii) any other entity" in provider and "traffic data" not in provider
    kenya = {d.normalized: d for d in definitions("kenya-computer-misuse-cybercrimes-act-2018")}
    assert kenya["access"].text.endswith("function of the program") and '"asset"' not in kenya["access"].text


def test_every_definition_is_tied_to_its_instrument_and_normalised() -> None:
    for d in all_definitions():
        assert d.provision_id.startswith(d.instrument_id + "/")
        assert d.normalized == d.normalized.casefold() and not any(q in d.normalized for q in "“”\"‘’`")
        assert d.text and d.term


@pytest.mark.parametrize("query", ["computer system", "Computer Systems", "computer-system", "“computer system”"])
def test_lookup_finds_a_term_in_every_instrument_whatever_its_spelling(query: str) -> None:
    found = {d.provision_id for d in lookup(all_definitions(), query)}
    assert {"budapest-convention/art-1/a", "kenya-computer-misuse-cybercrimes-act-2018/s-2"} <= found


def test_lookup_does_not_match_a_longer_term() -> None:
    found = lookup(all_definitions(), "personal data")
    assert found and all(d.normalized == "personal data" for d in found)


@pytest.mark.parametrize(("spelling", "key"), [
    ("Computer-Systems", "computer system"), ("entities", "entity"), ("processes", "process"),
    ("access", "access"), ("“data”", "data"),
])
def test_term_key_folds_case_plural_hyphen_and_quotes(spelling: str, key: str) -> None:
    assert term_key(spelling) == key


def test_term_spans_prefer_the_longest_term_and_whole_words() -> None:
    text = "A personal data breach of personal data in a database; the controllers and Data-Subjects."
    spans = term_spans(text, ["personal data", "personal data breach", "data", "controller", "data subject"])
    assert [(text[a:b], term) for a, b, term in spans] == [
        ("personal data breach", "personal data breach"), ("personal data", "personal data"),
        ("controllers", "controller"), ("Data-Subjects", "data subject"),
    ]


def test_term_spans_of_no_terms_is_empty() -> None:
    assert term_spans("any text", []) == []


def _provision(heading: str, *blocks: str) -> Provision:
    return Provision(id="x/art-1", instrument_id="x", unit="art-1", label="Art. 1", heading=heading, path=(),
                     blocks=tuple(Block(sub=(chr(97 + n),) if n else (), text=t, start=0, end=len(t))
                                  for n, t in enumerate(blocks)))


@pytest.mark.parametrize(("heading", "blocks", "terms"), [
    # quoted, one a block (Budapest)
    ("Definitions", ("For the purposes of this Convention:", "a. \"computer system\" means any device;"),
     ["computer system"]),
    # quoted, run on after the previous one's last point (Kenya)
    ("Interpretation", ("In this Act— \"asset\" includes data; \"computer system\" means a device;",),
     ["asset", "computer system"]),
    # unquoted, one a block (Philippines)
    ("Definition of Terms", ("For purposes of this Act:", "(g) Computer system refers to any device;"),
     ["Computer system"]),
    # unquoted, run on after ":", ";" and a sentence's end (Malabo)
    ("Definitions", ("For the purposes of this Convention: AU means the African Union; Child pornography means any "
                     "visual depiction. Code of conduct means a set of rules; Computer system means an electronic "
                     "device;",),
     ["AU", "Child pornography", "Code of conduct", "Computer system"]),
    # a sentence inside a definition that opens with a pronoun is no definition
    ("Definitions", ("Data means facts. It includes programs; This includes copies.",), ["Data"]),
    # no definitions heading, no quotes: no definition
    ("Illegal access", ("Access means entry; Computer system means a device;",), []),
])
def test_each_drafting_style_of_definitions_is_read(heading: str, blocks: tuple[str, ...], terms: list[str]) -> None:
    assert [d.term for d in extract_definitions([_provision(heading, *blocks)])] == terms


@pytest.mark.parametrize(("asked", "defined", "answers"), [
    ("computer system", "computer system", True),
    ("breach", "personal data breach", True),  # the asked term inside the defined one
    ("ransomware attack and ransom payment", "ransomware attack", True),  # a defined term of several words
    ("significant incident", "incident", True),  # the asked term's head
    ("data protection impact assessment", "data", False),  # a one-word modifier
    ("unauthorised computer access", "computer", False),
    ("interception", "computer system", False),
])
def test_which_definitions_answer_a_question_about_a_term(asked, defined, answers):
    assert covers(asked, defined) is answers
