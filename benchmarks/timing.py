"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import resource
import time

__all__ = ["best", "peak_mb"]


def best(fn, repeat: int = 3) -> float:
    """The shortest of `repeat` wall-clock timings of ``fn()``, in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
