"""Text and attribute values escaped for XML, as the XMP packet and oai_dc record write them.

xml.sax.saxutils does the same, but importing it loads urllib.request, http.client, ssl and
email, a fifth of a one-article build's start-up, for two string replacements. The output is
the same, byte for byte, so a rebuild stays identical.
"""

from __future__ import annotations

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;",
                            "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def escape(text: str) -> str:
    """``text`` as XML character data: &, < and > as entities."""
    return text.translate(_TEXT)


def quoteattr(text: str) -> str:
    """``text`` as a quoted XML attribute value, line breaks and tabs kept as references.

    Double quotes unless the value holds one; then single quotes, unless it holds both,
    when its double quotes become &quot;.
    """
    value = text.translate(_ATTRIBUTE)
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"{}"'.format(value.replace('"', "&quot;"))
