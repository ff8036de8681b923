"""The fast ways ``pagetext`` reads what a text operator shows give what the plain way gives.

``_shown`` reads a TJ array in a few calls that run in C; ``_shown_token_by_token`` reads
it an operand at a time, as PDF 32000-1 (9.4.3) describes the array. Both are given the
same operands, as the page reader cuts them from content: real ones, random ones and ones
made to trip a reader (escapes at a string's end, octal escapes that would run on into the
next string, a backslash and a line end split between strings, gaps of every width and
spelling, unclosed strings, names and hex strings among the operands).
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from archivist.pagetext import _OPERATION, _shown, _shown_token_by_token, code_table

_ESCAPES = [b"\\n", b"\\r", b"\\t", b"\\b", b"\\f", b"\\(", b"\\)", b"\\\\", b"\\q", b"\\\n", b"\\\r",
            b"\\\r\n", b"\\1", b"\\12", b"\\123", b"\\777", b"\\0", b"\\8", b"\\"]
_BODY = st.lists(st.one_of(st.sampled_from(_ESCAPES), st.binary(max_size=4).map(
    lambda raw: raw.replace(b"\\", b"").replace(b"(", b"").replace(b")", b""))), max_size=6).map(b"".join)
_GAPS = [b"-42", b"-200", b"-200.0", b"-200.01", b"-201", b"-0250", b"-1000", b"-99999", b"-226.5",
         b"120", b"+300", b"-.5", b"-3", b"0", b"-", b"--300", b"5-300", b"-300.5.7", b"-00200"]
_OPERAND = st.one_of(
    _BODY.map(lambda body: b"(" + body + b")"),
    st.sampled_from(_GAPS),
    st.sampled_from([b" ", b"\n", b"[", b"]", b"<414>", b"<41 4>", b"/Name", b"\\", b")", b"<", b">", b"%"]),
)
_SPAN = st.tuples(st.lists(_OPERAND, max_size=14), st.sampled_from([b"", b" ", b"(tail", b"(\\(\\("])).map(
    lambda parts: b" ".join(parts[0]) + parts[1])
_FONTS = [
    code_table({code: chr(0x2400 + code) if code < 32 else chr(code) for code in range(128)}),
    code_table({code: ("fi" if code == 0x41 else chr(0x100 + code)) for code in range(200)}),  # a ligature
    code_table({}),
]
assert [type(font) for font in _FONTS] == [str, list, str]  # a character per byte, or not


def as_read(span: bytes) -> bytes:
    """The operands the page reader hands over for ``span TJ`` (an unclosed string runs on
    to the end, as it does in a page's content)."""
    return _OPERATION.match(span + b" TJ")[1]


@settings(max_examples=600, deadline=None)
@given(span=_SPAN, font=st.sampled_from(range(len(_FONTS))))
@example(span=rb"[(\1) -300 (23) (\\\r) -201 (\n) -200 (x)]", font=0)
@example(span=rb"[-300 -300 (a) -300]", font=0)
@example(span=rb"[(a) -300 (b) -300 (c)]", font=1)
def test_a_text_operator_reads_the_same_whichever_way(span: bytes, font: int) -> None:
    operands = as_read(span)
    assert _shown(operands, _FONTS[font]) == _shown_token_by_token(operands, _FONTS[font])


_SEPARATOR = st.tuples(st.sampled_from([b"", b" ", b"\n"]), st.sampled_from(_GAPS),
                       st.sampled_from([b"", b" "]))
_JUSTIFIED = st.tuples(
    st.sampled_from([b"", b"\n", b" [", b"[", b"[-300 ", b"[5 ", b"[/N ", b"[<41> "]),
    st.lists(_BODY, min_size=1, max_size=8), _SEPARATOR,
    st.sampled_from([b")]", b")] ", b") -300]", b")", b"", b") (x)]", b") <41>]", b"\\"]),
).map(lambda parts: parts[0] + b"(" + (b")" + b"".join(parts[2]) + b"(").join(parts[1]) + parts[3])


@settings(max_examples=600, deadline=None)
@given(span=_JUSTIFIED, font=st.sampled_from(range(len(_FONTS))))
@example(span=b"\n[(Le ) -203 (ministre ) -203 (a)] ", font=0)
@example(span=b"[(Le ) -200.0 (ministre)]", font=0)
@example(span=rb"[(a\1) -300 (2) -300 (\\\r)]", font=1)
def test_a_justified_line_reads_the_same_whichever_way(span: bytes, font: int) -> None:
    """The TJ of a justified line, strings with one gap between each two, read by the rebuilt-span
    shortcut as the plain way reads it (and spans that only look like one, read the same too)."""
    operands = as_read(span)
    assert _shown(operands, _FONTS[font]) == _shown_token_by_token(operands, _FONTS[font])
