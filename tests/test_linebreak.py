"""Line breaking: the text survives whole, lines stay even, and the work grows linearly."""

from __future__ import annotations

from itertools import groupby, pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from archivist import fonts, linebreak
from archivist.linebreak import MAX_SPACE, MIN_SPACE, break_lines, hyphenator

SEED = Path(__file__).parent.parent / "seeds" / "2021-07-laftit-lamorgese-rabat.txt"
COREUTILS = ("Pour la documentation complète, consultez <https://www.gnu.org/software/coreutils/> "
             "ou la commande info coreutils ‘(coreutils) ls invocation’ sur votre système, qui "
             "donne le détail de chaque option et des variables d’environnement reconnues.")
SIZE = 11.5
MEASURE = 118 * mm  # about 65 characters of 11.5 pt EB Garamond


@pytest.fixture(scope="module")
def font() -> str:
    return fonts.register()["regular"]


def joined(lines) -> str:
    return "".join(line.text + ("" if line.joined or n == len(lines) - 1 else " ")
                   for n, line in enumerate(lines))


def gap_ratio(line, font: str, measure: float, size: float = SIZE) -> float:
    """A justified line's word space over the font's own space."""
    space = stringWidth(" ", font, size)
    return (space + (measure - line.natural_width) / line.spaces) / space


def seed_paragraphs() -> list[str]:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines[1:] if line.strip()]


def test_seed_paragraphs_come_back_whole_at_every_measure(font):
    hyphenate = hyphenator("fr")
    for paragraph in seed_paragraphs():
        for measure in (60 * mm, 90 * mm, MEASURE, 146 * mm):
            lines = break_lines(paragraph, measure=measure, font_name=font, size=SIZE, hyphenate=hyphenate)
            assert joined(lines) == paragraph
            for line in lines:
                assert line.natural_width <= measure + 1e-6 or line.justify  # shrunk, within the minimum
                if line.justify:
                    assert MIN_SPACE - 1e-9 <= gap_ratio(line, font, measure) <= MAX_SPACE + 1e-9
            assert not lines[-1].justify or lines[-1].natural_width > measure


def test_hyphens_only_where_the_dictionary_allows_and_never_three_in_a_row(font):
    hyphenate = hyphenator("fr")
    text = " ".join(seed_paragraphs()) * 3
    lines = break_lines(text, measure=50 * mm, font_name=font, size=SIZE, hyphenate=hyphenate)
    assert any(line.hyphenated for line in lines)
    position = 0
    for line in lines:
        position += len(line.text)
        if line.hyphenated:
            word_start = text.rfind(" ", 0, position) + 1
            word_end = text.find(" ", position)
            word = text[word_start:word_end if word_end >= 0 else None]
            head = text[word_start:position]
            letters = head.split("’")[-1].lstrip("«(\u00a0")
            assert len(letters) in hyphenate(word[len(head) - len(letters):].rstrip(",.;:»)\u00a0")), word
        position += 0 if line.joined else 1
    runs = [len(list(group)) for flag, group in groupby(line.ends_with_hyphen for line in lines) if flag]
    assert max(runs) <= 2


def test_without_a_hyphenator_no_hyphen_is_ever_added(font):
    text = " ".join(seed_paragraphs())
    for justify in (True, False):
        lines = break_lines(text, measure=40 * mm, font_name=font, size=SIZE, justify=justify)
        assert not any(line.hyphenated for line in lines)
        assert joined(lines) == text


def test_coreutils_url_breaks_after_a_slash_and_keeps_gaps_within_three_spaces(font):
    hyphenate = hyphenator("fr")
    for measure in (MEASURE, 100 * mm, 146 * mm):
        lines = break_lines(COREUTILS, measure=measure, font_name=font, size=SIZE, hyphenate=hyphenate)
        assert joined(lines) == COREUTILS
        for line in lines:
            if line.justify:
                assert gap_ratio(line, font, measure) <= 3.0, (measure, line)
            assert not (line.hyphenated and "/" in line.text.split(" ")[-1])  # a URL takes no hyphen
    narrow = break_lines("voir <https://www.gnu.org/software/coreutils/manual/html_node/ls-invocation.html>",
                         measure=45 * mm, font_name=font, size=SIZE)
    ends = [line.text[-1] for line in narrow[:-1]]
    assert all(line.joined for line in narrow[1:-1])
    assert all(end == "/" or nxt.text[0] in ".?&#" for end, nxt in zip(ends, narrow[1:], strict=False))
    assert not any(line.hyphenated for line in narrow)


def test_breaks_after_at_sign_and_before_dots_in_addresses(font):
    text = "écrire à redaction.internationale@agence-de-presse.example.org"
    lines = break_lines(text, measure=45 * mm, font_name=font, size=SIZE)
    assert joined(lines) == text
    assert len(lines) > 1
    assert all(line.text.endswith("@") or nxt.text.startswith((".", "-")) or line.text.endswith("-")
               or not line.joined for line, nxt in pairwise(lines))


def test_no_break_space_never_breaks(font):
    text = " ".join(["« Rabat\u00a0»\u00a0; oui\u00a0!"] * 40)
    lines = break_lines(text, measure=30 * mm, font_name=font, size=SIZE, hyphenate=hyphenator("fr"))
    assert joined(lines) == text
    for line in lines:
        assert not line.text.startswith(("»", ";", "!"))


def test_a_line_that_cannot_be_justified_is_set_ragged(font):
    text = "à " + "x/" * 3 + "supercalifragilisticexpialidocious" * 4 + " fin"
    lines = break_lines(text, measure=80 * mm, font_name=font, size=SIZE)
    assert joined(lines) == text
    for line in lines:
        if line.justify:
            assert gap_ratio(line, font, 80 * mm) <= MAX_SPACE + 1e-9
    assert any(not line.justify for line in lines[:-1])


def test_lines_named_whole_word_end_between_words(font):
    """The last line of a page: no hyphen, no word cut over the page break."""
    hyphenate = hyphenator("fr")
    text = " ".join(seed_paragraphs()) + " voir <https://www.gnu.org/software/coreutils/manual/>"
    for measure in (55 * mm, 70 * mm):
        lines = break_lines(text, measure=measure, font_name=font, size=SIZE, hyphenate=hyphenate)
        ends = {n for n, line in enumerate(lines) if line.joined}
        assert any(lines[n].hyphenated for n in ends)
        again = break_lines(text, measure=measure, font_name=font, size=SIZE, hyphenate=hyphenate,
                            whole_word_lines=ends)
        assert joined(again) == text
        assert not any(again[n].joined for n in ends if n < len(again))


def test_title_is_balanced_and_never_leaves_one_short_word_alone(font):
    title = ("Abdelouafi Laftit et Luciana Lamorgese font le point sur la coopération "
             "maroco-italienne à Rabat")
    for measure in (150 * mm, 120 * mm, 100 * mm):
        lines = break_lines(title, measure=measure, font_name=font, size=22, justify=False)
        assert joined(lines) == title
        assert not any(line.hyphenated or line.justify for line in lines)
        assert " " in lines[-1].text
        widths = [line.natural_width for line in lines]
        greedy = _greedy_line_count(title, measure, font, 22)
        assert len(lines) == greedy
        if len(lines) > 1:
            assert min(widths) > 0.5 * max(widths)  # even, not one full line and a stub


def _greedy_line_count(text: str, measure: float, font: str, size: float) -> int:
    count, current = 1, ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if stringWidth(candidate, font, size) <= measure:
            current = candidate
        else:
            count, current = count + 1, word
    return count


def test_a_word_wider_than_the_measure_is_cut_without_a_hyphen(font):
    word = "Rechtsschutzversicherungsgesellschaften" * 5
    lines = break_lines(f"die {word} zahlen", measure=40 * mm, font_name=font, size=SIZE,
                        hyphenate=hyphenator("de"))
    assert joined(lines) == f"die {word} zahlen"
    assert all(line.natural_width <= 40 * mm + 1e-6 or line.justify for line in lines)


def test_work_grows_linearly_with_a_long_paragraph(font):
    """Counted, not timed: comparisons per break opportunity stay flat as the paragraph grows."""
    hyphenate = hyphenator("fr")
    base = " ".join(seed_paragraphs())
    counts = []
    for copies in (4, 16):
        stats: dict[str, int] = {}
        text = " ".join([base] * copies)
        lines = break_lines(text, measure=MEASURE, font_name=font, size=SIZE, hyphenate=hyphenate,
                            stats=stats)
        assert joined(lines) == text
        counts.append(stats)
    small, large = counts
    assert large["breakpoints"] > 3.5 * small["breakpoints"]
    assert large["evaluations"] / large["breakpoints"] < 1.2 * small["evaluations"] / small["breakpoints"]
    assert large["max_active"] <= small["max_active"] + 5


@pytest.mark.slow
def test_a_megabyte_paragraph_and_a_400_kb_word_stay_linear(font):
    hyphenate = hyphenator("fr")
    base = " ".join(seed_paragraphs())
    text = " ".join([base] * (1_000_000 // len(base) + 1))
    stats: dict[str, int] = {}
    lines = break_lines(text, measure=MEASURE, font_name=font, size=SIZE, hyphenate=hyphenate, stats=stats)
    assert joined(lines) == text
    assert stats["evaluations"] < 20 * stats["breakpoints"]
    for word in ("a/b." * 100_000, "x" * 400_000):
        stats = {}
        lines = break_lines(word, measure=MEASURE, font_name=font, size=SIZE, hyphenate=hyphenate,
                            stats=stats)
        assert joined(lines) == word
        assert stats["evaluations"] < 20 * stats["breakpoints"]
        assert stats["max_active"] < 200
        assert all(line.natural_width <= MEASURE + 1e-6 for line in lines)


CHARS = "abcdéèfghiœ’-/.@?&#:«»;!0123\u00a0\u202f\u0301"
WORDS = st.text(alphabet=st.sampled_from(CHARS), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(WORDS, min_size=1, max_size=40), measure=st.floats(0.5, 200),
       hyphenate=st.booleans(), justify=st.booleans())
@example(words=["https://www.gnu.org/software/coreutils/"], measure=20.0, hyphenate=True, justify=True)
@example(words=["a", "", "b"], measure=50.0, hyphenate=False, justify=True)
@example(words=["", "", ""], measure=1.0, hyphenate=False, justify=True)  # spaces wider than the measure
def test_any_text_comes_back_whole_and_fits(font, words, measure, hyphenate, justify):
    text = " ".join(words)
    measure *= mm
    lines = break_lines(text, measure=measure, font_name=font, size=SIZE,
                        hyphenate=hyphenator("fr") if hyphenate else None, justify=justify)
    assert joined(lines) == text
    widest_char = max(stringWidth(c, font, SIZE) for c in text) + stringWidth("-", font, SIZE)
    runs = [len(list(group)) for flag, group in groupby(line.ends_with_hyphen for line in lines) if flag]
    assert max(runs, default=0) <= 2 or not justify
    for line in lines:
        assert line.spaces == line.text.count(" ")
        assert line.natural_width <= max(measure, widest_char) + 1e-6 or line.justify
        if line.justify:
            assert MIN_SPACE - 1e-9 <= gap_ratio(line, font, measure) <= MAX_SPACE + 1e-9
        if line.hyphenated:
            assert hyphenate


@settings(max_examples=400, deadline=None)
@given(token=st.text(alphabet=st.sampled_from("abé01-–—/.,;:()«»’…\u00a0€%?!#&@_=[]'\"\u0301\u200d\u4e00\u05d0"),
                     min_size=1, max_size=16))
def test_break_opportunities_inside_a_token_are_exactly_uniseg_s(token):
    """Runs of letters and digits are shown to uniseg as one stand-in: the answer must not change."""
    from uniseg.linebreak import line_break_boundaries

    from archivist.linebreak import _uax14_breaks

    assert _uax14_breaks(token) == [k for k in line_break_boundaries(token) if 0 < k < len(token)]


@settings(max_examples=300, deadline=None)
@given(token=st.text(alphabet=st.sampled_from("abéz01-–/.,;:()«»’…\u00a0?!#&@_'\u0301\u4e00"),
                     min_size=1, max_size=16))
def test_a_token_s_breaks_do_not_depend_on_the_characters_met_before(token):
    """Characters known not to break spare a token the UAX #14 look-up: the breaks stay the same."""
    hyphenate = hyphenator("fr")
    linebreak._UNBREAKABLE.clear()
    linebreak._token_breaks.cache_clear()  # else a token met in an earlier example skips the look-up
    unknown = linebreak._inner_breaks(token, hyphenate)
    assert linebreak._inner_breaks(token, hyphenate) == unknown
    assert linebreak._inner_breaks(token, None) == [b for b in unknown if b[1] != linebreak._HYPHEN]


SEED_WORDS = sorted(set(" ".join(seed_paragraphs()).split()) | {
    "anticonstitutionnellement", "intergouvernementales", "maroco-italienne", "<https://www.gnu.org/>"})
# Words joined as the text may join them: a break inside the token that is not hyphenation's.
COMPOUNDS = st.tuples(st.sampled_from(SEED_WORDS), st.sampled_from("-—/"),
                      st.sampled_from(SEED_WORDS)).map("".join)


def before_last_letter(word: str) -> tuple[int, ...]:
    """A caller's hyphenation that allows a hyphen before one letter, narrower than the hyphen."""
    return (len(word) - 1,)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(st.sampled_from(SEED_WORDS) | COMPOUNDS | WORDS, min_size=8, max_size=110).map(" ".join),
       measure=st.floats(30, 150), max_space=st.floats(1.8, 3.5),
       whole_word=st.frozensets(st.integers(0, 8), max_size=3), french=st.booleans())
@example(text="question communiqué. criminalité Lamorgese-Laftit nombreux cette l’approche est "
              "l’étranger, souligne Laftit, des davantage, égard, optique, résidant Départements "
              "contre Nasser roi à posent étrangères,",
         measure=215.487 / mm, max_space=MAX_SPACE, whole_word=frozenset(), french=True)
@example(text="sont a des permanent sur anticonstitutionnellement", measure=115.0 / mm,
         max_space=MAX_SPACE, whole_word=frozenset(), french=True)
@example(text="de Laftit des sécuritaire vendredi points", measure=139.96 / mm,
         max_space=MAX_SPACE, whole_word=frozenset(), french=False)
def test_breaking_without_hyphenation_first_never_changes_the_lines(font, text, measure, max_space,
                                                                    whole_word, french):
    """A paragraph that sets without hyphenating any word is not hyphenated: the lines must be
    those the search with every hyphenation point chooses, to the last bit of their widths."""
    assume(len(text) <= linebreak.FIRST_PASS_MAX_LENGTH)
    arguments = dict(measure=measure * mm, font_name=font, size=SIZE, max_space=max_space,
                     hyphenate=hyphenator("fr") if french else before_last_letter,
                     whole_word_lines=whole_word)
    lines = break_lines(text, **arguments)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(linebreak, "FIRST_PASS_MAX_LENGTH", -1)  # always the search with hyphenation
        assert break_lines(text, **arguments) == lines


def anywhere(word: str) -> tuple[int, ...]:
    """A caller's hyphenation that allows a hyphen between any two characters."""
    return tuple(range(1, len(word)))


HYPHENATIONS = {"fr": hyphenator("fr"), "before the last letter": before_last_letter, "anywhere": anywhere}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(st.sampled_from(SEED_WORDS) | COMPOUNDS | WORDS, min_size=10, max_size=160)
       .map(" ".join), measure=st.floats(5, 200), max_space=st.floats(0.9, 100),
       whole_word=st.frozensets(st.integers(0, 8), max_size=3),
       hyphenation=st.sampled_from(sorted(HYPHENATIONS)))
@example(text=seed_paragraphs()[0], measure=118.0, max_space=MAX_SPACE, whole_word=frozenset(),
         hyphenation="fr")
@example(text="maroco-italienne mineurs République défis. accompagnés d’informations qui de", measure=25.0,
         max_space=MAX_SPACE, whole_word=frozenset(), hyphenation="fr")  # a ragged line over a whole word
@example(text="il services l’engagement mineurs rapprocher reçue importance République efficiente "
              "accompagnés terrorisme Mohammed <https://www.gnu.org/> a répondre "
              "anticonstitutionnellement outils d’informations définitif il",
         measure=31.11118463091954, max_space=25.853686536520332, whole_word=frozenset(),
         hyphenation="before the last letter")  # a window reaching a token past its start only
def test_hyphenating_only_where_a_line_may_end_never_changes_the_lines(font, text, measure, max_space,
                                                                       whole_word, hyphenation):
    """Words no justified line can end inside are not hyphenated (``_LineEnds``): the lines must
    be those of the search with every word hyphenated, to the last bit of their widths."""
    arguments = dict(measure=measure * mm, font_name=font, size=SIZE, max_space=max_space,
                     hyphenate=HYPHENATIONS[hyphenation], whole_word_lines=whole_word)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(linebreak, "FIRST_PASS_MAX_LENGTH", -1)  # always the search with hyphenation
        linebreak._metrics.cache_clear()  # no word known hyphenated from an earlier example
        lines = break_lines(text, **arguments)
        patch.setattr(linebreak, "_LAZY_HYPHENATION", False)
        assert break_lines(text, **arguments) == lines


def recording_french_hyphenator():
    """French hyphenation that lists the words it is asked for."""
    asked: list[str] = []
    french = hyphenator("fr")

    def hyphenate(word: str):
        asked.append(word)
        return french(word)

    return asked, hyphenate


def test_words_no_line_can_end_inside_are_not_hyphenated(font):
    asked, hyphenate = recording_french_hyphenator()
    paragraph = " ".join(seed_paragraphs())
    assert len(paragraph) > linebreak.FIRST_PASS_MAX_LENGTH  # broken with hyphenation at once
    lines = break_lines(paragraph, measure=MEASURE, font_name=font, size=SIZE, hyphenate=hyphenate)
    assert joined(lines) == paragraph
    # Words are hyphenated in their order: the first line's words before its last were not.
    assert asked[0] == lines[0].text.split()[-1]


def test_a_paragraph_that_sets_without_hyphens_asks_for_no_hyphenation(font):
    asked, hyphenate = recording_french_hyphenator()
    paragraph = seed_paragraphs()[1]
    assert len(paragraph) <= linebreak.FIRST_PASS_MAX_LENGTH  # else it is not tried without
    lines = break_lines(paragraph, measure=MEASURE, font_name=font, size=SIZE, hyphenate=hyphenate)
    assert joined(lines) == paragraph and not any(line.hyphenated for line in lines)
    assert asked == []
    narrow = break_lines(paragraph, measure=35 * mm, font_name=font, size=SIZE, hyphenate=hyphenate)
    assert any(line.hyphenated for line in narrow)  # a measure that needs hyphens still gets them
    assert asked


@settings(max_examples=300, deadline=None)
@given(token=st.sampled_from(SEED_WORDS) | COMPOUNDS | WORDS)
def test_a_word_is_measured_alike_with_and_without_a_hyphenation(font, token):
    """Without hyphenation a usual word is measured at once, not searched for breaks: what it
    gives must be what the search gives with a hyphenation that finds no point, to the last bit."""
    linebreak._Metrics(font, SIZE, None).token(token)  # its characters met: next time the short way
    assert linebreak._Metrics(font, SIZE, None).token(token) == \
        linebreak._Metrics(font, SIZE, lambda word: ()).token(token)


@settings(max_examples=300, deadline=None)
@given(tokens=st.lists(st.sampled_from(SEED_WORDS) | COMPOUNDS | WORDS
                       | st.text(alphabet=st.sampled_from("aZ09_-.:/@<>~%)(wé’\u00a0"), max_size=14)
                       | st.sampled_from(["www.gnu.org", "<www.gnu.org>", "a@b", "a/b", ""]), max_size=12))
def test_words_learnt_together_are_measured_as_each_alone(font, tokens):
    """A paragraph's new words are measured in one pass (``_Metrics.learn``): each entry must be
    the one the word gets on its own, to the last bit, and a word that needs searching for
    breaks (a URL, a compound) is left to the search."""
    alone = linebreak._Metrics(font, SIZE, None)
    expected = {token: alone.token(token) for token in tokens if token}  # their characters met
    together = linebreak._Metrics(font, SIZE, None)
    together.learn(tokens)
    for token, entry in together.tokens.items():
        assert entry == expected[token]
        assert entry[2] == () and not linebreak._url_like(token)
    usual = {token for token in expected if linebreak._UNBREAKABLE.issuperset(token)
             and not linebreak._url_like(token)}  # what ``token`` measures at once, without a search
    assert together.tokens.keys() == usual >= {token for token in expected if token.isalpha()}
    assert all(together.string_width(token, SIZE) == stringWidth(token, font, SIZE) for token in usual)


@settings(max_examples=500, deadline=None)
@given(token=st.text(alphabet=st.sampled_from("aZ09_-.:/@<>~%)(w "), max_size=14)
       | st.sampled_from(["www.gnu.org", "<www.gnu.org>", "<https://gnu.org/>", "a@b", "a/b", "http://",
                          ":/", "w.ww", "<www", "(www.x)", "x)/~", "a/@b", "é@b", "é/b"]))
def test_a_token_is_taken_for_a_url_exactly_when_the_url_rules_find_one(token):
    """Most words are told from URLs by their characters alone, without the search: the answer
    must be the search's, whatever the token."""
    assert linebreak._url_like(token) == (linebreak._URL_HINT.search(token) is not None)
