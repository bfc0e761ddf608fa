"""The account template: one customer's workbook.

It is the portfolio workbook of a one-customer dataset (so every ``KPI_``
name still equals :func:`kpi_core.headline_kpis` of that dataset), titled
with the customer's name, plus an **Account** sheet right after the
Dashboard:

- who the customer is (id, name, segment, CSM, country) and how many survey
  answers and tickets fall in the report period, with links to the
  Responses and Tickets data sheets where each answer and ticket is listed;
- one row per month: MRR (a live ``SUMIFS`` over the Subscriptions table),
  survey answers of the month, and the health components, scores, status and
  contributions exactly as the Health sheet computes them (the same row
  formulas, :func:`~.health.health_row`), each month scored with that month's
  usage, tickets and NPS answers, as ``kpi_core.health_scores(ds, month)``
  does; a line chart of each.

Company-level tables (Funnel, Acquisition: web traffic and acquisition spend)
say nothing about one customer, so account workbooks (and the per-CSM and
per-segment workbooks of ``cskpi build --by``) leave them out, and with them
CAC, conversion and cart abandonment. Use the portfolio workbook for those.
"""

from __future__ import annotations

import pandas as pd
from openpyxl.utils import get_column_letter as L

import kpi_core
from kpi_core import COMPANY_TABLES, Dataset, HealthConfig, KpiInputError

from ..spec import formulas as fx
from ..spec.layout import Chart, FormulaBlock, Series, WorkbookLayout, formula, ref
from .builder import Built, SheetBuilder
from .context import Context, customer_ids
from .health import HealthColumns, HealthHelper, health_heads, health_row
from .portfolio import PORTFOLIO, layout_of

__all__ = ["account_layout", "COMPANY_TABLES", "customer_ids", "customer_subset", "ACCOUNT"]

_FACTS = (("customer_id", "customer_id"), ("name", "name"), ("segment", "segment"), ("csm_col", "csm"),
          ("country", "country"))
_FACTS_ROW = 4
_COUNTS_ROW = 10  # answers and tickets of the period, with their links
_MONTHS_HEAD = 20  # the monthly table's header row
_MONTHLY = ("month", "mrr", "answers")  # its first columns, before the health row
_CHART_COL, _CHART_WIDTH = 5, 9  # the two charts, side by side above the monthly table


def customer_subset(ds: Dataset, ids, source: str | None = None) -> Dataset:
    """The dataset restricted to some customers (:func:`kpi_core.customer_subset`, its one home).

    Examples
    --------
    >>> ds = customer_subset(kpi_core.sample_dataset(n_customers=5), ["C0002"])
    >>> ds.table("Customers")["customer_id"].tolist()
    ['C0002']
    """
    return kpi_core.customer_subset(ds, ids, source)


def _monthly_columns(ctx: Context, health: HealthHelper | None, row: int) -> list:
    """The formula columns of the monthly table from column B, written for its first row."""
    month = f"$A{row}"
    columns = [
        (f"={fx.mrr_of_month('Subscriptions[mrr]', 'Subscriptions[month]', month)}", "money")
        if ctx.has("Subscriptions") else (None, None),
        (f"=COUNTIFS({fx.within_dates('Responses[date]', month, f'EDATE({month},1)')})", "int")
        if ctx.has("Responses") else (None, None),
    ]
    if health is not None:
        cols = HealthColumns(len(_MONTHLY) + 1)
        header = health.month_header
        columns += health_row(ctx, cols, row, health.ranges(health.first_row(), relative=False),
                              f"MATCH({month},{header},0)",
                              fx.within_months(header, month, month))
        columns += [(None, None), (f'=IF({L(cols.score)}{row}="",NA(),{L(cols.score)}{row})', None)]
    return columns


def _account(ctx: Context, a) -> Built:
    """The Account sheet: who the customer is, the period's answers and tickets, then one row per month."""
    s = ctx.sheet("account", landscape=True, freeze=f"B{_MONTHS_HEAD + 1}")
    ctx.title(s, "account", end_col=3)  # column D holds the (hidden) usage-row lookups below
    info = ctx.table("Customers")
    cid = customer_ids(ctx.ds)[0]
    row = info.iloc[0] if info is not None and len(info) else pd.Series({"customer_id": cid})
    facts = [(ctx.t(k), row.get(c)) for k, c in _FACTS if c in row.index]
    for i, (label, value) in enumerate(facts):
        s.set(_FACTS_ROW + i, 1, label, "label")
        s.set(_FACTS_ROW + i, 2, None if pd.isna(value) else value)
    r = _COUNTS_ROW
    for table, key, column in (("Responses", "answers_period", "date"), ("Tickets", "tickets_period", "opened_at")):
        if not ctx.has(table):
            continue
        within = fx.within_dates(f"{table}[{column}]", "PeriodStart", "PeriodNext")
        s.set(r, 1, ctx.t(key), "label")
        s.set(r, 2, formula(f"=COUNTIFS({within})", "int"))
        title = ctx.t(table)
        target = "#" + ref(title, 1, 1, absolute=False).replace('"', '""')
        s.set(r, 3, formula(f'=HYPERLINK("{target}","{ctx.t("see_sheet")} {title}")'))
        r += 1
    health = a.get("health.calc")
    if health is not None and len(health.ids) != 1:
        health = None
    head, first, last = _MONTHS_HEAD, _MONTHS_HEAD + 1, _MONTHS_HEAD + len(ctx.months)
    s.set(head - 1, 1, ctx.t("by_month"), "label")
    s.put_row(head, 1, [ctx.t("month"), "MRR", ctx.t("answers")], "header")
    for j, month in enumerate(ctx.months):
        s.set(first + j, 1, month.to_pydatetime(), "month")
    s.formula_blocks.append(FormulaBlock(first, 2, len(ctx.months), _monthly_columns(ctx, health, first)))
    axis = ref(s.title, first, 1, last, 1)
    if ctx.has("Subscriptions"):
        s.charts.append(Chart("line", ctx.t("chart_mrr"), f"{L(_CHART_COL)}3", axis, [Series(ref(s.title, first, 2, last, 2), "MRR")],
                              y_format="#,##0", legend=False, height=7.0))
    width = len(_MONTHLY)
    if health is not None:
        cols = HealthColumns(len(_MONTHLY) + 1)
        plotted = cols.last + 2  # the score as the chart plots it: a month without a score is a gap, not 0
        s.put_row(head, cols.first, [ctx.t("usage_row")] + health_heads(ctx), "header")
        s.hidden_columns.update({cols.usage_row, plotted})
        s.charts.append(Chart("line", ctx.t("chart_account_health"), f"{L(_CHART_COL + _CHART_WIDTH)}3", axis,
                              [Series(ref(s.title, first, plotted, last, plotted), ctx.t("score"))], y_format="0",
                              legend=False, height=7.0, blanks="span"))
        ctx.status_colours(s, f"${L(cols.status)}${first}:${L(cols.status)}${last}")
        width = cols.last
    # "(contribution)" fits a line at 15
    s.widths.update({"A": 30, "B": 16, "C": 24, "D": 8, **{L(c): 15 for c in range(5, width + 1)}})
    s.fit_row(head)  # wrapped headers ("Adoption (contribution)")
    return Built([s])


#: the Account sheet of one customer
ACCOUNT = SheetBuilder("account", _account, uses=("health.calc",))


def account_layout(ds: Dataset, period_start=None, period_end=None, *, lang: str = "en",
                   config: HealthConfig | None = None, bands=None, targets=None, currency: str = "",
                   lists=None) -> WorkbookLayout:
    """The workbook layout of one customer: the portfolio sheets plus an Account sheet.

    Parameters
    ----------
    ds : Dataset
        A dataset of exactly one customer (see :func:`customer_subset`).
        Company-level tables (Funnel, Acquisition) are ignored.
    period_start, period_end : str or date, optional
        The report period (default: the last six months of the data).
    lang : {"en", "fr"}
    config : HealthConfig, optional
        The health configuration written to Settings.
    lists : FollowUpLists, optional
        The follow-up lists of the whole dataset, for the same period and settings (a batch's).

    Raises
    ------
    KpiInputError
        When the dataset does not hold exactly one customer.

    Examples
    --------
    >>> ds = customer_subset(kpi_core.sample_dataset(n_customers=5), ["C0002"])
    >>> layout = account_layout(ds, lang="en")
    >>> [s.title for s in layout.sheets][:2], layout.title
    (['Dashboard', 'Account'], "Cabinet d'Argenteuil")
    """
    ids = customer_ids(ds)
    if len(ids) != 1:
        raise KpiInputError(f"{ds.source}: an account workbook needs the data of one customer; found {len(ids)}",
                            "value")
    if any(name in ds.tables for name in COMPANY_TABLES):
        ds = customer_subset(ds, ids)
    customers = ds.table("Customers")
    name = ids[0]
    if customers is not None and "name" in customers and len(customers) and pd.notna(customers["name"].iloc[0]):
        name = str(customers["name"].iloc[0]) or name
    period = kpi_core.report_period(ds, period_start, period_end)
    ctx = Context(ds, period, lang, name, config, bands, targets, currency, lists=lists)
    return layout_of(ctx, (*PORTFOLIO, ACCOUNT), own=("account",), template="account")
