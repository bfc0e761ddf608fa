"""Input conversion and validation shared by every KPI function.

Range arguments (lists, numpy arrays, pandas Series, nested lists from Excel)
become flat float arrays in which blanks are NaN; anything that is not a
number raises :class:`KpiInputError` naming the argument and the 1-based
position of the first offending value. Scalar arguments must be real numbers.
"""

from __future__ import annotations

from numbers import Real as _Real

import numpy as np
import pandas as pd

from .errors import KpiInputError


def _flat(values) -> np.ndarray:
    """Return `values` as a flat numpy array without copying numeric data."""
    if isinstance(values, (pd.Series, pd.Index)):
        return values.to_numpy()
    if isinstance(values, pd.DataFrame):
        return values.to_numpy().ravel()
    if isinstance(values, np.ndarray):
        return values.ravel()
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        return np.array([values], dtype=object)
    return np.asarray(_flatten_nested(values), dtype=object)


def _flatten_nested(values) -> list:
    out: list = []
    for v in values:
        if isinstance(v, (list, tuple, np.ndarray)):
            out.extend(_flatten_nested(v))
        else:
            out.append(v)
    return out


def _is_real(v) -> bool:
    return isinstance(v, _Real) and not isinstance(v, (bool, np.bool_))


_is_real_vec = np.frompyfunc(_is_real, 1, 1)
_is_bool_vec = np.frompyfunc(lambda v: isinstance(v, (bool, np.bool_)), 1, 1)


def describe(v) -> str:
    """Short representation of an offending value for error messages."""
    v = v.item() if isinstance(v, np.generic) else v
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        v = int(v)  # -120, not -120.0: the number as the user typed it
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def blank_mask(arr: np.ndarray) -> np.ndarray:
    """True where an object/number array holds a blank (None, NaN, NA, '')."""
    mask = np.asarray(pd.isna(arr), dtype=bool)
    if arr.dtype == object:
        mask |= np.asarray(arr == "", dtype=bool)
    return mask


def numbers_with_blanks(values, name: str) -> np.ndarray:
    """Flat float64 array of a range argument, blanks as NaN.

    Parameters
    ----------
    values : array-like
        List, nested list, numpy array or pandas Series.
    name : str
        Argument name used in error messages.

    Raises
    ------
    KpiInputError
        If a non-blank value is not a real number (text, boolean, date) or is
        infinite.
    """
    arr = _flat(values)
    kind = arr.dtype.kind
    if kind in "iu":
        return arr.astype(np.float64)
    if kind == "f":
        out = arr.astype(np.float64, copy=False)
    elif kind == "b":
        raise KpiInputError(
            f"{name}: position 1 holds the boolean {describe(arr[0])}; numbers expected",
            "value",
        )
    else:
        arr = arr.astype(object, copy=False)
        blank = blank_mask(arr)
        ok = blank | _is_real_vec(arr).astype(bool)
        if not ok.all():
            i = int(np.argmin(ok))
            what = "text" if isinstance(arr[i], str) else type(arr[i]).__name__
            raise KpiInputError(
                f"{name}: position {i + 1} holds {what} {describe(arr[i])}; numbers expected",
                "value",
            )
        out = np.where(blank, np.nan, arr).astype(np.float64)
    if np.isinf(out).any():
        i = int(np.argmax(np.isinf(out)))
        raise KpiInputError(f"{name}: position {i + 1} is infinite", "num")
    return out


def numbers(values, name: str, *, minimum: float | None = None) -> np.ndarray:
    """Non-blank values of a range argument as float64 (blanks dropped).

    Raises :class:`KpiInputError` for text, for values below `minimum`, and
    for a range with no value at all (``kind="div0"``, as Excel's AVERAGE).
    """
    full = numbers_with_blanks(values, name)
    keep = ~np.isnan(full)
    if minimum is not None:
        bad = keep & (full < minimum)
        if bad.any():
            i = int(np.argmax(bad))
            raise KpiInputError(
                f"{name}: position {i + 1} is {describe(full[i])}, below the minimum {minimum:g}",
                "num",
            )
    out = full[keep]
    if out.size == 0:
        raise KpiInputError(f"{name}: the range holds no value", "div0")
    return out


def integer_scores(values, name: str, lo: int, hi: int) -> np.ndarray:
    """Non-blank whole-number scores in ``lo..hi`` as int8 offsets ``score - lo``.

    Callers count answers with comparisons on the small int8 array (fast).
    Float input costs one cast and one comparison; integer input a min, a
    max and one cast.

    Raises
    ------
    KpiInputError
        Text (``value``), a fraction or an out-of-range score (``num``), or an
        empty range (``div0``).
    """
    arr = _flat(values)
    if arr.dtype.kind not in "iuf":
        arr = numbers_with_blanks(arr, name)
    small_type = np.int8 if -128 <= lo and hi <= 127 else np.int64
    if arr.dtype.kind in "iu":
        if arr.size and (arr.min() < lo or arr.max() > hi):
            _raise_first_bad(arr.astype(np.float64), name, lo, hi)
        small = arr.astype(small_type)
    else:
        small, exact = _cast_exact(arr, small_type)
        if not exact:
            ok = small == arr
            if (~ok & ~np.isnan(arr)).any():
                _raise_first_bad(arr, name, lo, hi)
            small = small[ok]
        if small.size and (small.min() < lo or small.max() > hi):
            _raise_first_bad(arr, name, lo, hi)
    if small.size == 0:
        raise KpiInputError(f"{name}: the range holds no score", "div0")
    return small - small_type(lo) if lo else small


_CHUNK = 1 << 17


def _cast_exact(arr: np.ndarray, dtype) -> tuple[np.ndarray, bool]:
    """`arr` cast to `dtype`, and whether every value survived the cast exactly.

    Works chunk by chunk so that the cast and the check read each chunk
    while it is still in cache (one pass over memory instead of two).
    NaN, fractions and out-of-range values make the result inexact.
    """
    out = np.empty(arr.size, dtype=dtype)
    exact = True
    with np.errstate(invalid="ignore"):
        for start in range(0, arr.size, _CHUNK):
            src, dst = arr[start:start + _CHUNK], out[start:start + _CHUNK]
            np.copyto(dst, src, casting="unsafe")
            exact = exact and np.array_equal(dst, src)
    return out, exact


def _raise_first_bad(arr: np.ndarray, name: str, lo: int, hi: int) -> None:
    if np.isinf(arr).any():
        numbers_with_blanks(arr, name)  # raises the infinite-value error
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(arr) & ((arr != np.round(arr)) | (arr < lo) | (arr > hi))
    i = int(np.argmax(bad))
    v = arr[i]
    why = "not a whole number" if v != round(v) else f"outside {lo}..{hi}"
    raise KpiInputError(
        f"{name}: position {i + 1} is {describe(v)}, {why}; scores must be whole numbers {lo}..{hi}",
        "num",
    )


def scalar(
    value,
    name: str,
    *,
    minimum: float | None = 0.0,
    maximum: float | None = None,
    integer: bool = False,
) -> float:
    """Validate one scalar argument and return it as a float.

    Accepts Python and numpy real numbers (and one-element ranges, as Excel
    passes a single cell). Booleans, text, blanks, NaN and infinities are
    errors (#VALUE!); numbers outside ``minimum..maximum`` or fractional
    counts are #NUM! errors.
    """
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        flat = _flat(value)
        if flat.size != 1:
            raise KpiInputError(f"{name}: expected one number, got {flat.size} values", "value")
        value = flat[0]
    if value is None or (isinstance(value, float) and np.isnan(value)):
        raise KpiInputError(f"{name}: missing (blank) value; a number is required", "value")
    if not _is_real(value):
        what = "text" if isinstance(value, str) else type(value).__name__
        raise KpiInputError(f"{name}: {what} {describe(value)} is not a number", "value")
    x = float(value)
    if not np.isfinite(x):
        raise KpiInputError(f"{name}: {describe(value)} is not a finite number", "num")
    if minimum is not None and x < minimum:
        raise KpiInputError(f"{name}: {x:g} is below the minimum {minimum:g}", "num")
    if maximum is not None and x > maximum:
        raise KpiInputError(f"{name}: {x:g} is above the maximum {maximum:g}", "num")
    if integer and x != int(x):
        raise KpiInputError(f"{name}: {x:g} is not a whole number (it counts things)", "num")
    return x


def ratio(numerator: float, denominator: float, what: str, denominator_name: str) -> float:
    """``numerator / denominator``; a zero denominator is a #DIV/0! error."""
    if denominator == 0:
        raise KpiInputError(f"{what}: {denominator_name} is 0, the ratio is undefined", "div0")
    return numerator / denominator


def not_more_than(part: float, part_name: str, whole: float, whole_name: str) -> None:
    """Raise #NUM! when a part (lost customers, say) exceeds its whole."""
    if part > whole:
        raise KpiInputError(
            f"{part_name} ({part:g}) cannot exceed {whole_name} ({whole:g})", "num"
        )


def outcomes_with_blanks(values, name: str) -> np.ndarray:
    """Flat float64 array of 0/1 outcomes (TRUE/FALSE accepted), blanks as NaN.

    Raises
    ------
    KpiInputError
        Text (``value``), or a number other than 0 and 1 (``num``), naming the
        1-based position.
    """
    arr = _flat(values)
    if arr.dtype.kind == "b":
        return arr.astype(np.float64)
    if arr.dtype.kind == "O":
        is_bool = _is_bool_vec(arr).astype(bool)
        if is_bool.any():
            arr = arr.copy()
            arr[is_bool] = arr[is_bool].astype(np.float64)  # TRUE -> 1, FALSE -> 0
    out = numbers_with_blanks(arr, name)
    bad = ~np.isnan(out) & (out != 0) & (out != 1)
    if bad.any():
        i = int(np.argmax(bad))
        raise KpiInputError(f"{name}: position {i + 1} is {describe(out[i])}; outcomes are 1 or TRUE (churned), "
                            "0 or FALSE (stayed)", "num")
    return out
