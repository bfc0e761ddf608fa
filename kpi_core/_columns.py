"""Vectorised validation of table columns and range arguments of many rows.

Each checker takes a pandas Series and a *locator*: a callable
``locate(column, position) -> str`` that names a 0-based row position the way
the user sees it ("customers.csv, column mrr, row 14", "Data!C14",
"mrr: position 14"). The first offending row is reported; nothing is coerced
silently.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from ._checks import describe
from .errors import KpiInputError

Locate = Callable[[str, int], str]

_UTC_OFFSET = r"^(.*[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d*)?)?)\s*(?:Z|[+-]\d{2}:?\d{2})$"
_HAS_UTC_OFFSET = r"[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d*)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$"
#: the years a date may fall in: Excel's dates start in 1900, and pandas' nanosecond dates (which month
#: and day arithmetic uses) end in 2262; a far date is a typo or a "no end" placeholder (leave those blank)
DATE_YEARS = (1900, 2199)

#: yes/no answers in words (English and French, lower case)
YES_WORDS = frozenset({"true", "yes", "oui", "vrai", "y", "o"})
NO_WORDS = frozenset({"false", "no", "non", "faux", "n"})
#: a boolean column also accepts 1/0
TRUE_WORDS = YES_WORDS | {"1"}
FALSE_WORDS = NO_WORDS | {"0"}


def argument_locator(column: str, position: int) -> str:
    """Locator for function arguments: ``"mrr: position 3"`` (1-based)."""
    return f"{column}: position {position + 1}"


def _fail(locate: Locate, column: str, pos: int, message: str, kind: str = "value",
          bad: np.ndarray | None = None) -> None:
    more = int(bad.sum()) - 1 if bad is not None else 0
    suffix = f" ({more} more row{'s' if more > 1 else ''} like this)" if more > 0 else ""
    where = locate(column, pos)
    raise KpiInputError(f"{where}: {message}{suffix}", kind, location=where)


def fail_row(locate: Locate, column: str, pos: int, message: str, kind: str = "value",
             bad: np.ndarray | None = None) -> None:
    """Raise the error for row `pos` of `column` ("<where>: <message> (N more rows like this)").

    `bad` flags every row with the same problem, counted in the message.
    """
    _fail(locate, column, pos, message, kind, bad)


def blanks(s: pd.Series) -> np.ndarray:
    """True where a cell is blank (NA/NaN/None, or text that is empty or only spaces)."""
    return _blanks(s)


def is_blank(v) -> bool:
    """Whether one cell value is blank: None, NA, NaT, NaN, or text that is empty or only spaces."""
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v) or (
        isinstance(v, str) and not v.strip())


def _blanks(s: pd.Series) -> np.ndarray:
    """True where a cell is blank: NA/NaN/None, or text that is empty or only spaces.

    Text columns are checked on their distinct values only (identifier
    columns repeat a few values over many rows).
    """
    if s.dtype.kind in "biufmM":
        return s.isna().to_numpy()
    if isinstance(s.dtype, pd.StringDtype):
        return (s.isna() | (s.str.strip() == "")).to_numpy(dtype=bool, na_value=True)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return _blank_codes(codes, uniques)


def _blank_codes(codes: np.ndarray, uniques) -> np.ndarray:
    values = np.asarray(uniques, dtype=object)
    blank_unique = np.fromiter((is_blank(v) for v in values), dtype=bool, count=len(values))
    return (codes < 0) | np.r_[blank_unique, False][codes]


#: Python's ``str.isspace`` characters (what ``str.strip()`` removes), as a regex class
_SPACE_ONLY = "^[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"


def _factorize_arrow(s: pd.Series) -> tuple[np.ndarray, pd.Index, np.ndarray]:
    """Codes, distinct values and blank rows of an Arrow-backed text column, all in Arrow.

    A missing value has code -1; a value that is empty or only white space (as
    ``str.strip()`` sees it) is blank, checked once per distinct value.
    """
    import pyarrow as pa  # an Arrow-backed column means pyarrow is installed
    import pyarrow.compute as pc

    array = pa.array(s.array)  # through the column's __arrow_array__: no copy
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    encoded = pc.dictionary_encode(array)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.intp, copy=False)
    uniques = encoded.dictionary
    blank_unique = pc.match_substring_regex(uniques, _SPACE_ONLY).to_numpy(zero_copy_only=False)
    blank = (codes < 0) | np.r_[blank_unique, False][codes]
    return codes, pd.Index(pd.array(uniques, dtype=s.dtype)), blank


def factorize_ids(s: pd.Series, column: str, locate: Locate) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and distinct values of a required identifier column (blanks are errors)."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        codes, uniques, blank = _factorize_arrow(s)
        require_filled(s, column, locate, blank)
        return codes, uniques
    # pandas hashes a plain object array faster than its python-backed string dtype
    values = s.to_numpy(dtype=object) if isinstance(s.dtype, pd.StringDtype) else s
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if s.dtype.kind not in "iu":
        require_filled(s, column, locate, _blank_codes(codes, uniques))
    return codes, pd.Index(uniques)


class _Retry(Exception):
    """Raised by the fast path's locator: the column has a problem, redo it row by row for the exact message."""


def _raise_retry(column: str, pos: int) -> str:
    raise _Retry


#: kinds of object columns whose distinct values stand for their rows (no bool, which hashes like 1 and 0)
_SAFE = frozenset({"string", "empty", "floating", "integer", "mixed-integer-float", "datetime", "datetime64", "date"})


def on_distinct(check):
    """Run a column check on the column's distinct values and broadcast the result to every row.

    Dataset columns repeat few values over many rows (months, dates, scores,
    prices): checking each distinct value once is the same check, far faster.
    When the check finds a problem, it runs again on the whole column so the
    message names the first bad row and counts the rows like it exactly as
    before.
    """
    def wrapper(s: pd.Series, column: str, locate: Locate, **kwargs):
        if s.dtype.kind in "biufmM" or len(s) < 256 or (
                not isinstance(s.dtype, pd.StringDtype) and pd.api.types.infer_dtype(s, skipna=True) not in _SAFE):
            return check(s, column, locate, **kwargs)
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        if len(uniques) * 4 > len(s):
            return check(s, column, locate, **kwargs)
        values = np.asarray(uniques, dtype=object)
        missing = codes < 0
        if missing.any():
            values = np.append(values, None)
            codes = np.where(missing, len(values) - 1, codes)
        distinct = pd.Series(values, dtype=s.dtype if isinstance(s.dtype, pd.StringDtype) else object)
        try:
            checked = check(distinct, column, _raise_retry, **kwargs)
        except _Retry:
            return check(s, column, locate, **kwargs)
        return pd.Series(checked.to_numpy()[codes], index=s.index, name=s.name)

    wrapper.__doc__, wrapper.__name__, wrapper.__wrapped__ = check.__doc__, check.__name__, check
    return wrapper


def require_filled(s: pd.Series, column: str, locate: Locate, blank: np.ndarray | None = None) -> None:
    """Raise for the first blank cell of a required column."""
    blank = _blanks(s) if blank is None else blank
    if blank.any():
        _fail(locate, column, int(np.argmax(blank)), "is blank; a value is required", bad=blank)


def numbers(
    s: pd.Series,
    column: str,
    locate: Locate,
    *,
    required: bool = True,
    minimum: float | None = 0.0,
    maximum: float | None = None,
    integer: bool = False,
) -> pd.Series:
    """Column as float64 (blank -> NaN when not required); text is an error."""
    if s.dtype.kind in "iuf":
        out = s.astype(np.float64)
        blank = out.isna().to_numpy()
    elif s.dtype.kind == "b":
        _fail(locate, column, 0, f"holds the boolean {describe(s.iloc[0])}; a number is expected")
    else:
        blank = _blanks(s)
        raw = s.where(~blank)
        is_bool = (np.zeros(len(s), dtype=bool) if isinstance(s.dtype, pd.StringDtype)
                   else raw.map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy(dtype=bool))
        if is_bool.any():
            i = int(np.argmax(is_bool))
            _fail(locate, column, i, f"holds the boolean {describe(raw.iloc[i])}; a number is expected")
        out = pd.to_numeric(raw, errors="coerce").astype(np.float64)
        bad = out.isna().to_numpy() & ~blank
        if bad.any():
            i = int(np.argmax(bad))
            _fail(locate, column, i, f"holds {describe(s.iloc[i])}, which is not a number", bad=bad)
    if required:
        require_filled(out, column, locate, blank)
    values = out.to_numpy()
    with np.errstate(invalid="ignore"):
        checks = [
            (~np.isfinite(values) & ~blank, "is not a finite number", "num"),
        ]
        if minimum is not None:
            checks.append((values < minimum, f"is below the minimum {minimum:g}", "num"))
        if maximum is not None:
            checks.append((values > maximum, f"is above the maximum {maximum:g}", "num"))
        if integer:
            checks.append(((values != np.round(values)) & ~blank, "is not a whole number", "num"))
    for bad, why, kind in checks:
        if bad.any():
            i = int(np.argmax(bad))
            _fail(locate, column, i, f"{describe(values[i])} {why}", kind, bad=bad)
    return out


def dates(s: pd.Series, column: str, locate: Locate, *, month: bool = False, required: bool = True) -> pd.Series:
    """Column as datetime64; with ``month=True`` every value must be a month's first day.

    Accepts datetimes and ISO 8601 text (``2026-03-14``, ``2026-03-14 10:22``,
    and ``2026-03`` for months). Anything else names the row.
    """
    if s.dtype.kind == "M":
        out = s
        blank = out.isna().to_numpy()
    else:
        blank = _blanks(s)
        raw = s.where(~blank)
        if isinstance(s.dtype, pd.StringDtype):  # text only (CSV): no number, no datetime object
            as_text = raw
        else:
            is_num = raw.map(lambda v: isinstance(v, (int, float, np.number)) and not pd.isna(v)).to_numpy(dtype=bool)
            if is_num.any():
                i = int(np.argmax(is_num))
                _fail(locate, column, i, f"holds the number {describe(raw.iloc[i])}, not a date (use YYYY-MM-DD)")
            as_text = raw.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v).astype(str)
        # keep the local (wall-clock) time of timestamps carrying a UTC offset: exports
        # that span a daylight-saving change mix +01:00 and +02:00
        offset = as_text.astype(str).str.contains(_HAS_UTC_OFFSET, regex=True).to_numpy(dtype=bool) & ~blank
        if offset.any():
            as_text = as_text.astype(object)
            as_text[offset] = as_text[offset].astype(str).str.replace(_UTC_OFFSET, r"\1", regex=True)
        as_text = as_text.astype(object).where(~blank, None)
        out = pd.to_datetime(as_text, format="ISO8601", errors="coerce")
        bad = out.isna().to_numpy() & ~blank
        if bad.any():
            i = int(np.argmax(bad))
            hint = ("; day-first dates such as 14/03/2026 are read only in semicolon-separated files, the "
                    "French Excel dialect" if isinstance(s.iloc[i], str) and "/" in s.iloc[i] else "")
            _fail(locate, column, i, f"holds {describe(s.iloc[i])}, which is not a date (use YYYY-MM-DD{hint})",
                  bad=bad)
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    values = out.to_numpy()
    far = (values < np.datetime64(f"{DATE_YEARS[0]}-01-01")) | (values >= np.datetime64(f"{DATE_YEARS[1] + 1}-01-01"))
    if far.any():
        i = int(np.argmax(far))
        _fail(locate, column, i, f"holds {describe(s.iloc[i])}, outside the years {DATE_YEARS[0]} to {DATE_YEARS[1]} "
              "(leave a date blank when there is none)", bad=far)
    if required:
        require_filled(out, column, locate, blank)
    if month:
        off = (~blank) & (values.astype("datetime64[M]").astype(values.dtype) != values)
        if off.any():
            i = int(np.argmax(off))
            _fail(
                locate, column, i,
                f"holds {out.iloc[i]:%Y-%m-%d %H:%M}, not a month: use the month's first day (YYYY-MM-01) or YYYY-MM",
                bad=off,
            )
    return out


def ids(s: pd.Series, column: str, locate: Locate) -> pd.Series:
    """Identifier column as text (whole numbers lose any '.0'); blanks are errors."""
    blank = _blanks(s)
    require_filled(s, column, locate, blank)
    if s.dtype.kind in "iu":
        return s.astype(str)
    if isinstance(s.dtype, pd.StringDtype):
        return s.str.strip().astype(object)
    if s.dtype.kind == "f":
        frac = (s != np.round(s)).to_numpy()
        if frac.any():
            i = int(np.argmax(frac))
            _fail(locate, column, i, f"identifier {describe(s.iloc[i])} is not a whole number or text")
        return s.astype(np.int64).astype(str)

    codes, uniques = pd.factorize(s)

    def as_id(v):
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v).strip()

    clean = np.array([as_id(v) for v in uniques], dtype=object)
    return pd.Series(clean[codes], index=s.index, name=s.name)


def booleans(s: pd.Series, column: str, locate: Locate) -> pd.Series:
    """Column of TRUE/FALSE answers (bool, 1/0, true/false, yes/no, oui/non) as bool."""
    if s.dtype.kind == "b":
        return s
    blank = _blanks(s)
    require_filled(s, column, locate, blank)
    if isinstance(s.dtype, pd.StringDtype):
        text = s.str.strip().str.lower()
    else:
        text = s.map(lambda v: str(int(v)) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                     and float(v).is_integer() else str(v)).str.strip().str.lower()
    is_true = text.isin(TRUE_WORDS).to_numpy()
    is_false = text.isin(FALSE_WORDS).to_numpy()
    bad = ~(is_true | is_false)
    if bad.any():
        i = int(np.argmax(bad))
        _fail(locate, column, i, f"holds {describe(s.iloc[i])}; expected TRUE/FALSE (or yes/no, oui/non, 1/0)", bad=bad)
    return pd.Series(is_true, index=s.index, name=s.name)


def unique(frame: pd.DataFrame, columns: list[str], locate: Locate) -> None:
    """Raise for the first row whose key (one or more columns) repeats an earlier row."""
    dup = frame.duplicated(subset=columns, keep="first").to_numpy()
    if dup.any():
        i = int(np.argmax(dup))
        key = ", ".join(f"{c}={frame[c].iloc[i]}" for c in columns)
        first = int(np.argmax((frame[columns] == frame[columns].iloc[i]).all(axis=1).to_numpy()))
        _fail(locate, columns[-1], i, f"duplicate key ({key}); first seen at {locate(columns[-1], first)}", bad=dup)
