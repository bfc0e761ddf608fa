"""xl/charts/chartN.xml: a layout chart (column, stacked column, bar, line or pie) as DrawingML.

What a :class:`~workbook_templates.spec.layout.Chart` says, and how it is written:

- ``kind``: ``column`` and ``bar`` are clustered ``barChart``\\s (vertical,
  horizontal); ``stacked`` is a stacked column chart (overlap 100); ``line``
  a ``lineChart`` without markers and never smoothed; ``pie`` a ``pieChart``
  with percentage labels;
- series colours (``solidFill`` on the bars and on the line), or ``"none"``:
  an invisible series (no fill, no line: the floating base of a waterfall);
- the title, the legend on the right or none, the value axis' number format;
- both axes shown (``delete`` 0), category labels ``low`` (below the plot even
  where values are negative);
- ``dispBlanksAs`` gap or span (a line goes across #N/A months), and
  ``plotVisOnly`` 0: data in hidden helper columns is plotted.

The size of the chart is its drawing anchor's (:mod:`.drawing`).
"""

from __future__ import annotations

from ...spec.layout import Chart
from ..ooxml import DECLARATION, NS_CHART, NS_DRAWING, NS_REL, escape, quote_attr

__all__ = ["chart_xml", "KINDS"]

#: chart kinds of the layout
KINDS = ("column", "stacked", "bar", "line", "pie")
_HEAD = (DECLARATION + f'<c:chartSpace xmlns:c="{NS_CHART}" xmlns:a="{NS_DRAWING}" xmlns:r="{NS_REL}">'
         '<c:roundedCorners val="0"/><c:chart>')
_CAT_AX, _VAL_AX = 10, 100  # axis ids (any two distinct numbers)
_OVERLAP = '<c:overlap val="100"/>'


def _rich(text: str) -> str:
    return (f"<c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr/></a:pPr><a:r><a:t>{escape(text)}"
            "</a:t></a:r></a:p></c:rich></c:tx>")


def _shape(color: str | None, kind: str) -> str:
    """``<c:spPr>`` of a series: its colour, or nothing at all for ``"none"``."""
    if color == "none":
        return "<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>"
    if not color:
        return ""
    fill = f'<a:solidFill><a:srgbClr val="{color.lstrip("#").upper()[-6:]}"/></a:solidFill>'
    return f"<c:spPr>{fill}<a:ln>{fill}</a:ln></c:spPr>" if kind != "line" else f"<c:spPr><a:ln>{fill}</a:ln></c:spPr>"


def _series(chart: Chart) -> str:
    out = []
    for i, s in enumerate(chart.series):
        parts = [f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>']
        if s.title is not None:
            parts.append(f"<c:tx><c:v>{escape(str(s.title))}</c:v></c:tx>")
        parts.append(_shape(s.color, chart.kind))
        if chart.kind == "line":
            parts.append('<c:marker><c:symbol val="none"/></c:marker>')
        if chart.categories:
            parts.append(f"<c:cat><c:numRef><c:f>{escape(chart.categories.lstrip('='))}</c:f></c:numRef></c:cat>")
        parts.append(f"<c:val><c:numRef><c:f>{escape(s.values.lstrip('='))}</c:f></c:numRef></c:val>")
        if chart.kind == "line":
            parts.append('<c:smooth val="0"/>')
        parts.append("</c:ser>")
        out.append("".join(parts))
    return "".join(out)


def _axes(chart: Chart) -> str:
    horizontal = chart.kind == "bar"
    cat_pos, val_pos = ("l", "b") if horizontal else ("b", "l")
    fmt = f"<c:numFmt formatCode={quote_attr(chart.y_format)} sourceLinked=\"0\"/>" if chart.y_format else ""
    return (f'<c:catAx><c:axId val="{_CAT_AX}"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
            f'<c:delete val="0"/><c:axPos val="{cat_pos}"/><c:majorTickMark val="none"/>'
            f'<c:minorTickMark val="none"/><c:tickLblPos val="low"/><c:crossAx val="{_VAL_AX}"/>'
            '<c:crosses val="autoZero"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/></c:catAx>'
            f'<c:valAx><c:axId val="{_VAL_AX}"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
            f'<c:delete val="0"/><c:axPos val="{val_pos}"/><c:majorGridlines/>{fmt}<c:majorTickMark val="none"/>'
            f'<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="{_CAT_AX}"/>'
            '<c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>')


def _plot(chart: Chart) -> str:
    axes = f'<c:axId val="{_CAT_AX}"/><c:axId val="{_VAL_AX}"/>'
    if chart.kind == "pie":
        labels = ('<c:dLbls><c:showLegendKey val="0"/><c:showVal val="0"/><c:showCatName val="0"/>'
                  '<c:showSerName val="0"/><c:showPercent val="1"/><c:showBubbleSize val="0"/></c:dLbls>')
        return f'<c:pieChart><c:varyColors val="1"/>{_series(chart)}{labels}<c:firstSliceAng val="0"/></c:pieChart>'
    if chart.kind == "line":
        return (f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{_series(chart)}'
                f'<c:marker val="1"/>{axes}</c:lineChart>' + _axes(chart))
    stacked = chart.kind == "stacked"
    return (f'<c:barChart><c:barDir val="{"bar" if chart.kind == "bar" else "col"}"/>'
            f'<c:grouping val="{"stacked" if stacked else "clustered"}"/><c:varyColors val="0"/>{_series(chart)}'
            f'<c:gapWidth val="150"/>{_OVERLAP if stacked else ""}'
            f"{axes}</c:barChart>" + _axes(chart))


def chart_xml(chart: Chart) -> bytes:
    """The chart part of a layout chart.

    Raises
    ------
    ValueError
        For a kind the layout does not define.

    Examples
    --------
    >>> from workbook_templates.spec.layout import Series
    >>> xml = chart_xml(Chart("stacked", "Bridge", "J2", "calc!$H$2:$H$8", [Series("calc!$I$2:$I$8", "base", "none")],
    ...                       legend=False, blanks="span")).decode()
    >>> '<c:grouping val="stacked"/>' in xml and '<c:legend>' not in xml and '<c:dispBlanksAs val="span"/>' in xml
    True
    """
    if chart.kind not in KINDS:
        raise ValueError(f"unknown chart kind {chart.kind!r}; expected one of {', '.join(KINDS)}")
    title = f'<c:title>{_rich(chart.title)}<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/>' \
        if chart.title else '<c:autoTitleDeleted val="1"/>'
    legend = '<c:legend><c:legendPos val="r"/><c:overlay val="0"/></c:legend>' if chart.legend else ""
    return (_HEAD + f"{title}<c:plotArea><c:layout/>{_plot(chart)}</c:plotArea>{legend}"
            f'<c:plotVisOnly val="0"/><c:dispBlanksAs val="{chart.blanks}"/></c:chart></c:chartSpace>').encode("utf-8")
