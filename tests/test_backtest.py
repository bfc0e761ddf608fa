"""Health-score backtest (DESIGN.md §13): AUC, DeLong, Wilson, the pooled backtest and suggested weights.

Every expected value is worked out independently: the AUC by counting every (stayed, churned) pair
(Mann-Whitney U, O(n^2)), DeLong's variance from its pair-kernel definition, Wilson intervals from
Newcombe (1998)'s published table, backtest tables by hand on small datasets.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpi_core
from kpi_core import KpiInputError

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
