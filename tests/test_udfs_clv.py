"""P_ALIVE and EXPECTED_PURCHASES (DESIGN.md §11) through xlwings' Office.js call path.

Expected values are the closed forms of Fader, Hardie & Lee (2005, 2008) written out here
with scipy.special.hyp2f1, on the published CDNOW parameters.
"""

from __future__ import annotations

import asyncio

import pytest
import xlwings as xw
from scipy.special import hyp2f1
from xlwings.server import custom_functions_call

from addin import udfs

R, ALPHA, A, B = 0.243, 4.414, 0.793, 2.426


def value(func_name, *args):
    payload = {"func_name": func_name, "args": [[[v]] for v in args], "version": xw.__version__,
               "client": "Office.js", "runtime": "1.4"}
    result = asyncio.run(custom_functions_call(payload, udfs))
    assert len(result) == 1 and len(result[0]) == 1, result
    return result[0][0]


def ref_p_alive(x, t_x, T):
    return 1.0 if x == 0 else 1 / (1 + A / (B + x - 1) * ((ALPHA + T) / (ALPHA + t_x)) ** (R + x))


def ref_expected(t, x, t_x, T):
    z = t / (ALPHA + T + t)
    bracket = 1 - ((ALPHA + T) / (ALPHA + T + t)) ** (R + x) * hyp2f1(R + x, B + x, A + B + x - 1, z)
    dead_odds = (x > 0) * A / (B + x - 1) * ((ALPHA + T) / (ALPHA + t_x)) ** (R + x)
    return (A + B + x - 1) / (A - 1) * bracket / (1 + dead_odds)


@pytest.mark.parametrize("x, t_x, T", [(2, 30.43, 38.86), (1, 1.71, 38.86), (0, 0, 38.86), (7, 35, 36)])
def test_p_alive_equals_the_closed_form(x, t_x, T):
    assert value("p_alive", x, t_x, T, R, ALPHA, A, B) == pytest.approx(ref_p_alive(x, t_x, T), rel=1e-12)


@pytest.mark.parametrize("t, x, t_x, T", [(39, 2, 30.43, 38.86), (52, 0, 0, 20), (4.5, 7, 35, 36)])
def test_expected_purchases_equals_the_closed_form(t, x, t_x, T):
    got = value("expected_purchases", t, x, t_x, T, R, ALPHA, A, B)
    assert got == pytest.approx(ref_expected(t, x, t_x, T), rel=1e-12)


def test_recency_after_t_is_num_error():
    assert value("p_alive", 2, 40, 38, R, ALPHA, A, B) == {"type": "Error", "errorType": "Num"}


def test_text_parameter_is_value_error_with_the_message():
    with pytest.raises(xw.XlwingsError, match="alpha: text .four. is not a number"):
        value("expected_purchases", 10, 2, 30, 38, R, "four", A, B)


def test_a_equal_1_is_div0():
    assert value("expected_purchases", 10, 2, 30, 38, R, ALPHA, 1, B) == {"type": "Error", "errorType": "Div0"}


def test_expected_purchases_without_scipy_says_how_to_install_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "scipy", None)
    with pytest.raises(xw.XlwingsError, match=r'pip install "cskpi\[predict\]"'):
        value("expected_purchases", 10, 2, 30, 38, R, ALPHA, A, B)
    assert value("p_alive", 2, 30, 38, R, ALPHA, A, B) == pytest.approx(ref_p_alive(2, 30, 38))  # needs no scipy
