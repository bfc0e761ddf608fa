"""The "Customer value" sheet: predicted customer value per customer (DESIGN.md §11).

A pure layout function over :func:`kpi_core.predict_clv`'s table: the
predictions are computed by kpi_core when the workbook is built (and again
by Refresh), written as the Excel table ``CustomerValue`` sorted by
predicted value, with live totals above it (``SUM`` / ``COUNTIF`` over the
table's columns, so they follow the table if a user filters or edits it).
The template that includes the sheet adds the defined names of
:func:`customer_value_names` to its workbook, for the Dashboard.
"""

from __future__ import annotations

import pandas as pd
from openpyxl.utils import get_column_letter

import kpi_core

from ..spec.labels import t
from ..spec.layout import Block, CondFormat, SheetLayout, formula, ref
from .builder import Built, SheetBuilder

__all__ = ["customer_value_sheet", "customer_value_names", "customer_value_from_orders", "unavailable_sheet", "TABLE",
           "COLUMN_STYLES", "CUSTOMER_VALUE"]

#: Name of the Excel table of predictions.
TABLE = "CustomerValue"
#: Style of each column of the predictions table.
COLUMN_STYLES = {
    "customer_id": None, "frequency": "int", "recency": "ratio", "T": "ratio", "monetary": "money",
    "p_alive": "pct", "expected_purchases": "ratio", "expected_avg_value": "money", "clv": "money",
}
#: p_alive at or above which a customer counts as likely alive (as kpi_core.clv_summary)
ALIVE_THRESHOLD = 0.5
_TOTAL_ROWS = (("cv_total", "total", "money"), ("cv_customers", "customers", "int"),
               ("cv_purchases", "purchases", "ratio"), ("cv_alive", "alive", "pct"))
_FIRST_TOTAL_ROW = 5
_TABLE_ROW = 11
#: defined name -> the key of its total row
_NAMES = {"PredictedClvTotal": "total", "PredictedClvCustomers": "customers",
          "PredictedClvPurchases": "purchases", "PredictedClvAliveShare": "alive"}


def _total_formula(key: str) -> str:
    rows = f"ROWS({TABLE}[customer_id])"
    return {
        "total": f"=SUM({TABLE}[clv])",
        "customers": f"={rows}",
        "purchases": f"=SUM({TABLE}[expected_purchases])",
        "alive": f'=IF({rows}=0,0,COUNTIF({TABLE}[p_alive],">={ALIVE_THRESHOLD}")/{rows})',
    }[key]


def customer_value_sheet(predictions: pd.DataFrame, lang: str, horizon: float, as_of, time_unit: str = "W",
                         scope: str = "") -> SheetLayout:
    """The Customer value sheet of a workbook.

    Parameters
    ----------
    predictions : pandas.DataFrame
        :func:`kpi_core.predict_clv`'s table (its columns in its order).
    lang : {"en", "fr"}
        Language of the labels.
    horizon : float
        The horizon the predictions were made for, in `time_unit`.
    as_of : date-like
        Last day of the order history the models were fitted on
        (``model.calibration_end``).
    time_unit : {"D", "W", "M"}
        Unit of `horizon`, recency and T.
    scope : str, optional
        Shown after the title ("Portfolio", a CSM's name...).

    Returns
    -------
    SheetLayout
        Key ``"customer_value"``, computed (re-derived by Refresh): the
        table ``CustomerValue`` from row 11, sorted by ``clv`` (highest
        first), and its totals in B5:B8.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"customer_id": ["a", "b"], "frequency": [2, 0], "recency": [30.4, 0.0],
    ...                       "T": [38.9, 12.0], "monetary": [22.3, None], "p_alive": [0.73, 1.0],
    ...                       "expected_purchases": [1.2, 0.4], "expected_avg_value": [24.7, 35.2],
    ...                       "clv": [30.2, 14.1]})
    >>> sheet = customer_value_sheet(table, "en", 52, "1997-09-30")
    >>> sheet.title, sheet.blocks[0].table, sheet.cells[(5, 2)].value
    ('Customer value', 'CustomerValue', '=SUM(CustomerValue[clv])')
    """
    unit = str(time_unit).upper()
    s = SheetLayout(key="customer_value", title=t("customer_value", lang), freeze=f"B{_TABLE_ROW + 1}",
                    landscape=True)
    title = t("cv_title", lang)
    s.set(1, 1, f"{title} — {scope}" if scope else title, "title")
    s.set(2, 1, t("cv_as_of", lang), "label")
    s.set(2, 2, pd.Timestamp(as_of).to_pydatetime(), "date")
    s.set(3, 1, t("cv_horizon", lang), "label")
    s.set(3, 2, float(horizon), "ratio")
    s.set(3, 3, t(f"cv_unit_{unit}", lang))
    for i, (label, key, style) in enumerate(_TOTAL_ROWS):
        s.set(_FIRST_TOTAL_ROW + i, 1, t(label, lang), "label")
        s.set(_FIRST_TOTAL_ROW + i, 2, formula(_total_formula(key), style))
    s.set(_TABLE_ROW - 2, 1, t("cv_note", lang), "note")
    frame = predictions.sort_values("clv", ascending=False, kind="stable").reset_index(drop=True)
    block = Block(frame, row=_TABLE_ROW, table=TABLE,
                  styles={c: st for c, st in COLUMN_STYLES.items() if st and c in frame.columns})
    s.blocks.append(block)
    if len(frame):
        column = get_column_letter(block.col + list(frame.columns).index("p_alive"))
        s.cond_formats.append(CondFormat(f"{column}{block.first_data_row}:{column}{block.last_row}"))
    s.widths.update({"A": 48, "B": 14, "C": 12, "D": 12, "E": 12, "F": 12, "G": 18, "H": 18, "I": 14})
    return s


def customer_value_names(sheet: SheetLayout) -> dict:
    """Defined names of the sheet's totals, to add to the workbook's ``names``.

    ``PredictedClvTotal`` (sum of clv), ``PredictedClvCustomers``,
    ``PredictedClvPurchases`` and ``PredictedClvAliveShare``.

    Examples
    --------
    >>> sheet = SheetLayout(key="customer_value", title="Customer value")
    >>> customer_value_names(sheet)["PredictedClvTotal"]
    "'Customer value'!$B$5"
    """
    rows = {key: _FIRST_TOTAL_ROW + i for i, (_, key, _) in enumerate(_TOTAL_ROWS)}
    return {name: ref(sheet.title, rows[key], 2) for name, key in _NAMES.items()}


def unavailable_sheet(reason: str, lang: str, scope: str = "") -> SheetLayout:
    """The Customer value sheet when no prediction can be made: the reason, and "n/a" totals.

    The totals keep their cells (and :func:`customer_value_names` their
    names), so a Dashboard formula over ``PredictedClvTotal`` shows "n/a".

    Examples
    --------
    >>> sheet = unavailable_sheet('needs PyMC-Marketing: pip install "cskpi[predict]"', "en")
    >>> sheet.cells[(5, 2)].value, sheet.cells[(3, 1)].value.startswith("needs")
    ('n/a', True)
    """
    s = SheetLayout(key="customer_value", title=t("customer_value", lang))
    title = t("cv_title", lang)
    s.set(1, 1, f"{title} — {scope}" if scope else title, "title")
    s.set(3, 1, reason, "note")
    for i, (label, _, _) in enumerate(_TOTAL_ROWS):
        s.set(_FIRST_TOTAL_ROW + i, 1, t(label, lang), "label")
        s.set(_FIRST_TOTAL_ROW + i, 2, t("na", lang))
    s.widths.update({"A": 48, "B": 14})
    return s


def customer_value_from_orders(orders, lang: str, *, horizon: float = 12, time_unit: str = "M",
                               discount_rate: float = 0.0, scope: str = "") -> SheetLayout:
    """Fit the models on the Orders table (:func:`kpi_core.fit_clv`) and lay out the sheet.

    The one call a template needs: the history runs to the last order, the
    horizon is in `time_unit` (default 12 months). When the optional models
    are not installed, or the orders cannot be fitted (no repeat purchase,
    every repeat amount 0...), the sheet says why instead
    (:func:`unavailable_sheet`); bad rows have already failed the dataset's
    validation.

    Parameters
    ----------
    orders : Dataset or DataFrame
        A dataset with an Orders table, or the table itself.
    lang : {"en", "fr"}
    horizon, time_unit, discount_rate
        As :func:`kpi_core.predict_clv` and :func:`kpi_core.fit_clv`.
    scope : str, optional
        Shown after the title.

    Examples
    --------
    >>> import kpi_core
    >>> sheet = customer_value_from_orders(kpi_core.sample_dataset(), "en")
    >>> customers = kpi_core.sample_dataset().table("Orders")["customer_id"].nunique()
    >>> sheet.blocks[0].table, len(sheet.blocks[0].frame) == customers
    ('CustomerValue', True)
    """
    try:
        model = kpi_core.fit_clv(orders, time_unit=time_unit)
        table = kpi_core.predict_clv(model, horizon, discount_rate)
    except kpi_core.MissingExtraError as err:
        return unavailable_sheet(str(err), lang, scope)
    except kpi_core.KpiInputError as err:
        if err.location and err.location != "Orders":  # a bad cell: the build must fail, naming it
            raise
        return unavailable_sheet(str(err), lang, scope)
    return customer_value_sheet(table, lang, horizon, model.calibration_end, model.time_unit, scope)


def _customer_value(ctx, _) -> Built:
    sheet = customer_value_from_orders(ctx.ds, ctx.lang, scope=ctx.scope)
    return Built([sheet], customer_value_names(sheet), {"customer_value": True})


def _wanted(ctx) -> bool:
    return ctx.customer_value and ctx.has("Orders")


#: the Customer value sheet (a model fit: only where the template asks for it) and its total's names
CUSTOMER_VALUE = SheetBuilder("customer_value", _customer_value, publishes=("customer_value",), applies=_wanted)
