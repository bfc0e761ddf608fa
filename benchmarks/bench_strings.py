"""Inline strings or a shared-string table: which one does LibreOffice load faster? (a decision, measured)

The package writer stores text as inline strings (``t="inlineStr"``). Excel itself
writes a shared-string table (``t="s"`` + xl/sharedStrings.xml). This benchmark writes
the data sheets of a portfolio (every dataset table: names, segments, CSMs, survey
kinds, dates...) with our writer, derives the same file with a shared-string table
(every inline string moved to the table, in order of first use, nothing else changed),
and times LibreOffice headless loading each (``--convert-to csv``: load, then write the
first sheet only), min of several interleaved runs. Run from the project root::

    .venv/bin/python benchmarks/bench_strings.py [--customers 20000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kpi_core  # noqa: E402
from workbook_templates.engine import find_soffice  # noqa: E402
from workbook_templates.spec.layout import WorkbookLayout  # noqa: E402
from workbook_templates.templates.portfolio import portfolio_layout  # noqa: E402
from workbook_templates.writing.xlsx import write_xlsx  # noqa: E402

_INLINE = re.compile(rb'<c r="([A-Z]+\d+)"((?: s="\d+")?) t="inlineStr"><is><t( xml:space="preserve")?>(.*?)</t></is></c>',
                     re.S)
_SST_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def with_shared_strings(src: Path, dst: Path) -> tuple[int, int]:
    """`src` with every inline string moved to a shared-string table; (cells, distinct strings)."""
    table: dict = {}
    cells = 0

    def swap(m):
        nonlocal cells
        cells += 1
        key = (m.group(3) or b"", m.group(4))
        index = table.setdefault(key, len(table))
        return b'<c r="' + m.group(1) + b'"' + m.group(2) + b' t="s"><v>' + str(index).encode() + b"</v></c>"

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = _INLINE.sub(swap, data)
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                                    + _SST_TYPE + b'"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdSst" Type="' + _SST_REL
                                    + b'" Target="sharedStrings.xml"/></Relationships>')
            zout.writestr(info.filename, data)
        items = b"".join(b"<si><t" + space + b">" + text + b"</t></si>" for space, text in table)
        zout.writestr("xl/sharedStrings.xml", b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="'
                      + str(cells).encode() + b'" uniqueCount="' + str(len(table)).encode() + b'">' + items + b"</sst>")
    return cells, len(table)


def load_seconds(path: Path, work: Path) -> float:
    """Wall time of LibreOffice headless loading `path` (and writing its first sheet as CSV)."""
    profile = work / "profile"
    cmd = [str(find_soffice()), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
           "--convert-to", "csv", "--outdir", str(work / "out"), str(path)]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, timeout=1800)
    return time.perf_counter() - t0


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--customers", type=int, default=20_000)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    ds = kpi_core.sample_dataset(n_customers=args.customers)
    layout = portfolio_layout(ds)
    data_only = WorkbookLayout([s for s in layout.sheets if not s.computed], layout.names, layout.lang, layout.title,
                               layout.template, layout.currency)
    with tempfile.TemporaryDirectory(prefix="bench-strings-") as tmp:
        work = Path(tmp)
        inline = write_xlsx(data_only, work / "inline.xlsx")
        shared = work / "shared.xlsx"
        cells, distinct = with_shared_strings(inline, shared)
        load_seconds(inline, work)  # LibreOffice's first start (profile creation) is not timed
        times: dict = {"inline": [], "shared": []}
        for _ in range(args.repeats):
            for tag, path in (("inline", inline), ("shared", shared)):
                times[tag].append(load_seconds(path, work))
        rows = sum(len(f) for f in ds.tables.values())
        print(f"data sheets of sample_dataset(n_customers={args.customers}): {rows:,} rows, {cells:,} text cells, "
              f"{distinct:,} distinct texts")
        for tag, path in (("inline", inline), ("shared", shared)):
            print(f"  {tag:7s} strings: file {path.stat().st_size / 1e6:6.1f} MB, LibreOffice load "
                  f"{min(times[tag]):6.2f} s (min of {args.repeats})")
        print(f"  ratio shared / inline: {min(times['shared']) / min(times['inline']):.2f}")


if __name__ == "__main__":
    main()
