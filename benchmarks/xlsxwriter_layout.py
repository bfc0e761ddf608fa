"""An XlsxWriter writer of a :class:`~workbook_templates.layout.WorkbookLayout` (benchmark baseline).

It writes the same cells (values, live formulas, styles), data blocks (Excel
tables or plain helper matrices), charts, conditional formats, list
validations, defined names and page setup as :func:`workbook_templates.xlsx.write_xlsx`
does with openpyxl, so the two can be timed on the same layout. It is a
yardstick, not a second product writer: it is not used by the CLI.

Text from data is written with ``write_string`` (never parsed as a formula) and
gets the quote prefix when it starts with a formula trigger, like the openpyxl writer.

Usage::

    from benchmarks.xlsxwriter_layout import write_xlsxwriter
    write_xlsxwriter(layout, "out.xlsx")
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import xlsxwriter

from workbook_templates.writing.cells import FORMULA_TRIGGERS
from workbook_templates.spec.layout import Block, Cell, SheetLayout, WorkbookLayout
from workbook_templates.spec.styles import AMBER, GREEN, RED, STYLES, number_format

__all__ = ["write_xlsxwriter"]

_CM_TO_PX = 96 / 2.54
_DEFAULT_DATE = "yyyy-mm-dd"


class _Formats:
    """XlsxWriter formats by (style key, quote prefix, fallback number format), created once."""

    def __init__(self, wb: xlsxwriter.Workbook, lang: str):
        self.wb, self.lang, self.cache = wb, lang, {}

    def get(self, style: str | None, quote: bool = False, default_num: str | None = None):
        key = (style, quote, default_num)
        if key not in self.cache:
            props = {}
            spec = STYLES.get(style or "", {})
            fmt = number_format(style, self.lang) or default_num
            if fmt:
                props["num_format"] = fmt
            font = spec.get("font", {})
            if font.get("bold"):
                props["bold"] = True
            if font.get("italic"):
                props["italic"] = True
            if "size" in font:
                props["font_size"] = font["size"]
            if "color" in font:
                props["font_color"] = "#" + font["color"]
            if "fill" in spec:
                props["pattern"], props["bg_color"] = 1, "#" + spec["fill"]
            if spec.get("wrap"):
                props["text_wrap"], props["valign"] = True, "top"
            if quote:
                props["quote_prefix"] = True
            self.cache[key] = self.wb.add_format(props) if props else None
        return self.cache[key]


def _write_value(ws, r: int, c: int, value, style: str | None, formats: _Formats) -> None:
    """One data value at 0-based (r, c): text stays text, NaN/None stay blank."""
    if value is None:
        if style:
            ws.write_blank(r, c, None, formats.get(style))
        return
    if isinstance(value, str):
        ws.write_string(r, c, value, formats.get(style, value.startswith(FORMULA_TRIGGERS)))
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, formats.get(style))
    elif isinstance(value, (dt.datetime, dt.date)):
        if isinstance(value, pd.Timestamp):
            if pd.isna(value):
                return
            value = value.to_pydatetime()
        ws.write_datetime(r, c, value, formats.get(style, False, _DEFAULT_DATE))
    elif isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return
        ws.write_number(r, c, value, formats.get(style))
    elif hasattr(value, "item"):  # NumPy scalar
        _write_value(ws, r, c, value.item(), style, formats)
    else:
        raise ValueError(f"cannot write {type(value).__name__}: {value!r}")


def _write_block(ws, block: Block, formats: _Formats) -> None:
    """A DataFrame, column by column (type-specific calls: the fast path of XlsxWriter)."""
    headers = block.headers or [str(c) for c in block.frame.columns]
    r0, c0 = block.row - 1, block.col - 1
    if block.header:
        head = formats.get("header")
        for j, h in enumerate(headers):
            ws.write_string(r0, c0 + j, h, head)
    first = block.first_data_row - 1
    for j, name in enumerate(block.frame.columns):
        series = block.frame[name]
        style = block.styles.get(name)
        c = c0 + j
        kind = series.dtype.kind
        if kind == "M":
            fmt = formats.get(style or "date", False, _DEFAULT_DATE)
            for i, v in enumerate(series.dt.to_pydatetime() if len(series) else []):
                if v is not None and not pd.isna(v):
                    ws.write_datetime(first + i, c, v, fmt)
        elif kind in "iuf":
            fmt, write = formats.get(style), ws.write_number
            for i, v in enumerate(series.tolist()):
                if v == v:
                    write(first + i, c, v, fmt)
        elif kind == "b":
            fmt = formats.get(style)
            for i, v in enumerate(series.tolist()):
                ws.write_boolean(first + i, c, v, fmt)
        else:
            for i, v in enumerate(series.astype(object).where(series.notna(), None).tolist()):
                _write_value(ws, first + i, c, v, style, formats)
    if block.table:
        last_row = max(block.last_row, block.row + 1) - 1
        ws.add_table(r0, c0, last_row, block.last_col - 1, {
            "name": block.table, "style": "Table Style Medium 2", "autofilter": False,
            "columns": [{"header": h, "header_format": formats.get("header")} for h in headers]})


def _chart(wb, spec):
    kind = {"column": ("column", None), "stacked": ("column", "stacked"), "bar": ("bar", None),
            "line": ("line", None), "pie": ("pie", None)}[spec.kind]
    chart = wb.add_chart({"type": kind[0], **({"subtype": kind[1]} if kind[1] else {})})
    for s in spec.series:
        series = {"values": "=" + s.values, "categories": "=" + spec.categories}
        if s.title:
            series["name"] = s.title
        if s.color == "none":
            series["fill"], series["border"] = {"none": True}, {"none": True}
        elif s.color:
            series["fill"] = {"color": "#" + s.color}
            series["line" if spec.kind == "line" else "border"] = {"color": "#" + s.color}
        if spec.kind == "pie":
            series["data_labels"] = {"percentage": True}
        if spec.kind == "stacked":
            series["overlap"] = 100
        chart.add_series(series)
    chart.set_title({"name": spec.title})
    if spec.y_format and spec.kind != "pie":
        chart.set_y_axis({"num_format": spec.y_format})
    if not spec.legend:
        chart.set_legend({"none": True})
    chart.set_size({"width": round(spec.width * _CM_TO_PX), "height": round(spec.height * _CM_TO_PX)})
    return chart


def _write_sheet(wb, ws, sheet: SheetLayout, formats: _Formats) -> None:
    for col, width in sheet.widths.items():
        if isinstance(col, str):
            ws.set_column(f"{col}:{col}", width)
        else:
            ws.set_column(col - 1, col - 1, width)
    if sheet.freeze:
        ws.freeze_panes(sheet.freeze)
    if sheet.tab_color:
        ws.set_tab_color("#" + sheet.tab_color)
    if sheet.hidden:
        ws.hide()
    if sheet.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    for (r, c), cell in sheet.cells.items():
        cell = cell if isinstance(cell, Cell) else Cell(cell)
        if cell.is_formula:
            ws.write_formula(r - 1, c - 1, cell.value, formats.get(cell.style))
        else:
            _write_value(ws, r - 1, c - 1, cell.value, cell.style, formats)
    for block in sheet.blocks:
        _write_block(ws, block, formats)
    for fb in sheet.formula_blocks:  # no shared formulas here: the first row's text in every row (same length)
        for j, (text, style) in enumerate(fb.columns):
            if text is not None:
                fmt = formats.get(style)
                for r in range(fb.row - 1, fb.last_row):
                    ws.write_formula(r, fb.col - 1 + j, text, fmt)
    for spec in sheet.charts:
        ws.insert_chart(spec.anchor, _chart(wb, spec))
    for cf in sheet.cond_formats:
        if cf.value is None:
            ws.conditional_format(cf.ref, {"type": "3_color_scale", "min_color": "#" + RED, "mid_type": "percentile",
                                           "mid_value": 50, "mid_color": "#" + AMBER, "max_color": "#" + GREEN})
        else:
            fill = wb.add_format({"pattern": 1, "bg_color": "#" + cf.color})
            ws.conditional_format(cf.ref, {"type": "cell", "criteria": "==", "value": f'"{cf.value}"',
                                           "format": fill})
    for v in sheet.validations:
        options = {"validate": "list", "source": "=" + v.source.lstrip("=")}
        if v.prompt:
            options["input_message"] = v.prompt
        ws.data_validation(v.ref, options)


def write_xlsxwriter(layout: WorkbookLayout, path) -> Path:
    """Write `layout` to `path` with XlsxWriter (same content as the openpyxl writer)."""
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False, "nan_inf_to_errors": False})
    formats = _Formats(wb, layout.lang)
    for sheet in layout.sheets:
        _write_sheet(wb, wb.add_worksheet(sheet.title), sheet, formats)
    for name, target in layout.names.items():
        wb.define_name(name, "=" + target)
    wb.close()
    return path


if __name__ == "__main__":  # a quick equivalence check on the sample
    import sys

    import kpi_core
    from workbook_templates.templates.portfolio import portfolio_layout

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "portfolio_xlsxwriter.xlsx")
    print(write_xlsxwriter(portfolio_layout(kpi_core.sample_dataset()), out))
