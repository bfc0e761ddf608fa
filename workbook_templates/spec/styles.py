"""Cell styles of generated workbooks, by key (number formats, fonts, fills).

Number formats are stored in Excel's file syntax, which Excel and LibreOffice
display with the reader's decimal and thousands separators; month formats
carry a locale tag so that French workbooks show French month names.
"""

from __future__ import annotations

__all__ = ["STYLES", "number_format", "plain", "RED", "AMBER", "GREEN", "BRAND"]

BRAND = "1F4E79"
RED, AMBER, GREEN = "F8696B", "FFD966", "63BE7B"

_FORMATS = {
    "pct": "0.0%", "kpi_pct": "0.0%",
    "money": "#,##0.00", "kpi_money": "#,##0",
    "int": "#,##0", "kpi_int": "+#,##0;-#,##0;0",
    "ratio": "0.00", "kpi_ratio": "0.00",
    "points": "+0.0;-0.0;0.0", "kpi_points": "+0.0;-0.0;0.0",
    "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm",
    "month": "{lcid}mmm yyyy", "input_month": "{lcid}mmmm yyyy", "month_right": "{lcid}mmm yyyy",
    "month_left": "{lcid}mmm yyyy", "month_to": '{lcid}"{to} "mmm yyyy',
    "number": "General", "pp": '+0.0" pp";-0.0" pp";0.0" pp"', "kpi_pp": '+0.0" pp";-0.0" pp";0.0" pp"',
    "change_money": "+#,##0;-#,##0;0", "change_ratio": "+0.00;-0.00;0.00",
}
#: each headline style's number format in the body font (a previous period, a target beside the headline)
_FORMATS.update({f"plain_{k[4:]}": v for k, v in _FORMATS.items() if k.startswith("kpi_")})
_MONEY = {"money", "kpi_money", "plain_money", "change_money"}
_LCID = {"en": "[$-409]", "fr": "[$-40C]"}
_TO = {"en": "to", "fr": "à"}  # "May 2026 to Oct 2026" where the period end stands alone (the labels' "to")

#: style key -> font / fill / alignment settings (see :mod:`workbook_templates.writing.xlsx`).
STYLES = {
    "title": {"font": {"bold": True, "size": 16, "color": BRAND}},
    "subtitle": {"font": {"italic": True, "color": "595959"}},
    "header": {"font": {"bold": True, "color": "FFFFFF"}, "fill": BRAND, "wrap": True},
    "label": {"font": {"bold": True}},
    "note": {"font": {"italic": True, "size": 9, "color": "595959"}, "wrap": True},
    "text": {"wrap": True},
    "input_month": {"fill": "FFF2CC", "font": {"bold": True}},
    "input": {"fill": "FFF2CC"},
    "warning": {"font": {"bold": True, "color": "C00000"}, "wrap": True},
    "link": {"font": {"color": "0563C1", "underline": "single"}},
    "marker": {"font": {"bold": True, "size": 14}, "align": "center"},
    "center": {"align": "center"},
    "month_right": {"align": "right"}, "month_left": {"align": "left"},
    **{k: {"align": "right"} for k in _FORMATS if not k.startswith("kpi_") and k not in ("month", "input_month")},
    **{k: {"font": {"bold": True, "size": 13, "color": BRAND}, "align": "right"} for k in _FORMATS
       if k.startswith("kpi_")},
}


def plain(key: str) -> str:
    """The style of a headline KPI style (``kpi_*``) in the body font: the same number format.

    Other styles are returned as they are.

    Examples
    --------
    >>> plain("kpi_money"), number_format(plain("kpi_money")), plain("pct")
    ('plain_money', '#,##0', 'pct')
    """
    return f"plain_{key[4:]}" if key.startswith("kpi_") else key


def number_format(key: str | None, lang: str = "en", currency: str = "") -> str | None:
    """The Excel number format of a style key (None for text and general styles).

    Money formats carry `currency` when one is set: before the amount in
    English (``"$"#,##0``), after it in French (``#,##0 "€"``).

    Examples
    --------
    >>> print(number_format("money", "fr", "€"))
    #,##0.00\\ "€";-#,##0.00\\ "€"
    >>> number_format("pct")
    '0.0%'
    """
    fmt = _FORMATS.get(key or "")
    if not fmt:
        return None
    fmt = fmt.format(lcid=_LCID.get(lang, ""), to=_TO.get(lang, "to"))
    if currency and key in _MONEY:
        symbol = currency.replace('"', "")
        parts = fmt.split(";")
        if lang == "fr":
            parts = [f'{p}\\ "{symbol}"' if p not in ("0",) else p for p in parts]
        else:
            parts = [(p[0] + f'"{symbol}"' + p[1:] if p[:1] in "+-" else f'"{symbol}"{p}') for p in parts]
        if len(parts) == 1:
            neg = parts[0].replace('"' + symbol + '"', '-"' + symbol + '"', 1) if lang != "fr" else "-" + parts[0]
            parts.append(neg)
        fmt = ";".join(parts)
    return fmt
