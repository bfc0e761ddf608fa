"""A whole file from the package writer (workbook_templates.writing.xlsx), read by independent engines.

openpyxl (its own reader) reads back every field of the layout records: values, number
formats, fonts, fills, the table, charts, conditional formats, the validation, panes,
widths, print setup, names and the stamp. LibreOffice opens and recalculates the file:
a FormulaBlock written as shared formulas gives the values of the same formulas written
cell by cell (translated row by row with openpyxl's ``Translator``), and hostile text
stays text.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.formula.translate import Translator

from workbook_templates.engine import recalculate
from workbook_templates.spec.layout import (Block, Chart, CondFormat, FormulaBlock, Series, SheetLayout, Validation,
                                            WorkbookLayout, formula, ref)
from workbook_templates.writing.xlsx import Skeleton, write_xlsx, xlsx_bytes

from _xml import parts

WRITING = Path(__file__).resolve().parents[1] / "workbook_templates" / "writing"


def _report_layout() -> WorkbookLayout:
    s = SheetLayout("report", "Report", freeze="C5", tab_color="FFC000", widths={1: 30, "B": 14}, hidden_columns={4},
                    landscape=True, one_page=True, row_heights={2: 33})
    s.set(1, 1, "Report — Zoé", "title")
    s.set(2, 1, "=HYPERLINK(\"http://x\",\"y\")")  # data text that looks like a formula
    s.set(2, 2, 0.125, "pct")
    s.set(3, 2, dt.date(2026, 3, 1), "month")
    s.set(3, 3, formula("=B2*2", "pct"))
    frame = pd.DataFrame({"status": ["Red", "Green", "Amber"], "mrr": [1200.5, 80.0, np.nan],
                          "month": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01"])})
    s.blocks.append(Block(frame, row=5, col=1, table="Values", styles={"mrr": "money"}))
    s.cond_formats += [CondFormat("A6:A8", value="Red", color="F8696B"),
                       CondFormat("B6:B8", formula="$B6>100", font="00875A"), CondFormat("C6:C8")]
    s.validations.append(Validation("E2:E3", "MonthList", "Pick a month"))
    s.charts += [Chart("stacked", "Bridge", "G2", ref("Report", 6, 3, 8, 3),
                       [Series(ref("Report", 6, 2, 8, 2), "base", "none"),
                        Series(ref("calc", 1, 1, 3, 1), "gain", "63BE7B")],
                       y_format="#,##0", legend=False, width=12, height=7),
                 Chart("line", "Trend", "G20", ref("Report", 6, 3, 8, 3), [Series(ref("Report", 6, 2, 8, 2), "MRR")],
                       blanks="span")]
    calc = SheetLayout("calc", "calc", hidden=True)
    for r in range(1, 4):
        calc.set(r, 1, float(r))
    return WorkbookLayout([s, calc], names={"MonthList": "'Report'!$C$6:$C$8", "KPI_X": "'Report'!$B$2"},
                          title="Zoé", template="account")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return write_xlsx(_report_layout(), tmp_path_factory.mktemp("report") / "report.xlsx")


def test_openpyxl_reads_back_values_formats_and_styles(report):
    wb = load_workbook(report)
    ws = wb["Report"]
    assert ws["A1"].value == "Report — Zoé" and ws["A1"].font.b and ws["A1"].font.color.rgb == "FF1F4E79"
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("=HYPERLINK") and ws["A2"].quotePrefix
    assert ws["B2"].value == 0.125 and ws["B2"].number_format == "0.0%"
    assert ws["B3"].value == dt.datetime(2026, 3, 1) and ws["B3"].number_format == "[$-409]mmm yyyy"
    assert ws["C3"].value == "=B2*2" and ws["C3"].number_format == "0.0%"
    assert [c.value for c in ws[5][:3]] == ["status", "mrr", "month"]
    assert ws["A5"].fill.fgColor.rgb == "FF1F4E79" and ws["A5"].font.color.rgb == "FFFFFFFF"
    assert ws["A5"].alignment.wrap_text and ws["A5"].alignment.vertical == "top"
    assert ws["B6"].value == 1200.5 and ws["B6"].number_format == "#,##0.00" and ws["B8"].value is None
    assert ws["C7"].value == dt.datetime(2026, 2, 1) and ws["C7"].number_format == "yyyy-mm-dd"


def test_openpyxl_reads_back_the_sheet_setup(report):
    wb = load_workbook(report)
    ws = wb["Report"]
    assert ws.freeze_panes == "C5" and ws.sheet_properties.tabColor.rgb == "FFFFC000"
    assert ws.column_dimensions["A"].width == 30 and ws.column_dimensions["B"].width == 14
    assert ws.column_dimensions["D"].hidden
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert (int(ws.page_setup.fitToWidth), int(ws.page_setup.fitToHeight)) == (1, 1)
    assert ws.row_dimensions[2].height == 33
    assert wb["calc"].sheet_state == "hidden" and wb.sheetnames == ["Report", "calc"]
    assert wb.active.title == "Report"


def test_openpyxl_reads_back_table_validation_and_conditional_formats(report):
    ws = load_workbook(report)["Report"]
    table = ws.tables["Values"]
    assert table.ref == "A5:C8" and table.tableStyleInfo.name == "TableStyleMedium2"
    assert table.tableStyleInfo.showRowStripes and [c.name for c in table.tableColumns] == ["status", "mrr", "month"]
    dv = ws.data_validations.dataValidation[0]
    assert (dv.type, dv.formula1, dv.prompt, str(dv.sqref)) == ("list", "MonthList", "Pick a month", "E2:E3")
    rules = {str(cf.sqref): cf.rules for cf in ws.conditional_formatting}
    equal, = rules["A6:A8"]
    assert (equal.type, equal.operator, equal.formula) == ("cellIs", "equal", ['"Red"'])
    assert equal.dxf.fill.fgColor.rgb == "FFF8696B"
    expr, = rules["B6:B8"]
    assert expr.type == "expression" and expr.formula == ["$B6>100"]
    assert expr.dxf.font.b and expr.dxf.font.color.rgb == "FF00875A"
    scale, = rules["C6:C8"]
    assert [v.type for v in scale.colorScale.cfvo] == ["min", "percentile", "max"]
    assert scale.colorScale.cfvo[1].val == 50
    assert [c.rgb for c in scale.colorScale.color] == ["FFF8696B", "FFFFD966", "FF63BE7B"]


def test_openpyxl_reads_back_the_charts(report):
    ws = load_workbook(report)["Report"]
    bridge, trend = ws._charts  # noqa: SLF001 - openpyxl keeps the charts it read there
    assert (bridge.type, bridge.grouping, bridge.overlap) == ("col", "stacked", 100)
    assert bridge.legend is None and bridge.display_blanks == "gap" and bridge.visible_cells_only is False
    assert bridge.title.tx.rich.p[0].r[0].t == "Bridge"
    assert bridge.y_axis.number_format.formatCode == "#,##0" and bridge.y_axis.number_format.sourceLinked is False
    assert bridge.x_axis.tickLblPos == "low"
    assert bridge.x_axis.delete is False and bridge.y_axis.delete is False
    base, gain = bridge.series
    assert base.graphicalProperties.noFill and base.graphicalProperties.line.noFill
    assert gain.graphicalProperties.solidFill.srgbClr == "63BE7B"
    assert base.val.numRef.f == "'Report'!$B$6:$B$8" and base.cat.numRef.f == "'Report'!$C$6:$C$8"
    assert bridge.anchor._from.col == 6 and bridge.anchor._from.row == 1  # noqa: SLF001 - G2
    assert bridge.anchor.ext.width == 12 * 360000 and bridge.anchor.ext.height == 7 * 360000
    line, = trend.series
    assert line.smooth is False and trend.display_blanks == "span" and trend.legend.position == "r"


def test_openpyxl_reads_back_names_and_the_stamp(report):
    wb = load_workbook(report)
    assert wb.defined_names["MonthList"].attr_text == "'Report'!$C$6:$C$8"
    assert wb.defined_names["KPI_X"].attr_text == "'Report'!$B$2"
    props = wb.properties
    assert (props.keywords, props.subject, props.title, props.creator) == ("cskpi-template=account", "Zoé", "Zoé",
                                                                           "cskpi")
    assert abs(props.modified - dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)) < dt.timedelta(minutes=10)


def test_the_same_layout_gives_the_same_parts_but_the_time():
    layout = _report_layout()
    skeleton = Skeleton()
    a, b = xlsx_bytes(layout, skeleton), xlsx_bytes(layout, skeleton)
    pa, pb = parts(__import__("io").BytesIO(a)), parts(__import__("io").BytesIO(b))
    assert pa.keys() == pb.keys()
    assert [n for n in pa if pa[n] != pb[n]] in ([], ["docProps/core.xml"])


def test_a_batch_skeleton_is_shared_and_a_workbooks_dxfs_stay_its_own():
    skeleton = Skeleton()
    plain = WorkbookLayout([SheetLayout("s", "S")])
    xlsx_bytes(_report_layout(), skeleton)
    styles = parts(__import__("io").BytesIO(xlsx_bytes(plain, skeleton)))["xl/styles.xml"]
    assert b'<dxfs count="0"/>' in styles
    assert skeleton.styles("en", "") is skeleton.styles("en", "")


def test_no_module_of_the_build_path_imports_openpyxl():
    build = [WRITING / n for n in ("xlsx.py", "package.py", "ooxml.py", "values.py", "xmlsheet.py", "stamp.py",
                                   "update.py")] + sorted((WRITING / "parts").glob("*.py"))
    assert [p.name for p in build if re.search(r"^\s*(from|import) openpyxl", p.read_text(), re.M)] == []


@pytest.mark.parametrize("sheets, message", [
    ([SheetLayout("a", "A/B")], "holds /"),
    ([SheetLayout("a", "x" * 32)], "1 to 31 characters"),
    ([SheetLayout("a", "Data"), SheetLayout("b", "DATA")], "given twice"),
    ([SheetLayout("a", "A", blocks=[Block(pd.DataFrame({"x": [1]}), table="T")]),
      SheetLayout("b", "B", blocks=[Block(pd.DataFrame({"x": [1]}), table="t")])], "table name 't'"),
    ([SheetLayout("a", "A", blocks=[Block(pd.DataFrame({"x": [1, 2]}), row=1, col=1),
                                    Block(pd.DataFrame({"y": [1, 2]}), row=1, col=1, header=False)])], "overlap"),
    ([SheetLayout("a", "A", cells={(3, 2): formula("=1")},
                  formula_blocks=[FormulaBlock(2, 2, 5, [("=A2", None)])])], "cell B3 is also in a formula block"),
])
def test_layouts_excel_would_refuse_are_refused_naming_the_sheet(sheets, message, tmp_path):
    with pytest.raises(ValueError, match=re.escape(message)):
        write_xlsx(WorkbookLayout(sheets), tmp_path / "bad.xlsx")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ LibreOffice: shared formulas, hostile text
N = 60
FORMULAS = [("=IF($A5=0,\"\",B5/$A5)", "ratio"), ("=SUM($B$5:B5)", "money"), (None, None),
            ("='Other data'!A5*2+C5", None), ("=IFERROR(INDEX(Lookup[v],MATCH(C5,Lookup[k],0)),\"n/a\")", None),
            ("=COUNTIFS($C$5:$C$64,C5)", "int")]


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame({"a": rng.integers(0, 4, N).astype(float), "b": rng.normal(100, 30, N).round(2),
                         "c": rng.integers(1, 6, N)})


def _sheet(title: str, *, shared: bool) -> SheetLayout:
    s = SheetLayout(title.lower(), title)
    s.blocks.append(Block(_data(), row=4, col=1))
    if shared:
        s.formula_blocks.append(FormulaBlock(5, 5, N, FORMULAS))
    else:  # the same formulas, cell by cell, moved down by an independent translator
        for j, (text, style) in enumerate(FORMULAS):
            if text is None:
                continue
            origin = f"{chr(ord('E') + j)}5"
            for i in range(N):
                target = f"{chr(ord('E') + j)}{5 + i}"
                s.set(5 + i, 5 + j, formula(Translator(text, origin).translate_formula(target), style))
    return s


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    other = SheetLayout("other", "Other data", blocks=[Block(pd.DataFrame({"x": np.arange(N) * 1.5}), row=4, col=1)])
    lookup = SheetLayout("lookup", "Lookup", blocks=[Block(pd.DataFrame({"k": [1, 2, 3], "v": ["one", "two", "three"]}),
                                                           table="Lookup")])
    hostile = SheetLayout("hostile", "Hostile")
    for i, text in enumerate(HOSTILE):
        hostile.set(1 + i, 1, text)
        hostile.set(1 + i, 2, formula(f"=ISTEXT(A{1 + i})"))
        hostile.set(1 + i, 3, formula(f"=LEN(A{1 + i})"))
    hostile.blocks.append(Block(pd.DataFrame({"t": HOSTILE}), row=1, col=5))
    for i in range(len(HOSTILE)):
        hostile.set(2 + i, 6, formula(f"=ISTEXT(E{2 + i})"))
        hostile.set(2 + i, 7, formula(f"=LEN(E{2 + i})"))
    layout = WorkbookLayout([_sheet("Shared", shared=True), _sheet("Cells", shared=False), other, lookup, hostile])
    return write_xlsx(layout, tmp_path_factory.mktemp("shared") / "shared.xlsx")


@pytest.fixture(scope="module")
def recalculated(shared):
    return recalculate(shared, shared.with_name("shared.recalc.xlsx"), timeout=300)


LONG = "=" + "x" * 39_999
HOSTILE = ["=1+1", "+SUM(A1)", "@cmd", "-2", "=cmd|' /C calc'!A0", "_x0041_", "bell\x07", "#N/A", LONG]


def test_a_column_of_a_formula_block_is_one_shared_formula(shared):
    built = shared
    with zipfile.ZipFile(built) as z:
        names = {n for n in z.namelist() if n.startswith("xl/worksheets/sheet")}
        xml = z.read(sorted(names)[0]).decode()
    assert xml.count('t="shared"') == 5 * N and xml.count('ref="') == 5 + 1  # five masters, plus <dimension ref>
    assert '<f t="shared" ref="F5:F64" si="1">SUM($B$5:B5)</f>' in xml
    assert xml.count("SUM($B$5:") == 1  # written once
    ws = load_workbook(built)["Shared"]  # openpyxl's reader moves a shared formula down by itself
    assert ws["F64"].value == "=SUM($B$5:B64)" and ws["E9"].value == '=IF($A9=0,"",B9/$A9)'
    assert ws["G5"].value is None and ws["H30"].value == "='Other data'!A30*2+C30"


@pytest.mark.engine
def test_libreoffice_computes_shared_formulas_as_the_same_formulas_cell_by_cell(recalculated):
    wb = load_workbook(recalculated, data_only=True)
    a, b = wb["Shared"], wb["Cells"]
    got = [[a.cell(5 + i, 5 + j).value for j in range(len(FORMULAS))] for i in range(N)]
    want = [[b.cell(5 + i, 5 + j).value for j in range(len(FORMULAS))] for i in range(N)]
    assert got == want
    data = _data()  # and by hand, for two of the columns
    running = np.cumsum(data["b"].to_numpy())
    assert np.allclose([row[1] for row in got], running, rtol=1e-12)
    words = {1: "one", 2: "two", 3: "three"}
    assert [row[4] for row in got] == [words.get(c, "n/a") for c in data["c"]]
    assert a["E5"].number_format == "0.00" and a["J5"].number_format == "#,##0"


@pytest.mark.engine
def test_hostile_text_stays_text_of_its_length_in_single_cells_and_blocks(shared, recalculated):
    ws = load_workbook(recalculated, data_only=True)["Hostile"]
    lengths = [min(len(t), 32767) for t in HOSTILE]
    assert [ws.cell(1 + i, 2).value for i in range(len(HOSTILE))] == [True] * len(HOSTILE)
    assert [ws.cell(1 + i, 3).value for i in range(len(HOSTILE))] == lengths
    assert [ws.cell(2 + i, 6).value for i in range(len(HOSTILE))] == [True] * len(HOSTILE)
    assert [ws.cell(2 + i, 7).value for i in range(len(HOSTILE))] == lengths
    raw = load_workbook(shared)["Hostile"]
    assert raw["A1"].quotePrefix and raw["A9"].quotePrefix and not raw["A6"].quotePrefix
    assert raw["A6"].value == "_x005F_x0041_"  # stored escaped: Excel shows _x0041_
