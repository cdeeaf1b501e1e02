#!/usr/bin/env bash
# Installs cyberlex into a virtual environment (.venv, or the one already active): system pip on a stock
# distribution refuses to install (PEP 668). CPU torch goes first, pinned exactly, so that no later requirement
# can pull a CUDA build; everything else comes from the lock of tested versions (constraints.txt), and the
# install fails if a CUDA package slipped in anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${VIRTUAL_ENV:-}" ]; then
    [ -x .venv/bin/python ] || python3 -m venv .venv
    PY=.venv/bin/python
else
    PY="$VIRTUAL_ENV/bin/python"
fi
PIP="$PY -m pip"
$PIP install --quiet --upgrade "pip>=24"
$PIP install --quiet "torch==2.13.0"
$PIP install --quiet -c constraints.txt -e ".[test]"
if $PIP list 2>/dev/null | grep -Eiq '^(nvidia-|triton|cuda-)'; then
    echo "install: a CUDA package was pulled in; refusing (see 'pip list')" >&2
    exit 1
fi
echo "install: cyberlex is in $(dirname "$(dirname "$PY")"); the commands are in $(dirname "$PY") ('. .venv/bin/activate' puts them on PATH)"
