"""A batch ends with one line, 'built N, unchanged U, failed F'; progress shows only on a terminal."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import FIRST, archivist, folder_args, make

from archivist.build import Paths

SECOND = "2021-08-essai"
SUMMARY = re.compile(r"built (\d+), unchanged (\d+), failed (\d+) in [\d.]+ s")


@pytest.fixture
def two(workspace: Paths) -> Paths:
    workspace.article(SECOND).write_text("date 2021-08 Un essai court.\n", encoding="utf-8")
    workspace.record(SECOND).write_text('title: Essai\ndate: "2021-08"\nlanguage: fr\n', encoding="utf-8")
    return workspace


def summary(stderr: str) -> tuple[int, int, int]:
    lines = stderr.strip().splitlines()
    match = SUMMARY.fullmatch(lines[-1])
    assert match, stderr
    return tuple(int(n) for n in match.groups())  # type: ignore[return-value]


def test_total_counts_the_articles_left_unchanged(two: Paths) -> None:
    result = archivist("build", *folder_args(two), "--total", "5", FIRST)
    assert result.returncode == 0, result.stderr
    assert summary(result.stderr) == (1, 4, 0)


def test_without_total_nothing_is_unchanged(two: Paths) -> None:
    result = archivist("build", *folder_args(two))
    assert summary(result.stderr) == (2, 0, 0)


def test_a_failure_is_counted(two: Paths) -> None:
    two.record(SECOND).write_text('title: Essai\ndate: "2021-09"\nlanguage: fr\n', encoding="utf-8")
    result = archivist("build", *folder_args(two), "--total", "3")
    assert result.returncode == 12
    assert summary(result.stderr.replace("archivist: 1 of 2 articles failed\n", "")) == (1, 1, 1)


def test_total_below_the_batch_is_refused(two: Paths) -> None:
    result = archivist("build", *folder_args(two), "--total", "1")
    assert result.returncode == 2
    assert "--total 1 is less than the 2 articles to build" in result.stderr


def test_make_reports_built_and_unchanged(two: Paths) -> None:
    assert summary(make(two).stderr) == (2, 0, 0)
    earlier = two.record(SECOND).stat().st_mtime - 5  # the PDF now predates its record: stale
    os.utime(two.pdf(SECOND), (earlier, earlier))
    assert summary(make(two).stderr) == (1, 1, 0)


def test_progress_shows_on_a_terminal_only(two: Paths) -> None:
    leader, follower = os.openpty()
    with subprocess.Popen([sys.executable, "-m", "archivist", "build", *folder_args(two), "-j", "1"],
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=follower) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closes when the process exits
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=120)
    os.close(leader)
    shown = b"".join(chunks).decode()
    assert re.search(r"\[1/2\] +[\d.]+/s 2021-0[78]", shown), shown
    assert re.search(r"\[2/2\] +[\d.]+/s 2021-0[78]", shown), shown
    assert summary(shown.replace("\r", "\n").strip()) == (2, 0, 0)
    quiet = archivist("build", *folder_args(two))
    assert "[1/2]" not in quiet.stderr
