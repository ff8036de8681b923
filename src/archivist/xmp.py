"""Write the XMP packet: every Dublin Core element with its XMP type, plus the PDF/A claim."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from .dublincore import DC_NAMESPACE, ELEMENTS, keywords, x_default
from .profile import Profile
from .record import Record

NAMESPACES = {
    "dc": DC_NAMESPACE,
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
}
PACKET_HEAD = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
PACKET_TAIL = '<?xpacket end="w"?>'


@dataclass(frozen=True)
class Provenance:
    """What the XMP says about the file itself, beside the record's Dublin Core."""

    created: datetime
    producer: str
    creator_tool: str
    document_id: str
    instance_id: str


def xmp_date(instant: datetime) -> str:
    return instant.isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(value: str) -> str:
    # XML parsers turn a raw CR into LF: a character reference keeps it exact.
    return escape(value).replace("\r", "&#13;")


def _dc_property(name: str, value, container: str | None, language: str) -> str:
    tag = f"dc:{name}"
    if container is None:
        return f"<{tag}>{_text(value)}</{tag}>"
    if container == "Alt":
        items = [("x-default", x_default(value, language)), *value]
        lis = "".join(f"<rdf:li xml:lang={quoteattr(lang)}>{_text(text)}</rdf:li>" for lang, text in items)
    else:
        lis = "".join(f"<rdf:li>{_text(item)}</rdf:li>" for item in value)
    return f"<{tag}><rdf:{container}>{lis}</rdf:{container}></{tag}>"


def build_xmp(record: Record, profile: Profile, provenance: Provenance) -> bytes:
    language = record.language
    dc = [
        _dc_property(element.name, record.values[element.name], element.container, language)
        for element in ELEMENTS
        if element.name in record.values
    ]
    stamp = xmp_date(provenance.created)
    xmp = [
        f"<xmp:CreateDate>{stamp}</xmp:CreateDate>",
        f"<xmp:ModifyDate>{stamp}</xmp:ModifyDate>",
        f"<xmp:MetadataDate>{stamp}</xmp:MetadataDate>",
        f"<xmp:CreatorTool>{_text(provenance.creator_tool)}</xmp:CreatorTool>",
    ]
    pdf = [f"<pdf:Producer>{_text(provenance.producer)}</pdf:Producer>"]
    if "subject" in record.values:
        pdf.append(f"<pdf:Keywords>{_text(keywords(record.values['subject']))}</pdf:Keywords>")
    mm = [
        f"<xmpMM:DocumentID>{_text(provenance.document_id)}</xmpMM:DocumentID>",
        f"<xmpMM:InstanceID>{_text(provenance.instance_id)}</xmpMM:InstanceID>",
    ]
    pdfaid = [
        f"<pdfaid:part>{profile.part}</pdfaid:part>",
        f"<pdfaid:conformance>{profile.conformance}</pdfaid:conformance>",
    ]
    blocks = {"pdfaid": pdfaid, "dc": dc, "xmp": xmp, "pdf": pdf, "xmpMM": mm}
    descriptions = "".join(
        f'<rdf:Description rdf:about="" xmlns:{prefix}="{NAMESPACES[prefix]}">\n  '
        + "\n  ".join(lines)
        + "\n </rdf:Description>\n "
        for prefix, lines in blocks.items()
    )
    body = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n '
        + descriptions
        + "</rdf:RDF>\n</x:xmpmeta>\n"
    )
    return (PACKET_HEAD + body + PACKET_TAIL).encode("utf-8")
