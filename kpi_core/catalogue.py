"""The headline KPIs: one catalogue of their keys, names, units, formats and directions.

Every place that shows a headline KPI reads it from here: the terminal
(``cskpi kpis``), the workbooks' labels and Dashboard, the comparisons of
:mod:`kpi_core.compare` and the order of :func:`kpi_core.headline_kpis`. A KPI is
added by adding one :class:`Kpi` line (and its definition, in its topic module).

- ``unit`` is also the unit of a change: ``rate`` (a fraction; a change of
  0.012 is 1.2 percentage points), ``points`` (NPS, -100..100), ``money`` (the
  data's currency), ``count`` (a whole number), ``number`` (a ratio or a mean on
  its own scale: quick ratio, CES, purchase frequency, average health).
- ``format`` is how a value is shown: ``pct``, ``money``, ``int`` (signed),
  ``points``, ``ratio`` (the terminal's and the workbooks' number styles).
- ``higher_is_better``: lower is better for revenue churn, logo churn, CAC and cart
  abandonment; higher for every other KPI (CES included: its 1-7 scale is "the
  company made it easy"; net customer change: growth outpaces losses).

Examples
--------
>>> KPIS["nrr"].name, KPIS["nrr"].unit, KPIS["nrr"].higher_is_better
('Net revenue retention', 'rate', True)
>>> KPIS["mrr"].label("fr")
'MRR (mois de fin)'
>>> HEADLINE_KEYS[:3]
('mrr', 'arr', 'nrr')
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Kpi", "KPIS", "HEADLINE_KEYS", "KPI_UNITS", "HIGHER_IS_BETTER", "UNITS"]

#: unit -> the number format its values are shown with
UNITS = {"rate": "pct", "money": "money", "count": "int", "points": "points", "number": "ratio"}


@dataclass(frozen=True)
class Kpi:
    """One headline KPI: its key (``kpi_core.headline_kpis``' key; the workbook name is ``KPI_`` + upper
    case), display names, unit and direction."""

    key: str
    name: str
    name_fr: str
    unit: str
    higher_is_better: bool

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"{self.key}: unknown unit {self.unit!r}")

    @property
    def format(self) -> str:
        """The number format family of its values (``pct``, ``money``, ``int``, ``points``, ``ratio``)."""
        return UNITS[self.unit]

    @property
    def excel_name(self) -> str:
        """The workbook's defined name: ``KPI_NRR``."""
        return "KPI_" + self.key.upper()

    def label(self, lang: str = "en") -> str:
        """The display name in ``"en"`` or ``"fr"``."""
        return {"en": self.name, "fr": self.name_fr}[lang]


_CATALOGUE = (
    Kpi("mrr", "MRR (end month)", "MRR (mois de fin)", "money", True),
    Kpi("arr", "ARR", "ARR", "money", True),
    Kpi("nrr", "Net revenue retention", "Rétention nette du revenu (NRR)", "rate", True),
    Kpi("grr", "Gross revenue retention", "Rétention brute du revenu (GRR)", "rate", True),
    Kpi("revenue_churn", "Revenue churn", "Churn du revenu", "rate", False),
    Kpi("logo_churn", "Logo churn", "Churn clients", "rate", False),
    Kpi("retention", "Customer retention", "Rétention clients", "rate", True),
    Kpi("net_customer_change", "Net customer change", "Solde net de clients", "count", True),
    Kpi("quick_ratio", "Quick ratio", "Quick ratio", "number", True),
    Kpi("nps", "NPS", "NPS", "points", True),
    Kpi("csat", "CSAT", "CSAT", "rate", True),
    Kpi("ces", "CES (1-7, higher is easier)", "CES (1-7, plus haut = plus facile)", "number", True),
    Kpi("fcr", "First-contact resolution", "Résolution au premier contact", "rate", True),
    Kpi("avg_health", "Average health score", "Score de santé moyen", "number", True),
    Kpi("avg_basket", "Average basket", "Panier moyen", "money", True),
    Kpi("purchase_frequency", "Purchase frequency (orders per customer)", "Fréquence d'achat (commandes par client)",
        "number", True),
    Kpi("repurchase_rate", "Repurchase rate", "Taux de réachat", "rate", True),
    Kpi("cac", "Customer acquisition cost", "Coût d'acquisition client", "money", False),
    Kpi("conversion_rate", "Conversion rate", "Taux de conversion", "rate", True),
    Kpi("abandonment_rate", "Cart abandonment rate", "Taux d'abandon de panier", "rate", False),
)

#: key -> :class:`Kpi`, in display order (the Dashboard's rows, the terminal's lines)
KPIS = {k.key: k for k in _CATALOGUE}
#: the headline keys, in display order
HEADLINE_KEYS = tuple(KPIS)
#: key -> unit (see the module docstring)
KPI_UNITS = {k.key: k.unit for k in _CATALOGUE}
#: key -> True when a higher value is better
HIGHER_IS_BETTER = {k.key: k.higher_is_better for k in _CATALOGUE}
