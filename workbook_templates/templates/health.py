"""Health (DESIGN.md §5): the calc_health helper, the health row formulas and the Health sheet.

The columns of a health row are derived from :data:`kpi_core.COMPONENTS`
(:class:`HealthColumns`): the Usage row of the scored month, each component's
value, each component's score, the weights of the present components, the
score, the status and each component's contribution. The Health sheet has one
such row per customer for this period and one (hidden) for the previous
period; the Account sheet has one per month. A seventh component is one more
entry in ``COMPONENTS`` (and its label): every column moves with it.

Every health row is a :class:`~workbook_templates.spec.layout.FormulaBlock`:
the same formulas on every row, relative to the row, so a spreadsheet parses
each column once. ``calc_health`` holds, per customer and month, the row of
its Usage data, the sum and count of its NPS answers and its tickets
(derived at build; ``DataStale`` watches the columns read).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter as L
from openpyxl.utils import quote_sheetname

import kpi_core
from kpi_core import COMPONENTS

from ..spec import formulas as fx
from ..spec.fingerprints import Read
from ..spec.labels import STATUS
from ..spec.layout import Block, ColumnRef, FormulaBlock, ref
from .builder import Built, SheetBuilder
from .context import WINDOWS, Context, blank_zeros

__all__ = ["HealthColumns", "HealthHelper", "health_row", "health_heads", "CALC_HEALTH", "HEALTH"]

#: components whose value is a share (shown as a percentage)
_SHARES = ("adoption", "depth", "goals")
#: the usage ratios behind the components (numerator, denominator)
_RATIOS = {"adoption": ("active_users", "licensed_users"), "frequency": ("logins", "active_users"),
           "depth": ("features_used", "features_available")}
_CALC_HEAD = 2  # calc_health: row 1 names the blocks, row 2 holds the months
_FIRST_ROW = 5  # Health sheet: first customer row (rows 3-4: group titles and headers)
_INFO = ("customer_id", "name", "csm_col")  # Health sheet: the columns before the health row


@dataclass(frozen=True)
class HealthColumns:
    """The columns of one health row from column `first`, derived from the components.

    Examples
    --------
    >>> cols = HealthColumns(4)
    >>> L(cols.usage_row), L(cols.value("adoption")), L(cols.score), L(cols.status), L(cols.last)
    ('D', 'E', 'R', 'S', 'Y')
    """

    first: int
    components: tuple = COMPONENTS

    @property
    def usage_row(self) -> int:
        return self.first

    def value(self, comp: str) -> int:
        return self.first + 1 + self.components.index(comp)

    def scaled(self, comp: str) -> int:
        return self.first + 1 + len(self.components) + self.components.index(comp)

    @property
    def present(self) -> int:
        return self.first + 1 + 2 * len(self.components)

    @property
    def score(self) -> int:
        return self.present + 1

    @property
    def status(self) -> int:
        return self.present + 2

    def contribution(self, comp: str) -> int:
        return self.present + 3 + self.components.index(comp)

    @property
    def last(self) -> int:
        return self.contribution(self.components[-1])


@dataclass(frozen=True)
class HealthHelper:
    """What calc_health publishes (anchor ``health.calc``): its customers, blocks and month header."""

    title: str
    ids: pd.Index  # the customers with a Usage row, in row order
    months: int
    blocks: dict  # block key ("usage_row", "nps_sum", "nps_n", "tickets") -> its first column

    @property
    def month_header(self) -> str:
        """The months of the first block (absolute), for MATCH and SUMIFS criteria."""
        first = next(iter(self.blocks.values()))
        return ref(self.title, _CALC_HEAD, first, _CALC_HEAD, first + self.months - 1)

    def row_of(self, key: str, row: int, relative: bool) -> str:
        """Block `key` of calc_health row `row` (a customer) as a range; `relative`: the row moves with the
        formula (a FormulaBlock over the customers)."""
        c0 = self.blocks[key]
        r = f"{row}" if relative else f"${row}"
        return f"{quote_sheetname(self.title)}!${L(c0)}{r}:${L(c0 + self.months - 1)}{r}"

    def first_row(self, i: int = 0) -> int:
        """calc_health row of the i-th customer."""
        return _CALC_HEAD + 1 + i

    def ranges(self, row: int, relative: bool):
        """``calc(key)``: the calc_health range of block `key` on `row` (as :meth:`row_of`), None when the
        block does not exist (the table it counts is missing)."""
        return lambda key: self.row_of(key, row, relative) if key in self.blocks else None


def health_heads(ctx: Context) -> list[str]:
    """Header texts of a health row after its usage-row column (values, scores, weights, score, status,
    contributions)."""
    heads = [f"{ctx.t(c)} ({ctx.t('value_of')})" for c in COMPONENTS]
    heads += [f"{ctx.t(c)} ({ctx.t('score_of')})" for c in COMPONENTS]
    heads += [ctx.t("weights_present"), ctx.t("score"), ctx.t("status")]
    heads += [f"{ctx.t(c)} ({ctx.t('contribution_of')})" for c in COMPONENTS]
    return heads


def health_row(ctx: Context, cols: HealthColumns, row: int, calc, at: str, within: str) -> list:
    """The (formula, style) of every column of a health row, written for sheet row `row`.

    ``calc(key)`` is the customer's calc_health range of block `key`, `at` the
    1-based position of the scored month in it, and `within` the SUMIFS criteria
    on the calc_health month header selecting the months whose NPS answers make
    the sentiment component. The Health sheet scores PeriodEnd with the period's
    answers (and PrevPeriodEnd with the previous period's); the Account sheet
    scores each month with that month's answers (``kpi_core.health_scores(ds, month)``).
    """
    usage = ctx.table("Usage")

    def at_col(c: int) -> str:
        return f"{L(c)}{row}"

    u = f"${L(cols.usage_row)}{row}"

    def use(name: str) -> str:
        return f"INDEX(Usage[{name}],{u})"

    def ratio(num: str, den: str) -> str:
        if num not in usage or den not in usage:
            return '=""'
        return (f'=IF({u}=0,"",IF(OR({use(den)}="",{use(num)}=""),"",IF({use(den)}>0,'
                f'{use(num)}/{use(den)},"")))')

    values = {comp: ratio(*_RATIOS[comp]) for comp in _RATIOS}
    values["goals"] = (f'=IF({u}=0,"",IF({use("goals_met")}="","",{use("goals_met")}))'
                       if "goals_met" in usage else '=""')
    values["sentiment"] = values["support"] = '=""'
    if calc("nps_sum") is not None:
        count = f"SUMIFS({calc('nps_n')},{within})"
        values["sentiment"] = f'=IF({u}=0,"",IF({count}=0,"",SUMIFS({calc("nps_sum")},{within})/{count}))'
    if calc("tickets") is not None:
        values["support"] = f'=IF({u}=0,"",IFERROR(INDEX({calc("tickets")},{at})+0,0))'
    out = {cols.usage_row: (f"=IFERROR(INDEX({calc('usage_row')},{at})+0,0)", "int")}
    # "+0": LibreOffice gives an empty result (Excel gives 0) for a reference to a blank helper cell;
    # a month off the axis (MATCH fails) has no usage row
    scores = [at_col(cols.scaled(c)) for c in COMPONENTS]
    weights = [f"INDEX(HealthWeights,{j + 1})" for j in range(len(COMPONENTS))]
    for j, comp in enumerate(COMPONENTS):
        out[cols.value(comp)] = (values[comp], "pct" if comp in _SHARES else "ratio")
        floor, target = f"INDEX(HealthFloors,{j + 1})", f"INDEX(HealthTargets,{j + 1})"
        out[cols.scaled(comp)] = (f"={fx.scaled(at_col(cols.value(comp)), floor, target)}", "ratio")
    present, score = at_col(cols.present), at_col(cols.score)
    out[cols.present] = (f'=IF({u}=0,"",{fx.weight_present(scores, weights)})', "ratio")
    out[cols.score] = (f"={fx.health_score(scores, weights, present, f'{u}<>0')}", "ratio")
    out[cols.status] = (f"={fx.health_status(score, 'RedBelow', 'GreenFrom', STATUS[ctx.lang])}", None)
    for comp, sc, w in zip(COMPONENTS, scores, weights):
        out[cols.contribution(comp)] = (f"={fx.contribution(sc, w, present, score)}", "ratio")
    return [out[c] for c in range(cols.first, cols.last + 1)]


def _calc_health(ctx: Context, _) -> Built:
    usage = ctx.table("Usage")
    s = ctx.sheet("calc_health", landscape=True, tab_color="D9D9D9", freeze="B3")
    ids = pd.Index(pd.unique(usage["customer_id"])).sort_values()
    m, n = len(ctx.months), len(ids)
    usage_row = np.full((n, m), np.nan)
    usage_row[ids.get_indexer(usage["customer_id"]), ctx.month_index(usage["month"])] = np.arange(1, len(usage) + 1)
    blocks = {"usage_row": usage_row}
    reads = [Read("Usage", "customer_id", "length"), Read("Usage", "month", "month")]

    def per_customer_month(frame: pd.DataFrame, date: str) -> np.ndarray:
        """Each row's key customer x month (-1 for a customer without Usage rows)."""
        who = ids.get_indexer(frame["customer_id"])
        return np.where(who >= 0, who * m + ctx.month_index(frame[date]), -1)

    responses, tickets = ctx.table("Responses"), ctx.table("Tickets")
    if responses is not None:
        counts = kpi_core.survey_counts(responses, per_customer_month(responses, "date"), n * m)
        blocks["nps_sum"] = counts["nps_sum"].to_numpy().reshape(n, m)
        blocks["nps_n"] = (counts["nps_promoters"] + counts["nps_passives"] + counts["nps_detractors"]
                           ).to_numpy().reshape(n, m)
        reads += [Read("Responses", "customer_id", "length"), Read("Responses", "date", "month"),
                  Read("Responses", "score", "number"), Read.of_words("Responses", "survey", kpi_core.SURVEY_SCALES)]
    if tickets is not None:
        counts = kpi_core.ticket_counts(tickets, per_customer_month(tickets, "opened_at"), n * m)
        blocks["tickets"] = counts["tickets"].to_numpy().reshape(n, m)
        reads += [Read("Tickets", "customer_id", "length"), Read("Tickets", "opened_at", "month")]
    frame = pd.DataFrame({"customer_id": ids.to_numpy()})
    s.set(_CALC_HEAD, 1, "customer_id", "header")
    first_cols = {}
    col = 2
    for key, values in blocks.items():
        s.set(1, col, key, "label")
        s.put_row(_CALC_HEAD, col, [month.to_pydatetime() for month in ctx.months], "month")
        frame = pd.concat([frame, pd.DataFrame(blank_zeros(values), columns=[f"{key}{j}" for j in range(m)])],
                          axis=1)
        first_cols[key] = col
        col += m
    s.blocks.append(Block(frame, row=_CALC_HEAD + 1, header=False))
    s.widths.update({L(c): 11 for c in range(2, col)})  # month headers ("janv. 2026")
    helper = HealthHelper(s.title, ids, m, first_cols)
    return Built([s], anchors={"health.calc": helper, "stale.calc_health": tuple(reads)})


def _health(ctx: Context, a) -> Built:
    helper: HealthHelper = a["health.calc"]
    s = ctx.sheet("health", landscape=True, freeze="C5")
    ctx.title(s, "health")
    n = len(helper.ids)
    this = HealthColumns(len(_INFO) + 1)
    previous_score, change = this.last + 1, this.last + 2
    before = HealthColumns(change + 1)  # the previous period's row, hidden
    group_first = before.last + 1
    s.put_row(4, 1, [ctx.t(h) for h in (*_INFO, "usage_row")] + health_heads(ctx), "header")
    for col, key in ((this.value(COMPONENTS[0]), "group_values"), (this.scaled(COMPONENTS[0]), "group_scores"),
                     (this.present, "group_total"), (this.contribution(COMPONENTS[0]), "group_contributions"),
                     (previous_score, "previous_period")):
        s.set(3, col, ctx.t(key), "label")
    s.put_row(4, previous_score, [ctx.t("previous_score"), ctx.t("change")], "header")
    s.put_row(4, before.first, [ctx.t("usage_row")] + [f"{h} ({ctx.t('previous_period')})"
                                                       for h in health_heads(ctx)], "header")
    customers = ctx.table("Customers")
    info = pd.DataFrame({"customer_id": helper.ids.to_numpy()})
    if customers is not None:
        indexed = customers.set_index("customer_id").reindex(helper.ids)
        for column, source in (("name", "name"), ("csm", "csm")):
            info[column] = indexed[source].to_numpy() if source in indexed else ""
    s.blocks.append(Block(info, row=_FIRST_ROW, header=False))
    calc = helper.ranges(helper.first_row(), relative=True)
    columns = []
    for w, cols in zip(WINDOWS, (this, before)):
        at = f"MATCH({w.end},{helper.month_header},0)"
        within = fx.within_months(helper.month_header, w.start, w.end)
        columns.append(health_row(ctx, cols, _FIRST_ROW, calc, at, within))
    score, prev = f"{L(this.score)}{_FIRST_ROW}", f"{L(before.score)}{_FIRST_ROW}"
    block = columns[0] + [(f"={prev}", "ratio"), (f'=IF(OR({score}="",{prev}=""),"",{score}-{prev})', "points")]
    block += columns[1]
    s.formula_blocks.append(FormulaBlock(_FIRST_ROW, this.first, n, block))
    last = max(_FIRST_ROW + n - 1, _FIRST_ROW)
    ctx.status_colours(s, f"${L(this.status)}${_FIRST_ROW}:${L(this.status)}${last}")
    kpis = {}
    for w, cols in zip(WINDOWS, (this, before)):
        scores = ref(s.title, _FIRST_ROW, cols.score, last, cols.score)
        kpis[f"{w.prefix}AVG_HEALTH"] = (f"=IF(COUNT({scores})=0,{ctx.na},AVERAGE({scores}))", "kpi_ratio")
    # each customer's group (the Breakdowns' average health), hidden
    groups, reads = {}, []
    for k, by in enumerate(ctx.breakdowns):
        col = group_first + k
        labels = ctx.group_labels(by, helper.ids)
        s.set(4, col, by, "header")
        s.blocks.append(Block(pd.DataFrame({by: labels.to_numpy()}), row=_FIRST_ROW, col=col, header=False))
        s.hidden_columns.add(col)
        groups[by] = ref(s.title, _FIRST_ROW, col, last, col)
        reads.append(Read.of_words("Customers", by, labels))
    s.hidden_columns.update({this.usage_row, *range(before.first, before.last + 1)})
    s.widths.update({"A": 12, "B": 30, "C": 20, L(this.usage_row): 8})
    s.widths.update({L(c): 12 for c in range(this.value(COMPONENTS[0]), change + 1)})
    s.fit_row(4)  # wrapped headers ("Adoption (score)")
    published = {
        "kpis.health": kpis,
        "health.scores": ColumnRef(s.title, _FIRST_ROW, this.score, n),
        "health.status": ColumnRef(s.title, _FIRST_ROW, this.status, n),
        "health.groups": groups,
        "stale.health": tuple(reads),
    }
    return Built([s], anchors=published)


#: per customer and month: the Usage row, NPS answers and tickets (static, derived at build)
CALC_HEALTH = SheetBuilder("calc_health", _calc_health, publishes=("health.calc", "stale.calc_health"),
                           applies=lambda ctx: ctx.has("Usage", rows=True))
#: every customer with usage: components, scores, status and contributions, this period and the previous one
HEALTH = SheetBuilder("health", _health, needs=("health.calc",),
                      publishes=("kpis.health", "health.scores", "health.status", "health.groups", "stale.health"))
