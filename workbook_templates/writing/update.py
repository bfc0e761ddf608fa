"""The headless Refresh's file work: a user's .xlsx/.xlsm with its computed sheets replaced, at the package level.

:class:`UserWorkbook` opens a workbook (its archive checked against the read
limits, its small parts parsed with defusedxml) and reads what a Refresh needs:
sheet titles, defined names and the values they point to, the template stamp of
the document properties. :meth:`UserWorkbook.replace_sheets` then writes a new
package in which

- the computed sheets (worksheet parts and everything only they reach:
  drawings, charts, tables, comments, printer settings, pictures) are replaced by
  parts made by the package writer (:mod:`workbook_templates.writing.xlsx`), in
  the order asked;
- ``xl/workbook.xml`` gets the new sheet list, the template's defined names
  (the user's other names are kept, sheet-scoped ones re-pointed to their
  sheet's new position) and ``fullCalcOnLoad``; its relationships and
  ``[Content_Types].xml`` follow; ``calcChain.xml`` is dropped (Excel rebuilds it);
- the writer's cell formats are appended to the user's ``styles.xml`` (number
  formats, fonts, fills, cell formats and conditional-format formats, with
  their index offsets; formats appended by an earlier Refresh are reused);
- every other part is copied unchanged, byte for byte: data tables, Settings,
  the user's own sheets with their pictures, shapes, text boxes and charts,
  macros (``vbaProject.bin``: an .xlsm stays macro-enabled). The only edit to a
  kept sheet is removing its ``tabSelected`` flag, so that one tab is selected.

Only the elements rewritten in ``workbook.xml`` and ``styles.xml`` are
regenerated; the rest of those parts is kept as text (Excel's
``mc:Ignorable`` prefixes stay declared).
"""

from __future__ import annotations

import posixpath
import re
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from kpi_core import KpiInputError, XlsxArchive, read_limits

from ..spec.layout import SheetLayout, split_ref
from .ooxml import NS_CT, NS_MAIN, NS_PKG_REL, NS_REL, REL, parse_range, quote_attr
from .package import Package, content_types_xml, relative_target, rels_part, rels_xml
from .parts.docprops import NS_CORE
from .parts.styles import Dxfs, Items, builtin_format_id, look, xf_xml
from .parts.workbook import defined_name_xml
from .xlsx import check_titles, plan_sheets, write_sheet_parts

__all__ = ["UserWorkbook", "read_workbook", "MAX_NAME_CELLS"]

#: the most cells a defined name Refresh reads may cover (the Bands and Targets areas hold a few hundred): a
#: name over a whole sheet would otherwise be read cell by cell
MAX_NAME_CELLS = 10_000

_DC = "http://purl.org/dc/elements/1.1/"
_ROOT = re.compile(rb"<(?![?!])([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_TAB_SELECTED = re.compile(rb'\s+tabSelected="(?:1|true)"')
# the attributes of a start tag (values may hold '>' and '/')
_ATTRS = r"""(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*"""
#: list elements of styles.xml and the name of their items
_ITEMS = {"numFmts": "numFmt", "fonts": "font", "fills": "fill", "cellXfs": "xf", "dxfs": "dxf"}


def _err(where: str, message: str) -> KpiInputError:
    return KpiInputError(f"{where}: {message}", "value", location=where)


def _prefix(raw: bytes) -> str:
    """The namespace prefix of a part's root element (``"x:"``, or ``""``)."""
    m = _ROOT.search(raw)
    return (m.group(1) or b"").decode() if m else ""


def _pattern(prefix: str, local: str) -> str:
    p = re.escape(prefix) + local
    return rf"<{p}{_ATTRS}/>|<{p}{_ATTRS}>.*?</{p}>"


def _element(text: str, prefix: str, local: str) -> re.Match | None:
    """The first ``<prefix:local ...>...</prefix:local>`` (or self-closing) element of `text`."""
    return re.search(_pattern(prefix, local), text, re.DOTALL)


def _elements(text: str, prefix: str, local: str) -> list[str]:
    """Every such element of `text`, in order."""
    return re.findall(_pattern(prefix, local), text, re.DOTALL)


def _start_tag(element: str) -> str:
    """The start tag of an element's text."""
    return re.match(rf"<[^\s/>]+{_ATTRS}/?>", element).group(0)


def _set_attr(tag: str, name: str, value) -> str:
    """A start tag with attribute `name` set to `value` (added when missing)."""
    pattern = re.compile(rf'(\s{name}=)("[^"]*"|\'[^\']*\')')
    if pattern.search(tag):
        return pattern.sub(lambda m: f'{m.group(1)}"{value}"', tag, count=1)
    end = -2 if tag.endswith("/>") else -1
    return f'{tag[:end]} {name}="{value}"{tag[end:]}'


def _in_main(fragment: str, prefix: str) -> str:
    """An unprefixed SpreadsheetML element as it must stand in a part whose root uses `prefix`."""
    if not prefix:
        return fragment
    return re.sub(r"^<([A-Za-z]+)", lambda m: f'<{m.group(1)} xmlns="{NS_MAIN}"', fragment, count=1)


def _section(text: str, prefix: str, local: str, additions: list[str], count: int, after: tuple,
             where: str) -> str:
    """`text` with `additions` appended to its ``local`` list element, whose count becomes `count` (the
    element is created after the last element of `after` present, when missing)."""
    if not additions:
        return text
    body = "".join(_in_main(a, prefix) for a in additions)
    found = _element(text, prefix, local)
    if found is not None:
        whole = found.group(0)
        start_tag = _start_tag(whole)
        if start_tag == whole:  # self-closing: <dxfs count="0"/>
            new = _set_attr(whole[:-2].rstrip() + ">", "count", count) + body + f"</{prefix}{local}>"
        else:
            close = whole.rindex("<")
            new = _set_attr(start_tag, "count", count) + whole[len(start_tag):close] + body + whole[close:]
        return text[:found.start()] + new + text[found.end():]
    new = f'<{prefix}{local} count="{count}">{body}</{prefix}{local}>'
    for name in reversed(after):
        prev = _element(text, prefix, name)
        if prev is not None:
            return text[:prev.end()] + new + text[prev.end():]
    root_open = re.search(rf"<{re.escape(prefix)}styleSheet{_ATTRS}>", text)
    if root_open is None:
        raise _err(where, "its styles part has no styleSheet element")
    return text[:root_open.end()] + new + text[root_open.end():]


class _MergedStyles:
    """The writer's cell formats appended to a user's styles part, index by index as the sheets need them."""

    def __init__(self, raw: bytes, tree, lang: str, currency: str, where: str) -> None:
        self.where, self.lang, self.currency = where, lang, currency
        self.prefix = _prefix(raw)
        try:
            self.text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _err(where, "its styles part is not UTF-8") from None
        lists = {}
        for local in ("fonts", "fills", "cellXfs", "dxfs"):
            found = _element(self.text, self.prefix, local)
            if found is None and local != "dxfs":
                raise _err(where, f"its styles part has no {local} list")
            lists[local] = _elements(found.group(0), self.prefix, _ITEMS[local]) if found else []
        self.fonts, self.fills, self.xfs = Items(lists["fonts"]), Items(lists["fills"]), Items(lists["cellXfs"])
        self.n = {k: len(v) for k, v in lists.items()}
        self.codes: dict[str, int] = {}
        formats = list(tree.iter(f"{{{NS_MAIN}}}numFmt"))
        taken = [int(el.get("numFmtId")) for el in formats if (el.get("numFmtId") or "").isdigit()]
        for el in formats:
            if (el.get("numFmtId") or "").isdigit():
                self.codes.setdefault(el.get("formatCode", ""), int(el.get("numFmtId")))
        # the count and the next id from every numFmt element: a user's part may hold one code under two ids
        self.n["numFmts"] = len(formats)
        self.next_format = max([163, *taken]) + 1
        self.new_formats: list[str] = []
        self.ids: dict = {}
        self.dxfs = Dxfs(lists["dxfs"])

    def xf(self, key: str | None, quote: bool = False) -> int:
        """The user's ``cellXfs`` index of a style key (added to the part when it is not there yet)."""
        found = self.ids.get((key, quote))
        if found is not None:
            return found
        item = look(key, self.lang, self.currency)
        fmt = builtin_format_id(item.number_format)
        if fmt is None:
            fmt = self.codes.get(item.number_format)
        if fmt is None:
            fmt = self.codes[item.number_format] = self.next_format
            self.next_format += 1
            self.new_formats.append(f'<numFmt numFmtId="{fmt}" formatCode={quote_attr(item.number_format)}/>')
        font = self.fonts.add(item.font) if item.font else 0
        fill = self.fills.add(item.fill) if item.fill else 0
        found = self.ids[(key, quote)] = self.xfs.add(xf_xml(fmt, font, fill, item.alignment, quote))
        return found

    def xml(self) -> bytes:
        """The styles part with everything added."""
        text, p, where, n = self.text, self.prefix, self.where, self.n
        order = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs")
        added = {"numFmts": self.new_formats, "fonts": self.fonts.items[n["fonts"]:],
                 "fills": self.fills.items[n["fills"]:], "cellXfs": self.xfs.items[n["cellXfs"]:],
                 "dxfs": self.dxfs.items[n["dxfs"]:]}
        for local, items in added.items():
            text = _section(text, p, local, items, n[local] + len(items), order[:order.index(local)], where)
        return text.encode("utf-8")


@dataclass
class _Sheet:
    title: str
    rid: str
    part: str | None
    raw: str = ""


@dataclass
class _Rel:
    rid: str
    type: str
    target: str
    external: bool
    part: str | None  # the absolute part name of an internal target


class UserWorkbook:
    """A workbook on disk, read for a Refresh: sheets, names, stamp, values; and rewritten with new sheets.

    Parameters
    ----------
    path : str or Path
        An .xlsx or .xlsm.
    limits : kpi_core.ReadLimits, optional
        What a hostile file may cost (default: the environment's).

    Raises
    ------
    KpiInputError
        A file that is not a readable workbook, or one past a read limit.

    Examples
    --------
    >>> import tempfile, pathlib, kpi_core
    >>> from workbook_templates.templates.portfolio import portfolio_layout
    >>> from workbook_templates.writing.xlsx import write_xlsx
    >>> path = write_xlsx(portfolio_layout(kpi_core.sample_dataset(n_customers=5)),
    ...                   pathlib.Path(tempfile.mkdtemp()) / "book.xlsx")
    >>> with read_workbook(path) as book:
    ...     book.sheetnames[:2], book.keywords, book.name_value("RedBelow")
    (['Dashboard', 'Guide'], 'cskpi-template=portfolio', 40)
    """

    def __init__(self, path, limits=None) -> None:
        self.path = Path(path)
        self.archive = XlsxArchive(self.path, read_limits(limits))
        self._rel_cache: dict = {}
        self._values: dict = {}
        self._calamine = None
        try:
            self._read()
        except BaseException:
            self.archive.close()
            raise

    # -- reading -------------------------------------------------------------------------------
    def _where(self, part: str | None = None) -> str:
        return f"{self.path.name}, part {part}" if part else self.path.name

    def _raw(self, part: str) -> bytes:
        return b"".join(self.archive.stream(part))

    def _rels(self, part: str) -> list[_Rel]:
        """A part's relationships (read once)."""
        if part not in self._rel_cache:
            self._rel_cache[part] = self._read_rels(part)
        return self._rel_cache[part]

    def _read_rels(self, part: str) -> list[_Rel]:
        name = rels_part(part)
        if not self.archive.has(name):
            return []
        folder = posixpath.dirname(part)
        out = []
        for rel in self.archive.xml(name).iter(f"{{{NS_PKG_REL}}}Relationship"):
            target = rel.get("Target", "")
            external = rel.get("TargetMode") == "External"
            full = None if external else (target.lstrip("/") if target.startswith("/")
                                          else posixpath.normpath(posixpath.join(folder, target)))
            out.append(_Rel(rel.get("Id", ""), rel.get("Type", ""), target, external, full))
        return out

    def _read(self) -> None:
        root = {r.type.rsplit("/", 1)[-1]: r.part for r in self._rels("")}
        self.book_part = root.get("officeDocument")
        if not self.book_part or not self.archive.has(self.book_part):
            raise _err(self._where(), "not a readable .xlsx workbook (no workbook part)")
        self.core_part = root.get("core-properties")
        self.book_raw = self._raw(self.book_part)
        self.book_rels = self._rels(self.book_part)
        by_id = {r.rid: r for r in self.book_rels}
        book = self.archive.xml(self.book_part)
        self.sheets = []
        for el in book.iter(f"{{{NS_MAIN}}}sheet"):
            rel = by_id.get(el.get(f"{{{NS_REL}}}id", ""))
            self.sheets.append(_Sheet(el.get("name", ""), el.get(f"{{{NS_REL}}}id", ""),
                                      rel.part if rel is not None and not rel.external else None))
        self.names = [(el.get("name", ""), el.get("localSheetId"), el.text or "")
                      for el in book.iter(f"{{{NS_MAIN}}}definedName")]
        self.keywords = self.subject = None
        if self.core_part and self.archive.has(self.core_part):
            core = self.archive.xml(self.core_part)
            keywords = core.find(f"{{{NS_CORE}}}keywords")
            subject = core.find(f"{{{_DC}}}subject")
            self.keywords = keywords.text if keywords is not None else None
            self.subject = subject.text if subject is not None else None

    @property
    def sheetnames(self) -> list[str]:
        """Sheet titles, in tab order."""
        return [s.title for s in self.sheets]

    def _grid(self, title: str) -> list:
        if title not in self._values:
            from python_calamine import CalamineWorkbook

            part = next((s.part for s in self.sheets if s.title == title), None)
            if part is not None and self.archive.has(part):
                self.archive.check_extent(part)  # calamine lays the sheet out from A1 to its furthest cell
            try:
                if self._calamine is None:
                    self._calamine = CalamineWorkbook.from_path(str(self.path))
                self._values[title] = self._calamine.get_sheet_by_name(title).to_python(skip_empty_area=False)
            except Exception as exc:  # noqa: BLE001 - a damaged sheet is the user's input error
                raise _err(self._where(), f"sheet '{title}' is not readable ({type(exc).__name__}: {exc})") from None
        return self._values[title]

    def cell(self, title: str, row: int, col: int):
        """The value of a cell (None when blank): numbers, text, booleans, dates as Excel shows them."""
        grid = self._grid(title)
        try:
            value = grid[row - 1][col - 1]
        except IndexError:
            return None
        if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
            return int(value)
        return None if value == "" else value

    def name_value(self, name: str):
        """The value a workbook-level defined name refers to: a cell's value, or rows of values for a range.

        Raises
        ------
        KpiInputError
            When the workbook has no such name, or it does not refer to cells of one of its sheets.
        """
        targets = [text for n, local, text in self.names if n == name and local is None]
        if not targets:
            raise KpiInputError(f"Settings: the workbook has no defined name {name}", "value", location=name)
        sheet, address = split_ref(targets[0])
        try:
            r0, c0, r1, c1 = parse_range(address)
        except ValueError:
            r0 = None
        if r0 is None or sheet not in self.sheetnames or "," in targets[0]:
            raise KpiInputError(f"Settings: the name {name} does not refer to a cell", "value", location=name)
        cells = (r1 - r0 + 1) * (c1 - c0 + 1)
        if cells > MAX_NAME_CELLS:
            raise KpiInputError(f"Settings: the name {name} refers to {address} ({cells:,} cells); a setting is a cell "
                                f"or a range of at most {MAX_NAME_CELLS:,} cells", "value", location=name)
        if (r0, c0) == (r1, c1):
            return self.cell(sheet, r0, c0)
        return [[self.cell(sheet, r, c) for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]

    def close(self) -> None:
        """Close the archive."""
        self.archive.close()

    def __enter__(self) -> UserWorkbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------------
    def _reachable(self, skip: set) -> set:
        """Parts reachable from the package root, not following the workbook relationships in `skip`."""
        seen: set = set()
        todo = deque([""])
        while todo:
            part = todo.popleft()
            for rel in self._rels(part):
                if rel.external or rel.part is None or (part == self.book_part and rel.rid in skip):
                    continue
                if rel.part not in seen and self.archive.has(rel.part):
                    seen.add(rel.part)
                    todo.append(rel.part)
        return seen

    def replace_sheets(self, target, sheets: list[SheetLayout], *, remove, order: list[str], names: dict,
                       drop_names=(), lang: str = "en", currency: str = "", active: str | None = None) -> None:
        """Write to `target` this workbook with the sheets titled in `remove` dropped and `sheets` added.

        Parameters
        ----------
        target : path or binary file object
            Where the new package goes (not this workbook's own path: write to a temporary file).
        sheets : list of SheetLayout
            The new sheets (their titles may be those of removed sheets).
        remove : iterable of str
            Titles of the sheets to drop, with every part only they reach.
        order : list of str
            Every sheet title of the result, in tab order.
        names : dict
            Workbook-level names to define (name -> reference); they replace names of the same name.
        drop_names : iterable of str
            Workbook-level names to delete.
        lang, currency : str
            Of the new sheets' number formats.
        active : str, optional
            The sheet the workbook opens on (its tab selected).

        Raises
        ------
        KpiInputError
            The workbook's parts cannot be read, or a new table's name is already used by a kept sheet's table.
        ValueError
            `order` does not list exactly the kept and new sheets.
        """
        where = self._where()
        remove = set(remove)
        by_title = {s.title: s for s in self.sheets}
        kept = [s for s in self.sheets if s.title not in remove]
        new_titles = [s.title for s in sheets]
        if sorted(order) != sorted([s.title for s in kept] + new_titles):
            raise ValueError(f"the sheet order {order} does not list the kept and new sheets exactly")
        skip = {by_title[t].rid for t in remove if t in by_title}
        skip |= {r.rid for r in self.book_rels if r.type == REL["calcChain"]}
        before, after = self._reachable(set()), self._reachable(skip)
        dropped = before - after
        dropped |= {rels_part(p) for p in dropped if self.archive.has(rels_part(p))}
        # tables of the sheets kept: their names and ids must not be reused
        kept_tables, max_id = set(), 0
        for part in sorted(after):
            for rel in self._rels(part):
                if rel.type == REL["table"] and rel.part in after:
                    root = self.archive.xml(rel.part)
                    kept_tables.add((root.get("displayName") or root.get("name") or "").casefold())
                    max_id = max(max_id, int(root.get("id", "0") or 0) if (root.get("id") or "").isdigit() else 0)
        for sheet in sheets:
            for block in sheet.blocks:
                if block.table and block.table.casefold() in kept_tables:
                    raise _err(where, f"the table name {block.table} (sheet '{sheet.title}') is already used by "
                                      "one of the sheets Refresh keeps; rename that table")
        check_titles(new_titles, [b.table for s in sheets for b in s.blocks if b.table])
        taken = set(self.archive.names()) - dropped
        plans = plan_sheets(sheets, taken, max_id + 1)
        plan_of = {p.sheet.title: p for p in plans}
        # styles
        style_rel = next((r for r in self.book_rels if r.type == REL["styles"] and r.part), None)
        if style_rel is None or not self.archive.has(style_rel.part):
            raise _err(where, "the workbook has no styles part; it was not built by cskpi")
        styles = _MergedStyles(self._raw(style_rel.part), self.archive.xml(style_rel.part), lang, currency,
                               self._where(style_rel.part))
        # workbook relationships and sheet list
        rels = [r for r in self.book_rels if r.rid not in skip]
        used = {r.rid for r in rels}
        new_rid = {}
        for plan in plans:
            n = len(used) + 1
            while f"rId{n}" in used:
                n += 1
            used.add(f"rId{n}")
            new_rid[plan.sheet.title] = f"rId{n}"
            rels.append(_Rel(f"rId{n}", REL["worksheet"], relative_target(self.book_part, plan.part), False, plan.part))
        book_xml = self._workbook_xml(order, plan_of, new_rid, names, set(drop_names) | set(names), active)
        # content types
        if not self.archive.has("[Content_Types].xml"):
            raise _err(where, "not a readable .xlsx workbook (it has no [Content_Types].xml)")
        types_root = self.archive.xml("[Content_Types].xml")
        defaults = {el.get("Extension", ""): el.get("ContentType", "")
                    for el in types_root.iter(f"{{{NS_CT}}}Default")}
        gone = {p.casefold() for p in dropped}
        overrides = {el.get("PartName", "").lstrip("/"): el.get("ContentType", "")
                     for el in types_root.iter(f"{{{NS_CT}}}Override")
                     if el.get("PartName", "").lstrip("/").casefold() not in gone}
        for plan in plans:
            overrides.update(plan.content_types())
        rewritten = {"[Content_Types].xml", self.book_part, rels_part(self.book_part), style_rel.part}
        kept_sheet_parts = {s.part for s in kept if s.part}
        with Package(target) as pkg:
            pkg.add("[Content_Types].xml", content_types_xml(overrides, defaults))
            for part in self.archive.names():
                if part in dropped or part in rewritten:
                    continue
                if part in kept_sheet_parts:
                    pkg.add_stream(part, _unselected(self.archive.stream(part)))
                else:
                    pkg.add_stream(part, self.archive.stream(part))
            pkg.add(self.book_part, book_xml)
            pkg.add(rels_part(self.book_part), rels_xml([(r.rid, r.type, r.target, r.external) for r in rels]))
            for plan in plans:
                write_sheet_parts(pkg, plan, styles.xf, styles.dxfs, selected=plan.sheet.title == active)
            pkg.add(style_rel.part, styles.xml())

    def _workbook_xml(self, order, plan_of, new_rid, names, replaced, active) -> bytes:
        """workbook.xml with the new sheet list, names, active tab and full calculation on load."""
        where = self._where(self.book_part)
        try:
            text = self.book_raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _err(where, "not UTF-8") from None
        p = _prefix(self.book_raw)
        span = _element(text, p, "sheets")
        raws = _elements(span.group(0), p, "sheet") if span else []
        if span is None or len(raws) != len(self.sheets):
            raise _err(where, "its sheet list cannot be read")
        raw_of = {s.title: raw for s, raw in zip(self.sheets, raws)}
        ids = [int(m.group(1)) for raw in raws if (m := re.search(r'sheetId="(\d+)"', raw))]
        next_id = max(ids, default=0) + 1
        items = []
        for title in order:
            if title in plan_of:
                sheet = plan_of[title].sheet
                state = ' state="hidden"' if sheet.hidden else ""
                items.append(f'<{p}sheet xmlns:r="{NS_REL}" name={quote_attr(title)} sheetId="{next_id}"{state} '
                             f'r:id="{new_rid[title]}"/>')
                next_id += 1
            else:
                items.append(raw_of[title])
        text = text[:span.start()] + f"<{p}sheets>" + "".join(items) + f"</{p}sheets>" + text[span.end():]
        # defined names: the user's kept (sheet-scoped ones follow their sheet), the template's (re)defined
        old_index = {i: s.title for i, s in enumerate(self.sheets)}
        new_index = {title: i for i, title in enumerate(order)}
        span = _element(text, p, "definedNames")
        raws = _elements(span.group(0), p, "definedName") if span else []
        if len(raws) != len(self.names):
            raise _err(where, "its defined names cannot be read")
        items = []
        for (name, local, _), raw in zip(self.names, raws):
            if local is None:
                if name not in replaced:
                    items.append(raw)
                continue
            title = old_index.get(int(local)) if local.isdigit() else None
            if title is None or title in plan_of or title not in new_index:
                continue  # a name of a sheet that is replaced or gone
            start = _start_tag(raw)
            items.append(_set_attr(start, "localSheetId", new_index[title]) + raw[len(start):])
        items += [defined_name_xml(n, target).replace("<definedName", f"<{p}definedName", 1)
                  .replace("</definedName>", f"</{p}definedName>") for n, target in names.items()]
        block = f"<{p}definedNames>" + "".join(items) + f"</{p}definedNames>" if items else ""
        if span is not None:
            text = text[:span.start()] + block + text[span.end():]
        elif block:
            anchor = _element(text, p, "externalReferences") or _element(text, p, "functionGroups") or \
                _element(text, p, "sheets")
            text = text[:anchor.end()] + block + text[anchor.end():]
        # the tab the workbook opens on
        if active in new_index:
            view = re.search(rf"<{re.escape(p)}workbookView{_ATTRS}/?>", text)
            if view is not None:
                tag = _set_attr(view.group(0), "activeTab", new_index[active])
                if "firstSheet=" in tag:
                    tag = _set_attr(tag, "firstSheet", 0)
                text = text[:view.start()] + tag + text[view.end():]
        # recalculate everything on load (the new sheets carry formulas without cached values)
        calc = re.search(rf"<{re.escape(p)}calcPr{_ATTRS}/?>", text)
        if calc is not None:
            text = text[:calc.start()] + _set_attr(calc.group(0), "fullCalcOnLoad", 1) + text[calc.end():]
        else:
            anchor = _element(text, p, "definedNames") or _element(text, p, "externalReferences") or \
                _element(text, p, "functionGroups") or _element(text, p, "sheets")
            text = text[:anchor.end()] + f'<{p}calcPr calcId="124519" fullCalcOnLoad="1"/>' + text[anchor.end():]
        return text.encode("utf-8")


def _unselected(chunks):
    """A kept worksheet's bytes with its tab no longer selected (the flag sits in the first chunk's sheetView)."""
    first = True
    for chunk in chunks:
        if first:
            first = False
            view = re.search(rb"<(?:[\w.-]+:)?sheetView" + _ATTRS.encode() + rb"/?>", chunk)
            if view is not None and b"tabSelected" in view.group(0):
                chunk = chunk[:view.start()] + _TAB_SELECTED.sub(b"", view.group(0)) + chunk[view.end():]
        yield chunk


def read_workbook(path, limits=None) -> UserWorkbook:
    """Open a workbook for a Refresh (:class:`UserWorkbook`); close it (or use ``with``) when done."""
    return UserWorkbook(path, limits)
