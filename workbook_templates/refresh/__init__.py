"""Refresh: one plan (:func:`plan_refresh`) for ``cskpi refresh`` (a file) and the ribbon (an open workbook).

- :mod:`.plan`: what a Refresh rebuilds, read from any :class:`BookReader`;
- :mod:`.workbook`: the headless Refresh of a file (:func:`refresh_workbook`).
"""

from .plan import (SETTINGS_NAMES, TEMPLATE_NAMES, BookReader, RefreshPlan, computed_candidates, computed_titles,
                   detect_lang, infer_template, plan_refresh, report_settings_from_names, settings_from_names,
                   template_layout)
from .workbook import FileBook, read_stamp, refresh_workbook

__all__ = ["plan_refresh", "RefreshPlan", "BookReader", "FileBook", "refresh_workbook", "read_stamp",
           "settings_from_names", "report_settings_from_names", "detect_lang", "computed_titles",
           "computed_candidates", "infer_template", "template_layout", "SETTINGS_NAMES", "TEMPLATE_NAMES"]
