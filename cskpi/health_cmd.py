"""``cskpi health``: the health scores of a report's end month, or their backtest (DESIGN.md §5, §13).

``cskpi health [DATA]`` prints how the customers scored for the end month of
the report period (status counts, the lowest scores). ``--backtest`` checks
the score against the churn that followed (:func:`kpi_core.health_backtest`)
and fits better weights (:func:`kpi_core.suggest_health_weights`);
``--write-config FILE`` writes the suggested weights as a health config that
``--health-config FILE`` (here, on ``kpis`` and on ``build``) reads back.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import kpi_core

from . import report
from .argtypes import whole_number

__all__ = ["add_parser", "add_health_config_option", "health_config", "cmd_health"]

_DESCRIPTION = """Without --backtest: the health scores (DESIGN.md §5) of the report period's end month (default: the
data's last month; sentiment from the period's NPS answers): customers per status and the lowest scores.
With --backtest: for every month with scores whose churn is known --horizon months later (default 3), each scored customer
with MRR that month is one observation; it churned when it has no MRR --horizon months later. Prints the AUC of
the score for staying (0.5 = chance) with its 95 % interval, churn by status and by score decile with Wilson
95 % intervals, the lift of Red over Green, and weights fitted to that history (a ridge logistic regression),
suggested only when they predict churn better out of sample. DATA needs Usage and Subscriptions; without DATA,
the sample dataset."""


def add_health_config_option(p) -> None:
    """``--health-config FILE`` on a command that computes health scores."""
    p.add_argument("--health-config", metavar="FILE",
                   help="health score weights, floors, targets and thresholds (TOML, the layout of "
                        "kpi_core/health_default.toml; 'cskpi health --backtest --write-config' writes one)")


def health_config(args) -> kpi_core.HealthConfig | None:
    """The ``--health-config`` of a command (None: the defaults of DESIGN.md §5)."""
    path = getattr(args, "health_config", None)
    return kpi_core.load_health_config(path) if path else None


def _interval(low, high, kind: str = "pct") -> str:
    if low is None or high is None or low != low or high != high:
        return "n/a"
    return f"{report.fmt(low, kind)} to {report.fmt(high, kind)}"


def _rate_rows(table, first: list) -> list:
    return [[*head, f"{rec['observations']:,}", f"{rec['churned']:,}", report.fmt(rec["churn_rate"], "pct"),
             _interval(rec["rate_low"], rec["rate_high"])]
            for head, rec in zip(first, table.to_dict("records"))]


def _print_backtest(source: str, bt, suggestion) -> None:
    h = bt.horizon
    months = bt.months
    print(f"Health score backtest: {source}, churn = no MRR {h} month{'s' if h > 1 else ''} after the score")
    auc = "n/a" if bt.auc is None else f"{bt.auc:.3f}"
    if bt.auc_low is not None:
        auc += f"  (95 % interval {bt.auc_low:.3f} to {bt.auc_high:.3f}; 0.5 = chance, 1 = perfect)"
    pooled = f"{months[0]:%Y-%m} .. {months[-1]:%Y-%m} ({len(months)})" if months else "none"
    rows = [("months pooled", pooled),
            ("observations", f"{bt.n_observations:,} customer-months, {bt.n_churned:,} churned "
                             f"({report.fmt(bt.churn_rate, 'pct')})"),
            ("AUC of the score", auc),
            ("lift Red / Green", "n/a" if bt.lift is None else f"{bt.lift:.2f}x")]
    width = max(len(label) for label, _ in rows)
    for label, text in rows:
        print(f"  {label:<{width}}  {text}")
    header = ["observations", "churned", "churn rate", "95 % interval"]
    print(f"\nChurn within {h} month{'s' if h > 1 else ''}, by status")
    report.print_grid(["status"] + header, _rate_rows(bt.by_status, [[s] for s in bt.by_status["status"]]))
    print("\nBy score decile (1 = lowest scores)")
    first = [[str(d), f"{lo:.1f} - {hi:.1f}"] for d, lo, hi in
             bt.by_decile[["decile", "score_min", "score_max"]].itertuples(index=False, name=None)]
    report.print_grid(["decile", "scores"] + header, _rate_rows(bt.by_decile, first), left=(0,))
    for note in bt.notes:
        print(f"  note: {note}")
    print("\nWeights (fitted: ridge logistic regression of churn on the six component scores)")
    fitted = suggestion.fitted or {}
    report.print_grid(["component", "current", "fitted"],
                      [[c, f"{suggestion.current[c]:.2f}", f"{fitted[c]:.2f}" if c in fitted else "n/a"]
                       for c in kpi_core.COMPONENTS])
    print(f"  {suggestion.reason}")


def _write_config(path: str, base, suggestion, source: str) -> None:
    from kpi_core.files import atomic_output

    config = suggestion.config(base)
    header = (f"Health score configuration with weights suggested by 'cskpi health --backtest'\n"
              f"data: {source}; horizon {suggestion.horizon} months\n{suggestion.reason}\n"
              "Weights are not rounded; only their ratios matter. Pass this file back with --health-config.")
    with atomic_output(Path(path)) as tmp:
        tmp.write_text(kpi_core.health_config_toml(config, header=header), encoding="utf-8")


def _backtest(args, ds, config) -> int:
    bt = kpi_core.health_backtest(ds, config, args.horizon)
    suggestion = kpi_core.suggest_health_weights(ds, config, args.horizon, backtest=bt)
    if args.json:
        report.dump_json({"source": ds.source, "backtest": bt.to_dict(), "weights": suggestion.to_dict()})
    else:
        _print_backtest(ds.source, bt, suggestion)
    if args.write_config:
        if suggestion.suggested is None:
            print(f"cskpi: note: {args.write_config} not written: no weights are suggested (see above)",
                  file=sys.stderr)
        else:
            _write_config(args.write_config, config, suggestion, ds.source)
            print(f"wrote {args.write_config}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _scores(args, ds, config) -> int:
    from .data_cmds import warn_period

    period = kpi_core.report_period(ds, args.period_start, args.period_end)
    warn_period(ds, period)
    table = kpi_core.health_scores(ds, period.end, config, period_start=period.start)
    table = table[table["score"].notna()].sort_values(["score", "customer_id"], kind="stable")
    if args.json:
        report.dump_json({"source": ds.source, "month": f"{period.end:%Y-%m}",
                          "period_start": f"{period.start:%Y-%m}", "scores": report.json_records(table)})
        return 0
    print(f"Health scores: {ds.source}, month {period.end:%Y-%m} (sentiment from the NPS answers of "
          f"{period.label})")
    n = len(table)
    if not n:
        print("  no customer has a score that month (no Usage row, or every component blank)")
        return 0
    counts = table["status"].value_counts()
    parts = ", ".join(f"{s} {counts.get(s, 0):,} ({report.fmt(counts.get(s, 0) / n, 'pct')})"
                      for s in kpi_core.HEALTH_STATUSES)
    print(f"  {n:,} customers scored, average {table['score'].mean():.1f}: {parts}")
    low = table.head(args.top)
    if len(low):
        print(f"Lowest {len(low)} scores (component scores 0-100; blank: missing):")
        columns = [f"{c}_score" for c in kpi_core.COMPONENTS]
        rows = [[str(rec["customer_id"]), f"{rec['score']:.1f}", rec["status"]]
                + ["" if rec[c] != rec[c] else f"{rec[c]:.0f}" for c in columns]
                for rec in low.to_dict("records")]
        report.print_grid(["customer", "score", "status", *kpi_core.COMPONENTS], rows, left=(0, 2))
    return 0


def cmd_health(args) -> int:
    """``cskpi health``: the end month's scores, or ``--backtest``."""
    if not args.backtest and (args.horizon is not None or args.write_config):
        print("cskpi: error: --horizon and --write-config go with --backtest", file=sys.stderr)
        return 2
    if args.backtest and (args.period_start or args.period_end):
        print("cskpi: error: --period-start and --period-end do not go with --backtest (it pools every month)",
              file=sys.stderr)
        return 2
    from .data_cmds import load_for_command

    config = health_config(args)
    ds = load_for_command(args.data)
    if args.backtest:
        args.horizon = args.horizon or 3
        return _backtest(args, ds, config)
    return _scores(args, ds, config)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``health`` subcommand to ``cskpi``'s subparsers."""
    p = subparsers.add_parser("health", help="health scores of the end month; --backtest: did they predict churn?",
                              description=_DESCRIPTION)
    p.add_argument("data", nargs="?", help="folder of CSV files or .xlsx with Usage (and Subscriptions for "
                                           "--backtest); the sample data if none")
    p.add_argument("--backtest", action="store_true",
                   help="check the score against the churn that followed, and fit better weights")
    p.add_argument("--horizon", type=whole_number(1), metavar="MONTHS",
                   help="with --backtest: churned = no MRR this many months after the score (default 3)")
    p.add_argument("--write-config", metavar="FILE",
                   help="with --backtest: write the suggested weights as a health config (TOML) for --health-config")
    add_health_config_option(p)
    p.add_argument("--period-start", metavar="YYYY-MM")
    p.add_argument("--period-end", metavar="YYYY-MM", help="the scored month (default: the data's last month)")
    p.add_argument("--top", type=whole_number(1), default=10, metavar="N", help="lowest scores to print (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.set_defaults(func=cmd_health)
    return p
