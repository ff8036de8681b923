"""Where documents live in the archive, and how they get there without ever being half-written.

Writing into the archive (``archive_write``)
--------------------------------------------
Nothing temporary is ever visible under the archive, whenever the writer dies. Each
file is written into a *staging folder beside the archive* (``.archive.staging`` next
to ``archive``; it must be on the same file system), fsynced, and renamed over its
target: rename(2) swaps the name in one step, so a reader, or a SIGKILL, sees the
previous copy or the new one, and a failed write leaves the previous copy alone.

* A writer creates its staging file and flock()s it while holding the archive lock
  (``archive_lock``), and keeps that flock until it is done. A staging file nobody
  holds a flock on therefore belongs to a dead writer: ``sweep_staging`` removes those,
  under the same lock, without guessing from ages or process ids.
* Before the rename, a journaled write leaves an *intent* in the staging folder: the
  target's path and the SHA-256 of its new bytes. The manifest (``archivist.manifest``)
  applies intents when it is next updated, so a writer killed between storing a file
  and recording it in the manifest can never leave the manifest silently wrong.

Files written elsewhere (``archivist extract`` into a user's folder) use ``atomic_write``.
The designs this replaced are in docs/design.md.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import StorageError, UnsafePathError
from .w3cdate import check_w3c_date

# A stem starts with the article's date so that listings sort chronologically.
STEM = re.compile(r"(?P<date>\d{4}(?:-\d{2}){0,2})(?:-[A-Za-z0-9][A-Za-z0-9._-]*)?")
TEMP_PREFIX = ".tmp-"
STAGING_SUFFIX = ".staging"
LOCK_NAME = "lock"
PART, INTENT = ".part", ".intent"


def check_stem(stem: str, where: Path | None = None) -> str:
    """Refuse names that do not start with a date or that could leave the archive."""
    if "\0" in stem or "/" in stem or "\\" in stem or stem.startswith(".") or ".." in stem:
        raise UnsafePathError(f"the name {stem!r} could write outside the archive", path=where,
                              hint="name articles like 2021-07-some-slug.txt")
    match = STEM.fullmatch(stem)
    if not match:
        raise UnsafePathError(
            f"the name {stem!r} does not start with the article's date", path=where,
            hint="rename the article and its record to e.g. 2021-07-some-slug.txt / .yaml",
        )
    problem = check_w3c_date(match["date"])
    if problem:
        raise UnsafePathError(
            f"the name {stem!r} starts with {match['date']!r}, a date that {problem}", path=where,
            hint="rename the article and its record to start with the article's real date",
        )
    return stem


def leading_date(stem: str) -> str:
    """The date a valid stem starts with: '2021-07' of '2021-07-laftit'."""
    match = STEM.fullmatch(stem)
    assert match, stem
    return match["date"]


def document_path(archive: Path, stem: str, suffix: str = ".pdf") -> Path:
    """archive/YYYY/STEM.pdf: one folder per year, names that sort by date."""
    check_stem(stem)
    return archive / stem[:4] / f"{stem}{suffix}"


def atomic_write(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, fsync, then rename over the target.

    For files outside the archive (``archivist extract``): a crash at any moment leaves
    either the previous file or the new one, never a mixture, and a failed write never
    removes the previous good copy; a SIGKILL may leave a ``.tmp-`` file beside it.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    except OSError as error:
        raise _storage_error(error, path) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
        _fsync_dir(path.parent)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise _storage_error(error, path) from None


def staging_dir(archive: Path) -> Path:
    """The staging folder beside the archive: ``.archive.staging`` for ``archive``."""
    real = archive.resolve()
    if real.parent == real:
        raise UnsafePathError("the archive cannot be the root of the file system", path=archive,
                              hint="use a folder such as /srv/archive")
    return real.parent / f".{real.name}{STAGING_SUFFIX}"


_held: dict[Path, int] = {}  # staging folder -> descriptor of the lock this process holds


def _forget_locks_in_child() -> None:
    """A forked child (a pool worker) holds no lock: its inherited descriptor would keep the
    parent's flock alive after the parent let go, and the next taker would wait forever."""
    for fd in _held.values():
        os.close(fd)
    _held.clear()


os.register_at_fork(after_in_child=_forget_locks_in_child)


@contextlib.contextmanager
def archive_lock(archive: Path) -> Iterator[None]:
    """Hold the archive's lock: one writer of the shared files (manifest, catalog) at a time.

    An exclusive flock(2) on ``.archive.staging/lock``, beside the archive: it is released
    by the kernel when its holder dies, even by SIGKILL, so a crash never leaves the
    archive locked. Re-entrant within a process; processes (make -j, two makes) queue.
    """
    staging = staging_dir(archive)
    if staging in _held:  # already held by an enclosing call in this process
        yield
        return
    try:
        staging.mkdir(exist_ok=True)
        fd = os.open(staging / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise StorageError(
            f"cannot create the archive's staging folder: {error.strerror}", path=staging,
            hint="the folder that holds the archive must be writable: files are written there "
            "first so that nothing half-written is ever inside the archive",
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _held[staging] = fd
        yield
    finally:
        _held.pop(staging, None)
        os.close(fd)  # closing releases the flock


def create_staged(archive: Path, suffix: str, prefix: str = "") -> tuple[int, Path]:
    """A new file in the staging folder, open for writing and flock()ed from its first moment."""
    with archive_lock(archive):
        path = staging_dir(archive) / f"{prefix}{secrets.token_hex(12)}{suffix}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd, path


def _abandoned(path: Path) -> bool:
    """True when no process holds a flock on the staging file: its writer has finished or died."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def sweep_staging(archive: Path) -> int:
    """Remove the half-written files of writers that died; return how many there were."""
    staging = staging_dir(archive)
    if not staging.is_dir():
        return 0
    removed = 0
    with archive_lock(archive):
        for path in staging.glob(f"*{PART}"):
            if _abandoned(path):
                path.unlink(missing_ok=True)
                removed += 1
    return removed


@dataclass(frozen=True)
class Intent:
    """A journaled write: ``relpath`` (relative to the archive) is to hold bytes of ``sha256``."""

    file: Path  # the intent's own file in the staging folder
    relpath: str
    sha256: str
    settled: bool  # its writer has finished or died, so the rename happened or never will


def intents(archive: Path) -> list[Intent]:
    """Every intent in the staging folder; call with the archive lock held.

    An intent is named ``<sha256>.<random>.intent`` and holds the target's relative path.
    One that cannot be read back (its writer died while writing it) was written before
    any rename, so it is returned with an empty ``relpath``: nothing to apply, only to forget.
    """
    staging = staging_dir(archive)
    found = []
    for file in sorted(staging.glob(f"*{INTENT}")) if staging.is_dir() else ():
        try:
            text = file.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
        relpath = text[:-1] if text.endswith("\n") else ""
        found.append(Intent(file, relpath, file.name.split(".", 1)[0], _abandoned(file)))
    return found


def archive_write(archive: Path, path: Path, data: bytes, *, journal: bool = True) -> None:
    """Store ``data`` at ``path`` inside ``archive``: staged beside it, fsynced, renamed in.

    With ``journal`` (every document file), an intent is made durable before the rename
    and left behind after it, for the manifest to apply; the manifest's own writes
    pass ``journal=False``.
    """
    target = _inside(archive, path)
    part_fd, part = -1, None
    intent_fd, intent = -1, None
    renamed = False
    try:
        if journal:
            relpath = target.relative_to(archive.resolve()).as_posix()
            intent_fd, intent = create_staged(archive, INTENT, f"{hashlib.sha256(data).hexdigest()}.")
            _write_all(intent_fd, f"{relpath}\n".encode())
            os.fsync(intent_fd)
            _fsync_dir(intent.parent)
        part_fd, part = create_staged(archive, PART)
        _write_all(part_fd, data)
        os.fchmod(part_fd, 0o644)
        os.fsync(part_fd)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, target)
        renamed = True
        _fsync_dir(target.parent)
    except OSError as error:
        raise _storage_error(error, target) from None
    finally:
        for fd in (part_fd, intent_fd):  # closing releases their flocks
            if fd >= 0:
                os.close(fd)
        if not renamed:  # the previous copy is untouched: no intent to keep, no part to leave
            for leftover in (part, intent):
                if leftover is not None:
                    with contextlib.suppress(OSError):
                        leftover.unlink()


def _inside(archive: Path, path: Path) -> Path:
    """The real path ``path`` will be written to, refused unless it is inside the archive.

    A symbolic link in the archive (a year folder pointing at /etc, say) would
    otherwise carry a write outside it.
    """
    root = archive.resolve()
    parent = path.parent.resolve()
    if (parent != root and root not in parent.parents) or path.name in ("", ".", ".."):
        raise UnsafePathError(
            f"leads outside the archive {archive}/ through a symbolic link or '..'",
            path=path, hint="make the archive's folders real folders inside it",
        )
    return parent / path.name


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _storage_error(error: OSError, path: Path) -> StorageError:
    hints = {
        errno.ENOSPC: "free some disk space and run the build again",
        errno.EACCES: "check the archive folder's permissions",
        errno.EROFS: "the archive is on a read-only file system",
        errno.EDQUOT: "the disk quota is exhausted",
        errno.EXDEV: "the staging folder beside the archive is on another file system: "
        "keep the archive in a folder, not at the top of a mount point",
    }
    return StorageError(f"cannot write: {error.strerror or error}; the previous copy, if any, is intact",
                        path=path, hint=hints.get(error.errno or 0, "fix the cause and build again"))
