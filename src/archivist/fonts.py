"""The shipped fonts: registered once per process, and asked which characters they can draw.

reportlab parses a TrueType file when a font is made (about 4 ms a face, paid again by
every process). ``prepare()``, which `make` runs after installing archivist, stores each
shipped face as reportlab parsed it, beside the interpreter (``sys.prefix``), the way
``hyphenation`` stores the hyphenation patterns; ``register()`` makes the font from that
parse when there is one. The file's name holds the SHA-256 of the font file, reportlab's
version and the interpreter's, so a changed font, reportlab or Python is never served a
stale parse: reportlab then parses the font file itself, as it always did.
"""

from __future__ import annotations

import hashlib
import marshal
from functools import cache
from importlib.resources import files
from pathlib import Path

from . import prepared

FONT_DIR = Path(str(files("archivist") / "data" / "fonts"))
FACES = {
    "regular": ("ArchivistSerif", "EBGaramond12-Regular.ttf"),
    "italic": ("ArchivistSerif-Italic", "EBGaramond12-Italic.ttf"),
    # The regular face with lining figures as its default (EB Garamond's own `lnum` glyphs):
    # for page numbers, identifiers and figures in titles, where old-style 1 reads as I.
    "lining": ("ArchivistSerif-Lining", "EBGaramond12-Lining.ttf"),
}
CACHE_DIR = prepared.ROOT / "fonts"
FORMAT = 1  # of what the file holds; raised if that changes


@cache
def register() -> dict[str, str]:
    """Register the faces with reportlab; return face -> reportlab font name."""
    from reportlab.pdfbase import pdfmetrics

    for name, filename in FACES.values():
        pdfmetrics.registerFont(_font(name, FONT_DIR / filename))
    return {face: name for face, (name, _) in FACES.items()}


def _font(name: str, path: Path):
    """The font ``name`` of the file at ``path``, from its prepared parse when there is one."""
    from reportlab.pdfbase.ttfonts import TTFont

    face = _prepared_face(path)
    if face is None:
        # asciiReadable=False: a subset holds only the glyphs used, not all of ASCII as well.
        return TTFont(name, str(path), asciiReadable=False)
    from fnmatch import fnmatch
    from weakref import WeakKeyDictionary

    from reportlab.pdfbase.ttfonts import TTEncoding
    from reportlab.rl_config import unShapedFontGlob

    # What TTFont.__init__ sets, with the face it would have parsed (tests hold the two equal).
    font = TTFont.__new__(TTFont)
    font.fontName = name
    font.face = face
    font.encoding = TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = False
    font.shapable = not any(fnmatch(name, pattern) for pattern in unShapedFontGlob)
    return font


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


# -- the parse prepared at install time ---------------------------------------------------


def _cache_file(font_file: Path, data: bytes) -> Path:
    import reportlab

    digest = hashlib.sha256(data).hexdigest()[:32]
    return CACHE_DIR / f"{font_file.stem}.{digest}.reportlab{reportlab.Version}.{prepared.PYTHON}.f{FORMAT}"


def _face_state(face) -> tuple[dict, dict[str, str]]:
    """A parsed face as plain values: its attributes, and the text of its name strings apart."""
    from reportlab.pdfbase.ttfonts import TTFNameBytes

    state = {key: value for key, value in vars(face).items() if key != "_pdfScale"}
    state["_ttf_data"] = None  # the font file's bytes: read from the file itself
    names = {key: value.ustr for key, value in state.items() if isinstance(value, TTFNameBytes)}
    for key in names:
        state[key] = None
    return state, names


def _face_from_state(state: dict, names: dict[str, str], data: bytes):
    from reportlab.pdfbase.ttfonts import TTFNameBytes, TTFontFace

    face = TTFontFace.__new__(TTFontFace)
    face.__dict__.update(state)
    face._ttf_data = data
    for key, text in names.items():
        setattr(face, key, TTFNameBytes(text.encode("utf8")))
    units = face.unitsPerEm  # the scale TTFontFile.extractInfo sets: font units to 1/1000 em
    if units == 1000:
        face._pdfScale = lambda x: x
    else:
        thousandths = 1000 / units
        face._pdfScale = lambda x: x * thousandths
    return face


def _prepared_face(path: Path):
    """The face of the font file at ``path`` as ``prepare()`` stored it; None when there is none."""
    try:
        data = path.read_bytes()
        state, names = marshal.loads(_cache_file(path, data).read_bytes())
        return _face_from_state(state, names, data)
    except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError):
        return None  # not prepared, or prepared for something else: reportlab parses the file


def _same_face(one, other) -> bool:
    mine, theirs = vars(one), vars(other)
    if mine.keys() != theirs.keys():
        return False
    for key, value in mine.items():
        if key == "_pdfScale":
            if any(value(x) != theirs[key](x) for x in (0, 1, 250, -75, 1000)):
                return False
        elif type(value) is not type(theirs[key]) or value != theirs[key] \
                or getattr(value, "ustr", None) != getattr(theirs[key], "ustr", None):
            return False
    return True


def prepare() -> list[Path]:
    """Store reportlab's parse of each shipped face; the files written.

    A face whose parse does not come back from the file exactly as reportlab made it is left
    for reportlab to parse in each process."""
    from reportlab.pdfbase.ttfonts import TTFont

    written = []
    for name, filename in FACES.values():
        path = FONT_DIR / filename
        face = TTFont(name, str(path), asciiReadable=False).face
        try:
            stored = marshal.dumps(_face_state(face))
        except ValueError:
            continue  # a value marshal cannot hold: reportlab parses this face itself
        data = path.read_bytes()
        if not _same_face(_face_from_state(*marshal.loads(stored), data), face):
            continue
        target = _cache_file(path, data)
        prepared.store(target, stored)
        written.append(target)
    return written


if __name__ == "__main__":
    for file in prepare():
        print(f"prepared {file}")
