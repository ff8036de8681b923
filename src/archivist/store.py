"""Where documents live in the archive, and how they get there without ever being half-written.

Writing into the archive (``archive_write``)
--------------------------------------------
Nothing temporary is ever visible under the archive, whenever the writer dies. Each
file is written into a *staging folder beside the archive* (``.archive.staging`` next
to ``archive``; it must be on the same file system), fsynced, and renamed over its
target: rename(2) swaps the name in one step, so a reader, or a SIGKILL, sees the
previous copy or the new one, and a failed write leaves the previous copy alone.

* A writer creates its staging files and flock()s each while holding the archive lock
  (``archive_lock``, taken once for all the files of one write), and keeps those flocks
  until it is done. A staging file nobody holds a flock on therefore belongs to a dead
  writer: ``sweep_staging`` removes those, under the same lock, without guessing from
  ages or process ids.
* Before the rename, a journaled write leaves an *intent* in the staging folder: the
  target's path and the SHA-256 of its new bytes. The manifest (``archivist.manifest``)
  applies intents when it is next updated, so a writer killed between storing a file
  and recording it in the manifest can never leave the manifest silently wrong. The
  intents are records appended to one file, ``journal``, made with the staging folder:
  a write adds no file of its own, so it costs no inode and no fsync of the folder. A
  writer holds an open-file-description lock (fcntl F_OFD_SETLK) on its record's bytes
  until it is done; a record nobody holds a lock on is settled. Where such locks do not
  exist (not Linux, or a file system that refuses them), each write leaves an intent file
  of its own, flock()ed like a staging file, as older archivists did.

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
import stat
import struct
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import StorageError, UnsafePathError, UsageError
from .inputfile import kind_of, open_regular
from .w3cdate import check_w3c_date

# An article's name (its stem, the file name without .txt) is any safe name: letters, digits,
# '.', '_' and '-', starting with a letter or digit, short enough for the archive's file name
# (which may add 'YYYY-MM-' in front, and '.pdf').
SAFE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MAX_STEM = 200
# A stem that starts with a date (2021-07-laftit) is archived under its own name.
DATED = re.compile(r"(?P<date>\d{4}(?:-\d{2}){0,2})(?:-[A-Za-z0-9][A-Za-z0-9._-]*)?")
TEMP_PREFIX = ".tmp-"
STAGING_SUFFIX = ".staging"
LOCK_NAME = "lock"
BUILDING = "building"  # held shared by every build at work, for its whole run: clean waits for none
PART, INTENT = ".part", ".intent"
JOURNAL = "journal"  # the intents of journaled writes, a record each (archive_write_all)
_RECORD_END = b"\n\n"  # a record: a line '<sha256> <relpath>' per file, then an empty line
_RECORD = re.compile(rb"[^\n]+(?:\n[^\n]+)*")  # a record's lines, between runs of empty ones
_VOID_LINE = b"-\n"  # ends a record cut short by a crash: no intent has such a line, so it is void
# Far more than any intent's lines (a few paths of a few hundred bytes each): a longer record
# or intent file is damage, void, and never held in memory whole.
_MAX_RECORD = 1 << 16
_CHUNK = 1 << 20  # what the journal is read by, whatever its size
# Told, once, of a wait for the archive's lock that has lasted LOCK_WAIT_NOTICE_AFTER seconds (another
# process holds it: a catalog rebuild reading every PDF, a clean): the CLI says so on stderr.
lock_wait_notice: Callable[[Path], None] | None = None
LOCK_WAIT_NOTICE_AFTER = 1.0
_OFD = hasattr(fcntl, "F_OFD_SETLK")  # locks on byte ranges, one open file description's own
_NO_RANGE_LOCKS = {errno.EINVAL, errno.ENOLCK, errno.EOPNOTSUPP}  # what a file system without them says
FACTS_FILE = "record-facts.json"  # what each record says, kept for the next run (identifiers.record_facts)
_NAMING = "name articles with letters, digits, '.', '_' and '-', e.g. 000_303be9f2fa9e0920.txt"


def check_stem(stem: str, where: Path | None = None, longest: int = MAX_STEM) -> str:
    """Refuse a name that could leave the archive, or that make and the shell cannot carry."""
    if "\0" in stem or "/" in stem or "\\" in stem or stem.startswith(".") or ".." in stem:
        raise UnsafePathError(f"the name {stem!r} could write outside the archive", path=where,
                              hint="name articles like 2021-07-some-slug.txt")
    if not SAFE_STEM.fullmatch(stem):
        raise UnsafePathError(f"the name {stem!r} is not a safe article name", path=where,
                              hint=_NAMING + "; rename the article and its record")
    if len(stem) > longest:
        raise UnsafePathError(f"the name is longer than {longest} characters", path=where,
                              hint="give the article (and its record) a shorter name")
    dated = DATED.fullmatch(stem)
    problem = check_w3c_date(dated["date"]) if dated else None
    if problem:
        raise UnsafePathError(
            f"the name {stem!r} starts with {dated['date']!r}, a date that {problem}", path=where,
            hint="rename the article and its record to start with the article's real date, or with no date",
        )
    return stem


def leading_date(stem: str) -> str | None:
    """The date a stem starts with: '2021-07' of '2021-07-laftit'; None for '000_303be9f2'."""
    match = DATED.fullmatch(stem)
    return match["date"] if match else None


def archive_name(stem: str, date: str) -> str:
    """The name the article ``stem``, of the record date ``date``, is archived under.

    A stem that starts with a date keeps its name (the record's date must agree with it);
    any other is prefixed with the record's year and month (only the year when the record
    gives no month): 000_303be9f2fa9e0920 of 2021-07-16 becomes 2021-07-000_303be9f2fa9e0920.
    Either way the name starts with the date, so the archive's listings sort by date.
    """
    if leading_date(stem) is not None:
        return stem
    return f"{date[:7] if len(date) >= 7 else date[:4]}-{stem}"


def document_path(archive: Path, name: str, suffix: str = ".pdf") -> Path:
    """archive/YYYY/NAME.pdf for an archive name (see ``archive_name``): one folder per year."""
    check_stem(name, longest=MAX_STEM + len("YYYY-MM-"))
    return archive / name[:4] / f"{name}{suffix}"


def archived_pdfs(archive: Path) -> list[Path]:
    """Every ``FOLDER/NAME.pdf`` of the archive, in order, found without following a link
    inside it (the archive folder itself may be one).

    A folder that is a symbolic link is not entered: what it leads to is no part of the
    archive, and must never be checked or catalogued as if it were. A link named ``.pdf``
    is listed, for its reader to refuse unread. Names starting with '.' are passed over.
    """
    found: list[Path] = []
    top = os.open(archive, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for folder in sorted(os.listdir(top)):
            if folder.startswith("."):
                continue
            try:
                fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=top)
            except OSError:  # a file, a link, or a folder this user may not read
                continue
            try:
                found += [archive / folder / name for name in sorted(os.listdir(fd))
                          if name.endswith(".pdf") and not name.startswith(".")]
            finally:
                os.close(fd)
    finally:
        os.close(top)
    return found


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
        raise _storage_error(error, path, archive=False) from None
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
        raise _storage_error(error, path, archive=False) from None


def staging_dir(archive: Path) -> Path:
    """The staging folder beside the archive: ``.archive.staging`` for ``archive``."""
    return _staging_beside(archive.resolve(), archive)


def require_archive(archive: Path) -> None:
    """Refuse, as a usage error, an archive that is no folder: nothing, or a file."""
    if not archive.is_dir():
        raise UsageError("there is no archive folder here", path=archive,
                         hint="name it with --archive (make: ARCHIVE=...), or build one with make")


def _staging_beside(root: Path, archive: Path) -> Path:
    """The staging folder beside the archive whose real path is ``root``."""
    if root.parent == root:
        raise UnsafePathError("the archive cannot be the root of the file system", path=archive,
                              hint="use a folder such as /srv/archive")
    return root.parent / f".{root.name}{STAGING_SUFFIX}"


_held: dict[Path, int] = {}  # staging folder -> descriptor of the lock this process holds


_building: list[int] = []  # descriptors of the build marks this process holds


def _forget_locks_in_child() -> None:
    """A forked child (a pool worker) holds no lock: its inherited descriptor would keep the
    parent's flock alive after the parent let go, and the next taker would wait forever. It
    keeps the build's mark (``building``), which makes nobody wait: a worker that outlives
    its build, storing, keeps clean away until it is done."""
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
    with _staging_lock(staging_dir(archive)):
        yield


@contextlib.contextmanager
def _staging_lock(staging: Path) -> Iterator[None]:
    """``archive_lock`` for the archive whose staging folder is ``staging``."""
    if staging in _held:  # already held by an enclosing call in this process
        yield
        return
    made = False
    try:
        try:
            fd = os.open(staging / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except FileNotFoundError:  # the first writer beside this archive makes the folder
            staging.mkdir(exist_ok=True)
            _fsync_dir(staging.parent)  # with its intents, it must outlive a power cut
            fd = os.open(staging / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            made = True
    except OSError as error:
        raise StorageError(
            f"cannot create the archive's staging folder: {error.strerror}", path=staging,
            hint="the folder that holds the archive must be writable: files are written there "
            "first so that nothing half-written is ever inside the archive",
        ) from None
    try:
        _lock_waiting(fd, staging)
        if made and _OFD:  # the journal comes with the folder, so that no write has to make it
            journal_fd = _open_journal(staging)
            if journal_fd is not None:
                os.close(journal_fd)
        _held[staging] = fd
        yield
    finally:
        _held.pop(staging, None)
        os.close(fd)  # closing releases the flock


def may_write(archive: Path) -> bool:
    """Whether this process can take the archive's lock to write beside it: not on a read-only
    mount, nor beside another user's archive that it may only read. Commands that only read
    (verify, list, search) go on there without writing anything, under ``reading_lock``."""
    staging = staging_dir(archive)
    lock = staging / LOCK_NAME
    try:
        if lock.exists():
            return os.access(lock, os.W_OK)
        return os.access(staging if staging.is_dir() else staging.parent, os.W_OK | os.X_OK)
    except OSError:  # a staging folder this user may not even search
        return False


@contextlib.contextmanager
def reading_lock(archive: Path) -> Iterator[None]:
    """The archive's lock, shared, for a process that may only read the archive (``may_write``):
    no writer begins while it is held, and it waits for the one at work. Without a lock file,
    no writer has begun beside this archive."""
    staging = staging_dir(archive)
    if staging in _held:  # this process writes the archive: it holds the lock already
        yield
        return
    try:
        fd = open_regular(staging / LOCK_NAME)
    except FileNotFoundError:
        yield
        return
    except OSError as error:  # a link, a FIFO, or a lock this user may not even read
        raise StorageError(f"cannot be opened as the archive's lock: {error.strerror}",
                           path=staging / LOCK_NAME,
                           hint="ask the archive's owner to let this user read its staging folder") from None
    try:
        _lock_waiting(fd, staging, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def _lock_waiting(fd: int, staging: Path, kind: int = fcntl.LOCK_EX) -> None:
    """flock(2) ``fd`` (exclusively unless told ``kind``); a wait that lasts is told to
    ``lock_wait_notice``. The usual taking, uncontended, starts no timer."""
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    notice = lock_wait_notice
    if notice is None:
        fcntl.flock(fd, kind)
        return
    archive = staging.parent / staging.name[1:-len(STAGING_SUFFIX)]
    timer = threading.Timer(LOCK_WAIT_NOTICE_AFTER, notice, (archive,))
    timer.daemon = True
    timer.start()
    try:
        fcntl.flock(fd, kind)
    finally:
        timer.cancel()


@contextlib.contextmanager
def building(archive: Path) -> Iterator[None]:
    """Mark a build at work on ``archive`` for its whole run, through the many holds of the
    archive's lock it takes: a shared flock on ``BUILDING`` in the staging folder, which builds
    hold together and ``clean`` cannot take while one does. The kernel lets it go when the
    build dies. Waits only for a clean under way."""
    staging = staging_dir(archive)
    with _staging_lock(staging):  # makes the staging folder when there is none
        fd = _open_mark(staging)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)  # at once: a clean holds the mark only with this lock
        except BaseException:
            os.close(fd)
            raise
    _building.append(fd)
    try:
        yield
    finally:
        _building.remove(fd)
        os.close(fd)


def _open_mark(staging: Path, *, create: bool = True) -> int:
    """The builds' mark, made when missing (unless not ``create``); never a FIFO or a link,
    which would hold its opener for ever, or lead elsewhere."""
    path = staging / BUILDING
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | (os.O_CREAT if create else 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as error:
        if not create and isinstance(error, FileNotFoundError):  # no mark: the caller's to say
            raise
        raise StorageError(f"cannot open the builds' mark: {error.strerror}", path=path,
                           hint="the staging folder beside the archive must be writable, and "
                           f"{BUILDING} in it a file archivist made: remove anything else there") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise StorageError(f"the builds' mark is {kind_of(mode)}, not a file", path=path,
                           hint="remove it: archivist makes it again")
    return fd


@contextlib.contextmanager
def no_build_at_work(archive: Path, *, dry_run: bool = False) -> Iterator[None]:
    """Keep builds from starting on ``archive`` for the duration; refused at once, with nothing
    done, while one is at work (``building``). Taken with the archive's lock held; a
    ``dry_run`` only looks, making nothing and keeping no build away."""
    if dry_run:
        try:
            fd = _open_mark(staging_dir(archive), create=False)
        except FileNotFoundError:  # no mark: no build has been at work here
            yield
            return
    else:
        fd = _open_mark(staging_dir(archive))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StorageError("a build is at work on this archive, so nothing was removed", path=archive,
                               hint="let it finish (or stop it), then clean again") from None
        if dry_run:
            fcntl.flock(fd, fcntl.LOCK_UN)
        yield
    finally:
        os.close(fd)


def create_staged(archive: Path, suffix: str, prefix: str = "") -> tuple[int, Path]:
    """A new file in the staging folder, open for writing and flock()ed from its first moment."""
    staging = staging_dir(archive)
    with _staging_lock(staging):
        return _create_in(staging, suffix, prefix)


def _create_in(staging: Path, suffix: str, prefix: str = "") -> tuple[int, Path]:
    """``create_staged`` with the archive lock held."""
    path = staging / f"{prefix}{secrets.token_hex(12)}{suffix}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd, path


def _open_journal(staging: Path) -> int | None:
    """The staging folder's journal, open for appending; made, its name durable, when missing.
    None where the file system refuses locks on byte ranges (a kernel before Linux 3.15, some
    network or emulated file systems): each write then leaves an intent file of its own.
    Call with the archive lock held: records are appended, and the journal made, under it."""
    path = staging / JOURNAL
    flags = os.O_RDWR | os.O_APPEND | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o644)
            _fsync_dir(staging)  # a record is relied on once the renames that follow it are durable
    except OSError as error:  # a link, a folder, a file that cannot be opened
        raise StorageError(f"cannot be opened as the journal of writes: {error.strerror}", path=path,
                           hint="check the staging folder's permissions; a link or a folder in the "
                           "journal's place can go: archivist makes the journal again") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise StorageError("is not a regular file, so no write can be journaled in it", path=path,
                               hint="remove it: archivist makes the journal again")
        if _range_locks(fd):
            return fd
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    return None


def _append_record(fd: int, record: bytes) -> None:
    """Append ``record`` to the journal open at ``fd``, locked for this description until it is
    closed; with the archive lock held, so that no other record or truncation interleaves."""
    size = os.fstat(fd).st_size
    tail = os.pread(fd, 2, max(size - 2, 0)) if size else _RECORD_END
    if tail != _RECORD_END:  # the last record was cut short by a crash: it is made void and
        # ended first, so that it can neither name a path it was cut inside nor run on into this one
        end = (b"" if tail.endswith(b"\n") else b"\n") + _VOID_LINE + b"\n"
        write_all(fd, end)
        size += len(end)
    fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _range_lock(fcntl.F_WRLCK, size, len(record)))
    write_all(fd, record)


def _range_lock(kind: int, start: int, length: int) -> bytes:
    """A struct flock for ``fcntl``: l_type, l_whence, l_start, l_len, l_pid (0 for OFD locks)."""
    return struct.pack("hhqqi4x", kind, os.SEEK_SET, start, length, 0)


def _range_locks(fd: int) -> bool:
    """Whether the file system of the file open at ``fd`` has locks on byte ranges."""
    try:
        _record_held(fd, 0)
    except OSError as error:
        if error.errno in _NO_RANGE_LOCKS:
            return False
        raise
    return True


def _record_held(fd: int, start: int) -> bool:
    """Whether a writer still holds the record starting at ``start`` (its first byte is enough).
    Raises OSError where the file system has no locks on byte ranges."""
    found = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, _range_lock(fcntl.F_WRLCK, start, 1))
    return struct.unpack_from("h", found)[0] != fcntl.F_UNLCK


def _abandoned(path: Path) -> bool:
    """True when no process holds a flock on the staging file: its writer has finished or died."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        return _unheld(fd)
    finally:
        os.close(fd)


def _unheld(fd: int) -> bool:
    """``_abandoned`` for a staging file already open."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def sweep_staging(archive: Path) -> int:
    """Remove the half-written files of writers that died; return how many there were."""
    staging = staging_dir(archive)
    if not staging.is_dir():
        return 0
    removed = 0
    with _staging_lock(staging):
        for path in staging.glob(f"*{PART}"):
            if _abandoned(path):
                path.unlink(missing_ok=True)
                removed += 1
    return removed


@dataclass(frozen=True)
class Intent:
    """A journaled write: ``relpath`` (relative to the archive) is to hold bytes of ``sha256``."""

    file: Path  # the intent's own file in the staging folder, or the journal
    relpath: str
    sha256: str
    settled: bool  # its writer has finished or died, so the rename happened or never will
    record: tuple[int, int] = (-1, 0)  # in the journal: where its record starts, and its length


def intents(archive: Path) -> list[Intent]:
    """Every intent in the staging folder, the journal's first; call with the archive lock held.

    An intent holds one line per file its writer stores, ``<sha256> <relative path>`` (an
    intent file of an older archivist is named ``<sha256>.<random>.intent`` and holds the
    path alone). One that cannot be read back (its writer died while writing it) was written
    before any rename, so it is returned with an empty ``relpath``: nothing to apply, only
    to forget.
    """
    staging = staging_dir(archive)
    found = _journal_intents(staging / JOURNAL)
    for file in sorted(staging.glob(f"*{INTENT}")) if staging.is_dir() else ():
        settled, raw = _settled_bytes(file)
        lines = _lines(raw)
        named = file.name.split(".", 1)[0]
        if entries := _entries(lines):
            found += [Intent(file, relpath, sha256, settled) for sha256, relpath in entries]
        elif len(lines) == 1 and _SHA256.fullmatch(named):
            found.append(Intent(file, lines[0], named, settled))
        else:
            found.append(Intent(file, "", "", settled))
    return found


def _journal_intents(journal: Path) -> list[Intent]:
    """The intents of the journal's records, each settled unless its writer still holds it. A
    record that cannot be read back (its writer died while appending it, before any rename)
    is returned with an empty ``relpath``, as an unreadable intent file is; consecutive such
    records, settled, as one, so that a damaged journal of millions of them costs no memory."""
    try:
        fd = open_regular(journal)
    except OSError:  # none, or a link, a FIFO or such that no writer appends to
        return []
    try:
        locks: bool | None = None  # whether the file system has range locks, asked at the first record
        found: list[Intent] = []
        for at, length, lines in _records(fd):
            if locks is None:
                locks = _OFD and _range_locks(fd)
            settled = not (locks and _record_held(fd, at))  # none held where none can be
            entries = _entries(_lines(lines + b"\n")) if lines is not None else []
            if settled and not entries and found and found[-1].settled and not found[-1].relpath:
                start = found[-1].record[0]  # the void record before, reaching to this one's end
                found[-1] = Intent(journal, "", "", True, (start, at + length - start))
                continue
            found += [Intent(journal, relpath, sha256, settled, (at, length))
                      for sha256, relpath in entries or [("", "")]]
        return found
    except OSError as error:
        raise StorageError(f"cannot be read for the writes in flight: {error.strerror}", path=journal,
                           hint="check the staging folder's file system") from None
    finally:
        os.close(fd)


def _records(fd: int) -> Iterator[tuple[int, int, bytes | None]]:
    """Where each record of the journal open at ``fd`` starts, its length, and its lines; a
    record's lines are None when it is void: cut short by a crash (not ended by an empty line)
    or longer than any intent. Forgotten records, runs of empty lines, are passed over.

    The file is read a chunk at a time, and only a record's first bytes are ever kept, so that
    a damaged journal (gigabytes with no line feed, or of nothing else) is read in bounded
    memory, and in time proportional to its size.
    """
    base, pending = 0, b""  # the bytes from offset base on that are read but not yet decided
    giant = -1  # the start of a void record too long to keep, while its end is sought
    while True:
        chunk = os.pread(fd, _CHUNK, base + len(pending))
        data, last = pending + chunk, not chunk
        start = 0
        if giant >= 0:
            end = data.find(_RECORD_END)
            if end < 0 and not last:  # its last byte may be the first line feed of its end
                base, pending = base + len(data) - 1, data[-1:]
                continue
            end = len(data) - data.endswith(b"\n") if end < 0 else end  # as the records' pattern ends it
            yield giant, base + end - giant, None
            giant, start = -1, end
        kept = len(data)
        for record in _RECORD.finditer(data, start):
            at, end = record.span()
            if not last and end >= len(data) - 1:  # a line, or a line feed and a line, may follow
                kept = at
                break
            whole = data.startswith(_RECORD_END, end) and end - at <= _MAX_RECORD
            yield base + at, end - at, data[at:end] if whole else None
        if last:
            return
        if len(data) - kept - data.endswith(b"\n") > _MAX_RECORD:  # the record, not the line feed after it
            giant, base, pending = base + kept, base + len(data) - 1, data[-1:]
        else:
            base, pending = base + kept, data[kept:]


def _lines(raw: bytes) -> list[str]:
    """The lines of an intent written whole (it ends with a newline); none if it is not text."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return []
    return text[:-1].split("\n") if text.endswith("\n") else []


def _entries(lines: list[str]) -> list[tuple[str, str]]:
    """(sha256, relpath) of each line '<sha256> <relpath>'; none unless every line is one."""
    entries = [line.split(" ", 1) for line in lines]
    if lines and all(len(entry) == 2 and _SHA256.fullmatch(entry[0]) for entry in entries):
        return [(sha256, relpath) for sha256, relpath in entries]
    return []


def forget_intents(archive: Path, settled: list[Intent]) -> None:
    """Drop the ``settled`` intents, applied or found void; call with the archive lock held,
    after the manifest that lists what they name is on disk.

    An intent file goes. A record of the journal is overwritten with empty lines, in place,
    so that the records still held keep their places; the journal is emptied once it holds
    no record but these. A record held when the intents were read is never touched, even
    if its writer has finished since: it has not been applied yet. A forgotten record that
    comes back (a write not yet on disk at a power cut, or one refused) is only applied
    again, to the same effect: an intent is applied only to a file holding the bytes it names.
    """
    records: dict[Path, set[tuple[int, int]]] = {}
    for intent in settled:
        if intent.record[0] >= 0:
            records.setdefault(intent.file, set()).add(intent.record)
        else:
            intent.file.unlink(missing_ok=True)
    for journal, forgotten in records.items():
        with contextlib.suppress(OSError):
            fd = os.open(journal, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
            try:
                kept = {intent.record for intent in _journal_intents(journal)} - forgotten
                # Nothing is held past the last record kept: the journal ends after it.
                end = max((at + length + len(_RECORD_END) for at, length in kept), default=0)
                os.ftruncate(fd, end)
                for at, length in forgotten:
                    done = 0
                    while at < end and done < length:
                        done += os.pwrite(fd, b"\n" * min(length - done, _CHUNK), at + done)
            finally:
                os.close(fd)


def _read_record(fd: int) -> bytes:
    """The bytes of the intent file open at ``fd``; none when it is longer than any intent."""
    chunks, size = [], 0
    while size <= _MAX_RECORD and (chunk := os.read(fd, _MAX_RECORD + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks) if size <= _MAX_RECORD else b""


def _settled_bytes(path: Path) -> tuple[bool, bytes]:
    """Whether the staging file is abandoned (``_abandoned``), and its bytes (none when it
    cannot be read, or is longer than any intent), through one opening of it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:  # gone, or its writer's alone to read: nothing to apply
        return False, b""
    try:
        settled = _unheld(fd)
        with contextlib.suppress(OSError):  # unreadable: no bytes
            return settled, _read_record(fd)
        return settled, b""
    finally:
        os.close(fd)


_SHA256 = re.compile(r"[0-9a-f]{64}")


def archive_write(archive: Path, path: Path, data: bytes, *, journal: bool = True) -> None:
    """Store ``data`` at ``path`` inside ``archive`` (see ``archive_write_all``)."""
    archive_write_all(archive, [(path, data)], journal=journal)


def archive_write_all(archive: Path, files: list[tuple[Path, bytes]], *, journal: bool = True) -> list[str]:
    """Store each ``(path, data)`` inside ``archive``, in order: staged beside it, fsynced,
    renamed in, the folder fsynced after each rename so that they reach the disk in order.

    With ``journal`` (every document file), one intent naming them all, a record of the
    journal, is made durable before the first rename and left behind after it, for the
    manifest to apply; the manifest's own writes pass ``journal=False``. One intent for an
    article's PDF and oai_dc record costs two fsyncs fewer than one each. Returns the
    SHA-256 of each file's bytes as the intent names them (none without ``journal``).

    The archive's real path is found once per call, and the staged files are all made
    under one taking of the archive lock.
    """
    root = archive.resolve()
    staging = _staging_beside(root, archive)
    targets = [_inside(archive, root, path) for path, _ in files]
    digests = [hashlib.sha256(data).hexdigest() for _, data in files] if journal else []
    parts: list[tuple[int, Path]] = []
    intent_fd, intent = -1, None
    folders: dict[Path, int] = {}  # folder renamed into -> its descriptor, for its fsyncs
    renamed = 0
    target = targets[0]
    below = len(str(root)) + 1  # each target is below the archive's real path
    lines = "".join(f"{digest} {str(where)[below:]}\n"
                    for where, digest in zip(targets, digests, strict=True)).encode() if journal else b""
    try:
        with _staging_lock(staging):
            journal_fd = _open_journal(staging) if journal and _OFD else None
            if journal_fd is not None:
                intent_fd = journal_fd
                _append_record(journal_fd, lines + b"\n")
            elif journal:
                intent_fd, intent = _create_in(staging, INTENT)
            for _ in files:
                parts.append(_create_in(staging, PART))
        if intent is not None:
            write_all(intent_fd, lines)
        if journal:
            os.fsync(intent_fd)
        if intent is not None:
            _fsync_dir(staging)
        for index, (_, data) in enumerate(files):
            target = targets[index]  # the file an error names
            part_fd = parts[index][0]
            write_all(part_fd, data)
            os.fchmod(part_fd, 0o644)
            os.fsync(part_fd)
        for target, (_, part) in zip(targets, parts, strict=True):
            folder = folders.get(target.parent)
            if folder is None:
                folder = folders[target.parent] = _open_folder(target.parent)
            os.replace(part, target.name, dst_dir_fd=folder)
            renamed += 1
            os.fsync(folder)
    except OSError as error:
        raise _storage_error(error, target) from None
    finally:
        for fd in [fd for fd, _ in parts] + [intent_fd, *folders.values()]:  # closing releases the locks
            if fd >= 0:
                os.close(fd)
        for _, part in parts[renamed:]:  # never renamed: the previous copies are untouched
            with contextlib.suppress(OSError):
                part.unlink()
        if not renamed and intent is not None:  # nothing stored: no intent file to keep (a
            # record of the journal stays, settled and void, until the manifest forgets it)
            with contextlib.suppress(OSError):
                intent.unlink()
    return digests


def _open_folder(folder: Path) -> int:
    """The folder a file is renamed into, open for the rename and its fsync; made when it is
    not there yet, its parent fsynced so that the new folder outlives a power cut with what
    is renamed into it. Never through a symbolic link: ``_inside`` found none there, and the
    rename goes into the folder opened, whatever its path leads to since."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(folder, flags)
    except FileNotFoundError:
        folder.mkdir(parents=True, exist_ok=True)
        _fsync_dir(folder.parent)
        return os.open(folder, flags)


def _inside(archive: Path, root: Path, path: Path) -> Path:
    """The real path ``path`` will be written to, refused unless it is inside the archive,
    whose real path is ``root``.

    A symbolic link in the archive (a year folder pointing at /etc, say) would
    otherwise carry a write outside it.
    """
    try:
        parent, top = real_path_below(archive, root, path.parent), str(root)
    except (RuntimeError, OSError) as error:  # RuntimeError: a loop, before Python 3.13
        if isinstance(error, OSError) and error.errno != errno.ELOOP:
            raise
        raise UnsafePathError(f"goes through a loop of symbolic links in the archive {archive}/",
                              path=path, hint="make the archive's folders real folders inside it") from None
    if (parent != top and not parent.startswith(top + "/")) or path.name in ("", ".", ".."):
        raise UnsafePathError(
            f"leads outside the archive {archive}/ through a symbolic link or '..'",
            path=path, hint="make the archive's folders real folders inside it",
        )
    return Path(parent, path.name)


def real_path_below(archive: Path, root: Path, path: Path) -> str:
    """``str(path.resolve())``, for a path written below ``archive`` whose real path is ``root``.

    The same answer for one lstat(2) per name below the archive, instead of one per
    folder from '/' down: a name that is a symbolic link, a '..', a path not written
    below the archive, or a name that cannot be looked at is left to ``Path.resolve``.
    """
    written, top, real = str(path), str(archive), str(root)
    if written == top:
        return real
    if not written.startswith(top + "/") or top == "/" or real == "/":
        return str(path.resolve())
    for name in written[len(top) + 1:].split("/"):
        if name == "..":
            return str(path.resolve())
        real = f"{real}/{name}"
        try:
            if stat.S_ISLNK(os.lstat(real).st_mode):
                return str(path.resolve())
        except FileNotFoundError:  # not there (yet): taken as it is, as resolve() takes it
            continue
        except OSError:
            return str(path.resolve())
    return real


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _storage_error(error: OSError, path: Path, *, archive: bool = True) -> StorageError:
    """``archive``: a write into the archive, which a build makes; else one of ``atomic_write``'s."""
    place, again = ("the archive folder", "build again") if archive else ("the folder", "try again")
    hints = {
        errno.ENOSPC: f"free some disk space and {'run the build' if archive else 'try'} again",
        errno.EACCES: f"check {place}'s permissions",
        errno.EROFS: f"{place} is on a read-only file system",
        errno.EDQUOT: "the disk quota is exhausted",
        errno.EXDEV: "the staging folder beside the archive is on another file system: "
        "keep the archive in a folder, not at the top of a mount point",
    }
    return StorageError(f"cannot write: {error.strerror or error}; the previous copy, if any, is intact",
                        path=path, hint=hints.get(error.errno or 0, f"fix the cause and {again}"))
