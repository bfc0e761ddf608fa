"""The bundled realistic sample dataset: all eight tables, deterministic by seed.

A French-flavoured SaaS book of business: accounts in three segments looked
after by six CSMs, 24 months of MRR with real new business, expansion,
contraction, churn and reactivation, NPS/CSAT/CES answers, support tickets,
product usage, add-on orders, web funnel and acquisition spend. Names carry
accents and apostrophes, as real French data does. A latent health per
account drives usage, sentiment, tickets and churn together, so the health
score means something.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .dataset import Dataset

__all__ = ["sample_dataset", "SAMPLE_FIRST_MONTH", "SAMPLE_MONTHS"]

SAMPLE_FIRST_MONTH = pd.Timestamp("2024-11-01")
SAMPLE_MONTHS = 24

_PREFIXES = ["Boulangerie", "Atelier", "Cabinet", "Maison", "Société", "Groupe", "Studio", "Librairie",
             "Pharmacie", "Clinique", "Agence", "Brasserie", "Hôtel", "Garage", "Éditions", "Fromagerie",
             "Crèche", "Opticien", "Cave", "Transports"]
_PLACES = ["de l'Île", "d'Argenteuil", "Saint-Étienne", "Côte d'Azur", "d'Évry", "Besançon", "d'Orléans",
           "Nîmes", "Angoulême", "du Lac", "O'Neill", "Lefèvre & Fils", "des Prés", "l'Écluse", "Gaîté",
           "Château-Thierry", "d'Aix", "Forêt-Noire", "Montréal", "Genève"]
_CSMS = ["Amélie Durand", "Jérôme N'Diaye", "Chloé Lefèvre", "François O'Connor", "Zoé Martin", "Hélène Dubois"]
_SEGMENTS = np.array(["SMB", "Mid-Market", "Enterprise"])
_COUNTRIES = np.array(["France", "Belgique", "Suisse", "Canada", "Luxembourg"])

# per segment: base MRR (median), monthly churn, licensed users (low, high), tickets per month
_BASE_MRR = np.array([150.0, 900.0, 4000.0])
_CHURN = np.array([0.025, 0.012, 0.006])
_SEATS = np.array([[3, 20], [20, 120], [100, 900]])
_TICKETS = np.array([0.4, 1.0, 2.5])


def _round_to(x: np.ndarray, step: float) -> np.ndarray:
    return np.maximum(step, np.round(x / step) * step)


def _month_dates(rng, months: np.ndarray, with_time: bool) -> np.ndarray:
    """A random day (and time) within each given month."""
    days = pd.DatetimeIndex(months).days_in_month.to_numpy()
    offset = np.floor(rng.random(len(months)) * days).astype("timedelta64[D]")
    out = months.astype("datetime64[D]") + offset
    if with_time:
        secs = rng.integers(8 * 3600, 19 * 3600, len(months)).astype("timedelta64[s]")
        return out.astype("datetime64[s]") + secs
    return out


def sample_dataset(seed: int = 0, n_customers: int = 400) -> Dataset:
    """A realistic, deterministic sample of all eight tables.

    Parameters
    ----------
    seed : int, default 0
        Same seed, same data.
    n_customers : int, default 400
        Number of accounts (the benchmarks use 100x the default).

    Returns
    -------
    Dataset
        Months ``2024-11`` .. ``2026-10`` (24 months).

    Examples
    --------
    >>> ds = sample_dataset()
    >>> sorted(ds.tables)
    ['Acquisition', 'Customers', 'Funnel', 'Orders', 'Responses', 'Subscriptions', 'Tickets', 'Usage']
    """
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    months = pd.date_range(SAMPLE_FIRST_MONTH, periods=SAMPLE_MONTHS, freq="MS").to_numpy()
    width = max(4, len(str(n)))
    ids = np.array([f"C{i:0{width}d}" for i in range(1, n + 1)], dtype=object)
    segment = rng.choice(3, n, p=[0.6, 0.3, 0.1])
    health = rng.beta(4, 2, n)  # latent account health 0..1
    # a little over half the accounts were customers before the window
    pre = rng.random(n) < 0.55
    start_month = np.where(pre, -1, rng.integers(0, SAMPLE_MONTHS, n))
    before = (SAMPLE_FIRST_MONTH - pd.to_timedelta(rng.integers(31, 1000, n), unit="D")).to_numpy()
    during = _month_dates(rng, months[np.clip(start_month, 0, None)], False)
    signup = np.where(pre, before.astype("datetime64[D]"), during)

    base = _round_to(_BASE_MRR[segment] * rng.lognormal(0, 0.45, n), 5.0)
    seats = rng.integers(_SEATS[segment, 0], _SEATS[segment, 1] + 1)
    mrr = np.where(pre, base, 0.0)
    ever = pre.copy()
    last_mrr = base.copy()
    sub_rows, usage_rows = [], []
    for k, month in enumerate(months):
        active = mrr > 0
        starting = start_month == k
        u = rng.random(n)
        churn_p = _CHURN[segment] * (1.6 - health)
        churn = active & (u < churn_p)
        expand = active & ~churn & (u > 1 - 0.06 * (0.5 + health))
        contract = active & ~churn & ~expand & (u > churn_p) & (u < churn_p + 0.03 * (1.5 - health))
        react = ~active & ever & (rng.random(n) < 0.04)
        if k > 0:
            mrr = np.where(churn, 0.0, mrr)
            mrr = np.where(expand, _round_to(mrr * (1 + rng.uniform(0.1, 0.5, n)), 5.0), mrr)
            mrr = np.where(contract, _round_to(mrr * (1 - rng.uniform(0.1, 0.4, n)), 5.0), mrr)
            mrr = np.where(react, _round_to(last_mrr * rng.uniform(0.7, 1.1, n), 5.0), mrr)
        mrr = np.where(starting, base, mrr)
        ever |= starting
        last_mrr = np.where(mrr > 0, mrr, last_mrr)
        billed = mrr > 0
        # billing exports often carry an explicit 0 the month a customer leaves
        zero_row = churn & (rng.random(n) < 0.3) & (k > 0)
        keep = billed | zero_row
        sub_rows.append(pd.DataFrame({"customer_id": ids[keep], "month": month, "mrr": mrr[keep]}))
        usage_rows.append((k, np.flatnonzero(billed)))

    subscriptions = pd.concat(sub_rows, ignore_index=True)
    usage = _usage(rng, ids, months, usage_rows, seats, health)
    active_rows = usage[["customer_id", "month"]].assign(
        idx=np.concatenate([rows for _, rows in usage_rows]))
    tickets = _tickets(rng, active_rows, segment, health)
    responses = _responses(rng, active_rows, tickets, health)
    orders = _orders(rng, active_rows)
    first = subscriptions[subscriptions["mrr"] > 0].groupby("customer_id")["month"].min()
    new_per_month = first.value_counts().reindex(months, fill_value=0).to_numpy()
    customers = pd.DataFrame({
        "customer_id": ids,
        "name": [f"{_PREFIXES[a]} {_PLACES[b]}" for a, b in
                 zip(rng.integers(0, len(_PREFIXES), n), rng.integers(0, len(_PLACES), n))],
        "segment": _SEGMENTS[segment],
        "csm": np.array(_CSMS, dtype=object)[rng.integers(0, len(_CSMS), n)],
        "country": rng.choice(_COUNTRIES, n, p=[0.6, 0.15, 0.12, 0.1, 0.03]),
        "signup_date": pd.to_datetime(signup),
    })
    trend = np.linspace(1.0, 1.35, SAMPLE_MONTHS)
    visitors = rng.poisson(18000 * trend * n / 400)
    carts = rng.binomial(visitors, 0.045)
    funnel = pd.DataFrame({
        "month": months,
        "visitors": visitors,
        "conversions": rng.binomial(visitors, 0.022),
        "carts_created": carts,
        "carts_abandoned": rng.binomial(carts, 0.68),
    })
    acquisition = pd.DataFrame({
        "month": months,
        "marketing_spend": np.round(rng.normal(9000, 1200, SAMPLE_MONTHS) * n / 400, -2),
        "sales_spend": np.round(rng.normal(6500, 800, SAMPLE_MONTHS) * n / 400, -2),
        "new_customers": new_per_month,
    })
    return Dataset({
        "Customers": customers, "Subscriptions": subscriptions, "Responses": responses,
        "Tickets": tickets, "Usage": usage, "Orders": orders, "Funnel": funnel, "Acquisition": acquisition,
    }, source=f"sample(seed={seed}, n_customers={n})")


def _usage(rng, ids, months, usage_rows, seats, health) -> pd.DataFrame:
    idx = np.concatenate([rows for _, rows in usage_rows])
    month = np.concatenate([np.full(len(rows), months[k]) for k, rows in usage_rows])
    h = health[idx]
    licensed = seats[idx]
    active = rng.binomial(licensed, np.clip(0.15 + 0.8 * h, 0, 1))
    logins = rng.poisson(np.maximum(active, 0) * (1 + 22 * h))
    used = rng.binomial(30, np.clip(0.05 + 0.6 * h, 0, 1))
    goals = np.round(np.clip(rng.normal(h, 0.15), 0, 1), 2)
    goals = np.where(rng.random(len(idx)) < 0.03, np.nan, goals)
    return pd.DataFrame({
        "customer_id": ids[idx], "month": month, "logins": logins, "active_users": active,
        "licensed_users": licensed, "features_used": used, "features_available": 30, "goals_met": goals,
    })


def _tickets(rng, active_rows, segment, health) -> pd.DataFrame:
    idx = active_rows["idx"].to_numpy()
    counts = rng.poisson(_TICKETS[segment[idx]] * (1.6 - health[idx]))
    rep = np.repeat(np.arange(len(idx)), counts)
    n = len(rep)
    hours = np.round(rng.lognormal(1.1, 0.9, n), 1)
    return pd.DataFrame({
        "ticket_id": [f"T{i:07d}" for i in range(1, n + 1)],
        "customer_id": active_rows["customer_id"].to_numpy()[rep],
        "opened_at": _month_dates(rng, active_rows["month"].to_numpy()[rep], True),
        "resolved_first_contact": rng.random(n) < 0.55 + 0.3 * health[idx[rep]],
        "first_response_hours": np.where(rng.random(n) < 0.03, np.nan, hours),
    }).sort_values("opened_at", kind="stable").reset_index(drop=True)


def _responses(rng, active_rows, tickets, health) -> pd.DataFrame:
    idx = active_rows["idx"].to_numpy()
    asked = rng.random(len(idx)) < 0.22
    h_nps = health[idx[asked]]
    nps = pd.DataFrame({
        "customer_id": active_rows["customer_id"].to_numpy()[asked],
        "date": _month_dates(rng, active_rows["month"].to_numpy()[asked], False),
        "survey": "NPS",
        "score": np.clip(np.round(rng.normal(3.5 + 6.5 * h_nps, 1.7)), 0, 10),
    })
    frames = [nps]
    ticket_health = health[_customer_index(tickets["customer_id"].to_numpy(), active_rows)]
    for survey, share, top, centre in (("CSAT", 0.5, 5, 2.3), ("CES", 0.3, 7, 2.5)):
        pick = rng.random(len(tickets)) < share
        h = ticket_health[pick]
        frames.append(pd.DataFrame({
            "customer_id": tickets["customer_id"].to_numpy()[pick],
            "date": tickets["opened_at"].to_numpy()[pick].astype("datetime64[D]"),
            "survey": survey,
            "score": np.clip(np.round(rng.normal(centre + (top - centre) * h, 1.0)), 1, top),
        }))
    out = pd.concat(frames, ignore_index=True)
    blank = rng.random(len(out)) < 0.02
    out["score"] = out["score"].where(~blank)
    return out.sort_values("date", kind="stable").reset_index(drop=True)


def _customer_index(customer_ids: np.ndarray, active_rows: pd.DataFrame) -> np.ndarray:
    lookup = active_rows.drop_duplicates("customer_id").set_index("customer_id")["idx"]
    return lookup.reindex(customer_ids).to_numpy()


def _orders(rng, active_rows) -> pd.DataFrame:
    counts = rng.poisson(0.15, len(active_rows))
    rep = np.repeat(np.arange(len(active_rows)), counts)
    n = len(rep)
    return pd.DataFrame({
        "order_id": [f"O{i:07d}" for i in range(1, n + 1)],
        "customer_id": active_rows["customer_id"].to_numpy()[rep],
        "date": _month_dates(rng, active_rows["month"].to_numpy()[rep], False),
        "amount": np.round(rng.lognormal(5.3, 0.6, n), 2),
    }).sort_values("date", kind="stable").reset_index(drop=True)
