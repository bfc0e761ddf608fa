"""What Refresh needs to know about a generated workbook, whoever writes it.

``cskpi refresh`` (on the file's package) and the ribbon's Refresh (xlwings,
on the open workbook) both re-derive the computed sheets from the
workbook's own tables. They read the report period and the health
configuration the user left on the Settings sheet through the workbook's
defined names, with :func:`settings_from_names`, and tell computed sheets
from the user's own with :func:`computed_titles`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Callable

from kpi_core import COMPONENTS, HealthConfig, KpiInputError

from ..spec.labels import LANGS, SHEETS, t
from ..spec.layout import WorkbookLayout
from ..writing.stamp import stamp_of

__all__ = ["SETTINGS_NAMES", "settings_from_names", "detect_lang", "computed_titles", "TEMPLATE_NAMES",
           "read_stamp", "infer_template", "template_layout",
           "report_settings_from_names", "refresh_workbook"]

#: defined names Refresh reads back from Settings
SETTINGS_NAMES = ("PeriodStart", "PeriodEnd", "HealthWeights", "HealthFloors", "HealthTargets", "RedBelow",
                  "GreenFrom")
#: every defined name a template writes (Refresh redefines them all)
TEMPLATE_NAMES = SETTINGS_NAMES + ("PeriodNext", "NpsConfidence", "ClvYears", "MonthList", "MrrMonths",
                                   "MrrMatrix", "MrrFirst", "RiskDrop", "Currency", "BandsArea", "TargetsArea",
                                   "PrevPeriodStart", "PrevPeriodEnd", "DataStale")


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


def read_stamp(book) -> tuple[str, str]:
    """(template kind, scope) of a workbook built by cskpi.

    Read from the document properties the writer stamps (:mod:`workbook_templates.writing.stamp`); for a
    workbook without them, inferred from its sheets: an Account sheet means
    the account template, and the scope is the Dashboard title after " — ".

    Parameters
    ----------
    book : workbook_templates.writing.update.UserWorkbook
        The workbook (:func:`workbook_templates.writing.update.read_workbook`).
    """
    found = stamp_of(book.keywords, book.subject)
    if found is not None:
        return found.template, found.scope
    dashboard = t("dashboard", detect_lang(book.sheetnames))
    head = book.cell(dashboard, 1, 1) if dashboard in book.sheetnames else None
    return infer_template(book.sheetnames, head)


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


# -- cskpi refresh --------------------------------------------------------------------------------
def _computed_candidates(lang: str) -> set[str]:
    """Titles a computed sheet of any template can have in `lang`."""
    kept = {"guide", "settings", "Customers", "Subscriptions", "Responses", "Tickets", "Usage", "Orders",
            "Funnel", "Acquisition"}
    return {t(key, lang) for key in SHEETS if key not in kept}


def _final_order(current: list[str], old_computed: set[str], new_layout: list[str], new_computed: set[str]):
    """Sheet order after Refresh: the workbook's order, each new computed sheet at its old place,
    a computed sheet the old workbook lacked right after the layout sheet before it."""
    order = [title for title in current if title not in old_computed or title in new_computed]
    for i, title in enumerate(new_layout):
        if title in order:
            continue
        before = next((p for p in reversed(new_layout[:i]) if p in order), None)
        order.insert(order.index(before) + 1 if before else 0, title)
    return order


def refresh_workbook(path):
    """Re-derive a cskpi workbook's computed sheets from its own tables, headless (``cskpi refresh``).

    Reads the dataset from the workbook's Excel tables, the report period
    and health configuration from its Settings names and its language from
    its sheet titles; rebuilds the layout with the template and scope the
    workbook was built with (:func:`read_stamp`); then replaces the computed
    and helper sheets (same positions), redefines the template's names and
    saves atomically (the file keeps its permissions; a read-only file, or
    one in a read-only folder, is refused before any work). Data tables,
    Settings, Guide and every sheet the user added are kept; an .xlsm keeps
    its macros.

    The file is rewritten at the package level
    (:mod:`workbook_templates.writing.update`): every part but the computed
    sheets', the workbook's sheet list, names and styles is kept byte for byte,
    so pictures, shapes, text boxes and charts on the user's sheets survive.

    Parameters
    ----------
    path : str or Path
        An .xlsx written by cskpi (``cskpi build``/``demo``) and perhaps edited.

    Returns
    -------
    pathlib.Path
        `path`.

    Raises
    ------
    KpiInputError
        Bad data in a table (naming table, cell and column), a bad setting, or
        a workbook not built by cskpi.
    workbook_templates.files.OutputError
        The file cannot be replaced (read-only, full disk): it is unchanged.

    Examples
    --------
    >>> import tempfile, pathlib, kpi_core
    >>> from workbook_templates.templates.portfolio import portfolio_layout
    >>> from workbook_templates.writing.xlsx import write_xlsx
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "book.xlsx"
    >>> _ = write_xlsx(portfolio_layout(kpi_core.sample_dataset(n_customers=5)), path)
    >>> refresh_workbook(path).name
    'book.xlsx'
    """
    from pathlib import Path

    from kpi_core import load_dataset
    from kpi_core.files import atomic_output, check_replaceable

    from ..writing.update import read_workbook

    path = Path(path)
    check_replaceable(path)
    ds = load_dataset(path)
    with atomic_output(path) as tmp, read_workbook(path) as book:  # closed before the new file replaces it
        lang = detect_lang(book.sheetnames)
        start, end, config = settings_from_names(book.name_value)
        kind, scope = read_stamp(book)
        report = report_settings_from_names(book.name_value)
        if kind == "portfolio":  # a workbook with the Customer value sheet keeps it, re-derived
            report["customer_value"] = t("customer_value", lang) in book.sheetnames
        layout = template_layout(kind, ds, start, end, lang=lang, scope=scope, config=config, **report)
        computed = [s for s in layout.sheets if s.computed]
        new_titles = {s.title for s in computed}
        old_computed = _computed_candidates(lang) & set(book.sheetnames)
        order = _final_order(book.sheetnames, old_computed, [s.title for s in layout.sheets], new_titles)
        stale = [n for n, local, _ in book.names if local is None and (n.startswith("KPI_") or n in TEMPLATE_NAMES)
                 and n not in layout.names]
        book.replace_sheets(tmp, computed, remove=old_computed, order=order, names=layout.names, drop_names=stale,
                            lang=lang, currency=layout.currency, active=computed[0].title if computed else None)
    return path
