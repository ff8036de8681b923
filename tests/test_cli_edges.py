"""The command line at its edges: a closed pipe, odd names, odd queries, unreadable files, library noise."""

from __future__ import annotations

import errno
import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIRST, archivist, folder_args

from archivist import manifest
from archivist.build import Paths
from archivist.catalog import MAX_QUERY_WORDS
from archivist.cli import main
from archivist.errors import ExitCode


@pytest.fixture
def built(workspace: Paths, capsys: pytest.CaptureFixture[str]) -> Paths:
    assert main(["build", "-j", "1", *folder_args(workspace)]) == 0
    capsys.readouterr()
    return workspace


def test_a_reader_that_goes_away_ends_the_listing_quietly(built: Paths) -> None:
    """`archivist list --json | head -c 0`: the pipe is closed before anything is written."""
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run([sys.executable, "-m", "archivist", "list", "--json", "--archive",
                                 str(built.archive)], stdout=write, stderr=subprocess.PIPE, text=True,
                                timeout=60)
    finally:
        os.close(write)
    assert result.returncode == 0, result.stderr
    assert "BrokenPipeError" not in result.stderr and "Traceback" not in result.stderr
    assert "Exception ignored" not in result.stderr


@pytest.mark.parametrize(("language", "found"), [
    ("fr", 1), ("FR", 1), ("%", 0), ("_r", 0), ("f%", 0), ("fr-%", 0),
])
def test_a_language_filter_is_text_never_a_pattern(built: Paths, language: str, found: int) -> None:
    result = archivist("list", "--json", "--language", language, "--archive", built.archive)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == found


def test_a_language_filter_matches_its_subtags(built: Paths) -> None:
    record = built.record(FIRST)
    record.write_text(record.read_text("utf-8").replace("language: fr", "language: fr-CA"), "utf-8")
    assert main(["build", "-j", "1", *folder_args(built)]) == 0

    def listed(language: str) -> list[dict]:
        result = archivist("list", "--json", "--language", language, "--archive", built.archive)
        return json.loads(result.stdout)

    assert [d["language"] for d in listed("fr")] == ["fr-CA"]
    assert listed("f_") == listed("fr-%") == []


def test_a_search_longer_than_the_cap_is_refused_at_once(built: Paths) -> None:
    words = ["Lamorgese"] * (MAX_QUERY_WORDS + 1)
    result = archivist("search", *words, "--archive", built.archive)
    assert result.returncode == 2
    assert result.stderr.startswith(f"archivist: the search has {MAX_QUERY_WORDS + 1} words")
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert archivist("search", *words[:MAX_QUERY_WORDS], "--archive", built.archive).returncode == 0


def test_pypdf_never_prints_bare_lines(built: Paths) -> None:
    """A PDF whose trailer names an /Info object the file does not define: pypdf logs it before
    it refuses the file; archivist speaks alone."""
    pdf = built.pdf(FIRST)
    data = pdf.read_bytes()
    start = data.rindex(b"/Info ")
    damaged = data[:start] + re.sub(rb"^/Info \d+ 0 R", b"/Info 99 0 R", data[start:], count=1)
    assert len(damaged) == len(data) and damaged != data
    pdf.write_bytes(damaged)
    result = archivist("check", *folder_args(built))
    assert result.stderr.strip(), "the damage is reported"
    assert all(line.startswith(("archivist: ", "checked ")) for line in result.stderr.splitlines()), \
        result.stderr
    verbose = archivist("check", "-v", *folder_args(built))
    assert "archivist: pypdf: " in verbose.stderr


def test_verify_shows_odd_names_escaped_and_reports_stray_folders(built: Paths) -> None:
    year = built.archive / "2021"
    (year / "bad\nname.pdf").write_bytes(b"x")
    (year / "red\x1b[31m.xml").write_bytes(b"x")
    (built.archive / "notes.txt").write_bytes(b"x")
    (built.archive / "drafts").mkdir()
    (year / "old").mkdir()
    (built.archive / "\uff12\uff10\uff12\uff11").mkdir()  # a year in fullwidth digits is no year folder
    result = archivist("verify", "--archive", built.archive)
    assert result.returncode == 10
    assert "\x1b" not in result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert f"{year}/bad\\nname.pdf: unexpected; the manifest does not list it" in lines
    assert f"{year}/red\\x1b[31m.xml: unexpected; the manifest does not list it" in lines
    assert f"{built.archive}/notes.txt: unexpected; the manifest does not list it" in lines
    for folder in (built.archive / "drafts", year / "old", built.archive / "\uff12\uff10\uff12\uff11"):
        assert f"{folder}: unexpected; a folder, and the archive holds only year folders (YYYY) " \
               "of documents" in lines
    assert len(lines) == 6


def test_verify_reports_an_unreadable_file(built: Paths, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """As root every file is readable, so the refusal the kernel would give is injected."""
    real = manifest.sha256_file
    target = built.pdf(FIRST)

    def refused(path: Path) -> str:
        if Path(path) == target:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path)

    monkeypatch.setattr(manifest, "sha256_file", refused)
    assert main(["verify", "--archive", str(built.archive)]) == 10
    out, err = capsys.readouterr()
    assert f"{target}: cannot be read (Permission denied), so its fixity is unknown" in out.splitlines()
    assert "internal error" not in err


def _on_a_terminal(*args: str | Path) -> tuple[int, str]:
    """The command line's exit status and what it shows, its output on a pseudo-terminal, as a
    person at one sees it."""
    leader, follower = pty.openpty()
    with subprocess.Popen([sys.executable, "-m", "archivist", *map(str, args)], stdin=subprocess.DEVNULL,
                          stdout=follower, stderr=follower) as process:
        os.close(follower)
        shown = bytearray()
        try:
            while select.select([leader], [], [], 300)[0]:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # EIO: the command has ended, and its terminal with it
                    break
                if not chunk:
                    break
                shown += chunk
        finally:
            os.close(leader)
            process.kill()  # when it has not ended in 300 s
        return process.wait(timeout=60), shown.decode()


def test_runs_over_the_whole_archive_show_how_far_they_are_on_a_terminal(built: Paths) -> None:
    """check and catalog --rebuild read every PDF: on a terminal each shows its count, redrawn
    in place, with every name on one printable line (a name's escape sequence never reaches
    the terminal); in a log, none of it."""
    year = built.archive / "2021"
    odd = year / "2021-07-odd\x1b[2J.pdf"  # ESC [ 2 J would clear the screen
    odd.write_bytes((year / f"{FIRST}.pdf").read_bytes())
    code, shown = _on_a_terminal("check", *folder_args(built))
    assert code == ExitCode.CHECK
    assert "\r[1/2]" in shown and f"/s {FIRST}" in shown and "\r[2/2]" in shown
    assert "2021-07-odd\\x1b[2J" in shown and "\x1b" not in shown
    assert "checked 2 PDF(s): 1 good, 1 with problems" in shown
    odd.unlink()
    code, shown = _on_a_terminal("catalog", "--rebuild", "--archive", built.archive)
    assert code == 0
    assert "\r[1/1]" in shown and f"/s {FIRST}" in shown
    assert "rebuilt from the archive, 1 document(s)" in shown
    logged = archivist("catalog", "--rebuild", "--archive", built.archive)
    assert logged.returncode == 0 and "[1/1]" not in logged.stderr + logged.stdout


def test_an_article_named_by_a_path_outside_the_seeds_is_refused_not_swapped(workspace: Paths,
                                                                             tmp_path: Path) -> None:
    """archivist builds the articles of --seeds: a .txt file named in another folder is refused
    before anything is built (never taken for the seed of the same name), whether its path is
    absolute, relative or './x.txt' from another folder. A bare name, or a path into the seeds
    folder, names the article."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = elsewhere / f"{FIRST}.txt"
    other.write_text("date 2021-07 Un tout autre texte.\n", "utf-8")
    for name, cwd in ((other, None), (f"elsewhere/{FIRST}.txt", tmp_path), (f"./{FIRST}.txt", elsewhere)):
        refused = archivist("build", *folder_args(workspace), name, cwd=cwd)
        assert refused.returncode == 2, (name, refused.stderr)
        assert refused.stderr == (f"archivist: {name} is not in the seeds folder {workspace.seeds} "
                                  "(archivist builds the articles of --seeds: copy it there, or name its "
                                  "folder with --seeds)\n")
    assert not list(workspace.archive.rglob("*.pdf"))
    for name, cwd in ((workspace.article(FIRST), None), (f"{FIRST}.txt", None), (FIRST, None),
                      (f"./{FIRST}.txt", workspace.seeds)):
        result = archivist("build", *folder_args(workspace), name, cwd=cwd)
        assert result.returncode == 0 and "built 1" in result.stderr, (name, result.stderr)


def test_a_catalog_that_cannot_be_read_is_reported_never_an_internal_error(built: Paths,
                                                                            tmp_path: Path) -> None:
    """An archive that is a plain file or no file at all is a usage error (exit 2), as it is
    for every command; a catalog row written by hand is exit 13: a message and what to do,
    never exit 1."""
    plain = tmp_path / "afile"
    plain.touch()
    for command in (["list"], ["search", "Rabat"], ["catalog"], ["verify"], ["check"]):
        for archive in (plain, tmp_path / "nowhere"):
            result = archivist(*command, "--archive", archive)
            assert result.returncode == 2, (command, result.stderr)
            assert result.stderr == (f"archivist: {archive}: there is no archive folder here (name it with "
                                     "--archive (make: ARCHIVE=...), or build one with make)\n")
    import sqlite3

    with sqlite3.connect(built.archive / "catalog.sqlite") as connection:
        connection.execute("UPDATE documents SET creators = 'not json'")
    result = archivist("list", "--archive", built.archive)
    assert result.returncode == 13
    assert result.stderr.startswith(f"archivist: {built.archive / 'catalog.sqlite'}: the catalog holds a "
                                    "damaged row: ")
    assert result.stderr.endswith("(run 'archivist catalog --rebuild' to make it again)\n")


@pytest.mark.parametrize("folder", ["seeds", "metadata"])
def test_an_archive_that_is_the_seeds_or_metadata_folder_is_refused(workspace: Paths, folder: str) -> None:
    """The archive's own files would be taken for articles or records: refused before anything
    is written, by the build and by make's plan."""
    same = getattr(workspace, folder)
    before = sorted(p.name for p in same.iterdir())
    args = ["--seeds", workspace.seeds, "--metadata", workspace.metadata, "--archive", same]
    for command in (["build", *args], ["plan", "--out", same.parent / "plan.mk", *args]):
        result = archivist(*command)
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr == (f"archivist: {same}: the archive is the {folder} folder {same} (give the "
                                 "archive a folder of its own (--archive; make: ARCHIVE=...))\n")
    assert sorted(p.name for p in same.iterdir()) == before
