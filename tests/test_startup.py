"""A one-article build pays only for the modules it uses: what make does when one article is added.

Each build runs in a fresh interpreter (the way make starts archivist) and reports, after
building, which of the modules that are costly to import it loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import langcodes
import pytest
from conftest import FIRST, first_article_workspace
from pypdf import PdfReader

from archivist.record import _REGISTERED

# Imported by a pool (multiprocessing, sockets), for any language tag (langcodes compiles a
# pattern of the whole subtag registry), to escape XML (xml.sax.saxutils imports urllib,
# http, ssl and email), or for a package's version (importlib.metadata imports email and
# reads every installed distribution); a one-article build of a French record needs none of them.
COSTLY = ("langcodes", "multiprocessing", "concurrent.futures.process", "xml.sax.saxutils",
          "importlib.metadata")

# What start-up imports lives as long as the process: set aside from the garbage collector
# (gc.freeze), which must still be on for the articles' own cycles.
BUILD_AND_REPORT = f"""
import gc, json, sys
from archivist.cli import main
status = main(sys.argv[1:])
print(json.dumps({{"status": status, "loaded": [m for m in {COSTLY!r} if m in sys.modules],
                  "collector": gc.isenabled(), "set_aside": gc.get_freeze_count() > 10000}}))
"""


def _build_fresh(paths, *articles: str, jobs: int = 1) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", BUILD_AND_REPORT, "build", "--seeds", str(paths.seeds),
         "--metadata", str(paths.metadata), "--archive", str(paths.archive), "-j", str(jobs),
         *articles],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_one_article_build_loads_no_pool_and_no_registry(tmp_path: Path) -> None:
    paths = first_article_workspace(tmp_path)
    report = _build_fresh(paths, FIRST)
    assert report == {"status": 0, "loaded": [], "collector": True, "set_aside": True}
    assert len(PdfReader(paths.pdf(FIRST)).pages) >= 1


def test_writing_make_s_plan_loads_neither_the_typesetter_nor_the_checker(tmp_path: Path) -> None:
    """make runs ``archivist plan`` before every build whose folders changed: it reads names
    and records only, so it must not pay for reportlab or pypdf."""
    paths = first_article_workspace(tmp_path)
    plan = tmp_path / "plan.mk"
    report_modules = """
import json, sys
from archivist.cli import main
status = main(sys.argv[1:])
print(json.dumps({"status": status, "loaded": [m for m in ("pypdf", "reportlab") if m in sys.modules]}))
"""
    done = subprocess.run(
        [sys.executable, "-c", report_modules, "plan", "--seeds", str(paths.seeds), "--metadata",
         str(paths.metadata), "--archive", str(paths.archive), "--out", str(plan)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"status": 0, "loaded": []}
    assert f"{FIRST}.pdf" in plan.read_text(encoding="utf-8")


def test_a_tag_outside_the_known_ones_is_still_looked_up(tmp_path: Path) -> None:
    paths = first_article_workspace(tmp_path)
    record = paths.record(FIRST)
    text = record.read_text(encoding="utf-8")
    assert "language: fr\n" in text
    record.write_text(text.replace("language: fr\n", "language: fr-LU\n"), encoding="utf-8")
    report = _build_fresh(paths, FIRST)
    assert report["status"] == 0 and "langcodes" in report["loaded"]


def test_an_unregistered_tag_is_refused_without_the_shortcut(tmp_path: Path) -> None:
    paths = first_article_workspace(tmp_path)
    record = paths.record(FIRST)
    record.write_text(record.read_text(encoding="utf-8").replace("language: fr\n", "language: fr-JJ\n"),
                      encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "archivist", "build", "--seeds", str(paths.seeds), "--metadata",
         str(paths.metadata), "--archive", str(paths.archive), "-j", "1", FIRST],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode != 0
    assert "'fr-JJ' is not a valid BCP 47 language tag" in done.stderr


@pytest.mark.parametrize("tag", sorted(_REGISTERED))
def test_every_tag_accepted_without_lookup_is_in_the_registry(tag: str) -> None:
    assert langcodes.tag_is_valid(tag)


def test_the_producer_names_the_installed_reportlab(tmp_path: Path) -> None:
    """The versions the PDF names are those of the installed distributions, in Info and in XMP."""
    from importlib.metadata import version

    paths = first_article_workspace(tmp_path)
    _build_fresh(paths, FIRST)
    reader = PdfReader(paths.pdf(FIRST))
    expected = f"(reportlab {version('reportlab')})"
    assert expected in reader.metadata.producer
    assert expected in reader.xmp_metadata.pdf_producer
