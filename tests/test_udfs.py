"""The Excel functions of ``addin.udfs`` through xlwings' own call path.

Every call goes through ``xlwings.server.custom_functions_call`` with the
payload the Office.js add-in posts (``func_name``, ``args`` as Excel-shaped
2-D lists with ``None`` for blank cells and date serials for dates,
``version``, ``client``, ``runtime``), exactly as xlwings' own
``tests/test_custom_functions_officejs.py`` does. The registration metadata
comes from ``xlwings.server.custom_functions_meta``. ``tests/conftest.py`` sets
``XLWINGS_ON_SERVER`` and the license key before xlwings is imported.

Expected values are worked out by hand from DESIGN.md §4/§5 in each test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.abc
import inspect
import logging
import math
import sys
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
import xlwings as xw
import xlwings.utils
from xlwings.server import custom_functions_call, custom_functions_meta

import kpi_core
from addin import udfs
from kpi_core import KpiInputError

# ---------------------------------------------------------------- helpers

NUM = {"type": "Error", "errorType": "Num"}
DIV0 = {"type": "Error", "errorType": "Div0"}
NA = {"type": "Error", "errorType": "NotAvailable"}


def call(func_name, *args, runtime="1.4", **extra):
    """Run one custom-function call as xlwings Server / Lite does."""
    payload = {
        "func_name": func_name,
        "args": list(args),
        "version": xw.__version__,
        "client": "Office.js",
        "runtime": runtime,
        **extra,
    }
    return asyncio.run(custom_functions_call(payload, udfs))


def col(*values):
    """A one-column Excel range as Office.js sends it."""
    return [[v] for v in values]


def cell(value):
    """A single cell (or literal) argument as Office.js sends it."""
    return [[value]]


def value(func_name, *args, **extra):
    """The single value of a 1x1 result."""
    result = call(func_name, *args, **extra)
    assert len(result) == 1 and len(result[0]) == 1, result
    return result[0][0]


def serial(year, month, day=1):
    """Excel 1900-system serial of an ordinary date: days since 1899-12-30."""
    return (dt.date(year, month, day) - dt.date(1899, 12, 30)).days


def kpi_message(function, *args):
    """kpi_core's own message for bad input, to check that it is carried."""
    with pytest.raises(KpiInputError) as info:
        function(*args)
    return str(info.value)


# ---------------------------------------------------------------- registration

EXPECTED_SIGNATURES = {
    "NPS": [("scores", False)],
    "NPS_CI": [("scores", False), ("confidence", True), ("method", True)],
    "NPS_TEST": [("scores_a", False), ("scores_b", False)],
    "NPS_BREAKDOWN": [("scores", False)],
    "CSAT": [("scores", False), ("scale_max", True), ("positive_min", True)],
    "CES": [("scores", False)],
    "CES_AGREE": [("scores", False), ("scale_max", True)],
    "CHURN_RATE": [("lost_customers", False), ("customers_at_start", False)],
    "REVENUE_CHURN": [("churned_mrr", False), ("contraction_mrr", False), ("start_mrr", False)],
    "NRR": [("start_mrr", False), ("expansion_mrr", False), ("churned_mrr", False),
            ("contraction_mrr", False)],
    "GRR": [("start_mrr", False), ("churned_mrr", False), ("contraction_mrr", False)],
    "RETENTION_RATE": [("customers_at_end", False), ("new_customers", False),
                       ("customers_at_start", False)],
    "NET_CUSTOMER_CHANGE": [("new_customers", False), ("lost_customers", False)],
    "QUICK_RATIO": [("new_mrr", False), ("expansion_mrr", False), ("reactivation_mrr", False),
                    ("contraction_mrr", False), ("churned_mrr", False)],
    "MRR": [("amounts", False)],
    "ARR": [("mrr", False)],
    "ARPA": [("mrr", False), ("customers", False)],
    "FCR": [("resolved_first_contact", False), ("tickets", False)],
    "AVG_RESPONSE_TIME": [("hours", False)],
    "AVERAGE_BASKET": [("revenue", False), ("orders", False)],
    "PURCHASE_FREQUENCY": [("orders", False), ("customers", False)],
    "REPURCHASE_RATE": [("repeat_customers", False), ("customers", False)],
    "CLV": [("average_basket", False), ("purchases_per_year", False), ("years", False),
            ("cac", True)],
    "SAAS_LTV": [("arpa", False), ("gross_margin", False), ("monthly_churn", False)],
    "CAC": [("marketing_spend", False), ("sales_spend", False), ("new_customers", False)],
    "CONVERSION_RATE": [("conversions", False), ("visitors", False)],
    "ABANDONMENT_RATE": [("carts_abandoned", False), ("carts_created", False)],
    "P_ALIVE": [("frequency", False), ("recency", False), ("T", False), ("r", False), ("alpha", False),
                ("a", False), ("b", False)],
    "EXPECTED_PURCHASES": [("t", False), ("frequency", False), ("recency", False), ("T", False), ("r", False),
                           ("alpha", False), ("a", False), ("b", False)],
    "HEALTH_SCORE": [("values", False), ("weights", True), ("floors", True), ("targets", True)],
    "HEALTH_STATUS": [("score", False), ("red_below", True), ("green_from", True)],
    "MRR_MOVEMENTS": [("customer_ids", False), ("months", False), ("mrr", False)],
    "COHORT_RETENTION": [("customer_ids", False), ("months", False), ("mrr", False),
                         ("basis", True)],
    "AUC": [("scores", False), ("outcomes", False)],
}


def test_meta_lists_exactly_the_catalogue_with_its_parameters():
    meta = custom_functions_meta(udfs)
    functions = {f["name"]: f for f in meta["functions"]}
    assert set(functions) == set(EXPECTED_SIGNATURES)
    assert meta["allowErrorForDataTypeAny"] is True  # error cells reach us as values
    for name, expected in EXPECTED_SIGNATURES.items():
        params = functions[name]["parameters"]
        got = [(p["name"], p.get("optional", False)) for p in params]
        assert got == expected, name


def test_meta_descriptions_are_one_line_and_every_parameter_is_described():
    for f in custom_functions_meta(udfs)["functions"]:
        description = f["description"]
        assert description and "\n" not in description, f["name"]
        python_doc = getattr(udfs, f["id"].lower()).__wrapped__.__doc__
        assert python_doc.strip().splitlines()[0] == description
        for p in f["parameters"]:
            assert not p["description"].startswith("Positional argument"), (f["name"], p["name"])


def test_custom_functions_call_is_a_coroutine():
    assert inspect.iscoroutinefunction(custom_functions_call)


# ---------------------------------------------------------------- surveys


def test_nps_ignores_blanks():
    # promoters 10, 9; detractors 6, 0; n = 6 (the blank is not an answer)
    assert value("nps", col(10, 9, 8, 7, 6, 0, None)) == pytest.approx(100 * (2 - 2) / 6)


def test_nps_flattens_a_2d_range():
    # 10, 9 promoters; 3 detractor; blank ignored: 100 * (2 - 1) / 3
    assert value("nps", [[10, 9], [None, 3]]) == pytest.approx(100 / 3)


def test_nps_of_a_single_cell():
    assert value("nps", cell(10)) == pytest.approx(100.0)


def test_nps_over_100_000_cells():
    # 1..10 repeated: promoters 9, 10 (2 in 10), detractors 1..6 (6 in 10)
    scores = col(*[float(i % 10 + 1) for i in range(100_000)])
    assert value("nps", scores) == pytest.approx(100 * (0.2 - 0.6))


def test_nps_ci_wald_spills_one_row_low_high():
    scores = col(*([10] * 5 + [8] * 3 + [3] * 2))
    p, d, n = 0.5, 0.2, 10
    se = 100 * math.sqrt(((p + d) - (p - d) ** 2) / n)
    z = NormalDist().inv_cdf(0.975)
    result = call("nps_ci", scores)
    assert len(result) == 1
    assert result[0] == pytest.approx([30 - z * se, 30 + z * se])


def test_nps_ci_adjusted_wald_with_confidence_and_case_insensitive_method():
    scores = col(*([10] * 5 + [8] * 3 + [3] * 2))
    n = 10 + 3
    p, d = (5 + 0.75) / n, (2 + 0.75) / n
    centre = 100 * (p - d)
    se = 100 * math.sqrt(((p + d) - (p - d) ** 2) / n)
    z = NormalDist().inv_cdf(0.95)  # 90 % two-sided
    [bounds] = call("nps_ci", scores, cell(0.9), cell(" ADJUSTED_WALD "))
    assert bounds == pytest.approx([centre - z * se, centre + z * se])


def test_nps_ci_blank_optional_arguments_take_the_defaults():
    scores = col(*([10] * 5 + [8] * 3 + [3] * 2))
    assert call("nps_ci", scores, cell(None), cell(None)) == call("nps_ci", scores)


def test_nps_test_two_sided_p_value():
    # a: 6 promoters, 4 detractors -> NPS 0.2, Var = 1 - 0.04; b mirrored -> -0.2, same Var
    a = col(*([10] * 6 + [5] * 4))
    b = col(*([10] * 4 + [5] * 6))
    z = 0.4 / math.sqrt(0.96 / 10 + 0.96 / 10)
    assert value("nps_test", a, b) == pytest.approx(math.erfc(z / math.sqrt(2)))


def test_nps_breakdown_table():
    assert call("nps_breakdown", col(10, 9, 8, 3, None)) == [
        ["", "promoters", "passives", "detractors", "n"],
        ["count", 2.0, 1.0, 1.0, 4.0],
        ["share", 0.5, 0.25, 0.25, 1.0],
    ]


def test_csat_default_and_other_scales():
    assert value("csat", col(5, 4, 3, 1, None)) == pytest.approx(2 / 4)
    # 1..10 scale: positive from 9 by default
    assert value("csat", col(10, 9, 8, None), cell(10)) == pytest.approx(2 / 3)
    # explicit positive_min 5 on 1..5
    assert value("csat", col(5, 4, 3, 1), cell(5), cell(5)) == pytest.approx(1 / 4)


def test_csat_yes_no_answers():
    # yes, no, yes, TRUE -> 3 positive of 4
    assert value("csat", col("yes", "non", "OUI", True)) == pytest.approx(0.75)


def test_ces_and_ces_agree():
    assert value("ces", col(7, 6, 5, None, 2)) == pytest.approx((7 + 6 + 5 + 2) / 4)
    assert value("ces_agree", col(7, 5, 4, 1)) == pytest.approx(2 / 4)  # >= 5 on 1..7
    assert value("ces_agree", col(5, 4, 4, 3, 1), cell(5)) == pytest.approx(3 / 5)  # >= 4 on 1..5


# ---------------------------------------------------------------- scalar KPIs


@pytest.mark.parametrize(
    "func_name, args, expected",
    [
        ("churn_rate", (25, 500), 25 / 500),
        ("revenue_churn", (10_000, 0, 50_000), 10_000 / 50_000),
        ("nrr", (50_000, 20_000, 10_000, 0), (50_000 + 20_000 - 10_000) / 50_000),
        ("grr", (50_000, 10_000, 2_500), (50_000 - 10_000 - 2_500) / 50_000),
        ("retention_rate", (650, 350, 500), (650 - 350) / 500),
        ("net_customer_change", (350, 200), 150),
        ("quick_ratio", (3_000, 1_000, 500, 1_000, 2_000), 4_500 / 3_000),
        ("arr", (1_000,), 12_000),
        ("arpa", (50_000, 200), 250),
        ("fcr", (80, 100), 0.8),
        ("average_basket", (5_000, 100), 50),
        ("purchase_frequency", (300, 120), 2.5),
        ("repurchase_rate", (30, 120), 0.25),
        ("clv", (50, 4, 3), 50 * 4 * 3),
        ("clv", (50, 4, 3, 100), 50 * 4 * 3 - 100),
        ("saas_ltv", (100, 0.8, 0.02), 100 * 0.8 / 0.02),
        ("cac", (30_000, 20_000, 100), 500),
        ("conversion_rate", (25, 1_000), 0.025),
        ("abandonment_rate", (70, 100), 0.7),
    ],
)
def test_scalar_kpis(func_name, args, expected):
    assert value(func_name, *(cell(a) for a in args)) == pytest.approx(expected)


def test_list_kpis():
    assert value("mrr", [[100, None, 250.5]]) == pytest.approx(350.5)
    assert value("avg_response_time", [[2, 4], [None, 9]]) == pytest.approx((2 + 4 + 9) / 3)


# ---------------------------------------------------------------- health


def test_health_score_weights_floors_targets():
    # 80 (weight 1) and 40 (weight 3), blank left out: (80 + 3 * 40) / 4
    got = value("health_score", col(80, None, 40), col(1, 1, 3), col(0, 0, 0), col(100, 100, 100))
    assert got == pytest.approx(50.0)


def test_health_score_scaling_clips_and_lower_is_better():
    # 0.9 on 0.2 -> 0.8 clips to 100; 0.5 -> 50; 1 ticket on 5 -> 0 is (1 - 5) / (0 - 5) = 80
    got = value("health_score", [[0.9, 0.5, 1]], [[1, 1, 1]], [[0.2, 0.2, 5]], [[0.8, 0.8, 0]])
    assert got == pytest.approx((100 + 50 + 80) / 3)


def test_health_score_six_standard_components_use_design_defaults():
    # adoption (0.5-0.2)/0.6 = 50, frequency (11-2)/18 = 50, depth (0.35-0.1)/0.5 = 50,
    # sentiment blank, support (0-5)/(0-5) = 100, goals 100: equal weights over 5
    got = value("health_score", col(0.5, 11, 0.35, None, 0, 1))
    assert got == pytest.approx((50 + 50 + 50 + 100 + 100) / 5)


@pytest.mark.parametrize(
    "args, expected",
    [((39.9,), "Red"), ((40,), "Amber"), ((69.99,), "Amber"), ((70,), "Green"),
     ((55, 60, 80), "Red"), ((79, 60, 80), "Amber"), ((85, 60, 80), "Green")],
)
def test_health_status(args, expected):
    assert value("health_status", *(cell(a) for a in args)) == expected


# ---------------------------------------------------------------- tables of months

# acme: Jan 100, Feb 120, (no Mar row: churn), Apr 90 (reactivation)
# beta: Feb 200 (new), Mar 150 (contraction 50), Apr 150
# 7   : Mar 40 (new), Apr 0 (churn 40); then a trailing blank row
ROWS = [
    ("beta", (2026, 3), 150), ("acme", (2026, 1), 100), (7, (2026, 4), 0),
    ("acme", (2026, 4), 90), ("beta", (2026, 2), 200), ("acme", (2026, 2), 120),
    (7, (2026, 3), 40), ("beta", (2026, 4), 150), (None, None, None),
]
JAN, FEB, MAR, APR = (serial(2026, m) for m in (1, 2, 3, 4))


def subscription_args(month_as):
    ids = col(*(r[0] for r in ROWS))
    months = col(*(None if r[1] is None else month_as(*r[1]) for r in ROWS))
    mrr = col(*(r[2] for r in ROWS))
    return ids, months, mrr


def as_formatted(s):
    return {"type": "FormattedNumber", "basicValue": float(s), "numberFormat": "yyyy-mm-dd"}


def test_mrr_movements_with_churn_and_reactivation_by_hand():
    table = call("mrr_movements", *subscription_args(serial))
    assert table == [
        ["month", "start_mrr", "new", "expansion", "contraction", "churn", "reactivation", "end_mrr"],
        # Jan: acme new 100
        [as_formatted(JAN), 0, 100, 0, 0, 0, 0, 100],
        # Feb: beta new 200, acme +20
        [as_formatted(FEB), 100, 200, 20, 0, 0, 0, 320],
        # Mar: 7 new 40, beta -50, acme churns 120
        [as_formatted(MAR), 320, 40, 0, 50, 120, 0, 190],
        # Apr: 7 churns 40, acme back with 90
        [as_formatted(APR), 190, 0, 0, 0, 40, 90, 240],
    ]
    for row in table[1:]:
        _, start, new, expansion, contraction, churn, reactivation, end = row
        assert start + new + expansion + reactivation - contraction - churn == end


def test_table_months_are_plain_serials_before_runtime_1_4():
    table = call("mrr_movements", *subscription_args(serial), runtime="1.3")
    assert [row[0] for row in table[1:]] == [JAN, FEB, MAR, APR]


def test_months_given_as_datetimes_and_text_give_the_same_table():
    by_serial = call("mrr_movements", *subscription_args(serial))
    by_datetime = call("mrr_movements", *subscription_args(lambda y, m: dt.datetime(y, m, 1)))
    by_text = call("mrr_movements", *subscription_args(lambda y, m: f"{y}-{m:02d}"))
    assert by_datetime == by_serial == by_text


def test_cohort_retention_logo():
    assert call("cohort_retention", *subscription_args(serial)) == [
        ["cohort", "size", 0, 1, 2, 3],
        # acme: active Jan, Feb, not Mar, Apr
        [as_formatted(JAN), 1, 1, 1, 0, 1],
        # beta: Feb, Mar, Apr; May not observed yet -> blank
        [as_formatted(FEB), 1, 1, 1, 1, ""],
        # 7: Mar, Apr at 0
        [as_formatted(MAR), 1, 1, 0, "", ""],
    ]


def test_cohort_retention_revenue_basis():
    table = call("cohort_retention", *subscription_args(lambda y, m: f"{y}-{m:02d}"), cell("Revenue"))
    assert table[1][1:] == pytest.approx([1, 1, 120 / 100, 0, 90 / 100])
    assert table[2][1:5] == pytest.approx([1, 1, 150 / 200, 150 / 200]) and table[2][5] == ""
    assert table[3][1:4] == pytest.approx([1, 1, 0]) and table[3][4:] == ["", ""]


def test_excel_serials_follow_the_1900_date_system():
    months = udfs._months(col(1, 59, 61, 92, serial(2026, 1) + 0.5, None), "months")
    # serial 1 = 1900-01-01, 59 = 1900-02-28, (60 = the fictitious 29 Feb), 61 = 1900-03-01
    assert list(months.iloc[:5]) == [
        pd.Timestamp(1900, 1, 1), pd.Timestamp(1900, 2, 28), pd.Timestamp(1900, 3, 1),
        pd.Timestamp(1900, 4, 1), pd.Timestamp(2026, 1, 1, 12),
    ]
    assert pd.isna(months.iloc[5])


@pytest.mark.parametrize("bad", [60, 0, -3, 2_958_466])
def test_a_serial_that_is_no_date_is_a_num_error(bad):
    ids, months, mrr = col("a", "a"), col(serial(2026, 1), bad), col(10, 20)
    with pytest.raises(KpiInputError) as info:
        udfs._months(months, "months")
    assert info.value.kind == "num" and "position 2" in str(info.value)
    assert value("mrr_movements", ids, months, mrr) == NUM


# ---------------------------------------------------------------- AUC (DESIGN.md §13)


def test_auc_with_true_false_outcomes_and_a_blank_pair():
    # stayed: 80, 65; churned: 40, 65, 20 (the blank score's pair is left out)
    # pairs won by the stayer: 80 beats 3; 65 beats 40 and 20, ties 65 -> 5.5 of 6
    scores = col(80, 65, 40, 65, 20, None)
    assert value("auc", scores, col(False, False, True, True, True, True)) == pytest.approx(5.5 / 6)
    assert value("auc", scores, col(0, 0, 1, 1, 1, 0)) == pytest.approx(5.5 / 6)


def test_auc_errors_one_class_sizes_and_bad_outcomes(caplog):
    with caplog.at_level(logging.WARNING, logger="addin.udfs"):
        assert value("auc", col(80, 40), col(1, 1)) == DIV0  # every customer churned: no pair
        assert value("auc", col(80, 40), col(0, 2)) == NUM   # an outcome is 0/1 or FALSE/TRUE
    with pytest.raises(xw.XlwingsError, match="different sizes"):
        call("auc", col(80, 40, 30), col(0, 1))
    with pytest.raises(xw.XlwingsError, match="outcomes: position 2 holds text"):
        call("auc", col(80, 40), col(0, "churned"))


# ---------------------------------------------------------------- errors


def test_value_error_for_text_among_scores_carries_the_message():
    with pytest.raises(xw.XlwingsError) as info:
        call("nps", col(10, 9, "great"))
    message = str(info.value)
    assert message == kpi_message(kpi_core.nps, np.array([10, 9, "great"], dtype=object))
    assert "position 3" in message and "Traceback" not in message


@pytest.mark.parametrize("bad_score", [11, 7.5])
def test_num_error_for_an_invalid_nps_score(bad_score, caplog):
    with caplog.at_level(logging.WARNING, logger="addin.udfs"):
        assert value("nps", col(10, bad_score, None)) == NUM
    expected = kpi_message(kpi_core.nps, np.array([10, bad_score, np.nan]))
    assert "position 2" in expected
    assert any(expected in r.getMessage() and "#NUM!" in r.getMessage() for r in caplog.records)


def test_div0_error_for_an_empty_range_and_a_zero_denominator(caplog):
    with caplog.at_level(logging.WARNING, logger="addin.udfs"):
        assert value("nps", col(None, None)) == DIV0
        assert value("nps", cell(None)) == DIV0  # one blank cell: xlwings passes None
        assert value("churn_rate", cell(0), cell(0)) == DIV0
    churn_message = kpi_message(kpi_core.churn_rate, 0, 0)
    assert any(churn_message in r.getMessage() for r in caplog.records)


def test_before_runtime_1_4_every_error_is_raised_with_its_code_and_message():
    with pytest.raises(xw.XlwingsError) as info:
        call("nps", col(10, 11), runtime="1.3")
    assert str(info.value) == "#NUM! " + kpi_message(kpi_core.nps, np.array([10.0, 11.0]))


def test_desktop_gets_the_code_and_the_message_as_text():
    # classic COM UDFs convert the result with no "runtime" option
    error = udfs._ExcelError("#DIV/0!", "tickets is 0", "FCR")
    assert udfs._ExcelResult.write_value(error, {}) == "#DIV/0! tickets is 0"
    assert udfs._ExcelResult.write_value(0.25, {}) == 0.25


def test_an_error_cell_in_the_range_propagates():
    na_cell = {"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}
    assert value("nps", col(10, na_cell, 3)) == NA


def test_an_error_cell_office_js_cannot_return_becomes_value_error():
    ref_cell = {"type": "Error", "basicValue": "#REF!", "errorType": "Ref"}
    with pytest.raises(xw.XlwingsError, match=r"scores: position 2 holds the error #REF!"):
        call("nps", col(10, ref_cell))


def test_text_and_blank_scalars_are_value_errors():
    with pytest.raises(xw.XlwingsError) as info:
        call("arr", cell("a lot"))
    assert str(info.value) == kpi_message(kpi_core.arr, "a lot")
    with pytest.raises(xw.XlwingsError, match="blank"):
        call("arr", cell(None))


def test_a_bug_becomes_value_error_without_traceback(monkeypatch):
    def broken(scores):
        raise RuntimeError("boom")

    monkeypatch.setattr(kpi_core, "nps", broken)
    with pytest.raises(xw.XlwingsError) as info:
        call("nps", col(10))
    assert str(info.value) == "NPS: internal error (RuntimeError: boom)"


# ---------------------------------------------------------------- the is_jsnull fix


class _PyodideImportCounter(importlib.abc.MetaPathFinder):
    """Counts attempts to import ``pyodide`` (and finds nothing)."""

    def __init__(self):
        self.attempts = 0

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] == "pyodide":
            self.attempts += 1
        return None


@pytest.fixture
def pyodide_imports(monkeypatch):
    counter = _PyodideImportCounter()
    monkeypatch.setattr(sys, "meta_path", [counter, *sys.meta_path])
    return counter


def test_jsnull_fix_is_installed_and_idempotent():
    assert xlwings.utils.is_jsnull is udfs._is_jsnull_cached
    udfs._install_jsnull_fix()
    assert xlwings.utils.is_jsnull is udfs._is_jsnull_cached
    try:
        udfs._remove_jsnull_fix()
        assert xlwings.utils.is_jsnull is udfs._is_jsnull_cached._cskpi_stock
        assert xlwings.utils.is_jsnull is not udfs._is_jsnull_cached
    finally:
        udfs._install_jsnull_fix()
    assert xlwings.utils.is_jsnull is udfs._is_jsnull_cached


def test_is_jsnull_does_not_retry_the_import(pyodide_imports):
    stock = udfs._is_jsnull_cached._cskpi_stock
    for _ in range(20):
        stock(1.0)
    assert pyodide_imports.attempts >= 20  # the stock version imports on every call

    pyodide_imports.attempts = 0
    for v in range(1_000):
        assert xlwings.utils.is_jsnull(v) is False
    assert pyodide_imports.attempts <= 1  # at most the first, cached lookup
    assert xlwings.utils.is_jsnull(None) is False and xlwings.utils.is_jsnull("") is False


def test_a_whole_nps_call_does_not_retry_the_import(pyodide_imports):
    call("nps", col(*[float(i % 11) for i in range(5_000)]))
    assert pyodide_imports.attempts <= 1


class _FakeJsNull:
    """Stands in for Pyodide's falsy ``JsNull`` sentinel."""

    def __bool__(self):
        return False


def test_jsnull_cells_are_blanks_under_pyodide(monkeypatch):
    monkeypatch.setattr(udfs, "_jsnull_type", _FakeJsNull)
    jsnull = _FakeJsNull()
    assert xlwings.utils.is_jsnull(jsnull) is True
    # 10 promoter, 0 detractor, the JS null is a blank: 100 * (1 - 1) / 2
    assert value("nps", col(10, jsnull, 0)) == pytest.approx(0.0)
