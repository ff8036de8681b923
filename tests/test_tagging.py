"""The tagged layout: profiles and their claims, a paragraph over two pages, widows and orphans,
and the XMP each claim needs, read back from real files."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import FIRST, REPO, archivist, first_article_workspace, folder_args
from pypdf import PdfReader

from archivist.article import parse_article
from archivist.build import render
from archivist.errors import ArchivistError
from archivist.profile import DEFAULT_PROFILE, Profile
from archivist.record import parse_record, read_record

PDFUAID = "{http://www.aiim.org/pdfua/ns/id/}"
PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
PDFD = "{http://pdfa.org/declarations/}"
SCHEMA = "{http://www.aiim.org/pdfa/ns/schema#}"
WORDS = ("la", "coopération", "entre", "les", "deux", "ministères", "est", "appelée", "à", "se",
         "renforcer", "davantage", "eu", "égard", "aux", "nombreux", "défis", "sécuritaires", "et",
         "migratoires", "qui", "se", "posent", "aux", "deux", "pays")


@pytest.mark.parametrize(("name", "flavours", "version"), [
    ("2a+ua1", ("2a", "ua1"), "1.7"),
    ("PDF/A-1b+ua1", ("1b", "ua1"), "1.4"),
    ("4f+ua2", ("4f", "ua2", "wt1a"), "2.0"),
    ("4", ("4",), "2.0"),
])
def test_a_profile_names_every_standard_it_claims(name: str, flavours: tuple, version: str) -> None:
    profile = Profile.parse(name)
    assert profile.flavours == flavours
    assert profile.pdf_version == version
    assert Profile.parse(str(profile)) == profile


@pytest.mark.parametrize("name", ["2a+ua2", "4+ua1", "4u", "2c"])
def test_pairs_no_standard_allows_are_refused(name: str) -> None:
    with pytest.raises(ArchivistError, match="unknown PDF/A profile"):
        Profile.parse(name)


def test_the_default_is_pdfa_2a_with_pdfua_1() -> None:
    assert Profile.parse("2a+ua1") == DEFAULT_PROFILE


def _long_article(tmp_path: Path, profile: Profile) -> PdfReader:
    paragraphs = [" ".join(WORDS[(i * 5 + j) % len(WORDS)] for j in range(60 + 17 * (i % 4))).capitalize()
                  + "." for i in range(30)]
    article = parse_article(("date 2021-07 " + "\n".join(paragraphs)).encode(), tmp_path / "2021-07-long.txt")
    record = parse_record(b'title: Long\ndate: "2021-07"\nlanguage: fr\n', tmp_path / "2021-07-long.yaml",
                          article.date)
    return PdfReader(io.BytesIO(render(article, record, profile)))


def _lines_per_mcid(reader: PdfReader, page: int) -> dict[int, int]:
    data = reader.pages[page].get_contents().get_data()
    found = re.findall(rb"/P <</MCID (\d+)>> BDC(.*?)EMC", data, re.S)
    return {int(mcid): body.count(b"T*") + 1 for mcid, body in found}


def test_a_paragraph_over_two_pages_is_one_p_with_content_on_both(tmp_path: Path) -> None:
    reader = _long_article(tmp_path, DEFAULT_PROFILE)
    assert len(reader.pages) >= 3
    page_of = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages)}
    document = reader.trailer["/Root"]["/StructTreeRoot"]["/K"].get_object()
    split = 0
    for kid in document["/K"]:
        element = kid.get_object()
        items = element["/K"] if isinstance(element["/K"], list) else [element["/K"]]
        pages = [page_of[item.get_object().raw_get("/Pg").idnum] if hasattr(item.get_object(), "keys")
                 else page_of[element.raw_get("/Pg").idnum] for item in items]
        if len(set(pages)) > 1:
            split += 1
            assert element["/S"] == "/P" and pages == sorted(pages)
            first, second = pages[0], pages[-1]
            lines = _lines_per_mcid(reader, first), _lines_per_mcid(reader, second)
            # no orphan at the foot of the first page, no widow at the head of the next
            mcids = [item if isinstance(item, int) else item.get_object()["/MCID"] for item in items]
            assert lines[0][mcids[0]] >= 2 and lines[1][mcids[-1]] >= 2
    assert split >= 1


def test_pdfua_claims_carry_their_extension_schema_and_declaration(tmp_path: Path) -> None:
    record = read_record(REPO / "metadata" / f"{FIRST}.yaml")
    article = parse_article((REPO / "seeds" / f"{FIRST}.txt").read_bytes(), REPO / "seeds" / f"{FIRST}.txt")

    def xmp(profile: Profile) -> ET.Element:
        reader = PdfReader(io.BytesIO(render(article, record, profile)))
        return ET.fromstring(reader.trailer["/Root"]["/Metadata"].get_object().get_data())

    ua1 = xmp(Profile.parse("2a+ua1"))
    assert ua1.find(f".//{PDFUAID}part").text == "1"
    assert ua1.find(f".//{PDFUAID}rev") is None
    assert [e.text for e in ua1.iter(f"{SCHEMA}prefix")] == ["pdfuaid"]
    ua2 = xmp(Profile.parse("4+ua2"))
    assert (ua2.find(f".//{PDFAID}part").text, ua2.find(f".//{PDFAID}rev").text) == ("4", "2020")
    assert ua2.find(f".//{PDFAID}conformance") is None
    assert (ua2.find(f".//{PDFUAID}part").text, ua2.find(f".//{PDFUAID}rev").text) == ("2", "2024")
    assert [e.text for e in ua2.iter(f"{PDFD}conformsTo")] == [
        "http://pdfa.org/declarations/wtpdf#accessibility1.0"]
    assert list(ua2.iter(f"{SCHEMA}prefix")) == []  # PDF/A-4 needs no extension schemas
    plain = xmp(Profile.parse("2u"))
    assert plain.find(f".//{PDFUAID}part") is None


def test_pdfa_4_has_no_info_dictionary_and_a_pdf_2_header(tmp_path: Path) -> None:
    record = read_record(REPO / "metadata" / f"{FIRST}.yaml")
    article = parse_article((REPO / "seeds" / f"{FIRST}.txt").read_bytes(), REPO / "seeds" / f"{FIRST}.txt")
    data = render(article, record, Profile.parse("4"))
    assert data.startswith(b"%PDF-2.0\n")
    assert "/Info" not in PdfReader(io.BytesIO(data)).trailer


def test_an_archive_from_before_recorded_profiles_is_rebuilt_once_in_the_new_default(tmp_path: Path) -> None:
    """The upgrade the README describes: an archive that records no profile (built before
    archivist recorded one) is rebuilt in 2a+ua1 by its next build, which records the profile;
    the fixity manifest agrees with the archive."""
    paths = first_article_workspace(tmp_path)
    archivist("build", *folder_args(paths), "--profile", "2u", check=True)
    old = paths.pdf(FIRST).read_bytes()
    (paths.archive / "archivist-profile.txt").unlink()
    listing = paths.archive / "manifest-sha256.txt"
    listing.write_text("".join(line for line in listing.read_text().splitlines(keepends=True)
                               if not line.rstrip().endswith("archivist-profile.txt")))
    archivist("build", *folder_args(paths), check=True)
    assert (paths.archive / "archivist-profile.txt").read_text() == "2a+ua1\n"
    new = paths.pdf(FIRST).read_bytes()
    assert new != old and b"<pdfuaid:part>1</pdfuaid:part>" in new
    assert archivist("verify", "--archive", paths.archive).returncode == 0
    assert archivist("check", *folder_args(paths)).returncode == 0


def test_an_archive_that_records_2u_moves_to_the_new_default_only_when_asked(tmp_path: Path) -> None:
    paths = first_article_workspace(tmp_path)
    archivist("build", *folder_args(paths), "--profile", "2u", check=True)
    old = paths.pdf(FIRST).read_bytes()
    archivist("build", *folder_args(paths), check=True)
    assert (paths.archive / "archivist-profile.txt").read_text() == "2u\n"
    assert paths.pdf(FIRST).read_bytes() == old
    archivist("build", *folder_args(paths), "--profile", "2a+ua1", "--change-profile", check=True)
    assert (paths.archive / "archivist-profile.txt").read_text() == "2a+ua1\n"
    assert b"<pdfuaid:part>1</pdfuaid:part>" in paths.pdf(FIRST).read_bytes()
    assert archivist("verify", "--archive", paths.archive).returncode == 0
    assert archivist("check", *folder_args(paths)).returncode == 0
