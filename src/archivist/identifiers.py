"""Which record claims which dc:identifier, across the whole metadata folder, cheaply.

Two records claiming one identifier would give two documents one xmpMM:DocumentID
and one footer label. The check runs once per build, in the main process, over every
record of the folder, not only those being built, since the other claimant may have
been archived long ago; an article whose identifier another record also claims is
refused. Identifiers are compared exactly, as strings.

Ten thousand records must not slow a build down (composing each with PyYAML would
take ~50 s), so each record is read as bytes and its identifier taken from its one
``identifier:`` line when it is written the plain way: at the start of a line, with
a plain or quoted value on that line, and no backslash, document marker or other
mention of the word in the file (``fast_scalar``, which ``archivist.plan`` also uses for the
date). Any other record (flow style, escapes, a value continued on the next lines) is
composed with the record reader's safe composer.
The fast reading cannot miss a claim: a real ``identifier`` key is a mention of the
word, and with one mention only, that is the line read. It could in theory read a
line that is not a key (inside a quoted string running over several lines), so
every claim read the fast way that collides with another is composed again before
anything is refused: the answer is exact. A record that cannot be read claims
nothing here: it fails on its own when it is built.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import RecordError
from .record import MAX_RECORD_BYTES, compose_record


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
    exact: bool  # read by the composer, not the fast way


def _read(path: Path) -> bytes | None:
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_RECORD_BYTES + 1)
    except OSError:
        return None


def _composed_claim(raw: bytes, path: Path) -> Claim | None:
    try:
        root = compose_record(raw, path)
    except RecordError:
        return None
    for key, value in root.value:
        if key.value == "identifier" and isinstance(value, yaml.ScalarNode) and value.value.strip():
            return Claim(value.value, path, value.start_mark.line + 1, exact=True)
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
    return Claim(found[0], path, found[1], exact=False)


def _claims(metadata: Path) -> dict[str, list[Claim]]:
    """identifier -> the records claiming it, with every shared claim confirmed by the composer."""
    claims: dict[str, list[Claim]] = {}
    raws: dict[Path, bytes] = {}
    for path in sorted(metadata.glob("*.yaml")):
        raw = _read(path)
        if raw is None:
            continue
        claim = _fast_claim(raw, path)
        if claim is False:
            claim = _composed_claim(raw, path)
        if isinstance(claim, Claim):
            claims.setdefault(claim.identifier, []).append(claim)
            raws[path] = raw
    shared = [c for group in claims.values() if len(group) > 1 for c in group if not c.exact]
    for claim in shared:
        claims[claim.identifier].remove(claim)
        confirmed = _composed_claim(raws[claim.path], claim.path)
        if confirmed is not None:
            claims.setdefault(confirmed.identifier, []).append(confirmed)
    return claims


def shared_identifiers(metadata: Path, records: Iterable[Path]) -> dict[Path, RecordError]:
    """For each of ``records`` whose identifier another record of the folder also claims, the error."""
    by_path = {c.path: group for group in _claims(metadata).values() if len(group) > 1 for c in group}
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
