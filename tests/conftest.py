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

#: every collected test by node id; the one running is named by pytest's PYTEST_CURRENT_TEST, set
#: for doctests outside tests/ too (which a hook of this conftest would not see)
_ITEMS: dict = {}


#: doctests that belong to a tier: the LibreOffice module's run it, the model fits take seconds
_DOCTEST_TIERS = {
    "workbook_templates/engine.py::": pytest.mark.engine,
    "kpi_core/predicted_clv.py::": pytest.mark.slow,
    "workbook_templates/templates/customer_value.py::": pytest.mark.slow,
}


def pytest_collection_modifyitems(items):
    """Put the doctests of :data:`_DOCTEST_TIERS` in their tier; index the items by node id."""
    for item in items:
        _ITEMS[item.nodeid] = item
        for prefix, mark in _DOCTEST_TIERS.items():
            if item.nodeid.startswith(prefix):
                item.add_marker(mark)


@pytest.fixture(autouse=True, scope="session")
def _libreoffice_only_in_engine_tests():
    """A test that starts LibreOffice without the ``engine`` marker fails: the fast tier
    (``-m "not engine and not dask"``) must never need it."""
    from workbook_templates import engine

    real = engine.find_soffice

    def guarded():
        running = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]
        item = _ITEMS.get(running)
        if item is not None and item.get_closest_marker("engine") is None:
            pytest.fail(f"{item.nodeid} runs LibreOffice but is not marked @pytest.mark.engine", pytrace=False)
        return real()

    engine.find_soffice = guarded
    yield
    engine.find_soffice = real
