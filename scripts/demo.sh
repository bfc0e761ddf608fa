#!/usr/bin/env bash
# One command for a fresh machine: set up, then run cskpi on the bundled sample data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh run
.venv/bin/cskpi kpis
