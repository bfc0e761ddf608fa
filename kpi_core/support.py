"""Support KPIs: first-contact resolution and response time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _checks
from ._checks import not_more_than, ratio, scalar
from .surveys import bin_counts

__all__ = ["fcr", "avg_response_time", "ticket_counts", "TICKET_COUNTS"]

#: the columns of :func:`ticket_counts`
TICKET_COUNTS = ("tickets", "resolved_first", "response_hours", "responses_timed")


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


def ticket_counts(tickets: pd.DataFrame, keys, size: int) -> pd.DataFrame:
    """Ticket counts of a validated Tickets table per key (a month, a customer-month...).

    Returns one row per key 0..size-1 with the columns of :data:`TICKET_COUNTS`:
    tickets, tickets resolved at first contact, the sum of first-response hours
    and the number of tickets that have one (blank hours are left out, as
    :func:`avg_response_time` leaves them out).

    Examples
    --------
    >>> frame = pd.DataFrame({"resolved_first_contact": [True, False, True],
    ...                       "first_response_hours": [1.5, None, 4.0]})
    >>> ticket_counts(frame, np.array([0, 0, 1]), 2)["response_hours"].tolist()
    [1.5, 4.0]
    """
    n = len(tickets)
    hours = (pd.to_numeric(tickets["first_response_hours"], errors="coerce").to_numpy(float)
             if "first_response_hours" in tickets else np.full(n, np.nan))
    return bin_counts(keys, size, {
        "tickets": np.ones(n),
        "resolved_first": tickets["resolved_first_contact"].to_numpy(bool),
        "response_hours": hours,
        "responses_timed": ~np.isnan(hours),
    })
