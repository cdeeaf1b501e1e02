"""The benchmark at tiny sizes: every figure is there and the JSON and Markdown are well formed. Timings vary
with the machine, so none is asserted beyond being a positive number."""

from __future__ import annotations

import gc
import json
from typing import Any

import numpy as np
import pytest
from haystack.dataclasses import SparseEmbedding

from cyberlex.corpus.errors import InvalidInput
from cyberlex.corpus.model import Passage
from cyberlex.evals.bench import (
    SYSTEMS,
    Base,
    BenchConfig,
    Latency,
    adapting,
    ingest_rates,
    no_cyclic_gc,
    parse_sizes,
    run_bench,
    sample_queries,
    synthetic_points,
    to_markdown,
    write_report,
)
from cyberlex.settings import TRAINING_RECIPE, Settings

SYNTHETIC = 300
QUERIES = 4
BATCH_SIZES = (4, 8)
LATENCY_FIELDS = {"n", "p50", "p95", "p99"}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run over the smallest instrument of the corpus (a real ingest and a real API in subprocesses)."""
    config = BenchConfig(
        sizes=(SYNTHETIC,), queries=QUERIES, embed_sample=8, batch_sizes=BATCH_SIZES, api_seconds=0.5,
        ingest_paths=(Settings().corpus_dir / "budapest-protocol-1-xenophobia.md",),
    )
    return run_bench(Settings(), tmp_path_factory.mktemp("bench"), config, progress=lambda _: None)


def positive(value: Any) -> bool:
    return isinstance(value, int | float) and value > 0


def latency(figures: dict[str, Any], n: int | None = None) -> bool:
    return set(figures) == LATENCY_FIELDS and all(positive(figures[f]) for f in LATENCY_FIELDS) and (
        n is None or figures["n"] == n) and figures["p50"] <= figures["p95"] <= figures["p99"]


def loaded(figures: dict[str, Any]) -> bool:
    return isinstance(figures["load_1m"], float) and "cpu_pressure_10s" in figures


def test_ingest_figures_compare_the_end_to_end_rate_with_the_raw_one(report):
    ingest = report["ingest"]
    for field in ("seconds", "cpu_seconds", "passages", "unique_texts", "passages_per_s", "ratio_to_raw",
                  "cpu_ratio_to_raw", "peak_rss_mb", "batch_size"):
        assert positive(ingest[field]), field
    assert ingest["adapting_seconds"] == ingest["adapting_cpu_seconds"] == 0  # the tests embed with the shipped model
    assert ingest["passages_per_s"] == pytest.approx(ingest["passages"] / ingest["seconds"], rel=0.01)
    assert loaded(ingest)


def test_training_the_adapted_model_is_reported_apart_and_left_out_of_the_ingest_rate(tmp_path):
    settings = Settings(data_dir=tmp_path, adapt=True)
    assert adapting(settings) == {"adapting_seconds": 0.0, "adapting_cpu_seconds": 0.0}
    settings.adapted_model_dir.mkdir(parents=True)
    recipe = {"duration_seconds": 200.0, "cpu_seconds": 320.0}
    (settings.adapted_model_dir / TRAINING_RECIPE).write_text(json.dumps(recipe), encoding="utf-8")
    ingest = {"seconds": 300.0, "cpu_seconds": 420.0, **adapting(settings)}
    assert ingest["adapting_seconds"] == 200.0 and ingest["adapting_cpu_seconds"] == 320.0
    rates = ingest_rates(ingest, {"best_passages_per_s": 20.0, "best_passages_per_cpu_s": 10.0}, list(base().passages) * 200)
    assert rates["passages_per_s"] == 10.0 and rates["ratio_to_raw"] == 0.5 and rates["cpu_ratio_to_raw"] == 1.0
    assert adapting(settings.model_copy(update={"adapt": False}))["adapting_seconds"] == 0.0


def test_raw_embedding_rate_is_given_per_batch_size_with_the_best(report):
    embedding = report["embedding"]
    assert set(embedding["passages_per_s"]) == {str(b) for b in BATCH_SIZES}
    assert all(positive(rate) for rate in embedding["passages_per_s"].values())
    assert embedding["best_passages_per_s"] == max(embedding["passages_per_s"].values())
    assert embedding["passages_per_s"][str(embedding["best_batch_size"])] == embedding["best_passages_per_s"]
    assert positive(embedding["best_passages_per_cpu_s"]) and loaded(embedding)


def test_every_system_has_latency_at_the_real_and_the_synthetic_size(report):
    real, synthetic = report["search"]
    assert synthetic == str(SYNTHETIC)
    assert report["search"][real]["passages"] == report["ingest"]["passages"]
    assert report["search"][synthetic]["passages"] == SYNTHETIC
    for size in (real, synthetic):
        for system in SYSTEMS:
            assert latency(report["search"][size][system], n=QUERIES), (size, system)
        assert positive(report["search"][size]["first_query_s"]) and loaded(report["search"][size])
    assert latency(report["query_embedding"]["latency"], n=QUERIES)


def test_synthetic_build_is_timed_stage_by_stage(report):
    build = report["search"][str(SYNTHETIC)]["build"]
    for field in ("upsert_s", "optimize_s", "load_s", "bm25_index_s", "disk_mb"):
        assert isinstance(build[field], int | float) and build[field] >= 0, field
    assert loaded(build)


def test_api_figures_cover_one_client_and_concurrent_clients(report):
    api = report["api"]
    assert latency(api["sequential"], n=QUERIES) and latency(api["repeated"], n=QUERIES)
    concurrent = api["concurrent"]
    assert concurrent["clients"] == 8 and concurrent["errors"] == 0
    assert concurrent["requests"] == concurrent["latency"]["n"] > 0 and positive(concurrent["requests_per_s"])
    assert positive(api["peak_rss_mb"]) and positive(api["startup_s"])


def test_json_report_round_trips(report, tmp_path):
    as_json, _ = write_report(report, tmp_path)
    assert json.loads(as_json.read_text()) == report


def test_markdown_tables_are_well_formed_and_hold_every_figure(report, tmp_path):
    _, as_markdown = write_report(report, tmp_path)
    text = as_markdown.read_text()
    assert text == to_markdown(report)
    tables: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("|"):
            if not tables or not tables[-1]:
                tables.append([])
            tables[-1].append(line)
        elif tables and tables[-1]:
            tables.append([])
    tables = [t for t in tables if t]
    assert len(tables) == 4  # throughput, search latency, API, synthetic builds
    for table in tables:
        assert set(table[1].replace("|", "").split()) == {"---"}
        assert len({row.count("|") for row in table}) == 1, table[0]
    rows = "\n".join(line.split("|")[1].strip() for table in tables for line in table)
    for expected in (*SYSTEMS, "ingest peak RSS", "serve peak RSS", "8 concurrent clients",
                     *(f"raw embedding, batch {b}" for b in BATCH_SIZES), f"{SYNTHETIC:,}"):
        assert expected in rows, expected
    assert "Query embedding alone" in text


def test_latency_summarises_seconds_as_millisecond_percentiles():
    figures = Latency.of([0.001] * 98 + [0.1, 0.2])
    assert (figures.n, figures.p50) == (100, 1.0)
    assert figures.p95 == 1.0 and figures.p99 > 100
    assert str(figures) == f"1.0 / 1.0 / {figures.p99:.1f}"


def base(count: int = 5, dim: int = 16) -> Base:
    rng = np.random.default_rng(3)
    dense = rng.standard_normal((count, dim)).astype(np.float32)
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    passages = tuple(
        Passage(provision_id=f"doc/art-{i}/1", unit_id=f"doc/art-{i}", chunk=0, instrument_id="doc", label=f"Art. {i}",
                heading="", path=(), citation=f"Doc, art. {i}", text=f"text {i}", start=i, end=i + 6)
        for i in range(count)
    )
    payloads = tuple({"unit_id": p.unit_id, "provision_id": p.provision_id, "text": p.text} for p in passages)
    sparse = tuple(SparseEmbedding(indices=list(range(i, i + 20)), values=[1.0] * 20) for i in range(count))
    return Base(passages, payloads, dense, sparse)


def test_synthetic_copies_are_new_units_near_their_original():
    original = base()
    pairs = list(synthetic_points(original, 12, seed=0))
    assert len(pairs) == 12
    assert len({point.id for _, point in pairs}) == 12
    assert [p.unit_id for p, _ in pairs[:6]] == [*(f"doc/art-{i}-copy0" for i in range(5)), "doc/art-0-copy1"]
    for n, (passage, point) in enumerate(pairs):
        row = n % 5
        assert passage.provision_id == f"doc/art-{row}-copy{n // 5}/1" == point.payload["provision_id"]
        assert point.payload["text"] == original.passages[row].text
        cosine = float(np.dot(point.dense, original.dense[row]))
        assert 0.75 < cosine < 0.99
        assert 0 < len(point.sparse.indices) <= 20
        assert set(point.sparse.indices) <= set(original.sparse[row].indices)


def test_the_cycle_collector_is_paused_while_building_and_restored_after_even_on_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), no_cyclic_gc():
        assert not gc.isenabled()
        raise RuntimeError("a failed build")
    assert gc.isenabled()
    gc.disable()
    try:
        with no_cyclic_gc():
            pass
        assert not gc.isenabled()  # a caller that had paused it keeps it paused
    finally:
        gc.enable()


def test_sample_queries_are_distinct_and_repeatable():
    passages = base(20).passages
    first = sample_queries(passages, 10, seed=1)
    assert first == sample_queries(passages, 10, seed=1)
    assert len(first) == len(set(first)) == 10
    assert all(q.startswith("text") for q in first)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("100000,1000000", (100_000, 1_000_000)), ("1_000", (1000,)), (" 300 , ", (300,)), ("", ())],
)
def test_sizes_parse(text, expected):
    assert parse_sizes(text) == expected


@pytest.mark.parametrize("text", ["1e6", "-5", "0", "big"])
def test_bad_sizes_are_refused_naming_the_value(text):
    with pytest.raises(InvalidInput, match=repr(text.strip())):
        parse_sizes(text)
