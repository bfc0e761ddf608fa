"""Chart and drawing parts (workbook_templates.writing.parts.chart / .drawing) against DrawingML written by hand.

The expected parts follow ECMA-376 Part 1 §21.2 (charts) and §20.5 (spreadsheet
drawings): a stacked column waterfall whose base series is invisible, a line chart
with coloured series spanning gaps, a horizontal bar chart (axes swapped), a pie
with percentage labels; anchors in cells and sizes in EMU (360 000 per cm).
"""

from __future__ import annotations

import pytest

from workbook_templates.spec.layout import Chart, Series
from workbook_templates.writing.parts.chart import chart_xml
from workbook_templates.writing.parts.drawing import drawing_xml

from _xml import CHART, DRAWING, REL, XDR, child, same_xml

HEAD = f'<c:chartSpace xmlns:c="{CHART}" xmlns:a="{DRAWING}" xmlns:r="{REL}"><c:roundedCorners val="0"/><c:chart>'


def _title(text):
    return (f"<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr/></a:pPr><a:r><a:t>{text}</a:t>"
            '</a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/>')


def _axes(cat="b", val="l", fmt=""):
    return (f'<c:catAx><c:axId val="10"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
            f'<c:axPos val="{cat}"/><c:majorTickMark val="none"/><c:minorTickMark val="none"/>'
            '<c:tickLblPos val="low"/><c:crossAx val="100"/><c:crosses val="autoZero"/><c:lblAlgn val="ctr"/>'
            '<c:lblOffset val="100"/></c:catAx>'
            f'<c:valAx><c:axId val="100"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
            f'<c:axPos val="{val}"/><c:majorGridlines/>{fmt}<c:majorTickMark val="none"/><c:minorTickMark val="none"/>'
            '<c:tickLblPos val="nextTo"/><c:crossAx val="10"/><c:crosses val="autoZero"/>'
            '<c:crossBetween val="between"/></c:valAx>')


def test_waterfall_stacked_columns_with_an_invisible_base_and_no_legend():
    chart = Chart("stacked", "MRR bridge", "J2", "'calc_charts'!$H$2:$H$8",
                  [Series("'calc_charts'!$I$2:$I$8", "base", "none"),
                   Series("'calc_charts'!$J$2:$J$8", "total", "1F4E79")],
                  y_format="#,##0", legend=False)
    fill = '<a:solidFill><a:srgbClr val="1F4E79"/></a:solidFill>'
    expected = (HEAD + _title("MRR bridge") + '<c:plotArea><c:layout/><c:barChart><c:barDir val="col"/>'
                '<c:grouping val="stacked"/><c:varyColors val="0"/>'
                '<c:ser><c:idx val="0"/><c:order val="0"/><c:tx><c:v>base</c:v></c:tx>'
                '<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>'
                "<c:cat><c:numRef><c:f>'calc_charts'!$H$2:$H$8</c:f></c:numRef></c:cat>"
                "<c:val><c:numRef><c:f>'calc_charts'!$I$2:$I$8</c:f></c:numRef></c:val></c:ser>"
                f'<c:ser><c:idx val="1"/><c:order val="1"/><c:tx><c:v>total</c:v></c:tx>'
                f"<c:spPr>{fill}<a:ln>{fill}</a:ln></c:spPr>"
                "<c:cat><c:numRef><c:f>'calc_charts'!$H$2:$H$8</c:f></c:numRef></c:cat>"
                "<c:val><c:numRef><c:f>'calc_charts'!$J$2:$J$8</c:f></c:numRef></c:val></c:ser>"
                '<c:gapWidth val="150"/><c:overlap val="100"/><c:axId val="10"/><c:axId val="100"/></c:barChart>'
                + _axes(fmt='<c:numFmt formatCode="#,##0" sourceLinked="0"/>') + "</c:plotArea>"
                '<c:plotVisOnly val="0"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>')
    same_xml(chart_xml(chart), expected)


def test_line_chart_never_smooth_without_markers_spanning_gaps_with_a_legend():
    chart = Chart("line", "NRR", "Q2", "calc!$A$2:$A$25", [Series("calc!$B$2:$B$25", "This period", "1F4E79")],
                  y_format="0%", blanks="span")
    expected = (HEAD + _title("NRR") + '<c:plotArea><c:layout/><c:lineChart><c:grouping val="standard"/>'
                '<c:varyColors val="0"/><c:ser><c:idx val="0"/><c:order val="0"/><c:tx><c:v>This period</c:v></c:tx>'
                '<c:spPr><a:ln><a:solidFill><a:srgbClr val="1F4E79"/></a:solidFill></a:ln></c:spPr>'
                '<c:marker><c:symbol val="none"/></c:marker>'
                "<c:cat><c:numRef><c:f>calc!$A$2:$A$25</c:f></c:numRef></c:cat>"
                "<c:val><c:numRef><c:f>calc!$B$2:$B$25</c:f></c:numRef></c:val><c:smooth val=\"0\"/></c:ser>"
                '<c:marker val="1"/><c:axId val="10"/><c:axId val="100"/></c:lineChart>'
                + _axes(fmt='<c:numFmt formatCode="0%" sourceLinked="0"/>') + "</c:plotArea>"
                '<c:legend><c:legendPos val="r"/><c:overlay val="0"/></c:legend>'
                '<c:plotVisOnly val="0"/><c:dispBlanksAs val="span"/></c:chart></c:chartSpace>')
    same_xml(chart_xml(chart), expected)


def test_horizontal_bars_put_categories_left_and_values_below():
    xml = chart_xml(Chart("bar", "T", "A1", "S!$A$1:$A$3", [Series("S!$B$1:$B$3")], legend=False))
    assert child(xml, "c:chart/c:plotArea/c:barChart/c:barDir").get("val") == "bar"
    assert child(xml, "c:chart/c:plotArea/c:barChart/c:grouping").get("val") == "clustered"
    assert child(xml, "c:chart/c:plotArea/c:catAx/c:axPos").get("val") == "l"
    assert child(xml, "c:chart/c:plotArea/c:valAx/c:axPos").get("val") == "b"
    assert child(xml, "c:chart/c:plotArea/c:barChart/c:overlap") is None


def test_pie_shows_percentages_and_has_no_axes():
    xml = chart_xml(Chart("pie", "Mix", "A1", "S!$A$1:$A$3", [Series("S!$B$1:$B$3", "n")]))
    labels = child(xml, "c:chart/c:plotArea/c:pieChart/c:dLbls")
    assert {el.tag.split("}")[1]: el.get("val") for el in labels} == {
        "showLegendKey": "0", "showVal": "0", "showCatName": "0", "showSerName": "0", "showPercent": "1",
        "showBubbleSize": "0"}
    assert child(xml, "c:chart/c:plotArea/c:catAx") is None


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown chart kind 'area'"):
        chart_xml(Chart("area", "x", "A1", "S!A1", []))


def test_drawing_anchors_each_chart_at_its_cell_with_its_size_in_emu():
    charts = [Chart("line", "a", "E3", "S!A1:A2", []), Chart("line", "b", "AA10", "S!A1:A2", [], width=12, height=7)]
    frame = ('<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{id}" name="Chart {n}"/>'
             '<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/>'
             f'</xdr:xfrm><a:graphic><a:graphicData uri="{CHART}"><c:chart xmlns:c="{CHART}" r:id="rId{{n}}"/>'
             "</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/>")
    expected = (f'<xdr:wsDr xmlns:xdr="{XDR}" xmlns:a="{DRAWING}" xmlns:r="{REL}">'
                "<xdr:oneCellAnchor><xdr:from><xdr:col>4</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>2</xdr:row>"
                '<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="5760000" cy="2700000"/>'
                + frame.format(id=2, n=1) + "</xdr:oneCellAnchor>"
                "<xdr:oneCellAnchor><xdr:from><xdr:col>26</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>9</xdr:row>"
                '<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="4320000" cy="2520000"/>'
                + frame.format(id=3, n=2) + "</xdr:oneCellAnchor></xdr:wsDr>")
    same_xml(drawing_xml(charts), expected)
