"""Read and validate a Dublin Core record (YAML) into exact, typed values.

The YAML is composed into nodes, never constructed into objects: scalars stay the
strings the person wrote (``2021-07`` stays ``2021-07``), tags such as
``!!python/object`` and aliases (the "billion laughs") are refused before any
value is built, and every error names the line it comes from.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .dublincore import BY_NAME, ELEMENTS, REQUIRED, Value
from .errors import RecordError
from .w3cdate import check_w3c_date, dates_agree

MAX_RECORD_BYTES = 1 << 20
PLACEHOLDER = "FILL IN"  # what `archivist new` writes where a person must decide
_MIME = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*", re.IGNORECASE)
_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_PLAIN_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


@dataclass(frozen=True)
class Record:
    path: Path
    raw: bytes
    values: dict[str, Value]

    @property
    def language(self) -> str:
        """The document's language: the first dc:language."""
        return self.values["language"][0]  # type: ignore[return-value]

    @property
    def date(self) -> str:
        return self.values["date"][0]  # type: ignore[return-value]

    @property
    def title(self) -> str:
        return self.lang_text("title")

    @property
    def identifier(self) -> str | None:
        return self.values.get("identifier")  # type: ignore[return-value]

    def lang_text(self, name: str) -> str:
        """The text of a Lang Alt element in the document's language."""
        from .dublincore import x_default

        return x_default(self.values[name], self.language)  # type: ignore[arg-type]


def read_record(path: Path, article_date: str | None = None) -> Record:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RecordError(
            "Dublin Core record not found", path=path,
            hint="write one (see the README's schema) or run 'archivist new' on the article",
        ) from None
    except OSError as error:
        raise RecordError(f"cannot read the record: {error.strerror}", path=path) from None
    return parse_record(raw, path, article_date)


def parse_record(raw: bytes, path: Path, article_date: str | None = None) -> Record:
    if len(raw) > MAX_RECORD_BYTES:
        raise RecordError(f"record is {len(raw)} bytes, more than {MAX_RECORD_BYTES}", path=path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RecordError(f"byte {error.start} is not valid UTF-8", path=path,
                          hint="save the record as UTF-8") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise RecordError(
            f"YAML syntax error: {error.problem or error.context}",
            path=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as error:
        raise RecordError(f"YAML error: {error}", path=path) from None
    if root is None:
        raise RecordError("record is empty", path=path, hint="write at least title, date and language")
    _refuse_tags_and_aliases(root, path)
    if not isinstance(root, yaml.MappingNode):
        raise RecordError("the record must be a mapping of Dublin Core elements", path=path,
                          line=_line(root), hint="write 'title: ...', 'date: ...' on their own lines")
    values: dict[str, Value] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in root.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key not in BY_NAME:
            close = difflib.get_close_matches(str(key), list(BY_NAME), n=1)
            raise RecordError(
                f"unknown key {key!r}", path=path, line=_line(key_node),
                hint=f"did you mean {close[0]!r}?" if close else
                "the keys are the fifteen Dublin Core elements: " + ", ".join(BY_NAME),
            )
        if key in values:
            raise RecordError(f"key {key!r} appears twice", path=path, line=_line(key_node))
        values[key] = _convert(key, value_node, path)
        lines[key] = _line(value_node)
    for key in REQUIRED:
        if key not in values:
            raise RecordError(f"required key {key!r} is missing", path=path,
                              hint=f"add '{key}: ...'")
    _validate(values, lines, path, article_date)
    ordered = {element.name: values[element.name] for element in ELEMENTS if element.name in values}
    return Record(path, raw, ordered)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _refuse_tags_and_aliases(root: yaml.Node, path: Path) -> None:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise RecordError("YAML aliases (*name) are not allowed in a record", path=path,
                              line=_line(node), hint="write the value out in full")
        seen.add(id(node))
        if node.tag not in _PLAIN_TAGS and not _is_plain_scalar(node):
            raise RecordError(f"YAML tag {node.tag!r} is not allowed in a record", path=path,
                              line=_line(node), hint="records hold plain strings, lists and mappings")
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for pair in node.value:
                stack.extend(pair)


def _is_plain_scalar(node: yaml.Node) -> bool:
    """An untagged scalar that the resolver typed (int, date, bool...): kept as written."""
    return isinstance(node, yaml.ScalarNode) and node.style is None and node.tag.startswith(
        "tag:yaml.org,2002:") and node.tag.rsplit(":", 1)[1] in {
        "int", "float", "bool", "null", "timestamp", "str"}


def _scalar(key: str, node: yaml.Node, path: Path, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise RecordError(f"{key!r} must be {what}, not a {_kind(node)}", path=path, line=_line(node))
    if node.tag == "tag:yaml.org,2002:null" and node.style is None:
        raise RecordError(f"{key!r} is empty", path=path, line=_line(node),
                          hint="give it a value or remove the key")
    value = node.value
    bad = _XML_CHAR.search(value)
    if bad:
        raise RecordError(
            f"{key!r} contains U+{ord(bad.group()):04X}, which XML 1.0 (and so XMP) cannot carry",
            path=path, line=_line(node), hint="remove the character",
        )
    if value.strip() == "":
        raise RecordError(f"{key!r} is empty", path=path, line=_line(node),
                          hint="give it a value or remove the key")
    if PLACEHOLDER in value:
        raise RecordError(f"{key!r} still says {PLACEHOLDER!r}", path=path, line=_line(node),
                          hint="replace it with the real value")
    return value


def _kind(node: yaml.Node) -> str:
    return {yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}.get(type(node), "string")


def _convert(key: str, node: yaml.Node, path: Path) -> Value:
    element = BY_NAME[key]
    if element.is_lang_alt:
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
            return tuple(pairs)
        return (("", _scalar(key, node, path, "a string or a mapping language: text")),)
    if element.is_array:
        if isinstance(node, yaml.SequenceNode):
            if not node.value:
                raise RecordError(f"{key!r} is an empty list", path=path, line=_line(node))
            return tuple(_scalar(key, item, path, "a list of strings") for item in node.value)
        return (_scalar(key, node, path, "a string or a list of strings"),)
    return _scalar(key, node, path, "a string")


def _check_language(tag: str, path: Path, line: int, where: str) -> None:
    import langcodes  # imported here: it costs ~0.1 s and only validation needs it

    if not langcodes.tag_is_valid(tag):
        raise RecordError(f"{where}: {tag!r} is not a valid BCP 47 language tag", path=path,
                          line=line, hint="use a tag such as 'fr', 'en-GB' or 'pt-BR'")


def _validate(values: dict[str, Value], lines: dict[str, int], path: Path,
              article_date: str | None) -> None:
    for language in values["language"]:
        _check_language(language, path, lines["language"], "'language'")
    document_language = values["language"][0]
    for element in ELEMENTS:  # a plain string Lang Alt is in the document's language
        value = values.get(element.name)
        if element.is_lang_alt and value and value[0][0] == "":
            values[element.name] = ((document_language, value[0][1]),)
    dates = values["date"]
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
    if "format" in values and not _MIME.fullmatch(values["format"]):  # type: ignore[arg-type]
        raise RecordError(f"'format' {values['format']!r} is not a MIME type", path=path,
                          line=lines["format"], hint="for this archive it is 'application/pdf'")
