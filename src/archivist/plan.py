"""make's plan: the PDF of every article, as a makefile that make includes.

Make must know every PDF it keeps up to date without opening an article or a record on
a run where nothing changed, yet an article whose name does not start with a date is
archived under a name taken from its record's date (``store.archive_name``). So
``archivist plan`` writes once what make needs: each PDF and the files it is made from.
The Makefile includes the plan and has it written again only when the seeds or metadata
folder gains or loses a file, the code changes, a record that decides a name (that of
an article whose own name has no date) changes, or an article or record changed since the
plan was written (its inode's change time: see ``changed_since_built``). A no-op make reads the plan
and the files' times, nothing else.

Only names that make and the shell carry as they are reach the plan (``store.check_stem``).
An article with any other name is refused on its own: its message is kept beside the plan
(``PLAN.refused``), and make prints it on every run until the file is renamed. An article
whose PDF cannot be named yet (no record, no readable date, or a name another article
would be archived under too) is *unplanned*: make hands it to every build, which says
why it fails. The date is read the fast way (``identifiers.fast_scalar``) and composed
when that cannot tell; should the fast reading ever misread a record, the build, which
composes every record, still stores the PDF where it belongs, and make only rebuilds it.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from .archive import read_profile
from .article import MAX_ARTICLE_BYTES
from .errors import ArchivistError
from .identifiers import inputs_digest, record_facts
from .inputfile import open_regular, read_regular
from .paths import Paths
from .profile import DEFAULT_PROFILE
from .record import MAX_RECORD_BYTES
from .store import archive_name, atomic_write, check_stem, leading_date


@dataclass
class Plan:
    planned: dict[str, str] = field(default_factory=dict)  # stem -> archive name
    unplanned: list[str] = field(default_factory=list)
    refused: list[ArchivistError] = field(default_factory=list)
    deciding: list[str] = field(default_factory=list)  # stems whose record's date names their PDF
    records: set[str] = field(default_factory=set)  # the metadata folder's names that exist
    replaced: list[str] = field(default_factory=list)  # planned stems whose PDF predates their files
    started: int = 0  # when the folders were first looked at (ns since the epoch)
    folders: str = ""  # the seeds and metadata folders' identities (``_identities``)


def make_plan(paths: Paths, previous: Path | None = None) -> Plan:
    """The plan of ``paths``; ``previous``, the plan it replaces, tells whether the seeds or
    metadata folder is still the one that plan saw (``changed_since_built``)."""
    paths.require_seeds()
    plan = Plan(started=time.time_ns(), folders=_identities(paths))
    facts = record_facts(paths.metadata, paths.archive) if paths.metadata.is_dir() else {}
    plan.records = _existing(paths.metadata)
    named: dict[str, list[str]] = {}  # archive name -> the stems it would hold
    for entry in sorted(os.listdir(paths.seeds)):
        if not entry.endswith(".txt") or entry.startswith("."):  # as Paths.stems() sees them
            continue
        stem = entry.removesuffix(".txt")
        try:
            check_stem(stem, paths.seeds / entry)
        except ArchivistError as error:
            plan.refused.append(error)
            continue
        if leading_date(stem) is None:
            plan.deciding.append(stem)
            known = facts.get(f"{stem}.yaml")
            date = known.date if known is not None else None
            if date is None:
                plan.unplanned.append(stem)
                continue
            named.setdefault(archive_name(stem, date), []).append(stem)
        else:
            named.setdefault(stem, []).append(stem)
    for name, stems in sorted(named.items()):
        if len(stems) == 1:
            plan.planned[stems[0]] = name
        else:  # each build refuses them, naming the other
            plan.unplanned += stems
    plan.replaced = changed_since_built(paths, plan, every=_folders_seen(previous) != plan.folders)
    return plan


def _identities(paths: Paths) -> str:
    """The seeds and metadata folders as the file system knows them (device and inode), links
    followed: another folder moved into a name, or a link turned to another, is another."""
    found = []
    for folder in (paths.seeds, paths.metadata):
        try:
            status = os.stat(folder)
            found.append(f"{status.st_dev}:{status.st_ino}")
        except OSError:
            found.append("none")
    return " ".join(found)


_FOLDERS_LINE = re.compile(rb"^PLAN_FOLDERS := ([0-9:]+|none) ([0-9:]+|none)$", re.MULTILINE)


def _folders_seen(previous: Path | None) -> str | None:
    """The folders the ``previous`` plan was made from; None when there is none to read."""
    try:
        found = _FOLDERS_LINE.search(read_regular(previous, 4096)) if previous else None
    except OSError:
        return None
    return found and f"{found[1].decode()} {found[2].decode()}"


def changed_since_built(paths: Paths, plan: Plan, *, every: bool = False) -> list[str]:
    """The planned articles whose article or record changed after their PDF was made,
    whatever the files' modification times say.

    A copy that keeps an older time (rsync -a, cp -p, a tar, mv of an older file) looks up
    to date to make, which compares modification times; its inode's change time (ctime),
    which no copying tool sets back, says that it was written after the PDF. Such a file
    may hold the bytes it held (a whole project restored from a backup, a change of owner):
    the PDF's /ID, the digest of the inputs it was made from, tells. A change within the
    PDF's clock tick counts as after it. With ``every`` (a folder that is not the one the
    last plan saw: filled before the last build, then moved or linked into place), the
    digest is asked of every article, whatever its times.
    """
    profile = _recorded_profile(paths.archive)
    found = []
    for stem, name in plan.planned.items():
        pdf = paths.pdf(name)
        try:
            made = os.stat(pdf).st_mtime_ns
        except OSError:  # no PDF yet: make builds it anyway
            continue
        inputs = [paths.article(stem)]
        if f"{stem}.yaml" in plan.records:
            inputs.append(paths.record(stem))
        changed = any(_changed(path) >= made for path in inputs)
        if len(inputs) == 2 and profile and (changed or every):
            changed = not _made_from(pdf, inputs, profile)
        if changed:
            found.append(stem)
    return found


def _changed(path: Path) -> int:
    """When ``path``'s inode last changed (ns); 0 when it is gone: its build says so."""
    try:
        return os.stat(path).st_ctime_ns
    except OSError:
        return 0


def _recorded_profile(archive: Path) -> str:
    """The name of the profile the archive's PDFs are made in (the default where it records
    none, as a build takes it); '' when it cannot be read: every changed file is then rebuilt."""
    try:
        return str(read_profile(archive) or DEFAULT_PROFILE)
    except ArchivistError:
        return ""


# A PDF's last /ID: in the trailer before 'startxref' (a cross-reference table, PDF/A-1), or
# in the dictionary of the cross-reference stream 'startxref' points at.
_TAIL = 2048
_STARTXREF = re.compile(rb"startxref\s+(\d{1,15})\s+%%EOF\s*$")
_FILE_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]{32})>")


def _made_from(pdf: Path, inputs: list[Path], profile: str) -> bool:
    """Whether ``pdf``'s /ID is the digest of ``inputs`` (article, record) in ``profile``, read
    from the file's last trailer or cross-reference dictionary, never by parsing the file."""
    try:
        fd = open_regular(pdf)  # the archive may hold anything: a FIFO would never answer
        try:
            tail = os.pread(fd, _TAIL, max(os.fstat(fd).st_size - _TAIL, 0))
            found = _STARTXREF.search(tail)
            ids = [*_FILE_ID.finditer(tail)]
            file_id = ids[-1] if ids else found and _FILE_ID.search(os.pread(fd, 1024, int(found[1])))
        finally:
            os.close(fd)
        if not (found and file_id):
            return False
        article = read_regular(inputs[0], MAX_ARTICLE_BYTES)
        record = read_regular(inputs[1], MAX_RECORD_BYTES)
    except OSError:
        return False
    return file_id[1].decode().lower() == inputs_digest(article, record, profile)[:16].hex()


def _existing(folder: Path) -> set[str]:
    """The names in ``folder`` that exist for make: a link to nothing does not, since make
    would take such a prerequisite for one always out of date and write the plan again and
    again. One listing of the folder, not a look-up per record."""
    try:
        with os.scandir(folder) as entries:
            return {entry.name for entry in entries if not entry.is_symlink() or os.path.exists(entry.path)}
    except (FileNotFoundError, NotADirectoryError):
        return set()


def _assign(text: str) -> str:
    return text.replace("$", "$$").replace("#", r"\#")


def write_plan(plan: Plan, paths: Paths, out: Path) -> None:
    """The makefile make includes (see the Makefile), and beside it the refused articles'
    messages and the mark that the replaced articles' PDFs are older than (``changed_since_built``)."""
    def pdf(name: str, suffix: str = ".pdf") -> str:
        return f"$(ARCHIVE)/{name[:4]}/{name}{suffix}"

    def record(stem: str) -> str:
        return f" $(METADATA)/{stem}.yaml" if f"{stem}.yaml" in plan.records else ""

    stems = sorted([*plan.planned, *plan.unplanned])
    replaced = set(plan.replaced)
    lines = [
        "# Written by 'archivist plan' for make: every article's PDF and the files it is made from.",
        f"PLAN_INPUTS := {_assign(str(paths.seeds))} {_assign(str(paths.metadata))}",
        f"PLAN_FOLDERS := {plan.folders}",
        f"STEMS := {' '.join(stems)}",
        f"UNPLANNED := {' '.join(plan.unplanned)}",
        f"REFUSED := {len(plan.refused) or ''}",
        f"PDFS := {' '.join(pdf(name) for name in plan.planned.values())}",
        f"XMLS := {' '.join(pdf(name, '.xml') for name in plan.planned.values())}",
        "$(PLAN):" + "".join(record(stem) for stem in plan.deciding),
        *(f"{pdf(name)} {pdf(name, '.xml')}: $(SEEDS)/{stem}.txt{record(stem)}"
          + (" $(PLAN).replaced" if stem in replaced else "") for stem, name in plan.planned.items()),
    ]
    refused = out.with_name(out.name + ".refused")
    if plan.refused:
        atomic_write(refused, "".join(f"archivist: {error}\n" for error in plan.refused).encode())
    else:
        refused.unlink(missing_ok=True)
    # Written now, the mark is newer than every PDF made before its files changed, and older
    # than the PDF each next build makes: make rebuilds a replaced article once.
    mark = out.with_name(out.name + ".replaced")
    if replaced:
        atomic_write(mark, b"")
    else:
        mark.unlink(missing_ok=True)
    atomic_write(out, ("\n".join(lines) + "\n").encode())
    if plan.started:
        # Dated from before the folders were looked at (less a file-system clock tick), so that
        # a file written meanwhile is newer than the plan, and make's next run writes it again.
        dated = plan.started - _CLOCK_TICK
        os.utime(out, ns=(dated, dated))


_CLOCK_TICK = 20_000_000  # ns: what a file's time may lag behind the clock (the kernel's coarse clock)
