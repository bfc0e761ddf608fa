"""Small hand-made datasets whose KPIs are worked out by hand in the tests that use them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpi_core import TABLES, Dataset


def two_period_tables() -> dict:
    """Customers a and b over 2026-01..2026-04 (report 2026-03..04, previous 2026-01..02).

    MRR      Jan  Feb  Mar  Apr
    a        100  100  100  120
    b        100   50   50    -
    Previous NRR = (100 + 50) / (100 + 100) = 0.75; current NRR = (120 + 0) / (100 + 50) = 0.80.
    NPS: previous a 10, b 0 -> 0; current a 9, b 9 -> 100.
    """
    return {
        "Subscriptions": pd.DataFrame({
            "customer_id": ["a", "b", "a", "b", "a", "b", "a"],
            "month": ["2026-01", "2026-01", "2026-02", "2026-02", "2026-03", "2026-03", "2026-04"],
            "mrr": [100, 100, 100, 50, 100, 50, 120]}),
        "Responses": pd.DataFrame({
            "customer_id": ["a", "b", "a", "b"], "date": ["2026-01-15", "2026-02-03", "2026-03-20", "2026-04-02"],
            "survey": ["NPS"] * 4, "score": [10, 0, 9, 9]}),
    }


def breakdown_tables() -> dict:
    """Six customers, two CSMs plus a blank one and one without any row; period 2026-01..2026-03.

    id  csm     segment     MRR Jan  MRR Mar   NPS   CSAT  Usage Mar goals_met
    c1  Alice   SMB             100      150    10      5   1.0
    c2  Alice   Enterprise      200        -     3
    c3  Bob     SMB              50       50     9      2   0.5
    c4  (blank) SMB               -       80
    c5  Bob     Enterprise      300      240     8
    c6  Carol   SMB               -        -
    """
    return {
        "Customers": pd.DataFrame({
            "customer_id": ["c1", "c2", "c3", "c4", "c5", "c6"],
            "name": ["One", "Two", "Three", "Four", "Five", "Six"],
            "csm": ["Alice", "Alice", "Bob", "  ", "Bob", "Carol"],
            "segment": ["SMB", "Enterprise", "SMB", "SMB", "Enterprise", "SMB"]}),
        "Subscriptions": pd.DataFrame({
            "customer_id": ["c1", "c2", "c3", "c5", "c1", "c2", "c3", "c5", "c1", "c3", "c4", "c5"],
            "month": ["2026-01"] * 4 + ["2026-02"] * 4 + ["2026-03"] * 4,
            "mrr": [100, 200, 50, 300, 100, 200, 50, 300, 150, 50, 80, 240]}),
        "Responses": pd.DataFrame({
            "customer_id": ["c1", "c2", "c3", "c5", "c1", "c3"],
            "date": ["2026-02-10", "2026-03-05", "2026-01-20", "2026-03-28", "2026-02-11", "2026-02-12"],
            "survey": ["NPS", "NPS", "NPS", "NPS", "CSAT", "CSAT"], "score": [10, 3, 9, 8, 5, 2]}),
        "Usage": pd.DataFrame({"customer_id": ["c1", "c3"], "month": ["2026-03", "2026-03"],
                               "goals_met": [1.0, 0.5]}),
        "Funnel": pd.DataFrame({"month": ["2026-01"], "visitors": [1000], "conversions": [10]}),
    }


def dataset(tables: dict, source: str = "<small>") -> Dataset:
    return Dataset(tables, source=source)


def write_folder(tables: dict, folder: Path) -> Path:
    """Raw tables as a folder of CSV files, as a user would give them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / TABLES[name].file_name, index=False)
    return folder
