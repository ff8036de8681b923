"""veraPDF, the reference validator, over a corpus built here, for every profile.

The good corpus must pass with zero failed rules; deliberately broken variants must fail
with the rule that names their fault, which proves the harness can fail at all.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from conftest import FIRST, first_article_workspace, require_tool
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
)

from archivist.build import Paths, build_one, load_inputs
from archivist.check import check_pdf
from archivist.profile import ALL_PROFILES, DEFAULT_PROFILE, Profile
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
    "2021-07-twelve-pages": ("date 2021-07 " + _long_text(69),
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
    assert len(PdfReader(paths.pdf("2021-07-twelve-pages")).pages) >= 12  # at the 66-character measure
    # Two pages at that measure, and two font programs (the regular one draws the lining figures too).
    assert corpus[DEFAULT_PROFILE].pdf(FIRST).stat().st_size <= 24 * 1024
    assert len(_pdfs(paths)) == 5


def test_every_good_file_is_compliant_for_its_profile(verapdf: str, corpus: dict[Profile, Paths]) -> None:
    """Each file passes every standard it claims: PDF/A, PDF/UA, and Well-Tagged PDF beside PDF/UA-2."""
    assert sum(len(_pdfs(corpus[profile])) for profile in ALL_PROFILES) == 5 * len(ALL_PROFILES)
    summary, failed = {}, {}
    for flavour in sorted({flavour for profile in ALL_PROFILES for flavour in profile.flavours}):
        claiming = [profile for profile in ALL_PROFILES if flavour in profile.flavours]
        reports = run_verapdf([pdf for profile in claiming for pdf in _pdfs(corpus[profile])], flavour)
        assert {r.flavour for r in reports} == {flavour}
        for profile in claiming:
            mine = [r for r in reports if r.path.parent.parent.name == f"archive-{profile}"]
            summary[f"{profile}/{flavour}"] = (len(mine), sum(r.compliant for r in mine),
                                               sum(f.failed_checks for r in mine for f in r.failures))
        failed.update({f"{r.path} ({flavour})": [f.rule_id for f in r.failures]
                       for r in reports if not r.compliant})
    assert failed == {}
    print(f"veraPDF {verapdf}: profile/flavour -> (files, compliant, failed checks): {summary}")


# -- broken variants: veraPDF must fail each with the rule that names the fault ----------


def _break(source: Path, target: Path, change) -> Path:
    reader = PdfReader(source)
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    target.write_bytes(out.getvalue())
    return target


def _unembed_fonts(writer: PdfWriter) -> None:
    for page in writer.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/FontDescriptor"].get_object()
            descriptor.pop(NameObject("/FontFile2"), None)  # pages share their fonts


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


# -- broken tagging: veraPDF names the PDF/UA rule where one exists; archivist check always --


def _replace_content(writer: PdfWriter, change) -> None:
    page = writer.pages[0]
    data = page.get_contents().get_data()
    stream = DecodedStreamObject()
    stream.set_data(change(data))
    assert stream.get_data() != data
    page[NameObject("/Contents")] = writer._add_object(stream)


def _unmark_paragraph(writer: PdfWriter) -> None:
    """The first body paragraph (MCID 2) drawn outside any marked-content sequence."""
    def change(data: bytes) -> bytes:
        begin = data.index(b"/P <</MCID 2>> BDC")
        end = data.index(b"EMC", begin)
        return data[:begin] + data[begin + len(b"/P <</MCID 2>> BDC"):end] + data[end + 3:]
    _replace_content(writer, change)


def _footer_in_tree(writer: PdfWriter) -> None:
    """The footer tagged as a P of the Document, complete with its parent-tree entry."""
    tree = writer._root_object["/StructTreeRoot"].get_object()
    on_page = tree["/ParentTree"].get_object()["/Nums"][1]
    mcid = len(on_page)
    _replace_content(writer, lambda data: data.replace(
        b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC", b"/P <</MCID %d>> BDC" % mcid))
    element = writer._add_object(DictionaryObject({
        NameObject("/S"): NameObject("/P"), NameObject("/P"): tree["/K"],
        NameObject("/Pg"): writer.pages[0].indirect_reference, NameObject("/K"): NumberObject(mcid)}))
    tree["/K"].get_object()["/K"].append(element)
    on_page.append(element)


def _no_lang(writer: PdfWriter) -> None:
    del writer._root_object[NameObject("/Lang")]


def _display_doc_title_false(writer: PdfWriter) -> None:
    writer._root_object["/ViewerPreferences"][NameObject("/DisplayDocTitle")] = BooleanObject(False)


def _empty_paragraph(writer: PdfWriter) -> None:
    tree = writer._root_object["/StructTreeRoot"].get_object()
    tree["/K"].get_object()["/K"].append(writer._add_object(DictionaryObject({
        NameObject("/S"): NameObject("/P"), NameObject("/P"): tree["/K"]})))


# name: (damage, {flavour: veraPDF rule}, what archivist check says). veraPDF has no rule for
# a footer tagged as text or an element without content: both are well-formed structure, and
# only a reader who knows the article can tell; archivist check is that reader.
BROKEN_TAGGING = {
    "paragraph-unmarked": (_unmark_paragraph, {"ua1": "7.1-3", "ua2": "8.2.2-1", "wt1a": "8.2.2-1"},
                           "painting operator(s) outside marked content"),
    "footer-in-tree": (_footer_in_tree, {}, "is not an artifact"),
    "no-lang": (_no_lang, {"ua1": "7.2-34", "ua2": "8.4.4-1", "wt1a": "8.4.4-1"}, "has no /Lang"),
    "display-doc-title-false": (_display_doc_title_false,
                                {"ua1": "7.1-10", "ua2": "8.11.2-1", "wt1a": "8.11.2-1"},
                                "lacks /DisplayDocTitle true"),
    "empty-paragraph": (_empty_paragraph, {}, "a P element has no content"),
}


@pytest.mark.parametrize("profile", [DEFAULT_PROFILE, Profile(4, "", 2)], ids=str)
def test_broken_tagging_fails_verapdf_and_check(verapdf: str, corpus: dict[Profile, Paths],
                                                tmp_path: Path, profile: Profile) -> None:
    good = corpus[profile].pdf(FIRST)
    article, record = load_inputs(corpus[profile], FIRST)
    variants = {name: _break(good, tmp_path / f"{name}.pdf", damage)
                for name, (damage, _, _) in BROKEN_TAGGING.items()}
    for name, pdf in variants.items():
        problems = check_pdf(pdf.read_bytes(), article, record, profile)
        assert any(BROKEN_TAGGING[name][2] in problem for problem in problems), (name, problems)
    for flavour in profile.flavours[1:]:
        reports = dict(zip(variants, run_verapdf(list(variants.values()), flavour), strict=True))
        for name, (_, rules, _) in BROKEN_TAGGING.items():
            if flavour in rules:
                assert rules[flavour] in [f.rule_id for f in reports[name].failures], (name, flavour)


# -- other real readers ------------------------------------------------------------------


def test_qpdf_finds_no_structural_problem(corpus: dict[Profile, Paths]) -> None:
    qpdf = require_tool("qpdf")
    for profile in ALL_PROFILES:
        for pdf in _pdfs(corpus[profile]):
            result = subprocess.run([qpdf, "--check", pdf], capture_output=True, text=True)
            assert result.returncode == 0, result.stdout + result.stderr
            assert "No syntax or stream encoding errors found" in result.stdout


def _struct_text(tree: str) -> list[tuple[str, list[str]]]:
    """pdfinfo -struct-text's elements under Document: role, then one quoted line per marked
    content sequence, read as one text."""
    elements: list[tuple[str, list[str]]] = []
    for line in tree.splitlines()[1:]:
        if match := re.fullmatch(r"  (\S+) \(\w+\)", line):
            elements.append((match[1], []))
        elif match := re.fullmatch(r'    "(.*)"', line):
            elements[-1][1].append(match[1])
    return [(role, "".join(parts).split()) for role, parts in elements]


def test_poppler_reads_the_structure_as_the_article(corpus: dict[Profile, Paths]) -> None:
    """pdfinfo -struct-text: H1 the title, then the dateline, then each paragraph, word for word,
    and no footer; poppler drops the soft hyphens of hyphenated words, as ISO 32000 asks."""
    require_tool("pdfinfo")
    for profile in ALL_PROFILES:
        paths = corpus[profile]
        for stem in paths.stems():
            pdf = paths.pdf(stem)
            info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
            assert re.search(r"^Tagged:\s+yes$", info, re.M), pdf
            tree = subprocess.run(["pdfinfo", "-struct-text", pdf], capture_output=True, text=True,
                                  check=True).stdout
            assert tree.startswith("Document\n"), (pdf, tree[:200])
            # French no-break spaces read as spaces; no added hyphen is left in a word
            assert "\u00a0" not in tree and "\u00ad" not in tree and "-\n" not in tree, pdf
            elements = _struct_text(tree)
            article, record = load_inputs(paths, stem)
            assert [role for role, _ in elements] == ["H1"] + ["P"] * (1 + len(article.paragraphs)), pdf
            assert elements[0][1] == record.title.split(), pdf
            assert elements[1][1], pdf  # the dateline
            assert [words for _, words in elements[2:]] == [p.split() for p in article.paragraphs], pdf
            assert not re.search(r"page \d+ / \d+", tree), pdf  # no footer


def test_poppler_sees_embedded_fonts_titles_and_pages(corpus: dict[Profile, Paths]) -> None:
    require_tool("pdffonts")
    for profile in ALL_PROFILES:
        for pdf in _pdfs(corpus[profile]):
            rows = subprocess.run(["pdffonts", pdf], capture_output=True, text=True, check=True).stdout
            for row in rows.splitlines()[2:]:
                assert row.split()[-5] == "yes", (pdf, row)
            info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
            assert f"Pages:           {len(PdfReader(pdf).pages)}" in info
            assert ("Title:" in info) == profile.keeps_info  # PDF/A-4 has no Info dictionary
