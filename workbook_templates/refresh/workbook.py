"""``cskpi refresh``: a built workbook's computed sheets re-derived from its own tables, in the file.

The plan (:func:`~.plan.plan_refresh`) is the ribbon's; this module reads a
file for it (:class:`FileBook`, over :class:`~workbook_templates.writing.update.UserWorkbook`)
and has the package writer replace the plan's sheets and names in the file
(:meth:`~workbook_templates.writing.update.UserWorkbook.replace_sheets`), keeping
every other part of it byte for byte.
"""

from __future__ import annotations

from pathlib import Path

from ..spec.labels import t
from ..writing.stamp import Stamp, stamp_of
from ..writing.update import UserWorkbook, read_workbook
from .plan import TEMPLATE_NAMES, detect_lang, infer_template, plan_refresh

__all__ = ["FileBook", "refresh_workbook", "read_stamp"]


class FileBook:
    """A built workbook file, read for the refresh plan: its package for names, titles and stamp;
    :func:`kpi_core.load_dataset` for its tables (the same checks as any .xlsx input)."""

    def __init__(self, book: UserWorkbook, dataset) -> None:
        self.book, self._dataset = book, dataset

    def sheet_titles(self) -> list[str]:
        return self.book.sheetnames

    def read_name(self, name: str):
        return self.book.name_value(name)

    def dataset(self):
        return self._dataset

    def stamp(self) -> Stamp | None:
        return stamp_of(self.book.keywords, self.book.subject)

    def dashboard_title(self, lang: str):
        dashboard = t("dashboard", lang)
        return self.book.cell(dashboard, 1, 1) if dashboard in self.book.sheetnames else None


def read_stamp(book: UserWorkbook) -> tuple[str, str]:
    """(template kind, scope) of a workbook built by cskpi, opened with
    :func:`~workbook_templates.writing.update.read_workbook`: its stamp, or inferred from its sheets (an Account
    sheet means the account template; the scope is the Dashboard title after " — ")."""
    found = stamp_of(book.keywords, book.subject)
    if found is not None:
        return found.template, found.scope
    lang = detect_lang(book.sheetnames)
    return infer_template(book.sheetnames, FileBook(book, None).dashboard_title(lang))


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

    The file is rewritten at the package level
    (:mod:`workbook_templates.writing.update`): every part but the computed
    sheets', the workbook's sheet list, names and styles is kept byte for byte,
    so pictures, shapes, text boxes and charts on the user's sheets survive.

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
    kpi_core.files.OutputError
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
    from kpi_core import load_dataset
    from kpi_core.files import atomic_output, check_replaceable

    path = Path(path)
    check_replaceable(path)
    dataset = load_dataset(path)  # first: the archive and every table are checked before the package is read
    with atomic_output(path) as tmp, read_workbook(path) as book:  # closed before the new file replaces it
        plan = plan_refresh(FileBook(book, dataset))
        layout = plan.layout
        new_titles = {s.title for s in plan.computed}
        order = _final_order(book.sheetnames, plan.replaced, [s.title for s in layout.sheets], new_titles)
        stale = [n for n, local, _ in book.names
                 if local is None and (n.startswith("KPI_") or n in TEMPLATE_NAMES) and n not in layout.names]
        book.replace_sheets(tmp, plan.computed, remove=plan.replaced, order=order, names=layout.names,
                            drop_names=stale, lang=plan.lang, currency=layout.currency,
                            active=plan.computed[0].title if plan.computed else None)
    return path
