"""Read a page's text back through its fonts' ToUnicode maps, a line per text line.

The text operators are read with one regular expression, much faster than pypdf's
layout-aware extractor (docs/design.md), and decoded only through each font's
/ToUnicode map: the mapping PDF/A-2u and PDF/A-3u promise. The checker and the
catalog both read pages this way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pypdf import PageObject
from pypdf.generic import DictionaryObject, IndirectObject

from .pdfread import MAX_TO_UNICODE_CODES, ContentBudget, limit_error

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt), as a deletion table.
IGNORABLE = dict.fromkeys([
    0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, *range(0x180B, 0x1810),
    *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070), 0x3164,
    *range(0xFE00, 0xFE10), 0xFEFF, 0xFFA0, *range(0xFFF0, 0xFFF9), *range(0x1BCA0, 0x1BCA4),
    *range(0x1D173, 0x1D17B), *range(0xE0000, 0xE1000),
])
# A running footer: "identifier · page N / M".
FOOTER = re.compile(r"(?P<label>.*\S)\s+·\s+page (?P<page>\d+) / (?P<total>\d+)")
_CONTENT_TOKEN = re.compile(
    rb"\((?:\\.|[^\\()])*\)?"  # literal string (parentheses inside are escaped); an unclosed
    # one runs to the end of the stream, so a crafted run of escaped parentheses is read once
    rb"|<[0-9A-Fa-f\s]*>"  # hex string
    rb"|/[^\s/\[\]()<>{}%]+"  # name
    rb"|[-+]?(?:\d+\.?\d*|\.\d+)"  # number
    rb"|[\[\]]"  # array brackets
    rb"|[A-Za-z'\"*]+",  # operator
    re.S,
)
_ESCAPE = re.compile(rb"(\\(?:[0-7]{1,3}|\r\n|.))", re.S)  # split() keeps each escape
_UNESCAPED = {  # every escape a literal string can hold (PDF 32000-1, 7.3.4.2) -> its byte(s)
    **{b"\\" + b"%0*o" % (width, value): bytes([value & 0xFF])
       for width in (1, 2, 3) for value in range(8 ** width)},
    b"\\n": b"\n", b"\\r": b"\r", b"\\t": b"\t", b"\\b": b"\b", b"\\f": b"\f",
    b"\\\r\n": b"", b"\\\n": b"", b"\\\r": b"",  # a backslash at a line end continues the line
}
_NEW_LINE = {b"T*", b"'", b'"', b"Td", b"TD", b"Tm", b"ET"}


def operators(page: PageObject, budget: ContentBudget) -> Iterator[tuple[bytes, list[bytes], list[str]]]:
    """Each operator of the page's content with its operands and the current font's code table.

    ``budget`` bounds the content read over all the pages of one PDF: a crafted file may
    give a thousand pages one huge content stream.
    """
    fonts = page.get("/Resources", {}).get("/Font", {})
    maps: dict[str, list[str]] = {}
    font = _UNMAPPED
    operands: list[bytes] = []
    contents = page.get_contents()
    content = b"" if contents is None else contents.get_data()
    budget.spend(len(content))
    for token in _CONTENT_TOKEN.findall(content):
        if token[:1] in b"(<[]/-+.0123456789" and not token[:1].isalpha():
            operands.append(token)
            continue
        if token == b"Tf" and len(operands) >= 2:
            name = operands[-2].decode("latin-1")
            if name not in maps:
                maps[name] = _font_table(fonts.get(name), budget)
            font = maps[name]
        yield token, operands, font
        operands = []


def page_text(page: PageObject, budget: ContentBudget | None = None) -> str:
    """The page's text, a line per text line, decoded through ToUnicode."""
    lines: list[str] = []
    line: list[str] = []
    for token, operands, font in operators(page, budget or ContentBudget()):
        if token in (b"Tj", b"'", b'"', b"TJ"):
            if token in (b"'", b'"'):
                lines.append("".join(line))
                line = []
            line.append(_show_text(operands, font))
        elif token in _NEW_LINE and line:
            lines.append("".join(line))
            line = []
    if line:
        lines.append("".join(line))
    return "\n".join(lines)


_UNMAPPED = ["\ufffd"] * 256


def code_table(mapping: dict[int, str]) -> list[str]:
    """The text of each one-byte code, U+FFFD where the font maps none: a ``str.translate``
    table for a string's bytes decoded as Latin-1."""
    return [mapping.get(code, "\ufffd") for code in range(256)]


def _show_text(operands: list[bytes], font: list[str]) -> str:
    """Decode the strings of Tj, ', " or TJ; a large TJ gap counts as a space.

    ``font`` gives the text of each one-byte code. The strings between two such gaps are
    joined and their bytes decoded as Latin-1 (code n becomes U+00nn), then translated
    through ``font`` in one pass: a justified line is one run, not a run per word.
    """
    runs: list[bytes] = []
    run: list[bytes] = []
    for operand in operands:
        if operand[:1] == b"(":
            run.append(_unescape(operand[1:-1]))
        elif operand[:1] == b"<":
            run.append(_hex(operand[1:-1]))
        elif operand[:1] not in b"[]" and float(operand) < -200:
            runs.append(b"".join(run))
            run = []
    runs.append(b"".join(run))
    return " ".join(part.decode("latin-1").translate(font) for part in runs)


def _unescape(literal: bytes) -> bytes:
    """The bytes of a literal string; any other escaped character stands for itself."""
    if b"\\" not in literal:
        return literal
    parts = _ESCAPE.split(literal)
    parts[1::2] = [_UNESCAPED.get(escape, escape[1:]) for escape in parts[1::2]]
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
    return _hex(digits).decode("utf-16-be", errors="replace")


def _font_table(font: object, budget: ContentBudget) -> list[str]:
    """The code table of a page's font, parsed once per PDF however many pages share it; its
    ToUnicode CMap's bytes count against ``budget`` like page content."""
    if font is None:
        return _UNMAPPED
    key = (font.idnum, font.generation) if isinstance(font, IndirectObject) else None
    if key is not None and key in budget.fonts:
        return budget.fonts[key]
    table = code_table(_to_unicode(font.get_object(), budget))
    if key is not None:
        budget.fonts[key] = table
    return table


def _to_unicode(font: DictionaryObject, budget: ContentBudget) -> dict[int, str]:
    """One-byte codes to text, from the bfchar and bfrange entries of the font's ToUnicode CMap.

    Only codes 0-255 are kept (archivist's fonts are simple fonts), and at most
    MAX_TO_UNICODE_CODES entries are looked at in all, so a crafted CMap costs bounded work.
    """
    stream = font.get("/ToUnicode")
    if stream is None:
        return {}
    cmap = stream.get_object().get_data()
    budget.spend(len(cmap))
    mapping: dict[int, str] = {}
    seen = 0

    def count(entries: int) -> None:
        nonlocal seen
        seen += entries
        if seen > MAX_TO_UNICODE_CODES:
            raise limit_error(f"has a ToUnicode map of more than {MAX_TO_UNICODE_CODES} codes",
                              f"{MAX_TO_UNICODE_CODES} codes per ToUnicode map")

    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, target in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            count(1)
            if int(code, 16) < 256:
                mapping[int(code, 16)] = _utf16(target)
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
