"""Reading the Excel tables (ListObjects) of an .xlsx: bounded, fast, every cell named.

1. The archive is checked before anything big is decompressed: number of
   parts, each part's declared size and compression ratio, the total
   (:mod:`kpi_core.limits`); and no XML part may declare a DTD (Excel never
   writes one: a ``<!DOCTYPE`` is an entity-expansion or external-entity
   attack on whichever parser reads that part).
2. The small parts (workbook, relationships, table definitions) are parsed
   with defusedxml (no entities, no external references) to find each table's
   sheet and range.
3. The sheets holding dataset tables and the shared strings are streamed
   once, counting real bytes, cells and strings against the limits, and
   collecting what a value reader cannot see: merged cells, formulas without
   a saved value and Excel error values (#N/A) inside a table.
4. Values are read by python-calamine (Rust) sheet by sheet; each table is
   the slice of its range, and messages name the cell ('Data'!C14).

:func:`read_sheet` reads a plain range (a raw export pasted on a sheet, no
Excel table) through the same checks, for the mappings of
:mod:`kpi_core.mapping`.
"""

from __future__ import annotations

import difflib
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import _columns
from .errors import KpiInputError
from .limits import ReadLimits

_MB = 1024 * 1024
_SMALL_PART = 64 * _MB  # workbook.xml, rels, table parts: parsed in memory
_PROLOG = 64 * 1024  # what an XML part may hold before its root element (declaration, comments)
_CHUNK = 4 * _MB
MAX_COL, MAX_ROW = 16384, 1048576  # XFD, Excel's last row

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_REF = re.compile(r"^\$?([A-Za-z]{1,4})\$?(\d{1,8})(?::\$?([A-Za-z]{1,4})\$?(\d{1,8}))?$")


def column_letter(n: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


@dataclass
class _Table:
    name: str
    sheet: str
    sheet_part: str
    ref: str
    min_col: int
    min_row: int
    max_col: int
    max_row: int
    header_rows: int
    totals_rows: int
    columns: list


def _err(where: str, message: str) -> KpiInputError:
    return KpiInputError(f"{where}: {message}", "value", location=where)


class XlsxArchive:
    """An .xlsx (zip) archive opened with its limits checked; small parts read through defusedxml.

    Every part's declared size and compression ratio, the number of parts and
    their total are checked when the archive is opened (:class:`ReadLimits`),
    and an XML part declaring a DTD is refused; :meth:`xml` parses a small part
    refusing entity declarations, :meth:`stream` decompresses a part counting
    its real bytes. Errors are :class:`KpiInputError` naming the file and the
    part. Used by :func:`load_dataset` and by the headless Refresh, which
    rewrites the same file.

    Examples
    --------
    >>> import zipfile, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.xlsx"
    >>> with zipfile.ZipFile(path, "w") as z:
    ...     z.writestr("xl/workbook.xml", "<workbook/>")
    >>> archive = XlsxArchive(path, ReadLimits())
    >>> archive.xml("xl/workbook.xml").tag, archive.names()
    ('workbook', ['xl/workbook.xml'])
    >>> archive.close()
    """

    def __init__(self, path: Path, limits: ReadLimits) -> None:
        self.path, self.limits = path, limits
        try:
            self.zf = zipfile.ZipFile(path)
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
            raise _err(path.name, f"not a readable .xlsx workbook ({exc})") from None
        try:
            self._check(infos)
        except BaseException:
            self.zf.close()
            raise

    def _check(self, infos) -> None:
        path, limits = self.path, self.limits
        if len(infos) > limits.max_parts:
            raise limits.refuse(path.name, f"the archive holds {len(infos)} parts", "max_parts")
        self.infos = {i.filename.lstrip("/"): i for i in infos}
        total = 0
        for name, info in self.infos.items():
            where = f"{path.name}, part {name}"
            if info.file_size > limits.max_part_mb * _MB:
                raise limits.refuse(where, f"declares {info.file_size / _MB:,.0f} MB uncompressed", "max_part_mb")
            if info.file_size > _MB and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise limits.refuse(where, f"inflates {info.file_size / max(info.compress_size, 1):,.0f} times "
                                    "(a compression bomb?)", "max_ratio")
            total += info.file_size
        if total > limits.max_total_mb * _MB:
            raise limits.refuse(path.name, f"its parts declare {total / _MB:,.0f} MB uncompressed", "max_total_mb")
        for name, info in self.infos.items():
            if name.lower().endswith((".xml", ".rels")):
                self._refuse_dtd(name, info)

    def _refuse_dtd(self, name: str, info) -> None:
        """Refuse a part whose prolog declares a DTD (or is too long to tell): one clear line."""
        where = f"{self.path.name}, part {name}"
        try:
            with self.zf.open(info) as fh:
                head = fh.read(_PROLOG)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise _err(where, f"damaged ({exc})") from None
        found = doctype_in_prolog(head)
        if found or (found is None and len(head) >= _PROLOG):
            why = ("it declares a DTD (<!DOCTYPE ...>), which Excel never writes: entity expansion or an "
                   "external entity" if found else f"its XML prolog runs past {_PROLOG // 1024} KB")
            raise _err(where, f"refused: {why}; the file was not read")

    def has(self, name: str) -> bool:
        """Whether the archive holds the part `name` (no leading slash)."""
        return name in self.infos

    def names(self) -> list[str]:
        """The part names, in archive order."""
        return list(self.infos)

    def rels(self, part: str) -> dict:
        """Relationship id -> (type's last word, absolute target) of a part's internal relationships."""
        return _rels(self, part)

    def check_extent(self, part: str) -> None:
        """Refuse a worksheet part whose cells span more than ``max_cells`` rows × columns (a reader lays a
        sheet out as a grid from A1 to its furthest cell: one cell at XFD1048576 is 17 billion)."""
        extent, tail = _Extent(), b""
        for chunk in self.stream(part):
            data = tail + chunk
            cut = data.rfind(b"<")
            extent.update(data[:cut])
            tail = data[cut:]
        extent.update(tail)
        _refuse_sparse(self, part, extent.cells(self, part))

    def close(self) -> None:
        """Close the archive."""
        self.zf.close()

    def xml(self, name: str):
        """The parsed XML of a small part (defusedxml: entity declarations are refused)."""
        from defusedxml import ElementTree as SafeET
        from defusedxml.common import DefusedXmlException

        info = self.infos[name]
        if info.file_size > _SMALL_PART:
            raise self.limits.refuse(f"{self.path.name}, part {name}",
                                     f"is {info.file_size / _MB:,.0f} MB, too big for its kind", "max_part_mb")
        try:
            return SafeET.fromstring(self.zf.read(info))
        except DefusedXmlException as exc:
            raise _err(f"{self.path.name}, part {name}", f"refused: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - any malformed part is the user's input error
            raise _err(f"{self.path.name}, part {name}", f"not readable XML ({exc})") from None

    def stream(self, name: str):
        """The decompressed bytes of a part in chunks, stopping at max_part_mb of real output."""
        cap = self.limits.max_part_mb * _MB
        seen = 0
        try:
            with self.zf.open(self.infos[name]) as fh:
                while True:
                    chunk = fh.read(_CHUNK)
                    if not chunk:
                        return
                    seen += len(chunk)
                    if seen > cap:
                        raise self.limits.refuse(f"{self.path.name}, part {name}",
                                                 f"inflates to more than {cap / _MB:,.0f} MB", "max_part_mb")
                    yield chunk
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            # zlib errors and CRC mismatches (a part larger than it declares) land here
            raise _err(f"{self.path.name}, part {name}", f"damaged ({exc})") from None


def doctype_in_prolog(head: bytes) -> bool | None:
    """Whether the XML text `head` declares a DTD before its root element (None: the prolog goes on).

    Examples
    --------
    >>> doctype_in_prolog(b'<?xml version="1.0"?><!-- x --><worksheet/>')
    False
    >>> doctype_in_prolog(b'<?xml version="1.0"?> <!DOCTYPE x [<!ENTITY a "b">]><x/>')
    True
    >>> doctype_in_prolog(b'<?xml version="1.0"?><!-- not over') is None
    True
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4]:  # UTF-16 XML
        encoding = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else (
            "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be")
        head = head[:len(head) // 2 * 2].decode(encoding, errors="replace").encode("utf-8")
    i = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    n = len(head)
    while True:
        while i < n and head[i] in b" \t\r\n":
            i += 1
        if i >= n:
            return None
        if head.startswith(b"<?", i):
            end = head.find(b"?>", i + 2)
            if end < 0:
                return None
            i = end + 2
        elif head.startswith(b"<!--", i):
            end = head.find(b"-->", i + 4)
            if end < 0:
                return None
            i = end + 3
        else:  # <!DOCTYPE (any case), or any other markup declaration, before the root: refused
            return head.startswith(b"<!", i)


def _rels(archive: XlsxArchive, part: str) -> dict:
    """Relationship id -> (type, absolute target) of a part."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    if not archive.has(rels):
        return {}
    out = {}
    for rel in archive.xml(rels).iter(f"{{{_NS_PKG_REL}}}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id")] = (rel.get("Type", "").rsplit("/", 1)[-1], full)
    return out


def _parse_ref(ref: str, where: str) -> tuple[int, int, int, int]:
    m = _REF.match(ref or "")
    if not m:
        raise _err(where, f"its range {ref!r} is not a cell range such as A1:C20")
    c0, r0 = _column_number(m.group(1)), int(m.group(2))
    c1, r1 = (_column_number(m.group(3)), int(m.group(4))) if m.group(3) else (c0, r0)
    if max(c0, c1) > MAX_COL or max(r0, r1) > MAX_ROW or min(r0, r1) < 1:
        raise _err(where, f"its range {ref} goes past Excel's last cell XFD{MAX_ROW}")
    return min(c0, c1), min(r0, r1), max(c0, c1), max(r0, r1)


def _sheets(archive: XlsxArchive) -> dict:
    """Sheet title -> worksheet part, in the workbook's order."""
    if not archive.has("xl/workbook.xml"):
        raise _err(archive.path.name, "not a readable .xlsx workbook (it has no xl/workbook.xml)")
    book = archive.xml("xl/workbook.xml")
    book_rels = _rels(archive, "xl/workbook.xml")
    out = {}
    for sheet in book.iter(f"{{{_NS_MAIN}}}sheet"):
        rel = book_rels.get(sheet.get(f"{{{_NS_REL}}}id"))
        if rel is not None and rel[0] == "worksheet" and archive.has(rel[1]):
            out[sheet.get("name", "")] = rel[1]
    return out


def _find_tables(archive: XlsxArchive) -> list[_Table]:
    """Every Excel table of the workbook, with its sheet and range."""
    name = archive.path.name
    tables = []
    for title, sheet_part in _sheets(archive).items():
        for kind, part in _rels(archive, sheet_part).values():
            if kind != "table" or not archive.has(part):
                continue
            root = archive.xml(part)
            tname = root.get("displayName") or root.get("name") or ""
            where = f"{name}, table {tname} (sheet '{title}')"
            c0, r0, c1, r1 = _parse_ref(root.get("ref", ""), where)
            columns = [c.get("name", "") for c in root.iter(f"{{{_NS_MAIN}}}tableColumn")]
            tables.append(_Table(tname, title, sheet_part, root.get("ref", ""), c0, r0, c1, r1,
                                 int(root.get("headerRowCount", "1") or 1), int(root.get("totalsRowCount", "0") or 0),
                                 columns))
    return tables


def near_miss(name: str, known) -> str | None:
    """The known table name `name` was probably meant to be (case or a letter off), or None.

    Examples
    --------
    >>> near_miss("customers", ["Customers", "Responses"]), near_miss("Response", ["Responses"])
    ('Customers', 'Responses')
    >>> near_miss("KpiBySegment", ["Customers", "Responses"]) is None
    True
    """
    lowered = {k.lower(): k for k in known}
    if name.lower() in lowered:
        return lowered[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.85)
    return lowered[close[0]] if close else None


# -- one streaming pass over a sheet's XML ----------------------------------------------------------
def _sheet_patterns(prefix: bytes):
    p = re.escape(prefix)
    cell_start = b"<" + prefix + b"c "
    formula = re.compile(
        rb'<' + p + rb'c r="([A-Z]{1,3})(\d+)"[^>]*>(?:<' + p + rb'f[^>]*/>|<' + p + rb'f[^>]*>[^<]*</' + p
        + rb'f>)(?:<' + p + rb'v\s*/>|<' + p + rb'v>\s*</' + p + rb'v>)?</' + p + rb'c>')
    error = re.compile(rb'<' + p + rb'c r="([A-Z]{1,3})(\d+)"[^>]*\bt="e"[^>]*>(?:<' + p + rb'f[^>]*/>|<' + p
                       + rb'f[^>]*>[^<]*</' + p + rb'f>)?<' + p + rb'v>([^<]*)</' + p + rb'v>')
    merge = re.compile(rb'<' + p + rb'mergeCell ref="([A-Z]{1,3}\d+(?::[A-Z]{1,3}\d+)?)"')
    return cell_start, formula, error, merge


@dataclass
class _SheetScan:
    cells: int
    no_value: list   # (col, row) of formulas with no saved value
    errors: list     # (col, row, "#N/A")
    merged: list     # "B8:C9"


class _Extent:
    """The rows × columns a sheet's cells span, found without parsing every cell reference.

    A reader (calamine) lays a sheet out as a dense grid from A1 to its furthest cell, so
    one cell at XFD1048576 is 17 billion grid cells. Rows below 100 000 and columns up to
    ZZ (702) are at most 70 million: only a six-digit row or a three-letter column needs a
    closer look (the columns, or the rows, are then read exactly).
    """

    _DEEP = re.compile(rb'<(?:\w+:)?c r="[A-Z]{1,3}(\d{6,})"')  # a row from 100 000 on
    _WIDE = re.compile(rb'<(?:\w+:)?c r="([A-Z]{3})\d')  # a column from AAA on
    _TWO = re.compile(rb'<(?:\w+:)?c r="([A-Z]{2})\d')  # a column from AA on
    _ROW = re.compile(rb'<(?:\w+:)?c r="[A-Z]{1,3}(\d+)"')

    def __init__(self) -> None:
        self.rows = self.cols = 0  # the furthest six-digit row and two- or three-letter column seen
        self.wide = False

    def update(self, body: bytes) -> None:
        deep = self._DEEP.findall(body)
        if deep:
            self.rows = max(self.rows, max(map(int, set(deep))))
        wide = self._WIDE.findall(body)
        self.wide |= bool(wide)
        letters = set(wide or self._TWO.findall(body))
        if letters:
            self.cols = max(self.cols, max(_column_number(c.decode()) for c in letters))

    def cells(self, archive: XlsxArchive, part: str) -> int:
        """How many cells the dense grid of `part` holds at most (0: at most 70 million, which the count of
        real cells bounds well enough)."""
        if not self.rows and not self.wide:
            return 0
        rows, tail = self.rows, b""
        if not rows:  # a three-letter column but no row past 99 999: how far down, exactly (a rare sheet)
            for chunk in archive.stream(part):
                data = tail + chunk
                cut = data.rfind(b"<")
                rows = max([rows, *map(int, set(self._ROW.findall(data[:cut])))])
                tail = data[cut:]
        return rows * max(self.cols, 26)


def _scan_sheet(archive: XlsxArchive, part: str, cells_left: int) -> _SheetScan:
    """Count cells and find merged ranges, value-less formulas and error values, in bounded memory."""
    scan = _SheetScan(0, [], [], [])
    extent = _Extent()
    tail = b""
    patterns = None
    for chunk in archive.stream(part):
        data = tail + chunk
        if patterns is None:
            m = re.search(rb"<(\w+:)?worksheet[\s>]", data)
            patterns = _sheet_patterns(m.group(1) or b"" if m else b"")
            cell_start, formula, error, merge = patterns
            f_open, e_attr = b"<" + (m.group(1) or b"" if m else b"") + b"f", b't="e"'
            merge_word = b"mergeCell "
        cut = data.rfind(cell_start)
        if cut <= 0 or len(data) - cut > _MB:
            cut = len(data)
        body, tail = data[:cut], data[cut:]
        extent.update(body)
        scan.cells += body.count(cell_start)
        if scan.cells > cells_left:
            raise archive.limits.refuse(f"{archive.path.name}, part {part}",
                                        f"holds more than {cells_left:,} cells", "max_cells")
        if f_open in body:
            scan.no_value += [(m.group(1).decode(), int(m.group(2))) for m in formula.finditer(body)]
        if e_attr in body:
            scan.errors += [(m.group(1).decode(), int(m.group(2)), m.group(3).decode(errors="replace"))
                            for m in error.finditer(body)]
        if merge_word in body:
            scan.merged += [m.group(1).decode() for m in merge.finditer(body)]
    if tail:
        scan.cells += tail.count(patterns[0])
        if patterns[1].search(tail):
            scan.no_value += [(m.group(1).decode(), int(m.group(2))) for m in patterns[1].finditer(tail)]
        scan.errors += [(m.group(1).decode(), int(m.group(2)), m.group(3).decode(errors="replace"))
                        for m in patterns[2].finditer(tail)]
        scan.merged += [m.group(1).decode() for m in patterns[3].finditer(tail)]
        extent.update(tail)
    _refuse_sparse(archive, part, extent.cells(archive, part))
    return scan


def _refuse_sparse(archive: XlsxArchive, part: str, grid: int) -> None:
    if grid > archive.limits.max_cells:
        raise archive.limits.refuse(f"{archive.path.name}, part {part}", f"has cells spanning {grid:,} grid cells "
                                    "(a cell far right or far down)", "max_cells")


def _count_strings(archive: XlsxArchive) -> None:
    """Refuse a shared-strings part holding more than max_strings strings."""
    part = next((p for p in ("xl/sharedStrings.xml",) if archive.has(p)), None)
    if part is None:
        return
    limit = archive.limits.max_strings
    count = 0
    tail = b""
    for chunk in archive.stream(part):
        data = tail + chunk
        count += data.count(b"<si>") + data.count(b"<si ") + data.count(b":si>") + data.count(b":si ")
        tail = data[-3:]  # a tag cut by the chunk boundary is counted with the next chunk
        if count > limit:
            raise archive.limits.refuse(f"{archive.path.name}, part {part}", f"holds more than {limit:,} strings",
                                        "max_strings")


# -- the reader -------------------------------------------------------------------------------------
def _locator(file: str, table: str, sheet: str, letters: dict, first_row: int):
    return lambda column, pos: (f"{file}, table {table}, cell '{sheet}'!{letters.get(column, '?')}"
                                f"{first_row + pos} (column {column})")


def _in(t: _Table, col: int, row: int) -> bool:
    return t.min_col <= col <= t.max_col and t.min_row <= row <= t.max_row


def _cell_problems(file: str, t: _Table, header: list, scan: _SheetScan) -> list[KpiInputError]:
    """Merged cells, formulas without a saved value and error values inside table `t`."""
    out = []

    def where(col, row):
        j = col - t.min_col
        column = header[j] if 0 <= j < len(header) else "?"
        what = f"{file}, table {t.name}" if t.name else file  # a plain range (read_sheet) has no table name
        return f"{what}, cell '{t.sheet}'!{column_letter(col)}{row} (column {column})"

    for ref in scan.merged:
        c0, r0, c1, r1 = _parse_ref(ref, file)
        if c0 <= t.max_col and c1 >= t.min_col and r0 <= t.max_row and r1 >= t.min_row:
            col, row = max(c0, t.min_col), max(r0, t.min_row)
            out.append(_err(where(col, row), f"merged cells {ref} inside the table; unmerge them and fill "
                                             "every cell (a merged cell is blank except its first cell)"))
    for letters, row in scan.no_value:
        col = _column_number(letters)
        if _in(t, col, row):
            out.append(_err(where(col, row), "holds a formula with no saved value (the file was written by a "
                                             "program that does not calculate); open and save it in Excel or "
                                             "LibreOffice, or paste the values"))
    for letters, row, value in scan.errors:
        col = _column_number(letters)
        if _in(t, col, row) and row >= t.min_row + t.header_rows:
            out.append(_err(where(col, row), f"holds the Excel error {value}; fix the cell or its formula"))
    return out


def read_xlsx(path: Path, known, limits: ReadLimits, problems: list | None = None) -> tuple[dict, dict]:
    """Raw tables (object columns) and locators of the dataset tables of an .xlsx.

    With `problems` (a list), every problem is appended and the tables that
    could be read are returned; without, the first problem raises.
    """
    def fail(err: KpiInputError) -> None:
        if problems is None:
            raise err
        problems.append(err)

    file = path.name
    archive = XlsxArchive(path, limits)
    try:
        all_tables = _find_tables(archive)
        chosen: dict[str, _Table] = {}
        misnamed = []
        for t in all_tables:
            if t.name in known:
                if t.name in chosen:
                    fail(_err(f"{file}, table {t.name}", f"defined twice (sheets '{chosen[t.name].sheet}' and "
                                                         f"'{t.sheet}')"))
                chosen.setdefault(t.name, t)
                continue
            meant = near_miss(t.name, known)
            if meant is not None:
                misnamed.append(_err(f"{file}, table {t.name} (sheet '{t.sheet}')",
                                     f"not a dataset table name; rename it {meant} (table names are exact: "
                                     f"{', '.join(known)})"))
        if misnamed and problems is None:  # one error naming every misnamed table, not only the first
            first = misnamed[0]
            raise KpiInputError("; ".join(str(e) for e in misnamed), first.kind, location=first.location)
        for err in misnamed:
            fail(err)
        if not chosen:
            return {}, {}
        _count_strings(archive)
        cells_left = limits.max_cells
        scans = {}
        for part in dict.fromkeys(t.sheet_part for t in chosen.values()):
            scans[part] = _scan_sheet(archive, part, cells_left)
            cells_left -= scans[part].cells
        values = _calamine_values(path, {t.sheet for t in chosen.values()}, max(t.max_row for t in chosen.values()))
    finally:
        archive.close()

    tables, locators = {}, {}
    for name, t in chosen.items():
        where = f"{file}, table {name}"
        if t.header_rows < 1:
            fail(_err(where, f"has no header row (sheet '{t.sheet}', range {t.ref}); turn on Table Design > "
                             "Header Row"))
            continue
        block = _block(values[t.sheet], t.min_row - 1, t.max_row - t.totals_rows, t.min_col - 1, t.max_col)
        header = [(str(h).strip() if h not in (None, "") else "") or (t.columns[j] if j < len(t.columns) else "")
                  for j, h in enumerate(block.iloc[0])] if len(block) else list(t.columns)
        seen: dict[str, int] = {}
        dup = False
        for j, h in enumerate(header):
            if h in seen:
                dup = True
                fail(_err(f"{file}, table {name}, cell '{t.sheet}'!{column_letter(t.min_col + j)}{t.min_row} "
                          f"(column {h})", f"the header names column {h} twice (cells "
                          f"{column_letter(t.min_col + seen[h])}{t.min_row} and {column_letter(t.min_col + j)}"
                          f"{t.min_row}); each column name must be unique"))
            seen.setdefault(h, j)
        cell_errors = _cell_problems(file, t, header, scans[t.sheet_part])
        for err in cell_errors:
            fail(err)
        if dup or cell_errors:
            continue
        body = block.iloc[1:].reset_index(drop=True)
        body.columns = header
        tables[name] = body
        letters = {h: column_letter(t.min_col + j) for j, h in enumerate(header)}
        locators[name] = _locator(file, name, t.sheet, letters, t.min_row + 1)
    return tables, locators


def _block(grid: list, r0: int, r1: int, c0: int, c1: int) -> pd.DataFrame:
    """Rows r0..r1-1 and columns c0..c1-1 (0-based) of a sheet's rows, padded with blanks."""
    rows = grid[r0:r1]
    frame = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame(dtype=object)
    frame = frame.reindex(index=range(r1 - r0), columns=range(c0, c1), fill_value="")
    frame.columns = range(c1 - c0)
    return frame


def _calamine_values(path: Path, sheets: set, max_row: int | None) -> dict:
    """Sheet title -> rows of cell values from A1 (python-calamine; blank cells are '')."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        return {s: book.get_sheet_by_name(s).to_python(skip_empty_area=False, nrows=max_row) for s in sheets}
    except Exception as exc:  # noqa: BLE001 - calamine's errors on a damaged file are the user's input error
        raise _err(path.name, f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None


# -- a plain range on a sheet (raw exports, the Mapping table's sources) ----------------------------
@dataclass
class SheetRange:
    """What :func:`read_sheet` reads: the header row's cell values and the rows under it."""

    sheet: str
    header: list            # the header cells' values (text, numbers, dates); first and last are not blank
    body: pd.DataFrame      # the cells under the header, columns 0..len(header)-1; blank rows left out
    rows: list              # sheet row number of each body row
    first_col: int          # 1-based column of header[0]
    header_row: int         # sheet row of the header


def read_sheet(path: Path, sheet: str | None, limits: ReadLimits) -> SheetRange:
    """The range of a sheet that holds no Excel table: its first non-blank row is the header.

    The same checks as the table reader: archive limits, no DTD, cell and
    string counts, and inside the range no merged cell, no formula without a
    saved value and no Excel error value (each an error naming the cell).
    Without `sheet`, a workbook with one sheet gives that sheet. Columns run
    from the first to the last non-blank header cell.
    """
    file = path.name
    archive = XlsxArchive(path, limits)
    try:
        sheets = _sheets(archive)
        if sheet is None:
            if len(sheets) != 1:
                raise _err(file, f"holds {len(sheets)} sheets ({', '.join(repr(s) for s in sheets)}); name the "
                                 "one to read (sheet = \"...\" in the mapping)")
            sheet = next(iter(sheets))
        if sheet not in sheets:
            raise _err(file, f"has no sheet {sheet!r}; its sheets: {', '.join(repr(s) for s in sheets) or 'none'}")
        _count_strings(archive)
        scan = _scan_sheet(archive, sheets[sheet], limits.max_cells)
        grid = _calamine_values(path, {sheet}, None)[sheet]
    finally:
        archive.close()
    got = sheet_range(grid, sheet)
    if got is None:
        raise _err(f"{file}, sheet '{sheet}'", "is empty; expected a header row with the column names")
    t = _Table("", sheet, sheets[sheet], "", got.first_col, got.header_row, got.first_col + len(got.header) - 1,
               max(len(grid), got.header_row), 1, 0, [str(h) for h in got.header])
    problems = _cell_problems(file, t, [str(h) for h in got.header], scan)
    if problems:
        raise problems[0]
    return got


def sheet_range(grid: list, sheet: str, top: int = 1, left: int = 1) -> SheetRange | None:
    """The header (the first non-blank row) and the rows under it of a grid of cell values, or None if blank.

    `grid[0][0]` is the cell at row `top`, column `left` of the sheet. Columns run from the
    first to the last non-blank header cell; blank rows are left out (their numbers kept).

    Examples
    --------
    >>> r = sheet_range([[None, None, None], [None, "id", "mrr"], [None, "a", 5], [None, "", None],
    ...                  [None, "b", 7]], "S")
    >>> r.header, r.body.values.tolist(), r.rows, r.first_col, r.header_row
    (['id', 'mrr'], [['a', 5], ['b', 7]], [3, 5], 2, 2)
    """
    header_row = next((r for r, row in enumerate(grid) if not all(_columns.is_blank(v) for v in row)), None)
    if header_row is None:
        return None
    filled = [j for j, v in enumerate(grid[header_row]) if not _columns.is_blank(v)]
    c0, c1 = filled[0], filled[-1] + 1
    header = ["" if _columns.is_blank(v) else v for v in grid[header_row][c0:c1]]
    body = _block(grid, header_row + 1, len(grid), c0, c1)
    keep = ~np.column_stack([_columns.blanks(body[c]) for c in body]).all(axis=1) if len(body) else np.zeros(0, bool)
    body = body[keep].reset_index(drop=True)
    rows = (np.flatnonzero(keep) + top + header_row + 1).tolist()
    return SheetRange(sheet, header, body, rows, left + c0, top + header_row)


def read_named_table(path: Path, name: str, limits: ReadLimits) -> tuple[pd.DataFrame, object] | None:
    """The Excel table `name` of a workbook (raw values, its locator), or None when it has none.

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl
    >>> from openpyxl.worksheet.table import Table
    >>> wb = openpyxl.Workbook(); ws = wb.active
    >>> for row in (["table", "setting"], ["Customers", "file"]): ws.append(row)
    >>> ws.add_table(Table(displayName="Mapping", ref="A1:B2"))
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "b.xlsx"; wb.save(path)
    >>> read_named_table(path, "Mapping", ReadLimits())[0].values.tolist()
    [['Customers', 'file']]
    """
    tables, locators = read_xlsx(path, [name], limits)
    return (tables[name], locators[name]) if name in tables else None
