"""The shipped fonts and ICC profile: what the output depends on, checked against the standards."""

from __future__ import annotations

import itertools
import struct
from importlib.resources import files

from PIL import Image, ImageCms

from archivist import fonts

ICC = files("archivist") / "data" / "icc" / "sRGB-v2-compact.icc"


def test_icc_profile_header_is_what_pdfa_requires() -> None:
    data = ICC.read_bytes()
    assert struct.unpack(">I", data[:4])[0] == len(data)
    assert data[8] == 2  # major version 2: below 5 for PDF/A-2/3, and readable by PDF 1.4 (PDF/A-1)
    assert data[12:24] == b"mntrRGB XYZ "
    assert data[36:40] == b"acsp"


def test_icc_profile_is_srgb_to_littlecms() -> None:
    """Converting through it to LittleCMS's built-in sRGB changes no 8-bit value."""
    ours = ImageCms.ImageCmsProfile(ICC.open("rb"))
    transform = ImageCms.buildTransform(ours, ImageCms.createProfile("sRGB"), "RGB", "RGB",
                                        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)
    levels = (0, 1, 10, 64, 128, 200, 254, 255)
    image = Image.new("RGB", (len(levels) ** 3, 1))
    image.putdata(list(itertools.product(levels, repeat=3)))
    converted = ImageCms.applyTransform(image, transform).tobytes()
    assert max(abs(a - b) for a, b in zip(image.tobytes(), converted, strict=True)) <= 1


def test_fonts_draw_latin1_latin_extended_a_and_french_punctuation() -> None:
    fonts.register()
    wanted = {*range(0x20, 0x7F), *range(0xA0, 0x180), *map(ord, "“”‘’«»—–…€œŒ\u00a0")}
    assert wanted - fonts.coverage("regular") == set()
    assert {*range(0x20, 0x7F), *range(0xE0, 0x100)} - fonts.coverage("italic") == set()


def test_lining_face_draws_cap_height_figures_and_the_rest_unchanged() -> None:
    """OpenType's lnum: lining figures stand on the baseline and reach the capital height."""
    from reportlab.pdfbase import pdfmetrics

    fonts.register()
    lining = pdfmetrics.getFont(fonts.register()["lining"]).face
    regular = pdfmetrics.getFont(fonts.register()["regular"]).face
    assert fonts.coverage("lining") == fonts.coverage("regular")
    for digit in "0123456789":
        lining_glyph = lining.charToGlyph[ord(digit)]
        assert lining_glyph != regular.charToGlyph[ord(digit)], digit
    for char in "AaéZ«€":
        assert lining.charToGlyph[ord(char)] == regular.charToGlyph[ord(char)]
    heights = _glyph_tops(fonts.FONT_DIR / "EBGaramond12-Lining.ttf", "0123456789HI")
    old_style = _glyph_tops(fonts.FONT_DIR / "EBGaramond12-Regular.ttf", "1x")
    cap = heights["H"]
    assert all(abs(heights[d] - cap) <= 0.06 * cap for d in "0123456789")
    assert abs(old_style["1"] - old_style["x"]) <= 0.06 * cap  # the default 1 is x-height: a small I


def test_the_regular_face_borrows_lining_figures_only_from_its_own_derived_face() -> None:
    """The regular face draws the lining figures by the lining face's glyph numbers: a face that is
    not the regular one with its cmap changed is refused, never drawn with whatever glyphs
    those numbers are; and the borrowed code points are never taken twice."""
    import pytest
    from reportlab.pdfbase.ttfonts import TTFont

    def face(filename: str):
        return TTFont("unregistered", str(fonts.FONT_DIR / filename), asciiReadable=False).face

    regular, lining = face("EBGaramond12-Regular.ttf"), face("EBGaramond12-Lining.ttf")
    with pytest.raises(ValueError, match="not derived one from the other"):
        fonts._add_lining_figures(regular, face("EBGaramond12-Italic.ttf"))
    fonts._add_lining_figures(regular, lining)
    assert regular.unitsPerEm == 1000  # so a width is the glyph's advance as the font gives it
    for drawn, figure in fonts.LINING_FIGURES.items():
        glyph = regular.charToGlyph[drawn]
        assert glyph == lining.charToGlyph[figure] != regular.charToGlyph[figure]
        assert regular.charWidths[drawn] == regular.hmetrics[glyph][0]  # the program's own advance
    with pytest.raises(ValueError, match="maps U\\+E030 already"):
        fonts._add_lining_figures(regular, lining)


def _glyph_tops(path, chars: str) -> dict[str, int]:
    """yMax of each character's glyph, read from the font's own tables (glyf through cmap)."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path))
    cmap, glyf = font.getBestCmap(), font["glyf"]
    return {c: glyf[cmap[ord(c)]].yMax for c in chars}
