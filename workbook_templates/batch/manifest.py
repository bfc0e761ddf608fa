"""Which workbooks of a folder are complete: the build manifest behind ``cskpi build --resume``.

A build appends one JSON line to ``DIR/.cskpi-manifest.jsonl`` for each file
it has put in place (after the atomic rename): its name, size, SHA-256 and
the fingerprint of the build (dataset, period, language, health
configuration). A file counts as complete only when the last line for its
name has this build's fingerprint and the file on disk has that size and
checksum, so a file that is missing, truncated, edited, or left by a build
of other data or another period is built again.

- The manifest is created with its first line. At the start of a build it
  is rewritten (atomically) without the lines of the files this build is
  about to write, so it does not grow from build to build.
- Lines are flushed as they are written and fsynced at most once a second
  (and at the end): a build killed at any moment loses no line; a machine
  crash loses at most the last second's, whose files are then rebuilt. A
  torn last line is ignored.
- One build at a time per folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from kpi_core import HealthConfig

from kpi_core.files import atomic_output

__all__ = ["MANIFEST_NAME", "Manifest", "build_fingerprint", "file_sha256"]

#: the manifest's file name inside the output folder (hidden: starts with a dot)
MANIFEST_NAME = ".cskpi-manifest.jsonl"

#: seconds between two fsyncs of the manifest
_FSYNC_EVERY = 1.0


def file_sha256(data_or_path) -> str:
    """The SHA-256 (hex) of bytes or of a file's content.

    Examples
    --------
    >>> file_sha256(b"abc")[:16]
    'ba7816bf8f01cfea'
    """
    if isinstance(data_or_path, (bytes, bytearray, memoryview)):
        return hashlib.sha256(data_or_path).hexdigest()
    digest = hashlib.sha256()
    with open(data_or_path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def build_fingerprint(ds, period, lang: str, config=None, options=None) -> str:
    """A short hash of what a build's workbooks depend on: every table's data, the period, language, config
    and the workbook options (currency, Customer value sheet).

    Vectorised (:func:`pandas.util.hash_pandas_object` per table): a fraction
    of a second for millions of rows.

    Examples
    --------
    >>> import kpi_core
    >>> ds = kpi_core.sample_dataset(n_customers=5)
    >>> period = kpi_core.report_period(ds)
    >>> build_fingerprint(ds, period, "en") == build_fingerprint(ds, period, "en")
    True
    >>> build_fingerprint(ds, period, "en") == build_fingerprint(ds, period, "fr")
    False
    """
    digest = hashlib.sha256()
    config = config if config is not None else HealthConfig()  # None builds with the defaults
    digest.update(repr((f"{period.start:%Y-%m}", f"{period.end:%Y-%m}", lang, config,
                        sorted((options or {}).items()))).encode())
    for name in sorted(ds.tables):
        frame = ds.tables[name]
        digest.update(repr((name, list(frame.columns), [str(t) for t in frame.dtypes])).encode())
        digest.update(np.ascontiguousarray(pd.util.hash_pandas_object(frame, index=False).to_numpy()).tobytes())
    return digest.hexdigest()[:32]


class Manifest:
    """The manifest of `folder` for a build with `fingerprint`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.xlsx").write_bytes(b"complete")
    >>> with Manifest(folder, "build-1") as m:
    ...     m.record(folder / "a.xlsx")
    >>> Manifest(folder, "build-1").complete(folder / "a.xlsx")
    True
    >>> _ = (folder / "a.xlsx").write_bytes(b"compl")  # truncated
    >>> Manifest(folder, "build-1").complete(folder / "a.xlsx")
    False
    """

    def __init__(self, folder, fingerprint: str) -> None:
        self.folder = Path(folder)
        self.path = self.folder / MANIFEST_NAME
        self.fingerprint = fingerprint
        self.entries: dict[str, dict] = {}
        self._file = None
        self._synced = 0.0
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except (FileNotFoundError, UnicodeDecodeError):
            lines = []
        for line in lines:
            try:
                entry = json.loads(line)
                self.entries[str(entry["name"])] = entry
            except (ValueError, KeyError, TypeError):
                continue  # a torn or foreign line: its file is simply not known complete

    def complete(self, path) -> bool:
        """True when `path` was written by a build with this fingerprint and is unchanged since (size, SHA-256)."""
        path = Path(path)
        entry = self.entries.get(path.name)
        if entry is None or entry.get("build") != self.fingerprint:
            return False
        try:
            if path.stat().st_size != entry.get("size"):
                return False
            return file_sha256(path) == entry.get("sha256")
        except OSError:
            return False

    def forget(self, rebuilding) -> None:
        """Rewrite the manifest (if there is one) without the lines of `rebuilding` (paths or file names)."""
        drop = {Path(p).name for p in rebuilding}
        if not self.path.exists() or not drop & set(self.entries):
            return
        self.entries = {name: e for name, e in self.entries.items() if name not in drop}
        with atomic_output(self.path) as tmp:
            tmp.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in self.entries.values()),
                           encoding="utf-8")

    def record(self, path, data: bytes | None = None) -> None:
        """Append the line of `path` (just put in place; `data`: its bytes, if at hand)."""
        if self._file is None:  # the manifest is created with its first line
            self._file = open(self.path, "a", encoding="utf-8")
        path = Path(path)
        size = len(data) if data is not None else path.stat().st_size
        entry = {"name": path.name, "size": size, "sha256": file_sha256(data if data is not None else path),
                 "build": self.fingerprint}
        self.entries[path.name] = entry
        self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._file.flush()
        now = time.monotonic()
        if now - self._synced >= _FSYNC_EVERY:
            os.fsync(self._file.fileno())
            self._synced = now

    def close(self) -> None:
        """Fsync and close the manifest."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None

    def __enter__(self) -> Manifest:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
