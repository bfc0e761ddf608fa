"""Independent checks of DESIGN.md §12 ("Your data as it comes"), written from the specification.

These tests were written without reading ``kpi_core/mapping/*.py``: every expected value is
worked out by hand from a §12 sentence (quoted near the test), from a published source
(ChartMogul's "Lifecycle of a customer" walk-through, Baremetrics' subscription import
template), or by an independent computation written here: a month-end calendar simulation
of subscription intervals (:func:`_simulate_subscriptions`) and of invoice lines
(:func:`_simulate_invoices`), with the calendar arithmetic done by :mod:`calendar` and
:mod:`datetime`, never by the code under test.

A test marked ``xfail(strict=True)`` is a discrepancy between the implementation and
DESIGN.md; its reason quotes the sentence, and the lead decides which side is wrong.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpi_core
from cskpi.cli import main
from kpi_core import KpiInputError, apply_mapping, monthly_mrr

# ---------------------------------------------------------------- independent calendar arithmetic

#: §12: "m = 1 (month), 1/3 (quarter), 1/12 (year), 52/12 (week), 365/12 (day)"
_PER_MONTH = {"month": 1.0, "quarter": 1 / 3, "year": 1 / 12, "week": 52 / 12, "day": 365 / 12}


def _d(text) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _months(first: tuple[int, int], last: tuple[int, int]):
    """(year, month) pairs from `first` to `last` inclusive."""
    y, m = first
    while (y, m) <= last:
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _add_months(day: dt.date, n: int) -> dt.date:
    """`day` plus n calendar months, the day clamped to the month's last day (§12: 31 Jan + 1 month = 28/29 Feb)."""
    total = day.year * 12 + (day.month - 1) + n
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _table(rows: dict) -> pd.DataFrame:
    """Expected Subscriptions rows {(customer, 'YYYY-MM'): mrr} as a sorted frame."""
    items = sorted((c, pd.Timestamp(m + "-01"), v) for (c, m), v in rows.items())
    return pd.DataFrame(items, columns=["customer_id", "month", "mrr"])


def _as_dict(frame: pd.DataFrame) -> dict:
    """A Subscriptions frame as {(customer, 'YYYY-MM'): mrr}."""
    return {(str(c), pd.Timestamp(m).strftime("%Y-%m")): float(v)
            for c, m, v in frame[["customer_id", "month", "mrr"]].itertuples(index=False)}


def _assert_same(actual: pd.DataFrame, expected: dict, rel=1e-12):
    got = _as_dict(actual)
    assert set(got) == set(expected), (sorted(set(got) ^ set(expected)), got, expected)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=rel, abs=1e-9), (key, got[key], value)


def _simulate_subscriptions(rows: list[dict], until: str | None = None) -> dict:
    """MRR per (customer, month) by §12's rules, month-end by month-end.

    "Monthly amount = amount × quantity × m / interval_count"; "active on day d when
    started_at ≤ d < ended_at ... and when trial_end is given, d ≥ trial_end"; "the MRR of
    customer c in month M is the sum of the monthly amounts of c's subscriptions active on
    M's last day"; "Months whose sum is 0 have no row"; a blank ended_at is "written up to
    `until`, by default the month of the latest date in the source".
    """
    dates = [d for r in rows for d in (_d(r["started_at"]), _d(r.get("ended_at")), _d(r.get("trial_end"))) if d]
    if until is None:
        last = max(dates)
        last = (last.year, last.month)
    else:
        last = (int(until[:4]), int(until[5:7]))
    first = min(_d(r["started_at"]) for r in rows)
    out: dict = {}
    for y, m in _months((first.year, first.month), last):
        day = _last_day(y, m)
        for r in rows:
            start, end, trial = _d(r["started_at"]), _d(r.get("ended_at")), _d(r.get("trial_end"))
            if not (start <= day and (end is None or day < end) and (trial is None or day >= trial)):
                continue
            quantity = 1 if r.get("quantity") is None else r["quantity"]
            count = 1 if r.get("interval_count") is None else r["interval_count"]
            monthly = r["amount"] * quantity * _PER_MONTH[r["interval"]] / count
            key = (r["customer_id"], f"{y:04d}-{m:02d}")
            out[key] = out.get(key, 0.0) + monthly
    return {k: v for k, v in out.items() if v != 0}


def _whole_months(start: dt.date, end: dt.date) -> int | None:
    """§12: the number of whole months an invoice line covers, or None for a proration.

    "Let n = 12 × (years) + (months) from service_start to service_end, and E =
    service_start plus n calendar months ... A line with n ≥ 1 and service_end within 3
    days of E (inclusive; or of E computed with n − 1 or n + 1, whichever is nearest) is
    billed in whole months". n is taken here as the calendar difference of the two dates'
    months; the tests below avoid the one case where another reading of n (whole months
    elapsed) would differ (a one-month line ending up to 3 days early).
    """
    n = 12 * (end.year - start.year) + (end.month - start.month)
    if n < 1:
        return None
    candidates = [k for k in (n - 1, n, n + 1) if k >= 1]
    best = min(candidates, key=lambda k: abs((end - _add_months(start, k)).days))
    return best if abs((end - _add_months(start, best)).days) <= 3 else None


def _simulate_invoices(lines: list[dict], until: str | None = None) -> dict:
    """MRR per (customer, month) of invoice lines by §12's rules.

    Whole months: "(amount − tax) / n"; otherwise "(amount − tax) × 365 / 12 / days";
    "A line contributes its monthly amount to month M when service_start ≤ M's last day <
    service_end; a customer's lines in the same month are summed"; one-time lines excluded.
    """
    recurring = [r for r in lines if r.get("type", "subscription") in (None, "subscription")]
    out: dict = {}
    if not recurring:
        return out
    first = min(_d(r["service_start"]) for r in recurring)
    if until is None:
        last = max(_d(r["service_end"]) - dt.timedelta(days=1) for r in recurring)
        last = (last.year, last.month)
    else:
        last = (int(until[:4]), int(until[5:7]))
    for r in recurring:
        start, end = _d(r["service_start"]), _d(r["service_end"])
        net = r["amount"] - (r.get("tax") or 0)
        n = _whole_months(start, end)
        monthly = net / n if n else net * 365 / 12 / (end - start).days
        for y, m in _months((first.year, first.month), last):
            day = _last_day(y, m)
            if start <= day < end:
                key = (r["customer_id"], f"{y:04d}-{m:02d}")
                out[key] = out.get(key, 0.0) + monthly
    return {k: v for k, v in out.items() if v != 0}


def _subs(*rows, **common) -> pd.DataFrame:
    return pd.DataFrame([{**common, **r} for r in rows])


def _error(call, *args, **kwargs) -> KpiInputError:
    with pytest.raises(KpiInputError) as info:
        call(*args, **kwargs)
    return info.value


# ================================================================ §12 subscription intervals


@pytest.mark.parametrize(
    "interval, count, quantity, amount, expected",
    [
        # §12: "A yearly plan of 2 000 is 166.67 a month; two seats of a 30 monthly plan are 60."
        ("year", 1, 1, 2000, 2000 / 12),
        ("month", 1, 2, 30, 60.0),
        ("month", 3, 1, 300, 100.0),        # a quarterly plan written month x 3
        ("quarter", 1, 1, 300, 100.0),      # m = 1/3
        ("quarter", 2, 5, 600, 500.0),      # 600 x 5 x (1/3) / 2
        ("year", 2, 3, 1200, 150.0),        # 1200 x 3 x (1/12) / 2
        ("week", 1, 1, 12, 52.0),           # 12 x 52/12
        ("week", 2, 4, 10, 86.66666666666667),   # 10 x 4 x 52/12 / 2
        ("day", 1, 1, 2, 365 / 6),          # 2 x 365/12
        ("day", 7, 3, 14, 182.5),           # 14 x 3 x 365/12 / 7
    ],
)
def test_monthly_amount_is_amount_times_quantity_times_m_over_interval_count(interval, count, quantity, amount,
                                                                          expected):
    frame = _subs({"customer_id": "c", "amount": amount, "quantity": quantity, "interval": interval,
                   "interval_count": count, "started_at": "2026-01-10", "ended_at": None})
    _assert_same(monthly_mrr(frame, until="2026-02"), {("c", "2026-01"): expected, ("c", "2026-02"): expected})


def test_a_blank_quantity_is_one_and_a_blank_interval_count_is_one():
    # §12: "quantity (default 1), interval ... with interval_count (default 1)"; "A blank quantity is 1"
    frame = _subs({"customer_id": "c", "amount": 30.0, "quantity": None, "interval": "month",
                   "interval_count": None, "started_at": "2026-01-01"},
                  {"customer_id": "d", "amount": 1200.0, "quantity": np.nan, "interval": "year",
                   "interval_count": np.nan, "started_at": "2026-01-01"})
    _assert_same(monthly_mrr(frame, until="2026-01"), {("c", "2026-01"): 30.0, ("d", "2026-01"): 100.0})


def test_quantity_and_interval_count_columns_may_be_absent():
    # §12: "quantity (default 1) ... interval_count (default 1)": optional columns
    frame = pd.DataFrame({"customer_id": ["c"], "amount": [90], "interval": ["quarter"],
                          "started_at": ["2026-01-01"]})
    _assert_same(monthly_mrr(frame, until="2026-02"), {("c", "2026-01"): 30.0, ("c", "2026-02"): 30.0})


def test_active_when_started_at_le_day_lt_ended_at_with_a_month_end_snapshot():
    # §12: "active on day d when started_at ≤ d < ended_at"; "active on M's last day (a
    # month-end snapshot)": starting on 31 January counts for January; ending on 31 March
    # (the first day without service) does not count for March; ending on 1 April does.
    frame = _subs({"customer_id": "last-day-start", "started_at": "2026-01-31", "ended_at": "2026-03-31"},
                  {"customer_id": "first-day-start", "started_at": "2026-02-01", "ended_at": "2026-04-01"},
                  {"customer_id": "mid-month", "started_at": "2026-02-15", "ended_at": "2026-02-28"},
                  amount=10, interval="month")
    expected = {("last-day-start", "2026-01"): 10.0, ("last-day-start", "2026-02"): 10.0,
                ("first-day-start", "2026-02"): 10.0, ("first-day-start", "2026-03"): 10.0}
    _assert_same(monthly_mrr(frame, until="2026-05"), expected)


def test_a_subscription_ending_on_the_day_it_starts_has_no_mrr_and_is_no_error():
    # started_at ≤ d < ended_at is empty when they are equal; it is not "a cancel before its start"
    frame = _subs({"customer_id": "a", "started_at": "2026-02-10", "ended_at": "2026-02-10"},
                  {"customer_id": "b", "started_at": "2026-02-10", "ended_at": None},
                  amount=10, interval="month")
    _assert_same(monthly_mrr(frame, until="2026-02"), {("b", "2026-02"): 10.0})


def test_a_blank_ended_at_runs_to_until():
    # §12: "a blank ended_at: still active, written up to `until`"
    frame = _subs({"customer_id": "c", "amount": 50, "interval": "month", "started_at": "2025-11-20"})
    expected = {("c", m): 50.0 for m in ("2025-11", "2025-12", "2026-01", "2026-02", "2026-03")}
    _assert_same(monthly_mrr(frame, until="2026-03"), expected)
    # until given as a date is the same month
    _assert_same(monthly_mrr(frame, until=dt.date(2026, 3, 1)), expected)


def test_until_defaults_to_the_month_of_the_latest_date_in_the_source():
    # §12: "by default the month of the latest date in the source": here another row's
    # started_at (2026-04-20) is the latest date, so the open subscription runs to April.
    frame = _subs({"customer_id": "open", "started_at": "2026-01-05", "ended_at": None},
                  {"customer_id": "late", "started_at": "2026-04-20", "ended_at": None},
                  {"customer_id": "closed", "started_at": "2026-01-05", "ended_at": "2026-03-02"},
                  amount=10, interval="month")
    expected = {("open", m): 10.0 for m in ("2026-01", "2026-02", "2026-03", "2026-04")}
    expected |= {("late", "2026-04"): 10.0, ("closed", "2026-01"): 10.0, ("closed", "2026-02"): 10.0}
    _assert_same(monthly_mrr(frame), expected)


def test_until_default_counts_an_ended_at_as_a_date_of_the_source():
    # the latest date is an ended_at (2026-06-15): the open subscription runs to June
    frame = _subs({"customer_id": "open", "started_at": "2026-04-05", "ended_at": None},
                  {"customer_id": "closed", "started_at": "2026-04-05", "ended_at": "2026-06-15"},
                  amount=10, interval="month")
    got = _as_dict(monthly_mrr(frame))
    assert max(m for c, m in got if c == "open") == "2026-06"


def test_a_trial_is_worth_zero_until_trial_end():
    # §12: "when trial_end is given, d ≥ trial_end (a trial is worth 0 ...)": a trial ending on
    # 31 March counts at the March month-end (31 March ≥ trial_end); one ending on 1 April does not.
    frame = _subs({"customer_id": "ends-on-last-day", "trial_end": "2026-03-31"},
                  {"customer_id": "ends-next-day", "trial_end": "2026-04-01"},
                  amount=40, interval="month", started_at="2026-02-15", ended_at=None)
    expected = {("ends-on-last-day", "2026-03"): 40.0, ("ends-on-last-day", "2026-04"): 40.0,
                ("ends-next-day", "2026-04"): 40.0}
    _assert_same(monthly_mrr(frame, until="2026-04"), expected)


def test_a_subscription_cancelled_during_its_trial_never_has_mrr():
    # §12: "one cancelled during its trial never has MRR"
    frame = _subs({"customer_id": "gone", "started_at": "2026-01-10", "trial_end": "2026-03-10",
                   "ended_at": "2026-02-20"},
                  {"customer_id": "gone-on-trial-end", "started_at": "2026-01-10", "trial_end": "2026-03-10",
                   "ended_at": "2026-03-10"},
                  {"customer_id": "stays", "started_at": "2026-01-10", "trial_end": "2026-02-10",
                   "ended_at": None},
                  amount=25, interval="month")
    got = monthly_mrr(frame, until="2026-04")
    _assert_same(got, {("stays", m): 25.0 for m in ("2026-02", "2026-03", "2026-04")})


def test_several_subscriptions_of_a_customer_are_summed_per_month():
    # §12: "the sum of the monthly amounts of c's subscriptions active on M's last day"
    frame = _subs({"customer_id": "c", "amount": 2000, "quantity": 1, "interval": "year", "started_at": "2026-01-05"},
                  {"customer_id": "c", "amount": 30, "quantity": 2, "interval": "month", "started_at": "2026-02-03",
                   "ended_at": "2026-03-17"},
                  {"customer_id": "c", "amount": 10, "quantity": 1, "interval": "week", "started_at": "2026-02-20",
                   "ended_at": "2026-04-01"})
    yearly, seats, weekly = 2000 / 12, 60.0, 10 * 52 / 12
    expected = {("c", "2026-01"): yearly, ("c", "2026-02"): yearly + seats + weekly,
                ("c", "2026-03"): yearly + weekly, ("c", "2026-04"): yearly}
    _assert_same(monthly_mrr(frame, until="2026-04"), expected)


def test_months_whose_sum_is_zero_have_no_row():
    # §12: "Months whose sum is 0 have no row": a gap month, a free plan, a quantity of 0
    frame = _subs({"customer_id": "gap", "amount": 10, "started_at": "2026-01-01", "ended_at": "2026-02-01"},
                  {"customer_id": "gap", "amount": 10, "started_at": "2026-03-01", "ended_at": None},
                  {"customer_id": "free", "amount": 0, "started_at": "2026-01-01", "ended_at": None},
                  {"customer_id": "zero-seats", "amount": 10, "quantity": 0, "started_at": "2026-01-01"},
                  interval="month")
    got = monthly_mrr(frame, until="2026-03")
    _assert_same(got, {("gap", "2026-01"): 10.0, ("gap", "2026-03"): 10.0})
    assert (got["mrr"] > 0).all()


def test_amounts_are_kept_exact_not_rounded_to_cents():
    # §12: "amounts are kept exact (no rounding to cents)"
    frame = _subs({"customer_id": "y", "amount": 2000, "interval": "year"},
                  {"customer_id": "w", "amount": 9.99, "interval": "week"},
                  {"customer_id": "d", "amount": 0.01, "interval": "day", "interval_count": 3},
                  started_at="2026-01-01")
    got = _as_dict(monthly_mrr(frame, until="2026-01"))
    assert got[("y", "2026-01")] == pytest.approx(2000 / 12, rel=1e-15) and got[("y", "2026-01")] != 166.67
    assert got[("w", "2026-01")] == pytest.approx(9.99 * 52 / 12, rel=1e-15)
    assert got[("d", "2026-01")] == pytest.approx(0.01 * 365 / 12 / 3, rel=1e-12)


def test_output_is_the_section3_subscriptions_table():
    # §12: "The result is an ordinary dataset": customer_id, month (first day), mrr
    frame = _subs({"customer_id": 1001, "amount": 10, "interval": "month", "started_at": "2026-01-15"})
    got = monthly_mrr(frame, until="2026-02")
    assert list(got.columns[:3]) == ["customer_id", "month", "mrr"]
    assert (pd.to_datetime(got["month"]).dt.day == 1).all()
    kpi_core.Dataset({"Subscriptions": got})  # loads as a §3 table


def test_currency_converted_by_the_rates_table():
    # §12: "a `currency` column converted by a rates table (currency, rate to the report currency)"
    frame = _subs({"customer_id": "eu", "amount": 100, "currency": "EUR"},
                  {"customer_id": "us", "amount": 100, "currency": "USD"},
                  {"customer_id": "uk", "amount": 1200, "interval": "year", "currency": "GBP"},
                  interval="month", started_at="2026-01-01")
    got = monthly_mrr(frame, until="2026-01", rates={"EUR": 1.0, "USD": 0.92, "GBP": 1.17})
    _assert_same(got, {("eu", "2026-01"): 100.0, ("us", "2026-01"): 92.0, ("uk", "2026-01"): 117.0})


def test_a_currency_without_a_rate_is_an_error_naming_the_row():
    # §12: "a currency without a rate is an error"
    frame = _subs({"customer_id": "eu", "currency": "EUR"}, {"customer_id": "ch", "currency": "CHF"},
                  amount=100, interval="month", started_at="2026-01-01")
    err = _error(monthly_mrr, frame, until="2026-01", rates={"EUR": 1.0, "USD": 0.92})
    assert "CHF" in str(err) and "currency" in str(err)


def test_a_cancel_before_its_start_is_an_error_naming_column_and_row():
    # §12 / issue 15: "a cancel before its start" is an error naming the column and row
    frame = _subs({"customer_id": "ok", "started_at": "2026-01-05", "ended_at": "2026-03-01"},
                  {"customer_id": "bad", "started_at": "2026-03-05", "ended_at": "2026-02-01"},
                  amount=10, interval="month")
    err = _error(monthly_mrr, frame, until="2026-04")
    assert "ended_at" in str(err) and re.search(r"\b1\b", str(err)), str(err)   # index 1 (default locator)


@pytest.mark.parametrize("column, value", [("interval", "fortnight"), ("amount", -5), ("quantity", -1),
                                           ("started_at", "not a date"), ("amount", "ten")])
def test_a_value_the_rules_cannot_read_is_an_error_naming_the_column(column, value):
    frame = _subs({"customer_id": "c", "amount": 10, "quantity": 1, "interval": "month",
                   "started_at": "2026-01-05"})
    frame[column] = frame[column].astype(object)
    frame.loc[0, column] = value
    err = _error(monthly_mrr, frame, until="2026-02")
    assert column in str(err), str(err)


_DAY0 = dt.date(2024, 1, 1)
_day = st.integers(0, 3 * 365).map(lambda n: _DAY0 + dt.timedelta(days=n))


@st.composite
def _subscription_rows(draw):
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        start = draw(_day)
        end = draw(st.one_of(st.none(), st.integers(1, 700).map(lambda n: start + dt.timedelta(days=n))))
        trial = draw(st.one_of(st.none(), st.integers(-20, 150).map(lambda n: start + dt.timedelta(days=n))))
        rows.append({
            "customer_id": draw(st.sampled_from(["a", "b", "c"])),
            "amount": draw(st.integers(0, 500_000)) / 100,
            "quantity": draw(st.one_of(st.none(), st.integers(0, 5))),
            "interval": draw(st.sampled_from(sorted(_PER_MONTH))),
            "interval_count": draw(st.one_of(st.none(), st.integers(1, 4))),
            "started_at": start.isoformat(),
            "ended_at": None if end is None else end.isoformat(),
            "trial_end": None if trial is None else trial.isoformat(),
        })
    until = draw(st.one_of(st.none(), st.integers(0, 40).map(
        lambda n: f"{2024 + n // 12:04d}-{n % 12 + 1:02d}")))
    return rows, until


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_subscription_rows())
def test_subscription_intervals_equal_a_month_end_calendar_simulation(case):
    # every §12 interval rule at once, against the calendar simulation written above
    rows, until = case
    frame = pd.DataFrame(rows)
    _assert_same(monthly_mrr(frame, until=until), _simulate_subscriptions(rows, until), rel=1e-9)


@settings(max_examples=20, deadline=None)
@given(_subscription_rows())
def test_deriving_per_customer_then_concatenating_equals_deriving_all(case):
    # issue 15: "summing subscriptions commutes with deriving them"
    rows, _ = case
    until = "2026-12"
    whole = _as_dict(monthly_mrr(pd.DataFrame(rows), until=until))
    parts: dict = {}
    for customer in {r["customer_id"] for r in rows}:
        mine = [r for r in rows if r["customer_id"] == customer]
        parts |= _as_dict(monthly_mrr(pd.DataFrame(mine), until=until))
    assert set(parts) == set(whole)
    for key in whole:
        assert parts[key] == pytest.approx(whole[key], rel=1e-12)


# ================================================================ §12 invoice line items


def _lines(*rows, **common) -> pd.DataFrame:
    return pd.DataFrame([{**common, **r} for r in rows])


@pytest.mark.parametrize(
    "start, end, n",
    [
        ("2026-01-10", "2026-02-10", 1),     # monthly
        ("2026-01-10", "2026-04-10", 3),     # quarterly
        ("2026-01-10", "2027-01-10", 12),    # yearly
        ("2026-02-28", "2026-03-28", 1),
    ],
)
def test_invoice_line_billed_in_whole_months_has_amount_over_n(start, end, n):
    # §12: "is billed in whole months (monthly, quarterly, yearly) and has the monthly amount (amount − tax) / n"
    frame = _lines({"customer_id": "c", "amount": 1200, "service_start": start, "service_end": end})
    got = _as_dict(monthly_mrr(frame, "invoices"))
    assert list(got.values()) == [pytest.approx(1200 / n, rel=1e-12)] * n
    _assert_same(monthly_mrr(frame, "invoices"), _simulate_invoices(frame.to_dict("records")))


@pytest.mark.parametrize("offset, whole", [(-3, True), (-2, True), (0, True), (2, True), (3, True),
                                           (-4, False), (4, False), (6, False)])
def test_three_day_tolerance_inclusive_decides_whole_months_or_proration(offset, whole):
    # §12: "service_end within 3 days of E (inclusive ...)"; otherwise a proration with
    # "(amount − tax) × 365 / 12 / days, days being the length of its service period"
    start = dt.date(2026, 1, 10)
    end = dt.date(2026, 4, 10) + dt.timedelta(days=offset)   # E = 10 April (n = 3)
    frame = _lines({"customer_id": "c", "amount": 900, "service_start": start.isoformat(),
                    "service_end": end.isoformat()})
    monthly = 300.0 if whole else 900 * 365 / 12 / (end - start).days
    got = _as_dict(monthly_mrr(frame, "invoices"))
    assert list(got.values()) == [pytest.approx(monthly, rel=1e-12)] * 3, (got, monthly)


def test_nearest_of_n_minus_1_n_n_plus_1_when_the_period_is_a_few_days_short():
    # 10 Jan -> 8 Apr: 2 months and 29 days elapsed, 3 calendar months apart; E with 3 months
    # (10 Apr) is 2 days away: whole months, n = 3, 100 a month (not a proration of 88 days).
    frame = _lines({"customer_id": "c", "amount": 300, "service_start": "2026-01-10", "service_end": "2026-04-08"})
    _assert_same(monthly_mrr(frame, "invoices"),
                 {("c", "2026-01"): 100.0, ("c", "2026-02"): 100.0, ("c", "2026-03"): 100.0})


def test_nearest_of_n_minus_1_when_the_calendar_difference_overshoots():
    # 30 Jan -> 1 Mar: the months differ by 2 but E(2) = 30 Mar is 29 days away; E(1) = 28 Feb
    # (clamped) is 1 day away: one whole month, the full amount. It covers the month-ends of
    # January (31 Jan) and February (28 Feb): "service_start ≤ M's last day < service_end".
    frame = _lines({"customer_id": "c", "amount": 50, "service_start": "2026-01-30", "service_end": "2026-03-01"})
    _assert_same(monthly_mrr(frame, "invoices"), {("c", "2026-01"): 50.0, ("c", "2026-02"): 50.0})


def test_month_end_clamp_31_january_plus_one_month_is_end_of_february():
    # §12: "E = service_start plus n calendar months (the day clamped to the month's last day:
    # 31 Jan + 1 month is 28 or 29 Feb)". 30 Nov + 3 months is 28 Feb (clamped), so a line
    # 30 Nov 2025 -> 25 Feb 2026 is 3 days from E: whole months, 300 / 3. Without the clamp
    # (30 Feb -> 2 Mar) it would be 5 days away and a proration (300 x 365/12 / 87 = 104.89).
    frame = _lines({"customer_id": "c", "amount": 300, "service_start": "2025-11-30", "service_end": "2026-02-25"})
    _assert_same(monthly_mrr(frame, "invoices"),
                 {("c", "2025-11"): 100.0, ("c", "2025-12"): 100.0, ("c", "2026-01"): 100.0})
    # leap year: 31 Jan 2028 + 1 month = 29 Feb 2028; a line to 2 Mar 2028 is 2 days from it
    leap = _lines({"customer_id": "c", "amount": 70, "service_start": "2028-01-31", "service_end": "2028-03-02"})
    _assert_same(monthly_mrr(leap, "invoices"), {("c", "2028-01"): 70.0, ("c", "2028-02"): 70.0})


def test_a_one_month_line_a_few_days_short_is_documented_either_way():
    """§12 leaves open whether n counts elapsed months: 28 Jan -> 25 Feb is 1 calendar month
    apart (E = 28 Feb, 3 days: whole) but 0 months elapsed (n = 0: a proration). The test
    records that the implementation gives one of the two readings, not a third value."""
    frame = _lines({"customer_id": "c", "amount": 60, "service_start": "2026-01-28", "service_end": "2026-02-25"})
    got = _as_dict(monthly_mrr(frame, "invoices"))
    assert got[("c", "2026-01")] in (pytest.approx(60.0), pytest.approx(60 * 365 / 12 / 28))


def test_proration_is_amount_minus_tax_times_365_over_12_over_days():
    # §12: "(amount − tax) × 365 / 12 / days": 15 Jan -> 1 Feb is 17 days
    frame = _lines({"customer_id": "c", "amount": 40, "tax": 6, "service_start": "2026-01-15",
                    "service_end": "2026-02-01"})
    _assert_same(monthly_mrr(frame, "invoices"), {("c", "2026-01"): 34 * 365 / 12 / 17})


def test_tax_is_subtracted_and_a_blank_tax_is_zero():
    # §12: "tax (subtracted when given)"; "a blank tax 0"
    frame = _lines({"customer_id": "taxed", "amount": 120, "tax": 20},
                   {"customer_id": "blank", "amount": 120, "tax": None},
                   service_start="2026-01-01", service_end="2026-02-01")
    _assert_same(monthly_mrr(frame, "invoices"), {("taxed", "2026-01"): 100.0, ("blank", "2026-01"): 120.0})


def test_one_time_lines_are_excluded():
    # §12: "one-time lines are validated and then excluded"
    frame = _lines({"customer_id": "c", "amount": 100, "type": "subscription", "service_start": "2026-01-01",
                    "service_end": "2026-02-01"},
                   {"customer_id": "c", "amount": 5000, "type": "one-time", "service_start": "2026-01-01",
                    "service_end": "2026-02-01"},
                   {"customer_id": "c", "amount": 100, "type": None, "service_start": "2026-02-01",
                    "service_end": "2026-03-01"})
    _assert_same(monthly_mrr(frame, "invoices"), {("c", "2026-01"): 100.0, ("c", "2026-02"): 100.0})


@pytest.mark.parametrize("bad", [{"amount": -99}, {"amount": "lots"}, {"customer_id": None}])
def test_one_time_lines_are_validated_before_they_are_excluded(bad):
    # §12: "one-time lines are validated and then excluded": a bad one-time line is an error
    good = {"customer_id": "c", "amount": 100, "type": "subscription", "service_start": "2026-01-01",
            "service_end": "2026-02-01"}
    one_time = {"customer_id": "c", "amount": 99, "type": "one-time", "service_start": "2026-01-05",
                "service_end": "2026-01-06", **bad}
    frame = pd.DataFrame([good, one_time]).astype(object)
    _error(monthly_mrr, frame, "invoices")


def test_an_unknown_line_type_is_an_error():
    frame = _lines({"customer_id": "c", "amount": 10, "type": "usage", "service_start": "2026-01-01",
                    "service_end": "2026-02-01"})
    assert "type" in str(_error(monthly_mrr, frame, "invoices"))


def test_a_line_contributes_when_service_start_le_month_end_lt_service_end():
    # §12: "A line contributes its monthly amount to month M when service_start ≤ M's last day < service_end"
    frame = _lines({"customer_id": "starts-on-last-day", "service_start": "2026-01-31", "service_end": "2026-02-28"},
                   {"customer_id": "ends-on-last-day", "service_start": "2026-02-01", "service_end": "2026-02-28"},
                   {"customer_id": "ends-after-last-day", "service_start": "2026-02-01", "service_end": "2026-03-01"},
                   amount=28)
    got = _as_dict(monthly_mrr(frame, "invoices"))
    # 31 Jan -> 28 Feb: one whole month (E = 28 Feb, clamped), counted at the January month-end only
    assert got[("starts-on-last-day", "2026-01")] == pytest.approx(28.0)
    assert ("starts-on-last-day", "2026-02") not in got
    # 1 Feb -> 28 Feb: 27 days, a proration, and 28 Feb is not < 28 Feb: no month at all
    assert not any(c == "ends-on-last-day" for c, _ in got)
    assert got[("ends-after-last-day", "2026-02")] == pytest.approx(28.0)


def test_lines_of_one_customer_month_are_summed():
    # §12: "a customer's lines in the same month are summed (a base plan and add-on seats; an
    # upgrade's proration line on top of the old plan's line)"
    frame = _lines({"customer_id": "c", "amount": 100, "service_start": "2026-03-01", "service_end": "2026-04-01"},
                   {"customer_id": "c", "amount": 45, "service_start": "2026-03-01", "service_end": "2026-04-01"},
                   {"customer_id": "c", "amount": 20, "service_start": "2026-03-16", "service_end": "2026-04-01"})
    _assert_same(monthly_mrr(frame, "invoices"), {("c", "2026-03"): 145 + 20 * 365 / 12 / 16})


def test_invoice_currency_converted_and_unknown_currency_is_an_error():
    frame = _lines({"customer_id": "c", "amount": 100, "currency": "USD"},
                   {"customer_id": "d", "amount": 100, "currency": "EUR"},
                   service_start="2026-01-01", service_end="2026-02-01")
    _assert_same(monthly_mrr(frame, "invoices", rates={"USD": 0.5, "EUR": 1}),
                 {("c", "2026-01"): 50.0, ("d", "2026-01"): 100.0})
    assert "USD" in str(_error(monthly_mrr, frame, "invoices", rates={"EUR": 1}))


def test_invoice_service_end_before_start_is_an_error():
    frame = _lines({"customer_id": "c", "amount": 100, "service_start": "2026-02-01", "service_end": "2026-01-01"})
    assert "service_end" in str(_error(monthly_mrr, frame, "invoices"))


@st.composite
def _invoice_lines(draw):
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        start = draw(_day)
        if draw(st.booleans()):      # whole months, up to 3 days off (never early for a one-month line)
            k = draw(st.sampled_from([1, 1, 2, 3, 6, 12]))
            offset = draw(st.integers(0 if k == 1 else -3, 3))
            end = _add_months(start, k) + dt.timedelta(days=offset)
        else:                        # a proration: 4..24 days, at least 4 days from any whole month
            end = start + dt.timedelta(days=draw(st.integers(4, 24)))
        amount = draw(st.integers(0, 500_000)) / 100
        tax = draw(st.one_of(st.none(), st.integers(0, int(amount * 100)).map(lambda c: c / 100)))
        lines.append({"customer_id": draw(st.sampled_from(["a", "b"])), "amount": amount, "tax": tax,
                      "service_start": start.isoformat(), "service_end": end.isoformat(),
                      "type": draw(st.sampled_from(["subscription", "subscription", "one-time"]))})
    if all(r["type"] == "one-time" for r in lines):
        lines[0]["type"] = "subscription"
    return lines


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_invoice_lines())
def test_invoice_lines_equal_a_month_end_calendar_simulation(lines):
    until = "2027-06"
    _assert_same(monthly_mrr(pd.DataFrame(lines), "invoices", until=until),
                 _simulate_invoices(lines, until), rel=1e-9)


# ================================================================ ChartMogul's walk-through


def test_chartmogul_lifecycle_of_a_customer_reproduced_month_by_month():
    """ChartMogul, "Lifecycle of a customer" (help.chartmogul.com/hc/en-us/articles/201244842):

    - "Syncalytics subscribes to four Gold yearly plans. You bill them $2,000. ChartMogul
      classifies the MRR as New Business with a value of $166.67 ($2,000 / 12)."
    - "A few days later, Syncalytics adds two Silver monthly plans. You bill them $60. ...
      classifies it as Expansion"
    - "cancels their subscription mid-cycle ... classifies the $60 in MRR as Contraction"
    - "canceling their subscription ... classifies the cancellation as Churn and reports the
      churn at the end of the current billing period (since they've already paid for the
      entire year)."
    - "Syncalytics re-subscribes! This time, they choose three Gold monthly plans. As a
      former paying subscriber, ChartMogul classifies the [MRR as reactivation]"; the
      article's plan table prices Gold monthly at $50, so 3 x 50 = 150.

    The article gives no dates; the events are placed in separate months (issue 15). The
    yearly plan's ended_at is the end of its paid year (DESIGN.md §12: "ChartMogul counts a
    yearly plan cancelled mid-year as churned at the end of the paid year").
    """
    subs = _subs(
        {"customer_id": "Syncalytics", "amount": 500, "quantity": 4, "interval": "year",
         "started_at": "2026-01-05", "ended_at": "2027-01-05"},
        {"customer_id": "Syncalytics", "amount": 30, "quantity": 2, "interval": "month",
         "started_at": "2026-02-03", "ended_at": "2026-03-17"},
        {"customer_id": "Syncalytics", "amount": 50, "quantity": 3, "interval": "month",
         "started_at": "2027-03-10", "ended_at": None},
    )
    derived = monthly_mrr(subs, until="2027-04")
    mv = kpi_core.mrr_movements(derived).set_index("month")
    mv.index = pd.to_datetime(mv.index).strftime("%Y-%m")

    def month(m):
        return {k: round(float(mv.loc[m, k]), 2) for k in ("new", "expansion", "contraction", "churn",
                                                           "reactivation", "end_mrr")}

    zero = dict(new=0.0, expansion=0.0, contraction=0.0, churn=0.0, reactivation=0.0)
    assert month("2026-01") == {**zero, "new": 166.67, "end_mrr": 166.67}
    assert month("2026-02") == {**zero, "expansion": 60.0, "end_mrr": 226.67}
    assert month("2026-03") == {**zero, "contraction": 60.0, "end_mrr": 166.67}
    for m in ("2026-04", "2026-08", "2026-12"):
        assert month(m) == {**zero, "end_mrr": 166.67}
    assert month("2027-01") == {**zero, "churn": 166.67, "end_mrr": 0.0}
    assert "2027-02" not in mv.index or month("2027-02") == {**zero, "end_mrr": 0.0}
    assert month("2027-03") == {**zero, "reactivation": 150.0, "end_mrr": 150.0}
    assert month("2027-04") == {**zero, "end_mrr": 150.0}
    # the new business is the exact 2000 / 12, not 166.67 rounded
    assert float(mv.loc["2026-01", "new"]) == pytest.approx(2000 / 12, rel=1e-15)


# ================================================================ §12 mappings through files


def _write_csv(path: Path, header, rows, delimiter=","):
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _apply(folder: Path, mapping: str, **kwargs) -> kpi_core.Dataset:
    path = folder / "mapping.toml"
    path.write_text(mapping, encoding="utf-8")
    return apply_mapping(path, **kwargs)


def _apply_error(folder: Path, mapping: str) -> str:
    path = folder / "mapping.toml"
    path.write_text(mapping, encoding="utf-8")
    return str(_error(apply_mapping, path))


_RESPONSES = """
[Responses]
file = "survey.csv"
{dates}
columns = {{ customer_id = "Compte", date = "Date de réponse", score = "Note" }}
constants = {{ survey = "NPS" }}
"""

# §12: "French month names are read in full and in their usual abbreviations (janvier/janv.,
# février/févr., mars, avril/avr., mai, juin, juillet/juil., août, septembre/sept.,
# octobre/oct., novembre/nov., décembre/déc.), as English ones are."
_FRENCH = [("janvier", "janv.", 1), ("février", "févr.", 2), ("mars", None, 3), ("avril", "avr.", 4),
           ("mai", None, 5), ("juin", None, 6), ("juillet", "juil.", 7), ("août", None, 8),
           ("septembre", "sept.", 9), ("octobre", "oct.", 10), ("novembre", "nov.", 11),
           ("décembre", "déc.", 12)]
_FRENCH_CASES = [(f"14 {name} 2026", m) for name, _, m in _FRENCH] + \
                [(f"14 {abbr} 2026", m) for _, abbr, m in _FRENCH if abbr]
_ENGLISH_CASES = [("14 January 2026", 1), ("February 14, 2026", 2), ("14 Mar 2026", 3), ("Sep 14, 2026", 9),
                  ("14 December 2026", 12)]


@pytest.mark.parametrize("text, month", _FRENCH_CASES + _ENGLISH_CASES)
def test_dates_with_french_or_english_month_names(tmp_path, text, month):
    _write_csv(tmp_path / "survey.csv", ["Compte", "Date de réponse", "Note"], [["c1", text, 9]])
    ds = _apply(tmp_path, _RESPONSES.format(dates='dates = "day-first"'))
    assert ds.table("Responses")["date"].tolist() == [pd.Timestamp(2026, month, 14)]


@pytest.mark.parametrize(
    "setting, text, expected",
    [
        ('dates = "day-first"', "05/03/2026", (2026, 3, 5)),      # §12: "05/03/2026 is 5 March"
        ('dates = "month-first"', "03/05/2026", (2026, 3, 5)),
        ('dates = "%d.%m.%Y"', "05.03.2026", (2026, 3, 5)),       # a strftime format
        ('dates = "%Y%m%d"', "20260305", (2026, 3, 5)),
        ('dates = "iso"', "2026-03-05", (2026, 3, 5)),
        ("", "2026-03-05", (2026, 3, 5)),                        # no setting: ISO
        ('dates = "day-first"', "31/12/2025", (2025, 12, 31)),
        ('dates = "month-first"', "12/31/2025", (2025, 12, 31)),
    ],
)
def test_date_settings_day_first_month_first_strftime_iso(tmp_path, setting, text, expected):
    _write_csv(tmp_path / "survey.csv", ["Compte", "Date de réponse", "Note"], [["c1", text, 9]])
    ds = _apply(tmp_path, _RESPONSES.format(dates=setting))
    assert ds.table("Responses")["date"].tolist() == [pd.Timestamp(*expected)]


def test_a_date_that_does_not_read_under_the_setting_is_an_error_naming_file_column_and_data_row(tmp_path):
    # §12: "Errors name the source file, the source's column header and the data row (1 = the
    # first row under the header)": 31/12/2025 is no month-first date; it is data row 2.
    _write_csv(tmp_path / "survey.csv", ["Compte", "Date de réponse", "Note"],
               [["c1", "12/30/2025", 9], ["c2", "31/12/2025", 7]])
    message = _apply_error(tmp_path, _RESPONSES.format(dates='dates = "month-first"'))
    assert "survey.csv" in message and "Date de réponse" in message, message
    assert re.search(r"\brow 2\b", message) and not re.search(r"\brow 3\b", message), message


def test_decimal_comma_and_cents_scale(tmp_path):
    # §12: "amounts in cents or with a decimal comma"; "amounts are kept exact (no rounding to cents)"
    _write_csv(tmp_path / "orders.csv", ["N°", "Client", "Date", "Montant"],
               [["o1", "c1", "05/03/2026", "12,5"], ["o2", "c1", "06/03/2026", "1234,5"]], delimiter=";")
    ds = _apply(tmp_path, """
[Orders]
file = "orders.csv"
delimiter = ";"
decimal = ","
dates = "day-first"
columns = { order_id = "N°", customer_id = "Client", date = "Date", amount = "Montant" }
""")
    assert ds.table("Orders")["amount"].tolist() == [12.5, 1234.5]
    ds = _apply(tmp_path, """
[Orders]
file = "orders.csv"
delimiter = ";"
decimal = ","
dates = "day-first"
scale = { amount = 0.01 }
columns = { order_id = "N°", customer_id = "Client", date = "Date", amount = "Montant" }
""")
    assert ds.table("Orders")["amount"].tolist() == [pytest.approx(0.125, rel=1e-15), pytest.approx(12.345, rel=1e-15)]


def test_cents_scale_on_a_comma_csv(tmp_path):
    _write_csv(tmp_path / "orders.csv", ["order_id", "customer_id", "date", "amount_cents"],
               [["o1", "c1", "2026-03-05", "1999"], ["o2", "c2", "2026-03-06", "5"]])
    ds = _apply(tmp_path, """
[Orders]
file = "orders.csv"
scale = { amount = 0.01 }
columns = { amount = "amount_cents" }
""")
    assert ds.table("Orders")["amount"].tolist() == [pytest.approx(19.99), pytest.approx(0.05)]


def test_value_maps_text_to_scores_and_status_to_boolean(tmp_path):
    # §12: "value maps (answer text → score, status → boolean, yes/no words)"
    _write_csv(tmp_path / "survey.csv", ["Compte", "Date", "Satisfaction"],
               [["c1", "2026-03-01", "Très satisfait"], ["c2", "2026-03-02", "Neutre"],
                ["c3", "2026-03-03", "Satisfait"]])
    _write_csv(tmp_path / "tickets.csv", ["Ticket ID", "Org", "Created at", "Resolution", "Résolu au 1er contact"],
               [["t1", "c1", "2026-03-01", "One-touch", "Oui"], ["t2", "c2", "2026-03-02", "Multi-touch", "Non"],
                ["t3", "c3", "2026-03-03", "Two-touch", "Oui"]])
    ds = _apply(tmp_path, """
[Responses]
file = "survey.csv"
columns = { customer_id = "Compte", date = "Date", score = "Satisfaction" }
constants = { survey = "CSAT" }
values = { score = { "Très satisfait" = 5, "Satisfait" = 4, "Neutre" = 3 } }

[Tickets]
file = "tickets.csv"
columns = { ticket_id = "Ticket ID", customer_id = "Org", opened_at = "Created at", resolved_first_contact = "Resolution" }
values = { resolved_first_contact = { "One-touch" = true, "Two-touch" = false, "Multi-touch" = false } }
""")
    assert ds.table("Responses")["score"].tolist() == [5.0, 3.0, 4.0]
    assert ds.table("Tickets")["resolved_first_contact"].astype(bool).tolist() == [True, False, False]
    # the same tickets' yes/no column in French words
    ds = _apply(tmp_path, """
[Tickets]
file = "tickets.csv"
columns = { ticket_id = "Ticket ID", customer_id = "Org", opened_at = "Created at", resolved_first_contact = "Résolu au 1er contact" }
values = { resolved_first_contact = { "Oui" = true, "Non" = false } }
""")
    assert ds.table("Tickets")["resolved_first_contact"].astype(bool).tolist() == [True, False, True]


def test_a_value_the_map_cannot_convert_is_an_error_naming_file_column_and_row(tmp_path):
    # §12: "What the mapping cannot convert is an error naming the source file, column and row"
    _write_csv(tmp_path / "survey.csv", ["Compte", "Date", "Satisfaction"],
               [["c1", "2026-03-01", "Très satisfait"], ["c2", "2026-03-02", "Plutôt content"]])
    message = _apply_error(tmp_path, """
[Responses]
file = "survey.csv"
columns = { customer_id = "Compte", date = "Date", score = "Satisfaction" }
constants = { survey = "CSAT" }
values = { score = { "Très satisfait" = 5 } }
""")
    assert "survey.csv" in message and "Satisfaction" in message and re.search(r"\brow 2\b", message), message


def test_constants_fill_a_column_for_every_row(tmp_path):
    # §12: "constants (`survey = "NPS"`)"
    _write_csv(tmp_path / "nps.csv", ["Account", "When", "Score"],
               [["c1", "2026-03-01", 10], ["c2", "2026-03-02", 0]])
    ds = _apply(tmp_path, """
[Responses]
file = "nps.csv"
columns = { customer_id = "Account", date = "When", score = "Score" }
constants = { survey = "NPS" }
""")
    assert ds.table("Responses")["survey"].tolist() == ["NPS", "NPS"]
    assert kpi_core.nps(ds.table("Responses")["score"]) == 0.0    # (1 promoter - 1 detractor) / 2


def test_unpivot_one_row_per_non_empty_cell(tmp_path):
    # §12: "each listed question column becomes one Responses row per non-empty cell (survey =
    # the value given, score = the cell, after `values`); an empty cell is no row."
    _write_csv(tmp_path / "export.csv",
               ["Compte", "Date de réponse", "Recommanderiez-vous ?", "Satisfait ?", "Commentaire"],
               [["c1", "05/03/2026", "9", "Très satisfait", "super"],
                ["c2", "06/03/2026", "", "Neutre", ""],
                ["c3", "07/03/2026", "4", "", "bof"],
                ["c4", "08/03/2026", "", "", ""]])
    ds = _apply(tmp_path, """
[Responses]
file = "export.csv"
dates = "day-first"
columns = { customer_id = "Compte", date = "Date de réponse" }
unpivot = { "Recommanderiez-vous ?" = "NPS", "Satisfait ?" = "CSAT" }
values = { score = { "Très satisfait" = 5, "Satisfait" = 4, "Neutre" = 3 } }
""")
    got = sorted(ds.table("Responses")[["customer_id", "survey", "score", "date"]].itertuples(index=False, name=None))
    assert got == sorted([("c1", "NPS", 9.0, pd.Timestamp(2026, 3, 5)), ("c1", "CSAT", 5.0, pd.Timestamp(2026, 3, 5)),
                          ("c2", "CSAT", 3.0, pd.Timestamp(2026, 3, 6)), ("c3", "NPS", 4.0, pd.Timestamp(2026, 3, 7))])


def test_months_sheet_unpivoted_empty_and_zero_cells_no_row_other_columns_ignored(tmp_path):
    # §12: "With from = "months", columns names the customer column and every other column
    # whose header reads as a month ("Jan 2026", "janv. 2026", "2026-03", an Excel date) is a
    # month; other columns are ignored; empty cells and 0 are no row."
    _write_csv(tmp_path / "mrr.csv", ["Client", "Segment", "Jan 2026", "févr. 2026", "2026-03", "Total"],
               [["c1", "SMB", "100", "0", "120", "220"],
                ["c2", "ENT", "", "50", "60.5", "110.5"],
                ["c3", "SMB", "", "", "", "0"]])
    ds = _apply(tmp_path, """
[Subscriptions]
file = "mrr.csv"
from = "months"
columns = { customer_id = "Client" }
""")
    _assert_same(ds.table("Subscriptions"), {("c1", "2026-01"): 100.0, ("c1", "2026-03"): 120.0,
                                             ("c2", "2026-02"): 50.0, ("c2", "2026-03"): 60.5})


def test_months_sheet_with_french_abbreviated_header(tmp_path):
    _write_csv(tmp_path / "mrr.csv", ["Client", "déc. 2025", "janv. 2026", "mars 2026"],
               [["c1", "10", "20", "30"]])
    ds = _apply(tmp_path, """
[Subscriptions]
file = "mrr.csv"
from = "months"
columns = { customer_id = "Client" }
""")
    _assert_same(ds.table("Subscriptions"), {("c1", "2025-12"): 10.0, ("c1", "2026-01"): 20.0,
                                             ("c1", "2026-03"): 30.0})


def test_months_sheet_in_a_workbook_with_excel_date_headers(tmp_path):
    # §12: "an Excel date" header is a month; an error names the sheet's cell
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "MRR"
    ws.append(["Client", "Owner", dt.datetime(2026, 1, 1), "Feb 2026", dt.datetime(2026, 3, 1)])
    ws.append(["c1", "Ann", 100, None, 300])
    ws.append(["c2", "Bob", 0, 200.25, 0])
    wb.save(tmp_path / "finance.xlsx")
    mapping = """
[Subscriptions]
file = "finance.xlsx"
sheet = "MRR"
from = "months"
columns = { customer_id = "Client" }
"""
    ds = _apply(tmp_path, mapping)
    _assert_same(ds.table("Subscriptions"), {("c1", "2026-01"): 100.0, ("c1", "2026-03"): 300.0,
                                             ("c2", "2026-02"): 200.25})
    ws["E3"] = "lots"
    wb.save(tmp_path / "finance.xlsx")
    message = _apply_error(tmp_path, mapping)
    assert "finance.xlsx" in message and ("E3" in message or re.search(r"\brow 2\b", message)), message


def test_months_sheet_excel_date_header_on_the_month_end(tmp_path):
    """Finance sheets often head a month with its last day (31/01/2026): "an Excel date" reads as its month."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "MRR"
    ws.append(["Client", dt.datetime(2026, 1, 31), dt.datetime(2026, 2, 28)])
    ws.append(["c1", 100, 110])
    wb.save(tmp_path / "finance.xlsx")
    ds = _apply(tmp_path, """
[Subscriptions]
file = "finance.xlsx"
sheet = "MRR"
from = "months"
columns = { customer_id = "Client" }
""")
    _assert_same(ds.table("Subscriptions"), {("c1", "2026-01"): 100.0, ("c1", "2026-02"): 110.0})


def test_subscriptions_from_intervals_through_a_mapping_file(tmp_path):
    # the mapping file of §12: renamed columns, cents, until
    _write_csv(tmp_path / "subs.csv",
               ["cust", "price_cents", "every", "count", "seats", "start", "cancel"],
               [["a", "200000", "year", "1", "1", "2026-01-05", ""],
                ["a", "3000", "month", "1", "2", "2026-02-03", "2026-03-17"],
                ["b", "9999", "month", "", "", "2026-03-31", ""]])
    ds = _apply(tmp_path, """
[Subscriptions]
file = "subs.csv"
from = "subscriptions"
until = "2026-04"
scale = { amount = 0.01 }

[Subscriptions.columns]
customer_id = "cust"
amount = "price_cents"
interval = "every"
interval_count = "count"
quantity = "seats"
started_at = "start"
ended_at = "cancel"
""")
    yearly = 2000 / 12
    _assert_same(ds.table("Subscriptions"),
                 {("a", "2026-01"): yearly, ("a", "2026-02"): yearly + 60, ("a", "2026-03"): yearly,
                  ("a", "2026-04"): yearly, ("b", "2026-03"): 99.99, ("b", "2026-04"): 99.99})


def test_invoices_through_a_mapping_file_with_a_currency_section(tmp_path):
    _write_csv(tmp_path / "lines.csv", ["Customer", "Total", "VAT", "From", "To", "Kind", "Cur"],
               [["a", "120", "20", "2026-01-01", "2026-02-01", "subscription", "EUR"],
                ["a", "99", "0", "", "", "one-time", "EUR"],
                ["b", "300", "", "2026-01-15", "2026-04-15", "subscription", "USD"]])
    ds = _apply(tmp_path, """
[Subscriptions]
file = "lines.csv"
from = "invoices"
columns = { customer_id = "Customer", amount = "Total", tax = "VAT", service_start = "From", service_end = "To", type = "Kind" }

[Currency]
column = "Cur"
rates = { EUR = 1.0, USD = 0.5 }
""")
    _assert_same(ds.table("Subscriptions"), {("a", "2026-01"): 100.0, ("b", "2026-01"): 50.0,
                                             ("b", "2026-02"): 50.0, ("b", "2026-03"): 50.0})


def test_a_currency_without_a_rate_through_a_mapping_names_file_and_row(tmp_path):
    _write_csv(tmp_path / "lines.csv", ["customer_id", "amount", "service_start", "service_end", "cur"],
               [["a", "120", "2026-01-01", "2026-02-01", "EUR"], ["b", "120", "2026-01-01", "2026-02-01", "JPY"]])
    message = _apply_error(tmp_path, """
[Subscriptions]
file = "lines.csv"
from = "invoices"

[Currency]
column = "cur"
rates = { EUR = 1.0 }
""")
    assert "lines.csv" in message and "JPY" in message and re.search(r"\brow 2\b", message), message


def test_a_mapping_naming_a_missing_column_says_which_and_lists_the_file_columns(tmp_path):
    # issue 15: "A mapping that names a missing file or column says which, and lists the columns the file has."
    _write_csv(tmp_path / "crm.csv", ["Account ID", "Account", "Tier"], [["c1", "Acme", "SMB"]])
    message = _apply_error(tmp_path, """
[Customers]
file = "crm.csv"
columns = { customer_id = "Account Number", name = "Account" }
""")
    assert "crm.csv" in message and "Account Number" in message and "Tier" in message, message


def test_a_mapping_naming_a_missing_file_says_which(tmp_path):
    message = _apply_error(tmp_path, """
[Customers]
file = "nowhere.csv"
""")
    assert "nowhere.csv" in message


# ---------------------------------------------------------------- Baremetrics' published template

#: Baremetrics' subscription import template (docs.google.com/spreadsheets/d/1IJHXeGiuIK9C-J2dEUZJqlFYIp4aEzCwIDXfJBWJuAc,
#: linked from help.baremetrics.com "Manual Subscription Import Guide"): its columns in its order,
#: and its two "Example with Correct Formatting" rows. plan_amount is "cents integer $1 = 100",
#: subscription_canceled_at is "ONLY if subscription has a cancelation date-not period end",
#: subscription_quantity "field is optional (default: 1)".
_BAREMETRICS_HEADER = ["plan_oid", "plan_name", "plan_currency", "plan_amount", "plan_interval",
                       "plan_interval_count", "customer_oid", "customer_name", "customer_email",
                       "subscription_oid", "subscription_started_at", "subscription_canceled_at",
                       "subscription_quantity"]
_BAREMETRICS_EXAMPLE = [
    ["plan_1", "SEO", "USD", "5000", "month", "1", "customer_1", "Allison Barkley", "allison@baremetrics.com",
     "subscription_1", "2020-03-31", "2020-05-04", "1"],
    ["plan_2", "SEM", "USD", "5000", "month", "1", "customer_1", "Allison Barkley", "allison@baremetrics.com",
     "subscription_2", "2020-03-31", "2020-05-04", "1"],
]
_BAREMETRICS_MORE = [
    # a yearly plan of $1,200 with a blank quantity (default 1): 100 a month
    ["plan_3", "Annual", "USD", "120000", "year", "1", "customer_2", "Bob Lee", "bob@example.com",
     "subscription_3", "2020-04-15", "", ""],
    # a quarterly plan the template's way ("the interval is 'month' and the count is 3"), 2 seats: $30 x 2 / 3
    ["plan_4", "Quarterly", "USD", "3000", "month", "3", "customer_3", "Cy Young", "cy@example.com",
     "subscription_4", "2020-03-01", "", "2"],
    # a weekly plan of $12: 12 x 52/12 = 52 a month
    ["plan_5", "Weekly", "USD", "1200", "week", "1", "customer_3", "Cy Young", "cy@example.com",
     "subscription_5", "2020-04-01", "", "1"],
]


def _baremetrics_expected():
    # latest date of the export: 2020-05-04, so open subscriptions run to May 2020
    return {("customer_1", "2020-03"): 100.0, ("customer_1", "2020-04"): 100.0,
            ("customer_2", "2020-04"): 100.0, ("customer_2", "2020-05"): 100.0,
            ("customer_3", "2020-03"): 20.0, ("customer_3", "2020-04"): 72.0, ("customer_3", "2020-05"): 72.0}


def test_builtin_baremetrics_mapping_on_the_published_template(tmp_path):
    # §12: "`--map baremetrics` is a built-in mapping for Baremetrics' published subscription
    # CSV template: Subscriptions from the plan and subscription columns (plan_amount in
    # cents), Customers from customer_oid and customer_name"
    billing = _write_csv(tmp_path / "billing.csv", _BAREMETRICS_HEADER, _BAREMETRICS_EXAMPLE + _BAREMETRICS_MORE)
    ds = apply_mapping("baremetrics", [billing])
    _assert_same(ds.table("Subscriptions"), _baremetrics_expected())
    customers = ds.table("Customers").set_index("customer_id")["name"].to_dict()
    assert customers == {"customer_1": "Allison Barkley", "customer_2": "Bob Lee", "customer_3": "Cy Young"}


def test_builtin_baremetrics_with_several_currencies_is_an_error(tmp_path):
    # §12: "several plan_currency values need a mapping file with a [Currency] section"
    rows = [r[:] for r in _BAREMETRICS_EXAMPLE]
    rows[1][2] = "EUR"
    billing = _write_csv(tmp_path / "billing.csv", _BAREMETRICS_HEADER, rows)
    message = str(_error(apply_mapping, "baremetrics", [billing]))
    assert "billing.csv" in message and ("EUR" in message or "plan_currency" in message), message


def test_builtin_baremetrics_cancel_before_start_names_file_header_and_data_row(tmp_path):
    rows = _BAREMETRICS_EXAMPLE + _BAREMETRICS_MORE
    rows = [r[:] for r in rows]
    rows[2][11] = "2020-04-01"       # data row 3: cancelled before its start (2020-04-15)
    billing = _write_csv(tmp_path / "billing.csv", _BAREMETRICS_HEADER, rows)
    message = str(_error(apply_mapping, "baremetrics", [billing]))
    assert "billing.csv" in message and "subscription_canceled_at" in message, message
    assert re.search(r"\brow 3\b", message) and not re.search(r"\brow 4\b", message), message


# ================================================================ cskpi import


def _digest(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def _dtd_workbook(path: Path, header, rows) -> Path:
    """An .xlsx whose sheet XML declares a DTD with an entity (Excel never writes one)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Billing"
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    doctype = '<!DOCTYPE worksheet [<!ENTITY lol "lol">]>'
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                if text.startswith("<?xml"):
                    declaration, _, rest = text.partition("?>")
                    text = declaration + "?>" + doctype + rest
                else:
                    text = doctype + text
                assert "<!DOCTYPE" in text
                data = text.encode("utf-8")
            dst.writestr(item, data)
    return path


_GOOD_SUBS = [["a", "1000", "month", "1", "1", "2026-01-05", ""]]
_SUBS_HEADER = ["customer_id", "amount", "interval", "interval_count", "quantity", "started_at", "ended_at"]
_SUBS_MAP = """
[Subscriptions]
file = "subs.csv"
from = "subscriptions"
{extra}
"""


def _hostile(tmp_path: Path, case: str) -> Path:
    """Write a hostile export and its mapping; return the mapping."""
    rows = [r[:] for r in _GOOD_SUBS] + [["b", "1000", "month", "1", "1", "2026-02-05", ""]]
    extra = ""
    if case == "unknown column":
        extra = 'columns = { customer_id = "Customer" }'
    elif case == "unparseable date":
        rows[1][5] = "2026-02-31"
    elif case == "cancel before start":
        rows[1][6] = "2026-01-01"
    elif case == "negative quantity":
        rows[1][4] = "-2"
    elif case == "unknown interval":
        rows[1][2] = "fortnight"
    elif case == "currency without a rate":
        for r, cur in zip(rows, ["EUR", "GBP"]):
            r.append(cur)
        extra = '[Currency]\ncolumn = "currency"\nrates = { EUR = 1.0 }'
    header = _SUBS_HEADER + (["currency"] if case == "currency without a rate" else [])
    _write_csv(tmp_path / "subs.csv", header, rows)
    mapping = tmp_path / "mapping.toml"
    text = _SUBS_MAP.format(extra=extra)
    if case == "toml syntax":
        text += "\n[Customers\nfile = 1\n"
    if case == "missing file":
        text = text.replace("subs.csv", "gone.csv")
    if case == "unknown setting":
        text += '\n[Responses]\nfile = "subs.csv"\ncolour = "blue"\n'
    if case == "DTD in the workbook":
        _dtd_workbook(tmp_path / "billing.xlsx", header, rows)
        text = text.replace('file = "subs.csv"', 'file = "billing.xlsx"\nsheet = "Billing"')
    mapping.write_text(text, encoding="utf-8")
    return mapping


_HOSTILE = ["unknown column", "unparseable date", "cancel before start", "negative quantity", "unknown interval",
            "currency without a rate", "toml syntax", "missing file", "unknown setting", "DTD in the workbook"]


@pytest.mark.parametrize("case", _HOSTILE)
def test_cskpi_import_hostile_input_one_line_exit_2_nothing_written(tmp_path, capsys, case):
    # common.md / issue 15: "end in one clear line, exit 2, nothing written"; no input is modified
    mapping = _hostile(tmp_path, case)
    before = _digest(tmp_path)
    out_dir = tmp_path / "out"
    status, out, err = _run(capsys, "import", "--map", mapping, "--out", out_dir)
    assert status == 2, (status, out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err + out, err
    assert not out_dir.exists() or not any(out_dir.iterdir())
    assert _digest(tmp_path) == before
    if case in ("unparseable date", "cancel before start", "negative quantity", "unknown interval",
                "currency without a rate"):
        assert "subs.csv" in err and re.search(r"\brow 2\b", err), err


def test_cskpi_import_refuses_a_file_past_the_size_limit_without_reading_it(tmp_path, capsys, monkeypatch):
    # issue 15: "a 1 GB file" ends in one clear line, exit 2; README: CSKPI_MAX_FILE_MB bounds it
    monkeypatch.setenv("CSKPI_MAX_FILE_MB", "1")
    big = tmp_path / "subs.csv"
    with big.open("w") as f:
        f.write(",".join(_SUBS_HEADER) + "\n")
        line = "a,1000,month,1,1,2026-01-05,\n"
        f.write(line * (2 * 1024 * 1024 // len(line) + 1))
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(_SUBS_MAP.format(extra=""), encoding="utf-8")
    status, out, err = _run(capsys, "import", "--map", mapping, "--out", tmp_path / "out")
    assert status == 2 and len(err.strip().splitlines()) == 1 and "subs.csv" in err, err
    assert not (tmp_path / "out").exists()


def test_cskpi_import_baremetrics_writes_the_tables_a_user_expects(tmp_path):
    # §12: "`cskpi import billing.csv --map baremetrics` ... needs no file"; run as a user
    # would, in a separate process: exit 0 and the §3 CSVs hold the hand-worked MRR
    billing = _write_csv(tmp_path / "billing.csv", _BAREMETRICS_HEADER, _BAREMETRICS_EXAMPLE + _BAREMETRICS_MORE)
    before = billing.read_bytes()
    result = subprocess.run([sys.executable, "-m", "cskpi", "import", str(billing), "--map", "baremetrics",
                             "--out", str(tmp_path / "data")], capture_output=True, text=True,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"}, timeout=300)
    assert result.returncode == 0, result.stderr
    assert billing.read_bytes() == before
    ds = kpi_core.load_dataset(tmp_path / "data")
    _assert_same(ds.table("Subscriptions"), _baremetrics_expected(), rel=1e-9)
    # the same export through the mapping and a wrong cancel date: exit status 2 from the process
    rows = [r[:] for r in _BAREMETRICS_EXAMPLE]
    rows[1][11] = "2020-03-01"
    _write_csv(tmp_path / "bad.csv", _BAREMETRICS_HEADER, rows)
    result = subprocess.run([sys.executable, "-m", "cskpi", "import", str(tmp_path / "bad.csv"), "--map",
                             "baremetrics", "--out", str(tmp_path / "bad")], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "bad.csv" in result.stderr and re.search(r"\brow 2\b", result.stderr), result.stderr
    assert not (tmp_path / "bad").exists() or not any((tmp_path / "bad").iterdir())


# ================================================================ more of §12's mapping rules


def test_an_unused_customer_name_column_is_ignored_when_customer_id_is_mapped(tmp_path):
    _write_csv(tmp_path / "billing.csv", _BAREMETRICS_HEADER, _BAREMETRICS_EXAMPLE)
    ds = _apply(tmp_path, """
[Subscriptions]
file = "billing.csv"
from = "subscriptions"
scale = { amount = 0.01 }

[Subscriptions.columns]
customer_id = "customer_oid"
amount = "plan_amount"
interval = "plan_interval"
interval_count = "plan_interval_count"
quantity = "subscription_quantity"
started_at = "subscription_started_at"
ended_at = "subscription_canceled_at"
""")
    _assert_same(ds.table("Subscriptions"), {("customer_1", "2020-03"): 100.0, ("customer_1", "2020-04"): 100.0})


def test_a_semicolon_csv_is_detected_without_a_delimiter_setting(tmp_path):
    # §12: "the delimiter is detected (, or ;) as for §3 CSVs; delimiter = ";" forces it"
    _write_csv(tmp_path / "orders.csv", ["order_id", "customer_id", "date", "amount"],
               [["o1", "c1", "2026-03-05", "12,5"], ["o2", "c2", "2026-03-06", "7"]], delimiter=";")
    ds = _apply(tmp_path, '[Orders]\nfile = "orders.csv"\ndecimal = ","\n')
    assert ds.table("Orders")["amount"].tolist() == [12.5, 7.0]


def test_tables_without_a_section_come_from_data(tmp_path):
    # §12: "one section per §3 table the user brings; a table without a section is read as today, from DATA"
    data = tmp_path / "data"
    data.mkdir()
    _write_csv(data / "responses.csv", ["customer_id", "date", "survey", "score"],
               [["c1", "2026-03-01", "NPS", "10"], ["c2", "2026-03-02", "NPS", "3"]])
    _write_csv(data / "subscriptions.csv", ["customer_id", "month", "mrr"], [["old", "2026-01", "1"]])
    _write_csv(tmp_path / "mrr.csv", ["Client", "2026-03"], [["c1", "40"], ["c2", "60"]])
    path = tmp_path / "mapping.toml"
    path.write_text('[Subscriptions]\nfile = "mrr.csv"\nfrom = "months"\ncolumns = { customer_id = "Client" }\n',
                    encoding="utf-8")
    ds = apply_mapping(path, data=data)
    # the mapped Subscriptions replace DATA's; Responses come from DATA
    _assert_same(ds.table("Subscriptions"), {("c1", "2026-03"): 40.0, ("c2", "2026-03"): 60.0})
    assert ds.table("Responses")["score"].tolist() == [10.0, 3.0]


def _workbook_mapping(folder: Path) -> Path:
    """subs.csv and, beside it, exports.xlsx whose Excel table ``Mapping`` (table, setting, key, value) reads it."""
    from openpyxl.worksheet.table import Table

    _write_csv(folder / "subs.csv", ["cust", "price_cents", "every", "start", "cancel"],
               [["a", "3000", "month", "2026-01-05", "2026-03-10"], ["b", "120000", "year", "2026-02-01", ""]])
    rows = [("Subscriptions", "file", None, "subs.csv"), ("Subscriptions", "from", None, "subscriptions"),
            ("Subscriptions", "until", None, "2026-04"), ("Subscriptions", "scale", "amount", 0.01),
            ("Subscriptions", "columns", "customer_id", "cust"), ("Subscriptions", "columns", "amount", "price_cents"),
            ("Subscriptions", "columns", "interval", "every"), ("Subscriptions", "columns", "started_at", "start"),
            ("Subscriptions", "columns", "ended_at", "cancel")]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Settings"
    ws.append(["table", "setting", "key", "value"])
    for row in rows:
        ws.append(list(row))
    ws.add_table(Table(displayName="Mapping", ref=f"A1:D{len(rows) + 1}"))
    wb.save(folder / "exports.xlsx")
    return folder / "exports.xlsx"


_WORKBOOK_MAPPING_MRR = {("a", "2026-01"): 30.0, ("a", "2026-02"): 30.0, ("b", "2026-02"): 100.0,
                         ("b", "2026-03"): 100.0, ("b", "2026-04"): 100.0}


def test_a_workbook_mapping_table_reads_like_the_toml_file(tmp_path, monkeypatch):
    # §12: "a `Mapping` table in a workbook"; README: columns table, setting, key, value
    workbook = _workbook_mapping(tmp_path)
    monkeypatch.chdir(tmp_path)
    _assert_same(apply_mapping(workbook).table("Subscriptions"), _WORKBOOK_MAPPING_MRR)
    (tmp_path / "mapping.toml").write_text(
        '[Subscriptions]\nfile = "subs.csv"\nfrom = "subscriptions"\nuntil = "2026-04"\nscale = { amount = 0.01 }\n'
        'columns = { customer_id = "cust", amount = "price_cents", interval = "every", started_at = "start", '
        'ended_at = "cancel" }\n', encoding="utf-8")
    _assert_same(apply_mapping(tmp_path / "mapping.toml").table("Subscriptions"), _WORKBOOK_MAPPING_MRR)


def test_a_file_named_in_a_workbook_mapping_table_is_relative_to_the_workbook(tmp_path, monkeypatch):
    (tmp_path / "exports").mkdir()
    workbook = _workbook_mapping(tmp_path / "exports")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    _assert_same(apply_mapping(workbook).table("Subscriptions"), _WORKBOOK_MAPPING_MRR)


def test_several_currencies_without_rates_is_an_error_and_one_currency_is_taken_as_is():
    # §12: "One currency per dataset, or a currency column converted by a rates table"
    frame = _subs({"customer_id": "a", "currency": "EUR"}, {"customer_id": "b", "currency": "USD"},
                  amount=10, interval="month", started_at="2026-01-01")
    assert "currency" in str(_error(monthly_mrr, frame, until="2026-01"))
    frame["currency"] = "USD"
    _assert_same(monthly_mrr(frame, until="2026-01"), {("a", "2026-01"): 10.0, ("b", "2026-01"): 10.0})


def test_cskpi_kpis_with_map_equals_kpis_on_the_imported_tables(tmp_path, capsys):
    # §12: "`--map MAP` on `kpis`, `build`, `validate`"; "The result is an ordinary dataset:
    # every KPI ... works on it unchanged"; "a SOURCE that a section already names is accepted"
    _write_csv(tmp_path / "billing.csv", _BAREMETRICS_HEADER, _BAREMETRICS_EXAMPLE + _BAREMETRICS_MORE)
    mapping = tmp_path / "billing.toml"
    mapping.write_text((Path(kpi_core.BUILTIN_MAPPINGS["baremetrics"]).read_text(encoding="utf-8")
                        .replace("[Subscriptions]", '[Subscriptions]\nfile = "billing.csv"')
                        .replace("[Customers]", '[Customers]\nfile = "billing.csv"')), encoding="utf-8")
    status, out, err = _run(capsys, "import", "--map", mapping, "--out", tmp_path / "a")
    assert status == 0, err
    status, out, err = _run(capsys, "import", tmp_path / "billing.csv", "--map", mapping, "--out", tmp_path / "b")
    assert status == 0, err
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    status, via_map, err = _run(capsys, "kpis", "--map", mapping, "--json")
    assert status == 0, err
    status, via_folder, err = _run(capsys, "kpis", tmp_path / "a", "--json")
    assert status == 0, err
    got, expected = json.loads(via_map), json.loads(via_folder)
    assert got["kpis"] == expected["kpis"]
    # MRR of the last month (May 2020): customer_2 100 + customer_3 72
    assert got["period_end"] == "2020-05" and got["kpis"]["mrr"] == pytest.approx(172.0)
    status, out, err = _run(capsys, "validate", "--map", mapping)
    assert status == 0, err


def test_an_invalid_score_in_an_unpivoted_column_names_the_question_header_and_data_row(tmp_path):
    # §12: "Errors name the source file, the source's column header and the data row": after
    # unpivoting, the row is still the export's (data row 3), not the Responses table's
    _write_csv(tmp_path / "export.csv", ["Compte", "Date", "Recommanderiez-vous ?", "Satisfait ?"],
               [["c1", "2026-03-05", "9", "4"], ["c2", "2026-03-06", "", "5"], ["c3", "2026-03-07", "11", "3"]])
    message = _apply_error(tmp_path, """
[Responses]
file = "export.csv"
columns = { customer_id = "Compte", date = "Date" }
unpivot = { "Recommanderiez-vous ?" = "NPS", "Satisfait ?" = "CSAT" }
""")
    assert "export.csv" in message and "Recommanderiez-vous ?" in message, message
    assert re.search(r"\brow 3\b", message) and not re.search(r"\brow [45]\b", message), message


def test_cskpi_import_sources_fill_the_sections_without_file_in_order(tmp_path, capsys):
    # §12: "SOURCE files on the command line ... fill the sections without `file`, in order"
    _write_csv(tmp_path / "mrr.csv", ["Client", "Jan 2026", "Feb 2026"], [["c1", "10", "12"]])
    _write_csv(tmp_path / "nps.csv", ["customer_id", "date", "score"], [["c1", "2026-01-05", "9"]])
    mapping = tmp_path / "two.toml"
    mapping.write_text('[Subscriptions]\nfrom = "months"\ncolumns = { customer_id = "Client" }\n\n'
                       '[Responses]\nconstants = { survey = "NPS" }\n', encoding="utf-8")
    status, out, err = _run(capsys, "import", tmp_path / "mrr.csv", tmp_path / "nps.csv", "--map", mapping,
                            "--out", tmp_path / "data")
    assert status == 0, err
    ds = kpi_core.load_dataset(tmp_path / "data")
    _assert_same(ds.table("Subscriptions"), {("c1", "2026-01"): 10.0, ("c1", "2026-02"): 12.0})
    assert ds.table("Responses")[["customer_id", "survey", "score"]].values.tolist() == [["c1", "NPS", 9.0]]


def test_cskpi_import_to_a_workbook_holds_the_same_tables(tmp_path, capsys):
    # §12 / issue 15: "--out data.xlsx" writes the tables as an .xlsx that load_dataset reads
    billing = _write_csv(tmp_path / "billing.csv", _BAREMETRICS_HEADER, _BAREMETRICS_EXAMPLE + _BAREMETRICS_MORE)
    status, out, err = _run(capsys, "import", billing, "--map", "baremetrics", "--out", tmp_path / "data.xlsx")
    assert status == 0, err
    # issue 15: it "prints what it read, derived and dropped (... total MRR at the last month)"
    assert "172.00" in out, out
    ds = kpi_core.load_dataset(tmp_path / "data.xlsx")
    _assert_same(ds.table("Subscriptions"), _baremetrics_expected(), rel=1e-9)
    assert sorted(ds.table("Customers")["customer_id"]) == ["customer_1", "customer_2", "customer_3"]
