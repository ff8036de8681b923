"""Read and validate a Dublin Core record (YAML) into exact, typed values.

The YAML is composed into nodes, never constructed into objects: scalars stay the
strings the person wrote (``2021-07`` stays ``2021-07``), tags such as
``!!python/object`` and aliases (the "billion laughs") are refused by the composer
the moment it meets them, before any value is built, as is nesting deeper than a
record can have; a record is at most 1 MiB and never read further. Every error
names the line it comes from.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .dublincore import BY_NAME, ELEMENTS, REQUIRED, Bag, LangAlt, Seq, Text, Value
from .errors import RecordError, UnsafePathError
from .inputfile import NotARegularFile, read_regular
from .w3cdate import check_w3c_date, dates_agree

MAX_RECORD_BYTES = 1 << 20
MAX_DEPTH = 8  # a record needs 3: the mapping, a list or language mapping, a string
PLACEHOLDER = "FILL IN"  # what `archivist new` writes where a person must decide
_PLACEHOLDER_WORD = PLACEHOLDER.split()[0].encode()
PDF_FORMAT = "application/pdf"  # dc:format of a record that gives none
_MIME = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*", re.IGNORECASE)
# What XML 1.0's Char production (#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
# [#x10000-#x10FFFF]) leaves out, written as the ranges left out: the negated class of the
# production itself takes re about 5 ms to compile, in every process that reads a record.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PLAIN_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
# An identifier is a name, and names end up in paths (sidecars, catalogs, exports):
# one that is absolute (/x, \\x, ~/x, C:\\x) or has a '..' segment is refused.
_TAG_SYNTAX = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")  # RFC 5646, 2.1
_ABSOLUTE = re.compile(r"[/\\~]|[A-Za-z]:[/\\]")
_SHAPES = {
    "a string": "write it as '{key}: text'",
    "a string or a list of strings": "write '{key}: text', or one '  - text' line per item under '{key}:'",
    "a list of strings": "write one '  - text' line per item, each a plain string",
    "a string or a mapping language: text": "write '{key}: text', or one '  fr: texte' line per "
    "language under '{key}:'",
    "a language tag": "key each text by a language tag such as 'fr'",
}


@dataclass(frozen=True)
class Record:
    path: Path
    raw: bytes
    values: dict[str, Value]
    lines: dict[str, int] = field(default_factory=dict)  # element -> line of its value

    def texts(self, name: str) -> tuple[str, ...]:
        """The texts of an element, in order; empty when the record does not have it."""
        value = self.values.get(name)
        return value.texts if value is not None else ()

    @property
    def language(self) -> str:
        """The document's language: the first dc:language."""
        return self.texts("language")[0]

    @property
    def date(self) -> str:
        return self.texts("date")[0]

    @property
    def title(self) -> str:
        return self.lang_text("title")

    @property
    def identifier(self) -> str | None:
        return next(iter(self.texts("identifier")), None)

    def lang_text(self, name: str) -> str:
        """The text of a Lang Alt element in the document's language, else its first."""
        value = self.values[name]
        assert isinstance(value, LangAlt), name
        return value.text_in(self.language)


def read_record(path: Path, article_date: str | None = None) -> Record:
    try:
        raw = read_regular(path, MAX_RECORD_BYTES)  # a larger file is refused unread
    except NotARegularFile as error:
        raise RecordError(f"the record is {error.kind}, not a regular file", path=path,
                          hint="keep the record in a plain file there: links, folders, pipes "
                          "and devices are refused") from None
    except FileNotFoundError:
        raise RecordError(
            "Dublin Core record not found", path=path,
            hint="write one (see the README's schema) or run 'archivist new' on the article",
        ) from None
    except OSError as error:
        raise RecordError(f"cannot read the record: {error.strerror}", path=path) from None
    return parse_record(raw, path, article_date)


class _Limits:
    """PyYAML's safe composer, stopping at the first alias, explicit tag or excess nesting.

    Stopping inside the composer, rather than checking the finished node graph, is
    what bounds the work: a "billion laughs" is refused at its first ``*alias``.
    """

    def __init__(self, text: str, path: Path) -> None:
        super().__init__(text)
        self.path = path
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        refusal = _refusal(self.peek_event(), self.depth + 1, self.path)
        if refusal is not None:
            raise refusal
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _refusal(event: yaml.Event, depth: int, path: Path) -> RecordError | None:
    """Why the node that ``event`` starts, ``depth`` levels down (the record itself is at 1),
    has no place in a record: an alias, a tag other than a plain one, or too deep a nesting."""
    tag = getattr(event, "tag", None)
    if type(event) is yaml.AliasEvent:
        message, hint = "YAML aliases (*name) are not allowed in a record", "write the value out in full"
    elif tag not in (None, "!") and tag not in _PLAIN_TAGS:
        message, hint = (f"YAML tag {tag!r} is not allowed in a record",
                         "records hold plain strings, lists and mappings")
    elif depth > MAX_DEPTH:
        message, hint = (f"values are nested more than {MAX_DEPTH} levels deep",
                         "a record holds strings, lists of strings, or mappings of language to text")
    else:
        return None
    return RecordError(message, path=path, line=event.start_mark.line + 1,
                       column=event.start_mark.column + 1, hint=hint)


class _RecordLoader(_Limits, yaml.SafeLoader):
    """PyYAML's own scanner and parser, in Python: the words of its syntax errors are the
    ones archivist shows."""


try:
    from yaml.cyaml import CParser
except ImportError:  # a PyYAML built without libyaml
    CParser = None

_RESOLVER = yaml.resolver.Resolver()  # stateless for scalars: archivist adds no path resolvers
# The first characters of a plain scalar for which PyYAML tries an implicit tag (null, bool,
# int, ...); any other plain scalar is a string, unless some resolver looks at every scalar.
_IMPLICIT_FIRST = (frozenset(yaml.resolver.Resolver.yaml_implicit_resolvers)
                   if None not in yaml.resolver.Resolver.yaml_implicit_resolvers else None)
_SEQUENCE_TAG = yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG
_MAPPING_TAG = yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG
_STR_TAG = yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG


def _plain_tag(value: str) -> str:
    """The tag PyYAML's resolver gives a plain scalar: the few a record repeats are remembered."""
    if _IMPLICIT_FIRST is not None and value[:1] not in _IMPLICIT_FIRST:
        return _STR_TAG
    if len(value) <= 64:
        return _remembered_tag(value)
    return _RESOLVER.resolve(yaml.ScalarNode, value, (True, True))


@functools.lru_cache(maxsize=256)
def _remembered_tag(value: str) -> str:
    """The resolver's tag for a short plain scalar: a record's few such values come again."""
    return _RESOLVER.resolve(yaml.ScalarNode, value, (True, True))


def _compose_libyaml(text: str, path: Path) -> yaml.Node | None:
    """What ``_RecordLoader`` composes, from libyaml's events (PyYAML's C extension) in one loop.

    Node for node, tag for tag, the graph PyYAML's composer builds; the limits are
    ``_Limits``' own, checked on each node's first event in the same order (alias, tag,
    depth), so a hostile record is refused at the same place with the same words.
    Anything else out of the ordinary (a repeated anchor, a second document) raises a
    YAMLError for ``compose_record`` to read the record again with PyYAML, whose words
    the messages keep. Two fifths less work than PyYAML's composer on libyaml's parser, whose
    calls per node (peek, check, resolve, descend) were most of a record's reading.
    """
    parser = CParser(text)
    try:
        get = parser.get_event
        get()  # the stream's start
        if not isinstance(get(), yaml.DocumentStartEvent):
            return None  # an empty stream
        open_nodes: list[yaml.Node] = []  # the collections being filled, innermost last
        keys: list[yaml.Node | None] = []  # for each, the key awaiting its value (mappings)
        anchors: set[str] = set()
        while True:
            event = get()
            kind = type(event)
            if kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
                node = open_nodes.pop()
                keys.pop()
                node.end_mark = event.end_mark
                if not open_nodes:
                    break
                continue
            refusal = _refusal(event, len(open_nodes) + 1, path)
            if refusal is not None:
                raise refusal
            tag = event.tag
            plain = tag is None or tag == "!"
            mark = event.start_mark
            anchor = event.anchor
            if anchor is not None:
                if anchor in anchors:
                    raise yaml.composer.ComposerError(f"found duplicate anchor {anchor!r}")
                anchors.add(anchor)
            node: yaml.Node
            if kind is yaml.ScalarEvent:
                if plain:
                    tag = _plain_tag(event.value) if event.implicit[0] else _STR_TAG
                node = yaml.ScalarNode(tag, event.value, mark, event.end_mark, style=event.style)
            elif kind is yaml.SequenceStartEvent:
                node = yaml.SequenceNode(_SEQUENCE_TAG if plain else tag, [], mark, None,
                                         flow_style=event.flow_style)
            elif kind is yaml.MappingStartEvent:
                node = yaml.MappingNode(_MAPPING_TAG if plain else tag, [], mark, None,
                                        flow_style=event.flow_style)
            else:
                raise yaml.composer.ComposerError(f"unexpected {kind.__name__}")
            if open_nodes:
                parent = open_nodes[-1]
                if type(parent) is yaml.SequenceNode:
                    parent.value.append(node)
                elif keys[-1] is None:
                    keys[-1] = node
                else:
                    parent.value.append((keys[-1], node))
                    keys[-1] = None
            if kind is yaml.ScalarEvent:
                if not open_nodes:
                    break
            else:
                open_nodes.append(node)
                keys.append(None)
        get()  # the document's end
        if not isinstance(get(), yaml.StreamEndEvent):
            raise yaml.composer.ComposerError("expected a single document in the stream")
        return node
    finally:
        parser.dispose()


def _compose(loader_class: type, text: str, path: Path) -> yaml.Node | None:
    loader = loader_class(text, path)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def compose_record(raw: bytes, path: Path) -> yaml.MappingNode:
    """The record's YAML as a node tree, composed safely; every refusal names its place."""
    if len(raw) > MAX_RECORD_BYTES:
        raise RecordError(f"the record is larger than {MAX_RECORD_BYTES} bytes", path=path,
                          hint="a Dublin Core record is a few hundred bytes; is this the right file?")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise RecordError(f"byte {error.start} (0x{raw[error.start]:02x}, line {line}) is not valid UTF-8",
                          path=path, hint="save the record as UTF-8") from None
    try:
        try:
            root = _compose_libyaml(text, path) if CParser else _compose(_RecordLoader, text, path)
        except yaml.YAMLError:  # a record libyaml refuses is read again by PyYAML, whose words
            root = _compose(_RecordLoader, text, path)  # (or acceptance) the messages keep
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise RecordError(
            f"YAML syntax error: {error.problem or error.context}",
            path=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            hint="fix the YAML there; quote a value that holds ': ' or starts with a sign",
        ) from None
    except yaml.YAMLError as error:
        raise RecordError(f"YAML error: {error}", path=path) from None
    if root is None:
        raise RecordError("record is empty", path=path, hint="write at least title, date and language")
    if not isinstance(root, yaml.MappingNode):
        raise RecordError("the record must be a mapping of Dublin Core elements", path=path,
                          line=_line(root), hint="write 'title: ...', 'date: ...' on their own lines")
    return root


def parse_record(raw: bytes, path: Path, article_date: str | None = None) -> Record:
    root = compose_record(raw, path)
    # A value says FILL IN only where the text spells FILL, or has an escape (a backslash)
    # that could: folding lines puts a space or a line feed between words, never letters.
    if _PLACEHOLDER_WORD in raw or b"\\" in raw:
        _refuse_placeholders(root, path)
    values: dict[str, Value] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in root.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key not in BY_NAME:
            import difflib  # only a misspelt key needs it

            close = difflib.get_close_matches(str(key), list(BY_NAME), n=1)
            raise RecordError(
                f"unknown key {key!r}", path=path, line=_line(key_node),
                hint=f"did you mean {close[0]!r}?" if close else
                "the keys are the fifteen Dublin Core elements: " + ", ".join(BY_NAME),
            )
        if key in values:
            raise RecordError(f"key {key!r} appears twice", path=path, line=_line(key_node),
                              hint=f"keep one of them (the first is on line {lines[key]})")
        values[key] = _convert(key, value_node, path)
        lines[key] = _line(value_node)
    for key in REQUIRED:
        if key not in values:
            raise RecordError(f"required key {key!r} is missing", path=path,
                              hint=f"add '{key}: ...'")
    _validate(values, lines, path, article_date)
    values.setdefault("format", Text(PDF_FORMAT))  # the archived object is a PDF, whatever the record omits
    ordered = {element.name: values[element.name] for element in ELEMENTS if element.name in values}
    return Record(path, raw, ordered, lines)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _refuse_placeholders(root: yaml.MappingNode, path: Path) -> None:
    """Name every field still saying FILL IN at once: a person fixes them all in one pass."""
    unfilled: list[tuple[str, int]] = []
    for key_node, value_node in root.value:
        stack = [key_node, value_node]
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.ScalarNode) and PLACEHOLDER in node.value:
                unfilled.append((str(key_node.value), _line(node)))
                break
            if isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, yaml.MappingNode):
                stack.extend(item for pair in node.value for item in pair)
    if unfilled:
        fields = ", ".join(f"{key!r} (line {line})" for key, line in unfilled)
        raise RecordError(f"the record still says {PLACEHOLDER!r} in {fields}", path=path,
                          line=unfilled[0][1], hint="replace each with the real value, or delete "
                          "an element that does not apply, except the title")


def _scalar(key: str, node: yaml.Node, path: Path, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise RecordError(f"{key!r} must be {what}, not a {_kind(node)}", path=path, line=_line(node),
                          hint=_SHAPES[what].format(key=key))
    if node.tag == "tag:yaml.org,2002:null" and not node.style:  # plain: None, or '' from libyaml
        raise RecordError(f"{key!r} is empty", path=path, line=_line(node),
                          hint="give it a value or remove the key")
    value = node.value
    bad = _NOT_XML_CHAR.search(value)
    if bad:
        raise RecordError(
            f"{key!r} contains U+{ord(bad.group()):04X}, which XML 1.0 (and so XMP) cannot carry",
            path=path, line=_line(node), hint="remove the character",
        )
    if value.strip() == "":
        raise RecordError(f"{key!r} is empty", path=path, line=_line(node),
                          hint="give it a value or remove the key")
    return value


def _kind(node: yaml.Node) -> str:
    return {yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}.get(type(node), "string")


def _convert(key: str, node: yaml.Node, path: Path) -> Value:
    element = BY_NAME[key]
    if element.kind is LangAlt:
        if isinstance(node, yaml.MappingNode):
            pairs = []
            for lang_node, text_node in node.value:
                lang = _scalar(key, lang_node, path, "a language tag")
                if lang.lower() == "x-default":
                    raise RecordError(f"{key!r}: 'x-default' is written for you", path=path,
                                      line=_line(lang_node), hint="key each text by its real language")
                _check_language(lang, path, _line(lang_node), f"{key!r}")
                if any(lang.lower() == seen.lower() for seen, _ in pairs):
                    raise RecordError(f"{key!r} has language {lang!r} twice", path=path,
                                      line=_line(lang_node))
                pairs.append((lang, _scalar(key, text_node, path, "a string")))
            if not pairs:
                raise RecordError(f"{key!r} is empty", path=path, line=_line(node))
            return LangAlt(tuple(pairs))
        return LangAlt((("", _scalar(key, node, path, "a string or a mapping language: text")),))
    if element.kind is Seq or element.kind is Bag:
        if isinstance(node, yaml.SequenceNode):
            if not node.value:
                raise RecordError(f"{key!r} is an empty list", path=path, line=_line(node))
            return element.kind(tuple(_scalar(key, item, path, "a list of strings") for item in node.value))
        return element.kind((_scalar(key, node, path, "a string or a list of strings"),))
    return Text(_scalar(key, node, path, "a string"))


# Tags of the languages archivist sets dates and hyphenation for, each registered in the IANA
# Language Subtag Registry: accepted without langcodes, whose import compiles a pattern of
# every registered subtag (about 0.1 s, most of a one-article build's start-up). Any other
# tag is looked up in the registry through langcodes.
_REGISTERED = frozenset({
    "en", "fr", "de", "es", "it", "pt", "nl",
    "en-GB", "en-US", "en-CA", "en-AU", "en-IE", "fr-FR", "fr-CA", "fr-BE", "fr-CH",
    "de-DE", "de-AT", "de-CH", "es-ES", "es-MX", "it-IT", "pt-PT", "pt-BR", "nl-NL", "nl-BE",
})


def _check_language(tag: str, path: Path, line: int, where: str) -> None:
    if tag in _REGISTERED:
        return
    import langcodes  # imported here: only a tag outside _REGISTERED needs it

    # langcodes also accepts 'fr_FR', which BCP 47 (and so xml:lang and /Lang) does not.
    if not _TAG_SYNTAX.fullmatch(tag) or not langcodes.tag_is_valid(tag):
        raise RecordError(f"{where}: {tag!r} is not a valid BCP 47 language tag", path=path,
                          line=line, hint="use a tag such as 'fr', 'en-GB' or 'pt-BR'")


# What ends a line of text (Unicode's mandatory breaks): a title printed on the page is set
# in lines of the page's own making, so a break of its own is no character it can draw.
_LINE_BREAKS = "\n\v\f\r\x85\u2028\u2029"


def _visible(char: str) -> bool:
    return not char.isspace() and unicodedata.category(char) not in ("Cf", "Zs", "Zl", "Zp")


def _check_printed_name(identifier: str, path: Path, line: int) -> None:
    """The identifier is printed in every page's footer and read back letter for letter.

    So it is one line, without spaces at either end, and with single plain spaces at
    most between its parts: a line break, a tab, a no-break or other Unicode space, or
    a run of spaces cannot be read back from a page as it was written.
    """
    problem = None
    if identifier != identifier.strip():
        problem = "starts or ends with a space"
    elif "  " in identifier:
        problem = "holds two spaces in a row"
    else:
        odd = next((char for char in identifier if char.isspace() and char != " "), None)
        if odd is not None:
            name = unicodedata.name(odd, "a line break" if odd in _LINE_BREAKS else "")
            problem = f"holds U+{ord(odd):04X} {name}".rstrip()
        elif not any(_visible(char) for char in identifier):
            problem = "has no visible character"
    if problem:
        raise RecordError(f"'identifier' {identifier!r} {problem}", path=path, line=line,
                          hint="it is printed in every page's footer: write it on one line with "
                          "single plain spaces at most, e.g. 'urn:archivist:2021-07-some-slug'")


def _validate(values: dict[str, Value], lines: dict[str, int], path: Path,
              article_date: str | None) -> None:
    languages = [text for _, text in values["language"]]
    for language in languages:
        _check_language(language, path, lines["language"], "'language'")
    for name, value in values.items():  # a plain string Lang Alt is in the document's language
        if isinstance(value, LangAlt) and value.alternatives[0][0] == "":
            values[name] = LangAlt(((languages[0], value.alternatives[0][1]),))
    dates = [text for _, text in values["date"]]
    if len(dates) != 1:
        raise RecordError("'date' must be one date", path=path, line=lines["date"])
    problem = check_w3c_date(dates[0])
    if problem:
        raise RecordError(f"'date' {dates[0]!r} {problem}", path=path, line=lines["date"],
                          hint="write a W3C date: '2021-07' or '2021-07-16'")
    if article_date is not None and not dates_agree(dates[0], article_date):
        raise RecordError(
            f"'date' {dates[0]!r} disagrees with the article's header date {article_date!r}",
            path=path, line=lines["date"], hint="correct whichever of the two is wrong",
        )
    identifier = next((text for _, text in values.get("identifier", ())), None)
    if identifier is not None and (_ABSOLUTE.match(identifier)
                                        or ".." in re.split(r"[/\\]", identifier)):
        raise UnsafePathError(
            f"'identifier' {identifier!r} reads as a file path leading out of the folder it names",
            path=path, line=lines["identifier"],
            hint="use a URN or URI, e.g. 'urn:archivist:2021-07-some-slug'",
        )
    if identifier is not None:
        _check_printed_name(identifier, path, lines["identifier"])
    # YAML's folded style, the usual way to write a long title ('title: >'), ends it with a
    # line break, which is no part of the title.
    values["title"] = LangAlt(tuple((language, text.rstrip(_LINE_BREAKS))
                                    for language, text in values["title"]))
    for _, text in values["title"]:
        if not any(_visible(char) for char in text):
            raise RecordError("'title' has no visible character", path=path, line=lines["title"],
                              hint="write the title: it is printed at the top of page 1")
        line_break = next((char for char in text if char in _LINE_BREAKS), None)
        if line_break is not None:
            raise RecordError(f"'title' holds a line break (U+{ord(line_break):04X})", path=path,
                              line=lines["title"], hint="write it as one line, which the page breaks "
                              "where it must")
    media_type = next((text for _, text in values.get("format", ())), None)
    if media_type is not None and not _MIME.fullmatch(media_type):
        raise RecordError(f"'format' {media_type!r} is not a MIME type", path=path,
                          line=lines["format"], hint="for this archive it is 'application/pdf'")
