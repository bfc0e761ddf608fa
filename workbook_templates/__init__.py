"""workbook_templates: templated KPI workbooks with live Excel formulas, one or thousands.

Examples
--------
>>> import kpi_core, tempfile, pathlib
>>> from workbook_templates import portfolio_layout, write_xlsx
>>> path = pathlib.Path(tempfile.mkdtemp()) / "portfolio.xlsx"
>>> _ = write_xlsx(portfolio_layout(kpi_core.sample_dataset(n_customers=20), lang="fr"), path)
>>> path.exists()
True
"""

from .account import account_layout
from .batch import BatchResult, build_workbooks
from .customer_value import customer_value_from_orders, customer_value_names, customer_value_sheet
from .engine import EngineError, defined_name_values, pdf_to_png, recalculate, render_pdf
from .files import OutputError, atomic_output, check_output_folder
from .layout import WorkbookLayout
from .portfolio import portfolio_layout
from .refresh import refresh_workbook
from .xlsx import write_xlsx

__all__ = [
    "portfolio_layout", "account_layout", "WorkbookLayout", "write_xlsx", "build_workbooks",
    "BatchResult", "refresh_workbook", "recalculate", "render_pdf", "pdf_to_png", "defined_name_values",
    "EngineError", "customer_value_sheet", "customer_value_from_orders", "customer_value_names",
    "OutputError", "atomic_output", "check_output_folder",
]
