"""Fixity: the manifest lists every stored file with its SHA-256, in BagIt's line form, and
``archivist verify`` finds every missing, altered or unexpected file and every flipped bit."""

from __future__ import annotations

import hashlib
import io
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from unittest.mock import patch

import pytest
from conftest import (
    FIRST,
    archivist,
    archivist_peak,
    file_digests,
    folder_args,
    left_in_staging,
    make_command,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from archivist import manifest, store
from archivist.build import Paths
from archivist.cli import main

FLIPS = 1000
SECOND = "2021-07-copie"


@pytest.fixture
def archive(workspace: Paths, capsys: pytest.CaptureFixture[str]) -> Paths:
    """Two documents built: each a PDF and its oai_dc record."""
    shutil.copy(workspace.article(FIRST), workspace.article(SECOND))
    workspace.record(SECOND).write_text(
        workspace.record(FIRST).read_text("utf-8").replace(FIRST, SECOND), "utf-8")
    assert main(["build", "-j", "1", *folder_args(workspace)]) == 0
    capsys.readouterr()
    return workspace


def payload(paths: Paths) -> dict[str, str]:
    """Every document file under the archive, hashed here, independently of archivist."""
    return file_digests(paths.archive, leave_out=manifest.BOOKKEEPING)


def verify_cli(paths: Paths) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "archivist", "verify", "--archive", str(paths.archive)],
                          capture_output=True, text=True)


def test_the_manifest_lists_every_file_in_bagit_form(archive: Paths) -> None:
    text = (archive.archive / manifest.MANIFEST_NAME).read_text("utf-8")
    lines = text.splitlines()
    assert text.endswith("\n")
    assert all(re.fullmatch(r"[0-9a-f]{64}  [^/\s][^\r\n]*", line) for line in lines)
    listed = {path: digest for digest, path in (line.split("  ", 1) for line in lines)}
    assert listed == payload(archive)
    assert sorted(listed) == [*(f"2021/{s}.{x}" for s in sorted((FIRST, SECOND)) for x in ("pdf", "xml")),
                              "archivist-profile.txt"]
    assert [line.split("  ", 1)[1] for line in lines] == sorted(listed)


def test_paths_are_percent_encoded_as_rfc_8493_says() -> None:
    odd = "2021/a%b\r\nc.pdf"
    assert manifest.encode_path(odd) == "2021/a%25b%0D%0Ac.pdf"
    assert manifest.decode_path(manifest.encode_path(odd)) == odd
    assert manifest.decode_path("2021/%0a.pdf") == "2021/%0a.pdf"  # only the RFC's own spelling


def test_a_rebuild_replaces_the_entry(archive: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    before = manifest.read_manifest(archive.archive).entries
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1625184000")
    assert main(["build", "-j", "1", *folder_args(archive), FIRST]) == 0
    after = manifest.read_manifest(archive.archive).entries
    assert after[f"2021/{FIRST}.pdf"] != before[f"2021/{FIRST}.pdf"]
    assert after == payload(archive)
    assert verify_cli(archive).returncode == 0


def test_verify_reports_missing_altered_and_unexpected(archive: Paths) -> None:
    good = verify_cli(archive)
    assert good.returncode == 0
    assert "verified 5 file(s) against 5 manifest entries: 0 missing, 0 altered, 0 unexpected" in good.stderr
    folder = archive.archive / "2021"
    (folder / f"{SECOND}.xml").unlink()
    with (folder / f"{FIRST}.pdf").open("ab") as handle:
        handle.write(b"\n")
    (folder / "notes.txt").write_text("not archived\n")
    (folder / "link.pdf").symlink_to(folder / f"{FIRST}.pdf")
    result = verify_cli(archive)
    assert result.returncode == 10
    digest = hashlib.sha256((folder / f"{FIRST}.pdf").read_bytes()).hexdigest()
    listed = manifest.read_manifest(archive.archive)
    assert result.stdout.splitlines() == [
        f"{folder}/{SECOND}.xml: missing; the manifest lists it (line {listed.lines[f'2021/{SECOND}.xml']})",
        f"{folder}/{FIRST}.pdf: altered; its SHA-256 is {digest}, the manifest says "
        f"{listed.entries[f'2021/{FIRST}.pdf']}",
        f"{folder}/link.pdf: unexpected; a symbolic link, and the archive holds only files",
        f"{folder}/notes.txt: unexpected; the manifest does not list it",
    ]
    assert "Traceback" not in result.stderr
    assert "archivist: " in result.stderr and "rebuild a missing or altered document" in result.stderr


def test_a_damaged_manifest_is_reported_and_never_rewritten(archive: Paths,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = archive.archive / manifest.MANIFEST_NAME
    damaged = path.read_bytes().replace(b"  2021/", b" 2021/", 1)
    path.write_bytes(damaged)
    result = verify_cli(archive)
    assert result.returncode == 10
    assert f"{path}:1: not a manifest line '<sha256>  <path>'" in result.stdout
    assert main(["build", "-j", "1", *folder_args(archive), FIRST]) == 10  # stored, not listed
    assert "the manifest is damaged, so it is not updated" in capsys.readouterr().err
    assert path.read_bytes() == damaged


def test_a_manifest_of_one_gigabyte_line_is_read_in_bounded_memory(archive: Paths) -> None:
    """A gigabyte with no line feed (a sparse file: zeros) is one damaged line, named by its
    length rather than quoted, and never held in memory."""
    path = archive.archive / manifest.MANIFEST_NAME
    number = path.read_bytes().count(b"\n") + 1
    with path.open("r+b") as file:
        file.truncate(1 << 30)
    result, peak_kib = archivist_peak("verify", "--archive", archive.archive)
    assert result.returncode == 10, result.stderr
    assert f"{path}:{number}: not a manifest line: it is longer than 65536 bytes" in result.stdout
    assert len(result.stdout) < 4000
    assert peak_kib < 200 * 1024


def test_damaged_lines_past_the_first_hundred_are_counted_not_listed(archive: Paths) -> None:
    path = archive.archive / manifest.MANIFEST_NAME
    listed = path.read_bytes()
    path.write_bytes(listed + b"x" * 200 + b"\n" + b"\n" * 299_999)
    result = archivist("verify", "--archive", archive.archive)
    assert result.returncode == 10
    lines = result.stdout.splitlines()
    number = listed.count(b"\n") + 1
    quoted = f"{'x' * 120!r}... (200 characters)"
    assert f"{path}:{number}: not a manifest line '<sha256>  <path>': {quoted}" in lines
    assert f"{path}: 299900 more damaged line(s), not listed" in lines
    assert len(lines) < 120
    assert "0 unexpected, 300000 damaged manifest line(s)" in result.stderr
    assert "300000 problem(s): the archive does not match its manifest" in result.stderr


def test_a_manifest_that_is_a_fifo_is_reported_at_once(archive: Paths) -> None:
    """A FIFO in its place once held verify, and the archive's lock with it, for ever."""
    path = archive.archive / manifest.MANIFEST_NAME
    backup = path.read_bytes()
    path.unlink()
    os.mkfifo(path)
    result = archivist("verify", "--archive", archive.archive)
    assert result.returncode == 10
    assert (f"{path}: it is a FIFO (named pipe), not a regular file, so it cannot be the manifest "
            "(restore the manifest from a backup)") in result.stdout
    path.unlink()
    path.write_bytes(backup)
    assert archivist("verify", "--archive", archive.archive).returncode == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"\n", b"\n\n", b"a", b"abcdefgh" * 3, "é".encode(), b"\xff"]), max_size=40),
       st.integers(1, 9))
def test_the_manifest_is_cut_into_runs_of_whole_lines(pieces: list[bytes], chunk: int) -> None:
    """Read a few bytes at a time, every line comes out once, whole and where the file has it,
    or, longer than the limit, as None, unkept."""
    data = b"".join(pieces)
    with patch.object(manifest, "_CHUNK", chunk), patch.object(manifest, "_MAX_LINE", 16):
        runs = list(manifest._runs_of_lines(io.BytesIO(data)))
    got: list[bytes | None] = []
    for offset, run in runs:
        if run is None:
            got.append(None)
        else:
            assert data.startswith(run, offset)
            got += run.removesuffix(b"\n").split(b"\n")
    lines = data.removesuffix(b"\n").split(b"\n") if data else []
    assert len(got) == len(lines)
    for line, read in zip(lines, got, strict=True):
        assert read == line or (read is None and len(line) > 16)


def flip_random_bit(rng: random.Random, path: Path) -> tuple[int, int]:
    data = bytearray(path.read_bytes())
    offset, bit = rng.randrange(len(data)), rng.randrange(8)
    data[offset] ^= 1 << bit
    path.write_bytes(bytes(data))
    return offset, bit


def test_every_flipped_bit_is_detected(archive: Paths) -> None:
    """Flip one random bit of one random file (documents and the manifest itself), many times."""
    rng = random.Random(20210716)
    targets = [archive.archive / p for p in payload(archive)] + [archive.archive / manifest.MANIFEST_NAME]
    originals = {path: path.read_bytes() for path in targets}
    detected = 0
    for _ in range(FLIPS):
        path = rng.choice(targets)
        flip_random_bit(rng, path)
        detected += bool(manifest.verify(archive.archive).problems)
        path.write_bytes(originals[path])
    print(f"bit flips detected: {detected} of {FLIPS} ({100 * detected / FLIPS:.1f} %)")
    assert detected == FLIPS
    assert not manifest.verify(archive.archive).problems
    assert left_in_staging(store.staging_dir(archive.archive)) == {store.LOCK_NAME}


def test_flipped_bits_fail_the_command_line(archive: Paths) -> None:
    rng = random.Random(7)
    targets = sorted(archive.archive.rglob("*.pdf")) + sorted(archive.archive.rglob("*.xml"))
    for path in targets:
        original = path.read_bytes()
        offset, bit = flip_random_bit(rng, path)
        result = verify_cli(archive)
        assert result.returncode == 10, (path, offset, bit)
        assert f"{path}: altered" in result.stdout
        path.write_bytes(original)


def test_make_verify(archive: Paths) -> None:
    command = make_command(archive.archive.parent, "verify", f"ARCHIVE={archive.archive}")
    assert subprocess.run(command, capture_output=True, text=True).returncode == 0
    (archive.archive / "2021" / f"{FIRST}.xml").write_text("<altered/>")
    failed = subprocess.run(command, capture_output=True, text=True)
    assert failed.returncode != 0
    assert f"{FIRST}.xml: altered" in failed.stdout


def test_a_write_settled_while_verify_hashes_is_not_taken_for_damage(
        archive: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build stores a document while verify hashes the archive, and is done before verify looks
    at what disagrees; its store is not yet in the manifest (builds list theirs per batch). The
    file's new bytes are the build's, not damage."""
    pdf = archive.archive / "2021" / f"{SECOND}.pdf"
    new_bytes = b"%PDF-1.7 stored meanwhile\n"
    real = manifest._files

    def listed_then_stored(where: Path) -> object:
        found = real(where)
        if not stored:
            stored.append(store.archive_write_all(archive.archive, [(pdf, new_bytes)]))
        return found

    stored: list[object] = []
    monkeypatch.setattr(manifest, "_files", listed_then_stored)
    report = manifest.verify(archive.archive)
    assert stored and report.altered == [] and report.missing == [] and report.unexpected == []
    assert manifest.read_manifest(archive.archive).entries[f"2021/{SECOND}.pdf"] == \
        hashlib.sha256(new_bytes).hexdigest()
