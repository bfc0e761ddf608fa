"""The portfolio template: a book of business as live Excel formulas.

The template is the list :data:`PORTFOLIO` of sheet builders (one module per
topic: :mod:`.settings`, :mod:`.revenue`, :mod:`.surveys`, :mod:`.commerce`,
:mod:`.health`, :mod:`.followup`, :mod:`.dashboard`, :mod:`.customer_value`);
:func:`~.builder.assemble` runs those that apply to the dataset in the order
their declared anchors require, and :func:`layout_of` puts the sheets in the
workbook's order (:data:`SHEET_ORDER`) with the Guide, which lists them.

Cost: every formula is a per-row INDEX/MATCH, a column total over a helper
(SUMPRODUCT, COUNTIFS, SUMIFS) or a sum of helper months: nothing evaluates a
whole-table COUNTIFS per customer or per month. Changing the period is live;
editing or adding data rows needs Refresh (``DataStale`` says so), which
re-derives the helpers and computed sheets.

Each formula mirrors the kpi_core definition of the same KPI, and the tests
recalculate the workbook with LibreOffice and compare every number with
kpi_core.
"""

from __future__ import annotations

import kpi_core
from kpi_core import Dataset, HealthConfig

from ..spec.guide import guide_rows
from ..spec.labels import t
from ..spec.layout import SheetLayout, WorkbookLayout
from .builder import assemble
from .commerce import CALC_ORDERS, COMMERCE
from .context import DATA_ORDER, Context
from .customer_value import CUSTOMER_VALUE
from .dashboard import CALC_CHARTS, DASHBOARD
from .followup import BREAKDOWNS, CALC_GROUPS, FOLLOWUP
from .health import CALC_HEALTH, HEALTH
from .revenue import CALC_MRR, COHORTS, MOVEMENTS, REVENUE
from .score_check import SCORE_CHECK
from .settings import DATA, SETTINGS
from .surveys import CALC_MONTHS, SUPPORT, SURVEYS

__all__ = ["portfolio_layout", "layout_of", "PORTFOLIO", "SHEET_ORDER", "DATA_ORDER"]

#: the portfolio's sheet builders (their order here is only a tie-break: anchors decide)
PORTFOLIO = (SETTINGS, DATA, CALC_MRR, MOVEMENTS, REVENUE, COHORTS, CALC_MONTHS, SURVEYS, SUPPORT, CALC_ORDERS,
             COMMERCE, CALC_HEALTH, HEALTH, SCORE_CHECK, CUSTOMER_VALUE, FOLLOWUP, CALC_GROUPS, BREAKDOWNS,
             CALC_CHARTS, DASHBOARD)
#: the workbook's sheets, in order (a template's own sheets go right after the Dashboard)
SHEET_ORDER = ("dashboard", "guide", "settings", "followup", "breakdowns", "revenue", "movements", "cohorts",
               "surveys", "support", "health", "score_check", "commerce", "customer_value", *DATA_ORDER,
               "calc_mrr", "calc_health", "calc_orders", "calc_months", "calc_charts", "calc_groups")


def _guide(ctx: Context, titles: list[str]) -> SheetLayout:
    s = ctx.sheet("guide", computed=False)
    s.widths.update({"A": 100})
    for i, (text, style) in enumerate(guide_rows(ctx.lang, titles, ctx.scope)):
        s.set(1 + i, 1, text, style)
        # wrapped text needs its height: about 100 characters a line at width 100, 15 points a line
        lines = -(-len(text) // 100)
        s.row_heights[1 + i] = 24 if style == "title" else 18 if style == "label" else max(15, 15 * lines + 3)
    return s


def layout_of(ctx: Context, builders, own: tuple = (), template: str = "portfolio") -> WorkbookLayout:
    """Assemble `builders` for `ctx` into a workbook layout: the sheets in :data:`SHEET_ORDER` (the sheets
    keyed in `own` right after the Dashboard) and the Guide listing them."""
    built = assemble(builders, ctx)
    by_key = {s.key: s for s in built.sheets}
    order = ["dashboard", *own, *(k for k in SHEET_ORDER if k != "dashboard")]
    titles = [t(k, ctx.lang) for k in order if k in by_key or k == "guide"]
    by_key["guide"] = _guide(ctx, titles)
    unknown = set(by_key) - set(order)
    if unknown:
        raise ValueError(f"sheets without a place in the workbook order: {sorted(unknown)}")
    return WorkbookLayout(sheets=[by_key[k] for k in order if k in by_key], names=built.names, lang=ctx.lang,
                          title=ctx.scope, template=template, currency=ctx.currency)


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

    Examples
    --------
    >>> layout = portfolio_layout(kpi_core.sample_dataset(n_customers=20))
    >>> [s.title for s in layout.sheets][:4], layout.names["KPI_NRR"]
    (['Dashboard', 'Guide', 'Settings', 'Follow-up'], "'Dashboard'!$B$10")
    """
    period = kpi_core.report_period(ds, period_start, period_end)
    ctx = Context(ds, period, lang, scope or t("portfolio", lang), config, bands, targets, currency, customer_value)
    return layout_of(ctx, PORTFOLIO)
