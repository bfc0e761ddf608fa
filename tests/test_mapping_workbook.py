"""A workbook built from data mapped from users' exports passes the workbook-numbers proof (issue 15, DESIGN.md §12).

The example exports (Baremetrics-style billing, French survey, Zendesk-style tickets)
go through their mapping; the portfolio workbook built from the result is recalculated by
LibreOffice, and every number of each computed sheet it has (Surveys, Support, Revenue,
MRR movements, Cohorts, Dashboard, calc_charts: the exports hold no usage and no orders,
so there is no Health or E-commerce sheet) is compared with kpi_core by the provers of
``tests/test_workbook_numbers.py``, unchanged, in English and in French.
"""

from __future__ import annotations

import pytest
from test_workbook_numbers import SHEETS, Book, prove_sheets

import kpi_core
from kpi_core.mapping import EXAMPLES_DIR
from workbook_templates.engine import recalculate
from workbook_templates.spec.labels import t
from workbook_templates.templates.portfolio import portfolio_layout
from workbook_templates.writing.xlsx import write_xlsx

pytestmark = pytest.mark.engine

PRESENT = ("surveys", "support", "revenue", "movements", "cohorts", "dashboard", "calc_charts")


@pytest.fixture(scope="module")
def proved(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("mapped")
    ds = kpi_core.apply_mapping(EXAMPLES_DIR / "mapping.toml")
    out = {}
    for lang in ("en", "fr"):
        book = Book(ds, "2026-05", "2026-10", lang)
        layout = portfolio_layout(ds, book.start, book.end, lang=lang)
        assert {s.key for s in layout.sheets} & set(SHEETS) == set(PRESENT)
        book.built = write_xlsx(layout, folder / f"mapped_{lang}.xlsx")
        book.recalc = recalculate(book.built, folder / f"mapped_{lang}.recalc.xlsx")
        out[lang] = (book, prove_sheets(book, PRESENT))
    return out


@pytest.mark.parametrize("sheet", PRESENT)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_number_of_the_mapped_workbook_equals_kpi_core(proved, lang, sheet):
    book, proofs = proved[lang]
    proof = proofs[sheet]
    assert not proof.missing, f"{sheet} ({t(sheet, lang)}): rows or labels not found: {proof.missing}"
    assert proof.count > 0
    assert not proof.wrong, f"{sheet}: {proof.wrong}"
    assert not proof.left, f"{sheet}: number cells no test compares: {proof.left[:20]}"


def test_the_mapped_data_has_movements_of_every_kind(proved):
    """Guards the case: the mapped billing data moves every way over the report period."""
    ds = proved["en"][0].ds
    moves = kpi_core.mrr_movements(ds.table("Subscriptions"))
    period = moves[(moves["month"] >= "2026-05-01") & (moves["month"] <= "2026-10-01")]
    for kind in ("new", "expansion", "contraction", "churn"):
        assert period[kind].sum() > 0, kind
    assert moves["reactivation"].sum() > 0
