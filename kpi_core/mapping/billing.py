"""Monthly MRR from billing data (DESIGN.md §12): subscription intervals or invoice line items.

:func:`monthly_mrr` turns what a billing system exports into the §3
Subscriptions table (customer_id, month, mrr), by the rules of §12:

- **Subscription intervals** (one row per subscription, or per subscription
  change): the monthly amount is amount × quantity × m / interval_count, with
  m = 365/12 (day), 52/12 (week), 1 (month), 1/3 (quarter), 1/12 (year). A
  subscription is active on day d when started_at ≤ d < ended_at and, with a
  trial, d ≥ trial_end. ended_at is the first day without service (a blank
  one: still active, up to `until`).
- **Invoice line items**: (amount − tax) spread over the service period: a
  line whose period is whole months (to within 3 days, n ± 1 months tried)
  has (amount − tax) / n a month, any other (a proration) (amount − tax) ×
  365 / 12 / days. A line counts in month M when service_start ≤ M's last day
  < service_end. One-time lines are checked, then left out.
- The MRR of a customer in a month is the sum over what is active on the
  month's last day (a month-end snapshot); months whose sum is 0 have no row.
  Amounts in several currencies are converted by a rates table; amounts are
  kept exact (no rounding to cents).

Everything is vectorised: the rows are expanded to the month-ends they cover
and summed per customer and month with numpy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import _columns
from ..errors import KpiInputError
from ..periods import to_month

__all__ = ["monthly_mrr", "convert_currency", "SUBSCRIPTION_FIELDS", "INVOICE_FIELDS", "INTERVAL_MONTHS",
           "WHOLE_MONTH_DAYS", "BILLING_KINDS"]

#: fields of a subscription-interval source: name -> required
SUBSCRIPTION_FIELDS = {"customer_id": True, "amount": True, "quantity": False, "interval": True,
                       "interval_count": False, "started_at": True, "ended_at": False, "trial_end": False,
                       "currency": False}
#: fields of an invoice-line source: name -> required
INVOICE_FIELDS = {"customer_id": True, "amount": True, "tax": False, "service_start": True, "service_end": True,
                  "type": False, "currency": False}
BILLING_KINDS = {"subscriptions": SUBSCRIPTION_FIELDS, "invoices": INVOICE_FIELDS}
#: months in one billing interval's unit (a monthly amount = amount x this / interval_count)
INTERVAL_MONTHS = {"day": 365 / 12, "week": 52 / 12, "month": 1.0, "quarter": 1 / 3, "year": 1 / 12}
#: an invoice line is billed in whole months when its service_end is this close to start + n months
WHOLE_MONTH_DAYS = 3
_LINE_TYPES = {"subscription": False, "one-time": True, "one_time": True}

_dates = _columns.on_distinct(_columns.dates)
_numbers = _columns.on_distinct(_columns.numbers)


def _locator(frame: pd.DataFrame):
    return lambda column, pos: f"billing data, column {column}, row index {frame.index[pos]}"


def _distinct_text(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(code of each row, its distinct values as lower-case stripped text, blanks as ''): codes index them."""
    codes, uniques = pd.factorize(s.astype(object), use_na_sentinel=True)
    distinct = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    clean = distinct.astype(str).str.strip().str.lower().where(~_columns.blanks(distinct), "")
    return np.where(codes < 0, len(uniques), codes), np.append(clean.to_numpy(dtype=object), "")


def _text(s: pd.Series) -> pd.Series:
    """Lower-case stripped text ('' for blanks), computed on distinct values."""
    codes, clean = _distinct_text(s)
    return pd.Series(clean[codes], index=s.index, dtype=object)


def _look_up(s: pd.Series, table: dict, column: str, locate, known: str, unknown: str = "") -> np.ndarray:
    """``table[text]`` (a number) of each cell, its text stripped and in the case of `table`'s keys; a blank
    cell or one the table lacks is an error naming the row (`unknown` follows the value, `known` the message)."""
    codes, clean = _distinct_text(s)
    if all(str(k).isupper() for k in table):
        clean = np.array([c.upper() for c in clean], dtype=object)
    values = pd.Series(clean, dtype=object).map(table).to_numpy(dtype=float)[codes]
    bad = np.isnan(values)
    if bad.any():
        i = int(np.argmax(bad))
        what = "is blank" if clean[codes[i]] == "" else f"holds {clean[codes[i]]!r}{unknown}"
        _columns.fail_row(locate, column, i, f"{what}; {known}", bad=bad)
    return values


def convert_currency(amounts: np.ndarray, currency: pd.Series | None, rates: dict | None, locate) -> np.ndarray:
    """`amounts` in the report currency: each times the rate of its row's currency.

    Without `rates`, one currency (or none named) is accepted as it is; several are an
    error (DESIGN.md §2: money is never mixed). With `rates` (currency code -> rate to the
    report currency), a blank currency or one without a rate is an error naming the row.

    Examples
    --------
    >>> convert_currency(np.array([100.0, 10.0]), pd.Series(["EUR", "usd"]), {"EUR": 1.0, "USD": 0.9}, None)
    array([100.,   9.])
    """
    if currency is None:
        if rates:
            raise KpiInputError("the mapping gives currency rates but the billing data has no currency column "
                                "(map it: currency = \"<header>\")", "value")
        return amounts
    codes = _text(currency).str.upper()
    named = codes[codes != ""]
    if not rates:
        distinct = pd.unique(named)
        if len(distinct) > 1:
            i = int(np.argmax((codes == distinct[1]).to_numpy()))
            _columns.fail_row(locate, "currency", i, f"holds {distinct[1]}, but earlier rows hold {distinct[0]}: "
                              "amounts in several currencies need a rates table ([Currency] rates = { "
                              f"{distinct[0]} = 1.0, {distinct[1]} = ... }} in the mapping)")
        return amounts
    table = {str(k).strip().upper(): float(v) for k, v in rates.items()}
    return amounts * _look_up(currency, table, "currency", locate, f"the rates table has {', '.join(sorted(table))}",
                              ", which has no rate")


# -- calendar arithmetic on day numbers (days since 1970-01-01), vectorised in integers ------------------------
# (numpy's datetime64[M] conversions cost ~10x more; the civil-calendar formulas are Howard Hinnant's)
_NAT = np.iinfo(np.int64).min  # a blank date
_NS_PER_DAY = 86_400_000_000_000
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _days(s: pd.Series) -> np.ndarray:
    """Day numbers of a datetime column (_NAT for blanks): times dropped, a day is active or not."""
    ns = s.to_numpy(dtype="datetime64[ns]").view(np.int64)
    return np.where(ns == _NAT, _NAT, ns // _NS_PER_DAY)


def _by_table(fn, values: np.ndarray, *, blank=None):
    """``fn(values)`` computed once per value of their range and looked up (dates and months repeat)."""
    valid = values[values != blank] if blank is not None else values
    if len(valid) == 0:
        return fn(values)
    lo, hi = int(valid.min()), int(valid.max())
    if hi - lo > len(values):
        return fn(values)
    table = fn(np.arange(lo, hi + 1, dtype=np.int64))
    index = np.clip(values, lo, hi) - lo  # blanks land anywhere: their result is masked by the caller
    return tuple(t[index] for t in table) if isinstance(table, tuple) else table[index]


def _civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month 1..12, day 1..31) of day numbers."""
    return _by_table(_civil_formula, days, blank=_NAT)


def _civil_formula(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (month <= 2), month, doy - (153 * mp + 2) // 5 + 1


def _first_day(code: np.ndarray) -> np.ndarray:
    """Day number of the first day of month `code` (year * 12 + month - 1)."""
    return _by_table(_first_day_formula, code)


def _first_day_formula(code: np.ndarray) -> np.ndarray:
    month = code % 12 + 1
    year = code // 12 - (month <= 2)
    era = year // 400
    yoe = year - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def _month_code(days: np.ndarray) -> np.ndarray:
    """year * 12 + month - 1 of day numbers."""
    year, month, _ = _civil(days)
    return year * 12 + month - 1


def _day_text(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


def _add_months(first: np.ndarray, after: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The day `day` (1..31) of the month starting on day number `first` (the next starting on `after`),
    clamped to that month's last day: 31 January + 1 month is 28 or 29 February."""
    return first + np.minimum(day, after - first) - 1


class _Problem(Exception):
    """A value of a distinct-values check is bad: check the whole column again for the exact message."""


def _raise_problem(column: str, pos: int) -> str:
    raise _Problem


def _customers(s: pd.Series, locate) -> tuple[np.ndarray, np.ndarray]:
    """(code of each row, customer ids as text in sorted order): codes index the sorted ids.

    The ids are checked (:func:`kpi_core._columns.ids`) on their distinct values; a problem
    is named on the whole column, with its row and how many rows share it.
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)  # the one hash pass over the rows
    try:
        if (codes < 0).any():
            raise _Problem
        distinct = np.asarray(uniques, dtype=object)
        text = pd.api.types.infer_dtype(distinct, skipna=False) == "string"  # then checked as text, vectorised
        clean = _columns.ids(pd.Series(distinct, dtype="string" if text else object), "customer_id",
                             _raise_problem)
    except _Problem:
        _columns.ids(s, "customer_id", locate)  # raises, naming the first bad row
        raise
    same, ids = pd.factorize(clean.to_numpy(dtype=object))  # 1001 and "1001" are one customer
    order = np.argsort(np.asarray(ids, dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[same][codes], np.asarray(ids, dtype=object)[order]


def _subscriptions(frame: pd.DataFrame, locate) -> tuple:
    """(monthly amount, first active day, first day without service or NaT) of each subscription row."""
    amount = _numbers(frame["amount"], "amount", locate, minimum=0).to_numpy()
    quantity = np.ones(len(frame))
    if "quantity" in frame:
        quantity = _numbers(frame["quantity"], "quantity", locate, required=False, minimum=0,
                            integer=True).fillna(1).to_numpy()
    count = np.ones(len(frame))
    if "interval_count" in frame:
        count = _numbers(frame["interval_count"], "interval_count", locate, required=False, minimum=1,
                         integer=True).fillna(1).to_numpy()
    months = _look_up(frame["interval"], INTERVAL_MONTHS, "interval", locate,
                      f"expected {', '.join(INTERVAL_MONTHS)}")
    start = _days(_dates(frame["started_at"], "started_at", locate))
    end = (_days(_dates(frame["ended_at"], "ended_at", locate, required=False)) if "ended_at" in frame
           else np.full(len(frame), _NAT))
    early = (end != _NAT) & (end < start)
    if early.any():
        i = int(np.argmax(early))
        _columns.fail_row(locate, "ended_at", i, f"{_day_text(end[i])} is before the subscription's start "
                          f"{_day_text(start[i])} (started_at); a subscription cannot end before it starts", bad=early)
    first = start
    if "trial_end" in frame:
        trial = _days(_dates(frame["trial_end"], "trial_end", locate, required=False))
        first = np.where(trial > start, trial, start)  # a blank trial_end (_NAT) is below every start
    monthly = amount * quantity * months / count
    return monthly, first, end, [start, end, first]


def _invoices(frame: pd.DataFrame, locate) -> tuple:
    """(monthly amount, service start, service end, one-time mask) of each invoice line."""
    amount = _numbers(frame["amount"], "amount", locate, minimum=0).to_numpy()
    tax = np.zeros(len(frame))
    if "tax" in frame:
        tax = _numbers(frame["tax"], "tax", locate, required=False, minimum=0).fillna(0).to_numpy()
        over = tax > amount
        if over.any():
            i = int(np.argmax(over))
            _columns.fail_row(locate, "tax", i, f"{tax[i]:g} is more than the line's amount {amount[i]:g} (the "
                              "amount includes the tax)", bad=over)
    one_time = np.zeros(len(frame), dtype=bool)
    if "type" in frame:
        codes, kinds = _distinct_text(frame["type"])
        flags = pd.Series(kinds).replace("", "subscription").map(_LINE_TYPES)
        bad = flags.isna().to_numpy()[codes]
        one_time = flags.fillna(False).to_numpy(dtype=bool)[codes]
        if bad.any():
            i = int(np.argmax(bad))
            _columns.fail_row(locate, "type", i, f"holds {frame['type'].iloc[i]!r}; expected subscription or "
                              "one-time", bad=bad)
    start = _days(_dates(frame["service_start"], "service_start", locate, required=False))
    end = _days(_dates(frame["service_end"], "service_end", locate, required=False))
    for column, values in (("service_start", start), ("service_end", end)):
        blank = (values == _NAT) & ~one_time
        if blank.any():
            _columns.fail_row(locate, column, int(np.argmax(blank)), "is blank; a subscription line needs its "
                              "service period", bad=blank)
    empty = ~one_time & (end <= start)
    if empty.any():
        i = int(np.argmax(empty))
        _columns.fail_row(locate, "service_end", i, f"{_day_text(end[i])} is not after the service start "
                          f"{_day_text(start[i])} (service_end is the first day after the service)", bad=empty)
    year, month, day = _civil(start)
    start_code = year * 12 + month - 1
    end_code = _month_code(end)
    net = amount - tax
    monthly = np.zeros(len(frame))
    lines = ~one_time
    if lines.any():
        s, e, d, code = start[lines], end[lines], day[lines], start_code[lines]
        n = end_code[lines] - code
        firsts = {j: _first_day(code + n + j) for j in (-1, 0, 1, 2)}  # months start + n - 1 .. n + 2
        best = np.full(len(s), np.iinfo(np.int64).max)
        months = np.zeros(len(s), dtype=np.int64)
        for j in (0, -1, 1):  # the nearest of start + n, n - 1, n + 1 months (at least one)
            ok = n + j >= 1
            gap = np.abs(e - _add_months(firsts[j], firsts[j + 1], d))
            better = ok & (gap < best)
            best, months = np.where(better, gap, best), np.where(better, n + j, months)
        whole = best <= WHOLE_MONTH_DAYS
        monthly[lines] = np.where(whole, net[lines] / np.maximum(months, 1), net[lines] * 365 / 12 / (e - s))
    return monthly, start, end, one_time, start_code, end_code


def _sum_by_customer_month(customer: np.ndarray, n_customers: int, first: np.ndarray, last: np.ndarray,
                           monthly: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customer code, month code, sum) of the rows expanded to every month first..last, sums > 0 only."""
    count = np.clip(last - first + 1, 0, None)
    total = int(count.sum())
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    rows = np.repeat(np.arange(len(count)), count)
    offset = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    month = first[rows] + offset
    low = int(month.min())
    span = int(month.max()) - low + 1
    key = customer[rows] * span + (month - low)
    weights = monthly[rows]
    if n_customers * span <= 8 * total + 4096:  # dense grid: no sort needed
        sums = np.bincount(key, weights=weights, minlength=n_customers * span)
        keys = np.flatnonzero(sums > 0)
        sums = sums[keys]
    else:
        keys, inverse = np.unique(key, return_inverse=True)
        sums = np.bincount(inverse, weights=weights)
        keys, sums = keys[sums > 0], sums[sums > 0]
    return keys // span, keys % span + low, sums


def monthly_mrr(frame: pd.DataFrame, kind: str = "subscriptions", *, until=None, rates: dict | None = None,
                locate=None, report: dict | None = None) -> pd.DataFrame:
    """The §3 Subscriptions table (customer_id, month, mrr) of subscription intervals or invoice lines.

    Parameters
    ----------
    frame : DataFrame
        ``kind="subscriptions"``: one row per subscription (or subscription
        change) with customer_id, amount (price per interval and unit, after
        discounts, tax excluded), interval (day, week, month, quarter, year),
        started_at, and optionally quantity (blank: 1), interval_count (blank:
        1), ended_at (the first day without service), trial_end, currency.
        ``kind="invoices"``: one row per invoice line with customer_id, amount
        (after discount, tax included when ``tax`` is given), service_start,
        service_end (the first day after the service), and optionally tax
        (blank: 0), type (``subscription``, the default, or ``one-time``),
        currency. Dates are datetimes or ISO text; numbers are numbers or text.
    kind : {"subscriptions", "invoices"}
    until : str or date, optional
        The last month written (every row is cut there). Default for
        subscriptions: the month of the latest date of the data (so that a
        subscription without ended_at runs up to it); for invoices: the last
        month a line covers.
    rates : dict, optional
        Currency code -> rate to the report currency, for a ``currency`` column
        holding several currencies. Without it, several currencies are an error.
    locate : callable, optional
        ``locate(column, position) -> str`` naming a row in messages (default:
        the frame's index).
    report : dict, optional
        Filled with what was read and left out: ``lines``, ``one_time`` (lines
        left out), ``without_mrr`` (rows active on no month's last day, or worth 0).

    Returns
    -------
    DataFrame
        customer_id (text), month (first day, datetime64), mrr (float), one row per
        customer and month whose MRR is above 0, sorted by customer and month.

    Raises
    ------
    KpiInputError
        A missing column, or a value the rules cannot read (negative amount or
        quantity, unknown interval, an end before its start, a currency without a
        rate...), naming the column and row.

    Examples
    --------
    A yearly plan of 2 000 (166.67 a month) from 5 January; two seats of a 30 monthly plan
    from 3 February, cancelled on 17 March:

    >>> subs = pd.DataFrame({"customer_id": ["acme", "acme"], "amount": [2000, 30], "quantity": [1, 2],
    ...                      "interval": ["year", "month"], "started_at": ["2026-01-05", "2026-02-03"],
    ...                      "ended_at": [None, "2026-03-17"]})
    >>> monthly_mrr(subs, until="2026-04").round({"mrr": 2})
      customer_id      month     mrr
    0        acme 2026-01-01  166.67
    1        acme 2026-02-01  226.67
    2        acme 2026-03-01  166.67
    3        acme 2026-04-01  166.67

    A quarterly invoice of 360 (tax 60 included), and a one-time setup fee:

    >>> lines = pd.DataFrame({"customer_id": ["b", "b"], "amount": [360, 99], "tax": [60, 0],
    ...                       "service_start": ["2026-01-10", None], "service_end": ["2026-04-10", None],
    ...                       "type": ["subscription", "one-time"]})
    >>> monthly_mrr(lines, "invoices")
      customer_id      month    mrr
    0           b 2026-01-01  100.0
    1           b 2026-02-01  100.0
    2           b 2026-03-01  100.0
    """
    if kind not in BILLING_KINDS:
        raise KpiInputError(f"kind {kind!r}: expected subscriptions or invoices", "value")
    fields = BILLING_KINDS[kind]
    missing = [f for f, required in fields.items() if required and f not in frame.columns]
    if missing:
        raise KpiInputError(f"{kind}: missing column(s) {', '.join(missing)} (columns found: "
                            f"{', '.join(map(str, frame.columns)) or 'none'})", "value")
    frame = frame.reset_index(drop=True)
    locate = locate or _locator(frame)
    customer, sorted_ids = _customers(frame["customer_id"], locate)
    if kind == "subscriptions":
        monthly, first_day, end, dated = _subscriptions(frame, locate)
        left_out = np.zeros(len(frame), dtype=bool)
        first, end_code = _month_code(first_day), _month_code(end)
    else:
        monthly, first_day, end, left_out, first, end_code = _invoices(frame, locate)
    monthly = convert_currency(monthly, frame["currency"] if "currency" in frame else None, rates, locate)
    last = np.where(end == _NAT, np.iinfo(np.int64).max, end_code - 1)
    if until is not None:
        month = to_month(until, "until")
        cut = month.year * 12 + month.month - 1
    elif kind == "subscriptions":
        latest = max(int(d.max()) for d in dated) if len(frame) else _NAT
        cut = int(_month_code(np.array([latest]))[0]) if latest != _NAT else 0
    else:
        cut = int(last[~left_out].max()) if (~left_out).any() else 0
    last = np.minimum(last, cut)
    first = np.where(left_out | (first_day == _NAT), last + 1, first)
    customer, month, mrr = _sum_by_customer_month(customer, len(sorted_ids), first, last, monthly)
    if report is not None:
        covered = (last >= first) & (monthly > 0)
        report.update(lines=len(frame), one_time=int(left_out.sum()), without_mrr=int((~covered & ~left_out).sum()))
    order_out = np.lexsort((month, customer))
    return pd.DataFrame({
        "customer_id": pd.Series(sorted_ids[customer[order_out]], dtype=object),
        "month": pd.Series((_first_day(month[order_out]) * _NS_PER_DAY).view("datetime64[ns]")),
        "mrr": mrr[order_out].astype(float),
    })
