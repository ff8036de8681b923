"""Every error a user can meet, each with the exit code the CLI turns it into.

Library code raises; only ``archivist.cli`` turns an exception into an exit code.
``ExitCode`` is the whole contract: the CLI's help is made from it, and a test holds
the README's and docs/errors.md's tables to it.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


def printable(text: str) -> str:
    """``text`` with every character that is not printable escaped (``\\x00``, ``\\n``, ``\\x1b``):
    a name with a NUL, a line break or a terminal escape must not garble a one-line message."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ExitCode(IntEnum):
    """The command line's exit statuses, each with the sentence its help gives."""

    meaning: str

    def __new__(cls, value: int, meaning: str) -> ExitCode:
        member = int.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        return member

    SUCCESS = 0, "success"
    INTERNAL = 1, "unexpected internal error (run with -v for the traceback)"
    USAGE = 2, ("wrong command-line usage: a bad option value, a folder that is missing or is not an "
                "archive")
    ARTICLE = 3, ("the article cannot be read (not UTF-8, control characters, empty, bad date header, "
                  "too large)")
    RECORD = 4, ("the Dublin Core record is missing or invalid, or disagrees with the article or another "
                 "record")
    GLYPH = 5, "a character the shipped font cannot draw"
    UNSAFE_PATH = 6, ("a name that is not safe, would write outside the archive, or would be archived "
                      "under another article's name")
    STORAGE = 7, "the archive cannot be written (disk full, permission denied, a build at work on it)"
    CHECK = 8, "archivist check found a PDF that does not match its inputs"
    VALIDATION = 9, "veraPDF found failed rules of a standard the profile claims (PDF/A, PDF/UA, WTPDF)"
    FIXITY = 10, "the archive's files do not match its fixity manifest"
    TOOL_MISSING = 11, "a required tool (Java, Maven, veraPDF; Dask for --scheduler) is missing"
    BATCH = 12, "some articles of a batch failed (each is reported above)"
    ARCHIVE_READ = 13, "a file in the archive cannot be read back (damaged PDF, unreadable catalog)"
    WOULD_OVERWRITE = 14, ("the command would overwrite a file that differs (pass --force), or build "
                           "another profile into the archive (pass --change-profile)")
    CLUSTER = 15, ("the Dask cluster cannot be used: no scheduler at the address, no worker, no worker "
                   "whose fingerprint matches, or the scheduler lost during the build")
    INTERRUPTED = 130, "interrupted (Ctrl-C); the archive holds only complete files"


class ArchivistError(Exception):
    """An error a person can act on: where it is, what is wrong, how to fix it."""

    exit_code = ExitCode.INTERNAL

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

    exit_code = ExitCode.USAGE


class ArticleError(ArchivistError):
    """The article file cannot be read as an article."""

    exit_code = ExitCode.ARTICLE


class RecordError(ArchivistError):
    """The Dublin Core record is missing, malformed or disagrees with the article."""

    exit_code = ExitCode.RECORD


class GlyphError(ArchivistError):
    """A character the shipped font cannot draw: PDF/A forbids a .notdef glyph."""

    exit_code = ExitCode.GLYPH


class UnsafePathError(ArchivistError):
    """A name that would write outside the archive."""

    exit_code = ExitCode.UNSAFE_PATH


class StorageError(ArchivistError):
    """The archive could not be written (disk full, permission denied, ...)."""

    exit_code = ExitCode.STORAGE


class CheckFailed(ArchivistError):
    """A written PDF does not say what its inputs say."""

    exit_code = ExitCode.CHECK


class ValidationFailed(ArchivistError):
    """veraPDF found failed rules of a standard the profile claims."""

    exit_code = ExitCode.VALIDATION


class FixityError(ArchivistError):
    """The archive's files no longer match its manifest."""

    exit_code = ExitCode.FIXITY


class ToolMissing(ArchivistError):
    """An external tool (Java, Maven, veraPDF; Dask's distributed for a cluster build) is not available."""

    exit_code = ExitCode.TOOL_MISSING


class BatchFailed(ArchivistError):
    """Some articles of a batch failed; each was reported on its own."""

    exit_code = ExitCode.BATCH


class ArchiveReadError(ArchivistError):
    """A file in the archive cannot be read back: a damaged PDF, no XMP, an unreadable catalog."""

    exit_code = ExitCode.ARCHIVE_READ


class WouldOverwrite(ArchivistError):
    """A command would replace a file a person may have written; --force allows it."""

    exit_code = ExitCode.WOULD_OVERWRITE


class ClusterError(ArchivistError):
    """The Dask cluster cannot be used: no scheduler there, no worker, or none that matches."""

    exit_code = ExitCode.CLUSTER
