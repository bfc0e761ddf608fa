"""LibreOffice's cost of recalculating a portfolio workbook, as a ratio to reading the same workbook's values.

Not a test: it prints figures. Run from the project root::

    .venv/bin/python benchmarks/bench_recalc.py                       # 4 000 and 8 000 customers
    .venv/bin/python benchmarks/bench_recalc.py --customers 50000     # the full-size book (slow)
    .venv/bin/python benchmarks/bench_recalc.py --customers 2000 --by-sheet   # where the formulas' time goes

For each size, the portfolio workbook of ``sample_dataset(n_customers=N)`` (all eight tables)
is written, then LibreOffice headless opens it, recalculates every formula and saves it
(:func:`workbook_templates.engine.recalculate`, what the tests do). The baseline is the
same workbook with every formula replaced by its value (the recalculated file with its
``<f>`` elements removed), opened and saved the same way: what LibreOffice spends on the
cells alone. Figures are LibreOffice's CPU time (user + system of the soffice processes),
min of ``--repeats`` runs each; goals (issue 18): recalculation <= 2x the baseline, and
growing no faster than the customers (the 2N / N ratio near 2). ``--by-sheet`` keeps the
formulas of one sheet at a time on the baseline and reports each sheet's extra CPU time.
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kpi_core  # noqa: E402
from workbook_templates.engine import recalculate  # noqa: E402
from workbook_templates.templates import portfolio_layout  # noqa: E402
from workbook_templates.writing.xlsx import write_xlsx  # noqa: E402

_FORMULA = re.compile(rb"<f>.*?</f>|<f [^>]*/>|<f [^>]*>.*?</f>", re.S)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(src: Path, dst: Path) -> tuple[float, float]:
    """(wall s, LibreOffice CPU s) of one recalculation of `src` into `dst`."""
    cpu, wall = _children_cpu(), time.perf_counter()
    recalculate(src, dst, timeout=7200)
    return time.perf_counter() - wall, _children_cpu() - cpu


def values_only(src: Path, dst: Path, keep: set = frozenset()) -> Path:
    """`src` (recalculated: formulas with cached values) with every formula removed but on the sheets `keep`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for info in zin.infolist():
            if info.filename == "xl/calcChain.xml":
                continue
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/sheet") and info.filename not in keep:
                data = _FORMULA.sub(b"", data)
            zout.writestr(info, data)
    return dst


def sheet_parts(path: Path) -> dict:
    """Sheet title -> its worksheet part name."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    targets = {}
    for rel in re.findall(r"<Relationship [^>]*>", rels):
        rid, target = re.search(r'Id="([^"]+)"', rel).group(1), re.search(r'Target="([^"]+)"', rel).group(1)
        targets[rid] = "xl/" + target.lstrip("/").removeprefix("xl/")
    return {name: targets[rid] for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', book)}


def measure(n: int, work: Path, repeats: int, by_sheet: bool) -> dict:
    ds = kpi_core.sample_dataset(n_customers=n)
    book = write_xlsx(portfolio_layout(ds), work / f"portfolio_{n}.xlsx")
    runs = [timed(book, work / f"recalc_{n}_{i}.xlsx") for i in range(repeats)]
    recalc = min(r[1] for r in runs)
    flat = values_only(work / f"recalc_{n}_0.xlsx", work / f"values_{n}.xlsx")
    base = min(timed(flat, work / f"values_{n}_{i}.out.xlsx")[1] for i in range(repeats))
    out = {"customers": n, "rows": sum(len(f) for f in ds.tables.values()), "recalc_cpu": recalc,
           "recalc_wall": min(r[0] for r in runs), "values_cpu": base, "ratio": recalc / base}
    print(f"{n:>7} customers, {out['rows']:,} data rows: recalculation {recalc:.1f} s CPU "
          f"({out['recalc_wall']:.1f} s wall), values only {base:.1f} s: {out['ratio']:.2f}x", flush=True)
    if by_sheet:
        for title, part in sheet_parts(work / f"recalc_{n}_0.xlsx").items():
            one = values_only(work / f"recalc_{n}_0.xlsx", work / "one.xlsx", {part})
            extra = min(timed(one, work / "one.out.xlsx")[1] for _ in range(repeats)) - base
            print(f"    {title:<18} +{extra:6.1f} s CPU", flush=True)
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[4000, 8000])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--by-sheet", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cskpi-bench-recalc-") as tmp:
        results = [measure(n, Path(tmp), args.repeats, args.by_sheet) for n in args.customers]
    for a, b in zip(results, results[1:]):
        print(f"{a['customers']} -> {b['customers']} customers (x{b['customers'] / a['customers']:.1f}): "
              f"recalculation x{b['recalc_cpu'] / a['recalc_cpu']:.2f}, values only "
              f"x{b['values_cpu'] / a['values_cpu']:.2f}")


if __name__ == "__main__":
    main()
