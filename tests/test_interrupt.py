"""Interrupted ingestion: `cyberlex ingest` killed for real (SIGKILL) at several points, then run again,
converges to exactly the index an uninterrupted run builds (same point ids, same content hashes, nothing
more), and in between no instrument is visible half-written. Four small corpus texts keep it short."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from child_signals import answer_ctrl_c

from cyberlex.corpus.model import Passage
from cyberlex.index.documents import HASH_FIELD
from cyberlex.index.edge_store import EdgeStore
from cyberlex.index.indexer import Indexer
from cyberlex.settings import PACKAGE_ROOT, Settings
from cyberlex.index.store import StoredPoint

FILES = (
    "budapest-protocol-1-xenophobia.md",
    "us-cfaa-18usc1030.md",
    "canada-criminal-code-computer-offences.md",
    "north-atlantic-treaty-1949.md",
)
Snapshot = dict[str, dict[str, str]]  # instrument id → point id → content hash


def ingest_process(data_dir: Path) -> subprocess.Popen[str]:
    corpus = Settings().corpus_dir
    env = {**os.environ, "CYBERLEX_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.Popen(
        [sys.executable, "-m", "cyberlex.cli", "ingest", *(str(corpus / f) for f in FILES)],
        cwd=PACKAGE_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=answer_ctrl_c,
    )


def ingest_to_the_end(data_dir: Path) -> str:
    process = ingest_process(data_dir)
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    return out


def snapshot(data_dir: Path) -> Snapshot:
    found: Snapshot = defaultdict(dict)
    with EdgeStore(data_dir / "edge") as store:
        for pid, payload in store.scroll(fields=["instrument_id", HASH_FIELD]):
            found[payload["instrument_id"]][pid] = payload[HASH_FIELD]
    return dict(found)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Snapshot]:
    """An uninterrupted run, and its data dir (whose exported ONNX model the other runs reuse)."""
    data_dir = tmp_path_factory.mktemp("uninterrupted")
    ingest_to_the_end(data_dir)
    built = snapshot(data_dir)
    assert len(built) == len(FILES)
    return data_dir, built


def fresh_data_dir(tmp_path: Path, reference_dir: Path) -> Path:
    """A data dir with no index and no cached embeddings, so a run really embeds; the exported model is copied."""
    data_dir = tmp_path / "data"
    onnx = reference_dir / "cache" / "onnx"
    if onnx.exists():
        shutil.copytree(onnx, data_dir / "cache" / "onnx")
    return data_dir


@pytest.mark.slow
@pytest.mark.parametrize(
    ("instruments_done", "delay"),
    [(0, 1.0), (1, 0.0), (2, 0.3), (len(FILES), 0.0)],
    ids=["while-starting", "after-1-instrument", "during-3rd-instrument", "after-the-last-instrument"],
)
def test_a_killed_ingest_run_again_converges_to_the_uninterrupted_index(
    reference: tuple[Path, Snapshot], tmp_path: Path, instruments_done: int, delay: float
) -> None:
    reference_dir, expected = reference
    data_dir = fresh_data_dir(tmp_path, reference_dir)
    process = ingest_process(data_dir)
    assert process.stdout is not None
    for _ in range(instruments_done):
        assert process.stdout.readline(), process.stderr.read() if process.stderr else ""
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL

    after_kill = snapshot(data_dir) if (data_dir / "edge").exists() else {}
    assert len(after_kill) >= instruments_done
    for instrument, points in after_kill.items():  # each instrument whole, or absent: never half-written
        assert points == expected[instrument], instrument
    cache = data_dir / "cache" / "embeddings.sqlite"
    if cache.exists():
        with sqlite3.connect(cache) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    ingest_to_the_end(data_dir)
    assert snapshot(data_dir) == expected


@pytest.mark.slow
def test_a_run_killed_twice_still_converges(reference: tuple[Path, Snapshot], tmp_path: Path) -> None:
    reference_dir, expected = reference
    data_dir = fresh_data_dir(tmp_path, reference_dir)
    for instruments_done in (1, 2):
        process = ingest_process(data_dir)
        assert process.stdout is not None
        for _ in range(instruments_done):
            assert process.stdout.readline()
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
    out = ingest_to_the_end(data_dir)
    assert snapshot(data_dir) == expected
    assert re.search(r"added 0, updated 0, unchanged \d+, removed 0$", out.splitlines()[0])  # kept through both kills


@pytest.mark.slow
def test_ctrl_c_stops_with_exit_code_130_and_keeps_what_was_indexed(reference: tuple[Path, Snapshot],
                                                                    tmp_path: Path) -> None:
    reference_dir, expected = reference
    data_dir = fresh_data_dir(tmp_path, reference_dir)
    process = ingest_process(data_dir)
    assert process.stdout is not None and process.stdout.readline()
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "interrupted: instruments listed above are indexed, none half-written; run again to finish" in err
    kept = snapshot(data_dir)
    assert kept and all(points == expected[instrument] for instrument, points in kept.items())


class CountingStore(EdgeStore):
    """A real Edge store that records the size of each upsert that writes something."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.upserts: list[int] = []

    def upsert(self, points: list[StoredPoint]) -> None:
        if points:
            self.upserts.append(len(points))
        super().upsert(points)


def paragraph(n: int) -> Passage:
    unit = f"incident-notes/para-{n}"
    text = f"Paragraph {n}: who is called at step {n} of the incident response plan."
    return Passage(provision_id=unit, unit_id=unit, chunk=0, instrument_id="incident-notes", label=f"Para. {n}",
                   heading="", path=(), citation=f"Incident notes, para. {n}", text=text, start=100 * n,
                   end=100 * n + len(text), metadata={"kind": "document", "language": "en", "binding": False})


def test_an_instrument_is_written_in_one_store_operation(tmp_path: Path) -> None:
    """More passages than any write batch the store ever used: still one upsert, so never half-visible."""
    passages = [paragraph(n) for n in range(1, 301)]
    with CountingStore(tmp_path / "edge") as store:
        Indexer(Settings(data_dir=tmp_path), store).index("incident-notes", passages)
        Indexer(Settings(data_dir=tmp_path), store).index("incident-notes", passages[:-1])
        assert store.upserts == [300]
        assert store.count() == 299


KILL_SCRIPT = """
import sys
from haystack.dataclasses import SparseEmbedding
from cyberlex.index.edge_store import EdgeStore
from cyberlex.index.store import StoredPoint
store = EdgeStore(sys.argv[1])
n, tag = int(sys.argv[2]), sys.argv[3]
points = [StoredPoint(f"{i:08d}-0000-4000-8000-{tag:0>12}", [1.0, float(i % 7), 0.5, 0.25],
                      SparseEmbedding(indices=[i % 50], values=[1.0]), {"instrument_id": tag}) for i in range(n)]
print("writing", flush=True)
store.upsert(points)
print("written", flush=True)
"""


@pytest.mark.slow
def test_one_store_operation_killed_midway_lands_whole_or_not_at_all(tmp_path: Path) -> None:
    """What the indexer relies on: Qdrant Edge logs an upsert before applying it, so a kill at any moment
    of a large upsert leaves all of its points or none of them."""
    path, n, rng = tmp_path / "edge", 30_000, random.Random(7)
    run = [sys.executable, "-c", KILL_SCRIPT, str(path), str(n)]
    assert subprocess.run([*run[:-1], "100", "1"], cwd=PACKAGE_ROOT, capture_output=True).returncode == 0
    outcomes = []
    for trial in range(2, 6):
        process = subprocess.Popen([*run, str(trial)], cwd=PACKAGE_ROOT, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None and process.stdout.readline() == "writing\n"
        time.sleep(rng.uniform(0.1, 1.8))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        with EdgeStore(path) as store:
            outcomes.append(store.count({"instrument_id": [str(trial)]}))
            assert store.count({"instrument_id": ["1"]}) == 100
    assert set(outcomes) <= {0, n}, outcomes
