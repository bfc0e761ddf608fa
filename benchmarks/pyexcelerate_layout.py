"""A PyExcelerate writer of a layout's cells (benchmark peer: the fastest pure-Python xlsx writer).

It writes the same cell values (single cells, formulas, data blocks with their header,
formula blocks) sheet by sheet, and nothing else: no styles, tables, charts, names or
formats, which only makes it faster than a writer that has to produce them. The
DataFrame-to-rows conversion it needs is timed with it (the input is the same layout).
PyExcelerate has no shared formulas: a formula block's column gets its first row's
formula text in every row (the same length of text to write; not moved down).

Usage::

    from benchmarks.pyexcelerate_layout import write_pyexcelerate, cell_count
    write_pyexcelerate(layout, "out.xlsx")
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pyexcelerate import Workbook

from workbook_templates.spec.layout import WorkbookLayout

__all__ = ["write_pyexcelerate", "cell_count"]


def cell_count(layout: WorkbookLayout) -> int:
    """Cells a layout writes: single cells, block data and block headers, formula-block cells."""
    return sum(len(s.cells) + sum(b.frame.size + (len(b.frame.columns) if b.header else 0) for b in s.blocks)
               + sum(max(fb.rows, 0) * sum(f is not None for f, _ in fb.columns) for fb in s.formula_blocks)
               for s in layout.sheets)


def _column(series: pd.Series) -> list:
    if series.dtype.kind == "M":
        return [None if v is pd.NaT else v.to_pydatetime() for v in series]
    values = series.astype(object).where(series.notna(), None)
    return values.tolist()


def write_pyexcelerate(layout: WorkbookLayout, path) -> Path:
    """Write the layout's cells with PyExcelerate (no styles, tables, charts or names)."""
    wb = Workbook()
    for sheet in layout.sheets:
        rows = max(sheet.max_row, 1)
        width = max([c for _, c in sheet.cells] + [b.last_col for b in [*sheet.blocks, *sheet.formula_blocks]],
                    default=1)
        grid = np.full((rows, width), None, dtype=object)
        for (r, c), cell in sheet.cells.items():
            grid[r - 1, c - 1] = cell.value
        for block in sheet.blocks:
            if block.header:
                headers = block.headers or [str(c) for c in block.frame.columns]
                grid[block.row - 1, block.col - 1:block.col - 1 + len(headers)] = headers
            if len(block.frame):
                for j, name in enumerate(block.frame.columns):
                    grid[block.first_data_row - 1:block.last_row, block.col - 1 + j] = _column(block.frame[name])
        for fb in sheet.formula_blocks:
            for j, (text, _) in enumerate(fb.columns):
                if text is not None and fb.rows > 0:
                    grid[fb.row - 1:fb.last_row, fb.col - 1 + j] = text
        wb.new_sheet(sheet.title[:31], data=grid.tolist())
    wb.save(str(path))
    return Path(path)
