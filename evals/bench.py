"""``cyberlex bench``: how fast the engine is, measured in one run on one machine, as JSON and Markdown.

In order: a full ingest from an empty embedding cache (``cyberlex ingest`` in a subprocess over a fresh data
directory); the model's raw embedding rate on a sample of the same passages; the query-embedding time alone;
query latency of BM25, dense, sparse and hybrid over that index; the API on loopback (``cyberlex serve`` in a
subprocess: one client, then concurrent ones); and the four systems again at synthetic sizes. Synthetic passages
are the real ones repeated as new units, with perturbed real vectors (dense: the passage's embedding plus noise;
sparse: the real sparse encoder's vector, a tenth of its terms dropped) in a Qdrant Edge store the engine's own
``EdgeStore`` lays out and indexes. The machine may be shared: every figure carries the load average and CPU
pressure at the time it was taken.
"""

from __future__ import annotations

import gc
import http.client
import importlib.metadata
import itertools
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
from haystack.dataclasses import SparseEmbedding

from cyberlex.corpus.errors import CyberlexError, InvalidInput
from cyberlex.corpus.model import Passage
from cyberlex.evals.baselines import BM25System
from cyberlex.index import allocator
from cyberlex.index.documents import point_id, to_passage
from cyberlex.index.edge_store import EdgeStore
from cyberlex.index.embedders import embedding_text
from cyberlex.index.onnx_backend import Encoder, load_encoder
from cyberlex.index.search import Searcher
from cyberlex.settings import PACKAGE_ROOT, Settings
from cyberlex.index.sparse import Bm25Params, encode_document, sparse_text
from cyberlex.index.store import StoredPoint
from cyberlex.index.train import recipe

SYSTEMS = ("bm25", "dense", "sparse", "hybrid")
HOST = "127.0.0.1"
NOISE = 0.5  # norm of the noise added to a copy's embedding: cosine ≈ 0.9 to the original
KEEP_TERM = 0.9  # chance a copy keeps each term of the original's sparse vector
WARM_UP_QUERIES = 5
BUILD_BATCH = 1000  # points per upsert while building a synthetic index
POOL_RATE = 100  # requests/s up to which the API load test sends each query once
SERVE_TIMEOUT = 180.0  # seconds for the API to load the model and answer /health


@dataclass(frozen=True)
class BenchConfig:
    sizes: tuple[int, ...] = (100_000, 1_000_000)  # synthetic index sizes besides the corpus
    queries: int = 200  # distinct queries behind each latency figure
    embed_sample: int = 512  # passages timed per batch size for the raw embedding rate
    batch_sizes: tuple[int, ...] = (4, 8, 16, 32)
    api_clients: int = 8
    api_seconds: float = 15.0
    ingest_paths: tuple[Path, ...] = ()  # files to ingest; none: the whole catalogue
    k: int = 10
    seed: int = 0


@dataclass(frozen=True)
class Latency:
    """Milliseconds over ``n`` timed calls."""

    n: int
    p50: float
    p95: float
    p99: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        if not seconds:
            raise CyberlexError("no timed calls to summarise: every request failed or none was made")
        p50, p95, p99 = np.percentile(np.asarray(seconds) * 1000, [50, 95, 99])
        return cls(len(seconds), round(float(p50), 2), round(float(p95), 2), round(float(p99), 2))

    def __str__(self) -> str:
        return f"{self.p50:.1f} / {self.p95:.1f} / {self.p99:.1f}"


@dataclass(frozen=True)
class Base:
    """The indexed passages synthetic ones are copied from, with their payloads and real vectors."""

    passages: tuple[Passage, ...]
    payloads: tuple[dict[str, Any], ...]
    dense: np.ndarray  # (n, dim), unit rows
    sparse: tuple[SparseEmbedding, ...]


def run_bench(
    settings: Settings, work: Path, config: BenchConfig = BenchConfig(), progress: Callable[[str], None] = print
) -> dict[str, Any]:
    """Every figure, as one JSON-able dict. ``work`` receives the temporary indexes and the subprocesses' logs."""
    started = time.perf_counter()
    report: dict[str, Any] = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                              "machine": machine(), "config": asdict(config)}
    source, settings = settings, settings.model_copy(update={"data_dir": work / "data", "qdrant_url": None})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if (source.cache_dir / "onnx").is_dir():  # the exported model, not embeddings: exporting is not embedding
        shutil.copytree(source.cache_dir / "onnx", settings.cache_dir / "onnx", dirs_exist_ok=True)
    progress(f"ingest from an empty embedding cache into {settings.data_dir}")
    report["ingest"] = bench_ingest(settings, config.ingest_paths)
    searcher = Searcher(settings)
    try:
        searcher.warm_up()
        passages = searcher.passages()
        encoder = load_encoder(settings)  # a session of its own: the searcher's caches stay out of the raw rate
        progress("raw embedding rate")
        report["embedding"] = bench_embedding(encoder, passages, config)
        report["ingest"].update(ingest_rates(report["ingest"], report["embedding"], passages))
        queries = sample_queries(passages, config.queries, config.seed)
        warm = sample_queries(passages, WARM_UP_QUERIES, config.seed + 1)
        progress(f"query embedding and search latency over {len(passages)} passages")
        report["query_embedding"] = {"latency": Latency.of(_each(lambda q: encoder.encode([q]), queries)),
                                     **pressure()}
        report["search"] = {str(len(passages)): bench_search(searcher, BM25System(passages), queries, warm, config.k)}
        base = base_of(searcher)
    finally:
        searcher.close()
    progress("API on loopback")
    pool = sample_queries(passages, max(config.queries, int(config.api_seconds * POOL_RATE)), config.seed + 2)
    report["api"] = bench_api(settings, queries, pool, config)
    for size in config.sizes:
        progress(f"synthetic index of {size} passages")
        directory = work / f"synthetic-{size}"
        try:
            report["search"][str(size)] = bench_synthetic(settings, directory / "edge", base, size, queries, warm,
                                                          config)
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return _plain(report)


def bench_ingest(settings: Settings, paths: Sequence[Path]) -> dict[str, Any]:
    """``cyberlex ingest`` in a subprocess over the (empty) data directory: wall and CPU time, peak RSS."""
    log = settings.data_dir / "ingest.log"
    command = [sys.executable, "-m", "cyberlex.cli", "ingest", *map(str, paths)]
    figures = pressure()
    started = time.perf_counter()
    with log.open("w") as out:
        child = subprocess.Popen(command, cwd=PACKAGE_ROOT, env=child_env(settings), stdout=out, stderr=subprocess.STDOUT)
        ended = watch(child, deadline=None)
    seconds = time.perf_counter() - started
    assert ended is not None
    cpu_seconds, peak_kb = ended
    if child.returncode != 0:
        raise CyberlexError(f"the benchmark's ingest failed ({' '.join(command)}); its output, in {log}:\n"
                            + log.read_text()[-2000:])
    return {"seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1), "peak_rss_mb": round(peak_kb / 1024),
            "batch_size": settings.embed_batch_size, **adapting(settings), **figures}


def adapting(settings: Settings) -> dict[str, float]:
    """The part of the ingest that trained the adapted model (Settings.adapt), from its recipe: the data directory
    is new, so the ingest trained it; nothing when adapting is off."""
    if settings.model_path == settings.base_model_path:
        return {"adapting_seconds": 0.0, "adapting_cpu_seconds": 0.0}
    trained = recipe(settings.adapted_model_dir)
    return {"adapting_seconds": trained["duration_seconds"], "adapting_cpu_seconds": trained["cpu_seconds"]}


def ingest_rates(ingest: dict[str, Any], raw: dict[str, Any], passages: Sequence[Passage]) -> dict[str, Any]:
    """The ingest's passages per second, and its ratio to the model's best raw rate, by wall clock and by CPU;
    the training of the adapted model left out, as the raw rate knows nothing of it."""
    rate = len(passages) / (ingest["seconds"] - ingest["adapting_seconds"])
    cpu_rate = len(passages) / (ingest["cpu_seconds"] - ingest["adapting_cpu_seconds"])
    return {"passages": len(passages), "unique_texts": len({embedding_text(p) for p in passages}),
            "passages_per_s": round(rate, 2), "ratio_to_raw": round(rate / raw["best_passages_per_s"], 3),
            "cpu_ratio_to_raw": round(cpu_rate / raw["best_passages_per_cpu_s"], 3)}


def bench_embedding(encoder: Encoder, passages: Sequence[Passage], config: BenchConfig) -> dict[str, Any]:
    """Passages per second the model alone embeds (no cache, no store) on a sample, per batch size. Each size
    embeds both halves of the sample, the sizes taken in opposite orders for the two halves, so that a load
    changing during the measurement favours no size."""
    texts = list(dict.fromkeys(embedding_text(p) for p in passages))
    sample = random.Random(config.seed).sample(texts, min(config.embed_sample, len(texts)))
    halves = (sample[: len(sample) // 2], sample[len(sample) // 2 :])
    figures = pressure()
    encoder.encode(sample[: max(config.batch_sizes)], batch_size=max(config.batch_sizes))  # warm-up
    seconds = dict.fromkeys(config.batch_sizes, 0.0)
    cpu_seconds = dict.fromkeys(config.batch_sizes, 0.0)
    for half, sizes in zip(halves, (config.batch_sizes, config.batch_sizes[::-1])):
        for size in sizes:
            started, cpu_started = time.perf_counter(), time.process_time()
            encoder.encode(half, batch_size=size)
            seconds[size] += time.perf_counter() - started
            cpu_seconds[size] += time.process_time() - cpu_started
    rates = {size: round(len(sample) / spent, 2) for size, spent in seconds.items()}
    best = max(rates, key=lambda size: rates[size])
    return {"sample": len(sample), "passages_per_s": rates, "best_batch_size": best,
            "best_passages_per_s": rates[best], "best_passages_per_cpu_s": round(len(sample) / cpu_seconds[best], 2),
            **figures}


def bench_search(
    searcher: Searcher, bm25: BM25System, queries: Sequence[str], warm: Sequence[str], k: int
) -> dict[str, Any]:
    """Latency of each system, each query once. The query-embedding cache is emptied before each search mode,
    so every dense and hybrid query pays for its embedding, as a first-time query does. The searcher's first
    query, which pages in what the index keeps on disk, is timed apart."""
    runs: dict[str, Callable[[str], object]] = {"bm25": lambda q: bm25.search(q, k)}
    for mode in SYSTEMS[1:]:
        runs[mode] = lambda q, mode=mode: searcher.search(q, k=k, mode=mode)
    figures: dict[str, Any] = {"passages": searcher.store.count(), **pressure()}
    figures["first_query_s"] = round(_each(runs["hybrid"], warm[:1])[0], 3)
    for system, run in runs.items():
        _each(run, warm)
        searcher.encoder.embed_query.cache_clear()
        figures[system] = Latency.of(_each(run, queries))
    return figures


def bench_synthetic(
    settings: Settings, path: Path, base: Base, size: int, queries: Sequence[str], warm: Sequence[str],
    config: BenchConfig,
) -> dict[str, Any]:
    """Build a ``size``-passage Edge store from copies of the base, time its build, then each system's latency."""
    with no_cyclic_gc():
        passages, build = build_synthetic(path, base, size, config.seed)
        started = time.perf_counter()
        bm25 = BM25System(passages)
        build["bm25_index_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    store = EdgeStore(path)
    build["load_s"] = round(time.perf_counter() - started, 1)
    searcher = Searcher(settings, store=store)
    try:
        searcher.warm_up()
        figures = bench_search(searcher, bm25, queries, warm, config.k)
    finally:
        searcher.close()
        store.close()
    return {**figures, "build": build}


def build_synthetic(path: Path, base: Base, size: int, seed: int) -> tuple[list[Passage], dict[str, float]]:
    """Upsert the copies in batches, then close the store, which optimizes it as after an ingest (HNSW graph,
    sparse and payload indexes). Returns the copies as passages, for the BM25 baseline."""
    store = EdgeStore(path)
    passages: list[Passage] = []
    batch: list[StoredPoint] = []
    figures = pressure()
    started = time.perf_counter()
    for passage, point in synthetic_points(base, size, seed):
        passages.append(passage)
        batch.append(point)
        if len(batch) == BUILD_BATCH:
            store.upsert(batch)
            batch = []
    store.upsert(batch)
    upserted = time.perf_counter()
    store.close()
    optimized = time.perf_counter()
    disk = sum(f.stat().st_blocks * 512 for f in path.rglob("*") if f.is_file())  # allocated, not apparent, size
    return passages, {"upsert_s": round(upserted - started, 1), "optimize_s": round(optimized - upserted, 1),
                      "disk_mb": round(disk / 2**20), **figures}


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cycle collector while building: the copies and their BM25 tokens are millions of objects
    that outlive the build and form no cycles, and the collector rescanned them again and again (at 300k
    passages, 13% of the upsert time and a quarter of the BM25 build)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def synthetic_points(base: Base, size: int, seed: int) -> Iterator[tuple[Passage, StoredPoint]]:
    """``size`` (passage, point) pairs; copy c of base passage b is unit ``<b's unit>-copy<c>`` with b's text and
    payload, b's embedding plus noise, and b's sparse vector with each term kept with probability KEEP_TERM."""
    rng = np.random.default_rng(seed)
    count, dim = base.dense.shape
    sparse = [(np.asarray(s.indices), np.asarray(s.values)) for s in base.sparse]
    for start in range(0, size, count):
        rows = min(count, size - start)
        noisy = base.dense[:rows] + rng.standard_normal((rows, dim), dtype=np.float32) * (NOISE / np.sqrt(dim))
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        copy = start // count
        for row in range(rows):
            passage = base.passages[row]
            unit_id = f"{passage.unit_id}-copy{copy}"
            provision_id = unit_id + passage.provision_id[len(passage.unit_id):]
            indices, values = sparse[row]
            keep = rng.random(len(indices)) < KEEP_TERM
            keep[rng.integers(len(indices))] = True  # never an empty vector
            vector = SparseEmbedding(indices=indices[keep].tolist(), values=values[keep].tolist())
            payload = {**base.payloads[row], "unit_id": unit_id, "provision_id": provision_id}
            copied = replace(passage, unit_id=unit_id, provision_id=provision_id)
            yield copied, StoredPoint(point_id(copied.key), noisy[row].tolist(), vector, payload)


def base_of(searcher: Searcher) -> Base:
    """The searcher's indexed passages with their embeddings (from the embedding cache the ingest filled) and
    their sparse vectors from the real encoder."""
    payloads = tuple(p for _, p in searcher.store.scroll())
    passages = tuple(to_passage(p) for p in payloads)
    dense = np.asarray(searcher.encoder.embed([embedding_text(p) for p in passages]), dtype=np.float32)
    params = Bm25Params.from_settings(searcher.settings)
    sparse = tuple(encode_document(sparse_text(p, params.heading_weight), params) for p in passages)
    return Base(passages, payloads, dense, sparse)


def bench_api(settings: Settings, queries: Sequence[str], pool: Sequence[str], config: BenchConfig) -> dict[str, Any]:
    """``cyberlex serve`` on a free loopback port over the benchmark's index: hybrid searches from one client
    (distinct queries, then the same again: the query-embedding cache's effect), then from ``api_clients``
    concurrent clients for ``api_seconds``; the server's peak RSS is read when it exits."""
    port = free_port()
    log = settings.data_dir / "serve.log"
    command = [sys.executable, "-m", "cyberlex.cli", "serve", "--host", HOST, "--port", str(port)]
    started = time.perf_counter()
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=PACKAGE_ROOT, env=child_env(settings), stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(server, port, log)
        figures: dict[str, Any] = {"startup_s": round(time.perf_counter() - started, 1), **pressure()}
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        def ask(query: str) -> None:
            _search(connection, query, config.k)

        _each(ask, pool[:WARM_UP_QUERIES])
        figures["sequential"] = Latency.of(_each(ask, queries))
        figures["repeated"] = Latency.of(_each(ask, queries))
        connection.close()
        figures["concurrent"] = load_test(port, pool[WARM_UP_QUERIES:] or pool, config)
    finally:
        peak_kb = stop(server)
    return {**figures, "peak_rss_mb": round(peak_kb / 1024) if peak_kb else None}


def load_test(port: int, pool: Sequence[str], config: BenchConfig) -> dict[str, Any]:
    """Clients on their own keep-alive connections, each sending the next query of one shared cycle until the time
    is up. The pool is sized so that queries repeat only when the server answers over 100 requests/s."""
    queries = itertools.cycle(pool)
    lock = threading.Lock()
    times: list[float] = []
    errors: list[str] = []
    figures = pressure()
    deadline = time.perf_counter() + config.api_seconds

    def client() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        while time.perf_counter() < deadline:
            with lock:
                query = next(queries)
            started = time.perf_counter()
            try:
                _search(connection, query, config.k)
            except (OSError, http.client.HTTPException, CyberlexError) as exc:
                with lock:
                    errors.append(str(exc))
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=60)
                continue
            with lock:
                times.append(time.perf_counter() - started)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(config.api_clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"clients": config.api_clients, "seconds": round(elapsed, 1), "requests": len(times),
            "requests_per_s": round(len(times) / elapsed, 1), "errors": len(errors),
            "distinct_queries": min(len(pool), len(times) + len(errors)), "latency": Latency.of(times), **figures}


def _search(connection: http.client.HTTPConnection, query: str, k: int) -> None:
    connection.request("GET", "/search?" + urlencode({"q": query, "k": k, "mode": "hybrid"}))
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise CyberlexError(f"/search answered {response.status} to {query!r}: {body[:300]!r}")


def wait_healthy(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.perf_counter() + SERVE_TIMEOUT
    while time.perf_counter() < deadline:
        if server.poll() is not None:
            raise CyberlexError(f"the API exited with {server.returncode} before serving; its log, {log}:\n"
                                + log.read_text()[-2000:])
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise CyberlexError(f"the API did not answer /health within {SERVE_TIMEOUT:.0f} s; its log, {log}")


def stop(server: subprocess.Popen[bytes]) -> int | None:
    """Interrupt the server (uvicorn shuts down cleanly, closing the store), reap it, and return its peak RSS
    in kB; None when it had already exited."""
    if server.returncode is not None:
        return None
    server.send_signal(signal.SIGINT)
    ended = watch(server, deadline=time.perf_counter() + 30)
    if ended is None:
        server.kill()
        ended = watch(server, deadline=None)
    assert ended is not None
    return ended[1]


def watch(child: subprocess.Popen[bytes], deadline: float | None) -> tuple[float, int] | None:
    """Wait for a child until the deadline, reading its peak RSS (VmHWM) as it runs: (CPU seconds, peak RSS in
    kB), or None if it still runs. The kernel's own maxrss of a child is no use here: it also counts the
    memory of this process, which a vfork'd child holds until it execs."""
    peak = 0
    while deadline is None or time.perf_counter() < deadline:
        try:
            status_lines = Path(f"/proc/{child.pid}/status").read_text().splitlines()
            peak = max([peak, *(int(line.split()[1]) for line in status_lines if line.startswith("VmHWM:"))])
        except OSError:
            pass
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_utime + usage.ru_stime, peak
        time.sleep(0.1)
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def child_env(settings: Settings) -> dict[str, str]:
    """The environment of the ingest and serve subprocesses: ours, on the benchmark's data dir and the embedded
    store (never a Qdrant server the environment may name), offline."""
    env = {k: v for k, v in os.environ.items() if k != "CYBERLEX_QDRANT_URL"}
    return {**env, "CYBERLEX_DATA_DIR": str(settings.data_dir), "CYBERLEX_CORPUS_DIR": str(settings.corpus_dir),
            "HF_HUB_OFFLINE": "1"}


def parse_sizes(text: str) -> tuple[int, ...]:
    """"100000,1000000" → (100000, 1000000); "" → ()."""
    sizes = []
    for part in filter(None, (p.strip().replace("_", "") for p in text.split(","))):
        if not part.isdigit() or int(part) < 1:
            raise InvalidInput(f"synthetic size {part!r} is not a positive whole number; valid: e.g. 100000,1000000")
        sizes.append(int(part))
    return tuple(sizes)


def sample_queries(passages: Sequence[Passage], n: int, seed: int) -> list[str]:
    """Up to ``n`` distinct queries made from the indexed text: headings, and runs of 4 to 12 words of a passage,
    so each has lexical and semantic neighbours in the index."""
    rng = random.Random(seed)
    order = list(passages)
    rng.shuffle(order)
    found: dict[str, None] = {}
    for passage in itertools.islice(itertools.cycle(order), 20 * n):
        if len(found) == n:
            break
        words = passage.text.split()
        if passage.heading and rng.random() < 0.3:
            query = passage.heading
        else:
            length = rng.randint(4, 12)
            start = rng.randrange(max(1, len(words) - length + 1))
            query = " ".join(words[start : start + length])
        if query := query[:200].strip():
            found.setdefault(query)
    return list(found)


def pressure() -> dict[str, float | None]:
    """How busy the machine is now: 1-minute load average, and the share of the last 10 s some task waited for
    a CPU (Linux PSI), or None where the kernel does not say."""
    figures: dict[str, float | None] = {"load_1m": round(os.getloadavg()[0], 2), "cpu_pressure_10s": None}
    try:
        some = Path("/proc/pressure/cpu").read_text().splitlines()[0].split()
        figures["cpu_pressure_10s"] = float(dict(f.split("=") for f in some[1:])["avg10"])
    except (OSError, IndexError, KeyError, ValueError):
        pass
    return figures


def machine() -> dict[str, Any]:
    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "absent"

    packages = ("onnxruntime", "qdrant-edge-py", "haystack-ai", "fastapi", "uvicorn")
    return {"cpus": os.cpu_count(), "usable_cpus": len(os.sched_getaffinity(0)), "platform": platform.platform(),
            "python": platform.python_version(), "allocator": allocator.in_use(), **{p: version(p) for p in packages}}


def write_report(report: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """``out/bench.json`` and ``out/bench.md``."""
    out.mkdir(parents=True, exist_ok=True)
    as_json, as_markdown = out / "bench.json", out / "bench.md"
    as_json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    as_markdown.write_text(to_markdown(report), encoding="utf-8")
    return as_json, as_markdown


def to_markdown(report: dict[str, Any]) -> str:
    """The report as tables: throughput, search latency per system and index size, the API, synthetic builds."""
    ingest, embedding, api = report["ingest"], report["embedding"], report["api"]
    machine_ = report["machine"]
    lines = [
        f"# cyberlex bench, {report['started']}",
        "",
        f"{machine_['usable_cpus']} usable CPUs, Python {machine_['python']}, onnxruntime {machine_['onnxruntime']}, "
        f"qdrant-edge-py {machine_['qdrant-edge-py']}, {machine_.get('allocator', 'system')} malloc; "
        f"whole run {report['seconds']:.0f} s. "
        "Load is the 1-minute load average / CPU pressure (% of the last 10 s some task waited for a CPU).",
        "",
        "## Throughput",
        "",
        "| figure | value | load |",
        "| --- | --- | --- |",
    ]
    for size, rate in embedding["passages_per_s"].items():
        lines.append(f"| raw embedding, batch {size} ({embedding['sample']} passages) | {rate:.1f} passages/s "
                     f"| {_load(embedding)} |")
    lines += [
        f"| ingest end to end, empty cache ({ingest['passages']} passages, {ingest['unique_texts']} unique texts, "
        f"batch {ingest['batch_size']}) | {ingest['seconds']:.0f} s ({ingest['cpu_seconds']:.0f} s CPU) | "
        f"{_load(ingest)} |",
        f"| of which adapting the embedder to the corpus (training) | {ingest['adapting_seconds']:.0f} s "
        f"({ingest['adapting_cpu_seconds']:.0f} s CPU) | |",
        f"| the rest, per passage | {ingest['passages_per_s']:.1f} passages/s | |",
        f"| ingest ÷ best raw rate (batch {embedding['best_batch_size']}) | {ingest['ratio_to_raw']:.2f} | |",
        f"| the same per CPU-second (less sensitive to load) | {ingest['cpu_ratio_to_raw']:.2f} | |",
        f"| ingest peak RSS | {ingest['peak_rss_mb']} MB | |",
        "",
        "## Search latency, ms (p50 / p95 / p99), k = 10",
        "",
    ]
    sizes = list(report["search"])
    lines += ["| system | " + " | ".join(f"{int(s):,} passages" for s in sizes) + " |",
              "| --- |" + " --- |" * len(sizes)]
    for system in SYSTEMS:
        lines.append(f"| {system} | " + " | ".join(str(_latency(report["search"][s][system])) for s in sizes) + " |")
    lines += ["| first query after opening the index, s | "
              + " | ".join(f"{report['search'][s]['first_query_s']:.3f}" for s in sizes) + " |",
              "| load | " + " | ".join(_load(report["search"][s]) for s in sizes) + " |",
              "", f"Query embedding alone: {_latency(report['query_embedding']['latency'])} ms "
              f"(load {_load(report['query_embedding'])}).", ""]
    concurrent = api["concurrent"]
    lines += [
        "## API on loopback (hybrid, k = 10)",
        "",
        "| figure | value | load |",
        "| --- | --- | --- |",
        f"| one client, distinct queries, p50 / p95 / p99 | {_latency(api['sequential'])} ms | {_load(api)} |",
        f"| one client, the same queries again (embedding cache) | {_latency(api['repeated'])} ms | |",
        f"| {concurrent['clients']} concurrent clients, {concurrent['seconds']:.0f} s | "
        f"{concurrent['requests_per_s']:.1f} requests/s, {_latency(concurrent['latency'])} ms, "
        f"{concurrent['errors']} errors | {_load(concurrent)} |",
        f"| serve peak RSS | {_or_dash(api['peak_rss_mb'])} MB (start-up {api['startup_s']:.0f} s) | |",
        "",
    ]
    builds = {s: report["search"][s]["build"] for s in sizes if "build" in report["search"][s]}
    if builds:
        lines += ["## Synthetic index builds (Qdrant Edge, the engine's layout)", "",
                  "| passages | upsert s | optimize s | load s | BM25 index s | disk MB | load |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        lines += [f"| {int(s):,} | {b['upsert_s']} | {b['optimize_s']} | {b['load_s']} | {b['bm25_index_s']} | "
                  f"{b['disk_mb']} | {_load(b)} |" for s, b in builds.items()]
        lines.append("")
    return "\n".join(lines)


def _latency(figures: Latency | dict[str, float]) -> Latency:
    return figures if isinstance(figures, Latency) else Latency(**figures)


def _load(figures: dict[str, Any]) -> str:
    return f"{figures['load_1m']:.2f} / {_or_dash(figures['cpu_pressure_10s'])}"


def _or_dash(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _each(run: Callable[[str], object], items: Sequence[str]) -> list[float]:
    """Seconds each call took, one call per item, in order."""
    seconds = []
    for item in items:
        started = time.perf_counter()
        run(item)
        seconds.append(time.perf_counter() - started)
    return seconds


def _plain(value: Any) -> Any:
    """JSON-able: dataclasses as dicts, paths as strings, tuples as lists, int keys as strings."""
    if isinstance(value, Latency):
        return asdict(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
