"""``cskpi demo``, ``cskpi build`` and their exit statuses, on real files (LibreOffice where values matter)."""

from __future__ import annotations

import pytest

import kpi_core
from workbook_templates.templates.account import customer_subset
from cskpi.cli import main

from _workbooks import assert_kpis_equal, sheet_cells, workbook_kpis, write_csv_folder

PERIOD = ("2026-05", "2026-10")


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    ds = kpi_core.sample_dataset(seed=3, n_customers=40)
    return ds, write_csv_folder(ds, tmp_path_factory.mktemp("data") / "csv")


@pytest.mark.engine
def test_demo_writes_portfolio_per_csm_workbooks_and_dashboard_png(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    csms = kpi_core.sample_dataset().table("Customers")["csm"].unique()
    names = {p.name for p in out.iterdir()}
    assert names == {"portfolio.xlsx", "dashboard.png"} | {f"csm_{c}.xlsx" for c in csms}
    assert (out / "dashboard.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "dashboard.png").stat().st_size > 10_000  # a real picture, not an empty page
    assert "dashboard.png" in capsys.readouterr().out


@pytest.mark.engine
def test_build_by_csm_writes_one_workbook_per_csm_with_that_csms_kpis(small_data, tmp_path, capsys):
    ds, folder = small_data
    out = tmp_path / "out"
    assert main(["build", str(folder), "--out", str(out), "--by", "csm", "--period-start", PERIOD[0],
                 "--period-end", PERIOD[1]]) == 0
    customers = ds.table("Customers")
    csms = sorted(customers["csm"].unique())
    assert sorted(p.name for p in out.iterdir()) == sorted(["portfolio.xlsx"] + [f"csm_{c}.xlsx" for c in csms]
                                                          + [".cskpi-manifest.jsonl"])  # for --resume
    assert f"wrote {len(csms) + 1} of {len(csms) + 1} workbooks" in capsys.readouterr().out
    # one CSM's workbook: its KPIs are those of its customers' rows (Funnel/Acquisition left out)
    csm = csms[0]
    group = customer_subset(ds, customers.loc[customers["csm"] == csm, "customer_id"])
    assert_kpis_equal(workbook_kpis(out / f"csm_{csm}.xlsx", tmp_path), kpi_core.headline_kpis(group, *PERIOD))
    assert_kpis_equal(workbook_kpis(out / "portfolio.xlsx", tmp_path), kpi_core.headline_kpis(ds, *PERIOD))


def test_bad_csv_exits_2_naming_file_column_and_row_and_writes_nothing(small_data, tmp_path, capsys):
    _, folder = small_data
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in folder.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    lines = (bad / "subscriptions.csv").read_text().splitlines()
    cid, month, _ = lines[6].split(",")
    lines[6] = f"{cid},{month},lots"  # line 7 of the file
    (bad / "subscriptions.csv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    assert main(["build", str(bad), "--out", str(out), "--by", "csm"]) == 2
    err = capsys.readouterr().err
    assert "subscriptions.csv" in err and "mrr" in err and "7" in err, err
    assert not out.exists() or not any(out.iterdir())


def test_bad_period_exits_2(small_data, tmp_path, capsys):
    _, folder = small_data
    assert main(["build", str(folder), "--out", str(tmp_path / "o"), "--period-end", "2026-13"]) == 2
    assert "period_end" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_jobs_2_gives_the_same_workbooks_as_jobs_1(small_data, tmp_path):
    _, folder = small_data
    for jobs in (1, 2):
        assert main(["build", str(folder), "--out", str(tmp_path / f"j{jobs}"), "--by", "segment",
                     "--jobs", str(jobs)]) == 0
    one = sorted(p.name for p in (tmp_path / "j1").glob("*.xlsx"))
    assert one == sorted(p.name for p in (tmp_path / "j2").glob("*.xlsx"))
    assert len(one) == 4  # portfolio + 3 segments
    for name in one:
        assert sheet_cells(tmp_path / "j1" / name) == sheet_cells(tmp_path / "j2" / name), name


def test_refresh_of_a_file_that_is_not_a_cskpi_workbook_exits_2(tmp_path, capsys):
    from openpyxl import Workbook

    path = tmp_path / "other.xlsx"
    Workbook().save(path)
    assert main(["refresh", str(path)]) == 2
    assert "other.xlsx" in capsys.readouterr().err


# ------------------------------------------------------------------------ kpis --compare / --by / --csv


def _csv_rows(path):
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture()
def two_periods(tmp_path):
    from _small import two_period_tables, write_folder

    return write_folder(two_period_tables(), tmp_path / "two")


def test_kpis_compare_shows_current_previous_change_and_band_and_writes_csv(two_periods, tmp_path, capsys):
    # previous 2026-01..02: NRR 150 / 200 = 0.75; current 2026-03..04: NRR 120 / 150 = 0.80 (+5.0 pp);
    # NPS 0 -> 100 (+100.0 pts, World-class); MRR 150 -> 120 (-30.00)
    out = tmp_path / "cmp.csv"
    assert main(["kpis", str(two_periods), "--period-start", "2026-03", "--period-end", "2026-04", "--compare",
                 "--csv", str(out)]) == 0
    text = capsys.readouterr().out
    assert "2026-03 .. 2026-04 vs previous period 2026-01 .. 2026-02" in text
    nrr_line = next(line for line in text.splitlines() if "Net revenue retention" in line)
    assert "80.0 %" in nrr_line and "75.0 %" in nrr_line and "+5.0 pp" in nrr_line and "Losing revenue" in nrr_line
    nps_line = next(line for line in text.splitlines() if line.strip().startswith("NPS"))
    assert "+100.0 pts" in nps_line and "World-class" in nps_line
    assert "-30.00" in next(line for line in text.splitlines() if line.strip().startswith("MRR"))
    rows = {r["kpi"]: r for r in _csv_rows(out)}
    assert list(_csv_rows(out)[0]) == ["kpi", "current", "previous", "change", "band", "colour", "target",
                                       "target_met"]
    assert float(rows["nrr"]["current"]) == pytest.approx(0.8) and float(rows["nrr"]["previous"]) == 0.75
    assert float(rows["nrr"]["change"]) == pytest.approx(0.05)  # unformatted: a fraction, not "5.0 pp"
    assert (rows["nrr"]["band"], rows["nrr"]["colour"]) == ("Losing revenue", "red")
    assert rows["mrr"]["band"] == "" and float(rows["mrr"]["change"]) == -30.0


def test_kpis_compare_json_has_the_previous_period_and_the_comparison(two_periods, capsys):
    import json

    assert main(["kpis", str(two_periods), "--period-start", "2026-03", "--period-end", "2026-04", "--compare",
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["previous_period_start"], doc["previous_period_end"]) == ("2026-01", "2026-02")
    assert doc["previous_kpis"]["nrr"] == pytest.approx(0.75) and doc["kpis"]["nrr"] == pytest.approx(0.8)
    nrr = next(r for r in doc["comparison"] if r["kpi"] == "nrr")
    assert nrr["change"] == pytest.approx(0.05) and nrr["band"] == "Losing revenue" and nrr["target"] is None


def test_kpis_compare_with_targets_and_bands_files(two_periods, tmp_path, capsys):
    targets = tmp_path / "targets.csv"
    targets.write_text("kpi,target\nnrr,0.78\nmrr,200\n")
    bands = tmp_path / "bands.csv"
    bands.write_text("kpi,threshold,inclusive,label,colour\nnrr,,,Weak,red\nnrr,0.79,,Fine,green\n")
    out = tmp_path / "cmp.csv"
    assert main(["kpis", str(two_periods), "--period-start", "2026-03", "--period-end", "2026-04", "--compare",
                 "--targets", str(targets), "--bands", str(bands), "--csv", str(out)]) == 0
    assert "met" in capsys.readouterr().out
    rows = {r["kpi"]: r for r in _csv_rows(out)}
    assert (rows["nrr"]["band"], rows["nrr"]["target"], rows["nrr"]["target_met"]) == ("Fine", "0.78", "True")
    assert (rows["mrr"]["target_met"], rows["nps"]["band"], rows["nps"]["target_met"]) == ("False", "", "")


def test_kpis_bad_bands_file_exits_2_naming_file_and_row(two_periods, tmp_path, capsys):
    bands = tmp_path / "bands.csv"
    bands.write_text("kpi,threshold,inclusive,label,colour\nnrr,,,Weak,red\nnrr,0.79,,Fine,teal\n")
    assert main(["kpis", str(two_periods), "--compare", "--bands", str(bands)]) == 2
    assert "bands.csv, row 3: colour 'teal'" in capsys.readouterr().err


def test_kpis_by_csm_one_row_per_group_and_csv(tmp_path, capsys):
    # _small.breakdown_tables: Bob MRR 290 (2 active), Alice 150 (1), (unassigned) 80 (1), Carol 0 (0)
    from _small import breakdown_tables, write_folder

    folder = write_folder(breakdown_tables(), tmp_path / "data")
    out = tmp_path / "by.csv"
    assert main(["kpis", str(folder), "--period-start", "2026-01", "--period-end", "2026-03", "--by", "csm",
                 "--csv", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:3] == ["csm", "customers", "mrr"]
    assert [line.split()[0] for line in lines[2:6]] == ["Bob", "Alice", "(unassigned)", "Carol"]
    assert "290.00" in lines[2] and "82.9 %" in lines[2]  # NRR 290 / 350
    rows = _csv_rows(out)
    assert [(r["csm"], r["customers"], float(r["mrr"])) for r in rows] == [
        ("Bob", "2", 290.0), ("Alice", "1", 150.0), ("(unassigned)", "1", 80.0), ("Carol", "0", 0.0)]
    assert float(rows[0]["nrr"]) == pytest.approx(290 / 350) and rows[3]["nrr"] == ""
    assert "conversion_rate" not in rows[0]


def test_kpis_by_segment_json(tmp_path, capsys):
    import json

    from _small import breakdown_tables, write_folder

    folder = write_folder(breakdown_tables(), tmp_path / "data")
    assert main(["kpis", str(folder), "--period-start", "2026-01", "--period-end", "2026-03", "--by", "segment",
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["by"] == "segment" and [g["segment"] for g in doc["groups"]] == ["SMB", "Enterprise"]
    assert doc["groups"][1]["nrr"] == pytest.approx(0.48)


def test_kpis_by_without_customers_exits_2_naming_the_table(two_periods, capsys):
    assert main(["kpis", str(two_periods), "--by", "csm"]) == 2
    assert "needs the Customers table" in capsys.readouterr().err


def test_kpis_compare_and_by_together_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as ei:
        main(["kpis", "--compare", "--by", "csm"])
    assert ei.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_kpis_plain_csv_writes_kpi_and_value_and_keeps_the_terminal_output(two_periods, tmp_path, capsys):
    out = tmp_path / "k.csv"
    assert main(["kpis", str(two_periods), "--period-start", "2026-03", "--period-end", "2026-04"]) == 0
    plain = capsys.readouterr().out
    assert main(["kpis", str(two_periods), "--period-start", "2026-03", "--period-end", "2026-04",
                 "--csv", str(out)]) == 0
    assert capsys.readouterr().out == plain + f"wrote {out}\n"
    assert plain.splitlines()[0] == f"Headline KPIs: {two_periods}, period 2026-03 .. 2026-04"
    assert "  Net revenue retention " in plain and "80.0 %" in plain
    rows = _csv_rows(out)
    assert list(rows[0]) == ["kpi", "value"]
    assert {r["kpi"]: r["value"] for r in rows}["nrr"] == "0.8"


def test_kpis_csv_into_a_folder_path_exits_2_without_traceback(two_periods, tmp_path, capsys):
    target = tmp_path / "a_folder"
    target.mkdir()
    assert main(["kpis", str(two_periods), "--csv", str(target)]) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("cskpi: error:")]
    assert len(errors) == 1 and errors[0].startswith("cskpi: error: cannot write") and "Traceback" not in err
    assert list(target.iterdir()) == []


def test_kpis_targets_without_compare_is_a_usage_error(two_periods, tmp_path, capsys):
    targets = tmp_path / "t.csv"
    targets.write_text("kpi,target\nnrr,1\n")
    assert main(["kpis", str(two_periods), "--targets", str(targets)]) == 2
    assert "--bands and --targets go with --compare" in capsys.readouterr().err
