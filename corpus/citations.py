"""Pinpoint citations: how a provision is labelled and cited, and citations typed into a query.

Pure functions of the catalogue. Ingest prints labels and citations with ``unit_label`` and ``cite``;
search calls ``parse_citation`` first, so that "GDPR Art. 32" goes straight to that provision.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from cyberlex.corpus.catalog import Catalog
from cyberlex.corpus.errors import InvalidInput
from cyberlex.corpus.model import UNIT_PREFIXES, Citation, Instrument
from cyberlex.ingest.structure import arabic_ordinal, kanji_number

KnownUnits = Callable[[str], bool]
"""Says whether a unit id ("us-cfaa-18usc1030/s-1030") exists in the index; supplied by search."""

# ── labels and citations ────────────────────────────────────────────────────────────────────────────

_WORDS = {  # unit prefix → (word in a label, word after the comma of a citation)
    "art": ("Art.", "art."), "s": ("s.", "s."), "rule": ("r.", "r."), "recital": ("Recital", "recital"),
    "annex": ("Annex", "Annex"), "para": ("para.", "para."), "part": ("Part", "Part"),
    "preamble": ("Preamble", "preamble"),
}
_MAIN_PREFIX = {"article": "art", "section": "s", "rule": "rule", "paragraph": "para", "part": "part"}
_US_CODE = re.compile(r"(\d+) U\.S\.C\.")
_ROMAN = re.compile(r"[ivxlcdm]+")
_US_LEVEL_AFTER = {"paragraph": "subparagraph", "subparagraph": "clause", "clause": "subclause"}


def us_code_title(instrument: Instrument) -> str | None:
    """The US Code title number ("18") when the instrument is cited as "18 U.S.C.", else None."""
    match = _US_CODE.fullmatch(instrument.citation)
    return match.group(1) if match else None


def _split_unit(unit: str) -> tuple[str, str]:
    prefix, _, number = unit.partition("-")
    if prefix not in _WORDS or (prefix == "preamble") != (number == ""):
        forms = [f"{p}-N" for p in UNIT_PREFIXES if p != "preamble"] + ["preamble"]
        raise InvalidInput(f"bad unit {unit!r}; valid forms: {', '.join(forms)}")
    return prefix, number


def _printed_number(prefix: str, number: str) -> str:
    """Ids are lowercase; print Roman annex/part numbers and lettered sections ("46A") as laws do.

    US Code sections ("§ 1881a") never get here: they keep their lowercase letters.
    """
    if prefix == "s" or (prefix in ("annex", "part") and _ROMAN.fullmatch(number)):
        return number.upper()
    return number


def _printed_subs(sub: tuple[str, ...], us_code: bool) -> str:
    """A pinpoint known only by its id (no text at hand to print it from, see ``printed_pinpoint``): US Code
    subparagraphs and subclauses are capitals, § 1030(c)(4)(A)(i)(I)."""
    if not us_code:
        return "".join(f"({s})" for s in sub)
    printed, level = [], "subsection"
    for s in sub:
        level = "paragraph" if s.isdigit() else _US_LEVEL_AFTER.get(level, "subsection")
        printed.append(f"({s.upper() if level in ('subparagraph', 'subclause') else s})")
    return "".join(printed)


def _pinpoint(unit: str, sub: tuple[str, ...], instrument: Instrument, word: int) -> tuple[bool, str]:
    prefix, number = _split_unit(unit)
    us_code = prefix == "s" and us_code_title(instrument) is not None
    if us_code:
        return True, f"§ {number}{_printed_subs(sub, True)}"
    head = _WORDS[prefix][word] + (f" {_printed_number(prefix, number)}" if number else "")
    return False, head + _printed_subs(sub, False)


def unit_label(unit: str, sub: tuple[str, ...], instrument: Instrument) -> str:
    """The label as printed: "Art. 29(3)", "s. 14", "§ 1030(a)(2)", "Recital 85", "Annex I"."""
    return _pinpoint(unit, sub, instrument, 0)[1]


def cite(instrument: Instrument, unit: str, sub: tuple[str, ...] = ()) -> str:
    """The full citation: "Directive (EU) 2022/2555, art. 23(4)(a)", "18 U.S.C. § 1030(a)(2)"."""
    us_code, pinpoint = _pinpoint(unit, sub, instrument, 1)
    return f"{instrument.citation}{' ' if us_code else ', '}{pinpoint}"


class Line(Protocol):
    """A run of a unit's text and the subdivision it belongs to (an ingest Block, a line the reader reads back)."""

    @property
    def sub(self) -> tuple[str, ...]: ...

    @property
    def text(self) -> str: ...


def printed_pinpoint(sub: tuple[str, ...], lines: Sequence[Line]) -> str:
    """The pinpoint below the unit as the text prints it, capitals included: "(a)(2)(C)" in § 1030, but "(2)(d)"
    in § 2511, whose lettered paragraphs sit under numbered subsections. Ids are lowercase, and no rule of levels
    tells the case: each level is read at the head of the first line at that level (``sub`` as is where the
    text does not show it)."""
    out = []
    for depth, label in enumerate(sub, start=1):
        opening = next((line for line in lines if line.sub[:depth] == sub[:depth]), None)
        head = opening.text[:80] if opening else ""
        mark = re.search(rf"(?<![^\s(\[—]){re.escape(label)}(?=\s*[.)])", head, re.IGNORECASE)
        out.append(f"({mark.group() if mark else label})")
    return "".join(out)


# ── typed citations ─────────────────────────────────────────────────────────────────────────────────

_NUM = r"\d+(?:[.\-]\d+)*(?:[a-z]{1,2})?(?![a-z0-9])"
_SUB = r"\s?\(\s*(?:\d+(?:\.\d+)?[a-z]?|[a-z]{1,2}|[ivxlc]{1,6})\s*\)"  # (2), (a), (iv), (1.1)
_SUBS = rf"(?:{_SUB})*"
_UNIT = re.compile(
    rf"""(?<![A-Za-z0-9'’])
    (?:(?P<art>articles?|arts?\.?)|(?P<s>sections?|secs?\.?|ss?\.|s(?=\s*\d)|§§?)|(?P<rule>rules?|r\.)
      |(?P<recital>recitals?)|(?P<annex>annex(?:es)?)|(?P<para>paragraphs?|paras?\.?|¶)|(?P<part>parts?)
      |(?P<preamble>preamble))(?![a-z])
    (?:\s*(?P<num>{_NUM}|[ivxlc]+(?![a-z0-9])))?
    (?P<sub>{_SUBS})
    (?:,?\s*(?:paragraph|para\.?)\s*(?P<para_no>\d+[a-z]?)(?![a-z0-9]))?
    (?:,?\s*(?:point|letter|sub-?paragraph)\s*\(?(?P<point>[a-z0-9]{{1,4}})\)?)?""",
    re.IGNORECASE | re.VERBOSE,
)
_KANJI_NUM = r"[0-9〇一二三四五六七八九十百千]+"
_NATIVE_UNIT = re.compile(  # 第3条第2項, 第三十条の二 (ja); มาตรา 5, มาตรา 5/1 (th); المادة 3, المادة الثالثة (ar)
    rf"第(?P<ja>{_KANJI_NUM})(?:の(?P<ja_branch>{_KANJI_NUM}))?条(?:の(?P<ja_branch2>{_KANJI_NUM}))?"
    rf"(?P<ja_sub>(?:第{_KANJI_NUM}[項号])*)"
    r"|มาตรา\s*(?P<th>\d+(?:/\d+)?)"
    r"|(?<![\u0600-\u06ff])(?:ال)?مادة\s*(?:(?P<ar>\d+)|\(\s*(?P<ar_paren>\d+)\s*\)|(?P<ar_words>[\u0621-\u064a]+"
    r"(?:\s+[\u0621-\u064a]+){0,2}))"  # words are letters: "المادة السادسة عشرة، من ..." ends at the comma
)
_US_CITATION = re.compile(
    rf"""(?<![A-Za-z0-9])(?P<title>\d{{1,2}})\s*U\.?\s?S\.?\s?C\.?(?:\s?A\.)?\s*(?:§§?\s*|sec(?:tion|\.)?\s*)?
          (?P<num>\d+[a-z]{{0,2}})(?![a-z0-9])(?P<sub>{_SUBS})
      |(?<![A-Za-z0-9])(?:§§?|sections?|sec\.)\s*(?P<num2>\d+[a-z]{{0,2}})(?P<sub2>{_SUBS}),?\s+of\s+title\s+
          (?P<title2>\d{{1,2}})(?![0-9])(?:,?\s+(?:of\s+the\s+)?United\s+States\s+Code)?""",
    re.IGNORECASE | re.VERBOSE,
)
_SUB_ITEM = re.compile(r"\(\s*([^()\s]+)\s*\)")
_SUBS_AFTER_NAME = re.compile(rf"\s*(?P<sub>(?:{_SUB})+)", re.IGNORECASE)
# "of the", and the same in the texts' own languages: แห่ง/ของ/ตาม (th), من/في (ar); the Arabic comma too
_GAP_AFTER_UNIT = re.compile(r"\s*(?:[,:،]\s*)?(?:(?:of|in|under|to|from|من|في)\s+|(?:แห่ง|ของ|ตาม)\s*)?(?:the\s+)?",
                             re.IGNORECASE)
_GAP_BEFORE_UNIT = re.compile(r"(?:['’]s|の)?\s*(?:[,:،\-–—]\s*)?")  # "GDPR's Art. 5", "不正アクセス禁止法の第3条"
_SERIES = re.compile(r"\b(?:C?ETS)\s*(?:No\.?|n°)?\s*(\d+)\b")  # Council of Europe treaty numbers
_TITLE_PARTS = re.compile(r"\s*—\s*")  # a bilingual title: "不正アクセス行為の禁止等に関する法律（…）— Act on …"
_TRAILING_NOTE = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")  # "(Act No. 128 of 1999)", "（平成十一年法律第百二十八号）"
_THAI_ACT = ("พระราชบัญญัติ", "พ.ร.บ.")  # "Act" in Thai, and how it is abbreviated
_SECTION_RANGE = re.compile(r"§§\s*(\d+)[a-z]*\s*[-–]\s*(\d+)")
_ONE_SECTION = re.compile(r"(?<!§)§\s*(\d+)|usc\s*§?\s*(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class _Span:
    start: int
    end: int


@dataclass(frozen=True)
class _Name(_Span):
    ids: tuple[str, ...]  # every instrument this name may denote


@dataclass(frozen=True)
class _Unit(_Span):
    prefix: str
    number: str
    sub: tuple[str, ...]
    section_mark: bool  # typed "§": with no instrument named, the US Code is meant


_Hit = tuple[_Span, Citation]


@dataclass(frozen=True)
class _Names:
    pattern: re.Pattern[str]
    owners: dict[str, tuple[str, ...]]  # folded name → instrument ids

    def find(self, text: str) -> list[_Name]:
        found = self.pattern.finditer(text)
        return [_Name(m.start(), m.end(), self.owners.get(_fold_name(m.group()), ())) for m in found]


def instrument_mentions(text: str, catalog: Catalog) -> list[tuple[str, tuple[str, ...]]]:
    """The names of instruments (and of their jurisdictions) a text uses, as written, each with every instrument
    it may denote: what query understanding reads a named instrument from, with the citation parser's own names."""
    folded = _fold_chars(text)
    return [(text[n.start:n.end], n.ids) for n in _names(catalog).find(folded) if n.ids]


def _fold_name(name: str) -> str:
    return " ".join(name.casefold().split())


def _fold_chars(text: str) -> str:
    """Full-width and non-Latin digits to ASCII, one character for one, so offsets stay valid."""
    out = []
    for c in text:
        digit = unicodedata.decimal(c, None)
        folded = str(digit) if digit is not None else unicodedata.normalize("NFKC", c)
        out.append(folded if len(folded) == 1 else c)
    return "".join(out)


def _name_regex(name: str) -> str:
    body = r"\s+".join(map(re.escape, name.split()))
    if len(name) <= 3 and name.isupper():  # "US", "EU", "LED": only in capitals, never the English word
        body = f"(?-i:{body})"
    head = r"(?<![A-Za-z0-9])" if name[0].isascii() and name[0].isalnum() else ""
    tail = r"(?![A-Za-z0-9])" if name[-1].isascii() and name[-1].isalnum() else ""
    return head + body + tail


def _variants(names: list[str]) -> list[str]:
    """Other ways the catalogued names are typed: each language's part of a title in two scripts, and a name
    without its closing note in brackets; a Council of Europe treaty number as ETS or CETS, with or without "No." and
    leading zeros; พ.ร.บ. for พระราชบัญญัติ."""
    out = []
    for name in names:
        parts = _TITLE_PARTS.split(name) if _non_latin(name) else [name]
        out += [*parts, *(_TRAILING_NOTE.sub("", p) for p in parts)]
        for number in _SERIES.findall(name):
            n = str(int(number))
            out += [f"{series} {no}{num}" for series in ("ETS", "CETS") for no in ("", "No. ", "No ", "n° ")
                    for num in dict.fromkeys((n, number, n.zfill(3)))]
    return out + [name.replace(*_THAI_ACT) for name in out if _THAI_ACT[0] in name]


def _non_latin(text: str) -> bool:
    return any(c.isalpha() and ord(c) > 0x24F for c in text)


@lru_cache(maxsize=8)
def _names(catalog: Catalog) -> _Names:
    """Every name an instrument goes by: id, titles, citation, aliases and their variants, and its jurisdiction
    (shared). Names are matched on the query's folded characters, so they are folded too (พ.ศ. ๒๕๖๒ → 2562)."""
    owners: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for inst in catalog:
        names = [inst.id, inst.title, inst.short_title, *inst.aliases]
        if us_code_title(inst) is None:
            names += [inst.citation, inst.citation.replace("(EU) ", "")]  # "Directive 2022/2555" too
        names += _variants(names)
        if inst.jurisdiction[:1].isupper():
            names.append(inst.jurisdiction)
        for name in filter(str.strip, map(_fold_chars, names)):
            key = _fold_name(name)
            spelling.setdefault(key, name.strip())
            if inst.id not in owners.setdefault(key, []):
                owners[key].append(inst.id)
    alternatives = sorted(spelling.values(), key=len, reverse=True)
    pattern = re.compile("|".join(map(_name_regex, alternatives)), re.IGNORECASE)
    return _Names(pattern, {k: tuple(v) for k, v in owners.items()})


@lru_cache(maxsize=256)
def _sections(inst: Instrument) -> tuple[tuple[int, int], ...]:
    """US Code section ranges an instrument covers, read from its title, id and aliases ("§§ 2701-2713")."""
    names = " ".join((inst.title, inst.short_title, inst.id, *inst.aliases))
    ranges = [(int(lo), int(hi)) for lo, hi in _SECTION_RANGE.findall(names)]
    singles = [int(a or b) for a, b in _ONE_SECTION.findall(names)]
    return tuple(ranges + [(n, n) for n in singles])


def _home_section(inst: Instrument) -> str | None:
    """The one section a single-section US Code instrument consists of ("1030" for the CFAA)."""
    if us_code_title(inst) is None or "§§" in inst.title:
        return None
    found = set(re.findall(r"§\s*(\d+[a-z]*)", inst.title))
    return found.pop() if len(found) == 1 else None


def _subs(text: str) -> tuple[str, ...]:
    return tuple(s.lower() for s in _SUB_ITEM.findall(text))


def _units(text: str) -> Iterator[_Unit]:
    for m in _UNIT.finditer(text):
        prefix = next(p for p in _WORDS if m.group(p))
        if prefix == "preamble":
            yield _Unit(m.start(), m.end("preamble"), prefix, "", (), False)
            continue
        number = (m.group("num") or "").lower()
        if not number or (not number[0].isdigit() and prefix not in ("annex", "part")):
            continue
        sub = _subs(m.group("sub")) + tuple(x.lower() for x in (m.group("para_no"), m.group("point")) if x)
        yield _Unit(m.start(), m.end(), prefix, number, sub, m.group("s") is not None and "§" in m.group("s"))
    for m in _NATIVE_UNIT.finditer(text):
        if m.group("ja"):
            sub = tuple(str(kanji_number(n)) for n in re.findall(rf"第({_KANJI_NUM})[項号]", m.group("ja_sub")))
            parts = (m.group("ja"), m.group("ja_branch") or m.group("ja_branch2"))
            yield _Unit(m.start(), m.end(), "art", "-".join(str(kanji_number(p)) for p in parts if p), sub, False)
        elif m.group("th"):
            yield _Unit(m.start(), m.end(), "s", m.group("th").replace("/", "-"), (), False)
        elif m.group("ar_words"):
            yield from _arabic_ordinal_unit(text, m)
        else:
            yield _Unit(m.start(), m.end(), "art", m.group("ar") or m.group("ar_paren"), (), False)


def _arabic_ordinal_unit(text: str, m: re.Match[str]) -> Iterator[_Unit]:
    """"المادة الحادية عشرة" is Article 11: the longest run of the words after المادة that reads as an ordinal."""
    words = m.group("ar_words").split()
    for count in range(len(words), 0, -1):
        if number := arabic_ordinal(" ".join(words[:count])):
            end = re.match(r"\S+(?:\s+\S+){%d}" % (count - 1), text[m.start("ar_words"):]).end()
            yield _Unit(m.start(), m.start("ar_words") + end, "art", str(number), (), False)
            return


def _unit_for(inst: Instrument, prefix: str, number: str) -> str:
    """Users say "article" and "section" loosely; the instrument's own main unit decides."""
    if prefix in ("art", "s") and inst.unit in ("article", "section"):
        prefix = _MAIN_PREFIX[inst.unit]
    return "preamble" if prefix == "preamble" else f"{prefix}-{number}"


def _pick(
    candidates: list[Instrument], prefix: str, number: str, known_units: KnownUnits | None,
    *, named: bool, nearest: bool,
) -> tuple[Instrument, str] | None:
    """Choose the instrument meant: the one whose unit is indexed, named alone, or covering the section.

    ``nearest`` (a typed US Code title) falls back to the instrument whose sections are closest.
    """
    options = [(inst, _unit_for(inst, prefix, number)) for inst in candidates]
    if known_units is not None:
        known = [o for o in options if known_units(f"{o[0].id}/{o[1]}")]
        if len(known) == 1:
            return known[0]
        options = known or options
    if named and len(options) == 1:
        return options[0]
    digits = re.match(r"\d+", number)
    if not digits:
        return None
    n = int(digits.group())
    inside = [o for o in options if any(lo <= n <= hi for lo, hi in _sections(o[0]))]
    if len(inside) == 1:
        return inside[0]
    if not nearest:
        return None
    reach = [(min(max(lo - n, n - hi) for lo, hi in spans), i)
             for i, (inst, _) in enumerate(options) if (spans := _sections(inst))]
    return options[min(reach)[1]] if reach else None


def _us_code_hits(text: str, catalog: Catalog, known_units: KnownUnits | None) -> Iterator[_Hit]:
    """ "18 U.S.C. § 2701(a)", "section 2701 of title 18": the title narrows the instruments, the section picks."""
    for m in _US_CITATION.finditer(text):
        title = m.group("title") or m.group("title2")
        number = (m.group("num") or m.group("num2")).lower()
        candidates = [inst for inst in catalog if us_code_title(inst) == title]
        chosen = _pick(candidates, "s", number, known_units, named=True, nearest=True)
        if chosen:
            sub = _subs(m.group("sub") or m.group("sub2") or "")
            yield _Span(m.start(), m.end()), Citation(chosen[0].id, chosen[1], sub)


def _unit_hits(text: str, catalog: Catalog, names: list[_Name], known_units: KnownUnits | None) -> Iterator[_Hit]:
    """A unit with an instrument name right after it ("Art. 32 of the GDPR") or right before it ("GDPR Art. 32")."""
    us_code = tuple(inst.id for inst in catalog if us_code_title(inst))
    for unit in _units(text):
        after = next((n for n in names if n.start >= unit.end), None)
        before = next((n for n in reversed(names) if n.end <= unit.start), None)
        pairs = []
        if after and _GAP_AFTER_UNIT.fullmatch(text, unit.end, after.start):
            pairs.append((_Span(unit.start, after.end), after.ids, True))
        if before and _GAP_BEFORE_UNIT.fullmatch(text, before.end, unit.start):
            pairs.append((_Span(before.start, unit.end), before.ids, True))
        if not pairs and unit.section_mark:
            pairs.append((_Span(unit.start, unit.end), us_code, False))
        for span, ids, named in pairs:
            chosen = _pick(list(map(catalog.get, ids)), unit.prefix, unit.number, known_units,
                           named=named, nearest=False)
            if chosen:
                yield span, Citation(chosen[0].id, chosen[1], unit.sub)


def _single_section_hits(text: str, catalog: Catalog, names: list[_Name]) -> Iterator[_Hit]:
    """ "CFAA (a)(2)": an instrument that is one US Code section needs no section number."""
    for name in names:
        m = _SUBS_AFTER_NAME.match(text, name.end)
        homes = [(inst, home) for inst in map(catalog.get, name.ids) if (home := _home_section(inst))]
        if m and len(homes) == 1:
            inst, home = homes[0]
            yield _Span(name.start, m.end()), Citation(inst.id, f"s-{home}", _subs(m.group("sub")))


def parse_citation(query: str, catalog: Catalog, known_units: KnownUnits | None = None) -> Citation | None:
    """The first typed citation in ``query`` ("GDPR Art. 32", "18 U.S.C. 2701", "Kenya s. 14"), or None.

    A unit needs an instrument beside it (or the US Code's "§"); prose that merely says "article" and a
    bare instrument name are not citations. ``known_units`` lets the index decide between instruments
    that share a name or a US Code title.
    """
    text = _fold_chars(query)
    names = _names(catalog).find(text)
    hits = [*_us_code_hits(text, catalog, known_units), *_unit_hits(text, catalog, names, known_units),
            *_single_section_hits(text, catalog, names)]
    if not hits:
        return None
    span, found = min(hits, key=lambda hit: (hit[0].start, -hit[0].end))  # leftmost, then longest
    return Citation(found.instrument_id, found.unit, found.sub, query[span.start:span.end])
