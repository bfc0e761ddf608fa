"""Does the health score predict churn? Backtest and suggested weights (DESIGN.md §13).

For every month M with health scores whose M + horizon month is in
Subscriptions, each customer scored in M (the score of a report for the six
months ending at M) with MRR > 0 in M is one observation; it churned when it
has no MRR in M + horizon (a point-in-time test). :func:`health_backtest`
pools the observations and measures how well the score ranked them (ROC AUC
with a DeLong interval, churn by status and by score decile with Wilson
intervals, the lift of Red over Green); :func:`suggest_health_weights` fits
weights for the six components to that history and suggests them only when
they beat the current weights out of sample. :func:`auc` is the AUC alone
(the Excel function AUC).

Pooled observations repeat customers (one per month), so the AUC intervals
are DeLong's computed over customers rather than observations (Obuchowski
1997); with one observation per customer they are DeLong's own.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import _checks, _stats
from .dataset import Dataset
from .errors import KpiInputError
from .headline import report_period
from .health import COMPONENTS, HealthConfig, combined_scores, health_scores
from .periods import code_to_month, month_codes

__all__ = ["auc", "health_backtest", "suggest_health_weights", "HealthBacktest", "WeightSuggestion",
           "MIN_CHURNED", "ROLLING_START", "HEALTH_STATUSES", "OBSERVATION_COLUMNS"]

#: Fewer churned observations than this: no interval and no suggested weights (DESIGN.md §13).
MIN_CHURNED = 30
#: The rolling-origin check scores the pooled months from this one on (1-based: the seventh).
ROLLING_START = 7
#: Status rows of :attr:`HealthBacktest.by_status`, in order.
HEALTH_STATUSES = ("Red", "Amber", "Green")
#: Columns of :attr:`HealthBacktest.observations`, in order.
OBSERVATION_COLUMNS = ("month", "customer_id", "score", "status", "churned") + tuple(f"{c}_score" for c in COMPONENTS)
_SCALED = [f"{c}_score" for c in COMPONENTS]
_RATE_COLUMNS = ["observations", "churned", "churn_rate", "rate_low", "rate_high"]


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


# ----------------------------------------------------------------------------- pooled observations


def _pooled(ds: Dataset, config: HealthConfig, horizon: int) -> tuple[pd.DataFrame, int]:
    """The pooled observations and how many paying customer-months had no score."""
    if not isinstance(ds, Dataset):
        raise KpiInputError("the backtest needs a kpi_core.Dataset (load_dataset or sample_dataset)", "value")
    usage, subs = ds.table("Usage"), ds.table("Subscriptions")
    for name, table, why in (("Usage", usage, "the health scores"), ("Subscriptions", subs, "who churned")):
        if table is None:
            raise KpiInputError(f"{ds.source}: the health-score backtest needs the {name} table ({why})", "value")
    if not len(subs) or not len(usage):
        raise KpiInputError(f"{ds.source}: the Usage and Subscriptions tables need rows for a backtest", "value")
    last = int(month_codes(pd.Series([subs["month"].max()]))[0])
    usage_codes = np.unique(month_codes(usage["month"]))
    codes = usage_codes[usage_codes + horizon <= last]
    if not codes.size:
        raise KpiInputError(
            f"{ds.source}: no month with health scores has {horizon} following month(s) of Subscriptions "
            f"(Usage from {_label(usage_codes[0])} to {_label(usage_codes[-1])}, Subscriptions up to {_label(last)}); "
            "a backtest needs scored months followed by the horizon", "value")
    paying = subs[subs["mrr"] > 0]
    paying_codes = month_codes(paying["month"])
    frames = []
    for code, month in zip(codes, code_to_month(codes)):
        # the score a report for the six months ending at M gives (sentiment from their NPS answers)
        scores = health_scores(ds, month, config, period_start=report_period(ds, period_end=month).start)
        frames.append(scores[["customer_id", "score", "status"] + _SCALED].assign(month=month, code=code))
    obs = pd.concat(frames, ignore_index=True)
    del frames
    # (customer, month) pairs as integers: the customer's number among the paying ones, then its month
    # (a customer who never paid has neither pair)
    paying_ids, known = pd.factorize(paying["customer_id"])
    obs_ids = pd.Index(known).get_indexer(obs["customer_id"])
    first = min(int(codes.min()), int(paying_codes.min(initial=codes.min())))
    span = max(int(codes.max()), int(paying_codes.max(initial=codes.max()))) + horizon + 1 - first
    paying_keys = paying_ids * span + (paying_codes - first)
    obs_keys = obs_ids * span + (obs["code"].to_numpy() - first)
    paid_now = (obs_ids >= 0) & np.isin(obs_keys, paying_keys)
    paid_later = (obs_ids >= 0) & np.isin(obs_keys + horizon, paying_keys)
    keep = paid_now & obs["score"].notna().to_numpy()
    unscored = int(np.isin(paying_codes, codes).sum() - keep.sum())
    # the kept rows by month, then customer: one take per column (no copy of the whole table per step)
    rows = obs.loc[keep, ["code", "customer_id"]].sort_values(["code", "customer_id"], kind="stable").index
    churned = pd.Series(~paid_later[rows], name="churned")
    columns = {c: churned if c == "churned" else obs[c].take(rows).reset_index(drop=True)
               for c in (*OBSERVATION_COLUMNS, "code")}
    return pd.DataFrame(columns), unscored


def _label(code) -> str:
    return f"{code_to_month([code])[0]:%Y-%m}"


def _rate_table(groups: np.ndarray, churned: np.ndarray, labels, confidence: float) -> pd.DataFrame:
    """Observations, churned, churn rate and its Wilson interval per group label."""
    n = np.array([np.count_nonzero(groups == g) for g in labels], dtype=np.int64)
    k = np.array([np.count_nonzero(churned[groups == g]) for g in labels], dtype=np.int64)
    low, high = _stats.wilson(k, n, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    return pd.DataFrame({"observations": n, "churned": k, "churn_rate": rate, "rate_low": low, "rate_high": high})


def _deciles(scores: np.ndarray) -> np.ndarray:
    """Decile 1..10 of each score among all: 1 + floor(10 * #(scores strictly below) / n); ties share one."""
    order = np.argsort(scores, kind="stable")
    ranked = scores[order]
    below = np.empty(len(scores), dtype=np.int64)
    below[order] = np.searchsorted(ranked, ranked, side="left")  # sorted queries: a fast search
    return 1 + (10 * below) // max(len(scores), 1)


def _customer_codes(ids: pd.Series) -> np.ndarray:
    return pd.factorize(ids)[0]


def _auc_with_covariance(scores: np.ndarray, churned: np.ndarray, customers: np.ndarray):
    """AUCs for staying of r score sets and their covariance, clustered by customer."""
    stayed = ~churned
    v10, v01 = _stats.placements(scores, stayed)
    cov = _stats.auc_covariance(v10, v01, customers[stayed], customers[churned])
    return _stats.auc_from_placements(v10), cov


def _few_events(churned: np.ndarray) -> str | None:
    """Why the observations are too few for an interval (None when there are enough)."""
    n_churned, n_stayed = int(churned.sum()), int((~churned).sum())
    if n_churned < MIN_CHURNED:
        return f"only {n_churned} churned observation(s), fewer than {MIN_CHURNED}"
    if n_stayed < MIN_CHURNED:
        return f"only {n_stayed} observation(s) that stayed, fewer than {MIN_CHURNED}"
    return None


def _clean(value):
    """A value for JSON: plain Python types, None for NaN."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    value = float(value)
    return None if math.isnan(value) else value


def _records(frame: pd.DataFrame) -> list:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


# ----------------------------------------------------------------------------- the backtest


@dataclass(frozen=True, eq=False)
class HealthBacktest:
    """How well the health score predicted churn (DESIGN.md §13); plain numbers and DataFrames.

    Attributes
    ----------
    horizon : int
        Months between the score and the churn check.
    config : HealthConfig
        The configuration the scores were computed with.
    observations : pandas.DataFrame
        Columns :data:`OBSERVATION_COLUMNS`: one row per customer and pooled
        month (``churned`` a bool), the six scaled component scores (NaN when
        missing) after ``churned``.
    auc, auc_low, auc_high : float or None
        ROC AUC of the score for staying and its 95 % interval (None when
        undefined: one class only; no interval with fewer than
        :data:`MIN_CHURNED` churned observations).
    by_status : pandas.DataFrame
        One row per status (Red, Amber, Green): ``status``, ``observations``,
        ``churned``, ``churn_rate``, ``rate_low``, ``rate_high`` (Wilson 95 %;
        NaN for a status without observations).
    by_decile : pandas.DataFrame
        One row per non-empty score decile (1 = lowest scores): ``decile``,
        ``score_min``, ``score_max`` and the rate columns.
    lift : float or None
        Churn rate of Red / churn rate of Green (None, "n/a", when Green has
        no churn or a status has no observation).
    unscored : int
        Customer-months with MRR in a pooled month but no score (no Usage row,
        or every component blank): not observations.
    notes : tuple of str
        Sentences on what could not be measured and why.
    """

    horizon: int
    config: HealthConfig
    observations: pd.DataFrame
    auc: float | None
    auc_low: float | None
    auc_high: float | None
    by_status: pd.DataFrame
    by_decile: pd.DataFrame
    lift: float | None
    unscored: int = 0
    notes: tuple = field(default_factory=tuple)

    @property
    def months(self) -> list:
        """The pooled months (first days), in order."""
        return list(pd.DatetimeIndex(self.observations["month"].unique()))

    @property
    def n_observations(self) -> int:
        """Pooled observations."""
        return len(self.observations)

    @property
    def n_churned(self) -> int:
        """Pooled observations that churned."""
        return int(self.observations["churned"].sum())

    @property
    def churn_rate(self) -> float | None:
        """Share of the pooled observations that churned."""
        return self.n_churned / self.n_observations if self.n_observations else None

    def to_dict(self) -> dict:
        """Everything but the observations, as JSON-ready Python values."""
        months = [f"{m:%Y-%m}" for m in self.months] or [None]
        return {
            "horizon": self.horizon,
            "first_month": months[0], "last_month": months[-1], "months": len(self.months),
            "observations": self.n_observations, "churned": self.n_churned, "churn_rate": _clean(self.churn_rate),
            "unscored": self.unscored,
            "auc": _clean(self.auc), "auc_low": _clean(self.auc_low), "auc_high": _clean(self.auc_high),
            "lift": _clean(self.lift),
            "by_status": _records(self.by_status), "by_decile": _records(self.by_decile),
            "notes": list(self.notes),
        }


def _horizon(horizon) -> int:
    return int(_checks.scalar(horizon, "horizon", minimum=1, integer=True))


def health_backtest(ds: Dataset, config: HealthConfig | None = None, horizon: int = 3, *,
                    confidence: float = 0.95) -> HealthBacktest:
    """Backtest the health score against the churn that followed (DESIGN.md §13).

    Parameters
    ----------
    ds : Dataset
        Needs Usage (scores) and Subscriptions (churn); Responses and Tickets
        feed the sentiment and support components when present.
    config : HealthConfig, optional
        Weights, floors, targets and thresholds (default: DESIGN.md §5).
    horizon : int, default 3
        Churned = no MRR ``horizon`` months after the scored month.
    confidence : float, default 0.95
        Level of every interval.

    Returns
    -------
    HealthBacktest

    Raises
    ------
    KpiInputError
        Without Usage or Subscriptions, or when no month with scores has
        `horizon` following months of Subscriptions.

    Examples
    --------
    >>> from kpi_core import sample_dataset
    >>> bt = health_backtest(sample_dataset(), horizon=3)
    >>> bt.by_status["status"].tolist(), 0.5 < bt.auc < 1
    (['Red', 'Amber', 'Green'], True)
    """
    config = config or HealthConfig()
    horizon = _horizon(horizon)
    _stats.z_value(confidence)  # validates the level
    obs, unscored = _pooled(ds, config, horizon)
    churned = obs["churned"].to_numpy(dtype=bool)
    scores = obs["score"].to_numpy(dtype=float)
    notes = []
    auc = low = high = None
    if not len(obs):
        notes.append("No customer was both scored and paying in a pooled month: nothing to backtest.")
    elif churned.all() or not churned.any():
        which = "churned" if churned.all() else "stayed"
        notes.append(f"Every observation {which} within {horizon} month(s): the AUC needs both, so it is undefined.")
    else:
        aucs, cov = _auc_with_covariance(scores, churned, _customer_codes(obs["customer_id"]))
        auc = float(aucs[0])
        few = _few_events(churned)
        if few:
            notes.append(f"No interval for the AUC: {few} (DeLong's interval needs at least {MIN_CHURNED} of each).")
        else:
            half = _stats.z_value(confidence) * math.sqrt(max(float(cov[0, 0]), 0.0))
            low, high = max(0.0, auc - half), min(1.0, auc + half)
    if unscored:
        notes.append(f"{unscored} paying customer-month(s) had no health score (no Usage row, or every component "
                     "blank) and are not observations.")
    statuses = obs["status"].to_numpy(dtype=object)
    by_status = _rate_table(statuses, churned, HEALTH_STATUSES, confidence)
    by_status.insert(0, "status", list(HEALTH_STATUSES))
    deciles = _deciles(scores)
    present = np.unique(deciles)
    by_decile = _rate_table(deciles, churned, present, confidence)
    frame = pd.DataFrame({"decile": deciles, "score": scores}).groupby("decile")["score"].agg(["min", "max"])
    by_decile.insert(0, "decile", present.astype(np.int64))
    by_decile.insert(1, "score_min", frame["min"].reindex(present).to_numpy())
    by_decile.insert(2, "score_max", frame["max"].reindex(present).to_numpy())
    red, green = by_status["churn_rate"].iloc[0], by_status["churn_rate"].iloc[2]
    lift = float(red / green) if np.isfinite(red) and np.isfinite(green) and green > 0 else None
    if lift is None and len(obs):
        notes.append("Lift n/a: " + ("Green customers did not churn." if green == 0
                                     else "Red or Green has no observation."))
    return HealthBacktest(horizon, config, obs[list(OBSERVATION_COLUMNS)], auc, low, high, by_status, by_decile,
                          lift, unscored, tuple(notes))


# ----------------------------------------------------------------------------- suggested weights


_ROLLING_COLUMNS = ["month", "trained_through", "train_observations", "train_churned", "observations", "churned"]


@dataclass(frozen=True, eq=False)
class WeightSuggestion:
    """Weights fitted to the churn history, and whether they beat the current ones out of sample.

    Attributes
    ----------
    horizon : int
    current : dict
        The config's weights (component -> weight).
    fitted : dict or None
        Weights fitted on every pooled observation, >= 0, summing to the
        current total (not rounded); None when no fit was possible.
    suggested : dict or None
        ``fitted`` when it beat the current weights out of sample (higher
        rolling-origin AUC, and the 95 % interval of the difference above 0);
        None otherwise.
    auc_current, auc_fitted : float or None
        Rolling-origin AUCs for staying on the evaluated observations: the
        current scores, and the scores under weights fitted on the earlier
        months only.
    difference, difference_low, difference_high : float or None
        ``auc_fitted - auc_current`` and its paired DeLong 95 % interval.
    evaluated_months : int
        Months scored out of sample.
    evaluated_observations, evaluated_churned : int
    rolling : pandas.DataFrame
        One row per month scored out of sample: ``month``, ``trained_through``
        (the last month whose observations the fit used: ``month`` -
        horizon), ``train_observations``, ``train_churned``, ``observations``,
        ``churned`` (0 observations when no fit was possible that month).
    reason : str
        One sentence: why the weights are (or are not) suggested.
    """

    horizon: int
    current: dict
    fitted: dict | None
    suggested: dict | None
    auc_current: float | None = None
    auc_fitted: float | None = None
    difference: float | None = None
    difference_low: float | None = None
    difference_high: float | None = None
    evaluated_months: int = 0
    evaluated_observations: int = 0
    evaluated_churned: int = 0
    rolling: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_ROLLING_COLUMNS))
    reason: str = ""

    def config(self, base: HealthConfig | None = None) -> HealthConfig | None:
        """`base` (default: the defaults) with the suggested weights; None when nothing is suggested."""
        if self.suggested is None:
            return None
        return dataclasses.replace(base or HealthConfig(), weights=dict(self.suggested))

    def to_dict(self) -> dict:
        """JSON-ready Python values."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "rolling"}
        out = {key: {k: _clean(v) for k, v in value.items()} if isinstance(value, dict) else _clean(value)
               for key, value in out.items()}
        rolling = self.rolling.assign(**{c: pd.to_datetime(self.rolling[c]).dt.strftime("%Y-%m")
                                         for c in ("month", "trained_through")})  # empty: no month scored
        out["rolling"] = _records(rolling)
        return out


def _month_means_filled(obs: pd.DataFrame) -> np.ndarray:
    """Scaled component scores with each missing one at its month's mean (NaN where the month has none)."""
    scaled = obs[_SCALED]
    return scaled.fillna(scaled.groupby(obs["code"].to_numpy()).transform("mean")).to_numpy(dtype=float)


def _fit(matrix, stayed: np.ndarray, current: np.ndarray, ridge: float,
         rows: np.ndarray | None = None) -> np.ndarray | None:
    """Weights of the six components from a non-negative ridge logistic regression of staying.

    `matrix()` gives the ``(n, 6)`` scaled component scores (called once: a matrix made
    for this fit alone is let go as soon as it is filled). Components without a value or
    without variation cannot be judged: they keep their current weight and the others
    share the rest of the total. `rows` (a boolean mask) fits the rows it selects.
    """
    x = matrix()
    if rows is not None:  # taken here, so that the copy is let go once filled
        x, stayed = x[rows], stayed[rows]
    present = ~np.isnan(x)
    counts = present.sum(axis=0)
    means = np.where(present, x, 0.0).sum(axis=0) / np.maximum(counts, 1)
    x = np.where(present, x, means)  # what the month's mean could not fill: the training mean
    sd = x.std(axis=0)
    usable = (counts > 0) & (sd > 1e-9)
    remainder = current.sum() - current[~usable].sum()
    if not usable.any() or remainder <= 0 or stayed.all() or not stayed.any():
        return None
    centre = x[:, usable].mean(axis=0)
    # the regression's design matrix made here: the intercept's ones, then the usable columns standardised in
    # place (no standardised copy besides it; the filled matrix is let go first)
    columns = np.flatnonzero(usable)
    design = np.empty((len(x), len(columns) + 1), order="F")  # laid out as np.column_stack lays it out
    design[:, 0] = 1.0
    for j, c in enumerate(columns):  # a handful of columns
        design[:, j + 1] = x[:, c]
    del x
    design[:, 1:] -= centre
    design[:, 1:] /= sd[usable]
    _, w_std = _stats.nonneg_ridge_logistic(design, stayed.astype(float), ridge, with_intercept=True)
    raw = w_std / sd[usable]  # per point of scaled score
    if raw.sum() <= 0:
        return None
    weights = current.astype(float).copy()
    weights[usable] = raw / raw.sum() * remainder
    return weights


def suggest_health_weights(ds: Dataset, config: HealthConfig | None = None, horizon: int = 3, *,
                           ridge: float = 1.0, confidence: float = 0.95,
                           backtest: HealthBacktest | None = None) -> WeightSuggestion:
    """Weights for the six components fitted to the churn history, suggested only when they do better.

    A logistic regression of staying (not churned within `horizon` months)
    on the six scaled component scores (standardised; a missing component at
    its month's mean over the observations), with a ridge penalty and
    coefficients >= 0, gives per-point weights, rescaled to sum like the
    config's. They are judged by rolling-origin AUC: for each pooled month M
    from the seventh on, weights fitted on the observations whose outcome was
    known at M (months up to M - horizon) score M's customers by the §5 rule;
    the AUC of those scores is compared with the current scores' on the same
    observations. The fit on every pooled month is suggested only when its
    out-of-sample AUC is higher and the paired DeLong 95 % interval of the
    difference excludes 0.

    Parameters
    ----------
    ds : Dataset
    config : HealthConfig, optional
        The current configuration (default: DESIGN.md §5).
    horizon : int, default 3
    ridge : float, default 1.0
        Penalty on the standardised coefficients.
    confidence : float, default 0.95
    backtest : HealthBacktest, optional
        A :func:`health_backtest` result for the same config and horizon
        (its observations are reused instead of scored again).

    Returns
    -------
    WeightSuggestion

    Examples
    --------
    >>> from kpi_core import sample_dataset
    >>> s = suggest_health_weights(sample_dataset(), horizon=3)
    >>> round(sum(s.fitted.values()), 9), sorted(s.fitted) == sorted(s.current)
    (6.0, True)
    """
    config = config or HealthConfig()
    horizon = _horizon(horizon)
    ridge = _checks.scalar(ridge, "ridge")
    if ridge == 0:
        raise KpiInputError("ridge: 0 leaves the regression unpenalised; use a penalty above 0 (default 1)", "num")
    z = _stats.z_value(confidence)
    if backtest is not None:
        if backtest.horizon != horizon or backtest.config != config:
            raise KpiInputError("backtest: computed with another horizon or health config than asked for", "value")
        obs = backtest.observations.assign(code=month_codes(backtest.observations["month"]))
    else:
        obs, _ = _pooled(ds, config, horizon)
    current_w, _, _ = config.arrays()
    current = dict(zip(COMPONENTS, current_w.tolist()))
    churned = obs["churned"].to_numpy(dtype=bool)
    few = _few_events(churned)
    fitted_w = None if few else _fit(lambda: _month_means_filled(obs), ~churned, current_w, ridge)
    fitted = None if fitted_w is None else dict(zip(COMPONENTS, fitted_w.tolist()))
    result = WeightSuggestion(horizon, current, fitted, None)
    if few:
        return dataclasses.replace(result, reason=f"No weights suggested: {few} in the history "
                                                  f"(the fit and its check need at least {MIN_CHURNED}).")
    if fitted is None:
        return dataclasses.replace(result, reason="No weights suggested: no component's score separates the "
                                                  "customers who churned from those who stayed.")
    codes = np.unique(obs["code"].to_numpy())
    if len(codes) < ROLLING_START:
        return dataclasses.replace(result, reason=f"No weights suggested: only {len(codes)} pooled month(s); the "
                                                  f"out-of-sample check scores month {ROLLING_START} on.")
    # rolling origin: fit on what was known at M (outcomes of months up to M - horizon), score M
    code_col = obs["code"].to_numpy()
    x = _month_means_filled(obs)  # made again: the fit above let its own go
    candidate = np.full(len(obs), np.nan)
    folds = []
    for m in codes[ROLLING_START - 1:]:
        train = code_col <= m - horizon
        weights = _fit(lambda: x, ~churned, current_w, ridge, rows=train) if train.any() else None
        now = code_col == m
        if weights is not None:
            candidate[now] = combined_scores(obs.loc[now, _SCALED].to_numpy(dtype=float), weights)
        scored = now & ~np.isnan(candidate)
        folds.append([m, m - horizon, int(train.sum()), int(churned[train].sum()), int(scored.sum()),
                      int(churned[scored].sum())])
    rolling = pd.DataFrame(folds, columns=_ROLLING_COLUMNS)
    rolling["month"] = code_to_month(rolling["month"].to_numpy())
    rolling["trained_through"] = code_to_month(rolling["trained_through"].to_numpy())
    judged = ~np.isnan(candidate)
    n_judged, k_judged = int(judged.sum()), int(churned[judged].sum())
    months = int(len(np.unique(code_col[judged])))
    result = dataclasses.replace(result, evaluated_months=months, evaluated_observations=n_judged,
                                 evaluated_churned=k_judged, rolling=rolling)
    few = _few_events(churned[judged])
    if few:
        return dataclasses.replace(result, reason=f"No weights suggested: the out-of-sample months hold {few}.")
    both = np.vstack([obs["score"].to_numpy(dtype=float)[judged], candidate[judged]])
    aucs, cov = _auc_with_covariance(both, churned[judged], _customer_codes(obs["customer_id"][judged]))
    diff = float(aucs[1] - aucs[0])
    half = z * math.sqrt(max(float(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]), 0.0))
    low, high = diff - half, diff + half
    result = dataclasses.replace(result, auc_current=float(aucs[0]), auc_fitted=float(aucs[1]), difference=diff,
                                 difference_low=low, difference_high=high)
    figures = (f"out-of-sample AUC {aucs[1]:.3f} against {aucs[0]:.3f} for the current weights "
               f"(difference {diff:+.3f}, {round(100 * confidence)} % interval {low:+.3f} to {high:+.3f}, "
               f"{months} month(s))")
    if diff > 0 and low > 0:
        return dataclasses.replace(result, suggested=dict(fitted), reason=f"Suggested: {figures}.")
    return dataclasses.replace(result, reason=f"No weights suggested: {figures}; the fitted weights are not "
                                              "clearly better, keep the current ones.")
