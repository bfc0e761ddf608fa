"""The xlwings Lite entry point: every Excel function and every task-pane script at top level.

xlwings Lite (the free Excel add-in that runs Python inside Excel through
Pyodide, on Windows, macOS and Excel on the web) registers the ``@func``
functions and ``@script`` functions it finds *in the workbook's main.py*:
its runtime calls xlwings' ``custom_functions_meta`` and
``custom_scripts_meta`` on that module, and both list the module's members
(``inspect.getmembers``) that carry xlwings' registration attribute
(``__xlfunc__`` / ``__xlscript__``), imported ones included. So a workbook
needs a main.py of one line::

    from addin.lite import *

and a requirements.txt naming cskpi (``cskpi lite`` prints both).

What it exposes (``__all__``):

- every Excel function of :mod:`addin.udfs` (DESIGN.md §8): ``=NPS(...)``,
  ``=NRR(...)``, ... under the same names as everywhere else (xlwings
  registers a function under its Python name in upper case);
- every task-pane script of :mod:`addin.ribbon` (``cskpi_refresh_kpis``,
  ``cskpi_validate_data``, ...): the ribbon's buttons, run by the same
  :func:`addin.ribbon.run`, so a script does exactly what the button does
  (alerts instead of tracebacks, nothing written when it fails).

Both lists are read from those modules when this one is imported: a function
added to :mod:`addin.udfs` is exposed here without an edit. The ribbon macro
``addin.ribbon.mrr_movements`` is not exported (only the scripts are), so the
name ``mrr_movements`` stays the ``=MRR_MOVEMENTS`` function.

In xlwings Lite the workbook is xlwings' remote book (``book.app.engine.name
== "remote"``), as on xlwings Server: no file can be written, so *Build KPI
workbook* adds the KPI sheets to the open workbook and *Export per CSM* says
to use the command line.

Examples
--------
>>> from addin import lite
>>> {"NPS", "NRR", "MRR_MOVEMENTS"} <= set(lite.FUNCTIONS)
True
>>> "cskpi_refresh_kpis" in lite.SCRIPTS
True
"""

from __future__ import annotations

from . import ribbon as _ribbon
from . import udfs as _udfs

__all__: list[str] = []


def _registered(module, attribute: str) -> dict:
    """Python name -> object for the members of `module` that xlwings registers through `attribute`."""
    return {name: obj for name, obj in vars(module).items()
            if not name.startswith("_") and hasattr(obj, attribute)}


_functions = _registered(_udfs, "__xlfunc__")
_scripts = _registered(_ribbon, "__xlscript__")

#: Excel names of the functions exposed (``NPS``, ``NRR``, ...), sorted
FUNCTIONS: tuple[str, ...] = tuple(sorted(name.upper() for name in _functions))
#: Python names of the task-pane scripts exposed (``cskpi_refresh_kpis``, ...), sorted
SCRIPTS: tuple[str, ...] = tuple(sorted(_scripts))

globals().update(_functions)
globals().update(_scripts)
__all__ += sorted(_functions) + sorted(_scripts)
