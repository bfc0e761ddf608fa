"""Stream a sheet's cells as worksheet XML (``<sheetData>``), column at a time.

The file writer (:mod:`workbook_templates.writing.xlsx`) lets openpyxl write the
workbook's skeleton (styles, tables, charts, defined names, conditional
formats, validations, column widths, freeze panes) and takes the cells of
every sheet from here: data blocks are encoded a column at a time into XML
text (numbers by NumPy, text once per distinct value, one style per column),
with no cell object per value. What a value becomes is decided by
:mod:`workbook_templates.writing.values`, as for the other writers:

- numbers are ``<v>`` elements in Python's shortest round-trip form;
  dates are Excel serial numbers with the column's date format;
- text is an inline string (``t="inlineStr"``), XML-escaped and in OOXML's
  ``_xHHHH_``-escaped form, never a formula: text that starts like a formula
  also gets a style with Excel's quote prefix;
- formulas of the layout are ``<f>`` elements.
"""

from __future__ import annotations

import bisect
import datetime as _dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import lru_cache

import numpy as np
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from ..spec.layout import Block, SheetLayout
from .values import Column, cell_value, column, default_style, excel_serial, needs_quote_prefix, xstring

__all__ = ["sheet_data", "StyleId"]

#: ``style_id(style_key, quote_prefix) -> int``: the cellXfs index of a style key.
StyleId = Callable[[str | None, bool], int]

_CHUNK = 20_000  # rows encoded at a time


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _attr(style: int) -> str:
    return f' s="{style}"' if style else ""


def _text_frag(text: str, style: int) -> str:
    """What follows ``<c r="A1"`` for a data text (already checked for the quote prefix)."""
    body = _escape(xstring(text))
    space = ' xml:space="preserve"' if body.strip() != body else ""
    return f'{_attr(style)} t="inlineStr"><is><t{space}>{body}</t></is></c>'


def _value_frag(value, style_key: str | None, style_id: StyleId) -> str | None:
    """What follows ``<c r="A1"`` for one value (None: nothing to write)."""
    value = cell_value(value)
    style_key = style_key or default_style(value)
    if value is None:
        return f'{_attr(style_id(style_key, False))}/>' if style_key else None
    if isinstance(value, str):
        return _text_frag(value, style_id(style_key, needs_quote_prefix(value)))
    s = _attr(style_id(style_key, False))
    if isinstance(value, bool):
        return f'{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (_dt.date, _dt.time)):
        return f"{s}><v>{to_excel(value)!r}</v></c>"
    if isinstance(value, Decimal):
        return f"{s}><v>{value}</v></c>"
    return f"{s}><v>{value!r}</v></c>"


def _cell_frag(cell, style_id: StyleId) -> str | None:
    """What follows ``<c r="A1"`` for a layout cell (a formula or a value)."""
    if cell.is_formula:
        return f"{_attr(style_id(cell.style, False))}><f>{_escape(cell.value[1:])}</f></c>"
    return _value_frag(cell.value, cell.style, style_id)


@lru_cache(maxsize=None)
def _letter(col: int) -> str:
    return get_column_letter(col)


def _numbers_text(values: np.ndarray) -> list:
    """Numbers as ``<v>`` text: shortest round-trip form; whole numbers without '.0'."""
    if values.dtype.kind == "f":
        finite = values[~np.isnan(values)]  # NaN cells are written blank
        whole = bool(np.all((finite == np.round(finite)) & (np.abs(finite) < 2.0 ** 53)))
        if not whole:
            return list(map(repr, values.tolist()))
        # dates and whole amounts: int text is shorter and faster (NaN cells become blank)
        values = np.where(np.isnan(values), 0.0, values).astype(np.int64)
    return list(map(str, values.tolist()))


class _Encoded:
    """One block column as XML fragments, computed a chunk of rows at a time."""

    def __init__(self, col: Column, style_id: StyleId) -> None:
        self.col = col
        s = _attr(style_id(col.style, False))
        self.blank_frag = f"{s}/>" if col.style else "/>"
        if col.kind == "text":
            frags = [_text_frag(t, style_id(col.style, bool(q))) for t, q in zip(col.uniques, col.quoted)]
            self.table = np.array(frags + [self.blank_frag], dtype=object)
        elif col.kind == "mixed":
            self.frags = np.array([_value_frag(v, col.style, style_id) or "/>" for v in col.values] + [""],
                                  dtype=object)[:-1]
        else:
            self.open = f'{s} t="b"><v>' if col.kind == "bool" else f"{s}><v>"

    def chunk(self, lo: int, hi: int) -> np.ndarray:
        col = self.col
        if col.kind == "text":
            return self.table[col.codes[lo:hi]]
        if col.kind == "mixed":
            return self.frags[lo:hi]
        values = col.values[lo:hi]
        if col.kind == "date":
            values = excel_serial(values)
        elif col.kind == "bool":
            values = values.astype(np.int8)
        text = np.array(_numbers_text(values) + [""], dtype=object)[:-1]
        out = self.open + text + "</v></c>"
        blank = col.blank[lo:hi]
        if blank.any():
            out[blank] = self.blank_frag
        return out


class _BlockRows:
    """A data block: its header cells and its encoded columns."""

    def __init__(self, block: Block, style_id: StyleId) -> None:
        self.block = block
        self.letters = [get_column_letter(block.col + j) for j in range(len(block.frame.columns))]
        self.columns = [_Encoded(column(series, block.styles.get(name)), style_id)
                        for name, series in block.frame.items()]
        headers = block.headers or [str(c) for c in block.frame.columns]
        self.header = [_value_frag(h, "header", style_id) for h in headers] if block.header else None
        self.cache: tuple[int, int, list] | None = None

    def frags(self, lo: int, hi: int) -> list:
        """Fragments of data rows lo..hi-1 (0-based), one array per column (cached per chunk)."""
        if self.cache is None or self.cache[:2] != (lo, hi):
            self.cache = (lo, hi, [c.chunk(lo, hi) for c in self.columns])
        return self.cache[2]


def _row_xml(r: int, cells: dict, style_id: StyleId, heights: dict | None = None) -> str:
    """One row from its cells: column -> fragment text, or a layout :class:`Cell` encoded here."""
    parts = []
    for c, item in sorted(cells.items()):
        frag = item if isinstance(item, str) else _cell_frag(item, style_id)
        if frag is not None:
            parts.append(f'<c r="{_letter(c)}{r}"{frag}')
    height = (heights or {}).get(r)
    attrs = f' ht="{height:g}" customHeight="1"' if height else ""
    return f'<row r="{r}"{attrs}>{"".join(parts)}</row>'


def sheet_data(sheet: SheetLayout, style_id: StyleId) -> Iterator[str]:
    """The rows of a sheet as worksheet XML text (the content of ``<sheetData>``), in pieces.

    Parameters
    ----------
    sheet : SheetLayout
        The sheet: single cells (values and formulas) and data blocks.
    style_id : callable
        ``style_id(style_key, quote_prefix) -> int``, the workbook's cellXfs index for a
        style key (0 for no style).

    Yields
    ------
    str
        ``<row>`` elements, many rows per piece.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbook_templates.spec.layout import Block, SheetLayout
    >>> sheet = SheetLayout("data", "Data", blocks=[Block(pd.DataFrame({"n": [1.5], "t": ["=1+1"]}))])
    >>> print("".join(sheet_data(sheet, lambda key, quote: {"header": 1}.get(key, 0) + 2 * quote)))
    ... # doctest: +NORMALIZE_WHITESPACE
    <row r="1"><c r="A1" s="1" t="inlineStr"><is><t>n</t></is></c><c r="B1" s="1"
    t="inlineStr"><is><t>t</t></is></c></row><row r="2"><c r="A2"><v>1.5</v></c><c r="B2" s="2"
    t="inlineStr"><is><t>=1+1</t></is></c></row>
    """
    sparse: dict[int, dict] = {}  # single cells, encoded when their row is written
    for (r, c), cell in sheet.cells.items():
        sparse.setdefault(r, {})[c] = cell
    heights = sheet.row_heights
    for r in heights:  # a row with a height is written through _row_xml
        sparse.setdefault(r, {})
    blocks = [_BlockRows(b, style_id) for b in sheet.blocks]
    for b in blocks:
        if b.header is not None:
            row = sparse.setdefault(b.block.row, {})
            for j, frag in enumerate(b.header):
                row[b.block.col + j] = frag
    last = sheet.max_row
    # bands of rows: boundaries wherever a block starts or ends
    edges = {1, last + 1}
    for b in blocks:
        edges |= {b.block.first_data_row, b.block.last_row + 1}
    edges = sorted(e for e in edges if 1 <= e <= last + 1)
    sparse_rows = sorted(sparse)
    for start, stop in zip(edges[:-1], edges[1:]):
        inside = [b for b in blocks if b.block.first_data_row <= start and stop - 1 <= b.block.last_row
                  and len(b.block.frame)]
        inside.sort(key=lambda b: b.block.col)
        for lo in range(start, stop, _CHUNK):
            hi = min(lo + _CHUNK, stop)
            yield _band(lo, hi, inside, sparse, sparse_rows, style_id, heights)


def _band(lo: int, hi: int, blocks: list, sparse: dict, sparse_rows: list, style_id: StyleId,
          heights: dict | None = None) -> str:
    """Rows lo..hi-1 (1-based sheet rows) covered by the same blocks."""
    if not blocks:
        return "".join(_row_xml(r, sparse[r], style_id, heights) for r in range(lo, hi) if r in sparse)
    frag_columns, letters = [], []
    for b in blocks:
        offset = b.block.first_data_row
        frag_columns += b.frags(lo - offset, hi - offset)
        letters += b.letters
    template = '<row r="{0}">' + "".join(f'<c r="{x}{{0}}"{{{k + 1}}}' for k, x in enumerate(letters)) + "</row>"
    rows = range(lo, hi)
    if bisect.bisect_left(sparse_rows, hi) == bisect.bisect_left(sparse_rows, lo):  # no single cell here
        return "".join(map(template.format, rows, *frag_columns))
    cols = [b.block.col + j for b in blocks for j in range(len(b.letters))]
    out = []
    for i, r in enumerate(rows):
        if r in sparse:
            cells = {c: f[i] for c, f in zip(cols, frag_columns)}
            cells.update(sparse[r])
            out.append(_row_xml(r, cells, style_id, heights))
        else:
            out.append(template.format(r, *(f[i] for f in frag_columns)))
    return "".join(out)
