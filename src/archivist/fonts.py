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
from itertools import accumulate, compress, repeat
from operator import itemgetter, rshift
from pathlib import Path
from struct import pack, pack_into, unpack_from
from typing import TYPE_CHECKING, NamedTuple
from weakref import WeakKeyDictionary

from . import prepared

if TYPE_CHECKING:
    from reportlab.pdfbase.ttfonts import TTFontFace

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
# The lining face's figures are drawn from the regular face's font program, which has the same
# glyphs (the lining face is the regular one with its cmap changed): the regular face maps these
# code points of the Private Use Area, which it leaves free, to the lining figures, so that a PDF
# embeds one program for both faces, not two. Drawn code point -> the figure it stands for;
# the text a reader gets (ToUnicode) is the figure's.
LINING_FIGURES = {0xE000 + ord(figure): ord(figure) for figure in "0123456789"}
TO_LINING_FIGURES = {figure: chr(drawn) for drawn, figure in LINING_FIGURES.items()}  # for str.translate


@cache
def register() -> dict[str, str]:
    """Register the faces with reportlab; return face -> reportlab font name."""
    from reportlab.pdfbase import pdfmetrics

    for name, filename in FACES.values():
        pdfmetrics.registerFont(_font(name, FONT_DIR / filename))
    _add_lining_figures(pdfmetrics.getFont(FACES["regular"][0]).face,
                        pdfmetrics.getFont(FACES["lining"][0]).face)
    return {face: name for face, (name, _) in FACES.items()}


def _add_lining_figures(regular: TTFontFace, lining: TTFontFace) -> None:
    """Map ``LINING_FIGURES`` in the regular face to the lining face's glyphs for the figures,
    which must be the same glyphs in both: the same outline and metrics under the same number."""
    for drawn, figure in LINING_FIGURES.items():
        glyph = lining.charToGlyph[figure]
        if drawn in regular.charToGlyph:
            raise ValueError(f"the regular face maps U+{drawn:04X} already: it cannot keep it for the "
                             f"lining {chr(figure)!r} (move fonts.LINING_FIGURES to code points it "
                             "leaves free)")
        if _glyph(regular, glyph) != _glyph(lining, glyph):
            raise ValueError(f"the regular face cannot draw the lining face's {chr(figure)!r}: the two "
                             "faces are not derived one from the other (make them with "
                             "tools/assets/derive_fonts.sh)")
        regular.charToGlyph[drawn] = glyph
        regular.charWidths[drawn] = lining.charWidths[figure]


def _glyph(face: TTFontFace, glyph: int) -> tuple[bytes, object]:
    """A glyph's outline, as the font file holds it, and its advance and side bearing."""
    start = face.table["glyf"]["offset"]
    return face._ttf_data[start + face.glyphPos[glyph]:start + face.glyphPos[glyph + 1]], face.hmetrics[glyph]


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
    return frozenset(code for code, glyph in font.face.charToGlyph.items() if glyph) - LINING_FIGURES.keys()


@cache
def _drawable(face: str) -> frozenset[str]:
    """The characters the face draws, and the line break: what ``first_missing`` lets through."""
    return frozenset(map(chr, coverage(face))) | {"\n"}


def first_missing(text: str, face: str) -> int | None:
    """Index of the first character the face cannot draw, or None."""
    missing = set(text).difference(_drawable(face))
    return min(map(text.index, missing)) if missing else None


# -- subsets -------------------------------------------------------------------------------


def subset_program(face: TTFontFace, codes: list[int]) -> bytes:
    """The TrueType program of the subset of ``face`` whose code ``n`` draws ``codes[n]``: the bytes
    reportlab's ``makeSubset`` writes (tests hold the two equal), from tables read once per face.

    reportlab reads the tables it copies, walks composite glyphs and copies the whole glyph table
    again for every subset (about 0.2 ms each, three subsets an article); what a
    subset shares with every other subset of the face is kept here instead."""
    tables = _SUBSET_TABLES.get(face)
    if tables is None:
        tables = _SUBSET_TABLES[face] = _SubsetTables(face)
    return tables.program(codes)


# Composite glyph flags (OpenType 'glyf'): what follows a component's glyph index.
_MORE_COMPONENTS, _WORD_ARGUMENTS, _SCALE, _XY_SCALE, _TWO_BY_TWO = 0x20, 0x01, 0x08, 0x40, 0x80
# Tables a subset takes unchanged, when the face has them.
_COPIED_TABLES = ("name", "OS/2", "cvt ", "fpgm", "prep")
# Tables each subset makes of its own.
_MADE_TABLES = ("cmap", "glyf", "head", "hhea", "hmtx", "loca", "maxp")


def _component_fields(data: bytes, at: int) -> list[tuple[int, int]]:
    """(offset of its glyph index, glyph index) of each component of the composite glyph whose
    component records start at ``at`` in ``data``."""
    fields = []
    flags = _MORE_COMPONENTS
    while flags & _MORE_COMPONENTS:
        flags, glyph = unpack_from(">HH", data, at)
        fields.append((at + 2, glyph))
        at += 8 if flags & _WORD_ARGUMENTS else 6
        if flags & _SCALE:
            at += 2
        elif flags & _XY_SCALE:
            at += 4
        elif flags & _TWO_BY_TWO:
            at += 8
    return fields


class _Glyph(NamedTuple):
    """One glyph as subsets take it."""

    outline: bytes  # its 'glyf' data, padded to four bytes
    fields: tuple[tuple[int, int], ...]  # where in it a component's glyph index is, and the index
    parts: tuple[int, ...]  # the glyphs its composite outline uses
    advance: int
    metrics: bytes  # its advance and side bearing as 'hmtx' writes them
    bearing: bytes  # its side bearing alone, as 'hmtx' writes it past the last advance


_OUTLINE, _PARTS, _METRICS, _BEARING = (itemgetter(_Glyph._fields.index(name))
                                        for name in ("outline", "parts", "metrics", "bearing"))


class _SubsetTables:
    """What every subset of one face is made from: the tables copied as they are, with their
    checksums, and each glyph's outline and components as they are first asked for."""

    def __init__(self, face: TTFontFace) -> None:
        from reportlab.lib.rl_accel import calcChecksum

        self.checksum = calcChecksum
        self.face = face
        self.data = face._ttf_data
        self.glyf = face.table["glyf"]["offset"]
        self.positions = face.glyphPos
        self.metrics = face.hmetrics
        tables = {tag: face.get_table(tag) for tag in _COPIED_TABLES if tag in face.table}
        tables["post"] = b"\x00\x03\x00\x00" + face.get_table("post")[4:16] + bytes(16)
        self.hhea, self.maxp = face.get_table("hhea"), face.get_table("maxp")
        head = face.get_table("head")
        self.head = head[:8] + bytes(4) + head[12:]  # checkSumAdjustment is left 0 until the file is whole
        self.outlines = face.get_table("glyf")
        self.glyphs: dict[int, _Glyph] = {}
        # The directory, in its order: each table's tag (and as bytes), and for a table copied its
        # bytes, padded, and checksum (None for a table each subset makes); and the offset table
        # that heads it.
        tags = sorted([*tables, *_MADE_TABLES])
        self.order: list[tuple[str, bytes, tuple[bytes, bytes, int] | None]] = []
        for tag in tags:
            table = tables.get(tag)
            copied = None if table is None else (table, table + bytes(-len(table) % 4), calcChecksum(table))
            self.order.append((tag, tag.encode("latin-1"), copied))
        self.head_index = tags.index("head")
        power = 1 << (len(tags).bit_length() - 1)  # the largest power of two not above the count
        self.offset_table = pack(">lHHHH", 0x00010000, len(tags), 16 * power, power.bit_length() - 1,
                                 16 * (len(tags) - power))
        self.tables_at = 12 + 16 * len(tags)

    def glyph(self, glyph: int) -> _Glyph:
        """What a subset takes of one glyph of the face, worked out the first time it is asked for."""
        known = self.glyphs.get(glyph)
        if known is not None:
            return known
        start, end = self.positions[glyph], self.positions[glyph + 1]
        # reportlab follows a composite's components whatever the glyph's length, but renumbers
        # them only in an outline longer than two bytes: both kept, as found.
        parts: tuple[int, ...] = ()
        if end != start:
            at = self.glyf + start
            if unpack_from(">h", self.data, at)[0] < 0:
                parts = tuple(part for _, part in _component_fields(self.data, at + 10))
        outline = self.outlines[start:end]
        fields: tuple[tuple[int, int], ...] = ()
        if len(outline) > 2 and unpack_from(">h", outline)[0] < 0:
            fields = tuple(_component_fields(outline, 10))
        advance, bearing = (int(value) for value in self.metrics[glyph])
        known = self.glyphs[glyph] = _Glyph(outline + bytes(-len(outline) % 4), fields, parts,
                                            advance, pack(">HH", advance, bearing), pack(">H", bearing))
        return known

    def program(self, codes: list[int]) -> bytes:
        # The subset's glyphs, by their number in the face: .notdef first, then each code's glyph
        # where it first occurs, then the glyphs composite outlines use, and the glyphs those use.
        drawn = list(map(self.face.charToGlyph.get, codes, repeat(0)))
        glyphs = list(dict.fromkeys([0, *drawn]))
        numbers = dict(zip(glyphs, range(len(glyphs)), strict=True))  # glyph -> its number in the subset
        entries = self._entries(glyphs)
        composites = list(compress(glyphs, map(_PARTS, entries)))
        new = composites
        while new:
            added = []
            for glyph in new:
                for part in self.glyphs[glyph].parts:
                    if part not in numbers:
                        numbers[part] = len(glyphs)
                        glyphs.append(part)
                        added.append(part)
            more = self._entries(added)
            entries += more
            new = list(compress(added, map(_PARTS, more)))
            composites += new
        count = len(glyphs)

        outlines = list(map(_OUTLINE, entries))
        for glyph in composites:
            entry = self.glyphs[glyph]
            if entry.fields:
                outline = bytearray(entry.outline)
                for at, part in entry.fields:
                    pack_into(">H", outline, at, numbers[part])
                outlines[numbers[glyph]] = bytes(outline)
        offsets = list(accumulate(map(len, outlines), initial=0))
        long_offsets = (offsets[-1] + 1) >> 1 > 0xFFFF
        loca = pack(f">{len(offsets)}L", *offsets) if long_offsets \
            else pack(f">{len(offsets)}H", *map(rshift, offsets, repeat(1)))

        # hmtx: an advance and side bearing per glyph, the advances of a closing run of equal ones
        # left out but the first
        full = count
        while full > 1 and entries[full - 1].advance == entries[full - 2].advance:
            full -= 1
        hmtx = b"".join([*map(_METRICS, entries[:full]), *map(_BEARING, entries[full:])])

        return self._file({
            "hmtx": hmtx,
            "hhea": self.hhea[:34] + pack(">H", full) + self.hhea[36:],
            "maxp": self.maxp[:4] + pack(">H", count) + self.maxp[6:],
            "cmap": pack(f">{11 + len(codes)}H", 0, 1, 1, 0, 0, 12, 6, 10 + 2 * len(codes), 0, 0,
                         len(codes), *map(numbers.__getitem__, drawn)),
            "glyf": b"".join(outlines),
            "loca": loca,
            "head": self.head[:50] + pack(">H", int(long_offsets)) + self.head[52:],
        })

    def _entries(self, glyphs: list[int]) -> list[_Glyph]:
        """``glyph`` of each of ``glyphs``: those asked for before straight from the dictionary."""
        entries = list(map(self.glyphs.get, glyphs))
        if None in entries:
            entries = list(map(self.glyph, glyphs))
        return entries

    def _file(self, made: dict[str, bytes]) -> bytes:
        """The font file: the offset table, the table directory, the tables in the directory's
        order, each padded to four bytes, and the head table's checkSumAdjustment.

        Every table starts on four bytes, so the whole file's checksum is the sum of the
        directory's and the tables' own: the file is not summed again."""
        checksum = self.checksum
        directory = [self.offset_table]
        body = []
        at = self.tables_at
        total = 0
        for tag, tag_bytes, copied in self.order:
            if copied is None:
                table = made[tag]
                summed = checksum(table)
                padded = table + bytes(-len(table) % 4)
            else:
                table, padded, summed = copied
            total += summed
            directory.append(pack(">4sLLL", tag_bytes, summed, at, len(table)))
            body.append(padded)
            at += len(padded)
        directory_bytes = b"".join(directory)
        adjustment = (0xB1B0AFBA - total - checksum(directory_bytes)) & 0xFFFFFFFF
        head = made["head"]
        body[self.head_index] = head[:8] + pack(">L", adjustment) + head[12:] + bytes(-len(head) % 4)
        return b"".join([directory_bytes, *body])


_SUBSET_TABLES: WeakKeyDictionary = WeakKeyDictionary()  # face -> _SubsetTables


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
