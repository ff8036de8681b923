"""Reopen a PDF with pypdf and prove it says what its inputs say.

This module reads PDFs and inputs only; it never imports the writer (typeset,
pdfa, xmp), so the writer's mistakes cannot hide behind shared code.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import io
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate, chain, compress, count
from operator import ne

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from .article import Article
from .dublincore import DATE, DC_NAMESPACE, DOCINFO, ELEMENTS, NAMESPACES, ONLY_ITEM, TEXT, LangAlt, Value
from .embedded import EmbeddedFile, read_embedded
from .pagetext import FOOTER, PageContent, read_page, visible
from .pdfread import MAX_DEPTH, ContentBudget, bounded, explain, limit_error
from .profile import Profile
from .record import Record
from .structure_check import check_structure, expected_dateline

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FORBIDDEN_KEYS = {"/JS", "/JavaScript", "/AA", "/OpenAction", "/Encrypt"}
FORBIDDEN_ACTIONS = {"/Launch", "/URI", "/GoToR", "/GoToE", "/SubmitForm", "/ImportData",
                     "/JavaScript", "/ResetForm", "/Sound", "/Movie", "/Rendition"}



def check_pdf(data: bytes, article: Article, record: Record, profile: Profile,
              attachments: tuple[EmbeddedFile, ...] | None = None) -> list[str]:
    """Every way ``data`` departs from its inputs, one sentence each; empty when it is right.

    ``attachments`` are the files the PDF must embed, exactly; None skips that comparison.
    A damaged or crafted file is a finding, never a crash: whatever reading it raises,
    and each reading limit it breaks (``archivist.pdfread``), is one sentence.
    """
    return prove_pdf(data, article, record, profile, attachments).problems


@dataclass(frozen=True)
class Proof:
    problems: list[str]
    pages: int  # counted by the parse that proved the file, so nobody parses it again; 0 if unread


def prove_pdf(data: bytes, article: Article, record: Record, profile: Profile,
              attachments: tuple[EmbeddedFile, ...] | None = None) -> Proof:
    """``check_pdf``'s problems and the page count, from one parse of ``data``."""
    with bounded(), _collector_paused():
        try:
            # Strict: what pypdf cannot read is damage to report, not to repair (its lenient
            # mode would also read every object's header once more on opening, to drop the
            # entries it cannot find). Even strict, pypdf looks elsewhere for an object whose
            # entry points at another's header: ``_check_offsets`` reports that.
            reader = PdfReader(io.BytesIO(data), strict=True)
        except Exception as error:
            return Proof([f"cannot be read as PDF with XMP metadata: it {explain(error)}"], 0)
        try:
            return _prove(reader, data, article, record, profile, attachments)
        finally:
            # The parsed objects and the reader refer to one another: closed, the reader lets
            # them go now, by reference counting, instead of leaving a cycle of thousands of
            # objects for the cyclic collector to walk (and promote) before it finds them dead.
            reader.close()


class _CollectorPause:
    """The cyclic collector held off while any proof of this process runs, and set as it was
    before the first of them once the last ends.

    What a proof allocates is alive until its end (the parsed objects) or freed by
    reference counting (the reader is closed): the collector would walk thousands of
    live objects, again and again as they are parsed, to find no garbage (building the
    bench corpus, the collector ran 1.6 times per article instead of 0.3). The collector's
    switch is the process's, and a Dask worker proves files in several threads at once:
    proofs are counted under a lock, so that one ending never turns the collector back on
    under another, nor one starting takes another's pause for the user's setting.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0  # proofs under way
        self.collecting = False  # the collector's setting before the first of them

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self.lock:
            if not self.running:
                self.collecting = gc.isenabled()
                gc.disable()
            self.running += 1
        try:
            yield
        finally:
            with self.lock:
                self.running -= 1
                if not self.running and self.collecting:
                    gc.enable()


_collector_paused = _CollectorPause()


def _prove(reader: PdfReader, data: bytes, article: Article, record: Record, profile: Profile,
           attachments: tuple[EmbeddedFile, ...] | None) -> Proof:
    """``prove_pdf`` with the file open: apart, so that the reader is closed on every return."""
    try:
        if reader.is_encrypted:
            return Proof(["the file is encrypted, which PDF/A forbids"], 0)
        xmp = _properties(_xmp_tree(reader))
    except Exception as error:
        return Proof([f"cannot be read as PDF with XMP metadata: it {explain(error)}"], 0)
    problems: list[str] = []
    pages = 0
    try:
        problems += _check_offsets(reader, data)
        problems += _check_metadata_stream(reader)
        problems += _check_claim(xmp, profile)
        problems += _check_dublin_core(xmp, record)
        problems += _check_info(reader, xmp) if profile.part != 4 else _check_no_info(reader)
        objects = _reachable(reader)
        problems += _check_fonts(objects)
        problems += _check_forbidden(objects, reader)
        problems += _check_attachments(objects, reader, profile, attachments)
        problems += _check_output_intent(reader)
        read_pages = _reading_once(reader)
        # The article's words as a page can show them (a word of ignorables alone goes, as
        # it must), paragraph by paragraph: worked out once for the structure and the text.
        paragraphs = [visible(paragraph).split() for paragraph in article.paragraphs]
        problems += check_structure(reader, article, record, paragraphs, read_pages)
        problems += _check_text(read_pages(), article, record, list(chain.from_iterable(paragraphs)))
        pages = len(reader.pages)
    except Exception as error:  # the file is damaged past the point where it can be compared
        problems.append(f"cannot be checked: it {explain(error)}")
    return Proof(problems, pages)


# -- the file's layout --------------------------------------------------------------------


_OBJECT_HEADER = re.compile(rb"(\d+)[\0\t\n\f\r ]+(\d+)[\0\t\n\f\r ]+obj\b")


def _check_offsets(reader: PdfReader, data: bytes) -> list[str]:
    """Each object the cross-reference tables place in the file starts where they say."""
    wrong = [num for gen, entries in reader.xref.items() for num, offset in entries.items()
             if not ((found := _OBJECT_HEADER.match(data, offset))
                     and (int(found[1]), int(found[2])) == (num, gen))]
    if not wrong:
        return []
    return [f"the cross-reference table places {'objects' if len(wrong) > 1 else 'object'} "
            f"{', '.join(map(str, sorted(wrong)))} where no such object starts"]


# -- XMP ---------------------------------------------------------------------------------


def _xmp_tree(reader: PdfReader) -> ET.Element:
    stream = reader.trailer["/Root"].get("/Metadata")
    if stream is None:
        raise ValueError("no /Metadata stream on the catalog")
    return ET.fromstring(stream.get_object().get_data())


def _check_metadata_stream(reader: PdfReader) -> list[str]:
    """The XMP stream says what it is (ISO 32000-1, 14.3.2; PDF/A's 6.7.2 and 6.6.2.1 ask for
    it): a reader looks for the document's metadata by these two names."""
    stream = reader.trailer["/Root"]["/Metadata"].get_object()
    kind = (stream.get("/Type"), stream.get("/Subtype"))
    if kind == ("/Metadata", "/XML"):
        return []
    return [f"the catalog's /Metadata stream is /Type {kind[0]} /Subtype {kind[1]}, "
            "not /Type /Metadata /Subtype /XML"]


Properties = dict[str, ET.Element | str]  # by tag: what ``_property`` finds


def _properties(xmp: ET.Element) -> Properties:
    """Every property of the XMP by its tag, as element or, in the attribute shorthand, as
    string: the first rdf:Description that has it gives it, as an element before an attribute.
    Gathered in one pass, so that each of the thirty properties looked up is one look-up."""
    found: Properties = {}
    for description in xmp.iter(f"{{{RDF}}}Description"):
        own: Properties = {}
        for child in description:
            own.setdefault(child.tag, child)
        for tag, value in description.attrib.items():
            own.setdefault(tag, value)
        for tag, value in own.items():
            found.setdefault(tag, value)
    return found


def _property(xmp: Properties, prefix: str, name: str) -> ET.Element | str | None:
    """A property as element or, in the attribute shorthand, as string."""
    return xmp.get(f"{{{NAMESPACES[prefix]}}}{name}")


def _simple(xmp: Properties, prefix: str, name: str) -> str | None:
    found = _property(xmp, prefix, name)
    if found is None or isinstance(found, str):
        return found
    return found.text or ""


def _check_claim(xmp: Properties, profile: Profile) -> list[str]:
    """pdfaid and pdfuaid say what the profile is; ISO 19005-4 dates its part with rev 2020."""
    part = _simple(xmp, "pdfaid", "part")
    conformance = _simple(xmp, "pdfaid", "conformance")
    problems = []
    if (part, conformance or "") != (str(profile.part), profile.conformance):
        problems.append(f"claims PDF/A part {part} conformance {conformance}, expected {profile.title}")
    revision = _simple(xmp, "pdfaid", "rev")
    if revision != ("2020" if profile.part == 4 else None):
        problems.append(f"claims pdfaid:rev {revision}, expected {profile.title}")
    ua_part = _simple(xmp, "pdfuaid", "part")
    if ua_part != (str(profile.ua) if profile.ua else None):
        problems.append(f"claims PDF/UA part {ua_part}, expected {profile.title}")
    ua_revision = _simple(xmp, "pdfuaid", "rev")
    if ua_revision != ("2024" if profile.ua == 2 else None):
        problems.append(f"claims pdfuaid:rev {ua_revision}, expected {profile.title}")
    return problems


def _read_dc(found: ET.Element) -> tuple[str | None, list[tuple[str | None, str]]]:
    """Container kind ('Alt', 'Seq', 'Bag' or None) and items (language, text)."""
    children = list(found)
    if not children:
        return None, [(None, found.text or "")]
    container = children[0]
    kind = container.tag.removeprefix(f"{{{RDF}}}")
    return kind, [(li.get(XML_LANG), li.text or "") for li in container.findall(f"{{{RDF}}}li")]


def _check_dublin_core(xmp: Properties, record: Record) -> list[str]:
    problems = []
    for element in ELEMENTS:
        found = _property(xmp, "dc", element.name)
        expected = record.values.get(element.name)
        where = f"XMP dc:{element.name}"
        if expected is None:
            if found is not None:
                problems.append(f"{where} is present but the record has no {element.name!r}")
            continue
        if found is None or isinstance(found, str):
            problems.append(f"{where} is missing or not typed ({element.value_type} expected)")
            continue
        kind, items = _read_dc(found)
        if kind != element.kind.rdf:
            problems.append(f"{where} is {kind or 'a simple value'}, the XMP specification "
                            f"gives {element.value_type}")
            continue
        want = list(expected)
        if isinstance(expected, LangAlt):
            want.insert(0, ("x-default", _x_default(expected, record.language)))
        if items != want:
            problems.append(f"{where} is {_show(items)}, the record says {_show(want)}")
    subjects = record.values.get("subject")
    pdf_keywords = _simple(xmp, "pdf", "Keywords")
    if pdf_keywords != (_keywords(subjects) if subjects else None):
        problems.append(f"XMP pdf:Keywords {pdf_keywords!r} does not list the record's subjects")
    return problems


def _x_default(value: LangAlt, language: str) -> str:
    """What the x-default item must say.

    XMP (ISO 16684-1, 8.2.2.4) wants an x-default item first in every Lang Alt, and PDF/A
    compares the Info entries with it; the README promises it repeats the text in the
    document's language (its first dc:language), or the first text when none is in it.
    """
    in_language = [text for lang, text in value if lang and lang.lower() == language.lower()]
    return in_language[0] if in_language else next(iter(value)).text


def _keywords(subjects: Value) -> str:
    """pdf:Keywords is one Text; the README promises the subjects, in order, joined by ', '."""
    return ", ".join(text for _, text in subjects)


def check_oai_dc(data: bytes, record: Record) -> list[str]:
    """Every way an oai_dc record departs from the YAML record: values, their order and languages."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        return [f"oai_dc record is not well-formed XML: {error}"]
    if root.tag != f"{{{OAI_DC}}}dc":
        return [f"oai_dc record's root is {root.tag}, not {{{OAI_DC}}}dc"]
    found: dict[str, list[tuple[str | None, str]]] = {}
    for child in root:
        found.setdefault(child.tag.replace(f"{{{DC_NAMESPACE}}}", "dc:"), []).append(
            (child.get(XML_LANG), child.text or ""))
    problems = []
    for element in ELEMENTS:
        want = list(record.values.get(element.name, ()))
        have = found.pop(f"dc:{element.name}", [])
        if have != want:
            problems.append(f"oai_dc dc:{element.name} is {_show(have) or 'absent'}, "
                            f"the record says {_show(want) or 'nothing'}")
    problems += [f"oai_dc record has {tag}, which is not a Dublin Core element" for tag in found]
    return problems


def _show(items: list) -> str:
    return "; ".join(f"[{lang}] {text!r}" if lang else repr(text) for lang, text in items)


# -- Info dictionary ---------------------------------------------------------------------


def _check_info(reader: PdfReader, xmp: Properties) -> list[str]:
    """Each Info entry PDF/A pairs with an XMP property (``DOCINFO``) against that property."""
    info = reader.trailer.get("/Info")
    info = info.get_object() if info is not None else DictionaryObject()
    problems = []
    for pair in DOCINFO:
        key, where = pair.info_key, f"{pair.prefix}:{pair.name}"
        info_value = info.get(key)
        info_value = str(info_value) if info_value is not None else None
        if pair.mirror == DATE:
            try:
                info_instant = _pdf_instant(info_value or "")
                xmp_instant = datetime.fromisoformat(_simple(xmp, pair.prefix, pair.name) or "")
            except (ValueError, OverflowError) as error:  # an offset past year 1 or 9999 overflows
                problems.append(f"Info {key} or {where} is not a date: {error}")
                continue
            if info_instant != xmp_instant:
                problems.append(f"Info {key} {info_instant} differs from {where} {xmp_instant}")
            continue
        if pair.mirror == TEXT:
            xmp_value = _simple(xmp, pair.prefix, pair.name)
        else:
            found = _property(xmp, pair.prefix, pair.name)
            items = _read_dc(found)[1] if isinstance(found, ET.Element) else []
            if pair.mirror == ONLY_ITEM:
                xmp_value = items[0][1] if len(items) == 1 else None
            else:
                xmp_value = dict(items).get("x-default")
        if info_value != xmp_value:
            problems.append(f"Info {key} is {info_value!r} but XMP says {xmp_value!r}")
    return problems


def _check_no_info(reader: PdfReader) -> list[str]:
    """PDF/A-4 keeps its metadata in XMP alone (ISO 19005-4, 6.1.3)."""
    return ["PDF/A-4 file has an Info dictionary"] if "/Info" in reader.trailer else []


_PDF_DATE = re.compile(r"D:([0-9]{14})(?:(Z)|([+-])([0-9]{2})'([0-9]{2})'?)?(?:00'00'?)?")


def _pdf_instant(text: str) -> datetime:
    """The instant a PDF date names; ValueError quoting ``text`` when it names none."""
    match = _PDF_DATE.fullmatch(text)
    if not match:
        raise ValueError(repr(text))
    digits = match[1]  # fixed width, so read as ISO 8601 (in C; strptime costs some 40 times more)
    try:
        stamp = datetime.fromisoformat(f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}T{digits[8:10]}:"
                                       f"{digits[10:12]}:{digits[12:]}").replace(tzinfo=UTC)
    except ValueError:  # a month 13, an hour 24: the file's own text says what is wrong
        raise ValueError(repr(text)) from None
    if match[3]:
        sign = 1 if match[3] == "+" else -1
        stamp -= sign * timedelta(hours=int(match[4]), minutes=int(match[5]))
    return stamp


# -- objects: fonts, forbidden features, output intent -----------------------------------


_UPWARD = ("/Parent", "/P")  # back to an ancestor: followed, they would only lead to what is seen
_CONTAINERS = (IndirectObject, DictionaryObject, ArrayObject)  # what can lead to a dictionary


def _reachable(reader: PdfReader) -> list[DictionaryObject]:
    """Every dictionary (and stream dictionary) reachable from the trailer.

    Each object is parsed once, by pypdf, and only what can lead to a dictionary is
    followed: numbers, names and strings (a /Widths array, the numbers of /Nums) are passed
    over where they stand, and a stream's data is never decoded. The nesting limit counts
    them as before: a container at the deepest level may hold nothing at all.
    """
    seen: set[int] = set()
    found = []
    stack: list[tuple[object, int]] = [(reader.trailer, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, IndirectObject):
            if item.idnum in seen:
                continue
            seen.add(item.idnum)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            found.append(item)
            if depth >= MAX_DEPTH and any(key not in _UPWARD for key in item):
                raise _too_deep()
            stack += [(value, depth + 1) for key, value in item.items()
                      if key not in _UPWARD and isinstance(value, _CONTAINERS)]
        elif isinstance(item, ArrayObject):
            if depth >= MAX_DEPTH and item:
                raise _too_deep()
            stack += [(value, depth + 1) for value in item if isinstance(value, _CONTAINERS)]
    return found


def _too_deep() -> Exception:
    return limit_error(f"has objects nested more than {MAX_DEPTH} levels deep",
                       f"{MAX_DEPTH} levels of arrays and dictionaries")


def _check_fonts(objects: list[DictionaryObject]) -> list[str]:
    problems = []
    for obj in objects:
        if obj.get("/Type") != "/Font" or obj.get("/Subtype") in ("/Type0", "/Type3"):
            continue
        name = obj.get("/BaseFont", "?")
        descriptor = obj.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            problems.append(f"font {name} is not embedded")
        if "/ToUnicode" not in obj and "/DescendantFonts" not in obj:
            problems.append(f"font {name} has no ToUnicode map")
    return problems


def _check_forbidden(objects: list[DictionaryObject], reader: PdfReader) -> list[str]:
    problems = []
    if "/Encrypt" in reader.trailer:
        problems.append("the file is encrypted")
    for obj in objects:
        if not FORBIDDEN_KEYS.isdisjoint(obj):  # in C, without a set of every object's keys
            for key in FORBIDDEN_KEYS & set(obj.keys()):
                problems.append(f"forbidden entry {key} found")
        if obj.get("/S") in FORBIDDEN_ACTIONS:
            problems.append(f"forbidden action {obj['/S']} found")
        if obj.get("/FS") == "/URL":
            problems.append("external reference (/FS /URL) found")
    return problems


def _check_attachments(objects: list[DictionaryObject], reader: PdfReader, profile: Profile,
                       expected: tuple[EmbeddedFile, ...] | None) -> list[str]:
    """Embedded files only in PDF/A-3, declared as 6.8 asks, and exactly the inputs."""
    declared = sum("/EF" in obj for obj in objects)
    if declared and not profile.allows_attachments:
        return [f"embedded files are not allowed in {profile.title}"]
    found, problems = read_embedded(reader) if declared else ([], [])
    if len(found) != declared:
        problems.append(f"{declared - len(found)} embedded file(s) are outside the EmbeddedFiles name tree")
    if expected is None:
        return problems
    got = {item.name: item for item in found}
    want = {item.name: item for item in expected}
    for name in sorted(got.keys() | want.keys()):
        if name not in got:
            problems.append(f"embedded file {name!r} is missing")
        elif name not in want:
            problems.append(f"embedded file {name!r} is not one of the inputs")
        else:
            fields = [f for f in ("data", "mime", "relationship", "description")
                      if getattr(got[name], f) != getattr(want[name], f)]
            if fields:
                problems.append(f"embedded file {name!r} differs from the input in its "
                                + ", ".join("bytes" if f == "data" else f for f in fields))
    return problems


def _check_output_intent(reader: PdfReader) -> list[str]:
    intents = reader.trailer["/Root"].get("/OutputIntents")
    intents = intents.get_object() if intents is not None else []
    for intent in intents:
        intent = intent.get_object()
        if intent.get("/S") == "/GTS_PDFA1" and "/DestOutputProfile" in intent:
            return []
    return ["no PDF/A OutputIntent with an ICC profile"]


# -- text ----------------------------------------------------------------------------------


def _reading_once(reader: PdfReader) -> Callable[[], list[PageContent]]:
    """What every page's content shows, read on the first call only: the structure check and
    the text check compare the same reading, and a content stream is decoded and cut into
    operators once."""

    @functools.cache
    def read_pages() -> list[PageContent]:
        budget = ContentBudget()  # a crafted file may give every page one huge content stream
        return [read_page(page, budget) for page in reader.pages]

    return read_pages


def _check_text(contents: list[PageContent], article: Article, record: Record,
                article_words: list[str]) -> list[str]:
    """The page text against the article's words (as a page can show them), title, dateline
    and footer label.

    What can be seen is compared: default-ignorable characters (soft hyphen, zero-width
    spaces and joiners, direction marks, BOM) are drawn as nothing, so no page can
    show them back; they are taken out on both sides.
    """
    pages = [visible(content.text) for content in contents]
    total = len(pages)
    label = visible(record.identifier or article.path.stem)
    problems = []
    body_lines: list[str] = []
    for number, text in enumerate(pages, start=1):
        lines = [line for line in text.splitlines() if line.strip()]
        footer = FOOTER.fullmatch(lines.pop().strip()) if lines else None
        if not footer or (footer["label"], int(footer["page"]), int(footer["total"])) != (
                label, number, total):
            problems.append(f"page {number}: footer does not read '{label} · page {number} / {total}'")
        body_lines += lines
    # The title may wrap over several lines; the dateline is the one line after them, read
    # alone, so that a body starting with a number ("12 personnes...") is never taken for a day.
    # A title word longer than a line is split over lines, as a body word is.
    lines = [line.split() for line in body_lines]
    title = visible(record.title).split()
    taken = next((n for n in _title_line_counts(lines, title)
                  if compare_words(*_flatten(lines[:n]), title) is None), None)
    if taken is None:
        problems.append(f"page 1 does not start with the title {record.title!r}")
        return problems
    shown = lines[taken] if taken < len(lines) else []
    words, line_ends = _flatten(lines[taken + 1:])
    expected = expected_dateline(record.date, record.language)
    if shown != expected.split():
        problems.append(f"page 1 shows {' '.join(shown)!r} after the title where the date "
                        f"{record.date!r} in {record.language!r} reads {expected!r}")
    mismatch = compare_words(words, line_ends, article_words)
    if mismatch:
        problems.append("page text differs from the article: " + mismatch)
    return problems


def _title_line_counts(lines: list[list[str]], title: list[str]) -> Iterator[int]:
    """How many of the first lines may hold the title: only as many as its letters can fill
    (with a hyphen per line), so a page of a million short lines is not tried a million times;
    and only counts whose lines hold as many words as the title, or more by at most one for
    each line end between them (a line end may cut a word in two, and never joins two)."""
    room = sum(map(len, title)) + len(title) + 1
    shown = words = 0
    for n in range(len(lines) + 1):
        if len(title) <= words <= len(title) + max(n - 1, 0):
            yield n
        if n == len(lines):
            return
        words += len(lines[n])
        shown += max(1, sum(map(len, lines[n])) - 1)  # every line shows a letter at least
        if shown > room:
            return


def _flatten(lines: list[list[str]]) -> tuple[list[str], frozenset[int]]:
    """The words of ``lines`` in order, and the index of each word that ends a line.

    Worked out in C: how many words the lines up to each one hold, less one, is where each
    line that has words ends (a line without words repeats the count before it).
    """
    counts = set(accumulate(map(len, lines)))
    counts.discard(0)  # lines before the first word
    return list(chain.from_iterable(lines)), frozenset(map((-1).__add__, counts))


def compare_words(extracted: list[str], line_ends: frozenset[int], source: list[str]) -> str | None:
    """Match page words to source words, joining only words split at a line end; say where they differ.

    ``line_ends`` holds the index of every page word that ends a line: a word is only
    ever continued on the next line, so two words side by side on one line are two
    words, whatever they spell together.
    """
    i = j = 0
    shown, wanted = len(extracted), len(source)
    while j < wanted:
        # Where the words agree, pass over them in C: only a word broken over lines, or a
        # difference, costs a step of Python.
        same = _agreeing(extracted, i, source, j)
        i, j = i + same, j + same
        if j == wanted:
            break
        word = source[j]
        if i >= shown:
            return f"the page ends before word {j + 1} {word!r}"
        got = extracted[i]
        i += 1
        while got != word and i < shown:
            joined = _continued(got, i - 1 in line_ends, extracted[i], word)
            if joined is None:
                break
            got = joined
            i += 1
        if got != word:
            return f"word {j + 1}: the page has {got!r} where the article has {word!r}"
        j += 1
    if i < shown:
        return f"the page has extra words after the article's end: {' '.join(extracted[i:i + 5])!r}"
    return None


def _agreeing(left: list[str], i: int, right: list[str], j: int) -> int:
    """How many words ``left`` from ``i`` and ``right`` from ``j`` have in common before they differ.

    Compared in C, in slices that double in size: the work is in proportion to the words
    passed over, however many times a page breaks words over lines.
    """
    same, step = 0, 16
    while True:
        ahead = left[i + same:i + same + step]
        wanted = right[j + same:j + same + step]
        if ahead != wanted or len(ahead) < step:
            return same + next(compress(count(), map(ne, ahead, wanted)), min(len(ahead), len(wanted)))
        same += step
        step *= 2


def _continued(head: str, at_line_end: bool, tail: str, target: str) -> str | None:
    """``head`` continued by the next line's first word, when the two are one word of ``target``.

    The one rule for joining: only across a line end. There a word may be broken after
    a hyphen the typesetter added ('coopé-' + 'ration'), at its own hyphen ('Rabat-' +
    'Salé'), or with no hyphen at all (a URL, a word longer than a line).
    """
    if not at_line_end:
        return None
    for candidate in (head + tail, head[:-1] + tail if head.endswith("-") else None):
        # the tail may end with a hyphen of its own, added where it goes on to the line after
        if candidate is not None and target.startswith(candidate.removesuffix("-")):
            return candidate
    return None
