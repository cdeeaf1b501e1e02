"""The legal side-index: definitions, cross-references, deontic tags and related provisions, built at the
end of an ingest and saved beside the store as one JSON file (``legal.json``) that the API loads.

What each instrument contributes is kept per instrument, so a run that ingests some files keeps what
earlier runs found in the others: its units (label, heading, citation, tags), its definitions, its
outgoing references, and the ids its provisions produce (references ingested later resolve into them).
What spans instruments is recomputed on every build: related provisions here, incoming references
when the file is loaded.

Related provisions: for each unit that states rules (not a recital, preamble or annex), the most similar
units of other instruments, by two signals added as z-scores within the source's row, so that neither
wins by its scale alone: dense (the mean of the unit's passage embeddings, which the embedding cache
already holds, plus the embedding of its heading) and lexical (TF-IDF cosine over the sparse index's
tokens of heading and text). On the hand-made concordance (``python -m evals.related``) each signal
alone finds fewer known counterparts than the two together.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from cyberlex.corpus.catalog import Catalog
from cyberlex.corpus.errors import StoreUnavailable, UnknownProvision
from cyberlex.corpus.model import Passage, ProvisionId, within
from cyberlex.corpus.citations import cite, unit_label
from cyberlex.index.documents import to_passage
from cyberlex.index.embedders import DenseEncoder, embedding_text
from cyberlex.settings import Settings
from cyberlex.index.sparse import tokenize
from cyberlex.index.store import Store
from cyberlex.ingest.definitions import Definition, extract_definitions, lookup, term_key, term_spans
from cyberlex.ingest.deontic import tag_provision
from cyberlex.ingest.pipeline import Parsed
from cyberlex.ingest.references import Reference, extract_references, known_ids_of

LEGAL_FILE = "legal.json"
FORMAT = 1  # bump when the file's layout changes: an older file then asks for a new ingest
RELATED_K = 10
NOT_RULES = ("recital", "preamble", "annex")  # neither sources nor targets of related provisions
SIGNALS = ("dense", "headings", "lexical")
ROWS_PER_BLOCK = 512  # similarity rows computed at a time, so memory stays linear in the number of units


@dataclass(frozen=True)
class Unit:
    id: str
    instrument_id: str
    label: str
    heading: str
    citation: str
    force: tuple[str, ...] = ()
    addressees: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """What one instrument contributes to the legal index."""

    instrument_id: str
    units: tuple[Unit, ...]
    definitions: tuple[Definition, ...]
    references: tuple[Reference, ...]
    known_ids: frozenset[str]


@dataclass(frozen=True)
class Related:
    unit: Unit
    score: float  # the sum of the signals' z-scores within the source's row


@dataclass(frozen=True)
class TermUse:
    """A defined term where it occurs in a text, with the ids of the instrument's definitions of it."""

    term: str
    start: int
    end: int
    definitions: tuple[str, ...]


class LegalIndex:
    """The sections of every instrument, related provisions, and lookups by unit id built from them."""

    def __init__(self, sections: dict[str, Section], related: dict[str, list[tuple[str, float]]], model: str):
        self.sections = sections
        self.related_ids = related
        self.model = model
        self.units = {u.id: u for s in sections.values() for u in s.units}
        self.definitions = [d for s in sections.values() for d in s.definitions]
        self._outgoing: dict[str, list[Reference]] = defaultdict(list)
        self._incoming: dict[str, list[Reference]] = defaultdict(list)
        for section in sections.values():
            for ref in section.references:
                self._outgoing[ref.source].append(ref)
                target = ProvisionId.parse(ref.target).unit_id if ref.resolved and "/" in ref.target else ""
                if target and target != ref.source:
                    self._incoming[target].append(ref)

    @property
    def references(self) -> list[Reference]:
        return [r for s in self.sections.values() for r in s.references]

    def unit(self, provision_id: str) -> Unit:
        try:
            return self.units[ProvisionId.parse(provision_id).unit_id]
        except KeyError:
            raise UnknownProvision(provision_id) from None

    def related(self, provision_id: str, k: int = RELATED_K) -> list[Related]:
        """The unit's most similar units in other instruments, best first (none for recitals and the like)."""
        unit = self.unit(provision_id)
        return [Related(self.units[uid], score) for uid, score in self.related_ids.get(unit.id, [])[:k]]

    def definitions_of(self, term: str) -> list[Definition]:
        return lookup(self.definitions, term)

    def terms_in(self, instrument_id: str, text: str, shown_id: str) -> list[TermUse]:
        """Terms the instrument defines that occur in ``text`` (the provision ``shown_id``), each with its
        definitions; a definition inside the shown provision itself is not linked back to."""
        section = self.sections.get(instrument_id)
        if section is None:
            return []
        by_key: dict[str, list[str]] = defaultdict(list)
        for d in section.definitions:
            if not within(d.provision_id, shown_id):
                by_key[term_key(d.term)].append(d.provision_id)
        spans = term_spans(text, [d.term for d in section.definitions if term_key(d.term) in by_key])
        return [TermUse(term, start, end, tuple(dict.fromkeys(by_key[term_key(term)]))) for start, end, term in spans]

    def outgoing(self, provision_id: str, text: str) -> list[Reference]:
        """The references the provision's unit makes that occur in ``text``, with offsets into ``text``
        (the shown text can differ from the segmented one, or be one paragraph of it)."""
        located = []
        for ref in self._outgoing.get(ProvisionId.parse(provision_id).unit_id, []):
            at = _nearest(text, ref.text, ref.start)
            if at is not None:
                located.append(replace(ref, start=at, end=at + len(ref.text)))
        return located

    def incoming(self, provision_id: str) -> list[Reference]:
        """Resolved references from other units to this provision or to anything under it."""
        incoming = self._incoming.get(ProvisionId.parse(provision_id).unit_id, [])
        return [r for r in incoming if within(r.target, provision_id)]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "model": self.model,
            "instruments": {iid: _section_json(s) for iid, s in self.sections.items()},
            "related": self.related_ids,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LegalIndex:
        sections = {iid: _section_from(iid, s) for iid, s in data["instruments"].items()}
        related = {uid: [(t, float(score)) for t, score in pairs] for uid, pairs in data["related"].items()}
        return cls(sections, related, data["model"])


# ---- building -----------------------------------------------------------------------------------

def build_legal_index(
    settings: Settings, parsed: Sequence[Parsed], store: Store, encoder: DenseEncoder, catalog: Catalog
) -> LegalIndex:
    """What ``cyberlex ingest`` runs after indexing: this run's instruments, what earlier runs found in the
    others still indexed, and related provisions over every indexed passage; saved to ``legal.json``."""
    path = legal_path(settings)
    try:
        previous = load_legal_index(path)
    except StoreUnavailable:
        previous = None  # first build, or a file of an older format: rebuilt from this run alone
    passages = [to_passage(payload) for _, payload in store.scroll()]
    index = build(parsed, passages, encoder, catalog, previous)
    save_legal_index(index, path)
    return index


def build(
    parsed: Sequence[Parsed],
    passages: Sequence[Passage],
    encoder: DenseEncoder,
    catalog: Catalog,
    previous: LegalIndex | None = None,
) -> LegalIndex:
    """The legal index of the indexed ``passages``: sections of ``parsed`` instruments, else of ``previous``."""
    indexed = {p.instrument_id for p in passages}
    fresh = {p.instrument.id for p in parsed}
    kept = {iid: s for iid, s in (previous.sections if previous else {}).items() if iid in indexed - fresh}
    known = known_ids_of(p for one in parsed for p in one.provisions)
    for section in kept.values():
        known |= section.known_ids
    sections = {**kept, **{one.instrument.id: _section(one, catalog, known) for one in parsed}}
    units = {u.id for s in sections.values() for u in s.units}
    related = related_units([p for p in passages if p.unit_id in units], encoder, catalog)
    return LegalIndex(sections, related, encoder.identity)


def _section(parsed: Parsed, catalog: Catalog, known_ids: set[str]) -> Section:
    instrument = parsed.instrument
    units = []
    for provision in parsed.provisions:
        tags = tag_provision(provision)
        units.append(Unit(provision.id, instrument.id, unit_label(provision.unit, (), instrument), provision.heading,
                          cite(instrument, provision.unit), tags.force, tags.addressees))
    return Section(
        instrument.id,
        tuple(units),
        tuple(extract_definitions(parsed.provisions)),
        tuple(extract_references(parsed.provisions, instrument, catalog, known_ids)),
        frozenset(known_ids_of(parsed.provisions)),
    )


def related_units(
    passages: Sequence[Passage],
    encoder: DenseEncoder,
    catalog: Catalog,
    k: int = RELATED_K,
    signals: Sequence[str] = SIGNALS,
) -> dict[str, list[tuple[str, float]]]:
    """Unit id → its ``k`` most similar units of other instruments, with scores, best first.

    ``signals`` chooses what is added: ``dense`` (passage embeddings), ``headings`` (the heading's
    embedding added to the dense unit vector), ``lexical`` (TF-IDF cosine); evals/related.py compares them.
    """
    rules = [p for p in passages if ProvisionId.parse(p.unit_id).kind not in NOT_RULES]
    units = list(dict.fromkeys(p.unit_id for p in rules))
    if len(units) < 2:
        return {}
    row = {u: n for n, u in enumerate(units)}
    matrices = []
    if "dense" in signals or "headings" in signals:
        matrices.append(_dense(rules, units, row, encoder, signals))
    if "lexical" in signals:
        matrices.append(_lexical(rules, units, row))
    group = np.array([instrument_group(ProvisionId.parse(u).instrument, catalog) for u in units])
    related: dict[str, list[tuple[str, float]]] = {}
    for start in range(0, len(units), ROWS_PER_BLOCK):
        block = slice(start, min(start + ROWS_PER_BLOCK, len(units)))
        other = group[block, None] != group[None, :]
        score = sum(_zscores(_rows(m, block), other) for m in matrices)
        score = np.where(other, score, -np.inf)
        for offset, scores in enumerate(score):
            best = [j for j in np.argsort(-scores, kind="stable")[:k] if np.isfinite(scores[j])]
            related[units[start + offset]] = [(units[j], round(float(scores[j]), 4)) for j in best]
    return related


def _dense(rules: list[Passage], units: list[str], row: dict[str, int], encoder: DenseEncoder,
           signals: Sequence[str]) -> np.ndarray:
    """Unit vectors: the mean of the passages' embeddings, plus the heading's, normalised."""
    vectors = np.zeros((len(units), encoder.dim), dtype=np.float32)
    counts = np.zeros(len(units), dtype=np.float32)
    if "dense" in signals:
        for p, v in zip(rules, encoder.embed([embedding_text(p) for p in rules])):
            vectors[row[p.unit_id]] += v
            counts[row[p.unit_id]] += 1
        vectors /= np.maximum(counts, 1)[:, None]
    if "headings" in signals:
        headings = {p.unit_id: p.heading for p in rules if p.heading}
        for uid, v in zip(headings, encoder.embed(list(headings.values()))):
            vectors[row[uid]] += v
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1)


def _lexical(rules: list[Passage], units: list[str], row: dict[str, int]) -> sparse.csr_matrix:
    """TF-IDF rows (sublinear term frequency, smoothed IDF), normalised, over heading and text tokens."""
    tokens: dict[str, Counter[str]] = defaultdict(Counter)
    for p in rules:
        tokens[p.unit_id].update(tokenize(p.text if p.chunk else f"{p.heading}\n{p.text}"))
    vocabulary: dict[str, int] = {}
    rows, cols, values = [], [], []
    for uid, counts in tokens.items():
        for token, n in counts.items():
            rows.append(row[uid])
            cols.append(vocabulary.setdefault(token, len(vocabulary)))
            values.append(1 + math.log(n))
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=(len(units), len(vocabulary)), dtype=np.float32)
    df = np.bincount(matrix.indices, minlength=len(vocabulary))
    matrix = matrix @ sparse.diags((np.log((1 + len(units)) / (1 + df)) + 1).astype(np.float32))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return sparse.diags(1 / np.where(norms > 0, norms, 1)) @ matrix


def _rows(matrix: np.ndarray | sparse.csr_matrix, block: slice) -> np.ndarray:
    """Cosines of the block's units with every unit."""
    product = matrix[block] @ matrix.T
    return product.toarray() if sparse.issparse(product) else product


def _zscores(similarity: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Each row standardised over the units of other instruments, the candidates it ranks."""
    n = np.maximum(other.sum(axis=1, keepdims=True), 1)
    mean = np.where(other, similarity, 0).sum(axis=1, keepdims=True) / n
    std = np.sqrt(np.where(other, (similarity - mean) ** 2, 0).sum(axis=1, keepdims=True) / n)
    return (similarity - mean) / np.where(std > 0, std, 1)


def instrument_group(instrument_id: str, catalog: Catalog) -> str:
    """Two catalogue entries for one instrument (a PDF and an HTML copy) are not each other's "others"."""
    if instrument_id not in catalog:
        return instrument_id
    return catalog.get(instrument_id).same_instrument_as or instrument_id


# ---- the file -----------------------------------------------------------------------------------

def legal_path(settings: Settings) -> Path:
    return settings.data_dir / LEGAL_FILE


def indexed_model(settings: Settings) -> str | None:
    """The model (without its runtime) the last ingest embedded the passages with, as the legal index records it;
    None before the first ingest."""
    try:
        data = json.loads(legal_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # missing or unreadable: load_legal_index says so where the file is needed
    recorded = data.get("model", "") if isinstance(data, dict) else ""
    return recorded.split(":", 1)[-1] or None


def save_legal_index(index: LegalIndex, path: Path) -> None:
    """Written whole to a temporary file, then renamed: a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(index.to_json(), ensure_ascii=False), encoding="utf-8")
    temporary.replace(path)


def load_legal_index(path: Path) -> LegalIndex:
    """Raises StoreUnavailable, with what to do, when the file is missing or of another format."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreUnavailable(f"the legal index {path} does not exist; run cyberlex ingest to build the legal index") \
            from None
    except (OSError, ValueError) as exc:
        raise StoreUnavailable(f"the legal index {path} cannot be read ({exc}); run cyberlex ingest to rebuild it") \
            from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StoreUnavailable(f"the legal index {path} is of another format than {FORMAT}; run cyberlex ingest "
                               "to build the legal index again")
    return LegalIndex.from_json(data)


def _section_json(section: Section) -> dict[str, Any]:
    return {
        "units": [asdict(u) for u in section.units],
        "definitions": [asdict(d) for d in section.definitions],
        "references": [asdict(r) for r in section.references],
        "known_ids": sorted(section.known_ids),
    }


def _section_from(instrument_id: str, data: dict[str, Any]) -> Section:
    units = tuple(Unit(**{**u, "force": tuple(u["force"]), "addressees": tuple(u["addressees"])})
                  for u in data["units"])
    return Section(
        instrument_id,
        units,
        tuple(Definition(**d) for d in data["definitions"]),
        tuple(Reference(**r) for r in data["references"]),
        frozenset(data["known_ids"]),
    )


# ---- ids ----------------------------------------------------------------------------------------

def _nearest(text: str, phrase: str, around: int) -> int | None:
    """The start of the occurrence of ``phrase`` in ``text`` closest to offset ``around``."""
    starts = []
    at = text.find(phrase)
    while at != -1:
        starts.append(at)
        at = text.find(phrase, at + 1)
    return min(starts, key=lambda s: abs(s - around)) if starts else None


def summary(index: LegalIndex) -> str:
    """One line for the ingest report."""
    refs = index.references
    resolved = sum(r.resolved for r in refs)
    share = f" ({resolved / len(refs):.0%} resolved)" if refs else ""
    return (f"legal index: {len(index.definitions)} definitions, {len(refs)} references{share}, "
            f"related provisions for {len(index.related_ids)} units")
