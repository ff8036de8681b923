"""Hyphenation patterns prepared at install time are pyphen's own, and only ever used for the
dictionary, pyphen and Python they were made from."""

from __future__ import annotations

from pathlib import Path

import pyphen
import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from archivist import hyphenation

NAMES = sorted({hyphenation.dictionary_name(language) for language in hyphenation.PREPARED} - {""})


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder and an empty pyphen cache, for this test only."""
    monkeypatch.setattr(hyphenation, "CACHE_DIR", tmp_path / "hyphenation")
    monkeypatch.setattr(pyphen, "hdcache", {})
    monkeypatch.setattr(hyphenation, "_PREFIXES", {})
    return tmp_path / "hyphenation"


def test_every_prepared_language_has_a_dictionary() -> None:
    assert {"fr", "en", "de"} <= {name[:2] for name in NAMES} and len(NAMES) == len(hyphenation.PREPARED)


def test_prepared_patterns_are_pyphens_own_parse(cache: Path) -> None:
    written = hyphenation.prepare()
    assert len(written) == len(NAMES) and all(file.parent == cache for file in written)
    for name in NAMES:
        pyphen.hdcache.clear()
        assert hyphenation.load(name)
        loaded = pyphen.hdcache[pyphen.LANGUAGES[name]]
        parsed = pyphen.HyphDict(pyphen.LANGUAGES[name])
        assert (loaded.patterns, loaded.maxlen) == (parsed.patterns, parsed.maxlen)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_word_of_the_seeds_breaks_where_pyphen_parsing_the_file_breaks_it(
        cache: Path, language: str) -> None:
    words = sorted({word for seed in (REPO / "seeds").glob("*.txt")
                    for word in seed.read_text(encoding="utf-8").split() if len(word) > 4})
    name = hyphenation.dictionary_name(language)
    parsed = pyphen.Pyphen(lang=name)
    expected = [parsed.inserted(word) for word in words]
    pyphen.hdcache.clear()
    hyphenation.prepare()
    assert hyphenation.load(name)
    assert [pyphen.Pyphen(lang=name).inserted(word) for word in words] == expected
    assert sum("-" in word for word in expected) > 50  # the words do break


def test_nothing_prepared_leaves_the_parse_to_pyphen(cache: Path) -> None:
    assert not hyphenation.load("fr")
    assert pyphen.LANGUAGES["fr"] not in pyphen.hdcache
    assert pyphen.Pyphen(lang="fr").inserted("coopération") == "co-opé-ra-tion"


def test_a_damaged_file_is_not_used(cache: Path) -> None:
    (file,) = [f for f in hyphenation.prepare() if f.name.startswith("hyph_fr.")]
    file.write_bytes(file.read_bytes()[:100])
    assert not hyphenation.load("fr")
    assert pyphen.Pyphen(lang="fr").inserted("coopération") == "co-opé-ra-tion"


def test_a_changed_dictionary_is_not_served_the_old_parse(cache: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    hyphenation.prepare()
    changed = tmp_path / "hyph_fr.dic"
    changed.write_bytes(pyphen.LANGUAGES["fr"].read_bytes() + b"1x1y1\n")
    monkeypatch.setitem(pyphen.LANGUAGES, "fr", changed)
    assert not hyphenation.load("fr")


# Letters of every prepared dictionary's patterns, and letters whose lower case is longer or
# special (İ lowers to two characters), capitals, and a letter no pattern holds.
_LETTERS = sorted({letter for name in NAMES for key in pyphen.HyphDict(pyphen.LANGUAGES[name]).patterns
                   for letter in key if letter != "."} | set("İßAÉǅZ\u00e6q"))


@pytest.mark.parametrize("name", NAMES)
def test_points_are_pyphens_for_every_word_of_the_seeds_and_of_odd_spellings(cache: Path, name: str) -> None:
    """Where a hyphen may go comes out of the patterns as pyphen reads them, whichever way it
    is computed (the prepared prefixes only say where to stop reading)."""
    hyphenation.prepare()
    assert hyphenation.load(name)
    find = hyphenation.points(name, left=2, right=3)
    pyphens = pyphen.Pyphen(lang=name, left=2, right=3)
    if name[:2] in ("fr", "en"):  # prepared with their prefixes: points of archivist's own finding
        assert not hasattr(find, "__self__")
    words = {word for seed in (REPO / "seeds").glob("*.txt")
             for word in seed.read_text(encoding="utf-8").split()}

    @settings(max_examples=400, deadline=None, database=None)
    @given(word=st.text(alphabet=_LETTERS, min_size=1, max_size=24))
    def agrees(word: str) -> None:
        assert list(find(word)) == pyphens.positions(word)

    agrees()
    assert [list(find(word)) for word in sorted(words)] == [pyphens.positions(word) for word in sorted(words)]


def test_french_points_are_those_of_french_syllables(cache: Path) -> None:
    hyphenation.prepare()
    hyphenation.load("fr")
    find = hyphenation.points("fr", left=2, right=3)
    assert list(find("coopération")) == [2, 5, 7]  # co-opé-ra-tion
    assert list(find("Coopération")) == [2, 5, 7]
    assert list(find("terrorisme")) == [3, 5]  # ter-ro-risme (not -me: three letters at least after)
    assert list(find("accompagnés")) == [2, 5, 7]  # ac-com-pa-gnés (gn stays together)
    assert list(find("sécuritaire")) == [2, 4, 6]  # sé-cu-ri-taire
