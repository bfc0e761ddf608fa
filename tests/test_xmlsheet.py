"""The streaming serializer (workbook_templates.writing.xmlsheet via xlsx.write_xlsx), through LibreOffice.

One workbook holds every kind of value a data block can carry (numbers big and small,
integers, booleans, dates with and without times, NaN / NaT / None, unicode, control
characters, formula-looking and error-looking text, OOXML escapes) as an Excel table,
next to formulas that ask LibreOffice what each cell is (ISTEXT, ISNUMBER, LEN). It is
recalculated by LibreOffice (an engine independent of this code and of openpyxl) and read
back: every value must come back as written, every text as text, and the workbook's
structure (table, number formats, panes, widths, tab colour, names) as the layout says.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from workbook_templates.engine import defined_name_values, recalculate
from workbook_templates.spec.layout import Block, SheetLayout, WorkbookLayout, formula
from workbook_templates.writing.xlsx import write_xlsx

pytestmark = pytest.mark.engine  # LibreOffice reads back (most of) what these tests write

TEXTS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "-2+3", "=", "#N/A",
         "#DIV/0!", "TRUE", "00123", "1e5", "'quoted", " leading and trailing ", "\ttab", "two\nlines",
         "_x0041_", "bell\x07 and unit\x1f", "a & <b> > c", "Zoé 日本語 🎉", "Ünïcödé\u200b", "plain"]
N = len(TEXTS)
FLOATS = [0.1, -2.5, 1e300, -1e-300, 123456789.123456789, 2.0 ** 53, 0.0, np.nan, 1 / 3, 2.2250738585072014e-308] + \
    [float(i) for i in range(N - 10)]
INTS = [0, -1, 2 ** 31, -(2 ** 40), 7] + list(range(N - 5))
DATES = pd.to_datetime(["2026-01-01", "2026-06-30 18:30", None, "1999-12-31 23:59:59", "2026-02-28 00:00:01"]
                       + ["2025-01-01"] * (N - 5), format="ISO8601")
WHOLE = [3.0, -7.0, 1e15, np.nan, -0.0] + [float(i) for i in range(N - 5)]  # whole floats: written as ints
BOOLS = [True, False] * (N // 2) + [True] * (N % 2)
MIXED = [5, "yes", True, None, 2.5, "=1+1", dt.date(2026, 1, 2)] + ["x"] * (N - 7)
FIRST = 3  # header row of the table; data from row 4


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"text": TEXTS, "num": FLOATS, "int": INTS, "when": DATES, "flag": BOOLS,
                         "mixed": pd.Series(MIXED, dtype=object),
                         "money": [1234.5] * N, "blank": pd.Series([None] * N, dtype=object), "whole": WHOLE})


def _layout() -> WorkbookLayout:
    data = SheetLayout("data", "Data ✓", freeze="A4", tab_color="FFC000", widths={1: 30, "D": 20})
    data.set(1, 1, "Every value type", "title")
    data.set(1, 3, dt.datetime(2026, 3, 1, 12, 0))
    data.blocks.append(Block(_frame(), row=FIRST, col=1, table="Values", styles={"money": "money"}))
    checks = SheetLayout("checks", "Checks")
    for i in range(N):
        r = FIRST + 1 + i
        checks.set(i + 1, 1, formula(f"=ISTEXT('Data ✓'!A{r})"))
        checks.set(i + 1, 2, formula(f"=LEN('Data ✓'!A{r})"))
        checks.set(i + 1, 3, formula(f"=ISNUMBER('Data ✓'!B{r})"))
        checks.set(i + 1, 4, formula(f"=ISBLANK('Data ✓'!B{r})"))
        checks.set(i + 1, 5, formula(f"=ISTEXT('Data ✓'!F{r})"))
        checks.set(i + 1, 6, formula(f"=ISBLANK('Data ✓'!H{r})"))
    checks.set(1, 8, formula("=SUM(Values[money])"))
    checks.set(2, 8, formula("=COUNTA(Values[text])"))
    return WorkbookLayout([data, checks], names={"TOTAL_MONEY": "Checks!$H$1"}, title="values")


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xmlsheet")
    built = write_xlsx(_layout(), folder / "values.xlsx")
    return built, recalculate(built, folder / "values.recalc.xlsx", timeout=300)


def _data(path, data_only):
    return load_workbook(path, data_only=data_only)["Data ✓"]


@pytest.mark.parametrize("which", ["built", "recalculated"])
def test_every_text_comes_back_as_the_same_text(book, which):
    ws = _data(book[0] if which == "built" else book[1], which == "recalculated")
    got = [ws.cell(FIRST + 1 + i, 1).value for i in range(N)]
    if which == "built":  # openpyxl shows the stored (OOXML-escaped) form: decode it as Excel does
        got = [re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), g) for g in got]
        assert got == TEXTS
    else:  # LibreOffice's own export re-escapes (or not) escapes and control characters: what it
        # read from our file is proved by LEN in test_libreoffice_reads_every_text_as_text_of_its_length
        kept = [i for i, t in enumerate(TEXTS) if "_x" not in t and not re.search(r"[\x00-\x08\x0b-\x1f]", t)]
        assert len(kept) == N - 2 and [got[i] for i in kept] == [TEXTS[i] for i in kept]
    assert all(ws.cell(FIRST + 1 + i, 1).data_type == "s" for i in range(N))


def test_libreoffice_reads_every_text_as_text_of_its_length(book):
    ws = load_workbook(book[1], data_only=True)["Checks"]
    assert [ws.cell(i + 1, 1).value for i in range(N)] == [True] * N
    assert [ws.cell(i + 1, 2).value for i in range(N)] == [len(t) for t in TEXTS]


def test_formula_looking_text_is_never_a_formula_and_carries_the_quote_prefix(book):
    with zipfile.ZipFile(book[0]) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    assert "<f>HYPERLINK" not in xml and "<f>cmd" not in xml and "<f>SUM(1+1)" not in xml
    ws = _data(book[0], False)
    for i, text in enumerate(TEXTS):
        assert ws.cell(FIRST + 1 + i, 1).quotePrefix == text.startswith(("=", "+", "-", "@", "\t")), text


@pytest.mark.parametrize("which", ["built", "recalculated"])
def test_numbers_come_back_exactly_and_nan_is_blank(book, which):
    ws = _data(book[0] if which == "built" else book[1], which == "recalculated")
    for i, x in enumerate(FLOATS):
        got = ws.cell(FIRST + 1 + i, 2).value
        if math.isnan(x):
            assert got is None
        elif which == "built":
            assert isinstance(got, (int, float)) and got == x, (i, x, got)
        else:  # LibreOffice saves 15 significant digits
            assert isinstance(got, (int, float)) and math.isclose(got, x, rel_tol=1e-14), (i, x, got)
    assert [ws.cell(FIRST + 1 + i, 3).value for i in range(N)] == INTS
    assert [ws.cell(FIRST + 1 + i, 9).value for i in range(N)] == [None if math.isnan(x) else x for x in WHOLE]
    assert [ws.cell(FIRST + 1 + i, 5).value for i in range(N)] == BOOLS


def test_libreoffice_sees_numbers_and_blanks(book):
    ws = load_workbook(book[1], data_only=True)["Checks"]
    assert [ws.cell(i + 1, 3).value for i in range(N)] == [not math.isnan(x) for x in FLOATS]
    assert [ws.cell(i + 1, 4).value for i in range(N)] == [math.isnan(x) for x in FLOATS]
    assert [ws.cell(i + 1, 6).value for i in range(N)] == [True] * N  # the all-None column is blank
    assert ws["H1"].value == pytest.approx(1234.5 * N, rel=1e-12)
    assert ws["H2"].value == N


@pytest.mark.parametrize("which", ["built", "recalculated"])
def test_dates_come_back_as_dates_with_the_date_format(book, which):
    ws = _data(book[0] if which == "built" else book[1], which == "recalculated")
    for i, d in enumerate(DATES):
        cell = ws.cell(FIRST + 1 + i, 4)
        if pd.isna(d):
            assert cell.value is None
        else:
            assert cell.value == d.to_pydatetime(), (i, d, cell.value)
            assert cell.number_format.replace("\\", "") == "yyyy-mm-dd"  # LibreOffice escapes the dashes
    assert ws["C1"].value == dt.datetime(2026, 3, 1, 12, 0) and ws["C1"].number_format.replace("\\", "") == "yyyy-mm-dd hh:mm"


def test_mixed_column_keeps_each_value_its_type(book):
    ws = _data(book[1], True)
    got = [ws.cell(FIRST + 1 + i, 6).value for i in range(7)]
    assert got[:3] == [5, "yes", True] and got[3] is None and got[4] == 2.5 and got[5] == "=1+1"
    assert got[6] == dt.datetime(2026, 1, 2)
    checks = load_workbook(book[1], data_only=True)["Checks"]
    assert [checks.cell(i + 1, 5).value for i in range(7)] == [False, True, False, False, False, True, False]


def test_structure_of_the_sheet_is_kept(book):
    wb = load_workbook(book[0])
    ws = wb["Data ✓"]
    table = ws.tables["Values"]
    assert table.ref == f"A{FIRST}:I{FIRST + N}"
    assert [c.name for c in table.tableColumns] == list(_frame().columns)
    assert [ws.cell(FIRST, j).value for j in range(1, 10)] == list(_frame().columns)
    assert ws.freeze_panes == "A4"
    assert ws.sheet_properties.tabColor.rgb.endswith("FFC000")
    assert ws.column_dimensions["A"].width == 30 and ws.column_dimensions["D"].width == 20
    assert ws.cell(FIRST + 1, 7).number_format == "#,##0.00"
    assert ws["A1"].font.bold and ws.cell(FIRST, 1).font.bold  # title and header styles
    assert defined_name_values(book[1])["TOTAL_MONEY"] == pytest.approx(1234.5 * N, rel=1e-12)


# ------------------------------------------------------------------ formula blocks (shared formulas), no engine
def _rows(sheet) -> str:
    from workbook_templates.writing.xmlsheet import sheet_data

    return "".join(sheet_data(sheet, lambda key, quote: {"int": 3}.get(key, 0)))


def test_formula_block_columns_interleave_with_a_data_block_in_column_order():
    from workbook_templates.spec.layout import FormulaBlock

    s = SheetLayout("s", "S", blocks=[Block(pd.DataFrame({"d": [7, 8]}), row=2, col=3, header=False)],
                    formula_blocks=[FormulaBlock(2, 2, 2, [("=C2*2", "int"), (None, None), ("=B2+1", None)])])
    s.set(2, 1, "label")
    assert _rows(s) == (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>label</t></is></c>'
        '<c r="B2" s="3"><f t="shared" ref="B2:B3" si="0">C2*2</f></c><c r="C2"><v>7</v></c>'
        '<c r="D2"><f t="shared" ref="D2:D3" si="1">B2+1</f></c></row>'
        '<row r="3"><c r="B3" s="3"><f t="shared" si="0"/></c><c r="C3"><v>8</v></c>'
        '<c r="D3"><f t="shared" si="1"/></c></row>')


def test_a_one_row_formula_block_is_a_plain_formula_and_an_empty_one_writes_nothing():
    from workbook_templates.spec.layout import FormulaBlock

    s = SheetLayout("s", "S", formula_blocks=[FormulaBlock(1, 1, 1, [("=1+1", None)]),
                                              FormulaBlock(5, 1, 0, [("=2+2", None)])])
    assert _rows(s) == '<row r="1"><c r="A1"><f>1+1</f></c></row>'


def test_two_formula_blocks_of_a_sheet_get_their_own_shared_indexes():
    from workbook_templates.spec.layout import FormulaBlock

    s = SheetLayout("s", "S", formula_blocks=[FormulaBlock(1, 1, 2, [("=B1", None)]),
                                              FormulaBlock(4, 1, 3, [("=B4", None), ("=A4", None)])])
    xml = _rows(s)
    assert re.findall(r'si="(\d)">', xml) == ["0", "1", "2"] and xml.count('si="2"') == 3
