"""The checker's shorter ways of reading a PDF still catch what the longer ways caught.

Each damage is made to a real PDF/A of the project's article, with pypdf, and the check
of the damaged copy must name it; the undamaged copy, written the same way, must pass.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from conftest import FIRST, REPO
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from archivist.build import Paths, attachments_for, creation_instant, inputs_digest, load_inputs
from archivist.check import prove_pdf
from archivist.pagetext import _in_order, _to_unicode, code_table
from archivist.pdfa import make_pdfa
from archivist.profile import DEFAULT_PROFILE, Profile
from archivist.typeset import typeset


@dataclass(frozen=True)
class Built:
    pdf: bytes
    profile: Profile

    def problems(self, pdf: bytes | None = None) -> list[str]:
        article, record = load_inputs(Paths(REPO / "seeds", REPO / "metadata", REPO / "archive"), FIRST)
        attachments = attachments_for(article, record) if self.profile.allows_attachments else ()
        data = self.pdf if pdf is None else pdf
        return prove_pdf(data, article, record, self.profile, attachments).problems


@pytest.fixture(scope="module")
def built() -> Built:
    """The article's PDF/A in the default profile, made in memory from the checkout's files."""
    article, record = load_inputs(Paths(REPO / "seeds", REPO / "metadata", REPO / "archive"), FIRST)
    created = creation_instant(record)
    pdf = make_pdfa(typeset(article, record, created), record, DEFAULT_PROFILE, created,
                    inputs_digest(article, record, DEFAULT_PROFILE), ())
    return Built(pdf, DEFAULT_PROFILE)


def rewritten(pdf: bytes, change: Callable[[PdfWriter], None]) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def edit_to_unicode(edit: Callable[[bytes], bytes]) -> Callable[[PdfWriter], None]:
    """A change to the ToUnicode map of page 1's first font (the title's)."""
    def change(writer: PdfWriter) -> None:
        fonts = writer.pages[0]["/Resources"]["/Font"]
        stream = fonts[sorted(fonts)[0]].get_object()["/ToUnicode"].get_object()
        data = stream.get_data()
        changed = edit(data)
        assert changed != data
        stream.set_data(changed)
    return change


def entries(cmap: bytes) -> list[bytes]:
    return re.findall(rb"<[0-9A-F]{2}> <[0-9A-F]{4}>", cmap)


def test_the_copies_are_written_so_that_an_undamaged_one_passes(built: Built) -> None:
    assert built.problems() == []
    assert built.problems(rewritten(built.pdf, lambda writer: None)) == []


def test_a_map_in_code_order_with_a_letter_changed_is_read_as_it_says(built: Built) -> None:
    """The writer's maps are read in bulk (codes 0, 1, 2... in order): a changed target is seen."""
    def swap_a(data: bytes) -> bytes:
        assert _in_order(data) is not None  # the form the bulk reading takes
        return data.replace(b"> <0041>", b"> <0042>")  # 'A' drawn, 'B' read
    problems = built.problems(rewritten(built.pdf, edit_to_unicode(swap_a)))
    assert any("page 1 does not start with the title" in p for p in problems), problems
    assert any("the structure does not open with the title as H1" in p for p in problems), problems


def test_a_map_out_of_code_order_reads_the_same_and_its_damage_is_seen(built: Built) -> None:
    """Entries listed in another order map the same codes: read entry by entry, the file passes;
    with two targets exchanged as well, the text no longer reads as the article."""
    def reverse(data: bytes) -> bytes:
        found = entries(data)
        reordered = data.replace(b"\n".join(found), b"\n".join(reversed(found)))
        assert _in_order(reordered) is None  # read entry by entry
        return reordered

    def reverse_and_exchange(data: bytes) -> bytes:
        found = entries(reverse(data))
        first, second = found[1], found[2]
        exchanged = [first[:5] + second[5:], second[:5] + first[5:]]
        return reverse(data).replace(first + b"\n" + second, b"\n".join(exchanged))

    assert built.problems(rewritten(built.pdf, edit_to_unicode(reverse))) == []
    problems = built.problems(rewritten(built.pdf, edit_to_unicode(reverse_and_exchange)))
    assert problems and all("page" in p or "structure" in p or "paragraph" in p for p in problems), problems


_ENTRY = st.tuples(st.integers(0, 300),
                   st.sampled_from([0x41, 0xE9, 0x2019, 0xD800, 0xDC00, 0xFFFE, 0x20, 0x1F600]))


def _cmap(pairs: list[tuple[int, int]], code_digits: int, extra: bytes) -> bytes:
    lines = []
    for code, target in pairs:
        unit = chr(target).encode("utf-16-be", "surrogatepass").hex().upper().encode()
        lines.append(b"<%0*X> <%s>" % (code_digits, code, unit))
    return (b"begincmap\n%d beginbfchar\n" % len(lines) + b"\n".join(lines) + b"\nendbfchar\n" + extra
            + b"endcmap\n")


@settings(max_examples=300, deadline=None)
@given(pairs=st.lists(_ENTRY, max_size=40), in_order=st.booleans(), code_digits=st.sampled_from([2, 2, 4]),
       extra=st.sampled_from([b"", b"1 beginbfrange\n<00> <05> <0061>\nendbfrange\n",
                              b"1 beginbfchar\n<01> <0062>\nendbfchar\n", b"% comment\n"]))
@example(pairs=[(0, 0x41), (1, 0xE9), (2, 0x2019)], in_order=True, code_digits=2, extra=b"")
@example(pairs=[(0, 0xD800), (1, 0xDC00), (2, 0x41)], in_order=True, code_digits=2, extra=b"")  # a pair
def test_the_bulk_reading_of_a_map_gives_what_reading_each_entry_gives(
        pairs: list[tuple[int, int]], in_order: bool, code_digits: int, extra: bytes) -> None:
    if in_order:
        pairs = [(code, target) for code, (_, target) in enumerate(pairs)]
    cmap = _cmap(pairs, code_digits, extra)
    table = _in_order(cmap)
    assert table is None or table == code_table(_to_unicode(cmap))
    simple = all(target < 0x10000 and target not in (0xD800, 0xDC00, 0xFFFE) for _, target in pairs)
    if in_order and code_digits == 2 and not extra and simple and len(pairs) <= 256:
        assert table is not None


def test_a_cross_reference_entry_that_points_elsewhere_is_reported(built: Built) -> None:
    """The file is read as its cross-reference tables say, without repair: an update whose
    table sends the catalog to bytes that are not the catalog is damage, and is named."""
    reader = PdfReader(io.BytesIO(built.pdf))
    root, info = reader.trailer.raw_get("/Root").idnum, reader.trailer.raw_get("/Info").idnum
    previous = int(re.findall(rb"startxref\s+(\d+)", built.pdf)[-1])
    ids = b"".join(b"<%s>" % value.get_original_bytes().hex().encode()
                   for value in reader.trailer["/ID"])
    data = built.pdf + b"\n"
    xref = len(data)
    wrong = built.pdf.index(b" obj", built.pdf.index(b"stream")) + 20  # inside another object
    data += (b"xref\n%d 1\n%010d 00000 n \n" % (root, wrong)
             + b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [%s] /Prev %d >>\n" % (
                 int(reader.trailer["/Size"]), root, info, ids, previous)
             + b"startxref\n%d\n%%%%EOF\n" % xref)
    problems = built.problems(data)
    assert len(problems) == 1 and problems[0].startswith("cannot be read"), problems


def test_each_font_change_on_a_page_is_read_even_when_its_operands_come_again(built: Built) -> None:
    """A Tf seen before chooses its font by look-up: the body's last line set in the italic's
    subset instead (whose codes draw other letters) is read with that font, and caught."""
    def change(writer: PdfWriter) -> None:
        page = writer.pages[0]
        stream = page["/Contents"].get_object()
        data = stream.get_data()
        body = b"/F1+0 12 Tf"
        assert data.count(body) > 2 and b"/F2+0" in data
        at = data.rindex(body)
        stream.set_data(data[:at] + b"/F2+0 12 Tf" + data[at + len(body):])

    problems = built.problems(rewritten(built.pdf, change))
    assert any(p.startswith("page text differs from the article") for p in problems), problems
    assert any(p.startswith("paragraph ") for p in problems), problems


@pytest.fixture(scope="module")
def built_3a() -> Built:
    """The article's PDF/A-3a, which embeds the article and its record."""
    profile = Profile.parse("3a")
    article, record = load_inputs(Paths(REPO / "seeds", REPO / "metadata", REPO / "archive"), FIRST)
    created = creation_instant(record)
    pdf = make_pdfa(typeset(article, record, created), record, profile, created,
                    inputs_digest(article, record, profile), attachments_for(article, record))
    return Built(pdf, profile)


def set_mod_date(value: str | None) -> Callable[[PdfWriter], None]:
    """/ModDate of the first embedded file's /Params set to ``value``, or taken out."""
    def change(writer: PdfWriter) -> None:
        names = writer.root_object["/Names"]["/EmbeddedFiles"]["/Names"]
        params = names[1].get_object()["/EF"]["/F"].get_object()["/Params"].get_object()
        if value is None:
            del params["/ModDate"]
        else:
            params[NameObject("/ModDate")] = TextStringObject(value)
    return change


UNREAD_DATE = "cannot be checked: it is damaged: ValueError: Can not convert date"


@pytest.mark.parametrize(("date", "expected"), [
    ("D:20210701000000+00'00'", None),  # as written
    ("D:2021", None),  # the shortest date PDF allows, read by pypdf
    ("D:20210701120000-05'30'", None),
    (None, "has no /Params /ModDate"),
    ("D:20210231000000+00'00'", UNREAD_DATE),  # 31 February
    ("D:20210701240000+00'00'", UNREAD_DATE),
    ("D:20210701000000+24'00'", UNREAD_DATE),
    ("yesterday", UNREAD_DATE),
])
def test_an_embedded_file_s_date_is_read_as_pypdf_reads_it(built_3a: Built, date: str | None,
                                                           expected: str | None) -> None:
    """The full form of /ModDate is told a date without pypdf's failing tries; each other
    form, and each date that is none, is still pypdf's to read or refuse."""
    problems = built_3a.problems(rewritten(built_3a.pdf, set_mod_date(date)))
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), problems


def test_a_wrong_startxref_is_reported(built: Built) -> None:
    """Read strictly, a file whose startxref points at no cross-reference table is damage."""
    start = built.pdf.rindex(b"startxref")
    problems = built.problems(built.pdf[:start] + b"startxref\n123\n%%EOF\n")
    assert len(problems) == 1 and problems[0].startswith("cannot be read"), problems


def test_an_entry_that_points_at_another_object_s_header_is_reported(built: Built) -> None:
    """pypdf, even strict, looks for an object elsewhere when its entry points at another
    object's header, and reads it: the checker compares each entry with what it points at."""
    reader = PdfReader(io.BytesIO(built.pdf))
    (entries,) = reader.xref.values()
    moved, other = sorted(entries)[:2]
    previous = int(re.findall(rb"startxref\s+(\d+)", built.pdf)[-1])
    ids = b"".join(b"<%s>" % value.get_original_bytes().hex().encode() for value in reader.trailer["/ID"])
    data = built.pdf + b"\n"
    xref = len(data)
    data += (b"xref\n%d 1\n%010d 00000 n \n" % (moved, entries[other])
             + b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [%s] /Prev %d >>\n" % (
                 int(reader.trailer["/Size"]), reader.trailer.raw_get("/Root").idnum,
                 reader.trailer.raw_get("/Info").idnum, ids, previous)
             + b"startxref\n%d\n%%%%EOF\n" % xref)
    problems = built.problems(data)
    assert f"the cross-reference table places object {moved} where no such object starts" in problems
