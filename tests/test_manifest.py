"""The build manifest (cskpi build --resume): what counts as a complete workbook, and resume of --jobs builds."""

from __future__ import annotations

import json

import pytest

import kpi_core
from cskpi.cli import main
from kpi_core import HealthConfig
from workbook_templates.batch.manifest import MANIFEST_NAME, Manifest, build_fingerprint

from _workbooks import write_csv_folder


def test_a_file_is_complete_only_with_its_recorded_size_checksum_and_build(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"0123456789")
    with Manifest(tmp_path, "build-1") as m:
        m.record(path)
    assert Manifest(tmp_path, "build-1").complete(path)
    assert not Manifest(tmp_path, "build-2").complete(path)  # written by a build of other data or settings
    path.write_bytes(b"01234")  # truncated
    assert not Manifest(tmp_path, "build-1").complete(path)
    path.write_bytes(b"0123456780")  # same size, other bytes
    assert not Manifest(tmp_path, "build-1").complete(path)
    path.unlink()
    assert not Manifest(tmp_path, "build-1").complete(path)
    assert not Manifest(tmp_path, "build-1").complete(tmp_path / "never-recorded.xlsx")


def test_the_manifest_line_holds_the_sha256_worked_out_independently(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(b"abc")
    with Manifest(tmp_path, "b") as m:
        m.record(tmp_path / "a.xlsx")
    (line,) = (tmp_path / MANIFEST_NAME).read_text().splitlines()
    # SHA-256("abc") from FIPS 180-2, appendix B.1
    assert json.loads(line) == {"name": "a.xlsx", "size": 3, "build": "b", "sha256":
                                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}


def test_a_torn_last_line_is_ignored_and_the_lines_before_it_kept(tmp_path):
    for name in ("a.xlsx", "b.xlsx"):
        (tmp_path / name).write_bytes(name.encode())
    with Manifest(tmp_path, "b") as m:
        m.record(tmp_path / "a.xlsx")
        m.record(tmp_path / "b.xlsx")
    text = (tmp_path / MANIFEST_NAME).read_text()
    (tmp_path / MANIFEST_NAME).write_text(text[:-20])  # killed in the middle of the last line
    m = Manifest(tmp_path, "b")
    assert m.complete(tmp_path / "a.xlsx") and not m.complete(tmp_path / "b.xlsx")


def test_forget_drops_the_files_about_to_be_rebuilt_so_the_manifest_does_not_grow(tmp_path):
    for name in ("a.xlsx", "b.xlsx"):
        (tmp_path / name).write_bytes(name.encode())
    for _ in range(3):  # three builds of the same two files
        m = Manifest(tmp_path, "b")
        m.forget([tmp_path / "a.xlsx", tmp_path / "b.xlsx"])
        with m:
            m.record(tmp_path / "a.xlsx")
            m.record(tmp_path / "b.xlsx")
    assert len((tmp_path / MANIFEST_NAME).read_text().splitlines()) == 2
    m = Manifest(tmp_path, "b")
    m.forget(["b.xlsx"])
    assert [json.loads(x)["name"] for x in (tmp_path / MANIFEST_NAME).read_text().splitlines()] == ["a.xlsx"]


def test_the_fingerprint_changes_with_the_data_the_period_the_language_and_the_health_config():
    ds = kpi_core.sample_dataset(n_customers=8)
    period = kpi_core.report_period(ds)
    base = build_fingerprint(ds, period, "en")
    assert build_fingerprint(kpi_core.sample_dataset(n_customers=8), period, "en") == base  # same data
    assert build_fingerprint(ds, period, "en", HealthConfig()) == base  # None means the defaults
    tables = {name: frame.copy() for name, frame in ds.tables.items()}
    tables["Subscriptions"].loc[tables["Subscriptions"].index[3], "mrr"] += 1
    assert build_fingerprint(kpi_core.Dataset(tables), period, "en") != base
    assert build_fingerprint(ds, kpi_core.report_period(ds, None, "2026-09"), "en") != base
    assert build_fingerprint(ds, period, "fr") != base
    assert build_fingerprint(ds, period, "en", HealthConfig(red_below=30.0)) != base


@pytest.fixture()
def segment_build(tmp_path, capsys):
    """A complete --jobs 1 build by segment (portfolio + 3 segments) of a small CSV dataset."""
    folder = write_csv_folder(kpi_core.sample_dataset(seed=5, n_customers=30), tmp_path / "csv")
    out = tmp_path / "out"
    assert main(["build", str(folder), "--out", str(out), "--by", "segment"]) == 0
    capsys.readouterr()
    return folder, out


@pytest.mark.slow
def test_resume_of_a_jobs_build_rebuilds_exactly_a_deleted_and_a_truncated_workbook(segment_build, capsys):
    folder, out = segment_build
    names = sorted(p.name for p in out.glob("*.xlsx"))
    assert names == ["portfolio.xlsx", "segment_Enterprise.xlsx", "segment_Mid-Market.xlsx", "segment_SMB.xlsx"]
    original = (out / "segment_SMB.xlsx").read_bytes()
    (out / "segment_Enterprise.xlsx").unlink()
    (out / "segment_SMB.xlsx").write_bytes(original[: len(original) // 2])
    kept = {n: (out / n).stat().st_mtime_ns for n in ("portfolio.xlsx", "segment_Mid-Market.xlsx")}
    assert main(["build", str(folder), "--out", str(out), "--by", "segment", "--jobs", "2", "--resume"]) == 0
    assert capsys.readouterr().out.strip() == f"wrote 2 of 4 workbooks in {out}; skipped 2 already complete"
    assert {n: (out / n).stat().st_mtime_ns for n in kept} == kept
    assert sorted(p.name for p in out.glob("*.xlsx")) == names
    assert len((out / "segment_SMB.xlsx").read_bytes()) > len(original) // 2


@pytest.mark.slow
def test_resume_with_another_period_rebuilds_every_workbook(segment_build, capsys):
    folder, out = segment_build
    assert main(["build", str(folder), "--out", str(out), "--by", "segment", "--resume",
                 "--period-end", "2026-09"]) == 0
    assert capsys.readouterr().out.strip() == f"wrote 4 of 4 workbooks in {out}"  # nothing skipped
