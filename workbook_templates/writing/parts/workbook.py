"""xl/workbook.xml: the sheets in order (hidden or not), the workbook-level names, the calculation mode."""

from __future__ import annotations

from ..ooxml import DECLARATION, NS_MAIN, NS_REL, escape, quote_attr

__all__ = ["workbook_xml", "defined_name_xml"]


def defined_name_xml(name: str, target: str) -> str:
    """A ``<definedName>`` (workbook scope) referring to `target` (``'Sheet'!$B$4``, with or without ``=``).

    Examples
    --------
    >>> defined_name_xml("KPI_NRR", "='Dashboard'!$B$10")
    '<definedName name="KPI_NRR">\\'Dashboard\\'!$B$10</definedName>'
    """
    return f"<definedName name={quote_attr(name)}>{escape(target.lstrip('='))}</definedName>"


def workbook_xml(sheets: list, names: dict, active: int = 0) -> bytes:
    """The workbook part.

    Parameters
    ----------
    sheets : list of (title, hidden, relationship id)
        In tab order; sheet ids are 1, 2, ...
    names : dict
        Defined name -> reference.
    active : int
        Index of the sheet the workbook opens on.

    Examples
    --------
    >>> xml = workbook_xml([("Data", False, "rId1"), ("calc", True, "rId2")], {"X": "Data!$A$1"}).decode()
    >>> '<sheet name="calc" sheetId="2" state="hidden" r:id="rId2"/>' in xml
    True
    """
    tabs = "".join(f'<sheet name={quote_attr(title)} sheetId="{i}"{" state=" + quote_attr("hidden") if hidden else ""}'
                   f' r:id="{rid}"/>' for i, (title, hidden, rid) in enumerate(sheets, start=1))
    defined = "".join(defined_name_xml(n, target) for n, target in names.items())
    return (DECLARATION + f'<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}"><workbookPr/>'
            f'<bookViews><workbookView activeTab="{active}"/></bookViews><sheets>{tabs}</sheets>'
            + (f"<definedNames>{defined}</definedNames>" if defined else "")
            + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>').encode("utf-8")
