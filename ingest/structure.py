"""What headings and numbering look like: patterns per unit kind and language, as data + small functions.

``segment.py`` runs one algorithm over every instrument; everything that differs between drafting
traditions (Dutch treaty Markdown, EU Official Journal text, the US Code, Japanese, Arabic, Thai,
Commonwealth statutes) is a row in one of the tables below.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

# --- numbers as printed -------------------------------------------------------------------------------

_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙０１２３４５６７８９", "01234567890123456789")
_KANJI = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
_ROMAN_RE = re.compile(r"m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})")
# Arabic ordinal words (masculine and feminine forms) as used in "المادة الحادية عشرة" (Article 11).
_AR_UNITS = {
    "الأولى": 1, "الأول": 1, "الحادية": 1, "الحادي": 1, "الثانية": 2, "الثاني": 2, "الثالثة": 3, "الثالث": 3,
    "الرابعة": 4, "الرابع": 4, "الخامسة": 5, "الخامس": 5, "السادسة": 6, "السادس": 6, "السابعة": 7,
    "السابع": 7, "الثامنة": 8, "الثامن": 8, "التاسعة": 9, "التاسع": 9, "العاشرة": 10, "العاشر": 10,
}
_AR_TENS = {"عشرة": 10, "عشر": 10, "العشرون": 20, "الثلاثون": 30, "الأربعون": 40, "الخمسون": 50,
            "الستون": 60, "السبعون": 70, "الثمانون": 80, "التسعون": 90}
_EN_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
                "eighth": 8, "ninth": 9, "tenth": 10}


def ascii_digits(text: str) -> str:
    """Thai and full-width digits → ASCII (มาตรา ๑๒ → 12)."""
    return text.translate(_DIGITS)


def kanji_number(text: str) -> int | None:
    """Japanese numerals as used in statutes: 三十八 → 38, 百四 → 104; ASCII or full-width digits pass."""
    text = ascii_digits(text)
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for ch in text:
        if ch in _KANJI:
            digit = _KANJI[ch]
        elif ch in _KANJI_UNITS:
            total += (1 if digit is None else digit) * _KANJI_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def arabic_ordinal(words: str) -> int | None:
    """"الحادية عشرة" → 11, "الخامسة والعشرون" → 25; None when the words are not an ordinal."""
    total = 0
    for word in words.split():
        word = word.removeprefix("و") if word not in _AR_UNITS and word not in _AR_TENS else word
        if word in _AR_UNITS:
            total += _AR_UNITS[word]
        elif word in _AR_TENS:
            total += _AR_TENS[word]
        else:
            return None
    return total or None


def roman_value(text: str) -> int | None:
    text = text.lower()
    if not text or not _ROMAN_RE.fullmatch(text):
        return None
    values = [_ROMAN[c] for c in text]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def to_roman(value: int) -> str:
    out = ""
    for numeral, amount in (("m", 1000), ("cm", 900), ("d", 500), ("cd", 400), ("c", 100), ("xc", 90), ("l", 50),
                            ("xl", 40), ("x", 10), ("ix", 9), ("v", 5), ("iv", 4), ("i", 1)):
        count, value = divmod(value, amount)
        out += numeral * count
    return out


def english_ordinal(word: str) -> int | None:
    return _EN_ORDINALS.get(word.lower())


def number_key(number: str) -> tuple:
    """Sort key of a unit number as printed: 2 < 2a < 2b < 3; 342.1 < 342.2; 30-2 after 30; iv < v."""
    head = re.match(r"(\d+)((?:[.\-]\d+)*)([a-z]*)$", number)
    if head:
        tail = tuple(int(p) for p in re.findall(r"\d+", head.group(2)))
        return (int(head.group(1)), tail, head.group(3))
    value = roman_value(number)
    return (value, (), "") if value else (0, (), number)


# --- headings ------------------------------------------------------------------------------------------

MAX_TITLE = 200  # a longer "title" after a unit number is the unit's text
MARKUP = re.compile(r"^(#{1,6})\s*(.*?)\s*#*\s*$")
SEPARATOR = r"\s*(?:[—–:]|\s-\s|\.(?=\s|$))\s*"  # between a heading's number and its title


def _plain_number(m: re.Match[str]) -> str:
    return m.group("num").lower()


def _japanese_number(m: re.Match[str]) -> str | None:
    parts = [kanji_number(p) for p in (m.group("num"), m.group("sub1") or m.group("sub2")) if p]
    return None if None in parts else "-".join(str(p) for p in parts)


def _arabic_number(m: re.Match[str]) -> str | None:
    raw = ascii_digits(m.group("num"))
    value = int(raw) if raw.isdigit() else arabic_ordinal(raw)
    return str(value) if value else None


def _thai_number(m: re.Match[str]) -> str:
    return ascii_digits(m.group("num")).replace("/", "-")


@dataclass(frozen=True)
class UnitPattern:
    """One way a unit heading is printed; ``number`` turns the match into the id's N (None: no unit)."""

    kind: str  # art | s | para | rule | part
    regex: re.Pattern[str]
    number: Callable[[re.Match[str]], str | None] = _plain_number
    bare: bool = True  # may also appear without Markdown markup (then it must fit the numbering sequence)
    only_unmarked: bool = False  # used only in documents whose units carry no Markdown markup
    inline_body: bool = False  # without markup, the heading line is also the first line of the unit's text


_KANJI_NUM = r"[0-9０-９〇一二三四五六七八九十百千]+"
UNIT_PATTERNS: tuple[UnitPattern, ...] = (
    UnitPattern("art", re.compile(
        rf"^(?:Article|ARTICLE|Art\.)\s*(?P<num>\d+[a-z]?)(?:{SEPARATOR}(?P<title>.*?))?\s*$")),
    # 第12条 （目的） / 第30の2条 / 第三十条の二; a repeated number in kanji (第十二条) is no heading.
    UnitPattern("art", re.compile(
        rf"^第(?P<num>{_KANJI_NUM})(?:の(?P<sub1>{_KANJI_NUM}))?条(?:の(?P<sub2>{_KANJI_NUM}))?"
        rf"\s*(?:[（(](?P<title>[^）)]*)[）)]|第{_KANJI_NUM}条(?:の{_KANJI_NUM})?)?\s*$"), _japanese_number),
    UnitPattern("art", re.compile(r"^المادة\s+(?P<num>[^\s:：-][^:：-]*?)\s*[:：-]?\s*$"), _arabic_number),
    UnitPattern("s", re.compile(
        rf"^(?:Section|SECTION|Sec\.)\s*(?P<num>\d+(?:\.\d+)*[A-Za-z]{{0,2}})(?:{SEPARATOR}(?P<title>.*?))?\s*$")),
    UnitPattern("s", re.compile(r"^§+\s*(?P<num>\d+[a-z]*(?:-\d+)?)\.?(?:\s+\d{1,2}(?=\s))?\s*(?P<title>.*?)\s*$")),
    UnitPattern("s", re.compile(r"^มาตรา\s*(?P<num>[0-9๐-๙]+(?:/[0-9๐-๙]+)?)(?:\s|$)"), _thai_number, inline_body=True),
    # Sections inserted by amendment inside another section's text: "[22A. Online grooming.— Whoever",
    # "(2E) Removal of Chairperson and members.__ (1) The ..." (Pakistan Code consolidation).
    UnitPattern("s", re.compile(
        r"^(?:\[(?P<num>\d+[A-Z]{0,2})[.,]|\((?P<num2>\d+[A-Z]{1,2})\))"
        r"\s+(?P<title>[A-Z][^—_\n]{2,160}?)[.,](?:—|_{2,})"),
        lambda m: (m.group("num") or m.group("num2")).lower(), inline_body=True),
    # Statute-book sections whose heading stands above the number: "Interpretation" / "2.—(1)  In this Act".
    UnitPattern("s", re.compile(r"^(?P<num>\d+[A-Z]{0,2})\.(?:—|\s)"), only_unmarked=True, inline_body=True),
    # Numbered paragraphs of a report or declaration ("13. The Group recommends …"), when they are its units.
    UnitPattern("para", re.compile(r"^(?P<num>\d{1,3})\.(?=\s)"), inline_body=True),
    UnitPattern("rule", re.compile(rf"^(?:Rule|RULE)\s+(?P<num>\d+[a-z]?)(?:{SEPARATOR}(?P<title>.*?))?\s*$")),
    UnitPattern("part", re.compile(r"^(?P<num>[IVXLC]+)\.\s+(?P<title>\S.*)$"), bare=False),
    UnitPattern("part", re.compile(rf"^(?:PART|Part)\s+(?P<num>[IVXLC]+|\d+)(?:{SEPARATOR}(?P<title>.*?))?\s*$")),
)

HEADING_TAIL = re.compile(r"\s*(?P<tail>[a-z][^.—_\n]{0,80}?)\.\s*(?:—|_{2,})\s*")  # a heading's end, cut at a hyphen
RUN_IN = re.compile(r"^(?P<title>[^—_]{2,200}?)(?:\.\s*|\s+)(?:—|_{2,})\s*(?P<body>\S.*)$")  # "Title. — Text"
# Without Markdown markup only the capitalised forms count: "Annex VII." also ends many sentences.
ANNEX = re.compile(
    rf"^(?:ANNEX|Annex)(?:\s+(?P<num>[IVXLC]+|\d+|[A-Z]))?(?:{SEPARATOR}(?P<title>\S.*?))?\s*$"
    r"|^(?P<ord>FIRST|SECOND|THIRD|FOURTH|FIFTH|SIXTH|First|Second|Third|Fourth|Fifth|Sixth|THE|The)\s+"
    r"(?:SCHEDULE|Schedule)(?:\s+(?P<stitle>\S.*?))?\s*$"
)
PREAMBLE = re.compile(r"^\*?(?:Preamble|PREAMBLE|คำปรารภ)\*?\s*$")
RECITALS = re.compile(r"^(?:Recitals|RECITALS|Whereas\s*:?|WHEREAS\s*:?)$")
RECITAL = re.compile(r"^\((?P<num>\d+)\)(?:\s+(?P<rest>.*))?$")
ENACTING = re.compile(r"^(?:HAVE|HAS) ADOPTED TH(?:IS|E PRESENT) [A-Z ]+:?\s*$")
CLOSING = re.compile(
    r"^(?:IN WITNESS WHEREOF|In witness whereof|IN FAITH WHEREOF|In faith whereof|Done at|DONE at|DONE AT"
    r"|Adopted by the \d+\w* Ordinary Session|หมายเหตุ)"
)

_DIVISION_WORDS = ("PART", "Part", "CHAPTER", "Chapter", "TITLE", "Title", "SECTION", "Section",
                   "SUB-CHAPTER", "Sub-chapter", "SUBCHAPTER", "Subchapter", "SUBTITLE", "Subtitle",
                   "DIVISION", "Division", "SUB-PART", "Sub-Part")
DIVISION = re.compile(
    rf"^(?P<word>{'|'.join(_DIVISION_WORDS)})\s+(?P<num>[IVXLC]+[A-Z]?|\d+[A-Z]?|[A-Z])"
    rf"(?:{SEPARATOR}(?P<title>.*?)|\s+(?P<spaced>[A-Z][^(].*?))?\s*$"  # "Part II of Annex I." is no heading
)
DIVISION_JA = re.compile(rf"^第(?P<num>{_KANJI_NUM})(?P<word>編|章|節|款)\s*(?P<title>.*)$")
DIVISION_TH = re.compile(r"^(?P<word>หมวด|ส่วนที่)\s*(?P<num>[0-9๐-๙]+)\s*(?P<title>.*)$")
DIVISION_UNNUMBERED = re.compile(r"^บทเฉพาะกาล$")  # Thai "transitional provisions", a chapter without number


@dataclass(frozen=True)
class UnitHeading:
    kind: str
    number: str  # as in the id: "29", "46a", "30-2", "i"; "" for an unnumbered annex
    title: str
    marked: bool
    inline_body: bool = False  # the whole heading line is also the unit's first line of text
    body: int = 0  # where the text starts in a run-in heading ("Section 5. Other Offenses. — The …"); 0: none


@dataclass(frozen=True)
class Division:
    word: str  # "Chapter", "第一章": what replaces the same level when it recurs
    label: str  # "Chapter III"
    title: str


def markup(line: str) -> tuple[int, str]:
    """(heading level, content) of a Markdown heading line; (0, stripped line) otherwise."""
    m = MARKUP.match(line.strip())
    return (len(m.group(1)), m.group(2)) if m else (0, line.strip())


def match_unit(content: str, marked: bool, kinds: tuple[str, ...], unmarked_document: bool) -> UnitHeading | None:
    """The unit heading ``content`` prints, among the allowed kinds, or None."""
    for p in UNIT_PATTERNS:
        if p.kind not in kinds or (not marked and not p.bare) or (p.only_unmarked and not unmarked_document):
            continue
        m = p.regex.match(content)
        if not m:
            continue
        number = p.number(m)
        if number:
            title = (m.groupdict().get("title") or "").strip()
            run_in = RUN_IN.match(title) if not p.inline_body else None
            body = content.rindex(run_in.group("body")) if run_in else 0
            title = run_in.group("title") if run_in else title
            if title.startswith(("—", "–", "_")) or len(title) > MAX_TITLE:  # "Section 6. All crimes …": text
                body, title = content.rindex(title), ""
            return UnitHeading(p.kind, number, title, marked, p.inline_body and not marked, body)
    return None


def match_annex(content: str, marked: bool) -> UnitHeading | None:
    m = ANNEX.match(content)
    if not m or not marked and not content.split()[m.group("ord") is not None].isupper():
        return None
    if m.group("ord"):
        value = english_ordinal(m.group("ord"))
        return UnitHeading("annex", str(value) if value else "", (m.group("stitle") or "").strip(), marked)
    return UnitHeading("annex", (m.group("num") or "").lower(), (m.group("title") or "").strip(), marked)


def match_division(content: str, unit_kinds: tuple[str, ...]) -> Division | None:
    """A grouping heading (Part, Chapter, Title, Section-as-grouping, 第一章, หมวด ๑)."""
    m = DIVISION.match(content)
    if m:
        word = m.group("word")
        if word.lower() == "section" and "s" in unit_kinds or word.lower() == "part" and "part" in unit_kinds:
            return None
        title = (m.group("title") or m.group("spaced") or "").strip()
        return Division(word.capitalize(), f"{word.capitalize()} {m.group('num')}", title)
    for regex in (DIVISION_JA, DIVISION_TH):
        m = regex.match(content)
        if m:
            return Division(m.group("word"), f"{m.group('word')}{m.group('num')}" if regex is DIVISION_TH
                            else f"第{m.group('num')}{m.group('word')}", m.group("title").strip())
    if DIVISION_UNNUMBERED.match(content):
        return Division(content, content, "")
    return None


# --- numbering inside a unit ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Marker:
    """A subdivision number at the start of ``text``: "(a)", "1.", "(iv)", "a)", "(4.1)", "(๑)"."""

    style: str  # paren-num | paren-lower | paren-lower2 | paren-roman | paren-upper | paren-uroman | dot-num | ...
    label: str  # as in the id: "1", "a", "iv", "4.1", "2a"
    end: int  # where the marker (and the spaces after it) ends in ``text``


# Letters run to five ("(aaaaa)"); roman numerals to any length, with an inserted letter ("(xxviiia)").
_MARKER = re.compile(
    r"\[?(?:\(\s*(?P<paren>[0-9๐-๙]+(?:\.[0-9]+)?[A-Za-z]{0,2}|[ivxlc]+[a-z]?|[IVXLC]+[A-Z]?|[a-z]{1,5}|[A-Z]{1,5}"
    r"|[ก-ฮ])\s*\)|(?P<dot>[0-9]{1,3})\.(?![0-9])|(?P<bracket>[ivxlc]+|[a-z]{1,4}|[0-9]{1,3})\)|(?P<ldot>[a-z])\.(?=\s)"
    r"|(?P<ja>[0-9０-９]{1,3}|[一二三四五六七八九十]{1,4})\u3000)"  # Japanese 項 "２　…" and 号 "一　…"
    r"\s*"
)
LINE_NUMBER = "line-num"  # the style of paragraphs that are lines (項): implicit, or printed "２　"


def markers_at(text: str, pos: int = 0) -> list[Marker]:
    """Every reading of the number at ``pos`` ("(i)" is both point i and roman one); [] if none."""
    m = _MARKER.match(text, pos)
    if not m:
        return []
    end = m.end()
    if m.group("paren"):
        raw = ascii_digits(m.group("paren"))
        return [Marker(style, label, end) for style, label in _paren_readings(raw)]
    if m.group("dot"):
        return [Marker("dot-num", m.group("dot"), end)]
    if m.group("ldot"):
        return [Marker("dot-lower", m.group("ldot"), end)]
    if m.group("ja"):
        raw = ascii_digits(m.group("ja"))
        return [Marker(LINE_NUMBER, raw, end)] if raw.isdigit() else [Marker("kanji-num", str(kanji_number(raw)), end)]
    raw = m.group("bracket")
    if raw.isdigit():
        return [Marker("bracket-num", raw, end)]
    readings = []
    if len(raw) == 1:
        readings.append(Marker("bracket-lower", raw, end))
    if roman_label(raw):
        readings.append(Marker("bracket-roman", raw, end))
    return readings


def _paren_readings(raw: str) -> list[tuple[str, str]]:
    if raw[0].isdigit():
        return [("paren-num", raw.lower())]
    if "\u0e01" <= raw <= "\u0e2e":
        return [("paren-thai", raw)]
    lower, label = raw.islower(), raw.lower()
    readings = []
    if roman_label(label):
        readings.append(("paren-roman" if lower else "paren-uroman", label))
    if len(label) == 1:
        readings.append(("paren-lower" if lower else "paren-upper", label))
    elif len(set(label)) == 1:
        readings.append(("paren-lower2" if lower else "paren-upper2", label))
    return readings


def roman_label(label: str) -> tuple[int, str] | None:
    """(value, inserted letter) of a roman label: "xxviiia" → (28, "a"), "iv" → (4, ""); None if it is none."""
    m = re.fullmatch(r"([ivxlc]+)([a-z]?)", label)
    value = roman_value(m.group(1)) if m else None
    return (value, m.group(2)) if value else None


def _label_key(style: str, label: str) -> tuple | None:
    if style.endswith("roman"):
        return roman_label(label)
    if style.endswith("num"):
        m = re.match(r"(\d+)(?:\.(\d+))?([a-z]{0,2})$", label)
        return (int(m.group(1)), m.group(2) or "", m.group(3)) if m else None
    if style.endswith("2"):
        return (len(label), ord(label[0]))
    return (ord(label[0]), label[1:])


FIRST_LABELS = {"1", "a", "i", "aa", "\u0e01"}  # ก: the first Thai letter


def is_first(style: str, label: str) -> bool:
    return label in FIRST_LABELS and not (style.endswith("roman") and label != "i")


def follows(style: str, previous: str, label: str, skip: int = 0) -> bool:
    """Whether ``label`` can come after ``previous`` at one level (incl. inserted 2a, 4.1, iiia), with up to
    ``skip`` numbers missing in between."""
    before, after = _label_key(style, previous), _label_key(style, label)
    if before is None or after is None or after <= before:
        return False
    step = after[0] - before[0]
    if style == "paren-thai":
        return 0 < ord(label) - ord(previous) <= 2 + skip  # ฃ and ฅ are obsolete letters, skipped in lists
    if style.endswith("2"):
        return after[0] == before[0] and 0 < after[1] - before[1] <= 1 + skip
    inserted = step == 0 and bool(after[1] or style.endswith("num") and after[2])
    return 0 < step <= 1 + skip and not after[1] or inserted


# Inline numbering ("… data to— (i) any computer system …; or (ii) to …") is split only after these.
# The start of a definition in a list of them: a quoted term, or several ('"computer output" or "output"',
# '" Data Protection Authority " or "Authority"'), then "means", "includes"... ("“computer” means", '" child "
# means'); ``term`` is the first. Its own lettered points belong to it, not to the section that holds the list.
DEFINITION_START = re.compile(
    r"[“\"]\s*(?P<term>[^”\"\n]{1,80}?)\s*[”\"](?:\s*(?:,|or|and)\s+[“\"][^”\"\n]{1,80}[”\"])*\s+"
    r"(?:means?|includes?|ha(?:s|ve)\s+the\s+(?:same\s+)?meaning|shall\s+mean|shall\s+include|refers?\s+to)\b"
)
DEFINITION_BOUNDARY = re.compile(r"[;:—–]\s*(?:and|or)?\s*$")  # what ends the definition before another
INLINE_BOUNDARY = re.compile(r"(?:[;:—–_.\]]|[;,:]\s+(?:or|and|and/or))\s*$")
REFERENCE_WORDS = re.compile(
    r"(?:paragraphs?|subparagraphs?|sub-paragraphs?|subsections?|sub-sections?|sections?|points?|articles?|"
    r"clauses?|items?|letters?|indents?|rules?|and|or|to|of|under|in|s\.|art\.|para\.|No\.|nos?\.)\s*$",
    re.IGNORECASE,
)
INLINE_CANDIDATE = re.compile(
    r"(?<=\s)\(\s*(?:[0-9]+(?:\.[0-9]+)?[A-Z]?|[ivxlc]+[a-z]?|[IVXLC]+[A-Z]?|[a-z]{1,4}|[A-Z]{1,4})\s*\)(?=\s)")
# A line-start number right after a line ending like this is a wrapped cross-reference ("Article 58(1),\n(2) and (3)").
OPEN_LINE_END = re.compile(r"(?:[,(]|(?<![;,:])\s(?:and|or)|\b(?:of|to|in|under|with|by|the|a|an|Article|Articles|"
                           r"paragraph|paragraphs|point|points|section|subsection|one|two|three|four|five))$")

MARGIN_NUMBER = re.compile(r"\*\d+[A-Z]?(?:\s+PP-\d+)?\*\s*")  # ITU "*3 PP-98* a) …": a provision's own number
REFERENCE_NOTE = re.compile(r"^(?:Sections?|ss?\.|Articles?)\s*\d+\S*(?:\s*(?:,|and)\s*\d+\S*)*$")  # margin note

# --- lines that are not part of any provision ----------------------------------------------------------

# In annexes, Official Journal footnotes are "(3)  Position of …" (two spaces) or "(1)" on its own, then "OJ C …".
SPACED_FOOTNOTE = re.compile(r"^\(\d+\)\s{2,}\S")
NUMBER_ALONE = re.compile(r"^\(\d+\)$")
FOOTNOTE_SOURCE = re.compile(r"\bOJ [LC]\b|Official Journal|^OJ\b")
FOOTNOTE_START = re.compile(
    r"^\(\d+\)\s+(?:OJ|Regulation|Directive|Decision|Council|Commission|Position|Opinion|Recommendation|"
    r"Communication|Judgment|Proposal|Joint|Agreement|Implementing|Delegated)\b"
)
SUP_FOOTNOTE = re.compile(r"^<sup>\d+</sup>")
ASIDE_RULE = re.compile(r"^(?:\*\*\*+|---+|___+)$")
FOOTNOTE_DIGIT = re.compile(r"^\d{1,2}$")  # a footnote call on its own line ("1" before "[(iiia) …")
# Editorial notes: amendment footnotes of a consolidation ("Ins. by Act No. II of 2025, s.2."), EU title matter.
NOTE = re.compile(r"^(?:(?:Ins|Subs|Omitted|Added|Rep|Renumbered)\.? by\b|\(Text with EEA relevance\)$)")


def tidy_title(title: str, spellings: Counter[str] | None = None) -> str:
    """Heading text as shown: no markup or dangling separators; ALL-CAPS titles in sentence case.

    ``spellings`` (word counts of the document) keeps acronyms: each word takes the casing the
    document uses most for it ("ENISA" stays, "EUROPEAN" → "European", "THE" → "the").
    """
    title = re.sub(r"^[-—–:*\s]+|[*\s]+$", "", title).strip()
    title = re.sub(r"\s+", " ", title.replace("*", ""))
    title = title.removesuffix(".").strip() if not title.endswith("etc.") else title
    letters = [c for c in title if c.isalpha() and c.isascii()]
    if len(letters) <= 3 or not all(c.isupper() for c in letters):
        return title
    counts = spellings or Counter()

    def recase(m: re.Match[str]) -> str:
        word = m.group()
        forms = [(counts[form], form) for form in (word.lower(), word.capitalize()) if counts[form]]
        return max(forms)[1] if forms else word if counts[word] > 1 and 1 < len(word) <= 5 else word.lower()

    title = re.sub(r"[A-Z][A-Z'’-]*", recase, title)
    return title[0].upper() + title[1:]
