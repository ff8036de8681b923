"""`make clean` and `archivist clean`: only what archivist wrote goes, and only from an archive.

`make clean ARCHIVE=` once ran `find  -mindepth 1 -delete` in the project, and
`ARCHIVE='archive /other'` emptied a second folder. These run make in a scratch copy of the
project, never in the checkout, and assert that every file is still there.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIRST, archivist, folder_args, project_copy, require_tool

from archivist.build import Paths


def make(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    require_tool("make")
    return subprocess.run(["make", "--no-print-directory", "-C", str(project), *args],
                          capture_output=True, text=True, timeout=300)


def files(folder: Path) -> dict[str, bytes]:
    """Every file under folder (not through the .venv link) and its bytes; folders end with '/'."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relpath = path.relative_to(folder).as_posix()
        if relpath == ".venv":
            continue
        found[relpath + ("/" if path.is_dir() else "")] = b"" if path.is_dir() else path.read_bytes()
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return project_copy(tmp_path / "project")


@pytest.mark.parametrize("archive", ["", " ", "archive {other}", "{other} archive"])
def test_make_clean_refuses_an_empty_or_two_word_archive(project: Path, tmp_path: Path, archive: str) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "precious.txt").write_text("keep me\n", encoding="utf-8")
    before, other_before = files(project), files(other)
    result = make(project, "clean", f"ARCHIVE={archive.format(other=other)}")
    assert result.returncode != 0
    assert "ARCHIVE=" in result.stderr
    assert "name one folder, without spaces; nothing was done" in result.stderr
    assert files(project) == before
    assert files(other) == other_before


@pytest.mark.parametrize("archive", [".", "src", "{other}"])
def test_make_clean_refuses_a_folder_that_is_not_an_archive(project: Path, tmp_path: Path,
                                                             archive: str) -> None:
    other = tmp_path / "other"
    (other / "2021").mkdir(parents=True)
    (other / "2021" / "mine.pdf").write_bytes(b"%PDF-1.7 not archivist's\n")
    (other / "manifest-sha256.txt").write_text(f"{'0' * 64}  2021/mine.pdf\n", encoding="utf-8")
    before, other_before = files(project), files(other)
    result = make(project, "clean", f"ARCHIVE={archive.format(other=other)}")
    assert result.returncode == 2, result.stderr
    assert ("is not an archivist archive (it has no archivist-profile.txt), so nothing was removed"
            in result.stderr)
    assert files(project) == before
    assert files(other) == other_before


def test_archivist_clean_refuses_an_empty_name(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x", encoding="utf-8")
    result = archivist("clean", "--archive", "", cwd=tmp_path)
    assert result.returncode == 2
    assert "an empty name is no folder" in result.stderr
    assert (tmp_path / "keep.txt").exists()


def test_archivist_clean_refuses_a_missing_folder(tmp_path: Path) -> None:
    result = archivist("clean", "--archive", tmp_path / "nowhere")
    assert result.returncode == 2
    assert "there is no archive folder here" in result.stderr


@pytest.fixture
def built(workspace: Paths) -> Paths:
    result = archivist("build", *folder_args(workspace))
    assert result.returncode == 0, result.stderr
    return workspace


def test_clean_removes_what_archivist_wrote_and_keeps_the_rest(built: Paths) -> None:
    archive = built.archive
    written = sorted(p.relative_to(archive).as_posix() for p in archive.rglob("*") if p.is_file())
    assert "archivist-profile.txt" in written and "manifest-sha256.txt" in written
    (archive / "2021" / "notes.txt").write_text("a person's file\n", encoding="utf-8")
    (archive / "README").write_text("a person's file\n", encoding="utf-8")
    (archive / ".gitkeep").touch()

    dry = archivist("clean", "--archive", archive, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert sorted(line.removeprefix(f"would remove {archive}/") for line in dry.stdout.splitlines()) \
        == written
    assert sorted(p.relative_to(archive).as_posix() for p in archive.rglob("*") if p.is_file()) == sorted(
        [*written, "2021/notes.txt", "README", ".gitkeep"])

    result = archivist("clean", "--archive", archive)
    assert result.returncode == 0, result.stderr
    assert sorted(line.removeprefix(f"removed {archive}/") for line in result.stdout.splitlines()) == written
    assert f"archivist: kept {archive}/2021/notes.txt: archivist did not write it" in result.stderr
    assert sorted(p.relative_to(archive).as_posix() for p in archive.rglob("*")) == [
        ".gitkeep", "2021", "2021/notes.txt", "README"]

    (archive / "2021" / "notes.txt").unlink()
    (archive / "README").unlink()
    again = archivist("clean", "--archive", archive)  # only .gitkeep and an empty folder: nothing to do
    assert again.returncode == 0, again.stderr
    assert again.stdout == ""


def test_clean_never_deletes_through_a_symbolic_link(built: Paths, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / f"{FIRST}.pdf"
    victim.write_bytes(b"not in the archive")
    year = built.archive / "2021"
    for path in year.iterdir():
        path.unlink()
    year.rmdir()
    year.symlink_to(outside)  # the manifest still lists 2021/*.pdf: reached only through the link
    result = archivist("clean", "--archive", built.archive)
    assert result.returncode == 0, result.stderr
    assert victim.read_bytes() == b"not in the archive"


def test_a_catalog_file_that_goes_while_clean_runs_does_not_stop_it(
        workspace: Paths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """SQLite removes the catalog's -wal and -shm files when its last reader closes, which may
    be between clean seeing one and removing it: clean goes on with the rest."""
    from archivist.cli import main

    assert main(["build", "-j", "1", *folder_args(workspace)]) == 0
    wal = workspace.archive / "catalog.sqlite-wal"
    wal.write_bytes(b"")
    real = Path.unlink

    def a_reader_closes_first(path: Path, missing_ok: bool = False) -> None:
        if path == wal:
            real(path)  # the reader's SQLite, just before clean
        real(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", a_reader_closes_first)
    capsys.readouterr()
    assert main(["clean", "--archive", str(workspace.archive)]) == 0
    assert sorted(p.name for p in workspace.archive.rglob("*")) == []


def test_clean_refuses_while_a_build_is_at_work(workspace: Paths, capsys: pytest.CaptureFixture[str]) -> None:
    """A build marks the archive for its whole run; clean then removes nothing and says why, and
    cleans once the build is over (or dead: the kernel lets its mark go)."""
    from archivist import store
    from archivist.cli import main

    assert main(["build", "-j", "1", *folder_args(workspace)]) == 0
    before = sorted(workspace.archive.rglob("*"))
    staging = store.staging_dir(workspace.archive)
    made = sorted(staging.iterdir())
    with store.building(workspace.archive):  # as a build at work in another process
        for dry_run in ([], ["--dry-run"]):
            refused = archivist("clean", "--archive", workspace.archive, *dry_run)
            assert refused.returncode == 7
            assert refused.stderr == (f"archivist: {workspace.archive}: a build is at work on this "
                                      "archive, so nothing was removed (let it finish (or stop it), then "
                                      "clean again)\n")
        assert sorted(workspace.archive.rglob("*")) == before and sorted(staging.iterdir()) == made
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(workspace.archive)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"  # a build at work, then killed
        assert archivist("clean", "--archive", workspace.archive).returncode == 7
    finally:
        holder.kill()
        holder.wait(timeout=60)
    assert archivist("clean", "--archive", workspace.archive).returncode == 0
    assert sorted(workspace.archive.rglob("*")) == []


_HOLDER = """
import sys
from pathlib import Path
from archivist import store
with store.building(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_a_build_marks_the_archive_for_its_whole_run(workspace: Paths, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The mark is held while the articles are built in a pool and registered: a clean tried at
    each registration is refused."""
    from archivist import build, store
    from archivist.cli import main

    second = "2021-07-second"
    workspace.article(second).write_bytes(workspace.article(FIRST).read_bytes())
    record = workspace.record(FIRST).read_text("utf-8")
    workspace.record(second).write_text(record.replace(FIRST, second), "utf-8")

    tried: list[int] = []
    real = build.register

    def register_and_try_a_clean(*args: object, **kwargs: object) -> object:
        tried.append(archivist("clean", "--archive", workspace.archive).returncode)
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "register", register_and_try_a_clean)
    assert main(["build", "-j", "2", *folder_args(workspace)]) == 0
    assert tried and set(tried) == {7}
    assert workspace.pdf(FIRST).is_file() and workspace.pdf(second).is_file()
    assert store.staging_dir(workspace.archive).is_dir()
