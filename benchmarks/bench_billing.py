"""Monthly MRR from 1 million invoice lines (``kpi_core.mapping.monthly_mrr``, DESIGN.md §12) against peers.

Run: ``.venv/bin/python benchmarks/bench_billing.py [--lines 1000000] [--repeats 3]``.

The lines: 50 000 customers, 20 lines each on average (monthly lines, some yearly and
quarterly ones, upgrade prorations, one-time fees, tax on part of them), text ids and
datetime64 service periods: what a billing export holds once read. Peers compute the
same §12 rules in the same process, timed in the same run (min of the repeats):

- pandas: vectorised column arithmetic (month arithmetic through monthly periods), the
  lines repeated over the month-ends they cover (``Index.repeat`` + ``groupby.cumcount``)
  and summed with ``groupby([customer, month]).sum()``;
- duckdb (when installed, ``pip install -e .[bench]``): one SQL query, month arithmetic
  by ``+ INTERVAL n MONTH`` (day clamped to the month's end, as §12 says) and the month-ends
  by a ``range`` unnested per line.

Each result is checked equal to ``monthly_mrr``'s (to 1e-9 relative) before timing.
``monthly_mrr`` also validates every value (ids, amounts, tax, types, dates), which
the peers do not. Target: <= 1.5x the best peer. Nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kpi_core.mapping import monthly_mrr  # noqa: E402


def invoice_lines(n: int, seed: int = 0) -> pd.DataFrame:
    """`n` invoice lines of n / 20 customers over 2024-2026."""
    rng = np.random.default_rng(seed)
    customers = max(n // 20, 1)
    cust = rng.integers(0, customers, n)
    start = np.datetime64("2024-01-01") + rng.integers(0, 3 * 365, n).astype("timedelta64[D]")
    kind = rng.choice(np.array(["month", "year", "quarter", "proration", "one-time"]), n,
                      p=[0.8, 0.05, 0.05, 0.07, 0.03])
    months = np.select([kind == "year", kind == "quarter"], [12, 3], 1)
    start_m = start.astype("datetime64[M]")
    day = (start - start_m.astype("datetime64[D]")).astype(np.int64)
    target = start_m + months.astype("timedelta64[M]")
    length = ((target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64)
    end = target.astype("datetime64[D]") + np.minimum(day, length - 1).astype("timedelta64[D]")
    end = np.where(kind == "proration", start + rng.integers(5, 25, n).astype("timedelta64[D]"), end)
    amount = np.round(rng.uniform(10, 500, n) * months, 2)
    tax = np.where(rng.random(n) < 0.3, np.round(amount * 0.2 / 1.2, 2), 0.0)
    one_time = kind == "one-time"
    return pd.DataFrame({
        "customer_id": pd.Series(np.char.add("cus_", cust.astype(str)), dtype=object),
        "amount": amount, "tax": tax,
        "service_start": pd.Series(np.where(one_time, np.datetime64("NaT"), start).astype("datetime64[ns]")),
        "service_end": pd.Series(np.where(one_time, np.datetime64("NaT"), end).astype("datetime64[ns]")),
        "type": pd.Series(np.where(one_time, "one-time", "subscription"), dtype=object),
    })


def pandas_peer(df: pd.DataFrame) -> pd.DataFrame:
    """The §12 invoice rules in plain pandas."""
    sub = df[df["type"] != "one-time"]
    s, e = sub["service_start"], sub["service_end"]
    sp, ep = s.dt.to_period("M"), e.dt.to_period("M")
    n = (e.dt.year - s.dt.year) * 12 + (e.dt.month - s.dt.month)
    best, months = None, None
    for k in (n, n - 1, n + 1):
        target = (sp.astype("int64") + k.clip(lower=1))
        first = pd.PeriodIndex.from_ordinals(target, freq="M").to_timestamp()
        dim = pd.PeriodIndex.from_ordinals(target, freq="M").days_in_month
        e_k = first + pd.to_timedelta(np.minimum(s.dt.day.to_numpy(), dim) - 1, unit="D")
        gap = (e - pd.Series(e_k, index=e.index)).abs().dt.days.where(k >= 1, np.iinfo(np.int64).max)
        if best is None:
            best, months = gap, k
        else:
            better = gap < best
            best, months = best.where(~better, gap), months.where(~better, k)
    net = sub["amount"] - sub["tax"]
    monthly = np.where(best <= 3, net / months.clip(lower=1), net * 365 / 12 / (e - s).dt.days)
    first = sp.astype("int64")
    last = ep.astype("int64") - 1
    count = (last - first + 1).clip(lower=0)
    lines = pd.DataFrame({"customer_id": sub["customer_id"], "first": first, "monthly": monthly})
    expanded = lines.loc[lines.index.repeat(count)]
    expanded["month"] = expanded["first"] + expanded.groupby(level=0).cumcount()
    out = expanded.groupby(["customer_id", "month"], sort=True)["monthly"].sum()
    out = out[out > 0].reset_index()
    out["month"] = pd.PeriodIndex.from_ordinals(out["month"], freq="M").to_timestamp()
    return out.rename(columns={"monthly": "mrr"})


DUCKDB_SQL = """
WITH l AS (
    SELECT customer_id, amount - tax AS net, CAST(service_start AS DATE) AS s, CAST(service_end AS DATE) AS e,
           datediff('month', date_trunc('month', CAST(service_start AS DATE)),
                    date_trunc('month', CAST(service_end AS DATE))) AS n
    FROM lines WHERE type <> 'one-time'
), k AS (
    SELECT *, abs(datediff('day', CAST(s + to_months(CAST(greatest(n, 1) AS INTEGER)) AS DATE), e)) AS g0,
              CASE WHEN n - 1 >= 1 THEN abs(datediff('day', CAST(s + to_months(CAST(n - 1 AS INTEGER)) AS DATE), e))
                   ELSE 1e18 END AS g1,
              abs(datediff('day', CAST(s + to_months(CAST(n + 1 AS INTEGER)) AS DATE), e)) AS g2
    FROM l
), m AS (
    SELECT customer_id,
           CASE WHEN least(CASE WHEN n >= 1 THEN g0 ELSE 1e18 END, g1, g2) <= 3
                THEN net / (CASE WHEN n >= 1 AND g0 <= g1 AND g0 <= g2 THEN n
                                 WHEN g1 <= g2 THEN n - 1 ELSE n + 1 END)
                ELSE net * 365 / 12 / datediff('day', s, e) END AS monthly,
           date_trunc('month', s) AS first, date_trunc('month', e) AS stop
    FROM k
)
SELECT customer_id, month, sum(monthly) AS mrr
FROM m, unnest(generate_series(first, stop - INTERVAL 1 MONTH, INTERVAL 1 MONTH)) AS t(month)
GROUP BY customer_id, month HAVING sum(monthly) > 0 ORDER BY customer_id, month
"""


def duckdb_peer(df: pd.DataFrame, con) -> pd.DataFrame:
    con.register("lines", df)
    out = con.execute(DUCKDB_SQL).df()
    con.unregister("lines")
    out["month"] = pd.to_datetime(out["month"])
    return out


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _same(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    a = a.sort_values(["customer_id", "month"]).reset_index(drop=True)
    b = b.sort_values(["customer_id", "month"]).reset_index(drop=True)
    assert len(a) == len(b), (what, len(a), len(b))
    assert (a["customer_id"].astype(str).to_numpy() == b["customer_id"].astype(str).to_numpy()).all(), what
    assert (a["month"].to_numpy("datetime64[D]") == b["month"].to_numpy("datetime64[D]")).all(), what
    assert np.allclose(a["mrr"].to_numpy(), b["mrr"].to_numpy(), rtol=1e-9), what


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    df = invoice_lines(args.lines)
    ours = monthly_mrr(df, "invoices")
    peers = {"pandas": lambda: pandas_peer(df)}
    try:
        import duckdb

        con = duckdb.connect()
        con.execute("SET threads = 1")  # one core, as monthly_mrr
        peers["duckdb (1 thread)"] = lambda: duckdb_peer(df, con)
        con_all = duckdb.connect()
        peers["duckdb (all threads)"] = lambda: duckdb_peer(df, con_all)
    except ImportError:
        print("duckdb not installed: pip install -e .[bench] for that peer")
    for name, fn in peers.items():
        _same(fn(), ours, name)
    t_ours = _best(lambda: monthly_mrr(df, "invoices"), args.repeats)
    times = {name: _best(fn, args.repeats) for name, fn in peers.items()}
    best = min(times, key=times.get)
    print(f"monthly MRR of {len(df):,} invoice lines ({df['customer_id'].nunique():,} customers) -> "
          f"{len(ours):,} customer-months; min of {args.repeats} runs")
    print(f"  monthly_mrr (with validation)  {t_ours:8.3f} s")
    for name, t in times.items():
        print(f"  {name:<30} {t:8.3f} s   ratio monthly_mrr / {name}: {t_ours / t:.2f}x")
    print(f"ratio to the best peer ({best}): {t_ours / times[best]:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
