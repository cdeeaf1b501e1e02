"""The shared store: a collection on a Qdrant server or cluster, through qdrant-client.

Same layout and payload indexes as the Edge store; many processes may use it at once. Tests run it on
``QdrantClient(":memory:")``, which speaks the same API as a server.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from haystack.dataclasses import SparseEmbedding
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ApiException

from cyberlex.corpus.errors import StoreUnavailable
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
# The Edge store's dense layout and search parameters; why: index.store and edge_store.FILTERED_DENSE.
INT8 = models.ScalarQuantization(
    scalar=models.ScalarQuantizationConfig(type=models.ScalarType.INT8, quantile=QUANTILE, always_ram=True)
)
RESCORED = models.QuantizationSearchParams(rescore=True, oversampling=OVERSAMPLING)
DENSE_SEARCH = models.SearchParams(hnsw_ef=HNSW_EF, quantization=RESCORED)
FILTERED_DENSE = models.SearchParams(
    hnsw_ef=HNSW_EF, quantization=RESCORED, acorn=models.AcornSearchParams(enable=True)
)


class ClientStore(Store):
    def __init__(self, client: QdrantClient, collection: str, location: str = ""):
        self.client = client
        self.collection = collection
        self.location = f"{location or 'qdrant'} collection {collection!r}"
        self._exists = False
        self._vectors: frozenset[str] = frozenset()
        self._ready()  # fails now, naming the server, if it does not answer

    @classmethod
    def connect(cls, url: str, api_key: str | None, collection: str) -> ClientStore:
        # The constructor's own check asks the server in a background thread and only warns, late; the
        # first call below says at once, as StoreUnavailable, whether the server answers.
        client = QdrantClient(url=url, api_key=api_key, timeout=30, check_compatibility=False)
        return cls(client, collection, url)

    @property
    def vectors(self) -> frozenset[str]:
        self._ready()
        return self._vectors

    def upsert(self, points: Sequence[StoredPoint]) -> None:
        if not points:
            return
        self.require(*{name for p in points for name in p.extra})
        if not self._ready():
            self._create(len(points[0].dense))
        with self._reachable():
            self.client.upsert(self.collection, [_point(p) for p in points], wait=True)

    def delete(self, point_ids: Collection[str]) -> None:
        if point_ids and self._ready():
            with self._reachable():
                self.client.delete(self.collection, models.PointIdsList(points=list(point_ids)), wait=True)

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
        if not self._ready():
            return []
        filter_ = _filter(where)
        searches: list[tuple[Any, str, models.SearchParams | None]] = []
        if dense is not None:
            self.require(using)
            searches.append((list(dense), using, FILTERED_DENSE if filter_ is not None else DENSE_SEARCH))
        if sparse is not None:
            searches.append((_sparse(sparse), SPARSE, None))
        if not searches:
            raise ValueError("query needs a dense or a sparse vector")
        if len(searches) == 1:
            (vector, using, params), = searches
            request: dict[str, Any] = dict(query=vector, using=using, query_filter=filter_, search_params=params)
        else:
            weights = [fusion.dense_weight, 1 - fusion.dense_weight]
            prefetch = [models.Prefetch(query=v, using=u, filter=filter_, params=p, limit=limit)
                        for v, u, p in searches]
            request = dict(prefetch=prefetch, query=models.RrfQuery(rrf=models.Rrf(k=fusion.k, weights=weights)))
        with self._reachable():
            response = self.client.query_points(
                self.collection, limit=limit, with_payload=list(fields) if fields else True, **request)
        return [(p.payload or {}, p.score) for p in response.points]

    def payloads(self, point_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not point_ids or not self._ready():
            return {}
        with self._reachable():
            records = self.client.retrieve(self.collection, list(point_ids), with_payload=True, with_vectors=False)
        return {str(r.id): r.payload or {} for r in records}

    def scroll(
        self, where: Where | None = None, fields: Sequence[str] | None = None
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        if not self._ready():
            return
        offset = None
        while True:
            with self._reachable():
                records, offset = self.client.scroll(
                    self.collection,
                    scroll_filter=_filter(where),
                    limit=SCROLL_PAGE,
                    offset=offset,
                    with_payload=list(fields) if fields else True,
                )
            yield from ((str(r.id), r.payload or {}) for r in records)
            if offset is None:
                return

    def count(self, where: Where | None = None) -> int:
        if not self._ready():
            return 0
        with self._reachable():
            return self.client.count(self.collection, count_filter=_filter(where), exact=True).count

    def facet(self, field: str, where: Where | None = None) -> dict[Any, int]:
        if not self._ready():
            return {}
        with self._reachable():
            response = self.client.facet(
                self.collection, field, facet_filter=_filter(where), limit=FACET_LIMIT, exact=True
            )
        return {hit.value: hit.count for hit in response.hits}

    def close(self) -> None:
        self.client.close()

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        """Transport and server errors become StoreUnavailable, naming the server."""
        try:
            yield
        except ApiException as exc:
            raise StoreUnavailable(f"the Qdrant server at {self.location} failed: {exc}") from exc

    def _ready(self) -> bool:
        """Whether the collection exists, and then its named vectors; asked again until it does, since another
        process may create it."""
        if not self._exists:
            with self._reachable():
                self._exists = self.client.collection_exists(self.collection)
                if self._exists:
                    self._vectors = frozenset(self.client.get_collection(self.collection).config.params.vectors)
        return self._exists

    def _create(self, dim: int) -> None:
        indexes = [(f, models.PayloadSchemaType.KEYWORD) for f in KEYWORD_FIELDS]
        indexes += [(f, models.PayloadSchemaType.BOOL) for f in BOOL_FIELDS]
        sizes = dense_sizes(dim)
        with self._reachable(), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # local mode (":memory:") says it ignores payload indexes
            self.client.create_collection(
                self.collection,
                vectors_config={
                    name: models.VectorParams(size=size, distance=models.Distance.COSINE, quantization_config=INT8)
                    for name, size in sizes.items()
                },
                sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            )
            for field, schema in indexes:
                self.client.create_payload_index(self.collection, field, schema, wait=True)
        self._exists = True
        self._vectors = frozenset(sizes)


def _point(point: StoredPoint) -> models.PointStruct:
    vector = {DENSE: list(point.dense), SPARSE: _sparse(point.sparse)}
    vector.update((name, list(v)) for name, v in point.extra.items())
    return models.PointStruct(id=point.id, vector=vector, payload=point.payload)


def _sparse(vector: SparseEmbedding) -> models.SparseVector:
    return models.SparseVector(indices=list(vector.indices), values=list(vector.values))


def _filter(where: Where | None) -> models.Filter | None:
    must: list[models.Condition] = [
        models.FieldCondition(
            key=field,
            match=models.MatchAny(any=values) if len(values) > 1 else models.MatchValue(value=values[0]),
        )
        for field, values in conditions(where)
    ]
    return models.Filter(must=must) if must else None
