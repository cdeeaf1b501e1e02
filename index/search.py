"""Search: typed citation first, then hybrid (or dense, or sparse) retrieval, grouped one result per provision.

The query pipeline is assembled in ``build_query_pipeline``; ``Searcher`` validates input, runs it, and
also serves provision look-ups and the list of indexed passages (what the evals' BM25 baseline indexes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from haystack import Document, Pipeline, component

from cyberlex.corpus.catalog import Catalog, load_catalog
from cyberlex.corpus.errors import InvalidInput, ModelMismatch, UnknownInstrument
from cyberlex.corpus.model import Passage
from cyberlex.index.cited import CitationLookup
from cyberlex.index.documents import Ranking, to_passage
from cyberlex.index.embedders import DenseEncoder, QueryEmbedder
from cyberlex.index.fusion import IntentFusion, IntentWeights, OperativePrior
from cyberlex.index.legal import indexed_model, legal_path
from cyberlex.index.matching import MatchJudge
from cyberlex.index.onnx_backend import model_identity
from cyberlex.index.pinpoint import Pinpointer
from cyberlex.index.provisions import ProvisionReader, ProvisionView
from cyberlex.settings import Settings
from cyberlex.index.sparse import SparseQueryEncoder
from cyberlex.index.e5 import E5Encoder
from cyberlex.index.retrieve import ForeignQueryEmbedder, IntentRetriever, LegalTable, PayloadReader
from cyberlex.index.thesaurus import QueryExpander, Thesaurus
from cyberlex.index.store import NativeFusion, Store, open_store
from cyberlex.index.understand import QueryUnderstanding, Understanding

MODES = ("hybrid", "dense", "sparse")
# A recital explains an article and often repeats its words; at equal match the article is what a lawyer cites.
OPERATIVE_PRIOR = {"recital": 0.6, "preamble": 0.6}
FINAL_CLAUSES_PRIOR = 0.5  # ... and a short title or entry-into-force clause is not what a question about a rule asks
ASKED_FORCE_PRIOR = 1.1  # an offence for "is it a crime?", a power for "can the police...?" (docs/retrieval.md)
# "does the GDPR apply to us?": the article that says whom it covers first; "what is NIS2?": its subject matter
HEADING_PRIORS = {"scope": 1.5, "purpose": 1.5}
DEFINITIONS_PRIOR = 0.8  # ... and a definition, unless the question asks what a term means (docs/retrieval.md)
DEFINING_PRIOR = 1.5  # ... when it does, the passage that defines the term before its neighbours
NO_MATCH_COSINE = 0.25  # MiniLM cosine under which a passage sharing no word with the query is no match
WEAK_COSINE = 0.35  # ... and under which such a passage is shown as a weak match


# Questions that take the paths a search loads lazily: a definition under a named instrument, Thai and Japanese text.
WARM_UP = ("what is a computer system under the GDPR?", "ระบบคอมพิวเตอร์", "コンピュータ")

FILTER_FIELDS = {"instrument": "instrument_id", "jurisdiction": "jurisdiction", "kind": "kind", "language": "language",
                 "status": "status", "binding": "binding", "force": "force", "addressee": "addressees"}
"""Each filter (as the API and the page name it) and the payload field it conditions."""


@dataclass(frozen=True)
class Filters:
    """Each tuple means "any of"; an empty one, or binding None, does not filter."""

    instrument: tuple[str, ...] = ()
    jurisdiction: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    status: tuple[str, ...] = ()  # the provision's own status, else its instrument's (catalog.PASSAGE_STATUSES)
    binding: bool | None = None
    force: tuple[str, ...] = ()  # deontic force of the passage (ingest.deontic.FORCES)
    addressee: tuple[str, ...] = ()  # whom it binds or empowers (ingest.deontic.ADDRESSEES)

    def where(self) -> dict[str, list[Any]]:
        """The store's conditions, by payload field."""
        values = {"binding": () if self.binding is None else (self.binding,)}
        fields = {field: values.get(name, getattr(self, name)) for name, field in FILTER_FIELDS.items()}
        return {field: list(allowed) for field, allowed in fields.items() if allowed}


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    via: str  # "citation" | "hybrid" | "dense" | "sparse"
    weak: bool = False  # found by meaning alone, and only faintly


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    understood: Understanding  # what the question was read to name and ask (intent "citation" when one was found)
    notice: str = ""  # what a typed citation found of what it asked, why there are no results, or that some are weak
    cited: str = ""  # the provision id a typed citation asks for (found or not)
    cited_level: str = ""  # the id found for it: ``cited``, or the deepest level above it the text has ("" if none)
    set_aside: tuple[str, ...] = ()  # filters (as the API names them) a typed citation ignored to open its instrument


@component
class ProvisionGrouper:
    """One result per citable unit (an article, a section; a US Code subsection), its best passage, the cited
    provision first."""

    @component.output_types(documents=list[Document], via=list[str])
    def run(self, documents: Ranking, cited: list[Document], k: int, mode: str) -> dict[str, list[Any]]:
        best: dict[str, tuple[Document, str]] = {}
        for doc, via in [*((d, "citation") for d in cited), *((d, mode) for d in documents)]:
            best.setdefault(doc.meta.get("group_id") or doc.meta["unit_id"], (doc, via))
        chosen = list(best.values())[:k]
        return {"documents": [d for d, _ in chosen], "via": [v for _, v in chosen]}


def build_query_pipeline(
    mode: str,
    store: Store,
    encoder: DenseEncoder,
    catalog: Catalog,
    known_units: Callable[[str], bool],
    legal: LegalTable,
    settings: Settings,
    foreign: E5Encoder | None = None,
) -> Pipeline:
    """query → understanding → [dense embedding] + [lay words → sparse encoding] + [e5 embedding, when the question
    targets laws in another language] → retrieval by intent (open and scoped lists) → fusion by intent → operative
    prior → grouping (the typed citation first) → the kept results read whole → pinpointing the subdivision asked
    → match judgement.

    Inputs, by name: ``text``, ``enabled`` (understanding), ``where``, ``top_k`` (candidates per open list), ``k``,
    ``mode``."""
    legs = {"hybrid": ("dense", "sparse"), "dense": ("dense",), "sparse": ("sparse",)}[mode]
    native = NativeFusion(settings.dense_weight, settings.rrf_k) if mode == "hybrid" and settings.fusion == "native" \
        else None
    pipeline = Pipeline()
    pipeline.add_component("understanding", QueryUnderstanding(catalog))
    pipeline.add_component("retriever", IntentRetriever(store, legal, catalog, legs, native))
    pipeline.add_component("fusion", IntentFusion(
        "rrf" if native else settings.fusion, IntentWeights(), settings.rrf_k, settings.dense_weight))
    pipeline.add_component("prior", OperativePrior(OPERATIVE_PRIOR, FINAL_CLAUSES_PRIOR, ASKED_FORCE_PRIOR,
                                                    HEADING_PRIORS, DEFINITIONS_PRIOR, DEFINING_PRIOR))
    pipeline.add_component("citation", CitationLookup(ProvisionReader(store), catalog, known_units))
    pipeline.add_component("grouper", ProvisionGrouper())
    pipeline.add_component("payloads", PayloadReader(store))
    pipeline.add_component("pinpoint", Pinpointer())
    pipeline.add_component("judge", MatchJudge(NO_MATCH_COSINE, WEAK_COSINE))
    if "dense" in legs:
        pipeline.add_component("query_embedder", QueryEmbedder(encoder))
        pipeline.connect("query_embedder.embedding", "retriever.query_embedding")
    if "sparse" in legs:
        pipeline.add_component("lay_words", QueryExpander(Thesaurus.load()))
        pipeline.add_component("query_sparse", SparseQueryEncoder())
        pipeline.connect("lay_words.expansions", "query_sparse.expansions")
        pipeline.connect("query_sparse.sparse_embedding", "retriever.query_sparse_embedding")
        pipeline.connect("understanding.place_words", "query_sparse.place_words")
        pipeline.connect("query_sparse.place_sparse_embedding", "retriever.place_sparse_embedding")
    if foreign is not None and mode != "sparse":
        pipeline.add_component("foreign_embedder", ForeignQueryEmbedder(foreign, catalog, settings.e5_languages))
        pipeline.connect("understanding.understanding", "foreign_embedder.understanding")
        pipeline.connect("foreign_embedder.embedding", "retriever.foreign_embedding")
        pipeline.connect("foreign_embedder.languages", "retriever.foreign_languages")
    pipeline.connect("understanding.understanding", "retriever.understanding")
    pipeline.connect("understanding.understanding", "fusion.understanding")
    pipeline.connect("understanding.understanding", "prior.understanding")
    pipeline.connect("retriever.lists", "fusion.lists")
    pipeline.connect("fusion.documents", "prior.documents")
    pipeline.connect("prior.documents", "grouper.documents")
    pipeline.connect("citation.documents", "grouper.cited")
    pipeline.connect("retriever.lists", "judge.lists")
    pipeline.connect("grouper.documents", "payloads.documents")
    pipeline.connect("grouper.via", "payloads.via")
    pipeline.connect("payloads.documents", "pinpoint.documents")
    pipeline.connect("payloads.via", "pinpoint.via")
    pipeline.connect("pinpoint.documents", "judge.documents")
    pipeline.connect("payloads.via", "judge.via")
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
        self.citations = CitationLookup(self.reader, self.catalog, self._is_known_unit)
        legal = LegalTable(legal_path(settings))
        self.foreign = E5Encoder(settings) if settings.e5_languages != [] else None  # loads at the first use
        self._pipelines = {
            m: build_query_pipeline(m, self.store, self.encoder, self.catalog, self._is_known_unit, legal,
                                    settings, self.foreign)
            for m in MODES
        }

    def warm_up(self) -> None:
        """Loads what searches load lazily, so that no request pays for it: the model, the legal index's
        definitions, the Thai and Japanese word segmenters, the multilingual model, the index's pages (from a
        tenth of a second to a second each, on the first request that needs it). Raises ModelMismatch as
        ``check_model`` does."""
        self.check_model()
        self.encoder.warm_up()
        for question in WARM_UP:
            self.query(question)

    def check_model(self) -> None:
        """Raises ModelMismatch when the index was embedded by another model than the settings name (CYBERLEX_MODEL
        or CYBERLEX_ADAPT not as at ingest), whose vectors no question embedded now could be compared with."""
        indexed, current = indexed_model(self.settings), model_identity(self.settings.model_path)
        if indexed is not None and indexed != current:  # the runtime (ONNX, torch) may differ: same vectors
            raise ModelMismatch(indexed, current)

    def search(self, query: str, k: int = 10, filters: Filters | None = None, mode: str = "hybrid") -> list[Hit]:
        """Ranked hits, one per provision; a provision the query cites comes first (via "citation")."""
        return self.query(query, k, filters, mode).hits

    def query(
        self, query: str, k: int = 10, filters: Filters | None = None, mode: str = "hybrid", understand: bool = True
    ) -> SearchResult:
        """The hits with what the question was understood to ask, and a notice when nothing (or little) matches.

        The candidates do not depend on ``k``, so the first ten results are the same whatever ``k`` is asked."""
        query = self._check_query(query, k, mode)
        where = self._where(filters)
        candidates = self.settings.candidates
        result = self._pipelines[mode].run(
            {"text": query, "enabled": understand, "where": where, "top_k": candidates, "k": k, "mode": mode},
            include_outputs_from={"understanding"},
        )
        judged, understood, cited = result["judge"], result["understanding"]["understanding"], result["citation"]
        hits = [Hit(to_passage(d.meta), d.score or 0.0, via, weak)
                for d, via, weak in zip(judged["documents"], judged["via"], judged["weak"])]
        if cited["cited"]:
            understood = replace(understood, intent="citation")
        notice = " ".join(n if n.endswith(".") else f"{n}." for n in (cited["notice"], judged["notice"]) if n)
        names = {field: name for name, field in FILTER_FIELDS.items()}
        return SearchResult(hits, understood, notice, cited["cited"], cited["cited_level"],
                            tuple(names[field] for field in cited["set_aside"]))

    def cited(self, text: str) -> tuple[str, ProvisionView, str] | None:
        """The provision a typed citation asks for, the deepest level of it the text has, and what that lacks of it
        (see CitationLookup.find): what an agent's citation look-up answers with."""
        return self.citations.find(text)

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
        if self.foreign is not None:
            self.foreign.close()
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
