"""``cskpi demo``, ``cskpi build`` and their exit statuses, on real files (LibreOffice where values matter)."""

from __future__ import annotations

import pytest

import kpi_core
from workbook_templates.account import customer_subset
from cskpi.cli import main

from _workbooks import assert_kpis_equal, sheet_cells, workbook_kpis, write_csv_folder

PERIOD = ("2026-05", "2026-10")


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    ds = kpi_core.sample_dataset(seed=3, n_customers=40)
    return ds, write_csv_folder(ds, tmp_path_factory.mktemp("data") / "csv")


def test_demo_writes_portfolio_per_csm_workbooks_and_dashboard_png(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    csms = kpi_core.sample_dataset().table("Customers")["csm"].unique()
    names = {p.name for p in out.iterdir()}
    assert names == {"portfolio.xlsx", "dashboard.png"} | {f"csm_{c}.xlsx" for c in csms}
    assert (out / "dashboard.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "dashboard.png").stat().st_size > 10_000  # a real picture, not an empty page
    assert "dashboard.png" in capsys.readouterr().out


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
