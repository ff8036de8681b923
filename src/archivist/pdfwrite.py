"""Write a reportlab document out as a PDF file, in one pass over its objects.

reportlab formats each object; this module lays them out as a file the way PDF/A wants it: a
binary comment after the header, an end-of-line before every ``endstream`` (ISO 32000-1,
7.3.8.1, which reportlab leaves out), the trailer's /ID. From PDF 1.5 on, every object that is
not a stream goes into one compressed object stream and the cross-reference table becomes a
compressed cross-reference stream (ISO 32000-1, 7.5.7 and 7.5.8): the structure tree, fonts and
pages of a short article take a third of the bytes that way. PDF/A-1 (PDF 1.4) keeps the
classic table.
"""

from __future__ import annotations

from struct import pack

import deflate
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFCatalog,
    PDFDictionary,
    PDFDocument,
    PDFName,
    PDFObject,
    PDFObjectReference,
    PDFStream,
    PDFType1Font,
    format,
)

# Streams are Flate (RFC 1950) as zlib writes them, made by libdeflate: at its level 6 it takes
# half zlib's time at level 6 for slightly fewer bytes; level 10 and up save 2 % for four times the time.
COMPRESSION_LEVEL = 6
# A PDF/A header: the version, then a comment of bytes above 127 (ISO 19005-2, 6.1.2).
BINARY_COMMENT = b"%\xe2\xe3\xcf\xd3\n"


# A cross-reference stream's row (type, offset or stream, index) as struct packs it, by the
# width of its middle field.
_ROW_FORMATS = {1: "BBH", 2: "BHH", 4: "BLH"}


def flate(data: bytes) -> bytes:
    return deflate.zlib_compress(data, COMPRESSION_LEVEL)


def pdf_bytes(value: object, document: PDFDocument) -> bytes:
    """A value as the file writes it: a direct rewrite of reportlab's formatting for the kinds
    an article's file is made of (five times faster on the font widths and the structure
    tree, with one space between tokens), and reportlab's own for any other."""
    kind = type(value)
    if kind is str:  # a name or a keyword; text reaches the file only through text strings
        if value[:1] != "/" and value not in ("true", "false", "null"):
            raise ValueError(f"{value!r} is neither a PDF name nor a keyword")
        return value.encode("latin-1")
    if kind is bytes:  # a string or an array the caller has written already
        return value
    if kind is int:
        return b"%d" % value
    if kind is float:
        return fp_str(value).encode("ascii")
    if kind is PDFObjectReference:
        return b"%d 0 R" % document.idToObjectNumberAndVersion[value.name][0]
    if kind is PDFArray:
        return b"[" + b" ".join([pdf_bytes(item, document) for item in value.sequence]) + b"]"
    if kind is PDFDictionary:
        return _dictionary(value.dict, document)
    if getattr(value, "__RefOnly__", False):  # written once at the top level, referred to elsewhere
        return pdf_bytes(document.Reference(value), document)
    return format(value, document)


def number_array(values: list[int | float], document: PDFDocument) -> bytes:
    """``pdf_bytes`` of an array of numbers: integers all written at once (a font's widths)."""
    if {*map(type, values)} <= {int}:
        return f"[{' '.join(map(str, values))}]".encode("ascii")
    return pdf_bytes(PDFArray(values), document)


def _dictionary(entries: dict, document: PDFDocument) -> bytes:
    """``pdf_bytes`` of a dictionary, the commonest kinds of value (names, references, integers)
    written in the loop itself."""
    numbers = document.idToObjectNumberAndVersion
    parts = [b"<<"]
    for key, value in entries.items():
        head = _KEYS.get(key)
        if head is None:
            head = b"/%s " % key.encode("latin-1")
            if len(_KEYS) < 1000:  # the writer's few dozen keys, and the fonts' names
                _KEYS[key] = head
        kind = type(value)
        if kind is PDFObjectReference:
            parts += (head, b"%d 0 R" % numbers[value.name][0])
        elif kind is str and value[:1] == "/":
            parts += (head, value.encode("latin-1"))
        elif kind is int:
            parts += (head, b"%d" % value)
        else:
            parts += (head, pdf_bytes(value, document))
    parts.append(b">>")
    return b"".join(parts)


_KEYS: dict[str, bytes] = {}  # a dictionary key as written, with the space after it


def _top_level(obj: PDFObject, document: PDFDocument) -> bytes:
    """An indirect object's body. reportlab's pages, page tree and fonts keep their entries as
    attributes; they are gathered the way their own ``format`` gathers them."""
    if isinstance(obj, PDFCatalog):
        obj.check_format(document)
        entries = {key: value for key, default in obj.__Defaults__.items()
                   if (value := getattr(obj, key, default)) is not None}
        entries.update((key, value) for key in obj.__NoDefault__
                       if (value := getattr(obj, key, None)) is not None)
        for key in obj.__Refs__:
            if key in entries:
                entries[key] = document.Reference(entries[key])
        return _dictionary(entries, document)
    if isinstance(obj, PDFType1Font):
        entries = {name: PDFName(getattr(obj, name)) for name in obj.name_attributes if hasattr(obj, name)}
        entries.update((name, getattr(obj, name)) for name in obj.local_attributes if hasattr(obj, name))
        return _dictionary(entries, document)
    return pdf_bytes(obj, document)


def stream_bytes(stream: PDFStream, document: PDFDocument) -> bytes:
    """A stream object's body. reportlab's own streams ask for Flate through their filters;
    the project's arrive compressed already, with /Filter in their dictionary."""
    data = stream.content
    if isinstance(data, str):
        data = data.encode("latin-1")
    entries = dict(stream.dictionary.dict)
    if stream.filters and "Filter" not in entries:
        if [kind.pdfname for kind in stream.filters] != ["FlateDecode"]:
            raise ValueError(f"unexpected stream filters {stream.filters!r}: Flate alone is written")
        data = flate(data)
        entries["Filter"] = "/FlateDecode"
    entries["Length"] = len(data)
    return _dictionary(entries, document) + b"\nstream\n" + data + b"\nendstream"


def serialise(document: PDFDocument, version: str, root: PDFObjectReference,
              info: PDFObjectReference | None, file_id: bytes) -> bytes:
    """The file: every object registered with ``document`` (formatting one may register more)."""
    packed = version != "1.4"
    out = bytearray(f"%PDF-{version}\n".encode("ascii") + BINARY_COMMENT)
    offsets: dict[int, int] = {}  # object number -> offset in the file
    in_stream: list[tuple[int, bytes]] = []  # (object number, body) for the object stream
    number = 0
    while number + 1 in document.numberToId:
        number += 1
        obj = document.idToObject[document.numberToId[number]]
        if isinstance(obj, PDFStream):
            body = stream_bytes(obj, document)
        else:
            body = obj if type(obj) is bytes else _top_level(obj, document)  # bytes: written already
            if packed:
                in_stream.append((number, body))
                continue
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    trailer = {"Size": number + 1, "Root": root, "ID": _id(file_id)}
    if info is not None:
        trailer["Info"] = info
    if not packed:
        return _with_table(out, offsets, trailer, document)
    return _with_streams(out, offsets, in_stream, trailer, document)


def register(document: PDFDocument, name: str, body: bytes = b"") -> int:
    """Register an object written already, ``body`` its bytes as the file holds them (or given
    later, as ``document.idToObject[name]``), under ``name`` and the next number; that number.

    What reportlab's ``Reference`` does with a new name, without its checks for objects."""
    if name in document.idToObject:
        raise ValueError(f"an object is registered as {name!r} already")
    number = document.objectcounter = document.objectcounter + 1
    document.idToObjectNumberAndVersion[name] = (number, 0)
    document.numberToId[number] = name
    document.idToObject[name] = body
    return number


def reuse(document: PDFDocument, name: str, obj: PDFObject) -> None:
    """Write ``obj``, not yet registered, as the object registered as ``name``, which nothing
    written refers to any more: under its number, so that the numbers stay contiguous."""
    if hasattr(obj, "__InternalName__"):
        raise ValueError(f"{obj!r} is registered already")
    document.idToObject[name] = obj
    obj.__InternalName__ = name


def _id(file_id: bytes) -> bytes:
    text = file_id.hex().encode("ascii")
    return b"[<%s> <%s>]" % (text, text)


def _with_table(out: bytearray, offsets: dict[int, int], trailer: dict, document: PDFDocument) -> bytes:
    start = len(out)
    rows = [b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)]
    rows += [b"%010d 00000 n \n" % offsets[number] for number in range(1, len(offsets) + 1)]
    out += b"".join(rows)
    out += b"trailer\n%s\nstartxref\n%d\n%%%%EOF\n" % (_dictionary(trailer, document), start)
    return bytes(out)


def _with_streams(out: bytearray, offsets: dict[int, int], in_stream: list[tuple[int, bytes]],
                  trailer: dict, document: PDFDocument) -> bytes:
    """The object stream, then the cross-reference stream that indexes every object."""
    stream_number = trailer["Size"]
    xref_number = stream_number + 1
    places: dict[int, tuple[int, int, int]] = {number: (1, at, 0) for number, at in offsets.items()}
    header, bodies, at = [], [], 0
    for index, (number, body) in enumerate(in_stream):
        places[number] = (2, stream_number, index)
        header.append(b"%d %d" % (number, at))
        bodies.append(body)
        at += len(body) + 1
    first = b" ".join(header) + b"\n"
    data = flate(first + b"\n".join(bodies))
    places[stream_number] = (1, len(out), 0)
    out += b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        stream_number, len(in_stream), len(first), len(data))
    out += data + b"\nendstream\nendobj\n"
    places[xref_number] = (1, len(out), 0)
    width = max(1, (len(out).bit_length() + 7) // 8)
    if width in _ROW_FORMATS:  # the rows packed at once
        rows = [value for number in range(1, xref_number + 1) for value in places[number]]
        table = pack(f">{_ROW_FORMATS[width] * xref_number}", *rows)
    else:
        table = b"".join([bytes([kind]) + field.to_bytes(width, "big") + index.to_bytes(2, "big")
                          for kind, field, index in (places[number] for number in range(1, xref_number + 1))])
    data = flate(b"\x00" + bytes(width) + b"\xff\xff" + table)  # object 0, the head of the free list
    trailer.update({"Type": "/XRef", "Size": xref_number + 1, "W": b"[1 %d 2]" % width,
                    "Filter": "/FlateDecode", "Length": len(data)})
    start = len(out)
    out += b"%d 0 obj\n%s\nstream\n" % (xref_number, _dictionary(trailer, document))
    out += data + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % start
    return bytes(out)
