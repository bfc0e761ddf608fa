"""``cskpi refresh`` / refresh_workbook: user edits kept, computed sheets re-derived (LibreOffice checks values)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference

import kpi_core
from workbook_templates.spec.labels import t
from workbook_templates.templates.portfolio import portfolio_layout
from workbook_templates.refresh import read_stamp, refresh_workbook
from workbook_templates.writing.update import read_workbook
from workbook_templates.writing.xlsx import write_xlsx

from _workbooks import assert_kpis_equal, sheet_cells, workbook_kpis

PERIOD = ("2026-05", "2026-10")


def _edit(path, lang: str) -> None:
    """What a user does: add a sheet (values, a formula, a chart), change an MRR, append a Subscriptions row."""
    wb = openpyxl.load_workbook(path)
    mine = wb.create_sheet("My notes", 3)
    mine["A1"], mine["A2"], mine["B1"], mine["B2"] = 10, 32, "=A1+A2", "=KPI_MRR*2"
    mine["C1"] = "Zoé's note"
    chart = BarChart()
    chart.add_data(Reference(mine, min_col=1, min_row=1, max_row=2))
    mine.add_chart(chart, "E2")
    subs = wb[t("Subscriptions", lang)]
    table = subs.tables["Subscriptions"]
    last = subs.max_row
    subs.cell(2, 3).value = 4321.0
    row = [subs.cell(2, 1).value, dt.datetime(2026, 11, 1), 77.0]  # a new customer month, past the old axis
    for j, value in enumerate(row):
        subs.cell(last + 1, 1 + j).value = value
    table.ref = f"A1:C{last + 1}"
    wb.save(path)


@pytest.mark.engine
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_refresh_keeps_user_edits_and_recomputes_every_kpi(tmp_path, lang):
    ds = kpi_core.sample_dataset(seed=2, n_customers=30)
    path = write_xlsx(portfolio_layout(ds, *PERIOD, lang=lang), tmp_path / "book.xlsx")
    _edit(path, lang)
    before_names = openpyxl.load_workbook(path).sheetnames
    kept = [t(k, lang) for k in ("guide", "settings", *ds.tables)] + ["My notes"]
    before = sheet_cells(path, kept)
    edited = kpi_core.load_dataset(path)
    assert edited.table("Subscriptions")["mrr"].iloc[0] == 4321.0 and len(edited.table("Subscriptions")) == len(
        ds.table("Subscriptions")) + 1

    refresh_workbook(path)

    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == before_names  # computed sheets back at their places, the user's sheet where it was
    assert sheet_cells(path, kept) == before  # tables, Settings, Guide and the user sheet cell-for-cell
    assert len(wb["My notes"]._charts) == 1  # openpyxl keeps charts of the user sheet (not pictures/shapes)
    assert wb["Subscriptions" if lang == "en" else "Abonnements"].tables["Subscriptions"].ref.endswith(
        str(len(edited.table("Subscriptions")) + 1))
    with read_workbook(path) as book:
        assert read_stamp(book) == ("portfolio", t("portfolio", lang))
    assert wb.active.title == t("dashboard", lang)
    assert_kpis_equal(workbook_kpis(path, tmp_path), kpi_core.headline_kpis(edited, *PERIOD))


@pytest.mark.engine
def test_refresh_follows_the_settings_period_and_health_config_and_keeps_the_scope(tmp_path):
    ds = kpi_core.sample_dataset(seed=4, n_customers=25)
    layout = portfolio_layout(ds, *PERIOD, lang="en", scope="CSM: Zoé")
    path = write_xlsx(layout, tmp_path / "csm.xlsx")
    wb = openpyxl.load_workbook(path)
    settings = wb["Settings"]
    settings["B4"].value = dt.datetime(2025, 11, 1)  # PeriodStart
    settings["B5"].value = dt.datetime(2026, 4, 1)  # PeriodEnd
    settings["B10"].value = 3.0  # adoption weight
    wb.save(path)
    refresh_workbook(path)
    wb = openpyxl.load_workbook(path)
    assert wb["Dashboard"]["A1"].value == "Dashboard — CSM: Zoé"
    config = kpi_core.HealthConfig(weights={**kpi_core.HealthConfig().weights, "adoption": 3.0})
    assert_kpis_equal(workbook_kpis(path, tmp_path), kpi_core.headline_kpis(ds, "2025-11", "2026-04", config=config))


def test_a_workbook_without_stamp_is_refreshed_with_the_template_read_from_its_sheets(tmp_path):
    ds = kpi_core.sample_dataset(seed=1, n_customers=8)
    path = write_xlsx(portfolio_layout(ds, *PERIOD, lang="fr", scope="Segment : PME"), tmp_path / "b.xlsx")
    wb = openpyxl.load_workbook(path)  # as if saved by a tool that drops document properties
    wb.properties.keywords = wb.properties.subject = None
    wb.save(path)
    with read_workbook(path) as book:
        assert read_stamp(book) == ("portfolio", "Segment : PME")
    refresh_workbook(path)
    assert openpyxl.load_workbook(path)["Tableau de bord"]["A1"].value == "Tableau de bord — Segment : PME"


def test_bad_data_row_is_named_and_the_file_is_left_untouched(tmp_path):
    ds = kpi_core.sample_dataset(seed=1, n_customers=8)
    path = write_xlsx(portfolio_layout(ds, *PERIOD), tmp_path / "b.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Subscriptions"]["C5"].value = "lots"
    wb.save(path)
    data = path.read_bytes()
    with pytest.raises(kpi_core.KpiInputError, match=r"b\.xlsx, table Subscriptions, cell 'Subscriptions'!C5"):
        refresh_workbook(path)
    assert path.read_bytes() == data and sorted(p.name for p in tmp_path.iterdir()) == ["b.xlsx"]
