"""The ``cskpi`` command line (DESIGN.md §7)."""

from __future__ import annotations

import argparse
import json
import math
import sys

import kpi_core
from kpi_core import KpiInputError

#: Display label and format of every headline KPI in the terminal.
_FORMATS = {
    "mrr": ("MRR", "money"), "arr": ("ARR", "money"), "nrr": ("Net revenue retention", "pct"),
    "grr": ("Gross revenue retention", "pct"), "revenue_churn": ("Revenue churn", "pct"),
    "logo_churn": ("Logo churn", "pct"), "retention": ("Customer retention", "pct"),
    "net_customer_change": ("Net customer change", "count"), "quick_ratio": ("Quick ratio", "ratio"),
    "nps": ("NPS", "points"), "csat": ("CSAT", "pct"), "ces": ("CES (1-7)", "ratio"),
    "fcr": ("First-contact resolution", "pct"), "avg_basket": ("Average basket", "money"),
    "purchase_frequency": ("Purchase frequency", "ratio"), "repurchase_rate": ("Repurchase rate", "pct"),
    "cac": ("CAC", "money"), "conversion_rate": ("Conversion rate", "pct"),
    "abandonment_rate": ("Cart abandonment", "pct"), "avg_health": ("Average health (0-100)", "ratio"),
}


def _fmt(value, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "pct":
        return f"{value * 100:,.1f} %"
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "count":
        return f"{value:+,.0f}"
    if kind == "points":
        return f"{value:+.1f}"
    return f"{value:,.2f}"


def _load(data):
    return kpi_core.sample_dataset() if data is None else kpi_core.load_dataset(data)


def cmd_kpis(args) -> int:
    """Print the headline KPIs of a dataset (the sample when none is given)."""
    ds = _load(args.data)
    period = kpi_core.report_period(ds, args.period_start, args.period_end)
    kpis = kpi_core.headline_kpis(ds, period.start, period.end)
    if args.json:
        json.dump({"source": ds.source, "period_start": f"{period.start:%Y-%m}",
                   "period_end": f"{period.end:%Y-%m}", "kpis": kpis}, sys.stdout, indent=2)
        print()
        return 0
    print(f"Headline KPIs: {ds.source}, period {period.label}")
    width = max(len(label) for label, _ in _FORMATS.values())
    for key, value in kpis.items():
        label, kind = _FORMATS[key]
        print(f"  {label:<{width}}  {_fmt(value, kind):>16}")
    if any(v is None for v in kpis.values()):
        print("  n/a: undefined for this period (its denominator is 0, e.g. no answer or no loss).")
    return 0


def cmd_addin_build(args) -> int:
    """Build cskpi.xlam from the text sources and the installed xlwings."""
    from addin.xlam import build_xlam

    path = build_xlam(args.out)
    print(f"built {path}")
    return 0


def cmd_addin_install(args) -> int:
    """Build and install cskpi.xlam where Excel loads add-ins (Windows, macOS)."""
    from addin.xlam import AddinInstallError, install_instructions, install_xlam

    try:
        path = install_xlam()
    except AddinInstallError as err:
        print(f"cskpi: error: {err}", file=sys.stderr)
        return 1
    print(install_instructions(path))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``cskpi``."""
    parser = argparse.ArgumentParser(prog="cskpi", description="Customer-success KPIs: terminal, Excel, workbooks.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("kpis", help="headline KPIs in the terminal (sample data if no DATA)")
    p.add_argument("data", nargs="?", help="folder of CSV files or .xlsx with the tables of DESIGN.md §3")
    p.add_argument("--period-start", metavar="YYYY-MM")
    p.add_argument("--period-end", metavar="YYYY-MM")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_kpis)

    addin = sub.add_parser("addin", help="the Excel add-in (cskpi.xlam)")
    addin_sub = addin.add_subparsers(dest="addin_command", required=True)
    p = addin_sub.add_parser("build", help="build cskpi.xlam from the project's sources")
    p.add_argument("--out", default="cskpi.xlam", help="file or folder to write (default: ./cskpi.xlam)")
    p.set_defaults(func=cmd_addin_build)
    p = addin_sub.add_parser("install", help="install cskpi.xlam where Excel loads add-ins (Windows/macOS)")
    p.set_defaults(func=cmd_addin_install)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``cskpi`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KpiInputError as err:
        print(f"cskpi: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
