#!/usr/bin/env bash
# The test command README gives. Exit code 5 (no tests collected) is a failure, as pytest reports it.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 HAYSTACK_TELEMETRY_ENABLED=False TOKENIZERS_PARALLELISM=false
exec python3 -m pytest -q "$@"
