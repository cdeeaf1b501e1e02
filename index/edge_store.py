"""The embedded store: a Qdrant Edge shard in a local directory, no server.

Edge allows one process per directory, so the store holds an exclusive lock file beside the directory
for as long as it is open and says who holds it when another process tries. Writes go through Edge's
write-ahead log (durable once ``update`` returns); ``close`` also optimizes and flushes the segments.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import qdrant_edge as qe
from filelock import FileLock, Timeout
from haystack.dataclasses import SparseEmbedding

from cyberlex.corpus.errors import StoreLocked
from cyberlex.index.store import (
    BOOL_FIELDS,
    DENSE,
    FACET_LIMIT,
    HNSW_EF,
    KEYWORD_FIELDS,
    OVERSAMPLING,
    QUANTILE,
    SPARSE,
    NativeFusion,
    Scored,
    Store,
    StoredPoint,
    Where,
    conditions,
    dense_sizes,
)

SCROLL_PAGE = 512
# The int8 copy the HNSW graph is built and walked on, and the float rescoring of its candidates: why in
# index.store, beside QUANTILE and OVERSAMPLING.
INT8 = qe.ScalarQuantizationConfig(type=qe.ScalarType.Int8, quantile=QUANTILE, always_ram=True)
DENSE_SEARCH = qe.SearchParams(
    hnsw_ef=HNSW_EF, quantization=qe.QuantizationSearchParams(rescore=True, oversampling=OVERSAMPLING)
)
# A filtered dense search may also use ACORN: under a filter that keeps less than 40% of the index, the HNSW walk
# also looks at neighbours' neighbours, which finds the matching points the graph's filter-aware links miss
# (measured at 200k passages: docs/scaling.md). Below Qdrant's full-scan threshold a
# filter is scanned exactly anyway, so at the corpus's size this changes nothing.
FILTERED_DENSE = qe.SearchParams(
    hnsw_ef=HNSW_EF, quantization=DENSE_SEARCH.quantization, acorn=qe.AcornSearchParams(enable=True)
)


class EdgeStore(Store):
    def __init__(self, path: Path):
        self.path = Path(path)
        self.location = str(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _acquire(self.path.parent / f"{self.path.name}.lock", self.path)
        self._written = False
        self._vectors: frozenset[str] = frozenset()
        try:
            config = self.path / "edge_config.json"
            self._shard = qe.EdgeShard.load(str(self.path)) if config.exists() else None
            if self._shard:
                self._vectors = frozenset(json.loads(config.read_text())["vectors"])
                self._index_payload(set(self._shard.info().payload_schema))
        except BaseException:
            self._lock.release()
            raise

    @property
    def vectors(self) -> frozenset[str]:
        return self._vectors

    def upsert(self, points: Sequence[StoredPoint]) -> None:
        if not points:
            return
        self.require(*{name for p in points for name in p.extra})
        shard = self._shard or self._create(len(points[0].dense))
        shard.update(qe.UpdateOperation.upsert_points([_point(p) for p in points]))
        self._written = True

    def delete(self, point_ids: Collection[str]) -> None:
        if self._shard and point_ids:
            self._shard.update(qe.UpdateOperation.delete_points(list(point_ids)))
            self._written = True

    def query(
        self,
        *,
        dense: Sequence[float] | None = None,
        sparse: SparseEmbedding | None = None,
        where: Where | None = None,
        limit: int = 10,
        fusion: NativeFusion = NativeFusion(),
        using: str = DENSE,
        fields: Sequence[str] | None = None,
    ) -> list[Scored]:
        if self._shard is None:
            return []
        payload = list(fields) if fields else True
        filter_ = _filter(where)
        searches: list[tuple[qe.Query, qe.SearchParams | None]] = []
        if dense is not None:
            self.require(using)
            params = FILTERED_DENSE if filter_ is not None else DENSE_SEARCH
            searches.append((qe.Query.Nearest(list(dense), using=using), params))
        if sparse is not None:
            searches.append((qe.Query.Nearest(_sparse(sparse), using=SPARSE), None))
        if not searches:
            raise ValueError("query needs a dense or a sparse vector")
        if len(searches) == 1:
            (query, params), = searches
            request = qe.QueryRequest(limit=limit, query=query, filter=filter_, params=params, with_payload=payload)
        else:
            request = qe.QueryRequest(
                limit=limit,
                prefetches=[qe.Prefetch(limit=limit, query=q, filter=filter_, params=p) for q, p in searches],
                query=qe.Fusion.Rrf(k=fusion.k, weights=[fusion.dense_weight, 1 - fusion.dense_weight]),
                with_payload=payload,
            )
        return [(p.payload or {}, p.score) for p in self._shard.query(request)]

    def payloads(self, point_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if self._shard is None or not point_ids:
            return {}
        return {str(r.id): r.payload or {} for r in self._shard.retrieve(list(point_ids), True, False)}

    def scroll(
        self, where: Where | None = None, fields: Sequence[str] | None = None
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        if self._shard is None:
            return
        offset = None
        while True:
            request = qe.ScrollRequest(
                offset=offset, limit=SCROLL_PAGE, filter=_filter(where), with_payload=list(fields) if fields else True
            )
            records, offset = self._shard.scroll(request)
            yield from ((str(r.id), r.payload or {}) for r in records)
            if offset is None:
                return

    def count(self, where: Where | None = None) -> int:
        return self._shard.count(qe.CountRequest(exact=True, filter=_filter(where))) if self._shard else 0

    def facet(self, field: str, where: Where | None = None) -> dict[Any, int]:
        if self._shard is None:
            return {}
        request = qe.FacetRequest(key=field, limit=FACET_LIMIT, exact=True, filter=_filter(where))
        return {hit.value: hit.count for hit in self._shard.facet(request)}

    def flush(self) -> None:
        if self._shard is not None:
            self._shard.flush()

    def close(self) -> None:
        if self._shard is not None:
            if self._written:
                self._shard.optimize()
            self._shard.flush()
            self._shard.close()
            self._shard = None
        if self._lock.is_locked:
            self._lock.release()

    def _create(self, dim: int) -> qe.EdgeShard:
        config = edge_config(dim)
        self._shard = qe.EdgeShard.create(str(self.path), config)
        self._vectors = frozenset(config.vectors)
        self._index_payload(set())
        return self._shard

    def _index_payload(self, existing: set[str]) -> None:
        """Create the payload indexes the layout names and the shard lacks: a store created by an older
        version, or by a process killed before its indexes were made, gets them on its next open."""
        wanted = [(f, qe.PayloadSchemaType.Keyword) for f in KEYWORD_FIELDS] + \
                 [(f, qe.PayloadSchemaType.Bool) for f in BOOL_FIELDS]
        for field, schema in wanted:
            if field not in existing:
                self._shard.update(qe.UpdateOperation.create_field_index(field, schema))


def edge_config(dim: int, **tuning: Any) -> qe.EdgeConfig:
    """The layout as Edge's shard config; ``tuning`` (HNSW, optimizer thresholds) is for tests that need a graph
    at a few thousand points."""
    return qe.EdgeConfig(
        vectors={name: qe.EdgeVectorParams(size=size, distance=qe.Distance.Cosine, quantization_config=INT8)
                 for name, size in dense_sizes(dim).items()},
        sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        **tuning,
    )


def _acquire(lock_path: Path, store_path: Path) -> FileLock:
    """Take the directory's lock without waiting, and write our pid in it for the next process to name."""
    lock = FileLock(str(lock_path))
    try:
        lock.acquire(blocking=False)
    except Timeout:
        holder = lock_path.read_text().strip() if lock_path.exists() else ""
        raise StoreLocked(
            f"the index at {store_path} is in use by another cyberlex process (pid {holder or '?'}); stop it "
            "(an API server holds the index while it runs), or point CYBERLEX_DATA_DIR elsewhere, or use a "
            "Qdrant server through CYBERLEX_QDRANT_URL to share one index between processes"
        ) from None
    lock_path.write_text(str(os.getpid()))
    return lock


def _point(point: StoredPoint) -> qe.Point:
    vectors = {DENSE: list(point.dense), SPARSE: _sparse(point.sparse)}
    vectors.update((name, list(vector)) for name, vector in point.extra.items())
    return qe.Point(id=point.id, vector=vectors, payload=point.payload)


def _sparse(vector: SparseEmbedding) -> qe.SparseVector:
    return qe.SparseVector(indices=list(vector.indices), values=list(vector.values))


def _filter(where: Where | None) -> qe.Filter | None:
    must = [qe.FieldCondition(key=field, match=_match(values)) for field, values in conditions(where)]
    return qe.Filter(must=must) if must else None


def _match(values: list[Any]) -> qe.MatchValue | qe.MatchAny:
    if len(values) > 1:
        return qe.MatchAny(any=values)
    # Edge reads a Python bool as the integer 1 or 0, which matches no bool payload; numpy's bool it reads as bool.
    return qe.MatchValue(np.bool_(values[0]) if isinstance(values[0], bool) else values[0])
