"""One bad article never stops the others, and the catalog never silently disagrees with the archive."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import FIRST, archivist, folder_args

from archivist import build as build_module
from archivist import catalog, manifest
from archivist.build import Paths, build_one, register
from archivist.cli import main
from archivist.profile import DEFAULT_PROFILE

STEMS = [f"2021-07-article-{n}" for n in range(1, 4)]


def copies(paths: Paths, stems: list[str]) -> None:
    """Each stem: the first article's text and record, with the stem's own identifier."""
    article = (paths.seeds / f"{FIRST}.txt").read_bytes()
    record = (paths.metadata / f"{FIRST}.yaml").read_text(encoding="utf-8")
    (paths.seeds / f"{FIRST}.txt").unlink()
    (paths.metadata / f"{FIRST}.yaml").unlink()
    for stem in stems:
        (paths.seeds / f"{stem}.txt").write_bytes(article)
        (paths.metadata / f"{stem}.yaml").write_text(record.replace(FIRST, stem), encoding="utf-8")


def listed(paths: Paths) -> list[dict]:
    result = archivist("list", "--json", "--archive", paths.archive)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_unexpected_exception_is_one_articles_failure(workspace: Paths, jobs: str,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Whatever a worker raises for one article, the others are built and catalogued."""
    copies(workspace, STEMS)
    real = build_module.typeset

    def broken_for_the_second(article, record, created):  # a bug that only one input reaches
        if article.path.stem == STEMS[1]:
            raise ValueError("year 0 is out of range")
        return real(article, record, created)

    monkeypatch.setattr(build_module, "typeset", broken_for_the_second)
    assert main(["build", "-j", jobs, *folder_args(workspace)]) == 12
    err = capsys.readouterr().err
    assert f"{workspace.seeds / STEMS[1]}.txt: internal error while building it: " \
           "ValueError('year 0 is out of range')" in err
    assert "built 2, unchanged 0, failed 1" in err
    assert [d["stem"] for d in listed(workspace)] == [STEMS[0], STEMS[2]]
    documents = [p for p in manifest.read_manifest(workspace.archive).entries if p.startswith("2021/")]
    assert sorted(documents) == sorted(
        f"2021/{stem}{suffix}" for stem in (STEMS[0], STEMS[2]) for suffix in (".pdf", ".xml"))


def test_a_year_0000_record_fails_alone_and_the_rest_are_listed(workspace: Paths) -> None:
    copies(workspace, STEMS)
    record = workspace.record(STEMS[1])
    record.write_text(record.read_text(encoding="utf-8").replace('date: "2021-07"', 'date: "0000"'),
                      encoding="utf-8")
    result = archivist("build", "-j", "2", *folder_args(workspace))
    assert result.returncode == 12
    assert f"{record}:20: 'date' '0000' has year 0000, before 1000" in result.stderr
    assert "internal error" not in result.stderr
    assert [d["stem"] for d in listed(workspace)] == [STEMS[0], STEMS[2]]


def test_a_damaged_manifest_never_leaves_the_catalog_behind(workspace: Paths) -> None:
    """The manifest cannot be updated; the catalog still is, and the journal mends the manifest."""
    assert archivist("build", *folder_args(workspace)).returncode == 0
    path = workspace.archive / manifest.MANIFEST_NAME
    good = path.read_bytes()
    path.write_bytes(good.replace(b"  2021/", b" 2021/", 1))
    record = workspace.record(FIRST)
    record.write_text(record.read_text(encoding="utf-8").replace(
        'creator: "Agence Maghreb Arabe Presse (MAP)"', 'creator: "Rédaction"'), encoding="utf-8")
    result = archivist("build", *folder_args(workspace))
    assert result.returncode == 10
    assert "the manifest is damaged, so it is not updated" in result.stderr
    pdf = workspace.pdf(FIRST)
    [document] = listed(workspace)
    assert (document["creators"], document["sha256"]) == (["Rédaction"], sha256(pdf))
    path.write_bytes(good)  # restored from a backup: it lists the previous PDF
    result = archivist("verify", "--archive", workspace.archive)
    assert result.returncode == 0, result.stdout + result.stderr
    assert manifest.read_manifest(workspace.archive).entries[f"2021/{FIRST}.pdf"] == sha256(pdf)
    [document] = listed(workspace)
    assert (document["creators"], document["sha256"]) == (["Rédaction"], sha256(pdf))


def test_a_lost_manifest_costs_the_catalog_nothing(workspace: Paths) -> None:
    """With its manifest gone, the archive's PDFs are all there: verify reports them as not
    listed, and neither it nor the next build drops them from the catalog."""
    copies(workspace, STEMS)
    assert archivist("build", *folder_args(workspace)).returncode == 0
    (workspace.archive / manifest.MANIFEST_NAME).unlink()
    result = archivist("verify", "--archive", workspace.archive)
    assert result.returncode == 10
    assert "dropped from the catalog" not in result.stderr
    assert [d["stem"] for d in listed(workspace)] == STEMS
    rebuilt = archivist("build", *folder_args(workspace), STEMS[0])
    assert "dropped from the catalog" not in rebuilt.stderr
    assert [d["stem"] for d in listed(workspace)] == STEMS


def test_verify_repairs_a_catalog_that_disagrees_with_the_archive(workspace: Paths) -> None:
    copies(workspace, STEMS)
    assert archivist("build", *folder_args(workspace)).returncode == 0
    with sqlite3.connect(workspace.archive / catalog.CATALOG_NAME) as connection:
        connection.execute("UPDATE documents SET creators = '[\"old\"]', sha256 = ? WHERE stem = ?",
                           ("0" * 64, STEMS[0]))
        connection.execute("DELETE FROM documents WHERE stem = ?", (STEMS[1],))
        connection.execute("INSERT INTO documents SELECT 'gone', identifier, date, title, language, "
                           "creators, subjects, description, '2021/gone.pdf', pages, sha256, "
                           "profile FROM documents WHERE stem = ?", (STEMS[2],))
    connection.close()
    result = archivist("verify", "--archive", workspace.archive)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{workspace.pdf(STEMS[0])}: catalog entry updated from the PDF" in result.stderr
    assert f"{workspace.pdf(STEMS[1])}: catalog entry added from the PDF" in result.stderr
    assert f"{workspace.archive / '2021/gone.pdf'}: dropped from the catalog" in result.stderr
    documents = listed(workspace)
    assert [(d["stem"], d["sha256"]) for d in documents] == [
        (stem, sha256(workspace.pdf(stem))) for stem in STEMS]
    assert all(d["creators"] == ["Agence Maghreb Arabe Presse (MAP)"] for d in documents)
    again = archivist("verify", "--archive", workspace.archive)
    assert "catalog" not in again.stderr  # nothing left to repair


def test_a_document_stored_ahead_of_its_batch_is_no_repair(workspace: Paths) -> None:
    """A pool worker stores a document whose outcome reaches the next batch: the batch
    before it registers no repair for it (the manifest lists it from its intent already)."""
    copies(workspace, STEMS[:2])
    first = build_one(workspace, STEMS[0], DEFAULT_PROFILE)
    ahead = build_one(workspace, STEMS[1], DEFAULT_PROFILE)  # stored, its outcome not yet seen
    assert register(workspace, [first], last=False) == ([], [])
    assert register(workspace, [ahead]) == ([], [])
    assert [d["stem"] for d in listed(workspace)] == STEMS[:2]
    assert archivist("verify", "--archive", workspace.archive).returncode == 0


def test_a_clean_between_storing_and_registering_is_not_a_crash(workspace: Paths) -> None:
    """'make clean' empties the archive while a build runs: the build ends with a consistent catalog."""
    built = build_one(workspace, FIRST, DEFAULT_PROFILE)
    for child in workspace.archive.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    failures, repairs = register(workspace, [built])
    assert failures == [] and repairs == []
    assert not (workspace.archive / manifest.MANIFEST_NAME).exists() or \
        manifest.read_manifest(workspace.archive).entries == {}
    assert archivist("verify", "--archive", workspace.archive).returncode == 0
    catalogued = workspace.archive / catalog.CATALOG_NAME
    assert not catalogued.exists() or listed(workspace) == []
