"""The Score check sheet (DESIGN.md §13): every number it shows, recalculated by LibreOffice, equals kpi_core.

The portfolio of the bundled sample (and of a variant whose churn is independent of health,
where nothing is suggested) is built, recalculated once by LibreOffice and read back by
labels. Observations and churned counts are written as of the build; the churn rates, their
Wilson 95 % intervals and the lift are live formulas over them, so LibreOffice computes them
independently of kpi_core's ``_stats.wilson``. The Wilson bounds are also checked against
Newcombe (1998)'s published example, through the workbook's own formula.
"""

from __future__ import annotations

import math

import pytest
from openpyxl import load_workbook

import kpi_core
from workbook_templates.engine import recalculate
from workbook_templates.spec import formulas as fx
from workbook_templates.spec.labels import STATUS, t
from workbook_templates.spec.layout import SheetLayout, WorkbookLayout, formula
from workbook_templates.templates import portfolio_layout
from workbook_templates.writing.xlsx import write_xlsx

from _sheets import find_label

pytestmark = pytest.mark.engine  # the workbooks are recalculated by LibreOffice

REL = 1e-9


def _close(got, want) -> bool:
    if want is None or (isinstance(want, float) and math.isnan(want)):
        return got in (None, "", "n/a", "n.d.")
    return isinstance(got, (int, float)) and abs(got - want) <= REL * max(1.0, abs(want))


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("score_check")
    out = {}
    for case, ds, lang in (("sample", kpi_core.sample_dataset(), "en"),
                           ("independent", kpi_core.sample_dataset(n_customers=300, churn_drivers=()), "fr")):
        path = write_xlsx(portfolio_layout(ds, lang=lang), folder / f"{case}.xlsx")
        out[case] = (ds, lang, load_workbook(recalculate(path, folder / f"{case}.recalc.xlsx"), data_only=True))
    return out


def _table_below(ws, label: str, lang: str, rows: int) -> list[list]:
    """The `rows` data rows of the table whose title is `label` (header right below it)."""
    r, _ = find_label(ws, t(label, lang))
    return [[ws.cell(r + 2 + i, c).value for c in range(1, 7)] for i in range(rows)]


@pytest.mark.parametrize("case", ["sample", "independent"])
def test_score_check_numbers_equal_kpi_core(books, case):
    ds, lang, wb = books[case]
    ws = wb[t("score_check", lang)]
    check = kpi_core.health_backtest(ds)
    r, c = find_label(ws, t("sc_auc", lang))
    auc = [ws.cell(r, c + k).value for k in (1, 2, 3)]
    assert all(_close(g, w) for g, w in zip(auc, (check.auc, check.auc_low, check.auc_high))), (auc, check)
    status = _table_below(ws, "sc_by_status", lang, 3)
    words = dict(zip(kpi_core.HEALTH_STATUSES, STATUS[lang]))
    for got, (_, want) in zip(status, check.by_status.iterrows()):
        assert got[0] == words[want["status"]]
        assert got[1] == want["observations"] and got[2] == want["churned"]
        assert _close(got[3], want["churn_rate"]) and _close(got[4], want["rate_low"]) and \
            _close(got[5], want["rate_high"]), (got, want)
    deciles = _table_below(ws, "sc_by_decile", lang, len(check.by_decile))
    for got, (_, want) in zip(deciles, check.by_decile.iterrows()):
        assert (got[0], got[1], got[2]) == (want["decile"], want["observations"], want["churned"])
        assert _close(got[3], want["churn_rate"]) and _close(got[4], want["rate_low"]) and \
            _close(got[5], want["rate_high"]), (got, want)
    r, c = find_label(ws, t("sc_lift", lang))
    assert _close(ws.cell(r, c + 1).value, check.lift)


@pytest.mark.parametrize("case", ["sample", "independent"])
def test_weights_beside_the_current_ones(books, case):
    ds, lang, wb = books[case]
    ws = wb[t("score_check", lang)]
    suggestion = kpi_core.suggest_health_weights(ds)
    r, _ = find_label(ws, t("sc_weights", lang))
    for i, comp in enumerate(kpi_core.COMPONENTS):
        row = [ws.cell(r + 2 + i, c).value for c in (1, 2, 3)]
        assert row[0] == t(comp, lang) and _close(row[1], suggestion.current[comp])
        want = (suggestion.suggested or {}).get(comp)
        assert (row[2] is None) if want is None else _close(row[2], want)
    if case == "independent":  # churn unrelated to health: nothing suggested (DESIGN.md §13)
        assert suggestion.suggested is None


def test_wilson_formula_matches_newcombe(tmp_path):
    """Newcombe (1998), example (a): 81 of 263 -> 0.2553 to 0.3662; (b) 15 of 148 -> 0.0624 to 0.1605."""
    s = SheetLayout("w", "W")
    for i, (k, n) in enumerate(((81, 263), (15, 148), (0, 20))):
        s.put_row(1 + i, 1, [k, n])
        s.set(1 + i, 3, formula(f"={fx.wilson(f'A{1 + i}', f'B{1 + i}', -1)}"))
        s.set(1 + i, 4, formula(f"={fx.wilson(f'A{1 + i}', f'B{1 + i}', 1)}"))
    path = write_xlsx(WorkbookLayout([s]), tmp_path / "wilson.xlsx")
    ws = load_workbook(recalculate(path, tmp_path / "wilson.recalc.xlsx"), data_only=True)["W"]
    assert (round(ws["C1"].value, 4), round(ws["D1"].value, 4)) == (0.2553, 0.3662)
    assert (round(ws["C2"].value, 4), round(ws["D2"].value, 4)) == (0.0624, 0.1605)
    assert (round(ws["C3"].value, 4), round(ws["D3"].value, 4)) == (0.0, 0.1611)  # Newcombe: 0 to 0.1611
