"""Bad input: one clear message (file, place, fix), a documented exit code, no traceback,
and the archive byte for byte as it was; and the hard inputs that must succeed.

The exact message of every case is the one in docs/errors.md: the table there is read
here and each row is run through the real command line, so the documentation cannot
drift from what a user sees.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tracemalloc
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, left_in_staging, make_command, require_tool
from pypdf import PdfReader

from archivist import identifiers
from archivist.cli import main
from archivist.errors import RecordError
from archivist.identifiers import shared_identifiers
from archivist.record import compose_record, read_record
from archivist.store import FACTS_FILE

STEM = "2021-07-case"
ARTICLE = (
    "date 2021-07 Le conseil municipal a voté mardi le budget de la bibliothèque.\n"
    "La séance a duré trois heures ; les débats ont porté sur les horaires d’ouverture.\n"
    "« Nous voulons ouvrir le dimanche », a déclaré la maire.\n"
).encode()
RECORD = """\
title: "Le budget de la bibliothèque voté"
creator: Rédaction
subject:
  - bibliothèque
  - budget
description: Le conseil municipal a voté le budget de la bibliothèque.
date: "2021-07"
type: Text
format: application/pdf
identifier: "urn:archivist:2021-07-case"
language: fr
rights: © Rédaction
"""
DOCS = REPO / "docs" / "errors.md"
HUGE = 4 << 30  # a sparse file this large must be refused without being read


def edited(old: str, new: str, text: str = RECORD) -> bytes:
    assert text.count(old) == 1, old
    return text.replace(old, new).encode()


def sparse(path: Path) -> None:
    with path.open("wb") as handle:
        handle.truncate(HUGE)


BILLION_LAUGHS = "lol: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"l{n}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]\n" for n in range(9)
)


@dataclass(frozen=True)
class Case:
    """One bad input: the article and record it writes, what it names, its exit code."""

    name: str
    exit_code: int
    article: bytes | None = ARTICLE
    record: bytes | None = RECORD.encode()
    target: str | None = None  # the name given to `archivist build`; the stem by default
    setup: Callable[[Path, str], None] | None = None  # (workspace, stem): more to prepare
    in_make: bool = True  # can be one article among others in a make run
    place: bool = True  # the message gives a line or byte offset (False: the whole file is wrong)


def _shared_identifier(workspace: Path, stem: str) -> None:
    other = RECORD.replace("voté", "adopté", 1).replace(STEM, stem)
    (workspace / "metadata" / "2021-07-other.yaml").write_text(other, encoding="utf-8")


def _year_folder_is_a_link(workspace: Path, stem: str) -> None:
    outside = workspace / "outside"
    (workspace / "archive" / "2021").rename(outside)
    (workspace / "archive" / "2021").symlink_to(outside)


def _sparse_record(workspace: Path, stem: str) -> None:
    sparse(workspace / "metadata" / f"{stem}.yaml")


def _sparse_article(workspace: Path, stem: str) -> None:
    sparse(workspace / "seeds" / f"{stem}.txt")


def _outside(workspace: Path, stem: str) -> Path:
    """A file outside the seeds and metadata folders (``/etc/passwd`` in an attack)."""
    secret = workspace / f"outside-{stem}.txt"
    secret.write_bytes(ARTICLE)
    return secret


def _article_is_a_link(workspace: Path, stem: str) -> None:
    article = workspace / "seeds" / f"{stem}.txt"
    article.unlink()
    article.symlink_to(_outside(workspace, stem))


def _record_is_a_link(workspace: Path, stem: str) -> None:
    record = workspace / "metadata" / f"{stem}.yaml"
    secret = workspace / f"outside-{stem}.yaml"
    record.rename(secret)
    record.symlink_to(secret)


def _article_is_a_fifo(workspace: Path, stem: str) -> None:
    article = workspace / "seeds" / f"{stem}.txt"
    article.unlink()
    os.mkfifo(article)


def _article_is_a_folder(workspace: Path, stem: str) -> None:
    article = workspace / "seeds" / f"{stem}.txt"
    article.unlink()
    article.mkdir()
    (article / "inside.txt").write_bytes(ARTICLE)


CASES = [
    Case("record-missing", 4, record=None, place=False),
    Case("yaml-syntax", 4, record=edited("type: Text", "type: [Text")),
    Case("record-not-a-mapping", 4, record=b"- title\n- date\n"),
    Case("required-key-missing", 4, record=edited("language: fr\n", ""), place=False),
    Case("unknown-key", 4, record=edited("creator:", "creater:")),
    Case("wrong-type", 4, record=edited("format: application/pdf", "format: [application/pdf]")),
    Case("date-month-13", 4, record=edited('date: "2021-07"', 'date: "2021-13"')),
    Case("date-february-30", 4, record=edited('date: "2021-07"', "date: 2021-02-30")),
    Case("date-disagrees-with-header", 4, record=edited('date: "2021-07"', 'date: "2021-08"')),
    Case("language-invalid", 4, record=edited("language: fr", "language: fr_FR")),
    Case("dateline-not-drawable", 5, record=edited("language: fr", "language: ar")),
    Case("identifier-shared", 4, setup=_shared_identifier),
    Case("article-empty", 3, article=b"date 2021-07\n\n   \n", place=False),
    Case("article-not-utf8", 3, article=ARTICLE.replace("voté".encode(), b"vot\xe9", 1)),
    Case("article-nul", 3, article=ARTICLE.replace(b"trois", b"tr\x00ois", 1)),
    Case("article-control-character", 3, article=ARTICLE.replace(b"trois", b"\x1b[1mtrois", 1)),
    Case("glyph-missing-in-article", 5, article=ARTICLE.replace(b"dimanche", "dimanche ☃".encode())),
    Case("glyph-missing-in-title", 5, record=edited("bibliothèque voté", "bibliothèque ☃ voté")),
    Case("yaml-python-object", 4, record=edited(
        "rights: © Rédaction", "rights: !!python/object/apply:os.system ['touch pwned']")),
    Case("yaml-billion-laughs", 4, record=BILLION_LAUGHS.encode()),
    Case("yaml-deep-nesting", 4, record=b"title: " + b"[" * 100_000 + b"]" * 100_000 + b"\n"),
    Case("record-too-large", 4, setup=_sparse_record, place=False),
    Case("article-too-large", 3, setup=_sparse_article, place=False),
    Case("name-dot-dot", 6, target="../../etc/x", in_make=False, place=False),
    Case("name-absolute", 6, target="/etc/x", in_make=False, place=False),
    Case("name-nul", 6, target="2021-07-a\0b", in_make=False, place=False),
    Case("identifier-dot-dot", 6, record=edited('"urn:archivist:2021-07-case"', '"../../etc/x"')),
    Case("identifier-absolute", 6, record=edited('"urn:archivist:2021-07-case"', "/etc/x")),
    Case("date-year-0000", 4, record=edited('date: "2021-07"', 'date: "0000"'),
         article=ARTICLE.replace(b"date 2021-07 ", b"")),
    Case("article-is-a-link", 3, setup=_article_is_a_link, place=False),
    Case("record-is-a-link", 4, setup=_record_is_a_link, place=False),
    Case("article-is-a-fifo", 3, setup=_article_is_a_fifo, place=False),
    Case("article-is-a-folder", 3, setup=_article_is_a_folder, place=False),
    Case("article-invisible-only", 3, article="date 2021-07\n\u200b \ufeff\n\u200b\n".encode(), place=False),
    Case("title-invisible-only", 4, record=edited('"Le budget de la bibliothèque voté"', '"\\u200b"')),
    Case("title-line-break", 4, record=edited('"Le budget de la bibliothèque voté"',
                                              "|\n  Le budget\n  de la bibliothèque voté")),
    Case("identifier-trailing-space", 4, record=edited('"urn:archivist:2021-07-case"',
                                                       '"urn:archivist:2021-07-case "')),
    Case("identifier-line-break", 4, record=edited('"urn:archivist:2021-07-case"',
                                                   '"urn:archivist:\\n2021-07-case"')),
    Case("identifier-no-break-space", 4, record=edited('"urn:archivist:2021-07-case"',
                                                       '"urn:archivist:\\u00a02021-07-case"')),
    Case("article-word-too-long", 3, article=ARTICLE.replace(b"dimanche", b"dimanche " + b"x" * 4001)),
    Case("article-too-many-paragraphs", 3, article=b"date 2021-07\n" + b"a\n" * 50_001, place=False),
    Case("article-paragraph-too-long", 3, article=b"date 2021-07\nFirst.\n" + b"a-a-a " * 349_526 + b"a\n"),
    Case("name-month-13", 6, target="2021-13-case", in_make=False, place=False),
    Case("archive-folder-links-outside", 6, setup=_year_folder_is_a_link, in_make=False, place=False),
]


def documented() -> dict[str, tuple[int, str]]:
    """docs/errors.md's table: case -> (exit code, exact message)."""
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| [^|]*(?:\\\|[^|]*)* \| (\d+) \| `(.*)` \|$",
                      DOCS.read_text(encoding="utf-8"), re.MULTILINE)
    return {name: (int(code), message.replace("\\|", "|")) for name, code, message in rows}


def bytes_read() -> int:
    """How many bytes this process has read so far, from any file (Linux's /proc/self/io rchar)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("/proc/self/io has no rchar")


def tree_state(root: Path) -> dict[str, str]:
    """Every folder, link and file under root, with each file's bytes (hashed) and mode."""
    state = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                state[key] = "link to " + os.readlink(path)
            elif path.is_dir():
                state[key] = "folder"
            else:
                state[key] = f"{hashlib.sha256(path.read_bytes()).hexdigest()} {path.stat().st_mode:o}"
    return state


def write_inputs(workspace: Path, stem: str, case: Case) -> None:
    if case.article is not None:
        (workspace / "seeds" / f"{stem}.txt").write_bytes(case.article)
    if case.record is not None:
        (workspace / "metadata" / f"{stem}.yaml").write_bytes(case.record)
    if case.setup is not None:
        case.setup(workspace, stem)


def build(*args: str) -> list[str]:
    return ["build", "-j", "1", "--seeds", "seeds", "--metadata", "metadata", "--archive", "archive",
            *args]


@pytest.fixture(scope="module")
def previous(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace whose archive already holds a good build of the article every case breaks."""
    workspace = tmp_path_factory.mktemp("previous")
    for folder in ("seeds", "metadata", "archive"):
        (workspace / folder).mkdir()
    write_inputs(workspace, STEM, Case("good", 0))
    old = Path.cwd()
    os.chdir(workspace)
    try:
        assert main(build(STEM)) == 0
    finally:
        os.chdir(old)
    return workspace


@pytest.fixture
def workspace(previous: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of ``previous``, as the current folder, so that messages show relative paths."""
    for name in ("seeds", "metadata", "archive", ".archive.staging"):
        shutil.copytree(previous / name, tmp_path / name, symlinks=True)
    for folder in ("seeds", "metadata"):
        for path in (tmp_path / folder).iterdir():
            path.unlink()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_case_is_documented_and_every_row_tested() -> None:
    assert sorted(documented()) == sorted(case.name for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input(case: Case, workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, message = documented()[case.name]
    write_inputs(workspace, STEM, case)
    before = tree_state(workspace / "archive")
    read_before = bytes_read()
    assert main(build(case.target or STEM)) == code == case.exit_code
    read = bytes_read() - read_before
    err = capsys.readouterr().err
    assert "Traceback" not in err
    shown = [line.removeprefix("archivist: ") for line in err.splitlines() if line.startswith("archivist: ")]
    assert shown == [message], err
    assert tree_state(workspace / "archive") == before
    # no staged part left behind: the lock, and the records' facts kept for the next run
    assert left_in_staging(workspace / ".archive.staging") == {"lock"}
    assert not (workspace / "pwned").exists()  # !!python/object ran nothing
    assert read < 64 << 20, f"{case.name} read {read} bytes to be refused"  # the 4 GiB files unread


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_message_names_file_place_and_fix(case: Case) -> None:
    """A file first; a line or byte offset wherever the input has a place; a fix in parentheses."""
    message = documented()[case.name][1]
    assert re.match(r"^[^:]+\.(yaml|txt|xml)(:\d+(:\d+)?)?: ", message)
    assert message.endswith(")"), "no hint on how to fix it"
    located = re.match(r"^[^:]+:\d+", message) or re.search(r"\bbyte \d+", message)
    assert bool(located) == case.place


def test_a_year_folder_linked_to_itself_is_refused_by_name(workspace: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A year folder that is a symbolic link to itself has no real path: the write is refused
    as unsafe, with its name, and the catalog takes the folder as holding nothing."""
    year = workspace / "archive" / "2021"
    shutil.rmtree(year)
    year.symlink_to("2021")
    write_inputs(workspace, STEM, Case("link-loop", 6))
    assert main(build(STEM)) == 6
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, err
    assert err.splitlines()[0] == (
        f"archivist: archive/2021/{STEM}.xml: goes through a loop of symbolic links in the archive "
        "archive/ (make the archive's folders real folders inside it)")
    assert os.readlink(year) == "2021"
    assert left_in_staging(workspace / ".archive.staging") == {"lock"}


def test_traceback_only_with_verbose(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_inputs(workspace, STEM, Case("bad", 4, record=edited("creator:", "creater:")))
    assert main(["build", "-v", "--seeds", "seeds", "--metadata", "metadata", "--archive", "archive",
                 "-j", "1", STEM, "2021-07-nothing"]) == 12
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize("content", [BILLION_LAUGHS, "title: " + "[" * ((1 << 20) - 8)],
                         ids=["billion-laughs", "1-MiB-of-nesting"])
def test_hostile_yaml_is_refused_at_its_start_in_bounded_memory(tmp_path: Path, content: str) -> None:
    path = tmp_path / "2021-07-x.yaml"
    path.write_text(content, encoding="utf-8")
    tracemalloc.start()
    with pytest.raises(RecordError) as refused:
        read_record(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"peak {peak / 2**20:.1f} MiB")
    # Refused where the first alias or the ninth level stands, not after composing the rest.
    assert (refused.value.line, refused.value.column) in ((2, 9), (1, 15)), refused.value
    assert peak < 32 << 20


def test_a_huge_record_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "2021-07-x.yaml"
    sparse(path)
    tracemalloc.start()
    with pytest.raises(RecordError, match="larger than"):
        read_record(path)
    assert tracemalloc.get_traced_memory()[1] < 8 << 20
    tracemalloc.stop()


def test_python_object_tags_run_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for tag in ("!!python/object/apply:os.system", "!!python/object/new:os.system"):
        path = tmp_path / "2021-07-x.yaml"
        path.write_bytes(edited("rights: © Rédaction", f"rights: {tag} ['touch {marker}']"))
        with pytest.raises(RecordError, match="YAML tag"):
            read_record(path)
    assert not marker.exists()


def test_shared_identifiers_scale_to_ten_thousand_records(tmp_path: Path, monkeypatch) -> None:
    """The duplicate check reads every record of the folder on each build: it must stay cheap."""
    metadata = tmp_path / "metadata"
    metadata.mkdir()
    for n in range(10_000):
        (metadata / f"2021-07-a{n:05}.yaml").write_text(RECORD.replace(STEM, f"{STEM}-{n}"), "utf-8")
    (metadata / "2021-07-b.yaml").write_text(RECORD.replace(STEM, f"{STEM}-1234"), "utf-8")
    # a record written the unusual way takes the composer's path, and still counts
    (metadata / "2021-07-c.yaml").write_text(
        '{title: T, date: "2021-07", language: fr, identifier: "urn:archivist:2021-07-case-\\x37"}',
        "utf-8")
    records = sorted(metadata.glob("*.yaml"))
    composed = []
    monkeypatch.setattr(identifiers, "compose_record",
                        lambda raw, path: composed.append(path) or compose_record(raw, path))
    errors = shared_identifiers(metadata, records)
    print(f"shared_identifiers over {len(records)} records composed {len(composed)} of them")
    assert sorted(p.name for p in errors) == ["2021-07-a00007.yaml", "2021-07-a01234.yaml",
                                             "2021-07-b.yaml", "2021-07-c.yaml"]
    assert "also claimed by" in str(errors[metadata / "2021-07-b.yaml"])
    # Cheap because the plain identifier line is read directly: only the record written the
    # unusual way, and the claims that collide (composed again before refusing), are composed.
    assert {p.name for p in composed} <= {"2021-07-c.yaml", "2021-07-a00007.yaml", "2021-07-a01234.yaml",
                                          "2021-07-b.yaml"}


def test_a_multiline_quoted_value_is_not_taken_for_an_identifier(tmp_path: Path) -> None:
    """The fast reading would see 'identifier: x' here; the composer is asked before refusing."""
    metadata = tmp_path / "metadata"
    metadata.mkdir()
    (metadata / "2021-07-a.yaml").write_text(
        'title: T\ndate: "2021-07"\nlanguage: fr\nsource: "abc\nidentifier: x"\n', "utf-8")
    (metadata / "2021-07-b.yaml").write_text('title: T\ndate: "2021-07"\nlanguage: fr\nidentifier: x\n',
                                             "utf-8")
    assert shared_identifiers(metadata, sorted(metadata.glob("*.yaml"))) == {}


def test_make_builds_the_good_articles_and_fails_at_the_end(tmp_path: Path) -> None:
    """Every bad case as one article of a make -j2 run: the good one is built, make fails last."""
    require_tool("make")
    for folder in ("seeds", "metadata", "archive"):
        (tmp_path / folder).mkdir()
    bad = [case for case in CASES if case.in_make]
    stems = {case.name: f"{STEM}-{case.name}" for case in bad}
    write_inputs(tmp_path, "2021-07-good", Case("good", 0, record=edited(STEM, "2021-07-good")))
    for case in bad:
        stem = stems[case.name]
        record = case.record.replace(STEM.encode(), stem.encode()) if case.record else None
        write_inputs(tmp_path, stem, Case(case.name, case.exit_code, case.article, record,
                                          setup=case.setup))
    result = subprocess.run(
        make_command(tmp_path, f"SEEDS={tmp_path / 'seeds'}", f"METADATA={tmp_path / 'metadata'}",
                     f"ARCHIVE={tmp_path / 'archive'}", "JOBS=2"),
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    built = sorted(p.name for p in (tmp_path / "archive").rglob("*.pdf"))
    assert built == ["2021-07-good.pdf"], result.stderr
    reported = [line for line in result.stderr.splitlines() if line.startswith("archivist: ")]
    for case in bad:
        assert any(stems[case.name] in line for line in reported), case.name
    assert f"{len(bad)} of {len(bad) + 1} articles failed" in result.stderr
    check = subprocess.run([sys.executable, "-m", "archivist", "check", "--seeds", "seeds",
                            "--metadata", "metadata", "--archive", "archive"],
                           cwd=tmp_path, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


# -- hard cases that must succeed -------------------------------------------------------------


def run_build(workspace: Path, stem: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "archivist", *build(stem)], cwd=workspace,
                          capture_output=True, text=True, timeout=900)


def run_build_measured(workspace: Path, stem: str) -> tuple[subprocess.CompletedProcess[str], int]:
    """The build and the peak resident size (KiB) of that one build: its process or any it waited for.

    wait4(2) gives the usage of this child alone; RUSAGE_CHILDREN would be the largest of
    every child the test process has ever waited for.
    """
    command = [sys.executable, "-m", "archivist", *build(stem)]
    out, err = workspace / "build.stdout", workspace / "build.stderr"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(command, cwd=workspace, stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return (subprocess.CompletedProcess(command, process.returncode, out.read_text(), err.read_text()),
            usage.ru_maxrss)


def run_check(workspace: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "archivist", "check", "--seeds", "seeds",
                           "--metadata", "metadata", "--archive", "archive"],
                          cwd=workspace, capture_output=True, text=True, timeout=900)


def fresh(tmp_path: Path) -> Path:
    for folder in ("seeds", "metadata", "archive"):
        (tmp_path / folder).mkdir()
    return tmp_path


def big_article(size: int) -> bytes:
    """About ``size`` bytes of French text in paragraphs of every length, one of ~2 MB (near the
    longest paragraph an article may hold)."""
    words = ARTICLE.decode().split()[2:]
    paragraphs, total, n = [], 0, 0
    while total < size:
        length = 350_000 if n == 3 else 20 + (n * 37) % 400  # words: ~6 bytes each
        paragraph = " ".join(words[(n + i) % len(words)] for i in range(min(length, size // 6)))
        paragraphs.append(paragraph)
        total += len(paragraph.encode()) + 1
        n += 1
    return ("date 2021-07 " + "\n".join(paragraphs) + "\n").encode()


@pytest.mark.slow
def test_a_5_mb_article_paginates_in_bounded_memory(tmp_path: Path) -> None:
    workspace = fresh(tmp_path)
    article = big_article(5_000_000)
    assert len(article) >= 5_000_000
    write_inputs(workspace, STEM, Case("big", 0, article=article))
    result, peak_kib = run_build_measured(workspace, STEM)
    peak_mib = peak_kib / 1024
    assert result.returncode == 0, result.stderr
    pages = len(PdfReader(workspace / "archive" / "2021" / f"{STEM}.pdf").pages)
    print(f"5 MB article: {pages} pages, peak {peak_mib:.0f} MiB")
    assert pages > 1000
    assert peak_mib < 1024
    check = run_check(workspace)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_2000_character_word_wraps(tmp_path: Path) -> None:
    workspace = fresh(tmp_path)
    url = "https://example.org/" + "a1b2c3d4e5" * 198
    assert len(url) >= 2000
    article = ARTICLE + f"Voir {url} pour le détail.\n".encode()
    write_inputs(workspace, STEM, Case("long", 0, article=article))
    assert run_build(workspace, STEM).returncode == 0
    check = run_check(workspace)  # the check joins the word's pieces back, letter for letter
    assert check.returncode == 0, check.stdout + check.stderr


NASTY = '< & ]]> </rdf:li> <?xpacket end="w"?> "quotes" \'single\' back\\slash'
EMOJI_RTL = "\u200fمرحبا\u200f \u202eevil\u202c 😀🇲🇦 " + NASTY


def test_markup_quotes_rtl_and_emoji_round_trip_exactly(tmp_path: Path) -> None:
    """XMP and Info carry hostile text exactly; the title (typeset) gets what the font can draw."""
    import yaml

    workspace = fresh(tmp_path)
    values = {
        "title": {"fr": "Budget " + NASTY},
        "creator": [EMOJI_RTL],
        "subject": [EMOJI_RTL, "budget"],
        "description": {"fr": EMOJI_RTL, "ar": "\u200fوصف\u200f"},
        "publisher": EMOJI_RTL,
        "date": "2021-07",
        "identifier": "urn:archivist:2021-07-case",
        "source": EMOJI_RTL + "\r\n\ttab",
        "language": "fr",
        "coverage": EMOJI_RTL,
        "rights": {"fr": EMOJI_RTL},
    }
    record = yaml.safe_dump(values, allow_unicode=True, sort_keys=False).encode()
    write_inputs(workspace, STEM, Case("nasty", 0, record=record))
    result = run_build(workspace, STEM)
    assert result.returncode == 0, result.stderr
    reader = PdfReader(workspace / "archive" / "2021" / f"{STEM}.pdf")
    xmp = ET.fromstring(reader.trailer["/Root"]["/Metadata"].get_object().get_data())
    dc = "{http://purl.org/dc/elements/1.1/}"
    rdf = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"

    def items(name: str) -> list[str]:
        return [li.text or "" for li in xmp.iter(f"{dc}{name}") for li in li.iter(f"{rdf}li")]

    assert items("title") == ["Budget " + NASTY] * 2
    assert items("creator") == [EMOJI_RTL]
    assert items("subject") == [EMOJI_RTL, "budget"]
    assert items("description") == [EMOJI_RTL, EMOJI_RTL, "\u200fوصف\u200f"]
    assert [e.text for e in xmp.iter(f"{dc}source")] == [EMOJI_RTL + "\r\n\ttab"]
    assert [e.text for e in xmp.iter(f"{dc}coverage")] == [EMOJI_RTL]
    info = reader.metadata
    assert info["/Title"] == "Budget " + NASTY
    assert info["/Author"] == EMOJI_RTL
    assert info["/Subject"] == EMOJI_RTL
    assert info["/Keywords"] == f"{EMOJI_RTL}, budget"
    check = run_check(workspace)
    assert check.returncode == 0, check.stdout + check.stderr


def test_record_facts_are_read_once_and_again_when_a_record_changes(tmp_path: Path, monkeypatch) -> None:
    """make's plan and the identifier check keep what each record says beside the archive: a
    later run reads only the records written since, and a record edited to claim another's
    identifier is caught even though its old claim was kept."""
    metadata, archive = tmp_path / "metadata", tmp_path / "archive"
    metadata.mkdir()
    archive.mkdir()
    (tmp_path / ".archive.staging").mkdir()
    for n in range(50):
        (metadata / f"a{n:02}.yaml").write_text(RECORD.replace(STEM, f"{STEM}-{n}"), "utf-8")
    records = sorted(metadata.glob("*.yaml"))
    read: list[Path] = []
    real_read = identifiers._read
    monkeypatch.setattr(identifiers, "_read", lambda path: read.append(path) or real_read(path))

    assert shared_identifiers(metadata, records, archive) == {}
    assert len(read) == 50
    read.clear()
    # records written within a clock tick of the last reading are read again: these all were
    assert shared_identifiers(metadata, records, archive) == {}
    assert len(read) == 50
    monkeypatch.setattr(identifiers, "CLOCK_TICK_NS", 0)  # as if they were older
    assert shared_identifiers(metadata, records, archive) == {}
    read.clear()
    assert shared_identifiers(metadata, records, archive) == {}
    assert read == []

    edited_record = metadata / "a07.yaml"
    edited_record.write_text(RECORD.replace(STEM, f"{STEM}-8"), "utf-8")
    errors = shared_identifiers(metadata, records, archive)
    # the edited record is read; then both claimants are composed again before one is refused
    assert read[0] == edited_record
    assert sorted(set(read[1:])) == [edited_record, metadata / "a08.yaml"]
    assert sorted(p.name for p in errors) == ["a07.yaml", "a08.yaml"]
    assert identifiers.record_facts(metadata, archive)[edited_record.name].date == "2021-07"

    for damaged in ('{"version": 1, "records": [', '{"a":' * 100_000):  # cut short; nested too deep
        (tmp_path / ".archive.staging" / FACTS_FILE).write_text(damaged, "utf-8")
        read.clear()
        assert len(shared_identifiers(metadata, records, archive)) == 2  # a damaged cache is read past:
        assert set(read) == set(records)  # every record read again
