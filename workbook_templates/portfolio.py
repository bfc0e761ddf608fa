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

from . import formulas as fx
from .guide import guide_rows
from .labels import STATUS, t
from .layout import Block, Chart, CondFormat, Series, SheetLayout, Validation, WorkbookLayout, formula, ref
from .styles import AMBER, BRAND, GREEN, RED

__all__ = ["portfolio_layout", "PortfolioBuilder", "DATA_ORDER", "month_axis"]

#: order of the data sheets
DATA_ORDER = ("Customers", "Subscriptions", "Responses", "Tickets", "Usage", "Orders", "Funnel", "Acquisition")
#: rows of an Excel (and LibreOffice) sheet
EXCEL_MAX_ROWS = 1_048_576
_DERIVED = {"positive"}  # columns kpi_core adds while validating; not input data
_GAINS_LOSSES = ("new", "expansion", "reactivation", "contraction", "churn")  # quick ratio argument order
_DATE_COLUMNS = {"month", "date", "opened_at", "signup_date"}


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


def _written_frame(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The table as written to its sheet: input columns only; CSAT yes/no answers as text."""
    out = frame.drop(columns=[c for c in _DERIVED if c in frame.columns])
    if name == "Responses" and "positive" in frame:
        yes_no = frame["score"].isna() & frame["positive"].notna()
        if yes_no.any():
            score = out["score"].astype(object)
            score[yes_no] = np.where(frame.loc[yes_no, "positive"] > 0, "yes", "no")
            out["score"] = score
    return out


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
        public helpers: :meth:`sheet`, :meth:`title`, :meth:`has`,
        :meth:`health_cells`, :meth:`health_heads`, :meth:`calc_health_row`,
        and the attributes ``ds``, ``lang``, ``months``, ``health_ids``,
        ``health_months``.
    """

    def __init__(self, ds: Dataset, period: Period, lang: str, scope: str, config: HealthConfig | None,
                 extras=()):
        self.ds, self.period, self.lang, self.scope = ds, period, lang, scope
        self.extras = list(extras)
        self.health_ids = self.health_months = None
        self.config = config or HealthConfig()
        self.layout = WorkbookLayout(lang=lang, title=scope)
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

    def title(self, sheet: SheetLayout, key: str) -> None:
        sheet.set(1, 1, f"{t(key, self.lang)} — {self.scope}", "title")
        sheet.set(2, 1, formula("=PeriodStart", "month"))
        sheet.set(2, 2, t("to", self.lang), None)
        sheet.set(2, 3, formula("=PeriodEnd", "month"))
        sheet.widths.update({"A": 46, "B": 16, "C": 14})

    # -- sheets ----------------------------------------------------------------------------
    def settings(self) -> None:
        s = self.sheet("settings", computed=False, tab_color="FFC000")
        lang = self.lang
        s.set(1, 1, t("settings", lang), "title")
        s.set(2, 1, t("settings_note", lang), "note")
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
                                      (last + 5, "nps_confidence", 0.95, "NpsConfidence"),
                                      (last + 6, "clv_years", 3.0, "ClvYears")):
            s.set(row, 1, t(key, lang), "label")
            s.set(row, 2, float(value), "input")
            self.name(name, s, row, 2)
        s.widths.update({"A": 44, "B": 18, "C": 18, "D": 18})

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
            out = _written_frame(name, frame)
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
            s.widths.update({L(j + 1): max(12, min(40, len(str(c)) + 4)) for j, c in enumerate(out.columns)})

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
        self.name("MrrMonths", s, 1, 3, 1, 2 + m)
        # MrrMatrix ends with one blank column (3 + m): a period month off the axis (before the data, say)
        # reads it, so its MRR is 0, as in kpi_core (a missing row is MRR 0)
        self.name("MrrMatrix", s, 2, 3, last, 3 + m)
        self.name("MrrFirst", s, 2, 2, last, 2)
        self.mrr_blank_col = m + 1
        s.widths.update({"A": 14, "B": 12})

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
        na = self.na
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
        red, amber, green = STATUS[lang]
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
        status = f"$S$5:$S${last}"
        for word, color in ((red, RED), (amber, AMBER), (green, GREEN)):
            s.cond_formats.append(CondFormat(status, word, color))
        for w, col in zip(WINDOWS, (18, prev_score)):
            score = ref(s.title, 5, col, last, col)
            self.kpis[f"{w.prefix}AVG_HEALTH"] = (f"=IF(COUNT({score})=0,{na},AVERAGE({score}))", "kpi_ratio")
        s.hidden_columns.update({4, *range(4 + prev_at, 26 + prev_at)})  # usage-row lookups and the previous period
        self.health_status = ref(s.title, 5, 19, last, 19)
        s.widths.update({"A": 12, "B": 30, "C": 20, "D": 8})
        s.widths.update({L(c): 11 for c in range(5, 26)})

    def dashboard(self) -> None:
        s = self.sheet("dashboard", landscape=True)
        lang = self.lang
        s.set(1, 1, f"{t('dashboard', lang)} — {self.scope}", "title")
        s.set(2, 1, t("period", lang), "label")
        s.set(2, 2, formula("=PeriodStart", "month"))
        s.set(2, 3, formula("=PeriodEnd", "month"))
        s.set(3, 1, f"{t('generated', lang)} {self.ds.source}", "subtitle")
        s.put_row(5, 1, [t("kpi", lang), t("value", lang)], "header")
        order = [k for k in ("KPI_MRR", "KPI_ARR", "KPI_NRR", "KPI_GRR", "KPI_REVENUE_CHURN", "KPI_LOGO_CHURN",
                             "KPI_RETENTION", "KPI_NET_CUSTOMER_CHANGE", "KPI_QUICK_RATIO", "KPI_NPS", "KPI_CSAT",
                             "KPI_CES", "KPI_FCR", "KPI_AVG_HEALTH", "KPI_AVG_BASKET", "KPI_PURCHASE_FREQUENCY",
                             "KPI_REPURCHASE_RATE", "KPI_CAC", "KPI_CONVERSION_RATE", "KPI_ABANDONMENT_RATE")
                 if k in self.kpis]
        for i, key in enumerate(order):
            text, style = self.kpis[key]
            s.set(6 + i, 1, t(key, lang), "label")
            s.set(6 + i, 2, formula(text, style))
            self.name(key, s, 6 + i, 2)
        s.widths.update({"A": 40, "B": 18, "C": 14, "D": 14, "E": 14})
        row = 6 + len(order) + 2
        if "KPI_NRR" in self.kpis:
            row = self._waterfall(s, row)
            # month-over-month NRR starts with the second month (the first has no previous month)
            first, last = self.mov_rows
            s.charts.append(Chart("line", t("chart_nrr", lang), "G21",
                                  ref(t("movements", lang), first + 1, 1, last, 1),
                                  [Series(ref(t("movements", lang), first + 1, 10, last, 10), t("mom_nrr", lang))],
                                  y_format="0%", legend=False))
        if "KPI_NPS" in self.kpis:
            first, last = self.nps_trend
            s.charts.append(Chart("line", t("chart_nps", lang), "Q4", ref(t("surveys", lang), first + 1, 1, last, 1),
                                  [Series(ref(t("surveys", lang), first + 1, 3, last, 3), "NPS")],
                                  y_format="0", legend=False))
        if "KPI_AVG_HEALTH" in self.kpis:
            s.set(row, 1, t("distribution", lang), "label")
            for j, word in enumerate(STATUS[lang]):
                s.set(row + 1 + j, 1, word)
                s.set(row + 1 + j, 2, formula(f'=COUNTIF({self.health_status},"{word}")', "int"))
            s.charts.append(Chart("column", t("chart_health", lang), "Q21", ref(s.title, row + 1, 1, row + 3, 1),
                                  [Series(ref(s.title, row + 1, 2, row + 3, 2), t("customers", lang))],
                                  legend=False))
            row += 5

    def _waterfall(self, s: SheetLayout, row: int) -> int:
        lang, b = self.lang, self.bridge
        s.put_row(row, 1, ["", t("base", lang), t("total", lang), t("up", lang), t("down", lang)], "header")
        steps = [("start", None), ("new", "up"), ("expansion", "up"), ("reactivation", "up"),
                 ("contraction", "down"), ("churn", "down"), ("end", None)]
        for i, (key, kind) in enumerate(steps):
            r = row + 1 + i
            s.set(r, 1, t(key, lang))
            if kind is None:
                s.put_row(r, 2, [0.0, formula(f"={b[key]}", "money"), 0.0, 0.0])
            elif kind == "up":
                s.put_row(r, 2, [formula(f"=B{r - 1}+C{r - 1}+D{r - 1}", "money"), 0.0,
                                 formula(f"={b[key]}", "money"), 0.0])
            else:
                s.put_row(r, 2, [formula(f"=B{r - 1}+C{r - 1}+D{r - 1}-E{r}", "money"), 0.0, 0.0,
                                 formula(f"={b[key]}", "money")])
        # the "down" base must not include the bar itself: base(r) = previous top - loss
        last = row + len(steps)
        s.charts.append(Chart("stacked", t("chart_waterfall", lang), "G4", ref(s.title, row + 1, 1, last, 1), [
            Series(ref(s.title, row + 1, 2 + j, last, 2 + j), t(key, lang), color)
            for j, (key, color) in enumerate((("base", "none"), ("total", BRAND), ("up", GREEN), ("down", RED)))],
            y_format="#,##0", legend=False))
        return last + 2

    def guide(self, titles: list[str]) -> None:
        s = self.sheet("guide", computed=False)
        s.widths.update({"A": 120})
        for i, (text, style) in enumerate(guide_rows(self.lang, titles, self.scope)):
            s.set(1 + i, 1, text, style)

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
        self.dashboard()
        for _, add in self.extras:
            add(self)
        order = ["dashboard", *(key for key, _ in self.extras), "guide", "settings", "revenue", "movements",
                 "cohorts", "surveys", "support", "health", "commerce", *DATA_ORDER, "calc_mrr", "calc_health",
                 "calc_orders"]
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
                     scope: str | None = None, config: HealthConfig | None = None) -> WorkbookLayout:
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
    """
    period = kpi_core.report_period(ds, period_start, period_end)
    return PortfolioBuilder(ds, period, lang, scope or t("portfolio", lang), config).build()
