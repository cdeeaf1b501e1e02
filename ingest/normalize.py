"""Small pure text cleaners, each fixing one artefact of how a legal text reached us.

``ingest.convert`` chains them per format. All of them keep line structure (the segmenter reads
lines) and leave a line holding only ``PAGE_BREAK`` alone, so a PDF's page boundaries survive
cleaning and can be measured afterwards.

Unicode form: NFC, not NFKC. NFKC would rewrite the quoted text itself: it decomposes the Thai
vowel SARA AM (U+0E33, 665 times in the Thai act) into two characters that Thai word segmenters
do not expect, turns full-width brackets of Japanese statutes into ASCII and superscripts into digits.
The one NFKC effect the segmenter needs, ASCII digits in ``第１条``, is done by ``fold_fullwidth_digits``;
Latin ligatures from PDF fonts are expanded by ``expand_ligatures``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable

PAGE_BREAK = "\f"
"""Marks a page boundary, on a line of its own, between the pages of a PDF."""

Cleaner = Callable[[str], str]


def apply(text: str, cleaners: Iterable[Cleaner]) -> str:
    for clean in cleaners:
        text = clean(text)
    return text


_LINE_BREAKS = re.compile("\r\n|[\r\v\x85\u2028\u2029]")


def normalize_line_endings(text: str) -> str:
    """Every line break becomes ``\\n``; the form feed is kept because it is our page mark."""
    return _LINE_BREAKS.sub("\n", text)


_SOFT_HYPHEN_AT_BREAK = re.compile("\u00ad[ \t]*\n[ \t]*(?=[^\\W\\d_])")


def remove_soft_hyphens(text: str) -> str:
    """A soft hyphen only marks where a word may break; at a line end it also joins the two halves."""
    return _SOFT_HYPHEN_AT_BREAK.sub("", text).replace("\u00ad", "")


def to_nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def fold_fullwidth_digits(text: str) -> str:
    """``第１条`` → ``第1条`` so that numbering patterns need only ASCII digits."""
    return text.translate(_FULLWIDTH_DIGITS)


_LIGATURES = re.compile("[\ufb00-\ufb06]")


def expand_ligatures(text: str) -> str:
    """PDF fonts map ``ﬁ``/``ﬂ``/... to one code point, which hides words like "financial" from search."""
    return _LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


_ODD_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f]")


def replace_nonbreaking(text: str) -> str:
    """No-break and typographic spaces become plain spaces, the no-break hyphen a plain hyphen.

    The ideographic space of Japanese headings (U+3000) is typography of the text and stays.
    """
    return _ODD_SPACES.sub(" ", text).replace("\u2011", "-")


_INNER_SPACES = re.compile(r"(?<=\S)[ \t]{2,}(?=\S)|(?<=\S)\t(?=\S)")
_TRAILING_SPACES = re.compile(r"[ \t]+$", re.MULTILINE)


def collapse_spaces(text: str) -> str:
    """Runs of spaces inside a line become one; trailing ones go; indentation (Markdown nesting) stays."""
    return _TRAILING_SPACES.sub("", _INNER_SPACES.sub(" ", text))


_MARKER = r"[►▼][A-Z]{1,2}\d{0,3}\b|◄"
# An inserted run that opens at a line's end and closes on the next text line: a title split off its heading
# ("### Article 4 — ►M2" / "Security of processing ◄"), joined back.
_SPLIT_INSERTION = re.compile(r"[ \t]*►[A-Z]{1,2}\d{0,3}[ \t]*\n(?:[ \t]*\n)*[ \t]*([^\n►▼◄]{1,120}?)[ \t]*◄")
_LEADING_MARKERS = re.compile(rf"^[ \t]*(?:(?:{_MARKER})[ \t]*)+", re.MULTILINE)
_MARKERS = re.compile(rf"[ \t]*(?:{_MARKER})")


def strip_consolidation_markers(text: str) -> str:
    """EUR-Lex consolidated texts mark amended runs: ▼B or ▼M2 before a block of the basic act or of amendment 2,
    ►M2 ... ◄ around an inserted run, ►C1 for a corrigendum. They are editorial, not the law's words, and leaked
    into headings ("Article 4 — ►M2"); they go, and a run split off its line is joined back."""
    text = _SPLIT_INSERTION.sub(lambda m: " " + m.group(1), text)
    return _MARKERS.sub("", _LEADING_MARKERS.sub("", text))


_GLUED_NUMBER = re.compile(r"^([ \t]*\(?\d{1,3}[a-z]?[.)])(?=[A-Z][a-z])", re.MULTILINE)


def space_paragraph_numbers(text: str) -> str:
    """A paragraph number glued to its first word ("4.All Members" in the UN Charter's source) gets its space back,
    so the text reads "4. All Members" and the word is a word to search."""
    return _GLUED_NUMBER.sub(r"\1 ", text)


_LETTER = r"[^\W\d_]"
_BROKEN_WORD = re.compile(rf"({_LETTER}+)-\n[ \t]*({_LETTER}+)")
_COMPOUND = re.compile(rf"{_LETTER}+(?:-{_LETTER}+)+")
_SOLID = re.compile(rf"{_LETTER}+")


def join_hyphenated_words(text: str) -> str:
    """Join a word split at a line end by a hyphen ("secu-\\nrity").

    The hyphen may belong to the word ("computer-\\ngenerated" in the Malabo PDF) or only to the line
    break; without a dictionary the document itself decides: the hyphen is dropped only when the solid
    word occurs elsewhere in it and the hyphenated one does not. A capitalised second half (a heading
    after "CHAPTER I-") is not a continuation and is left alone.
    """
    solid = Counter(w.lower() for w in _SOLID.findall(text))
    hyphenated = Counter(w.lower() for w in _COMPOUND.findall(text))

    def join(m: re.Match[str]) -> str:
        head, tail = m.groups()
        if not tail[0].islower():
            return m.group()
        word = head + tail
        if solid[word.lower()] and not hyphenated[f"{head}-{tail}".lower()]:
            return word
        return f"{head}-{tail}"

    return _BROKEN_WORD.sub(join, text)


_LATIN = r"[A-Za-zÀ-ÖØ-öø-ɏ]+"
_LATIN_WORD = re.compile(_LATIN)
_PIECE = re.compile(rf"{_LATIN}(?:-{_LATIN})*")  # "ec", "n-ma" (from "decisio n-ma ki ng")
_PUNCTUATION = re.compile(r"[,.;:!?]+")
_EDGE_PUNCTUATION = ",.;:!?\"'“”‘’"


def _words(line: str) -> list[str]:
    """Whole words of a line; "(a)" and "State(s)" are labels and inflection marks, not words."""
    return [w for t in line.split() if _LATIN_WORD.fullmatch(w := t.strip(_EDGE_PUNCTUATION))]


def _mean_piece_length(line: str) -> float:
    """Mean letters per token, for lines made mostly of letter groups (ordinary English: over 4); else inf."""
    tokens = line.split()
    pieces = [p for t in tokens if _PIECE.fullmatch(p := t.strip(_EDGE_PUNCTUATION))]
    if len(pieces) < 3 or len(pieces) < 0.6 * len(tokens):
        return math.inf
    return sum(c.isalpha() for p in pieces for c in p) / len(pieces)


WordCount = Callable[[str], int]


def _known_share(line: str, count: WordCount) -> float:
    """Share of the line's letters that sit in known words of two letters or more."""
    words = _LATIN_WORD.findall(line)
    known = sum(len(w) for w in words if len(w) > 1 and count(w.lower()) > 0)
    return known / max(1, sum(map(len, words)))


def _segment(run: str, count: WordCount, total: int) -> list[str]:
    """Split letters into the likeliest sequence of known words (unigram Viterbi)."""

    def cost(word: str) -> float:
        n = count(word.lower())
        return math.log(total / n) if n > 0 else 30.0 + len(word)

    best: list[tuple[float, int]] = [(0.0, 0)]
    for end in range(1, len(run) + 1):
        best.append(min((best[start][0] + cost(run[start:end]), start) for start in range(max(0, end - 30), end)))
    words, end = [], len(run)
    while end:
        start = best[end][1]
        words.append(run[start:end])
        end = start
    return words[::-1]


def _respace(line: str, count: WordCount, total: int) -> str:
    """Rejoin each run of letter groups and split it again into words; hyphens stay word-internal."""
    out: list[str] = []
    run: list[str] = []
    for token in line.split() + [""]:
        if _PIECE.fullmatch(token):
            run.append(token)
            continue
        if run:
            halves = "".join(run).split("-")
            out.append("-".join(" ".join(_segment(half, count, total)) for half in halves))
            run = []
        if out and _PUNCTUATION.fullmatch(token):
            out[-1] += token  # "Competence , tasks" was "Competence, tasks" before the spacing
        elif token:
            out.append(token)
    return line[: len(line) - len(line.lstrip())] + " ".join(out)


def repair_letter_spacing(text: str) -> str:
    """Re-space lines typeset letter by letter ("S ec ti on 3" → "Section 3", "Co nsist ency" → "Consistency").

    The document is its own dictionary: the words of its lines, leaving out lines so spaced (2.5
    letters a token or fewer) that their fragments would pass for words, and leaving out the line
    under repair so that its own fragments do not vouch for themselves. A line of short letter groups
    is rejoined and re-split into known words, and kept so only if most of its letters then fall in
    known words where few did before. So lines of short real words and "x x x x" placeholders stay,
    and other scripts are never touched.
    """
    lines = text.split("\n")
    lengths = [_mean_piece_length(line) for line in lines]
    candidates = [i for i, length in enumerate(lengths) if length <= 4]
    if not candidates:
        return text
    vocabulary = Counter(w.lower() for line, length in zip(lines, lengths) if length > 2.5 for w in _words(line))
    total = sum(vocabulary.values()) + 1
    for i in candidates:
        own = Counter(w.lower() for w in _words(lines[i])) if lengths[i] > 2.5 else Counter()

        def count(word: str) -> int:
            return vocabulary[word] - own[word]

        before = _known_share(lines[i], count)
        if before >= 0.5:
            continue
        repaired = _respace(lines[i], count, total)
        if _known_share(repaired, count) >= 0.8:
            lines[i] = repaired
    return "\n".join(lines)


_DIGITS = re.compile(r"\d+")
_PAGE_LABEL = re.compile(r"[-–—]*(?:page|p\.)?[|:.]?(\d+)(?:(?:/|of)\d+)?[-–—]*", re.IGNORECASE)


def _letters(line: str) -> int:
    return sum(c.isalpha() for c in line)


def _edge_labels(pages: list[list[str]]) -> set[tuple[int, int]]:
    """(page index, line index) of page labels ("12", "- 12 -", "Page | 12") opening or closing a page.

    A label counts when at least three pages carry one with the same distance to the page index,
    as a running page number does.
    """
    found = []
    for index, lines in enumerate(pages):
        filled = [i for i, line in enumerate(lines) if line.strip()]
        for i in set(filled[:1] + filled[-1:]):
            if m := _PAGE_LABEL.fullmatch("".join(lines[i].split())):
                found.append((index, i, int(m.group(1)) - index))
    steps = Counter(step for _, _, step in found)
    return {(index, i) for index, i, step in found if steps[step] >= 3}


def strip_running_lines(pages: list[str], min_share: float = 0.4) -> list[str]:
    """Drop running headers and footers: lines that recur on many pages, and page numbers.

    A line recurs either word for word (with at least three letters, so that a bare "1." paragraph
    number never counts) or with a number that moves in step with the page ("31/81" on page 31,
    "P a g e | 1" on page 3); "Article 4", "Article 5", ... do not move in step and stay.
    ``min_share`` is 0.4 and not 0.5 because Official Journal headers alternate between odd and even
    pages. A page label on the first or last line of a page goes too, even where the running header
    around it changed. With fewer than four pages there is nothing to compare and nothing is dropped.
    """
    if len(pages) < 4:
        return pages
    threshold = max(3, min_share * len(pages))
    page_lines = [page.split("\n") for page in pages]
    flat = [{" ".join(line.split()) for line in lines} for lines in page_lines]
    exact = Counter(line for page in flat for line in page if _letters(line) >= 3)
    in_step = Counter(
        (_DIGITS.sub("#", line), position, int(number) - index)
        for index, page in enumerate(flat)
        for line in page
        for position, number in enumerate(_DIGITS.findall(line))
    )
    running = {line for line, count in exact.items() if count >= threshold}
    running_numbered = {key for (key, _, _), count in in_step.items() if count >= threshold}
    labels = _edge_labels(page_lines)

    def keep(index: int, i: int, line: str) -> bool:
        flat_line = " ".join(line.split())
        return (
            flat_line not in running
            and _DIGITS.sub("#", flat_line) not in running_numbered
            and (index, i) not in labels
        )

    return [
        "\n".join(line for i, line in enumerate(lines) if keep(index, i, line))
        for index, lines in enumerate(page_lines)
    ]
