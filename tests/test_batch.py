"""Batch builds: failing groups, file names, atomic writes, progress output."""

from __future__ import annotations

import copy
import io

import pytest

import kpi_core
from workbook_templates.batch import groups as batch
from workbook_templates import refresh
from workbook_templates.writing.parts import worksheet
from workbook_templates.writing.update import read_workbook
from workbook_templates.batch import Progress, build_workbooks, plan_groups, safe_filename, unique_stems
from cskpi.cli import main

from _workbooks import write_csv_folder


@pytest.fixture(scope="module")
def ds():
    return kpi_core.sample_dataset(seed=5, n_customers=30)


def _fail_for(scope_part: str, monkeypatch):
    """Make portfolio_layout fail for the groups whose scope contains `scope_part`."""
    real = batch.portfolio_layout

    def layout(ds, start, end, **kw):
        if scope_part in (kw.get("scope") or ""):
            raise RuntimeError(f"boom in {scope_part}")
        return real(ds, start, end, **kw)

    monkeypatch.setattr(batch, "portfolio_layout", layout)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_group_does_not_stop_the_others_and_is_named(ds, tmp_path, monkeypatch, jobs):
    _fail_for("Mid-Market", monkeypatch)  # fork-based workers inherit the patched module
    result = build_workbooks(ds, tmp_path, by="segment", jobs=jobs, progress=io.StringIO())
    assert not result.ok and result.exit_status == 1
    assert result.failed == {"segment Mid-Market": "RuntimeError: boom in Mid-Market"}
    assert [p.name for p in result.written] == ["portfolio.xlsx", "segment_Enterprise.xlsx", "segment_SMB.xlsx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in result.written)  # no temp file
    assert "failed: segment Mid-Market: RuntimeError: boom in Mid-Market" in result.summary()


@pytest.mark.slow
def test_cli_exit_status_is_1_and_stderr_names_the_failed_workbook(ds, tmp_path, monkeypatch, capsys):
    folder = write_csv_folder(ds, tmp_path / "csv")
    _fail_for("SMB", monkeypatch)
    assert main(["build", str(folder), "--out", str(tmp_path / "out"), "--by", "segment"]) == 1
    captured = capsys.readouterr()
    assert "cskpi: error: segment SMB: RuntimeError: boom in SMB" in captured.err
    assert "wrote 3 of 4 workbooks" in captured.out


@pytest.mark.slow
def test_a_failure_while_saving_leaves_neither_the_file_nor_a_temp_file(ds, tmp_path, monkeypatch):
    def half_written(sheet, style_id):  # the disk fills up after the first rows of a sheet
        yield '<row r="1"><c r="A1"><v>1</v></c></row>'
        raise OSError("disk full")

    monkeypatch.setattr(worksheet, "sheet_data", half_written)
    result = build_workbooks(ds, tmp_path, by="segment", progress=io.StringIO())
    assert result.written == [] and len(result.failed) == 4
    assert set(result.failed.values()) == {"OSError: disk full"}
    assert list(tmp_path.iterdir()) == []


def test_safe_filename_keeps_accents_and_replaces_separators_and_reserved_characters():
    assert safe_filename("Zoé Lefèvre-N'Diaye") == "Zoé Lefèvre-N'Diaye"
    assert safe_filename("Ze\u0301lie") == "Zélie"  # NFC: one code point per accented letter
    assert safe_filename("../../etc/passwd") == "_.._etc_passwd"
    assert safe_filename('a\\b/c:d*e?f"g<h>i|j\x07k') == "a_b_c_d_e_f_g_h_i_j_k"
    assert safe_filename("CON") == "_CON" and safe_filename("lpt1.csv") == "_lpt1.csv"
    assert safe_filename(" . ") == "_"
    assert len(safe_filename("é" * 300).encode()) <= 200


def test_unique_stems_disambiguates_case_insensitively():
    assert unique_stems(["a", "A", "b", "a"], taken=["B"]) == ["a", "A (2)", "b (2)", "a (3)"]


@pytest.mark.slow
def test_group_names_that_collide_after_sanitising_get_distinct_files(ds, tmp_path):
    customers = ds.table("Customers").copy()
    names = ["A/B", "A:B", "a_b", "Portfolio", None]
    customers["csm"] = [names[i % len(names)] for i in range(len(customers))]
    grouped = copy.copy(ds)
    grouped.tables = {**ds.tables, "Customers": customers}
    groups = plan_groups(grouped, tmp_path, by="csm")
    assert [g.path.name for g in groups] == [
        "portfolio.xlsx", "csm_A_B.xlsx", "csm_A_B (2).xlsx", "csm_a_b (3).xlsx", "csm_Portfolio.xlsx",
        "csm_(unassigned).xlsx"]
    result = build_workbooks(grouped, tmp_path, by="csm", progress=io.StringIO())
    assert result.ok and len(list(tmp_path.iterdir())) == 6


def test_by_customer_writes_account_workbooks(ds, tmp_path):
    small = batch.customer_subset(ds, ["C0001", "C0002", "C0003"])
    result = build_workbooks(small, tmp_path, by="customer", progress=io.StringIO())
    assert result.ok and len(result.written) == 4
    import openpyxl

    wb = openpyxl.load_workbook(result.written[1])
    assert wb.sheetnames[:2] == ["Dashboard", "Account"]
    with read_workbook(result.written[1]) as book:
        assert refresh.read_stamp(book) == ("account", small.table("Customers")["name"].iloc[0])


def test_by_a_missing_column_is_an_input_error(ds, tmp_path):
    customers = ds.table("Customers").drop(columns=["segment"])
    other = copy.copy(ds)
    other.tables = {**ds.tables, "Customers": customers}
    with pytest.raises(kpi_core.KpiInputError, match="table Customers has no column 'segment'"):
        build_workbooks(other, tmp_path / "o", by="segment")
    assert not (tmp_path / "o").exists()


def test_progress_is_quiet_off_a_terminal_except_the_final_line():
    out = io.StringIO()
    bar = Progress(3, out, "workbooks")
    for name in "abc":
        bar.advance(name, failed=name == "b")
    bar.close()
    assert out.getvalue().count("\n") == 1 and out.getvalue().startswith("3/3 workbooks in ")
    assert out.getvalue().rstrip().endswith("1 failed")


def test_progress_on_a_terminal_draws_count_rate_and_eta():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    out = Tty()
    bar = Progress(4, out, "workbooks")
    bar.advance("x.xlsx")
    assert "1/4" in out.getvalue() and "/s" in out.getvalue() and "ETA" in out.getvalue()
    assert "x.xlsx" in out.getvalue()


def test_only_builds_the_groups_named(tmp_path):
    ds = kpi_core.sample_dataset(n_customers=30)
    result = build_workbooks(ds, tmp_path, by="segment", only=["SMB"], progress=io.StringIO())
    assert result.ok and [p.name for p in result.written] == ["segment_SMB.xlsx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["segment_SMB.xlsx"]


def _excel_table(path, name: str):
    """An Excel table of a written workbook as a DataFrame (its header row, then its rows)."""
    import openpyxl
    import pandas as pd
    from openpyxl.utils.cell import range_boundaries

    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if name in ws.tables:
            c1, r1, c2, r2 = range_boundaries(ws.tables[name].ref)
            rows = [[ws.cell(r, c).value for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
            frame = pd.DataFrame(rows[1:], columns=rows[0])
            return frame[frame["customer_id"].notna()]  # an empty table keeps one row (its note, if any)
    raise LookupError(name)


@pytest.mark.slow
@pytest.mark.parametrize("by", ["csm", "customer"])
def test_a_groups_follow_up_lists_are_those_of_its_own_data(ds, tmp_path, by):
    """The batch computes the whole dataset's lists once; each group's workbook must still show exactly
    kpi_core.at_risk / detractors of the group's own customers."""
    result = build_workbooks(ds, tmp_path, by=by, progress=io.StringIO(), only=None)
    assert result.ok
    period = kpi_core.report_period(ds)
    groups = {g.path: g for g in plan_groups(ds, tmp_path, by)}
    checked = 0
    for path in result.written[1:6]:
        own = batch.customer_subset(ds, groups[path].customers)
        risk = kpi_core.at_risk(own, period.start, period.end)
        det = kpi_core.detractors(own, period.start, period.end)
        got_risk, got_det = _excel_table(path, "AtRisk"), _excel_table(path, "Detractors")
        assert got_risk["customer_id"].tolist() == risk["customer_id"].tolist()
        assert got_risk["health"].astype(float).round(9).tolist() == risk["health"].round(9).tolist()
        assert got_det["customer_id"].tolist() == det["customer_id"].tolist()
        assert got_det["score"].astype(float).tolist() == det["score"].astype(float).tolist()
        checked += len(risk) + len(det)
    assert checked > 0  # the groups checked do list accounts
