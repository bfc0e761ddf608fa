"""The Customer value sheet (workbook_templates/customer_value.py, DESIGN.md §11).

A small workbook holding only that sheet is written with write_xlsx, read back with
openpyxl, and recalculated with LibreOffice: the totals are checked against sums worked
out here from the predictions.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

from workbook_templates import defined_name_values, recalculate, write_xlsx
from workbook_templates.templates.customer_value import customer_value_names, customer_value_sheet
from workbook_templates.spec.layout import WorkbookLayout

COLUMNS = ["customer_id", "frequency", "recency", "T", "monetary", "p_alive", "expected_purchases",
           "expected_avg_value", "clv"]


def predictions() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["c1", "c2", "c3", "c4"], "frequency": [2, 0, 5, 1],
        "recency": [30.43, 0.0, 20.0, 3.0], "T": [38.86, 38.86, 25.0, 30.0],
        "monetary": [22.345, np.nan, 50.0, 10.0], "p_alive": [0.7266, 1.0, 0.95, 0.21],
        "expected_purchases": [1.23, 0.45, 3.5, 0.2], "expected_avg_value": [24.65, 35.17, 48.0, 18.9],
        "clv": [30.23, 15.83, 168.0, 3.78]})


def write(tmp_path, lang="en"):
    sheet = customer_value_sheet(predictions(), lang, 52, "1997-09-30", "W", scope="Portfolio")
    layout = WorkbookLayout(sheets=[sheet], names=customer_value_names(sheet), lang=lang)
    return write_xlsx(layout, tmp_path / f"cv_{lang}.xlsx"), sheet


def test_sheet_holds_the_predictions_as_a_table_sorted_by_value(tmp_path):
    path, sheet = write(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Customer value"]
    table = ws.tables["CustomerValue"]
    assert table.ref == "A11:I15"  # header + 4 customers
    header = [c.value for c in ws[11]]
    assert header == COLUMNS
    ids = [ws.cell(row=r, column=1).value for r in range(12, 16)]
    assert ids == ["c3", "c1", "c2", "c4"]  # highest clv first
    assert ws["I12"].value == pytest.approx(168.0)
    assert ws["E14"].value is None  # c2 has no repeat purchase: monetary blank
    assert ws["F12"].number_format == "0.0%"
    assert ws["B2"].value == dt.datetime(1997, 9, 30)
    assert ws["B3"].value == 52 and ws["C3"].value == "weeks"
    assert ws["A1"].value == "Predicted customer value — Portfolio"
    assert sheet.computed  # re-derived by Refresh


@pytest.mark.engine
def test_totals_recalculate_to_the_sums_of_the_predictions(tmp_path):
    path, _ = write(tmp_path)
    values = defined_name_values(recalculate(path, tmp_path / "recalc.xlsx"))
    frame = predictions()
    assert values["PredictedClvTotal"] == pytest.approx(30.23 + 15.83 + 168.0 + 3.78)
    assert values["PredictedClvCustomers"] == 4
    assert values["PredictedClvPurchases"] == pytest.approx(frame["expected_purchases"].sum())
    assert values["PredictedClvAliveShare"] == pytest.approx(3 / 4)  # 0.7266, 1.0, 0.95 >= 0.5


def test_french_labels(tmp_path):
    path, _ = write(tmp_path, "fr")
    ws = openpyxl.load_workbook(path)["Valeur client"]
    assert ws["A1"].value.startswith("Valeur client prédite")
    assert ws["C3"].value == "semaines"
    assert [c.value for c in ws[11]] == COLUMNS  # column names stay those of the table


@pytest.mark.engine
def test_empty_predictions_give_an_empty_table(tmp_path):
    sheet = customer_value_sheet(predictions().iloc[:0], "en", 12, "2026-10-31", "M")
    layout = WorkbookLayout(sheets=[sheet], names=customer_value_names(sheet))
    path = write_xlsx(layout, tmp_path / "empty.xlsx")
    values = defined_name_values(recalculate(path, tmp_path / "empty.recalc.xlsx"))
    assert values["PredictedClvTotal"] == 0


# ---------------------------------------------------------------- customer_value_from_orders


def orders_frame(customers, dates, amounts=None):
    n = len(customers)
    return pd.DataFrame({"order_id": range(n), "customer_id": customers, "date": dates,
                         "amount": amounts if amounts is not None else [10.0] * n})


def test_from_orders_without_repeat_purchases_explains_why(tmp_path):
    from workbook_templates.templates.customer_value import customer_value_from_orders

    sheet = customer_value_from_orders(orders_frame(["a", "b"], ["2026-01-01", "2026-01-05"]), "en")
    assert "no customer bought again" in sheet.cells[(3, 1)].value
    assert sheet.cells[(5, 2)].value == "n/a" and not sheet.blocks
    path = write_xlsx(WorkbookLayout(sheets=[sheet], names=customer_value_names(sheet)), tmp_path / "none.xlsx")
    assert openpyxl.load_workbook(path)["Customer value"]["B5"].value == "n/a"


def test_from_orders_without_the_extra_says_how_to_install_it(monkeypatch):
    import sys

    from workbook_templates.templates.customer_value import customer_value_from_orders

    for name in ("pymc_marketing", "pymc_marketing.clv"):
        monkeypatch.setitem(sys.modules, name, None)
    orders = orders_frame(["a", "a", "b"], ["2026-01-01", "2026-01-09", "2026-01-05"])
    sheet = customer_value_from_orders(orders, "fr")
    assert 'pip install "cskpi[predict]"' in sheet.cells[(3, 1)].value
    assert sheet.cells[(5, 2)].value == "n.d."


def test_from_orders_bad_cell_still_fails_the_build():
    from kpi_core import KpiInputError
    from workbook_templates.templates.customer_value import customer_value_from_orders

    with pytest.raises(KpiInputError, match="column amount, row index 1"):
        customer_value_from_orders(orders_frame(["a", "a"], ["2026-01-01", "2026-01-09"], [10.0, -1.0]), "en")


@pytest.mark.engine
def test_sheet_joins_a_portfolio_workbook_and_its_total_recalculates(tmp_path):
    # how a template includes it: append the sheet, add its names (the lead wires this into portfolio.py)
    import kpi_core
    from workbook_templates import portfolio_layout
    from workbook_templates.templates.customer_value import customer_value_from_orders

    ds = kpi_core.sample_dataset(n_customers=40)
    layout = portfolio_layout(ds)
    sheet = customer_value_from_orders(ds, "en", horizon=12, time_unit="M")
    assert not set(customer_value_names(sheet)) & set(layout.names)
    layout.sheets.append(sheet)
    layout.names.update(customer_value_names(sheet))
    path = write_xlsx(layout, tmp_path / "portfolio.xlsx")
    values = defined_name_values(recalculate(path, tmp_path / "portfolio.recalc.xlsx"))
    table = sheet.blocks[0].frame
    assert values["PredictedClvTotal"] == pytest.approx(float(table["clv"].sum()), rel=1e-12)
    assert values["PredictedClvCustomers"] == ds.table("Orders")["customer_id"].nunique()
    assert values["KPI_NRR"] is not None  # the portfolio's own formulas still calculate
