"""Support KPIs: first-contact resolution and response time."""

from __future__ import annotations

from . import _checks
from ._checks import not_more_than, ratio, scalar

__all__ = ["fcr", "avg_response_time"]


def fcr(resolved_first_contact: float, tickets: float) -> float:
    """First-contact resolution: tickets resolved at first contact / tickets.

    Examples
    --------
    >>> fcr(72, 90)
    0.8
    """
    resolved = scalar(resolved_first_contact, "resolved_first_contact", integer=True)
    total = scalar(tickets, "tickets", integer=True)
    not_more_than(resolved, "resolved_first_contact", total, "tickets")
    return ratio(resolved, total, "FCR", "tickets")


def avg_response_time(hours) -> float:
    """Mean first-response time in hours (blanks ignored).

    Examples
    --------
    >>> avg_response_time([1.5, 4, None, 0.5])
    2.0
    """
    return float(_checks.numbers(hours, "hours", minimum=0).mean())
