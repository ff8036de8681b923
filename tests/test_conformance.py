"""veraPDF, the reference validator, over a corpus built here, for every profile.

The good corpus must pass with zero failed rules; deliberately broken variants must fail
with the rule that names their fault, which proves the harness can fail at all.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from conftest import FIRST, first_article_workspace, require_tool
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from archivist.build import Paths, build_one
from archivist.profile import ALL_PROFILES, Profile
from archivist.verapdf import run_verapdf

pytestmark = pytest.mark.verapdf

WORDS = (
    "la", "coopération", "entre", "les", "deux", "ministères", "est", "appelée", "à", "se",
    "renforcer", "davantage", "eu", "égard", "aux", "nombreux", "défis", "sécuritaires", "et",
    "migratoires", "qui", "se", "posent", "aux", "deux", "pays", "selon", "un", "communiqué",
    "publié", "vendredi", "à", "Rabat", "après", "la", "réunion", "de", "travail",
)


def _long_text(paragraphs: int) -> str:
    """Deterministic French prose: paragraph i rotates the word list by i."""
    out = []
    for i in range(paragraphs):
        words = [WORDS[(i * 7 + j) % len(WORDS)] for j in range(90)]
        out.append(" ".join(words).capitalize() + ".")
    return "\n\n".join(out)


def _charset_text() -> str:
    """Every printable character of Latin-1 and Latin Extended-A, and the usual typographic marks."""
    chars = [chr(c) for c in [*range(0x21, 0x7F), *range(0xA1, 0x180)] if chr(c).isprintable()]
    chars += list("“”‘’«»—–…€œŒ")
    lines = [" ".join(chars[i:i + 24]) for i in range(0, len(chars), 24)]
    return "Tous les caractères : « guillemets », points ; virgules ! questions ?\n" + "\n".join(lines)


ALL_FIFTEEN = """\
title: {fr: "Un titre en français", en: "A title in English", de: "Ein Titel auf Deutsch"}
creator: [Première Autrice, Second Author]
subject: [archives, PDF/A, Dublin Core]
description: {fr: "Une description.", en: "A description."}
publisher: Éditions d’essai
contributor: [Relectrice Une, Relecteur Deux]
date: "2021-07-16"
type: Text
format: application/pdf
identifier: "urn:archivist:test:all-fifteen"
source: "Source d’essai"
language: [fr, en, de]
relation: [urn:archivist:test:other]
coverage: "Rabat, Maroc"
rights: {fr: "Domaine public", en: "Public domain"}
"""
CORPUS = {  # stem: (article text, record)
    "2021-07-twelve-pages": ("date 2021-07 " + _long_text(62),
                             'title: Un article de douze pages\ndate: "2021-07"\nlanguage: fr\n'
                             'identifier: "urn:archivist:test:twelve"\n'),
    "2021-07-charset": ("date 2021-07 " + _charset_text(),
                        'title: "Caractères : Œuvre, cœur, €, « » — – …"\ndate: "2021-07"\nlanguage: fr\n'),
    "2021-07-16-all-fifteen": ("date 2021-07-16 Un article court, décrit par les quinze éléments.",
                               ALL_FIFTEEN),
    "2021-required-only": ("date 2021 Un article décrit par les seuls champs requis.",
                           'title: Requis\ndate: "2021"\nlanguage: en\n'),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[Profile, Paths]:
    """The corpus built once per profile, each in an archive of its own."""
    root = tmp_path_factory.mktemp("corpus")
    first = first_article_workspace(root)
    seeds, metadata = first.seeds, first.metadata
    for stem, (text, record) in CORPUS.items():
        (seeds / f"{stem}.txt").write_text(text, encoding="utf-8")
        (metadata / f"{stem}.yaml").write_text(record, encoding="utf-8")
    built = {}
    for profile in ALL_PROFILES:
        paths = Paths(seeds, metadata, root / f"archive-{profile}")
        for stem in paths.stems():
            build_one(paths, stem, profile)
        built[profile] = paths
    return built


def _pdfs(paths: Paths) -> list[Path]:
    return sorted(paths.archive.rglob("*.pdf"))


def test_the_corpus_is_what_it_claims(corpus: dict[Profile, Paths]) -> None:
    paths = corpus[Profile(2, "U")]
    assert len(PdfReader(paths.pdf("2021-07-twelve-pages")).pages) == 12
    assert len(_pdfs(paths)) == 5


def test_every_good_file_is_compliant_for_its_profile(verapdf: str, corpus: dict[Profile, Paths]) -> None:
    pdfs = [pdf for profile in ALL_PROFILES for pdf in _pdfs(corpus[profile])]
    assert len(pdfs) == 25
    reports = run_verapdf(pdfs)  # one JVM; each file validated against its own claim
    summary = {}
    for profile in ALL_PROFILES:
        mine = [r for r in reports if r.path.parent.parent.name == f"archive-{profile}"]
        assert {r.flavour for r in mine} == {profile.name}
        summary[profile.name] = (len(mine), sum(r.compliant for r in mine),
                                 sum(f.failed_checks for r in mine for f in r.failures))
    failed = {str(r.path): [f.rule_id for f in r.failures] for r in reports if not r.compliant}
    assert failed == {}
    print(f"veraPDF {verapdf}: profile -> (files, compliant, failed checks): {summary}")


# -- broken variants: veraPDF must fail each with the rule that names the fault ----------


def _break(source: Path, target: Path, change) -> Path:
    writer = PdfWriter(clone_from=PdfReader(source))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    target.write_bytes(out.getvalue())
    return target


def _unembed_fonts(writer: PdfWriter) -> None:
    for page in writer.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/FontDescriptor"].get_object()
            del descriptor[NameObject("/FontFile2")]


def _remove_xmp(writer: PdfWriter) -> None:
    del writer._root_object[NameObject("/Metadata")]


def _claim_part_three(writer: PdfWriter) -> None:
    stream = writer._root_object["/Metadata"].get_object()
    stream.set_data(stream.get_data().replace(b"<pdfaid:part>1</pdfaid:part>",
                                              b"<pdfaid:part>3</pdfaid:part>"))


def _other_info_title(writer: PdfWriter) -> None:
    writer.add_metadata({"/Title": "Un autre titre"})


BROKEN = {  # name: (damage, expected rule of PDF/A-1b, from veraPDF's profile for ISO 19005-1)
    "font-not-embedded": (_unembed_fonts, "6.3.4-1"),
    "xmp-removed": (_remove_xmp, "6.7.2-1"),
    "claims-part-3": (_claim_part_three, "6.7.11-2"),
    "info-title-differs": (_other_info_title, "6.7.3-2"),
}


def test_broken_variants_fail_with_the_expected_rule(verapdf: str, corpus: dict[Profile, Paths],
                                                     tmp_path: Path) -> None:
    good = corpus[Profile(1, "B")].pdf(FIRST)
    variants = {name: _break(good, tmp_path / f"{name}.pdf", damage) for name, (damage, _) in BROKEN.items()}
    reports = run_verapdf(list(variants.values()), "1b")
    for (name, (_, rule)), report in zip(BROKEN.items(), reports, strict=True):
        assert not report.compliant, name
        assert rule in [f.rule_id for f in report.failures], (name, report.failures)


def test_broken_variants_fail_pdfa_2u_too(verapdf: str, corpus: dict[Profile, Paths], tmp_path: Path) -> None:
    good = corpus[Profile(2, "U")].pdf(FIRST)
    expected = {"font-not-embedded": "6.2.11.4.1-1", "xmp-removed": "6.6.2.1-1"}
    variants = [_break(good, tmp_path / f"{name}.pdf", BROKEN[name][0]) for name in expected]
    for (name, rule), report in zip(expected.items(), run_verapdf(variants, "2u"), strict=True):
        assert rule in [f.rule_id for f in report.failures], (name, report.failures)


# -- other real readers ------------------------------------------------------------------


def test_qpdf_finds_no_structural_problem(corpus: dict[Profile, Paths]) -> None:
    qpdf = require_tool("qpdf")
    for profile in ALL_PROFILES:
        for pdf in _pdfs(corpus[profile]):
            result = subprocess.run([qpdf, "--check", pdf], capture_output=True, text=True)
            assert result.returncode == 0, result.stdout + result.stderr
            assert "No syntax or stream encoding errors found" in result.stdout


def test_poppler_sees_embedded_fonts_titles_and_pages(corpus: dict[Profile, Paths]) -> None:
    require_tool("pdffonts")
    for profile in ALL_PROFILES:
        for pdf in _pdfs(corpus[profile]):
            rows = subprocess.run(["pdffonts", pdf], capture_output=True, text=True, check=True).stdout
            for row in rows.splitlines()[2:]:
                assert row.split()[-5] == "yes", (pdf, row)
            info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
            assert f"Pages:           {len(PdfReader(pdf).pages)}" in info
            assert "Title:" in info
