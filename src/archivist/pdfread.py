"""Open a PDF that may be damaged or crafted, with bounded time and memory: the reading side's limits.

``check``, ``extract`` and ``catalog --rebuild`` read PDFs from the archive, and the
archive may hold anything: a file damaged on disk, or one made to exhaust a reader (a
small file whose streams decompress to gigabytes, one huge content stream shared by a
thousand pages, objects nested a hundred thousand deep, a FIFO named ``.pdf``). Every
reading goes through here, so that such a file is reported, naming the limit it broke,
and the run goes on with the next one. The limits sit far above what archivist writes:

* ``MAX_PDF_BYTES``: the file itself (the largest article gives a PDF of a few MiB);
* ``MAX_STREAM_BYTES``: what any one stream may decompress to (pypdf stops there);
* ``MAX_EMBEDDED_FILES`` / ``MAX_EMBEDDED_BYTES``: how many files a PDF/A-3 may embed,
  and how large each may be (archivist embeds two: an article, at most
  ``article.MAX_ARTICLE_BYTES``, and its record);
* ``MAX_CONTENT_BYTES``: page content decoded and read, all pages together, so that a
  stream shared by many pages is not read again and again without end;
* ``MAX_DEPTH``: nesting of arrays and dictionaries, and of the page tree;
* ``MAX_TO_UNICODE_CODES``: codes one ToUnicode range may map.

This module belongs to the reading side: the writer never uses it, and it never
imports the writer.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from pypdf import apply_configuration
from pypdf.errors import LimitReachedError

from .errors import ArchiveReadError

MIB = 1 << 20
MAX_PDF_BYTES = 64 * MIB
MAX_STREAM_BYTES = 16 * MIB
MAX_EMBEDDED_FILES = 8
MAX_EMBEDDED_BYTES = 8 * MIB
MAX_CONTENT_BYTES = 64 * MIB  # an 8 MiB article draws about 36 MiB
MAX_DEPTH = 100
MAX_TO_UNICODE_CODES = 1 << 16
MAX_SIDECAR_BYTES = 4 * MIB  # the oai_dc record beside a PDF: a record is at most 1 MiB

_KINDS = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}


class PdfLimit(ArchiveReadError):
    """A PDF breaks one of the reading limits above; the message names which."""


def limit_error(what: str, limit: str, path: Path | None = None) -> PdfLimit:
    return PdfLimit(f"{what} (the limit is {limit})", path=path,
                    hint="archivist never writes such a file: restore it from a copy that passes "
                    "'archivist check', or rebuild it with make")


def read_pdf(path: Path, limit: int = MAX_PDF_BYTES, *, named: bool = False) -> bytes:
    """The bytes of ``path``, refused unread when it is not a regular file (a symbolic link
    included) or larger than ``limit``; ``named``: a path the user gave, not one of the archive.

    Opened without blocking, so a FIFO is refused at once instead of waiting for a writer.
    """
    noun = "a PDF file" if path.suffix == ".pdf" else "a regular file"
    hint = "name a regular file" if named else "the archive holds only regular files: remove it"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EMLINK) and os.path.islink(path):  # EMLINK: BSD's
            raise ArchiveReadError(f"is a symbolic link, not {noun}", path=path,
                                   hint="name the file it leads to" if named else hint) from None
        raise ArchiveReadError(f"cannot read: {error.strerror}", path=path) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
            raise ArchiveReadError(f"is {kind}, not {noun}", path=path, hint=hint)
        if info.st_size > limit:
            raise limit_error(f"is {info.st_size} bytes long", f"{limit // MIB} MiB for this file", path)
        os.set_blocking(fd, True)
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise ArchiveReadError(f"cannot read: {error.strerror}", path=path) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise limit_error("grew past the size limit while read", f"{limit // MIB} MiB for this file", path)
    return data


@contextlib.contextmanager
def bounded() -> Iterator[None]:
    """pypdf, for the duration, with its stream and page-tree limits set to ours."""
    with apply_configuration(
        maximum_declared_stream_length=MAX_PDF_BYTES,
        zlib_maximum_output_length=MAX_STREAM_BYTES,
        lzw_maximum_output_length=MAX_STREAM_BYTES,
        run_length_maximum_output_length=MAX_STREAM_BYTES,
        array_based_stream_maximum_output_length=MAX_STREAM_BYTES,
        brotli_maximum_output_length=MAX_STREAM_BYTES,
        jbig2_maximum_output_length=MAX_STREAM_BYTES,
        image_maximum_buffer_size=MAX_STREAM_BYTES,
        stream_decoding_work_maximum_length=2 * MAX_STREAM_BYTES,
        xmp_maximum_input_length=MAX_STREAM_BYTES,
        page_tree_maximum_depth=MAX_DEPTH,
        # archivist sets no pypdf constant of old: every reader opened spares the look for them.
        # pypdf calls this switch temporary: a pypdf past the pinned one may refuse it.
        disable_legacy_handling=True,
    ):
        yield


def limit_in(error: BaseException) -> BaseException | None:
    """The limit (ours, pypdf's, recursion or memory) behind ``error``, if one stopped the reading."""
    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return next((c for c in chain if isinstance(c, (PdfLimit, LimitReachedError, RecursionError,
                                                    MemoryError))), None)


def explain(error: BaseException) -> str:
    """One sentence for why a PDF could not be read, naming the limit when one was broken.

    pypdf wraps what stopped it (a RecursionError in a "PdfReadError: Error reading PDF
    file"), so the chain of causes is searched for a limit first.
    """
    error = limit_in(error) or error
    if isinstance(error, PdfLimit):
        return error.message
    if isinstance(error, LimitReachedError):
        return (f"breaks a reading limit: {error} (a stream may decompress to at most "
                f"{MAX_STREAM_BYTES // MIB} MiB; the page tree may be {MAX_DEPTH} levels deep)")
    if isinstance(error, RecursionError):
        return f"has objects nested deeper than a reader can follow (the limit is {MAX_DEPTH} levels)"
    if isinstance(error, MemoryError):
        return "needs more memory than is available to be read"
    return f"is damaged: {type(error).__name__}: {error}"


class ContentBudget:
    """Bytes of page content still allowed to be read from one PDF."""

    def __init__(self, limit: int = MAX_CONTENT_BYTES) -> None:
        self.left = limit
        self.fonts: dict[tuple[int, int], str | list[str]] = {}  # code tables of the fonts read so far

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise limit_error("holds more page content than can be read",
                              f"{MAX_CONTENT_BYTES // MIB} MiB of decoded page content per PDF")
