"""Follow-up lists and breakdowns (DESIGN.md §9): the Follow-up sheet, calc_groups and Breakdowns.

- **Follow-up**: ``AtRisk`` (:func:`kpi_core.at_risk`) and ``Detractors``
  (:func:`kpi_core.detractors`). Their length depends on the data, so they are
  written as of the build (or the last Refresh) for the period set then: the
  sheet says so with fixed values (the date they were listed, the period they
  were listed for: names ``ListsPeriodStart`` and ``ListsPeriodEnd``), and the
  Dashboard warns while the period on Settings differs.
- **Breakdowns**: ``KpiBySegment`` and ``KpiByCsm``, headline KPIs per group, live
  with the period: revenue from calc_mrr's columns with the group of each
  customer, NPS and CSAT from ``calc_groups`` (each group's answer counts per
  month, derived at build), average health from the Health sheet.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter as L

import kpi_core

from ..spec import formulas as fx
from ..spec.fingerprints import Read
from ..spec.labels import STATUS, month_text
from ..spec.layout import Block, formula, ref
from .builder import Built, SheetBuilder
from .context import Context, blank_zeros, customer_ids
from .revenue import MrrHelper

__all__ = ["FOLLOWUP", "CALC_GROUPS", "BREAKDOWNS", "ListRows", "GroupRows", "FollowUpLists"]

_GROUP_COUNTS = ("nps_promoters", "nps_detractors", "nps_answers", "csat_positive", "csat_answers")
_GROUP_HEAD = 2  # calc_groups: row 1 names the blocks, row 2 holds the months
_LIST_STYLES = {"mrr": "money", "health": "ratio", "previous_health": "ratio", "change": "points"}
_FOLLOWUP_WIDTHS = {"A": 14, "B": 30, "C": 20, "D": 18, "E": 14, "F": 12, "G": 17, "H": 12, "I": 12, "J": 20}


@dataclass(frozen=True)
class FollowUpLists:
    """The follow-up lists of a dataset for a period: :func:`kpi_core.at_risk` and :func:`kpi_core.detractors`
    (None without their table).

    Both depend on each customer's own rows only, so a group's lists are the whole dataset's rows of its
    customers (:meth:`of_customers`): a batch of per-CSM or per-account workbooks computes them once
    (:func:`workbook_templates.batch.build_workbooks`) instead of once per workbook.
    """

    at_risk: pd.DataFrame | None
    detractors: pd.DataFrame | None

    @classmethod
    def of(cls, ds, period, config) -> FollowUpLists:
        """The lists of `ds` for `period`."""
        risk = kpi_core.at_risk(ds, period.start, period.end, config) if ds.table("Usage") is not None else None
        det = kpi_core.detractors(ds, period.start, period.end) if ds.table("Responses") is not None else None
        return cls(risk, det)

    def of_customers(self, ids) -> FollowUpLists:
        """The rows of the customers `ids`, in the lists' order."""
        keep = set(ids)

        def mine(frame):
            return None if frame is None else frame[frame["customer_id"].isin(keep)].reset_index(drop=True)
        return FollowUpLists(mine(self.at_risk), mine(self.detractors))


@dataclass(frozen=True)
class ListRows:
    """Where the AtRisk list is (anchor ``followup``): its sheet, first data row, length and column numbers."""

    title: str
    first: int
    count: int
    cols: dict  # AtRisk column -> sheet column


@dataclass(frozen=True)
class GroupRows:
    """Where KpiBySegment is (anchor ``breakdowns``): its sheet, first data row, groups and column numbers."""

    title: str
    first: int
    count: int
    cols: dict  # column of KpiBySegment ("segment", "customers", "mrr", ...) -> sheet column


def as_of_row(ctx: Context, s, row: int, names: dict, hidden_col: int) -> None:
    """Row `row`: the date the lists were made and the period they were made for, as fixed text; the period's
    months also as fixed values in two hidden cells (``ListsPeriodStart``, ``ListsPeriodEnd``) that the
    Dashboard compares with the period on Settings."""
    s.set(row, 1, ctx.t("lists_as_of").format(date=f"{_dt.date.today():%Y-%m-%d}",
                                              start=month_text(ctx.period.start, ctx.lang),
                                              end=month_text(ctx.period.end, ctx.lang)), "label")
    for k, (name, month) in enumerate((("ListsPeriodStart", ctx.period.start), ("ListsPeriodEnd", ctx.period.end))):
        s.set(row, hidden_col + k, month.to_pydatetime(), "month")
        ctx.name(names, name, s, row, hidden_col + k)
        s.hidden_columns.add(hidden_col + k)


def _followup(ctx: Context, _) -> Built:
    if ctx.lists is None:
        lists = FollowUpLists.of(ctx.ds, ctx.period, ctx.config)
    else:  # the batch's lists: this workbook's customers' rows
        lists = ctx.lists.of_customers(customer_ids(ctx.ds))
        lists = FollowUpLists(lists.at_risk if ctx.has("Usage") else None,
                              lists.detractors if ctx.has("Responses") else None)
    risk, det = lists.at_risk, lists.detractors
    s = ctx.sheet("followup", landscape=True)
    names: dict = {}
    s.set(1, 1, f"{ctx.t('followup')} — {ctx.scope}", "title")
    as_of_row(ctx, s, 2, names, len(kpi_core.AT_RISK_COLUMNS) + 2)
    s.set(3, 1, ctx.t("as_of_note"), "subtitle")
    row = 5
    anchors = {"followup": None}
    if risk is not None:
        s.set(row, 1, ctx.t("at_risk"), "label")
        frame = risk.copy()
        frame["status"] = frame["status"].map(dict(zip(("Red", "Amber", "Green"), STATUS[ctx.lang]))).fillna("")
        frame["weakest"] = frame["weakest"].map(lambda c: ctx.t(c) if isinstance(c, str) and c else "")
        block = Block(frame.reset_index(drop=True), row=row + 1, table="AtRisk", styles=_LIST_STYLES)
        s.blocks.append(block)
        cols = {c: block.col + j for j, c in enumerate(frame.columns)}
        anchors["followup"] = ListRows(s.title, block.first_data_row, len(frame), cols)
        status = L(cols["status"])
        ctx.status_colours(s, f"{status}{block.first_data_row}:{status}{block.first_data_row + max(len(frame), 1) - 1}")
        if not len(frame):
            s.set(block.first_data_row, 2, ctx.t("no_at_risk"), "note")
        row += 3 + max(len(frame), 1)
    if det is not None:
        s.set(row, 1, ctx.t("detractors_list"), "label")
        has_time = bool(len(det)) and (det["date"] != det["date"].dt.normalize()).any()
        s.blocks.append(Block(det.reset_index(drop=True), row=row + 1, table="Detractors",
                              styles={"date": "datetime" if has_time else "date", "score": "int"}))
        if not len(det):
            s.set(row + 2, 2, ctx.t("no_detractor"), "note")
    s.widths.update(_FOLLOWUP_WIDTHS)
    return Built([s], names, anchors)


def _positions(values: pd.Series, order: list) -> np.ndarray:
    """Each value's position in `order` (-1 when absent or blank), looked up once per distinct value."""
    codes, uniques = pd.factorize(values)
    return np.append(pd.Index(order).get_indexer(uniques), -1)[codes]


def _calc_groups(ctx: Context, a) -> Built:
    """Each group's NPS and CSAT answer counts per month (rows: by, group; one block of months per count)."""
    mrr: MrrHelper = a["mrr"]
    responses = ctx.table("Responses")
    s = ctx.sheet("calc_groups", tab_color="D9D9D9", landscape=True, freeze="C3")
    m = len(ctx.months)
    s.put_row(_GROUP_HEAD, 1, ["by", "group"], "header")
    rows, reads = [], [Read("Responses", "customer_id", "length"), Read("Responses", "date", "month"),
                        Read("Responses", "score", "number"), Read.of_words("Responses", "score", ("yes", "no")),
                        Read.of_words("Responses", "survey", kpi_core.SURVEY_SCALES)]
    frames = []
    for by in ctx.breakdowns:
        order = _group_order(ctx, by)
        labels = ctx.group_labels(by, responses["customer_id"])
        keys = _positions(labels, order)
        codes = np.where(keys >= 0, keys * m + ctx.month_index(responses["date"]), -1)
        counts = kpi_core.survey_counts(responses, codes, len(order) * m)
        counts["nps_answers"] = counts["nps_promoters"] + counts["nps_passives"] + counts["nps_detractors"]
        frame = pd.DataFrame({"by": [by] * len(order), "group": order})
        for key in _GROUP_COUNTS:
            values = blank_zeros(counts[key].to_numpy().reshape(len(order), m))
            frame = pd.concat([frame, pd.DataFrame(values, columns=[f"{key}{j}" for j in range(m)])], axis=1)
        frames.append(frame)
        rows += [(by, g) for g in order]
        reads.append(Read.of_words("Customers", by, ctx.group_labels(by, mrr.ids)))
    frame = pd.concat(frames, ignore_index=True)
    s.blocks.append(Block(frame, row=_GROUP_HEAD + 1, header=False))
    cols = {}
    for k, key in enumerate(_GROUP_COUNTS):
        col = 3 + k * m
        s.set(1, col, key, "label")
        s.put_row(_GROUP_HEAD, col, [month.to_pydatetime() for month in ctx.months], "month")
        cols[key] = col
    s.widths.update({"A": 10, "B": 24, **{L(c): 11 for c in range(3, 3 + len(_GROUP_COUNTS) * m)}})
    where = {row: _GROUP_HEAD + 1 + i for i, row in enumerate(rows)}
    return Built([s], anchors={"groups.calc": (s.title, where, cols, m), "stale.calc_groups": tuple(reads)})


def _group_order(ctx: Context, by: str) -> list:
    """The groups of `by` in the order of :func:`kpi_core.kpis_by` (by MRR, largest first)."""
    return ctx.kpis_by(by)[by].tolist()


def _group_count(calc, group_row: int, key: str) -> str:
    """The sum of a group's count `key` over the report period's months, from calc_groups."""
    title, _, cols, m = calc
    c0 = cols[key]
    values = ref(title, group_row, c0, group_row, c0 + m - 1)
    months = ref(title, _GROUP_HEAD, c0, _GROUP_HEAD, c0 + m - 1)
    return f"SUMIFS({values},{fx.within_months(months, 'PeriodStart', 'PeriodEnd')})"


def _breakdowns(ctx: Context, a) -> Built:
    mrr: MrrHelper = a["mrr"]
    calc = a.get("groups.calc")
    health_groups = a.get("health.groups")
    na = ctx.na
    s = ctx.sheet("breakdowns", landscape=True)
    ctx.title(s, "breakdowns")
    m0, m1 = mrr.of("PeriodStart"), mrr.of("PeriodEnd")
    row = 4
    segment_rows = None
    for by in ctx.breakdowns:
        order = _group_order(ctx, by)
        cols = ["customers", "mrr", "nrr", "grr", "logo_churn"]
        if calc is not None:
            cols += ["nps", "csat"]
        if health_groups:
            cols += ["avg_health"]
        s.set(row, 1, ctx.t(f"by_{by}"), "label")
        heads = [by, *cols]  # the table's column names (DESIGN.md §9), like the data tables'
        frame = pd.DataFrame({by: order, **{c: np.nan for c in cols}})
        block = Block(frame, row=row + 1, table="KpiBySegment" if by == "segment" else "KpiByCsm", headers=heads)
        s.blocks.append(block)
        col_of = {c: block.col + j for j, c in enumerate(heads)}
        for i, group in enumerate(order):
            r = block.first_data_row + i
            g = f"${L(col_of[by])}{r}"
            mask = f"{mrr.group_cols[by]}={g}"
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
                gr = calc[1][(by, group)]
                p, d, n = (_group_count(calc, gr, k) for k in ("nps_promoters", "nps_detractors", "nps_answers"))
                pos, answers = (_group_count(calc, gr, k) for k in ("csat_positive", "csat_answers"))
                cells["nps"] = (f"={fx.nps_from_counts(p, d, n, na)}", "points")
                cells["csat"] = (f"={fx.ratio(pos, answers, na)}", "pct")
            if "avg_health" in cols:
                cells["avg_health"] = (f"=IFERROR(AVERAGEIFS({a['health.scores'].range},{health_groups[by]},{g}),{na})",
                                       "ratio")
            for c in cols:
                text, style = cells[c]
                s.set(r, col_of[c], formula(text, style))
        if by == "segment":
            segment_rows = GroupRows(s.title, block.first_data_row, len(order), col_of)
        row += 3 + len(order)
    s.widths.update({"A": 26, **{L(c): 14 for c in range(2, 10)}})
    return Built([s], anchors={"breakdowns": segment_rows})


def _breaks_down(ctx: Context) -> bool:
    """A book of several accounts with revenue and a group column (the account review has nothing to break down)."""
    customers = ctx.table("Customers")
    return (customers is not None and len(customers) >= 2 and ctx.has("Subscriptions", rows=True)
            and bool(ctx.breakdowns))


#: accounts at risk and detractors to call, as of the build
FOLLOWUP = SheetBuilder("followup", _followup, publishes=("followup",),
                        applies=lambda ctx: ctx.has("Usage") or ctx.has("Responses"))
#: each group's answer counts per month (static, derived at build)
CALC_GROUPS = SheetBuilder("calc_groups", _calc_groups, needs=("mrr",), publishes=("groups.calc", "stale.calc_groups"),
                           applies=lambda ctx: _breaks_down(ctx) and ctx.has("Responses"))
#: KpiBySegment and KpiByCsm, live with the period
BREAKDOWNS = SheetBuilder("breakdowns", _breakdowns, needs=("mrr",),
                          uses=("groups.calc", "health.scores", "health.groups"), publishes=("breakdowns",),
                          applies=_breaks_down)
