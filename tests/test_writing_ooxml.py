"""workbook_templates.writing.ooxml: escaping and A1 references, checked against independent implementations.

Column letters against openpyxl's ``get_column_letter`` (its own implementation);
escaping by parsing the text back with the standard library's XML parser.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

from workbook_templates.writing import ooxml

# characters XML 1.0 can carry (control characters are escaped by values.xstring before they get here)
XML_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff"
                          + "".join(map(chr, range(32)))) | st.sampled_from("\t\n")


@given(st.integers(1, 16384))
def test_column_letters_are_openpyxls_and_round_trip(col):
    assert ooxml.column_letter(col) == get_column_letter(col)
    assert ooxml.column_number(ooxml.column_letter(col)) == col


@pytest.mark.parametrize("col", [0, 16385, -1])
def test_columns_outside_excel_are_refused(col):
    with pytest.raises(ValueError, match="outside Excel's columns"):
        ooxml.column_letter(col)


def test_cell_and_range_references_by_hand():
    assert ooxml.cell_ref(5, 27) == "AA5"
    assert ooxml.parse_cell("$XFD$1048576") == (1048576, 16384)
    assert ooxml.parse_range("D9:B3") == (3, 2, 9, 4)
    with pytest.raises(ValueError):
        ooxml.parse_cell("B")


@given(st.text(XML_CHARS, max_size=40))
def test_escaped_text_and_attributes_parse_back_to_the_same_text(text):
    assert (ET.fromstring(f"<a>{ooxml.escape(text)}</a>").text or "") == text
    assert ET.fromstring(f"<a b={ooxml.quote_attr(text)}/>").get("b") == text

