"""``cskpi health`` (scores of the end month, ``--backtest``, ``--write-config``) and ``--health-config``.

The numbers printed are kpi_core's (tests/test_backtest.py proves those against hand and brute-force
values); here: exit statuses, what is printed, the JSON, and the written config file round-tripping.
"""

from __future__ import annotations

import json
import re

import openpyxl
import pandas as pd
import pytest

import kpi_core
from cskpi.cli import main

from _workbooks import write_csv_folder


@pytest.fixture(scope="module")
def driven(tmp_path_factory):
    """Churn driven by adoption and support only: the backtest suggests weights (tests/test_backtest.py)."""
    ds = kpi_core.sample_dataset(seed=0, n_customers=400, churn_drivers=("adoption", "support"), churn_effect=2.0,
                                 component_correlation=0.0)
    folder = write_csv_folder(ds, tmp_path_factory.mktemp("driven") / "csv")
    return kpi_core.load_dataset(folder), folder


@pytest.fixture(scope="module")
def sample_results():
    ds = kpi_core.sample_dataset()
    bt = kpi_core.health_backtest(ds)
    return ds, bt, kpi_core.suggest_health_weights(ds, backtest=bt)


def test_backtest_prints_auc_status_and_decile_tables_and_the_weights(sample_results, capsys):
    _, bt, suggestion = sample_results
    assert main(["health", "--backtest"]) == 0
    out = capsys.readouterr().out
    assert f"AUC of the score  {bt.auc:.3f}  (95 % interval {bt.auc_low:.3f} to {bt.auc_high:.3f}" in out
    assert f"{bt.n_observations:,} customer-months, {bt.n_churned:,} churned" in out
    assert f"lift Red / Green  {bt.lift:.2f}x" in out
    for rec in bt.by_status.to_dict("records"):
        row = re.search(rf"^  {rec['status']}\s+([\d,]+)\s+([\d,]+)\s+([\d.]+) %\s+([\d.]+) % to ([\d.]+) %$", out,
                        re.MULTILINE)
        assert row, rec["status"]
        assert (int(row[1].replace(",", "")), int(row[2].replace(",", ""))) == (rec["observations"], rec["churned"])
        assert [float(row[i]) for i in (3, 4, 5)] == pytest.approx(
            [100 * rec["churn_rate"], 100 * rec["rate_low"], 100 * rec["rate_high"]], abs=0.05)
    deciles = re.findall(r"^  (\d+)\s+[\d.]+ - [\d.]+\s+[\d,]+\s+[\d,]+\s+[\d.]+ %", out, re.MULTILINE)
    assert [int(d) for d in deciles] == bt.by_decile["decile"].tolist()
    for component in kpi_core.COMPONENTS:
        assert re.search(rf"^  {component}\s+1\.00\s+{suggestion.fitted[component]:.2f}$", out, re.MULTILINE)
    assert suggestion.reason in out


def test_backtest_json_holds_kpi_cores_results(sample_results, capsys):
    ds, bt, suggestion = sample_results
    assert main(["health", "--backtest", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["source"] == ds.source
    assert payload["backtest"] == json.loads(json.dumps(bt.to_dict()))
    assert payload["weights"] == json.loads(json.dumps(suggestion.to_dict()))


def test_horizon_changes_what_churned(capsys):
    assert main(["health", "--backtest", "--horizon", "1", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    expected = kpi_core.health_backtest(kpi_core.sample_dataset(), horizon=1)
    assert payload["backtest"]["horizon"] == 1 and payload["backtest"]["churned"] == expected.n_churned
    assert payload["backtest"]["last_month"] == "2026-09"  # the data ends in 2026-10


def test_write_config_writes_the_suggested_weights_that_load_back_exactly(driven, tmp_path, capsys):
    ds, folder = driven
    suggestion = kpi_core.suggest_health_weights(ds)
    assert suggestion.suggested is not None
    target = tmp_path / "health.toml"
    assert main(["health", str(folder), "--backtest", "--write-config", str(target)]) == 0
    assert f"wrote {target}" in capsys.readouterr().out
    loaded = kpi_core.load_health_config(target)
    assert loaded.weights == suggestion.suggested  # not rounded: the same floats
    default = kpi_core.HealthConfig()
    assert (loaded.floors, loaded.targets) == (default.floors, default.targets)
    assert (loaded.red_below, loaded.green_from, loaded.risk_drop) == (40, 70, 15)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Health score configuration with weights suggested by 'cskpi health --backtest'")
    # passed back: the backtest now judges the suggested weights as the current ones
    assert main(["health", str(folder), "--backtest", "--json", "--health-config", str(target)]) == 0
    assert json.loads(capsys.readouterr().out)["weights"]["current"] == suggestion.suggested


def test_write_config_keeps_the_base_configs_other_settings(driven, tmp_path, capsys):
    ds, folder = driven
    base = tmp_path / "base.toml"
    base.write_text("[thresholds]\nred_below = 35\ngreen_from = 75\n[components.goals]\nfloor = 0.1\n",
                    encoding="utf-8")
    target = tmp_path / "suggested.toml"
    assert main(["health", str(folder), "--backtest", "--health-config", str(base), "--write-config",
                 str(target)]) == 0
    capsys.readouterr()
    config = kpi_core.load_health_config(base)
    expected = kpi_core.suggest_health_weights(ds, config)
    loaded = kpi_core.load_health_config(target)
    assert loaded.weights == expected.suggested
    assert (loaded.red_below, loaded.green_from, loaded.floors["goals"]) == (35, 75, 0.1)


def test_kpis_with_health_config_use_its_weights(driven, tmp_path, capsys):
    ds, folder = driven
    target = tmp_path / "weights.toml"
    target.write_text("[components.adoption]\nweight = 5\n[components.support]\nweight = 0\n", encoding="utf-8")
    config = kpi_core.load_health_config(target)
    assert main(["kpis", str(folder), "--json", "--health-config", str(target)]) == 0
    got = json.loads(capsys.readouterr().out)["kpis"]["avg_health"]
    assert got == pytest.approx(kpi_core.headline_kpis(ds, config=config)["avg_health"], rel=1e-12)
    assert got != pytest.approx(kpi_core.headline_kpis(ds)["avg_health"], rel=1e-6)


def test_build_with_health_config_puts_its_weights_on_settings(tmp_path, capsys):
    ds = kpi_core.sample_dataset(seed=3, n_customers=30)
    folder = write_csv_folder(ds, tmp_path / "csv")
    target = tmp_path / "weights.toml"
    target.write_text("[components.adoption]\nweight = 2.5\n[components.goals]\nweight = 0.125\n", encoding="utf-8")
    assert main(["build", str(folder), "--out", str(tmp_path / "out"), "--health-config", str(target),
                 "--no-predict"]) == 0
    capsys.readouterr()
    book = openpyxl.load_workbook(tmp_path / "out" / "portfolio.xlsx")
    (sheet, ref), = book.defined_names["HealthWeights"].destinations
    values = [c.value for row in book[sheet][ref.replace("$", "")] for c in row]
    assert values == [2.5, 1, 1, 1, 1, 0.125]


def test_scores_of_the_end_month(capsys):
    ds = kpi_core.sample_dataset()
    scores = kpi_core.health_scores(ds, "2026-10", period_start="2026-05").dropna(subset=["score"])
    assert main(["health", "--top", "3"]) == 0
    out = capsys.readouterr().out
    counts = scores["status"].value_counts()
    assert f"{len(scores):,} customers scored, average {scores['score'].mean():.1f}: Red {counts['Red']} (" in out
    lowest = scores.sort_values(["score", "customer_id"]).head(3)
    listed = re.findall(r"^  (C\d+)\s+([\d.]+)\s+(Red|Amber|Green)", out, re.MULTILINE)
    assert [(c, float(s)) for c, s, _ in listed] == [(c, round(s, 1)) for c, s in
                                                     lowest[["customer_id", "score"]].itertuples(index=False)]
    assert main(["health", "--json", "--period-end", "2026-03"]) == 0
    payload = json.loads(capsys.readouterr().out)
    march = kpi_core.health_scores(ds, "2026-03", period_start="2025-10").dropna(subset=["score"])
    assert (payload["month"], payload["period_start"], len(payload["scores"])) == ("2026-03", "2025-10", len(march))


@pytest.mark.parametrize("argv, fragment", [
    (["health", "--horizon", "2"], "--horizon and --write-config go with --backtest"),
    (["health", "--write-config", "x.toml"], "--horizon and --write-config go with --backtest"),
    (["health", "--backtest", "--period-end", "2026-01"], "do not go with --backtest"),
])
def test_options_that_do_not_go_together_exit_2(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1


@pytest.mark.parametrize("horizon", ["0", "two", "-3"])
def test_a_bad_horizon_is_an_argument_error(horizon, capsys):
    with pytest.raises(SystemExit) as info:
        main(["health", "--backtest", "--horizon", horizon])
    assert info.value.code == 2
    assert "--horizon" in capsys.readouterr().err


def test_bad_input_exits_2_in_one_line(tmp_path, capsys):
    ds = kpi_core.sample_dataset(seed=2, n_customers=20)
    no_usage = write_csv_folder(kpi_core.Dataset({k: ds.table(k) for k in ("Customers", "Subscriptions")}),
                                tmp_path / "no_usage")
    assert main(["health", str(no_usage), "--backtest"]) == 2
    err = capsys.readouterr().err
    assert "needs the Usage table" in err and err.count("\n") == 1 and "Traceback" not in err
    bad = tmp_path / "bad.toml"
    bad.write_text("[components.adoption]\nweight = 'heavy'\n", encoding="utf-8")
    assert main(["health", "--backtest", "--health-config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "components.adoption.weight" in err and err.count("\n") == 1
    assert main(["kpis", str(no_usage), "--health-config", str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml" in capsys.readouterr().err


def test_no_suggestion_writes_no_config_and_says_why(sample_results, tmp_path, capsys):
    _, _, suggestion = sample_results
    assert suggestion.suggested is None  # the bundled sample's fitted weights are not clearly better
    target = tmp_path / "health.toml"
    assert main(["health", "--backtest", "--write-config", str(target)]) == 0
    captured = capsys.readouterr()
    assert not target.exists()
    assert f"{target} not written: no weights are suggested" in captured.err
    assert "No weights suggested" in captured.out


def test_backtest_without_any_observation_says_so(tmp_path, capsys):
    ds = kpi_core.Dataset({
        "Subscriptions": pd.DataFrame({"customer_id": ["a", "a"], "month": ["2026-01", "2026-02"], "mrr": [10.0, 10.0]}),
        "Usage": pd.DataFrame({"customer_id": ["e"], "month": ["2026-01"], "goals_met": [0.5]}),
    })
    folder = write_csv_folder(ds, tmp_path / "csv")
    assert main(["health", str(folder), "--backtest", "--horizon", "1"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"months pooled\s+none", out) and "AUC of the score  n/a" in out
    assert "nothing to backtest" in out and "No weights suggested" in out
