"""Write the files a PDF/A-3 carries back out of it, byte for byte, never outside the folder."""

from __future__ import annotations

import io
import os
import re
import stat
from pathlib import Path

from pypdf import PdfReader

from .embedded import read_embedded
from .errors import ArchiveReadError, StorageError, UnsafePathError, WouldOverwrite
from .inputfile import kind_of, read_regular
from .pdfread import PdfLimit, bounded, explain, read_pdf
from .store import atomic_write


def safe_name(name: str, pdf: Path) -> str:
    """A name that stays inside the folder it is written to, or an error naming it."""
    if (not name or "/" in name or "\\" in name or name.startswith(".")
            or any(ord(char) < 0x20 for char in name) or re.match(r"[A-Za-z]:", name)):
        raise UnsafePathError(f"embedded file name {name!r} would write outside the folder",
                              path=pdf, hint="this PDF was not made by archivist; extract it by hand")
    return name


def extract(pdf: Path, folder: Path, *, force: bool = False) -> list[tuple[Path, bytes]]:
    """Write every embedded file of ``pdf`` into ``folder``; never over a different file unless forced."""
    data = read_pdf(pdf, named=True)
    with bounded():
        try:
            files, problems = read_embedded(PdfReader(io.BytesIO(data), strict=False))
        except PdfLimit as error:
            raise PdfLimit(error.message, path=pdf, hint=error.hint) from None
        except Exception as error:  # pypdf raises many kinds on a damaged file
            raise ArchiveReadError(f"cannot be read as a PDF: it {explain(error)}", path=pdf) from None
    if problems:
        raise ArchiveReadError("; ".join(problems), path=pdf, hint="the PDF is damaged; "
                               "restore it from a copy that passes 'archivist check'")
    if not files:
        raise ArchiveReadError("the PDF carries no embedded files", path=pdf,
                               hint="only PDF/A-3 builds embed their sources: build with --profile 3u")
    targets = [(folder / safe_name(item.name, pdf), item.data) for item in files]
    for target, data in targets:
        _may_replace(target, data, force)
    for target, data in targets:
        atomic_write(target, data)
    return targets


def _may_replace(target: Path, data: bytes, force: bool) -> None:
    """Refuse to write ``target`` over what is there: a folder (it cannot be replaced); without
    ``force``, anything but a file it can compare with the embedded copy, and a file that
    differs. What is there is never followed (a link) nor read past the copy's length."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise StorageError(f"cannot look at what is there: {error.strerror}", path=target,
                           hint="extract into a folder you can read and write") from None
    kind = kind_of(mode)
    if stat.S_ISDIR(mode) or (not force and not stat.S_ISREG(mode)):
        raise WouldOverwrite(f"exists and is {kind}, not a file", path=target,
                             hint="remove it, or extract into another folder"
                             + ("" if stat.S_ISDIR(mode) else ", or pass --force to replace it"))
    if force:
        return
    try:
        there = read_regular(target, len(data))
    except FileNotFoundError:  # removed meanwhile: nothing to keep
        return
    except OSError as error:  # replaced meanwhile, or unreadable
        raise StorageError(f"cannot read what is there: {error.strerror}", path=target,
                           hint="extract into a folder you can read and write") from None
    if there != data:
        raise WouldOverwrite("exists and differs from the embedded copy", path=target,
                             hint="extract into an empty folder, or pass --force to overwrite")
