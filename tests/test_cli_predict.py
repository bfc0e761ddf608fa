"""``cskpi predict`` (cskpi/predict.py): on the sample, on CDNOW, bad input, the missing extra.

Fits run in-process through ``cskpi.cli.main``; the cases that must show no traceback run
``sys.executable -m cskpi`` in a subprocess.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import kpi_core
from cskpi.cli import main

#: each test fits the models (PyMC-Marketing): seconds each
pytestmark = pytest.mark.slow

CDNOW = Path(__file__).parent / "data" / "cdnow" / "CDNOW_sample.txt"


def run_cskpi(*args, env=None):
    return subprocess.run([sys.executable, "-m", "cskpi", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def test_predict_on_the_sample_prints_a_summary_and_writes_every_customer(tmp_path, capsys):
    out = tmp_path / "clv.csv"
    assert main(["predict", "--csv", str(out)]) == 0
    text = capsys.readouterr().out
    table = pd.read_csv(out, dtype={"customer_id": str})
    orders = kpi_core.sample_dataset().table("Orders")
    assert sorted(table["customer_id"]) == sorted(orders["customer_id"].unique())
    assert list(table.columns) == ["customer_id", "frequency", "recency", "T", "monetary", "p_alive",
                                   "expected_purchases", "expected_avg_value", "clv"]
    total = float(re.search(r"predicted value \(12 months\)\s+([\d,.]+)", text).group(1).replace(",", ""))
    assert total == pytest.approx(table["clv"].sum(), abs=0.01)
    alive = float(re.search(r"likely alive \(p_alive >= 0.5\)\s+([\d.]+) %", text).group(1))
    assert alive == pytest.approx(100 * (table["p_alive"] >= 0.5).mean(), abs=0.05)
    assert "Top 10 customers" in text
    assert "Holdout" not in text  # only when asked


def test_predict_on_cdnow_reproduces_the_paper_and_reports_the_holdout(capsys):
    assert main(["predict", str(CDNOW), "--time-unit", "W", "--calibration-end", "1997-09-30",
                 "--horizon", "39"]) == 0
    text = capsys.readouterr().out
    printed = dict(re.findall(r"\b(r|alpha|a|b|p|q|gamma) = ([\d.]+)", text))
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74, "gamma": 15.44}
    for name, value in published.items():
        assert float(printed[name]) == pytest.approx(value, rel=0.02), name
    assert "Holdout 1997-10-01 .. 1998-06-30 (39 weeks)" in text
    predicted = float(re.search(r"predicted\s+([\d,.]+)\n", text).group(1).replace(",", ""))
    assert abs(predicted / 1882 - 1) < 0.15
    assert re.search(r"actual\s+1,882\n", text)


def test_predict_bad_amount_exits_2_naming_file_row_and_column(tmp_path):
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "orders.csv").write_text("order_id,customer_id,date,amount\n1,a,2026-01-02,10\n2,a,2026-02-02,-4\n")
    result = run_cskpi("predict", folder)
    assert result.returncode == 2
    assert "orders.csv, row 3, column amount" in result.stderr and "below the minimum 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_predict_without_orders_table_exits_2(tmp_path):
    folder = tmp_path / "saas"
    folder.mkdir()
    (folder / "subscriptions.csv").write_text("customer_id,month,mrr\na,2026-01,10\n")
    result = run_cskpi("predict", folder)
    assert result.returncode == 2
    assert "no Orders table" in result.stderr and "Traceback" not in result.stderr


def test_predict_calibration_end_after_the_data_exits_2(capsys):
    assert main(["predict", str(CDNOW), "--calibration-end", "1998-12-31"]) == 2
    assert "not before the last order" in capsys.readouterr().err


def test_predict_bad_horizon_is_an_argument_error():
    result = run_cskpi("predict", "--horizon", "0")
    assert result.returncode == 2 and "must be greater than 0" in result.stderr


def test_predict_without_the_extra_says_how_to_install_it(tmp_path):
    blocker = tmp_path / "blocked" / "pymc_marketing"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('No module named pymc_marketing')\n")
    path = os.pathsep.join([str(tmp_path / "blocked"), os.environ.get("PYTHONPATH", "")])
    result = run_cskpi("predict", env={"PYTHONPATH": path})
    assert result.returncode == 1
    assert 'pip install "cskpi[predict]"' in result.stderr
    assert "Traceback" not in result.stderr
