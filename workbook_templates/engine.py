"""LibreOffice headless as an independent spreadsheet engine for generated workbooks.

openpyxl writes formulas but never their results: a workbook it saves has no cached
values, so ``load_workbook(data_only=True)`` reads ``None`` for every formula cell.
This module lets tests (and the CLI) have LibreOffice Calc recalculate such a workbook
and write the results back as cached values, and render a workbook or one sheet to
PDF / PNG for visual checks.

Every LibreOffice call runs in a fresh, private user profile (a temporary directory)
whose ``registrymodifications.xcu`` sets Calc's "recalculation on file load" to
*always* for both OOXML and ODF files. Without it LibreOffice keeps whatever results a
file has cached (Excel-saved files) instead of computing them. A private profile per
call also means concurrent calls never share (and never block on) one profile.

Functions
---------
find_soffice
    Locate the LibreOffice ``soffice`` program.
recalculate
    Recalculate an .xlsx and write a copy whose cached values are filled.
defined_name_values
    Read the values behind a workbook's defined names (after :func:`recalculate`).
render_pdf
    Render a workbook, or a single sheet of it, to PDF.
pdf_to_png
    Rasterise one PDF page to PNG with poppler's ``pdftoppm``.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from kpi_core.files import atomic_output

__all__ = [
    "EngineError",
    "find_soffice",
    "recalculate",
    "defined_name_values",
    "render_pdf",
    "pdf_to_png",
]

_SOFFICE_NAMES = ("soffice", "libreoffice")
_SOFFICE_FALLBACKS = (
    "/usr/lib/libreoffice/program/soffice",
    "/usr/local/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
)

# Calc > Formula > "Recalculation on file load": 0 = always, 1 = never, 2 = prompt.
_RECALC_ALWAYS_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
</oor:items>
"""

_XLSX_FILTER = "xlsx:Calc MS Excel 2007 XML"
_PDF_FILTER = "pdf:calc_pdf_Export"
_OUTPUT_TAIL = 4000  # characters of soffice output quoted in an EngineError


class EngineError(RuntimeError):
    """LibreOffice (or pdftoppm) is missing, failed, or timed out.

    The message says which program, the command line, and the tail of its output.

    Examples
    --------
    >>> isinstance(EngineError("soffice failed"), RuntimeError)
    True
    """


def find_soffice() -> Path:
    """Locate the LibreOffice ``soffice`` program.

    Looks for ``soffice`` then ``libreoffice`` on ``PATH``, then at the usual install
    locations (``/usr/lib/libreoffice/program/soffice``, the macOS app bundle, the
    Windows default).

    Returns
    -------
    Path
        The program to run.

    Raises
    ------
    EngineError
        If LibreOffice is not installed (the message says how to install it).

    Examples
    --------
    >>> find_soffice().name in ("soffice", "libreoffice", "soffice.bin")
    True
    """
    for name in _SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    for candidate in _SOFFICE_FALLBACKS:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise EngineError(
        "LibreOffice is not installed: no 'soffice' or 'libreoffice' on PATH and none "
        "at /usr/lib/libreoffice/program/soffice. Install it (Debian/Ubuntu: "
        "'apt-get install libreoffice-calc') to recalculate or render workbooks."
    )


def recalculate(src: Path, dst: Path | None = None, timeout: float = 600) -> Path:
    """Recalculate a workbook with LibreOffice and save it with its results cached.

    Every formula is recomputed (cached results in ``src``, if any, are ignored), and
    the result is saved as .xlsx, so ``openpyxl.load_workbook(dst, data_only=True)``
    reads computed values. The saved file is LibreOffice's re-export of the workbook:
    use it to read values, not as the deliverable.

    Parameters
    ----------
    src : Path
        The workbook (.xlsx, .xlsm, .xls or .ods).
    dst : Path, optional
        Where to write the recalculated .xlsx (parent folders are created; an existing
        file is replaced). Default: ``<src stem>.recalc.xlsx`` next to ``src``.
        ``dst`` may be ``src`` itself.
    timeout : float, default 600
        Seconds before LibreOffice is killed and :class:`EngineError` raised.

    Returns
    -------
    Path
        ``dst``.

    Raises
    ------
    FileNotFoundError
        If ``src`` does not exist.
    EngineError
        If LibreOffice is missing, fails, times out or writes no file.

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import Workbook, load_workbook
    >>> book = Path(tempfile.mkdtemp()) / "book.xlsx"
    >>> wb = Workbook(); ws = wb.active
    >>> ws["A1"], ws["A2"], ws["A3"] = 6, 7, "=A1*A2"
    >>> wb.save(book)
    >>> out = recalculate(book)
    >>> load_workbook(out, data_only=True).active["A3"].value
    42
    """
    src = Path(src)
    if not src.is_file():
        raise FileNotFoundError(f"workbook not found: {src}")
    _check_package(src)
    dst = Path(dst) if dst is not None else src.with_name(f"{src.stem}.recalc.xlsx")
    with tempfile.TemporaryDirectory(prefix="cskpi-lo-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        staged = work / "in" / f"book{src.suffix.lower() or '.xlsx'}"
        staged.parent.mkdir()
        shutil.copyfile(src, staged)
        produced = _convert(staged, _XLSX_FILTER, "xlsx", work, timeout, src)
        _install(produced, dst)
    return dst


def defined_name_values(path: Path) -> dict[str, Any]:
    """Read the cached values behind a workbook's workbook-level defined names.

    Meant for a file written by :func:`recalculate` (openpyxl-saved files have no
    cached results). A name that refers to one cell maps to that cell's value; a name
    that refers to a rectangular range maps to a list of rows (lists of values).
    Names that refer to no cell (constants, formulas, external or broken references)
    and Excel's built-in ``_xlnm.*`` names are left out. An error result reads as its
    text, e.g. ``'#DIV/0!'``.

    Parameters
    ----------
    path : Path
        The workbook.

    Returns
    -------
    dict
        ``{name: value}``.

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import Workbook
    >>> from openpyxl.workbook.defined_name import DefinedName
    >>> book = Path(tempfile.mkdtemp()) / "report.xlsx"
    >>> wb = Workbook(); wb.active["B3"] = 1.2
    >>> wb.defined_names["KPI_NRR"] = DefinedName("KPI_NRR", attr_text="Sheet!$B$3")
    >>> wb.save(book)
    >>> defined_name_values(book)["KPI_NRR"]
    1.2
    """
    from openpyxl import load_workbook
    from openpyxl.utils.cell import range_boundaries

    wb = load_workbook(Path(path), data_only=True, read_only=False)
    try:
        values: dict[str, Any] = {}
        for name, defn in wb.defined_names.items():
            if name.startswith("_xlnm.") or name.startswith("_xlfn."):
                continue
            try:
                destinations = list(defn.destinations)
            except Exception:  # constants, formulas: nothing to read
                continue
            if len(destinations) != 1:
                continue
            sheet_name, ref = destinations[0]
            if sheet_name not in wb.sheetnames:
                continue
            ws = wb[sheet_name]
            try:
                min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
            except ValueError:
                continue
            if None in (min_col, min_row, max_col, max_row):
                continue  # whole rows or columns: not a KPI cell
            if (min_col, min_row) == (max_col, max_row):
                values[name] = ws.cell(row=min_row, column=min_col).value
            else:
                values[name] = [
                    [ws.cell(row=r, column=c).value for c in range(min_col, max_col + 1)]
                    for r in range(min_row, max_row + 1)
                ]
        return values
    finally:
        wb.close()


def render_pdf(src: Path, pdf_path: Path, sheet: str | None = None,
               timeout: float = 600) -> Path:
    """Render a workbook, or one of its sheets, to PDF with LibreOffice.

    Formulas are recalculated first. With ``sheet``, a temporary copy of the workbook
    is rendered in which every other sheet is hidden (LibreOffice does not print hidden
    sheets); formulas on the shown sheet still see the hidden sheets' data.

    Parameters
    ----------
    src : Path
        The workbook (.xlsx or .xlsm).
    pdf_path : Path
        The PDF to write (replaced if it exists).
    sheet : str, optional
        Name of the only sheet to render. Default: all visible sheets.
    timeout : float, default 600
        Seconds before LibreOffice is killed and :class:`EngineError` raised.

    Returns
    -------
    Path
        ``pdf_path``.

    Raises
    ------
    KeyError
        If ``sheet`` is not a sheet of the workbook.
    EngineError
        If LibreOffice is missing, fails or times out.

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import Workbook
    >>> folder = Path(tempfile.mkdtemp())
    >>> wb = Workbook(); wb.active.title = "Dashboard"; wb.active["A1"] = "KPIs"; wb.save(folder / "r.xlsx")
    >>> render_pdf(folder / "r.xlsx", folder / "dash.pdf", sheet="Dashboard").stat().st_size > 0
    True
    """
    src = Path(src)
    if not src.is_file():
        raise FileNotFoundError(f"workbook not found: {src}")
    _check_package(src)
    with tempfile.TemporaryDirectory(prefix="cskpi-lo-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        staged = work / "in" / f"book{src.suffix.lower() or '.xlsx'}"
        staged.parent.mkdir()
        if sheet is None:
            shutil.copyfile(src, staged)
        else:
            _copy_showing_only(src, staged, sheet)
        produced = _convert(staged, _PDF_FILTER, "pdf", work, timeout, src)
        _install(produced, Path(pdf_path))
    return Path(pdf_path)


def pdf_to_png(pdf: Path, png: Path, page: int = 1, dpi: int = 110,
               timeout: float = 120) -> Path:
    """Rasterise one page of a PDF to PNG with poppler's ``pdftoppm``.

    Parameters
    ----------
    pdf : Path
        The PDF.
    png : Path
        The PNG to write (replaced if it exists).
    page : int, default 1
        1-based page number.
    dpi : int, default 110
        Resolution.
    timeout : float, default 120
        Seconds before ``pdftoppm`` is killed and :class:`EngineError` raised.

    Returns
    -------
    Path
        ``png``.

    Raises
    ------
    EngineError
        If ``pdftoppm`` is missing or fails (e.g. ``page`` is past the last page).

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import Workbook
    >>> folder = Path(tempfile.mkdtemp())
    >>> wb = Workbook(); wb.active["A1"] = "KPIs"; wb.save(folder / "r.xlsx")
    >>> pdf = render_pdf(folder / "r.xlsx", folder / "r.pdf")
    >>> pdf_to_png(pdf, folder / "r.png", dpi=40).read_bytes()[:4]
    b'\x89PNG'
    """
    pdf = Path(pdf)
    if not pdf.is_file():
        raise FileNotFoundError(f"PDF not found: {pdf}")
    if page < 1 or dpi < 1:
        raise ValueError(f"page and dpi must be positive, got page={page}, dpi={dpi}")
    pdftoppm = shutil.which("pdftoppm")
    if not pdftoppm:
        raise EngineError(
            "poppler's 'pdftoppm' is not installed (Debian/Ubuntu: "
            "'apt-get install poppler-utils')."
        )
    with tempfile.TemporaryDirectory(prefix="cskpi-png-", ignore_cleanup_errors=True) as tmp:
        prefix = Path(tmp) / "page"
        cmd = [pdftoppm, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
               "-singlefile", str(pdf), str(prefix)]
        _run(cmd, timeout, env=None)
        produced = prefix.with_suffix(".png")
        if not produced.is_file() or produced.stat().st_size == 0:
            raise EngineError(f"pdftoppm wrote no image for page {page} of {pdf}")
        _install(produced, Path(png))
    return Path(png)


# --------------------------------------------------------------------------- helpers


def _check_package(src: Path) -> None:
    """Refuse an .xlsx/.xlsm that is not a zip package (LibreOffice would open it as
    an empty or text document and "succeed")."""
    if src.suffix.lower() in (".xlsx", ".xlsm") and not zipfile.is_zipfile(src):
        raise EngineError(f"{src} is not an .xlsx workbook (not a zip package)")


def _convert(staged: Path, filter_spec: str, ext: str, work: Path, timeout: float,
             src: Path) -> Path:
    """Run ``soffice --convert-to`` on ``staged`` (a copy of ``src``) in a private
    profile under ``work``; return the file it wrote."""
    soffice = find_soffice()
    profile = work / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(
        _RECALC_ALWAYS_XCU, encoding="utf-8")
    outdir = work / "out"
    outdir.mkdir()
    cmd = [
        str(soffice),
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
        "--nolockcheck",
        "--convert-to", filter_spec,
        "--outdir", str(outdir),
        str(staged),
    ]
    env = dict(os.environ)
    env.setdefault("SAL_USE_VCLPLUGIN", "svp")  # no display needed
    output = _run(cmd, timeout, env=env)
    produced = outdir / f"{staged.stem}.{ext}"
    if not produced.is_file() or produced.stat().st_size == 0:
        raise EngineError(
            f"LibreOffice wrote no {ext} file for {src} (the workbook may be "
            f"unreadable).\ncommand: {' '.join(cmd)}\noutput:\n{output[-_OUTPUT_TAIL:]}"
        )
    return produced


def _run(cmd: list[str], timeout: float, env: dict[str, str] | None) -> str:
    """Run ``cmd`` in its own process group; return its combined output.

    On timeout the whole group is killed (soffice is a launcher that starts
    ``soffice.bin``), so no orphaned office process is left behind.
    """
    try:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, start_new_session=(os.name == "posix"),
        )
    except OSError as exc:
        raise EngineError(f"cannot start {cmd[0]}: {exc}") from exc
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, _ = proc.communicate()
        raise EngineError(
            f"{Path(cmd[0]).name} timed out after {timeout:g} s and was killed.\n"
            f"command: {' '.join(cmd)}\noutput:\n"
            f"{out.decode(errors='replace')[-_OUTPUT_TAIL:]}"
        ) from None
    text = out.decode(errors="replace")
    if proc.returncode != 0:
        raise EngineError(
            f"{Path(cmd[0]).name} failed with exit code {proc.returncode}.\n"
            f"command: {' '.join(cmd)}\noutput:\n{text[-_OUTPUT_TAIL:]}"
        )
    return text


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill ``proc`` and the processes it started (its own session on POSIX)."""
    if os.name == "posix":
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    else:
        proc.kill()


def _install(produced: Path, dst: Path) -> None:
    """Copy ``produced`` to ``dst`` atomically."""
    with atomic_output(dst) as tmp:
        shutil.copyfile(produced, tmp)


_SHEET_TAG = re.compile(r"<(?:\w+:)?sheet\b[^>]*?/>")
_NAME_ATTR = re.compile(r'\bname="([^"]*)"')
_STATE_ATTR = re.compile(r'\s+state="[^"]*"')
_WORKBOOK_VIEW = re.compile(r"<(?:\w+:)?workbookView\b[^>]*?/?>")


def _copy_showing_only(src: Path, dst: Path, sheet: str) -> None:
    """Copy workbook ``src`` to ``dst`` with every sheet but ``sheet`` hidden.

    Edits only ``xl/workbook.xml`` (sheet ``state`` attributes and the active tab) as
    text, so everything else in the package (charts, styles, names) is untouched.
    """
    with zipfile.ZipFile(src) as zin:
        xml = zin.read("xl/workbook.xml").decode("utf-8")
        tags = _SHEET_TAG.findall(xml)
        names = [html.unescape(_NAME_ATTR.search(t).group(1)) for t in tags]
        if sheet not in names:
            raise KeyError(f"no sheet {sheet!r} in {src.name}; sheets: {names}")
        index = names.index(sheet)

        def _restate(match: re.Match) -> str:
            tag = _STATE_ATTR.sub("", match.group(0))
            name = html.unescape(_NAME_ATTR.search(tag).group(1))
            if name == sheet:
                return tag
            return re.sub(r"\s*/>$", ' state="hidden"/>', tag)

        xml = _SHEET_TAG.sub(_restate, xml)

        def _activate(match: re.Match) -> str:
            tag = re.sub(r'\s+(?:activeTab|firstSheet)="\d+"', "", match.group(0))
            return re.sub(r"^(<(?:\w+:)?workbookView)\b",
                          rf'\1 activeTab="{index}" firstSheet="{index}"', tag)

        xml = _WORKBOOK_VIEW.sub(_activate, xml, count=1)
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                data = xml.encode("utf-8") if item.filename == "xl/workbook.xml" \
                    else zin.read(item.filename)
                zout.writestr(item, data)
