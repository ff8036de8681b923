"""The oai_dc record beside every PDF: valid against the OAI schema, equal to the YAML, stable bytes.

The schemas in tests/data are the published ones (oai_dc.xsd, DCMI's simpledc20021212.xsd
and W3C's xml.xsd); their remote imports are mapped to the local copies, and any other
fetch fails the test, so validation never depends on the network.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema
import yaml
from conftest import FIRST, archive_copy, archivist, first_article_workspace, folder_args
from lxml import etree

from archivist.build import Paths, build_one
from archivist.oai_dc import oai_dc
from archivist.profile import Profile
from archivist.record import parse_record

DATA = Path(__file__).parent / "data"
LOCAL_SCHEMAS = {
    "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": DATA / "simpledc20021212.xsd",
    "http://www.w3.org/2001/03/xml.xsd": DATA / "xml.xsd",
}
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LANG_ALT = {"title", "description", "rights"}

# Every element, several languages, and characters XML must escape or would normalise away.
RICH = """\
title: {fr: "Titre <avec> & \\"guillemets\\"", en: "Title 'quoted'"}
creator: [Ann Example, Bob Example]
subject: [un, deux & trois]
description: "Ligne un\\r\\nligne deux\\tavec tabulation"
publisher: Éditeur
contributor: [Chloé, Dan]
date: "2021-07-16"
type: Text
format: application/pdf
identifier: urn:archivist:2021-07-16-riche
source: Source ]]> fin
language: [fr, en]
relation: [a, b]
coverage: Rabat
rights: {fr: Droits, en-GB: Rights}
"""


class _LocalOnly(etree.Resolver):
    def resolve(self, url: str, pubid: str | None, context: object) -> object:
        if url in LOCAL_SCHEMAS:
            return self.resolve_filename(str(LOCAL_SCHEMAS[url]), context)
        assert "://" not in url, f"the schema tried to fetch {url}"
        return None


@pytest.fixture(scope="module")
def lxml_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalOnly())
    return etree.XMLSchema(etree.parse(str(DATA / "oai_dc.xsd"), parser))


@pytest.fixture(scope="module")
def xsd_schema() -> xmlschema.XMLSchema:
    def local(url: str) -> str:
        if url in LOCAL_SCHEMAS:
            return str(LOCAL_SCHEMAS[url])
        assert "://" not in url, f"the schema tried to fetch {url}"
        return url

    return xmlschema.XMLSchema(str(DATA / "oai_dc.xsd"), uri_mapper=local)


def assert_valid(xml: bytes, lxml_schema: etree.XMLSchema, xsd_schema: xmlschema.XMLSchema) -> None:
    document = etree.fromstring(xml)
    assert lxml_schema.validate(document), lxml_schema.error_log
    xsd_schema.validate(xml.decode("utf-8"))


def elements(xml: bytes) -> list[tuple[str, str | None, str]]:
    """(element, xml:lang, text) in document order, read by lxml."""
    root = etree.fromstring(xml)
    assert root.tag == f"{{{OAI_DC}}}dc"
    out = []
    for child in root:
        assert child.tag.startswith(f"{{{DC}}}"), child.tag
        out.append((etree.QName(child).localname, child.get(XML_LANG), child.text or ""))
    return out


def expected_from_yaml(text: str) -> list[tuple[str, str | None, str]]:
    """What the oai_dc must hold, read from the YAML by PyYAML itself, in DCMES order."""
    order = ["title", "creator", "subject", "description", "publisher", "contributor", "date", "type",
             "format", "identifier", "source", "language", "relation", "coverage", "rights"]
    data = yaml.safe_load(text)
    language = data["language"] if isinstance(data["language"], str) else data["language"][0]
    out = []
    for name in order:
        value = data.get(name)
        if value is None:
            continue
        if name in LANG_ALT:
            pairs = value.items() if isinstance(value, dict) else [(language, value)]
            out += [(name, lang, str(text)) for lang, text in pairs]
        else:
            out += [(name, None, str(item)) for item in (value if isinstance(value, list) else [value])]
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    paths = first_article_workspace(tmp_path_factory.mktemp("oai"))
    result = archivist("build", *folder_args(paths))
    assert result.returncode == 0, result.stderr
    return paths


def test_the_record_lies_beside_the_pdf(built: Paths) -> None:
    assert sorted(p.relative_to(built.archive).as_posix() for p in built.archive.rglob("2021/*")) == [
        f"2021/{FIRST}.pdf", f"2021/{FIRST}.xml"]


def test_first_article_record_is_valid_oai_dc(built: Paths, lxml_schema, xsd_schema) -> None:
    assert_valid(built.oai_dc(FIRST).read_bytes(), lxml_schema, xsd_schema)


def test_first_article_record_equals_the_yaml(built: Paths) -> None:
    xml = built.oai_dc(FIRST).read_bytes()
    found = elements(xml)
    assert found == expected_from_yaml(built.record(FIRST).read_text(encoding="utf-8"))
    assert len({name for name, _, _ in found}) == 15
    assert ("title", "fr", "Abdelouafi Laftit et Luciana Lamorgese font le point sur la coopération "
            "maroco-italienne à Rabat") in found
    assert ("date", None, "2021-07") in found


def test_schema_location_is_the_published_one(built: Paths) -> None:
    root = etree.fromstring(built.oai_dc(FIRST).read_bytes())
    location = root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")
    assert location == f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"


def test_every_element_and_awkward_characters_survive(lxml_schema, xsd_schema) -> None:
    record = parse_record(RICH.encode(), Path("2021-07-16-riche.yaml"))
    xml = oai_dc(record)
    assert_valid(xml, lxml_schema, xsd_schema)
    assert elements(xml) == expected_from_yaml(RICH)
    assert ("description", "fr", "Ligne un\r\nligne deux\tavec tabulation") in elements(xml)


def test_only_language_tagged_values_carry_xml_lang() -> None:
    found = elements(oai_dc(parse_record(RICH.encode(), Path("r.yaml"))))
    assert {name for name, lang, _ in found if lang is not None} == LANG_ALT
    assert [lang for name, lang, _ in found if name == "rights"] == ["fr", "en-GB"]


def test_bytes_are_deterministic(built: Paths, tmp_path: Path) -> None:
    again = Paths(built.seeds, built.metadata, tmp_path / "archive")
    result = archivist("build", *folder_args(again))
    assert result.returncode == 0, result.stderr
    assert again.oai_dc(FIRST).read_bytes() == built.oai_dc(FIRST).read_bytes()
    record = parse_record(RICH.encode(), Path("r.yaml"))
    assert oai_dc(record) == oai_dc(record)


def test_build_reports_the_record_among_the_files_written(workspace: Paths) -> None:
    built = build_one(workspace, FIRST, Profile(2, "U"))
    assert built.files == (workspace.oai_dc(FIRST), workspace.pdf(FIRST))
    assert all(path.is_file() for path in built.files)


def test_check_names_a_sidecar_that_disagrees_with_the_yaml(built: Paths, tmp_path: Path) -> None:
    copy = archive_copy(built, tmp_path / "archive")
    sidecar = copy.oai_dc(FIRST)
    sidecar.write_bytes(sidecar.read_bytes().replace(b"<dc:type>Text</dc:type>", b"<dc:type>Image</dc:type>"))
    result = archivist("check", *folder_args(copy))
    assert result.returncode == 8
    assert f"{sidecar}: oai_dc dc:type is 'Image', the record says 'Text'" in result.stdout


def test_check_names_a_missing_sidecar(built: Paths, tmp_path: Path) -> None:
    copy = archive_copy(built, tmp_path / "archive")
    copy.oai_dc(FIRST).unlink()
    result = archivist("check", *folder_args(copy))
    assert result.returncode == 8
    assert f"{copy.oai_dc(FIRST)}: cannot read: No such file or directory" in result.stdout
