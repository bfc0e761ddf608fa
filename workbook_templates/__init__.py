"""workbook_templates: templated KPI workbooks with live Excel formulas, one or thousands.

The package is organised by concern, imports running one way (each layer uses
only the ones above it):

- :mod:`~workbook_templates.spec`: what a workbook says: the layout records
  (sheets, cells, blocks, charts), labels in English and French, styles and the
  formula layer;
- :mod:`~workbook_templates.templates`: the templates (portfolio, account,
  customer value), one sheet builder per topic;
- :mod:`~workbook_templates.writing`: how a layout becomes a file: the cell
  encoder, the OOXML package writer and the template stamp;
- :mod:`~workbook_templates.refresh`: the refresh plan, shared by ``cskpi refresh``
  and the ribbon;
- :mod:`~workbook_templates.batch`: many workbooks: local process pool, Dask, manifest;
- :mod:`~workbook_templates.engine`: LibreOffice headless (recalculation, rendering).

The public names below are imported on first use, so importing one part of the
package does not load the others.

Examples
--------
>>> import kpi_core, tempfile, pathlib
>>> from workbook_templates import portfolio_layout, write_xlsx
>>> path = pathlib.Path(tempfile.mkdtemp()) / "portfolio.xlsx"
>>> _ = write_xlsx(portfolio_layout(kpi_core.sample_dataset(n_customers=20), lang="fr"), path)
>>> path.exists()
True
"""

from __future__ import annotations

from kpi_core.lazy import lazy_exports

#: module -> the public names it defines
_EXPORTS = {
    "spec.layout": ("WorkbookLayout",),
    "templates.portfolio": ("portfolio_layout",),
    "templates.account": ("account_layout",),
    "templates.customer_value": ("customer_value_sheet", "customer_value_from_orders", "customer_value_names"),
    "writing.xlsx": ("write_xlsx", "xlsx_bytes", "Skeleton"),
    "refresh.workbook": ("refresh_workbook",),
    "batch": ("build_workbooks", "BatchResult"),
    "engine": ("recalculate", "render_pdf", "pdf_to_png", "defined_name_values", "EngineError"),
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, globals())
