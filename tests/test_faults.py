"""Faults: a full disk, a refused permission, a SIGKILL at any moment, two builds at once.

Each leaves the previous copy of a document intact, nothing temporary under the archive,
and a manifest that ``archivist verify`` accepts once the fault is gone.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import multiprocessing
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from unittest import mock

import pytest
from conftest import (
    FIRST,
    archivist,
    archivist_peak,
    archivist_reading,
    file_digests,
    folder_args,
    left_in_staging,
    make_command,
    read_only,
    writable_again,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from archivist import build as build_module
from archivist import manifest, store
from archivist.archive import PROFILE_NAME
from archivist.build import Paths
from archivist.cli import main
from archivist.errors import ExitCode

SECOND_EPOCH = "1625184000"  # 2021-07-02: the rebuild's bytes differ from the first build's


def staged(paths: Paths) -> list[str]:
    """What the staging folder beside the archive holds that a finished writer leaves behind."""
    return sorted(left_in_staging(store.staging_dir(paths.archive)) - {store.LOCK_NAME})


def build(paths: Paths, *stems: str) -> int:
    return main(["build", "-j", "1", *folder_args(paths), *stems])


@pytest.fixture
def archived(workspace: Paths, capsys: pytest.CaptureFixture[str]) -> Paths:
    """The workspace with the first article built once; the next build's bytes will differ."""
    assert build(workspace) == 0
    capsys.readouterr()
    return workspace


def in_staging(fd: int) -> bool:
    return store.STAGING_SUFFIX in os.readlink(f"/proc/self/fd/{fd}")


def failing_on_staged_fds(real: Callable[..., object], code: int) -> Callable[..., object]:
    """os.write / os.fsync that fail with ``code`` on files being staged, as a full disk would."""
    def fake(fd: int, *args: object) -> object:
        if in_staging(fd):
            raise OSError(code, os.strerror(code))
        return real(fd, *args)
    return fake


@pytest.mark.parametrize(("call", "code", "hint"), [
    ("write", errno.ENOSPC, "free some disk space and run the build again"),
    ("fsync", errno.ENOSPC, "free some disk space and run the build again"),
    ("write", errno.EDQUOT, "the disk quota is exhausted"),
    ("fsync", errno.EIO, "fix the cause and build again"),
])
def test_a_failed_write_keeps_the_previous_copy(archived: Paths, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str], call: str,
                                                code: int, hint: str) -> None:
    before = file_digests(archived.archive)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SECOND_EPOCH)
    monkeypatch.setattr(os, call, failing_on_staged_fds(getattr(os, call), code))
    assert build(archived, FIRST) == 7
    err = capsys.readouterr().err
    assert f"cannot write: {os.strerror(code)}; the previous copy, if any, is intact ({hint})" in err
    assert f"{archived.archive}/2021/{FIRST}." in err
    assert "Traceback" not in err
    assert file_digests(archived.archive) == before
    assert staged(archived) == []
    monkeypatch.undo()  # space freed: the same build now goes through
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SECOND_EPOCH)
    assert build(archived, FIRST) == 0
    assert file_digests(archived.archive)[f"2021/{FIRST}.pdf"] != before[f"2021/{FIRST}.pdf"]
    assert not manifest.verify(archived.archive).problems


def test_permission_denied_on_the_rename_keeps_the_previous_copy(
        archived: Paths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    before = file_digests(archived.archive)
    real = os.replace

    def refuse(source: object, target: object, **folders: int) -> None:
        if "dst_dir_fd" in folders or str(archived.archive) in str(target):  # into the archive
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        real(source, target, **folders)

    monkeypatch.setenv("SOURCE_DATE_EPOCH", SECOND_EPOCH)
    monkeypatch.setattr(os, "replace", refuse)
    assert build(archived, FIRST) == 7
    err = capsys.readouterr().err
    assert ("cannot write: Permission denied; the previous copy, if any, is intact "
            "(check the archive folder's permissions)") in err
    assert file_digests(archived.archive) == before
    assert staged(archived) == []
    assert not manifest.verify(archived.archive).problems


def test_an_unwritable_staging_folder_is_named(workspace: Paths, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    real = os.mkdir

    def refuse(path: object, *args: object, **kwargs: object) -> None:
        if str(path).endswith(store.STAGING_SUFFIX):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        real(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", refuse)
    assert build(workspace, FIRST) == 7
    err = capsys.readouterr().err
    assert f".archive{store.STAGING_SUFFIX}: cannot create the archive's staging folder" in err
    assert "the folder that holds the archive must be writable" in err
    assert file_digests(workspace.archive) == {}


def test_a_full_disk_while_updating_the_manifest_is_caught_up_later(
        archived: Paths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The document is stored, the manifest cannot be: it stays whole, and the journal fills it in."""
    before = file_digests(archived.archive)
    real = store.archive_write

    def full_for_the_manifest(archive: Path, path: Path, data: bytes, *, journal: bool = True) -> None:
        if path.name == manifest.MANIFEST_NAME:
            raise store._storage_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), path)
        real(archive, path, data, journal=journal)

    monkeypatch.setenv("SOURCE_DATE_EPOCH", SECOND_EPOCH)
    monkeypatch.setattr(manifest, "archive_write", full_for_the_manifest)
    assert build(archived, FIRST) == 7
    assert "No space left on device" in capsys.readouterr().err
    after = file_digests(archived.archive)
    assert after[manifest.MANIFEST_NAME] == before[manifest.MANIFEST_NAME]
    assert after[f"2021/{FIRST}.pdf"] != before[f"2021/{FIRST}.pdf"]
    # one intent, a record of the journal, for the article's two files: the PDF and its oai_dc record
    assert staged(archived) == [store.JOURNAL]
    assert sorted(intent.relpath for intent in store.intents(archived.archive)) == [
        f"2021/{FIRST}.pdf", f"2021/{FIRST}.xml"]
    monkeypatch.undo()
    report = manifest.verify(archived.archive)
    assert report.problems == []
    assert manifest.read_manifest(archived.archive).entries[f"2021/{FIRST}.pdf"] == after[f"2021/{FIRST}.pdf"]
    assert staged(archived) == []


def test_leftovers_of_dead_writers_are_swept_and_live_ones_kept(archived: Paths) -> None:
    staging = store.staging_dir(archived.archive)
    dead = staging / f"dead{store.PART}"
    dead.write_bytes(b"half a PDF")
    live_fd, live = store.create_staged(archived.archive, store.PART)  # a writer still at work
    try:
        assert store.sweep_staging(archived.archive) == 1
        assert not dead.exists()
        assert live.exists()
    finally:
        os.close(live_fd)
    assert store.sweep_staging(archived.archive) == 1
    assert not live.exists()


def refused(fd: int, start: int) -> bool:
    raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))  # as a file system without range locks


@pytest.mark.parametrize("without", ["", "_OFD", "_record_held"],
                         ids=["journal", "no range locks here", "none on this file system"])
def test_intents_apply_only_when_their_bytes_were_stored(archived: Paths, monkeypatch: pytest.MonkeyPatch,
                                                        without: str) -> None:
    """A writer killed after its rename is caught up; one killed before it changes nothing.
    Where there are no locks on byte ranges, each write's intent is a file of its own."""
    if without:
        monkeypatch.setattr(store, without, False if without == "_OFD" else refused)
    pdf = archived.pdf(FIRST)
    new = pdf.read_bytes() + b"%% a later version\n"
    store.archive_write(archived.archive, pdf, new)  # renamed, then "killed" before record()
    assert [name.endswith(store.INTENT) for name in staged(archived)] == [bool(without)]
    assert manifest.verify(archived.archive).problems == []
    assert manifest.read_manifest(archived.archive).entries[f"2021/{FIRST}.pdf"] == hashlib.sha256(
        new).hexdigest()
    fd, intent = store.create_staged(archived.archive, store.INTENT, "0" * 64 + ".")
    os.write(fd, f"2021/{FIRST}.pdf\n".encode())  # an intent whose rename never happened
    os.close(fd)
    assert manifest.verify(archived.archive).problems == []
    assert not intent.exists()
    assert staged(archived) == []


def test_a_user_who_may_only_read_verifies_lists_and_searches_writing_nothing(
        readable_workspace: Paths) -> None:
    """A read-only mount or another user's archive: verify applies the settled intents to the
    manifest as it reads it, finds what was altered, and list and search read the catalog;
    nothing under the archive or beside it changes. Then the owner's verify applies them."""
    paths = readable_workspace
    assert archivist("build", *folder_args(paths)).returncode == 0
    pdf, xml = paths.pdf(FIRST), paths.oai_dc(FIRST)
    new = pdf.read_bytes() + b"%% a later version\n"
    store.archive_write(paths.archive, pdf, new)  # stored, then "killed" before the manifest's update
    xml.write_bytes(xml.read_bytes().replace(b"Rabat", b"Tanger"))  # altered behind archivist's back
    root = paths.archive.parent
    read_only(root)
    before = file_digests(root, mtimes=True)
    verified = archivist_reading(root, "verify", "--archive", paths.archive)
    assert verified.returncode == 10, verified.stderr
    assert verified.stdout.splitlines() == [
        f"{xml}: altered; its SHA-256 is {hashlib.sha256(xml.read_bytes()).hexdigest()}, the manifest "
        f"says {manifest.read_manifest(paths.archive).entries[f'2021/{FIRST}.xml']}"]
    listed = archivist_reading(root, "list", "--archive", paths.archive, "--json")
    assert [Path(d["path"]).stem for d in json.loads(listed.stdout)] == [FIRST], listed.stderr
    found = archivist_reading(root, "search", "Lamorgese", "--archive", paths.archive)
    assert found.returncode == 0 and f"{FIRST}.pdf" in found.stdout, found.stderr
    assert file_digests(root, mtimes=True) == before
    staging = store.staging_dir(paths.archive)
    staging.chmod(0o000)  # a staging folder this user may not even search
    refused = archivist_reading(root, "verify", "--archive", paths.archive)
    assert (refused.returncode, refused.stderr) == (7, (
        f"archivist: {staging / store.LOCK_NAME}: cannot be opened as the archive's lock: Permission "
        "denied (ask the archive's owner to let this user read its staging folder)\n"))
    writable_again(root)
    assert manifest.verify(paths.archive).altered == [verified.stdout.strip()]
    listed_now = manifest.read_manifest(paths.archive).entries
    assert listed_now[f"2021/{FIRST}.pdf"] == hashlib.sha256(new).hexdigest()


@contextlib.contextmanager
def write_in_flight(archive: Path, path: Path, data: bytes) -> Iterator[Callable[[], None]]:
    """A writer that has renamed ``data`` in at ``path`` and not finished yet, until the block ends
    or the function it gives is called."""
    renamed, finish = threading.Event(), threading.Event()
    real_replace = os.replace

    def slow_replace(*args: object, **kwargs: object) -> None:
        real_replace(*args, **kwargs)
        renamed.set()
        finish.wait(60)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "replace", slow_replace)
        writer = threading.Thread(target=store.archive_write, args=(archive, path, data))
        writer.start()
        assert renamed.wait(60)

    def done() -> None:
        finish.set()
        writer.join()

    try:
        yield done
    finally:
        done()


@pytest.mark.parametrize("cut", [b"", b"0" * 64 + b" 2021/x.pdf\n", b"0123abc", b"\n\n\n"],
                         ids=["whole journal", "after a line cut short", "in a line cut short",
                              "after a forgotten record"])
def test_a_write_in_flight_is_allowed_its_bytes_and_listed_once_done(archived: Paths, cut: bytes) -> None:
    """A writer between its rename and its end holds its record (wherever a crash left the
    journal's last record): verify takes the new bytes for a write in flight, not damage, and
    the manifest lists them once the writer is done."""
    (store.staging_dir(archived.archive) / store.JOURNAL).write_bytes(cut)
    pdf, relpath = archived.pdf(FIRST), f"2021/{FIRST}.pdf"
    new = pdf.read_bytes() + b"%% a later version\n"
    with write_in_flight(archived.archive, pdf, new):
        with store.archive_lock(archived.archive):
            held = [not i.settled for i in store.intents(archived.archive) if i.relpath == relpath]
        assert held == [True]
        assert manifest.verify(archived.archive).problems == []
        assert manifest.read_manifest(archived.archive).entries[relpath] != hashlib.sha256(new).hexdigest()
    assert manifest.verify(archived.archive).problems == []
    assert manifest.read_manifest(archived.archive).entries[relpath] == hashlib.sha256(new).hexdigest()
    assert staged(archived) == []


def test_a_write_ending_while_verify_looks_again_is_never_damage(archived: Paths,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """verify looks again, under the lock, at a file that disagreed: the writes in flight are
    read first, then the settled ones applied. A write that ends between the two readings is
    applied or allowed, whichever reading comes first (each reading of the intents here ends
    the write once it has been read twice)."""
    pdf, relpath = archived.pdf(FIRST), f"2021/{FIRST}.pdf"
    new = pdf.read_bytes() + b"%% a later version\n"
    with write_in_flight(archived.archive, pdf, new) as finish:
        readings = []

        def reading_then_finishing(archive: Path) -> list[store.Intent]:
            found = store.intents(archive)
            readings.append([intent.settled for intent in found if intent.relpath == relpath])
            if len(readings) == 2:
                finish()
            return found

        monkeypatch.setattr(manifest, "intents", reading_then_finishing)
        assert manifest.verify(archived.archive).problems == []
    assert readings[:3] == [[False], [False], [True]]
    assert manifest.read_manifest(archived.archive).entries[relpath] == hashlib.sha256(new).hexdigest()


def test_a_record_settling_while_the_manifest_is_updated_is_kept_for_the_next(archived: Paths) -> None:
    """Intents are read, the manifest written, then the applied ones forgotten: a writer that
    finishes in between has its record kept, not forgotten unapplied, and the settled records
    forgotten meanwhile are not read (nor their files hashed) again."""
    pdf, xml = archived.pdf(FIRST), archived.pdf(FIRST).with_suffix(".xml")
    store.archive_write(archived.archive, xml, xml.read_bytes() + b"\n")  # done: settled
    new = pdf.read_bytes() + b"%% a later version\n"
    with write_in_flight(archived.archive, pdf, new), store.archive_lock(archived.archive):
        settled = [intent for intent in store.intents(archived.archive) if intent.settled]
        assert [intent.relpath for intent in settled] == [f"2021/{FIRST}.xml"]
    with store.archive_lock(archived.archive):  # the writer has finished since
        store.forget_intents(archived.archive, settled)
        left = [(intent.relpath, intent.settled) for intent in store.intents(archived.archive)]
        assert left == [(f"2021/{FIRST}.pdf", True)]
    manifest.add_files(archived.archive, ())
    assert manifest.read_manifest(archived.archive).entries[f"2021/{FIRST}.pdf"] == hashlib.sha256(
        new).hexdigest()
    assert staged(archived) == []


@pytest.mark.parametrize("cut", [b"0123abc", b"0" * 64 + b" 2021/x.pdf\n", b"\n",
                                 f"{'0' * 64} 2021/{FIRST}.p".encode()],
                         ids=["in a line", "after a line", "an empty line", "inside a path"])
def test_a_record_cut_short_by_a_crash_does_not_hide_the_next(archived: Paths, cut: bytes) -> None:
    """A writer killed while appending its record leaves part of it: that part names no file
    (not even one whose path it was cut inside), and the next record is still read whole, and
    applied."""
    (store.staging_dir(archived.archive) / store.JOURNAL).write_bytes(cut)
    pdf = archived.pdf(FIRST)
    new = pdf.read_bytes() + b"%% a later version\n"
    with store.archive_lock(archived.archive):
        void = {intent.relpath for intent in store.intents(archived.archive)}
    assert void == ({""} if cut.strip() else set())
    store.archive_write(archived.archive, pdf, new)  # renamed, then "killed" before the manifest
    with store.archive_lock(archived.archive):
        named = [intent.relpath for intent in store.intents(archived.archive) if intent.relpath]
    assert named == [f"2021/{FIRST}.pdf"]
    assert manifest.verify(archived.archive).problems == []
    assert manifest.read_manifest(archived.archive).entries[f"2021/{FIRST}.pdf"] == hashlib.sha256(
        new).hexdigest()
    assert staged(archived) == []


def test_a_journaled_write_makes_no_file_but_the_ones_it_stores(
        archived: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its intent is a record of the journal the staging folder already has: no file of its own,
    which would cost the file system an inode and the folder an fsync."""
    made: list[str] = []
    real_open = os.open

    def recording_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & os.O_CREAT and not os.path.exists(path):
            made.append(Path(str(path)).suffix)
        return real_open(path, flags, *args, **kwargs)

    pdf = archived.pdf(FIRST)
    monkeypatch.setattr(os, "open", recording_open)
    store.archive_write_all(archived.archive, [(pdf.with_suffix(".xml"), b"<record/>\n"),
                                               (pdf, pdf.read_bytes() + b"%%\n")])
    monkeypatch.undo()
    assert made == [store.PART, store.PART]


def test_a_journal_that_is_not_a_file_is_named_and_never_waited_on(
        archived: Paths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A FIFO in the journal's place: verify reads no intent from it, without waiting for a
    writer to open it; a build refuses to journal in it, naming it, and stores nothing."""
    journal = store.staging_dir(archived.archive) / store.JOURNAL
    journal.unlink()
    os.mkfifo(journal)
    before = file_digests(archived.archive)
    assert manifest.verify(archived.archive).problems == []
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SECOND_EPOCH)
    assert build(archived, FIRST) == 7
    err = capsys.readouterr().err
    assert f"{journal}: is not a regular file, so no write can be journaled in it (remove it" in err
    assert file_digests(archived.archive) == before
    journal.unlink()
    assert build(archived, FIRST) == 0  # made again
    assert not manifest.verify(archived.archive).problems


def test_a_journal_of_a_gigabyte_of_garbage_is_read_in_bounded_memory(archived: Paths) -> None:
    """A sparse gigabyte (zeros, no line feed) is one void record, and a million short ones
    are taken as one: verify reads past them, holding no more than a chunk, to the intent
    after them, which puts its file back into the manifest; then it forgets them all."""
    journal = store.staging_dir(archived.archive) / store.JOURNAL
    listing = archived.archive / manifest.MANIFEST_NAME
    relpath = f"2021/{FIRST}.pdf"
    digest = manifest.read_manifest(archived.archive).entries[relpath]
    listing.write_bytes(b"".join(line for line in listing.read_bytes().splitlines(keepends=True)
                                 if not line.endswith(f"  {relpath}\n".encode())))
    with journal.open("r+b") as file:
        file.truncate(1 << 30)
        file.seek(0, os.SEEK_END)
        file.write(b"\n\n" + b"x\n\n" * 1_000_000 + f"{digest} {relpath}\n\n".encode())
    result, peak_kib = archivist_peak("verify", "--archive", archived.archive)
    assert result.returncode == 0, result.stdout + result.stderr
    assert peak_kib < 200 * 1024
    assert manifest.read_manifest(archived.archive).entries[relpath] == digest
    assert journal.stat().st_size == 0


def _records_as_a_whole(data: bytes, longest: int) -> list[tuple[int, int, bytes | None]]:
    """What the journal's records are, read from all its bytes at once."""
    return [(record.start(), len(record[0]),
             record[0] if data.startswith(b"\n\n", record.end()) and len(record[0]) <= longest else None)
            for record in store._RECORD.finditer(data)]


@settings(max_examples=500, deadline=None)
@given(pieces=st.lists(st.sampled_from([b"\n", b"\n\n", b"-", b"a b", b"0" * 20, b"0123456789abcdef",
                                        b"\0" * 7]), max_size=40),
       chunk=st.integers(1, 9))
def test_the_journal_read_a_chunk_at_a_time_has_the_records_it_has_as_a_whole(pieces: list[bytes],
                                                                              chunk: int) -> None:
    data = b"".join(pieces)
    fd = os.memfd_create("journal")
    try:
        os.write(fd, data)
        with mock.patch.object(store, "_CHUNK", chunk), mock.patch.object(store, "_MAX_RECORD", 16):
            assert list(store._records(fd)) == _records_as_a_whole(data, 16)
    finally:
        os.close(fd)


def test_a_builds_mark_that_is_a_fifo_is_refused_at_once(archived: Paths) -> None:
    """It held build and clean for ever."""
    mark = store.staging_dir(archived.archive) / store.BUILDING
    mark.unlink()
    os.mkfifo(mark)
    message = (f"{mark}: the builds' mark is a FIFO (named pipe), not a file (remove it: archivist makes "
               "it again)")
    for command in (["build", *folder_args(archived)], ["clean", "--archive", str(archived.archive)]):
        result = archivist(*command)
        assert result.returncode == 7, (command, result.stderr)
        assert message in result.stderr
    mark.unlink()
    assert archivist("build", *folder_args(archived)).returncode == 0


def _hold_lock(archive: str, held: multiprocessing.synchronize.Event,
               release: multiprocessing.synchronize.Event) -> None:
    with store.archive_lock(Path(archive)):
        held.set()
        release.wait(60)


def _lock_is_free(archive: Path) -> bool:
    """Whether another process could take the lock now: a non-blocking flock(2) on the same file."""
    fd = os.open(store.staging_dir(archive) / store.LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def test_the_archive_lock_excludes_other_processes_and_nests_in_one(archived: Paths) -> None:
    context = multiprocessing.get_context("fork")
    held, release = context.Event(), context.Event()
    other = context.Process(target=_hold_lock, args=(str(archived.archive), held, release))
    other.start()
    try:
        assert held.wait(30)
        assert not _lock_is_free(archived.archive)  # held by the other process: this one must queue
    finally:
        release.set()
        other.join(30)
    assert other.exitcode == 0
    assert _lock_is_free(archived.archive)  # its holder gone, the kernel has released it
    with store.archive_lock(archived.archive):
        assert not _lock_is_free(archived.archive)
        with store.archive_lock(archived.archive):  # nested in one process: no deadlock
            assert not _lock_is_free(archived.archive)
    assert _lock_is_free(archived.archive)



def test_a_command_kept_waiting_by_another_writer_says_so_and_goes_on(archived: Paths) -> None:
    """A build that finds another process writing to the archive (a catalog rebuild reading
    every PDF, a clean) says what it waits for instead of hanging silently, and finishes once
    that process is done."""
    context = multiprocessing.get_context("fork")
    held, release = context.Event(), context.Event()
    other = context.Process(target=_hold_lock, args=(str(archived.archive), held, release))
    other.start()
    waiting, rest = None, ""
    try:
        assert held.wait(30)
        waiting = subprocess.Popen([sys.executable, "-m", "archivist", "build", *folder_args(archived)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert waiting.stderr is not None
        ready, _, _ = select.select([waiting.stderr], [], [], 120)  # the notice, or a failure
        notice = waiting.stderr.readline() if ready else "(nothing in 120 s)"
        assert notice == (f"archivist: waiting for {archived.archive.resolve()}: another archivist "
                          "process is writing to it (a build, a clean, a catalog rebuild); this one "
                          "goes on when it is done\n")
        assert waiting.poll() is None  # still waiting: the lock is held
    finally:
        release.set()
        other.join(30)
        if waiting is not None:
            _, rest = waiting.communicate(timeout=300)
    assert waiting is not None and waiting.returncode == 0, rest
    assert "failed 0" in rest
    assert "waiting for" not in archivist("build", *folder_args(archived)).stderr  # none when free


# -- processes killed and running at once -----------------------------------------------------


def copies(paths: Paths, count: int) -> list[str]:
    """``count`` articles: the first and copies of it under other names and identifiers."""
    stems = [FIRST] + [f"2021-07-copy-{n}" for n in range(1, count)]
    for stem in stems[1:]:
        shutil.copy(paths.article(FIRST), paths.article(stem))
        paths.record(stem).write_text(paths.record(FIRST).read_text("utf-8").replace(FIRST, stem), "utf-8")
    return stems


def start(paths: Paths, stems: list[str], epoch: str, jobs: int = 2,
          start_method: str | None = None) -> subprocess.Popen[bytes]:
    """``archivist build`` in a session of its own; its pool's processes started by
    ``start_method`` when one is given."""
    command = ["-m", "archivist"] if start_method is None else [
        "-c", "import multiprocessing, sys; from archivist.cli import main; "
        f"multiprocessing.set_start_method({start_method!r}); sys.exit(main(sys.argv[1:]))"]
    return subprocess.Popen(
        [sys.executable, *command, "build", "-j", str(jobs), *folder_args(paths), *stems],
        env={**os.environ, "SOURCE_DATE_EPOCH": epoch}, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def group_gone(pgid: int) -> bool:
    """No live (non-zombie) process is left in the process group."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return False
    return True


def test_ctrl_c_stops_a_pool_at_once_and_leaves_a_sound_archive(workspace: Paths) -> None:
    """Ctrl-C reaches every process of the terminal's group, the pool's workers too: the build
    stops at once (the articles not started are not built, none is left to run on in a worker
    or to wait on the pool's queue), exits 130, and the archive verifies."""
    stems = copies(workspace, 300)
    process = start(workspace, stems, "1625097600")
    deadline = time.monotonic() + 120
    while not any(workspace.archive.glob("*/*.pdf")) and process.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.005)  # until the first article is stored
    assert process.poll() is None, "the build ended before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(120) == ExitCode.INTERRUPTED
    assert process.stderr is not None
    assert "archivist: interrupted; the archive holds only complete files" in process.stderr.read().decode()
    deadline = time.monotonic() + 30
    while not group_gone(process.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert group_gone(process.pid)
    assert len(list(workspace.archive.glob("*/*.pdf"))) < len(stems) // 2
    assert manifest.verify(workspace.archive).problems == []
    assert archivist("clean", "--archive", workspace.archive).returncode == 0  # no build holds its mark


@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])  # forkserver: Python 3.14's default
def test_a_build_killed_alone_takes_its_workers_with_it(workspace: Paths, method: str) -> None:
    """kill -9 (or the OOM killer) of the build process alone, not of its group: its pool's
    workers end too (and a fork server and resource tracker with them), instead of waiting
    for ever on the pool's queue with the builds' mark held, which kept clean refusing until
    they were found and killed by hand."""
    stems = copies(workspace, 300)
    process = start(workspace, stems, "1625097600", start_method=method)
    try:
        deadline = time.monotonic() + 120
        while not any(workspace.archive.glob("*/*.pdf")) and process.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.005)  # until the first article is stored: the workers are at work
        assert process.poll() is None, "the build ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(30) == -signal.SIGKILL
        deadline = time.monotonic() + 30
        while not group_gone(process.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert group_gone(process.pid), "a worker of the killed build is still running"
    finally:  # never left running by a failure
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert manifest.verify(workspace.archive).problems == []
    assert archivist("clean", "--archive", workspace.archive).returncode == 0  # no build holds its mark


@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_a_pool_worker_watching_its_build_lives_as_long_as_the_build(method: str) -> None:
    """Each worker works until the pool is shut down and then exits by itself (exit code 0):
    its watch never mistakes a living build for a dead one."""
    context = multiprocessing.get_context(method)
    pool = ProcessPoolExecutor(2, mp_context=context, initializer=build_module._worker_started,
                               initargs=(False, os.getpid(), method))
    with pool:
        for future in [pool.submit(os.getpid) for _ in range(8)]:  # work, the watches started
            future.result()
        workers = list(pool._processes.values())
    assert [worker.exitcode for worker in workers] == [0] * len(workers)


def test_a_build_started_deaf_to_ctrl_c_builds_on_through_it(workspace: Paths) -> None:
    """A build started with Ctrl-C ignored (in the background of a script) ignores it in its
    pool's workers too: a Ctrl-C meant for the foreground stops none of its articles."""
    stems = copies(workspace, 60)
    process = subprocess.Popen(
        [sys.executable, "-m", "archivist", "build", "-j", "2", *folder_args(workspace), *stems],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    deadline = time.monotonic() + 120
    while not any(workspace.archive.glob("*/*.pdf")) and process.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.005)  # until the first article is stored
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(300) == 0, process.stderr.read() if process.stderr else ""
    assert len(list(workspace.archive.glob("*/*.pdf"))) == len(stems)


def test_a_pool_build_gives_ctrl_c_back_as_it_found_it(workspace: Paths) -> None:
    """A pool build holds Ctrl-C back while it works on the pool's own bookkeeping; a process
    that builds (a test, a service) has Python's own handler again once it is done."""
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert main(["build", "-j", "2", *folder_args(workspace), *copies(workspace, 3)]) == 0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def reference(tmp_path: Path, paths: Paths, stems: list[str], epoch: str) -> dict[str, str]:
    """sha256 of every file a complete build with ``epoch`` stores."""
    ref = Paths(paths.seeds, paths.metadata, tmp_path / f"ref-{epoch}" / "archive")
    ref.archive.mkdir(parents=True)
    result = start(ref, stems, epoch)
    assert result.wait(300) == 0, result.stderr.read() if result.stderr else ""
    return {k: v for k, v in file_digests(ref.archive).items() if k not in manifest.BOOKKEEPING}


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_only_complete_files(workspace: Paths, tmp_path: Path) -> None:
    """≥100 SIGKILLs of a real build rebuilding two documents, at random delays over its run."""
    stems = copies(workspace, 2)
    epochs = ("1625097600", SECOND_EPOCH)
    versions = [reference(tmp_path, workspace, stems, epoch) for epoch in epochs]
    valid = {path: {v[path] for v in versions} for path in versions[0]}
    started = time.monotonic()
    first = start(workspace, stems, epochs[0])
    assert first.wait(300) == 0
    duration = time.monotonic() - started
    rng = random.Random(4)
    kills = completed = bad = mid_store = 0
    for attempt in range(400):
        if kills >= 100:
            break
        pending = set(staged(workspace))
        launched = time.monotonic()
        process = start(workspace, stems, epochs[attempt % 2])
        time.sleep(rng.uniform(0.0, duration))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            kills += 1
        else:  # runs are quicker than the first: spread the next kills over the quicker run
            completed += 1
            duration = min(duration, time.monotonic() - launched)
        process.wait()
        deadline = time.monotonic() + 30
        while not group_gone(process.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        mid_store += bool(set(staged(workspace)) - pending)  # caught mid-store or before the manifest
        for relpath, digest in file_digests(workspace.archive).items():
            if relpath in manifest.BOOKKEEPING:
                continue
            if digest not in valid.get(relpath, ()):
                bad += 1
                print(f"after kill {kills}: {relpath} is partial, corrupt or temporary")
        assert not manifest.read_manifest(workspace.archive).damaged
        if kills % 2:  # half the time the journal is caught up by verify, half by the next build
            assert manifest.verify(workspace.archive).problems == []
    elapsed = time.monotonic() - started
    print(f"SIGKILL test: {kills} kills ({mid_store} left a store or its manifest update "
          f"unfinished), {completed} runs completed before their kill, "
          f"{bad} partial/corrupt/temporary files, {elapsed:.0f} s")
    assert kills >= 100
    assert bad == 0
    for command in ("verify", "check"):
        args = ["--archive", str(workspace.archive)] if command == "verify" else folder_args(workspace)
        result = subprocess.run([sys.executable, "-m", "archivist", command, *args],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    assert store.sweep_staging(workspace.archive) == 0  # verify has already cleared every leftover
    assert staged(workspace) == []


def test_two_builds_at_once_never_corrupt_the_archive(workspace: Paths) -> None:
    """Two processes rebuilding the same documents, with different bytes, three times over."""
    stems = copies(workspace, 4)
    for _ in range(3):
        runs = [start(workspace, stems, epoch) for epoch in ("1625097600", SECOND_EPOCH)]
        for run in runs:
            assert run.wait(300) == 0, run.stderr.read() if run.stderr else ""
        assert manifest.verify(workspace.archive).problems == []
    entries = manifest.read_manifest(workspace.archive).entries
    assert sorted(entries) == sorted([*(f"2021/{s}.{x}" for s in stems for x in ("pdf", "xml")),
                                      PROFILE_NAME])
    check = subprocess.run([sys.executable, "-m", "archivist", "check", *folder_args(workspace)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert staged(workspace) == []


def test_two_makes_at_once_never_corrupt_the_archive(workspace: Paths, tmp_path: Path) -> None:
    stems = copies(workspace, 4)
    command = make_command(tmp_path, f"SEEDS={workspace.seeds}", f"METADATA={workspace.metadata}",
                           f"ARCHIVE={workspace.archive}", "JOBS=2", "-j2")
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    for run in runs:
        out, err = run.communicate(timeout=600)
        assert run.returncode == 0, out + err
    assert manifest.verify(workspace.archive).problems == []
    assert sorted(manifest.read_manifest(workspace.archive).entries) == sorted(
        [*(f"2021/{s}.{x}" for s in stems for x in ("pdf", "xml")), PROFILE_NAME])
    verify = subprocess.run(make_command(tmp_path, "verify", f"ARCHIVE={workspace.archive}"),
                            capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr


_SECOND_BUILD = """
import fcntl, os, sys
from archivist.cli import main
try:
    lock = os.open(sys.argv[1], os.O_RDWR)
except FileNotFoundError:  # no writer has made it yet
    print("free", flush=True)
else:
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("held", flush=True)
    else:
        fcntl.flock(lock, fcntl.LOCK_UN)
        print("free", flush=True)
    os.close(lock)
print("done", main(["build", "-j", "1", *sys.argv[2:]]), flush=True)
"""


def test_a_build_in_between_keeps_its_place_in_the_catalog(
        workspace: Paths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A second build that comes while the first has listed its files in the manifest but not yet
    brought the catalog in line with that listing waits for it: run in between, it once had its
    document dropped from the catalog by the first build's stale listing."""
    from archivist import catalog

    stems = copies(workspace, 2)
    lock = store.staging_dir(workspace.archive) / store.LOCK_NAME
    real = manifest.add_files
    second: list[subprocess.Popen[str]] = []
    said: list[str] = []

    def listed_then_a_second_build(archive: Path, files: list[Path]) -> dict[str, str]:
        listing = real(archive, files)
        if not second and any(file.suffix == ".pdf" for file in files):  # the first build's register
            second.append(subprocess.Popen([sys.executable, "-c", _SECOND_BUILD, str(lock),
                                            *folder_args(workspace), stems[1]],
                                           stdout=subprocess.PIPE, text=True))
            said.append(second[0].stdout.readline().strip())
            if said[0] == "free":  # the lock was let go between the two: let the second build run there
                said.append(second[0].stdout.readline().strip())
        return listing

    monkeypatch.setattr(manifest, "add_files", listed_then_a_second_build)
    assert build(workspace, stems[0]) == 0
    out, _ = second[0].communicate(timeout=300)
    said += out.split("\n")
    assert "done 0" in said
    listed = catalog.list_documents(workspace.archive, catalog.Filters())
    assert sorted(document.stem for document in listed) == sorted(stems)
    assert said[0] == "held"


def test_two_builds_in_two_profiles_never_share_a_new_archive(
        workspace: Paths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The first build records a new archive's profile under the lock: a build in another profile
    that comes meanwhile waits, finds that profile and is refused. Run in between, it once found
    none, recorded its own and archived its article in it, and the archive held two profiles."""
    from archivist import archive

    stems = copies(workspace, 2)
    lock = store.staging_dir(workspace.archive) / store.LOCK_NAME
    real = archive.write_profile
    second: list[subprocess.Popen[str]] = []

    def recorded_while_a_second_build_comes(where: Path, profile: object) -> None:
        command = [sys.executable, "-c", _SECOND_BUILD, str(lock), "--profile", "3u", *folder_args(workspace),
                   stems[1]]
        second.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
        if second[0].stdout.readline().strip() != "held":  # free: let it run in between
            second[0].wait(timeout=300)
        real(where, profile)

    monkeypatch.setattr(archive, "write_profile", recorded_while_a_second_build_comes)
    assert build(workspace, stems[0]) == 0
    out, _ = second[0].communicate(timeout=300)
    assert second[0].returncode == 0 and f"done {ExitCode.WOULD_OVERWRITE.value}" in out
    assert (workspace.archive / PROFILE_NAME).read_text() == "2a+ua1\n"
    assert not workspace.pdf(stems[1]).exists()


def test_a_build_while_the_catalog_is_rebuilt_keeps_its_place_in_it(
        archived: Paths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A rebuild of the catalog reads the PDFs under the lock: a build that comes meanwhile waits.
    Run in between, it once had its document left out by the rebuild's older reading."""
    from archivist import catalog

    stems = copies(archived, 2)
    lock = store.staging_dir(archived.archive) / store.LOCK_NAME
    real = catalog.read_document
    second: list[subprocess.Popen[str]] = []

    def read_while_a_build_comes(where: Path, pdf: Path) -> catalog.Document:
        if not second:
            command = [sys.executable, "-c", _SECOND_BUILD, str(lock), *folder_args(archived), stems[1]]
            second.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
            if second[0].stdout.readline().strip() != "held":  # free: let it run in between
                second[0].wait(timeout=300)
        return real(where, pdf)

    monkeypatch.setattr(catalog, "read_document", read_while_a_build_comes)
    assert main(["catalog", "--rebuild", "--archive", str(archived.archive)]) == 0
    out, _ = second[0].communicate(timeout=300)
    assert second[0].returncode == 0 and "done 0" in out
    listed = catalog.list_documents(archived.archive, catalog.Filters())
    assert sorted(document.stem for document in listed) == sorted(stems)


_GO = multiprocessing.get_context("fork").Event()  # lets the pool's other articles be built
_REAL_BUILD_ONE = build_module.build_one


def _build_one_when_let(paths: Paths, stem: str, profile: object) -> object:
    """build_one, for every article but the first only once the pool is being shut down."""
    if stem != FIRST:
        _GO.wait(timeout=300)
    return _REAL_BUILD_ONE(paths, stem, profile)


def test_a_pool_given_up_on_builds_no_more_articles(workspace: Paths,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that stops taking outcomes (an error, an interruption) stops its pool: the
    articles not started are neither built nor stored once its mark on the archive is gone.
    Past the first article, each of the two workers has at most one at work and at most three
    are queued for them (concurrent.futures queues workers + 1) when the pool is shut down:
    six of the ten at most."""
    from concurrent.futures import ProcessPoolExecutor

    from archivist.profile import DEFAULT_PROFILE

    real_shutdown = ProcessPoolExecutor.shutdown

    def shutdown_letting_them_go(pool: ProcessPoolExecutor, *args: object, **kwargs: object) -> None:
        _GO.set()
        real_shutdown(pool, *args, **kwargs)

    _GO.clear()
    monkeypatch.setattr(ProcessPoolExecutor, "shutdown", shutdown_letting_them_go)
    monkeypatch.setattr(build_module, "build_one", _build_one_when_let)
    stems = copies(workspace, 10)
    outcomes = build_module.build_many(workspace, stems, DEFAULT_PROFILE, 2)
    assert next(outcomes).stem == FIRST
    outcomes.close()
    assert 1 <= len(list(workspace.archive.glob("*/*.pdf"))) <= 1 + 2 + 3
