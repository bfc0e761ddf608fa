"""Recurring-revenue and customer-base KPIs from period totals.

Scalar functions over numbers the user already has (start MRR, churned MRR,
customers at start, ...). Money is in the data's currency; rates are
fractions. The table-level analytics (movements, cohorts) are in
:mod:`kpi_core.movements`.
"""

from __future__ import annotations

from . import _checks
from ._checks import not_more_than, ratio, scalar

__all__ = [
    "mrr", "arr", "arpa", "nrr", "grr", "revenue_churn", "churn_rate",
    "retention_rate", "net_customer_change", "quick_ratio", "saas_ltv",
]


def mrr(amounts) -> float:
    """Monthly recurring revenue: the sum of the MRR amounts given.

    Parameters
    ----------
    amounts : array-like
        Non-negative amounts (blanks ignored).

    Examples
    --------
    >>> mrr([1200, 800.5, None])
    2000.5
    """
    return float(_checks.numbers(amounts, "amounts", minimum=0).sum())


def arr(mrr: float) -> float:
    """Annual recurring revenue: 12 x MRR.

    Examples
    --------
    >>> arr(2500)
    30000.0
    """
    return 12.0 * scalar(mrr, "mrr")


def arpa(mrr: float, customers: float) -> float:
    """Average revenue per account: MRR / active customers.

    Examples
    --------
    >>> arpa(30000, 120)
    250.0
    """
    return ratio(scalar(mrr, "mrr"), scalar(customers, "customers", integer=True), "ARPA", "customers")


def _start_cohort_losses(start_mrr, churned_mrr, contraction_mrr) -> tuple[float, float]:
    start = scalar(start_mrr, "start_mrr")
    lost = scalar(churned_mrr, "churned_mrr") + scalar(contraction_mrr, "contraction_mrr")
    not_more_than(lost, "churned_mrr + contraction_mrr", start, "start_mrr")
    return start, lost


def nrr(start_mrr: float, expansion_mrr: float, churned_mrr: float, contraction_mrr: float) -> float:
    """Net revenue retention of the start cohort (1.2 means 120 %).

    ``(start + expansion - churned - contraction) / start``.

    Examples
    --------
    >>> nrr(50000, 20000, 10000, 0)
    1.2
    """
    start, lost = _start_cohort_losses(start_mrr, churned_mrr, contraction_mrr)
    return ratio(start + scalar(expansion_mrr, "expansion_mrr") - lost, start, "NRR", "start_mrr")


def grr(start_mrr: float, churned_mrr: float, contraction_mrr: float) -> float:
    """Gross revenue retention: ``(start - churned - contraction) / start``, 0..1.

    Examples
    --------
    >>> grr(50000, 10000, 2500)
    0.75
    """
    start, lost = _start_cohort_losses(start_mrr, churned_mrr, contraction_mrr)
    return ratio(start - lost, start, "GRR", "start_mrr")


def revenue_churn(churned_mrr: float, contraction_mrr: float, start_mrr: float) -> float:
    """Gross revenue churn: ``(churned + contraction) / start`` (= 1 - GRR).

    Examples
    --------
    >>> revenue_churn(10000, 2500, 50000)
    0.25
    """
    start, lost = _start_cohort_losses(start_mrr, churned_mrr, contraction_mrr)
    return ratio(lost, start, "REVENUE_CHURN", "start_mrr")


def churn_rate(lost_customers: float, customers_at_start: float) -> float:
    """Logo churn: customers lost / customers at the start of the period.

    Examples
    --------
    >>> churn_rate(15, 500)
    0.03
    """
    lost = scalar(lost_customers, "lost_customers", integer=True)
    start = scalar(customers_at_start, "customers_at_start", integer=True)
    not_more_than(lost, "lost_customers", start, "customers_at_start")
    return ratio(lost, start, "CHURN_RATE", "customers_at_start")


def retention_rate(customers_at_end: float, new_customers: float, customers_at_start: float) -> float:
    """Customer retention: ``(customers at end - new customers) / customers at start``.

    "New" customers are active at the end but not at the start.

    Examples
    --------
    >>> retention_rate(650, 350, 500)
    0.6
    """
    end = scalar(customers_at_end, "customers_at_end", integer=True)
    new = scalar(new_customers, "new_customers", integer=True)
    start = scalar(customers_at_start, "customers_at_start", integer=True)
    not_more_than(new, "new_customers", end, "customers_at_end")
    not_more_than(end - new, "customers_at_end - new_customers", start, "customers_at_start")
    return ratio(end - new, start, "RETENTION_RATE", "customers_at_start")


def net_customer_change(new_customers: float, lost_customers: float) -> float:
    """Net change in the customer base: new - lost (positive means it grows).

    Examples
    --------
    >>> net_customer_change(350, 200)
    150.0
    """
    return scalar(new_customers, "new_customers", integer=True) - scalar(
        lost_customers, "lost_customers", integer=True
    )


def quick_ratio(
    new_mrr: float,
    expansion_mrr: float,
    reactivation_mrr: float,
    contraction_mrr: float,
    churned_mrr: float,
) -> float:
    """SaaS quick ratio: MRR gained / MRR lost.

    ``(new + expansion + reactivation) / (contraction + churned)``; above 4 is
    efficient growth, below 1 the base shrinks.

    Examples
    --------
    >>> quick_ratio(3000, 1500, 500, 1000, 1500)
    2.0
    """
    gained = sum(
        scalar(v, n)
        for v, n in ((new_mrr, "new_mrr"), (expansion_mrr, "expansion_mrr"), (reactivation_mrr, "reactivation_mrr"))
    )
    lost = scalar(contraction_mrr, "contraction_mrr") + scalar(churned_mrr, "churned_mrr")
    return ratio(gained, lost, "QUICK_RATIO", "contraction_mrr + churned_mrr")


def saas_ltv(arpa: float, gross_margin: float, monthly_churn: float) -> float:
    """SaaS customer lifetime value: ARPA x gross margin / monthly logo churn.

    Parameters
    ----------
    arpa : float
        Average monthly revenue per account.
    gross_margin : float
        Fraction 0..1 (0.8 means 80 %).
    monthly_churn : float
        Monthly logo churn, fraction 0..1.

    Examples
    --------
    >>> saas_ltv(250, 0.8, 0.02)
    10000.0
    """
    value = scalar(arpa, "arpa") * scalar(gross_margin, "gross_margin", maximum=1)
    return ratio(value, scalar(monthly_churn, "monthly_churn", maximum=1), "SAAS_LTV", "monthly_churn")
