"""cskpi in xlwings Lite (issue 16): the entry module, the install under Pyodide, the scripts' numbers.

- The Lite entry module (``addin.lite``) is imported in a fresh interpreter
  with thread starts, subprocesses, process starts and file writes refused,
  the way xlwings Lite builds the workbook's main module (its source executed
  into a new module), and xlwings' own ``custom_functions_meta`` /
  ``custom_scripts_meta`` must list every function of DESIGN.md §8 (the list
  below is copied from DESIGN.md, not read from the code) and every script.
- The wheel ``pip install cskpi`` installs: every runtime dependency, and
  theirs, is in the package list of the Pyodide release xlwings Lite runs
  (pyodide-lock.json of the ``pyodide`` npm package) at a version the
  requirement accepts, or is a pure-Python wheel. ``scripts/setup.sh test``
  fetches both into .cache/lite (``scripts/lite_cache.py``); a missing file
  fails the test.
- The scripts run through xlwings' Office.js path (a payload made from a
  generated workbook file, ``custom_scripts_call``, the returned actions) and
  the cells and names the actions write equal those of a headless
  ``cskpi refresh`` (``refresh_workbook``) of the same file; recalculated by
  LibreOffice, the replayed workbook's KPIs equal kpi_core's (``engine``).
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from email.parser import Parser
from pathlib import Path

import openpyxl
import pytest
import xlwings as xw
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version
from xlwings.server import custom_scripts_call

import kpi_core
from cskpi.cli import main as cli_main
from cskpi.lite_cmd import lite_files
from addin import lite, udfs
from workbook_templates import portfolio_layout, refresh_workbook, write_xlsx

from _officejs import book_json, excel_value, replay, targets
from _workbooks import assert_kpis_equal, sheet_cells, workbook_kpis

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "lite"

#: DESIGN.md §8, the Excel function catalogue, in its order
DESIGN_FUNCTIONS = (
    "NPS", "NPS_CI", "NPS_TEST", "NPS_BREAKDOWN", "CSAT", "CES", "CES_AGREE", "CHURN_RATE", "REVENUE_CHURN",
    "NRR", "GRR", "RETENTION_RATE", "NET_CUSTOMER_CHANGE", "QUICK_RATIO", "MRR", "ARR", "ARPA", "FCR",
    "AVG_RESPONSE_TIME", "AVERAGE_BASKET", "PURCHASE_FREQUENCY", "REPURCHASE_RATE", "CLV", "SAAS_LTV", "CAC",
    "CONVERSION_RATE", "ABANDONMENT_RATE", "HEALTH_SCORE", "HEALTH_STATUS", "MRR_MOVEMENTS", "COHORT_RETENTION",
    "P_ALIVE", "EXPECTED_PURCHASES", "AUC",
)
#: §8 functions whose UDF is being added on another branch (AUC: DESIGN.md §13, the health-score backtest).
#: Strict: once it lands in addin.udfs, the xfail turns into a failure and this set must be emptied.
PENDING: set = set()
#: the ribbon's buttons as task-pane scripts (README "The ribbon"), Python names
SCRIPTS = ("cskpi_build_workbook", "cskpi_export_per_csm", "cskpi_health_scores", "cskpi_help",
           "cskpi_mrr_movements", "cskpi_refresh_kpis", "cskpi_validate_data")


# ---------------------------------------------------------------- the entry module, imported as Lite does

_GUARDED_IMPORT = textwrap.dedent("""
    import asyncio, builtins, io, json, os, subprocess, sys, threading, types
    import multiprocessing, multiprocessing.pool, multiprocessing.process
    os.environ["XLWINGS_ON_SERVER"] = "true"   # what xlwings Lite's runtime sets before importing xlwings
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    refused = []
    # matplotlib (installed here by the predict extra, not by `pip install cskpi`, so not in a Lite workbook)
    # creates its config folder when xlwings imports it: keep it out, as it is out of a Lite install
    sys.modules["matplotlib"] = None

    def refuse(what):
        def call(*args, **kwargs):
            refused.append(what)
            raise RuntimeError(what + " while importing")
        return call

    threading.Thread.start = refuse("threading.Thread.start")
    subprocess.Popen.__init__ = refuse("subprocess.Popen")
    multiprocessing.process.BaseProcess.start = refuse("multiprocessing Process.start")
    multiprocessing.pool.Pool.__init__ = refuse("multiprocessing.Pool")
    os.fork = refuse("os.fork")
    _open, _os_open = builtins.open, os.open

    def guarded_open(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+"):
            refuse(f"open({file!r}, {mode!r})")()
        return _open(file, mode, *args, **kwargs)

    def guarded_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refuse(f"os.open({path!r}) for writing")()
        return _os_open(path, flags, *args, **kwargs)

    builtins.open = io.open = guarded_open
    os.open = guarded_os_open
    os.mkdir = refuse("os.mkdir")

    # xlwings Lite executes the workbook's main.py source into a new module and registers its members
    main = types.ModuleType("main")
    exec(sys.argv[1], main.__dict__)
    sys.modules["main"] = main
    from xlwings.server import custom_functions_call, custom_functions_meta, custom_scripts_meta
    meta = custom_functions_meta(main)
    payload = {"func_name": "nps", "args": [[[10], [9], [8], [3]]], "version": "0", "client": "Office.js",
               "runtime": "1.4"}
    nps = asyncio.run(custom_functions_call(payload, main))
    print(json.dumps({"functions": [f["name"] for f in meta["functions"]],
                      "scripts": [s["function_name"] for s in custom_scripts_meta(main)],
                      "nps": nps, "refused": refused}))
""")


def _import_guarded(main_py: str, extra_path: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XLWINGS_")}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (extra_path, ROOT) if p)
    return subprocess.run([sys.executable, "-B", "-c", _GUARDED_IMPORT, main_py], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def lite_import():
    done = _import_guarded(lite_files()["main.py"])  # the main.py `cskpi lite` gives
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_lite_main_py_registers_every_script_without_threads_processes_or_files(lite_import):
    assert lite_import["refused"] == []
    assert sorted(lite_import["scripts"]) == list(SCRIPTS)
    # =NPS over 10, 9, 8, 3: promoters 2, detractors 1 of 4 answers -> 100 * (2 - 1) / 4
    assert lite_import["nps"] == [[25.0]]


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason="its UDF is added on another branch"))
    if n in PENDING else n for n in DESIGN_FUNCTIONS])
def test_lite_main_py_registers_every_design_function(lite_import, name):
    assert name in lite_import["functions"]


def test_lite_exposes_exactly_the_udfs_and_the_ribbon_scripts(lite_import):
    udf_names = {n.upper() for n, f in vars(udfs).items() if hasattr(f, "__xlfunc__")}
    assert set(lite_import["functions"]) == udf_names == set(lite.FUNCTIONS)
    assert udf_names == set(DESIGN_FUNCTIONS) - PENDING  # nothing registered that §8 does not name
    assert lite.SCRIPTS == SCRIPTS
    assert lite.mrr_movements is udfs.mrr_movements  # the =MRR_MOVEMENTS function, not the ribbon macro


def test_the_guard_catches_a_module_that_starts_a_thread_at_import(tmp_path):
    # the harness's patches are live: an import that starts a thread or writes a file is caught
    (tmp_path / "noisy.py").write_text("import threading\nthreading.Thread(target=print).start()\n")
    (tmp_path / "writer.py").write_text("open('cache.txt', 'w').write('x')\n")
    for module in ("noisy", "writer"):
        done = _import_guarded(f"import {module}", tmp_path)
        assert done.returncode != 0 and "while importing" in done.stderr
    assert not (ROOT / "cache.txt").exists()


# ---------------------------------------------------------------- the install under Pyodide

#: environment markers of Pyodide (sys.platform "emscripten", platform.system() "Emscripten", wasm32)
def _pyodide_env(python: str) -> dict:
    return {"sys_platform": "emscripten", "platform_system": "Emscripten", "platform_machine": "wasm32",
            "os_name": "posix", "implementation_name": "cpython", "platform_python_implementation": "CPython",
            "python_version": ".".join(python.split(".")[:2]), "python_full_version": python, "extra": ""}


def _metadata(wheel: Path):
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(zf.read(name).decode())
        wheel_info = next(n for n in zf.namelist() if n.endswith(".dist-info/WHEEL"))
        info = Parser().parsestr(zf.read(wheel_info).decode())
    return meta, info


def _requires(meta) -> list[Requirement]:
    """The requirements of ``pip install NAME`` (an extra's are left out)."""
    every = [Requirement(r) for r in meta.get_all("Requires-Dist") or []]
    return [r for r in every if "extra" not in str(r.marker or "")]


def unmet_requirements(requirements, lock: dict, pure: dict) -> list[str]:
    """Requirements (and theirs) neither provided by the Pyodide lock at an accepted version nor pure Python.

    `pure` maps a canonical name to a wheel file; a wheel counts as pure when
    its tags are ``none-any`` and its WHEEL file says ``Root-Is-Purelib: true``.
    """
    env = _pyodide_env(lock["info"]["python"])
    provided = {canonicalize_name(n): p for n, p in lock["packages"].items()}
    problems, seen, todo = [], set(), list(requirements)
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if (req.marker and not req.marker.evaluate(env)) or (name, str(req.specifier)) in seen:
            continue
        seen.add((name, str(req.specifier)))
        if name in provided:
            version = provided[name]["version"]
            if not req.specifier.contains(Version(version), prereleases=True):
                problems.append(f"{req}: Pyodide provides {name} {version}, which the requirement excludes")
            continue
        wheel = pure.get(name)
        if wheel is None:
            problems.append(f"{req}: not in Pyodide's package list and no pure-Python wheel")
            continue
        _, version, _, tags = parse_wheel_filename(wheel.name)
        meta, info = _metadata(wheel)
        if not all(t.abi == "none" and t.platform == "any" for t in tags) or info["Root-Is-Purelib"] != "true":
            problems.append(f"{req}: {wheel.name} is not pure Python")
        elif not req.specifier.contains(version, prereleases=True):
            problems.append(f"{req}: the pure-Python wheel is {version}")
        else:
            todo.extend(_requires(meta))
    return problems


@pytest.fixture(scope="module")
def pyodide_lock() -> dict:
    path = CACHE / "pyodide" / "pyodide-lock.json"
    assert path.exists(), f"{path} is missing: run `bash scripts/setup.sh test` (it fetches it with npm)"
    return json.loads(path.read_text())


def test_every_runtime_dependency_is_in_pyodide_or_pure_python(pyodide_lock):
    wheels = sorted((CACHE / "wheel").glob("cskpi-*.whl"))
    assert wheels, f"no cskpi wheel in {CACHE / 'wheel'}: run `bash scripts/setup.sh test`"
    wheel = wheels[-1]
    meta, info = _metadata(wheel)
    # the wheel is the one of these sources (setup.sh builds it; re-run it after editing pyproject.toml)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["Version"] == project["version"]
    assert sorted(map(str, _requires(meta))) == sorted(str(Requirement(r)) for r in project["dependencies"])
    assert wheel.name.endswith("-py3-none-any.whl") and info["Root-Is-Purelib"] == "true"
    python = pyodide_lock["info"]["python"]
    assert Version(python) in SpecifierSet(meta["Requires-Python"])
    pure = {canonicalize_name(parse_wheel_filename(p.name)[0]): p for p in (CACHE / "pure").glob("*.whl")}
    assert unmet_requirements(_requires(meta), pyodide_lock, pure) == []
    # lxml, pyarrow and the extras' heavy packages are not what `pip install cskpi` brings
    names = {canonicalize_name(r.name) for r in _requires(meta) if not r.marker}
    assert {"numpy", "pandas", "openpyxl", "xlwings", "python-calamine"} <= names
    assert not names & {"lxml", "pyarrow", "scipy", "pymc-marketing", "distributed"}


def test_the_dependency_check_rejects_binary_missing_and_out_of_range_packages(pyodide_lock, tmp_path):
    binary = tmp_path / "fastthing-1.0-cp314-cp314-manylinux_2_17_x86_64.whl"
    with zipfile.ZipFile(binary, "w") as zf:
        zf.writestr("fastthing-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: fastthing\nVersion: 1.0\n")
        zf.writestr("fastthing-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: false\n")
    pure = {"fastthing": binary}
    problems = unmet_requirements([Requirement("fastthing"), Requirement("pywin32>=300"),
                                   Requirement("numpy>=99"), Requirement("pandas"),
                                   Requirement("pywin32; sys_platform == 'win32'")], pyodide_lock, pure)
    assert len(problems) == 3, problems
    assert any("fastthing" in p and "not pure Python" in p for p in problems)
    assert any(p.startswith("pywin32>=300: not in Pyodide") for p in problems)
    assert any(p.startswith("numpy>=99: Pyodide provides numpy") for p in problems)


# ---------------------------------------------------------------- the scripts through xlwings' Office.js path

PERIOD = ("2026-05", "2026-10")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A portfolio workbook written by `write_xlsx`, then edited: a new month's MRR and a new NPS answer."""
    folder = tmp_path_factory.mktemp("lite")
    ds = kpi_core.sample_dataset(seed=5, n_customers=12)
    path = write_xlsx(portfolio_layout(ds, *PERIOD), folder / "book.xlsx")
    wb = openpyxl.load_workbook(path)
    subs = wb["Subscriptions"]
    last = subs.max_row
    for i, (customer, mrr) in enumerate([(subs.cell(2, 1).value, 900.0), (subs.cell(3, 1).value, 15.5)]):
        for j, value in enumerate([customer, dt.datetime(2026, 11, 1), mrr]):
            subs.cell(last + 1 + i, 1 + j).value = value
    subs.tables["Subscriptions"].ref = f"A1:C{last + 2}"
    wb.save(path)
    return path


def run_script(path: Path, script: str):
    """Run a Lite script on the file's Office.js payload; returns (payload, actions)."""
    payload = book_json(path)
    book = xw.Book(json=copy.deepcopy(payload))
    result = asyncio.run(custom_scripts_call(lite, script, typehint_to_value={xw.Book: book}))
    return payload, result.json()["actions"]


def cells(path: Path, titles) -> dict:
    """{title: {(row, col): value}} of the non-empty cells, numbers as floats (JSON has no int/float split) to
    16 significant digits: :func:`_officejs.replay` saves with openpyxl, which writes a float with 16 digits,
    so both sides are compared as that medium keeps them."""
    def same(value):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(f"{value:.16g}")
        return value

    return {title: {k: same(v) for k, v in grid.items() if v != ""}
            for title, grid in sheet_cells(path, titles).items()}


def names(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {n: d.attr_text.replace("$", "") for n, d in wb.defined_names.items()}


@pytest.mark.parametrize("script,titles", [
    ("cskpi_refresh_kpis", None),
    ("cskpi_health_scores", ("Health", "calc_health")),
    ("cskpi_mrr_movements", ("MRR movements", "calc_mrr")),
])
def test_script_writes_what_a_headless_refresh_writes(built, tmp_path, script, titles):
    payload, actions = run_script(built, script)
    assert actions[-1]["func"] == "alert" and actions[-1]["args"][3] == "info", actions[-1]
    replayed = replay(payload, actions, built, tmp_path / "replayed.xlsx")
    (tmp_path / "headless").mkdir()
    headless = Path(shutil.copy(built, tmp_path / "headless" / built.name))  # same name: the Dashboard cites it
    refresh_workbook(headless)
    written = {title for title, a in targets(payload, actions) if a["func"] in ("setValues", "setFormula")}
    if titles is None:  # Refresh: every computed sheet
        titles = sorted(written)
        assert {"Dashboard", "Revenue", "MRR movements", "Health", "calc_mrr", "calc_health"} <= set(titles)
    else:
        assert written == set(titles)
    got, expected = cells(replayed, titles), cells(headless, titles)
    for title in titles:
        assert got[title] == expected[title], (title, _first_difference(got[title], expected[title]))
    # the refresh had something to do: the new month (November) is on calc_mrr / MRR movements
    original = cells(built, titles)
    assert any(original[t] != got[t] for t in titles)
    # the names pointing into these sheets are where the headless refresh points them
    def into(path):
        return {n: v for n, v in names(path).items() if v.rpartition("!")[0].strip("'") in titles}
    assert into(replayed) == into(headless)


def _first_difference(a: dict, b: dict):
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            return key, a.get(key), b.get(key)
    return None


def test_values_written_as_text_or_dates_are_read_back_as_excel_stores_them():
    assert excel_value("'=HYPERLINK(\"x\")") == '=HYPERLINK("x")'
    assert excel_value("2026-11-01") == dt.datetime(2026, 11, 1)
    assert excel_value("") is None and excel_value(3.5) == 3.5 and excel_value("Acme") == "Acme"


@pytest.mark.engine
def test_refresh_script_kpis_recalculated_equal_kpi_core(built, tmp_path):
    payload, actions = run_script(built, "cskpi_refresh_kpis")
    replayed = replay(payload, actions, built, tmp_path / "replayed.xlsx")
    edited = kpi_core.load_dataset(built)
    expected = kpi_core.headline_kpis(edited, *PERIOD)
    assert_kpis_equal(workbook_kpis(replayed, tmp_path), expected)
    prev = kpi_core.previous_period(kpi_core.report_period(edited, *PERIOD))
    assert_kpis_equal(workbook_kpis(replayed, tmp_path, prefix="KPI_PREV_"),
                      kpi_core.headline_kpis(edited, prev.start, prev.end))


@pytest.mark.slow
def test_build_script_adds_the_cli_workbook_to_a_data_only_workbook(tmp_path):
    ds = kpi_core.sample_dataset(seed=6, n_customers=10)
    wb = openpyxl.load_workbook(write_xlsx(portfolio_layout(ds), tmp_path / "full.xlsx"))
    for title in list(wb.sheetnames):  # keep only the data tables: a workbook holding the user's data
        if title not in ds.tables:
            del wb[title]
    for name in list(wb.defined_names):
        del wb.defined_names[name]
    data = tmp_path / "data.xlsx"
    wb.save(data)
    payload, actions = run_script(data, "cskpi_build_workbook")
    prompt = actions[-1]["args"][0]
    assert actions[-1]["args"][3] == "info" and "cannot save a separate file" in prompt and "added" in prompt
    replayed = replay(payload, actions, data, tmp_path / "replayed.xlsx")
    added = [a["args"][1] for a in actions if a["func"] == "addSheet"]
    assert added and not set(added) & set(ds.tables)
    # every added sheet holds what `cskpi build` writes on it (the Customer value sheet is a CLI option)
    (tmp_path / "cli").mkdir()
    cli_data = Path(shutil.copy(data, tmp_path / "cli" / "data.xlsx"))  # same name: the Dashboard cites it
    assert cli_main(["build", str(cli_data), "--out", str(tmp_path / "cli"), "--no-predict"]) == 0
    cli = tmp_path / "cli" / "portfolio.xlsx"
    assert openpyxl.load_workbook(cli).sheetnames == openpyxl.load_workbook(replayed).sheetnames
    got, expected = cells(replayed, added), cells(cli, added)
    for title in added:
        assert got[title] == expected[title], (title, _first_difference(got[title], expected[title]))
    assert names(replayed) == names(cli)


def test_validate_script_lists_the_problems_cskpi_validate_finds(built, tmp_path):
    bad = shutil.copy(built, tmp_path / "bad.xlsx")
    wb = openpyxl.load_workbook(bad)
    wb["Subscriptions"]["C5"].value = -5.0
    wb["Responses"]["D3"].value = 11
    wb.save(bad)
    payload, actions = run_script(Path(bad), "cskpi_validate_data")
    replayed = replay(payload, actions, bad, tmp_path / "replayed.xlsx")
    sheet = openpyxl.load_workbook(replayed)["Data check"]
    listed = {(r[0], r[1], r[2]) for r in sheet.iter_rows(min_row=4, max_col=3, values_only=True) if r[0]}
    found = kpi_core.find_problems(bad)
    assert len(listed) == len(found) == 2
    assert listed == {("Subscriptions", "mrr", "'Subscriptions'!C5"), ("Responses", "score", "'Responses'!D3")}


def test_export_script_says_to_use_the_command_line(built):
    _, actions = run_script(built, "cskpi_export_per_csm")
    assert [a["func"] for a in actions] == ["alert"] and actions[0]["args"][3] == "critical"
    prompt = actions[0]["args"][0]
    assert "cannot write files" in prompt and "cskpi build WORKBOOK.xlsx --by csm" in prompt
