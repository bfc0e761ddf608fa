"""Monthly MRR from billing data (``kpi_core.mapping.billing.monthly_mrr``, DESIGN.md §12).

Expected values are worked out by hand from the rules of §12 (written next to each case),
from ChartMogul's published MRR-movements walk-through, or, in the properties, by a plain
Python walk over calendar month-ends that shares nothing with the vectorised code.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from _helpers import assert_error
from hypothesis import given, settings
from hypothesis import strategies as st

import kpi_core
from kpi_core import KpiInputError
from kpi_core.mapping import monthly_mrr


def subs(*rows, **extra) -> pd.DataFrame:
    """Rows (customer_id, amount, interval, started_at, ended_at) plus optional columns."""
    frame = pd.DataFrame(rows, columns=["customer_id", "amount", "interval", "started_at", "ended_at"])
    for column, values in extra.items():
        frame[column] = values
    return frame


def lines(*rows, **extra) -> pd.DataFrame:
    """Invoice lines (customer_id, amount, service_start, service_end) plus optional columns."""
    frame = pd.DataFrame(rows, columns=["customer_id", "amount", "service_start", "service_end"])
    for column, values in extra.items():
        frame[column] = values
    return frame


def by_month(table: pd.DataFrame, customer=None) -> dict:
    """{'YYYY-MM': mrr} of one customer (or of the only one)."""
    if customer is not None:
        table = table[table["customer_id"] == customer]
    assert table["customer_id"].nunique() <= 1
    return {f"{m:%Y-%m}": v for m, v in zip(table["month"], table["mrr"])}


# ------------------------------------------------------------------ ChartMogul's walk-through
def test_chartmogul_mrr_movements_walkthrough_month_by_month():
    """ChartMogul help, "MRR movements" / lifecycle of a customer (help.chartmogul.com/hc/en-us/articles/201244842):
    plans Silver $30 monthly, Gold $50 monthly / $500 yearly. Syncalytics "subscribes to four Gold yearly plans.
    You bill them $2,000. ChartMogul classifies the MRR as New Business with a value of $166.67 ($2,000 / 12)";
    "adds two Silver monthly plans. You bill them $60 ... classifies it as Expansion"; "cancels their subscription
    mid-cycle ... classifies the $60 in MRR as Contraction (rather than Churn)"; cancels the yearly plan near the
    end of its year: "Churn ... at the end of the current billing period (since they've already paid for the
    entire year)"; "re-subscribes ... three Gold monthly plans. As a former paying subscriber" (reactivation:
    3 x $50 = $150, from the article's price table; its page is cut before the amount).
    The article gives no dates: each event is placed in a month of its own.
    """
    source = pd.DataFrame({
        "customer_id": ["syncalytics"] * 3,
        "amount": [500, 30, 50], "quantity": [4, 2, 3], "interval": ["year", "month", "month"],
        "started_at": ["2026-01-10", "2026-02-14", "2027-02-05"],
        # the yearly plan serves to the end of its paid year; the Silver plan stops at its mid-cycle cancel
        "ended_at": ["2027-01-10", "2026-03-20", None],
    })
    table = monthly_mrr(source, until="2027-03")
    mrr = by_month(table)
    assert mrr["2026-01"] == pytest.approx(2000 / 12) and round(mrr["2026-01"], 2) == 166.67
    assert mrr["2026-02"] == pytest.approx(2000 / 12 + 60)
    assert mrr["2026-03"] == pytest.approx(2000 / 12) and mrr["2026-12"] == pytest.approx(2000 / 12)
    assert "2027-01" not in mrr  # churned at the end of the paid year
    assert mrr["2027-02"] == 150 and mrr["2027-03"] == 150
    moves = kpi_core.mrr_movements(table)
    moves.index = [f"{m:%Y-%m}" for m in moves.pop("month")]
    assert round(moves.at["2026-01", "new"], 2) == 166.67
    assert moves.at["2026-02", "expansion"] == pytest.approx(60)
    assert moves.at["2026-03", "contraction"] == pytest.approx(60)
    assert round(moves.at["2027-01", "churn"], 2) == 166.67
    assert moves.at["2027-02", "reactivation"] == 150
    others = moves.drop(columns=["start_mrr", "end_mrr"])
    assert (others.to_numpy() != 0).sum() == 5  # nothing else moves in any month


# ------------------------------------------------------------------ normalisation to a month
@pytest.mark.parametrize("interval, count, amount, monthly", [
    ("month", 1, 30, 30), ("year", 1, 2000, 2000 / 12), ("quarter", 1, 300, 100), ("week", 1, 12, 12 * 52 / 12),
    ("day", 1, 1, 365 / 12), ("month", 3, 300, 100), ("month", 2, 100, 50), ("year", 2, 2400, 100),
    ("Year", 1, 1200, 100),  # case does not matter
])
def test_interval_normalisation_to_a_month(interval, count, amount, monthly):
    table = monthly_mrr(subs(("c", amount, interval, "2026-01-01", "2026-02-01"), interval_count=[count]))
    assert by_month(table) == {"2026-01": pytest.approx(monthly)}


def test_quantity_multiplies_and_blank_quantity_is_one_and_zero_quantity_is_no_row():
    table = monthly_mrr(subs(("two", 30, "month", "2026-01-01", "2026-02-01"),
                             ("blank", 30, "month", "2026-01-01", "2026-02-01"),
                             ("zero", 30, "month", "2026-01-01", "2026-02-01"), quantity=[2, None, 0]))
    assert by_month(table, "two") == {"2026-01": 60} and by_month(table, "blank") == {"2026-01": 30}
    assert "zero" not in set(table["customer_id"])


# ------------------------------------------------------------------ days active and month-ends
def test_ended_at_is_the_first_day_without_service():
    table = monthly_mrr(subs(("last_day", 10, "month", "2026-01-15", "2026-03-31"),   # 31 March not served
                             ("next_day", 10, "month", "2026-01-15", "2026-04-01")))  # 31 March served
    assert list(by_month(table, "last_day")) == ["2026-01", "2026-02"]
    assert list(by_month(table, "next_day")) == ["2026-01", "2026-02", "2026-03"]


def test_month_end_snapshot_a_start_on_the_last_day_counts_a_mid_month_stint_does_not():
    table = monthly_mrr(subs(("last_day", 10, "month", "2026-01-31", "2026-02-01"),
                             ("mid_month", 10, "month", "2026-01-05", "2026-01-20"),
                             ("same_day", 10, "month", "2026-01-31", "2026-01-31"),
                             ("with_time", 10, "month", "2026-01-31 18:00", "2026-02-01 08:00")))
    assert by_month(table, "last_day") == {"2026-01": 10}
    assert by_month(table, "with_time") == {"2026-01": 10}  # days, not hours: active on 31 January
    assert set(table["customer_id"]) == {"last_day", "with_time"}


def test_trial_is_worth_zero_and_a_cancel_during_the_trial_never_has_mrr():
    table = monthly_mrr(subs(("trial", 50, "month", "2026-01-10", None),
                             ("cancelled_in_trial", 50, "month", "2026-01-10", "2026-02-01"),
                             ("no_trial", 50, "month", "2026-01-10", None),
                             trial_end=["2026-02-15", "2026-02-15", None]), until="2026-03")
    assert by_month(table, "trial") == {"2026-02": 50, "2026-03": 50}  # 31 January is in the trial
    assert by_month(table, "no_trial") == {"2026-01": 50, "2026-02": 50, "2026-03": 50}
    assert "cancelled_in_trial" not in set(table["customer_id"])


def test_open_subscriptions_run_to_the_latest_date_of_the_source_or_until():
    source = subs(("open", 10, "month", "2026-01-05", None), ("closed", 10, "month", "2026-01-05", "2026-05-09"))
    # latest date: 2026-05-09 -> open runs through May; closed's last month-end is 30 April
    assert list(by_month(monthly_mrr(source), "open")) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    cut = monthly_mrr(source, until="2026-02")
    assert list(by_month(cut, "open")) == ["2026-01", "2026-02"] and list(by_month(cut, "closed")) == [
        "2026-01", "2026-02"]  # until cuts every row: no phantom churn after it


def test_several_subscriptions_of_a_customer_are_summed_and_reactivation_follows():
    table = monthly_mrr(subs(("c", 100, "month", "2026-01-01", "2026-03-01"),
                             ("c", 20, "month", "2026-02-10", "2026-03-01"),
                             ("c", 70, "month", "2026-04-10", None)), until="2026-04")
    assert by_month(table) == {"2026-01": 100, "2026-02": 120, "2026-04": 70}
    moves = kpi_core.mrr_movements(table)
    assert moves["churn"].tolist() == [0, 0, 120, 0] and moves["reactivation"].tolist() == [0, 0, 0, 70]


def test_output_is_sorted_by_customer_and_month_with_text_ids():
    table = monthly_mrr(subs(("b", 1, "month", "2026-02-01", "2026-03-01"), (7, 1, "month", "2026-01-01",
                                                                              "2026-03-01")))
    assert table["customer_id"].tolist() == ["7", "7", "b"]
    assert table.columns.tolist() == ["customer_id", "month", "mrr"]
    assert table["month"].dtype.kind == "M"


# ------------------------------------------------------------------ invoice lines
def test_invoice_tax_is_subtracted_and_one_time_lines_are_left_out():
    report: dict = {}
    table = monthly_mrr(lines(("c", 120, "2026-01-01", "2026-02-01"), ("c", 500, None, None),
                              tax=[20, 0], type=["subscription", "one-time"]), "invoices", report=report)
    assert by_month(table) == {"2026-01": 100}
    assert report == {"lines": 2, "one_time": 1, "without_mrr": 0}


@pytest.mark.parametrize("start, end, amount, monthly, months", [
    ("2026-01-31", "2026-02-28", 30, 30, ["2026-01"]),                 # 31 Jan + 1 month = 28 Feb (clamped)
    ("2028-01-31", "2028-02-29", 30, 30, ["2028-01"]),                 # leap year
    ("2026-01-15", "2026-04-14", 300, 100, ["2026-01", "2026-02", "2026-03"]),  # a quarter, 1 day short
    ("2026-01-15", "2026-02-18", 30, 30, ["2026-01"]),                 # 3 days over: still a whole month
    ("2026-01-30", "2026-03-01", 30, 30, ["2026-01", "2026-02"]),      # n = 2 is 29 days off, n - 1 = 1 is 1 day
    ("2026-01-01", "2027-01-01", 1200, 100, [f"2026-{m:02d}" for m in range(1, 13)]),  # a year
])
def test_invoice_lines_in_whole_months(start, end, amount, monthly, months):
    table = monthly_mrr(lines(("c", amount, start, end)), "invoices")
    assert by_month(table) == {m: pytest.approx(monthly) for m in months}


@pytest.mark.parametrize("start, end, amount, days", [
    ("2026-01-15", "2026-02-19", 35, 35),   # 4 days past a month: a proration of 35 days
    ("2026-01-20", "2026-02-15", 26, 26),   # an upgrade's proration to the next renewal
])
def test_invoice_proration_lines_are_spread_per_day(start, end, amount, days):
    table = monthly_mrr(lines(("c", amount, start, end)), "invoices")
    assert by_month(table) == {"2026-01": pytest.approx(amount * 365 / 12 / days)}


def test_invoice_upgrade_proration_sums_with_the_old_plan_line():
    table = monthly_mrr(lines(("c", 30, "2026-01-10", "2026-02-10"), ("c", 26, "2026-01-20", "2026-02-10")),
                        "invoices")
    assert by_month(table) == {"2026-01": pytest.approx(30 + 26 * 365 / 12 / 21)}


# ------------------------------------------------------------------ currencies
def test_currencies_converted_by_the_rates_table():
    source = subs(("eu", 100, "month", "2026-01-01", "2026-02-01"), ("us", 100, "month", "2026-01-01",
                                                                      "2026-02-01"), currency=["EUR", " usd "])
    table = monthly_mrr(source, rates={"EUR": 1.0, "USD": 0.92})
    assert by_month(table, "eu") == {"2026-01": 100} and by_month(table, "us") == {"2026-01": pytest.approx(92)}


def test_one_currency_needs_no_rates_several_do():
    one = subs(("a", 10, "month", "2026-01-01", "2026-02-01"), ("b", 10, "month", "2026-01-01", "2026-02-01"),
               currency=["EUR", "EUR"])
    assert len(monthly_mrr(one)) == 2
    two = one.assign(currency=["EUR", "USD"])
    with pytest.raises(KpiInputError) as err:
        monthly_mrr(two)
    assert_error(err, "value", "row index 1", "column currency", "USD", "EUR", "rates")


@pytest.mark.parametrize("currency, fragment", [("GBP", "holds 'GBP', which has no rate"), (None, "is blank")])
def test_currency_without_a_rate_is_named(currency, fragment):
    source = subs(("a", 10, "month", "2026-01-01", "2026-02-01"), ("b", 10, "month", "2026-01-01", "2026-02-01"),
                  currency=["EUR", currency])
    with pytest.raises(KpiInputError) as err:
        monthly_mrr(source, rates={"EUR": 1.0, "USD": 0.9})
    assert_error(err, "value", "row index 1", "column currency", fragment, "EUR, USD")


# ------------------------------------------------------------------ bad rows
@pytest.mark.parametrize("column, value, fragments", [
    ("quantity", -2, ["column quantity", "-2 is below the minimum 0"]),
    ("quantity", 1.5, ["column quantity", "not a whole number"]),
    ("amount", -10, ["column amount", "below the minimum 0"]),
    ("interval", "fortnight", ["column interval", "'fortnight'", "day, week, month, quarter, year"]),
    ("interval_count", 0, ["column interval_count", "below the minimum 1"]),
    ("ended_at", "2025-12-31", ["column ended_at", "before the subscription's start", "cannot end before"]),
    ("started_at", "31/01/2026", ["column started_at", "not a date"]),
    ("customer_id", None, ["column customer_id", "is blank"]),
])
def test_bad_subscription_row_is_named(column, value, fragments):
    source = subs(("a", 10, "month", "2026-01-01", None), ("b", 10, "month", "2026-01-01", None),
                  quantity=[1, 1], interval_count=[1, 1])
    source[column] = source[column].astype(object)
    source.loc[1, column] = value
    with pytest.raises(KpiInputError) as err:
        monthly_mrr(source)
    assert_error(err, "num" if "below" in fragments[-1] or "whole" in fragments[-1] else "value", "row index 1",
                 *fragments)


@pytest.mark.parametrize("change, fragments", [
    ({"tax": [0, 30]}, ["column tax", "more than the line's amount 20"]),
    ({"service_end": ["2026-02-01", "2026-01-01"]}, ["column service_end", "not after the service start"]),
    ({"service_start": ["2026-01-01", None]}, ["column service_start", "is blank", "service period"]),
    ({"type": ["subscription", "refund"]}, ["column type", "'refund'", "one-time"]),
])
def test_bad_invoice_line_is_named(change, fragments):
    source = lines(("a", 20, "2026-01-01", "2026-02-01"), ("b", 20, "2026-01-01", "2026-02-01"))
    for column, values in change.items():
        source[column] = values
    with pytest.raises(KpiInputError) as err:
        monthly_mrr(source, "invoices")
    assert_error(err, "value", "row index 1", *fragments)


def test_missing_column_and_unknown_kind_are_refused():
    with pytest.raises(KpiInputError) as err:
        monthly_mrr(pd.DataFrame({"customer_id": ["a"], "amount": [1]}))
    assert_error(err, "value", "missing column(s) interval, started_at", "columns found: customer_id, amount")
    with pytest.raises(KpiInputError) as err:
        monthly_mrr(pd.DataFrame(), "orders")
    assert_error(err, "value", "'orders'", "subscriptions or invoices")


def test_locate_names_rows_as_the_caller_sees_them():
    source = subs(("a", 10, "month", "2026-01-01", None), ("b", 10, "month", "2026-01-01", "2025-01-01"))
    with pytest.raises(KpiInputError) as err:
        monthly_mrr(source, locate=lambda column, pos: f"billing.csv, data row {pos + 1}, column {column}")
    assert_error(err, "value", "billing.csv, data row 2, column ended_at")


# ------------------------------------------------------------------ properties
def month_ends(start: dt.date, end: dt.date | None, until: dt.date) -> list[str]:
    """Month-ends d with start <= d < end (and d's month <= until's), by walking the calendar one day at a time."""
    out, day = [], start
    stop = end or dt.date(until.year + (until.month == 12), until.month % 12 + 1, 1)
    while day < stop:
        if (day + dt.timedelta(days=1)).day == 1 and (day.year, day.month) <= (until.year, until.month):
            out.append(f"{day:%Y-%m}")
        day += dt.timedelta(days=1)
    return out


dates = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 12, 31))


@settings(max_examples=60, deadline=None)
@given(price=st.integers(1, 10**6).map(lambda c: c / 100), quantity=st.integers(1, 50), start=dates,
       days=st.one_of(st.none(), st.integers(0, 500)))
def test_property_monthly_plan_contributes_p_times_q_in_every_month_end_it_covers(price, quantity, start, days):
    end = None if days is None else start + dt.timedelta(days=days)
    until = dt.date(2027, 6, 1)
    table = monthly_mrr(subs(("c", price, "month", start, end), quantity=[quantity]), until="2027-06")
    expected = month_ends(start, end, until)
    assert list(by_month(table)) == expected
    assert all(v == pytest.approx(price * quantity, rel=1e-12) for v in by_month(table).values())


@settings(max_examples=60, deadline=None)
@given(price=st.integers(1, 10**7).map(lambda c: c / 100), start=dates, years=st.integers(1, 3))
def test_property_yearly_plan_contributes_p_over_12(price, start, years):
    end = dt.date(start.year + years, start.month, min(start.day, 28))
    table = monthly_mrr(subs(("c", price, "year", start, end)), until="2030-01")
    values = by_month(table)
    assert list(values) == month_ends(start, end, dt.date(2030, 1, 1))
    assert all(v == pytest.approx(price / 12, rel=1e-12) for v in values.values())


subscription = st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 5000), st.sampled_from(
    ["day", "week", "month", "quarter", "year"]), st.integers(1, 3), st.integers(0, 4), dates,
    st.one_of(st.none(), st.integers(1, 400)))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(subscription, min_size=1, max_size=12))
def test_property_summing_subscriptions_commutes_with_deriving_them(rows):
    frame = pd.DataFrame([(c, a, i, n, q, s, None if d is None else s + dt.timedelta(days=d))
                          for c, a, i, n, q, s, d in rows],
                         columns=["customer_id", "amount", "interval", "interval_count", "quantity", "started_at",
                                  "ended_at"])
    together = monthly_mrr(frame, until="2027-12")
    apart = pd.concat([monthly_mrr(frame.iloc[[k]], until="2027-12") for k in range(len(frame))])
    summed = apart.groupby(["customer_id", "month"], as_index=False)["mrr"].sum()
    summed = summed[summed["mrr"] > 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(together, summed, check_exact=False, rtol=1e-12, check_dtype=False)


@settings(max_examples=40, deadline=None)
@given(amount=st.integers(0, 10**6).map(lambda c: c / 100), start=dates, months=st.integers(1, 24))
def test_property_consecutive_monthly_invoices_give_their_amount_each_month(amount, start, months):
    """One invoice per month (start + k months, day clamped): each covered month-end holds the amount."""
    starts = [pd.Timestamp(start) + pd.DateOffset(months=k) for k in range(months + 1)]
    frame = lines(*[("c", amount, s0, s1) for s0, s1 in zip(starts[:-1], starts[1:])])
    values = by_month(monthly_mrr(frame, "invoices"))
    expected = month_ends(start, starts[-1].date(), dt.date(2030, 1, 1)) if amount > 0 else []
    assert list(values) == expected
    assert all(v == pytest.approx(amount) for v in values.values())


def test_empty_frame_gives_an_empty_table():
    table = monthly_mrr(subs())
    assert table.empty and table.columns.tolist() == ["customer_id", "month", "mrr"]
    assert np.issubdtype(table["month"].dtype, np.datetime64)


def test_many_lines_in_a_short_range_equal_each_line_alone():
    """Dates and months that repeat are converted once per distinct value (a lookup table); the result is the
    same as each line derived alone (where the formula runs on the line's own dates)."""
    rng = np.random.default_rng(7)
    n = 300
    start = pd.Timestamp("2027-12-20") + pd.to_timedelta(rng.integers(0, 40, n), unit="D")
    span = rng.choice([29, 30, 31, 92, 365, 12], n)
    frame = lines(*[(f"c{i % 7}", float(a), s0, s0 + pd.Timedelta(days=int(d)))
                    for i, (a, s0, d) in enumerate(zip(rng.integers(1, 900, n), start, span))])
    together = monthly_mrr(frame, "invoices")
    apart = pd.concat([monthly_mrr(frame.iloc[[k]], "invoices") for k in range(n)])
    summed = apart.groupby(["customer_id", "month"], as_index=False)["mrr"].sum()
    pd.testing.assert_frame_equal(together, summed, check_exact=False, rtol=1e-12, check_dtype=False)


@pytest.mark.parametrize("column, value", [("started_at", "2300-01-01"), ("ended_at", "9999-12-31"),
                                           ("started_at", "1600-01-01")])
def test_a_date_outside_1900_to_2199_is_named_not_computed_on(column, value):
    # such a date cannot be a month of a report (Excel's dates start in 1900, the month arithmetic ends in 2262):
    # it used to wrap around silently (2300 became 1715) or give another row's error
    source = subs(("a", 10, "month", "2026-01-01", None), ("b", 20, "month", "2026-01-01", None))
    source.loc[1, column] = value
    with pytest.raises(KpiInputError) as err:
        monthly_mrr(source)
    assert_error(err, "value", f"column {column}", "row index 1", repr(value), "outside the years 1900 to 2199")
