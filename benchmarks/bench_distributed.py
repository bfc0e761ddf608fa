"""``cskpi build --scheduler`` (Dask distributed) against ``--jobs 2``, and what a task costs (issue 11).

Not a test: it prints figures. Run from the project root::

    .venv/bin/python benchmarks/bench_distributed.py               # 1 000 account workbooks, 1 repeat
    .venv/bin/python benchmarks/bench_distributed.py --n 200 --repeats 3

The batch is the per-customer workbooks of the first `n` accounts of
``sample_dataset(seed=0, n_customers=1000)`` (the portfolio left out, as in
``bench_workbooks.py --only batch``), built three ways in this process, the
cases interleaved and the minimum of the repeats kept:

- ``jobs2``: ``--jobs 2`` (the fork pool), the baseline;
- ``local``: ``--scheduler local --jobs 2``, end to end (starting and closing
  the 2-worker LocalCluster included);
- ``cluster``: against the address of a 2-worker LocalCluster started before
  the clock (one thread per worker process), as a user with a cluster runs it.

Every build records the manifest, as the CLI does. Target: ``cluster`` and
``local`` <= 1.15 x ``jobs2``. Then, from the ``cluster`` run: the cost of a
task on a worker, the scheduler overhead per task, ``(wall x workers - sum of
task times) / tasks``, the bytes moved per task (workbook bytes returned +
the task's own arguments + the dataset scattered to every worker / tasks),
and how the cost of a task grows with the size of the dataset (each task
takes its customer's rows out of the whole dataset): ``--scaling`` sizes.
"""

from __future__ import annotations

import argparse
import io
import os
import pickle
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kpi_core  # noqa: E402
from workbook_templates.batch import build_group, build_workbooks, plan_groups  # noqa: E402


def _build(ds, ids, out: Path, **kw) -> tuple[float, object]:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    result = build_workbooks(ds, out, by="customer", only=ids, progress=io.StringIO(), manifest=True, **kw)
    wall = time.perf_counter() - start
    print(f"  ({out.name}: {wall:.1f} s)", flush=True)
    assert result.ok and len(result.written) == len(ids), result.summary()
    return wall, result


def _scaling(sizes, k: int = 20) -> list[tuple[int, float]]:
    """Seconds per account workbook (build_group, in this process) for datasets of `sizes` customers."""
    rows = []
    for n in sizes:
        ds = kpi_core.sample_dataset(seed=0, n_customers=n)
        period = kpi_core.report_period(ds)
        groups = plan_groups(ds, "out", by="customer")[1:k + 1]
        build_group(ds, groups[0], period)  # warm up
        start = time.perf_counter()
        for g in groups:
            build_group(ds, g, period)
        rows.append((n, (time.perf_counter() - start) / len(groups)))
        print(f"  (build_group at {n} customers: {1000 * rows[-1][1]:.0f} ms)", flush=True)
        del ds
    return rows


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=1000, help="account workbooks per build (default 1000)")
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--scaling", default="1000,20000", help="dataset sizes for the per-task cost (customers)")
    args = p.parse_args(argv)

    from distributed import LocalCluster

    ds = kpi_core.sample_dataset(seed=0, n_customers=1000)
    ids = list(ds.table("Customers")["customer_id"][: args.n])
    work = Path(tempfile.mkdtemp(prefix="bench-distributed-"))
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
    try:
        walls = {"jobs2": [], "local": [], "cluster": []}
        stats = None
        for _ in range(args.repeats):
            walls["jobs2"].append(_build(ds, ids, work / "jobs2", jobs=2)[0])
            walls["local"].append(_build(ds, ids, work / "local", jobs=2, scheduler="local")[0])
            wall, result = _build(ds, ids, work / "cluster", scheduler=cluster.scheduler_address)
            walls["cluster"].append(wall)
            if stats is None or result.stats["wall_seconds"] < stats["wall_seconds"]:
                stats = result.stats
    finally:
        cluster.close()
        shutil.rmtree(work, ignore_errors=True)
    best = {k: min(v) for k, v in walls.items()}
    n = len(ids)
    print(f"== {n} account workbooks of sample_dataset(n_customers=1000), min of {args.repeats} "
          f"(machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end)")
    print(f"  --jobs 2:                         {best['jobs2']:7.1f} s  ({1000 * best['jobs2'] / n:.0f} ms per workbook)")
    for key, label in (("cluster", "--scheduler ADDRESS (2 workers)"), ("local", "--scheduler local --jobs 2")):
        print(f"  {label + ':':<33}{best[key]:7.1f} s  -> {best[key] / best['jobs2']:.3f} x --jobs 2"
              f"   (target <= 1.15 x)")

    tasks, workers = stats["tasks"], stats["workers"]
    per_task = stats["task_seconds"] / tasks
    overhead = (stats["wall_seconds"] * workers - stats["task_seconds"]) / tasks
    scatter = len(pickle.dumps(ds, protocol=pickle.HIGHEST_PROTOCOL))
    group = plan_groups(ds, "out", by="customer")[1]
    arg_bytes = len(pickle.dumps(group, protocol=pickle.HIGHEST_PROTOCOL))
    per_bytes = stats["bytes"] / tasks + arg_bytes + scatter * workers / tasks
    print(f"  cluster run: {tasks} tasks on {workers} workers in {stats['wall_seconds']:.1f} s")
    print(f"    cost per task on a worker:     {1000 * per_task:7.1f} ms")
    print(f"    scheduler overhead per task:   {1000 * overhead:7.1f} ms  ((wall x workers - task time) / tasks)")
    print(f"    bytes moved per task:          {per_bytes / 1024:7.1f} KiB  (workbook {stats['bytes'] / tasks / 1024:.1f}"
          f" KiB + arguments {arg_bytes} B + dataset {scatter / 1e6:.1f} MB x {workers} workers / {tasks})")

    sizes = [int(s) for s in args.scaling.split(",") if s]
    rows = _scaling(sizes) if sizes else []
    for size, seconds in rows:
        print(f"  build_group, dataset of {size:>6} customers: {1000 * seconds:7.1f} ms per account workbook")
    if len(rows) >= 2:
        (n0, t0), (n1, t1) = rows[0], rows[-1]
        slope = max((t1 - t0) / (n1 - n0), 0.0)  # noise can make it negative: no growth then
        t100k = t0 + slope * (100_000 - n0)
        scatter_100k = scatter * 100_000 / 1000
        print(f"  extrapolated to 100 000 accounts: {1000 * t100k:.0f} ms per task "
              f"(+{1e6 * slope:.2f} ms per 1 000 customers in the dataset), dataset {scatter_100k / 1e6:.0f} MB")
        for w in (2, 8, 32, 64):
            wall = 100_000 * (t100k + max(overhead, 0.0)) / w
            print(f"    on {w:>2} workers: {wall / 60:6.1f} min (+ sending {scatter_100k / 1e6:.0f} MB to each worker)")


if __name__ == "__main__":
    main()
