"""Article names: any safe name is archived under a dated one; an unsafe name stops only itself.

The first article arrived from the newsroom as 000_303be9f2fa9e0920.txt. Such a name is archived
as YYYY/YYYY-MM-000_303be9f2fa9e0920.pdf, the year and month taken from its record's date, and
make still knows every PDF without opening an article or a record when nothing changed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import FIRST, REPO, archivist, folder_args, make

from archivist.build import Paths
from archivist.store import archive_name

NEWSROOM = "000_303be9f2fa9e0920"


def archived(paths: Paths) -> list[str]:
    return sorted(p.relative_to(paths.archive).as_posix() for p in paths.archive.rglob("*")
                  if p.suffix in (".pdf", ".xml"))


@pytest.fixture
def newsroom(workspace: Paths) -> Paths:
    """The first article under the name it arrived with, beside its copy under a dated name."""
    shutil.copy(REPO / "seeds" / f"{FIRST}.txt", workspace.article(NEWSROOM))
    record = (REPO / "metadata" / f"{FIRST}.yaml").read_text("utf-8")
    workspace.record(NEWSROOM).write_text(record.replace(FIRST, NEWSROOM), "utf-8")
    return workspace


def test_the_rule() -> None:
    assert archive_name(FIRST, "2021-07") == FIRST  # a dated name is its own
    assert archive_name(NEWSROOM, "2021-07-16") == f"2021-07-{NEWSROOM}"
    assert archive_name(NEWSROOM, "2021-07-16T10:00Z") == f"2021-07-{NEWSROOM}"
    assert archive_name(NEWSROOM, "2021") == f"2021-{NEWSROOM}"


def test_the_first_article_under_its_original_name_builds_into_its_dated_path(newsroom: Paths) -> None:
    result = make(newsroom)
    assert result.returncode == 0, result.stderr
    assert archived(newsroom) == [f"2021/2021-07-{NEWSROOM}.pdf", f"2021/2021-07-{NEWSROOM}.xml",
                                  f"2021/{FIRST}.pdf", f"2021/{FIRST}.xml"]
    assert "Nothing to be done for 'all'" in make(newsroom).stdout
    check = archivist("check", *folder_args(newsroom))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "2 good, 0 with problems" in check.stderr
    assert archivist("check", *folder_args(newsroom), newsroom.pdf(f"2021-07-{NEWSROOM}")).returncode == 0
    listed = archivist("list", "--archive", newsroom.archive)
    assert f"{newsroom.archive}/2021/2021-07-{NEWSROOM}.pdf" in listed.stdout
    assert archivist("verify", "--archive", newsroom.archive).returncode == 0


def test_archivist_build_names_it_the_same_way(newsroom: Paths) -> None:
    result = archivist("build", *folder_args(newsroom), NEWSROOM)
    assert result.returncode == 0, result.stderr
    assert archived(newsroom) == [f"2021/2021-07-{NEWSROOM}.pdf", f"2021/2021-07-{NEWSROOM}.xml"]


def test_a_no_op_make_runs_no_archivist(newsroom: Paths) -> None:
    """With nothing changed, make reads its plan and the files' times only: it runs no
    archivist (which alone opens articles and records), not even to write the plan."""
    assert make(newsroom).returncode == 0
    result = make(newsroom, "ARCHIVIST=false")
    assert result.returncode == 0, result.stderr
    assert "Nothing to be done for 'all'" in result.stdout


def test_a_new_date_moves_the_pdf(tmp_path: Path) -> None:
    paths = Paths(tmp_path / "seeds", tmp_path / "metadata", tmp_path / "archive")
    paths.seeds.mkdir()
    paths.metadata.mkdir()
    paths.article("x").write_text("Un essai court.\n", "utf-8")
    paths.record("x").write_text('title: Essai\ndate: "2021-08-02"\nlanguage: fr\n', "utf-8")
    assert make(paths).returncode == 0
    assert archived(paths) == ["2021/2021-08-x.pdf", "2021/2021-08-x.xml"]
    record = paths.record("x")
    record.write_text('title: Essai\ndate: "2022"\nlanguage: fr\n', "utf-8")
    later = record.stat().st_mtime + 5
    os.utime(record, (later, later))
    result = make(paths)  # the plan is made again: the record decides the PDF's name
    assert result.returncode == 0, result.stderr
    assert "2022/2022-x.pdf" in archived(paths)
    assert "Nothing to be done for 'all'" in make(paths).stdout
    check = archivist("check", *folder_args(paths))  # the PDF left at the old name is reported
    assert check.returncode == 8
    assert "2021-08-x.pdf: is not where" in check.stdout and "its PDF is 2022-x.pdf" in check.stdout


def test_two_articles_that_would_share_a_pdf_are_both_refused(newsroom: Paths) -> None:
    shutil.copy(newsroom.article(NEWSROOM), newsroom.article(f"2021-07-{NEWSROOM}"))
    twin = newsroom.record(NEWSROOM).read_text("utf-8").replace(NEWSROOM, f"2021-07-{NEWSROOM}")
    newsroom.record(f"2021-07-{NEWSROOM}").write_text(twin, "utf-8")
    result = make(newsroom)
    assert result.returncode != 0
    for one, other in ((NEWSROOM, f"2021-07-{NEWSROOM}"), (f"2021-07-{NEWSROOM}", NEWSROOM)):
        assert (f"archivist: {newsroom.article(one)}: {newsroom.article(other)} would be archived as "
                f"{newsroom.pdf(f'2021-07-{NEWSROOM}')} too (rename one of the two articles (and its "
                "record))") in result.stderr
    assert archived(newsroom) == [f"2021/{FIRST}.pdf", f"2021/{FIRST}.xml"]


def test_a_month_and_a_year_that_name_one_pdf_are_both_refused(tmp_path: Path) -> None:
    """x of July 2021 and 07-x of 2021 would both be archived as 2021-07-x: each is refused,
    naming the other, and neither overwrites the other's PDF."""
    paths = Paths(tmp_path / "seeds", tmp_path / "metadata", tmp_path / "archive")
    paths.seeds.mkdir()
    paths.metadata.mkdir()
    paths.article("x").write_text("Un essai court.\n", "utf-8")
    paths.record("x").write_text('title: Essai\ndate: "2021-07"\nlanguage: fr\n', "utf-8")
    paths.article("07-x").write_text("Un autre essai.\n", "utf-8")
    paths.record("07-x").write_text('title: Autre\ndate: "2021"\nlanguage: fr\n', "utf-8")
    for build in (archivist("build", "-j", "1", *folder_args(paths)), make(paths)):
        assert build.returncode != 0
        for one, other in (("x", "07-x"), ("07-x", "x")):
            assert (f"{paths.article(one)}: {paths.article(other)} would be archived as "
                    f"{paths.pdf('2021-07-x')} too") in build.stderr, build.stderr
        assert archived(paths) == []
    paths.article("x").unlink()  # 07-x alone: archived as 2021-07-x, and found there by check
    assert archivist("build", *folder_args(paths)).returncode == 0
    assert archived(paths) == ["2021/2021-07-x.pdf", "2021/2021-07-x.xml"]
    check = archivist("check", *folder_args(paths))
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_pdf_left_at_an_old_name_is_judged_against_its_own_article(tmp_path: Path) -> None:
    """2021-abcdefgh.pdf is abcdefgh's of 2021, whose record now says 2022: check names that,
    and never takes defgh (which follows '2021-abc' as x follows '2021-07-') for its article."""
    paths = Paths(tmp_path / "seeds", tmp_path / "metadata", tmp_path / "archive")
    paths.seeds.mkdir()
    paths.metadata.mkdir()
    for stem, date in (("abcdefgh", "2021"), ("defgh", "2023-05")):
        paths.article(stem).write_text(f"Un essai nommé {stem}.\n", "utf-8")
        paths.record(stem).write_text(f'title: Essai\ndate: "{date}"\nlanguage: fr\n', "utf-8")
    assert archivist("build", *folder_args(paths)).returncode == 0
    paths.record("abcdefgh").write_text('title: Essai\ndate: "2022"\nlanguage: fr\n', "utf-8")
    assert archivist("build", *folder_args(paths)).returncode == 0
    check = archivist("check", *folder_args(paths))
    assert check.returncode == 8
    assert (f"{paths.pdf('2021-abcdefgh')}: is not where {paths.article('abcdefgh')} is archived: its "
            "record dates it 2022, so its PDF is 2022-abcdefgh.pdf\n") in check.stdout
    assert str(paths.article("defgh")) not in check.stdout


ODD = ["a b", "x$(shell touch pwned)", "a:b", "a;b", "a#b", "tab\tname", "é-accent"]


def test_a_record_linked_to_nothing_stops_only_its_own_article(newsroom: Paths) -> None:
    """An undated article whose record is a link to nothing: make refuses that article once,
    builds the others and finishes, instead of writing its plan again and again."""
    shutil.copy(REPO / "seeds" / f"{FIRST}.txt", newsroom.article("dangling"))
    newsroom.record("dangling").symlink_to(newsroom.metadata / "gone.yaml")
    result = make(newsroom)
    assert result.returncode != 0
    assert archived(newsroom) == [f"2021/2021-07-{NEWSROOM}.pdf", f"2021/2021-07-{NEWSROOM}.xml",
                                  f"2021/{FIRST}.pdf", f"2021/{FIRST}.xml"]
    assert f"{newsroom.record('dangling')}" in result.stderr


def test_an_odd_name_stops_only_its_own_article(workspace: Paths) -> None:
    """A space, '$(', ':', ';', '#' in one name once made make fail for every article."""
    for name in ODD:
        (workspace.seeds / f"{name}.txt").write_text("date 2021-07 Un texte.\n", "utf-8")
    for attempt in range(2):  # reported on every run until renamed, not only when the plan is made
        result = make(workspace)
        assert result.returncode != 0
        for name in ODD:
            shown = name.replace("\t", "\\t")
            assert (f"archivist: {workspace.seeds}/{shown}.txt: the name {name!r} is not a safe article "
                    "name") in result.stderr, (attempt, name, result.stderr)
        assert archived(workspace) == [f"2021/{FIRST}.pdf", f"2021/{FIRST}.xml"]
    assert not (REPO / "pwned").exists() and not (workspace.seeds / "pwned").exists()
    direct = archivist("build", *folder_args(workspace))
    assert direct.returncode == 12
    assert direct.stderr.count("is not a safe article name") == len(ODD)
