"""A page's content read back as PDF 32000-1 says it reads: string escapes (7.3.4.2), hex
strings (7.3.4.3), TJ gaps, and which marked-content sequence (14.6) drew each piece.

Each case is a small PDF written here byte by byte and opened with pypdf; its one font maps
codes 0-31 to Unicode's control pictures (U+2400-U+241F) and 32-126 to ASCII, so that every
byte a string holds can be seen in the text read back.
"""

from __future__ import annotations

import io
import zlib

import pytest
from pypdf import PdfReader

from archivist.pagetext import PageContent, page_text, read_page
from archivist.pdfread import ContentBudget

TO_UNICODE = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
              b"1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
              b"2 beginbfrange\n<00> <1F> <2400>\n<20> <7E> <0020>\nendbfrange\nendcmap\n")


def pdf_with_content(content: bytes) -> bytes:
    """A one-page PDF whose page draws ``content`` with font /F1."""
    def stream(data: bytes) -> bytes:
        packed = zlib.compress(data)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(packed), packed)

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        stream(content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        stream(TO_UNICODE),
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def read(content: bytes) -> PageContent:
    reader = PdfReader(io.BytesIO(pdf_with_content(b"BT /F1 12 Tf 72 700 Td " + content + b" ET")))
    return read_page(reader.pages[0], ContentBudget())


@pytest.mark.parametrize(("shown", "text"), [
    (rb"(plain) Tj", "plain"),
    (rb"(a\nb\rc\td\be\ff) Tj", "a\u240ab\u240dc\u2409d\u2408e\u240cf"),  # Table 3's escapes
    (rb"(\(paren\) and \\) Tj", "(paren) and \\"),
    (rb"(\053 \0533 \53x \7) Tj", "+ +3 +x \u2407"),  # one to three octal digits, no more
    (rb"[(\1) (23)] TJ", "\u240123"),  # an octal escape ends with its string
    (b"(con\\\ntinued) Tj", "continued"),  # a backslash at a line end: the line goes on
    (b"(con\\\r\ntinued) Tj", "continued"),
    (rb"(\q) Tj", "q"),  # any other escaped character stands for itself
    (b"<48 69> Tj", "Hi"),
    (b"<4869 2> Tj", "Hi "),  # an odd final digit is followed by 0
    (b"[<48> 0.5 (i)] TJ", "Hi"),
])
def test_strings_read_as_the_pdf_specification_says(shown: bytes, text: str) -> None:
    assert read(shown).text == text


@pytest.mark.parametrize(("gap", "text"), [(b"-250", "ab cd"), (b"-200", "abcd"), (b"120", "abcd")])
def test_only_a_tj_gap_wider_than_a_space_reads_as_a_space(gap: bytes, text: str) -> None:
    """The page text shows the space a wide gap leaves; the marked content keeps the glyphs as drawn."""
    page = read(b"/P <</MCID 0>> BDC [(ab) " + gap + b" (c) (d)] TJ EMC")
    assert page.text == text
    assert page.by_mcid == {0: "abcd"}


def test_lines_break_where_the_text_moves_to_a_new_line() -> None:
    page = read(b"(one) Tj T* (two) Tj (three) ' 0 -14 Td (four) Tj 1 2 (five) \" ")
    assert page.lines == ["one", "two", "three", "four", "five"]


def test_each_piece_of_content_belongs_to_its_outermost_marked_sequence() -> None:
    page = read(b"/H1 <</MCID 0>> BDC (Title) Tj /Span <</MCID 9>> BDC (!) Tj EMC EMC "
                b"/Artifact BMC (page 1) Tj /P <</MCID 1>> BDC (x) Tj EMC EMC "
                b"/P <</Lang (fr) /MCID 2>> BDC (Texte) Tj EMC "
                b"(loose) Tj 0 0 m 10 10 l S /Span BMC 0 0 10 10 re f EMC")
    assert page.by_mcid == {0: "Title!", 2: "Texte"}
    assert page.artifacts == ["page 1x"]
    assert page.unmarked == 3  # the loose text, the stroke, the fill of a sequence that owns nothing


def test_a_stray_angle_bracket_or_an_unclosed_string_hides_no_operator_before_it() -> None:
    assert read(b"< (a) Tj > (b) Tj").text == "ab"
    assert read(b"(a) Tj (b").text == "a"


def test_page_text_is_the_lines_of_the_one_reading() -> None:
    reader = PdfReader(io.BytesIO(pdf_with_content(b"BT /F1 12 Tf (a) Tj T* (b) Tj ET")))
    assert page_text(reader.pages[0]) == "a\nb"
