"""How a value becomes a cell: one set of rules for every writer.

Every sink of cell values takes its rules from here: the worksheet XML of the
package writer (:mod:`workbook_templates.writing.xmlsheet`, for builds and the
headless Refresh), openpyxl cells (:mod:`workbook_templates.writing.cells`), the
live xlwings book (:mod:`addin.live`, through :func:`python_value` and
:func:`rows` with :func:`live_text`) and the tables Excel functions return
(:mod:`addin.udfs`, through :func:`rows`). So a file build, a ribbon refresh
and a spilled function result cannot disagree on what a cell holds:

- **missing** (``None``, NaN, ``pandas.NA``, ``NaT``) and the empty string
  leave the cell blank;
- **numbers** (Python, NumPy, ``Decimal``) are numbers, **booleans** booleans;
  infinities are refused (a spreadsheet cell cannot hold them);
- **dates and times** (``datetime``, ``date``, ``time``, ``Timestamp``,
  ``datetime64``) are Excel dates; time-zone-aware values are refused;
- **text** is always text. Which text is *risky* and how it is kept text is
  decided here: text starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return (:data:`FORMULA_TRIGGERS`) gets Excel's quote prefix in a
  file (:func:`needs_quote_prefix`); in a file every text is typed as a
  string, so ``"00123"`` or ``"TRUE"`` need nothing more, while a live book
  parses what it is given, so there anything Excel would read as a number,
  date, boolean or error is quote-prefixed too (:func:`live_text`). Text is
  stored in OOXML's escaped form (:func:`xstring`: ``_x0041_`` stays
  literal, control characters become ``_xHHHH_``).

:func:`column` converts a whole DataFrame column at once (vectorised: text
is decided once per distinct value), and :func:`number_format` gives the
number format of a style key (the formats themselves live in
:mod:`workbook_templates.spec.styles`).
"""

from __future__ import annotations

import datetime as _dt
import math
import operator
import re
from itertools import repeat
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from ..spec.styles import number_format as _number_format

__all__ = [
    "FORMULA_TRIGGERS", "ERROR_TEXTS", "MAX_TEXT", "fit_text", "cell_value", "xstring", "needs_quote_prefix",
    "is_plain_text", "live_text", "excel_serial", "date_serial", "default_style", "column_style", "number_format",
    "Column", "column", "python_value", "rows", "matching",
]

#: First characters that make Excel or LibreOffice parse typed-in text as a formula
#: (OWASP "CSV injection" list).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: The most characters a cell holds (Excel's limit); longer text is cut (:func:`fit_text`).
MAX_TEXT = 32_767
#: Excel's error values: as data they are text.
ERROR_TEXTS = frozenset({"#N/A", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA"})

_XSTRING_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]+_)")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f]")
#: what keeps text from being stored as it is, besides its first character and error codes
_NOT_PLAIN = re.compile(r"_x|" + _CONTROL_CHARS.pattern)
# Text Excel would read as something else when typed in: numbers, percentages, dates,
# times, booleans, error codes.
_PARSED = re.compile(
    r"^\s*(?:[-+]?[\d.,\s]*\d[\d.,\s]*%?(?:[eE][-+]?\d+)?|\d{1,4}[-/.]\d{1,2}(?:[-/.]\d{1,4})?(?:\s.*)?"
    r"|\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]m)?|true|false|vrai|faux|#[A-Z/0!?]+[!?A]?)\s*$", re.IGNORECASE)
_EPOCH = np.datetime64("1899-12-30", "D")  # Excel's (Windows) day 0


def cell_value(value: Any) -> Any:
    """A value as a cell holds it: ``None`` (blank), ``bool``, ``int``, ``float``, ``Decimal``,
    ``str`` (at most :data:`MAX_TEXT` characters, see :func:`fit_text`), or a naive
    ``datetime`` / ``date`` / ``time``.

    Raises
    ------
    ValueError
        For infinities, time-zone-aware values and types a cell cannot hold.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> [cell_value(v) for v in (np.int64(3), np.float64("nan"), pd.NaT, "", "x")]
    [3, None, None, None, 'x']
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return fit_text(value) or None
    if isinstance(value, _dt.datetime) and hasattr(value, "to_pydatetime"):
        if value != value:  # NaT
            return None
        value = value.to_pydatetime()
    if isinstance(value, (_dt.datetime, _dt.time)):
        if value.tzinfo is not None:
            raise ValueError(
                f"time-zone-aware value {value!r}: Excel has no time zones; convert it "
                "to naive local time first")
        return value
    if isinstance(value, _dt.date):
        return value
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    dtype = getattr(value, "dtype", None)
    if dtype is not None and hasattr(value, "item"):  # NumPy scalar
        if dtype.kind == "M":  # datetime64: item() may give an int for ns precision
            return cell_value(pd.Timestamp(value))
        return cell_value(value.item())
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, (Real, Decimal)):
        number = float(value)
        if math.isnan(number):
            return None
        if math.isinf(number):
            raise ValueError(f"{value!r} cannot be stored in a spreadsheet cell")
        return value if isinstance(value, Decimal) else number
    raise ValueError(f"cannot store a {type(value).__name__} in a cell: {value!r}")


def fit_text(text: str) -> str:
    """`text` cut to Excel's limit of :data:`MAX_TEXT` characters in a cell (UTF-16 code units, as
    Excel counts them; a character is never cut in half). Excel, openpyxl and XlsxWriter truncate too.

    Examples
    --------
    >>> len(fit_text("x" * 40_000)), len(fit_text("🎉" * 20_000)), fit_text("short")
    (32767, 16383, 'short')
    """
    if len(text) <= MAX_TEXT // 2:  # cannot pass the limit even in UTF-16 surrogate pairs
        return text
    units = text.encode("utf-16-le")
    if len(units) <= 2 * MAX_TEXT:
        return text
    return units[:2 * MAX_TEXT].decode("utf-16-le", errors="ignore")


def xstring(text: str) -> str:
    """``text`` escaped for an OOXML string (ST_Xstring), so Excel shows it unchanged.

    Excel decodes ``_xHHHH_`` in cell text as the character U+HHHH, so a literal
    ``_x0041_`` is stored as ``_x005F_x0041_`` (``_x005F_`` is ``_``), and control
    characters, which XML cannot carry, as ``_xHHHH_`` (as Excel and XlsxWriter do).

    Examples
    --------
    >>> xstring("a_x0041_b"), xstring("bell\\x07")
    ('a_x005F_x0041_b', 'bell_x0007_')
    """
    if "_x" in text:
        text = _XSTRING_ESCAPE.sub(r"_x005F_\1", text)
    if _CONTROL_CHARS.search(text):
        text = _CONTROL_CHARS.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return text


def needs_quote_prefix(text: str) -> bool:
    """Whether data text gets Excel's quote prefix in a file (it starts like a formula).

    Examples
    --------
    >>> needs_quote_prefix("=1+1"), needs_quote_prefix("00123")
    (True, False)
    """
    return text.startswith(FORMULA_TRIGGERS)


def is_plain_text(text: str) -> bool:
    """Text a file writer may store as it is: no quote prefix, no escape, not an error code."""
    return not (needs_quote_prefix(text) or text in ERROR_TEXTS or _NOT_PLAIN.search(text) is not None)


def live_text(text: str) -> str:
    """Data text as written into a live book (xlwings): quote-prefixed when Excel would parse it.

    Examples
    --------
    >>> live_text("Acme"), live_text("=1+1"), live_text("0012"), live_text("TRUE")
    ('Acme', "'=1+1", "'0012", "'TRUE")
    """
    if text.startswith(FORMULA_TRIGGERS) or text.startswith("'") or _PARSED.match(text):
        return "'" + text
    return text


def default_style(value: Any) -> str | None:
    """The style a single cell gets when the layout gives none: date/time values show as dates."""
    return "datetime" if isinstance(value, (_dt.date, _dt.time)) else None


def column_style(series: pd.Series, style: str | None = None) -> str | None:
    """The style of a block column: the layout's, else ``"date"`` for a date column."""
    return style or ("date" if series.dtype.kind == "M" else None)


def number_format(style: str | None, lang: str = "en", currency: str = "") -> str | None:
    """The Excel number format of a style key, with `currency` on money (formats live in
    :mod:`workbook_templates.spec.styles`).

    Examples
    --------
    >>> number_format("pct"), number_format(None)
    ('0.0%', None)
    """
    return _number_format(style, lang, currency)


def excel_serial(values: np.ndarray) -> np.ndarray:
    """datetime64 values as Excel serial day numbers (float64), exactly as openpyxl computes them.

    Whole days plus the time of day in seconds (microsecond resolution) / 86 400;
    days 1..60 (before 1900-03-01) are shifted for Excel's 1900 leap-year bug.

    Examples
    --------
    >>> excel_serial(np.array(["2026-01-01T18:30"], dtype="datetime64[s]")).tolist()
    [46023.770833333336]
    """
    us = values.astype("datetime64[us]")
    day = us.astype("datetime64[D]")
    days = (day - _EPOCH).astype(np.int64)
    days = np.where((days > 0) & (days <= 60), days - 1, days)
    micro = (us - day).astype(np.int64)
    seconds = (micro // 1_000_000).astype(np.float64) + (micro % 1_000_000) / 1e6
    return days + seconds / 86400


@lru_cache(maxsize=4096)  # the same months and days come back in every sheet
def date_serial(value) -> float:
    """A ``date``, naive ``datetime`` or ``time`` as an Excel serial number (as :func:`excel_serial`).

    Examples
    --------
    >>> date_serial(_dt.date(2026, 1, 1)), date_serial(_dt.time(12))
    (46023.0, 0.5)
    """
    if isinstance(value, _dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    if not isinstance(value, _dt.datetime):
        value = _dt.datetime(value.year, value.month, value.day)
    return float(excel_serial(np.array([value], dtype="datetime64[us]"))[0])


@dataclass
class Column:
    """One DataFrame column converted for writing, once for every writer.

    ``kind`` is ``"number"`` (``values`` float64 or int64), ``"bool"``,
    ``"date"`` (``values`` datetime64), ``"text"`` (``codes`` into
    ``uniques``, -1 for blank; ``quoted`` / ``plain`` flag each distinct
    text) or ``"mixed"`` (``values`` an object array of :func:`cell_value`
    results). ``blank`` marks the empty cells, ``style`` is the column's
    style key (a date column without one gets ``"date"``).
    """

    kind: str
    style: str | None
    blank: np.ndarray
    values: np.ndarray | None = None
    codes: np.ndarray | None = None
    uniques: list | None = None
    quoted: np.ndarray | None = None
    plain: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.blank)

    def python(self) -> list:
        """The cells as Python values (:func:`cell_value` results; text unescaped), in row order."""
        if self.kind == "text":
            table = np.array(self.uniques + [None], dtype=object)
            return table[self.codes].tolist()
        if self.kind == "date":
            out = np.array(pd.DatetimeIndex(self.values).to_pydatetime(), dtype=object)
        elif self.kind == "mixed":
            return self.values.tolist()
        else:
            out = np.asarray(self.values.tolist(), dtype=object)
        out[self.blank] = None
        return out.tolist()


def matching(texts: list, pattern: re.Pattern) -> np.ndarray:
    """Which of `texts` hold a match of `pattern`, found in one scan of them all (no call per text).

    The texts are scanned joined by line breaks, so `pattern` must not match a line
    break nor span two texts (a character class or a literal without ``\\n``).

    Parameters
    ----------
    texts : list of str
    pattern : re.Pattern

    Returns
    -------
    numpy.ndarray
        bool, one per text.

    Examples
    --------
    >>> matching(["a_x", "b", "c_", "x<"], re.compile(r"_x|<")).tolist()
    [True, False, False, True]
    """
    hit = np.zeros(len(texts), dtype=bool)
    found = [m.start() for m in pattern.finditer("\n".join(texts))]
    if found:
        sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1
        starts = np.cumsum(sizes) - sizes
        hit[np.searchsorted(starts, found, side="right") - 1] = True
    return hit


def _text_flags(texts: list) -> tuple[np.ndarray, np.ndarray]:
    """:func:`needs_quote_prefix` and :func:`is_plain_text` of every text, at once (no call per text)."""
    n = len(texts)
    quoted = np.fromiter(map(str.startswith, texts, repeat(FORMULA_TRIGGERS)), dtype=bool, count=n)
    errors = np.fromiter(map(operator.contains, repeat(ERROR_TEXTS), texts), dtype=bool, count=n)
    return quoted, ~(quoted | errors | matching(texts, _NOT_PLAIN))


def _text_column(values, style: str | None) -> Column:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = list(map(str, np.asarray(uniques, dtype=object)))
    n = len(texts)
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    for i in np.flatnonzero(sizes > MAX_TEXT // 2):  # only these can pass Excel's limit
        texts[i] = fit_text(texts[i])
        sizes[i] = len(texts[i])
    codes = np.where(np.append(sizes == 0, True)[codes], -1, codes)
    quoted, plain = _text_flags(texts)
    return Column("text", style, codes < 0, codes=codes, uniques=texts, quoted=quoted, plain=plain)


def column(series: pd.Series, style: str | None = None) -> Column:
    """Convert a DataFrame column for writing (vectorised; text decided per distinct value).

    Raises
    ------
    ValueError
        For infinities and time-zone-aware values (as :func:`cell_value`).

    Examples
    --------
    >>> import pandas as pd
    >>> col = column(pd.Series(["=1+1", "a", None, "a"]))
    >>> col.kind, col.python(), col.quoted.tolist()
    ('text', ['=1+1', 'a', None, 'a'], [True, False])
    >>> column(pd.Series([1.5, float("nan")])).python()
    [1.5, None]
    """
    kind = series.dtype.kind
    if kind == "M":
        if getattr(series.dt, "tz", None) is not None:
            raise ValueError(f"column {series.name!r} is time-zone-aware: Excel has no time zones; "
                             "convert it to naive local time first")
        values = series.to_numpy()
        return Column("date", column_style(series, style), np.isnat(values), values=values)
    if kind in "iuf":
        values = series.to_numpy()
        if kind == "f":
            if np.isinf(values).any():
                bad = values[np.isinf(values)][0]
                raise ValueError(f"{bad!r} cannot be stored in a spreadsheet cell")
            return Column("number", style, np.isnan(values), values=values)
        return Column("number", style, np.zeros(len(values), dtype=bool), values=values)
    if kind == "b":
        values = series.to_numpy()
        return Column("bool", style, np.zeros(len(values), dtype=bool), values=values)
    if isinstance(series.dtype, pd.StringDtype):
        return _text_column(series.array, style)
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        return _text_column(series.to_numpy(dtype=object), style)
    values = np.array([cell_value(v) for v in series.tolist()] + [None], dtype=object)[:-1]
    blank = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
    return Column("mixed", style, blank, values=values)


def python_value(value: Any, text=None) -> Any:
    """A value as the plain Python object an xlwings range or a function result takes.

    :func:`cell_value`, with ``Decimal`` as ``float``; text goes through `text` when
    given (:func:`live_text` for a live book, where Excel parses what it is given).

    Examples
    --------
    >>> import numpy as np
    >>> python_value(np.int64(2)), python_value("0012", live_text), python_value(float("nan"))
    (2, "'0012", None)
    """
    value = cell_value(value)
    if isinstance(value, str):
        return text(value) if text is not None else value
    if isinstance(value, Decimal):
        return float(value)
    return value


def _python_column(col: Column, text) -> list:
    """A converted column as Python values, text through `text` (once per distinct text)."""
    if col.kind == "text":
        table = np.array([text(t) if text is not None else t for t in col.uniques] + [None], dtype=object)
        return table[col.codes].tolist()
    if col.kind == "mixed":
        return [python_value(v, text) for v in col.values.tolist()]
    return col.python()


def rows(frame: pd.DataFrame, *, header: bool = True, headers=None, index: bool = False, index_label=None,
         text=None) -> list[list]:
    """A DataFrame as a 2-D list of cell values (what a range or a spilled table receives).

    Columns are converted with :func:`column` (vectorised; text decided once per
    distinct value); header texts and the index as :func:`python_value`.

    Parameters
    ----------
    frame : DataFrame
    header : bool
        Put a header row first: `headers` or the column labels.
    headers : list, optional
        Header texts in place of the column names.
    index, index_label
        Put the index (as its first column), headed `index_label`.
    text : callable, optional
        What text becomes (:func:`live_text` for a live book); by default it is unchanged.

    Raises
    ------
    ValueError
        For infinities and time-zone-aware values (as :func:`cell_value`).

    Examples
    --------
    >>> import pandas as pd
    >>> rows(pd.DataFrame({"a": [1.5, None], "b": ["=x", "y"]}), text=live_text)
    [['a', 'b'], [1.5, "'=x"], [None, 'y']]
    """
    columns = [_python_column(column(series), text) for _, series in frame.items()]
    if index:
        columns.insert(0, _python_column(column(pd.Series(frame.index, dtype=frame.index.dtype)), text))
    out = [list(r) for r in zip(*columns)] if len(frame) else []
    if header:
        names = list(headers) if headers is not None else list(frame.columns)
        out.insert(0, [python_value(h, text) for h in ([index_label] if index else []) + names])
    return out
