"""Run every benchmark script (benchmarks/bench_*.py), one after the other.

Usage: ``.venv/bin/python benchmarks/run.py [NAME ...]`` where NAME filters the
scripts (``kpi_core``, ``udfs``, ...). Each script prints its figures as
ratios to baselines timed in the same run, with peak memory.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if any(name in s.stem for name in argv)]
    status = 0
    for script in scripts:
        print(f"== {script.name}", flush=True)
        status |= subprocess.run([sys.executable, str(script)]).returncode
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
