"""The formula layer: every KPI's Excel formula, written once, from kpi_core's constants.

Each function returns an Excel *expression* (no leading ``=``) for the
ranges, cells and criteria it is given, so the same definition serves the
headline cell of a KPI, its row in a monthly trend, a group row and the
account review. The rules come from kpi_core, never restated by hand here:
NPS cut-offs (:data:`kpi_core.NPS_PROMOTER_MIN`, :data:`kpi_core.NPS_DETRACTOR_MAX`),
the CSAT positive minimum and answer scales (:data:`kpi_core.CSAT_POSITIVE_MIN`,
:data:`kpi_core.SURVEY_SCALES`), the yes/no answer words
(:data:`kpi_core.YES_WORDS`, :data:`kpi_core.NO_WORDS`), the health score's
linear scale and status thresholds (DESIGN.md §5), and the revenue
definitions of DESIGN.md §4.

The templates (:mod:`workbook_templates.templates.portfolio`, :mod:`workbook_templates.templates.account`)
only decide where cells go; the tests recalculate the workbooks with
LibreOffice and compare every number with kpi_core.

Every function uses only what Excel 2019 and LibreOffice 7.4 both compute
(COUNTIFS, SUMIFS, AVERAGEIFS, SUMPRODUCT, INDEX/MATCH, LOOKUP, IF...).

Examples
--------
>>> nps("Responses[score]", when("Responses[survey]", '"NPS"'), '"n/a"')[:60]
'IF(COUNTIFS(Responses[survey],"NPS",Responses[score],">=0")='
>>> ratio("A1", "B1", '""')
'IF(B1=0,"",A1/B1)'
"""

from __future__ import annotations

import re

from kpi_core import CSAT_POSITIVE_MIN, NO_WORDS, NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN, SURVEY_SCALES, YES_WORDS

__all__ = [
    "when", "within_dates", "within_months", "ratio", "defined_or",
    "nps_promoters", "nps_passives", "nps_detractors", "nps_answers", "nps_value", "nps_from_counts", "nps",
    "nps_bound",
    "csat_positive", "csat_answers", "csat", "ces_answers", "ces", "tickets", "resolved_first", "fcr",
    "avg_response",
    "expansion", "contraction", "churned", "new_mrr", "reactivation", "mrr_of_month", "cohort_share", "active",
    "gained", "lost",
    "nrr", "grr", "revenue_churn", "logo_churn", "retention", "quick_ratio",
    "scaled", "weighted_sum", "weight_present", "health_score", "contribution", "health_status",
    "wilson", "clv", "months_in_period", "buyers", "repeat_buyers", "movement_months", "total", "change", "trend_marker",
    "band_row", "band_field", "target", "target_met",
]

# -- criteria -------------------------------------------------------------------------------------


def when(*parts: str) -> str:
    """COUNTIFS criteria from ranges and criteria (or criteria already joined): ``"r1,c1,r2,c2"``."""
    return ",".join(p for p in parts if p)


def within_dates(column: str, first: str, after: str) -> str:
    """Criteria: dates of `column` from the day `first` up to, not including, the day `after`.

    A date column holds times of day too, so a month ``m`` is
    ``[m, EDATE(m, 1))``: an answer at 18:30 on the last day counts.
    """
    return f'{column},">="&{first},{column},"<"&{after}'


def within_months(column: str, first: str, last: str) -> str:
    """Criteria: months of a month column from `first` to `last`, inclusive."""
    return f'{column},">="&{first},{column},"<="&{last}'


def movement_months(column: str, start: str = "PeriodStart", end: str = "PeriodEnd") -> str:
    """Criteria: the months whose MRR movements make a period's (DESIGN.md §5): start+1 .. end."""
    return f'{column},">"&{start},{column},"<="&{end}'


def _and(*criteria: str) -> str:
    return ",".join(c for c in criteria if c)


_ATOM = re.compile(r"^(?:[\w$.!']+|\w+\[\w+\])$")
_CALL = re.compile(r"^\w*\(")


def _closes_at_end(expr: str) -> bool:
    """Whether the parenthesis opened by `expr`'s leading ``NAME(`` or ``(`` closes at its last character."""
    depth, quoted = 0, False
    for i, ch in enumerate(expr):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
            if depth == 0:
                return i == len(expr) - 1
    return False


def _p(expr: str) -> str:
    """`expr` in parentheses unless it is one reference, number, call or parenthesised group."""
    if _ATOM.match(expr) or (_CALL.match(expr) and _closes_at_end(expr)):
        return expr
    return f"({expr})"


def ratio(numerator: str, denominator: str, na: str) -> str:
    """``numerator / denominator``, or `na` (the workbook's "n/a" text, or ``""``) when it is 0."""
    return f"IF({denominator}=0,{na},{_p(numerator)}/{_p(denominator)})"


def defined_or(value: str, fallback: str, then: str | None = None) -> str:
    """`then` (default `value` itself) when `value` is a number (a defined KPI), else `fallback`."""
    return f"IF(ISNUMBER({value}),{then or value},{fallback})"


# -- surveys (DESIGN.md §4: NPS, CSAT, CES) -------------------------------------------------------

_NPS_LOW, _NPS_HIGH = SURVEY_SCALES["NPS"]
_CSAT_LOW, _CSAT_HIGH = SURVEY_SCALES["CSAT"]
_CES_LOW, _ = SURVEY_SCALES["CES"]
# LibreOffice reads the criterion "true" (and its French word) as the number 1 and would count
# scores of 1 as yes: yes/no answers are counted by their other words (the data sheet writes
# yes/no answers as "yes"/"no", see kpi_core.input_table).
_BOOLEAN_WORDS = frozenset({"true", "vrai", "false", "faux"})


def _words(words) -> str:
    """An array constant of COUNTIFS criteria: ``{"o","oui","y","yes"}``."""
    return "{" + ",".join(f'"{w}"' for w in sorted(set(words) - _BOOLEAN_WORDS)) + "}"


def nps_promoters(score: str, where: str) -> str:
    """Count of NPS answers from :data:`kpi_core.NPS_PROMOTER_MIN` up among the rows `where` selects."""
    return f'COUNTIFS({_and(where, score)},">={NPS_PROMOTER_MIN}")'


def nps_passives(score: str, where: str) -> str:
    """Count of NPS answers between the detractor and promoter cut-offs."""
    return (f'COUNTIFS({_and(where, score)},">={NPS_DETRACTOR_MAX + 1}",{score},'
            f'"<={NPS_PROMOTER_MIN - 1}")')


def nps_detractors(score: str, where: str) -> str:
    """Count of NPS answers up to :data:`kpi_core.NPS_DETRACTOR_MAX`."""
    return f'COUNTIFS({_and(where, score)},"<={NPS_DETRACTOR_MAX}")'


def nps_answers(score: str, where: str) -> str:
    """Count of NPS answers (every score on the 0..10 scale; blanks are not answers)."""
    return f'COUNTIFS({_and(where, score)},">={_NPS_LOW}")'


def nps_value(promoters: str, detractors: str, answers: str) -> str:
    """NPS in points from counts: ``100 * (promoters - detractors) / answers``."""
    return f"100*({promoters}-{detractors})/{answers}"


def nps_from_counts(promoters: str, detractors: str, answers: str, na: str) -> str:
    """NPS from counts, or `na` when there is no answer."""
    return ratio(f"100*({promoters}-{detractors})", answers, na)


def nps(score: str, where: str, na: str) -> str:
    """NPS of the answers `where` selects, or `na` when there is none."""
    return nps_from_counts(nps_promoters(score, where), nps_detractors(score, where), nps_answers(score, where), na)


def nps_bound(promoters: str, detractors: str, answers: str, confidence: str, side: int, na: str) -> str:
    """Low (`side` -1) or high (+1) end of the Wald interval of :func:`kpi_core.nps_ci`, clipped to -100..100."""
    p, d, n = promoters, detractors, answers
    var = f"(({p}+{d})/{n}-(({p}-{d})/{n})^2)"
    half = f"NORMSINV(0.5+{confidence}/2)*100*SQRT({var}/{n})"
    bound = f"MAX(-100,{nps_value(p, d, n)}-{half})" if side < 0 else f"MIN(100,{nps_value(p, d, n)}+{half})"
    return f"IF({n}=0,{na},{bound})"


def csat_positive(score: str, where: str) -> str:
    """Positive CSAT answers (:func:`kpi_core.csat_positive`): scores from the positive minimum, and "yes" words."""
    return (f'COUNTIFS({_and(where, score)},">={CSAT_POSITIVE_MIN[_CSAT_HIGH]}")'
            f"+SUMPRODUCT(COUNTIFS({_and(where, score)},{_words(YES_WORDS)}))")


def csat_answers(score: str, where: str) -> str:
    """CSAT answers: every score on the scale, and every yes/no word."""
    return (f'COUNTIFS({_and(where, score)},">={_CSAT_LOW}")'
            f"+SUMPRODUCT(COUNTIFS({_and(where, score)},{_words(YES_WORDS | NO_WORDS)}))")


def csat(score: str, where: str, na: str) -> str:
    """CSAT (:func:`kpi_core.csat`) of the answers `where` selects, or `na` when there is none."""
    return ratio(csat_positive(score, where), csat_answers(score, where), na)


def ces_answers(score: str, where: str) -> str:
    """CES answers (every score on the scale)."""
    return f'COUNTIFS({_and(where, score)},">={_CES_LOW}")'


def ces(score: str, where: str, na: str) -> str:
    """CES (:func:`kpi_core.ces`): the mean answer, or `na` when there is none."""
    return f"IF({ces_answers(score, where)}=0,{na},AVERAGEIFS({score},{where}))"


# -- support (DESIGN.md §4: FCR, AVG_RESPONSE_TIME) ------------------------------------------------

_RESOLVED = "Tickets[resolved_first_contact]"
_HOURS = "Tickets[first_response_hours]"


def tickets(where: str) -> str:
    """Tickets the criteria select."""
    return f"COUNTIFS({where})"


def resolved_first(where: str) -> str:
    """Of those, tickets resolved at first contact."""
    return f"COUNTIFS({where},{_RESOLVED},TRUE)"


def fcr(where: str, na: str) -> str:
    """FCR (:func:`kpi_core.fcr`): resolved at first contact / tickets."""
    return ratio(resolved_first(where), tickets(where), na)


def avg_response(where: str, na: str) -> str:
    """AVG_RESPONSE_TIME (:func:`kpi_core.avg_response_time`): mean first-response hours (blanks ignored)."""
    return f'IF(COUNTIFS({where},{_HOURS},">=0")=0,{na},AVERAGEIFS({_HOURS},{where}))'


# -- revenue (DESIGN.md §4: MRR movements, NRR, GRR, churn, retention) ----------------------------
# `before` and `after` are equally long columns of MRR per customer (one month each).


def _m(mask: str | None) -> str:
    """A customer filter for SUMPRODUCT (``(group=x)*``), or nothing."""
    return f"({mask})*" if mask else ""


def expansion(before: str, after: str, mask: str | None = None) -> str:
    """MRR gained by customers active before whose MRR went up (among those `mask` selects)."""
    return f"SUMPRODUCT({_m(mask)}({before}>0)*({after}>{before})*({after}-{before}))"


def contraction(before: str, after: str, mask: str | None = None) -> str:
    """MRR lost by customers still active whose MRR went down."""
    return f"SUMPRODUCT({_m(mask)}({after}>0)*({after}<{before})*({before}-{after}))"


def churned(before: str, after: str, mask: str | None = None) -> str:
    """MRR of customers active before and at 0 after."""
    return f"SUMPRODUCT({_m(mask)}({before}>0)*({after}=0)*{before})"


def total(mrr: str, mask: str | None = None) -> str:
    """MRR of the customers `mask` selects (all without a mask)."""
    return f"SUMPRODUCT({_m(mask)}{mrr})" if mask else f"SUM({mrr})"


def new_mrr(after: str, first_month: str, month: str) -> str:
    """MRR of the customers whose first month with MRR is `month` (MRR_MOVEMENTS' "new")."""
    return f"SUMIFS({after},{first_month},{month})"


def reactivation(before: str, after: str, first_month: str, month: str) -> str:
    """MRR of customers back from 0 who had MRR before (first month earlier than `month`)."""
    return f"SUMPRODUCT(({before}=0)*({after}>0)*({first_month}<{month})*{after})"


def mrr_of_month(mrr: str, months: str, month: str) -> str:
    """MRR (:func:`kpi_core.mrr`) of the rows of one month."""
    return f"SUMIFS({mrr},{months},{month})"


def cohort_share(first_month: str, cohort: str, mrr_then: str, size: str, basis: str) -> str:
    """COHORT_RETENTION cell: the share of a signup cohort's customers (``basis="logo"``) or MRR
    (``"revenue"``) still active in one month, over the cohort's size (customers or starting MRR)."""
    if basis == "logo":
        return f'COUNTIFS({first_month},{cohort},{mrr_then},">0")/{size}'
    return f"SUMIFS({mrr_then},{first_month},{cohort})/{size}"


def active(mrr: str, mask: str | None = None) -> str:
    """Customers with MRR > 0."""
    return f"SUMPRODUCT({_m(mask)}({mrr}>0))" if mask else f'COUNTIF({mrr},">0")'


def gained(before: str, after: str, mask: str | None = None) -> str:
    """Customers active after and not before ("new" in RETENTION_RATE)."""
    return f"SUMPRODUCT({_m(mask)}({after}>0)*({before}=0))"


def lost(before: str, after: str, mask: str | None = None) -> str:
    """Customers active before and not after."""
    return f"SUMPRODUCT({_m(mask)}({before}>0)*({after}=0))"


def nrr(start: str, expansion_mrr: str, churned_mrr: str, contraction_mrr: str, na: str) -> str:
    """NRR (:func:`kpi_core.nrr`): (start + expansion - churn - contraction) / start."""
    return ratio(f"({start}+{expansion_mrr}-({churned_mrr}+{contraction_mrr}))", start, na)


def grr(start: str, churned_mrr: str, contraction_mrr: str, na: str) -> str:
    """GRR (:func:`kpi_core.grr`): (start - churn - contraction) / start."""
    return ratio(f"({start}-({churned_mrr}+{contraction_mrr}))", start, na)


def revenue_churn(churned_mrr: str, contraction_mrr: str, start: str, na: str) -> str:
    """Revenue churn (:func:`kpi_core.revenue_churn`): (churn + contraction) / start."""
    return ratio(f"({churned_mrr}+{contraction_mrr})", start, na)


def logo_churn(lost_customers: str, customers_at_start: str, na: str) -> str:
    """Logo churn (:func:`kpi_core.churn_rate`): lost / customers at start."""
    return ratio(lost_customers, customers_at_start, na)


def retention(customers_at_end: str, new_customers: str, customers_at_start: str, na: str) -> str:
    """Customer retention (:func:`kpi_core.retention_rate`): (end - new) / start."""
    return ratio(f"({customers_at_end}-{new_customers})", customers_at_start, na)


def quick_ratio(new: str, expansion_mrr: str, reactivation: str, contraction_mrr: str, churned_mrr: str,
                na: str) -> str:
    """Quick ratio (:func:`kpi_core.quick_ratio`): gains / losses."""
    return ratio(f"({new}+{expansion_mrr}+{reactivation})", f"({contraction_mrr}+{churned_mrr})", na)


# -- comparisons, benchmark bands, targets (DESIGN.md §9) -----------------------------------------


def change(current: str, previous: str, na: str, unit: str) -> str:
    """Current - previous (:func:`kpi_core.kpi_change`); for rates (`unit` "rate") in percentage points."""
    diff = f"({current}-{previous})*100" if unit == "rate" else f"{current}-{previous}"
    return f"IF(AND(ISNUMBER({current}),ISNUMBER({previous})),{diff},{na})"


def trend_marker(delta: str) -> str:
    """▲ up, ▼ down, = unchanged, blank when there is no change to show."""
    return f'IF(ISNUMBER({delta}),IF({delta}>0,"▲",IF({delta}<0,"▼","=")),"")'


def band_row(kpi: str, value: str, table: str = "Bands") -> str:
    """Row (1-based, 0 for none) of a value's band (:func:`kpi_core.benchmark_band`): the last row of its KPI
    whose condition holds (value > threshold, >= when inclusive; a blank threshold always holds)."""
    th, inc = f"{table}[threshold]", f"{table}[inclusive]"
    holds = f'(({th}="")+({th}<>"")*({inc}*({value}>={th})+(1-{inc})*({value}>{th}))>0)'
    rows = f"(ROW({table}[kpi])-MIN(ROW({table}[kpi]))+1)"
    return f'IF(ISNUMBER({value}),SUMPRODUCT(MAX(({table}[kpi]="{kpi}")*{holds}*{rows})),0)'


def band_field(row: str, column: str, table: str = "Bands") -> str:
    """The `column` ("label", "colour") of band `row`, blank for row 0."""
    return f'IF({row}=0,"",INDEX({table}[{column}],{row}))'


def target(kpi: str, table: str = "Targets") -> str:
    """The target typed for a KPI on Settings, blank when none."""
    cell = f'INDEX({table}[target],MATCH("{kpi}",{table}[kpi],0))'
    return f'IFERROR(IF({cell}="","",{cell}),"")'


def target_met(value: str, goal: str, higher_is_better: bool, yes: str, no: str) -> str:
    """`yes` when the value reaches its target (>= when higher is better, <= otherwise), `no`, or blank."""
    op = ">=" if higher_is_better else "<="
    return f'IF(AND(ISNUMBER({value}),ISNUMBER({goal})),IF({value}{op}{goal},"{yes}","{no}"),"")'


# -- health (DESIGN.md §5) ------------------------------------------------------------------------


def scaled(value: str, floor: str, target: str) -> str:
    """A component's score 0..100: the straight line floor -> 0, target -> 100, clipped; blank stays blank."""
    return f'IF({value}="","",MAX(0,MIN(1,({value}-{floor})/({target}-{floor})))*100)'


def weight_present(scores, weights) -> str:
    """Sum of the weights of the components that have a score."""
    return "+".join(f'IF({s}="",0,{w})' for s, w in zip(scores, weights))


def weighted_sum(scores, weights) -> str:
    """Sum of weight x score over the components that have a score."""
    return "+".join(f'IF({s}="",0,{w}*{s})' for s, w in zip(scores, weights))


def health_score(scores, weights, present: str, scored: str) -> str:
    """The health score: the weighted mean of the present components (their weights re-normalised).

    `present` is the cell holding :func:`weight_present`; `scored` a condition
    that is false when the customer is not scored (no usage row that month).
    """
    return f'IF(OR(NOT({scored}),{present}=0),"",MAX(0,MIN(100,({weighted_sum(scores, weights)})/{present})))'


def contribution(score: str, weight: str, present: str, total: str) -> str:
    """A component's share of the score: effective weight x scaled score (0 when the component is missing,
    blank when the customer has no score)."""
    return f'IF({total}="","",IF({score}="",0,{weight}*{score}/{present}))'


def health_status(score: str, red_below: str, green_from: str, words) -> str:
    """Red below `red_below`, Green from `green_from`, Amber between (:func:`kpi_core.health_status`)."""
    red, amber, green = words
    return f'IF({score}="","",IF({score}<{red_below},"{red}",IF({score}>={green_from},"{green}","{amber}")))'


# -- the health score's backtest (DESIGN.md §13) -------------------------------------------------


def wilson(successes: str, trials: str, side: int, confidence: str = "0.95") -> str:
    """Low (`side` -1) or high (+1) end of the Wilson score interval of successes / trials, clipped to 0..1
    (``kpi_core._stats.wilson``); blank without a trial."""
    k, n = successes, trials
    z2 = f"NORMSINV(0.5+{confidence}/2)^2"
    centre = f"({k}/{n}+{z2}/(2*{n}))/(1+{z2}/{n})"
    half = f"SQRT({z2})/(1+{z2}/{n})*SQRT({k}/{n}*(1-{k}/{n})/{n}+{z2}/(4*{n}^2))"
    bound = f"MAX(0,{centre}-{half})" if side < 0 else f"MIN(1,{centre}+{half})"
    return f'IF({n}=0,"",{bound})'


# -- e-commerce -----------------------------------------------------------------------------------


def buyers(orders_per_customer: str) -> str:
    """Customers with at least one order (PURCHASE_FREQUENCY's and REPURCHASE_RATE's denominator)."""
    return f'COUNTIF({orders_per_customer},">0")'


def repeat_buyers(orders_per_customer: str) -> str:
    """Customers with two orders or more (:func:`kpi_core.repurchase_rate`)."""
    return f'COUNTIF({orders_per_customer},">=2")'


def months_in_period(start: str = "PeriodStart", end: str = "PeriodEnd") -> str:
    """Number of months from `start` to `end`, inclusive."""
    return f"((YEAR({end})-YEAR({start}))*12+MONTH({end})-MONTH({start})+1)"


def clv(average_basket: str, purchases_per_year: str, years: str, cac: str = "0") -> str:
    """CLV (:func:`kpi_core.clv`): basket x purchases per year x years - CAC."""
    return f"{average_basket}*{purchases_per_year}*{years}-{cac}"

