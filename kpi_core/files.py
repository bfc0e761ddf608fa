"""Atomic file output: a file is either complete or absent, never half-written.

- The new content goes to a temporary file beside the target, named
  ``.NAME.cskpi-PID-XXXX.tmp``, renamed onto the target when complete (atomic
  on one file system) and removed if anything fails, including SIGINT and
  SIGTERM (the command line turns SIGTERM into an exception). A process
  killed with SIGKILL cannot clean up: the next write into that folder
  removes temporary files whose process is gone.
- A replaced file keeps its permission bits (a 0600 workbook stays 0600);
  a target without any write permission bit (``chmod a-w``) is refused, even
  for root, and so is a read-only folder or file system.
- A failed write raises :class:`OutputError` (an :class:`OSError`) with one
  clear line; the messages of the XML writer's abandoned generators are
  silenced (they would flood stderr).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import re
import stat
import sys
import tempfile
import traceback
from pathlib import Path

__all__ = ["atomic_output", "output_path", "OutputError", "check_writable_folder", "check_output_folder",
           "check_replaceable", "clean_stale_temps"]

_TMP = re.compile(r"^\..+\.cskpi-(\d+)-[^.]+\.tmp$")


class OutputError(OSError):
    """A file could not be written (read-only target or folder, full disk, ...): one line for the user.

    Examples
    --------
    >>> str(OutputError(errno.ENOSPC, "out/a.xlsx: cannot write (the disk is full)"))
    'out/a.xlsx: cannot write (the disk is full)'
    """

    def __str__(self) -> str:
        return str(self.strerror)


def output_path(out, default_name: str) -> Path:
    """`out` itself, or `out`/`default_name` when `out` is a folder (existing, or written with a trailing slash)."""
    text = os.fspath(out)
    path = Path(text)
    if path.is_dir() or text.endswith((os.sep, "/")):
        return path / default_name
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _why(exc: OSError) -> str:
    return {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
            errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
            errno.EPERM: "permission denied"}.get(exc.errno, exc.strerror or str(exc))


def check_writable_folder(folder) -> None:
    """Refuse a folder cskpi must not write in: not a folder, read-only mount, no write permission.

    The permission bits are checked as well as :func:`os.access`, so a folder
    made read-only (``chmod a-w``) is refused even for root, who could write.

    Examples
    --------
    >>> import tempfile
    >>> check_writable_folder(tempfile.mkdtemp())
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise OutputError(errno.ENOTDIR, f"{folder}: not a folder")
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            raise OutputError(errno.EROFS, f"{folder}: the file system is read-only; nothing written")
    except AttributeError:  # pragma: no cover - no statvfs on Windows
        pass
    mode = folder.stat().st_mode
    if not mode & 0o222 or not os.access(folder, os.W_OK):
        raise OutputError(errno.EACCES, f"{folder}: the folder is read-only (mode {stat.S_IMODE(mode):04o}); "
                                        "nothing written")


def _check_target(path: Path) -> int | None:
    """The mode to give the new file (the old file's), refusing a read-only target."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(errno.EISDIR, f"{path}: is a folder; nothing written")
    mode = stat.S_IMODE(st.st_mode)
    if not mode & 0o222:
        raise OutputError(errno.EACCES, f"{path}: the file is read-only (mode {mode:04o}); not replaced "
                                        "(make it writable first, e.g. chmod u+w)")
    return mode


def check_output_folder(folder) -> None:
    """Refuse an output folder that is a file, or that cannot be written (it, or the folder it would be made in).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> check_output_folder(pathlib.Path(tempfile.mkdtemp()) / "new" / "out")
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(errno.ENOTDIR, f"{folder}: is a file, not a folder; nothing written")
    existing = folder
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(errno.ENOTDIR, f"{folder}: {existing} is a file, not a folder; nothing written")
    check_writable_folder(existing)


def check_replaceable(path) -> None:
    """Refuse, before any work, to write `path` when it or its folder is read-only (see :func:`atomic_output`)."""
    path = Path(path)
    _check_target(path)
    if path.parent.exists():
        check_writable_folder(path.parent)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def clean_stale_temps(folder) -> list[Path]:
    """Remove the temporary files left in `folder` by cskpi processes that were killed; return them."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TMP.match(entry.name)
        if m and int(m.group(1)) != os.getpid() and not _pid_alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def _quiet_unraisable():
    """Silence 'Exception ignored in ...' messages (lxml's abandoned xmlfile generators after a failed save)."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        yield
    except BaseException:
        gc.collect()  # only a failed write leaves such generators: a full collection per file costs tens of ms
        raise
    finally:
        sys.unraisablehook = hook


@contextlib.contextmanager
def atomic_output(path):
    """Yield a temporary path beside `path`; on success rename it onto `path`.

    The temporary file lives in the same folder (so the rename is atomic on
    the same file system) and is removed if the block raises: no partial
    output is ever left behind. An existing target keeps its mode; a
    read-only one is refused (:class:`OutputError`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_output(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(exc.errno, f"{path.parent}: cannot create the folder ({_why(exc)}); nothing written") \
            from None
    mode = _check_target(path)
    check_writable_folder(path.parent)
    clean_stale_temps(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.cskpi-{os.getpid()}-", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(exc.errno, f"{path}: cannot write ({_why(exc)}); nothing written") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        with _quiet_unraisable():
            try:
                yield tmp_path
                os.chmod(tmp_path, mode if mode is not None else 0o666 & ~_umask())
                os.replace(tmp_path, path)
            except OSError as exc:
                if isinstance(exc, OutputError) or exc.errno is None:
                    raise
                # free the writer's frames now, while their destructors' errors are silenced
                traceback.clear_frames(exc.__traceback__)
                raise OutputError(exc.errno, f"{path}: cannot write ({_why(exc)}); "
                                             + ("the file is unchanged" if mode is not None else "nothing written")
                                  ) from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
