"""The article reader: header forms, encodings, line endings, paragraphs."""

from __future__ import annotations

import sys
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest
from conftest import FIRST, REPO

from archivist.article import parse_article, read_article
from archivist.errors import ArticleError, GlyphError
from archivist.record import parse_record
from archivist.typeset import typeset

P = Path("a.txt")


def test_first_article_header_shares_its_line_with_the_first_sentence() -> None:
    article = read_article(REPO / "seeds" / f"{FIRST}.txt")
    assert article.date == "2021-07"
    assert article.paragraphs[0].startswith("Le ministre de l’Intérieur, Abdelouafi Laftit")
    assert len(article.paragraphs) == 8
    assert article.paragraphs[-1].endswith("Nasser Bourita.")


def test_every_word_after_the_header_is_kept_in_order() -> None:
    raw = (REPO / "seeds" / f"{FIRST}.txt").read_bytes()
    article = parse_article(raw, P)
    assert article.words == raw.decode().split()[2:]


@pytest.mark.parametrize("raw", [
    b"date 2021-07 Bonjour le monde.",
    b"   date 2021-07 Bonjour le monde.",
    b"\xef\xbb\xbfdate 2021-07 Bonjour le monde.",
    b"date 2021-07\r\nBonjour le monde.\r\n",
    b"date 2021-07\nBonjour le monde.\n",
    b"\tdate   2021-07   Bonjour le monde.",
])
def test_header_forms(raw: bytes) -> None:
    article = parse_article(raw, P)
    assert article.date == "2021-07"
    assert article.words == ["Bonjour", "le", "monde."]


@pytest.mark.parametrize("date", ["2021", "2021-07", "2021-07-16"])
def test_header_date_precisions(date: str) -> None:
    assert parse_article(f"date {date} Texte.".encode(), P).date == date


def test_no_header_means_no_date_and_all_text_kept() -> None:
    article = parse_article(b"Le 16 juillet, date importante.\n", P)
    assert article.date is None
    assert article.words == ["Le", "16", "juillet,", "date", "importante."]


def test_a_word_starting_with_date_is_not_a_header() -> None:
    assert parse_article(b"dated 2021-07 text", P).date is None


def test_paragraphs_are_lines_and_crlf_equals_lf() -> None:
    lf = parse_article(b"date 2021 Un.\nDeux.\n\nTrois.\n", P)
    crlf = parse_article(b"date 2021 Un.\r\nDeux.\r\n\r\nTrois.\r\n", P)
    assert lf.paragraphs == crlf.paragraphs == ("Un.", "Deux.", "Trois.")


@pytest.mark.parametrize(("raw", "expected"), [
    (b"date 2021-13 Texte.", "month 13"),
    (b"date 2021-02-30 Texte.", "day 30"),
    ("date \u0662\u0660\u0662\u0661-07 Texte.".encode(), "is not a W3C date"),  # Arabic-Indic digits
    (b"date 2021-07", "no text after its date header"),
    (b"   \n\n", "no text"),
    (b"caf\xe9", "byte 3 (0xe9, line 1) is not valid UTF-8"),
    (b"un\x00deux", "control character U+0000"),
])
def test_bad_articles_are_refused_with_the_place(raw: bytes, expected: str) -> None:
    with pytest.raises(ArticleError) as caught:
        parse_article(raw, P)
    assert expected in str(caught.value)
    assert str(caught.value).startswith("a.txt")


@pytest.mark.parametrize(("raw", "line", "column"), [
    ("date 2021-07 Un   deux\t\t trois ☃ quatre\n", 1, 32),  # runs of spaces and tabs before it
    ("Un\rdeux\r\r   trois    ☃\r", 4, 13),  # CR-only line ends, blank lines, an indent
    ("Un\r\n\r\n  deux  ☃\r\n", 3, 9),  # CR LF
    ("\ufeffUn   ☃\n", 1, 6),  # a BOM is not a column
])
def test_a_glyph_error_names_the_line_and_column_a_text_editor_shows(
        tmp_path: Path, raw: str, line: int, column: int) -> None:
    """Counted in characters from 1, as editors count them (a tab is one character)."""
    (tmp_path / "2021-07-x.txt").write_bytes(raw.encode())
    article = read_article(tmp_path / "2021-07-x.txt")
    record = parse_record(b'title: T\ndate: "2021-07"\nlanguage: fr\n', tmp_path / "2021-07-x.yaml")
    expected_line = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")[line - 1]
    assert expected_line.lstrip("\ufeff")[column - 1] == "☃"  # the golden value, by hand
    with pytest.raises(GlyphError) as caught:
        typeset(article, record, datetime(2021, 7, 1))
    assert caught.value.line == line and caught.value.column == column


def test_every_control_character_of_unicode_lies_below_u0100() -> None:
    """The article reader searches for controls in U+0000-U+00FF only: Cc has no other member."""
    assert [code for code in range(0x100, sys.maxunicode + 1)
            if unicodedata.category(chr(code)) == "Cc"] == []


def test_every_control_but_line_feed_and_tab_is_refused_where_it_stands() -> None:
    controls = [code for code in range(0x100) if unicodedata.category(chr(code)) == "Cc"]
    assert len(controls) == 65  # U+0000-U+001F and U+007F-U+009F
    for code in controls:
        if chr(code) in "\n\t\r":  # CR is a line end
            continue
        with pytest.raises(ArticleError) as caught:
            parse_article(f"Un.\ndeux{chr(code)}trois\n".encode(), P)
        assert f"control character U+{code:04X}" in str(caught.value)
        assert (caught.value.line, caught.value.column) == (2, 5)
    assert parse_article(b"Un\tdeux.\nTrois.\r\n", P).paragraphs == ("Un deux.", "Trois.")


def test_a_line_taken_whole_is_the_line_its_white_space_squeezed_gives() -> None:
    """Paragraphs skip splitting a printable line with single spaces: for every character of
    Unicode, alone, between letters, doubled and at either end, that is what splitting gives."""
    from archivist.article import _squeezed

    for code in range(sys.maxunicode + 1):
        char = chr(code)
        for line in (char, f"a{char}b", f"a{char}{char}b", f"{char}ab", f"ab{char}"):
            assert _squeezed(line) == " ".join(line.split()), hex(code)
