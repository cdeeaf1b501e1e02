"""The index's integrity: every write records what is on disk; `cyberlex check`, `cyberlex serve` and /health find a
store that is damaged (a payload page overwritten, the dense vectors truncated, the segments deleted, a stray file),
left half-written or on a full disk, and say so in one line; `cyberlex ingest` rebuilds a damaged index as it was,
a user's file and an upload included. A small real index (three corpus texts, a user's file, an upload), copied for
each case and damaged by the builders of cyberlex.evals.faults."""

from __future__ import annotations

import errno
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cyberlex.cli import app
from cyberlex.corpus.errors import IndexDamaged
from cyberlex.evals.faults import (
    DAMAGES,
    NO_STRUCTURE,
    Snapshot,
    build_index,
    copy_data,
    corpus_args,
    disk_with_free,
    overwrite_payload_page,
    served,
    snapshot,
)
from cyberlex.index import integrity
from cyberlex.index.edge_store import EdgeStore
from cyberlex.index.indexer import Indexer
from cyberlex.settings import Settings

DAMAGING = [name for name in DAMAGES if name != "writer killed half-way"]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Snapshot]:
    data_dir = tmp_path_factory.mktemp("integrity") / "data"
    build_index(data_dir, full=False)
    return data_dir, snapshot(data_dir)


@pytest.fixture()
def data_dir(pristine: tuple[Path, Snapshot], tmp_path: Path) -> Path:
    copy_data(pristine[0], tmp_path / "data")
    return tmp_path / "data"


def cli(data_dir: Path, *args: str) -> Result:
    result = CliRunner(env={"CYBERLEX_DATA_DIR": str(data_dir)}).invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


# ---- the record ---------------------------------------------------------------------------------------------------

def test_every_write_records_the_passages_the_files_and_probe_answers(pristine: tuple[Path, Snapshot]) -> None:
    data_dir, points = pristine
    found = integrity.load_record(Settings(data_dir=data_dir))
    assert found is not None and found.finished
    assert set(found.instruments) == {"paris-call-2018", "north-atlantic-treaty-1949", "budapest-protocol-1-xenophobia",
                                      "data-notes", "handbook"}
    assert found.points == sum(found.instruments.values()) == len(points)
    assert found.manifest == integrity.manifest_sum(found.files)
    assert any(name.endswith("/matrix.dat") or name.endswith(".mmap") for name in found.files)
    assert [len(probe.answer) for probe in found.probes] == [integrity.PROBE_K, integrity.PROBE_K]


def test_a_recorded_index_passes_every_check_however_often_it_is_opened(data_dir: Path) -> None:
    for _ in range(2):
        result = cli(data_dir, "check")
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith(f"ok: the index at {data_dir} is as its last ingest recorded it: ")
        with served(data_dir) as client:
            assert client.get("/health").status_code == 200


# ---- damage -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", DAMAGING)
def test_check_and_serve_refuse_a_damaged_index_in_one_line(data_dir: Path, damage: str) -> None:
    DAMAGES[damage](data_dir)
    lines = []
    for command in (["check"], ["serve", "--port", "9"]):
        result = cli(data_dir, *command)
        assert result.exit_code == 2
        lines.append(result.stderr)
    assert lines[0] == lines[1]
    assert re.fullmatch(rf"error: the index at {re.escape(str(data_dir))} is damaged \([^\n]+\); run cyberlex "
                        r"ingest to rebuild\n", lines[0]), lines[0]


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        ("payload page overwritten", r"changed: segments/[\w-]+/payload_storage/page_0\.dat"),
        ("dense vectors truncated", r"of another size: segments/[\w-]+/vector_storage-dense/"),
        ("segments/ deleted", r"missing: segments/[\w-]+/\S+ and \d+ more"),
        ("stray file in a segment", r"unknown: segments/[\w-]+/stray\.dat"),
    ],
)
def test_the_message_says_what_differs(data_dir: Path, damage: str, reason: str) -> None:
    DAMAGES[damage](data_dir)
    assert re.search(reason, cli(data_dir, "check").stderr)


def test_the_app_on_a_damaged_index_answers_503_without_the_servers_paths(data_dir: Path) -> None:
    DAMAGES["dense vectors truncated"](data_dir)
    with served(data_dir) as client:
        responses = [client.get(path) for path in ("/health", "/search?q=self-defence", "/instruments")]
    assert [r.status_code for r in responses] == [503, 503, 503]
    detail = responses[0].json()["detail"]
    assert detail.startswith("the index at CYBERLEX_DATA_DIR is damaged (of another size: segments/")
    assert all(str(data_dir) not in r.text and "/tmp" not in r.text for r in responses)


def test_damage_while_the_server_runs_turns_health_to_503(data_dir: Path) -> None:
    with served(data_dir) as client:
        assert client.get("/health").status_code == 200
        overwrite_payload_page(data_dir)
        response = client.get("/health")
    assert response.status_code == 503
    assert "is damaged (changed: segments/" in response.json()["detail"]


@pytest.mark.parametrize("damage", DAMAGING)
def test_ingest_rebuilds_a_damaged_index_as_it_was(data_dir: Path, pristine: tuple[Path, Snapshot],
                                                   damage: str) -> None:
    DAMAGES[damage](data_dir)
    result = cli(data_dir, *corpus_args(full=False))  # the index's corpus texts; the rest it held comes back too
    assert result.exit_code == 0, result.stderr
    assert "is damaged" in result.stderr and "set aside, rebuilding it" in result.stderr
    assert snapshot(data_dir) == pristine[1]  # the corpus texts, the user's file and the upload, nothing else
    assert cli(data_dir, "check").exit_code == 0


def test_a_rebuild_names_what_it_cannot_restore(data_dir: Path) -> None:
    sources = json.loads((data_dir / "sources.json").read_text())
    Path(sources["data-notes"]["file"]).rename(data_dir / "moved-notes.md")
    DAMAGES["segments/ deleted"](data_dir)
    result = cli(data_dir, *corpus_args(full=False))
    assert result.exit_code == 1
    assert f"LOST    data-notes: the damaged index held it, but its file {sources['data-notes']['file']} is gone; " \
           "ingest it again" in result.stderr
    assert "handbook" in integrity.load_record(Settings(data_dir=data_dir)).instruments  # the upload kept its file


def test_a_half_written_index_is_refused_until_the_ingest_runs_again(data_dir: Path,
                                                                       pristine: tuple[Path, Snapshot]) -> None:
    DAMAGES["writer killed half-way"](data_dir)
    for command in (["check"], ["serve", "--port", "9"]):
        result = cli(data_dir, *command)
        assert result.exit_code == 2
        assert re.fullmatch(r"error: the index at \S+ was left half-written by an ingest or upload that stopped "
                            r"\(pid \d+\); run cyberlex ingest again to finish it\n", result.stderr)
    assert cli(data_dir, *corpus_args(full=False)).exit_code == 0
    assert cli(data_dir, "check").exit_code == 0
    assert snapshot(data_dir) == pristine[1]


def test_the_open_store_is_checked_against_its_counts_and_probes(data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir)
    found = integrity.load_record(settings)
    probe = found.probes[0]
    wrong = [
        (replace(found, points=found.points + 1), f"{found.points:,} passages, the last ingest wrote"),
        (replace(found, instruments={**found.instruments, "handbook": 9}), "the passages of handbook are not those"),
        (replace(found, probes=(replace(probe, answer=probe.answer[::-1]),)), "a probe search finds other passages"),
    ]
    with EdgeStore(settings.edge_path) as store:
        integrity.verify_store(settings, store, found)
        for record, reason in wrong:
            with pytest.raises(IndexDamaged, match=reason):
                integrity.verify_store(settings, store, record)


def test_an_index_without_a_record_is_used_as_it_is_with_a_warning(data_dir: Path) -> None:
    (data_dir / integrity.RECORD_FILE).unlink()
    result = cli(data_dir, "check")
    assert result.exit_code == 1
    assert "has no integrity record to check it against; run cyberlex ingest once to record it" in result.stderr
    with served(data_dir) as client:
        assert client.get("/health").status_code == 200


# ---- a full disk --------------------------------------------------------------------------------------------------

def test_on_a_full_disk_ingest_and_serve_refuse_before_writing_anything(data_dir: Path,
                                                                        pristine: tuple[Path, Snapshot]) -> None:
    notes = data_dir.parent / "more-notes.md"
    notes.write_text(NO_STRUCTURE.replace("customer", "payroll"), encoding="utf-8")
    record = (data_dir / integrity.RECORD_FILE).read_bytes()
    with disk_with_free(5):
        results = [cli(data_dir, "ingest", str(notes)), cli(data_dir, "serve", "--port", "9")]
    for result in results:
        assert result.exit_code == 2
        assert re.fullmatch(rf"error: disk full at {re.escape(str(data_dir))} \(needs ~\d+ MB, 5 MB free\)\n",
                            result.stderr), result.stderr
    assert (data_dir / integrity.RECORD_FILE).read_bytes() == record
    assert snapshot(data_dir) == pristine[1]


def test_a_write_that_fails_for_want_of_space_is_reported_as_a_full_disk(data_dir: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def full(self: Indexer, instrument_id: str, passages: list) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Indexer, "index", full)
    notes = data_dir.parent / "more-notes.md"
    notes.write_text(NO_STRUCTURE.replace("customer", "payroll"), encoding="utf-8")
    result = cli(data_dir, "ingest", str(notes))
    assert result.exit_code == 2
    assert re.fullmatch(rf"error: disk full at {re.escape(str(data_dir))} \(needs ~\d+ MB\)\n", result.stderr)


@pytest.mark.parametrize(
    ("passages", "extra_bytes", "free_mb", "fits"),
    [(0, 0, 200, True), (0, 0, 100, False), (1000, 0, 200, True), (10_000, 0, 200, False), (0, 80_000_000, 200, False)],
)
def test_the_space_a_write_needs_is_checked_against_the_free_space(tmp_path: Path, passages: int, extra_bytes: int,
                                                                   free_mb: int, fits: bool) -> None:
    settings = Settings(data_dir=tmp_path / "not-made-yet")
    with disk_with_free(free_mb):
        if fits:
            integrity.check_space(settings, passages, extra_bytes)
        else:
            with pytest.raises(integrity.DiskFull, match=rf"disk full at {re.escape(str(settings.data_dir))} "
                                                         rf"\(needs ~[\d,]+ MB, {free_mb} MB free\)"):
                integrity.check_space(settings, passages, extra_bytes)

