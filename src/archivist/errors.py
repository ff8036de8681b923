"""Every error a user can meet, each with the exit code the CLI turns it into.

Library code raises; only ``archivist.cli`` turns an exception into an exit code,
so the codes below are the whole contract (they are listed in the README).
"""

from __future__ import annotations

from pathlib import Path


def printable(text: str) -> str:
    """``text`` with every character that is not printable escaped (``\\x00``, ``\\n``, ``\\x1b``):
    a name with a NUL, a line break or a terminal escape must not garble a one-line message."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ArchivistError(Exception):
    """An error a person can act on: where it is, what is wrong, how to fix it."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.column = column
        self.hint = hint

    def __str__(self) -> str:
        place = ""
        if self.path is not None:
            place = printable(str(self.path))
            if self.line is not None:
                place += f":{self.line}"
                if self.column is not None:
                    place += f":{self.column}"
            place += ": "
        text = place + self.message
        if self.hint:
            text += f" ({self.hint})"
        return text

    def __reduce__(self):  # keeps the fields across worker processes
        return (_rebuild, (type(self), self.message, self.path, self.line, self.column, self.hint))


def _rebuild(cls, message, path, line, column, hint):
    return cls(message, path=path, line=line, column=column, hint=hint)


class UsageError(ArchivistError):
    """The command was given something it cannot work with: a folder that is not there or is
    not an archive, a bad option value, a file to read that does not exist."""

    exit_code = 2


class ArticleError(ArchivistError):
    """The article file cannot be read as an article."""

    exit_code = 3


class RecordError(ArchivistError):
    """The Dublin Core record is missing, malformed or disagrees with the article."""

    exit_code = 4


class GlyphError(ArchivistError):
    """A character the shipped font cannot draw: PDF/A forbids a .notdef glyph."""

    exit_code = 5


class UnsafePathError(ArchivistError):
    """A name that would write outside the archive."""

    exit_code = 6


class StorageError(ArchivistError):
    """The archive could not be written (disk full, permission denied, ...)."""

    exit_code = 7


class CheckFailed(ArchivistError):
    """A written PDF does not say what its inputs say."""

    exit_code = 8


class ValidationFailed(ArchivistError):
    """veraPDF found failed PDF/A rules."""

    exit_code = 9


class FixityError(ArchivistError):
    """The archive's files no longer match its manifest."""

    exit_code = 10


class ToolMissing(ArchivistError):
    """An external tool (Java, Maven, veraPDF) is not available."""

    exit_code = 11


class BatchFailed(ArchivistError):
    """Some articles of a batch failed; each was reported on its own."""

    exit_code = 12


class ArchiveReadError(ArchivistError):
    """A file in the archive cannot be read back: a damaged PDF, no XMP, an unreadable catalog."""

    exit_code = 13


class WouldOverwrite(ArchivistError):
    """A command would replace a file a person may have written; --force allows it."""

    exit_code = 14
