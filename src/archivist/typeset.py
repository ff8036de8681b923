"""Typeset an article on A4 with reportlab's canvas: title, dateline, rule, justified body, footer.

Lines come from ``linebreak``; this module only places them on pages, and marks what it
draws as it draws it: the title and each paragraph as marked content with an MCID (the
structure elements ``H1`` and ``P``), the rule and the footer as artifacts. The structure
tree itself is written by ``pdfa`` from the ``Element`` list returned here.
"""

from __future__ import annotations

import io
import unicodedata
from codecs import charmap_build, charmap_encode
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from weakref import WeakKeyDictionary

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from . import fonts
from .article import Article, position_of
from .errors import GlyphError
from .layout import Element, Mark, Typeset
from .linebreak import Line, break_lines, hyphenator
from .record import Record
from .typography import dateline, hyphenation_language, prepare

# Page streams are Flate-compressed only: ASCII85 on top makes them a quarter larger.
rl_config.useA85 = 0

PAGE_WIDTH, PAGE_HEIGHT = A4
# A measure of about 67 characters of 12 pt EB Garamond (book and newspaper typography keep
# to 55-75): the text block is centred on A4 with wide side margins.
MARGIN_X = 50 * mm
MARGIN_TOP = 25 * mm
MARGIN_BOTTOM = 28 * mm
MEASURE = PAGE_WIDTH - 2 * MARGIN_X
FOOTER_Y = 15 * mm
FOOTER_SIZE = 8.5
NO_BREAK_SPACE = "\u00a0"
SOFT_HYPHEN = "\u00ad"


@dataclass(frozen=True)
class Style:
    face: str
    size: float
    leading: float
    space_after: float
    gray: float  # fill colour, as an equal-parts RGB
    justify: bool
    hyphenate: bool


# The title is set ragged and balanced, never hyphenated, in the face with lining figures
# (a date or a sum in a title reads 1500, not I5oo); so is the footer, identifier and page number.
# The lining face is measured as itself and drawn by the regular face's program (``_drawn_as``).
TITLE = Style("lining", 22, 26, 8, 0.0, justify=False, hyphenate=False)
DATELINE = Style("italic", 11.5, 14, 4, 0.25, justify=False, hyphenate=False)
BODY = Style("regular", 12, 16, 6.5, 0.0, justify=True, hyphenate=True)
RULE_BEFORE, RULE_AFTER, RULE_WIDTH, RULE_GRAY = 2, 14, 0.4, 0.35


@dataclass
class _Chunk:
    """Consecutive lines of one block, drawn on one page from ``top`` down."""

    block: int
    first: int  # index of the first line in the block
    count: int
    top: float


@dataclass(frozen=True)
class _Block:
    role: str
    style: Style
    lines: tuple[Line, ...]
    text: str = ""  # what the lines show, to break them again


def footer_text(label: str, page: int, total: int) -> str:
    return f"{label}  ·  page {page} / {total}"


def typeset(article: Article, record: Record, created: datetime) -> Typeset:
    """Lay the article out; refuse any character the font would draw as a blank box."""
    names = fonts.register()
    language = record.language
    title = record.title
    date_text = dateline(record.date, language)
    label = record.identifier or article.path.stem
    _require_glyphs(article, record, title, date_text, label)

    hyphenate = hyphenator(hyphenation_language(language))
    blocks = [_block("H1", TITLE, title, names, None), _block("P", DATELINE, date_text, names, None)]
    blocks += [_block("P", BODY, prepare(paragraph, language), names, hyphenate)
               for paragraph in article.paragraphs]
    pages = _paginate(blocks, names, hyphenate)

    canvas = Canvas(io.BytesIO(), pagesize=A4, invariant=1, pageCompression=1, lang=language,
                    initialFontName=names["regular"], initialFontSize=10, initialLeading=12)
    for face in _NEVER_JUSTIFIED:
        _free_space_code(pdfmetrics.getFont(names[face]), canvas._doc)
    footers = [footer_text(label, number + 1, len(pages)) for number in range(len(pages))]
    drawn = _drawn_lines(blocks, pages, footers)
    _give_codes_in_order(canvas, names, drawn)
    written = _written_lines(canvas, names, drawn)
    marks: list[list[Mark]] = [[] for _ in blocks]
    for number, chunks in enumerate(pages):
        ops: list[str] = []
        for mcid, chunk in enumerate(chunks):  # MCIDs count from 0 on each page
            block = blocks[chunk.block]
            marks[chunk.block].append(Mark(number, mcid))
            ops.append(f"/{block.role} <</MCID {mcid}>> BDC")
            ops += _draw_chunk(canvas, block, chunk, names, written)
            ops.append("EMC")
        if number == 0:
            ops += _rule(pages[0][1].top - len(blocks[1].lines) * DATELINE.leading
                         - DATELINE.space_after - RULE_BEFORE)
        ops += _footer(canvas, names, footers[number], written)
        canvas.addLiteral("\n".join(ops))
        canvas.showPage()
    elements = tuple(Element(block.role, tuple(ms)) for block, ms in zip(blocks, marks, strict=True))
    return Typeset(canvas._doc, elements, len(pages))  # written out by the PDF/A stage


# The faces no justified line is drawn in: the space keeps no code of its own there, so their
# subsets hold the codes they draw and no more.
_NEVER_JUSTIFIED = tuple(face for face in ("regular", "italic")
                        if face not in {"regular" if style.face == "lining" else style.face
                                        for style in (TITLE, DATELINE, BODY) if style.justify})


def _free_space_code(font, doc) -> None:
    """Start the font's codes in ``doc`` without code 32 kept for the space.

    reportlab keeps code 32 for U+0020 in every subset so that word spacing (Tw), which
    applies to the single byte 32 alone, can widen the spaces; a font whose lines are never
    justified has no use for it. Kept, the space's code 32 makes the first subset 33 codes
    long whatever the font draws, and its /Widths 33 numbers (a font drawing four figures
    would carry 28 of padding); freed, the space takes the next code when it is first drawn."""
    from reportlab.pdfbase.ttfonts import TTFont

    state = font.state[doc] = TTFont.State(font._asciiReadable, font)
    del state.assignments[32]


def _block(role: str, style: Style, text: str, names: dict[str, str], hyphenate,
           whole_word_lines: frozenset[int] = frozenset()) -> _Block:
    lines = break_lines(text, measure=MEASURE, font_name=names[style.face], size=style.size,
                        hyphenate=hyphenate if style.hyphenate else None, justify=style.justify,
                        whole_word_lines=whole_word_lines)
    return _Block(role, style, tuple(lines), text)


def _paginate(blocks: list[_Block], names: dict[str, str], hyphenate) -> list[list[_Chunk]]:
    """Each page's chunks. A paragraph never leaves one line alone at a page's foot or head,
    and a page never ends inside a word: when the line that would end a page is hyphenated
    (or cut inside a URL), the paragraph is broken again with that line ending between words;
    only when that cannot be done is a line moved to the next page."""
    top = PAGE_HEIGHT - MARGIN_TOP
    pages: list[list[_Chunk]] = [[]]
    cursor = top
    for index, block in enumerate(blocks):
        leading = block.style.leading
        if index < 2:  # title and dateline open page 1, whatever their length
            pages[0].append(_Chunk(index, 0, len(block.lines), cursor))
            cursor -= len(block.lines) * leading + block.style.space_after
            if index == 1:
                cursor -= RULE_BEFORE + RULE_WIDTH + RULE_AFTER
            continue
        whole_word: frozenset[int] = frozenset()
        for _ in range(4):  # page ends hardly move when a paragraph is broken again
            _, ends = _place(block, cursor, top, move=False)
            cut = frozenset(end for end in ends if block.lines[end].joined) - whole_word
            if not cut:
                break
            whole_word |= cut
            block = blocks[index] = _block(block.role, block.style, block.text, names, hyphenate, whole_word)
        placed, _ = _place(block, cursor, top, move=True)
        for number, (start, count, at) in enumerate(placed):
            if number:
                pages.append([])
            if count:
                pages[-1].append(_Chunk(index, start, count, at))
        _, count, cursor = placed[-1]
        cursor -= count * leading + block.style.space_after
    return pages


def _place(block: _Block, cursor: float, top: float,
           move: bool) -> tuple[list[tuple[int, int, float]], list[int]]:
    """Where a paragraph's lines fall from ``cursor`` on: (first line, count, top) for this page
    and each next one (count 0: the paragraph starts on the next page), and the numbers of the
    lines that end a page. ``move``: a line cut inside a word does not end a page when the
    line before it can."""
    leading = block.style.leading
    placed: list[tuple[int, int, float]] = []
    ends: list[int] = []
    start, total = 0, len(block.lines)
    while True:
        room = int((cursor - MARGIN_BOTTOM) // leading + 1e-9)
        remaining = total - start
        if remaining <= room:
            placed.append((start, remaining, cursor))
            return placed, ends
        take = min(room, remaining - 2)
        while move and take > 2 and block.lines[start + take - 1].joined:
            take -= 1
        if take >= 2 or (take >= 1 and start > 0 and cursor == top):
            placed.append((start, take, cursor))
            ends.append(start + take - 1)
            start += take
        else:
            placed.append((start, 0, cursor))
        cursor = top


# -- drawing -----------------------------------------------------------------------------


def _draw_chunk(canvas: Canvas, block: _Block, chunk: _Chunk, names: dict[str, str],
                written: dict[str, Iterator[str]]) -> list[str]:
    """The text object of one chunk: its lines, justified; ``written``, when it holds the face
    drawn, its next lines as written (``_written_lines``).

    A hyphen that line breaking adds is drawn as U+00AD, the soft hyphen, which ISO 32000
    (14.8.2.2.3) reserves for exactly that: readers of the text drop it and join the word.
    The space that ends a line (a paragraph's last line too) is drawn, past the line's end and
    unseen, so that a reader of the text finds the words of two lines or paragraphs apart; only
    a line cut inside a word, with no hyphen added, ends with neither."""
    style = block.style
    gray = f"{style.gray:g}"
    ops = ["BT", f"{style.leading:g} TL", f"{MARGIN_X:.2f} {chunk.top - style.size:.2f} Td"]
    if style.gray:  # black is the initial fill colour
        ops.insert(1, f"{gray} {gray} {gray} rg")
    lines = block.lines[chunk.first:chunk.first + chunk.count]
    stretches = [(MEASURE - line.natural_width) / line.spaces if line.justify and line.spaces else 0.0
                 for line in lines]
    drawn_in = _drawn_in(style.face)
    if drawn_in in written:
        ops += _showing_lines(pdfmetrics.getFont(names[drawn_in]), canvas._doc, style.size,
                              list(islice(written[drawn_in], len(lines))), stretches)
    else:  # a face past its first subset: line by line, as reportlab splits it
        state: dict = {"subset": None}
        spacing = "0"
        for number, (chars, stretch) in enumerate(zip(_shown(lines), stretches, strict=True)):
            if number:
                ops.append("T*")
            if chars:
                spacing, stretch = _set_word_spacing(ops, spacing, stretch, NO_BREAK_SPACE in chars)
            ops += _show_face(canvas, names, style.face, style.size, chars, stretch, state)
        _set_word_spacing(ops, spacing, 0.0, False)
    ops.append("ET")
    return ops


def _set_word_spacing(ops: list[str], spacing: str, stretch: float,
                      no_break_space: bool) -> tuple[str, float]:
    """Set the word spacing (Tw) a line is shown with, when it differs from ``spacing``, the one
    set; the new spacing, and the stretch left for the line's TJ to give.

    A justified line is widened by word spacing, which PDF adds to each byte 32 a simple font
    shows: the line is one string, written and read back in one piece. A line with a no-break
    space, drawn with the space's code but never stretched, keeps word spacing 0 and widens
    its spaces in its TJ instead. A chunk leaves word spacing at 0, as it found it."""
    if no_break_space:
        wanted, left = "0", stretch
    else:
        wanted, left = f"{stretch:.3f}", 0.0
        if not wanted.strip("-0."):  # no stretch, or less than the thousandth of a point written
            wanted = "0"
    if wanted != spacing:
        ops.append(f"{wanted} Tw")
    return wanted, left


def _shown(lines: tuple[Line, ...]) -> list[str]:
    """What each line draws: its text, then the hyphen it takes or the space that ends it."""
    return [line.text + (SOFT_HYPHEN if line.hyphenated else "" if line.joined else " ") for line in lines]


def _drawn_lines(blocks: list[_Block], pages: list[list[_Chunk]], footers: list[str]) -> dict[str, list[str]]:
    """Each face's lines, as its program draws them (``_drawn_as``), in the order drawing meets
    them: chunk after chunk, each page's footer after its chunks."""
    drawn: dict[str, list[str]] = {}
    for number, chunks in enumerate(pages):
        for chunk in chunks:
            block = blocks[chunk.block]
            face = block.style.face
            lines = _shown(block.lines[chunk.first:chunk.first + chunk.count])
            drawn_in = _drawn_in(face)
            if drawn_in != face:
                lines = [_drawn_as(face, line)[1] for line in lines]
            drawn.setdefault(drawn_in, []).extend(lines)
        drawn_in, chars = _drawn_as("lining", footers[number])
        drawn.setdefault(drawn_in, []).append(chars)
    return drawn


def _give_codes_in_order(canvas: Canvas, names: dict[str, str], drawn: dict[str, list[str]]) -> None:
    """Give each face's characters their codes before anything is drawn, in the order drawing
    meets them (``_drawn_lines``). reportlab gives codes in the order characters are first
    drawn, so these are the codes drawing would give, found in one pass for each face instead
    of one for each chunk with characters new to it."""
    for face, lines in drawn.items():
        _give_codes(pdfmetrics.getFont(names[face]), canvas._doc, "".join(lines), ())


def _written_lines(canvas: Canvas, names: dict[str, str],
                   drawn: dict[str, list[str]]) -> dict[str, Iterator[str]]:
    """For each face whose characters all have their codes in its first subset, its lines as
    written inside a literal string (``_escaped``), in drawing order, for the chunks and footers
    to take in turn; a face past its first subset is left out, and drawn line by line."""
    written = {}
    for face, lines in drawn.items():
        escapes = _first_subset_escapes(pdfmetrics.getFont(names[face]), canvas._doc)
        chars = "".join(lines)
        if escapes is not None and escapes.chars.issuperset(chars):
            written[face] = iter(_escaped_lines(escapes, chars, lines)
                                 or [_escaped(escapes, line) for line in lines])
    return written


def _showing_lines(font, doc, size: float, written: list[str], stretches: list[float]) -> list[str]:
    """The operators that show lines as ``_escaped`` writes them, one after another with T*
    between them, in the font's first subset."""
    ops: list[str] = []
    selected = False
    spacing = "0"
    for number, (line, stretch) in enumerate(zip(written, stretches, strict=True)):
        if number:
            ops.append("T*")
        if not line:
            continue
        spacing, stretch = _set_word_spacing(ops, spacing, stretch, _NBSP_MARK in line)
        if not selected:
            ops.append(f"{font.getSubsetInternalName(0, doc)} {size:g} Tf")
            selected = True
        ops.append(_operator(line, f"{-stretch * 1000 / size:.0f}" if stretch else None))
    _set_word_spacing(ops, spacing, 0.0, False)
    return ops


def _show_face(canvas: Canvas, names: dict[str, str], face: str, size: float, chars: str, stretch: float,
               state: dict) -> list[str]:
    """``_show`` in a face, as ``_drawn_as`` draws it."""
    drawn_in, drawn = _drawn_as(face, chars)
    return _show(canvas, pdfmetrics.getFont(names[drawn_in]), size, drawn, stretch, state)


def _drawn_as(face: str, text: str) -> tuple[str, str]:
    """The face whose program draws ``text`` in ``face``, and the characters it draws. The lining
    face differs from the regular one only in its figures, which the regular face draws under
    code points of its own (``fonts.LINING_FIGURES``): a PDF embeds one program for both."""
    if face != "lining":
        return face, text
    return "regular", text.translate(fonts.TO_LINING_FIGURES)


def _drawn_in(face: str) -> str:
    """The face whose program draws ``face`` (``_drawn_as``)."""
    return _drawn_as(face, "")[0]


def _show(canvas: Canvas, font, size: float, chars: str, stretch: float, state: dict) -> list[str]:
    """Text-showing operators for ``chars``; each U+0020 widened by ``stretch`` points.

    A no-break space is drawn with the space glyph, so it reads back as a space, but never
    stretches. The font's subsets each get their own Tf."""
    if not chars:
        return []
    adjust = f"{-stretch * 1000 / size:.0f}" if stretch else None
    doc = canvas._doc
    # The escapes are kept up to date in place, so the chunk keeps the font's at hand: a stale
    # one (codes given elsewhere meanwhile) only lacks characters, and is brought up to date below.
    escapes = state.get(font.fontName)
    if escapes is None:
        escapes = state[font.fontName] = _first_subset_escapes(font, doc)
    if escapes is not None and not escapes.chars.issuperset(chars):
        escapes = state[font.fontName] = _give_codes(font, doc, chars, escapes.chars)
    if escapes is not None and escapes.chars.issuperset(chars):
        # Every character already has its code in the first subset: reportlab's splitString
        # would give one chunk of these same bytes.
        ops = []
        if (font.fontName, 0) != state["subset"]:
            ops.append(f"{font.getSubsetInternalName(0, doc)} {size:g} Tf")
            state["subset"] = (font.fontName, 0)
        ops.append(_showing(escapes, chars, adjust))
        return ops
    return _show_split(canvas, font, size, chars, adjust, state)


def _give_codes(font, doc, chars: str, known: Collection[str]) -> _Escapes | None:
    """Give the characters of ``chars`` that are not ``known`` their codes; the font's escapes.

    reportlab gives codes in the order characters first occur: giving it only the new ones,
    in that order, assigns each the code the whole text would have."""
    drawn = chars.replace(NO_BREAK_SPACE, " ")
    new = [char for char in dict.fromkeys(drawn) if char not in known]  # in order, in one pass
    if not _assign_codes(font, doc, new):
        font.splitString("".join(new), doc)
    return _first_subset_escapes(font, doc)


def _assign_codes(font, doc, chars: list[str]) -> bool:
    """Give ``chars`` their codes as reportlab's splitString would, in the order given, all at
    once: True when every new one fits in the first subset; False, none given, otherwise.

    splitString gives the next code to each character the face draws that has none yet,
    skipping 32, which it keeps for the space, and starting a subset at each 256th; its loop
    over the characters takes as long as all the rest of giving a face its codes."""
    state = font._assignState(doc)
    subset, start, assignments = state.subsets[0], state.nextCode, state.assignments
    if font._asciiReadable or state.frozen or len(subset) != max(start, 33):
        return False  # reportlab's other way of numbering, or a subset not as this expects it
    drawable = font.face.charToGlyph  # the others are drawn with code 0, .notdef's
    codes = [code for code in map(ord, chars) if code not in assignments and code in drawable]
    numbers = [number for number in range(start, start + len(codes) + 1) if number != 32][:len(codes)]
    if not numbers:
        return True
    if numbers[-1] > 0xFF:
        return False
    below_space = max(0, min(len(codes), 32 - start))  # codes below 32 fill the subset's places
    subset[start:start + below_space] = codes[:below_space]
    subset += codes[below_space:]
    assignments.update(zip(codes, numbers, strict=True))
    state.nextCode = numbers[-1] + 1
    return True


def _showing(escapes: _Escapes, chars: str, adjust: str | None) -> str:
    """The Tj (or, with spaces to widen by ``adjust``, TJ) that shows ``chars``, each of which
    has its code in the first subset."""
    return _operator(_escaped(escapes, chars), adjust)


def _escaped(escapes: _Escapes, chars: str) -> str:
    """``chars``, each of which has its code in the first subset, as written inside a literal
    string (a no-break space as ``_NBSP_MARK``)."""
    if escapes.encoding is not None:  # every code below 0x80: one byte a character, then escaped
        return _escape_codes(charmap_encode(chars, "strict", escapes.encoding)[0])
    return chars.translate(escapes)


def _escaped_lines(escapes: _Escapes, chars: str, shown: list[str]) -> list[str] | None:
    """``_escaped`` of each line, the lines (``chars`` joined) encoded at once; None when a
    character has no code yet, or the subset has codes from 0x80 on."""
    if escapes.encoding is None or _LINE_END in chars:
        return None
    try:
        data = charmap_encode(_LINE_END.join(shown), "strict", escapes.encoding)[0]
    except UnicodeEncodeError:
        return None
    return _escape_codes(data).split(_LINE_END_CODE)


def _escape_codes(data: bytes) -> str:
    """Code bytes below 0x80 (and the two marks) as written inside a literal string: ``_LITERAL``'s
    escapes, which for these bytes are the three delimiters and CR."""
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") \
        .replace(b"\r", b"\\r").decode("latin-1")


def _operator(shown: str, adjust: str | None) -> str:
    """The Tj, or with spaces to widen by ``adjust`` the TJ, of a line as ``_escaped`` writes it:
    a space in it is U+0020's code, which is 32 (splitString keeps it so)."""
    if adjust is None or " " not in shown:
        return f"({shown.replace(_NBSP_MARK, ' ')}) Tj"
    closing = shown.endswith(" ")  # no stretch after a line's closing space
    pieces = (shown[:-1] if closing else shown).replace(" ", f" ) {adjust} (")
    return f"[({pieces}{' )' if closing else ')'}] TJ".replace(_NBSP_MARK, " ")


# What a no-break space is escaped to until the pieces between stretched spaces are cut: a
# character no escape produces (they are ASCII), drawn as the space it stands for.
_NBSP_MARK = "\x80"
# What joins a chunk's lines to encode them at once, and the byte it is encoded to: a character
# no face draws (the typesetter refuses such characters), whose byte, like the no-break space's,
# is past the codes the encoding is used for.
_LINE_END, _LINE_END_CODE = "\uffff", "\x81"


class _Escapes(dict):
    """A font's characters of the first subset (code point -> as written inside a literal string),
    and the same characters as a set.

    While every code given is below 0x80, ``encoding`` maps each character to its code byte,
    and a no-break space to 0x80 (``_NBSP_MARK``), for ``codecs.charmap_encode``: six times
    faster than ``str.translate`` through the dictionary, which looks each character up as an
    integer; the bytes are then escaped as a literal string needs."""

    __slots__ = ("assigned", "chars", "encoding")


_ESCAPES: WeakKeyDictionary = WeakKeyDictionary()  # reportlab's per-document font state -> _Escapes


def _first_subset_escapes(font, doc) -> _Escapes | None:
    """The escapes of every character reportlab has given a code of the font's first subset in
    this document, kept up to date as codes are given; None before the font has any there."""
    try:
        font_state = font.state[doc]
    except KeyError:
        return None
    escapes = _ESCAPES.get(font_state)
    if escapes is None:
        escapes = _ESCAPES[font_state] = _Escapes()
        escapes.assigned, escapes.chars, escapes.encoding = 0, set(), None
    assignments = font_state.assignments
    if escapes.assigned != len(assignments):
        # Codes are only ever added, in order: the entries past those already seen are the new ones.
        codes = list(islice(assignments, escapes.assigned, None))
        numbers = list(map(assignments.__getitem__, codes))
        if max(numbers, default=0) > 0xFF:  # some in the subsets past the first
            codes = [code for code, number in zip(codes, numbers, strict=True) if number <= 0xFF]
            numbers = [number for number in numbers if number <= 0xFF]
        escapes.update(zip(codes, map(_LITERAL_TABLE.__getitem__, numbers), strict=True))
        escapes.chars.update(map(chr, codes))
        if assignments.get(32) == 32:  # splitString draws a no-break space with the space's code
            escapes[0xA0] = _NBSP_MARK
            escapes.chars.add(NO_BREAK_SPACE)
        escapes.assigned = len(assignments)
        escapes.encoding = _encoding(font_state)
    return escapes


def _encoding(font_state) -> object | None:
    """The encoding of the first subset for ``codecs.charmap_encode``, while every code given is
    below 0x80 and no character given one is either of the two ``charmap_build`` and the joined
    lines keep for themselves (U+FFFE, ``_LINE_END``); None otherwise.

    The subset's list holds the character of each code given, and at 32 the space, which keeps that
    code, or reportlab's padding; a no-break space is 0x80 while the space keeps 32, the line end 0x81."""
    if font_state.nextCode > 0x80:
        return None
    given = font_state.subsets[0][:font_state.nextCode]
    if max(given) >= 0xFFFE:
        return None
    table = [*map(chr, given), *"\ufffe" * (0x100 - len(given))]
    space_kept = font_state.assignments.get(32) == 32
    table[32] = " " if space_kept else "\ufffe"  # else reportlab's padding, or not given yet
    table[0x80] = NO_BREAK_SPACE if space_kept else "\ufffe"
    table[ord(_LINE_END_CODE)] = _LINE_END
    return charmap_build("".join(table))


def _show_split(canvas: Canvas, font, size: float, chars: str, adjust: str | None,
                state: dict) -> list[str]:
    """``_show`` through reportlab's splitString: characters new to the document, or beyond the
    first subset."""
    ops: list[str] = []
    drawn = chars.replace(NO_BREAK_SPACE, " ")
    position = 0
    for subset, data in font.splitString(drawn, canvas._doc):
        if (font.fontName, subset) != state["subset"]:
            ops.append(f"{font.getSubsetInternalName(subset, canvas._doc)} {size:g} Tf")
            state["subset"] = (font.fontName, subset)
        source = chars[position:position + len(data)]
        position += len(data)
        if adjust is None or " " not in source:
            ops.append(f"({_literal(data)}) Tj")
            continue
        parts, start = [], 0
        for word in source.split(" ")[:-1]:  # a piece ends after each space (one byte a char)
            end = start + len(word) + 1
            parts.append(f"({_literal(data[start:end])}) {adjust}")
            start = end
        if start < len(data):
            parts.append(f"({_literal(data[start:])})")
        elif position == len(chars) and parts[-1].endswith(adjust):  # none after a line's closing space
            parts[-1] = parts[-1][: -len(adjust) - 1]
        ops.append(f"[{' '.join(parts)}] TJ")
    return ops


_LITERAL = {byte: chr(byte) if byte < 0x80 else f"\\{byte:03o}" for byte in range(0x100)}
_LITERAL.update({ord("\\"): "\\\\", ord("("): "\\(", ord(")"): "\\)", ord("\r"): "\\r"})
_LITERAL_TABLE = [_LITERAL[byte] for byte in range(0x100)]  # for str.translate of Latin-1 text


def _literal(data: bytes) -> str:
    """A PDF literal string's inside (ISO 32000-1, 7.3.4.2): bytes below 0x80 as they are but for
    the three delimiters and CR, the others in octal, since reportlab writes the page as UTF-8.
    A quarter the size of reportlab's own escapes, which write every control byte in octal."""
    return data.decode("latin-1").translate(_LITERAL_TABLE)


def _rule(y: float) -> list[str]:
    gray = f"{RULE_GRAY:g}"
    return ["/Artifact <</Type /Layout>> BDC", "q", f"{gray} {gray} {gray} RG", f"{RULE_WIDTH:g} w",
            f"{MARGIN_X:.2f} {y:.2f} m {PAGE_WIDTH - MARGIN_X:.2f} {y:.2f} l S", "Q", "EMC"]


def _footer(canvas: Canvas, names: dict[str, str], text: str, written: dict[str, Iterator[str]]) -> list[str]:
    x = (PAGE_WIDTH - pdfmetrics.stringWidth(text, names["lining"], FOOTER_SIZE)) / 2
    drawn_in = _drawn_in("lining")
    if drawn_in in written:
        shown = _showing_lines(pdfmetrics.getFont(names[drawn_in]), canvas._doc, FOOTER_SIZE,
                               [next(written[drawn_in])], [0.0])
    else:
        shown = _show_face(canvas, names, "lining", FOOTER_SIZE, text, 0.0, {"subset": None})
    return ["/Artifact <</Type /Pagination /Subtype /Footer>> BDC", "BT", "0.3 0.3 0.3 rg",
            f"{x:.2f} {FOOTER_Y:.2f} Td", *shown, "ET", "EMC"]


def _require_glyphs(article: Article, record: Record, title: str, date_text: str, label: str) -> None:
    missing = fonts.first_missing(article.text, "regular")
    if missing is not None:
        line, column = position_of(article, missing)
        raise GlyphError(
            _describe(article.text[missing]) + " cannot be drawn by the shipped font",
            path=article.path, line=line, column=column,
            hint="replace it, or ship a font that has it",
        )
    for text, face, where in ((title, "regular", "title"), (label, "regular", "identifier")):
        index = fonts.first_missing(text, face)
        if index is not None:
            raise GlyphError(
                f"{_describe(text[index])} in the record's {where} (character {index + 1}) "
                "cannot be drawn by the shipped font",
                path=record.path, line=record.lines.get(where),
                hint="replace it, or ship a font that has it",
            )
    index = fonts.first_missing(date_text, "italic")
    if index is not None:  # the record's date is digits: its language's words for it are not
        raise GlyphError(
            f"the date in the record's language {record.language!r} reads {date_text!r}, and "
            f"{_describe(date_text[index])} cannot be drawn by the shipped font",
            path=record.path, line=record.lines.get("language"),
            hint="give the language the article is written in; the shipped font draws the Latin, "
            "Greek and Cyrillic scripts",
        )


def _describe(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    return f"{char!r} (U+{ord(char):04X} {name})"
