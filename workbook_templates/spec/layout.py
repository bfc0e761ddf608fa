"""The layout of a generated workbook: one definition, two writers.

A template (portfolio, csm, account) turns a dataset into a
:class:`WorkbookLayout`: sheets of cells (values and live formulas, each
with a style key), data blocks (DataFrames, written as Excel tables or as
helper matrices), charts, conditional formats, validations and defined
names. :mod:`workbook_templates.writing.xlsx` writes it to a file (its own package writer);
the ribbon (:mod:`addin.ribbon`) writes the computed sheets of the same
layout into the open workbook through xlwings. Neither writer decides
anything about content.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field

import pandas as pd
from openpyxl.utils import get_column_letter, quote_sheetname

#: a column's width when none is set (Excel's default, in characters) and a line of text's height (points)
_DEFAULT_WIDTH, _LINE_POINTS = 8.43, 15
#: characters of a bold header a line, per unit of column width (LibreOffice wraps "Weakest component" at
#: width 18, not "Net revenue" at 12)
_BOLD_CHARS = 0.92

__all__ = [
    "Cell", "formula", "Block", "FormulaBlock", "ColumnRef", "Chart", "Series", "CondFormat", "Validation", "SheetLayout",
    "WorkbookLayout", "ref", "split_ref", "col_ref",
]


@dataclass(frozen=True)
class Cell:
    """One cell: a data value or (``is_formula``) a formula text starting with ``=``.

    ``style`` is a key of :data:`workbook_templates.styles.STYLES` ("pct",
    "money", "header", ...). Data strings are always written as text.
    """

    value: object
    style: str | None = None
    is_formula: bool = False


def formula(text: str, style: str | None = None) -> Cell:
    """A formula cell (``text`` starts with ``=``)."""
    if not text.startswith("="):
        raise ValueError(f"a formula must start with '=': {text!r}")
    return Cell(text, style, True)


@dataclass
class Block:
    """A DataFrame written at (`row`, `col`) with a header row.

    With ``table`` set it becomes an Excel table (ListObject) of that name;
    ``styles`` maps column names to style keys; ``headers`` overrides the
    header texts (default: the column names).
    """

    frame: pd.DataFrame
    row: int = 1
    col: int = 1
    table: str | None = None
    styles: dict = field(default_factory=dict)
    headers: list | None = None
    header: bool = True

    @property
    def first_data_row(self) -> int:
        """Row of the first data line."""
        return self.row + 1 if self.header else self.row

    @property
    def last_row(self) -> int:
        """Row of the last data line (the header row, or the row above, when the frame is empty)."""
        return self.first_data_row + len(self.frame) - 1

    @property
    def last_col(self) -> int:
        """Column of the last column."""
        return self.col + len(self.frame.columns) - 1

    def column_range(self, sheet: str, column: str, absolute: bool = True) -> str:
        """``'Sheet'!$C$2:$C$500``: the data cells of one column (at least one row)."""
        j = self.col + list(self.frame.columns).index(column)
        return ref(sheet, self.first_data_row, j, max(self.last_row, self.first_data_row), j, absolute)


@dataclass
class FormulaBlock:
    """Formula columns repeated down `rows` rows from (`row`, `col`): one formula per column.

    ``columns[j]`` is ``(formula, style)`` for column ``col + j``, written for the block's
    first row with relative row references (``=IF($D5=0,"",E5/F5)``); every row below holds
    the same formula moved down by its offset (R1C1-identical), so writers store each
    column once (a shared formula in a file) and spreadsheets compile it once. A column
    whose formula is None is left empty.

    Examples
    --------
    >>> b = FormulaBlock(row=5, col=2, rows=3, columns=[("=A5*2", "int"), (None, None)])
    >>> b.last_row, b.last_col
    (7, 3)
    """

    row: int
    col: int
    rows: int
    columns: list

    @property
    def last_row(self) -> int:
        """Row of the last line (the row above `row` when the block has no rows)."""
        return self.row + self.rows - 1

    @property
    def last_col(self) -> int:
        """Column of the last formula column."""
        return self.col + len(self.columns) - 1

    def cells(self):
        """Every cell of the block as ``(row, col, Cell)``, each formula moved to its row (for writers
        that cannot store a shared formula).

        Examples
        --------
        >>> [(r, c, cell.value) for r, c, cell in FormulaBlock(5, 2, 2, [("=A5*$A$1", None)]).cells()]
        [(5, 2, '=A5*$A$1'), (6, 2, '=A6*$A$1')]
        """
        from openpyxl.formula.translate import Translator

        for j, (text, style) in enumerate(self.columns):
            if text is None:
                continue
            origin = f"{get_column_letter(self.col + j)}{self.row}"
            translator = Translator(text, origin)
            for i in range(self.rows):
                r = self.row + i
                moved = text if i == 0 else translator.translate_formula(f"{get_column_letter(self.col + j)}{r}")
                yield r, self.col + j, Cell(moved, style, True)


@dataclass(frozen=True)
class ColumnRef:
    """A column of `rows` cells of a sheet from (`row`, `col`): what a sheet publishes for others to read.

    Examples
    --------
    >>> c = ColumnRef("MRR movements", 5, 10, 24)
    >>> c.range, c.cell(2)
    ("'MRR movements'!$J$5:$J$28", "'MRR movements'!$J$7")
    """

    title: str
    row: int
    col: int
    rows: int

    @property
    def range(self) -> str:
        """The whole column, absolute (at least one cell)."""
        return ref(self.title, self.row, self.col, self.row + max(self.rows, 1) - 1, self.col)

    def cell(self, i: int) -> str:
        """Its i-th cell (0-based), absolute."""
        return ref(self.title, self.row + i, self.col)


@dataclass(frozen=True)
class Series:
    """One chart series: its values as an absolute range (``'Sheet'!$B$2:$B$9``)."""

    values: str
    title: str | None = None
    color: str | None = None  # hex colour, or "none" for an invisible series


@dataclass
class Chart:
    """A chart: ``kind`` is "column", "stacked", "bar", "line" or "pie"; ranges are absolute."""

    kind: str
    title: str
    anchor: str
    categories: str
    series: list
    y_format: str | None = None
    width: float = 16.0
    height: float = 7.5
    legend: bool = True
    blanks: str = "gap"  # "span": a line goes across #N/A points (a month without data) instead of dropping to 0


@dataclass(frozen=True)
class CondFormat:
    """Conditional format: fill `ref` with `color` where the cell equals `value`; where the
    `formula` (relative to the first cell of `ref`, without ``=``) is true, fill with `color`
    and/or colour the text with `font`; or (``value`` and ``formula`` None) a three-colour
    scale from red to green."""

    ref: str
    value: object = None
    color: str | None = None
    formula: str | None = None
    font: str | None = None


@dataclass(frozen=True)
class Validation:
    """A list validation on `ref` whose choices are the formula `source` (a range or name)."""

    ref: str
    source: str
    prompt: str | None = None


@dataclass
class SheetLayout:
    """One sheet: cells, data blocks, charts and print setup.

    ``computed`` sheets are re-derived by Refresh; the others (Guide,
    Settings, data tables) are written once and kept.
    """

    key: str
    title: str
    cells: dict = field(default_factory=dict)
    blocks: list = field(default_factory=list)
    formula_blocks: list = field(default_factory=list)  # FormulaBlock: formula columns repeated down rows
    widths: dict = field(default_factory=dict)
    charts: list = field(default_factory=list)
    cond_formats: list = field(default_factory=list)
    validations: list = field(default_factory=list)
    freeze: str | None = None
    landscape: bool = False
    computed: bool = True
    hidden: bool = False
    tab_color: str | None = None
    hidden_columns: set = field(default_factory=set)  # 1-based column numbers hidden from view
    one_page: bool = False  # print on one page (fit width and height)
    row_heights: dict = field(default_factory=dict)  # row number -> height in points

    def set(self, row: int, col: int, value, style: str | None = None) -> None:
        """Put a data value (or a :class:`Cell`) at (`row`, `col`)."""
        self.cells[(row, col)] = value if isinstance(value, Cell) else Cell(value, style)

    def put_row(self, row: int, col: int, values, style: str | None = None) -> None:
        """Put several values (or cells) side by side from (`row`, `col`)."""
        for j, value in enumerate(values):
            self.set(row, col + j, value, style)

    def fit_row(self, row: int) -> None:
        """Make `row` tall enough for its text cells and block headers wrapped in their column widths, hidden
        columns aside (set the widths first).

        A column of width *w* holds about ``_BOLD_CHARS`` × *w* characters of a bold header a
        line; a line is ``_LINE_POINTS`` high. The estimate errs toward a row too tall.

        Examples
        --------
        >>> s = SheetLayout("k", "Sheet")
        >>> s.widths["A"] = 12
        >>> s.put_row(1, 1, ["Net revenue retention", "NPS"], "header")
        >>> s.fit_row(1)
        >>> s.row_heights[1]
        30
        """
        texts = [(col, cell.value) for (r, col), cell in self.cells.items()
                 if r == row and isinstance(cell.value, str) and not cell.value.startswith("=")]
        for block in self.blocks:  # a block's header row
            if block.header and block.row == row:
                texts += enumerate(block.headers or [str(c) for c in block.frame.columns], block.col)
        lines = 1
        for col, text in texts:
            if col not in self.hidden_columns:
                chars = math.floor(self.widths.get(get_column_letter(col), _DEFAULT_WIDTH) * _BOLD_CHARS)
                lines = max(lines, len(textwrap.wrap(text, max(chars, 1))))
        if lines > 1:
            self.row_heights[row] = _LINE_POINTS * lines

    def address(self, row: int, col: int) -> str:
        """Absolute address of a cell of this sheet, with the sheet name."""
        return ref(self.title, row, col)

    @property
    def max_row(self) -> int:
        """Last used row."""
        rows = [r for r, _ in self.cells] + [b.last_row for b in [*self.blocks, *self.formula_blocks]]
        return max(rows, default=0)


@dataclass
class WorkbookLayout:
    """Sheets in order, and workbook-level defined names (name -> reference)."""

    sheets: list = field(default_factory=list)
    names: dict = field(default_factory=dict)
    lang: str = "en"
    title: str = ""
    template: str = "portfolio"  # which template built it (stamped in the file, read back by Refresh)
    currency: str = ""  # shown with money amounts (number formats)

    def sheet(self, key: str) -> SheetLayout:
        """The sheet with this key."""
        return next(s for s in self.sheets if s.key == key)


def ref(sheet: str, row: int, col: int, row2: int | None = None, col2: int | None = None,
        absolute: bool = True) -> str:
    """``'Sheet'!$B$3`` or ``'Sheet'!$B$3:$D$9`` (quoted only when needed)."""
    d = "$" if absolute else ""
    text = f"{d}{get_column_letter(col)}{d}{row}"
    if row2 is not None:
        text += f":{d}{get_column_letter(col2 if col2 is not None else col)}{d}{row2}"
    return f"{quote_sheetname(sheet)}!{text}"


def split_ref(reference: str) -> tuple[str, str]:
    """The sheet and the address of a reference: ``'My sheet'!$A$1:$B$2`` -> (``My sheet``, ``A1:B2``).

    Examples
    --------
    >>> split_ref("='It''s'!$A$1:$B$2")
    ("It's", 'A1:B2')
    """
    sheet, _, address = reference.lstrip("=").rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, address.replace("$", "")


def col_ref(table: str, column: str) -> str:
    """Structured reference to a table column: ``Subscriptions[mrr]``."""
    return f"{table}[{column}]"
