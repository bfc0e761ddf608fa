"""Support and e-commerce KPIs (DESIGN.md §4, §8).

FCR, AVG_RESPONSE_TIME, AVERAGE_BASKET, PURCHASE_FREQUENCY, REPURCHASE_RATE, CLV, CAC,
CONVERSION_RATE, ABANDONMENT_RATE. Expected values by hand, arithmetic in the comments.
"""

from __future__ import annotations

import pytest

from kpi_core import (KpiInputError, abandonment_rate, average_basket, avg_response_time, cac, clv,
                      conversion_rate, fcr, purchase_frequency, repurchase_rate)

from _helpers import assert_error


# ------------------------------------------------------------------------------- support


def test_fcr_resolved_first_contact_over_tickets():
    # 72 / 90 = 0.8
    assert fcr(72, 90) == pytest.approx(0.8)


def test_fcr_no_tickets_is_div0():
    with pytest.raises(KpiInputError) as ei:
        fcr(0, 0)
    assert_error(ei, "div0", "tickets")


def test_fcr_more_resolved_than_tickets_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        fcr(91, 90)
    assert_error(ei, "num", "resolved_first_contact")


def test_fcr_text_argument_is_value_error():
    with pytest.raises(KpiInputError) as ei:
        fcr("72", 90)
    assert_error(ei, "value", "resolved_first_contact")


def test_avg_response_time_mean_hours_blanks_ignored():
    # (1.5 + 4 + 0.5) / 3 = 2.0
    assert avg_response_time([1.5, 4, None, 0.5]) == pytest.approx(2.0)


def test_avg_response_time_negative_hours_is_num_error_naming_position():
    with pytest.raises(KpiInputError) as ei:
        avg_response_time([1.5, -2])
    assert_error(ei, "num", "hours", "position 2")


def test_avg_response_time_text_is_value_error_naming_position():
    with pytest.raises(KpiInputError) as ei:
        avg_response_time([1.5, "2h"])
    assert_error(ei, "value", "hours", "position 2")


def test_avg_response_time_empty_range_is_div0():
    with pytest.raises(KpiInputError) as ei:
        avg_response_time([None, ""])
    assert_error(ei, "div0", "hours")


# ------------------------------------------------------------------------------ commerce


def test_average_basket_revenue_over_orders():
    # 12 500 / 250 = 50
    assert average_basket(12500, 250) == pytest.approx(50.0)


def test_average_basket_no_orders_is_div0():
    with pytest.raises(KpiInputError) as ei:
        average_basket(0, 0)
    assert_error(ei, "div0", "orders")


def test_average_basket_negative_revenue_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        average_basket(-100, 2)
    assert_error(ei, "num", "revenue")


def test_purchase_frequency_is_a_count_not_times_100():
    # 250 orders / 100 customers = 2.5 orders per customer (seed 002's x100 is an error)
    assert purchase_frequency(250, 100) == pytest.approx(2.5)


def test_purchase_frequency_no_customers_is_div0():
    with pytest.raises(KpiInputError) as ei:
        purchase_frequency(0, 0)
    assert_error(ei, "div0", "customers")


def test_purchase_frequency_more_ordering_customers_than_orders_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        purchase_frequency(10, 12)
    assert_error(ei, "num", "customers")


def test_repurchase_rate_repeat_over_ordering_customers():
    # 30 / 120 = 0.25
    assert repurchase_rate(30, 120) == pytest.approx(0.25)


def test_repurchase_rate_no_customers_is_div0():
    with pytest.raises(KpiInputError) as ei:
        repurchase_rate(0, 0)
    assert_error(ei, "div0", "customers")


def test_repurchase_rate_more_repeat_than_customers_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        repurchase_rate(5, 4)
    assert_error(ei, "num", "repeat_customers")


def test_clv_basket_times_frequency_times_years():
    # 50 * 4 * 3 = 600
    assert clv(50, 4, 3) == pytest.approx(600.0)


def test_clv_minus_cac_when_given():
    # 50 * 4 * 3 - 150 = 450
    assert clv(50, 4, 3, 150) == pytest.approx(450.0)
    assert clv(50, 4, 3, cac=150) == pytest.approx(450.0)


def test_clv_negative_years_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        clv(50, 4, -1)
    assert_error(ei, "num", "years")


def test_cac_total_spend_over_new_customers_not_times_100():
    # (30 000 + 20 000) / 125 = 400 (seed 002/004's x100 is an error)
    assert cac(30000, 20000, 125) == pytest.approx(400.0)


def test_cac_no_new_customers_is_div0():
    with pytest.raises(KpiInputError) as ei:
        cac(1000, 500, 0)
    assert_error(ei, "div0", "new_customers")


def test_cac_negative_spend_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        cac(-1000, 500, 3)
    assert_error(ei, "num", "marketing_spend")


def test_conversion_rate_conversions_over_visitors():
    # 45 / 1500 = 0.03
    assert conversion_rate(45, 1500) == pytest.approx(0.03)


def test_conversion_rate_no_visitors_is_div0():
    with pytest.raises(KpiInputError) as ei:
        conversion_rate(0, 0)
    assert_error(ei, "div0", "visitors")


def test_conversion_rate_more_conversions_than_visitors_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        conversion_rate(11, 10)
    assert_error(ei, "num", "conversions")


def test_abandonment_rate_abandoned_over_created():
    # 70 / 100 = 0.7
    assert abandonment_rate(70, 100) == pytest.approx(0.7)


def test_abandonment_rate_no_carts_is_div0():
    with pytest.raises(KpiInputError) as ei:
        abandonment_rate(0, 0)
    assert_error(ei, "div0", "carts_created")


def test_abandonment_rate_more_abandoned_than_created_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        abandonment_rate(101, 100)
    assert_error(ei, "num", "carts_abandoned")
