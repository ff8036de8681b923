"""`archivist new`: a record pre-filled from the article, refused by the build until a person fills it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import FIRST, archivist, folder_args

from archivist.build import Paths
from archivist.errors import RecordError
from archivist.record import parse_record
from archivist.scaffold import detect_language

STEM = "2024-05-16-protection-des-donnees"
TEXT = """\
date 2024-05-16
Le gouvernement a présenté mardi un projet de loi sur la protection des données personnelles, qui sera \
examiné par les députés avant la fin de l’année.
Le texte prévoit de nouvelles sanctions pour les entreprises qui ne respectent pas les règles, et il \
renforce les pouvoirs de l’autorité de contrôle.
"""
UNFILLED = ["title", "creator", "subject", "description", "publisher", "rights"]

# Sentences written for these tests, one per language the detector knows.
SAMPLES = {
    "fr": "Le gouvernement a présenté mardi un projet de loi sur la protection des données, qui sera "
          "examiné par les députés avant la fin de l’année.",
    "en": "The government presented a bill on data protection on Tuesday, which will be examined by "
          "members of parliament before the end of the year.",
    "de": "Die Regierung hat am Dienstag einen Gesetzentwurf zum Datenschutz vorgestellt, der vor dem "
          "Ende des Jahres von den Abgeordneten geprüft werden soll und auch im Bundesrat beraten wird.",
    "es": "El gobierno presentó el martes un proyecto de ley sobre la protección de datos, que será "
          "examinado por los diputados antes del final del año y que incluye nuevas sanciones.",
    "it": "Il governo ha presentato martedì un disegno di legge sulla protezione dei dati, che sarà "
          "esaminato dai deputati prima della fine dell’anno e che prevede anche nuove sanzioni.",
    "pt": "O governo apresentou na terça-feira um projeto de lei sobre a proteção de dados, que será "
          "examinado pelos deputados antes do fim do ano e que prevê também novas sanções.",
    "nl": "De regering heeft dinsdag een wetsvoorstel over de bescherming van gegevens gepresenteerd, dat "
          "voor het einde van het jaar door de Tweede Kamer wordt besproken.",
}


@pytest.fixture
def article(workspace: Paths) -> Path:
    path = workspace.article(STEM)
    path.write_text(TEXT, encoding="utf-8")
    return path


def new(paths: Paths, article: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return archivist("new", article, "--metadata", paths.metadata, *extra)


def test_new_writes_what_the_article_tells(workspace: Paths, article: Path) -> None:
    result = new(workspace, article)
    assert result.returncode == 0, result.stderr
    record = workspace.record(STEM)
    assert result.stdout.splitlines()[0] == f"wrote {record}"
    data = yaml.safe_load(record.read_text(encoding="utf-8"))
    assert {k: data[k] for k in ("date", "language", "type", "format", "identifier")} == {
        "date": "2024-05-16", "language": "fr", "type": "Text", "format": "application/pdf",
        "identifier": f"urn:archivist:{STEM}"}
    assert [k for k, v in data.items() if "FILL IN" in str(v)] == UNFILLED
    assert "next: replace FILL IN in title, creator, subject, description, publisher, rights" in result.stdout


def test_the_build_refuses_naming_every_unfilled_field(workspace: Paths, article: Path) -> None:
    assert new(workspace, article).returncode == 0
    result = archivist("build", *folder_args(workspace), STEM)
    assert result.returncode == 4
    named = re.findall(r"'(\w+)' \(line \d+\)", result.stderr)
    assert named == UNFILLED
    assert f"{workspace.record(STEM)}:" in result.stderr
    assert not workspace.pdf(STEM).exists()


def test_the_record_reader_names_every_placeholder_at_once() -> None:
    text = 'title: "FILL IN"\ndate: "2021"\nlanguage: fr\nrights: {fr: ok, en: "to FILL IN later"}\n'
    with pytest.raises(RecordError) as caught:
        parse_record(text.encode(), Path("r.yaml"))
    assert caught.value.line == 1
    assert "still says 'FILL IN' in 'title' (line 1), 'rights' (line 4)" in str(caught.value)


def test_new_then_fill_then_build(workspace: Paths, article: Path) -> None:
    assert new(workspace, article).returncode == 0
    record = workspace.record(STEM)
    filled = record.read_text(encoding="utf-8")
    for field, value in [("title", "Un projet de loi sur la protection des données"),
                         ("creator", "Rédaction"),
                         ("description", "Le gouvernement présente un projet de loi."),
                         ("publisher", "Exemple"), ("rights", "Domaine public")]:
        filled = filled.replace(f'{field}: "FILL IN"', f'{field}: "{value}"')
    filled = filled.replace('  - "FILL IN"', "  - données personnelles")
    record.write_text(filled, encoding="utf-8")
    built = archivist("build", *folder_args(workspace), STEM)
    assert built.returncode == 0, built.stderr
    checked = archivist("check", *folder_args(workspace), workspace.pdf(STEM))
    assert checked.returncode == 0, checked.stdout


def test_new_refuses_to_overwrite_unless_forced(workspace: Paths, article: Path) -> None:
    record = workspace.record(FIRST)
    before = record.read_bytes()
    first = workspace.article(FIRST)
    refused = new(workspace, first)
    assert refused.returncode == 14
    assert f"{record}: a record already exists" in refused.stderr
    assert record.read_bytes() == before
    assert new(workspace, first, "--force").returncode == 0
    assert b"FILL IN" in record.read_bytes()


def test_without_a_header_the_date_comes_from_the_file_name(workspace: Paths) -> None:
    article = workspace.article("2019-11-sans-en-tete")
    article.write_text(SAMPLES["fr"] + "\n", encoding="utf-8")
    assert new(workspace, article).returncode == 0
    text = workspace.record("2019-11-sans-en-tete").read_text(encoding="utf-8")
    assert 'date: "2019-11"                   # from the file name' in text


def test_an_undecidable_language_is_left_to_fill(workspace: Paths) -> None:
    article = workspace.article("2020-01-liste")
    article.write_text("date 2020-01\nRabat, Lisbonne, Madrid, Rome.\n", encoding="utf-8")
    result = new(workspace, article)
    assert result.returncode == 0
    data = yaml.safe_load(workspace.record("2020-01-liste").read_text(encoding="utf-8"))
    assert data["language"] == "FILL IN"
    assert "language: could not tell from the text; fill it in" in result.stdout


def test_new_refuses_a_header_that_disagrees_with_the_file_name(workspace: Paths) -> None:
    article = workspace.article("2020-02-faux")
    article.write_text("date 2020-03 " + SAMPLES["fr"] + "\n", encoding="utf-8")
    result = new(workspace, article)
    assert result.returncode == 3
    assert "the header's date '2020-03' disagrees with the file name" in result.stderr
    assert not workspace.record("2020-02-faux").exists()


def test_new_refuses_a_name_that_is_not_safe(workspace: Paths) -> None:
    article = workspace.seeds / "no date.txt"
    article.write_text(SAMPLES["en"], encoding="utf-8")
    result = new(workspace, article)
    assert result.returncode == 6
    assert "the name 'no date' is not a safe article name" in result.stderr
    assert not (workspace.metadata / "no date.yaml").exists()


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_detect_language(language: str) -> None:
    assert detect_language(SAMPLES[language]).language == language


def test_detect_language_declines_without_evidence() -> None:
    assert detect_language("Rabat 2021").language is None
    assert detect_language("").language is None


def test_new_run_inside_the_seeds_folder_writes_beside_it(workspace: Paths, article: Path) -> None:
    """The record goes into the metadata folder beside the article's folder, whatever folder the
    command runs in: `new x.txt` run in seeds/ writes ../metadata/x.yaml, not seeds/metadata/."""
    result = archivist("new", article.name, cwd=article.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"wrote ../metadata/{article.stem}.yaml"
    assert (workspace.metadata / f"{article.stem}.yaml").is_file()
    assert not (article.parent / "metadata").exists()
