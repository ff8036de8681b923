"""Read a page's content back in one pass: its text a line per text line, and which
marked-content sequence (structure element or artifact) drew each piece of it.

The content is cut into operators, each with the span of its operands, by one regular
expression, much faster than pypdf's layout-aware extractor (docs/design.md); only the
operands of the operators that matter here are looked at. Text is decoded only through
each font's /ToUnicode map: the mapping PDF/A-2u and PDF/A-3u promise. The checker
(its text and its structure checks) and the catalog all read pages this way.
"""

from __future__ import annotations

import re
from codecs import charmap_decode
from collections.abc import Iterator
from itertools import repeat
from operator import itemgetter

from pypdf import PageObject
from pypdf.generic import IndirectObject

from .pdfread import MAX_TO_UNICODE_CODES, ContentBudget, limit_error

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt), as ranges of code points,
# and as one class of a regular expression: a class of single characters would be searched
# a character at a time, and str.translate costs a dictionary look-up per non-ASCII character.
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
_IGNORABLE_CHARACTER = re.compile(
    "[" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in _IGNORABLE_RANGES) + "]")
# The same class without the ranges beyond the BMP: the engine then looks each character up
# in one table, about twice as fast as testing it against ranges.
_IGNORABLE_IN_BMP = re.compile(
    "[" + "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in _IGNORABLE_RANGES if high <= 0xFFFF) + "]")


def visible(text: str) -> str:
    """``text`` without its default-ignorable characters: what a page can show of it."""
    if text.isascii():
        return text
    if len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text):  # nothing beyond the BMP
        return _IGNORABLE_IN_BMP.sub("", text)
    return _IGNORABLE_CHARACTER.sub("", text)


# A running footer: "identifier · page N / M".
FOOTER = re.compile(r"(?P<label>.*\S)\s+·\s+page (?P<page>\d+) / (?P<total>\d+)")
# A literal string's body: parentheses inside are escaped. Written as runs of plain bytes
# between escapes, so the regular expression engine loops over a character class instead of
# trying an alternation at every byte (about a third faster on page content).
_BODY = rb"[^\\()]*+(?:\\.[^\\()]*+)*+"
_LITERAL = rb"\(" + _BODY + rb"\)?"  # an unclosed one runs to the end of the stream, so a
# crafted run of escaped parentheses is read once
_NAME = rb"/[^\s/\[\]()<>{}%]+"
_NUMBER = rb"[-+]?(?:\d+\.?\d*|\.\d+)"
# One operator and the span of its operands. The span is taken possessively and every
# character either starts an operand or is passed over, so the span ends only at an
# operator or at the end of the stream (the empty operator): no match is ever given up and
# tried again from the next byte, so crafted content costs time in proportion to its length.
# Written as runs of plain bytes between operands that start with their own character, so
# the engine repeats its group once per operand, not once per operand and once per run.
_PLAIN = rb"[^A-Za-z'\"*(</]*+"  # numbers, brackets, spaces, '>' of a dictionary, anything else
_OPERATION = re.compile(
    rb"(" + _PLAIN + rb"(?:(?:" + _LITERAL +
    rb"|/[^\s/\[\]()<>{}%]*+"  # name (letters in it are no operator)
    rb"|<(?:[0-9A-Fa-f\s]*+>)?"  # hex string, or a '<' of a dictionary (or a stray one)
    rb")" + _PLAIN + rb")*+)([A-Za-z'\"*]+|\Z)",
    re.S,
)
# The operands inside a span: strings, names, numbers, array brackets.
_OPERAND = re.compile(_LITERAL + rb"|<[0-9A-Fa-f\s]*>|" + _NAME + rb"|" + _NUMBER + rb"|[\[\]]", re.S)
# A marked-content operator's operands as the writer gives them: a tag and an MCID alone.
_TAG_AND_MCID = re.compile(rb"\s*+(" + _NAME + rb")\s*+<<\s*+/MCID\s++(\d++)\s*+>>\s*+")
# What a text-showing operator's operands show: a literal string's bytes, a hex string's
# digits, or a negative number (a TJ gap); names and other numbers are passed over.
_SHOWN = re.compile(
    rb"\((" + _BODY + rb")\)?|<([0-9A-Fa-f\s]*)>|(-(?:\d+\.?\d*|\.\d+))|" + _NAME + rb"|" + _NUMBER,
    re.S,
)
# The bodies of a span's literal strings; and, for a span that may hold a gap wide enough to
# be a space (a number from -200 down: the exact test is left to ``_shown``), where they are.
_LITERAL_BODY = re.compile(rb"\((" + _BODY + rb")\)?", re.S)
_MAYBE_WIDE_GAP = re.compile(rb"-0*(?:[2-9]\d\d|[1-9]\d{3,})")
# A TJ gap, whole, that may be wide enough to be a space: split out of what a span holds
# besides its strings; ``_shown`` makes the exact test.
_WIDE_GAP = re.compile(rb"(-(?=0*(?:[2-9]\d\d|[1-9]\d{3,}))\d+\.?\d*)")
# What goes between two strings of a justified line's TJ: the one gap, as a number.
_SPACED = re.compile(rb"\)\s*+([-+]?(?:\d+\.?\d*|\.\d+))\s*+\(")
_RUNS_ON = re.compile(rb"\\[0-7\r]")  # an escape that may go on into the bytes after it
_ESCAPE = re.compile(rb"(\\(?:[0-7]{1,3}|\r\n|.))", re.S)  # split() keeps each escape
_UNESCAPED = {  # every escape a literal string can hold (PDF 32000-1, 7.3.4.2) -> its byte(s)
    **{b"\\" + bytes([byte]): bytes([byte]) for byte in range(256)},  # any other stands for itself
    **{b"\\" + b"%0*o" % (width, value): bytes([value & 0xFF])
       for width in (1, 2, 3) for value in range(8 ** width)},
    b"\\n": b"\n", b"\\r": b"\r", b"\\t": b"\t", b"\\b": b"\b", b"\\f": b"\f",
    b"\\\r\n": b"", b"\\\n": b"", b"\\\r": b"",  # a backslash at a line end continues the line
}
_SHOWING = {b"Tj", b"TJ", b"'", b'"'}
_NEW_LINE = {b"T*", b"Td", b"TD", b"Tm", b"ET"}  # and ' and ", which show text too
# Operators that put marks on the page: text, paths, images, shadings.
_PAINTING = {*_SHOWING, b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*", b"Do", b"sh", b"BI"}
_ARTIFACT = -1  # the owner of an artifact's content; a structure element's is its MCID


class PageContent:
    """What one page's content stream shows, read in one pass.

    ``lines``: the text, a line per text line, a large TJ gap read as a space;
    ``by_mcid``: the glyphs each marked-content sequence with an MCID drew, as drawn
    (a space only where one is drawn); ``artifacts``: the text of each artifact;
    ``unmarked``: painting operators outside every marked-content sequence.
    """

    __slots__ = ("artifacts", "by_mcid", "lines", "unmarked")

    def __init__(self, lines: list[str], by_mcid: dict[int, str], artifacts: list[str],
                 unmarked: int) -> None:
        self.lines = lines
        self.by_mcid = by_mcid
        self.artifacts = artifacts
        self.unmarked = unmarked

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def read_page(page: PageObject, budget: ContentBudget) -> PageContent:
    """One pass over the page's content: its lines of text and what each marked sequence drew.

    ``budget`` bounds the content read over all the pages of one PDF: a crafted file may
    give a thousand pages one huge content stream.
    """
    fonts = page.get("/Resources", {}).get("/Font", {})
    contents = page.get_contents()
    content = b"" if contents is None else contents.get_data()
    budget.spend(len(content))
    tables: dict[str, str | list[str]] = {}
    chosen: dict[bytes, str | list[str]] = {}  # the table each Tf's operands choose
    font: str | list[str] = _UNMAPPED
    lines: list[str] = []
    line: list[str] = []
    # For each open marked-content sequence, where the outermost one that owns its content
    # keeps what it draws: an artifact's list or an MCID's, or None while there is none; kept
    # per level, so each operator costs the same however deep the nesting.
    owners: list[list[str] | None] = []
    owner: list[str] | None = None
    texts: dict[int, list[str]] = {}
    artifacts: list[list[str]] = []
    unmarked = 0
    for span, operator in _OPERATION.findall(content):
        if operator in _SHOWING:
            if operator != b"Tj" and operator != b"TJ":  # ' and " move to the next line first
                lines.append("".join(line))
                line = []
            drawn, seen = _shown(span, font)
            line.append(seen)
            if owner is None:
                unmarked += 1
            else:
                owner.append(drawn)
        elif operator in _NEW_LINE:
            if line:
                lines.append("".join(line))
                line = []
        elif operator == b"Tf":
            if span in chosen:  # the same font and size again: the operands are read once
                font = chosen[span]
                continue
            operands = _OPERAND.findall(span)
            if len(operands) >= 2:
                name = operands[-2].decode("latin-1")
                if name not in tables:
                    tables[name] = _font_table(fonts.get(name), budget)
                font = chosen[span] = tables[name]
        elif operator == b"BDC" or operator == b"BMC":
            if owner is None:
                mcid = _owner(span)
                if mcid == _ARTIFACT:
                    owner = []
                    artifacts.append(owner)
                elif mcid is not None:
                    owner = texts.setdefault(mcid, [])
            owners.append(owner)
        elif operator == b"EMC":
            if owners:
                owners.pop()
                owner = owners[-1] if owners else None
        elif operator in _PAINTING and owner is None:
            unmarked += 1
    if line:
        lines.append("".join(line))
    return PageContent(lines, {mcid: "".join(parts) for mcid, parts in texts.items()},
                       ["".join(parts) for parts in artifacts], unmarked)


def _owner(span: bytes) -> int | None:
    """Who owns what a marked-content sequence with these operands draws: ``_ARTIFACT``, its
    MCID (the last one given), or None."""
    simple = _TAG_AND_MCID.fullmatch(span)
    if simple:  # as the writer gives them, '/P <</MCID 3>>': one match, not every operand
        return _ARTIFACT if simple[1] == b"/Artifact" else int(simple[2])
    operands = _OPERAND.findall(span)
    if operands and operands[0] == b"/Artifact":
        return _ARTIFACT
    mcid = None
    for i, operand in enumerate(operands[:-1]):
        if operand == b"/MCID" and operands[i + 1].isdigit():
            mcid = int(operands[i + 1])
    return mcid


def page_text(page: PageObject, budget: ContentBudget | None = None) -> str:
    """The page's text, a line per text line, decoded through ToUnicode."""
    return read_page(page, budget or ContentBudget()).text


_UNMAPPED = "\ufffd" * 256
_SURROGATE = re.compile("[\ud800-\udfff]")


def code_table(mapping: dict[int, str]) -> str | list[str]:
    """The text of each one-byte code, U+FFFD where the font maps none.

    A string of 256 characters when every code maps to one character (decoded in one C
    call, ``codecs.charmap_decode``), else a ``str.translate`` table for the bytes read as
    Latin-1. U+FFFE means 'no character' to charmap, so a map to it keeps the table.
    """
    table = list(map(mapping.get, range(256), repeat("\ufffd")))
    if set(map(len, table)) == {1} and "\ufffe" not in table:
        return "".join(table)
    return table


def _decode(raw: bytes, font: str | list[str]) -> str:
    if type(font) is str:
        return charmap_decode(raw, "strict", font)[0]
    return raw.decode("latin-1").translate(font)


def _shown(span: bytes, font: str | list[str]) -> tuple[str, str]:
    """The text the strings of Tj, ', " or TJ draw, and as read with a space for each TJ gap
    large enough to be one.

    ``font`` gives the text of each one-byte code (``code_table``). The strings between two
    such gaps are joined, unescaped and decoded in one pass each: a justified line is one
    run, not a run per word.
    """
    literals = _LITERAL_BODY.findall(span)
    if span.find(b"<") < 0 and not _MAYBE_WIDE_GAP.search(span):  # one run of literal strings
        text = _decode(_literal_bytes(literals), font)
        return text, text
    shown = _shown_spaced(span, literals, font)
    if shown is not None:
        return shown
    # What the span holds besides its strings, each string left as one '(': a '(' is never
    # anything but the start of a string, so the gaps can be found between them.
    skeleton = _LITERAL_BODY.sub(b"(", span)
    if skeleton.find(b"<") >= 0 or skeleton.find(b"/") >= 0:  # a hex string, or a name
        return _shown_token_by_token(span, font)
    runs: list[str] = []
    taken = held = 0
    pieces = _WIDE_GAP.split(skeleton)  # between the gaps, then each gap that may be wide
    for piece, gap in zip(pieces[0::2], [*pieces[1::2], None], strict=True):
        held += piece.count(b"(")
        if gap is None or float(gap) < -200:
            runs.append(_decode(_literal_bytes(literals[taken:taken + held]), font))
            taken, held = taken + held, 0
    return "".join(runs), " ".join(runs)


def _shown_spaced(span: bytes, literals: list[bytes], font: str | list[str]) -> tuple[str, str] | None:
    """``_shown`` for the TJ of a justified line: strings with one and the same gap between
    each two, '[(a) -250 (b) -250 (c)]'. Told by rebuilding the span from its strings and
    the first gap (equal, it has that form), and read a string at a time with no regular
    expression; None for a span of any other form, which ``_shown`` reads.
    """
    if len(literals) < 2:
        return None
    first = span.find(b"(")
    head = span[:first]
    after = first + 1 + len(literals[0])  # the ')' that closes the first string
    gap = _SPACED.match(span, after)
    if gap is None or head.find(b"<") >= 0 or head.find(b"/") >= 0 or _MAYBE_WIDE_GAP.search(head):
        return None
    rebuilt = span[:first + 1] + span[after:gap.end()].join(literals)
    tail = span[len(rebuilt):]
    if (not span.startswith(rebuilt) or tail[:1] != b")" or tail.find(b"(") >= 0 or tail.find(b"<") >= 0
            or tail.find(b"/") >= 0 or _MAYBE_WIDE_GAP.search(tail)):
        return None
    if float(gap[1]) >= -200:  # no wider than a space: one run
        text = _decode(_literal_bytes(literals), font)
        return text, text
    runs = [_decode(body if body.find(b"\\") < 0 else _unescape(body), font) for body in literals]
    return "".join(runs), " ".join(runs)


def _shown_token_by_token(span: bytes, font: str | list[str]) -> tuple[str, str]:
    """``_shown`` for a span with hex strings (or names) among its operands."""
    runs: list[str] = []
    run: list[bytes] = []
    literals: list[bytes] = []
    for literal, digits, gap in _SHOWN.findall(span):
        if literal:
            literals.append(literal)
        elif digits:
            run += (_literal_bytes(literals), _hex(digits))
            literals = []
        elif gap and float(gap) < -200:
            run.append(_literal_bytes(literals))
            literals = []
            runs.append(_decode(b"".join(run), font))
            run = []
    run.append(_literal_bytes(literals))
    runs.append(_decode(b"".join(run), font))
    return "".join(runs), " ".join(runs)


def _literal_bytes(literals: list[bytes]) -> bytes:
    """The bytes of literal strings shown one after the other, from their bodies.

    An escape ends with its string: where one might run on into the next string (an octal
    escape, a backslash and a carriage return), a backslash and a newline go between the
    strings, an escape of its own that ends the one before and adds nothing.
    """
    raw = b"".join(literals)
    if raw.find(b"\\") < 0:  # find(), not 'in': bytes' 'in' first tries the operand as an int
        return raw
    return _unescape(b"\\\n".join(literals) if len(literals) > 1 and _RUNS_ON.search(raw) else raw)


def _unescape(literal: bytes) -> bytes:
    """The bytes of a literal string; any other escaped character stands for itself."""
    # When every backslash starts one of the escapes a writer gives for a carriage return or a
    # parenthesis (so none is an escaped backslash), each kind is replaced in one C pass; the
    # carriage return, code 13 of a font subset and the commonest, is tried on its own first.
    escapes, returns = literal.count(b"\\"), literal.count(b"\\r")
    if escapes == returns:
        return literal.replace(b"\\r", b"\r")
    if escapes == returns + literal.count(b"\\(") + literal.count(b"\\)"):
        return literal.replace(b"\\r", b"\r").replace(b"\\(", b"(").replace(b"\\)", b")")
    parts = _ESCAPE.split(literal)
    parts[1::2] = map(_UNESCAPED.__getitem__, parts[1::2])  # every escape the split finds is there
    return b"".join(parts)


def _hex(digits: bytes) -> bytes:
    """A hex string's bytes; an odd final digit is followed by 0, as PDF 32000-1 (7.3.4.3) says."""
    try:
        return bytes.fromhex(digits.decode("ascii"))  # even digits, spaces between pairs only
    except ValueError:
        digits = re.sub(rb"\s", b"", digits)
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))


def _utf16(digits: bytes) -> str:
    """A ToUnicode target; a broken UTF-16 sequence reads as U+FFFD, and the text comparison says so."""
    if len(digits) == 4:  # one UTF-16 code unit, the usual target: a character unless a surrogate
        unit = int(digits, 16)
        if not 0xD800 <= unit <= 0xDFFF:
            return chr(unit)
    return _hex(digits).decode("utf-16-be", errors="replace")


def _font_table(font: object, budget: ContentBudget) -> str | list[str]:
    """The code table of a page's font, parsed once per PDF however many pages share it; its
    ToUnicode CMap's bytes count against ``budget`` like page content."""
    if font is None:
        return _UNMAPPED
    key = (font.idnum, font.generation) if isinstance(font, IndirectObject) else None
    if key is not None and key in budget.fonts:
        return budget.fonts[key]
    font = font.get_object()
    stream = font.get("/ToUnicode")
    cmap = b"" if stream is None else stream.get_object().get_data()
    budget.spend(len(cmap))
    table = _in_order(cmap)
    if table is None:
        table = code_table(_to_unicode(cmap))
    if key is not None:
        budget.fonts[key] = table
    return table


def _one_byte_characters(entries: list[tuple[bytes, bytes]]) -> Iterator[tuple[int, str]] | None:
    """The bfchar entries as (code, character) pairs, decoded in bulk, when each maps a
    one-byte code to one UTF-16 unit that is no surrogate, as a simple font's map does;
    else None, and each entry is read on its own."""
    if not all(len(code) == 2 and len(target) == 4 for code, target in entries):
        return None
    codes = bytes.fromhex(b"".join(map(itemgetter(0), entries)).decode("ascii"))
    text = _unit_characters(bytes.fromhex(b"".join(map(itemgetter(1), entries)).decode("ascii")))
    return None if text is None else zip(codes, text, strict=True)


def _unit_characters(units: bytes) -> str | None:
    """UTF-16BE units as one character each; None when any is a surrogate, paired with the
    next into one character (which would shift every later code's) or alone: the entry by
    entry reading decides those."""
    text = units.decode("utf-16-be", "surrogatepass")
    return None if 2 * len(text) != len(units) or _SURROGATE.search(text) else text


_SEQUENCE = bytes(range(256))
# A bfchar block of one-byte codes, each mapped to one UTF-16 unit, and nothing else.
_ONE_TO_ONE = re.compile(rb"\s*+(?:<[0-9A-Fa-f]{2}>\s*+<[0-9A-Fa-f]{4}>\s*+)*+")


def _in_order(cmap: bytes) -> str | None:
    """The code table (``code_table``) of a CMap whose one bfchar block maps the codes 0, 1, 2...
    in order, each to one character, and that has no bfrange: the map a subset font is given.
    Read in a few calls in C; None for any other map, which ``_to_unicode`` reads entry by entry.
    """
    start = cmap.find(b"beginbfchar")
    if start < 0 or cmap.find(b"bfrange") >= 0:
        return None
    end = cmap.find(b"endbfchar", start + 11)
    if end < 0 or cmap.find(b"beginbfchar", end) >= 0 or not _ONE_TO_ONE.fullmatch(cmap, start + 11, end):
        return None
    entries = bytes.fromhex(cmap[start + 11:end].translate(None, b"<> \t\n\r\f\v").decode("ascii"))
    count = len(entries) // 3  # a code and a UTF-16 unit each
    if entries[0::3] != _SEQUENCE[:count]:
        return None
    units = bytearray(2 * count)
    units[0::2], units[1::2] = entries[1::3], entries[2::3]
    text = _unit_characters(bytes(units))
    if text is None or "\ufffe" in text:
        return None
    return text + _UNMAPPED[count:]


def _to_unicode(cmap: bytes) -> dict[int, str]:
    """One-byte codes to text, from the bfchar and bfrange entries of a ToUnicode CMap.

    Only codes 0-255 are kept (archivist's fonts are simple fonts), and at most
    MAX_TO_UNICODE_CODES entries are looked at in all, so a crafted CMap costs bounded work.
    """
    mapping: dict[int, str] = {}
    seen = 0

    def count(entries: int) -> None:
        nonlocal seen
        seen += entries
        if seen > MAX_TO_UNICODE_CODES:
            raise limit_error(f"has a ToUnicode map of more than {MAX_TO_UNICODE_CODES} codes",
                              f"{MAX_TO_UNICODE_CODES} codes per ToUnicode map")

    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        entries = re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block)
        count(len(entries))
        shown = _one_byte_characters(entries)
        if shown is not None:
            mapping.update(shown)
            continue
        for code, target in entries:
            number = int(code, 16)
            if number < 256:
                mapping[number] = _utf16(target)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, target in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])", block):
            codes = range(int(low, 16), int(high, 16) + 1)
            if len(codes) > MAX_TO_UNICODE_CODES:
                raise limit_error(f"has a ToUnicode range of {len(codes)} codes",
                                  f"{MAX_TO_UNICODE_CODES} codes per range")
            codes = codes[:max(0, 256 - codes.start)]  # the one-byte codes of the range
            count(1 + len(codes))
            if target.startswith(b"["):
                targets = re.findall(rb"<([0-9A-Fa-f]*)>", target)
                for code, each in zip(codes, targets, strict=False):
                    mapping[code] = _utf16(each)
            else:
                first = _utf16(target[1:-1]) or "\ufffd"
                for offset, code in enumerate(codes):
                    mapping[code] = first[:-1] + chr(min(ord(first[-1]) + offset, 0x10FFFF))
    return mapping
