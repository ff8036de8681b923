"""Text and attribute values escaped for XML, as the XMP packet and oai_dc record write them.

xml.sax.saxutils does the same, but importing it loads urllib.request, http.client, ssl and
email, a fifth of a one-article build's start-up, for two string replacements. The output is
the same, byte for byte, so a rebuild stays identical.
"""

from __future__ import annotations

# Each replaced in turn, '&' first, which is what a simultaneous replacement gives: the
# entities written contain no other character replaced after them. str.replace finds a
# character at memchr's speed; str.translate with a table looks each character up, about
# ten times as long on a record's text.
_TEXT = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ATTRIBUTE = (*_TEXT, ("\n", "&#10;"), ("\r", "&#13;"), ("\t", "&#9;"))


def _replaced(text: str, entities: tuple[tuple[str, str], ...]) -> str:
    for char, entity in entities:
        if char in text:
            text = text.replace(char, entity)
    return text


def escape(text: str) -> str:
    """``text`` as XML character data: &, < and > as entities."""
    return _replaced(text, _TEXT)


def quoteattr(text: str) -> str:
    """``text`` as a quoted XML attribute value, line breaks and tabs kept as references.

    Double quotes unless the value holds one; then single quotes, unless it holds both,
    when its double quotes become &quot;.
    """
    value = _replaced(text, _ATTRIBUTE)
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"{}"'.format(value.replace('"', "&quot;"))
