"""Workbooks that hold data, not KPIs: a dataset as its §3 Excel tables, and the exports-and-Mapping template.

- :func:`dataset_layout`: one sheet per table of a dataset, each an Excel
  table named as in DESIGN.md §3 (what ``cskpi import --out data.xlsx``
  writes with :func:`workbook_templates.writing.xlsx.write_data_xlsx`;
  ``load_dataset`` reads it back). The data sheets are those of the
  portfolio workbook (the :data:`~.settings.DATA` builder): one home.
- :func:`mapping_template_layout`: the example exports of
  :mod:`kpi_core.mapping` pasted as plain ranges on sheets (a billing export,
  a survey export, a ticket export) and a ``Mapping`` Excel table (columns
  table, setting, key, value) saying how they become the §3 tables (what
  ``cskpi sample --mapping --out book.xlsx`` writes; the ribbon's Build KPI
  workbook builds from it).
"""

from __future__ import annotations

import re

import pandas as pd

import kpi_core
from kpi_core.mapping import EXAMPLES_DIR, EXAMPLE_SHEETS, rows_from_dict
from kpi_core.mapping.spec import read_toml

from ..spec.layout import Block, SheetLayout, WorkbookLayout
from .builder import assemble
from .context import Context
from .settings import DATA

__all__ = ["dataset_layout", "mapping_template_layout", "README_LINES"]

#: the "Read me" sheet of the template
README_LINES = (
    "cskpi: your exports to the KPI workbook",
    "1. Paste each export on its own sheet, its header in the first row (replace the example rows, or add sheets).",
    "2. In the Mapping table (sheet Mapping), say for each table which sheet it comes from and how: one row per "
    "setting (table, setting, key, value), as a mapping file's settings (README: \"Your own data\").",
    "3. CS KPIs > Build KPI workbook (desktop: a new file next to this one), or on the command line: "
    "cskpi build --map THIS.xlsx --out DIR",
    "A value the mapping cannot convert is reported with its sheet, cell, column and row; nothing is built then.",
)


def dataset_layout(ds: kpi_core.Dataset) -> WorkbookLayout:
    """The tables of `ds` as Excel tables, one sheet each, in §3 order."""
    months = ds.month_range()
    period = kpi_core.Period(*(months or ("2000-01", "2000-01")))  # the context's month axis; not shown
    return WorkbookLayout(sheets=assemble([DATA], Context(ds, period, "en", "data")).sheets, lang="en", title="data")


_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _as_pasted(frame: pd.DataFrame, decimal: str) -> tuple[pd.DataFrame, dict]:
    """Text columns as Excel would read them when pasted: numbers as numbers, ISO dates as dates."""
    out, styles = frame.copy(), {}
    for column in frame.columns:
        filled = frame[column][frame[column] != ""]
        if len(filled) and filled.str.match(_NUMBER).all():
            out[column] = pd.to_numeric(frame[column].str.replace(decimal, ".", regex=False).replace("", None))
        elif len(filled) and filled.str.match(_ISO_DATE).all():
            dates = pd.to_datetime(frame[column].replace("", None))
            out[column] = pd.Series([d.to_pydatetime() if pd.notna(d) else None for d in dates], dtype=object)
            styles[column] = "date"
    return out, styles


def mapping_template_layout() -> WorkbookLayout:
    """The template workbook: Read me, one sheet per example export, and the Mapping table."""
    data = read_toml(EXAMPLES_DIR / "mapping.toml")
    sheets = [SheetLayout(key="readme", title="Read me", computed=False)]
    for r, line in enumerate(README_LINES, 1):
        sheets[0].set(r, 1, line, "title" if r == 1 else None)
    sheets[0].widths["A"] = 120
    for file, title in EXAMPLE_SHEETS.items():
        sep = ";" if file == "survey.csv" else ","
        frame = pd.read_csv(EXAMPLES_DIR / file, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8")
        frame, styles = _as_pasted(frame, "," if sep == ";" else ".")
        sheet = SheetLayout(key=file, title=title, computed=False, freeze="A2")
        sheet.blocks.append(Block(frame, styles=styles))
        sheet.widths.update({chr(65 + j): min(45, max(12, len(str(c)) + 2)) for j, c in enumerate(frame.columns)})
        sheets.append(sheet)
    for section in data.values():  # the workbook's sheets instead of the files
        if "file" in section:
            section["sheet"] = EXAMPLE_SHEETS[section.pop("file")]
    mapping = SheetLayout(key="mapping", title="Mapping", computed=False, freeze="A2")
    mapping.blocks.append(Block(rows_from_dict(data), table="Mapping"))
    mapping.widths.update({"A": 16, "B": 26, "C": 60, "D": 30})
    sheets.append(mapping)
    return WorkbookLayout(sheets=sheets, lang="en", title="exports")
