"""addin: the Excel face of cskpi.

- :mod:`addin.udfs`: every KPI of DESIGN.md §8 as an xlwings Excel function;
- :mod:`addin.ribbon`: the CS KPIs ribbon macros (and xlwings Server/Lite scripts);
- :mod:`addin.live`: writes a workbook layout into an open workbook through xlwings;
- :mod:`addin.lite`: the xlwings Lite entry point (a workbook's main.py is ``from addin.lite import *``);
- :mod:`addin.xlam`: builds and installs ``cskpi.xlam``.

Nothing is imported here, so ``import addin.xlam`` does not load xlwings' UDF machinery.
"""
