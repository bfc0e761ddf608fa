"""Previous period, benchmark bands, directions, changes and targets (DESIGN.md §9), by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kpi_core
from kpi_core import (HEADLINE_KEYS, HIGHER_IS_BETTER, KPI_UNITS, KpiInputError, Period, benchmark_band,
                      check_targets, compare_kpis, default_bands, headline_kpis, kpi_change, load_bands,
                      load_targets, previous_period, target_met, validate_bands)

from _helpers import assert_error
from _small import dataset, two_period_tables

# ------------------------------------------------------------------------ previous_period


@pytest.mark.parametrize("period, expected", [
    (("2026-01", "2026-06"), ("2025-07", "2025-12")),   # 6 months -> the 6 before
    (("2026-03", "2026-03"), ("2026-02", "2026-02")),   # one month -> the month before
    (("2026-01", "2026-01"), ("2025-12", "2025-12")),   # across the new year
    (("2025-01", "2025-12"), ("2024-01", "2024-12")),   # a year -> the year before
    (("2026-02", "2026-04"), ("2025-11", "2026-01")),
])
def test_previous_period_hand_cases(period, expected):
    prev = previous_period(Period(*period))
    assert (f"{prev.start:%Y-%m}", f"{prev.end:%Y-%m}") == expected
    assert repr(previous_period(period)) == repr(prev)  # a (start, end) pair reads the same


@given(st.integers(2000 * 12, 2100 * 12), st.integers(1, 36))
def test_previous_period_has_the_same_length_and_ends_the_month_before(start_code, months):
    start = pd.Timestamp(year=start_code // 12, month=start_code % 12 + 1, day=1)
    period = Period(start, start + pd.DateOffset(months=months - 1))
    prev = previous_period(period)
    assert prev.months == period.months == months
    assert prev.end_code == period.start_code - 1


def test_previous_period_rejects_what_is_not_a_period():
    with pytest.raises(KpiInputError) as ei:
        previous_period("2026-01")
    assert_error(ei, "value", "period: '2026-01' is not a Period")


# ------------------------------------------------------------------------ default bands (§9 table)


@pytest.mark.parametrize("kpi, value, band", [
    ("nrr", 0.99, ("Losing revenue", "red")), ("nrr", 1.0, ("Break-even", "amber")),
    ("nrr", 1.01, ("Excellent", "green")), ("nrr", 1.2, ("Excellent", "green")),   # > 1.20 is strict
    ("nrr", 1.2001, ("SaaS leader", "green")),
    ("nps", -40, ("Needs work", "red")), ("nps", 0, ("Needs work", "red")), ("nps", 0.5, ("Good", "green")),
    ("nps", 50, ("Good", "green")), ("nps", 50.1, ("Excellent", "green")), ("nps", 70, ("Excellent", "green")),
    ("nps", 71, ("World-class", "green")),
    ("csat", 0.80, ("Below excellent", "amber")), ("csat", 0.81, ("Excellent", "green")),
    ("fcr", 0.70, ("Below 70 %", "amber")), ("fcr", 0.7001, ("Above 70 %", "green")),
])
def test_benchmark_band_default_bands_of_design_section_9(kpi, value, band):
    assert benchmark_band(kpi, value) == band


def test_default_bands_table_rows_and_french_labels():
    bands = default_bands()
    assert bands.columns.tolist() == ["kpi", "threshold", "inclusive", "label", "label_fr", "colour"]
    nrr = bands[bands["kpi"] == "nrr"]
    assert nrr["threshold"].isna().tolist() == [True, False, False, False]
    assert nrr["threshold"].iloc[1:].tolist() == [1.0, 1.0, 1.2]
    assert nrr["inclusive"].tolist() == [False, True, False, False]
    assert nrr["label_fr"].tolist() == ["Perte de revenu", "Équilibre", "Excellent", "Leader SaaS"]
    assert sorted(bands["kpi"].unique()) == ["csat", "fcr", "nps", "nrr"]
    bands.loc[0, "label"] = "changed"  # a copy: the defaults stay as shipped
    assert default_bands().loc[0, "label"] == "Losing revenue"


def test_benchmark_band_is_none_for_a_blank_value_or_a_kpi_without_bands():
    assert benchmark_band("nps", None) is None
    assert benchmark_band("nps", float("nan")) is None
    assert benchmark_band("mrr", 1e6) is None


def test_benchmark_band_unknown_kpi_names_it():
    with pytest.raises(KpiInputError) as ei:
        benchmark_band("nett_promoter", 20)
    assert_error(ei, "value", "'nett_promoter' is not a headline KPI")


def test_benchmark_band_text_value_is_an_error():
    with pytest.raises(KpiInputError) as ei:
        benchmark_band("nps", "high")
    assert_error(ei, "value", "nps value", "'high' is not a number")


@given(st.sampled_from(["nrr", "nps", "csat", "fcr"]), st.floats(-200, 200), st.floats(-200, 200))
def test_benchmark_band_never_goes_down_when_the_value_goes_up(kpi, x, y):
    bands = default_bands()
    order = list(zip(bands.loc[bands["kpi"] == kpi, "label"], bands.loc[bands["kpi"] == kpi, "colour"]))
    lo, hi = sorted((x, y))
    assert order.index(benchmark_band(kpi, lo)) <= order.index(benchmark_band(kpi, hi))


def _bands(**columns):
    base = {"kpi": ["nps", "nps"], "threshold": [None, 30], "inclusive": [False, True],
            "label": ["Low", "High"], "colour": ["red", "green"]}
    base.update(columns)
    return pd.DataFrame(base)


def test_user_bands_any_row_order_inclusive_threshold_and_label_fr_defaults_to_label():
    bands = pd.DataFrame({"kpi": ["NPS", "nps", "nps"], "threshold": [30, None, 30], "inclusive": [False, "", "TRUE"],
                          "label": ["Above", "Low", "At"], "colour": ["Green", "red", "amber"]})
    table = validate_bands(bands)
    assert table["label"].tolist() == ["Low", "At", "Above"] and table["label_fr"].tolist() == ["Low", "At", "Above"]
    assert benchmark_band("nps", 29.9, bands) == ("Low", "red")
    assert benchmark_band("nps", 30, bands) == ("At", "amber")    # >= 30
    assert benchmark_band("nps", 30.1, bands) == ("Above", "green")
    assert benchmark_band("nrr", 2.0, bands) is None  # a user table without NRR bands: NRR has none


@pytest.mark.parametrize("columns, fragments", [
    ({"kpi": ["nps", "nett"]}, ["bands table, row 2", "'nett' is not a headline KPI"]),
    ({"kpi": ["nps", ""]}, ["bands table, row 2", "kpi is blank"]),
    ({"threshold": [None, "thirty"]}, ["bands table, row 2", "threshold 'thirty' is not a number"]),
    ({"inclusive": [False, "maybe"]}, ["bands table, row 2", "inclusive 'maybe' is not TRUE or FALSE"]),
    ({"label": ["Low", " "]}, ["bands table, row 2", "label is blank"]),
    ({"colour": ["red", "blue"]}, ["bands table, row 2", "colour 'blue' is not one of red, amber, green"]),
    ({"threshold": [30, 30]}, ["nps has no lowest band"]),
    ({"threshold": [None, None]}, ["bands table, row 2", "a second lowest band", "first at row 1"]),
])
def test_bad_bands_table_names_the_row_and_the_problem(columns, fragments):
    with pytest.raises(KpiInputError) as ei:
        validate_bands(_bands(**columns))
    assert_error(ei, "value", *fragments)


def test_bad_bands_infinite_threshold_is_a_num_error():
    with pytest.raises(KpiInputError) as ei:
        validate_bands(_bands(threshold=[None, float("inf")]))
    assert_error(ei, "num", "bands table, row 2", "not a finite number")


def test_bad_bands_duplicate_threshold_names_both_rows():
    bands = pd.DataFrame({"kpi": ["nps"] * 3, "threshold": [None, 30, 30.0], "inclusive": [False, True, "yes"],
                          "label": ["a", "b", "c"], "colour": ["red"] * 3})
    with pytest.raises(KpiInputError) as ei:
        validate_bands(bands)
    assert_error(ei, "value", "row 3", "a second band at >= 30 for nps (first at row 2)")


def test_bad_bands_missing_column_is_named():
    with pytest.raises(KpiInputError) as ei:
        benchmark_band("nps", 10, _bands().drop(columns="colour"))
    assert_error(ei, "value", "missing column(s) colour")


def test_bad_bands_not_a_table():
    with pytest.raises(KpiInputError) as ei:
        validate_bands([("nps", None, False, "Low", "red")])
    assert_error(ei, "value", "expected a table (DataFrame), got list")


def test_load_bands_csv_numbers_rows_as_file_lines(tmp_path):
    path = tmp_path / "bands.csv"
    path.write_text("kpi,threshold,inclusive,label,colour\nnps,,,Low,red\nnps,40,false,High,green\n")
    assert benchmark_band("nps", 41, load_bands(path)) == ("High", "green")
    path.write_text("kpi,threshold,inclusive,label,colour\nnps,,,Low,red\nnps,40,false,High,purple\n")
    with pytest.raises(KpiInputError) as ei:
        load_bands(path)
    assert_error(ei, "value", "bands.csv, row 3", "colour 'purple'")


def test_load_bands_toml_and_bad_files(tmp_path):
    path = tmp_path / "bands.toml"
    path.write_text('[[band]]\nkpi = "fcr"\nlabel = "Low"\ncolour = "red"\n'
                    '[[band]]\nkpi = "fcr"\nthreshold = 0.9\nlabel = "High"\ncolour = "green"\n')
    assert benchmark_band("fcr", 0.95, load_bands(path)) == ("High", "green")
    path.write_text('[[band]]\nkpi = "fcr"\nlabel = "Low"\ncolour = "pink"\n')
    with pytest.raises(KpiInputError) as ei:
        load_bands(path)
    assert_error(ei, "value", "bands.toml, band 1", "colour 'pink'")
    path.write_text("[[band]\n")
    with pytest.raises(KpiInputError) as ei:
        load_bands(path)
    assert_error(ei, "value", "bands.toml")
    with pytest.raises(KpiInputError) as ei:
        load_bands(tmp_path / "bands.xlsx")
    assert_error(ei, "value", "expected a .toml or .csv bands file")


# ------------------------------------------------------------------------ directions, change, targets


def test_every_headline_kpi_has_a_direction_and_a_unit():
    assert set(HIGHER_IS_BETTER) == set(HEADLINE_KEYS) == set(KPI_UNITS)
    lower = {k for k, v in HIGHER_IS_BETTER.items() if v is False}
    assert lower == {"revenue_churn", "logo_churn", "cac", "abandonment_rate"}
    assert HIGHER_IS_BETTER["ces"] is True and HIGHER_IS_BETTER["net_customer_change"] is True
    assert KPI_UNITS["nps"] == "points" and KPI_UNITS["logo_churn"] == "rate" and KPI_UNITS["mrr"] == "money"


def test_kpi_change_is_current_minus_previous_in_the_kpis_unit():
    assert kpi_change("logo_churn", 0.031, 0.025) == pytest.approx(0.006)  # 0.6 percentage points
    assert kpi_change("nps", 32.0, 40.0) == -8.0                           # -8 points
    assert kpi_change("mrr", 1200.0, 1000.0) == 200.0                      # plain difference, not +20 %
    assert kpi_change("nrr", None, 1.0) is None and kpi_change("nrr", 1.0, float("nan")) is None


def test_kpi_change_unknown_key_and_text_value():
    with pytest.raises(KpiInputError) as ei:
        kpi_change("churn", 0.1, 0.2)
    assert_error(ei, "value", "key: 'churn' is not a headline KPI")
    with pytest.raises(KpiInputError) as ei:
        kpi_change("nps", "10", 2)
    assert_error(ei, "value", "nps current")


@pytest.mark.parametrize("key, value, target, met", [
    ("nrr", 1.05, 1.05, True), ("nrr", 1.04, 1.05, False),               # higher is better: >=
    ("logo_churn", 0.03, 0.03, True), ("logo_churn", 0.031, 0.03, False),  # lower is better: <=
    ("cac", 900.0, 1000.0, True), ("nps", 30.0, None, None), ("nps", None, 20.0, None),
])
def test_target_met_by_direction(key, value, target, met):
    assert target_met(key, value, target) is met


def test_targets_checked_and_loaded(tmp_path):
    assert check_targets({"nrr": 1.1, "nps": None}) == {"nrr": 1.1}
    with pytest.raises(KpiInputError) as ei:
        check_targets({"growth": 1})
    assert_error(ei, "value", "targets: 'growth' is not a headline KPI")
    with pytest.raises(KpiInputError) as ei:
        check_targets({"nps": "forty"})
    assert_error(ei, "value", "targets: nps")
    csv = tmp_path / "t.csv"
    csv.write_text("kpi,target\nNRR,1.10\nnps,\n")
    assert load_targets(csv) == {"nrr": 1.1}
    csv.write_text("kpi,target\nnrr,lots\n")
    with pytest.raises(KpiInputError) as ei:
        load_targets(csv)
    assert_error(ei, "value", "t.csv, row 2", "'lots' is not a number")
    toml = tmp_path / "t.toml"
    toml.write_text("nps = 30\nfcr = 0.75\n")
    assert load_targets(toml) == {"nps": 30.0, "fcr": 0.75}
    toml.write_text("nps2 = 30\n")
    with pytest.raises(KpiInputError) as ei:
        load_targets(toml)
    assert_error(ei, "value", "t.toml", "'nps2' is not a headline KPI")


# ------------------------------------------------------------------------ compare_kpis


def test_compare_kpis_current_against_previous_period_by_hand():
    # previous 2026-01..02: NRR (100 + 50) / 200 = 0.75, NPS (1 - 1) / 2 = 0
    # current  2026-03..04: NRR 120 / 150 = 0.80, NPS 100; MRR 150 -> 120
    ds = dataset(two_period_tables())
    period = Period("2026-03", "2026-04")
    prev = previous_period(period)
    table = compare_kpis(headline_kpis(ds, period.start, period.end), headline_kpis(ds, prev.start, prev.end),
                         targets={"nrr": 0.9, "mrr": 100})
    rows = {r["kpi"]: r for r in table.to_dict("records")}
    assert rows["nrr"]["current"] == pytest.approx(0.8) and rows["nrr"]["previous"] == pytest.approx(0.75)
    assert rows["nrr"]["change"] == pytest.approx(0.05)
    assert (rows["nrr"]["band"], rows["nrr"]["colour"], rows["nrr"]["target_met"]) == ("Losing revenue", "red", False)
    assert rows["nps"]["change"] == pytest.approx(100.0) and rows["nps"]["band"] == "World-class"
    assert (rows["mrr"]["current"], rows["mrr"]["previous"], rows["mrr"]["change"]) == (120.0, 150.0, -30.0)
    assert rows["mrr"]["band"] is None and rows["mrr"]["target_met"] is True
    assert rows["logo_churn"]["target_met"] is None and math.isnan(rows["logo_churn"]["target"])
    assert table["kpi"].tolist() == [k for k in HEADLINE_KEYS if k in rows]


def test_compare_kpis_previous_period_before_the_data_is_undefined_not_zero():
    ds = dataset(two_period_tables())
    table = compare_kpis(headline_kpis(ds, "2026-01", "2026-02"), headline_kpis(ds, "2025-11", "2025-12"))
    nrr = table.set_index("kpi").loc["nrr"]
    assert math.isnan(nrr["previous"]) and math.isnan(nrr["change"])


def test_compare_kpis_unknown_key_in_current():
    with pytest.raises(KpiInputError) as ei:
        compare_kpis({"nrr": 1.0, "growth": 2.0}, {})
    assert_error(ei, "value", "'growth' is not a headline KPI")


def test_compare_kpis_exported_from_the_package():
    assert kpi_core.compare_kpis is compare_kpis and np.isnan(compare_kpis({"nps": 5.0}, {})["previous"][0])


def test_an_empty_bands_table_gives_no_band():
    empty = pd.DataFrame(columns=["kpi", "threshold", "inclusive", "label", "colour"])
    assert benchmark_band("nps", 80, empty) is None
