"""load_dataset speed and memory, as ratios to peer readers timed in the same run (issue 10).

Run: ``.venv/bin/python benchmarks/bench_load.py [--scale 100] [--xlsx-scale 10]``.

- CSV: ``load_dataset`` of a folder (full validation) vs ``pd.read_csv(engine="pyarrow")``
  reading the same files (no validation). Goal: <= 2x.
- .xlsx: ``load_dataset`` of a workbook holding the eight tables (plus the limits'
  streaming checks) vs python-calamine and fastexcel reading the same tables.
  Goal: <= 2x their time, <= 2x their peak memory.

Each measurement runs in its own subprocess (peak RSS is its own); times are the best of
3 runs. The data is ``sample_dataset(n_customers=400 * scale)``. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from timing import best  # noqa: E402 - benchmarks/timing.py, beside this script

REPEAT = 3


def _best(fn) -> float:
    return best(fn, REPEAT)


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():  # VmHWM: reset by exec, unlike ru_maxrss
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _prepare(folder: Path, scale: int, xlsx_scale: int) -> dict:
    import xlsxwriter

    import kpi_core

    csv_dir = folder / "csv"
    ds = kpi_core.sample_dataset(n_customers=400 * scale)
    kpi_core.write_csv_folder(ds, csv_dir)
    rows = sum(len(f) for f in ds.tables.values())
    small = kpi_core.sample_dataset(n_customers=400 * xlsx_scale)
    book = folder / "book.xlsx"
    wb = xlsxwriter.Workbook(str(book), {"constant_memory": False})
    for name, frame in small.tables.items():
        frame = kpi_core.input_table(name, frame)
        ws = wb.add_worksheet(name)
        data = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
        for j, column in enumerate(frame.columns):
            if frame[column].dtype.kind == "M":
                fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
                for i, v in enumerate(frame[column]):
                    data[i][j] = v.to_pydatetime() if v == v else None
                ws.set_column(j, j, 12, fmt)
        ws.add_table(0, 0, len(frame), len(frame.columns) - 1,
                     {"name": name, "columns": [{"header": c} for c in frame.columns], "data": data})
    wb.close()
    return {"csv": str(csv_dir), "xlsx": str(book), "csv_rows": rows,
            "xlsx_rows": sum(len(f) for f in small.tables.values()), "xlsx_mb": book.stat().st_size / 2**20}


def _case(name: str, path: str) -> dict:
    import pandas as pd

    import kpi_core

    if name == "csv_load_dataset":
        t = _best(lambda: kpi_core.load_dataset(path))
    elif name == "csv_pyarrow":
        files = sorted(Path(path).glob("*.csv"))
        t = _best(lambda: [pd.read_csv(f, engine="pyarrow") for f in files])
    elif name == "xlsx_load_dataset":
        t = _best(lambda: kpi_core.load_dataset(path))
    elif name == "xlsx_calamine":
        from python_calamine import CalamineWorkbook

        def read():
            book = CalamineWorkbook.from_path(path)
            return [book.get_sheet_by_name(s).to_python() for s in book.sheet_names]
        t = _best(read)
    elif name == "xlsx_fastexcel":
        import fastexcel

        def read():
            reader = fastexcel.read_excel(path)
            return [reader.load_table(n).to_pandas() for n in reader.table_names()]
        t = _best(read)
    else:
        raise ValueError(name)
    return {"seconds": t, "peak_mb": _peak_mb()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=100, help="CSV data: 400 x SCALE customers")
    parser.add_argument("--xlsx-scale", type=int, default=10, help=".xlsx data: 400 x SCALE customers")
    parser.add_argument("--case", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(_case(*args.case)))
        return
    with tempfile.TemporaryDirectory(prefix="cskpi-bench-load-") as tmp:
        info = _prepare(Path(tmp), args.scale, args.xlsx_scale)
        results = {}
        for name, kind in (("csv_load_dataset", "csv"), ("csv_pyarrow", "csv"), ("xlsx_load_dataset", "xlsx"),
                           ("xlsx_calamine", "xlsx"), ("xlsx_fastexcel", "xlsx")):
            done = subprocess.run([sys.executable, __file__, "--case", name, info[kind]], capture_output=True,
                                  text=True, check=True)
            results[name] = json.loads(done.stdout)
        print(f"CSV: {info['csv_rows']:,} rows; .xlsx: {info['xlsx_rows']:,} rows, {info['xlsx_mb']:.1f} MB")
        for name, r in results.items():
            print(f"  {name:<20} {r['seconds']:8.2f} s   peak {r['peak_mb']:8.0f} MB")
        csv = results["csv_load_dataset"]["seconds"] / results["csv_pyarrow"]["seconds"]
        print(f"CSV load_dataset / pyarrow read: {csv:.2f}x (goal <= 2x)")
        for peer in ("xlsx_calamine", "xlsx_fastexcel"):
            t = results["xlsx_load_dataset"]["seconds"] / results[peer]["seconds"]
            m = results["xlsx_load_dataset"]["peak_mb"] / results[peer]["peak_mb"]
            print(f".xlsx load_dataset / {peer[5:]}: time {t:.2f}x, peak memory {m:.2f}x (goal <= 2x both)")


if __name__ == "__main__":
    main()
