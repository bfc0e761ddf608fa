"""Safety limits on the files :func:`kpi_core.load_dataset` reads (one place, documented, adjustable).

An .xlsx is a zip archive of XML parts. A small file can declare or hide a
huge part (a "zip bomb": 7 MB that inflates to 3 GB) or hold tens of millions
of cells or strings. Before any big part is decompressed, the reader checks
the archive's declared sizes and compression ratios; while it streams the
parts it needs (the sheets holding the tables, the shared strings) it counts
the real bytes, cells and strings, and stops at the first limit passed. A
refused file raises :class:`~kpi_core.KpiInputError` naming the file, the
part and the limit, and how to raise it.

Defaults fit a workbook of several million rows. Each can be changed with an
environment variable (for ``cskpi`` users) or a :class:`ReadLimits` passed to
:func:`kpi_core.load_dataset` (``limits=``):

==========================  =========================  ===========
limit                       environment variable       default
==========================  =========================  ===========
``max_file_mb``             ``CSKPI_MAX_FILE_MB``      1024 (file on disk, .xlsx or .csv)
``max_part_mb``             ``CSKPI_MAX_PART_MB``      1024 (one part, uncompressed)
``max_total_mb``            ``CSKPI_MAX_TOTAL_MB``     4096 (all parts, uncompressed)
``max_ratio``               ``CSKPI_MAX_RATIO``        200 (uncompressed / compressed size of a part over 1 MB)
``max_parts``               ``CSKPI_MAX_PARTS``        10000 (members of the archive)
``max_cells``               ``CSKPI_MAX_CELLS``        100 000 000 (cells of the sheets read)
``max_strings``             ``CSKPI_MAX_STRINGS``      20 000 000 (shared strings)
==========================  =========================  ===========

Examples
--------
>>> ReadLimits().max_ratio
200.0
>>> ReadLimits.from_env({"CSKPI_MAX_CELLS": "1000"}).max_cells
1000
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from .errors import KpiInputError

__all__ = ["ReadLimits", "read_limits"]

_ENV = {
    "max_file_mb": "CSKPI_MAX_FILE_MB", "max_part_mb": "CSKPI_MAX_PART_MB", "max_total_mb": "CSKPI_MAX_TOTAL_MB",
    "max_ratio": "CSKPI_MAX_RATIO", "max_parts": "CSKPI_MAX_PARTS", "max_cells": "CSKPI_MAX_CELLS",
    "max_strings": "CSKPI_MAX_STRINGS",
}


@dataclass(frozen=True)
class ReadLimits:
    """Limits on what a dataset file may hold (see the module docstring for each)."""

    max_file_mb: float = 1024.0
    max_part_mb: float = 1024.0
    max_total_mb: float = 4096.0
    max_ratio: float = 200.0
    max_parts: int = 10_000
    max_cells: int = 100_000_000
    max_strings: int = 20_000_000

    @classmethod
    def from_env(cls, environ=None) -> ReadLimits:
        """Defaults overridden by the ``CSKPI_MAX_*`` environment variables that are set."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            text = environ.get(_ENV[f.name])
            if text is None or not text.strip():
                continue
            try:
                value = float(text)
                if value <= 0:
                    raise ValueError
            except ValueError:
                raise KpiInputError(f"{_ENV[f.name]}={text!r}: expected a positive number", "value") from None
            values[f.name] = int(value) if f.type in (int, "int") else value
        return cls(**values)

    @staticmethod
    def env_name(limit: str) -> str:
        """The environment variable that sets `limit` (``"max_cells"`` -> ``"CSKPI_MAX_CELLS"``)."""
        return _ENV[limit]

    def refuse(self, where: str, what: str, limit: str) -> KpiInputError:
        """The error for a file passing `limit`: names the file/part, what was found and how to raise it."""
        value = getattr(self, limit)
        return KpiInputError(
            f"{where}: {what}, over the limit {limit} = {value:g}; the file was not read "
            f"(if it is genuine, raise the limit with the environment variable {_ENV[limit]})", "value",
            location=where)


def read_limits(limits: ReadLimits | None = None) -> ReadLimits:
    """`limits`, or the defaults with the environment's overrides."""
    return limits if limits is not None else ReadLimits.from_env()
