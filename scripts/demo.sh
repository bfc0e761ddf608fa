#!/usr/bin/env bash
# One command for a fresh machine: set up, then run cskpi on the bundled sample data:
# the headline KPIs in the terminal, then the portfolio and per-CSM workbooks and a
# picture of the portfolio's Dashboard in out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh run
.venv/bin/cskpi kpis
.venv/bin/cskpi demo --out out/demo
