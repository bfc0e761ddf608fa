"""kpi_core speed, as ratios to baselines timed in the same run, with peak memory.

Run: ``.venv/bin/python benchmarks/bench_kpi_core.py`` (or ``benchmarks/run.py``
for every benchmark). Each case runs in its own subprocess so that its peak
resident memory (ru_maxrss) is its own. Timings are the best of a few
repeats; nothing here is a pass/fail test: the targets are printed beside
the figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kpi_core  # noqa: E402
from timing import best as _best, peak_mb as _peak_mb  # noqa: E402 - benchmarks/timing.py, beside this script


def case_nps() -> dict:
    """nps on 10 million scores vs a bare numpy count of the same array."""
    rng = np.random.default_rng(0)
    out = {}
    for label, scores in (("float64", rng.integers(0, 11, 10_000_000).astype(np.float64)),
                          ("int64", rng.integers(0, 11, 10_000_000))):
        def bare():
            return 100.0 * (np.count_nonzero(scores >= 9) - np.count_nonzero(scores <= 6)) / scores.size

        assert abs(bare() - kpi_core.nps(scores)) < 1e-9
        t_bare, t_nps = _best(bare, 5), _best(lambda: kpi_core.nps(scores), 5)
        out[label] = {"nps_s": t_nps, "bare_count_s": t_bare, "ratio": t_nps / t_bare}
    out["peak_rss_mb"] = _peak_mb()
    return out


def _subscriptions(n_customers: int, n_months: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    months = pd.date_range("2025-01-01", periods=n_months, freq="MS")
    mrr = rng.integers(1, 50, (n_customers, n_months)).astype(float) * 10
    mrr[rng.random(mrr.shape) < 0.15] = 0.0
    return pd.DataFrame({
        "customer_id": np.repeat([f"C{i}" for i in range(n_customers)], n_months),
        "month": np.tile(months, n_customers),
        "mrr": mrr.ravel(),
    })


def _movements_loop(subs: pd.DataFrame) -> pd.DataFrame:
    """The straightforward way: per customer, walk its months in order."""
    months = sorted(subs["month"].unique())
    totals = {m: dict.fromkeys(kpi_core.MOVEMENT_COLUMNS[1:], 0.0) for m in months}
    for _, rows in subs.groupby("customer_id"):
        by_month = dict(zip(rows["month"], rows["mrr"]))
        prev, ever = 0.0, False
        for m in months:
            cur = by_month.get(m, 0.0)
            t = totals[m]
            t["end_mrr"] += cur
            if cur > 0 and prev == 0:
                t["reactivation" if ever else "new"] += cur
            elif cur > prev > 0:
                t["expansion"] += cur - prev
            elif 0 < cur < prev:
                t["contraction"] += prev - cur
            elif cur == 0 and prev > 0:
                t["churn"] += prev
            ever = ever or cur > 0
            prev = cur
    return pd.DataFrame.from_dict(totals, orient="index")


MOVES = ["new", "expansion", "contraction", "churn", "reactivation", "end_mrr"]


def _peer_pandas(subs: pd.DataFrame) -> pd.DataFrame:
    """Peer: pandas sort + groupby-shift (LAG/LEAD by customer), then a groupby-sum by month."""
    df = subs[subs["mrr"] > 0]
    t = (df["month"].dt.year * 12 + df["month"].dt.month).to_numpy()
    df = pd.DataFrame({"c": df["customer_id"].to_numpy(), "t": t, "m": df["mrr"].to_numpy()})
    df = df.sort_values(["c", "t"], kind="stable")
    g = df.groupby("c", sort=False)
    prev_t, prev_m, next_t = g["t"].shift(1), g["m"].shift(1), g["t"].shift(-1)
    first, last = df["t"].min(), df["t"].max()
    cont = (df["t"] - prev_t) == 1
    delta = df["m"] - prev_m.where(cont, 0.0)
    churn = ((next_t - df["t"]) != 1) & (df["t"] < last)
    out = pd.DataFrame({
        "t": df["t"], "new": df["m"].where(prev_t.isna(), 0.0),
        "reactivation": df["m"].where(prev_t.notna() & ~cont, 0.0),
        "expansion": delta.where(cont & (delta > 0), 0.0), "contraction": (-delta).where(cont & (delta < 0), 0.0),
        "end_mrr": df["m"]}).groupby("t").sum()
    churned = df[churn].groupby(df["t"][churn] + 1)["m"].sum()
    out = out.reindex(range(first, last + 1), fill_value=0.0)
    out["churn"] = churned.reindex(out.index, fill_value=0.0)
    return out[MOVES]


_DUCKDB_SQL = """
WITH r AS (
  SELECT customer_id AS c, year(month) * 12 + month(month) AS t, mrr AS m FROM subs WHERE mrr > 0),
w AS (
  SELECT t, m, LAG(t) OVER p AS pt, LAG(m) OVER p AS pm, LEAD(t) OVER p AS nt
  FROM r WINDOW p AS (PARTITION BY c ORDER BY t)),
b AS (SELECT max(t) AS last FROM r),
mv AS (
  SELECT t, sum(CASE WHEN pt IS NULL THEN m ELSE 0 END) AS new,
    sum(CASE WHEN t - pt = 1 AND m > pm THEN m - pm ELSE 0 END) AS expansion,
    sum(CASE WHEN t - pt = 1 AND m < pm THEN pm - m ELSE 0 END) AS contraction,
    sum(CASE WHEN t - pt > 1 THEN m ELSE 0 END) AS reactivation, sum(m) AS end_mrr
  FROM w GROUP BY t),
ch AS (SELECT t + 1 AS t, sum(m) AS churn FROM w, b WHERE (nt IS NULL OR nt - t > 1) AND t < b.last GROUP BY 1)
SELECT mv.t, new, expansion, contraction, coalesce(churn, 0) AS churn, reactivation, end_mrr
FROM mv LEFT JOIN ch USING (t) ORDER BY mv.t
"""


def _peer_duckdb(con):
    """Peer: duckdb, LAG/LEAD window over the customer's months, one SQL query."""
    return con.execute(_DUCKDB_SQL).df().set_index("t")[MOVES]


def _peer_polars(pl, frame):
    """Peer: polars lazy query, sort + shift within the customer, group by month."""
    c, t, m = pl.col("c"), pl.col("t"), pl.col("m")
    lf = (frame.lazy().filter(pl.col("mrr") > 0)
          .select(pl.col("customer_id").alias("c"), (pl.col("month").dt.year().cast(pl.Int64) * 12
                                                      + pl.col("month").dt.month()).alias("t"), pl.col("mrr").alias("m"))
          .sort("c", "t")  # sorted: a row's neighbours are its customer's previous / next months
          .with_columns(pt=pl.when(c.shift(1) == c).then(t.shift(1)), pm=pl.when(c.shift(1) == c).then(m.shift(1)),
                        nt=pl.when(c.shift(-1) == c).then(t.shift(-1))))
    w = lf.collect()
    last = w["t"].max()
    cont = (t - pl.col("pt")) == 1
    moves = w.lazy().group_by("t").agg(
        new=pl.when(pl.col("pt").is_null()).then(m).otherwise(0.0).sum(),
        expansion=pl.when(cont & (m > pl.col("pm"))).then(m - pl.col("pm")).otherwise(0.0).sum(),
        contraction=pl.when(cont & (m < pl.col("pm"))).then(pl.col("pm") - m).otherwise(0.0).sum(),
        reactivation=pl.when(pl.col("pt").is_not_null() & ~cont).then(m).otherwise(0.0).sum(),
        end_mrr=m.sum())
    churn = (w.lazy().filter((pl.col("nt").is_null() | ((pl.col("nt") - t) != 1)) & (t < last))
             .group_by(t + 1).agg(churn=m.sum()))
    return moves.join(churn, on="t", how="left").fill_null(0.0).sort("t").collect()


def _case_movements_at(n_customers: int, repeat: int = 3) -> dict:
    import duckdb
    import polars as pl

    subs = _subscriptions(n_customers, 20)
    out = {"rows": len(subs), "id_dtype": str(subs["customer_id"].dtype) + f" ({subs['customer_id'].dtype!r})"}
    ours = kpi_core.mrr_movements(subs).set_index("month")
    ours = ours.iloc[1:]  # the peers have no row for the first month's start
    con = duckdb.connect()
    con.register("subs", subs)
    frame = pl.from_pandas(subs)
    peers = {"pandas": lambda: _peer_pandas(subs), "duckdb": lambda: _peer_duckdb(con),
             "polars": lambda: _peer_polars(pl, frame)}
    for name, fn in peers.items():  # every peer computes the same table
        got = fn()
        got = got.to_pandas().set_index("t")[MOVES] if name == "polars" else got
        got = got.iloc[1:]
        assert np.allclose(got.to_numpy(dtype=float), ours[MOVES].to_numpy()), f"{name} disagrees"
    out["mrr_movements_s"] = _best(lambda: kpi_core.mrr_movements(subs), repeat)
    for name, fn in peers.items():
        out[f"{name}_s"] = _best(fn, repeat)
    best = min(peers, key=lambda k: out[f"{k}_s"])
    out["best_peer"], out["ratio"] = best, out["mrr_movements_s"] / out[f"{best}_s"]
    out["peak_rss_mb"] = _peak_mb()
    return out


def case_movements_10m() -> dict:
    """mrr_movements on 10 million rows (500 000 customers x 20 months) vs its peers."""
    return _case_movements_at(500_000)


def case_movements() -> dict:
    """mrr_movements on 1 million rows (50 000 customers x 20 months) vs its peers and a per-customer loop."""
    subs = _subscriptions(50_000, 20)
    out = _case_movements_at(50_000)
    # the loop is linear in customers: time it on 1/25 of them and scale up
    part = subs[subs["customer_id"].isin({f"C{i}" for i in range(2_000)})]
    t_loop_part = _best(lambda: _movements_loop(part), 1)
    check = _movements_loop(part)
    vec = kpi_core.mrr_movements(part).set_index("month")
    cols = ["new", "expansion", "contraction", "churn", "reactivation", "end_mrr"]
    assert np.allclose(vec[cols].to_numpy(), check[cols].to_numpy()), "loop and vectorised disagree"
    t_loop = t_loop_part * 25
    out.update(loop_s_extrapolated=t_loop, loop_s_on_2000_customers=t_loop_part,
               speedup=t_loop / out["mrr_movements_s"])
    return out


def case_headline() -> dict:
    """headline_kpis on a dataset 100x the sample (40 000 accounts)."""
    t0 = time.perf_counter()
    ds = kpi_core.sample_dataset(seed=0, n_customers=40_000)
    t_build = time.perf_counter() - t0
    rss_after_build = _peak_mb()
    subs = ds.table("Subscriptions")
    t_base = _best(lambda: subs.groupby(["customer_id", "month"])["mrr"].sum(), 3)
    t_head = _best(lambda: kpi_core.headline_kpis(ds, "2026-05", "2026-10"), 3)
    return {"rows": {k: len(v) for k, v in ds.tables.items()}, "build_and_validate_s": t_build,
            "headline_s": t_head, "baseline_groupby_sum_s": t_base, "ratio": t_head / t_base,
            "peak_rss_mb_after_build": rss_after_build, "peak_rss_mb": _peak_mb()}


CASES = {"nps": case_nps, "movements": case_movements, "movements_10m": case_movements_10m,
         "headline": case_headline}


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--case":
        print(json.dumps(CASES[sys.argv[2]]()))
        return
    results = {}
    for name in CASES:
        proc = subprocess.run([sys.executable, __file__, "--case", name], capture_output=True, text=True, check=True)
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    nps, mv, hd = results["nps"], results["movements"], results["headline"]
    print("kpi_core benchmarks (best of repeats; ratios measured in this run)")
    for label in ("float64", "int64"):
        r = nps[label]
        print(f"  nps, 10M {label} scores: {r['nps_s'] * 1000:7.1f} ms vs bare numpy count "
              f"{r['bare_count_s'] * 1000:6.1f} ms -> {r['ratio']:.2f}x   (target <= 2x)")
    print(f"  mrr_movements, {mv['rows']:,} rows: {mv['mrr_movements_s']:.3f} s; per-customer loop "
          f"{mv['loop_s_extrapolated']:.1f} s (2 000 customers timed: {mv['loop_s_on_2000_customers']:.2f} s, x25) "
          f"-> {mv['speedup']:.0f}x faster   (targets < 2 s, >= 20x)")
    for r in (mv, results["movements_10m"]):
        print(f"  mrr_movements, {r['rows']:,} rows, ids {r['id_dtype']}: {r['mrr_movements_s']:.3f} s; peers "
              f"pandas {r['pandas_s']:.3f} s, duckdb {r['duckdb_s']:.3f} s, polars {r['polars_s']:.3f} s "
              f"-> {r['ratio']:.2f}x the best ({r['best_peer']})   (target <= 1.0x)")
    print(f"  headline_kpis, 100x sample ({hd['rows']['Subscriptions']:,} subscription rows, "
          f"{sum(hd['rows'].values()):,} rows in all): {hd['headline_s']:.3f} s vs one groupby-sum of "
          f"Subscriptions {hd['baseline_groupby_sum_s']:.3f} s -> {hd['ratio']:.1f}x   (target < 5 s)")
    print(f"    building + validating that dataset: {hd['build_and_validate_s']:.2f} s; peak memory "
          f"{hd['peak_rss_mb']:.0f} MB (after build {hd['peak_rss_mb_after_build']:.0f} MB)   (target < 1 536 MB)")
    print(f"  peak memory of each case's process: nps {nps['peak_rss_mb']:.0f} MB, "
          f"mrr_movements {mv['peak_rss_mb']:.0f} MB (10M: {results['movements_10m']['peak_rss_mb']:.0f} MB), headline_kpis {hd['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
