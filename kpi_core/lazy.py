"""Package namespaces whose public names are imported on first use (PEP 562).

A package lists where each public name lives; :func:`lazy_exports` gives it the
module-level ``__getattr__`` and ``__dir__`` that import a name's module the first
time the name is read, so importing one part of a package does not load the others
(``import kpi_core.files`` loads neither pandas nor NumPy).

Examples
--------
>>> getattr_, dir_, names = lazy_exports("json", {"decoder": ("JSONDecoder",)}, {})
>>> names, getattr_("JSONDecoder").__name__
(['JSONDecoder'], 'JSONDecoder')
"""

from __future__ import annotations

import importlib

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: dict, namespace: dict):
    """(``__getattr__``, ``__dir__``, ``__all__``) for `package`, whose `exports` map each module (relative
    to the package) to the public names it defines; `namespace` is the package's ``globals()``, where a name
    is cached once imported."""
    home = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str):
        module = home.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(home))

    return __getattr__, __dir__, list(home)
