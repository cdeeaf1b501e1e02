"""The relevance bar of the evals issue, on the full corpus and the dev set, with the settings cyberlex serves.

Slow: it ingests the whole corpus into a fresh data dir (the embedding cache of ./data is copied in when
there is one, so only a fresh machine embeds everything).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cyberlex.corpus.catalog import load_catalog
from cyberlex.evals.baselines import build_systems
from cyberlex.evals.run import SETS_DIR, run_eval
from cyberlex.index.indexer import Indexer
from cyberlex.index.search import Searcher
from cyberlex.settings import Settings
from cyberlex.index.store import open_store
from cyberlex.ingest.pipeline import ingest, resolve_sources

pytestmark = pytest.mark.slow



@pytest.fixture(scope="module")
def full_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("full")
    cache = Settings().cache_dir
    if cache.is_dir():
        shutil.copytree(cache, data_dir / "cache")
    settings = Settings(data_dir=data_dir)
    store = open_store(settings)
    try:
        report = ingest(resolve_sources(load_catalog(), settings.corpus_dir), Indexer(settings, store).index)
    finally:
        store.close()
    assert report.ok, report.failed
    return settings


def test_hybrid_clears_the_relevance_bar_on_the_dev_set(full_index: Settings, tmp_path: Path) -> None:
    searcher = Searcher(full_index)
    try:
        result = run_eval(SETS_DIR / "dev.jsonl", SETS_DIR / "dev.qrels", build_systems(searcher, ["hybrid", "bm25"]), tmp_path)
    finally:
        searcher.close()
    hybrid, bm25 = (result.to_dict()["systems"][name]["scores"] for name in ("hybrid", "bm25"))
    assert hybrid["all"]["nDCG@10"] >= 0.85
    assert hybrid["all"]["nDCG@10"] >= 1.15 * bm25["all"]["nDCG@10"]
    assert hybrid["all"]["R@10"] >= 0.90
    assert hybrid["citation"]["P@1"] == 1.0
    assert (tmp_path / "hybrid.trec").is_file() and (tmp_path / "bm25.trec").is_file()
