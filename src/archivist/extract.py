"""Write the files a PDF/A-3 carries back out of it, byte for byte, never outside the folder."""

from __future__ import annotations

import io
import re
from pathlib import Path

from pypdf import PdfReader

from .embedded import read_embedded
from .errors import ArchiveReadError, UnsafePathError, WouldOverwrite
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
    data = read_pdf(pdf)
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
        if target.exists() and not force and target.read_bytes() != data:
            raise WouldOverwrite("exists and differs from the embedded copy", path=target,
                                  hint="extract into an empty folder, or pass --force to overwrite")
    for target, data in targets:
        atomic_write(target, data)
    return targets
