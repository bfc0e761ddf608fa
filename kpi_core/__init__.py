"""kpi_core: every customer-success KPI defined once, in pandas/numpy.

Scalar KPIs take numbers or ranges (lists, numpy arrays, pandas Series) in
the argument order of the Excel functions (DESIGN.md §8); table-level
analytics take a :class:`Dataset` or a Subscriptions table. Bad input raises
:class:`KpiInputError`, naming the argument or the table, column and row.

The public names below are imported from their modules on first use, so
``import kpi_core.files`` (what the add-in builder needs) loads neither
pandas nor NumPy.

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

from __future__ import annotations

from .lazy import lazy_exports

__version__ = "0.1.0"

#: module -> the public names it defines (each name has one home)
_EXPORTS = {
    "errors": ("KpiInputError",),
    "_columns": ("YES_WORDS", "NO_WORDS"),
    # surveys
    "surveys": ("nps", "nps_ci", "nps_test", "nps_breakdown", "csat", "ces", "ces_agree", "NPS_PROMOTER_MIN",
                "NPS_DETRACTOR_MAX", "CSAT_POSITIVE_MIN", "SURVEY_SCALES", "ces_agree_min", "yes_no_answers",
                "csat_positive", "positive_share", "survey_counts", "SURVEY_COUNTS"),
    # revenue
    "revenue": ("mrr", "arr", "arpa", "nrr", "grr", "revenue_churn", "churn_rate", "retention_rate",
                "net_customer_change", "quick_ratio", "saas_ltv"),
    "movements": ("mrr_movements", "cohort_retention", "MOVEMENT_COLUMNS"),
    # support and commerce
    "support": ("fcr", "avg_response_time", "ticket_counts", "TICKET_COUNTS"),
    "commerce": ("average_basket", "purchase_frequency", "repurchase_rate", "clv", "cac", "conversion_rate",
                 "abandonment_rate"),
    # health
    "health": ("COMPONENTS", "HealthConfig", "load_health_config", "health_score", "health_status",
               "health_scores", "DEFAULT_CONFIG_PATH", "health_config_toml"),
    # datasets and reports
    "dataset": ("Dataset", "load_dataset", "read_tables", "validate_tables", "find_problems", "input_table",
                "write_csv_folder", "TABLES"),
    "limits": ("ReadLimits", "read_limits"),
    "_xlsx": ("XlsxArchive",),
    "sample": ("sample_dataset",),
    "headline": ("headline_kpis", "report_period", "period_warning", "rows_read"),
    "catalogue": ("Kpi", "KPIS", "HEADLINE_KEYS", "KPI_UNITS", "HIGHER_IS_BETTER"),
    "periods": ("Period", "to_month", "previous_period", "shift_month", "month_codes", "code_to_month",
                "month_axis"),
    # predicted customer value (DESIGN.md §11); PyMC-Marketing is imported only when a model is fitted
    "predicted_clv": ("fit_clv", "predict_clv", "clv_holdout", "clv_summary", "rfm_summary", "p_alive",
                      "expected_purchases", "read_cdnow", "ClvModel", "ClvHoldout", "MissingExtraError"),
    # decision-ready reports (DESIGN.md §9): comparisons, bands, targets
    "compare": ("kpi_change", "target_met", "compare_kpis",
                "benchmark_band", "default_bands", "validate_bands", "load_bands", "BAND_COLUMNS", "BAND_COLOURS",
                "DEFAULT_BANDS_PATH", "check_targets", "load_targets"),
    # breakdowns
    "breakdowns": ("customer_subset", "customer_groups", "kpis_by", "COMPANY_TABLES", "BREAKDOWNS", "UNASSIGNED"),
    # follow-up lists
    "followup": ("at_risk", "detractors", "AT_RISK_COLUMNS", "DETRACTOR_COLUMNS", "DETRACTOR_MAX"),
    # writing files atomically (stdlib only)
    "files": ("atomic_output", "OutputError"),
    # does the health score predict churn? (DESIGN.md §13)
    "backtest": ("auc", "health_backtest", "suggest_health_weights", "HealthBacktest", "WeightSuggestion",
                 "MIN_CHURNED", "HEALTH_STATUSES", "OBSERVATION_COLUMNS"),
    # your data as it comes (DESIGN.md §12): mappings from exports, MRR from billing data
    "mapping": ("monthly_mrr", "load_mapping", "apply_mapping", "mapping_problems", "Mapping", "RawTable",
                "TableReport", "BUILTIN_MAPPINGS"),
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, globals())
