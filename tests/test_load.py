"""The load script against a real server (uvicorn on loopback, over the small API index), briefly."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from cyberlex.api.main import create_app
from api_index import small_index
from cyberlex.corpus.catalog import load_catalog
from cyberlex.evals.load import MIX, require_loopback, run_load
from cyberlex.settings import Settings


@contextmanager
def serving(app: FastAPI, lifespan: str = "auto") -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="error", lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


def test_a_short_run_reports_throughput_latency_and_no_errors(tmp_path: Path) -> None:
    catalog = load_catalog()
    with small_index(tmp_path, catalog) as (settings, searcher):
        with serving(create_app(settings, searcher, catalog)) as url:
            summary = run_load(url, clients=2, seconds=2).to_dict()
    assert summary["errors"] == {}
    assert summary["requests"] >= 2 and summary["requests_per_second"] > 0
    assert set(summary["latency_ms"]) == {"all"} | {kind for kind, _ in MIX}
    p = summary["latency_ms"]["all"]
    assert 0 < p["p50"] <= p["p95"] <= p["p99"]


def test_answers_other_than_200_count_as_errors(tmp_path: Path) -> None:
    """Without its start-up (lifespan off) the app has no index open and answers 503."""
    with serving(create_app(Settings(data_dir=tmp_path)), lifespan="off") as url:
        report = run_load(url, clients=1, seconds=0.5)
    assert report.requests > 0
    assert report.errors == {"HTTP 503": report.requests}


@pytest.mark.parametrize(
    ("url", "allowed"),
    [("http://127.0.0.1:8000", True), ("http://localhost:8000/", True), ("http://10.1.2.3:8000", False)],
)
def test_only_loopback_addresses_are_loaded(url: str, allowed: bool) -> None:
    if allowed:
        assert require_loopback(url) == url.rstrip("/")
    else:
        with pytest.raises(SystemExit, match="not a loopback address"):
            require_loopback(url)
