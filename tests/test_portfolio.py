"""The portfolio template's own guards (the formulas are proven in test_workbook_formulas.py)."""

import pandas as pd
import pytest

import kpi_core
from workbook_templates.templates import portfolio, settings


def test_a_table_longer_than_an_excel_sheet_is_refused_naming_it(monkeypatch):
    # 12 subscription rows against a (patched) sheet of 10 rows: 1 header + 9 data rows fit
    monkeypatch.setattr(settings, "EXCEL_MAX_ROWS", 10)
    subs = pd.DataFrame({"customer_id": [f"c{i}" for i in range(12)], "month": "2026-01", "mrr": 100.0})
    ds = kpi_core.Dataset({"Subscriptions": subs})
    with pytest.raises(kpi_core.KpiInputError) as err:
        portfolio.portfolio_layout(ds)
    assert "Subscriptions table has 12 rows" in str(err.value)
    assert "at most 9 below its header" in str(err.value)


def test_a_table_that_fits_builds():
    subs = pd.DataFrame({"customer_id": ["a", "b"], "month": "2026-01", "mrr": [100.0, 50.0]})
    layout = portfolio.portfolio_layout(kpi_core.Dataset({"Subscriptions": subs}))
    assert "KPI_MRR" in layout.names
