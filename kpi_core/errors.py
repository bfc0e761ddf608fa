"""The one error type of the KPI layer."""

from __future__ import annotations

__all__ = ["KpiInputError"]


class KpiInputError(ValueError):
    """Bad input to a KPI: names the table/argument, column and row/position.

    Every function of :mod:`kpi_core` raises this (and only this) for input it
    cannot compute a KPI from: out-of-range or non-integer scores, text in a
    numeric column, negative money, unparseable dates, duplicate keys, missing
    required columns, a zero denominator or an empty range. The Excel edge
    (``addin``) converts it once into an Excel error value carrying the message.

    Parameters
    ----------
    message : str
        Human-readable explanation, naming where the problem is.
    kind : {"value", "num", "div0"}
        Which Excel error the problem maps to: ``"value"`` for wrong types or
        shapes (#VALUE!), ``"num"`` for numbers out of their valid range
        (#NUM!), ``"div0"`` for a zero denominator or an empty range (#DIV/0!).
    location : str, optional
        Where the problem is ("subscriptions.csv, row 14, column mrr"), when
        it concerns a table cell; used by data-validation reports.
    """

    def __init__(self, message: str, kind: str = "value", location: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.location = location
