"""Record validation: exact raw values, the schema, and errors that name key and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIRST, REPO

from archivist.dublincore import Bag, LangAlt, Seq, Text
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
    # W3C-DTF's digits are ASCII: fullwidth or Arabic-Indic ones are no date a reader takes
    ('title: T\ndate: "\uff12\uff10\uff12\uff11-\uff10\uff17"\nlanguage: fr\n', "is not a W3C date", 2),
    ('title: T\ndate: "\u0662\u0660\u0662\u0661-07"\nlanguage: fr\n', "is not a W3C date", 2),
    ('title: T\ndate: "2021-07"\nlanguage: french\n', "'french' is not a valid BCP 47", 3),
    ("title: [a\n", "YAML syntax error", 2),
    ("- a\n- b\n", "must be a mapping", 1),
    (MINIMAL + "identifier: !!python/object/apply:os.system [echo hi]\n", "tag", 4),
    (MINIMAL + "title: again\n", "appears twice", 4),
    (MINIMAL + "format: pdf\n", "is not a MIME type", 4),
    # a title is set in the page's own lines: one of its own is refused
    ('title: |\n  A title\n  in two\ndate: "2021-07"\nlanguage: fr\n', "holds a line break (U+000A)", 1),
    ('date: "2021-07"\nlanguage: fr\ntitle:\n  fr: |\n    Un\n    titre\n', "'title' holds a line break", 4),
    ('title: "Un\\u2028titre"\ndate: "2021-07"\nlanguage: fr\n', "'title' holds a line break (U+2028)", 1),
])
def test_invalid_records_name_key_and_line(text: str, expected: str, line: int | None) -> None:
    with pytest.raises(RecordError) as caught:
        parse(text)
    assert expected in str(caught.value)
    assert caught.value.line == line


def test_a_folded_title_loses_the_line_break_yaml_ends_it_with() -> None:
    """YAML 1.2, 8.1.1.2: a folded or literal block's final line break is kept ('clip')."""
    record = parse('title: >\n  A long title\n  folded\ndate: "2021-07"\nlanguage: fr\n')
    assert record.title == "A long title folded"
    assert record.values["title"] == LangAlt((("fr", "A long title folded"),))


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


def _shape(node, full: bool = False) -> object:
    """A composed node as plain data: its kind, tag, value and place; ``full``, to the letter,
    with its style and end too (which PyYAML's parser and libyaml's may write differently)."""
    import yaml

    inner = node.value
    if isinstance(node, yaml.MappingNode):
        inner = [(_shape(key, full), _shape(value, full)) for key, value in inner]
    elif isinstance(node, yaml.SequenceNode):
        inner = [_shape(item, full) for item in inner]
    shape = (type(node).__name__, node.tag, inner, node.start_mark.line, node.start_mark.column)
    if not full:
        return shape
    style = node.style if isinstance(node, yaml.ScalarNode) else node.flow_style
    return (*shape, style, node.end_mark.line, node.end_mark.column)


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


def _outcome(compose, text: str) -> object:
    """What composing ``text`` gives: the node graph, or the refusal with its place."""
    import yaml

    try:
        node = compose(text)
    except RecordError as error:
        return "refused", str(error), error.line, error.column
    except yaml.YAMLError:
        return "read again by PyYAML"
    return None if node is None else _shape(node, full=True)


HOSTILE_AND_ODD = [
    "", "# a comment alone\n", "just a scalar", "- a\n- b\n", "---\ntitle: x\n...\n", "title: x\n---\nb: y\n",
    "a: &x b\nc: &x d\n", "a: &x b\n", "a: &x b\nc: *x\n", "a: *nowhere\n", "a: &x [b, *x]\n",
    "a: !!str b\n", "a: ! b\n", "a: !!int 3\n", "a: !custom b\n", "!!map {a: b}\n", "a: !!seq [b]\n",
    "a: !!python/object:os.system x\n", "a: " + "[" * 7 + "b" + "]" * 7 + "\n",
    "a: " + "[" * 8 + "b" + "]" * 8 + "\n", "a: " + "[" * 9 + "*x" + "]" * 9 + "\n",
    "- - - - - - - - - x\n", "a: [b\n", "a: b: c\n", "\ta: b\n", "a: 'b\n", "a:\nb: ~\nc: null\nd: ''\n",
    "<<: {a: b}\n=: v\n", "a: |\n  kept\n   indented\nb: >-\n  folded\n  text\n", "? [a, b]\n: c\n",
    "{a: b, c: [d, {e: f}]}\n", "%YAML 1.1\n---\na: b\n", "a: 1\nb: 1.5\nc: yes\nd: 2021-07-16\ne: 0x1F\n",
]


@pytest.mark.parametrize("text", HOSTILE_AND_ODD)
def test_records_are_composed_from_libyaml_events_as_pyyaml_s_composer_did(text: str) -> None:
    """Node for node (tags, styles, places) what PyYAML's composer builds on libyaml's parser,
    refused at the same place with the same words, or handed to PyYAML's own reading."""
    import yaml
    from yaml.cyaml import CParser

    from archivist.record import _compose_libyaml, _Limits

    class ComposerOnLibyaml(_Limits, yaml.composer.Composer, CParser, yaml.resolver.Resolver):
        def __init__(self, text: str, path: Path) -> None:
            CParser.__init__(self, text)
            yaml.composer.Composer.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self.path, self.depth = path, 0

    def reference(text: str):
        loader = ComposerOnLibyaml(text, P)
        try:
            return loader.get_single_node()
        finally:
            loader.dispose()

    assert _outcome(lambda t: _compose_libyaml(t, P), text) == _outcome(reference, text)


@pytest.mark.parametrize("text", HOSTILE_AND_ODD)
def test_a_record_reads_the_same_without_libyaml(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through libyaml or through PyYAML alone, a record is accepted or refused alike."""
    from archivist import record

    def outcome() -> object:
        try:
            return _shape(record.compose_record(text.encode(), P))
        except RecordError as error:
            return str(error), error.line, error.column

    fast = outcome()
    monkeypatch.setattr(record, "CParser", None)
    assert fast == outcome()


@pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "pyyaml"])
@pytest.mark.parametrize("written", ["~", "null", "Null", "NULL", ""])
def test_a_yaml_null_is_an_empty_value_not_the_text_null(written: str, libyaml: bool,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """YAML 1.1 reads a plain ~ or null as no value: archiving "~" as the coverage would be
    a value nobody wrote. Refused alike whichever parser reads the record."""
    from archivist import record

    if not libyaml:
        monkeypatch.setattr(record, "CParser", None)
    elif record.CParser is None:
        pytest.skip("this PyYAML has no libyaml")
    with pytest.raises(RecordError) as caught:
        parse(MINIMAL + f"coverage: {written}\n")
    assert "'coverage' is empty" in str(caught.value)
    assert caught.value.line == 4


@pytest.mark.parametrize("written", ['"~"', "'null'"])
def test_a_quoted_null_is_text(written: str) -> None:
    assert parse(MINIMAL + f"coverage: {written}\n").values["coverage"] == Text(written[1:-1])
