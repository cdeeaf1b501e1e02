"""The faults script (python -m cyberlex.evals.faults): each case gives the outcome wanted and loses nothing. A few
cases here; the whole table, a few minutes, in the slow tier."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cyberlex.evals.faults import DAMAGES, HOSTILE, Row, run, to_markdown
from cyberlex.settings import PACKAGE_ROOT


def test_a_hostile_file_and_a_damaged_store_lose_nothing(tmp_path: Path) -> None:
    rows = run(tmp_path, files=["page-tree-bomb.pdf", "nested-5000.html"], damages=["dense vectors truncated"])
    assert [r.case for r in rows] == ["file page-tree-bomb.pdf", "file nested-5000.html",
                                      "store: dense vectors truncated", "disk full: ingest", "disk full: serve",
                                      "disk full: upload"]
    assert [r.lost for r in rows] == ["nothing"] * len(rows), to_markdown(rows)
    bomb, nested, damaged, *full = rows
    assert bomb.outcome.startswith("cli: 49,152 pages, over the limit of 2,000 (CYBERLEX_MAX_PAGES); upload: 422 ")
    assert nested.outcome == "cli: indexed; upload: 200 indexed"
    assert damaged.outcome.startswith("check, serve: exit 2, 'error: the index at DATA_DIR is damaged (of another size: ")
    assert "/health 503; ingest: exit 0 in " in damaged.outcome
    assert all("disk full at " in r.outcome for r in full)


def test_the_table_has_one_row_per_case() -> None:
    table = to_markdown([Row("file a.pdf", "cli: refused | odd", 1.25, "nothing")])
    assert table.splitlines() == ["| case | outcome | time | lost |", "| --- | --- | --- | --- |",
                                  "| file a.pdf | cli: refused / odd | 1.2 s | nothing |"]


def test_the_script_documents_itself() -> None:
    done = subprocess.run([sys.executable, "-m", "cyberlex.evals.faults", "--help"], cwd=PACKAGE_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert "Hostile files and damaged stores" in done.stdout and "--full" in done.stdout


@pytest.mark.slow
def test_every_case_loses_nothing(tmp_path: Path) -> None:
    rows = run(tmp_path)
    assert len(rows) == len(HOSTILE) + len(DAMAGES) + 3
    assert [r.lost for r in rows] == ["nothing"] * len(rows), to_markdown(rows)
