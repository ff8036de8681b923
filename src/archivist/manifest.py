"""The archive's fixity manifest: the SHA-256 of every file it holds, in BagIt's line form.

``archive/manifest-sha256.txt`` has one line per document file, ``<sha256>  <path>``,
sorted by path: the manifest line of RFC 8493 (2.1.3), with paths relative to the
archive, ``/`` between folders, and ``%``, CR and LF percent-encoded as the RFC says.

The line format is the only part of BagIt it shares: the ``bagit`` package cannot
update a manifest incrementally, under a lock, atomically (docs/design.md).

The manifest is updated from the main process per batch of stored documents
(``build.register``), and a write killed before that update is caught up from its
journal intent (see ``archivist.store``) at the next update or ``verify``.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .errors import FixityError, UnsafePathError
from .inputfile import NotARegularFile, open_regular
from .store import (
    Intent,
    archive_lock,
    archive_write,
    forget_intents,
    intents,
    may_write,
    reading_lock,
    real_path_below,
    require_archive,
    staging_dir,
    sweep_staging,
)

MANIFEST_NAME = "manifest-sha256.txt"
# The archive's files about itself, never listed: the manifest, the placeholder git
# keeps, and the catalog, an index that archivist.catalog can always rebuild (SQLite
# keeps its -wal, -shm or -journal companion beside it while it writes).
BOOKKEEPING = frozenset({MANIFEST_NAME, ".gitkeep", "catalog.sqlite", "catalog.sqlite-wal",
                         "catalog.sqlite-shm", "catalog.sqlite-journal"})
_DIGEST = re.compile(r"[0-9a-f]{64}")
_YEAR = re.compile(r"[0-9]{4}")
_ENCODED = re.compile(r"%(25|0A|0D)")
# Lines that the line-by-line reading below takes as they are: a digest, two spaces, and a
# clean path (``_is_clean``) with nothing percent-encoded.
_CLEAN_NAME = r"(?!\.\.?[/\n])[^/\n\r%\0]+"
_WELL_FORMED = re.compile(rf"(?:[0-9a-f]{{64}}  {_CLEAN_NAME}(?:/{_CLEAN_NAME})*\n)*")


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, read unbuffered: a buffered file object costs a
    document more system calls (fstat, ioctl, lseek) than the reads themselves."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        digest = hashlib.sha256()
        while chunk := os.read(fd, 1 << 18):
            digest.update(chunk)
    finally:
        os.close(fd)
    return digest.hexdigest()


def encode_path(relpath: str) -> str:
    """A relative path as a manifest line writes it (RFC 8493: %, CR and LF percent-encoded)."""
    return relpath.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_path(text: str) -> str:
    return _ENCODED.sub(lambda m: chr(int(m[1], 16)), text)


@dataclass
class Manifest:
    """The manifest as read: path -> digest, the line each came from, and damaged lines."""

    entries: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    damaged: list[str] = field(default_factory=list)  # the first LISTED problems, one sentence each
    damage_found: int = 0  # how many problems were found, listed or not

    LISTED = 100

    def damage(self, problem: str) -> None:
        if len(self.damaged) < self.LISTED:
            self.damaged.append(problem)
        self.damage_found += 1


def read_manifest(archive: Path) -> Manifest:
    """Parse the manifest strictly: a line that is not exactly a manifest line is damage.

    It is read a chunk of lines at a time, keeping its entries and the first problems'
    messages only: a damaged manifest of any size (gigabytes of one line, or of empty ones)
    is read in memory bounded by what it lists, in time bounded by its size.
    """
    manifest = Manifest()
    path = archive / MANIFEST_NAME
    try:
        fd = open_regular(path)
    except FileNotFoundError:
        return manifest
    except NotARegularFile as error:  # a FIFO would hold the reader, and the archive's lock, for ever
        manifest.damage(f"{path}: {error.strerror}, so it cannot be the manifest (restore the "
                        "manifest from a backup)")
        return manifest
    with os.fdopen(fd, "rb") as file:
        number = 0  # the last line read
        for offset, lines in _runs_of_lines(file):
            if lines is None:
                number += 1
                manifest.damage(_too_long(path, number))
                continue
            try:
                text = lines.decode("utf-8")
            except UnicodeDecodeError as error:
                return Manifest(damaged=[f"{path}: byte {offset + error.start} is not UTF-8"], damage_found=1)
            if not text.endswith("\n"):
                manifest.damage(f"{path}: the last line does not end with a line feed")
                text += "\n"
            number = _read_lines(manifest, path, text, number)
    if manifest.damage_found > len(manifest.damaged):
        manifest.damaged.append(f"{path}: {manifest.damage_found - len(manifest.damaged)} more damaged "
                                "line(s), not listed")
    return manifest


_CHUNK = 1 << 20  # what the manifest is read by
_MAX_LINE = 1 << 16  # far longer than any manifest line: a digest, two spaces and a path


def _runs_of_lines(file: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """Where each run of whole lines of ``file`` starts, and its bytes (the file's last line
    may lack its line feed); None for a line longer than _MAX_LINE, passed over unkept."""
    offset, pending, skipping = 0, b"", False
    while True:
        chunk = file.read(_CHUNK)
        end_of_file = not chunk
        if skipping:  # within a line too long to keep: on to its end
            cut = chunk.find(b"\n")
            if cut < 0:
                if end_of_file:
                    return
                offset += len(chunk)
                continue
            offset, chunk, skipping = offset + cut + 1, chunk[cut + 1:], False
        if end_of_file:
            if pending:
                yield offset, pending
            return
        data = pending + chunk
        end = data.rfind(b"\n") + 1
        if end:
            yield offset, data[:end]
        offset, pending = offset + end, data[end:]
        if len(pending) > _MAX_LINE:
            yield offset, None
            offset, pending, skipping = offset + len(pending), b"", True


def _read_lines(manifest: Manifest, path: Path, text: str, number: int) -> int:
    """Enter the lines of ``text``, each ended by a line feed, the first of them line
    ``number + 1`` of the manifest; the number of its last."""
    rows = text.split("\n")[:-1]
    if _WELL_FORMED.fullmatch(text):  # every line a manifest line, no path encoded: read at once
        relpaths = [row[66:] for row in rows]
        entries = dict(zip(relpaths, (row[:64] for row in rows), strict=True))
        # else a path is listed twice: said below, with its line
        if len(entries) == len(rows) and manifest.entries.keys().isdisjoint(entries):
            manifest.entries.update(entries)
            manifest.lines.update(zip(relpaths, range(number + 1, number + len(rows) + 1), strict=True))
            return number + len(rows)
    for line in rows:
        number += 1
        digest, separator, encoded = line[:64], line[64:66], line[66:]
        relpath = decode_path(encoded) if "%" in encoded else encoded
        if len(line) > _MAX_LINE // 4 and len(line.encode()) > _MAX_LINE:  # a character is 1 to 4 bytes
            manifest.damage(_too_long(path, number))
        elif separator != "  " or not _DIGEST.fullmatch(digest) or not _is_clean(relpath) or "\r" in line:
            manifest.damage(f"{path}:{number}: not a manifest line '<sha256>  <path>': {_quoted(line)}")
        elif relpath in manifest.entries:
            manifest.damage(f"{path}:{number}: {relpath!r} is listed twice")
        else:
            manifest.entries[relpath] = digest
            manifest.lines[relpath] = number
    return number


def _too_long(path: Path, number: int) -> str:
    return f"{path}:{number}: not a manifest line: it is longer than {_MAX_LINE} bytes"


def _quoted(line: str) -> str:
    """A damaged line as a message quotes it: the start of a long one, and its length."""
    return repr(line) if len(line) <= _QUOTED else f"{line[:_QUOTED]!r}... ({len(line)} characters)"


_QUOTED = 120


def _is_clean(relpath: str) -> bool:
    """A normalised relative path: not empty or absolute, no empty, '.' or '..' part, no NUL."""
    if not relpath or "\0" in relpath or relpath[0] == "/" or relpath[-1] == "/" or "//" in relpath:
        return False
    return "/." not in "/" + relpath or all(part not in (".", "..") for part in relpath.split("/"))


def _render(entries: dict[str, str]) -> bytes:
    return "".join(f"{entries[p]}  {encode_path(p)}\n" for p in sorted(entries)).encode("utf-8")


def _relpath(archive: Path, root: Path, path: Path) -> str:
    """``path`` relative to the archive, whose real path is ``root``, as the manifest lists it."""
    real, top = real_path_below(archive, root, path), str(root)
    if real.startswith(top + "/"):
        return real[len(top) + 1:]
    if real == top:
        return "."
    raise UnsafePathError("is not inside the archive, so the manifest cannot list it",
                          path=path, hint=f"store it under {archive}")


def add_files(archive: Path, files: Iterable[Path]) -> dict[str, str]:
    """List ``files`` (just stored) in the manifest with their SHA-256, and catch up on intents;
    return what the manifest now lists (relpath -> SHA-256).

    Under the archive lock: read, update, and replace the manifest atomically. Every
    settled intent whose target now holds the intended bytes is applied, so a document
    stored by a build killed before its own update is listed too. A damaged manifest is
    never rewritten: that would erase the evidence ``verify`` must report. Each file is
    hashed once, whether an intent or ``files`` names it (or both, as a build's do).
    """
    with archive_lock(archive):
        sweep_staging(archive)
        manifest = read_manifest(archive)
        if manifest.damaged:
            raise FixityError(
                "the manifest is damaged, so it is not updated: " + manifest.damaged[0],
                path=archive / MANIFEST_NAME,
                hint="run 'archivist verify' and restore the manifest from a backup",
            )
        entries = dict(manifest.entries)
        hashed: dict[str, str] = {}  # relpath -> SHA-256 of the file there now
        settled = [intent for intent in intents(archive) if intent.settled]
        _apply(archive, settled, entries, hashed)
        root = archive.resolve()
        for path in files:
            relpath = _relpath(archive, root, path)
            try:
                entries[relpath] = hashed[relpath] if relpath in hashed else sha256_file(path)
            except FileNotFoundError:  # removed since it was stored (make clean): nothing to list
                entries.pop(relpath, None)
        if entries != manifest.entries:
            archive_write(archive, archive / MANIFEST_NAME, _render(entries), journal=False)
        forget_intents(archive, settled)
    return entries


def _apply(archive: Path, settled: list[Intent], entries: dict[str, str], hashed: dict[str, str]) -> None:
    """List in ``entries`` each file a settled intent names that holds the bytes it names;
    ``hashed`` keeps the SHA-256 of each file read (relpath -> digest)."""
    for intent in settled:
        target = archive / intent.relpath
        if intent.relpath and target.is_file():
            if intent.relpath not in hashed:
                hashed[intent.relpath] = sha256_file(target)
            if hashed[intent.relpath] == intent.sha256:
                entries[intent.relpath] = intent.sha256


@dataclass
class Report:
    """What ``verify`` found: one sentence per problem, each naming its file."""

    files: int
    entries: int
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)
    damage_found: int = 0  # damaged lines, the unlisted ones too

    @property
    def problems(self) -> list[str]:
        return self.damaged + self.missing + self.altered + self.unexpected

    @property
    def found(self) -> int:
        """How many problems there are, the damaged lines past those listed too."""
        return self.damage_found + len(self.missing) + len(self.altered) + len(self.unexpected)

    def summary(self) -> str:
        return (f"verified {self.files} file(s) against {self.entries} manifest entries: "
                f"{len(self.missing)} missing, {len(self.altered)} altered, {len(self.unexpected)} "
                f"unexpected, {self.damage_found} damaged manifest line(s)")


def verify(archive: Path) -> Report:
    """Re-hash every file of the archive against the manifest.

    Settled intents are applied first, under the lock. Hashing runs without the lock,
    so builds are not held up; a file that then disagrees is looked at again under the
    lock, once the intents settled meanwhile are applied, and a write still in flight (its
    intent held by a live writer) is allowed its new bytes, so a concurrent build is never
    reported as damage. An archive with no staging folder beside it has had no writer
    since it was copied: it is read as it is, so a read-only copy can be verified. Where this
    process may not write beside the archive (a read-only mount, another user's archive), the
    settled intents are applied to the manifest as read, and nothing is written.
    """
    require_archive(archive)
    in_use = staging_dir(archive).is_dir()
    writer = in_use and may_write(archive)
    lock = archive_lock if writer else reading_lock
    with lock(archive):
        manifest = _caught_up(archive, writer)
    on_disk, odd = _files(archive)
    suspects = _disagreements(archive, manifest, on_disk)
    if suspects and in_use:
        with lock(archive):
            # The writes in flight are read before the settled ones are applied: no write begins
            # while the lock is held, but one may end, and it is then applied or allowed.
            in_flight: dict[str, set[str]] = {}
            for intent in intents(archive):
                if not intent.settled and intent.relpath:
                    in_flight.setdefault(intent.relpath, set()).add(intent.sha256)
            manifest = _caught_up(archive, writer)  # writes that settled while files were hashed
            on_disk, odd = _files(archive)
            suspects = _disagreements(archive, manifest, on_disk, sorted(suspects), in_flight)
    report = Report(len(on_disk), len(manifest.entries), damaged=list(manifest.damaged),
                    damage_found=manifest.damage_found)
    report.unexpected += odd
    for relpath, (kind, digest) in sorted(suspects.items()):
        shown = archive / relpath
        if kind == "missing":
            line = manifest.lines.get(relpath)  # none for a write the journal lists, not yet applied
            report.missing.append(f"{shown}: missing; the manifest lists it "
                                  + (f"(line {line})" if line else "(a write the journal holds)"))
        elif kind == "unreadable":
            report.altered.append(f"{shown}: cannot be read ({digest}), so its fixity is unknown")
        elif kind == "altered":
            report.altered.append(f"{shown}: altered; its SHA-256 is {digest}, the manifest "
                                  f"says {manifest.entries[relpath]}")
        else:
            report.unexpected.append(f"{shown}: unexpected; the manifest does not list it")
    return report


def _caught_up(archive: Path, writer: bool) -> Manifest:
    """The manifest with the settled intents applied: in its file by a ``writer`` (holding the
    archive's lock), as read by any other process (holding it shared). A damaged manifest is
    left as it is."""
    if writer:
        if not read_manifest(archive).damaged:
            add_files(archive, ())
        return read_manifest(archive)
    manifest = read_manifest(archive)
    if not manifest.damaged:
        _apply(archive, [intent for intent in intents(archive) if intent.settled], manifest.entries, {})
    return manifest


def _files(archive: Path) -> tuple[set[str], list[str]]:
    """Relative paths of the archive's regular files, and a sentence per symbolic link."""
    found: set[str] = set()
    odd: list[str] = []
    for folder, dirs, names in os.walk(archive):  # never follows a symbolic link
        for name in sorted(dirs + names):
            path = Path(folder, name)
            relpath = path.relative_to(archive).as_posix()
            if path.is_symlink():
                odd.append(f"{path}: unexpected; a symbolic link, and the archive holds only files")
            elif name in dirs:
                if "/" in relpath or not _YEAR.fullmatch(name):
                    odd.append(f"{path}: unexpected; a folder, and the archive holds only year "
                               "folders (YYYY) of documents")
            elif relpath in BOOKKEEPING:
                continue
            elif path.is_file():
                found.add(relpath)
            else:
                odd.append(f"{path}: unexpected; not a regular file")
    return found, odd


def _disagreements(archive: Path, manifest: Manifest, on_disk: set[str],
                   only: list[str] | None = None,
                   in_flight: dict[str, set[str]] | None = None) -> dict[str, tuple[str, str]]:
    """relpath -> ("missing" | "altered" | "unexpected", digest found) for each disagreement."""
    found: dict[str, tuple[str, str]] = {}
    for relpath in only if only is not None else sorted(on_disk | set(manifest.entries)):
        allowed = (in_flight or {}).get(relpath, set())
        if relpath not in on_disk:
            if relpath in manifest.entries:
                found[relpath] = ("missing", "")
            continue
        try:
            digest = sha256_file(archive / relpath)
        except OSError as error:  # unreadable (permissions, an I/O error): reported, never a crash
            found[relpath] = ("unreadable", error.strerror or str(error))
            continue
        if digest in allowed:
            continue
        if relpath not in manifest.entries:
            found[relpath] = ("unexpected", digest)
        elif digest != manifest.entries[relpath]:
            found[relpath] = ("altered", digest)
    return found
