"""The pipeline for one article, and a batch of them over a pool of worker processes.

read article -> read and validate record -> typeset -> make PDF/A -> check -> store
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pypdf import PdfReader

from . import __version__
from .article import Article, read_article
from .check import check_pdf
from .errors import ArchivistError, CheckFailed, RecordError
from .pdfa import Attachment, make_pdfa
from .profile import Profile
from .record import Record, read_record
from .store import atomic_write, check_stem, document_path, leading_date
from .typeset import typeset
from .w3cdate import dates_agree, start_instant


@dataclass(frozen=True)
class Paths:
    """Where the inputs are and where the archive is."""

    seeds: Path
    metadata: Path
    archive: Path

    def article(self, stem: str) -> Path:
        return self.seeds / f"{stem}.txt"

    def record(self, stem: str) -> Path:
        return self.metadata / f"{stem}.yaml"

    def pdf(self, stem: str) -> Path:
        return document_path(self.archive, stem)

    def stems(self) -> list[str]:
        return sorted(p.stem for p in self.seeds.glob("*.txt"))


@dataclass(frozen=True)
class Built:
    stem: str
    path: Path
    sha256: str
    pages: int
    size: int


def creation_instant(record: Record) -> datetime:
    """SOURCE_DATE_EPOCH when set, else the start of the article's date: never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=UTC)
        except ValueError:
            raise ArchivistError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds",
                                 hint="unset it or give seconds since 1970") from None
    return start_instant(record.date)


def inputs_digest(article: Article, record: Record, profile: Profile) -> bytes:
    """What makes this document this document: two different inputs never share it."""
    digest = hashlib.sha256(f"archivist {__version__}\0{profile}\0".encode())
    for part in (article.raw, record.raw):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


def load_inputs(paths: Paths, stem: str) -> tuple[Article, Record]:
    check_stem(stem, paths.article(stem))
    article = read_article(paths.article(stem))
    record = read_record(paths.record(stem), article.date)
    named = leading_date(stem)
    if not dates_agree(named, record.date):
        raise RecordError(
            f"the file name starts with {named!r} but the record's date is {record.date!r}",
            path=paths.record(stem), hint="rename the article and record, or correct the date",
        )
    return article, record


def attachments_for(article: Article, record: Record) -> tuple[Attachment, ...]:
    return (
        Attachment(article.path.name, article.raw, "text/plain", "/Source",
                   "The article's text, as archived"),
        Attachment(record.path.name, record.raw, "application/yaml", "/Data",
                   "The article's Dublin Core record"),
    )


def render(article: Article, record: Record, profile: Profile) -> bytes:
    """The PDF/A bytes for one article, checked before anyone can store them."""
    created = creation_instant(record)
    attachments = attachments_for(article, record) if profile.allows_attachments else ()
    pdf = make_pdfa(typeset(article, record, created), record, profile, created,
                    inputs_digest(article, record, profile), attachments)
    expected = {a.name: a.data for a in attachments}
    problems = check_pdf(pdf, article, record, profile, expected)
    if problems:
        raise CheckFailed("the PDF written does not match its inputs: " + "; ".join(problems),
                          path=article.path, hint="this is a bug in archivist; please report it")
    return pdf


def build_one(paths: Paths, stem: str, profile: Profile) -> Built:
    article, record = load_inputs(paths, stem)
    pdf = render(article, record, profile)
    target = paths.pdf(stem)
    atomic_write(target, pdf)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return Built(stem, target, hashlib.sha256(pdf).hexdigest(), pages, len(pdf))


Outcome = Built | ArchivistError


def register(paths: Paths, built: Built) -> None:
    """Record a stored document in the archive's own indexes; runs in the main process only."""


def build_many(paths: Paths, stems: Sequence[str], profile: Profile, jobs: int) -> Iterator[Outcome]:
    """Build each stem, in a pool when there is more than one: one start-up for the batch."""
    if jobs <= 1 or len(stems) <= 1:
        for stem in stems:
            yield _safe(build_one, paths, stem, profile)
        return
    with ProcessPoolExecutor(max_workers=min(jobs, len(stems))) as pool:
        futures = [pool.submit(_safe, build_one, paths, stem, profile) for stem in stems]
        for future in as_completed(futures):
            yield future.result()


def _safe(function: Callable[..., Built], *args: object) -> Outcome:
    try:
        return function(*args)
    except ArchivistError as error:
        return error
