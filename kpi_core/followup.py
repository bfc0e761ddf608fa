"""Who needs a call: at-risk accounts and NPS detractors of a report period (DESIGN.md §9)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .periods import previous_period
from .dataset import Dataset
from .errors import KpiInputError
from .headline import report_period
from .health import COMPONENTS, HealthConfig, health_scores
from .surveys import NPS_DETRACTOR_MAX

__all__ = ["AT_RISK_COLUMNS", "DETRACTOR_COLUMNS", "DETRACTOR_MAX", "at_risk", "detractors"]

#: Columns of :func:`at_risk`, in order.
AT_RISK_COLUMNS = ("customer_id", "name", "csm", "segment", "mrr", "health", "previous_health", "change", "status",
                   "weakest")
#: Columns of :func:`detractors`, in order.
DETRACTOR_COLUMNS = ("customer_id", "name", "csm", "date", "score")
#: Highest NPS score of a detractor (DESIGN.md §4: detractors answer 0..6).
DETRACTOR_MAX = NPS_DETRACTOR_MAX  # the NPS definition's cut-off (one home: kpi_core.surveys)


def _customer_text(ds: Dataset, ids: pd.Series, column: str) -> np.ndarray:
    """The Customers column of each id ("" without a Customers table, that column or that customer)."""
    customers = ds.table("Customers")
    if customers is None or column not in customers:
        return np.full(len(ids), "", dtype=object)
    values = pd.Series(customers[column].to_numpy(dtype=object), index=customers["customer_id"])
    return ids.map(values).fillna("").to_numpy(dtype=object)


def at_risk(ds: Dataset, period_start=None, period_end=None, config: HealthConfig | None = None) -> pd.DataFrame:
    """Accounts to call: customers scored in the end month that are Red or whose health fell sharply.

    A customer scored for the period's end month (:func:`kpi_core.health_scores`
    with the period's NPS answers, as the report's Health sheet scores it) is
    at risk when its status is Red, or when its score fell by at least
    ``config.risk_drop`` points (default 15) since the previous period
    (:func:`kpi_core.previous_period`): ``previous_health`` is the score a
    report for the previous period gives (its end month's usage and tickets,
    sentiment from its NPS answers). A customer not scored then has no
    change (NaN) and is at risk only if Red. A customer whose score is blank
    (every component missing) is not scored and not listed.

    Parameters
    ----------
    ds : Dataset
        Needs the Usage table; Customers (name, csm, segment), Subscriptions
        (mrr), Responses and Tickets are used when present.
    period_start, period_end : str or date, optional
        The report period (defaults as for :func:`kpi_core.headline_kpis`).
    config : HealthConfig, optional
        Health configuration, with the status thresholds and ``risk_drop``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`AT_RISK_COLUMNS`: ``name``, ``csm``, ``segment`` from
        Customers ("" when unknown); ``mrr`` the end month's MRR (0 without a
        row); ``health`` the end month's score; ``previous_health`` and
        ``change`` (health - previous_health; NaN when not scored then);
        ``status``; ``weakest``, the component (:data:`kpi_core.COMPONENTS`
        key) with the lowest scaled score (the first in component order on a
        tie). Sorted by ``mrr``, largest first, ties by ``customer_id``.

    Raises
    ------
    KpiInputError
        Without a Usage table.

    Examples
    --------
    >>> from kpi_core import sample_dataset
    >>> t = at_risk(sample_dataset(), "2026-05", "2026-10")
    >>> t.columns.tolist() == list(AT_RISK_COLUMNS)
    True
    >>> bool(((t["status"] == "Red") | (t["change"] <= -15)).all())
    True
    """
    config = config or HealthConfig()
    period = report_period(ds, period_start, period_end)
    prev = previous_period(period)
    now = health_scores(ds, period.end, config, period_start=period.start)
    now = now[now["score"].notna()].reset_index(drop=True)
    before = health_scores(ds, prev.end, config, period_start=prev.start)
    ids = now["customer_id"]
    previous = ids.map(pd.Series(before["score"].to_numpy(), index=before["customer_id"])).to_numpy(dtype=float)
    health = now["score"].to_numpy(dtype=float)
    change = health - previous
    with np.errstate(invalid="ignore"):
        risky = (now["status"] == "Red").to_numpy() | (change <= -config.risk_drop)
    scaled = now[[f"{c}_score" for c in COMPONENTS]].to_numpy(dtype=float)
    # a scored customer has at least one component, so every row has a minimum
    weakest = np.asarray(COMPONENTS, dtype=object)[np.argmin(np.where(np.isnan(scaled), np.inf, scaled), axis=1)]
    subs = ds.table("Subscriptions")
    mrr = np.zeros(len(ids))
    if subs is not None:
        end = subs[subs["month"] == period.end].groupby("customer_id")["mrr"].sum()
        mrr = ids.map(end).fillna(0.0).to_numpy(dtype=float)
    out = pd.DataFrame({
        "customer_id": ids.to_numpy(dtype=object),
        "name": _customer_text(ds, ids, "name"),
        "csm": _customer_text(ds, ids, "csm"),
        "segment": _customer_text(ds, ids, "segment"),
        "mrr": mrr, "health": health, "previous_health": previous, "change": change,
        "status": now["status"].to_numpy(dtype=object), "weakest": weakest,
    })[risky]
    out = out.sort_values("customer_id", kind="stable").sort_values("mrr", ascending=False, kind="stable")
    return out.reset_index(drop=True)


def detractors(ds: Dataset, period_start=None, period_end=None) -> pd.DataFrame:
    """Detractor follow-up: every NPS answer of 0..6 dated in the report period.

    Parameters
    ----------
    ds : Dataset
        Needs the Responses table; names and CSMs come from Customers.
    period_start, period_end : str or date, optional
        The report period (defaults as for :func:`kpi_core.headline_kpis`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DETRACTOR_COLUMNS`, one row per answer (a customer who
        answered 3 twice is listed twice): ``name`` and ``csm`` from Customers
        ("" without that table or column), ``date`` the answer's date,
        ``score`` its NPS score. Newest first, ties by ``customer_id``.

    Raises
    ------
    KpiInputError
        Without a Responses table.

    Examples
    --------
    >>> from kpi_core import sample_dataset
    >>> t = detractors(sample_dataset(), "2026-05", "2026-10")
    >>> t.columns.tolist(), bool((t["score"] <= 6).all()), t["date"].is_monotonic_decreasing
    (['customer_id', 'name', 'csm', 'date', 'score'], True, True)
    """
    responses = ds.table("Responses")
    if responses is None:
        raise KpiInputError(f"{ds.source}: detractors need the Responses table (responses.csv or an Excel table "
                            "named Responses)", "value")
    period = report_period(ds, period_start, period_end)
    rows = responses[(responses["survey"] == "NPS") & period.contains(responses["date"])
                     & (responses["score"] <= DETRACTOR_MAX)]
    ids = rows["customer_id"].reset_index(drop=True)
    out = pd.DataFrame({
        "customer_id": ids.to_numpy(dtype=object),
        "name": _customer_text(ds, ids, "name"),
        "csm": _customer_text(ds, ids, "csm"),
        "date": rows["date"].to_numpy(),
        "score": rows["score"].to_numpy(dtype=float),
    })
    out = out.sort_values("customer_id", kind="stable").sort_values("date", ascending=False, kind="stable")
    return out.reset_index(drop=True)
