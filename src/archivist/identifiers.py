"""Which record claims which dc:identifier, across the whole metadata folder, cheaply.

Two records claiming one identifier would give two documents one xmpMM:DocumentID
and one footer label. The check runs once per build, in the main process, over every
record of the folder, not only those being built, since the other claimant may have
been archived long ago; an article whose identifier another record also claims is
refused. Identifiers are compared exactly, as strings.

What each record says (its identifier and its date, which ``archivist plan`` needs too) is
kept in the archive's staging folder (``record_facts``), keyed by the record's inode, size,
and modification and change times: a make that adds one article to a folder of ten
thousand records reads one record, not ten thousand. Any write to a record sets its change
time, which only a step of the system clock can set back; a record whose times fall within
the coarsest file-system clock tick (2 s) of the last reading is read again, since it may
have been written once more in the same tick (git trusts its index the same way).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import __version__
from .errors import ArchivistError, RecordError
from .inputfile import read_regular
from .record import MAX_RECORD_BYTES, compose_record
from .store import FACTS_FILE, PART, create_staged, staging_dir, write_all
from .w3cdate import check_w3c_date

FACTS_VERSION = 2
MAX_FACTS_BYTES_EACH = 1 << 16  # a record is at most 64 KiB, and its facts less than it
CLOCK_TICK_NS = 2_000_000_000  # the coarsest file-system clock (FAT, some NFS servers)


def _line(key: bytes) -> re.Pattern[bytes]:
    """The one line ``key: value`` of a record written the plain way."""
    return re.compile(
        b"^" + key + rb":[ \t]+(?:"
        rb"\"(?P<double>[^\"\\\r\n]*)\""  # "value", no escapes
        rb"|'(?P<single>[^'\r\n]*)'"  # 'value', no doubled quote
        rb"|(?P<plain>[^\s\"'#&*!|>%@`{}\[\],?:~-](?:[^\r\n#:]|:(?=\S))*?)"  # value, no ': ' or ' #'
        rb")[ \t]*(?:[ \t]#[^\r\n]*)?\r?$",
        re.MULTILINE,
    )


_LINES = {key: _line(key) for key in (b"identifier", b"date")}
_NOT_PLAIN_VALUES = {b"null", b"Null", b"NULL", b"~"}


@dataclass(frozen=True)
class Claim:
    identifier: str
    path: Path
    line: int
    composed: bool  # read by the composer, not the fast way


def inputs_digest(article: bytes, record: bytes, profile: str) -> bytes:
    """What makes a document this document, from the bytes of its article and record and the
    name of its profile: two different inputs never share it. The first 16 bytes are its
    PDF's /ID, which ``archivist plan`` reads back to tell a copied article from a changed one."""
    digest = hashlib.sha256(f"archivist {__version__}\0{profile}\0".encode())
    for part in (article, record):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


def _read(path: Path) -> bytes | None:
    try:  # a FIFO or a link among the records is refused when its own article is built
        return read_regular(path, MAX_RECORD_BYTES)
    except OSError:
        return None


def _composed_claim(raw: bytes, path: Path) -> Claim | None:
    try:
        root = compose_record(raw, path)
    except RecordError:
        return None
    for key, value in root.value:
        if key.value == "identifier" and isinstance(value, yaml.ScalarNode) and value.value.strip():
            return Claim(value.value, path, value.start_mark.line + 1, composed=True)
    return None


def fast_scalar(raw: bytes, key: str) -> tuple[str, int] | bool | None:
    """The value and line of the one plain ``key:`` line of a record; None when the word
    ``key`` is nowhere in it; False when the record must be composed to tell."""
    word = key.encode()
    mentions = len(re.findall(rb"\b" + word + rb"\b", raw))
    if b"\\" in raw or b"\n---" in raw or raw.startswith((b"---", b"%")) or mentions > 1:
        return False
    if mentions == 0:
        return None
    match = _LINES[word].search(raw)
    if match is None:
        return False
    value = match["double"] if match["double"] is not None else match["single"]
    if value is None:
        value = match["plain"]
        rest = raw[match.end():].lstrip(b"\r\n")
        if value in _NOT_PLAIN_VALUES or rest[:1] in (b" ", b"\t"):
            return False  # a null, or a value continued on the next lines
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if not text.strip():
        return False
    return text, raw.count(b"\n", 0, match.start()) + 1


def _fast_claim(raw: bytes, path: Path) -> Claim | bool | None:
    """The claim read from the one plain ``identifier:`` line; False when it must be composed."""
    found = fast_scalar(raw, "identifier")
    if not isinstance(found, tuple):
        return found
    return Claim(found[0], path, found[1], composed=False)


def _claims(metadata: Path, archive: Path | None) -> dict[str, list[Claim]]:
    """identifier -> the records claiming it, for each identifier more than one record claims,
    every such claim confirmed by the composer. Claims are kept as (record name, line,
    composed) until then: ten thousand records make ten thousand claims, and a handful shared."""
    groups: dict[str, list[tuple[str, int, bool]]] = {}
    for name, facts in record_facts(metadata, archive).items():
        if facts.identifier is not None:
            groups.setdefault(facts.identifier, []).append((name, facts.line, facts.composed))
    unconfirmed = [(identifier, claim) for identifier, group in groups.items() if len(group) > 1
                   for claim in group if not claim[2]]
    for identifier, claim in unconfirmed:
        groups[identifier].remove(claim)
        path = metadata / claim[0]
        raw = _read(path)
        confirmed = _composed_claim(raw, path) if raw is not None else None
        if confirmed is not None:
            groups.setdefault(confirmed.identifier, []).append((claim[0], confirmed.line, True))
    return {identifier: [Claim(identifier, metadata / name, line, composed) for name, line, composed in group]
            for identifier, group in groups.items() if len(group) > 1}


def shared_identifiers(metadata: Path, records: Iterable[Path],
                       archive: Path | None = None) -> dict[Path, RecordError]:
    """For each of ``records`` whose identifier another record of the folder also claims, the error.
    With ``archive``, the records' facts are kept in its staging folder (``record_facts``)."""
    claims = _claims(metadata, archive)
    by_path = {c.path: group for group in claims.values() for c in group}
    errors = {}
    for record in records:
        group = by_path.get(record)
        if group is None:
            continue
        mine = next(c for c in group if c.path == record)
        others = ", ".join(f"{c.path}:{c.line}" for c in sorted(group, key=lambda c: c.path)
                           if c.path != record)
        errors[record] = RecordError(
            f"identifier {mine.identifier!r} is also claimed by {others}", path=record, line=mine.line,
            hint="give each record its own identifier, e.g. 'urn:archivist:' and the file name",
        )
    return errors


def record_date(path: Path) -> str | None:
    """The record's date when it is a valid W3C date; None when the record cannot tell."""
    try:
        raw = read_regular(path, MAX_RECORD_BYTES)
    except OSError:  # missing, a link, a FIFO: the build refuses it on its own
        return None
    return _date(raw, path)


def _date(raw: bytes, path: Path) -> str | None:
    found = fast_scalar(raw, "date")
    if found is False:
        try:
            root = compose_record(raw, path)
        except RecordError:
            return None
        found = next(((value.value, 0) for key, value in root.value
                      if key.value == "date" and isinstance(value, yaml.ScalarNode)), None)
    if not isinstance(found, tuple) or check_w3c_date(found[0]):
        return None
    return found[0]


@dataclass(frozen=True)
class Facts:
    """What make's plan and the identifier check read from one record."""

    date: str | None
    identifier: str | None
    line: int
    composed: bool  # the identifier was read by the composer, not the fast way


def _facts(raw: bytes, path: Path) -> Facts:
    claim = _fast_claim(raw, path)
    if claim is False:
        claim = _composed_claim(raw, path)
    if isinstance(claim, Claim):
        return Facts(_date(raw, path), claim.identifier, claim.line, claim.composed)
    return Facts(_date(raw, path), None, 0, False)


def _key(status: os.stat_result) -> list[int]:
    return [status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns]


def record_facts(metadata: Path, archive: Path | None = None) -> dict[str, Facts]:
    """The facts of every regular ``*.yaml`` file of ``metadata``, by file name (a link, a FIFO
    or a folder has none: its own build refuses it). With ``archive``, the facts of a record
    unchanged since the last call are taken from the archive's staging folder instead of the
    record."""
    started = time.time_ns()
    try:
        with os.scandir(metadata) as entries:
            listing = sorted((entry.name, entry) for entry in entries if entry.name.endswith(".yaml"))
    except (FileNotFoundError, NotADirectoryError):
        return {}
    cache_file = _facts_file(archive)
    known, trusted_before = _load_facts(cache_file, metadata, len(listing))
    kept: dict[str, list] = {}
    found: dict[str, Facts] = {}
    for name, entry in listing:
        try:
            status = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(status.st_mode):
            continue
        row = known.get(name)
        # A record written within a clock tick of the last reading may have changed since
        # with the same size and times (coarse file systems tick once in 2 s): read again.
        if (row is not None and row[:4] == _key(status)
                and max(status.st_mtime_ns, status.st_ctime_ns) < trusted_before):
            facts = Facts(*row[4:])
        else:
            path = metadata / name
            raw = _read(path)
            if raw is None:
                continue
            facts = _facts(raw, path)
        found[name] = facts
        kept[name] = [*_key(status), facts.date, facts.identifier, facts.line, facts.composed]
    if cache_file is not None and kept != known:
        _save_facts(cache_file, metadata, kept, started, archive)
    return found


def _facts_file(archive: Path | None) -> Path | None:
    if archive is None:
        return None
    try:
        staging = staging_dir(archive)
    except ArchivistError:
        return None
    return staging / FACTS_FILE if staging.is_dir() else None


def _load_facts(cache_file: Path | None, metadata: Path, records: int) -> tuple[dict[str, list], int]:
    """The kept facts, and the time before which a record's times can be trusted; none when
    the file is missing, damaged, larger than the folder's records can explain, or about
    another folder or another version of archivist."""
    if cache_file is None:
        return {}, 0
    try:
        kept = json.loads(read_regular(cache_file, MAX_FACTS_BYTES_EACH * (records + 1)))
        if (kept["version"] != FACTS_VERSION or kept["archivist"] != __version__
                or kept["metadata"] != str(metadata.resolve()) or type(kept["read"]) is not int):
            return {}, 0
        rows = kept["records"]
        if type(rows) is not dict or not all(type(name) is str and _valid_row(row)
                                             for name, row in rows.items()):
            return {}, 0
        return rows, kept["read"] - CLOCK_TICK_NS
    except (OSError, ValueError, KeyError, TypeError, RecursionError):  # RecursionError: nested too deep
        return {}, 0


def _valid_row(row: object) -> bool:
    return (type(row) is list and len(row) == 8 and all(type(field) is int for field in row[:4])
            and all(field is None or type(field) is str for field in row[4:6])
            and type(row[6]) is int and type(row[7]) is bool)


def _save_facts(cache_file: Path, metadata: Path, rows: dict[str, list], started: int, archive: Path) -> None:
    """Written as a staged part, so that a process killed meanwhile leaves nothing the next
    sweep does not remove; not fsynced: a cache lost in a crash costs a reading."""
    document = {"version": FACTS_VERSION, "archivist": __version__, "metadata": str(metadata.resolve()),
                "read": started, "records": rows}
    data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    with contextlib.suppress(OSError, ArchivistError):  # a folder that cannot keep it costs a reading
        fd, part = create_staged(archive, PART)
        try:
            write_all(fd, data)
            os.replace(part, cache_file)
        finally:
            os.close(fd)
            part.unlink(missing_ok=True)
