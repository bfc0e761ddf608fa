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
  contributions exactly as the Health sheet computes them (the same formulas,
  from :meth:`PortfolioBuilder.health_cells`), each month scored with that month's
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
from ..spec.labels import t
from ..spec.layout import Chart, Series, WorkbookLayout, formula, ref
from .portfolio import PortfolioBuilder

__all__ = ["account_layout", "COMPANY_TABLES", "customer_ids", "customer_subset"]


def customer_ids(ds: Dataset) -> list[str]:
    """Every customer id of a dataset, sorted: the Customers table's, else those of any table.

    Examples
    --------
    >>> customer_ids(kpi_core.sample_dataset(n_customers=3))
    ['C0001', 'C0002', 'C0003']
    """
    customers = ds.table("Customers")
    if customers is not None:
        return sorted(customers["customer_id"].unique().tolist())
    ids: set = set()
    for name, frame in ds.tables.items():
        if name not in COMPANY_TABLES and "customer_id" in frame:
            ids.update(frame["customer_id"].unique().tolist())
    return sorted(ids)


def customer_subset(ds: Dataset, ids, source: str | None = None) -> Dataset:
    """The dataset restricted to some customers (:func:`kpi_core.customer_subset`, its one home).

    Examples
    --------
    >>> ds = customer_subset(kpi_core.sample_dataset(n_customers=5), ["C0002"])
    >>> ds.table("Customers")["customer_id"].tolist()
    ['C0002']
    """
    return kpi_core.customer_subset(ds, ids, source)


def _account_sheet(b: PortfolioBuilder, cid: str) -> None:
    """The Account sheet: who the customer is, the period's answers and tickets, then one row per month."""
    lang, ds = b.lang, b.ds
    s = b.sheet("account", landscape=True, freeze="B21")
    b.title(s, "account")
    # column D holds the (hidden) usage-row lookups below: the period's end goes beside its start
    del s.cells[(2, 4)]
    s.set(2, 3, formula("=PeriodEnd", "month_to"))
    info = ds.table("Customers")
    row = info.iloc[0] if info is not None and len(info) else pd.Series({"customer_id": cid})
    facts = [(t(k, lang), row.get(c)) for k, c in (("customer_id", "customer_id"), ("name", "name"),
                                                     ("segment", "segment"), ("csm_col", "csm"),
                                                     ("country", "country")) if c in row.index]
    for i, (label, value) in enumerate(facts):
        s.set(4 + i, 1, label, "label")
        s.set(4 + i, 2, None if pd.isna(value) else value)
    r = 10
    for table, key, column in (("Responses", "answers_period", "date"), ("Tickets", "tickets_period", "opened_at")):
        if not b.has(table):
            continue
        within = fx.within_dates(f"{table}[{column}]", "PeriodStart", "PeriodNext")
        s.set(r, 1, t(key, lang), "label")
        s.set(r, 2, formula(f"=COUNTIFS({within})", "int"))
        title = t(table, lang)
        target = "#" + ref(title, 1, 1, absolute=False).replace('"', '""')
        s.set(r, 3, formula(f'=HYPERLINK("{target}","{t("see_sheet", lang)} {title}")'))
        r += 1
    _monthly(b, s, 20)
    s.widths.update({"A": 30, "B": 16, "C": 24, "D": 8, **{L(c): 12 for c in range(5, 26)}})


def _monthly(b: PortfolioBuilder, s, head: int) -> None:
    """Month rows from `head` + 1: MRR, survey answers, then the health columns D..Y."""
    lang = b.lang
    s.set(head - 1, 1, t("by_month", lang), "label")
    s.put_row(head, 1, [t("month", lang), "MRR", t("answers", lang)], "header")
    has_health = b.health_ids is not None and len(b.health_ids) == 1
    if has_health:
        s.put_row(head, 4, [t("usage_row", lang)] + b.health_heads(), "header")
        s.row_heights[head] = 45  # wrapped headers ("Adoption (score)")
        s.hidden_columns.update({4, 27})  # the usage-row lookups; the score as the chart plots it
        months = b.health_months
    first, last = head + 1, head + len(b.months)
    for j, month in enumerate(b.months):
        r = first + j
        s.set(r, 1, month.to_pydatetime(), "month")
        if b.has("Subscriptions"):
            s.set(r, 2, formula(f"={fx.mrr_of_month('Subscriptions[mrr]', 'Subscriptions[month]', f'$A{r}')}",
                                "money"))
        if b.has("Responses"):
            s.set(r, 3, formula(f"=COUNTIFS({fx.within_dates('Responses[date]', f'$A{r}', f'EDATE($A{r},1)')})",
                                "int"))
        if has_health:
            within = fx.within_months(months, f"$A{r}", f"$A{r}")
            b.health_cells(s, r, b.calc_health_row(0), f"MATCH($A{r},{months},0)", within)
            s.set(r, 27, formula(f'=IF(R{r}="",NA(),R{r})'))  # a month without a score: a gap, not 0
    axis = ref(s.title, first, 1, last, 1)
    if b.has("Subscriptions"):
        s.charts.append(Chart("line", t("chart_mrr", lang), "E3", axis,
                              [Series(ref(s.title, first, 2, last, 2), "MRR")], y_format="#,##0",
                              legend=False, height=7.0))
    if has_health:
        s.charts.append(Chart("line", t("chart_account_health", lang), "N3", axis,
                              [Series(ref(s.title, first, 27, last, 27), t("score", lang))], y_format="0",
                              legend=False, height=7.0, blanks="span"))
        b.status_colours(s, f"$S${first}:$S${last}")


def account_layout(ds: Dataset, period_start=None, period_end=None, *, lang: str = "en",
                   config: HealthConfig | None = None, bands=None, targets=None, currency: str = "") -> WorkbookLayout:
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

    Raises
    ------
    KpiInputError
        When the dataset does not hold exactly one customer.

    Examples
    --------
    >>> ds = customer_subset(kpi_core.sample_dataset(n_customers=5), ["C0002"])
    >>> layout = account_layout(ds, lang="en")
    >>> [s.title for s in layout.sheets][:2], layout.title
    (['Dashboard', 'Account'], 'Agence Montréal')
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
    builder = PortfolioBuilder(ds, period, lang, name, config, bands=bands, targets=targets, currency=currency,
                               extras=[("account", lambda b: _account_sheet(b, ids[0]))])
    layout = builder.build()
    layout.template = "account"
    return layout
