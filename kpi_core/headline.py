"""Headline KPIs of a dataset over a report period (DESIGN.md §4-§7).

The keys are the workbook's defined names without ``KPI_``, lower-cased.
Each value is computed from the period's rows and finished by the same
scalar function a user calls in Excel (``nrr``, ``churn_rate``, ...), so a
KPI has one definition. A KPI whose tables are absent is left out; one whose
denominator is 0 in the period (no response, no churn for the quick ratio)
is ``None``: undefined, never 0.
"""

from __future__ import annotations

import pandas as pd

from . import commerce, revenue, support, surveys
from .dataset import Dataset
from .errors import KpiInputError
from .health import HealthConfig, health_scores
from .movements import mrr_movements
from .catalogue import HEADLINE_KEYS
from .periods import Period, shift_month, to_month

__all__ = ["headline_kpis", "report_period", "period_warning", "rows_read"]

#: Every headline key, in report order.


def report_period(dataset: Dataset, period_start=None, period_end=None, months: int = 6) -> Period:
    """The report period, with defaults: the last `months` months of the data.

    A missing end is :meth:`Dataset.last_month`; a missing start is
    `months` - 1 months before the end.

    Examples
    --------
    >>> from kpi_core import sample_dataset
    >>> report_period(sample_dataset())
    Period(2026-05, 2026-10)
    >>> report_period(sample_dataset(), period_end="2026-03")
    Period(2025-10, 2026-03)
    """
    end = to_month(period_end, "period_end") if period_end is not None else dataset.last_month()
    start = period_start if period_start is not None else shift_month(end, 1 - months)
    return Period(start, end)


def period_warning(dataset: Dataset, period: Period) -> str | None:
    """A warning when the report period lies outside the data's months (its KPIs would be n/a), else None.

    Examples
    --------
    >>> from kpi_core import sample_dataset
    >>> ds = sample_dataset(n_customers=5)
    >>> print(period_warning(ds, Period("2030-01", "2030-06")))
    the period 2030-01 .. 2030-06 is outside the data (months 2024-11 .. 2026-10): its KPIs are n/a
    >>> period_warning(ds, report_period(ds)) is None
    True
    """
    months = dataset.month_range()
    if months is None:
        return None
    first, last = months
    span = f"months {first:%Y-%m} .. {last:%Y-%m}"
    if period.end < first or period.start > last:
        return f"the period {period.label} is outside the data ({span}): its KPIs are n/a"
    if period.start < first or period.end > last:
        return f"the period {period.label} goes beyond the data ({span}): KPIs of the missing months are n/a or low"
    return None


def _defined(fn, *args) -> float | None:
    """fn(*args), or None when its denominator is 0 (an undefined ratio)."""
    try:
        return float(fn(*args))
    except KpiInputError as err:
        if err.kind == "div0":
            return None
        raise


def _revenue(subs: pd.DataFrame, period: Period) -> dict:
    def month_mrr(month):
        rows = subs[subs["month"] == month]
        return rows.groupby("customer_id")["mrr"].sum()

    m0_all, m1_all = month_mrr(period.start), month_mrr(period.end)
    m0 = m0_all[m0_all > 0]
    m1 = m1_all.reindex(m0.index, fill_value=0.0)
    kept = m1 > 0
    start = float(m0.sum())
    churned = float(m0[~kept].sum())
    contraction = float((m0 - m1).clip(lower=0)[kept].sum())
    expansion = float((m1 - m0).clip(lower=0).sum())
    active_end = m1_all[m1_all > 0]
    n_start, lost = len(m0), int((~kept).sum())
    n_end = len(active_end)
    new = n_end - int(kept.sum())  # active at the end but not at the start: all but the cohort's kept ones
    moves = mrr_movements(subs, through=period.end)
    in_period = moves[(moves["month"] > period.start) & (moves["month"] <= period.end)].sum(numeric_only=True)
    end_mrr = float(active_end.sum())
    return {
        "mrr": end_mrr,
        "arr": revenue.arr(end_mrr),
        "nrr": _defined(revenue.nrr, start, expansion, churned, contraction),
        "grr": _defined(revenue.grr, start, churned, contraction),
        "revenue_churn": _defined(revenue.revenue_churn, churned, contraction, start),
        "logo_churn": _defined(revenue.churn_rate, lost, n_start),
        "retention": _defined(revenue.retention_rate, n_end, new, n_start),
        "net_customer_change": revenue.net_customer_change(new, lost),
        "quick_ratio": _defined(revenue.quick_ratio, in_period["new"], in_period["expansion"],
                                in_period["reactivation"], in_period["contraction"], in_period["churn"]),
    }


def _surveys(responses: pd.DataFrame, period: Period) -> dict:
    rows = responses[period.contains(responses["date"])]
    by = {s: rows.loc[rows["survey"] == s] for s in ("NPS", "CSAT", "CES")}
    return {
        "nps": _defined(surveys.nps, by["NPS"]["score"].to_numpy()),
        "csat": _defined(surveys.positive_share, by["CSAT"]["positive"].to_numpy(), "CSAT"),
        "ces": _defined(surveys.ces, by["CES"]["score"].to_numpy()),
    }


def _orders(orders: pd.DataFrame, period: Period) -> dict:
    rows = orders[period.contains(orders["date"])]
    per_customer = rows.groupby("customer_id").size()
    return {
        "avg_basket": _defined(commerce.average_basket, rows["amount"].sum(), len(rows)),
        "purchase_frequency": _defined(commerce.purchase_frequency, len(rows), len(per_customer)),
        "repurchase_rate": _defined(commerce.repurchase_rate, int((per_customer >= 2).sum()), len(per_customer)),
    }


def _monthly(frame: pd.DataFrame, period: Period) -> pd.Series:
    return frame[period.contains(frame["month"])].sum(numeric_only=True)


def rows_read(dataset: Dataset, period: Period) -> dict:
    """Which rows of its dated tables :func:`headline_kpis` reads for `period` (the others it filters out).

    Responses, Tickets and Orders: the rows dated in the period; Usage: the end
    month's rows (the health scores'). A table not named here (Subscriptions, whose
    history makes the MRR movements, Customers, Funnel, Acquisition) is read whole.
    ``headline_kpis`` of the dataset with these tables cut to these rows (each table
    kept, even when no row is left) is ``headline_kpis`` of the dataset.

    Returns
    -------
    dict
        Table name -> boolean mask (numpy), for the tables above that the dataset has.

    Examples
    --------
    >>> from kpi_core import sample_dataset
    >>> ds = sample_dataset(n_customers=20)
    >>> masks = rows_read(ds, Period("2026-05", "2026-10"))
    >>> sorted(masks), bool(masks["Usage"].sum() < len(ds.table("Usage")))
    (['Orders', 'Responses', 'Tickets', 'Usage'], True)
    """
    masks = {}
    for name, column in (("Responses", "date"), ("Tickets", "opened_at"), ("Orders", "date")):
        frame = dataset.table(name)
        if frame is not None:
            masks[name] = period.contains(frame[column]).to_numpy(dtype=bool)
    usage = dataset.table("Usage")
    if usage is not None:
        masks["Usage"] = (usage["month"] == period.end).to_numpy(dtype=bool)
    return masks


def headline_kpis(dataset: Dataset, period_start=None, period_end=None,
                  config: HealthConfig | None = None) -> dict:
    """Every headline KPI of the dataset for a report period.

    Parameters
    ----------
    dataset : Dataset
    period_start, period_end : str or date, optional
        Inclusive months (``"2026-01"``, ``"2026-06"``). A missing end is the
        data's last month, a missing start six months back from the end
        (:func:`report_period`).
    config : HealthConfig, optional
        Health score configuration for ``avg_health``.

    Returns
    -------
    dict
        Keys of :data:`HEADLINE_KEYS` whose tables are present: revenue KPIs
        compare each start-month customer's MRR with its end-month MRR;
        survey, support and order KPIs use the rows dated in the period;
        funnel and acquisition KPIs the period's months; ``avg_health`` is the
        mean health of the customers scored for the end month. ``None`` marks
        a KPI undefined for the period (zero denominator).

    Examples
    --------
    >>> from kpi_core import sample_dataset
    >>> kpis = headline_kpis(sample_dataset(), "2026-01", "2026-06")
    >>> 0 < kpis["logo_churn"] < 0.2 and -100 <= kpis["nps"] <= 100
    True
    """
    period = report_period(dataset, period_start, period_end)
    out: dict = {}
    subs = dataset.table("Subscriptions")
    if subs is not None:
        out.update(_revenue(subs, period))
    responses = dataset.table("Responses")
    if responses is not None:
        out.update(_surveys(responses, period))
    tickets = dataset.table("Tickets")
    if tickets is not None:
        rows = tickets[period.contains(tickets["opened_at"])]
        out["fcr"] = _defined(support.fcr, int(rows["resolved_first_contact"].sum()), len(rows))
    orders = dataset.table("Orders")
    if orders is not None:
        out.update(_orders(orders, period))
    acquisition = dataset.table("Acquisition")
    if acquisition is not None:
        totals = _monthly(acquisition, period)
        out["cac"] = _defined(commerce.cac, totals.get("marketing_spend", 0.0), totals.get("sales_spend", 0.0),
                              totals.get("new_customers", 0.0))
    funnel = dataset.table("Funnel")
    if funnel is not None:
        totals = _monthly(funnel, period)
        out["conversion_rate"] = _defined(commerce.conversion_rate, totals.get("conversions", 0.0),
                                          totals.get("visitors", 0.0))
        out["abandonment_rate"] = _defined(commerce.abandonment_rate, totals.get("carts_abandoned", 0.0),
                                           totals.get("carts_created", 0.0))
    if dataset.table("Usage") is not None:
        scores = health_scores(dataset, period.end, config, period_start=period.start)["score"].dropna()
        out["avg_health"] = float(scores.mean()) if len(scores) else None
    return {k: out[k] for k in HEADLINE_KEYS if k in out}
