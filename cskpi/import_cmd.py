"""``cskpi import``: your exports -> the §3 tables, through a mapping (DESIGN.md §12).

``cskpi import [SOURCE...] --map MAP --out DIR`` reads the exports a mapping
names (a section's ``file``, relative to the mapping file; SOURCE files fill
the sections without one, in order, and one SOURCE fills them all), derives
the §3 tables (MRR from billing data, answers from one-column-per-question
surveys...), validates them as ``load_dataset`` does, and writes them: a
folder of CSV files (each written atomically) or, with ``--out data.xlsx``,
a workbook of Excel tables. It prints what it read, derived and left out:
rows per table, months covered, total MRR at the last month. On bad input it
writes nothing and exits 2 naming the file, column and row.

``cskpi import --template [--out FILE]`` writes an annotated example mapping.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import kpi_core

__all__ = ["add_parser", "cmd_import", "summary_lines"]

_DESCRIPTION = """Read your exports (billing: subscriptions or invoice lines; surveys; tickets; an MRR sheet...)
through a mapping and write the tables cskpi reads (DATA): a folder of CSV files, or an .xlsx with --out
FILE.xlsx. MAP is a .toml mapping file (cskpi import --template writes an annotated one), an .xlsx with a
Mapping table, or a built-in mapping: baremetrics (Baremetrics' subscription CSV template, plan_amount in
cents). SOURCE files fill the mapping's sections that name no file (cskpi import billing.csv --map baremetrics
--out data/). Nothing is written when an export cannot be converted: the message names the file, column and
row (1 = first row under the header). --map also works on kpis, build and validate, without this step."""


def summary_lines(ds: kpi_core.Dataset, report: list) -> list[str]:
    """What was read, derived and left out, table by table, then months covered and MRR at the last month.

    Examples
    --------
    >>> from kpi_core.mapping import EXAMPLES_DIR
    >>> ds = kpi_core.apply_mapping("baremetrics", [EXAMPLES_DIR / "billing.csv"], report=(rep := []))
    >>> print("\\n".join(summary_lines(ds, rep)))
    Customers       12 rows  from billing.csv (16 rows): 4 repeated rows of the same customers merged
    Subscriptions  136 rows  from billing.csv (16 rows): derived from 16 subscription rows (from = "subscriptions")
    Subscriptions: 12 customers, months 2025-05 .. 2026-09; MRR at 2026-09: 2,694.00
    """
    lines = []
    for r in report:
        notes = f": {'; '.join(r.notes)}" if r.notes else ""
        lines.append(f"{r.table:<13} {r.rows:>4} rows  from {r.source} ({r.read} rows){notes}")
    subs = ds.table("Subscriptions")
    if subs is not None and len(subs):
        last = subs["month"].max()
        mrr = subs.loc[subs["month"] == last, "mrr"].sum()
        lines.append(f"Subscriptions: {subs['customer_id'].nunique():,} customers, months "
                     f"{subs['month'].min():%Y-%m} .. {last:%Y-%m}; MRR at {last:%Y-%m}: {mrr:,.2f}")
    return lines


def _template(args) -> int:
    from kpi_core.files import atomic_output

    from .data_cmds import refuse_existing

    from kpi_core.mapping import TEMPLATE_PATH

    text = TEMPLATE_PATH.read_text(encoding="utf-8")
    if not args.out:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    refuse_existing(out, args.force)
    with atomic_output(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    print(f"wrote {out}: an annotated example mapping; edit its files and columns, then: "
          f"cskpi import --map {out} --out DIR")
    return 0


def cmd_import(args) -> int:
    """Exports -> §3 tables: validate everything, then write (CSV folder or .xlsx), then say what was done."""
    from kpi_core.files import check_output_folder
    from workbook_templates.templates.data_book import dataset_layout
    from workbook_templates.writing.xlsx import write_data_xlsx

    from .data_cmds import refuse_existing, refuse_overwrite

    if args.template:
        return _template(args)
    if not args.map or not args.out:
        print("cskpi import: error: --map MAP and --out DIR (or FILE.xlsx) are needed (or --template)",
              file=sys.stderr)
        return 2
    out = Path(args.out)
    xlsx = out.suffix.lower() in (".xlsx", ".xlsm")
    if xlsx:
        refuse_existing(out, args.force)
    else:
        check_output_folder(out)
    report: list = []
    ds = kpi_core.apply_mapping(args.map, args.sources, report=report)
    if xlsx:
        write_data_xlsx(dataset_layout(ds), out)
        written = f"wrote {out}: Excel tables {', '.join(ds.tables)}"
    else:
        refuse_overwrite(out, [kpi_core.TABLES[n].file_name for n in ds.tables], args.force)
        files = kpi_core.write_csv_folder(ds, out)
        written = f"wrote {len(files)} CSV files in {out}: {', '.join(f.name for f in files)}"
    for line in summary_lines(ds, report):
        print(line)
    print(written)
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``import`` subcommand to ``cskpi``'s subparsers."""
    p = subparsers.add_parser("import", help="your exports (billing, surveys, tickets) -> DATA, through a mapping",
                              description=_DESCRIPTION)
    p.add_argument("sources", nargs="*", metavar="SOURCE", help="export files for the mapping's sections without a "
                                                                "file (in order; one fills them all)")
    p.add_argument("--map", metavar="MAP", help="mapping: a .toml file, an .xlsx with a Mapping table, or baremetrics")
    p.add_argument("--out", metavar="DIR|FILE.xlsx", help="where to write the tables (with --template: the mapping)")
    p.add_argument("--template", action="store_true", help="write an annotated example mapping (stdout without --out)")
    p.add_argument("--force", action="store_true", help="replace files already there")
    p.set_defaults(func=cmd_import)
    return p
