"""French spacing: the no-break spaces the typesetter sets around the high signs and guillemets."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from archivist.typography import NO_BREAK_SPACE, french_spacing

# The rule as two regular expressions, applied in turn: a run of spaces before ; : ! ? » ›,
# then a run after « ‹, becomes one no-break space.
_BEFORE_SIGN = re.compile(r"[ \u202f\u2009]+(?=[;:!?»›])")
_AFTER_SIGN = re.compile(r"(?<=[«‹])[ \u202f\u2009]+")


@given(text=st.text(st.sampled_from(" \u202f\u2009\u00a0;:!?»›«‹a\n"), max_size=40))
@settings(max_examples=2000, deadline=None)
def test_french_spacing_replaces_what_the_regular_expressions_replace(text: str) -> None:
    assert french_spacing(text) == _AFTER_SIGN.sub(NO_BREAK_SPACE, _BEFORE_SIGN.sub(NO_BREAK_SPACE, text))


def test_french_spacing_of_a_sentence() -> None:
    assert french_spacing("« Oui ? » dit-il :  non ; «\u2009 ici  !") \
        == "«\u00a0Oui\u00a0?\u00a0» dit-il\u00a0:  non\u00a0; «\u00a0ici\u00a0!"
