"""``cskpi lite``: the requirements.txt and main.py of a workbook that uses cskpi in xlwings Lite."""

from __future__ import annotations

import os
import stat
from importlib import metadata

import pytest
from hypothesis import given, settings, strategies as st
from packaging.requirements import Requirement

from cskpi.cli import main
from cskpi.lite_cmd import lite_files
from kpi_core import KpiInputError

CSKPI = metadata.version("cskpi")
XLWINGS = metadata.version("xlwings")
URL = f"https://raw.githubusercontent.com/acme/wheels/main/cskpi-{CSKPI}-py3-none-any.whl"


def test_prints_both_files_pinned_to_the_installed_versions(capsys):
    assert main(["lite"]) == 0
    out, err = capsys.readouterr()
    assert f"xlwings=={XLWINGS}\ncskpi=={CSKPI}\n" in out
    assert "from addin.lite import *" in out
    assert "not on PyPI" in err and "--wheel-url" in err  # how to get cskpi into Lite without an index


def test_out_writes_the_two_files(tmp_path, capsys):
    assert main(["lite", "--out", str(tmp_path / "lite"), "--wheel-url", URL]) == 0
    requirements = (tmp_path / "lite" / "requirements.txt").read_text()
    assert requirements == f"xlwings=={XLWINGS}\ncskpi @ {URL}\n"
    reqs = [Requirement(line) for line in requirements.splitlines()]  # valid PEP 508 lines, as micropip reads them
    assert [(r.name, r.url) for r in reqs] == [("xlwings", None), ("cskpi", URL)]
    main_py = (tmp_path / "lite" / "main.py").read_text()
    assert main_py == lite_files()["main.py"]
    compile(main_py, "main.py", "exec")
    assert capsys.readouterr().err == ""  # with a wheel URL there is nothing more to say


@pytest.mark.parametrize("url,why", [
    ("ftp://example.com/cskpi-0.1.0-py3-none-any.whl", "not an http(s) URL"),
    ("https://example.com/cskpi.zip", "not a cskpi wheel"),
    (f"https://example.com/other-{CSKPI}-py3-none-any.whl", "not a cskpi wheel"),
    ("https://example.com/cskpi-99.0-py3-none-any.whl", "cskpi 99.0"),
    (f"https://example.com/cskpi-{CSKPI}-cp314-cp314-manylinux_2_17_x86_64.whl", "not a pure-Python wheel"),
])
def test_a_bad_wheel_url_exits_2_and_writes_nothing(tmp_path, capsys, url, why):
    assert main(["lite", "--out", str(tmp_path / "lite"), "--wheel-url", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cskpi: error: --wheel-url") and why in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "lite").exists()


@settings(max_examples=40, deadline=None)
@given(st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){1,2}", fullmatch=True).filter(lambda v: v != CSKPI))
def test_a_wheel_of_another_version_is_refused(version):
    with pytest.raises(KpiInputError, match=f"the wheel is cskpi {version}, but cskpi {CSKPI}"):
        lite_files(f"https://example.com/dist/cskpi-{version}-py3-none-any.whl")


def test_a_read_only_out_folder_exits_2(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, stat.S_IRUSR | stat.S_IXUSR)
    try:
        assert main(["lite", "--out", str(folder)]) == 2
    finally:
        os.chmod(folder, stat.S_IRWXU)
    assert "cskpi: error:" in capsys.readouterr().err and list(folder.iterdir()) == []


def test_out_keeps_the_files_already_there_unless_force(tmp_path, capsys):
    # a user's edited main.py is not replaced silently (as cskpi import and sample, --force replaces)
    folder = tmp_path / "lite"
    folder.mkdir()
    (folder / "main.py").write_text("# mine\n")
    assert main(["lite", "--out", str(folder), "--wheel-url", URL]) == 2
    err = capsys.readouterr().err
    assert "already holds main.py; not overwritten (use --force" in err and len(err.strip().splitlines()) == 1
    assert (folder / "main.py").read_text() == "# mine\n" and not (folder / "requirements.txt").exists()
    assert main(["lite", "--out", str(folder), "--wheel-url", URL, "--force"]) == 0
    assert (folder / "main.py").read_text() == lite_files()["main.py"]
