"""The DC -> XMP mapping, against the value types the XMP specification gives each element.

The golden table below is transcribed from the XMP Specification Part 1 (ISO 16684-1)
and Adobe's namespace reference for dc, not from archivist's own table.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from conftest import FIRST, REPO

from archivist.profile import DEFAULT_PROFILE, Profile
from archivist.record import read_record
from archivist.xmp import Provenance, build_xmp

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DC = "{http://purl.org/dc/elements/1.1/}"
LANG = "{http://www.w3.org/XML/1998/namespace}lang"

XMP_SPEC_DC_TYPES = {  # element: (container, item type) per the XMP specification
    "contributor": ("Bag", "ProperName"), "coverage": (None, "Text"),
    "creator": ("Seq", "ProperName"), "date": ("Seq", "Date"),
    "description": ("Alt", "Lang Alt"), "format": (None, "MIMEType"),
    "identifier": (None, "Text"), "language": ("Bag", "Locale"),
    "publisher": ("Bag", "ProperName"), "relation": ("Bag", "Text"),
    "rights": ("Alt", "Lang Alt"), "source": (None, "Text"),
    "subject": ("Bag", "Text"), "title": ("Alt", "Lang Alt"), "type": ("Bag", "Text"),
}
PROVENANCE = Provenance(datetime(2021, 7, 1, tzinfo=UTC), "p", "t", "uuid:d", "uuid:i")


def _packet(profile: Profile = DEFAULT_PROFILE) -> tuple[bytes, ET.Element]:
    record = read_record(REPO / "metadata" / f"{FIRST}.yaml")
    packet = build_xmp(record, profile, PROVENANCE)
    return packet, ET.fromstring(packet)


def test_every_dc_element_has_the_xmp_specification_type() -> None:
    _, tree = _packet()
    assert len(XMP_SPEC_DC_TYPES) == 15
    for name, (container, _) in XMP_SPEC_DC_TYPES.items():
        element = tree.find(f".//{DC}{name}")
        assert element is not None, name
        children = list(element)
        if container is None:
            assert children == [] and element.text, name
        else:
            assert [c.tag for c in children] == [f"{RDF}{container}"], name
            assert children[0].findall(f"{RDF}li"), name


def test_lang_alt_has_x_default_first_then_the_real_language() -> None:
    _, tree = _packet()
    for name in ("title", "description", "rights"):
        items = tree.findall(f".//{DC}{name}/{RDF}Alt/{RDF}li")
        assert [li.get(LANG) for li in items] == ["x-default", "fr"]
        assert items[0].text == items[1].text


def test_date_keeps_month_precision_inside_a_seq() -> None:
    _, tree = _packet()
    assert [li.text for li in tree.findall(f".//{DC}date/{RDF}Seq/{RDF}li")] == ["2021-07"]


def test_packet_wrapper_and_pdfa_identification() -> None:
    packet, tree = _packet(Profile(1, "B"))
    assert packet.startswith('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'.encode())
    assert packet.endswith(b'<?xpacket end="w"?>')
    assert b"bytes=" not in packet and b"encoding=" not in packet
    pdfaid = "{http://www.aiim.org/pdfa/ns/id/}"
    assert tree.find(f".//{pdfaid}part").text == "1"
    assert tree.find(f".//{pdfaid}conformance").text == "B"


def test_markup_in_values_is_escaped_and_survives(tmp_path: Path) -> None:
    nasty = 'a < b & c ]]> </rdf:li> <?xpacket end="w"?> "q" \\ \u200f 🗞'
    path = tmp_path / "r.yaml"
    path.write_text(f"title: T\ndate: '2021'\nlanguage: en\nsource: '{nasty}'\n", encoding="utf-8")
    tree = ET.fromstring(build_xmp(read_record(path), Profile(2, "U"), PROVENANCE))
    assert tree.find(f".//{DC}source").text == nasty


# -- the checker does not share the writer's rules: a writer that breaks one is caught ----


def _checked_with_writer_rule(tmp_path: Path, monkeypatch, rule: str, broken) -> list[str]:
    """Build the first article with one of the writer's rules replaced, and check the result."""
    from archivist import xmp
    from archivist.article import read_article
    from archivist.build import inputs_digest
    from archivist.check import check_pdf
    from archivist.pdfa import make_pdfa
    from archivist.typeset import typeset

    text = (REPO / "metadata" / f"{FIRST}.yaml").read_text(encoding="utf-8")
    # An English title first: x-default must still repeat the French one, the document's language.
    text = text.replace("title:\n", "title:\n  en: \"Laftit and Lamorgese meet in Rabat\"\n", 1)
    (tmp_path / f"{FIRST}.yaml").write_text(text, encoding="utf-8")
    article = read_article(REPO / "seeds" / f"{FIRST}.txt")
    record = read_record(tmp_path / f"{FIRST}.yaml")
    monkeypatch.setattr(xmp, rule, broken)
    created = PROVENANCE.created
    pdf = make_pdfa(typeset(article, record, created), record, DEFAULT_PROFILE, created,
                    inputs_digest(article, record, DEFAULT_PROFILE))
    return check_pdf(pdf, article, record, DEFAULT_PROFILE)


def test_checker_catches_an_x_default_taken_from_the_first_language(tmp_path, monkeypatch) -> None:
    problems = _checked_with_writer_rule(tmp_path, monkeypatch, "x_default",
                                         lambda value, language: value.alternatives[0][1])
    assert any(p.startswith("XMP dc:title is [x-default] 'Laftit and Lamorgese meet in Rabat'")
               for p in problems), problems


def test_checker_catches_keywords_joined_another_way(tmp_path, monkeypatch) -> None:
    problems = _checked_with_writer_rule(tmp_path, monkeypatch, "keywords",
                                         lambda subjects: "; ".join(text for _, text in subjects))
    assert any(p.startswith("XMP pdf:Keywords 'coopération sécuritaire; migration")
               for p in problems), problems


def test_the_unbroken_writer_passes_the_same_check(tmp_path, monkeypatch) -> None:
    from archivist import xmp

    assert _checked_with_writer_rule(tmp_path, monkeypatch, "keywords", xmp.keywords) == []
