"""Surveys and support: the calc_months helper, the Surveys sheet and the Support sheet.

``calc_months`` holds, for every month of the axis, the counts the survey and
support KPIs are made of (:func:`kpi_core.survey_counts`,
:func:`kpi_core.ticket_counts`: promoters, passives, detractors, positive CSAT
answers, CES sums, tickets, first-contact resolutions, response hours). The
Surveys and Support sheets show each month from it, and each report period
as ``SUMIFS`` of its months: a workbook's recalculation costs one formula per
month and KPI instead of one pass over every answer per month and KPI, and
changing the period stays live. The counts are derived when the workbook is
built or refreshed; an edit of the Responses or Tickets tables that changes
them sets ``DataStale`` (the columns read are declared as ``stale.*``
anchors).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from openpyxl.utils import get_column_letter as L

import kpi_core

from ..spec import formulas as fx
from ..spec.fingerprints import Read
from ..spec.layout import Block, Chart, ColumnRef, Series, formula, ref
from .builder import Built, SheetBuilder
from .context import WINDOWS, Context, blank_zeros

__all__ = ["MonthCounts", "CALC_MONTHS", "SURVEYS", "SUPPORT"]

_FIRST_ROW = 2  # calc_months: row 1 is the header
_SURVEY_READS = (Read("Responses", "date", "month"), Read("Responses", "score", "number"),
                 Read.of_words("Responses", "survey", kpi_core.SURVEY_SCALES),
                 Read.of_words("Responses", "score", ("yes", "no")))
_TICKET_READS = (Read("Tickets", "opened_at", "month"), Read("Tickets", "resolved_first_contact", "bool"),
                 Read("Tickets", "first_response_hours", "number"))


@dataclass(frozen=True)
class MonthCounts:
    """What calc_months publishes (anchor ``months``): where each month's counts are."""

    title: str
    months: int
    cols: dict  # "month" and each count name -> its column number

    def column(self, name: str) -> str:
        """The column of `name` over every month, as an absolute range."""
        col = self.cols[name]
        return ref(self.title, _FIRST_ROW, col, _FIRST_ROW + self.months - 1, col)

    def cell(self, name: str, j: int) -> str:
        """The count `name` of month j (0-based on the axis), as an absolute reference (``+0``: a blank
        helper cell reads as 0 in LibreOffice too)."""
        return f"{ref(self.title, _FIRST_ROW + j, self.cols[name])}+0"

    def over(self, name: str, start: str, end: str) -> str:
        """The sum of count `name` over the months from `start` to `end` (defined names or cells)."""
        return f"SUMIFS({self.column(name)},{fx.within_months(self.column('month'), start, end)})"


def _calc_months(ctx: Context, _) -> Built:
    s = ctx.sheet("calc_months", landscape=True, tab_color="D9D9D9", freeze="B2")
    m = len(ctx.months)
    frame = pd.DataFrame({"month": ctx.months})
    reads: list = []
    responses, tickets = ctx.table("Responses"), ctx.table("Tickets")
    if responses is not None:
        counts = kpi_core.survey_counts(responses, ctx.month_index(responses["date"]), m)
        frame = frame.join(counts.drop(columns="nps_sum"))
        reads += _SURVEY_READS
    if tickets is not None:
        counts = kpi_core.ticket_counts(tickets, ctx.month_index(tickets["opened_at"]), m)
        frame = frame.join(counts)
        reads += [r for r in _TICKET_READS if r.column in tickets]
    for name in frame.columns[1:]:
        frame[name] = blank_zeros(frame[name].to_numpy())
    block = Block(frame, row=_FIRST_ROW - 1, styles={"month": "month"})
    s.blocks.append(block)
    s.widths.update({L(c): 14 for c in range(1, block.last_col + 1)})
    counts = MonthCounts(s.title, m, {name: block.col + j for j, name in enumerate(frame.columns)})
    anchors = {"months": counts, "stale.calc_months": tuple(reads)}
    return Built([s], anchors=anchors)


def _surveys(ctx: Context, a) -> Built:
    counts: MonthCounts = a["months"]
    s = ctx.sheet("surveys", landscape=True)
    ctx.title(s, "surveys")
    na = ctx.na
    kpis: dict = {}
    head = 3
    ctx.window_heads(s, head)
    for w in WINDOWS:
        def over(name: str) -> str:
            return counts.over(name, w.start, w.end)

        r = ctx.label_rows(s, head + 1, [
            ("promoters", f"={over('nps_promoters')}", "int"),
            ("passives", f"={over('nps_passives')}", "int"),
            ("detractors", f"={over('nps_detractors')}", "int"),
        ], w.col)
        p, pa, d = r["promoters"], r["passives"], r["detractors"]
        rest = [("answers", f"={p}+{pa}+{d}", "int")]
        n = s.address(head + 4, w.col)  # the answers' cell, the next row
        rest += [
            ("nps_low", f"={fx.nps_bound(p, d, n, 'NpsConfidence', -1, na)}", "points"),
            ("nps_high", f"={fx.nps_bound(p, d, n, 'NpsConfidence', 1, na)}", "points"),
            ("csat_positive", f"={over('csat_positive')}", "int"),
            ("csat_answers", f"={over('csat_answers')}", "int"),
            ("ces_answers", f"={over('ces_answers')}", "int"),
        ]
        r.update(ctx.label_rows(s, head + 4, rest, w.col))
        kpis.update({
            f"{w.prefix}NPS": (f"={fx.nps_from_counts(p, d, n, na)}", "kpi_points"),
            f"{w.prefix}CSAT": (f'={fx.ratio(r["csat_positive"], r["csat_answers"], na)}', "kpi_pct"),
            f"{w.prefix}CES": (f'={fx.ratio(over("ces_sum"), r["ces_answers"], na)}', "kpi_ratio"),
        })
    head += 3 + len(rest) + 3  # a blank row, the trend's title, its header
    s.set(head - 1, 1, ctx.t("trend"), "label")
    s.put_row(head, 1, [ctx.t("month"), ctx.t("answers"), "NPS", "CSAT", "CES"], "header")
    blank = '""'
    for j, month in enumerate(ctx.months):
        r = head + 1 + j
        p, pa, d = (counts.cell(k, j) for k in ("nps_promoters", "nps_passives", "nps_detractors"))
        s.set(r, 1, month.to_pydatetime(), "month")
        s.set(r, 2, formula(f"={p}+{pa}+{d}", "int"))
        s.set(r, 3, formula(f"={fx.nps_from_counts(p, d, f'B{r}', blank)}", "points"))
        s.set(r, 4, formula(f"={fx.ratio(counts.cell('csat_positive', j), counts.cell('csat_answers', j), blank)}",
                            "pct"))
        s.set(r, 5, formula(f"={fx.ratio(counts.cell('ces_sum', j), counts.cell('ces_answers', j), blank)}", "ratio"))
    last = head + len(ctx.months)
    s.charts.append(Chart("line", ctx.t("chart_nps"), "H4", ref(s.title, head + 1, 1, last, 1),
                          [Series(ref(s.title, head + 1, 3, last, 3), "NPS")], y_format="0", legend=False))
    s.widths.update({"D": 12, "E": 12})
    return Built([s], anchors={"kpis.surveys": kpis, "nps_trend": ColumnRef(s.title, head + 1, 3, len(ctx.months))})


def _support(ctx: Context, a) -> Built:
    counts: MonthCounts = a["months"]
    s = ctx.sheet("support")
    ctx.title(s, "support")
    na, blank = ctx.na, '""'
    hours = "first_response_hours" in ctx.table("Tickets")
    kpis: dict = {}
    head = 3
    ctx.window_heads(s, head)
    for w in WINDOWS:
        rows = [("tickets", f"={counts.over('tickets', w.start, w.end)}", "int"),
                ("resolved_first", f"={counts.over('resolved_first', w.start, w.end)}", "int")]
        if hours:
            mean = fx.ratio(counts.over("response_hours", w.start, w.end),
                            counts.over("responses_timed", w.start, w.end), na)
            rows.append(("avg_response", f"={mean}", "ratio"))
        r = ctx.label_rows(s, head + 1, rows, w.col)
        kpis[f"{w.prefix}FCR"] = (f'={fx.ratio(r["resolved_first"], r["tickets"], na)}', "kpi_pct")
    head += len(rows) + 3  # a blank row, the trend's title, its header
    s.set(head - 1, 1, ctx.t("trend"), "label")
    s.put_row(head, 1, [ctx.t("month"), ctx.t("tickets"), "FCR"] + ([ctx.t("avg_response")] if hours else []),
              "header")
    for j, month in enumerate(ctx.months):
        r = head + 1 + j
        s.set(r, 1, month.to_pydatetime(), "month")
        s.set(r, 2, formula(f"={counts.cell('tickets', j)}", "int"))
        s.set(r, 3, formula(f"={fx.ratio(counts.cell('resolved_first', j), f'B{r}', blank)}", "pct"))
        if hours:
            s.set(r, 4, formula(f"={fx.ratio(counts.cell('response_hours', j), counts.cell('responses_timed', j), blank)}",
                                "ratio"))
    return Built([s], anchors={"kpis.support": kpis})


def _has_answers_or_tickets(ctx: Context) -> bool:
    return ctx.has("Responses") or ctx.has("Tickets")


#: per month of the axis: survey answer counts and ticket counts (static, derived at build)
CALC_MONTHS = SheetBuilder("calc_months", _calc_months, publishes=("months", "stale.calc_months"),
                           applies=_has_answers_or_tickets)
#: NPS (with its interval), CSAT and CES for both periods, and by month
SURVEYS = SheetBuilder("surveys", _surveys, needs=("months",), publishes=("kpis.surveys", "nps_trend"),
                       applies=lambda ctx: ctx.has("Responses"))
#: tickets, first-contact resolution and response time for both periods, and by month
SUPPORT = SheetBuilder("support", _support, needs=("months",), publishes=("kpis.support",),
                       applies=lambda ctx: ctx.has("Tickets"))
