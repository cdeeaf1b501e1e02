"""Hybrid fusion of a dense and a sparse ranking, client-side, so both stores fuse alike and it can be tuned.

``rrf``: weighted reciprocal rank, w/(k + rank) + (1 − w)/(k + rank). ``minmax`` and ``zscore``: each
list's scores normalised, then w·dense + (1 − w)·sparse; a passage missing from one list gets that
list's floor (0 after min-max, one standard deviation below the list's lowest after z-score). Weight w is
the dense weight.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import replace

from haystack import Document, component

from cyberlex.corpus.errors import InvalidInput

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


@component
class HybridFusion:
    def __init__(self, method: str = "rrf", dense_weight: float = 0.5, k: int = 60):
        self.method = method
        self.dense_weight = dense_weight
        self.k = k

    @component.output_types(documents=list[Document])
    def run(self, dense_documents: list[Document], sparse_documents: list[Document]) -> dict[str, list[Document]]:
        return {"documents": fuse(dense_documents, sparse_documents, self.method, self.dense_weight, self.k)}


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
