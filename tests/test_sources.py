"""The ribbon's Build KPI workbook on a workbook of raw exports and a Mapping table (``addin.sources``, DESIGN.md §12).

The workbook is the template ``cskpi sample --mapping --out book.xlsx`` writes
(``workbook_templates.templates.data_book.mapping_template_layout``), posted to xlwings' remote
engine as the Office.js add-in posts it (``tests/test_ribbon.py``'s payload builder).
Proved: the build goes through the mapping and writes, as the data tables of the KPI
sheets it adds, exactly the tables that ``cskpi import`` derives from the same exports
as CSV files with the TOML mapping (a second, file-based path through the same rules);
the export sheets and the Mapping sheet are never written; a bad export cell or a bad
Mapping row ends in one alert naming the sheet and cell, and nothing else is queued.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from test_ribbon import book_json, run, targets

import kpi_core
from addin import sources
from kpi_core.mapping import EXAMPLE_SHEETS, EXAMPLES_DIR
from workbook_templates.templates.data_book import mapping_template_layout

EXPORTS = set(EXAMPLE_SHEETS.values()) | {"Mapping", "Read me"}


@pytest.fixture(scope="module")
def payload() -> dict:
    data = book_json(mapping_template_layout(), with_user_sheet=False)
    data["book"]["name"] = "exports.xlsx"
    return data


def _sheet(payload: dict, title: str) -> dict:
    return next(s for s in payload["sheets"] if s["name"] == title)


def _column(values: list, header: str) -> list:
    """The data cells of the column headed `header` in a setValues block (header in its first row)."""
    j = values[0].index(header)
    return [row[j] for row in values[1:]]


def test_build_from_exports_and_mapping_adds_the_kpi_sheets_with_the_mapped_tables(payload):
    _, actions = run("BuildWorkbook", payload)
    assert actions[-1]["func"] == "alert" and actions[-1]["args"][3] == "info", actions[-1]
    assert "through its Mapping table" in actions[-1]["args"][0]
    touched = {s for s, _ in targets(payload, actions) if s}
    assert not touched & EXPORTS, touched & EXPORTS  # exports and Mapping are never written
    added = [a["args"][1] for a in actions if a["func"] == "addSheet"]
    assert added[:3] == ["Dashboard", "Guide", "Settings"]
    assert {"Customers", "Subscriptions", "Responses", "Tickets"} <= set(added)
    expected = kpi_core.apply_mapping(EXAMPLES_DIR / "mapping.toml")  # the CSV exports through the TOML file
    written = {a["args"][3] for a in actions if a["func"] == "addTable"}
    assert {"Customers", "Subscriptions", "Responses", "Tickets"} <= written
    values = {}
    for sheet, a in targets(payload, actions):
        if a["func"] == "setValues" and sheet in ("Subscriptions", "Customers") and a["start_row"] == 0:
            values[sheet] = a["values"]
    subs = expected.table("Subscriptions")
    assert _column(values["Subscriptions"], "customer_id") == subs["customer_id"].tolist()
    assert _column(values["Subscriptions"], "mrr") == pytest.approx(subs["mrr"].tolist())
    assert _column(values["Customers"], "name") == expected.table("Customers")["name"].tolist()


def test_a_bad_export_cell_is_one_alert_naming_sheet_and_cell(payload):
    bad = copy.deepcopy(payload)
    billing = _sheet(bad, "Billing export")
    j = billing["values"][0].index("subscription_quantity")
    billing["values"][3][j] = -2  # row 4 of the sheet: the third subscription
    _, actions = run("BuildWorkbook", bad)
    assert [a["func"] for a in actions] == ["alert"]
    prompt = actions[0]["args"][0]
    letter = chr(65 + j)
    for fragment in ("exports.xlsx, sheet 'Billing export'", f"cell {letter}4", "subscription_quantity",
                     "data row 3", "-2 is below the minimum 0", "Nothing was changed"):
        assert fragment in prompt, (fragment, prompt)


def test_a_bad_mapping_row_is_named_by_its_cell(payload):
    bad = copy.deepcopy(payload)
    mapping = _sheet(bad, "Mapping")
    row = next(i for i, r in enumerate(mapping["values"]) if r[1] == "columns" and r[2] == "amount")
    mapping["values"][row][3] = "plan_amout"  # a typo in the export's header
    _, actions = run("BuildWorkbook", bad)
    assert [a["func"] for a in actions] == ["alert"]
    prompt = actions[0]["args"][0]
    for fragment in (f"cell 'Mapping'!D{row + 1}", "no column \"plan_amout\"", "did you mean \"plan_amount\"",
                     "'plan_oid'"):
        assert fragment in prompt, (fragment, prompt)


def test_has_mapping_and_a_workbook_without_one_builds_as_before(payload):
    import xlwings as xw

    assert sources.has_mapping(xw.Book(json=copy.deepcopy(payload)))
    plain = copy.deepcopy(payload)
    plain["sheets"] = [s for s in plain["sheets"] if s["name"] != "Mapping"]
    assert not sources.has_mapping(xw.Book(json=copy.deepcopy(plain)))
    _, actions = run("BuildWorkbook", plain)  # no §3 table, no Mapping: the sample data, as before
    assert "sample data" in actions[-1]["args"][0]


def test_the_mapped_dataset_of_the_live_book_equals_the_files_one(payload):
    import xlwings as xw

    from addin.ribbon import read_tables

    book = xw.Book(json=copy.deepcopy(payload))
    live = sources.mapped_dataset(book, read_tables(book))
    files = kpi_core.apply_mapping(EXAMPLES_DIR / "mapping.toml")
    assert list(live.tables) == list(files.tables)
    for name in files.tables:
        pd.testing.assert_frame_equal(kpi_core.input_table(name, live.table(name)),
                                      kpi_core.input_table(name, files.table(name)), check_dtype=False)
