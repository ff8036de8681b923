"""make: builds what is stale and nothing else, is safe with -j2, and keeps going past a bad article."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import (
    FIRST,
    REPO,
    archivist,
    file_digests,
    first_article_workspace,
    folder_args,
    make,
    project_copy,
)
from pypdf import PdfReader

from archivist import plan, store
from archivist.build import Paths

SECOND = "2021-08-essai"
NEW = "2021-09-de-plus"




@pytest.fixture
def two_articles(workspace: Paths) -> Paths:
    workspace.article(SECOND).write_text("date 2021-08 Un essai court.\n\nDeuxième paragraphe.\n",
                                         encoding="utf-8")
    workspace.record(SECOND).write_text('title: Essai\ndate: "2021-08"\nlanguage: fr\n', encoding="utf-8")
    return workspace


def pdfs(paths: Paths) -> list[str]:
    return sorted(p.relative_to(paths.archive).as_posix() for p in paths.archive.rglob("*.pdf"))


def test_make_builds_all_then_nothing(two_articles: Paths) -> None:
    first = make(two_articles)
    assert first.returncode == 0, first.stderr
    assert pdfs(two_articles) == [f"2021/{FIRST}.pdf", f"2021/{SECOND}.pdf"]
    before = file_digests(two_articles.archive, mtimes=True)
    second = make(two_articles)
    assert second.returncode == 0
    assert "Nothing to be done for 'all'" in second.stdout
    assert file_digests(two_articles.archive, mtimes=True) == before


def test_only_the_stale_article_is_rebuilt(two_articles: Paths) -> None:
    assert make(two_articles).returncode == 0
    first_pdf = two_articles.pdf(FIRST)
    untouched = first_pdf.stat().st_mtime_ns
    record = two_articles.record(SECOND)
    future = record.stat().st_mtime + 5
    os.utime(record, (future, future))
    result = make(two_articles)
    assert result.returncode == 0, result.stderr
    assert "built 1, " in result.stderr
    assert first_pdf.stat().st_mtime_ns == untouched


def _older_than(path: Path, target: Path) -> None:
    """Give ``path`` a modification time an hour before ``target``'s, as a copy that keeps
    its source's time does (rsync -a, cp -p, tar)."""
    old = target.stat().st_mtime - 3600
    os.utime(path, (old, old))


def test_an_article_replaced_by_an_older_copy_is_rebuilt_once(two_articles: Paths, tmp_path: Path) -> None:
    """rsync -a writes a copy beside the article and renames it over: the copy keeps the
    source's older time, and make alone would take the PDF for up to date."""
    assert make(two_articles).returncode == 0
    pdf, untouched = two_articles.pdf(SECOND), two_articles.pdf(FIRST).stat().st_mtime_ns
    copy = two_articles.seeds / ".copy.txt"
    copy.write_text("date 2021-08 Un essai corrigé.\n\nDeuxième paragraphe.\n", encoding="utf-8")
    _older_than(copy, pdf)
    copy.replace(two_articles.article(SECOND))
    result = make(two_articles)
    assert result.returncode == 0, result.stderr
    assert "built 1, " in result.stderr
    assert "corrigé" in PdfReader(pdf).pages[0].extract_text()
    assert two_articles.pdf(FIRST).stat().st_mtime_ns == untouched
    assert archivist("check", *folder_args(two_articles)).returncode == 0
    assert "Nothing to be done" in make(two_articles).stdout


def test_a_record_rewritten_in_place_with_an_older_time_is_rebuilt(two_articles: Paths) -> None:
    """cp -p writes over the record in place, then sets its time back: no folder changes."""
    assert make(two_articles).returncode == 0
    pdf, record = two_articles.pdf(SECOND), two_articles.record(SECOND)
    record.write_text('title: Essai corrigé\ndate: "2021-08"\nlanguage: fr\n', encoding="utf-8")
    _older_than(record, pdf)
    result = make(two_articles)
    assert result.returncode == 0, result.stderr
    assert "built 1, " in result.stderr
    assert PdfReader(pdf).metadata.title == "Essai corrigé"
    assert "Nothing to be done" in make(two_articles).stdout


def test_a_project_restored_with_its_times_rebuilds_nothing(two_articles: Paths, tmp_path: Path) -> None:
    """Every file of a restored copy has a new change time, and the same bytes: the /ID of each
    PDF, the digest of the inputs it was made from, says so, and nothing is built again."""
    assert make(two_articles).returncode == 0
    root = tmp_path / "restored"
    for folder in (two_articles.seeds, two_articles.metadata, two_articles.archive,
                   store.staging_dir(two_articles.archive)):
        shutil.copytree(folder, root / folder.name, symlinks=True)  # copy2: the times kept
    restored = Paths(root / two_articles.seeds.name, root / two_articles.metadata.name,
                     root / two_articles.archive.name)
    before = file_digests(restored.archive, mtimes=True)
    result = make(restored)
    assert result.returncode == 0, result.stderr
    assert "Nothing to be done for 'all'" in result.stdout
    assert file_digests(restored.archive, mtimes=True) == before
    restored.record(SECOND).chmod(0o600)  # a change of mode alone: the same bytes
    assert "Nothing to be done for 'all'" in make(restored).stdout


def test_a_copy_that_lands_while_the_plan_is_written_is_rebuilt_by_the_next_make(two_articles: Paths) -> None:
    """The plan is dated from before it looked at the folders: a file written while it ran
    is newer than it, so the next make writes the plan again and finds that file."""
    assert make(two_articles).returncode == 0
    planned = plan.make_plan(two_articles)
    article = two_articles.article(SECOND)  # written over in place, as cp -p does: no folder changes
    article.write_text("date 2021-08 Un essai corrigé pendant le plan.\n", encoding="utf-8")
    _older_than(article, two_articles.pdf(SECOND))
    plan.write_plan(planned, two_articles, store.staging_dir(two_articles.archive) / "make" / "plan.mk")
    result = make(two_articles)
    assert result.returncode == 0, result.stderr
    assert "built 1, " in result.stderr
    assert "pendant le plan" in PdfReader(two_articles.pdf(SECOND)).pages[0].extract_text()


def test_a_mode_change_rebuilds_nothing_in_a_pdf_a_1_archive(workspace: Paths) -> None:
    """PDF/A-1 keeps a cross-reference table, its /ID in the trailer at the file's end, past
    a long article's table."""
    long = "long-2021-09"
    workspace.article(long).write_text(
        "date 2021-09 " + "\n\n".join(f"Paragraphe {n}, qui en suit d'autres." for n in range(80)) + "\n",
        encoding="utf-8")
    workspace.record(long).write_text('title: Long\ndate: "2021-09"\nlanguage: fr\n', encoding="utf-8")
    assert make(workspace, "PROFILE=1a").returncode == 0
    for stem in (FIRST, long):
        workspace.record(stem).chmod(0o600)
    result = make(workspace)
    assert result.returncode == 0, result.stderr
    assert "Nothing to be done for 'all'" in result.stdout


def test_folders_whose_names_hold_an_apostrophe_build_and_then_rest(tmp_path: Path) -> None:
    """A stamp's path went to the shell unquoted: its recipe failed, and make wrote its plan
    again and again, for ever."""
    paths = first_article_workspace(tmp_path / "l'archive")
    first = make(paths, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "built 1, " in first.stderr
    assert "Nothing to be done for 'all'" in make(paths, timeout=120).stdout
    paths.article(FIRST).write_bytes(paths.article(FIRST).read_bytes().replace(b"Rabat", b"RABAT"))
    _older_than(paths.article(FIRST), paths.pdf(FIRST))
    assert "built 1, " in make(paths, timeout=120).stderr


@pytest.mark.parametrize("mark", ["#", "%", "*", "?", "[", "]", "\\", ":", ";", "|"])
def test_a_folder_named_with_make_s_own_syntax_is_refused_before_anything(tmp_path: Path, mark: str) -> None:
    """A '#' in the archive's path once cut the path of make's list short, at a file beside
    the folder, which the build's clean-up then removed; a '%' built nothing, and said so."""
    beside = tmp_path / "x"
    beside.write_text("kept\n", encoding="utf-8")
    paths = first_article_workspace(tmp_path / f"x{mark}y")
    result = make(paths, timeout=120)
    assert result.returncode == 2
    assert (f"make reads '{mark}' as its own syntax, so it cannot name this folder; "
            "nothing was done") in result.stderr
    assert beside.read_text(encoding="utf-8") == "kept\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x", f"x{mark}y"]
    assert not any(paths.archive.iterdir())


@pytest.mark.parametrize("how", ["moved", "linked"])
def test_a_seeds_folder_swapped_for_one_filled_before_is_built_from(tmp_path: Path, how: str) -> None:
    """A folder filled before the last build and then moved into the seeds folder's name (or a
    link turned to it) is older than the plan, and so are its files: its changed article
    and its new one were never built."""
    paths = first_article_workspace(tmp_path / "project")
    other = tmp_path / "other"
    shutil.copytree(paths.seeds, other)
    (other / f"{FIRST}.txt").write_bytes(paths.article(FIRST).read_bytes().replace(b"Rabat", b"Tanger"))
    (other / f"{NEW}.txt").write_text("date 2021-09 Un article de plus.\n", encoding="utf-8")
    paths.record(NEW).write_text('title: De plus\ndate: "2021-09"\nlanguage: fr\n', encoding="utf-8")
    if how == "linked":
        paths.seeds.rename(tmp_path / "first")
        paths.seeds.symlink_to(tmp_path / "first")
    assert "built 1, " in make(paths).stderr  # the record of NEW has no article here yet
    if how == "moved":
        paths.seeds.rename(tmp_path / "first")
        other.rename(paths.seeds)
    else:
        paths.seeds.unlink()
        paths.seeds.symlink_to(other)
    result = make(paths)
    assert result.returncode == 0, result.stderr
    assert "built 2, " in result.stderr
    assert "Tanger" in PdfReader(paths.pdf(FIRST)).pages[0].extract_text()
    assert "Nothing to be done for 'all'" in make(paths).stdout


def test_a_new_article_rebuilds_no_other(two_articles: Paths) -> None:
    """The plan is written again for a new article; the PDFs made after their files stay."""
    assert make(two_articles).returncode == 0
    indexes = {"catalog.sqlite", "manifest-sha256.txt"}
    before = file_digests(two_articles.archive, mtimes=True, leave_out=indexes)
    third = "2021-09-trois"
    two_articles.article(third).write_text("date 2021-09 Un troisième.\n", encoding="utf-8")
    two_articles.record(third).write_text('title: Trois\ndate: "2021-09"\nlanguage: fr\n', encoding="utf-8")
    result = make(two_articles)
    assert result.returncode == 0, result.stderr
    assert "built 1, " in result.stderr
    after = file_digests(two_articles.archive, mtimes=True, leave_out=indexes)
    assert {name: after[name] for name in before} == before


def test_a_deleted_oai_dc_record_is_made_again(two_articles: Paths) -> None:
    assert make(two_articles).returncode == 0
    sidecar = two_articles.oai_dc(SECOND)
    kept = sidecar.read_bytes()
    sidecar.unlink()
    result = make(two_articles)
    assert result.returncode == 0, result.stderr
    assert "built 1, " in result.stderr
    assert sidecar.read_bytes() == kept
    assert archivist("verify", "--archive", two_articles.archive).returncode == 0


def test_make_j2_from_clean_equals_make(two_articles: Paths, tmp_path: Path) -> None:
    assert make(two_articles).returncode == 0
    # The catalog is an index whose bytes follow the order articles finish in; its answers
    # are compared in test_catalog.py. Every archived file must be byte-identical.
    serial = file_digests(two_articles.archive, leave_out={"catalog.sqlite"})
    parallel = Paths(two_articles.seeds, two_articles.metadata, tmp_path / "archive-j2")
    assert make(parallel, "-j2").returncode == 0
    assert file_digests(parallel.archive, leave_out={"catalog.sqlite"}) == serial


def test_a_bad_article_does_not_stop_the_others(two_articles: Paths) -> None:
    two_articles.record(SECOND).write_text('title: Essai\ndate: "2021-09"\nlanguage: fr\n', encoding="utf-8")
    result = make(two_articles)
    assert result.returncode != 0
    assert "disagrees with the article's header date '2021-08'" in result.stderr
    assert pdfs(two_articles) == [f"2021/{FIRST}.pdf"]


def test_a_new_profile_rebuilds_everything(two_articles: Paths) -> None:
    assert make(two_articles).returncode == 0
    result = make(two_articles, "PROFILE=3u", "CHANGE_PROFILE=yes")
    assert result.returncode == 0, result.stderr
    assert "built 2, unchanged 0, failed 0" in result.stderr
    assert b"<pdfaid:part>3</pdfaid:part>" in two_articles.pdf(FIRST).read_bytes()
    assert "Nothing to be done" in make(two_articles, "PROFILE=3u").stdout


def test_make_check_runs_the_checker(two_articles: Paths) -> None:
    assert make(two_articles).returncode == 0
    result = make(two_articles, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 good, 0 with problems" in result.stderr


def test_make_clean_empties_the_archive(two_articles: Paths) -> None:
    assert make(two_articles).returncode == 0
    assert make(two_articles, "clean").returncode == 0
    assert pdfs(two_articles) == []
    shutil.rmtree(two_articles.archive, ignore_errors=True)


def checkout_state() -> dict[str, tuple[int, int] | None]:
    """Every file of the checkout (its size and time) and folder, but for .git, .venv and caches."""
    skip = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache"}
    found: dict[str, tuple[int, int] | None] = {}
    for folder, dirs, names in os.walk(REPO):
        dirs[:] = sorted(d for d in dirs if d not in skip and not d.endswith(".egg-info"))
        for name in dirs:
            found[os.path.relpath(os.path.join(folder, name), REPO) + "/"] = None
        for name in names:
            stat = os.lstat(os.path.join(folder, name))
            found[os.path.relpath(os.path.join(folder, name), REPO)] = (stat.st_size, stat.st_mtime_ns)
    return found


def test_make_on_another_archive_leaves_the_checkout_as_it_was(two_articles: Paths) -> None:
    """Stamps and lists for a temporary archive once went into the checkout's .build/, and
    `make clean` of any archive removed the checkout's own stamps."""
    before = checkout_state()
    for args in ((), ("-n",), ("check",), ("-n", "clean"), ("clean",), ("-n",), ()):
        make(two_articles, *args)
    assert checkout_state() == before


def test_make_n_writes_nothing(tmp_path: Path) -> None:
    project = project_copy(tmp_path / "project")
    before = {p.relative_to(project).as_posix() for p in project.rglob("*") if ".venv" not in p.parts}
    for args in ((), ("all",), ("clean",), ("check",), ("PROFILE=3u",)):
        result = subprocess.run(["make", "-n", "--no-print-directory", "-C", str(project), *args],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    after = {p.relative_to(project).as_posix() for p in project.rglob("*") if ".venv" not in p.parts}
    assert after == before
    assert not (tmp_path / "project" / ".archive.staging").exists()


def test_make_does_not_echo_its_plumbing(two_articles: Paths) -> None:
    result = make(two_articles)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1].startswith("built 2, unchanged 0, failed 0 in ")
    for plumbing in ("archivist build", "--list", "status=", "mktemp", "archivist plan"):
        assert plumbing not in result.stdout + result.stderr


def test_a_deleted_catalog_is_made_again(two_articles: Paths) -> None:
    assert make(two_articles).returncode == 0
    (two_articles.archive / "catalog.sqlite").unlink()
    result = make(two_articles)
    assert result.returncode == 0, result.stderr
    assert "built 0, unchanged 2, failed 0" in result.stderr
    listed = archivist("list", "--archive", two_articles.archive)
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 2, listed.stderr
    assert "Nothing to be done for 'all'" in make(two_articles).stdout
