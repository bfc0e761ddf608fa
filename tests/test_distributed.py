"""cskpi build --scheduler: the batch on a real Dask cluster (a scheduler and two worker processes on 127.0.0.1).

The cluster is started once for the module with the ``dask scheduler`` /
``dask worker`` commands (each worker under its nanny, as in a deployment);
``--scheduler local`` starts its own LocalCluster inside the CLI process.
Every workbook built through a scheduler is compared, sheet by sheet and cell
by cell (formulas as text), defined names and stamp included, with the same
workbook built by ``--jobs 1``.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import distributed  # the cskpi[dask] extra is part of the test install: a missing one fails, never skips
import openpyxl
import pytest

import kpi_core
from cskpi.cli import main
from workbook_templates.batch import build_workbooks
from workbook_templates.batch.manifest import MANIFEST_NAME

from _workbooks import write_csv_folder

pytestmark = pytest.mark.dask  # every test here starts a Dask scheduler and workers

ROOT = Path(__file__).resolve().parents[1]
N_CUSTOMERS = 16


def _env() -> dict:
    paths = [str(ROOT), str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def _stop(proc: subprocess.Popen) -> None:
    """Stop a process started here and its children (own session): SIGTERM, then SIGKILL."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=20)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The address of a scheduler with two single-thread worker processes, all on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("dask-cluster")
    scheduler_file = folder / "scheduler.json"
    log = open(folder / "cluster.log", "wb")
    procs = []
    try:
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
             "--no-dashboard", "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(scheduler_file)],
            env=_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.monotonic() + 120
        while not scheduler_file.exists():
            assert procs[0].poll() is None and time.monotonic() < deadline, "dask scheduler did not start"
            time.sleep(0.1)
        time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for n in range(2):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "1", "--nthreads", "1",
                 "--host", "127.0.0.1", "--no-dashboard", "--name", f"w{n}", "--death-timeout", "60"],
                env=_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        with distributed.Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=180)
        yield address
    finally:
        for proc in reversed(procs):
            _stop(proc)
        log.close()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A CSV folder of the sample with N_CUSTOMERS accounts, and its --jobs 1 per-customer build."""
    base = tmp_path_factory.mktemp("dask-data")
    folder = write_csv_folder(kpi_core.sample_dataset(seed=3, n_customers=N_CUSTOMERS), base / "csv")
    reference = base / "jobs1"
    # --no-predict: the library builds below leave the Customer value sheet out (build_workbooks' default)
    assert main(["build", str(folder), "--out", str(reference), "--by", "customer", "--jobs", "1",
                 "--no-predict"]) == 0
    return folder, reference


def _workbooks(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.xlsx"))


def _content(path: Path) -> dict:
    """Sheet names, defined names, stamp and every non-empty cell (formulas as text) of a workbook."""
    wb = openpyxl.load_workbook(path)
    try:
        return {
            "sheets": wb.sheetnames,
            "names": {name: dn.attr_text for name, dn in wb.defined_names.items()},
            "stamp": (wb.properties.keywords, wb.properties.subject),
            "cells": {ws.title: {(c.row, c.column): c.value for row in ws.iter_rows() for c in row
                                 if c.value is not None} for ws in wb.worksheets},
        }
    finally:
        wb.close()


def _assert_same_build(out: Path, reference: Path, names=None) -> None:
    expected = _workbooks(reference)
    assert len(expected) == N_CUSTOMERS + 1  # the portfolio and one per customer
    assert _workbooks(out) == expected
    for name in names if names is not None else expected:
        got, want = _content(out / name), _content(reference / name)
        assert got["sheets"] == want["sheets"], name
        assert got["names"] == want["names"] and any(n.startswith("KPI_") for n in got["names"]), name
        assert got["stamp"] == want["stamp"], name
        assert got["cells"] == want["cells"], name


def _labels(folder: Path) -> dict:
    """Customer id -> its batch label, 'customer <id> <name>', from the CSV (as the README says)."""
    customers = kpi_core.load_dataset(folder).table("Customers")
    return {cid: f"customer {cid} {name}" for cid, name in zip(customers["customer_id"], customers["name"])}


# -- the same workbooks as --jobs 1 -----------------------------------------------------------------
def test_build_on_a_started_cluster_equals_the_jobs_1_build(cluster, data, tmp_path):
    folder, reference = data
    ds = kpi_core.load_dataset(folder)
    result = build_workbooks(ds, tmp_path, by="customer", scheduler=cluster, manifest=True, progress=io.StringIO())
    assert result.ok and len(result.written) == N_CUSTOMERS + 1 and not result.failed
    assert result.stats["tasks"] == N_CUSTOMERS + 1 and result.stats["workers"] == 2
    assert result.stats["bytes"] == sum((tmp_path / n).stat().st_size for n in _workbooks(tmp_path))
    _assert_same_build(tmp_path, reference)
    assert not list(tmp_path.glob(".*.tmp"))  # every file was renamed into place


def test_cli_scheduler_local_equals_the_jobs_1_build_with_the_same_progress_and_summary(data, tmp_path):
    folder, reference = data
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "cskpi", "build", str(folder), "--out", str(out), "--by",
                           "customer", "--scheduler", "local", "--jobs", "2", "--no-predict"],
                          env=_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    total = N_CUSTOMERS + 1
    assert proc.stdout.strip() == f"wrote {total} of {total} workbooks in {out}"
    assert proc.stderr.startswith(f"{total}/{total} workbooks in "), proc.stderr  # the --jobs progress line
    assert "Traceback" not in proc.stderr
    _assert_same_build(out, reference)


# -- faults -----------------------------------------------------------------------------------------
def _patch_on_workers(client, customer_id):
    """On every worker: the account workbook of `customer_id` raises (batch looks its builders up at call time)."""
    def patch():
        from workbook_templates.batch import groups as batch

        real = getattr(batch.account_layout, "__wrapped__", batch.account_layout)

        def layout(ds, start, end, **kw):
            if customer_id in set(ds.table("Customers")["customer_id"]):
                raise RuntimeError(f"boom in {customer_id}")
            return real(ds, start, end, **kw)

        layout.__wrapped__ = real
        batch.account_layout = layout

    client.run(patch)


def _unpatch_on_workers(client):
    def unpatch():
        from workbook_templates.batch import groups as batch

        batch.account_layout = getattr(batch.account_layout, "__wrapped__", batch.account_layout)

    client.run(unpatch)


def test_a_failing_task_is_reported_by_name_and_the_others_are_built(cluster, data, tmp_path):
    folder, _ = data
    labels = _labels(folder)
    bad = sorted(labels)[5]
    with distributed.Client(cluster, timeout="30s") as client:
        _patch_on_workers(client, bad)
        try:
            result = build_workbooks(kpi_core.load_dataset(folder), tmp_path, by="customer", scheduler=cluster,
                                     progress=io.StringIO())
        finally:
            _unpatch_on_workers(client)
    assert result.failed == {labels[bad]: f"RuntimeError: boom in {bad}"}
    assert result.exit_status == 1 and len(result.written) == N_CUSTOMERS
    assert f"failed: {labels[bad]}: RuntimeError: boom in {bad}" in result.summary()
    assert len(_workbooks(tmp_path)) == N_CUSTOMERS and not any(bad in n for n in _workbooks(tmp_path))


def test_a_worker_killed_mid_batch_loses_no_workbook(cluster, data, tmp_path):
    folder, reference = data
    with distributed.Client(cluster, timeout="30s") as client:
        client.wait_for_workers(2, timeout=180)
        pids = client.run(os.getpid)
        victim = min(pids.values())
        seen = {}

        def kill_when_started():
            deadline = time.monotonic() + 300
            while len(_workbooks(tmp_path)) < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
            seen["files"] = len(_workbooks(tmp_path))
            os.kill(victim, signal.SIGKILL)

        killer = threading.Thread(target=kill_when_started)
        killer.start()
        result = build_workbooks(kpi_core.load_dataset(folder), tmp_path, by="customer", scheduler=cluster,
                                 progress=io.StringIO())
        killer.join()
        assert seen["files"] < N_CUSTOMERS + 1  # killed mid-batch
        client.wait_for_workers(2, timeout=180)  # the nanny restarts it, for the next tests
        assert victim not in client.run(os.getpid).values()  # it really died
    assert result.ok and not result.failed, result.failed
    _assert_same_build(tmp_path, reference)


def test_interrupt_then_resume_builds_exactly_the_missing_and_damaged_workbooks(cluster, data, tmp_path, capsys):
    folder, reference = data
    total = N_CUSTOMERS + 1
    cmd = ["build", str(folder), "--out", str(tmp_path), "--by", "customer", "--scheduler", cluster, "--no-predict"]
    proc = subprocess.Popen([sys.executable, "-m", "cskpi", *cmd], env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while len(_workbooks(tmp_path)) < 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    assert "interrupted" in err and "--resume" in err and "Traceback" not in err, err
    first = _workbooks(tmp_path)
    assert 4 <= len(first) < total  # an interrupted batch, not a finished one
    recorded = sorted(json.loads(line)["name"] for line in (tmp_path / MANIFEST_NAME).read_text().splitlines())
    # each file is recorded after it is in place: the interrupt may fall between the two (that file is rebuilt)
    assert set(recorded) <= set(first) and len(recorded) >= len(first) - 1 and len(recorded) >= 3

    damaged = recorded[1]
    with open(tmp_path / damaged, "r+b") as f:  # a half-written file (as after a crash without fsync)
        f.truncate(1000)
    kept = {n: (tmp_path / n).stat().st_mtime_ns for n in recorded if n != damaged}
    time.sleep(0.05)
    assert main([*cmd, "--resume"]) == 0
    summary = capsys.readouterr().out.strip()
    assert summary == f"wrote {total - len(kept)} of {total} workbooks in {tmp_path}; skipped {len(kept)} already complete"
    assert {n: (tmp_path / n).stat().st_mtime_ns for n in kept} == kept  # the complete ones were not rebuilt
    _assert_same_build(tmp_path, reference)


# -- bad addresses and a missing extra ---------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_fails_with_exit_2_naming_it_and_writes_nothing(data, tmp_path):
    folder, _ = data
    address = f"tcp://127.0.0.1:{_free_port()}"
    proc = subprocess.run([sys.executable, "-m", "cskpi", "build", str(folder), "--out", str(tmp_path / "out"),
                           "--by", "customer", "--scheduler", address],
                          env=_env(), capture_output=True, text=True, timeout=120)  # a hang fails here
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"cskpi: error: --scheduler {address}: Timed out trying to connect"), proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("address, says", [("foo://x", "unknown address scheme 'foo'"),
                                           ("nonsense", "missing port number")])
def test_a_malformed_scheduler_address_fails_with_exit_2(data, tmp_path, capsys, address, says):
    folder, _ = data
    assert main(["build", str(folder), "--out", str(tmp_path / "out"), "--scheduler", address]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"cskpi: error: --scheduler {address}: ") and says in err, err
    assert not (tmp_path / "out").exists()


def test_without_distributed_scheduler_says_how_to_install_it(data, tmp_path, capsys, monkeypatch):
    folder, _ = data
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert main(["build", str(folder), "--out", str(tmp_path / "out"), "--scheduler", "local"]) == 2
    assert 'pip install "cskpi[dask]"' in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
