"""``cskpi predict``: predicted customer value from the Orders table (DESIGN.md §11).

Fits BG/NBD and Gamma-Gamma (:func:`kpi_core.fit_clv`), prints a summary
and the customers of highest predicted value, and with ``--csv`` writes the
whole per-customer table. ``--calibration-end`` keeps the orders after that
day as a holdout and prints predicted against actual repeat purchases.
Needs the optional models: ``pip install "cskpi[predict]"``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import kpi_core

from .argtypes import whole_number

__all__ = ["add_parser", "cmd_predict"]

_DESCRIPTION = """Predict each customer's repeat purchases and value over the next HORIZON periods from the
Orders table (BG/NBD and Gamma-Gamma models, fitted by maximum likelihood with PyMC-Marketing). DATA is a
folder of CSV files or an .xlsx with an Orders table (order_id, customer_id, date, amount), or a file in the
CDNOW sample format (.txt); without DATA, the sample dataset. The command line counts in months by default
(--time-unit M), so --horizon 12 is a year. Needs the optional models: pip install "cskpi[predict]"."""

_UNITS = {"D": "days", "W": "weeks", "M": "months"}


def _orders(data):
    if data is None:
        return kpi_core.sample_dataset(), "sample dataset"
    if Path(data).suffix.lower() == ".txt":
        return kpi_core.read_cdnow(data), str(data)
    ds = kpi_core.load_dataset(data)
    return ds, ds.source


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _write_csv(table, path: str) -> None:
    from kpi_core.files import atomic_output

    with atomic_output(Path(path)) as tmp:
        table.to_csv(tmp, index=False, date_format="%Y-%m-%d")


def _print_holdout(model, unit: str) -> None:
    check = kpi_core.clv_holdout(model)
    print(f"Holdout {check.periods['start'].iloc[0]:%Y-%m-%d} .. {model.data_end:%Y-%m-%d} "
          f"({len(check.periods)} {_UNITS[unit]}), repeat purchases of the calibration customers:")
    print(f"  {'predicted':<22}{check.predicted:>12,.1f}")
    print(f"  {'actual':<22}{check.actual:>12,.0f}")
    print(f"  {'error':<22}{check.error * 100:>+11.1f} %")
    print(f"  {'cumulative at the end':<22}{check.cumulative_predicted:>12,.1f} predicted, "
          f"{check.cumulative_actual:,.0f} actual ({check.cumulative_error * 100:+.1f} %)")


def cmd_predict(args) -> int:
    """Fit, print the summary (and the holdout check), write the table with --csv."""
    unit = args.time_unit
    orders, source = _orders(args.data)
    try:
        model = kpi_core.fit_clv(orders, calibration_end=args.calibration_end, time_unit=unit)
    except kpi_core.MissingExtraError as err:
        print(f"cskpi: error: {err}", file=sys.stderr)
        return 1
    table = kpi_core.predict_clv(model, args.horizon, args.discount_rate)
    summary = kpi_core.clv_summary(table)
    prm = model.params
    horizon = f"{args.horizon:g} {_UNITS[unit]}"
    print(f"Predicted customer value: {source}, history to {model.calibration_end:%Y-%m-%d}, next {horizon}")
    print(f"  BG/NBD      r = {prm['r']:.4g}, alpha = {prm['alpha']:.4g} ({_UNITS[unit]}), "
          f"a = {prm['a']:.4g}, b = {prm['b']:.4g}")
    print(f"  Gamma-Gamma p = {prm['p']:.4g}, q = {prm['q']:.4g}, gamma = {prm['v']:.4g}")
    rows = [("customers", f"{summary['customers']:,}"),
            (f"predicted value ({horizon})", f"{summary['total_clv']:,.2f}"),
            ("expected repeat purchases", f"{summary['expected_purchases']:,.1f}"),
            ("likely alive (p_alive >= 0.5)", f"{summary['share_likely_alive'] * 100:.1f} %"),
            ("mean p_alive", f"{summary['mean_p_alive'] * 100:.1f} %")]
    width = max(len(label) for label, _ in rows)
    for label, text in rows:
        print(f"  {label:<{width}}  {text:>16}")
    if args.calibration_end is not None:
        _print_holdout(model, unit)
    if args.top:
        top = table.sort_values("clv", ascending=False, kind="stable").head(args.top)
        print(f"Top {len(top)} customers by predicted value:")
        print(top.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    if args.csv:
        _write_csv(table, args.csv)
        print(f"wrote {args.csv} ({len(table):,} customers)")
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``predict`` subcommand to ``cskpi``'s subparsers."""
    p = subparsers.add_parser("predict", help="predicted customer value from the Orders table (BG/NBD, Gamma-Gamma)",
                              description=_DESCRIPTION)
    p.add_argument("data", nargs="?", help="folder of CSV files, .xlsx with an Orders table, or a CDNOW .txt file")
    p.add_argument("--horizon", type=_positive, default=12.0, help="periods ahead (default 12)")
    p.add_argument("--time-unit", choices=tuple(_UNITS), default="M", type=str.upper,
                   help="unit of the horizon and the model: D, W or M (default M, months)")
    p.add_argument("--discount-rate", type=_rate, default=0.0, metavar="RATE",
                   help="annual discount rate of the predicted value (0.1 = 10 %%; default 0)")
    p.add_argument("--calibration-end", metavar="YYYY-MM-DD",
                   help="fit on the orders up to this day and check the prediction on the later ones")
    p.add_argument("--csv", metavar="FILE", help="write the per-customer table to FILE")
    p.add_argument("--top", type=whole_number(0), default=10, metavar="N", help="customers to print (default 10)")
    p.set_defaults(func=cmd_predict)
    return p
