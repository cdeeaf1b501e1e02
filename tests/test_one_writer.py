"""One writer: while a process holds the embedded index, a second `cyberlex ingest` or `cyberlex serve` on the
same data dir refuses to start, says who holds it, and exits non-zero, leaving the index untouched."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cyberlex.index.edge_store import EdgeStore
from cyberlex.settings import PACKAGE_ROOT, Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "command",
    [
        ["ingest", str(Settings().corpus_dir / "paris-call-2018.md")],
        ["serve", "--port", str(free_port())],
    ],
    ids=["ingest", "serve"],
)
def test_a_second_process_on_a_held_index_refuses_with_a_clear_message(tmp_path: Path, command: list[str]) -> None:
    env = {**os.environ, "CYBERLEX_DATA_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    with EdgeStore(tmp_path / "edge") as held:
        second = subprocess.run([sys.executable, "-m", "cyberlex.cli", *command], cwd=PACKAGE_ROOT, env=env, capture_output=True,
                                text=True, timeout=120)
        assert held.count() == 0
    assert second.returncode == 2, second.stderr
    assert second.stderr.startswith(f"error: the index at {tmp_path / 'edge'} is in use by another cyberlex process "
                                    f"(pid {os.getpid()})")
    assert "Traceback" not in second.stderr
