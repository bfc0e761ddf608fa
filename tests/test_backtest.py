"""Health-score backtest (DESIGN.md §13): AUC, DeLong, Wilson, the pooled backtest and suggested weights.

Every expected value is worked out independently: the AUC by counting every (stayed, churned) pair
(Mann-Whitney U, O(n^2)), DeLong's variance from its pair-kernel definition, Wilson intervals from
Newcombe (1998)'s published table, backtest tables by hand on small datasets.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpi_core
from kpi_core import Dataset, HealthConfig, KpiInputError
from kpi_core import _stats  # the private statistics, checked against their definitions

from _helpers import assert_error


# ----------------------------------------------------------------------------- independent references


def brute_force_auc(scores, churned) -> float:
    """Mann-Whitney U / (m k): every stayer against every churner, a tie counting one half."""
    stayed = [s for s, c in zip(scores, churned) if not c]
    gone = [s for s, c in zip(scores, churned) if c]
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in stayed for b in gone)
    return wins / (len(stayed) * len(gone))


# ----------------------------------------------------------------------------- AUC


def test_auc_hand_case_with_a_tie():
    # stayed 80, 65; churned 40, 65, 20: 80 wins 3 pairs, 65 wins 2 and ties 1 -> 5.5 / 6
    assert kpi_core.auc([80, 65, 40, 65, 20], [0, 0, 1, 1, 1]) == pytest.approx(5.5 / 6)


def test_auc_perfect_reversed_and_constant_scores():
    assert kpi_core.auc([90, 80, 10, 5], [0, 0, 1, 1]) == 1.0
    assert kpi_core.auc([10, 5, 90, 80], [0, 0, 1, 1]) == 0.0
    assert kpi_core.auc([50, 50, 50, 50], [0, 1, 0, 1]) == 0.5  # every pair a tie


def test_auc_drops_pairs_with_a_blank_and_accepts_booleans():
    # only (90, stayed) and (10, churned) remain
    assert kpi_core.auc([90, None, 10, 50], [False, True, True, None]) == 1.0
    assert kpi_core.auc(np.array([1.0, 2.0]), np.array([True, False])) == 1.0


@pytest.mark.parametrize("outcomes, fragment", [([1, 1, 1], "every customer churned"),
                                                ([0, 0, 0], "every customer stayed"),
                                                ([None, None, None], "no pair")])
def test_auc_one_class_only_is_a_div0_error(outcomes, fragment):
    with pytest.raises(KpiInputError) as info:
        kpi_core.auc([10, 20, 30], outcomes)
    assert_error(info, "div0", fragment)


def test_auc_ranges_of_different_sizes_and_bad_values():
    with pytest.raises(KpiInputError) as info:
        kpi_core.auc([10, 20, 30], [0, 1])
    assert_error(info, "value", "different sizes", "3 and 2")
    with pytest.raises(KpiInputError) as info:
        kpi_core.auc([10, 20, 30], [0, 1, 0.5])
    assert_error(info, "num", "outcomes: position 3 is 0.5")
    with pytest.raises(KpiInputError) as info:
        kpi_core.auc([10, "high", 30], [0, 1, 0])
    assert_error(info, "value", "scores: position 2 holds text")
    with pytest.raises(KpiInputError) as info:
        kpi_core.auc([10, 20], [0, "yes"])
    assert_error(info, "value", "outcomes: position 2 holds text")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.booleans()), min_size=2, max_size=60))
def test_auc_equals_the_mann_whitney_pair_count_with_many_ties(pairs):
    scores = [float(s) * 12.5 for s, _ in pairs]  # few distinct values: ties are common
    churned = [c for _, c in pairs]
    if all(churned) or not any(churned):
        with pytest.raises(KpiInputError):
            kpi_core.auc(scores, churned)
        return
    assert kpi_core.auc(scores, churned) == pytest.approx(brute_force_auc(scores, churned), abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 100, allow_nan=False), st.booleans()), min_size=2, max_size=80),
       st.data())
def test_auc_equals_the_pair_count_on_continuous_scores_with_blanks(pairs, data):
    scores = [s for s, _ in pairs]
    churned = [int(c) for _, c in pairs]
    blanks = data.draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    with_blanks = [None if b else s for s, b in zip(scores, blanks)]
    kept = [(s, c) for s, c, b in zip(scores, churned, blanks) if not b]
    classes = {c for _, c in kept}
    if classes != {0, 1}:
        with pytest.raises(KpiInputError):
            kpi_core.auc(with_blanks, churned)
        return
    expected = brute_force_auc([s for s, _ in kept], [c for _, c in kept])
    assert kpi_core.auc(with_blanks, churned) == pytest.approx(expected, abs=1e-12)


# ----------------------------------------------------------------------------- DeLong, Wilson, the fit


def delong_by_pairs(score_sets, churned):
    """DeLong et al. (1988) from the pair kernel, O(n^2): AUCs for staying and their covariance."""
    score_sets = [list(s) for s in score_sets]
    stay = [i for i, c in enumerate(churned) if not c]
    gone = [j for j, c in enumerate(churned) if c]

    def psi(a, b):
        return 1.0 if a > b else 0.5 if a == b else 0.0

    v10 = [[sum(psi(s[i], s[j]) for j in gone) / len(gone) for i in stay] for s in score_sets]
    v01 = [[sum(psi(s[i], s[j]) for i in stay) / len(stay) for j in gone] for s in score_sets]
    aucs = [sum(v) / len(v) for v in v10]
    r = len(score_sets)

    def cov(rows, a, b):
        n = len(rows[a])
        return sum((rows[a][t] - aucs[a]) * (rows[b][t] - aucs[b]) for t in range(n)) / (n - 1)

    matrix = [[cov(v10, a, b) / len(stay) + cov(v01, a, b) / len(gone) for b in range(r)] for a in range(r)]
    return aucs, matrix


def clustered_by_pairs(scores, churned, clusters):
    """Obuchowski (1997) clustered variance of one AUC, from its definition with explicit cluster sums."""
    stay = [i for i, c in enumerate(churned) if not c]
    gone = [j for j, c in enumerate(churned) if c]
    m, k = len(stay), len(gone)

    def psi(a, b):
        return 1.0 if a > b else 0.5 if a == b else 0.0

    area = sum(psi(scores[i], scores[j]) for i in stay for j in gone) / (m * k)
    names = sorted(set(clusters))
    big_k = len(names)
    s10 = s01 = s11 = 0.0
    for name in names:
        pos = [i for i in stay if clusters[i] == name]
        neg = [j for j in gone if clusters[j] == name]
        v10 = sum(sum(psi(scores[i], scores[j]) for j in gone) / k for i in pos)
        v01 = sum(sum(psi(scores[i], scores[j]) for i in stay) / m for j in neg)
        s10 += (v10 - len(pos) * area) ** 2
        s01 += (v01 - len(neg) * area) ** 2
        s11 += (v10 - len(pos) * area) * (v01 - len(neg) * area)
    f = big_k / (big_k - 1)
    return area, f * s10 / m / m + f * s01 / k / k + 2 * f * s11 / (m * k)


def test_delong_variance_hand_case():
    # stayed 0.9, 0.4; churned 0.4, 0.1. Placements: stayers 1, 0.75 (tie = 1/2 of 2 churners);
    # churners 0.75, 1. S10 = S01 = var(1, 0.75) = 0.03125; Var = 0.03125 / 2 + 0.03125 / 2 = 0.03125
    v10, v01 = _stats.placements(np.array([0.9, 0.4, 0.4, 0.1]), np.array([True, True, False, False]))
    assert _stats.auc_from_placements(v10)[0] == pytest.approx(0.875)
    assert _stats.auc_covariance(v10, v01)[0, 0] == pytest.approx(0.03125)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8), st.booleans()), min_size=4, max_size=40))
def test_delong_covariance_of_two_scores_equals_the_pair_kernel_definition(rows):
    churned = [c for _, _, c in rows]
    if sum(churned) < 2 or len(rows) - sum(churned) < 2:
        return
    a = [float(x) for x, _, _ in rows]
    b = [float(y) for _, y, _ in rows]
    aucs, expected = delong_by_pairs([a, b], churned)
    v10, v01 = _stats.placements(np.array([a, b]), ~np.array(churned))
    np.testing.assert_allclose(_stats.auc_from_placements(v10), aucs, atol=1e-12)
    np.testing.assert_allclose(_stats.auc_covariance(v10, v01), expected, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.booleans(), st.integers(0, 5)), min_size=4, max_size=40))
def test_clustered_variance_equals_obuchowskis_definition(rows):
    scores = [float(s) for s, _, _ in rows]
    churned = [c for _, c, _ in rows]
    clusters = [g for _, _, g in rows]
    if not any(churned) or all(churned) or len(set(clusters)) < 2:
        return
    area, expected = clustered_by_pairs(scores, churned, clusters)
    codes = np.array(clusters)
    stayed = ~np.array(churned)
    v10, v01 = _stats.placements(np.array(scores), stayed)
    got = _stats.auc_covariance(v10, v01, codes[stayed], codes[~stayed])[0, 0]
    assert _stats.auc_from_placements(v10)[0] == pytest.approx(area, abs=1e-12)
    assert got == pytest.approx(expected, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.booleans()), min_size=4, max_size=30))
def test_repeating_every_customer_twice_leaves_the_clustered_variance_unchanged(rows):
    # the same customer seen twice is no new evidence: Obuchowski's variance does not shrink,
    # while DeLong's for independent observations halves
    scores = np.array([float(s) for s, _ in rows])
    churned = np.array([c for _, c in rows])
    if churned.all() or not churned.any():
        return
    ids = np.arange(len(rows))

    def variances(s, c, g):
        v10, v01 = _stats.placements(s, ~c)
        return (_stats.auc_covariance(v10, v01, g[~c], g[c])[0, 0], _stats.auc_covariance(v10, v01)[0, 0])

    once, once_plain = variances(scores, churned, ids)
    twice, twice_plain = variances(np.r_[scores, scores], np.r_[churned, churned], np.r_[ids, ids])
    assert twice == pytest.approx(once, rel=1e-9, abs=1e-15)
    assert twice_plain < once_plain or once_plain == 0


@pytest.mark.parametrize("successes, trials, low, high", [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605),
                                                          (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)])
def test_wilson_interval_equals_newcombe_1998(successes, trials, low, high):
    # Newcombe (1998), Statistics in Medicine 17:857-872, Table II, method 3 (score interval without correction)
    got_low, got_high = _stats.wilson(successes, trials)
    assert (round(float(got_low), 4), round(float(got_high), 4)) == (low, high)


def _loss_gradient(x, y, ridge, b0, w):
    eta = b0 + x @ w
    p = 1 / (1 + np.exp(-eta))
    return np.r_[np.sum(p - y), x.T @ (p - y) + ridge * w]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.1, 20))
def test_nonnegative_ridge_logistic_meets_the_kkt_conditions(seed, ridge):
    # convex problem: (b0, w) is the minimum iff the gradient is 0 for b0 and every w > 0,
    # and >= 0 for every w held at 0
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(300, 4))
    truth = np.array([1.5, -1.0, 0.0, 0.5])  # the second column works against y
    y = (rng.random(300) < 1 / (1 + np.exp(-(0.3 + x @ truth)))).astype(float)
    if y.all() or not y.any():
        return
    b0, w = _stats.nonneg_ridge_logistic(x, y, ridge)
    grad = _loss_gradient(x, y, ridge, b0, w)
    assert (w >= 0).all()
    assert abs(grad[0]) < 1e-6
    free = w > 1e-10
    np.testing.assert_allclose(grad[1:][free], 0, atol=1e-6)
    assert (grad[1:][~free] > -1e-6).all()


def test_nonnegative_ridge_logistic_without_constraint_binding_matches_newtons_unconstrained_answer():
    # every true coefficient positive: the answer is the unconstrained ridge optimum, found here by
    # plain Newton iterations written in the test
    rng = np.random.default_rng(7)
    x = rng.normal(size=(500, 3))
    y = (rng.random(500) < 1 / (1 + np.exp(-(x @ [1.0, 0.7, 0.4])))).astype(float)
    design = np.column_stack([np.ones(500), x])
    theta = np.zeros(4)
    penalty = np.diag([0.0, 2.0, 2.0, 2.0])
    for _ in range(50):
        p = 1 / (1 + np.exp(-design @ theta))
        grad = design.T @ (p - y) + penalty @ theta
        hess = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        theta = theta - np.linalg.solve(hess, grad)
    b0, w = _stats.nonneg_ridge_logistic(x, y, 2.0)
    np.testing.assert_allclose(np.r_[b0, w], theta, atol=1e-7)


# ----------------------------------------------------------------------------- the backtest, by hand

# Usage with goals_met only (no Responses, no Tickets): the score is goals_met x 100.
# Horizon 1: churned = no MRR the month after the score. Subscriptions end in April, so Jan..Mar pool.
#
#   customer  MRR Jan Feb Mar Apr   goals Jan Feb Mar   observations (score, churned)
#   a             1   1   1   1          .9  .8  .3      Jan 90 no, Feb 80 no, Mar 30 no
#   b             1   1   -   -         .25  .2  .1      Jan 25 no, Feb 20 yes; Mar no MRR: none
#   c             1   -   1   1          .3  .4  .6      Jan 30 yes (no MRR in Feb; back in Mar: not
#                                                        churned at Mar), Feb no MRR: none, Mar 60 no
#   d             1   1   1   1          (no Usage)      paying, never scored: 3 unscored customer-months
#   e             -   -   -   -          .5              scored in Jan without MRR: none
#
# Pooled: stayed 90, 25, 80, 30, 60; churned 30, 20. Pairs won by the stayer: 90: 2, 25: 1 (vs 20),
# 80: 2, 30: 1.5 (tie with 30), 60: 2 -> 8.5 / 10 = 0.85.
# Status (Red < 40 <= Amber < 70 <= Green): Red 25 no, 30 yes, 20 yes, 30 no -> 2 of 4;
# Amber 60 no -> 0 of 1; Green 90, 80 no -> 0 of 2: lift n/a (Green has no churn).
# Deciles of the 7 scores (1 + floor(10 * #below / 7)): 20 -> 1, 25 -> 2, 30, 30 -> 3, 60 -> 6, 80 -> 8, 90 -> 9.
HAND = {
    "Subscriptions": pd.DataFrame({
        "customer_id": ["a"] * 4 + ["b"] * 2 + ["c"] * 3 + ["d"] * 4,
        "month": ["2026-01", "2026-02", "2026-03", "2026-04", "2026-01", "2026-02", "2026-01", "2026-03", "2026-04",
                  "2026-01", "2026-02", "2026-03", "2026-04"],
        "mrr": [100.0] * 13}),
    "Usage": pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "b", "b", "c", "c", "c", "e"],
        "month": ["2026-01", "2026-02", "2026-03"] * 3 + ["2026-01"],
        "goals_met": [0.9, 0.8, 0.3, 0.25, 0.2, 0.1, 0.3, 0.4, 0.6, 0.5]}),
}


def hand_backtest(**kwargs):
    return kpi_core.health_backtest(Dataset(HAND), horizon=1, **kwargs)


def test_backtest_observations_by_hand():
    obs = hand_backtest().observations
    got = [(f"{m:%m}", c, s, st_, ch) for m, c, s, st_, ch in
           obs[["month", "customer_id", "score", "status", "churned"]].itertuples(index=False, name=None)]
    assert got == [("01", "a", pytest.approx(90), "Green", False), ("01", "b", pytest.approx(25), "Red", False),
                   ("01", "c", pytest.approx(30), "Red", True), ("02", "a", pytest.approx(80), "Green", False),
                   ("02", "b", pytest.approx(20), "Red", True), ("03", "a", pytest.approx(30), "Red", False),
                   ("03", "c", pytest.approx(60), "Amber", False)]
    assert list(obs.columns) == list(kpi_core.OBSERVATION_COLUMNS)
    assert obs["goals_score"].tolist() == pytest.approx([90, 25, 30, 80, 20, 30, 60])
    assert obs["sentiment_score"].isna().all()  # no Responses table: missing


def test_backtest_measures_by_hand():
    bt = hand_backtest()
    assert bt.auc == pytest.approx(0.85)
    assert bt.auc_low is None and bt.auc_high is None  # 2 churned observations: no interval
    assert any("fewer than 30" in n for n in bt.notes)
    assert (bt.n_observations, bt.n_churned, bt.unscored) == (7, 2, 3)
    assert any("3 paying customer-month(s) had no health score" in n for n in bt.notes)
    status = bt.by_status.set_index("status")
    assert status.loc[["Red", "Amber", "Green"], "observations"].tolist() == [4, 1, 2]
    assert status.loc[["Red", "Amber", "Green"], "churned"].tolist() == [2, 0, 0]
    assert status.loc["Red", "churn_rate"] == 0.5
    # Wilson for 2 of 4: centre (0.5 + z^2/8) / (1 + z^2/4) = 0.5, half = z / (1 + z^2/4) * sqrt(1/16 + z^2/64)
    z = 1.959963984540054
    half = z / (1 + z * z / 4) * np.sqrt(1 / 16 + z * z / 64)
    assert status.loc["Red", ["rate_low", "rate_high"]].tolist() == pytest.approx([0.5 - half, 0.5 + half])
    assert round(0.5 - half, 3) == 0.150
    assert bt.lift is None and any("Green customers did not churn" in n for n in bt.notes)
    dec = bt.by_decile
    assert dec["decile"].tolist() == [1, 2, 3, 6, 8, 9]
    assert dec["observations"].tolist() == [1, 1, 2, 1, 1, 1]
    assert dec["churned"].tolist() == [1, 0, 1, 0, 0, 0]
    assert dec[["score_min", "score_max"]].iloc[2].tolist() == pytest.approx([30, 30])


def test_backtest_lift_and_horizon_two():
    # horizon 2: Jan and Feb pool (Apr is the last month). a Jan 90: Mar paid, no; b Jan 25: Mar none, yes;
    # c Jan 30: Mar paid again, no (point in time); a Feb 80: Apr paid, no; b Feb 20: Apr none, yes.
    bt = kpi_core.health_backtest(Dataset(HAND), horizon=2)
    assert bt.observations["churned"].tolist() == [False, True, False, False, True]
    # stayed 90, 30, 80; churned 25, 20: every pair won -> 1.0
    assert bt.auc == 1.0
    cfg = HealthConfig(red_below=22, green_from=85)  # Red: 20; Amber: 25, 30, 80; Green: 90
    bt = kpi_core.health_backtest(Dataset(HAND), cfg, horizon=2)
    assert bt.by_status["observations"].tolist() == [1, 3, 1]
    assert bt.lift is None  # Green (90) did not churn
    cfg = HealthConfig(red_below=22, green_from=26)  # Red: 20 (churned); Amber: 25 (churned); Green: 90, 30, 80
    assert kpi_core.health_backtest(Dataset(HAND), cfg, horizon=2).by_status["churned"].tolist() == [1, 1, 0]


def test_backtest_lift_is_red_rate_over_green_rate():
    # horizon 1, Red below 26, Green from 30: Red 25, 20 (churned): 1 of 2; Amber: none;
    # Green 90, 30 (churned), 80, 30, 60: 1 of 5 -> lift (1/2) / (1/5) = 2.5
    bt = hand_backtest(config=HealthConfig(red_below=26, green_from=30))
    assert bt.by_status["churned"].tolist() == [1, 0, 1]
    assert bt.lift == pytest.approx((1 / 2) / (1 / 5))


# ----------------------------------------------------------------------------- edge cases


def test_no_churn_at_all_gives_no_auc_and_says_why():
    subs = pd.DataFrame({"customer_id": ["a", "a", "b", "b"], "month": ["2026-01", "2026-02"] * 2, "mrr": [10.0] * 4})
    usage = pd.DataFrame({"customer_id": ["a", "b"], "month": ["2026-01"] * 2, "goals_met": [0.2, 0.9]})
    ds = Dataset({"Subscriptions": subs, "Usage": usage})
    bt = kpi_core.health_backtest(ds, horizon=1)
    assert bt.auc is None and bt.n_churned == 0 and bt.n_observations == 2
    assert any("Every observation stayed" in n for n in bt.notes)
    s = kpi_core.suggest_health_weights(ds, horizon=1)
    assert s.suggested is None and s.fitted is None and "0 churned" in s.reason


def test_every_customer_churned_gives_no_auc():
    # explicit 0 rows in February: every customer left
    subs = pd.DataFrame({"customer_id": ["a", "a", "b", "b"], "month": ["2026-01", "2026-02"] * 2,
                         "mrr": [10.0, 0.0, 10.0, 0.0]})
    usage = pd.DataFrame({"customer_id": ["a", "b"], "month": ["2026-01"] * 2, "goals_met": [0.2, 0.9]})
    bt = kpi_core.health_backtest(Dataset({"Subscriptions": subs, "Usage": usage}), horizon=1)
    assert bt.auc is None and bt.n_churned == 2
    assert any("Every observation churned" in n for n in bt.notes)
    assert bt.by_status.set_index("status").loc["Red", "churn_rate"] == 1.0


def test_scored_customers_who_never_pay_give_no_observation(capsys):
    # e is scored in January but has no MRR; a pays but has no Usage row
    subs = pd.DataFrame({"customer_id": ["a", "a"], "month": ["2026-01", "2026-02"], "mrr": [10.0, 10.0]})
    usage = pd.DataFrame({"customer_id": ["e"], "month": ["2026-01"], "goals_met": [0.5]})
    ds = Dataset({"Subscriptions": subs, "Usage": usage})
    bt = kpi_core.health_backtest(ds, horizon=1)
    assert (bt.n_observations, bt.unscored, bt.auc, bt.lift, bt.months) == (0, 1, None, None, [])
    assert bt.by_status["observations"].tolist() == [0, 0, 0] and bt.by_status["churn_rate"].isna().all()
    assert bt.by_decile.empty
    assert any("nothing to backtest" in n for n in bt.notes)
    out = json.loads(json.dumps(bt.to_dict()))
    assert (out["first_month"], out["months"], out["churn_rate"]) == (None, 0, None)
    s = kpi_core.suggest_health_weights(ds, horizon=1, backtest=bt)
    assert s.suggested is None and "0 churned" in s.reason


def test_a_single_month_of_data_cannot_be_backtested():
    subs = pd.DataFrame({"customer_id": ["a"], "month": ["2026-01"], "mrr": [10.0]})
    usage = pd.DataFrame({"customer_id": ["a"], "month": ["2026-01"], "goals_met": [0.2]})
    with pytest.raises(KpiInputError) as info:
        kpi_core.health_backtest(Dataset({"Subscriptions": subs, "Usage": usage}))
    assert_error(info, "value", "no month with health scores has 3 following month(s)", "2026-01")


@pytest.mark.parametrize("missing", ["Usage", "Subscriptions"])
def test_backtest_needs_usage_and_subscriptions(missing):
    tables = {k: v for k, v in HAND.items() if k != missing}
    with pytest.raises(KpiInputError) as info:
        kpi_core.health_backtest(Dataset(tables), horizon=1)
    assert_error(info, "value", f"needs the {missing} table")


@pytest.mark.parametrize("horizon", [0, -1, 1.5, "3"])
def test_backtest_horizon_must_be_a_whole_number_of_months(horizon):
    with pytest.raises(KpiInputError):
        kpi_core.health_backtest(Dataset(HAND), horizon=horizon)


def test_a_single_pooled_month_is_backtested_but_gives_no_suggestion():
    # 200 customers, January scored, February decides; churn falls on the low goals
    rng = np.random.default_rng(3)
    ids = [f"c{i}" for i in range(200)]
    goals = rng.random(200)
    stays = rng.random(200) < 0.3 + 0.6 * goals
    subs = pd.DataFrame({"customer_id": ids + ids, "month": ["2026-01"] * 200 + ["2026-02"] * 200,
                         "mrr": np.r_[np.full(200, 50.0), np.where(stays, 50.0, 0.0)]})
    usage = pd.DataFrame({"customer_id": ids, "month": "2026-01", "goals_met": np.round(goals, 3)})
    ds = Dataset({"Subscriptions": subs, "Usage": usage})
    bt = kpi_core.health_backtest(ds, horizon=1)
    assert bt.n_churned == int((~stays).sum()) > 30
    assert bt.auc == pytest.approx(brute_force_auc(np.round(goals, 3) * 100, ~stays), abs=1e-12)
    assert bt.auc_low < bt.auc < bt.auc_high
    s = kpi_core.suggest_health_weights(ds, horizon=1, backtest=bt)
    assert s.suggested is None and "only 1 pooled month" in s.reason
    # goals is the only component with values: the five others keep their weight, goals gets the rest (1)
    assert s.fitted == pytest.approx(s.current)


# ----------------------------------------------------------------------------- the sample, pooled as §13 says


def test_pooled_observations_follow_the_definition_on_the_sample():
    ds = kpi_core.sample_dataset(seed=4, n_customers=60)
    bt = kpi_core.health_backtest(ds, horizon=3)
    subs = ds.table("Subscriptions")
    paying = {(c, m) for c, m, v in subs[["customer_id", "month", "mrr"]].itertuples(index=False) if v > 0}
    last = subs["month"].max()
    expected = []
    for month in sorted(ds.table("Usage")["month"].unique()):
        month = pd.Timestamp(month)
        later = month + pd.DateOffset(months=3)
        if later > last:
            continue
        start = month - pd.DateOffset(months=5)  # a report for the six months ending at the month
        scores = kpi_core.health_scores(ds, month, period_start=start)
        for cid, score in scores[["customer_id", "score"]].itertuples(index=False):
            if (cid, month) in paying and score == score:
                expected.append((month, cid, score, (cid, later) not in paying))
    got = list(bt.observations[["month", "customer_id", "score", "churned"]].itertuples(index=False, name=None))
    assert sorted(got) == sorted(expected)
    assert bt.auc == pytest.approx(brute_force_auc([e[2] for e in expected], [e[3] for e in expected]), abs=1e-12)


def test_backtest_to_dict_is_plain_json():
    out = json.loads(json.dumps(hand_backtest().to_dict()))
    assert out["auc"] == pytest.approx(0.85) and out["auc_low"] is None and out["lift"] is None
    assert out["by_status"][0] == {"status": "Red", "observations": 4, "churned": 2, "churn_rate": 0.5,
                                   "rate_low": pytest.approx(0.15, abs=5e-4), "rate_high": pytest.approx(0.85, abs=5e-4)}
    assert (out["first_month"], out["last_month"], out["months"]) == ("2026-01", "2026-03", 3)


# ----------------------------------------------------------------------------- suggested weights


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weights_rank_the_components_that_drive_churn_first_and_beat_equal_weights(seed):
    # churn driven by adoption and support only; components otherwise independent of each other
    ds = kpi_core.sample_dataset(seed=seed, n_customers=400, churn_drivers=("adoption", "support"),
                                 churn_effect=2.0, component_correlation=0.0)
    s = kpi_core.suggest_health_weights(ds, horizon=3)
    top_two = sorted(s.fitted, key=s.fitted.get, reverse=True)[:2]
    assert set(top_two) == {"adoption", "support"}
    assert s.suggested == s.fitted
    assert s.auc_fitted > s.auc_current and s.difference_low > 0  # out of sample, with its interval
    assert sum(s.suggested.values()) == pytest.approx(6.0) and min(s.suggested.values()) >= 0
    assert s.config(HealthConfig()).weights == s.suggested


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_churn_independent_of_health_gives_chance_auc_and_no_suggestion(seed):
    ds = kpi_core.sample_dataset(seed=seed, n_customers=400, churn_drivers=())
    bt = kpi_core.health_backtest(ds, horizon=3)
    assert bt.n_churned >= 30
    assert bt.auc_low <= 0.5 <= bt.auc_high
    s = kpi_core.suggest_health_weights(ds, horizon=3, backtest=bt)
    assert s.suggested is None and s.config() is None
    assert "No weights suggested" in s.reason and s.difference_low <= 0 <= s.difference_high


@pytest.mark.slow
def test_without_signal_intervals_cover_chance_and_suggestions_stay_rare():
    # 20 datasets without signal: a calibrated 95 % AUC interval misses 0.5 in about 1 (4 or more:
    # probability 1.6 %), and a one-sided 2.5 % rule suggests weights in about 0.5 (4 or more: 0.2 %)
    misses = suggested = 0
    for seed in range(100, 120):
        ds = kpi_core.sample_dataset(seed=seed, n_customers=400, churn_drivers=())
        bt = kpi_core.health_backtest(ds)
        misses += not bt.auc_low <= 0.5 <= bt.auc_high
        suggested += kpi_core.suggest_health_weights(ds, backtest=bt).suggested is not None
    assert misses <= 3 and suggested <= 3


def test_rolling_origin_fits_only_on_outcomes_known_at_the_scored_month():
    ds = kpi_core.sample_dataset(seed=0, n_customers=120)
    s = kpi_core.suggest_health_weights(ds, horizon=3)
    roll = s.rolling
    months = kpi_core.health_backtest(ds, horizon=3).months
    assert roll["month"].tolist() == months[6:]  # from the seventh pooled month on
    assert (roll["trained_through"] == roll["month"] - pd.DateOffset(months=3)).all()
    obs = kpi_core.health_backtest(ds, horizon=3).observations
    for rec in roll.to_dict("records"):
        known = obs[obs["month"] <= rec["trained_through"]]
        assert rec["train_observations"] == len(known) and rec["train_churned"] == int(known["churned"].sum())


def test_fitted_weights_sum_like_the_config_and_keep_components_without_values():
    # no Responses and no Tickets: sentiment and support never have a value and keep their weight
    ds = kpi_core.sample_dataset(seed=1, n_customers=300, churn_drivers=("depth",), churn_effect=2.0,
                                 component_correlation=0.0)
    usage_only = Dataset({k: ds.table(k) for k in ("Subscriptions", "Usage")})
    weights = dict(adoption=2.0, frequency=1.0, depth=0.5, sentiment=4.0, support=3.0, goals=1.5)
    cfg = HealthConfig(weights=weights)
    s = kpi_core.suggest_health_weights(usage_only, cfg)
    assert s.current == weights
    assert sum(s.fitted.values()) == pytest.approx(12.0)
    assert (s.fitted["sentiment"], s.fitted["support"]) == (4.0, 3.0)
    assert max(("adoption", "frequency", "depth", "goals"), key=s.fitted.get) == "depth"


def test_suggestion_checks_its_arguments():
    ds = Dataset(HAND)
    bt = kpi_core.health_backtest(ds, horizon=1)
    with pytest.raises(KpiInputError) as info:
        kpi_core.suggest_health_weights(ds, horizon=2, backtest=bt)
    assert_error(info, "value", "another horizon")
    with pytest.raises(KpiInputError) as info:
        kpi_core.suggest_health_weights(ds, horizon=1, ridge=0)
    assert_error(info, "num", "ridge")
