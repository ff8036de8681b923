"""The archive remembers its profile, and every command uses it; another is refused unless asked for.

After `make PROFILE=3u`, a plain `check` once reported every PDF as not matching, `validate`
said FAIL, and `archivist build STEM` stored a 2u PDF in the 3u archive, after which
`make PROFILE=3u` did nothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from conftest import FIRST, archivist, folder_args, make, require_tool

from archivist import manifest, store
from archivist.archive import PROFILE_NAME
from archivist.build import Paths

# The profiles the README's table lists, in the order the help gives them.
CHOICES = ("1a, 1b, 2a, 2b, 2u, 3a, 3b, 3u, 4, 4f, 1a+ua1, 1b+ua1, 2a+ua1, 2b+ua1, 2u+ua1, 3a+ua1, "
           "3b+ua1, 3u+ua1, 4+ua2, 4f+ua2")


def state(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def claim(pdf: Path) -> bytes:
    data = pdf.read_bytes()
    return data[data.index(b"<pdfaid:part>"):data.index(b"</pdfaid:conformance>")]


@pytest.fixture
def archive_3u(workspace: Paths) -> Paths:
    result = make(workspace, "PROFILE=3u")
    assert result.returncode == 0, result.stderr
    return workspace


def test_the_archive_records_its_profile_in_its_manifest(archive_3u: Paths) -> None:
    assert (archive_3u.archive / PROFILE_NAME).read_text("ascii") == "3u\n"
    assert PROFILE_NAME in manifest.read_manifest(archive_3u.archive).entries
    assert b"<pdfaid:part>3</pdfaid:part>" in claim(archive_3u.pdf(FIRST))


def test_a_profile_file_that_is_a_fifo_is_refused_at_once(archive_3u: Paths) -> None:
    """It would hold every command that reads it, a build under the archive's lock, for ever."""
    path = archive_3u.archive / PROFILE_NAME
    path.unlink()
    os.mkfifo(path)
    message = (f"archivist: {path}: cannot read the archive's profile: it is a FIFO (named pipe), not a "
               "regular file (it holds the profile the archive was built in")
    result = archivist("build", *folder_args(archive_3u))
    assert result.returncode == 13
    assert message in result.stderr
    made = make(archive_3u, timeout=120)
    assert made.returncode != 0
    assert message in made.stderr


def test_every_command_uses_it(archive_3u: Paths) -> None:
    check = archivist("check", *folder_args(archive_3u))
    assert check.returncode == 0, check.stdout + check.stderr
    assert make(archive_3u, "check").returncode == 0
    assert "Nothing to be done for 'all'" in make(archive_3u).stdout
    rebuilt = archivist("build", *folder_args(archive_3u), FIRST)  # no --profile: the archive's
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert b"<pdfaid:conformance>U" in claim(archive_3u.pdf(FIRST))
    assert b"<pdfaid:part>3</pdfaid:part>" in claim(archive_3u.pdf(FIRST))


@pytest.mark.parametrize("copied", [False, True], ids=["in-use", "copied"])
@pytest.mark.parametrize("command", ["build", "check", "validate"])
def test_another_profile_is_refused(archive_3u: Paths, command: str, copied: bool) -> None:
    """Refused with nothing written, in the archive or beside it (a copied archive has no staging
    folder: none is made for a refusal)."""
    if copied:
        shutil.rmtree(store.staging_dir(archive_3u.archive))
    beside = sorted(archive_3u.archive.parent.iterdir())
    before = state(archive_3u.archive)
    result = archivist(command, *folder_args(archive_3u), "--profile", "2u")
    assert result.returncode == (14 if command == "build" else 2), result.stderr
    assert result.stderr == (
        f"archivist: {archive_3u.archive}/archivist-profile.txt: the archive is PDF/A-3u, not PDF/A-2u, "
        "and nothing was done (drop --profile to work in 3u; to rebuild the whole archive as 2u, run "
        "'archivist build --profile 2u --change-profile' (make: PROFILE=2u CHANGE_PROFILE=yes))\n")
    assert state(archive_3u.archive) == before
    assert sorted(archive_3u.archive.parent.iterdir()) == beside


def test_make_refuses_another_profile_even_with_nothing_stale(archive_3u: Paths) -> None:
    before = state(archive_3u.archive)
    result = make(archive_3u, "PROFILE=2u")
    assert result.returncode != 0
    assert "the archive is PDF/A-3u, not PDF/A-2u, and nothing was done" in result.stderr
    assert state(archive_3u.archive) == before
    assert "Nothing to be done for 'all'" in make(archive_3u, "PROFILE=3U").stdout  # 3U is 3u


def test_change_profile_rebuilds_the_whole_archive(archive_3u: Paths) -> None:
    result = make(archive_3u, "PROFILE=2b", "CHANGE_PROFILE=yes")
    assert result.returncode == 0, result.stderr
    assert (archive_3u.archive / PROFILE_NAME).read_text("ascii") == "2b\n"
    assert b"<pdfaid:part>2</pdfaid:part>" in claim(archive_3u.pdf(FIRST))
    assert b"<pdfaid:conformance>B" in claim(archive_3u.pdf(FIRST))
    assert "Nothing to be done for 'all'" in make(archive_3u).stdout
    assert archivist("check", *folder_args(archive_3u)).returncode == 0
    assert archivist("verify", "--archive", archive_3u.archive).returncode == 0


def test_an_unknown_profile_is_one_line_and_saves_nothing(workspace: Paths) -> None:
    result = archivist("build", *folder_args(workspace), "--profile", "4x")
    assert result.returncode == 2
    assert result.stderr == ("archivist build: argument --profile: unknown PDF/A profile '4x' (choose one "
                             f"of {CHOICES}) (see 'archivist build --help')\n")
    assert list(workspace.archive.iterdir()) == []
    by_make = make(workspace, "PROFILE=4x")
    assert by_make.returncode != 0
    assert f"unknown PDF/A profile '4x' (choose one of {CHOICES})" in by_make.stderr
    assert "Traceback" not in by_make.stderr
    assert not (workspace.archive / PROFILE_NAME).exists()


@pytest.mark.verapdf
def test_validate_uses_the_archives_profile(archive_3u: Paths) -> None:
    require_tool("java")
    result = archivist("validate", *folder_args(archive_3u))
    if result.returncode == 11:
        pytest.skip(result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"PASS {archive_3u.pdf(FIRST)} 3u")


@pytest.mark.verapdf
def test_validate_fails_a_link_or_fifo_named_pdf_unread_and_validates_the_rest(archive_3u: Paths) -> None:
    """veraPDF would validate what a link leads to, and wait on a FIFO: neither is handed to it."""
    require_tool("java")
    year = archive_3u.pdf(FIRST).parent
    (year / "2021-07-link.pdf").symlink_to(archive_3u.pdf(FIRST))
    os.mkfifo(year / "2021-07-fifo.pdf")
    result = archivist("validate", *folder_args(archive_3u))
    if result.returncode == 11:
        pytest.skip(result.stderr)
    assert result.returncode == 9, result.stdout + result.stderr
    assert f"FAIL {year / '2021-07-fifo.pdf'}: it is a FIFO (named pipe), not a PDF file" in result.stdout
    assert f"FAIL {year / '2021-07-link.pdf'}: it is a symbolic link, not a PDF file" in result.stdout
    assert f"PASS {archive_3u.pdf(FIRST)} 3u" in result.stdout
    assert "0 of 1 PDF(s) failed veraPDF; 2 other file(s) named .pdf were not validated" in result.stderr
