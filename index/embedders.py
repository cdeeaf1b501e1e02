"""Dense embeddings, cached on disk by model identity + text hash.

``CachedEncoder`` is the cache-through part; ``DenseEncoder`` (MiniLM, every passage) and ``index.e5.E5Encoder``
(multilingual e5, the passages of other languages) are its models. MiniLM runs on the backend
``Settings.embed_backend`` names (``index.onnx_backend``: sentence-transformers on torch, or ONNX Runtime).
Re-ingesting unchanged text, or re-running the tests, never embeds again: the vectors come from a small sqlite
file under ``Settings.cache_dir``. A model loads in ``warm_up()``, never at import, and once per process per
model and backend (the indexer and the searcher of one process share it).
"""

from __future__ import annotations

import functools
import hashlib
import sqlite3
import threading
from abc import ABC, abstractmethod
from array import array
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from haystack import Document, component

from cyberlex.corpus.model import Passage
from cyberlex.index.documents import to_passage
from cyberlex.index.onnx_backend import Encoder, load_encoder
from cyberlex.settings import Settings

QUERY_CACHE_SIZE = 1024


def embedding_text(passage: Passage) -> str:
    """What the model reads for a passage: label and heading first, then the enclosing divisions, then
    the text, so a provision whose text never names its topic is still embedded near it."""
    head = " — ".join(x for x in (passage.label, passage.heading) if x)
    return "\n".join(x for x in (head, " › ".join(passage.path), passage.text) if x)


class EmbeddingCache:
    """(model identity, text hash) → float32 vector, in one sqlite file shared by every process."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS embeddings (model TEXT, hash TEXT, vector BLOB, PRIMARY KEY (model, hash))"
        )

    def get(self, model: str, hashes: Sequence[str]) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        with self._lock:
            for start in range(0, len(hashes), 500):  # sqlite caps the number of bound parameters
                chunk = list(hashes[start : start + 500])
                rows = self._db.execute(
                    f"SELECT hash, vector FROM embeddings WHERE model = ? AND hash IN ({','.join('?' * len(chunk))})",
                    [model, *chunk],
                )
                found.update({h: np.frombuffer(v, dtype=np.float32).tolist() for h, v in rows})
        return found

    def put(self, model: str, vectors: dict[str, list[float]]) -> None:
        rows = [(model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in vectors.items()]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        self._db.close()


_shared: dict[tuple[str, str], Encoder] = {}
_shared_lock = threading.Lock()


def _shared_encoder(settings: Settings) -> Encoder:
    """One loaded model per model and backend in a process: the indexer and searcher share it."""
    key = (settings.model_path, settings.embed_backend)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = load_encoder(settings)
        return _shared[key]


class CachedEncoder(ABC):
    """Normalised (cosine) embeddings of passages and queries, through the disk cache under the model's identity;
    ``model_calls`` counts texts the model actually embedded, the rest came from the caches. Subclasses load a
    model in ``warm_up`` and say how it embeds passages and queries."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.model_calls = 0
        self._cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite")
        self.embed_query = functools.lru_cache(maxsize=QUERY_CACHE_SIZE)(self._embed_query)

    @abstractmethod
    def warm_up(self) -> None: ...

    @property
    @abstractmethod
    def identity(self) -> str:
        """The model (and its runtime), as the embedding cache and the index signature know it."""

    @property
    @abstractmethod
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Passage vectors for texts, in order; only texts missing from the disk cache go to the model."""
        hashes = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        known = self._cache.get(self.identity, hashes)
        missing = {h: t for h, t in zip(hashes, texts) if h not in known}
        if missing:
            self.model_calls += len(missing)
            fresh = dict(zip(missing, self._encode(list(missing.values()))))
            self._cache.put(self.identity, fresh)
            known.update(fresh)
        return [known[h] for h in hashes]

    def close(self) -> None:
        self._cache.close()

    def _embed_query(self, text: str) -> tuple[float, ...]:
        self.model_calls += 1
        return tuple(self._encode_query(text))

    @abstractmethod
    def _encode(self, texts: list[str]) -> list[list[float]]:
        """Passage vectors, normalised."""

    @abstractmethod
    def _encode_query(self, text: str) -> list[float]:
        """A query's vector, normalised."""


class DenseEncoder(CachedEncoder):
    """MiniLM (or ``Settings.model``) on ``Settings.embed_backend``: the dense leg every passage has."""

    def __init__(self, settings: Settings):
        super().__init__(settings)
        self._model: Encoder | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> DenseEncoder:
        """The same as ``DenseEncoder(settings)``; the name other modules' code uses."""
        return cls(settings)

    def warm_up(self) -> None:
        if self._model is None:
            self._model = _shared_encoder(self.settings)

    @property
    def identity(self) -> str:
        return self._loaded().model_id

    @property
    def dim(self) -> int:
        return self._loaded().get_sentence_embedding_dimension()

    def _loaded(self) -> Encoder:
        self.warm_up()
        assert self._model is not None
        return self._model

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self._loaded().encode(texts, batch_size=self.settings.embed_batch_size, normalize_embeddings=True)
        return vectors.astype(np.float32).tolist()

    def _encode_query(self, text: str) -> list[float]:
        return self._encode([text])[0]


@component
class PassageEmbedder:
    """Adds the dense embedding of each passage document (of its ``embedding_text``)."""

    def __init__(self, encoder: DenseEncoder):
        self.encoder = encoder

    def warm_up(self) -> None:
        self.encoder.warm_up()

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        vectors = self.encoder.embed([embedding_text(to_passage(doc.meta)) for doc in documents])
        return {"documents": [replace(doc, embedding=v) for doc, v in zip(documents, vectors)]}


@component
class QueryEmbedder:
    """The query's embedding (by MiniLM, or by e5 given an ``E5Encoder``) as an ``array``: a pipeline deep-copies a
    list element by element, which cost milliseconds per query for 384 floats; an array it copies at once."""

    def __init__(self, encoder: CachedEncoder):
        self.encoder = encoder

    def warm_up(self) -> None:
        self.encoder.warm_up()

    @component.output_types(embedding=Sequence[float])
    def run(self, text: str) -> dict[str, Sequence[float]]:
        return {"embedding": array("f", self.encoder.embed_query(text))}
