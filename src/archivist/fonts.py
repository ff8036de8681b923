"""The shipped fonts: registered once per process, and asked which characters they can draw."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

FONT_DIR = Path(str(files("archivist") / "data" / "fonts"))
FACES = {
    "regular": ("ArchivistSerif", "EBGaramond12-Regular.ttf"),
    "italic": ("ArchivistSerif-Italic", "EBGaramond12-Italic.ttf"),
    # The regular face with lining figures as its default (EB Garamond's own `lnum` glyphs):
    # for page numbers, identifiers and figures in titles, where old-style 1 reads as I.
    "lining": ("ArchivistSerif-Lining", "EBGaramond12-Lining.ttf"),
}


@cache
def register() -> dict[str, str]:
    """Register the faces with reportlab; return face -> reportlab font name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, filename in FACES.values():
        # asciiReadable=False: a subset holds only the glyphs used, not all of ASCII as well.
        font = TTFont(name, str(FONT_DIR / filename), asciiReadable=False)
        pdfmetrics.registerFont(font)
    return {face: name for face, (name, _) in FACES.items()}


@cache
def coverage(face: str) -> frozenset[int]:
    """Code points the face maps to a real glyph."""
    from reportlab.pdfbase import pdfmetrics

    font = pdfmetrics.getFont(register()[face])
    return frozenset(code for code, glyph in font.face.charToGlyph.items() if glyph)


def first_missing(text: str, face: str) -> int | None:
    """Index of the first character the face cannot draw, or None."""
    have = coverage(face)
    missing = {char for char in set(text) if ord(char) not in have} - {"\n"}
    return min(map(text.index, missing)) if missing else None
