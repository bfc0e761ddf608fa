"""Write a :class:`~workbook_templates.layout.WorkbookLayout` to an .xlsx file with openpyxl.

openpyxl (write-only mode) writes the workbook's skeleton: styles, tables,
charts, defined names, conditional formats, validations, widths, panes and
print setup. The cells of every sheet are streamed into its worksheet XML by
:mod:`workbook_templates.writing.xmlsheet`, a column at a time, and the file is
written atomically: a failed build leaves no file behind. What a value
becomes (type, number format, text safety) is decided by
:mod:`workbook_templates.writing.values` for this writer, for the openpyxl cells of a
headless Refresh (:func:`write_sheet`) and for the live xlwings writer alike.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import warnings
import zipfile
from copy import copy
from functools import lru_cache
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell as _Cell
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.chart import Series as ChartSeries
from openpyxl.chart.label import DataLabelList
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule, FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.writer.excel import ExcelWriter

from . import values
from .cells import set_value
from kpi_core.files import atomic_output
from ..spec.layout import Block, Cell, SheetLayout, WorkbookLayout
from .stamp import Stamp
from ..spec.styles import AMBER, GREEN, RED, STYLES
from .xmlsheet import sheet_data

__all__ = ["write_xlsx", "xlsx_bytes", "build_openpyxl", "write_sheet", "set_names"]

_INF = math.inf


@lru_cache(maxsize=None)
def _style_parts(key: str | None, lang: str, currency: str = ""):
    spec = STYLES.get(key or "", {})
    font = Font(**spec["font"]) if "font" in spec else None
    fill = PatternFill("solid", start_color=spec["fill"], end_color=spec["fill"]) if "fill" in spec else None
    align = None
    if spec.get("wrap") or spec.get("align"):
        align = Alignment(wrap_text=bool(spec.get("wrap")), vertical="top" if spec.get("wrap") else None,
                          horizontal=spec.get("align"))
    return values.number_format(key, lang, currency), font, fill, align


def _style_array(ws, style: str | None, lang: str):
    """The workbook's style array for a style key, registered once per workbook.

    Setting font, fill and number format on every cell hashes each style
    object again; copying a ready style array onto the cell does not.
    """
    cache = ws.parent.__dict__.setdefault("_cskpi_styles", {})
    currency = ws.parent.__dict__.get("_cskpi_currency", "")
    key = (style, lang, currency)
    if key not in cache:
        proto = WriteOnlyCell(ws)
        fmt, font, fill, align = _style_parts(style, lang, currency)
        if fmt:
            proto.number_format = fmt
        if font is not None:
            proto.font = font
        if fill is not None:
            proto.fill = fill
        if align is not None:
            proto.alignment = align
        cache[key] = proto._style
    return cache[key]


def _plain(value) -> bool:
    """Values that cells.set_value would store unchanged (the fast path)."""
    kind = type(value)
    if kind is float:
        return value == value and value not in (_INF, -_INF)
    if kind is int or kind is _dt.datetime:
        return True
    return kind is str and values.is_plain_text(value)


def _cell(ws, value, style: str | None, lang: str, is_formula: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws)
    if is_formula or _plain(value):
        cell.value = value
    else:
        set_value(cell, value)
    if style is not None or cell.is_date:
        styled = _style_array(ws, style or "datetime", lang)
        quote = cell._style.quotePrefix if cell._style is not None else 0  # set_value's prefix survives
        cell._style = copy(styled)
        cell._style.quotePrefix = quote
    return cell


def _block_columns(ws, block: Block, lang: str) -> list[list]:
    """Each column of a block as a list of ready-to-append values or cells (openpyxl cells path)."""
    out = []
    for name, series in block.frame.items():
        col = values.column(series, block.styles.get(name))
        cells = col.python()
        if col.kind == "text":
            careful = ~np.r_[col.plain, True][col.codes]  # text that needs cells.set_value
            for i in np.flatnonzero(careful):
                cells[i] = _cell(ws, cells[i], None, lang)
        elif col.kind == "mixed":
            cells = [v if _plain(v) or v is None else _cell(ws, v, None, lang) for v in cells]
        if col.style:
            cells = [v if v is None or isinstance(v, _Cell) else _cell(ws, v, col.style, lang) for v in cells]
        out.append(cells)
    return out


def _sheet_rows(ws, sheet: SheetLayout, lang: str):
    """Yield the rows of a sheet in order, merging single cells and data blocks."""
    sparse: dict[int, dict[int, Cell]] = {}
    for (r, c), cell in sheet.cells.items():
        sparse.setdefault(r, {})[c] = cell
    for fb in sheet.formula_blocks:
        for r, c, cell in fb.cells():
            sparse.setdefault(r, {})[c] = cell
    blocks = []
    for block in sheet.blocks:
        headers = block.headers or [str(c) for c in block.frame.columns]
        blocks.append((block, headers, _block_columns(ws, block, lang)))
    width = max([c for _, c in sheet.cells] + [b.last_col for b in [*sheet.blocks, *sheet.formula_blocks]],
                default=0)
    for r in range(1, sheet.max_row + 1):
        row: list = [None] * width
        for c, cell in sparse.get(r, {}).items():
            row[c - 1] = _cell(ws, cell.value, cell.style, lang, cell.is_formula)
        for block, headers, columns in blocks:
            if r == block.row and block.header:
                for j, h in enumerate(headers):
                    row[block.col - 1 + j] = _cell(ws, h, "header", lang)
            elif block.first_data_row <= r <= block.last_row:
                i = r - block.first_data_row
                for j, values in enumerate(columns):
                    if values[i] is not None or row[block.col - 1 + j] is None:  # a blank leaves a formula cell
                        row[block.col - 1 + j] = values[i]
        yield row


def _table(block: Block, headers: list[str]) -> Table:
    last_row = max(block.last_row, block.row + 1)  # a table needs one data row
    ref = f"{get_column_letter(block.col)}{block.row}:{get_column_letter(block.last_col)}{last_row}"
    table = Table(displayName=block.table, name=block.table, ref=ref,
                  tableColumns=[TableColumn(id=i + 1, name=h) for i, h in enumerate(headers)])
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    return table


def _chart(spec):
    kinds = {"bar": BarChart, "column": BarChart, "stacked": BarChart, "line": LineChart, "pie": PieChart}
    chart = kinds[spec.kind]()
    if spec.kind in ("column", "stacked"):
        chart.type = "col"
    elif spec.kind == "bar":
        chart.type = "bar"
    if spec.kind == "stacked":
        chart.grouping = "stacked"
        chart.overlap = 100
    chart.title = spec.title
    chart.display_blanks = spec.blanks
    chart.visible_cells_only = False  # chart data may sit in hidden helper columns
    chart.width, chart.height = spec.width, spec.height
    for s in spec.series:
        series = ChartSeries(Reference(range_string=s.values), title=s.title)
        if s.color == "none":
            series.graphicalProperties.noFill = True
            series.graphicalProperties.line.noFill = True
        elif s.color:
            series.graphicalProperties.solidFill = s.color
            series.graphicalProperties.line.solidFill = s.color
        if spec.kind == "line":
            series.smooth = False
        chart.series.append(series)
    chart.set_categories(Reference(range_string=spec.categories))
    if spec.kind == "pie":
        chart.dataLabels = DataLabelList()
        chart.dataLabels.showPercent = True
    else:
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.x_axis.tickLblPos = "low"  # month labels below the plot, even where values are negative
        if spec.y_format:
            chart.y_axis.number_format = spec.y_format
    if not spec.legend:
        chart.legend = None
    return chart


def write_sheet(ws, sheet: SheetLayout, lang: str, *, cells: bool = True) -> None:
    """Write one sheet layout into an empty openpyxl worksheet (write-only or normal mode).

    With ``cells=False`` everything but the cells (widths, panes, tables, charts,
    conditional formats, validations, print setup): :func:`write_xlsx` streams the
    cells itself (:mod:`workbook_templates.writing.xmlsheet`).
    """
    for col, width in sheet.widths.items():
        ws.column_dimensions[col if isinstance(col, str) else get_column_letter(col)].width = width
    if sheet.freeze:
        ws.freeze_panes = sheet.freeze
    if sheet.tab_color:
        ws.sheet_properties.tabColor = sheet.tab_color
    if sheet.hidden:
        ws.sheet_state = "hidden"
    ws.page_setup.orientation = "landscape" if sheet.landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if sheet.one_page else 0
    for col in sheet.hidden_columns:
        ws.column_dimensions[get_column_letter(col)].hidden = True
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if cells:  # the streamed rows of write_xlsx carry their heights themselves (xmlsheet)
        for r, height in sheet.row_heights.items():
            ws.row_dimensions[r].height = height
        for row in _sheet_rows(ws, sheet, lang):
            ws.append(row)
    for block in sheet.blocks:
        if block.table:
            with warnings.catch_warnings():  # write-only mode warns even when the columns are given
                warnings.filterwarnings("ignore", "In write-only mode", UserWarning)
                ws.add_table(_table(block, block.headers or [str(c) for c in block.frame.columns]))
    for spec in sheet.charts:
        ws.add_chart(_chart(spec), spec.anchor)
    for cf in sheet.cond_formats:
        if cf.formula is not None:
            fill = PatternFill("solid", start_color=cf.color, end_color=cf.color) if cf.color else None
            font = Font(color=cf.font, bold=True) if cf.font else None
            rule = FormulaRule(formula=[cf.formula], fill=fill, font=font)
        elif cf.value is None:
            rule = ColorScaleRule(start_type="min", start_color=RED, mid_type="percentile", mid_value=50,
                                  mid_color=AMBER, end_type="max", end_color=GREEN)
        else:
            fill = PatternFill("solid", start_color=cf.color, end_color=cf.color)
            rule = CellIsRule(operator="equal", formula=[f'"{cf.value}"'], fill=fill)
        ws.conditional_formatting.add(cf.ref, rule)
    for v in sheet.validations:
        dv = DataValidation(type="list", formula1=v.source, allow_blank=False, showDropDown=False)
        if v.prompt:
            dv.prompt, dv.showInputMessage = v.prompt, True
        dv.add(v.ref)
        ws.data_validations.append(dv)


def set_names(wb: Workbook, layout: WorkbookLayout) -> None:
    """Define (or redefine) the layout's workbook-level names."""
    for name, target in layout.names.items():
        if name in wb.defined_names:
            del wb.defined_names[name]
        wb.defined_names[name] = DefinedName(name, attr_text=target)


def build_openpyxl(layout: WorkbookLayout, *, cells: bool = True) -> Workbook:
    """The layout as an openpyxl Workbook, ready to save.

    With cells, a write-only workbook (constant memory); ``cells=False`` gives the
    skeleton of :func:`write_xlsx` in a normal workbook (no temporary file per sheet).
    """
    wb = Workbook(write_only=cells)
    wb._cskpi_currency = layout.currency  # money formats (see _style_array)
    if not cells:
        wb.remove(wb.active)
    for sheet in layout.sheets:
        write_sheet(wb.create_sheet(sheet.title), sheet, layout.lang, cells=cells)
    set_names(wb, layout)
    return wb


def _style_ids(wb: Workbook, lang: str):
    """``style_id(key, quote)``: the cellXfs index of a style key, registered once in `wb`."""
    ws = wb.worksheets[0]
    ids: dict = {(None, False): 0}

    def style_id(key: str | None, quote: bool) -> int:
        if (key, quote) not in ids:
            array = copy(_style_array(ws, key, lang) or StyleArray())
            array.quotePrefix = int(quote)
            ids[(key, quote)] = wb._cell_styles.add(array)
        return ids[(key, quote)]

    return style_id


_SHEET_DATA = (b"<sheetData></sheetData>", b"<sheetData/>", b"<sheetData />")
_LEVEL = 1  # deflate level: sheet XML compresses well even at the fastest level


class _StreamingWriter(ExcelWriter):
    """openpyxl's package writer, with each worksheet's cells streamed from :func:`sheet_data`.

    ``write_worksheet`` is openpyxl's own (3.1), except that the worksheet's skeleton
    XML is made in memory (no temporary file per sheet) and its empty ``<sheetData>``
    is filled with the layout's rows as they are encoded, straight into the archive.
    openpyxl writes styles.xml after the worksheets, so every style the cells
    register on the way is in it.
    """

    def __init__(self, workbook: Workbook, archive: zipfile.ZipFile, rows: dict) -> None:
        super().__init__(workbook, archive)
        self.rows = rows  # worksheet title -> iterator of <row> XML text

    def write_worksheet(self, ws) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        skeleton = io.BytesIO()
        writer = WorksheetWriter(ws, out=skeleton)
        writer.write()
        ws._rels = writer._rels
        data = skeleton.getvalue()
        marker = next(m for m in _SHEET_DATA if m in data)
        head, _, tail = data.partition(marker)
        with self._archive.open(ws.path[1:], "w", force_zip64=True) as fh:
            fh.write(head + b"<sheetData>")
            for piece in self.rows[ws.title]:
                fh.write(piece.encode("utf-8"))
            fh.write(b"</sheetData>" + tail)
        self.manifest.append(ws)


def _stamp(wb: Workbook, stamp: Stamp) -> None:
    """Write the template stamp into the workbook's document properties."""
    wb.properties.keywords = stamp.keywords
    wb.properties.subject = stamp.scope
    wb.properties.title = stamp.title
    wb.properties.creator = stamp.creator


def _stream(layout: WorkbookLayout, target) -> None:
    """Write the file: openpyxl's skeleton, with every sheet's cells streamed into its XML."""
    wb = build_openpyxl(layout, cells=False)
    _stamp(wb, Stamp(layout.template, layout.title))
    style_id = _style_ids(wb, layout.lang)
    rows = {ws.title: sheet_data(sheet, style_id) for ws, sheet in zip(wb.worksheets, layout.sheets)}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=_LEVEL) as archive:
        wb.properties.modified = _dt.datetime.now(tz=_dt.timezone.utc).replace(tzinfo=None)
        _StreamingWriter(wb, archive, rows).write_data()


def write_xlsx(layout: WorkbookLayout, path) -> Path:
    """Write the layout to `path` atomically (temporary file, then rename), stamped with its template.

    The only file writer of a build: the stamp (:mod:`workbook_templates.writing.stamp`)
    tells ``cskpi refresh`` which template and scope to rebuild the file with. openpyxl
    writes the workbook's skeleton (styles, tables, charts, names, formats); the cells
    are streamed by :func:`workbook_templates.xmlsheet.sheet_data`.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib, kpi_core
    >>> from workbook_templates.templates.portfolio import portfolio_layout
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "book.xlsx"
    >>> write_xlsx(portfolio_layout(kpi_core.sample_dataset(n_customers=5)), path).name
    'book.xlsx'
    """
    with atomic_output(path) as tmp:
        _stream(layout, tmp)
    return Path(path)


def write_data_xlsx(layout: WorkbookLayout, path) -> Path:
    """Write a layout of data sheets atomically, without a template stamp (it is data, not a KPI workbook to
    refresh): what ``cskpi import --out data.xlsx`` and ``cskpi sample --mapping --out book.xlsx`` write.

    Examples
    --------
    >>> import tempfile, pathlib, kpi_core
    >>> from workbook_templates.templates.data_book import dataset_layout
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "data.xlsx"
    >>> kpi_core.load_dataset(write_data_xlsx(dataset_layout(kpi_core.sample_dataset(n_customers=3)), path))
    Dataset('...data.xlsx': Customers=3, Subscriptions=..., ...)
    """
    with atomic_output(path) as tmp:
        build_openpyxl(layout).save(tmp)
    return Path(path)


def xlsx_bytes(layout: WorkbookLayout) -> bytes:
    """The bytes of the file :func:`write_xlsx` writes, in memory (a distributed task returns them).

    Examples
    --------
    >>> import kpi_core
    >>> from workbook_templates.templates.portfolio import portfolio_layout
    >>> xlsx_bytes(portfolio_layout(kpi_core.sample_dataset(n_customers=5)))[:2]
    b'PK'
    """
    buffer = io.BytesIO()
    _stream(layout, buffer)
    return buffer.getvalue()
