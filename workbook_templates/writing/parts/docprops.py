"""docProps/core.xml and docProps/app.xml: the document properties.

core.xml carries the template stamp (:mod:`workbook_templates.writing.stamp`:
keywords, subject, title, creator) and the time the file was written;
app.xml only names the application, so it is the same in every file.
"""

from __future__ import annotations

import datetime as _dt

from ..ooxml import DECLARATION, escape
from ..stamp import Stamp

__all__ = ["core_xml", "APP_XML", "NS_CORE"]

NS_CORE = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
_NS = (f'xmlns:cp="{NS_CORE}" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
       'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"')

#: docProps/app.xml
APP_XML = (DECLARATION
           + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
           'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
           "<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
           "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
           "<HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion></Properties>").encode("utf-8")


def core_xml(stamp: Stamp | None, when: _dt.datetime | None = None) -> bytes:
    """docProps/core.xml with the stamp (none for a data workbook), created and modified at `when` (UTC;
    default now).

    Examples
    --------
    >>> import datetime as dt
    >>> xml = core_xml(Stamp("account", "Acme & Co"), dt.datetime(2026, 1, 2, 3, 4, 5)).decode()
    >>> "<cp:keywords>cskpi-template=account</cp:keywords>" in xml, "<dc:subject>Acme &amp; Co</dc:subject>" in xml
    (True, True)
    >>> '<dcterms:modified xsi:type="dcterms:W3CDTF">2026-01-02T03:04:05Z</dcterms:modified>' in xml
    True
    >>> b"keywords" in core_xml(None)
    False
    """
    when = when or _dt.datetime.now(tz=_dt.timezone.utc)
    stamp_time = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    creator = escape(stamp.creator if stamp is not None else Stamp.creator)
    props = (f"<dc:title>{escape(stamp.title)}</dc:title><dc:subject>{escape(stamp.scope)}</dc:subject>"
             if stamp is not None else "")
    props += f"<dc:creator>{creator}</dc:creator>"
    if stamp is not None:
        props += f"<cp:keywords>{escape(stamp.keywords)}</cp:keywords>"
    return (DECLARATION + f"<cp:coreProperties {_NS}>{props}<cp:lastModifiedBy>{creator}</cp:lastModifiedBy>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp_time}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp_time}</dcterms:modified>'
            "</cp:coreProperties>").encode("utf-8")
