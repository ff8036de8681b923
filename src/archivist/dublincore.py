"""The fifteen Dublin Core elements as XMP carries them, and the Info entries paired with XMP.

Each value is one of four small types, the XMP specification's (ISO 16684-1, 8.2):
a simple ``Text``, an ordered ``Seq``, an unordered ``Bag``, or a ``LangAlt`` of
texts keyed by language. Every one iterates the same way, as ``(language, text)``
items, language None outside a Lang Alt: the record reader builds them, and the
XMP writer, the oai_dc writer and the checker all walk them with one loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import ClassVar, NamedTuple

DC_NAMESPACE = "http://purl.org/dc/elements/1.1/"
NAMESPACES = {
    "dc": DC_NAMESPACE,
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",  # a PDF/UA claim
    "pdfd": "http://pdfa.org/declarations/",  # the Well-Tagged PDF declaration
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
}


class Item(NamedTuple):
    language: str | None  # set only in a Lang Alt
    text: str


def _keep_items(value: object, items: tuple[Item, ...]) -> None:
    """Keep a value's items and texts, made once when the record is read: a build walks
    each value a dozen times (oai_dc, XMP, their checks, the catalog, every
    ``Record.language``), and a tuple is walked without making an item again.
    (``Item._make`` makes an item of a pair without calling Python code, as ``Item()`` does.)"""
    object.__setattr__(value, "items", items)
    object.__setattr__(value, "texts", tuple(map(itemgetter(1), items)))


@dataclass(frozen=True)
class Text:
    """A simple value: one text."""

    text: str
    rdf: ClassVar[str | None] = None  # the RDF container XMP writes it in
    items: tuple[Item, ...] = field(init=False, repr=False, compare=False)
    texts: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _keep_items(self, (Item(None, self.text),))

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)


@dataclass(frozen=True)
class _Array:
    texts: tuple[str, ...]
    items: tuple[Item, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(map(Item._make, zip(repeat(None), self.texts))))

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)


@dataclass(frozen=True)
class Seq(_Array):
    """An ordered array: the order is part of the value (dc:creator, dc:date)."""

    rdf: ClassVar[str | None] = "Seq"


@dataclass(frozen=True)
class Bag(_Array):
    """An unordered array; archivist still keeps the record's order, so builds repeat."""

    rdf: ClassVar[str | None] = "Bag"


@dataclass(frozen=True)
class LangAlt:
    """Alternative texts keyed by language, in the record's order, without x-default."""

    alternatives: tuple[tuple[str, str], ...]
    rdf: ClassVar[str | None] = "Alt"
    items: tuple[Item, ...] = field(init=False, repr=False, compare=False)
    texts: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _keep_items(self, tuple(map(Item._make, self.alternatives)))

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def text_in(self, language: str) -> str:
        """The text in ``language`` (tags compared without case), else the first."""
        for lang, text in self.alternatives:
            if lang.lower() == language.lower():
                return text
        return self.alternatives[0][1]


Value = Text | Seq | Bag | LangAlt


@dataclass(frozen=True)
class Element:
    name: str
    kind: type[Text] | type[Seq] | type[Bag] | type[LangAlt]
    item_type: str  # the XMP specification's name for the type of each item

    @property
    def value_type(self) -> str:
        """The type as the XMP specification writes it: 'Lang Alt', 'Seq ProperName', 'Text'."""
        if self.kind is LangAlt or self.kind is Text:
            return self.item_type
        return f"{self.kind.rdf} {self.item_type}"


# In DCMES order (ISO 15836-1), which is also the order written to XMP.
ELEMENTS: tuple[Element, ...] = (
    Element("title", LangAlt, "Lang Alt"),
    Element("creator", Seq, "ProperName"),
    Element("subject", Bag, "Text"),
    Element("description", LangAlt, "Lang Alt"),
    Element("publisher", Bag, "ProperName"),
    Element("contributor", Bag, "ProperName"),
    Element("date", Seq, "Date"),
    Element("type", Bag, "Text"),
    Element("format", Text, "MIMEType"),
    Element("identifier", Text, "Text"),
    Element("source", Text, "Text"),
    Element("language", Bag, "Locale"),
    Element("relation", Bag, "Text"),
    Element("coverage", Text, "Text"),
    Element("rights", LangAlt, "Lang Alt"),
)
BY_NAME: dict[str, Element] = {element.name: element for element in ELEMENTS}
REQUIRED = ("title", "date", "language")


@dataclass(frozen=True)
class InfoPair:
    """An Info dictionary entry and the XMP property PDF/A requires it to equal."""

    info_key: str
    prefix: str  # the XMP namespace's prefix in NAMESPACES
    name: str
    mirror: str  # how the Info value is taken from the property: see below


X_DEFAULT = "x-default"  # a Lang Alt's x-default item
ONLY_ITEM = "only item"  # the array's item, when it holds exactly one; else no Info entry
TEXT = "text"  # the simple value as it is
DATE = "date"  # the same instant, as a PDF date

# PDF/A-1 (ISO 19005-1, 6.7.3, Table 1); parts 2 and 3 keep the rule where Info is written.
DOCINFO: tuple[InfoPair, ...] = (
    InfoPair("/Title", "dc", "title", X_DEFAULT),
    InfoPair("/Author", "dc", "creator", ONLY_ITEM),
    InfoPair("/Subject", "dc", "description", X_DEFAULT),
    InfoPair("/Keywords", "pdf", "Keywords", TEXT),
    InfoPair("/Creator", "xmp", "CreatorTool", TEXT),
    InfoPair("/Producer", "pdf", "Producer", TEXT),
    InfoPair("/CreationDate", "xmp", "CreateDate", DATE),
    InfoPair("/ModDate", "xmp", "ModifyDate", DATE),
)
