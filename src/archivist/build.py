"""The pipeline for one article, and a batch of them over a pool of worker processes.

read article -> read and validate record -> typeset -> make PDF/A -> check -> store
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import catalog, identifiers, manifest
from .article import Article, read_article
from .check import check_oai_dc, prove_pdf
from .embedded import EmbeddedFile
from .errors import ArchivistError, CheckFailed, RecordError, UnsafePathError, UsageError
from .identifiers import record_date, shared_identifiers
from .oai_dc import oai_dc
from .paths import Paths
from .pdfa import make_pdfa
from .profile import Profile
from .record import Record, read_record
from .store import (
    SAFE_STEM,
    archive_lock,
    archive_name,
    archive_write_all,
    check_stem,
    leading_date,
    sweep_staging,
)
from .typeset import typeset
from .w3cdate import dates_agree, start_instant

if TYPE_CHECKING:
    from queue import SimpleQueue


@dataclass(frozen=True)
class Built:
    stem: str
    path: Path
    sha256: str
    pages: int
    size: int
    files: tuple[Path, ...]  # every file written into the archive, the PDF last
    document: catalog.Document


def creation_instant(record: Record) -> datetime:
    """SOURCE_DATE_EPOCH when set, else the start of the article's date: never the clock."""
    return source_date() or start_instant(record.date)


# The instants a PDF date (D:YYYYMMDDHHmmSS) and an XMP date can write: years 1000 to 9999, as
# a record's dates.
_FIRST_EPOCH = int(datetime(1000, 1, 1, tzinfo=UTC).timestamp())
_LAST_EPOCH = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())


def source_date() -> datetime | None:
    """SOURCE_DATE_EPOCH as an instant, None when it is not set; refused unless it is a whole
    number of seconds within the years a PDF's dates can write."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    if not re.fullmatch(r"-?[0-9]{1,12}", epoch) or not _FIRST_EPOCH <= int(epoch) <= _LAST_EPOCH:
        raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds from "
                         f"{_FIRST_EPOCH} to {_LAST_EPOCH} (the years 1000 to 9999)",
                         hint="unset it, or give the seconds since 1970-01-01 UTC (negative before)")
    return datetime.fromtimestamp(int(epoch), tz=UTC)


def inputs_digest(article: Article, record: Record, profile: Profile) -> bytes:
    """What makes this document this document (``identifiers.inputs_digest``)."""
    return identifiers.inputs_digest(article.raw, record.raw, str(profile))


def load_inputs(paths: Paths, stem: str) -> tuple[Article, Record]:
    check_stem(stem, paths.article(stem))
    article = read_article(paths.article(stem))
    record = read_record(paths.record(stem), article.date)
    named = leading_date(stem)
    if named is not None and not dates_agree(named, record.date):
        raise RecordError(
            f"the file name starts with {named!r} but the record's date is {record.date!r}",
            path=paths.record(stem), hint="rename the article and record, or correct the date",
        )
    return article, record


def archived_as(paths: Paths, stem: str, record: Record) -> str:
    """The name the article is archived under, refused when another article would take it too."""
    name = archive_name(stem, record.date)
    others = sources(paths, name, besides=stem)
    if others:
        raise UnsafePathError(
            f"{paths.article(others[0])} would be archived as {paths.pdf(name)} too",
            path=paths.article(stem),
            hint="rename one of the two articles (and its record)",
        )
    return name


def sources(paths: Paths, name: str, besides: str | None = None) -> list[str]:
    """The articles in ``paths.seeds`` (but ``besides``) that are archived as ``name``: a dated
    one under its own name; an undated one under its record's year and month, or year alone,
    and its name (2021-07-x is x of July 2021, or 07-x of 2021). More than one is a clash."""
    found = []
    for stem in candidates(paths, name):
        if stem == besides:
            continue
        date = stem if leading_date(stem) is not None else record_date(paths.record(stem))
        if date is not None and archive_name(stem, date) == name:
            found.append(stem)
    return found


_MONTH_PREFIX = re.compile(r"[0-9]{4}-[0-9]{2}-")
_YEAR_PREFIX = re.compile(r"[0-9]{4}-")


def candidates(paths: Paths, name: str) -> list[str]:
    """The articles in ``paths.seeds`` whose names could make the archive name ``name``, whatever
    their records say now: the name itself, and the undated name after its 'YYYY-MM-' or 'YYYY-'."""
    tails = [name[8:]] if _MONTH_PREFIX.match(name) else []
    tails += [name[5:]] if _YEAR_PREFIX.match(name) else []
    stems = [name, *(tail for tail in tails if leading_date(tail) is None)]
    return [stem for stem in dict.fromkeys(stems)
            if SAFE_STEM.fullmatch(stem) and paths.article(stem).exists()]


def attachments_for(article: Article, record: Record) -> tuple[EmbeddedFile, ...]:
    """What a PDF/A-3 carries: the article's own bytes and its record's, to be read back byte for byte."""
    return (
        EmbeddedFile(article.path.name, article.raw, "text/plain", "/Source",
                     "The article's text, as archived"),
        EmbeddedFile(record.path.name, record.raw, "application/yaml", "/Data",
                     "The article's Dublin Core record"),
    )


def render(article: Article, record: Record, profile: Profile) -> bytes:
    """The PDF/A bytes for one article, checked before anyone can store them."""
    return _render_counted(article, record, profile)[0]


def _render_counted(article: Article, record: Record, profile: Profile) -> tuple[bytes, int]:
    """The checked PDF/A bytes and their page count, as the checker's one parse counted them."""
    created = creation_instant(record)
    attachments = attachments_for(article, record) if profile.allows_attachments else ()
    pdf = make_pdfa(typeset(article, record, created), record, profile, created,
                    inputs_digest(article, record, profile), attachments)
    proof = prove_pdf(pdf, article, record, profile, attachments)
    if proof.problems:
        raise CheckFailed("the PDF written does not match its inputs: " + "; ".join(proof.problems),
                          path=article.path, hint="this is a bug in archivist; please report it")
    return pdf, proof.pages


def produce(article: Article, record: Record, profile: Profile) -> tuple[bytes, bytes, int]:
    """The checked PDF/A and oai_dc bytes of one article, and the PDF's page count as the
    checker's one parse counted it: pure, so any machine can run it."""
    pdf, pages = _render_counted(article, record, profile)
    xml = oai_dc(record)
    problems = check_oai_dc(xml, record)
    if problems:
        raise CheckFailed("the oai_dc record written does not match the record: " + "; ".join(problems),
                          path=record.path, hint="this is a bug in archivist; please report it")
    return pdf, xml, pages


def store(paths: Paths, article: Article, record: Record, profile: Profile, pdf: bytes, xml: bytes,
          pages: int) -> Built:
    """Store one article's checked bytes, wherever they were made.

    The record goes first and the PDF last: make judges staleness by the PDF, so a
    failure between the two writes leaves an old PDF that the next make rebuilds.
    """
    stem = article.path.stem
    name = archived_as(paths, stem, record)
    target, sidecar = paths.pdf(name), paths.oai_dc(name)
    with _stores_whole():
        _, sha256 = archive_write_all(paths.archive, [(sidecar, xml), (target, pdf)])  # as journaled
        document = catalog.document_for(article, record, target.relative_to(paths.archive).as_posix(),
                                        pages, sha256, profile)
        return Built(stem, target, sha256, pages, len(pdf), (sidecar, target), document)


def build_one(paths: Paths, stem: str, profile: Profile) -> Built:
    """Build, check and store one article's PDF and oai_dc record."""
    article, record = load_inputs(paths, stem)
    pdf, xml, pages = produce(article, record, profile)
    return store(paths, article, record, profile, pdf, xml, pages)


Outcome = Built | ArchivistError


def register(paths: Paths, batch: Sequence[Built], *,
             last: bool = True) -> tuple[list[ArchivistError], list[str]]:
    """Record stored documents in the archive's own indexes; runs in the main process only.

    Called per batch: each call rewrites the manifest and commits the catalog once, so a
    whole build costs a few such updates rather than one per document. A document stored
    but not yet registered when a build dies is caught up from its journal intent.

    The catalog and the manifest are updated independently, so a failure of one (a
    damaged manifest, say) never leaves the other behind. After the ``last`` batch the
    catalog is brought in line with the manifest, whatever an earlier build left; not
    before, when the manifest may already list (from its intent) a document a pool worker
    has stored whose outcome is still on its way to the next batch. Returns the failures,
    for the caller to report after it has finished, and the catalog's repairs.
    """
    failures: list[ArchivistError] = []
    repairs: list[str] = []
    stored = [built for built in batch if built.path.is_file()]  # a 'make clean' may have run since

    def attempt(step: Callable[[], object], what: Path) -> object:
        try:
            return step()
        except ArchivistError as error:
            failures.append(error)
        except Exception as error:  # an OSError, a bug: reported with the rest, never a crash
            failures.append(unexpected(error, what, "updating it"))
        return None

    files = [file for built in stored for file in built.files]
    try:
        # One hold of the lock for both: another build's update in between would leave this
        # one's listing stale, and the catalog brought in line with it would lose a document.
        with archive_lock(paths.archive):
            if stored:
                attempt(lambda: catalog.put(paths.archive, [built.document for built in stored]),
                        paths.archive / catalog.CATALOG_NAME)
            listed = attempt(lambda: manifest.add_files(paths.archive, files),
                             paths.archive / manifest.MANIFEST_NAME)
            if last and isinstance(listed, dict) and not failures:
                found = attempt(lambda: catalog.reconcile(paths.archive, listed),
                                paths.archive / catalog.CATALOG_NAME)
                repairs = found if isinstance(found, list) else []
    except ArchivistError as error:  # the lock itself could not be had
        failures.append(error)
    except Exception as error:  # an OSError of the lock's (no locks on the file system)
        failures.append(unexpected(error, paths.archive, "locking it"))
    return failures, repairs


def build_many(paths: Paths, stems: Sequence[str], profile: Profile, jobs: int) -> Iterator[Outcome]:
    """Build each stem, in a pool when there is more than one: one start-up for the batch.

    First, in this process: clear what killed builds left in the staging folder, and
    refuse (as that article's outcome) each article whose identifier another record of
    the metadata folder also claims.
    """
    stems = yield from admit(paths, stems)
    if jobs <= 1 or len(stems) <= 1:
        for stem in stems:
            yield _safe(build_one, paths, stem, profile)
        return
    # Imported only for a pool: multiprocessing and its sockets cost a one-article build ~40 ms.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from queue import SimpleQueue

    finished: SimpleQueue = SimpleQueue()  # each future once done (or cancelled)
    futures: dict = {}

    def outcome(future) -> Outcome:
        try:
            return future.result()
        except Exception as error:  # a worker that died, a result that cannot travel
            return unexpected(error, paths.article(futures[future]))

    interrupts = _PoolInterrupts(finished)
    taken = None  # the future being handed on
    context = multiprocessing.get_context()  # the default: fork, spawn or forkserver
    with ProcessPoolExecutor(max_workers=min(jobs, len(stems)), mp_context=context,
                             initializer=_worker_started,
                             initargs=(interrupts.heeded(), os.getpid(), context.get_start_method())) as pool:
        try:
            interrupts.install(pool)
            with interrupts.held():
                for stem in stems:
                    if interrupts.heard:
                        break
                    future = pool.submit(_build_in_worker, paths, stem, profile)
                    futures[future] = stem
                    future.add_done_callback(finished.put)
            for _ in futures:
                with interrupts.held():  # a future taken off the queue is never lost to Ctrl-C
                    taken = finished.get()
                handed = outcome(taken)
                taken = None
                yield handed
        except BaseException as stop:  # Ctrl-C, or given up on: the articles not started are not built
            with interrupts.stopping():  # those under way end, each stored whole or not at all
                pool.shutdown(cancel_futures=True)
            interrupts.uninstall()
            if isinstance(stop, KeyboardInterrupt):  # what was built meanwhile is handed on too
                if taken is not None:  # taken from the queue, not yet handed on
                    finished.put(taken)
                while not finished.empty():
                    future = finished.get()
                    if future is not None and not future.cancelled() and future.exception() is None:
                        yield outcome(future)
            raise
        else:
            with interrupts.stopping():
                pool.shutdown()
        finally:
            interrupts.uninstall()


class _PoolInterrupts:
    """Ctrl-C while a pool builds. Raised as KeyboardInterrupt inside the pool's own bookkeeping
    (submitting work, joining its threads), it can leave the pool to hang for ever, and raised as
    the next outcome is taken off the queue, it loses that outcome: there it is ``held`` (a None
    on the queue ends the wait), and raised once that is done; anywhere else it is raised at once, as
    usual, once. Another, while the pool stops, ends its workers (a store is atomic: what they
    were storing is there whole or not at all). Left alone where Ctrl-C is not Python's default
    (ignored, a handler of the caller's) or off the main thread."""

    def __init__(self, finished: SimpleQueue) -> None:
        self.finished = finished  # a None put there ends a wait for the next outcome
        self.pool = None
        self.heard = 0
        self.busy = self.ending = False

    @staticmethod
    def heeded() -> bool:
        """Whether Ctrl-C is Python's own here: the pool's workers heed it only then."""
        return signal.getsignal(signal.SIGINT) is signal.default_int_handler

    def __call__(self, _signal_number: int, _frame: object) -> None:
        self.heard += 1
        if self.heard == 1 and not self.busy:
            raise KeyboardInterrupt
        if not self.ending:
            self.finished.put(None)  # (a signal handler may call SimpleQueue.put)
        elif self.heard > 1:  # (one more, on the way to stopping, is let go)
            for worker in list((getattr(self.pool, "_processes", None) or {}).values()):
                worker.terminate()

    def install(self, pool) -> None:
        if threading.current_thread() is threading.main_thread() and self.heeded():
            self.pool = pool
            signal.signal(signal.SIGINT, self)

    def uninstall(self) -> None:
        if self.pool is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.default_int_handler)
            self.pool = None

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self.busy = True
        try:
            yield
        finally:
            self.busy = False
        if self.heard:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def stopping(self) -> Iterator[None]:
        self.busy = self.ending = True
        try:
            yield
        finally:
            self.busy = self.ending = False


_HEEDS_INTERRUPTS = False  # in a pool worker: whether the build that runs it heeds Ctrl-C


def _worker_started(heeds_interrupts: bool, build: int, start_method: str) -> None:
    """A pool worker heeds Ctrl-C (the terminal signals every process of the group) only while
    it builds an article, and only when the build that runs it does: interrupted in the pool's
    plumbing, it could die holding the queue every other worker waits for. It ends with the
    build process ``build`` (``_ends_with``)."""
    global _HEEDS_INTERRUPTS
    _HEEDS_INTERRUPTS = heeds_interrupts
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_ends_with, args=(build, start_method), daemon=True,
                     name="archivist-ends-with-build").start()


def _ends_with(build: int, start_method: str) -> None:
    """Kill this worker once ``build`` has ended, however it ended: a build killed on its own
    (kill -9, the OOM killer) would leave its workers waiting for ever on a queue nobody
    writes, holding the builds' mark, so that clean refuses until someone finds and kills
    them. A store under way when it comes is atomic, and its journal intent is applied by
    the next command. A forked worker looks at its parent once a second (its siblings hold
    the pipe multiprocessing keeps to the build); a spawned one, or one of a fork server,
    whose parent is the server, waits on that pipe, which closes when the build ends."""
    if start_method == "fork":
        while os.getppid() == build:
            time.sleep(1)
    else:
        import multiprocessing.connection

        parent = multiprocessing.parent_process()
        if parent is None:  # not started by multiprocessing: nothing to watch
            return
        multiprocessing.connection.wait([parent.sentinel])
    os.kill(os.getpid(), signal.SIGKILL)


def _build_in_worker(paths: Paths, stem: str, profile: Profile) -> Outcome:
    """One article's outcome in a pool worker: stopped by Ctrl-C (which comes back as the
    KeyboardInterrupt) while the article is read, typeset and checked, never while it is
    stored (``_stores_whole``), when the build that runs the worker heeds Ctrl-C."""
    with _ctrl_c(signal.default_int_handler):
        return _safe(build_one, paths, stem, profile)


def _stores_whole() -> contextlib.AbstractContextManager:
    """In a pool worker heeding Ctrl-C, a store begun ends: the article comes back built, to be
    registered, rather than stored and reported as interrupted."""
    return _ctrl_c(signal.SIG_IGN)


@contextlib.contextmanager
def _ctrl_c(handler: Callable | int) -> Iterator[None]:
    """SIGINT handled by ``handler`` for the duration, in a pool worker heeding Ctrl-C; as it
    was before everywhere else."""
    if not _HEEDS_INTERRUPTS:
        yield
        return
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def admit(paths: Paths, stems: Sequence[str]) -> Generator[ArchivistError, None, list[str]]:
    """Clear what killed builds left in the staging folder; yield a refusal for each article
    whose identifier another record of the metadata folder also claims; return the others."""
    sweep_staging(paths.archive)
    shared = shared_identifiers(paths.metadata, [paths.record(stem) for stem in stems], paths.archive)
    yield from (shared[paths.record(stem)] for stem in stems if paths.record(stem) in shared)
    return [stem for stem in stems if paths.record(stem) not in shared]


def _safe(function: Callable[..., Built], paths: Paths, stem: str, profile: Profile) -> Outcome:
    """One article's outcome: whatever goes wrong with it is its failure, never the batch's."""
    try:
        return function(paths, stem, profile)
    except ArchivistError as error:
        return error
    except Exception as error:  # a bug or an odd input must not stop the others
        return unexpected(error, paths.article(stem))


def unexpected(error: BaseException, where: Path, doing: str = "building it") -> ArchivistError:
    """An exception nobody foresaw, as a failure naming the file it concerns and what happened."""
    return ArchivistError(f"internal error while {doing}: {error!r}", path=where,
                          hint="this is a bug in archivist; please report it with this line")
