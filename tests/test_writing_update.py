"""The headless Refresh at the package level (workbook_templates.writing.update), part by part.

A built portfolio gets a user's sheet made by another writer (XlsxWriter: a picture, a
text box, a chart, a comment), sheet-scoped names, a calculation chain and a selected
tab, as Excel would leave them; Refresh must keep every part it does not own byte for
byte, leave no part of the old computed sheets behind, keep the package consistent
(every relationship resolves, every part has a content type), append its formats to
the styles once, and give LibreOffice a file it recalculates.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xlsxwriter
from openpyxl import load_workbook

import kpi_core
from workbook_templates.refresh import refresh_workbook
from workbook_templates.templates.portfolio import portfolio_layout
from workbook_templates.writing.update import read_workbook
from workbook_templates.writing.xlsx import write_xlsx

from _workbooks import assert_kpis_equal, workbook_kpis
from _xml import CT, MAIN, PKG_REL, parts

PERIOD = ("2026-05", "2026-10")
USER = "My notes"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cf"
                    "c0f01f0005000201a5f8e0e70000000049454e44ae426082")  # a 1x1 picture


def _donor(tmp: Path) -> dict:
    """The parts of a sheet made by XlsxWriter with a picture, a text box, a chart and a comment."""
    (tmp / "dot.png").write_bytes(PNG)
    path = tmp / "donor.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet(USER)
    ws.write_number("A1", 10)
    ws.write_number("A2", 32)
    ws.write_formula("B1", "=KPI_MRR*2")
    ws.insert_image("D2", str(tmp / "dot.png"))
    ws.insert_textbox("D8", "Call Zoé before the renewal")
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": f"='{USER}'!$A$1:$A$2"})
    ws.insert_chart("H2", chart)
    ws.write_comment("A1", "my own note")
    wb.close()
    return parts(path)


def _graft(built: Path, out: Path, tmp: Path, *, extra_names: str = "", calc_chain: bool = False,
           select_user: bool = False) -> Path:
    """`built` plus the donor sheet (renamed to parts numbered 900), as a user's edit in Excel would leave it."""
    donor = _donor(tmp)
    ours = parts(built)
    rename = {}
    for name in donor:
        m = re.match(r"xl/(worksheets/sheet|drawings/drawing|drawings/vmlDrawing|charts/chart|comments)1\.(xml|vml)$",
                     name)
        if m:
            rename[name] = f"xl/{m.group(1)}900.{m.group(2)}"
    rename["xl/media/image1.png"] = "xl/media/image900.png"
    for old in list(rename):
        rels = posixpath.join(posixpath.dirname(old), "_rels", posixpath.basename(old) + ".rels")
        if rels in donor:
            rename[rels] = posixpath.join(posixpath.dirname(rename[old]), "_rels",
                                          posixpath.basename(rename[old]) + ".rels")
    new = dict(ours)
    for old, name in rename.items():
        data = donor[old]
        for a, b in rename.items():  # targets inside relationships
            data = data.replace(posixpath.basename(a).encode(), posixpath.basename(b).encode())
        new[name] = data
    if select_user and b"tabSelected" not in new["xl/worksheets/sheet900.xml"]:
        new["xl/worksheets/sheet900.xml"] = new["xl/worksheets/sheet900.xml"].replace(
            b"<sheetView ", b'<sheetView tabSelected="1" ', 1)
    assert (b'tabSelected="1"' in new["xl/worksheets/sheet900.xml"]) == select_user
    types = ET.fromstring(donor["[Content_Types].xml"])
    extra = "".join(f'<Override PartName="/{rename[o.get("PartName").lstrip("/")]}" '
                    f'ContentType="{o.get("ContentType")}"/>'
                    for o in types.iter(f"{{{CT}}}Override") if o.get("PartName").lstrip("/") in rename)
    extra += '<Default Extension="png" ContentType="image/png"/><Default Extension="vml" ' \
             'ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/>'
    book = new["xl/workbook.xml"].decode()
    book = book.replace("</sheets>", f'<sheet name="{USER}" sheetId="900" r:id="rId900"/></sheets>')
    if extra_names:
        book = book.replace("<definedNames>", "<definedNames>" + extra_names)
    rels = new["xl/_rels/workbook.xml.rels"].decode().replace(
        "</Relationships>", '<Relationship Id="rId900" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                            'relationships/worksheet" Target="worksheets/sheet900.xml"/></Relationships>')
    if calc_chain:
        new["xl/calcChain.xml"] = f'<calcChain xmlns="{MAIN}"><c r="B1" i="1"/></calcChain>'.encode()
        extra += ('<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
                  'officedocument.spreadsheetml.calcChain+xml"/>')
        rels = rels.replace("</Relationships>", '<Relationship Id="rId901" Type="http://schemas.openxmlformats.org/'
                                                'officeDocument/2006/relationships/calcChain" Target="calcChain.xml"/>'
                                                "</Relationships>")
        book = book.replace('fullCalcOnLoad="1"', "")
    new["xl/workbook.xml"] = book.encode()
    new["xl/_rels/workbook.xml.rels"] = rels.encode()
    new["[Content_Types].xml"] = new["[Content_Types].xml"].replace(b"</Types>", extra.encode() + b"</Types>")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in new.items():
            z.writestr(name, data)
    return out


def _user_parts(p: dict) -> dict:
    return {n: d for n, d in p.items() if "900" in n}


def _check_package(p: dict) -> None:
    """Every relationship resolves to a part, every part is reachable and has a content type."""
    types = ET.fromstring(p["[Content_Types].xml"])
    defaults = {d.get("Extension").lower() for d in types.iter(f"{{{CT}}}Default")}
    overrides = {o.get("PartName").lstrip("/") for o in types.iter(f"{{{CT}}}Override")}
    reached, todo = set(), [""]
    while todo:
        part = todo.pop()
        rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
        if rels not in p:
            continue
        for rel in ET.fromstring(p[rels]).iter(f"{{{PKG_REL}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(part), rel.get("Target")))
            assert target in p, f"{part} -> {target}: missing"
            if target not in reached:
                reached.add(target)
                todo.append(target)
    for name in p:
        if name.endswith(".rels") or name == "[Content_Types].xml":
            continue
        assert name in reached, f"{name} is an orphan"
        assert name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, f"{name} has no content type"
    assert not overrides - set(p), f"content types of missing parts: {overrides - set(p)}"


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("update")
    ds = kpi_core.sample_dataset(seed=3, n_customers=12)
    built = write_xlsx(portfolio_layout(ds, *PERIOD, currency="€"), tmp / "built.xlsx")
    names = (f'<definedName name="_xlnm.Print_Area" localSheetId="0">\'Dashboard\'!$A$1:$H$30</definedName>'
             f'<definedName name="MyRange">\'{USER}\'!$A$1:$A$2</definedName>'
             f'<definedName name="KPI_OLD">\'Dashboard\'!$B$99</definedName>')
    path = _graft(built, tmp / "book.xlsx", tmp, extra_names=names, calc_chain=True, select_user=True)
    # the user's sheet is the last one: a sheet-scoped name on it, by its index
    index = load_workbook(path).sheetnames.index(USER)
    data = parts(path)
    data["xl/workbook.xml"] = data["xl/workbook.xml"].replace(
        b"<definedNames>", f'<definedNames><definedName name="_xlnm.Print_Area" localSheetId="{index}">'
                           f"'{USER}'!$A$1:$J$20</definedName>".encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, blob in data.items():
            z.writestr(name, blob)
    before = parts(path)
    refresh_workbook(path)
    return ds, path, before, parts(path), tmp


def test_the_users_picture_text_box_chart_and_comment_are_kept_byte_for_byte(refreshed):
    _, _, before, after, _ = refreshed
    kept = _user_parts(before)
    assert {"xl/media/image900.png", "xl/drawings/drawing900.xml", "xl/charts/chart900.xml",
            "xl/comments900.xml"} <= set(kept)
    for name, data in kept.items():
        if name == "xl/worksheets/sheet900.xml":  # its tab is no longer the selected one
            assert after[name] == data.replace(b' tabSelected="1"', b"")
        else:
            assert after[name] == data, name
    assert b"xdr:sp" in after["xl/drawings/drawing900.xml"] and b"Call Zo" in after["xl/drawings/drawing900.xml"]


def test_data_sheets_settings_guide_and_shared_parts_are_kept_byte_for_byte(refreshed):
    _, path, before, after, _ = refreshed
    book_before = ET.fromstring(before["xl/workbook.xml"])
    rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(before["xl/_rels/workbook.xml.rels"])}
    kept = {"Guide", "Settings", "Customers", "Subscriptions", "Responses", "Tickets", "Usage", "Orders", "Funnel",
            "Acquisition"}
    for sheet in book_before.iter(f"{{{MAIN}}}sheet"):
        if sheet.get("name") in kept:
            part = "xl/" + rels[sheet.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")]
            assert after[part] == before[part], sheet.get("name")
            tables = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
            if tables in before:
                for rel in ET.fromstring(before[tables]):
                    target = posixpath.normpath(posixpath.join("xl/worksheets", rel.get("Target")))
                    assert after[target] == before[target]
    for name in ("xl/theme/theme1.xml", "docProps/core.xml", "docProps/app.xml", "_rels/.rels"):
        assert after[name] == before[name]


def test_the_package_is_consistent_and_old_computed_parts_are_gone(refreshed):
    _, _, before, after, _ = refreshed
    _check_package(after)
    assert "xl/calcChain.xml" not in after
    charts = [n for n in after if n.startswith("xl/charts/") and "900" not in n]
    assert len(charts) == len([n for n in before if n.startswith("xl/charts/") and "900" not in n])


def test_workbook_part_names_tabs_and_calculation(refreshed):
    _, path, _, after, _ = refreshed
    wb = load_workbook(path)
    names = wb.sheetnames
    assert names[0] == "Dashboard" and names[-1] == USER
    book = ET.fromstring(after["xl/workbook.xml"])
    assert book.find(f"{{{MAIN}}}calcPr").get("fullCalcOnLoad") == "1"
    assert book.find(f"{{{MAIN}}}bookViews/{{{MAIN}}}workbookView").get("activeTab") == "0"
    scoped = [(n.get("name"), n.get("localSheetId"), n.text) for n in book.iter(f"{{{MAIN}}}definedName")
              if n.get("localSheetId") is not None]
    assert scoped == [("_xlnm.Print_Area", str(names.index(USER)), f"'{USER}'!$A$1:$J$20")]  # Dashboard's went
    workbook_level = {n.get("name") for n in book.iter(f"{{{MAIN}}}definedName") if n.get("localSheetId") is None}
    assert "MyRange" in workbook_level and "KPI_OLD" not in workbook_level and "KPI_MRR" in workbook_level
    selected = [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected]
    assert selected == ["Dashboard"]


def test_computed_sheets_get_the_writers_formats_in_the_users_style_sheet(refreshed):
    _, path, _, _, _ = refreshed
    wb = load_workbook(path)
    dash = wb["Dashboard"]
    assert dash["A1"].font.b and dash["A1"].font.color.rgb == "FF1F4E79"
    revenue = wb["Revenue"]
    money = [c.number_format for row in revenue.iter_rows() for c in row if "€" in (c.number_format or "")]
    assert money and money[0].startswith('"€"')  # the currency of the Settings sheet, before the amount in English


def test_a_second_refresh_adds_no_formats(refreshed):
    _, path, _, after, tmp = refreshed
    second = tmp / "second.xlsx"
    second.write_bytes(path.read_bytes())
    refresh_workbook(second)
    again = parts(second)
    count = lambda xml, tag: len(ET.fromstring(xml).find(f"{{{MAIN}}}{tag}"))  # noqa: E731
    for tag in ("numFmts", "fonts", "fills", "cellXfs", "dxfs"):
        assert count(again["xl/styles.xml"], tag) == count(after["xl/styles.xml"], tag), tag
    _check_package(again)


@pytest.mark.engine
def test_libreoffice_recalculates_the_refreshed_workbook(refreshed):
    ds, path, _, _, tmp = refreshed
    assert_kpis_equal(workbook_kpis(path, tmp), kpi_core.headline_kpis(ds, *PERIOD))


def test_a_table_name_already_used_by_a_kept_sheet_is_refused_and_the_file_kept(tmp_path):
    ds = kpi_core.sample_dataset(seed=1, n_customers=6)
    built = write_xlsx(portfolio_layout(ds, *PERIOD), tmp_path / "b.xlsx")
    wb = load_workbook(built)
    from openpyxl.worksheet.table import Table

    del wb["Follow-up"]  # the user deleted the sheet of the AtRisk table, then made a table of that name
    mine = wb.create_sheet(USER)
    mine.append(["customer_id", "x"])
    mine.append(["a", 1])
    mine.add_table(Table(displayName="AtRisk", ref="A1:B2"))
    wb.save(built)
    data = built.read_bytes()
    with pytest.raises(kpi_core.KpiInputError, match="table name AtRisk .* already used by one of the sheets"):
        refresh_workbook(built)
    assert built.read_bytes() == data and sorted(p.name for p in tmp_path.iterdir()) == ["b.xlsx"]


def test_a_prefixed_workbook_and_style_sheet_are_spliced_in_their_own_namespace(tmp_path):
    ds = kpi_core.sample_dataset(seed=1, n_customers=6)
    built = write_xlsx(portfolio_layout(ds, *PERIOD), tmp_path / "b.xlsx")
    data = parts(built)
    ET.register_namespace("x", MAIN)
    ET.register_namespace("r", "http://schemas.openxmlformats.org/officeDocument/2006/relationships")
    for name in ("xl/workbook.xml", "xl/styles.xml"):
        data[name] = ET.tostring(ET.fromstring(data[name]), xml_declaration=True, encoding="UTF-8")
        assert data[name].count(b"<x:") > 3
    # and a style sheet as Excel writes it when there is no conditional format: no dxfs at all
    data["xl/styles.xml"] = re.sub(rb"<x:dxfs[^>]*/>|<x:dxfs.*?</x:dxfs>", b"", data["xl/styles.xml"], flags=re.S)
    with zipfile.ZipFile(built, "w", zipfile.ZIP_DEFLATED) as z:
        for name, blob in data.items():
            z.writestr(name, blob)
    refresh_workbook(built)
    after = parts(built)
    styles = ET.fromstring(after["xl/styles.xml"])
    assert styles.find(f"{{{MAIN}}}dxfs") is not None and len(styles.find(f"{{{MAIN}}}dxfs")) > 0
    assert [el.tag.split("}")[1] for el in styles][:8] == ["numFmts", "fonts", "fills", "borders", "cellStyleXfs",
                                                           "cellXfs", "cellStyles", "dxfs"]
    wb = load_workbook(built)
    assert wb["Dashboard"]["A1"].font.b and "KPI_MRR" in wb.defined_names
    _check_package(after)


def test_a_format_code_under_two_ids_in_the_users_styles_gets_no_duplicate_id(tmp_path):
    # a user's styles.xml may hold one format code under two ids (Excel keeps both); the formats Refresh adds
    # used to count the codes, not the elements: a new id equal to the second one and a wrong count
    ds = kpi_core.sample_dataset(seed=1, n_customers=6)
    built = write_xlsx(portfolio_layout(ds, *PERIOD, currency="€"), tmp_path / "b.xlsx")
    data = parts(built)
    # the money formats shown in pounds (Refresh, in euros as Settings says, adds its own) and the twins
    styles = data["xl/styles.xml"].replace("€".encode(), "£".encode())
    count = int(re.search(rb'<numFmts count="(\d+)"', styles).group(1))
    twins = b'<numFmt numFmtId="300" formatCode="0.000"/><numFmt numFmtId="301" formatCode="0.000"/>'
    data["xl/styles.xml"] = re.sub(rb'<numFmts count="\d+">', b'<numFmts count="%d">' % (count + 2) + twins, styles)
    with zipfile.ZipFile(built, "w", zipfile.ZIP_DEFLATED) as z:
        for name, blob in data.items():
            z.writestr(name, blob)
    refresh_workbook(built)
    formats = ET.fromstring(parts(built)["xl/styles.xml"]).find(f"{{{MAIN}}}numFmts")
    ids = [int(el.get("numFmtId")) for el in formats]
    assert len(ids) == len(set(ids)) and int(formats.get("count")) == len(ids)
    added = ids[count + 2:]
    assert ids[:2] == [300, 301] and added and min(added) == 302


def test_read_workbook_gives_names_values_and_stamp(tmp_path):
    ds = kpi_core.sample_dataset(seed=1, n_customers=6)
    built = write_xlsx(portfolio_layout(ds, *PERIOD, scope="CSM: Zoé"), tmp_path / "b.xlsx")
    with read_workbook(built) as book:
        assert (book.keywords, book.subject) == ("cskpi-template=portfolio", "CSM: Zoé")
        assert book.name_value("PeriodStart").isoformat() == "2026-05-01"
        assert book.name_value("HealthWeights") == [[1]] * 6
        assert book.cell("Dashboard", 1, 1) == "Dashboard — CSM: Zoé"
        with pytest.raises(kpi_core.KpiInputError, match="no defined name Nope"):
            book.name_value("Nope")


def test_a_damaged_workbook_part_is_an_input_error_naming_the_part(tmp_path):
    ds = kpi_core.sample_dataset(seed=1, n_customers=6)
    built = write_xlsx(portfolio_layout(ds, *PERIOD), tmp_path / "b.xlsx")
    data = parts(built)
    data["xl/workbook.xml"] = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><workbook/>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, blob in data.items():
            z.writestr(name, blob)
    built.write_bytes(buffer.getvalue())
    with pytest.raises(kpi_core.KpiInputError, match=r"b\.xlsx, part xl/workbook\.xml"):
        read_workbook(built)
