"""Benchmark: =NPS over 100 000 cells through xlwings' custom-function call path.

Times ``xlwings.server.custom_functions_call`` (what xlwings Server and Lite run
for every formula) on a 100 000 x 1 range of NPS scores, once with the
add-in's ``is_jsnull`` fix (see ``addin/udfs.py``) and once on xlwings' stock
path (fix undone), in the same process, and prints both times, their ratio and
the peak memory of one call in each mode.

Run from the repository root::

    python benchmarks/bench_udfs.py [--cells 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

# xlwings chooses its custom-function runtime at import time.
os.environ["XLWINGS_ON_SERVER"] = "true"
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import xlwings as xw  # noqa: E402
from xlwings.server import custom_functions_call  # noqa: E402

from addin import udfs  # noqa: E402


def _payload(cells: int) -> dict:
    """The body the Office.js add-in posts for =NPS(A1:A<cells>)."""
    scores = [[float(i % 11)] for i in range(cells)]
    return {
        "func_name": "nps",
        "args": [scores],
        "version": xw.__version__,
        "client": "Office.js",
        "runtime": "1.4",
    }


def _call(payload: dict):
    return asyncio.run(custom_functions_call(payload, udfs))


def _timed(payload: dict, repeat: int) -> tuple[list[float], list]:
    """Wall-clock seconds of `repeat` calls, and the result of the last one."""
    times, result = [], None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = _call(payload)
        times.append(time.perf_counter() - start)
    return times, result


def _peak_mib(payload: dict) -> float:
    tracemalloc.start()
    try:
        _call(payload)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=100_000, help="cells in the scores range")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls with the fix")
    parser.add_argument("--stock-repeat", type=int, default=1, help="timed calls on the stock path")
    args = parser.parse_args(argv)

    payload = _payload(args.cells)
    _call(payload)  # warm-up: imports, caches

    udfs._install_jsnull_fix()
    fixed, fixed_result = _timed(payload, args.repeat)
    fixed_peak = _peak_mib(payload)

    udfs._remove_jsnull_fix()
    try:
        stock, stock_result = _timed(payload, args.stock_repeat)
        stock_peak = _peak_mib(payload)
    finally:
        udfs._install_jsnull_fix()

    assert fixed_result == stock_result, (fixed_result, stock_result)
    fixed_s, stock_s = statistics.median(fixed), statistics.median(stock)
    print(f"=NPS over {args.cells:,} cells via custom_functions_call -> {fixed_result[0][0]:.4f}")
    print(f"  with the is_jsnull fix : {fixed_s:8.3f} s  (median of {len(fixed)}; "
          f"min {min(fixed):.3f} s)  peak traced memory {fixed_peak:7.1f} MiB")
    print(f"  stock xlwings {xw.__version__:<8}: {stock_s:8.3f} s  (median of {len(stock)})"
          f"          peak traced memory {stock_peak:7.1f} MiB")
    print(f"  speed-up              : {stock_s / fixed_s:8.1f} x")
    print(f"  process peak RSS      : {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:7.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
