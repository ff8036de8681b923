"""The page a reader sees: measure, title, figures and page ends, read back by poppler."""

from __future__ import annotations

import statistics
import subprocess
from pathlib import Path

import yaml
from conftest import FIRST, REPO, require_tool

from archivist.article import parse_article
from archivist.build import render
from archivist.profile import DEFAULT_PROFILE
from archivist.record import parse_record

HYPHENS = ("-", "\u00ad", "\u2010")


def seed_paragraphs() -> list[str]:
    lines = (REPO / "seeds" / f"{FIRST}.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines[1:] if line.strip()]


def build(tmp_path: Path, title: str, paragraphs: list[str], language: str = "fr") -> Path:
    article = parse_article(("date 2021-07\n" + "\n".join(paragraphs) + "\n").encode(),
                            tmp_path / "2021-07-x.txt")
    record = parse_record(yaml.safe_dump({"title": title, "date": "2021-07", "language": language},
                                         allow_unicode=True).encode(), tmp_path / "2021-07-x.yaml")
    path = tmp_path / "out.pdf"
    path.write_bytes(render(article, record, DEFAULT_PROFILE))
    return path


def page_lines(pdf: Path, page: int) -> list[str]:
    text = subprocess.run([require_tool("pdftotext"), "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def pages(pdf: Path) -> int:
    info = subprocess.run([require_tool("pdfinfo"), str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def test_no_page_ends_with_a_hyphen_and_no_three_hyphens_in_a_row(tmp_path: Path) -> None:
    paragraphs = seed_paragraphs() * 6
    pdf = build(tmp_path, "Essai", paragraphs)
    total = pages(pdf)
    assert total >= 4
    hyphenated = 0
    for page in range(1, total + 1):
        lines = page_lines(pdf, page)[:-1]  # the footer is the last line
        assert not lines[-1].endswith(HYPHENS), (page, lines[-1])
        ends = [line.endswith(HYPHENS) for line in lines]
        hyphenated += sum(ends)
        assert not any(all(ends[n:n + 3]) for n in range(len(ends) - 2)), page
    assert hyphenated  # the body is hyphenated, just never at a page's foot


def test_body_lines_hold_sixty_to_seventy_five_characters(tmp_path: Path) -> None:
    pdf = build(tmp_path, "Essai", seed_paragraphs() * 2)
    lines = [line for page in range(1, pages(pdf) + 1) for line in page_lines(pdf, page)[2:-1]]
    full = sorted(len(line) for line in lines)[len(lines) // 4:]  # leave out paragraphs' last lines
    assert 60 <= statistics.fmean(full) <= 75


def test_title_is_balanced_with_no_word_alone_on_its_last_line(tmp_path: Path) -> None:
    title = ("Abdelouafi Laftit et Luciana Lamorgese font le point sur la coopération "
             "maroco-italienne à Rabat")
    pdf = build(tmp_path, title, seed_paragraphs()[:1])
    lines = page_lines(pdf, 1)
    taken, words = 0, []
    while words != title.split():
        words += lines[taken].split()
        taken += 1
    assert taken >= 2
    assert len(lines[taken - 1].split()) > 1
    widths = [len(line) for line in lines[:taken]]
    assert min(widths) > 0.6 * max(widths)
    assert not any(line.endswith(HYPHENS) and not line.endswith("o-") for line in lines[:taken - 1])


def test_footer_and_title_figures_use_the_lining_face(tmp_path: Path) -> None:
    pdf = build(tmp_path, "Le budget 2021 : 1 500 millions", seed_paragraphs()[:2])
    fonts = subprocess.run([require_tool("pdffonts"), str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    assert "EBGaramond12-Lining" in fonts
    assert page_lines(pdf, 1)[0] == "Le budget 2021 : 1 500 millions"
