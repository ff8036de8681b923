"""Damaged and crafted PDFs in the archive: each is reported, naming what is wrong, and the run goes on.

Each case takes a real archived PDF/A-3u and changes one object by an incremental update
(new versions of objects appended after the file's end, as PDF allows), so that a
reader gets past the parts it does not break. ``check``, ``catalog --rebuild`` and
``extract`` run in a process limited to 2 GiB of address space: a case that made them
decompress everything would fail with a different message.
"""

from __future__ import annotations

import io
import json
import os
import re
import resource
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIRST, REPO, archive_copy, first_article_workspace, folder_args
from pypdf import PdfReader

from archivist.build import Paths
from archivist.pdfread import MAX_CONTENT_BYTES, MAX_EMBEDDED_BYTES, MAX_STREAM_BYTES, MIB

GOOD, CRAFTED = "2021-07-good", "2021-07-crafted"
ADDRESS_SPACE = 2 << 30


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "archivist", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300, preexec_fn=limited)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """An archive of two copies of the first article, as PDF/A-3u."""
    paths = first_article_workspace(tmp_path_factory.mktemp("crafted"))
    article = (paths.seeds / f"{FIRST}.txt").read_bytes()
    record = (paths.metadata / f"{FIRST}.yaml").read_text(encoding="utf-8")
    for stem in (GOOD, CRAFTED):
        (paths.seeds / f"{stem}.txt").write_bytes(article)
        (paths.metadata / f"{stem}.yaml").write_text(record.replace(FIRST, stem), encoding="utf-8")
    (paths.seeds / f"{FIRST}.txt").unlink()
    (paths.metadata / f"{FIRST}.yaml").unlink()
    result = run("build", "--profile", "3u", *folder_args(paths))
    assert result.returncode == 0, result.stderr
    return paths


@pytest.fixture
def archive(built: Paths, tmp_path: Path) -> Paths:
    return archive_copy(built, tmp_path / "archive")


# -- crafting ---------------------------------------------------------------------------------


def raw_object(data: bytes, number: int) -> bytes:
    """The body of object ``number`` as the file writes it: at the top level, or inside the
    object stream that holds it (ISO 32000-1, 7.5.7)."""
    match = re.search(rb"(?:^|\n)%d 0 obj\s*(.*?)\s*endobj" % number, data, re.S)
    if match:
        return match[1]
    reader = PdfReader(io.BytesIO(data))
    holder, index = reader.xref_objStm[number]
    objects = reader.get_object(holder)
    content, first = objects.get_data(), int(objects["/First"])
    pairs = [int(field) for field in content[:first].split()]
    starts = [first + at for at in pairs[1::2]] + [len(content)]
    assert pairs[2 * index] == number, number
    return content[starts[index]:starts[index + 1]].strip()


def stream(content: bytes, extra: bytes = b"") -> bytes:
    packed = zlib.compress(content, 9)
    head = b"<< /Length %d /Filter /FlateDecode%s >>\nstream\n" % (len(packed), extra)
    return head + packed + b"\nendstream"


def updated(data: bytes, objects: dict[int, bytes]) -> bytes:
    """``data`` with an incremental update giving ``objects`` new bodies."""
    reader = PdfReader(io.BytesIO(data))
    trailer = reader.trailer
    previous = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    out = bytearray(data if data.endswith(b"\n") else data + b"\n")
    offsets = {}
    for number, body in sorted(objects.items()):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n"
    for number in sorted(offsets):
        out += b"%d 1\n%010d 00000 n \n" % (number, offsets[number])
    size = max(int(trailer["/Size"]), max(objects) + 1)
    out += (b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] /Prev %d >>\n"
            b"startxref\n%d\n%%%%EOF\n" % (
                size, trailer.raw_get("/Root").idnum, trailer.raw_get("/Info").idnum,
                trailer["/ID"][0].hex().encode(), trailer["/ID"][1].hex().encode(), previous, xref))
    return bytes(out)


def numbers(data: bytes) -> dict[str, int]:
    """Object numbers of the catalog, the page tree, page 1's content, its first font's ToUnicode
    and the embedded article's stream."""
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    page = reader.pages[0]
    font = next(iter(page["/Resources"]["/Font"].values())).get_object()
    attachment = next(iter(reader.attachment_list)).pdf_object
    return {"root": reader.trailer.raw_get("/Root").idnum, "pages": root.raw_get("/Pages").idnum,
            "page": page.indirect_reference.idnum, "content": page.raw_get("/Contents").idnum,
            "to_unicode": font.raw_get("/ToUnicode").idnum,
            "embedded": attachment["/EF"].raw_get("/F").idnum}


def deep_nesting(data: bytes, n: dict[str, int]) -> dict[int, bytes]:
    body = raw_object(data, n["root"])
    return {n["root"]: body[:-2] + b" /Deep " + b"[" * 100_000 + b"]" * 100_000 + b" >>"}


def page_tree_cycle(data: bytes, n: dict[str, int]) -> dict[int, bytes]:
    body = raw_object(data, n["pages"])
    return {n["pages"]: body.replace(b"/Kids [", b"/Kids [%d 0 R " % n["pages"], 1)}


def font_of_page_one(data: bytes) -> bytes:
    page = PdfReader(io.BytesIO(data)).pages[0]
    return next(iter(page["/Resources"]["/Font"])).encode()


def odd_length_hex(data: bytes, n: dict[str, int]) -> dict[int, bytes]:
    content = PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data()
    return {n["content"]: stream(content + b"\nBT " + font_of_page_one(data) + b" 12 Tf <414> Tj ET\n")}


def bad_utf16(data: bytes, n: dict[str, int]) -> dict[int, bytes]:
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n1 begincodespacerange\n"
            b"<00> <FF>\nendcodespacerange\n2 beginbfchar\n<01> <D800>\n<02> <DC0>\nendbfchar\n"
            b"1 beginbfrange\n<03> <FF> <D801>\nendbfrange\nendcmap\n")
    return {n["to_unicode"]: stream(cmap)}


def huge_to_unicode_range(data: bytes, n: dict[str, int]) -> dict[int, bytes]:
    cmap = b"begincmap\n1 beginbfrange\n<00000000> <FFFFFFFF> <0041>\nendbfrange\nendcmap\n"
    return {n["to_unicode"]: stream(cmap)}


def many_to_unicode_ranges(data: bytes, n: dict[str, int]) -> dict[int, bytes]:
    """Ranges each within the limit, so many that mapping them all would take minutes."""
    ranges = b"<00> <FF> <0041>\n" * 70_000
    return {n["to_unicode"]: stream(b"begincmap\n70000 beginbfrange\n" + ranges + b"endbfrange\nendcmap\n")}


def text_shown(data: bytes, operators: bytes) -> bytes:
    return b"BT " + font_of_page_one(data) + b" 12 Tf 72 700 Td " + operators + b" ET\n"


def unclosed_string(data: bytes, n: dict[str, int]) -> dict[int, bytes]:
    """A string that never closes, full of escaped parentheses: read once, not once per '('."""
    return {n["content"]: stream(text_shown(data, b"(" + b"\\(" * 300_000))}


def many_short_lines(data: bytes, n: dict[str, int]) -> dict[int, bytes]:
    """A few kilobytes that a reader sees as 300,000 one-letter lines, none of them the title."""
    return {n["content"]: stream(text_shown(data, b"(x) Tj T* " * 300_000))}


def deep_marked_content(data: bytes, n: dict[str, int]) -> dict[int, bytes]:
    """Marked-content sequences nested 300,000 deep, each painting: constant work per operator."""
    return {n["content"]: stream(text_shown(data, b"/Span BMC (x) Tj " * 300_000 + b"EMC " * 300_000))}


def content_bomb(data: bytes, n: dict[str, int]) -> dict[int, bytes]:
    return {n["content"]: stream(b" " * (MAX_STREAM_BYTES + MIB))}


def shared_content(data: bytes, n: dict[str, int]) -> dict[int, bytes]:
    """One content stream just under the stream limit, shown by enough pages to pass the total."""
    pages = MAX_CONTENT_BYTES // (MAX_STREAM_BYTES - MIB) + 2
    kids = b" ".join(b"%d 0 R" % n["page"] for _ in range(pages))
    return {n["content"]: stream(b" " * (MAX_STREAM_BYTES - MIB)),
            n["pages"]: b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages)}


def embedded_too_large(data: bytes, n: dict[str, int]) -> dict[int, bytes]:
    size = MAX_EMBEDDED_BYTES + MIB
    return {n["embedded"]: stream(b"x" * size, b" /Type /EmbeddedFile /Subtype /text#2Fplain"
                                  b" /Params << /Size %d >>" % size)}


def embedded_bomb(data: bytes, n: dict[str, int]) -> dict[int, bytes]:
    return {n["embedded"]: stream(b"x" * (MAX_STREAM_BYTES + MIB), b" /Type /EmbeddedFile")}


Craft = Callable[[bytes, dict[str, int]], dict[int, bytes]]
# case -> (craft, what `check` says about it, whether `extract` meets it)
CASES: dict[str, tuple[Craft, str, bool]] = {
    "deep-nesting": (deep_nesting, "nested deeper than a reader can follow (the limit is 100 levels)", True),
    "page-tree-cycle": (page_tree_cycle, "cannot be checked: it", False),
    "odd-length-hex": (odd_length_hex, "page text differs from the article", False),
    "bad-utf16-to-unicode": (bad_utf16, "page 1 does not start with the title", False),
    "huge-to-unicode-range": (huge_to_unicode_range, "has a ToUnicode range of 4294967296 codes "
                              "(the limit is 65536 codes per range)", False),
    "many-to-unicode-ranges": (many_to_unicode_ranges, "has a ToUnicode map of more than 65536 codes "
                               "(the limit is 65536 codes per ToUnicode map)", False),
    "unclosed-string": (unclosed_string, "page 1 does not start with the title", False),
    "many-short-lines": (many_short_lines, "page 1 does not start with the title", False),
    "deep-marked-content": (deep_marked_content, "painting operator(s) outside marked content", False),
    "content-bomb": (content_bomb, "breaks a reading limit", False),
    "shared-content": (shared_content, "holds more page content than can be read (the limit is "
                       f"{MAX_CONTENT_BYTES // MIB} MiB of decoded page content per PDF)", False),
    "embedded-too-large": (embedded_too_large, f"(the limit is {MAX_EMBEDDED_BYTES // MIB} MiB per "
                           "embedded file)", True),
    "embedded-bomb": (embedded_bomb, "breaks a reading limit", True),
}


def craft(paths: Paths, case: str) -> Path:
    target = paths.archive / "2021" / f"{CRAFTED}.pdf"
    data = target.read_bytes()
    target.write_bytes(updated(data, CASES[case][0](data, numbers(data))))
    return target


@pytest.mark.parametrize("case", CASES)
def test_check_reports_a_crafted_pdf_and_checks_the_others(archive: Paths, case: str) -> None:
    target = craft(archive, case)
    result = run("check", "--profile", "3u", *folder_args(archive))
    assert result.returncode == 8, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith(f"{target}: ") for line in lines), result.stdout
    assert CASES[case][1] in result.stdout, result.stdout
    assert "checked 2 PDF(s): 1 good, 1 with problems" in result.stderr


@pytest.mark.parametrize("case", [case for case, (_, _, embedded) in CASES.items() if embedded]
                         + ["deep-nesting", "page-tree-cycle"])
def test_catalog_rebuild_and_extract_report_it_and_go_on(archive: Paths, case: str, tmp_path: Path) -> None:
    target = craft(archive, case)
    result = run("catalog", "--rebuild", "--archive", archive.archive)
    assert result.returncode == 13, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert f"archivist: {target}: " in result.stderr
    assert "rebuilt from the archive, 1 document(s)" in result.stdout
    listed = run("list", "--json", "--archive", archive.archive)
    assert [d["stem"] for d in json.loads(listed.stdout)] == [GOOD]
    if CASES[case][2]:
        extracted = run("extract", target, tmp_path / "out")
        assert extracted.returncode == 13, extracted.stderr
        assert extracted.stderr.startswith(f"archivist: {target}: ")
        assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_special_file_named_pdf_is_refused_unread(archive: Paths, kind: str) -> None:
    """A FIFO would block a reader for ever; both are named, and the other PDFs are checked."""
    target = archive.archive / "2021" / f"{CRAFTED}.pdf"
    target.unlink()
    os.mkfifo(target) if kind == "fifo" else target.mkdir()
    expected = "is a FIFO (named pipe), not a PDF file" if kind == "fifo" else "is a folder, not a PDF file"
    result = run("check", "--profile", "3u", *folder_args(archive))
    assert result.returncode == 8
    assert f"{target}: {expected}" in result.stdout
    assert "1 good, 1 with problems" in result.stderr
    rebuilt = run("catalog", "--rebuild", "--archive", archive.archive)
    assert rebuilt.returncode == 13 and f"{target}: {expected}" in rebuilt.stderr
    extracted = run("extract", target, archive.archive.parent / "out")
    assert extracted.returncode == 13 and f"{target}: {expected}" in extracted.stderr


def test_the_repository_first_article_is_not_near_any_limit() -> None:
    """The limits sit far above what archivist writes: the first article's PDF is a few KiB."""
    assert (REPO / "seeds" / f"{FIRST}.txt").stat().st_size * 100 < MAX_EMBEDDED_BYTES
