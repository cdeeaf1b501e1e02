"""Defined terms: found in definition articles and sections, looked up by term, and linked from other text.

Definitions are read block by block. A definition that opens its block (``b) "computer data" means``)
gets the block's id (``budapest-convention/art-1/b``); one that starts inside a block belongs to the
subdivision the block's definitions share: in Kenya s. 2 every definition follows the previous one's
last point (``...; (d) uses it ...; "asset" includes ...``), so "asset" is ``.../s-2``, not ``.../s-2/d``.
A definition's text runs to the start of the next one, within the blocks under its subdivision.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from cyberlex.corpus.model import Block, Provision


@dataclass(frozen=True)
class Definition:
    term: str  # as printed, without its quotes: "computer system"
    provision_id: str  # the most specific id: "budapest-convention/art-1/a"
    instrument_id: str
    text: str  # the definition itself, from the term to the next definition
    normalized: str  # lowercase, quotes stripped, spaces collapsed: for lookup


_LABEL = re.compile(r"^\s*\[?(?:\(\s*[\w.]{1,6}\s*\)|[\w]{1,5}[.)])?\s*(?:—\s*)?")
_OPEN, _CLOSE = r"(?:``|[“\"‘'«])", r"(?:''|[”\"’'»])"
_QUOTED_TERM = rf"{_OPEN}\s*([^”\"’'»“‘`\n]{{1,80}}?)\s*{_CLOSE}"
_VERB = (r"(?:(?<!by )means|mean|shall\s+(?:mean|include)|includes?|ha(?:s|ve)\s+the\s+(?:same\s+)?meaning"
         r"|refers?\s+to|is\s+defined|หมายความว่า|หมายความรวมถึง)")
# One or more quoted terms ("computer output" or "output"; "ratification", "acceptance" and "accession") where a
# definition can start: at the start of a block, or after ";", ":" or a dash, optionally after "the term".
# A definition can start inside a block after its own inline label: "...; (xxvb) “prescribed” means ...".
_QUOTED = re.compile(
    rf"(?:^|(?<=[;:—–])|(?<=[;:—–]\s)|(?<=\s-\s)|(?<=requires\s)|(?<=,\s)(?=(?i:the\s+terms?\s)))"
    rf"\]?\s*(?:\[?\(\w{{1,8}}\)\s*)?(?i:the\s+terms?\s+)?"
    rf"(?P<terms>{_QUOTED_TERM}(?:\s*(?:,|\bor\b|\band\b)\s*{_QUOTED_TERM})*)"
    rf"(?P<tail>[^“”\"‘’`;:.\n]{{0,60}}?\s*\b{_VERB}|\s*$)"
)
_TERM_IN = re.compile(_QUOTED_TERM)
# Unquoted terms: "(a) Access refers to ..." in a definitions section, one a block; or run on, each after a ";",
# a ":" or a sentence's end ("For the purposes of this Convention: AU means the African Union; Child pornography
# means ...", the Malabo Convention's style, whose definitions the PDF text joins into few blocks); "In this section,
# computer data means ...; ( données informatiques ) computer password means ..." (Canadian style, the French term
# in brackets).
_HEADED = re.compile(r"(?:^|(?<=[;:.]\s)|(?<=[;:]))\s*(?!(?:It|This|That|These|Those|Such|Which|Each|Any|Where)\b)"
                     r"(?P<term>[A-Z][\w’'-]*(?:\s+[\w’'-]+){0,5}?)\s+(?:means|refers\s+to|includes|shall\s+mean)\b")
_BRACKETED = re.compile(r"(?:\bIn\s+this\s+(?:section|Act|Part|Code),\s+|\(\s[^()]{1,60}\s\)\s+)"
                        r"(?P<term>[a-z][\w-]*(?:\s+[\w-]+){0,5}?)\s+(?:means|includes)\b")
_JAPANESE = re.compile(r"「(?P<term>[^」]{1,40})」とは")
_ARABIC_LEAD = re.compile(r"يقصد\s+ب")
_ARABIC = re.compile(r"(?:^|(?<=\s)|(?<=:))-\s*(?P<term>[^:\-–\n]{2,40}?)\s*:")
_DEFINITIONS_HEADING = re.compile(r"(?i)\bdefinitions?\b|^\s*(?:interpretation|use\s+of\s+terms|terms\s+used)\b")


def extract_definitions(provisions: list[Provision]) -> list[Definition]:
    """Every defined term of the given provisions, in text order."""
    return [d for provision in provisions for d in _definitions(provision)]


def lookup(definitions: Iterable[Definition], term: str) -> list[Definition]:
    """The definitions of ``term`` in every instrument: case, quotes, plural and hyphens do not matter."""
    wanted = term_key(term)
    return [d for d in definitions if term_key(d.term) == wanted]


def term_key(term: str) -> str:
    """The form two spellings of a term share: "Computer-Systems" and "computer system" → "computer system"."""
    words = re.sub(r"[``“”\"‘’'«»]", "", term).casefold().replace("–", "-").replace("-", " ").split()
    return " ".join(_singular(w) for w in words)


def covers(key: str, other: str) -> bool:
    """Whether the definition of the term keyed ``other`` answers a question about the term keyed ``key``: the
    asked term inside the defined one ("breach": "personal data breach"), or the defined one inside the asked
    one if it is a term of several words ("ransomware attack") or the asked one's head ("significant incident":
    "incident"); not a one-word modifier ("data" of "data protection impact assessment", which the laws that
    define "data" do not answer)."""
    if f" {key} " in f" {other} ":
        return True
    return f" {other} " in f" {key} " and (" " in other or f" {key}".endswith(f" {other}"))


def term_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int, str]]:
    """Where the terms occur in ``text``: whole words, any case, longest match first, no overlaps.

    Each span carries the term as given in ``terms`` (plural and hyphenated forms map back to it).
    """
    pattern, by_key = _terms_pattern(tuple(sorted(set(terms))))
    if pattern is None:
        return []
    return [(m.start(), m.end(), by_key[term_key(m.group())]) for m in pattern.finditer(text)
            if term_key(m.group()) in by_key]


def _definitions(provision: Provision) -> list[Definition]:
    headed = bool(_DEFINITIONS_HEADING.search(provision.heading))
    arabic = bool(_ARABIC_LEAD.search(provision.text))
    found: list[tuple[int, int, tuple[str, ...], tuple[str, ...]]] = []  # (block, start, sub, terms)
    for n, block in enumerate(provision.blocks):
        body_start = _LABEL.match(block.text).end()
        for start, terms in _terms_in_block(block.text, body_start, headed, arabic):
            opens_block = not block.text[body_start:start].strip()
            previous = found[-1][2] if found else None
            shares = previous is not None and block.sub[: len(previous)] == previous
            sub = block.sub if opens_block or not shares else previous
            found.append((n, start, sub, terms))
    definitions = []
    for i, (n, start, sub, terms) in enumerate(found):
        end = found[i + 1][:2] if i + 1 < len(found) else None
        text = _text(provision.blocks, n, start, sub, end)
        provision_id = "/".join((provision.id, *sub))
        definitions += [Definition(t, provision_id, provision.instrument_id, text, _normalize(t)) for t in terms]
    return definitions


def _terms_in_block(text: str, body_start: int, headed: bool, arabic: bool) -> list[tuple[int, tuple[str, ...]]]:
    """(start offset, terms) of each definition that begins in one block's text."""
    body = text[body_start:]
    hits = [(m.start(), tuple(t.group(1) for t in _TERM_IN.finditer(m.group("terms")))) for m in _QUOTED.finditer(body)]
    hits += [(m.start(), (m.group("term"),)) for m in _JAPANESE.finditer(body)]
    hits += [(m.start("term"), (m.group("term"),)) for m in _BRACKETED.finditer(body)]
    if headed and not hits:
        hits += [(m.start("term"), (m.group("term"),)) for m in _HEADED.finditer(body)]
    if arabic:
        hits += [(m.start(), (m.group("term"),)) for m in _ARABIC.finditer(body)]
    return sorted((start + body_start, tuple(t.strip() for t in terms)) for start, terms in hits)


def _text(blocks: tuple[Block, ...], n: int, start: int, sub: tuple[str, ...], end: tuple[int, int] | None) -> str:
    """From the definition's start, through the blocks under its subdivision, up to where the next one starts."""
    parts = [blocks[n].text[start:]]
    if end and end[0] == n:
        return blocks[n].text[start:end[1]].strip(" ;\n")
    for k in range(n + 1, len(blocks)):
        if blocks[k].sub[: len(sub)] != sub or len(blocks[k].sub) < len(sub):
            break
        if end and end[0] == k:
            parts.append(blocks[k].text[: end[1]])
            break
        parts.append(blocks[k].text)
    return "\n".join(p for p in parts if p.strip()).strip(" ;\n")


def _normalize(term: str) -> str:
    return " ".join(re.sub(r"[``“”\"‘’'«»]", "", term).casefold().split())


def _singular(word: str) -> str:
    if len(word) <= 3 or word.endswith(("ss", "us", "is", "ics")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


@lru_cache(maxsize=64)
def _terms_pattern(terms: tuple[str, ...]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    by_key: dict[str, str] = {}
    for term in terms:
        if term_key(term):
            by_key.setdefault(term_key(term), term)
    if not by_key:
        return None, by_key
    alternatives = sorted({_surface(key) for key in by_key}, key=len, reverse=True)
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)", re.IGNORECASE), by_key


def _surface(key: str) -> str:
    """A pattern for every printed form of a term key: plural endings, hyphens or spaces between words."""
    words = []
    for word in key.split():
        if word.endswith("y") and len(word) > 3:
            words.append(re.escape(word[:-1]) + "(?:y|ies)")
        elif word.endswith(("s", "x", "ch", "sh")):
            words.append(re.escape(word) + "(?:es)?")
        else:
            words.append(re.escape(word) + "s?")
    return r"[\s\-–]+".join(words)
