"""PDF/A-3 carries its own source: the article and its record as associated files.

Read back with pypdf (not with archivist's reader), written back out byte for byte by
`archivist extract`, and `archivist check` fails, naming the file, on each way an
embedded file can depart from its inputs.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIRST, archive_copy, archivist, first_article_workspace, folder_args
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from archivist.build import Paths

TXT, YAML = f"{FIRST}.txt", f"{FIRST}.yaml"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build(paths: Paths, profile: str) -> Path:
    result = archivist("build", *folder_args(paths), "--profile", profile)
    assert result.returncode == 0, result.stderr
    return paths.pdf(FIRST)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    paths = first_article_workspace(tmp_path_factory.mktemp("a3"))
    build(paths, "3u")
    return paths


@pytest.fixture
def copy(built: Paths, tmp_path: Path) -> Paths:
    """A private copy of the built archive, to damage."""
    return archive_copy(built, tmp_path / "archive")


def inputs(paths: Paths) -> dict[str, bytes]:
    return {TXT: paths.article(FIRST).read_bytes(), YAML: paths.record(FIRST).read_bytes()}


# -- what the PDF holds, read by pypdf -------------------------------------------------------


def test_pypdf_reads_both_inputs_back_byte_for_byte(built: Paths) -> None:
    attachments = PdfReader(built.pdf(FIRST)).attachments
    assert {name: attachments[name] for name in attachments} == {
        name: [data] for name, data in inputs(built).items()}


def test_each_file_is_declared_as_pdfa3_asks(built: Paths) -> None:
    reader = PdfReader(built.pdf(FIRST))
    created = reader.xmp_metadata.xmp_create_date
    data = inputs(built)
    found = {}
    for entry in reader.attachment_list:
        spec = entry.pdf_object
        assert spec["/F"] == spec["/UF"] == entry.name
        assert entry.size == len(data[entry.name])
        assert bytes(entry.checksum.original_bytes) == hashlib.md5(data[entry.name]).digest()
        assert entry.creation_date.replace(tzinfo=None) == created.replace(tzinfo=None)
        assert entry.modification_date == entry.creation_date
        found[entry.name] = (entry.subtype, entry.associated_file_relationship, entry.description)
    assert found == {
        TXT: ("/text/plain", "/Source", "The article's text, as archived"),
        YAML: ("/application/yaml", "/Data", "The article's Dublin Core record"),
    }


def test_the_catalog_af_array_lists_exactly_the_embedded_files(built: Paths) -> None:
    reader = PdfReader(built.pdf(FIRST))
    af = reader.trailer["/Root"]["/AF"]
    assert sorted(str(ref.get_object()["/UF"]) for ref in af) == [TXT, YAML]


def test_mime_subtype_is_escaped_once(built: Paths) -> None:
    raw = built.pdf(FIRST).read_bytes()
    assert b"/Subtype /text#2Fplain" in raw
    assert b"/Subtype /application#2Fyaml" in raw
    assert b"#232F" not in raw


@pytest.mark.parametrize("profile", ["3b", "3u"])
def test_pdfa3_is_byte_reproducible(profile: str, tmp_path: Path) -> None:
    first = build(first_article_workspace(tmp_path / "one"), profile).read_bytes()
    second = build(first_article_workspace(tmp_path / "two"), profile).read_bytes()
    assert sha256(first) == sha256(second)


@pytest.mark.parametrize("profile", ["1b", "2b", "2u"])
def test_other_profiles_embed_nothing(profile: str, tmp_path: Path) -> None:
    reader = PdfReader(build(first_article_workspace(tmp_path), profile))
    assert "/AF" not in reader.trailer["/Root"]
    assert list(reader.attachment_list) == []


# -- archivist extract -----------------------------------------------------------------------


def test_extract_round_trip(built: Paths, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = archivist("extract", built.pdf(FIRST), out)
    assert result.returncode == 0, result.stderr
    data = inputs(built)
    assert sorted(p.name for p in out.iterdir()) == [TXT, YAML]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == data
    assert result.stdout.splitlines() == [f"{sha256(data[TXT])}  {out / TXT}",
                                          f"{sha256(data[YAML])}  {out / YAML}"]


def test_extract_keeps_a_different_file_unless_forced(built: Paths, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / TXT).write_bytes(b"my own notes")
    refused = archivist("extract", built.pdf(FIRST), out)
    assert refused.returncode == 14
    assert f"{out / TXT}: exists and differs from the embedded copy" in refused.stderr
    assert (out / TXT).read_bytes() == b"my own notes"
    assert not (out / YAML).exists()
    assert archivist("extract", built.pdf(FIRST), out, "--force").returncode == 0
    assert (out / TXT).read_bytes() == inputs(built)[TXT]
    assert archivist("extract", built.pdf(FIRST), out).returncode == 0  # identical: nothing to refuse


@pytest.mark.parametrize("kind", ["a FIFO (named pipe)", "a symbolic link", "a folder"])
def test_extract_never_reads_what_is_no_file_and_replaces_it_only_when_forced(built: Paths, tmp_path: Path,
                                                                               kind: str) -> None:
    """Where a file would go there is a FIFO (reading it would wait for ever), a link to
    /dev/zero (it has no end) or a folder: refused at once and left as it is; --force replaces
    the FIFO or the link itself (never what the link leads to), and a folder never."""
    out = tmp_path / "out"
    out.mkdir()
    target = out / TXT
    {"a FIFO (named pipe)": lambda: os.mkfifo(target), "a folder": target.mkdir,
     "a symbolic link": lambda: target.symlink_to("/dev/zero")}[kind]()
    refused = archivist("extract", built.pdf(FIRST), out)
    assert refused.returncode == 14
    assert (f"archivist: {target}: exists and is {kind}, not a file (remove it, or extract into another "
            f"folder{'' if kind == 'a folder' else ', or pass --force to replace it'})") in refused.stderr
    assert sorted(p.name for p in out.iterdir()) == [TXT]  # nothing written, the odd file left as it was
    assert target.is_symlink() == (kind == "a symbolic link")
    forced = archivist("extract", built.pdf(FIRST), out, "--force")
    if kind == "a folder":
        assert forced.returncode == 14 and target.is_dir()
    else:
        assert forced.returncode == 0, forced.stderr
        assert not target.is_symlink() and target.read_bytes() == inputs(built)[TXT]


@pytest.mark.parametrize("name", ["../evil.txt", "/tmp/evil.txt", "..\\evil.txt", ".profile", "sub/x.txt"])
def test_extract_refuses_names_that_leave_the_folder(copy: Paths, tmp_path: Path, name: str) -> None:
    pdf = copy.pdf(FIRST)
    writer = PdfWriter(clone_from=PdfReader(pdf))
    names = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = names[1].get_object()
    names[0] = TextStringObject(name)
    spec[NameObject("/F")] = spec[NameObject("/UF")] = TextStringObject(name)
    _save(writer, pdf)
    out = tmp_path / "deep" / "out"
    result = archivist("extract", pdf, out)
    assert result.returncode == 6
    assert f"embedded file name {name!r} would write outside the folder" in result.stderr
    assert not (tmp_path / "deep").exists()


def test_extract_from_a_pdfa2_says_there_is_nothing(tmp_path: Path) -> None:
    pdf = build(first_article_workspace(tmp_path), "2u")
    result = archivist("extract", pdf, tmp_path / "out")
    assert result.returncode == 13
    assert "the PDF carries no embedded files" in result.stderr


def test_extract_where_no_file_can_be_made_says_so_without_speaking_of_builds(built: Paths) -> None:
    """/proc/1 (Linux) is a folder where no file can be made, even by root."""
    if not Path("/proc/1").is_dir():
        pytest.skip("no /proc/1 here")
    result = archivist("extract", built.pdf(FIRST), "/proc/1")
    assert result.returncode == 7
    assert result.stderr == (f"archivist: /proc/1/{TXT}: cannot write: No such file or directory; the "
                             "previous copy, if any, is intact (fix the cause and try again)\n")


def test_extract_from_a_link_asks_for_the_file_it_leads_to(built: Paths, tmp_path: Path) -> None:
    link = tmp_path / "link.pdf"
    link.symlink_to(built.pdf(FIRST))
    result = archivist("extract", link, tmp_path / "out")
    assert result.returncode == 13
    assert result.stderr == (f"archivist: {link}: is a symbolic link, not a PDF file "
                             "(name the file it leads to)\n")
    assert not (tmp_path / "out").exists()


def test_extract_refuses_a_damaged_file(copy: Paths, tmp_path: Path) -> None:
    _damage(copy.pdf(FIRST), _wrong_size)
    result = archivist("extract", copy.pdf(FIRST), tmp_path / "out")
    assert result.returncode == 13
    assert "/Params /Size says 9" in result.stderr
    assert not (tmp_path / "out").exists()


# -- archivist check -------------------------------------------------------------------------


def _save(writer: PdfWriter, pdf: Path) -> None:
    out = io.BytesIO()
    writer.write(out)
    pdf.write_bytes(out.getvalue())


Change = Callable[[PdfWriter, dict[str, DictionaryObject]], None]


def _damage(pdf: Path, change: Change) -> None:
    writer = PdfWriter(clone_from=PdfReader(pdf))
    specs = {str(ref.get_object()["/UF"]): ref.get_object() for ref in writer._root_object["/AF"]}
    change(writer, specs)
    _save(writer, pdf)


def _stream(spec: DictionaryObject) -> StreamObject:
    return spec["/EF"]["/F"].get_object()


def _same_length_other_bytes(writer: PdfWriter, specs: dict[str, DictionaryObject]) -> None:
    stream = _stream(specs[TXT])
    data = stream.get_data().replace(b"Laftit", b"Laftyt", 1)
    stream.set_data(data)
    stream["/Params"][NameObject("/CheckSum")] = ByteStringObject(hashlib.md5(data).digest())


def _relationship(writer: PdfWriter, specs: dict[str, DictionaryObject]) -> None:
    specs[TXT][NameObject("/AFRelationship")] = NameObject("/Data")


def _not_in_af(writer: PdfWriter, specs: dict[str, DictionaryObject]) -> None:
    writer._root_object[NameObject("/AF")] = ArrayObject([specs[YAML].indirect_reference])


def _no_mime(writer: PdfWriter, specs: dict[str, DictionaryObject]) -> None:
    del _stream(specs[YAML])["/Subtype"]


def _wrong_size(writer: PdfWriter, specs: dict[str, DictionaryObject]) -> None:
    _stream(specs[TXT])["/Params"][NameObject("/Size")] = NumberObject(9)


def _dropped(writer: PdfWriter, specs: dict[str, DictionaryObject]) -> None:
    writer._root_object[NameObject("/AF")] = ArrayObject([specs[TXT].indirect_reference])
    names = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"]
    del names[2:4]


@pytest.mark.parametrize(("change", "expected"), [
    (_same_length_other_bytes, f"embedded file {TXT!r} differs from the input in its bytes"),
    (_relationship, f"embedded file {TXT!r} differs from the input in its relationship"),
    (_not_in_af, f"embedded file {TXT!r} is not listed in the catalog's /AF"),
    (_no_mime, f"embedded file {YAML!r} has /Subtype '', not a MIME type"),
    (_wrong_size, f"embedded file {TXT!r} holds 2172 bytes but /Params /Size says 9"),
    (_dropped, f"embedded file {YAML!r} is missing"),
])
def test_check_names_each_damaged_embedded_file(copy: Paths, change: Change, expected: str) -> None:
    _damage(copy.pdf(FIRST), change)
    result = archivist("check", *folder_args(copy), "--profile", "3u")
    assert result.returncode == 8, result.stdout
    assert f"{copy.pdf(FIRST)}: {expected}" in result.stdout


def test_check_fails_when_an_input_changes_after_the_build(copy: Paths, tmp_path: Path) -> None:
    metadata = tmp_path / "metadata"
    shutil.copytree(copy.metadata, metadata)
    record = metadata / YAML
    record.write_bytes(record.read_bytes() + b"# a comment changes the bytes, not the values\n")
    result = archivist("check", *folder_args(Paths(copy.seeds, metadata, copy.archive)), "--profile", "3u")
    assert result.returncode == 8
    assert result.stdout.splitlines() == [
        f"{copy.pdf(FIRST)}: embedded file {YAML!r} differs from the input in its bytes"]


def test_check_refuses_embedded_files_outside_pdfa3(tmp_path: Path) -> None:
    paths = first_article_workspace(tmp_path)
    pdf = build(paths, "2u")
    writer = PdfWriter(clone_from=PdfReader(pdf))
    writer.add_attachment("extra.txt", b"smuggled")
    _save(writer, pdf)
    result = archivist("check", *folder_args(paths), "--profile", "2u")
    assert result.returncode == 8
    assert f"{pdf}: embedded files are not allowed in PDF/A-2u" in result.stdout
