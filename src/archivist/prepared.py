"""Files prepared once, at install time, beside the interpreter (``.venv/share/archivist``).

Parses every process would otherwise pay for at start-up (hyphenation patterns, font
tables) are stored there by ``make``'s install step, under names that hold what they were
made from, so a changed input, library or interpreter never reads a stale one.
"""

from __future__ import annotations

import marshal
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(sys.prefix) / "share" / "archivist"
# The interpreter and the marshal format a prepared file was written for.
PYTHON = f"py{sys.version_info[0]}{sys.version_info[1]}m{marshal.version}"


def store(target: Path, data: bytes) -> None:
    """Write ``target`` whole or not at all: a process reading it meanwhile sees the old file or the new."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, staged = tempfile.mkstemp(dir=target.parent, prefix=".staged-")
    os.fchmod(fd, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(staged, target)
