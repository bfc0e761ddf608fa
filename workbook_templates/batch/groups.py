"""The workbooks of a batch and the work of one: groups, file names, and a group's workbook.

:func:`plan_groups` lists the workbooks of a batch (the portfolio, then one
per CSM, segment or customer) with safe, unique file names; :func:`build_group`
makes one group's workbook. The local process pool (:mod:`.local`) and the
Dask cluster (:mod:`.distributed`) both run it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import kpi_core
from kpi_core import Dataset, HealthConfig, KpiInputError
from kpi_core.files import OutputError

from ..spec.labels import t
from ..templates.account import account_layout, customer_ids, customer_subset
from ..templates.followup import FollowUpLists
from ..templates.portfolio import portfolio_layout
from ..writing.xlsx import xlsx_bytes

__all__ = ["BY", "Group", "Job", "plan_groups", "safe_filename", "unique_stems", "group_layout", "build_group",
           "batch_lists", "failure_reason"]

#: the --by choices
BY = ("csm", "segment", "customer")

_RESERVED = re.compile(r"(?i)^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$")
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')


def safe_filename(text: str, max_len: int = 100) -> str:
    """A file-name stem from a group name, safe on Windows, macOS and Linux.

    Accents and other letters are kept (NFC-normalised); path separators,
    reserved characters (``<>:"/\\|?*``) and control characters become
    ``_``; leading/trailing dots and spaces go; Windows device names (CON,
    NUL, COM1, ...) get a ``_`` prefix; long names are cut to `max_len`
    characters (and 200 UTF-8 bytes).

    Examples
    --------
    >>> safe_filename("Zoé Martin")
    'Zoé Martin'
    >>> safe_filename("R&D / Sales: EMEA?")
    'R&D _ Sales_ EMEA_'
    >>> safe_filename("..CON"), safe_filename("  "), safe_filename("nul.txt")
    ('_CON', '_', '_nul.txt')
    """
    stem = _UNSAFE.sub("_", unicodedata.normalize("NFC", str(text)))
    stem = re.sub(r"\s+", " ", stem).strip(" .")
    if _RESERVED.match(stem):
        stem = "_" + stem
    stem = stem[:max_len]
    while len(stem.encode("utf-8")) > 200:
        stem = stem[:-1]
    return stem.rstrip(" .") or "_"


def unique_stems(stems, taken=()) -> list[str]:
    """The stems made unique, ignoring case (as Windows and macOS do): ``name (2)``, ``name (3)``...

    Examples
    --------
    >>> unique_stems(["Zoé", "zoé", "Ana", "Zoé"], taken=["portfolio"])
    ['Zoé', 'zoé (2)', 'Ana', 'Zoé (3)']
    """
    seen = {s.casefold() for s in taken}
    out = []
    for stem in stems:
        candidate, n = stem, 1
        while candidate.casefold() in seen:
            n += 1
            candidate = f"{stem} ({n})"
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


@dataclass(frozen=True)
class Group:
    """One workbook to build: its key, the customers it covers (None: all) and its file."""

    key: str
    label: str
    template: str
    scope: str | None
    customers: tuple | None
    path: Path


def _group_values(ds: Dataset, by: str) -> dict[str, list[str]]:
    """Group name -> customer ids, for --by csm / segment (groups of :func:`kpi_core.customer_groups`)."""
    values = kpi_core.customer_groups(ds, by)
    groups = {value: ids.tolist() for value, ids in values.groupby(values, sort=False).groups.items()}
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[0].casefold())))


def plan_groups(ds: Dataset, out_dir, by: str | None = None, lang: str = "en") -> list[Group]:
    """The workbooks of a batch: the portfolio first, then one per group of `by`, with safe unique files.

    Examples
    --------
    >>> groups = plan_groups(kpi_core.sample_dataset(n_customers=20), "out", by="segment")
    >>> [(g.key, g.path.name) for g in groups]  # doctest: +NORMALIZE_WHITESPACE
    [('portfolio', 'portfolio.xlsx'), ('Enterprise', 'segment_Enterprise.xlsx'),
     ('Mid-Market', 'segment_Mid-Market.xlsx'), ('SMB', 'segment_SMB.xlsx')]
    """
    out_dir = Path(out_dir)
    if by is not None and by not in BY:
        raise KpiInputError(f"--by {by}: expected one of {', '.join(BY)}", "value")
    planned = [("portfolio", t("portfolio", lang), "portfolio", None, None, "portfolio")]
    if by in ("csm", "segment"):
        unassigned = t("unassigned", lang)
        for value, ids in _group_values(ds, by).items():
            label = value or unassigned
            planned.append((value, f"{by} {label}", "portfolio", f"{t(by, lang)} {label}", tuple(ids),
                            f"{by}_{safe_filename(label)}"))
    elif by == "customer":
        customers = ds.table("Customers")
        names = {}
        if customers is not None and "name" in customers:
            names = dict(zip(customers["customer_id"], customers["name"]))
        for cid in customer_ids(ds):
            name = names.get(cid)
            label = f"{cid} {name}" if isinstance(name, str) and name.strip() else str(cid)
            planned.append((cid, f"customer {label}", "account", None, (cid,), f"customer_{safe_filename(label)}"))
    stems = unique_stems([p[-1] for p in planned])
    return [Group(key, label, template, scope, ids, out_dir / f"{stem}.xlsx")
            for (key, label, template, scope, ids, _), stem in zip(planned, stems)]


# -- the work of one group (in a worker process, or in this one) ----------------------------------
@dataclass
class Job:
    """What every workbook of a batch shares: the data, period, language, settings and its groups."""

    ds: Dataset
    period: kpi_core.Period
    lang: str
    config: HealthConfig | None
    groups: dict
    predict: bool = False  # the portfolio gets the Customer value sheet
    currency: str = ""
    lists: object = None  # the whole dataset's FollowUpLists, computed once for the groups' workbooks


def group_layout(group: Group, job: Job):
    """The group's workbook layout (module-level functions looked up now, so tests can replace them)."""
    start, end = job.period.start, job.period.end
    whole = group.customers is None
    ds = job.ds if whole else customer_subset(job.ds, group.customers, f"{job.ds.source} [{group.label}]")
    if group.template == "account":
        return account_layout(ds, start, end, lang=job.lang, config=job.config, currency=job.currency,
                              lists=job.lists)
    # the whole portfolio: its own lists and the Customer value sheet; a group: the batch's lists
    mine = {"customer_value": job.predict} if whole else {"lists": job.lists}
    return portfolio_layout(ds, start, end, lang=job.lang, scope=group.scope, config=job.config,
                            currency=job.currency, **mine)


def batch_lists(ds: Dataset, groups, period: kpi_core.Period, config: HealthConfig | None):
    """The whole dataset's follow-up lists when some group is a subset of its customers (else None)."""
    if not any(g.customers is not None for g in groups):
        return None
    return FollowUpLists.of(ds, period, config or HealthConfig())


def failure_reason(err: BaseException) -> str:
    """How a failed workbook is reported: a KpiInputError's or OutputError's message, else ``Type: message``.

    Examples
    --------
    >>> failure_reason(RuntimeError("boom")), failure_reason(KpiInputError("bad cell B2", "value"))
    ('RuntimeError: boom', 'bad cell B2')
    """
    return str(err) if isinstance(err, (KpiInputError, OutputError)) else f"{type(err).__name__}: {err}"


def build_group(ds: Dataset, group: Group, period: kpi_core.Period, *, lang: str = "en",
                config: HealthConfig | None = None, predict: bool = False, currency: str = "",
                lists=None) -> bytes:
    """The workbook of one group as .xlsx bytes, the file :func:`build_workbooks` writes (a distributed task).

    Examples
    --------
    >>> ds = kpi_core.sample_dataset(n_customers=5)
    >>> group = plan_groups(ds, "out", by="customer")[1]
    >>> build_group(ds, group, kpi_core.report_period(ds))[:2]
    b'PK'
    """
    return xlsx_bytes(group_layout(group, Job(ds, period, lang, config, {}, predict, currency, lists)))


