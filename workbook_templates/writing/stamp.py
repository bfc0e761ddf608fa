"""The template stamp: which template built a workbook, and for what scope.

A built workbook records, in its document properties, ``keywords`` =
``cskpi-template=<kind>`` and ``subject`` = the scope (the text after
"Dashboard — " in its titles). Excel keeps both (File > Info > Properties),
so a Refresh rebuilds the same template (:mod:`workbook_templates.refresh`).
This module is the one home of that convention: the writer stamps, Refresh
reads it back with :func:`stamp_of`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TEMPLATES", "Stamp", "stamp_of"]

#: the template kinds a workbook can be stamped with
TEMPLATES = ("portfolio", "account")
_KEYWORD = "cskpi-template="


@dataclass(frozen=True)
class Stamp:
    """The document properties a built workbook carries.

    Examples
    --------
    >>> Stamp("portfolio", "CSM: Zoé Martin").keywords
    'cskpi-template=portfolio'
    """

    template: str
    scope: str
    creator: str = "cskpi"

    def __post_init__(self) -> None:
        if self.template not in TEMPLATES:
            raise ValueError(f"unknown template {self.template!r}; expected one of {', '.join(TEMPLATES)}")

    @property
    def keywords(self) -> str:
        """The ``keywords`` property: ``cskpi-template=<kind>``."""
        return f"{_KEYWORD}{self.template}"

    @property
    def title(self) -> str:
        """The ``title`` property: the scope."""
        return self.scope


def stamp_of(keywords: str | None, subject: str | None) -> Stamp | None:
    """The stamp held by a workbook's ``keywords`` and ``subject`` properties, or None.

    Examples
    --------
    >>> stamp_of("cskpi-template=account", "Acme")
    Stamp(template='account', scope='Acme', creator='cskpi')
    >>> stamp_of("budget 2026", "Acme") is None
    True
    """
    words = (keywords or "").split()
    kind = next((w[len(_KEYWORD):] for w in words if w.startswith(_KEYWORD)), None)
    if kind in TEMPLATES and subject:
        return Stamp(kind, subject)
    return None
