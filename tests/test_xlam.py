"""The Excel add-in built by addin.xlam, checked with tools that are not ours.

- oletools' olevba (strict mode) parses the VBA project and extracts every module;
  each one equals its text source.
- LibreOffice (headless) imports the VBA project into its Basic libraries with the same
  module kinds and code.
- olefile (raising on every defect it can detect) reads the compound file.
- Microsoft's customUI.xsd (tests/data/customUI.xsd) validates the ribbon XML.
- xlwings' own quickstart add-in, saved by Excel, is the reference for what Excel
  writes: document module headers, dir-stream record layout, PROJECT encryption.
- oletools' decompress_stream and the worked examples of MS-OVBA 3.2 check the
  compressor; hypothesis drives round trips over many sizes.
"""

from __future__ import annotations

import importlib.util
import io
import posixpath
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import olefile
import pytest
import xmlschema
from defusedxml import ElementTree
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from addin import xlam
from addin.vbaproject import _encrypt, compress, decompress
from workbook_templates.engine import find_soffice

SOURCES = xlam.SOURCE_DIR
SCHEMA = Path(__file__).parent / "data" / "customUI.xsd"
XLWINGS = Path(importlib.util.find_spec("xlwings").origin).parent
EXCEL_SAVED_ADDIN = XLWINGS / "quickstart_addin_ribbon.xlam"  # saved by Excel, shipped by xlwings
CUSTOMUI_NS = "{http://schemas.microsoft.com/office/2006/01/customui}"
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
RIBBON_IDS = {"RefreshKpis", "BuildWorkbook", "HealthScores", "MrrMovements",
              "ValidateData", "ExportPerCsm", "Help"}


@pytest.fixture(scope="module")
def xlam_path(tmp_path_factory):
    return xlam.build_xlam(tmp_path_factory.mktemp("xlam") / "cskpi.xlam")


@pytest.fixture(scope="module")
def package(xlam_path):
    with zipfile.ZipFile(xlam_path) as zf:
        yield zf


@pytest.fixture(scope="module")
def vba_project(package):
    return olefile.OleFileIO(io.BytesIO(package.read("xl/vbaProject.bin")),
                             raise_defects=olefile.DEFECT_UNSURE)


def _macros(path) -> dict[str, str]:
    """Module name -> source, as olevba extracts them (strict parsing)."""
    parser = VBA_Parser(str(path), relaxed=False)
    try:
        return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


@pytest.fixture(scope="module")
def macros(xlam_path):
    return _macros(xlam_path)


@pytest.fixture(scope="module")
def excel_saved_macros():
    return _macros(EXCEL_SAVED_ADDIN)


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _is_crlf_text(code: str) -> bool:
    return code.endswith("\r\n") and code.count("\n") == code.count("\r\n")


def _attribute_lines(code: str) -> list[str]:
    return [line for line in _lines(code) if line.startswith("Attribute ")]


def _code_lines(code: str) -> list[str]:
    return [line for line in _lines(code) if not line.startswith("Attribute ")]


# --------------------------------------------------------------------------------------
# VBA modules, as olevba sees them
# --------------------------------------------------------------------------------------

def test_project_holds_exactly_the_expected_modules(macros):
    own = {p.stem for p in SOURCES.glob("*.bas")}
    assert own == {"CsKpi"}
    assert set(macros) == {"ThisWorkbook", "Sheet2", "xlwings", "Dictionary"} | own


@pytest.mark.parametrize("bas", sorted(SOURCES.glob("*.bas")), ids=lambda p: p.name)
def test_own_modules_equal_their_bas_source(macros, bas):
    # The .bas files are what the VBA editor exports: the Attribute VB_Name line and
    # then the code. VBA stores exactly that, with CRLF line ends.
    code = macros[bas.stem]
    assert _is_crlf_text(code)
    assert code.replace("\r\n", "\n") == bas.read_text(encoding="utf-8")


def test_xlwings_module_is_the_installed_custom_addin_module(macros):
    source = (XLWINGS / "xlwings_custom_addin.bas").read_text(encoding="utf-8")
    stored = macros["xlwings"]
    assert _is_crlf_text(stored)
    expected, actual = _lines(source), _lines(stored)
    assert len(actual) == len(expected)
    differing = [(e, a) for e, a in zip(expected, actual) if e != a]
    # Only its settings name changes: the config sheet/file becomes cskpi.conf.
    assert differing == [('Public Const PROJECT_NAME As String = "myaddin"',
                          'Public Const PROJECT_NAME As String = "cskpi"')]


@pytest.fixture(scope="module")
def excel_project():
    with zipfile.ZipFile(EXCEL_SAVED_ADDIN) as zf:
        return olefile.OleFileIO(io.BytesIO(zf.read("xl/vbaProject.bin")))


def _module_offsets(ole) -> dict[str, int]:
    """Module stream name -> MODULEOFFSET, from the dir stream (parsed by the test's own reader)."""
    records = _dir_records(decompress_stream(bytearray(ole.openstream("VBA/dir").read())))
    names = [payload.decode("cp1252") for r, payload in records if r == 0x001A]
    offsets = [struct.unpack("<I", payload)[0] for r, payload in records if r == 0x0031]
    return dict(zip(names, offsets))


@pytest.mark.parametrize("module", ["ThisWorkbook", "Sheet2", "Dictionary"])
def test_document_and_class_modules_are_the_excel_saved_streams_byte_for_byte(vba_project, excel_project, module):
    # compiled code and source as Excel saved them in the add-in xlwings ships
    ours = vba_project.openstream(f"VBA/{module}").read()
    assert ours == excel_project.openstream(f"VBA/{module}").read()
    assert _module_offsets(vba_project)[module] == _module_offsets(excel_project)[module] > 0


@pytest.mark.parametrize("module", ["ThisWorkbook", "Sheet2", "Dictionary"])
def test_document_and_class_module_sources_are_excels(macros, excel_saved_macros, module):
    assert macros[module] == excel_saved_macros[module]


def test_dictionary_class_is_the_xlwings_dictionary(macros):
    exported = (XLWINGS / "addin" / "Dictionary.cls").read_text(encoding="utf-8")
    stored = macros["Dictionary"]
    assert _is_crlf_text(stored)
    assert 'Attribute VB_Name = "Dictionary"' in stored
    # the same class (same procedures) as the exported .cls of the installed xlwings
    procedures = re.compile(r"^(?:Public|Private) (?:Property (?:Get|Let|Set)|Function|Sub) (\w+)", re.M)
    assert procedures.findall(stored) == procedures.findall(exported.replace("\r\n", "\n"))


def test_project_stream_declares_every_module(vba_project):
    text = vba_project.openstream("PROJECT").read().decode("cp1252")
    lines = text.split("\r\n")
    assert lines[0].startswith('ID="{') and lines[0].endswith('}"')
    assert lines[1:6] == ["Document=ThisWorkbook/&H00000000", "Document=Sheet2/&H00000000",
                          "Module=xlwings", "Class=Dictionary", "Module=CsKpi"]
    assert 'Name="CsKpiAddin"' in lines
    assert text.endswith("\r\n")


def _decrypt(hex_text: str, project_id: str) -> bytes:
    """MS-OVBA 2.4.3.3 Data Decryption, written independently of addin.vbaproject."""
    data = bytes.fromhex(hex_text)
    seed, version_enc, key_enc = data[0], data[1], data[2]
    assert seed ^ version_enc == 2
    assert seed ^ key_enc == sum(project_id.encode("cp1252")) % 256
    plain, previous, before = seed ^ key_enc, key_enc, version_enc
    decrypted = []
    for byte in data[3:]:
        value = byte ^ ((before + plain) % 256)
        decrypted.append(value)
        before, previous, plain = previous, byte, value
    ignored = (seed & 6) // 2
    length = int.from_bytes(bytes(decrypted[ignored:ignored + 4]), "little")
    assert len(decrypted) == ignored + 4 + length
    return bytes(decrypted[ignored + 4:])


def test_project_protection_fields_decrypt_to_unprotected_visible(vba_project):
    text = vba_project.openstream("PROJECT").read().decode("cp1252")
    fields = dict(re.findall(r'^(\w+)="([^"]*)"', text, flags=re.MULTILINE))
    assert _decrypt(fields["CMG"], fields["ID"]) == bytes(4)  # not protected
    assert _decrypt(fields["DPB"], fields["ID"]) == b"\x00"  # no password
    assert _decrypt(fields["GC"], fields["ID"]) == b"\xff"  # visible


def test_encryption_reproduces_excel():
    # ID, CMG, DPB and GC Excel wrote in xlwings 0.37.8's quickstart_addin_ribbon.xlam
    # (seed 0x5D, ignored bytes 9B FF).
    project_id = "{318BEE36-5BE1-492A-826D-473DB19B0F30}"
    assert _encrypt(bytes(4), project_id, 0x5D, b"\x9b\xff") == "5D5F8AADDAA8DEA8DEA8DEA8DE"
    assert _encrypt(b"\x00", project_id, 0x5D, b"\x9b\xff") == "5D5F8AADDAADDBADDBAD"
    assert _encrypt(b"\xff", project_id, 0x5D, b"\x9b\xff") == "5D5F8AADDAADDBADDB52"


def _dir_records(dir_stream: bytes) -> list[tuple[int, bytes]]:
    """(id, payload) of every record of a decompressed dir stream (MS-OVBA 2.3.4.2)."""
    records, position = [], 0
    while position < len(dir_stream):
        record_id, size = struct.unpack_from("<HI", dir_stream, position)
        if record_id == 0x0009:  # PROJECTVERSION: Reserved=4, then 6 bytes of version
            size = 6
        records.append((record_id, dir_stream[position + 6:position + 6 + size]))
        position += 6 + size
    assert position == len(dir_stream)
    return records


def _dir_layout(ole) -> tuple[list[int], list[list[int]]]:
    records = _dir_records(decompress_stream(bytearray(ole.openstream("VBA/dir").read())))
    ids = [r for r, _ in records]
    information = ids[:ids.index(0x000C) + 2]  # up to PROJECTCONSTANTS (+ its Unicode part)
    modules, current = [], []
    for record_id in ids[ids.index(0x0013) + 1:-1]:  # after PROJECTCOOKIE, before the end
        current.append(record_id)
        if record_id == 0x002B:
            modules.append(current)
            current = []
    assert ids[-1] == 0x0010
    return information, modules


def test_dir_stream_has_the_record_layout_excel_writes(vba_project):
    with zipfile.ZipFile(EXCEL_SAVED_ADDIN) as zf:
        excel = olefile.OleFileIO(io.BytesIO(zf.read("xl/vbaProject.bin")))
    ours_info, ours_modules = _dir_layout(vba_project)
    excel_info, excel_modules = _dir_layout(excel)
    assert ours_info == excel_info
    assert len(ours_modules) == 5
    procedural = [0x19, 0x47, 0x1A, 0x32, 0x1C, 0x48, 0x31, 0x1E, 0x2C, 0x21, 0x2B]
    other = procedural[:-2] + [0x22, 0x2B]
    assert {tuple(m) for m in excel_modules} == {tuple(procedural), tuple(other)}
    assert ours_modules == [other, other, procedural, other, procedural]


def test_only_standard_modules_are_source_only(vba_project, excel_project):
    records = _dir_records(decompress_stream(bytearray(vba_project.openstream("VBA/dir").read())))
    names = [payload.decode("cp1252") for r, payload in records if r == 0x001A]
    offsets = [struct.unpack("<I", payload)[0] for r, payload in records if r == 0x0031]
    excel = _module_offsets(excel_project)
    assert names == ["ThisWorkbook", "Sheet2", "xlwings", "Dictionary", "CsKpi"]
    assert offsets == [excel["ThisWorkbook"], excel["Sheet2"], 0, excel["Dictionary"], 0]
    assert excel["xlwings"] == 0  # Excel's file keeps its standard module source only too


def test_vba_project_stream_has_the_reserved_word_excel_writes(vba_project, excel_project):
    stream = vba_project.openstream("VBA/_VBA_PROJECT").read()
    assert stream == b"\xcc\x61\xff\xff\x00\x01\x00"  # Reserved1, Version, Reserved2, Reserved3 = 1
    assert stream == excel_project.openstream("VBA/_VBA_PROJECT").read()


def test_project_wm_names_every_module(vba_project):
    names = ["ThisWorkbook", "Sheet2", "xlwings", "Dictionary", "CsKpi"]
    wm = vba_project.openstream("PROJECTwm").read()
    assert wm == b"".join(n.encode() + b"\x00" + n.encode("utf-16-le") + b"\x00\x00"
                          for n in names) + b"\x00\x00"


def _chunk_flags(container: bytes) -> list[int]:
    flags, position = [], 1
    while position < len(container):
        (header,) = struct.unpack_from("<H", container, position)
        flags.append(header >> 15)
        position += (header & 0x0FFF) + 3
    assert position == len(container)
    return flags


def test_every_stream_uses_compressed_chunks_only(vba_project):
    # Excel never writes raw (uncompressed) chunks for VBA text; keep ours the same.
    offsets = _module_offsets(vba_project)
    for name in ["dir", "ThisWorkbook", "Sheet2", "xlwings", "Dictionary", "CsKpi"]:
        flags = _chunk_flags(vba_project.openstream(f"VBA/{name}").read()[offsets.get(name, 0):])
        assert flags and set(flags) == {1}, name


@pytest.fixture(scope="module")
def libreoffice_modules(xlam_path, tmp_path_factory):
    """Module name -> (LibreOffice module type, code), as LibreOffice imports them."""
    work = tmp_path_factory.mktemp("libreoffice")
    xlsm = work / "cskpi.xlsm"
    # LibreOffice opens macro workbooks but not add-ins: the same package, relabelled.
    with zipfile.ZipFile(xlam_path) as src, zipfile.ZipFile(xlsm, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"application/vnd.ms-excel.addin.macroEnabled.main+xml",
                                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            dst.writestr(info, data)
    subprocess.run([str(find_soffice()), "--headless", "--norestore",
                    f"-env:UserInstallation={(work / 'profile').as_uri()}",
                    "--convert-to", "ods", "--outdir", str(work), str(xlsm)],
                   check=True, capture_output=True, stdin=subprocess.DEVNULL, timeout=600)
    script = "{http://openoffice.org/2000/script}"
    modules = {}
    with zipfile.ZipFile(work / "cskpi.ods") as ods:
        for name in ods.namelist():
            if name.startswith("Basic/CsKpiAddin/") and not name.endswith("script-lb.xml"):
                module = ElementTree.fromstring(ods.read(name))
                modules[module.get(f"{script}name")] = (module.get(f"{script}moduleType"), module.text)
    return modules


def test_libreoffice_imports_the_same_project(libreoffice_modules, macros):
    kinds = {name: kind for name, (kind, _) in libreoffice_modules.items()}
    assert kinds == {"ThisWorkbook": "document", "Sheet2": "document", "xlwings": "normal",
                     "Dictionary": "class", "CsKpi": "normal"}
    for name, (_, code) in libreoffice_modules.items():
        # LibreOffice drops the Attribute lines and adds its own VBA-mode header.
        header = {"normal": 2, "class": 3, "document": 2}[kinds[name]]
        assert _lines(code.rstrip("\n"))[header:] == _code_lines(macros[name].rstrip("\r\n")), name


# --------------------------------------------------------------------------------------
# Ribbon
# --------------------------------------------------------------------------------------

def test_customui_is_valid_against_the_office_schema(package):
    xmlschema.XMLSchema10(str(SCHEMA)).validate(io.BytesIO(package.read("customUI/customUI.xml")))


def test_customui_part_is_the_committed_source(package):
    assert package.read("customUI/customUI.xml") == (SOURCES / "customUI.xml").read_bytes()


def _buttons(package) -> dict[str, dict[str, str]]:
    root = ElementTree.fromstring(package.read("customUI/customUI.xml"))
    tabs = root.findall(f"{CUSTOMUI_NS}ribbon/{CUSTOMUI_NS}tabs/{CUSTOMUI_NS}tab")
    assert [tab.get("label") for tab in tabs] == ["CS KPIs"]
    return {b.get("id"): b.attrib for b in tabs[0].iter(f"{CUSTOMUI_NS}button")}


def test_ribbon_has_the_cs_kpi_buttons(package):
    buttons = _buttons(package)
    assert set(buttons) == RIBBON_IDS | {"ImportFunctions"}
    labels = {b["label"] for b in buttons.values()}
    assert {"Refresh KPIs", "Build KPI workbook", "Health scores", "MRR movements",
            "Validate data", "Export per CSM", "Help"} <= labels
    assert {b["onAction"] for b in buttons.values()} == {"OnAction"}


def test_every_on_action_is_a_ribbon_callback_sub(package, macros):
    callbacks = {}
    for code in macros.values():
        for name, params in re.findall(r"^(?:Public )?Sub (\w+)\(([^)]*)\)", code, flags=re.MULTILINE):
            callbacks[name] = params.strip()
    for button in _buttons(package).values():
        assert re.fullmatch(r"(ByRef |ByVal )?\w+ As IRibbonControl", callbacks[button["onAction"]])


def test_on_action_passes_the_button_id_to_python(macros):
    code = macros["CsKpi"]
    assert ("RunPython \"import addin.ribbon; addin.ribbon.dispatch('\" & control.Id & \"')\""
            in code)
    assert re.search(r"^Public Sub ImportFunctions\(\)", code, flags=re.MULTILINE)
    assert "ImportPythonUDFsToAddin" in code and "Sub ImportPythonUDFsToAddin()" in macros["xlwings"]


# --------------------------------------------------------------------------------------
# The OOXML package
# --------------------------------------------------------------------------------------

def test_zip_is_sound(package):
    assert package.testzip() is None
    names = package.namelist()
    assert len(names) == len(set(names))
    for name in names:
        if name.endswith((".xml", ".rels")):
            ElementTree.fromstring(package.read(name))  # well-formed


def test_content_types_cover_every_part(package):
    types = ElementTree.fromstring(package.read("[Content_Types].xml"))
    defaults = {d.get("Extension"): d.get("ContentType") for d in types.iter(f"{CT_NS}Default")}
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{CT_NS}Override")}
    parts = [n for n in package.namelist() if n != "[Content_Types].xml"]
    for part in parts:
        assert f"/{part}" in overrides or part.rsplit(".", 1)[-1] in defaults, part
    assert set(overrides) <= {f"/{p}" for p in parts}
    assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    assert defaults["bin"] == "application/vnd.ms-office.vbaProject"


def _relationships(package, rels_part: str) -> dict[str, str]:
    """Relationship type -> target part name, for one .rels part."""
    source_dir = posixpath.dirname(posixpath.dirname(rels_part))
    result = {}
    for rel in ElementTree.fromstring(package.read(rels_part)).iter(f"{REL_NS}Relationship"):
        assert rel.get("TargetMode", "Internal") == "Internal"
        result[rel.get("Type")] = posixpath.normpath(posixpath.join(source_dir, rel.get("Target")))
    return result


def test_relationships_resolve(package):
    names = set(package.namelist())
    rels_parts = [n for n in names if n.endswith(".rels")]
    assert set(rels_parts) == {"_rels/.rels", "xl/_rels/workbook.xml.rels"}
    for rels_part in rels_parts:
        for target in _relationships(package, rels_part).values():
            assert target in names, target
    root = _relationships(package, "_rels/.rels")
    ooxml = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    assert root[f"{ooxml}/officeDocument"] == "xl/workbook.xml"
    assert root["http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"] == \
        "customUI/customUI.xml"
    workbook = _relationships(package, "xl/_rels/workbook.xml.rels")
    assert workbook["http://schemas.microsoft.com/office/2006/relationships/vbaProject"] == \
        "xl/vbaProject.bin"
    assert workbook[f"{ooxml}/worksheet"] == "xl/worksheets/sheet1.xml"


def test_config_sheet_is_the_one_xlwings_reads(package, macros):
    # xlwings' module reads its settings from the sheet "<PROJECT_NAME>.conf".
    project_name = re.search(r'PROJECT_NAME As String = "(\w+)"', macros["xlwings"]).group(1)
    workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    sheets = [s.get("name") for s in workbook.iter(f"{MAIN_NS}sheet")]
    assert sheets == [f"{project_name}.conf"]
    sheet = ElementTree.fromstring(package.read("xl/worksheets/sheet1.xml"))
    cells = {c.get("r"): "".join(c.itertext()) for c in sheet.iter(f"{MAIN_NS}c")}
    assert cells == {"A1": "UDF Modules", "B1": "addin.udfs"}
    # The workbook's and sheet's code names are the project's document modules.
    assert workbook.find(f"{MAIN_NS}workbookPr").get("codeName") == "ThisWorkbook"
    assert sheet.find(f"{MAIN_NS}sheetPr").get("codeName") == "Sheet2"


def test_build_is_reproducible(xlam_path, tmp_path):
    again = xlam.build_xlam(tmp_path / "sub" / "again.xlam")
    assert again == tmp_path / "sub" / "again.xlam"
    assert again.read_bytes() == xlam_path.read_bytes()


# --------------------------------------------------------------------------------------
# Installation
# --------------------------------------------------------------------------------------

def _interpreter_line(key: str) -> str:
    return f'"{key}","{sys.executable}"'


def test_install_on_windows(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "me"))
    config = tmp_path / "me" / ".cskpi" / "cskpi.conf"
    config.parent.mkdir(parents=True)
    config.write_text('"SHOW CONSOLE","True"\n"INTERPRETER_WIN","C:\\old\\python.exe"\n')
    installed = xlam.install_xlam()
    assert installed == tmp_path / "Roaming" / "Microsoft" / "AddIns" / "cskpi.xlam"
    assert zipfile.ZipFile(installed).testzip() is None
    assert config.read_text().splitlines() == ['"SHOW CONSOLE","True"',
                                               _interpreter_line("INTERPRETER_WIN")]
    assert "Manage: Excel Add-ins" in xlam.install_instructions(installed)


def test_install_on_macos(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("HOME", str(tmp_path))
    installed = xlam.install_xlam()
    startup = tmp_path / "Library/Group Containers/UBF8T346G9.Office/User Content/Startup/Excel"
    assert installed == startup / "cskpi.xlam" and installed.is_file()
    config = tmp_path / "Library/Containers/com.microsoft.Excel/Data/cskpi.conf"
    assert config.read_text().splitlines() == [_interpreter_line("INTERPRETER_MAC")]
    assert "Cmd-Q" in xlam.install_instructions(installed)


def test_install_elsewhere_explains_and_says_where_the_file_is(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(RuntimeError, match="only be installed on Windows or macOS") as raised:
        xlam.install_xlam()
    assert isinstance(raised.value, xlam.AddinInstallError)
    built = tmp_path / ".cskpi" / "cskpi.xlam"
    assert str(built) in str(raised.value) and built.is_file()


def test_install_reports_a_file_it_cannot_write(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    (tmp_path / "Microsoft" / "AddIns" / "cskpi.xlam").mkdir(parents=True)  # not writable as a file
    with pytest.raises(xlam.AddinInstallError, match="quit it"):
        xlam.install_xlam()


# --------------------------------------------------------------------------------------
# MS-OVBA compression
# --------------------------------------------------------------------------------------

# MS-OVBA 3.2 worked examples. For "normal compression" two byte sequences circulate;
# both decode to the text, and ours is the one the specification's matching algorithm
# (nearest candidate among equally long matches) yields.
SPEC_TEXT = b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"
SPEC_NORMAL = bytes.fromhex("012FB000236161616263646582660070616768696A01380861"
                            "6B6C00206D6E6F700671027004007273747576107778797A002C")
SPEC_NORMAL_OTHER = bytes.fromhex("012FB000236161616263646582660070616768696A01380861"
                                  "6B6C00306D6E6F700671027004107273747576107778797A003C")


@pytest.mark.parametrize("text, compressed", [
    (b"abcdefghijklmnopqrstuv.", bytes.fromhex("0119B000616263646566676800696A6B6C6D6E6F70007172737475762E")),
    (SPEC_TEXT, SPEC_NORMAL),
    (b"a" * 73, bytes.fromhex("0103B002614500")),
])
def test_compression_reproduces_the_specification_examples(text, compressed):
    assert compress(text) == compressed
    assert decompress(compressed) == text


def test_decompression_reads_the_other_published_example():
    assert decompress(SPEC_NORMAL_OTHER) == SPEC_TEXT == decompress_stream(bytearray(SPEC_NORMAL_OTHER))


def _vba_like_text(lines: list[str]) -> bytes:
    return "".join(line + "\r\n" for line in lines).encode("cp1252")


vba_lines = st.lists(st.one_of(
    st.sampled_from(["Option Explicit", "Public Sub OnAction(control As IRibbonControl)",
                     "End Sub", "", "    Dim i As Long", "    For i = 1 To 10", "    Next i",
                     "' comment", '    MsgBox "Hello"', "#If Mac Then", "#Else", "#End If"]),
    st.builds("    {} = {}({})".format, st.sampled_from(["total", "result", "i", "name"]),
              st.sampled_from(["Len", "CStr", "RunPython", "GetConfig"]), st.integers(0, 10**9)),
), max_size=600)
sizes_around_chunks = st.sampled_from([0, 1, 2, 3, 4, 7, 8, 9, 4093, 4095, 4096, 4097,
                                       8191, 8192, 8193, 12288, 12300])


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vba_lines)
@example([])
@example(["x" * 100] * 200)
def test_text_round_trips_exactly(lines):
    data = _vba_like_text(lines)
    compressed = compress(data)
    assert decompress(compressed) == data
    assert decompress_stream(bytearray(compressed)) == data
    assert set(_chunk_flags(compressed)) <= {1}  # code compresses: no raw chunk


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.one_of(st.binary(max_size=600), st.binary(min_size=3500, max_size=9000),
                 st.builds(lambda n, b: (b * (n // max(len(b), 1) + 1))[:n],
                           sizes_around_chunks, st.binary(min_size=1, max_size=64))))
def test_any_bytes_round_trip_with_the_formats_padding(data):
    compressed = compress(data)
    out = decompress(compressed)
    assert decompress_stream(bytearray(compressed)) == out  # oletools agrees
    flags = _chunk_flags(compressed)
    assert len(flags) == -(-len(data) // 4096)
    if flags and flags[-1] == 0:
        # Only a raw (incompressible) last chunk is padded with zeros to 4096 bytes.
        assert out == data.ljust(4096 * len(flags), b"\x00")
    else:
        assert out == data


@pytest.mark.parametrize("container, message", [
    (b"", "signature"),
    (b"\x02\x00\xb0", "signature"),
    (b"\x01\x00", "truncated"),
    (b"\x01\x00\x00", "chunk signature"),
    (b"\x01\xff\xbf", "past the end"),
    (b"\x01\x00\x30\x00", "raw chunk"),
    (b"\x01\x02\xb0\x01\x00\x00", "before the start"),
])
def test_decompression_rejects_malformed_containers(container, message):
    with pytest.raises(ValueError, match=message):
        decompress(container)
