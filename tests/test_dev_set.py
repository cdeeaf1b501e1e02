"""The relevance bars, on the full corpus and both shipped sets (dev and dev2), with the settings cyberlex serves.

Slow: it ingests the whole corpus into a fresh data dir (the embedding cache of ./data is copied in when
there is one, so only a fresh machine embeds everything).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cyberlex.corpus.catalog import load_catalog
from cyberlex.evals.baselines import build_systems
from cyberlex.evals.run import SETS_DIR, load_queries, run_eval
from cyberlex.index.search import Searcher
from cyberlex.settings import Settings
from cyberlex.ingest.pipeline import resolve_sources
from cyberlex.ingest.service import IngestService

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def full_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("full")
    cache = Settings().cache_dir
    if cache.is_dir():
        shutil.copytree(cache, data_dir / "cache")
    settings = Settings(data_dir=data_dir)
    catalog = load_catalog()
    with IngestService.open(settings, catalog) as service:  # as `cyberlex ingest` does: the legal index too
        report = service.run(resolve_sources(catalog, settings.corpus_dir)).report
    assert report.ok, report.failed
    return settings


def test_hybrid_clears_the_relevance_bars_on_dev_and_dev2(full_index: Settings, tmp_path: Path) -> None:
    searcher = Searcher(full_index)
    try:
        systems = build_systems(searcher, ["hybrid", "bm25"])
        dev, dev2 = (run_eval(SETS_DIR / f"{name}.jsonl", SETS_DIR / f"{name}.qrels", systems, tmp_path / name)
                     for name in ("dev", "dev2"))
    finally:
        searcher.close()
    hybrid, bm25 = (dev.to_dict()["systems"][name]["scores"] for name in ("hybrid", "bm25"))
    assert hybrid["all"]["nDCG@10"] >= 0.88
    assert hybrid["all"]["nDCG@10"] >= 1.15 * bm25["all"]["nDCG@10"]
    assert hybrid["all"]["R@10"] >= 0.90
    assert hybrid["citation"]["P@1"] == 1.0
    hybrid2, bm25_2 = (dev2.to_dict()["systems"][name]["scores"] for name in ("hybrid", "bm25"))
    assert hybrid2["all"]["nDCG@10"] >= 0.60
    assert hybrid2["all"]["nDCG@10"] >= 1.5 * bm25_2["all"]["nDCG@10"]
    assert hybrid2["style:crosslingual"]["nDCG@10"] >= 0.5
    assert hybrid2["style:citation"]["P@1"] == 1.0
    assert (tmp_path / "dev" / "hybrid.trec").is_file() and (tmp_path / "dev2" / "bm25.trec").is_file()


def test_the_first_ten_results_do_not_depend_on_k(full_index: Settings) -> None:
    searcher = Searcher(full_index)
    try:
        for name in ("dev", "dev2"):
            for query in load_queries(SETS_DIR / f"{name}.jsonl")[:30]:
                ten = [h.passage.provision_id for h in searcher.search(query.text, k=10)]
                assert ten == [h.passage.provision_id for h in searcher.search(query.text, k=100)][:10], query.text
    finally:
        searcher.close()
