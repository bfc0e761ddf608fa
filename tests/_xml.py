"""XML of OOXML parts compared as parsed trees (namespaces resolved, attribute order and prefixes ignored)."""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree as ET

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"
DRAWING = "http://schemas.openxmlformats.org/drawingml/2006/main"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"


def tree(xml) -> tuple:
    """A part as nested (tag, sorted attributes, stripped text, children) tuples."""
    if isinstance(xml, str):
        xml = xml.encode("utf-8")

    def conv(el):
        return el.tag, tuple(sorted(el.attrib.items())), (el.text or "").strip(), tuple(conv(c) for c in el)

    return conv(ET.fromstring(xml))


def same_xml(actual, expected) -> bool:
    """Whether two parts are the same tree; on a difference, assert with both trees shown."""
    a, b = tree(actual), tree(expected)
    assert a == b, f"\nactual:   {a}\nexpected: {b}"
    return True


def child(xml, path: str, ns: dict | None = None):
    """The first element at `path` (ElementTree path with prefixes of `ns`, default: x = main)."""
    root = ET.fromstring(xml if isinstance(xml, bytes) else xml.encode("utf-8"))
    return root.find(path, ns or {"x": MAIN, "c": CHART, "a": DRAWING, "xdr": XDR, "r": REL})


def parts(path) -> dict:
    """Part name -> bytes of a package."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}
