"""The catalog: filled as articles are built, listed and searched, and rebuilt from the PDFs alone."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import multiprocessing
import multiprocessing.synchronize
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import (
    FIRST,
    archivist,
    archivist_reading,
    file_digests,
    first_article_workspace,
    folder_args,
    read_only,
    writable_again,
)
from pypdf import PdfReader

from archivist.article import parse_article
from archivist.build import Paths, creation_instant, inputs_digest
from archivist.catalog import (
    CATALOG_NAME,
    Document,
    Filters,
    body_from_pages,
    dehyphenate,
    list_documents,
    put,
    rebuild,
    reconcile,
    search,
)
from archivist.cli import main
from archivist.pagetext import page_text
from archivist.pdfa import make_pdfa
from archivist.profile import DEFAULT_PROFILE
from archivist.record import parse_record
from archivist.typeset import typeset

SECOND = "2022-03-14-counterterrorism-conference"
SECOND_TEXT = """\
date 2022-03-14
The interministerial conference on counterterrorism cooperation brought together representatives of \
twenty-seven governments, intergovernmental organisations and nongovernmental observers in Lisbon.
Participants discussed the implementation of internationally recognised standards, the interoperability \
of information-sharing systems, and the responsibilities of long-established institutions towards \
unaccompanied minors, whose protection remained, in the words of several delegations, \
extraordinarily insufficient.
The ministers of the interior agreed that counterterrorism cooperation and the protection of \
unaccompanied minors should be treated as complementary responsibilities, and asked the secretariat \
to prepare comprehensive recommendations on interoperability before the autumn.
"""
SECOND_RECORD = """\
title: Interministerial conference on counterterrorism cooperation
creator: [Ann Example, Bob Example]
subject: [counterterrorism, interoperability, Unaccompanied minors]
description: Twenty-seven governments discuss cooperation and the protection of minors.
date: "2022-03-14"
language: en-GB
identifier: urn:archivist:2022-03-14-counterterrorism-conference
"""


def catalog_json(paths: Paths, command: str, *args: str) -> list[dict]:
    """The command's JSON, run in this process: the queries are many and start-up would dominate."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main([command, "--archive", str(paths.archive), "--json", *args]) == 0
    return json.loads(out.getvalue())


def stems(paths: Paths, command: str, *args: str) -> list[str]:
    return [Path(d["path"]).stem for d in catalog_json(paths, command, *args)]


@pytest.fixture
def two(workspace: Paths) -> Paths:
    workspace.article(SECOND).write_text(SECOND_TEXT, encoding="utf-8")
    workspace.record(SECOND).write_text(SECOND_RECORD, encoding="utf-8")
    return workspace


def build(paths: Paths, *extra: str) -> None:
    result = archivist("build", *folder_args(paths), *extra)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """Both articles built once, for the tests that only read."""
    paths = first_article_workspace(tmp_path_factory.mktemp("catalog"))
    paths.article(SECOND).write_text(SECOND_TEXT, encoding="utf-8")
    paths.record(SECOND).write_text(SECOND_RECORD, encoding="utf-8")
    build(paths)
    return paths


@pytest.fixture
def built(two: Paths) -> Paths:
    """Both articles built in a private workspace, for the tests that change things."""
    build(two)
    return two


def test_building_catalogues_every_field(shared: Paths) -> None:
    [first, second] = catalog_json(shared, "list")
    pdf = shared.pdf(FIRST)
    assert first == {
        "stem": FIRST,
        "identifier": "urn:archivist:2021-07-laftit-lamorgese-rabat",
        "date": "2021-07",
        "title": "Abdelouafi Laftit et Luciana Lamorgese font le point sur la coopération "
                 "maroco-italienne à Rabat",
        "language": "fr",
        "creators": ["Agence Maghreb Arabe Presse (MAP)"],
        "subjects": ["coopération sécuritaire", "migration", "mineurs non accompagnés",
                     "lutte contre le terrorisme", "Maroc", "Italie", "ministère de l’Intérieur"],
        "description": first["description"],
        "path": str(pdf),
        "pages": len(PdfReader(pdf).pages),
        "sha256": hashlib.sha256(pdf.read_bytes()).hexdigest(),
        "profile": "2a+ua1",
    }
    assert first["description"].startswith("Le ministre marocain de l’Intérieur")
    assert second["creators"] == ["Ann Example", "Bob Example"]
    assert second["language"] == "en-GB"


def test_the_catalog_is_one_file_at_the_top_of_the_archive(shared: Paths) -> None:
    names = {p.relative_to(shared.archive).as_posix() for p in shared.archive.rglob("*")}
    assert CATALOG_NAME in names
    assert not [n for n in names if "sqlite" in n and n != CATALOG_NAME]  # no -wal or -shm left behind


def test_search_lamorgese_prints_date_title_and_path(shared: Paths) -> None:
    result = archivist("search", "--archive", shared.archive, "Lamorgese")
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    assert line.startswith("2021-07     Abdelouafi Laftit et Luciana Lamorgese font le point sur")
    assert line.endswith(f"  {shared.pdf(FIRST)}")
    assert "1 document(s)" in result.stderr


@pytest.mark.parametrize(("query", "expected"), [
    (["Lamorgese"], [FIRST]),
    (["cooperation"], None),  # both, accents optional
    (["Bourita"], [FIRST]),  # only in the body
    (["interoperability", "Lisbon"], [SECOND]),  # every word must match
    (["interoperability", "Rabat"], []),
    (["Lamorg*"], [FIRST]),
    (["Lamorgese", "*", "-"], [FIRST]),  # a word of punctuation alone is left out
    (["\"Lamorgese", "OR", "x"], []),  # FTS5 syntax in a query is only words
    (["mineurs", "accompagnés"], [FIRST]),
])
def test_search_finds_words_in_any_indexed_field(shared: Paths, query: list[str],
                                                 expected: list[str] | None) -> None:
    found = stems(shared, "search", *query)
    if expected is None:
        assert sorted(found) == [FIRST, SECOND]
    else:
        assert found == expected


def test_search_with_no_words_is_an_error(shared: Paths) -> None:
    result = archivist("search", "--archive", shared.archive, " ")
    assert result.returncode == 2
    assert "the search has no words" in result.stderr


@pytest.mark.parametrize(("args", "expected"), [
    ([], [FIRST, SECOND]),
    (["--from", "2021-07-20"], [FIRST, SECOND]),  # July 2021 overlaps the 20th onwards
    (["--from", "2021-08"], [SECOND]),
    (["--to", "2021"], [FIRST]),
    (["--from", "2022-03-14", "--to", "2022-03-14"], [SECOND]),
    (["--to", "2022-03-13"], [FIRST]),
    (["--language", "en"], [SECOND]),  # en matches en-GB
    (["--language", "EN-gb"], [SECOND]),
    (["--language", "de"], []),
    (["--subject", "unaccompanied MINORS"], [SECOND]),
    (["--subject", "MAROC"], [FIRST]),
    (["--subject", "minors"], []),  # a subject matches whole
])
def test_list_filters(shared: Paths, args: list[str], expected: list[str]) -> None:
    assert stems(shared, "list", *args) == expected


def test_search_takes_the_same_filters(shared: Paths) -> None:
    assert stems(shared, "search", "cooperation", "--language", "fr") == [FIRST]


@pytest.mark.parametrize("date", ["2021-02-30", "\uff12\uff10\uff12\uff11"])  # fullwidth digits
def test_list_refuses_an_impossible_date(shared: Paths, date: str) -> None:
    result = archivist("list", "--archive", shared.archive, "--from", date)
    assert result.returncode == 2
    assert f"{date!r} is not a date" in result.stderr


def test_a_rebuilt_article_replaces_its_row(built: Paths) -> None:
    record = built.record(SECOND)
    record.write_text(record.read_text(encoding="utf-8").replace("Interministerial", "Ministerial"),
                      encoding="utf-8")
    build(built, SECOND)
    titles = [d["title"] for d in catalog_json(built, "list")]
    assert titles[1] == "Ministerial conference on counterterrorism cooperation"
    assert len(titles) == 2
    assert stems(built, "search", "interministerial") == [SECOND]  # still in the body


# -- rebuilding from the archive alone -------------------------------------------------------


def fts_contents(archive: Path) -> set[tuple[str, str, str, int]]:
    """Every (document, term, column, position) in the full-text index."""
    with contextlib.closing(sqlite3.connect(archive / CATALOG_NAME)) as connection:
        connection.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, search, instance)")
        return set(connection.execute(
            "SELECT d.stem, t.term, t.col, t.offset FROM temp.terms t JOIN documents d ON d.rowid = t.doc"))


def answers(paths: Paths, queries: list[str]) -> dict[str, list[Document]]:
    out = {"": list_documents(paths.archive, Filters())}
    for query in queries:
        out[query] = search(paths.archive, query, Filters())
    return out


@pytest.mark.parametrize("profile", ["2u", "3u", "4f+ua2"])
def test_rebuild_gives_the_same_answers(two: Paths, profile: str) -> None:
    build(two, "--profile", profile)
    words = {w.strip(".,;:«»()’'").lower() for p in (two.article(FIRST), two.article(SECOND))
             for w in p.read_text(encoding="utf-8").split()}
    queries = sorted(w for w in words if w.isalpha())
    before, index = answers(two, queries), fts_contents(two.archive)
    (two.archive / CATALOG_NAME).unlink()
    result = archivist("catalog", "--rebuild", "--archive", two.archive)
    assert result.returncode == 0, result.stderr
    assert "rebuilt from the archive, 2 document(s)" in result.stdout
    assert fts_contents(two.archive) == index
    assert answers(two, queries) == before


@pytest.mark.parametrize("profile", ["2a+ua1", "3u"])
def test_a_word_with_soft_hyphens_is_found_as_the_page_shows_it(workspace: Paths, profile: str) -> None:
    """An author's soft hyphen (and a zero-width space) is drawn as nothing inside a line, so
    the word is found whole: in the catalog a build makes, and in the one rebuilt from the PDF."""
    filler = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
    words = [filler[i % 6] if i % 4 else "wonder\u00adland" for i in range(400)]
    words[7] = "look\u200bout"
    stem = "2021-07-16-soft-hyphens"
    workspace.article(stem).write_text(" ".join(words) + "\n", encoding="utf-8")
    workspace.record(stem).write_text('title: "Wonder\u00adland"\ndate: "2021-07-16"\nlanguage: en\n',
                                      encoding="utf-8")
    build(workspace, "--profile", profile, stem)
    found = {query: [d.stem for d in search(workspace.archive, query, Filters())]
             for query in ("wonderland", "lookout", "wonder", "land")}
    assert found == {"wonderland": [stem], "lookout": [stem], "wonder": [], "land": []}
    index = fts_contents(workspace.archive)
    assert archivist("catalog", "--rebuild", "--archive", workspace.archive).returncode == 0
    assert fts_contents(workspace.archive) == index


_STOPPED_WRITER = """
import os, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("DELETE FROM documents WHERE stem = ?", (sys.argv[2],))
os._exit(0)  # stopped before its close folds the -wal file into the catalog
"""


def test_a_reader_who_may_not_write_reads_a_stopped_writer_s_last_changes_or_is_told(
        readable_workspace: Paths) -> None:
    paths = readable_workspace
    paths.article(SECOND).write_text(SECOND_TEXT, encoding="utf-8")
    paths.record(SECOND).write_text(SECOND_RECORD, encoding="utf-8")
    build(paths)
    catalog, root = paths.archive / CATALOG_NAME, paths.archive.parent
    subprocess.run([sys.executable, "-c", _STOPPED_WRITER, catalog, SECOND], check=True)
    assert catalog.with_name(CATALOG_NAME + "-wal").stat().st_size > 0
    read_only(root)
    listed = archivist_reading(root, "list", "--archive", paths.archive, "--json")
    assert [Path(d["path"]).stem for d in json.loads(listed.stdout)] == [FIRST], listed.stderr
    writable_again(root)
    catalog.with_name(CATALOG_NAME + "-shm").unlink()  # as a reboot may leave it
    read_only(root)
    refused = archivist_reading(root, "list", "--archive", paths.archive)
    assert refused.returncode == 13
    assert refused.stderr == (
        f"archivist: {catalog}: the catalog's last changes, in catalog.sqlite-wal, can only be read "
        "by a process that may write beside the catalog (run 'archivist catalog' once as a user who "
        "may write to the archive)\n")
    writable_again(root)
    assert archivist("catalog", "--archive", paths.archive).returncode == 0
    assert sorted(p.name for p in paths.archive.iterdir()) == [
        "2021", "2022", "archivist-profile.txt", CATALOG_NAME, "manifest-sha256.txt"]
    read_only(root)
    listed = archivist_reading(root, "list", "--archive", paths.archive, "--json")
    assert [Path(d["path"]).stem for d in json.loads(listed.stdout)] == [FIRST], listed.stderr


def test_the_order_articles_finish_in_changes_no_answer(two: Paths, tmp_path: Path) -> None:
    build(two, "-j", "1")
    parallel = Paths(two.seeds, two.metadata, tmp_path / "parallel")
    build(parallel, "-j", "2")
    assert fts_contents(parallel.archive) == fts_contents(two.archive)
    assert [(d.stem, d.sha256) for d in list_documents(parallel.archive, Filters())] == [
        (d.stem, d.sha256) for d in list_documents(two.archive, Filters())]


def test_rebuild_repairs_a_corrupt_catalog(built: Paths) -> None:
    before = catalog_json(built, "list")
    (built.archive / CATALOG_NAME).write_bytes(b"this is not a database" * 100)
    broken = archivist("list", "--archive", built.archive)
    assert broken.returncode == 13
    assert "catalog error" in broken.stderr and "archivist catalog --rebuild" in broken.stderr
    assert archivist("catalog", "--rebuild", "--archive", built.archive).returncode == 0
    assert catalog_json(built, "list") == before


def test_rebuild_names_an_unreadable_pdf_and_keeps_the_others(built: Paths) -> None:
    damaged = built.pdf(SECOND)
    damaged.write_bytes(damaged.read_bytes()[:2000])
    result = archivist("catalog", "--rebuild", "--archive", built.archive)
    assert result.returncode == 13
    assert f"archivist: {damaged}: " in result.stderr
    assert stems(built, "list") == [FIRST]


def test_documents_behind_a_symbolic_link_are_never_taken_for_the_archive_s(built: Paths,
                                                                             tmp_path: Path) -> None:
    """A year folder, or a PDF, that is a link to another archive's documents: neither
    catalogued by a rebuild nor checked, and the catalog's repairs leave such a folder's
    documents as they find them; a link named .pdf is named as one."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    year = built.pdf(SECOND).parent
    year.rename(elsewhere / year.name)
    year.symlink_to(elsewhere / year.name, target_is_directory=True)
    verified = archivist("verify", "--archive", built.archive)
    assert verified.returncode == 10 and f"{year}: unexpected; a symbolic link" in verified.stdout
    assert stems(built, "list") == [FIRST, SECOND]  # built there before the link came: kept
    assert archivist("catalog", "--rebuild", "--archive", built.archive).returncode == 0
    assert stems(built, "list") == [FIRST]
    verified = archivist("verify", "--archive", built.archive)
    assert "catalog entry" not in verified.stdout + verified.stderr  # nor added back
    assert stems(built, "list") == [FIRST]
    link = built.pdf(FIRST).with_name("2021-07-other.pdf")
    link.symlink_to(elsewhere / year.name / built.pdf(SECOND).name)
    rebuilt = archivist("catalog", "--rebuild", "--archive", built.archive)
    assert rebuilt.returncode == 13
    assert f"{link}: is a symbolic link, not a PDF file" in rebuilt.stderr
    assert stems(built, "list") == [FIRST]
    checked = archivist("check", *folder_args(built))  # the first article's PDF and the link
    assert f"{link}: is a symbolic link, not a PDF file" in checked.stdout
    assert checked.stderr.startswith("checked 2 PDF(s): 1 good, 1 with problems"), checked.stderr


def test_an_archive_folder_that_is_a_link_is_an_archive_like_any(two: Paths, tmp_path: Path) -> None:
    """Links inside the archive are refused; the archive folder itself may be one (on a
    larger disk, say): built into, checked and catalogued as if it were the folder."""
    disk = tmp_path / "disk" / "archive"
    disk.mkdir(parents=True)
    two.archive.rmdir()
    two.archive.symlink_to(disk, target_is_directory=True)
    build(two)
    assert archivist("check", *folder_args(two)).returncode == 0
    assert archivist("catalog", "--rebuild", "--archive", two.archive).returncode == 0
    assert stems(two, "list") == [FIRST, SECOND]
    assert sorted(p.name for p in disk.glob("*/*.pdf")) == sorted(two.pdf(s).name for s in (FIRST, SECOND))
    cleaned = archivist("clean", "--archive", two.archive)
    assert cleaned.returncode == 0, cleaned.stderr
    assert list(disk.iterdir()) == [] and two.archive.is_symlink()


def test_a_year_folder_this_user_may_not_read_keeps_its_rows(built: Paths,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The catalog cannot tell what such a folder holds: its repairs leave it as it is. As
    root every folder is readable, so the refusal the kernel would give is injected."""
    year = str(built.pdf(SECOND).parent)
    real_open = os.open

    def refused(path, *args, **kwargs):
        if str(path) == year:
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refused)
    listed = {f"{p.parent.name}/{p.name}": "0" * 64 for p in (built.pdf(FIRST), built.pdf(SECOND))}
    repairs = reconcile(built.archive, listed)
    monkeypatch.undo()
    assert not any(SECOND in repair for repair in repairs), repairs
    assert f"{built.pdf(FIRST)}: catalog entry updated from the PDF" in repairs  # the readable one is
    assert stems(built, "list") == [FIRST, SECOND]


def test_listing_without_a_catalog_says_how_to_make_one(tmp_path: Path) -> None:
    result = archivist("list", "--archive", tmp_path)
    assert result.returncode == 13
    assert "the archive has no catalog yet (run 'make' or 'archivist catalog --rebuild')" in result.stderr


def test_two_processes_write_the_catalog_at_once(two: Paths) -> None:
    processes = [subprocess.Popen([sys.executable, "-m", "archivist", "build", *folder_args(two), stem],
                                  stderr=subprocess.PIPE, text=True) for stem in (FIRST, SECOND)]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert stems(two, "list") == [FIRST, SECOND]


# -- body text from the pages ------------------------------------------------------------------


def test_body_from_the_pages_of_the_first_article_is_its_words(shared: Paths) -> None:
    reader = PdfReader(shared.pdf(FIRST))
    title = "Abdelouafi Laftit et Luciana Lamorgese font le point sur la coopération maroco-italienne à Rabat"
    assert body_from_pages(reader, title, "fr").split() == shared.article(FIRST).read_text(
        encoding="utf-8").split()[2:]


def test_body_from_the_pages_skips_a_title_whose_word_is_cut(tmp_path: Path) -> None:
    title = "Interministerialcounterterrorismcooperationconferenceproceedings summary"
    article = parse_article(b"date 2021-07 Premier paragraphe.\nSecond.\n", tmp_path / "2021-07-x.txt")
    record = parse_record(f'title: "{title}"\ndate: "2021-07"\nlanguage: fr\n'.encode(),
                          tmp_path / "2021-07-x.yaml")
    created = creation_instant(record)
    pdf = make_pdfa(typeset(article, record, created), record, DEFAULT_PROFILE, created,
                    inputs_digest(article, record, DEFAULT_PROFILE))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(page_text(reader.pages[0]).splitlines()) >= 6  # the title takes two lines or more
    assert body_from_pages(reader, title, "fr") == "Premier paragraphe. Second."


@pytest.mark.parametrize(("lines", "language", "expected"), [
    (["la coopé-", "ration entre"], "fr", ["la", "coopération", "entre"]),
    (["de res-", "ponsables."], "fr", ["de", "responsables."]),
    (["« coopé-", "ration »"], "fr", ["«", "coopération", "»"]),
    (["die Nord-", "Süd Gespräche"], "de", ["die", "Nord-", "Süd", "Gespräche"]),  # a capital: a compound
    (["a well-", "known and well-known idea"], "en", ["a", "well-", "known", "and", "well-known", "idea"]),
    (["a com-", "prehensive and comprehensive plan"], "en", ["a", "comprehensive", "and", "comprehensive",
                                                            "plan"]),
    (["Wirtschafts-", "und Sozialausschuss"], "de", ["Wirtschafts-", "und", "Sozialausschuss"]),
    (["coopé-", "ration"], "ja", ["coopé-", "ration"]),  # no dictionary: the typesetter never breaks words
])
def test_dehyphenate(lines: list[str], language: str, expected: list[str]) -> None:
    assert dehyphenate(lines, language) == expected


def test_catalog_without_rebuild_counts(shared: Paths) -> None:
    result = archivist("catalog", "--archive", shared.archive)
    assert result.returncode == 0
    assert result.stdout == f"{shared.archive / CATALOG_NAME}: 2 document(s)\n"


def _catalog_writer(archive: Path, start: multiprocessing.synchronize.Barrier,
                    outcomes: multiprocessing.Queue) -> None:
    """What a build does to the catalog of an archive that has none yet: make it, repair it, add to it."""
    try:
        start.wait(timeout=60)
        if not (archive / CATALOG_NAME).exists():
            rebuild(archive)
        reconcile(archive, {})
        put(archive, [])
        outcomes.put("ok")
    except Exception as error:
        outcomes.put(repr(error))


def test_writers_that_start_at_once_on_a_new_archive_all_get_their_turn(tmp_path: Path) -> None:
    """Builds, repairs and rebuilds write the catalog one at a time: three processes that start
    together on an archive with no catalog yet all succeed (SQLite alone answered some of them
    'database is locked' at once, its busy timeout notwithstanding)."""
    context = multiprocessing.get_context("fork")
    for attempt in range(25):
        archive = tmp_path / f"archive-{attempt}"
        archive.mkdir()
        start, outcomes = context.Barrier(3), context.Queue()
        writers = [context.Process(target=_catalog_writer, args=(archive, start, outcomes)) for _ in range(3)]
        for writer in writers:
            writer.start()
        try:
            said = [outcomes.get(timeout=120) for _ in writers]
        finally:
            for writer in writers:
                writer.join(timeout=120)
                writer.kill()
        assert said == ["ok"] * 3, attempt
        assert list_documents(archive, Filters()) == []


def test_rebuilding_the_catalog_of_a_folder_that_does_not_exist_makes_nothing(tmp_path: Path) -> None:
    result = archivist("catalog", "--rebuild", "--archive", tmp_path / "missing")
    assert result.returncode == 2
    assert result.stderr == (f"archivist: {tmp_path / 'missing'}: there is no archive folder here (name it "
                             "with --archive (make: ARCHIVE=...), or build one with make)\n")
    assert list(tmp_path.iterdir()) == []


def test_every_writer_of_the_catalog_holds_the_archive_lock(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Rebuild, put and reconcile each write the catalog while holding the archive's lock."""
    from archivist import catalog, store

    archive = tmp_path / "archive"
    archive.mkdir()
    real = catalog._connect
    held: list[bool] = []

    @contextlib.contextmanager
    def connect(where: Path, *, create: bool) -> Iterator[sqlite3.Connection]:
        if create:
            held.append(store.staging_dir(where) in store._held)
        with real(where, create=create) as connection:
            yield connection

    monkeypatch.setattr(catalog, "_connect", connect)
    rebuild(archive)
    put(archive, [])
    reconcile(archive, {"2021/gone.pdf": "0" * 64})
    assert held == [True, True, True]


def test_a_catalog_rebuilt_where_no_writer_can_work_takes_no_lock(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """An archive in a folder that cannot be written (a read-only mount, its catalog writable)
    has no build at work, since each makes the staging folder there first: a rebuild takes no
    lock and makes nothing beside the archive."""
    from archivist import catalog

    archive = tmp_path / "archive"
    archive.mkdir()
    real = catalog.os.access
    monkeypatch.setattr(catalog.os, "access", lambda path, mode: Path(path) != tmp_path and real(path, mode))
    assert rebuild(archive) == (0, [])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["archive"]
    assert list_documents(archive, Filters()) == []


@pytest.mark.parametrize("name", ["ar#c", "ar?c", "a%23b"])
def test_an_archive_named_with_uri_characters_keeps_its_catalog_and_writes_nothing_beside(
        tmp_path: Path, name: str) -> None:
    """SQLite is handed the catalog as a URI, in which a '#' or '?' of the archive's path would
    end the path early: a file 'ar' would be made beside the archive, and the catalog made
    again from every PDF at each build."""
    paths = first_article_workspace(tmp_path)
    paths = Paths(paths.seeds, paths.metadata, tmp_path / name)
    before = {p.name for p in tmp_path.iterdir()}
    assert main(["build", *folder_args(paths)]) == 0
    catalog = paths.archive / CATALOG_NAME
    made = catalog.stat().st_ino
    assert main(["build", *folder_args(paths)]) == 0
    assert catalog.stat().st_ino == made  # kept, not made again
    assert {p.name for p in tmp_path.iterdir()} == before | {name, f".{name}.staging"}
    assert len(list_documents(paths.archive, Filters())) == 1


@pytest.mark.parametrize("kind", ["FIFO", "folder", "link"])
def test_a_catalog_that_is_no_file_is_refused_at_once(built: Paths, kind: str) -> None:
    """SQLite waits for ever on a FIFO (Ctrl-C cannot stop it), fails on a folder and writes
    through a link: such a catalog is named for what it is, once, before a build builds or a
    rebuild reads anything for it, and every command goes on or stops with that message."""
    catalog = built.archive / CATALOG_NAME
    catalog.unlink()
    elsewhere = built.archive.parent / "elsewhere.sqlite"
    {"FIFO": lambda: os.mkfifo(catalog), "folder": catalog.mkdir,
     "link": lambda: catalog.symlink_to(elsewhere)}[kind]()
    what = {"FIFO": "a FIFO (named pipe)", "folder": "a folder", "link": "a symbolic link"}[kind]
    message = f"{catalog}: the catalog is {what}, not a file (remove it, then run 'archivist catalog"
    before = file_digests(built.archive, leave_out=[CATALOG_NAME], mtimes=True)
    at = ["--archive", str(built.archive)]
    commands = (["build", *folder_args(built)], ["catalog", "--rebuild", *at], ["list", *at], ["verify", *at])
    for command in commands:
        result = archivist(*command)
        assert result.stderr.count(message) == 1, (command, result.stderr)
        if command[0] != "verify":  # verify judges the archive's files: the catalog is not one
            assert result.returncode == 13, (command, result.stderr)
    assert file_digests(built.archive, leave_out=[CATALOG_NAME], mtimes=True) == before  # nothing stored
    assert not elsewhere.exists()
