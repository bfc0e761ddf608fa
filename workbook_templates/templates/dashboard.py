"""The Dashboard and its chart data (calc_charts): one landscape page for a quarterly review.

Each headline KPI of :data:`kpi_core.KPIS` whose tables are present gets a row:
this period (the defined name ``KPI_X``), the previous period (``KPI_PREV_X``),
the change with an arrow coloured by whether it moved the good way, its
benchmark band (the ``Bands`` table on Settings) and its target (``Targets``).
Beside it the MRR bridge, the NRR and NPS trends and the health distribution
(their data on calc_charts, with #N/A for a month without a value); below, the
top accounts at risk and the KPIs by segment.

``DataStale`` is TRUE when a data table changed since the build in a way the
helper sheets do not follow: row counts, and the fingerprint of every column a
helper reads (declared by the helpers as ``stale.*`` anchors,
:mod:`workbook_templates.spec.fingerprints`). The lists written as of the build
say when the period on Settings is no longer theirs.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter as L

import kpi_core

from ..spec import formulas as fx
from ..spec.fingerprints import Read, criteria, fingerprint_differs, fingerprint_formula, fingerprint_value
from ..spec.labels import STATUS
from ..spec.layout import Chart, ColumnRef, CondFormat, Series, formula, ref
from ..spec.styles import AMBER, BRAND, GREEN, RED, plain
from .builder import Built, SheetBuilder
from .context import WINDOWS, Context
from .followup import GroupRows, ListRows
from .revenue import GAINS_LOSSES

__all__ = ["CALC_CHARTS", "DASHBOARD", "KPI_SOURCES", "STALE_SOURCES"]

#: the anchors holding KPI formulas, one per topic
KPI_SOURCES = ("kpis.revenue", "kpis.surveys", "kpis.support", "kpis.health", "kpis.commerce")
#: the anchors holding the data columns each helper sheet reads
STALE_SOURCES = ("stale.calc_mrr", "stale.calc_months", "stale.calc_health", "stale.health", "stale.calc_orders",
                 "stale.calc_groups")
#: the tables whose rows feed a helper sheet, and the money columns (followed since DataStale exists)
_ROW_TABLES = ("Customers", "Subscriptions", "Responses", "Tickets", "Usage", "Orders")
_MONEY = (Read("Subscriptions", "mrr", "number"), Read("Orders", "amount", "number"))
#: the KPI table: its columns, in order
_HEADS = ("kpi", "this_period", "previous_period", "change", "trend_marker", "band", "target_col", "target_met")
_COL = {h: j + 1 for j, h in enumerate(_HEADS)}
_HEAD_ROW = 7
#: charts: two per row right of the KPI table, each this many columns wide; rows of 15
_CHART_COL = len(_HEADS) + 2
_CHART_WIDTH = 7
_CHART_ROWS = (2, 17)
#: hidden helper columns, right of the charts: band row, band colour, data fingerprints
_BAND_COL = _CHART_COL + 2 * _CHART_WIDTH + 16  # AN
_BAND_COLOUR_COL = _BAND_COL + 1
_FINGERPRINT_COL = _BAND_COL + 2
#: change style per KPI unit
_CHANGE_STYLE = {"rate": "pp", "points": "points", "money": "change_money", "count": "plain_int"}
#: the top accounts at risk shown: (label, column of the AtRisk list, style)
_AT_RISK_SHOWN = (("customer", "name", None), ("csm_col", "csm", None), ("mrr_col", "mrr", "money"),
                  ("health_col", "health", "ratio"), ("change", "change", "points"), ("weakest", "weakest", None))
_SEGMENT_SHOWN = (("segment", "segment", None), ("customers", "customers", "int"), ("mrr_col", "mrr", "money"),
                  ("KPI_NRR", "nrr", "pct"), ("KPI_NPS", "nps", "points"), ("KPI_AVG_HEALTH", "avg_health", "ratio"))
_TOP_AT_RISK, _TOP_SEGMENTS = 8, 6


def _calc_charts(ctx: Context, a) -> Built:
    """Chart data: each trend split into the report period and the months outside it, #N/A where a month
    has no value (a line chart skips #N/A instead of drawing 0); the MRR bridge; the health distribution."""
    s = ctx.sheet("calc_charts", tab_color="D9D9D9", landscape=True)
    m = len(ctx.months)
    s.set(1, 1, ctx.t("month"), "header")
    for j, month in enumerate(ctx.months):
        s.set(2 + j, 1, month.to_pydatetime(), "month")
    names: dict = {}
    ctx.name(names, "MonthList", s, 2, 1, 1 + m, 1)
    axis = ColumnRef(s.title, 2, 1, m)
    charts: dict = {"axis": axis}
    col = 2
    sources = []
    if "movements" in a:
        sources.append(("nrr", a["movements"]["mom_nrr"]))
    if "nps_trend" in a:
        sources.append(("nps", a["nps_trend"]))
    for key, source in sources:
        s.put_row(1, col, [f"{key} ({ctx.t('this_period')})", f"{key} ({ctx.t('outside_period')})"], "header")
        for j in range(m):
            r, v = 2 + j, source.cell(j)
            inside = f"AND($A{r}>=PeriodStart,$A{r}<=PeriodEnd)"
            s.set(r, col, formula(f"=IF(AND({inside},ISNUMBER({v})),{v},NA())"))
            s.set(r, col + 1, formula(f"=IF(AND(NOT({inside}),ISNUMBER({v})),{v},NA())"))
        charts[key] = (ColumnRef(s.title, 2, col, m), ColumnRef(s.title, 2, col + 1, m))
        col += 3
    if "bridge" in a:
        charts["bridge"] = _waterfall(ctx, s, col, a["bridge"])
        col += 6
    if "health.status" in a and a["health.status"].rows > 1:  # a distribution of one account says nothing
        s.set(1, col, ctx.t("distribution"), "header")
        for j, word in enumerate(STATUS[ctx.lang]):
            s.set(2 + j, col, word)
            s.set(2 + j, col + 1, formula(f'=COUNTIF({a["health.status"].range},"{word}")', "int"))
        charts["health"] = (ColumnRef(s.title, 2, col, 3), ColumnRef(s.title, 2, col + 1, 3))
        col += 2
    s.widths.update({"A": 12, **{L(c): 14 for c in range(2, col + 1)}})
    return Built([s], names, {"charts": charts})


def _waterfall(ctx: Context, s, col: int, bridge: dict) -> dict:
    """The MRR bridge's stacked-bar data (an invisible base, then total / gain / loss) in columns from `col`."""
    s.put_row(1, col, ["", ctx.t("base"), ctx.t("total"), ctx.t("up"), ctx.t("down")], "header")
    steps = [("start", None), *((k, "up") for k in GAINS_LOSSES[:3]), *((k, "down") for k in GAINS_LOSSES[3:]),
             ("end", None)]
    C = [L(col + k) for k in range(5)]
    for i, (key, kind) in enumerate(steps):
        r = 2 + i
        s.set(r, col, ctx.t(key))
        prev_top = f"{C[1]}{r - 1}+{C[2]}{r - 1}+{C[3]}{r - 1}"
        if kind is None:
            s.put_row(r, col + 1, [0.0, formula(f"={bridge[key]}", "money"), 0.0, 0.0])
        elif kind == "up":
            s.put_row(r, col + 1, [formula(f"={prev_top}", "money"), 0.0, formula(f"={bridge[key]}", "money"), 0.0])
        else:  # the "down" base must not include the bar itself: base = previous top - loss
            s.put_row(r, col + 1, [formula(f"={prev_top}-{C[4]}{r}", "money"), 0.0, 0.0,
                                   formula(f"={bridge[key]}", "money")])
    n = len(steps)
    return {"labels": ColumnRef(s.title, 2, col, n),
            **{k: ColumnRef(s.title, 2, col + 1 + j, n) for j, k in enumerate(("base", "total", "up", "down"))}}


def _stale_check(ctx: Context, s, a, names: dict) -> int:
    """``DataStale``: TRUE when a data table's rows or a column a helper reads changed since this build (or
    Refresh). Each fingerprint's build-time value is a number in a hidden column, compared with the live one."""
    reads = [Read(name, "customer_id", "rows") for name in _ROW_TABLES] + list(_MONEY)
    for key in STALE_SOURCES:
        reads += list(a.get(key, ()))
    written: dict = {}  # table -> the table as written on its data sheet
    checks, last_col = [], _FINGERPRINT_COL
    r = 2
    for read in dict.fromkeys(reads):
        frame = ctx.table(read.table)
        if frame is None or read.column not in frame:
            continue
        if read.table not in written:
            written[read.table] = kpi_core.input_table(read.table, frame)
        s.set(r, _FINGERPRINT_COL, fingerprint_value(read, written[read.table][read.column]))
        cells = []
        for k, text in enumerate(criteria(read)):  # beside the value, as text
            s.set(r, _FINGERPRINT_COL + 1 + k, text)
            cells.append(f"${L(_FINGERPRINT_COL + 1 + k)}${r}")
            last_col = max(last_col, _FINGERPRINT_COL + 1 + k)
        checks.append(fingerprint_differs(read, fingerprint_formula(read, cells), f"${L(_FINGERPRINT_COL)}${r}"))
        r += 1
    s.set(1, _FINGERPRINT_COL, formula(f"=OR({','.join(checks)})" if checks else "=FALSE"))
    ctx.name(names, "DataStale", s, 1, _FINGERPRINT_COL)
    return last_col


def _kpi_rows(ctx: Context, s, kpis: dict, names: dict) -> int:
    """One row per headline KPI present, in catalogue order; returns the last row."""
    na = ctx.na
    yes, no = ctx.t("met_yes"), ctx.t("met_no")
    c = {h: L(j) for h, j in _COL.items()}
    present = [k for k in kpi_core.KPIS.values() if k.excel_name in kpis]
    for i, kpi in enumerate(present):
        r = _HEAD_ROW + 1 + i
        for w in WINDOWS:
            text, style = kpis[f"{w.prefix}{kpi.key.upper()}"]
            s.set(r, w.col, formula(text, style if w.prefix == "KPI_" else plain(style)))
            ctx.name(names, f"{w.prefix}{kpi.key.upper()}", s, r, w.col)
        now, before, delta = f"{c['this_period']}{r}", f"{c['previous_period']}{r}", f"{c['change']}{r}"
        band = f"{L(_BAND_COL)}{r}"
        s.set(r, _COL["kpi"], ctx.t(kpi.excel_name), "label")
        s.set(r, _COL["change"], formula(f"={fx.change(now, before, na, kpi.unit)}",
                                         _CHANGE_STYLE.get(kpi.unit, "change_ratio")))
        s.set(r, _COL["trend_marker"], formula(f"={fx.trend_marker(delta)}", "marker"))
        s.set(r, _BAND_COL, formula(f"={fx.band_row(kpi.key, now)}"))
        s.set(r, _COL["band"], formula(f"={fx.band_field(band, 'label')}"))
        s.set(r, _BAND_COLOUR_COL, formula(f"={fx.band_field(band, 'colour')}"))
        s.set(r, _COL["target_col"], formula(f"={fx.target(kpi.key)}", plain(kpis[kpi.excel_name][1])))
        goal = f"{c['target_col']}{r}"
        s.set(r, _COL["target_met"], formula(f"={fx.target_met(now, goal, kpi.higher_is_better, yes, no)}", "center"))
        good, bad = (">0", "<0") if kpi.higher_is_better else ("<0", ">0")
        for sign, colour in ((good, "00875A"), (bad, "C00000")):
            s.cond_formats.append(CondFormat(f"{c['trend_marker']}{r}", font=colour,
                                             formula=f"AND(ISNUMBER(${c['change']}{r}),${c['change']}{r}{sign})"))
    return _HEAD_ROW + len(present)


def _lists(ctx: Context, s, row: int, risk: ListRows | None, segments: GroupRows | None) -> int:
    """Top accounts at risk (by MRR, as of the build) and the KPIs by segment, below the KPIs."""
    if risk is not None:
        s.set(row, 1, ctx.t("at_risk_top"), "label")
        if risk.count == 0:
            s.set(row + 1, 1, ctx.t("no_at_risk"), "note")
            row += 3
        else:
            s.put_row(row + 1, 1, [ctx.t(h) for h, _, _ in _AT_RISK_SHOWN], "header")
            s.fit_row(row + 1)
            for i in range(min(risk.count, _TOP_AT_RISK)):
                for j, (_, column, style) in enumerate(_AT_RISK_SHOWN):
                    cell = ref(risk.title, risk.first + i, risk.cols[column])
                    s.set(row + 2 + i, 1 + j, formula(f'=IF({cell}="","",{cell})', style))  # a blank stays blank
            row += 3 + min(risk.count, _TOP_AT_RISK)
    if segments is not None:
        s.set(row, 1, ctx.t("by_segment"), "label")
        s.put_row(row + 1, 1, [ctx.t(h) for h, _, _ in _SEGMENT_SHOWN], "header")
        s.fit_row(row + 1)
        for i in range(min(segments.count, _TOP_SEGMENTS)):
            for j, (_, column, style) in enumerate(_SEGMENT_SHOWN):
                if column in segments.cols:
                    s.set(row + 2 + i, 1 + j, formula(f"={ref(segments.title, segments.first + i, segments.cols[column])}",
                                                      style))
        row += 3 + min(segments.count, _TOP_SEGMENTS)
    return row


def _charts(ctx: Context, s, charts: dict) -> None:
    """Charts right of the KPI table; their data lives on calc_charts."""
    anchor = [[f"{L(_CHART_COL + k * _CHART_WIDTH)}{row}" for k in range(2)] for row in _CHART_ROWS]
    axis = charts["axis"].range
    if "bridge" in charts:
        b = charts["bridge"]
        s.charts.append(Chart("stacked", ctx.t("chart_waterfall"), anchor[0][0], b["labels"].range, [
            Series(b[key].range, ctx.t(key), color)
            for key, color in (("base", "none"), ("total", BRAND), ("up", GREEN), ("down", RED))],
            y_format="#,##0", legend=False, width=12, height=7))
    for where, key, title, fmt in ((anchor[0][1], "nrr", "chart_nrr", "0%"), (anchor[1][0], "nps", "chart_nps", "0")):
        if key not in charts:
            continue
        inside, outside = charts[key]
        s.charts.append(Chart("line", ctx.t(title), where, axis, [
            Series(inside.range, ctx.t("this_period"), BRAND), Series(outside.range, ctx.t("outside_period"), "A6A6A6")],
            y_format=fmt, legend=True, width=12, height=7, blanks="span"))
    if "health" in charts:
        labels, counts = charts["health"]
        s.charts.append(Chart("column", ctx.t("chart_health"), anchor[1][1], labels.range,
                              [Series(counts.range, ctx.t("customers"))], legend=False, width=12, height=7))


def _dashboard(ctx: Context, a) -> Built:
    s = ctx.sheet("dashboard", landscape=True, one_page=True)
    names: dict = {}
    s.set(1, 1, f"{ctx.t('dashboard')} — {ctx.scope}", "title")
    for row, key, start, end in ((2, "period", "=PeriodStart", "=PeriodEnd"),
                                 (3, "previous_period", f"=EDATE(PeriodStart,-{fx.months_in_period()})",
                                  "=EDATE(PeriodStart,-1)")):
        s.set(row, 1, ctx.t(key), "label")
        s.set(row, 2, formula(start, "month_right"))
        s.set(row, 3, ctx.t("to"), "center")
        s.set(row, 4, formula(end, "month_left"))
    ctx.name(names, "PrevPeriodStart", s, 3, 2)
    ctx.name(names, "PrevPeriodEnd", s, 3, 4)
    source = str(ctx.ds.source)
    s.set(4, 1, f"{ctx.t('data_from')}: {source.replace(chr(92), '/').rsplit('/', 1)[-1]}", "subtitle")
    stale_last = _stale_check(ctx, s, a, names)
    s.set(5, 1, formula(f'=IF(DataStale,"{ctx.t("stale")}","")', "warning"))
    risk: ListRows | None = a.get("followup")
    if "followup" in a:
        s.set(6, 1, formula('=IF(OR(ListsPeriodStart<>PeriodStart,ListsPeriodEnd<>PeriodEnd),'
                            f'"{ctx.t("lists_stale")}","")', "warning"))
    s.put_row(_HEAD_ROW, 1, [ctx.t(h) for h in _HEADS], "header")
    kpis: dict = {}
    for key in KPI_SOURCES:
        kpis.update(a.get(key, {}))
    last = _kpi_rows(ctx, s, kpis, names)
    if "customer_value" in a:  # the e-commerce block's predicted value (DESIGN.md §11)
        last += 1
        s.set(last, 1, ctx.t("cv_total"), "label")
        s.set(last, 2, formula("=PredictedClvTotal", "kpi_money"))
    first_kpi, last_kpi = _HEAD_ROW + 1, max(last, _HEAD_ROW + 1)
    band_cells = f"{L(_COL['band'])}{first_kpi}:{L(_COL['band'])}{last_kpi}"
    for word, color in (("red", RED), ("amber", AMBER), ("green", GREEN)):
        s.cond_formats.append(CondFormat(band_cells, formula=f'${L(_BAND_COLOUR_COL)}{first_kpi}="{word}"',
                                         color=color))
    met_cells = f"{L(_COL['target_met'])}{first_kpi}:{L(_COL['target_met'])}{last_kpi}"
    s.cond_formats.append(CondFormat(met_cells, value=ctx.t("met_yes"), color=GREEN))
    s.cond_formats.append(CondFormat(met_cells, value=ctx.t("met_no"), color=RED))
    s.hidden_columns.update({_BAND_COL, _BAND_COLOUR_COL, *range(_FINGERPRINT_COL, stale_last + 1)})
    s.widths.update({"A": 40, "B": 15, "C": 15, "D": 12, "E": 10, "F": 18, "G": 12, "H": 16, L(len(_HEADS) + 1): 3})
    s.fit_row(_HEAD_ROW)
    _lists(ctx, s, last + 2, risk, a.get("breakdowns"))
    _charts(ctx, s, a["charts"])
    return Built([s], names)


#: the chart data and MonthList
CALC_CHARTS = SheetBuilder("calc_charts", _calc_charts, uses=("movements", "nps_trend", "bridge", "health.status"),
                           publishes=("charts",))
#: the Dashboard: every KPI against the previous period, band and target; charts; lists; DataStale
DASHBOARD = SheetBuilder("dashboard", _dashboard, needs=("charts",),
                         uses=(*KPI_SOURCES, *STALE_SOURCES, "followup", "breakdowns", "customer_value"))
