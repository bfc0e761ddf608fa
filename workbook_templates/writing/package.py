"""The OOXML package: parts in a zip, their content types and their relationships (ECMA-376 Part 2).

:class:`Package` writes parts into a zip archive (deflated at level 1: sheet XML
compresses well even at the fastest level), keeping the content type of each
part for ``[Content_Types].xml``. Relationships (``_rels/*.rels``) are parts too;
:func:`rels_xml` writes them. :func:`next_part_name` picks part names that an
existing package does not use yet (the headless Refresh adds sheets to a
workbook that already has some).
"""

from __future__ import annotations

import posixpath
import queue
import re
import threading
import zipfile

from .ooxml import CONTENT, DECLARATION, NS_CT, NS_PKG_REL, REL, quote_attr

__all__ = ["Package", "rels_xml", "rels_part", "content_types_xml", "next_part_name", "relative_target", "LEVEL"]

LEVEL = 1  # deflate level
_THREADED = 1 << 20  # a streamed part past this many bytes is deflated on a second thread
_QUEUED = 4  # pieces waiting for that thread at most (each a few MB)


def rels_part(part: str) -> str:
    """The relationships part of `part`: ``xl/workbook.xml`` -> ``xl/_rels/workbook.xml.rels``.

    Examples
    --------
    >>> rels_part("xl/worksheets/sheet1.xml"), rels_part("")
    ('xl/worksheets/_rels/sheet1.xml.rels', '_rels/.rels')
    """
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def relative_target(source: str, target: str) -> str:
    """`target` (a part name) as a relationship target relative to the part `source`.

    Examples
    --------
    >>> relative_target("xl/worksheets/sheet1.xml", "xl/drawings/drawing1.xml")
    '../drawings/drawing1.xml'
    """
    return posixpath.relpath(target, posixpath.dirname(source) or ".")


def rels_xml(rels: list) -> bytes:
    """A relationships part from ``(id, type, target)`` triples (type: a key of ``ooxml.REL`` or a full URI);
    a fourth item True marks an external target.

    Examples
    --------
    >>> print(rels_xml([("rId1", "drawing", "../drawings/drawing1.xml")]).decode().split("\\n")[1])
    ... # doctest: +NORMALIZE_WHITESPACE
    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1"
    Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
    Target="../drawings/drawing1.xml"/></Relationships>
    """
    items = "".join(f"<Relationship Id={quote_attr(rel[0])} Type={quote_attr(REL.get(rel[1], rel[1]))} "
                    f"Target={quote_attr(rel[2])}" + (' TargetMode="External"' if rel[3:] and rel[3] else "") + "/>"
                    for rel in rels)
    return (DECLARATION + f'<Relationships xmlns="{NS_PKG_REL}">{items}</Relationships>').encode("utf-8")


def content_types_xml(overrides: dict, defaults: dict | None = None) -> bytes:
    """``[Content_Types].xml``: `defaults` (extension -> type; rels and xml when omitted) and
    `overrides` (part name -> type).

    Examples
    --------
    >>> b'PartName="/xl/workbook.xml"' in content_types_xml({"xl/workbook.xml": CONTENT["workbook"]})
    True
    """
    defaults = defaults if defaults is not None else {"rels": CONTENT["rels"], "xml": CONTENT["xml"]}
    items = [f"<Default Extension={quote_attr(ext)} ContentType={quote_attr(kind)}/>" for ext, kind in defaults.items()]
    items += [f"<Override PartName={quote_attr('/' + part.lstrip('/'))} ContentType={quote_attr(kind)}/>"
              for part, kind in overrides.items()]
    return (DECLARATION + f'<Types xmlns="{NS_CT}">{"".join(items)}</Types>').encode("utf-8")


def next_part_name(pattern: str, taken: set) -> str:
    """The first ``pattern.format(n)`` (n = 1, 2, ...) not in `taken`; it is added to `taken`.

    Examples
    --------
    >>> taken = {"xl/charts/chart1.xml"}
    >>> next_part_name("xl/charts/chart{}.xml", taken), next_part_name("xl/charts/chart{}.xml", taken)
    ('xl/charts/chart2.xml', 'xl/charts/chart3.xml')
    """
    folder = pattern.rsplit("/", 1)[0] + "/"
    numbers = re.compile(re.escape(pattern).replace(r"\{\}", r"(\d+)") + "$")
    used = {int(m.group(1)) for name in taken if name.startswith(folder) and (m := numbers.match(name))}
    n = 1
    while n in used:
        n += 1
    name = pattern.format(n)
    taken.add(name)
    return name


def _write_behind(pieces, write) -> None:
    """``write`` every piece on a second thread while the next ones are made (in order; errors re-raised).

    Where no thread can be started (Pyodide: xlwings Lite), the pieces are written in this one.
    """
    waiting: queue.Queue = queue.Queue(maxsize=_QUEUED)
    failed: list = []

    def writer() -> None:
        while (piece := waiting.get()) is not None:
            if not failed:
                try:
                    write(piece)
                except BaseException as err:  # noqa: BLE001 - handed to the caller's thread
                    failed.append(err)

    thread = threading.Thread(target=writer, name="cskpi-deflate", daemon=True)
    try:
        thread.start()
    except RuntimeError:  # no threads where this runs (Pyodide, xlwings Lite): write here
        for piece in pieces:
            write(piece)
        return
    try:
        for piece in pieces:
            if failed:
                break
            waiting.put(piece)
    finally:
        waiting.put(None)
        thread.join()
    if failed:
        raise failed[0]


class Package:
    """A zip archive being written, part by part.

    Parameters
    ----------
    target : path or binary file object
        Where the archive goes (a file is created or truncated).
    level : int
        Deflate level of the parts.

    Examples
    --------
    >>> import io
    >>> buffer = io.BytesIO()
    >>> with Package(buffer) as pkg:
    ...     pkg.add("a.xml", b"<a/>")
    ...     pkg.add_stream("b.xml", iter([b"<b>", b"</b>"]))
    >>> sorted(zipfile.ZipFile(buffer).namelist())
    ['a.xml', 'b.xml']
    """

    def __init__(self, target, level: int = LEVEL) -> None:
        self.zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=level)

    def add(self, name: str, data: bytes) -> None:
        """Write a whole part."""
        self.zip.writestr(name, data)

    def add_stream(self, name: str, chunks) -> None:
        """Write a part from an iterable of byte strings (a big sheet never sits in memory whole).

        Once the part passes a megabyte, its pieces are deflated on a second thread while
        the next ones are made (zlib lets other threads run while it deflates); the bytes
        written are the same.
        """
        with self.zip.open(name, "w", force_zip64=True) as fh:
            pieces = iter(chunks)
            size = 0
            for chunk in pieces:
                fh.write(chunk)
                size += len(chunk)
                if size > _THREADED:
                    _write_behind(pieces, fh.write)
                    break

    def close(self) -> None:
        """Write the archive's central directory."""
        self.zip.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
