"""The package (workbook_templates.writing.package): zip, content types and relationships (ECMA-376 Part 2)."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbook_templates.writing.ooxml import CONTENT
from workbook_templates.writing.package import (Package, content_types_xml, next_part_name, relative_target,
                                                rels_part, rels_xml)

from _xml import CT, PKG_REL, same_xml


def test_relationships_part_by_hand_with_an_external_target():
    got = rels_xml([("rId1", "worksheet", "worksheets/sheet1.xml"), ("rId2", "http://x/y", "https://a.b/c?d&e", True)])
    same_xml(got, f"""<Relationships xmlns="{PKG_REL}">
      <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
                    Target="worksheets/sheet1.xml"/>
      <Relationship Id="rId2" Type="http://x/y" Target="https://a.b/c?d&amp;e" TargetMode="External"/>
    </Relationships>""")


def test_content_types_by_hand():
    got = content_types_xml({"xl/workbook.xml": CONTENT["workbook"]}, {"rels": CONTENT["rels"], "bin": "a/b"})
    same_xml(got, f"""<Types xmlns="{CT}">
      <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
      <Default Extension="bin" ContentType="a/b"/>
      <Override PartName="/xl/workbook.xml"
                ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>""")


def test_part_paths():
    assert rels_part("xl/workbook.xml") == "xl/_rels/workbook.xml.rels"
    assert rels_part("") == "_rels/.rels"
    assert relative_target("xl/drawings/drawing1.xml", "xl/charts/chart3.xml") == "../charts/chart3.xml"
    assert relative_target("xl/workbook.xml", "xl/worksheets/sheet2.xml") == "worksheets/sheet2.xml"


@given(st.sets(st.integers(1, 30), max_size=20), st.integers(1, 5))
def test_new_part_names_never_clash(used, n):
    taken = {f"xl/charts/chart{i}.xml" for i in used} | {"xl/charts/other.xml", "xl/tables/table1.xml"}
    before = set(taken)
    names = [next_part_name("xl/charts/chart{}.xml", taken) for _ in range(n)]
    assert len(set(names)) == n and not set(names) & before and set(names) <= taken
    assert names[0] == f"xl/charts/chart{min(set(range(1, 32)) - used)}.xml"  # the first free number


def test_package_writes_whole_and_streamed_parts_deflated():
    buffer = io.BytesIO()
    big = [b"<row>" + b"x" * 1000 + b"</row>"] * 2000
    with Package(buffer) as pkg:
        pkg.add("a.xml", b"<a/>")
        pkg.add_stream("xl/worksheets/sheet1.xml", iter(big))
    with zipfile.ZipFile(buffer) as z:
        assert z.read("a.xml") == b"<a/>"
        assert z.read("xl/worksheets/sheet1.xml") == b"".join(big)
        info = z.getinfo("xl/worksheets/sheet1.xml")
        assert info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size < info.file_size / 20
        assert z.testzip() is None


def test_a_big_streamed_part_holds_every_piece_in_order():
    # past a megabyte the pieces are deflated on a second thread: same bytes, same order
    pieces = [bytes([65 + i % 26]) * 150_000 + b"%d" % i for i in range(20)]
    buffer = io.BytesIO()
    with Package(buffer) as pkg:
        pkg.add_stream("big.xml", iter(pieces))
        pkg.add("after.xml", b"<a/>")
    archive = zipfile.ZipFile(buffer)
    assert archive.read("big.xml") == b"".join(pieces) and archive.read("after.xml") == b"<a/>"
    assert archive.testzip() is None


class _Full(io.BytesIO):
    """A target that runs out of room after two megabytes."""

    def write(self, data):
        if self.tell() + len(data) > 2_000_000:
            raise OSError(28, "No space left on device")
        return super().write(data)


def test_errors_of_a_big_streamed_part_reach_the_caller():
    def failing():
        yield os.urandom(1_500_000)
        yield os.urandom(10)
        raise RuntimeError("the sheet could not be made")

    buffer = io.BytesIO()
    with pytest.raises(RuntimeError, match="could not be made"), Package(buffer) as pkg:
        pkg.add_stream("bad.xml", failing())
    full = _Full()
    with pytest.raises(OSError, match="No space"), Package(full) as pkg:
        pkg.add_stream("big.xml", (os.urandom(600_000) for _ in range(10)))


def test_a_big_streamed_part_is_written_the_same_where_no_thread_can_start(monkeypatch):
    # Pyodide (xlwings Lite) raises on Thread.start: the pieces are then deflated in the caller's thread
    import threading

    def no_threads(self):
        raise RuntimeError("can't start new thread")

    pieces = [bytes([65 + i % 26]) * 150_000 + b"%d" % i for i in range(20)]
    monkeypatch.setattr(threading.Thread, "start", no_threads)
    buffer = io.BytesIO()
    with Package(buffer) as pkg:
        pkg.add_stream("big.xml", iter(pieces))
    assert zipfile.ZipFile(buffer).read("big.xml") == b"".join(pieces)
