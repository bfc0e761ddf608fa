"""Workbook benchmarks (issue part 5): build, write and recalculation costs, as ratios of one run.

Not a test: it prints figures. Run from the project root::

    .venv/bin/python benchmarks/bench_workbooks.py                 # everything
    .venv/bin/python benchmarks/bench_workbooks.py --only small    # per-customer workbooks + profile
    .venv/bin/python benchmarks/bench_workbooks.py --only large --tables subs
    .venv/bin/python benchmarks/bench_workbooks.py --only large --tables full

(a) ``large``: the portfolio workbook of ``sample_dataset(n_customers=50_000)`` (24 months).
    ``--tables full`` keeps the eight tables, ``--tables subs`` Customers + Subscriptions
    only. Every measurement runs in its own subprocess, whose peak memory
    (``ru_maxrss``) is reported: the layout alone, our package writer
    (:func:`workbook_templates.writing.xlsx.write_xlsx`), PyExcelerate writing the same cells
    (:mod:`benchmarks.pyexcelerate_layout`), XlsxWriter with ``--xlsxwriter``, and
    LibreOffice's recalculation of our file (:func:`workbook_templates.engine.recalculate`;
    its memory is LibreOffice's). Targets: per cell <= 1.0 x PyExcelerate.
(b) ``small``: account workbooks of ``sample_dataset(n_customers=1000)``: the
    ``cskpi build --by customer`` path end to end (subset, layout, file) and our writer
    alone, against PyExcelerate and XlsxWriter writing the same cells (min of ``--repeats``
    interleaved runs per workbook); target end to end <= 2 x PyExcelerate. Then a cProfile
    of the end-to-end path, with the shares of the subset, the layout and the writer.
(c) :func:`bench_batch` is the hook for the batch (``--jobs``) benchmark: give it a callable
    that builds N workbooks into a folder.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kpi_core  # noqa: E402
from kpi_core import Dataset  # noqa: E402

#: writers timed on the large workbook ("none": the layout alone); XlsxWriter is slow and
#: memory-hungry on the full tables, so it runs only with --xlsxwriter
WRITERS = ["none", "ours", "pyexcelerate"]
TABLE_SETS = {
    "full": ("Customers", "Subscriptions", "Responses", "Tickets", "Usage", "Orders", "Funnel", "Acquisition"),
    "subs": ("Customers", "Subscriptions"),
}
EXCEL_MAX_ROWS = 1_048_576


def _maxrss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


# ------------------------------------------------------------------------------ (a) large


def _large_dataset(n_customers: int, tables: str) -> Dataset:
    ds = kpi_core.sample_dataset(n_customers=n_customers)
    keep = {n: ds.table(n) for n in TABLE_SETS[tables] if ds.table(n) is not None}
    for name, frame in keep.items():
        assert len(frame) + 1 <= EXCEL_MAX_ROWS, f"{name}: {len(frame)} rows exceed Excel's sheet"
    return Dataset(keep, source=f"sample(n_customers={n_customers}) [{tables}]")


def _child_large(args) -> dict:
    """One measurement in this (child) process; prints JSON."""
    t0 = time.perf_counter()
    ds = _large_dataset(args.customers, args.tables)
    t1 = time.perf_counter()
    from workbook_templates.templates.portfolio import portfolio_layout

    layout = portfolio_layout(ds)
    t2 = time.perf_counter()
    out = {"rows": {n: len(f) for n, f in ds.tables.items()}, "data_s": t1 - t0, "layout_s": t2 - t1,
           "cells": sum(len(s.cells) + sum(b.frame.size for b in s.blocks) for s in layout.sheets),
           "formulas": sum(sum(1 for c in s.cells.values() if c.is_formula)
                           + sum(max(fb.rows, 0) * sum(f is not None for f, _ in fb.columns) for fb in s.formula_blocks)
                           for s in layout.sheets)}
    if args.writer == "ours":
        from workbook_templates.writing.xlsx import write_xlsx

        write_xlsx(layout, args.out)
    elif args.writer == "xlsxwriter":
        from benchmarks.xlsxwriter_layout import write_xlsxwriter

        write_xlsxwriter(layout, args.out)
    elif args.writer == "pyexcelerate":
        from benchmarks.pyexcelerate_layout import write_pyexcelerate

        write_pyexcelerate(layout, args.out)
    t3 = time.perf_counter()
    from benchmarks.pyexcelerate_layout import cell_count

    out["cells_written"] = cell_count(layout)
    out.update(write_s=t3 - t2, maxrss_mb=_maxrss_mb())
    if args.writer != "none":
        out["size_mb"] = Path(args.out).stat().st_size / 1e6
    return out


def _child_recalc(args) -> dict:
    from workbook_templates.engine import recalculate

    t0 = time.perf_counter()
    recalculate(Path(args.out), Path(args.out).with_suffix(".recalc.xlsx"), timeout=args.timeout)
    return {"recalc_s": time.perf_counter() - t0, "soffice_maxrss_mb": _maxrss_mb(resource.RUSAGE_CHILDREN)}


def _spawn(*extra, timeout: float) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", *map(str, extra)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_large(customers: int, tables: str, work: Path, timeout: float) -> None:
    print(f"\n== (a) portfolio workbook, sample_dataset(n_customers={customers}), tables: "
          f"{', '.join(TABLE_SETS[tables])}")
    base = ["--customers", customers, "--tables", tables]
    runs = {}
    for writer in WRITERS:
        runs[writer] = _spawn("large", *base, "--writer", writer, "--out", work / f"large_{tables}_{writer}.xlsx",
                              timeout=timeout)
    first = next((r for r in runs.values() if "rows" in r), None)
    if first:
        print("  rows: " + ", ".join(f"{n}={k:,}" for n, k in first["rows"].items())
              + f"; layout cells {first['cells']:,} ({first['formulas']:,} formulas)")
    for writer, r in runs.items():
        if "error" in r:
            print(f"  {writer:10s} ERROR {r['error']}")
            continue
        line = f"  {writer:10s} data {r['data_s']:6.1f} s  layout {r['layout_s']:6.1f} s"
        if writer != "none":
            line += (f"  write {r['write_s']:6.1f} s ({1e6 * r['write_s'] / r['cells_written']:.2f} us/cell)"
                     f"  built (layout+write) {r['layout_s'] + r['write_s']:6.1f} s  file {r['size_mb']:6.1f} MB")
        print(line + f"  peak RSS {r['maxrss_mb']:7.0f} MB")
    o, x, pe = runs["ours"], runs.get("xlsxwriter", {}), runs["pyexcelerate"]
    if "write_s" in o and "write_s" in pe:
        print(f"  ratio ours / pyexcelerate per cell: {o['write_s'] / pe['write_s']:.2f}   (target <= 1.0; "
              f"pyexcelerate writes no styles, tables, charts or names)")
    if "write_s" in o and "write_s" in x:
        print(f"  ratio ours / xlsxwriter write: {o['write_s'] / x['write_s']:.2f}  "
              f"(peak RSS {o['maxrss_mb'] / x['maxrss_mb']:.2f})")
    if "write_s" in o:
        ok_time, ok_mem = o["layout_s"] + o["write_s"] < 60, o["maxrss_mb"] < 1536
        print(f"  target built < 60 s: {'met' if ok_time else 'MISSED'}; < 1.5 GB: {'met' if ok_mem else 'MISSED'}")
    if "write_s" in o:
        r = _spawn("recalc", "--out", work / f"large_{tables}_ours.xlsx", "--timeout", timeout, timeout=timeout + 30)
        if "error" in r:
            print(f"  LibreOffice recalculation ERROR {r['error']}")
        else:
            print(f"  LibreOffice recalculation {r['recalc_s']:6.1f} s  (soffice peak RSS {r['soffice_maxrss_mb']:.0f} MB)"
                  f"  target < 120 s: {'met' if r['recalc_s'] < 120 else 'MISSED'}")


# ------------------------------------------------------------------------------ (b) small


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_small(n: int, work: Path, profile_top: int, repeats: int = 3) -> None:
    """Account workbooks: the ``cskpi build --by customer`` path end to end, and the writers alone.

    Per workbook, each case runs `repeats` times interleaved with the others and its
    minimum is kept: ours end to end (the account's rows taken out of the dataset, its
    layout, the file), ours writing the same layout, PyExcelerate and XlsxWriter writing
    the same cells (PyExcelerate: no styles, tables, charts or names).
    """
    from benchmarks.pyexcelerate_layout import cell_count, write_pyexcelerate
    from benchmarks.xlsxwriter_layout import write_xlsxwriter
    from workbook_templates.templates.account import account_layout, customer_ids, customer_subset
    from workbook_templates.writing.xlsx import write_xlsx

    ds = kpi_core.sample_dataset(n_customers=1000)
    ids = customer_ids(ds)[:n]
    folder = work / "small"
    folder.mkdir(exist_ok=True)
    out = folder / "w.xlsx"

    def end_to_end(cid):
        write_xlsx(account_layout(customer_subset(ds, [cid])), out)

    cases = {"ours end to end": None, "ours, write only": write_xlsx, "pyexcelerate": write_pyexcelerate,
             "xlsxwriter": write_xlsxwriter}
    layouts = [account_layout(customer_subset(ds, [cid])) for cid in ids]
    cells = sum(cell_count(lay) for lay in layouts)
    for cid, lay in zip(ids[:3], layouts[:3]):  # warm: imports, caches, the process's style sheets
        end_to_end(cid)
        for write in list(cases.values())[1:]:
            write(lay, out)
    best: dict = {tag: [] for tag in cases}
    for cid, lay in zip(ids, layouts):
        runs: dict = {tag: [] for tag in cases}
        for _ in range(repeats):
            runs["ours end to end"].append(_time(lambda: end_to_end(cid)))
            for tag, write in list(cases.items())[1:]:
                runs[tag].append(_time(lambda: write(lay, out)))
        for tag, v in runs.items():
            best[tag].append(min(v))
    print(f"\n== (b) {n} account workbooks of sample_dataset(n_customers=1000) (cskpi build --by customer), "
          f"{cells / n:,.0f} cells each; min of {repeats} interleaved runs per workbook")
    med = lambda v: sorted(v)[len(v) // 2]  # noqa: E731
    for tag, v in best.items():
        print(f"  {tag:18s} total {sum(v):6.2f} s  median {1000 * med(v):6.1f} ms  "
              f"p90 {1000 * sorted(v)[int(.9 * len(v))]:6.1f} ms  {1e6 * sum(v) / cells:5.2f} us/cell")
    pe = sum(best["pyexcelerate"])
    print(f"  ratio ours end to end / pyexcelerate: {sum(best['ours end to end']) / pe:.2f}   (target <= 2.0)")
    print(f"  ratio ours write only / pyexcelerate: {sum(best['ours, write only']) / pe:.2f}   "
          f"(pyexcelerate writes no styles, tables, charts or names)")
    print(f"  ratio ours write only / xlsxwriter:   {sum(best['ours, write only']) / sum(best['xlsxwriter']):.2f}")
    if profile_top:
        prof = cProfile.Profile()
        prof.enable()
        for cid in ids:
            end_to_end(cid)
        prof.disable()
        stats = pstats.Stats(prof)
        total = stats.total_tt
        parts = {"customer_subset (the account's rows)": "customer_subset", "account_layout (the layout)":
                 "account_layout", "write_xlsx (the writer)": "write_xlsx"}
        print(f"\n  cProfile of the end-to-end path x {n} ({total:.2f} s profiled): cumulative share")
        for label, func in parts.items():
            cum = sum(v[3] for k, v in stats.stats.items() if k[2] == func)
            print(f"    {label:40s} {cum:6.2f} s  {100 * cum / total:5.1f} %")
        for key in ("tottime", "cumulative"):
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key).print_stats(profile_top)
            text = buf.getvalue()
            print(f"\n  by {key}:")
            print("\n".join("    " + line for line in text[text.find("ncalls"):].splitlines()))


# ------------------------------------------------------------------------------ (c) batch


def _child_batch(args) -> dict:
    """One batch run in this process: per-customer workbooks of the first `args.small` accounts.

    The dataset is always the same (sample_dataset(n_customers=1000)), so that runs of
    different sizes differ only in the number of workbooks built.
    """
    from workbook_templates.templates.account import account_layout, customer_ids, customer_subset
    from workbook_templates.batch import build_workbooks

    ds = kpi_core.sample_dataset(seed=0, n_customers=1000)
    ids = customer_ids(ds)[:args.small]
    out = Path(args.out)
    t0 = time.perf_counter()
    if args.writer == "xlsxwriter":  # the same layouts written by XlsxWriter, one process
        from benchmarks.xlsxwriter_layout import write_xlsxwriter

        for cid in ids:
            write_xlsxwriter(account_layout(customer_subset(ds, [cid])), out / f"{cid}.xlsx")
        written = len(ids)
    else:
        result = build_workbooks(ds, out, by="customer", jobs=args.jobs, progress=io.StringIO(), only=ids)
        written = len(result.written)
    wall = time.perf_counter() - t0
    return {"n": written, "wall_s": wall, "self_mb": _maxrss_mb(), "children_mb": _maxrss_mb(resource.RUSAGE_CHILDREN)}


def bench_batch(n: int, work: Path, timeout: float) -> None:
    """Per-account workbooks: --jobs 1 vs --jobs 2 vs XlsxWriter, and memory at n/10 vs n."""
    runs = {}
    for label, extra in (("xlsxwriter", ("--writer", "xlsxwriter")), ("jobs1", ("--jobs", "1")),
                         ("jobs2", ("--jobs", "2"))):
        out = Path(tempfile.mkdtemp(prefix=f"batch-{label}-", dir=work))
        runs[label] = _spawn("batch", "--small", str(n), "--out", str(out), *extra, timeout=timeout)
    out = Path(tempfile.mkdtemp(prefix="batch-small-", dir=work))
    runs["jobs1_tenth"] = _spawn("batch", "--small", str(n // 10), "--out", str(out), "--jobs", "1",
                                 timeout=timeout)
    per = {k: 1000 * r["wall_s"] / max(r["n"], 1) for k, r in runs.items()}
    print(f"\n== (c) batch: {n} per-customer workbooks (cskpi build --by customer)")
    print(f"  ours --jobs 1: {per['jobs1']:.1f} ms per workbook; XlsxWriter, same layouts: "
          f"{per['xlsxwriter']:.1f} ms -> {per['jobs1'] / per['xlsxwriter']:.2f}x   (target <= 1.5x)")
    print(f"  --jobs 2: {runs['jobs2']['wall_s']:.1f} s vs --jobs 1 {runs['jobs1']['wall_s']:.1f} s -> "
          f"{runs['jobs1']['wall_s'] / runs['jobs2']['wall_s']:.2f}x faster   (target >= 1.7x)")
    big, small = runs["jobs1"]["self_mb"], runs["jobs1_tenth"]["self_mb"]
    print(f"  peak memory, --jobs 1: {n} workbooks {big:.0f} MB vs {n // 10}: {small:.0f} MB -> "
          f"{100 * (big / small - 1):+.1f} %   (target within 10 %); --jobs 2 workers "
          f"{runs['jobs2']['children_mb']:.0f} MB each at most")


# ------------------------------------------------------------------------------ main


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--only", choices=("large", "small", "batch"))
    p.add_argument("--tables", choices=("full", "subs", "both"), default="both")
    p.add_argument("--customers", type=int, default=50_000)
    p.add_argument("--small", type=int, default=100)
    p.add_argument("--profile-top", type=int, default=25)
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--child", choices=("large", "recalc", "batch"))
    p.add_argument("--batch", type=int, default=1000, help="workbooks in the batch case")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--writer", choices=("none", "ours", "xlsxwriter", "pyexcelerate"), default="none")
    p.add_argument("--repeats", type=int, default=3, help="runs per account workbook in --only small (min kept)")
    p.add_argument("--xlsxwriter", action="store_true", help="also time XlsxWriter on the large workbook")
    p.add_argument("--out")
    args = p.parse_args(argv)
    if args.xlsxwriter:
        WRITERS.append("xlsxwriter")
    if args.child:
        child = {"large": _child_large, "recalc": _child_recalc, "batch": _child_batch}[args.child]
        print(json.dumps(child(args)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-wb-") as tmp:
        work = Path(tmp)
        print(f"python {sys.version.split()[0]}; machine: {__import__('os').cpu_count()} cores")
        if args.only in (None, "small"):
            bench_small(args.small, work, args.profile_top, args.repeats)
        if args.only in (None, "batch"):
            bench_batch(args.batch, work, args.timeout)
        if args.only in (None, "large"):
            for tables in (("subs", "full") if args.tables == "both" else (args.tables,)):
                bench_large(args.customers, tables, work, args.timeout)


if __name__ == "__main__":
    main()
