"""How a layout becomes a file: the cell encoder, the OOXML package writer and the template stamp.

- :mod:`.values`: what a value becomes in a cell, for every sink (file, openpyxl
  cells, a live xlwings book, a function result);
- :mod:`.xmlsheet`: a sheet's cells as worksheet XML, a column at a time;
- :mod:`.parts` and :mod:`.package`: the parts of an .xlsx and the zip that holds them;
- :mod:`.xlsx`: :func:`write_xlsx` / :func:`xlsx_bytes` (a build) and the
  :class:`Skeleton` a batch shares;
- :mod:`.update`: a headless Refresh, computed sheets replaced in a user's file;
- :mod:`.stamp`: which template built a workbook;
- :mod:`.cells`: the encoder's rules on openpyxl cells.

The public names are imported on first use.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "xlsx": ("write_xlsx", "write_data_xlsx", "xlsx_bytes", "Skeleton"),
    "update": ("replace_sheets", "read_workbook"),
    "stamp": ("Stamp", "stamp_of"),
}
_HOME = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = list(_HOME)


def __getattr__(name: str):
    """Import a public name from its module the first time it is used (PEP 562)."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
