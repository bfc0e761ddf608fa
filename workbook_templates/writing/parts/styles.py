"""xl/styles.xml: the cell formats of the layout's style keys, and the formats of conditional formats.

A :class:`StyleSheet` turns the style keys of :mod:`workbook_templates.spec.styles`
("pct", "money", "header", ...) into cell formats (``cellXfs``) for one language
and currency, once: every workbook of a batch in that language shares it, and a
cell carries the index :meth:`StyleSheet.xf` gives (with or without Excel's
quote prefix). The formats conditional formats apply (``dxfs``: a fill, a
bold coloured font) differ from one workbook to the next; :class:`Dxfs`
collects them per workbook and :meth:`StyleSheet.xml` writes the part with them.

Layout of the part (ECMA-376 §18.8): number formats (built-in ids where Excel
has one, 164 and up otherwise), fonts (0 is the default Calibri 11), fills (0
and 1 are the two Excel reserves), one empty border, the Normal style, the cell
formats, the differential formats, the default table style.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ...spec.styles import STYLES, number_format
from ..ooxml import DECLARATION, NS_MAIN, quote_attr

__all__ = ["StyleSheet", "Dxfs", "Items", "Look", "look", "xf_xml", "builtin_format_id", "argb"]

#: number formats Excel knows by id (ECMA-376 §18.8.30): written as that id
_BUILTIN = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10, "@": 49}
_DEFAULT_FONT = ('<font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/>'
                 "</font>")
_RESERVED_FILLS = ('<fill><patternFill patternType="none"/></fill>',
                   '<fill><patternFill patternType="gray125"/></fill>')


def argb(rgb: str) -> str:
    """An ``RRGGBB`` colour as OOXML's opaque ``FFRRGGBB``.

    Examples
    --------
    >>> argb("1f4e79"), argb("FF1F4E79")
    ('FF1F4E79', 'FF1F4E79')
    """
    rgb = rgb.lstrip("#").upper()
    return rgb if len(rgb) == 8 else "FF" + rgb


def _font_xml(font: dict) -> str:
    """A ``<font>`` from a style's font settings (bold, italic, underline, size, color)."""
    out = ["<font>"]
    if font.get("bold"):
        out.append("<b/>")
    if font.get("italic"):
        out.append("<i/>")
    if font.get("underline"):
        out.append("<u/>" if font["underline"] == "single" else f'<u val={quote_attr(font["underline"])}/>')
    out.append(f'<sz val="{font.get("size", 11):g}"/>')
    out.append(f'<color rgb="{argb(font["color"])}"/>' if font.get("color") else '<color theme="1"/>')
    out.append('<name val="Calibri"/><family val="2"/><scheme val="minor"/></font>')
    return "".join(out)


def _fill_xml(rgb: str) -> str:
    colour = argb(rgb)
    return (f'<fill><patternFill patternType="solid"><fgColor rgb="{colour}"/><bgColor rgb="{colour}"/>'
            "</patternFill></fill>")


class Items:
    """XML items by index, each written once (an identical item gets the same index).

    Examples
    --------
    >>> items = Items(['<a/>'], start=5)
    >>> items.add('<b/>'), items.add('<a/>'), items.items
    (6, 5, ['<a/>', '<b/>'])
    """

    def __init__(self, first=(), start: int = 0) -> None:
        self.items: list[str] = list(first)
        self.start = start
        self.ids = {item: start + i for i, item in enumerate(self.items)}

    def add(self, item: str) -> int:
        found = self.ids.get(item)
        if found is None:
            found = self.ids[item] = self.start + len(self.items)
            self.items.append(item)
        return found


@dataclass(frozen=True)
class Look:
    """What a style key looks like: number format code, ``<font>``, ``<fill>`` and ``<alignment>`` XML."""

    number_format: str | None
    font: str | None
    fill: str | None
    alignment: str


def look(key: str | None, lang: str, currency: str) -> Look:
    """The look of a style key in a language and currency (from :mod:`workbook_templates.spec.styles`).

    Examples
    --------
    >>> look("header", "en", "").alignment
    '<alignment vertical="top" wrapText="1"/>'
    """
    spec = STYLES.get(key or "", {})
    align = ""
    if spec.get("wrap") or spec.get("align"):
        align = "<alignment"
        if spec.get("align"):
            align += f' horizontal={quote_attr(spec["align"])}'
        if spec.get("wrap"):
            align += ' vertical="top" wrapText="1"'
        align += "/>"
    return Look(number_format(key, lang, currency), _font_xml(spec["font"]) if "font" in spec else None,
                _fill_xml(spec["fill"]) if "fill" in spec else None, align)


def xf_xml(fmt: int, font: int, fill: int, alignment: str, quote: bool) -> str:
    """A cell format (``<xf>``) from the indexes of its parts.

    Examples
    --------
    >>> xf_xml(164, 0, 0, "", True)
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/>'
    """
    attrs = f'numFmtId="{fmt}" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"'
    if fmt:
        attrs += ' applyNumberFormat="1"'
    if font:
        attrs += ' applyFont="1"'
    if fill:
        attrs += ' applyFill="1"'
    if alignment:
        attrs += ' applyAlignment="1"'
    if quote:
        attrs += ' quotePrefix="1"'
    return f"<xf {attrs}>{alignment}</xf>" if alignment else f"<xf {attrs}/>"


def builtin_format_id(code: str | None) -> int | None:
    """Excel's id of a built-in number format (0 for none), or None when the format needs its own id."""
    return 0 if not code else _BUILTIN.get(code)


class Dxfs:
    """The differential formats of one workbook's conditional formats, by index.

    Examples
    --------
    >>> d = Dxfs()
    >>> d.add(fill="F8696B"), d.add(font="C00000"), d.add(fill="F8696B")
    (0, 1, 0)
    """

    def __init__(self, existing=()) -> None:
        self._items = Items(existing)  # the ``<dxf>`` elements a workbook already has (Refresh appends to them)

    def add(self, fill: str | None = None, font: str | None = None) -> int:
        """The index of the format: a solid `fill` and/or a bold `font` colour."""
        body = f'<font><b/><color rgb="{argb(font)}"/></font>' if font else ""
        if fill:
            body += _fill_xml(fill)
        return self._items.add(f"<dxf>{body}</dxf>")

    @property
    def items(self) -> list[str]:
        """The ``<dxf>`` elements, in index order (those it started with first)."""
        return self._items.items


class StyleSheet:
    """The cell formats of every style key, for one language and currency.

    Parameters
    ----------
    lang : str
        ``"en"`` or ``"fr"`` (month formats carry the language's locale).
    currency : str
        Shown with money amounts ("" for none).

    Examples
    --------
    >>> sheet = StyleSheet("en")
    >>> sheet.xf(None), sheet.xf("pct") == sheet.xf("pct"), sheet.xf("pct", True) != sheet.xf("pct")
    (0, True, True)
    >>> b"0.0%" in sheet.xml()
    True
    """

    def __init__(self, lang: str = "en", currency: str = "") -> None:
        self.lang, self.currency = lang, currency
        self._fonts = Items([_DEFAULT_FONT])
        self._fills = Items(_RESERVED_FILLS)
        self._formats = Items(start=164)
        self._xfs = Items(['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'])
        self._ids: dict = {(None, False): 0}
        self._head: tuple[int, bytes] | None = None
        self._lock = threading.Lock()  # a Dask worker may build in several threads
        for key in STYLES:  # the usual keys first, so that their indexes do not depend on use
            self.xf(key)

    def xf(self, key: str | None, quote: bool = False) -> int:
        """The ``cellXfs`` index of a style key (``None``: no style), with Excel's quote prefix or not.

        A key that :mod:`workbook_templates.spec.styles` does not know is the plain format.
        """
        found = self._ids.get((key, quote))
        if found is not None:
            return found
        with self._lock:
            item = look(key, self.lang, self.currency)
            fmt = builtin_format_id(item.number_format)
            if fmt is None:
                fmt = self._formats.add(item.number_format)
            font = self._fonts.add(item.font) if item.font else 0
            fill = self._fills.add(item.fill) if item.fill else 0
            found = self._ids[(key, quote)] = self._xfs.add(xf_xml(fmt, font, fill, item.alignment, quote))
        return found

    def _head_xml(self) -> bytes:
        """Everything before the dxfs (cached until a new cell format is added)."""
        with self._lock:
            return self._head_locked()

    def _head_locked(self) -> bytes:
        if self._head is None or self._head[0] != len(self._xfs.items):
            formats = "".join(f'<numFmt numFmtId="{i}" formatCode={quote_attr(code)}/>'
                              for i, code in enumerate(self._formats.items, start=164))
            parts = [DECLARATION, f'<styleSheet xmlns="{NS_MAIN}">']
            if formats:
                parts.append(f'<numFmts count="{len(self._formats.items)}">{formats}</numFmts>')
            parts += [f'<fonts count="{len(self._fonts.items)}">', *self._fonts.items, "</fonts>",
                      f'<fills count="{len(self._fills.items)}">', *self._fills.items, "</fills>",
                      '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>',
                      '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>',
                      f'<cellXfs count="{len(self._xfs.items)}">', *self._xfs.items, "</cellXfs>",
                      '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>']
            self._head = (len(self._xfs.items), "".join(parts).encode("utf-8"))
        return self._head[1]

    def xml(self, dxfs: Dxfs | None = None) -> bytes:
        """The styles part, with the differential formats of one workbook."""
        items = dxfs.items if dxfs is not None else []
        tail = (f'<dxfs count="{len(items)}">' + "".join(items) + "</dxfs>" if items else '<dxfs count="0"/>')
        tail += '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
        return self._head_xml() + (tail + "</styleSheet>").encode("utf-8")
