"""Argument types shared by the ``cskpi`` sub-commands (argparse ``type=`` callables)."""

from __future__ import annotations

import argparse

__all__ = ["whole_number"]


def whole_number(minimum: int = 0):
    """An argparse type: a whole number of at least `minimum`, else a one-line usage error.

    Examples
    --------
    >>> whole_number(1)("3")
    3
    >>> whole_number(1)("0")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: must be 1 or more
    """
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more")
        return value

    return parse
