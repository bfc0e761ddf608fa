"""Revenue: the calc_mrr helper, MRR movements, the Revenue sheet (both periods) and Cohorts.

``calc_mrr`` is the customer x month MRR matrix derived from the Subscriptions
table (``MrrMatrix``, ``MrrMonths``, ``MrrFirst``: each customer's first month with
MRR), plus each customer's group (segment, CSM) for the Breakdowns sheet. Every
revenue formula reads it: a period's start and end columns are found with
``MATCH`` on the month header, so changing the period is live; new rows or
months need Refresh (``DataStale`` says so).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter as L

import kpi_core

from ..spec import formulas as fx
from ..spec.fingerprints import Read
from ..spec.layout import Block, Chart, ColumnRef, CondFormat, Series, formula, ref
from .builder import Built, SheetBuilder
from .context import WINDOWS, Context, blank_zeros

__all__ = ["MrrHelper", "CALC_MRR", "MOVEMENTS", "REVENUE", "COHORTS", "GAINS_LOSSES"]

#: quick ratio argument order (DESIGN.md §8), and the MRR bridge's steps
GAINS_LOSSES = ("new", "expansion", "reactivation", "contraction", "churn")
#: columns of the MRR movements sheet, in order
_MOVEMENT_HEADS = ("month", "start", "new", "expansion", "contraction", "churn", "reactivation", "end",
                   "active_customers", "mom_nrr")
_FIRST_DATA_ROW = 2  # calc_mrr: row 1 is the month header
_FIRST_MONTH_COL = 3  # calc_mrr: A customer_id, B first_month, then one column per month


@dataclass(frozen=True)
class MrrHelper:
    """What calc_mrr publishes: where its rows and columns are (anchor ``mrr``)."""

    title: str
    ids: pd.Index  # the customers, in row order
    months: int  # months of the axis
    group_cols: dict  # "segment" / "csm" -> range of each customer's group label (aligned with the rows)

    @property
    def first_row(self) -> int:
        return _FIRST_DATA_ROW

    @property
    def last_row(self) -> int:
        return max(_FIRST_DATA_ROW + len(self.ids) - 1, _FIRST_DATA_ROW)

    @property
    def blank_col(self) -> int:
        """The MrrMatrix column (1-based) of its blank last column, read for a month off the axis."""
        return self.months + 1

    def col_of(self, month: str) -> str:
        """The MrrMatrix column of a month name or cell (its blank last column when the month is off the axis)."""
        return f"IFERROR(MATCH({month},MrrMonths,0),{self.blank_col})"

    def month(self, j: int) -> str:
        """Month j (0-based) of the axis as an absolute range of calc_mrr."""
        col = _FIRST_MONTH_COL + j
        return ref(self.title, self.first_row, col, self.last_row, col)

    def of(self, month: str) -> str:
        """The MRR column of a month name or cell: ``INDEX(MrrMatrix,0,...)``."""
        return f"INDEX(MrrMatrix,0,{self.col_of(month)})"


def _calc_mrr(ctx: Context, _) -> Built:
    subs = ctx.table("Subscriptions")
    s = ctx.sheet("calc_mrr", landscape=True, tab_color="D9D9D9", freeze="C2")
    ids = pd.Index(pd.unique(subs["customer_id"])).sort_values()
    n, m = len(ids), len(ctx.months)
    matrix = np.zeros((n, m))
    np.add.at(matrix, (ids.get_indexer(subs["customer_id"]), ctx.month_index(subs["month"])), subs["mrr"].to_numpy())
    active = matrix > 0
    first = np.where(active.any(axis=1), active.argmax(axis=1), -1)
    first_month = pd.Series(np.where(first >= 0, ctx.months[np.clip(first, 0, None)], pd.NaT),
                            dtype="datetime64[ns]")
    frame = pd.DataFrame(blank_zeros(matrix), columns=[f"m{j}" for j in range(m)])
    frame.insert(0, "first_month", first_month)
    frame.insert(0, "customer_id", ids.to_numpy())
    s.put_row(1, 1, ["customer_id", "first_month"], "header")
    s.put_row(1, _FIRST_MONTH_COL, [month.to_pydatetime() for month in ctx.months], "month")
    s.blocks.append(Block(frame, row=_FIRST_DATA_ROW, header=False, styles={"first_month": "month"}))
    helper = MrrHelper(s.title, ids, m, {})
    # MrrMatrix ends with one blank column: a period month off the axis (before the data, say)
    # reads it, so its MRR is 0, as in kpi_core (a missing row is MRR 0)
    blank = _FIRST_MONTH_COL + m
    names: dict = {}
    ctx.name(names, "MrrMonths", s, 1, _FIRST_MONTH_COL, 1, blank - 1)
    ctx.name(names, "MrrMatrix", s, helper.first_row, _FIRST_MONTH_COL, helper.last_row, blank)
    ctx.name(names, "MrrFirst", s, helper.first_row, 2, helper.last_row, 2)
    # each customer's group (the Breakdowns' SUMPRODUCTs), right of the blank column
    reads = [Read("Subscriptions", "customer_id", "length"), Read("Subscriptions", "month", "month"),
             Read("Subscriptions", "mrr", "number")]
    for k, by in enumerate(ctx.breakdowns):
        col = blank + 1 + k
        labels = ctx.group_labels(by, ids)
        s.set(1, col, by, "header")
        s.blocks.append(Block(pd.DataFrame({by: labels.to_numpy()}), row=_FIRST_DATA_ROW, col=col, header=False))
        helper.group_cols[by] = ref(s.title, helper.first_row, col, helper.last_row, col)
        reads.append(Read.of_words("Customers", by, labels))
    s.widths.update({"A": 14, "B": 12, **{L(c): 11 for c in range(_FIRST_MONTH_COL, blank + 3)}})  # "janv. 2026"
    return Built([s], names, {"mrr": helper, "stale.calc_mrr": tuple(reads)})


def _movements(ctx: Context, a) -> Built:
    mrr: MrrHelper = a["mrr"]
    s = ctx.sheet("movements", landscape=True, freeze="B5")
    ctx.title(s, "movements")
    head = 4
    col = {h: j + 1 for j, h in enumerate(_MOVEMENT_HEADS)}
    L_ = {h: L(c) for h, c in col.items()}
    s.put_row(head, 1, [ctx.t(h) for h in _MOVEMENT_HEADS], "header")
    for j, month in enumerate(ctx.months):
        r = head + 1 + j
        cur = mrr.month(j)
        s.set(r, col["month"], month.to_pydatetime(), "month")
        if j == 0:  # the first month of the data: all its MRR is new
            s.set(r, col["start"], 0.0, "money")
            s.set(r, col["new"], formula(f"=SUM({cur})", "money"))
            for h in ("expansion", "contraction", "churn", "reactivation"):
                s.set(r, col[h], 0.0, "money")
        else:
            prev = mrr.month(j - 1)
            at = f"{L_['month']}{r}"
            s.set(r, col["start"], formula(f"={L_['end']}{r - 1}", "money"))
            s.set(r, col["new"], formula(f"={fx.new_mrr(cur, 'MrrFirst', at)}", "money"))
            s.set(r, col["expansion"], formula(f"={fx.expansion(prev, cur)}", "money"))
            s.set(r, col["contraction"], formula(f"={fx.contraction(prev, cur)}", "money"))
            s.set(r, col["churn"], formula(f"={fx.churned(prev, cur)}", "money"))
            s.set(r, col["reactivation"], formula(f"={fx.reactivation(prev, cur, 'MrrFirst', at)}", "money"))
        s.set(r, col["end"], formula(f"=SUM({cur})", "money"))
        s.set(r, col["active_customers"], formula(f"={fx.active(cur)}", "int"))
        cell = {h: f"{L_[h]}{r}" for h in ("start", "expansion", "churn", "contraction")}
        s.set(r, col["mom_nrr"], formula(
            f'={fx.nrr(cell["start"], cell["expansion"], cell["churn"], cell["contraction"], chr(34) * 2)}', "pct"))
    columns = {h: ColumnRef(s.title, head + 1, c, len(ctx.months)) for h, c in col.items()}
    s.widths.update({L(c): 14 for c in range(2, len(col) + 1)})
    s.charts.append(Chart("line", ctx.t("chart_mrr"), f"{L(len(col) + 2)}{head}", columns["month"].range,
                          [Series(columns["end"].range, ctx.t("end"))], y_format="#,##0", legend=False))
    return Built([s], anchors={"movements": columns})


def _revenue(ctx: Context, a) -> Built:
    mrr: MrrHelper = a["mrr"]
    moves = {h: c.range for h, c in a["movements"].items()}
    s = ctx.sheet("revenue")
    ctx.title(s, "revenue")
    head = 6
    ctx.window_heads(s, head)
    na = ctx.na
    kpis: dict = {}
    bridge: dict = {}
    for w in WINDOWS:
        m0, m1 = mrr.of(w.start), mrr.of(w.end)
        cohort = [
            ("start_mrr", f"=SUM({m0})", "money"),
            ("end_mrr", f"=SUM({m1})", "money"),
            ("cohort_expansion", f"={fx.expansion(m0, m1)}", "money"),
            ("cohort_contraction", f"={fx.contraction(m0, m1)}", "money"),
            ("cohort_churn", f"={fx.churned(m0, m1)}", "money"),
            ("customers_start", f"={fx.active(m0)}", "int"),
            ("customers_end", f"={fx.active(m1)}", "int"),
            ("new_customers", f"={fx.gained(m0, m1)}", "int"),
            ("lost_customers", f"={fx.lost(m0, m1)}", "int"),
        ]
        r = ctx.label_rows(s, head + 1, cohort, w.col)
        moves_head = head + 1 + len(cohort) + 1  # a blank row, then the period's movements
        s.set(moves_head, 1, ctx.t("period_movements"), "label")
        window = fx.movement_months(moves["month"], w.start, w.end)
        gains = ctx.label_rows(s, moves_head + 1, [(k, f"=SUMIFS({moves[k]},{window})", "money")
                                                   for k in GAINS_LOSSES], w.col)
        arpa = moves_head + 1 + len(GAINS_LOSSES) + 1
        start, end = r["start_mrr"], r["end_mrr"]
        exp, contr, churn = r["cohort_expansion"], r["cohort_contraction"], r["cohort_churn"]
        n0, n1, new, lost = r["customers_start"], r["customers_end"], r["new_customers"], r["lost_customers"]
        p = w.prefix
        kpis.update({
            f"{p}MRR": (f"={fx.mrr_of_month('Subscriptions[mrr]', 'Subscriptions[month]', w.end)}", "kpi_money"),
            f"{p}ARR": (f"=12*{p}MRR", "kpi_money"),
            f"{p}NRR": (f"={fx.nrr(start, exp, churn, contr, na)}", "kpi_pct"),
            f"{p}GRR": (f"={fx.grr(start, churn, contr, na)}", "kpi_pct"),
            f"{p}REVENUE_CHURN": (f"={fx.revenue_churn(churn, contr, start, na)}", "kpi_pct"),
            f"{p}LOGO_CHURN": (f"={fx.logo_churn(lost, n0, na)}", "kpi_pct"),
            f"{p}RETENTION": (f"={fx.retention(n1, new, n0, na)}", "kpi_pct"),
            f"{p}NET_CUSTOMER_CHANGE": (f"={new}-{lost}", "kpi_int"),
            f"{p}QUICK_RATIO": (f"={fx.quick_ratio(*(gains[k] for k in GAINS_LOSSES), na)}", "kpi_ratio"),
        })
        s.set(arpa, 1, ctx.t("arpa"), "label")
        s.set(arpa, w.col, formula(f"={fx.ratio(end, n1, na)}", "money"))
        if w.prefix == "KPI_":
            bridge = {"start": start, "end": end, **gains}
    return Built([s], anchors={"kpis.revenue": kpis, "bridge": bridge})


def _cohorts(ctx: Context, a) -> Built:
    s = ctx.sheet("cohorts", landscape=True)
    ctx.title(s, "cohorts")
    subs = ctx.table("Subscriptions")
    first = subs[subs["mrr"] > 0].groupby("customer_id")["month"].min()
    cohorts = sorted(pd.unique(first))
    m = len(ctx.months)
    # months after the last Subscriptions month are not observed: left blank, as cohort_retention leaves them
    observed = int(ctx.months.get_loc(kpi_core.to_month(subs["month"].max()))) + 1
    for block, (key, row0) in enumerate((("cohort_logo", 4), ("cohort_revenue", 6 + len(cohorts)))):
        basis = "logo" if block == 0 else "revenue"
        s.set(row0, 1, ctx.t(key), "label")
        s.put_row(row0 + 1, 1, [ctx.t("cohort"), ctx.t("size")] + list(range(m)), "header")
        for i, cohort in enumerate(cohorts):
            r = row0 + 2 + i
            ci = int(ctx.months.get_loc(pd.Timestamp(cohort))) + 1
            s.set(r, 1, pd.Timestamp(cohort).to_pydatetime(), "month")
            if basis == "logo":
                s.set(r, 2, formula(f"=COUNTIF(MrrFirst,A{r})", "int"))
            else:
                s.set(r, 2, formula(f"={fx.new_mrr(f'INDEX(MrrMatrix,0,{ci})', 'MrrFirst', f'A{r}')}", "money"))
            for k in range(observed - ci + 1):
                col = f"INDEX(MrrMatrix,0,{ci + k})"
                s.set(r, 3 + k, formula(f"={fx.cohort_share('MrrFirst', f'$A{r}', col, f'$B{r}', basis)}", "pct"))
        if cohorts:
            s.cond_formats.append(CondFormat(f"C{row0 + 2}:{L(2 + m)}{row0 + 1 + len(cohorts)}"))
    s.widths.update({L(c): 8 for c in range(3, 3 + m)})
    s.widths.update({"A": 22, "B": 12})
    return Built([s])


def _has_subscriptions(ctx: Context) -> bool:
    return ctx.has("Subscriptions", rows=True)


#: the customer x month MRR matrix
CALC_MRR = SheetBuilder("calc_mrr", _calc_mrr, publishes=("mrr", "stale.calc_mrr"), applies=_has_subscriptions)
#: month by month: start MRR, new, expansion, contraction, churn, reactivation, end MRR
MOVEMENTS = SheetBuilder("movements", _movements, needs=("mrr",), publishes=("movements",))
#: both periods' revenue KPIs (the Dashboard's KPI_ names) and the MRR bridge's cells
REVENUE = SheetBuilder("revenue", _revenue, needs=("mrr", "movements"), publishes=("kpis.revenue", "bridge"))
#: signup-month cohorts by months since start, logo and revenue
COHORTS = SheetBuilder("cohorts", _cohorts, needs=("mrr",))
