"""xl/tables/tableN.xml: a data block as an Excel table (ListObject), striped TableStyleMedium2."""

from __future__ import annotations

from ...spec.layout import Block
from ..ooxml import DECLARATION, NS_MAIN, cell_ref, quote_attr
from ..values import xstring

__all__ = ["table_xml", "table_ref"]


def table_ref(block: Block) -> str:
    """The table's range: header and data rows (at least one data row, as Excel requires).

    Examples
    --------
    >>> import pandas as pd
    >>> table_ref(Block(pd.DataFrame({"a": [], "b": []}), row=3, col=2, table="T"))
    'B3:C4'
    """
    return f"{cell_ref(block.row, block.col)}:{cell_ref(max(block.last_row, block.row + 1), block.last_col)}"


def table_xml(block: Block, table_id: int) -> bytes:
    """The table part of a block whose ``table`` is set; `table_id` is unique in the workbook.

    Examples
    --------
    >>> import pandas as pd
    >>> print(table_xml(Block(pd.DataFrame({"x": [1]}), table="T"), 1).decode()[56:])
    ... # doctest: +NORMALIZE_WHITESPACE
    <table xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" id="1" name="T"
    displayName="T" ref="A1:A2" headerRowCount="1" totalsRowShown="0"><tableColumns
    count="1"><tableColumn id="1" name="x"/></tableColumns><tableStyleInfo name="TableStyleMedium2"
    showFirstColumn="0" showLastColumn="0" showRowStripes="1" showColumnStripes="0"/></table>
    """
    headers = block.headers or [str(c) for c in block.frame.columns]
    name = quote_attr(block.table)
    columns = "".join(f'<tableColumn id="{i}" name={quote_attr(xstring(str(h)))}/>'
                      for i, h in enumerate(headers, start=1))
    return (DECLARATION + f'<table xmlns="{NS_MAIN}" id="{table_id}" name={name} displayName={name} '
            f'ref="{table_ref(block)}" headerRowCount="1" totalsRowShown="0">'
            f'<tableColumns count="{len(headers)}">{columns}</tableColumns>'
            '<tableStyleInfo name="TableStyleMedium2" showFirstColumn="0" showLastColumn="0" showRowStripes="1" '
            'showColumnStripes="0"/></table>').encode("utf-8")
