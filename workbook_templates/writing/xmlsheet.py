"""Stream a sheet's cells as worksheet XML (``<sheetData>``), column at a time.

The package writer (:mod:`workbook_templates.writing.parts.worksheet`) takes the
cells of every sheet from here: data blocks are encoded a column at a time into
XML text (numbers by NumPy, text once per distinct value, one style per column),
with no cell object per value. What a value becomes is decided by
:mod:`workbook_templates.writing.values`, as for the other writers:

- numbers are ``<v>`` elements in Python's shortest round-trip form (whole
  numbers without ``.0``); dates are Excel serial numbers with a date format;
- text is an inline string (``t="inlineStr"``), XML-escaped and in OOXML's
  ``_xHHHH_``-escaped form, never a formula: text that starts like a formula
  also gets a style with Excel's quote prefix;
- formulas of the layout are ``<f>`` elements; a :class:`FormulaBlock` column
  is one *shared* formula (``<f t="shared" ref="E5:E900" si="0">`` on its first
  cell, ``<f t="shared" si="0"/>`` below), which Excel and LibreOffice parse once.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import operator
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import lru_cache
from itertools import chain, repeat

import numpy as np
import pandas as pd

from ..spec.layout import Block, FormulaBlock, SheetLayout
from .ooxml import cell_ref, column_letter, escape
from .values import (Column, cell_value, column, column_style, date_serial, default_style, excel_serial, matching,
                     needs_quote_prefix, xstring)

__all__ = ["sheet_data", "StyleId", "number_text", "sheet_extent"]

#: ``style_id(style_key, quote_prefix) -> int``: the cellXfs index of a style key.
StyleId = Callable[[str | None, bool], int]

_CHUNK = 20_000  # rows whose numbers are encoded together (a column's whole numbers are decided per chunk)
_CELLS = 200_000  # cells made into XML text at a time (a wide block's chunk is made in several pieces)
_SMALL = 64  # blocks of at most this many rows are encoded value by value
_CACHED_CELLS = 4096  # sheets of at most this many single cells remember their encoding (see _encoded_cell)
_WHOLE = 2.0 ** 53  # floats below this that are whole are written as integers
_ESCAPED = re.compile(r"_x|[&<>\x00-\x08\x0b-\x1f]")  # text that xstring or escape may change
_PRESERVE = ' xml:space="preserve"'
_TEXT_CLOSE = "</t></is></c>"


def _attr(style: int) -> str:
    return f' s="{style}"' if style else ""


def number_text(value) -> str:
    """A number as ``<v>`` text: shortest round-trip form, whole floats without ``.0``.

    Examples
    --------
    >>> number_text(46023.0), number_text(0.1), number_text(-0.0), number_text(1e300)
    ('46023', '0.1', '0', '1e+300')
    """
    if type(value) is float and value.is_integer() and abs(value) < _WHOLE:
        return str(int(value))
    return repr(value) if not isinstance(value, Decimal) else str(value)


def _text_open(style: int, space: bool) -> str:
    """What a text cell's fragment holds before its (escaped) text."""
    return f'{_attr(style)} t="inlineStr"><is><t{_PRESERVE if space else ""}>'


def _text_frag(text: str, style: int) -> str:
    """What follows ``<c r="A1"`` for a data text (already checked for the quote prefix)."""
    body = escape(xstring(text))
    return _text_open(style, body.strip() != body) + body + _TEXT_CLOSE


def _text_frags(texts: list, quoted: np.ndarray, plain_style: int, quoted_style: int) -> list:
    """:func:`_text_frag` of every distinct text of a column (styled `quoted_style` where `quoted`), at once."""
    bodies = list(texts)
    for i in np.flatnonzero(matching(texts, _ESCAPED)):  # the few texts escaping changes
        bodies[i] = escape(xstring(bodies[i]))
    spaced = np.fromiter(map(operator.ne, map(str.strip, bodies), bodies), dtype=bool, count=len(bodies))
    opens = [_text_open(style, space) for style in (plain_style, quoted_style) for space in (False, True)]
    kinds = (2 * np.asarray(quoted, dtype=np.int64) + spaced).tolist()
    return list(map(operator.add, map(operator.add, map(opens.__getitem__, kinds), bodies), repeat(_TEXT_CLOSE)))


def _joined(open_: str, texts: list, close: str) -> list:
    """``open_ + text + close`` for every text (one join and one split; no text holds a NUL)."""
    if not texts:
        return []
    return (open_ + (close + "\0" + open_).join(texts) + close).split("\0")


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
        value = date_serial(value)
    return f"{s}><v>{number_text(value)}</v></c>"


def _cell_frag(cell, style_id: StyleId) -> str | None:
    """What follows ``<c r="A1"`` for a layout cell (a formula or a value)."""
    if cell.is_formula:
        return f"{_attr(style_id(cell.style, False))}><f>{escape(cell.value[1:])}</f></c>"
    return _value_frag(cell.value, cell.style, style_id)


@lru_cache(maxsize=1 << 13)  # an account workbook's single cells
def _cached_cell(kind: type, cell, style_id: StyleId) -> str | None:
    return _cell_frag(cell, style_id)


def _encoded_cell(cell, style_id: StyleId) -> str | None:
    """:func:`_cell_frag`, remembered: the same labels and formulas come back in every workbook of a batch
    (used for sheets of a few single cells: on a big sheet most are new and the cache only churns)."""
    try:
        return _cached_cell(type(cell.value), cell, style_id)  # the type: True == 1, but they are other cells
    except TypeError:  # a value that cannot be hashed
        return _cell_frag(cell, style_id)


def _all_whole(values: np.ndarray) -> bool:
    """Whether every number (NaN aside) is whole and below 2**53: then all are written as integers."""
    if values.dtype.kind != "f":
        return True
    finite = values[~np.isnan(values)]  # NaN cells are written blank
    return bool(np.all((finite == np.round(finite)) & (np.abs(finite) < _WHOLE)))


def _numbers_text(values: np.ndarray, whole: bool | None = None) -> list:
    """Numbers as ``<v>`` text: shortest round-trip form; whole numbers without '.0'.

    `whole` is :func:`_all_whole` of the chunk the values belong to (default: of `values`).
    """
    if values.dtype.kind == "f":
        if whole is None:
            whole = _all_whole(values)
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
            quoted = style_id(col.style, True) if col.quoted.any() else 0  # a quote style only when used
            frags = _text_frags(col.uniques, col.quoted, style_id(col.style, False), quoted)
            self.table = np.array(frags + [self.blank_frag], dtype=object)
        elif col.kind == "mixed":
            self.frags = np.array([_value_frag(v, col.style, style_id) or "/>" for v in col.values] + [""],
                                  dtype=object)[:-1]
        else:
            self.open = f'{s} t="b"><v>' if col.kind == "bool" else f"{s}><v>"

    def _numbers(self, lo: int, hi: int) -> np.ndarray:
        values = self.col.values[lo:hi]
        if self.col.kind == "date":
            return excel_serial(values)
        return values.astype(np.int8) if self.col.kind == "bool" else values

    def chunk(self, lo: int, hi: int, span: tuple | None = None) -> np.ndarray:
        """Fragments of rows lo..hi-1, part of the chunk `span` (default: lo..hi) whose numbers are decided
        together."""
        col = self.col
        if col.kind == "text":
            return self.table[col.codes[lo:hi]]
        if col.kind == "mixed":
            return self.frags[lo:hi]
        values = self._numbers(lo, hi)
        whole = _all_whole(values if span is None or span == (lo, hi) else self._numbers(*span))
        # each distinct number formatted once (NaN: code -1, the blank fragment)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        table = np.array(_joined(self.open, _numbers_text(uniques, whole), "</v></c>") + [self.blank_frag],
                         dtype=object)
        out = table[codes]
        blank = col.blank[lo:hi]
        if blank.any():
            out[blank] = self.blank_frag
        return out


class _Listed:
    """A short block column encoded value by value, by the same rules (pandas' cost per column would dominate)."""

    def __init__(self, series, style: str | None, style_id: StyleId) -> None:
        style = column_style(series, style)
        self.frags = np.array([_value_frag(v, style, style_id) or "/>" for v in series.tolist()] + [""],
                              dtype=object)[:-1]

    def chunk(self, lo: int, hi: int, span: tuple | None = None) -> np.ndarray:
        return self.frags[lo:hi]


class _BlockRows:
    """A data block: its header cells and its encoded columns (a source of rows for :func:`_band`)."""

    def __init__(self, block: Block, style_id: StyleId) -> None:
        self.block = block
        self.first, self.last = block.first_data_row, block.last_row
        self.cols = list(range(block.col, block.last_col + 1))
        small = len(block.frame) <= _SMALL
        self.columns = [_Listed(series, block.styles.get(name), style_id) if small else
                        _Encoded(column(series, block.styles.get(name)), style_id)
                        for name, series in block.frame.items()]
        headers = block.headers or [str(c) for c in block.frame.columns]
        self.header = [_value_frag(h, "header", style_id) for h in headers] if block.header else None
        self.cache: tuple[int, int, list] | None = None

    def frags(self, lo: int, hi: int, span: tuple | None = None) -> list:
        """Fragments of sheet rows lo..hi-1, one array per column (cached per chunk); `span`: the sheet rows
        of the chunk whose numbers are decided together (default: lo..hi)."""
        if self.cache is None or self.cache[:2] != (lo, hi):
            within = None if span is None else (span[0] - self.first, span[1] - self.first)
            self.cache = (lo, hi, [c.chunk(lo - self.first, hi - self.first, within) for c in self.columns])
        return self.cache[2]


class _FormulaRows:
    """A formula block: each column one shared formula (a source of rows for :func:`_band`)."""

    def __init__(self, block: FormulaBlock, style_id: StyleId, first_si: int) -> None:
        self.first, self.last = block.row, block.last_row
        self.cols, self.heads, self.tails = [], [], []
        si = first_si
        for j, (text, style) in enumerate(block.columns):
            if text is None:
                continue
            if not text.startswith("="):
                raise ValueError(f"a formula must start with '=': {text!r}")
            col = block.col + j
            s = _attr(style_id(style, False))
            body = escape(text[1:])
            if block.rows == 1:
                self.heads.append(f"{s}><f>{body}</f></c>")
                self.tails.append("")
            else:
                area = f"{cell_ref(block.row, col)}:{cell_ref(block.last_row, col)}"
                self.heads.append(f'{s}><f t="shared" ref="{area}" si="{si}">{body}</f></c>')
                self.tails.append(f'{s}><f t="shared" si="{si}"/></c>')
                si += 1
            self.cols.append(col)
        self.next_si = si

    def frags(self, lo: int, hi: int, span: tuple | None = None) -> list:
        """Fragments of sheet rows lo..hi-1, one array per formula column (`span` changes nothing)."""
        out = []
        for head, tail in zip(self.heads, self.tails):
            frags = [tail] * (hi - lo)
            if lo == self.first:
                frags[0] = head
            out.append(frags)
        return out


def _row_xml(r: int, cells: dict, encode, heights: dict | None = None) -> str:
    """One row from its cells: column -> fragment text, or a layout :class:`Cell` encoded by `encode`."""
    parts = []
    for c, item in sorted(cells.items()):
        frag = item if isinstance(item, str) else encode(item)
        if frag is not None:
            parts.append(f'<c r="{column_letter(c)}{r}"{frag}')
    height = (heights or {}).get(r)
    attrs = f' ht="{height:g}" customHeight="1"' if height else ""
    return f'<row r="{r}"{attrs}>{"".join(parts)}</row>'


def sheet_extent(sheet: SheetLayout) -> tuple[int, int]:
    """(last row, last column) a sheet writes to (0, 0 for an empty sheet)."""
    cols = [c for _, c in sheet.cells] + [b.last_col for b in sheet.blocks] + \
        [b.last_col for b in sheet.formula_blocks if b.rows > 0]
    return sheet.max_row, max(cols, default=0)


def _check_formula_blocks(sheet: SheetLayout) -> None:
    """A single cell inside a formula block would cut its shared formula: refused."""
    for b in sheet.formula_blocks:
        if b.rows <= 0:
            continue
        for (r, c) in sheet.cells:
            if b.row <= r <= b.last_row and b.col <= c <= b.last_col and b.columns[c - b.col][0] is not None:
                raise ValueError(f"sheet {sheet.title!r}: cell {cell_ref(r, c)} is also in a formula block "
                                 f"({cell_ref(b.row, b.col)}:{cell_ref(b.last_row, b.last_col)})")


def sheet_data(sheet: SheetLayout, style_id: StyleId) -> Iterator[str]:
    """The rows of a sheet as worksheet XML text (the content of ``<sheetData>``), in pieces.

    Parameters
    ----------
    sheet : SheetLayout
        The sheet: single cells (values and formulas), data blocks and formula blocks.
    style_id : callable
        ``style_id(style_key, quote_prefix) -> int``, the workbook's cellXfs index for a
        style key (0 for no style).

    Yields
    ------
    str
        ``<row>`` elements, many rows per piece.

    Raises
    ------
    ValueError
        When blocks overlap, or a single cell sits inside a formula block.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbook_templates.spec.layout import Block, FormulaBlock, SheetLayout
    >>> sheet = SheetLayout("data", "Data", blocks=[Block(pd.DataFrame({"n": [1.5], "t": ["=1+1"]}))])
    >>> print("".join(sheet_data(sheet, lambda key, quote: {"header": 1}.get(key, 0) + 2 * quote)))
    ... # doctest: +NORMALIZE_WHITESPACE
    <row r="1"><c r="A1" s="1" t="inlineStr"><is><t>n</t></is></c><c r="B1" s="1"
    t="inlineStr"><is><t>t</t></is></c></row><row r="2"><c r="A2"><v>1.5</v></c><c r="B2" s="2"
    t="inlineStr"><is><t>=1+1</t></is></c></row>
    >>> sheet = SheetLayout("f", "F", formula_blocks=[FormulaBlock(2, 1, 2, [("=B2*2", None)])])
    >>> print("".join(sheet_data(sheet, lambda key, quote: 0)))  # doctest: +NORMALIZE_WHITESPACE
    <row r="2"><c r="A2"><f t="shared" ref="A2:A3" si="0">B2*2</f></c></row><row r="3"><c r="A3"><f t="shared"
    si="0"/></c></row>
    """
    _check_formula_blocks(sheet)
    known = _encoded_cell if len(sheet.cells) <= _CACHED_CELLS else _cell_frag

    def encode(cell) -> str | None:
        return known(cell, style_id)

    sparse: dict[int, dict] = {}  # single cells, encoded when their row is written
    for (r, c), cell in sheet.cells.items():
        sparse.setdefault(r, {})[c] = cell
    heights = sheet.row_heights
    for r in heights:  # a row with a height is written through _row_xml
        sparse.setdefault(r, {})
    sources: list = []
    for block in sheet.blocks:
        rows = _BlockRows(block, style_id)
        if rows.header is not None:
            row = sparse.setdefault(block.row, {})
            for j, frag in enumerate(rows.header):
                row[block.col + j] = frag
        if len(block.frame):
            sources.append(rows)
    si = 0
    for block in sheet.formula_blocks:
        if block.rows > 0:
            rows = _FormulaRows(block, style_id, si)
            si = rows.next_si
            if rows.cols:
                sources.append(rows)
    last = sheet.max_row
    # bands of rows: boundaries wherever a source starts or ends
    edges = {1, last + 1}
    for src in sources:
        edges |= {src.first, src.last + 1}
    edges = sorted(e for e in edges if 1 <= e <= last + 1)
    sparse_rows = sorted(sparse)
    for start, stop in zip(edges[:-1], edges[1:]):
        inside = [src for src in sources if src.first <= start and stop - 1 <= src.last]
        cols = [c for src in inside for c in src.cols]
        if len(set(cols)) != len(cols):
            raise ValueError(f"sheet {sheet.title!r}: blocks overlap in rows {start}..{stop - 1}")
        step = max(1, _CELLS // max(len(cols), 1))  # rows made into text at a time
        for lo in range(start, stop, _CHUNK):
            hi = min(lo + _CHUNK, stop)
            for a in range(lo, hi, step):
                yield _band(a, min(a + step, hi), inside, sparse, sparse_rows, encode, heights, span=(lo, hi))


def _full_rows(rows: range, cols: list, frag_columns: list) -> str:
    """Rows with a fragment in each of `cols` (no single cell among them), as one join of their pieces.

    A row is ``<row r="5"><c r="A5"`` fragment ``<c r="B5"`` fragment ... ``</row>``: the
    literal pieces, the row numbers and the columns' fragments interleaved (no format call per row).
    """
    ends = list(map('{}"'.format, rows))  # '5"': a row number and the quote that closes its attribute
    pieces: list = [repeat('<row r="'), ends]
    for k, (c, frags) in enumerate(zip(cols, frag_columns)):
        pieces += [repeat(f'{">" if k == 0 else ""}<c r="{column_letter(c)}'), ends,
                   frags.tolist() if isinstance(frags, np.ndarray) else frags]
    pieces.append(repeat(f'{"" if cols else ">"}</row>'))
    return "".join(chain.from_iterable(zip(*pieces)))


def _band(lo: int, hi: int, sources: list, sparse: dict, sparse_rows: list, encode,
          heights: dict | None = None, span: tuple | None = None) -> str:
    """Rows lo..hi-1 (1-based sheet rows) covered by the same sources (blocks, formula blocks), within the
    chunk of rows `span` (default: lo..hi) whose numbers are decided together."""
    if not sources:
        return "".join(_row_xml(r, sparse[r], encode, heights) for r in range(lo, hi) if r in sparse)
    columns = sorted((c, frags) for src in sources for c, frags in zip(src.cols, src.frags(lo, hi, span)))
    cols = [c for c, _ in columns]
    frag_columns = [f for _, f in columns]
    rows = range(lo, hi)
    if bisect.bisect_left(sparse_rows, hi) == bisect.bisect_left(sparse_rows, lo):  # no single cell here
        return _full_rows(rows, cols, frag_columns)
    template = '<row r="{0}">' + "".join(f'<c r="{column_letter(c)}{{0}}"{{{k + 1}}}'
                                         for k, c in enumerate(cols)) + "</row>"
    out = []
    for i, r in enumerate(rows):
        if r in sparse:
            cells = {c: f[i] for c, f in zip(cols, frag_columns)}
            cells.update(sparse[r])
            out.append(_row_xml(r, cells, encode, heights))
        else:
            out.append(template.format(r, *(f[i] for f in frag_columns)))
    return "".join(out)
