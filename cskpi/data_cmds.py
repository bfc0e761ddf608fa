"""``cskpi validate DATA`` and ``cskpi sample --out DIR`` (DESIGN.md §7), and the data checks every command shares.

``validate`` prints every problem of a dataset, one line each naming the
file, table, column and row (or cell), and exits 2; on good data it prints
"no problem found" and exits 0. Nothing is written.

``sample`` writes the bundled sample dataset as a folder of CSV files: a
template to copy for one's own data. ``sample --mapping`` writes the example
exports and their mapping instead (DESIGN.md §12): a folder with the CSV
exports and mapping.toml, or a workbook with the exports on sheets and a
``Mapping`` table (``--out book.xlsx``).

``--map MAP`` (:func:`add_map_option`) on ``kpis``, ``build`` and ``validate``
reads DATA through a mapping: :func:`load_for_command`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import kpi_core
from kpi_core import KpiInputError

__all__ = ["add_parsers", "add_map_option", "cmd_validate", "cmd_sample", "load_for_command", "tables_epilog",
           "warn_period", "refuse_overwrite", "refuse_existing"]


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
    lines.append("Exports in other shapes (billing subscriptions or invoice lines, surveys, tickets): read them "
                 "through a mapping, --map MAP (see 'cskpi import --help').")
    return "\n".join(lines)


def add_map_option(parser) -> None:
    """``--map MAP``: read the data through a mapping (DESIGN.md §12)."""
    parser.add_argument("--map", metavar="MAP",
                        help="read your exports through a mapping (a .toml file, an .xlsx with a Mapping table, or "
                             "'baremetrics'); DATA then holds the tables the mapping does not cover (omit it when "
                             "the mapping covers them all), or is the export of a built-in mapping")


def _mapped(data, mapping):
    """(sources, DATA) of a command with --map: a single export file is the mapping's source."""
    from kpi_core.mapping._sources import CSV_SUFFIXES

    if data is not None and Path(data).suffix.lower() in CSV_SUFFIXES and Path(data).is_file():
        return (data,), None
    return (), data


def load_for_command(data, mapping=None):
    """The dataset for a command; on bad data the error also says how many more problems there are.

    With `mapping` (``--map``), DATA holds the tables the mapping does not cover (or is None), or is
    the export of a mapping without files (``cskpi kpis billing.csv --map baremetrics``).
    """
    if data is None and mapping is None:
        return kpi_core.sample_dataset()
    try:
        if mapping is not None:
            sources, rest = _mapped(data, mapping)
            return kpi_core.apply_mapping(mapping, sources, rest)
        return kpi_core.load_dataset(data)
    except KpiInputError as err:
        try:
            more = len(_problems(data, mapping)) - 1
        except Exception:  # noqa: BLE001 - counting is a courtesy; the first error is what matters
            more = 0
        if more > 0:
            again = f"cskpi validate {data or ''} --map {mapping}" if mapping else f"cskpi validate {data}"
            raise KpiInputError(f"{err}\n  ... and {more} more problem{'s' if more > 1 else ''}: "
                                f"'{again.replace('  ', ' ')}' lists them all", err.kind, location=err.location) from None
        raise


def _problems(data, mapping) -> list:
    if mapping is None:
        return kpi_core.find_problems(data)
    sources, rest = _mapped(data, mapping)
    return kpi_core.mapping_problems(mapping, sources, rest)


def refuse_existing(path: Path, force: bool) -> None:
    """Refuse, before any work, to write file `path` when it exists (unless `force`) or cannot be replaced."""
    from kpi_core.files import check_replaceable

    check_replaceable(path)
    if path.exists() and not force:
        raise KpiInputError(f"{path}: already exists; not overwritten (use --force)", "value")


def refuse_overwrite(out: Path, names, force: bool) -> None:
    """Refuse to replace files of `names` already in folder `out` unless `force` (nothing written)."""
    taken = [p for p in (out / n for n in names) if p.exists()]
    if taken and not force:
        raise KpiInputError(f"{out}: already holds {', '.join(p.name for p in taken)}; not overwritten "
                            "(use --force, or choose another folder)", "value")


def warn_period(ds, period) -> None:
    """Warn on stderr when the report period lies outside the data's months."""
    text = kpi_core.period_warning(ds, period)
    if text:
        print(f"cskpi: warning: {text}", file=sys.stderr)


def cmd_validate(args) -> int:
    """Every problem in DATA (through --map), one line each; exit 2 when there is any."""
    if args.data is None and args.map is None:
        print("cskpi validate: error: give DATA, or --map MAP (or both)", file=sys.stderr)
        return 2
    problems = _problems(args.data, args.map)
    what = " ".join(str(x) for x in (args.data, f"--map {args.map}" if args.map else None) if x)
    for problem in problems:
        print(str(problem).replace("\n", " "))
    if problems:
        print(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} found in {what}", file=sys.stderr)
        return 2
    print(f"no problem found in {what}")
    return 0


def _sample_mapping(args) -> int:
    """The example exports and their mapping: a folder (CSV files + mapping.toml) or a workbook."""
    from kpi_core.mapping import EXAMPLE_SHEETS, EXAMPLES_DIR
    from kpi_core.files import atomic_output, check_output_folder
    from workbook_templates.templates.data_book import mapping_template_layout
    from workbook_templates.writing.xlsx import write_data_xlsx

    out = Path(args.out)
    if out.suffix.lower() == ".xlsx":
        refuse_existing(out, args.force)
        write_data_xlsx(mapping_template_layout(), out)
        print(f"wrote {out}: the example exports on sheets {', '.join(EXAMPLE_SHEETS.values())} and their Mapping "
              "table")
        print(f"paste your own exports and adapt the Mapping table, then: cskpi build --map {out} --out DIR "
              "(or CS KPIs > Build KPI workbook in Excel)")
        return 0
    check_output_folder(out)
    names = [*EXAMPLE_SHEETS, "mapping.toml"]
    refuse_overwrite(out, names, args.force)
    for name in names:
        with atomic_output(out / name) as tmp:
            tmp.write_bytes((EXAMPLES_DIR / name).read_bytes())
    print(f"wrote the example exports and their mapping in {out}: {', '.join(names)}")
    print(f"try: cskpi import --map {out / 'mapping.toml'} --out DATA_DIR, then cskpi build --map "
          f"{out / 'mapping.toml'} --out DIR")
    return 0


def cmd_sample(args) -> int:
    """The bundled sample dataset as a folder of CSV files (or, with --mapping, the example exports)."""
    from kpi_core.files import check_output_folder

    if args.mapping:
        return _sample_mapping(args)
    out = Path(args.out)
    check_output_folder(out)
    refuse_overwrite(out, [s.file_name for s in kpi_core.TABLES.values()], args.force)
    files = kpi_core.write_csv_folder(kpi_core.sample_dataset(seed=args.seed), out)
    print(f"wrote {len(files)} CSV files in {out}: {', '.join(f.name for f in files)}")
    print(f"edit or replace their rows with your data, then: cskpi validate {out}")
    return 0


def add_parsers(subparsers) -> None:
    """Add ``validate`` and ``sample`` to the ``cskpi`` sub-command parsers."""
    p = subparsers.add_parser("validate", help="every problem in DATA (file, table, column, row); nothing written",
                              description="Check DATA against the data contract and print every problem, one "
                                          "line each. Exit status 2 when there is a problem, 0 when none.")
    p.add_argument("data", nargs="?", help="folder of CSV files or .xlsx holding the tables listed by cskpi --help")
    add_map_option(p)
    p.set_defaults(func=cmd_validate)

    p = subparsers.add_parser("sample", help="the bundled sample data as a CSV folder (a template for yours)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the CSV files to (with --mapping: "
                                                                 "a folder, or a workbook FILE.xlsx)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the sample (default 0)")
    p.add_argument("--force", action="store_true", help="overwrite the files already there")
    p.add_argument("--mapping", action="store_true",
                   help="instead: example exports (billing, survey, tickets) and the mapping that reads them; with "
                        "--out FILE.xlsx, a workbook with the exports on sheets and a Mapping table")
    p.set_defaults(func=cmd_sample)
