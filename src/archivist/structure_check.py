"""Prove a PDF's logical structure from the file alone: the tree exists, every piece of page
content is in it or is an artifact, and the tree, read in order, is the article.

Reading the structure is the primary text check: it does not depend on how a reader
orders glyphs on a page. ``check`` runs it; like ``check``, it never imports the writer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date as date_type

import babel
import babel.dates
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from .article import Article
from .pagetext import FOOTER, PageContent, visible
from .record import Record
from .w3cdate import date_parts

SOFT_HYPHEN = "\u00ad"


def check_structure(reader: PdfReader, article: Article, record: Record, paragraphs: list[list[str]],
                    read_pages: Callable[[], Sequence[PageContent]]) -> list[str]:
    """Every way the structure departs from the article; empty when it reads as the article.

    ``paragraphs`` are the words of the article's paragraphs as a page can show them
    (``pagetext.visible``), worked out once for this check and the page-text check.
    ``read_pages`` gives what each page's content shows (``pagetext.read_page``), read once
    for both checks too; it is called only when there is a tree to compare.
    """
    root = reader.trailer["/Root"]
    problems = []
    mark_info = root.get("/MarkInfo")
    if mark_info is None or not _true(mark_info.get_object(), "/Marked"):
        problems.append("the catalog does not say /MarkInfo << /Marked true >>: not a Tagged PDF")
    if not str(root.get("/Lang", "")):
        problems.append("the catalog has no /Lang: the text's language cannot be determined")
    preferences = root.get("/ViewerPreferences")
    if preferences is None or not _true(preferences.get_object(), "/DisplayDocTitle"):
        problems.append("/ViewerPreferences lacks /DisplayDocTitle true: viewers would show the file name")
    tree = root.get("/StructTreeRoot")
    if tree is None:
        return [*problems, "there is no structure tree (/StructTreeRoot)"]
    tree = tree.get_object()
    pages = {page.indirect_reference.idnum: number for number, page in enumerate(reader.pages)}
    contents = read_pages()
    elements, found = _elements(tree, pages)
    problems += found
    problems += _check_marks(reader, tree, contents, elements)
    problems += _check_footers(contents, record, article)
    problems += _check_reading(elements, contents, paragraphs, record)
    return problems


def _true(dictionary: DictionaryObject, key: str) -> bool:
    value = dictionary.get(key)
    return getattr(value, "value", value) is True


def _elements(tree: DictionaryObject, pages: dict[int, int]) -> tuple[list[tuple[str, list]], list[str]]:
    """The Document's children in order: (role, [(page, mcid), ...])."""
    top = tree.get("/K")
    top = top.get_object() if top is not None else None
    if isinstance(top, ArrayObject):
        top = top[0].get_object() if len(top) == 1 else None
    if not isinstance(top, DictionaryObject) or top.get("/S") != "/Document":
        return [], ["the structure tree's root does not hold one Document element"]
    kids = top.get("/K", ArrayObject())
    kids = kids if isinstance(kids, ArrayObject) else ArrayObject([kids])
    elements = []
    problems = []
    for kid in kids:
        node = kid.get_object()
        if not isinstance(node, DictionaryObject):
            problems.append("the Document holds marked content directly, outside any element")
            continue
        home = node.get("/Pg")
        items = node.get("/K", ArrayObject())
        items = items if isinstance(items, ArrayObject) else ArrayObject([items])
        marks = []
        for item in items:
            item = item.get_object()
            if isinstance(item, DictionaryObject):
                page = item.get("/Pg", home)
                mcid = item.get("/MCID")
            else:
                page, mcid = home, item
            if not isinstance(page, IndirectObject) or page.idnum not in pages:
                problems.append(f"a {node.get('/S')} element refers to content on no page of the file")
                continue
            marks.append((pages[page.idnum], int(mcid)))
        elements.append((str(node.get("/S", "?")).lstrip("/"), marks))
    return elements, problems


def _check_marks(reader: PdfReader, tree: DictionaryObject, contents: Sequence[PageContent],
                 elements: list[tuple[str, list]]) -> list[str]:
    """Each MCID on each page is in the tree (and the parent tree) exactly once; nothing is unmarked."""
    problems = []
    in_tree = [mark for _, marks in elements for mark in marks]
    on_pages = [(number, mcid) for number, content in enumerate(contents) for mcid in content.by_mcid]
    for number, content in enumerate(contents, start=1):
        if content.unmarked:
            problems.append(f"page {number}: {content.unmarked} painting operator(s) outside marked content "
                            "(neither in the structure nor an artifact)")
    for page, mcid in sorted(set(on_pages) - set(in_tree)):
        problems.append(f"page {page + 1}: marked content MCID {mcid} belongs to no structure element")
    for page, mcid in sorted(set(in_tree) - set(on_pages)):
        problems.append(f"page {page + 1}: the structure refers to MCID {mcid}, which the page does not have")
    if len(in_tree) != len(set(in_tree)):
        problems.append("some marked content belongs to two structure elements")
    for role, marks in elements:
        if not marks:
            problems.append(f"a {role} element has no content")
    parent_tree = tree.get("/ParentTree")
    numbers = parent_tree.get_object().get("/Nums", []) if parent_tree is not None else []
    keys = {int(numbers[i]): numbers[i + 1].get_object() for i in range(0, len(numbers) - 1, 2)}
    for number, page in enumerate(reader.pages):
        key = page.get("/StructParents")
        if key is None or int(key) not in keys:
            problems.append(f"page {number + 1} has no entry in the parent tree")
        elif len(keys[int(key)]) != len(contents[number].by_mcid):
            problems.append(f"page {number + 1}: the parent tree lists {len(keys[int(key)])} MCIDs, "
                            f"the page has {len(contents[number].by_mcid)}")
    if int(tree.get("/ParentTreeNextKey", -1)) <= max(keys, default=-1):
        problems.append("/ParentTreeNextKey is not above every key of the parent tree")
    return problems


def _check_footers(contents: Sequence[PageContent], record: Record, article: Article) -> list[str]:
    """The running footer is on every page, as an artifact."""
    label = visible(record.identifier or article.path.stem)
    total = len(contents)
    problems = []
    for number, content in enumerate(contents, start=1):
        footers = [FOOTER.fullmatch(text.strip()) for text in content.artifacts]
        if not any(f and (f["label"], int(f["page"]), int(f["total"])) == (label, number, total)
                   for f in footers):
            problems.append(f"page {number}: the footer '{label} · page {number} / {total}' "
                            "is not an artifact")
    return problems


def _check_reading(elements: list[tuple[str, list]], contents: Sequence[PageContent],
                   expected: list[list[str]], record: Record) -> list[str]:
    """H1 is the title, then the dateline, then one P per paragraph, word for word."""
    texts = []
    for role, marks in elements:
        text = "".join([contents[page].by_mcid.get(mcid, "") for page, mcid in marks])
        # A soft hyphen ends a line inside a word (ISO 32000-1, 14.8.2.2.3): the word is whole.
        texts.append((role, visible(text.replace(SOFT_HYPHEN, "")).split()))
    if not texts or texts[0][0] != "H1" or texts[0][1] != visible(record.title).split():
        heading = " ".join(texts[0][1]) if texts else "nothing"
        return [f"the structure does not open with the title as H1 (it reads {heading!r})"]
    problems = []
    dateline = expected_dateline(record.date, record.language)
    if len(texts) < 2 or texts[1][1] != dateline.split():
        problems.append(f"the structure's second element is not the dateline {dateline!r} of {record.date!r}")
    bad_roles = sorted({role for role, _ in texts[1:] if role != "P"})
    if bad_roles:
        problems.append(f"the article's elements should be P, not {', '.join(bad_roles)}")
    paragraphs = [words for _, words in texts[2:]]
    if len(paragraphs) != len(expected):
        problems.append(f"the structure holds {len(paragraphs)} paragraphs, the article {len(expected)}")
    for number, (got, want) in enumerate(zip(paragraphs, expected, strict=False), start=1):
        if got != want:
            at = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
                      min(len(got), len(want)))
            reads, has = " ".join(got[at:at + 4]), " ".join(want[at:at + 4])
            problems.append(f"paragraph {number}, word {at + 1}: the structure reads {reads!r} "
                            f"where the article has {has!r}")
            break
    return problems


@functools.lru_cache(maxsize=256)  # asked twice per article, by this check and the text check
def expected_dateline(date: str, language: str) -> str:
    """What CLDR (through Babel) says the dateline reads: 'juillet 2021', '16. Juli 2021', '2018'.

    Worked out here from Babel alone, never from the writer. A year designator after the year
    ('2017 г.') is not part of a dateline; a language CLDR does not know reads the ISO date.
    """
    parts = date_parts(date)
    if len(parts) == 1:
        return str(parts[0])
    locale = None
    for tag in (language, language.split("-")[0]):
        try:
            locale = babel.Locale.parse(tag, sep="-")
            break
        except (ValueError, babel.UnknownLocaleError):
            continue
    if locale is None:
        return date[:10]
    day = date_type(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)
    pattern = (locale.datetime_skeletons[babel.dates.match_skeleton("yMMMM", locale.datetime_skeletons)]
               if len(parts) == 2 else locale.date_formats["long"]).pattern
    return babel.dates.format_date(day, _without_year_designator(pattern), locale=locale)


def _without_year_designator(pattern: str) -> str:
    """``pattern`` without the word it ends with after the year: 'г.', 'ел', 'an', 'թ.'."""
    tokens = babel.dates.tokenize_pattern(pattern)
    tail = ""
    while tokens and tokens[-1][0] == "chars":
        tail = tokens.pop()[1] + tail
    if tokens and tokens[-1][1][0] == "y" and tail.strip().removesuffix(".").isalpha():
        return babel.dates.untokenize_pattern(tokens)
    return pattern
