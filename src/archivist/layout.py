"""What the typesetter hands on: the document it drew and the logical structure of what it drew.

A module of its own so that the PDF/A stage can write the structure tree without
depending on how pages are laid out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reportlab.pdfbase.pdfdoc import PDFDocument


@dataclass(frozen=True)
class Mark:
    """One marked-content sequence: its page (0-based) and its MCID on that page."""

    page: int
    mcid: int


@dataclass(frozen=True)
class Element:
    """A structure element and, in reading order, the marked content that shows it."""

    role: str  # "H1" or "P"
    marks: tuple[Mark, ...]


@dataclass(frozen=True)
class Typeset:
    document: PDFDocument  # reportlab's, pages drawn, nothing written: the PDF/A stage writes it
    elements: tuple[Element, ...]  # in reading order: title, dateline, paragraphs
    pages: int
