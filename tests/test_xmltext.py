"""Escaped text and attributes read back as the text written, with the bytes earlier builds wrote."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax import saxutils

from hypothesis import given
from hypothesis import strategies as st

from archivist.xmltext import escape, quoteattr

# Characters XML 1.0 allows (its Char production), with the ones that need escaping weighted in.
XML_CHARS = st.one_of(
    st.sampled_from("&<>\"'\n\r\t ]]>"),
    st.characters(codec="utf-8", exclude_categories=("Cs",)).filter(
        lambda c: c in "\t\n\r" or 0x20 <= ord(c) <= 0xD7FF or 0xE000 <= ord(c) <= 0xFFFD
        or ord(c) >= 0x10000),
)


@given(st.text(XML_CHARS))
def test_an_attribute_reads_back_as_written(text: str) -> None:
    element = ET.fromstring(f"<e a={quoteattr(text)}/>")
    assert element.get("a") == text


@given(st.text(XML_CHARS))
def test_text_reads_back_as_written(text: str) -> None:
    # A CR in character data is normalised to LF by any parser; the writers send it as &#13;.
    element = ET.fromstring(f"<e>{escape(text).replace(chr(13), '&#13;')}</e>")
    assert (element.text or "") == text


@given(st.text(XML_CHARS))
def test_the_bytes_are_those_of_the_standard_library(text: str) -> None:
    assert escape(text) == saxutils.escape(text)
    assert quoteattr(text) == saxutils.quoteattr(text)
