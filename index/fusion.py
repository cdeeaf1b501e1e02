"""Hybrid fusion of a dense and a sparse ranking, client-side, so both stores fuse alike and it can be tuned.

``rrf``: weighted reciprocal rank, w/(k + rank) + (1 − w)/(k + rank). ``minmax`` and ``zscore``: each
list's scores normalised, then w·dense + (1 − w)·sparse; a passage missing from one list gets that
list's floor (0 after min-max, one standard deviation below the list's lowest after z-score). Weight w is
the dense weight. ``IntentFusion`` fuses each scope's pair this way, then the scopes by weighted RRF.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from haystack import Document, component

from cyberlex.corpus.errors import InvalidInput
from cyberlex.index.documents import Ranking
from cyberlex.index.understand import ASKED_HEADINGS, Understanding
from cyberlex.ingest.definitions import covers, term_key

METHODS = ("rrf", "minmax", "zscore")


def fuse(
    dense: Sequence[Document], sparse: Sequence[Document], method: str = "rrf", dense_weight: float = 0.5, k: int = 60
) -> list[Document]:
    """One ranking of the documents of both lists, best first, each with its fused score."""
    if method not in METHODS:
        raise InvalidInput(f"unknown fusion {method!r}; valid: {', '.join(METHODS)}")
    by_id = {doc.id: doc for doc in (*sparse, *dense)}
    if method == "rrf":
        parts = [_rrf(dense, dense_weight, k), _rrf(sparse, 1 - dense_weight, k)]
    else:
        normalise = _minmax if method == "minmax" else _zscore
        parts = [_weighted(normalise(dense), dense_weight), _weighted(normalise(sparse), 1 - dense_weight)]
    scores = {doc_id: sum(part.get(doc_id, part.get(None, 0.0)) for part in parts) for doc_id in by_id}
    ranked = sorted(scores, key=lambda doc_id: (-scores[doc_id], doc_id))
    return [replace(by_id[doc_id], score=scores[doc_id]) for doc_id in ranked]


def _rrf(docs: Sequence[Document], weight: float, k: int) -> dict[str | None, float]:
    return {doc.id: weight / (k + rank) for rank, doc in enumerate(docs, start=1)}


def _weighted(scores: dict[str | None, float], weight: float) -> dict[str | None, float]:
    """Key None holds the score of a document absent from the list."""
    return {doc_id: weight * score for doc_id, score in scores.items()}


def _minmax(docs: Sequence[Document]) -> dict[str | None, float]:
    values = [doc.score or 0.0 for doc in docs]
    if not values:
        return {}
    low, span = min(values), max(values) - min(values)
    return {None: 0.0} | {doc.id: (v - low) / span if span else 1.0 for doc, v in zip(docs, values)}


def _zscore(docs: Sequence[Document]) -> dict[str | None, float]:
    values = [doc.score or 0.0 for doc in docs]
    if not values:
        return {}
    mean, spread = statistics.fmean(values), statistics.pstdev(values)
    z = {doc.id: (v - mean) / spread if spread else 0.0 for doc, v in zip(docs, values)}
    return {None: min(z.values()) - 1.0} | z


@dataclass(frozen=True)
class IntentWeights:
    """How much each ranked list counts, by what the question was understood to ask (``index.understand``).

    ``dense`` is the dense share of each scope's dense/sparse pair for the intents that depart from the configured
    one (a definition reads better by meaning); the scoped lists (a named instrument, a named place, the definitions
    of the asked term) then join the open ranking in a weighted reciprocal-rank fusion at the given weights, the open
    ranking counting 1. Chosen on dev and dev2 together (docs/retrieval.md)."""

    dense: Mapping[str, float] = field(default_factory=lambda: {"definition": 0.9})
    # When the best lexical match is weak (a top BM25 score under this: few of the question's words are the law's
    # words, as in a question put in lay terms), meaning decides more: the dense share becomes ``weak_lexical_dense``.
    weak_lexical_below: float = 22.0
    weak_lexical_dense: float = 0.7
    named: float = 2.0
    place: float = 0.5
    definition: float = 1.0
    final: float = 2.0  # a named instrument's final clauses, when it asks a date or who may join: as much as the name
    about: float = 2.0  # its units headed as the question asks ("Scope", "Subject matter"): as much as the name
    foreign: float = 4.0  # the multilingual leg over the targeted laws in other languages


@component
class IntentFusion:
    """One ranking from the lists ``IntentRetriever`` made: each scope's dense and sparse lists fused (by
    ``method``), then the scopes by weighted reciprocal rank. With the open scope alone, its ranking as it is."""

    def __init__(self, method: str = "minmax", weights: IntentWeights = IntentWeights(), k: int = 60,
                 default_dense: float = 0.4):
        self.method = method
        self.weights = weights
        self.k = k
        self.default_dense = default_dense

    @component.output_types(documents=Ranking)
    def run(
        self, lists: Mapping[str, list[Document]], understanding: Understanding, top_k: int | None = None
    ) -> dict[str, Ranking]:
        """The fused ranking, its first ``top_k`` (the pool the results are grouped from) when given."""
        return {"documents": Ranking(self._fused(lists, understanding)[:top_k])}

    def _fused(self, lists: Mapping[str, list[Document]], understanding: Understanding) -> list[Document]:
        dense = self.weights.dense.get(understanding.intent, self.default_dense)
        lexical = lists.get("open:sparse")
        if lexical is not None and (lexical[0].score if lexical else 0.0) < self.weights.weak_lexical_below:
            dense = max(dense, self.weights.weak_lexical_dense)
        scopes = [(self._scope(lists, "open", dense), 1.0)]
        for scope, weight in (("named", self.weights.named), ("place", self.weights.place),
                              ("final", self.weights.final), ("about", self.weights.about),
                              ("definition", self.weights.definition),
                              ("foreign", self.weights.foreign)):
            if any(key.startswith(scope + ":") for key in lists):
                scopes.append((self._scope(lists, scope, dense), weight))
        if len(scopes) == 1:
            return scopes[0][0]
        return weighted_rrf(scopes, self.k)

    def _scope(self, lists: Mapping[str, list[Document]], scope: str, dense_weight: float) -> list[Document]:
        if f"{scope}:hybrid" in lists:  # fused by Qdrant already
            return lists[f"{scope}:hybrid"]
        if f"{scope}:e5" in lists:
            return lists[f"{scope}:e5"]
        dense, sparse = lists.get(f"{scope}:dense", []), lists.get(f"{scope}:sparse", [])
        if not dense or not sparse:
            return list(dense or sparse)
        return fuse(dense, sparse, self.method, dense_weight, self.k)


def weighted_rrf(rankings: Sequence[tuple[Sequence[Document], float]], k: int = 60) -> list[Document]:
    """Reciprocal-rank fusion of any number of rankings, each with its weight; best first, fused scores."""
    by_id: dict[str | None, Document] = {}
    scores: dict[str | None, float] = {}
    for docs, weight in rankings:
        for doc_id, part in _rrf(docs, weight, k).items():
            scores[doc_id] = scores.get(doc_id, 0.0) + part
        for doc in docs:
            by_id.setdefault(doc.id, doc)
    ranked = sorted(scores, key=lambda doc_id: (-scores[doc_id], doc_id or ""))
    return [replace(by_id[doc_id], score=scores[doc_id]) for doc_id in ranked]


@component
class OperativePrior:
    """Operative provisions, and the kind of rule the question asks for, first.

    A recital's score is multiplied by ``factors["recital"]`` (and likewise for other unit kinds), so an article
    wins a tie with its recital. A final clause's (the tagger's "procedural" force: short title, commencement, entry
    into force, ratification, repeal) by ``final_clauses`` unless the question asks about those: a named country's
    name is in its short-title section, which otherwise led "is phishing a crime in Pakistan?". A passage of the
    force the question asks for (``Understanding.asks``: an offence for "is it a crime", a power for "can the
    police") by ``asked``; a provision whose heading answers a question about the instrument itself
    (``ASKED_HEADINGS``: its "Scope" for whom or where it covers, its "Subject matter" or "Purpose" for what it is)
    by ``headings[ask]``. A
    passage of definitions alone by ``definitions`` unless the question asks what a term means: short, and full of
    the words it defines, it outscores the rule that uses them ("can my employer monitor my computer?" found the
    definitions of "monitor"). When it does ask, a passage that defines the term by ``defining``: a long
    definitions section is many passages, and the one that uses the term most is seldom the one defining it; if no
    candidate defines it, the provision whose heading names it."""

    def __init__(self, factors: Mapping[str, float], final_clauses: float = 1.0, asked: float = 1.0,
                 headings: Mapping[str, float] | None = None, definitions: float = 1.0, defining: float = 1.0):
        self.factors = dict(factors)
        self.final_clauses = final_clauses
        self.asked = asked
        self.headings = dict(headings or {})
        self.definitions = definitions
        self.defining = defining

    @component.output_types(documents=Ranking)
    def run(self, documents: Ranking, understanding: Understanding = Understanding()) -> dict[str, Ranking]:
        asks = set(understanding.asks)
        asked_term = term_key(understanding.term) if understanding.intent == "definition" else ""
        # A term no candidate defines ("what is cyber espionage under Kenyan law?") is explained by the provision
        # named after it (s. 21, "Cyber espionage"); a defined one by its definition, not by the provisions that
        # name it in their heading ("Real-time collection of traffic data" for "definition of traffic data").
        explains = _defines if asked_term and any(_defines(d, asked_term) for d in documents) else _named_after
        factors = [self._factor(d, asks, understanding.intent, asked_term, explains) for d in documents]
        if all(factor == 1.0 for factor in factors):
            return {"documents": documents}
        weighed = [d if factor == 1.0 else replace(d, score=(d.score or 0.0) * factor)
                   for d, factor in zip(documents, factors)]
        return {"documents": Ranking(sorted(weighed, key=lambda d: -(d.score or 0.0)))}

    def _factor(self, doc: Document, asks: set[str], intent: str, asked_term: str,
                explains: Callable[[Document, str], bool]) -> float:
        force = set(doc.meta.get("force") or ())
        factor = self.factors.get(doc.meta.get("unit_kind", ""), 1.0)
        if force == {"definition"} and intent != "definition":
            factor *= self.definitions
        if asked_term and explains(doc, asked_term):
            factor *= self.defining
        if "procedural" in force and "procedural" not in asks:
            factor *= self.final_clauses
        if force & asks - {"procedural"}:
            factor *= self.asked
        for ask in asks & self.headings.keys():
            if ASKED_HEADINGS[ask].search(doc.meta.get("heading") or ""):
                factor *= self.headings[ask]
        return factor


def _defines(doc: Document, term: str) -> bool:
    return any(covers(term, key) for key in doc.meta.get("defines") or ())


def _named_after(doc: Document, term: str) -> bool:
    heading = term_key(re.sub(r"[^\w\s'-]", " ", doc.meta.get("heading") or ""))
    return f" {term} " in f" {heading} "
