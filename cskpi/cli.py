"""The ``cskpi`` command line (DESIGN.md §7): it spans kpi_core, workbook_templates and addin.

Exit status: 0 on success; 1 when a workbook of a batch failed (each named,
with its reason, on stderr) or a file could not be written (full disk); 2 on
bad input (the message names the file, table, column and row), bad arguments
or an output place that cannot be written (read-only); bad input leaves no
output file. ``cskpi`` alone prints the help.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import sys
import tempfile
from pathlib import Path

import kpi_core
from kpi_core import KpiInputError

from . import health_cmd, import_cmd, lite_cmd, predict


def _load(data, mapping=None):
    from .data_cmds import load_for_command

    return load_for_command(data, mapping)


def _period(ds, args):
    """The report period of a command, warning on stderr when it lies outside the data."""
    from .data_cmds import warn_period

    period = kpi_core.report_period(ds, args.period_start, args.period_end)
    warn_period(ds, period)
    return period


def cmd_kpis(args) -> int:
    """Print the headline KPIs of a dataset (the sample when none is given); --compare, --by, --csv."""
    from . import report

    if (args.bands or args.targets) and not args.compare:
        print("cskpi: error: --bands and --targets go with --compare", file=sys.stderr)
        return 2
    ds = _load(args.data, args.map)
    period = _period(ds, args)
    config = health_cmd.health_config(args)
    bands = kpi_core.load_bands(args.bands) if args.bands else None
    targets = kpi_core.load_targets(args.targets) if args.targets else None
    payload = {"source": ds.source, "period_start": f"{period.start:%Y-%m}", "period_end": f"{period.end:%Y-%m}"}
    if args.by:
        table = kpi_core.kpis_by(ds, args.by, period.start, period.end, config)
        payload.update(by=args.by, groups=report.json_records(table))
        show = lambda: report.print_by(ds.source, period, args.by, table)  # noqa: E731
    else:
        kpis = kpi_core.headline_kpis(ds, period.start, period.end, config)
        payload["kpis"] = kpis
        if args.compare:
            prev = kpi_core.previous_period(period)
            before = kpi_core.headline_kpis(ds, prev.start, prev.end, config)
            table = kpi_core.compare_kpis(kpis, before, bands, targets)
            payload.update(previous_period_start=f"{prev.start:%Y-%m}", previous_period_end=f"{prev.end:%Y-%m}",
                           previous_kpis=before, comparison=report.json_records(table))
            show = lambda: report.print_compare(ds.source, period, prev, table)  # noqa: E731
        else:
            table = report.headline_table(kpis)
            show = lambda: report.print_headline(ds.source, period, kpis)  # noqa: E731
    if args.csv:
        try:
            report.write_csv(table, args.csv)
        except OSError as err:
            print(f"cskpi: error: cannot write {args.csv}: {err.strerror or err}", file=sys.stderr)
            return 2
    if args.json:
        report.dump_json(payload)
    else:
        show()
        if args.csv:
            print(f"wrote {args.csv}")
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
    from workbook_templates.spec.labels import t

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
    from kpi_core.files import check_output_folder

    check_output_folder(args.out)
    result = build_workbooks(kpi_core.sample_dataset(), args.out, by="csm", lang=args.lang, predict=args.predict,
                             currency=args.currency)
    status = _report(result)
    portfolio = Path(args.out) / "portfolio.xlsx"
    if portfolio in result.written and _render_dashboard(portfolio, Path(args.out) / "dashboard.png", args.lang):
        print(f"dashboard picture: {Path(args.out) / 'dashboard.png'}")
    print(f"open {portfolio} in Excel or LibreOffice; 'cskpi refresh' re-derives it after you edit its tables")
    return status


def cmd_build(args) -> int:
    """DATA -> the portfolio workbook, plus one per group with --by."""
    from workbook_templates.batch import build_workbooks

    from kpi_core.files import check_output_folder

    if args.data is None and args.map is None:
        print("cskpi build: error: give DATA, or --map MAP (or both)", file=sys.stderr)
        return 2
    check_output_folder(args.out)
    ds = _load(args.data, args.map)
    _period(ds, args)
    config = health_cmd.health_config(args)
    try:
        result = build_workbooks(ds, args.out, by=args.by, lang=args.lang, period_start=args.period_start,
                                 period_end=args.period_end, jobs=args.jobs, manifest=True, resume=args.resume,
                                 scheduler=args.scheduler, predict=args.predict, currency=args.currency,
                                 config=config)
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
Settings sheet. Only the computed sheets are replaced: data tables, Settings, Guide and your own sheets, with
their pictures, shapes, text boxes, charts and comments, and the macros of an .xlsm are kept unchanged."""


def _report_options(p) -> None:
    """Options of the workbooks' content shared by ``demo`` and ``build``."""
    p.add_argument("--currency", default="", metavar="SYMBOL", help="shown with money amounts (e.g. €, $, CHF)")
    p.add_argument("--no-predict", dest="predict", action="store_false",
                   help="leave out the portfolio's Customer value sheet (it fits BG/NBD and Gamma-Gamma models on "
                        "the Orders table; needs cskpi[predict])")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``cskpi``."""
    from .data_cmds import add_map_option, add_parsers, tables_epilog

    parser = argparse.ArgumentParser(prog="cskpi", description="Customer-success KPIs: terminal, Excel, workbooks.",
                                     epilog=tables_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("kpis", help="headline KPIs in the terminal (sample data if no DATA)")
    p.add_argument("data", nargs="?", help="folder of CSV files or .xlsx holding the tables listed by cskpi --help")
    p.add_argument("--period-start", metavar="YYYY-MM")
    p.add_argument("--period-end", metavar="YYYY-MM")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    view = p.add_mutually_exclusive_group()
    view.add_argument("--compare", action="store_true",
                      help="current vs the previous period of the same length: change and benchmark band")
    view.add_argument("--by", choices=kpi_core.BREAKDOWNS, help="one row of headline KPIs per segment or CSM")
    p.add_argument("--csv", metavar="FILE", help="also write the table shown as CSV (numbers unformatted)")
    p.add_argument("--bands", metavar="FILE", help="benchmark bands (.toml or .csv) instead of the defaults")
    p.add_argument("--targets", metavar="FILE", help="targets per KPI (.toml or .csv) for --compare")
    health_cmd.add_health_config_option(p)
    add_map_option(p)
    p.set_defaults(func=cmd_kpis)

    p = sub.add_parser("demo", help="sample dataset -> portfolio and per-CSM workbooks, and dashboard.png")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write to")
    p.add_argument("--lang", choices=("en", "fr"), default="en")
    _report_options(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("build", help="DATA -> portfolio workbook (+ one per CSM, segment or customer with --by)",
                       description="Write DIR/portfolio.xlsx and, with --by, one workbook per group (file names "
                                   "from the group names). Per-CSM, per-segment and per-customer workbooks leave "
                                   "out the company-level Funnel and Acquisition tables. Exit status 1 when a "
                                   "workbook failed (the others are still written), 2 on bad input.")
    p.add_argument("data", nargs="?", help="folder of CSV files or .xlsx holding the tables listed by cskpi --help")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write to")
    add_map_option(p)
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
    health_cmd.add_health_config_option(p)
    _report_options(p)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("refresh", help="what the ribbon's Refresh does, headless", description=_REFRESH_HELP)
    p.add_argument("workbook", metavar="WORKBOOK.xlsx")
    p.set_defaults(func=cmd_refresh)

    predict.add_parser(sub)
    health_cmd.add_parser(sub)
    lite_cmd.add_parser(sub)
    import_cmd.add_parser(sub)
    add_parsers(sub)

    addin = sub.add_parser("addin", help="the Excel add-in (cskpi.xlam)")
    addin_sub = addin.add_subparsers(dest="addin_command", required=True)
    p = addin_sub.add_parser("build", help="build cskpi.xlam from the project's sources")
    p.add_argument("--out", default="cskpi.xlam", help="file or folder to write (default: ./cskpi.xlam)")
    p.set_defaults(func=cmd_addin_build)
    p = addin_sub.add_parser("install", help="install cskpi.xlam where Excel loads add-ins (Windows/macOS)")
    p.set_defaults(func=cmd_addin_install)
    return parser


def _terminate(signum, frame):
    """SIGTERM ends cskpi like Ctrl-C: through an exception, so temporary files are removed."""
    raise SystemExit(128 + signum)


def main(argv=None) -> int:
    """Entry point of the ``cskpi`` console script; returns the exit status.

    No Python traceback reaches the user: bad input exits 2 naming the file,
    table, column and row; a file that cannot be written (read-only, full
    disk) exits 1 in one line; anything unexpected exits 1 in one line
    (``CSKPI_DEBUG=1`` shows the traceback).
    """
    import os
    import signal

    from kpi_core.files import OutputError

    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        parser.print_help()
        return 0
    args = parser.parse_args(argv)
    previous = None
    with contextlib.suppress(ValueError):  # not in the main thread: leave the default
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.func(args)
    except KpiInputError as err:
        print(f"cskpi: error: {err}", file=sys.stderr)
        return 2
    except OutputError as err:
        print(f"cskpi: error: {err}", file=sys.stderr)
        return 2 if err.errno in (errno.ENOTDIR, errno.EISDIR, errno.EACCES, errno.EROFS) else 1
    except KeyboardInterrupt:
        print("cskpi: interrupted; nothing was left half-written", file=sys.stderr)
        return 130
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        print(f"cskpi: error: {where}{err.strerror or err}", file=sys.stderr)
        return 1
    except Exception as err:  # noqa: BLE001 - the last guard: one line, never a traceback
        if os.environ.get("CSKPI_DEBUG"):
            raise
        print(f"cskpi: internal error: {type(err).__name__}: {err} (please report it; CSKPI_DEBUG=1 shows the "
              "details)", file=sys.stderr)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
