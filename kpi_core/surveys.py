"""Survey KPIs: NPS (with confidence intervals and a significance test), CSAT, CES.

Scores are ranges (lists, numpy arrays, pandas Series); blanks are ignored,
anything else that is not a valid answer is a :class:`KpiInputError`.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from . import _checks, _stats
from ._columns import NO_WORDS, YES_WORDS
from .errors import KpiInputError

__all__ = ["nps", "nps_ci", "nps_test", "nps_breakdown", "csat", "ces", "ces_agree", "yes_no_answers",
           "csat_positive", "positive_share", "NPS_PROMOTER_MIN", "NPS_DETRACTOR_MAX", "CSAT_POSITIVE_MIN",
           "SURVEY_SCALES", "ces_agree_min", "survey_counts", "SURVEY_COUNTS", "bin_counts"]

#: NPS answers from this score up are promoters (9 and 10).
NPS_PROMOTER_MIN = 9
#: NPS answers up to this score are detractors (0..6); the rest (7, 8) are passives.
NPS_DETRACTOR_MAX = 6
#: Default "positive" threshold of CSAT per scale maximum (DESIGN.md §8).
CSAT_POSITIVE_MIN = {5: 4, 7: 6, 10: 9}
#: Valid whole-number score range of each survey type in the Responses table (DESIGN.md §3-§4).
SURVEY_SCALES = {"NPS": (0, 10), "CSAT": (1, 5), "CES": (1, 7)}


def ces_agree_min(scale_max: int = 7) -> int:
    """The lowest CES answer that agrees the company made it easy: strictly above the midpoint.

    Examples
    --------
    >>> ces_agree_min(7), ces_agree_min(5), ces_agree_min(10)
    (5, 4, 6)
    """
    return math.floor((1 + scale_max) / 2) + 1


def yes_no_answers(values) -> tuple[np.ndarray, np.ndarray]:
    """(yes, no) masks of yes/no answers: the one rule for yes/no text (DESIGN.md §4, CSAT).

    An answer is "yes" when it is ``True`` or a word of :data:`YES_WORDS`
    (``yes``, ``oui``, ``true``, ``vrai``, ``y``, ``o``; case and surrounding
    spaces ignored), "no" when it is ``False`` or a word of :data:`NO_WORDS`.
    Anything else (numbers, blanks, other text) is neither.

    Examples
    --------
    >>> yes, no = yes_no_answers(["Oui", " no", 5, True, None, "peut-être"])
    >>> yes.tolist(), no.tolist()
    ([True, False, False, True, False, False], [False, True, False, False, False, False])
    """
    arr = np.asarray(_checks._flat(values), dtype=object)
    if arr.size == 0:
        return np.zeros(0, bool), np.zeros(0, bool)
    types = pd.Series(arr, dtype=object).map(type)
    is_text = types.isin((str, np.str_)).to_numpy()
    is_bool = types.isin((bool, np.bool_)).to_numpy()
    words = pd.Series(np.where(is_text, arr, ""), dtype=object).str.strip().str.lower()
    truth = np.zeros(arr.size, bool)
    truth[is_bool] = arr[is_bool].astype(bool)
    yes = (words.isin(YES_WORDS).to_numpy() & is_text) | (is_bool & truth)
    no = (words.isin(NO_WORDS).to_numpy() & is_text) | (is_bool & ~truth)
    return yes, no


def csat_positive(values, yes=None, no=None, scale_max: int = 5, positive_min: int | None = None) -> np.ndarray:
    """Per answer, whether it is positive: 1.0, 0.0, or NaN for a blank (the one CSAT rule).

    A yes/no answer is positive when it is "yes" (:func:`yes_no_answers`); a
    number is positive from `positive_min` up (default
    :data:`CSAT_POSITIVE_MIN` of the scale: 4 on 1..5). Values must already be
    valid answers (numbers on the scale, yes/no words or blanks); `yes`/`no`
    may pass masks already computed with :func:`yes_no_answers`.

    Examples
    --------
    >>> csat_positive([5, "no", "non", 4, None, 3]).tolist()
    [1.0, 0.0, 0.0, 1.0, nan, 0.0]
    """
    arr = np.asarray(_checks._flat(values), dtype=object)
    if yes is None or no is None:
        yes, no = yes_no_answers(arr)
    threshold = positive_min if positive_min is not None else CSAT_POSITIVE_MIN[int(scale_max)]
    numbers = pd.to_numeric(pd.Series(np.where(yes | no, None, arr), dtype=object), errors="coerce").to_numpy(float)
    with np.errstate(invalid="ignore"):
        out = np.where(np.isnan(numbers), np.nan, (numbers >= threshold).astype(float))
    return np.where(yes, 1.0, np.where(no, 0.0, out))


def positive_share(flags, what: str = "scores") -> float:
    """CSAT as the share of positive answers among the 1.0/0.0 flags (NaN ignored).

    Raises
    ------
    KpiInputError
        ``div0`` when there is no answer.

    Examples
    --------
    >>> positive_share([1.0, 0.0, float("nan"), 1.0, 0.0])
    0.5
    """
    arr = np.asarray(flags, dtype=float)
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        raise KpiInputError(f"{what}: the range holds no answer", "div0")
    return float(arr.mean())



#: the columns of :func:`survey_counts`
SURVEY_COUNTS = ("nps_promoters", "nps_passives", "nps_detractors", "nps_sum", "csat_positive", "csat_answers",
                 "ces_sum", "ces_answers")


def bin_counts(keys: np.ndarray, size: int, columns: dict) -> pd.DataFrame:
    """Sums of each column of `columns` (name -> values aligned with `keys`) per key 0..size-1.

    Keys outside 0..size-1 are left out; NaN values count 0. The one helper
    behind the per-month and per-customer-month counts of survey answers and
    tickets (:func:`survey_counts`, :func:`kpi_core.support.ticket_counts`).

    Examples
    --------
    >>> bin_counts(np.array([0, 2, 2, 5]), 3, {"n": np.ones(4)})["n"].tolist()
    [1.0, 0.0, 2.0]
    """
    keys = np.asarray(keys, dtype=np.int64)
    inside = (keys >= 0) & (keys < size)
    return pd.DataFrame({name: np.bincount(keys[inside], weights=np.nan_to_num(np.asarray(values, float)[inside]),
                                           minlength=size)
                         for name, values in columns.items()})


def survey_counts(responses: pd.DataFrame, keys, size: int) -> pd.DataFrame:
    """Answer counts of a validated Responses table per key (a month, a customer-month...).

    Parameters
    ----------
    responses : DataFrame
        The Responses table of a :class:`~kpi_core.Dataset` (validated: CSAT's
        ``positive`` flags derived).
    keys : array of int
        Each row's key in 0..size-1 (rows with another key are left out).
    size : int
        The number of keys.

    Returns
    -------
    DataFrame
        One row per key, the columns of :data:`SURVEY_COUNTS`: NPS promoters
        (from :data:`NPS_PROMOTER_MIN`), passives, detractors (up to
        :data:`NPS_DETRACTOR_MAX`) and the sum of NPS scores; positive CSAT
        answers (:func:`csat_positive`'s rule, yes/no words included) and CSAT
        answers; the sum and number of CES answers. Blank scores are no answer.

    Examples
    --------
    >>> from kpi_core import Dataset
    >>> ds = Dataset({"Responses": pd.DataFrame({"customer_id": ["a"] * 4, "date": ["2026-01-05"] * 4,
    ...     "survey": ["NPS", "NPS", "CSAT", "CSAT"], "score": [10, 3, "oui", 2]})})
    >>> survey_counts(ds.table("Responses"), np.zeros(4, int), 1).iloc[0].tolist()
    [1.0, 0.0, 1.0, 13.0, 1.0, 2.0, 0.0, 0.0]
    """
    survey = responses["survey"].to_numpy()
    score = pd.to_numeric(responses["score"], errors="coerce").to_numpy(float)
    answered = ~np.isnan(score)
    nps, ces = (survey == "NPS") & answered, (survey == "CES") & answered
    positive = responses["positive"].to_numpy(float) if "positive" in responses else np.full(len(score), np.nan)
    csat = (survey == "CSAT") & ~np.isnan(positive)
    with np.errstate(invalid="ignore"):
        return bin_counts(keys, size, {
            "nps_promoters": nps & (score >= NPS_PROMOTER_MIN),
            "nps_passives": nps & (score > NPS_DETRACTOR_MAX) & (score < NPS_PROMOTER_MIN),
            "nps_detractors": nps & (score <= NPS_DETRACTOR_MAX),
            "nps_sum": np.where(nps, score, 0.0),
            "csat_positive": csat & (positive > 0),
            "csat_answers": csat,
            "ces_sum": np.where(ces, score, 0.0),
            "ces_answers": ces,
        })


def _nps_counts(scores, name: str = "scores") -> tuple[int, int, int, int]:
    """(promoters, passives, detractors, n) of valid 0..10 NPS scores."""
    s = _checks.integer_scores(scores, name, 0, 10)
    promoters = int(np.count_nonzero(s >= NPS_PROMOTER_MIN))
    detractors = int(np.count_nonzero(s <= NPS_DETRACTOR_MAX))
    return promoters, s.size - promoters - detractors, detractors, s.size


def nps(scores) -> float:
    """Net Promoter Score of 0..10 answers, in points from -100 to 100.

    ``100 * (#promoters (9-10) - #detractors (0-6)) / #answers``; blanks are
    ignored.

    Parameters
    ----------
    scores : array-like
        Whole numbers 0..10 (blanks ignored).

    Returns
    -------
    float

    Raises
    ------
    KpiInputError
        For text, fractional or out-of-range scores, or no score at all.

    Examples
    --------
    >>> nps([10, 9, 8, 7, 6, 0, None])
    0.0
    >>> nps([10, 10, 9, 3])
    50.0
    """
    promoters, _, detractors, n = _nps_counts(scores)
    return 100.0 * (promoters - detractors) / n


def _nps_variance(promoters: float, detractors: float, n: float) -> tuple[float, float]:
    """(NPS as a fraction, variance of one answer) for the given counts."""
    p, d = promoters / n, detractors / n
    return p - d, (p + d) - (p - d) ** 2


def nps_ci(scores, confidence: float = 0.95, method: str = "wald") -> tuple[float, float]:
    """Confidence interval of the NPS, in points.

    Each answer is +1 (promoter), 0 (passive) or -1 (detractor), so one
    answer's variance is ``(p + d) - (p - d)**2`` and the NPS's standard error
    is ``100 * sqrt(Var / n)``. The interval is ``NPS ± z * SE``, clipped to
    -100..100.

    Parameters
    ----------
    scores : array-like
        Whole numbers 0..10 (blanks ignored).
    confidence : float, default 0.95
        Two-sided confidence level, strictly between 0 and 1.
    method : {"wald", "adjusted_wald"}, default "wald"
        ``"adjusted_wald"`` (Rocks 2016, MeasuringU) adds 3/4 of a promoter
        and 3/4 of a detractor (n + 3 answers) before computing both the
        centre and the standard error; it behaves far better on small samples
        and on samples with only promoters.

    Returns
    -------
    (low, high) : tuple of float

    Examples
    --------
    >>> low, high = nps_ci([10] * 50 + [8] * 30 + [3] * 20)
    >>> round(low, 2), round(high, 2)
    (14.69, 45.31)
    """
    promoters, _, detractors, n = _nps_counts(scores)
    z = _stats.z_value(confidence)
    if method == "adjusted_wald":
        centre, var = _nps_variance(promoters + 0.75, detractors + 0.75, n + 3)
        n_eff = n + 3
    elif method == "wald":
        centre, var = _nps_variance(promoters, detractors, n)
        n_eff = n
    else:
        raise KpiInputError(
            f"method: {method!r} is not one of 'wald', 'adjusted_wald'", "value"
        )
    half = z * math.sqrt(var / n_eff)
    return max(-100.0, 100.0 * (centre - half)), min(100.0, 100.0 * (centre + half))


def nps_test(scores_a, scores_b) -> float:
    """Two-sided p-value of a z-test that two NPS samples differ.

    ``z = (NPS_a - NPS_b) / (100 * sqrt(Var_a / n_a + Var_b / n_b))`` with each
    sample's per-answer variance ``(p + d) - (p - d)**2``.

    Parameters
    ----------
    scores_a, scores_b : array-like
        Two independent samples of whole numbers 0..10 (blanks ignored).

    Returns
    -------
    float
        The p-value, 0..1: small values (< 0.05) mean the NPS really differ.

    Raises
    ------
    KpiInputError
        For invalid scores, or when both samples have zero variance (every
        answer in each sample is in the same group): the test is undefined.

    Examples
    --------
    >>> round(nps_test([10] * 60 + [5] * 40, [10] * 40 + [5] * 60), 4)
    0.0039
    """
    pa, _, da, na = _nps_counts(scores_a, "scores_a")
    pb, _, db, nb = _nps_counts(scores_b, "scores_b")
    ca, va = _nps_variance(pa, da, na)
    cb, vb = _nps_variance(pb, db, nb)
    se = math.sqrt(va / na + vb / nb)
    if se == 0:
        raise KpiInputError(
            "scores_a, scores_b: both samples have zero variance, the z-test is undefined",
            "div0",
        )
    z = (ca - cb) / se
    return 2.0 * NormalDist().cdf(-abs(z))


def nps_breakdown(scores) -> pd.DataFrame:
    """Promoters, passives and detractors: counts and shares.

    Returns
    -------
    pandas.DataFrame
        Index ``["count", "share"]``, columns ``["promoters", "passives",
        "detractors", "n"]``; shares are fractions of ``n`` (``n``'s share is 1).

    Examples
    --------
    >>> nps_breakdown([10, 9, 8, 3]).loc["count"].tolist()
    [2.0, 1.0, 1.0, 4.0]
    """
    counts = np.array(_nps_counts(scores), dtype=float)
    return pd.DataFrame(
        [counts, counts / counts[3]],
        index=["count", "share"],
        columns=["promoters", "passives", "detractors", "n"],
    )


def csat(scores, scale_max: int = 5, positive_min: int | None = None) -> float:
    """Customer satisfaction: the share of positive answers (a fraction).

    Parameters
    ----------
    scores : array-like
        Whole numbers 1..`scale_max`, or yes/no answers (TRUE/FALSE, yes/no,
        oui/non; case-insensitive) where "yes" is positive. Blanks ignored.
    scale_max : int, default 5
        Top of the answer scale (1..5, 1..7, 1..10, ...).
    positive_min : int, optional
        Lowest positive answer; defaults to 4 on 1..5, 6 on 1..7, 9 on 1..10
        (required for other scales).

    Returns
    -------
    float
        Fraction 0..1 (0.8 means 80 %).

    Examples
    --------
    >>> csat([5, 4, 3, 1, None])
    0.5
    >>> csat(["oui", "non", "OUI", True])
    0.75
    """
    arr = _checks._flat(scores)
    if arr.dtype.kind in "OUSTb":
        arr = arr.astype(object)
        blank = _checks.blank_mask(arr)
        yes, no = yes_no_answers(arr)
        words = yes | no
        if words.any():
            if not (words | blank).all():
                i = int(np.argmax(~(words | blank)))
                raise KpiInputError(
                    f"scores: position {i + 1} holds {_checks.describe(arr[i])}; answers mix "
                    "yes/no with other values (use yes/no, oui/non, TRUE/FALSE or numbers, not both)",
                    "value",
                )
            return positive_share(csat_positive(arr, yes, no), "scores")
    top = int(_checks.scalar(scale_max, "scale_max", minimum=2, integer=True))
    if positive_min is None:
        if top not in CSAT_POSITIVE_MIN:
            raise KpiInputError(
                f"positive_min: required for a 1..{top} scale (defaults exist for 1..5, 1..7, 1..10)",
                "value",
            )
        threshold = CSAT_POSITIVE_MIN[top]
    else:
        threshold = int(_checks.scalar(positive_min, "positive_min", minimum=1, maximum=top, integer=True))
    s = _checks.integer_scores(arr, "scores", 1, top)
    return positive_share((s >= threshold - 1).astype(float))


def ces(scores, scale_max: int = 7) -> float:
    """Customer effort score: the mean answer on its scale.

    On the default 1..7 scale ("the company made it easy to handle my
    issue"), higher is easier.

    Parameters
    ----------
    scores : array-like
        Whole numbers 1..`scale_max` (blanks ignored).
    scale_max : int, default 7
        Top of the answer scale.

    Examples
    --------
    >>> ces([7, 6, 5, None, 2])
    5.0
    """
    top = int(_checks.scalar(scale_max, "scale_max", minimum=2, integer=True))
    s = _checks.integer_scores(scores, "scores", 1, top)
    return float(1.0 + s.sum(dtype=np.int64) / s.size)


def ces_agree(scores, scale_max: int = 7) -> float:
    """Share of CES answers that agree the company made it easy (a fraction).

    "Agree" means strictly above the neutral midpoint: answers >= 5 on 1..7,
    >= 4 on 1..5.

    Examples
    --------
    >>> ces_agree([7, 5, 4, 1])
    0.5
    """
    top = int(_checks.scalar(scale_max, "scale_max", minimum=2, integer=True))
    s = _checks.integer_scores(scores, "scores", 1, top)
    first_agree = ces_agree_min(top)
    return float(np.count_nonzero(s >= first_agree - 1) / s.size)
