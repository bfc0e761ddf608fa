"""Your data as it comes (DESIGN.md §12): mappings from users' exports to the §3 tables, MRR from billing data.

- :func:`monthly_mrr`: subscription intervals or invoice line items -> the
  Subscriptions table (customer_id, month, mrr), by the rules of §12.
- :func:`load_mapping`: a mapping from a TOML file, a workbook's ``Mapping``
  table or a built-in name (``"baremetrics"``); :func:`apply_mapping`: the
  exports through it, merged with DATA, as a validated Dataset.

Examples
--------
>>> import kpi_core
>>> kpi_core.load_mapping("baremetrics").tables
['Subscriptions', 'Customers']
"""

from pathlib import Path

from ._sources import RawTable
from .apply import TableReport, apply_mapping, mapped_tables, mapping_problems
from .billing import INTERVAL_MONTHS, WHOLE_MONTH_DAYS, convert_currency, monthly_mrr
from .spec import (BUILTIN_MAPPINGS, MAPPING_COLUMNS, Mapping, Section, load_mapping, mapping_from_dict,
                   mapping_from_rows, rows_from_dict)

#: the example exports and their mapping (README: "Your own data: from exports to the dashboard")
EXAMPLES_DIR = Path(__file__).with_name("examples")
#: the annotated example mapping (``cskpi import --template``)
TEMPLATE_PATH = Path(__file__).with_name("template.toml")
#: example export file -> the sheet that holds it in the template workbook (``cskpi sample --mapping``)
EXAMPLE_SHEETS = {"billing.csv": "Billing export", "survey.csv": "Survey export", "tickets.csv": "Ticket export"}

__all__ = ["monthly_mrr", "convert_currency", "INTERVAL_MONTHS", "WHOLE_MONTH_DAYS", "load_mapping", "apply_mapping",
           "mapped_tables", "mapping_problems", "mapping_from_dict", "mapping_from_rows", "Mapping", "Section",
           "rows_from_dict", "RawTable", "TableReport", "BUILTIN_MAPPINGS", "MAPPING_COLUMNS", "EXAMPLES_DIR",
           "EXAMPLE_SHEETS", "TEMPLATE_PATH"]
