"""The bundled realistic sample dataset: all eight tables, deterministic by seed.

A French-flavoured SaaS book of business: accounts in three segments looked
after by six CSMs, 24 months of MRR with real new business, expansion,
contraction, churn and reactivation, NPS/CSAT/CES answers, support tickets,
product usage, add-on orders, web funnel and acquisition spend. Names carry
accents and apostrophes, as real French data does.

Each account has a latent health that moves from month to month (a lasting
account effect plus a persistent monthly drift), and each of the six health
components of DESIGN.md §5 (adoption, frequency, depth, sentiment, support,
goals) has its own latent level, correlated with the account's health. The
components' levels drive the usage, NPS answers and tickets of the month and,
by default, the chance that the account churns the next month, so the health
score means something: the demo's backtest (DESIGN.md §13) shows a score that
predicts churn. ``churn_drivers`` picks the components that drive churn (for
tests: churn driven by adoption and support only, or by nothing at all).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import KpiInputError
from .health import COMPONENTS

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
_SEGMENT_SHARES = [0.6, 0.3, 0.1]
#: Monthly churn of every account when churn is independent of health (the book's average)
_BOOK_CHURN = float(np.dot(_SEGMENT_SHARES, _CHURN))
_SEATS = np.array([[3, 20], [20, 120], [100, 900]])
_TICKETS = np.array([0.7, 0.9, 1.1])
# latent health (standard normal scale): account effect + monthly drift, and per-component levels
_ACCOUNT_SHARE = 0.6      # share of the account's health that lasts (the rest drifts: AR(1))
_PERSISTENCE = 0.85       # month-to-month correlation of the drifting parts


def _driver_columns(churn_drivers) -> np.ndarray:
    """Column indexes (in :data:`COMPONENTS` order) of the components that drive churn."""
    names = [churn_drivers] if isinstance(churn_drivers, str) else list(churn_drivers)
    unknown = [c for c in names if c not in COMPONENTS]
    if unknown:
        raise KpiInputError(f"churn_drivers: unknown component(s) {unknown} (known: {', '.join(COMPONENTS)})",
                            "value")
    return np.array(sorted({COMPONENTS.index(c) for c in names}), dtype=np.int64)


def _to_unit(level: np.ndarray) -> np.ndarray:
    """A latent level (standard normal) as a health 0..1 (mean about 0.67, like Beta(4, 2))."""
    return 1.0 / (1.0 + np.exp(-(0.85 + 1.1 * level)))


class _LatentHealth:
    """Latent health per account: a lasting account effect plus AR(1) drifts, overall and per component."""

    def __init__(self, rng, n: int, common: float) -> None:
        if not 0 <= common <= 1:
            raise KpiInputError(f"component_correlation: {common:g} must lie between 0 and 1", "num")
        self.common = float(common)
        self.account = rng.normal(0.0, 1.0, n)
        self.drift = rng.normal(0.0, 1.0, n)
        self.own = rng.normal(0.0, 1.0, (n, len(COMPONENTS)))

    def step(self, rng) -> None:
        """Next month: each drift keeps its past with correlation _PERSISTENCE (stationary, variance 1)."""
        keep, fresh = _PERSISTENCE, np.sqrt(1 - _PERSISTENCE ** 2)
        self.drift = keep * self.drift + fresh * rng.normal(0.0, 1.0, self.drift.shape)
        self.own = keep * self.own + fresh * rng.normal(0.0, 1.0, self.own.shape)

    def level(self) -> np.ndarray:
        """The account's overall level (standard normal)."""
        return np.sqrt(_ACCOUNT_SHARE) * self.account + np.sqrt(1 - _ACCOUNT_SHARE) * self.drift

    def components(self) -> np.ndarray:
        """n x 6 component levels (standard normal), each correlated `common` with the overall level."""
        return self.common * self.level()[:, None] + np.sqrt(1 - self.common ** 2) * self.own

    def overall(self) -> np.ndarray:
        """The account's overall health 0..1."""
        return _to_unit(self.level())


def _churn_probability(base: np.ndarray, latent: _LatentHealth, drivers: np.ndarray, effect: float) -> np.ndarray:
    """Monthly churn chance: the segment's rate, moved by the drivers' mean level (standardised)."""
    if not drivers.size or effect == 0:
        return np.full(base.shape, _BOOK_CHURN)
    d = drivers.size
    mean_level = latent.components()[:, drivers].mean(axis=1)
    spread = np.sqrt(latent.common ** 2 + (1 - latent.common ** 2) / d)  # standard deviation of that mean
    # minus effect^2 / 2 keeps the mean rate near the segment's (a lognormal's mean)
    logit = np.log(base / (1 - base)) - effect * mean_level / spread - effect ** 2 / 2
    return 1.0 / (1.0 + np.exp(-logit))


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


def sample_dataset(seed: int = 0, n_customers: int = 400, churn_drivers=COMPONENTS,
                   churn_effect: float = 1.0, component_correlation: float = 0.7) -> Dataset:
    """A realistic, deterministic sample of all eight tables.

    Parameters
    ----------
    seed : int, default 0
        Same seed, same data.
    n_customers : int, default 400
        Number of accounts (the benchmarks use 100x the default).
    churn_drivers : sequence of str, default all six components
        Health components (:data:`kpi_core.COMPONENTS` names) whose latent
        level in a month drives the chance of churning the next month; ``()``
        makes churn independent of health and of everything else the score
        sees: every account churns with the book's average monthly rate.
    churn_effect : float, default 1.0
        Log-odds of churning per standard deviation of the drivers' mean
        level (lower level, more churn); the segment's mean churn rate is kept.
    component_correlation : float, default 0.7
        Correlation (0..1) of each component's latent level with the
        account's overall health (two components correlate by its square).
        Lower values make the components more independent of one another.

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
    drivers = _driver_columns(churn_drivers)
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    months = pd.date_range(SAMPLE_FIRST_MONTH, periods=SAMPLE_MONTHS, freq="MS").to_numpy()
    width = max(4, len(str(n)))
    ids = np.array([f"C{i:0{width}d}" for i in range(1, n + 1)], dtype=object)
    segment = rng.choice(3, n, p=_SEGMENT_SHARES)
    latent = _LatentHealth(rng, n, component_correlation)
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
    sub_rows, usage_rows, usage_levels = [], [], []
    for k, month in enumerate(months):
        active = mrr > 0
        starting = start_month == k
        u = rng.random(n)
        churn_p = _churn_probability(_CHURN[segment], latent, drivers, churn_effect)  # last month's levels
        latent.step(rng)
        health = latent.overall()
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
        usage_levels.append(np.column_stack([latent.components()[billed], latent.level()[billed]]))

    subscriptions = pd.concat(sub_rows, ignore_index=True)
    # per usage row: the month's latent level of each component, then the account's overall level
    row_levels = np.concatenate(usage_levels)
    usage = _usage(rng, ids, months, usage_rows, seats, row_levels)
    active_rows = usage[["customer_id", "month"]].assign(
        idx=np.concatenate([rows for _, rows in usage_rows]))
    tickets, ticket_rows = _tickets(rng, active_rows, segment, row_levels)
    responses = _responses(rng, active_rows, tickets, ticket_rows, row_levels)
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


def _component(row_levels: np.ndarray, name: str) -> np.ndarray:
    """Health 0..1 of one component in each usage row."""
    return _to_unit(row_levels[:, COMPONENTS.index(name)])


def _usage(rng, ids, months, usage_rows, seats, row_levels) -> pd.DataFrame:
    idx = np.concatenate([rows for _, rows in usage_rows])
    month = np.concatenate([np.full(len(rows), months[k]) for k, rows in usage_rows])
    licensed = seats[idx]
    active = rng.binomial(licensed, np.clip(0.15 + 0.8 * _component(row_levels, "adoption"), 0, 1))
    logins = rng.poisson(np.maximum(active, 0) * (1 + 22 * _component(row_levels, "frequency")))
    used = rng.binomial(30, np.clip(0.05 + 0.6 * _component(row_levels, "depth"), 0, 1))
    goals = np.round(np.clip(rng.normal(_component(row_levels, "goals"), 0.15), 0, 1), 2)
    goals = np.where(rng.random(len(idx)) < 0.03, np.nan, goals)
    return pd.DataFrame({
        "customer_id": ids[idx], "month": month, "logins": logins, "active_users": active,
        "licensed_users": licensed, "features_used": used, "features_available": 30, "goals_met": goals,
    })


def _tickets(rng, active_rows, segment, row_levels) -> tuple[pd.DataFrame, np.ndarray]:
    """Tickets, and the usage row (customer and month) each one was opened in."""
    idx = active_rows["idx"].to_numpy()
    # fewer tickets the higher the support level; exp(-level - 1/2) averages 1 over accounts
    counts = rng.poisson(_TICKETS[segment[idx]] * np.exp(-row_levels[:, COMPONENTS.index("support")] - 0.5))
    rep = np.repeat(np.arange(len(idx)), counts)
    n = len(rep)
    hours = np.round(rng.lognormal(1.1, 0.9, n), 1)
    frame = pd.DataFrame({
        "ticket_id": [f"T{i:07d}" for i in range(1, n + 1)],
        "customer_id": active_rows["customer_id"].to_numpy()[rep],
        "opened_at": _month_dates(rng, active_rows["month"].to_numpy()[rep], True),
        "resolved_first_contact": rng.random(n) < 0.55 + 0.3 * _to_unit(row_levels[rep, -1]),
        "first_response_hours": np.where(rng.random(n) < 0.03, np.nan, hours),
    })
    order = np.argsort(frame["opened_at"].to_numpy(), kind="stable")
    return frame.iloc[order].reset_index(drop=True), rep[order]


def _responses(rng, active_rows, tickets, ticket_rows, row_levels) -> pd.DataFrame:
    idx = active_rows["idx"].to_numpy()
    asked = rng.random(len(idx)) < 0.22
    h_nps = _component(row_levels, "sentiment")[asked]
    nps = pd.DataFrame({
        "customer_id": active_rows["customer_id"].to_numpy()[asked],
        "date": _month_dates(rng, active_rows["month"].to_numpy()[asked], False),
        "survey": "NPS",
        "score": np.clip(np.round(rng.normal(3.5 + 6.5 * h_nps, 1.7)), 0, 10),
    })
    frames = [nps]
    ticket_health = _to_unit(row_levels[ticket_rows, -1])  # the account's health the month it was opened
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
