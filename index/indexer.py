"""Indexing: an instrument's passages into the store, writing only what changed.

Point ids are deterministic (``Passage.key``), and each payload carries a hash of its content and of how
its vectors were made, so re-indexing unchanged text embeds nothing and writes nothing, and points that
a re-ingested instrument no longer produces are deleted.

An instrument's new version reaches the store whole: every changed point in one upsert, after all of them
are embedded. Qdrant writes an operation to its write-ahead log before applying it, so a process killed
at any moment leaves the instrument as it was or as it is now, never half-written; what was embedded
before the kill is kept by the embedding cache (sqlite, written in transactions), so the next run
finishes quickly and converges to the same points. Points the new version no longer produces are deleted
in a second operation right after: only a kill between the two leaves them, and the next run removes them.

The passages of the e5 leg's languages (``index.e5``) also get an e5 vector; their content hash names the e5
model too, so enabling it, or changing its model or languages, rewrites exactly those points.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from haystack import Document, Pipeline, component

from cyberlex.corpus.errors import InvalidInput
from cyberlex.corpus.model import Passage
from cyberlex.index.documents import HASH_FIELD, point_id, to_document
from cyberlex.index.e5 import E5PassageEmbedder
from cyberlex.index.embedders import DenseEncoder, PassageEmbedder
from cyberlex.settings import Settings
from cyberlex.index.sparse import Bm25Params, SparseEncoder
from cyberlex.index.store import E5, Store, StoredPoint

@dataclass(frozen=True)
class IndexReport:
    added: int
    updated: int
    unchanged: int
    removed: int

    def __str__(self) -> str:
        return f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, removed {self.removed}"


@component
class StoreWriter:
    """Commits an instrument's new version: its changed points in one upsert, then its stale ones deleted."""

    def __init__(self, store: Store):
        self.store = store

    @component.output_types(written=int, removed=int)
    def run(
        self, documents: list[Document], stale: list[str], e5_vectors: dict[str, list[float]] | None = None
    ) -> dict[str, int]:
        e5 = e5_vectors or {}
        self.store.upsert([
            StoredPoint(d.id, d.embedding, d.sparse_embedding, d.meta, {E5: e5[d.id]} if d.id in e5 else {})
            for d in documents
        ])
        self.store.delete(stale)
        return {"written": len(documents), "removed": len(stale)}


def build_indexing_pipeline(
    store: Store, encoder: DenseEncoder, bm25: Bm25Params, e5: E5PassageEmbedder | None = None
) -> Pipeline:
    """passage documents → dense embeddings → BM25 sparse vectors → [e5 vectors of some] → store."""
    pipeline = Pipeline()
    pipeline.add_component("embedder", PassageEmbedder(encoder))
    pipeline.add_component("sparse", SparseEncoder(bm25))
    pipeline.add_component("writer", StoreWriter(store))
    pipeline.connect("embedder.documents", "sparse.documents")
    pipeline.connect("sparse.documents", "writer.documents")
    if e5 is not None:
        pipeline.add_component("e5", e5)
        pipeline.connect("sparse.documents", "e5.documents")
        pipeline.connect("e5.vectors", "writer.e5_vectors")
    return pipeline


class Indexer:
    """``e5`` defaults to what ``Settings.e5_languages`` asks for; a store built before the e5 vector existed is
    refused at once, with how to rebuild it, rather than at its first passage in another language."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        embedder: DenseEncoder | None = None,
        e5: E5PassageEmbedder | None = None,
    ):
        self.store = store
        self.encoder = embedder if embedder is not None else DenseEncoder(settings)
        self.bm25 = Bm25Params.from_settings(settings)
        self.e5 = e5 if e5 is not None else E5PassageEmbedder.from_settings(settings)
        if self.e5 is not None:
            store.require(E5)
        self.pipeline = build_indexing_pipeline(store, self.encoder, self.bm25, self.e5)

    @property
    def signature(self) -> str:
        """How vectors are made; part of every content hash, so changing the model or BM25 settings
        rewrites every point on the next ingest."""
        return f"{self.encoder.identity}|{self.bm25.signature}"

    def index(self, instrument_id: str, passages: Sequence[Passage]) -> IndexReport:
        """Make the store hold exactly ``passages`` for the instrument."""
        _check(instrument_id, passages)
        stored = self.store.hashes_of(instrument_id)
        changed = self._changed(passages, stored)
        stale = sorted(stored.keys() - {point_id(p.key) for p in passages})
        if changed or stale:
            self.pipeline.run({"embedder": {"documents": changed}, "writer": {"stale": stale}})
        added = sum(d.id not in stored for d in changed)
        return IndexReport(added, len(changed) - added, len(passages) - len(changed), len(stale))

    def embed_ahead(self, instruments: Mapping[str, Sequence[Passage]]) -> None:
        """Embed now, in one call to the model, the passages that ``index`` will write for these instruments, so
        that it finds their vectors in the embedding cache. The model runs faster on one long list sorted by
        length than on the same texts instrument by instrument; passages the store holds unchanged are left out."""
        changed = [d for iid, passages in instruments.items() for d in
                   self._changed(passages, self.store.hashes_of(iid))]
        self.pipeline.get_component("embedder").run(documents=changed)  # the texts index() will embed, by construction
        if self.e5 is not None:
            self.e5.run(documents=changed)

    def _changed(self, passages: Sequence[Passage], stored: Mapping[str, str]) -> list[Document]:
        """The passages' documents whose point the store lacks or holds with another content hash."""
        documents = (to_document(p, self._signature(p)) for p in passages)
        return [d for d in documents if stored.get(d.id) != d.meta[HASH_FIELD]]

    def _signature(self, passage: Passage) -> str:
        """The passage's vectors: ``signature``, and the e5 model's if the passage gets an e5 vector."""
        if self.e5 is not None and self.e5.covers(passage.metadata.get("language")):
            return f"{self.signature}|{self.e5.encoder.identity}"
        return self.signature


def _check(instrument_id: str, passages: Sequence[Passage]) -> None:
    """Passages of another instrument, or two passages with one key, would silently overwrite points."""
    strangers = sorted({p.instrument_id for p in passages} - {instrument_id})
    if strangers:
        raise InvalidInput(f"passages of {', '.join(strangers)} given to index instrument {instrument_id!r}")
    doubled = sorted(key for key, n in Counter(p.key for p in passages).items() if n > 1)
    if doubled:
        raise InvalidInput(f"passages with the same unit and chunk would share a point: {', '.join(doubled[:5])}")
