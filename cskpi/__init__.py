"""cskpi: the command line that spans the three parts (kpi_core, addin, workbook_templates).

The library API lives in :mod:`kpi_core` (KPIs), :mod:`workbook_templates`
(workbooks) and :mod:`addin` (Excel); this package holds only ``cskpi``'s
commands (:mod:`cskpi.cli`).
"""
