"""Turn reportlab's PDF into PDF/A: XMP, Info, OutputIntent, /ID, /Lang, the structure tree,
associated files."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import datetime
from functools import cache
from importlib.resources import files

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
    create_string_object,
)

from . import __version__
from .dublincore import DOCINFO, ONLY_ITEM, X_DEFAULT, LangAlt
from .embedded import EmbeddedFile
from .layout import Typeset
from .profile import Profile
from .record import Record
from .xmp import Provenance, build_xmp, keywords, x_default

ICC_NAME = "sRGB IEC61966-2.1"


@cache
def srgb_profile() -> bytes:
    return (files("archivist") / "data" / "icc" / "sRGB-v2-compact.icc").read_bytes()


def producer() -> str:
    from importlib.metadata import version

    return f"archivist {__version__} (reportlab {version('reportlab')}, pypdf {version('pypdf')})"


def pdf_date(instant: datetime) -> str:
    return instant.strftime("D:%Y%m%d%H%M%S+00'00'")


def make_pdfa(
    typeset: Typeset,
    record: Record,
    profile: Profile,
    created: datetime,
    inputs_digest: bytes,
    attachments: tuple[EmbeddedFile, ...] = (),
) -> bytes:
    """Add what PDF/A requires to the typeset PDF; ``inputs_digest`` makes /ID and InstanceID."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(typeset.pdf)))
    writer.pdf_header = f"%PDF-{profile.pdf_version}"
    key = record.identifier or record.path.stem
    provenance = Provenance(
        created=created,
        producer=producer(),
        creator_tool=f"archivist {__version__}",
        document_id=f"uuid:{uuid.uuid5(uuid.NAMESPACE_URL, key)}",
        instance_id=f"uuid:{uuid.UUID(bytes=inputs_digest[:16], version=4)}",
    )
    root = writer._root_object
    for unwanted in ("/OpenAction", "/AA", "/Names", "/Outlines", "/PageMode"):
        root.pop(unwanted, None)
    metadata = DecodedStreamObject()
    metadata.set_data(build_xmp(record, profile, provenance))  # unfiltered, as PDF/A-1 demands
    metadata.update({NameObject("/Type"): NameObject("/Metadata"),
                     NameObject("/Subtype"): NameObject("/XML")})
    root[NameObject("/Metadata")] = writer._add_object(metadata)
    root[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(_output_intent(writer))])
    root[NameObject("/Lang")] = TextStringObject(record.language)
    _tag(writer, typeset, profile)
    writer.metadata = _info(record, provenance) if profile.keeps_info else None
    writer._ID = ArrayObject([ByteStringObject(inputs_digest[:16])] * 2)
    if attachments:
        _attach(writer, attachments, created)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _tag(writer: PdfWriter, typeset: Typeset, profile: Profile) -> None:
    """The logical structure: Document > H1, P..., each element listing its marked content.

    PDF/UA-2 and Well-Tagged PDF want the elements in the PDF 2.0 structure namespace.
    """
    root = writer._root_object
    pages = [page.indirect_reference for page in writer.pages]
    tree_root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    tree_ref = writer._add_object(tree_root)
    namespace = None
    if profile.pdf_version == "2.0":
        namespace = writer._add_object(DictionaryObject({
            NameObject("/Type"): NameObject("/Namespace"),
            NameObject("/NS"): TextStringObject("http://iso.org/pdf2/ssn"),
        }))
        tree_root[NameObject("/Namespaces")] = ArrayObject([namespace])

    def element(role: str, parent) -> tuple[DictionaryObject, IndirectObject]:
        # /Type /StructElem is optional (ISO 32000-1, table 323): a dozen bytes per element.
        node = DictionaryObject({NameObject("/S"): NameObject("/" + role), NameObject("/P"): parent})
        if namespace is not None:
            node[NameObject("/NS")] = namespace
        return node, writer._add_object(node)

    document, document_ref = element("Document", tree_ref)
    kids = ArrayObject()
    parents: list[list[IndirectObject]] = [[] for _ in pages]
    for item in typeset.elements:
        node, ref = element(item.role, document_ref)
        home = item.marks[0].page
        node[NameObject("/Pg")] = pages[home]
        content = ArrayObject()
        for mark in item.marks:
            if mark.page == home:
                content.append(NumberObject(mark.mcid))
            else:
                content.append(DictionaryObject({  # optional /Type /MCR: poppler needs it
                    NameObject("/Type"): NameObject("/MCR"), NameObject("/Pg"): pages[mark.page],
                    NameObject("/MCID"): NumberObject(mark.mcid)}))
            on_page = parents[mark.page]
            assert mark.mcid == len(on_page), "MCIDs are numbered 0, 1, ... on each page"
            on_page.append(ref)
        node[NameObject("/K")] = content[0] if len(content) == 1 else content
        kids.append(ref)
    document[NameObject("/K")] = kids
    numbers = ArrayObject()
    for index, (page, refs) in enumerate(zip(writer.pages, parents, strict=True)):
        page[NameObject("/StructParents")] = NumberObject(index)
        for obsolete in ("/ProcSet", "/Trans", "/Rotate"):  # ignored since PDF 1.4, empty, the default
            (page["/Resources"] if obsolete == "/ProcSet" else page).pop(obsolete, None)
        numbers += [NumberObject(index), ArrayObject(refs)]
    tree_root[NameObject("/K")] = document_ref
    tree_root[NameObject("/ParentTree")] = writer._add_object(
        DictionaryObject({NameObject("/Nums"): numbers}))
    tree_root[NameObject("/ParentTreeNextKey")] = NumberObject(len(pages))
    root[NameObject("/StructTreeRoot")] = tree_ref
    root[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): BooleanObject(True)})
    root[NameObject("/ViewerPreferences")] = DictionaryObject(
        {NameObject("/DisplayDocTitle"): BooleanObject(True)})


def _output_intent(writer: PdfWriter) -> DictionaryObject:
    icc = DecodedStreamObject()
    icc.set_data(srgb_profile())
    icc[NameObject("/N")] = NumberObject(3)
    icc = icc.flate_encode(level=9)
    return DictionaryObject({
        NameObject("/Type"): NameObject("/OutputIntent"),
        NameObject("/S"): NameObject("/GTS_PDFA1"),
        NameObject("/OutputConditionIdentifier"): TextStringObject(ICC_NAME),
        NameObject("/Info"): TextStringObject(ICC_NAME),
        NameObject("/RegistryName"): TextStringObject("http://www.color.org"),
        NameObject("/DestOutputProfile"): writer._add_object(icc),
    })


def _info(record: Record, provenance: Provenance) -> dict[str, str]:
    """The Info dictionary: each entry of ``DOCINFO``, the mirror of its XMP property."""
    properties = {  # the paired properties build_xmp writes beside dc
        ("pdf", "Keywords"): keywords(record.values["subject"]) if "subject" in record.values else None,
        ("xmp", "CreatorTool"): provenance.creator_tool,
        ("pdf", "Producer"): provenance.producer,
        ("xmp", "CreateDate"): pdf_date(provenance.created),
        ("xmp", "ModifyDate"): pdf_date(provenance.created),
    }
    info = {}
    for pair in DOCINFO:
        if pair.prefix != "dc":
            text = properties[pair.prefix, pair.name]
        elif (value := record.values.get(pair.name)) is None:
            text = None
        elif pair.mirror == X_DEFAULT:
            assert isinstance(value, LangAlt), pair
            text = x_default(value, record.language)
        else:  # PDF/A-1 pairs /Author with dc:creator only when there is a single creator
            assert pair.mirror == ONLY_ITEM, pair
            texts = [text for _, text in value]
            text = texts[0] if len(texts) == 1 else None
        if text is not None:
            info[pair.info_key] = text
    return info


def _attach(writer: PdfWriter, attachments: tuple[EmbeddedFile, ...], created: datetime) -> None:
    """Embed files as PDF/A-3 associated files (ISO 19005-3, 6.8)."""
    specs = []
    names = ArrayObject()
    for item in sorted(attachments, key=lambda a: a.name):
        stream = DecodedStreamObject()
        stream.set_data(item.data)
        stream = stream.flate_encode(level=9)
        stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
        stream[NameObject("/Subtype")] = NameObject("/" + item.mime)  # pypdf writes / as #2F
        stream[NameObject("/Params")] = DictionaryObject({
            NameObject("/Size"): NumberObject(len(item.data)),
            NameObject("/CreationDate"): TextStringObject(pdf_date(created)),
            NameObject("/ModDate"): TextStringObject(pdf_date(created)),
            NameObject("/CheckSum"): ByteStringObject(hashlib.md5(item.data).digest()),
        })
        spec = DictionaryObject({
            NameObject("/Type"): NameObject("/Filespec"),
            NameObject("/F"): create_string_object(item.name),
            NameObject("/UF"): TextStringObject(item.name),
            NameObject("/Desc"): TextStringObject(item.description),
            NameObject("/AFRelationship"): NameObject(item.relationship),
        })
        stream_ref = writer._add_object(stream)
        spec[NameObject("/EF")] = DictionaryObject({NameObject("/F"): stream_ref,
                                                    NameObject("/UF"): stream_ref})
        ref = writer._add_object(spec)
        specs.append(ref)
        names.extend([TextStringObject(item.name), ref])
    root = writer._root_object
    root[NameObject("/AF")] = ArrayObject(specs)
    root[NameObject("/Names")] = DictionaryObject({
        NameObject("/EmbeddedFiles"): DictionaryObject({NameObject("/Names"): names}),
    })
