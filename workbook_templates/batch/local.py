"""Many workbooks from one dataset: the portfolio plus one per CSM, segment or customer.

:func:`build_workbooks` is what ``cskpi build --by`` and ``cskpi demo`` run.

- Groups come from the Customers table (``--by csm`` / ``--by segment``: its
  column of that name; ``--by customer``: one group per customer, built with
  :func:`workbook_templates.account.account_layout`). A group's dataset is
  its customers' rows of every customer-keyed table
  (:func:`~workbook_templates.account.customer_subset`); the company-level
  tables Funnel and Acquisition are left out of group workbooks (they stay
  in the portfolio). Every workbook uses the same report period, that of the
  whole dataset.
- With ``jobs`` > 1 the workbooks are built by a fork-based process pool. The
  dataset and the group definitions sit in a module global set *before* the
  pool starts, so the workers inherit them copy-on-write; only group keys
  and short results travel between processes, and at most ``2 x jobs``
  groups are in flight, so memory stays flat in the number of groups.
  Without ``fork`` (Windows) the build runs in one process.
- Each workbook is written atomically: a file is complete or absent.
- A group that fails is reported and the others go on; the
  :class:`BatchResult` says what was written and what failed, and why.
- With ``scheduler`` the workbooks are built on a Dask distributed cluster
  (:mod:`workbook_templates.batch.distributed`, DESIGN.md §10): the same groups,
  progress bar and result.
- With ``manifest`` (what ``cskpi build`` does) every file written is
  recorded in the folder's manifest (:mod:`workbook_templates.batch.manifest`);
  with ``resume`` the workbooks already complete there (same data and
  settings, checksum intact) are skipped.
"""

from __future__ import annotations

import multiprocessing
import shutil
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import kpi_core
from kpi_core import Dataset, HealthConfig

from ..writing.xlsx import write_xlsx
from .groups import Job, failure_reason, group_layout, plan_groups
from .manifest import Manifest, build_fingerprint

__all__ = ["BatchResult", "build_workbooks", "Progress"]

#: the batch being built: set before the pool forks, so workers inherit it copy-on-write
_JOB: Job | None = None

@dataclass
class BatchResult:
    """What a batch wrote, skipped as already complete (``resume``) and what failed (group label -> reason).

    `stats` holds figures of a ``scheduler`` build (tasks, seconds spent in
    tasks, bytes returned, workers); empty otherwise.
    """

    written: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)
    total: int = 0
    skipped: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every workbook was written (or was already complete)."""
        return not self.failed and len(self.written) + len(self.skipped) == self.total

    @property
    def exit_status(self) -> int:
        """0 when everything was written, 1 otherwise."""
        return 0 if self.ok else 1

    def summary(self) -> str:
        """A few lines: how many were written, where, and each failure with its reason.

        Examples
        --------
        >>> print(BatchResult([Path("out/portfolio.xlsx")], {"csm Zoé": "KpiInputError: bad"}, 2).summary())
        wrote 1 of 2 workbooks in out
        failed: csm Zoé: KpiInputError: bad
        """
        folders = sorted({str(p.parent) for p in [*self.written, *self.skipped]})
        text = f"wrote {len(self.written)} of {self.total} workbooks" + (f" in {', '.join(folders)}" if folders else "")
        if self.skipped:
            text += f"; skipped {len(self.skipped)} already complete"
        return "\n".join([text] + [f"failed: {label}: {reason}" for label, reason in self.failed.items()])


def _build_one(index: int) -> tuple[int, str | None]:
    """Build and write group `index` of :data:`_JOB`; (index, None) or (index, why it failed)."""
    group = _JOB.groups[index]
    try:
        write_xlsx(group_layout(group, _JOB), group.path)
    except Exception as err:  # noqa: BLE001 - one failing group must not stop the batch
        return index, failure_reason(err)
    return index, None


def _run_serial(indices, done) -> None:
    for i in indices:
        done(*_build_one(i))


def _run_pool(indices, jobs: int, done) -> None:
    """Run the groups on `jobs` forked workers, at most 2 x jobs in flight.

    When a worker process dies (SIGKILL, out of memory) the pool breaks and
    every group in flight is lost with it, not only the one that killed it.
    Those groups are then built again one at a time, each in a new
    single-worker pool: a group whose worker dies again is reported failed,
    the others are built; the groups not yet started go on in a new pool.
    """
    todo = list(indices)
    while todo:
        suspects, todo = _pool_round(todo, jobs, done)
        for i in suspects:
            lost, _ = _pool_round([i], 1, done)
            if lost:
                done(i, "its worker process died while building it (killed, or out of memory)")


def _pool_round(indices, jobs: int, done) -> tuple[list, list]:
    """One pool over `indices`: (groups lost with a dead worker, groups not started) -- both empty if none died."""
    pending = list(indices)[::-1]
    ctx = multiprocessing.get_context("fork")
    lost: list = []
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        running = {}
        while pending or running:
            while pending and len(running) < 2 * jobs and not lost:
                i = pending.pop()
                running[pool.submit(_build_one, i)] = i
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                i = running.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    lost.append(i)
                else:
                    done(*result)
            if lost:
                for future, i in list(running.items()):
                    try:
                        done(*future.result())  # finished before the pool broke
                    except BrokenProcessPool:
                        lost.append(i)
                running.clear()
                break
    return lost, pending[::-1]


# -- progress -------------------------------------------------------------------------------------
class Progress:
    """A one-line progress bar on a stream: count/total, rate, ETA, last item.

    Drawn only when the stream is a terminal; :meth:`close` always writes one
    final line.

    Examples
    --------
    >>> import io
    >>> bar = Progress(2, io.StringIO(), "workbooks")
    >>> bar.advance("a"); bar.advance("b", failed=True)
    >>> bar.close().startswith("2/2 workbooks")
    True
    """

    def __init__(self, total: int, stream=None, noun: str = "items") -> None:
        self.total, self.noun = total, noun
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done = self.failed = 0
        self.start = time.monotonic()

    def advance(self, label: str = "", failed: bool = False) -> None:
        """Count one more item done (or failed) and redraw."""
        self.done += 1
        self.failed += bool(failed)
        if self.tty:
            self.stream.write("\r" + self._line(label))
            self.stream.flush()

    def _line(self, label: str) -> str:
        width = shutil.get_terminal_size((80, 20)).columns - 1
        elapsed = max(time.monotonic() - self.start, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate else 0
        filled = int(20 * self.done / max(self.total, 1))
        text = (f"[{'#' * filled}{'.' * (20 - filled)}] {self.done}/{self.total} {rate:.1f}/s "
                f"ETA {int(eta) // 60}:{int(eta) % 60:02d}" + (f" ({self.failed} failed)" if self.failed else "")
                + f" {label}")
        return text[:width].ljust(width)

    def close(self) -> str:
        """Write (and return) the final line."""
        elapsed = time.monotonic() - self.start
        line = f"{self.done}/{self.total} {self.noun} in {elapsed:.1f} s" + (
            f", {self.failed} failed" if self.failed else "")
        self.stream.write(("\r" + " " * (shutil.get_terminal_size((80, 20)).columns - 1) + "\r" if self.tty else "")
                          + line + "\n")
        self.stream.flush()
        return line


def build_workbooks(ds: Dataset, out_dir, *, by: str | None = None, lang: str = "en", period_start=None,
                    period_end=None, jobs: int | None = 1, config: HealthConfig | None = None,
                    progress=None, only=None, manifest: bool = False, resume: bool = False,
                    scheduler: str | None = None, predict: bool = False, currency: str = "") -> BatchResult:
    """Write the portfolio workbook and one workbook per group of `by` into `out_dir`.

    Parameters
    ----------
    ds : Dataset
    out_dir : str or Path
        Folder to write to (created if needed).
    by : {"csm", "segment", "customer"}, optional
        How to split; None writes the portfolio only.
    lang : {"en", "fr"}
    period_start, period_end : str or date, optional
        The report period of every workbook (default: the last six months of `ds`).
    jobs : int, default 1
        Worker processes (fork-based; one process where fork is unavailable).
        With ``scheduler="local"``: the LocalCluster's worker processes (None:
        one per core); ignored with a scheduler address.
    config : HealthConfig, optional
    progress : file-like, optional
        Where the progress bar goes (default ``sys.stderr``).
    only : collection of str, optional
        Build only the groups with these keys (a CSM, a segment, a customer id;
        ``"portfolio"`` for the portfolio); default: all of them.
    manifest : bool, default False
        Record each file written in `out_dir`'s manifest
        (``.cskpi-manifest.jsonl``, see :mod:`workbook_templates.batch.manifest`),
        so that a later build with `resume` can skip it.
    resume : bool, default False
        Skip the workbooks already complete in `out_dir` according to its
        manifest (a missing, truncated or stale file is built again); implies
        `manifest`.
    scheduler : str, optional
        Build on a Dask distributed cluster: its address (``tcp://host:8786``)
        or ``"local"`` for a LocalCluster on this machine
        (:class:`workbook_templates.distributed.Cluster`); needs the
        ``cskpi[dask]`` extra.
    predict : bool, default False
        Give the portfolio workbook the Customer value sheet (fits the
        BG/NBD and Gamma-Gamma models once; needs ``cskpi[predict]``).
    currency : str, optional
        Shown with money amounts in every workbook.

    Returns
    -------
    BatchResult

    Raises
    ------
    KpiInputError
        Bad period or `by` (before anything is written); with `scheduler`,
        no ``distributed`` installed or no scheduler answering at the address.

    Examples
    --------
    >>> import io, tempfile
    >>> out = tempfile.mkdtemp()
    >>> result = build_workbooks(kpi_core.sample_dataset(n_customers=12), out, by="segment", progress=io.StringIO())
    >>> result.ok, sorted(p.name for p in result.written)
    (True, ['portfolio.xlsx', 'segment_Enterprise.xlsx', 'segment_Mid-Market.xlsx', 'segment_SMB.xlsx'])
    """
    period = kpi_core.report_period(ds, period_start, period_end)
    groups = plan_groups(ds, out_dir, by, lang)
    if only is not None:
        keep = set(only)
        groups = [g for g in groups if g.key in keep]
    cluster = None
    if scheduler is not None:  # connect first: a bad address fails before anything is written
        from .distributed import Cluster

        cluster = Cluster(scheduler, workers=jobs)
    try:
        return _build(ds, period, groups, out_dir, lang, config, jobs, progress, manifest or resume, resume,
                      cluster, {"predict": predict, "currency": currency})
    finally:
        if cluster is not None:
            cluster.close()


def _build(ds, period, groups, out_dir, lang, config, jobs, progress, record, resume, cluster,
           options) -> BatchResult:
    global _JOB
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    # -- resume: the manifest says which files are complete; only the others are built ----------
    manifest = Manifest(out_dir, build_fingerprint(ds, period, lang, config, options)) if record else None
    result = BatchResult(total=len(groups))
    if resume:
        result.skipped = [g.path for g in groups if manifest.complete(g.path)]
        complete = set(result.skipped)
        groups = [g for g in groups if g.path not in complete]
    if manifest is not None:
        manifest.forget(g.path for g in groups)
    bar = Progress(len(groups), progress, "workbooks")

    def done(index: int, error: str | None) -> None:
        group = groups[index]
        if error is None:
            if manifest is not None:
                manifest.record(group.path)
            result.written.append(group.path)
        else:
            result.failed[group.label] = error
        bar.advance(group.path.name, failed=error is not None)

    _JOB = Job(ds, period, lang, config, dict(enumerate(groups)), **options)
    try:
        if cluster is not None:
            result.stats = cluster.build(ds, period, groups, done, lang=lang, config=config, options=options)
        else:
            jobs = max(1, min(int(jobs or 1), len(groups)))
            if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
                _run_serial(range(len(groups)), done)
            else:
                _run_pool(range(len(groups)), jobs, done)
    finally:
        _JOB = None
        if manifest is not None:
            manifest.close()
        bar.close()
    order = {g.path: i for i, g in enumerate(groups)}
    result.written.sort(key=order.__getitem__)
    return result
