"""What every OOXML part needs: namespaces, XML escaping and A1 cell references.

The package writer (:mod:`workbook_templates.writing.package` and the parts of
:mod:`workbook_templates.writing.parts`) builds XML as text; this module holds
the pieces they share, so each rule (how text is escaped in an element or an
attribute, how a column number becomes letters) has one home.
"""

from __future__ import annotations

import re

__all__ = [
    "DECLARATION", "NS_MAIN", "NS_REL", "NS_PKG_REL", "NS_DRAWING", "NS_CHART", "NS_XDR", "NS_CT",
    "REL", "CONTENT", "escape", "quote_attr", "column_letter", "column_number", "cell_ref", "parse_cell",
    "parse_range", "strip_dollars",
]

DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_DRAWING = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"

_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
#: relationship types, by the short name the writer uses
REL = {
    "document": _OFFICE + "officeDocument",
    "core": "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
    "app": _OFFICE + "extended-properties",
    "worksheet": _OFFICE + "worksheet",
    "styles": _OFFICE + "styles",
    "theme": _OFFICE + "theme",
    "sharedStrings": _OFFICE + "sharedStrings",
    "calcChain": _OFFICE + "calcChain",
    "drawing": _OFFICE + "drawing",
    "chart": _OFFICE + "chart",
    "table": _OFFICE + "table",
}
_SHEETML = "application/vnd.openxmlformats-officedocument.spreadsheetml."
#: content types of the parts the writer makes
CONTENT = {
    "workbook": _SHEETML + "sheet.main+xml",
    "worksheet": _SHEETML + "worksheet+xml",
    "styles": _SHEETML + "styles+xml",
    "sharedStrings": _SHEETML + "sharedStrings+xml",
    "table": _SHEETML + "table+xml",
    "theme": "application/vnd.openxmlformats-officedocument.theme+xml",
    "drawing": "application/vnd.openxmlformats-officedocument.drawing+xml",
    "chart": "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
    "core": "application/vnd.openxmlformats-package.core-properties+xml",
    "app": "application/vnd.openxmlformats-officedocument.extended-properties+xml",
    "rels": "application/vnd.openxmlformats-package.relationships+xml",
    "xml": "application/xml",
}

# every column letter of a sheet (A..XFD), computed once: a table lookup on the hot path
_LETTERS: list[str] = []
for _n in range(1, 16385):
    _k, _text = _n, ""
    while _k:
        _k, _r = divmod(_k - 1, 26)
        _text = chr(65 + _r) + _text
    _LETTERS.append(_text)
_NUMBERS = {text: i + 1 for i, text in enumerate(_LETTERS)}
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def escape(text: str) -> str:
    """``text`` as XML element content (``&``, ``<``, ``>`` escaped).

    Examples
    --------
    >>> escape("a & <b>")
    'a &amp; &lt;b&gt;'
    """
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def quote_attr(text: str) -> str:
    """``text`` as a double-quoted XML attribute value, quotes included.

    Line breaks and tabs are written as character references, so that a parser
    gives them back (attribute value normalisation would turn them into spaces).

    Examples
    --------
    >>> quote_attr('say "hi" & go')
    '"say &quot;hi&quot; &amp; go"'
    """
    text = escape(text)
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "\n" in text or "\r" in text or "\t" in text:
        text = text.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    return f'"{text}"'


def column_letter(col: int) -> str:
    """1-based column number -> letters (1 -> ``A``, 28 -> ``AB``).

    Examples
    --------
    >>> column_letter(1), column_letter(28), column_letter(16384)
    ('A', 'AB', 'XFD')
    """
    if not 1 <= col <= 16384:
        raise ValueError(f"column {col} is outside Excel's columns 1..16384 (A..XFD)")
    return _LETTERS[col - 1]


def column_number(letters: str) -> int:
    """Column letters -> 1-based number (``AB`` -> 28).

    Examples
    --------
    >>> column_number("xfd")
    16384
    """
    try:
        return _NUMBERS[letters.upper()]
    except KeyError:
        raise ValueError(f"{letters!r} is not a column of Excel (A..XFD)") from None


def cell_ref(row: int, col: int) -> str:
    """``B3`` for row 3, column 2.

    Examples
    --------
    >>> cell_ref(3, 2)
    'B3'
    """
    return f"{column_letter(col)}{row}"


def strip_dollars(reference: str) -> str:
    """``$B$3:$C$4`` -> ``B3:C4``."""
    return reference.replace("$", "")


def parse_cell(reference: str) -> tuple[int, int]:
    """``B3`` (or ``$B$3``) -> (row 3, column 2).

    Examples
    --------
    >>> parse_cell("$E$12")
    (12, 5)
    """
    m = _CELL.match(reference.strip())
    if not m:
        raise ValueError(f"{reference!r} is not a cell reference such as B3")
    return int(m.group(2)), column_number(m.group(1))


def parse_range(reference: str) -> tuple[int, int, int, int]:
    """``B3:D9`` (or one cell) -> (first row, first column, last row, last column).

    Examples
    --------
    >>> parse_range("B3:D9"), parse_range("C2")
    ((3, 2, 9, 4), (2, 3, 2, 3))
    """
    first, _, last = reference.partition(":")
    r1, c1 = parse_cell(first)
    r2, c2 = parse_cell(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)

