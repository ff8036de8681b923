"""Datelines in the article's language, as CLDR writes them, on the page and in the checker."""

from __future__ import annotations

import subprocess
from pathlib import Path

import babel.localedata
import pytest
import yaml
from conftest import require_tool

from archivist.article import parse_article
from archivist.build import render
from archivist.check import check_pdf, expected_dateline
from archivist.profile import DEFAULT_PROFILE
from archivist.record import parse_record
from archivist.typography import dateline

# CLDR 47 (Unicode's Common Locale Data Repository): year-month and long date patterns,
# the month's stand-alone form where the language has one (pl, cs, el, ru).
CLDR = [
    ("2021-07", "fr", "juillet 2021"), ("2021-07-16", "fr", "16 juillet 2021"),
    ("2021-07", "de", "Juli 2021"), ("2021-07-16", "de", "16. Juli 2021"),
    ("2021-07", "es", "julio de 2021"), ("2021-07-16", "es", "16 de julio de 2021"),
    ("2021-07", "it", "luglio 2021"), ("2021-07-16", "it", "16 luglio 2021"),
    ("2021-07", "pt", "julho de 2021"), ("2021-07-16", "pt", "16 de julho de 2021"),
    ("2021-07", "nl", "juli 2021"), ("2021-07-16", "nl", "16 juli 2021"),
    ("2021-07", "pl", "lipiec 2021"), ("2021-07-16", "pl", "16 lipca 2021"),
    ("2021-07", "cs", "červenec 2021"), ("2021-07-16", "cs", "16. července 2021"),
    ("2020-10", "el", "Οκτώβριος 2020"), ("2020-10-16", "el", "16 Οκτωβρίου 2020"),
    ("2017-12", "ru", "декабрь 2017"), ("2017-12-16", "ru", "16 декабря 2017"),
    ("2021-07", "en", "July 2021"), ("2021-07-16", "en-GB", "16 July 2021"),
    ("2021-07-16T09:30Z", "fr-CA", "16 juillet 2021"),
    ("2018", "fr", "2018"), ("2018", "ru", "2018"),
    ("2021-07", "tlh", "2021-07"),  # a language CLDR does not know: the date as written
    # the year designator after the year is left out, whether a space and a dot go with it or not:
    # ku "MMMM y'an'", tt "d MMMM, y 'ел'", os "dd MMMM, y 'аз'"
    ("2021-07", "ku", "tîrmeha 2021"), ("2021-07-16", "tt", "16 июль, 2021"),
    ("2021-07-16", "os", "16 июлы, 2021"), ("2021-07-16", "hy", "16 հուլիսի, 2021"),  # hy "dd MMMM, y թ."
]


@pytest.mark.parametrize(("date", "language", "expected"), CLDR)
def test_writer_and_checker_each_say_what_cldr_says(date: str, language: str, expected: str) -> None:
    assert dateline(date, language).split() == expected.split()
    assert expected_dateline(date, language).split() == expected.split()


def test_writer_and_checker_agree_on_every_language_cldr_has() -> None:
    """Each works the dateline out on its own; a language where they differ cannot be built."""
    differ = [(tag, date, dateline(date, tag), expected_dateline(date, tag))
              for tag in (name.replace("_", "-") for name in babel.localedata.locale_identifiers())
              for date in ("2021-07", "2021-07-16")
              if dateline(date, tag).split() != expected_dateline(date, tag).split()]
    assert differ == []


def build(tmp_path: Path, language: str, date: str, title: str, body: str):
    article = parse_article(f"date {date}\n{body}\n".encode(), tmp_path / f"{date}-x.txt")
    record_raw = yaml.safe_dump({"title": title, "date": date, "language": language},
                                allow_unicode=True).encode()
    record = parse_record(record_raw, tmp_path / f"{date}-x.yaml", article.date)
    return article, record, render(article, record, DEFAULT_PROFILE)


@pytest.mark.parametrize(("language", "date", "title", "body", "shown"), [
    ("ru", "2017-12", "Итоги года", "Правительство подвело итоги года.", "декабрь 2017"),
    ("el", "2020-10", "Η σύνοδος", "Η σύνοδος ολοκληρώθηκε στην Αθήνα.", "Οκτώβριος 2020"),
    ("cs", "2021-07-16", "Zpráva", "Vláda schválila nový zákon.", "16. července 2021"),
])
def test_poppler_reads_the_dateline_under_the_title(tmp_path: Path, language, date, title, body, shown):
    article, record, pdf = build(tmp_path, language, date, title, body)
    assert check_pdf(pdf, article, record, DEFAULT_PROFILE, ()) == []
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([require_tool("pdftotext"), str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    lines = [line.split() for line in text.splitlines() if line.strip()]
    assert lines[1] == shown.split()


@pytest.mark.parametrize(("language", "date", "title", "body"), [
    ("ku", "2021-07-16", "Civîn", "Wezîr hatin Rabatê."),
    ("tt", "2021-07-16", "Очрашу", "Министрлар Рабатта очраштылар."),
    ("os", "2021-07", "Ӕмбырд", "Министртӕ Рабаты фембӕлдысты."),
])
def test_an_article_in_a_language_with_a_year_designator_builds_and_checks(
        tmp_path: Path, language: str, date: str, title: str, body: str) -> None:
    article, record, pdf = build(tmp_path, language, date, title, body)
    assert check_pdf(pdf, article, record, DEFAULT_PROFILE, ()) == []


def test_checker_faults_a_dateline_in_another_language(tmp_path: Path) -> None:
    article, _record, pdf = build(tmp_path, "fr", "2021-07", "Essai", "Un texte court.")
    _, german, _ = build(tmp_path, "de", "2021-07", "Essai", "Un texte court.")
    problems = check_pdf(pdf, article, german, DEFAULT_PROFILE, ())
    assert any("reads 'Juli 2021'" in problem and "'juillet 2021'" in problem for problem in problems)
