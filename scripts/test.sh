#!/usr/bin/env bash
# The test command README gives: the whole suite in the project's virtual environment (the fast tier:
# `bash scripts/test.sh -m "not slow and not browser"`). Exit code 5 (no tests collected) is a failure, as pytest
# reports it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${VIRTUAL_ENV:-$PWD/.venv}/bin/python"
[ -x "$PY" ] || { echo "test: no virtual environment; run 'bash scripts/install.sh' first" >&2; exit 2; }
export HF_HUB_OFFLINE=1 HAYSTACK_TELEMETRY_ENABLED=False TOKENIZERS_PARALLELISM=false
exec "$PY" -m pytest -q "$@"
