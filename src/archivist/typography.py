"""Language-aware text preparation: what the page shows, with the same words as the source."""

from __future__ import annotations

import re

from .langdata import MONTHS, primary_subtag
from .w3cdate import date_parts

NO_BREAK_SPACE = "\u00a0"
# French sets a no-break space before the high signs and inside guillemets. reportlab
# breaks lines at U+202F, so U+00A0 is used: the line can never start with the sign.
_FRENCH_BEFORE = re.compile(r"[ \u202f\u2009]+(?=[;:!?»›])")
_FRENCH_AFTER = re.compile(r"(?<=[«‹])[ \u202f\u2009]+")


def french_spacing(text: str) -> str:
    """Make the spaces around ; : ! ? « » unbreakable; never adds or removes a word."""
    return _FRENCH_AFTER.sub(NO_BREAK_SPACE, _FRENCH_BEFORE.sub(NO_BREAK_SPACE, text))


def prepare(text: str, language: str) -> str:
    if primary_subtag(language) == "fr":
        return french_spacing(text)
    return text


def dateline(date: str, language: str) -> str:
    """The date as a reader of the article's language says it: '16 juillet 2021', 'July 2021'."""
    parts = date_parts(date)
    months = MONTHS.get(primary_subtag(language))
    if months is None or len(parts) == 1:
        return date[:10] if months is None else str(parts[0])
    month = months[parts[1] - 1]
    if len(parts) == 2:
        return f"{month} {parts[0]}"
    if primary_subtag(language) == "en":
        return f"{month} {parts[2]}, {parts[0]}"
    day = "1er" if parts[2] == 1 and primary_subtag(language) == "fr" else str(parts[2])
    joiner = " de " if primary_subtag(language) in ("es", "pt") else " "
    if joiner != " ":
        return f"{day}{joiner}{month}{joiner}{parts[0]}"
    return f"{day}{'.' if primary_subtag(language) == 'de' else ''} {month} {parts[0]}"


def hyphenation_language(language: str) -> str:
    """The pyphen dictionary for a BCP 47 tag, or '' when there is none.

    Its patterns are handed to pyphen from their install-time parse where there is one
    (``hyphenation``), so this process does not parse the dictionary again.
    """
    from .hyphenation import dictionary_name, load

    name = dictionary_name(language)
    if name:
        load(name)
    return name
