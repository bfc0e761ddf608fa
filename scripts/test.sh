#!/usr/bin/env bash
# One command for a fresh machine: set up (with the test tools and LibreOffice), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
# one pytest-xdist worker per core, each test file on one worker (its module fixtures built once);
# `-n 0` runs in this process (a debugger, -x on the first failure in file order)
.venv/bin/python -m pytest -n auto --dist loadfile "$@"
