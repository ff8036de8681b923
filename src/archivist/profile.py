"""The PDF/A flavour, with its optional PDF/UA claim: one value used by the writer, the checker and
the validator."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ArchivistError


@dataclass(frozen=True, order=True)
class Profile:
    """A PDF/A part and conformance level, such as PDF/A-2a, and the PDF/UA part it also claims.

    Every profile is tagged; level A (and PDF/UA) only make the claim.
    """

    part: int
    conformance: str  # "A", "B" or "U" as pdfaid:conformance spells it; "" or "F" for part 4
    ua: int = 0  # the PDF/UA part claimed beside PDF/A: 0 (none), 1 or 2

    @classmethod
    def parse(cls, text: str) -> Profile:
        key = text.strip().lower().removeprefix("pdf/a-").removeprefix("pdfa-").replace(" ", "")
        if key not in _NAMES:
            raise ArchivistError(
                f"unknown PDF/A profile {text!r}",
                hint=f"choose one of {', '.join(_NAMES)}",
            )
        pdfa, _, ua = key.partition("+ua")
        return cls(int(pdfa[0]), pdfa[1:].upper(), int(ua or 0))

    @property
    def pdfa_name(self) -> str:
        """The PDF/A part alone, as veraPDF's ``--flavour`` takes it: 1b, 2a, 4, 4f..."""
        return f"{self.part}{self.conformance.lower()}"

    @property
    def name(self) -> str:
        """The name ``--profile`` takes: 2u, 2a+ua1, 4f+ua2..."""
        return self.pdfa_name + (f"+ua{self.ua}" if self.ua else "")

    @property
    def flavours(self) -> tuple[str, ...]:
        """Every veraPDF flavour the file must pass: PDF/A, then PDF/UA, then Well-Tagged PDF."""
        extra = {0: (), 1: ("ua1",), 2: ("ua2", "wt1a")}[self.ua]
        return (self.pdfa_name, *extra)

    @property
    def title(self) -> str:
        return f"PDF/A-{self.pdfa_name}" + (f" + PDF/UA-{self.ua}" if self.ua else "")

    @property
    def pdf_version(self) -> str:
        return {1: "1.4", 4: "2.0"}.get(self.part, "1.7")

    @property
    def unicode_required(self) -> bool:
        return self.conformance in ("U", "A") or self.part == 4

    @property
    def keeps_info(self) -> bool:
        """PDF/A-4 has no Info dictionary mirroring the XMP (ISO 19005-4, 6.1.3)."""
        return self.part != 4

    @property
    def needs_extension_schemas(self) -> bool:
        """Parts 1-3 allow only predefined XMP schemas unless an extension schema describes the others."""
        return self.part != 4

    @property
    def allows_attachments(self) -> bool:
        """Only PDF/A-3 and PDF/A-4f carry the source text and record as associated files."""
        return self.part == 3 or (self.part == 4 and self.conformance == "F")

    def __str__(self) -> str:
        return self.name


# PDF/UA-1 pairs with every part 1-3 level (veraPDF 1.30 passes each pair on the corpus);
# PDF/UA-2 builds on PDF 2.0, so it pairs with PDF/A-4 alone.
_NAMES = ("1a", "1b", "2a", "2b", "2u", "3a", "3b", "3u", "4", "4f",
          "1a+ua1", "1b+ua1", "2a+ua1", "2b+ua1", "2u+ua1", "3a+ua1", "3b+ua1", "3u+ua1",
          "4+ua2", "4f+ua2")
ALL_PROFILES = tuple(Profile.parse(name) for name in _NAMES)
DEFAULT_PROFILE = Profile(2, "A", 1)
