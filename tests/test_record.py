"""Record validation: exact raw values, the schema, and errors that name key and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIRST, REPO

from archivist.dublincore import Bag, LangAlt, Seq
from archivist.errors import RecordError
from archivist.record import parse_record, read_record

P = Path("r.yaml")
MINIMAL = 'title: Titre\ndate: "2021-07"\nlanguage: fr\n'


def parse(text: str, article_date: str | None = None):
    return parse_record(text.encode(), P, article_date)


def test_first_record_has_all_fifteen_elements() -> None:
    record = read_record(REPO / "metadata" / f"{FIRST}.yaml", "2021-07")
    assert len(record.values) == 15
    assert record.date == "2021-07"
    assert record.language == "fr"


@pytest.mark.parametrize("written", ["2021-07", '"2021-07"', "'2021-07'", "[2021-07]"])
def test_month_precision_stays_as_written(written: str) -> None:
    assert parse(f"title: T\ndate: {written}\nlanguage: fr\n").values["date"] == Seq(("2021-07",))


def test_unquoted_full_date_is_not_turned_into_a_date_object() -> None:
    assert parse("title: T\ndate: 2021-07-16\nlanguage: fr\n").date == "2021-07-16"


def test_strings_and_lists_and_mappings() -> None:
    record = parse(MINIMAL + "creator: [Ann, Bob]\nsubject: Maroc\nrights: {fr: Droits, en: Rights}\n")
    assert record.values["creator"] == Seq(("Ann", "Bob"))
    assert record.values["subject"] == Bag(("Maroc",))
    assert record.values["rights"] == LangAlt((("fr", "Droits"), ("en", "Rights")))
    assert record.values["title"] == LangAlt((("fr", "Titre"),))  # a plain string is in the document language


@pytest.mark.parametrize(("text", "expected", "line"), [
    ('date: "2021-07"\nlanguage: fr\n', "required key 'title' is missing", None),
    (MINIMAL + "tilte: x\n", "unknown key 'tilte' (did you mean 'title'?)", 4),
    (MINIMAL + "creator: {a: b}\n", "'creator' must be a string or a list of strings, not a mapping", 4),
    ('title: T\ndate: "2021-13"\nlanguage: fr\n', "month 13", 2),
    ('title: T\ndate: "2021-02-30"\nlanguage: fr\n', "day 30", 2),
    ('title: T\ndate: "2021-07"\nlanguage: french\n', "'french' is not a valid BCP 47", 3),
    ("title: [a\n", "YAML syntax error", 2),
    ("- a\n- b\n", "must be a mapping", 1),
    (MINIMAL + "identifier: !!python/object/apply:os.system [echo hi]\n", "tag", 4),
    (MINIMAL + "title: again\n", "appears twice", 4),
    (MINIMAL + "format: pdf\n", "is not a MIME type", 4),
])
def test_invalid_records_name_key_and_line(text: str, expected: str, line: int | None) -> None:
    with pytest.raises(RecordError) as caught:
        parse(text)
    assert expected in str(caught.value)
    assert caught.value.line == line


def test_date_must_agree_with_the_article_header() -> None:
    with pytest.raises(RecordError, match="disagrees with the article's header date '2021-06'"):
        parse(MINIMAL, article_date="2021-06")
    assert parse(MINIMAL, article_date="2021-07").date == "2021-07"


def test_aliases_are_refused_before_expansion() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))
    with pytest.raises(RecordError, match="aliases"):
        parse(bomb)


@pytest.mark.parametrize("value", [
    "FILL IN", '"to FILL IN"', "FILL\n  IN", '"\\x46ILL IN"', '"FILL\\u0020IN"', '"F\\\n  ILL IN"',
    ">\n  FILL\n  IN\n", "[FILL IN]", "{fr: FILL IN}",
], ids=["plain", "quoted", "folded-plain", "escaped-letter", "escaped-space", "escaped-line-break",
        "folded-block", "in-a-list", "in-a-mapping"])
def test_placeholders_from_archivist_new_block_the_build(value: str) -> None:
    with pytest.raises(RecordError, match="still says 'FILL IN' in 'creator'"):
        parse(MINIMAL + f"creator: {value}\n")


def test_a_record_value_is_refused_for_exactly_the_characters_xml_1_0_leaves_out() -> None:
    """XML 1.0, 2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]."""
    from archivist.record import _NOT_XML_CHAR

    def allowed(code: int) -> bool:
        return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD \
            or 0x10000 <= code <= 0x10FFFF

    every = "".join(map(chr, range(0x110000)))
    refused = {ord(match.group()) for match in _NOT_XML_CHAR.finditer(every)}
    assert refused == {code for code in range(0x110000) if not allowed(code)}


def _shape(node) -> object:
    """A composed node as plain data: its kind, tag, value and place."""
    import yaml

    inner = node.value
    if isinstance(node, yaml.MappingNode):
        inner = [(_shape(key), _shape(value)) for key, value in inner]
    elif isinstance(node, yaml.SequenceNode):
        inner = [_shape(item) for item in inner]
    return type(node).__name__, node.tag, inner, node.start_mark.line, node.start_mark.column


@pytest.mark.parametrize("text", [
    (REPO / "metadata" / f"{FIRST}.yaml").read_text(encoding="utf-8"),
    'title: "a \\u00e9 \\t b"\ndate: 2021-07-16\nlanguage: fr\n',
    "title: >\n  folded\n  text\ncreator: [a, b, 'c d']\nsubject:\n  - x\n  - y: z\n",
    "title: |\n  kept\n   indented\nrights: {fr: droits, en: rights}\n# a comment\n",
    "title: 'it''s'\ndate: null\nother: ~\nn: 12\nf: 1.5\nb: yes\n",
])
def test_libyaml_and_pyyaml_compose_a_record_alike(text: str) -> None:
    """Records are read through libyaml for speed: every node, tag and place is what PyYAML's
    own parser composes from the same text."""
    from archivist.record import _compose, _compose_libyaml, _RecordLoader

    path = Path("2021-07-x.yaml")
    assert _shape(_compose_libyaml(text, path)) == _shape(_compose(_RecordLoader, text, path))
