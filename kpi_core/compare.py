"""Is it good, is it getting better: previous period, benchmark bands, directions, targets (DESIGN.md §9).

- :func:`~kpi_core.periods.previous_period` (in :mod:`kpi_core.periods`, the home of period
  arithmetic): the n months just before an n-month report period.
- Benchmark bands: one table (columns ``kpi``, ``threshold``, ``inclusive``,
  ``label``, ``label_fr``, ``colour``), the defaults of DESIGN.md §9 shipped
  as data in ``kpi_core/benchmarks.toml``; :func:`benchmark_band` finds a
  value's band.
- The direction of every headline KPI (:data:`kpi_core.catalogue.HIGHER_IS_BETTER`) is used by
  :func:`target_met` (and by reports that colour a change).
- :func:`kpi_change` and :func:`compare_kpis`: current against previous, with
  band and target, one row per KPI.

The band rule: a KPI's bands are ordered by threshold (the lowest band, whose
threshold is blank, first; at equal thresholds the inclusive one,
``value >= threshold``, before the exclusive one, ``value > threshold``), and
a value's band is the last one whose condition holds. A condition that holds
implies that every earlier one holds, so the band never goes down when the
value goes up. With the §9 defaults, NRR 1.00 exactly is "Break-even" and
NRR 1.0000001 is "Excellent": bands compare the computed value as it is,
unrounded.
"""

from __future__ import annotations

import math
import sys
from functools import lru_cache
from numbers import Real
from pathlib import Path

import numpy as np
import pandas as pd

from . import _checks
from ._columns import NO_WORDS, YES_WORDS
from .errors import KpiInputError
from .catalogue import HEADLINE_KEYS, HIGHER_IS_BETTER

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "BAND_COLUMNS", "BAND_COLOURS", "DEFAULT_BANDS_PATH",
    "default_bands", "validate_bands", "load_bands", "benchmark_band", "kpi_change", "target_met",
    "check_targets", "load_targets", "compare_kpis",
]

#: Columns of a bands table, in order (``label_fr`` is optional on input: the English label when blank).
BAND_COLUMNS = ("kpi", "threshold", "inclusive", "label", "label_fr", "colour")
#: The colours a band may have.
BAND_COLOURS = ("red", "amber", "green")
#: The bundled default bands (DESIGN.md §9).
DEFAULT_BANDS_PATH = Path(__file__).with_name("benchmarks.toml")


def _key(key, name: str = "kpi") -> str:
    if not isinstance(key, str) or key not in HEADLINE_KEYS:
        raise KpiInputError(f"{name}: {key!r} is not a headline KPI (known: {', '.join(HEADLINE_KEYS)})", "value")
    return key


def _missing(value) -> bool:
    return value is None or (isinstance(value, Real) and not isinstance(value, bool) and math.isnan(value))


# ------------------------------------------------------------------------------------- bands


def _text(value) -> str:
    """A cell as stripped text ("" when blank)."""
    if _missing(value):
        return ""
    return value.strip() if isinstance(value, str) else str(value).strip()


def _threshold(value, where: str) -> float:
    if _missing(value) or (isinstance(value, str) and not value.strip()):
        return math.nan
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            raise KpiInputError(f"{where}: threshold {value!r} is not a number", "value") from None
    return _checks.scalar(value, f"{where}: threshold", minimum=None)


def _inclusive(value, where: str) -> bool:
    if _missing(value) or (isinstance(value, str) and not value.strip()):
        return False
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    word = str(value).strip().lower()
    if word in YES_WORDS | {"1"}:
        return True
    if word in NO_WORDS | {"0"}:
        return False
    raise KpiInputError(f"{where}: inclusive {value!r} is not TRUE or FALSE", "value")


def validate_bands(table, source: str = "bands table", first_row: int = 1, row: str = "row") -> pd.DataFrame:
    """A checked, ordered copy of a benchmark bands table.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``kpi`` (a headline key), ``threshold`` (a number; blank for
        the KPI's lowest band, which always holds), ``inclusive`` (TRUE:
        ``value >= threshold``; FALSE or blank: ``value > threshold``),
        ``label`` (English), ``colour`` (red, amber or green), optionally
        ``label_fr`` (French; the English label when blank). Other columns
        are ignored. ``kpi`` and ``colour`` are read case-insensitively.
    source : str
        The table's name in messages.
    first_row : int
        The number messages give the table's first row (2 for a CSV file
        whose line 1 is the header).
    row : str
        What messages call a row ("row"; "band" for a TOML file's ``[[band]]`` tables).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`BAND_COLUMNS`; each KPI's rows together (KPIs in order
        of first appearance), in band order: the lowest band first, then by
        threshold, inclusive before exclusive at equal thresholds.

    Raises
    ------
    KpiInputError
        Naming the row: a missing column, a KPI that is not a headline KPI,
        a threshold that is not a number, an inclusive that is not
        TRUE/FALSE, a blank label, an unknown colour, two bands of a KPI with
        the same threshold and inclusiveness, or a KPI without exactly one
        lowest (blank-threshold) band.

    Examples
    --------
    >>> t = validate_bands(pd.DataFrame({"kpi": ["nps", "NPS"], "threshold": [30, None],
    ...                                  "inclusive": [False, False], "label": ["Good", "Poor"],
    ...                                  "colour": ["Green", "red"]}))
    >>> t[["kpi", "threshold", "label", "label_fr", "colour"]].values.tolist()
    [['nps', nan, 'Poor', 'Poor', 'red'], ['nps', 30.0, 'Good', 'Good', 'green']]
    """
    if not isinstance(table, pd.DataFrame):
        raise KpiInputError(f"{source}: expected a table (DataFrame), got {type(table).__name__}", "value")
    columns = [str(c).strip() for c in table.columns]
    frame = table.set_axis(columns, axis=1)
    missing = [c for c in BAND_COLUMNS if c not in frame and c != "label_fr"]
    if missing:
        raise KpiInputError(f"{source}: missing column(s) {', '.join(missing)} "
                            f"(columns found: {', '.join(columns) or 'none'})", "value")
    rows = []
    seen: dict = {}
    lowest: dict = {}
    for i, rec in enumerate(frame.to_dict("records")):
        where = f"{source}, {row} {i + first_row}"
        kpi = _text(rec["kpi"]).lower()
        if not kpi:
            raise KpiInputError(f"{where}: kpi is blank", "value")
        _key(kpi, f"{where}: kpi")
        threshold = _threshold(rec["threshold"], where)
        inclusive = False if math.isnan(threshold) else _inclusive(rec["inclusive"], where)
        label = _text(rec["label"])
        if not label:
            raise KpiInputError(f"{where}: label is blank", "value")
        label_fr = _text(rec.get("label_fr")) or label
        colour = _text(rec["colour"]).lower()
        if colour not in BAND_COLOURS:
            raise KpiInputError(f"{where}: colour {rec['colour']!r} is not one of {', '.join(BAND_COLOURS)}",
                                "value")
        ident = (kpi, "lowest" if math.isnan(threshold) else (threshold, inclusive))
        if ident in seen:
            what = "a second lowest band (blank threshold)" if math.isnan(threshold) else (
                f"a second band at {'>=' if inclusive else '>'} {threshold:g}")
            raise KpiInputError(f"{where}: {what} for {kpi} (first at {row} {seen[ident]})", "value")
        seen[ident] = i + first_row
        if math.isnan(threshold):
            lowest[kpi] = i + first_row
        rows.append((kpi, threshold, inclusive, label, label_fr, colour))
    out = pd.DataFrame(rows, columns=list(BAND_COLUMNS))
    out = out.astype({"threshold": float, "inclusive": bool})
    for kpi in dict.fromkeys(out["kpi"]):
        if kpi not in lowest:
            raise KpiInputError(f"{source}: {kpi} has no lowest band (a row with a blank threshold, which holds "
                                "for every value below the others)", "value")
    order = pd.DataFrame({
        "kpi": pd.Categorical(out["kpi"], categories=list(dict.fromkeys(out["kpi"]))),
        "t": out["threshold"].fillna(-np.inf), "exclusive": ~out["inclusive"]})
    return out.loc[order.sort_values(["kpi", "t", "exclusive"], kind="stable").index].reset_index(drop=True)


def load_bands(path) -> pd.DataFrame:
    """Read and check a bands table from TOML (``[[band]]`` rows) or CSV (one row per band).

    The TOML layout is that of ``kpi_core/benchmarks.toml`` (the defaults);
    a CSV has the columns of :func:`validate_bands` in a header line.

    Raises
    ------
    KpiInputError
        An unreadable file, a file that is neither .toml nor .csv, or any
        problem :func:`validate_bands` names (with the file and row).

    Examples
    --------
    >>> load_bands(DEFAULT_BANDS_PATH).equals(default_bands())
    True
    """
    path = Path(path)
    try:
        if path.suffix.lower() == ".toml":
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            extra = set(data) - {"band"}
            if extra or not isinstance(data.get("band", []), list):
                raise KpiInputError(f"{path.name}: expected only [[band]] tables, found {sorted(extra)}", "value")
            frame = pd.DataFrame(data.get("band", []), columns=None)
            for column in BAND_COLUMNS:
                if column not in frame and column in ("threshold", "inclusive", "label_fr"):
                    frame[column] = None
            return validate_bands(frame, path.name, first_row=1, row="band")
        if path.suffix.lower() == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            return validate_bands(frame, path.name, first_row=2)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        raise KpiInputError(f"{path}: {exc}", "value") from exc
    raise KpiInputError(f"{path}: expected a .toml or .csv bands file", "value")


@lru_cache(maxsize=1)
def _default_bands() -> pd.DataFrame:
    return load_bands(DEFAULT_BANDS_PATH)


def default_bands() -> pd.DataFrame:
    """The default benchmark bands of DESIGN.md §9 (a fresh copy, in band order).

    Examples
    --------
    >>> bands = default_bands()
    >>> bands.columns.tolist()
    ['kpi', 'threshold', 'inclusive', 'label', 'label_fr', 'colour']
    >>> bands[bands["kpi"] == "nrr"][["threshold", "inclusive", "label"]].values.tolist()
    [[nan, False, 'Losing revenue'], [1.0, True, 'Break-even'], [1.0, False, 'Excellent'], [1.2, False, 'SaaS leader']]
    """
    return _default_bands().copy()


def benchmark_band(kpi: str, value, bands=None) -> tuple[str, str] | None:
    """The benchmark band of a KPI value: (label, colour).

    Parameters
    ----------
    kpi : str
        A headline key (``"nrr"``, ``"nps"``, ``"csat"``, ``"fcr"``, ...).
    value : float or None
        The KPI's value in its own unit (NRR 1.04, NPS 32.0, CSAT 0.85).
    bands : pandas.DataFrame, optional
        A bands table (:func:`validate_bands`); the defaults of DESIGN.md §9
        when None.

    Returns
    -------
    (str, str) or None
        English label and colour (red, amber, green) of the last band of
        the KPI whose condition holds (see the module docstring); None for a
        blank value (None or NaN) or a KPI that has no bands.

    Raises
    ------
    KpiInputError
        `kpi` is not a headline key, `value` is not a number, or `bands` is
        not a valid bands table.

    Examples
    --------
    >>> benchmark_band("nrr", 0.97), benchmark_band("nrr", 1.0), benchmark_band("nrr", 1.25)
    (('Losing revenue', 'red'), ('Break-even', 'amber'), ('SaaS leader', 'green'))
    >>> benchmark_band("nps", 0), benchmark_band("nps", 50.5)
    (('Needs work', 'red'), ('Excellent', 'green'))
    >>> benchmark_band("mrr", 1000) is None, benchmark_band("nps", None) is None
    (True, True)
    """
    _key(kpi)
    return _band(_default_bands() if bands is None else validate_bands(bands), kpi, value)


def _band(table: pd.DataFrame, kpi: str, value) -> tuple[str, str] | None:
    """benchmark_band over a validated bands table."""
    if _missing(value):
        return None
    v = _checks.scalar(value, f"{kpi} value", minimum=None)
    rows = table[table["kpi"] == kpi]
    if rows.empty:
        return None
    threshold = rows["threshold"].to_numpy()
    with np.errstate(invalid="ignore"):
        holds = np.isnan(threshold) | np.where(rows["inclusive"].to_numpy(), v >= threshold, v > threshold)
    last = int(np.flatnonzero(holds)[-1])
    return str(rows["label"].iloc[last]), str(rows["colour"].iloc[last])


# ------------------------------------------------------------------------------------- change, targets


def kpi_change(key: str, current, previous) -> float | None:
    """current - previous, in the KPI's own unit (:data:`KPI_UNITS`); None when either is blank.

    The change of a rate is a difference of fractions (0.012 = 1.2 percentage
    points), of NPS a difference in points, of anything else a plain
    difference (never a relative change).

    Examples
    --------
    >>> round(kpi_change("logo_churn", 0.031, 0.025), 6)
    0.006
    >>> kpi_change("nps", 32.0, 40.0)
    -8.0
    >>> kpi_change("nrr", 1.02, None) is None
    True
    """
    _key(key, "key")
    if _missing(current) or _missing(previous):
        return None
    return (_checks.scalar(current, f"{key} current", minimum=None)
            - _checks.scalar(previous, f"{key} previous", minimum=None))


def target_met(key: str, value, target) -> bool | None:
    """Whether a KPI value meets its target: ``>=`` where higher is better, ``<=`` where lower is.

    Returns None when the value or the target is blank (None or NaN), or the
    KPI has no direction (:data:`HIGHER_IS_BETTER`).

    Examples
    --------
    >>> target_met("nrr", 1.05, 1.05), target_met("logo_churn", 0.031, 0.03), target_met("nps", 30, None)
    (True, False, None)
    """
    _key(key, "key")
    higher = HIGHER_IS_BETTER.get(key)
    if _missing(value) or _missing(target) or higher is None:
        return None
    v = _checks.scalar(value, f"{key} value", minimum=None)
    t = _checks.scalar(target, f"{key} target", minimum=None)
    return bool(v >= t) if higher else bool(v <= t)


def check_targets(targets) -> dict:
    """A checked copy of user targets: headline key -> number (a blank target is left out).

    Raises
    ------
    KpiInputError
        A key that is not a headline KPI, or a target that is not a number.

    Examples
    --------
    >>> check_targets({"nrr": 1.1, "nps": None})
    {'nrr': 1.1}
    """
    if targets is None:
        return {}
    if not isinstance(targets, dict):
        raise KpiInputError(f"targets: expected KPI -> number, got {type(targets).__name__}", "value")
    out = {}
    for key, value in targets.items():
        _key(key, "targets")
        if not _missing(value):
            out[key] = _checks.scalar(value, f"targets: {key}", minimum=None)
    return out


def load_targets(path) -> dict:
    """Targets from TOML (``nrr = 1.10`` lines, optionally under ``[targets]``) or CSV (columns kpi, target).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "targets.toml"
    >>> _ = p.write_text("[targets]\\nnrr = 1.10\\nlogo_churn = 0.02\\n")
    >>> load_targets(p)
    {'nrr': 1.1, 'logo_churn': 0.02}
    """
    path = Path(path)
    try:
        if path.suffix.lower() == ".toml":
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            data = data["targets"] if set(data) == {"targets"} else data
        elif path.suffix.lower() == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            if not {"kpi", "target"} <= set(frame.columns):
                raise KpiInputError(f"{path.name}: expected columns kpi, target "
                                    f"(found: {', '.join(frame.columns)})", "value")
            data = {}
            for i, (kpi, target) in enumerate(zip(frame["kpi"], frame["target"])):
                try:
                    data[kpi.strip().lower()] = float(target.replace(",", ".")) if target.strip() else None
                except ValueError:
                    raise KpiInputError(f"{path.name}, row {i + 2}: target {target!r} is not a number",
                                        "value") from None
        else:
            raise KpiInputError(f"{path}: expected a .toml or .csv targets file", "value")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        raise KpiInputError(f"{path}: {exc}", "value") from exc
    try:
        return check_targets(data)
    except KpiInputError as err:
        raise KpiInputError(f"{path.name}: {err}", err.kind) from None


def compare_kpis(current: dict, previous: dict, bands=None, targets=None) -> pd.DataFrame:
    """Current against previous headline KPIs, one row per KPI, with band and target.

    Parameters
    ----------
    current, previous : dict
        :func:`kpi_core.headline_kpis` of the report period and of its
        :func:`previous_period`.
    bands : pandas.DataFrame, optional
        Bands table (defaults of DESIGN.md §9 when None).
    targets : dict, optional
        Headline key -> target (:func:`check_targets`).

    Returns
    -------
    pandas.DataFrame
        One row per key of `current`, in :data:`~kpi_core.HEADLINE_KEYS`
        order: ``kpi``, ``current``, ``previous``, ``change``
        (:func:`kpi_change`; NaN where undefined), ``band``, ``colour``
        (:func:`benchmark_band` of the current value; None without one),
        ``target`` (NaN without one) and ``target_met`` (True, False or None).

    Examples
    --------
    >>> t = compare_kpis({"nrr": 1.05, "nps": 20.0}, {"nrr": 0.98, "nps": None}, targets={"nrr": 1.1})
    >>> t[["kpi", "band", "target_met"]].values.tolist()
    [['nrr', 'Excellent', False], ['nps', 'Good', None]]
    >>> round(float(t["change"].iloc[0]), 4), t["change"].isna().tolist()
    (0.07, [False, True])
    """
    table = _default_bands() if bands is None else validate_bands(bands)
    targets = check_targets(targets)
    keys = [k for k in HEADLINE_KEYS if k in current]
    unknown = set(current) - set(keys)
    if unknown:
        _key(sorted(unknown)[0], "current")
    rows = []
    for key in keys:  # one row per KPI: about twenty, not a data-sized loop
        cur, prev = current[key], previous.get(key)
        band = _band(table, key, cur)
        rows.append((key, cur, prev, kpi_change(key, cur, prev), *(band or (None, None)), targets.get(key),
                     target_met(key, cur, targets.get(key))))
    columns = ["kpi", "current", "previous", "change", "band", "colour", "target", "target_met"]
    out = pd.DataFrame(rows, columns=columns)
    out[["current", "previous", "change", "target"]] = out[["current", "previous", "change", "target"]].astype(float)
    for column in ("band", "colour", "target_met"):  # text and flags: None where there is none, never NaN
        out[column] = pd.Series([r[columns.index(column)] for r in rows], dtype=object)
    return out
