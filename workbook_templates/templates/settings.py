"""The Settings sheet (the user's inputs) and the data sheets (the tables of DESIGN.md §3).

Both are written once by a build and kept by Refresh (``computed=False``).

Settings holds the report period (``PeriodStart``, ``PeriodEnd``: B4 and B5),
the health configuration (one row per component of :data:`kpi_core.COMPONENTS`:
``HealthWeights``, ``HealthFloors``, ``HealthTargets``; then ``RedBelow``,
``GreenFrom``, ``RiskDrop``), ``NpsConfidence``, ``ClvYears``, ``Currency`` and
two editable tables the Dashboard reads: ``Bands`` (``BandsArea``) and
``Targets`` (``TargetsArea``). Its month list validation reads ``MonthList``
(defined on the calc_charts helper, which Refresh rewrites when months are added).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter as L

import kpi_core
from kpi_core import COMPONENTS, KpiInputError

from ..spec.layout import Block, Validation, formula
from .builder import Built, SheetBuilder
from .context import DATA_ORDER, Context

__all__ = ["SETTINGS", "DATA", "EXCEL_MAX_ROWS", "SETTINGS_ROOM"]

#: rows of an Excel (and LibreOffice) sheet
EXCEL_MAX_ROWS = 1_048_576
#: rows the Bands table may grow to and Refresh still reads
SETTINGS_ROOM = 60
#: the period rows (B4, B5: users and the docs refer to them)
_PERIOD_ROW = 4
#: first row of the health configuration table (its header; one row per component below)
_HEALTH_HEAD = 9
#: columns of each data table's money, share and month columns, as they are styled
_MONEY_COLUMNS = ("mrr", "amount", "marketing_spend", "sales_spend")
_DATE_WIDTHS = {"datetime": 18, "date": 12, "month": 11}  # a date-time shows ### below 17 characters


def _settings(ctx: Context, _) -> Built:
    s = ctx.sheet("settings", computed=False, tab_color="FFC000")
    names: dict = {}
    s.set(1, 1, ctx.t("settings"), "title")
    s.set(2, 1, ctx.t("settings_note"), "subtitle")
    r = _PERIOD_ROW
    for i, (key, value, name) in enumerate((("period_start", ctx.period.start.to_pydatetime(), "PeriodStart"),
                                           ("period_end", ctx.period.end.to_pydatetime(), "PeriodEnd"))):
        s.set(r + i, 1, ctx.t(key), "label")
        s.set(r + i, 2, value, "input_month")
        ctx.name(names, name, s, r + i, 2)
    s.set(r + 2, 1, ctx.t("period_next"), "label")
    s.set(r + 2, 2, formula("=EDATE(PeriodEnd,1)", "month"))
    ctx.name(names, "PeriodNext", s, r + 2, 2)
    s.validations.append(Validation(f"B{r}:B{r + 1}", "MonthList", ctx.t("period_prompt")))
    s.set(_HEALTH_HEAD - 1, 1, ctx.t("health_config"), "label")
    s.put_row(_HEALTH_HEAD, 1, [ctx.t(k) for k in ("component", "weight", "floor", "target")], "header")
    first = _HEALTH_HEAD + 1
    config = ctx.config
    for i, comp in enumerate(COMPONENTS):
        s.put_row(first + i, 1, [ctx.t(comp)])
        s.put_row(first + i, 2, [float(config.weights[comp]), float(config.floors[comp]),
                                 float(config.targets[comp])], "input")
    last = first + len(COMPONENTS) - 1
    for j, name in enumerate(("HealthWeights", "HealthFloors", "HealthTargets")):
        ctx.name(names, name, s, first, 2 + j, last, 2 + j)
    row = last + 2
    for key, value, name in (("red_below", config.red_below, "RedBelow"), ("green_from", config.green_from, "GreenFrom"),
                             ("risk_drop", config.risk_drop, "RiskDrop"), ("nps_confidence", 0.95, "NpsConfidence"),
                             ("clv_years", 3.0, "ClvYears")):
        s.set(row, 1, ctx.t(key), "label")
        s.set(row, 2, float(value), "input")
        ctx.name(names, name, s, row, 2)
        row += 1
    s.set(row, 1, ctx.t("currency"), "label")
    s.set(row, 2, ctx.currency or None, "input")
    ctx.name(names, "Currency", s, row, 2)
    # benchmark bands and targets: editable tables read by the Dashboard's formulas (and by Refresh),
    # side by side, each with room to grow below (BandsArea / TargetsArea, read back by Refresh)
    row += 2
    s.set(row, 1, ctx.t("bands"), "label")
    s.set(row + 1, 1, ctx.t("bands_note"), "subtitle")
    bands = ctx.bands.assign(label=ctx.bands["label_fr"] if ctx.lang == "fr" else ctx.bands["label"])
    frame = bands[["kpi", "threshold", "inclusive", "label", "colour"]].reset_index(drop=True)
    block = Block(frame, row=row + 2, table="Bands", styles={"threshold": "number"})
    s.blocks.append(block)
    keys = list(kpi_core.HEADLINE_KEYS)
    targets = pd.DataFrame({"kpi": keys, "name": [ctx.t("KPI_" + k.upper()) for k in keys],
                            "target": [ctx.targets.get(k, np.nan) for k in keys]})
    tcol = block.last_col + 2
    s.set(row, tcol, ctx.t("targets"), "label")
    s.blocks.append(Block(targets, row=row + 2, col=tcol, table="Targets", styles={"target": "number"}))
    ctx.name(names, "BandsArea", s, row + 2, 1, row + 2 + SETTINGS_ROOM, block.last_col)
    ctx.name(names, "TargetsArea", s, row + 2, tcol, row + 2 + len(keys), tcol + len(targets.columns) - 1)
    s.widths.update({"A": 62, "B": 18, "C": 18, "D": 22, "E": 12, L(block.last_col + 1): 3, L(tcol): 22,
                     L(tcol + 1): 40, L(tcol + 2): 12})
    return Built([s], names)


def _data_styles(frame: pd.DataFrame) -> dict:
    """Style of each column of a data table: months, dates (with a time when any), money, shares."""
    styles = {}
    for column in frame.columns:
        if column == "month":
            styles[column] = "month"
        elif frame[column].dtype.kind == "M":
            dates = frame[column].dropna()
            styles[column] = "datetime" if (dates != dates.dt.normalize()).any() else "date"
        elif column in _MONEY_COLUMNS:
            styles[column] = "money"
        elif column == "goals_met":
            styles[column] = "pct"
    return styles


def _data(ctx: Context, _) -> Built:
    sheets = []
    for name in DATA_ORDER:
        frame = ctx.table(name)
        if frame is None:
            continue
        if len(frame) >= EXCEL_MAX_ROWS:
            raise KpiInputError(
                f"{ctx.ds.source}: the {name} table has {len(frame):,} rows; an Excel sheet holds at most "
                f"{EXCEL_MAX_ROWS - 1:,} below its header. Build per CSM or segment (--by), or a shorter "
                "history.", "value", location=name)
        s = ctx.sheet(name, computed=False, freeze="A2", tab_color="A6A6A6")
        out = kpi_core.input_table(name, frame)  # as the user gave it: yes/no CSAT as words
        styles = _data_styles(out)
        s.blocks.append(Block(out, table=name, styles=styles))
        s.widths.update({L(j + 1): max(12, _DATE_WIDTHS.get(styles.get(c), 0), min(40, len(str(c)) + 4))
                         for j, c in enumerate(out.columns)})
        sheets.append(s)
    return Built(sheets)


#: the Settings sheet
SETTINGS = SheetBuilder("settings", _settings)
#: one sheet per data table of the dataset
DATA = SheetBuilder("data", _data)
