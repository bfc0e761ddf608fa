"""Customer subsets and headline KPIs per segment / CSM (DESIGN.md §9), worked out by hand on _small data."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpi_core
import workbook_templates.templates.account as account
from kpi_core import COMPANY_TABLES, Dataset, customer_subset, headline_kpis, kpis_by

from _helpers import assert_error
from _small import breakdown_tables, dataset

PERIOD = ("2026-01", "2026-03")


@pytest.fixture(scope="module")
def ds():
    return dataset(breakdown_tables())


def _rows(table, by):
    return {r[by]: r for r in table.to_dict("records")}


# ------------------------------------------------------------------------ kpis_by


def test_kpis_by_csm_hand_values(ds):
    # Alice (c1, c2): start 100 + 200 = 300, end 150 + 0 -> NRR 0.5, GRR (100 + 0) / 300, churn 1/2,
    #   NPS c1 10 / c2 3 -> (1 - 1) / 2 = 0, CSAT c1 5 -> 1.0, health c1 (goals 100, sentiment 10 -> 100) = 100
    # Bob (c3, c5): start 350, end 50 + 240 = 290 -> NRR = GRR = 290 / 350, churn 0, NPS 9 / 8 -> 50,
    #   CSAT c3 2 -> 0.0, health c3 (goals 50, sentiment 9 -> 100) = 75
    t = kpis_by(ds, "csm", *PERIOD)
    assert t["csm"].tolist() == ["Bob", "Alice", "(unassigned)", "Carol"]  # MRR 290, 150, 80, 0
    rows = _rows(t, "csm")
    alice, bob = rows["Alice"], rows["Bob"]
    assert (alice["customers"], alice["mrr"], alice["arr"]) == (1, 150.0, 1800.0)
    assert alice["nrr"] == pytest.approx(0.5) and alice["grr"] == pytest.approx(100 / 300)
    assert alice["logo_churn"] == pytest.approx(0.5)
    assert alice["nps"] == pytest.approx(0.0) and alice["csat"] == pytest.approx(1.0)
    assert alice["avg_health"] == pytest.approx(100.0)
    assert (bob["customers"], bob["mrr"]) == (2, 290.0)
    assert bob["nrr"] == pytest.approx(290 / 350) and bob["grr"] == pytest.approx(290 / 350)
    assert bob["logo_churn"] == pytest.approx(0.0)
    assert bob["nps"] == pytest.approx(50.0) and bob["csat"] == pytest.approx(0.0)
    assert bob["avg_health"] == pytest.approx(75.0)


def test_kpis_by_blank_csm_is_unassigned_with_undefined_ratios(ds):
    # c4 ("  " csm): no start MRR (NRR, churn undefined), 80 at the end (new), no answer, no usage
    row = _rows(kpis_by(ds, "csm", *PERIOD), "csm")["(unassigned)"]
    assert (row["customers"], row["mrr"], row["net_customer_change"]) == (1, 80.0, 1.0)
    assert all(math.isnan(row[k]) for k in ("nrr", "grr", "logo_churn", "nps", "csat", "avg_health"))


def test_kpis_by_group_without_any_row_has_zero_mrr_and_is_listed_last(ds):
    row = _rows(kpis_by(ds, "csm", *PERIOD), "csm")["Carol"]  # c6: a Customers row and nothing else
    assert (row["customers"], row["mrr"], row["arr"], row["net_customer_change"]) == (0, 0.0, 0.0, 0.0)
    assert math.isnan(row["nrr"]) and math.isnan(row["nps"])


def test_kpis_by_segment_hand_values(ds):
    # SMB (c1, c3, c4, c6): start 150, end 150 + 50 + 80 = 280, NRR (150 + 50) / 150, NPS 10 / 9 -> 100
    # Enterprise (c2, c5): start 500, end 240, NRR = GRR = 240 / 500, churn 1/2, NPS 3 / 8 -> -50
    t = kpis_by(ds, "segment", *PERIOD)
    assert t["segment"].tolist() == ["SMB", "Enterprise"]
    smb, ent = _rows(t, "segment")["SMB"], _rows(t, "segment")["Enterprise"]
    assert (smb["customers"], smb["mrr"]) == (3, 280.0) and smb["nrr"] == pytest.approx(200 / 150)
    assert smb["nps"] == pytest.approx(100.0)
    assert (ent["customers"], ent["mrr"]) == (1, 240.0)
    assert ent["nrr"] == pytest.approx(0.48) and ent["grr"] == pytest.approx(0.48)
    assert ent["logo_churn"] == pytest.approx(0.5) and ent["nps"] == pytest.approx(-50.0)


def test_kpis_by_columns_group_customers_then_headline_keys_without_company_kpis(ds):
    t = kpis_by(ds, "csm", *PERIOD)
    assert t.columns[:3].tolist() == ["csm", "customers", "mrr"]
    for key in ("nrr", "grr", "logo_churn", "nps", "csat", "avg_health"):
        assert key in t.columns
    assert "conversion_rate" not in t.columns  # Funnel is company-level: left out
    assert "conversion_rate" in headline_kpis(ds, *PERIOD)


def test_kpis_by_uses_the_whole_datasets_default_period():
    # Bob's data ends in 2026-03, Alice's in 2026-04: both groups are reported for the same period
    tables = {"Customers": pd.DataFrame({"customer_id": ["a", "b"], "csm": ["Alice", "Bob"]}),
              "Subscriptions": pd.DataFrame({"customer_id": ["a", "b", "a"], "month": ["2026-03", "2026-03", "2026-04"],
                                             "mrr": [10, 20, 10]})}
    rows = _rows(kpis_by(dataset(tables), "csm", period_start="2026-03"), "csm")
    assert rows["Bob"]["mrr"] == 0.0 and rows["Bob"]["logo_churn"] == pytest.approx(1.0)  # b churned by 2026-04
    assert rows["Alice"]["mrr"] == 10.0


def test_kpis_by_matches_headline_kpis_of_each_groups_subset_on_the_sample():
    ds = kpi_core.sample_dataset(seed=2, n_customers=80)
    t = kpis_by(ds, "segment", "2026-01", "2026-06")
    customers = ds.table("Customers")
    for rec in t.to_dict("records"):
        ids = customers.loc[customers["segment"] == rec["segment"], "customer_id"]
        expected = headline_kpis(customer_subset(ds, ids), "2026-01", "2026-06")
        for key, value in expected.items():
            assert rec[key] == pytest.approx(value, nan_ok=True) if value is not None else math.isnan(rec[key])


@settings(max_examples=15, deadline=None)
@given(st.lists(st.sampled_from(["North", " North ", "South", "", "West"]), min_size=30, max_size=30))
def test_kpis_by_is_each_groups_customer_subset_exactly(segments):
    # the groups' rows are matched to them once per table: each row is still headline_kpis of
    # customer_subset of the group's customers (DESIGN.md §9), to the last bit
    ds = kpi_core.sample_dataset(seed=5, n_customers=30)
    customers = ds.table("Customers").assign(segment=segments)
    ds = Dataset.from_validated({**ds.tables, "Customers": customers}, "regrouped")
    t = kpis_by(ds, "segment", "2026-01", "2026-06")
    labels = customers["segment"].str.strip().replace("", kpi_core.UNASSIGNED)
    assert sorted(t["segment"]) == sorted(labels.unique())
    for rec in t.to_dict("records"):
        ids = customers.loc[labels == rec["segment"], "customer_id"]
        sub = customer_subset(ds, ids)
        assert sub.source == "regrouped"
        expected = headline_kpis(sub, "2026-01", "2026-06")
        for key, value in expected.items():
            if value is None:
                assert math.isnan(rec[key]) or key in ("mrr", "arr", "net_customer_change")
            else:
                assert rec[key] == value, key


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "B", ""]), st.integers(0, 500), st.integers(0, 500)),
                min_size=1, max_size=8))
def test_group_mrr_sums_to_the_headline_mrr_when_groups_cover_every_customer(rows):
    ids = [f"c{i}" for i in range(len(rows))]
    subs = pd.DataFrame({"customer_id": ids * 2, "month": ["2026-01"] * len(rows) + ["2026-02"] * len(rows),
                         "mrr": [r[1] for r in rows] + [r[2] for r in rows]})
    ds = Dataset({"Customers": pd.DataFrame({"customer_id": ids, "csm": [r[0] for r in rows]}),
                  "Subscriptions": subs})
    t = kpis_by(ds, "csm", "2026-01", "2026-02")
    assert t["mrr"].sum() == pytest.approx(headline_kpis(ds, "2026-01", "2026-02")["mrr"])
    assert t["customers"].sum() == sum(1 for r in rows if r[2] > 0)
    assert t["mrr"].is_monotonic_decreasing


def test_kpis_by_rejects_a_column_that_is_not_segment_or_csm(ds):
    with pytest.raises(kpi_core.KpiInputError) as ei:
        kpis_by(ds, "country", *PERIOD)
    assert_error(ei, "value", "'country' is not one of segment, csm")


def test_kpis_by_without_customers_table_names_the_table():
    ds = Dataset({"Subscriptions": breakdown_tables()["Subscriptions"]}, source="data/")
    with pytest.raises(kpi_core.KpiInputError) as ei:
        kpis_by(ds, "csm", *PERIOD)
    assert_error(ei, "value", "data/", "needs the Customers table")


def test_kpis_by_without_the_column_names_table_and_column():
    tables = breakdown_tables()
    tables["Customers"] = tables["Customers"].drop(columns="segment")
    with pytest.raises(kpi_core.KpiInputError) as ei:
        kpis_by(dataset(tables), "segment", *PERIOD)
    assert_error(ei, "value", "table Customers has no column 'segment'")


# ------------------------------------------------------------------------ customer_subset


def test_customer_subset_keeps_their_rows_drops_company_and_empty_tables(ds):
    sub = customer_subset(ds, ["c4"], "c4 only")
    assert sorted(sub.tables) == ["Customers", "Subscriptions"]  # no answer, no usage; Funnel is company-level
    assert sub.table("Subscriptions")["mrr"].tolist() == [80.0]
    assert sub.source == "c4 only" and isinstance(sub, Dataset)
    assert customer_subset(ds, ["c1"]).source == ds.source


def test_customer_subset_keeps_what_validation_derived_for_yes_no_csat():
    # yes/no CSAT answers: 2 yes of 3 -> 2/3; a second validation would reject the blank scores
    ds = Dataset({"Responses": pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
                                             "date": ["2026-01-05"] * 4, "survey": ["CSAT"] * 4,
                                             "score": ["yes", "no", "oui", "no"]})})
    sub = customer_subset(ds, ["a"])
    assert headline_kpis(sub, "2026-01", "2026-01")["csat"] == pytest.approx(2 / 3)


def test_from_validated_rejects_an_unknown_table():
    with pytest.raises(kpi_core.KpiInputError) as ei:
        Dataset.from_validated({"Invoices": pd.DataFrame()})
    assert_error(ei, "value", "unknown table(s) ['Invoices']")


def test_account_customer_subset_and_company_tables_have_their_one_home_in_kpi_core(ds):
    assert account.COMPANY_TABLES is COMPANY_TABLES == ("Funnel", "Acquisition")
    assert sorted(account.customer_subset(ds, ["c1", "c2"]).table("Customers")["customer_id"]) == ["c1", "c2"]


def test_customer_groups_strips_values_and_leaves_blank_empty(ds):
    assert kpi_core.customer_groups(ds, "csm").to_dict() == {
        "c1": "Alice", "c2": "Alice", "c3": "Bob", "c4": "", "c5": "Bob", "c6": "Carol"}


def test_kpis_by_without_subscriptions_has_no_customers_or_revenue_columns():
    tables = breakdown_tables()
    del tables["Subscriptions"]
    t = kpis_by(dataset(tables), "csm", *PERIOD)
    assert "customers" not in t.columns and "mrr" not in t.columns
    assert t["csm"].tolist() == ["Alice", "Bob", "Carol", "(unassigned)"]  # by name without MRR, unassigned last
    assert _rows(t, "csm")["Bob"]["nps"] == pytest.approx(50.0)
