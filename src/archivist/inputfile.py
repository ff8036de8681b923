"""Open an input (an article, a record) only when it is a regular file of its own folder.

A seed that is a symbolic link would carry whatever it points at (/etc/passwd, say)
into the archive, into a PDF/A-3's attachments and out again through ``extract``; a
FIFO blocks the reader for ever; a device has no end. So an input is opened with
O_NOFOLLOW (a link is refused, whatever it points at) and O_NONBLOCK (a FIFO opens at
once), and refused unless fstat() says it is a regular file, before one byte is read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

KINDS = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device",
         stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket", stat.S_IFLNK: "a symbolic link"}


def kind_of(mode: int) -> str:
    """What a file of ``mode`` (``st_mode``) is, as a message names it: 'a folder', 'a FIFO (named pipe)'."""
    return KINDS.get(stat.S_IFMT(mode), "not a regular file")


class NotARegularFile(OSError):
    """The input exists but is not a plain file: ``kind`` says what it is."""

    def __init__(self, kind: str) -> None:
        super().__init__(errno.EINVAL, f"it is {kind}, not a regular file")
        self.kind = kind


def open_regular(path: Path) -> int:
    """A descriptor of ``path`` open for reading (blocking), which must be a regular file and
    not a link. Raises FileNotFoundError, NotARegularFile, or the OSError the system gave.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW met a symbolic link as the last component
            raise NotARegularFile(KINDS[stat.S_IFLNK]) from None
        if error.errno == errno.ENXIO:  # a socket, or a FIFO with no writer opened for writing
            raise NotARegularFile(_kind(path)) from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotARegularFile(kind_of(mode))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(path: Path, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of ``path``, which must be a regular file and not a link.

    Raises FileNotFoundError, NotARegularFile, or the OSError the system gave.
    """
    fd = open_regular(path)
    try:
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def irregular_kind(path: Path) -> str | None:
    """What ``path`` is when it is no regular file ('a symbolic link': a link is not followed),
    else None. Raises lstat's OSError."""
    mode = os.lstat(path).st_mode
    return None if stat.S_ISREG(mode) else kind_of(mode)


def _kind(path: Path) -> str:
    try:
        return irregular_kind(path) or "not a regular file"
    except OSError:
        return "not a regular file"
