"""Fetch what tests/test_lite.py checks cskpi's install under xlwings Lite against.

Run by ``scripts/setup.sh test`` (``.venv/bin/python scripts/lite_cache.py``);
everything lands in ``.cache/lite/`` (git-ignored):

- ``pyodide/pyodide-lock.json`` and ``pyodide/package.json``: the package
  list of the Pyodide release xlwings Lite runs, from the ``pyodide`` npm
  package (``npm pack``; the npm package carries the lock file, the package
  wheels themselves are served from Pyodide's CDN);
- ``wheel/cskpi-*.whl``: the wheel ``pip install cskpi`` would install
  (``pip wheel . --no-deps``);
- ``pure/*.whl``: for each runtime dependency (and, in turn, theirs) that
  the Pyodide release does not provide, a pure-Python wheel from PyPI
  (``pip download --platform any --abi none``), when one exists.

The test judges; this script only fetches. A dependency without a pure
wheel is reported here and left out, so the test fails on it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

#: The Pyodide release of xlwings Lite: xlwings' changelog (v0.36.6 and v0.36.7, June 2026) fixes
#: "support for Pyodide 314.0.0" in xlwings Lite. tests/test_lite.py reads whatever is fetched here.
PYODIDE_VERSION = "314.0.0"

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "lite"


def _run(*cmd: str) -> None:
    """Run a command quietly; its error output is shown only when it fails."""
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise subprocess.CalledProcessError(done.returncode, cmd, done.stdout, done.stderr)


def _explain(exc: subprocess.CalledProcessError) -> str:
    return f"{' '.join(exc.cmd)} failed:\n{exc.stderr.strip()}"


def fetch_pyodide_lock(version: str = PYODIDE_VERSION) -> Path:
    """``npm pack pyodide@version`` and keep its pyodide-lock.json and package.json."""
    out = CACHE / "pyodide"
    package = out / "package.json"
    if package.exists() and json.loads(package.read_text())["version"] == version:
        return out
    with tempfile.TemporaryDirectory() as tmp:
        _run("npm", "pack", f"pyodide@{version}", "--silent", "--pack-destination", tmp)
        (tgz,) = Path(tmp).glob("pyodide-*.tgz")
        with tarfile.open(tgz) as tar:
            for name in ("pyodide-lock.json", "package.json"):
                member = tar.getmember(f"package/{name}")
                data = tar.extractfile(member).read()
                out.mkdir(parents=True, exist_ok=True)
                (out / name).write_bytes(data)
    return out


def build_wheel() -> Path:
    """``pip wheel . --no-deps`` into .cache/lite/wheel (replacing an older one)."""
    out = CACHE / "wheel"
    shutil.rmtree(out, ignore_errors=True)
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT))
    (wheel,) = out.glob("cskpi-*.whl")
    return wheel


def _requires(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        message = Parser().parsestr(zf.read(meta).decode())
    return [Requirement(r) for r in message.get_all("Requires-Dist") or []]


def fetch_pure_wheels(wheel: Path, lock: dict) -> list[str]:
    """Download pure-Python wheels for the dependencies Pyodide does not provide; returns those without one."""
    python = lock["info"]["python"]
    env = {"sys_platform": "emscripten", "platform_system": "Emscripten", "platform_machine": "wasm32",
           "os_name": "posix", "implementation_name": "cpython", "platform_python_implementation": "CPython",
           "python_version": ".".join(python.split(".")[:2]), "python_full_version": python, "extra": ""}
    provided = {canonicalize_name(name) for name in lock["packages"]}
    out = CACHE / "pure"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    todo, seen, missing = _requires(wheel), set(), []
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if (req.marker and not req.marker.evaluate(env)) or name in provided or name in seen:
            continue
        seen.add(name)
        before = set(out.iterdir())
        try:
            _run(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                 "--platform", "any", "--implementation", "py", "--abi", "none", "--python-version",
                 env["python_version"], "-d", str(out), f"{req.name}{req.specifier}")
        except subprocess.CalledProcessError:
            missing.append(str(req))
            continue
        for new in set(out.iterdir()) - before:
            todo.extend(_requires(new))
    return missing


def main() -> int:
    try:
        folder = fetch_pyodide_lock()
        lock = json.loads((folder / "pyodide-lock.json").read_text())
        wheel = build_wheel()
    except subprocess.CalledProcessError as exc:
        print(_explain(exc), file=sys.stderr)
        return 1
    missing = fetch_pure_wheels(wheel, lock)
    print(f"    Pyodide {PYODIDE_VERSION} package list, {wheel.name} and {len(list((CACHE / 'pure').iterdir()))} "
          f"pure-Python dependency wheels in {CACHE.relative_to(ROOT)}")
    for req in missing:
        print(f"    no pure-Python wheel of {req} (and Pyodide {PYODIDE_VERSION} does not provide it)",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
