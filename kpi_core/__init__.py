"""kpi_core: every customer-success KPI defined once, in pandas/numpy.

Scalar KPIs take numbers or ranges (lists, numpy arrays, pandas Series) in
the argument order of the Excel functions (DESIGN.md §8); table-level
analytics take a :class:`Dataset` or a Subscriptions table. Bad input raises
:class:`KpiInputError`, naming the argument or the table, column and row.

Examples
--------
>>> import kpi_core
>>> kpi_core.nps([10, 9, 8, 7, 6, 0])
0.0
>>> kpi_core.nrr(50000, 20000, 10000, 0)
1.2
>>> ds = kpi_core.sample_dataset(seed=0)
>>> sorted(kpi_core.headline_kpis(ds, "2026-01", "2026-06"))[:3]
['abandonment_rate', 'arr', 'avg_basket']
"""

from ._columns import NO_WORDS, YES_WORDS
from .commerce import (abandonment_rate, average_basket, cac, clv, conversion_rate, purchase_frequency,
                       repurchase_rate)
from .dataset import (TABLES, Dataset, find_problems, input_table, load_dataset, read_tables, validate_tables,
                      write_csv_folder)
from .errors import KpiInputError
from .limits import ReadLimits
from .headline import HEADLINE_KEYS, headline_kpis, period_warning, report_period
from .health import (COMPONENTS, DEFAULT_CONFIG_PATH, HealthConfig, health_score, health_scores, health_status,
                     load_health_config)
from .movements import MOVEMENT_COLUMNS, cohort_retention, mrr_movements
from .periods import Period, to_month
from .revenue import (arpa, arr, churn_rate, grr, mrr, net_customer_change, nrr, quick_ratio, retention_rate,
                      revenue_churn, saas_ltv)
from .sample import sample_dataset
from .support import avg_response_time, fcr
from .surveys import ces, ces_agree, csat, nps, nps_breakdown, nps_ci, nps_test

__version__ = "0.1.0"

__all__ = [
    "KpiInputError", "YES_WORDS", "NO_WORDS",
    # surveys
    "nps", "nps_ci", "nps_test", "nps_breakdown", "csat", "ces", "ces_agree",
    # revenue
    "mrr", "arr", "arpa", "nrr", "grr", "revenue_churn", "churn_rate", "retention_rate",
    "net_customer_change", "quick_ratio", "saas_ltv", "mrr_movements", "cohort_retention", "MOVEMENT_COLUMNS",
    # support and commerce
    "fcr", "avg_response_time", "average_basket", "purchase_frequency", "repurchase_rate", "clv", "cac",
    "conversion_rate", "abandonment_rate",
    # health
    "COMPONENTS", "HealthConfig", "load_health_config", "health_score", "health_status", "health_scores",
    "DEFAULT_CONFIG_PATH",
    # datasets and reports
    "Dataset", "load_dataset", "read_tables", "validate_tables", "find_problems", "ReadLimits",
    "input_table", "write_csv_folder", "TABLES", "sample_dataset",
    "headline_kpis", "report_period", "period_warning", "HEADLINE_KEYS", "Period", "to_month",
]
