"""What a reader sees: workbooks rendered to PDF by LibreOffice, read back with pdftotext.

For the portfolio, a per-CSM and an account workbook (English and French portfolio):

- no cell of any sheet shows ``###`` (a number or date wider than its column);
- the Dashboard prints on exactly one page;
- no absolute path of the build machine appears (the data's source is shown by file name);
- no helper internals on the Dashboard (the bridge chart's base/total table, usage rows);
- the period reads "May 2026 to Oct 2026" with its "to" (never "May 2026to").
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import kpi_core
from workbook_templates.templates.account import account_layout, customer_subset
from workbook_templates.engine import render_pdf
from workbook_templates.spec.labels import t
from workbook_templates.templates.portfolio import portfolio_layout
from workbook_templates.writing.xlsx import write_xlsx

pytestmark = pytest.mark.engine  # every test here recalculates or renders with LibreOffice


def _text(pdf: Path) -> list[str]:
    """The PDF's text, one string per page (pdftotext must exist: the test fails without it)."""
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext (poppler-utils) is required: scripts/setup.sh installs it"
    out = subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("render")
    ds = kpi_core.sample_dataset(seed=4, n_customers=40)
    ds.source = "/home/someone/private/exports/crm-data"  # a machine path must not show
    csm = ds.table("Customers")["csm"].iloc[0]
    ids = ds.table("Customers").loc[ds.table("Customers")["csm"] == csm, "customer_id"]
    books = {
        "portfolio_en": (portfolio_layout(ds, lang="en", currency="€"), "en"),
        "portfolio_fr": (portfolio_layout(ds, lang="fr", currency="€"), "fr"),
        "csm": (portfolio_layout(customer_subset(ds, ids), lang="en", scope=f"CSM: {csm}"), "en"),
        "account": (account_layout(customer_subset(ds, ids.iloc[:1]), lang="en"), "en"),
    }
    out = {}
    for key, (layout, lang) in books.items():
        path = write_xlsx(layout, folder / f"{key}.xlsx")
        whole = _text(render_pdf(path, folder / f"{key}.pdf"))
        dashboard = _text(render_pdf(path, folder / f"{key}-dashboard.pdf", sheet=t("dashboard", lang)))
        out[key] = (lang, whole, dashboard)
    return out


@pytest.mark.parametrize("key", ["portfolio_en", "portfolio_fr", "csm", "account"])
def test_no_cell_shows_hashes(rendered, key):
    _, pages, _ = rendered[key]
    bad = [(i + 1, line.strip()) for i, page in enumerate(pages) for line in page.splitlines() if "###" in line]
    assert len(pages) > 3 and not bad, f"{key}: pages with ###: {bad[:5]}"


@pytest.mark.parametrize("key", ["portfolio_en", "portfolio_fr", "csm", "account"])
def test_dashboard_is_one_page_without_internals(rendered, key):
    lang, pages, dashboard = rendered[key]
    assert len(dashboard) == 1, f"{key}: the Dashboard prints on {len(dashboard)} pages"
    text = dashboard[0]
    assert t("KPI_MRR", lang) in text and t("previous_period", lang) in text and t("band", lang) in text
    assert "/home/someone" not in "".join(pages) and "crm-data" in text
    for internal in (t("base", lang), t("usage_row", lang)):
        assert not re.search(rf"\b{re.escape(internal)}\b", text), f"{key}: {internal!r} on the Dashboard"
    word = t("to", lang)
    assert re.search(rf"\d{{4}}\s+{word}\s+\w", text), f"{key}: the period has no '{word}'"
