"""Where: a dataset restricted to some customers, and headline KPIs per segment or CSM (DESIGN.md §9).

Company-level tables (:data:`COMPANY_TABLES`: Funnel and Acquisition, web
traffic and acquisition spend) say nothing about a customer or a group of
customers, so every customer subset leaves them out, and with them CAC,
conversion and cart abandonment.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import KpiInputError
from .headline import HEADLINE_KEYS, headline_kpis, report_period, rows_read
from .health import HealthConfig

__all__ = ["COMPANY_TABLES", "BREAKDOWNS", "UNASSIGNED", "customer_groups", "customer_subset", "kpis_by"]

#: Tables that describe the company, not a customer: left out of every customer subset.
COMPANY_TABLES = ("Funnel", "Acquisition")
#: The Customers columns :func:`kpis_by` breaks KPIs down by.
BREAKDOWNS = ("segment", "csm")
#: The group of customers whose group value is blank.
UNASSIGNED = "(unassigned)"
#: Sums and counts of a group without any Subscriptions row: 0, as a month without a row has MRR 0.
_ZERO_WITHOUT_ROWS = ("mrr", "arr", "net_customer_change")


def customer_groups(ds: Dataset, by: str) -> pd.Series:
    """The group value of every customer: the Customers column `by`, stripped, "" when blank.

    Parameters
    ----------
    ds : Dataset
    by : str
        A column of the Customers table (``"segment"``, ``"csm"``, ...).

    Returns
    -------
    pandas.Series
        Indexed by ``customer_id`` (the Customers table's order), text values.

    Raises
    ------
    KpiInputError
        Without a Customers table, or when it has no column `by`.

    Examples
    --------
    >>> from kpi_core import sample_dataset
    >>> customer_groups(sample_dataset(n_customers=3), "segment").to_dict()
    {'C0001': 'Mid-Market', 'C0002': 'SMB', 'C0003': 'SMB'}
    """
    customers = ds.table("Customers")
    if customers is None:
        raise KpiInputError(f"{ds.source}: a breakdown by {by} needs the Customers table (customers.csv or an "
                            "Excel table named Customers)", "value")
    if by not in customers:
        raise KpiInputError(f"{ds.source}: table Customers has no column '{by}' (needed for a breakdown by {by})",
                            "value")
    values = customers[by].astype(object).where(customers[by].notna(), "").astype(str).str.strip()
    return pd.Series(values.to_numpy(dtype=object), index=pd.Index(customers["customer_id"], name="customer_id"),
                     name=by)


def customer_subset(ds: Dataset, ids, source: str | None = None) -> Dataset:
    """The dataset restricted to some customers: their rows of every customer-keyed table.

    Company-level tables (:data:`COMPANY_TABLES`) are dropped, and so are the
    tables in which these customers have no row (a customer without orders
    has no Orders table, so its commerce KPIs are left out, as
    :func:`kpi_core.headline_kpis` leaves out the KPIs of absent tables).
    The rows are taken from the already validated tables through
    :meth:`Dataset.from_validated`: a row filter of valid tables is valid.

    Parameters
    ----------
    ds : Dataset
    ids : iterable of str
        Customer ids to keep (ids with no row anywhere are ignored).
    source : str, optional
        The new dataset's source label (default: that of `ds`).

    Examples
    --------
    >>> from kpi_core import sample_dataset
    >>> sub = customer_subset(sample_dataset(n_customers=5), ["C0002"])
    >>> sorted(sub.tables)
    ['Customers', 'Orders', 'Responses', 'Subscriptions', 'Tickets', 'Usage']
    >>> sub.table("Customers")["customer_id"].tolist()
    ['C0002']
    """
    keep = pd.Index(list(ids) if not isinstance(ids, (pd.Series, pd.Index, np.ndarray)) else ids)
    return _restricted(ds, {name: frame["customer_id"].isin(keep).to_numpy(dtype=bool)
                            for name, frame in ds.tables.items() if name not in COMPANY_TABLES}, source or ds.source)


def _restricted(ds: Dataset, rows: dict, source: str, kept: dict | None = None) -> Dataset:
    """The tables of `ds` named in `rows` cut to the rows their mask selects; a table left without a row is
    dropped, unless `kept` (table name -> bool) keeps it."""
    tables = {}
    for name, keep in rows.items():  # one pass per table (at most six), vectorised within
        frame = ds.tables[name][keep].reset_index(drop=True)
        if len(frame) or (kept or {}).get(name, False):
            tables[name] = frame
    return Dataset.from_validated(tables, source)


def _group_subsets(ds: Dataset, labels: pd.Series, by: str, period) -> Iterator[tuple[str, Dataset]]:
    """Each group's :func:`customer_subset`, as :func:`headline_kpis` reads it for `period`, one at a time:
    (group label, Dataset), labels in order of first appearance.

    `labels` is indexed by the Customers' ids; each table's rows are matched to their
    customer's group once (a row of a customer not in Customers is in no group). Only the
    rows the period's KPIs read are kept (:func:`kpi_core.headline.rows_read`); a table
    stays whenever the group has a row in it, as in its :func:`customer_subset`.
    """
    codes, groups = pd.factorize(labels, sort=False)
    ids = pd.Index(labels.index)  # the Customers' ids: unique in a Dataset (validated)
    read = rows_read(ds, period)
    row_codes, present = {}, {}
    for name, frame in ds.tables.items():
        if name not in COMPANY_TABLES:
            where = ids.get_indexer(frame["customer_id"])
            group = np.where(where >= 0, codes[where], -1)
            present[name] = np.bincount(group[group >= 0], minlength=len(groups)) > 0
            row_codes[name] = np.where(read[name], group, -1) if name in read else group
    for k, g in enumerate(groups):
        yield g, _restricted(ds, {name: c == k for name, c in row_codes.items()}, f"{ds.source} [{by} {g}]",
                             {name: bool(has[k]) for name, has in present.items()})


def kpis_by(ds: Dataset, by: str, period_start=None, period_end=None,
            config: HealthConfig | None = None) -> pd.DataFrame:
    """Headline KPIs per segment or per CSM: one row per group.

    Each group's row is :func:`kpi_core.headline_kpis` of the dataset
    restricted to the group's customers (:func:`customer_subset`: every
    customer-keyed table restricted to them; Funnel and Acquisition left out),
    over the same report period for every group (the defaults resolved on the
    whole dataset, :func:`kpi_core.report_period`).

    Parameters
    ----------
    ds : Dataset
        Needs the Customers table with the column `by`; a customer's group is
        its value there (stripped); customers with a blank value form the
        group ``"(unassigned)"``.
    by : {"segment", "csm"}
    period_start, period_end : str or date, optional
        The report period, as for :func:`kpi_core.headline_kpis`.
    config : HealthConfig, optional
        Health configuration for ``avg_health``.

    Returns
    -------
    pandas.DataFrame
        Columns: `by` (the group), ``customers`` (the group's customers with
        MRR > 0 in the end month; only with a Subscriptions table), then
        every headline key that any group has, in
        :data:`~kpi_core.HEADLINE_KEYS` order, as floats: NaN where the KPI is
        undefined for the group (a zero denominator, or no row of its table).
        A group without any Subscriptions row has MRR, ARR and net customer
        change 0 (a month without a row has MRR 0, DESIGN.md §3). Every group
        of the Customers table has a row, sorted by ``mrr``, largest first
        (groups without MRR last), ties by group name with "(unassigned)"
        after the named groups (as ``cskpi build --by`` orders its workbooks).

    Raises
    ------
    KpiInputError
        `by` is not segment or csm; no Customers table or no column `by`.

    Examples
    --------
    >>> from kpi_core import sample_dataset
    >>> t = kpis_by(sample_dataset(n_customers=60), "segment", "2026-01", "2026-06")
    >>> t.columns.tolist()[:6]
    ['segment', 'customers', 'mrr', 'arr', 'nrr', 'grr']
    >>> t["segment"].tolist(), t["mrr"].is_monotonic_decreasing
    (['Enterprise', 'Mid-Market', 'SMB'], True)
    """
    if by not in BREAKDOWNS:
        raise KpiInputError(f"by: {by!r} is not one of {', '.join(BREAKDOWNS)}", "value")
    groups = customer_groups(ds, by)
    period = report_period(ds, period_start, period_end)
    labels = groups.where(groups != "", UNASSIGNED)
    # one call per group (a handful), never per customer; one group's subset held at a time
    rows = {label: headline_kpis(subset, period.start, period.end, config)
            for label, subset in _group_subsets(ds, labels, by, period)}
    keys = [k for k in HEADLINE_KEYS if any(k in r for r in rows.values())]
    out = pd.DataFrame.from_dict({label: {k: r.get(k) for k in keys} for label, r in rows.items()},
                                 orient="index", columns=keys).astype(float)
    subs = ds.table("Subscriptions")
    if subs is not None:
        end = subs[subs["month"] == period.end].groupby("customer_id")["mrr"].sum()
        active = labels[labels.index.isin(end.index[end > 0])]
        out.insert(0, "customers", active.value_counts().reindex(out.index, fill_value=0).astype(int))
        for key in _ZERO_WITHOUT_ROWS:
            if key in out:
                out[key] = out[key].fillna(0.0)
    out.index.name = by
    out = out.reset_index()
    out = out.assign(_unassigned=out[by] == UNASSIGNED).sort_values(["_unassigned", by], kind="stable")
    if "mrr" in out:
        out = out.sort_values("mrr", ascending=False, kind="stable", na_position="last")
    return out.drop(columns="_unassigned").reset_index(drop=True)
