"""The parts of an .xlsx package, one module per kind of part (ECMA-376 Part 1, SpreadsheetML).

Each module turns layout records (:mod:`workbook_templates.spec.layout`) into the
XML of its part: :mod:`.workbook` (workbook.xml: sheets, defined names),
:mod:`.worksheet` (one sheet around its streamed cells), :mod:`.styles`
(styles.xml), :mod:`.table`, :mod:`.drawing` and :mod:`.chart`,
:mod:`.docprops` (core and app properties) and :mod:`.theme`.
:mod:`workbook_templates.writing.package` puts them in the zip with their
content types and relationships.
"""
