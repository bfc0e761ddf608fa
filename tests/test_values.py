"""How a value becomes a cell (workbook_templates.writing.values): the rules every writer shares.

Expected values are worked out independently: Excel serial numbers against openpyxl's own
``to_excel``, the OOXML escape against a decoder written here from the ECMA-376 rule
(``_xHHHH_`` is the character U+HHHH), risky text against the OWASP trigger list.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils.datetime import to_excel

from workbook_templates.writing import values

OWASP = ("=", "+", "-", "@", "\t", "\r")


def _decode_ooxml(text: str) -> str:
    """What Excel shows for stored text: every _xHHHH_ becomes U+HHHH (one pass, left to right)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


# ------------------------------------------------------------------ single values


@pytest.mark.parametrize("value, expected", [
    (None, None), (float("nan"), None), (np.float64("nan"), None), (pd.NaT, None), (pd.NA, None), ("", None),
    (np.int64(7), 7), (np.float32(0.5), 0.5), (np.bool_(True), True), (True, True), (Decimal("1.25"), Decimal("1.25")),
    (np.datetime64("2026-03-01T12:30"), dt.datetime(2026, 3, 1, 12, 30)),
    (pd.Timestamp("2026-03-01"), dt.datetime(2026, 3, 1)), (dt.date(2026, 3, 1), dt.date(2026, 3, 1)),
    ("=HYPERLINK(\"http://x\",\"y\")", "=HYPERLINK(\"http://x\",\"y\")"),
])
def test_cell_value_maps_python_numpy_and_pandas_values(value, expected):
    got = values.cell_value(value)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("value", [float("inf"), -np.inf, np.float32("inf"),
                                   dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
                                   pd.Timestamp("2026-01-01", tz="Europe/Paris"), [1, 2], object()])
def test_cell_value_refuses_what_a_cell_cannot_hold(value):
    with pytest.raises(ValueError):
        values.cell_value(value)


def test_columns_refuse_infinities_and_time_zones_like_single_values():
    with pytest.raises(ValueError):
        values.column(pd.Series([1.0, np.inf]))
    with pytest.raises(ValueError):
        values.column(pd.Series(pd.to_datetime(["2026-01-01"]).tz_localize("UTC")))
    with pytest.raises(ValueError):
        values.column(pd.Series(["a", -math.inf], dtype=object))


@given(st.text())
def test_xstring_is_decoded_back_to_the_original_text(text):
    stored = values.xstring(text)
    assert _decode_ooxml(stored) == text
    assert not re.search(r"[\x00-\x08\x0b-\x1f]", stored)  # nothing XML cannot carry


@given(st.text())
def test_quote_prefix_exactly_for_the_owasp_triggers(text):
    assert values.needs_quote_prefix(text) == (text[:1] in OWASP and text != "")


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2", "@SUM(A1)", "0012", "1e5", "TRUE", "faux", "2026-01-05",
                                  "12:30", "#N/A", "'quoted", "50%"])
def test_live_text_quote_prefixes_what_excel_would_parse(text):
    assert values.live_text(text) == "'" + text


@pytest.mark.parametrize("text", ["Acme", "Zoé", "SMB", "C-12", "two words"])
def test_live_text_leaves_plain_text_alone(text):
    assert values.live_text(text) == text


# ------------------------------------------------------------------ Excel dates

_DATES = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9999, 12, 31))


@given(st.lists(_DATES, min_size=1, max_size=20))
def test_excel_serial_equals_openpyxl_to_excel(dates):
    got = values.excel_serial(np.array(dates, dtype="datetime64[us]"))
    assert got.tolist() == [to_excel(d) for d in dates]


def test_excel_serial_by_hand():
    # 1900-01-01 is day 1; 1900-03-01 is day 61 (Excel counts a 29 February 1900)
    dates = np.array(["1900-01-01", "1900-02-28", "1900-03-01", "2026-01-01T06:00"], dtype="datetime64[s]")
    assert values.excel_serial(dates).tolist() == [1.0, 59.0, 61.0, 46023.25]


# ------------------------------------------------------------------ columns

_FLOATS = st.floats(allow_infinity=False, allow_nan=True, width=64)


@given(st.lists(_FLOATS, max_size=30))
def test_float_column_keeps_every_number_and_blanks_nan(numbers):
    col = values.column(pd.Series(numbers, dtype=float))
    expected = [None if math.isnan(x) else x for x in numbers]
    assert col.kind == "number" and col.python() == expected


_TEXT = st.one_of(st.text(max_size=12), st.sampled_from(["=1+1", "@x", "-", "#N/A", "_x0041_", " a ", "\x07"]))


@pytest.mark.parametrize("dtype", [object, "str", pd.StringDtype("python")])
@settings(max_examples=40, deadline=None)
@given(data=st.lists(st.one_of(st.none(), _TEXT), max_size=30))
def test_text_column_keeps_text_and_flags_it_once_per_distinct_value(dtype, data):
    col = values.column(pd.Series(data, dtype=dtype))
    expected = [v if v else None for v in data]
    assert col.kind == "text" and col.python() == expected
    for text, quoted, plain in zip(col.uniques, col.quoted, col.plain):
        assert quoted == (text[:1] in OWASP)
        risky = (text[:1] in OWASP or text in values.ERROR_TEXTS or "_x" in text
                 or any(ord(ch) < 32 and ch not in "\t\n" for ch in text) or "\t" in text[:1])
        assert plain == (not risky)


def test_mixed_column_keeps_each_value_its_type():
    col = values.column(pd.Series([5, "yes", True, None, 2.5, np.nan, dt.date(2026, 1, 2)], dtype=object))
    assert col.kind == "mixed"
    got = col.python()
    assert got == [5, "yes", True, None, 2.5, None, dt.date(2026, 1, 2)]
    assert [type(v) for v in got] == [int, str, bool, type(None), float, type(None), dt.date]


def test_date_column_gets_the_date_style_unless_the_layout_gives_one():
    s = pd.Series(pd.to_datetime(["2026-01-01", None]))
    assert values.column(s).style == "date" and values.column(s, "month").style == "month"
    assert values.column(s).python() == [dt.datetime(2026, 1, 1), None]
    assert values.column(pd.Series([1.0])).style is None


def test_number_format_of_style_keys_comes_from_styles():
    assert values.number_format("money") == "#,##0.00"
    assert values.number_format("month", "fr") == "[$-40C]mmm yyyy"
    assert values.number_format("header") is None
