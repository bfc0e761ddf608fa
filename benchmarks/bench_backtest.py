"""Health-score backtest speed (DESIGN.md §13), as ratios to peers timed in the same run.

Run: ``.venv/bin/python benchmarks/bench_backtest.py [--customers N] [--calibration K]``.

- ``auc`` on 1 M scores against a bare ``np.argsort`` of the same scores (a rank-based AUC
  cannot be cheaper than one sort) and, when scipy is installed, ``scipy.stats.mannwhitneyu``.
- ``health_backtest`` against the ``health_scores`` calls it makes (one per pooled month,
  the part the brief says to reuse): the ratio is the backtest's own overhead.
- ``suggest_health_weights`` (16 fits of a 7-parameter ridge logistic regression on up to
  every pooled observation) against the backtest.

``--calibration K`` also generates K samples whose churn is independent of health and prints
how often the AUC interval covers 0.5, how often weights are suggested, and the standard
deviation of the weight comparison's z-scores (1 when its interval is calibrated).
Timings are the best of a few repeats; nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kpi_core  # noqa: E402
from timing import best as _best, peak_mb  # noqa: E402 - benchmarks/timing.py, beside this script


def case_auc() -> None:
    rng = np.random.default_rng(0)
    scores = rng.random(1_000_000) * 100
    churned = rng.random(1_000_000) < 0.05
    t_auc = _best(lambda: kpi_core.auc(scores, churned))
    t_sort = _best(lambda: np.argsort(scores))
    line = f"auc, 1 M scores: {t_auc:.3f} s = {t_auc / t_sort:.2f}x a bare argsort ({t_sort:.3f} s)"
    try:
        from scipy.stats import mannwhitneyu
    except ImportError:
        print(line + "; scipy not installed: no Mann-Whitney peer")
        return
    t_mw = _best(lambda: mannwhitneyu(scores[~churned], scores[churned]))
    u = mannwhitneyu(scores[~churned], scores[churned]).statistic / ((~churned).sum() * churned.sum())
    assert abs(u - kpi_core.auc(scores, churned)) < 1e-9
    print(line + f", {t_auc / t_mw:.2f}x scipy.stats.mannwhitneyu ({t_mw:.3f} s)")


def case_backtest(n_customers: int) -> None:
    ds = kpi_core.sample_dataset(n_customers=n_customers)
    bt = kpi_core.health_backtest(ds)
    months = bt.months

    def scores_only():
        for month in months:
            kpi_core.health_scores(ds, month, period_start=kpi_core.report_period(ds, period_end=month).start)

    t_scores = _best(scores_only, 2)
    t_bt = _best(lambda: kpi_core.health_backtest(ds), 2)
    t_sw = _best(lambda: kpi_core.suggest_health_weights(ds, backtest=bt), 2)
    print(f"health_backtest, {n_customers:,} customers, {len(months)} months, {bt.n_observations:,} observations: "
          f"{t_bt:.2f} s = {t_bt / t_scores:.2f}x its {len(months)} health_scores calls ({t_scores:.2f} s)")
    print(f"suggest_health_weights (reusing the backtest): {t_sw:.2f} s = {t_sw / t_bt:.2f}x the backtest")
    print(f"peak memory {peak_mb():.0f} MB")


def case_calibration(k: int) -> None:
    cover = suggested = 0
    z = []
    for seed in range(100, 100 + k):
        ds = kpi_core.sample_dataset(seed=seed, churn_drivers=())
        bt = kpi_core.health_backtest(ds)
        s = kpi_core.suggest_health_weights(ds, backtest=bt)
        cover += bt.auc_low <= 0.5 <= bt.auc_high
        suggested += s.suggested is not None
        if s.difference is not None:
            z.append(s.difference / ((s.difference_high - s.difference_low) / 2 / 1.959964))
    print(f"calibration, {k} samples without signal: AUC interval covers 0.5 in {cover}; weights suggested in "
          f"{suggested}; z-scores of the weight comparison: mean {np.mean(z):+.2f}, standard deviation "
          f"{np.std(z):.2f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=4000)
    parser.add_argument("--calibration", type=int, default=0, metavar="K")
    args = parser.parse_args(argv)
    case_auc()
    case_backtest(args.customers)
    if args.calibration:
        case_calibration(args.calibration)
    return 0


if __name__ == "__main__":
    sys.exit(main())
