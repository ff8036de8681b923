"""The archive's catalog, ``archive/catalog.sqlite``: one row per document and a full-text index.

The catalog is an index, not archival content. ``build`` updates it per batch of
stored PDFs; ``rebuild`` makes it again from the PDFs alone (their XMP, their embedded
source or their page text), so losing or corrupting it never loses anything.

SQLite in WAL mode: readers never block the writer, and every update is one transaction,
made under the archive's lock: one writer at a time, whichever command it is. SQLite's own
busy timeout does not cover every moment (two processes making the file at once, one
switching it to WAL, got "database is locked" at once); a reader still waits on it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import re
import sqlite3
import stat
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyphen
from pypdf import PdfReader

from .article import Article, parse_article
from .dublincore import DC_NAMESPACE
from .embedded import read_embedded
from .errors import ArchiveReadError, ArchivistError, StorageError, UsageError
from .inputfile import kind_of
from .pagetext import page_text, visible
from .pdfread import ContentBudget, PdfLimit, bounded, explain, read_pdf
from .profile import Profile
from .record import Record
from .store import archive_lock, archived_pdfs, reading_lock, require_archive, staging_dir
from .typography import hyphenation_language

CATALOG_NAME = "catalog.sqlite"
SCHEMA_VERSION = 1
# SQLite's FTS5 takes time that grows with the square of the number of query terms
# (100,000 words ran for minutes); a person's search is a few words.
MAX_QUERY_WORDS = 64
MAX_QUERY_CHARS = 4096
BUSY_TIMEOUT = 60.0  # seconds a writer waits for another before giving up
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PDFAID = "http://www.aiim.org/pdfa/ns/id/"
PDFUAID = "http://www.aiim.org/pdfua/ns/id/"

_SCHEMA = ("""
CREATE TABLE documents (
    stem TEXT PRIMARY KEY,      -- the name it is archived under: 2021-07-x for x.txt
    identifier TEXT,
    date TEXT NOT NULL,
    title TEXT NOT NULL,
    language TEXT NOT NULL,
    creators TEXT NOT NULL,     -- JSON array, in the record's order
    subjects TEXT NOT NULL,     -- JSON array, in the record's order
    description TEXT NOT NULL,
    path TEXT NOT NULL,         -- relative to the archive: 2021/STEM.pdf
    pages INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    profile TEXT NOT NULL
)""", """
CREATE VIRTUAL TABLE search USING fts5(
    title, description, subjects, body, tokenize = 'unicode61 remove_diacritics 2'
)""", f"PRAGMA user_version = {SCHEMA_VERSION}")
_COLUMNS = ("stem", "identifier", "date", "title", "language", "creators", "subjects",
            "description", "path", "pages", "sha256", "profile")


@dataclass(frozen=True)
class Document:
    """What the catalog knows of one archived PDF."""

    stem: str
    identifier: str | None
    date: str
    title: str
    language: str
    creators: tuple[str, ...]
    subjects: tuple[str, ...]
    description: str
    path: str  # relative to the archive, with '/': 2021/STEM.pdf
    pages: int
    sha256: str
    profile: str
    body: str = ""  # indexed, never stored in the documents table


def document_for(article: Article, record: Record, path: str, pages: int, sha256: str,
                 profile: Profile) -> Document:
    """The catalog entry of a document just built, from its inputs: no PDF is read again."""
    return Document(
        stem=Path(path).stem, identifier=record.identifier, date=record.date, title=record.title,
        language=record.language, creators=record.texts("creator"), subjects=record.texts("subject"),
        description=record.lang_text("description") if "description" in record.values else "",
        path=path, pages=pages, sha256=sha256, profile=profile.name, body=article.text,
    )


# -- the database ------------------------------------------------------------------------


@contextlib.contextmanager
def _writing(archive: Path) -> Iterator[None]:
    """The archive's lock, for a writer of its catalog. Refused, making nothing, when there is
    no archive folder (the lock's folder is made beside it); not taken where that folder
    cannot be made (the folder holding the archive cannot be written): no other writer can be
    at work there, since each makes that folder first."""
    require_archive(archive)
    staging = staging_dir(archive)
    if not staging.is_dir() and not os.access(staging.parent, os.W_OK | os.X_OK):
        yield
        return
    with archive_lock(archive):
        yield


@contextlib.contextmanager
def _connect(archive: Path, *, create: bool) -> Iterator[sqlite3.Connection]:
    """A connection in autocommit mode (transactions are explicit), closed on the way out."""
    require_archive(archive)
    path = archive / CATALOG_NAME
    _require_file(path)
    if not create and not path.exists():
        raise ArchiveReadError("the archive has no catalog yet", path=path,
                               hint="run 'make' or 'archivist catalog --rebuild'")
    if not create and path.stat().st_size == 0:  # SQLite would take it for an empty database
        raise ArchiveReadError("the catalog is an empty file, not a catalog", path=path,
                               hint="run 'archivist catalog --rebuild' to make it again")
    # A process that may write opens the catalog as a writer does, even to read it: its last
    # connection's close folds the -wal file into the catalog and removes it and the -shm.
    writable = create or (os.access(archive, os.W_OK | os.X_OK) and os.access(path, os.W_OK))
    with contextlib.ExitStack() as held:
        if writable:
            try:
                connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT)
            except sqlite3.Error as error:
                raise StorageError(f"cannot open the catalog: {error}", path=path) from None
            held.callback(connection.close)
        try:
            if writable:
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("PRAGMA synchronous = NORMAL")
            else:
                connection = _open_to_read(archive, path, held)
            connection.create_function("casefold", 1, _casefold, deterministic=True)
            yield connection
        except sqlite3.Error as error:
            raise ArchiveReadError(f"catalog error: {error}", path=path,
                                   hint="run 'archivist catalog --rebuild' to make it again") from None


# What SQLite says of a catalog in WAL mode whose -shm it cannot make: a read-only mount, a
# folder this user may not write.
_NO_SHARED_MEMORY = {sqlite3.SQLITE_CANTOPEN, getattr(sqlite3, "SQLITE_READONLY_DIRECTORY", 1544)}


def _open_to_read(archive: Path, path: Path, held: contextlib.ExitStack) -> sqlite3.Connection:
    """A connection that never writes, for a process that may only read the catalog (a
    read-only mount, another user's archive).

    A reader of a catalog in WAL mode makes the catalog's -shm file when no other connection
    has. When it cannot, no connection is open and the catalog's file is whole: it is read as
    immutable, under the archive's lock shared, so that no writer begins meanwhile; unless a
    writer stopped without folding its -wal file into the catalog, whose changes only a
    process that may write can apply.
    """
    if not os.access(path, os.R_OK):
        raise StorageError("cannot open the catalog: this user may not read it", path=path,
                           hint="ask the archive's owner to let this user read the archive")
    uri = path.absolute().as_uri()  # percent-encoded: a '#' or '?' would end the path

    def shared() -> sqlite3.Connection | None:
        """A connection through the catalog's -shm; None when there is none and none can be made."""
        connection = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, timeout=BUSY_TIMEOUT)
        held.callback(connection.close)
        try:
            connection.execute("PRAGMA schema_version").fetchone()  # the file is opened here
            return connection
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode not in _NO_SHARED_MEMORY:
                raise
        return None

    connection = shared()
    if connection is not None:
        return connection
    held.enter_context(reading_lock(archive))
    connection = shared()  # a writer may have come and gone, leaving a -shm to read through
    if connection is not None:
        return connection
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        raise ArchiveReadError(
            "the catalog's last changes, in catalog.sqlite-wal, can only be read by a process "
            "that may write beside the catalog", path=path,
            hint="run 'archivist catalog' once as a user who may write to the archive")
    connection = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)
    held.callback(connection.close)
    return connection


def _casefold(text: str | None) -> str | None:
    return text.casefold() if text is not None else None


def _ensure_schema(connection: sqlite3.Connection, path: Path, *, create: bool = True) -> None:
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version == 0 and not create:  # a reader never writes a schema into what it was given
        raise ArchiveReadError("the catalog holds no catalog tables", path=path,
                               hint="run 'archivist catalog --rebuild' to make it again")
    if version == 0:  # a new file: each statement runs inside the caller's transaction
        for statement in _SCHEMA:
            connection.execute(statement)
    elif version != SCHEMA_VERSION:
        raise ArchiveReadError(f"the catalog has schema version {version}, this archivist reads "
                               f"{SCHEMA_VERSION}", path=path, hint="run 'archivist catalog --rebuild'")


_UPSERT = (f"INSERT INTO documents ({', '.join(_COLUMNS)}) VALUES ({', '.join(':' + c for c in _COLUMNS)}) "
           f"ON CONFLICT (stem) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _COLUMNS[1:])}")


def _insert(connection: sqlite3.Connection, document: Document) -> None:
    row = {column: getattr(document, column) for column in _COLUMNS}  # asdict() deep-copies every field
    row["creators"] = json.dumps(document.creators, ensure_ascii=False)
    row["subjects"] = json.dumps(document.subjects, ensure_ascii=False)
    connection.execute(_UPSERT, row)
    (rowid,) = connection.execute("SELECT rowid FROM documents WHERE stem = ?", (document.stem,)).fetchone()
    connection.execute("DELETE FROM search WHERE rowid = ?", (rowid,))
    # Indexed as a page shows it: a soft hyphen or a zero-width space inside a word would
    # cut it in two for the index, where the page (and a catalog rebuilt from it) shows one.
    connection.execute(
        "INSERT INTO search (rowid, title, description, subjects, body) VALUES (?, ?, ?, ?, ?)",
        (rowid, *map(visible, (document.title, document.description, "\n".join(document.subjects),
                               document.body))))


def put(archive: Path, documents: Iterable[Document]) -> None:
    """Add or replace documents, in one transaction: one commit per batch, not per document."""
    with _writing(archive), _connect(archive, create=True) as connection:
        connection.execute("BEGIN IMMEDIATE")
        _ensure_schema(connection, archive / CATALOG_NAME)
        for document in documents:
            _insert(connection, document)
        connection.execute("COMMIT")


# -- queries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Narrow a listing or a search: a date range (W3C dates, inclusive), a language, a subject."""

    date_from: str | None = None
    date_to: str | None = None
    language: str | None = None
    subject: str | None = None

    def where(self) -> tuple[str, dict[str, str]]:
        """SQL conditions on ``documents d``; a month or year matches when its period overlaps."""
        clauses, values = [], {}
        for key, op in (("date_from", ">="), ("date_to", "<=")):
            bound = getattr(self, key)
            if bound is not None:
                n = f"min(length(substr(d.date, 1, 10)), length(:{key}))"
                clauses.append(f"substr(d.date, 1, {n}) {op} substr(:{key}, 1, {n})")
                values[key] = bound
        if self.language is not None:
            # compared as text, never as a LIKE pattern: '%' and '_' in a tag are not wildcards
            clauses.append("(lower(d.language) = lower(:language) OR lower(substr(d.language, 1, "
                           "length(:language) + 1)) = lower(:language) || '-')")
            values["language"] = self.language
        if self.subject is not None:
            clauses.append("EXISTS (SELECT 1 FROM json_each(d.subjects) s"
                           " WHERE casefold(s.value) = casefold(:subject))")
            values["subject"] = self.subject
        return " AND ".join(clauses) or "1", values


def _documents(rows: list[sqlite3.Row], path: Path) -> list[Document]:
    try:
        return [Document(**{**dict(row), "creators": tuple(json.loads(row["creators"])),
                            "subjects": tuple(json.loads(row["subjects"]))}) for row in rows]
    except (ValueError, TypeError, RecursionError) as error:  # a row written by hand, or damaged
        raise ArchiveReadError(f"the catalog holds a damaged row: {error}", path=path,
                               hint="run 'archivist catalog --rebuild' to make it again") from None


def list_documents(archive: Path, filters: Filters) -> list[Document]:
    """Documents matching ``filters``, in date order."""
    where, values = filters.where()
    with _connect(archive, create=False) as connection:
        _ensure_schema(connection, archive / CATALOG_NAME, create=False)
        connection.row_factory = sqlite3.Row
        rows = connection.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM documents d WHERE {where} ORDER BY d.date, d.stem",
            values).fetchall()
    return _documents(rows, archive / CATALOG_NAME)


def fts_query(text: str) -> str:
    """The words of ``text`` as an FTS5 query that needs them all; 'word*' is a prefix.

    Each word is quoted, so punctuation in what a person types is never FTS5 syntax; one
    without a letter or digit ('*', '-', '"') is no word the index holds, and is left out.
    """
    terms = []
    for word in text.split():
        prefix = word.endswith("*") and len(word) > 1
        core = word.rstrip("*") if prefix else word
        if not any(char.isalnum() for char in core):
            continue
        terms.append('"' + core.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " ".join(terms)


def search(archive: Path, text: str, filters: Filters) -> list[Document]:
    """Documents whose title, description, subjects or body hold every word of ``text``, best first."""
    words = text.split()
    if len(words) > MAX_QUERY_WORDS or len(text) > MAX_QUERY_CHARS:
        raise UsageError(
            f"the search has {len(words)} words and {len(text)} characters, more than the "
            f"{MAX_QUERY_WORDS} words or {MAX_QUERY_CHARS} characters a search takes",
            hint="search with a few distinctive words; every word must match")
    query = fts_query(visible(text))
    if not query:
        raise UsageError("the search has no words", hint="archivist search 'Lamorgese'")
    where, values = filters.where()
    with _connect(archive, create=False) as connection:
        _ensure_schema(connection, archive / CATALOG_NAME, create=False)
        connection.row_factory = sqlite3.Row
        rows = connection.execute(
            f"SELECT {', '.join('d.' + c for c in _COLUMNS)} FROM search"
            " JOIN documents d ON d.rowid = search.rowid"
            f" WHERE search MATCH :query AND {where}"
            " ORDER BY bm25(search), d.date, d.stem", {**values, "query": query}).fetchall()
    return _documents(rows, archive / CATALOG_NAME)


# -- rebuilding from the archive alone -----------------------------------------------------


def rebuild(archive: Path, read: Callable[[Path, int], None] | None = None
            ) -> tuple[int, list[ArchiveReadError]]:
    """Make the catalog again from every PDF in the archive; the PDFs that cannot be read are returned.

    Done in one transaction on the existing file: a process reading the catalog at the
    same time sees the old catalog or the new one, never a mixture. The PDFs are read under
    the archive's lock too, so that no build stores one meanwhile that the new catalog
    would leave out. ``read(pdf, total)`` is told of each PDF as it comes to be read, for progress.
    """
    documents, failures = [], []
    path = archive / CATALOG_NAME
    with _writing(archive):
        require_file(archive)  # before every PDF is read for it
        pdfs = archived_pdfs(archive)
        for pdf in pdfs:
            if read is not None:
                read(pdf, len(pdfs))
            try:
                documents.append(read_document(archive, pdf))
            except ArchiveReadError as error:
                failures.append(error)
            except Exception as error:  # one damaged file never stops the others
                failures.append(ArchiveReadError(f"cannot be read: it {explain(error)}", path=pdf))
        if path.exists() and not _is_database(path):  # nothing in it can be kept
            for name in (CATALOG_NAME, *(CATALOG_NAME + end for end in ("-wal", "-shm", "-journal"))):
                (archive / name).unlink(missing_ok=True)
        with _connect(archive, create=True) as connection:
            connection.execute("BEGIN IMMEDIATE")
            for statement in ("DROP TABLE IF EXISTS documents", "DROP TABLE IF EXISTS search",
                              "PRAGMA user_version = 0"):
                connection.execute(statement)
            _ensure_schema(connection, path)
            for document in documents:
                _insert(connection, document)
            connection.execute("COMMIT")
    return len(documents), failures


def _held_pdfs(archive: Path, relpaths: Iterable[str]) -> tuple[set[str], set[str]]:
    """Which of ``relpaths`` (``YYYY/name.pdf``) the archive holds as files, and which it
    cannot tell of: those in a year folder that is a symbolic link (whose files are no part
    of the archive, so a rebuild leaves them out, but may have been built there before the
    link came; verify names the link), or that this user may not read. Their rows are
    neither dropped nor added. One listing per year folder rather than a look-up per
    document (ten thousand on a large archive). Only year folders are listed, so a stray
    folder costs nothing and a crafted ``../x.pdf`` names nothing."""
    held: set[str] = set()
    unseen: set[str] = set()
    by_year: dict[str, list[str]] = {}
    for relpath in relpaths:
        by_year.setdefault(relpath.partition("/")[0], []).append(relpath)
    for year, in_year in sorted(by_year.items()):
        if not _YEAR_FOLDER.fullmatch(year):
            continue
        try:
            fd = os.open(archive / year, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError as error:
            if os.path.islink(archive / year) or error.errno in (errno.EACCES, errno.EPERM):
                unseen.update(in_year)
            elif error.errno not in (errno.ENOENT, errno.ENOTDIR):
                raise
            continue
        try:
            with os.scandir(fd) as files:
                held.update(f"{year}/{file.name}" for file in files
                            if file.name.endswith(".pdf") and file.is_file(follow_symlinks=False))
        finally:
            os.close(fd)
    return held, unseen


_YEAR_FOLDER = re.compile(r"[0-9]{4}")


def reconcile(archive: Path, listed: dict[str, str]) -> list[str]:
    """Bring the catalog in line with the PDFs the manifest lists (relpath -> sha256).

    A row whose PDF is gone is dropped; a listed PDF with no row, or whose row holds another
    SHA-256, is read again from the PDF. So whatever order builds, repairs and 'make clean'
    happened in, the catalog ends up saying what the archive holds. A row whose PDF is there
    but not listed stays as it is: the manifest may be the one at fault (lost, or restored
    from an older backup), and verify reports the file. Returns one sentence per repair; a
    PDF that cannot be read is left out and said so.
    """
    wanted = {relpath: digest for relpath, digest in listed.items()
              if relpath.endswith(".pdf") and relpath.count("/") == 1}
    if not wanted and not (archive / CATALOG_NAME).exists():
        return []
    with _writing(archive):
        return _reconcile(archive, wanted)


def _reconcile(archive: Path, wanted: dict[str, str]) -> list[str]:
    """``reconcile`` under the archive's lock."""
    path = archive / CATALOG_NAME
    if path.exists() and not _is_database(path):
        rebuild(archive)
        return [f"{path}: was not a database; rebuilt from the PDFs"]
    repairs: list[str] = []
    with _connect(archive, create=True) as connection:
        connection.execute("BEGIN IMMEDIATE")
        _ensure_schema(connection, path)
        rows = dict(connection.execute("SELECT path, sha256 FROM documents").fetchall())
        held, unseen = _held_pdfs(archive, [*rows, *wanted])
        # Only the rows to repair are sorted (for the order of the repairs said): on a large
        # archive that is none or a few, where sorting every row costs milliseconds.
        for relpath in sorted(rows.keys() - held - unseen):
            _delete(connection, relpath)
            repairs.append(f"{archive / relpath}: dropped from the catalog; the archive "
                           "no longer holds it")
        for relpath in sorted(relpath for relpath, digest in wanted.items()
                              if rows.get(relpath) != digest and relpath in held):
            _delete(connection, relpath)
            try:
                _insert(connection, read_document(archive, archive / relpath))
            except ArchiveReadError as error:
                repairs.append(f"{error}; left out of the catalog")
                continue
            repairs.append(f"{archive / relpath}: catalog entry "
                           + ("updated from the PDF" if relpath in rows else "added from the PDF"))
        connection.execute("COMMIT")
    return repairs


def _delete(connection: sqlite3.Connection, relpath: str) -> None:
    for (rowid,) in connection.execute("SELECT rowid FROM documents WHERE path = ?", (relpath,)).fetchall():
        connection.execute("DELETE FROM search WHERE rowid = ?", (rowid,))
        connection.execute("DELETE FROM documents WHERE rowid = ?", (rowid,))


def _is_database(path: Path) -> bool:
    _require_file(path)
    uri = f"{path.absolute().as_uri()}?mode=ro"  # percent-encoded: a '#' or '?' would end the path
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
            connection.execute("PRAGMA schema_version").fetchone()
        return True
    except sqlite3.DatabaseError:
        return False


def require_file(archive: Path) -> None:
    """Refuse the archive's catalog when it is there as anything but a plain file."""
    _require_file(archive / CATALOG_NAME)


def _require_file(path: Path) -> None:
    """A catalog that is anything but a plain file is refused before SQLite opens it: SQLite
    would wait for ever on a FIFO, fail on a folder, and write wherever a link leads."""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):  # no catalog there (the archive may be no folder)
        return
    if not stat.S_ISREG(mode):
        raise ArchiveReadError(f"the catalog is {kind_of(mode)}, "
                               "not a file", path=path,
                               hint="remove it, then run 'archivist catalog --rebuild' to make it again")


def read_document(archive: Path, pdf: Path) -> Document:
    """A catalog entry from the PDF alone: its XMP, its PDF/A claim, and its text."""
    data = read_pdf(pdf)
    try:
        with bounded():
            reader = PdfReader(io.BytesIO(data), strict=False)
            xmp = _xmp_values(reader)
            language = xmp[(DC_NAMESPACE, "language")][0][1]
            title = _lang_alt(xmp[(DC_NAMESPACE, "title")])
            date = xmp[(DC_NAMESPACE, "date")][0][1]
            ua = xmp.get((PDFUAID, "part"))
            level = xmp.get((PDFAID, "conformance"), [("", "")])[0][1]
            profile = Profile.parse(xmp[(PDFAID, "part")][0][1] + level + (f"+ua{ua[0][1]}" if ua else ""))
            body = _body(reader, title, language)
            pages = len(reader.pages)
    except PdfLimit as error:
        raise PdfLimit(error.message, path=pdf, hint=error.hint) from None
    except (KeyError, IndexError) as error:
        raise ArchiveReadError(f"lacks the XMP a catalog entry needs ({error})", path=pdf,
                               hint="rebuild it with 'make'") from None
    except ArchivistError as error:  # an unknown PDF/A claim, an embedded article unreadable
        raise ArchiveReadError(f"cannot be catalogued: {error}", path=pdf,
                               hint="rebuild it with 'make'") from None
    except Exception as error:  # pypdf and ElementTree raise many kinds on a damaged file
        raise ArchiveReadError(f"cannot be read as an archived PDF: it {explain(error)}", path=pdf,
                               hint="restore it from a copy that passes 'archivist check'") from None

    def items(name: str) -> tuple[str, ...]:
        return tuple(text for _, text in xmp.get((DC_NAMESPACE, name), ()))

    identifier = items("identifier")
    description = xmp.get((DC_NAMESPACE, "description"))
    return Document(
        stem=pdf.stem, identifier=identifier[0] if identifier else None, date=date, title=title,
        language=language, creators=items("creator"), subjects=items("subject"),
        description=_lang_alt(description) if description else "",
        path=pdf.relative_to(archive).as_posix(), pages=pages,
        sha256=hashlib.sha256(data).hexdigest(), profile=profile.name, body=body,
    )


def _xmp_values(reader: PdfReader) -> dict[tuple[str, str], list[tuple[str | None, str]]]:
    """Every XMP property as (namespace, name) -> [(xml:lang, text), ...]."""
    root = ET.fromstring(reader.trailer["/Root"]["/Metadata"].get_object().get_data())
    values: dict[tuple[str, str], list[tuple[str | None, str]]] = {}
    for description in root.iter(f"{{{RDF}}}Description"):
        for prop in description:
            namespace, _, name = prop.tag[1:].partition("}")
            items = prop.findall(f"./*/{{{RDF}}}li")
            values[(namespace, name)] = ([(li.get(XML_LANG), li.text or "") for li in items]
                                         or [(None, prop.text or "")])
    return values


def _lang_alt(items: list[tuple[str | None, str]]) -> str:
    """The x-default text: the writer puts the document language's text there."""
    return next((text for lang, text in items if lang == "x-default"), items[0][1])


def _body(reader: PdfReader, title: str, language: str) -> str:
    """The article's text: its embedded source when the PDF carries one, else its pages."""
    files, _ = read_embedded(reader)
    for item in files:
        if item.relationship == "/Source":
            return parse_article(item.data, Path(item.name)).text
    return body_from_pages(reader, title, language)


def body_from_pages(reader: PdfReader, title: str, language: str) -> str:
    """The body as the pages show it, without title, dateline and footers, hyphenation undone.

    The pages are read as the checker reads them, the reading it proved equal to the article.
    """
    lines: list[str] = []
    budget = ContentBudget()
    for number, page in enumerate(reader.pages):
        page_lines = [line for line in page_text(page, budget).splitlines() if line.strip()][:-1]
        if number == 0:  # the title's lines (a word longer than a line is cut), then the dateline
            seen, wanted = 0, len("".join(title.split()))
            while page_lines and seen < wanted:
                seen += len("".join(page_lines.pop(0).split()))
            page_lines = page_lines[1:]
        lines += page_lines
    if any(line.endswith((" ", SOFT_HYPHEN)) for line in lines):
        return " ".join(_join_lines(lines).split())
    return " ".join(dehyphenate(lines, language))


def _join_lines(lines: list[str]) -> str:
    """Lines as a tagged file draws them: a line that ends between words ends with its space,
    one hyphenated by the typesetter with a soft hyphen (ISO 32000-1, 14.8.2.2.3), and one
    cut inside a word (after its own hyphen, a slash) with neither."""
    return "".join(line[:-1] if line.endswith(SOFT_HYPHEN) else line for line in lines)


def dehyphenate(lines: list[str], language: str) -> list[str]:
    """The words of ``lines``, each word the typesetter hyphenated at a line end made whole again.

    The typesetter breaks a word where the language's hyphenation dictionary allows and
    adds a hyphen, or breaks a hyphenated word at its own hyphen. The page shows both
    alike ('coopé-' / 'ration', 'Rabat-' / 'Salé'); the same dictionary, the other
    occurrences of the word in the text, then the case of the second part tell them apart.
    """
    dictionary = hyphenation_language(language)
    hyphenator = pyphen.Pyphen(lang=dictionary) if dictionary else None
    rows = [line.split() for line in lines]
    seen = {_strip(word).casefold() for row in rows for word in row}
    words: list[str] = []
    for row in rows:
        if (hyphenator and words and row and len(words[-1]) > 1 and words[-1].endswith("-")
                and _soft_break(hyphenator, words[-1], row[0], seen)):
            words[-1] = words[-1][:-1] + row[0]
            row = row[1:]
        words += row
    return words


SOFT_HYPHEN = "\u00ad"
_LEADING = "'\"([{¿‘‚“„«"
_TRAILING = "]'\")}?!.,;:’‛”‟»"


def _strip(word: str) -> str:
    return word.lstrip(_LEADING).rstrip(_TRAILING)


def _soft_break(hyphenator: pyphen.Pyphen, head: str, tail: str, seen: set[str]) -> bool:
    """Whether ``head`` ends with a hyphen the typesetter added inside the word ``head + tail``."""
    start, end = head.lstrip(_LEADING), tail.rstrip(_TRAILING)
    joined, hyphenated = start[:-1] + end, start + end
    if len(start) - 1 not in hyphenator.positions(joined):
        return False  # the dictionary never breaks the joined word there: the hyphen is the word's
    if len(start) not in hyphenator.positions(hyphenated):
        return True  # nor would it break the hyphenated word there: the hyphen was added
    if joined.casefold() in seen or hyphenated.casefold() in seen:
        return joined.casefold() in seen
    return not end[:1].isupper()  # 'Rabat-' / 'Salé': a capital starts a part of a compound
