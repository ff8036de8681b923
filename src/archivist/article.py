"""Read an article: plain UTF-8 text with an optional ``date <W3C date>`` header."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import ArticleError
from .inputfile import NotARegularFile, read_regular
from .w3cdate import check_w3c_date

_HEADER = re.compile(r"[ \t]*date[ \t]+(?P<date>\S+)(?:[ \t]+|(?=\n)|$)")
_ALLOWED_CONTROLS = "\n\t"
# Every control character (General_Category Cc, all of them below U+0100; a test holds this
# to the whole of Unicode) but those allowed, as one character class: one search of the text.
_CONTROLS = re.compile("[" + "".join(
    re.escape(chr(code)) for code in range(0x100)
    if unicodedata.category(chr(code)) == "Cc" and chr(code) not in _ALLOWED_CONTROLS) + "]")
# The same characters in the UTF-8 bytes, for a first look at C speed (the pattern above
# takes re a step per character): those below U+0080 are single bytes (CR too, which the
# reader turns into a line end), the C1 controls U+0080-U+009F the pairs C2 80 to C2 9F.
_CONTROL_BYTES = bytes(code for code in range(0x80) if unicodedata.category(chr(code)) == "Cc"
                       and chr(code) not in _ALLOWED_CONTROLS + "\r")
_C1_CONTROL_BYTES = re.compile(rb"\xc2[\x80-\x9f]")
# A long book is 2 MB of text. The bound keeps a build's memory bounded (about fifty
# times the text, for the layout and the checker's reading of every page) and a
# mistaken file (a disk image named .txt) from being read at all.
MAX_ARTICLE_BYTES = 8 << 20
# The typesetter's cost is not linear in every shape of text (bench/limits.py measures it):
# a word without a space is hyphenated again at every line it fills, so its cost grows
# with the square of its length (256 KiB: 88 s), and every paragraph costs about a
# quarter of a millisecond on its own (one-letter lines: 128 KiB, 65,536 paragraphs, 22 s).
# These two bounds keep every article the reader accepts within a build of minutes.
MAX_WORD_CHARS = 4000  # twice a long URL
MAX_PARAGRAPHS = 50_000  # a long book has a few thousand
# A paragraph is broken into lines at once, every place a line may end in memory (about a
# quarter of a kilobyte each, and one every two characters at most: a space, a hyphen, a
# slash): 4 million one-letter words in one paragraph took 2.3 GB. 2 MiB is twelve novels.
MAX_PARAGRAPH_CHARS = 2 << 20
_LONG_WORD = re.compile(rf"\S{{{MAX_WORD_CHARS + 1},}}")


@dataclass(frozen=True)
class Article:
    path: Path
    raw: bytes  # the file's bytes, unchanged: the archive embeds and hashes these
    date: str | None  # from the header, exactly as written
    paragraphs: tuple[str, ...]
    first_line_offset: int  # column where the body starts on line 1 (after the header)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def words(self) -> list[str]:
        return self.text.split()


def read_article(path: Path) -> Article:
    try:
        raw = read_regular(path, MAX_ARTICLE_BYTES)  # a larger file is refused unread
    except FileNotFoundError:
        raise ArticleError("article not found", path=path,
                           hint="check the name: the article is SEEDS/STEM.txt") from None
    except NotARegularFile as error:
        raise ArticleError(f"the article is {error.kind}, not a regular file", path=path,
                           hint="keep the article's text in a plain file there: links, folders, "
                           "pipes and devices are refused") from None
    except OSError as error:
        raise ArticleError(f"cannot read the article: {error.strerror}", path=path) from None
    if len(raw) > MAX_ARTICLE_BYTES:
        raise ArticleError(f"the article is larger than {MAX_ARTICLE_BYTES} bytes", path=path,
                           hint="split it into several articles")
    return parse_article(raw, path)


def parse_article(raw: bytes, path: Path) -> Article:
    text = _decode(raw, path)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if len(raw.translate(None, _CONTROL_BYTES)) != len(raw) or _C1_CONTROL_BYTES.search(raw):
        _refuse_controls(text, path)  # found in the bytes: the text says where
    date = None
    offset = 0
    header = _HEADER.match(text)
    if header:
        date = header["date"]
        problem = check_w3c_date(date)
        if problem:
            raise ArticleError(
                f"the header's date {date!r} {problem}",
                path=path, line=1, column=header.start("date") + 1,
                hint="write the header as 'date 2021-07' (YYYY, YYYY-MM or YYYY-MM-DD)",
            )
        offset = header.end()
    body = text[offset:]
    paragraphs = tuple(paragraph for paragraph in map(_squeezed, body.split("\n")) if paragraph)
    _refuse_costly_shapes(text, offset, paragraphs, path)
    if not any(_visible(char) for paragraph in paragraphs for char in paragraph):
        raise ArticleError(
            "the article has no " + ("visible text" if paragraphs else "text")
            + (" after its date header" if header else ""),
            path=path, hint="write the article's text after the header",
        )
    return Article(path, raw, date, paragraphs, offset)


def _squeezed(line: str) -> str:
    """The line with each run of white space as one space, and none at either end.

    A line that is printable (so that its only white space is U+0020) with no space at
    either end and no two in a row is already so, and is taken whole: splitting and
    joining it again costs a string per word.
    """
    if line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " ":
        return line
    return " ".join(line.split())


def _refuse_costly_shapes(text: str, offset: int, paragraphs: tuple[str, ...], path: Path) -> None:
    """Refuse the shapes whose typesetting time grows faster than the text: see the bounds above."""
    long_word = _LONG_WORD.search(text)
    if long_word:
        start = long_word.start()
        line = text.count("\n", 0, start) + 1
        length = len(long_word.group())
        raise ArticleError(
            f"a word of {length} characters without a space; the longest the typesetter takes is "
            f"{MAX_WORD_CHARS}", path=path, line=line, column=start - (text.rfind("\n", 0, start) + 1) + 1,
            hint="put spaces where it can break, or leave the long string out of the article")
    if len(paragraphs) > MAX_PARAGRAPHS:
        raise ArticleError(
            f"the article has {len(paragraphs)} paragraphs (lines that are not blank); the most the "
            f"typesetter takes is {MAX_PARAGRAPHS}", path=path,
            hint="join the lines that belong to one paragraph, or split the article into several")
    if max(map(len, paragraphs), default=0) > MAX_PARAGRAPH_CHARS:
        for number, line in enumerate(text[offset:].split("\n"), start=1):  # the header is on line 1
            length = len(_squeezed(line)) if len(line) > MAX_PARAGRAPH_CHARS else 0
            if length > MAX_PARAGRAPH_CHARS:
                raise ArticleError(
                    f"a paragraph of {length} characters; the most the typesetter takes in one "
                    f"paragraph is {MAX_PARAGRAPH_CHARS}", path=path, line=number,
                    hint="start a new line where each paragraph starts, or split the article into several")


def _visible(char: str) -> bool:
    """Whether a page can show ``char``: not a space, nor a format character such as U+200B or U+FEFF."""
    return not char.isspace() and unicodedata.category(char) not in ("Cf", "Zs", "Zl", "Zp") \
        and not 0xFE00 <= ord(char) <= 0xFE0F and not 0xE0100 <= ord(char) <= 0xE01EF


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ArticleError(
            f"byte {error.start} (0x{raw[error.start]:02x}, line {line}) is not valid UTF-8",
            path=path,
            hint="save the article as UTF-8 (e.g. iconv -f latin1 -t utf-8)",
        ) from None


def _refuse_controls(text: str, path: Path) -> None:
    found = _CONTROLS.search(text)
    if found:
        index, char = found.start(), found[0]
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1
        raise ArticleError(
            f"control character U+{ord(char):04X} in the text",
            path=path, line=line, column=column,
            hint="remove it; an article is plain text",
        )


def position_of(article: Article, char_index: int) -> tuple[int, int]:
    """Line and column in the article file of a character of ``article.text``."""
    paragraph_start = 0
    for number, paragraph in enumerate(article.paragraphs):
        if char_index <= paragraph_start + len(paragraph):
            return _locate(article, number, char_index - paragraph_start)
        paragraph_start += len(paragraph) + 1
    return (0, 0)


def _locate(article: Article, paragraph_number: int, column_in_paragraph: int) -> tuple[int, int]:
    """Walk the file's lines as ``parse_article`` did (any line end, runs of spaces as one)."""
    text = article.raw.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    seen = -1
    for line_number, line in enumerate(text.split("\n"), start=1):
        skipped = article.first_line_offset if line_number == 1 else 0
        body = line[skipped:]
        if not body.strip():
            continue
        seen += 1
        if seen != paragraph_number:
            continue
        normalised = -1  # index in the paragraph of the character at raw index i
        after_space = True
        for index, char in enumerate(body):
            if char.isspace():
                after_space = True
                continue
            normalised += 1 + (after_space and normalised >= 0)
            after_space = False
            if normalised >= column_in_paragraph:
                return line_number, skipped + index + 1
        return line_number, len(line) + 1
    return (0, 0)
