"""LibreOffice as an independent engine: recalculation, defined names, literal text, PDF.

These tests need LibreOffice (``soffice``) and poppler (``pdftoppm``). They never skip:
without them they fail and say what to install.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table, TableStyleInfo

from workbook_templates.writing.cells import set_value, write_text, write_value
from workbook_templates.engine import (
    EngineError,
    defined_name_values,
    find_soffice,
    pdf_to_png,
    recalculate,
    render_pdf,
)

pytestmark = pytest.mark.engine  # LibreOffice reads back (most of) what these tests write

# ------------------------------------------------------------------ the test workbook

ROWS = [  # customer_id, month, mrr, segment
    ("c1", dt.date(2026, 1, 1), 100, "SMB"),
    ("c2", dt.date(2026, 1, 1), 250, "ENT"),
    ("c3", dt.date(2026, 1, 1), 0, "SMB"),
    ("c1", dt.date(2026, 2, 1), 120, "SMB"),
    ("c2", dt.date(2026, 2, 1), 200, "ENT"),
    ("c3", dt.date(2026, 2, 1), 50, "SMB"),
    ("c1", dt.date(2026, 3, 1), 0, "SMB"),
    ("c2", dt.date(2026, 3, 1), 300, "ENT"),
    ("c3", dt.date(2026, 3, 1), 80, "SMB"),
    ("c4", dt.date(2026, 3, 1), 40, "MID"),
]
START, END = dt.date(2026, 2, 1), dt.date(2026, 3, 1)
LAST = len(ROWS) + 1
MRR, MONTH, SEG, CID = (f"Data!${c}$2:${c}${LAST}" for c in "CBDA")


def _mrr(month, segment=None):
    return [r[2] for r in ROWS if r[1] == month and (segment is None or r[3] == segment)]


_m0 = {r[0]: r[2] for r in ROWS if r[1] == START}
_m1 = {r[0]: r[2] for r in ROWS if r[1] == END}
_cohort = [c for c, v in _m0.items() if v > 0]
NRR = sum(_m1.get(c, 0) for c in _cohort) / sum(_m0[c] for c in _cohort)

# name -> (formula, value computed by hand in Python)
FORMULAS = {
    "COUNTIFS": (
        f'=COUNTIFS({MONTH},">="&PeriodStart,{MONTH},"<="&PeriodEnd,{MRR},">0")',
        sum(1 for r in ROWS if START <= r[1] <= END and r[2] > 0)),
    "SUMIFS": (f'=SUMIFS({MRR},{MONTH},PeriodEnd,{SEG},"SMB")', sum(_mrr(END, "SMB"))),
    "AVERAGEIFS": (
        f'=AVERAGEIFS({MRR},{MONTH},">="&PeriodStart,{MRR},">0")',
        (lambda v: sum(v) / len(v))([r[2] for r in ROWS if r[1] >= START and r[2] > 0])),
    "SUMPRODUCT": (
        f"=SUMPRODUCT(({MONTH}=PeriodEnd)*({MRR}>50)*{MRR})",
        sum(v for v in _mrr(END) if v > 50)),
    "SUMPRODUCT_count": (f'=SUMPRODUCT(--({SEG}="SMB"))',
                         sum(1 for r in ROWS if r[3] == "SMB")),
    "INDEX_MATCH": (f'=INDEX({MRR},MATCH("c2",{CID},0))', 250),
    "INDEX_MATCH_text": (f"=INDEX(Data!$A$2:$D${LAST},MATCH(300,{MRR},0),4)", "ENT"),
    "IFERROR_lookup": (f'=IFERROR(INDEX({MRR},MATCH("zz",{CID},0)),-1)', -1),
    "IFERROR_div0": ('=IFERROR(1/0,"none")', "none"),
    "EOMONTH": ("=EOMONTH(DATE(2026,1,15),0)", dt.date(2026, 1, 31)),
    "EOMONTH_name": ("=EOMONTH(PeriodStart,-1)+1", dt.date(2026, 2, 1)),
    "EDATE": ("=EDATE(DATE(2026,1,31),1)", dt.date(2026, 2, 28)),
    "EDATE_name": ("=EDATE(PeriodEnd,-1)", START),
    "DATE": ("=DATE(2026,13,1)", dt.date(2027, 1, 1)),
    "MAXIFS": (f'=_xlfn.MAXIFS({MRR},{SEG},"SMB")',
               max(r[2] for r in ROWS if r[3] == "SMB")),
    "MINIFS": (f'=_xlfn.MINIFS({MRR},{SEG},"SMB",{MRR},">0")',
               min(r[2] for r in ROWS if r[3] == "SMB" and r[2] > 0)),
    "MAXIFS_no_match": (f'=_xlfn.MAXIFS({MRR},{SEG},"none")', 0),
    "IF_AND": (f'=IF(AND(SUM({MRR})>1000,COUNT({MRR})={len(ROWS)}),"big","small")',
               "big" if sum(r[2] for r in ROWS) > 1000 else "small"),
    "NRR_like": (
        f'=SUMPRODUCT(({MONTH}=PeriodEnd)*{MRR}*(COUNTIFS({CID},{CID},{MONTH},PeriodStart,'
        f'{MRR},">0")>0))/SUMIFS({MRR},{MONTH},PeriodStart)', NRR),
    # structured references to the Excel table (column specifiers only)
    "TABLE_SUM": ("=SUM(Subscriptions[mrr])", sum(r[2] for r in ROWS)),
    "TABLE_COUNTIFS": ('=COUNTIFS(Subscriptions[month],">="&PeriodStart)',
                       sum(1 for r in ROWS if r[1] >= START)),
    "TABLE_SUMIFS": (
        '=SUMIFS(Subscriptions[mrr],Subscriptions[segment],"SMB",Subscriptions[month],PeriodEnd)',
        sum(_mrr(END, "SMB"))),
    "TABLE_SUMPRODUCT": ("=SUMPRODUCT((Subscriptions[mrr]>50)*Subscriptions[mrr])",
                         sum(r[2] for r in ROWS if r[2] > 50)),
    "TABLE_MAXIFS": ('=_xlfn.MAXIFS(Subscriptions[mrr],Subscriptions[segment],"ENT")', 300),
    "TABLE_INDEX_MATCH": (
        '=INDEX(Subscriptions[segment],MATCH("c4",Subscriptions[customer_id],0))', "MID"),
    "TABLE_COLUMN_SPAN": ("=COUNTA(Subscriptions[[customer_id]:[mrr]])", 3 * len(ROWS)),
    "NAME_REF": ("=KPI_NRR*2", 2 * NRR),
}
KPI_NAMES = {"KPI_NRR": "NRR_like", "KPI_MRR": "TABLE_SUM", "KPI_DIV0": None}

INJECTION = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "=cmd|'/C calc'!A0",
    "@SUM(1+1)",
    "+1+1",
    "-2+3",
    "=1+1",
    "=",
    "#N/A",
    "#DIV/0!",
    "TRUE",
    "00123",
    "1e5",
    "'quoted",
    " leading space",
    "\ttab",
    "two\nlines",
    "_x0041_",
    "_x12_",
]
ROW_OF = {name: i for i, name in enumerate(FORMULAS, start=2)}


def _build(path: Path) -> Path:
    wb = Workbook()
    data = wb.active
    data.title = "Data"
    data.append(["customer_id", "month", "mrr", "segment"])
    for row in ROWS:
        data.append(list(row))
    table = Table(displayName="Subscriptions", ref=f"A1:D{LAST}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium9", showRowStripes=True)
    data.add_table(table)

    settings = wb.create_sheet("Settings")
    settings["A1"], settings["B1"] = "Period start", START
    settings["A2"], settings["B2"] = "Period end", END
    wb.defined_names["PeriodStart"] = DefinedName("PeriodStart", attr_text="Settings!$B$1")
    wb.defined_names["PeriodEnd"] = DefinedName("PeriodEnd", attr_text="Settings!$B$2")

    calc = wb.create_sheet("Calc")
    calc.append(["name", "value"])
    for name, (formula, _) in FORMULAS.items():
        calc.cell(ROW_OF[name], 1, name)
        calc.cell(ROW_OF[name], 2).value = formula
    div0_row = len(FORMULAS) + 2
    calc.cell(div0_row, 1, "DIV0")
    calc.cell(div0_row, 2).value = f'=AVERAGEIFS({MRR},{SEG},"none")'

    dashboard = wb.create_sheet("Dash board")  # a name that needs quoting
    dashboard["A1"] = "DASHBOARD-MARKER"
    dashboard["B3"] = f"=Calc!$B${ROW_OF['NRR_like']}"
    wb.defined_names["KPI_NRR"] = DefinedName("KPI_NRR", attr_text="'Dash board'!$B$3")
    wb.defined_names["KPI_MRR"] = DefinedName(
        "KPI_MRR", attr_text=f"Calc!$B${ROW_OF['TABLE_SUM']}")
    wb.defined_names["KPI_DIV0"] = DefinedName("KPI_DIV0", attr_text=f"Calc!$B${div0_row}")

    text = wb.create_sheet("Text")
    for i, value in enumerate(INJECTION, start=1):
        write_value(text, i, 1, value)
        text.cell(i, 2).value = f"=ISTEXT(A{i})"
        text.cell(i, 3).value = f"=LEN(A{i})"

    types = wb.create_sheet("Types")
    typed = [42, 2.5, True, dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, 12, 30), None,
             float("nan")]
    for i, value in enumerate(typed, start=1):
        write_value(types, i, 1, value)
        types.cell(i, 2).value = (
            f'=IF(ISBLANK(A{i}),"blank",IF(ISLOGICAL(A{i}),"bool",'
            f'IF(ISNUMBER(A{i}),"number",IF(ISTEXT(A{i}),"text","other"))))')
    write_text(types, 8, 1, 123)
    types.cell(8, 2).value = '=IF(ISTEXT(A8),"text","other")'
    wb.save(path)
    return path


def _require_soffice() -> None:
    """Fail (never skip) with an install hint when LibreOffice is missing."""
    try:
        find_soffice()
        problem = None
    except EngineError as exc:
        problem = str(exc)
    if problem:
        pytest.fail(f"LibreOffice is required for these tests: {problem}", pytrace=False)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    """The test workbook built with openpyxl and recalculated by LibreOffice."""
    _require_soffice()
    folder = tmp_path_factory.mktemp("engine")
    src = _build(folder / "book.xlsx")
    out = recalculate(src, folder / "book.recalc.xlsx", timeout=300)
    return src, out


@pytest.fixture(scope="module")
def values(recalculated):
    return load_workbook(recalculated[1], data_only=True)


def _same(got, expected) -> bool:
    if isinstance(expected, dt.date):
        if isinstance(got, dt.datetime):
            got = got.date()
        elif isinstance(got, (int, float)) and not isinstance(got, bool):
            got = dt.date(1899, 12, 30) + dt.timedelta(days=got)
        return got == expected
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-12)
    return got == expected


# ------------------------------------------------------------------------------ tests


def test_soffice_is_installed():
    _require_soffice()


def test_openpyxl_alone_caches_no_results(recalculated):
    src, _ = recalculated
    assert load_workbook(src, data_only=True)["Calc"]["B2"].value is None


@pytest.mark.parametrize("name", list(FORMULAS))
def test_function_matches_hand_computed_value(values, name):
    got = values["Calc"].cell(ROW_OF[name], 2).value
    expected = FORMULAS[name][1]
    assert _same(got, expected), f"{name}: LibreOffice gave {got!r}, expected {expected!r}"


def test_defined_names_read_back(recalculated):
    names = defined_name_values(recalculated[1])
    assert math.isclose(names["KPI_NRR"], NRR, rel_tol=1e-12)
    assert names["KPI_MRR"] == sum(r[2] for r in ROWS)
    assert _same(names["PeriodStart"], START) and _same(names["PeriodEnd"], END)


def test_division_by_zero_reads_as_error_text(recalculated):
    assert defined_name_values(recalculated[1])["KPI_DIV0"] == "#DIV/0!"


@pytest.mark.parametrize("text", INJECTION)
def test_data_text_stays_literal(values, text):
    ws = values["Text"]
    row = INJECTION.index(text) + 1
    assert ws.cell(row, 2).value is True, f"{text!r} is not text after recalculation"
    assert ws.cell(row, 3).value == len(text), f"{text!r} changed length"
    assert ws.cell(row, 1).value == text


def test_data_text_is_not_stored_as_formula(recalculated):
    ws = load_workbook(recalculated[0])["Text"]
    for row in range(1, len(INJECTION) + 1):
        assert ws.cell(row, 1).data_type == "s"
    with zipfile.ZipFile(recalculated[0]) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist()
                      if n.startswith("xl/worksheets/sheet"))
    assert "HYPERLINK" in xml
    assert "<f>HYPERLINK" not in xml and "<f>cmd" not in xml and "<f>1+1" not in xml


def test_numbers_dates_booleans_and_none_keep_their_types(values):
    kinds = [values["Types"].cell(i, 2).value for i in range(1, 9)]
    assert kinds == ["number", "number", "bool", "number", "number", "blank", "blank", "text"]


def test_set_value_types_without_libreoffice():
    ws = Workbook().active
    assert set_value(ws["A1"], "=1+1").data_type == "s"
    assert set_value(ws["A1"], "#N/A").data_type == "s"
    assert ws["A1"].value == "#N/A"
    assert set_value(ws["A2"], 7).data_type == "n"
    assert set_value(ws["A3"], True).data_type == "b"
    assert set_value(ws["A4"], dt.date(2026, 1, 1)).is_date
    assert set_value(ws["A5"], float("nan")).value is None
    assert set_value(ws["A6"], "-2+3").quotePrefix
    assert not set_value(ws["A6"], "plain").quotePrefix
    with pytest.raises(ValueError):
        set_value(ws["A7"], float("inf"))
    with pytest.raises(ValueError):
        set_value(ws["A8"], dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))


def test_stale_cached_results_are_recomputed(tmp_path):
    """A cached result in the file (as Excel leaves) must not survive recalculation."""
    _require_soffice()
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["A3"] = 6, 7, "=A1*A2"
    fresh = tmp_path / "fresh.xlsx"
    wb.save(fresh)
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(fresh) as zin, zipfile.ZipFile(stale, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml, n = re.subn(r"<f>A1\*A2</f>(?:<v\s*/>|<v></v>)?",
                                 "<f>A1*A2</f><v>999</v>", data.decode())
                assert n == 1, "unexpected openpyxl output"
                data = xml.encode()
            zout.writestr(item, data)
    assert load_workbook(stale, data_only=True).active["A3"].value == 999
    out = recalculate(stale)
    assert out == tmp_path / "stale.recalc.xlsx"
    assert load_workbook(out, data_only=True).active["A3"].value == 42


def test_concurrent_recalculations_do_not_interfere(tmp_path):
    _require_soffice()
    results, errors = {}, []

    def work(k: int) -> None:
        try:
            wb = Workbook()
            wb.active["A1"], wb.active["A2"] = k, "=A1*10"
            src = tmp_path / f"c{k}.xlsx"
            wb.save(src)
            results[k] = load_workbook(recalculate(src), data_only=True).active["A2"].value
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert results == {1: 10, 2: 20, 3: 30}


def test_missing_source_and_timeout_are_reported(tmp_path):
    _require_soffice()
    with pytest.raises(FileNotFoundError):
        recalculate(tmp_path / "nope.xlsx")
    wb = Workbook()
    wb.active["A1"] = "=1+1"
    src = tmp_path / "t.xlsx"
    wb.save(src)
    garbage = tmp_path / "garbage.xlsx"  # a zip, but not a workbook
    with zipfile.ZipFile(garbage, "w") as z:
        z.writestr("junk.bin", bytes(range(256)) * 8)
    with pytest.raises(EngineError, match="wrote no xlsx file for .*garbage.xlsx"):
        recalculate(garbage)
    with pytest.raises(EngineError, match="not an .xlsx"):
        recalculate(_not_a_zip(tmp_path))
    with pytest.raises(EngineError, match="timed out"):
        recalculate(src, timeout=0.01)
    assert not (tmp_path / "t.recalc.xlsx").exists()


def test_render_one_sheet_to_pdf_and_png(recalculated, tmp_path):
    _require_soffice()
    pdf = render_pdf(recalculated[0], tmp_path / "dash.pdf", sheet="Dash board")
    assert pdf.read_bytes().startswith(b"%PDF")
    png = pdf_to_png(pdf, tmp_path / "dash.png", page=1, dpi=60)
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert png.stat().st_size > 100
    with pytest.raises(EngineError):
        pdf_to_png(pdf, tmp_path / "p99.png", page=99)
    with pytest.raises(KeyError):
        render_pdf(recalculated[0], tmp_path / "x.pdf", sheet="No such sheet")


def test_single_sheet_pdf_leaves_other_sheets_out(recalculated, tmp_path):
    _require_soffice()
    whole = render_pdf(recalculated[0], tmp_path / "all.pdf")
    one = render_pdf(recalculated[0], tmp_path / "one.pdf", sheet="Dash board")
    assert _page_count(one) == 1 < _page_count(whole)
    assert "DASHBOARD-MARKER" in _pdf_text(one)
    assert "DASHBOARD-MARKER" in _pdf_text(whole) and "segment" in _pdf_text(whole)
    assert "segment" not in _pdf_text(one)


def _pdf_text(pdf: Path) -> str:
    import shutil
    import subprocess

    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler's pdftotext is required (apt-get install poppler-utils)"
    return subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def _not_a_zip(folder: Path) -> Path:
    path = folder / "empty.xlsx"
    path.write_bytes(b"")
    return path


def _page_count(pdf: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))
