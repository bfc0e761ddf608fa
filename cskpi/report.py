"""Terminal, JSON and CSV output of ``cskpi kpis``: headline, comparison (--compare) and breakdown (--by).

Each view is one DataFrame built by kpi_core (:func:`kpi_core.headline_kpis`,
:func:`kpi_core.compare_kpis`, :func:`kpi_core.kpis_by`); this module only
formats it. ``--csv`` writes the same DataFrame with its numbers unformatted
(rates as fractions, NPS in points), atomically.
"""

from __future__ import annotations

import json
import math
import sys

import pandas as pd

import kpi_core

__all__ = ["FORMATS", "fmt", "fmt_change", "headline_table", "print_headline", "print_compare", "print_by",
           "write_csv", "json_records", "dump_json", "print_grid"]

#: Display label and number format of every headline KPI in the terminal (from kpi_core's one catalogue).
FORMATS = {key: (kpi.name, kpi.format) for key, kpi in kpi_core.KPIS.items()}

_UNDEFINED_NOTE = "  n/a: undefined for this period (its denominator is 0, e.g. no answer or no loss)."


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


#: number style -> (scale, format of a value, its unit, format of a change, its unit)
_STYLES = {
    "pct": (100, ",.1f", " %", "+,.1f", " pp"),
    "money": (1, ",.2f", "", "+,.2f", ""),
    "int": (1, "+,.0f", "", "+,.0f", ""),
    "points": (1, "+.1f", "", "+.1f", " pts"),
}
_OTHER = (1, ",.2f", "", "+,.2f", "")


def _format(value, kind: str, change: bool) -> str:
    if _blank(value):
        return "n/a"
    scale, spec, unit, change_spec, change_unit = _STYLES.get(kind, _OTHER)
    return f"{value * scale:{change_spec if change else spec}}{change_unit if change else unit}"


def fmt(value, kind: str) -> str:
    """A KPI value for the terminal: rates as percentages, NPS as signed points, "n/a" when undefined.

    Examples
    --------
    >>> fmt(0.0312, "pct"), fmt(12.0, "points"), fmt(None, "money")
    ('3.1 %', '+12.0', 'n/a')
    """
    return _format(value, kind, change=False)


def fmt_change(value, kind: str) -> str:
    """A change for the terminal: percentage points for rates, points for NPS, a signed difference otherwise.

    Examples
    --------
    >>> fmt_change(0.012, "pct"), fmt_change(-8.0, "points"), fmt_change(1500.0, "money")
    ('+1.2 pp', '-8.0 pts', '+1,500.00')
    """
    return _format(value, kind, change=True)


def headline_table(kpis: dict) -> pd.DataFrame:
    """The headline KPIs as a table: columns ``kpi`` (headline key) and ``value`` (NaN when undefined).

    Examples
    --------
    >>> headline_table({"nrr": 1.02, "nps": None}).values.tolist()
    [['nrr', 1.02], ['nps', nan]]
    """
    return pd.DataFrame({"kpi": list(kpis), "value": pd.Series(list(kpis.values()), dtype=float)})


def print_headline(source: str, period, kpis: dict) -> None:
    """The plain ``cskpi kpis`` output: one line per headline KPI."""
    print(f"Headline KPIs: {source}, period {period.label}")
    width = max(len(label) for label, _ in FORMATS.values())
    for key, value in kpis.items():
        label, kind = FORMATS[key]
        print(f"  {label:<{width}}  {fmt(value, kind):>16}")
    if any(v is None for v in kpis.values()):
        print(_UNDEFINED_NOTE)


def print_grid(header: list[str], rows: list[list[str]], left=(0,)) -> None:
    """Columns padded to their widest cell; the `left` columns (text) left-aligned, the others right."""
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]

    def line(cells):
        return ("  " + "  ".join(f"{c:<{w}}" if j in left else f"{c:>{w}}"
                                 for j, (c, w) in enumerate(zip(cells, widths)))).rstrip()

    print(line(header))
    for row in rows:
        print(line(row))


def print_compare(source: str, period, previous, table: pd.DataFrame) -> None:
    """The ``--compare`` view: KPI, current, previous, change and band (target and met when set)."""
    print(f"Headline KPIs: {source}, period {period.label} vs previous period {previous.label}")
    with_targets = table["target"].notna().any()
    header = ["KPI", "current", "previous", "change", "band"] + (["target", "met"] if with_targets else [])
    rows = []
    for rec in table.to_dict("records"):
        label, kind = FORMATS[rec["kpi"]]
        row = [label, fmt(rec["current"], kind), fmt(rec["previous"], kind), fmt_change(rec["change"], kind),
               rec["band"] or ""]
        if with_targets:
            met = rec["target_met"]
            row += [fmt(rec["target"], kind) if not _blank(rec["target"]) else "",
                    "" if met is None else "yes" if met else "no"]
        rows.append(row)
    print_grid(header, rows, left=(0, 4))
    if table[["current", "previous"]].isna().any().any():
        print("  n/a: undefined for that period (its denominator is 0, e.g. no answer, no loss, or no data yet).")


def print_by(source: str, period, by: str, table: pd.DataFrame) -> None:
    """The ``--by`` view: one row per group, the columns of :func:`kpi_core.kpis_by`."""
    print(f"Headline KPIs by {by}: {source}, period {period.label} (Funnel and Acquisition are company-level: "
          "left out)")
    keys = [c for c in table.columns if c in FORMATS]
    header = [by] + (["customers"] if "customers" in table else []) + keys
    rows = []
    for rec in table.to_dict("records"):
        row = [str(rec[by])] + ([f"{rec['customers']:,}"] if "customers" in table else [])
        rows.append(row + [fmt(rec[k], FORMATS[k][1]) for k in keys])
    print_grid(header, rows)
    if table[keys].isna().any().any():
        print("  n/a: undefined for that group (its denominator is 0, or the group has no row of its table).")


def json_records(table: pd.DataFrame) -> list[dict]:
    """Rows of a table as JSON-ready dicts: NaN becomes None, numpy numbers Python numbers.

    Examples
    --------
    >>> json_records(pd.DataFrame({"kpi": ["nps"], "value": [float("nan")]}))
    [{'kpi': 'nps', 'value': None}]
    """
    return json.loads(table.to_json(orient="records", force_ascii=False))


def write_csv(table: pd.DataFrame, path) -> None:
    """Write `table` as CSV (UTF-8, numbers unformatted), atomically: complete or not at all.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "kpis.csv"
    >>> write_csv(headline_table({"nrr": 1.02}), p)
    >>> p.read_text().splitlines()
    ['kpi,value', 'nrr,1.02']
    """
    from kpi_core.files import atomic_output

    with atomic_output(path) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")


def dump_json(payload: dict) -> None:
    """Print a JSON document on stdout."""
    json.dump(payload, sys.stdout, indent=2)
    print()
