"""Read a page's text back through its fonts' ToUnicode maps, a line per text line.

The text operators are read with one regular expression, much faster than pypdf's
layout-aware extractor (docs/design.md), and decoded only through each font's
/ToUnicode map: the mapping PDF/A-2u and PDF/A-3u promise. The checker and the
catalog both read pages this way.
"""

from __future__ import annotations

import re

from pypdf import PageObject
from pypdf.generic import DictionaryObject

_CONTENT_TOKEN = re.compile(
    rb"\((?:\\.|[^\\()])*\)"  # literal string (parentheses inside are escaped)
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


def page_text(page: PageObject) -> str:
    """The page's text, a line per text line, decoded through ToUnicode."""
    fonts = page.get("/Resources", {}).get("/Font", {})
    maps: dict[str, dict[int, str]] = {}
    font: dict[int, str] = {}
    lines: list[str] = []
    line: list[str] = []
    operands: list[bytes] = []
    contents = page.get_contents()
    for token in _CONTENT_TOKEN.findall(b"" if contents is None else contents.get_data()):
        if token[:1] in b"(<[]/-+.0123456789" and not token[:1].isalpha():
            operands.append(token)
            continue
        if token == b"Tf" and len(operands) >= 2:
            name = operands[-2].decode("latin-1")
            if name not in maps:
                maps[name] = _to_unicode(fonts[name].get_object()) if name in fonts else {}
            font = maps[name]
        elif token in (b"Tj", b"'", b'"', b"TJ"):
            if token in (b"'", b'"'):
                lines.append("".join(line))
                line = []
            line.append(_show_text(operands, font))
        elif token in _NEW_LINE and line:
            lines.append("".join(line))
            line = []
        operands = []
    if line:
        lines.append("".join(line))
    return "\n".join(lines)


def _show_text(operands: list[bytes], font: dict[int, str]) -> str:
    """Decode the strings of Tj, ', " or TJ; a large TJ gap counts as a space."""
    text = []
    for operand in operands:
        if operand[:1] == b"(":
            raw = _unescape(operand[1:-1])
        elif operand[:1] == b"<":
            raw = bytes.fromhex(re.sub(rb"\s", b"", operand[1:-1]).decode())
        else:
            if operand[:1] not in b"[]" and float(operand) < -200:
                text.append(" ")
            continue
        text.extend(font.get(code, "\ufffd") for code in raw)
    return "".join(text)


def _unescape(literal: bytes) -> bytes:
    """The bytes of a literal string; any other escaped character stands for itself."""
    parts = _ESCAPE.split(literal)
    parts[1::2] = [_UNESCAPED.get(escape, escape[1:]) for escape in parts[1::2]]
    return b"".join(parts)


def _to_unicode(font: DictionaryObject) -> dict[int, str]:
    """One-byte codes to text, from the bfchar and bfrange entries of the font's ToUnicode CMap."""
    stream = font.get("/ToUnicode")
    if stream is None:
        return {}
    cmap = stream.get_object().get_data()
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, target in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            mapping[int(code, 16)] = bytes.fromhex(target.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, target in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])", block):
            codes = range(int(low, 16), int(high, 16) + 1)
            if target.startswith(b"["):
                targets = re.findall(rb"<([0-9A-Fa-f]*)>", target)
                for code, each in zip(codes, targets, strict=False):
                    mapping[code] = bytes.fromhex(each.decode()).decode("utf-16-be")
            else:
                first = bytes.fromhex(target[1:-1].decode()).decode("utf-16-be")
                for offset, code in enumerate(codes):
                    mapping[code] = first[:-1] + chr(ord(first[-1]) + offset)
    return mapping
