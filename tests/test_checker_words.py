"""The checker reads a page's words back and joins two of them only where a line ends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archivist.article import parse_article
from archivist.build import inputs_digest
from archivist.check import _flatten, check_pdf, compare_words
from archivist.pdfa import make_pdfa
from archivist.profile import DEFAULT_PROFILE
from archivist.record import parse_record
from archivist.typeset import typeset

RECORD = b'title: Le ministre\ndate: "2021-07"\nlanguage: fr\nidentifier: "urn:archivist:2021-07-x"\n'


def typeset_and_check(shown: str, claimed: str, tmp_path: Path) -> list[str]:
    """The PDF of the article ``shown``, checked against the article ``claimed``."""
    record = parse_record(RECORD, tmp_path / "2021-07-x.yaml")
    printed = parse_article(shown.encode(), tmp_path / "2021-07-x.txt")
    created = datetime(2021, 7, 1, tzinfo=UTC)
    pdf = make_pdfa(typeset(printed, record, created), record, DEFAULT_PROFILE, created,
                    inputs_digest(printed, record, DEFAULT_PROFILE), ())
    return check_pdf(pdf, parse_article(claimed.encode(), tmp_path / "2021-07-x.txt"), record,
                     DEFAULT_PROFILE, ())


@pytest.mark.parametrize(("shown", "claimed"), [
    ("Le mini stre a parlé.", "Le ministre a parlé."),  # a word split in the middle of a line
    ("Le mini- stre a parlé.", "Le ministre a parlé."),  # with a hyphen, still mid-line
    ("Rabat- Salé", "Rabat-Salé"),
])
def test_words_side_by_side_on_a_line_are_never_joined(shown: str, claimed: str, tmp_path: Path) -> None:
    problems = typeset_and_check(shown, claimed, tmp_path)
    assert any(p.startswith("page text differs from the article: word ") for p in problems), problems


def test_the_same_pdf_passes_against_its_own_article(tmp_path: Path) -> None:
    assert typeset_and_check("Le mini stre a parlé.", "Le mini stre a parlé.", tmp_path) == []


def test_a_word_broken_at_a_line_end_is_joined(tmp_path: Path) -> None:
    """A word longer than a line and a hyphenated paragraph, both read back whole."""
    text = ("https://example.org/" + "abcdefghij" * 40 + " " + "La coopération internationale " * 60)
    assert typeset_and_check(text, text, tmp_path) == []


@pytest.mark.parametrize(("lines", "source", "joins"), [
    ([["Le", "mini", "stre"]], ["Le", "ministre"], False),
    ([["Le", "mini"], ["stre"]], ["Le", "ministre"], True),
    ([["Le", "mini-"], ["stre"]], ["Le", "ministre"], True),  # the typesetter's hyphen
    ([["Rabat-"], ["Salé"]], ["Rabat-Salé"], True),  # the word's own hyphen
    ([["Le", "mini-", "stre"]], ["Le", "ministre"], False),
    ([["https://ex"], ["ample.org/"], ["a"]], ["https://example.org/a"], True),  # three lines
    ([["https://ex", "ample.org/"], ["a"]], ["https://example.org/a"], False),
])
def test_compare_words_joins_only_across_a_line_end(lines: list[list[str]], source: list[str],
                                                   joins: bool) -> None:
    words = [word for line in lines for word in line]
    ends = frozenset(sum(len(line) for line in lines[:n + 1]) - 1 for n in range(len(lines)))
    assert (compare_words(words, ends, source) is None) == joins


@given(lines=st.lists(st.lists(st.sampled_from(["a", "b", "mini-", ""]), max_size=4), max_size=12))
def test_the_words_of_lines_and_where_each_line_ends_are_read_in_one_go_as_one_at_a_time(
        lines: list[list[str]]) -> None:
    """Lines without words (first, last, several in a row) end nothing; every other line
    ends at its last word."""
    words: list[str] = []
    ends: set[int] = set()
    for line in lines:
        words += line
        if line:
            ends.add(len(words) - 1)
    assert _flatten(lines) == (words, frozenset(ends))
