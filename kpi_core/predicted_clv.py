"""Predicted customer value from the Orders table: BG/NBD and Gamma-Gamma (DESIGN.md §11).

For e-commerce (non-contractual) customers nobody announces leaving: the
BG/NBD model (Fader, Hardie & Lee 2005) explains each customer's repeat
purchases by a purchase rate and a chance of silently dropping out after
each purchase, and the Gamma-Gamma model (Fader & Hardie 2013) the mean
value of those purchases. Both are fitted by maximum likelihood through
PyMC-Marketing's ``BetaGeoModel`` and ``GammaGammaModel`` (MAP with flat
priors on the positive parameters, which is the maximum-likelihood
estimate: PyMC's ``find_MAP`` optimises the log density without the
Jacobian of the log transform). PyMC-Marketing is an optional extra
(``pip install "cskpi[predict]"``), imported only when a model is fitted;
the closed forms (:func:`p_alive`, :func:`expected_purchases`) and every
prediction are computed here, with numpy and scipy.

Definitions (where DESIGN.md §11 leaves a choice, the convention that
reproduces the published CDNOW estimates):

- A *transaction* is a purchase day: several orders of a customer on one
  day are one transaction, their amounts summed.
- ``frequency`` is the number of repeat transactions up to and including
  ``calibration_end``'s day; ``recency`` is the time from the first to the
  last transaction and ``T`` from the first transaction to
  ``calibration_end``, both as whole days divided by the days of
  ``time_unit`` (D = 1, W = 7, M = 365.25 / 12). Measuring ``T`` one day
  longer (to the end of ``calibration_end``'s day) moves the CDNOW estimate
  of ``a`` by 2.7 %.
- ``monetary`` is the mean value of the repeat transactions (blank when
  there is none); the spend model is fitted on the customers with
  ``frequency > 0`` and ``monetary > 0``.
- Customers whose first order comes after ``calibration_end`` are not part
  of the fit, of the predictions or of the holdout check.
- ``clv`` is the value of the expected purchases over the horizon,
  discounted per period of ``time_unit`` at an *annual* rate:
  ``sum_k spend * (E[X(t_k)] - E[X(t_k-1)]) / (1 + rate) ** years(t_k)``.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import _checks
from .dataset import Dataset
from .errors import KpiInputError

__all__ = [
    "ClvModel", "ClvHoldout", "MissingExtraError", "PREDICTION_COLUMNS", "TIME_UNITS", "INSTALL_HINT",
    "rfm_summary", "fit_clv", "predict_clv", "clv_holdout", "clv_summary", "p_alive", "expected_purchases",
    "read_cdnow",
]

#: Days in one unit of time.
TIME_UNITS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}
_YEAR_DAYS = 365.25
#: Columns of :func:`predict_clv`'s table, in order.
PREDICTION_COLUMNS = ("customer_id", "frequency", "recency", "T", "monetary", "p_alive", "expected_purchases",
                      "expected_avg_value", "clv")
#: How to get the optional models.
INSTALL_HINT = 'pip install "cskpi[predict]"'
_RFM_COLUMNS = ["customer_id", "frequency", "recency", "T", "monetary"]


class MissingExtraError(ImportError):
    """The optional ``predict`` extra (PyMC-Marketing, scipy) is not installed; the message says how to install it."""


def _import_error(what: str, exc: ImportError) -> MissingExtraError:
    return MissingExtraError(
        f"predicted customer value needs {what}, which is not installed ({exc}); install it with: {INSTALL_HINT}")


def _scipy_special():
    try:
        from scipy import special
    except ImportError as exc:
        raise _import_error("scipy", exc) from exc
    return special


def _pymc_marketing():
    """BetaGeoModel, GammaGammaModel and Prior, imported on first use (their import takes seconds)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pymc_extras.prior import Prior
            from pymc_marketing.clv import BetaGeoModel, GammaGammaModel
    except ImportError as exc:
        raise _import_error("PyMC-Marketing", exc) from exc
    return BetaGeoModel, GammaGammaModel, Prior


# ---------------------------------------------------------------- arguments


def _arg(value, name: str, *, positive: bool = False, integer: bool = False):
    """A scalar or range argument as float (scalar) or float array; blanks, text, negatives are errors."""
    if np.ndim(value) == 0 and not isinstance(value, (list, tuple)):
        out = _checks.scalar(value, name, integer=integer)
    else:
        arr = _checks.numbers_with_blanks(value, name)
        blank = np.isnan(arr)
        if blank.any():
            raise KpiInputError(f"{name}: position {int(np.argmax(blank)) + 1} is blank; a number is required")
        bad = arr < 0
        if bad.any():
            i = int(np.argmax(bad))
            raise KpiInputError(f"{name}: position {i + 1} is {arr[i]:g}, below the minimum 0", "num")
        if integer and (arr != np.round(arr)).any():
            i = int(np.argmax(arr != np.round(arr)))
            raise KpiInputError(f"{name}: position {i + 1} is {arr[i]:g}, not a whole number", "num")
        out = arr
    if positive and np.any(np.asarray(out) == 0):
        raise KpiInputError(f"{name}: must be greater than 0", "num")
    return out


def _history(frequency, recency, T):
    x = _arg(frequency, "frequency", integer=True)
    t_x = _arg(recency, "recency")
    big_t = _arg(T, "T")
    try:
        _, recency_b, age_b = np.broadcast_arrays(x, t_x, big_t)
    except ValueError as exc:
        raise KpiInputError(f"frequency, recency and T must have the same length ({exc})") from exc
    late = np.ravel(recency_b > age_b)
    if late.any():
        i = int(np.argmax(late))
        where = f" at position {i + 1}" if np.ndim(recency_b) else ""
        raise KpiInputError(f"recency{where} ({np.ravel(recency_b)[i]:g}) cannot exceed T ({np.ravel(age_b)[i]:g})",
                            "num")
    return x, t_x, big_t


def _bgnbd(r, alpha, a, b):
    return tuple(_arg(v, n, positive=True) for v, n in ((r, "r"), (alpha, "alpha"), (a, "a"), (b, "b")))


def _result(values, *inputs):
    return float(values) if all(np.ndim(v) == 0 for v in inputs) else np.asarray(values, dtype=np.float64)


# ---------------------------------------------------------------- closed forms


def _p_alive(x, t_x, big_t, r, alpha, a, b):
    with np.errstate(over="ignore", divide="ignore"):
        log_odds_dead = (r + x) * np.log((alpha + big_t) / (alpha + t_x)) + np.log(a / (b + np.maximum(x, 1) - 1))
        return np.where(x == 0, 1.0, 1.0 / (1.0 + np.exp(log_odds_dead)))


def _expected_purchases(t, x, t_x, big_t, r, alpha, a, b):
    hyp2f1 = _scipy_special().hyp2f1
    head = (a + b + x - 1) / (a - 1)
    tail = ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1,
                                                                      t / (alpha + big_t + t))
    with np.errstate(over="ignore"):
        dead_odds = np.where(x > 0, a / (b + np.maximum(x, 1) - 1) * ((alpha + big_t) / (alpha + t_x)) ** (r + x), 0.0)
    return head * (1 - tail) / (1 + dead_odds)


def _expected_purchases_new(t, r, alpha, a, b):
    """E[X(t)] for a customer just acquired (FHL 2005, eq. 7)."""
    hyp2f1 = _scipy_special().hyp2f1
    t = np.asarray(t, dtype=np.float64)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))


def _check_a(a) -> None:
    if np.any(np.asarray(a) == 1):
        raise KpiInputError("a: the closed form divides by a - 1, which is 0 for a = 1", "div0")


def p_alive(frequency, recency, T, r, alpha, a, b):
    """Probability that a customer is still active (BG/NBD; Fader, Hardie & Lee 2008).

    ``1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))``
    for ``x = frequency > 0``, and 1 for a customer with no repeat purchase
    (in BG/NBD customers can only drop out right after a purchase).

    Parameters
    ----------
    frequency, recency, T : float or array-like
        Repeat transactions, time of the last one and age since the first
        purchase, in one unit of time (scalars or equally long ranges).
    r, alpha, a, b : float
        Fitted BG/NBD parameters (all > 0).

    Returns
    -------
    float or numpy.ndarray
        A probability 0..1 per customer (a float for scalar input).

    Raises
    ------
    KpiInputError
        Text, blanks, negative or fractional frequencies, recency > T,
        parameters that are not > 0.

    Examples
    --------
    >>> round(p_alive(2, 30.43, 38.86, 0.243, 4.414, 0.793, 2.426), 4)
    0.7266
    >>> p_alive(0, 0, 38.86, 0.243, 4.414, 0.793, 2.426)
    1.0
    """
    x, t_x, big_t = _history(frequency, recency, T)
    params = _bgnbd(r, alpha, a, b)
    return _result(_p_alive(x, t_x, big_t, *params), x, t_x, big_t)


def expected_purchases(t, frequency, recency, T, r, alpha, a, b):
    """Expected repeat purchases in the next `t` units of time (BG/NBD; FHL 2005, eq. 10).

    Parameters
    ----------
    t : float or array-like
        Length of the future period, in the unit of `recency` and `T`.
    frequency, recency, T : float or array-like
        The customer's history (see :func:`p_alive`).
    r, alpha, a, b : float
        Fitted BG/NBD parameters (all > 0, ``a != 1``).

    Returns
    -------
    float or numpy.ndarray
        Expected number of transactions in ``(T, T + t]`` per customer.

    Raises
    ------
    KpiInputError
        As :func:`p_alive`; ``a = 1`` is a #DIV/0! error.
    MissingExtraError
        Without scipy (installed by ``cskpi[predict]``).

    Examples
    --------
    >>> round(expected_purchases(39, 2, 30.43, 38.86, 0.243, 4.414, 0.793, 2.426), 4)
    1.226
    """
    horizon = _arg(t, "t")
    x, t_x, big_t = _history(frequency, recency, T)
    try:
        np.broadcast(horizon, x)
    except ValueError as exc:
        raise KpiInputError(f"t and frequency must have the same length ({exc})") from exc
    params = _bgnbd(r, alpha, a, b)
    _check_a(params[2])
    return _result(_expected_purchases(horizon, x, t_x, big_t, *params), horizon, x, t_x, big_t)


def _expected_spend(x, monetary, p, q, v):
    """Gamma-Gamma conditional mean transaction value (Fader & Hardie 2013, eq. 5)."""
    population = p * v / (q - 1)
    weight = p * x / (p * x + q - 1)
    return np.where(x > 0, (1 - weight) * population + weight * np.nan_to_num(monetary), population)


# ---------------------------------------------------------------- RFM from the Orders table


def _orders_table(orders) -> pd.DataFrame:
    if isinstance(orders, Dataset):
        table = orders.table("Orders")
        if table is None:
            raise KpiInputError(f"{orders.source}: no Orders table; predicted customer value needs one "
                                "(columns order_id, customer_id, date, amount)", "value", location="Orders")
        return table
    if not isinstance(orders, pd.DataFrame):
        raise KpiInputError(f"orders: expected the Orders table (a DataFrame) or a Dataset, "
                            f"got {type(orders).__name__}")
    return Dataset({"Orders": orders}).table("Orders")


def _time_unit(time_unit) -> float:
    key = time_unit.strip().upper() if isinstance(time_unit, str) else time_unit
    if key not in TIME_UNITS:
        raise KpiInputError(f"time_unit: {time_unit!r} is not one of {', '.join(TIME_UNITS)} (days, weeks, months)")
    return TIME_UNITS[key]


def _day(value, name: str) -> np.int64:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise KpiInputError(f"{name}: {_checks.describe(value)} is not a date (use YYYY-MM-DD)") from exc
    if pd.isna(stamp):
        raise KpiInputError(f"{name}: {_checks.describe(value)} is not a date (use YYYY-MM-DD)")
    return np.datetime64(stamp.tz_localize(None) if stamp.tzinfo else stamp, "D").astype(np.int64)


def _as_date(day) -> pd.Timestamp:
    return pd.Timestamp(np.datetime64(int(day), "D"))


@dataclass
class _Transactions:
    """Purchase days: customer codes, day numbers (days since 1970) and summed amounts, sorted."""

    ids: pd.Index
    code: np.ndarray
    day: np.ndarray
    amount: np.ndarray


def _transactions(table: pd.DataFrame) -> _Transactions:
    if not len(table):
        raise KpiInputError("Orders: the table has no row; predicted customer value needs orders", "div0",
                            location="Orders")
    codes, ids = pd.factorize(table["customer_id"].to_numpy(dtype=object))
    day = table["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    grouped = (pd.DataFrame({"code": codes, "day": day, "amount": table["amount"].to_numpy(dtype=np.float64)})
               .groupby(["code", "day"], sort=True)["amount"].sum())
    return _Transactions(pd.Index(ids), grouped.index.get_level_values(0).to_numpy(),
                         grouped.index.get_level_values(1).to_numpy(), grouped.to_numpy())


def _rfm(tx: _Transactions, end: np.int64, unit: float) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """RFM of the customers first seen by `end`; also their codes and first purchase days."""
    cal = tx.day <= end
    code, day, amount = tx.code[cal], tx.day[cal], tx.amount[cal]
    if not code.size:
        raise KpiInputError(f"calibration_end: {_as_date(end):%Y-%m-%d} is before the first order "
                            f"({_as_date(tx.day.min()):%Y-%m-%d})", "value")
    first = np.r_[True, code[1:] != code[:-1]]
    last = np.r_[code[1:] != code[:-1], True]
    customers = code[first]
    n_days = np.diff(np.r_[np.flatnonzero(first), code.size])
    frequency = n_days - 1
    repeat_value = np.add.reduceat(amount, np.flatnonzero(first)) - amount[first]
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_value / frequency, np.nan)
    frame = pd.DataFrame({
        "customer_id": tx.ids[customers].to_numpy(dtype=object),
        "frequency": frequency.astype(np.int64),
        "recency": (day[last] - day[first]) / unit,
        "T": (end - day[first]) / unit,
        "monetary": monetary,
    })
    return frame, customers, day[first]


def _calibration_end(tx: _Transactions, calibration_end) -> np.int64:
    return tx.day.max() if calibration_end is None else _day(calibration_end, "calibration_end")


def rfm_summary(orders, calibration_end=None, time_unit: str = "W") -> pd.DataFrame:
    """Per customer: repeat purchase days, recency, age and mean repeat value (DESIGN.md §11).

    Parameters
    ----------
    orders : DataFrame or Dataset
        The Orders table (order_id, customer_id, date, amount; validated as
        every kpi_core input) or a dataset holding one.
    calibration_end : date-like, optional
        Last day of the history (its orders included); default the last
        order's day.
    time_unit : {"W", "D", "M"}
        Unit of recency and T: weeks (default), days or months (365.25/12 days).

    Returns
    -------
    pandas.DataFrame
        customer_id, frequency, recency, T, monetary (NaN without a repeat
        transaction), one row per customer first seen by `calibration_end`,
        in order of first appearance in the table.

    Raises
    ------
    KpiInputError
        Bad orders (naming the column and row), no order, a bad
        `calibration_end` or `time_unit`.

    Examples
    --------
    >>> import pandas as pd
    >>> orders = pd.DataFrame({"order_id": [1, 2, 3, 4], "customer_id": ["a", "a", "a", "b"],
    ...                        "date": ["2026-01-01", "2026-01-15", "2026-01-15", "2026-01-08"],
    ...                        "amount": [10, 20, 5, 30]})
    >>> rfm_summary(orders, "2026-01-29").to_dict("records")[0]
    {'customer_id': 'a', 'frequency': 1, 'recency': 2.0, 'T': 4.0, 'monetary': 25.0}
    """
    unit = _time_unit(time_unit)
    tx = _transactions(_orders_table(orders))
    return _rfm(tx, _calibration_end(tx, calibration_end), unit)[0]


# ---------------------------------------------------------------- fitting


@dataclass
class ClvModel:
    """Fitted BG/NBD and Gamma-Gamma models with the history they were fitted on.

    Attributes
    ----------
    params : dict
        ``r, alpha, a, b`` (BG/NBD; ``alpha`` in `time_unit`) and
        ``p, q, v`` (Gamma-Gamma; ``v`` is the paper's gamma).
    time_unit : str
        ``"D"``, ``"W"`` or ``"M"``.
    calibration_end : pandas.Timestamp
        Last day of the fitted history.
    data_end : pandas.Timestamp
        Last order day of the data (later than `calibration_end` when there is a holdout).
    rfm : pandas.DataFrame
        The calibration summary (:func:`rfm_summary`).
    transaction_model, spend_model
        The fitted PyMC-Marketing ``BetaGeoModel`` and ``GammaGammaModel``.
    """

    params: dict
    time_unit: str
    calibration_end: pd.Timestamp
    data_end: pd.Timestamp
    rfm: pd.DataFrame = field(repr=False)
    first_day: np.ndarray = field(repr=False)
    #: days (since 1970) of the repeat transactions of calibration customers, the holdout included
    repeat_days: np.ndarray = field(repr=False)
    transaction_model: object = field(default=None, repr=False)
    spend_model: object = field(default=None, repr=False)

    @property
    def unit_days(self) -> float:
        """Days in one unit of time."""
        return TIME_UNITS[self.time_unit]


def _map_values(model, names) -> dict:
    posterior = model.idata.posterior
    return {n: float(np.asarray(posterior[n]).ravel()[0]) for n in names}


def _fit_map(model_class, prior, names, data: pd.DataFrame):
    model = model_class(model_config={n: prior("HalfFlat") for n in names})
    logger = logging.getLogger("pymc")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            model.fit(data, method="map", progressbar=False)
    finally:
        logger.setLevel(level)
    values = _map_values(model, names)
    if not all(math.isfinite(v) and v > 0 for v in values.values()):
        raise KpiInputError(f"the {model._model_type} fit did not converge ({values}); "
                            "the order history is too short or too regular", "num")
    return model, values


def fit_clv(orders, calibration_end=None, time_unit: str = "W") -> ClvModel:
    """Fit BG/NBD (repeat purchases) and Gamma-Gamma (spend) on the order history.

    Maximum likelihood through PyMC-Marketing (``fit(method="map")`` with
    flat priors): seconds on tens of thousands of customers, no MCMC.

    Parameters
    ----------
    orders : DataFrame or Dataset
        The Orders table or a dataset holding it (see :func:`rfm_summary`).
    calibration_end : date-like, optional
        Last day of the history the models see; orders after it are the
        holdout for :func:`clv_holdout`. Default: the last order's day.
    time_unit : {"W", "D", "M"}
        Unit of time of the model (and of `horizon` in :func:`predict_clv`).

    Returns
    -------
    ClvModel
        With ``params`` {r, alpha, a, b, p, q, v}.

    Raises
    ------
    KpiInputError
        Bad orders or arguments; no repeat purchase, or no repeat purchase
        of positive value, before `calibration_end`; a spend fit with
        ``q <= 1`` (no finite mean spend).
    MissingExtraError
        Without PyMC-Marketing (``pip install "cskpi[predict]"``).

    Examples
    --------
    >>> import kpi_core
    >>> model = fit_clv(kpi_core.sample_dataset(), time_unit="M")
    >>> sorted(model.params)
    ['a', 'alpha', 'b', 'p', 'q', 'r', 'v']
    """
    unit_key = time_unit.strip().upper() if isinstance(time_unit, str) else time_unit
    unit = _time_unit(time_unit)
    tx = _transactions(_orders_table(orders))
    end = _calibration_end(tx, calibration_end)
    rfm, customers, first_day = _rfm(tx, end, unit)
    if rfm["frequency"].sum() == 0:
        raise KpiInputError(f"Orders: no customer bought again by {_as_date(end):%Y-%m-%d}; the purchase model "
                            "needs repeat purchases (several purchase days of one customer)", "div0",
                            location="Orders")
    spenders = (rfm["frequency"] > 0) & (rfm["monetary"] > 0)
    if not spenders.any():
        raise KpiInputError("Orders: every repeat purchase has amount 0; the spend model needs positive amounts",
                            "div0", location="Orders")
    beta_geo, gamma_gamma, prior = _pymc_marketing()
    positions = np.arange(len(rfm))
    transactions, params = _fit_map(beta_geo, prior, ("r", "alpha", "a", "b"), pd.DataFrame({
        "customer_id": positions, "frequency": rfm["frequency"].to_numpy(), "recency": rfm["recency"].to_numpy(),
        "T": rfm["T"].to_numpy()}))
    spend_data = pd.DataFrame({"customer_id": positions[spenders.to_numpy()],
                               "frequency": rfm.loc[spenders, "frequency"].to_numpy(),
                               "monetary_value": rfm.loc[spenders, "monetary"].to_numpy()})
    spend, spend_params = _fit_map(gamma_gamma, prior, ("p", "q", "v"), spend_data)
    if spend_params["q"] <= 1:
        raise KpiInputError(f"the spend model's q = {spend_params['q']:.3g} is not above 1, so the mean spend is "
                            f"infinite; {int(spenders.sum())} repeat customer(s) are too few or too uneven", "num")
    known = np.zeros(len(tx.ids), dtype=bool)
    known[customers] = True
    is_first = np.r_[True, tx.code[1:] != tx.code[:-1]]
    repeat_days = tx.day[known[tx.code] & ~is_first]
    return ClvModel(params={**params, **spend_params}, time_unit=unit_key, calibration_end=_as_date(end),
                    data_end=_as_date(tx.day.max()), rfm=rfm, first_day=first_day, repeat_days=repeat_days,
                    transaction_model=transactions, spend_model=spend)


# ---------------------------------------------------------------- predictions


def _rfm_arrays(model: ClvModel):
    rfm = model.rfm
    return (rfm["frequency"].to_numpy(), rfm["recency"].to_numpy(), rfm["T"].to_numpy(), rfm["monetary"].to_numpy())


def predict_clv(model: ClvModel, horizon: float, discount_rate: float = 0.0) -> pd.DataFrame:
    """Per customer: chance of being active, expected purchases, spend and value over the horizon.

    Parameters
    ----------
    model : ClvModel
        From :func:`fit_clv`.
    horizon : float
        Length of the future period, in the model's `time_unit` (> 0).
    discount_rate : float, default 0
        Annual discount rate (0.1 = 10 % a year), applied per period of
        `time_unit`.

    Returns
    -------
    pandas.DataFrame
        :data:`PREDICTION_COLUMNS`: customer_id, frequency, recency, T,
        monetary, p_alive, expected_purchases (over the horizon),
        expected_avg_value (Gamma-Gamma mean value of a future transaction),
        clv (discounted value of the expected purchases over the horizon).

    Examples
    --------
    >>> import kpi_core
    >>> model = fit_clv(kpi_core.sample_dataset(), time_unit="M")
    >>> table = predict_clv(model, 12)
    >>> bool((table["clv"] - table["expected_purchases"] * table["expected_avg_value"]).abs().max() < 1e-9)
    True
    """
    horizon = _checks.scalar(horizon, "horizon")
    if horizon <= 0:
        raise KpiInputError(f"horizon: must be greater than 0, got {horizon:g}", "num")
    rate = _checks.scalar(discount_rate, "discount_rate")
    prm = model.params
    bg = (prm["r"], prm["alpha"], prm["a"], prm["b"])
    x, t_x, big_t, monetary = _rfm_arrays(model)
    purchases = _expected_purchases(horizon, x, t_x, big_t, *bg)
    spend = _expected_spend(x, monetary, prm["p"], prm["q"], prm["v"])
    if rate == 0:
        value = spend * purchases
    else:
        # one vectorised step per period of the horizon (the last one may be partial)
        steps = np.minimum(np.arange(1, math.ceil(horizon) + 1, dtype=np.float64), horizon)
        discount = (1.0 + rate) ** (-steps * model.unit_days / _YEAR_DAYS)
        discounted, previous = np.zeros_like(purchases), np.zeros_like(purchases)
        for step, factor in zip(steps, discount):
            cumulative = purchases if step == horizon else _expected_purchases(step, x, t_x, big_t, *bg)
            discounted += (cumulative - previous) * factor
            previous = cumulative
        value = spend * discounted
    out = model.rfm.copy()
    out["p_alive"] = _p_alive(x, t_x, big_t, *bg)
    out["expected_purchases"] = purchases
    out["expected_avg_value"] = spend
    out["clv"] = value
    return out[list(PREDICTION_COLUMNS)]


def clv_summary(predictions: pd.DataFrame, alive_threshold: float = 0.5) -> dict:
    """Totals of a :func:`predict_clv` table: customers, predicted value and purchases, share likely alive.

    ``share_likely_alive`` is the share of customers whose ``p_alive`` is at
    least `alive_threshold`; ``mean_p_alive`` the expected share still active.

    Examples
    --------
    >>> table = pd.DataFrame({"p_alive": [0.9, 0.2], "expected_purchases": [2.0, 0.5], "clv": [100.0, 10.0]})
    >>> clv_summary(table)
    {'customers': 2, 'total_clv': 110.0, 'expected_purchases': 2.5, 'share_likely_alive': 0.5, 'mean_p_alive': 0.55}
    """
    n = len(predictions)
    if n == 0:
        raise KpiInputError("predictions: no customer", "div0")
    alive = predictions["p_alive"].to_numpy()
    return {"customers": n, "total_clv": float(predictions["clv"].sum()),
            "expected_purchases": float(predictions["expected_purchases"].sum()),
            "share_likely_alive": float(np.mean(alive >= alive_threshold)), "mean_p_alive": float(alive.mean())}


# ---------------------------------------------------------------- holdout check


@dataclass
class ClvHoldout:
    """Predicted against actual repeat transactions (the calibration customers only).

    Attributes
    ----------
    periods : pandas.DataFrame
        One row per period of `time_unit` after ``calibration_end``:
        period (1, 2, ...), start, end (dates, inclusive), actual, predicted
        (sum over customers of the conditional expectation, FHL 2005 eq. 10),
        cumulative_actual, cumulative_predicted.
    tracking : pandas.DataFrame
        The same columns per period from the first customer's first
        purchase to the data's end, predicted by the unconditional
        expectation from each customer's first purchase (FHL 2005, eq. 7):
        the cumulative tracking curve.
    actual, predicted, error : float
        Holdout totals and ``predicted / actual - 1``.
    cumulative_actual, cumulative_predicted, cumulative_error : float
        The tracking curve at its last period.
    """

    periods: pd.DataFrame
    tracking: pd.DataFrame
    actual: float
    predicted: float
    error: float
    cumulative_actual: float
    cumulative_predicted: float
    cumulative_error: float


def _period_table(actual: np.ndarray, predicted_cumulative: np.ndarray, starts, ends) -> pd.DataFrame:
    return pd.DataFrame({
        "period": np.arange(1, actual.size + 1),
        "start": pd.to_datetime(np.asarray(starts, dtype=np.int64).astype("datetime64[D]")),
        "end": pd.to_datetime(np.asarray(ends, dtype=np.int64).astype("datetime64[D]")),
        "actual": actual.astype(np.float64),
        "predicted": np.diff(predicted_cumulative, prepend=0.0),
        "cumulative_actual": np.cumsum(actual).astype(np.float64),
        "cumulative_predicted": predicted_cumulative,
    })


def _relative(predicted: float, actual: float) -> float:
    return predicted / actual - 1 if actual else math.nan


def clv_holdout(model: ClvModel) -> ClvHoldout:
    """Check a model fitted with ``calibration_end`` before the data's end against the orders after it.

    Raises
    ------
    KpiInputError
        When the model has no holdout (``calibration_end`` is the last order day or later).

    Examples
    --------
    >>> import kpi_core
    >>> model = fit_clv(kpi_core.sample_dataset(), calibration_end="2026-04-30", time_unit="M")
    >>> check = clv_holdout(model)
    >>> bool(check.periods["end"].iloc[-1] == model.data_end), bool(check.actual == check.periods["actual"].sum())
    (True, True)
    """
    end = np.datetime64(model.calibration_end, "D").astype(np.int64)
    data_end = np.datetime64(model.data_end, "D").astype(np.int64)
    if data_end <= end:
        raise KpiInputError(f"calibration_end: {model.calibration_end:%Y-%m-%d} is not before the last order "
                            f"({model.data_end:%Y-%m-%d}); fit with an earlier calibration_end to keep a holdout",
                            "value")
    unit, prm = model.unit_days, model.params
    bg = (prm["r"], prm["alpha"], prm["a"], prm["b"])
    x, t_x, big_t, _ = _rfm_arrays(model)
    # holdout: period k holds days end + ((k-1)u, ku]; the conditional expectation at t = min(k u, span) / u
    span = float(data_end - end)
    k = np.arange(1, math.ceil(span / unit) + 1)
    edges = np.minimum(k * unit, span)
    later = model.repeat_days[model.repeat_days > end] - end
    actual = np.bincount(np.ceil(later / unit).astype(np.int64) - 1, minlength=k.size)[:k.size]
    predicted = np.array([_expected_purchases(e / unit, x, t_x, big_t, *bg).sum() for e in edges])
    periods = _period_table(actual, predicted, end + np.floor((k - 1) * unit) + 1, end + np.floor(edges))
    # tracking: period k holds days start + [(k-1)u, ku); expectation at min(k u, days observed) / u
    start = model.first_day.min()
    observed = float(data_end - start + 1)
    kt = np.arange(1, math.ceil(observed / unit) + 1)
    t_edges = np.minimum(kt * unit, observed)
    offsets, cohort = np.unique(model.first_day - start, return_counts=True)
    ages = np.clip(t_edges[:, None] - offsets[None, :], 0, None) / unit
    cumulative = (_expected_purchases_new(ages, *bg) * cohort[None, :]).sum(axis=1)
    seen = np.bincount(np.floor((model.repeat_days - start) / unit).astype(np.int64), minlength=kt.size)[:kt.size]
    tracking = _period_table(seen, cumulative, start + np.ceil((kt - 1) * unit), start + np.ceil(t_edges) - 1)
    total_actual, total_predicted = float(actual.sum()), float(predicted[-1])
    return ClvHoldout(periods, tracking, total_actual, total_predicted, _relative(total_predicted, total_actual),
                      float(seen.sum()), float(cumulative[-1]), _relative(float(cumulative[-1]), float(seen.sum())))


# ---------------------------------------------------------------- the CDNOW sample


def read_cdnow(path) -> pd.DataFrame:
    """The CDNOW sample file (Fader, Hardie & Lee 2005) as an Orders table.

    The file has no header and five whitespace-separated columns: master id,
    sample id, date (YYYYMMDD), number of CDs, dollar value. The sample id
    becomes ``customer_id`` and the line number ``order_id``.

    Parameters
    ----------
    path : str or Path
        ``CDNOW_sample.txt`` (or the master file in the same format).

    Returns
    -------
    pandas.DataFrame
        order_id, customer_id, date, amount: validated as every Orders table.

    Raises
    ------
    KpiInputError
        A line without five columns, a date that is not YYYYMMDD, a negative
        amount (naming the file, line and column).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cdnow.txt"
    >>> _ = path.write_text(" 00004 0001 19970101  2   29.33\\n 00004 0001 19970118  2   29.73\\n")
    >>> read_cdnow(path)["amount"].tolist()
    [29.33, 29.73]
    """
    from pathlib import Path

    path = Path(path)
    try:
        lines = path.read_text(encoding="ascii", errors="replace").splitlines()
    except OSError as exc:
        raise KpiInputError(f"{path}: cannot read the file ({exc.strerror})") from exc
    rows = [(n, line.split()) for n, line in enumerate(lines, start=1) if line.strip()]
    short = [n for n, parts in rows if len(parts) != 5]
    if short:
        raise KpiInputError(f"{path.name}, line {short[0]}: expected 5 columns (master id, customer id, date "
                            "YYYYMMDD, CDs, dollar value)", location=f"{path.name}, line {short[0]}")
    if not rows:
        raise KpiInputError(f"{path.name}: the file holds no purchase", "div0")
    numbers_of_lines = np.array([n for n, _ in rows])
    parts = np.array([p for _, p in rows], dtype=object)
    raw_dates = pd.Series(parts[:, 2], dtype=object)
    dates = pd.to_datetime(raw_dates, format="%Y%m%d", errors="coerce")
    frame = pd.DataFrame({"order_id": numbers_of_lines, "customer_id": parts[:, 1],
                          "date": dates.where(dates.notna(), raw_dates), "amount": parts[:, 4]})
    locate = {"Orders": lambda column, pos: f"{path.name}, line {int(numbers_of_lines[pos])}, column {column}"}
    return Dataset({"Orders": frame}, source=str(path), locators=locate).table("Orders")
