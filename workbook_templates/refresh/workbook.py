"""``cskpi refresh``: a built workbook's computed sheets re-derived from its own tables, in the file.

The plan (:func:`~.plan.plan_refresh`) is the ribbon's; this module reads a
file for it (:class:`FileBook`) and writes the plan's sheets and names into the
file, keeping every other sheet.
"""

from __future__ import annotations

from pathlib import Path

from kpi_core import KpiInputError

from ..spec.labels import t
from ..writing.stamp import Stamp, stamp_of
from .plan import TEMPLATE_NAMES, detect_lang, infer_template, plan_refresh

__all__ = ["FileBook", "refresh_workbook", "read_stamp"]

class FileBook:
    """A built workbook file, read for the refresh plan: openpyxl for its names, titles and stamp;
    :func:`kpi_core.load_dataset` for its tables (the same checks as any .xlsx input)."""

    def __init__(self, path: Path) -> None:
        import openpyxl

        from kpi_core import load_dataset

        self.path = path
        self._dataset = load_dataset(path)  # first: the archive and every table are checked before openpyxl reads
        try:
            # an .xlsm keeps its macros and its macro-enabled content type
            self.wb = openpyxl.load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
        except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's input error
            raise KpiInputError(f"{path.name}: not a readable workbook ({type(exc).__name__}: {exc})",
                                "value") from None

    def sheet_titles(self) -> list[str]:
        return list(self.wb.sheetnames)

    def read_name(self, name: str):
        from openpyxl.utils.cell import range_boundaries

        wb = self.wb
        if name not in wb.defined_names:
            raise KpiInputError(f"Settings: the workbook has no defined name {name}", "value", location=name)
        dests = list(wb.defined_names[name].destinations)
        if len(dests) != 1 or dests[0][0] not in wb.sheetnames:
            raise KpiInputError(f"Settings: the name {name} does not refer to a cell", "value", location=name)
        sheet, where = dests[0]
        ws = wb[sheet]
        c0, r0, c1, r1 = range_boundaries(where.replace("$", ""))
        if (c0, r0) == (c1, r1):
            return ws.cell(r0, c0).value
        return [[ws.cell(r, c).value for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]

    def dataset(self):
        return self._dataset

    def stamp(self) -> Stamp | None:
        return stamp_of(self.wb.properties.keywords, self.wb.properties.subject)

    def dashboard_title(self, lang: str):
        dashboard = t("dashboard", lang)
        return self.wb[dashboard].cell(1, 1).value if dashboard in self.wb.sheetnames else None


def read_stamp(wb) -> tuple[str, str]:
    """(template kind, scope) of an openpyxl workbook built by cskpi: its stamp, or inferred from its sheets
    (an Account sheet means the account template; the scope is the Dashboard title after " — ")."""
    found = stamp_of(wb.properties.keywords, wb.properties.subject)
    if found is not None:
        return found.template, found.scope
    dashboard = t("dashboard", detect_lang(wb.sheetnames))
    head = wb[dashboard].cell(1, 1).value if dashboard in wb.sheetnames else None
    return infer_template(wb.sheetnames, head)


def _final_order(current: list[str], old_computed: set[str], new_layout: list[str], new_computed: set[str]):
    """Sheet order after Refresh: the workbook's order, each new computed sheet at its old place,
    a computed sheet the old workbook lacked right after the layout sheet before it."""
    order = [title for title in current if title not in old_computed or title in new_computed]
    for i, title in enumerate(new_layout):
        if title in order:
            continue
        before = next((p for p in reversed(new_layout[:i]) if p in order), None)
        order.insert(order.index(before) + 1 if before else 0, title)
    return order


def refresh_workbook(path):
    """Re-derive a cskpi workbook's computed sheets from its own tables, headless (``cskpi refresh``).

    Reads the dataset from the workbook's Excel tables, the report period
    and health configuration from its Settings names and its language from
    its sheet titles; rebuilds the layout with the template and scope the
    workbook was built with (:func:`read_stamp`); then replaces the computed
    and helper sheets (same positions), redefines the template's names and
    saves atomically (the file keeps its permissions; a read-only file, or
    one in a read-only folder, is refused before any work). Data tables,
    Settings, Guide and every sheet the user added are kept; an .xlsm keeps
    its macros.

    openpyxl cannot keep charts and images of the sheets it loads: charts and
    images on user-added sheets are lost (the computed sheets' charts are
    rewritten). The ribbon's Refresh inside Excel does not have this
    limitation.

    Parameters
    ----------
    path : str or Path
        An .xlsx written by cskpi (``cskpi build``/``demo``) and perhaps edited.

    Returns
    -------
    pathlib.Path
        `path`.

    Raises
    ------
    KpiInputError
        Bad data in a table (naming table, cell and column), a bad setting, or
        a workbook not built by cskpi.
    workbook_templates.files.OutputError
        The file cannot be replaced (read-only, full disk): it is unchanged.

    Examples
    --------
    >>> import tempfile, pathlib, kpi_core
    >>> from workbook_templates.templates.portfolio import portfolio_layout
    >>> from workbook_templates.writing.xlsx import write_xlsx
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "book.xlsx"
    >>> _ = write_xlsx(portfolio_layout(kpi_core.sample_dataset(n_customers=5)), path)
    >>> refresh_workbook(path).name
    'book.xlsx'
    """
    from kpi_core.files import atomic_output, check_replaceable

    from ..writing.xlsx import set_names, write_sheet

    path = Path(path)
    check_replaceable(path)
    book = FileBook(path)
    plan = plan_refresh(book)
    wb, layout = book.wb, plan.layout
    new_titles = {s.title for s in plan.computed}
    order = _final_order(wb.sheetnames, plan.replaced, [s.title for s in layout.sheets], new_titles)
    for title in plan.replaced:
        wb.remove(wb[title])
    for sheet in plan.computed:
        write_sheet(wb.create_sheet(sheet.title), sheet, plan.lang)
    for i, title in enumerate(order):
        wb.move_sheet(wb[title], offset=i - wb.sheetnames.index(title))
    stale = [n for n in wb.defined_names if (n.startswith("KPI_") or n in TEMPLATE_NAMES) and n not in layout.names]
    for name in stale:
        del wb.defined_names[name]
    set_names(wb, layout)
    first = order.index(plan.computed[0].title) if plan.computed else 0
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = False
    wb.active = first
    wb.active.sheet_view.tabSelected = True
    with atomic_output(path) as tmp:
        wb.save(tmp)
    return path
