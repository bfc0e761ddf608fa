"""Explainable customer health scores (DESIGN.md §5).

Each component is scaled to 0..100 on a straight line from its ``floor``
(-> 0) to its ``target`` (-> 100), clipped; where lower is better the floor
is above the target. The score is the weighted mean of the components that
have a value: a missing component is left out and the other weights
re-normalised, as Gainsight and Totango do. Every score is explained by each
component's raw value, scaled score, effective weight and contribution
(contributions add up to the score).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import _checks
from .errors import KpiInputError
from .periods import Period, to_month

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "COMPONENTS", "HealthConfig", "load_health_config", "health_score", "health_status",
    "health_scores", "DEFAULT_CONFIG_PATH", "health_config_toml", "combined_scores",
]

#: Health components in their fixed order (the order of HEALTH_SCORE's values).
COMPONENTS = ("adoption", "frequency", "depth", "sentiment", "support", "goals")
#: The bundled default configuration.
DEFAULT_CONFIG_PATH = Path(__file__).with_name("health_default.toml")


@dataclass(frozen=True)
class HealthConfig:
    """Weights, floors, targets and status thresholds of the health score.

    Build it with :func:`load_health_config` (from TOML) or
    ``HealthConfig()`` for the defaults of DESIGN.md §5.

    Examples
    --------
    >>> cfg = HealthConfig()
    >>> cfg.floors["support"], cfg.targets["support"]
    (5.0, 0.0)
    """

    weights: dict = field(default_factory=lambda: dict.fromkeys(COMPONENTS, 1.0))
    floors: dict = field(default_factory=lambda: dict(
        adoption=0.2, frequency=2.0, depth=0.1, sentiment=6.0, support=5.0, goals=0.0))
    targets: dict = field(default_factory=lambda: dict(
        adoption=0.8, frequency=20.0, depth=0.6, sentiment=9.0, support=0.0, goals=1.0))
    red_below: float = 40.0
    green_from: float = 70.0
    #: A fall of at least this many points since the previous period puts a customer on the
    #: at-risk list (:func:`kpi_core.at_risk`, DESIGN.md §9).
    risk_drop: float = 15.0

    def __post_init__(self) -> None:
        for name in COMPONENTS:
            where = f"health config, components.{name}"
            _checks.scalar(self.weights[name], f"{where}.weight")
            floor = _checks.scalar(self.floors[name], f"{where}.floor", minimum=None)
            target = _checks.scalar(self.targets[name], f"{where}.target", minimum=None)
            if floor == target:
                raise KpiInputError(f"{where}: floor and target are both {floor:g}; they must differ", "num")
        if sum(self.weights.values()) <= 0:
            raise KpiInputError("health config: every weight is 0", "div0")
        _check_thresholds(self.red_below, self.green_from)
        drop = _checks.scalar(self.risk_drop, "health config, thresholds.risk_drop", maximum=100)
        if drop == 0:
            raise KpiInputError("health config, thresholds.risk_drop: 0 would list every customer whose score "
                                "did not rise; use a number of points above 0", "num")

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(weights, floors, targets) as arrays in :data:`COMPONENTS` order."""
        return tuple(np.array([d[c] for c in COMPONENTS], dtype=float)
                     for d in (self.weights, self.floors, self.targets))


def _check_thresholds(red_below, green_from) -> tuple[float, float]:
    red = _checks.scalar(red_below, "red_below", maximum=100)
    green = _checks.scalar(green_from, "green_from", maximum=100)
    if red > green:
        raise KpiInputError(f"red_below ({red:g}) cannot be above green_from ({green:g})", "num")
    return red, green


def load_health_config(path=None) -> HealthConfig:
    """Read a health configuration from TOML (the bundled defaults if `path` is None).

    The file has a ``[thresholds]`` table (``red_below``, ``green_from``,
    ``risk_drop``) and
    one ``[components.NAME]`` table per component with ``weight``, ``floor``
    and ``target``; anything left out keeps its default. See
    ``kpi_core/health_default.toml``.

    Raises
    ------
    KpiInputError
        Unreadable TOML, an unknown component or key, a non-number, equal
        floor and target, all weights 0, red_below above green_from, a
        risk_drop that is not above 0 (or above 100).
    """
    if path is None:
        return HealthConfig()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KpiInputError(f"health config {path}: {exc}", "value") from exc
    base = HealthConfig()
    weights, floors, targets = dict(base.weights), dict(base.floors), dict(base.targets)
    unknown = set(data) - {"thresholds", "components"}
    if unknown:
        raise KpiInputError(f"health config {path}: unknown section(s) {sorted(unknown)}", "value")
    for name, spec in data.get("components", {}).items():
        if name not in COMPONENTS:
            raise KpiInputError(
                f"health config {path}: unknown component {name!r} (known: {', '.join(COMPONENTS)})", "value")
        for key, value in spec.items():
            target = {"weight": weights, "floor": floors, "target": targets}.get(key)
            if target is None:
                raise KpiInputError(f"health config {path}: components.{name}.{key} is not a setting", "value")
            target[name] = value
    thresholds = data.get("thresholds", {})
    extra = set(thresholds) - {"red_below", "green_from", "risk_drop"}
    if extra:
        raise KpiInputError(f"health config {path}: unknown threshold(s) {sorted(extra)}", "value")
    return HealthConfig(weights, floors, targets,
                        thresholds.get("red_below", base.red_below),
                        thresholds.get("green_from", base.green_from),
                        thresholds.get("risk_drop", base.risk_drop))


def health_config_toml(config: HealthConfig, header: str = "") -> str:
    """A health configuration as TOML text that :func:`load_health_config` reads back exactly.

    The layout of ``kpi_core/health_default.toml``; numbers are written with
    all their digits (``repr``), so weights are not rounded on the way.

    Parameters
    ----------
    config : HealthConfig
    header : str, optional
        Comment lines put at the top (each line gets a ``# ``).

    Examples
    --------
    >>> text = health_config_toml(HealthConfig(), header="defaults")
    >>> text.splitlines()[0], "[components.support]" in text
    ('# defaults', True)
    """
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines += ["[thresholds]", f"red_below = {float(config.red_below)!r}", f"green_from = {float(config.green_from)!r}",
              f"risk_drop = {float(config.risk_drop)!r}"]
    for name in COMPONENTS:
        lines += ["", f"[components.{name}]", f"weight = {float(config.weights[name])!r}",
                  f"floor = {float(config.floors[name])!r}", f"target = {float(config.targets[name])!r}"]
    return "\n".join(lines) + "\n"


def combined_scores(scaled, weights) -> np.ndarray:
    """Health scores of scaled component scores under `weights`, by the §5 rule.

    The one home of "a missing component is left out and the other weights
    re-normalised", for callers that score many customers under other
    weights (the backtest of DESIGN.md §13).

    Parameters
    ----------
    scaled : array-like
        ``(n, k)`` scaled component scores 0..100, NaN where missing.
    weights : array-like
        ``(k,)`` non-negative weights.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` scores; NaN where no component with a weight above 0 has a value.

    Examples
    --------
    >>> combined_scores([[50.0, 100.0], [np.nan, 20.0]], [3.0, 1.0]).tolist()
    [62.5, 20.0]
    """
    score, _ = _combine(np.atleast_2d(np.asarray(scaled, dtype=float)), np.asarray(weights, dtype=float))
    return score


def _scale(values: np.ndarray, floors: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Linear map floor -> 0, target -> 100, clipped; NaN stays NaN."""
    return np.clip((values - floors) / (targets - floors), 0.0, 1.0) * 100.0


def _combine(scaled: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores and effective (re-normalised) weights of an n x k matrix of scaled components."""
    present = ~np.isnan(scaled)
    w = np.where(present, weights[None, :], 0.0)
    total = w.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        effective = np.where(total > 0, w / total, np.nan)
        score = np.where(total[:, 0] > 0, np.nansum(effective * np.nan_to_num(scaled), axis=1), np.nan)
    # re-normalised weights can leave a rounding error of one ulp above 100
    return np.clip(score, 0.0, 100.0), effective


def health_score(values, weights=None, floors=None, targets=None) -> float:
    """Health score 0..100 of one customer from its raw component values.

    Parameters
    ----------
    values : array-like
        Raw component values; blanks are left out and the remaining weights
        re-normalised. With 6 values in the order adoption, frequency, depth,
        sentiment, support, goals, `floors` and `targets` default to
        DESIGN.md §5 (0.2→0.8, 2→20, 0.1→0.6, 6→9, 5→0, 0→1).
    weights : array-like, optional
        Non-negative weight of each value (default: equal).
    floors, targets : array-like, optional
        Value scaled to 0 and to 100 for each component (floor > target when
        lower is better). Required when there are not exactly 6 values.

    Returns
    -------
    float

    Examples
    --------
    >>> health_score([0.5, 11, 0.35, None, 0, 1])
    70.0
    >>> health_score([5, 10], floors=[0, 0], targets=[10, 10], weights=[3, 1])
    62.5
    """
    v = _checks.numbers_with_blanks(values, "values")
    n = v.size
    cfg_w, cfg_f, cfg_t = HealthConfig().arrays()

    def setting(arg, name, default):
        if arg is None:
            if n != len(COMPONENTS) and name != "weights":
                raise KpiInputError(
                    f"{name}: required when values does not hold the {len(COMPONENTS)} standard components", "value")
            return default if n == len(COMPONENTS) else np.ones(n)
        arr = _checks.numbers_with_blanks(arg, name)
        if arr.size != n or np.isnan(arr).any():
            raise KpiInputError(f"{name}: needs {n} numbers, one per value, got {arr.size}", "value")
        return arr

    w = setting(weights, "weights", cfg_w)
    f = setting(floors, "floors", cfg_f)
    t = setting(targets, "targets", cfg_t)
    if (w < 0).any():
        raise KpiInputError(f"weights: position {int(np.argmax(w < 0)) + 1} is negative", "num")
    if (f == t).any():
        raise KpiInputError(f"floors/targets: position {int(np.argmax(f == t)) + 1} has floor = target", "num")
    if np.isnan(v).all():
        raise KpiInputError("values: every value is blank", "div0")
    score, _ = _combine(_scale(v, f, t)[None, :], w)
    if np.isnan(score[0]):
        raise KpiInputError("weights: the values given all have weight 0", "div0")
    return float(score[0])


def health_status(score: float, red_below: float = 40, green_from: float = 70) -> str:
    """"Red", "Amber" or "Green" for a health score.

    Red below `red_below`, Green from `green_from`, Amber in between.

    Examples
    --------
    >>> health_status(39.9), health_status(40), health_status(70)
    ('Red', 'Amber', 'Green')
    """
    s = _checks.scalar(score, "score", maximum=100)
    red, green = _check_thresholds(red_below, green_from)
    return "Red" if s < red else "Green" if s >= green else "Amber"


def _statuses(scores: np.ndarray, config: HealthConfig) -> np.ndarray:
    status = np.where(scores < config.red_below, "Red", np.where(scores >= config.green_from, "Green", "Amber"))
    return np.where(np.isnan(scores), "", status).astype(object)


def _ratio(num: pd.Series, den: pd.Series) -> np.ndarray:
    num, den = num.to_numpy(dtype=float), den.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def health_scores(dataset, month, config: HealthConfig | None = None, *, period_start=None) -> pd.DataFrame:
    """Health score and its explanation for every customer with usage in `month`.

    Parameters
    ----------
    dataset : kpi_core.Dataset
        Needs the Usage table; Responses (sentiment) and Tickets (support)
        are used when present, otherwise those components are missing.
    month : str or date
        The scored month (``"2026-06"``).
    config : HealthConfig, optional
        Defaults to :class:`HealthConfig()` (DESIGN.md §5).
    period_start : str or date, optional
        First month of the period whose NPS answers make the sentiment
        component; defaults to `month` (answers of the scored month only).
        Reports pass their period start.

    Returns
    -------
    pandas.DataFrame
        One row per customer: ``customer_id``, then for each component ``c``
        ``c_value``, ``c_score`` (0..100), ``c_weight`` (effective weight,
        0 when missing) and ``c_contribution`` (weight x score), then
        ``score`` and ``status``. Contributions add up to the score.

    Raises
    ------
    KpiInputError
        If the dataset has no Usage table.
    """
    config = config or HealthConfig()
    month = to_month(month, "month")
    period = Period(period_start if period_start is not None else month, month)
    usage = dataset.table("Usage")
    if usage is None:
        raise KpiInputError("health scores need the Usage table", "value")
    rows = usage[usage["month"] == month]
    n = len(rows)
    raw = {name: np.full(n, np.nan) for name in COMPONENTS}
    if "licensed_users" in rows and "active_users" in rows:
        raw["adoption"] = _ratio(rows["active_users"], rows["licensed_users"])
    if "logins" in rows and "active_users" in rows:
        raw["frequency"] = _ratio(rows["logins"], rows["active_users"])
    if "features_used" in rows and "features_available" in rows:
        raw["depth"] = _ratio(rows["features_used"], rows["features_available"])
    if "goals_met" in rows:
        raw["goals"] = rows["goals_met"].to_numpy(dtype=float)
    ids = rows["customer_id"]
    responses = dataset.table("Responses")
    if responses is not None:
        answered = responses[period.contains(responses["date"])]  # the period's answers first: fewer to compare
        nps_rows = answered[(answered["survey"] == "NPS") & answered["score"].notna()]
        means = nps_rows.groupby("customer_id", sort=False)["score"].mean()  # looked up by id: no order needed
        raw["sentiment"] = ids.map(means).to_numpy(dtype=float)
    tickets = dataset.table("Tickets")
    if tickets is not None:
        in_month = tickets[Period(month, month).contains(tickets["opened_at"])]
        counts = in_month.groupby("customer_id", sort=False).size()
        raw["support"] = ids.map(counts).fillna(0).to_numpy(dtype=float)
    values = np.column_stack([raw[c] for c in COMPONENTS]) if n else np.empty((0, len(COMPONENTS)))
    w, f, t = config.arrays()
    scaled = _scale(values, f, t)
    score, effective = _combine(scaled, w)
    out = {"customer_id": ids.to_numpy()}
    for j, name in enumerate(COMPONENTS):
        out[f"{name}_value"] = values[:, j]
        out[f"{name}_score"] = scaled[:, j]
        out[f"{name}_weight"] = np.nan_to_num(effective[:, j])
        out[f"{name}_contribution"] = np.nan_to_num(effective[:, j] * scaled[:, j])
    out["score"] = score
    out["status"] = _statuses(score, config)
    return pd.DataFrame(out).reset_index(drop=True)
