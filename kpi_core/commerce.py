"""E-commerce and acquisition KPIs: basket, frequency, repurchase, CLV, CAC, funnel."""

from __future__ import annotations

from ._checks import not_more_than, ratio, scalar

__all__ = [
    "average_basket", "purchase_frequency", "repurchase_rate", "clv", "cac",
    "conversion_rate", "abandonment_rate",
]


def average_basket(revenue: float, orders: float) -> float:
    """Average basket (order value): revenue / orders.

    Examples
    --------
    >>> average_basket(12500, 250)
    50.0
    """
    return ratio(scalar(revenue, "revenue"), scalar(orders, "orders", integer=True), "AVERAGE_BASKET", "orders")


def purchase_frequency(orders: float, customers: float) -> float:
    """Orders per ordering customer in the period (a count, not a percentage).

    Examples
    --------
    >>> purchase_frequency(250, 100)
    2.5
    """
    n_orders = scalar(orders, "orders", integer=True)
    n_customers = scalar(customers, "customers", integer=True)
    not_more_than(n_customers, "customers", n_orders, "orders")
    return ratio(n_orders, n_customers, "PURCHASE_FREQUENCY", "customers")


def repurchase_rate(repeat_customers: float, customers: float) -> float:
    """Customers with 2+ orders / customers with 1+ order in the period.

    Examples
    --------
    >>> repurchase_rate(30, 120)
    0.25
    """
    repeat = scalar(repeat_customers, "repeat_customers", integer=True)
    total = scalar(customers, "customers", integer=True)
    not_more_than(repeat, "repeat_customers", total, "customers")
    return ratio(repeat, total, "REPURCHASE_RATE", "customers")


def clv(average_basket: float, purchases_per_year: float, years: float, cac: float = 0) -> float:
    """Customer lifetime value: basket x purchases per year x years (- CAC).

    Examples
    --------
    >>> clv(50, 4, 3)
    600.0
    >>> clv(50, 4, 3, cac=150)
    450.0
    """
    gross = scalar(average_basket, "average_basket") * scalar(purchases_per_year, "purchases_per_year")
    return gross * scalar(years, "years") - scalar(cac, "cac")


def cac(marketing_spend: float, sales_spend: float, new_customers: float) -> float:
    """Customer acquisition cost: (marketing + sales spend) / new customers.

    Examples
    --------
    >>> cac(30000, 20000, 125)
    400.0
    """
    spend = scalar(marketing_spend, "marketing_spend") + scalar(sales_spend, "sales_spend")
    return ratio(spend, scalar(new_customers, "new_customers", integer=True), "CAC", "new_customers")


def conversion_rate(conversions: float, visitors: float) -> float:
    """Conversion rate: conversions / visitors.

    Examples
    --------
    >>> conversion_rate(45, 1500)
    0.03
    """
    conv = scalar(conversions, "conversions", integer=True)
    total = scalar(visitors, "visitors", integer=True)
    not_more_than(conv, "conversions", total, "visitors")
    return ratio(conv, total, "CONVERSION_RATE", "visitors")


def abandonment_rate(carts_abandoned: float, carts_created: float) -> float:
    """Cart abandonment rate: carts abandoned / carts created.

    Examples
    --------
    >>> abandonment_rate(70, 100)
    0.7
    """
    abandoned = scalar(carts_abandoned, "carts_abandoned", integer=True)
    created = scalar(carts_created, "carts_created", integer=True)
    not_more_than(abandoned, "carts_abandoned", created, "carts_created")
    return ratio(abandoned, created, "ABANDONMENT_RATE", "carts_created")
