#!/usr/bin/env bash
# One command for a fresh machine: set up (with the test tools and LibreOffice), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/python -m pytest "$@"
