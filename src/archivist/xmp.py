"""Write the XMP packet: every Dublin Core element with its XMP type, plus the PDF/A claim."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from .dublincore import ELEMENTS, NAMESPACES, Item, LangAlt, Value
from .profile import Profile
from .record import Record

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


def x_default(value: LangAlt, language: str) -> str:
    """The text of the x-default item: the document language's, else the first.

    PDF/A-1 compares the Info Title and Subject with the x-default item, so it must
    always exist; repeating the real language's text there is what the XMP
    specification recommends.
    """
    return value.text_in(language)


def keywords(subjects: Value) -> str:
    """pdf:Keywords and the Info /Keywords, derived from dc:subject."""
    return ", ".join(text for _, text in subjects)


def _dc_property(name: str, value: Value, language: str) -> str:
    tag = f"dc:{name}"
    if value.rdf is None:
        ((_, text),) = value
        return f"<{tag}>{_text(text)}</{tag}>"
    items = list(value)
    if isinstance(value, LangAlt):
        items.insert(0, Item("x-default", x_default(value, language)))
    lis = "".join(f"<rdf:li xml:lang={quoteattr(lang)}>{_text(text)}</rdf:li>" if lang
                  else f"<rdf:li>{_text(text)}</rdf:li>" for lang, text in items)
    return f"<{tag}><rdf:{value.rdf}>{lis}</rdf:{value.rdf}></{tag}>"


def build_xmp(record: Record, profile: Profile, provenance: Provenance) -> bytes:
    language = record.language
    dc = [
        _dc_property(element.name, record.values[element.name], language)
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
