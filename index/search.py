"""Search: typed citation first, then hybrid (or dense, or sparse) retrieval, grouped one result per provision.

The query pipeline is assembled in ``build_query_pipeline``; ``Searcher`` validates input, runs it, and
also serves provision look-ups and the list of indexed passages (what the evals' BM25 baseline indexes).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from haystack import Document, Pipeline, component

from cyberlex.corpus.catalog import Catalog, load_catalog
from cyberlex.corpus.errors import InvalidInput, UnknownInstrument, UnknownProvision
from cyberlex.corpus.model import Passage
from cyberlex.corpus.citations import parse_citation
from cyberlex.index.documents import payload, scored_document, to_passage
from cyberlex.index.embedders import DenseEncoder, QueryEmbedder
from cyberlex.index.fusion import HybridFusion
from cyberlex.settings import Settings
from cyberlex.index.sparse import SparseQueryEncoder
from cyberlex.index.store import NativeFusion, Store, StoreRetriever, Where, open_store

MODES = ("hybrid", "dense", "sparse")
CITATION_SCORE = 1.0  # a typed citation outranks any retrieval score
GROUPING_HEADROOM = 3  # candidates per wanted result, so grouping split provisions still fills k
_LABEL_FORMS = (r"\({}\)", r"{}\.", r"{}\)")  # how a paragraph's label is printed: "(3)", "3.", "3)"


@dataclass(frozen=True)
class Filters:
    """Each tuple means "any of"; an empty one, or binding None, does not filter."""

    instrument: tuple[str, ...] = ()
    jurisdiction: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    binding: bool | None = None
    force: tuple[str, ...] = ()  # deontic force of the passage (ingest.deontic.FORCES)
    addressee: tuple[str, ...] = ()  # whom it binds or empowers (ingest.deontic.ADDRESSEES)

    def where(self) -> dict[str, list[Any]]:
        fields = {"instrument_id": self.instrument, "jurisdiction": self.jurisdiction, "kind": self.kind,
                  "language": self.language, "status": self.status,
                  "binding": () if self.binding is None else (self.binding,),
                  "force": self.force, "addressees": self.addressee}
        return {name: list(values) for name, values in fields.items() if values}


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    via: str  # "citation" | "hybrid" | "dense" | "sparse"


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


class ProvisionReader:
    """Provisions read back from the store: a unit's passages, a sub-provision's text, its neighbours."""

    def __init__(self, store: Store):
        self.store = store

    def view(self, provision_id: str) -> ProvisionView:
        found = self._resolve(provision_id)
        previous_id, next_id = self._neighbours(found.passages[0])
        return replace(found, previous_id=previous_id, next_id=next_id)

    def passage(self, provision_id: str) -> Passage | None:
        """The provision as one passage (a hit), or None when the index does not hold it."""
        try:
            found = self._resolve(provision_id)
        except UnknownProvision:
            return None
        first = found.passages[0]
        return replace(first, provision_id=found.provision_id, label=found.label, citation=found.citation,
                       text=found.text, end=max(p.end for p in found.passages))

    def _resolve(self, provision_id: str) -> ProvisionView:
        """The provision's view without its neighbours."""
        unit_id = _unit_id(provision_id)
        passages = self._passages({"unit_id": [unit_id]})
        if not passages:
            raise UnknownProvision(provision_id)
        sub = provision_id.split("/")[2:]
        shown = [p for p in passages if p.provision_id == provision_id or p.provision_id.startswith(provision_id + "/")]
        if shown:
            text = "\n".join(p.text for p in shown)
        else:  # a paragraph inside a passage: read it off the text of the passages that hold it
            shown = [p for p in passages if provision_id.startswith(p.provision_id + "/")] or passages
            text = _subdivision("\n".join(p.text for p in shown), sub) or ""
            if not text:
                raise UnknownProvision(provision_id)
        unit = passages[0]
        named = next((p for p in shown if p.provision_id == provision_id), None)
        suffix = "".join(f"({s})" for s in sub)
        return ProvisionView(
            provision_id=provision_id,
            unit_id=unit_id,
            instrument_id=unit.instrument_id,
            label=named.label if named else _unit_part(unit, unit.label) + suffix,
            heading=unit.heading,
            path=unit.path,
            citation=named.citation if named else _unit_part(unit, unit.citation) + suffix,
            text=text,
            passages=tuple(shown),
            previous_id=None,
            next_id=None,
        )

    def _passages(self, where: Where) -> list[Passage]:
        return sorted((to_passage(p) for _, p in self.store.scroll(where)), key=lambda p: p.chunk)

    def _neighbours(self, unit: Passage) -> tuple[str | None, str | None]:
        """The units before and after, by where they start in the instrument's text."""
        starts: dict[str, int] = {}
        for _, p in self.store.scroll({"instrument_id": [unit.instrument_id]}, ["unit_id", "start"]):
            starts[p["unit_id"]] = min(p["start"], starts.get(p["unit_id"], p["start"]))
        order = sorted(starts, key=lambda u: (starts[u], u))
        at = order.index(unit.unit_id)
        return (order[at - 1] if at > 0 else None), (order[at + 1] if at + 1 < len(order) else None)


@component
class CitationLookup:
    """The provision a query cites ("Art. 29(3) Budapest", "18 U.S.C. 1030(a)(2)"), if the index holds it."""

    def __init__(self, reader: ProvisionReader, catalog: Catalog, known_units: Callable[[str], bool]):
        self.reader = reader
        self.catalog = catalog
        self.known_units = known_units

    @component.output_types(documents=list[Document])
    def run(self, text: str, where: dict[str, list[Any]]) -> dict[str, list[Document]]:
        citation = parse_citation(text, self.catalog, known_units=self.known_units)
        passage = self.reader.passage(citation.provision_id) if citation else None
        if passage is None and citation and citation.sub:
            passage = self.reader.passage(_unit_id(citation.provision_id))
        if passage is None or not _matches(passage, where):
            return {"documents": []}
        return {"documents": [scored_document(payload(passage, signature=""), CITATION_SCORE)]}


@component
class ProvisionGrouper:
    """One result per provision unit, its best passage, the cited provision first."""

    @component.output_types(documents=list[Document], via=list[str])
    def run(self, documents: list[Document], cited: list[Document], k: int, mode: str) -> dict[str, list[Any]]:
        best: dict[str, tuple[Document, str]] = {}
        for doc, via in [*((d, "citation") for d in cited), *((d, mode) for d in documents)]:
            best.setdefault(doc.meta["unit_id"], (doc, via))
        chosen = list(best.values())[:k]
        return {"documents": [d for d, _ in chosen], "via": [v for _, v in chosen]}


def build_query_pipeline(
    mode: str,
    store: Store,
    encoder: DenseEncoder,
    catalog: Catalog,
    known_units: Callable[[str], bool],
    settings: Settings,
) -> Pipeline:
    """query → [dense embedding → dense retriever] + [sparse encoding → sparse retriever] → fusion
    → grouping, with the typed-citation look-up feeding the grouper its first result.

    Inputs, by name: ``text``, ``where``, ``top_k`` (candidates per list), ``k``, ``mode``."""
    pipeline = Pipeline()
    pipeline.add_component("citation", CitationLookup(ProvisionReader(store), catalog, known_units))
    pipeline.add_component("grouper", ProvisionGrouper())
    pipeline.connect("citation.documents", "grouper.cited")
    native = mode == "hybrid" and settings.fusion == "native"
    if mode in ("hybrid", "dense"):
        pipeline.add_component("query_embedder", QueryEmbedder(encoder))
    if mode in ("hybrid", "sparse"):
        pipeline.add_component("query_sparse", SparseQueryEncoder())
    if mode == "hybrid" and not native:
        pipeline.add_component("dense_retriever", StoreRetriever(store))
        pipeline.add_component("sparse_retriever", StoreRetriever(store))
        pipeline.add_component("fusion", HybridFusion(settings.fusion, settings.dense_weight, settings.rrf_k))
        pipeline.connect("query_embedder.embedding", "dense_retriever.query_embedding")
        pipeline.connect("query_sparse.sparse_embedding", "sparse_retriever.query_sparse_embedding")
        pipeline.connect("dense_retriever.documents", "fusion.dense_documents")
        pipeline.connect("sparse_retriever.documents", "fusion.sparse_documents")
        pipeline.connect("fusion.documents", "grouper.documents")
        return pipeline
    pipeline.add_component("retriever", StoreRetriever(store, NativeFusion(settings.dense_weight, settings.rrf_k)))
    if mode != "sparse":
        pipeline.connect("query_embedder.embedding", "retriever.query_embedding")
    if mode != "dense":
        pipeline.connect("query_sparse.sparse_embedding", "retriever.query_sparse_embedding")
    pipeline.connect("retriever.documents", "grouper.documents")
    return pipeline


class Searcher:
    """What the CLI, the API and the evals search with. Closes the store and encoder it opened, not ones
    passed in (an indexer may share them)."""

    def __init__(
        self,
        settings: Settings,
        store: Store | None = None,
        embedder: DenseEncoder | None = None,
        catalog: Catalog | None = None,
    ):
        self.settings = settings
        self._owned = (store is None, embedder is None)
        self.store = store if store is not None else open_store(settings)
        self.encoder = embedder if embedder is not None else DenseEncoder(settings)
        self.catalog = catalog if catalog is not None else load_catalog()
        self.reader = ProvisionReader(self.store)
        self._pipelines = {
            m: build_query_pipeline(m, self.store, self.encoder, self.catalog, self._is_known_unit, settings)
            for m in MODES
        }

    def warm_up(self) -> None:
        self.encoder.warm_up()

    def search(self, query: str, k: int = 10, filters: Filters | None = None, mode: str = "hybrid") -> list[Hit]:
        """Ranked hits, one per provision; a provision the query cites comes first (via "citation")."""
        query = self._check_query(query, k, mode)
        where = self._where(filters)
        candidates = max(self.settings.candidates, GROUPING_HEADROOM * k)
        result = self._pipelines[mode].run({"text": query, "where": where, "top_k": candidates, "k": k, "mode": mode})
        grouped = result["grouper"]
        return [Hit(to_passage(d.meta), d.score or 0.0, via) for d, via in zip(grouped["documents"], grouped["via"])]

    def provision(self, provision_id: str) -> ProvisionView:
        """A unit or a sub-provision (".../art-29/3" gives paragraph 3's text), with its neighbours."""
        return self.reader.view(provision_id)

    def passages(self, filters: Filters | None = None) -> list[Passage]:
        """Every indexed passage, in instrument and text order."""
        found = (to_passage(p) for _, p in self.store.scroll(self._where(filters)))
        return sorted(found, key=lambda p: (p.instrument_id, p.start, p.chunk))

    def counts(self) -> dict[str, int]:
        """Passages per indexed instrument."""
        return self.store.facet("instrument_id")

    def close(self) -> None:
        owns_store, owns_encoder = self._owned
        if owns_encoder:
            self.encoder.close()
        if owns_store:
            self.store.close()

    def _check_query(self, query: str, k: int, mode: str) -> str:
        if mode not in MODES:
            raise InvalidInput(f"unknown search mode {mode!r}; valid modes: {', '.join(MODES)}")
        if not 1 <= k <= self.settings.max_k:
            raise InvalidInput(f"k must be between 1 and {self.settings.max_k}, not {k}")
        query = query.strip()
        if not query:
            raise InvalidInput("the query is empty")
        if len(query) > self.settings.max_query_chars:
            raise InvalidInput(f"the query has {len(query)} characters; at most {self.settings.max_query_chars}")
        return query

    def _where(self, filters: Filters | None) -> dict[str, list[Any]]:
        """Filters as store conditions; instrument ids must be catalogued or indexed (a user's own text)."""
        where = (filters or Filters()).where()
        asked = where.get("instrument_id", [])
        if any(i not in self.catalog for i in asked):
            valid = set(self.catalog.ids) | set(self.counts())
            if unknown := [i for i in asked if i not in valid]:
                raise UnknownInstrument(unknown[0], sorted(valid))
        return where

    def _is_known_unit(self, unit_id: str) -> bool:
        """Whether the index holds a unit ("us-cfaa-18usc1030/s-1030"): the citation parser asks. A keyword-index
        count, asked only of citation-like queries: reading every unit id up front costs seconds at a million
        passages, and an exact count of the whole index tens of milliseconds per query."""
        return self.store.count({"unit_id": [unit_id]}) > 0


def _unit_id(provision_id: str) -> str:
    return "/".join(provision_id.split("/")[:2])


def _unit_part(passage: Passage, text: str) -> str:
    """A passage's label or citation cut back to its unit's ("Art. 29(1)" → "Art. 29")."""
    depth = passage.provision_id[len(passage.unit_id) :].count("/")
    return re.sub(r"(\([0-9a-z]+\)){%d}$" % depth, "", text, flags=re.IGNORECASE) if depth else text


def _matches(passage: Passage, where: Where) -> bool:
    """Whether the passage meets the filters; a list field (force, addressees) meets one by any of its values."""
    values = {"instrument_id": passage.instrument_id, **passage.metadata}
    held = {field: value if isinstance(value, list) else [value] for field, value in values.items()}
    return all(any(v in allowed for v in held.get(field, [None])) for field, allowed in where.items())


def _subdivision(text: str, sub: Sequence[str]) -> str | None:
    """The lines of a provision's text that make up subdivision ``sub`` (("3", "a") for paragraph 3,
    point (a)): from the line that opens with its printed label up to the next line opening with a
    sibling label of the same form. Used when the index holds the provision as one passage; None
    when a label is not found."""
    for part in sub:
        lines = text.split("\n")
        sibling = r"[0-9]+[a-z]?" if part[0].isdigit() else r"[a-z]{1,4}"
        for start, line in enumerate(lines):
            opens = (f for f in _LABEL_FORMS if re.match(f.format(re.escape(part)) + r"(\s|$)", line.strip(), re.I))
            if form := next(opens, None):
                same_form = re.compile(form.format(sibling) + r"(\s|$)", re.I)
                end = next((i for i in range(start + 1, len(lines)) if same_form.match(lines[i].strip())), len(lines))
                text = "\n".join(lines[start:end])
                break
        else:
            return None
    return text
