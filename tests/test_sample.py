"""The sample generator's churn model (kpi_core/sample.py): churn follows the health components it is told to.

tests/test_headline.py checks the sample's tables, determinism and plausible KPI ranges; here the
claim of its docstring, that the health score means something, and the variants the backtest tests use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kpi_core
from kpi_core import KpiInputError
from kpi_core._stats import wilson

from _helpers import assert_error


def _monthly_churn_by_segment(ds) -> pd.DataFrame:
    """Per segment: paying customer-months followed by a month without MRR (churn events) and their count."""
    subs = ds.table("Subscriptions")
    paying = subs[subs["mrr"] > 0]
    keys = set(zip(paying["customer_id"], paying["month"]))
    last = subs["month"].max()
    rows = paying[paying["month"] < last]
    nxt = rows["month"] + pd.DateOffset(months=1)
    gone = [(c, m) not in keys for c, m in zip(rows["customer_id"], nxt)]
    segment = rows["customer_id"].map(ds.table("Customers").set_index("customer_id")["segment"])
    return pd.DataFrame({"segment": segment.to_numpy(), "churned": gone}).groupby("segment")["churned"].agg(
        ["sum", "count"])


def test_the_default_samples_health_score_predicts_churn():
    # the docstring's claim, measured by the backtest (DESIGN.md §13)
    bt = kpi_core.health_backtest(kpi_core.sample_dataset())
    assert bt.auc_low > 0.55
    red, green = bt.by_status.set_index("status").loc[["Red", "Green"], ["rate_low", "rate_high"]].to_numpy()
    assert red[0] > green[1]  # Red churns more than Green, beyond both intervals


def test_churn_independent_of_health_is_also_independent_of_segment():
    # the score sees the segment through ticket volume: independent churn is the same for every account
    table = _monthly_churn_by_segment(kpi_core.sample_dataset(seed=5, n_customers=3000, churn_drivers=()))
    low, high = wilson(table["sum"], table["count"])
    assert max(low) < min(high)  # the three segments' intervals overlap
    # and the default keeps the segments' different churn: SMB churns more than Enterprise
    table = _monthly_churn_by_segment(kpi_core.sample_dataset(seed=5, n_customers=3000))
    low, high = wilson(table["sum"], table["count"])
    assert low[list(table.index).index("SMB")] > high[list(table.index).index("Enterprise")]


@pytest.mark.parametrize("kwargs, kind, fragment", [
    ({"churn_drivers": ("adoption", "happiness")}, "value", "unknown component(s) ['happiness']"),
    ({"component_correlation": 1.5}, "num", "component_correlation: 1.5"),
])
def test_bad_variant_arguments_are_named(kwargs, kind, fragment):
    with pytest.raises(KpiInputError) as info:
        kpi_core.sample_dataset(n_customers=5, **kwargs)
    assert_error(info, kind, fragment)


def test_a_single_driver_name_and_independent_components():
    ds = kpi_core.sample_dataset(seed=1, n_customers=20, churn_drivers="depth", component_correlation=0.0)
    assert len(ds.table("Customers")) == 20
    usage = ds.table("Usage")
    assert np.isfinite(usage["logins"]).all() and (usage["active_users"] <= usage["licensed_users"]).all()
