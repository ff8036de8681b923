"""Text is written into the page exactly as reportlab's own encoding of it would be written."""

from __future__ import annotations

import io
import unicodedata
from itertools import islice

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from archivist import fonts
from archivist.typeset import (
    NO_BREAK_SPACE,
    _first_subset_escapes,
    _free_space_code,
    _give_codes,
    _give_codes_in_order,
    _set_word_spacing,
    _show,
    _show_split,
    _showing,
    _showing_lines,
    _written_lines,
)

# More characters than one subset of 256 codes holds, so that texts also reach the second and
# third subsets; spaces, no-break spaces and the delimiters a literal string escapes often.
_DRAWN = [chr(code) for code in sorted(fonts.coverage("regular"))
          if unicodedata.category(chr(code))[0] in "LNPS"][:600]
_ALPHABET = st.one_of(st.sampled_from(" " * 6 + NO_BREAK_SPACE * 2 + "()\\\r"), st.sampled_from(_DRAWN))


_FEW_CHARS = frozenset(" " + NO_BREAK_SPACE + "()\\\r\uffff" + "".join(_DRAWN[:110]))


def _canvas() -> Canvas:
    return Canvas(io.BytesIO(), invariant=1)


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(st.tuples(st.text(_ALPHABET, max_size=90), st.sampled_from([0.0, 0.4, 1.37, 12.0])),
                      min_size=1, max_size=60))
def test_lines_are_written_as_reportlab_s_split_of_the_text_writes_them(lines) -> None:
    """The escape table gives the bytes, codes and subsets splitString gives, line after line."""
    font = pdfmetrics.getFont(fonts.register()["regular"])
    fast, reference = _canvas(), _canvas()
    fast_state: dict = {"subset": None}
    reference_state: dict = {"subset": None}
    for chars, stretch in lines:
        adjust = f"{-stretch * 1000 / 12:.0f}" if stretch else None
        expected = _show_split(reference, font, 12, chars, adjust, reference_state) if chars else []
        assert _show(fast, font, 12, chars, stretch, fast_state) == expected
    subsets = [getattr(font.state.get(canvas._doc), "subsets", None) for canvas in (fast, reference)]
    assert subsets[0] == subsets[1]


def test_a_long_text_reaches_several_subsets_and_is_still_written_as_reportlab_writes_it() -> None:
    font = pdfmetrics.getFont(fonts.register()["regular"])
    fast, reference = _canvas(), _canvas()
    fast_state: dict = {"subset": None}
    reference_state: dict = {"subset": None}
    text = " ".join("".join(_DRAWN[start:start + 7]) for start in range(0, len(_DRAWN), 7))
    for line in (text, text[::-1], NO_BREAK_SPACE.join(text.split(" ")[:40]) + " ", text):
        assert _show(fast, font, 12, line, 0.8, fast_state) \
            == _show_split(reference, font, 12, line, "-67", reference_state)
    assert len(font.state[fast._doc].subsets) >= 3


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.text(st.one_of(_ALPHABET, st.sampled_from("\uffff\U0001f600")), max_size=120),
                      max_size=8),
       free_space=st.booleans())
def test_codes_given_at_once_are_the_codes_split_string_gives(texts: list[str], free_space: bool) -> None:
    """Codes given to a text's new characters all at once are those splitString gives the text,
    with the space keeping code 32 or not, into the second subset and past it; characters the face
    cannot draw get none."""
    font = pdfmetrics.getFont(fonts.register()["regular"])
    fast, reference = _canvas(), _canvas()
    if free_space:
        for canvas in (fast, reference):
            _free_space_code(font, canvas._doc)
    for text in texts:
        escapes = _first_subset_escapes(font, fast._doc)
        _give_codes(font, fast._doc, text, escapes.chars if escapes is not None else ())
        font.splitString(text, reference._doc)
        ours, theirs = font.state[fast._doc], font.state[reference._doc]
        assert (ours.assignments, ours.subsets, ours.nextCode) \
            == (theirs.assignments, theirs.subsets, theirs.nextCode)


# Fewer characters than 0x80 codes, often enough, for chunks encoded to bytes at once; and now
# and then U+FFFF, which no face draws and which joins the lines of a chunk encoded at once.
_FEW = st.one_of(st.sampled_from(" " * 6 + NO_BREAK_SPACE * 2 + "()\\\r"), st.sampled_from(_DRAWN[:110]),
                 st.just("\uffff"))


def test_word_spacing_widens_spaces_unless_a_no_break_space_must_not_grow() -> None:
    ops: list[str] = []
    assert _set_word_spacing(ops, "0", 1.25, False) == ("1.250", 0.0)
    assert _set_word_spacing(ops, "1.250", 1.2501, False) == ("1.250", 0.0)  # as written: nothing new
    assert _set_word_spacing(ops, "1.250", 0.7, True) == ("0", 0.7)  # the TJ widens the spaces
    assert _set_word_spacing(ops, "0", -0.0001, False) == ("0", 0.0)  # "-0.000" is no spacing
    assert ops == ["1.250 Tw", "0 Tw"]


@settings(max_examples=150, deadline=None)
@given(chunks=st.lists(st.lists(st.tuples(st.text(st.one_of(_ALPHABET, _FEW), max_size=90),
                                          st.sampled_from([0.0, 0.4, 1.37, 12.0])), min_size=1, max_size=12),
                       min_size=1, max_size=8),
       few=st.booleans())
def test_a_chunk_drawn_at_once_is_written_as_its_lines_one_by_one(chunks, few) -> None:
    """Codes given for all the chunks at once are the codes their lines, drawn in turn, would get;
    the lines encoded at once are written as each alone."""
    if few:
        chunks = [[("".join(c for c in chars if c in _FEW_CHARS), stretch) for chars, stretch in lines]
                  for lines in chunks]
    names = fonts.register()
    font = pdfmetrics.getFont(names["regular"])
    fast, reference = _canvas(), _canvas()
    drawn_lines = [chars for lines in chunks for chars, _ in lines]
    face_lines = {"regular": drawn_lines} if any(drawn_lines) else {}  # typeset's, for a text drawn
    _give_codes_in_order(fast, names, face_lines)
    written = _written_lines(fast, names, face_lines)
    for lines in chunks:
        reference_state: dict = {"subset": None}
        expected: list[str] = []
        spacing = "0"
        for number, (chars, stretch) in enumerate(lines):
            expected += ["T*"] if number else []
            if chars:
                spacing, stretch = _set_word_spacing(expected, spacing, stretch, NO_BREAK_SPACE in chars)
            adjust = f"{-stretch * 1000 / 12:.0f}" if stretch else None
            expected += _show_split(reference, font, 12, chars, adjust, reference_state) if chars else []
        _set_word_spacing(expected, spacing, 0.0, False)
        if "regular" in written:
            drawn = _showing_lines(font, fast._doc, 12, list(islice(written["regular"], len(lines))),
                                   [stretch for _, stretch in lines])
        else:  # a character past the first subset: drawn line by line
            state: dict = {"subset": None}
            drawn = []
            spacing = "0"
            for number, (chars, stretch) in enumerate(lines):
                drawn += ["T*"] if number else []
                if chars:
                    spacing, stretch = _set_word_spacing(drawn, spacing, stretch, NO_BREAK_SPACE in chars)
                drawn += _show(fast, font, 12, chars, stretch, state)
            _set_word_spacing(drawn, spacing, 0.0, False)
        assert drawn == expected
    subsets = [getattr(font.state.get(canvas._doc), "subsets", None) for canvas in (fast, reference)]
    assert subsets[0] == subsets[1]


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(st.tuples(st.text(st.one_of(st.sampled_from(" " * 6 + NO_BREAK_SPACE * 2 + "()\\\r"),
                                                  st.sampled_from(_DRAWN[:160])), max_size=90),
                                st.sampled_from([0.0, 0.4, 12.0])), min_size=1, max_size=40))
def test_a_line_encoded_to_bytes_is_written_as_the_escape_table_writes_it(lines) -> None:
    """While every code of the first subset is below 0x80, a line is encoded to its code bytes by
    codecs and escaped after; what that writes is what the escape table writes, before and after
    the subset passes 0x80 (the table alone is used from then on)."""
    font = pdfmetrics.getFont(fonts.register()["regular"])
    canvas = _canvas()
    state: dict = {"subset": None}
    for chars, stretch in lines:
        _show(canvas, font, 12, chars, stretch, state)  # gives the line's characters their codes
        escapes = _first_subset_escapes(font, canvas._doc)
        if not chars or escapes is None or not escapes.chars.issuperset(chars):
            continue  # nothing drawn yet, or a character past the first subset
        assert (escapes.encoding is not None) == (max(font.state[canvas._doc].assignments.values()) < 0x80)
        adjust = f"{-stretch * 1000 / 12:.0f}" if stretch else None
        written = _showing(escapes, chars, adjust)
        encoding, escapes.encoding = escapes.encoding, None
        try:
            assert written == _showing(escapes, chars, adjust)
        finally:
            escapes.encoding = encoding


def test_a_short_text_is_encoded_to_bytes() -> None:
    """The delimiters a literal string escapes, a carriage return and a no-break space, with codes
    below 0x80: the encoded line is the one the escape table writes, which splitString agrees with."""
    font = pdfmetrics.getFont(fonts.register()["regular"])
    fast, reference = _canvas(), _canvas()
    line = "Le (vrai) \\ prix\r\u00a0: 12 € « été » "
    expected = _show_split(reference, font, 12, line, "-33", {"subset": None})
    assert _show(fast, font, 12, line, 0.4, {"subset": None}) == expected
    escapes = _first_subset_escapes(font, fast._doc)
    assert escapes is not None and escapes.encoding is not None
    assert _show(fast, font, 12, line, 0.4, {"subset": None}) == expected


@pytest.mark.parametrize("paragraphs", [
    None,  # the project's own article
    ["Titre 2024 « cité » ; l’été ! 3 € — ŒUVRE¹ ²³", "x" * 40 + " 1998–2003 " + "Ωμέγα Ψ ж",
     " ".join(_DRAWN[:400])],  # figures, no-break spaces, and more characters than one subset holds
])
def test_codes_given_before_drawing_are_the_codes_drawing_gives(paragraphs, tmp_path, monkeypatch) -> None:
    """Every face's characters get their codes in one pass before drawing: the file is the one
    drawing alone, giving each chunk's new characters their codes as it meets them, writes."""
    from datetime import UTC, datetime

    from conftest import FIRST, REPO

    from archivist import typeset as typeset_module
    from archivist.article import read_article
    from archivist.build import inputs_digest
    from archivist.pdfa import make_pdfa
    from archivist.profile import DEFAULT_PROFILE
    from archivist.record import read_record

    path = REPO / "seeds" / f"{FIRST}.txt"
    if paragraphs is not None:
        path = tmp_path / "drawn.txt"
        path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    article = read_article(path)
    record = read_record(REPO / "metadata" / f"{FIRST}.yaml", article.date)
    created = datetime(2021, 7, 1, tzinfo=UTC)

    def pdf() -> bytes:
        return make_pdfa(typeset_module.typeset(article, record, created), record, DEFAULT_PROFILE, created,
                         inputs_digest(article, record, DEFAULT_PROFILE))

    given_first = pdf()
    monkeypatch.setattr(typeset_module, "_give_codes_in_order", lambda *args: None)
    assert given_first == pdf()
