"""Helpers shared by the workbook tests (test_cli, test_batch, test_refresh, test_account)."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from kpi_core import TABLES
from workbook_templates.engine import defined_name_values, recalculate
from kpi_core import input_table

NA = ("n/a", "n.d.")


def write_csv_folder(ds, folder: Path) -> Path:
    """The dataset as a folder of CSV files (DESIGN.md §3), as a user would give it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in ds.tables.items():
        input_table(name, frame).to_csv(folder / TABLES[name].file_name, index=False, date_format="%Y-%m-%d")
    return folder


def workbook_kpis(path: Path, tmp: Path, prefix: str = "KPI_") -> dict:
    """Every KPI_ (or, with `prefix` "KPI_PREV_", previous-period) defined name's value after LibreOffice
    recalculation, keyed like headline_kpis ("n/a" -> None)."""
    values = defined_name_values(recalculate(path, tmp / f"{path.stem}.recalc.xlsx"))
    return {k[len(prefix):].lower(): (None if v in NA else v) for k, v in values.items()
            if k.startswith(prefix) and (prefix != "KPI_" or not k.startswith("KPI_PREV_"))}


def assert_kpis_equal(got: dict, expected: dict) -> None:
    """Same KPIs, equal to 1e-9 relative (None for undefined)."""
    assert set(got) == set(expected), (set(got) ^ set(expected))
    for key, value in expected.items():
        if value is None:
            assert got[key] is None, (key, got[key])
        else:
            assert isinstance(got[key], (int, float)), (key, got[key])
            assert abs(got[key] - value) <= 1e-9 * max(1.0, abs(value)), (key, got[key], value)


def sheet_cells(path: Path, titles=None) -> dict:
    """{sheet title: {(row, col): value}} of the non-empty cells (formulas as their text)."""
    wb = openpyxl.load_workbook(path)
    try:
        return {ws.title: {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}
                for ws in wb.worksheets if titles is None or ws.title in titles}
    finally:
        wb.close()
