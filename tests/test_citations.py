"""Labels, citations and the typed-citation parser, over the real catalogue."""

from __future__ import annotations

import pytest

from cyberlex.corpus.catalog import Catalog
from cyberlex.corpus.errors import InvalidInput
from cyberlex.corpus.model import Instrument
from cyberlex.corpus.citations import cite, parse_citation, unit_label, us_code_title
from segment_corpus import CORPUS, instrument, provisions

BUDAPEST = "budapest-convention"
GDPR = "gdpr-2016-679"
NIS2 = "eu-nis2-directive-2022-2555"
CFAA = "us-cfaa-18usc1030"
SCA = "us-stored-communications-act-18usc2701"
KENYA = "kenya-computer-misuse-cybercrimes-act-2018"
SINGAPORE_CMA = "singapore-computer-misuse-act-1993"
THAI, SAUDI = "thailand-cybersecurity-act-2019-th", "saudi-anti-cyber-crime-law-2007-ar"
JAPAN_UCAA = "japan-unauthorized-computer-access-act-1999-ja"
JAPAN_BASIC = "japan-cybersecurity-basic-act-2014-ja"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # the forms of the brief
        ("Article 32 of the Budapest Convention", f"{BUDAPEST}/art-32"),
        ("art 32 Budapest Convention", f"{BUDAPEST}/art-32"),
        ("Budapest Convention art. 32", f"{BUDAPEST}/art-32"),
        ("18 U.S.C. 2701", f"{SCA}/s-2701"),
        ("18 USC 1030(e)(8)", f"{CFAA}/s-1030/e/8"),
        ("§ 1030(a)(2)", f"{CFAA}/s-1030/a/2"),
        ("NIS2 Article 21(2)", f"{NIS2}/art-21/2"),
        ("GDPR Art. 32", f"{GDPR}/art-32"),
        ("Art. 4(1) GDPR", f"{GDPR}/art-4/1"),
        ("Article 2(4) UN Charter", "un-charter/art-2/4"),
        ("recital 85 GDPR", f"{GDPR}/recital-85"),
        ("Kenya s. 14", f"{KENYA}/s-14"),
        ("section 14 of the Computer Misuse and Cybercrimes Act", f"{KENYA}/s-14"),
        ("Regulation (EU) 2016/679 Article 33", f"{GDPR}/art-33"),
        ("Directive 2022/2555 art 23(4)(a)", f"{NIS2}/art-23/4/a"),
        ("CFAA (a)(2)", f"{CFAA}/s-1030/a/2"),
        ("6 U.S.C. 1503", "us-cisa-2015-6usc1501/s-1503"),
        ("6 U.S.C. § 1500", "us-cisa-2015-6usc1501/s-1500"),  # "preceded by § 1500" in its title
        ("18 U.S.C. § 2258", "us-wiretap-act-18usc2510/s-2258"),  # in no range: nearest chapter of title 18
        # more spellings
        ("Art. 21(2)(a) NIS2", f"{NIS2}/art-21/2/a"),
        ("gdpr art 5(1)(f)", f"{GDPR}/art-5/1/f"),
        ("GDPR's Article 32", f"{GDPR}/art-32"),
        ("Article 29, paragraph 3 of the Budapest Convention", f"{BUDAPEST}/art-29/3"),
        ("18 U.S.C. § 1030(c)(4)(A)(i)(I)", f"{CFAA}/s-1030/c/4/a/i/i"),
        ("section 2701 of title 18", f"{SCA}/s-2701"),
        ("6 USC 681b(a)", "us-6usc650-cisa-agency-circia/s-681b/a"),
        ("50 U.S.C. § 1881a(b)", "us-fisa-title-vii-50usc1881/s-1881a/b"),
        ("US § 1030", f"{CFAA}/s-1030"),
        ("Kenya s. 46A", f"{KENYA}/s-46a"),
        ("PECA s. 2A", "pakistan-peca-2016/s-2a"),
        ("Criminal Code s. 342.1(1)", "canada-criminal-code-computer-offences/s-342.1/1"),
        ("section 4(a)(1) of RA 10175", "philippines-cybercrime-prevention-act-2012/s-4/a/1"),
        ("Annex I NIS2", f"{NIS2}/annex-i"),
        ("para. 3 Paris Call", "paris-call-2018/para-3"),
        ("Part II of the Israel position", "israel-position-international-law-cyber-2020/part-ii"),
        ("UN Charter preamble", "un-charter/preamble"),
        ("Article 14 of the Computer Misuse and Cybercrimes Act", f"{KENYA}/s-14"),
        ("What does Article 8 ECHR protect?", "echr-1950/art-8"),
        ("Additional Protocol I Art. 36", "geneva-additional-protocol-i-1977/art-36"),
        ("Art. 3 of the Additional Protocol to the Convention on Cybercrime", "budapest-protocol-1-xenophobia/art-3"),
        ("Article 5 LED", "eu-law-enforcement-directive-2016-680/art-5"),
        ("GDPR Art. ３２", f"{GDPR}/art-32"),
        ("不正アクセス禁止法第3条", "japan-unauthorized-computer-access-act-1999-ja/art-3"),
        ("サイバーセキュリティ基本法 第30の2条", "japan-cybersecurity-basic-act-2014-ja/art-30-2"),
        ("サイバーセキュリティ基本法第30条の2", "japan-cybersecurity-basic-act-2014-ja/art-30-2"),
        ("不正アクセス禁止法第2条第4項第1号", "japan-unauthorized-computer-access-act-1999-ja/art-2/4/1"),
        ("มาตรา 5 พระราชบัญญัติการรักษาความมั่นคงปลอดภัยไซเบอร์", "thailand-cybersecurity-act-2019-th/s-5"),
        ("المادة ٣ نظام مكافحة جرائم المعلوماتية", "saudi-anti-cyber-crime-law-2007-ar/art-3"),
        # pinpoints as lawyers type them: the parser keeps every level typed, the reader says which exist
        ("18 U.S.C. § 1030(a)(2)(C)", f"{CFAA}/s-1030/a/2/c"),
        ("18 U.S.C. § 2511(2)(d)", "us-wiretap-act-18usc2510/s-2511/2/d"),
        ("18 U.S.C. § 2703(d)", f"{SCA}/s-2703/d"),
        ("NIS2 art 21(2)(d)", f"{NIS2}/art-21/2/d"),
        ("Directive (EU) 2022/2555, Art. 23(4)(b)", f"{NIS2}/art-23/4/b"),
        ("AP I art 51(5)(b)", "geneva-additional-protocol-i-1977/art-51/5/b"),
        ("Art. 2(4) UN Charter", "un-charter/art-2/4"),
        ("Budapest art. 29(3)(3)(3)", f"{BUDAPEST}/art-29/3/3/3"),
        ("GDPR art 100", f"{GDPR}/art-100"),
        # Council of Europe treaty numbers, as ETS or CETS, with or without "No."
        ("CETS No. 185, art. 29", f"{BUDAPEST}/art-29"),
        ("ETS 185 art 29", f"{BUDAPEST}/art-29"),
        ("CETS 108 art. 5", "coe-convention-108/art-5"),
        ("ETS No. 30, art. 1", "coe-mutual-assistance-convention-1959/art-1"),
        # the texts' own numerals, ordinals and words for "of"
        ("มาตรา ๕๗ แห่งพระราชบัญญัติการรักษาความมั่นคงปลอดภัยไซเบอร์ พ.ศ. ๒๕๖๒", f"{THAI}/s-57"),
        ("พระราชบัญญัติการรักษาความมั่นคงปลอดภัยไซเบอร์ พ.ศ. ๒๕๖๒ มาตรา ๕๗", f"{THAI}/s-57"),
        ("มาตรา ๕๗ พ.ร.บ.การรักษาความมั่นคงปลอดภัยไซเบอร์", f"{THAI}/s-57"),
        ("มาตรา ๕/๑ แห่งพระราชบัญญัติการรักษาความมั่นคงปลอดภัยไซเบอร์", f"{THAI}/s-5-1"),
        ("Cybersecurity Act B.E. 2562 s. 57", f"{THAI}/s-57"),
        ("المادة الثالثة من نظام مكافحة جرائم المعلوماتية", f"{SAUDI}/art-3"),
        ("المادة الحادية عشرة من نظام مكافحة جرائم المعلوماتية", f"{SAUDI}/art-11"),
        ("المادة (3) من نظام مكافحة جرائم المعلوماتية", f"{SAUDI}/art-3"),
        ("نظام مكافحة جرائم المعلوماتية المادة الثالثة", f"{SAUDI}/art-3"),
        ("不正アクセス禁止法第三条", f"{JAPAN_UCAA}/art-3"),
        ("不正アクセス行為の禁止等に関する法律 第三条", f"{JAPAN_UCAA}/art-3"),
        ("不正アクセス禁止法第二条第四項第一号", f"{JAPAN_UCAA}/art-2/4/1"),
        ("Act on Prohibition of Unauthorized Computer Access 第3条", f"{JAPAN_UCAA}/art-3"),
        ("サイバーセキュリティ基本法の第3条", "japan-cybersecurity-basic-act-2014-ja/art-3"),
        ("サイバーセキュリティ基本法第三十条の二", "japan-cybersecurity-basic-act-2014-ja/art-30-2"),
        ("المادة السادسة عشرة، نظام مكافحة جرائم المعلوماتية", f"{SAUDI}/art-16"),  # the Arabic comma
        ("نظام مكافحة جرائم المعلوماتية، المادة الثالثة", f"{SAUDI}/art-3"),
        ("Saudi Anti-Cyber Crime Law, المادة الثانية عشرة", f"{SAUDI}/art-12"),
        ("Thai Cybersecurity Act มาตรา ๕๗", f"{THAI}/s-57"),
        ("Unauthorized Computer Access Act 第十二条", f"{JAPAN_UCAA}/art-12"),
        # not citations
        ("Art. 32 information security", None),  # a heading in an English title is no name of the instrument
        ("which article requires the expedited preservation of stored data?", None),
        ("GDPR", None),
        ("Article 5", None),
        ("§ 14", None),
        ("what does the GDPR say about breach notification within 72 hours", None),
        ("Article 5 led to a ban", None),
        ("Kenya’s 14 counties", None),
        ("Singapore s. 3", None),  # two Singapore acts have a s. 3: ambiguous without the index
        ("17 U.S.C. 107", None),  # no instrument of that US Code title
        ("the articles of the Budapest Convention on evidence", None),
    ],
)
def test_parse_citation(catalog: Catalog, query: str, expected: str | None) -> None:
    found = parse_citation(query, catalog)
    assert (found.provision_id if found else None) == expected


@pytest.mark.parametrize(
    ("query", "span"),
    [("Which rules does NIS2 Article 21(2) set?", "NIS2 Article 21(2)"),
     ("Directive 2022/2555 art 23(4)(a) deadlines", "Directive 2022/2555 art 23(4)(a)"),
     ("GDPR Art. ３２", "GDPR Art. ３２")],
)
def test_citation_text_is_the_span_of_the_query(catalog: Catalog, query: str, span: str) -> None:
    assert parse_citation(query, catalog).text == span


def test_sub_paragraphs_split_into_sub(catalog: Catalog) -> None:
    found = parse_citation("Art. 21(2)(a) NIS2", catalog)
    assert (found.instrument_id, found.unit, found.sub) == (NIS2, "art-21", ("2", "a"))


def test_leftmost_citation_wins(catalog: Catalog) -> None:
    assert parse_citation("GDPR Art. 32 and NIS2 Art. 21", catalog).provision_id == f"{GDPR}/art-32"


@pytest.mark.parametrize(
    ("query", "indexed", "expected"),
    [("Singapore s. 8A", {f"{SINGAPORE_CMA}/s-8a"}, f"{SINGAPORE_CMA}/s-8a"),
     ("Japan 第3条", {"japan-cybersecurity-basic-act-2014-ja/art-3"}, "japan-cybersecurity-basic-act-2014-ja/art-3"),
     ("18 U.S.C. 2252", {"us-wiretap-act-18usc2510/s-2252"}, "us-wiretap-act-18usc2510/s-2252"),
     ("§ 2523", {"us-wiretap-act-18usc2510/s-2523"}, "us-wiretap-act-18usc2510/s-2523"),
     ("GDPR Art. 200", set(), f"{GDPR}/art-200"),  # named alone: the search layer reports it missing
     ("§ 14", set(), None)],
)
def test_known_units_choose_between_instruments(catalog: Catalog, query: str, indexed: set[str],
                                                expected: str | None) -> None:
    found = parse_citation(query, catalog, known_units=indexed.__contains__)
    assert (found.provision_id if found else None) == expected


def test_known_units_override_the_section_ranges(catalog: Catalog) -> None:
    """An index that holds § 2701 under the CFAA entry wins over the ranges read from the titles."""
    found = parse_citation("18 U.S.C. 2701", catalog, known_units={f"{CFAA}/s-2701"}.__contains__)
    assert found.provision_id == f"{CFAA}/s-2701"


def test_user_instrument_is_citable_by_its_alias(catalog: Catalog) -> None:
    tallinn = Instrument(
        id="tallinn-manual-2", title="Tallinn Manual 2.0", short_title="Tallinn Manual 2.0", kind="soft-law-manual",
        jurisdiction="international", language="en", adopted=None, binding=False, status="not-applicable",
        official_url="", citation="Tallinn Manual 2.0", unit="rule", aliases=("Tallinn Manual", "Tallinn"),
    )
    assert parse_citation("Rule 32 Tallinn Manual", catalog) is None
    assert parse_citation("Rule 32 Tallinn Manual", catalog.add(tallinn)).provision_id == "tallinn-manual-2/rule-32"


@pytest.mark.parametrize(
    ("instrument_id", "unit", "sub", "label"),
    [(BUDAPEST, "art-29", ("3",), "Art. 29(3)"),
     (KENYA, "s-14", (), "s. 14"),
     (CFAA, "s-1030", ("a", "2"), "§ 1030(a)(2)"),
     (CFAA, "s-1030", ("c", "4", "a", "i", "i"), "§ 1030(c)(4)(A)(i)(I)"),
     ("us-fisa-title-vii-50usc1881", "s-1881a", (), "§ 1881a"),
     (GDPR, "recital-85", (), "Recital 85"),
     (NIS2, "annex-i", (), "Annex I"),
     ("un-charter", "preamble", (), "Preamble"),
     ("paris-call-2018", "para-12", (), "para. 12"),
     ("israel-position-international-law-cyber-2020", "part-2", (), "Part 2"),
     ("israel-position-international-law-cyber-2020", "part-ii", (), "Part II"),
     ("pakistan-peca-2016", "s-2a", (), "s. 2A"),
     ("canada-criminal-code-computer-offences", "s-342.1", ("1",), "s. 342.1(1)"),
     ("japan-cybersecurity-basic-act-2014-ja", "art-30-2", (), "Art. 30-2"),
     ("thailand-cybersecurity-act-2019-th", "s-5", (), "s. 5"),
     ("saudi-anti-cyber-crime-law-2007-ar", "art-3", (), "Art. 3")],
)
def test_unit_label(catalog: Catalog, instrument_id: str, unit: str, sub: tuple[str, ...], label: str) -> None:
    assert unit_label(unit, sub, catalog.get(instrument_id)) == label


def test_rule_label(catalog: Catalog) -> None:
    assert unit_label("rule-6", (), catalog.get(BUDAPEST)) == "r. 6"


@pytest.mark.parametrize(
    ("instrument_id", "unit", "sub", "citation"),
    [(BUDAPEST, "art-29", ("3",), "Convention on Cybercrime (ETS No. 185), art. 29(3)"),
     (NIS2, "art-23", ("4", "a"), "Directive (EU) 2022/2555, art. 23(4)(a)"),
     (CFAA, "s-1030", ("a", "2"), "18 U.S.C. § 1030(a)(2)"),
     ("us-cisa-2015-6usc1501", "s-1503", (), "6 U.S.C. § 1503"),
     (KENYA, "s-14", (), "Computer Misuse and Cybercrimes Act 2018 (Kenya), s. 14"),
     (GDPR, "recital-85", (), "Regulation (EU) 2016/679, recital 85"),
     ("un-charter", "art-2", ("4",), "Charter of the United Nations, art. 2(4)"),
     ("un-charter", "preamble", (), "Charter of the United Nations, preamble"),
     (NIS2, "annex-i", (), "Directive (EU) 2022/2555, Annex I"),
     ("paris-call-2018", "para-3", (), "Paris Call for Trust and Security in Cyberspace, para. 3")],
)
def test_cite(catalog: Catalog, instrument_id: str, unit: str, sub: tuple[str, ...], citation: str) -> None:
    assert cite(catalog.get(instrument_id), unit, sub) == citation


@pytest.mark.parametrize("unit", ["article-5", "art", "preamble-2", "chapter-3", ""])
def test_bad_unit_names_the_valid_forms(catalog: Catalog, unit: str) -> None:
    with pytest.raises(InvalidInput, match=r"valid forms: art-N, s-N"):
        unit_label(unit, (), catalog.get(BUDAPEST))


@pytest.mark.parametrize(
    ("instrument_id", "title"),
    [(CFAA, "18"), ("us-fisma-44usc3551", "44"), ("us-10usc-ch19-military-cyber-operations", "10"), (GDPR, None)],
)
def test_us_code_title(catalog: Catalog, instrument_id: str, title: str | None) -> None:
    assert us_code_title(catalog.get(instrument_id)) == title


_KANJI = "〇一二三四五六七八九"


def _kanji(n: int) -> str:
    """A statute's number in kanji: 3 → 三, 30 → 三十, 104 → 百四."""
    out = ""
    for value, mark in ((100, "百"), (10, "十")):
        count, n = divmod(n, value)
        out += (_KANJI[count] if count > 1 else "") + mark if count else ""
    return out + (_KANJI[n] if n else "")


def _saudi_ordinals() -> list[str]:
    """The Saudi law's own words for its article numbers, from its headings ("### المادة الحادية عشرة")."""
    text = (CORPUS / instrument(SAUDI).file).read_text(encoding="utf-8")
    return [line.removeprefix("### المادة ").strip() for line in text.splitlines() if line.startswith("### المادة ")]


def _in_own_numerals(instrument_id: str, number: str) -> str:
    """A unit number ("30-2", "5-1") cited the way the text's own language writes it, with the instrument named."""
    main, _, branch = number.partition("-")
    if instrument_id == THAI:
        thai = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
        return f"มาตรา {number.replace('-', '/').translate(thai)} แห่งพระราชบัญญัติการรักษาความมั่นคงปลอดภัยไซเบอร์"
    if instrument_id == SAUDI:
        return f"المادة {_saudi_ordinals()[int(main) - 1]} من نظام مكافحة جرائم المعلوماتية"
    name = "不正アクセス禁止法" if instrument_id == JAPAN_UCAA else "サイバーセキュリティ基本法"
    return f"{name}第{_kanji(int(main))}条" + (f"の{_kanji(int(branch))}" if branch else "")


@pytest.mark.parametrize("instrument_id", [THAI, SAUDI, JAPAN_UCAA, JAPAN_BASIC])
def test_every_unit_cited_in_its_texts_own_numerals_opens_that_unit(catalog: Catalog, instrument_id: str) -> None:
    units = [p.unit for p in provisions(instrument_id) if p.unit.startswith(("art-", "s-"))]
    typed = {unit: _in_own_numerals(instrument_id, unit.partition("-")[2]) for unit in units}
    found = {unit: getattr(parse_citation(text, catalog), "provision_id", None) for unit, text in typed.items()}
    assert found == {unit: f"{instrument_id}/{unit}" for unit in units}
    assert len(units) >= 14  # the whole text, not a prefix of it
