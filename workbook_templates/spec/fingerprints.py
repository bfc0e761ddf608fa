"""Fingerprints of data columns: how ``DataStale`` sees that a table changed since the build.

The helper sheets (calc_*) hold values derived from the data tables when the
workbook was built or refreshed; the formulas over them are live with the
period and the settings, not with edits of the tables they were derived from.
Each helper declares the columns it reads (:class:`Read`), and the Dashboard
keeps, for each, a fingerprint: its value at build time (computed here, in
Python) beside a live formula over the table column (also written here), so
that ``DataStale`` is TRUE as soon as one differs. One home for both halves:
the formula and its Python twin must agree on every workbook cskpi writes.

Kinds, and what they see:

- ``rows``: the number of rows (an empty Excel table keeps one blank row);
- ``number``: the sum of the column's numbers (text and blanks left out),
  compared to 1e-10 relative: a changed amount, score or hour count;
- ``month``: the sum of ``12 x year + month`` of its dates, exact: an answer,
  a ticket, an order or a month moved to another month;
- ``bool``: how many TRUE, exact: a ticket's first-contact flag;
- ``words``: for each of the words given (a survey type, a group name), its
  count times its rank, plus the number of other non-blank cells times the
  number of words plus one, exact: a row moved to another word, or a new word;
- ``length``: the total length of the cells' text, exact: an id changed to one
  of another length.

A fingerprint is a checksum, not a copy: edits that cancel out (two values
swapped between rows, an id changed to another of the same length) are not
seen. The formulas use only functions Excel 2019 and LibreOffice 7.4 compute.

Examples
--------
>>> import pandas as pd
>>> fingerprint_formula(Read("Responses", "date", "month"))
'SUMPRODUCT(YEAR(Responses[date])*12+MONTH(Responses[date]))'
>>> fingerprint_value(Read("Responses", "survey", "words", ("NPS", "CSAT", "CES")),
...                   pd.Series(["NPS", "CES", None, "NPS"]))
5.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Read", "KINDS", "criteria", "fingerprint_formula", "fingerprint_value", "fingerprint_differs"]

KINDS = ("rows", "number", "month", "bool", "words", "length")
#: most words a ``words`` fingerprint counts (a formula of one COUNTIF each)
MAX_WORDS = 40


@dataclass(frozen=True)
class Read:
    """A data column a helper sheet reads, and the kind of fingerprint that watches it."""

    table: str
    column: str
    kind: str
    words: tuple = ()  # the words of a ``words`` fingerprint

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fingerprint kind {self.kind!r}")

    @classmethod
    def of_words(cls, table: str, column: str, words) -> Read:
        """A ``words`` fingerprint of the distinct non-blank `words`, or ``length`` when there are too many
        (or too long) for COUNTIF criteria."""
        # one spelling a word (the first), in the same order whichever rows they came from: two helpers reading
        # the same groups declare one Read (the Dashboard checks it once)
        spelling = {w.casefold(): w for w in reversed([w for w in words if w])}
        words = tuple(spelling[k] for k in sorted(spelling))
        if len(words) > MAX_WORDS or any(len(w) > 200 for w in words):
            return cls(table, column, "length")
        return cls(table, column, "words", words)

    @property
    def ref(self) -> str:
        """The structured reference of the column: ``Responses[score]``."""
        return f"{self.table}[{self.column}]"


def criteria(read: Read) -> list[str]:
    """The COUNTIF criteria of a ``words`` fingerprint, one per word: matching exactly that word (no
    wildcard, no comparison). They are written as text in cells that the formula reads, so that data
    (a group name) never becomes part of a formula."""
    return ["=" + w.replace("~", "~~").replace("*", "~*").replace("?", "~?") for w in read.words]


def fingerprint_formula(read: Read, criteria_cells=()) -> str:
    """The live Excel expression of the fingerprint of a table column (``criteria_cells``: the cells
    holding :func:`criteria`, for a ``words`` fingerprint)."""
    r = read.ref
    if read.kind == "words":
        counts = "+".join(f"{k + 1}*COUNTIF({r},{c})" for k, c in enumerate(criteria_cells))
        plain = "+".join(f"COUNTIF({r},{c})" for c in criteria_cells)
        return f"{counts}+{len(read.words) + 1}*(COUNTA({r})-({plain}))"
    return {
        "rows": f"ROWS({r})",
        "number": f"SUM({r})",
        "month": f"SUMPRODUCT(YEAR({r})*12+MONTH({r}))",
        "bool": f"COUNTIF({r},TRUE)",
        "length": f'SUMPRODUCT(LEN({r}&""))',
    }[read.kind]


def _cell_text(value) -> str:
    """What ``cell & ""`` gives for a data value as cskpi writes it (blank: empty text)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer)) or (isinstance(value, (float, np.floating)) and float(value).is_integer()):
        return str(int(value))
    return str(value)


def _utf16_length(text: str) -> int:
    """Excel's LEN: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _utf16_lengths(texts: list) -> list:
    """:func:`_utf16_length` of every text (counted at once when none holds a character beyond U+FFFF)."""
    lengths = list(map(len, texts))
    if len("".join(texts).encode("utf-16-le", "surrogatepass")) == 2 * sum(lengths):
        return lengths
    return [_utf16_length(x) for x in texts]


def fingerprint_value(read: Read, values: pd.Series) -> float:
    """The fingerprint of a column as written at build time (the twin of :func:`fingerprint_formula`)."""
    kind = read.kind
    if kind == "rows":
        return float(max(len(values), 1))
    if kind == "number":
        if values.dtype == object:
            values = pd.to_numeric(values.where(values.map(lambda v: not isinstance(v, (str, bool))), None),
                                   errors="coerce")
        return math.fsum(values.astype(float).dropna().tolist())
    if kind == "month":
        dates = pd.to_datetime(values).dropna()
        return float((dates.dt.year * 12 + dates.dt.month).sum())
    if kind == "bool":
        return float(values.fillna(False).astype(bool).sum())
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if pd.api.types.infer_dtype(uniques, skipna=False) == "string":  # text as it is: what _cell_text gives it
        texts = list(map(str, np.asarray(uniques, dtype=object)))
    else:
        texts = [_cell_text(u) for u in uniques]
    if kind == "length":
        weights = _utf16_lengths(texts)
    else:  # words: COUNTIF compares text without case
        rank = {w.casefold(): k + 1 for k, w in reversed(list(enumerate(read.words)))}
        other = len(read.words) + 1
        weights = [0 if x == "" else rank.get(x.casefold(), other) for x in texts]
    return float(np.array(weights + [0], dtype=np.int64)[codes].sum())


def fingerprint_differs(read: Read, live: str, stored: str) -> str:
    """The Excel condition that the live fingerprint `live` differs from the `stored` cell."""
    if read.kind == "number":
        return f"ABS({live}-{stored})>0.0000000001*MAX(1,ABS({stored}))"
    return f"{live}<>{stored}"
