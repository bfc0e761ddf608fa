"""Sheet builders that declare what they need and what they publish; the order is computed.

A template is a list of :class:`SheetBuilder` s. Each one makes one sheet (or a
sheet and its helper) from the :class:`Context` (the data, the period, the
language, the settings: what every builder may read) and from the
:class:`Anchors` published by the builders it *needs* (the ranges and names of
the sheets it refers to: ``calc_mrr``'s matrix, the Health sheet's score
column...). It returns a :class:`Built`: its sheets, its defined names and the
anchors it *publishes*. :func:`assemble` runs the builders that apply to the
dataset in an order computed from those declarations, and checks them:

- a builder runs after every builder that publishes an anchor it needs or uses;
- a builder whose need is published by no applicable builder does not apply (a
  Health sheet without Usage data, say); an anchor it only *uses* may be absent;
- two builders may not publish the same anchor, a cycle is an error, and a
  builder must publish exactly what it declared.

Nothing is "set by an earlier method": what a builder reads is in its
signature, and the template's list says what exists.

Examples
--------
>>> from workbook_templates.spec.layout import SheetLayout
>>> a = SheetBuilder("a", publishes=("x",), build=lambda ctx, got: Built(anchors={"x": 1}))
>>> b = SheetBuilder("b", needs=("x",), build=lambda ctx, got: Built(
...     [SheetLayout("b", f"B{got['x']}")]))
>>> [s.title for s in assemble([b, a], ctx=None).sheets]
['B1']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SheetBuilder", "Built", "Anchors", "Assembly", "assemble", "BuildOrderError"]


class BuildOrderError(RuntimeError):
    """The builders of a template contradict each other (a bug of the template, not of the data)."""


class Anchors(Mapping):
    """The anchors a builder may read: exactly those it declared (needs and uses that were published).

    Reading an anchor it did not declare is a :class:`BuildOrderError`, so a
    builder's declaration is its whole contract.
    """

    def __init__(self, values: dict, allowed: Iterable[str], who: str) -> None:
        self._values = {k: values[k] for k in allowed if k in values}
        self._allowed = frozenset(allowed)
        self._who = who

    def __getitem__(self, key: str) -> Any:
        if key not in self._allowed:
            raise BuildOrderError(f"builder {self._who!r} reads anchor {key!r}, which it does not declare")
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


@dataclass
class Built:
    """What a builder made: its sheets (in order), defined names (name -> reference) and anchors."""

    sheets: list = field(default_factory=list)
    names: dict = field(default_factory=dict)
    anchors: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SheetBuilder:
    """One step of a template.

    Parameters
    ----------
    key : str
        A name for messages (usually the key of the sheet it makes).
    build : callable
        ``build(ctx, anchors) -> Built``.
    needs : tuple of str
        Anchors it cannot do without: it does not apply when one is not published.
    uses : tuple of str
        Anchors it reads when they exist.
    publishes : tuple of str
        Anchors it publishes (every one, every time it runs).
    applies : callable, optional
        ``applies(ctx) -> bool``: whether the dataset has what it needs (tables).
    """

    key: str
    build: Callable
    needs: tuple = ()
    uses: tuple = ()
    publishes: tuple = ()
    applies: Callable | None = None


@dataclass
class Assembly:
    """The result of :func:`assemble`: every sheet made, by key, in build order; names; anchors."""

    sheets: list = field(default_factory=list)
    names: dict = field(default_factory=dict)
    anchors: dict = field(default_factory=dict)


def _applicable(builders: list, ctx) -> list:
    """The builders whose `applies` holds and whose needs some other applicable builder publishes."""
    chosen = [b for b in builders if b.applies is None or b.applies(ctx)]
    while True:
        published = {p for b in chosen for p in b.publishes}
        kept = [b for b in chosen if all(n in published for n in b.needs)]
        if len(kept) == len(chosen):
            return kept
        chosen = kept


def _order(builders: list) -> list:
    """Builders sorted so that every publisher comes before its readers (stable: list order otherwise)."""
    owner: dict = {}
    for b in builders:
        for anchor in b.publishes:
            if anchor in owner:
                raise BuildOrderError(f"anchor {anchor!r} is published by both {owner[anchor].key!r} and {b.key!r}")
            owner[anchor] = b
    done: list = []
    placed: set = set()
    visiting: list = []

    def visit(b) -> None:
        if b.key in placed:
            return
        if b.key in visiting:
            cycle = " -> ".join([*visiting[visiting.index(b.key):], b.key])
            raise BuildOrderError(f"the builders depend on each other in a cycle: {cycle}")
        visiting.append(b.key)
        for anchor in (*b.needs, *b.uses):
            if anchor in owner:
                visit(owner[anchor])
        visiting.pop()
        placed.add(b.key)
        done.append(b)

    for b in builders:
        visit(b)
    return done


def assemble(builders: Iterable[SheetBuilder], ctx) -> Assembly:
    """Run the builders that apply to `ctx`, each after those whose anchors it needs or uses.

    Raises
    ------
    BuildOrderError
        Two builders publish one anchor, the builders form a cycle, or a builder
        did not publish what it declared (or published more).
    """
    out = Assembly()
    for b in _order(_applicable(list(builders), ctx)):
        anchors = Anchors(out.anchors, (*b.needs, *b.uses), b.key)
        built = b.build(ctx, anchors)
        if set(built.anchors) != set(b.publishes):
            raise BuildOrderError(f"builder {b.key!r} declared {sorted(b.publishes)} but published "
                                  f"{sorted(built.anchors)}")
        clash = set(built.names) & set(out.names)
        if clash:
            raise BuildOrderError(f"builder {b.key!r} defines names already defined: {sorted(clash)}")
        out.sheets.extend(built.sheets)
        out.names.update(built.names)
        out.anchors.update(built.anchors)
    return out
