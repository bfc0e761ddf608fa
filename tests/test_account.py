"""The account template: one customer's KPIs, MRR and health by month, after LibreOffice recalculation."""

from __future__ import annotations

import re

import openpyxl
import pytest

import kpi_core
from workbook_templates.templates.account import account_layout, customer_subset
from workbook_templates.spec.labels import STATUS, t
from workbook_templates.refresh import refresh_workbook
from workbook_templates.writing.xlsx import write_xlsx

from _workbooks import assert_kpis_equal, workbook_kpis

PERIOD = ("2026-05", "2026-10")


@pytest.fixture(scope="module")
def full():
    return kpi_core.sample_dataset(seed=0, n_customers=60)


def _busiest(ds) -> str:
    """A customer with usage, answers and tickets in many months."""
    with_all = set(ds.table("Tickets")["customer_id"]) & set(ds.table("Responses")["customer_id"])
    usage = ds.table("Usage")
    return usage[usage["customer_id"].isin(with_all)]["customer_id"].value_counts().index[0]


@pytest.mark.engine
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_account_kpis_mrr_and_monthly_health_equal_kpi_core(full, tmp_path, lang):
    ds = customer_subset(full, [_busiest(full)])
    path = write_xlsx(account_layout(ds, *PERIOD, lang=lang), tmp_path / "acc.xlsx")
    titles = openpyxl.load_workbook(path).sheetnames
    assert titles[:2] == [t("dashboard", lang), t("account", lang)]
    assert not {t("Funnel", lang), t("Acquisition", lang)} & set(titles)
    assert_kpis_equal(workbook_kpis(path, tmp_path), kpi_core.headline_kpis(ds, *PERIOD))

    ws = openpyxl.load_workbook(tmp_path / "acc.recalc.xlsx", data_only=True)[t("account", lang)]
    rows = [r for r in ws.iter_rows(min_row=21, values_only=True) if r[0] is not None]
    subs = ds.table("Subscriptions").set_index("month")["mrr"]
    usage_months = set(ds.table("Usage")["month"])
    checked = 0
    for row in rows:
        month = row[0]
        assert row[1] == pytest.approx(float(subs.get(month, 0.0)))
        if month in usage_months:
            expected = kpi_core.health_scores(ds, month).iloc[0]
            assert row[17] == pytest.approx(expected["score"], rel=1e-9)
            assert row[18] == dict(zip(STATUS["en"], STATUS[lang]))[expected["status"]]
            checked += 1
        else:
            assert row[17] in (None, "")
    assert checked == len(usage_months) >= 3


@pytest.mark.engine
def test_account_workbook_refreshes_as_an_account_workbook(full, tmp_path):
    ds = customer_subset(full, ["C0002"])
    path = write_xlsx(account_layout(ds, *PERIOD, lang="en"), tmp_path / "acc.xlsx")
    refresh_workbook(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["Dashboard", "Account"]
    assert wb["Account"]["A1"].value == f"Account — {ds.table('Customers')['name'].iloc[0]}"
    assert_kpis_equal(workbook_kpis(path, tmp_path), kpi_core.headline_kpis(ds, *PERIOD))


def test_account_needs_exactly_one_customer(full):
    with pytest.raises(kpi_core.KpiInputError, match="one customer; found 2"):
        account_layout(customer_subset(full, ["C0001", "C0002"]), lang="en")


def test_account_links_to_the_answers_and_tickets_sheets(full):
    ds = customer_subset(full, [_busiest(full)])
    sheet = account_layout(ds, *PERIOD, lang="fr").sheet("account")
    links = [c.value for c in sheet.cells.values() if c.is_formula and c.value.startswith("=HYPERLINK")]
    assert any(re.search(r"#'?Réponses'?!A1", v) for v in links) and any(re.search(r"#'?Tickets'?!A1", v) for v in links)
