"""Predicted customer value (kpi_core.fit_clv / predict_clv) on 25 000 customers: time and memory.

Run: ``.venv/bin/python benchmarks/bench_clv.py`` (or ``benchmarks/run.py clv``). Needs the
``predict`` extra. The orders are simulated from BG/NBD and Gamma-Gamma with known
parameters (25 000 customers acquired over 12 weeks, observed 78 weeks, calibration 52
weeks), so the run also prints how well the fit recovers them. Peers timed in the same
process: a bare scipy maximum-likelihood fit of the same two likelihoods (L-BFGS-B on
numpy), and PyMC-Marketing's own predictive methods for the same customers. Each case runs
in its own subprocess so that its peak resident memory (ru_maxrss) is its own. Timings are
the best of a few repeats; nothing here is a pass/fail test.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kpi_core  # noqa: E402

TRUE = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5, "p": 6.0, "q": 4.0, "v": 15.0}
N_CUSTOMERS = 25_000
CALIBRATION_END = pd.Timestamp("2025-12-30")  # day 363: 52 weeks after 2025-01-01


def simulate_orders(n: int = N_CUSTOMERS, seed: int = 0) -> pd.DataFrame:
    """Orders of `n` customers drawn from BG/NBD (weeks) and Gamma-Gamma; one row per order."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-01-01")
    horizon = 78 * 7  # days observed from the first day
    first = rng.integers(0, 84, n)  # acquired over 12 weeks
    lam = rng.gamma(TRUE["r"], 1 / TRUE["alpha"], n) / 7  # purchases per day
    drop = rng.beta(TRUE["a"], TRUE["b"], n)
    nu = rng.gamma(TRUE["q"], 1 / TRUE["v"], n)
    customers, days = [np.arange(n)], [first.astype(float)]
    alive, now = np.ones(n, dtype=bool), first.astype(float)
    while True:
        now = now + rng.exponential(1 / np.maximum(lam, 1e-12))
        alive &= now < horizon
        if not alive.any():
            break
        customers.append(np.flatnonzero(alive))
        days.append(now[alive])
        alive &= rng.random(n) >= drop  # after each repeat purchase, drop out with probability p
    cust, day = np.concatenate(customers), np.floor(np.concatenate(days)).astype(int)
    amount = np.round(rng.gamma(TRUE["p"], 1 / nu[cust]), 2)
    return pd.DataFrame({"order_id": np.arange(cust.size), "customer_id": [f"C{c:05d}" for c in cust],
                         "date": start + pd.to_timedelta(day, unit="D"), "amount": amount})


def _best(fn, repeat: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _scipy_mle(rfm: pd.DataFrame) -> dict:
    """The same two maximum-likelihood fits with scipy alone (the peer)."""
    from scipy.optimize import minimize
    from scipy.special import gammaln

    x, tx, T = (rfm[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))

    def bgnbd(theta):
        r, alpha, a, b = np.exp(theta)
        head = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + gammaln(a + b) + gammaln(b + x) - gammaln(b)
                - gammaln(a + b + x))
        alive = -(r + x) * np.log(alpha + T)
        dead = np.where(x > 0, np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + tx), -np.inf)
        return -(head + np.logaddexp(alive, dead)).sum()

    keep = (x > 0) & (rfm["monetary"].to_numpy() > 0)
    xs, z = x[keep], rfm["monetary"].to_numpy()[keep]

    def gg(theta):
        p, q, v = np.exp(theta)
        return -(gammaln(p * xs + q) - gammaln(p * xs) - gammaln(q) + q * np.log(v) + (p * xs - 1) * np.log(z)
                 + p * xs * np.log(xs) - (p * xs + q) * np.log(xs * z + v)).sum()

    one = minimize(bgnbd, np.zeros(4), method="L-BFGS-B")
    two = minimize(gg, np.zeros(3), method="L-BFGS-B")
    return dict(zip(("r", "alpha", "a", "b", "p", "q", "v"), np.exp(np.r_[one.x, two.x])))


def case_fit() -> dict:
    orders = simulate_orders()
    t0 = time.perf_counter()
    kpi_core.predicted_clv._pymc_marketing()
    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = kpi_core.fit_clv(orders, CALIBRATION_END, "W")
    t_first = time.perf_counter() - t0
    t_fit, model = _best(lambda: kpi_core.fit_clv(orders, CALIBRATION_END, "W"))
    t_rfm, rfm = _best(lambda: kpi_core.rfm_summary(orders, CALIBRATION_END, "W"))
    t_scipy, peer = _best(lambda: _scipy_mle(rfm))
    return {"orders": len(orders), "customers": len(model.rfm), "import_s": t_import, "first_fit_s": t_first,
            "fit_s": t_fit, "rfm_s": t_rfm, "scipy_mle_s": t_scipy, "fit_vs_scipy": t_fit / t_scipy,
            "params": model.params, "scipy_params": peer, "peak_rss_mb": _peak_mb()}


def case_predict() -> dict:
    orders = simulate_orders()
    model = kpi_core.fit_clv(orders, CALIBRATION_END, "W")
    t_plain, table = _best(lambda: kpi_core.predict_clv(model, 52))
    t_disc, _ = _best(lambda: kpi_core.predict_clv(model, 52, 0.1))
    t_hold, check = _best(lambda: kpi_core.clv_holdout(model))
    data = pd.DataFrame({"customer_id": np.arange(len(table)), "frequency": table["frequency"],
                         "recency": table["recency"], "T": table["T"]})
    bg = model.transaction_model

    def theirs():
        return (np.asarray(bg.expected_purchases(data, future_t=52)), np.asarray(bg.expected_probability_alive(data)))

    t_theirs, (purchases, alive) = _best(theirs)
    assert np.allclose(purchases.ravel(), table["expected_purchases"]) and np.allclose(alive.ravel(), table["p_alive"])
    return {"predict_s": t_plain, "predict_discounted_weekly_s": t_disc, "holdout_s": t_hold,
            "pymc_marketing_purchases_alive_s": t_theirs, "predict_vs_pymc_marketing": t_plain / t_theirs,
            "holdout_error": check.error, "cumulative_error": check.cumulative_error, "peak_rss_mb": _peak_mb()}


CASES = {"fit": case_fit, "predict": case_predict}


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--case":
        print(json.dumps(CASES[argv[1]](), default=float))
        return 0
    for name in CASES:
        out = subprocess.run([sys.executable, __file__, "--case", name], capture_output=True, text=True)
        if out.returncode:
            print(out.stderr, file=sys.stderr)
            return out.returncode
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"-- {name}")
        for key, value in result.items():
            if isinstance(value, dict):
                value = ", ".join(f"{k} {v:.4g}" + (f" (true {TRUE[k]:g})" if k in TRUE else "")
                                  for k, v in value.items())
            elif isinstance(value, float):
                value = f"{value:.4g}"
            print(f"   {key:<34} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
