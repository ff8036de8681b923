"""The PDF writer lays out reportlab's objects itself: what it writes for each of them must
be what reportlab's own formatting says, read back by pypdf."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from itertools import pairwise
from types import SimpleNamespace

import pytest
from conftest import FIRST, REPO
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DictionaryObject,
    IndirectObject,
    NumberObject,
    read_object,
)
from reportlab.pdfbase.pdfdoc import PDFStream, PDFTrueTypeFont
from reportlab.pdfbase.pdfdoc import format as reportlab_format

from archivist import fonts, pdfa, pdfwrite
from archivist.article import read_article
from archivist.build import inputs_digest
from archivist.pdfa import make_pdfa
from archivist.profile import DEFAULT_PROFILE
from archivist.record import read_record
from archivist.typeset import typeset


def _plain(value: object) -> object:
    """A value pypdf read, as plain data: references by their object number."""
    if isinstance(value, IndirectObject):
        return ("ref", value.idnum, value.generation)
    if isinstance(value, DictionaryObject):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, ArrayObject):
        return [_plain(item) for item in value]
    if isinstance(value, NumberObject):
        return int(value)
    return value


def _read(data: bytes, reader: PdfReader) -> object:
    return _plain(read_object(io.BytesIO(data), reader))


def test_every_object_of_an_article_is_written_as_reportlab_formats_it() -> None:
    article = read_article(REPO / "seeds" / f"{FIRST}.txt")
    record = read_record(REPO / "metadata" / f"{FIRST}.yaml", article.date)
    created = datetime(2021, 7, 1, tzinfo=UTC)
    # pypdf reads references only on behalf of a file: any file of the project's will do
    reader = PdfReader(io.BytesIO(make_pdfa(typeset(article, record, created), record, DEFAULT_PROFILE,
                                            created, inputs_digest(article, record, DEFAULT_PROFILE))))
    document = typeset(article, record, created).document
    for font in document.delayedFonts:
        font.addObjects(document)
    document.Reference(document.Pages)
    kinds: set[str] = set()
    number = 0
    while number + 1 in document.numberToId:
        number += 1
        obj = document.idToObject[document.numberToId[number]]
        if isinstance(obj, PDFStream):
            continue  # written by pdfwrite.stream_bytes, read back by every test that opens a PDF
        theirs = _read(reportlab_format(obj, document, toplevel=1), reader)
        ours = _read(pdfwrite._top_level(obj, document), reader)
        assert ours == theirs, type(obj).__name__
        kinds.add(type(obj).__name__)
    assert {"PDFPage", "PDFPages", "PDFTrueTypeFont", "PDFDictionary"} <= kinds


def _objects(document) -> list[tuple[str, bytes]]:
    """Every object registered with ``document``, in number order, by name and as written."""
    document.Reference(document.Pages)
    written = []
    number = 0
    while number + 1 in document.numberToId:
        number += 1
        name = document.numberToId[number]
        obj = document.idToObject[name]
        body = pdfwrite.stream_bytes(obj, document) if isinstance(obj, PDFStream) \
            else pdfwrite._top_level(obj, document)
        written.append((name, body))
    return written


@pytest.mark.parametrize("stem", [FIRST, "title-only"])
def test_the_font_objects_are_the_ones_reportlab_adds(stem: str, tmp_path) -> None:
    """Each subset's font, descriptor, ToUnicode map and program: the same objects, names,
    numbers and bytes as reportlab's TTFont.addObjects gives, subsets past the first included,
    less two optional entries: the font's /Name (ISO 32000-1, table 111: required in PDF 1.0
    only) and the descriptor's /MissingWidth (table 122: the width of a code outside
    FirstChar-LastChar, and every code drawn is inside). Where the space keeps no code 32 (the
    faces never justified), reportlab's first subset is taken as the codes it gave, without
    the padding past them (see ``test_a_subset_has_a_width_for_each_code_drawn_and_no_more``).
    The regular face draws the lining figures too (``fonts.LINING_FIGURES``): its ToUnicode map
    gives their digits."""
    article = read_article(REPO / "seeds" / f"{FIRST}.txt")
    record = read_record(REPO / "metadata" / f"{FIRST}.yaml", article.date)
    if stem != FIRST:  # characters enough for a second subset of the regular face
        text = "".join(chr(code) for code in sorted(fonts.coverage("regular")) if chr(code).isalpha())
        path = tmp_path / "title-only.txt"
        path.write_text(" ".join(text[i:i + 9] for i in range(0, len(text), 9)) + "\n", encoding="utf-8")
        article = read_article(path)
    created = datetime(2021, 7, 1, tzinfo=UTC)
    theirs, ours = typeset(article, record, created).document, typeset(article, record, created).document
    for font in theirs.delayedFonts:
        state = font.state[theirs]
        if state.assignments.get(32) != 32:
            state.subsets[0] = state.subsets[0][:state.nextCode]
        font.addObjects(theirs)
    for name, obj in list(theirs.idToObject.items()):
        if isinstance(obj, PDFTrueTypeFont):
            del obj.Name
        elif name.startswith("fontDescriptor:"):
            del obj.dict["MissingWidth"]
        elif name.startswith("toUnicodeCMap:"):  # a lining figure the regular face draws reads as its digit
            for drawn, figure in fonts.LINING_FIGURES.items():
                obj.content = obj.content.replace(f"<{drawn:04X}>", f"<{figure:04X}>")
    for font in ours.delayedFonts:
        pdfa._add_font(ours, font)
    written = _objects(ours)
    assert written == _objects(theirs)
    names = [name for name, _ in written]
    assert "fontFile" in " ".join(names)
    assert any(name.endswith("+1") for name in names) == (stem != FIRST), names


def test_a_subset_has_a_width_for_each_code_drawn_and_no_more() -> None:
    """ISO 32000-1, 9.6.2.1: /Widths gives a width for each code from FirstChar to LastChar.
    Every code the pages draw is among them; in the faces whose lines are never justified, which
    keep no code 32 for word spacing, so is every code of the range but .notdef's 0: no padding."""
    article = read_article(REPO / "seeds" / f"{FIRST}.txt")
    record = read_record(REPO / "metadata" / f"{FIRST}.yaml", article.date)
    created = datetime(2021, 7, 1, tzinfo=UTC)
    reader = PdfReader(io.BytesIO(make_pdfa(typeset(article, record, created), record, DEFAULT_PROFILE,
                                            created, inputs_digest(article, record, DEFAULT_PROFILE))))
    drawn: dict[str, set[int]] = {}
    for page in reader.pages:
        fonts_used = page["/Resources"]["/Font"]
        font = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                font = str(fonts_used[operands[0]].get_object()["/BaseFont"])
            elif operator in (b"Tj", b"TJ"):
                shown = operands[0] if operator == b"Tj" else [item for item in operands[0]
                                                               if not isinstance(item, (int, float))]
                for text in [shown] if operator == b"Tj" else shown:
                    data = text.original_bytes if hasattr(text, "original_bytes") else bytes(text)
                    drawn.setdefault(font, set()).update(data)
    fonts_seen = {str(font.get_object()["/BaseFont"]): font.get_object()
                  for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert set(drawn) == set(fonts_seen)
    for name, font in fonts_seen.items():
        first, last = int(font["/FirstChar"]), int(font["/LastChar"])
        assert len(font["/Widths"]) == last - first + 1, name
        assert drawn[name] <= set(range(first, last + 1)), name
        if "Regular" not in name:  # the italic (the dateline)
            assert drawn[name] | {0} == set(range(first, last + 1)), name
    assert {int(font["/LastChar"]) for font in fonts_seen.values()} != {32}


def _object_stream_bodies(pdf: bytes) -> list[bytes]:
    """The bodies of the objects in a file's object stream, as written (ISO 32000-1, 7.5.7)."""
    import re
    import zlib

    found = re.search(rb"/Type /ObjStm /N \d+ /First (\d+) /Filter /FlateDecode /Length (\d+) >>\nstream\n",
                      pdf)
    first, length = map(int, found.groups())
    data = zlib.decompress(pdf[found.end():found.end() + length])
    offsets = [int(value) for value in data[:first].split()[1::2]] + [len(data) - first + 1]
    return [data[first + start:first + end - 1] for start, end in pairwise(offsets)]


def _as_reportlab(value: object) -> object:
    """A value pypdf read, made again of reportlab's objects: a reference names its number."""
    from pypdf.generic import NameObject
    from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFObjectReference

    if isinstance(value, IndirectObject):
        return PDFObjectReference(str(value.idnum))
    if isinstance(value, DictionaryObject):
        return PDFDictionary({key[1:]: _as_reportlab(item) for key, item in value.items()})
    if isinstance(value, ArrayObject):
        return PDFArray([_as_reportlab(item) for item in value])
    if isinstance(value, NameObject):
        return str(value)
    return int(value)


@pytest.mark.parametrize("profile", ["2a+ua1", "4f+ua2"])
def test_structure_elements_are_written_as_pdfwrite_writes_their_dictionaries(profile: str) -> None:
    """The PDF/A stage writes the structure elements' bytes itself: they are what pdfwrite makes
    of the same dictionary, read back."""
    from archivist.profile import Profile

    chosen = Profile.parse(profile)
    article = read_article(REPO / "seeds" / f"{FIRST}.txt")
    record = read_record(REPO / "metadata" / f"{FIRST}.yaml", article.date)
    created = datetime(2021, 7, 1, tzinfo=UTC)
    pdf = make_pdfa(typeset(article, record, created), record, chosen, created,
                    inputs_digest(article, record, chosen))

    # what pdfwrite asks of a document to write a reference
    numbers = SimpleNamespace(idToObjectNumberAndVersion={str(number): (number, 0) for number in range(1000)})

    elements = 0
    for body in _object_stream_bodies(pdf):
        value = read_object(io.BytesIO(body), PdfReader(io.BytesIO(pdf)))
        if isinstance(value, DictionaryObject) and "/S" in value:
            assert pdfwrite.pdf_bytes(_as_reportlab(value), numbers) == body
            assert ("/NS" in value) == (chosen.pdf_version == "2.0")
            elements += 1
    assert elements == 1 + len(article.paragraphs) + 2  # Document, H1, the dateline, a P each


def _text_string_byte_by_byte(text: str) -> bytes:
    """A text string written one byte at a time (ISO 32000-1, 7.3.4.2 and 7.9.2.2): PDFDocEncoding
    where it says the text exactly, bytes below 0x20 in octal, the two parentheses and the
    backslash escaped; else UTF-16BE with its byte order mark, in hexadecimal."""
    try:
        data = text.encode("pdfdoc")
    except UnicodeEncodeError:
        data = None
    if data is None or any((byte < 0x18 and byte not in (9, 10, 13)) or byte in (0x7F, 0x9F, 0xAD)
                           for byte in data):
        return b"<feff" + text.encode("utf-16-be").hex().encode("ascii") + b">"
    written = [b"\\%03o" % byte if byte < 0x20 else b"\\" + bytes([byte]) if byte in b"\\()"
               else bytes([byte]) for byte in data]
    return b"(" + b"".join(written) + b")"


@given(text=st.text(st.one_of(st.characters(max_codepoint=0xFF), st.sampled_from("()\\\r\n\t€œ’—•中ŁŸˇ˘ıﬁ"))))
@settings(max_examples=400, deadline=None)
def test_a_text_string_is_escaped_as_byte_by_byte(text: str) -> None:
    """The escapes found by one scan are those a byte-by-byte writer gives, and pypdf reads the
    text back."""
    written = pdfa.text_string(text)
    assert written == _text_string_byte_by_byte(text)
    assert str(read_object(io.BytesIO(written), None)) == text


@given(digest=st.binary(min_size=16, max_size=32), key=st.text())
@settings(max_examples=300, deadline=None)
def test_a_uuid_is_written_as_the_uuid_module_writes_it(digest: bytes, key: str) -> None:
    import hashlib
    import uuid

    assert pdfa.uuid_text(digest, 4) == str(uuid.UUID(bytes=digest[:16], version=4))
    named = hashlib.sha1(uuid.NAMESPACE_URL.bytes + key.encode()).digest()
    assert pdfa.uuid_text(named, 5) == str(uuid.uuid5(uuid.NAMESPACE_URL, key))
