"""An .xlsx file as the book payload xlwings' Office.js add-ins post, and their returned actions replayed.

xlwings Server and xlwings Lite run a script on ``xlwings.Book(json=payload)``:
the payload is the workbook as the add-in's JavaScript reads it (the format
of xlwings' ``getBookData``: ``client``, ``version``, ``book``, book-scope
``names`` with ``sheet_index`` and unqualified ``address``, and per sheet
``values`` anchored at A1 with date cells as ISO strings and formula cells as
their last result, ``tables`` with their range addresses). What the script
did comes back as ``book.json()["actions"]``, which the add-in replays in
Excel. :func:`book_json` builds the payload from a file written by
``write_xlsx``; :func:`replay` applies the actions that put cells and names
into an openpyxl copy of that file, so that the result can be compared with
a headless ``cskpi refresh`` of the same file, or recalculated by LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import xlwings as xw
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table


def _json_value(value):
    if value is None:
        return ""
    if isinstance(value, (dt.datetime, dt.date)):
        return f"{value:%Y-%m-%d}T00:00:00.000Z"  # Office.js sends date-formatted cells as ISO strings
    if isinstance(value, str) and value.startswith("="):
        return ""  # a formula's result: not known without a calculation engine (nothing read depends on it)
    return value


def _sheet_json(ws) -> dict:
    rows, cols = max(ws.max_row, 1), max(ws.max_column, 1)
    values = [[_json_value(ws.cell(r, c).value) for c in range(1, cols + 1)] for r in range(1, rows + 1)]
    tables = []
    for table in ws.tables.values():
        c1, r1, c2, r2 = range_boundaries(table.ref)
        first, last = get_column_letter(c1), get_column_letter(c2)
        tables.append({
            "name": table.name, "range_address": table.ref, "row_count": r2 - r1 + 1, "column_count": c2 - c1 + 1,
            "header_row_range_address": f"{first}{r1}:{last}{r1}",
            "data_body_range_address": f"{first}{r1 + 1}:{last}{r2}", "total_row_range_address": None,
            "show_headers": True, "show_totals": False, "table_style": "TableStyleMedium2", "show_autofilter": True,
            "show_table_style_first_column": False, "show_table_style_last_column": False,
            "show_table_style_row_stripes": True, "show_table_style_column_stripes": False})
    return {"name": ws.title, "visibility": "Visible", "print_area": None, "notes": [],
            "used_range_address": f"A1:{get_column_letter(cols)}{rows}", "values": values, "pictures": [],
            "shapes": [], "tables": tables, "pivot_tables": [], "show_gridlines": True,
            "charts": [{"name": f"Chart {i + 1}", "chart_type": "Line", "left": 0, "top": 0, "width": 400,
                        "height": 200} for i, _ in enumerate(ws._charts)]}


def book_json(path) -> dict:
    """The Office.js payload of the workbook file at `path`."""
    wb = openpyxl.load_workbook(path)
    titles = wb.sheetnames
    names = []
    for name, defn in wb.defined_names.items():
        (sheet, address), = defn.destinations
        names.append({"name": name, "sheet_index": titles.index(sheet), "address": address.replace("$", ""),
                      "scope_sheet_name": None, "scope_sheet_index": None, "book_scope": True})
    payload = {"client": "Office.js", "version": xw.__version__,
               "book": {"name": path.name, "active_sheet_index": 0, "selection": "A1", "calculation": "Automatic"},
               "names": names, "sheets": [_sheet_json(ws) for ws in wb.worksheets]}
    wb.close()
    return payload


_ISO_DATE = re.compile(r"^\d{4}-\d\d-\d\d( \d\d:\d\d:\d\d)?$")


def excel_value(value):
    """What Excel stores for a value an action writes: ``'text`` is text, an ISO date string a date."""
    if value == "" or value is None:
        return None
    if isinstance(value, str):
        if value.startswith("'"):
            return value[1:]
        if _ISO_DATE.match(value):
            return dt.datetime.fromisoformat(value)
    return value


def targets(payload: dict, actions: list):
    """(title of the sheet an action targets at that moment, action) for each action, following sheet adds."""
    titles = [s["name"] for s in payload["sheets"]]
    for a in actions:
        pos = a["sheet_position"]
        yield (titles[pos] if pos is not None else None), a
        if a["func"] == "addSheet":
            titles.insert(a["args"][0], a["args"][1])
        elif a["func"] == "sheetDelete":
            del titles[pos]


def _target(wb, titles: list, action: dict):
    return wb[titles[action["sheet_position"]]] if action["sheet_position"] is not None else None


def replay(payload: dict, actions: list, src, dst):
    """Apply the cell, sheet, table and name actions to an openpyxl copy of `src`; save it as `dst`.

    Formats, column widths, charts and conditional formats are left out: they
    change no number. Returns `dst`.
    """
    wb = openpyxl.load_workbook(src)
    titles = [s["name"] for s in payload["sheets"]]
    assert titles == wb.sheetnames, "the payload was not made from this file"
    for a in actions:
        ws = _target(wb, titles, a)
        func = a["func"]
        if func == "addSheet":
            index, title = a["args"][0], a["args"][1]
            wb.create_sheet(title, index)
            titles.insert(index, title)
        elif func == "sheetDelete":
            del wb[titles.pop(a["sheet_position"])]
        elif func == "sheetClear":
            for row in ws.iter_rows():
                for cell in row:
                    cell.value = None
            for name in list(ws.tables):
                del ws.tables[name]
        elif func in ("setValues", "setFormula"):
            convert = excel_value if func == "setValues" else (lambda v: v)
            for i, row in enumerate(a["values"]):
                for j, value in enumerate(row):
                    ws.cell(a["start_row"] + 1 + i, a["start_column"] + 1 + j).value = convert(value)
        elif func == "addTable":
            ref, _, _, name = a["args"]
            ws.add_table(Table(displayName=name, ref=ref.replace("$", "")))
        elif func in ("namesAdd", "setNameRefersTo"):
            name, refers_to = a["args"][0], a["args"][1] if func == "namesAdd" else a["args"][3]
            if name in wb.defined_names:
                del wb.defined_names[name]
            wb.defined_names[name] = DefinedName(name, attr_text=refers_to.lstrip("="))
    wb.save(dst)
    return dst
