"""Predicted customer value (DESIGN.md §11): BG/NBD + Gamma-Gamma on the CDNOW sample.

Reference values are the published ones: Fader, Hardie & Lee (2005), "Counting Your
Customers the Easy Way" (r = 0.243, alpha = 4.414, a = 0.793, b = 2.426; 2 357 customers,
2 457 repeat transactions in the 39-week calibration, 1 882 in weeks 40-78; the paper's
parameters predict 1 653 of them, and a cumulative 4 161 at week 78 against 4 339) and
Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value" (946 repeat customers;
p = 6.25, q = 3.74, gamma = 15.44). Closed forms are re-derived here from the papers with
scipy.special.hyp2f1, and cross-checked against PyMC-Marketing's own predictive methods.
The models are the real PyMC-Marketing ones (no mocks); the CDNOW fit runs once per module.
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import hyp2f1

import kpi_core
from kpi_core import KpiInputError, MissingExtraError

from _helpers import assert_error

CDNOW = Path(__file__).parent / "data" / "cdnow" / "CDNOW_sample.txt"
CALIBRATION_END = "1997-09-30"
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GG = {"p": 6.25, "q": 3.74, "v": 15.44}


@pytest.fixture(scope="module")
def cdnow_orders() -> pd.DataFrame:
    return kpi_core.read_cdnow(CDNOW)


@pytest.fixture(scope="module")
def cdnow_model(cdnow_orders) -> kpi_core.ClvModel:
    return kpi_core.fit_clv(cdnow_orders, calibration_end=CALIBRATION_END, time_unit="W")


def published_model(model):
    """The fitted model's history with the paper's parameters."""
    return dataclasses.replace(model, params={**PUBLISHED_BGNBD, **PUBLISHED_GG})


# ---------------------------------------------------------------- independent closed forms (the papers)


def ref_p_alive(x, t_x, T, r, alpha, a, b):
    """Fader, Hardie & Lee (2008), P(alive | x, t_x, T), written out term by term."""
    if x == 0:
        return 1.0
    odds_dead = (a / (b + x - 1)) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    return 1.0 / (1.0 + odds_dead)


def ref_expected(t, x, t_x, T, r, alpha, a, b):
    """FHL (2005) eq. 10: E[Y(t) | X = x, t_x, T]."""
    z = t / (alpha + T + t)
    bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    numerator = (a + b + x - 1) / (a - 1) * bracket
    denominator = 1 + (1 if x > 0 else 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    return numerator / denominator


def ref_spend(x, zbar, p, q, v):
    """Fader & Hardie (2013) eq. 5: E[M | p, q, gamma, mx, x]."""
    return (q - 1) / (p * x + q - 1) * (v * p / (q - 1)) + (p * x) / (p * x + q - 1) * zbar


# ---------------------------------------------------------------- the CDNOW reproduction


def test_cdnow_rfm_matches_the_papers_counts(cdnow_model):
    rfm = cdnow_model.rfm
    assert len(rfm) == 2357
    assert rfm["frequency"].sum() == 2457  # repeat transactions in weeks 1-39
    assert ((rfm["frequency"] > 0) & (rfm["monetary"] > 0)).sum() == 946  # the Gamma-Gamma sample
    first = rfm.set_index("customer_id").loc["0001"]
    # customer 1 bought on 1997-01-01, 01-18 and 08-02: two repeats, the last 213 days after the first
    assert (first["frequency"], first["recency"], first["T"]) == (2, pytest.approx(213 / 7), pytest.approx(272 / 7))
    assert first["monetary"] == pytest.approx((29.73 + 14.96) / 2)


def test_cdnow_rfm_equals_pymc_marketing_rfm_summary(cdnow_orders):
    from pymc_marketing.clv.utils import rfm_summary as pm_rfm

    calibration = cdnow_orders[cdnow_orders["date"] <= CALIBRATION_END]
    theirs = pm_rfm(calibration, "customer_id", "date", monetary_value_col="amount",
                    observation_period_end=CALIBRATION_END, time_unit="D", time_scaler=7).set_index("customer_id")
    ours = kpi_core.rfm_summary(cdnow_orders, CALIBRATION_END, "W").set_index("customer_id")
    theirs = theirs.loc[ours.index]
    for column in ("frequency", "recency", "T"):
        np.testing.assert_allclose(ours[column], theirs[column], rtol=1e-12, err_msg=column)
    repeat = ours["frequency"] > 0
    np.testing.assert_allclose(ours.loc[repeat, "monetary"], theirs.loc[repeat, "monetary_value"], rtol=1e-12)
    assert ours.loc[~repeat, "monetary"].isna().all()


@pytest.mark.parametrize("name", sorted(PUBLISHED_BGNBD) + sorted(PUBLISHED_GG))
def test_cdnow_fit_reproduces_the_published_estimates_within_2_percent(cdnow_model, name):
    published = {**PUBLISHED_BGNBD, **PUBLISHED_GG}[name]
    assert cdnow_model.params[name] == pytest.approx(published, rel=0.02)


def test_cdnow_holdout_total_within_15_percent_of_actual(cdnow_model):
    check = kpi_core.clv_holdout(cdnow_model)
    assert check.actual == 1882
    assert abs(check.predicted / 1882 - 1) < 0.15
    assert check.error == pytest.approx(check.predicted / 1882 - 1)
    periods = check.periods
    assert len(periods) == 39  # weeks 40-78
    assert periods["start"].iloc[0] == pd.Timestamp("1997-10-01")
    assert periods["end"].iloc[-1] == pd.Timestamp("1998-06-30")
    assert periods["actual"].sum() == 1882
    assert periods["predicted"].sum() == pytest.approx(check.predicted)
    assert periods["cumulative_predicted"].iloc[-1] == pytest.approx(check.predicted)


def test_cdnow_cumulative_curve_at_week_78_within_5_percent(cdnow_model):
    check = kpi_core.clv_holdout(cdnow_model)
    tracking = check.tracking
    assert len(tracking) == 78
    assert tracking["cumulative_actual"].iloc[-1] == 4339 == check.cumulative_actual
    assert tracking["cumulative_actual"].iloc[38] == 2457  # end of week 39
    assert abs(check.cumulative_predicted / 4339 - 1) < 0.05


def test_cdnow_papers_parameters_give_the_papers_predictions(cdnow_model):
    check = kpi_core.clv_holdout(published_model(cdnow_model))
    assert check.predicted == pytest.approx(1653, rel=0.005)
    assert check.cumulative_predicted == pytest.approx(4161, rel=0.005)


def test_holdout_periods_match_eq_10_summed_by_hand(cdnow_model):
    prm = cdnow_model.params
    rfm = cdnow_model.rfm.head(50)
    model = dataclasses.replace(cdnow_model, rfm=rfm)
    check = kpi_core.clv_holdout(model)
    bg = (prm["r"], prm["alpha"], prm["a"], prm["b"])
    for week in (1, 10, 39):
        by_hand = sum(ref_expected(week, x, tx, T, *bg) for x, tx, T in zip(rfm["frequency"], rfm["recency"], rfm["T"]))
        assert check.periods["cumulative_predicted"].iloc[week - 1] == pytest.approx(by_hand, rel=1e-10)


@pytest.mark.slow
def test_no_holdout_is_a_clear_error(cdnow_orders):
    model = kpi_core.fit_clv(cdnow_orders.head(400), time_unit="W")
    with pytest.raises(KpiInputError) as info:
        kpi_core.clv_holdout(model)
    assert_error(info, "value", "calibration_end", "not before the last order")


# ---------------------------------------------------------------- closed forms


def test_p_alive_and_expected_purchases_equal_the_papers_closed_forms():
    bg = tuple(PUBLISHED_BGNBD.values())
    cases = [(0, 0.0, 38.86), (1, 1.71, 38.86), (2, 30.43, 38.86), (7, 35.0, 36.0), (3, 3.0, 30.0)]
    for x, t_x, T in cases:
        assert kpi_core.p_alive(x, t_x, T, *bg) == pytest.approx(ref_p_alive(x, t_x, T, *bg), rel=1e-12)
        for t in (1, 13.5, 39, 104):
            assert kpi_core.expected_purchases(t, x, t_x, T, *bg) == pytest.approx(
                ref_expected(t, x, t_x, T, *bg), rel=1e-12)


def test_closed_forms_take_ranges_and_return_arrays():
    bg = tuple(PUBLISHED_BGNBD.values())
    alive = kpi_core.p_alive([0, 2], [0, 30.43], [38.86, 38.86], *bg)
    assert isinstance(alive, np.ndarray)
    np.testing.assert_allclose(alive, [1.0, ref_p_alive(2, 30.43, 38.86, *bg)], rtol=1e-12)
    expected = kpi_core.expected_purchases([10, 20], 2, 30.43, 38.86, *bg)
    np.testing.assert_allclose(expected, [ref_expected(t, 2, 30.43, 38.86, *bg) for t in (10, 20)], rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(x=st.integers(0, 40), share=st.floats(0, 1), T=st.floats(0.5, 200), t=st.floats(0.01, 300),
       r=st.floats(0.05, 5), alpha=st.floats(0.1, 50), a=st.floats(0.05, 5), b=st.floats(0.05, 10))
def test_closed_forms_match_reference_on_random_histories(x, share, T, t, r, alpha, a, b):
    if abs(a - 1) < 1e-3:
        a += 0.01
    t_x = share * T if x else 0.0
    alive = kpi_core.p_alive(x, t_x, T, r, alpha, a, b)
    assert 0 <= alive <= 1
    assert alive == pytest.approx(ref_p_alive(x, t_x, T, r, alpha, a, b), rel=1e-9, abs=1e-300)
    expected = kpi_core.expected_purchases(t, x, t_x, T, r, alpha, a, b)
    reference = ref_expected(t, x, t_x, T, r, alpha, a, b)
    if math.isfinite(reference):
        assert expected == pytest.approx(reference, rel=1e-9, abs=1e-12)
        assert expected >= -1e-9


def test_p_alive_falls_with_time_since_the_last_purchase():
    bg = tuple(PUBLISHED_BGNBD.values())
    values = [kpi_core.p_alive(3, 10, T, *bg) for T in (10, 20, 40, 80)]
    assert values == sorted(values, reverse=True) and values[0] > values[-1]


@pytest.mark.parametrize("args, kind, fragment", [
    ((1.5, 1, 2, 0.2, 4, 0.8, 2.4), "num", "frequency"),
    ((-1, 1, 2, 0.2, 4, 0.8, 2.4), "num", "frequency"),
    ((2, 5, 2, 0.2, 4, 0.8, 2.4), "num", "cannot exceed T"),
    ((2, 1, 2, 0, 4, 0.8, 2.4), "num", "r: must be greater than 0"),
    ((2, 1, 2, 0.2, "four", 0.8, 2.4), "value", "alpha"),
    ((2, None, 2, 0.2, 4, 0.8, 2.4), "value", "recency"),
])
def test_closed_form_bad_arguments_name_the_argument(args, kind, fragment):
    with pytest.raises(KpiInputError) as info:
        kpi_core.p_alive(*args)
    assert_error(info, kind, fragment)


def test_expected_purchases_with_a_equal_1_is_div0():
    with pytest.raises(KpiInputError) as info:
        kpi_core.expected_purchases(10, 2, 1, 2, 0.2, 4, 1.0, 2.4)
    assert_error(info, "div0", "a - 1")


# ---------------------------------------------------------------- predictions


def test_predictions_match_pymc_marketings_own_methods(cdnow_model):
    table = kpi_core.predict_clv(cdnow_model, 39)
    assert list(table.columns) == list(kpi_core.predicted_clv.PREDICTION_COLUMNS)
    data = pd.DataFrame({"customer_id": np.arange(len(table)), "frequency": table["frequency"],
                         "recency": table["recency"], "T": table["T"]})
    bg = cdnow_model.transaction_model
    theirs_alive = np.asarray(bg.expected_probability_alive(data)).ravel()
    theirs_purchases = np.asarray(bg.expected_purchases(data, future_t=39)).ravel()
    np.testing.assert_allclose(table["p_alive"], theirs_alive, rtol=1e-9)
    np.testing.assert_allclose(table["expected_purchases"], theirs_purchases, rtol=1e-9)
    repeat = table["frequency"].to_numpy() > 0
    spend = cdnow_model.spend_model.expected_customer_spend(pd.DataFrame({
        "customer_id": np.flatnonzero(repeat), "frequency": table["frequency"][repeat],
        "monetary_value": table["monetary"][repeat]}))
    np.testing.assert_allclose(table["expected_avg_value"][repeat], np.asarray(spend).ravel(), rtol=1e-9)


def test_expected_value_without_repeat_is_the_population_mean_spend(cdnow_model):
    prm = cdnow_model.params
    table = kpi_core.predict_clv(cdnow_model, 52)
    none = table["frequency"] == 0
    assert table.loc[none, "expected_avg_value"].to_numpy() == pytest.approx(prm["p"] * prm["v"] / (prm["q"] - 1))
    row = table[table["customer_id"] == "0001"].iloc[0]
    assert row["expected_avg_value"] == pytest.approx(ref_spend(2, (29.73 + 14.96) / 2, prm["p"], prm["q"], prm["v"]))


def test_clv_undiscounted_is_purchases_times_spend_and_discounting_by_hand(cdnow_model):
    prm = cdnow_model.params
    bg = (prm["r"], prm["alpha"], prm["a"], prm["b"])
    plain = kpi_core.predict_clv(cdnow_model, 52)
    np.testing.assert_allclose(plain["clv"], plain["expected_purchases"] * plain["expected_avg_value"], rtol=1e-12)
    discounted = kpi_core.predict_clv(cdnow_model, 10.5, discount_rate=0.10)
    row = discounted[discounted["customer_id"] == "0001"].iloc[0]
    x, t_x, T = row["frequency"], row["recency"], row["T"]
    value, previous = 0.0, 0.0
    for week in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10.5):  # weekly steps, the last one half a week
        cumulative = ref_expected(week, x, t_x, T, *bg)
        value += row["expected_avg_value"] * (cumulative - previous) / 1.10 ** (week * 7 / 365.25)
        previous = cumulative
    assert row["clv"] == pytest.approx(value, rel=1e-10)
    assert (discounted["clv"] <= discounted["expected_purchases"] * discounted["expected_avg_value"] + 1e-12).all()


def test_clv_summary_totals(cdnow_model):
    table = kpi_core.predict_clv(cdnow_model, 52)
    summary = kpi_core.clv_summary(table)
    assert summary["customers"] == 2357
    assert summary["total_clv"] == pytest.approx(table["clv"].sum())
    assert summary["share_likely_alive"] == pytest.approx((table["p_alive"] >= 0.5).mean())


@pytest.mark.parametrize("horizon, rate, fragment", [(0, 0, "horizon"), (-1, 0, "horizon"), ("x", 0, "horizon"),
                                                     (12, -0.1, "discount_rate")])
def test_predict_bad_arguments(cdnow_model, horizon, rate, fragment):
    with pytest.raises(KpiInputError) as info:
        kpi_core.predict_clv(cdnow_model, horizon, rate)
    assert fragment in str(info.value)


@pytest.mark.slow
def test_time_unit_changes_alpha_only(cdnow_orders):
    weeks = kpi_core.fit_clv(cdnow_orders, CALIBRATION_END, "W").params
    days = kpi_core.fit_clv(cdnow_orders, CALIBRATION_END, "D").params
    # BG/NBD is scale-free in time: alpha is in the time unit, r, a, b do not move
    assert days["alpha"] == pytest.approx(weeks["alpha"] * 7, rel=0.01)
    for name in ("r", "a", "b", "p", "q", "v"):
        assert days[name] == pytest.approx(weeks[name], rel=0.01), name


# ---------------------------------------------------------------- the Orders table: strict input


def orders(**columns) -> pd.DataFrame:
    base = {"order_id": ["o1", "o2", "o3", "o4", "o5"], "customer_id": ["a", "a", "b", "b", "c"],
            "date": ["2026-01-02", "2026-01-02", "2026-01-05", "2026-02-01", "2026-01-20"],
            "amount": [10.0, 5.0, 40.0, 60.0, 25.0]}
    base.update(columns)
    return pd.DataFrame(base)


def test_rfm_counts_purchase_days_and_sums_same_day_orders():
    rfm = kpi_core.rfm_summary(orders(date=["2026-01-02", "2026-01-02 18:30", "2026-01-05", "2026-02-01",
                                            "2026-01-20"]), "2026-02-02", time_unit="D").set_index("customer_id")
    # a: two orders on one day are one transaction, no repeat
    assert rfm.loc["a"].tolist()[:3] == [0, 0, 31]
    assert math.isnan(rfm.loc["a", "monetary"])
    # b: first 01-05, repeat 02-01 (27 days later) of 60; T = 28 days
    assert rfm.loc["b"].tolist() == [1, 27, 28, 60]
    assert rfm.loc["c"].tolist()[:3] == [0, 0, 13]


def test_rfm_leaves_out_customers_first_seen_after_calibration_end():
    rfm = kpi_core.rfm_summary(orders(), "2026-01-10", time_unit="D")
    assert rfm["customer_id"].tolist() == ["a", "b"]
    assert rfm["frequency"].tolist() == [0, 0]  # b's second purchase is after the calibration


def test_negative_amount_names_the_column_and_row():
    with pytest.raises(KpiInputError) as info:
        kpi_core.rfm_summary(orders(amount=[10.0, 5.0, -40.0, 60.0, 25.0]))
    assert_error(info, "num", "Orders", "column amount", "row index 2", "below the minimum 0")


def test_unparseable_date_names_the_column_and_row():
    with pytest.raises(KpiInputError) as info:
        kpi_core.fit_clv(orders(date=["2026-01-02", "2026-01-02", "soon", "2026-02-01", "2026-01-20"]))
    assert_error(info, "value", "column date", "row index 2", "not a date")


def test_dataset_without_orders_is_a_clear_error():
    ds = kpi_core.Dataset({"Subscriptions": pd.DataFrame({"customer_id": ["a"], "month": ["2026-01"],
                                                          "mrr": [10]})}, source="shop.xlsx")
    with pytest.raises(KpiInputError) as info:
        kpi_core.fit_clv(ds)
    assert_error(info, "value", "shop.xlsx", "no Orders table")


def test_missing_column_and_empty_table():
    with pytest.raises(KpiInputError) as info:
        kpi_core.fit_clv(orders().drop(columns="amount"))
    assert_error(info, "value", "Orders", "missing required column(s) amount")
    with pytest.raises(KpiInputError) as info:
        kpi_core.fit_clv(orders().iloc[:0])
    assert_error(info, "div0", "Orders", "no row")


@pytest.mark.parametrize("kwargs, kind, fragment", [
    ({"calibration_end": "next year"}, "value", "calibration_end"),
    ({"calibration_end": "2025-12-31"}, "value", "before the first order"),
    ({"time_unit": "fortnight"}, "value", "time_unit"),
])
def test_bad_fit_arguments(kwargs, kind, fragment):
    with pytest.raises(KpiInputError) as info:
        kpi_core.fit_clv(orders(), **kwargs)
    assert_error(info, kind, fragment)


def test_no_repeat_purchase_cannot_be_fitted():
    with pytest.raises(KpiInputError) as info:
        kpi_core.fit_clv(orders(customer_id=["a", "b", "c", "d", "e"]))
    assert_error(info, "div0", "no customer bought again")


def test_cdnow_reader_names_the_line(tmp_path):
    path = tmp_path / "cdnow.txt"
    path.write_text(" 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   -29.73\n")
    with pytest.raises(KpiInputError) as info:
        kpi_core.read_cdnow(path)
    assert_error(info, "num", "cdnow.txt, line 2, column amount")
    path.write_text(" 00004 0001 19970101  2   29.33\n 00004 0001 1997-01-4x  2   29.73\n")
    with pytest.raises(KpiInputError) as info:
        kpi_core.read_cdnow(path)
    assert_error(info, "value", "line 2, column date")
    path.write_text(" 00004 0001 19970101  2\n")
    with pytest.raises(KpiInputError) as info:
        kpi_core.read_cdnow(path)
    assert_error(info, "value", "line 1", "expected 5 columns")


# ---------------------------------------------------------------- the optional extra


def test_import_kpi_core_loads_neither_pymc_marketing_nor_scipy():
    code = ("import sys, kpi_core, addin.udfs; "
            "print(sorted(m for m in ('pymc_marketing', 'pymc', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "XLWINGS_ON_SERVER": "true",
                              "XLWINGS_LICENSE_KEY": "noncommercial"})
    assert out.stdout.strip() == "[]"


def test_fit_without_the_extra_says_how_to_install_it(monkeypatch):
    for name in ("pymc_marketing", "pymc_marketing.clv"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(MissingExtraError) as info:
        kpi_core.fit_clv(orders(customer_id=["a", "a", "b", "b", "c"], date=["2026-01-02", "2026-01-09",
                                                                             "2026-01-05", "2026-02-01", "2026-01-20"]))
    assert 'pip install "cskpi[predict]"' in str(info.value)
    assert isinstance(info.value, ImportError)


# ---------------------------------------------------------------- parameter recovery on simulated orders


def simulated_orders(n, r, alpha, a, b, p, q, v, seed=0):
    """Orders drawn from the BG/NBD and Gamma-Gamma stories (weeks), written independently of kpi_core."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)  # purchases per week
    drop = rng.beta(a, b, n)
    nu = rng.gamma(q, 1 / v, n)
    rows = []
    for c in range(n):
        week = rng.uniform(0, 12)  # acquired in the first 12 weeks
        rows.append((c, week))
        while True:  # repeat purchases until the end of week 78 or drop-out after a repeat purchase
            week += rng.exponential(1 / lam[c])
            if week >= 78:
                break
            rows.append((c, week))
            if rng.random() < drop[c]:
                break
    customer = np.array([c for c, _ in rows])
    days = np.floor(np.array([w for _, w in rows]) * 7).astype(int)
    return pd.DataFrame({"order_id": np.arange(len(rows)), "customer_id": [f"S{c}" for c in customer],
                         "date": pd.Timestamp("2025-01-06") + pd.to_timedelta(days, unit="D"),
                         "amount": np.round(rng.gamma(p, 1 / nu[customer]), 2)})


@pytest.mark.slow
def test_fit_recovers_the_parameters_of_simulated_customers():
    true = {"r": 0.5, "alpha": 6.0, "a": 0.7, "b": 3.0, "p": 5.0, "q": 4.0, "v": 20.0}
    orders = simulated_orders(6000, **true)
    model = kpi_core.fit_clv(orders, calibration_end="2025-12-28", time_unit="W")  # 51 weeks
    got = model.params
    # a and b are weakly identified one by one on a few thousand customers; their mean a / (a + b) is not
    assert got["r"] == pytest.approx(true["r"], rel=0.1), got
    assert got["alpha"] == pytest.approx(true["alpha"], rel=0.1), got
    assert got["a"] / (got["a"] + got["b"]) == pytest.approx(true["a"] / (true["a"] + true["b"]), rel=0.15), got
    assert got["p"] == pytest.approx(true["p"], rel=0.1), got
    mean_spend = got["p"] * got["v"] / (got["q"] - 1)
    assert mean_spend == pytest.approx(true["p"] * true["v"] / (true["q"] - 1), rel=0.1), got
    check = kpi_core.clv_holdout(model)
    assert abs(check.error) < 0.1 and abs(check.cumulative_error) < 0.05


def test_ranges_of_different_lengths_are_a_clear_error():
    bg = tuple(PUBLISHED_BGNBD.values())
    with pytest.raises(KpiInputError, match="same length"):
        kpi_core.p_alive([1, 2, 3], [1, 2], [5, 5, 5], *bg)
    with pytest.raises(KpiInputError, match="same length"):
        kpi_core.expected_purchases([1, 2], [1, 2, 3], [1, 2, 3], [5, 5, 5], *bg)
