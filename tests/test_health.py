"""Customer health score (DESIGN.md §5): scaling, re-normalisation, explanations, statuses, config.

Default components, floor -> target: adoption 0.2 -> 0.8, frequency 2 -> 20, depth 0.1 -> 0.6,
sentiment 6 -> 9, support 5 -> 0 (lower is better), goals 0 -> 1. Equal weights.
Scaled = clip((value - floor) / (target - floor), 0, 1) * 100.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kpi_core import (COMPONENTS, DEFAULT_CONFIG_PATH, Dataset, HealthConfig, KpiInputError,
                      health_score, health_scores, health_status, load_health_config)

from _helpers import assert_error


# ------------------------------------------------------------------------ HEALTH_SCORE


def test_health_score_hand_example_with_clipping_and_lower_is_better_support():
    # adoption 0.68:  (0.68 - 0.2) / 0.6 = 0.8        -> 80
    # frequency 25:   (25 - 2) / 18 > 1, clipped      -> 100
    # depth 0.05:     (0.05 - 0.1) / 0.5 < 0, clipped -> 0
    # sentiment 8:    (8 - 6) / 3 = 2/3               -> 66.667
    # support 2:      (2 - 5) / (0 - 5) = 0.6         -> 60
    # goals 0.45:     0.45                            -> 45
    # mean = (80 + 100 + 0 + 66.667 + 60 + 45) / 6 = 351.667 / 6 = 58.6111
    expected = (80 + 100 + 0 + 200 / 3 + 60 + 45) / 6
    assert health_score([0.68, 25, 0.05, 8, 2, 0.45]) == pytest.approx(expected)
    assert expected == pytest.approx(58.6111, abs=1e-4)


@pytest.mark.parametrize("tickets, scaled", [(0, 100.0), (1, 80.0), (2, 60.0), (5, 0.0), (9, 0.0)])
def test_health_score_support_lower_is_better_five_tickets_is_zero(tickets, scaled):
    # support alone (others blank): (t - 5) / (0 - 5) clipped: 0 -> 100, 1 -> 80, 2 -> 60, 5 -> 0, 9 -> 0
    assert health_score([None, None, None, None, tickets, None]) == pytest.approx(scaled)


def test_health_score_missing_component_renormalises_the_weights():
    # 0.5 -> 50, 11 -> 50, 0.35 -> 50, sentiment blank, 0 tickets -> 100, goals 1 -> 100
    # (50 + 50 + 50 + 100 + 100) / 5 = 70 (not 350 / 6 = 58.3 as a blank-as-0 would give)
    assert health_score([0.5, 11, 0.35, None, 0, 1]) == pytest.approx(70.0)


def test_health_score_custom_weights_floors_targets():
    # 5 on 0 -> 10 = 50, 10 on 0 -> 10 = 100; weights 3, 1: (150 + 100) / 4 = 62.5
    assert health_score([5, 10], weights=[3, 1], floors=[0, 0], targets=[10, 10]) == pytest.approx(62.5)


def test_health_score_blank_value_drops_its_weight():
    # first blank: only 100 with weight 1 remains -> 100
    assert health_score([None, 10], weights=[3, 1], floors=[0, 0], targets=[10, 10]) == pytest.approx(100.0)


def test_health_score_custom_lower_is_better_component():
    # hours to first response, floor 48 -> 0, target 0 -> 100: 12 h -> (12 - 48) / (0 - 48) = 0.75 -> 75
    assert health_score([12], floors=[48], targets=[0]) == pytest.approx(75.0)


def test_health_score_at_every_target_is_100_and_green_whatever_the_weights():
    # both values at their targets: scaled 100 and 100 -> (2.25 * 100 + 0.5 * 100) / 2.75 = 100.
    # A score above 100 breaks the 0..100 contract and HEALTH_STATUS(HEALTH_SCORE(...)) (#NUM!).
    score = health_score([0, 1], weights=[2.25, 0.5], floors=[1, 0], targets=[0, 1])
    assert 0.0 <= score <= 100.0
    assert score == pytest.approx(100.0)
    assert health_status(score) == "Green"


def test_health_score_every_value_blank_is_div0():
    with pytest.raises(KpiInputError) as ei:
        health_score([None] * 6)
    assert_error(ei, "div0", "values")


def test_health_score_only_zero_weight_values_is_div0():
    with pytest.raises(KpiInputError) as ei:
        health_score([None, 10], weights=[1, 0], floors=[0, 0], targets=[10, 10])
    assert_error(ei, "div0", "weight")


def test_health_score_text_value_is_value_error_naming_position():
    with pytest.raises(KpiInputError) as ei:
        health_score([0.5, "high", 0.3, 7, 1, 0.5])
    assert_error(ei, "value", "values", "position 2")


def test_health_score_weights_of_wrong_length_is_value_error():
    with pytest.raises(KpiInputError) as ei:
        health_score([0.5, 10, 0.3, 7, 1, 0.5], weights=[1, 1])
    assert_error(ei, "value", "weights")


def test_health_score_negative_weight_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        health_score([5, 10], weights=[1, -1], floors=[0, 0], targets=[10, 10])
    assert_error(ei, "num", "weights", "position 2")


def test_health_score_floor_equal_to_target_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        health_score([5, 10], floors=[0, 3], targets=[10, 3])
    assert_error(ei, "num", "position 2")


def test_health_score_non_standard_length_without_floors_is_value_error():
    with pytest.raises(KpiInputError) as ei:
        health_score([5, 10])
    assert_error(ei, "value", "floors")


@settings(max_examples=200, deadline=None)
@given(st.data(), st.integers(1, 8))
def test_property_health_score_in_0_100_and_equals_plain_weighted_mean(data, n):
    finite = st.floats(-1000, 1000, allow_nan=False, allow_infinity=False)
    values = data.draw(st.lists(finite, min_size=n, max_size=n))
    floors = data.draw(st.lists(finite, min_size=n, max_size=n))
    targets = data.draw(st.lists(finite, min_size=n, max_size=n))
    weights = data.draw(st.lists(st.floats(0.01, 10), min_size=n, max_size=n))
    assume(all(abs(f - t) > 1e-6 for f, t in zip(floors, targets)))
    scaled = [min(max((v - f) / (t - f), 0.0), 1.0) * 100 for v, f, t in zip(values, floors, targets)]
    expected = sum(w * s for w, s in zip(weights, scaled)) / sum(weights)
    got = health_score(values, weights, floors, targets)
    assert 0.0 <= got <= 100.0
    assert got == pytest.approx(expected, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(-50, 50)), min_size=6, max_size=6))
def test_property_health_score_with_blanks_stays_in_0_100(values):
    assume(any(v is not None for v in values))
    assert 0.0 <= health_score(values) <= 100.0


# ----------------------------------------------------------------------- HEALTH_STATUS


@pytest.mark.parametrize("score, status", [(0, "Red"), (39.99, "Red"), (40, "Amber"), (69.99, "Amber"),
                                           (70, "Green"), (100, "Green")])
def test_health_status_thresholds_red_below_40_green_from_70(score, status):
    assert health_status(score) == status


def test_health_status_custom_thresholds():
    assert health_status(45, 50, 80) == "Red"
    assert health_status(50, 50, 80) == "Amber"
    assert health_status(80, 50, 80) == "Green"


def test_health_status_score_above_100_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        health_status(101)
    assert_error(ei, "num", "score")


def test_health_status_red_above_green_is_num_error():
    with pytest.raises(KpiInputError) as ei:
        health_status(50, 80, 70)
    assert_error(ei, "num", "red_below")


# -------------------------------------------------------------- health_scores on a dataset


def health_dataset(with_tickets=True, with_responses=True):
    """Usage in 2026-03 for A, B, C (D only in 2026-02); NPS answers; tickets.

    A: active 10 / licensed 20 = 0.5 -> 50; logins 110 / 10 = 11 -> 50; features 7/20 = 0.35 -> 50;
       goals 0.5 -> 50. NPS: Jan 0 (outside), Feb 9, Mar 6. Tickets: Feb 28 (outside),
       Mar 1 08:00 and Mar 31 23:30 (2 in March -> 60), Apr 1 00:00 (outside).
    B: active 0 / licensed 10 -> adoption 0; frequency: 0 active users -> missing;
       depth and goals blank -> missing; no NPS -> sentiment missing; no ticket -> 0 -> 100.
    C: 18/20 = 0.9 -> 100; 400/18 = 22.2 -> 100; 15/20 = 0.75 -> 100; goals 1 -> 100;
       NPS Mar 10 -> 100; no ticket -> 100.
    """
    usage = pd.DataFrame({
        "customer_id": ["A", "B", "C", "D", "A"],
        "month": ["2026-03", "2026-03", "2026-03", "2026-02", "2026-02"],
        "logins": [110, None, 400, 50, 10],
        "active_users": [10, 0, 18, 5, 1],
        "licensed_users": [20, 10, 20, 10, 20],
        "features_used": [7, None, 15, 3, 1],
        "features_available": [20, 20, 20, 20, 20],
        "goals_met": [0.5, None, 1.0, 0.2, 0.1],
    })
    tables = {"Usage": usage}
    if with_responses:
        tables["Responses"] = pd.DataFrame({
            "customer_id": ["A", "A", "A", "C", "C", "B"],
            "date": ["2026-01-20", "2026-02-10", "2026-03-15", "2026-03-02", "2026-03-03", "2026-03-04"],
            "survey": ["NPS", "NPS", "NPS", "NPS", "CSAT", "NPS"],
            "score": [0, 9, 6, 10, 1, None],
        })
    if with_tickets:
        tables["Tickets"] = pd.DataFrame({
            "ticket_id": ["T1", "T2", "T3", "T4"],
            "customer_id": ["A", "A", "A", "A"],
            "opened_at": ["2026-02-28 10:00", "2026-03-01 08:00", "2026-03-31 23:30", "2026-04-01 00:00"],
            "resolved_first_contact": [True, False, True, True],
        })
    return Dataset(tables)


def by_customer(frame):
    return frame.set_index("customer_id")


def test_health_scores_hand_example_scored_month_only():
    # A: 50, 50, 50, sentiment mean(6) = 6 -> 0, support 2 -> 60, goals 50 -> 260 / 6 = 43.333 Amber
    # B: adoption 0, support 100 -> (0 + 100) / 2 = 50 Amber
    # C: all 100 -> 100 Green ; D has no March usage -> not scored
    scores = by_customer(health_scores(health_dataset(), "2026-03"))
    assert sorted(scores.index) == ["A", "B", "C"]
    assert scores.loc["A", "score"] == pytest.approx(260 / 6)
    assert scores.loc["B", "score"] == pytest.approx(50.0)
    assert scores.loc["C", "score"] == pytest.approx(100.0)
    assert scores["status"].to_dict() == {"A": "Amber", "B": "Amber", "C": "Green"}


def test_health_scores_component_values_and_scaled_scores_for_a():
    a = by_customer(health_scores(health_dataset(), "2026-03")).loc["A"]
    assert a["adoption_value"] == pytest.approx(0.5)
    assert a["frequency_value"] == pytest.approx(11.0)
    assert a["depth_value"] == pytest.approx(0.35)
    assert a["sentiment_value"] == pytest.approx(6.0)
    assert a["support_value"] == pytest.approx(2.0)
    assert a["goals_value"] == pytest.approx(0.5)
    for name, scaled in [("adoption", 50), ("frequency", 50), ("depth", 50), ("sentiment", 0),
                         ("support", 60), ("goals", 50)]:
        assert a[f"{name}_score"] == pytest.approx(scaled), name
        assert a[f"{name}_weight"] == pytest.approx(1 / 6), name
        assert a[f"{name}_contribution"] == pytest.approx(scaled / 6), name


def test_health_scores_period_start_widens_the_sentiment_window():
    # A's NPS answers in [Feb, Mar]: 9 and 6 -> mean 7.5 -> (7.5 - 6) / 3 = 50
    # score = (50 + 50 + 50 + 50 + 60 + 50) / 6 = 310 / 6 = 51.667 ; the Jan answer (0) stays out
    scores = by_customer(health_scores(health_dataset(), "2026-03", period_start="2026-02"))
    assert scores.loc["A", "sentiment_value"] == pytest.approx(7.5)
    assert scores.loc["A", "score"] == pytest.approx(310 / 6)


def test_health_scores_support_counts_only_tickets_opened_in_the_scored_month():
    # Feb 28 and Apr 1 00:00 are outside March; Mar 1 08:00 and Mar 31 23:30 are inside -> 2
    scores = by_customer(health_scores(health_dataset(), "2026-03", period_start="2026-01"))
    assert scores.loc["A", "support_value"] == 2.0
    assert scores.loc["B", "support_value"] == 0.0


def test_health_scores_missing_components_have_zero_weight_and_others_renormalise():
    b = by_customer(health_scores(health_dataset(), "2026-03")).loc["B"]
    # present: adoption (0/10 = 0 -> 0) and support (0 tickets -> 100), 1/2 each
    assert np.isnan(b["frequency_value"])  # 0 active users: denominator 0 -> missing
    assert np.isnan(b["depth_value"]) and np.isnan(b["goals_value"]) and np.isnan(b["sentiment_value"])
    assert b["adoption_weight"] == pytest.approx(0.5)
    assert b["support_weight"] == pytest.approx(0.5)
    for name in ("frequency", "depth", "sentiment", "goals"):
        assert b[f"{name}_weight"] == 0.0
        assert b[f"{name}_contribution"] == 0.0
    assert b["adoption_contribution"] == pytest.approx(0.0)
    assert b["support_contribution"] == pytest.approx(50.0)


def test_health_scores_contributions_add_up_to_the_score_and_weights_to_one():
    scores = health_scores(health_dataset(), "2026-03")
    contributions = scores[[f"{c}_contribution" for c in COMPONENTS]].sum(axis=1)
    weights = scores[[f"{c}_weight" for c in COMPONENTS]].sum(axis=1)
    assert contributions.to_numpy() == pytest.approx(scores["score"].to_numpy())
    assert weights.to_numpy() == pytest.approx(np.ones(len(scores)))


def test_health_scores_without_tickets_and_responses_tables_leave_those_components_missing():
    # A: adoption 50, frequency 50, depth 50, goals 50 -> 50 (sentiment, support missing)
    scores = by_customer(health_scores(health_dataset(with_tickets=False, with_responses=False), "2026-03"))
    assert scores.loc["A", "score"] == pytest.approx(50.0)
    assert scores.loc["A", "support_weight"] == 0.0
    assert scores.loc["A", "sentiment_weight"] == 0.0


def test_health_scores_other_month_scores_other_customers():
    # Feb: A (1/20 = 0.05 -> 0 ; 10/1 = 10 -> 44.44 ; 1/20 = 0.05 -> 0 ; NPS Feb 9 -> 100 ;
    #         1 ticket (Feb 28) -> 80 ; goals 0.1 -> 10) and D
    scores = by_customer(health_scores(health_dataset(), "2026-02"))
    assert sorted(scores.index) == ["A", "D"]
    assert scores.loc["A", "score"] == pytest.approx((0 + 8 / 18 * 100 + 0 + 100 + 80 + 10) / 6)


def test_health_scores_without_usage_table_is_an_error():
    ds = Dataset({"Responses": pd.DataFrame({"customer_id": ["A"], "date": ["2026-03-01"],
                                             "survey": ["NPS"], "score": [9]})})
    with pytest.raises(KpiInputError) as ei:
        health_scores(ds, "2026-03")
    assert_error(ei, "value", "Usage")


# ------------------------------------------------------------------------------- config


def write(tmp_path, text, name="health.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_default_config_file_equals_design_defaults():
    cfg = load_health_config(DEFAULT_CONFIG_PATH)
    assert cfg == HealthConfig()
    assert all(cfg.weights[c] == 1 for c in COMPONENTS)
    assert (cfg.floors["adoption"], cfg.targets["adoption"]) == (0.2, 0.8)
    assert (cfg.floors["frequency"], cfg.targets["frequency"]) == (2, 20)
    assert (cfg.floors["depth"], cfg.targets["depth"]) == (0.1, 0.6)
    assert (cfg.floors["sentiment"], cfg.targets["sentiment"]) == (6, 9)
    assert (cfg.floors["support"], cfg.targets["support"]) == (5, 0)
    assert (cfg.floors["goals"], cfg.targets["goals"]) == (0, 1)
    assert (cfg.red_below, cfg.green_from) == (40, 70)


def test_load_health_config_none_gives_defaults():
    assert load_health_config(None) == HealthConfig()


def test_config_from_toml_changing_the_support_weight_changes_the_score(tmp_path):
    # support weight 4, others 1: A = (50 + 50 + 50 + 0 + 4 * 60 + 50) / 9 = 440 / 9 = 48.889
    cfg = load_health_config(write(tmp_path, "[components.support]\nweight = 4\n"))
    assert cfg.weights["support"] == 4
    assert cfg.floors["support"] == 5  # untouched keys keep their defaults
    scores = by_customer(health_scores(health_dataset(), "2026-03", cfg))
    assert scores.loc["A", "score"] == pytest.approx(440 / 9)
    assert scores.loc["A", "support_weight"] == pytest.approx(4 / 9)


def test_config_from_toml_changing_thresholds_changes_status(tmp_path):
    # A = 43.33: Amber by default, Red when red_below = 50
    cfg = load_health_config(write(tmp_path, "[thresholds]\nred_below = 50\ngreen_from = 90\n"))
    scores = by_customer(health_scores(health_dataset(), "2026-03", cfg))
    assert scores["status"].to_dict() == {"A": "Red", "B": "Amber", "C": "Green"}


def test_config_from_toml_changing_floor_and_target(tmp_path):
    # support floor 10: 2 tickets -> (2 - 10) / (0 - 10) = 0.8 -> 80; A = (50*4 + 0 + 80) / 6 = 280 / 6
    cfg = load_health_config(write(tmp_path, "[components.support]\nfloor = 10\n"))
    scores = by_customer(health_scores(health_dataset(), "2026-03", cfg))
    assert scores.loc["A", "support_score"] == pytest.approx(80.0)
    assert scores.loc["A", "score"] == pytest.approx(280 / 6)


def test_config_unknown_component_is_value_error_naming_it(tmp_path):
    path = write(tmp_path, "[components.loyalty]\nweight = 2\n")
    with pytest.raises(KpiInputError) as ei:
        load_health_config(path)
    assert_error(ei, "value", "loyalty", "health.toml")


def test_config_floor_equal_to_target_is_num_error_naming_the_component(tmp_path):
    path = write(tmp_path, "[components.depth]\nfloor = 0.5\ntarget = 0.5\n")
    with pytest.raises(KpiInputError) as ei:
        load_health_config(path)
    assert_error(ei, "num", "depth", "floor")


def test_config_unknown_setting_is_value_error(tmp_path):
    path = write(tmp_path, "[components.depth]\nwieght = 2\n")
    with pytest.raises(KpiInputError) as ei:
        load_health_config(path)
    assert_error(ei, "value", "depth", "wieght")


def test_config_text_weight_is_value_error(tmp_path):
    path = write(tmp_path, '[components.goals]\nweight = "high"\n')
    with pytest.raises(KpiInputError) as ei:
        load_health_config(path)
    assert_error(ei, "value", "goals", "weight")


def test_config_negative_weight_is_num_error(tmp_path):
    path = write(tmp_path, "[components.goals]\nweight = -1\n")
    with pytest.raises(KpiInputError) as ei:
        load_health_config(path)
    assert_error(ei, "num", "goals", "weight")


def test_config_all_weights_zero_is_div0(tmp_path):
    text = "".join(f"[components.{c}]\nweight = 0\n" for c in COMPONENTS)
    with pytest.raises(KpiInputError) as ei:
        load_health_config(write(tmp_path, text))
    assert_error(ei, "div0", "weight")


def test_config_red_above_green_is_num_error(tmp_path):
    path = write(tmp_path, "[thresholds]\nred_below = 80\ngreen_from = 70\n")
    with pytest.raises(KpiInputError) as ei:
        load_health_config(path)
    assert_error(ei, "num", "red_below")


def test_config_unknown_section_is_value_error(tmp_path):
    path = write(tmp_path, "[weights]\nadoption = 2\n")
    with pytest.raises(KpiInputError) as ei:
        load_health_config(path)
    assert_error(ei, "value", "weights")


def test_config_invalid_toml_syntax_is_value_error_naming_the_file(tmp_path):
    path = write(tmp_path, "[components.depth\nweight = \n")
    with pytest.raises(KpiInputError) as ei:
        load_health_config(path)
    assert_error(ei, "value", "health.toml")


def test_config_missing_file_is_value_error(tmp_path):
    with pytest.raises(KpiInputError) as ei:
        load_health_config(tmp_path / "nope.toml")
    assert_error(ei, "value", "nope.toml")
