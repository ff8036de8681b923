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
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import FixityError, UnsafePathError
from .store import (
    archive_lock,
    archive_write,
    forget_intents,
    intents,
    real_path_below,
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
_YEAR = re.compile(r"\d{4}")
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
    damaged: list[str] = field(default_factory=list)


def read_manifest(archive: Path) -> Manifest:
    """Parse the manifest strictly: a line that is not exactly a manifest line is damage."""
    manifest = Manifest()
    path = archive / MANIFEST_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return manifest
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        manifest.damaged.append(f"{path}: byte {error.start} is not UTF-8")
        return manifest
    lines = text.split("\n")  # manifest lines end with LF, and only LF
    if _WELL_FORMED.fullmatch(text):  # every line a manifest line, no path encoded: read at once
        rows = lines[:-1]  # the text ends with a line feed
        relpaths = [row[66:] for row in rows]
        entries = dict(zip(relpaths, (row[:64] for row in rows), strict=True))
        if len(entries) == len(rows):  # else a path is listed twice: said below, with its line
            manifest.entries = entries
            manifest.lines = {relpath: number for number, relpath in enumerate(relpaths, start=1)}
            return manifest
    if lines[-1]:
        manifest.damaged.append(f"{path}: the last line does not end with a line feed")
    else:
        lines.pop()
    for number, line in enumerate(lines, start=1):
        digest, separator, encoded = line[:64], line[64:66], line[66:]
        relpath = decode_path(encoded) if "%" in encoded else encoded
        if separator != "  " or not _DIGEST.fullmatch(digest) or not _is_clean(relpath) or "\r" in line:
            manifest.damaged.append(f"{path}:{number}: not a manifest line '<sha256>  <path>': {line!r}")
        elif relpath in manifest.entries:
            manifest.damaged.append(f"{path}:{number}: {relpath!r} is listed twice")
        else:
            manifest.entries[relpath] = digest
            manifest.lines[relpath] = number
    return manifest


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
        for intent in settled:
            target = archive / intent.relpath
            if intent.relpath and target.is_file():
                if intent.relpath not in hashed:
                    hashed[intent.relpath] = sha256_file(target)
                if hashed[intent.relpath] == intent.sha256:
                    entries[intent.relpath] = intent.sha256
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


@dataclass
class Report:
    """What ``verify`` found: one sentence per problem, each naming its file."""

    files: int
    entries: int
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return self.damaged + self.missing + self.altered + self.unexpected

    def summary(self) -> str:
        return (f"verified {self.files} file(s) against {self.entries} manifest entries: "
                f"{len(self.missing)} missing, {len(self.altered)} altered, "
                f"{len(self.unexpected)} unexpected, {len(self.damaged)} damaged manifest line(s)")


def verify(archive: Path) -> Report:
    """Re-hash every file of the archive against the manifest.

    Settled intents are applied first, under the lock. Hashing runs without the lock,
    so builds are not held up; a file that then disagrees is looked at again under the
    lock, once the intents settled meanwhile are applied, and a write still in flight (its
    intent held by a live writer) is allowed its new bytes, so a concurrent build is never
    reported as damage. An archive with no staging folder beside it has had no writer
    since it was copied: it is read as it is, so a read-only copy can be verified.
    """
    if not archive.is_dir():
        raise FixityError("there is no archive folder here", path=archive,
                          hint="name the archive with --archive (make: ARCHIVE=...)")
    in_use = staging_dir(archive).is_dir()
    if in_use:
        with archive_lock(archive):
            if not read_manifest(archive).damaged:
                add_files(archive, ())
    manifest = read_manifest(archive)
    on_disk, odd = _files(archive)
    suspects = _disagreements(archive, manifest, on_disk)
    if suspects and in_use:
        with archive_lock(archive):
            if not read_manifest(archive).damaged:  # writes that settled while files were hashed
                add_files(archive, ())
            manifest = read_manifest(archive)
            on_disk, odd = _files(archive)
            in_flight: dict[str, set[str]] = {}
            for intent in intents(archive):
                if not intent.settled and intent.relpath:
                    in_flight.setdefault(intent.relpath, set()).add(intent.sha256)
            suspects = _disagreements(archive, manifest, on_disk, sorted(suspects), in_flight)
    report = Report(len(on_disk), len(manifest.entries), damaged=list(manifest.damaged))
    report.unexpected += odd
    for relpath, (kind, digest) in sorted(suspects.items()):
        shown = archive / relpath
        if kind == "missing":
            report.missing.append(f"{shown}: missing; the manifest lists it "
                                  f"(line {manifest.lines[relpath]})")
        elif kind == "unreadable":
            report.altered.append(f"{shown}: cannot be read ({digest}), so its fixity is unknown")
        elif kind == "altered":
            report.altered.append(f"{shown}: altered; its SHA-256 is {digest}, the manifest "
                                  f"says {manifest.entries[relpath]}")
        else:
            report.unexpected.append(f"{shown}: unexpected; the manifest does not list it")
    return report


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
