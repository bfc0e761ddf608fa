"""MRR movements and cohort retention from customer-month MRR rows.

Both take either a Subscriptions table (a DataFrame with ``customer_id``,
``month``, ``mrr``) or the three columns as separate ranges, as the Excel
functions ``MRR_MOVEMENTS(customer_ids, months, mrr)`` and
``COHORT_RETENTION(customer_ids, months, mrr, [basis])`` do. A month with no
row for a customer means MRR 0. The work is vectorised over rows sorted by
customer and month: no Python loop over customers, no dense matrix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _columns
from .errors import KpiInputError
from .periods import code_to_month, month_codes, to_month

__all__ = ["mrr_movements", "cohort_retention", "MOVEMENT_COLUMNS"]

#: Columns of :func:`mrr_movements`, in order.
MOVEMENT_COLUMNS = ["month", "start_mrr", "new", "expansion", "contraction", "churn", "reactivation", "end_mrr"]


class _Rows:
    """Validated subscription rows as integer codes, sorted by customer then month."""

    def __init__(self, customer_ids, months=None, mrr=None, through=None) -> None:
        if isinstance(customer_ids, pd.DataFrame) and months is None and mrr is None:
            frame = customer_ids
            missing = [c for c in ("customer_id", "month", "mrr") if c not in frame.columns]
            if missing:
                raise KpiInputError(f"Subscriptions: missing required column(s) {', '.join(missing)}", "value")
            cols = {"customer_ids": frame["customer_id"], "months": frame["month"], "mrr": frame["mrr"]}

            def locate(column: str, pos: int) -> str:
                name = {"customer_ids": "customer_id", "months": "month"}.get(column, column)
                return f"Subscriptions, column {name}, row index {frame.index[pos]}"
        else:
            if months is None or mrr is None:
                raise KpiInputError("give a Subscriptions DataFrame, or customer_ids, months and mrr", "value")
            cols = {"customer_ids": _series(customer_ids), "months": _series(months), "mrr": _series(mrr)}
            sizes = {k: len(v) for k, v in cols.items()}
            if len(set(sizes.values())) != 1:
                raise KpiInputError(
                    "customer_ids, months and mrr must have the same length, got "
                    + ", ".join(f"{k}={n}" for k, n in sizes.items()),
                    "value",
                )
            locate = _columns.argument_locator
        cust, self.customers = _columns.factorize_ids(cols["customer_ids"], "customer_ids", locate)
        month = _columns.dates(cols["months"].reset_index(drop=True), "months", locate, month=True)
        money = _columns.numbers(cols["mrr"].reset_index(drop=True), "mrr", locate, minimum=0).to_numpy()
        if len(cust) == 0:
            raise KpiInputError("mrr: the range holds no row", "div0")
        # few distinct months over many rows: convert each distinct month once
        month_idx, distinct = pd.factorize(month.to_numpy())
        t = month_codes(pd.Series(distinct))[month_idx]
        step_c, step_t = np.diff(cust), np.diff(t)
        if ((step_c > 0) | ((step_c == 0) & (step_t > 0))).all():
            order = np.arange(len(cust))  # already sorted by customer, then month: no sort needed
        else:
            order = np.lexsort((t, cust))
        c, t, m = cust[order], t[order], money[order]
        dup = (c[1:] == c[:-1]) & (t[1:] == t[:-1])
        if dup.any():
            i = int(np.argmax(dup))
            raise KpiInputError(
                f"{locate('months', int(order[i + 1]))}: duplicate row for customer "
                f"{self.customers[c[i]]!s} in {code_to_month([t[i]])[0]:%Y-%m} "
                f"(first at {locate('months', int(order[i]))})",
                "value",
            )
        self.first, self.last = int(t.min()), int(t.max())
        if through is not None:
            self.last = max(self.last, int(month_codes(pd.Series([to_month(through, "through")]))[0]))
        active = m > 0
        self.c, self.t, self.m = c[active], t[active], m[active]


def _series(values) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    return pd.Series(arr.ravel())


def mrr_movements(customer_ids, months=None, mrr=None, *, through=None) -> pd.DataFrame:
    """Monthly MRR movements: new, expansion, contraction, churn, reactivation.

    For each month t from the first to the last month of the data, and each
    customer, MRR in t is compared with t-1:

    - **new**: first MRR ever;
    - **reactivation**: MRR > 0 after a month at 0, having had MRR before;
    - **expansion** / **contraction**: MRR up / down from a positive t-1;
    - **churn**: MRR goes from positive to 0 (or no row).

    Contraction and churn are positive amounts, so that for every month
    ``start_mrr + new + expansion + reactivation - contraction - churn ==
    end_mrr`` (exactly for whole-number amounts, to floating-point rounding
    otherwise). The first month has start MRR 0: all its MRR is new.

    Parameters
    ----------
    customer_ids : array-like or pandas.DataFrame
        Customer of each row, or a Subscriptions table (``customer_id``,
        ``month``, ``mrr``) when `months` and `mrr` are omitted.
    months : array-like, optional
        Month of each row (the month's first day, or ``"YYYY-MM"``).
    mrr : array-like, optional
        Non-negative MRR of each row.
    through : str or date, optional
        Extend the table to this month when it is after the data's last month
        (missing months mean MRR 0, so every customer churns in the month after
        the data ends).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`MOVEMENT_COLUMNS`, one row per month.

    Raises
    ------
    KpiInputError
        Blank ids, bad months, negative or text MRR, duplicate (customer,
        month) rows, unequal lengths.

    Examples
    --------
    >>> mv = mrr_movements(["a", "a", "b", "b", "a"],
    ...                    ["2026-01", "2026-02", "2026-02", "2026-03", "2026-04"],
    ...                    [100, 150, 50, 20, 80])
    >>> mv[["new", "expansion", "contraction", "churn", "reactivation"]].sum().tolist()
    [150.0, 50.0, 30.0, 170.0, 80.0]
    """
    rows = _Rows(customer_ids, months, mrr, through)
    c, t, m = rows.c, rows.t, rows.m
    n = rows.last - rows.first + 1
    same_prev = np.zeros(len(c), dtype=bool)
    same_prev[1:] = c[1:] == c[:-1]
    contiguous = same_prev.copy()
    contiguous[1:] &= (t[1:] - t[:-1]) == 1
    prev_m = np.zeros_like(m)
    prev_m[1:] = m[:-1]
    delta = m - np.where(contiguous, prev_m, 0.0)
    idx = t - rows.first
    # a row churns in the next month when that month has no positive row for the customer
    churns = np.ones(len(c), dtype=bool)
    churns[:-1] = ~contiguous[1:]
    churns &= t < rows.last

    def per_month(index, weights):
        return np.bincount(index, weights=weights, minlength=n)[:n]

    end = per_month(idx, m)
    out = pd.DataFrame(
        {
            "month": code_to_month(np.arange(rows.first, rows.last + 1)),
            "start_mrr": np.r_[0.0, end[:-1]],
            "new": per_month(idx, np.where(~same_prev, m, 0.0)),
            "expansion": per_month(idx, np.where(contiguous & (delta > 0), delta, 0.0)),
            "contraction": per_month(idx, np.where(contiguous & (delta < 0), -delta, 0.0)),
            "churn": per_month(idx[churns] + 1, m[churns]),
            "reactivation": per_month(idx, np.where(same_prev & ~contiguous, m, 0.0)),
            "end_mrr": end,
        }
    )
    return out


def cohort_retention(customer_ids, months=None, mrr=None, basis: str = "logo") -> pd.DataFrame:
    """Retention of signup-month cohorts by months since start.

    A customer's cohort is the first month it has MRR. Cell (cohort, k) is
    the share of the cohort's customers with MRR > 0 in month cohort + k
    (``basis="logo"``), or the cohort's MRR in that month over its MRR in
    its first month (``basis="revenue"``: net revenue retention, may exceed
    1). Months after the data's last month are NaN.

    Parameters
    ----------
    customer_ids, months, mrr : array-like or DataFrame
        As in :func:`mrr_movements`.
    basis : {"logo", "revenue"}, default "logo"

    Returns
    -------
    pandas.DataFrame
        Index: cohort month (``"cohort"``); columns ``"size"`` (customers in
        the cohort) then ``0, 1, 2, ...`` months since start.

    Examples
    --------
    >>> t = cohort_retention(["a", "a", "b", "b"], ["2026-01", "2026-02", "2026-01", "2026-03"], [10, 10, 5, 5])
    >>> t.loc["2026-01-01", [0, 1, 2]].tolist()
    [1.0, 0.5, 0.5]
    """
    if basis not in ("logo", "revenue"):
        raise KpiInputError(f"basis: {basis!r} is not one of 'logo', 'revenue'", "value")
    rows = _Rows(customer_ids, months, mrr)
    c, t, m = rows.c, rows.t, rows.m
    if len(c) == 0:
        raise KpiInputError("mrr: no customer ever has MRR above 0, there is no cohort", "div0")
    first_row = np.ones(len(c), dtype=bool)
    first_row[1:] = c[1:] != c[:-1]
    start = np.repeat(t[first_row], np.diff(np.r_[np.flatnonzero(first_row), len(c)]))
    cohorts, cohort_idx = np.unique(start, return_inverse=True)
    width = rows.last - int(cohorts.min()) + 1
    k = t - start
    cell = cohort_idx * width + k
    weights = None if basis == "logo" else m
    grid = np.bincount(cell, weights=weights, minlength=len(cohorts) * width).reshape(len(cohorts), width)
    base = grid[:, 0].astype(float)
    table = grid / base[:, None]
    observed = (cohorts[:, None] + np.arange(width)[None, :]) <= rows.last
    table = np.where(observed, table, np.nan)
    out = pd.DataFrame(table, index=code_to_month(cohorts), columns=list(range(width)))
    out.index.name = "cohort"
    out.insert(0, "size", np.bincount(cohort_idx[first_row], minlength=len(cohorts)).astype(float))
    return out
