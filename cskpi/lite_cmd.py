"""``cskpi lite``: the requirements.txt and main.py a workbook needs to run cskpi in xlwings Lite.

xlwings Lite (the free Excel add-in that runs Python inside Excel on Windows,
macOS and Excel on the web) keeps a workbook's Python in two tabs of its
editor: requirements.txt (installed with micropip when edited) and main.py
(whose ``@func`` functions and ``@script`` functions it registers). For
cskpi they are one line each, besides xlwings itself:

- requirements.txt: ``xlwings==X`` and ``cskpi==Y`` (the versions installed
  here: the combination the tests ran), or ``cskpi @ URL`` with
  ``--wheel-url`` for a wheel hosted somewhere Lite can fetch it (cskpi is
  not on PyPI);
- main.py: ``from addin.lite import *`` (:mod:`addin.lite`).

Without ``--out`` both are printed; with ``--out DIR`` they are written to
``DIR/requirements.txt`` and ``DIR/main.py`` (atomically).
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

from kpi_core import KpiInputError

__all__ = ["add_parser", "cmd_lite", "lite_files", "MAIN_PY"]

#: the whole main.py of a cskpi workbook in xlwings Lite
MAIN_PY = "from addin.lite import *  # every cskpi Excel function (=NPS, =NRR, ...) and task-pane script\n"

_DESCRIPTION = """Print (or, with --out DIR, write) the requirements.txt and main.py that make a workbook's
xlwings Lite add-in load cskpi: its Excel functions (=NPS(...), =NRR(...), ...) and its task-pane scripts
(Refresh KPIs, Validate data, Health scores, MRR movements, Build KPI workbook). Paste them into the
requirements.txt and main.py tabs of the xlwings Lite editor. Versions are pinned to the ones installed here."""

_NOTE_INDEX = """cskpi is not on PyPI: the line `cskpi=={version}` installs only where an index serves it (a
self-hosted xlwings Lite whose XLWINGS_PYPI_INDEX_URL has it). Otherwise build the wheel from the cskpi sources
(`pip wheel . --no-deps -w dist`), put dist/cskpi-{version}-py3-none-any.whl at an https URL that allows
cross-origin requests, and run `cskpi lite --wheel-url URL`."""

#: a wheel file name (PEP 427): name-version(-build)?-python-abi-platform.whl
_WHEEL = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(?:-\d[^-]*)?-(?P<py>[^-]+)-(?P<abi>[^-]+)-(?P<plat>[^-]+)\.whl$")


def _check_wheel_url(url: str, version: str) -> None:
    """Refuse a URL that is not an https/http link to this version's pure-Python cskpi wheel."""
    if not re.match(r"^https?://[^\s/]+/\S+$", url):
        raise KpiInputError(f"--wheel-url {url!r}: not an http(s) URL", "value", location="--wheel-url")
    name = url.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]
    match = _WHEEL.match(name)
    if not match or match["name"].lower() != "cskpi":
        raise KpiInputError(f"--wheel-url {url!r}: the file is not a cskpi wheel (cskpi-{version}-py3-none-any.whl)",
                            "value", location="--wheel-url")
    if match["version"] != version:
        raise KpiInputError(f"--wheel-url {url!r}: the wheel is cskpi {match['version']}, but cskpi {version} is "
                            "installed here (the functions and scripts were tested with this one)", "value",
                            location="--wheel-url")
    if (match["abi"], match["plat"]) != ("none", "any"):
        raise KpiInputError(f"--wheel-url {url!r}: not a pure-Python wheel (…-none-any.whl), which xlwings Lite "
                            "needs", "value", location="--wheel-url")


def lite_files(wheel_url: str | None = None) -> dict[str, str]:
    """The files a workbook needs in xlwings Lite: ``{"requirements.txt": ..., "main.py": ...}``.

    Parameters
    ----------
    wheel_url : str, optional
        Where Lite downloads the cskpi wheel (``https://.../cskpi-0.1.0-py3-none-any.whl``);
        by default cskpi is required by name and version.

    Raises
    ------
    KpiInputError
        For a `wheel_url` that is not an http(s) link to the installed version's pure-Python wheel.

    Examples
    --------
    >>> files = lite_files()
    >>> files["main.py"].startswith("from addin.lite import *")
    True
    >>> files["requirements.txt"].splitlines()[1].startswith("cskpi==")
    True
    """
    version = metadata.version("cskpi")
    if wheel_url is None:
        cskpi = f"cskpi=={version}"
    else:
        _check_wheel_url(wheel_url, version)
        cskpi = f"cskpi @ {wheel_url}"
    requirements = f"xlwings=={metadata.version('xlwings')}\n{cskpi}\n"
    return {"requirements.txt": requirements, "main.py": MAIN_PY}


def cmd_lite(args) -> int:
    """Print or write the xlwings Lite files; exit 2 for a bad --wheel-url or an unwritable --out."""
    from kpi_core.files import atomic_output

    from .data_cmds import refuse_overwrite

    files = lite_files(args.wheel_url)
    if args.out is None:
        for name, text in files.items():
            print(f"# ---- {name} " + "-" * (60 - len(name)))
            print(text, end="")
        print()
    else:
        refuse_overwrite(Path(args.out), files, args.force)
        for name, text in files.items():
            with atomic_output(Path(args.out) / name) as tmp:
                tmp.write_text(text, encoding="utf-8")
            print(f"wrote {Path(args.out) / name}")
    if args.wheel_url is None:
        print(_NOTE_INDEX.format(version=metadata.version("cskpi")), file=sys.stderr)
    return 0


def add_parser(sub) -> None:
    """Register ``cskpi lite`` on the command line's sub-parsers."""
    p = sub.add_parser("lite", help="the requirements.txt and main.py of a workbook using cskpi in xlwings Lite",
                       description=_DESCRIPTION)
    p.add_argument("--out", metavar="DIR", help="write DIR/requirements.txt and DIR/main.py instead of printing them")
    p.add_argument("--force", action="store_true", help="with --out: replace the files already there")
    p.add_argument("--wheel-url", metavar="URL",
                   help="require cskpi from this wheel (https://.../cskpi-VERSION-py3-none-any.whl) instead of by name")
    p.set_defaults(func=cmd_lite)
