"""End to end: the first article built for real, read back by pypdf, poppler and exiftool."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import FIRST, archivist, folder_args, require_tool
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ByteStringObject, ContentStream, NameObject

from archivist.build import Paths
from archivist.record import read_record

# Values as they stand in metadata/2021-07-laftit-lamorgese-rabat.yaml, written out here
# so that the test does not read them through the code under test.
TITLE = ("Abdelouafi Laftit et Luciana Lamorgese font le point sur la coopération "
         "maroco-italienne à Rabat")
IDENTIFIER = "urn:archivist:2021-07-laftit-lamorgese-rabat"


def build(paths: Paths, *extra: str, env: dict | None = None) -> Path:
    result = archivist("build", *folder_args(paths), *extra, env=env)
    assert result.returncode == 0, result.stderr
    return paths.archive / "2021" / f"{FIRST}.pdf"


@pytest.fixture
def pdf(workspace: Paths) -> Path:
    return build(workspace)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_pdf_lands_under_its_year_with_a_date_first_name(pdf: Path, workspace: Paths) -> None:
    assert pdf.exists()
    assert [p.relative_to(workspace.archive).as_posix() for p in workspace.archive.rglob("*.pdf")] == [
        f"2021/{FIRST}.pdf"]
    assert not [p for p in workspace.archive.rglob("*") if p.name.startswith(".tmp")]


def test_archivist_check_passes(pdf: Path, workspace: Paths) -> None:
    result = archivist("check", *folder_args(workspace))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 good, 0 with problems" in result.stderr


def test_pypdf_reads_claim_info_and_text(pdf: Path) -> None:
    reader = PdfReader(pdf)
    assert reader.metadata.title == TITLE
    assert reader.metadata.author == "Agence Maghreb Arabe Presse (MAP)"
    xmp = reader.xmp_metadata
    assert xmp.dc_title == {"x-default": TITLE, "fr": TITLE}
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    assert reader.pdf_header == "%PDF-1.7"  # PDF/A-2 (ISO 19005-2) is built on ISO 32000-1, PDF 1.7
    first_page = reader.pages[0].extract_text()
    assert "juillet 2021" in first_page
    assert f"{IDENTIFIER}  ·  page 1 / {len(reader.pages)}" in first_page
    assert len(reader.trailer["/ID"][0]) == 16


def test_poppler_reads_title_pages_and_every_word(pdf: Path, workspace: Paths) -> None:
    require_tool("pdfinfo")
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    assert re.search(rf"^Title:\s+{re.escape(TITLE)}$", info, re.M)
    assert re.search(rf"^Pages:\s+{len(PdfReader(pdf).pages)}$", info, re.M)
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True).stdout
    text = "\n".join(line for line in text.splitlines() if "· page " not in line)  # footers between pages
    source = workspace.article(FIRST).read_text(encoding="utf-8").strip().removeprefix("date 2021-07")

    def squeeze(s: str) -> str:  # no spaces, no hyphens: line breaks and hyphenation vanish
        return re.sub(r"[\s\-\u00a0\u00ad]", "", s)

    assert squeeze(source) in squeeze(text)


def test_pdffonts_lists_only_embedded_fonts_with_unicode_maps(pdf: Path) -> None:
    require_tool("pdffonts")
    rows = subprocess.run(["pdffonts", pdf], capture_output=True, text=True, check=True).stdout
    fonts = rows.splitlines()[2:]
    assert fonts
    for row in fonts:
        emb, sub, uni = row.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row


def test_exiftool_reads_every_dc_field_equal_to_the_record(pdf: Path, workspace: Paths) -> None:
    require_tool("exiftool")
    out = subprocess.run(["exiftool", "-j", "-XMP-dc:all", pdf], capture_output=True, text=True,
                         check=True).stdout
    tags = json.loads(out)[0]
    record = read_record(workspace.record(FIRST))
    expected = {
        "Title": TITLE, "Title-fr": TITLE,
        "Description": record.lang_text("description"), "Description-fr": record.lang_text("description"),
        "Rights": record.lang_text("rights"), "Rights-fr": record.lang_text("rights"),
        "Creator": "Agence Maghreb Arabe Presse (MAP)",
        "Subject": list(record.texts("subject")), "Contributor": list(record.texts("contributor")),
        "Publisher": "Agence Maghreb Arabe Presse (MAP)",
        "Date": "2021:07",  # exiftool prints XMP dates with colons
        "Type": "Text", "Format": "application/pdf", "Identifier": IDENTIFIER,
        "Source": record.texts("source")[0], "Language": "fr", "Relation": record.texts("relation")[0],
        "Coverage": record.texts("coverage")[0],
    }
    tags.pop("SourceFile")
    assert tags == expected


def test_two_builds_are_byte_identical(workspace: Paths, tmp_path: Path) -> None:
    first = build(workspace)
    digest = sha256(first)
    first.unlink()
    again = build(workspace, "-j", "1", env={"TZ": "Asia/Kolkata", "PYTHONHASHSEED": "123", "LANG": "C"})
    assert sha256(again) == digest


def test_source_date_epoch_sets_the_dates(workspace: Paths) -> None:
    pdf = build(workspace, env={"SOURCE_DATE_EPOCH": "1700000000"})
    reader = PdfReader(pdf)
    assert reader.metadata["/CreationDate"] == "D:20231114221320+00'00'"
    assert b"<xmp:CreateDate>2023-11-14T22:13:20Z</xmp:CreateDate>" in pdf.read_bytes()


@pytest.mark.parametrize(("epoch", "date"), [("-30610224000", "D:10000101000000+00'00'"),
                                             ("253402300799", "D:99991231235959+00'00'")])
def test_source_date_epoch_may_be_any_instant_a_pdf_date_can_write(workspace: Paths, epoch: str,
                                                                  date: str) -> None:
    assert PdfReader(build(workspace, env={"SOURCE_DATE_EPOCH": epoch})).metadata["/CreationDate"] == date


@pytest.mark.parametrize("epoch", ["-30610224001", "253402300800", "-99999999999", "1.5", "abc", " 12"])
def test_a_source_date_epoch_no_pdf_date_can_write_is_refused_before_any_article(workspace: Paths,
                                                                                 epoch: str) -> None:
    """Outside the years 1000 to 9999 a PDF's dates have no four-digit year: refused as a usage
    error, once, naming the range, and nothing is built."""
    result = archivist("build", *folder_args(workspace), env={"SOURCE_DATE_EPOCH": epoch})
    assert result.returncode == 2
    assert result.stderr == (f"archivist: SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds from "
                             "-30610224000 to 253402300799 (the years 1000 to 9999) (unset it, or give the "
                             "seconds since 1970-01-01 UTC (negative before))\n")
    assert not list(workspace.archive.rglob("*.pdf"))


def test_without_source_date_epoch_the_date_is_the_articles(pdf: Path) -> None:
    assert PdfReader(pdf).metadata["/CreationDate"] == "D:20210701000000+00'00'"


def test_different_articles_never_share_an_id(workspace: Paths) -> None:
    first = PdfReader(build(workspace)).trailer["/ID"][0]
    seed = workspace.article(FIRST)
    seed.write_bytes(seed.read_bytes().replace(b"vendredi", b"jeudi"))
    second = PdfReader(build(workspace)).trailer["/ID"][0]
    assert first != second


@pytest.mark.parametrize("profile", ["1b", "2b", "2u", "3b", "3u"])
def test_every_profile_builds_and_checks(workspace: Paths, profile: str) -> None:
    pdf = build(workspace, "--profile", profile)
    assert f"<pdfaid:part>{profile[0]}</pdfaid:part>".encode() in pdf.read_bytes()
    # PDF/A-1 is built on PDF 1.4 (ISO 19005-1, 5.1); PDF/A-2 and -3 on ISO 32000-1, PDF 1.7.
    assert PdfReader(pdf).pdf_header == ("%PDF-1.4" if profile[0] == "1" else "%PDF-1.7")
    result = archivist("check", *folder_args(workspace), "--profile", profile)
    assert result.returncode == 0, result.stdout


# -- damaged copies: the checker must catch each, naming the file and the problem -------


def _rewrite(pdf: Path, change) -> None:
    writer = PdfWriter(clone_from=PdfReader(pdf))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    pdf.write_bytes(out.getvalue())


def _edit_xmp(old: bytes, new: bytes):
    def change(writer: PdfWriter) -> None:
        stream = writer._root_object["/Metadata"].get_object()
        data = stream.get_data()
        assert old in data
        stream.set_data(data.replace(old, new))
    return change


def _mislabel_xmp(writer: PdfWriter) -> None:
    stream = writer._root_object["/Metadata"].get_object()
    stream[NameObject("/Type")] = NameObject("/Metadatx")


def _remove_word(writer: PdfWriter) -> None:
    """Delete the body's first word from page 1's content stream, through the font's ToUnicode map."""
    page = writer.pages[0]
    targets = set()
    for font in page["/Resources"]["/Font"].values():  # the body's face, whichever subset it is
        cmap = font.get_object()["/ToUnicode"].get_object().get_data().decode()
        to_code = {chr(int(uni, 16)): int(code, 16) for code, uni in re.findall(r"<(\w\w)> <(\w{4})>", cmap)}
        if all(c in to_code for c in "Le "):
            targets.add(bytes(to_code[c] for c in "Le "))
    content = ContentStream(page.get_contents(), writer)
    for operands, operator in content.operations:
        if operator == b"Tj" and bytes(operands[0].original_bytes)[:3] in targets:
            operands[0] = ByteStringObject(bytes(operands[0].original_bytes)[3:])  # the line without 'Le '
            break
    else:
        raise AssertionError("the body's first line was not found")
    page[NameObject("/Contents")] = writer._add_object(content)


@pytest.mark.parametrize(("damage", "expected"), [
    (_edit_xmp(b'xml:lang="fr">Abdelouafi', b'xml:lang="fr">Abdelwafi'),
     "XMP dc:title is [x-default] 'Abdelouafi Laftit"),
    (_edit_xmp(b"<rdf:li>2021-07</rdf:li>", b"<rdf:li>2021-07-01</rdf:li>"),
     "XMP dc:date is '2021-07-01', the record says '2021-07'"),
    (_mislabel_xmp, "the catalog's /Metadata stream is /Type /Metadatx /Subtype /XML, "
                    "not /Type /Metadata /Subtype /XML"),
    (_remove_word, "paragraph 1, word 1: the structure reads 'ministre de l’Intérieur, Abdelouafi' "
                   "where the article has 'Le ministre de l’Intérieur,'"),
])
def test_check_fails_precisely_on_damaged_copies(pdf: Path, workspace: Paths, damage, expected: str) -> None:
    _rewrite(pdf, damage)
    result = archivist("check", *folder_args(workspace))
    assert result.returncode == 8
    assert f"{pdf}: " in result.stdout
    assert expected in result.stdout, result.stdout


def test_check_reports_info_title_differing_from_xmp(pdf: Path, workspace: Paths) -> None:
    _rewrite(pdf, lambda w: w.add_metadata({"/Title": "Autre titre"}))
    result = archivist("check", *folder_args(workspace))
    assert result.returncode == 8
    assert "Info /Title is 'Autre titre' but XMP says" in result.stdout


def test_check_compares_the_page_text_with_the_article_itself(pdf: Path, workspace: Paths) -> None:
    """The same PDF is good against its article and wrong against an article one letter away."""
    article = workspace.article(FIRST)
    assert archivist("check", *folder_args(workspace)).returncode == 0
    text = article.read_text(encoding="utf-8")
    assert text.rstrip().endswith("Bourita.")
    article.write_text(text.rstrip()[:-len("Bourita.")] + "Bourite.\n", encoding="utf-8")
    result = archivist("check", *folder_args(workspace))
    assert result.returncode == 8
    assert "page text differs from the article: word " in result.stdout
    assert "the page has 'Bourita.' where the article has 'Bourite.'" in result.stdout, result.stdout
