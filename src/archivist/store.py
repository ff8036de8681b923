"""Where documents live in the archive, and how they get there without ever being half-written."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from pathlib import Path

from .errors import StorageError, UnsafePathError

# A stem starts with the article's date so that listings sort chronologically.
STEM = re.compile(r"(?P<date>\d{4}(?:-\d{2}){0,2})(?:-[A-Za-z0-9][A-Za-z0-9._-]*)?")
TEMP_PREFIX = ".tmp-"


def check_stem(stem: str, where: Path | None = None) -> str:
    """Refuse names that do not start with a date or that could leave the archive."""
    if "\0" in stem or "/" in stem or "\\" in stem or stem.startswith(".") or ".." in stem:
        raise UnsafePathError(f"the name {stem!r} could write outside the archive", path=where,
                              hint="name articles like 2021-07-some-slug.txt")
    if not STEM.fullmatch(stem):
        raise UnsafePathError(
            f"the name {stem!r} does not start with the article's date", path=where,
            hint="rename the article and its record to e.g. 2021-07-some-slug.txt / .yaml",
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

    A crash at any moment leaves either the previous file or the new one, never a
    mixture, and a failed write never removes the previous good copy.
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
    }
    return StorageError(f"cannot write: {error.strerror or error}", path=path,
                        hint=hints.get(error.errno or 0, "the previous copy, if any, is intact"))
