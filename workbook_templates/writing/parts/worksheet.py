"""xl/worksheets/sheetN.xml: one sheet of the layout around its streamed cells.

The elements follow the order of ``CT_Worksheet`` (ECMA-376 §18.3.1.99):
sheet properties (tab colour, fit to page), the used range, the view (frozen
panes, selected tab), column widths and hidden columns, the cells
(:func:`workbook_templates.writing.xmlsheet.sheet_data`), conditional formats,
list validations, margins and page setup (orientation, fit to width, one
page), then the relationships to the sheet's drawing and tables.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...spec.layout import CondFormat, SheetLayout
from ...spec.styles import AMBER, GREEN, RED
from ..ooxml import DECLARATION, NS_MAIN, NS_REL, cell_ref, column_letter, column_number, escape, parse_cell, \
    quote_attr, strip_dollars
from ..xmlsheet import StyleId, sheet_data, sheet_extent
from .styles import Dxfs, argb

__all__ = ["worksheet_xml", "cond_format_xml"]

_MARGINS = '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'


def _pane(freeze: str) -> str:
    """The ``<pane>`` and ``<selection>`` of panes frozen above and left of `freeze` (``C5``)."""
    row, col = parse_cell(freeze)
    x, y = col - 1, row - 1
    if not x and not y:
        return ""
    active = "bottomRight" if x and y else ("bottomLeft" if y else "topRight")
    split = (f' xSplit="{x}"' if x else "") + (f' ySplit="{y}"' if y else "")
    top_left = cell_ref(row, col)
    return (f'<pane{split} topLeftCell="{top_left}" activePane="{active}" state="frozen"/>'
            f'<selection pane="{active}" activeCell="{top_left}" sqref="{top_left}"/>')


def _cols(sheet: SheetLayout) -> str:
    widths = {(c if isinstance(c, int) else column_number(c)): w for c, w in sheet.widths.items()}
    out = []
    for c in sorted(set(widths) | set(sheet.hidden_columns)):
        attrs = f'min="{c}" max="{c}"'
        if c in widths:
            attrs += f' width="{widths[c]:g}" customWidth="1"'
        else:
            attrs += ' width="9.140625"'
        if c in sheet.hidden_columns:
            attrs += ' hidden="1"'
        out.append(f"<col {attrs}/>")
    return f"<cols>{''.join(out)}</cols>" if out else ""


def _criterion(value) -> str:
    """A cell-value criterion as an Excel formula constant (text quoted, quotes doubled)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return '"' + str(value).replace('"', '""') + '"'


def cond_format_xml(rules: list[CondFormat], dxfs: Dxfs) -> str:
    """The ``<conditionalFormatting>`` elements of a sheet's rules (one per range, in order of first use).

    Examples
    --------
    >>> print(cond_format_xml([CondFormat("A2:A9", value="Red", color="F8696B")], Dxfs()))
    ... # doctest: +NORMALIZE_WHITESPACE
    <conditionalFormatting sqref="A2:A9"><cfRule type="cellIs" dxfId="0" priority="1"
    operator="equal"><formula>"Red"</formula></cfRule></conditionalFormatting>
    """
    by_ref: dict[str, list[str]] = {}
    for priority, cf in enumerate(rules, start=1):
        if cf.formula is not None:
            dxf = dxfs.add(fill=cf.color, font=cf.font)
            rule = (f'<cfRule type="expression" dxfId="{dxf}" priority="{priority}">'
                    f"<formula>{escape(cf.formula)}</formula></cfRule>")
        elif cf.value is None:
            rule = (f'<cfRule type="colorScale" priority="{priority}"><colorScale><cfvo type="min"/>'
                    f'<cfvo type="percentile" val="50"/><cfvo type="max"/><color rgb="{argb(RED)}"/>'
                    f'<color rgb="{argb(AMBER)}"/><color rgb="{argb(GREEN)}"/></colorScale></cfRule>')
        else:
            dxf = dxfs.add(fill=cf.color)
            rule = (f'<cfRule type="cellIs" dxfId="{dxf}" priority="{priority}" operator="equal">'
                    f"<formula>{escape(_criterion(cf.value))}</formula></cfRule>")
        by_ref.setdefault(strip_dollars(cf.ref), []).append(rule)
    return "".join(f"<conditionalFormatting sqref={quote_attr(ref)}>{''.join(rules)}</conditionalFormatting>"
                   for ref, rules in by_ref.items())


def _validations(sheet: SheetLayout) -> str:
    if not sheet.validations:
        return ""
    out = []
    for v in sheet.validations:
        prompt = f' showInputMessage="1" prompt={quote_attr(v.prompt)}' if v.prompt else ""
        out.append(f'<dataValidation type="list" allowBlank="0" showErrorMessage="0"{prompt} '
                   f'sqref={quote_attr(strip_dollars(v.ref))}><formula1>{escape(v.source.lstrip("="))}</formula1>'
                   "</dataValidation>")
    return f'<dataValidations count="{len(out)}">{"".join(out)}</dataValidations>'


def worksheet_xml(sheet: SheetLayout, style_id: StyleId, dxfs: Dxfs, *, selected: bool = False,
                  drawing: str | None = None, tables: tuple = ()) -> Iterator[bytes]:
    """The worksheet part of `sheet`, in pieces (the cells are streamed).

    Parameters
    ----------
    sheet : SheetLayout
    style_id : callable
        ``style_id(style_key, quote_prefix) -> int`` (:meth:`StyleSheet.xf`).
    dxfs : Dxfs
        The workbook's differential formats; conditional formats add theirs.
    selected : bool
        The sheet's tab is the selected one.
    drawing : str, optional
        Relationship id of the sheet's drawing (its charts).
    tables : tuple of str
        Relationship ids of the sheet's tables.

    Yields
    ------
    bytes
        UTF-8 XML.
    """
    props = f'<tabColor rgb="{argb(sheet.tab_color)}"/>' if sheet.tab_color else ""
    rows, cols = sheet_extent(sheet)
    extent = f"A1:{column_letter(cols)}{rows}" if rows and cols else "A1"
    tab = ' tabSelected="1"' if selected else ""
    view = f'<sheetView{tab} workbookViewId="0">'
    head = (DECLARATION + f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
            f'<sheetPr>{props}<pageSetUpPr fitToPage="1"/></sheetPr><dimension ref="{extent}"/>'
            f"<sheetViews>{view}{_pane(sheet.freeze) if sheet.freeze else ''}</sheetView></sheetViews>"
            f'<sheetFormatPr defaultRowHeight="15"/>{_cols(sheet)}<sheetData>')
    yield head.encode("utf-8")
    for piece in sheet_data(sheet, style_id):
        yield piece.encode("utf-8")
    tail = ["</sheetData>", cond_format_xml(sheet.cond_formats, dxfs), _validations(sheet), _MARGINS,
            f'<pageSetup orientation="{"landscape" if sheet.landscape else "portrait"}" fitToWidth="1" '
            f'fitToHeight="{1 if sheet.one_page else 0}"/>']
    if drawing:
        tail.append(f'<drawing r:id="{drawing}"/>')
    if tables:
        tail.append(f'<tableParts count="{len(tables)}">'
                    + "".join(f'<tablePart r:id="{rid}"/>' for rid in tables) + "</tableParts>")
    tail.append("</worksheet>")
    yield "".join(tail).encode("utf-8")
