"""Text → Provisions: one scan over the lines of an instrument, whatever its drafting tradition.

Each line is classified with the patterns of ``structure.py`` (unit heading, grouping heading, closing
formula, footnote, subdivision number, plain text) and fed to a small state machine:

- zones: front matter (→ ``preamble``), recitals, body, closed (after "Done at" / "IN WITNESS WHEREOF":
  signatures, footnotes and appended instruments are skipped), annexes;
- the path of enclosing divisions (Part / Chapter / Title / Section-as-grouping / unnumbered sub-headings);
- inside a unit, a stack of numbering levels: a number opens a block only where it fits the sequence
  (``(b)`` after ``(a)``, or a first number ``(1)``/``(a)``/``(i)`` one level deeper), so wrapped
  cross-references ("Article 58(1),\\n(2) and (3)") and footnote calls stay text. "(i)" after "(h)" is
  read as a letter or a roman numeral by whichever series continues first in the text ahead. Below a
  numbered heading, a first number of the heading's own style nests, as printed ("3. Content related
  offences" / "1. State Parties shall …" is ``3/1``).

A block is one paragraph: the lines of a paragraph are joined; a number at a line start (or printed
inside a line after ";", ":", "—" …) or a blank line starts the next block. Footnotes (Official
Journal "(1) OJ L …", Markdown "<sup>1</sup>") are left out, and the sentence they cut goes on.

Choices: an instrument whose main unit never occurs falls back to the other unit kinds, then to
paragraphs (``para-1`` …: the Paris Call, a user's unstructured text). The Israeli speech (unit
``part``) is cut at its Roman-numbered Markdown parts ("## II. JUS AD BELLUM" → ``part-ii``).
Unnumbered annexes are numbered by order (``annex-1``), schedules by their ordinal (FIRST SCHEDULE →
``annex-1``). Articles and Parts printed inside an annex become its top-level subdivisions
(``annex-i/2``, ``annex-i/part-ii``). A unit number printed twice (two § 398 in 10 U.S.C. ch. 19)
gets ``-2`` on its second use.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import takewhile

from cyberlex.corpus.model import Block, Instrument, Provision
from cyberlex.corpus.citations import unit_label
from cyberlex.ingest import structure as st

MAIN_KINDS = {"article": ("art",), "section": ("s",), "rule": ("rule",), "part": ("part",), "paragraph": ("para",)}
FALLBACK_KINDS = (("art",), ("s",), ("rule",), ("part",))
LINE_PARAGRAPHS = {"ja", "th"}  # one paragraph per line, numbered 1, 2 … when there are several (項, วรรค)
MAX_GAP = 3  # how far an untitled heading without Markdown markup may jump ahead of the last number
FAR = 10**9
SENTENCE_END = re.compile(r"(?<!\betc)[.:;,。]$")
LOOK_BEHIND = 80  # characters before an inline number in which the punctuation or words that place it are read
HEADING_WORDS = 8  # the most words of a heading printed after a subdivision number
LOOK_AHEAD = 20000  # how far ahead the next number of a series is looked for


def segment(text: str, instrument: Instrument, pages: tuple[int, ...] = ()) -> list[Provision]:
    """Find the instrument's units (articles, sections, rules, recitals, annexes, preamble, …)."""
    lines = _lines(text)
    main = MAIN_KINDS.get(instrument.unit, ("art",))
    for kinds in (main, *(k for k in FALLBACK_KINDS if k != main)):
        provisions = _Scanner(text, lines, instrument, kinds, pages).run()
        if any(p.unit.split("-")[0] in kinds for p in provisions):
            return provisions
    return _paragraphs(lines, instrument, pages)


# --- lines ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str


def _lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        out.append(_Line(pos, pos + len(body), body))
        pos += len(raw)
    return out


def _title_like(text: str) -> bool:
    first = text[:1]
    return 0 < len(text) <= 200 and not re.search(r"[;,]$", text) and (not first.isalpha() or first.isupper()
                                                                         or not first.isascii())


# --- state ---------------------------------------------------------------------------------------------

@dataclass
class _Level:
    style: str
    label: str
    lowercase: bool | None = None  # its text starts in lowercase: a point inside a sentence
    heading: bool = False  # its line is a heading ("3. Content related offences"): a numbering may nest below it


@dataclass
class _Block:
    sub: tuple[str, ...]
    parts: list[str]  # one paragraph: its lines and what joins them, joined once read (a paragraph can be long)
    start: int
    end: int
    bare_marker: bool = False  # so far only its number ("(a)" on a line of its own)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def extend(self, line: str, end: int) -> None:
        """The paragraph's next line: a hard line break becomes a space, a soft hyphen at the break goes."""
        left = self.parts[-1]
        if left.endswith("\u00ad"):
            self.parts[-1] = left[:-1]
        elif not (left.endswith("-") and line[:1].islower() and not left.endswith(" -")):
            self.parts.append(" ")
        self.parts.append(line)
        self.end = end


@dataclass
class _Unit:
    kind: str
    number: str
    path: tuple[str, ...]
    start: int
    heading: str = ""
    blocks: list[_Block] = field(default_factory=list)
    stack: list[_Level] = field(default_factory=list)
    implicit: int = 0  # implicit paragraphs so far (LINE_PARAGRAPHS languages)
    nested: tuple = ()  # key of the last article numbered inside an annex
    # The depth of the list of quoted definitions the text is in (0: the unit's own text; 1: its subsection (1)),
    # None outside one. Points numbered inside a definition ("“business entity” means — (a) a corporation …") are
    # its own, not subdivisions of the section: "s. 2(1)(d)" is no citation of "“data” means …", printed after them.
    definitions: int | None = None


@dataclass
class _Pending:
    """A unit or division whose title is printed on the following line(s)."""

    target: _Unit | None  # None: the last division of the path
    marked: bool


class _Scanner:
    """One pass over the lines, looking for units of ``kinds`` ("art", "s", …)."""

    def __init__(self, text: str, lines: list[_Line], instrument: Instrument, kinds: tuple[str, ...],
                 pages: tuple[int, ...]):
        self.text, self.lines, self.instrument, self.kinds, self.pages = text, lines, instrument, kinds, pages
        self.page_starts = set(pages)
        self.line_paragraphs = instrument.language in LINE_PARAGRAPHS
        self.unmarked = not any(  # no unit heading has Markdown markup: bare "2.—(1)" may open a section
            level and st.match_unit(content, True, kinds, False)
            for level, content in (st.markup(line.text) for line in lines))
        self.spellings = Counter(re.findall(r"[A-Za-z][A-Za-z'’-]*", text))
        self.units: list[_Unit] = []
        self.unit: _Unit | None = None
        self.zone = "front"
        self.path: list[tuple[str, str, str]] = []  # (word that recurs at this level, label shown, place)
        self.last: dict[str, tuple] = {}
        self.pending: _Pending | None = None
        self.open_paragraph = False  # the next plain line continues the last paragraph
        self.footnote = False
        self.interrupted: bool | None = None  # whether a paragraph was open where a footnote cut in
        self.title_above = ""
        self.annexes = 0

    def run(self) -> list[Provision]:
        i = 0
        while i < len(self.lines):
            i = self._line(i) + 1
        self._close()
        return _provisions(self.units, self.instrument, self.pages)

    # --- one line ------------------------------------------------------------------------------------

    def _line(self, i: int) -> int:
        """Handle line ``i``; returns the index of the last line it consumed."""
        stripped = self.lines[i].text.strip()
        if not stripped:
            self.open_paragraph = self.footnote = False
            return i
        if st.ASIDE_RULE.match(stripped):
            return self._aside(i)
        if st.NOTE.match(stripped) or (st.FOOTNOTE_DIGIT.match(stripped) and self.unit is not None
                                                 and self.unit.kind != "preamble"):
            return i
        if self.footnote and (self._page_start(i) or stripped.startswith(("(", "#"))
                              or self._structural(stripped, False)):
            self.footnote = False
        if self.footnote or self._is_footnote(i) or st.SUP_FOOTNOTE.match(stripped):
            if not self.footnote:
                self.interrupted = self.open_paragraph
            self.footnote = True
            return i
        if self.interrupted is not None:  # text resumes after footnotes: on the next page, or mid-sentence
            self.open_paragraph = self.interrupted and (self._page_start(i) or stripped[:1].islower())
            self.interrupted = None
        level, content = st.markup(stripped)
        if level == 1 and not self.units:
            return i  # the document's own title
        if self.zone == "closed":
            annex = self._annex(content, level > 0)
            return self._open_unit(annex, i) if annex else i
        if self.pending is not None:
            last = self._title(i, level, content)
            if last is not None:
                return last
        return self._structure(i, level, content)

    def _structure(self, i: int, level: int, content: str) -> int:
        marked = level > 0
        if st.CLOSING.match(content):
            self._close()
            self.zone = "closed"
        elif st.ENACTING.match(content) and self.zone != "front":
            self._close()
            self.zone = "body"
        elif st.PREAMBLE.match(content):
            self._close()
            self._reopen_preamble(i)
            self.unit.heading = self.unit.heading or (content.strip("* ") if marked else "")
            self.zone = "front"
        elif st.RECITALS.match(content) and self.zone in ("front", "recitals"):
            self._close()
            self.zone = "recitals"
        elif annex := self._annex(content, marked):
            self._open_unit(annex, i)
        elif (heading := st.match_unit(content, marked, self.kinds, self.unmarked)) and self._in_annex():
            self._annex_article(heading, i)
        elif heading and self._accepts(heading, i):
            return self._open_unit(heading, i)
        elif (division := st.match_division(content, self.kinds)) and not (
                self.open_paragraph and self._after_open_line(i)):  # "… in accordance with\nChapter VII."
            if self._in_annex():
                self._top_level(division.label.lower().replace(" ", "-"), i)
            else:
                return self._division(division, marked, i)
        elif self.zone == "recitals" and self._recital(i, content):
            pass
        elif marked and self.zone == "body":
            self._close()
            self._set_path(content, st.tidy_title(content, self.spellings), "below")  # a sub-heading ("Composition")
        elif self.unmarked and (last := self._title_above(i)) is not None:
            return last
        elif self.zone in ("front", "body") and not self.open_paragraph and self._loose_heading(i, content):
            self._close()
            self._set_path(content, st.tidy_title(content, self.spellings), "loose")
        else:
            self._content(i)
        return i

    # --- what a line is --------------------------------------------------------------------------------

    def _aside(self, i: int) -> int:
        """A horizontal rule; lines fenced by two rules with no blank line between are notes, skipped."""
        j = i + 1
        while j < len(self.lines) and self.lines[j].text.strip() \
                and not st.ASIDE_RULE.match(self.lines[j].text.strip()):
            j += 1
        fenced = j < len(self.lines) and j > i + 1 and st.ASIDE_RULE.match(self.lines[j].text.strip())
        return j if fenced else i

    def _page_start(self, i: int) -> bool:
        return self.lines[i].start in self.page_starts

    def _is_footnote(self, i: int) -> bool:
        """Official Journal footnotes: "(2) Position of …", "(1)  Directive …", "(1)" then "OJ L …"."""
        stripped = self.lines[i].text.strip()
        if self.zone == "annex" and (st.SPACED_FOOTNOTE.match(stripped) or st.NUMBER_ALONE.match(stripped)
                                     and self._next_text(i).startswith("OJ ")):
            return True
        if not st.FOOTNOTE_START.match(stripped):
            return False
        span = [stripped]
        for j in range(i + 1, min(i + 16, len(self.lines))):
            nxt = self.lines[j].text.strip()
            if not nxt or nxt.startswith("(") or self._page_start(j):
                break
            span.append(nxt)
        return bool(st.FOOTNOTE_SOURCE.search(" ".join(span)))

    def _next_line(self, i: int) -> int:
        """The index of the next non-blank line after ``i`` (``len(lines)`` if none)."""
        j = i + 1
        while j < len(self.lines) and not self.lines[j].text.strip():
            j += 1
        return j

    def _next_text(self, i: int) -> str:
        j = self._next_line(i)
        return self.lines[j].text.strip() if j < len(self.lines) else ""

    def _in_annex(self) -> bool:
        return self.unit is not None and self.unit.kind == "annex"

    def _annex(self, content: str, marked: bool) -> st.UnitHeading | None:
        """An annex or schedule heading, once the body has begun (not in a table of contents)."""
        if not any(u.kind in self.kinds for u in self.units):
            return None
        return st.match_annex(content, marked)

    def _accepts(self, heading: st.UnitHeading, i: int) -> bool:
        """Markdown headings always open a unit; other headings must continue the numbering."""
        current = self.unit
        if not heading.marked and current and current.kind == heading.kind and current.number == heading.number:
            return False  # the unit's own number, printed again at the start of its text
        if heading.marked:
            return True
        if self.open_paragraph and self._after_open_line(i):
            return False  # "… referred to in\nArticle 63." is a wrapped cross-reference
        key, last = st.number_key(heading.number), self.last.get(heading.kind)
        near = heading.title or key[0] - (last[0] if last else 0) <= MAX_GAP  # a titled heading may skip numbers
        return key > (last or (0,)) and bool(near)

    def _title_above(self, i: int) -> int | None:
        """A title printed above a section number that has none ("Interpretation" / "2.—(1) In …"): the
        index of its last line (a title may wrap onto lines starting in lowercase), else None."""
        first = self.lines[i].text.strip()
        if not _title_like(first) or st.markers_at(first) or SENTENCE_END.search(first):
            return None
        j = i
        while j + 1 < len(self.lines) and j - i < 3 and self.lines[j + 1].text.strip()[:1].islower():
            j += 1
        heading = st.match_unit(self._next_text(j), False, self.kinds, True)
        if not heading or heading.kind != "s" or not heading.inline_body or heading.title \
                or not self._accepts(heading, self._next_line(j)):
            return None
        self.title_above = " ".join(self.lines[k].text.strip() for k in range(i, j + 1))
        return j

    # --- units ---------------------------------------------------------------------------------------

    def _open_unit(self, heading: st.UnitHeading, i: int) -> int:
        self._close()
        number = heading.number
        if heading.kind == "annex":
            self.annexes += 1
            number = number or str(self.annexes)
            self.zone = "annex"
        elif heading.kind == "preamble":
            self.zone = "front"
        else:
            self.zone = "body"
            self.last[heading.kind] = st.number_key(number)
        path = tuple(label for _, label, _ in self.path) if heading.kind in self.kinds else ()
        self.unit = _Unit(heading.kind, number, path, self.lines[i].start)
        self.units.append(self.unit)
        title, last = heading.title or self.title_above, i
        self.title_above = ""
        if heading.title and not heading.marked and not heading.body and not heading.inline_body:
            title, last = self._wrapped(i, title)
        if title:
            self.unit.heading = st.tidy_title(title, self.spellings)
        elif not heading.inline_body:
            self.pending = _Pending(self.unit, heading.marked)
        if heading.inline_body:
            self._content(i)
        elif heading.body:
            raw = self.lines[i].text
            begin = raw.index(st.markup(raw)[1]) + heading.body
            self._content(i, lead=begin, begin=begin)
        return last

    def _recital(self, i: int, content: str) -> bool:
        m = st.RECITAL.match(content)
        expected = self.last.get("recital", (0,))[0] + 1
        if not m or int(m.group("num")) != expected:
            return False
        self._close()
        self.last["recital"] = (expected, (), "")
        self.unit = _Unit("recital", str(expected), (), self.lines[i].start)
        self.units.append(self.unit)
        raw = self.lines[i].text
        self._content(i, lead=raw.index(")") + 1)
        self.unit.blocks[-1].bare_marker = not m.group("rest")
        return True

    def _annex_article(self, heading: st.UnitHeading, i: int) -> None:
        """"Article 2" inside an annex: a top-level subdivision, if it continues the annex's own numbering."""
        key = st.number_key(heading.number)
        if self.unit.nested and key <= self.unit.nested:
            self._content(i)
            return
        self.unit.nested = key
        self._top_level(heading.number, i)

    def _top_level(self, label: str, i: int) -> None:
        self.unit.stack = [_Level("annex-part", label)]
        line = self.lines[i]
        self._block((label,), st.markup(line.text)[1], line.start, line.end)

    def _close(self) -> None:
        self.unit = None
        self.pending = None
        self.open_paragraph = False

    # --- divisions and titles --------------------------------------------------------------------------

    def _division(self, division: st.Division, marked: bool, i: int) -> int:
        self._close()
        if self.zone == "recitals":
            self.zone = "body"
        self._set_path(division.word, division.label)
        if not division.title:
            self.pending = _Pending(None, marked)
            return i
        title, last = self._wrapped(i, division.title) if not marked else (division.title, i)
        self._title_division(title)
        return last

    def _wrapped(self, i: int, title: str) -> tuple[str, int]:
        """A heading printed on line ``i`` with the lines that continue it; the index of its last line."""
        last = i
        while (nxt := self._continuation(last, title)) is not None:
            title, last = f"{title} {self.lines[nxt].text.strip()}", nxt
        return title, last

    def _set_path(self, word: str, label: str, place: str = "numbered") -> None:
        """A division replaces the one of the same word and everything below it; else it nests deeper.

        Unnumbered headings are ``below`` (a Markdown sub-heading, which gives way to the next heading of
        any kind) or ``loose`` (a plain title line, such as a chapter title printed without its "CHAPTER
        II" label: all of them sit at one level, each replacing the last).
        """
        key = "(loose)" if place == "loose" else word
        keys = [w for w, _, _ in self.path]
        if key in keys:
            del self.path[keys.index(key):]
        while self.path and self.path[-1][2] == "below":
            self.path.pop()
        self.path.append((key, label, place))

    def _title_division(self, title: str) -> None:
        word, label, place = self.path[-1]
        separator = " — " if label.isascii() else " "  # "Chapter III — International co-operation", "第一章 総則"
        self.path[-1] = (word, f"{label}{separator}{st.tidy_title(title, self.spellings)}", place)

    def _loose_heading(self, i: int, content: str) -> bool:
        """A short line on its own right above a unit or division heading: a title without a label."""
        if len(content.split()) > 12 or SENTENCE_END.search(content) or not _title_like(content) \
                or st.markers_at(content) or not re.match(r"[A-Z]", content) or self.unit and not self.unit.blocks:
            return False
        j = self._next_line(i)
        level, nxt = st.markup(self._next_text(i))
        heading = st.match_unit(nxt, level > 0, self.kinds, self.unmarked)
        return bool(st.match_division(nxt, self.kinds) or heading and self._accepts(heading, j))

    def _title(self, i: int, level: int, content: str) -> int | None:
        """The title line(s) of the unit or division just opened; None if line ``i`` is not one."""
        pending, self.pending = self.pending, None
        if self._structural(content, level > 0) or st.markers_at(content) or st.CLOSING.match(content) \
                or st.REFERENCE_NOTE.match(content):
            return None
        if level == 0 and not _title_like(content.removesuffix(",")):
            return None
        if level == 0 and pending.marked and (SENTENCE_END.search(content) or self._lead_in(i)):
            return None  # after a Markdown heading, a plain line is a title only if it is no sentence
        title, last = self._wrapped(i, content) if level == 0 else (content, i)
        if pending.target is not None:
            pending.target.heading = st.tidy_title(title, self.spellings)
        else:
            self._title_division(title)
        return last

    def _lead_in(self, i: int) -> bool:
        """The line goes on in a numbered point starting in lowercase ("… include an armed attack" / "(i)on …")."""
        nxt = self._next_text(i)
        readings = st.markers_at(nxt)
        return bool(readings) and nxt[readings[0].end:][:1].islower()

    def _structural(self, content: str, marked: bool) -> bool:
        return bool(st.match_unit(content, marked, self.kinds, self.unmarked) or st.match_division(content, self.kinds)
                    or self._annex(content, marked) or st.RECITALS.match(content) or st.PREAMBLE.match(content))

    def _continuation(self, i: int, title: str) -> int | None:
        """The next line continues a wrapped heading (lowercase start, ALL-CAPS run, a short last line)."""
        j = i + 1
        if j >= len(self.lines):
            return None
        nxt = self.lines[j].text.strip()
        if not nxt or st.markers_at(nxt) or self._structural(nxt, False) or st.CLOSING.match(nxt):
            return None
        if nxt[0].islower() and not nxt.endswith((".", ";", ":")):
            return j
        if not _title_like(nxt) or title.isupper() != nxt.isupper():
            return None
        if title.isupper():
            return j
        after = self._next_text(j)
        short = len(nxt.split()) <= 4 and not re.search(r"[.;:,]$", nxt)
        return j if short and st.markers_at(after) and not self._structural(after, False) else None

    # --- text ----------------------------------------------------------------------------------------

    def _content(self, i: int, lead: int | None = None, begin: int | None = None) -> None:
        """A line of text: split at the subdivision numbers it starts with or carries, then stored.

        ``lead``: where the words begin after a number the caller has read itself (a recital's "(85)");
        ``begin``: where the stored text begins, when the line starts with a run-in heading.
        """
        if self.unit is None:
            if self.zone not in ("front", "recitals"):
                return  # between a grouping heading and the first unit below it: nothing to attach to
            self._reopen_preamble(i)
        unit, line = self.unit, self.lines[i]
        raw = re.sub(r"^\s*#+\s*", lambda m: " " * len(m.group()), line.text)  # offsets stay those of the line
        indent = begin if begin is not None else len(raw) - len(raw.lstrip())
        if raw.strip() == unit.number:
            return  # "342.1" printed alone above the text of s. 342.1
        if not unit.blocks and unit.heading and (cut := st.HEADING_TAIL.match(raw, indent)):
            unit.heading = f"{unit.heading}-{cut.group('tail')}"  # "Section 39. Real" / "time collection ….—"
            indent = cut.end()
        pos = self._past_echo(raw, indent) if unit.kind in ("s", "para") and not unit.blocks else indent
        margins = [m.start() for m in st.MARGIN_NUMBER.finditer(raw, indent + 1)]
        for start, stop in zip([indent, *margins], [*margins, len(raw)]):
            if start > indent:
                self.open_paragraph, pos, lead = False, start, None  # a marginal number starts a provision
            self._piece(i, raw, start, pos, stop, lead)

    def _piece(self, i: int, raw: str, start: int, pos: int, stop: int, lead: int | None) -> None:
        """``raw[start:stop]``, whose subdivision numbers may begin at ``pos``, stored in the unit's blocks."""
        unit, offset = self.unit, self.lines[i].start
        numbered = lead if lead is not None else self._leading_numbers(i, raw, pos)
        if numbered is None:
            self._plain_start(raw[start:stop])
            if st.DEFINITION_START.match(raw, pos):  # a definition printed on a line of its own
                if unit.definitions is None:
                    unit.definitions = len(unit.stack)
                del unit.stack[unit.definitions:]  # the list's next definition, a paragraph of its own
                self.open_paragraph = False
        sub = tuple(level.label for level in unit.stack)
        cuts = self._inline_cuts(raw[:stop], start if numbered is None else numbered, offset)
        first_end = cuts[0][0] if cuts else stop
        self._text(raw[start:first_end], offset + start, offset + first_end, sub, numbered is not None,
                   bare=numbered is not None and not raw[numbered:first_end].strip())
        for n, (cut, subs) in enumerate(cuts):
            end = cuts[n + 1][0] if n + 1 < len(cuts) else stop
            self._block(subs, raw[cut:end].strip(), offset + cut, offset + end)
        self.open_paragraph = True

    def _past_echo(self, raw: str, pos: int) -> int:
        """Past the section's own number at the start of its text: "2. —(1) …", "มาตรา ๑ …", "[22A. …"."""
        number = re.escape(self.unit.number)
        m = re.match(rf"\[?(?:มาตรา\s*)?{number}[.,]?(?=[\s—])\s*(?:—\s*)?", st.ascii_digits(raw[pos:]), re.IGNORECASE)
        return pos + m.end() if m else pos

    def _leading_numbers(self, i: int, raw: str, pos: int) -> int | None:
        """Push the subdivision number(s) the line starts with ("(a)", "1. a.", "—(1)"); where text begins."""
        if margin := st.MARGIN_NUMBER.match(raw, pos):
            pos = margin.end()
        if raw[pos:pos + 1] == "—":
            pos += 1
        if self.open_paragraph and self._after_open_line(i):
            return None
        stack = self.unit.stack
        readings = st.markers_at(raw, pos)
        skip = 0 if self.open_paragraph else 1  # a new paragraph may follow a number lost from the source
        heading = bool(readings) and _heading_line(raw[readings[0].end:])
        placed = self._place(stack, readings, self.lines[i].start + pos, skip, heading) if readings else None
        if placed is None or self._inside_definition(placed[0]):
            return None
        while placed is not None:
            depth, marker = placed
            del stack[depth:]
            stack.append(_Level(marker.style, marker.label, heading=heading))
            if marker.style == st.LINE_NUMBER:
                self.unit.implicit = int(marker.label)  # "２　…": the paragraph number, printed
            pos = marker.end
            placed = _first_child(stack, st.markers_at(raw, pos))
        return pos

    def _after_open_line(self, i: int) -> bool:
        """Line ``i`` follows, without a blank line, one that ends mid-phrase ("… Article 58(1),")."""
        j = i - 1
        return j >= 0 and bool(st.OPEN_LINE_END.search(self.lines[j].text.rstrip()))

    def _place(self, stack: list[_Level], readings: list[st.Marker], offset: int,
               skip: int = 0, heading: bool = False) -> tuple[int, st.Marker] | None:
        """Where a number fits: (depth of its level, reading). "(i)" goes where its series continues first,
        and continues the current series when neither continues nearby."""
        options = [(depth, marker) for marker in readings
                   if (depth := _fit(stack, marker, skip, heading)) is not None]
        if len(options) > 1:
            options.sort(key=lambda option: (self._next_in_series(option[1], offset), option[0] == len(stack)))
        return options[0] if options else None

    def _next_in_series(self, marker: st.Marker, offset: int) -> int:
        """Where the number after ``marker`` is printed next; FAR if nowhere near, or if a roman reading
        meets its own label again first ("(i) …, including — (i) …; (ii) …": the first "(i)" is a letter)."""
        successor = _successor(marker)
        if successor is None:
            return FAR
        found = self._printed(marker, successor, offset)
        if found < FAR and marker.style.endswith("roman") and self._printed(marker, marker.label, offset) < found:
            return FAR
        return found

    def _printed(self, marker: st.Marker, label: str, offset: int) -> int:
        opening = r"\(\s*" if marker.style.startswith("paren") else ""
        found = re.compile(rf"(?:^|[\s;:—])\[?{opening}{re.escape(label)}\s*\)", re.MULTILINE).search(
            self.text, offset + 1, offset + LOOK_AHEAD)
        return found.start() if found else FAR

    def _inline_cuts(self, raw: str, pos: int, offset: int) -> list[tuple[int, tuple[str, ...]]]:
        """Numbers printed inside the line ("… if— (a) …; or (b) …") that open blocks of their own, and the
        definitions of a list of them run into one line (each a block at the list's level)."""
        unit = self.unit
        stack = unit.stack
        candidates = list(st.INLINE_CANDIDATE.finditer(raw, pos))
        definitions = [(m, None) for m in st.DEFINITION_START.finditer(raw, pos)]
        cuts = []
        for m, n in sorted([*definitions, *((m, n) for n, m in enumerate(candidates))], key=lambda e: e[0].start()):
            if n is None:
                # After a lead-in ("In this Act— “access” means") or the last definition's end, not right after a
                # number of its own ("(xxix) “subscriber information” means": a numbered definition is a subdivision).
                if m.start() > pos and _after(st.DEFINITION_BOUNDARY, raw, m.start()):
                    if unit.definitions is None:
                        unit.definitions = len(stack)
                    del stack[unit.definitions:]
                    cuts.append((m.start(), tuple(level.label for level in stack)))
                continue
            boundary = _after(st.INLINE_BOUNDARY, raw, m.start())
            placed = self._place(stack, st.markers_at(raw, m.start()), offset + m.start())
            if placed is None or self._inside_definition(placed[0]):
                continue
            depth, marker = placed
            if not boundary and (not st.is_first(marker.style, marker.label)
                                 or _after(st.REFERENCE_WORDS, raw, m.start())
                                 or not _confirmed(marker, candidates[n + 1:], raw)):
                continue
            del stack[depth:]
            stack.append(_Level(marker.style, marker.label))
            cuts.append((m.start(), tuple(level.label for level in stack)))
        return cuts

    def _inside_definition(self, depth: int) -> bool:
        """Whether a number placed at ``depth`` is a point of the definition it is printed in; one placed above the
        list (subsection "(2)" after the definitions of "(1)") ends the list."""
        unit = self.unit
        if unit.definitions is None:
            return False
        if depth < unit.definitions:
            unit.definitions = None
            return False
        return True

    def _plain_start(self, text: str) -> None:
        """Adjust the numbering levels for a line without a number of its own."""
        unit = self.unit
        if self.line_paragraphs and unit.kind not in ("preamble", "annex"):
            unit.implicit += 1
            unit.stack[:] = [_Level(st.LINE_NUMBER, str(unit.implicit))]
            self.open_paragraph = False
        elif not self.open_paragraph and text[:1].isupper() and text[:1].isascii():
            while unit.stack and unit.stack[-1].lowercase:
                unit.stack.pop()  # flush text after points that ran inside a sentence

    def _text(self, text: str, start: int, end: int, sub: tuple[str, ...], numbered: bool, bare: bool) -> None:
        """The first segment of a line: a numbered block; else text that goes on with the open paragraph or
        with a number printed on a line of its own ("(a)" / "it has caused …"), or a paragraph of its own."""
        text = text.strip()
        last = self.unit.blocks[-1] if self.unit.blocks else None
        if not numbered and last is not None and (self.open_paragraph or last.bare_marker and last.sub == sub):
            last.extend(text, end)
            last.bare_marker = False
            self.open_paragraph = True
            self._note_case(text)
        else:
            self._block(sub, text, start, end, bare)

    def _block(self, sub: tuple[str, ...], text: str, start: int, end: int, bare: bool = False) -> None:
        self.unit.blocks.append(_Block(sub, [text], start, end, bare))
        self.open_paragraph = True
        self._note_case(text)

    def _note_case(self, text: str) -> None:
        stack = self.unit.stack
        if stack and stack[-1].lowercase is None:
            body = re.sub(r"^[\W_]*(?:\(?\w{1,5}[.)]\s*)*", "", text)
            if body[:1].isalpha():
                stack[-1].lowercase = body[:1].islower()

    def _reopen_preamble(self, i: int) -> None:
        for unit in self.units:
            if unit.kind == "preamble":
                self.unit = unit
                return
        self.unit = _Unit("preamble", "", (), self.lines[i].start)
        self.units.append(self.unit)


# --- numbering helpers ---------------------------------------------------------------------------------

def _fit(stack: list[_Level], marker: st.Marker, skip: int = 0, heading: bool = False) -> int | None:
    """The depth at which ``marker`` continues or opens a level; None if it fits nowhere.

    A number of a style already open continues the innermost level of that style it follows, or on a heading
    line the innermost such level that a heading opened. Only a first number right below a heading opens a
    second level of the heading's own style: numbering nested as printed ("3. Content related offences" /
    "1. State Parties shall …" is ``3/1``).
    """
    same = [depth for depth in range(len(stack) - 1, -1, -1) if stack[depth].style == marker.style]
    first = st.is_first(marker.style, marker.label)
    if not same:
        return len(stack) if first else None
    fits = [depth for depth in same if st.follows(marker.style, stack[depth].label, marker.label, skip)]
    if fits:
        return next((depth for depth in fits if stack[depth].heading), fits[0]) if heading else fits[0]
    return len(stack) if first and stack[-1].heading and same[0] == len(stack) - 1 else None


def _heading_line(text: str) -> bool:
    """The words after a number are a short heading ("Content related offences"), not the start of a sentence."""
    text = text.strip()
    return 0 < len(text.split()) <= HEADING_WORDS and text[:1].isupper() and not re.search(r"[.;:,—–_-]$", text)


def _first_child(stack: list[_Level], readings: list[st.Marker]) -> tuple[int, st.Marker] | None:
    """A second number right after the first ("1. a. Each State …"): the first of a deeper level."""
    for marker in readings:
        if st.is_first(marker.style, marker.label) and all(level.style != marker.style for level in stack):
            return len(stack), marker
    return None


def _successor(marker: st.Marker) -> str | None:
    label = marker.label
    if marker.style.endswith("num"):
        head = re.match(r"\d+", label)
        return str(int(head.group()) + 1) if head else None
    if marker.style.endswith("roman"):
        roman = st.roman_label(label)
        return st.to_roman(roman[0] + 1) if roman else None
    if marker.style.endswith("2"):
        return chr(ord(label[0]) + 1) * len(label)
    return chr(ord(label[0]) + 1)


def _confirmed(marker: st.Marker, later: list[re.Match[str]], raw: str) -> bool:
    """An inline first number not after punctuation counts only if its successor follows after punctuation
    (within ``LOOK_AHEAD``: a line of many numbers must not be read again for each one)."""
    successor = _successor(marker)
    return any(
        any(r.style == marker.style and r.label == successor for r in st.markers_at(raw, m.start()))
        and _after(st.INLINE_BOUNDARY, raw, m.start())
        for m in takewhile(lambda m: m.start() - marker.end <= LOOK_AHEAD, later)
    )


def _after(ending: re.Pattern[str], raw: str, at: int) -> bool:
    """Whether the text before ``at`` ends with ``ending`` (a pattern anchored with ``$``), read in a short
    window so that a line with many numbers is not scanned from its start for each of them."""
    return bool(ending.search(raw, max(0, at - LOOK_BEHIND), at))


# --- output --------------------------------------------------------------------------------------------

def _provisions(units: list[_Unit], instrument: Instrument, pages: tuple[int, ...]) -> list[Provision]:
    out: list[Provision] = []
    seen: Counter[str] = Counter()
    for unit in units:
        unit_id = "preamble" if unit.kind == "preamble" else f"{unit.kind}-{unit.number}"
        seen[unit_id] += 1
        if seen[unit_id] > 1:
            unit_id = f"{unit_id}-{seen[unit_id]}"
        subs = [b.sub for b in unit.blocks]
        if unit.implicit == 1:
            subs = [s[1:] for s in subs]  # a single implicit paragraph is not numbered
        blocks = tuple(
            Block(sub, re.sub(r"\s+", " ", b.text).strip(), b.start, b.end, _page(b.start, pages))
            for sub, b in zip(subs, unit.blocks)
        )
        end = max((b.end for b in unit.blocks), default=unit.start)
        out.append(Provision(
            id=f"{instrument.id}/{unit_id}", instrument_id=instrument.id, unit=unit_id,
            label=unit_label(unit_id, (), instrument), heading=unit.heading, path=unit.path, blocks=blocks, start=unit.start, end=end, page=_page(unit.start, pages),
        ))
    return out


def _page(offset: int, pages: tuple[int, ...]) -> int | None:
    return bisect.bisect_right(pages, offset) or None if pages else None


def _paragraphs(lines: list[_Line], instrument: Instrument, pages: tuple[int, ...]) -> list[Provision]:
    """No recognisable structure: each paragraph (blank-line separated, or a list item) is ``para-N``."""
    units: list[_Unit] = []
    current: _Unit | None = None
    for i, line in enumerate(lines):
        stripped = line.text.strip()
        level, content = st.markup(stripped)
        if not stripped or (level == 1 and not units):
            current = None
            continue
        item = re.match(r"^[-•*–]\s+", stripped)
        if current is None or item:
            current = _Unit("para", str(len(units) + 1), (), line.start)
            current.blocks.append(_Block((), [content], line.start, line.end))
            units.append(current)
        else:
            current.blocks[-1].extend(content, line.end)
    return _provisions(units, instrument, pages)
