"""The Excel functions of DESIGN.md §8 as xlwings user-defined functions.

One module serves every runtime: desktop Excel on Windows (classic xlwings,
"UDF Modules" + *Import Functions*) and the Office.js runtimes (xlwings Server
and xlwings Lite). Each function is a thin wrapper over the same-named
``kpi_core`` function: Excel ranges come in as 2-D lists (``@arg(..., ndim=2)``)
and are flattened to numpy arrays with blanks in place, month arguments are
converted from Excel date serials, tables go out as 2-D lists with a header
row (they spill as dynamic arrays), and errors go out as Excel errors.

How an error reaches the cell
-----------------------------
Every UDF is wrapped once by :func:`_excel_function`, which turns a
:class:`kpi_core.KpiInputError` (``kind`` "value"/"num"/"div0") into an
:class:`_ExcelError` result value (#VALUE!/#NUM!/#DIV/0!, message kept). The
return converter :class:`_ExcelResult`, the only place that knows which
runtime asked, renders it:

- **Office.js, CustomFunctionsRuntime >= 1.4** (xlwings Server, xlwings Lite):
  #VALUE! is raised as :class:`xlwings.XlwingsError`; xlwings Server answers
  with the message (its handler for ``XlwingsError`` shows the message even
  in production, other exceptions become "An error occurred"), Lite returns
  ``{"error": message}``, and the add-in's JavaScript throws
  ``CustomFunctions.Error(invalidValue, message)``: the cell shows #VALUE! and
  the message on hovering its error flag (xlwings Server's script retries a
  failed request up to 5 times, so such a call may run 5 times). #NUM!,
  #DIV/0! and errors propagated from input cells (#N/A, #NULL!, ...; input
  errors Office.js cannot return, such as #REF!, give #VALUE!) are returned
  as the error value itself, which xlwings' Office.js engine sends as an ``{"type": "Error"}``
  cell value, so the cell holds the real error. Office.js cannot attach a
  message to those codes (Microsoft: "A custom error message can't be used"
  for #DIV/0! and #NUM!), so their message goes to the add-in log.
- **Office.js, runtime < 1.4** has no error cell values: every error is raised
  (#VALUE! in the cell, the code and message on hover).
- **Desktop Excel (classic COM UDFs)**: a COM UDF cannot return an error
  value with a message, and an exception would put a Python traceback into
  the cell (the generated VBA writes ``Err.Description``). The cell gets the
  text ``"#NUM! <message>"``: the code first, then kpi_core's message; any
  arithmetic on it gives #VALUE!, so no number is ever computed from it.
  (Not exercised by the tests: they run xlwings' Office.js path on Linux.)

The is_jsnull trap
------------------
xlwings 0.37.8 cleans every cell of a custom-function argument with
``xlwings.utils.is_jsnull``, which runs ``from pyodide.ffi import JsNull`` on
each call. Outside Pyodide the import fails, and a failed import is not
cached by Python, so every cell pays a full search of ``sys.path`` (tens of
microseconds): about 3-10 s for a 100 000-cell range on CPython. We install
(once, idempotently, when this module is imported) a drop-in replacement that
imports ``JsNull`` the first time it is needed and caches the result
(``None`` outside Pyodide): the same answers, no repeated import.

We chose this over declaring range arguments ``convert="raw"`` (which skips
xlwings' per-cell cleaning altogether) because the cleaning is what makes the
engines agree: it turns Office.js ``JsNull``/``""`` blanks into ``None``,
error cells (``{"type": "Error", ...}`` in Office.js, COM error integers on
Windows) into ``"#N/A"``-style strings (``err_to_str=True``), COM dates into
datetimes and data-type cells into their basic values. Raw values would make
this module re-implement each engine's cell format and still need a cached
``JsNull`` check. The patch fixes the root cause for every custom-function
module in the process, changes no behaviour, and is undone by
:func:`_remove_jsnull_fix` (used by ``benchmarks/bench_udfs.py``).
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import numbers

import numpy as np
import pandas as pd
import xlwings
import xlwings.utils
from xlwings import XlwingsError, arg, func, ret
from xlwings.conversion import Converter

import kpi_core
from kpi_core import KpiInputError
from workbook_templates.writing import values

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# The is_jsnull fix (see the module docstring)
# ---------------------------------------------------------------------------

_UNRESOLVED = object()
#: ``pyodide.ffi.JsNull`` once looked up, ``None`` outside Pyodide.
_jsnull_type = _UNRESOLVED


def _is_jsnull_cached(value) -> bool:
    """Drop-in for ``xlwings.utils.is_jsnull`` that imports ``JsNull`` only once.

    Parameters
    ----------
    value : object
        Any cell value.

    Returns
    -------
    bool
        True if `value` is Pyodide's ``JsNull`` sentinel (Pyodide >= 0.28),
        False otherwise and always False outside Pyodide.
    """
    global _jsnull_type
    jsnull = _jsnull_type
    if jsnull is _UNRESOLVED:
        try:
            from pyodide.ffi import JsNull as jsnull
        except ImportError:
            jsnull = None
        _jsnull_type = jsnull
    return jsnull is not None and isinstance(value, jsnull)


def _stock_is_jsnull():
    """xlwings' own ``is_jsnull`` (also after this module was reloaded)."""
    current = getattr(xlwings.utils, "is_jsnull", None)
    return getattr(current, "_cskpi_stock", current)


_is_jsnull_cached._cskpi_stock = _stock_is_jsnull()


def _install_jsnull_fix() -> None:
    """Make ``xlwings.utils.is_jsnull`` the cached version (idempotent)."""
    if _is_jsnull_cached._cskpi_stock is not None:
        xlwings.utils.is_jsnull = _is_jsnull_cached


def _remove_jsnull_fix() -> None:
    """Put xlwings' own ``is_jsnull`` back (for benchmarks and tests)."""
    if _is_jsnull_cached._cskpi_stock is not None:
        xlwings.utils.is_jsnull = _is_jsnull_cached._cskpi_stock


_install_jsnull_fix()


# ---------------------------------------------------------------------------
# Errors out: converted once, here
# ---------------------------------------------------------------------------

#: Excel error of each ``KpiInputError.kind``.
_KIND_TO_CODE = {"value": "#VALUE!", "num": "#NUM!", "div0": "#DIV/0!"}
#: Error values as xlwings reads them from cells with ``err_to_str=True``.
_EXCEL_ERROR_CODES = frozenset(
    {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!",
     "#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!",
     "#UNKNOWN!"}
)
#: Input errors a result can repeat: those xlwings' Office.js engine turns into
#: error values and Office.js accepts as custom-function output (#NAME? and
#: #REF! are input-only there). Any other input error gives #VALUE!.
_PROPAGATED_CODES = frozenset({"#DIV/0!", "#N/A", "#NULL!", "#NUM!", "#VALUE!"})


class _ErrorCellInput(ValueError):
    """An argument range holds an Excel error value: the result is that error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class _ExcelError:
    """A UDF's error result: an Excel error code and the message explaining it.

    Parameters
    ----------
    code : str
        ``"#VALUE!"``, ``"#NUM!"``, ``"#DIV/0!"`` or a propagated input error.
    message : str
        kpi_core's message (names the argument and the position).
    function : str
        Excel name of the function, for the log.
    """

    __slots__ = ("code", "message", "function")

    def __init__(self, code: str, message: str, function: str) -> None:
        self.code, self.message, self.function = code, message, function

    def __repr__(self) -> str:
        return f"_ExcelError({self.code!r}, {self.message!r}, {self.function!r})"

    def render(self, runtime):
        """The value to hand to xlwings' engine for this runtime (or raise).

        Parameters
        ----------
        runtime : str or None
            Office.js CustomFunctionsRuntime version (``"1.4"``), or None for
            desktop Excel's COM UDFs.
        """
        if runtime is None:
            return f"{self.code} {self.message}"
        if self.code == "#VALUE!":
            raise XlwingsError(self.message)
        if float(runtime) < 1.4:
            raise XlwingsError(f"{self.code} {self.message}")
        logger.warning("%s -> %s: %s", self.function, self.code, self.message)
        return self.code


class _ExcelResult(Converter):
    """Return converter of every UDF: renders :class:`_ExcelError` per runtime.

    Everything else passes through to xlwings' default value conversion
    (datetimes become Excel dates, ``None`` an empty cell).
    """

    @classmethod
    def write_value(cls, value, options):
        if isinstance(value, _ExcelError):
            return value.render(options.get("runtime"))
        return value


def _excel_function(f):
    """Wrap a UDF body so that bad input becomes an Excel error, never a traceback.

    ``KpiInputError`` maps to #VALUE!/#NUM!/#DIV/0! by its ``kind``, an error
    cell in an argument propagates as itself, and any other exception (a bug)
    becomes #VALUE! with a short message while the traceback goes to the log.
    The wrapper's docstring is the first line of `f`'s, which is what xlwings
    registers as the description shown in Excel's function wizard; the full
    docstring stays on ``__wrapped__``.
    """
    excel_name = f.__name__.upper()

    @functools.wraps(f)
    def wrapper(*args):
        try:
            result = f(*args)
        except KpiInputError as exc:
            return _ExcelError(_KIND_TO_CODE.get(exc.kind, "#VALUE!"), str(exc), excel_name)
        except _ErrorCellInput as exc:
            return _ExcelError(exc.code, str(exc), excel_name)
        except kpi_core.MissingExtraError as exc:  # an optional extra is missing: the message says how to install it
            return _ExcelError("#VALUE!", str(exc), excel_name)
        except Exception as exc:  # a bug: the cell must still show an Excel error
            logger.exception("%s failed", excel_name)
            return _ExcelError(
                "#VALUE!", f"{excel_name}: internal error ({type(exc).__name__}: {exc})", excel_name
            )
        if isinstance(result, float) and not math.isfinite(result):
            return _ExcelError("#NUM!", f"{excel_name}: the result is not a finite number", excel_name)
        return result

    wrapper.__doc__ = (f.__doc__ or excel_name).strip().splitlines()[0]
    return wrapper


# ---------------------------------------------------------------------------
# Arguments in
# ---------------------------------------------------------------------------

_NUMERIC_CELL_TYPES = frozenset({float, int, type(None)})


def _cells(values) -> list:
    """Cells of an argument in row-major order, as one flat list.

    Parameters
    ----------
    values : list of lists, list, scalar or None
        What xlwings passes for an ``ndim=2`` argument (``None`` for a blank
        single cell or an omitted argument).
    """
    if values is None:
        return []
    if isinstance(values, (np.ndarray, pd.Series, pd.Index)):
        return np.asarray(values, dtype=object).ravel().tolist()
    if isinstance(values, (list, tuple)):
        if values and all(isinstance(row, (list, tuple)) for row in values):
            return list(itertools.chain.from_iterable(values))
        return list(values)
    return [values]


def _check_error_cells(cells: list, name: str) -> None:
    """Raise :class:`_ErrorCellInput` for the first cell holding an Excel error."""
    for i, cell in enumerate(cells):
        if isinstance(cell, str) and cell in _EXCEL_ERROR_CODES:
            code = cell if cell in _PROPAGATED_CODES else "#VALUE!"
            raise _ErrorCellInput(code, f"{name}: position {i + 1} holds the error {cell}")


def _range(values, name: str) -> np.ndarray:
    """A range argument as a flat array for kpi_core, blanks kept in place.

    Numbers and blanks only (the usual case) give a float array with NaN for
    blanks, built without a Python loop over cells. Anything else (text,
    booleans, dates) gives an object array that kpi_core validates, so its
    error names the 1-based position of the cell in the range (row by row).

    Raises
    ------
    _ErrorCellInput
        If a cell holds an Excel error (#N/A, ...).
    """
    cells = _cells(values)
    if set(map(type, cells)) <= _NUMERIC_CELL_TYPES:
        return np.array(cells, dtype=np.float64)
    _check_error_cells(cells, name)
    return np.array(cells, dtype=object)


def _optional_range(values, name: str):
    """Like :func:`_range`; an omitted (or blank) argument stays None."""
    return None if values is None else _range(values, name)


def _option(value):
    """A text option (method, basis): trimmed and lower-cased, like Excel's own."""
    return value.strip().lower() if isinstance(value, str) else value


#: Excel's largest date, 9999-12-31.
_MAX_SERIAL = 2958465
#: Day 0 of the 1900 date system for serials from 61 (1900-03-01) on.
_EPOCH = np.datetime64("1899-12-30", "ms")


def _serials_to_datetimes(serials: np.ndarray, positions: np.ndarray, name: str) -> np.ndarray:
    """Excel 1900-system date serials to ``datetime64[ms]``.

    Serial 1 is 1900-01-01. Excel also counts the non-existent 1900-02-29
    (serial 60), so serials from 61 on are days since 1899-12-30 and serials
    1..59 are days since 1899-12-31. Time of day (the fraction) is kept.

    Parameters
    ----------
    serials : numpy.ndarray of float
        Serial numbers, no NaN.
    positions : numpy.ndarray of int
        0-based position of each serial in its range, for error messages.
    name : str
        Argument name for error messages.

    Raises
    ------
    KpiInputError
        ``kind="num"`` for a serial that is no date: below 1, 60 (29 Feb 1900)
        or beyond 9999-12-31.
    """
    bad = (serials < 1) | (serials >= _MAX_SERIAL + 1) | ((serials >= 60) & (serials < 61))
    if bad.any():
        i = int(np.argmax(bad))
        raise KpiInputError(
            f"{name}: position {positions[i] + 1} holds {serials[i]:g}, which is not an Excel date "
            "(1 = 1900-01-01; 60 is the 29 Feb 1900 that never existed)",
            "num",
        )
    days = np.where(serials < 60, serials + 1, serials)
    return _EPOCH + np.round(days * 86_400_000).astype("timedelta64[ms]")


def _months(values, name: str):
    """A month argument for kpi_core: date serials become datetimes.

    Office.js sends dates as serial numbers, desktop Excel as datetimes, and
    users may type ``"2026-03"``; datetimes and text pass through (kpi_core
    checks them), blanks stay in place.
    """
    cells = _cells(values)
    if set(map(type, cells)) <= _NUMERIC_CELL_TYPES:
        serials = np.array(cells, dtype=np.float64)
        filled = ~np.isnan(serials)
        out = np.full(serials.shape, np.datetime64("NaT"), dtype="datetime64[ms]")
        out[filled] = _serials_to_datetimes(serials[filled], np.flatnonzero(filled), name)
        return pd.Series(out)
    _check_error_cells(cells, name)
    out = np.array(cells, dtype=object)
    is_serial = np.array(
        [isinstance(c, numbers.Real) and not isinstance(c, bool) for c in cells], dtype=bool
    )
    if is_serial.any():
        where = np.flatnonzero(is_serial)
        converted = _serials_to_datetimes(out[where].astype(np.float64), where, name)
        out[where] = list(pd.DatetimeIndex(converted))
    return out


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _drop_trailing_blank_rows(*columns: list) -> tuple:
    """Cut rows at the end that are blank in every one of equally long columns.

    A range selected with room to grow (A2:A1000) then works; blank rows in
    the middle are left for kpi_core to report.
    """
    if len({len(c) for c in columns}) != 1:
        return columns
    end = len(columns[0])
    while end and all(_blank(c[end - 1]) for c in columns):
        end -= 1
    return tuple(c[:end] for c in columns)


def _rows(customer_ids, months, mrr) -> tuple:
    """The three parallel ranges of MRR_MOVEMENTS / COHORT_RETENTION for kpi_core."""
    ids, month_cells, amounts = _drop_trailing_blank_rows(_cells(customer_ids), _cells(months), _cells(mrr))
    return _range(ids, "customer_ids"), _months(month_cells, "months"), _range(amounts, "mrr")


# ---------------------------------------------------------------------------
# Tables out
# ---------------------------------------------------------------------------


def _table(frame: pd.DataFrame, *, index: bool, index_label=None) -> list:
    """A DataFrame as a 2-D list with a header row (and the index as first column).

    The cells follow the encoder's rules (:func:`workbook_templates.writing.values.rows`):
    NaN and NaT are blank, NumPy scalars plain numbers, timestamps dates; text is
    returned as it is (a function result is never parsed as a formula).
    """
    return values.rows(frame, index=index, index_label=index_label)


# ---------------------------------------------------------------------------
# The Excel functions (DESIGN.md §8)
# ---------------------------------------------------------------------------

_SCORES_0_10 = "Range of NPS answers, whole numbers 0..10; blank cells are ignored."
_MONTH_TABLE_FORMAT = "yyyy-mm-dd"


@func
@arg("scores", ndim=2, err_to_str=True, doc=_SCORES_0_10)
@ret(_ExcelResult)
@_excel_function
def nps(scores):
    """Net Promoter Score in points (-100..100): % promoters (9-10) minus % detractors (0-6).

    Returns
    -------
    float
        ``100 * (promoters - detractors) / answers``.
    """
    return kpi_core.nps(_range(scores, "scores"))


@func
@arg("scores", ndim=2, err_to_str=True, doc=_SCORES_0_10)
@arg("confidence", doc="Confidence level strictly between 0 and 1 (default 0.95).")
@arg("method", doc='"wald" (default) or "adjusted_wald" (better for small samples).')
@ret(_ExcelResult)
@_excel_function
def nps_ci(scores, confidence=0.95, method="wald"):
    """Confidence interval of the NPS in points: one row of two cells, low and high.

    Returns
    -------
    list of list
        ``[[low, high]]`` (1x2, DESIGN.md §8), so ``=INDEX(NPS_CI(B2:B900), 1)``
        is the lower bound and ``=INDEX(NPS_CI(B2:B900), 2)`` the upper one.
    """
    low, high = kpi_core.nps_ci(_range(scores, "scores"), confidence, _option(method))
    return [[low, high]]


@func
@arg("scores_a", ndim=2, err_to_str=True, doc="First sample of NPS answers (0..10); blanks ignored.")
@arg("scores_b", ndim=2, err_to_str=True, doc="Second sample of NPS answers (0..10); blanks ignored.")
@ret(_ExcelResult)
@_excel_function
def nps_test(scores_a, scores_b):
    """Two-sided p-value of a z-test that two NPS samples differ (below 0.05: significant).

    Returns
    -------
    float
        The p-value, 0..1.
    """
    return kpi_core.nps_test(_range(scores_a, "scores_a"), _range(scores_b, "scores_b"))


@func
@arg("scores", ndim=2, err_to_str=True, doc=_SCORES_0_10)
@ret(_ExcelResult)
@_excel_function
def nps_breakdown(scores):
    """Promoters, passives, detractors and n: a table of counts and shares with a header row.

    Returns
    -------
    list of list
        Header ``["", "promoters", "passives", "detractors", "n"]``, then
        the ``count`` and ``share`` rows.
    """
    return _table(kpi_core.nps_breakdown(_range(scores, "scores")), index=True)


@func
@arg("scores", ndim=2, err_to_str=True,
     doc="Range of answers 1..scale_max, or yes/no answers (TRUE/FALSE, yes/no, oui/non); blanks ignored.")
@arg("scale_max", doc="Top of the answer scale (default 5).")
@arg("positive_min", doc="Lowest positive answer (default 4 on 1..5, 6 on 1..7, 9 on 1..10).")
@ret(_ExcelResult)
@_excel_function
def csat(scores, scale_max=5, positive_min=None):
    """Customer satisfaction: the share of positive answers (a fraction, 0.8 = 80 %).

    Returns
    -------
    float
    """
    return kpi_core.csat(_range(scores, "scores"), scale_max, positive_min)


@func
@arg("scores", ndim=2, err_to_str=True,
     doc='Range of answers 1..7 ("the company made it easy": higher is easier); blanks ignored.')
@ret(_ExcelResult)
@_excel_function
def ces(scores):
    """Customer effort score: the mean answer on the 1..7 scale (higher is easier).

    Returns
    -------
    float
    """
    return kpi_core.ces(_range(scores, "scores"))


@func
@arg("scores", ndim=2, err_to_str=True, doc="Range of CES answers 1..scale_max; blanks ignored.")
@arg("scale_max", doc="Top of the answer scale: 7 (default) or 5.")
@ret(_ExcelResult)
@_excel_function
def ces_agree(scores, scale_max=7):
    """Share of CES answers that agree it was easy: >= 5 on 1..7, >= 4 on 1..5 (a fraction).

    Returns
    -------
    float
    """
    return kpi_core.ces_agree(_range(scores, "scores"), scale_max)


@func
@arg("lost_customers", doc="Customers lost during the period.")
@arg("customers_at_start", doc="Customers at the start of the period.")
@ret(_ExcelResult)
@_excel_function
def churn_rate(lost_customers, customers_at_start):
    """Logo churn: customers lost / customers at start (a fraction).

    Returns
    -------
    float
    """
    return kpi_core.churn_rate(lost_customers, customers_at_start)


@func
@arg("churned_mrr", doc="MRR lost from customers who left.")
@arg("contraction_mrr", doc="MRR lost from customers who downgraded.")
@arg("start_mrr", doc="MRR at the start of the period.")
@ret(_ExcelResult)
@_excel_function
def revenue_churn(churned_mrr, contraction_mrr, start_mrr):
    """Revenue churn: (churned + contraction MRR) / start MRR = 1 - GRR (a fraction).

    Returns
    -------
    float
    """
    return kpi_core.revenue_churn(churned_mrr, contraction_mrr, start_mrr)


@func
@arg("start_mrr", doc="MRR of the start cohort at the start of the period.")
@arg("expansion_mrr", doc="MRR gained from upgrades of the start cohort.")
@arg("churned_mrr", doc="MRR lost from customers who left.")
@arg("contraction_mrr", doc="MRR lost from downgrades.")
@ret(_ExcelResult)
@_excel_function
def nrr(start_mrr, expansion_mrr, churned_mrr, contraction_mrr):
    """Net revenue retention: (start + expansion - churned - contraction) / start MRR (1.2 = 120 %).

    Returns
    -------
    float
    """
    return kpi_core.nrr(start_mrr, expansion_mrr, churned_mrr, contraction_mrr)


@func
@arg("start_mrr", doc="MRR of the start cohort at the start of the period.")
@arg("churned_mrr", doc="MRR lost from customers who left.")
@arg("contraction_mrr", doc="MRR lost from downgrades.")
@ret(_ExcelResult)
@_excel_function
def grr(start_mrr, churned_mrr, contraction_mrr):
    """Gross revenue retention: (start - churned - contraction) / start MRR (a fraction).

    Returns
    -------
    float
    """
    return kpi_core.grr(start_mrr, churned_mrr, contraction_mrr)


@func
@arg("customers_at_end", doc="Customers at the end of the period.")
@arg("new_customers", doc="Customers active at the end but not at the start.")
@arg("customers_at_start", doc="Customers at the start of the period.")
@ret(_ExcelResult)
@_excel_function
def retention_rate(customers_at_end, new_customers, customers_at_start):
    """Customer retention: (customers at end - new customers) / customers at start (a fraction).

    Returns
    -------
    float
    """
    return kpi_core.retention_rate(customers_at_end, new_customers, customers_at_start)


@func
@arg("new_customers", doc="Customers won during the period.")
@arg("lost_customers", doc="Customers lost during the period.")
@ret(_ExcelResult)
@_excel_function
def net_customer_change(new_customers, lost_customers):
    """Net customer change: new minus lost customers (positive: the base grows).

    Returns
    -------
    float
    """
    return kpi_core.net_customer_change(new_customers, lost_customers)


@func
@arg("new_mrr", doc="MRR from new customers.")
@arg("expansion_mrr", doc="MRR from upgrades.")
@arg("reactivation_mrr", doc="MRR from customers who came back.")
@arg("contraction_mrr", doc="MRR lost from downgrades.")
@arg("churned_mrr", doc="MRR lost from customers who left.")
@ret(_ExcelResult)
@_excel_function
def quick_ratio(new_mrr, expansion_mrr, reactivation_mrr, contraction_mrr, churned_mrr):
    """SaaS quick ratio: (new + expansion + reactivation) / (contraction + churned MRR).

    Returns
    -------
    float
    """
    return kpi_core.quick_ratio(new_mrr, expansion_mrr, reactivation_mrr, contraction_mrr, churned_mrr)


@func
@arg("amounts", ndim=2, err_to_str=True, doc="Range of MRR amounts (non-negative); blanks ignored.")
@ret(_ExcelResult)
@_excel_function
def mrr(amounts):
    """Monthly recurring revenue: the sum of the MRR amounts.

    Returns
    -------
    float
    """
    return kpi_core.mrr(_range(amounts, "amounts"))


@func
@arg("mrr", doc="Monthly recurring revenue.")
@ret(_ExcelResult)
@_excel_function
def arr(mrr):
    """Annual recurring revenue: 12 x MRR.

    Returns
    -------
    float
    """
    return kpi_core.arr(mrr)


@func
@arg("mrr", doc="Monthly recurring revenue.")
@arg("customers", doc="Active (paying) customers.")
@ret(_ExcelResult)
@_excel_function
def arpa(mrr, customers):
    """Average revenue per account: MRR / active customers.

    Returns
    -------
    float
    """
    return kpi_core.arpa(mrr, customers)


@func
@arg("resolved_first_contact", doc="Tickets resolved at the first contact.")
@arg("tickets", doc="All tickets.")
@ret(_ExcelResult)
@_excel_function
def fcr(resolved_first_contact, tickets):
    """First contact resolution: tickets resolved at first contact / tickets (a fraction).

    Returns
    -------
    float
    """
    return kpi_core.fcr(resolved_first_contact, tickets)


@func
@arg("hours", ndim=2, err_to_str=True, doc="Range of first-response times in hours; blanks ignored.")
@ret(_ExcelResult)
@_excel_function
def avg_response_time(hours):
    """Average first-response time in hours.

    Returns
    -------
    float
    """
    return kpi_core.avg_response_time(_range(hours, "hours"))


@func
@arg("revenue", doc="Revenue of the orders.")
@arg("orders", doc="Number of orders.")
@ret(_ExcelResult)
@_excel_function
def average_basket(revenue, orders):
    """Average basket: revenue / orders.

    Returns
    -------
    float
    """
    return kpi_core.average_basket(revenue, orders)


@func
@arg("orders", doc="Number of orders in the period.")
@arg("customers", doc="Customers who ordered in the period.")
@ret(_ExcelResult)
@_excel_function
def purchase_frequency(orders, customers):
    """Purchase frequency: orders per ordering customer in the period (a count).

    Returns
    -------
    float
    """
    return kpi_core.purchase_frequency(orders, customers)


@func
@arg("repeat_customers", doc="Customers with 2 or more orders in the period.")
@arg("customers", doc="Customers with 1 or more orders in the period.")
@ret(_ExcelResult)
@_excel_function
def repurchase_rate(repeat_customers, customers):
    """Repurchase rate: customers with 2+ orders / customers with 1+ order (a fraction).

    Returns
    -------
    float
    """
    return kpi_core.repurchase_rate(repeat_customers, customers)


@func
@arg("average_basket", doc="Average order value.")
@arg("purchases_per_year", doc="Orders per customer per year.")
@arg("years", doc="Expected length of the relationship in years.")
@arg("cac", doc="Acquisition cost per customer, subtracted (default 0).")
@ret(_ExcelResult)
@_excel_function
def clv(average_basket, purchases_per_year, years, cac=0):
    """Customer lifetime value: basket x purchases per year x years (- CAC).

    Returns
    -------
    float
    """
    return kpi_core.clv(average_basket, purchases_per_year, years, cac)


@func
@arg("arpa", doc="Average revenue per account per month.")
@arg("gross_margin", doc="Gross margin as a fraction (0.8 = 80 %).")
@arg("monthly_churn", doc="Monthly logo churn as a fraction.")
@ret(_ExcelResult)
@_excel_function
def saas_ltv(arpa, gross_margin, monthly_churn):
    """SaaS lifetime value: ARPA x gross margin / monthly churn.

    Returns
    -------
    float
    """
    return kpi_core.saas_ltv(arpa, gross_margin, monthly_churn)


@func
@arg("marketing_spend", doc="Marketing spend of the period.")
@arg("sales_spend", doc="Sales spend of the period.")
@arg("new_customers", doc="Customers won in the period.")
@ret(_ExcelResult)
@_excel_function
def cac(marketing_spend, sales_spend, new_customers):
    """Customer acquisition cost: (marketing + sales spend) / new customers.

    Returns
    -------
    float
    """
    return kpi_core.cac(marketing_spend, sales_spend, new_customers)


@func
@arg("conversions", doc="Visitors who converted.")
@arg("visitors", doc="All visitors.")
@ret(_ExcelResult)
@_excel_function
def conversion_rate(conversions, visitors):
    """Conversion rate: conversions / visitors (a fraction).

    Returns
    -------
    float
    """
    return kpi_core.conversion_rate(conversions, visitors)


@func
@arg("carts_abandoned", doc="Carts abandoned.")
@arg("carts_created", doc="Carts created.")
@ret(_ExcelResult)
@_excel_function
def abandonment_rate(carts_abandoned, carts_created):
    """Cart abandonment rate: carts abandoned / carts created (a fraction).

    Returns
    -------
    float
    """
    return kpi_core.abandonment_rate(carts_abandoned, carts_created)


_HISTORY_DOCS = {
    "frequency": "Repeat purchase days of the customer (whole number, 0 or more).",
    "recency": "Time from the first to the last purchase, in the model's unit of time.",
    "T": "Time from the first purchase to the end of the history, in the same unit (at least recency).",
    "r": "BG/NBD r (> 0), fitted by kpi_core.fit_clv or cskpi predict.",
    "alpha": "BG/NBD alpha (> 0), in the model's unit of time.",
    "a": "BG/NBD a (> 0).",
    "b": "BG/NBD b (> 0).",
}


@func
@arg("frequency", doc=_HISTORY_DOCS["frequency"])
@arg("recency", doc=_HISTORY_DOCS["recency"])
@arg("T", doc=_HISTORY_DOCS["T"])
@arg("r", doc=_HISTORY_DOCS["r"])
@arg("alpha", doc=_HISTORY_DOCS["alpha"])
@arg("a", doc=_HISTORY_DOCS["a"])
@arg("b", doc=_HISTORY_DOCS["b"])
@ret(_ExcelResult)
@_excel_function
def p_alive(frequency, recency, T, r, alpha, a, b):
    """Probability that a customer is still active (BG/NBD), 0..1.

    Returns
    -------
    float
    """
    return kpi_core.p_alive(frequency, recency, T, r, alpha, a, b)


@func
@arg("t", doc="Length of the future period, in the model's unit of time.")
@arg("frequency", doc=_HISTORY_DOCS["frequency"])
@arg("recency", doc=_HISTORY_DOCS["recency"])
@arg("T", doc=_HISTORY_DOCS["T"])
@arg("r", doc=_HISTORY_DOCS["r"])
@arg("alpha", doc=_HISTORY_DOCS["alpha"])
@arg("a", doc=_HISTORY_DOCS["a"])
@arg("b", doc=_HISTORY_DOCS["b"])
@ret(_ExcelResult)
@_excel_function
def expected_purchases(t, frequency, recency, T, r, alpha, a, b):
    """Expected repeat purchases of a customer in the next t periods (BG/NBD).

    Returns
    -------
    float
        Needs scipy (installed with ``pip install "cskpi[predict]"``).
    """
    return kpi_core.expected_purchases(t, frequency, recency, T, r, alpha, a, b)


@func
@arg("values", ndim=2, err_to_str=True,
     doc="Raw component values; blanks are left out. Six values = adoption, frequency, depth, "
         "sentiment, support, goals with the default floors and targets.")
@arg("weights", ndim=2, err_to_str=True, doc="Weight of each value (default: equal).")
@arg("floors", ndim=2, err_to_str=True, doc="Value scored 0 for each component (required unless 6 values).")
@arg("targets", ndim=2, err_to_str=True, doc="Value scored 100 for each component (required unless 6 values).")
@ret(_ExcelResult)
@_excel_function
def health_score(values, weights=None, floors=None, targets=None):
    """Customer health score 0..100: weighted mean of components scaled from floor (0) to target (100).

    Returns
    -------
    float
    """
    return kpi_core.health_score(
        _range(values, "values"),
        _optional_range(weights, "weights"),
        _optional_range(floors, "floors"),
        _optional_range(targets, "targets"),
    )


@func
@arg("score", doc="Health score 0..100.")
@arg("red_below", doc="Scores below this are Red (default 40).")
@arg("green_from", doc="Scores from this are Green (default 70).")
@ret(_ExcelResult)
@_excel_function
def health_status(score, red_below=40, green_from=70):
    """Health status of a score: "Red", "Amber" or "Green".

    Returns
    -------
    str
    """
    return kpi_core.health_status(score, red_below, green_from)


@func
@arg("customer_ids", ndim=2, err_to_str=True, doc="Customer of each row (Subscriptions table).")
@arg("months", ndim=2, err_to_str=True, doc="Month of each row: a date on the month's first day, or YYYY-MM.")
@arg("mrr", ndim=2, err_to_str=True, doc="MRR of each row (non-negative).")
@ret(_ExcelResult, date_format=_MONTH_TABLE_FORMAT)
@_excel_function
def mrr_movements(customer_ids, months, mrr):
    """Monthly MRR movements table: month, start_mrr, new, expansion, contraction, churn, reactivation, end_mrr.

    Returns
    -------
    list of list
        A header row, then one row per month; start + new + expansion +
        reactivation - contraction - churn = end.
    """
    return _table(kpi_core.mrr_movements(*_rows(customer_ids, months, mrr)), index=False)


@func
@arg("customer_ids", ndim=2, err_to_str=True, doc="Customer of each row (Subscriptions table).")
@arg("months", ndim=2, err_to_str=True, doc="Month of each row: a date on the month's first day, or YYYY-MM.")
@arg("mrr", ndim=2, err_to_str=True, doc="MRR of each row (non-negative).")
@arg("basis", doc='"logo" (default: share of customers) or "revenue" (share of the cohort\'s MRR).')
@ret(_ExcelResult, date_format=_MONTH_TABLE_FORMAT)
@_excel_function
def cohort_retention(customer_ids, months, mrr, basis="logo"):
    """Cohort retention table: signup-month cohorts x months since start (blank: not yet observed).

    Returns
    -------
    list of list
        Header ``["cohort", "size", 0, 1, 2, ...]``, then one row per cohort.
    """
    ids, month_values, amounts = _rows(customer_ids, months, mrr)
    table = kpi_core.cohort_retention(ids, month_values, amounts, _option(basis))
    return _table(table, index=True, index_label="cohort")


@func
@arg("scores", ndim=2, err_to_str=True,
     doc="Health score of each customer (any numbers); a blank score or outcome leaves its pair out.")
@arg("outcomes", ndim=2, err_to_str=True,
     doc="1 or TRUE = churned, 0 or FALSE = stayed, one per score (same size as scores).")
@ret(_ExcelResult)
@_excel_function
def auc(scores, outcomes):
    """ROC AUC of a score for staying: probability that a customer who stayed scores above one who churned.

    Returns
    -------
    float
        0..1; ties count one half, 0.5 is no better than chance (DESIGN.md §13).
    """
    return kpi_core.auc(_range(scores, "scores"), _range(outcomes, "outcomes"))
