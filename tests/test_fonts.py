"""Fonts prepared at install time are reportlab's own parse, draw the same bytes, and are only
ever used for the font file and reportlab they were made from."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from archivist import fonts

FACES = sorted(fonts.FACES.values())
TEXT = "Œuvre « pas » — l’été 2021, 1 500 € ; naïve coopération: ﬁn."


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder, for this test only."""
    monkeypatch.setattr(fonts, "CACHE_DIR", tmp_path / "fonts")
    return tmp_path / "fonts"


def _pdf(font) -> bytes:
    """A page drawing TEXT in ``font``, registered under its own name for this page."""
    pdfmetrics.registerFont(font)
    out = io.BytesIO()
    canvas = Canvas(out, invariant=1, pageCompression=1)
    canvas.setFont(font.fontName, 12)
    canvas.drawString(72, 720, TEXT)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _parsed(name: str, filename: str) -> TTFont:
    return TTFont(name, str(fonts.FONT_DIR / filename), asciiReadable=False)


def test_every_face_is_prepared_and_comes_back_as_reportlab_parses_it(cache: Path) -> None:
    written = fonts.prepare()
    assert len(written) == len(FACES) and all(file.parent == cache for file in written)
    for name, filename in FACES:
        prepared, parsed = fonts._font(name, fonts.FONT_DIR / filename), _parsed(name, filename)
        assert type(prepared.face) is type(parsed.face)
        assert fonts._same_face(prepared.face, parsed.face)
        assert {k: v for k, v in vars(prepared).items() if k not in ("face", "encoding", "state")} \
            == {k: v for k, v in vars(parsed).items() if k not in ("face", "encoding", "state")}
        assert vars(prepared.encoding) == vars(parsed.encoding) and not prepared.state


@pytest.mark.parametrize(("name", "filename"), FACES)
def test_a_prepared_face_draws_the_bytes_reportlab_s_own_parse_draws(cache: Path, name: str,
                                                                      filename: str) -> None:
    fonts.prepare()
    prepared = fonts._font(name + "-Test", fonts.FONT_DIR / filename)
    assert fonts._prepared_face(fonts.FONT_DIR / filename) is not None
    expected = _pdf(_parsed(name + "-Test", filename))
    assert _pdf(prepared) == expected
    assert b"/FontFile2" in expected  # the subset is embedded: makeSubset read the font file


def test_nothing_prepared_leaves_the_parse_to_reportlab(cache: Path) -> None:
    name, filename = FACES[0]
    assert fonts._prepared_face(fonts.FONT_DIR / filename) is None
    assert fonts._same_face(fonts._font(name, fonts.FONT_DIR / filename).face, _parsed(name, filename).face)


def test_a_damaged_file_is_not_used(cache: Path) -> None:
    for file in fonts.prepare():
        file.write_bytes(file.read_bytes()[:100])
    name, filename = FACES[0]
    assert fonts._prepared_face(fonts.FONT_DIR / filename) is None
    assert fonts._same_face(fonts._font(name, fonts.FONT_DIR / filename).face, _parsed(name, filename).face)


def test_a_changed_font_file_is_not_served_the_old_parse(cache: Path, tmp_path: Path) -> None:
    fonts.prepare()
    _, filename = FACES[0]
    changed = tmp_path / filename
    changed.write_bytes((fonts.FONT_DIR / filename).read_bytes() + b"\0\0\0\0")
    assert fonts._prepared_face(changed) is None


@pytest.mark.parametrize(("name", "filename"), FACES)
def test_every_glyph_of_a_face_is_subset_as_reportlab_subsets_it(name: str, filename: str) -> None:
    """Every code the face maps, 255 to a subset (as reportlab fills them): every glyph, composite
    outlines and the glyphs they use, glyphs that draw nothing."""
    face = _parsed(name, filename).face
    codes = sorted(face.charToGlyph)
    for start in range(0, len(codes), 255):
        subset = [0, *codes[start:start + 255]]
        assert fonts.subset_program(face, subset) == face.makeSubset(subset)


@given(data=st.data())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_subset_is_made_as_reportlab_makes_it(data: st.DataObject) -> None:
    """Any list of codes, in any order: codes the face lacks, repeated codes (a subset reportlab
    has not filled keeps the space's code in its free places), one code alone, a full subset."""
    face = pdfmetrics.getFont(fonts.register()[data.draw(st.sampled_from(sorted(fonts.FACES)))]).face
    known = sorted(face.charToGlyph)
    code = st.one_of(st.sampled_from(known), st.integers(0, 0x10FFFF), st.just(32))
    subset = data.draw(st.lists(code, min_size=0, max_size=255))
    subset = [0, *subset]
    assert fonts.subset_program(face, subset) == face.makeSubset(subset)

