"""Does the health score predict churn? (DESIGN.md §13)

:func:`auc` is the ROC AUC of a score for staying (the Excel function AUC).
"""

from __future__ import annotations

import numpy as np

from . import _checks, _stats
from .errors import KpiInputError

__all__ = ["auc"]


def auc(scores, outcomes) -> float:
    """ROC AUC of a score for staying: P(a customer who stayed scores above one who churned).

    Every (stayed, churned) pair is compared; a tie counts one half, so 0.5
    is no better than chance and 1.0 a score that ranks every staying
    customer above every churned one. This is the Mann-Whitney U statistic
    divided by the number of pairs, computed from ranks (n log n).

    Parameters
    ----------
    scores : array-like
        Health scores (any numbers); blank cells are ignored.
    outcomes : array-like
        1 or TRUE = churned, 0 or FALSE = stayed, one per score; a pair with a
        blank score or a blank outcome is left out.

    Returns
    -------
    float
        0..1.

    Raises
    ------
    KpiInputError
        Text among the scores or outcomes, an outcome other than 0/1/TRUE/FALSE
        (``num``), ranges of different sizes (``value``), or only one class of
        outcome among the pairs (``div0``: there is no pair to compare).

    Examples
    --------
    >>> round(auc([80, 65, 40, 65, 20], [0, 0, 1, 1, 1]), 4)     # pairs won: 3 + (2 + 1/2) of 6
    0.9167
    >>> auc([80, None, 40], [False, True, True])
    1.0
    """
    s = _checks.numbers_with_blanks(scores, "scores")
    y = _checks.outcomes_with_blanks(outcomes, "outcomes")
    if s.size != y.size:
        raise KpiInputError(f"scores and outcomes: the ranges have different sizes ({s.size} and {y.size} cells); "
                            "give one outcome per score", "value")
    keep = ~np.isnan(s) & ~np.isnan(y)
    s, churned = s[keep], y[keep] == 1
    _require_both_classes(churned, "outcomes")
    v10, _ = _stats.placements(s, ~churned)
    return float(_stats.auc_from_placements(v10)[0])


def _require_both_classes(churned: np.ndarray, what: str) -> None:
    if churned.size == 0:
        raise KpiInputError(f"{what}: no pair of a score and an outcome to compare", "div0")
    if churned.all() or not churned.any():
        which = "churned (1/TRUE)" if churned.all() else "stayed (0/FALSE)"
        raise KpiInputError(f"{what}: every customer {which}; the AUC needs customers who churned and customers "
                            "who stayed", "div0")
