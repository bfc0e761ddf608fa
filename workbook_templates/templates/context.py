"""What every sheet builder may read: the data, the report period, the language and the settings.

The :class:`Context` holds a template's inputs only, never what another
builder made (that travels as anchors, see :mod:`.builder`). It also knows
the workbook's month axis, the two report windows (this period and the
previous one, :data:`WINDOWS`) and how a sheet is titled and labelled, which
every builder shares (:meth:`Context.sheet`, :meth:`Context.title`,
:meth:`Context.label_rows`, :meth:`Context.window_heads`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

import kpi_core
from kpi_core import Dataset, HealthConfig, Period

from ..spec.labels import STATUS, t
from ..spec.layout import CondFormat, SheetLayout, formula, ref
from ..spec.styles import AMBER, GREEN, RED

__all__ = ["Context", "Window", "WINDOWS", "DATA_ORDER", "blank_zeros"]

#: order of the data sheets (DESIGN.md §3)
DATA_ORDER = ("Customers", "Subscriptions", "Responses", "Tickets", "Usage", "Orders", "Funnel", "Acquisition")
#: tables whose dates or months set the month axis, and their date column
_DATED = (("Subscriptions", "month"), ("Usage", "month"), ("Responses", "date"), ("Tickets", "opened_at"),
          ("Orders", "date"))


@dataclass(frozen=True)
class Window:
    """A report period as the workbook names it: its months, and the prefix of its KPI names."""

    start: str  # defined name of its first month
    end: str  # defined name of its last month
    next: str  # defined name of the first day after it
    prefix: str  # "KPI_" or "KPI_PREV_"
    col: int  # value column on the computed sheets (B: this period, C: the previous one)
    label: str  # labels.py key of the column header


#: this report period, and the previous one (DESIGN.md §9: the n months just before)
WINDOWS = (Window("PeriodStart", "PeriodEnd", "PeriodNext", "KPI_", 2, "this_period"),
           Window("PrevPeriodStart", "PrevPeriodEnd", "PeriodStart", "KPI_PREV_", 3, "previous_period"))


def blank_zeros(values: np.ndarray) -> np.ndarray:
    """Helper matrices are mostly zeros; blank cells read as 0 in every formula over them
    (SUMIFS, COUNTIF, SUMPRODUCT, ``=0``) and cost nothing to write."""
    return np.where(values == 0, np.nan, values)


@dataclass
class Context:
    """The inputs of a template build.

    Parameters
    ----------
    ds, period, lang, scope, config
        The data, report period, language, the scope shown in titles ("Portfolio",
        a CSM, an account) and the health configuration.
    bands, targets, currency
        The Dashboard's benchmark bands, targets and money symbol.
    customer_value : bool
        Whether the Customer value sheet (a model fit) is wanted.
    """

    ds: Dataset
    period: Period
    lang: str
    scope: str
    config: HealthConfig = field(default_factory=HealthConfig)
    bands: pd.DataFrame | None = None
    targets: dict = field(default_factory=dict)
    currency: str = ""
    customer_value: bool = False

    def __post_init__(self) -> None:
        self.config = self.config or HealthConfig()
        self.bands = kpi_core.default_bands() if self.bands is None else kpi_core.validate_bands(self.bands)
        self.targets = kpi_core.check_targets(self.targets or {})
        self.currency = self.currency or ""

    # -- the data ----------------------------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame | None:
        """A table of the dataset, or None."""
        return self.ds.table(name)

    def has(self, name: str, rows: bool = False) -> bool:
        """Whether the dataset has the table (with at least one row when `rows`)."""
        frame = self.ds.table(name)
        return frame is not None and (not rows or len(frame) > 0)

    @cached_property
    def months(self) -> pd.DatetimeIndex:
        """Every month from the earliest to the latest month of the data and of the period."""
        firsts, lasts = [self.period.start], [self.period.end]
        for name, column in _DATED:
            frame = self.ds.table(name)
            if frame is not None and len(frame):
                firsts.append(frame[column].min())
                lasts.append(frame[column].max())
        return kpi_core.month_axis(min(firsts), max(lasts))

    @cached_property
    def breakdowns(self) -> tuple:
        """The groupings of the Customers table this dataset has (``segment``, ``csm``), in order."""
        customers = self.ds.table("Customers")
        return tuple(by for by in kpi_core.BREAKDOWNS if customers is not None and by in customers)

    def group_labels(self, by: str, ids) -> pd.Series:
        """Each customer's group label (``"(unassigned)"`` for a blank or a customer not in Customers), in the
        order of `ids`."""
        labels = kpi_core.customer_groups(self.ds, by)
        labels = labels.where(labels != "", kpi_core.UNASSIGNED)
        return labels.reindex(pd.Index(ids)).fillna(kpi_core.UNASSIGNED)

    def month_index(self, values: pd.Series) -> np.ndarray:
        """0-based position of each date's month on :attr:`months`."""
        return kpi_core.month_codes(values) - kpi_core.month_codes(self.months[:1])[0]

    # -- words -------------------------------------------------------------------------------
    def t(self, key: str) -> str:
        """A label in the workbook's language."""
        return t(key, self.lang)

    @property
    def na(self) -> str:
        """The workbook's "n/a" as a formula string literal."""
        return f'"{self.t("na")}"'

    # -- sheets ------------------------------------------------------------------------------
    def sheet(self, key: str, **kwargs) -> SheetLayout:
        """A new sheet titled in the workbook's language."""
        return SheetLayout(key=key, title=self.t(key), **kwargs)

    def title(self, sheet: SheetLayout, key: str, end_col: int = 4) -> None:
        """Row 1: the sheet's title and scope; row 2: "Report period  May 2026  to  Oct 2026" (live)."""
        sheet.set(1, 1, f"{self.t(key)} — {self.scope}", "title")
        sheet.set(2, 1, self.t("period"), "label")
        sheet.set(2, 2, formula("=PeriodStart", "month_right"))
        if end_col == 3:  # the end beside the start, "to" in its format
            sheet.set(2, 3, formula("=PeriodEnd", "month_to"))
        else:
            sheet.set(2, 3, self.t("to"), "center")
            sheet.set(2, end_col, formula("=PeriodEnd", "month_left"))
        sheet.widths.update({"A": 46, "B": 16, "C": 16, "D": 14})

    def label_rows(self, sheet: SheetLayout, row: int, rows: list, col: int = 2) -> dict:
        """Write (key, formula, style) rows as label | value (in column `col`); return key -> absolute address."""
        where = {}
        for i, (key, text, style) in enumerate(rows):
            sheet.set(row + i, 1, self.t(key), "label")
            sheet.set(row + i, col, formula(text, style))
            where[key] = sheet.address(row + i, col)
        return where

    def window_heads(self, sheet: SheetLayout, row: int) -> None:
        """Column headers "This period" | "Previous period" above the value columns."""
        for w in WINDOWS:
            sheet.set(row, w.col, self.t(w.label), "header")

    def status_colours(self, sheet: SheetLayout, cells: str) -> None:
        """Fill health status words (Red / Amber / Green in the workbook's language) with their colours."""
        for word, color in zip(STATUS[self.lang], (RED, AMBER, GREEN)):
            sheet.cond_formats.append(CondFormat(cells, word, color))

    def name(self, names: dict, name: str, sheet: SheetLayout, row: int, col: int, row2=None, col2=None) -> str:
        """Record the defined name `name` -> a cell or range of `sheet` in `names`; returns the name."""
        names[name] = ref(sheet.title, row, col, row2, col2)
        return name
