"""Provisions read back from the store: a unit's passages, a subdivision's exact text and citation, its neighbours.

A provision exists only where the text has it: the reader never makes up a paragraph, and a pinpoint below
what the text prints is answered with the deepest level it does print and what is missing.

The store keeps passages, not the subdivision tree ingest found, so the reader finds the tree again by running
the ingest's own segmenter over the unit's text, read back from its passages in order (one line per block): the
same numbering rules give the same ids. Where a line read so contradicts the id of the passage that holds it
(the source's own line breaks, which a block no longer has, placed it: a numbered heading line), or the unit
does not read back at all (recitals, hand-written passages), the passage's id is what the line is vouched for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from cyberlex.corpus.catalog import UNITS
from cyberlex.corpus.citations import printed_pinpoint
from cyberlex.corpus.errors import UnknownProvision
from cyberlex.corpus.model import Instrument, Passage, ProvisionId
from cyberlex.index.documents import to_passage
from cyberlex.index.store import Store, Where
from cyberlex.ingest.passages import UNIT_KINDS
from cyberlex.ingest.segment import MAIN_KINDS, segment
from cyberlex.ingest.structure import number_key

_HEADINGS = {"art": "Article", "s": "Section", "rule": "Rule", "part": "Part"}


@dataclass(frozen=True)
class ProvisionView:
    provision_id: str
    unit_id: str
    instrument_id: str
    label: str
    heading: str
    path: tuple[str, ...]
    citation: str
    text: str
    passages: tuple[Passage, ...]
    previous_id: str | None
    next_id: str | None

    def as_passage(self) -> Passage:
        """The provision as one passage: what a citation look-up returns as its hit."""
        first = self.passages[0]
        return replace(first, provision_id=self.provision_id, label=self.label, citation=self.citation,
                       text=self.text, end=max(p.end for p in self.passages))


class ProvisionReader:
    """Reads provisions (whole units or their subdivisions) back from the store's passages."""

    def __init__(self, store: Store):
        self.store = store

    def view(self, provision_id: str) -> ProvisionView:
        """Exactly that provision, with its neighbours; UnknownProvision naming the nearest one that exists."""
        asked = _parse(provision_id)
        found = self.deepest(str(asked))
        if found.provision_id != str(asked):
            raise UnknownProvision(provision_id, absent(asked, found.provision_id), found.provision_id)
        previous_id, next_id = self._neighbours(found.passages[0])
        return replace(found, previous_id=previous_id, next_id=next_id)

    def deepest(self, provision_id: str) -> ProvisionView:
        """The provision, or the deepest level above it that the text has (compare the ids to tell), without
        neighbours; UnknownProvision when not even its unit is indexed."""
        asked = _parse(provision_id)
        passages = self._passages({"unit_id": [asked.unit_id]})
        if not passages:
            nearest = self._nearest_unit(asked)
            raise UnknownProvision(provision_id, self._absent_unit(asked, nearest), nearest or "")
        unit = _Unit(passages)
        return unit.view(asked.at_depth(unit.depth_of(asked.sub)))

    def holding(self, unit_id: str, sentence: str) -> ProvisionView:
        """The deepest subdivision of the unit whose text holds ``sentence`` (the unit itself when no one line
        does), without neighbours: a passage can hold several points, a sentence lies in one."""
        passages = self._passages({"unit_id": [unit_id]})
        if not passages:
            raise UnknownProvision(unit_id, f"{unit_id} is not indexed", "")
        unit = _Unit(passages)
        wanted = " ".join(sentence.split())
        line = next((line for line in unit.lines if wanted and wanted in " ".join(line.text.split())), None)
        return unit.view(_parse(unit_id) if line is None else replace(_parse(unit_id), sub=line.sub))

    def _passages(self, where: Where) -> list[Passage]:
        return sorted((to_passage(p) for _, p in self.store.scroll(where)), key=lambda p: p.chunk)

    def _nearest_unit(self, asked: ProvisionId) -> str | None:
        """The indexed unit of the same kind whose number is closest (the last one, past the end)."""
        units = [_parse(u) for u in self.store.facet("unit_id", {"instrument_id": [asked.instrument]})]
        same = sorted((u for u in units if u.kind == asked.kind), key=lambda u: number_key(_number(u)))
        if not same:
            return min(map(str, units), default=None)
        wanted = number_key(_number(asked))[0]
        return str(min(same, key=lambda u: abs(number_key(_number(u))[0] - wanted)))

    def _absent_unit(self, asked: ProvisionId, nearest: str | None) -> str:
        if nearest is None:
            return f"no instrument {asked.instrument!r} is indexed"
        shown = self._passages({"unit_id": [nearest]})[0]
        name, label = shown.metadata.get("short_title") or asked.instrument, _unit_part(shown, shown.label)
        near = _parse(nearest)
        if near.kind != asked.kind:
            return f"{name} has no {UNIT_KINDS[asked.kind]}s; its units are cited like {label} ({nearest})"
        missing = _relabel(label, _number(near), _number(asked))
        last = number_key(_number(asked)) > number_key(_number(near))
        where = f"its last {UNIT_KINDS[asked.kind]} is" if last else "the nearest is"
        return f"{name} has no {missing}; {where} {label} ({nearest})"

    def _neighbours(self, unit: Passage) -> tuple[str | None, str | None]:
        """The units before and after, by where they start in the instrument's text."""
        starts: dict[str, int] = {}
        for _, p in self.store.scroll({"instrument_id": [unit.instrument_id]}, ["unit_id", "start"]):
            starts[p["unit_id"]] = min(p["start"], starts.get(p["unit_id"], p["start"]))
        order = sorted(starts, key=lambda u: (starts[u], u))
        at = order.index(unit.unit_id)
        return (order[at - 1] if at > 0 else None), (order[at + 1] if at + 1 < len(order) else None)


def unit_id_of(provision_id: str) -> str:
    return ProvisionId.parse(provision_id).unit_id


def absent(asked: ProvisionId, found: str) -> str:
    """What a pinpoint asks beyond the deepest level the text has: "budapest-convention/art-29/3 exists; it has
    no (3)(3)"."""
    missing = asked.sub[len(_parse(found).sub):]
    return f"{found} exists; it has no {''.join(f'({s})' for s in missing)}"


@dataclass(frozen=True)
class _Line:
    """One block of a unit's text, the subdivision it belongs to, and the passages it was read from."""

    sub: tuple[str, ...]
    text: str
    passages: tuple[int, ...]


class _Unit:
    """A unit's passages and the subdivision of each line of its text."""

    def __init__(self, passages: Sequence[Passage]):
        self.passages = tuple(passages)
        lines = _lines(self.passages)
        own = [_parse(p.provision_id).sub for p in self.passages]
        first = self.passages[0]
        read = _segmented(tuple(text for text, _ in lines), first.unit_id, first.metadata.get("language", "en"),
                          _main_unit(first, _parse(first.unit_id).kind))
        self.lines = tuple(_Line(_vouched(sub, own[held[-1]]), text, held)
                           for sub, (text, held) in zip(read or [own[held[-1]] for _, held in lines], lines))

    def depth_of(self, sub: tuple[str, ...]) -> int:
        """How many levels of ``sub`` the text has."""
        return max(d for d in range(len(sub) + 1) if any(line.sub[:d] == sub[:d] for line in self.lines))

    def view(self, provision: ProvisionId) -> ProvisionView:
        sub = provision.sub
        lines = [line for line in self.lines if line.sub[:len(sub)] == sub]
        held = sorted({i for line in lines for i in line.passages})
        unit = self.passages[0]
        printed = printed_pinpoint(sub, self.lines)
        return ProvisionView(
            provision_id=str(provision),
            unit_id=unit.unit_id,
            instrument_id=unit.instrument_id,
            label=_unit_part(unit, unit.label) + printed,
            heading=unit.heading,
            path=unit.path,
            citation=_unit_part(unit, unit.citation) + printed,
            text="\n".join(line.text for line in lines),
            passages=tuple(self.passages[i] for i in held),
            previous_id=None,
            next_id=None,
        )

def _vouched(read: tuple[str, ...], own: tuple[str, ...]) -> tuple[str, ...]:
    """A line's subdivision as read, where it lies on the path of its passage's id (under it, or a lead-in above
    it); else the passage's id."""
    return read if read[:len(own)] == own or own[:len(read)] == read else own


def _parse(provision_id: str) -> ProvisionId:
    """Ids are lowercase; a typed "…/a/2/C" means "…/a/2/c"."""
    parsed = ProvisionId.parse(provision_id)
    return replace(parsed, sub=tuple(s.lower() for s in parsed.sub))


def _number(provision: ProvisionId) -> str:
    return provision.unit.partition("-")[2]


def _relabel(label: str, number: str, other: str) -> str:
    """A unit's label with another number: "Art. 99" → "Art. 100", "s. 46A" → "s. 47B"."""
    if not label.lower().endswith(number):
        return other
    printed = label[len(label) - len(number):]
    return label[: len(label) - len(number)] + (other.upper() if printed != number else other)


def _lines(passages: Sequence[Passage]) -> list[tuple[str, tuple[int, ...]]]:
    """The unit's blocks in order, each with the passages that hold it. A passage cut between the sentences of
    one block starts before the previous one ends (both keep the whole block's offsets): it goes on that block."""
    lines: list[tuple[str, tuple[int, ...]]] = []
    for n, passage in enumerate(passages):
        texts = passage.text.split("\n")
        if lines and passage.start < passages[n - 1].end:
            text, held = lines.pop()
            lines.append((f"{text} {texts.pop(0)}", (*held, n)))
        lines.extend((text, (n,)) for text in texts)
    return lines


@lru_cache(maxsize=128)
def _segmented(lines: tuple[str, ...], unit_id: str, language: str, main: str) -> tuple[tuple[str, ...], ...] | None:
    """Each line's subdivision as the ingest's segmenter reads the unit's text; None when it does not read it
    back as one unit of that kind with one block per line (recitals, a preamble, unnumbered paragraphs: their
    passages' ids are all they have). Cached: a long US Code section takes tens of milliseconds."""
    provision = _parse(unit_id)
    instrument = Instrument(id=provision.instrument, title="", short_title="", kind="document", jurisdiction="",
                            language=language, adopted=None, binding=False, status="not-applicable",
                            official_url="", citation="", unit=main)
    body = "\n\n".join(lines) + "\n"
    heading = _heading(provision.kind, _number(provision), main)
    if heading is None:
        return None
    found = segment(f"{heading}\n\n{body}", instrument)
    if not (found and _parse(found[-1].id).kind == provision.kind):
        alone = segment(body, instrument)  # its first line may be its heading ("มาตรา ๕ …", "3.—(1)")
        found = alone if len(alone) == 1 and alone[0].unit == provision.unit else []
    blocks = found[-1].blocks if found else ()
    return tuple(b.sub for b in blocks) if len(blocks) == len(lines) else None


def _heading(kind: str, number: str, main: str) -> str | None:
    """A Markdown heading that opens the unit, with a stand-in title so that its first line stays text."""
    if kind == "annex":  # an annex opens only once the body has begun
        body = _heading(MAIN_KINDS[main][0], "1", main)
        return f"{body}\n\nx\n\n## ANNEX {number.upper()} — T" if body else None
    if kind == "art" and re.fullmatch(r"\d+-\d+", number):  # a branch article, 第30条の2
        return "## 第{}の{}条（T）".format(*number.split("-"))
    if kind not in _HEADINGS:
        return None
    number = re.sub(r"(?<=\d)-\d+$", "", number)  # the second § 398 of a chapter is s-398-2
    return f"## {_HEADINGS[kind]} {number.upper() if kind == 'part' else number} — T"


def _main_unit(unit: Passage, kind: str) -> str:
    """The instrument's main unit (article, section, ...), which decides the headings the segmenter looks for."""
    return unit.metadata.get("unit") or (UNIT_KINDS[kind] if UNIT_KINDS[kind] in UNITS else "article")


def _unit_part(passage: Passage, text: str) -> str:
    """A passage's label or citation cut back to its unit's ("Art. 29(1)" → "Art. 29")."""
    return cut_pinpoint(text, _parse(passage.provision_id).depth)


def cut_pinpoint(text: str, levels: int) -> str:
    """A label or citation without its last ``levels`` pinpoint parts ("§ 1030(a)(2)", 1 → "§ 1030(a)")."""
    return re.sub(r"(\([0-9a-z]+\)){%d}$" % levels, "", text, flags=re.IGNORECASE) if levels else text
