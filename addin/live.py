"""Write a :class:`~workbook_templates.layout.WorkbookLayout` into an open workbook through xlwings.

The second writer of the same layout (the first is
:mod:`workbook_templates.writing.xlsx`, openpyxl, to a file). It works only through
xlwings' Book API, so the same code runs in desktop Excel (COM / AppleScript)
and on xlwings' remote engine (xlwings Server / xlwings Lite, Office.js), where
every call becomes a queued JSON action that the add-in replays in Excel.

What a sheet write does (:func:`write_sheets`):

1. the sheet is created if missing, at its place in the layout's order (after
   the nearest preceding layout sheet that exists), otherwise it is cleared
   with ``Sheet.clear()`` (contents and formats; the sheet itself, its tab
   colour, freeze panes, print setup and column widths stay);
2. the charts already on the sheet are deleted and the layout's charts added
   again (see "Charts" below);
3. all plain values of the sheet's cells in **one** ``range.value`` call (the
   bounding box of the cells, formulas left empty), each data block in one
   ``range.value`` call (header + rows), every rectangle of formulas in one
   ``range.formula`` call, and number formats / fonts / fills one call per
   rectangle of cells sharing a style;
4. column widths, conditional formats (cell-value rules and colour scales,
   ``range.conditional_formats``) and, for a data block that is an Excel table,
   ``sheet.tables.add``.

Workbook names are defined with :func:`define_names`: an existing name that
already refers to the same cell is left alone, one that refers elsewhere is
re-pointed (``name.refers_to``; Office.js cannot add a name twice), a missing
one is added (``book.names.add``).

Text from data is always written as text: a string Excel would parse
(``=HYPERLINK(...)``, ``+1``, ``0012``, ``TRUE``, ``2026-01-05``) gets Excel's
quote prefix (a leading ``'``), which Excel and Office.js both store as text.
What a value becomes is decided by :mod:`workbook_templates.writing.values`, as for the
file writer.

Charts
    xlwings 0.37 creates charts on both engines (``sheet.charts.add`` with an
    anchor cell, a type, one contiguous source range and
    ``chart.set_x_axis_values`` for the categories), so the layout's charts are
    re-created with their current ranges (a chart over the months grows with
    the data). What the Book API cannot do on the remote engine is format
    single series (``chart.series`` is only readable asynchronously, in xlwings
    Lite): series colours are therefore left to Excel's chart style on both
    engines, and a series the layout marks invisible (the floating base of the
    dashboard's waterfall) is left out, so the waterfall shows total, gains and
    losses as stacked bars from zero. The openpyxl-built workbook has the
    floating waterfall until the first Refresh.
Conditional formats
    Re-created on both engines (``add_cell_value("equal_to", ...)`` for the
    health status colours, ``add_color_scale`` for the cohort heat map).
Validations, print setup, freeze panes, tab colours
    Not written here. They belong to the built workbook: the Settings sheet's
    month list (the only validation) is never rewritten; the other properties
    survive ``Sheet.clear()``. A computed sheet that was deleted and is
    re-created by Refresh gets its freeze panes back (``freeze_panes`` exists
    on both engines) but not its tab colour or print setup.
"""

from __future__ import annotations

from collections import defaultdict

from workbook_templates.spec.layout import Block, SheetLayout, WorkbookLayout, split_ref
from workbook_templates.spec.styles import AMBER, GREEN, RED, STYLES
from workbook_templates.writing import values
from workbook_templates.writing.ooxml import column_letter
from workbook_templates.writing.values import live_text as as_text

__all__ = ["is_remote", "as_text", "write_sheets", "define_names", "sheet_titles", "same_reference",
           "CHART_TYPES", "column_letter"]

#: layout chart kinds -> xlwings chart types
CHART_TYPES = {"line": "line", "column": "column_clustered", "bar": "bar_clustered",
               "stacked": "column_stacked", "pie": "pie"}


def is_remote(book) -> bool:
    """True on xlwings' remote engine (xlwings Server / Lite), False in desktop Excel."""
    try:
        return book.app.engine.name == "remote"
    except Exception:  # noqa: BLE001 - an engine without the attribute is a desktop one
        return False


def _cell_value(value):
    """A Python/pandas value as written with ``range.value`` (the rules of
    :mod:`workbook_templates.writing.values`; text quote-prefixed where Excel would parse it)."""
    return values.python_value(value, as_text)


def _rectangles(positions) -> list[tuple[int, int, int, int]]:
    """Cover a set of (row, col) with few rectangles (r1, c1, r2, c2): row runs merged downwards."""
    rows: dict[int, list[int]] = defaultdict(list)
    for r, c in positions:
        rows[r].append(c)
    runs_by_row: dict[int, list[tuple[int, int]]] = {}
    for r, cols in rows.items():
        cols.sort()
        runs, start, prev = [], cols[0], cols[0]
        for c in cols[1:]:
            if c != prev + 1:
                runs.append((start, prev))
                start = c
            prev = c
        runs.append((start, prev))
        runs_by_row[r] = runs
    out: list = []
    open_: dict = {}
    for r in sorted(runs_by_row):
        current = {}
        for run in runs_by_row[r]:
            if run in open_ and open_[run][2] == r - 1:
                r1, c1, _, c2 = open_[run]
                current[run] = (r1, c1, r, c2)
            else:
                current[run] = (r, run[0], r, run[1])
        for run, rect in open_.items():
            if run not in current or current[run][0] != rect[0]:
                out.append(rect)
        open_ = current
    out.extend(open_.values())
    return sorted(out)


def _block_matrix(block: Block) -> list[list]:
    """Header (if any) and rows of a block as a 2-D list of cell values (text decided once per distinct text)."""
    headers = block.headers or [str(c) for c in block.frame.columns]
    return values.rows(block.frame, header=block.header, headers=headers, text=as_text)


def _style_positions(sheet: SheetLayout) -> dict[str, set]:
    """style key -> set of (row, col) that carry it (cells and block columns)."""
    out: dict[str, set] = defaultdict(set)
    for (r, c), cell in sheet.cells.items():
        if cell.style:
            out[cell.style].add((r, c))
    for fb in sheet.formula_blocks:
        for j, (text, style) in enumerate(fb.columns):
            if text is not None and style:
                out[style].update((fb.row + i, fb.col + j) for i in range(fb.rows))
    for block in sheet.blocks:
        if block.header:
            for j in range(len(block.frame.columns)):
                out["header"].add((block.row, block.col + j))
        for j, name in enumerate(block.frame.columns):
            style = values.column_style(block.frame[name], block.styles.get(name))
            if style and len(block.frame):
                for i in range(block.first_data_row, block.last_row + 1):
                    out[style].add((i, block.col + j))
    return out


def _address(r1, c1, r2=None, c2=None) -> str:
    text = f"{column_letter(c1)}{r1}"
    if r2 is not None and (r2, c2) != (r1, c1):
        text += f":{column_letter(c2)}{r2}"
    return text


def same_reference(a: str | None, b: str | None) -> bool:
    """Whether two references (``=Sheet!$A$1``, ``'Sheet'!A1``) name the same cells."""
    if not a or not b:
        return False
    sa, aa = split_ref(a)
    sb, ab = split_ref(b)
    return sa.casefold() == sb.casefold() and aa.upper() == ab.upper()


def sheet_titles(book) -> list[str]:
    """The titles of the book's sheets, in order."""
    return [s.name for s in book.sheets]


def _find_sheet(book, title: str):
    for s in book.sheets:
        if s.name.casefold() == title.casefold():
            return s
    return None


def _place_sheet(book, layout: WorkbookLayout, sheet: SheetLayout):
    """Create a missing sheet after the nearest preceding layout sheet that exists."""
    order = [s.title for s in layout.sheets]
    i = order.index(sheet.title)
    for title in reversed(order[:i]):
        anchor = _find_sheet(book, title)
        if anchor is not None:
            return book.sheets.add(name=sheet.title, after=anchor)
    for title in order[i + 1:]:
        anchor = _find_sheet(book, title)
        if anchor is not None:
            return book.sheets.add(name=sheet.title, before=anchor)
    return book.sheets.add(name=sheet.title, after=book.sheets[len(book.sheets) - 1])


def _write_values(ws, sheet: SheetLayout) -> None:
    """Every plain value of the sheet (its cells and the blocks that are not Excel tables) in one
    ``range.value`` call over their bounding box; each Excel table in a call of its own."""
    plain = {(r, c): _cell_value(cell.value) for (r, c), cell in sheet.cells.items() if not cell.is_formula}
    loose = [(block, _block_matrix(block)) for block in sheet.blocks if not block.table]
    corners = list(plain) + [(b.row, b.col) for b, m in loose if m] + \
        [(b.row + len(m) - 1, b.last_col) for b, m in loose if m]
    if corners:
        r1, r2 = min(r for r, _ in corners), max(r for r, _ in corners)
        c1, c2 = min(c for _, c in corners), max(c for _, c in corners)
        grid = [[None] * (c2 - c1 + 1) for _ in range(r2 - r1 + 1)]
        for block, matrix in loose:
            for i, row in enumerate(matrix):
                grid[block.row + i - r1][block.col - c1:block.col - c1 + len(row)] = row
        for (r, c), value in plain.items():
            grid[r - r1][c - c1] = value
        ws.range((r1, c1)).options(ndim=2).value = grid
    for block in sheet.blocks:
        if not block.table:
            continue
        matrix = _block_matrix(block)
        if matrix:
            ws.range((block.row, block.col)).options(ndim=2).value = matrix
        last_row = max(block.last_row, block.row + 1)  # a table needs one data row
        ws.tables.add(source=ws.range((block.row, block.col), (last_row, block.last_col)),
                      name=block.table, has_headers=True, table_style_name="TableStyleMedium2")


def _write_formulas(ws, sheet: SheetLayout) -> None:
    formulas = {(r, c): cell.value for (r, c), cell in sheet.cells.items() if cell.is_formula}
    formulas.update({(r, c): cell.value for fb in sheet.formula_blocks for r, c, cell in fb.cells()})
    for r1, c1, r2, c2 in _rectangles(formulas):
        ws.range((r1, c1)).options(ndim=2).formula = [[formulas[(r, c)] for c in range(c1, c2 + 1)]
                                                      for r in range(r1, r2 + 1)]


def _write_styles(ws, sheet: SheetLayout, lang: str, remote: bool, currency: str = "") -> None:
    by_format: dict[str, set] = defaultdict(set)
    by_look: dict[str, set] = defaultdict(set)
    for style, positions in _style_positions(sheet).items():
        fmt = values.number_format(style, lang, currency)
        if fmt:
            by_format[fmt] |= positions
        spec = STYLES.get(style, {})
        if "font" in spec or "fill" in spec:
            by_look[style] |= positions
    for fmt, positions in by_format.items():
        for r1, c1, r2, c2 in _rectangles(positions):
            ws.range(_address(r1, c1, r2, c2)).number_format = fmt
    for style, positions in by_look.items():
        spec = STYLES[style]
        for r1, c1, r2, c2 in _rectangles(positions):
            rng = ws.range(_address(r1, c1, r2, c2))
            font = spec.get("font", {})
            if font.get("bold"):
                rng.font.bold = True
            if font.get("italic"):
                rng.font.italic = True
            if font.get("size"):
                rng.font.size = font["size"]
            if font.get("color"):
                rng.font.color = "#" + font["color"]
            if spec.get("fill"):
                rng.color = "#" + spec["fill"]
    for col, width in sheet.widths.items():
        letter = col if isinstance(col, str) else column_letter(col)
        # desktop Excel measures column widths in characters, Office.js in points
        ws.range(f"{letter}1").column_width = round(width * 5.6 + 4, 1) if remote else width


def _write_cond_formats(ws, sheet: SheetLayout) -> None:
    for cf in sheet.cond_formats:
        rng = ws.range(cf.ref.replace("$", ""))
        if cf.formula is not None:
            rng.conditional_formats.add_custom("=" + cf.formula, fill_color="#" + cf.color if cf.color else None,
                                               font_color="#" + cf.font if cf.font else None)
        elif cf.value is None:
            rng.conditional_formats.add_color_scale(["#" + RED, "#" + AMBER, "#" + GREEN])
        else:
            rng.conditional_formats.add_cell_value("equal_to", f'="{cf.value}"', fill_color="#" + cf.color)


def _write_charts(ws, sheet: SheetLayout, book) -> None:
    for chart in reversed(list(ws.charts)):
        chart.delete()
    for spec in sheet.charts:
        series = [s for s in spec.series if s.color != "none"]
        if not series:
            continue
        where = [split_ref(s.values) for s in series]
        sheet_name = where[0][0]
        bounds = []
        for _, address in where:
            first, _, last = address.partition(":")
            bounds.append((first, last or first))
        src = book.sheets[sheet_name]
        first_rng = src.range(bounds[0][0])
        last_rng = src.range(bounds[-1][1])
        source = src.range(first_rng, last_rng)
        chart = ws.charts.add(anchor=ws.range(spec.anchor), chart_type=CHART_TYPES[spec.kind], source=source,
                              plot_by="columns", width=spec.width * 28.35, height=spec.height * 28.35)
        cat_sheet, cat_address = split_ref(spec.categories)
        chart.set_x_axis_values(book.sheets[cat_sheet].range(cat_address))
        chart.title = spec.title
        chart.legend.visible = bool(spec.legend)


def write_sheets(book, layout: WorkbookLayout, titles, *, protected=()) -> list[str]:
    """Write the layout sheets whose titles are in `titles` into `book`, in layout order.

    Parameters
    ----------
    book : xlwings.Book
    layout : WorkbookLayout
    titles : iterable of str
        Which sheets to write (e.g. :func:`workbook_templates.refresh.computed_titles`).
    protected : iterable of str
        Sheet titles that must never be written (data-table and user sheets);
        a target among them raises ``ValueError`` before anything is written.

    Returns
    -------
    list of str
        The titles written.
    """
    wanted = {t.casefold() for t in titles}
    targets = [s for s in layout.sheets if s.title.casefold() in wanted]
    guard = {t.casefold() for t in protected}
    clash = [s.title for s in targets if s.title.casefold() in guard]
    if clash:
        raise ValueError(f"refusing to write over the sheet(s) {', '.join(clash)}: they hold your data "
                         "or your own work")
    remote = is_remote(book)
    # phase 1: create or clear every target sheet (structure first, so that names and
    # chart ranges can refer to any of them)
    sheets = {}
    created = set()
    for sheet in targets:
        ws = _find_sheet(book, sheet.title)
        if ws is None:
            ws = _place_sheet(book, layout, sheet)
            created.add(sheet.title)
        else:
            ws.clear()
        sheets[sheet.title] = ws
    # phase 2: contents
    for sheet in targets:
        ws = sheets[sheet.title]
        _write_values(ws, sheet)
        _write_formulas(ws, sheet)
        _write_styles(ws, sheet, layout.lang, remote, layout.currency)
        _write_cond_formats(ws, sheet)
        if sheet.title in created and sheet.freeze:
            ws.freeze_panes.freeze_at(sheet.freeze)
    for sheet in targets:
        if sheet.charts:
            _write_charts(sheets[sheet.title], sheet, book)
    return [s.title for s in targets]


def define_names(book, names: dict) -> list[str]:
    """Define workbook-level names (name -> ``'Sheet'!$A$1``); returns the names added or changed."""
    changed = []
    for name, target in names.items():
        refers_to = "=" + target.lstrip("=")
        try:
            existing = book.names[name]
        except Exception:  # noqa: BLE001 - KeyError here, a COM error on Windows
            existing = None
        if existing is None:
            book.names.add(name, refers_to)
            changed.append(name)
            continue
        try:
            current = existing.refers_to
        except Exception:  # noqa: BLE001 - unreadable definition: redefine it
            current = None
        if not same_reference(current, refers_to):
            existing.refers_to = refers_to
            changed.append(name)
    return changed
