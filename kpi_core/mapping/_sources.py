"""Users' export files, read as they are: a header row and the rows under it, every cell locatable.

A CSV file goes through the dataset CSV reader (:mod:`kpi_core._csv`:
encodings, the comma or semicolon dialect, size limits); a sheet of an .xlsx
through the .xlsx reader (:func:`kpi_core._xlsx.read_sheet`: archive limits,
no DTD, cell checks). Either gives a :class:`RawTable`, which names a cell as
the user sees it: ``billing.csv, data row 3, column "plan_amount"`` (data row
1 is the first row under the header) or ``book.xlsx, sheet 'Billing', cell
D4 (column "plan_amount", data row 3)``. The Excel add-in builds RawTables
from a live workbook's sheets with :meth:`RawTable.from_grid`.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import _csv, _xlsx
from ..errors import KpiInputError
from ..limits import ReadLimits

__all__ = ["RawTable", "read_source", "CSV_SUFFIXES", "XLSX_SUFFIXES"]

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


def _header_text(value) -> str:
    """A header cell as text: dates as YYYY-MM-DD, whole numbers without '.0'."""
    if isinstance(value, (_dt.datetime, _dt.date, pd.Timestamp)):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class RawTable:
    """One source: its rows under the header, columns named by the header texts.

    Attributes
    ----------
    label : str
        How messages name the source (``billing.csv``, ``book.xlsx, sheet 'Billing'``).
    frame : DataFrame
        The cells (text from a CSV; numbers, dates, text from a sheet), one column per header.
    headers : list
        The header cells as they are (a month header may be a date cell).
    rows : ndarray
        The data row number of each frame row (1 = the first row under the header).
    letters : dict or None
        Header text -> column letter, for a sheet (cells are then named ``D4``).
    header_row : int
        The sheet row of the header (1 for a CSV file).
    sep : str or None
        The CSV separator (``;`` is the French Excel dialect: decimal commas, day-first dates).
    """

    label: str
    frame: pd.DataFrame
    headers: list
    rows: np.ndarray
    letters: dict | None = None
    header_row: int = 1
    sep: str | None = None

    def where(self, header: str, pos: int) -> str:
        """Where the cell of column `header`, frame row `pos`, is, as the user sees it."""
        row = int(self.rows[pos]) if 0 <= pos < len(self.rows) else "?"
        if self.letters is not None:
            cell = f"{self.letters.get(header, '?')}{row + self.header_row if row != '?' else '?'}"
            return f"{self.label}, cell {cell} (column \"{header}\", data row {row})"
        return f"{self.label}, data row {row}, column \"{header}\""

    @property
    def columns(self) -> list[str]:
        """The header texts."""
        return list(self.frame.columns)

    @classmethod
    def from_grid(cls, label: str, header: list, body: list | pd.DataFrame, rows, *, sheet_first_col: int = 1,
                  header_row: int = 1) -> RawTable:
        """A RawTable of a sheet range: its header cells, the rows under it (blank rows already left out)
        and the sheet row of each. A header named twice is an error naming both cells."""
        texts = [_header_text(h) if h is not None else "" for h in header]
        letters = {}
        for j, text in enumerate(texts):
            letter = _xlsx.column_letter(sheet_first_col + j)
            if text and text in letters:
                raise KpiInputError(f"{label}, cell {letter}{header_row}: the header names column \"{text}\" twice "
                                    f"(cells {letters[text]}{header_row} and {letter}{header_row}); each column "
                                    "name must be unique", "value", location=f"{label}, cell {letter}{header_row}")
            if text:
                letters[text] = letter
        frame = body if isinstance(body, pd.DataFrame) else pd.DataFrame(body, dtype=object)
        frame = frame.reindex(columns=range(len(texts)))
        frame.columns = [t if t else f"\x00blank{j}" for j, t in enumerate(texts)]  # blank headers: unreachable
        frame = frame[[t for t in texts if t]] if any(texts) else frame.iloc[:, :0]
        data_rows = np.asarray(rows, dtype=np.int64) - header_row
        return cls(label, frame.reset_index(drop=True), list(header), data_rows, letters, header_row)


    @classmethod
    def from_sheet_grid(cls, label: str, grid: list, sheet: str, top: int = 1, left: int = 1) -> RawTable:
        """A RawTable of the cell values of a sheet's range (``grid[0][0]`` is the cell at `top`, `left`):
        the first non-blank row is the header (what the Excel add-in reads from a live sheet's used range)."""
        got = _xlsx.sheet_range(grid, sheet, top, left)
        if got is None:
            raise KpiInputError(f"{label}: is empty; expected a header row with the column names", "value",
                                location=label)
        return cls.from_grid(label, got.header, got.body, got.rows, sheet_first_col=got.first_col,
                             header_row=got.header_row)


def _read_csv(path: Path, delimiter: str | None, limits: ReadLimits) -> RawTable:
    frame, lines, sep = _csv.read_csv(path, (), (), (), limits, delimiter)
    frame = frame.astype(object)
    return RawTable(path.name, frame, list(frame.columns), np.asarray(lines) - 1, None, 1, sep)


def _read_xlsx(path: Path, sheet: str | None, limits: ReadLimits) -> RawTable:
    got = _xlsx.read_sheet(path, sheet, limits)
    return RawTable.from_grid(f"{path.name}, sheet '{got.sheet}'", got.header, got.body, got.rows,
                              sheet_first_col=got.first_col, header_row=got.header_row)


def read_source(path: Path, sheet: str | None, delimiter: str | None, limits: ReadLimits) -> RawTable:
    """A source file as a :class:`RawTable` (CSV, or a sheet of an .xlsx)."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise KpiInputError(f"{path}: no such file", "value", location=str(path))
    if path.is_dir():
        raise KpiInputError(f"{path}: is a folder; a mapping's file is one export file", "value", location=str(path))
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(path, sheet, limits)
    if suffix == ".xls":
        raise KpiInputError(f"{path}: an old-format .xls workbook; save it as .xlsx (Excel Workbook)", "value",
                            location=str(path))
    if suffix in CSV_SUFFIXES:
        if sheet is not None:
            raise KpiInputError(f"{path.name}: a CSV file has no sheet (sheet = {sheet!r} in the mapping)", "value",
                                location=path.name)
        return _read_csv(path, delimiter or ("\t" if suffix == ".tsv" else None), limits)
    raise KpiInputError(f"{path}: expected an export as .csv, .tsv, .txt or .xlsx", "value", location=str(path))
