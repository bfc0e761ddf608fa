"""Write data values into openpyxl cells without ever turning text into a formula.

The rules (which value is blank, a number, a date or text, which text is risky)
are those of :mod:`workbook_templates.writing.values`; this module applies them to openpyxl
cells.

openpyxl infers a cell's type from the Python value: a ``str`` longer than one
character that starts with ``"="`` becomes a formula, and a ``str`` equal to an error
code (``"#N/A"``, ``"#DIV/0!"`` ...) becomes an error value. Text that comes from data
(customer names, segments, comments) must never be interpreted (DESIGN.md §6), so the
helpers here store every ``str`` as a string cell (``data_type = "s"``, written as an
inline string) whatever it starts with. Text that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return additionally gets Excel's *quote prefix* style
(``'`` shown in the formula bar), so a user who edits the cell and presses Enter
still keeps text rather than a formula.

Builders write their own formulas with plain ``cell.value = "=..."``; the helpers
here are for data only.

Functions
---------
set_value
    Store one data value in a cell (text stays text).
write_value
    :func:`set_value` by worksheet, row and column.
write_text
    Store a value as text, whatever its type (identifiers, codes).
"""

from __future__ import annotations

from typing import Any

from .values import FORMULA_TRIGGERS, cell_value, needs_quote_prefix, xstring

__all__ = ["set_value", "write_value", "write_text", "FORMULA_TRIGGERS"]


def set_value(cell, value: Any):
    """Store a data value in an openpyxl cell; strings are always literal text.

    - ``str`` (and any other text) is stored as a string, never as a formula or an
      error value, even when it starts with ``=``, ``+``, ``-`` or ``@`` or equals
      ``"#N/A"``; such strings also get the quote-prefix style. Text is stored in
      OOXML's escaped form (``_x0041_`` -> ``_x005F_x0041_``, control characters ->
      ``_xHHHH_``), which Excel and LibreOffice decode back to the original text;
      ``cell.value`` therefore differs from ``value`` only for such rare strings.
    - ``bool`` and numbers (Python, NumPy, ``Decimal``) are stored as numbers or
      booleans. NaN is stored as an empty cell; infinities raise ``ValueError``.
    - ``datetime``, ``date``, ``time`` and pandas ``Timestamp`` are stored as Excel
      dates (openpyxl gives them a date number format unless the cell has one).
      Time-zone-aware values raise ``ValueError``.
    - ``None``, ``pandas.NA``, ``NaT`` and the empty string leave the cell empty.

    Parameters
    ----------
    cell : openpyxl.cell.Cell
        The cell (a normal or a write-only cell).
    value : object
        The value.

    Returns
    -------
    openpyxl.cell.Cell
        ``cell``.

    Raises
    ------
    ValueError
        For infinities, time-zone-aware datetimes and types Excel cannot hold.
    openpyxl.utils.exceptions.IllegalCharacterError
        For text containing control characters that XML cannot carry.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> c = set_value(ws["A1"], "=HYPERLINK(\\"http://x\\",\\"y\\")")
    >>> c.data_type, c.value
    ('s', '=HYPERLINK("http://x","y")')
    >>> set_value(ws["A2"], 3.5).data_type
    'n'
    """
    value = cell_value(value)
    if isinstance(value, str):
        cell.value = xstring(value)  # openpyxl checks the length and characters ...
        cell.data_type = "s"         # ... and must not keep 'f' (formula) or 'e' (error)
        quote = needs_quote_prefix(value)
    else:
        cell.value = value
        quote = False
    if bool(cell.quotePrefix) != quote:  # only touch the style when it must change
        cell.quotePrefix = quote
    return cell


def write_value(ws, row: int, col: int, value: Any):
    """Store a data value at (``row``, ``col``) of ``ws`` with :func:`set_value`.

    Parameters
    ----------
    ws : openpyxl.worksheet.worksheet.Worksheet
        The worksheet.
    row, col : int
        1-based row and column.
    value : object
        The value (see :func:`set_value`).

    Returns
    -------
    openpyxl.cell.Cell
        The cell written.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> write_value(ws, 1, 1, "+1+1").value
    '+1+1'
    """
    return set_value(ws.cell(row=row, column=col), value)


def write_text(ws, row: int, col: int, value: Any):
    """Store ``str(value)`` as literal text at (``row``, ``col``) of ``ws``.

    For values that must stay text whatever they look like (customer ids such as
    ``"00123"``, codes, names). ``None``/NaN leave the cell empty.

    Parameters
    ----------
    ws : openpyxl.worksheet.worksheet.Worksheet
        The worksheet.
    row, col : int
        1-based row and column.
    value : object
        The value; converted with ``str()``.

    Returns
    -------
    openpyxl.cell.Cell
        The cell written.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> c = write_text(ws, 1, 1, 123)
    >>> c.value, c.data_type
    ('123', 's')
    """
    value = cell_value(value)
    cell = ws.cell(row=row, column=col)
    return set_value(cell, None if value is None else str(value))
