"""The shipped fonts: registered once per process, and asked which characters they can draw."""

from __future__ import annotations

import struct
from functools import cache
from importlib.resources import files
from pathlib import Path

FONT_DIR = Path(str(files("archivist") / "data" / "fonts"))
FACES = {
    "regular": ("ArchivistSerif", "EBGaramond12-Regular.ttf"),
    "italic": ("ArchivistSerif-Italic", "EBGaramond12-Italic.ttf"),
}


@cache
def register() -> dict[str, str]:
    """Register the faces with reportlab; return face -> reportlab font name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, filename in FACES.values():
        # asciiReadable=False: a subset holds only the glyphs used, not all of ASCII as well.
        font = TTFont(name, str(FONT_DIR / filename), asciiReadable=False)
        _embed_short_name_table(font.face)
        pdfmetrics.registerFont(font)
    return {face: name for face, (name, _) in FACES.items()}


# name IDs 0-6: copyright, family, subfamily, unique ID, full name, version, PostScript name.
_IDENTIFYING_NAMES = range(7)


def _embed_short_name_table(face) -> None:  # noqa: ANN001 - reportlab's TTFontFace
    """Embed a name table holding only the records that identify the font.

    EB Garamond's name table carries the whole OFL text (13 KB), which would
    otherwise be copied into every PDF twice. The OFL does not bind documents made
    with the font; the licence ships beside the font file in data/fonts/OFL.txt.
    """
    read_table = face.get_table

    def get_table(tag: str) -> bytes:
        table = read_table(tag)
        return short_name_table(table) if tag == "name" else table

    face.get_table = get_table


def short_name_table(table: bytes) -> bytes:
    """A format-0 'name' table reduced to the identifying records."""
    _, count, strings_at = struct.unpack_from(">HHH", table)
    records, strings = [], b""
    for index in range(count):
        platform, encoding, language, name_id, length, offset = struct.unpack_from(
            ">6H", table, 6 + 12 * index)
        if name_id in _IDENTIFYING_NAMES:
            value = table[strings_at + offset: strings_at + offset + length]
            records.append((platform, encoding, language, name_id, len(value), len(strings)))
            strings += value
    header = struct.pack(">3H", 0, len(records), 6 + 12 * len(records))
    return header + b"".join(struct.pack(">6H", *record) for record in records) + strings


@cache
def coverage(face: str) -> frozenset[int]:
    """Code points the face maps to a real glyph."""
    from reportlab.pdfbase import pdfmetrics

    font = pdfmetrics.getFont(register()[face])
    return frozenset(code for code, glyph in font.face.charToGlyph.items() if glyph)


def first_missing(text: str, face: str) -> int | None:
    """Index of the first character the face cannot draw, or None."""
    have = coverage(face)
    for index, char in enumerate(text):
        if ord(char) not in have and char not in "\n":
            return index
    return None
