"""Build and install the cskpi Excel add-in (``cskpi.xlam``).

The add-in is assembled at build time: the ribbon (``xlam_src/customUI.xml``), the VBA
modules (``xlam_src/*.bas``), the add-in's xlwings settings (``xlam_src/cskpi.conf``) and
the VBA code of the installed xlwings package (its custom add-in module
``xlwings_custom_addin.bas``), so the add-in always matches the xlwings version Python
runs. The document modules (``ThisWorkbook``, ``Sheet2``) and the ``Dictionary`` class
xlwings needs on macOS are taken byte for byte, compiled code included, from the add-in
Excel saved that xlwings ships (``quickstart_addin_ribbon.xlam``, the file
``xlwings quickstart --addin --ribbon`` copies): every Excel-made file has them so, and a
project whose every module is source only did not run its macros in Excel. The standard
modules are source only, as in xlwings' files. No binary is kept in the repository:
:mod:`addin.vbaproject` writes ``xl/vbaProject.bin``.

Like an ``xlwings quickstart --addin --ribbon`` add-in, ``cskpi.xlam`` carries its own
copy of xlwings' VBA code: ``RunPython`` and the UDF import work without the xlwings
add-in and without a VBA reference. xlwings' custom-add-in module reads its settings
from a sheet named after its ``PROJECT_NAME`` (here ``cskpi.conf``, in the active
workbook, then in the add-in), then from ``cskpi.conf`` next to the active workbook,
then from the user's file (``%USERPROFILE%\\.cskpi\\cskpi.conf`` on Windows,
``~/Library/Containers/com.microsoft.Excel/Data/cskpi.conf`` on macOS).
The add-in's sheet sets ``UDF Modules`` to ``addin.udfs``; :func:`install_xlam` writes
the interpreter of the running Python into the user's file.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from kpi_core.files import atomic_output, output_path

from .vbaproject import VbaModule, build_vba_project, read_modules

__all__ = ["AddinInstallError", "build_xlam", "install_xlam", "install_instructions", "ADDIN_FILE"]

#: File name of the add-in.
ADDIN_FILE = "cskpi.xlam"
#: Folder of the add-in's text sources.
SOURCE_DIR = Path(__file__).with_name("xlam_src")

_PROJECT_NAME = "CsKpiAddin"  # VBA project; must differ from every module name
_CONFIG_NAME = "cskpi"  # xlwings PROJECT_NAME: cskpi.conf sheet and files
_CONFIG_SHEET = f"{_CONFIG_NAME}.conf"
_XLWINGS_PROJECT_LINE = 'Public Const PROJECT_NAME As String = "{}"'
_TITLE = "CS KPIs"
_DESCRIPTION = "Customer-success KPIs: ribbon tab and Excel functions (cskpi, xlwings)."

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = {
    "/xl/workbook.xml": "application/vnd.ms-excel.addin.macroEnabled.main+xml",
    "/xl/worksheets/sheet1.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
    "/xl/styles.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
    "/docProps/core.xml": "application/vnd.openxmlformats-package.core-properties+xml",
}
_DEFAULT_TYPES = {
    "rels": "application/vnd.openxmlformats-package.relationships+xml",
    "xml": "application/xml",  # also the content type of the customUI part
    "bin": "application/vnd.ms-office.vbaProject",
}
_PACKAGE_RELS = (
    (f"{_REL}/officeDocument", "xl/workbook.xml"),
    ("http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
     "docProps/core.xml"),
    ("http://schemas.microsoft.com/office/2006/relationships/ui/extensibility",
     "customUI/customUI.xml"),
)
_WORKBOOK_RELS = (
    (f"{_REL}/worksheet", "worksheets/sheet1.xml"),
    (f"{_REL}/styles", "styles.xml"),
    ("http://schemas.microsoft.com/office/2006/relationships/vbaProject", "vbaProject.bin"),
)
#: the add-in Excel saved that xlwings ships (its ThisWorkbook, sheet and Dictionary modules are copied)
_EXCEL_SAVED_ADDIN = "quickstart_addin_ribbon.xlam"
_SHEET_MODULE = "Sheet2"  # the code name of that add-in's sheet, and of ours
_STYLES = (
    f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


class AddinInstallError(RuntimeError):
    """The add-in cannot be installed here (unsupported system, file locked by Excel)."""


def build_xlam(out_path: str | os.PathLike) -> Path:
    """Build the cskpi Excel add-in.

    Parameters
    ----------
    out_path : str or path-like
        Where to write the ``.xlam`` file, or a folder to write ``cskpi.xlam`` into;
        folders are created if needed. An existing file is replaced atomically.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    RuntimeError
        If the installed xlwings package lacks the VBA code the add-in embeds.
    """
    return _write_xlam(output_path(out_path, ADDIN_FILE))


def _write_xlam(out_path: Path) -> Path:
    parts = {
        "[Content_Types].xml": _content_types(),
        "_rels/.rels": _relationships(_PACKAGE_RELS),
        "docProps/core.xml": _core_properties(),
        "customUI/customUI.xml": (SOURCE_DIR / "customUI.xml").read_bytes(),
        "xl/workbook.xml": _workbook(),
        "xl/_rels/workbook.xml.rels": _relationships(_WORKBOOK_RELS),
        "xl/worksheets/sheet1.xml": _config_sheet(_read_config(SOURCE_DIR / "cskpi.conf")),
        "xl/styles.xml": (_XML_DECLARATION + _STYLES).encode("utf-8"),
        "xl/vbaProject.bin": build_vba_project(_PROJECT_NAME, _vba_modules()),
    }
    with atomic_output(out_path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            # A fixed timestamp makes the build reproducible.
            package.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return out_path


def install_xlam() -> Path:
    """Build the add-in into Excel's add-in folder and record this Python for it.

    On Windows the add-in goes to ``%APPDATA%\\Microsoft\\AddIns``, where Excel's
    Add-ins dialog lists it (tick it once, see :func:`install_instructions`); on macOS
    to Excel's start-up folder
    ``~/Library/Group Containers/UBF8T346G9.Office/User Content/Startup/Excel``, from
    which Excel opens it at every start. The running interpreter (``sys.executable``)
    becomes the add-in's ``Interpreter_Win`` / ``Interpreter_Mac`` setting in the user's
    ``cskpi.conf``, so the ribbon and the functions run the Python that has cskpi.

    Returns
    -------
    Path
        The installed add-in.

    Raises
    ------
    AddinInstallError
        On any other system (the add-in is then built to ``~/.cskpi/cskpi.xlam`` and the
        message says so), or when the file cannot be written (Excel has it open).
    """
    target = _install_target()
    if target is None:
        built = build_xlam(Path.home() / f".{_CONFIG_NAME}" / ADDIN_FILE)
        raise AddinInstallError(
            f"Excel add-ins can only be installed on Windows or macOS, not on {sys.platform}. "
            f"The add-in was built at {built}: copy it to a Windows or macOS computer, or run "
            f"'cskpi addin install' there.")
    folder, user_config, interpreter_key = target
    try:
        installed = _write_xlam(folder / ADDIN_FILE)
        _set_user_config(user_config, interpreter_key, sys.executable)
    except OSError as error:
        raise AddinInstallError(
            f"Could not install the add-in in {folder} ({error}). If Excel is running, quit "
            f"it and run 'cskpi addin install' again.") from error
    return installed


def install_instructions(path: Path) -> str:
    """What the user does in Excel after :func:`install_xlam` put the add-in at ``path``.

    Parameters
    ----------
    path : Path
        The installed add-in.

    Returns
    -------
    str
        Instructions for this system (Windows or macOS).
    """
    if sys.platform == "darwin":
        return (
            f"Installed {path}.\n"
            "Excel opens it at start-up: quit Excel (Cmd-Q) and start it again; a "
            f"'{_TITLE}' tab appears on the ribbon. If the buttons do nothing, run "
            "'xlwings runpython install' once (RunPython on macOS needs it).")
    return (
        f"Installed {path}.\n"
        "In Excel: File > Options > Add-ins > Manage: Excel Add-ins > Go..., tick "
        f"'{_TITLE}' (or Browse... to the file), OK. A '{_TITLE}' tab appears on the "
        "ribbon. To use =NPS(...) and the other functions, click CS KPIs > Import "
        "functions once. After reinstalling, restart Excel.")


def _install_target() -> tuple[Path, Path, str] | None:
    """(add-in folder, user config file, interpreter setting) here; None off Windows/macOS."""
    home = Path.home()
    if sys.platform == "win32":
        appdata = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
        profile = Path(os.environ.get("USERPROFILE") or home)
        return (appdata / "Microsoft" / "AddIns", profile / f".{_CONFIG_NAME}" / _CONFIG_SHEET,
                "INTERPRETER_WIN")
    if sys.platform == "darwin":
        startup = home / "Library" / "Group Containers" / "UBF8T346G9.Office" / "User Content" / "Startup"
        sandbox = home / "Library" / "Containers" / "com.microsoft.Excel" / "Data"
        return startup / "Excel", sandbox / _CONFIG_SHEET, "INTERPRETER_MAC"
    return None


def _vba_modules() -> list[VbaModule]:
    """Every VBA module of the add-in, in project order."""
    xlwings_dir = _xlwings_dir()
    xlwings_module = _read_text(xlwings_dir / "xlwings_custom_addin.bas")
    default_line = _XLWINGS_PROJECT_LINE.format("myaddin")
    if default_line not in xlwings_module:
        raise RuntimeError(f"{xlwings_dir / 'xlwings_custom_addin.bas'} has no line {default_line!r}")
    xlwings_module = xlwings_module.replace(default_line, _XLWINGS_PROJECT_LINE.format(_CONFIG_NAME))
    # the document and class modules byte for byte (compiled code included) from the add-in
    # Excel saved and xlwings ships, as 'xlwings quickstart --addin --ribbon' copies it
    with zipfile.ZipFile(xlwings_dir / _EXCEL_SAVED_ADDIN) as package:
        saved = read_modules(package.read("xl/vbaProject.bin"), ["ThisWorkbook", _SHEET_MODULE, "Dictionary"])
    modules = saved[:2]
    modules.append(VbaModule("xlwings", "standard", xlwings_module))
    modules.append(saved[2])
    for path in sorted(SOURCE_DIR.glob("*.bas")):
        source = _read_text(path)
        modules.append(VbaModule(_module_name(source, path), "standard", source))
    return modules


def _xlwings_dir() -> Path:
    """The installed xlwings package folder (found without importing xlwings)."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:
        raise RuntimeError("xlwings is not installed: pip install xlwings")
    return Path(spec.origin).parent


def _read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _module_name(source: str, path: Path) -> str:
    """The name a .bas file declares on its first line, ``Attribute VB_Name = "..."``."""
    first = source.splitlines()[0] if source else ""
    prefix = 'Attribute VB_Name = "'
    if not (first.startswith(prefix) and first.endswith('"')):
        raise ValueError(f'{path} must start with the line Attribute VB_Name = "<module name>"')
    return first[len(prefix):-1]


def _read_config(path: Path) -> list[tuple[str, str]]:
    """Rows of an xlwings config file: one ``"key","value"`` pair a line."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row[0], row[1]) for row in csv.reader(handle) if row]


def _set_user_config(path: Path, key: str, value: str) -> None:
    """Set ``key`` in the user's xlwings-style config file, keeping its other lines."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    lines = [line for line in lines if line.strip() and line.split(",")[0].strip('"').upper() != key]
    lines.append(f'"{key}","{value}"')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _xml(text: str) -> bytes:
    return (_XML_DECLARATION + text).encode("utf-8")


def _content_types() -> bytes:
    defaults = "".join(f'<Default Extension="{e}" ContentType="{t}"/>' for e, t in _DEFAULT_TYPES.items())
    overrides = "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in _CONTENT_TYPES.items())
    return _xml(f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                f"{defaults}{overrides}</Types>")


def _relationships(relationships: tuple[tuple[str, str], ...]) -> bytes:
    items = "".join(f'<Relationship Id="rId{i}" Type="{kind}" Target="{target}"/>'
                    for i, (kind, target) in enumerate(relationships, start=1))
    return _xml(f'<Relationships xmlns="{_PKG_REL}">{items}</Relationships>')


def _core_properties() -> bytes:
    """Title and description, shown in Excel's Add-ins dialog."""
    return _xml(
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{escape(_TITLE)}</dc:title><dc:description>{escape(_DESCRIPTION)}</dc:description>"
        "</cp:coreProperties>")


def _workbook() -> bytes:
    return _xml(
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<workbookPr codeName="ThisWorkbook"/>'
        '<bookViews><workbookView/></bookViews>'
        f'<sheets><sheet name="{escape(_CONFIG_SHEET)}" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>")


def _config_sheet(rows: list[tuple[str, str]]) -> bytes:
    """The add-in's xlwings settings sheet: keys in column A, values in column B."""
    cells = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{escape(key)}</t></is></c>'
        f'<c r="B{r}" t="inlineStr"><is><t>{escape(value)}</t></is></c></row>'
        for r, (key, value) in enumerate(rows, start=1))
    return _xml(
        f'<worksheet xmlns="{_MAIN}"><sheetPr codeName="{_SHEET_MODULE}"/>'
        f'<dimension ref="A1:B{max(len(rows), 1)}"/>'
        f'<cols><col min="1" max="1" width="24" customWidth="1"/></cols>'
        f"<sheetData>{cells}</sheetData></worksheet>")
