"""The memory allocator the embedded engine runs on.

Qdrant Edge runs inside the cyberlex process and allocates through its ``malloc``. Building the payload
indexes of a 1M-passage store parses every payload once per indexed field, and under glibc's ``malloc`` that
phase spent about 60% of its time in ``malloc`` and ``free`` (``perf``); Qdrant's own server links jemalloc
for this reason. So a ``cyberlex`` command restarts itself once, before doing anything, with mimalloc
(the ``cmeel-mimalloc`` wheel) preloaded. ``CYBERLEX_ALLOCATOR=system`` keeps the C library's.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from collections.abc import Mapping
from pathlib import Path

PRELOAD = "LD_PRELOAD"
MIMALLOC_WHEEL = "cmeel-mimalloc"


def mimalloc_library() -> Path | None:
    """``libmimalloc.so`` from the mimalloc wheel; None when the wheel is missing or has no Linux library."""
    try:
        files = importlib.metadata.files(MIMALLOC_WHEEL) or []
    except importlib.metadata.PackageNotFoundError:
        return None
    found = [Path(str(f.locate())).resolve() for f in files if f.name == "libmimalloc.so"]
    return found[0] if found and found[0].is_file() else None


def preload_env(env: Mapping[str, str], library: Path) -> dict[str, str] | None:
    """``env`` with ``library`` first in LD_PRELOAD; None when it is there already, so a restart happens once."""
    preloaded = [p for p in env.get(PRELOAD, "").split(":") if p]
    if str(library) in preloaded:
        return None
    return {**env, PRELOAD: ":".join([str(library), *preloaded])}


def in_use() -> str:
    """"mimalloc" when this process has it loaded, else "system": what a benchmark ran on."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return "system"
    return "mimalloc" if "libmimalloc" in maps else "system"


def restart_with(allocator: str) -> None:
    """Replace this process with itself, same interpreter and arguments, with ``allocator`` preloaded.

    Returns when there is nothing to do: the system allocator is wanted, the platform is not Linux, the wheel
    is missing, or the library is preloaded already."""
    if allocator != "mimalloc" or not sys.platform.startswith("linux"):
        return
    library = mimalloc_library()
    env = preload_env(os.environ, library) if library else None
    if env is None:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, sys.orig_argv, env)
