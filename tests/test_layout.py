"""The page a reader sees: measure, title, figures and page ends, read back by poppler."""

from __future__ import annotations

import io
import re
import statistics
import subprocess
import unicodedata
from pathlib import Path

import pytest
import yaml
from conftest import FIRST, REPO, require_tool
from pypdf import PdfReader
from pypdf.generic import ContentStream

from archivist import fonts
from archivist.article import parse_article
from archivist.build import render
from archivist.errors import GlyphError
from archivist.fonts import FONT_DIR, LINING_FIGURES
from archivist.profile import DEFAULT_PROFILE
from archivist.record import parse_record

HYPHENS = ("-", "\u00ad", "\u2010")
# Poppler's box of a body line: 12-point type, EB Garamond's ascent and descent spanning 1000 units.
BODY_LINE_HEIGHT = 12.0


def seed_paragraphs() -> list[str]:
    lines = (REPO / "seeds" / f"{FIRST}.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines[1:] if line.strip()]


def build(tmp_path: Path, title: str, paragraphs: list[str], language: str = "fr") -> Path:
    article = parse_article(("date 2021-07\n" + "\n".join(paragraphs) + "\n").encode(),
                            tmp_path / "2021-07-x.txt")
    record = parse_record(yaml.safe_dump({"title": title, "date": "2021-07", "language": language},
                                         allow_unicode=True).encode(), tmp_path / "2021-07-x.yaml")
    path = tmp_path / "out.pdf"
    path.write_bytes(render(article, record, DEFAULT_PROFILE))
    return path


def page_lines(pdf: Path, page: int) -> list[str]:
    text = subprocess.run([require_tool("pdftotext"), "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def pages(pdf: Path) -> int:
    info = subprocess.run([require_tool("pdfinfo"), str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def test_no_page_ends_with_a_hyphen_and_no_three_hyphens_in_a_row(tmp_path: Path) -> None:
    paragraphs = seed_paragraphs() * 6
    pdf = build(tmp_path, "Essai", paragraphs)
    total = pages(pdf)
    assert total >= 4
    hyphenated = 0
    for page in range(1, total + 1):
        lines = page_lines(pdf, page)[:-1]  # the footer is the last line
        assert not lines[-1].endswith(HYPHENS), (page, lines[-1])
        ends = [line.endswith(HYPHENS) for line in lines]
        hyphenated += sum(ends)
        assert not any(all(ends[n:n + 3]) for n in range(len(ends) - 2)), page
    assert hyphenated  # the body is hyphenated, just never at a page's foot


def test_body_lines_hold_sixty_to_seventy_five_characters(tmp_path: Path) -> None:
    pdf = build(tmp_path, "Essai", seed_paragraphs() * 2)
    lines = [line for page in range(1, pages(pdf) + 1) for line in page_lines(pdf, page)[2:-1]]
    full = sorted(len(line) for line in lines)[len(lines) // 4:]  # leave out paragraphs' last lines
    assert 60 <= statistics.fmean(full) <= 75


def letters_past_one_subset() -> str:
    """Words of 300 letters past Latin-1 the body face draws: a font subset holds 256 codes, so
    the paragraphs after them are drawn from the face's second subset too."""
    letters = [chr(code) for code in sorted(fonts.coverage("regular"))
               if code > 0xFF and unicodedata.category(chr(code)) in ("Ll", "Lu")][:300]
    return " ".join("".join(letters[start:start + 6]) for start in range(0, len(letters), 6))


@pytest.mark.parametrize("subsets", ["one", "two"])
def test_justified_lines_end_at_the_right_margin_as_poppler_places_them(tmp_path: Path, subsets: str) -> None:
    """Every line of a paragraph but its last reaches the text block's right edge, 160 mm from
    the page's left (A4 with 50 mm margins), to a tenth of a point: what poppler measures of the
    glyphs drawn, word spacing or TJ gaps (a line with a no-break space, never widened) applied,
    in the font's first subset or past it."""
    signs = ("Le ministre a déclaré : « la coopération est exemplaire » ; il a ajouté : « nous "
             "continuerons ! » Puis, interrogé sur le calendrier : « avant l’automne ? » a-t-il répondu.")
    first = [letters_past_one_subset()] if subsets == "two" else []
    pdf = build(tmp_path, "Essai", first + seed_paragraphs() * 2 + [signs] * 3)
    layout = subprocess.run([require_tool("pdftotext"), "-bbox-layout", str(pdf), "-"],
                            capture_output=True, text=True, check=True).stdout
    right = 160 * 72 / 25.4
    justified = 0
    for block in re.findall(r"<block .*?</block>", layout, re.S):
        lines = [(float(y_min), float(x_max), float(y_max)) for y_min, x_max, y_max in re.findall(
            r'<line xMin="[\d.]+" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">', block)]
        if not all(abs(y_max - y_min - BODY_LINE_HEIGHT) < 0.01 for y_min, _, y_max in lines):
            continue  # the title, the dateline or a footer: set ragged
        for _, x_max, _ in lines[:-1]:  # a paragraph's last line on the page may end anywhere
            assert abs(x_max - right) < 0.1, (x_max, right)
            justified += 1
    assert justified >= 40


@pytest.mark.parametrize("subsets", ["one", "two"])
def test_every_text_object_leaves_word_spacing_at_zero(tmp_path: Path, subsets: str) -> None:
    """Word spacing is text state that outlives ET (ISO 32000-1, 9.3.1): a text object that
    widened its lines must set it back, or the next one's unstretched lines, the footer's among
    them, would be widened too."""
    first = [letters_past_one_subset()] if subsets == "two" else []
    pdf = build(tmp_path, "Essai", [*first, " ".join(seed_paragraphs() * 2)])  # split by a page end
    widened = 0
    for page in PdfReader(pdf).pages:
        spacing = 0.0
        for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
            if operator == b"Tw":
                spacing = float(operands[0])
                widened += spacing > 0
            elif operator == b"ET":
                assert spacing == 0.0
    assert widened >= 10


def test_title_is_balanced_with_no_word_alone_on_its_last_line(tmp_path: Path) -> None:
    title = ("Abdelouafi Laftit et Luciana Lamorgese font le point sur la coopération "
             "maroco-italienne à Rabat")
    pdf = build(tmp_path, title, seed_paragraphs()[:1])
    lines = page_lines(pdf, 1)
    taken, words = 0, []
    while words != title.split():
        words += lines[taken].split()
        taken += 1
    assert taken >= 2
    assert len(lines[taken - 1].split()) > 1
    widths = [len(line) for line in lines[:taken]]
    assert min(widths) > 0.6 * max(widths)
    assert not any(line.endswith(HYPHENS) and not line.endswith("o-") for line in lines[:taken - 1])


def test_footer_and_title_figures_use_the_lining_face(tmp_path: Path) -> None:
    """Figures of the title and the footer are EB Garamond's lining figures, running text's its
    old-style ones; one embedded font program draws both, and a reader gets the digits back."""
    pdf = build(tmp_path, "Le budget 2021 : 1 500 millions", ["En 2021, le budget passe à 1 500 millions."])
    fonts = subprocess.run([require_tool("pdffonts"), str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    assert [line.split()[0] for line in fonts.splitlines()[2:]] == [
        "AAAAAA+EBGaramond12-Regular", "AAAAAA+EBGaramond12-Italic"]
    assert page_lines(pdf, 1)[0] == "Le budget 2021 : 1 500 millions"
    assert page_lines(pdf, 1)[2] == "En 2021, le budget passe à 1 500 millions."
    assert page_lines(pdf, 1)[-1].endswith("page 1 / 1")

    drawn = _figures_drawn(pdf)  # where -> {digit: glyph outlines drawn for it}
    lining, old_style = (_outlines(FONT_DIR / name, "0125") for name in ("EBGaramond12-Lining.ttf",
                                                                          "EBGaramond12-Regular.ttf"))
    assert lining != old_style
    for digit in "0125":
        assert drawn["title"][digit] == {lining[digit]}, digit
        assert drawn["text"][digit] == {old_style[digit]}, digit
    assert drawn["footer"]["1"] == {lining["1"]}


def _outlines(font: Path | io.BytesIO, chars: str | None = None, codes: dict[int, str] | None = None
              ) -> dict[str, tuple]:
    """Each character's glyph outline (its points and contour ends) in a TrueType program, found
    through the program's own cmap by character or, in a subset, by code."""
    from fontTools.ttLib import TTFont

    program = TTFont(font)
    glyf = program["glyf"]
    cmap = program.getBestCmap() if chars is not None else program["cmap"].getcmap(1, 0).cmap
    wanted = {char: ord(char) for char in chars} if chars is not None else {v: k for k, v in codes.items()}

    def outline(name: str) -> tuple:
        glyph = glyf[name]
        coordinates, ends, _ = glyph.getCoordinates(glyf)
        return tuple(coordinates), tuple(ends), glyph.yMax

    return {char: outline(cmap[code]) for char, code in wanted.items() if code in cmap}


def _figures_drawn(pdf: Path) -> dict[str, dict[str, set[tuple]]]:
    """The glyph outlines drawn for each digit in the title (the H1), the dateline, the running
    text and the footer (an artifact), read from the content stream, ToUnicode maps and embedded
    programs."""
    import re

    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(pdf)
    page = reader.pages[0]
    fonts = {name: font.get_object() for name, font in page["/Resources"]["/Font"].items()}
    glyphs: dict[str, dict[int, tuple[str, tuple]]] = {}  # font -> code -> (text, outline)
    for name, font in fonts.items():
        cmap = font["/ToUnicode"].get_object().get_data()
        text = {int(code, 16): chr(int(unit, 16))
                for code, unit in re.findall(rb"<([0-9A-F]{2})> <([0-9A-F]{4})>", cmap)}
        program = io.BytesIO(font["/FontDescriptor"]["/FontFile2"].get_object().get_data())
        digits = {code: char for code, char in text.items() if char.isdigit()}
        outlines = _outlines(program, codes={code: str(code) for code in digits})
        glyphs[name] = {code: (char, outlines[str(code)]) for code, char in digits.items()}
    drawn: dict[str, dict[str, set[tuple]]] = {"title": {}, "dateline": {}, "text": {}, "footer": {}}
    where, font = None, None
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"BDC":
            properties = operands[1]
            where = "footer" if operands[0] == "/Artifact" else ("title", "dateline")[properties["/MCID"]] \
                if properties["/MCID"] < 2 else "text"
        elif operator == b"Tf":
            font = operands[0]
        elif operator in (b"Tj", b"TJ"):
            for string in operands[0] if operator == b"TJ" else operands:
                if isinstance(string, (int, float)):  # a TJ gap
                    continue
                for code in string.original_bytes if hasattr(string, "original_bytes") else bytes(string):
                    if code in glyphs[font]:
                        char, outline = glyphs[font][code]
                        drawn[where].setdefault(char, set()).add(outline)
    return drawn


@pytest.mark.parametrize("where", ["article", "title", "identifier"])
def test_a_code_point_kept_for_a_lining_figure_is_refused(tmp_path: Path, where: str) -> None:
    """U+E031 is where the regular face draws the lining 1, read back as '1': in the text it
    would come back as a digit the source never had, so it is refused as any undrawable one."""
    borrowed = chr(next(drawn for drawn, figure in LINING_FIGURES.items() if figure == ord("1")))
    record = {"title": "Le budget", "date": "2021-07", "language": "fr", "identifier": "urn:x:budget"}
    text = "Le budget passe à mille millions."
    if where == "article":
        text += borrowed
    else:
        record[where] += borrowed
    article = parse_article(f"date 2021-07\n{text}\n".encode(), tmp_path / "2021-07-x.txt")
    parsed = parse_record(yaml.safe_dump(record, allow_unicode=True).encode(), tmp_path / "2021-07-x.yaml")
    with pytest.raises(GlyphError, match="U\\+E031"):
        render(article, parsed, DEFAULT_PROFILE)
