"""Break a paragraph into lines of a given measure: which source characters each line shows.

The typesetter only places the lines this module returns, so how lines are chosen can
change without touching it. This version is first-fit: each line takes as many words as
fit, then the longest hyphenated head of the next word that fits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.pdfbase.pdfmetrics import stringWidth

HYPHEN = "-"
# A justified line whose spaces would stretch beyond this many times their width is set ragged.
MAX_STRETCH = 3.0


@dataclass(frozen=True)
class Line:
    text: str  # the source characters shown, without an added hyphen or the breaking space
    hyphenated: bool  # a hyphen not in the source is drawn after text
    joined: bool  # the break falls inside a source word: no space between this line and the next
    natural_width: float  # width of text (and the added hyphen) at natural spacing
    spaces: int  # stretchable U+0020 spaces inside text
    justify: bool  # stretch those spaces to the measure


def break_lines(text: str, *, measure: float, font_name: str, size: float,
                hyphenate: Callable[[str], Sequence[int]] | None = None,
                justify: bool = True) -> list[Line]:
    """The lines of ``text``; joining their texts (with "" where joined, else " ") gives it back.

    U+00A0 never breaks. A word wider than the measure is cut where it must, with no hyphen.
    """

    def width(s: str) -> float:
        return stringWidth(s, font_name, size)

    space = width(" ")
    pending: list[tuple[str, bool, bool]] = []  # (text, hyphenated, joined) before widths
    current = ""
    words = text.split(" ")
    index = 0
    while index < len(words):
        word = words[index]
        candidate = f"{current} {word}" if current else word
        if width(candidate) <= measure:
            current = candidate
            index += 1
            continue
        prefix = f"{current} " if current else ""
        head = _best_head(word, measure - width(prefix), width, hyphenate)
        if head is None and not current:
            head = _forced_head(word, measure, width)
        if head is None:  # the line ends before this word
            pending.append((current, False, False))
            current = ""
            continue
        cut, hyphenated = head
        pending.append((prefix + word[:cut], hyphenated, True))
        words[index] = word[cut:]
        current = ""
    pending.append((current, False, False))

    lines = []
    for number, (shown, hyphenated, joined) in enumerate(pending):
        natural = width(shown + (HYPHEN if hyphenated else ""))
        spaces = shown.count(" ")
        last = number == len(pending) - 1
        stretch = (measure - natural) / spaces if spaces else 0.0
        lines.append(Line(shown, hyphenated, joined, natural, spaces,
                          justify and not last and spaces > 0 and stretch <= MAX_STRETCH * space))
    return lines


def _best_head(word: str, room: float, width: Callable[[str], float],
               hyphenate: Callable[[str], Sequence[int]] | None) -> tuple[int, bool] | None:
    """The longest head of ``word`` that fits ``room``: (cut, whether a hyphen is added)."""
    cuts: dict[int, bool] = {}
    if hyphenate is not None:
        for position in hyphenate(word):
            if 0 < position < len(word):
                cuts[position] = word[position - 1] not in "-\u2010"
    for position, char in enumerate(word[:-1], start=1):
        if char in "-/\u2010" and word[position:position + 1].isalnum():
            cuts[position] = False  # after the word's own hyphen, or a slash in a URL
    for cut in sorted(cuts, reverse=True):
        hyphenated = cuts[cut]
        if "\u00a0" in word[cut - 1:cut + 1]:
            continue
        if width(word[:cut] + (HYPHEN if hyphenated else "")) <= room:
            return cut, hyphenated
    return None


def _forced_head(word: str, measure: float, width: Callable[[str], float]) -> tuple[int, bool]:
    """A word wider than a whole line: as many characters as fit (at least one), no hyphen."""
    cut = 1
    while cut < len(word) - 1 and width(word[:cut + 1]) <= measure:
        cut += 1
    return cut, False
