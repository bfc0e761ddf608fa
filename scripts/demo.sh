#!/usr/bin/env bash
# One command for a fresh machine: set up, then run cskpi on the bundled sample data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh run
.venv/bin/cskpi kpis
# the portfolio and per-CSM workbooks, and a picture of the Dashboard (out/demo/dashboard.png)
.venv/bin/cskpi demo --out out/demo
