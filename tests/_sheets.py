"""Find cells of a recalculated workbook by their labels, never by fixed addresses.

A computed sheet holds two kinds of things: label | value rows (a label in one
cell, its number in the cell to its right) and tables (a header row of texts,
one row per month or customer below, the first column naming the row). The
helpers here locate both from the label texts of ``workbook_templates.spec.labels``,
so a test keeps working when a sheet's layout moves.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

#: what a cell shows for "not defined": blank, or the n/a word of either language
NA_WORDS = ("n/a", "n.d.")


def blank(value) -> bool:
    """True for an empty cell, an empty-string formula result, or "n/a" / "n.d."."""
    return value is None or (isinstance(value, str) and value.strip() in ("", *NA_WORDS))


def _key(value):
    """A cell value as a comparable key: months as Timestamps, text stripped."""
    if isinstance(value, (dt.datetime, dt.date)):
        return pd.Timestamp(value)
    if isinstance(value, str):
        return value.strip()
    return value


def _kind(value) -> str:
    if isinstance(value, (dt.datetime, dt.date)):
        return "month"
    return "text" if isinstance(value, str) else "number"


def find_cells(ws, text) -> list[tuple[int, int]]:
    """Every (row, col) whose value equals `text`."""
    want = _key(text)
    return [(c.row, c.column) for row in ws.iter_rows() for c in row
            if c.value is not None and _key(c.value) == want]


def find_label(ws, text) -> tuple[int, int]:
    """The one cell holding the label `text` at the start of a row segment (its left cell blank)."""
    found = [(r, c) for r, c in find_cells(ws, text) if c == 1 or ws.cell(r, c - 1).value in (None, "")]
    if len(found) != 1:
        raise LookupError(f"sheet {ws.title!r}: label {text!r} found {len(found)} times: {found}")
    return found[0]


def label_cell(ws, text, column: int | None = None) -> tuple[int, int]:
    """(row, col) of the value of the label `text`: right of it, or in `column` (a label | values row).

    A row with one value per column header (``This period | Previous period``) gives each
    value's column with `column` (:func:`header_columns`).
    """
    r, c = find_label(ws, text)
    return r, (c + 1 if column is None else column)


def header_columns(ws, texts, below: int = 0) -> dict:
    """header text -> column of each of `texts` in the first header row holding them all (:func:`find_header`)."""
    r0, first, last = find_header(ws, texts, below)
    want = [_key(x) for x in texts]
    found = {}
    for j in range(first, last + 1):
        key = _key(ws.cell(r0, j).value)
        if key in want:
            if key in found:
                raise LookupError(f"sheet {ws.title!r}: header row {r0} repeats {key!r}")
            found[key] = j
    return found


def label_value(ws, text):
    """The value right of the label `text` (a label | value row)."""
    return ws.cell(*label_cell(ws, text)).value


def find_header(ws, texts, below: int = 0) -> tuple[int, int, int]:
    """The first header row after `below` holding every one of `texts` in one run of non-blank cells.

    Returns (row, first col, last col) of that run; the texts may stand in any order,
    among other header cells.
    """
    want = {_key(x) for x in texts}
    for r, c in find_cells(ws, texts[0]):
        if r <= below:
            continue
        first, last = c, c
        while first > 1 and ws.cell(r, first - 1).value not in (None, ""):
            first -= 1
        while ws.cell(r, last + 1).value not in (None, ""):
            last += 1
        if want <= {_key(ws.cell(r, j).value) for j in range(first, last + 1)}:
            return r, first, last
    raise LookupError(f"sheet {ws.title!r}: no header row with {texts!r} below row {below}")


def table_below(ws, texts, below: int = 0, index=None, corner: bool = False) -> pd.DataFrame:
    """The table whose header row holds `texts`, as a DataFrame indexed by the column headed `index`.

    The header is the run of non-blank cells holding `texts` (:func:`find_header`);
    `index` (default ``texts[0]``) heads the column naming the rows. With `corner`, the
    header's top-left cell is blank and the row names are in the column left of the
    header run. Rows run down to the first blank row name, or to the first one whose
    kind (month, text, number) differs from the first row's (a label of the next block).
    Values are the cells as read (None for an empty cell). ``frame.attrs["cells"]`` maps
    (row name, column name) to the cell's (row, col), ``frame.attrs["header"]`` lists
    the header and row-name cells and ``frame.attrs["repeats"]`` maps a header text that
    stands more than once in the run to its columns. Such a column is left out of the
    frame (its values cannot be named by its header); asking for it in `texts` or as
    `index` raises LookupError, as do a header row not found and repeated row names.
    """
    r0, first, last = find_header(ws, texts, below)
    columns: dict = {}
    for j in range(first, last + 1):
        columns.setdefault(_key(ws.cell(r0, j).value), []).append(j)
    repeats = {name: cols for name, cols in columns.items() if len(cols) > 1}
    asked = {_key(x) for x in texts} | ({_key(index)} if index is not None else set())
    if asked & set(repeats):
        raise LookupError(f"sheet {ws.title!r}: header row {r0} repeats the column name(s) "
                          f"{sorted(asked & set(repeats), key=str)}")
    heads = {name: cols[0] for name, cols in columns.items() if name not in repeats}
    if corner:
        c0 = first - 1
    else:
        c0 = heads.pop(_key(index if index is not None else texts[0]))
    names = []
    r = r0 + 1
    kind = _kind(ws.cell(r, c0).value)
    while r <= ws.max_row and ws.cell(r, c0).value not in (None, "") and _kind(ws.cell(r, c0).value) == kind:
        names.append(_key(ws.cell(r, c0).value))
        r += 1
    if len(set(names)) != len(names):
        raise LookupError(f"sheet {ws.title!r}: table {texts!r} repeats rows "
                          f"{sorted({n for n in names if names.count(n) > 1})}")
    out = pd.DataFrame([[ws.cell(r0 + 1 + i, j).value for j in heads.values()] for i in range(len(names))],
                       index=pd.Index(names, name=ws.cell(r0, c0).value), columns=list(heads), dtype=object)
    out.attrs["cells"] = {(name, head): (r0 + 1 + i, j)
                          for i, name in enumerate(names) for head, j in heads.items()}
    out.attrs["header"] = [(r0, j) for j in range(first, last + 1)] + [(r0 + 1 + i, c0) for i in range(len(names))]
    out.attrs["repeats"] = repeats
    out.attrs["rows"] = {name: r0 + 1 + i for i, name in enumerate(names)}
    return out


def same_number(got, expected, rel: float = 1e-9, abs_tol: float = 1e-9) -> bool:
    """`got` (a cell) shows `expected` (None/NaN = undefined, shown blank or n/a) to `rel` relative."""
    undefined = expected is None or (isinstance(expected, float) and math.isnan(expected))
    if undefined:
        return blank(got)
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return False
    return math.isclose(float(got), float(expected), rel_tol=rel, abs_tol=abs_tol)
