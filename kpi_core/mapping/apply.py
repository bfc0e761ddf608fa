"""Applying a mapping (DESIGN.md §12): the users' exports become §3 tables, validated as any dataset.

Per section: the source is read (:mod:`kpi_core.mapping._sources`), the
mapped columns are taken (a field the mapping does not name is taken from a
source column of its exact name), constants added, value maps applied, dates,
months and numbers read by the mapping's settings (:mod:`._dates`), amounts
scaled and converted to one currency; then, by ``from``:

- ``rows``: one §3 row per source row (Responses with ``unpivot``: one row
  per answered question cell; Customers: rows repeating a customer with the
  same values, as in a billing export with a row per subscription, are one);
- ``months``: a customers × months sheet unpivoted, one row per non-empty,
  non-zero cell (a customer on several rows: summed per month);
- ``subscriptions`` / ``invoices``: :func:`~kpi_core.mapping.monthly_mrr`.

The mapped tables replace the same tables of DATA, the others of DATA are
kept, and the whole goes through :class:`~kpi_core.Dataset`: every §3 rule
holds, and every message names the source file, column header and data row.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import _columns, _xlsx
from ..dataset import Dataset, frame_locator, input_table, read_tables, validate_tables
from ..errors import KpiInputError
from ..limits import ReadLimits, read_limits
from ._dates import header_month, read_dates, read_months, read_numbers
from ._sources import RawTable, read_source
from .billing import convert_currency, monthly_mrr
from .spec import CUSTOMER_NAME, Mapping, Section, load_mapping, section_fields

__all__ = ["apply_mapping", "mapped_tables", "mapping_problems", "TableReport"]


@dataclass
class TableReport:
    """What one section read, made and left out (for ``cskpi import``'s summary)."""

    table: str
    source: str
    kind: str
    read: int                 # source rows read
    rows: int = 0             # rows of the §3 table made
    notes: list = field(default_factory=list)


# ---------------------------------------------------------------------------------------- sources
def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _assign_sources(mapping: Mapping, sources, sheets) -> dict:
    """Section table -> (path or None, sheet or None): the file each section reads."""
    given = [Path(s) for s in sources]
    out = {}
    for table, sec in mapping.sections.items():
        if sec.file is not None:
            path = Path(sec.file)
            if mapping.base is not None and not path.is_absolute():
                path = mapping.base / path
            out[table] = (path, sec.sheet)
            given = [g for g in given if not _same_file(g, path)]  # a SOURCE the mapping names: accepted
        elif sec.sheet is not None and (sheets is not None or mapping.workbook is not None):
            out[table] = (mapping.workbook, sec.sheet)
    open_ = [t for t in mapping.sections if t not in out]
    if given and not open_:
        raise KpiInputError(f"{mapping.origin}: every section names its file; the export(s) "
                            f"{', '.join(g.name for g in given)} given on the command line have no section to fill",
                            "value", location=mapping.origin)
    if len(given) > 1 and len(given) != len(open_):
        raise KpiInputError(f"{mapping.origin}: {len(given)} exports given for {len(open_)} section(s) without a "
                            f"file ({', '.join(f'[{t}]' for t in open_)}); give one export per section, in order, "
                            "or one export for all", "value", location=mapping.origin)
    for i, table in enumerate(open_):
        sec = mapping.sections[table]
        if not given:
            raise KpiInputError(f"{sec.where}: no file to read; give file = \"...\" in the mapping, or the export "
                                f"on the command line (cskpi import EXPORT --map {mapping.origin.split(',')[0]})",
                                "value", location=sec.where)
        out[table] = (given[i] if len(given) > 1 else given[0], sec.sheet)
    return out


def _read_all(mapping: Mapping, assigned: dict, sheets, limits: ReadLimits) -> dict:
    """Section table -> RawTable, each distinct source read once."""
    cache: dict = {}
    out = {}
    for table, (path, sheet) in assigned.items():
        sec = mapping.sections[table]
        if path is None or (sheets is not None and path == mapping.workbook and sec.file is None):
            if sheet not in sheets:
                raise KpiInputError(f"{sec.where}: this workbook has no sheet {sheet!r}; its sheets: "
                                    f"{', '.join(repr(s) for s in sheets) or 'none'}", "value", location=sec.where)
            out[table] = sheets[sheet]
            continue
        key = (str(path.resolve()) if path.exists() else str(path), sheet, sec.delimiter)
        if key not in cache:
            try:
                cache[key] = read_source(path, sheet, sec.delimiter, limits)
            except KpiInputError as err:
                if not path.exists() and sec.file is not None:
                    where = sec.cells.get(("file", None)) or sec.where
                    relative = ", relative to the mapping file" if mapping.base and not Path(sec.file).is_absolute() \
                        else ""
                    raise KpiInputError(f"{where}: the file {path} does not exist (file = {sec.file!r}{relative})",
                                        "value", location=where) from None
                raise err from None
        out[table] = cache[key]
    return out


# ---------------------------------------------------------------------------------------- columns
def _fail_header(sec: Section, raw: RawTable, header: str, field_: str) -> None:
    where = sec.cells.get(("columns", field_)) or sec.cells.get(("unpivot", header)) or sec.where
    meant = _xlsx.near_miss(header, raw.columns)
    hint = f"; did you mean \"{meant}\"?" if meant else "."
    raise KpiInputError(f"{where}: {raw.label} has no column \"{header}\" (for {field_}){hint} Its columns: "
                        f"{', '.join(repr(c) for c in raw.columns)}", "value", location=where)


def _headers(sec: Section, raw: RawTable, fields: dict, mapping: Mapping) -> dict:
    """Field -> the source header that feeds it (mapped, or a source column of the field's own name)."""
    header_of = {}
    for name in fields:
        if name in sec.columns:
            header_of[name] = sec.columns[name]
        elif name not in sec.constants and name in raw.columns and not (
                name == "customer_id" and CUSTOMER_NAME in sec.columns):
            header_of[name] = name
    if ("customer_id" in header_of or "customer_id" in sec.constants) and CUSTOMER_NAME not in sec.columns:
        header_of.pop(CUSTOMER_NAME, None)  # a customer_name column the mapping does not use is ignored (§12)
    if "currency" in fields and "currency" not in header_of and mapping.currency_column in raw.columns:
        header_of["currency"] = mapping.currency_column
    for name, header in header_of.items():
        if header not in raw.columns:
            _fail_header(sec, raw, header, name)
    for header in sec.unpivot:
        if header not in raw.columns:
            _fail_header(sec, raw, header, "unpivot")
    have = set(header_of) | set(sec.constants)
    missing = [f for f, (_, required) in fields.items() if required and f not in have
               and not (f == "customer_id" and CUSTOMER_NAME in have)]
    if missing:
        raise KpiInputError(
            f"{sec.where}: nothing gives {', '.join(missing)}; map {'them' if len(missing) > 1 else 'it'} in "
            f"columns (e.g. columns = {{ {missing[0]} = \"<header>\" }}) or constants. {raw.label} has the "
            f"columns {', '.join(repr(c) for c in raw.columns)}", "value", location=sec.where)
    return header_of


def _map_values(s: pd.Series, table: dict) -> pd.Series:
    """Cells whose text (stripped, any case) is a key of `table` become its value; others are kept."""
    codes, uniques = pd.factorize(s.astype(object), use_na_sentinel=True)
    keys = [(str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).strip().casefold()
            for v in uniques]
    new = np.array([table.get(k, v) for k, v in zip(keys, uniques)] + [None], dtype=object)
    out = new[np.where(codes < 0, len(uniques), codes)]
    missing = codes < 0
    out[missing] = s.to_numpy(dtype=object)[missing]
    return pd.Series(out, index=s.index, dtype=object)


class _Names:
    """customer name -> customer_id, from the Customers table (mapped or from DATA)."""

    def __init__(self, customers: pd.DataFrame | None, locate) -> None:
        self.lookup: dict = {}
        if customers is None or "name" not in customers or "customer_id" not in customers:
            self.lookup = None
            return
        ids = _columns.ids(customers["customer_id"], "customer_id", locate)
        for name, cid in zip(customers["name"].to_numpy(dtype=object), ids.to_numpy(dtype=object)):
            if isinstance(name, str) and name.strip():
                self.lookup.setdefault(name.strip().casefold(), []).append(cid)

    def ids(self, names: pd.Series, locate, where: str) -> pd.Series:
        if self.lookup is None:
            raise KpiInputError(f"{where}: customer_name is looked up in the Customers table's name column, and "
                                "there is no Customers table with names (map [Customers] with a name column)",
                                "value", location=where)
        codes, uniques = pd.factorize(names.astype(object), use_na_sentinel=True)  # names repeat: look each up once
        rows = np.where(codes < 0, len(uniques), codes)
        keys = [v.strip().casefold() if isinstance(v, str) and v.strip() else None for v in uniques] + [None]
        matches = [self.lookup.get(k, []) if k else None for k in keys]  # None: a blank cell
        unknown = np.array([m == [] for m in matches])[rows]
        if unknown.any():
            i = int(np.argmax(unknown))
            _columns.fail_row(locate, CUSTOMER_NAME, i, f"holds {names.iloc[i]!r}, which is no customer's name in "
                              "the Customers table", bad=unknown)
        several = np.array([m is not None and len(m) > 1 for m in matches])[rows]
        if several.any():
            i = int(np.argmax(several))
            _columns.fail_row(locate, CUSTOMER_NAME, i, f"{names.iloc[i]!r} is the name of several customers "
                              f"({', '.join(matches[rows[i]])}); map customer_id instead", bad=several)
        ids = np.array([m[0] if m else None for m in matches], dtype=object)
        return pd.Series(ids[rows], index=names.index, dtype=object)


# ---------------------------------------------------------------------------------------- one section
@dataclass
class _Built:
    frame: pd.DataFrame
    locate: object
    report: TableReport


def _fields_frame(sec: Section, raw: RawTable, header_of: dict, fields: dict, mapping: Mapping, names: _Names):
    """(frame of the fields, locate(field, pos)) for every source row: mapped, constant, value-mapped, read."""
    frame = pd.DataFrame({f: raw.frame[h] for f, h in header_of.items()}, index=raw.frame.index)
    for f, value in sec.constants.items():
        frame[f] = pd.Series([value] * len(frame), index=frame.index, dtype=object)

    def locate(f, pos):
        if f in header_of:
            return raw.where(header_of[f], pos)
        if f in sec.constants:
            return f"{sec.cells.get(('constants', f)) or sec.where + ', constants.' + f} (data row {raw.rows[pos]})"
        return f"{raw.label}, data row {raw.rows[pos]} ({f})"

    for f, table in sec.values.items():
        if f in frame:
            frame[f] = _map_values(frame[f], table)
    if CUSTOMER_NAME in frame:
        frame["customer_id"] = names.ids(frame.pop(CUSTOMER_NAME), locate, sec.where)
        header_of["customer_id"] = header_of.get(CUSTOMER_NAME, CUSTOMER_NAME)
    dates = sec.dates or ("day-first" if raw.sep == ";" else "iso")
    decimal = sec.decimal or ("," if raw.sep == ";" else ".")
    for f, (kind, _) in fields.items():
        if f not in frame:
            continue
        if kind == "date":
            frame[f] = read_dates(frame[f], dates, f, locate, required=False)
        elif kind == "month":
            frame[f] = read_months(frame[f], f, locate, fmt=dates, required=False)
        elif kind in ("money", "count", "hours", "fraction", "score"):
            frame[f] = read_numbers(frame[f], decimal, f, locate, strict=kind != "score")
            if f in sec.scale:
                frame[f] = _columns.numbers(frame[f], f, locate, required=False, minimum=None) * sec.scale[f]
    return frame, locate, decimal


def _in_currency(amounts: np.ndarray, raw: RawTable, mapping: Mapping) -> np.ndarray:
    """`amounts` (one per source row, NaN for blanks) in the report currency, when the source has the
    [Currency] column: each row by its currency's rate (one currency and no rates: unchanged)."""
    column = mapping.currency_column
    if column is None or column not in raw.columns:
        return amounts
    rows = np.flatnonzero(~np.isnan(amounts))
    out = amounts.copy()
    out[rows] = convert_currency(amounts[rows], raw.frame[column].iloc[rows].reset_index(drop=True), mapping.rates,
                                 lambda c, pos: raw.where(column, int(rows[pos])))
    return out


def _convert_money(frame: pd.DataFrame, fields: dict, raw: RawTable, mapping: Mapping, locate) -> None:
    """The money fields of a rows section in the report currency (see :func:`_in_currency`)."""
    for f, (kind, _) in fields.items():
        if kind == "money" and f in frame:
            amounts = _columns.numbers(frame[f], f, locate, required=False, minimum=None).to_numpy()
            frame[f] = _in_currency(amounts, raw, mapping)


def _rows(sec: Section, raw: RawTable, mapping: Mapping, names: _Names) -> _Built:
    fields = section_fields(sec.table, "rows", bool(sec.unpivot))
    header_of = _headers(sec, raw, fields, mapping)
    frame, locate, _ = _fields_frame(sec, raw, header_of, fields, mapping, names)
    _convert_money(frame, fields, raw, mapping, locate)
    report = TableReport(sec.table, raw.label, "rows", len(raw.frame))
    if sec.unpivot:
        return _unpivot(sec, raw, frame, header_of, locate, report)
    src = np.arange(len(frame))
    if sec.table == "Customers" and "customer_id" in frame and len(frame):
        frame["customer_id"] = _columns.ids(frame["customer_id"], "customer_id", locate)
        repeated = frame.duplicated(keep="first").to_numpy()
        if repeated.any():
            src = src[~repeated]
            frame = frame[~repeated]
            report.notes.append(f"{int(repeated.sum())} repeated rows of the same customers merged")
    frame = frame.reset_index(drop=True)
    report.rows = len(frame)
    return _Built(frame, lambda c, pos: locate(c, int(src[pos])), report)


def _unpivot(sec: Section, raw: RawTable, frame: pd.DataFrame, header_of: dict, locate, report) -> _Built:
    """One Responses row per answered question cell (survey = the question's survey, score = the cell)."""
    parts, srcs, questions = [], [], []
    skipped = 0
    for q, (header, survey) in enumerate(sec.unpivot.items()):
        cells = raw.frame[header]
        if "score" in sec.values:
            cells = _map_values(cells, sec.values["score"])
        answered = ~_columns.blanks(cells)
        skipped += int((~answered).sum())
        part = frame[answered].copy()
        part["survey"] = survey
        part["score"] = cells[answered]
        parts.append(part)
        srcs.append(np.flatnonzero(answered))
        questions.append(np.full(int(answered.sum()), q))
    long = pd.concat(parts) if parts else frame.iloc[:0]
    src, question = np.concatenate(srcs), np.concatenate(questions)
    order = np.lexsort((question, src))
    long, src, question = long.iloc[order].reset_index(drop=True), src[order], question[order]
    heads = list(sec.unpivot)
    long["score"] = read_numbers(long["score"], sec.decimal or ("," if raw.sep == ";" else "."), "score",
                                 lambda c, pos: raw.where(heads[question[pos]], int(src[pos])), strict=False)

    def located(c, pos):
        if c in ("score", "survey"):
            return raw.where(heads[question[pos]], int(src[pos]))
        return locate(c, int(src[pos]))

    report.rows = len(long)
    report.notes.append(f"{len(heads)} question columns unpivoted; {skipped} empty answers skipped")
    return _Built(long, located, report)


def _months(sec: Section, raw: RawTable, mapping: Mapping, names: _Names) -> _Built:
    fields = section_fields(sec.table, "months")
    header_of = _headers(sec, raw, fields, mapping)
    frame, locate, decimal = _fields_frame(sec, raw, header_of, fields, mapping, names)
    used = set(header_of.values()) | {mapping.currency_column}
    months: dict = {}
    for header, value in zip(raw.columns, [h for h in raw.headers if h is not None and str(h).strip() != ""]):
        month = header_month(value) if header not in used else None
        if month is None:
            continue
        if not _columns.DATE_YEARS[0] <= month.year <= _columns.DATE_YEARS[1]:
            raise KpiInputError(f"{sec.where}: the column \"{header}\" of {raw.label} names {month:%Y-%m}, outside the "
                                f"years {_columns.DATE_YEARS[0]} to {_columns.DATE_YEARS[1]}", "value",
                                location=sec.where)
        if month in months:
            raise KpiInputError(f"{sec.where}: the columns \"{months[month]}\" and \"{header}\" of {raw.label} are "
                                f"both {month:%Y-%m}; keep one", "value", location=sec.where)
        months[month] = header
    if not months:
        raise KpiInputError(f"{sec.where}: no column header of {raw.label} reads as a month (Jan 2026, janv. 2026, "
                            f"2026-03, a date); its columns: {', '.join(repr(c) for c in raw.columns)}", "value",
                            location=sec.where)
    ids = _columns.ids(frame["customer_id"], "customer_id", locate).to_numpy(dtype=object)
    parts = []
    skipped = 0
    for month, header in months.items():
        loc = lambda c, pos, h=header: raw.where(h, pos)  # noqa: E731
        cells = read_numbers(raw.frame[header], decimal, "mrr", loc)
        values = _columns.numbers(cells, "mrr", loc, required=False, minimum=0).to_numpy() * sec.scale.get("mrr", 1.0)
        values = _in_currency(values, raw, mapping)
        keep = np.nan_to_num(values) > 0
        skipped += int((~keep).sum())
        parts.append(pd.DataFrame({"customer_id": ids[keep], "month": month, "mrr": values[keep],
                                   "_src": np.flatnonzero(keep), "_header": header}))
    long = pd.concat(parts, ignore_index=True)
    summed = long.groupby(["customer_id", "month"], sort=True).agg(mrr=("mrr", "sum"), _src=("_src", "first"),
                                                                   _header=("_header", "first"),
                                                                   _n=("mrr", "size")).reset_index()
    report = TableReport(sec.table, raw.label, "months", len(raw.frame), len(summed),
                         [f"{len(months)} month columns ({min(months):%Y-%m} .. {max(months):%Y-%m}) unpivoted; "
                          f"{skipped} empty or 0 cells skipped"])
    doubled = int((summed["_n"] > 1).sum())
    if doubled:
        report.notes.append(f"{doubled} customer-months on several rows summed")
    src, heads = summed["_src"].to_numpy(), summed["_header"].to_numpy(dtype=object)
    out = summed[["customer_id", "month", "mrr"]]

    def located(c, pos):
        return locate(c, int(src[pos])) if c == "customer_id" else raw.where(heads[pos], int(src[pos]))

    return _Built(out, located, report)


def _billing(sec: Section, raw: RawTable, mapping: Mapping, names: _Names) -> _Built:
    fields = section_fields(sec.table, sec.kind)
    header_of = _headers(sec, raw, fields, mapping)
    frame, locate, _ = _fields_frame(sec, raw, header_of, fields, mapping, names)
    stats: dict = {}
    rates = mapping.rates if "currency" in frame else None
    out = monthly_mrr(frame, sec.kind, until=sec.until, rates=rates, locate=locate, report=stats)
    ids = _columns.ids(frame["customer_id"], "customer_id", locate)
    first_row = pd.Series(np.arange(len(ids)), index=ids.to_numpy(dtype=object)).groupby(level=0).first()
    src = first_row.reindex(out["customer_id"].to_numpy(dtype=object)).to_numpy()
    report = TableReport(sec.table, raw.label, sec.kind, len(raw.frame), len(out))
    what = "subscription rows" if sec.kind == "subscriptions" else "invoice lines"
    report.notes.append(f"derived from {stats['lines']} {what} (from = \"{sec.kind}\")")
    if stats.get("one_time"):
        report.notes.append(f"{stats['one_time']} one-time lines left out")
    if stats.get("without_mrr"):
        report.notes.append(f"{stats['without_mrr']} rows active on no month's last day or worth 0 (no MRR)")

    def located(c, pos):
        if c == "customer_id":
            return locate("customer_id", int(src[pos]))
        return f"{raw.label}: Subscriptions derived from {sec.kind} ({out['customer_id'].iloc[pos]}, " \
               f"{out['month'].iloc[pos]:%Y-%m}, column {c})"

    return _Built(out, located, report)


# ---------------------------------------------------------------------------------------- the whole
def _base(data, limits, problems) -> tuple[dict, dict, str | None]:
    """The tables of DATA (raw, with locators), whatever form it takes."""
    if data is None:
        return {}, {}, None
    if isinstance(data, Dataset):
        return ({n: input_table(n, f) for n, f in data.tables.items()},
                {n: frame_locator(n, f) for n, f in data.tables.items()}, data.source)
    if isinstance(data, dict):
        return dict(data), {}, "<tables>"
    tables, locators, source = read_tables(data, limits, problems, allow_empty=True)
    return tables, locators, source


def mapped_tables(mapping, sources=(), data=None, *, sheets: dict | None = None, data_locators: dict | None = None,
                  limits: ReadLimits | None = None, report: list | None = None,
                  problems: list | None = None) -> tuple[dict, dict, str]:
    """(raw §3 tables, locators, source label) of a mapping and DATA, before validation.

    What :func:`apply_mapping` validates; ``cskpi validate --map`` lists every
    problem of them (:func:`mapping_problems`). Parameters as for :func:`apply_mapping`.
    """
    mapping = load_mapping(mapping, limits)
    limits = read_limits(limits)
    assigned = _assign_sources(mapping, sources, sheets)
    raws = _read_all(mapping, assigned, sheets, limits)
    tables, locators, data_label = _base(data, limits, problems)
    locators = {**locators, **(data_locators or {})}
    order = sorted(mapping.sections, key=lambda t: t != "Customers")  # names are looked up in Customers
    names = None
    for table in order:
        sec, raw = mapping.sections[table], raws[table]
        if names is None:  # no Customers section: names come from DATA's Customers table, if any
            customers = tables.get("Customers") if table != "Customers" else None
            locate = None
            if customers is not None:
                locate = locators.get("Customers") or frame_locator("Customers", customers)
            names = _Names(customers, locate)
        build = {"rows": _rows, "months": _months}.get(sec.kind, _billing)
        built = build(sec, raw, mapping, names)
        tables[table] = built.frame
        locators[table] = built.locate
        if table == "Customers":
            names = _Names(built.frame, built.locate)
        if report is not None:
            report.append(built.report)
    label = mapping.origin + (f" + {data_label}" if data_label else "")
    return tables, locators, label


def apply_mapping(mapping, sources=(), data=None, *, sheets: dict | None = None, data_locators: dict | None = None,
                  limits: ReadLimits | None = None, report: list | None = None) -> Dataset:
    """A validated :class:`~kpi_core.Dataset` from users' exports through a mapping (DESIGN.md §12).

    Parameters
    ----------
    mapping : Mapping, str or Path
        A :class:`~kpi_core.mapping.Mapping`, a ``.toml`` file, an ``.xlsx`` with
        a ``Mapping`` table, or a built-in mapping's name (``"baremetrics"``).
    sources : sequence of paths, optional
        Exports for the sections without ``file``, in order (one export fills
        them all); an export a section names already is accepted.
    data : path, Dataset or dict, optional
        DATA: a folder of CSVs or an .xlsx with §3 tables (or a Dataset, or raw
        tables) holding the tables the mapping does not cover.
    sheets : dict, optional
        Sheet title -> :class:`~kpi_core.mapping.RawTable` of a live workbook
        (the Excel add-in), read by sections naming a ``sheet`` without a ``file``.
    data_locators : dict, optional
        Table name -> locator of the raw tables given as `data`.
    limits : ReadLimits, optional
        Size limits on every file read.
    report : list, optional
        Gets one :class:`TableReport` per section: what it read, made and left out.

    Returns
    -------
    Dataset
        The mapped tables and DATA's others, validated as :func:`~kpi_core.load_dataset` does.

    Raises
    ------
    KpiInputError
        Naming the mapping entry, or the source file, column header and data row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "billing.csv").write_text(
    ...     "customer_oid,customer_name,plan_amount,plan_currency,plan_interval,plan_interval_count,"
    ...     "subscription_quantity,subscription_started_at,subscription_canceled_at\\n"
    ...     "c1,Acme,200000,USD,year,1,1,2026-01-05,\\n"
    ...     "c1,Acme,3000,USD,month,1,2,2026-02-03,2026-03-17\\n")
    >>> ds = apply_mapping("baremetrics", [folder / "billing.csv"])
    >>> ds.table("Subscriptions").round({"mrr": 2}).values.tolist()[:2]
    [['c1', Timestamp('2026-01-01 00:00:00'), 166.67], ['c1', Timestamp('2026-02-01 00:00:00'), 226.67]]
    >>> ds.table("Customers")[["customer_id", "name"]].values.tolist()
    [['c1', 'Acme']]
    """
    tables, locators, label = mapped_tables(mapping, sources, data, sheets=sheets, data_locators=data_locators,
                                            limits=limits, report=report)
    return Dataset(tables, source=label, locators=locators)


def mapping_problems(mapping, sources=(), data=None, *, limits: ReadLimits | None = None) -> list[KpiInputError]:
    """Every problem of the tables a mapping makes (with DATA's), nothing written: ``cskpi validate --map``.

    A problem of the mapping itself, or of reading or converting a source, stops there
    (it is the one problem listed); then every §3 problem of every table, as
    :func:`~kpi_core.find_problems` lists them, named in the sources.
    """
    problems: list = []
    try:
        tables, locators, _ = mapped_tables(mapping, sources, data, limits=limits, problems=problems)
    except KpiInputError as err:
        return problems + [err]
    return problems + validate_tables(tables, locators)
