"""Write a :class:`~workbook_templates.spec.layout.WorkbookLayout` to an .xlsx file.

The package writer of builds, organised by OOXML part like XlsxWriter: each part
of the file comes from its module in :mod:`workbook_templates.writing.parts`
(workbook, worksheets with their streamed cells, styles, tables, drawings,
charts, document properties, theme), :mod:`workbook_templates.writing.package`
puts them in the zip with their content types and relationships. No openpyxl.

What every workbook of a batch shares is made once, in a :class:`Skeleton`: the
style sheet of each language and currency (every style key's cell format), the
theme, app.xml and the package's fixed relationships. A build writes only what
differs: its sheets, names, charts, tables, conditional formats and stamp. By
default every build of a process shares one skeleton (:func:`write_xlsx`,
:func:`xlsx_bytes`), so the processes of a batch each make it once.

The file is written atomically (:func:`kpi_core.files.atomic_output`): a failed
build leaves no file behind.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from pathlib import Path

from kpi_core.files import atomic_output

from ..spec.layout import SheetLayout, WorkbookLayout
from .ooxml import CONTENT
from .package import Package, content_types_xml, next_part_name, relative_target, rels_part, rels_xml
from .parts.chart import chart_xml
from .parts.docprops import APP_XML, core_xml
from .parts.drawing import drawing_xml
from .parts.styles import Dxfs, StyleSheet
from .parts.table import table_xml
from .parts.theme import THEME_XML
from .parts.workbook import workbook_xml
from .parts.worksheet import worksheet_xml
from .stamp import Stamp
from .xmlsheet import StyleId

__all__ = ["write_xlsx", "write_data_xlsx", "xlsx_bytes", "Skeleton", "SheetParts", "plan_sheets",
           "write_sheet_parts", "check_titles"]

_ROOT_RELS = rels_xml([("rId1", "document", "xl/workbook.xml"), ("rId2", "core", "docProps/core.xml"),
                       ("rId3", "app", "docProps/app.xml")])
_BAD_TITLE = set("[]:*?/\\")


class Skeleton:
    """What every workbook of a batch shares, made once: a style sheet per (language, currency).

    The theme, app.xml and the package relationships are constants of their
    modules. Pass one skeleton to every build of a batch (or let them share the
    process's default one).

    Examples
    --------
    >>> skeleton = Skeleton()
    >>> skeleton.styles("fr", "€") is skeleton.styles("fr", "€")
    True
    """

    def __init__(self) -> None:
        self._styles: dict = {}
        self._lock = threading.Lock()

    def styles(self, lang: str, currency: str = "") -> StyleSheet:
        """The style sheet of a language and currency (made on first use)."""
        key = (lang, currency)
        found = self._styles.get(key)
        if found is None:
            with self._lock:
                found = self._styles.get(key) or self._styles.setdefault(key, StyleSheet(lang, currency))
        return found

    def write(self, layout: WorkbookLayout, target) -> None:
        """Write the layout's package to `target` (a path or a binary file object)."""
        _write(layout, target, self)


_SHARED = Skeleton()


@dataclass
class SheetParts:
    """One sheet and the names of its parts: the worksheet, its drawing and charts, its tables."""

    sheet: SheetLayout
    part: str
    drawing: str | None = None
    charts: list = field(default_factory=list)
    tables: list = field(default_factory=list)  # (block, part name, table id)

    def content_types(self) -> dict:
        """Part name -> content type, for every part of this sheet."""
        out = {self.part: CONTENT["worksheet"]}
        if self.drawing:
            out[self.drawing] = CONTENT["drawing"]
        out.update({c: CONTENT["chart"] for c in self.charts})
        out.update({t: CONTENT["table"] for _, t, _ in self.tables})
        return out


def check_titles(titles, tables) -> None:
    """Refuse sheet titles and table names Excel would refuse (what it says names the sheet or table).

    Raises
    ------
    ValueError
        A title longer than 31 characters, empty, with one of ``[]:*?/\\``, starting or ending
        with an apostrophe, or given twice (case-insensitive); a table name given twice.
    """
    seen: set = set()
    for title in titles:
        bad = sorted(_BAD_TITLE & set(title))
        if not title or len(title) > 31 or bad or title[0] == "'" or title[-1] == "'":
            why = f"holds {' '.join(bad)}" if bad else "must have 1 to 31 characters and not start or end with '"
            raise ValueError(f"sheet title {title!r}: {why}")
        if title.casefold() in seen:
            raise ValueError(f"sheet title {title!r} is given twice")
        seen.add(title.casefold())
    names: set = set()
    for name in tables:
        if name.casefold() in names:
            raise ValueError(f"table name {name!r} is given twice")
        names.add(name.casefold())


def plan_sheets(sheets, taken: set, first_table_id: int = 1) -> list[SheetParts]:
    """Name the parts of `sheets`, avoiding the part names in `taken` (which receives the new ones)."""
    plans, table_id = [], first_table_id
    for sheet in sheets:
        plan = SheetParts(sheet, next_part_name("xl/worksheets/sheet{}.xml", taken))
        if sheet.charts:
            plan.drawing = next_part_name("xl/drawings/drawing{}.xml", taken)
            plan.charts = [next_part_name("xl/charts/chart{}.xml", taken) for _ in sheet.charts]
        for block in sheet.blocks:
            if block.table:
                plan.tables.append((block, next_part_name("xl/tables/table{}.xml", taken), table_id))
                table_id += 1
        plans.append(plan)
    return plans


def write_sheet_parts(pkg: Package, plan: SheetParts, style_id: StyleId, dxfs: Dxfs, selected: bool = False) -> None:
    """Write a sheet's worksheet, drawing, charts and tables, with their relationships, into `pkg`."""
    rels = []
    if plan.drawing:
        rels.append(("rId1", "drawing", relative_target(plan.part, plan.drawing)))
    table_ids = []
    for block, part, table_id in plan.tables:
        rid = f"rId{len(rels) + 1}"
        rels.append((rid, "table", relative_target(plan.part, part)))
        table_ids.append(rid)
        pkg.add(part, table_xml(block, table_id))
    pkg.add_stream(plan.part, worksheet_xml(plan.sheet, style_id, dxfs, selected=selected,
                                            drawing="rId1" if plan.drawing else None, tables=tuple(table_ids)))
    if rels:
        pkg.add(rels_part(plan.part), rels_xml(rels))
    if plan.drawing:
        pkg.add(plan.drawing, drawing_xml(plan.sheet.charts))
        pkg.add(rels_part(plan.drawing), rels_xml([(f"rId{i}", "chart", relative_target(plan.drawing, c))
                                                    for i, c in enumerate(plan.charts, start=1)]))
        for chart, part in zip(plan.sheet.charts, plan.charts):
            pkg.add(part, chart_xml(chart))


def _tables(sheets) -> list[str]:
    return [b.table for s in sheets for b in s.blocks if b.table]


def _write(layout: WorkbookLayout, target, skeleton: Skeleton, stamped: bool = True) -> None:
    """Write the package of `layout` to `target` (with the template stamp, or none for a data workbook)."""
    check_titles([s.title for s in layout.sheets], _tables(layout.sheets))
    stamp = Stamp(layout.template, layout.title) if stamped else None
    styles = skeleton.styles(layout.lang, layout.currency)
    dxfs = Dxfs()
    plans = plan_sheets(layout.sheets, set())
    active = next((i for i, s in enumerate(layout.sheets) if not s.hidden), 0)
    types = {"xl/workbook.xml": CONTENT["workbook"], "xl/styles.xml": CONTENT["styles"],
             "xl/theme/theme1.xml": CONTENT["theme"], "docProps/core.xml": CONTENT["core"],
             "docProps/app.xml": CONTENT["app"]}
    for plan in plans:
        types.update(plan.content_types())
    book_rels = [(f"rId{i}", "worksheet", relative_target("xl/workbook.xml", p.part)) for i, p in enumerate(plans, 1)]
    book_rels += [(f"rId{len(plans) + 1}", "styles", "styles.xml"),
                  (f"rId{len(plans) + 2}", "theme", "theme/theme1.xml")]
    with Package(target) as pkg:
        pkg.add("[Content_Types].xml", content_types_xml(types))
        pkg.add("_rels/.rels", _ROOT_RELS)
        pkg.add("docProps/app.xml", APP_XML)
        pkg.add("docProps/core.xml", core_xml(stamp))
        pkg.add("xl/workbook.xml", workbook_xml([(p.sheet.title, p.sheet.hidden, rid)
                                                 for p, (rid, _, _) in zip(plans, book_rels)], layout.names, active))
        pkg.add("xl/_rels/workbook.xml.rels", rels_xml(book_rels))
        pkg.add("xl/theme/theme1.xml", THEME_XML)
        for i, plan in enumerate(plans):
            write_sheet_parts(pkg, plan, styles.xf, dxfs, selected=i == active)
        pkg.add("xl/styles.xml", styles.xml(dxfs))  # last: the sheets registered their formats


def write_xlsx(layout: WorkbookLayout, path, skeleton: Skeleton | None = None) -> Path:
    """Write the layout to `path` atomically (temporary file, then rename), stamped with its template.

    The only file writer of a build: the stamp (:mod:`workbook_templates.writing.stamp`)
    tells ``cskpi refresh`` which template and scope to rebuild the file with.

    Parameters
    ----------
    layout : WorkbookLayout
    path : str or Path
    skeleton : Skeleton, optional
        What the workbooks of a batch share (default: the process's own).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        A layout Excel would refuse (a bad sheet title, two tables of one name,
        blocks that overlap), or a value a cell cannot hold.
    kpi_core.files.OutputError
        The file cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib, kpi_core
    >>> from workbook_templates.templates.portfolio import portfolio_layout
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "book.xlsx"
    >>> write_xlsx(portfolio_layout(kpi_core.sample_dataset(n_customers=5)), path).name
    'book.xlsx'
    """
    with atomic_output(path) as tmp:
        _write(layout, tmp, skeleton or _SHARED)
    return Path(path)


def write_data_xlsx(layout: WorkbookLayout, path, skeleton: Skeleton | None = None) -> Path:
    """Write a layout of data sheets atomically, without a template stamp (it is data, not a KPI workbook to
    refresh): what ``cskpi import --out data.xlsx`` and ``cskpi sample --mapping --out book.xlsx`` write.

    Examples
    --------
    >>> import tempfile, pathlib, kpi_core
    >>> from workbook_templates.templates.data_book import dataset_layout
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "data.xlsx"
    >>> kpi_core.load_dataset(write_data_xlsx(dataset_layout(kpi_core.sample_dataset(n_customers=3)), path))
    Dataset('...data.xlsx': Customers=3, Subscriptions=..., ...)
    """
    with atomic_output(path) as tmp:
        _write(layout, tmp, skeleton or _SHARED, stamped=False)
    return Path(path)


def xlsx_bytes(layout: WorkbookLayout, skeleton: Skeleton | None = None) -> bytes:
    """The bytes of the file :func:`write_xlsx` writes, in memory (a distributed task returns them).

    Examples
    --------
    >>> import kpi_core
    >>> from workbook_templates.templates.portfolio import portfolio_layout
    >>> xlsx_bytes(portfolio_layout(kpi_core.sample_dataset(n_customers=5)))[:2]
    b'PK'
    """
    buffer = io.BytesIO()
    _write(layout, buffer, skeleton or _SHARED)
    return buffer.getvalue()
