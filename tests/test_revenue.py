"""Scalar revenue and customer-base KPIs (DESIGN.md §4, §8).

MRR, ARR, ARPA, NRR, GRR, REVENUE_CHURN, CHURN_RATE, RETENTION_RATE, NET_CUSTOMER_CHANGE,
QUICK_RATIO, SAAS_LTV. Expected values by hand, arithmetic in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest

from kpi_core import (KpiInputError, arpa, arr, churn_rate, grr, mrr, net_customer_change, nrr,
                      quick_ratio, retention_rate, revenue_churn, saas_ltv)

from _helpers import assert_error


# --------------------------------------------------------------------------- MRR / ARR / ARPA


def test_mrr_is_the_sum_of_amounts_blanks_ignored():
    # 1200 + 800.5 = 2000.5
    assert mrr([1200, 800.5, None]) == pytest.approx(2000.5)


def test_mrr_accepts_a_nested_excel_range():
    assert mrr([[100, 200], [None, 50]]) == pytest.approx(350.0)


def test_mrr_negative_amount_is_num_error_naming_position():
    with pytest.raises(KpiInputError) as ei:
        mrr([100, -5, 20])
    assert_error(ei, "num", "amounts", "position 2")


def test_mrr_text_amount_is_value_error_naming_position():
    with pytest.raises(KpiInputError) as ei:
        mrr([100, 20, "n/a"])
    assert_error(ei, "value", "amounts", "position 3")


def test_mrr_boolean_amount_is_value_error():
    with pytest.raises(KpiInputError) as ei:
        mrr([100, False])
    assert_error(ei, "value", "amounts", "position 2")


def test_mrr_empty_range_is_div0():
    with pytest.raises(KpiInputError) as ei:
        mrr([None, ""])
    assert_error(ei, "div0", "amounts")


def test_arr_is_twelve_times_mrr():
    # 12 * 2500 = 30000
    assert arr(2500) == pytest.approx(30000.0)


def test_arr_negative_mrr_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        arr(-1)
    assert_error(ei, "num", "mrr")


def test_arpa_is_mrr_over_customers():
    # 30000 / 120 = 250
    assert arpa(30000, 120) == pytest.approx(250.0)


def test_arpa_zero_customers_is_div0():
    with pytest.raises(KpiInputError) as ei:
        arpa(100, 0)
    assert_error(ei, "div0", "customers")


# -------------------------------------------------------------------------- NRR / GRR / churn


def test_nrr_seed_example_fifty_thousand_start_plus_twenty_minus_ten_is_1_20():
    # (50 000 + 20 000 - 10 000 - 0) / 50 000 = 60 000 / 50 000 = 1.20
    assert nrr(50000, 20000, 10000, 0) == pytest.approx(1.20)


def test_nrr_with_contraction():
    # (50 000 + 5 000 - 10 000 - 2 500) / 50 000 = 42 500 / 50 000 = 0.85
    assert nrr(50000, 5000, 10000, 2500) == pytest.approx(0.85)


def test_nrr_accepts_one_cell_ranges_as_excel_passes_them():
    assert nrr([50000], [20000], [10000], [0]) == pytest.approx(1.20)


def test_nrr_zero_start_mrr_is_div0():
    with pytest.raises(KpiInputError) as ei:
        nrr(0, 100, 0, 0)
    assert_error(ei, "div0", "start_mrr")


def test_nrr_losses_above_start_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        nrr(1000, 0, 800, 300)
    assert_error(ei, "num", "start_mrr")


def test_nrr_negative_expansion_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        nrr(1000, -10, 0, 0)
    assert_error(ei, "num", "expansion_mrr")


def test_nrr_text_argument_is_value_error():
    with pytest.raises(KpiInputError) as ei:
        nrr("50000", 0, 0, 0)
    assert_error(ei, "value", "start_mrr")


def test_nrr_blank_argument_is_value_error():
    with pytest.raises(KpiInputError) as ei:
        nrr(50000, None, 0, 0)
    assert_error(ei, "value", "expansion_mrr")


def test_nrr_boolean_argument_is_value_error():
    with pytest.raises(KpiInputError) as ei:
        nrr(50000, 0, True, 0)
    assert_error(ei, "value", "churned_mrr")


def test_grr_by_hand():
    # (50 000 - 10 000 - 2 500) / 50 000 = 37 500 / 50 000 = 0.75
    assert grr(50000, 10000, 2500) == pytest.approx(0.75)


def test_grr_zero_start_is_div0():
    with pytest.raises(KpiInputError) as ei:
        grr(0, 0, 0)
    assert_error(ei, "div0", "start_mrr")


def test_revenue_churn_by_hand_and_equals_one_minus_grr():
    # (10 000 + 2 500) / 50 000 = 0.25 = 1 - 0.75
    assert revenue_churn(10000, 2500, 50000) == pytest.approx(0.25)
    assert revenue_churn(10000, 2500, 50000) == pytest.approx(1 - grr(50000, 10000, 2500))


def test_revenue_churn_seed_example_ten_thousand_of_fifty():
    # 10 000 / 50 000 = 0.2
    assert revenue_churn(10000, 0, 50000) == pytest.approx(0.2)


def test_revenue_churn_zero_start_is_div0():
    with pytest.raises(KpiInputError) as ei:
        revenue_churn(0, 0, 0)
    assert_error(ei, "div0", "start_mrr")


def test_churn_rate_lost_over_customers_at_start():
    # 15 / 500 = 0.03
    assert churn_rate(15, 500) == pytest.approx(0.03)


def test_churn_rate_zero_over_zero_is_div0_not_zero():
    with pytest.raises(KpiInputError) as ei:
        churn_rate(0, 0)
    assert_error(ei, "div0", "customers_at_start")


def test_churn_rate_more_lost_than_at_start_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        churn_rate(600, 500)
    assert_error(ei, "num", "lost_customers")


def test_churn_rate_fractional_customer_count_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        churn_rate(1.5, 10)
    assert_error(ei, "num", "lost_customers")


def test_churn_rate_negative_count_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        churn_rate(-1, 10)
    assert_error(ei, "num", "lost_customers")


def test_churn_rate_infinite_count_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        churn_rate(1, float("inf"))
    assert_error(ei, "num", "customers_at_start")


def test_churn_rate_accepts_numpy_integers():
    assert churn_rate(np.int64(15), np.int32(500)) == pytest.approx(0.03)


# --------------------------------------------------------------- retention and net change


def test_retention_rate_seed_example_650_minus_350_over_500_is_0_60():
    # (650 - 350) / 500 = 300 / 500 = 0.60
    assert retention_rate(650, 350, 500) == pytest.approx(0.60)


def test_retention_rate_no_customers_at_start_is_div0():
    with pytest.raises(KpiInputError) as ei:
        retention_rate(0, 0, 0)
    assert_error(ei, "div0", "customers_at_start")


def test_retention_rate_more_new_than_at_end_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        retention_rate(100, 150, 500)
    assert_error(ei, "num", "new_customers")


def test_retention_rate_more_retained_than_at_start_is_num_error():
    # 650 - 50 = 600 retained out of 500 at start: impossible
    with pytest.raises(KpiInputError) as ei:
        retention_rate(650, 50, 500)
    assert_error(ei, "num", "customers_at_start")


def test_net_customer_change_is_new_minus_lost():
    # "solde net": 350 - 200 = 150 (the base grows)
    assert net_customer_change(350, 200) == 150
    # 100 - 250 = -150 (the base shrinks)
    assert net_customer_change(100, 250) == -150


def test_net_customer_change_fractional_count_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        net_customer_change(2.5, 1)
    assert_error(ei, "num", "new_customers")


# ------------------------------------------------------------------------------ QUICK_RATIO


def test_quick_ratio_gained_over_lost():
    # (3000 + 1500 + 500) / (1000 + 1500) = 5000 / 2500 = 2.0
    assert quick_ratio(3000, 1500, 500, 1000, 1500) == pytest.approx(2.0)


def test_quick_ratio_argument_order_new_expansion_reactivation_contraction_churn():
    # (100 + 0 + 0) / (0 + 400) = 0.25 ; (0 + 0 + 100) / (400 + 0) = 0.25 ; (0 + 100 + 0) / (0 + 50) = 2
    assert quick_ratio(100, 0, 0, 0, 400) == pytest.approx(0.25)
    assert quick_ratio(0, 0, 100, 400, 0) == pytest.approx(0.25)
    assert quick_ratio(0, 100, 0, 0, 50) == pytest.approx(2.0)


def test_quick_ratio_with_no_losses_is_div0():
    with pytest.raises(KpiInputError) as ei:
        quick_ratio(1000, 500, 0, 0, 0)
    assert_error(ei, "div0", "contraction_mrr + churned_mrr")


def test_quick_ratio_negative_churn_is_num_error():
    # churn is passed as a positive amount; a negative one is an error, not a sign convention
    with pytest.raises(KpiInputError) as ei:
        quick_ratio(1000, 0, 0, 0, -500)
    assert_error(ei, "num", "churned_mrr")


# -------------------------------------------------------------------------------- SAAS_LTV


def test_saas_ltv_arpa_times_margin_over_monthly_churn():
    # 250 * 0.8 / 0.02 = 200 / 0.02 = 10 000
    assert saas_ltv(250, 0.8, 0.02) == pytest.approx(10000.0)


def test_saas_ltv_zero_churn_is_div0():
    with pytest.raises(KpiInputError) as ei:
        saas_ltv(250, 0.8, 0)
    assert_error(ei, "div0", "monthly_churn")


def test_saas_ltv_margin_above_one_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        saas_ltv(250, 80, 0.02)
    assert_error(ei, "num", "gross_margin")


def test_saas_ltv_churn_above_one_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        saas_ltv(250, 0.8, 2)
    assert_error(ei, "num", "monthly_churn")
