"""Proof of the decision-ready parts of a workbook (DESIGN.md §9) after LibreOffice recalculation.

Every number and word these parts show is compared with kpi_core, computed independently
of the workbook's formulas:

- the Dashboard's previous-period column, change (points / percentage points), trend
  marker, benchmark band (label and colour), target and whether it is met, for every KPI,
  against :func:`kpi_core.headline_kpis` of both periods, :func:`kpi_core.kpi_change`,
  :func:`kpi_core.benchmark_band` and :func:`kpi_core.target_met`;
- the ``KpiBySegment`` and ``KpiByCsm`` tables, row by row, against :func:`kpi_core.kpis_by`,
  also after moving the period in the built file (they are live);
- the ``AtRisk`` and ``Detractors`` tables against :func:`kpi_core.at_risk` and
  :func:`kpi_core.detractors`;
- ``DataStale``: FALSE as built, TRUE after a data edit the helper sheets do not follow,
  FALSE again after ``cskpi refresh``.

Cases: the sample in English (with targets and a currency) and in French, and the sample
with its period moved in the built file.
"""

from __future__ import annotations

import math
import numbers
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

import kpi_core
from workbook_templates.engine import defined_name_values, recalculate
from workbook_templates.spec.labels import STATUS, t
from workbook_templates.templates.portfolio import portfolio_layout
from workbook_templates.refresh import refresh_workbook
from workbook_templates.writing.xlsx import write_xlsx

pytestmark = pytest.mark.engine  # every test here recalculates or renders with LibreOffice

REL = 1e-9
NA = {"en": "n/a", "fr": "n.d."}
TARGETS = {"nrr": 1.02, "nps": 15.0, "logo_churn": 0.04, "csat": 0.5}
MOVED = ("2025-09", "2026-02")


def _same(got, expected, lang) -> bool:
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return got in (None, "", NA[lang]) or (isinstance(got, float) and math.isnan(got))  # NaN: a blank cell
    if isinstance(expected, str):
        return got == expected
    return isinstance(got, numbers.Real) and not isinstance(got, bool) and math.isclose(
        got, expected, rel_tol=REL, abs_tol=REL)


def _table(path: Path, name: str) -> pd.DataFrame:
    wb = load_workbook(path, data_only=True)
    for ws in wb.worksheets:
        if name in ws.tables:
            c0, r0, c1, r1 = range_boundaries(ws.tables[name].ref)
            rows = [[ws.cell(r, c).value for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]
            return pd.DataFrame(rows[1:], columns=rows[0])
    raise AssertionError(f"no table {name} in {path.name}")


def _set_period(path: Path, start: str, end: str) -> None:
    wb = load_workbook(path)
    for name, month in (("PeriodStart", start), ("PeriodEnd", end)):
        sheet, where = next(iter(wb.defined_names[name].destinations))
        wb[sheet][where.replace("$", "")].value = pd.Timestamp(month + "-01").to_pydatetime()
    wb.save(path)


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    ds = kpi_core.sample_dataset(seed=2, n_customers=60)
    period = kpi_core.report_period(ds)
    cases = {
        "en": ("en", (period.start, period.end), dict(targets=TARGETS, currency="€"), None),
        "fr": ("fr", (period.start, period.end), {}, None),
        "moved": ("en", (period.start, period.end), {}, MOVED),
    }
    out = {}

    def run(item):
        key, (lang, built_period, options, moved) = item
        path = write_xlsx(portfolio_layout(ds, *built_period, lang=lang, **options), folder / f"{key}.xlsx")
        if moved:
            _set_period(path, *moved)
        recalc = recalculate(path, folder / f"{key}.recalc.xlsx")
        shown = kpi_core.Period(*(moved or (f"{built_period[0]:%Y-%m}", f"{built_period[1]:%Y-%m}")))
        out[key] = dict(lang=lang, path=path, recalc=recalc, period=shown, built=kpi_core.Period(*built_period),
                        values=defined_name_values(recalc), options=options)

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(run, cases.items()))
    return ds, out


@pytest.mark.parametrize("case", ["en", "fr", "moved"])
def test_dashboard_comparison_band_and_target_of_every_kpi(books, case):
    ds, out = books
    book = out[case]
    lang, period = book["lang"], book["period"]
    prev = kpi_core.previous_period(period)
    now, before = kpi_core.headline_kpis(ds, period.start, period.end), kpi_core.headline_kpis(ds, prev.start, prev.end)
    targets = book["options"].get("targets", {})
    wb = load_workbook(book["recalc"], data_only=True)
    ws = wb[t("dashboard", lang)]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    bands = kpi_core.default_bands()
    wrong, checked = [], 0
    for key in kpi_core.HEADLINE_KEYS:
        r = rows[t("KPI_" + key.upper(), lang)]
        change = kpi_core.kpi_change(key, now[key], before[key])
        if change is not None and kpi_core.KPI_UNITS[key] == "rate":
            change *= 100  # the Dashboard shows rates' change in percentage points
        band = kpi_core.benchmark_band(key, now[key], bands)
        if band is not None and lang == "fr":
            mine = bands[(bands["kpi"] == key) & (bands["label"] == band[0])]
            band = (mine["label_fr"].iloc[0], band[1])
        marker = "" if change is None else "▲" if change > 0 else "▼" if change < 0 else "="
        met = kpi_core.target_met(key, now[key], targets.get(key))
        expected = {
            "current": now[key], "previous": before[key], "change": change, "marker": marker,
            "band": band[0] if band else "", "colour": band[1] if band else "",
            "target": targets.get(key), "met": "" if met is None else t("met_yes" if met else "met_no", lang),
        }
        got = {"current": ws.cell(r, 2).value, "previous": ws.cell(r, 3).value, "change": ws.cell(r, 4).value,
               "marker": ws.cell(r, 5).value or "", "band": ws.cell(r, 6).value or "",
               "colour": ws.cell(r, 41).value or "", "target": ws.cell(r, 7).value,
               "met": ws.cell(r, 8).value or ""}
        for what, value in expected.items():
            checked += 1
            if not _same(got[what], value, lang):
                wrong.append((key, what, got[what], value))
    assert not wrong, f"{case}: (kpi, what, workbook, kpi_core): {wrong[:12]}"
    assert checked == 8 * len(kpi_core.HEADLINE_KEYS)


@pytest.mark.parametrize("case", ["en", "fr", "moved"])
@pytest.mark.parametrize("by", ["segment", "csm"])
def test_breakdown_tables_equal_kpis_by(books, case, by):
    ds, out = books
    book = out[case]
    period = book["period"]
    expected = kpi_core.kpis_by(ds, by, period.start, period.end).set_index(by)
    table = _table(book["recalc"], "KpiBySegment" if by == "segment" else "KpiByCsm").set_index(by)
    assert set(table.index) == set(expected.index)
    assert {"customers", "mrr", "nrr", "grr", "logo_churn", "nps", "csat", "avg_health"} <= set(table.columns)
    wrong = [(g, c, table.at[g, c], expected.at[g, c]) for g in table.index for c in table.columns
             if not _same(table.at[g, c], None if pd.isna(expected.at[g, c]) else float(expected.at[g, c]),
                          book["lang"])]
    assert not wrong, f"{case} {by}: (group, column, workbook, kpi_core): {wrong[:10]}"


def test_follow_up_lists_equal_kpi_core(books):
    ds, out = books
    for case in ("en", "fr"):
        book = out[case]
        lang, p = book["lang"], book["built"]
        risk = kpi_core.at_risk(ds, p.start, p.end)
        got = _table(book["recalc"], "AtRisk")
        assert list(got.columns) == list(kpi_core.AT_RISK_COLUMNS)
        assert got["customer_id"].tolist() == risk["customer_id"].tolist() and len(risk) > 0
        for column in ("mrr", "health", "previous_health", "change"):
            assert all(_same(g, None if pd.isna(e) else float(e), lang) for g, e in zip(got[column], risk[column]))
        words = dict(zip(("Red", "Amber", "Green"), STATUS[lang]))
        assert got["status"].tolist() == [words[s] for s in risk["status"]]
        assert got["weakest"].tolist() == [t(c, lang) for c in risk["weakest"]]
        det = kpi_core.detractors(ds, p.start, p.end)
        got = _table(book["recalc"], "Detractors")
        assert got["customer_id"].tolist() == det["customer_id"].tolist() and len(det) > 0
        assert got["score"].tolist() == det["score"].tolist()
        assert [pd.Timestamp(d) for d in got["date"]] == list(det["date"])


def test_data_stale_after_an_edit_and_not_after_refresh(books, tmp_path):
    ds, out = books
    assert out["en"]["values"]["DataStale"] is False
    path = tmp_path / "book.xlsx"
    path.write_bytes(out["en"]["path"].read_bytes())
    wb = load_workbook(path)
    ws = wb[t("Subscriptions", "en")]
    ws.cell(2, 3).value = float(ws.cell(2, 3).value or 0) + 1000.0  # an mrr changed: helpers are stale
    wb.save(path)
    assert defined_name_values(recalculate(path, tmp_path / "edited.xlsx"))["DataStale"] is True
    refresh_workbook(path)
    values = defined_name_values(recalculate(path, tmp_path / "refreshed.xlsx"))
    assert values["DataStale"] is False
    edited = load_workbook(path, data_only=False)[t("Subscriptions", "en")].cell(2, 3).value
    subs = kpi_core.load_dataset(path).table("Subscriptions")
    assert np.isclose(subs["mrr"].sum(), ds.table("Subscriptions")["mrr"].sum() + 1000.0) and edited is not None
    assert math.isclose(values["KPI_MRR"], kpi_core.headline_kpis(kpi_core.load_dataset(path))["mrr"], rel_tol=REL)
