"""``cskpi import`` and ``--map`` on kpis / build / validate, ``cskpi sample --mapping`` (``cskpi/import_cmd.py``, DESIGN.md §12).

Run as a user would (``cskpi.cli.main``). The figures printed are checked against values
worked out by hand from the example billing export (MRR at 2026-10: 2 694.00, see
``tests/test_mapping.py``), and what is written is read back with ``load_dataset``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import kpi_core
from cskpi.cli import main
from kpi_core.mapping import EXAMPLES_DIR

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MAP = EXAMPLES_DIR / "mapping.toml"


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out and "internal error" not in err, err
    return status, out, err


def same_tables(a: kpi_core.Dataset, b: kpi_core.Dataset) -> None:
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(kpi_core.input_table(name, a.table(name)),
                                      kpi_core.input_table(name, b.table(name)), check_dtype=False)


@pytest.fixture(scope="module")
def mapped() -> kpi_core.Dataset:
    return kpi_core.apply_mapping(MAP)


def test_import_to_a_csv_folder_prints_rows_months_and_mrr(tmp_path, capsys, mapped):
    status, out, err = run(capsys, "import", "--map", MAP, "--out", tmp_path / "data")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["Customers", "12"] and "4 repeated rows of the same customers merged" in lines[0]
    assert lines[1].split()[:2] == ["Subscriptions", "145"] and "derived from 16 subscription rows" in lines[1]
    assert lines[2].split()[:2] == ["Responses", "109"] and "11 empty answers skipped" in lines[2]
    assert lines[3].split()[:2] == ["Tickets", "55"]
    assert "12 customers, months 2025-05 .. 2026-10; MRR at 2026-10: 2,694.00" in out
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["customers.csv", "responses.csv",
                                                                     "subscriptions.csv", "tickets.csv"]
    same_tables(kpi_core.load_dataset(tmp_path / "data"), mapped)


def test_import_to_an_xlsx_writes_excel_tables_that_load_back(tmp_path, capsys, mapped):
    status, out, _ = run(capsys, "import", "--map", MAP, "--out", tmp_path / "data.xlsx")
    assert status == 0 and "Excel tables Customers, Subscriptions, Responses, Tickets" in out
    wb = openpyxl.load_workbook(tmp_path / "data.xlsx")
    assert {t for ws in wb.worksheets for t in ws.tables} == {"Customers", "Subscriptions", "Responses", "Tickets"}
    same_tables(kpi_core.load_dataset(tmp_path / "data.xlsx"), mapped)


def test_builtin_mapping_with_the_export_on_the_command_line(tmp_path, capsys):
    status, out, _ = run(capsys, "import", EXAMPLES_DIR / "billing.csv", "--map", "baremetrics", "--out",
                         tmp_path / "d")
    assert status == 0 and "MRR at 2026-09: 2,694.00" in out  # no until: the latest date, 2026-09-15
    subs = kpi_core.load_dataset(tmp_path / "d").table("Subscriptions")
    assert subs["month"].max() == pd.Timestamp("2026-09-01")


def test_a_source_the_mapping_names_is_accepted(tmp_path, capsys):
    shutil.copytree(EXAMPLES_DIR, tmp_path / "ex")
    a = run(capsys, "import", "--map", tmp_path / "ex" / "mapping.toml", "--out", tmp_path / "a")
    b = run(capsys, "import", tmp_path / "ex" / "billing.csv", "--map", tmp_path / "ex" / "mapping.toml", "--out",
            tmp_path / "b")
    assert a[0] == b[0] == 0 and a[1].replace(str(tmp_path / "a"), "") == b[1].replace(str(tmp_path / "b"), "")


def test_import_refuses_to_overwrite_and_needs_map_and_out(tmp_path, capsys):
    assert run(capsys, "import", "--map", MAP, "--out", tmp_path / "d")[0] == 0
    before = (tmp_path / "d" / "customers.csv").stat().st_mtime_ns
    status, _, err = run(capsys, "import", "--map", MAP, "--out", tmp_path / "d")
    assert status == 2 and "already holds customers.csv" in err and "--force" in err
    assert (tmp_path / "d" / "customers.csv").stat().st_mtime_ns == before
    assert run(capsys, "import", "--map", MAP, "--out", tmp_path / "d", "--force")[0] == 0
    status, _, err = run(capsys, "import", "--out", tmp_path / "e")
    assert status == 2 and "--map MAP and --out" in err and not (tmp_path / "e").exists()


def test_template_is_an_annotated_mapping_that_loads(tmp_path, capsys):
    status, out, _ = run(capsys, "import", "--template")
    assert status == 0 and out.startswith("# cskpi mapping")
    data = tomllib.loads(out)
    assert {"Customers", "Subscriptions", "Responses", "Tickets"} <= set(data)
    assert run(capsys, "import", "--template", "--out", tmp_path / "m.toml")[0] == 0
    mapping = kpi_core.load_mapping(tmp_path / "m.toml")
    assert mapping.sections["Subscriptions"].kind == "subscriptions"
    assert mapping.sections["Responses"].unpivot == {"Recommanderiez-vous notre produit ?": "NPS",
                                                     "Êtes-vous satisfait ?": "CSAT"}
    status, _, err = run(capsys, "import", "--template", "--out", tmp_path / "m.toml")
    assert status == 2 and "already exists" in err


def test_map_on_kpis_build_and_validate(tmp_path, capsys, mapped):
    status, out, _ = run(capsys, "kpis", "--map", MAP, "--json")
    assert status == 0
    import json

    payload = json.loads(out)
    assert payload["kpis"]["mrr"] == pytest.approx(2694.0) and payload["period_end"] == "2026-10"
    status, out, _ = run(capsys, "validate", "--map", MAP)
    assert status == 0 and "no problem found" in out
    status, out, err = run(capsys, "build", "--map", MAP, "--out", tmp_path / "out", "--no-predict")
    assert status == 0, err
    same_tables(kpi_core.load_dataset(tmp_path / "out" / "portfolio.xlsx"), mapped)
    status, _, err = run(capsys, "build", "--out", tmp_path / "none")
    assert status == 2 and "DATA, or --map" in err and not (tmp_path / "none").exists()


def test_map_with_data_holding_the_other_tables(tmp_path, capsys):
    kpi_core.write_csv_folder(kpi_core.apply_mapping(MAP), tmp_path / "data")
    (tmp_path / "data" / "subscriptions.csv").unlink()
    (tmp_path / "data" / "customers.csv").unlink()
    status, out, err = run(capsys, "kpis", tmp_path / "data", "--map", "baremetrics")
    assert status == 2 and "no file to read" in err  # a built-in mapping needs its export
    status, out, err = run(capsys, "kpis", EXAMPLES_DIR / "billing.csv", "--map", "baremetrics", "--json")
    assert status == 0 and '"mrr": 2694.0' in out


def test_validate_with_map_lists_every_problem(tmp_path, capsys):
    shutil.copytree(EXAMPLES_DIR, tmp_path / "ex")
    survey = tmp_path / "ex" / "survey.csv"
    lines = survey.read_text(encoding="utf-8").splitlines()
    assert lines[2].startswith("1002;Acme Corp;2 janvier 2026;3;")
    lines[2] = lines[2].replace(";3;", ";12;", 1)                      # data row 2: an NPS of 12
    lines[5] = lines[5].replace(lines[5].split(";")[2], "", 1)         # data row 5: no date
    survey.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, out, err = run(capsys, "validate", "--map", tmp_path / "ex" / "mapping.toml")
    assert status == 2 and "2 problems found" in err
    assert "survey.csv, data row 5, column \"Date de réponse\"" in out and "is blank" in out
    assert "survey.csv, data row 2, column \"Recommanderiez-vous" in out and "12 is not a valid NPS score" in out
    status, out, err = run(capsys, "kpis", "--map", tmp_path / "ex" / "mapping.toml")
    assert status == 2 and "survey.csv, data row" in err and "... and 1 more problem" in err


def test_sample_mapping_folder_and_workbook(tmp_path, capsys, mapped):
    status, out, _ = run(capsys, "sample", "--mapping", "--out", tmp_path / "ex")
    assert status == 0
    assert sorted(p.name for p in (tmp_path / "ex").iterdir()) == ["billing.csv", "mapping.toml", "survey.csv",
                                                                    "tickets.csv"]
    same_tables(kpi_core.apply_mapping(tmp_path / "ex" / "mapping.toml"), mapped)
    status, _, err = run(capsys, "sample", "--mapping", "--out", tmp_path / "ex")
    assert status == 2 and "already holds" in err
    status, out, _ = run(capsys, "sample", "--mapping", "--out", tmp_path / "book.xlsx")
    assert status == 0 and "Mapping table" in out
    wb = openpyxl.load_workbook(tmp_path / "book.xlsx")
    assert wb.sheetnames == ["Read me", "Billing export", "Survey export", "Ticket export", "Mapping"]
    assert [t for ws in wb.worksheets for t in ws.tables] == ["Mapping"]  # the exports are plain ranges
    same_tables(kpi_core.apply_mapping(tmp_path / "book.xlsx"), mapped)
    status, out, err = run(capsys, "build", "--map", tmp_path / "book.xlsx", "--out", tmp_path / "out",
                           "--no-predict")
    assert status == 0, err


def test_sample_is_written_atomically_and_still_loads(tmp_path, capsys):
    status, _, _ = run(capsys, "sample", "--out", tmp_path / "s")
    assert status == 0 and not [p for p in (tmp_path / "s").iterdir() if p.name.endswith(".tmp")]
    assert kpi_core.find_problems(tmp_path / "s") == []


def test_import_help_names_the_builtin_mapping(capsys):
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    assert "baremetrics" in capsys.readouterr().out
    assert Path(MAP).exists()
