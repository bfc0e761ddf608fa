"""A batch built on a Dask distributed cluster: ``cskpi build --scheduler`` (DESIGN.md §10).

:func:`workbook_templates.batch.build_workbooks` with ``scheduler=`` runs
here; the groups, the progress bar, the manifest (``--resume``) and the
:class:`~workbook_templates.batch.BatchResult` are those of every batch.

- The scheduler is an address (``tcp://host:8786``: any deployment, e.g.
  dask-kubernetes, dask-jobqueue, ``dask scheduler`` / ``dask worker``) or
  ``"local"``: a LocalCluster of worker processes on this machine, started for
  the build and closed after it. An address where no scheduler answers fails
  within :data:`CONNECT_TIMEOUT` seconds with a message naming it.
- The dataset (with the period, language and health configuration) is
  scattered once to every worker (``broadcast=True``); each task takes that
  future and one :class:`~workbook_templates.batch.Group` and returns the
  workbook's bytes (:func:`~workbook_templates.batch.build_group`). The
  client writes each file atomically into the output folder, so workers need
  no shared file system, only the same cskpi installed.
- At most ``4 x`` the cluster's threads tasks are in flight (re-read every
  couple of seconds, so a cluster that grows is used): memory stays flat in
  the number of workbooks on the client and on the scheduler.
- A workbook whose build raises is reported by name with its reason (it is
  not retried: the same data fails the same way); the others go on. The
  tasks of a worker that dies are rescheduled by Dask on the others, up to
  ``distributed.scheduler.allowed-failures`` times (3 by default) per task,
  after which that workbook is reported as failed (``KilledWorker``).
- Needs the ``cskpi[dask]`` extra; imported only when ``--scheduler`` is used.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass

import kpi_core
from kpi_core import Dataset, HealthConfig, KpiInputError

from .groups import Group, build_group, failure_reason
from kpi_core.files import atomic_output

__all__ = ["Cluster", "CONNECT_TIMEOUT"]

#: seconds to wait for a scheduler to answer
CONNECT_TIMEOUT = 5

#: tasks in flight per worker thread
_IN_FLIGHT_PER_THREAD = 4


@dataclass(frozen=True)
class _Shared:
    """What every task needs, sent once to each worker."""

    ds: Dataset
    period: kpi_core.Period
    lang: str
    config: HealthConfig | None
    options: dict  # build_group's workbook options (predict, currency)


def _task(shared: _Shared, group: Group) -> tuple[bytes | None, str | None, float]:
    """On a worker: (the workbook's bytes, None, seconds) or (None, why it failed, seconds)."""
    start = time.perf_counter()
    try:
        data = build_group(shared.ds, group, shared.period, lang=shared.lang, config=shared.config, **shared.options)
    except Exception as err:  # noqa: BLE001 - one failing workbook must not stop the batch
        return None, failure_reason(err), time.perf_counter() - start
    return data, None, time.perf_counter() - start


def _probe(distributed, address: str, timeout: float) -> None:
    """Open and close one connection to `address` (OSError when nothing answers within `timeout` s).

    In a thread of its own, so it also works where an event loop is already
    running (a notebook).
    """
    async def probe():
        comm = await distributed.comm.connect(address, timeout=timeout)
        await comm.close()

    errors = []

    def run():
        try:
            asyncio.run(probe())
        except BaseException as err:  # noqa: BLE001 - handed to the caller
            errors.append(err)

    thread = threading.Thread(target=run, name="cskpi-scheduler-probe", daemon=True)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def _distributed():
    try:
        import distributed
    except ImportError:
        raise KpiInputError('--scheduler needs Dask distributed, which is not installed: pip install "cskpi[dask]"',
                            "value") from None
    return distributed


class Cluster:
    """A client of a Dask scheduler (or of a LocalCluster started for the build).

    Parameters
    ----------
    address : str
        ``tcp://host:port`` (``host:port`` means tcp) or ``"local"``.
    workers : int, optional
        With ``"local"``: worker processes (default: one per core), one
        thread each. Ignored with an address.
    timeout : float
        Seconds to wait for the scheduler.

    Raises
    ------
    KpiInputError
        ``distributed`` is not installed, the address is malformed, or no
        scheduler answered within `timeout` seconds.

    Examples
    --------
    >>> Cluster("foo://x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kpi_core.errors.KpiInputError: --scheduler foo://x: unknown address scheme 'foo' ...
    """

    def __init__(self, address: str, workers: int | None = None, timeout: float = CONNECT_TIMEOUT) -> None:
        distributed = _distributed()
        self.address = address
        self._local = None
        if address == "local":
            try:
                self._local = distributed.LocalCluster(
                    n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                    host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR,
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})  # its HTTP server: any free port
                self.client = distributed.Client(self._local, set_as_default=False)
            except Exception as err:  # noqa: BLE001 - said in one line, not a traceback
                self.close()
                raise KpiInputError(f"--scheduler local: could not start a local Dask cluster: "
                                    f"{failure_reason(err)}", "value") from None
            return
        hint = "expected the address of a running Dask scheduler, e.g. tcp://host:8786, or 'local'"
        try:
            # one bare connection first: a Client that fails to connect still tries to close itself when
            # collected, which prints a second, ten-second traceback
            _probe(distributed, address, timeout)
            self.client = distributed.Client(address, timeout=timeout, set_as_default=False)
        except (OSError, ValueError, TypeError) as err:  # unreachable (OSError/TimeoutError) or malformed
            raise KpiInputError(f"--scheduler {address}: {err} ({hint})", "value") from None
        except Exception as err:  # noqa: BLE001 - something answered, but not a Dask scheduler
            raise KpiInputError(f"--scheduler {address}: no Dask scheduler answered there "
                                f"({type(err).__name__}; {hint})", "value") from None

    def _threads(self) -> int:
        workers = self.client.scheduler_info(n_workers=-1).get("workers", {})
        return sum(int(w.get("nthreads", 1)) for w in workers.values())

    def build(self, ds: Dataset, period: kpi_core.Period, groups: list, done, *, lang: str = "en",
              config: HealthConfig | None = None, options: dict | None = None) -> dict:
        """Build `groups` on the cluster, write each file, and call ``done(index, error_or_None)`` for each.

        Returns
        -------
        dict
            ``tasks``, ``task_seconds`` (sum of the time spent in tasks on
            the workers), ``bytes`` (workbook bytes returned), ``workers``
            (at the start), ``wall_seconds`` (from the scatter to the last
            file written).
        """
        distributed = _distributed()
        client = self.client
        stats = {"tasks": 0, "task_seconds": 0.0, "bytes": 0, "workers": 0, "wall_seconds": 0.0}
        if not groups:
            return stats
        start = time.monotonic()
        threads = self._threads()
        stats["workers"] = len(client.scheduler_info(n_workers=-1).get("workers", {}))
        try:
            shared = client.scatter(_Shared(ds, period, lang, config, dict(options or {})), broadcast=True, hash=False)
        except Exception as err:  # noqa: BLE001 - e.g. a cluster without workers: said in one line
            raise KpiInputError(f"--scheduler {self.address}: could not send the dataset to the workers "
                                f"({stats['workers']} connected): {failure_reason(err)}", "value") from None
        prefix = f"cskpi-workbook-{uuid.uuid4().hex[:8]}"
        pending = iter(range(len(groups)))
        running: dict = {}
        queue = distributed.as_completed(loop=client.loop)
        checked = time.monotonic()

        def top_up(threads: int) -> None:
            while len(running) < max(8, _IN_FLIGHT_PER_THREAD * threads):
                i = next(pending, None)
                if i is None:
                    return
                future = client.submit(_task, shared, groups[i], key=f"{prefix}-{i}", pure=False)
                running[future] = i
                queue.add(future)

        top_up(threads)
        for future in queue:
            i = running.pop(future)
            done(i, self._write(future, groups[i], stats))
            del future
            if time.monotonic() - checked > 2:
                threads, checked = self._threads(), time.monotonic()
            top_up(threads)
        stats["wall_seconds"] = time.monotonic() - start
        return stats

    @staticmethod
    def _write(future, group: Group, stats: dict) -> str | None:
        """Write a finished task's workbook; None, or why the workbook failed."""
        try:
            data, error, seconds = future.result()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as err:  # noqa: BLE001 - e.g. KilledWorker: its workers died too often
            return failure_reason(err)
        stats["tasks"] += 1
        stats["task_seconds"] += seconds
        if error is not None:
            return error
        stats["bytes"] += len(data)
        try:
            with atomic_output(group.path) as tmp:
                tmp.write_bytes(data)
        except OSError as err:
            return failure_reason(err)
        return None

    def close(self) -> None:
        """Close the client (its unfinished tasks are cancelled) and the LocalCluster, if one was started."""
        client, self.client = getattr(self, "client", None), None
        if client is not None:
            client.close()
        if self._local is not None:
            self._local.close()
            self._local = None
