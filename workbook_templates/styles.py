"""Cell styles of generated workbooks, by key (number formats, fonts, fills).

Number formats are stored in Excel's file syntax, which Excel and LibreOffice
display with the reader's decimal and thousands separators; month formats
carry a locale tag so that French workbooks show French month names.
"""

from __future__ import annotations

__all__ = ["STYLES", "number_format", "RED", "AMBER", "GREEN", "BRAND"]

BRAND = "1F4E79"
RED, AMBER, GREEN = "F8696B", "FFD966", "63BE7B"

_FORMATS = {
    "pct": "0.0%", "kpi_pct": "0.0%",
    "money": "#,##0.00", "kpi_money": "#,##0",
    "int": "#,##0", "kpi_int": "+#,##0;-#,##0;0",
    "ratio": "0.00", "kpi_ratio": "0.00",
    "points": "+0.0;-0.0;0.0", "kpi_points": "+0.0;-0.0;0.0",
    "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm",
    "month": "{lcid}mmm yyyy", "input_month": "{lcid}mmmm yyyy",
}
_LCID = {"en": "[$-409]", "fr": "[$-40C]"}

#: style key -> font / fill / alignment settings (see :mod:`workbook_templates.xlsx`).
STYLES = {
    "title": {"font": {"bold": True, "size": 16, "color": BRAND}},
    "subtitle": {"font": {"italic": True, "color": "595959"}},
    "header": {"font": {"bold": True, "color": "FFFFFF"}, "fill": BRAND, "wrap": True},
    "label": {"font": {"bold": True}},
    "note": {"font": {"italic": True, "size": 9, "color": "595959"}, "wrap": True},
    "text": {"wrap": True},
    "input_month": {"fill": "FFF2CC", "font": {"bold": True}},
    "input": {"fill": "FFF2CC"},
    **{k: {"font": {"bold": True, "size": 14, "color": BRAND}} for k in _FORMATS if k.startswith("kpi_")},
}


def number_format(key: str | None, lang: str = "en") -> str | None:
    """The Excel number format of a style key (None for text and general styles)."""
    fmt = _FORMATS.get(key or "")
    return fmt.format(lcid=_LCID.get(lang, "")) if fmt else None
