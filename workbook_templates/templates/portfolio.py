"""The portfolio template: a book of business as live Excel formulas.

Sheets: Dashboard (headline KPIs as defined names, charts), Guide, Settings
(``PeriodStart``/``PeriodEnd`` and the health configuration), computed sheets
for revenue, MRR movements, cohorts, surveys, support, health and
e-commerce, the data tables (Excel tables named as in DESIGN.md §3, so the
workbook is itself a dataset), and helper matrices derived from the tables
(``calc_mrr``: customer x month MRR; ``calc_health``: where each customer's
usage row, NPS answers and tickets are per month; ``calc_orders``: orders per
customer and month).

Cost: every formula is a per-row INDEX/MATCH or a column total (SUMPRODUCT,
COUNTIFS, SUMIFS) over a helper column: nothing evaluates a whole-table
SUMIFS per customer, which would be quadratic. Changing the period is live;
editing or adding data rows needs Refresh (the Guide says so), which
re-derives the helpers and computed sheets.

Each formula mirrors the kpi_core definition of the same KPI, and the tests
recalculate the workbook with LibreOffice and compare every ``KPI_`` name
with :func:`kpi_core.headline_kpis`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter as L

import kpi_core
from kpi_core import COMPONENTS, Dataset, HealthConfig, KpiInputError, Period

from ..spec import formulas as fx
from ..spec.guide import guide_rows
from ..spec.labels import STATUS, t
from ..spec.layout import Block, Chart, CondFormat, Series, SheetLayout, Validation, WorkbookLayout, formula, ref
from ..spec.styles import AMBER, BRAND, GREEN, RED

__all__ = ["portfolio_layout", "PortfolioBuilder", "DATA_ORDER", "month_axis"]

#: order of the data sheets
DATA_ORDER = ("Customers", "Subscriptions", "Responses", "Tickets", "Usage", "Orders", "Funnel", "Acquisition")
#: rows of an Excel (and LibreOffice) sheet
EXCEL_MAX_ROWS = 1_048_576
_SETTINGS_ROOM = 60  # rows the Bands table may grow to and Refresh still reads
_BAND_ROW = 40  # Dashboard: hidden helper columns (band row, band colour, data fingerprints) from AN
_GAINS_LOSSES = ("new", "expansion", "reactivation", "contraction", "churn")  # quick ratio argument order


@dataclass(frozen=True)
class _Window:
    """A report period as the workbook names it: its months, and the prefix of its KPI names."""

    start: str
    end: str
    next: str  # first day after the period
    prefix: str  # "KPI_" or "KPI_PREV_"
    col: int  # value column on the computed sheets (B: this period, C: the previous one)
    label: str  # labels.py key of the column header


#: this report period, and the previous one (DESIGN.md §9: the n months just before)
WINDOWS = (_Window("PeriodStart", "PeriodEnd", "PeriodNext", "KPI_", 2, "this_period"),
           _Window("PrevPeriodStart", "PrevPeriodEnd", "PeriodStart", "KPI_PREV_", 3, "previous_period"))


def month_axis(ds: Dataset, period: Period) -> pd.DatetimeIndex:
    """Every month from the earliest to the latest month of the data and the period."""
    firsts, lasts = [period.start], [period.end]
    for name, column in (("Subscriptions", "month"), ("Usage", "month"), ("Responses", "date"),
                         ("Tickets", "opened_at"), ("Orders", "date")):
        frame = ds.table(name)
        if frame is not None and len(frame):
            firsts.append(frame[column].min())
            lasts.append(frame[column].max())
    first = kpi_core.to_month(min(firsts))
    last = kpi_core.to_month(max(lasts))
    return pd.date_range(first, last, freq="MS")


def _month_index(values: pd.Series, months: pd.DatetimeIndex) -> np.ndarray:
    """0-based position of each date's month on the axis."""
    codes = values.to_numpy().astype("datetime64[M]").astype(np.int64)
    first = np.datetime64(months[0], "M").astype(np.int64)
    return codes - first


def _blank_zeros(values: np.ndarray) -> np.ndarray:
    """Helper matrices are mostly zeros; blank cells read as 0 in every formula over them
    (SUMIFS, COUNTIF, SUMPRODUCT, ``=0``) and cost nothing to write."""
    return np.where(values == 0, np.nan, values)


class PortfolioBuilder:
    """Builds the portfolio layout of a dataset; other templates add sheets through `extras`.

    Parameters
    ----------
    ds, period, lang, scope, config
        The data, report period, language, scope shown in titles and health configuration.
    extras : sequence of (key, callable)
        Sheets placed right after the Dashboard (and listed in the Guide):
        each ``callable(builder)`` is called once the Dashboard is built and
        adds the sheet `key` with :meth:`sheet`. It may use the builder's
        public helpers: :meth:`sheet`, :meth:`title`, :meth:`has`, :meth:`status_colours`,
        :meth:`health_cells`, :meth:`health_heads`, :meth:`calc_health_row`,
        and the attributes ``ds``, ``lang``, ``months``, ``health_ids``,
        ``health_months``.
    """

    def __init__(self, ds: Dataset, period: Period, lang: str, scope: str, config: HealthConfig | None,
                 extras=(), *, bands=None, targets=None, currency: str = "", customer_value: bool = False):
        self.ds, self.period, self.lang, self.scope = ds, period, lang, scope
        self.bands = kpi_core.default_bands() if bands is None else kpi_core.validate_bands(bands)
        self.targets = kpi_core.check_targets(targets or {})
        self.currency = currency or ""
        self.customer_value = customer_value
        self.extras = list(extras)
        self.health_ids = self.health_months = None
        self.at_risk_rows = self.segment_rows = None
        self.chart_cols: dict = {}
        self.config = config or HealthConfig()
        self.layout = WorkbookLayout(lang=lang, title=scope, currency=self.currency)
        self.months = month_axis(ds, period)
        self.na = f'"{t("na", lang)}"'
        self.kpis: dict[str, tuple[str, str]] = {}  # defined name -> (formula, style)
        self.sheets: dict[str, SheetLayout] = {}

    # -- helpers ---------------------------------------------------------------------------
    def sheet(self, key: str, **kwargs) -> SheetLayout:
        s = SheetLayout(key=key, title=t(key, self.lang), **kwargs)
        self.sheets[key] = s
        return s

    def has(self, name: str) -> bool:
        return self.ds.table(name) is not None

    def name(self, name: str, sheet: SheetLayout, row: int, col: int, row2=None, col2=None) -> str:
        self.layout.names[name] = ref(sheet.title, row, col, row2, col2)
        return name

    def label_rows(self, sheet: SheetLayout, row: int, rows: list, col: int = 2) -> dict:
        """Write (key, formula, style) rows as label | value (in column `col`); return key -> absolute address."""
        where = {}
        for i, (key, text, style) in enumerate(rows):
            sheet.set(row + i, 1, t(key, self.lang), "label")
            sheet.set(row + i, col, formula(text, style))
            where[key] = sheet.address(row + i, col)
        return where

    def window_heads(self, sheet: SheetLayout, row: int) -> None:
        """Column headers "This period" | "Previous period" above the value columns."""
        for w in WINDOWS:
            sheet.set(row, w.col, t(w.label, self.lang), "header")

    def status_colours(self, sheet: SheetLayout, cells: str) -> None:
        """Fill health status words (Red / Amber / Green in the workbook's language) with their colours."""
        for word, color in zip(STATUS[self.lang], (RED, AMBER, GREEN)):
            sheet.cond_formats.append(CondFormat(cells, word, color))

    def title(self, sheet: SheetLayout, key: str) -> None:
        """Row 1: the sheet's title and scope; row 2: "Report period  May 2026  to  Oct 2026"."""
        sheet.set(1, 1, f"{t(key, self.lang)} — {self.scope}", "title")
        sheet.set(2, 1, t("period", self.lang), "label")
        sheet.set(2, 2, formula("=PeriodStart", "month_right"))
        sheet.set(2, 3, t("to", self.lang), "center")
        sheet.set(2, 4, formula("=PeriodEnd", "month_left"))
        sheet.widths.update({"A": 46, "B": 16, "C": 16, "D": 14})

    # -- sheets ----------------------------------------------------------------------------
    def settings(self) -> None:
        s = self.sheet("settings", computed=False, tab_color="FFC000")
        lang = self.lang
        s.set(1, 1, t("settings", lang), "title")
        s.set(2, 1, t("settings_note", lang), "subtitle")
        s.set(4, 1, t("period_start", lang), "label")
        s.set(4, 2, self.period.start.to_pydatetime(), "input_month")
        s.set(5, 1, t("period_end", lang), "label")
        s.set(5, 2, self.period.end.to_pydatetime(), "input_month")
        s.set(6, 1, t("period_next", lang), "label")
        s.set(6, 2, formula("=EDATE(PeriodEnd,1)", "month"))
        self.name("PeriodStart", s, 4, 2)
        self.name("PeriodEnd", s, 5, 2)
        self.name("PeriodNext", s, 6, 2)
        s.set(8, 1, t("health_config", lang), "label")
        s.put_row(9, 1, [t("component", lang), t("weight", lang), t("floor", lang), t("target", lang)], "header")
        for i, comp in enumerate(COMPONENTS):
            s.set(10 + i, 1, t(comp, lang))
            s.set(10 + i, 2, float(self.config.weights[comp]), "input")
            s.set(10 + i, 3, float(self.config.floors[comp]), "input")
            s.set(10 + i, 4, float(self.config.targets[comp]), "input")
        last = 10 + len(COMPONENTS) - 1
        self.name("HealthWeights", s, 10, 2, last, 2)
        self.name("HealthFloors", s, 10, 3, last, 3)
        self.name("HealthTargets", s, 10, 4, last, 4)
        for row, key, value, name in ((last + 2, "red_below", self.config.red_below, "RedBelow"),
                                      (last + 3, "green_from", self.config.green_from, "GreenFrom"),
                                      (last + 4, "risk_drop", self.config.risk_drop, "RiskDrop"),
                                      (last + 5, "nps_confidence", 0.95, "NpsConfidence"),
                                      (last + 6, "clv_years", 3.0, "ClvYears")):
            s.set(row, 1, t(key, lang), "label")
            s.set(row, 2, float(value), "input")
            self.name(name, s, row, 2)
        s.set(last + 7, 1, t("currency", lang), "label")
        s.set(last + 7, 2, self.currency or None, "input")
        self.name("Currency", s, last + 7, 2)
        # benchmark bands and targets: editable tables read by the Dashboard's formulas (and by Refresh)
        # side by side, each with room to grow below (BandsArea / TargetsArea, read back by Refresh)
        row = last + 9
        s.set(row, 1, t("bands", lang), "label")
        s.set(row, 7, t("targets", lang), "label")
        s.set(row + 1, 1, t("bands_note", lang), "subtitle")
        bands = self.bands.assign(label=self.bands["label_fr"] if lang == "fr" else self.bands["label"])
        frame = bands[["kpi", "threshold", "inclusive", "label", "colour"]].reset_index(drop=True)
        s.blocks.append(Block(frame, row=row + 2, table="Bands", styles={"threshold": "number"}))
        keys = list(kpi_core.HEADLINE_KEYS)
        targets = pd.DataFrame({"kpi": keys, "name": [t("KPI_" + k.upper(), lang) for k in keys],
                                "target": [self.targets.get(k, np.nan) for k in keys]})
        s.blocks.append(Block(targets, row=row + 2, col=7, table="Targets", styles={"target": "number"}))
        self.name("BandsArea", s, row + 2, 1, row + 2 + _SETTINGS_ROOM, 5)
        self.name("TargetsArea", s, row + 2, 7, row + 2 + len(keys), 9)
        s.widths.update({"A": 62, "B": 18, "C": 18, "D": 22, "E": 12, "F": 3, "G": 22, "H": 40, "I": 12})

    def data_sheets(self) -> None:
        for name in DATA_ORDER:
            frame = self.ds.table(name)
            if frame is None:
                continue
            if len(frame) >= EXCEL_MAX_ROWS:
                raise KpiInputError(
                    f"{self.ds.source}: the {name} table has {len(frame):,} rows; an Excel sheet holds at most "
                    f"{EXCEL_MAX_ROWS - 1:,} below its header. Build per CSM or segment (--by), or a shorter "
                    "history.", "value", location=name)
            s = self.sheet(name, computed=False, freeze="A2", tab_color="A6A6A6")
            out = kpi_core.input_table(name, frame)  # as the user gave it: yes/no CSAT as words
            styles = {}
            for column in out.columns:
                if column == "month":
                    styles[column] = "month"
                elif out[column].dtype.kind == "M":
                    has_time = (out[column].dropna() != out[column].dropna().dt.normalize()).any()
                    styles[column] = "datetime" if has_time else "date"
                elif column in ("mrr", "amount", "marketing_spend", "sales_spend"):
                    styles[column] = "money"
                elif column == "goals_met":
                    styles[column] = "pct"
            s.blocks.append(Block(out, table=name, styles=styles))
            # widths: the header, or what the column's dates need (a date-time shows ### below 17 characters)
            need = {"datetime": 18, "date": 12, "month": 11}
            s.widths.update({L(j + 1): max(12, need.get(styles.get(c), 0), min(40, len(str(c)) + 4))
                             for j, c in enumerate(out.columns)})

    def calc_mrr(self) -> None:
        subs = self.ds.table("Subscriptions")
        s = self.sheet("calc_mrr", landscape=True, tab_color="D9D9D9", freeze="C2")
        ids = pd.Index(pd.unique(subs["customer_id"])).sort_values()
        rows = ids.get_indexer(subs["customer_id"])
        cols = _month_index(subs["month"], self.months)
        n, m = len(ids), len(self.months)
        matrix = np.zeros((n, m))
        np.add.at(matrix, (rows, cols), subs["mrr"].to_numpy())
        active = matrix > 0
        first = np.where(active.any(axis=1), active.argmax(axis=1), -1)
        first_month = pd.Series(np.where(first >= 0, self.months[np.clip(first, 0, None)], pd.NaT),
                                dtype="datetime64[ns]")
        frame = pd.DataFrame(_blank_zeros(matrix), columns=[f"m{j}" for j in range(m)])
        frame.insert(0, "first_month", first_month)
        frame.insert(0, "customer_id", ids.to_numpy())
        s.set(1, 1, "customer_id", "header")
        s.set(1, 2, "first_month", "header")
        for j, month in enumerate(self.months):
            s.set(1, 3 + j, month.to_pydatetime(), "month")
        s.blocks.append(Block(frame, row=2, header=False, styles={"first_month": "month"}))
        last = max(n + 1, 2)
        self.mrr_rows = (2, last)
        self.mrr_ids = ids
        self.name("MrrMonths", s, 1, 3, 1, 2 + m)
        # MrrMatrix ends with one blank column (3 + m): a period month off the axis (before the data, say)
        # reads it, so its MRR is 0, as in kpi_core (a missing row is MRR 0)
        self.name("MrrMatrix", s, 2, 3, last, 3 + m)
        self.name("MrrFirst", s, 2, 2, last, 2)
        self.mrr_blank_col = m + 1
        s.widths.update({"A": 14, "B": 12, **{L(c): 11 for c in range(3, 6 + m)}})  # French months: "janv. 2026"

    def mrr_col_of(self, month: str) -> str:
        """The MrrMatrix column of a month name or cell (its blank last column when the month is off the axis)."""
        return f"IFERROR(MATCH({month},MrrMonths,0),{self.mrr_blank_col})"

    def mrr_col(self, j: int) -> str:
        """The calc_mrr column of month j (0-based) as an absolute range."""
        first, last = self.mrr_rows
        return ref(t("calc_mrr", self.lang), first, 3 + j, last, 3 + j)

    def movements(self) -> None:
        s = self.sheet("movements", landscape=True, freeze="B5")
        self.title(s, "movements")
        heads = ["month", "start", "new", "expansion", "contraction", "churn", "reactivation", "end",
                 "active_customers", "mom_nrr"]
        s.put_row(4, 1, [t(h, self.lang) for h in heads], "header")
        for j, month in enumerate(self.months):
            r = 5 + j
            cur = self.mrr_col(j)
            s.set(r, 1, month.to_pydatetime(), "month")
            if j == 0:
                s.set(r, 2, 0.0, "money")
                s.set(r, 3, formula(f"=SUM({cur})", "money"))
                for c in (4, 5, 6, 7):
                    s.set(r, c, 0.0, "money")
            else:
                prev = self.mrr_col(j - 1)
                s.set(r, 2, formula(f"=H{r - 1}", "money"))
                s.set(r, 3, formula(f"={fx.new_mrr(cur, 'MrrFirst', f'A{r}')}", "money"))
                s.set(r, 4, formula(f"={fx.expansion(prev, cur)}", "money"))
                s.set(r, 5, formula(f"={fx.contraction(prev, cur)}", "money"))
                s.set(r, 6, formula(f"={fx.churned(prev, cur)}", "money"))
                s.set(r, 7, formula(f"={fx.reactivation(prev, cur, 'MrrFirst', f'A{r}')}", "money"))
            s.set(r, 8, formula(f"=SUM({cur})", "money"))
            s.set(r, 9, formula(f"={fx.active(cur)}", "int"))
            s.set(r, 10, formula(f'={fx.nrr(f"B{r}", f"D{r}", f"F{r}", f"E{r}", chr(34) * 2)}', "pct"))
        last = 4 + len(self.months)
        self.mov = {h: ref(s.title, 5, j + 1, last, j + 1) for j, h in enumerate(heads)}
        self.mov_rows = (5, last)
        s.widths.update({L(c): 14 for c in range(2, 11)})
        s.charts.append(Chart("line", t("chart_mrr", self.lang), "L4", self.mov["month"],
                              [Series(self.mov["end"], t("end", self.lang))], y_format="#,##0", legend=False))

    def revenue(self) -> None:
        s = self.sheet("revenue")
        self.title(s, "revenue")
        self.window_heads(s, 6)
        na = self.na
        for w in WINDOWS:
            sc, ec = (self.mrr_col_of(w.start), self.mrr_col_of(w.end))
            m0, m1 = f"INDEX(MrrMatrix,0,{sc})", f"INDEX(MrrMatrix,0,{ec})"
            r = self.label_rows(s, 7, [
                ("start_mrr", f"=SUM({m0})", "money"),
                ("end_mrr", f"=SUM({m1})", "money"),
                ("cohort_expansion", f"={fx.expansion(m0, m1)}", "money"),
                ("cohort_contraction", f"={fx.contraction(m0, m1)}", "money"),
                ("cohort_churn", f"={fx.churned(m0, m1)}", "money"),
                ("customers_start", f"={fx.active(m0)}", "int"),
                ("customers_end", f"={fx.active(m1)}", "int"),
                ("new_customers", f"={fx.gained(m0, m1)}", "int"),
                ("lost_customers", f"={fx.lost(m0, m1)}", "int"),
            ], w.col)
            s.set(17, 1, t("period_movements", self.lang), "label")
            window = fx.movement_months(self.mov["month"], w.start, w.end)
            moves = self.label_rows(s, 18, [(k, f"=SUMIFS({self.mov[k]},{window})", "money") for k in _GAINS_LOSSES],
                                    w.col)
            start, end = r["start_mrr"], r["end_mrr"]
            exp, contr, churn = r["cohort_expansion"], r["cohort_contraction"], r["cohort_churn"]
            n0, n1, new, lost = r["customers_start"], r["customers_end"], r["new_customers"], r["lost_customers"]
            p = w.prefix
            self.kpis.update({
                f"{p}MRR": (f"={fx.mrr_of_month('Subscriptions[mrr]', 'Subscriptions[month]', w.end)}", "kpi_money"),
                f"{p}ARR": (f"=12*{p}MRR", "kpi_money"),
                f"{p}NRR": (f"={fx.nrr(start, exp, churn, contr, na)}", "kpi_pct"),
                f"{p}GRR": (f"={fx.grr(start, churn, contr, na)}", "kpi_pct"),
                f"{p}REVENUE_CHURN": (f"={fx.revenue_churn(churn, contr, start, na)}", "kpi_pct"),
                f"{p}LOGO_CHURN": (f"={fx.logo_churn(lost, n0, na)}", "kpi_pct"),
                f"{p}RETENTION": (f"={fx.retention(n1, new, n0, na)}", "kpi_pct"),
                f"{p}NET_CUSTOMER_CHANGE": (f"={new}-{lost}", "kpi_int"),
                f"{p}QUICK_RATIO": (f"={fx.quick_ratio(*(moves[k] for k in _GAINS_LOSSES), na)}", "kpi_ratio"),
            })
            s.set(24, 1, t("arpa", self.lang), "label")
            s.set(24, w.col, formula(f"={fx.ratio(end, n1, na)}", "money"))
            if w.prefix == "KPI_":
                self.bridge = {"start": start, "end": end, **moves}

    def cohorts(self) -> None:
        s = self.sheet("cohorts", landscape=True)
        self.title(s, "cohorts")
        subs = self.ds.table("Subscriptions")
        first = subs[subs["mrr"] > 0].groupby("customer_id")["month"].min()
        cohorts = sorted(pd.unique(first))
        m = len(self.months)
        # months after the last Subscriptions month are not observed: left blank, as cohort_retention leaves them
        observed = int(self.months.get_loc(kpi_core.to_month(subs["month"].max()))) + 1
        for block, (key, row0) in enumerate((("cohort_logo", 4), ("cohort_revenue", 6 + len(cohorts)))):
            s.set(row0, 1, t(key, self.lang), "label")
            s.put_row(row0 + 1, 1, [t("cohort", self.lang), t("size", self.lang)] + list(range(m)), "header")
            for i, cohort in enumerate(cohorts):
                r = row0 + 2 + i
                ci = int(self.months.get_loc(pd.Timestamp(cohort))) + 1
                s.set(r, 1, pd.Timestamp(cohort).to_pydatetime(), "month")
                if block == 0:
                    s.set(r, 2, formula(f"=COUNTIF(MrrFirst,A{r})", "int"))
                else:
                    s.set(r, 2, formula(f"={fx.new_mrr(f'INDEX(MrrMatrix,0,{ci})', 'MrrFirst', f'A{r}')}", "money"))
                for k in range(observed - ci + 1):
                    col = f"INDEX(MrrMatrix,0,{ci + k})"
                    basis = "logo" if block == 0 else "revenue"
                    s.set(r, 3 + k, formula(f"={fx.cohort_share('MrrFirst', f'$A{r}', col, f'$B{r}', basis)}", "pct"))
            if cohorts:
                s.cond_formats.append(CondFormat(
                    f"C{row0 + 2}:{L(2 + m)}{row0 + 1 + len(cohorts)}"))
        s.widths.update({L(c): 8 for c in range(3, 3 + m)})
        s.widths.update({"A": 22, "B": 12})

    def surveys(self) -> None:
        s = self.sheet("surveys", landscape=True)
        self.title(s, "surveys")
        score, na = "Responses[score]", self.na

        def of(survey: str, window: str) -> str:
            return fx.when("Responses[survey]", f'"{survey}"', window)

        self.window_heads(s, 3)
        for w in WINDOWS:
            period = fx.within_dates("Responses[date]", w.start, w.next)
            nps, csat, ces = of("NPS", period), of("CSAT", period), of("CES", period)
            r = self.label_rows(s, 4, [
                ("promoters", f"={fx.nps_promoters(score, nps)}", "int"),
                ("passives", f"={fx.nps_passives(score, nps)}", "int"),
                ("detractors", f"={fx.nps_detractors(score, nps)}", "int"),
            ], w.col)
            p, pa, d = r["promoters"], r["passives"], r["detractors"]
            r.update(self.label_rows(s, 7, [("answers", f"={p}+{pa}+{d}", "int")], w.col))
            n = r["answers"]
            r.update(self.label_rows(s, 8, [
                ("nps_low", f"={fx.nps_bound(p, d, n, 'NpsConfidence', -1, na)}", "points"),
                ("nps_high", f"={fx.nps_bound(p, d, n, 'NpsConfidence', 1, na)}", "points"),
                ("csat_positive", f"={fx.csat_positive(score, csat)}", "int"),
                ("csat_answers", f"={fx.csat_answers(score, csat)}", "int"),
                ("ces_answers", f"={fx.ces_answers(score, ces)}", "int"),
            ], w.col))
            self.kpis.update({
                f"{w.prefix}NPS": (f"={fx.nps_from_counts(p, d, n, na)}", "kpi_points"),
                f"{w.prefix}CSAT": (f'={fx.ratio(r["csat_positive"], r["csat_answers"], na)}', "kpi_pct"),
                f"{w.prefix}CES": (f"={fx.ces(score, ces, na)}", "kpi_ratio"),
            })
        row0 = 15
        s.set(row0 - 1, 1, t("trend", self.lang), "label")
        s.put_row(row0, 1, [t("month", self.lang), t("answers", self.lang), "NPS", "CSAT", "CES"], "header")
        blank = '""'
        for j, month in enumerate(self.months):
            rr = row0 + 1 + j
            within = fx.within_dates("Responses[date]", f"$A{rr}", f"EDATE($A{rr},1)")
            s.set(rr, 1, month.to_pydatetime(), "month")
            s.set(rr, 2, formula(f"={fx.nps_answers(score, of('NPS', within))}", "int"))
            s.set(rr, 3, formula(f"={fx.nps(score, of('NPS', within), blank)}", "points"))
            s.set(rr, 4, formula(f"={fx.csat(score, of('CSAT', within), blank)}", "pct"))
            s.set(rr, 5, formula(f"={fx.ces(score, of('CES', within), blank)}", "ratio"))
        last = row0 + len(self.months)
        self.nps_trend = (row0, last)
        s.charts.append(Chart("line", t("chart_nps", self.lang), "H4", ref(s.title, row0 + 1, 1, last, 1),
                              [Series(ref(s.title, row0 + 1, 3, last, 3), "NPS")], y_format="0", legend=False))
        s.widths.update({"D": 12, "E": 12})

    def support(self) -> None:
        s = self.sheet("support")
        self.title(s, "support")
        na, blank = self.na, '""'
        hours = "first_response_hours" in self.ds.table("Tickets")
        self.window_heads(s, 3)
        for w in WINDOWS:
            period = fx.within_dates("Tickets[opened_at]", w.start, w.next)
            rows = [("tickets", f"={fx.tickets(period)}", "int"),
                    ("resolved_first", f"={fx.resolved_first(period)}", "int")]
            if hours:
                rows.append(("avg_response", f"={fx.avg_response(period, na)}", "ratio"))
            r = self.label_rows(s, 4, rows, w.col)
            self.kpis[f"{w.prefix}FCR"] = (f'={fx.ratio(r["resolved_first"], r["tickets"], na)}', "kpi_pct")
        row0 = 9
        s.set(row0 - 1, 1, t("trend", self.lang), "label")
        s.put_row(row0, 1, [t("month", self.lang), t("tickets", self.lang), "FCR"]
                  + ([t("avg_response", self.lang)] if hours else []), "header")
        for j, month in enumerate(self.months):
            rr = row0 + 1 + j
            within = fx.within_dates("Tickets[opened_at]", f"$A{rr}", f"EDATE($A{rr},1)")
            s.set(rr, 1, month.to_pydatetime(), "month")
            s.set(rr, 2, formula(f"={fx.tickets(within)}", "int"))
            s.set(rr, 3, formula(f"={fx.fcr(within, blank)}", "pct"))
            if hours:
                s.set(rr, 4, formula(f"={fx.avg_response(within, blank)}", "ratio"))

    def calc_orders(self) -> dict:
        orders = self.ds.table("Orders")
        s = self.sheet("calc_orders", landscape=True, tab_color="D9D9D9", freeze="B2")
        ids = pd.Index(pd.unique(orders["customer_id"])).sort_values()
        m = len(self.months)
        counts = np.zeros((len(ids), m))
        np.add.at(counts, (ids.get_indexer(orders["customer_id"]), _month_index(orders["date"], self.months)), 1)
        frame = pd.DataFrame(_blank_zeros(counts), columns=[f"m{j}" for j in range(m)])
        frame.insert(0, "customer_id", ids.to_numpy())
        s.set(1, 1, "customer_id", "header")
        for j, month in enumerate(self.months):
            s.set(1, 2 + j, month.to_pydatetime(), "month")
        s.blocks.append(Block(frame, row=2, header=False))
        s.widths.update({L(c): 11 for c in range(2, 4 + m)})  # month headers ("janv. 2026")
        last = max(len(ids) + 1, 2)
        head = f"$B$1:${L(1 + m)}$1"
        out = {}
        for k, w in enumerate(WINDOWS):  # orders per customer in each window, after the month columns
            c = 2 + m + k
            s.set(1, c, f'{t("orders", self.lang)} ({t(w.label, self.lang)})', "header")
            in_period = fx.within_months(head, w.start, w.end)
            for i in range(len(ids)):
                s.set(2 + i, c, formula(f"=SUMIFS($B{2 + i}:${L(1 + m)}{2 + i},{in_period})"))
            out[w.prefix] = ref(s.title, 2, c, last, c)
        return out

    def commerce(self) -> None:
        s = self.sheet("commerce")
        self.title(s, "commerce")
        self.window_heads(s, 3)
        per_customer = self.calc_orders() if self.has("Orders") else {}
        for w in WINDOWS:
            self.commerce_window(s, w, per_customer.get(w.prefix))

    def commerce_window(self, s: SheetLayout, w: _Window, per_customer: str | None) -> None:
        na, row, p = self.na, 4, w.prefix
        if per_customer is not None:
            period = fx.within_dates("Orders[date]", w.start, w.next)
            r = self.label_rows(s, row, [
                ("orders", f"=COUNTIFS({period})", "int"),
                ("revenue", f"=SUMIFS(Orders[amount],{period})", "money"),
                ("ordering_customers", f"={fx.buyers(per_customer)}", "int"),
                ("repeat_customers", f"={fx.repeat_buyers(per_customer)}", "int"),
            ], w.col)
            orders, cust = r["orders"], r["ordering_customers"]
            self.kpis.update({
                f"{p}AVG_BASKET": (f'={fx.ratio(r["revenue"], orders, na)}', "kpi_money"),
                f"{p}PURCHASE_FREQUENCY": (f"={fx.ratio(f'SUM({per_customer})', cust, na)}", "kpi_ratio"),
                f"{p}REPURCHASE_RATE": (f'={fx.ratio(r["repeat_customers"], cust, na)}', "kpi_pct"),
            })
            per_year = f"{p}PURCHASE_FREQUENCY*12/{fx.months_in_period(w.start, w.end)}"
            r2 = self.label_rows(s, row + 4, [
                ("purchases_per_year", f"={fx.defined_or(f'{p}PURCHASE_FREQUENCY', na, per_year)}", "ratio")],
                w.col)
            cac = fx.defined_or(f"{p}CAC", "0") if self.has("Acquisition") else "0"
            ppy = r2["purchases_per_year"]
            self.label_rows(s, row + 5, [(
                "clv", f'=IF(AND(ISNUMBER({p}AVG_BASKET),ISNUMBER({ppy})),'
                       f'{fx.clv(f"{p}AVG_BASKET", ppy, "ClvYears", cac)},{na})', "money")], w.col)
            row += 7
        if self.has("Acquisition"):
            within = fx.within_months("Acquisition[month]", w.start, w.end)
            acq = self.ds.table("Acquisition")
            parts = [(k, f"=SUMIFS(Acquisition[{col}],{within})", style)
                     for k, col, style in (("marketing_spend", "marketing_spend", "money"),
                                           ("sales_spend", "sales_spend", "money"),
                                           ("acquired", "new_customers", "int")) if col in acq]
            r = self.label_rows(s, row, parts, w.col)
            spend = "+".join(r[k] for k in ("marketing_spend", "sales_spend") if k in r) or "0"
            new = r.get("acquired", "0")
            self.kpis[f"{p}CAC"] = (f"={fx.ratio(f'({spend})', new, na)}", "kpi_money")
            row += len(parts) + 1
        if self.has("Funnel"):
            within = fx.within_months("Funnel[month]", w.start, w.end)
            funnel = self.ds.table("Funnel")
            parts = [(k, f"=SUMIFS(Funnel[{k}],{within})", "int")
                     for k in ("visitors", "conversions", "carts_created", "carts_abandoned") if k in funnel]
            r = self.label_rows(s, row, parts, w.col)
            zero = "0"
            self.kpis[f"{p}CONVERSION_RATE"] = (
                f'={fx.ratio(r.get("conversions", zero), r.get("visitors", zero), na)}', "kpi_pct")
            self.kpis[f"{p}ABANDONMENT_RATE"] = (
                f'={fx.ratio(r.get("carts_abandoned", zero), r.get("carts_created", zero), na)}', "kpi_pct")

    def calc_health(self) -> None:
        usage = self.ds.table("Usage")
        s = self.sheet("calc_health", landscape=True, tab_color="D9D9D9", freeze="B3")
        ids = pd.Index(pd.unique(usage["customer_id"])).sort_values()
        m, n = len(self.months), len(ids)
        blocks = {}
        usage_row = np.full((n, m), np.nan)
        usage_row[ids.get_indexer(usage["customer_id"]), _month_index(usage["month"], self.months)] = (
            np.arange(1, len(usage) + 1))
        blocks["usage_row"] = usage_row
        responses = self.ds.table("Responses")
        if responses is not None:
            nps = responses[(responses["survey"] == "NPS") & responses["score"].notna()
                            & responses["customer_id"].isin(ids)]
            at = (ids.get_indexer(nps["customer_id"]), _month_index(nps["date"], self.months))
            total, count = np.zeros((n, m)), np.zeros((n, m))
            np.add.at(total, at, nps["score"].to_numpy())
            np.add.at(count, at, 1)
            blocks["nps_sum"], blocks["nps_n"] = total, count
        tickets = self.ds.table("Tickets")
        if tickets is not None:
            mine = tickets[tickets["customer_id"].isin(ids)]
            counts = np.zeros((n, m))
            np.add.at(counts, (ids.get_indexer(mine["customer_id"]), _month_index(mine["opened_at"], self.months)), 1)
            blocks["tickets"] = counts
        frame = pd.DataFrame({"customer_id": ids.to_numpy()})
        s.set(2, 1, "customer_id", "header")
        self.health_cols = {}
        col = 2
        for key, values in blocks.items():
            s.set(1, col, key, "label")
            for j, month in enumerate(self.months):
                s.set(2, col + j, month.to_pydatetime(), "month")
            for j in range(m):
                frame[f"{key}{j}"] = _blank_zeros(values[:, j])
            self.health_cols[key] = col
            col += m
        s.blocks.append(Block(frame, row=3, header=False))
        s.widths.update({L(c): 11 for c in range(2, col)})  # month headers ("janv. 2026")
        self.health_ids = ids
        self.health_months = ref(s.title, 2, 2, 2, 1 + m)

    def calc_health_row(self, i: int):
        """``key -> range``: the calc_health blocks of the i-th customer of :attr:`health_ids`."""
        calc, m, row = t("calc_health", self.lang), len(self.months), 3 + i

        def calc_row(key: str) -> str:
            c0 = self.health_cols[key]
            return ref(calc, row, c0, row, c0 + m - 1)
        return calc_row

    def health_cells(self, s: SheetLayout, r: int, calc_row, at: str, within: str, offset: int = 0) -> None:
        """Write one health row's formulas in columns D..Y (shifted right by `offset`) of row `r`.

        D: the Usage row of the scored month; E..J: component values; K..P:
        component scores; Q: weights of the present components; R: score;
        S: status; T..Y: contributions. ``calc_row(key)`` is the customer's
        calc_health range of block `key` ("usage_row", "nps_sum", ...), `at`
        the 1-based position of the scored month in it, and `within` the
        SUMIFS criteria on :attr:`health_months` selecting the months whose
        NPS answers make the sentiment component. The Health sheet scores
        PeriodEnd with the period's answers (and, shifted, PrevPeriodEnd with
        the previous period's); the Account sheet scores each month with that
        month's answers (``kpi_core.health_scores(ds, month)``).
        """
        def col(c: int) -> str:
            return L(c + offset)

        # "+0": LibreOffice gives an empty result (Excel gives 0) for a reference to a blank helper cell;
        # a month off the axis (MATCH fails) has no usage row
        s.set(r, 4 + offset, formula(f"=IFERROR(INDEX({calc_row('usage_row')},{at})+0,0)", "int"))
        u = f"${col(4)}{r}"

        def use(name):
            return f"INDEX(Usage[{name}],{u})"

        usage = self.ds.table("Usage")

        def ratio(num, den):
            if num not in usage or den not in usage:
                return '=""'
            return (f'=IF({u}=0,"",IF(OR({use(den)}="",{use(num)}=""),"",IF({use(den)}>0,'
                    f'{use(num)}/{use(den)},"")))')

        values = {
            "adoption": ratio("active_users", "licensed_users"),
            "frequency": ratio("logins", "active_users"),
            "depth": ratio("features_used", "features_available"),
            "goals": (f'=IF({u}=0,"",IF({use("goals_met")}="","",{use("goals_met")}))'
                      if "goals_met" in usage else '=""'),
            "sentiment": '=""', "support": '=""',
        }
        if "nps_sum" in self.health_cols:
            count = f"SUMIFS({calc_row('nps_n')},{within})"
            values["sentiment"] = f'=IF({u}=0,"",IF({count}=0,"",SUMIFS({calc_row("nps_sum")},{within})/{count}))'
        if "tickets" in self.health_cols:
            values["support"] = f'=IF({u}=0,"",IFERROR(INDEX({calc_row("tickets")},{at})+0,0))'
        for j, comp in enumerate(COMPONENTS):
            style = "pct" if comp in ("adoption", "depth", "goals") else "ratio"
            s.set(r, 5 + j + offset, formula(values[comp], style))
            v = f"{col(5 + j)}{r}"
            floor, target = f"INDEX(HealthFloors,{j + 1})", f"INDEX(HealthTargets,{j + 1})"
            s.set(r, 11 + j + offset, formula(f"={fx.scaled(v, floor, target)}", "ratio"))
        scores = [f"{col(11 + j)}{r}" for j in range(len(COMPONENTS))]
        weights = [f"INDEX(HealthWeights,{j + 1})" for j in range(len(COMPONENTS))]
        present, score = f"{col(17)}{r}", f"{col(18)}{r}"
        s.set(r, 17 + offset, formula(f'=IF({u}=0,"",{fx.weight_present(scores, weights)})', "ratio"))
        s.set(r, 18 + offset, formula(f"={fx.health_score(scores, weights, present, f'{u}<>0')}", "ratio"))
        s.set(r, 19 + offset, formula(f"={fx.health_status(score, 'RedBelow', 'GreenFrom', STATUS[self.lang])}"))
        for j, (sc, w) in enumerate(zip(scores, weights)):
            s.set(r, 20 + j + offset, formula(f"={fx.contribution(sc, w, present, score)}", "ratio"))

    def health_heads(self) -> list[str]:
        """Header texts of columns E..Y of a health row (see :meth:`health_cells`)."""
        lang = self.lang
        heads = [f"{t(c, lang)} ({t('value_of', lang)})" for c in COMPONENTS]
        heads += [f"{t(c, lang)} ({t('score_of', lang)})" for c in COMPONENTS]
        heads += [t("weights_present", lang), t("score", lang), t("status", lang)]
        heads += [f"{t(c, lang)} ({t('contribution_of', lang)})" for c in COMPONENTS]
        return heads

    def health(self) -> None:
        self.calc_health()
        lang, na = self.lang, self.na
        s = self.sheet("health", landscape=True, freeze="C5")
        self.title(s, "health")
        customers = self.ds.table("Customers")
        info = (customers.set_index("customer_id").reindex(self.health_ids) if customers is not None else None)
        heads_text = [t(h, lang) for h in ("customer_id", "name", "csm_col", "usage_row")] + self.health_heads()
        s.put_row(4, 1, heads_text, "header")
        s.row_heights[4] = 45  # wrapped headers ("Adoption (score)") need three lines
        for col, key in ((5, "group_values"), (11, "group_scores"), (17, "group_total"), (20, "group_contributions"),
                         (26, "previous_period")):
            s.set(3, col, t(key, lang), "label")
        n = len(self.health_ids)
        prev_at, prev_score = 24, 18 + 24  # the previous period's columns start right of "change" (hidden)
        s.put_row(4, 26, [t("previous_score", lang), t("change", lang)], "header")
        s.put_row(4, 4 + prev_at, [t("usage_row", lang)] + [f"{h} ({t('previous_period', lang)})"
                                                           for h in self.health_heads()], "header")
        for i, cid in enumerate(self.health_ids):
            r = 5 + i
            s.set(r, 1, cid)
            if info is not None:
                s.set(r, 2, info["name"].iloc[i] if "name" in info else "")
                s.set(r, 3, info["csm"].iloc[i] if "csm" in info else "")
            for w, offset in zip(WINDOWS, (0, prev_at)):
                at = f"MATCH({w.end},{self.health_months},0)"
                within = fx.within_months(self.health_months, w.start, w.end)
                self.health_cells(s, r, self.calc_health_row(i), at, within, offset)
            s.set(r, 26, formula(f"={L(prev_score)}{r}", "ratio"))
            s.set(r, 27, formula(f'=IF(OR(R{r}="",Z{r}=""),"",R{r}-Z{r})', "points"))
        last = max(4 + n, 5)
        self.status_colours(s, f"$S$5:$S${last}")
        self.health_score_col = ref(s.title, 5, 18, last, 18)
        for w, col in zip(WINDOWS, (18, prev_score)):
            score = ref(s.title, 5, col, last, col)
            self.kpis[f"{w.prefix}AVG_HEALTH"] = (f"=IF(COUNT({score})=0,{na},AVERAGE({score}))", "kpi_ratio")
        s.hidden_columns.update({4, *range(4 + prev_at, 26 + prev_at)})  # usage-row lookups and the previous period
        self.health_status = ref(s.title, 5, 19, last, 19)
        s.widths.update({"A": 12, "B": 30, "C": 20, "D": 8})
        s.widths.update({L(c): 12 for c in range(5, 28)})

    #: headline KPIs in Dashboard order
    KPI_ORDER = ("MRR", "ARR", "NRR", "GRR", "REVENUE_CHURN", "LOGO_CHURN", "RETENTION", "NET_CUSTOMER_CHANGE",
                 "QUICK_RATIO", "NPS", "CSAT", "CES", "FCR", "AVG_HEALTH", "AVG_BASKET", "PURCHASE_FREQUENCY",
                 "REPURCHASE_RATE", "CAC", "CONVERSION_RATE", "ABANDONMENT_RATE")

    def dashboard(self) -> None:
        """One landscape page: each KPI against the previous period, its benchmark band and target;
        the MRR bridge, NRR and NPS trends, health distribution, top accounts at risk and segments."""
        s = self.sheet("dashboard", landscape=True, one_page=True)
        lang, na = self.lang, self.na
        s.set(1, 1, f"{t('dashboard', lang)} — {self.scope}", "title")
        for row, key, start, end in ((2, "period", "=PeriodStart", "=PeriodEnd"),
                                     (3, "previous_period", f"=EDATE(PeriodStart,-{fx.months_in_period()})",
                                      "=EDATE(PeriodStart,-1)")):
            s.set(row, 1, t(key, lang), "label")
            s.set(row, 2, formula(start, "month_right"))
            s.set(row, 3, t("to", lang), "center")
            s.set(row, 4, formula(end, "month_left"))
        self.name("PrevPeriodStart", s, 3, 2)
        self.name("PrevPeriodEnd", s, 3, 4)
        source = str(self.ds.source)
        s.set(4, 1, f"{t('data_from', lang)}: {source.replace(chr(92), '/').rsplit('/', 1)[-1]}", "subtitle")
        self.stale_check(s)
        s.set(5, 1, formula(f'=IF(DataStale,"{t("stale", lang)}","")', "warning"))
        heads = ["kpi", "this_period", "previous_period", "change", "trend_marker", "band", "target_col", "target_met"]
        s.put_row(7, 1, [t(h, lang) for h in heads], "header")
        order = [k for k in self.KPI_ORDER if f"KPI_{k}" in self.kpis]
        yes, no = t("met_yes", lang), t("met_no", lang)
        for i, key in enumerate(order):
            r, low = 8 + i, key.lower()
            unit = kpi_core.KPI_UNITS[low]
            higher = kpi_core.HIGHER_IS_BETTER[low]
            for w in WINDOWS:
                text, style = self.kpis[f"{w.prefix}{key}"]
                s.set(r, w.col, formula(text, style if w.prefix == "KPI_" else style.replace("kpi_", "")))
                self.name(f"{w.prefix}{key}", s, r, w.col)
            s.set(r, 1, t(f"KPI_{key}", lang), "label")
            change_style = {"rate": "pp", "points": "points", "money": "change_money", "count": "kpi_int"}.get(
                unit, "change_ratio")
            s.set(r, 4, formula(f"={fx.change(f'B{r}', f'C{r}', na, unit)}", change_style))
            s.set(r, 5, formula(f"={fx.trend_marker(f'D{r}')}", "marker"))
            s.set(r, _BAND_ROW, formula(f"={fx.band_row(low, f'B{r}')}"))
            s.set(r, 6, formula(f"={fx.band_field(f'{L(_BAND_ROW)}{r}', 'label')}"))
            s.set(r, _BAND_ROW + 1, formula(f"={fx.band_field(f'{L(_BAND_ROW)}{r}', 'colour')}"))
            s.set(r, 7, formula(f"={fx.target(low)}", self.kpis[f"KPI_{key}"][1].replace("kpi_", "")))
            s.set(r, 8, formula(f"={fx.target_met(f'B{r}', f'G{r}', higher, yes, no)}", "center"))
            good, bad = (">0", "<0") if higher else ("<0", ">0")
            s.cond_formats.append(CondFormat(f"E{r}", formula=f"AND(ISNUMBER($D{r}),$D{r}{good})", font="00875A"))
            s.cond_formats.append(CondFormat(f"E{r}", formula=f"AND(ISNUMBER($D{r}),$D{r}{bad})", font="C00000"))
        last = 7 + len(order)
        if "PredictedClvTotal" in self.layout.names:  # the e-commerce block's predicted value (DESIGN.md §11)
            last += 1
            s.set(last, 1, t("cv_total", lang), "label")
            s.set(last, 2, formula("=PredictedClvTotal", "kpi_money"))
        for word, color in (("red", RED), ("amber", AMBER), ("green", GREEN)):
            s.cond_formats.append(CondFormat(f"F8:F{max(last, 8)}", formula=f'${L(_BAND_ROW + 1)}8="{word}"',
                                             color=color))
        s.cond_formats.append(CondFormat(f"H8:H{max(last, 8)}", value=yes, color=GREEN))
        s.cond_formats.append(CondFormat(f"H8:H{max(last, 8)}", value=no, color=RED))
        s.hidden_columns.update({_BAND_ROW, _BAND_ROW + 1, _BAND_ROW + 2})  # band row, band colour, fingerprints
        s.widths.update({"A": 40, "B": 15, "C": 15, "D": 12, "E": 10, "F": 18, "G": 12, "H": 16, "I": 3})
        row = last + 2
        row = self.dashboard_lists(s, row)
        self.dashboard_charts(s)

    def stale_check(self, s: SheetLayout) -> None:
        """``DataStale``: TRUE when a data table's rows or money column changed since this build (or Refresh).

        Fingerprints of the tables the helper sheets are derived from (row
        count and, for Subscriptions and Orders, the money total) are written
        as numbers in a hidden column; each is compared with the live table.
        """
        checks = []
        r = 2
        for name, column in (("Customers", "customer_id"), ("Subscriptions", "mrr"), ("Responses", "score"),
                             ("Tickets", "ticket_id"), ("Usage", "customer_id"), ("Orders", "amount")):
            frame = self.ds.table(name)
            if frame is None:
                continue
            c, at = _BAND_ROW + 2, f"${L(_BAND_ROW + 2)}${r}"
            s.set(r, c, float(max(len(frame), 1)))  # an empty Excel table keeps one blank row
            checks.append(f"ROWS({name}[{column}])<>{at}")
            r += 1
            if column in ("mrr", "amount"):
                at = f"${L(c)}${r}"
                s.set(r, c, float(round(frame[column].sum(), 6)))
                checks.append(f"ABS(SUM({name}[{column}])-{at})>0.000001*MAX(1,ABS({at}))")
                r += 1
        s.set(1, _BAND_ROW + 2, formula(f"=OR({','.join(checks)})" if checks else "=FALSE"))
        self.name("DataStale", s, 1, _BAND_ROW + 2)

    def dashboard_lists(self, s: SheetLayout, row: int) -> int:
        """Top accounts at risk (by MRR) and the segment table, below the KPIs."""
        lang = self.lang
        if "followup" in self.sheets and self.at_risk_rows and self.at_risk_rows[1] == 0:
            s.set(row, 1, t("at_risk_top", lang), "label")
            s.set(row + 1, 1, t("no_at_risk", lang), "note")
            row += 3
        elif "followup" in self.sheets and self.at_risk_rows:
            s.set(row, 1, t("at_risk_top", lang), "label")
            heads = ["customer", "csm_col", "mrr_col", "health_col", "change", "weakest"]
            s.put_row(row + 1, 1, [t(h, lang) for h in heads], "header")
            first, n = self.at_risk_rows
            src = t("followup", lang)
            for i in range(min(n, 8)):
                r, sr = row + 2 + i, first + i
                for j, (col, style) in enumerate(((2, None), (3, None), (5, "money"), (6, "ratio"),
                                                  (8, "points"), (10, None))):
                    cell = ref(src, sr, col)
                    s.set(r, 1 + j, formula(f'=IF({cell}="","",{cell})', style))  # a blank stays blank, not 0
            row += 3 + min(n, 8)
        if "breakdowns" in self.sheets and self.segment_rows:
            s.set(row, 1, t("by_segment", lang), "label")
            heads = ["segment", "customers", "mrr_col", "KPI_NRR", "KPI_NPS", "KPI_AVG_HEALTH"]
            s.put_row(row + 1, 1, [t(h, lang) for h in heads], "header")
            first, n, cols = self.segment_rows
            src = t("breakdowns", lang)
            for i in range(min(n, 6)):
                r = row + 2 + i
                for j, (key, style) in enumerate((("segment", None), ("customers", "int"), ("mrr", "money"),
                                                  ("nrr", "pct"), ("nps", "points"), ("avg_health", "ratio"))):
                    if key in cols:
                        s.set(r, 1 + j, formula(f"={ref(src, first + i, cols[key])}", style))
            row += 3 + min(n, 6)
        return row

    def dashboard_charts(self, s: SheetLayout) -> None:
        """Charts right of the KPI table; their data (with gaps as #N/A) lives on calc_charts."""
        lang = self.lang
        c = self.sheets.get("calc_charts")
        if "KPI_NRR" in self.kpis:
            b = self.bridge_range
            s.charts.append(Chart("stacked", t("chart_waterfall", lang), "J2", b["labels"], [
                Series(b[key], t(key, lang), color)
                for key, color in (("base", "none"), ("total", BRAND), ("up", GREEN), ("down", RED))],
                y_format="#,##0", legend=False, width=12, height=7))
        if c is not None:
            for anchor, key, cols, fmt in (("Q2", "chart_nrr", self.chart_cols.get("nrr"), "0%"),
                                           ("J17", "chart_nps", self.chart_cols.get("nps"), "0")):
                if cols is None:
                    continue
                axis = ref(c.title, 2, 1, 1 + len(self.months), 1)
                s.charts.append(Chart("line", t(key, lang), anchor, axis, [
                    Series(ref(c.title, 2, cols[0], 1 + len(self.months), cols[0]), t("this_period", lang), BRAND),
                    Series(ref(c.title, 2, cols[1], 1 + len(self.months), cols[1]), t("outside_period", lang),
                           "A6A6A6")], y_format=fmt, legend=True, width=12, height=7, blanks="span"))
            if self.health_ids is not None and len(self.health_ids) > 1 and "health" in self.chart_cols:
                col, first = self.chart_cols["health"]
                s.charts.append(Chart(
                    "column", t("chart_health", lang), "Q17", ref(c.title, first, col, first + 2, col),
                    [Series(ref(c.title, first, col + 1, first + 2, col + 1), t("customers", lang))],
                    legend=False, width=12, height=7))

    def calc_charts(self) -> None:
        """Chart data: each trend split into the report period and the months outside it, #N/A where a month
        has no value (a line chart skips #N/A instead of drawing 0); the MRR bridge's base/total/gain/loss."""
        s = self.sheet("calc_charts", tab_color="D9D9D9", landscape=True)
        lang, m = self.lang, len(self.months)
        self.chart_cols: dict = {}
        s.set(1, 1, t("month", lang), "header")
        for j, month in enumerate(self.months):
            s.set(2 + j, 1, month.to_pydatetime(), "month")
        col = 2
        sources = []
        if "KPI_NRR" in self.kpis:
            first, _ = self.mov_rows
            sources.append(("nrr", t("movements", self.lang), first, 10))
        if "KPI_NPS" in self.kpis:
            first, _ = self.nps_trend
            sources.append(("nps", t("surveys", self.lang), first + 1, 3))
        for key, sheet, first, src_col in sources:
            s.put_row(1, col, [f"{key} ({t('this_period', lang)})", f"{key} ({t('outside_period', lang)})"],
                      "header")
            for j in range(m):
                r, v = 2 + j, ref(sheet, first + j, src_col)
                inside = f"AND($A{r}>=PeriodStart,$A{r}<=PeriodEnd)"
                s.set(r, col, formula(f"=IF(AND({inside},ISNUMBER({v})),{v},NA())"))
                s.set(r, col + 1, formula(f"=IF(AND(NOT({inside}),ISNUMBER({v})),{v},NA())"))
            self.chart_cols[key] = (col, col + 1)
            col += 3
        if "KPI_NRR" in self.kpis:
            col = self.waterfall(s, col)
        if self.health_ids is not None and len(self.health_ids) > 1:
            s.set(1, col, t("distribution", lang), "header")
            for j, word in enumerate(STATUS[lang]):
                s.set(2 + j, col, word)
                s.set(2 + j, col + 1, formula(f'=COUNTIF({self.health_status},"{word}")', "int"))
            self.chart_cols["health"] = (col, 2)
            col += 2
        s.widths.update({"A": 12, **{L(c): 14 for c in range(2, col + 1)}})

    def waterfall(self, s: SheetLayout, col: int) -> int:
        """The MRR bridge's stacked-bar data (an invisible base, then total / gain / loss) in columns from `col`."""
        lang, b = self.lang, self.bridge
        s.put_row(1, col, ["", t("base", lang), t("total", lang), t("up", lang), t("down", lang)], "header")
        steps = [("start", None), ("new", "up"), ("expansion", "up"), ("reactivation", "up"),
                 ("contraction", "down"), ("churn", "down"), ("end", None)]
        C = [L(col + k) for k in range(5)]
        for i, (key, kind) in enumerate(steps):
            r = 2 + i
            s.set(r, col, t(key, lang))
            prev_top = f"{C[1]}{r - 1}+{C[2]}{r - 1}+{C[3]}{r - 1}"
            if kind is None:
                s.put_row(r, col + 1, [0.0, formula(f"={b[key]}", "money"), 0.0, 0.0])
            elif kind == "up":
                s.put_row(r, col + 1, [formula(f"={prev_top}", "money"), 0.0, formula(f"={b[key]}", "money"), 0.0])
            else:  # the "down" base must not include the bar itself: base = previous top - loss
                s.put_row(r, col + 1, [formula(f"={prev_top}-{C[4]}{r}", "money"), 0.0, 0.0,
                                       formula(f"={b[key]}", "money")])
        last = 1 + len(steps)
        self.bridge_range = {"labels": ref(s.title, 2, col, last, col),
                             **{k: ref(s.title, 2, col + 1 + j, last, col + 1 + j)
                                for j, k in enumerate(("base", "total", "up", "down"))}}
        return col + 6

    def followup(self) -> None:
        """The follow-up lists of DESIGN.md §9 as of the build: AtRisk and Detractors (re-derived by Refresh)."""
        lang, ds, p = self.lang, self.ds, self.period
        self.at_risk_rows = None
        risk = kpi_core.at_risk(ds, p.start, p.end, self.config) if self.has("Usage") else None
        det = kpi_core.detractors(ds, p.start, p.end) if self.has("Responses") else None
        if risk is None and det is None:
            return
        s = self.sheet("followup", landscape=True)
        self.title(s, "followup")
        s.set(3, 1, t("as_of_note", lang), "subtitle")
        row = 5
        if risk is not None:
            s.set(row, 1, t("at_risk", lang), "label")
            frame = risk.copy()
            frame["status"] = frame["status"].map(dict(zip(("Red", "Amber", "Green"), STATUS[lang]))).fillna("")
            frame["weakest"] = frame["weakest"].map(lambda c: t(c, lang) if isinstance(c, str) and c else "")
            s.blocks.append(Block(frame.reset_index(drop=True), row=row + 1, table="AtRisk",
                                  styles={"mrr": "money", "health": "ratio", "previous_health": "ratio",
                                          "change": "points"}))
            self.at_risk_rows = (row + 2, len(frame))
            self.status_colours(s, f"I{row + 2}:I{row + 1 + max(len(frame), 1)}")
            if not len(frame):
                s.set(row + 2, 2, t("no_at_risk", lang), "note")
            row += 3 + max(len(frame), 1)
        if det is not None:
            s.set(row, 1, t("detractors_list", lang), "label")
            has_time = bool(len(det)) and (det["date"] != det["date"].dt.normalize()).any()
            s.blocks.append(Block(det.reset_index(drop=True), row=row + 1, table="Detractors",
                                  styles={"date": "datetime" if has_time else "date", "score": "int"}))
            if not len(det):
                s.set(row + 2, 2, t("no_detractor", lang), "note")
        s.widths.update({"A": 14, "B": 30, "C": 20, "D": 18, "E": 14, "F": 12, "G": 17, "H": 12, "I": 12,
                         "J": 20})

    def breakdowns(self) -> None:
        """``KpiBySegment`` and ``KpiByCsm``: headline KPIs per group, live with the period."""
        self.segment_rows = None
        customers = self.ds.table("Customers")
        if (customers is None or len(customers) < 2 or not self.has("Subscriptions")
                or not len(self.ds.table("Subscriptions"))):
            return  # one account (the account review) has nothing to break down
        present = [by for by in kpi_core.BREAKDOWNS if by in customers]
        if not present:
            return
        lang, na = self.lang, self.na
        s = self.sheet("breakdowns", landscape=True)
        self.title(s, "breakdowns")
        sc, ec = self.mrr_col_of("PeriodStart"), self.mrr_col_of("PeriodEnd")
        m0, m1 = f"INDEX(MrrMatrix,0,{sc})", f"INDEX(MrrMatrix,0,{ec})"
        row = 4
        for by in present:
            groups = kpi_core.customer_groups(self.ds, by)
            labels = groups.where(groups != "", kpi_core.UNASSIGNED)
            order = kpi_core.kpis_by(self.ds, by, self.period.start, self.period.end, self.config)[by].tolist()
            member = self.group_column(by, labels)
            cols = ["customers", "mrr", "nrr", "grr", "logo_churn"]
            if self.has("Responses"):
                cols += ["nps", "csat"]
            if self.health_ids is not None:
                cols += ["avg_health"]
            s.set(row, 1, t(f"by_{by}", lang), "label")
            heads = [by, *cols]  # the table's column names (DESIGN.md §9), like the data tables'
            frame = pd.DataFrame({by: order, **{c: np.nan for c in cols}})
            s.blocks.append(Block(frame, row=row + 1, table="KpiBySegment" if by == "segment" else "KpiByCsm",
                                  headers=heads))
            for i in range(len(order)):
                r = row + 2 + i
                g = f"$A{r}"
                mask = f"{member['mrr']}={g}"
                start, end = fx.total(m0, mask), fx.total(m1, mask)
                exp, con, chu = fx.expansion(m0, m1, mask), fx.contraction(m0, m1, mask), fx.churned(m0, m1, mask)
                cells = {
                    "customers": (f"={fx.active(m1, mask)}", "int"),
                    "mrr": (f"={end}", "money"),
                    "nrr": (f"={fx.nrr(start, exp, chu, con, na)}", "pct"),
                    "grr": (f"={fx.grr(start, chu, con, na)}", "pct"),
                    "logo_churn": (f"={fx.logo_churn(fx.lost(m0, m1, mask), fx.active(m0, mask), na)}", "pct"),
                }
                if "nps" in cols:
                    score = "Responses[score]"
                    period = fx.within_dates("Responses[date]", "PeriodStart", "PeriodNext")
                    mine = f"{member['responses']},{g}"
                    nps = fx.when('Responses[survey]', '"NPS"', period, mine)
                    csat = fx.when('Responses[survey]', '"CSAT"', period, mine)
                    cells["nps"] = (f"=IFERROR({fx.nps(score, nps, na)},{na})", "points")
                    cells["csat"] = (f"=IFERROR({fx.csat(score, csat, na)},{na})", "pct")
                if "avg_health" in cols:
                    cells["avg_health"] = (f"=IFERROR(AVERAGEIFS({self.health_score_col},{member['health']},{g}),"
                                           f"{na})", "ratio")
                for j, c in enumerate(cols):
                    text, style = cells[c]
                    s.set(r, 2 + j, formula(text, style))
            if by == "segment":
                self.segment_rows = (row + 2, len(order), {c: 2 + j for j, c in enumerate(cols)} | {"segment": 1})
            row += 3 + len(order)
        s.widths.update({"A": 26, **{L(c): 14 for c in range(2, 10)}})

    def group_column(self, by: str, labels: pd.Series) -> dict:
        """Static group columns aligned with calc_mrr's customers, the Responses rows and the Health rows
        (helper columns, re-derived by Refresh): where -> range."""
        out = {}
        calc = self.sheets["calc_mrr"]
        first, last = self.mrr_rows
        col = self.mrr_blank_col + 3 + kpi_core.BREAKDOWNS.index(by)
        calc.set(1, col, by, "header")
        ids = self.mrr_ids
        for i, v in enumerate(labels.reindex(ids).fillna(kpi_core.UNASSIGNED)):
            calc.set(first + i, col, v)
        out["mrr"] = ref(calc.title, first, col, last, col)
        responses = self.ds.table("Responses")
        if responses is not None:
            groups = self.sheets.get("calc_groups") or self.sheet("calc_groups", tab_color="D9D9D9", landscape=True)
            gcol = 1 + kpi_core.BREAKDOWNS.index(by)
            groups.set(1, gcol, by, "header")
            values = labels.reindex(responses["customer_id"]).fillna(kpi_core.UNASSIGNED).to_numpy()
            groups.blocks.append(Block(pd.DataFrame({by: values}), row=2, col=gcol, header=False))
            out["responses"] = ref(groups.title, 2, gcol, 1 + max(len(responses), 1), gcol)
        if self.health_ids is not None:
            health = self.sheets["health"]
            hcol = 51 + kpi_core.BREAKDOWNS.index(by)
            health.set(4, hcol, by, "header")
            for i, v in enumerate(labels.reindex(self.health_ids).fillna(kpi_core.UNASSIGNED)):
                health.set(5 + i, hcol, v)
            health.hidden_columns.add(hcol)
            out["health"] = ref(health.title, 5, hcol, 4 + max(len(self.health_ids), 1), hcol)
        return out

    def guide(self, titles: list[str]) -> None:
        s = self.sheet("guide", computed=False)
        s.widths.update({"A": 100})
        for i, (text, style) in enumerate(guide_rows(self.lang, titles, self.scope)):
            s.set(1 + i, 1, text, style)
            # wrapped text needs its height: about 100 characters a line at width 100, 15 points a line
            lines = -(-len(text) // 100)
            s.row_heights[1 + i] = 24 if style == "title" else 18 if style == "label" else max(15, 15 * lines + 3)

    def build(self) -> WorkbookLayout:
        self.settings()
        self.data_sheets()
        if self.has("Subscriptions") and len(self.ds.table("Subscriptions")):
            self.calc_mrr()
            self.movements()
            self.revenue()
            self.cohorts()
        if self.has("Responses"):
            self.surveys()
        if self.has("Tickets"):
            self.support()
        if self.has("Usage") and len(self.ds.table("Usage")):
            self.health()
        if any(self.has(n) for n in ("Orders", "Funnel", "Acquisition")):
            self.commerce()
        if self.customer_value and self.has("Orders"):
            from .customer_value import customer_value_from_orders, customer_value_names

            sheet = customer_value_from_orders(self.ds, self.lang, scope=self.scope)
            self.sheets["customer_value"] = sheet
            self.layout.names.update(customer_value_names(sheet))
        self.followup()
        self.breakdowns()
        self.calc_charts()
        self.dashboard()
        for _, add in self.extras:
            add(self)
        order = ["dashboard", *(key for key, _ in self.extras), "guide", "settings", "followup", "breakdowns",
                 "revenue", "movements", "cohorts", "surveys", "support", "health", "commerce", "customer_value",
                 *DATA_ORDER,
                 "calc_mrr", "calc_health", "calc_orders", "calc_charts", "calc_groups"]
        titles = [t(k, self.lang) for k in order if k in self.sheets or k == "guide"]
        self.guide(titles)
        self.layout.sheets = [self.sheets[k] for k in order if k in self.sheets]
        months = self.layout.names.get("MrrMonths") or self.health_months
        if months:
            self.layout.names["MonthList"] = months
            self.sheets["settings"].validations.append(
                Validation("B4:B5", "MonthList", t("period_prompt", self.lang)))
        return self.layout


def portfolio_layout(ds: Dataset, period_start=None, period_end=None, *, lang: str = "en",
                     scope: str | None = None, config: HealthConfig | None = None, bands=None, targets=None,
                     currency: str = "", customer_value: bool = False) -> WorkbookLayout:
    """The portfolio workbook layout for a dataset.

    Parameters
    ----------
    ds : Dataset
    period_start, period_end : str or date, optional
        The report period written to Settings (default: the last six months).
    lang : {"en", "fr"}
    scope : str, optional
        What the workbook covers, shown in titles (default "Portfolio").
    config : HealthConfig, optional
        Written to Settings as the health configuration.
    bands : DataFrame, optional
        Benchmark bands (:func:`kpi_core.default_bands` by default), written to Settings' Bands table.
    targets : dict, optional
        Headline key -> target, written to Settings' Targets table.
    currency : str, optional
        Shown with money amounts ("€", "$", "CHF"...); none by default.
    customer_value : bool, default False
        Add the "Customer value" sheet (BG/NBD + Gamma-Gamma predictions of the
        Orders table, DESIGN.md §11, as of the build) and its total on the
        Dashboard. It fits models (seconds), so batches add it to the portfolio only.
    """
    period = kpi_core.report_period(ds, period_start, period_end)
    return PortfolioBuilder(ds, period, lang, scope or t("portfolio", lang), config, bands=bands, targets=targets,
                            currency=currency, customer_value=customer_value).build()
