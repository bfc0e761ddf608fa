"""At-risk accounts and detractor follow-up (DESIGN.md §9), worked out by hand.

Usage rows with only ``goals_met`` (no Responses, no Tickets) make the health score goals_met x 100,
so statuses and changes can be read off the table: Red < 40 <= Amber < 70 <= Green.
Report period 2026-04..2026-06; previous period 2026-01..2026-03 (scored on 2026-03).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kpi_core import AT_RISK_COLUMNS, Dataset, HealthConfig, KpiInputError, at_risk, detractors, load_health_config

from _helpers import assert_error

PERIOD = ("2026-04", "2026-06")

#   id  Mar goals  Jun goals  previous -> now          at risk?
#   A   0.875      0.625      87.5 Green -> 62.5 Amber  yes: fell 25 (drop rule alone)
#   B   0.75       0.65       75 Green -> 65 Amber      no: fell 10
#   C   -          0.25       not scored -> 25 Red      yes: Red (rule alone, no change)
#   D   -          0.875      not scored -> 87.5 Green  no
#   F   0.125      0.25       12.5 Red -> 25 Red        yes: Red although it rose 12.5
#   G   0.75       0.625      75 -> 62.5 Amber          no (fell 12.5 < 15); yes with risk_drop = 12.5
#   X   -          blank      no score                  no (not scored)
USAGE = pd.DataFrame({
    "customer_id": ["A", "B", "F", "G", "A", "B", "C", "D", "F", "G", "X"],
    "month": ["2026-03"] * 4 + ["2026-06"] * 7,
    "goals_met": [0.875, 0.75, 0.125, 0.75, 0.625, 0.65, 0.25, 0.875, 0.25, 0.625, None],
})
CUSTOMERS = pd.DataFrame({
    "customer_id": ["A", "B", "C", "D", "F", "G", "X"],
    "name": ["Alpha", "Beta", "Gamma", "Delta", "Phi", "Gimel", "Xi"],
    "csm": ["Ann", "Ann", "", "Ben", "Ben", "Ann", "Ben"],
    "segment": ["SMB", "SMB", "Enterprise", "SMB", "Mid-Market", "SMB", "SMB"],
})
SUBS = pd.DataFrame({"customer_id": ["A", "B", "F", "G", "D"], "month": ["2026-06"] * 5,
                     "mrr": [300, 50, 300, 200, 400]})


@pytest.fixture(scope="module")
def ds():
    return Dataset({"Customers": CUSTOMERS, "Subscriptions": SUBS, "Usage": USAGE})


def test_at_risk_red_rule_and_drop_rule_each_on_their_own(ds):
    t = at_risk(ds, *PERIOD)
    assert t.columns.tolist() == list(AT_RISK_COLUMNS)
    # MRR 300 (A), 300 (F; tie -> by id), 0 (C has no Subscriptions row)
    assert t["customer_id"].tolist() == ["A", "F", "C"]
    a, f, c = (r for r in t.to_dict("records"))
    assert (a["status"], a["health"], a["previous_health"], a["change"]) == ("Amber", 62.5, 87.5, -25.0)
    assert (f["status"], f["health"], f["previous_health"], f["change"]) == ("Red", 25.0, 12.5, 12.5)
    assert (c["status"], c["health"], c["mrr"]) == ("Red", 25.0, 0.0)
    assert math.isnan(c["previous_health"]) and math.isnan(c["change"])
    assert (a["name"], a["csm"], a["segment"], a["mrr"]) == ("Alpha", "Ann", "SMB", 300.0)
    assert (c["name"], c["csm"], c["segment"]) == ("Gamma", "", "Enterprise")
    assert set(t["weakest"]) == {"goals"}  # the only component with a value


def test_at_risk_leaves_out_a_fall_of_10_a_green_newcomer_and_an_unscorable_customer(ds):
    ids = set(at_risk(ds, *PERIOD)["customer_id"])
    assert not ids & {"B", "D", "G", "X"}


def test_at_risk_drop_is_at_least_risk_drop_points_from_the_config(ds, tmp_path):
    # G fell exactly 12.5: listed with risk_drop = 12.5 (at least), not with the default 15
    path = tmp_path / "health.toml"
    path.write_text("[thresholds]\nrisk_drop = 12.5\n")
    cfg = load_health_config(path)
    assert cfg.risk_drop == 12.5 and HealthConfig().risk_drop == 15.0
    row = at_risk(ds, *PERIOD, config=cfg).set_index("customer_id").loc["G"]
    assert (row["change"], row["status"]) == (-12.5, "Amber")


def test_at_risk_weakest_is_the_component_with_the_lowest_scaled_score():
    # goals 0.5 -> 50; depth 1 / 10 = 0.1 -> 0; adoption 5 / 10 = 0.5 -> 50: score 33.3 Red, weakest depth
    usage = pd.DataFrame({"customer_id": ["a"], "month": ["2026-06"], "goals_met": [0.5], "features_used": [1],
                          "features_available": [10], "active_users": [5], "licensed_users": [10]})
    t = at_risk(Dataset({"Usage": usage}), *PERIOD)
    assert t[["customer_id", "weakest", "status"]].values.tolist() == [["a", "depth", "Red"]]
    assert t["health"].iloc[0] == pytest.approx(100 / 3)
    assert (t["name"].iloc[0], t["csm"].iloc[0], t["mrr"].iloc[0]) == ("", "", 0.0)  # no Customers, no MRR


def test_at_risk_previous_health_uses_the_previous_periods_nps_answers():
    # a: goals 0.5 both months. Previous sentiment: NPS 9 in 2026-02 -> 100, score (50 + 100) / 2 = 75.
    # Now: NPS 3 in 2026-05 -> 0, score 25 (Red, fell 50). A 2026-02 answer must not count now.
    usage = pd.DataFrame({"customer_id": ["a", "a"], "month": ["2026-03", "2026-06"], "goals_met": [0.5, 0.5]})
    responses = pd.DataFrame({"customer_id": ["a", "a"], "date": ["2026-02-10", "2026-05-10"],
                              "survey": ["NPS", "NPS"], "score": [9, 3]})
    row = at_risk(Dataset({"Usage": usage, "Responses": responses}), *PERIOD).iloc[0]
    assert (row["previous_health"], row["health"], row["change"], row["weakest"]) == (75.0, 25.0, -50.0,
                                                                                        "sentiment")


@pytest.mark.parametrize("value, kind, fragment", [
    ("0", "num", "risk_drop: 0 would list every customer"),
    ("-5", "num", "risk_drop: -5 is below the minimum 0"),
    ("120", "num", "risk_drop: 120 is above the maximum 100"),
    ('"lots"', "value", "risk_drop: text 'lots' is not a number"),
])
def test_bad_risk_drop_in_the_health_config(tmp_path, value, kind, fragment):
    path = tmp_path / "health.toml"
    path.write_text(f"[thresholds]\nrisk_drop = {value}\n")
    with pytest.raises(KpiInputError) as ei:
        load_health_config(path)
    assert_error(ei, kind, fragment)


def test_at_risk_without_usage_names_the_table(ds):
    with pytest.raises(KpiInputError) as ei:
        at_risk(Dataset({"Customers": CUSTOMERS}), *PERIOD)
    assert_error(ei, "value", "need the Usage table")


# ------------------------------------------------------------------------ detractors

RESPONSES = pd.DataFrame({
    "customer_id": ["c2", "c1", "c3", "c1", "c4", "c5", "c2"],
    "date": ["2026-06-20", "2026-05-10", "2026-06-01", "2026-06-20", "2026-03-31", "2026-04-02", "2026-07-01"],
    "survey": ["NPS", "NPS", "NPS", "NPS", "NPS", "CSAT", "NPS"],
    "score": [6, 3, 7, 0, 5, 1, 2],
})


def test_detractors_every_nps_answer_up_to_6_in_the_period_newest_first():
    # kept: c2 6 (06-20), c1 0 (06-20, same day: by id -> c1 first), c1 3 (05-10)
    # left out: c3 7 (passive), c4 5 on 03-31 and c2 2 on 07-01 (outside), c5 CSAT 1 (not NPS)
    customers = pd.DataFrame({"customer_id": ["c1", "c2", "c3", "c4", "c5"], "name": ["One", "Two", "", "", ""],
                              "csm": ["Ann", "", "Ben", "Ben", "Ann"]})
    t = detractors(Dataset({"Customers": customers, "Responses": RESPONSES}), *PERIOD)
    assert t.columns.tolist() == ["customer_id", "name", "csm", "date", "score"]
    assert t[["customer_id", "name", "csm", "score"]].values.tolist() == [
        ["c1", "One", "Ann", 0.0], ["c2", "Two", "", 6.0], ["c1", "One", "Ann", 3.0]]
    assert [f"{d:%Y-%m-%d}" for d in t["date"]] == ["2026-06-20", "2026-06-20", "2026-05-10"]


def test_detractors_without_customers_table_have_blank_name_and_csm():
    t = detractors(Dataset({"Responses": RESPONSES}), *PERIOD)
    assert t["customer_id"].tolist() == ["c1", "c2", "c1"]
    assert set(t["name"]) == {""} and set(t["csm"]) == {""}


def test_detractors_customers_without_csm_column():
    customers = pd.DataFrame({"customer_id": ["c1", "c2", "c3", "c4", "c5"], "name": list("abcde")})
    t = detractors(Dataset({"Customers": customers, "Responses": RESPONSES}), *PERIOD)
    assert t["name"].tolist() == ["a", "b", "a"] and set(t["csm"]) == {""}


def test_detractors_none_in_the_period_is_an_empty_table():
    t = detractors(Dataset({"Responses": RESPONSES}), "2025-01", "2025-03")
    assert t.empty and t.columns.tolist() == ["customer_id", "name", "csm", "date", "score"]


def test_detractors_without_responses_names_the_table():
    with pytest.raises(KpiInputError) as ei:
        detractors(Dataset({"Customers": pd.DataFrame({"customer_id": ["c1"]})}, source="data/"), *PERIOD)
    assert_error(ei, "value", "data/", "detractors need the Responses table")


def test_at_risk_on_the_sample_lists_exactly_the_red_and_the_sharp_fallers():
    # the rule applied by hand to the two health_scores tables a report and its previous report show
    from kpi_core import health_scores, sample_dataset

    ds = sample_dataset(seed=1, n_customers=120)
    now = health_scores(ds, "2026-10", period_start="2026-05").set_index("customer_id")["score"].dropna()
    before = health_scores(ds, "2026-04", period_start="2025-11").set_index("customer_id")["score"]
    expected = {cid for cid, score in now.items()
                if score < 40 or (cid in before.index and score - before[cid] <= -15)}
    t = at_risk(ds, "2026-05", "2026-10")
    assert set(t["customer_id"]) == expected and len(t) == len(expected)
    assert expected & set(before.index) and any(now[c] >= 40 for c in expected)  # both rules at work
    mrr = t["mrr"].to_numpy()
    assert (mrr[:-1] >= mrr[1:]).all()
