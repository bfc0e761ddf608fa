"""Proof of every number the portfolio workbook's computed sheets show (issue 7, point 4; DESIGN.md §9).

Each workbook is built with :func:`portfolio_layout` + :func:`write_xlsx`, recalculated
once by LibreOffice (an engine independent of kpi_core) and read back with openpyxl.
Every number of the sheets Surveys, Support, Revenue, MRR movements, Cohorts, Health,
E-commerce, Dashboard and calc_charts (the Dashboard charts' data) is compared with
kpi_core computed per month or per customer for the same data, period and Settings, to
1e-9 relative; a blank or "n/a" / "n.d." cell stands for an undefined value (``None`` /
NaN), a status for its word of ``STATUS[lang]``, ``"#N/A"`` for calc_charts' chart gaps.
Cells are found by their row and column labels (``workbook_templates.labels.t``), never
by address (``tests/_sheets.py``), so a redesigned sheet keeps being proved as long as
its labels stay.

Both value columns are proved: "This period" and "Previous period" (the n months just
before, ``kpi_core.previous_period``) on Surveys, Support, Revenue and E-commerce, against
the same kpi_core sums over either period's months; on the Dashboard, every KPI row's two
columns against ``headline_kpis`` of both periods; on Health, the previous period's block
(hidden), "Previous score" and "Change" against ``health_scores`` of the previous period's
end month with its answers. A previous period wholly before the data (MRR 0, every ratio
n/a) and one partly before it are among the cases.

Each sheet's number cells must all be compared (``test_no_number_is_left_unproved``). Left
out on purpose: lookup helpers (Health's Usage row numbers of both periods; the Dashboard's
hidden columns: band rows and data fingerprints) and the Dashboard's Change and Target
columns, proved with band, trend marker and "target met" by ``tests/test_report_sheets.py``.
A floor on the cells compared per sheet keeps the proof from shrinking.

The expected values never re-use workbook_templates: they are kpi_core functions
(``nps``, ``nps_breakdown``, ``nps_ci``, ``ces``, ``fcr``, ``avg_response_time``, ``arpa``,
``mrr_movements``, ``cohort_retention``, ``health_scores``, ``headline_kpis``,
``average_basket``, ``purchase_frequency``, ``clv``, ``cac``, ``at_risk``, ``kpis_by``,
``previous_period``) on the rows of one month or one customer, or plain pandas sums and
counts over the input tables written from DESIGN.md §4-§5 where kpi_core has no per-month
function (month-over-month NRR is (start + expansion - contraction - churn) / start of
that month's movements, blank when start is 0). calc_charts: each trend (month-over-month
NRR, monthly NPS) split into the report period's months and the others, the month's value
in its part and #N/A elsewhere or where the month has none; the MRR bridge's base / total /
gain / loss per step from the period's movements and start / end MRR; the Red / Amber /
Green counts of ``health_scores``. The Dashboard's top accounts at risk (at most 8, as of
the build) and KPIs by segment (at most 6) against ``at_risk`` and ``kpis_by``.

Cases: the sample (40 customers) in English and French, and again with the period
moved (to start at the data's first month) and the other Settings inputs (NPS confidence,
CLV years, health weights and thresholds) changed in the built file; a hand-made edge
dataset (yes/no CSAT, churn and return, an explicit 0 MRR row, contraction, a month with
no answers and no tickets, a customer with no usage in the end month, a new Red account
with no previous score, amounts with cents) in English, in French with a non-default
health configuration, moved to a one-month period (the month with no answers), and with
Responses / Usage running past Subscriptions (a longer month axis).

Known workbook bugs are listed in :data:`KNOWN_BUGS` (sheet, what) -> (cases, reason):
their cells are left out of the per-sheet tests and proved wrong by ``test_known_bug``
(strict xfail). Two earlier ones (the Surveys trend's CSAT ignoring yes/no words; the
Cohorts grid past the last Subscriptions month) are fixed; open: the Dashboard's top
accounts at risk show a change of 0 for an account with no previous score.
"""

from __future__ import annotations

import datetime as dt
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _sheets import blank, find_label, header_columns, label_cell, same_number, table_below
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

import kpi_core
from kpi_core import COMPONENTS, Dataset, HealthConfig, KpiInputError, Period
from workbook_templates.engine import recalculate
from workbook_templates.spec.labels import STATUS, t
from workbook_templates.templates.portfolio import portfolio_layout
from workbook_templates.writing.xlsx import write_xlsx

pytestmark = pytest.mark.engine  # every test here recalculates or renders with LibreOffice

SHEETS = ("surveys", "support", "revenue", "movements", "cohorts", "health", "commerce", "dashboard", "calc_charts")
#: the sheets with a title and a "Report period" row (calc_charts is a helper sheet without one)
TITLED = SHEETS[:-1]

# ------------------------------------------------------------------------------ datasets


def edge_tables() -> dict:
    """January to June 2026, seven customers, every edge case the proof needs.

    Subscriptions (amounts with cents): A expands in April (99.99 -> 150.01); B churns
    in March (an explicit 0 row), has no row in April and comes back in May (reactivation); C
    contracts in April; D is new in March at 0.01 and expands in May; E has explicit 0
    rows only (never a customer); F churns in June; G is new in June, the largest account,
    with a Usage row in June only (scored Red, no previous score: at risk with no change).
    Responses: none at all in April;
    March CSAT answers 5, "no", "non", 4 (issue 7: 50 %; the 4 at 23:30 on March 31); May CSAT all words; June CSAT
    numbers; a blank NPS and a blank CES score. Usage: D has no row in June (no usage in
    the end month: listed on Health, not scored); B's June row is blank; C has 0
    licensed users in June (adoption missing). Tickets: none in April; hours with
    decimals, one blank. Orders, Funnel, Acquisition: cents and zero months.
    """
    months = pd.date_range("2026-01-01", "2026-06-01", freq="MS")
    subs = []

    def add(cid, values):
        subs.extend((cid, m.strftime("%Y-%m"), v) for m, v in zip(months, values) if v is not None)

    add("A", [99.99, 99.99, 99.99, 150.01, 150.01, 150.01])
    add("B", [200.0, 200.0, 0.0, None, 250.5, 250.5])
    add("C", [50.5, 50.5, 50.5, 30.25, 30.25, 30.25])
    add("D", [None, None, 0.01, 0.01, 80.0, 80.0])
    add("E", [0, 0, 0, 0, 0, 0])
    add("F", [60.0, 60.0, 60.0, 60.0, 60.0, None])
    add("G", [None, None, None, None, None, 500.0])
    customers = pd.DataFrame({"customer_id": list("ABCDEFG"), "name": ["Alpha", "Beta", "Gamma", "Delta",
                                                                        "Epsilon", "Zoé", "Eta"],
                              "csm": ["Ann", "Ann", "Bob", "Bob", "Bob", "Ann", "Ann"]})
    resp = [("A", "2026-01-10", "NPS", 10), ("B", "2026-01-11", "NPS", 9), ("C", "2026-01-12", "NPS", 6),
            ("D", "2026-01-13", "NPS", 7), ("A", "2026-01-14", "CSAT", 1), ("B", "2026-01-15", "CSAT", 5),
            ("A", "2026-01-20", "CES", 5),
            ("A", "2026-02-03", "NPS", 8), ("C", "2026-02-04", "NPS", 3),
            ("A", "2026-03-02", "NPS", 9), ("C", "2026-03-03", "NPS", 7),
            ("A", "2026-03-05", "CSAT", 5), ("B", "2026-03-06", "CSAT", "no"), ("C", "2026-03-07", "CSAT", "non"),
            ("D", "2026-03-31 23:30", "CSAT", 4), ("C", "2026-03-09", "CES", 6), ("D", "2026-03-10", "CES", 2),
            # April: no answer at all
            ("A", "2026-05-04", "NPS", 10), ("C", "2026-05-05", "NPS", 5), ("D", "2026-05-06", "NPS", 9),
            ("A", "2026-05-07", "CSAT", "yes"), ("C", "2026-05-08", "CSAT", "oui"), ("D", "2026-05-09", "CSAT", "no"),
            ("A", "2026-06-01", "NPS", 10), ("B", "2026-06-02", "NPS", 0), ("C", "2026-06-03", "NPS", 9),
            ("D", "2026-06-04", "NPS", 6), ("B", "2026-06-05", "NPS", None),
            ("A", "2026-06-06", "CSAT", 5), ("B", "2026-06-07", "CSAT", 2), ("C", "2026-06-08", "CSAT", 3),
            ("D", "2026-06-09", "CSAT", 4), ("A", "2026-06-10", "CES", 7), ("B", "2026-06-11", "CES", 3),
            ("C", "2026-06-12", "CES", None)]
    usage = []
    for m in months:
        ms = m.strftime("%Y-%m")
        june = ms == "2026-06"
        usage.append(("A", ms, 120, 10, 12, 8, 10, 0.9))
        usage.append(("B", ms, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan) if june
                     else ("B", ms, 45, 9, 10, 3, 10, 0.55))
        usage.append(("C", ms, 30, 5, 0 if june else 8, 2, 10, np.nan))
        if not june:
            usage.append(("D", ms, 10, 4, 20, 1, 10, 0.2))
        else:
            usage.append(("G", ms, 1, 1, 10, 1, 10, 0.0))
    month_list = [m.strftime("%Y-%m") for m in months]
    return {
        "Customers": customers,
        "Subscriptions": pd.DataFrame(subs, columns=["customer_id", "month", "mrr"]),
        "Responses": pd.DataFrame(resp, columns=["customer_id", "date", "survey", "score"]),
        "Tickets": pd.DataFrame({
            "ticket_id": [f"T{i}" for i in range(8)], "customer_id": list("AABCDDAC"),
            "opened_at": ["2026-01-15", "2026-02-03", "2026-03-04", "2026-03-20", "2026-05-05", "2026-06-10",
                          "2026-06-11", "2026-06-12 17:45"],
            "resolved_first_contact": [True, False, True, "oui", "no", True, False, "yes"],
            "first_response_hours": [1.25, np.nan, 0.5, 2.75, 12.0, 0.01, 3.333, 0.0]}),
        "Usage": pd.DataFrame(usage, columns=["customer_id", "month", "logins", "active_users", "licensed_users",
                                              "features_used", "features_available", "goals_met"]),
        "Orders": pd.DataFrame({
            "order_id": [f"O{i}" for i in range(7)], "customer_id": list("DCAABAB"),
            "date": ["2026-02-11", "2026-03-03", "2026-05-01", "2026-05-20", "2026-06-02", "2026-06-30 18:30",
                     "2026-06-15"],
            "amount": [19.99, 12.0, 99.99, 0.01, 30.5, 7.25, 0.0]}),
        "Funnel": pd.DataFrame({"month": month_list, "visitors": [100, 0, 200, 150, 0, 120],
                                "conversions": [3, 0, 5, 4, 0, 2], "carts_created": [10, 0, 20, 0, 0, 12],
                                "carts_abandoned": [7, 0, 11, 0, 0, 9]}),
        "Acquisition": pd.DataFrame({"month": month_list, "marketing_spend": [1000.5, 0, 500.25, 0, 0, 300.01],
                                     "sales_spend": [200.0, 0, np.nan, 0, 0, 99.99],
                                     "new_customers": [2, 0, 1, 0, 0, 1]}),
    }


# ------------------------------------------------------------------------------ the books


#: a health configuration unlike the default: unequal and zero weights, other floors, targets, thresholds
CUSTOM_CONFIG = HealthConfig(
    weights={"adoption": 2.0, "frequency": 1.0, "depth": 0.0, "sentiment": 3.0, "support": 0.5, "goals": 1.0},
    floors={"adoption": 0.1, "frequency": 1.0, "depth": 0.2, "sentiment": 5.0, "support": 4.0, "goals": 0.2},
    targets={"adoption": 0.9, "frequency": 15.0, "depth": 0.7, "sentiment": 10.0, "support": 1.0, "goals": 0.9},
    red_below=50.0, green_from=80.0)

#: Settings inputs a user changes in the built file (besides the period), and the values written
SETTINGS_EDIT = {"NpsConfidence": 0.9, "ClvYears": 2.5, "RedBelow": 45.0, "GreenFrom": 75.0,
                 "weights": {"adoption": 1.0, "frequency": 2.0, "depth": 1.0, "sentiment": 0.5, "support": 1.0, "goals": 3.0}}
#: the Settings inputs of a built workbook (portfolio defaults)
SETTINGS_DEFAULT = {"NpsConfidence": 0.95, "ClvYears": 3.0}


@dataclass
class Book:
    """One case: data, the period and config written at build time, edits made after it, the files."""

    ds: Dataset
    start: str
    end: str
    lang: str = "en"
    moved: tuple | None = None   # (start, end) written into PeriodStart/PeriodEnd after the build
    config: HealthConfig | None = None  # health configuration given to the build
    edit: dict | None = None     # Settings inputs changed after the build (SETTINGS_EDIT)
    built: Path | None = None
    recalc: Path | None = None

    @property
    def period(self) -> Period:
        return Period(*(self.moved or (self.start, self.end)))

    @property
    def inputs(self) -> dict:
        """The Settings inputs the recalculated workbook uses: NpsConfidence, ClvYears and the health config;
        and, for the lists written at build (the Dashboard's top accounts at risk), the built period and config."""
        out = dict(SETTINGS_DEFAULT)
        config = built = self.config or HealthConfig()
        if self.edit:
            out.update({k: self.edit[k] for k in SETTINGS_DEFAULT})
            config = HealthConfig(weights=self.edit["weights"], floors=config.floors, targets=config.targets,
                                  red_below=self.edit["RedBelow"], green_from=self.edit["GreenFrom"])
        return {**out, "config": config, "built": Period(self.start, self.end), "built_config": built}


def _cases() -> dict:
    sample = kpi_core.sample_dataset(seed=0, n_customers=40)
    edge = Dataset(edge_tables())
    return {
        "sample_en": Book(sample, "2026-05", "2026-10", "en"),
        "sample_fr": Book(sample, "2026-05", "2026-10", "fr"),
        # a user moves the period and changes the other Settings inputs in the built file; the period
        # now starts in the data's first month, so that its previous period lies wholly before the data
        "sample_moved": Book(sample, "2026-05", "2026-10", "en", moved=("2024-11", "2026-01"), edit=SETTINGS_EDIT),
        "edge_en": Book(edge, "2026-02", "2026-06", "en"),
        "edge_fr": Book(edge, "2026-02", "2026-06", "fr", config=CUSTOM_CONFIG),
        # one month: April, the month without any answer (and without tickets)
        "edge_moved": Book(edge, "2026-02", "2026-06", "fr", moved=("2026-04", "2026-04")),
        # Responses run two months past the last Subscriptions month, Usage starts a month before it
        "edge_longer": Book(Dataset(_longer(edge_tables())), "2026-02", "2026-07", "en"),
    }


def _longer(tables: dict) -> dict:
    """The edge tables with a month axis wider than Subscriptions: answers in July and August, usage in December."""
    more = pd.DataFrame([("A", "2026-07-03", "NPS", 8), ("B", "2026-08-01", "CSAT", 5)],
                        columns=["customer_id", "date", "survey", "score"])
    tables["Responses"] = pd.concat([tables["Responses"], more], ignore_index=True)
    early = pd.DataFrame([("A", "2025-12", 5, 2, 12, 1, 10, 0.1)], columns=tables["Usage"].columns)
    tables["Usage"] = pd.concat([early, tables["Usage"]], ignore_index=True)
    return tables


def _named_cell(wb, name: str):
    (sheet, ref), = wb.defined_names[name].destinations
    cell = wb[sheet][ref.replace("$", "")]
    assert cell.value is not None, name
    return cell


def _edit_settings(path: Path, book: Book) -> None:
    """Change Settings as a user would: the cells the defined names point at, health weights by their labels."""
    wb = load_workbook(path)
    if book.moved:
        for name, value in zip(("PeriodStart", "PeriodEnd"), book.moved):
            _named_cell(wb, name).value = pd.Timestamp(value + "-01").to_pydatetime()
    if book.edit:
        for name in ("NpsConfidence", "ClvYears", "RedBelow", "GreenFrom"):
            _named_cell(wb, name).value = book.edit[name]
        ws = wb[t("settings", book.lang)]
        table = table_below(ws, [t("component", book.lang), t("weight", book.lang)])
        for comp, weight in book.edit["weights"].items():
            ws.cell(*table.attrs["cells"][t(comp, book.lang), t("weight", book.lang)]).value = weight
    wb.save(path)


# ------------------------------------------------------------------------------ comparing


@dataclass
class Proof:
    """One sheet's proof: cells compared, the wrong ones per kind of number, cells not shown."""

    ws: object
    count: int = 0
    wrong: dict = field(default_factory=dict)
    missing: list = field(default_factory=list)
    seen: set = field(default_factory=set)      # cells compared, table headers, cells left out on purpose
    left: list = field(default_factory=list)    # number cells no comparison looked at
    window_cols: dict | None = None             # "This period" / "Previous period" header -> column

    def at(self, what: str, cell: tuple | None, expected, name) -> None:
        """Compare the cell at (row, col) with `expected` (None / NaN: blank or n/a; str: that word)."""
        self.count += 1
        got = None if cell is None else self.ws.cell(*cell).value
        if cell is not None:
            self.seen.add(cell)
        if isinstance(expected, str):
            ok = (blank(got) and expected == "") or got == expected
        elif isinstance(expected, pd.Timestamp):
            ok = isinstance(got, (dt.datetime, dt.date)) and pd.Timestamp(got) == expected
        else:
            ok = same_number(got, expected)
        if not ok:
            address = "(no cell)" if cell is None else f"{get_column_letter(cell[1])}{cell[0]}"
            self.wrong.setdefault(what, []).append((f"{self.ws.title}!{address} [{_name(name)}]", got, expected))

    def label(self, key: str, lang: str, expected, window: _Window | None = None) -> None:
        """Compare the value of the label ``t(key, lang)``: right of it, or in the column of `window`."""
        if window is None:
            self.at(key, label_cell(self.ws, t(key, lang)), expected, key)
            return
        if self.window_cols is None:
            self.window_cols = header_columns(self.ws, [t(w, lang) for w in WINDOW_HEADS])
        column = self.window_cols[t(window.head, lang)]
        self.at(key + window.suffix, label_cell(self.ws, t(key, lang), column), expected, (key, t(window.head, lang)))

    def period_row(self, key: str, lang: str, period: Period) -> None:
        """The row "<label>  <start month>  to  <end month>" labelled ``t(key, lang)``."""
        r, c = find_label(self.ws, t(key, lang))
        self.at(key, (r, c + 1), period.start, (key, "start"))
        to = [j for j in range(c + 2, c + 4) if self.ws.cell(r, j).value == t("to", lang)]
        self.at(key, (r, to[0] + 1) if to else None, period.end, (key, "end"))

    def table(self, texts, below: int = 0, corner: bool = False) -> pd.DataFrame:
        table = table_below(self.ws, texts, below, corner=corner)
        self.seen.update(table.attrs["header"])
        return table

    def rows(self, table: pd.DataFrame, expected: dict, columns: dict) -> None:
        """Compare `expected[row][key]` with the table cell in the column headed `columns[key]`."""
        for row, values in expected.items():
            for key, value in values.items():
                self.at(key, table.attrs["cells"].get((row, columns[key])), value, (row, columns[key]))

    def numbers_left(self) -> list:
        """Addresses of the number cells of the sheet that no comparison looked at."""
        return [f"{c.coordinate}={c.value!r}" for row in self.ws.iter_rows() for c in row
                if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)
                and (c.row, c.column) not in self.seen]


@dataclass(frozen=True)
class _Window:
    """A value column of the computed sheets: the report period (B) or the previous one (C)."""

    period: Period
    head: str    # labels.py key of the column header
    suffix: str  # appended to the kind of number in a failure report


#: labels.py keys of the value columns' headers
WINDOW_HEADS = ("this_period", "previous_period")


def _windows(period: Period) -> tuple:
    """The report period and the previous one (``kpi_core.previous_period``: the n months just before)."""
    return (_Window(period, "this_period", ""),
            _Window(kpi_core.previous_period(period), "previous_period", " (previous)"))


def _name(name) -> str:
    """A cell's row / column labels for a message: months as YYYY-MM."""
    parts = name if isinstance(name, tuple) else (name,)
    return " / ".join(f"{p:%Y-%m}" if isinstance(p, pd.Timestamp) else str(p) for p in parts)


def _defined(fn, *args):
    """fn(*args), None for an undefined ratio (kpi_core's div0)."""
    try:
        return float(fn(*args))
    except KpiInputError as err:
        if err.kind == "div0":
            return None
        raise


def _month_of(values: pd.Series) -> pd.Series:
    return values.dt.to_period("M").dt.to_timestamp()


def _axis_ok(shown: pd.Index, must_cover: list, proof: Proof) -> None:
    """A month table's rows: consecutive months covering every month of the data and the period."""
    months = pd.DatetimeIndex(shown)
    full = pd.date_range(months.min(), months.max(), freq="MS")
    if not months.equals(full) or not all(months.min() <= m <= months.max() for m in must_cover):
        proof.missing.append(("months", list(months)))


def _data_months(ds: Dataset, period: Period) -> list:
    months = [period.start, period.end]
    for name, col in (("Subscriptions", "month"), ("Responses", "date"), ("Tickets", "opened_at"),
                      ("Usage", "month"), ("Orders", "date")):
        frame = ds.table(name)
        if frame is not None and len(frame):
            months += [_month_of(frame[col]).min(), _month_of(frame[col]).max()]
    return months


# --- Surveys


def _month_nps_scores(resp: pd.DataFrame, month) -> np.ndarray:
    """The NPS scores answered in `month` (resp with its month column "m")."""
    return resp.loc[(resp["m"] == month) & (resp["survey"] == "NPS") & resp["score"].notna(), "score"].to_numpy()


def _surveys(ws, ds: Dataset, period: Period, lang: str, inputs: dict, proof: Proof) -> None:
    resp = ds.table("Responses").assign(m=lambda f: _month_of(f["date"]))
    for w in _windows(period):
        in_period = resp[w.period.contains(resp["date"])]
        nps_scores = in_period.loc[(in_period["survey"] == "NPS") & in_period["score"].notna(), "score"].to_numpy()
        csat = in_period.loc[in_period["survey"] == "CSAT", "positive"].dropna()
        ces = in_period.loc[(in_period["survey"] == "CES") & in_period["score"].notna(), "score"].to_numpy()
        if len(nps_scores):
            counts = kpi_core.nps_breakdown(nps_scores).loc["count"]
            low, high = kpi_core.nps_ci(nps_scores, inputs["NpsConfidence"])
        else:
            counts, low, high = {"promoters": 0, "passives": 0, "detractors": 0, "n": 0}, None, None
        block = {"promoters": counts["promoters"], "passives": counts["passives"], "detractors": counts["detractors"],
                 "answers": counts["n"], "nps_low": low, "nps_high": high,
                 "csat_positive": csat.sum(), "csat_answers": len(csat), "ces_answers": len(ces)}
        for key, value in block.items():
            proof.label(key, lang, value, w)
    trend = proof.table([t("month", lang), t("answers", lang), "NPS", "CSAT", "CES"])
    _axis_ok(trend.index, _data_months(ds, period), proof)
    expected = {}
    for month in trend.index:
        rows = resp[resp["m"] == month]
        nps_m = _month_nps_scores(resp, month)
        pos_m = rows.loc[rows["survey"] == "CSAT", "positive"].dropna()
        ces_m = rows.loc[(rows["survey"] == "CES") & rows["score"].notna(), "score"].to_numpy()
        expected[month] = {
            "trend answers": len(nps_m),
            "trend NPS": _defined(kpi_core.nps, nps_m),
            # the dataset's per-answer positive flag: kpi_core's reading of 4-5 and yes/no words
            "trend CSAT": float(pos_m.mean()) if len(pos_m) else None,
            "trend CES": _defined(kpi_core.ces, ces_m),
        }
    proof.rows(trend, expected, {"trend answers": t("answers", lang), "trend NPS": "NPS",
                                                  "trend CSAT": "CSAT", "trend CES": "CES"})


# --- Support


def _support(ws, ds: Dataset, period: Period, lang: str, inputs: dict, proof: Proof) -> None:
    tickets = ds.table("Tickets").assign(m=lambda f: _month_of(f["opened_at"]))
    for w in _windows(period):
        rows = tickets[w.period.contains(tickets["opened_at"])]
        proof.label("tickets", lang, len(rows), w)
        proof.label("resolved_first", lang, int(rows["resolved_first_contact"].sum()), w)
        if "first_response_hours" in tickets:
            hours = rows["first_response_hours"].dropna().to_numpy()
            proof.label("avg_response", lang, _defined(kpi_core.avg_response_time, hours) if len(hours) else None,
                        w)
    trend = proof.table([t("month", lang), t("tickets", lang), "FCR"])
    _axis_ok(trend.index, _data_months(ds, period), proof)
    expected = {}
    heads = {"trend tickets": t("tickets", lang), "trend FCR": "FCR"}
    for month in trend.index:
        mine = tickets[tickets["m"] == month]
        expected[month] = {"trend tickets": len(mine),
                           "trend FCR": _defined(kpi_core.fcr, int(mine["resolved_first_contact"].sum()), len(mine))}
        if "first_response_hours" in tickets:
            hours = mine["first_response_hours"].dropna().to_numpy()
            expected[month]["trend response"] = (_defined(kpi_core.avg_response_time, hours) if len(hours)
                                                 else None)
    if "first_response_hours" in tickets:
        heads["trend response"] = t("avg_response", lang)
    proof.rows(trend, expected, heads)


# --- Revenue


def _customer_mrr(subs: pd.DataFrame, month) -> pd.Series:
    return subs[subs["month"] == month].groupby("customer_id")["mrr"].sum()


def _period_moves(subs: pd.DataFrame, period: Period) -> pd.DataFrame:
    """kpi_core's monthly MRR movements of months start+1 .. end (DESIGN.md §5: start + movements = end)."""
    moves = kpi_core.mrr_movements(subs, through=period.end)
    return moves[(moves["month"] > period.start) & (moves["month"] <= period.end)]


def _revenue(ws, ds: Dataset, period: Period, lang: str, inputs: dict, proof: Proof) -> None:
    subs = ds.table("Subscriptions")
    for w in _windows(period):
        # a period before the data starts: no MRR row in its months, so MRR 0 and the ratios n/a
        both = pd.concat([_customer_mrr(subs, w.period.start).rename("m0"),
                          _customer_mrr(subs, w.period.end).rename("m1")], axis=1).fillna(0.0)
        m0, m1 = both["m0"], both["m1"]
        cohort, kept = m0 > 0, m1 > 0
        end_mrr, n_end = float(m1.sum()), int(kept.sum())
        moves = _period_moves(subs, w.period)
        expected = {
            "start_mrr": m0.sum(), "end_mrr": end_mrr,
            "cohort_expansion": (m1 - m0)[cohort & (m1 > m0)].sum(),
            "cohort_contraction": (m0 - m1)[cohort & kept & (m1 < m0)].sum(),
            "cohort_churn": m0[cohort & ~kept].sum(),
            "customers_start": int(cohort.sum()), "customers_end": n_end,
            "new_customers": int((kept & ~cohort).sum()), "lost_customers": int((cohort & ~kept).sum()),
            "arpa": _defined(kpi_core.arpa, end_mrr, n_end),
            **{k: moves[k].sum() for k in ("new", "expansion", "reactivation", "contraction", "churn")},
        }
        for key, value in expected.items():
            proof.label(key, lang, value, w)


# --- MRR movements

MOVEMENT_HEADS = ("month", "start", "new", "expansion", "contraction", "churn", "reactivation", "end",
                  "active_customers", "mom_nrr")


def _movements(ws, ds: Dataset, period: Period, lang: str, inputs: dict, proof: Proof) -> None:
    subs = ds.table("Subscriptions")
    heads = [t(h, lang) for h in MOVEMENT_HEADS]
    table = proof.table(heads)
    _axis_ok(table.index, _data_months(ds, period), proof)
    proof.rows(table, _month_movements(subs, table.index), dict(zip(MOVEMENT_HEADS, heads)))


def _month_movements(subs: pd.DataFrame, months) -> dict:
    """month -> the MRR movements sheet's row: kpi_core.mrr_movements, active customers, month-over-month NRR."""
    core = kpi_core.mrr_movements(subs, through=max(months)).set_index("month")
    per_month = subs[subs["mrr"] > 0].groupby(["month", "customer_id"])["mrr"].sum()
    active = per_month.groupby(level="month").size()
    keys = {"start": "start_mrr", "end": "end_mrr", "new": "new", "expansion": "expansion",
            "contraction": "contraction", "churn": "churn", "reactivation": "reactivation"}
    expected = {}
    for month in months:
        # a month before the first Subscriptions row has no MRR and no movement
        row = core.loc[month] if month in core.index else pd.Series(0.0, index=core.columns)
        values = {head: float(row[col]) for head, col in keys.items()}
        values["active_customers"] = int(active.get(month, 0))
        start = values["start"]
        values["mom_nrr"] = (None if start == 0 else
                             (start + values["expansion"] - values["contraction"] - values["churn"]) / start)
        expected[month] = values
    return expected


# --- Cohorts


def _cohorts(ws, ds: Dataset, period: Period, lang: str, inputs: dict, proof: Proof) -> None:
    subs = ds.table("Subscriptions")
    paying = subs[subs["mrr"] > 0]
    first = paying.groupby("customer_id")["month"].min()
    first_mrr = paying[paying["month"].to_numpy() == first.reindex(paying["customer_id"]).to_numpy()]
    start_mrr = first_mrr.groupby(first.reindex(first_mrr["customer_id"]).to_numpy())["mrr"].sum()
    for basis, key in (("logo", "cohort_logo"), ("revenue", "cohort_revenue")):
        core = kpi_core.cohort_retention(subs, basis=basis)
        below, _ = find_label(ws, t(key, lang))
        table = proof.table([t("cohort", lang), t("size", lang)], below=below)
        if set(table.index) != set(core.index):
            proof.missing.append((key, sorted(set(table.index) ^ set(core.index))))
            continue
        cells = table.attrs["cells"]
        ks = sorted({c for c in table.columns if isinstance(c, int)} | {c for c in core.columns if c != "size"})
        for cohort in core.index:
            size = core.at[cohort, "size"] if basis == "logo" else start_mrr[cohort]
            proof.at(f"{key} size", cells[cohort, t("size", lang)], size, (cohort, "size"))
            for k in ks:
                value = core.at[cohort, k] if k in core.columns else None
                proof.at(f"{key} grid", cells.get((cohort, k)), value, (cohort, k))


# --- Health


def _health(ws, ds: Dataset, period: Period, lang: str, inputs: dict, proof: Proof) -> None:
    config = inputs["config"]
    now, before = _windows(period)
    # a report for the previous period scores its end month with its own answers (DESIGN.md §9)
    core = {w.head: kpi_core.health_scores(ds, w.period.end, config, period_start=w.period.start)
            .set_index("customer_id") for w in (now, before)}
    table = proof.table([t("customer_id", lang), t("score", lang), t("status", lang)])
    listed = set(ds.table("Usage")["customer_id"])
    if set(table.index) != listed:
        proof.missing.append(("customers", sorted(set(table.index) ^ listed)))
    # the Usage row numbers a customer's components come from (this period's and the previous period's,
    # both headed "Usage row") are lookup helpers, not KPIs
    usage_cols = table.attrs["repeats"].get(t("usage_row", lang), [])
    if len(usage_cols) != 2:
        proof.missing.append(("usage row columns", usage_cols))
    proof.seen.update((r, c) for r in table.attrs["rows"].values() for c in usage_cols)
    parts = {}
    for c in COMPONENTS:
        for part in ("value", "score", "contribution"):
            parts[f"{c}_{part}"] = f"{t(c, lang)} ({t(part + '_of', lang)})"
    parts.update(score=t("score", lang), status=t("status", lang), weights_present=t("weights_present", lang))
    prev_word = t("previous_period", lang)
    head = {**parts, **{f"{k} (previous)": f"{h} ({prev_word})" for k, h in parts.items()},
            "previous_score": t("previous_score", lang), "change": t("change", lang)}
    english = ("Red", "Amber", "Green")

    def shown(scores: pd.DataFrame, cid) -> dict:
        if cid not in scores.index:
            # no Usage row in the scored month: not scored, every cell blank (no rows of 0.00)
            return {**dict.fromkeys(parts), "status": ""}
        row = scores.loc[cid]
        values = {k: float(row[k]) for k in parts if k not in ("status", "weights_present")}
        values["status"] = STATUS[lang][english.index(row["status"])] if row["status"] else ""
        values["weights_present"] = sum(config.weights[c] for c in COMPONENTS if not math.isnan(row[f"{c}_score"]))
        return values

    expected = {}
    for cid in table.index:
        values, previous = shown(core[now.head], cid), shown(core[before.head], cid)
        expected[cid] = {**values, **{f"{k} (previous)": v for k, v in previous.items()}}
        score, prev_score = values["score"], previous["score"]
        expected[cid]["previous_score"] = prev_score
        expected[cid]["change"] = None if score is None or prev_score is None else score - prev_score
    proof.rows(table, expected, head)


# --- E-commerce


def _commerce(ws, ds: Dataset, period: Period, lang: str, inputs: dict, proof: Proof) -> None:
    for w in _windows(period):
        _commerce_window(ds, w, lang, inputs, proof)


def _commerce_window(ds: Dataset, w: _Window, lang: str, inputs: dict, proof: Proof) -> None:
    period = w.period
    orders = ds.table("Orders")
    cac = None
    acquisition = ds.table("Acquisition")
    if acquisition is not None:
        rows = acquisition[period.contains(acquisition["month"])]
        spend = {c: float(rows[c].sum()) if c in rows else 0.0 for c in ("marketing_spend", "sales_spend",
                                                                          "new_customers")}
        for key, col in (("marketing_spend", "marketing_spend"), ("sales_spend", "sales_spend"),
                         ("acquired", "new_customers")):
            if col in rows:
                proof.label(key, lang, spend[col], w)
        cac = _defined(kpi_core.cac, spend["marketing_spend"], spend["sales_spend"], spend["new_customers"])
    if orders is not None:
        rows = orders[period.contains(orders["date"])]
        per_customer = rows.groupby("customer_id").size()
        n, customers = len(rows), len(per_customer)
        basket = _defined(kpi_core.average_basket, rows["amount"].sum(), n)
        frequency = _defined(kpi_core.purchase_frequency, n, customers)
        per_year = None if frequency is None else frequency * 12 / period.months
        clv = (None if basket is None or per_year is None
               else kpi_core.clv(basket, per_year, inputs["ClvYears"], cac or 0.0))
        expected = {"orders": n, "revenue": rows["amount"].sum(), "ordering_customers": customers,
                    "repeat_customers": int((per_customer >= 2).sum()), "purchases_per_year": per_year, "clv": clv}
        for key, value in expected.items():
            proof.label(key, lang, value, w)
    funnel = ds.table("Funnel")
    if funnel is not None:
        rows = funnel[period.contains(funnel["month"])]
        for key in ("visitors", "conversions", "carts_created", "carts_abandoned"):
            if key in rows:
                proof.label(key, lang, float(rows[key].sum()), w)


# --- Dashboard (the KPI_ values are proved by test_workbook_formulas too; here they are found by label)

BRIDGE = ("start", "new", "expansion", "reactivation", "contraction", "churn", "end")


def _dashboard(ws, ds: Dataset, period: Period, lang: str, inputs: dict, proof: Proof) -> None:
    config = inputs["config"]
    rows = []
    for w in _windows(period):
        for key, value in kpi_core.headline_kpis(ds, w.period.start, w.period.end, config).items():
            proof.label("KPI_" + key.upper(), lang, value, w)
            if w.head == "this_period":
                rows.append(find_label(ws, t("KPI_" + key.upper(), lang))[0])
    # each KPI's change and target are proved by tests/test_report_sheets.py (with its band, trend marker and
    # whether the target is met); the hidden helper columns (band row, data fingerprints) are lookups
    heads = header_columns(ws, [t(h, lang) for h in ("kpi", "change", "target_col")])
    proof.seen.update((r, heads[t(h, lang)]) for r in rows for h in ("change", "target_col"))
    hidden = {j for dim in ws.column_dimensions.values() if dim.hidden for j in range(dim.min, dim.max + 1)}
    if not hidden:
        proof.missing.append("the hidden helper columns")
    proof.seen.update((c.row, c.column) for row in ws.iter_rows() for c in row if c.column in hidden)
    _dashboard_lists(ws, ds, period, lang, inputs, proof)


def _dashboard_lists(ws, ds: Dataset, period: Period, lang: str, inputs: dict, proof: Proof) -> None:
    """The top accounts at risk (as of the build, by MRR: at most 8) and the KPIs of the segments (at most 6)."""
    customers = ds.table("Customers")
    if ds.table("Usage") is not None:
        built = inputs["built"]
        risk = kpi_core.at_risk(ds, built.start, built.end, inputs["built_config"]).head(8)
        if len(risk):
            table = proof.table([t(h, lang) for h in ("customer", "mrr_col", "health_col", "change")])
            if list(table.index) != risk["name"].tolist():
                proof.missing.append(("at-risk accounts", list(table.index), risk["name"].tolist()))
            columns = {"at risk mrr": t("mrr_col", lang), "at risk health": t("health_col", lang),
                       "at risk change": t("change", lang)}
            # a customer not scored in the previous period has no change (kept apart: see KNOWN_BUGS)
            columns["at risk change (no previous score)"] = t("change", lang)
            proof.rows(table, {name: {"at risk mrr": float(mrr), "at risk health": float(health),
                                      **({"at risk change (no previous score)": None} if pd.isna(change)
                                         else {"at risk change": float(change)})}
                               for name, mrr, health, change in risk[["name", "mrr", "health", "change"]].itertuples(
                                   index=False)}, columns)
    if customers is not None and "segment" in customers:
        core = kpi_core.kpis_by(ds, "segment", period.start, period.end, inputs["config"]).set_index("segment")
        keys = {"customers": "customers", "mrr": "mrr_col", "nrr": "KPI_NRR", "nps": "KPI_NPS",
                "avg_health": "KPI_AVG_HEALTH"}
        table = proof.table([t("segment", lang), *(t(h, lang) for h in keys.values())])
        if len(table) != min(len(core), 6) or not set(table.index) <= set(core.index):
            proof.missing.append(("segments", list(table.index), list(core.index)))
        expected = {g: {f"segment {k}": (None if pd.isna(core.at[g, k]) else float(core.at[g, k])) for k in keys}
                    for g in table.index if g in core.index}
        proof.rows(table, expected, {f"segment {k}": t(h, lang) for k, h in keys.items()})


# --- calc_charts (the Dashboard charts' data)


def _calc_charts(ws, ds: Dataset, period: Period, lang: str, inputs: dict, proof: Proof) -> None:
    subs, resp = ds.table("Subscriptions"), ds.table("Responses")
    # the trends split into the report period's months and the others: the source month's value, #N/A
    # (a gap in the line chart) outside that part or where the month has no value
    parts = {"this_period": lambda m: period.start <= m <= period.end,
             "outside_period": lambda m: not period.start <= m <= period.end}
    series = {}
    if subs is not None and len(subs):
        series["nrr"] = lambda ms: {m: v["mom_nrr"] for m, v in _month_movements(subs, ms).items()}
    if resp is not None:
        answers = resp.assign(m=lambda f: _month_of(f["date"]))
        series["nps"] = lambda ms: {m: _defined(kpi_core.nps, _month_nps_scores(answers, m)) for m in ms}
    if series:
        # one month column, then each trend's two columns under their own headers (a blank column between)
        rows = proof.table([t("month", lang)]).attrs["rows"]
        _axis_ok(pd.Index(list(rows)), _data_months(ds, period), proof)
        for key, values in series.items():
            heads = {part: f"{key} ({t(part, lang)})" for part in parts}
            cols = header_columns(ws, list(heads.values()))
            for m, value in values(list(rows)).items():
                for part, inside in parts.items():
                    shown = value if inside(m) and value is not None else "#N/A"
                    proof.at(f"{key} {part}", (rows[m], cols[heads[part]]), shown, (m, heads[part]))
    if subs is not None and len(subs):
        start = float(_customer_mrr(subs, period.start).sum())
        step = {k: float(v) for k, v in _period_moves(subs, period)[list(BRIDGE[1:-1])].sum().items()}
        # the MRR bridge as a stacked chart: an invisible base, the start/end totals, gains and losses
        expected, top = {}, 0.0
        for key in BRIDGE:
            if key in ("start", "end"):
                amount = start if key == "start" else float(_customer_mrr(subs, period.end).sum())
                expected[t(key, lang)] = {"base": 0.0, "total": amount, "up": 0.0, "down": 0.0}
                top = amount
            elif key in ("new", "expansion", "reactivation"):
                expected[t(key, lang)] = {"base": top, "total": 0.0, "up": step[key], "down": 0.0}
                top += step[key]
            else:
                top -= step[key]
                expected[t(key, lang)] = {"base": top, "total": 0.0, "up": 0.0, "down": step[key]}
        table = proof.table([t(h, lang) for h in ("base", "total", "up", "down")], corner=True)
        proof.rows(table, expected, {h: t(h, lang) for h in ("base", "total", "up", "down")})
    usage = ds.table("Usage")
    if usage is not None and usage["customer_id"].nunique() > 1:
        scores = kpi_core.health_scores(ds, period.end, inputs["config"], period_start=period.start)
        find_label(ws, t("distribution", lang))  # the block is there, under its header
        for english, word in zip(("Red", "Amber", "Green"), STATUS[lang]):
            proof.at("distribution", label_cell(ws, word), int((scores["status"] == english).sum()), word)


PROVERS = {"surveys": _surveys, "support": _support, "revenue": _revenue, "movements": _movements,
           "cohorts": _cohorts, "health": _health, "commerce": _commerce, "dashboard": _dashboard,
           "calc_charts": _calc_charts}


def _prove(book: Book, keys=None) -> dict:
    """sheet key -> Proof for one recalculated book (every sheet of PROVERS, or those of `keys`)."""
    wb = load_workbook(book.recalc, data_only=True)
    try:
        out = {}
        for key, prover in PROVERS.items():
            if keys is not None and key not in keys:
                continue
            proof = out[key] = Proof(wb[t(key, book.lang)])
            try:
                if key in TITLED:  # row 2: the report period (and the previous one on the Dashboard)
                    proof.period_row("period", book.lang, book.period)
                    if key == "dashboard":
                        proof.period_row("previous_period", book.lang, kpi_core.previous_period(book.period))
                prover(wb[t(key, book.lang)], book.ds, book.period, book.lang, book.inputs, proof)
            except (LookupError, KeyError) as err:  # a label or row the sheet does not show
                proof.missing.append(repr(err))
            proof.left = proof.numbers_left()
        return out
    finally:
        wb.close()


def prove_sheets(book: Book, keys) -> dict:
    """sheet key -> Proof of the sheets `keys` of one recalculated book: the proof for other modules' cases
    (``tests/test_mapping_workbook.py``: data mapped from users' exports, which has no Usage or Orders)."""
    return _prove(book, keys)


@pytest.fixture(scope="module")
def proofs(tmp_path_factory) -> dict:
    """case -> (Book, {sheet: Proof}); every book built and recalculated once, two at a time."""
    folder = tmp_path_factory.mktemp("numbers")
    cases = _cases()
    for key, book in cases.items():
        book.built = write_xlsx(portfolio_layout(book.ds, book.start, book.end, lang=book.lang,
                                                 config=book.config), folder / f"{key}.xlsx")
        if book.moved or book.edit:
            _edit_settings(book.built, book)

    def run(item):
        key, book = item
        book.recalc = recalculate(book.built, folder / f"{key}.recalc.xlsx")

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(run, cases.items()))
    return {key: (book, _prove(book)) for key, book in cases.items()}


# ------------------------------------------------------------------------------ tests

#: (sheet, what) -> (cases where the workbook is wrong, reason). Proved in test_known_bug (strict xfail).
KNOWN_BUGS: dict = {}  # (sheet, what) -> (cases, reason): none left (the Dashboard's at-risk blanks are fixed)

CASES = ("sample_en", "sample_fr", "sample_moved", "edge_en", "edge_fr", "edge_moved", "edge_longer")


def _known(case: str, sheet: str, what: str) -> bool:
    cases, _ = KNOWN_BUGS.get((sheet, what), ((), ""))
    return case in cases


def _report(sheet: str, wrong: dict, limit: int = 8) -> str:
    return "; ".join(f"{sheet}/{what}: " + ", ".join(f"{where} shows {got!r}, kpi_core {exp!r}"
                                                     for where, got, exp in cells[:limit])
                     for what, cells in wrong.items())


@pytest.mark.parametrize("sheet", SHEETS)
@pytest.mark.parametrize("case", CASES)
def test_every_number_equals_kpi_core(proofs, case, sheet):
    book, proved = proofs[case]
    proof = proved[sheet]
    assert not proof.missing, f"{case} {sheet}: rows or labels not found: {proof.missing}"
    assert proof.count > 0
    wrong = {what: cells for what, cells in proof.wrong.items() if not _known(case, sheet, what)}
    assert not wrong, f"{case} {book.period} " + _report(sheet, wrong)


@pytest.mark.parametrize("sheet", SHEETS)
@pytest.mark.parametrize("case", CASES)
def test_no_number_is_left_unproved(proofs, case, sheet):
    """Every number cell of the sheet was compared (or is a documented lookup helper)."""
    proof = proofs[case][1][sheet]
    assert not proof.left, f"{case} {sheet}: number cells no test compares: {proof.left[:20]}"


def test_edge_data_has_the_cases_it_claims(proofs):
    """Guards the fixture: the edge data exercises what its docstring says."""
    ds = proofs["edge_en"][0].ds
    resp = ds.table("Responses")
    march = resp[(resp["survey"] == "CSAT") & (_month_of(resp["date"]) == pd.Timestamp("2026-03-01"))]
    assert march["positive"].mean() == 0.5
    assert not (_month_of(resp["date"]) == pd.Timestamp("2026-04-01")).any()
    moves = kpi_core.mrr_movements(ds.table("Subscriptions")).set_index("month")
    assert moves.loc["2026-05-01", "reactivation"] == 250.5 and moves.loc["2026-04-01", "contraction"] > 0
    scored = kpi_core.health_scores(ds, "2026-06", period_start="2026-02")
    assert "D" not in set(scored["customer_id"]) and "D" in set(ds.table("Usage")["customer_id"])
    risk = kpi_core.at_risk(ds, "2026-02", "2026-06").set_index("customer_id")
    assert risk.index[0] == "G" and risk.at["G", "status"] == "Red" and pd.isna(risk.at["G", "change"])
    assert proofs["edge_moved"][0].period.months == 1
    # the edited Settings and the custom config change health scores (else they would prove nothing)
    for case, period in (("sample_moved", Period("2024-11", "2026-01")), ("edge_fr", Period("2026-02", "2026-06"))):
        book = proofs[case][0]
        assert book.inputs["config"] != HealthConfig()
        default = kpi_core.health_scores(book.ds, period.end, period_start=period.start)
        changed = kpi_core.health_scores(book.ds, period.end, book.inputs["config"], period_start=period.start)
        assert not np.allclose(default["score"].fillna(-1), changed["score"].fillna(-1)), case
        assert (default["status"] != changed["status"]).any(), case
    longer = proofs["edge_longer"][0].ds
    assert longer.table("Responses")["date"].max() > longer.table("Subscriptions")["month"].max()
    # a previous period wholly before the data (MRR 0, every ratio n/a), one partly before it (NRR n/a, MRR not 0)
    book = proofs["sample_moved"][0]
    prev = kpi_core.previous_period(book.period)
    first = min(_data_months(book.ds, book.period))
    assert prev.end < first
    before = kpi_core.headline_kpis(book.ds, prev.start, prev.end)
    assert before["mrr"] == 0 and before["nrr"] is None and before["nps"] is None and before["avg_health"] is None
    book = proofs["edge_en"][0]
    prev = kpi_core.previous_period(book.period)
    assert prev.start < min(_data_months(book.ds, book.period)) <= prev.end
    partly = kpi_core.headline_kpis(book.ds, prev.start, prev.end)
    assert partly["mrr"] > 0 and partly["nrr"] is None


#: cells compared per sheet over all cases: a floor so that the proof cannot silently shrink
#: (a redesign that shows fewer numbers must lower it on purpose)
MIN_CELLS = {"surveys": 536, "support": 353, "revenue": 224, "movements": 905, "cohorts": 2300, "health": 6174,
             "commerce": 196, "dashboard": 416, "calc_charts": 613}


def test_every_sheet_is_covered(proofs, capsys):
    table = pd.DataFrame({case: {sheet: proof.count for sheet, proof in proved.items()}
                          for case, (_, proved) in proofs.items()}).loc[list(SHEETS)]
    table["all cases"] = table.sum(axis=1)
    table.loc["all sheets"] = table.sum()
    with capsys.disabled():
        print("\ncells compared per sheet and case (tests/test_workbook_numbers.py):\n" + table.to_string())
    total = table["all cases"]
    short = {s: (int(total[s]), n) for s, n in MIN_CELLS.items() if total[s] < n}
    assert not short, f"cells compared (got, at least): {short}"


# ------------------------------------------------------------------------------ the proof itself


def test_a_wrong_cell_is_found_by_its_labels(proofs, tmp_path):
    """The proof fails, naming the cell, when one number of a sheet is off by a cent (or a word)."""
    book = proofs["sample_en"][0]
    wb = load_workbook(book.recalc, data_only=True)
    movements = table_below(wb[t("movements", "en")], [t(h, "en") for h in MOVEMENT_HEADS])
    row, col = movements.attrs["cells"][pd.Timestamp("2026-06-01"), t("churn", "en")]
    wb[t("movements", "en")].cell(row, col).value += 0.01
    health = table_below(wb[t("health", "en")], [t("customer_id", "en"), t("status", "en")])
    scored = next(c for c in health.index if health.at[c, t("status", "en")] == "Green")
    hr, hc = health.attrs["cells"][scored, t("status", "en")]
    wb[t("health", "en")].cell(hr, hc).value = "Amber"
    r, c = label_cell(wb[t("surveys", "en")], t("nps_low", "en"))
    wb[t("surveys", "en")].cell(r, c).value = None
    # the previous period's columns: Revenue's churn (column C) and a customer's previous health score
    revenue = wb[t("revenue", "en")]
    pr, pc = label_cell(revenue, t("churn", "en"), header_columns(revenue, [t("previous_period", "en")])[
        t("previous_period", "en")])
    revenue.cell(pr, pc).value += 1
    previous = table_below(wb[t("health", "en")], [t("customer_id", "en"), t("previous_score", "en")])
    sr, sc = previous.attrs["cells"][scored, t("previous_score", "en")]
    wb[t("health", "en")].cell(sr, sc).value = None
    wb.save(tmp_path / "tampered.xlsx")
    tampered = Book(book.ds, book.start, book.end, "en", recalc=tmp_path / "tampered.xlsx")
    proved = _prove(tampered)
    wrong = {(sheet, what): [where for where, *_ in cells]
             for sheet, proof in proved.items() for what, cells in proof.wrong.items()}
    assert wrong == {
        ("movements", "churn"): [f"{t('movements', 'en')}!{get_column_letter(col)}{row} [2026-06 / Churn]"],
        ("health", "status"): [f"{t('health', 'en')}!{get_column_letter(hc)}{hr} [{scored} / Status]"],
        ("surveys", "nps_low"): [f"{t('surveys', 'en')}!{get_column_letter(c)}{r} [nps_low / This period]"],
        ("revenue", "churn (previous)"): [
            f"{t('revenue', 'en')}!{get_column_letter(pc)}{pr} [churn / Previous period]"],
        ("health", "previous_score"): [f"{t('health', 'en')}!{get_column_letter(sc)}{sr} [{scored} / Previous score]"],
        # the Dashboard's KPI_NPS, the Change column of Health and calc_charts' distribution are other cells:
        # untouched, still right
    }


def test_locators_find_cells_by_label_not_address():
    from openpyxl import Workbook

    ws = Workbook().active
    ws["C3"], ws["D3"] = "Answers", 12           # a label | value row, not at A1
    ws["B6"], ws["C6"], ws["D6"] = "Month", "Answers", "NPS"
    ws["B7"], ws["C7"], ws["D7"] = dt.datetime(2026, 1, 1), 4, 50.0
    ws["B8"], ws["C8"], ws["D8"] = dt.datetime(2026, 2, 1), 0, ""
    ws["B9"] = "Next block"                     # a label right below: not a row of the table
    assert label_cell(ws, "Answers") == (3, 4)  # C6 "Answers" has "Month" on its left: a header
    table = table_below(ws, ["Month", "Answers", "NPS"])
    assert list(table.index) == [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01")]
    assert table.attrs["cells"][pd.Timestamp("2026-02-01"), "NPS"] == (8, 4)
    assert table.at[pd.Timestamp("2026-01-01"), "NPS"] == 50.0
    # the header texts in any order, the row names under any of them
    by_answers = table_below(ws, ["NPS", "Month"], index="Answers")
    assert list(by_answers.index) == [4, 0] and by_answers.at[0, "Month"] == dt.datetime(2026, 2, 1)
    with pytest.raises(LookupError):
        table_below(ws, ["Month", "CSAT"])
    # a header standing twice (a hidden repeat): the table is found, that column left out and listed
    ws["E6"], ws["E7"], ws["E8"] = "Answers", 5, 1
    repeated = table_below(ws, ["Month", "NPS"])
    assert list(repeated.columns) == ["NPS"] and repeated.attrs["repeats"] == {"Answers": [3, 5]}
    assert repeated.attrs["rows"] == {pd.Timestamp("2026-01-01"): 7, pd.Timestamp("2026-02-01"): 8}
    with pytest.raises(LookupError):
        table_below(ws, ["Month", "Answers"])
    # a label with one value per column header ("This period | Previous period")
    ws["D2"], ws["E2"], ws["E3"] = "This period", "Previous period", 10
    columns = header_columns(ws, ["Previous period", "This period"])
    assert columns == {"This period": 4, "Previous period": 5}
    assert label_cell(ws, "Answers", columns["Previous period"]) == (3, 5)
    ws["H3"] = "Answers"                        # a second label | value "Answers": ambiguous
    with pytest.raises(LookupError):
        label_cell(ws, "Answers")


@pytest.mark.parametrize("got,expected,ok", [
    (0.5, 0.5, True), (0.5 + 1e-12, 0.5, True), (0.5 + 1e-6, 0.5, False), (1e-12, 0.0, True),
    (None, None, True), ("", None, True), ("n/a", float("nan"), True), ("n.d.", None, True),
    (0, None, False), (None, 0.0, False), ("n/a", 0.0, False), (True, 1.0, False), ("12", 12.0, False)])
def test_same_number(got, expected, ok):
    assert same_number(got, expected) is ok
