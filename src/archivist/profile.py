"""The PDF/A flavour: one value used by the writer, the checker and the validator."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ArchivistError


@dataclass(frozen=True, order=True)
class Profile:
    """A PDF/A part and conformance level, such as PDF/A-2u."""

    part: int
    conformance: str  # "B" or "U", as pdfaid:conformance spells it

    @classmethod
    def parse(cls, text: str) -> Profile:
        key = text.strip().lower().removeprefix("pdf/a-").removeprefix("pdfa-")
        if key not in _NAMES:
            raise ArchivistError(
                f"unknown PDF/A profile {text!r}",
                hint=f"choose one of {', '.join(_NAMES)}",
            )
        return cls(int(key[0]), key[1].upper())

    @property
    def name(self) -> str:
        """The short name veraPDF's ``--flavour`` takes: 1b, 2u, ..."""
        return f"{self.part}{self.conformance.lower()}"

    @property
    def title(self) -> str:
        return f"PDF/A-{self.name}"

    @property
    def unicode_required(self) -> bool:
        return self.conformance == "U"

    @property
    def allows_attachments(self) -> bool:
        """Only PDF/A-3 may carry arbitrary associated files (the source text and record)."""
        return self.part == 3

    def __str__(self) -> str:
        return self.name


_NAMES = ("1b", "2b", "2u", "3b", "3u")
ALL_PROFILES = tuple(Profile(int(n[0]), n[1].upper()) for n in _NAMES)
DEFAULT_PROFILE = Profile(2, "U")
