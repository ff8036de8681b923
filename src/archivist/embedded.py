"""The files a PDF/A-3 carries: what the writer is given and what a reader finds back.

Both sides speak of one ``EmbeddedFile``; this module only reads, so the checker can use
it without reaching the code that writes files to disk.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.generic import IndirectObject

from .pdfread import MAX_EMBEDDED_BYTES, MAX_EMBEDDED_FILES, MIB, PdfLimit, explain, limit_error, limit_in

_MIME = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*", re.IGNORECASE)


@dataclass(frozen=True)
class EmbeddedFile:
    """A file PDF/A-3 carries inside the PDF, with its relationship to the document."""

    name: str
    data: bytes
    mime: str  # "text/plain"
    relationship: str  # "/Source", "/Data", ... as the PDF writes it
    description: str


def read_embedded(reader: PdfReader) -> tuple[list[EmbeddedFile], list[str]]:
    """The files in the EmbeddedFiles name tree, and each way they fall short of PDF/A-3.

    The problems are those ISO 19005-3 6.8 names (MIME /Subtype, /F and /UF,
    /AFRelationship, a reference from /AF) plus the integrity of /Params: a /Size
    or /CheckSum that disagrees with the bytes means the file is not what was put in.
    """
    root = reader.trailer["/Root"]
    associated = {ref.idnum for ref in root.get("/AF", []) if isinstance(ref, IndirectObject)}
    found: list[EmbeddedFile] = []
    problems: list[str] = []
    for number, entry in enumerate(reader.attachment_list, start=1):
        if number > MAX_EMBEDDED_FILES:
            raise limit_error(f"embeds more than {MAX_EMBEDDED_FILES} files",
                              f"{MAX_EMBEDDED_FILES} embedded files per PDF")
        name = entry.name
        spec = entry.pdf_object
        where = f"embedded file {name!r}"
        try:
            data = entry.content
        except Exception as error:  # an unreadable stream is the finding; a broken limit ends the reading
            if limit_in(error) is not None:
                raise PdfLimit(f"{where} cannot be read: it {explain(error)}") from None
            problems.append(f"{where} cannot be read: it {explain(error)}")
            continue
        if len(data) > MAX_EMBEDDED_BYTES:
            raise limit_error(f"embeds a file, {name!r}, of {len(data)} bytes",
                              f"{MAX_EMBEDDED_BYTES // MIB} MiB per embedded file")
        if "/F" not in spec or "/UF" not in spec:
            problems.append(f"{where} lacks /F or /UF in its file specification")
        elif str(spec["/UF"]) != name:
            problems.append(f"{where} is called {str(spec['/UF'])!r} by its /UF")
        if "/AFRelationship" not in spec:
            problems.append(f"{where} has no /AFRelationship")
        reference = getattr(spec, "indirect_reference", None)
        if reference is None or reference.idnum not in associated:
            problems.append(f"{where} is not listed in the catalog's /AF")
        mime = str(entry.subtype or "").removeprefix("/")
        if not _MIME.fullmatch(mime):
            problems.append(f"{where} has /Subtype {mime!r}, not a MIME type")
        if entry.size != len(data):
            problems.append(f"{where} holds {len(data)} bytes but /Params /Size says {entry.size}")
        if entry.checksum is not None and entry.checksum.original_bytes != hashlib.md5(data).digest():
            problems.append(f"{where} does not match its /Params /CheckSum")
        if entry.modification_date is None:
            problems.append(f"{where} has no /Params /ModDate")
        found.append(EmbeddedFile(name, data, mime, str(entry.associated_file_relationship),
                                  str(entry.description or "")))
    return found, problems
