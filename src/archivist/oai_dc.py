"""Write the record as OAI-PMH ``oai_dc`` XML: what a harvester reads beside each PDF.

Every element of the record is written in DCMES order, one XML element per value;
Lang Alt values (title, description, rights) carry ``xml:lang``. The bytes depend
only on the record, so two builds write the same file.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .dublincore import DC_NAMESPACE, ELEMENTS
from .record import Record

OAI_DC_NAMESPACE = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"


def _text(value: str) -> str:
    # An XML parser turns a raw CR into LF: a character reference keeps the value exact.
    return escape(value).replace("\r", "&#13;")


def oai_dc(record: Record) -> bytes:
    """The ``oai_dc:dc`` document for ``record``, UTF-8, ending with a newline."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NAMESPACE}" xmlns:dc="{DC_NAMESPACE}"',
        f'    xmlns:xsi="{XSI_NAMESPACE}"',
        f'    xsi:schemaLocation="{OAI_DC_NAMESPACE} {OAI_DC_SCHEMA}">',
    ]
    for element in ELEMENTS:
        tag = f"dc:{element.name}"
        for language, text in record.values.get(element.name, ()):
            lang = f" xml:lang={quoteattr(language)}" if language else ""
            lines.append(f"  <{tag}{lang}>{_text(text)}</{tag}>")
    lines.append("</oai_dc:dc>\n")
    return "\n".join(lines).encode("utf-8")
