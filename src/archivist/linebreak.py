"""Break a paragraph into lines: which source characters each line shows, chosen as a whole.

Breaks are chosen for the whole paragraph at once (total fit, after Knuth and Plass): every
line's word spaces stay between the font's minimum and a stated maximum, hyphens are
penalised and never more than two lines in a row end with one. Break opportunities inside
a word come from Unicode's line-breaking rules (UAX #14, through ``uniseg``), from the
usual rules for URLs and addresses (after ``/`` and ``@``, before ``.``, ``?``, ``&`` and
``#``), and from the hyphenation the caller passes; a hyphen is only drawn at a
hyphenation point, never where the text has none. A line that cannot be justified within
the maximum is set ragged instead of stretched. A short paragraph is first broken without
hyphenation, and kept so when that costs less than one hyphen's penalty squared: no breaks
with a hyphen could cost less, so the lines are those the search with hyphenation would
choose, found without hyphenating a word.

The work is linear in the paragraph's length: only breaks less than a line back are ever
compared, and a token wider than the measure is cut into pieces a line can hold.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache, partial
from itertools import filterfalse, repeat
from math import ceil, isfinite
from operator import add
from types import ModuleType

from reportlab.lib.rl_accel import instanceStringWidthTTF
from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.pdfbase.ttfonts import TTFont

HYPHEN = "-"

# Word spaces, as a share of the font's own space: 0.8 is the least a justified line shrinks
# to (the font's minimum), 2.0 the space a stretch ratio of 1 gives, MAX_SPACE the most it
# may ever give; past that the line is set ragged. EB Garamond's space is narrow (a fifth of
# an em): at a measure of 65 characters, a maximum of 2.5 sets about one line in 500 ragged
# and hyphenates about one line in ten (bench/typography.py measures the outcome).
MIN_SPACE = 0.8
STRETCH_SPACE = 2.0
MAX_SPACE = 2.5

# Demerits and penalties, on TeX's scale.
LINE_PENALTY = 10
HYPHEN_PENALTY = 700  # a hyphenation point or a source hyphen at the end of a line: a last resort
SOURCE_HYPHEN_PENALTY = 200  # a break after a hyphen the text has ('maroco-|italienne')
URL_PENALTY = 30  # a break inside a URL, path or address (no hyphen drawn)
UAX14_PENALTY = 40  # any other break inside a token (after a dash, a slash, ...)
EMERGENCY_PENALTY = 1000  # a cut inside a token that has no opportunity within a line
DOUBLE_HYPHEN_DEMERITS = 3000
FINAL_HYPHEN_DEMERITS = 10000  # a hyphen on the last line but one
SHORT_LAST_LINE = 0.15  # a last line narrower than this share of the measure (one stub: 'qué.')
SHORT_LAST_LINE_DEMERITS = 10000
ADJACENT_FITNESS_DEMERITS = 3000
RAGGED_DEMERITS = 10**8  # a line that could not be justified within MAX_SPACE
MAX_HYPHENATED_RUN = 2
# A paragraph longer than this is broken with hyphenation at once: one that long hardly ever
# sets without a line too loose (bench corpus: one in eight beyond 800 characters, two in five
# below), so first trying without would mostly be work thrown away.
FIRST_PASS_MAX_LENGTH = 800
# Hyphenate only the words a justified line may end inside (_LineEnds); off, every word (the
# tests hold the lines alike both ways).
_LAZY_HYPHENATION = True

# Token outlines longer than this are not given to uniseg, whose pure-Python rules cost about
# a hundred microseconds a character: only the URL rules and emergency cuts break them.
UAX14_MAX_TOKEN = 1000

# Kinds of break.
_SPACE, _JOIN, _HYPHEN, _SOURCE_HYPHEN, _END = range(5)
_FLAGGED = (_HYPHEN, _SOURCE_HYPHEN)

# Line_Break classes between which UAX #14 never allows a break (LB9, LB12, LB13, LB19,
# LB23, LB25, LB28, LB29 forbid every pair of them): a token made only of these needs no
# look-up (the tests hold this against uniseg itself).
_NO_BREAK_CLASSES = frozenset({"AL", "HL", "NU", "CM", "ZWJ", "IS", "QU", "GL"})
# Characters of those classes met so far: a token made of them is known unbreakable by one
# set operation, with no look-up per character. Bounded by the characters the shipped faces
# can draw, since the typesetter refuses any other before it breaks a line (_require_glyphs).
_UNBREAKABLE: set[str] = set()
_URL_HINT = re.compile(r"://|^www\.|^<?www\.|[\w)]/[\w~%]|\w@\w", re.ASCII)
# What every match of _URL_HINT holds (a '/' or an '@') or starts with: a token with neither,
# nearly every word, is told apart by one set operation instead of a search (a third of the
# time a new word took to measure).
_URL_MARKS = frozenset("/@")
_URL_STARTS = ("www.", "<www.")
_LETTERS = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class Line:
    text: str  # the source characters shown, without an added hyphen or the breaking space
    hyphenated: bool  # a hyphen not in the source is drawn after text
    joined: bool  # the break falls inside a source word: no space between this line and the next
    natural_width: float  # width of text (and the added hyphen) at natural spacing
    spaces: int  # stretchable U+0020 spaces inside text
    justify: bool  # stretch those spaces to the measure
    ends_with_hyphen: bool = False  # the line ends with a hyphen, added or in the source


def break_lines(text: str, *, measure: float, font_name: str, size: float,
                hyphenate: Callable[[str], Sequence[int]] | None = None,
                justify: bool = True, whole_word_lines: Collection[int] = (),
                max_space: float = MAX_SPACE, stats: dict[str, int] | None = None) -> list[Line]:
    """The lines of ``text``; joining their texts (with "" where joined, else " ") gives it back.

    ``hyphenate(word)`` gives the offsets where ``word`` may take a hyphen; None: no
    hyphenation. U+00A0 never breaks. ``justify=False`` sets the text ragged and balanced
    (for titles): the fewest lines, as even as they can be, and no single short word alone
    on the last line when that can be avoided. ``whole_word_lines``: numbers (from 0) of
    lines that must end between two words, with no hyphen (the last line of a page). ``max_space``:
    the widest word space of a justified line, in the font's spaces. ``stats``, when given,
    receives counts of the work done (``evaluations``, ``max_active``, ``breakpoints``) by
    the search whose lines are returned.
    """
    if not measure > 0:
        raise ValueError(f"the measure must be positive, not {measure!r}")
    if not text:
        return []
    if not justify:
        paragraph = _Paragraph(text, measure, font_name, size, hyphenate)
        return paragraph.lines(_balanced(paragraph, stats), justify)
    whole_word = frozenset(whole_word_lines)
    if hyphenate is not None and len(text) <= FIRST_PASS_MAX_LENGTH:
        # Breaks without hyphenation first. A line ending at a hyphenation point costs at least
        # HYPHEN_PENALTY squared and no demerit is negative, so when the best breaks without
        # one cost less, every node with a hyphen costs more than any node on their way: the
        # search with hyphenation points keeps and chooses the same nodes (the widths of the
        # other breaks do not depend on the hyphenation points, and ties go by the order the
        # nodes were made in), and the words need not be hyphenated at all. A ragged line
        # (RAGGED_DEMERITS, far more) ends the first pass at once.
        paragraph = _Paragraph(text, measure, font_name, size, None)
        best = _total_fit(paragraph, whole_word, max_space, stats, ragged_from=len(paragraph.kind))
        if best is not None and best[_DEMERITS] < HYPHEN_PENALTY ** 2:
            return paragraph.lines(_path(best), justify)
    # Words no justified line can end inside are left unhyphenated (_LineEnds): the search
    # keeps and chooses the same nodes. A ragged line may end at any hyphen, so when one is
    # needed over such a word, the paragraph is broken again with every word hyphenated.
    lazy = max_space if _LAZY_HYPHENATION else None
    paragraph = _Paragraph(text, measure, font_name, size, hyphenate, lazy)
    best = _total_fit(paragraph, whole_word, max_space, stats, ragged_from=paragraph.settled)
    if best is None:
        paragraph = _Paragraph(text, measure, font_name, size, hyphenate)
        best = _total_fit(paragraph, whole_word, max_space, stats)
    return paragraph.lines(_path(best), justify)


@lru_cache(maxsize=32)
def hyphenator(language: str) -> Callable[[str], Sequence[int]] | None:
    """Hyphenation points for ``language`` (a pyphen dictionary name), cached per word.

    At least two letters before a hyphen and three after it, as French and English
    typesetting ask; None when pyphen has no dictionary for the language.
    """
    import pyphen

    from .hyphenation import points

    name = pyphen.language_fallback(language.replace("-", "_")) if language else None
    find = points(name, left=2, right=3) if name else None
    if find is None:
        return None

    @lru_cache(maxsize=65536)
    def positions(word: str) -> tuple[int, ...]:
        return tuple(find(word))

    return positions


# -- the paragraph as break opportunities ---------------------------------------------------


# A token's entry in _Metrics.
_Entry = tuple[float, float, tuple[tuple[int, float, int, int], ...]]


class _Metrics:
    """Widths and in-word breaks of tokens in one font, size and hyphenation, kept across paragraphs.

    A token's entry: its width, the widest piece between two of its breaks, and each break
    as (offset, width of the token up to it, kind, penalty).
    """

    LIMIT = 200_000  # entries kept before the caches start afresh: memory stays bounded

    def __init__(self, font_name: str, size: float, hyphenate: Callable[[str], Sequence[int]] | None):
        self.font_name, self.size, self.hyphenate = font_name, size, hyphenate
        font = getFont(font_name)
        # what stringWidth() looks up each call; a TrueType face's without its Python frame
        self.string_width = partial(instanceStringWidthTTF, font) \
            if type(font).stringWidth is TTFont.stringWidth else font.stringWidth
        self.widths = _shared_widths(font_name, size)
        self.tokens: dict[str, _Entry] = {}
        self.space = self.width(" ")
        self.hyphen = self.width(HYPHEN)

    def width(self, s: str) -> float:
        known = self.widths.get(s)
        if known is None:
            if len(self.widths) > self.LIMIT:
                self.widths.clear()
            known = self.widths[s] = self.string_width(s, self.size)
        return known

    def learn(self, tokens: list[str]) -> None:
        """Enter the usual words among ``tokens`` that are new, as ``token`` would, measured in
        one pass of calls in C rather than a Python call each: without hyphenation such a word
        has no break, so its entry is its width alone (most new words of an article's first pass)."""
        if self.hyphenate is not None:
            return
        new = dict.fromkeys(filterfalse(self.tokens.__contains__, tokens))
        new.pop("", None)  # between two spaces
        words = [word for word in filter(_UNBREAKABLE.issuperset, new) if not _url_like(word)]
        for kept in (self.widths, self.tokens):
            if len(kept) + len(words) > self.LIMIT:
                kept.clear()
        widths = list(map(self.string_width, words, repeat(self.size)))
        self.widths.update(zip(words, widths, strict=True))
        widest = map(max, repeat(0.0), map(add, widths, repeat(self.hyphen)))
        self.tokens.update(zip(words, zip(widths, widest, repeat(())), strict=True))

    def token(self, token: str) -> _Entry:
        known = self.tokens.get(token)
        if known is None:
            if len(self.tokens) > self.LIMIT:
                self.tokens.clear()
            if self.hyphenate is None and _UNBREAKABLE.issuperset(token) and not _url_like(token):
                # The usual word without hyphenation (as _inner_breaks tells it), as the loop
                # below measures it: no break, one piece, the whole token. Most new words of an
                # article's first pass.
                width = self.width(token)
                known = self.tokens[token] = (width, max(0.0, width + self.hyphen), ())
                return known
            breaks = []
            previous, width, widest = 0, 0.0, 0.0
            # A break that exists with or without hyphenation (UAX #14, URL, source hyphen) is
            # placed by summing the segments between such breaks only, as the metrics without
            # hyphenation do: its width is then the same to the last bit in both.
            segment_start, base = 0, 0.0
            for offset, kind, penalty in _inner_breaks(token, self.hyphenate):
                piece = self.width(token[previous:offset])
                widest = max(widest, piece + self.hyphen)
                if kind == _HYPHEN:
                    width += piece
                else:
                    base += self.width(token[segment_start:offset])
                    segment_start, width = offset, base
                breaks.append((offset, width, kind, penalty))
                previous = offset
            piece = self.width(token[previous:])
            # The token's width is measured whole, not summed from its pieces: the same to the
            # last bit whichever breaks it has (with hyphenation or without).
            known = self.tokens[token] = (self.width(token), max(widest, piece + self.hyphen), tuple(breaks))
        return known


@lru_cache(maxsize=16)
def _shared_widths(font_name: str, size: float) -> dict[str, float]:
    """One font's widths of strings, for its metrics with and without hyphenation: a paragraph
    broken both ways measures its words once."""
    return {}


@lru_cache(maxsize=16)
def _metrics(font_name: str, size: float, hyphenate: Callable[[str], Sequence[int]] | None) -> _Metrics:
    return _Metrics(font_name, size, hyphenate)


# Added to every bound of _LineEnds, far more than the rounding of sums of widths (the
# search's own tests allow 1e-9): a token at the edge of a window is hyphenated.
_SLACK = 1e-6


class _LineEnds:
    """Which tokens a line could end inside, when every line before it is justified.

    A line is kept (_total_fit) only when it is neither too loose, width + stretch * spaces
    >= measure (stretch: the most a space may grow), nor too tight, width - shrink * spaces
    <= measure (width: with its hyphen, from where the line starts; spaces: in between).
    So after j lines the next starts where width + stretch * spaces >= j * (measure - hyphen)
    and width - shrink * spaces <= j * (measure + space - shrink) (a space may come between
    a line's end and the next start). A hyphen ends line j inside a token only where both
    hold, for j - 1 lines, at a point of the token: a token that no line's window reaches
    needs no hyphenation point, as none could make a node. The windows widen with j; once
    they meet, they meet for every later token (both bounds grow along the paragraph, the
    first faster).
    """

    __slots__ = ("lead", "longest", "plain", "room", "shortest", "shrink", "stretch")

    def __init__(self, measure: float, plain: _Metrics, stretch: float) -> None:
        self.plain = plain
        space, hyphen = plain.space, plain.hyphen
        self.shrink = (1 - MIN_SPACE) * space
        self.stretch = max(stretch, 0.0) + _SLACK
        self.shortest = measure - hyphen - _SLACK  # the least a line adds to width + stretch * spaces
        self.longest = measure + space - self.shrink + _SLACK  # the most it adds to width - shrink * spaces
        self.lead = hyphen - measure - _SLACK  # line j's end, less (j - 1) longest
        self.room = measure - _SLACK  # a token whose pieces are narrower is not cut with or without points

    def whole(self, token: str, width: float, spaces: int) -> _Entry | bool:
        """The entry without hyphenation of a token from ``width`` with ``spaces`` before it
        when no line can end inside it; else whether a later token may still be left whole.

        Its other breaks stand to the last bit where they stand with hyphenation (_Metrics.token)."""
        first = (width - self.shrink * spaces + self.lead) / self.longest + 1.0  # least j
        last = (width + self.stretch * spaces + _SLACK) / self.shortest  # most j, at the token's start
        if last - first >= 1.0:
            return False
        plain = self.plain
        if max(1, ceil(first)) <= last + plain.width(token) / self.shortest:
            return True
        known = plain.tokens.get(token) or plain.token(token)
        return True if known[1] > self.room else known


@lru_cache(maxsize=16)
def _line_ends(measure: float, font_name: str, size: float, max_space: float) -> _LineEnds | None:
    """None when no token can be told apart (a line too narrow for its hyphen, spaces without bound)."""
    plain = _metrics(font_name, size, None)
    stretch = (STRETCH_SPACE - 1) * plain.space
    widest = (max_space - 1) * plain.space / stretch * stretch  # as _total_fit's
    if not (measure - plain.hyphen - _SLACK > 0 and isfinite(widest)):
        return None
    return _LineEnds(measure, plain, widest)


class _Paragraph:
    """Every place a line may end, with the cumulative width and spaces up to it.

    Opportunity 0 is the paragraph's start; the last one is its end. For opportunity i,
    a line ending there shows text[..end[i]] and the next line starts at start[i].
    """

    def __init__(self, text: str, measure: float, font_name: str, size: float,
                 hyphenate: Callable[[str], Sequence[int]] | None, max_space: float | None = None) -> None:
        """With ``hyphenate`` and ``max_space``, only the tokens a justified line whose spaces
        stay within max_space may end inside are hyphenated (_LineEnds): opportunities from
        ``settled`` on are those of the paragraph with every token hyphenated."""
        self.text = text
        self.measure = measure
        self.metrics = metrics = _metrics(font_name, size, hyphenate)
        self.width = metrics.width
        self.space = metrics.space
        self.hyphen = metrics.hyphen
        tokens = text.split(" ")
        metrics.learn(tokens)
        self.lazy = None
        if hyphenate is not None and max_space is not None:
            self.lazy = _line_ends(measure, font_name, size, max_space)
        self.settled = 0
        rows = self._build(metrics, tokens)
        (self.end, self.start, self.width_end, self.width_start, self.spaces_end, self.spaces_start,
         self.kind, self.penalty) = zip(*rows, strict=True)

    def _unknown(self, token: str, width: float, spaces: int) -> _Entry:
        """A token not yet measured with hyphenation: measured without when no line can end inside it."""
        if self.lazy is not None:
            entry = self.lazy.whole(token, width, spaces)
            if entry is False:
                self.lazy = None  # a line may end inside any later token
            elif entry is not True:  # not cut: an opportunity a break, then the space after it
                self.settled = len(self.rows) + len(entry[2])
                return entry
        return self.metrics.token(token)

    def _build(self, metrics: _Metrics, tokens: list[str]
               ) -> list[tuple[int, int, float, float, int, int, int, int]]:
        """(end, start, width_end, width_start, spaces_end, spaces_start, kind, penalty) rows."""
        text = self.text
        space = self.space
        room = self.measure  # a piece this wide, hyphen and all, fits a line
        self.rows = rows = [(0, 0, 0.0, 0.0, 0, 0, _SPACE, 0)]
        add = rows.append
        known = metrics.tokens.get  # most tokens are known: no call to measure them again
        measure = metrics.token
        unknown = None if self.lazy is None else self._unknown
        # As if a space came before the first token: -space + space is exactly 0.0.
        position, width, spaces = -1, -space, -1
        seen_word = False
        for token in tokens:
            before = width
            position += 1
            width += space
            spaces += 1
            if not token:
                continue
            if seen_word:  # the last space of a run breaks; leading ones do not
                add((position - 1, position, before, width, spaces - 1, spaces, _SPACE, 0))
            else:
                seen_word = True
            token_width, widest, breaks = known(token) or (
                measure(token) if unknown is None else unknown(token, width, spaces))
            if widest > room:
                self._cut_token(token, position, width, spaces, breaks, rows)
            else:
                for offset, upto, kind, penalty in breaks:
                    at = position + offset
                    upto += width
                    add((at, at, upto, upto, spaces, spaces, kind, penalty))
            width += token_width  # as when uncut: the same to the last bit in every paragraph
            position += len(token)
        add((len(text), len(text), width, width, spaces, spaces, _END, 0))
        return rows

    def _cut_token(self, token: str, position: int, width: float, spaces: int,
                   breaks: tuple[tuple[int, float, int, int], ...], rows: list) -> None:
        """Add a token's breaks, and cuts in every piece wider than a line where it must.

        The token's own breaks stand where they stand uncut, to the last bit: a token cut
        only when it has fewer breaks (no hyphenation) is measured alike either way."""
        room = self.measure - self.hyphen
        previous, before = 0, 0.0
        for offset, upto, kind, penalty in (*breaks, (len(token), 0.0, -1, 0)):
            piece = token[previous:offset]
            reached = width + before
            for cut in _emergency_cuts(piece, room, self.width):
                reached += self.width(piece[:cut])
                piece = piece[cut:]
                at = position + offset - len(piece)
                rows.append((at, at, reached, reached, spaces, spaces, _JOIN, EMERGENCY_PENALTY))
            if kind >= 0:
                at = position + offset
                rows.append((at, at, upto + width, upto + width, spaces, spaces, kind, penalty))
            previous, before = offset, upto

    def line_width(self, a: int, b: int) -> float:
        return self.width_end[b] - self.width_start[a] + (self.hyphen if self.kind[b] == _HYPHEN else 0.0)

    def lines(self, path: list[tuple[int, bool]], justify: bool) -> list[Line]:
        result = []
        add = result.append
        text, start, end, kinds, measure = self.text, self.start, self.end, self.kind, self.measure
        previous = 0
        last = len(path) - 1
        for index, (b, ragged) in enumerate(path):
            shown = text[start[previous]:end[b]]
            kind = kinds[b]
            width = self.line_width(previous, b)
            spaces = shown.count(" ")
            # Line's fields in order (text, hyphenated, joined, natural_width, spaces, justify,
            # ends_with_hyphen): a frozen dataclass is made three times faster without keywords.
            # A last line as full as the others is justified too: its spaces shrink to fit.
            add(Line(shown, kind == _HYPHEN, kind != _SPACE and kind != _END, width, spaces,
                     justify and not ragged and spaces > 0 and (index != last or width > measure),
                     kind in _FLAGGED))
            previous = b
        return result


def _inner_breaks(token: str, hyphenate: Callable[[str], Sequence[int]] | None
                  ) -> list[tuple[int, int, int]]:
    """(offset, kind, penalty) of every break inside ``token``, in order."""
    if _UNBREAKABLE.issuperset(token) and not _url_like(token):
        # The usual word, with or without its punctuation: no break but hyphenation's.
        if hyphenate is None:
            return []
        return [(offset, _HYPHEN, HYPHEN_PENALTY) for offset in _hyphenation_points(token, hyphenate)]
    found = _token_breaks(token)
    if hyphenate is not None and not _url_like(token):
        extra = dict(found)
        for offset in _hyphenation_points(token, hyphenate):
            extra.setdefault(offset, (_HYPHEN, HYPHEN_PENALTY))
        return [(offset, kind, penalty) for offset, (kind, penalty) in sorted(extra.items())]
    return [(offset, kind, penalty) for offset, (kind, penalty) in found]


def _url_like(token: str) -> bool:
    """Whether ``token`` holds a URL, path or address (``_URL_HINT``)."""
    return ((not _URL_MARKS.isdisjoint(token) or token.startswith(_URL_STARTS))
            and _URL_HINT.search(token) is not None)


def _hyphenation_points(token: str, hyphenate: Callable[[str], Sequence[int]]) -> list[int]:
    """Offsets inside ``token`` where a hyphen may go: inside its runs of five letters or more."""
    if token.isalpha():  # one run (letters are word characters, and neither digits nor '_')
        runs: Sequence[tuple[int, str]] = ((0, token),)
    else:
        runs = [(match.start(), match.group()) for match in _LETTERS.finditer(token)]
    return sorted({start + position for start, word in runs if len(word) >= 5
                   for position in hyphenate(word) if 0 < position < len(word)})


@lru_cache(maxsize=65536)
def _token_breaks(token: str) -> tuple[tuple[int, tuple[int, int]], ...]:
    """Breaks a token allows without hyphenation: UAX #14's, and the URL rules."""
    breaks: dict[int, tuple[int, int]] = {}
    for offset in _uax14_breaks(token):
        kind = _SOURCE_HYPHEN if token[offset - 1] in "-\u2010" else _JOIN
        breaks[offset] = (kind, SOURCE_HYPHEN_PENALTY if kind == _SOURCE_HYPHEN else UAX14_PENALTY)
    if _url_like(token):
        for offset in _url_breaks(token):
            breaks[offset] = (_JOIN, URL_PENALTY)
    return tuple(sorted(breaks.items()))


def _uax14_breaks(token: str) -> list[int]:
    """Offsets inside ``token`` where UAX #14 (uniseg) allows a line break.

    uniseg decides every break, on the token's outline: each run of letters (Line_Break AL)
    stands as one 'a', each run of digits (NU) as one '0', since UAX #14 never breaks inside
    such a run (LB28, LB25) and its rules see only classes. 'maroco-italienne' and
    'Rabat-Salé' share the outline 'a-a', so uniseg is asked once for both.
    """
    if _UNBREAKABLE.issuperset(token):
        return []
    classes = [_line_break_class(c) for c in token]
    _UNBREAKABLE.update(c for c, line_class in zip(token, classes, strict=True)
                        if line_class in _NO_BREAK_CLASSES)
    if all(c in _NO_BREAK_CLASSES for c in classes):
        return []
    outline: list[str] = []
    origin: list[int] = []
    for index, (char, line_class) in enumerate(zip(token, classes, strict=True)):
        if line_class in ("AL", "NU"):
            if index and classes[index - 1] == line_class:
                continue  # inside a run
            char = "a" if line_class == "AL" else "0"
        outline.append(char)
        origin.append(index)
    if len(outline) > UAX14_MAX_TOKEN:
        return []
    return [origin[k] for k in _outline_breaks("".join(outline))]


@lru_cache(maxsize=16384)
def _outline_breaks(outline: str) -> tuple[int, ...]:
    return tuple(k for k in _uniseg().line_break_boundaries(outline) if 0 < k < len(outline))


@lru_cache(maxsize=4096)
def _line_break_class(char: str) -> str:
    return str(_uniseg().line_break(char).name)


@cache
def _uniseg() -> ModuleType:
    """uniseg's line-breaking module, loaded without running the package's ``__init__``.

    That only asks ``importlib.metadata`` for uniseg's version, and importing
    ``importlib.metadata`` (email, zipfile, ...) is four fifths of uniseg's import: about 15 ms
    of every fresh process. ``uniseg.linebreak`` needs nothing from its package but its
    sibling modules. A uniseg already imported (by whatever else uses it) is used as it is.
    """
    if "uniseg" not in sys.modules:
        spec = importlib.util.find_spec("uniseg")
        if spec is not None and spec.submodule_search_locations is not None:
            sys.modules["uniseg"] = importlib.util.module_from_spec(spec)
    return importlib.import_module("uniseg.linebreak")


def _url_breaks(token: str) -> list[int]:
    """After '/' (not inside '//') and '@', before '.', '?', '&' and '#', inside a URL or address.

    Only where both sides keep a letter or digit, so a closing '.' or '>' never starts a line.
    """
    alnum = [c.isalnum() for c in token]
    first = alnum.index(True) if True in alnum else len(token)
    last = len(token) - 1 - alnum[::-1].index(True) if True in alnum else -1
    offsets = []
    for index in range(max(1, first + 1), last + 1):
        before, after = token[index - 1], token[index]
        after_slash = (before == "/" and after != "/") or before == "@"
        before_sign = after in ".?&#" and before != "/" and index + 1 < len(token) and alnum[index + 1]
        if after_slash or before_sign:
            offsets.append(index)
    return offsets


def _emergency_cuts(piece: str, room: float, width: Callable[[str], float]) -> list[int]:
    """Lengths to cut from the head of ``piece``, one after another, so no part is wider than room.

    Cuts fall between grapheme clusters (never before a combining mark or after a joiner).
    Only a piece wider than a line is cut; the cuts carry no hyphen.
    """
    if width(piece) <= room:
        return []
    cuts = []
    start = 0
    used = 0.0
    last_safe = None
    for index, char in enumerate(piece):
        if index > start and _may_cut_before(piece, index):
            last_safe = index
        used += width(char)
        if used > room and last_safe is not None and last_safe > start:
            cuts.append(last_safe - start)
            start = last_safe
            used = width(piece[start:index + 1])
            last_safe = None
    return cuts


def _may_cut_before(piece: str, index: int) -> bool:
    char, before = piece[index], piece[index - 1]
    return not (unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Mc", "Me")
                or char in "\u200d\ufe0f\ufe0e" or before == "\u200d"
                or (0xDC00 <= ord(char) <= 0xDFFF))


# -- choosing the breaks ----------------------------------------------------------------------


# A node of the breaker: a way to end a line at opportunity ``index``, as a tuple (fewer and
# cheaper objects than a class): (index, demerits, line, fitness, run, previous, ragged,
# width_start, spaces_start), the last two copied from the paragraph for the next line's start.
_Node = tuple
_INDEX, _DEMERITS, _LINE, _FITNESS, _RUN, _PREVIOUS, _RAGGED, _WIDTH_START, _SPACES_START = range(9)
_INFINITY = float("inf")


def _node(p: _Paragraph, index: int, demerits: float, line: int, fitness: int, run: int,
          previous: _Node | None, ragged: bool) -> _Node:
    return (index, demerits, line, fitness, run, previous, ragged,
            p.width_start[index], p.spaces_start[index])


def _path(node: _Node) -> list[tuple[int, bool]]:
    path = []
    while node[_PREVIOUS] is not None:
        path.append((node[_INDEX], node[_RAGGED]))
        node = node[_PREVIOUS]
    return path[::-1]


def _demerits(node: _Node) -> float:
    return node[_DEMERITS]


def _total_fit(p: _Paragraph, whole_word: frozenset[int], max_space: float,
               stats: dict[str, int] | None, ragged_from: int = 0) -> _Node | None:
    """The last node of the breaks of least total demerits, justified lines only where they
    stay within max_space; None as soon as a line must be ragged from a node before
    opportunity ``ragged_from``."""
    measure = p.measure
    limit = measure + 1e-9
    short_width = SHORT_LAST_LINE * measure
    stretch = (STRETCH_SPACE - 1) * p.space
    shrink = (1 - MIN_SPACE) * p.space
    max_ratio = (max_space - 1) * p.space / stretch
    width_end, width_start = p.width_end, p.width_start
    spaces_end, spaces_start = p.spaces_end, p.spaces_start
    kinds, penalties, hyphen = p.kind, p.penalty, p.hyphen
    max_run, line_penalty = MAX_HYPHENATED_RUN, LINE_PENALTY
    double_hyphen, adjacent = DOUBLE_HYPHEN_DEMERITS, ADJACENT_FITNESS_DEMERITS
    # Most opportunities lie well inside a line even from the oldest live node, which makes the
    # longest line: every node is then too loose. A line from that node reaches at most
    # reach[b] - (its start's width and widest spaces) - its own free hyphen; reach only grows,
    # so a bisection skips every such opportunity at once. The margin keeps rounding on the
    # safe side: an opportunity near the edge is decided by the exact test below.
    widest_space = max_ratio * stretch
    reach = list(map(add, width_end, map(widest_space.__mul__, spaces_end)))
    free = measure - hyphen - 1e-6
    active: list[_Node] = [_node(p, 0, 0.0, 0, 1, 0, None, False)]
    live = 1  # len(active)
    head = 0  # active[head:] are the live nodes, oldest (leftmost) first
    # The loops index nodes by number, not by the names above (a global lookup each):
    # a[0] index, a[1] demerits, a[2] line, a[3] fitness, a[4] run, a[7] and a[8] where it starts.
    evaluations = max_active = 0
    count = len(kinds)
    last = count - 1  # the paragraph's end, never skipped
    b = 1
    while b < count:
        kind = kinds[b]
        if b < last and head < live:
            a = active[head]
            least = free + a[7] + widest_space * a[8]
            if reach[b] < least:
                skip_to = bisect_left(reach, least, b + 1, last)
                evaluations += skip_to - b
                b = skip_to
                continue
            width = width_end[b] - a[7] + (hyphen if kind == _HYPHEN else 0.0)
            if width <= measure:
                spaces = spaces_end[b] - a[8]
                if not spaces or (measure - width) / (spaces * stretch) > max_ratio:
                    evaluations += 1
                    b += 1
                    continue
        final = kind == _END
        flagged = kind in _FLAGGED
        # A break a whole-word line may not end at: only then is a node's line looked up.
        guarded = whole_word if kind != _SPACE and kind != _END else ()
        end_width = width_end[b]
        added = hyphen if kind == _HYPHEN else 0.0
        end_spaces = spaces_end[b]
        penalty = penalties[b] ** 2
        start_width, start_spaces = width_start[b], spaces_start[b]
        best: dict[int, _Node] = {}
        last_dropped = None
        i = first = head
        loose = 0
        # Nodes at one opportunity (of different fitness or hyphen run) lie side by side and
        # share a line: its ratio and demerits are worked out once for them all.
        shared_start = -1
        ratio = width = line_demerits = 0.0
        while i < live:
            a = active[i]
            if a[0] != shared_start:
                width = end_width - a[7] + added
                spaces = end_spaces - a[8]
                if width - spaces * shrink > limit:
                    if width - added - spaces * shrink > limit:  # too long even shrunk: never again
                        last_dropped = a
                        head = i = i + 1
                        continue
                    i += 1  # too long only for the hyphen drawn here: not for a later break
                    shared_start = -1
                    continue
                if width <= measure:
                    if final:
                        ratio = 0.0  # the last line is set at its natural width
                    else:
                        ratio = (measure - width) / (spaces * stretch) if spaces else _INFINITY
                        if ratio > max_ratio:  # too loose; every later node is looser still
                            loose = 1
                            break
                else:
                    ratio = (width - measure) / (spaces * shrink) * -1.0
                shared_start = a[0]
                line_demerits = (line_penalty + 100.0 * abs(ratio) ** 3) ** 2 + penalty
                fitness = 0 if ratio < -0.5 else 1 if ratio <= 0.5 else 2 if ratio <= 1 else 3
            i += 1
            run = a[4]
            if flagged:
                run += 1
                if run > max_run:
                    continue
            else:
                run = 0
            if guarded and a[2] in guarded:
                continue
            demerits = line_demerits
            if flagged and a[4]:
                demerits += double_hyphen
            if final:
                if a[4]:
                    demerits += FINAL_HYPHEN_DEMERITS
                if a[0] and width < short_width:
                    demerits += SHORT_LAST_LINE_DEMERITS
            if not -1 <= fitness - a[3] <= 1:
                demerits += adjacent
            total = a[1] + demerits
            key = fitness * 4 + run
            known = best.get(key)
            if known is None or total < known[1]:
                if known is not None:
                    # Moved to the end, where a node made now goes: the order of the nodes kept
                    # is the order of their making, whatever they displaced (a node that could
                    # never win, such as a hyphen's when the breaks without are kept, must not
                    # decide a tie between two others by the place it took first).
                    del best[key]
                best[key] = (b, total, a[2] + 1, fitness, run, a, False, start_width, start_spaces)
        evaluations += i - first + loose
        if stats is not None:
            max_active = max(max_active, live - head)
        if best:
            if final:
                break
            active.extend(best.values())
            live = len(active)
        elif head >= live:  # nothing reaches b: end a ragged line before it, from the last node
            assert last_dropped is not None
            if last_dropped[_INDEX] < ragged_from:
                return None
            node = _ragged_node(p, last_dropped, b, whole_word)
            if node[_INDEX] == b and final:  # the last line is overfull: nothing narrower exists
                best = {0: node}
                break
            active.append(node)
            live += 1
            if node[_INDEX] < b:
                continue  # look at b again, from the new node
        if head > 4096 and head * 2 > live:
            del active[:head]
            head = 0
            live = len(active)
        if stats is not None:
            max_active = max(max_active, live - head)
        b += 1
    else:
        raise AssertionError("the paragraph's end is always reached")
    if stats is not None:
        stats.update(evaluations=evaluations, max_active=max_active, breakpoints=count)
    return min(best.values(), key=_demerits)


def _ragged_node(p: _Paragraph, a: _Node, b: int, whole_word: frozenset[int]) -> _Node:
    """A ragged line from a to the last opportunity before b it can hold (b itself when none)."""
    choice = None
    start, line, run = a[_INDEX], a[_LINE], a[_RUN]
    for c in range(b - 1, start, -1):
        if p.line_width(start, c) <= p.measure + 1e-9:
            flagged = p.kind[c] in _FLAGGED
            if (flagged and run >= MAX_HYPHENATED_RUN) or (p.kind[c] != _SPACE and line in whole_word):
                choice = choice or c
                continue
            choice = c
            break
    if choice is None:
        choice = b  # nothing fits before b (cannot happen once pieces are cut): take the overfull line
    flagged = p.kind[choice] in _FLAGGED
    return _node(p, choice, a[_DEMERITS] + RAGGED_DEMERITS, line + 1, 1, run + 1 if flagged else 0, a, True)


def _balanced(p: _Paragraph, stats: dict[str, int] | None) -> list[tuple[int, bool]]:
    """Ragged lines, fewest first, then as even as possible; the last line not one short word alone."""
    measure = p.measure
    line_cost = 1e6  # more than any unevenness: one line fewer always wins
    alone_cost = 5e5  # a single short word on the last line, when another layout avoids it
    short = measure / 4
    best: list[tuple[float, int]] = [(0.0, -1)] + [(float("inf"), -1)] * (len(p.kind) - 1)
    live = [0]
    head = 0
    evaluations = 0
    for b in range(1, len(p.kind)):
        final = p.kind[b] == _END
        while head < len(live) - 1 and p.line_width(live[head], b) > measure + 1e-9:
            head += 1  # too long from here, and from here on
        for a in live[head:]:
            evaluations += 1
            width = p.line_width(a, b)
            if width > measure + 1e-9:
                continue
            slack = (measure - width) / measure * 1000
            cost = best[a][0] + line_cost + slack * slack
            if final and p.spaces_end[b] == p.spaces_start[a] and width < short and a > 0:
                cost += alone_cost
            if cost < best[b][0]:
                best[b] = (cost, a)
        if best[b][1] < 0:  # nothing fits: an overfull line from the nearest start
            a = live[-1]
            best[b] = (best[a][0] + line_cost * 10, a)
        live.append(b)
    if stats is not None:
        stats.update(evaluations=evaluations, max_active=len(live) - head, breakpoints=len(p.kind))
    path = []
    b = len(p.kind) - 1
    while b > 0:
        path.append((b, False))
        b = best[b][1]
    return path[::-1]
