"""The fifteen Dublin Core elements as XMP carries them: one table for loader, writer and checker.

Value types are those of the XMP specification, Part 1 (ISO 16684-1) and Adobe's
XMP namespace documentation for ``dc``; the Info keys are the pairs PDF/A-1
(ISO 19005-1, 6.7.3) requires to agree with XMP.
"""

from __future__ import annotations

from dataclasses import dataclass

DC_NAMESPACE = "http://purl.org/dc/elements/1.1/"


@dataclass(frozen=True)
class Element:
    name: str
    container: str | None  # "Alt", "Seq" or "Bag"; None for a simple value
    value_type: str  # the XMP specification's name for the type
    info_key: str | None = None  # the Info dictionary entry PDF/A pairs with it

    @property
    def is_lang_alt(self) -> bool:
        return self.container == "Alt"

    @property
    def is_array(self) -> bool:
        return self.container in ("Seq", "Bag")


# In DCMES order (ISO 15836-1), which is also the order written to XMP.
ELEMENTS: tuple[Element, ...] = (
    Element("title", "Alt", "Lang Alt", "/Title"),
    Element("creator", "Seq", "Seq ProperName", "/Author"),
    Element("subject", "Bag", "Bag Text"),
    Element("description", "Alt", "Lang Alt", "/Subject"),
    Element("publisher", "Bag", "Bag ProperName"),
    Element("contributor", "Bag", "Bag ProperName"),
    Element("date", "Seq", "Seq Date"),
    Element("type", "Bag", "Bag Text"),
    Element("format", None, "MIMEType"),
    Element("identifier", None, "Text"),
    Element("source", None, "Text"),
    Element("language", "Bag", "Bag Locale"),
    Element("relation", "Bag", "Bag Text"),
    Element("coverage", None, "Text"),
    Element("rights", "Alt", "Lang Alt"),
)
BY_NAME: dict[str, Element] = {element.name: element for element in ELEMENTS}
REQUIRED = ("title", "date", "language")

# A Lang Alt value: (language, text) pairs in the record's order, without x-default.
LangAlt = tuple[tuple[str, str], ...]
Value = str | tuple[str, ...] | LangAlt


def x_default(value: LangAlt, language: str) -> str:
    """The text XMP's x-default item carries: the document language's, else the first.

    PDF/A-1 compares the Info Title and Subject with the x-default item, so it must
    always exist; repeating the real language's text there is what the XMP
    specification recommends.
    """
    for lang, text in value:
        if lang.lower() == language.lower():
            return text
    return value[0][1]


def keywords(subjects: tuple[str, ...]) -> str:
    """pdf:Keywords and the Info /Keywords, derived from dc:subject."""
    return ", ".join(subjects)
