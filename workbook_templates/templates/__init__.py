"""The templates: sheet builders by topic, assembled into the portfolio and account workbooks.

- :mod:`.builder`: :class:`SheetBuilder` (what a builder needs and publishes) and
  :func:`assemble` (the order computed from those declarations);
- :mod:`.context`: :class:`Context`, what every builder may read;
- one module per topic: :mod:`.settings` (Settings, data sheets), :mod:`.revenue`
  (calc_mrr, MRR movements, Revenue, Cohorts), :mod:`.surveys` (calc_months,
  Surveys, Support), :mod:`.commerce` (calc_orders, E-commerce), :mod:`.health`
  (calc_health, Health), :mod:`.followup` (Follow-up, calc_groups, Breakdowns),
  :mod:`.dashboard` (calc_charts, Dashboard), :mod:`.customer_value`;
- :mod:`.portfolio` and :mod:`.account`: the templates, lists of builders.
"""

from .account import ACCOUNT, account_layout, customer_ids, customer_subset
from .builder import Anchors, BuildOrderError, Built, SheetBuilder, assemble
from .context import DATA_ORDER, WINDOWS, Context, Window
from .customer_value import customer_value_from_orders, customer_value_names, customer_value_sheet
from .portfolio import PORTFOLIO, SHEET_ORDER, layout_of, portfolio_layout

__all__ = ["portfolio_layout", "account_layout", "layout_of", "customer_ids", "customer_subset", "PORTFOLIO",
           "ACCOUNT", "SHEET_ORDER", "DATA_ORDER", "SheetBuilder", "Built", "Anchors", "assemble",
           "BuildOrderError", "Context", "Window", "WINDOWS", "customer_value_sheet", "customer_value_names",
           "customer_value_from_orders"]
