"""E-commerce: the calc_orders helper and the E-commerce sheet (orders, CLV, CAC, funnel).

``calc_orders`` counts each customer's orders per month (derived at build);
two formula columns sum each customer's orders over this period and the
previous one, for the buyers and repeat buyers of each period. Order counts,
revenue, acquisition spend and funnel counts are ``COUNTIFS``/``SUMIFS``
over the tables themselves, a few per period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter as L

from ..spec import formulas as fx
from ..spec.fingerprints import Read
from ..spec.layout import Block, FormulaBlock, ref
from .builder import Built, SheetBuilder
from .context import WINDOWS, Context, Window, blank_zeros

__all__ = ["CALC_ORDERS", "COMMERCE"]

_FIRST_ROW = 2  # calc_orders: row 1 is the header
_READS = (Read("Orders", "date", "month"), Read("Orders", "customer_id", "length"))


def _calc_orders(ctx: Context, _) -> Built:
    orders = ctx.table("Orders")
    s = ctx.sheet("calc_orders", landscape=True, tab_color="D9D9D9", freeze="B2")
    ids = pd.Index(pd.unique(orders["customer_id"])).sort_values()
    m = len(ctx.months)
    counts = np.zeros((len(ids), m))
    np.add.at(counts, (ids.get_indexer(orders["customer_id"]), ctx.month_index(orders["date"])), 1)
    frame = pd.DataFrame(blank_zeros(counts), columns=[f"m{j}" for j in range(m)])
    frame.insert(0, "customer_id", ids.to_numpy())
    s.set(1, 1, "customer_id", "header")
    s.put_row(1, 2, [month.to_pydatetime() for month in ctx.months], "month")
    s.blocks.append(Block(frame, row=_FIRST_ROW, header=False))
    first, last = 2, 1 + m  # the month columns
    head = f"${L(first)}$1:${L(last)}$1"
    months = f"${L(first)}{_FIRST_ROW}:${L(last)}{_FIRST_ROW}"  # the first customer's; relative row
    columns, per_customer = [], {}
    for k, w in enumerate(WINDOWS):  # orders per customer in each window, right of the month columns
        col = last + 1 + k
        s.set(1, col, f'{ctx.t("orders")} ({ctx.t(w.label)})', "header")
        columns.append((f"=SUMIFS({months},{fx.within_months(head, w.start, w.end)})", None))
        per_customer[w.prefix] = ref(s.title, _FIRST_ROW, col, max(_FIRST_ROW + len(ids) - 1, _FIRST_ROW), col)
    s.formula_blocks.append(FormulaBlock(_FIRST_ROW, last + 1, len(ids), columns))
    s.widths.update({L(c): 11 for c in range(2, last + 3)})  # month headers ("janv. 2026")
    return Built([s], anchors={"orders_per_customer": per_customer, "stale.calc_orders": _READS})


def _window(ctx: Context, s, w: Window, per_customer: str | None, kpis: dict) -> None:
    na, row, p = ctx.na, 4, w.prefix
    if per_customer is not None:
        period = fx.within_dates("Orders[date]", w.start, w.next)
        r = ctx.label_rows(s, row, [
            ("orders", f"=COUNTIFS({period})", "int"),
            ("revenue", f"=SUMIFS(Orders[amount],{period})", "money"),
            ("ordering_customers", f"={fx.buyers(per_customer)}", "int"),
            ("repeat_customers", f"={fx.repeat_buyers(per_customer)}", "int"),
        ], w.col)
        orders, cust = r["orders"], r["ordering_customers"]
        kpis.update({
            f"{p}AVG_BASKET": (f'={fx.ratio(r["revenue"], orders, na)}', "kpi_money"),
            f"{p}PURCHASE_FREQUENCY": (f"={fx.ratio(f'SUM({per_customer})', cust, na)}", "kpi_ratio"),
            f"{p}REPURCHASE_RATE": (f'={fx.ratio(r["repeat_customers"], cust, na)}', "kpi_pct"),
        })
        per_year = f"{p}PURCHASE_FREQUENCY*12/{fx.months_in_period(w.start, w.end)}"
        r2 = ctx.label_rows(s, row + 4, [
            ("purchases_per_year", f"={fx.defined_or(f'{p}PURCHASE_FREQUENCY', na, per_year)}", "ratio")], w.col)
        cac = fx.defined_or(f"{p}CAC", "0") if ctx.has("Acquisition") else "0"
        ppy = r2["purchases_per_year"]
        ctx.label_rows(s, row + 5, [(
            "clv", f'=IF(AND(ISNUMBER({p}AVG_BASKET),ISNUMBER({ppy})),'
                   f'{fx.clv(f"{p}AVG_BASKET", ppy, "ClvYears", cac)},{na})', "money")], w.col)
        row += 7
    if ctx.has("Acquisition"):
        within = fx.within_months("Acquisition[month]", w.start, w.end)
        acq = ctx.table("Acquisition")
        parts = [(k, f"=SUMIFS(Acquisition[{col}],{within})", style)
                 for k, col, style in (("marketing_spend", "marketing_spend", "money"),
                                       ("sales_spend", "sales_spend", "money"),
                                       ("acquired", "new_customers", "int")) if col in acq]
        r = ctx.label_rows(s, row, parts, w.col)
        spend = "+".join(r[k] for k in ("marketing_spend", "sales_spend") if k in r) or "0"
        kpis[f"{p}CAC"] = (f"={fx.ratio(f'({spend})', r.get('acquired', '0'), na)}", "kpi_money")
        row += len(parts) + 1
    if ctx.has("Funnel"):
        within = fx.within_months("Funnel[month]", w.start, w.end)
        funnel = ctx.table("Funnel")
        parts = [(k, f"=SUMIFS(Funnel[{k}],{within})", "int")
                 for k in ("visitors", "conversions", "carts_created", "carts_abandoned") if k in funnel]
        r = ctx.label_rows(s, row, parts, w.col)
        kpis[f"{p}CONVERSION_RATE"] = (f'={fx.ratio(r.get("conversions", "0"), r.get("visitors", "0"), na)}',
                                       "kpi_pct")
        kpis[f"{p}ABANDONMENT_RATE"] = (
            f'={fx.ratio(r.get("carts_abandoned", "0"), r.get("carts_created", "0"), na)}', "kpi_pct")


def _commerce(ctx: Context, a) -> Built:
    s = ctx.sheet("commerce")
    ctx.title(s, "commerce")
    ctx.window_heads(s, 3)
    per_customer = a.get("orders_per_customer", {})
    kpis: dict = {}
    for w in WINDOWS:
        _window(ctx, s, w, per_customer.get(w.prefix), kpis)
    return Built([s], anchors={"kpis.commerce": kpis})


#: each customer's orders per month, and per period
CALC_ORDERS = SheetBuilder("calc_orders", _calc_orders, publishes=("orders_per_customer", "stale.calc_orders"),
                           applies=lambda ctx: ctx.has("Orders"))
#: orders, basket, frequency, repurchase, CLV; CAC; conversion and cart abandonment, for both periods
COMMERCE = SheetBuilder("commerce", _commerce, uses=("orders_per_customer",), publishes=("kpis.commerce",),
                        applies=lambda ctx: any(ctx.has(n) for n in ("Orders", "Funnel", "Acquisition")))
