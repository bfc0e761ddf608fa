"""Survey KPIs (DESIGN.md §4, §8): NPS, NPS_CI, NPS_TEST, NPS_BREAKDOWN, CSAT, CES, CES_AGREE.

Every expected value is worked out by hand from the definitions; the arithmetic is in the
comments. ``statistics.NormalDist`` is the independent reference for z and the normal CDF.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_core import (KpiInputError, ces, ces_agree, csat, nps, nps_breakdown, nps_ci,
                      nps_test)

Z95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054


def assert_error(excinfo, kind, *fragments):
    """The error has the expected kind and its message names every fragment."""
    err = excinfo.value
    assert isinstance(err, KpiInputError)
    assert err.kind == kind, f"kind {err.kind!r} != {kind!r}: {err}"
    message = str(err)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in message {message!r}"


# 50 promoters, 30 passives, 20 detractors: the DESIGN-style reference sample.
SAMPLE_50_30_20 = [10] * 25 + [9] * 25 + [8] * 15 + [7] * 15 + [6] * 10 + [0] * 10


# ------------------------------------------------------------------------------- NPS


def test_nps_seed_example_two_promoters_two_detractors_is_zero():
    # 10, 9 promoters (2); 8, 7 passives; 6, 0 detractors (2): 100 * (2 - 2) / 6 = 0
    assert nps([10, 9, 8, 7, 6, 0]) == 0.0


def test_nps_three_promoters_one_detractor_is_fifty():
    # 100 * (3 - 1) / 4 = 50
    assert nps([10, 10, 9, 3]) == pytest.approx(50.0)


def test_nps_fifty_promoters_thirty_passives_twenty_detractors_is_thirty():
    # 100 * (50 - 20) / 100 = 30
    assert nps(SAMPLE_50_30_20) == pytest.approx(30.0)


def test_nps_boundaries_nine_is_promoter_six_is_detractor_seven_eight_passive():
    assert nps([9]) == 100.0
    assert nps([6]) == -100.0
    assert nps([7, 8]) == 0.0


def test_nps_all_detractors_is_minus_hundred():
    assert nps([0, 1, 2, 3, 4, 5, 6]) == -100.0


def test_nps_blanks_are_ignored_not_counted_as_zero():
    # non-blank: 10, 9, 5 -> promoters 2, detractors 1, n 3 -> 100 * 1 / 3 = 33.333...
    assert nps([10, None, 9, float("nan"), "", 5]) == pytest.approx(100 / 3)


def test_nps_blank_cells_of_a_pandas_series_are_ignored():
    # NaN in a float Series is a blank cell: 10, 0 -> 100 * (1 - 1) / 2 = 0
    assert nps(pd.Series([10.0, np.nan, 0.0])) == 0.0


def test_nps_accepts_numpy_int_array_series_and_nested_excel_range():
    # 9, 10 promoters, 4 detractor: 100 * (2 - 1) / 3 = 33.33
    expected = 100 / 3
    assert nps(np.array([9, 10, 4])) == pytest.approx(expected)
    assert nps(pd.Series([9, 10, 4])) == pytest.approx(expected)
    assert nps([[9], [10], [4]]) == pytest.approx(expected)  # a column range from Excel
    assert nps(np.array([9.0, 10.0, 4.0])) == pytest.approx(expected)


def test_nps_nullable_integer_series_with_missing_values():
    # pandas Int64 with <NA>: 10, 3 -> 100 * (1 - 1) / 2 = 0
    assert nps(pd.Series([10, None, 3], dtype="Int64")) == 0.0


def test_nps_breakdown_counts_and_shares():
    # 10, 9 promoters; 8 passive; 3 detractor; n = 4
    table = nps_breakdown([10, 9, 8, 3, None])
    assert list(table.columns) == ["promoters", "passives", "detractors", "n"]
    assert table.loc["count"].tolist() == [2.0, 1.0, 1.0, 4.0]
    assert table.loc["share"].tolist() == pytest.approx([0.5, 0.25, 0.25, 1.0])


# --------------------------------------------------------------- NPS: bad input, each named


def test_nps_out_of_range_score_11_is_num_error_naming_position():
    with pytest.raises(KpiInputError) as ei:
        nps([10, 9, 11, 3])
    assert_error(ei, "num", "scores", "position 3", "11")


def test_nps_fractional_score_7_5_is_num_error_naming_position():
    with pytest.raises(KpiInputError) as ei:
        nps([10, 7.5])
    assert_error(ei, "num", "scores", "position 2", "7.5")


def test_nps_negative_score_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        nps([-1, 10])
    assert_error(ei, "num", "scores", "position 1")


def test_nps_text_among_scores_is_value_error_naming_position():
    with pytest.raises(KpiInputError) as ei:
        nps([10, 9, "great", 3])
    assert_error(ei, "value", "scores", "position 3", "great")


def test_nps_numeric_text_among_scores_is_value_error_not_coerced():
    with pytest.raises(KpiInputError) as ei:
        nps([10, "9"])
    assert_error(ei, "value", "scores", "position 2")


def test_nps_boolean_among_scores_is_value_error_naming_position():
    with pytest.raises(KpiInputError) as ei:
        nps([10, 9, True])
    assert_error(ei, "value", "scores", "position 3", "True")


def test_nps_boolean_array_is_value_error():
    with pytest.raises(KpiInputError) as ei:
        nps(np.array([True, False]))
    assert_error(ei, "value", "scores", "position 1")


def test_nps_position_counts_blank_cells_before_the_bad_score():
    # The user's range is [10, blank, blank, 12]: the bad cell is the 4th.
    with pytest.raises(KpiInputError) as ei:
        nps([10, None, None, 12])
    assert_error(ei, "num", "position 4")


def test_nps_empty_range_is_div0():
    with pytest.raises(KpiInputError) as ei:
        nps([])
    assert_error(ei, "div0", "scores")


def test_nps_all_blank_range_is_div0():
    with pytest.raises(KpiInputError) as ei:
        nps([None, "", float("nan")])
    assert_error(ei, "div0", "scores")


def test_nps_infinite_score_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        nps([10, float("inf")])
    assert_error(ei, "num", "scores", "position 2")


# ------------------------------------------------------------------------------ NPS_CI


def test_nps_ci_wald_fifty_thirty_twenty_is_thirty_plus_minus_15_3078():
    # p = 0.5, d = 0.2, NPS = 30; Var = (0.5 + 0.2) - 0.3**2 = 0.7 - 0.09 = 0.61
    # SE = 100 * sqrt(0.61 / 100) = 7.810250; z(95 %) = 1.959964; half = 15.307808
    low, high = nps_ci(SAMPLE_50_30_20)
    assert low == pytest.approx(30 - 15.307808, abs=1e-5)
    assert high == pytest.approx(30 + 15.307808, abs=1e-5)
    assert low == pytest.approx(14.692192, abs=1e-5)
    assert high == pytest.approx(45.307808, abs=1e-5)


def test_nps_ci_default_confidence_is_95_percent_and_method_wald():
    assert nps_ci(SAMPLE_50_30_20) == pytest.approx(nps_ci(SAMPLE_50_30_20, 0.95, "wald"))


def test_nps_ci_wald_at_90_percent_uses_z_1_6449():
    # z(90 %) = 1.644854; half = 1.644854 * 7.810250 = 12.846718
    low, high = nps_ci(SAMPLE_50_30_20, 0.90)
    assert low == pytest.approx(30 - 12.846718, abs=1e-5)
    assert high == pytest.approx(30 + 12.846718, abs=1e-5)


def test_nps_ci_adjusted_wald_small_sample_by_hand():
    # scores 10, 10, 10, 8, 3: promoters 3, passives 1, detractors 1, n = 5
    # adjusted: promoters 3.75, detractors 1.75, n = 8 -> p = 0.46875, d = 0.21875
    # centre = adjusted NPS = 0.25 (25 points); Var = 0.6875 - 0.0625 = 0.625
    # SE = sqrt(0.625 / 8) = 0.2795085; half = 1.959964 * 0.2795085 = 0.5478266
    # -> 25 -/+ 54.78266 = (-29.78266, 79.78266)
    low, high = nps_ci([10, 10, 10, 8, 3], method="adjusted_wald")
    assert low == pytest.approx(-29.782659, abs=1e-5)
    assert high == pytest.approx(79.782659, abs=1e-5)


def test_nps_ci_adjusted_wald_all_promoters_is_clipped_at_100():
    # 10, 10, 10: adjusted promoters 3.75, detractors 0.75, n = 6 -> p = 0.625, d = 0.125
    # centre 0.5 (50 points); Var = 0.75 - 0.25 = 0.5; SE = sqrt(0.5/6) = 0.2886751
    # half = 1.959964 * 0.2886751 = 0.5657929 -> (-6.57929, 106.579 clipped to 100)
    low, high = nps_ci([10, 10, 10], method="adjusted_wald")
    assert low == pytest.approx(-6.579287, abs=1e-5)
    assert high == 100.0


def test_nps_ci_wald_is_clipped_to_100():
    # nine 10s and one 0: p = 0.9, d = 0.1, NPS 80; Var = 1.0 - 0.64 = 0.36
    # SE = 100 * sqrt(0.36 / 10) = 18.973666; half = 37.187702 -> (42.812298, 117.19 -> 100)
    low, high = nps_ci([10] * 9 + [0])
    assert low == pytest.approx(42.812298, abs=1e-5)
    assert high == 100.0


def test_nps_ci_wald_zero_variance_sample_is_a_point():
    # every answer a promoter: Var = 1 - 1 = 0 -> (100, 100)
    assert nps_ci([10, 9, 10]) == pytest.approx((100.0, 100.0))


def test_nps_ci_blanks_ignored():
    assert nps_ci(SAMPLE_50_30_20 + [None, ""]) == pytest.approx(nps_ci(SAMPLE_50_30_20))


def test_nps_ci_unknown_method_is_value_error_naming_method():
    with pytest.raises(KpiInputError) as ei:
        nps_ci([10, 3], method="wilson")
    assert_error(ei, "value", "method")


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.2])
def test_nps_ci_confidence_outside_zero_one_is_num_error(confidence):
    with pytest.raises(KpiInputError) as ei:
        nps_ci([10, 3], confidence)
    assert_error(ei, "num", "confidence")


def test_nps_ci_bad_score_is_reported():
    with pytest.raises(KpiInputError) as ei:
        nps_ci([10, 11])
    assert_error(ei, "num", "scores", "position 2")


def test_nps_ci_empty_range_is_div0():
    with pytest.raises(KpiInputError) as ei:
        nps_ci([None])
    assert_error(ei, "div0")


# ----------------------------------------------------------------------------- NPS_TEST


def test_nps_test_sixty_forty_against_forty_sixty_by_hand():
    # A: 60 promoters, 40 detractors: NPS 0.2, Var = 1.0 - 0.04 = 0.96
    # B: 40 promoters, 60 detractors: NPS -0.2, Var = 0.96
    # SE = sqrt(0.96/100 + 0.96/100) = sqrt(0.0192) = 0.1385641; z = 0.4 / 0.1385641 = 2.886751
    # p = 2 * (1 - Phi(2.886751)) = 0.0038924
    expected = 2 * (1 - NormalDist().cdf(0.4 / math.sqrt(0.0192)))
    p = nps_test([10] * 60 + [5] * 40, [10] * 40 + [5] * 60)
    assert p == pytest.approx(expected, rel=1e-9)
    assert p == pytest.approx(0.0038924, abs=1e-7)


def test_nps_test_unequal_sample_sizes_by_hand():
    # A = 50/30/20 (n 100): NPS 0.3, Var 0.61
    # B = 20 promoters, 10 passives, 20 detractors (n 50): p = d = 0.4, NPS 0, Var = 0.8 - 0 = 0.8
    # SE = sqrt(0.61/100 + 0.8/50) = sqrt(0.0061 + 0.016) = sqrt(0.0221) = 0.1486607
    # z = 0.3 / 0.1486607 = 2.018018; p = 2 * (1 - Phi(2.018018)) = 0.043589
    b = [10] * 20 + [8] * 10 + [2] * 20
    expected = 2 * (1 - NormalDist().cdf(0.3 / math.sqrt(0.0221)))
    assert nps_test(SAMPLE_50_30_20, b) == pytest.approx(expected, rel=1e-9)
    assert nps_test(SAMPLE_50_30_20, b) == pytest.approx(0.043589, abs=1e-6)


def test_nps_test_is_symmetric_in_its_samples():
    b = [10] * 20 + [8] * 10 + [2] * 20
    assert nps_test(SAMPLE_50_30_20, b) == pytest.approx(nps_test(b, SAMPLE_50_30_20))


def test_nps_test_identical_samples_give_p_value_one():
    # z = 0 -> p = 2 * (1 - Phi(0)) = 1
    assert nps_test(SAMPLE_50_30_20, list(reversed(SAMPLE_50_30_20))) == pytest.approx(1.0)


def test_nps_test_one_zero_variance_sample_is_still_defined():
    # A all promoters: NPS 1, Var 0; B 60/40: NPS 0.2, Var 0.96
    # SE = sqrt(0 + 0.96/100) = 0.0979796; z = 0.8 / 0.0979796 = 8.1650 -> p = 2 * (1 - Phi(8.165))
    expected = 2 * (1 - NormalDist().cdf(0.8 / math.sqrt(0.0096)))
    assert nps_test([10] * 10, [10] * 60 + [5] * 40) == pytest.approx(expected, abs=1e-12)


def test_nps_test_both_samples_zero_variance_is_div0():
    with pytest.raises(KpiInputError) as ei:
        nps_test([10, 10, 9], [0, 3])
    assert_error(ei, "div0", "variance")


def test_nps_test_bad_score_in_second_sample_names_scores_b():
    with pytest.raises(KpiInputError) as ei:
        nps_test([10, 3], [10, 12])
    assert_error(ei, "num", "scores_b", "position 2")


def test_nps_test_empty_first_sample_names_scores_a():
    with pytest.raises(KpiInputError) as ei:
        nps_test([], [10, 3])
    assert_error(ei, "div0", "scores_a")


# ------------------------------------------------------------------------- NPS properties

scores_lists = st.lists(st.integers(0, 10), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(scores_lists)
def test_property_nps_within_minus_100_and_100(scores):
    assert -100.0 <= nps(scores) <= 100.0


@settings(max_examples=150, deadline=None)
@given(st.data(), scores_lists)
def test_property_nps_invariant_to_order(data, scores):
    shuffled = data.draw(st.permutations(scores))
    assert nps(shuffled) == pytest.approx(nps(scores), abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(st.data(), scores_lists)
def test_property_nps_invariant_to_inserting_blanks(data, scores):
    with_blanks = list(scores)
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(with_blanks)))
        with_blanks.insert(at, data.draw(st.sampled_from([None, float("nan"), ""])))
    assert nps(with_blanks) == pytest.approx(nps(scores), abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(scores_lists, st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_property_nps_ci_wald_contains_the_nps_and_stays_in_range(scores, confidence):
    low, high = nps_ci(scores, confidence)
    value = nps(scores)
    assert -100.0 <= low <= high <= 100.0
    assert low - 1e-9 <= value <= high + 1e-9


@settings(max_examples=150, deadline=None)
@given(scores_lists)
def test_property_nps_ci_adjusted_wald_contains_the_adjusted_nps(scores):
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    adjusted = 100 * ((promoters + 0.75) - (detractors + 0.75)) / (len(scores) + 3)
    low, high = nps_ci(scores, method="adjusted_wald")
    assert -100.0 <= low <= high <= 100.0
    assert low - 1e-9 <= adjusted <= high + 1e-9


@settings(max_examples=100, deadline=None)
@given(scores_lists, scores_lists)
def test_property_nps_test_p_value_in_zero_one_and_symmetric(a, b):
    try:
        p = nps_test(a, b)
    except KpiInputError as err:  # both samples with zero variance: undefined
        assert err.kind == "div0"

        def group(s):
            return "p" if s >= 9 else "d" if s <= 6 else "x"

        assert len({group(s) for s in a}) == 1 and len({group(s) for s in b}) == 1
        return
    assert 0.0 <= p <= 1.0
    assert p == pytest.approx(nps_test(b, a), abs=1e-12)


# -------------------------------------------------------------------------------- CSAT


def test_csat_default_scale_five_positive_is_four_or_five():
    # 5, 4 positive; 3, 1 not; blank ignored: 2 / 4 = 0.5
    assert csat([5, 4, 3, 1, None]) == pytest.approx(0.5)


def test_csat_scale_seven_default_positive_min_six():
    # 7, 6 positive; 5, 1 not: 2 / 4
    assert csat([7, 6, 5, 1], 7) == pytest.approx(0.5)


def test_csat_scale_ten_default_positive_min_nine():
    # 10, 9 positive; 8, 1, 5 not: 2 / 5
    assert csat([10, 9, 8, 1, 5], 10) == pytest.approx(0.4)


def test_csat_explicit_positive_min():
    # positive_min 3 on 1..5: 5, 4, 3 positive, 1 not: 3 / 4
    assert csat([5, 4, 3, 1], 5, 3) == pytest.approx(0.75)


def test_csat_yes_no_answers_in_english_french_and_booleans():
    # yes: TRUE, yes, oui, True (4); no: FALSE, no, non (3) -> 4 / 7
    answers = ["TRUE", "FALSE", "yes", "no", "oui", "non", True]
    assert csat(answers) == pytest.approx(4 / 7)


def test_csat_yes_no_answers_are_case_insensitive_and_blanks_ignored():
    # OUI, Yes yes; Non no; blank ignored -> 2 / 3
    assert csat(["OUI", "Non", None, " Yes "]) == pytest.approx(2 / 3)


def test_csat_boolean_array_is_yes_no():
    assert csat(np.array([True, False, True, True])) == pytest.approx(0.75)


def test_csat_mixing_yes_no_and_numbers_is_value_error():
    with pytest.raises(KpiInputError) as ei:
        csat(["yes", 5, "no"])
    assert_error(ei, "value", "scores", "position 2")


def test_csat_score_above_scale_is_num_error_naming_position():
    with pytest.raises(KpiInputError) as ei:
        csat([5, 4, 6])
    assert_error(ei, "num", "scores", "position 3")


def test_csat_zero_on_one_to_five_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        csat([0, 5])
    assert_error(ei, "num", "scores", "position 1")


def test_csat_fractional_score_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        csat([4.5, 5])
    assert_error(ei, "num", "scores", "position 1")


def test_csat_unknown_word_is_value_error():
    with pytest.raises(KpiInputError) as ei:
        csat([5, "bof"])
    assert_error(ei, "value", "scores", "position 2")


def test_csat_unusual_scale_without_positive_min_is_value_error():
    with pytest.raises(KpiInputError) as ei:
        csat([1, 2, 3], 6)
    assert_error(ei, "value", "positive_min")


def test_csat_positive_min_above_scale_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        csat([1, 2, 3], 5, 6)
    assert_error(ei, "num", "positive_min")


def test_csat_empty_range_is_div0():
    with pytest.raises(KpiInputError) as ei:
        csat([])
    assert_error(ei, "div0")


def test_csat_all_blank_range_is_div0():
    with pytest.raises(KpiInputError) as ei:
        csat([None, ""])
    assert_error(ei, "div0")


# --------------------------------------------------------------------------------- CES


def test_ces_is_the_mean_answer_blanks_ignored():
    # (7 + 6 + 5 + 2) / 4 = 5
    assert ces([7, 6, 5, None, 2]) == pytest.approx(5.0)


def test_ces_on_one_to_five_scale():
    # (5 + 1 + 3 + 2) / 4 = 2.75
    assert ces([5, 1, 3, 2], 5) == pytest.approx(2.75)


def test_ces_above_default_scale_seven_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        ces([7, 8])
    assert_error(ei, "num", "scores", "position 2")


def test_ces_zero_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        ces([0, 3])
    assert_error(ei, "num", "scores", "position 1")


def test_ces_text_is_value_error():
    with pytest.raises(KpiInputError) as ei:
        ces([3, "easy"])
    assert_error(ei, "value", "scores", "position 2")


def test_ces_empty_range_is_div0():
    with pytest.raises(KpiInputError) as ei:
        ces([None])
    assert_error(ei, "div0")


def test_ces_agree_counts_five_and_above_on_one_to_seven():
    # midpoint 4 is neutral: 7, 5 agree; 4, 1 do not -> 2 / 4
    assert ces_agree([7, 5, 4, 1]) == pytest.approx(0.5)


def test_ces_agree_counts_four_and_above_on_one_to_five():
    # midpoint 3: 5, 4 agree; 3, 2 do not -> 2 / 4
    assert ces_agree([5, 4, 3, 2], 5) == pytest.approx(0.5)


def test_ces_agree_midpoint_answer_is_not_agreement():
    assert ces_agree([4, 4], 7) == 0.0
    assert ces_agree([3], 5) == 0.0


def test_ces_agree_on_one_to_ten_counts_strictly_above_5_5():
    # midpoint 5.5: 6 agrees, 5 does not -> 1 / 2
    assert ces_agree([6, 5], 10) == pytest.approx(0.5)


def test_ces_agree_out_of_scale_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        ces_agree([5, 6], 5)
    assert_error(ei, "num", "scores", "position 2")
