"""The ``cskpi`` command line (DESIGN.md §7): it spans kpi_core, workbook_templates and addin.

Exit status: 0 on success; 1 when a workbook of a batch failed (each named,
with its reason, on stderr); 2 on bad input (the message names the file,
table, column and row) or bad arguments; bad input leaves no output file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

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


def _report(result) -> int:
    """Print a batch summary (failures on stderr) and return its exit status."""
    print(result.summary().split("\n")[0])
    for label, reason in result.failed.items():
        print(f"cskpi: error: {label}: {reason}", file=sys.stderr)
    return result.exit_status


def _render_dashboard(workbook: Path, png: Path, lang: str) -> bool:
    """Render the Dashboard sheet of `workbook` to `png` with LibreOffice; False (and say why) without it."""
    from workbook_templates import engine
    from workbook_templates.labels import t

    try:
        engine.find_soffice()
        with tempfile.TemporaryDirectory(prefix="cskpi-demo-") as tmp:
            pdf = engine.render_pdf(workbook, Path(tmp) / "dashboard.pdf", sheet=t("dashboard", lang))
            engine.pdf_to_png(pdf, png)
    except engine.EngineError as err:
        print(f"cskpi: note: no dashboard picture: {err}", file=sys.stderr)
        return False
    return True


def cmd_demo(args) -> int:
    """Sample dataset -> the portfolio and per-CSM workbooks, and a picture of the Dashboard."""
    from workbook_templates.batch import build_workbooks

    result = build_workbooks(kpi_core.sample_dataset(), args.out, by="csm", lang=args.lang)
    status = _report(result)
    portfolio = Path(args.out) / "portfolio.xlsx"
    if portfolio in result.written and _render_dashboard(portfolio, Path(args.out) / "dashboard.png", args.lang):
        print(f"dashboard picture: {Path(args.out) / 'dashboard.png'}")
    print(f"open {portfolio} in Excel or LibreOffice; 'cskpi refresh' re-derives it after you edit its tables")
    return status


def cmd_build(args) -> int:
    """DATA -> the portfolio workbook, plus one per group with --by."""
    from workbook_templates.batch import build_workbooks

    ds = kpi_core.load_dataset(args.data)
    try:
        result = build_workbooks(ds, args.out, by=args.by, lang=args.lang, period_start=args.period_start,
                                 period_end=args.period_end, jobs=args.jobs, manifest=True, resume=args.resume,
                                 scheduler=args.scheduler)
    except KeyboardInterrupt:  # the files written so far are complete and in the manifest
        print(f"cskpi: interrupted; run the same command with --resume to build the rest in {args.out}",
              file=sys.stderr)
        return 130
    return _report(result)


def cmd_refresh(args) -> int:
    """Re-derive a workbook's computed sheets from its own tables (what the ribbon's Refresh does)."""
    from workbook_templates.refresh import refresh_workbook

    path = refresh_workbook(args.workbook)
    print(f"refreshed {path}")
    return 0


def _jobs(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


_REFRESH_HELP = """Re-derive the computed sheets (Dashboard, Revenue, Health, helper sheets...) of a workbook
written by 'cskpi build' or 'cskpi demo' from its own data tables, with the period and health settings of its
Settings sheet. Data tables, Settings, Guide and your own sheets are kept. The file is saved with openpyxl, which
keeps your sheets' values, formulas, formats and charts but drops pictures, shapes and text boxes on them (and
anything else openpyxl does not read, such as slicers and form controls). The ribbon's CS KPIs > Refresh KPIs
inside Excel keeps everything."""


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

    p = sub.add_parser("demo", help="sample dataset -> portfolio and per-CSM workbooks, and dashboard.png")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write to")
    p.add_argument("--lang", choices=("en", "fr"), default="en")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("build", help="DATA -> portfolio workbook (+ one per CSM, segment or customer with --by)",
                       description="Write DIR/portfolio.xlsx and, with --by, one workbook per group (file names "
                                   "from the group names). Per-CSM, per-segment and per-customer workbooks leave "
                                   "out the company-level Funnel and Acquisition tables. Exit status 1 when a "
                                   "workbook failed (the others are still written), 2 on bad input.")
    p.add_argument("data", help="folder of CSV files or .xlsx with the tables of DESIGN.md §3")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write to")
    p.add_argument("--by", choices=("csm", "segment", "customer"), help="also one workbook per group")
    p.add_argument("--lang", choices=("en", "fr"), default="en")
    p.add_argument("--period-start", metavar="YYYY-MM")
    p.add_argument("--period-end", metavar="YYYY-MM")
    p.add_argument("--jobs", type=_jobs, metavar="N",
                   help="worker processes (default 1; with --scheduler local: default one per core)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="build on a Dask distributed cluster: its scheduler's address (tcp://host:8786) or "
                        "'local' for a local cluster (needs pip install \"cskpi[dask]\")")
    p.add_argument("--resume", action="store_true",
                   help="skip the workbooks already complete in DIR (same data and settings, checksum intact)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("refresh", help="what the ribbon's Refresh does, headless", description=_REFRESH_HELP)
    p.add_argument("workbook", metavar="WORKBOOK.xlsx")
    p.set_defaults(func=cmd_refresh)

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
