"""First contact: no false success, usage errors on one line with exit 2, and a README that says
how to run archivist (issue 14, items 10, 14, 19 and 20)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import FIRST, REPO, archivist, folder_args, require_tool

from archivist.build import Paths

# -- no false success -------------------------------------------------------------------------


def test_build_and_check_where_there_is_no_seeds_or_archive_folder(tmp_path: Path) -> None:
    build = archivist("build", cwd=tmp_path)
    assert build.returncode == 2
    assert build.stderr.startswith("archivist: seeds: there is no seeds folder here")
    check = archivist("check", cwd=tmp_path)
    assert check.returncode == 2
    assert check.stderr.startswith("archivist: archive: there is no archive folder here")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["list"], ["search", "Rabat"], ["catalog"]])
def test_an_empty_catalog_file_is_no_catalog(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "catalog.sqlite").touch()
    result = archivist(*command, "--archive", tmp_path)
    assert result.returncode == 13
    assert "catalog.sqlite: the catalog is an empty file, not a catalog (run 'archivist catalog " \
        "--rebuild' to make it again)" in result.stderr
    assert (tmp_path / "catalog.sqlite").stat().st_size == 0  # nothing written into it


def test_new_writes_the_record_beside_the_articles_folder(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "seeds").mkdir(parents=True)
    (project / "seeds" / "000_ab.txt").write_text("date 2021-07 Un texte court.\n", "utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = archivist("new", project / "seeds" / "000_ab.txt", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert (project / "metadata" / "000_ab.yaml").is_file()
    assert list(elsewhere.iterdir()) == []
    record = (project / "metadata" / "000_ab.yaml").read_text("utf-8")
    assert 'date: "2021-07"' in record


def test_new_without_a_date_asks_for_one(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "000_ab.txt").write_text("Un texte court.\n", "utf-8")
    result = archivist("new", "seeds/000_ab.txt", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'date: "FILL IN"' in (tmp_path / "metadata" / "000_ab.yaml").read_text("utf-8")
    assert "date; then run make" in result.stdout


def test_new_on_a_missing_file_says_it_is_missing(tmp_path: Path) -> None:
    result = archivist("new", "seeds/nothing-here.txt", cwd=tmp_path)
    assert result.returncode == 3
    assert result.stderr == ("archivist: seeds/nothing-here.txt: article not found (check the name: "
                             "the article is SEEDS/STEM.txt)\n")
    assert list(tmp_path.iterdir()) == []


# -- usage errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["build", "--profile", "4x"], "archivist build: argument --profile: unknown PDF/A profile '4x' "
     "(choose one of 1a, 1b, 2a, 2b, 2u, 3a, 3b, 3u, 4, 4f, 1a+ua1, 1b+ua1, 2a+ua1, 2b+ua1, 2u+ua1, "
     "3a+ua1, 3b+ua1, 3u+ua1, 4+ua2, 4f+ua2) (see 'archivist build --help')"),
    (["check", "--profile", ""], "archivist check: argument --profile: unknown PDF/A profile ''"),
    (["build", "-j", "0"], "archivist build: argument -j/--jobs: '0' is not a whole number of at least 1"),
    (["build", "-j", "two"], "archivist build: argument -j/--jobs: 'two' is not a whole number"),
    (["build", "--total", "-1"], "archivist build: argument --total: '-1' is not a whole number of at least"),
    (["build", "--list", "missing.txt"], "archivist: missing.txt: cannot read the --list file: "
     "No such file or directory (give a file naming one article per line)"),
    (["build", "--list", "latin1.txt"], "archivist: latin1.txt: cannot read the --list file: it is not "
     "UTF-8 text"),
    (["build", "--list", "/dev/zero"], "archivist: /dev/zero: the --list file holds more than 64 MiB"),
    (["build", "--total", "0", FIRST], "archivist: --total 0 is less than the 1 articles to build"),
    (["validate", "missing.pdf"], "archivist: missing.pdf: no such file"),
    (["check", "/dev/zero"], "archivist: /dev/zero: it is a character device, not a PDF file (name PDFs"),
    (["check", "seeds"], "archivist: seeds: it is a folder, not a PDF file (name PDFs"),
    (["check", "link.pdf"], "archivist: link.pdf: it is a symbolic link, not a PDF file (name the file it"),
    (["search", ""], "archivist: the search has no words"),
    (["search", " "], "archivist: the search has no words"),
    (["search", "*"], "archivist: the search has no words"),
    (["search", "- \"\" **"], "archivist: the search has no words"),
    (["clean", "--archive", ""], "archivist clean: argument --archive: an empty name is no folder"),
    (["extract", "x.pdf", ""], "archivist extract: argument DIR: an empty name is no folder"),
    (["build", "--change-profile"], "archivist: --change-profile needs --profile"),
])
def test_usage_errors_exit_2_with_one_line(workspace: Paths, args: list[str], message: str) -> None:
    root = workspace.seeds.parent
    (root / "latin1.txt").write_bytes(b"caf\xe9\n")
    (root / "link.pdf").symlink_to("latin1.txt")
    result = archivist(*args, cwd=root)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert list(workspace.archive.iterdir()) == []


# -- a record without format ------------------------------------------------------------------


def test_a_record_without_format_is_application_pdf(workspace: Paths) -> None:
    record = workspace.record(FIRST)
    text = record.read_text("utf-8")
    assert "format: application/pdf\n" in text
    record.write_text(text.replace("format: application/pdf\n", ""), "utf-8")
    result = archivist("build", *folder_args(workspace))
    assert result.returncode == 0, result.stderr
    pdf = workspace.pdf(FIRST).read_bytes()
    assert b"<dc:format>application/pdf</dc:format>" in pdf
    assert "<dc:format>application/pdf</dc:format>" in workspace.oai_dc(FIRST).read_text("utf-8")
    assert archivist("check", *folder_args(workspace)).returncode == 0


# -- the README and veraPDF -------------------------------------------------------------------


def test_the_readme_says_how_to_run_archivist() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    assert ".venv/bin/archivist" in readme
    assert "~/.cache/archivist/verapdf-" in readme
    for command in re.findall(r"^archivist (\w+) ", readme, re.MULTILINE):
        assert f"archivist {command}" in readme


def test_validate_says_when_it_fetches_verapdf(workspace: Paths, tmp_path: Path) -> None:
    require_tool("java")
    fake = tmp_path / "verapdf"
    fake.write_text('#!/usr/bin/env bash\nif [[ $1 == --fetch-only ]]; then\n'
                    '  echo "verapdf: fetching veraPDF 9.9 with Maven into /cache; later runs use it" >&2\n'
                    '  echo "verapdf: veraPDF 9.9 ready in /cache"\n  exit 0\nfi\nexit 127\n', "utf-8")
    assert archivist("build", *folder_args(workspace)).returncode == 0
    result = archivist("validate", *folder_args(workspace), env={"VERAPDF": str(fake)})
    assert result.returncode == 11  # the fake cannot validate
    assert result.stderr.startswith("verapdf: fetching veraPDF 9.9 with Maven into /cache; later runs use "
                                    "it\n")
    assert "ready in" not in result.stdout + result.stderr
