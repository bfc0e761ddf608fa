"""Score check (DESIGN.md §13): did the health score predict the churn that followed?

As of the build (and each Refresh), :func:`kpi_core.health_backtest` pools
every month whose churn three months later is known, and
:func:`kpi_core.suggest_health_weights` fits weights to that history. The sheet
shows, on one page: the AUC of the score with its interval (or why there is
none), churn by status and by score decile (observations and churned as
written; the churn rate and its Wilson 95 % interval as live formulas over
them), the lift of Red over Green, a chart of churn by decile, and the
suggested weights beside the ones the scores used (or why none is suggested).
"""

from __future__ import annotations

import datetime as _dt

import pandas as pd
from openpyxl.utils import get_column_letter as L

import kpi_core
from kpi_core import COMPONENTS

from ..spec import formulas as fx
from ..spec.labels import STATUS, month_text
from ..spec.layout import Block, Chart, Series, formula, ref
from ..spec.styles import BRAND
from .builder import Built, SheetBuilder
from .context import Context

__all__ = ["SCORE_CHECK", "HORIZON"]

#: months after the scored month at which churn is read (DESIGN.md §13's default)
HORIZON = 3
_RATE_HEADS = ("observations", "churned_obs", "churn_rate", "rate_low", "rate_high")


def _rate_table(ctx: Context, s, row: int, frame: pd.DataFrame, first: str, first_style) -> tuple[int, dict]:
    """A churn table from `row` (header row): the first column, observations, churned, then the live rate and
    Wilson interval; returns (its last row, column -> column number)."""
    out = pd.DataFrame({first: frame.iloc[:, 0], "observations": frame["observations"],
                        "churned_obs": frame["churned"]})
    block = Block(out, row=row, headers=[ctx.t(first), ctx.t("observations"), ctx.t("churned_obs")],
                  styles={first: first_style, "observations": "int", "churned_obs": "int"})
    s.blocks.append(block)
    cols = {name: block.col + j for j, name in enumerate((first, *_RATE_HEADS))}
    s.put_row(row, cols["churn_rate"], [ctx.t(h) for h in _RATE_HEADS[2:]], "header")
    s.fit_row(row)  # wrapped headers ("Customer-months")
    for i in range(len(out)):
        r = block.first_data_row + i
        n, k = f"{L(cols['observations'])}{r}", f"{L(cols['churned_obs'])}{r}"
        s.set(r, cols["churn_rate"], formula(f'={fx.ratio(k, n, chr(34) * 2)}', "pct"))
        s.set(r, cols["rate_low"], formula(f"={fx.wilson(k, n, -1)}", "pct"))
        s.set(r, cols["rate_high"], formula(f"={fx.wilson(k, n, 1)}", "pct"))
    return block.first_data_row + max(len(out), 1) - 1, cols


def _verdict(ctx: Context, suggestion) -> str:
    """Why weights are (not) suggested, in the workbook's language when the comparison was made."""
    if suggestion.difference is None:
        return suggestion.reason  # too little history: kpi_core's sentence says what is missing
    figures = ctx.t("sc_figures").format(fitted=suggestion.auc_fitted, current=suggestion.auc_current,
                                         diff=suggestion.difference, low=suggestion.difference_low,
                                         high=suggestion.difference_high, months=suggestion.evaluated_months)
    return ctx.t("sc_suggested_yes" if suggestion.suggested else "sc_suggested_no").format(figures=figures)


def _score_check(ctx: Context, _) -> Built:
    s = ctx.sheet("score_check", landscape=True)
    s.set(1, 1, f"{ctx.t('score_check')} — {ctx.scope}", "title")
    s.widths.update({"A": 50, "B": 16, "C": 16, "D": 16, "E": 16, "F": 16, "G": 3})
    try:
        check = kpi_core.health_backtest(ctx.ds, ctx.config, HORIZON)
    except kpi_core.KpiInputError as err:  # too short a history: say why instead of numbers
        s.set(3, 1, str(err), "warning")
        return Built([s])
    pooled = check.observations["month"]
    span = [month_text(m, ctx.lang) if len(pooled) else "" for m in (pooled.min(), pooled.max())]
    s.set(2, 1, ctx.t("sc_as_of").format(date=f"{_dt.date.today():%Y-%m-%d}", start=span[0], end=span[1],
                                         horizon=HORIZON), "subtitle")
    row = 5
    s.put_row(row - 1, 2, [ctx.t(h) for h in ("value", "rate_low", "rate_high")], "header")
    s.set(row, 1, ctx.t("sc_auc"), "label")
    s.put_row(row, 2, [check.auc, check.auc_low, check.auc_high], "ratio")
    s.set(row + 1, 1, ctx.t("sc_auc_note"), "note")
    s.row_heights[row + 1] = 26
    for note in check.notes:
        row += 1
        s.set(row + 1, 1, note, "note")
    row += 3
    s.set(row, 1, ctx.t("sc_by_status"), "label")
    by_status = check.by_status.assign(status=check.by_status["status"].map(
        dict(zip(kpi_core.HEALTH_STATUSES, STATUS[ctx.lang]))))
    last, cols = _rate_table(ctx, s, row + 1, by_status, "status", None)
    ctx.status_colours(s, f"A{row + 2}:A{last}")
    s.set(last + 1, 1, ctx.t("sc_lift"), "label")
    rate = {st: f"{L(cols['churn_rate'])}{row + 2 + i}" for i, st in enumerate(kpi_core.HEALTH_STATUSES)}
    s.set(last + 1, 2, formula(f'=IFERROR({rate["Red"]}/{rate["Green"]},{ctx.na})', "ratio"))
    row = last + 3
    s.set(row, 1, ctx.t("sc_by_decile"), "label")
    deciles = check.by_decile[["decile", "observations", "churned"]]
    last, cols = _rate_table(ctx, s, row + 1, deciles, "decile", "center")
    if len(deciles):
        s.charts.append(Chart("column", ctx.t("sc_chart"), f"{L(cols['rate_high'] + 2)}4", ref(s.title, row + 2, 1, last, 1),
                              [Series(ref(s.title, row + 2, cols["churn_rate"], last, cols["churn_rate"]),
                                      ctx.t("churn_rate"), BRAND)], y_format="0%", legend=False, width=14, height=8))
    row = last + 2
    suggestion = kpi_core.suggest_health_weights(ctx.ds, ctx.config, HORIZON, backtest=check)
    s.set(row, 1, ctx.t("sc_weights"), "label")
    weights = pd.DataFrame({"component": [ctx.t(c) for c in COMPONENTS],
                            "current": [suggestion.current[c] for c in COMPONENTS],
                            "suggested": [(suggestion.suggested or {}).get(c) for c in COMPONENTS]})
    s.blocks.append(Block(weights, row=row + 1, headers=[ctx.t(h) for h in ("component", "sc_current", "sc_suggested")],
                          styles={"current": "ratio", "suggested": "ratio"}))
    s.set(row + 2 + len(COMPONENTS), 1, _verdict(ctx, suggestion), "note")
    s.row_heights[row + 2 + len(COMPONENTS)] = 45
    return Built([s])


def _applies(ctx: Context) -> bool:
    """A book of several accounts with usage and revenue (one account's history says nothing of a score)."""
    customers = ctx.table("Customers")
    several = customers is None or len(customers) >= 2
    return several and ctx.has("Usage", rows=True) and ctx.has("Subscriptions", rows=True)


#: the Score check sheet, as of the build
SCORE_CHECK = SheetBuilder("score_check", _score_check, applies=_applies)
