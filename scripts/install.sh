#!/usr/bin/env bash
# Installs cyberlex with CPU-only torch. torch goes first, pinned exactly, so that no later
# requirement can pull a CUDA build; the install fails if one slipped in anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
PIP="${PIP:-python3 -m pip}"
$PIP install --quiet "torch==2.13.0"
$PIP install --quiet -e ".[test]"
if $PIP list 2>/dev/null | grep -Eiq '^(nvidia-|triton|cuda-)'; then
    echo "install: a CUDA package was pulled in; refusing (see 'pip list')" >&2
    exit 1
fi
