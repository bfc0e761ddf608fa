"""A worksheet part (workbook_templates.writing.parts.worksheet) against XML written by hand from ECMA-376 §18.3.

The style ids and dxf ids are whatever the (fake) style table says, so the expected XML
does not depend on the style sheet.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from workbook_templates.spec.layout import Block, CondFormat, FormulaBlock, SheetLayout, Validation, formula
from workbook_templates.writing.parts.styles import Dxfs
from workbook_templates.writing.parts.worksheet import cond_format_xml, worksheet_xml

from _xml import MAIN, REL, same_xml

STYLE = {("title", False): 1, ("header", False): 2, ("pct", False): 3, ("date", False): 4}


def style_id(key, quote):
    return STYLE.get((key, quote), 9 if quote else 0)


def _xml(sheet, **kw) -> bytes:
    return b"".join(worksheet_xml(sheet, style_id, kw.pop("dxfs", Dxfs()), **kw))


def test_a_sheet_with_every_setting_is_the_hand_written_part():
    s = SheetLayout("k", "Health", freeze="C5", tab_color="FFC000", widths={1: 30, "D": 12.5}, hidden_columns={4, 6},
                    landscape=True, one_page=True, row_heights={2: 33})
    s.set(1, 1, "Health", "title")
    s.set(2, 2, formula("=A1&\"<x>\"", "pct"))
    s.cond_formats += [CondFormat("$F$5:$F$9", value="Red", color="F8696B"),
                       CondFormat("E5:E9", formula="$D5>0", font="00875A"),
                       CondFormat("F5:F9", formula="$D5<0", color="FFD966", font="C00000"),
                       CondFormat("G5:G9")]
    s.validations.append(Validation("B4:B5", "=MonthList", "Pick a month"))
    got = _xml(s, selected=True, drawing="rId1", tables=("rId2", "rId3"))
    expected = f"""<worksheet xmlns="{MAIN}" xmlns:r="{REL}">
      <sheetPr><tabColor rgb="FFFFC000"/><pageSetUpPr fitToPage="1"/></sheetPr>
      <dimension ref="A1:B2"/>
      <sheetViews><sheetView tabSelected="1" workbookViewId="0">
        <pane xSplit="2" ySplit="4" topLeftCell="C5" activePane="bottomRight" state="frozen"/>
        <selection pane="bottomRight" activeCell="C5" sqref="C5"/>
      </sheetView></sheetViews>
      <sheetFormatPr defaultRowHeight="15"/>
      <cols><col min="1" max="1" width="30" customWidth="1"/>
            <col min="4" max="4" width="12.5" customWidth="1" hidden="1"/>
            <col min="6" max="6" width="9.140625" hidden="1"/></cols>
      <sheetData>
        <row r="1"><c r="A1" s="1" t="inlineStr"><is><t>Health</t></is></c></row>
        <row r="2" ht="33" customHeight="1"><c r="B2" s="3"><f>A1&amp;"&lt;x&gt;"</f></c></row>
      </sheetData>
      <conditionalFormatting sqref="F5:F9">
        <cfRule type="cellIs" dxfId="0" priority="1" operator="equal"><formula>"Red"</formula></cfRule>
        <cfRule type="expression" dxfId="2" priority="3"><formula>$D5&lt;0</formula></cfRule>
      </conditionalFormatting>
      <conditionalFormatting sqref="E5:E9">
        <cfRule type="expression" dxfId="1" priority="2"><formula>$D5&gt;0</formula></cfRule>
      </conditionalFormatting>
      <conditionalFormatting sqref="G5:G9">
        <cfRule type="colorScale" priority="4"><colorScale><cfvo type="min"/><cfvo type="percentile" val="50"/>
          <cfvo type="max"/><color rgb="FFF8696B"/><color rgb="FFFFD966"/><color rgb="FF63BE7B"/></colorScale></cfRule>
      </conditionalFormatting>
      <dataValidations count="1">
        <dataValidation type="list" allowBlank="0" showErrorMessage="0" showInputMessage="1" prompt="Pick a month"
                        sqref="B4:B5"><formula1>MonthList</formula1></dataValidation>
      </dataValidations>
      <pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>
      <pageSetup orientation="landscape" fitToWidth="1" fitToHeight="1"/>
      <drawing r:id="rId1"/>
      <tableParts count="2"><tablePart r:id="rId2"/><tablePart r:id="rId3"/></tableParts>
    </worksheet>"""
    same_xml(got, expected)


@pytest.mark.parametrize("freeze, pane", [
    ("A2", '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
           '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'),
    ("B1", '<pane xSplit="1" topLeftCell="B1" activePane="topRight" state="frozen"/>'
           '<selection pane="topRight" activeCell="B1" sqref="B1"/>'),
    ("A1", ""),
])
def test_frozen_panes(freeze, pane):
    got = _xml(SheetLayout("k", "S", freeze=freeze))
    same_xml(got, f"""<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>
      <dimension ref="A1"/><sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>
      <sheetFormatPr defaultRowHeight="15"/><sheetData/>
      <pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>
      <pageSetup orientation="portrait" fitToWidth="1" fitToHeight="0"/></worksheet>""")


def test_dimension_covers_cells_blocks_and_formula_blocks():
    s = SheetLayout("k", "S", blocks=[Block(pd.DataFrame({"a": [1, 2], "b": [3, 4]}), row=3, col=2)],
                    formula_blocks=[FormulaBlock(4, 7, 5, [("=B4*2", None)])])
    s.set(1, 1, "x")
    assert b'<dimension ref="A1:G8"/>' in _xml(s)


def test_a_criterion_with_quotes_doubles_them():
    same_xml(f'<r xmlns="{MAIN}">' + cond_format_xml([CondFormat("A1:A2", value='say "hi"', color="63BE7B")],
                                                     Dxfs()) + "</r>",
             f'<r xmlns="{MAIN}"><conditionalFormatting sqref="A1:A2"><cfRule type="cellIs" dxfId="0" priority="1" '
             'operator="equal"><formula>"say ""hi"""</formula></cfRule></conditionalFormatting></r>')


def test_cells_carry_their_style_ids_and_dates_are_serial_numbers():
    s = SheetLayout("k", "S", blocks=[Block(pd.DataFrame({"when": pd.to_datetime(["2026-01-01"])}), row=1, col=1)])
    s.set(3, 1, dt.date(2026, 1, 2), "date")
    xml = _xml(s)
    assert b'<c r="A2" s="4"><v>46023</v></c>' in xml  # a date column gets the date style; 2026-01-01 is 46023
    assert b'<c r="A3" s="4"><v>46024</v></c>' in xml
    assert b'<c r="A1" s="2" t="inlineStr"><is><t>when</t></is></c>' in xml
