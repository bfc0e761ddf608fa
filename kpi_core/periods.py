"""Calendar months and report periods: the one home of period arithmetic.

A month is identified by its first day; a report period is an inclusive pair
of months ``[start, end]`` (DESIGN.md §2); the previous period of an n-month
period is the n months just before it (DESIGN.md §9). Months are counted as
integer codes (``year * 12 + month - 1``) wherever they are compared or
indexed: :func:`month_codes`, :func:`code_to_month`, :func:`month_axis`.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

from .errors import KpiInputError

__all__ = ["to_month", "Period", "previous_period", "month_codes", "code_to_month", "month_axis", "shift_month"]


def to_month(value, name: str = "month") -> pd.Timestamp:
    """The first day of the month that `value` falls in.

    Parameters
    ----------
    value : str, datetime.date, datetime.datetime or pandas.Timestamp
        ``"2026-03"``, ``"2026-03-01"`` or any date in the month.
    name : str
        Argument name for error messages.

    Examples
    --------
    >>> to_month("2026-03")
    Timestamp('2026-03-01 00:00:00')
    """
    if isinstance(value, (_dt.date, pd.Timestamp)):
        ts = pd.Timestamp(value)
    elif isinstance(value, str):
        ts = pd.to_datetime(value.strip(), format="ISO8601", errors="coerce")
    else:
        ts = pd.NaT
    if pd.isna(ts):
        raise KpiInputError(f"{name}: {value!r} is not a month (use YYYY-MM)", "value")
    return pd.Timestamp(year=ts.year, month=ts.month, day=1)


class Period:
    """An inclusive range of calendar months ``[start, end]``.

    Examples
    --------
    >>> p = Period("2026-01", "2026-06")
    >>> p.months
    6
    >>> p.label
    '2026-01 .. 2026-06'
    """

    def __init__(self, start, end) -> None:
        self.start = to_month(start, "period_start")
        self.end = to_month(end, "period_end")
        if self.end < self.start:
            raise KpiInputError(
                f"period_end ({self.end:%Y-%m}) is before period_start ({self.start:%Y-%m})", "value"
            )

    @property
    def start_code(self) -> int:
        """Start month as ``year * 12 + month - 1`` (:func:`month_codes`)."""
        return self.start.year * 12 + self.start.month - 1

    @property
    def end_code(self) -> int:
        """End month as ``year * 12 + month - 1`` (:func:`month_codes`)."""
        return self.end.year * 12 + self.end.month - 1

    @property
    def months(self) -> int:
        """Number of months in the period."""
        return self.end_code - self.start_code + 1

    @property
    def label(self) -> str:
        """``"YYYY-MM .. YYYY-MM"``."""
        return f"{self.start:%Y-%m} .. {self.end:%Y-%m}"

    def contains(self, dates: pd.Series) -> pd.Series:
        """Boolean mask: which dates (or months) fall in the period's months."""
        return (dates >= self.start) & (dates < shift_month(self.end, 1))

    def __repr__(self) -> str:
        return f"Period({self.start:%Y-%m}, {self.end:%Y-%m})"


def shift_month(month, months: int) -> pd.Timestamp:
    """The month `months` calendar months after `month` (before it when negative).

    Examples
    --------
    >>> shift_month("2026-01", -3)
    Timestamp('2025-10-01 00:00:00')
    """
    return to_month(month) + pd.DateOffset(months=months)


def previous_period(period) -> Period:
    """The n months just before an n-month report period: ``[s - n, e - n]``.

    Parameters
    ----------
    period : Period or (start, end)
        The report period; a pair of months (``("2026-01", "2026-06")``) is
        read as :class:`Period` reads it.

    Returns
    -------
    Period
        As many months as `period`, ending the month before `period` starts.

    Examples
    --------
    >>> previous_period(Period("2026-01", "2026-06"))
    Period(2025-07, 2025-12)
    >>> previous_period(("2026-03", "2026-03"))
    Period(2026-02, 2026-02)
    """
    if isinstance(period, (tuple, list)) and len(period) == 2:
        period = Period(*period)
    if not isinstance(period, Period):
        raise KpiInputError(f"period: {period!r} is not a Period or a (start, end) pair of months", "value")
    return Period(shift_month(period.start, -period.months), shift_month(period.end, -period.months))


def month_codes(values) -> np.ndarray:
    """Dates or months as month codes ``year * 12 + month - 1`` (any day of a month gives its month).

    Examples
    --------
    >>> month_codes(pd.Series(pd.to_datetime(["2026-01-01", "2026-02-17T18:30"], format="ISO8601"))).tolist()
    [24312, 24313]
    """
    array = values.to_numpy() if hasattr(values, "to_numpy") else np.asarray(values)
    return array.astype("datetime64[M]").astype(np.int64) + 1970 * 12


def code_to_month(codes) -> pd.DatetimeIndex:
    """The first days of the months of month codes (inverse of :func:`month_codes`).

    Examples
    --------
    >>> code_to_month([24312, 24313]).strftime("%Y-%m-%d").tolist()
    ['2026-01-01', '2026-02-01']
    """
    codes = np.asarray(codes, dtype=np.int64)
    return pd.DatetimeIndex(
        pd.to_datetime({"year": codes // 12, "month": codes % 12 + 1, "day": np.ones_like(codes)})
    )


def month_axis(first, last) -> pd.DatetimeIndex:
    """Every month from `first` to `last`, inclusive (first days).

    Examples
    --------
    >>> month_axis("2025-11", "2026-01").strftime("%Y-%m").tolist()
    ['2025-11', '2025-12', '2026-01']
    """
    return pd.date_range(to_month(first), to_month(last), freq="MS")
