"""xl/drawings/drawingN.xml: where a sheet's charts stand (one anchor per chart).

Each chart is anchored at its top-left cell with its size in centimetres
(a ``oneCellAnchor``: it keeps its size when columns are resized), and
points to its chart part through the drawing's relationships ``rId1``, ``rId2``...
in the order of the sheet's charts.
"""

from __future__ import annotations

from ..ooxml import DECLARATION, NS_CHART, NS_DRAWING, NS_REL, NS_XDR, parse_cell, quote_attr

__all__ = ["drawing_xml", "EMU_PER_CM"]

EMU_PER_CM = 360_000  # English Metric Units: 914 400 per inch


def drawing_xml(charts: list) -> bytes:
    """The drawing part of a sheet's charts (:class:`~workbook_templates.spec.layout.Chart`).

    Examples
    --------
    >>> from workbook_templates.spec.layout import Chart
    >>> xml = drawing_xml([Chart("line", "MRR", "E3", "A2:A9", [], width=16, height=7.5)]).decode()
    >>> '<xdr:col>4</xdr:col>' in xml and '<xdr:ext cx="5760000" cy="2700000"/>' in xml
    True
    """
    anchors = []
    for i, chart in enumerate(charts, start=1):
        row, col = parse_cell(chart.anchor)
        cx, cy = round(chart.width * EMU_PER_CM), round(chart.height * EMU_PER_CM)
        anchors.append(
            f"<xdr:oneCellAnchor><xdr:from><xdr:col>{col - 1}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>{row - 1}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
            f'<xdr:ext cx="{cx}" cy="{cy}"/><xdr:graphicFrame macro="">'
            f'<xdr:nvGraphicFramePr><xdr:cNvPr id="{i + 1}" name={quote_attr(f"Chart {i}")}/>'
            "<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>"
            '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
            f'<a:graphic><a:graphicData uri="{NS_CHART}"><c:chart xmlns:c="{NS_CHART}" r:id="rId{i}"/>'
            "</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:oneCellAnchor>")
    return (DECLARATION + f'<xdr:wsDr xmlns:xdr="{NS_XDR}" xmlns:a="{NS_DRAWING}" xmlns:r="{NS_REL}">'
            + "".join(anchors) + "</xdr:wsDr>").encode("utf-8")
