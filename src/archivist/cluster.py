"""A batch built on a Dask cluster: the workers typeset, make PDF/A and check; this process
reads the inputs, ships their bytes, and stores what comes back exactly as a local build does.

The archive keeps one writer. Workers need no access to the seeds, the records or the
archive: a task carries an article's and a record's bytes and returns the checked PDF and
oai_dc bytes. Before any work is sent, every worker's fingerprint (``archivist.fingerprint``:
archivist's code and version, the pinned dependencies, fonts, ICC profile and the
environment the writer reads) is compared with this machine's; a worker that differs is
refused, because its PDFs would not be the ones a local build makes.

Failure is normal on a cluster. Dask reruns the task of a worker that dies; an article
whose workers die again and again (``KilledWorker``) fails on its own and the batch goes
on; the client stores each article once, whichever run of its task answered. A scheduler
that cannot be reached, or that has no worker that matches, is a ``ClusterError`` naming
its address after ``timeout`` seconds at most.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .article import Article, parse_article
from .build import Outcome, Paths, admit, load_inputs, page_count, produce, store
from .errors import ArchivistError, ClusterError, ToolMissing
from .fingerprint import differences, fingerprint
from .profile import Profile
from .record import Record, parse_record

if TYPE_CHECKING:
    from distributed import Client, Future

DEFAULT_TIMEOUT = 30.0  # seconds to reach the scheduler, to see a worker, or to get one back
POLL_SECONDS = 1.0  # how long the client waits for a result before it looks at the workers
LOOK_SECONDS = 5.0  # and how often it looks while results keep coming: workers join and leave
TASKS_PER_THREAD = 2  # in flight: enough to keep every worker busy, few enough to bound memory
START_WORKERS = ("on each machine, start workers with 'dask worker {address} --nthreads 1' from an "
                 "archivist installation like this one")
SAME_EVERYWHERE = ("install the same archivist version and requirements.lock on every worker, and give "
                   "them the same SOURCE_DATE_EPOCH as this build, or none")


@dataclass(frozen=True)
class Job:
    """What a worker needs for one article: bytes and names, no access to any folder."""

    stem: str
    article_path: str  # for messages and the PDF/A-3 attachment's name
    article_raw: bytes
    record_path: str
    record_raw: bytes
    profile: str
    expected: dict[str, str]  # the client's fingerprint


@dataclass(frozen=True)
class Made:
    """A worker's answer: checked bytes, and their checksums to prove they arrived whole."""

    stem: str
    pdf: bytes
    xml: bytes
    pages: int
    pdf_sha256: str
    xml_sha256: str
    worker: str


class WorkerMismatch(ClusterError):
    """A worker whose fingerprint differs from the client's."""


_one_at_a_time = threading.Lock()  # reportlab keeps global state: one article per worker process


def make_remote(job: Job) -> Made | ArchivistError:
    """Run on a worker: parse the shipped bytes, typeset, make PDF/A, check; store nothing."""
    from distributed import get_worker

    address = get_worker().address
    problems = differences(job.expected, fingerprint(), where=f"on {address}")
    if problems:
        return WorkerMismatch(f"worker {address} differs from this machine: " + "; ".join(problems),
                              hint=SAME_EVERYWHERE)
    try:
        with _one_at_a_time:
            article = parse_article(job.article_raw, Path(job.article_path))
            record = parse_record(job.record_raw, Path(job.record_path), article.date)
            pdf, xml = produce(article, record, Profile.parse(job.profile))
            pages = page_count(pdf)
    except ArchivistError as error:
        return error
    return Made(job.stem, pdf, xml, pages, _sha256(pdf), _sha256(xml), address)


def build_on_cluster(paths: Paths, stems: Sequence[str], profile: Profile, address: str,
                     timeout: float = DEFAULT_TIMEOUT,
                     notify: Callable[[str], None] = lambda message: None) -> Iterator[Outcome]:
    """Build each stem on the cluster whose scheduler is at ``address``; yield each outcome
    as ``build_many`` does, each article's files stored (once) before its outcome is yielded."""
    try:
        import distributed
    except ImportError:
        raise ToolMissing("building on a cluster needs Dask's distributed, which is not installed",
                          hint="'make SCHEDULER=...' installs it into .venv; or run "
                          "'pip install -r requirements-cluster.lock'") from None
    stems = yield from admit(paths, stems)
    if not stems:
        return
    _quiet(distributed)
    client = _connect(distributed, address, timeout)
    try:
        workers = _Workers(client, address, fingerprint(), notify)
        workers.admit_new()
        if not workers.good:
            raise ClusterError(f"no worker of the Dask cluster at {address} matches this machine: "
                               + "; ".join(workers.refusals), hint=SAME_EVERYWHERE)
        yield from _Batch(distributed, client, workers, paths, profile, timeout).run(stems)
    except (OSError, CancelledError):  # the scheduler, lost for longer than Dask retries
        raise lost_scheduler(address) from None
    finally:
        client.close(timeout=min(timeout, 10))


def lost_scheduler(address: str) -> ClusterError:
    return ClusterError(f"lost the Dask scheduler at {address}: the articles stored so far are kept, the "
                        "others were not built", hint="run the build again when the scheduler is back")


def _quiet(distributed: Any) -> None:
    """Dask logs what goes wrong with tracebacks; here each problem becomes one message instead."""
    for name in [name for name in logging.root.manager.loggerDict if name.startswith("distributed")]:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _connect(distributed: Any, address: str, timeout: float) -> Client:
    try:
        client = distributed.Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(f"cannot reach the Dask scheduler at {address} within {timeout:g} s: {error}",
                           hint="start it with 'dask scheduler' on that machine, and check the address, "
                           "the port and that no firewall is in the way") from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError) as error:
        client.close(timeout=min(timeout, 10))
        if isinstance(error, TimeoutError):
            raise ClusterError(f"the Dask scheduler at {address} has no worker after {timeout:g} s",
                               hint=START_WORKERS.format(address=address)) from None
        raise lost_scheduler(address) from None
    return client


class _Workers:
    """The workers this build may use: those seen alive whose fingerprint matches."""

    def __init__(self, client: Client, address: str, here: dict[str, str],
                 notify: Callable[[str], None]) -> None:
        self.client, self.address, self.here, self.notify = client, address, here, notify
        self.good: set[str] = set()
        self.refused: set[str] = set()
        self.refusals: list[str] = []
        self.told = 0  # refusals already passed to notify

    def alive(self) -> set[str]:
        try:
            return set(self.client.nthreads())
        except (OSError, TimeoutError):
            raise lost_scheduler(self.address) from None

    def admit_new(self) -> None:
        """Check the fingerprint of every worker not seen before; forget those gone."""
        alive = self.alive()
        new = sorted(alive - self.good - self.refused)
        if new:
            try:
                answers = self.client.run(fingerprint, workers=new, on_error="return")
            except (OSError, TimeoutError, KeyError, ValueError):  # one left meanwhile: ask again next time
                answers = {}
            for worker, theirs in answers.items():
                problems = ([f"archivist cannot run there: {theirs!r}"] if isinstance(theirs, BaseException)
                            else differences(self.here, theirs, where="there"))
                if problems:
                    self.refused.add(worker)
                    self.refusals.append(f"worker {worker}, which differs: " + "; ".join(problems))
                else:
                    self.good.add(worker)
        if self.good:  # else the caller's error names every refusal
            for refusal in self.refusals[self.told:]:
                self.notify(f"refusing {refusal} ({SAME_EVERYWHERE})")
            self.told = len(self.refusals)
        self.good &= alive

    def threads(self) -> int:
        return sum(self.client.nthreads(workers=sorted(self.good)).values()) if self.good else 1


@dataclass
class _Task:
    stem: str
    article: Article
    record: Record
    job: Job
    allowed: frozenset[str]


class _Batch:
    """A window of tasks in flight, topped up as results are stored."""

    def __init__(self, distributed: Any, client: Client, workers: _Workers, paths: Paths,
                 profile: Profile, timeout: float) -> None:
        self.distributed, self.client, self.workers = distributed, client, workers
        self.paths, self.profile, self.timeout = paths, profile, timeout
        self.in_flight: dict[Future, _Task] = {}
        self.alone_since: float | None = None
        self.looked = time.monotonic()  # when the workers were last looked at

    def run(self, stems: Sequence[str]) -> Iterator[Outcome]:
        waiting = iter(stems)
        self.window = TASKS_PER_THREAD * self.workers.threads()
        while True:
            while len(self.in_flight) < self.window and (stem := next(waiting, None)) is not None:
                try:
                    self._submit(self._task(stem))
                except ArchivistError as error:  # unreadable article or record: as a local build says
                    yield error
            if not self.in_flight:
                return
            if time.monotonic() - self.looked > LOOK_SECONDS:
                self._look_after_workers()
            try:
                done, _ = self.distributed.wait(list(self.in_flight), timeout=POLL_SECONDS,
                                                return_when="FIRST_COMPLETED")
            except TimeoutError:
                self._look_after_workers()
                continue
            for future in done:
                yield self._receive(future, self.in_flight.pop(future))

    def _task(self, stem: str) -> _Task:
        article, record = load_inputs(self.paths, stem)
        job = Job(stem, str(article.path), article.raw, str(record.path), record.raw, self.profile.name,
                  self.workers.here)
        return _Task(stem, article, record, job, frozenset())

    def _submit(self, task: _Task) -> None:
        task.allowed = frozenset(self.workers.good)
        key = f"archivist-{task.stem}-{secrets.token_hex(4)}"
        future = self.client.submit(make_remote, task.job, key=key, workers=sorted(task.allowed), pure=False)
        self.in_flight[future] = task

    def _look_after_workers(self) -> None:
        """Admit workers that joined; give the tasks of workers that all left to the others;
        fail when no worker has been left for ``timeout`` seconds."""
        self.looked = time.monotonic()
        self.workers.admit_new()
        if not self.workers.good:
            self.alone_since = self.alone_since or time.monotonic()
            if time.monotonic() - self.alone_since > self.timeout:
                raise ClusterError(
                    f"no matching worker left on the Dask cluster at {self.workers.address} for "
                    f"{self.timeout:g} s: the articles stored so far are kept, the others were not built",
                    hint=START_WORKERS.format(address=self.workers.address) + "; then run the build again")
            return
        self.alone_since = None
        self.window = TASKS_PER_THREAD * self.workers.threads()
        for future, task in list(self.in_flight.items()):
            if not task.allowed & self.workers.good:
                del self.in_flight[future]
                future.cancel()
                self._submit(task)

    def _receive(self, future: Future, task: _Task) -> Outcome:
        where = Path(task.job.article_path)
        try:
            made = future.result()
        except self.distributed.KilledWorker:
            return ArchivistError("every worker that built it died; left out so that the rest can go on",
                                  path=where, hint=f"build it alone with 'archivist build {task.stem}'")
        except (CancelledError, OSError):
            raise  # the scheduler is gone: build_on_cluster says so
        except Exception as error:  # a fault on the worker: this article fails, the others go on
            return ArchivistError(f"failed on a worker: {error!r}", path=where,
                                  hint="this is a bug in archivist or the worker's set-up; please report it")
        if isinstance(made, WorkerMismatch):
            raise made  # a worker replaced by another under the same address
        if isinstance(made, ArchivistError):
            return made
        if (made.stem != task.stem or _sha256(made.pdf) != made.pdf_sha256
                or _sha256(made.xml) != made.xml_sha256):
            return ClusterError(f"the bytes from worker {made.worker} do not match their checksums",
                                path=where, hint="run the build again; check the network")
        try:
            return store(self.paths, task.article, task.record, self.profile, made.pdf, made.xml, made.pages)
        except ArchivistError as error:
            return error


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

