"""Small statistics for the health-score backtest (DESIGN.md §13), in numpy and the standard library.

ROC AUC (the Mann-Whitney U statistic over the number of pairs), DeLong's placement
values and their covariance (optionally clustered by customer, Obuchowski
1997), Wilson score intervals, and a ridge-penalised logistic regression with
non-negative coefficients solved by projected Newton. Nothing here imports
scipy: the core install stays light and Pyodide-installable.

References
----------
DeLong, DeLong & Clarke-Pearson (1988), Biometrics 44:837-845.
Obuchowski (1997), Biometrics 53:567-578 (clustered ROC data).
Wilson (1927), JASA 22:209-212; Newcombe (1998), Statistics in Medicine 17:857-872.
Bertsekas (1982), SIAM J. Control and Optimization 20:221-246 (projected Newton).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from . import _checks
from .errors import KpiInputError

__all__ = ["z_value", "placements", "auc_from_placements", "auc_covariance", "wilson",
           "nonneg_ridge_logistic"]


def z_value(confidence: float = 0.95) -> float:
    """Two-sided normal quantile of a confidence level: 1.959964 for 95 %.

    Raises
    ------
    KpiInputError
        A level that is not a number strictly between 0 and 1 (``num``).

    Examples
    --------
    >>> round(z_value(0.95), 6)
    1.959964
    """
    c = _checks.scalar(confidence, "confidence", minimum=None)
    if not 0 < c < 1:
        raise KpiInputError(f"confidence: {c:g} must lie strictly between 0 and 1 (e.g. 0.95)", "num")
    return NormalDist().inv_cdf(0.5 + c / 2)


def placements(scores: np.ndarray, positive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DeLong's placement values of each positive and each negative.

    The placement of a positive is the share of negatives scored below it,
    ties counting one half; that of a negative is the share of positives
    scored above it. Each class is sorted once and the other class's sorted
    scores are located in it by binary search (n log n, no pair is formed).

    Parameters
    ----------
    scores : numpy.ndarray
        ``(r, n)`` scores (r score sets over the same n observations) or ``(n,)``.
    positive : numpy.ndarray of bool
        ``(n,)``: the class whose scores should be higher (both classes present).

    Returns
    -------
    v10 : numpy.ndarray
        ``(r, m)``, one value per positive.
    v01 : numpy.ndarray
        ``(r, k)``, one value per negative. Both average to the AUC.

    Examples
    --------
    >>> v10, v01 = placements(np.array([0.9, 0.4, 0.4, 0.1]), np.array([True, True, False, False]))
    >>> v10.tolist(), v01.tolist()
    ([[1.0, 0.75]], [[0.75, 1.0]])
    """
    s = np.atleast_2d(np.asarray(scores, dtype=float))
    pos = np.asarray(positive, dtype=bool)
    m, k = int(pos.sum()), int((~pos).sum())
    v10, v01 = np.empty((len(s), m)), np.empty((len(s), k))
    for r, row in enumerate(s):
        high, low = row[pos], row[~pos]
        by_high, by_low = np.argsort(high), np.argsort(low)
        sorted_high, sorted_low = high[by_high], low[by_low]
        # (#below + #equal / 2) = (#strictly below + #at or below) / 2; sorted queries search fast
        v10[r, by_high] = (np.searchsorted(sorted_low, sorted_high, "left")
                           + np.searchsorted(sorted_low, sorted_high, "right")) / (2 * k)
        v01[r, by_low] = 1.0 - (np.searchsorted(sorted_high, sorted_low, "left")
                                + np.searchsorted(sorted_high, sorted_low, "right")) / (2 * m)
    return v10, v01


def auc_from_placements(v10: np.ndarray) -> np.ndarray:
    """AUC of each score set: the mean placement of the positives."""
    return np.asarray(v10).mean(axis=-1)


def auc_covariance(v10: np.ndarray, v01: np.ndarray, clusters_pos: np.ndarray | None = None,
                   clusters_neg: np.ndarray | None = None) -> np.ndarray:
    """DeLong covariance matrix of the AUCs of r score sets on the same observations.

    Without clusters, DeLong et al. (1988): ``S10 / m + S01 / k`` with S10,
    S01 the sample covariances (ddof 1) of the placements. With clusters (one
    customer observed in several months), Obuchowski (1997): placements are
    summed per cluster and their spread measured between clusters, so that
    repeated observations of one customer are not counted as independent
    evidence.

    Parameters
    ----------
    v10, v01 : numpy.ndarray
        Placements from :func:`placements`, ``(r, m)`` and ``(r, k)``.
    clusters_pos, clusters_neg : numpy.ndarray, optional
        Cluster code (an integer, shared between the two arrays: one customer)
        of each positive and each negative.

    Returns
    -------
    numpy.ndarray
        ``(r, r)`` covariance of the AUC estimates.

    Examples
    --------
    >>> v10, v01 = placements(np.array([0.9, 0.4, 0.4, 0.1]), np.array([True, True, False, False]))
    >>> float(auc_covariance(v10, v01)[0, 0])
    0.03125
    """
    v10, v01 = np.atleast_2d(v10), np.atleast_2d(v01)
    m, k = v10.shape[1], v01.shape[1]
    if clusters_pos is None:
        s10 = np.atleast_2d(np.cov(v10, ddof=1)) if m > 1 else np.zeros((len(v10), len(v10)))
        s01 = np.atleast_2d(np.cov(v01, ddof=1)) if k > 1 else np.zeros((len(v01), len(v01)))
        return s10 / m + s01 / k
    auc = auc_from_placements(v10)
    # clusters numbered 0..K-1 over the clusters present (a code without observation is no cluster)
    _, codes = np.unique(np.r_[clusters_pos, clusters_neg], return_inverse=True)
    clusters_pos, clusters_neg = codes[:m], codes[m:]
    n_clusters = int(codes.max(initial=-1)) + 1
    if n_clusters < 2:
        return np.zeros((len(v10), len(v10)))
    m_c = np.bincount(clusters_pos, minlength=n_clusters)
    k_c = np.bincount(clusters_neg, minlength=n_clusters)
    # per cluster: sum of placements minus what the AUC predicts for that many observations
    d10 = np.stack([np.bincount(clusters_pos, row, n_clusters) for row in v10]) - np.outer(auc, m_c)
    d01 = np.stack([np.bincount(clusters_neg, row, n_clusters) for row in v01]) - np.outer(auc, k_c)
    f = n_clusters / (n_clusters - 1)
    s10 = f / m * d10 @ d10.T
    s01 = f / k * d01 @ d01.T
    s11 = f * (d10 @ d01.T + d01 @ d10.T) / 2
    return s10 / m + s01 / k + 2 * s11 / (m * k)


def wilson(successes, trials, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion (NaN where there is no trial).

    Examples
    --------
    >>> low, high = wilson(81, 263)        # Newcombe (1998), example (a): 0.2553 to 0.3662
    >>> round(float(low), 4), round(float(high), 4)
    (0.2553, 0.3662)
    """
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = z_value(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def _sigmoid(eta: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The logistic function of `eta`, into `out`."""
    np.multiply(eta, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def _objective(theta: np.ndarray, design: np.ndarray, y: np.ndarray, penalty: np.ndarray,
               work: np.ndarray) -> tuple[float, np.ndarray]:
    """The penalised negative log-likelihood at `theta`, and its linear predictor (`work`: scratch, (n,))."""
    eta = design @ theta
    # log(1 + e^eta) - y * eta, computed without overflow (y is 0 or 1: eta is subtracted where y is 1)
    np.logaddexp(0.0, eta, out=work)
    np.subtract(work, eta, out=work, where=y == 1.0)
    return float(np.sum(work) + 0.5 * np.sum(penalty * theta * theta)), eta


def nonneg_ridge_logistic(x: np.ndarray, y: np.ndarray, ridge: float = 1.0, *, max_iter: int = 100,
                          tol: float = 1e-9, with_intercept: bool = False) -> tuple[float, np.ndarray]:
    """Logistic regression with a ridge penalty and coefficients >= 0 (intercept free).

    Minimises ``sum(log(1 + exp(eta)) - y * eta) + ridge / 2 * |w|^2`` with
    ``eta = b0 + x @ w`` subject to ``w >= 0``, by projected Newton with an
    Armijo search along the projection arc (Bertsekas 1982). The problem is
    strictly convex in w (ridge > 0), so the answer is unique; it satisfies the
    KKT conditions: the gradient is 0 for the intercept and the positive
    coefficients, and >= 0 for the coefficients at 0.

    Parameters
    ----------
    x : numpy.ndarray
        ``(n, p)`` predictors (standardise them: the penalty treats every
        column alike).
    y : numpy.ndarray
        ``(n,)`` outcomes 0/1, both present.
    ridge : float
        Penalty on the coefficients (not the intercept).
    with_intercept : bool, default False
        `x`'s first column is already the intercept's column of ones: `x` is the
        ``(n, p + 1)`` design matrix, used as it is (float64, not copied; laid out in
        columns, as ``np.column_stack`` makes it, for the same answer to the last bit).

    Returns
    -------
    (intercept, coefficients)

    Examples
    --------
    >>> x = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [3.0, 0.0]])
    >>> b0, w = nonneg_ridge_logistic(x, np.array([0, 0, 1, 1]), ridge=1.0)
    >>> bool(w[0] > 0), float(w[1])       # the second column goes against y: held at 0
    (True, 0.0)
    """
    if with_intercept:
        design = np.asarray(x, dtype=float)
        n, p = design.shape[0], design.shape[1] - 1
    else:
        n, p = x.shape
        design = np.column_stack([np.ones(n), x])
    y = np.asarray(y, dtype=float)
    penalty = np.r_[0.0, np.full(p, float(ridge))]
    bounded = np.r_[False, np.ones(p, dtype=bool)]
    mean = min(max(y.mean(), 1e-6), 1 - 1e-6)
    theta = np.r_[np.log(mean / (1 - mean)), np.zeros(p)]
    work, prob, weighted = np.empty(n), np.empty(n), np.empty_like(design)  # scratch, reused every iteration
    value, eta = _objective(theta, design, y, penalty, work)
    for _ in range(max_iter):
        _sigmoid(eta, prob)  # eta: the linear predictor at theta, from the objective
        grad = design.T @ (prob - y) + penalty * theta
        projected = theta - np.where(bounded, np.maximum(theta - grad, 0.0), theta - grad)
        if np.max(np.abs(projected)) <= tol * max(1.0, n):
            break
        eps = min(1e-8, float(np.linalg.norm(projected)))
        active = bounded & (theta <= eps) & (grad > 0)
        free = ~active
        sub = design if free.all() else design[:, free]
        curvature = (prob * (1 - prob))[:, None]
        scaled = np.multiply(sub, curvature, out=weighted) if sub is design else sub * curvature
        hess = scaled.T @ sub + np.diag(penalty[free])
        step_dir = np.zeros_like(theta)
        step_dir[free] = -np.linalg.solve(hess + 1e-12 * np.eye(int(free.sum())), grad[free])
        step = 1.0
        for _ in range(60):
            candidate = theta + step * step_dir
            candidate[bounded] = np.maximum(candidate[bounded], 0.0)
            candidate[active] = 0.0
            new_value, new_eta = _objective(candidate, design, y, penalty, work)
            if new_value <= value + 1e-4 * float(grad @ (candidate - theta)):
                break
            step /= 2
        else:
            break  # no progress possible at machine precision
        theta, value, eta = candidate, new_value, new_eta
    return float(theta[0]), theta[1:].copy()
