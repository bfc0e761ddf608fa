"""xl/theme/theme1.xml: the Office theme (2007 colours, Calibri body text, Cambria headings).

Fonts of the style sheet refer to the theme's text colour (``<color theme="1"/>``)
and its minor font; series without a colour of their own take the theme's
accents. The part is the same in every workbook, so it is a constant.
"""

from __future__ import annotations

from ..ooxml import DECLARATION, NS_DRAWING

__all__ = ["THEME_XML"]

_COLOURS = (("dk1", '<a:sysClr val="windowText" lastClr="000000"/>'),
            ("lt1", '<a:sysClr val="window" lastClr="FFFFFF"/>'),
            ("dk2", '<a:srgbClr val="1F497D"/>'), ("lt2", '<a:srgbClr val="EEECE1"/>'),
            ("accent1", '<a:srgbClr val="4F81BD"/>'), ("accent2", '<a:srgbClr val="C0504D"/>'),
            ("accent3", '<a:srgbClr val="9BBB59"/>'), ("accent4", '<a:srgbClr val="8064A2"/>'),
            ("accent5", '<a:srgbClr val="4BACC6"/>'), ("accent6", '<a:srgbClr val="F79646"/>'),
            ("hlink", '<a:srgbClr val="0000FF"/>'), ("folHlink", '<a:srgbClr val="800080"/>'))
_FILL = '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>'
_LINE = '<a:ln w="{w}" cap="flat" cmpd="sng" algn="ctr">' + _FILL + '<a:prstDash val="solid"/></a:ln>'


def _font(kind: str, typeface: str) -> str:
    return f'<a:{kind}><a:latin typeface="{typeface}"/><a:ea typeface=""/><a:cs typeface=""/></a:{kind}>'


#: the whole part, as bytes
THEME_XML = (
    DECLARATION + f'<a:theme xmlns:a="{NS_DRAWING}" name="Office Theme"><a:themeElements>'
    '<a:clrScheme name="Office">' + "".join(f"<a:{k}>{v}</a:{k}>" for k, v in _COLOURS) + "</a:clrScheme>"
    '<a:fontScheme name="Office">' + _font("majorFont", "Cambria") + _font("minorFont", "Calibri")
    + "</a:fontScheme>"
    '<a:fmtScheme name="Office"><a:fillStyleLst>' + _FILL * 3 + "</a:fillStyleLst>"
    "<a:lnStyleLst>" + "".join(_LINE.format(w=w) for w in (9525, 25400, 38100)) + "</a:lnStyleLst>"
    "<a:effectStyleLst>" + "<a:effectStyle><a:effectLst/></a:effectStyle>" * 3 + "</a:effectStyleLst>"
    "<a:bgFillStyleLst>" + _FILL * 3 + "</a:bgFillStyleLst></a:fmtScheme>"
    "</a:themeElements><a:objectDefaults/><a:extraClrSchemeLst/></a:theme>"
).encode("utf-8")
