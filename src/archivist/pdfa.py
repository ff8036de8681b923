"""Make the typeset document PDF/A: XMP, Info, OutputIntent, /ID, /Lang, the structure tree,
associated files, written with reportlab's own objects in the pass that writes the file.

The typesetter hands over reportlab's document with its pages drawn and nothing written yet;
this stage adds its objects and a catalog of its own, and ``pdfwrite`` serialises them all once.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from codecs import charmap_build, charmap_encode
from datetime import datetime
from functools import cache, lru_cache
from importlib.resources import files
from itertools import repeat

from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDictionary,
    PDFDocument,
    PDFName,
    PDFObjectReference,
    PDFStream,
    PDFZCompress,
)
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, SUBSETN

from . import __version__
from .dublincore import DOCINFO, ONLY_ITEM, X_DEFAULT, LangAlt
from .embedded import EmbeddedFile
from .fonts import FACES, LINING_FIGURES, subset_program
from .layout import Typeset
from .pdfwrite import flate, number_array, pdf_bytes, register, reuse, serialise
from .profile import Profile
from .record import Record
from .xmp import Provenance, build_xmp, keywords, x_default

ICC_NAME = "sRGB IEC61966-2.1"
TRUE = "true"


@cache
def srgb_profile() -> bytes:
    return (files("archivist") / "data" / "icc" / "sRGB-v2-compact.icc").read_bytes()


@cache
def _compressed_srgb_profile() -> bytes:
    return flate(srgb_profile())


@cache
def producer() -> str:
    """The version comes from the module itself: importlib.metadata would import email
    and read every installed distribution's metadata."""
    import reportlab

    return f"archivist {__version__} (reportlab {reportlab.Version})"


# Byte values PDFDocEncoding leaves undefined (ISO 32000-1, table D.2), which reportlab's
# codec would pass through as if they were the Latin-1 characters.
_UNDEFINED_IN_PDFDOC = (frozenset(range(0x18)) - {0x09, 0x0A, 0x0D}) | {0x7F, 0x9F, 0xAD}
_UNDEFINED_BYTES = bytes(sorted(_UNDEFINED_IN_PDFDOC))  # to find them with one bytes.translate
_LITERAL = {byte: bytes([byte]) for byte in range(0x100)}
_LITERAL.update({byte: b"\\%03o" % byte for byte in range(0x20)})
_LITERAL.update({ord("\\"): b"\\\\", ord("("): b"\\(", ord(")"): b"\\)"})


# reportlab's PDFDocEncoding codec, which gives each of 256 characters a byte of its own, as an
# encoding table of codecs: reportlab's looks each character up in a dictionary, from Python.
_PDFDOC = charmap_build(bytes(range(0x100)).decode("pdfdoc"))  # reportlab registers the codec


def text_string(text: str) -> bytes:
    """A PDF text string (ISO 32000-1, 7.9.2.2): PDFDocEncoding when it can say ``text``
    exactly, else UTF-16BE with its byte order mark."""
    try:
        data = charmap_encode(text, "strict", _PDFDOC)[0]
    except UnicodeEncodeError:
        data = None
    if data is None or len(data.translate(None, _UNDEFINED_BYTES)) != len(data):
        return b"<feff" + text.encode("utf-16-be").hex().encode("ascii") + b">"
    return b"(" + _ESCAPED.sub(_escape, data) + b")"


# What ``_LITERAL`` writes otherwise than as the byte itself: found by one scan of the string.
_ESCAPED = re.compile(b"[%s]" % re.escape(bytes(byte for byte, written in _LITERAL.items()
                                                 if written != bytes([byte]))))


def _escape(match: re.Match[bytes]) -> bytes:
    return _LITERAL[match.group()[0]]


@lru_cache(maxsize=256)
def _name(text: str) -> str:
    """reportlab's PDFName, which escapes character by character, once for each of the few names
    an article repeats (roles, subset font names)."""
    return PDFName(text)


# uuid.uuid5(uuid.NAMESPACE_URL, key) is the SHA-1 of these bytes and the key's UTF-8 (RFC 4122, 4.3)
_URL_NAMESPACE = uuid.NAMESPACE_URL.bytes


def uuid_text(digest: bytes, version: int) -> str:
    """The UUID of ``version`` made of the first 16 bytes of ``digest``, as str(uuid.UUID(...))
    writes it (tests hold the two equal): the uuid module takes as long to check and write it as
    the rest of the XMP's identifiers together."""
    data = bytearray(digest[:16])
    data[6] = data[6] & 0x0F | version << 4  # the version
    data[8] = data[8] & 0x3F | 0x80  # the RFC 4122 variant
    text = data.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


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
    """The PDF/A file; ``inputs_digest`` makes /ID and InstanceID."""
    document = typeset.document
    for font in document.delayedFonts:  # the font subsets become objects now the pages are drawn
        _add_font(document, font)
    key = record.identifier or record.path.stem
    provenance = Provenance(
        created=created,
        producer=producer(),
        creator_tool=f"archivist {__version__}",
        document_id=f"uuid:{uuid_text(hashlib.sha1(_URL_NAMESPACE + key.encode()).digest(), 5)}",
        instance_id=f"uuid:{uuid_text(inputs_digest, 4)}",
    )
    _page_tree(document)
    # reportlab's own catalog would add /PageMode and /Outlines; this one holds what PDF/A asks.
    metadata = PDFStream(PDFDictionary({"Type": "/Metadata", "Subtype": "/XML"}),
                         build_xmp(record, profile, provenance))  # unfiltered, as PDF/A-1 demands
    catalog = PDFDictionary({
        "Type": "/Catalog",
        "Pages": document.Reference(document.Pages),
        "Metadata": document.Reference(metadata),
        "OutputIntents": PDFArray([_output_intent(document)]),  # direct: an object less to parse
        "Lang": text_string(record.language),
        "MarkInfo": PDFDictionary({"Marked": TRUE}),
        "ViewerPreferences": PDFDictionary({"DisplayDocTitle": TRUE}),
    })
    catalog["StructTreeRoot"] = _tag(document, typeset, profile)
    if attachments:
        _attach(document, catalog, attachments, created)
    root = document.Reference(catalog)
    info = None
    if profile.keeps_info:
        entries = {key[1:]: text_string(text) for key, text in _info(record, provenance).items()}
        info = document.Reference(PDFDictionary(entries))
    _write_pages(document)
    return serialise(document, profile.pdf_version, root, info, inputs_digest[:16])


def _add_font(document: PDFDocument, font) -> None:
    """The objects of each subset of a TrueType font the pages drew: the objects and names
    reportlab's ``TTFont.addObjects`` gives them, less what the standard leaves optional (tests
    hold the rest equal), with the font program from ``fonts.subset_program``, which reads what
    every subset shares once per face."""
    state = font.state[document]
    state.frozen = 1  # no character gets a code any more
    face = font.face
    widths, default_width = face.charWidths, face.defaultWidth
    fonts = document.idToObject["BasicFonts"].dict
    regular = FACES["regular"][0]
    for number, codes in enumerate(state.subsets):
        if number == 0 and state.assignments.get(32) != 32:
            # The space was not kept at code 32 (the typesetter frees it in the faces it never
            # justifies): past the codes given, reportlab's list holds only padding, unused.
            codes = codes[:state.nextCode]
        name = font.getSubsetInternalName(number, document)[1:]
        base_font = b"".join((SUBSETN(number), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
        advances = list(map(widths.get, codes, repeat(default_width)))
        # what a reader gets: each figure the regular face draws as a lining one is that figure
        read_as = list(map(LINING_FIGURES.get, codes, codes)) if font.fontName == regular else codes
        to_unicode = PDFStream(content=_to_unicode_cmap(base_font, read_as))
        program = PDFStream(content=subset_program(face, codes))
        program.dictionary["Length1"] = len(program.content)
        if document.compression:
            to_unicode.filters = program.filters = [PDFZCompress]
        to_unicode_ref = document.Reference(to_unicode, "toUnicodeCMap:" + base_font)
        program_ref = document.Reference(program, f"fontFile:{face.filename}({base_font})")
        # The descriptor and the font, written here as pdfwrite writes reportlab's PDFDictionary
        # and PDFTrueTypeFont of the same entries (tests hold them equal).
        font_name = _name(base_font).encode("latin-1")
        descriptor = register(document, "fontDescriptor:" + base_font, b"".join([
            b"<</Type /FontDescriptor/Ascent %s/CapHeight %s/Descent %s/Flags %d/FontBBox %s" % (
                pdf_bytes(face.ascent, document), pdf_bytes(face.capHeight, document),
                pdf_bytes(face.descent, document), face.flags & ~FF_NONSYMBOLIC | FF_SYMBOLIC,
                number_array(face.bbox, document)),
            b"/FontName %s/ItalicAngle %s/StemV %s/FontFile2 %s>>" % (
                font_name, pdf_bytes(face.italicAngle, document), pdf_bytes(face.stemV, document),
                pdf_bytes(program_ref, document)),
        ]))  # no /MissingWidth: /Widths covers every code of the subset
        register(document, name, b"".join([
            # no /Name: required in PDF 1.0 only (ISO 32000-1, table 111)
            b"<</Type /Font/Subtype /TrueType/BaseFont %s/FirstChar 0/LastChar %d/Widths %s" % (
                font_name, len(codes) - 1, number_array(advances, document)),
            b"/ToUnicode %s/FontDescriptor %d 0 R>>" % (pdf_bytes(to_unicode_ref, document), descriptor),
        ]))
        fonts[name] = PDFObjectReference(name)
    del font.state[document]


def _to_unicode_cmap(font_name: str, codes: list[int]) -> str:
    """reportlab's ``makeToUnicodeCMap`` (tests hold the two equal): code ``n`` is ``codes[n]``,
    the mapping lines made from a table of each code's part rather than formatted one by one."""
    hexes = list(map(_HEX4.get, codes))
    if None in hexes:
        hexes = [_HEX4.get(char) or _HEX4.setdefault(char, f"<{char:04X}>") for char in codes]
    lines = "\n".join(map(str.__add__, _CMAP_CODES, hexes))
    return (f"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo\n"
            f"<< /Registry ({font_name})\n/Ordering ({font_name})\n/Supplement 0\n>> def\n"
            f"/CMapName /{font_name} def\n/CMapType 2 def\n1 begincodespacerange\n"
            f"<00> <{len(codes) - 1:02X}>\nendcodespacerange\n{len(codes)} beginbfchar\n{lines}\n"
            "endbfchar\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend")


_CMAP_CODES = [f"<{code:02X}> " for code in range(0x100)]
# A character's UTF-16 code as the map writes it: no more entries than the faces have glyphs.
_HEX4: dict[int, str] = {}


def _tag(document: PDFDocument, typeset: Typeset, profile: Profile):
    """The logical structure: Document > H1, P..., each element listing its marked content.

    PDF/UA-2 and Well-Tagged PDF want the elements in the PDF 2.0 structure namespace.

    An element is written here, as the bytes ``pdfwrite`` would make of its dictionary (tests
    hold them equal), once its number is known: an article has one or more per paragraph.
    """
    pages = document.Pages.pages
    number_of = document.idToObjectNumberAndVersion
    page_numbers = [number_of[document.Reference(page).name][0] for page in pages]
    tree_root = PDFDictionary({"Type": "/StructTreeRoot"})
    tree_ref = document.Reference(tree_root)
    in_namespace = b""
    if profile.pdf_version == "2.0":
        namespace = document.Reference(PDFDictionary({
            "Type": "/Namespace", "NS": text_string("http://iso.org/pdf2/ssn")}))
        tree_root["Namespaces"] = PDFArray([namespace])
        in_namespace = b"/NS %d 0 R" % number_of[namespace.name][0]

    def element(index: int) -> tuple[str, int]:
        """A structure element's name and number, its bytes to come."""
        name = f"StructElem{index}"
        return name, register(document, name)

    # /Type /StructElem is optional (ISO 32000-1, table 323): a dozen bytes per element.
    document_name, document_number = element(0)
    head = b"/P %d 0 R%s" % (document_number, in_namespace)
    kids = []
    parents: list[list[int]] = [[] for _ in pages]
    for index, item in enumerate(typeset.elements, 1):
        name, number = element(index)
        home = item.marks[0].page
        content = []
        for mark in item.marks:
            if mark.page == home:
                content.append(b"%d" % mark.mcid)
            else:  # optional /Type /MCR: poppler needs it
                content.append(b"<</Type /MCR/Pg %d 0 R/MCID %d>>" % (page_numbers[mark.page], mark.mcid))
            on_page = parents[mark.page]
            assert mark.mcid == len(on_page), "MCIDs are numbered 0, 1, ... on each page"
            on_page.append(number)
        shown = content[0] if len(content) == 1 else b"[%s]" % b" ".join(content)
        document.idToObject[name] = b"<</S %s%s/Pg %d 0 R/K %s>>" % (
            _name(item.role).encode("latin-1"), head, page_numbers[home], shown)
        kids.append(number)
    document.idToObject[document_name] = b"<</S /Document/P %d 0 R%s/K %s>>" % (
        number_of[tree_ref.name][0], in_namespace, _references(kids))
    # each page's StructParents is its index (``_write_pages``)
    numbers = [b"%d %s" % (index, _references(refs)) for index, refs in enumerate(parents)]
    tree_root["K"] = PDFObjectReference(document_name)
    # direct, as the catalog's output intent: an object less for a reader to find and parse
    tree_root["ParentTree"] = PDFDictionary({"Nums": b"[%s]" % b" ".join(numbers)})
    tree_root["ParentTreeNextKey"] = len(pages)
    return tree_ref


def _references(numbers: list[int]) -> bytes:
    """An array of references to the objects so numbered, as ``pdfwrite`` writes it."""
    return b"[%s]" % b" ".join([b"%d 0 R" % number for number in numbers])


def _page_tree(document: PDFDocument) -> None:
    """Every page has the same size: the page tree says it once, for its pages to inherit (ISO
    32000-1, 7.7.3.4). Their resources, the fonts, are one dictionary every page refers to:
    PDF/A wants them on each page (ISO 19005-2, 6.2.2), not inherited. It takes the number of
    the fonts dictionary reportlab registered first, which nothing refers to any more."""
    pages = document.Pages.pages
    resources = PDFDictionary({"Font": PDFDictionary(document.idToObject["BasicFonts"].dict)})
    reuse(document, "BasicFonts", resources)
    for page in pages:
        if page.XObjects or page.ExtGState or page._shadingUsed or page._colorsUsed:
            raise ValueError("a page draws images, shadings or transparency: its resources need more "
                             "than fonts")  # the typesetter draws text and rules only
        if (page.pagewidth, page.pageheight) != (pages[0].pagewidth, pages[0].pageheight) or page.MediaBox:
            raise ValueError("the pages differ in size: each needs a MediaBox of its own")
        page.Rotate = page.Trans = None  # the default, and an empty transition: nothing to say
        if any(getattr(page, key, None) for key in page.__NoDefault__) or not page.stream:
            raise ValueError("a page has entries of its own, or nothing drawn: the PDF/A stage writes "
                             "a page's parent, resources, content and structure only")


def _write_pages(document: PDFDocument) -> None:
    """The page tree and its pages, written here as pdfwrite writes reportlab's PDFPages and
    PDFPage of the same entries (tests hold them equal); each page's content stream is numbered
    as reportlab numbers it, when the page is written: after every other object."""
    tree = document.Pages
    pages = tree.pages
    number_of = document.idToObjectNumberAndVersion
    tree_number = number_of[tree.__InternalName__][0]  # the catalog's /Pages
    resources = number_of["BasicFonts"][0]  # ``_page_tree``
    for index, page in enumerate(pages):
        contents = PDFStream(content=page.stream)
        if page.compression:
            contents.filters = [PDFZCompress]
        document.idToObject[page.__InternalName__] = (
            b"<</Type /Page/Parent %d 0 R/Resources %d 0 R/Contents %s/StructParents %d>>"
            % (tree_number, resources, pdf_bytes(document.Reference(contents), document), index))
    document.idToObject[tree.__InternalName__] = b"<</Type /Pages/Kids %s/Count %d/MediaBox %s>>" % (
        _references([number_of[page.__InternalName__][0] for page in pages]), len(pages),
        number_array([0, 0, pages[0].pagewidth, pages[0].pageheight], document))


def _output_intent(document: PDFDocument) -> PDFDictionary:
    """The output intent, with its ICC profile (PDF/A-2, 6.2.3). No /RegistryName, optional
    (ISO 32000-1, table 365): the condition is described by the embedded profile and /Info."""
    icc = PDFStream(PDFDictionary({"N": 3, "Filter": "/FlateDecode"}), _compressed_srgb_profile())
    return PDFDictionary({
        "Type": "/OutputIntent",
        "S": "/GTS_PDFA1",
        "OutputConditionIdentifier": text_string(ICC_NAME),
        "Info": text_string(ICC_NAME),
        "DestOutputProfile": document.Reference(icc),
    })


def _info(record: Record, provenance: Provenance) -> dict[str, str]:
    """The Info dictionary: each entry of ``DOCINFO``, the mirror of its XMP property."""
    date = pdf_date(provenance.created)
    properties = {  # the paired properties build_xmp writes beside dc
        ("pdf", "Keywords"): keywords(record.values["subject"]) if "subject" in record.values else None,
        ("xmp", "CreatorTool"): provenance.creator_tool,
        ("pdf", "Producer"): provenance.producer,
        ("xmp", "CreateDate"): date,
        ("xmp", "ModifyDate"): date,
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


def _attach(document: PDFDocument, catalog: PDFDictionary, attachments: tuple[EmbeddedFile, ...],
            created: datetime) -> None:
    """Embed files as PDF/A-3 associated files (ISO 19005-3, 6.8)."""
    specs, names = [], []
    for item in sorted(attachments, key=lambda a: a.name):
        stream = PDFStream(PDFDictionary({
            "Type": "/EmbeddedFile",
            "Subtype": "/" + PDFName(item.mime)[1:].replace("/", "#2F"),  # a MIME type's / is escaped
            "Filter": "/FlateDecode",
            "Params": PDFDictionary({
                "Size": len(item.data),
                "CreationDate": text_string(pdf_date(created)),
                "ModDate": text_string(pdf_date(created)),
                "CheckSum": b"<" + hashlib.md5(item.data).hexdigest().encode("ascii") + b">",
            }),
        }), flate(item.data))
        stream_ref = document.Reference(stream)
        ref = document.Reference(PDFDictionary({
            "Type": "/Filespec",
            "F": text_string(item.name),
            "UF": text_string(item.name),
            "Desc": text_string(item.description),
            "AFRelationship": item.relationship,
            "EF": PDFDictionary({"F": stream_ref, "UF": stream_ref}),
        }))
        specs.append(ref)
        names += [text_string(item.name), ref]
    catalog["AF"] = PDFArray(specs)
    catalog["Names"] = PDFDictionary({"EmbeddedFiles": PDFDictionary({"Names": PDFArray(names)})})
