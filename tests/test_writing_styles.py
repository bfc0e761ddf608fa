"""styles.xml (workbook_templates.writing.parts.styles): cell formats of the style keys, written by hand from ECMA-376.

Expected elements are written here from the spec (§18.8): the default font and the two
reserved fills first, built-in number formats by id (3 is ``#,##0``), custom ones from 164,
``applyX`` flags, the quote prefix, alignment children, solid pattern fills with fg and bg
colours, and dxfs holding a bold coloured font or a fill.
"""

from __future__ import annotations

import threading
from xml.etree import ElementTree as ET

from workbook_templates.writing.parts.styles import Dxfs, StyleSheet, argb

from _xml import MAIN, same_xml, tree

NS = {"x": MAIN}


def _xf(sheet: StyleSheet, key, quote=False):
    index = sheet.xf(key, quote)  # registered before the part is written
    root = ET.fromstring(sheet.xml())
    return root.findall("x:cellXfs/x:xf", NS)[index], root


def _font(root, xf):
    return ET.tostring(root.findall("x:fonts/x:font", NS)[int(xf.get("fontId"))])


def test_the_fixed_head_of_the_part_is_excels_default():
    root = ET.fromstring(StyleSheet("en").xml())
    same_xml(ET.tostring(root.find("x:fonts/x:font", NS)),
             f'<font xmlns="{MAIN}"><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/>'
             '<scheme val="minor"/></font>')
    fills = root.findall("x:fills/x:fill", NS)
    same_xml(ET.tostring(fills[0]), f'<fill xmlns="{MAIN}"><patternFill patternType="none"/></fill>')
    same_xml(ET.tostring(fills[1]), f'<fill xmlns="{MAIN}"><patternFill patternType="gray125"/></fill>')
    same_xml(ET.tostring(root.find("x:cellXfs/x:xf", NS)),
             f'<xf xmlns="{MAIN}" numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>')
    assert root.find("x:cellXfs", NS).get("count") == str(len(root.findall("x:cellXfs/x:xf", NS)))
    assert root.find("x:fonts", NS).get("count") == str(len(root.findall("x:fonts/x:font", NS)))


def test_header_is_bold_white_on_the_brand_fill_wrapped_at_the_top():
    sheet = StyleSheet("en")
    xf, root = _xf(sheet, "header")
    fill = root.findall("x:fills/x:fill", NS)[int(xf.get("fillId"))]
    same_xml(ET.tostring(fill), f'<fill xmlns="{MAIN}"><patternFill patternType="solid"><fgColor rgb="FF1F4E79"/>'
                                '<bgColor rgb="FF1F4E79"/></patternFill></fill>')
    same_xml(_font(root, xf), f'<font xmlns="{MAIN}"><b/><sz val="11"/><color rgb="FFFFFFFF"/><name val="Calibri"/>'
                              '<family val="2"/><scheme val="minor"/></font>')
    same_xml(ET.tostring(xf), f'<xf xmlns="{MAIN}" numFmtId="0" fontId="{xf.get("fontId")}" '
                              f'fillId="{xf.get("fillId")}" borderId="0" xfId="0" applyFont="1" applyFill="1" '
                              'applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>')


def test_number_formats_builtin_by_id_custom_from_164():
    sheet = StyleSheet("en")
    xf, root = _xf(sheet, "int")  # "#,##0" is built-in format 3
    assert xf.get("numFmtId") == "3" and xf.get("applyNumberFormat") == "1"
    xf, root = _xf(sheet, "pct")  # "0.0%" is not built in
    fmt = int(xf.get("numFmtId"))
    assert fmt >= 164
    codes = {int(n.get("numFmtId")): n.get("formatCode") for n in root.findall("x:numFmts/x:numFmt", NS)}
    assert codes[fmt] == "0.0%"
    assert root.find("x:numFmts", NS).get("count") == str(len(codes))
    assert all(i >= 164 for i in codes)


def test_money_in_french_with_a_currency_carries_it_after_the_amount():
    sheet = StyleSheet("fr", "€")
    xf, root = _xf(sheet, "money")
    codes = {n.get("numFmtId"): n.get("formatCode") for n in root.findall("x:numFmts/x:numFmt", NS)}
    assert codes[xf.get("numFmtId")] == '#,##0.00\\ "€";-#,##0.00\\ "€"'


def test_months_carry_the_language_locale():
    en, fr = StyleSheet("en"), StyleSheet("fr")
    for sheet, code in ((en, "[$-409]mmm yyyy"), (fr, "[$-40C]mmm yyyy")):
        xf, root = _xf(sheet, "month")
        codes = {n.get("numFmtId"): n.get("formatCode") for n in root.findall("x:numFmts/x:numFmt", NS)}
        assert codes[xf.get("numFmtId")] == code


def test_the_quote_prefix_is_the_only_difference_of_the_quoted_format():
    sheet = StyleSheet("en")
    plain, _ = _xf(sheet, "text")
    quoted, _ = _xf(sheet, "text", True)
    assert quoted.get("quotePrefix") == "1" and plain.get("quotePrefix") is None
    assert {k: v for k, v in quoted.attrib.items() if k != "quotePrefix"} == dict(plain.attrib)
    none_quoted, _ = _xf(sheet, None, True)
    same_xml(ET.tostring(none_quoted), f'<xf xmlns="{MAIN}" numFmtId="0" fontId="0" fillId="0" borderId="0" '
                                       'xfId="0" quotePrefix="1"/>')


def test_an_unknown_key_is_the_plain_format_and_indexes_are_stable():
    a, b = StyleSheet("en"), StyleSheet("en")
    assert a.xf("no such key") == a.xf(None) == 0
    assert [a.xf(k) for k in ("pct", "header", "kpi_money", "link")] == [b.xf(k) for k in ("pct", "header",
                                                                                          "kpi_money", "link")]


def test_link_is_blue_and_underlined():
    xf, root = _xf(StyleSheet("en"), "link")
    same_xml(_font(root, xf), f'<font xmlns="{MAIN}"><u/><sz val="11"/><color rgb="FF0563C1"/><name val="Calibri"/>'
                              '<family val="2"/><scheme val="minor"/></font>')


def test_dxfs_hold_a_bold_coloured_font_or_a_solid_fill_each_once():
    dxfs = Dxfs()
    assert [dxfs.add(font="00875A"), dxfs.add(fill="F8696B"), dxfs.add(font="00875A"),
            dxfs.add(fill="63BE7B", font="C00000")] == [0, 1, 0, 2]
    root = ET.fromstring(StyleSheet("en").xml(dxfs))
    items = root.findall("x:dxfs/x:dxf", NS)
    assert root.find("x:dxfs", NS).get("count") == "3"
    same_xml(ET.tostring(items[0]), f'<dxf xmlns="{MAIN}"><font><b/><color rgb="FF00875A"/></font></dxf>')
    same_xml(ET.tostring(items[2]), f'<dxf xmlns="{MAIN}"><font><b/><color rgb="FFC00000"/></font><fill>'
                                    '<patternFill patternType="solid"><fgColor rgb="FF63BE7B"/>'
                                    '<bgColor rgb="FF63BE7B"/>'
                                    '</patternFill></fill></dxf>')


def test_dxfs_of_one_workbook_do_not_leak_into_the_next():
    sheet = StyleSheet("en")
    first = Dxfs()
    first.add(fill="F8696B")
    assert ET.fromstring(sheet.xml(first)).find("x:dxfs", NS).get("count") == "1"
    assert ET.fromstring(sheet.xml(Dxfs())).find("x:dxfs", NS).get("count") == "0"


def test_elements_follow_the_schema_order():
    order = [el.tag.split("}")[1] for el in ET.fromstring(StyleSheet("en").xml())]
    assert order == ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
                     "tableStyles"]


def test_formats_added_from_many_threads_get_one_index_each():
    sheet = StyleSheet("en")
    keys = [f"k{i}" for i in range(40)] + ["month", "datetime", "date"]
    got: dict = {}

    def work():
        for k in keys:
            for q in (False, True):
                got.setdefault((k, q), set()).add(sheet.xf(k, q))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(len(v) == 1 for v in got.values())
    xfs = tree(sheet.xml())[3]
    cell_xfs = next(c for c in xfs if c[0] == f"{{{MAIN}}}cellXfs")
    assert len(cell_xfs[3]) == int(dict(cell_xfs[1])["count"])  # no index was handed out twice


def test_argb_makes_colours_opaque():
    assert argb("#00875a") == "FF00875A" and argb("80FF0000") == "80FF0000"
