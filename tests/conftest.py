"""Shared pytest setup.

xlwings picks its custom-function implementation when it is first imported:
with ``XLWINGS_ON_SERVER=true`` ``xlwings.func``/``arg``/``ret`` are the
Office.js ones (xlwings Server / Lite), which is how xlwings tests itself and
the only runtime that runs on Linux. The PRO parts (``xlwings.server``) need a
license key; ``noncommercial`` is the PolyForm Noncommercial one. Both must be
set before anything imports xlwings, hence here, at the top.
"""

import os

os.environ["XLWINGS_ON_SERVER"] = "true"
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import pytest  # noqa: E402

#: the test being set up or run (a LibreOffice call checks that it is marked ``engine``)
_CURRENT: list = []


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _CURRENT[:] = [item]


def pytest_collection_modifyitems(items):
    """Doctests of the LibreOffice module run it: they belong to the ``engine`` tier."""
    for item in items:
        if item.nodeid.startswith("workbook_templates/engine.py::"):
            item.add_marker(pytest.mark.engine)


@pytest.fixture(autouse=True, scope="session")
def _libreoffice_only_in_engine_tests():
    """A test that starts LibreOffice without the ``engine`` marker fails: the fast tier
    (``-m "not engine and not dask"``) must never need it."""
    from workbook_templates import engine

    real = engine.find_soffice

    def guarded():
        item = _CURRENT[0] if _CURRENT else None
        if item is not None and item.get_closest_marker("engine") is None:
            pytest.fail(f"{item.nodeid} runs LibreOffice but is not marked @pytest.mark.engine", pytrace=False)
        return real()

    engine.find_soffice = guarded
    yield
    engine.find_soffice = real
