#!/usr/bin/env bash
# Sets up cskpi on this machine: a virtual environment in .venv with the
# project installed (editable), and the spreadsheet engine the demo renders
# the dashboard with and the tests recalculate workbooks with (LibreOffice
# Calc headless, poppler's pdftoppm), from Debian packages when missing.
# `scripts/setup.sh test` also installs the test tools and fetches what tests/test_lite.py needs
# (scripts/lite_cache.py: Pyodide's package list with npm, the cskpi wheel, pure-Python wheels).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"

python=${PYTHON:-python3}
"$python" - <<'PY'
import sys
if sys.version_info < (3, 10):
    sys.exit(f"cskpi needs Python 3.10 or newer, found {sys.version.split()[0]}")
PY
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "$mode" = test ]; then
  echo "==> installing cskpi with its test tools"
  .venv/bin/python -m pip install --quiet -e '.[test,predict,dask]'
else
  echo "==> installing cskpi"
  .venv/bin/python -m pip install --quiet -e '.[predict]'  # the demo's Customer value sheet
fi
if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then
  echo "==> installing LibreOffice Calc and poppler-utils (Debian packages)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    libreoffice-calc poppler-utils fonts-dejavu-core >/dev/null
fi
command -v soffice >/dev/null || { echo "LibreOffice (soffice) is still missing" >&2; exit 1; }
if [ "$mode" = test ]; then
  # tests/test_lite.py: Pyodide's package list (npm package `pyodide`), the cskpi wheel and the pure-Python
  # wheels of its dependencies, in .cache/lite (a failure here makes that test fail, naming what is missing)
  echo "==> fetching what the xlwings Lite tests check the install against (.cache/lite)"
  .venv/bin/python scripts/lite_cache.py || echo "warning: scripts/lite_cache.py failed (needs npm and PyPI)" >&2
fi
