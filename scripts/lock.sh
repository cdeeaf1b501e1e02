#!/usr/bin/env bash
# Refreshes constraints.txt, the lock of tested versions: resolves pyproject.toml's ranges afresh in a throw-away
# virtual environment (CPU torch first, as install.sh does) and freezes what pip chose. Run the tests before
# committing the new lock.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d)/venv
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade "pip>=24"
"$venv/bin/python" -m pip install --quiet "torch==2.13.0"
"$venv/bin/python" -m pip install --quiet -e ".[test]"
{
    echo "# The tested versions behind scripts/install.sh; refresh with: bash scripts/lock.sh"
    "$venv/bin/python" -m pip freeze --exclude-editable --exclude cyberlex | grep -v '^-e '
} > constraints.txt
rm -rf "$(dirname "$venv")"
echo "lock: $(grep -vc '^#' constraints.txt) packages in constraints.txt"
