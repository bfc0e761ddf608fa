"""A workbook's raw exports and its ``Mapping`` table, read through xlwings (DESIGN.md §12).

A workbook written by ``cskpi sample --mapping --out book.xlsx`` (or made by
hand) holds the users' exports as plain ranges on sheets, a header in their
first non-blank row, and an Excel table named ``Mapping`` (columns table,
setting, key, value) saying how they become the §3 tables. The ribbon's Build
KPI workbook builds from it through the same code path as ``cskpi build --map
book.xlsx``: the Mapping rows become a :class:`kpi_core.Mapping`
(:func:`kpi_core.mapping.mapping_from_rows`), each sheet it names a
:class:`kpi_core.RawTable`, and :func:`kpi_core.apply_mapping` does the rest,
with the workbook's own §3 tables as DATA. Messages name the sheet and cell.
Works on desktop Excel and on xlwings' remote engine alike (only the Book API).
"""

from __future__ import annotations

from pathlib import Path

import kpi_core
from kpi_core.mapping import RawTable, mapping_from_rows

__all__ = ["MAPPING_TABLE", "has_mapping", "mapped_dataset", "book_label"]

#: the Excel table that holds a workbook's mapping
MAPPING_TABLE = "Mapping"


def has_mapping(book) -> bool:
    """Whether `book` holds an Excel table named Mapping."""
    return any(table.name == MAPPING_TABLE for ws in book.sheets for table in ws.tables)


def book_label(book) -> str:
    """The workbook's file name, for messages and sources ("workbook" when it has none yet)."""
    try:
        return Path(book.name).name
    except Exception:  # noqa: BLE001
        return "workbook"


def _sheet(book, title: str) -> RawTable:
    """The used range of sheet `title` as a RawTable (header in its first non-blank row)."""
    label = f"{book_label(book)}, sheet '{title}'"
    rng = book.sheets[title].used_range
    grid = rng.options(ndim=2).value or []
    return RawTable.from_sheet_grid(label, grid, title, top=rng.row, left=rng.column)


def mapped_dataset(book, data) -> kpi_core.Dataset:
    """The dataset the Mapping table of `book` makes from its export sheets, with its §3 tables as DATA.

    `data` is what :func:`addin.ribbon.read_tables` read (the workbook's §3 tables and their
    locators). Raises :class:`kpi_core.KpiInputError` naming the sheet, cell, column and row.
    """
    from .ribbon import read_tables  # the one reader of a live workbook's Excel tables

    found = read_tables(book, names=(MAPPING_TABLE,))
    label = book_label(book)
    frame = found.tables[MAPPING_TABLE]
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    mapping = mapping_from_rows(frame, found.locators[MAPPING_TABLE], f"{label}, table {MAPPING_TABLE}")
    titles = {ws.name for ws in book.sheets}
    sheets = {sec.sheet: _sheet(book, sec.sheet) for sec in mapping.sections.values()
              if sec.file is None and sec.sheet in titles}
    return kpi_core.apply_mapping(mapping, data=data.tables, data_locators=data.locators, sheets=sheets)


