"""Proof that the portfolio workbook's formulas are right (DESIGN.md §4-§6).

Every workbook here is built with :func:`portfolio_layout` + :func:`write_xlsx`,
recalculated by LibreOffice (an engine independent of kpi_core and of openpyxl)
and read back. What is proved:

- every ``KPI_*`` defined name equals :func:`kpi_core.headline_kpis` on the same data and
  period to 1e-9 relative (an undefined KPI, ``None``, shows "n/a" / "n.d."), and exactly
  the names of the KPIs whose tables are present exist;
- no cell of any sheet of a recalculated workbook holds an error value;
- the same holds after the period cells (Settings!B4/B5) are edited in the built file;
- cases: the sample (en, fr), partial datasets (Orders, Responses, Subscriptions alone),
  and a hand-built dataset with the edge cases (a month without responses, churn then
  reactivation, one-month period, yes/no CSAT answers, blank scores, blank usage fields,
  explicit 0 MRR rows, a usage denominator of 0, an order at 18:30 on the period's last day);
- every function the formulas use is one Excel 2019 and LibreOffice 7.4 both compute,
  with the ``_xlfn.`` prefix for post-2007 functions (see ``LEGACY`` / ``PREFIXED``);
- data text that looks like a formula stays literal text, before and after recalculation,
  and the workbook reads back through :func:`kpi_core.load_dataset` as the same tables;
- print setup: every computed sheet fits to one page wide, wide ones are landscape.

LibreOffice runs are few (each costs seconds): every workbook is built and recalculated
once, in a module fixture, two at a time.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.formula import Tokenizer
from openpyxl.formula.tokenizer import Token
from openpyxl.utils import get_column_letter

import kpi_core
from kpi_core import Dataset
from workbook_templates.engine import defined_name_values, recalculate
from workbook_templates.spec.labels import t
from workbook_templates.templates.portfolio import portfolio_layout
from workbook_templates.writing.xlsx import write_xlsx

pytestmark = pytest.mark.engine  # every test here recalculates or renders with LibreOffice

ERRORS = frozenset({"#DIV/0!", "#VALUE!", "#N/A", "#REF!", "#NAME?", "#NUM!", "#NULL!"})
NA = {"en": "n/a", "fr": "n.d."}
REL = 1e-9

#: which KPI names exist for which tables (DESIGN.md §6, kpi_core.headline)
KPI_TABLES = {
    "Subscriptions": ("mrr", "arr", "nrr", "grr", "revenue_churn", "logo_churn", "retention",
                      "net_customer_change", "quick_ratio"),
    "Responses": ("nps", "csat", "ces"),
    "Tickets": ("fcr",),
    "Orders": ("avg_basket", "purchase_frequency", "repurchase_rate"),
    "Acquisition": ("cac",),
    "Funnel": ("conversion_rate", "abandonment_rate"),
    "Usage": ("avg_health",),
}

# ------------------------------------------------------------------------------ datasets

INJECTIONS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "-2+3"]


def edge_tables() -> dict:
    """A small hand-built dataset, January to June 2026, with every edge case at once.

    Subscriptions: A expands in April; B churns in March (an explicit 0 row), is absent
    in April and comes back in May (reactivation); C contracts; D is new in March; E has
    explicit 0 MRR rows only; F churns in June. Responses: none at all in March; CSAT
    answers as yes/no/oui/non/True/"FALSE" text next to 1..5 scores; blank NPS, CSAT and
    CES scores. Usage: B has a row with every field blank (no usage component), C has 0
    licensed users (adoption missing), D blank active users. Funnel/Acquisition have
    zero months. Customer names, segments and CSMs are formula-looking text.
    """
    months = pd.date_range("2026-01-01", "2026-06-01", freq="MS")
    subs = []

    def add(cid, values):
        subs.extend((cid, m.strftime("%Y-%m"), v) for m, v in zip(months, values) if v is not None)

    add("A", [100, 100, 100, 150, 150, 150])
    add("B", [200, 200, 0, None, 250, 250])
    add("C", [50, 50, 50, 30, 30, 30])
    add("D", [None, None, 80, 80, 80, 80])
    add("E", [0, 0, 0, 0, 0, 0])
    add("F", [60, 60, 60, 60, 60, 0])
    customers = pd.DataFrame({
        "customer_id": list("ABCDEF"), "name": INJECTIONS + ["Plain"],
        "segment": [INJECTIONS[1], INJECTIONS[2], INJECTIONS[3], INJECTIONS[4], INJECTIONS[0], "SMB"],
        "csm": [INJECTIONS[3], INJECTIONS[4], INJECTIONS[0], INJECTIONS[1], INJECTIONS[2], "Zoé"]})
    resp = [(cid, f"{m}-15", "NPS", s) for m in ("2026-01", "2026-02", "2026-04", "2026-05", "2026-06")
            for cid, s in zip("ABCD", (10, 9, 6, 7))]
    resp += [("A", "2026-05-03", "CSAT", "yes"), ("B", "2026-05-04", "CSAT", "non"),
             ("C", "2026-05-05", "CSAT", "oui"), ("D", "2026-05-06", "CSAT", "no"),
             ("A", "2026-06-02", "CSAT", 5), ("B", "2026-06-02", "CSAT", 2), ("C", "2026-06-02", "CSAT", True),
             ("D", "2026-06-03", "CSAT", "FALSE"), ("A", "2026-06-04", "CSAT", None),
             ("B", "2026-06-05", "NPS", None), ("C", "2026-06-05", "CES", 6), ("D", "2026-06-06", "CES", 3),
             ("A", "2026-04-06", "CES", None), ("A", "2026-04-07", "CES", 7)]
    usage = []
    for m in months:
        ms = m.strftime("%Y-%m")
        usage += [("A", ms, 120, 10, 12, 8, 10, 0.9),
                  ("B", ms, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan),
                  ("C", ms, 30, 5, 0, 2, 10, np.nan),
                  ("D", ms, 10, np.nan, 20, np.nan, 10, 0.2)]
    month_list = [m.strftime("%Y-%m") for m in months]
    return {
        "Customers": customers,
        "Subscriptions": pd.DataFrame(subs, columns=["customer_id", "month", "mrr"]),
        "Responses": pd.DataFrame(resp, columns=["customer_id", "date", "survey", "score"]),
        "Tickets": pd.DataFrame({
            "ticket_id": [f"T{i}" for i in range(6)], "customer_id": list("AABCDD"),
            "opened_at": ["2026-02-03", "2026-06-03", "2026-06-04", "2026-05-05", "2026-06-10", "2026-06-11"],
            "resolved_first_contact": [True, False, True, "oui", "no", "yes"],
            "first_response_hours": [1.5, np.nan, 3.0, 0.0, 12, 2]}),
        "Usage": pd.DataFrame(usage, columns=["customer_id", "month", "logins", "active_users", "licensed_users",
                                              "features_used", "features_available", "goals_met"]),
        "Orders": pd.DataFrame({
            "order_id": [f"O{i}" for i in range(5)], "customer_id": list("AABCA"),
            "date": ["2026-05-01", "2026-05-20", "2026-06-02", "2026-03-03", "2026-06-30 18:30"],
            "amount": [10.0, 0.0, 30.5, 12.0, 7.25]}),
        "Funnel": pd.DataFrame({"month": month_list, "visitors": [100, 0, 200, 150, 0, 120],
                                "conversions": [3, 0, 5, 4, 0, 2], "carts_created": [10, 0, 20, 0, 0, 12],
                                "carts_abandoned": [7, 0, 11, 0, 0, 9]}),
        "Acquisition": pd.DataFrame({"month": month_list, "marketing_spend": [1000, 0, 500, 0, 0, 300],
                                     "sales_spend": [200, 0, np.nan, 0, 0, 100],
                                     "new_customers": [2, 0, 1, 0, 0, 0]}),
    }


# ------------------------------------------------------------------------------ the books


@dataclass
class Book:
    """One workbook case: data, the period written at build time, and the files."""

    ds: Dataset
    start: str
    end: str
    lang: str = "en"
    edit: tuple | None = None          # (start, end) written into Settings!B4/B5 after the build
    built: Path | None = None
    recalc: Path | None = None
    layout: object = None
    values: dict = field(default_factory=dict)

    @property
    def period(self) -> tuple:
        return self.edit or (self.start, self.end)


@lru_cache(maxsize=None)
def _load(path: Path, data_only: bool):
    """A workbook read once per test module (tests only read it)."""
    return load_workbook(path, data_only=data_only)


def _month(text: str):
    return pd.Timestamp(text + "-01").to_pydatetime()


def _edit_period(src: Path, dst: Path, lang: str, start: str, end: str) -> None:
    """Change PeriodStart/PeriodEnd as a user would: new values in Settings!B4/B5."""
    wb = load_workbook(src)
    ws = wb[t("settings", lang)]
    assert ws["B4"].value is not None and ws["B5"].value is not None
    ws["B4"].value, ws["B5"].value = _month(start), _month(end)
    wb.save(dst)


def _cases() -> dict:
    sample = kpi_core.sample_dataset()
    edge = Dataset(edge_tables())
    only = {name: Dataset({name: sample.table(name)}) for name in ("Orders", "Responses", "Subscriptions")}
    return {
        "sample_en": Book(sample, "2026-05", "2026-10", "en"),
        "sample_fr": Book(sample, "2026-05", "2026-10", "fr"),
        # the period cells changed after the build: a 12-month period ending earlier
        "sample_edited": Book(sample, "2026-05", "2026-10", "en", edit=("2025-04", "2026-03")),
        "edge": Book(edge, "2026-02", "2026-06", "en"),
        # one month, the month without responses, in French (n.d.)
        "edge_march": Book(edge, "2026-02", "2026-06", "fr", edit=("2026-03", "2026-03")),
        "orders_only": Book(only["Orders"], "2026-05", "2026-10"),
        "responses_only": Book(only["Responses"], "2026-05", "2026-10"),
        "subscriptions_only": Book(only["Subscriptions"], "2025-11", "2026-10"),
    }


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("books")
    cases = _cases()
    built_cache: dict = {}
    for key, book in cases.items():
        ident = (id(book.ds), book.start, book.end, book.lang)
        if ident not in built_cache:
            book.layout = portfolio_layout(book.ds, book.start, book.end, lang=book.lang)
            built_cache[ident] = (write_xlsx(book.layout, folder / f"{key}.xlsx"), book.layout)
        src, book.layout = built_cache[ident]
        if book.edit:
            book.built = folder / f"{key}.xlsx"
            _edit_period(src, book.built, book.lang, *book.edit)
        else:
            book.built = src

    def run(item):
        key, book = item
        book.recalc = recalculate(book.built, folder / f"{key}.recalc.xlsx")
        book.values = defined_name_values(book.recalc)

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(run, cases.items()))
    return cases


CASES = ["sample_en", "sample_fr", "sample_edited", "edge", "edge_march", "orders_only", "responses_only",
         "subscriptions_only"]


# ------------------------------------------------------------------------------ KPI values


def _close(expected, got, lang) -> bool:
    if expected is None:
        return got == NA[lang]
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return False
    return math.isclose(got, expected, rel_tol=REL, abs_tol=REL)


@pytest.mark.parametrize("case", CASES)
def test_every_kpi_name_equals_kpi_core(books, case):
    book = books[case]
    expected = kpi_core.headline_kpis(book.ds, *book.period)
    names = {k for k in book.values if k.startswith("KPI_") and not k.startswith("KPI_PREV_")}
    assert names == {"KPI_" + k.upper() for k in expected}, "KPI_ names must be exactly the defined KPIs"
    wrong = {k: (v, book.values["KPI_" + k.upper()]) for k, v in expected.items()
             if not _close(v, book.values["KPI_" + k.upper()], book.lang)}
    assert not wrong, f"{case} {book.period}: KPI (kpi_core, workbook) differ: {wrong}"


@pytest.mark.parametrize("case", CASES)
def test_every_previous_period_name_equals_kpi_core(books, case):
    """DESIGN.md §9: KPI_PREV_X = headline_kpis over the n months before the period (n/a before the data)."""
    book = books[case]
    prev = kpi_core.previous_period(kpi_core.Period(*book.period))
    expected = kpi_core.headline_kpis(book.ds, prev.start, prev.end)
    assert book.values["PrevPeriodStart"] == prev.start.to_pydatetime()
    assert book.values["PrevPeriodEnd"] == prev.end.to_pydatetime()
    names = {k for k in book.values if k.startswith("KPI_PREV_")}
    assert names == {"KPI_PREV_" + k.upper() for k in expected}
    wrong = {k: (v, book.values["KPI_PREV_" + k.upper()]) for k, v in expected.items()
             if not _close(v, book.values["KPI_PREV_" + k.upper()], book.lang)}
    assert not wrong, f"{case} previous {prev}: KPI (kpi_core, workbook) differ: {wrong}"


def test_partial_datasets_define_only_their_kpis(books):
    for case, table in (("orders_only", "Orders"), ("responses_only", "Responses"),
                        ("subscriptions_only", "Subscriptions")):
        names = {k for k in books[case].values if k.startswith("KPI_") and not k.startswith("KPI_PREV_")}
        assert names == {"KPI_" + k.upper() for k in KPI_TABLES[table]}, case


def test_edge_cases_are_the_ones_intended(books):
    """The hand-built data really exercises what it claims (guards the fixture itself)."""
    edge, march = books["edge"], books["edge_march"]
    kpis = kpi_core.headline_kpis(edge.ds, *march.period)
    assert kpis["nps"] is None and kpis["csat"] is None and kpis["ces"] is None  # no response in March
    assert kpis["quick_ratio"] is None and kpis["nrr"] == 1.0                      # one-month period
    assert march.values["KPI_NPS"] == "n.d." and march.values["KPI_QUICK_RATIO"] == "n.d."
    assert march.values["KPI_NRR"] == 1
    moves = kpi_core.mrr_movements(edge.ds.table("Subscriptions"))
    assert moves.set_index("month").loc["2026-05-01", "reactivation"] == 250  # B comes back
    assert edge.values["KPI_QUICK_RATIO"] == pytest.approx((250 + 80 + 50) / (20 + 200 + 60))
    scores = kpi_core.health_scores(edge.ds, "2026-06", period_start="2026-02").set_index("customer_id")
    assert np.isnan(scores.loc["B", "adoption_value"]) and np.isnan(scores.loc["C", "adoption_value"])


def test_health_scores_per_customer_match(books):
    """Beyond the average: each customer's score on the Health sheet equals kpi_core's."""
    for case in ("sample_en", "edge", "edge_march"):
        book = books[case]
        expected = kpi_core.health_scores(book.ds, book.period[1], period_start=book.period[0])
        ws = _load(book.recalc, True)[t("health", book.lang)]
        got = {ws.cell(r, 1).value: ws.cell(r, 18).value for r in range(5, ws.max_row + 1)
               if ws.cell(r, 1).value is not None}
        # the sheet lists every customer with a usage row in any month; those without one
        # in the end month are not scored (blank), as kpi_core leaves them out
        assert set(expected["customer_id"]) <= set(got) and len(expected) > 0, case
        unscored = {c: v for c, v in got.items() if c not in set(expected["customer_id"]) and v not in ("", None)}
        assert not unscored, f"{case}: customers without usage in the end month have a score: {unscored}"
        bad = {}
        for cid, score in zip(expected["customer_id"], expected["score"]):
            value = got.get(cid)
            ok = (value in ("", None)) if np.isnan(score) else (
                isinstance(value, (int, float)) and math.isclose(value, score, rel_tol=REL, abs_tol=REL))
            if not ok:
                bad[cid] = (score, value)
        assert not bad, f"{case}: health score (kpi_core, workbook) differ: {dict(list(bad.items())[:10])}"


# ------------------------------------------------------------------------------ no error value


def _error_cells(path: Path) -> list:
    """Error values on every sheet but calc_charts, whose #N/A are the months a chart skips."""
    wb = _load(path, True)
    found = []
    for ws in wb.worksheets:
        if ws.title == t("calc_charts", "en"):
            continue
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "e" or (cell.data_type != "s" and cell.value in ERRORS):
                    found.append(f"{ws.title}!{cell.coordinate}={cell.value}")
    return found


@pytest.mark.parametrize("case", CASES)
def test_no_error_value_anywhere(books, case):
    errors = _error_cells(books[case].recalc)
    assert not errors, f"{case}: {len(errors)} error cells, first: {errors[:15]}"


# ------------------------------------------------------------------------------ functions used

#: Functions of Excel 2007's file format (no prefix) that LibreOffice 7.4 also computes.
#: This is the union of what the templates need and their close relatives (a template
#: switching COUNTIF to COUNTIFS, or AVERAGE to AVERAGEIFS, must not fail this test).
#: NORMSINV (not NORM.S.INV) and EDATE are Excel 2007 names and need no prefix.
LEGACY = frozenset("""
    SUM SUMIF SUMIFS SUMPRODUCT COUNT COUNTA COUNTBLANK COUNTIF COUNTIFS AVERAGE AVERAGEIF AVERAGEIFS
    MIN MAX ABS ROUND ROUNDUP ROUNDDOWN INT MOD SQRT POWER LN EXP
    IF IFERROR AND OR NOT ISNUMBER ISBLANK ISERROR ISTEXT
    INDEX MATCH ROWS COLUMNS ROW NA
    NORMSINV NORMSDIST
    DATE EDATE EOMONTH YEAR MONTH DAY
    TEXT LEN
""".split())
#: Functions newer than Excel 2007 that Excel 2019 and LibreOffice 7.4 both compute;
#: Excel stores them with the _xlfn. prefix (LibreOffice reads them only so written).
PREFIXED = frozenset({"_xlfn.NORM.S.INV", "_xlfn.NORM.S.DIST", "_xlfn.MAXIFS", "_xlfn.MINIFS", "_xlfn.IFS",
                      "_xlfn.SWITCH", "_xlfn.CONCAT", "_xlfn.TEXTJOIN", "_xlfn.IFNA", "_xlfn.STDEV.S",
                      "_xlfn.PERCENTILE.INC"})
#: Never: Excel 365 dynamic arrays, LET/LAMBDA (no LibreOffice 7.4, no Excel 2019).
FORBIDDEN = frozenset({"LET", "LAMBDA", "XLOOKUP", "XMATCH", "FILTER", "UNIQUE", "SORT", "SORTBY", "SEQUENCE",
                       "RANDARRAY", "TEXTSPLIT", "VSTACK", "HSTACK", "TAKE", "DROP", "CHOOSECOLS", "TOCOL",
                       "MAP", "REDUCE", "SCAN", "BYROW", "BYCOL", "MAKEARRAY"})


def _functions(text: str) -> set:
    names = set()
    for token in Tokenizer(text if text.startswith("=") else "=" + text).items:
        if token.type == Token.FUNC and token.subtype == Token.OPEN:
            names.add(token.value[:-1].upper().replace("_XLFN.", "_xlfn.").replace("_XLWS.", "_xlws."))
    return names


def _all_formulas(path: Path) -> list:
    """(where, formula) for every formula cell, defined name, conditional format and validation."""
    wb = _load(path, False)
    out = [(f"name {n}", d.attr_text) for n, d in wb.defined_names.items()]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    text = cell.value if isinstance(cell.value, str) else cell.value.text
                    out.append((f"{ws.title}!{cell.coordinate}", text))
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                out += [(f"{ws.title} cond {cf.sqref}", f) for f in rule.formula or []]
        for dv in ws.data_validations.dataValidation:
            out += [(f"{ws.title} validation {dv.sqref}", f) for f in (dv.formula1, dv.formula2) if f]
    return out


def test_formulas_use_only_excel2019_and_libreoffice_functions(books):
    seen, bad = set(), []
    for case in ("sample_en", "sample_fr", "edge", "orders_only", "responses_only", "subscriptions_only"):
        formulas = _all_formulas(books[case].built)
        assert len(formulas) > 20
        for where, text in formulas:
            for name in _functions(text):
                seen.add(name)
                bare = name.split(".", 1)[1] if name.startswith("_xlfn.") else name
                if bare in FORBIDDEN or (name not in LEGACY and name not in PREFIXED):
                    bad.append((case, where, name, text[:120]))
    assert not bad, f"functions outside the Excel 2019 / LibreOffice 7.4 set: {bad[:10]}"
    assert {"SUMIFS", "COUNTIFS", "SUMPRODUCT", "INDEX", "MATCH", "NORMSINV", "EDATE"} <= seen


def test_function_check_catches_what_it_must():
    assert _functions('=_xlfn.XLOOKUP(A1,B:B,C:C)+SUM(X)') == {"_xlfn.XLOOKUP", "SUM"}
    assert _functions("=LET(x,1,x)") == {"LET"}
    assert _functions('=COUNTIFS(Responses[survey],"NPS",Responses[score],{"yes","no"})') == {"COUNTIFS"}
    assert "MAXIFS" not in LEGACY and "_xlfn.MAXIFS" in PREFIXED  # unprefixed MAXIFS is #NAME? in Excel 2019


# ------------------------------------------------------------------------------ safety


def _text_cells(path: Path, data_only: bool) -> list:
    wb = _load(path, data_only)
    return [(ws.title, c.coordinate, c.value, c.data_type) for ws in wb.worksheets
            for row in ws.iter_rows() for c in row if c.value in INJECTIONS]


def _expected_injection_cells(book: Book) -> int:
    """How many injection texts the Customers data sheet holds (every one of them, none lost)."""
    customers = book.ds.table("Customers")
    return int(customers[["name", "segment", "csm"]].isin(INJECTIONS).to_numpy().sum())


def test_formula_looking_text_stays_text_in_the_built_file(books):
    book = books["edge"]
    cells = _text_cells(book.built, data_only=False)
    on_customers = [c for c in cells if c[0] == t("Customers", book.lang)]
    assert len(on_customers) == _expected_injection_cells(book)  # none lost
    # copied to Health, Follow-up, Breakdowns and the helper sheets: always as text, never a formula
    assert {c[0] for c in cells} > {t("Customers", book.lang)}
    assert all(kind == "s" for *_, kind in cells), cells
    wb = _load(book.built, False)
    formulas = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert not any("HYPERLINK" in f or "cmd|" in f for f in formulas)


def test_formula_looking_text_stays_text_after_recalculation(books):
    for case in ("edge", "edge_march"):
        book = books[case]
        cells = _text_cells(book.recalc, data_only=True)
        on_customers = [c for c in cells if c[0] == t("Customers", book.lang)]
        assert len(on_customers) == _expected_injection_cells(book), case
        assert all(kind == "s" for *_, kind in cells), cells  # the Dashboard's copies computed as text too
        values = {v for _, _, v, _ in _text_cells(book.recalc, data_only=False)}
        assert values == set(INJECTIONS)  # no cached value hides a formula either


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reset_index(drop=True).copy()
    for c in out.columns:
        if out[c].dtype.kind == "M":
            out[c] = out[c].astype("datetime64[ns]")
        elif out[c].dtype.kind in "iuf":
            out[c] = out[c].astype(float)
        else:
            out[c] = out[c].astype(object)
    return out


@pytest.mark.parametrize("case", ["sample_en", "sample_fr", "edge", "orders_only"])
def test_workbook_reads_back_as_the_same_dataset(books, case):
    book = books[case]
    back = kpi_core.load_dataset(book.built)
    assert set(back.tables) == set(book.ds.tables)
    for name, frame in book.ds.tables.items():
        pd.testing.assert_frame_equal(_normalised(back.table(name)), _normalised(frame), check_exact=True,
                                      obj=f"{case} {name}")


# ------------------------------------------------------------------------------ print setup


def _sheet_width(ws) -> float:
    total = 0.0
    for j in range(1, ws.max_column + 1):
        dim = ws.column_dimensions.get(get_column_letter(j))
        total += dim.width if dim is not None and dim.width else 8.43
    return total


#: character widths that fit across a portrait A4 / Letter page at 100 %
PORTRAIT_WIDTH = 100


@pytest.mark.parametrize("case", ["sample_en", "edge"])
def test_print_setup_of_computed_sheets(books, case):
    book = books[case]
    wb = _load(book.built, False)
    computed = [s.title for s in book.layout.sheets if s.computed]
    assert computed
    problems = []
    for title in computed:
        ws = wb[title]
        one_page = title == t("dashboard", book.lang)  # the Dashboard prints on one page
        if not (ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, "1")
                and ws.page_setup.fitToHeight in ((1, "1") if one_page else (0, "0"))):
            problems.append(f"{title}: not fit to one page wide")
        width = _sheet_width(ws)
        if width > PORTRAIT_WIDTH and ws.page_setup.orientation != "landscape":
            problems.append(f"{title}: {ws.max_column} columns, {width:.0f} characters wide, printed portrait")
    assert not problems, f"{case}: print setup: {problems}"
