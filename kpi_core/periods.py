"""Calendar months and report periods.

A month is identified by its first day; a report period is an inclusive pair
of months ``[start, end]`` (DESIGN.md §2).
"""

from __future__ import annotations

import datetime as _dt

import pandas as pd

from .errors import KpiInputError

__all__ = ["to_month", "Period"]


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
        """Start month as ``year * 12 + month - 1``."""
        return self.start.year * 12 + self.start.month - 1

    @property
    def end_code(self) -> int:
        """End month as ``year * 12 + month - 1``."""
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
        return (dates >= self.start) & (dates < self.end + pd.offsets.MonthBegin(1))

    def __repr__(self) -> str:
        return f"Period({self.start:%Y-%m}, {self.end:%Y-%m})"
