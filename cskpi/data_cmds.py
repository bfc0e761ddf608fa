"""``cskpi validate DATA`` and ``cskpi sample --out DIR`` (DESIGN.md §7), and the data checks every command shares.

``validate`` prints every problem of a dataset, one line each naming the
file, table, column and row (or cell), and exits 2; on good data it prints
"no problem found" and exits 0. Nothing is written.

``sample`` writes the bundled sample dataset as a folder of CSV files: a
template to copy for one's own data.
"""

from __future__ import annotations

import sys
from pathlib import Path

import kpi_core
from kpi_core import KpiInputError

__all__ = ["add_parsers", "cmd_validate", "cmd_sample", "load_for_command", "tables_epilog", "warn_period"]


def tables_epilog() -> str:
    """The tables of DESIGN.md §3 and their required columns, for ``cskpi --help``.

    Examples
    --------
    >>> print(tables_epilog().splitlines()[4])
      Customers      customers.csv      customer_id
    """
    lines = ["DATA is a folder of CSV files, or an .xlsx whose Excel tables (Insert > Table) have these names.",
             "Each table needs the required columns below (lower case; other columns are kept); only the tables",
             "a KPI needs must be there. 'cskpi sample --out DIR' writes an example of each.",
             f"  {'table':<14} {'CSV file':<18} required columns"]
    for spec in kpi_core.TABLES.values():
        lines.append(f"  {spec.name:<14} {spec.file_name:<18} {', '.join(spec.required)}")
    lines.append("Run 'cskpi validate DATA' to list every problem in your data.")
    return "\n".join(lines)


def load_for_command(data):
    """The dataset for a command; on bad data the error also says how many more problems there are."""
    if data is None:
        return kpi_core.sample_dataset()
    try:
        return kpi_core.load_dataset(data)
    except KpiInputError as err:
        try:
            more = len(kpi_core.find_problems(data)) - 1
        except Exception:  # noqa: BLE001 - counting is a courtesy; the first error is what matters
            more = 0
        if more > 0:
            raise KpiInputError(f"{err}\n  ... and {more} more problem{'s' if more > 1 else ''}: "
                                f"'cskpi validate {data}' lists them all", err.kind, location=err.location) from None
        raise


def warn_period(ds, period) -> None:
    """Warn on stderr when the report period lies outside the data's months."""
    text = kpi_core.period_warning(ds, period)
    if text:
        print(f"cskpi: warning: {text}", file=sys.stderr)


def cmd_validate(args) -> int:
    """Every problem in DATA, one line each; exit 2 when there is any."""
    problems = kpi_core.find_problems(args.data)
    for problem in problems:
        print(str(problem).replace("\n", " "))
    if problems:
        print(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} found in {args.data}", file=sys.stderr)
        return 2
    print(f"no problem found in {args.data}")
    return 0


def cmd_sample(args) -> int:
    """The bundled sample dataset as a folder of CSV files."""
    from kpi_core.files import check_output_folder

    out = Path(args.out)
    check_output_folder(out)
    taken = [p for p in (out / s.file_name for s in kpi_core.TABLES.values()) if p.exists()]
    if taken and not args.force:
        raise KpiInputError(f"{out}: already holds {', '.join(p.name for p in taken)}; not overwritten "
                            "(use --force, or choose another folder)", "value")
    files = kpi_core.write_csv_folder(kpi_core.sample_dataset(seed=args.seed), out)
    print(f"wrote {len(files)} CSV files in {out}: {', '.join(f.name for f in files)}")
    print(f"edit or replace their rows with your data, then: cskpi validate {out}")
    return 0


def add_parsers(subparsers) -> None:
    """Add ``validate`` and ``sample`` to the ``cskpi`` sub-command parsers."""
    p = subparsers.add_parser("validate", help="every problem in DATA (file, table, column, row); nothing written",
                              description="Check DATA against the data contract and print every problem, one "
                                          "line each. Exit status 2 when there is a problem, 0 when none.")
    p.add_argument("data", help="folder of CSV files or .xlsx holding the tables listed by cskpi --help")
    p.set_defaults(func=cmd_validate)

    p = subparsers.add_parser("sample", help="the bundled sample data as a CSV folder (a template for yours)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the CSV files to")
    p.add_argument("--seed", type=int, default=0, help="random seed of the sample (default 0)")
    p.add_argument("--force", action="store_true", help="overwrite the CSV files already in DIR")
    p.set_defaults(func=cmd_sample)
