"""Provisions → Passages: what is embedded and returned, cut only where the text itself is divided.

A provision that fits ``max_chars`` (text and heading) is one passage, unless its instrument cites
subdivisions on their own (``citable_depth``: a US Code section's subsections), which then always get
passages of their own. A longer one is cut between its top-level subdivisions; one that is still too long
is cut between its own children, and so on down; only a single block longer than ``max_chars`` is cut,
between sentences, and a sentence longer than that between words (or anywhere, in a run without spaces),
so that no passage is longer than ``max_chars``: the model reads about 256 tokens. Every top-level
subdivision gets a passage of its own, so that a pinpoint (``art-29/3``, ``s-1030/g``) can be returned;
below that level, short points (under a quarter of ``max_chars``) fill passages up to ``max_chars``, so
that a list of one-line points does not become a list of one-line passages. A short lead-in ("(a)
Whoever—", "For the purposes of this Regulation:") is read with its first child when both fit, and the
passage keeps the child's id, since the lead-in is part of what that child says. Otherwise a passage
carries the most specific id that covers all of it: a pack of points under paragraph 2 is ``…/art-23/2``.
A passage cut inside a block keeps the offsets of its whole block (the block's text is the source's,
re-spaced, so positions inside it are not positions in the source).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace

from cyberlex.corpus.model import Block, Instrument, Part, Passage, Provision, ProvisionId
from cyberlex.corpus.citations import cite, printed_pinpoint, unit_label
from cyberlex.ingest.definitions import Definition, extract_definitions, term_key
from cyberlex.ingest.deontic import tag_passage
from cyberlex.ingest.structure import DEFINITION_START

UNIT_KINDS = {"art": "article", "s": "section", "rule": "rule", "recital": "recital", "annex": "annex",
              "para": "paragraph", "part": "part", "preamble": "preamble"}
SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+(?=\S)|(?<=。)(?=\S)")
ABBREVIATION = re.compile(r"\b(?:No|Nos|Art|Arts|para|paras|p|pp|e\.g|i\.e|cf|Mr|Mrs|Dr|St|Co|Ltd|Inc|vs|v|U\.S|U\.N|"
                          r"Cap|s|ss|sec|Vol|ch|[A-Z])\.$")  # "No. R (85) 10", "Art. 5", "J. A. Smith"


@dataclass(frozen=True)
class _Slice:
    """Consecutive blocks of one provision, or part of one block's text (``text`` set)."""

    blocks: tuple[Block, ...]
    text: str = ""
    about: tuple[str, ...] | None = None  # the subdivision it is about, when a lead-in rides along

    @property
    def body(self) -> str:
        return self.text or "\n".join(b.text for b in self.blocks)

    @property
    def sub(self) -> tuple[str, ...]:
        """The subdivision it is about; by default the longest path shared by all its blocks."""
        if self.about is not None:
            return self.about
        return tuple(os.path.commonprefix([b.sub for b in self.blocks]))

    def after(self, lead: list[Block]) -> _Slice:
        """This slice read after a lead-in, still about its own subdivision."""
        text = "\n".join([*(b.text for b in lead), self.text]) if self.text else ""
        return _Slice((*lead, *self.blocks), text, self.sub)


def to_passages(provisions: list[Provision], instrument: Instrument, max_chars: int = 1200) -> list[Passage]:
    """The passages of one instrument's provisions, in text order."""
    facts = {
        "title": instrument.title, "short_title": instrument.short_title, "kind": instrument.kind,
        "jurisdiction": instrument.jurisdiction, "language": instrument.language,
        "binding": instrument.binding, "unit": instrument.unit, "text_as_of": instrument.text_as_of,
    }
    out: list[Passage] = []
    for provision in provisions:
        if not provision.blocks:
            continue
        cited_apart = instrument.citable_depth > 0 and any(b.sub for b in provision.blocks)
        if len(provision.heading) + 1 + len(provision.text) <= max_chars and not cited_apart:
            slices = [_Slice(provision.blocks)]
        else:
            slices = list(_split(list(provision.blocks), 0, max_chars))
        metadata = {**facts, "unit_kind": UNIT_KINDS[ProvisionId(instrument.id, provision.unit).kind]}
        definitions = extract_definitions([provision])
        for n, piece in enumerate(slices):
            passage = _tagged(_passage(provision, instrument, piece, n, metadata))
            out.append(_stated(_with_defined_terms(passage, definitions), instrument))
    return out


def _stated(passage: Passage, instrument: Instrument) -> Passage:
    """The passage with its provision's own status (``status_entry``, from the catalogue), else its instrument's, as
    ``status``: the value the status filter matches. Read on the day of the ingest: a provision not yet applicable
    becomes its instrument's status when an ingest runs after its date."""
    entry = instrument.status_of(passage.provision_id)
    facts = {**passage.metadata, "status": entry.status if entry else instrument.status,
             "instrument_status": instrument.status}
    if entry:
        facts["status_entry"] = {**asdict(entry), "date": entry.date.isoformat()}
    return replace(passage, metadata=facts)


def _tagged(passage: Passage) -> Passage:
    """The passage with its deontic force and addressees in its metadata, for search filters and badges."""
    tags = tag_passage(passage)
    tagged = {**passage.metadata, "force": list(tags.force), "addressees": list(tags.addressees)}
    return replace(passage, metadata=tagged)


def _with_defined_terms(passage: Passage, definitions: list[Definition]) -> Passage:
    """The passage with the keys of the terms whose definitions begin in it (``defines``): a long definitions
    section is cut into many passages, and a question asking what a term means wants the one that defines it, not
    a neighbour that uses the term more often."""
    keys = sorted({term_key(d.term) for d in definitions if d.text[:80] in passage.text})
    return replace(passage, metadata={**passage.metadata, "defines": keys})


def _split(blocks: list[Block], depth: int, max_chars: int) -> Iterator[_Slice]:
    """Slices of ``blocks`` (all under one path of length ``depth``), cut between subdivisions at ``depth``."""
    groups = list(_groups(blocks, depth))
    lead: list[Block] = []
    if len(groups) > 1 and _key(groups[0][0], depth) is None and _size(groups[0]) < max_chars // 4:
        lead = groups.pop(0)
    pack: list[Block] = []
    for group in groups:
        size = _size(group)
        if lead and size + 1 + _size(lead) <= max_chars:
            group, lead = [*lead, *group], []
            size = _size(group)
        elif lead and size <= max_chars:
            yield _Slice(tuple(lead))  # no room beside its first child: the lead-in stands alone
            lead = []
        if size > max_chars:
            if pack:
                yield _Slice(tuple(pack))
                pack = []
            pieces = _sentences(group[0], max_chars) if len(group) == 1 else _split(group, depth + 1, max_chars)
            for piece in pieces:
                if lead and len(piece.body) + 1 + _size(lead) > max_chars:
                    yield _Slice(tuple(lead))
                elif lead:
                    piece = piece.after(lead)
                yield piece
                lead = []
            continue
        if pack and (depth == 0 or size >= max_chars // 4 or _size(pack) + 1 + size > max_chars):
            yield _Slice(tuple(pack))
            pack = []
        if depth == 0 or size >= max_chars // 4:
            yield _Slice(tuple(group), about=_common(group, lead_of=depth))
        else:
            pack.extend(group)
    if pack:
        yield _Slice(tuple(pack))


def _common(blocks: list[Block], lead_of: int) -> tuple[str, ...]:
    """The subdivision a run of blocks is about, ignoring a lead-in of the level above ``lead_of``."""
    inner = [b.sub for b in blocks if len(b.sub) > lead_of] or [b.sub for b in blocks]
    return tuple(os.path.commonprefix(inner))


def _groups(blocks: list[Block], depth: int) -> Iterator[list[Block]]:
    """Runs of blocks under the same subdivision at ``depth``; the lead-in (blocks above it) runs alone."""
    run: list[Block] = []
    for block in blocks:
        key = _key(block, depth)
        if run and (key is None or key != _key(run[-1], depth)):
            yield run
            run = []
        run.append(block)
    if run:
        yield run


def _key(block: Block, depth: int) -> str | None:
    return block.sub[depth] if len(block.sub) > depth else None


def _size(blocks: list[Block]) -> int:
    return sum(len(b.text) for b in blocks) + len(blocks) - 1


def _sentences(block: Block, max_chars: int) -> Iterator[_Slice]:
    """A block too long for one passage, cut between sentences; a sentence still too long, between words."""
    start = 0
    for end in [*_sentence_ends(block.text, max_chars), len(block.text)]:
        for piece in _hard_cut(block.text[start:end].strip(), max_chars):
            yield _Slice((block,), piece)
        start = end


def _sentence_ends(text: str, max_chars: int) -> Iterator[int]:
    """Where to cut ``text`` so that pieces stay within ``max_chars`` where sentence ends allow it."""
    start = last = 0
    for m in SENTENCE_END.finditer(text):
        if ABBREVIATION.search(text[max(0, m.start() - 6):m.start()]):
            continue
        if m.start() - start > max_chars and last > start:
            yield last
            start = last
        last = m.end()
    if len(text) - start > max_chars and last > start:
        yield last


def _hard_cut(text: str, max_chars: int) -> Iterator[str]:
    """``text`` in pieces of at most ``max_chars``, cut at the last space that fits, else at the limit."""
    start = 0
    while len(text) - start > max_chars:
        space = text.rfind(" ", start + 1, start + max_chars + 1)
        end = space if space > 0 else start + max_chars
        yield text[start:end]
        start = end + 1 if space > 0 else end
    if start < len(text):
        yield text[start:]


def _passage(provision: Provision, instrument: Instrument, piece: _Slice, chunk: int, metadata: dict) -> Passage:
    sub = piece.sub
    first, last = piece.blocks[0], piece.blocks[-1]
    provision_id = ProvisionId(instrument.id, provision.unit, sub)
    label, citation = _cited(provision, instrument, sub)
    terms = [m["term"] for b in piece.blocks if b.sub == sub and (m := DEFINITION_START.match(b.text))]
    if len(terms) == 1 and not piece.text and DEFINITION_START.match(last.text):  # one definition (and its lead-in)
        label, citation = _defining(label, citation, terms[0])
    return Passage(
        provision_id=str(provision_id), unit_id=provision.id, chunk=chunk,
        group_id=str(provision_id.at_depth(instrument.citable_depth)),
        instrument_id=instrument.id, label=label, heading=provision.heading, path=provision.path, citation=citation,
        text=piece.body, start=first.start, end=last.end, page=first.page, parts=_parts(piece, provision, instrument),
        metadata=dict(metadata),
    )


def _cited(provision: Provision, instrument: Instrument, sub: tuple[str, ...]) -> tuple[str, str]:
    """Label and citation of a subdivision, its pinpoint as printed: "(2)(d)" in § 2511, "(a)(2)(C)" in § 1030."""
    pinpoint = printed_pinpoint(sub, provision.blocks)
    return unit_label(provision.unit, (), instrument) + pinpoint, cite(instrument, provision.unit) + pinpoint


def _parts(piece: _Slice, provision: Provision, instrument: Instrument) -> tuple[Part, ...]:
    """The subdivisions below the passage's own that it holds whole, each block one (a lead-in is not one), and
    the definitions of an unnumbered list, each cited by its term ("s. 2 (definition of “access”)"); none when
    there are fewer than two, or the passage is a piece of one block."""
    if piece.text:
        return ()
    parts: dict[tuple[str, ...], Part] = {}
    offset, previous = 0, None
    for block in piece.blocks:
        end = offset + len(block.text)
        defined = DEFINITION_START.match(block.text) if block.sub == piece.sub else None
        key = (*block.sub, f"“{defined['term']}”") if defined else block.sub
        if key == previous and key in parts:  # a subdivision's text in several blocks in a row
            parts[key] = parts[key]._replace(text_end=end, end=block.end)
        elif (defined or len(block.sub) > len(piece.sub)) and key not in parts:
            label, citation = _cited(provision, instrument, block.sub)
            if defined:
                label, citation = _defining(label, citation, defined["term"])
            parts[key] = Part(str(ProvisionId(instrument.id, provision.unit, block.sub)), label, citation, offset,
                              end, block.start, block.end, block.page)
        offset, previous = end + 1, key
    return tuple(parts.values()) if len(parts) > 1 else ()


def _defining(label: str, citation: str, term: str) -> tuple[str, str]:
    """How a definition of an unnumbered list is cited: by its term, after the provision that holds the list."""
    return f"{label} (“{term}”)", f"{citation} (definition of “{term}”)"
