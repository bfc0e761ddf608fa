"""The "CS KPIs" ribbon: one macro per button, on desktop Excel and on xlwings' remote engine.

Every macro takes the calling :class:`xlwings.Book` and works only through
xlwings' Book API, so it runs

- in desktop Excel: the add-in's VBA calls
  ``RunPython "import addin.ribbon; addin.ribbon.dispatch('<ButtonId>')"`` and
  :func:`dispatch` gets the workbook with ``xw.Book.caller()``;
- on xlwings Server / xlwings Lite (Office.js add-in, Excel on the web): the
  ``cskpi_*`` functions at the bottom are xlwings *scripts*
  (``@xw.script``); the task pane's buttons call them by name
  (``xw-click="cskpi_refresh_kpis"``) and xlwings passes the workbook as the
  ``book: xw.Book`` argument. On that engine every write is a queued action
  that Excel replays when the script returns.

Safety rules, for every macro:

- the input tables (sheets holding the Excel tables Customers, Subscriptions,
  ...) and sheets the user added are never written: only the sheets a macro
  owns (the computed sheets of the layout, the "Data check" sheet) are;
- everything is read, validated and computed first, and the workbook is
  written only when all of that succeeded; a failure shows its reason in an
  alert (``book.app.alert``, a dialog on both engines), never a traceback. On
  the remote engine a failure while queuing writes drops the queued writes,
  so the only action returned is the alert.

The buttons:

RefreshKpis (:func:`refresh_kpis`)
    Re-derives every computed sheet (dashboard, revenue, movements, cohorts,
    surveys, support, health, e-commerce and the calc_* helpers) from the
    workbook's own tables, with the period and health configuration the user
    left on Settings: new rows, new months, new customers.
BuildWorkbook (:func:`build_workbook`)
    Builds the portfolio workbook from the workbook's tables (the bundled
    sample data when it has none). Desktop: a new file ``<name> - KPIs.xlsx``
    next to the workbook. Remote engine (xlwings Lite, xlwings Server): no
    file can be written, so the workbook's sheets are added to the open
    workbook itself.
HealthScores / MrrMovements (:func:`health_scores`, :func:`mrr_movements`)
    Rewrite only the Health sheet and calc_health, or only the MRR movements
    sheet and calc_mrr (and the names that point into them).
ValidateData (:func:`validate_data`)
    Lists every problem of the tables in a "Data check" sheet (table, column,
    cell, problem), or says that no problem was found.
ExportPerCsm (:func:`export_per_csm`)
    One portfolio workbook per CSM in a folder ``<name> - per CSM`` next to the
    workbook (desktop only; on the remote engine it says to use ``cskpi build --by csm``).
Help (:func:`show_help`)
    What each button does, and where the documentation is.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xlwings as xw

import kpi_core
from kpi_core import TABLES, Dataset, KpiInputError, validate_tables
from workbook_templates.spec.labels import t
from workbook_templates.spec.layout import SheetLayout, WorkbookLayout, split_ref
from workbook_templates.templates.portfolio import DATA_ORDER, portfolio_layout
from workbook_templates.batch import build_workbooks
from workbook_templates.refresh import RefreshPlan, computed_titles, detect_lang, plan_refresh, settings_from_names
from workbook_templates.writing.xlsx import write_xlsx

from . import live, sources

__all__ = ["dispatch", "BUTTONS", "refresh_kpis", "build_workbook", "health_scores", "mrr_movements",
           "validate_data", "export_per_csm", "show_help", "read_tables", "DATA_CHECK", "HELP_TEXT",
           "cskpi_refresh_kpis", "cskpi_build_workbook", "cskpi_health_scores", "cskpi_mrr_movements",
           "cskpi_validate_data", "cskpi_export_per_csm", "cskpi_help"]

#: title of the sheet Validate data writes
DATA_CHECK = "Data check"
TITLE = "CS KPIs"
DOCS = "README.md of the cskpi project (section \"Excel\"), and the Guide sheet of a built workbook"

HELP_TEXT = (
    "CS KPIs ribbon\n\n"
    "Refresh KPIs: re-computes every KPI sheet of this workbook from its data tables "
    "(new rows, new months) with the period and health settings on the Settings sheet.\n"
    "Build KPI workbook: builds the KPI workbook from this workbook's tables (or from sample "
    "data when it has none) - with the desktop add-in as a new file next to this one, in xlwings Lite "
    "and Excel on the web as new sheets of this workbook.\n"
    "Health scores: updates only the Health sheet.\n"
    "MRR movements: updates only the MRR movements sheet.\n"
    "Validate data: lists every problem of the data tables in a \"Data check\" sheet.\n"
    "Export per CSM: one KPI workbook per CSM in a folder next to this workbook (desktop add-in only; "
    "elsewhere use the command line: cskpi build WORKBOOK.xlsx --by csm).\n\n"
    "Your data sheets and your own sheets are never changed; a button that fails changes nothing "
    "and says why.\n\n"
    f"Documentation: {DOCS}."
)


class _Failure(Exception):
    """A macro refused to run: the message is shown as it is."""


# --------------------------------------------------------------------------------------------
# reading the workbook
# --------------------------------------------------------------------------------------------
@dataclass
class BookData:
    """The input tables of a workbook, as kpi_core wants them."""

    tables: dict = field(default_factory=dict)       # table name -> raw DataFrame
    locators: dict = field(default_factory=dict)     # table name -> locate(column, pos)
    sheets: dict = field(default_factory=dict)       # table name -> sheet title
    where: dict = field(default_factory=dict)        # location text -> (table, column, cell)

    @property
    def table_sheets(self) -> set:
        """Titles of the sheets that hold input tables (never written)."""
        return set(self.sheets.values())


def _rows(value) -> list[list]:
    if value is None:
        return []
    if not isinstance(value, list):
        return [[value]]
    if value and not isinstance(value[0], list):
        return [value]
    return value


def read_tables(book, names=TABLES) -> BookData:
    """Every Excel table of `book` named as in DESIGN.md §3 (or one of `names`), as raw DataFrames with cell locators.

    The header is the table's header row (wherever the table starts), its data
    is the table's data body (a totals row is left out), extra columns are
    kept, and rows that are entirely blank are skipped. Each locator names a
    cell as ``"<book>, table Subscriptions, cell 'Subscriptions'!C14 (column mrr)"``,
    like :mod:`kpi_core.dataset`'s .xlsx reader.
    """
    data = BookData()
    label = sources.book_label(book)
    for ws in book.sheets:
        for table in ws.tables:
            name = table.name
            if name not in names:
                continue
            if name in data.tables:
                raise KpiInputError(f"two Excel tables are named {name} (sheets {data.sheets[name]} and {ws.name})",
                                    "value", location=name)
            header_range = table.header_row_range
            if header_range is None:
                raise KpiInputError(f"table {name} on sheet {ws.name} has its header row turned off; turn it on "
                                    "(Table Design > Header Row)", "value", location=name)
            header = [str(h).strip() if h is not None else "" for h in _rows(header_range.options(ndim=2).value)[0]]
            body_range = table.data_body_range
            body = _rows(body_range.options(ndim=2).value) if body_range is not None else []
            first_row = body_range.row if body_range is not None else header_range.row + 1
            keep = [i for i, row in enumerate(body)
                    if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in row)]
            frame = pd.DataFrame([body[i] for i in keep], columns=header, dtype=object)
            rows = [first_row + i for i in keep]
            col0 = header_range.column
            letters = {h: live.column_letter(col0 + j) for j, h in enumerate(header)}

            def locate(column, pos, t=name, s=ws.name, L=letters, R=rows):
                cell = "'{}'!{}{}".format(s.replace("'", "''"), L.get(column, "?"), R[pos] if pos < len(R) else "?")
                where = f"{label}, table {t}, cell {cell} (column {column})"
                data.where[where] = (t, column, cell)
                return where

            data.tables[name] = frame
            data.locators[name] = locate
            data.sheets[name] = ws.name
    return data


class LiveBook:
    """An open workbook, read through xlwings for the refresh plan (:func:`workbook_templates.refresh.plan_refresh`).

    Its tables are read with :func:`read_tables` (kept in :attr:`data`, which
    says which sheets hold them: those are never written).
    """

    def __init__(self, book) -> None:
        self.book = book
        self.data = BookData()

    def sheet_titles(self) -> list[str]:
        return live.sheet_titles(self.book)

    def read_name(self, name: str):
        try:
            rng = self.book.names[name].refers_to_range
        except Exception as exc:  # noqa: BLE001 - any engine's "no such name"
            raise KpiInputError(f"this workbook has no defined name {name} (was it built by cskpi? "
                                "Use Build KPI workbook first)", "value", location=name) from exc
        return rng.value

    def dataset(self) -> Dataset:
        self.data = read_tables(self.book)
        if not self.data.tables:
            raise KpiInputError("this workbook has no Excel table named " + ", ".join(TABLES), "value")
        return Dataset(self.data.tables, source=sources.book_label(self.book), locators=self.data.locators)

    def stamp(self):
        return None  # xlwings reads no document properties: the template is inferred from the sheets

    def dashboard_title(self, lang: str):
        try:
            return self.book.sheets[t("dashboard", lang)].range("A1").value
        except Exception:  # noqa: BLE001 - no dashboard: default scope
            return None


def _plan(book) -> tuple[RefreshPlan, BookData]:
    """Read a cskpi-built workbook and plan its Refresh (nothing written)."""
    reader = LiveBook(book)
    return plan_refresh(reader), reader.data


def _write(book, layout: WorkbookLayout, titles, protected) -> list[str]:
    """Write the layout sheets `titles` and the names that point into sheets of the book."""
    written = live.write_sheets(book, layout, titles, protected=protected)
    present = {x.casefold() for x in live.sheet_titles(book)}
    live.define_names(book, {n: r for n, r in layout.names.items() if split_ref(r)[0].casefold() in present})
    return written


def _only(book, keys: tuple, what: str, table: str) -> str:
    plan, data = _plan(book)
    titles = [x.title for x in plan.layout.sheets if x.key in keys]
    if not titles:
        raise _Failure(f"{what} needs a non-empty {table} table, which this workbook does not have.")
    written = live.write_sheets(book, plan.layout, titles, protected=data.table_sheets)
    wanted = {x.casefold() for x in titles}  # names pointing into the sheets just written (MrrMatrix, ...)
    live.define_names(book, {n: r for n, r in plan.layout.names.items() if split_ref(r)[0].casefold() in wanted})
    return (f"{what}: updated {', '.join(written)}. The other sheets were not changed "
            "(Refresh KPIs updates them all).")


# --------------------------------------------------------------------------------------------
# the macros
# --------------------------------------------------------------------------------------------
def refresh_kpis(book) -> str:
    """Re-derive every computed sheet of `book` from its tables; returns the message shown."""
    plan, data = _plan(book)
    written = _write(book, plan.layout, computed_titles(plan.layout), data.table_sheets)
    start, end = pd.Timestamp(plan.start), pd.Timestamp(plan.end)
    return (f"KPIs refreshed for {start:%Y-%m} to {end:%Y-%m}: {len(written)} sheets rewritten "
            f"({', '.join(written)}). Data sheets and your own sheets were not changed.")


def health_scores(book) -> str:
    """Rewrite only the Health sheet and its helper (calc_health)."""
    return _only(book, ("health", "calc_health"), "Health scores", "Usage")


def mrr_movements(book) -> str:
    """Rewrite only the MRR movements sheet and its helper (calc_mrr)."""
    return _only(book, ("movements", "calc_mrr"), "MRR movements", "Subscriptions")


def _dataset_for_build(book) -> tuple[Dataset, BookData, str]:
    data = read_tables(book)
    if sources.has_mapping(book):  # raw exports + a Mapping table (DESIGN.md §12)
        return sources.mapped_dataset(book, data), data, "this workbook's exports, through its Mapping table"
    if data.tables:
        return Dataset(data.tables, source=sources.book_label(book), locators=data.locators), data, "this workbook's tables"
    return kpi_core.sample_dataset(), data, "the bundled sample data (this workbook has no data table)"


def _lang_of(book) -> str:
    try:
        return detect_lang(live.sheet_titles(book))
    except KpiInputError:
        return "en"


def _folder_of(book) -> Path:
    try:
        full = Path(book.fullname)
    except Exception:  # noqa: BLE001
        full = Path(book.name)
    if full.parent != Path(".") and full.parent.is_dir():
        return full.parent
    return Path.home()  # a workbook never saved has no folder


def build_workbook(book) -> str:
    """Build the portfolio workbook from `book`'s tables (or the sample data)."""
    ds, data, origin = _dataset_for_build(book)
    lang = _lang_of(book)
    if not live.is_remote(book):
        stem = Path(sources.book_label(book)).stem
        path = _folder_of(book) / f"{stem} - KPIs.xlsx"
        write_xlsx(portfolio_layout(ds, lang=lang), path)
        return f"KPI workbook built from {origin}:\n{path}"
    # remote engine: no file can be written from the browser -> new sheets of this workbook
    if t("settings", lang) in live.sheet_titles(book):
        raise _Failure("This workbook already holds the KPI sheets: use Refresh KPIs to update them.")
    layout = portfolio_layout(ds, lang=lang)
    own_tables = set(data.tables)
    titles = [s.title for s in layout.sheets if not (s.key in DATA_ORDER and s.key in own_tables)]
    taken = {x.casefold() for x in live.sheet_titles(book)}
    clash = [x for x in titles if x.casefold() in taken]
    if clash:
        raise _Failure("Build KPI workbook adds the sheets " + ", ".join(titles) + " to this workbook, but "
                       + ", ".join(clash) + " already exist(s). Rename or remove them, or build on desktop Excel "
                       "(which writes a separate file).")
    written = _write(book, layout, titles, data.table_sheets)
    return (f"This add-in (xlwings Lite or xlwings Server) cannot save a separate file, so the KPI sheets built "
            f"from {origin} were added to this workbook: {', '.join(written)}.")


def _problem_rows(problems, data: BookData) -> list[list]:
    rows = []
    for err in problems:
        location = getattr(err, "location", None)
        message = str(err)
        if location and message.startswith(f"{location}: "):
            message = message[len(location) + 2:]
        if location in data.where:
            table, column, cell = data.where[location]
        elif location in TABLES:
            table, column, cell = location, "", ""
        else:
            table, column, cell = "", "", location or ""
        rows.append([table, column, cell, message])
    return rows


def validate_data(book) -> str:
    """List every problem of `book`'s tables in the "Data check" sheet; change nothing else."""
    data = read_tables(book)
    if data.tables:
        rows = _problem_rows(validate_tables(data.tables, data.locators), data)
    else:
        rows = [["", "", "", "no Excel table named " + ", ".join(TABLES) + " in this workbook"]]
    if DATA_CHECK.casefold() in {s.casefold() for s in data.table_sheets}:
        raise _Failure(f"The sheet {DATA_CHECK} holds a data table; rename it so Validate data can write its report.")
    sheet = SheetLayout(key="data_check", title=DATA_CHECK, computed=True, freeze="A4")
    sheet.set(1, 1, f"Data check — {sources.book_label(book)}", "title")
    sheet.set(2, 1, f"{len(rows)} problem(s) found" if rows else "no problem found", "label")
    sheet.put_row(3, 1, ["table", "column", "row / cell", "problem"], "header")
    for i, row in enumerate(rows):
        sheet.put_row(4 + i, 1, row)
    sheet.widths.update({"A": 16, "B": 22, "C": 28, "D": 100})
    layout = WorkbookLayout(sheets=[sheet], lang="en")
    live.write_sheets(book, layout, [DATA_CHECK], protected=data.table_sheets)
    if not rows:
        return "Validate data: no problem found."
    return f"Validate data: {len(rows)} problem(s) found, listed on the sheet \"{DATA_CHECK}\"."


def export_per_csm(book) -> str:
    """One workbook per CSM (and the portfolio) in a folder next to `book` (desktop only)."""
    if live.is_remote(book):
        raise _Failure("Export per CSM writes one file per CSM, and this add-in (xlwings Lite or xlwings Server) "
                       "cannot write files to your computer. Use the command line on this "
                       "workbook saved as .xlsx: cskpi build WORKBOOK.xlsx --by csm --out DIR (or the desktop "
                       "add-in cskpi.xlam).")
    data = read_tables(book)
    if not data.tables:
        raise _Failure("Export per CSM needs the workbook's data tables; this workbook has none.")
    ds = Dataset(data.tables, source=sources.book_label(book), locators=data.locators)
    customers = ds.table("Customers")
    if customers is None or "csm" not in customers:
        raise _Failure("Export per CSM needs a Customers table with a csm column.")
    try:
        start, end, config = settings_from_names(LiveBook(book).read_name)
    except KpiInputError:
        start = end = config = None
    folder = _folder_of(book) / f"{Path(sources.book_label(book)).stem} - per CSM"
    result = build_workbooks(ds, folder, by="csm", lang=_lang_of(book), period_start=start, period_end=end,
                             config=config, progress=io.StringIO())
    if not result.ok:
        raise _Failure(result.summary())
    return f"{len(result.written)} workbooks written (the portfolio and one per CSM) to:\n{folder}"


def show_help(book) -> str:
    """The help text (shown in an alert)."""
    return HELP_TEXT


BUTTONS = {
    "RefreshKpis": ("Refresh KPIs", refresh_kpis),
    "BuildWorkbook": ("Build KPI workbook", build_workbook),
    "HealthScores": ("Health scores", health_scores),
    "MrrMovements": ("MRR movements", mrr_movements),
    "ValidateData": ("Validate data", validate_data),
    "ExportPerCsm": ("Export per CSM", export_per_csm),
    "Help": ("Help", show_help),
}


# --------------------------------------------------------------------------------------------
# running a macro: alerts instead of tracebacks, all-or-nothing on the remote engine
# --------------------------------------------------------------------------------------------
def _queued(book) -> list | None:
    """The remote engine's queued actions (None on desktop, where writes are immediate)."""
    if not live.is_remote(book):
        return None
    try:
        return book.json()["actions"]
    except Exception:  # noqa: BLE001
        return None


def _alert(book, prompt: str, title: str, mode: str) -> None:
    try:
        book.app.alert(prompt, title=title, mode=mode)
    except Exception:  # noqa: BLE001 - no dialog available: say it on the console, never raise
        print(f"{title}: {prompt}")


def run(button_id: str, book):
    """Run one button's macro on `book`; every outcome is an alert, never an exception."""
    label, macro = BUTTONS.get(button_id, (button_id, None))
    if macro is None:
        _alert(book, f"Unknown button {button_id!r}.", TITLE, "critical")
        return book
    queued = _queued(book)
    before = len(queued) if queued is not None else 0
    try:
        message = macro(book)
    except (KpiInputError, _Failure) as exc:
        reason = str(exc)
    except Exception as exc:  # noqa: BLE001 - any other failure is shown, not raised
        reason = f"{type(exc).__name__}: {exc}"
    else:
        _alert(book, message, f"{TITLE} — {label}", "info")
        return book
    if queued is not None:
        del queued[before:]  # drop every write queued by the failed macro: the workbook stays as it was
        reason += "\n\nNothing was changed."
    _alert(book, reason, f"{TITLE} — {label} failed", "critical")
    return book


def dispatch(button_id: str, book=None):
    """Entry point of the VBA ribbon callbacks: run a button's macro on the calling workbook."""
    if book is None:
        try:
            book = xw.Book.caller()
        except Exception as exc:  # noqa: BLE001 - not called from Excel
            print(f"{TITLE}: no calling workbook ({exc})")
            return None
    return run(button_id, book)


# --------------------------------------------------------------------------------------------
# xlwings Server / xlwings Lite scripts (task-pane buttons: xw-click="cskpi_refresh_kpis", ...)
# --------------------------------------------------------------------------------------------
@xw.script(name="Refresh KPIs")
def cskpi_refresh_kpis(book: xw.Book):
    run("RefreshKpis", book)


@xw.script(name="Build KPI workbook")
def cskpi_build_workbook(book: xw.Book):
    run("BuildWorkbook", book)


@xw.script(name="Health scores")
def cskpi_health_scores(book: xw.Book):
    run("HealthScores", book)


@xw.script(name="MRR movements")
def cskpi_mrr_movements(book: xw.Book):
    run("MrrMovements", book)


@xw.script(name="Validate data")
def cskpi_validate_data(book: xw.Book):
    run("ValidateData", book)


@xw.script(name="Export per CSM")
def cskpi_export_per_csm(book: xw.Book):
    run("ExportPerCsm", book)


@xw.script(name="CS KPIs help")
def cskpi_help(book: xw.Book):
    run("Help", book)
