"""A catalogue of hostile and malformed inputs and of faults (issue 9), each named for its input.

Every case runs the command line as a user would and asserts: the exit status; a message
naming the file / table / column / row or cell; no Python traceback; nothing left behind
(no output file, no temporary file); and for faults, that the good files are intact.

Faults are real: a read-only file system and a full disk are tmpfs mounts (we run as root,
where chmod alone does not stop writes), a dead worker is a worker killed with SIGKILL, a
killed refresh receives a real SIGTERM. A fault that cannot be created FAILS the test.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.table import Table

import kpi_core
from cskpi.cli import main
from kpi_core import KpiInputError, ReadLimits, load_dataset
from workbook_templates.batch import groups as batch
from workbook_templates.batch import build_workbooks


# ----------------------------------------------------------------------------------- helpers
def run(capsys, *argv):
    """(exit status, stdout, stderr) of ``cskpi argv``, asserting no traceback reached the user."""
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out, err
    assert "internal error" not in err, err
    return status, out, err


def refused(capsys, data, *fragments, command="kpis"):
    """`cskpi kpis DATA` and `cskpi validate DATA` both exit 2 naming every fragment; nothing written."""
    before = sorted(p.name for p in Path(data).parent.iterdir())
    status, out, err = run(capsys, command, data)
    assert status == 2, (status, out, err)
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in {err!r}"
    status, out, err = run(capsys, "validate", data)
    assert status == 2, (status, out, err)
    for fragment in fragments:
        assert fragment in out, f"{fragment!r} not in {out!r}"
    assert sorted(p.name for p in Path(data).parent.iterdir()) == before  # nothing left behind
    return out


def csv_folder(tmp_path, files: dict, encoding="utf-8") -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return folder


SUBS = "customer_id,month,mrr\nC1,2026-01,100\nC2,2026-01,200\nC1,2026-02,120\n"


def subs_with(row: str) -> dict:
    return {"subscriptions.csv": SUBS + row + "\n"}


def book(path: Path, subs_header=("customer_id", "month", "mrr"), customers="Customers", extra=None) -> Path:
    """Subscriptions on sheet Data (A1:C10), Customers on sheet Clients (A1:B4)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    rows = [list(subs_header)] + [[f"C{i % 3 + 1}", dt.datetime(2026, 1 + i // 3, 1), 100 + i] for i in range(9)]
    for r, row in enumerate(rows, 1):
        for c, v in enumerate(row, 1):
            ws.cell(r, c, v)
    ws.add_table(Table(displayName="Subscriptions", ref="A1:C10"))
    cs = wb.create_sheet("Clients")
    for r, row in enumerate([["customer_id", "segment"], ["C1", "SMB"], ["C2", "SMB"], ["C3", "ETI"]], 1):
        for c, v in enumerate(row, 1):
            cs.cell(r, c, v)
    cs.add_table(Table(displayName=customers, ref="A1:B4"))
    if extra:
        extra(wb)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def repack(src: Path, dst: Path, edit) -> Path:
    """Copy an .xlsx, passing each part's bytes through ``edit(name, data)`` (None drops the part)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst


@contextlib.contextmanager
def tmpfs(where: Path, size: str = "4m"):
    """A real tmpfs mounted at `where`; FAILS (never skips) when mounting is not possible."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"cannot create the fault: mount tmpfs failed: {done.stderr}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def remount_ro(where: Path) -> None:
    done = subprocess.run(["mount", "-o", "remount,ro", str(where)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"cannot create the fault: remount read-only failed: {done.stderr}")


@pytest.fixture(scope="module")
def built_book(tmp_path_factory) -> Path:
    """A small cskpi workbook (portfolio of 5 customers), copied by each test that edits it."""
    from workbook_templates.templates.portfolio import portfolio_layout
    from workbook_templates.writing.xlsx import write_xlsx

    path = tmp_path_factory.mktemp("built") / "book.xlsx"
    return write_xlsx(portfolio_layout(kpi_core.sample_dataset(n_customers=5)), path)


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


# ------------------------------------------------------------------------ CSV: encodings
def test_csv_in_cp850_with_byte_0x81_is_refused_naming_file_byte_and_line(tmp_path, capsys):
    folder = csv_folder(tmp_path, {"customers.csv": "customer_id,name\nC1,Müller\n".encode("cp850")})
    refused(capsys, folder, "customers.csv", "byte 0x81", "byte 21", "line 2", "UTF-8")


def test_csv_in_utf16_with_bom_is_read(tmp_path):
    folder = csv_folder(tmp_path, {"customers.csv": "customer_id,name\nC1,Müller\nC2,Zoé\n"}, encoding="utf-16")
    assert load_dataset(folder).table("Customers")["name"].tolist() == ["Müller", "Zoé"]


def test_csv_in_utf16_big_endian_with_bom_is_read(tmp_path):
    folder = csv_folder(tmp_path, {"customers.csv": "\ufeffcustomer_id,name\nC1,Müller\n".encode("utf-16-be")})
    assert load_dataset(folder).table("Customers")["name"].tolist() == ["Müller"]


def test_csv_in_utf16_without_bom_is_named_not_read_as_mojibake(tmp_path, capsys):
    folder = csv_folder(tmp_path, {"customers.csv": "customer_id,name\nC1,Müller\n".encode("utf-16-le")})
    refused(capsys, folder, "customers.csv", "NUL byte", "UTF-16")


def test_csv_binary_garbage_is_refused_naming_the_file(tmp_path, capsys):
    folder = csv_folder(tmp_path, {"subscriptions.csv": bytes(range(256)) * 4})
    refused(capsys, folder, "subscriptions.csv", "NUL byte")


def test_csv_cp1252_with_euro_sign_is_read(tmp_path):
    folder = csv_folder(tmp_path, {"customers.csv": "customer_id;name\r\nC1;Prix 5 €\r\n"}, encoding="cp1252")
    assert load_dataset(folder).table("Customers")["name"].tolist() == ["Prix 5 €"]


# --------------------------------------------------------------------- CSV: structure
def test_customers_csv_that_is_a_folder_is_refused(tmp_path, capsys):
    folder = csv_folder(tmp_path, {"subscriptions.csv": SUBS})
    (folder / "customers.csv").mkdir()
    refused(capsys, folder, "customers.csv", "is a folder")


def test_csv_duplicate_header_mrr_is_refused_naming_the_column(tmp_path, capsys):
    folder = csv_folder(tmp_path, {"subscriptions.csv": "customer_id,month,mrr,mrr\nC1,2026-01,100,5\n"})
    refused(capsys, folder, "subscriptions.csv", "row 1", "column mrr", "twice", "columns 3 and 4")


def test_csv_duplicate_header_after_stripping_spaces_is_refused(tmp_path, capsys):
    folder = csv_folder(tmp_path, {"subscriptions.csv": "customer_id,month, mrr,mrr \nC1,2026-01,100,5\n"})
    refused(capsys, folder, "subscriptions.csv", "column mrr", "twice")


def test_csv_empty_file_is_refused(tmp_path, capsys):
    folder = csv_folder(tmp_path, {"subscriptions.csv": ""})
    refused(capsys, folder, "subscriptions.csv", "empty")


def test_csv_with_only_blank_lines_is_refused(tmp_path, capsys):
    folder = csv_folder(tmp_path, {"subscriptions.csv": "\n\n  \n"})
    refused(capsys, folder, "subscriptions.csv", "empty")


def test_csv_row_with_an_extra_field_is_refused_naming_the_line(tmp_path, capsys):
    folder = csv_folder(tmp_path, subs_with("C3,2026-02,50,oops"))
    refused(capsys, folder, "subscriptions.csv", "line 5")


def test_csv_missing_required_column_names_table_and_column(tmp_path, capsys):
    folder = csv_folder(tmp_path, {"subscriptions.csv": "customer_id,month\nC1,2026-01\n"})
    refused(capsys, folder, "Subscriptions", "missing required column", "mrr")


def test_folder_with_no_table_file_lists_the_expected_names(tmp_path, capsys):
    folder = csv_folder(tmp_path, {"clients.csv": "id\n1\n"})
    refused(capsys, folder, "customers.csv", "subscriptions.csv")


def test_data_path_that_does_not_exist_exits_2(tmp_path, capsys):
    status, _, err = run(capsys, "kpis", tmp_path / "nope")
    assert status == 2 and "no such file or folder" in err


def test_old_xls_workbook_is_refused_with_save_as_advice(tmp_path, capsys):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    status, _, err = run(capsys, "kpis", path)
    assert status == 2 and "old.xls" in err and ".xlsx" in err


def test_csv_over_the_file_size_limit_is_refused_naming_the_limit(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CSKPI_MAX_FILE_MB", "0.0001")
    folder = csv_folder(tmp_path, {"subscriptions.csv": SUBS * 20})
    refused(capsys, folder, "subscriptions.csv", "max_file_mb", "CSKPI_MAX_FILE_MB")


def test_bad_limit_setting_is_refused_naming_the_variable(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CSKPI_MAX_CELLS", "lots")
    folder = csv_folder(tmp_path, {"subscriptions.csv": SUBS})
    status, _, err = run(capsys, "kpis", folder)
    assert status == 2 and "CSKPI_MAX_CELLS" in err


# ------------------------------------------------------------------------ CSV: values
@pytest.mark.parametrize("row, fragments", [
    ("C3,2026-02,-120", ["row 5", "column mrr", "below the minimum 0"]),
    ("C3,2026-02,abc", ["row 5", "column mrr", "'abc'", "not a number"]),
    ("C3,2026-02,1e999", ["row 5", "column mrr", "not a finite number"]),
    ("C3,2026-02,nan", ["row 5", "column mrr", "not a number"]),
    ("C3,2026-02,", ["row 5", "column mrr", "blank"]),
    ("  ,2026-02,10", ["row 5", "column customer_id", "blank"]),
    ("C3,2026-13,10", ["row 5", "column month", "not a date"]),
    ("C3,2026-02-15,10", ["row 5", "column month", "not a month"]),
    ("C1,2026-01,10", ["row 5", "duplicate key", "first seen at subscriptions.csv, row 2"]),
], ids=["negative_mrr", "text_mrr", "infinite_mrr", "nan_text_mrr", "blank_mrr", "blank_customer_id",
        "month_13", "mid_month_in_month_column", "duplicate_customer_month"])
def test_csv_bad_subscription_value_is_named(tmp_path, capsys, row, fragments):
    refused(capsys, csv_folder(tmp_path, subs_with(row)), "subscriptions.csv", *fragments)


@pytest.mark.parametrize("score, survey, fragment", [
    ("11", "NPS", "not a valid NPS score"), ("7.5", "NPS", "not a valid NPS score"),
    ("oui", "NPS", "not a number"), ("6", "CSAT", "not a valid CSAT score"), ("9", "XYZ", "expected NPS, CSAT")],
    ids=["nps_11", "nps_7_5", "yes_answer_to_nps", "csat_6", "unknown_survey"])
def test_csv_bad_survey_answer_is_named(tmp_path, capsys, score, survey, fragment):
    folder = csv_folder(tmp_path, {"responses.csv": f"customer_id,date,survey,score\nC1,2026-01-02,NPS,9\n"
                                                    f"C1,2026-01-03,{survey},{score}\n"})
    refused(capsys, folder, "responses.csv", "row 3", fragment)


def test_csv_unknown_customer_is_named_when_customers_present(tmp_path, capsys):
    folder = csv_folder(tmp_path, {"customers.csv": "customer_id\nC1\nC2\n", **subs_with("C42,2026-02,10")})
    refused(capsys, folder, "subscriptions.csv", "row 5", "customer_id", "'C42'", "not in the Customers table")


def test_csv_formula_like_customer_name_is_kept_as_text(tmp_path):
    folder = csv_folder(tmp_path, {"customers.csv": 'customer_id,name\nC1,"=cmd|\'/C calc\'!A0"\n'})
    assert load_dataset(folder).table("Customers")["name"].tolist() == ["=cmd|'/C calc'!A0"]


# --------------------------------------------------------------- CSV: the French dialect
def test_french_csv_day_first_dates_are_read_day_first(tmp_path):
    folder = csv_folder(tmp_path, {"orders.csv": "order_id;customer_id;date;amount\r\nO1;C1;14/03/2026;10,5\r\n"
                                                 "O2;C1;3/4/2026 09:30;3\r\n"}, encoding="cp1252")
    orders = load_dataset(folder).table("Orders")
    assert orders["date"].tolist() == [dt.datetime(2026, 3, 14), dt.datetime(2026, 4, 3, 9, 30)]
    assert orders["amount"].tolist() == [10.5, 3.0]


def test_french_csv_month_column_accepts_first_day_and_month_slash_year(tmp_path):
    folder = csv_folder(tmp_path, {"subscriptions.csv": "customer_id;month;mrr\r\nC1;01/03/2026;10\r\n"
                                                        "C1;04/2026;3\r\n"})
    assert load_dataset(folder).table("Subscriptions")["month"].tolist() == [dt.datetime(2026, 3, 1),
                                                                            dt.datetime(2026, 4, 1)]


def test_french_csv_impossible_day_first_date_is_named(tmp_path, capsys):
    folder = csv_folder(tmp_path, {"orders.csv": "order_id;customer_id;date;amount\r\nO1;C1;31/02/2026;1\r\n"})
    refused(capsys, folder, "orders.csv", "row 2", "column date", "not a date")


def test_comma_csv_slashed_date_is_refused_suggesting_iso(tmp_path, capsys):
    folder = csv_folder(tmp_path, {"orders.csv": "order_id,customer_id,date,amount\nO1,C1,14/03/2026,10\n"})
    refused(capsys, folder, "orders.csv", "row 2", "column date", "YYYY-MM-DD", "semicolon")


# ------------------------------------------------------------- every problem, not only the first
def test_validate_lists_every_problem_and_kpis_says_how_many_more(tmp_path, capsys):
    folder = csv_folder(tmp_path, {
        "subscriptions.csv": "customer_id,month,mrr\nC1,2026-01,-5\nC2,2026-13,10\n",
        "customers.csv": "customer_id,name,name\nC1,a,b\n",
        "tickets.csv": "ticket_id,customer_id,opened_at,resolved_first_contact\nT1,C1,2026-01-02,maybe\n"})
    status, out, _ = run(capsys, "validate", folder)
    assert status == 2
    lines = out.strip().splitlines()
    assert len(lines) == 4, lines
    assert any("customers.csv, row 1, column name" in line for line in lines)
    assert any("subscriptions.csv, row 2, column mrr" in line for line in lines)
    assert any("subscriptions.csv, row 3, column month" in line for line in lines)
    assert any("tickets.csv, row 2, column resolved_first_contact" in line for line in lines)
    status, _, err = run(capsys, "kpis", folder)
    assert status == 2 and "3 more problems" in err and "cskpi validate" in err


def test_validate_good_data_says_no_problem_found_and_exits_0(tmp_path, capsys):
    status, out, _ = run(capsys, "validate", csv_folder(tmp_path, {"subscriptions.csv": SUBS}))
    assert status == 0 and "no problem found" in out


def test_period_outside_the_data_warns_with_the_data_months(tmp_path, capsys):
    folder = csv_folder(tmp_path, {"subscriptions.csv": SUBS})
    status, out, err = run(capsys, "kpis", folder, "--period-start", "2030-01", "--period-end", "2030-06")
    assert status == 0
    assert "warning" in err and "outside the data" in err and "2026-01 .. 2026-02" in err


def test_bad_period_argument_exits_2(tmp_path, capsys):
    status, _, err = run(capsys, "kpis", csv_folder(tmp_path, {"subscriptions.csv": SUBS}), "--period-end", "June")
    assert status == 2 and "period_end" in err


# ---------------------------------------------------------------------------- .xlsx tables
def test_xlsx_duplicate_table_header_is_refused_naming_the_cells(tmp_path, capsys):
    path = book(tmp_path / "in" / "dup.xlsx", subs_header=("customer_id", "mrr", "mrr"))
    refused(capsys, path, "dup.xlsx", "table Subscriptions", "'Data'!C1", "column mrr", "twice")


def test_xlsx_table_past_column_xfd_is_refused(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    path = repack(book(tmp_path / "src.xlsx"), tmp_path / "in" / "xfd.xlsx",
                  lambda n, d: d.replace(b'ref="A1:C10"', b'ref="A1:XFE10"') if n.startswith("xl/tables/") else d)
    refused(capsys, path, "xfd.xlsx", "table Subscriptions", "A1:XFE10", "XFD1048576")


def test_xlsx_table_past_row_1048576_is_refused(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    path = repack(book(tmp_path / "src.xlsx"), tmp_path / "in" / "rows.xlsx",
                  lambda n, d: d.replace(b'ref="A1:C10"', b'ref="A1:C1048577"') if n.startswith("xl/tables/") else d)
    refused(capsys, path, "rows.xlsx", "table Subscriptions", "A1:C1048577")


_FAR_CELL = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'


@pytest.mark.parametrize("far", [_FAR_CELL, b'<row r="3"><c r="XFD3"><v>1</v></c></row></sheetData>'])
def test_xlsx_one_cell_far_away_on_a_table_sheet_is_refused_not_laid_out(tmp_path, capsys, far):
    # the reader lays a sheet out from A1 to its furthest cell: one cell at XFD1048576 (17 billion grid cells)
    # used to abort the process with a 512 GB allocation; a cell at XFD3 is still a 49 152-cell grid: read
    (tmp_path / "in").mkdir()
    path = repack(book(tmp_path / "src.xlsx"), tmp_path / "in" / "far.xlsx",
                  lambda n, d: d.replace(b"</sheetData>", far) if n == "xl/worksheets/sheet1.xml" else d)
    if far is _FAR_CELL:
        refused(capsys, path, "far.xlsx, part xl/worksheets/sheet1.xml", "17,179,869,184 grid cells", "max_cells")
    else:
        assert len(load_dataset(path).table("Subscriptions")) == 9


def test_xlsx_table_with_a_garbage_range_is_refused(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    path = repack(book(tmp_path / "src.xlsx"), tmp_path / "in" / "garbage.xlsx",
                  lambda n, d: d.replace(b'ref="A1:C10"', b'ref="A1:C10;DROP"') if n.startswith("xl/tables/") else d)
    refused(capsys, path, "garbage.xlsx", "table Subscriptions", "not a cell range")


@pytest.mark.parametrize("name, meant", [("customers", "Customers"), ("Response", "Responses"),
                                         ("CUSTOMERS", "Customers"), ("Customer", "Customers")])
def test_xlsx_misnamed_table_beside_a_right_one_is_refused_naming_both(tmp_path, capsys, name, meant):
    path = book(tmp_path / "in" / "mis.xlsx", customers=name)
    refused(capsys, path, "mis.xlsx", f"table {name}", f"rename it {meant}")


def test_xlsx_unrelated_table_names_are_ignored(tmp_path):
    path = book(tmp_path / "ok.xlsx", extra=lambda wb: (wb.create_sheet("Notes").cell(1, 1, "a"),
                                                       wb["Notes"].cell(2, 1, 1),
                                                       wb["Notes"].add_table(Table(displayName="Brouillon",
                                                                                   ref="A1:A2"))))
    assert sorted(load_dataset(path).tables) == ["Customers", "Subscriptions"]


def test_xlsx_merged_cells_in_a_table_are_refused_naming_the_cell(tmp_path, capsys):
    path = book(tmp_path / "in" / "merged.xlsx", extra=lambda wb: wb["Clients"].merge_cells("B2:B3"))
    refused(capsys, path, "merged.xlsx", "table Customers", "'Clients'!B2", "column segment", "merged cells B2:B3")


def test_xlsx_merged_cells_outside_the_tables_are_fine(tmp_path):
    path = book(tmp_path / "ok.xlsx", extra=lambda wb: wb["Clients"].merge_cells("E2:F3"))
    assert load_dataset(path).table("Customers")["segment"].tolist() == ["SMB", "SMB", "ETI"]


def test_xlsx_formula_without_saved_value_is_refused_not_read_as_blank(tmp_path, capsys):
    def formula(wb):
        wb["Data"]["C5"] = "=100+1"
    path = book(tmp_path / "in" / "formula.xlsx", extra=formula)
    out = refused(capsys, path, "formula.xlsx", "table Subscriptions", "'Data'!C5", "column mrr",
                  "formula with no saved value")
    assert "is blank" not in out


def test_xlsx_formula_with_saved_value_is_read(tmp_path):
    (tmp_path / "in").mkdir()
    src = book(tmp_path / "src.xlsx", extra=lambda wb: wb["Data"].__setitem__("C5", "=100+1"))
    path = repack(src, tmp_path / "in" / "cached.xlsx",
                  lambda n, d: d.replace(b"<f>100+1</f><v></v>", b"<f>100+1</f><v>101</v>")
                  if n.startswith("xl/worksheets/") else d)
    assert load_dataset(path).table("Subscriptions")["mrr"].iloc[3] == 101.0


def test_xlsx_error_value_na_in_a_table_is_named(tmp_path, capsys):
    path = book(tmp_path / "in" / "na.xlsx", extra=lambda wb: wb["Data"].__setitem__("C6", "#N/A"))
    refused(capsys, path, "na.xlsx", "table Subscriptions", "'Data'!C6", "Excel error #N/A")


def test_xlsx_table_without_header_row_is_refused(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    path = repack(book(tmp_path / "src.xlsx"), tmp_path / "in" / "nohead.xlsx",
                  lambda n, d: d.replace(b'headerRowCount="1"', b'headerRowCount="0"')
                  if n == "xl/tables/table1.xml" else d)
    refused(capsys, path, "nohead.xlsx", "table Subscriptions", "no header row")


def test_xlsx_that_is_not_a_zip_is_refused(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / "fake.xlsx"
    path.write_text("hello")
    refused(capsys, path, "fake.xlsx", "not a readable .xlsx")


def test_xlsx_empty_file_is_refused(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / "empty.xlsx"
    path.write_bytes(b"")
    refused(capsys, path, "empty.xlsx", "not a readable .xlsx")


def test_xlsx_zip_without_workbook_part_is_refused(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    path = repack(book(tmp_path / "src.xlsx"), tmp_path / "in" / "noworkbook.xlsx",
                  lambda n, d: None if n == "xl/workbook.xml" else d)
    refused(capsys, path, "noworkbook.xlsx", "xl/workbook.xml")


def test_xlsx_entity_expansion_attack_is_refused(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>')
    path = repack(book(tmp_path / "src.xlsx"), tmp_path / "in" / "lol.xlsx",
                  lambda n, d: bomb + d.split(b"?>", 1)[-1] if n == "xl/workbook.xml" else d)
    refused(capsys, path, "lol.xlsx", "xl/workbook.xml", "refused")


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml"])
def test_xlsx_dtd_in_a_streamed_part_is_refused_in_one_line(tmp_path, capsys, part):
    """Issue 15: the sheets and shared strings are streamed (not parsed by defusedxml); a DTD there built with
    exit 0. Excel never writes one, so any part declaring one is refused before anything is read."""
    import xlsxwriter  # writes its text as shared strings, as Excel does (openpyxl writes none here)

    (tmp_path / "in").mkdir()
    src = tmp_path / "src.xlsx"
    with xlsxwriter.Workbook(src) as wb:
        ws = wb.add_worksheet("Data")
        ws.add_table("A1:C3", {"name": "Subscriptions", "columns": [{"header": h} for h in ("customer_id", "month",
                                                                                           "mrr")],
                               "data": [["C1", "2026-01", 100], ["C2", "2026-01", 200]]})
    with zipfile.ZipFile(src) as z:
        assert part in z.namelist()
    assert len(load_dataset(src).table("Subscriptions")) == 2
    dtd = b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    path = repack(src, tmp_path / "in" / "dtd.xlsx",
                  lambda n, d: dtd + d.split(b"?>", 1)[-1] if n == part else d)
    out = refused(capsys, path, "dtd.xlsx", f"part {part}", "refused", "DTD")
    assert len(out.strip().splitlines()) == 1
    status, _, err = run(capsys, "build", path, "--out", tmp_path / "out")
    assert status == 2 and "DTD" in err and not (tmp_path / "out").exists()


def test_xlsx_dtd_after_a_comment_is_refused_and_a_comment_alone_is_fine(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    src = book(tmp_path / "src.xlsx")
    part = "xl/worksheets/sheet1.xml"
    decl = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    ok = repack(src, tmp_path / "ok.xlsx", lambda n, d: decl + b"<!-- <x> <!DOCTYPE -->\n" + d if n == part else d)
    assert len(load_dataset(ok).table("Subscriptions")) == 9
    bad = repack(src, tmp_path / "in" / "late.xlsx", lambda n, d: decl + b"<!-- c -->  <!DOCTYPE w>" + d
                 if n == part else d)
    refused(capsys, bad, "late.xlsx", part, "DTD")


def test_xlsx_several_misnamed_tables_are_all_named(tmp_path, capsys):
    """Issue 15: a workbook with tables "Customer" and "Response" named only the first."""
    def response(wb):
        ws = wb.create_sheet("Answers")
        for r, row in enumerate([["customer_id", "date", "survey", "score"], ["C1", "2026-01-05", "NPS", 9]], 1):
            for c, v in enumerate(row, 1):
                ws.cell(r, c, v)
        ws.add_table(Table(displayName="Response", ref="A1:D2"))
    path = book(tmp_path / "in" / "two.xlsx", customers="Customer", extra=response)
    refused(capsys, path, "two.xlsx", "table Customer (sheet 'Clients')", "rename it Customers",
            "table Response (sheet 'Answers')", "rename it Responses")
    with pytest.raises(KpiInputError) as err:
        load_dataset(path)
    assert "rename it Customers" in str(err.value) and "rename it Responses" in str(err.value)


def test_xlsx_folder_named_like_a_workbook_is_refused(tmp_path, capsys):
    path = tmp_path / "in" / "book.xlsx"
    path.mkdir(parents=True)
    status, _, err = run(capsys, "kpis", path)
    assert status == 2 and "book.xlsx" in err


def test_xlsx_without_any_dataset_table_lists_the_names(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    wb = openpyxl.Workbook()
    wb.active["A1"] = "nothing here"
    wb.save(tmp_path / "in" / "none.xlsx")
    refused(capsys, tmp_path / "in" / "none.xlsx", "none.xlsx", "no Excel table named Customers")


def test_xlsx_text_in_mrr_still_names_the_cell(tmp_path, capsys):
    path = book(tmp_path / "in" / "text.xlsx", extra=lambda wb: wb["Data"].__setitem__("C4", "abc"))
    refused(capsys, path, "text.xlsx", "table Subscriptions", "'Data'!C4", "column mrr", "'abc'")


# ------------------------------------------------------------------- .xlsx: decompression limits
def test_xlsx_compression_bomb_is_refused_before_inflating(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / "bomb.xlsx"
    shutil.copy(book(tmp_path / "src.xlsx"), path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z, z.open("xl/worksheets/sheet9.xml", "w",
                                                                      force_zip64=True) as f:
        for _ in range(64):
            f.write(b"<row/>" * 174763)  # 64 MB of XML, deflated about 1000 times
    refused(capsys, path, "bomb.xlsx", "xl/worksheets/sheet9.xml", "max_ratio", "CSKPI_MAX_RATIO")


def test_xlsx_part_declaring_more_than_the_part_limit_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CSKPI_MAX_PART_MB", "0.001")
    path = book(tmp_path / "in" / "big.xlsx")
    refused(capsys, path, "big.xlsx", "max_part_mb", "CSKPI_MAX_PART_MB")


def test_xlsx_with_too_many_cells_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CSKPI_MAX_CELLS", "20")
    path = book(tmp_path / "in" / "cells.xlsx")
    refused(capsys, path, "cells.xlsx", "sheet1.xml", "more than 20 cells", "CSKPI_MAX_CELLS")


def test_xlsx_with_too_many_shared_strings_is_refused(tmp_path, capsys):
    import xlsxwriter

    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / "strings.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Data")
    ws.add_table(0, 0, 300, 1, {"name": "Customers", "columns": [{"header": "customer_id"}, {"header": "name"}],
                                "data": [[f"C{i}", f"name {i}"] for i in range(300)]})
    wb.close()
    with pytest.raises(KpiInputError) as ei:
        load_dataset(path, limits=ReadLimits(max_strings=100))
    assert "sharedStrings.xml" in str(ei.value) and "max_strings" in str(ei.value)
    assert len(load_dataset(path).table("Customers")) == 300  # the default limit reads it


def test_xlsx_with_too_many_parts_is_refused(tmp_path):
    path = book(tmp_path / "parts.xlsx")
    with pytest.raises(KpiInputError) as ei:
        load_dataset(path, limits=ReadLimits(max_parts=3))
    assert "parts.xlsx" in str(ei.value) and "max_parts" in str(ei.value)


# --------------------------------------------------------------------------- output: arguments
def test_build_out_naming_an_existing_file_exits_2_and_keeps_the_file(tmp_path, capsys):
    data = csv_folder(tmp_path, {"subscriptions.csv": SUBS})
    target = tmp_path / "report.txt"
    target.write_text("mine")
    status, _, err = run(capsys, "build", data, "--out", target)
    assert status == 2 and "report.txt" in err and "not a folder" in err
    assert target.read_text() == "mine"


def test_build_out_inside_a_read_only_file_system_exits_2_and_writes_nothing(tmp_path, capsys):
    data = csv_folder(tmp_path, {"subscriptions.csv": SUBS})
    with tmpfs(tmp_path / "ro") as mnt:
        remount_ro(mnt)
        status, _, err = run(capsys, "build", data, "--out", mnt / "out")
        assert status == 2 and "read-only" in err
        assert list(mnt.iterdir()) == []


def test_build_out_inside_a_chmod_read_only_folder_exits_2_even_for_root(tmp_path, capsys):
    data = csv_folder(tmp_path, {"subscriptions.csv": SUBS})
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        status, _, err = run(capsys, "build", data, "--out", locked / "out")
        assert status == 2 and "read-only" in err and "0555" in err
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


def test_sample_writes_a_csv_folder_that_validates_and_loads_like_the_sample(tmp_path, capsys):
    status, out, _ = run(capsys, "sample", "--out", tmp_path / "tpl")
    assert status == 0 and "8 CSV files" in out
    ds = load_dataset(tmp_path / "tpl")
    expected = kpi_core.sample_dataset()
    assert sorted(ds.tables) == sorted(expected.tables)
    assert kpi_core.headline_kpis(ds, "2026-01", "2026-06") == pytest.approx(
        kpi_core.headline_kpis(expected, "2026-01", "2026-06"), nan_ok=True)
    status, out, _ = run(capsys, "validate", tmp_path / "tpl")
    assert status == 0 and "no problem found" in out
    status, _, err = run(capsys, "sample", "--out", tmp_path / "tpl")  # not overwritten without --force
    assert status == 2 and "--force" in err


def test_bare_cskpi_prints_help_with_the_tables_and_required_columns(capsys):
    status, out, _ = run(capsys)
    assert status == 0
    assert "usage: cskpi" in out
    assert "Subscriptions  subscriptions.csv  customer_id, month, mrr" in out
    assert "DESIGN.md" not in out


# ------------------------------------------------------------------------- refresh: files kept safe
def test_refresh_of_a_read_only_workbook_is_refused_and_the_file_is_untouched(tmp_path, capsys, built_book):
    path = tmp_path / "book.xlsx"
    shutil.copy(built_book, path)
    path.chmod(0o444)
    before = path.read_bytes()
    status, _, err = run(capsys, "refresh", path)
    assert status == 2 and "book.xlsx" in err and "read-only" in err
    assert path.read_bytes() == before and (path.stat().st_mode & 0o777) == 0o444
    assert leftovers(tmp_path) == []


def test_refresh_keeps_a_private_workbooks_mode_0600(tmp_path, capsys, built_book):
    path = tmp_path / "book.xlsx"
    shutil.copy(built_book, path)
    path.chmod(0o600)
    status, _, _ = run(capsys, "refresh", path)
    assert status == 0 and (path.stat().st_mode & 0o777) == 0o600


def test_refresh_in_a_read_only_file_system_exits_2_and_keeps_the_file(tmp_path, capsys, built_book):
    with tmpfs(tmp_path / "ro") as mnt:
        shutil.copy(built_book, mnt / "book.xlsx")
        remount_ro(mnt)
        status, _, err = run(capsys, "refresh", mnt / "book.xlsx")
        assert status == 2 and "read-only" in err
        assert (mnt / "book.xlsx").read_bytes() == built_book.read_bytes()
        assert leftovers(mnt) == []


def test_refresh_on_a_full_disk_says_so_in_one_line_and_keeps_the_file(tmp_path, built_book):
    with tmpfs(tmp_path / "full", size="1m") as mnt:
        shutil.copy(built_book, mnt / "book.xlsx")
        fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT)
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 4096)
        os.close(fd)
        done = subprocess.run([sys.executable, "-m", "cskpi", "refresh", str(mnt / "book.xlsx")],
                              capture_output=True, text=True)
        assert done.returncode == 1, done.stderr
        assert "disk is full" in done.stderr and "book.xlsx" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr  # no flood of ignored lxml errors
        assert "Traceback" not in done.stderr
        assert (mnt / "book.xlsx").read_bytes() == built_book.read_bytes()
        assert leftovers(mnt) == []


def _make_xlsm(src: Path, dst: Path) -> Path:
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504  # an OLE header: openpyxl copies the part as is

    def edit(name, data):
        if name == "[Content_Types].xml":
            data = data.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml").replace(
                b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                             b"</Types>")
        if name == "xl/_rels/workbook.xml.rels":
            data = data.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.'
                                b'com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                                b"</Relationships>")
        return data

    repack(src, dst, edit)
    with zipfile.ZipFile(dst, "a") as z:
        z.writestr("xl/vbaProject.bin", vba)
    return dst


def test_refresh_of_an_xlsm_keeps_its_macros_and_macro_enabled_content_type(tmp_path, capsys, built_book):
    path = _make_xlsm(built_book, tmp_path / "book.xlsm")
    vba = zipfile.ZipFile(path).read("xl/vbaProject.bin")
    status, _, err = run(capsys, "refresh", path)
    assert status == 0, err
    with zipfile.ZipFile(path) as z:
        types = z.read("[Content_Types].xml")
        assert b"application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
        assert b"spreadsheetml.sheet.main+xml" not in types
        assert z.read("xl/vbaProject.bin") == vba


def test_refresh_killed_by_sigterm_while_saving_leaves_no_temp_file(tmp_path, built_book):
    path = tmp_path / "book.xlsx"
    shutil.copy(built_book, path)
    script = (
        "import os, signal, workbook_templates.writing.update as w\n"
        "real = w.UserWorkbook.replace_sheets\n"
        "def save(self, target, *args, **kwargs):\n"
        "    open(target, 'wb').write(b'PK half')\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    real(self, target, *args, **kwargs)\n"
        "w.UserWorkbook.replace_sheets = save\n"
        "from cskpi.cli import main\n"
        f"raise SystemExit(main(['refresh', {str(path)!r}]))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert "Traceback" not in done.stderr
    assert path.read_bytes() == built_book.read_bytes()
    assert leftovers(tmp_path) == []


def test_temp_file_of_a_refresh_killed_with_sigkill_is_removed_by_the_next_run(tmp_path, capsys, built_book):
    path = tmp_path / "book.xlsx"
    shutil.copy(built_book, path)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a process id that is gone
    stale = tmp_path / f".book.xlsx.cskpi-{child.pid}-{uuid.uuid4().hex[:8]}.tmp"
    stale.write_bytes(b"PK half")
    other = tmp_path / f".book.xlsx.cskpi-{os.getpid()}-alive.tmp"  # a live process's file is left alone
    other.write_bytes(b"x")
    status, _, _ = run(capsys, "refresh", path)
    assert status == 0
    assert not stale.exists() and other.exists()


def _sheet_part(path: Path, title: str) -> str:
    with zipfile.ZipFile(path) as z:
        book_xml, rels = z.read("xl/workbook.xml").decode(), z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{title}"[^>]*r:id="([^"]+)"', book_xml).group(1)
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


@pytest.mark.parametrize("edit, fragments", [
    ("far cell", ["part xl/worksheets/", "grid cells", "max_cells"]),
    ("huge name", ["the name HealthWeights refers to A1:XFD1048576", "at most 10,000 cells"]),
])
def test_refresh_with_a_far_cell_or_a_huge_name_on_settings_exits_2_and_keeps_the_file(tmp_path, capsys,
                                                                                     built_book, edit, fragments):
    # either used to abort the process (a 512 GB allocation) or run for minutes, cell by cell
    settings = _sheet_part(built_book, "Settings")

    def change(name, data):
        if edit == "far cell" and name == settings:
            return data.replace(b"</sheetData>", _FAR_CELL)
        if edit == "huge name" and name == "xl/workbook.xml":
            return re.sub(rb'(<definedName name="HealthWeights">)[^<]*', rb"\1Settings!$A$1:$XFD$1048576", data)
        return data

    path = repack(built_book, tmp_path / "book.xlsx", change)
    before = path.read_bytes()
    status, out, err = run(capsys, "refresh", path)
    assert status == 2, (status, out, err)
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in {err!r}"
    assert path.read_bytes() == before and leftovers(tmp_path) == []


def test_refresh_of_a_damaged_workbook_exits_2_and_keeps_it(tmp_path, capsys, built_book):
    path = tmp_path / "book.xlsx"
    data = built_book.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    status, _, err = run(capsys, "refresh", path)
    assert status == 2 and "book.xlsx" in err
    assert path.read_bytes() == data[: len(data) // 2] and leftovers(tmp_path) == []


# ------------------------------------------------------------------------- batch: a dead worker
@pytest.mark.slow
def test_a_worker_killed_with_sigkill_fails_only_its_group_and_the_rest_are_built(tmp_path, monkeypatch):
    ds = kpi_core.sample_dataset(seed=5, n_customers=30)
    real = batch.portfolio_layout
    victim = sorted(v for v in ds.table("Customers")["csm"].unique())[1]

    def layout(ds, start, end, **kw):
        if victim in (kw.get("scope") or ""):
            os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer does
        return real(ds, start, end, **kw)

    monkeypatch.setattr(batch, "portfolio_layout", layout)
    result = build_workbooks(ds, tmp_path, by="csm", jobs=2, progress=io.StringIO())
    groups = batch.plan_groups(ds, tmp_path, "csm")
    assert list(result.failed) == [f"csm {victim}"]
    assert "died" in result.failed[f"csm {victim}"]
    assert len(result.written) == len(groups) - 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in result.written)
    for written in result.written:  # the good workbooks are complete
        assert "Dashboard" in openpyxl.load_workbook(written, read_only=True).sheetnames


# ------------------------------------------- long columns: checked on distinct values, same answers
def test_boolean_among_many_equal_numbers_is_still_refused():
    # True hashes like 1.0: checking distinct values must not let it through
    frame = pd.DataFrame({"customer_id": [f"c{i}" for i in range(300)], "month": ["2026-01"] * 300,
                          "mrr": [1.0] * 299 + [True]})
    with pytest.raises(KpiInputError) as ei:
        kpi_core.Dataset({"Subscriptions": frame})
    assert "row index 299" in str(ei.value) and "boolean True" in str(ei.value)


def test_long_csv_column_names_the_first_bad_row_and_counts_the_others(tmp_path, capsys):
    rows = "".join(f"C{i},2026-{i % 12 + 1:02d},{-5 if i in (700, 800, 900) else 10}\n" for i in range(1000))
    folder = csv_folder(tmp_path, {"subscriptions.csv": "customer_id,month,mrr\n" + rows})
    refused(capsys, folder, "subscriptions.csv, row 702, column mrr: -5 is below the minimum 0 (2 more rows like this)")


# ------------------------------------------------------------- mappings and exports (issue 15)
BILLING = ("customer_oid,customer_name,plan_amount,plan_currency,plan_interval,plan_interval_count,"
           "subscription_quantity,subscription_started_at,subscription_canceled_at\n"
           "c1,Acme,5000,USD,month,1,1,2026-01-05,\n"
           "c2,Beta,9900,USD,month,1,2,2026-02-01,2026-05-01\n")


def import_refused(capsys, tmp_path, exports: dict, mapping: str | None, *fragments, env=None):
    """`cskpi import` exits 2 with one line naming every fragment; no output, no temporary file, inputs intact."""
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for name, content in exports.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    argv = ["import"]
    if mapping is None:
        argv += [folder / next(iter(exports)), "--map", "baremetrics"]
    else:
        (folder / "mapping.toml").write_text(mapping, encoding="utf-8")
        argv += ["--map", folder / "mapping.toml"]
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    for out in (tmp_path / "out", tmp_path / "out.xlsx"):
        status, stdout, err = run(capsys, *argv, "--out", out)
        assert status == 2, (status, stdout, err)
        assert len(err.strip().splitlines()) == 1, err
        for fragment in fragments:
            assert fragment in err, f"{fragment!r} not in {err!r}"
        assert not out.exists() and not leftovers(tmp_path)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    return err


def test_import_mapping_naming_an_unknown_column_lists_the_columns(tmp_path, capsys):
    mapping = ('[Subscriptions]\nfile = "billing.csv"\nfrom = "subscriptions"\n'
               'columns = { customer_id = "customer_id", amount = "plan_amount", interval = "plan_interval", '
               'started_at = "subscription_started_at" }\n')
    import_refused(capsys, tmp_path, {"billing.csv": BILLING}, mapping, "mapping.toml, [Subscriptions]",
                   "billing.csv has no column \"customer_id\"", "'customer_oid'", "'subscription_canceled_at'")


@pytest.mark.parametrize("row, fragments", [
    ("c3,Cy,100,USD,month,1,1,05/03/2026,", ["data row 3, column \"subscription_started_at\"", "'05/03/2026'",
                                             "not a date"]),
    ("c3,Cy,100,USD,month,1,1,2026-03-05,2026-02-01", ["data row 3, column \"subscription_canceled_at\"",
                                                       "before the subscription's start"]),
    ("c3,Cy,100,USD,month,1,-3,2026-03-05,", ["data row 3, column \"subscription_quantity\"",
                                              "-3 is below the minimum 0"]),
    ("c3,Cy,100,USD,fortnight,1,1,2026-03-05,", ["data row 3, column \"plan_interval\"", "'fortnight'"]),
    ("c3,Cy,100,EUR,month,1,1,2026-03-05,", ["data row 3, column \"plan_currency\"", "EUR", "rates"]),
])
def test_import_bad_export_row_is_one_line_naming_file_column_and_row(tmp_path, capsys, row, fragments):
    import_refused(capsys, tmp_path, {"billing.csv": BILLING + row + "\n"}, None, "billing.csv", *fragments)


def test_import_currency_without_a_rate_is_named(tmp_path, capsys):
    mapping = (kpi_core.BUILTIN_MAPPINGS["baremetrics"].read_text(encoding="utf-8")
               + '\n[Currency]\nrates = { USD = 1.0, EUR = 1.08 }\n').replace('[Subscriptions]\n',
                                                                             '[Subscriptions]\nfile = "billing.csv"\n')
    mapping = mapping.replace('[Customers]\n', '[Customers]\nfile = "billing.csv"\n')
    import_refused(capsys, tmp_path, {"billing.csv": BILLING + "c3,Cy,100,GBP,month,1,1,2026-03-05,\n"}, mapping,
                   "billing.csv, data row 3, column \"plan_currency\"", "'GBP', which has no rate", "EUR, USD")


def test_import_export_over_the_file_size_limit_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CSKPI_MAX_FILE_MB", "0.001")  # 1 KB: the file below is 2 KB (a 1 GB file, scaled down)
    big = BILLING + "".join(f"c{i},N{i},100,USD,month,1,1,2026-03-05,\n" for i in range(3, 60))
    assert len(big) > 2000
    import_refused(capsys, tmp_path, {"billing.csv": big}, None, "billing.csv", "max_file_mb", "CSKPI_MAX_FILE_MB")


def test_import_mapping_file_over_the_size_limit_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CSKPI_MAX_FILE_MB", "0.001")
    mapping = "[Customers]\nfile = \"c.csv\"\n" + "# padding\n" * 200
    import_refused(capsys, tmp_path, {"c.csv": "customer_id\nc1\n"}, mapping, "mapping.toml", "max_file_mb")


def test_import_xlsx_export_with_a_dtd_is_refused(tmp_path, capsys):
    src = tmp_path / "src.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Export"
    for row in [["customer_id", "name"], ["c1", "Acme"]]:
        wb.active.append(row)
    wb.save(src)
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    (tmp_path / "in").mkdir()
    repack(src, tmp_path / "in" / "crm.xlsx", lambda n, d: dtd + d if n == "xl/worksheets/sheet1.xml" else d)
    content = (tmp_path / "in" / "crm.xlsx").read_bytes()
    (tmp_path / "in" / "crm.xlsx").unlink()
    import_refused(capsys, tmp_path, {"crm.xlsx": content}, '[Customers]\nfile = "crm.xlsx"\nsheet = "Export"\n',
                   "crm.xlsx, part xl/worksheets/sheet1.xml", "DTD")


def test_import_mapping_that_is_not_toml_is_named_with_its_line(tmp_path, capsys):
    import_refused(capsys, tmp_path, {"c.csv": "customer_id\nc1\n"}, "[Customers]\nfile = c.csv\n",
                   "mapping.toml: not a valid TOML file", "line 2")
