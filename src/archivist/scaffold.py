"""``archivist new``: a record pre-filled with what the article tells, the rest marked FILL IN.

What a machine can know is written (date, language, type, format, identifier); what
only a person can decide says ``FILL IN``, which the record reader refuses, naming
every such field, so ``make`` will not build the article until they are filled.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .article import Article
from .dublincore import ELEMENTS
from .errors import WouldOverwrite
from .record import PLACEHOLDER
from .store import atomic_write, leading_date

# Frequent function words, distinctive enough together to tell these languages apart.
_STOPWORD_TEXT = {
    "fr": ("le la les des du et est une dans pour que qui sur au aux avec par pas ce "
           "cette ont sont été il elle nous vous leur ses mais ou"),
    "en": ("the and of to is that for it with as was on are by this be at from have "
           "has which an not were their they"),
    "de": ("der die das und ist nicht mit den dem des ein eine zu von auf für sich im "
           "auch wird werden sind wurde nach bei"),
    "es": ("el los las del y que en una por con para es se no al como más su fue "
           "pero sus entre este"),
    "it": ("il gli di della che è per con non sono nel alla dei anche come più ha "
           "delle degli questo"),
    "pt": ("o os do da dos das que em um uma para com não por é ao mais foi são "
           "pelo pela seu sua"),
    "nl": ("de het een en van is dat op te met voor niet zijn aan er ook wordt door "
           "die bij werd naar"),
}
STOPWORDS = {language: frozenset(words.split()) for language, words in _STOPWORD_TEXT.items()}
MIN_HITS = 5  # fewer stopwords than this and the text is too short to tell
MARGIN = 1.5  # the best language must beat the second by this factor

# Fields only a person can fill, with what belongs there; the optional ones are left commented.
TO_FILL = {
    "title": "the headline, in the article's language",
    "creator": "the author or agency; a list when there are several",
    "subject": "keywords, one per line",
    "description": "one or two sentences on what the article says",
    "publisher": "who published it",
    "rights": "who holds the rights, and on what terms it is archived",
}
OPTIONAL = {
    "contributor": "optional: people the article is about or who took part",
    "source": "optional: where the text comes from",
    "relation": "optional: a related resource",
    "coverage": "optional: places and period",
}


@dataclass(frozen=True)
class Guess:
    """A language detected from the text, or None, with the evidence for it."""

    language: str | None
    hits: int


def detect_language(text: str) -> Guess:
    """The language whose stopwords the text uses most, when it clearly leads."""
    words = Counter(re.findall(r"[^\W\d_]+", text.lower()))
    scores = sorted(((sum(words[w] for w in stop), lang) for lang, stop in STOPWORDS.items()),
                    reverse=True)
    (best, language), (second, _) = scores[0], scores[1]
    if best < MIN_HITS or best < MARGIN * second:
        return Guess(None, best)
    return Guess(language, best)


def _commented(code: str, comment: str) -> str:
    return f"{code:<34}# {comment}"


def scaffold(article: Article, stem: str) -> tuple[str, Guess]:
    """The YAML text of a new record for ``article`` in DCMES order, and the language guess."""
    guess = detect_language(article.text)
    fill = f'"{PLACEHOLDER}"'
    date = article.date or leading_date(stem)
    known = {
        "date": (f'"{date}"', "from the article's header" if article.date else "from the file name")
        if date else (fill, "neither the header nor the file name tells: a W3C date such as 2021-07-16"),
        "type": ("Text", ""),
        "format": ("application/pdf", ""),
        "identifier": (f'"urn:archivist:{stem}"', ""),
        "language": (guess.language, "detected from the text: check it") if guess.language
        else (fill, "could not tell from the text: a BCP 47 tag such as fr, en, de-CH"),
    }
    lines = [
        f"# Dublin Core record for {article.path.name}, written by 'archivist new'.",
        f"# Replace every {PLACEHOLDER}: make refuses to build the article until none is left.",
    ]
    for element in ELEMENTS:
        name = element.name
        if name == "subject":
            lines += [_commented("subject:", TO_FILL[name]), f"  - {fill}"]
        elif name in TO_FILL:
            lines.append(_commented(f"{name}: {fill}", TO_FILL[name]))
        elif name in OPTIONAL:
            lines.append(_commented(f"# {name}:", OPTIONAL[name]))
        else:
            value, comment = known[name]
            lines.append(_commented(f"{name}: {value}", comment) if comment else f"{name}: {value}")
    return "\n".join(lines) + "\n", guess


def write_record(article: Article, stem: str, target: Path, *, force: bool) -> Guess:
    """Write the scaffold to ``target``; an existing record is a person's work, kept unless forced."""
    if target.exists() and not force:
        raise WouldOverwrite("a record already exists", path=target,
                             hint="edit it, or pass --force to start again from a new scaffold")
    text, guess = scaffold(article, stem)
    atomic_write(target, text.encode("utf-8"))
    return guess
