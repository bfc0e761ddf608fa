"""Datasets: the eight input tables of DESIGN.md §3, loaded and validated.

A dataset is a folder of CSV files (``customers.csv``, ``subscriptions.csv``,
...) or an .xlsx workbook whose sheets hold Excel tables (ListObjects) named
``Customers``, ``Subscriptions``, ... . Every table is validated when the
:class:`Dataset` is built: required columns, types, ranges, keys and
references; the first problem raises :class:`KpiInputError` naming the file,
table, column and row (or cell). :func:`validate_tables` (DataFrames) and
:func:`find_problems` (a folder or .xlsx: what ``cskpi validate`` prints) list
every problem instead. Reading follows :mod:`kpi_core._csv` (encodings, the
French dialect) and :mod:`kpi_core._xlsx` (bounded by :mod:`kpi_core.limits`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from . import _columns, _csv, _xlsx
from .errors import KpiInputError
from .files import atomic_output
from .limits import ReadLimits, read_limits
from .surveys import SURVEY_SCALES, csat_positive, yes_no_answers

__all__ = ["Dataset", "load_dataset", "validate_tables", "find_problems", "read_tables", "input_table",
           "write_csv_folder", "TABLES", "TableSpec", "SURVEY_SCALES"]

ID, TEXT, DATE, MONTH, MONEY, COUNT, HOURS, FRACTION, BOOL, SURVEY, SCORE = (
    "id", "text", "date", "month", "money", "count", "hours", "fraction", "bool", "survey", "score")


@dataclass(frozen=True)
class TableSpec:
    """Columns of one input table: name -> (kind, required), and its key."""

    name: str
    columns: dict
    key: tuple

    @property
    def file_name(self) -> str:
        """The CSV file name of the table in a dataset folder."""
        return f"{self.name.lower()}.csv"

    @property
    def required(self) -> list[str]:
        """Required column names."""
        return [c for c, (_, req) in self.columns.items() if req]


def _spec(table, key, **columns) -> TableSpec:
    return TableSpec(table, dict(columns), tuple(key))


#: The data contract (DESIGN.md §3), in dependency order.
TABLES = {
    s.name: s for s in (
        _spec("Customers", ["customer_id"], customer_id=(ID, True), name=(TEXT, False), segment=(TEXT, False),
              csm=(TEXT, False), country=(TEXT, False), signup_date=(DATE, False)),
        _spec("Subscriptions", ["customer_id", "month"], customer_id=(ID, True), month=(MONTH, True),
              mrr=(MONEY, True)),
        _spec("Responses", [], customer_id=(ID, True), date=(DATE, True), survey=(SURVEY, True),
              score=(SCORE, True)),
        _spec("Tickets", ["ticket_id"], ticket_id=(ID, True), customer_id=(ID, True), opened_at=(DATE, True),
              resolved_first_contact=(BOOL, True), first_response_hours=(HOURS, False)),
        _spec("Usage", ["customer_id", "month"], customer_id=(ID, True), month=(MONTH, True),
              logins=(COUNT, False), active_users=(COUNT, False), licensed_users=(COUNT, False),
              features_used=(COUNT, False), features_available=(COUNT, False), goals_met=(FRACTION, False)),
        _spec("Orders", ["order_id"], order_id=(ID, True), customer_id=(ID, True), date=(DATE, True),
              amount=(MONEY, True)),
        _spec("Funnel", ["month"], month=(MONTH, True), visitors=(COUNT, False), conversions=(COUNT, False),
              carts_created=(COUNT, False), carts_abandoned=(COUNT, False)),
        _spec("Acquisition", ["month"], month=(MONTH, True), marketing_spend=(MONEY, False),
              sales_spend=(MONEY, False), new_customers=(COUNT, False)),
    )
}

Locate = Callable[[str, int], str]


def frame_locator(table: str, frame: pd.DataFrame) -> Locate:
    """Locator for an in-memory DataFrame: ``"Subscriptions, column mrr, row index 7"``."""
    return lambda column, pos: f"{table}, column {column}, row index {frame.index[pos]}"


def csv_locator(path: Path, lines: np.ndarray | None = None) -> Locate:
    """Locator for a CSV file: the row is the file's line number (header = row 1).

    `lines` gives the line number of each data row when blank lines were skipped.
    """
    if lines is None:
        return lambda column, pos: f"{path.name}, row {pos + 2}, column {column}"
    return lambda column, pos: f"{path.name}, row {int(lines[pos])}, column {column}"


# column checks run on each column's distinct values (same checks and messages, much faster)
_dates, _numbers, _booleans = (_columns.on_distinct(f) for f in (_columns.dates, _columns.numbers, _columns.booleans))


def _check_column(kind: str, s: pd.Series, column: str, required: bool, locate: Locate) -> pd.Series:
    if kind == ID:
        return _columns.ids(s, column, locate)
    if kind == TEXT:
        return s.where(~_columns._blanks(s), "").astype(str) if len(s) else s.astype(object)
    if kind in (DATE, MONTH):
        return _dates(s, column, locate, month=kind == MONTH, required=required)
    if kind == BOOL:
        return _booleans(s, column, locate)
    if kind == SURVEY:
        _columns.require_filled(s, column, locate)
        upper = s.astype(str).str.strip().str.upper()
        bad = ~upper.isin(list(SURVEY_SCALES)).to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            _columns._fail(locate, column, i, f"holds {s.iloc[i]!r}; expected NPS, CSAT or CES", bad=bad)
        return upper.astype(object)
    if kind == SCORE:
        return s  # checked per survey type in _check_scores
    return _numbers(
        s, column, locate, required=required, minimum=0,
        maximum=1 if kind == FRACTION else None, integer=kind == COUNT)


def _check_scores(frame: pd.DataFrame, locate: Locate) -> pd.DataFrame:
    """Validate Responses.score per survey; add ``positive`` (CSAT yes/no or >= 4)."""
    raw = frame["score"]
    survey = frame["survey"]
    is_csat = (survey == "CSAT").to_numpy()
    blank = _columns._blanks(raw)
    if raw.dtype.kind in "iuf":
        yes = no = np.zeros(len(raw), bool)
    else:
        yes, no = yes_no_answers(raw.to_numpy(dtype=object))
    yes_no = (yes | no) & is_csat
    numeric_raw = raw.where(~yes_no & ~blank)
    score = _numbers(numeric_raw, "score", locate, required=False, minimum=None)
    values = score.to_numpy()
    for name, (lo, hi) in SURVEY_SCALES.items():
        rows = (survey == name).to_numpy() & ~np.isnan(values)
        with np.errstate(invalid="ignore"):
            bad = rows & ((values < lo) | (values > hi) | (values != np.round(values)))
        if bad.any():
            i = int(np.argmax(bad))
            _columns._fail(locate, "score", i, f"{values[i]:g} is not a valid {name} score "
                           f"(whole numbers {lo}..{hi})", "num", bad=bad)
    out = frame.copy()
    out["score"] = score
    answers = np.where(yes_no, raw.to_numpy(dtype=object), values)
    out["positive"] = np.where(is_csat, csat_positive(answers, yes & is_csat, no & is_csat), np.nan)
    return out


def _validate_table(spec: TableSpec, frame: pd.DataFrame, locate: Locate, problems: list | None) -> pd.DataFrame:
    """Typed copy of one table; raises the first problem or appends every one to `problems`."""
    missing = [c for c in spec.required if c not in frame.columns]
    if missing:
        err = KpiInputError(f"{spec.name}: missing required column(s) {', '.join(missing)} "
                            f"(columns found: {', '.join(map(str, frame.columns)) or 'none'})",
                            "value", location=spec.name)
        if problems is None:
            raise err
        problems.append(err)
        return frame
    out = frame.reset_index(drop=True).copy()
    for column, (kind, required) in spec.columns.items():
        if column not in out.columns:
            continue
        try:
            out[column] = _check_column(kind, out[column], column, required, locate)
        except KpiInputError as err:
            if problems is None:
                raise
            problems.append(err)
    steps = [lambda o: _columns.unique(o, list(spec.key), locate) if spec.key and len(o) else None]
    if spec.name == "Responses":
        steps.append(lambda o: _check_scores(o, locate))
    for step in steps:
        try:
            result = step(out)
        except KpiInputError as err:
            if problems is None:
                raise
            problems.append(err)
        else:
            if result is not None:
                out = result
    return out


def _check_references(tables: dict, locators: dict, problems: list | None) -> None:
    customers = tables.get("Customers")
    if customers is None or "customer_id" not in customers:
        return
    known = pd.Index(customers["customer_id"])
    for name, frame in tables.items():
        if name == "Customers" or "customer_id" not in frame:
            continue
        bad = ~frame["customer_id"].isin(known).to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            try:
                _columns._fail(locators[name], "customer_id", i,
                               f"customer {frame['customer_id'].iloc[i]!r} is not in the Customers table", bad=bad)
            except KpiInputError as err:
                if problems is None:
                    raise
                problems.append(err)


def _validate(tables: dict, locators: dict, problems: list | None) -> dict:
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise KpiInputError(f"unknown table(s) {sorted(unknown)}; known: {', '.join(TABLES)}", "value")
    out = {name: _validate_table(TABLES[name], tables[name], locators[name], problems)
           for name in TABLES if name in tables}
    _check_references(out, locators, problems)
    return out


def validate_tables(tables: dict, locators: dict | None = None) -> list[KpiInputError]:
    """Every problem in a set of tables (empty list when the data is clean).

    Each column is checked on its own, so one report lists the first bad row
    of every bad column (with how many more rows share the problem), every
    duplicate key and every unknown customer.

    Parameters
    ----------
    tables : dict
        Table name (DESIGN.md §3) -> DataFrame.
    locators : dict, optional
        Table name -> ``locate(column, position)`` naming rows as the user sees
        them (defaults to DataFrame index labels).
    """
    locators = {n: (locators or {}).get(n) or frame_locator(n, f) for n, f in tables.items()}
    problems: list = []
    _validate(tables, locators, problems)
    return problems


class Dataset:
    """A validated set of input tables.

    Parameters
    ----------
    tables : dict
        Table name (``"Customers"``, ``"Subscriptions"``, ...) -> DataFrame.
        Validated and converted (ids to text, months and dates to
        datetime64, numbers to float64) on construction.
    source : str, default "<memory>"
        Where the data came from, for messages.
    locators : dict, optional
        Table name -> ``locate(column, position)`` used in error messages.

    Raises
    ------
    KpiInputError
        At the first problem, naming the table, column and row.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = Dataset({"Subscriptions": pd.DataFrame(
    ...     {"customer_id": ["a"], "month": ["2026-01"], "mrr": [100]})})
    >>> ds.table("Subscriptions")["mrr"].tolist()
    [100.0]
    """

    def __init__(self, tables: dict, source: str = "<memory>", locators: dict | None = None) -> None:
        locators = {n: (locators or {}).get(n) or frame_locator(n, f) for n, f in tables.items()}
        self.tables: dict[str, pd.DataFrame] = _validate(dict(tables), locators, None)
        self.source = source

    @classmethod
    def from_validated(cls, tables: dict, source: str = "<memory>") -> "Dataset":
        """A dataset of tables taken, unchanged or row-filtered, from validated datasets.

        No second validation runs. This is safe for a row filter (a subset of
        the rows of each table, such as
        :func:`kpi_core.customer_subset`): every check of the data contract
        holds on a subset of rows once it held on the whole table. Column
        types and ranges are checked row by row, a key that is unique stays
        unique among fewer rows, and a ``customer_id`` that was in the
        Customers table still is as long as the Customers rows of the
        customers kept are kept. It is also needed: validation is not
        idempotent (it turns yes/no CSAT answers into a blank ``score`` and a
        derived ``positive`` column, which a second validation rejects).

        Parameters
        ----------
        tables : dict
            Table name -> DataFrame, each already validated by :class:`Dataset`
            (or a row subset of one). Used as given, not copied.
        source : str, default "<memory>"
            Where the data came from, for messages.

        Raises
        ------
        KpiInputError
            If a table name is not one of :data:`TABLES`.

        Examples
        --------
        >>> ds = Dataset({"Subscriptions": pd.DataFrame(
        ...     {"customer_id": ["a", "b"], "month": ["2026-01", "2026-01"], "mrr": [100, 50]})})
        >>> subs = ds.table("Subscriptions")
        >>> Dataset.from_validated({"Subscriptions": subs[subs["customer_id"] == "b"]}, "b only")
        Dataset('b only': Subscriptions=1)
        """
        unknown = set(tables) - set(TABLES)
        if unknown:
            raise KpiInputError(f"unknown table(s) {sorted(unknown)}; known: {', '.join(TABLES)}", "value")
        out = cls.__new__(cls)
        out.tables = dict(tables)
        out.source = source
        return out

    def table(self, name: str) -> pd.DataFrame | None:
        """The named table, or None when the dataset does not have it."""
        return self.tables.get(name)

    def last_month(self) -> pd.Timestamp:
        """The latest month with data: Subscriptions if present, else any dated table."""
        candidates = []
        for name, column in (("Subscriptions", "month"), ("Usage", "month"), ("Responses", "date"),
                             ("Tickets", "opened_at"), ("Orders", "date"), ("Funnel", "month"),
                             ("Acquisition", "month")):
            frame = self.tables.get(name)
            if frame is not None and len(frame):
                candidates.append(frame[column].max())
                if name == "Subscriptions":
                    break
        if not candidates:
            raise KpiInputError(f"{self.source}: no dated row in any table", "value")
        last = max(candidates)
        return pd.Timestamp(year=last.year, month=last.month, day=1)

    def month_range(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """(first, last) month of any dated row of any table, or None when no table has one."""
        lows, highs = [], []
        for name, column in (("Subscriptions", "month"), ("Usage", "month"), ("Responses", "date"),
                             ("Tickets", "opened_at"), ("Orders", "date"), ("Funnel", "month"),
                             ("Acquisition", "month")):
            frame = self.tables.get(name)
            if frame is not None and len(frame) and frame[column].notna().any():
                lows.append(frame[column].min())
                highs.append(frame[column].max())
        if not lows:
            return None
        lo, hi = min(lows), max(highs)
        return pd.Timestamp(year=lo.year, month=lo.month, day=1), pd.Timestamp(year=hi.year, month=hi.month, day=1)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}={len(f)}" for n, f in self.tables.items())
        return f"Dataset({self.source!r}: {sizes})"


def _kinds(spec: TableSpec, *kinds) -> list[str]:
    return [c for c, (k, _) in spec.columns.items() if k in kinds]


def _read_folder(folder: Path, limits, problems: list | None = None, allow_empty: bool = False
                 ) -> tuple[dict, dict]:
    try:
        files = {p.name.lower(): p for p in folder.iterdir() if p.suffix.lower() == ".csv"}
    except OSError as exc:
        raise KpiInputError(f"{folder}: cannot be read ({exc.strerror or exc})", "value") from None
    tables, locators = {}, {}
    for name, spec in TABLES.items():
        path = files.get(spec.file_name)
        if path is None:
            continue
        try:
            tables[name], lines, _ = _csv.read_csv(path, _kinds(spec, MONEY, COUNT, HOURS, FRACTION, SCORE),
                                                   _kinds(spec, DATE), _kinds(spec, MONTH), limits)
        except KpiInputError as err:
            if problems is None:
                raise
            problems.append(err)
            continue
        locators[name] = csv_locator(path, lines)
    if not tables and not problems and not allow_empty:
        raise KpiInputError(
            f"{folder}: no table found; expected CSV files named {', '.join(s.file_name for s in TABLES.values())}",
            "value")
    return tables, locators


def _read_xlsx(path: Path, limits, problems: list | None = None, allow_empty: bool = False) -> tuple[dict, dict]:
    tables, locators = _xlsx.read_xlsx(path, list(TABLES), limits, problems)
    if not tables and not problems and not allow_empty:
        raise KpiInputError(
            f"{path.name}: no Excel table named {', '.join(TABLES)} (insert them with Insert > Table and "
            "name them in Table Design)", "value")
    return tables, locators


def read_tables(path, limits: ReadLimits | None = None, problems: list | None = None, *,
                allow_empty: bool = False) -> tuple[dict, dict, str]:
    """Raw tables, locators and a source label from a folder of CSVs or an .xlsx (not validated).

    With `problems` (a list), a file or table that cannot be read is appended
    to it and the others are still returned. With `allow_empty`, a folder or
    workbook without any dataset table gives no table instead of an error (the
    tables may all come from a mapping).
    """
    path = Path(path)
    limits = read_limits(limits)
    if path.is_dir():
        return (*_read_folder(path, limits, problems, allow_empty), str(path))
    if path.suffix.lower() in (".xlsx", ".xlsm") and path.is_file():
        return (*_read_xlsx(path, limits, problems, allow_empty), str(path))
    if path.suffix.lower() in (".xlsx", ".xlsm") and path.exists():
        raise KpiInputError(f"{path}: is not a file", "value")
    if not path.exists():
        raise KpiInputError(f"{path}: no such file or folder", "value")
    if path.suffix.lower() == ".xls":
        raise KpiInputError(f"{path}: an old-format .xls workbook; save it as .xlsx (Excel Workbook)", "value")
    raise KpiInputError(f"{path}: expected a folder of CSV files or an .xlsx workbook", "value")


def find_problems(path, limits: ReadLimits | None = None) -> list[KpiInputError]:
    """Every problem of a dataset folder or .xlsx (empty list: the data loads), nothing written.

    What ``cskpi validate`` prints: files or tables that cannot be read, then
    every bad column of every table (first bad row, and how many more), every
    duplicate key and unknown customer.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "subscriptions.csv").write_text("customer_id,month,mrr\\nC1,2026-01,-5\\nC2,2026-13,9\\n")
    >>> for problem in find_problems(folder):
    ...     print(problem)
    subscriptions.csv, row 3, column month: holds '2026-13', which is not a date (use YYYY-MM-DD)
    subscriptions.csv, row 2, column mrr: -5 is below the minimum 0
    """
    problems: list = []
    try:
        tables, locators, _ = read_tables(path, limits, problems)
    except KpiInputError as err:
        return problems + [err]
    if tables:
        locators = {n: locators.get(n) or frame_locator(n, f) for n, f in tables.items()}
        _validate(tables, locators, problems)
    return problems


def input_table(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A validated table in its input form: the columns a user gives (no derived ``positive``),
    CSAT yes/no answers back as the words yes/no.

    Examples
    --------
    >>> ds = Dataset({"Responses": pd.DataFrame({"customer_id": ["a", "b"], "date": ["2026-01-02"] * 2,
    ...                                           "survey": ["CSAT", "CSAT"], "score": ["oui", 4]})})
    >>> input_table("Responses", ds.table("Responses"))["score"].tolist()
    ['yes', 4.0]
    """
    out = frame.drop(columns=[c for c in ("positive",) if name == "Responses" and c in frame.columns])
    if name == "Responses" and "positive" in frame:
        yes_no = (frame["score"].isna() & frame["positive"].notna()).to_numpy()
        if yes_no.any():
            score = out["score"].astype(object)
            score[yes_no] = np.where(frame.loc[yes_no, "positive"] > 0, "yes", "no")
            out["score"] = score
    return out


def write_csv_folder(ds: Dataset, folder) -> list[Path]:
    """Write a dataset as the CSV folder :func:`load_dataset` reads (UTF-8, ISO dates); return the files.

    Dates are written ``YYYY-MM-DD``, or ``YYYY-MM-DD HH:MM:SS`` in a column where some hold a time.
    Each file is written atomically (:func:`kpi_core.files.atomic_output`): complete or absent.

    Examples
    --------
    >>> import tempfile
    >>> from kpi_core import sample_dataset
    >>> files = write_csv_folder(sample_dataset(n_customers=5), tempfile.mkdtemp())
    >>> [f.name for f in files][:3]
    ['customers.csv', 'subscriptions.csv', 'responses.csv']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in ds.tables.items():
        path = folder / TABLES[name].file_name
        out = input_table(name, frame)
        for column in out.columns:  # a date column with times keeps them (a ticket opened at 10:22)
            values = out[column]
            if values.dtype.kind == "M" and (values.dropna() != values.dropna().dt.normalize()).any():
                out[column] = values.dt.strftime("%Y-%m-%d %H:%M:%S").where(values.notna(), None)
        with atomic_output(path) as target:
            out.to_csv(target, index=False, date_format="%Y-%m-%d", lineterminator="\n")
        written.append(path)
    return written


def load_dataset(path, limits: ReadLimits | None = None) -> Dataset:
    """Load and validate a dataset from a folder of CSV files or an .xlsx workbook.

    Parameters
    ----------
    path : str or Path
        A folder holding ``customers.csv``, ``subscriptions.csv``, ... (UTF-8
        or Windows-1252, or UTF-16 with its byte-order mark; comma-separated,
        or semicolon-separated with decimal commas and day-first dates as
        French Excel writes them), or an .xlsx whose sheets hold Excel tables
        named ``Customers``, ``Subscriptions``, ... . Only the tables present
        are loaded; extra columns are kept.
    limits : ReadLimits, optional
        Size limits on the files read (default: :class:`ReadLimits` with the
        ``CSKPI_MAX_*`` environment overrides; see :mod:`kpi_core.limits`).

    Returns
    -------
    Dataset

    Raises
    ------
    KpiInputError
        Naming the file, table, column and row (or cell) of the first problem.

    Examples
    --------
    >>> import tempfile
    >>> from kpi_core import sample_dataset
    >>> folder = tempfile.mkdtemp()
    >>> sample_dataset().table("Subscriptions").to_csv(f"{folder}/subscriptions.csv", index=False)
    >>> load_dataset(folder).table("Subscriptions").columns.tolist()
    ['customer_id', 'month', 'mrr']
    """
    tables, locators, source = read_tables(path, limits)
    return Dataset(tables, source=source, locators=locators)
