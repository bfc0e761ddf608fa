"""Dates, months and numbers as exports write them (DESIGN.md §12), turned into what §3 reads.

- Dates: a mapping says how its numeric dates read: ``"iso"`` (2026-03-05,
  the default), ``"day-first"`` (05/03/2026, 05.03.2026, 05-03-2026: 5 March),
  ``"month-first"`` (03/05/2026: 5 March) or a strftime format
  (``"%d %b %Y %H:%M"``). Dates that spell their month out are unambiguous
  and read under every setting, in English and in French, in full or
  abbreviated (``5 mars 2026``, ``1er févr. 2026``, ``March 5, 2026``,
  ``Thu, 5 Mar 2026 10:30``); so do ISO dates (2026-03-05, as Excel on the web
  sends date cells). Years have four digits. Cells that are already dates (an
  .xlsx date cell) are kept.
- Months (a month column, or a header of a customers × months sheet):
  ``2026-03``, ``03/2026``, ``mars 2026``, ``janv. 2026``, ``Jan 2026``,
  ``March-2026``, an ISO date or a date cell (its month).
- Numbers: a decimal point or a decimal comma, digits optionally grouped by
  threes with spaces (also no-break spaces), an apostrophe or the other
  separator (``1 234,50``, ``1.234,50``, ``1,234.50``).

Everything runs on a column's distinct values and is broadcast back (exports
repeat their dates and amounts). What cannot be read is an error naming the
source file, column and row through the caller's locator.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .. import _columns
from .._checks import describe

__all__ = ["MONTH_NAMES", "DATE_FORMATS", "month_number", "read_dates", "read_months", "header_month",
           "read_numbers", "check_date_format"]

#: month names and their usual abbreviations (lower case, without the final dot), English and French
MONTH_NAMES = {
    **{name: i for i, names in enumerate((
        ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
        ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
        ("october", "oct"), ("november", "nov"), ("december", "dec")), start=1) for name in names},
    **{name: i for i, names in enumerate((
        ("janvier", "janv"), ("février", "févr", "fevrier", "fevr", "fév", "fev"), ("mars",),
        ("avril", "avr"), ("mai",), ("juin",), ("juillet", "juil"), ("août", "aout"),
        ("septembre", "sept"), ("octobre", "oct"), ("novembre", "nov"),
        ("décembre", "déc", "decembre", "dec")), start=1) for name in names},
}
_ENGLISH = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December")

#: the named settings of ``dates`` (anything else must be a strftime format holding a ``%``)
DATE_FORMATS = ("iso", "day-first", "month-first")

_WORD = r"([^\W\d_]+)\.?"
_TIME = r"(?:[\sT,]+(?:à\s+|at\s+)?(\d{1,2})[:h](\d{2})(?::(\d{2}))?)?"
_WEEKDAY = r"(?:[^\W\d_]+\.?,?\s+)?"
_SEP = r"[\s\-/.']+"
#: 5 mars 2026, 1er févr. 2026 10:30, Thu, 5 Mar 2026, 05-Mar-2026
_NAMED_DMY = re.compile(rf"^{_WEEKDAY}(\d{{1,2}})(?:er|st|nd|rd|th)?{_SEP}{_WORD}{_SEP}(\d{{4}}){_TIME}$")
#: March 5, 2026 / Mar 5 2026 10:30
_NAMED_MDY = re.compile(rf"^{_WEEKDAY}{_WORD}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}){_TIME}$")
#: 05/03/2026, 05.03.2026, 05-03-2026 (with a time)
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[\sT]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
#: mars 2026, janv. 2026, Jan-2026
_NAMED_MONTH = re.compile(rf"^{_WORD}{_SEP}(\d{{4}})$")
_SLASH_MONTH = re.compile(r"^(\d{1,2})/(\d{4})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2})(?:[T ].*)?)?$")


def month_number(word: str) -> int | None:
    """1..12 for an English or French month name or abbreviation (any case, final dot allowed).

    Examples
    --------
    >>> month_number("févr."), month_number("Sept"), month_number("août"), month_number("x")
    (2, 9, 8, None)
    """
    return MONTH_NAMES.get(word.strip().rstrip(".").casefold())


def check_date_format(value: str) -> str:
    """`value` if it is a date setting of a mapping, else ValueError saying what is expected.

    Examples
    --------
    >>> check_date_format("day-first"), check_date_format("%d/%m/%Y")
    ('day-first', '%d/%m/%Y')
    """
    if value in DATE_FORMATS:
        return value
    if isinstance(value, str) and "%" in value:
        try:  # a bad directive ("%Q", a stray "%") is found now, not while reading a file
            pd.to_datetime(pd.Series(["1"]), format=value.replace("%b", "%B"), errors="coerce")
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a date format ({exc}); strftime directives such as \"%d/%m/%Y\" "
                             "or \"%d %b %Y\" are") from None
        return value
    raise ValueError(f"{value!r} is not a date setting: use iso, day-first, month-first or a strftime format "
                     "such as \"%d/%m/%Y\"")


def _distinct(s: pd.Series):
    """(codes, distinct values as an object Series, mask of distinct values that are text)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    values = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    is_text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
    return codes, values, is_text


def _rows_holding(s: pd.Series, texts: pd.Series) -> np.ndarray:
    """Rows of `s` whose stripped text is one of `texts` (the rows an error counts)."""
    wrong = set(texts)
    return np.array([isinstance(v, str) and v.strip() in wrong for v in s.to_numpy(dtype=object)], dtype=bool)


def _broadcast(codes: np.ndarray, distinct: pd.Series, s: pd.Series) -> pd.Series:
    out = np.append(distinct.to_numpy(dtype=object), None)[np.where(codes < 0, len(distinct), codes)]
    return pd.Series(out, index=s.index, name=s.name, dtype=object)


def _digits(s: pd.Series) -> pd.Series:
    """Whole numbers as text, object dtype (pandas' own str dtype does not mix with object text)."""
    return s.astype(str).astype(object)


def _iso(y, m, d, hh=None, mm=None, ss=None) -> pd.Series:
    """ISO text from extracted parts (Series of digit strings; month as numbers)."""
    text = y + "-" + _digits(m.astype(int)).str.zfill(2) + "-" + d.str.zfill(2)
    if hh is not None:
        time = " " + hh.fillna("0").str.zfill(2) + ":" + mm.fillna("0").str.zfill(2) + ":" + ss.fillna(
            "0").str.zfill(2)
        text = text + time.where(hh.notna(), "")
    return text


def _named_dates(text: pd.Series) -> pd.Series:
    """ISO text of the dates that spell their month out, NaN elsewhere."""
    out = pd.Series(np.nan, index=text.index, dtype=object)
    for pattern, day, word, year in ((_NAMED_DMY, 0, 1, 2), (_NAMED_MDY, 1, 0, 2)):
        parts = text.str.extract(pattern)
        month = parts[word].map(lambda w: month_number(w) if isinstance(w, str) else None)
        hit = month.notna() & out.isna()
        if hit.any():
            iso = _iso(parts[year], month.fillna(1), parts[day], parts[3], parts[4], parts[5])
            out = out.where(~hit, iso)
    return out


def _numeric_dates(text: pd.Series, day_first: bool) -> pd.Series:
    parts = text.str.extract(_NUMERIC)
    day, month = (parts[0], parts[1]) if day_first else (parts[1], parts[0])
    ok = parts[2].notna()
    iso = _iso(parts[2], pd.to_numeric(month.where(ok, "1")), day.where(ok, "1"), parts[3], parts[4], parts[5])
    return iso.where(ok)


def _strftime(text: pd.Series, fmt: str) -> pd.Series:
    """ISO text of the values `fmt` reads (month names in English or French), NaN elsewhere."""
    words = re.compile(r"[^\W\d_]+\.?")
    english = text.map(lambda t: words.sub(
        lambda m: _ENGLISH[month_number(m.group()) - 1] if month_number(m.group()) else m.group(), t))
    parsed = pd.to_datetime(english, format=fmt.replace("%b", "%B"), errors="coerce")
    return parsed.dt.strftime("%Y-%m-%d %H:%M:%S").where(parsed.notna())


_HINT = {"iso": "dates read as YYYY-MM-DD; set dates = \"day-first\", \"month-first\" or a format such as "
                "\"%d/%m/%Y\" in the mapping for other forms",
         "day-first": "the mapping reads dates day-first: 05/03/2026 or 5 mars 2026 is 5 March",
         "month-first": "the mapping reads dates month-first: 03/05/2026 or March 5, 2026 is 5 March"}


def read_dates(s: pd.Series, fmt: str, field: str, locate, *, month: bool = False,
               required: bool = True) -> pd.Series:
    """A date (or month) column of an export as datetime64, by the mapping's date setting `fmt`.

    Text the setting cannot read is an error naming the row through `locate(field, pos)`.

    Examples
    --------
    >>> s = pd.Series(["05/03/2026", "5 mars 2026", "1er févr. 2026 10:30", "", "2026-03-07"])
    >>> read_dates(s, "day-first", "date", lambda c, i: f"row {i + 1}", required=False).tolist()
    [Timestamp('2026-03-05 00:00:00'), Timestamp('2026-03-05 00:00:00'), Timestamp('2026-02-01 10:30:00'), NaT, Timestamp('2026-03-07 00:00:00')]
    >>> read_months(pd.Series(["mars 2026", "03/2026", "Jan 2026"]), "month", None).dt.strftime("%Y-%m").tolist()
    ['2026-03', '2026-03', '2026-01']
    """
    if s.dtype.kind == "M":
        return _columns.dates(s, field, locate, month=month, required=required)
    codes, values, is_text = _distinct(s.astype(object))
    text = values[is_text].astype(object).str.strip()
    iso = _named_dates(text)
    if month:
        iso = iso.fillna(_month_text(text))
    if fmt in ("day-first", "month-first"):
        iso = iso.fillna(_numeric_dates(text, fmt == "day-first"))
    elif fmt not in DATE_FORMATS:
        iso = iso.fillna(_strftime(text, fmt))
    plain_iso = text.str.match(r"^\d{4}-\d{1,2}(?:-\d{1,2})?(?:[T ]|$)")  # ISO reads under every setting
    iso = iso.where(iso.notna() | ~plain_iso, text)
    bad = iso.isna() & (text != "")
    if bad.any():
        mask = _rows_holding(s, text[bad])
        i = int(np.argmax(mask))
        how = _HINT.get(fmt, f"the mapping reads dates with the format {fmt!r}")
        _columns.fail_row(locate, field, i, f"holds {describe(s.iloc[i])}, which is not a date ({how})", bad=mask)
    rewritten = iso.notna() & (iso != text)
    if rewritten.any():  # a day or month out of range (31/02/2026): named as the export wrote it
        impossible = rewritten & pd.to_datetime(iso.where(rewritten), format="ISO8601", errors="coerce").isna()
        if impossible.any():
            mask = _rows_holding(s, text[impossible])
            i = int(np.argmax(mask))
            _columns.fail_row(locate, field, i, f"holds {describe(s.iloc[i])}, which is not a date (no such day)",
                              bad=mask)
    converted = values.copy()
    converted[is_text] = iso.where(text != "", None).to_numpy(dtype=object)
    return _columns.dates(_broadcast(codes, converted, s), field, locate, month=month, required=required)


def read_months(s: pd.Series, field: str, locate, *, fmt: str = "iso", required: bool = True) -> pd.Series:
    """A month column as datetime64 (month first days); a mid-month date is an error, as in §3."""
    return read_dates(s, fmt, field, locate, month=True, required=required)


def _month_text(text: pd.Series) -> pd.Series:
    """``YYYY-MM`` for the month forms (mars 2026, 03/2026), NaN elsewhere."""
    named = text.str.extract(_NAMED_MONTH)
    month = named[0].map(lambda w: month_number(w) if isinstance(w, str) else None)
    out = (named[1] + "-" + _digits(month.fillna(1).astype(int)).str.zfill(2)).where(month.notna())
    slash = text.str.extract(_SLASH_MONTH)
    ok = slash[0].notna() & pd.to_numeric(slash[0], errors="coerce").between(1, 12)
    return out.fillna((slash[1] + "-" + slash[0].str.zfill(2)).where(ok))


def header_month(value) -> pd.Timestamp | None:
    """The month a column header names (``Jan 2026``, ``janv. 2026``, ``2026-03``, a date cell), or None.

    Examples
    --------
    >>> [header_month(h) for h in ("févr. 2026", "2026-03", "March 2026", "Total", 2026)]
    [Timestamp('2026-02-01 00:00:00'), Timestamp('2026-03-01 00:00:00'), Timestamp('2026-03-01 00:00:00'), None, None]
    """
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "isoformat") and not isinstance(value, str):
        try:
            ts = pd.Timestamp(value)
        except (TypeError, ValueError):
            return None
        return None if pd.isna(ts) else pd.Timestamp(year=ts.year, month=ts.month, day=1)
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = _ISO_MONTH.match(text)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
    else:
        iso = _month_text(pd.Series([text], dtype=object)).iloc[0]
        if not isinstance(iso, str):
            return None
        year, month = int(iso[:4]), int(iso[5:7])
    return pd.Timestamp(year=year, month=month, day=1) if 1 <= month <= 12 and year >= 1 else None  # no year 0


_SPACES = " \u00a0\u202f'"


def _number_pattern(decimal: str) -> re.Pattern:
    group = re.escape(_SPACES + ("." if decimal == "," else ","))
    dec = re.escape(decimal)
    return re.compile(rf"^([+-]?)(\d{{1,3}}(?:[{group}]\d{{3}})+|\d*)(?:{dec}(\d*))?$")


def read_numbers(s: pd.Series, decimal: str, field: str, locate, *, strict: bool = True) -> pd.Series:
    """Text numbers with the mapping's decimal separator as floats (other cells unchanged).

    With `strict`, a text cell that is not such a number is an error naming the row; without,
    it is left as it is (a CSAT answer "yes" in a score column).

    Examples
    --------
    >>> read_numbers(pd.Series(["1 234,5", "12", "", 3.5]), ",", "amount", None).tolist()
    [1234.5, 12.0, '', 3.5]
    >>> read_numbers(pd.Series(["1,234.50", "-7"]), ".", "amount", None).tolist()
    [1234.5, -7.0]
    """
    if s.dtype.kind in "biufmM":
        return s
    codes, values, is_text = _distinct(s.astype(object))
    text = values[is_text].astype(object).str.strip()
    parts = text.str.extract(_number_pattern(decimal))
    ok = parts[1].notna() & ((parts[1] != "") | parts[2].fillna("").ne(""))
    number = pd.to_numeric(parts[0].fillna("") + parts[1].fillna("").str.replace(f"[{re.escape(_SPACES + '.,')}]", "",
                                                                                  regex=True)
                           + "." + parts[2].fillna("0").replace("", "0"), errors="coerce")
    bad = ~ok & (text != "")
    if strict and bad.any():
        mask = _rows_holding(s, text[bad])
        i = int(np.argmax(mask))
        _columns.fail_row(locate, field, i, f"holds {describe(s.iloc[i])}, which is not a number (the mapping reads "
                                         f"numbers with a decimal {'comma' if decimal == ',' else 'point'})",
                       bad=mask)
    converted = values.copy()
    converted[is_text] = np.where(ok.to_numpy(), number.to_numpy(dtype=object), text.to_numpy(dtype=object))
    return _broadcast(codes, converted, s)
