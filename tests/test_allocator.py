"""A cyberlex command restarts itself once with mimalloc preloaded, keeping its interpreter and arguments."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cyberlex.index.allocator import PRELOAD, mimalloc_library, preload_env

LIB = Path("/opt/mimalloc/libmimalloc.so")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="LD_PRELOAD is Linux's")


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, str(LIB)),
        ({PRELOAD: ""}, str(LIB)),
        ({PRELOAD: "/lib/other.so"}, f"{LIB}:/lib/other.so"),
        ({PRELOAD: f"{LIB}"}, None),
        ({PRELOAD: f"/lib/other.so:{LIB}"}, None),
    ],
)
def test_the_library_goes_first_in_ld_preload_unless_it_is_there(env, expected):
    result = preload_env({"HOME": "/root", **env}, LIB)
    assert (result[PRELOAD] if result else None) == expected
    if result:
        assert result["HOME"] == "/root"


def test_the_mimalloc_wheel_provides_the_library():
    library = mimalloc_library()
    assert library is not None and library.is_file() and library.name == "libmimalloc.so"


PROBE = """
import json, sys
from cyberlex.index.allocator import restart_with
restart_with(sys.argv[1])
from cyberlex.index.allocator import in_use
print(json.dumps({"allocator": in_use(), "argv": sys.argv[1:]}))
"""


@pytest.mark.parametrize("allocator", ["mimalloc", "system"])
def test_a_restarted_process_runs_on_mimalloc_with_the_same_arguments(tmp_path, allocator):
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if k != PRELOAD}
    done = subprocess.run([sys.executable, str(script), allocator, "--flag", "a b"], env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == {"allocator": allocator, "argv": [allocator, "--flag", "a b"]}
