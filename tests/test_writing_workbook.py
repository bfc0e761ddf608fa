"""workbook.xml, tables, document properties and theme (workbook_templates.writing.parts.*) written by hand."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

import pandas as pd

from workbook_templates.spec.layout import Block
from workbook_templates.writing.parts.docprops import APP_XML, core_xml
from workbook_templates.writing.parts.table import table_xml
from workbook_templates.writing.parts.theme import THEME_XML
from workbook_templates.writing.parts.workbook import workbook_xml
from workbook_templates.writing.stamp import Stamp

from _xml import DRAWING, MAIN, REL, same_xml


def test_workbook_part_lists_sheets_names_and_recalculates_on_load():
    got = workbook_xml([("Dashboard", False, "rId1"), ("calc & co", True, "rId2")],
                       {"KPI_NRR": "'Dashboard'!$B$10", "Cut": "=calc!$A$1:$A$3"}, active=0)
    same_xml(got, f"""<workbook xmlns="{MAIN}" xmlns:r="{REL}"><workbookPr/>
      <bookViews><workbookView activeTab="0"/></bookViews>
      <sheets><sheet name="Dashboard" sheetId="1" r:id="rId1"/>
              <sheet name="calc &amp; co" sheetId="2" state="hidden" r:id="rId2"/></sheets>
      <definedNames><definedName name="KPI_NRR">'Dashboard'!$B$10</definedName>
                    <definedName name="Cut">calc!$A$1:$A$3</definedName></definedNames>
      <calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>""")


def test_a_workbook_without_names_has_no_defined_names_element():
    assert b"definedNames" not in workbook_xml([("S", False, "rId1")], {})


def test_table_part_striped_medium2_with_its_columns():
    block = Block(pd.DataFrame({"customer_id": ["a"], "mrr & co": [1.0]}), row=6, col=3, table="AtRisk")
    same_xml(table_xml(block, 7), f"""<table xmlns="{MAIN}" id="7" name="AtRisk" displayName="AtRisk" ref="C6:D7"
      headerRowCount="1" totalsRowShown="0"><tableColumns count="2"><tableColumn id="1" name="customer_id"/>
      <tableColumn id="2" name="mrr &amp; co"/></tableColumns><tableStyleInfo name="TableStyleMedium2"
      showFirstColumn="0" showLastColumn="0" showRowStripes="1" showColumnStripes="0"/></table>""")


def test_an_empty_table_keeps_one_data_row_and_its_headers_override_the_column_names():
    block = Block(pd.DataFrame({"a": []}), row=1, col=1, table="T", headers=["Alpha"])
    root = ET.fromstring(table_xml(block, 1))
    assert root.get("ref") == "A1:A2"
    assert root.find(f"{{{MAIN}}}tableColumns/{{{MAIN}}}tableColumn").get("name") == "Alpha"


def test_core_properties_carry_the_stamp_and_the_time():
    got = core_xml(Stamp("account", "Zoé <Acme>"), dt.datetime(2026, 12, 5, 9, 30, 0))
    same_xml(got, """<cp:coreProperties
      xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
      xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
      xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <dc:title>Zoé &lt;Acme&gt;</dc:title><dc:subject>Zoé &lt;Acme&gt;</dc:subject><dc:creator>cskpi</dc:creator>
      <cp:keywords>cskpi-template=account</cp:keywords><cp:lastModifiedBy>cskpi</cp:lastModifiedBy>
      <dcterms:created xsi:type="dcterms:W3CDTF">2026-12-05T09:30:00Z</dcterms:created>
      <dcterms:modified xsi:type="dcterms:W3CDTF">2026-12-05T09:30:00Z</dcterms:modified>
    </cp:coreProperties>""")


def test_app_properties_and_theme_are_well_formed_and_the_theme_has_office_colours_and_fonts():
    ET.fromstring(APP_XML)
    theme = ET.fromstring(THEME_XML)
    a = f"{{{DRAWING}}}"
    scheme = theme.find(f"{a}themeElements/{a}clrScheme")
    assert [el.tag.replace(a, "") for el in scheme] == ["dk1", "lt1", "dk2", "lt2", "accent1", "accent2", "accent3",
                                                        "accent4", "accent5", "accent6", "hlink", "folHlink"]
    assert scheme.find(f"{a}accent1/{a}srgbClr").get("val") == "4F81BD"
    fonts = theme.find(f"{a}themeElements/{a}fontScheme")
    assert fonts.find(f"{a}minorFont/{a}latin").get("typeface") == "Calibri"
    fmt = theme.find(f"{a}themeElements/{a}fmtScheme")
    assert [len(lst) for lst in fmt] == [3, 3, 3, 3]  # the schema wants at least three of each style list
