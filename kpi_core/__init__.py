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
# predicted customer value (DESIGN.md §11); PyMC-Marketing is imported only when a model is fitted
from .predicted_clv import (ClvHoldout, ClvModel, MissingExtraError, clv_holdout, clv_summary, expected_purchases,
                            fit_clv, p_alive, predict_clv, read_cdnow, rfm_summary)
from .revenue import (arpa, arr, churn_rate, grr, mrr, net_customer_change, nrr, quick_ratio, retention_rate,
                      revenue_churn, saas_ltv)
from .sample import sample_dataset
from .support import avg_response_time, fcr
from .surveys import (CSAT_POSITIVE_MIN, NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN, SURVEY_SCALES, ces, ces_agree,
                      ces_agree_min, csat, csat_positive, nps, nps_breakdown, nps_ci, nps_test, positive_share,
                      yes_no_answers)

# decision-ready reports (DESIGN.md §9): comparisons, bands, targets, breakdowns, follow-up lists
from .breakdowns import BREAKDOWNS, COMPANY_TABLES, UNASSIGNED, customer_groups, customer_subset, kpis_by
from .compare import (BAND_COLOURS, BAND_COLUMNS, DEFAULT_BANDS_PATH, HIGHER_IS_BETTER, KPI_UNITS, benchmark_band,
                      check_targets, compare_kpis, default_bands, kpi_change, load_bands, load_targets,
                      previous_period, target_met, validate_bands)
from .followup import AT_RISK_COLUMNS, DETRACTOR_COLUMNS, DETRACTOR_MAX, at_risk, detractors

# your data as it comes (DESIGN.md §12): mappings from exports, MRR from billing data
from .mapping import (BUILTIN_MAPPINGS, Mapping, RawTable, TableReport, apply_mapping, load_mapping,
                      mapping_problems, monthly_mrr)

__version__ = "0.1.0"

__all__ = [
    "KpiInputError", "YES_WORDS", "NO_WORDS",
    # surveys
    "nps", "nps_ci", "nps_test", "nps_breakdown", "csat", "ces", "ces_agree",
    "NPS_PROMOTER_MIN", "NPS_DETRACTOR_MAX", "CSAT_POSITIVE_MIN", "SURVEY_SCALES", "ces_agree_min",
    "yes_no_answers", "csat_positive", "positive_share",
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
    # predicted customer value (DESIGN.md §11)
    "fit_clv", "predict_clv", "clv_holdout", "clv_summary", "rfm_summary", "p_alive", "expected_purchases",
    "read_cdnow", "ClvModel", "ClvHoldout", "MissingExtraError",
]

__all__ += [  # decision-ready reports (DESIGN.md §9)
    # comparisons, bands, targets
    "previous_period", "HIGHER_IS_BETTER", "KPI_UNITS", "kpi_change", "target_met", "compare_kpis",
    "benchmark_band", "default_bands", "validate_bands", "load_bands", "BAND_COLUMNS", "BAND_COLOURS",
    "DEFAULT_BANDS_PATH", "check_targets", "load_targets",
    # breakdowns
    "customer_subset", "customer_groups", "kpis_by", "COMPANY_TABLES", "BREAKDOWNS", "UNASSIGNED",
    # follow-up lists
    "at_risk", "detractors", "AT_RISK_COLUMNS", "DETRACTOR_COLUMNS", "DETRACTOR_MAX",
]

__all__ += [  # your data as it comes (DESIGN.md §12)
    "monthly_mrr", "load_mapping", "apply_mapping", "mapping_problems", "Mapping", "RawTable", "TableReport",
    "BUILTIN_MAPPINGS",
]
