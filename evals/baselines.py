"""The systems the harness compares: the engine's search modes, and a plain BM25 baseline over the same passages."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

import bm25s
import numpy as np

from cyberlex.corpus.errors import InvalidInput
from cyberlex.corpus.model import Passage

if TYPE_CHECKING:
    from cyberlex.index.search import Searcher

SEARCH_MODES = ("hybrid", "dense", "sparse")
SYSTEM_NAMES = (*SEARCH_MODES, "bm25")
CANDIDATES_PER_RESULT = 20  # passages ranked fully per wanted result before grouping reads further
TOKEN_PATTERN = r"(?u)\b\w+\b"  # bm25s' default needs two characters and would drop "7" in "24/7" or "art. 2"


class System(Protocol):
    """Anything that ranks provisions for a query; ``name`` also names its TREC run file."""

    name: str

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Provision ids with scores, best first."""
        ...


class SearcherSystem:
    """One search mode of the engine's ``Searcher``."""

    def __init__(self, searcher: Searcher, mode: str):
        if mode not in SEARCH_MODES:
            raise InvalidInput(f"unknown search mode {mode!r}; valid modes: {', '.join(SEARCH_MODES)}")
        self.name = mode
        self._searcher = searcher

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        return [(hit.passage.provision_id, hit.score) for hit in self._searcher.search(query, k=k, mode=self.name)]


def _stemmer() -> Callable[[list[str]], list[str]]:
    """English Snowball stemming (the same stemmer family as the engine), so the baseline is a fair one."""
    import snowballstemmer

    return snowballstemmer.stemmer("english").stemWords


class BM25System:
    """BM25 (bm25s) over the indexed passages, grouped like the engine: one result per provision unit."""

    def __init__(self, passages: Sequence[Passage], name: str = "bm25"):
        if not passages:
            raise InvalidInput("the BM25 baseline needs passages, and none were given: ingest the corpus first")
        self.name = name
        self._passages = tuple(passages)
        self._stemmer = _stemmer()
        self._bm25 = bm25s.BM25()
        texts = [f"{p.heading}\n{p.text}" for p in self._passages]
        unique = list(dict.fromkeys(texts))  # each distinct text tokenized (and stemmed) once
        tokens = dict(zip(unique, self._tokenize(unique)))
        self._bm25.index([tokens[t] for t in texts], show_progress=False)

    def _tokenize(self, texts: list[str]) -> list[list[str]]:
        return bm25s.tokenize(
            texts, token_pattern=TOKEN_PATTERN, stopwords="en", stemmer=self._stemmer,
            return_ids=False, show_progress=False, allow_empty=False,
        )

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        # A query with no word (punctuation alone) tokenizes to bm25s' placeholder "", which its vocabulary holds and its score
        # matrix does not.
        tokens = [t for t in self._tokenize([query])[0] if t]
        if not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        results: dict[str, tuple[str, float]] = {}  # unit id -> its best passage's (provision id, score)
        for i in _best_first(scores, CANDIDATES_PER_RESULT * k):
            if scores[i] <= 0 or len(results) == k:
                break
            passage = self._passages[i]
            results.setdefault(passage.unit_id, (passage.provision_id, float(scores[i])))
        return list(results.values())


def _best_first(scores: np.ndarray, n: int) -> Iterator[int]:
    """Indices by score, best first, ties by index; the ``n`` best are ranked first and the rest only if the
    caller reads on: sorting a million scores would cost more than scoring them."""
    if n >= len(scores):
        yield from np.argsort(-scores, kind="stable")
        return
    nth = -np.partition(-scores, n - 1)[n - 1]
    for part in (np.flatnonzero(scores >= nth), np.flatnonzero(scores < nth)):  # ties at the n-th stay together
        yield from part[np.argsort(-scores[part], kind="stable")]


def build_systems(searcher: Searcher, names: Sequence[str]) -> list[System]:
    """The named systems (hybrid, dense, sparse, bm25), in the order given; BM25 indexes ``searcher.passages()``."""
    unknown = [n for n in names if n not in SYSTEM_NAMES]
    if unknown:
        raise InvalidInput(f"unknown system {unknown[0]!r}; valid systems: {', '.join(SYSTEM_NAMES)}")
    if any(n in SEARCH_MODES for n in names):
        searcher.warm_up()
    return [BM25System(searcher.passages()) if n == "bm25" else SearcherSystem(searcher, n) for n in names]
