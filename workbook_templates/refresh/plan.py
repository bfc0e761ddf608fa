"""The refresh plan: what a Refresh rebuilds, the same for a file and for an open workbook.

``cskpi refresh`` (:func:`~workbook_templates.refresh.workbook.refresh_workbook`,
on a file) and the ribbon's Refresh (:mod:`addin.ribbon`, on the open workbook
through xlwings) both call :func:`plan_refresh` with a :class:`BookReader` of
their book, and then only write the plan's computed sheets and names. The plan
reads the workbook's own tables, the report period, health configuration,
bands, targets and currency the user left on the Settings sheet (through the
workbook's defined names, :func:`settings_from_names`), its language (from its
sheet titles) and the template and scope it was built with (its stamp, or
:func:`infer_template`), and lays out the same template again.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Callable, Protocol

from kpi_core import COMPONENTS, HealthConfig, KpiInputError

from ..spec.labels import LANGS, SHEETS, t
from ..spec.layout import WorkbookLayout
from ..writing.stamp import Stamp

__all__ = ["SETTINGS_NAMES", "settings_from_names", "detect_lang", "computed_titles", "TEMPLATE_NAMES",
           "infer_template", "template_layout", "report_settings_from_names", "BookReader", "RefreshPlan",
           "plan_refresh", "computed_candidates"]

#: defined names Refresh reads back from Settings
SETTINGS_NAMES = ("PeriodStart", "PeriodEnd", "HealthWeights", "HealthFloors", "HealthTargets", "RedBelow",
                  "GreenFrom")
#: every defined name a template writes (Refresh redefines them all)
TEMPLATE_NAMES = SETTINGS_NAMES + ("PeriodNext", "NpsConfidence", "ClvYears", "MonthList", "MrrMonths",
                                   "MrrMatrix", "MrrFirst", "RiskDrop", "Currency", "BandsArea", "TargetsArea",
                                   "PrevPeriodStart", "PrevPeriodEnd", "DataStale", "ListsPeriodStart", "ListsPeriodEnd")


def _month(value, name: str):
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value
    raise KpiInputError(f"Settings: {name} holds {value!r}, not a month (enter a date such as 2026-06-01)",
                        "value", location=name)


def _numbers(values, name: str) -> list[float]:
    flat = [v for row in values for v in (row if isinstance(row, (list, tuple)) else [row])] \
        if isinstance(values, (list, tuple)) else [values]
    if len(flat) != len(COMPONENTS) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                               for v in flat):
        raise KpiInputError(f"Settings: {name} must hold {len(COMPONENTS)} numbers, found {flat!r}", "value",
                            location=name)
    return [float(v) for v in flat]


def settings_from_names(read: Callable[[str], object]):
    """(period_start, period_end, HealthConfig) from the values of the Settings names.

    Parameters
    ----------
    read : callable
        ``read(name)`` returns the value of a workbook-level defined name: the
        cell value for one cell, a list of rows (or a flat list) for a range.

    Raises
    ------
    KpiInputError
        When a setting is missing or not of its type (naming the setting).
    """
    start = _month(read("PeriodStart"), "PeriodStart")
    end = _month(read("PeriodEnd"), "PeriodEnd")
    weights, floors, targets = (dict(zip(COMPONENTS, _numbers(read(n), n)))
                                for n in ("HealthWeights", "HealthFloors", "HealthTargets"))
    thresholds = []
    for name in ("RedBelow", "GreenFrom", "RiskDrop"):
        value = read(name) if name != "RiskDrop" else _optional(read, name, HealthConfig().risk_drop)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise KpiInputError(f"Settings: {name} holds {value!r}, not a number", "value", location=name)
        thresholds.append(float(value))
    return start, end, HealthConfig(weights, floors, targets, *thresholds)


def _optional(read, name: str, default):
    """A setting that workbooks built before it existed do not have: `default` for them."""
    try:
        value = read(name)
    except KpiInputError:
        return default
    return default if value is None else value


def report_settings_from_names(read: Callable[[str], object]) -> dict:
    """The Dashboard's settings (``bands``, ``targets``, ``currency``) from the Settings names.

    ``BandsArea`` and ``TargetsArea`` are the Bands and Targets tables with
    room below them; blank rows are skipped. A workbook without them gets the
    defaults. Returns keyword arguments of the templates' layout functions.
    """
    import pandas as pd

    import kpi_core

    out: dict = {"currency": str(_optional(read, "Currency", "") or "")}
    for name, key in (("BandsArea", "bands"), ("TargetsArea", "targets")):
        rows = _optional(read, name, None)
        if not rows:
            continue
        head, *body = [list(r) for r in rows]
        frame = pd.DataFrame([r for r in body if r and r[0] not in (None, "")], columns=head)
        if key == "bands":
            out["bands"] = kpi_core.validate_bands(frame, f"Settings, {t('bands', 'en').split(' (')[0]}", 2)
        else:
            out["targets"] = {k: v for k, v in zip(frame.get("kpi", []), frame.get("target", []))
                              if v not in (None, "")}
    return out


def detect_lang(sheet_titles) -> str:
    """The language a workbook was built in, from its Settings sheet's title."""
    titles = set(sheet_titles)
    for i, lang in enumerate(LANGS):
        if SHEETS["settings"][i] in titles:
            return lang
    raise KpiInputError("this workbook has no Settings sheet: it was not built by cskpi", "value")


def computed_titles(layout: WorkbookLayout) -> list[str]:
    """Titles of the sheets Refresh rewrites (computed and helper sheets), in order."""
    return [s.title for s in layout.sheets if s.computed]


# -- which template built a workbook ------------------------------------------------------------
def _layout_function(kind: str):
    """The layout function of a template kind (looked up at call time)."""
    from ..templates import account, portfolio

    return {"portfolio": portfolio.portfolio_layout, "account": account.account_layout}[kind]


def infer_template(sheet_titles, dashboard_title) -> tuple[str, str]:
    """(template kind, scope) from a built workbook's sheets and its Dashboard's A1 title.

    An Account sheet means the account template; the scope is the title's
    text after " — " (the default scope of the language otherwise). Used
    where document properties cannot be read (the ribbon, through xlwings).
    """
    titles = list(sheet_titles)
    lang = detect_lang(titles)
    kind = "account" if t("account", lang) in titles else "portfolio"
    scope = t("portfolio", lang)
    if isinstance(dashboard_title, str) and " — " in dashboard_title:
        scope = dashboard_title.split(" — ", 1)[1]
    return kind, scope


def template_layout(kind: str, ds, period_start, period_end, *, lang: str, scope: str | None, config=None,
                    **report):
    """The layout of template `kind` ("portfolio" or "account") for a dataset (`report`: bands, targets,
    currency)."""
    if kind == "account":
        return _layout_function(kind)(ds, period_start, period_end, lang=lang, config=config, **report)
    return _layout_function(kind)(ds, period_start, period_end, lang=lang, scope=scope, config=config, **report)



def computed_candidates(lang: str) -> set[str]:
    """Titles a computed sheet of any template can have in `lang` (what Refresh may replace)."""
    kept = {"guide", "settings", "Customers", "Subscriptions", "Responses", "Tickets", "Usage", "Orders",
            "Funnel", "Acquisition"}
    return {t(key, lang) for key in SHEETS if key not in kept}


class BookReader(Protocol):
    """What the refresh plan reads of a built workbook (a file through openpyxl, a live book through xlwings)."""

    def sheet_titles(self) -> list[str]:
        """The sheets' titles, in order."""

    def read_name(self, name: str):
        """The value of a defined name (a cell's value, or rows of values); KpiInputError when missing."""

    def dataset(self):
        """The workbook's Excel tables as a :class:`kpi_core.Dataset` (KpiInputError naming a bad cell)."""

    def stamp(self) -> Stamp | None:
        """The template stamp of its document properties, None when it cannot be read."""

    def dashboard_title(self, lang: str):
        """The Dashboard's A1 (it carries the scope), None without a Dashboard."""


@dataclass
class RefreshPlan:
    """What a Refresh writes: the template's layout for the workbook's own data and settings."""

    lang: str
    template: str
    scope: str
    start: object
    end: object
    layout: WorkbookLayout
    replaced: set  # titles of the workbook's sheets that Refresh may replace (computed sheets of any template)

    @property
    def computed(self) -> list:
        """The layout's computed sheets (the ones Refresh writes), in order."""
        return [s for s in self.layout.sheets if s.computed]


def plan_refresh(book: BookReader) -> RefreshPlan:
    """The refresh plan of a built workbook: read everything, validate, lay out; nothing is written.

    Raises
    ------
    KpiInputError
        Bad data in a table (naming table, cell and column), a bad setting, or a workbook
        not built by cskpi.
    """
    titles = book.sheet_titles()
    lang = detect_lang(titles)
    start, end, config = settings_from_names(book.read_name)
    report = report_settings_from_names(book.read_name)
    ds = book.dataset()
    stamp = book.stamp()
    kind, scope = (stamp.template, stamp.scope) if stamp is not None else \
        infer_template(titles, book.dashboard_title(lang))
    if kind == "portfolio":  # a workbook with the Customer value sheet keeps it, re-derived
        report["customer_value"] = t("customer_value", lang) in titles
    layout = template_layout(kind, ds, start, end, lang=lang, scope=scope, config=config, **report)
    return RefreshPlan(lang, kind, scope, start, end, layout, computed_candidates(lang) & set(titles))
