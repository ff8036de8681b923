"""Write the XMP packet: every Dublin Core element with its XMP type, plus the PDF/A claim."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from .dublincore import ELEMENTS, NAMESPACES, LangAlt, Value
from .profile import Profile
from .record import Record
from .xmltext import escape, quoteattr

PDFA_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
PDFA_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"
WTPDF_ACCESSIBILITY = "http://pdfa.org/declarations/wtpdf#accessibility1.0"
PDFUA_REVISION = {2: "2024"}
PDFA_REVISION = {4: "2020"}
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
    if _ESCAPED.search(value) is None:  # most texts: found by one scan
        return value
    return escape(value).replace("\r", "&#13;")


_ESCAPED = re.compile("[&<>\r]")  # what ``_text`` writes otherwise


@lru_cache(maxsize=64)
def _language(tag: str) -> str:
    """An xml:lang attribute's value, quoted: for the few tags of an archive's records."""
    return quoteattr(tag)


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
    items = [("x-default", x_default(value, language)), *value.items] if isinstance(value, LangAlt) \
        else value.items
    lis = "".join([f"<rdf:li xml:lang={_language(lang)}>{_text(text)}</rdf:li>" if lang
                   else f"<rdf:li>{_text(text)}</rdf:li>" for lang, text in items])
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
    pdfaid = [f"<pdfaid:part>{profile.part}</pdfaid:part>"]
    if profile.conformance:
        pdfaid.append(f"<pdfaid:conformance>{profile.conformance}</pdfaid:conformance>")
    if profile.part in PDFA_REVISION:
        pdfaid.append(f"<pdfaid:rev>{PDFA_REVISION[profile.part]}</pdfaid:rev>")
    blocks = {"pdfaid": pdfaid, "dc": dc, "xmp": xmp, "pdf": pdf, "xmpMM": mm}
    blocks.update(_accessibility(profile))
    # One Description declaring every namespace used, no indentation: the packet is stored
    # unfiltered (PDF/A-1, 6.7.2), so each byte of it is a byte of every file.
    declarations = "".join(f' xmlns:{prefix}="{NAMESPACES[prefix]}"{_EXTRA_NS.get(prefix, "")}'
                           for prefix in blocks)
    body = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        f'<rdf:Description rdf:about=""{declarations}>\n'
        + "".join(line for lines in blocks.values() for line in lines)
        + "\n</rdf:Description></rdf:RDF></x:xmpmeta>\n"
    )
    return (PACKET_HEAD + body + PACKET_TAIL).encode("utf-8")


_EXTRA_NS = {"pdfaExtension": f' xmlns:pdfaSchema="{PDFA_SCHEMA}" xmlns:pdfaProperty="{PDFA_PROPERTY}"'}


def _accessibility(profile: Profile) -> dict[str, list[str]]:
    """The PDF/UA claim, the WTPDF declaration beside PDF/UA-2, and the extension schemas
    PDF/A parts 1-3 require for any schema outside their predefined list."""
    if not profile.ua:
        return {}
    blocks = {"pdfuaid": [f"<pdfuaid:part>{profile.ua}</pdfuaid:part>"]}
    if profile.ua in PDFUA_REVISION:
        blocks["pdfuaid"].append(f"<pdfuaid:rev>{PDFUA_REVISION[profile.ua]}</pdfuaid:rev>")
    schemas = [("PDF/UA identification", "pdfuaid",
                [("part", "Integer", "ISO 14289 part")]
                + ([("rev", "Integer", "ISO 14289 revision year")] if profile.ua in PDFUA_REVISION
                   else []))]
    if profile.ua == 2:
        blocks["pdfd"] = [
            '<pdfd:declarations><rdf:Bag><rdf:li rdf:parseType="Resource">'
            f"<pdfd:conformsTo>{WTPDF_ACCESSIBILITY}</pdfd:conformsTo>"
            "</rdf:li></rdf:Bag></pdfd:declarations>"
        ]
    if profile.needs_extension_schemas:
        items = "".join(
            '<rdf:li rdf:parseType="Resource">'
            f"<pdfaSchema:schema>{name}</pdfaSchema:schema>"
            f"<pdfaSchema:namespaceURI>{NAMESPACES[prefix]}</pdfaSchema:namespaceURI>"
            f"<pdfaSchema:prefix>{prefix}</pdfaSchema:prefix>"
            "<pdfaSchema:property><rdf:Seq>"
            + "".join('<rdf:li rdf:parseType="Resource">'
                      f"<pdfaProperty:name>{prop}</pdfaProperty:name>"
                      f"<pdfaProperty:valueType>{kind}</pdfaProperty:valueType>"
                      "<pdfaProperty:category>internal</pdfaProperty:category>"
                      f"<pdfaProperty:description>{about}</pdfaProperty:description>"
                      "</rdf:li>" for prop, kind, about in properties)
            + "</rdf:Seq></pdfaSchema:property></rdf:li>"
            for name, prefix, properties in schemas
        )
        blocks["pdfaExtension"] = [
            f"<pdfaExtension:schemas><rdf:Bag>{items}</rdf:Bag></pdfaExtension:schemas>"]
    return blocks
