"""The command line: the one place where exceptions become messages and exit codes."""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import json
import os
import sys
import time
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from . import __version__
from .errors import ArchivistError, BatchFailed, CheckFailed, ExitCode, UsageError, WouldOverwrite
from .profile import ALL_PROFILES, DEFAULT_PROFILE, Profile

if TYPE_CHECKING:  # the commands import what they need when they run: start-up stays short
    from .catalog import Document, Filters
    from .paths import Paths

EXIT_CODES = "exit codes:\n" + "".join(f"{code.value:>3}  {code.meaning}\n" for code in ExitCode)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _route_library_warnings(args.verbose)
    from . import store

    caller_notice, store.lock_wait_notice = store.lock_wait_notice, _say_waiting
    try:
        return args.run(args)
    except BrokenPipeError:  # the reader went away (list --json | head): end quietly
        _silence_stdout()
        return 0
    except ArchivistError as error:
        if args.verbose:
            import traceback

            traceback.print_exc()
        print(f"archivist: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("archivist: interrupted; the archive holds only complete files", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except Exception as error:
        if args.verbose:
            raise
        print(f"archivist: internal error: {error!r} (run with -v for details)", file=sys.stderr)
        return ExitCode.INTERNAL
    finally:
        store.lock_wait_notice = caller_notice  # the notice is the command's own


def _route_library_warnings(verbose: bool) -> None:
    """pypdf logs what it repairs in a damaged file; those lines carry archivist's prefix, with -v only.

    Without -v the damage is reported once, in archivist's own words, by the command
    that met it; pypdf's bare lines would only be noise around that message.
    """
    import logging

    logger = logging.getLogger("pypdf")
    logger.propagate = False
    logger.handlers.clear()
    if verbose:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("archivist: pypdf: %(message)s"))
        logger.addHandler(handler)
    else:
        logger.addHandler(logging.NullHandler())


def _say_waiting(archive: Path) -> None:
    """Why nothing happens: another process holds the archive's lock (``store.lock_wait_notice``)."""
    below_progress = "\n" if sys.stderr.isatty() else ""  # a progress line stays whole above it
    print(f"{below_progress}archivist: waiting for {archive}: another archivist process is writing "
          "to it (a build, a clean, a catalog rebuild); this one goes on when it is done",
          file=sys.stderr, flush=True)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit raises nothing more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error on one line (exit 2) instead of the usage text and the error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="archivist",
        description="Put news articles into long-term archival storage as PDF/A with Dublin Core.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"archivist {__version__}")
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    base = argparse.ArgumentParser(add_help=False)
    base.add_argument("-v", "--verbose", action="store_true", help="show tracebacks")
    located = argparse.ArgumentParser(add_help=False, parents=[base])
    located.add_argument("--archive", type=_folder, default=Path("archive"),
                         help="the archive folder (default: archive)")
    metadata = argparse.ArgumentParser(add_help=False)
    metadata.add_argument("--metadata", type=_folder, default=Path("metadata"),
                          help="folder of Dublin Core records, STEM.yaml (default: metadata)")
    seeded = argparse.ArgumentParser(add_help=False, parents=[located, metadata])
    seeded.add_argument("--seeds", type=_folder, default=Path("seeds"),
                        help="folder of articles, STEM.txt (default: seeds)")
    common = argparse.ArgumentParser(add_help=False, parents=[seeded])
    common.add_argument("--profile", type=_profile, default=None,
                        help="PDF/A flavour: " + ", ".join(p.name for p in ALL_PROFILES)
                        + " (default: the one the archive records in archivist-profile.txt; "
                        f"{DEFAULT_PROFILE} for a new archive)")

    build = sub.add_parser(
        "build", parents=[common], help="typeset articles into checked PDF/A files",
        description="Build ARCHIVE/YYYY/NAME.pdf for each article (all of SEEDS when none is "
        "named): NAME is STEM when STEM starts with a date, else the record's year and month, "
        "a dash and STEM. Each PDF is checked before it is stored, and stored atomically.",
    )
    build.add_argument("articles", nargs="*",
                       help="articles of --seeds, by name (x) or file (x.txt, SEEDS/x.txt)")
    build.add_argument("--list", type=Path, help="a file naming one article per line (or by spaces)")
    build.add_argument("-j", "--jobs", type=_count(1), default=os.cpu_count() or 1,
                       help="worker processes (default: one per core)")
    build.add_argument("--change-profile", action="store_true",
                       help="rebuild the whole archive in --profile, which it then records; without "
                       "it, a --profile other than the archive's is refused")
    build.add_argument("--scheduler", metavar="ADDRESS",
                       help="build on the Dask cluster whose scheduler is at ADDRESS "
                       "(tcp://HOST:PORT or tls://HOST:PORT) instead of local processes")
    build.add_argument("--cluster-timeout", type=float, default=30.0, metavar="SECONDS",
                       help="with --scheduler: how long to wait for the scheduler or a worker "
                       "before giving up (default: 30)")
    build.add_argument("--total", type=_count(0), metavar="N",
                       help="how many articles the caller considered (make passes all of them), "
                       "so that the summary counts the ones left unchanged")
    build.set_defaults(run=_build)

    plan = sub.add_parser(
        "plan", parents=[seeded], help="write make's plan: every article's PDF (the Makefile runs it)",
        description="Write OUT, a makefile naming the PDF of every article of SEEDS and the files "
        "it is made from, which the Makefile includes; OUT.refused holds the message of each "
        "article whose name is refused.",
    )
    plan.add_argument("--out", type=Path, required=True, help="the makefile to write")
    plan.set_defaults(run=_plan)

    check = sub.add_parser(
        "check", parents=[common], help="prove archived PDFs match their article and record",
        description="Reopen each PDF with pypdf and verify the PDF/A claim, every Dublin Core "
        "element, Info against XMP, fonts, output intent, forbidden features and the text.",
    )
    check.add_argument("pdfs", nargs="*", type=Path, help="PDFs (default: every PDF in the archive)")
    check.set_defaults(run=_check)

    validate = sub.add_parser(
        "validate", parents=[common], help="run veraPDF, the reference PDF/A validator",
        description="Validate PDFs with veraPDF (one JVM for the batch) against --profile.",
    )
    validate.add_argument("pdfs", nargs="*", type=Path, help="PDFs (default: every PDF in the archive)")
    validate.set_defaults(run=_validate)

    verify = sub.add_parser(
        "verify", parents=[located], help="re-hash the archive against its fixity manifest",
        description="Re-hash every file of the archive and compare it with manifest-sha256.txt: "
        "report each missing, altered and unexpected file and each damaged manifest line.",
    )
    verify.set_defaults(run=_verify)

    clean = sub.add_parser(
        "clean", parents=[located], help="remove every file archivist wrote into the archive",
        description="Remove the files the archive's manifest lists, its catalog, manifest and "
        "profile file (archivist-profile.txt), and the year folders left empty; print each "
        "file removed. Anything else is kept and named. A folder that is not an archivist archive "
        "(it has no profile file) is refused and nothing is removed.",
    )
    clean.add_argument("--dry-run", action="store_true", help="print what would be removed; remove nothing")
    clean.set_defaults(run=_clean)

    new = sub.add_parser(
        "new", parents=[base], help="write a record to fill in for a new article",
        description="Write METADATA/STEM.yaml for the article, pre-filled with what the text tells "
        "(date from its header, language detected from its words, type, format, identifier). "
        "What a person must decide says FILL IN; make refuses to build the article until every "
        "one is replaced, and names them.",
    )
    new.add_argument("article", type=Path, help="the article, e.g. seeds/2021-07-some-slug.txt")
    new.add_argument("--metadata", type=_folder, help="folder of Dublin Core records (default: the "
                     "metadata folder beside the article's folder: metadata/ for seeds/STEM.txt)")
    new.add_argument("--force", action="store_true", help="replace an existing record")
    new.set_defaults(run=_new)

    extract = sub.add_parser(
        "extract", parents=[base], help="write out the article and record a PDF/A-3 carries",
        description="Write every file embedded in PDF (a PDF/A-3 build carries its article and "
        "its record) into DIR, byte for byte, and print the sha256 of each, as sha256sum does.",
    )
    extract.add_argument("pdf", type=Path, metavar="PDF")
    extract.add_argument("folder", type=_folder_to_write, metavar="DIR")
    extract.add_argument("--force", action="store_true", help="overwrite files in DIR that differ")
    extract.set_defaults(run=_extract)

    catalog = sub.add_parser(
        "catalog", parents=[located], help="count, or rebuild, the archive's catalog",
        description="The catalog (ARCHIVE/catalog.sqlite) is an index that build keeps up to "
        "date. --rebuild makes it again from the archived PDFs alone.",
    )
    catalog.add_argument("--rebuild", action="store_true", help="rebuild it from the PDFs")
    catalog.set_defaults(run=_catalog)

    filters = argparse.ArgumentParser(add_help=False, parents=[located])
    filters.add_argument("--from", dest="date_from", type=_day, metavar="DATE",
                         help="only documents dated on or after DATE (2021, 2021-07 or 2021-07-16)")
    filters.add_argument("--to", dest="date_to", type=_day, metavar="DATE",
                         help="only documents dated on or before DATE")
    filters.add_argument("--language", metavar="TAG", help="only documents in this language (fr, en...)")
    filters.add_argument("--subject", metavar="TEXT", help="only documents with this subject")
    filters.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing = sub.add_parser("list", parents=[filters], help="list catalogued documents by date",
                             description="List the archive's documents in date order.")
    listing.set_defaults(run=_list)
    search = sub.add_parser(
        "search", parents=[filters], help="full-text search of the catalog",
        description="Documents whose title, description, subjects or text hold every word of "
        "QUERY (accents optional; word* matches a prefix), best match first.",
    )
    search.add_argument("query", nargs="+", metavar="QUERY")
    search.set_defaults(run=_search)
    return parser


def _count(least: int):
    def count(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = least - 1
        if value < least:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least {least}")
        return value

    return count


def _profile(text: str) -> Profile:
    try:
        return Profile.parse(text)
    except ArchivistError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _folder(text: str, example: str = "archive") -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError(f"an empty name is no folder (name one, e.g. {example})")
    return Path(text)


def _folder_to_write(text: str) -> Path:
    return _folder(text, "'.' for this one")


def _day(text: str) -> str:
    from .w3cdate import check_w3c_date

    problem = check_w3c_date(text)
    if problem or len(text) > 10:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2021, 2021-07 or 2021-07-16")
    return text


def _paths(args: argparse.Namespace):
    from .paths import Paths

    return Paths(args.seeds, args.metadata, args.archive)


# The most a --list file may hold: the names of a million articles of sixty characters.
MAX_LIST_BYTES = 64 << 20


def _stems(args: argparse.Namespace, paths) -> list[str]:
    names = list(args.articles)
    if args.list:
        try:
            with open(args.list, "rb") as file:  # a pipe is a list too: bash's --list <(...)
                listed = file.read(MAX_LIST_BYTES + 1)  # a device such as /dev/zero has no end
            if len(listed) > MAX_LIST_BYTES:
                raise UsageError(f"the --list file holds more than {MAX_LIST_BYTES >> 20} MiB",
                                 path=args.list, hint="split it, one --list file per build")
            names += listed.decode("utf-8").split()
        except (OSError, UnicodeDecodeError) as error:
            why = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
            raise UsageError(f"cannot read the --list file: {why}", path=args.list,
                             hint="give a file naming one article per line") from None
    if not names and not args.list:
        names = paths.stems()
    return list(dict.fromkeys(_stem_named(name, paths.seeds) for name in names))


def _stem_named(name: str, seeds: Path) -> str:
    """The article a command-line name means: 'x', 'x.txt' and 'SEEDS/x.txt' name seeds/x.txt;
    a .txt file in any other folder is refused, since archivist builds the articles of --seeds."""
    if not name.endswith(".txt") or "/" not in name:
        return name.removesuffix(".txt")
    given = Path(name)
    if given.parent.resolve() != seeds.resolve():
        raise UsageError(f"{name} is not in the seeds folder {seeds}",
                         hint="archivist builds the articles of --seeds: copy it there, or name its "
                         "folder with --seeds")
    return given.stem


# The manifest and catalog are updated per batch of stored documents: often enough that a
# long run keeps them current, seldom enough that rewriting the manifest stays linear.
REGISTER_BATCH = 500
REGISTER_SECONDS = 30.0


@contextlib.contextmanager
def _imports_outside_the_collector() -> Iterator[None]:
    """Import without the cyclic garbage collector, then keep it off what was imported.

    The pipeline's modules make some 50,000 objects that live as long as the process; the
    collector, run every 700 allocations, would walk them again and again for no garbage (a
    quarter of the import time). ``gc.freeze`` sets them aside for good; each article's own
    cycles (pypdf's reader and its objects) are collected as before. Nothing is set aside
    when nothing new was imported (a second command in one process).
    """
    was_enabled, modules = gc.isenabled(), len(sys.modules)
    gc.disable()
    try:
        yield
    finally:
        if len(sys.modules) > modules:
            gc.freeze()
        if was_enabled:
            gc.enable()


def _build(args: argparse.Namespace) -> int:
    with _imports_outside_the_collector():  # all a build needs, before the collector sets it aside
        from . import build, catalog  # noqa: F401
        from .archive import profile_for
        from .store import building

    paths = _paths(args)
    paths.require_seeds()
    paths.require_apart()
    build.source_date()  # refused once, before any article, when it cannot be a PDF's date
    stems = _stems(args, paths)
    if args.change_profile:
        if args.profile is None:
            raise UsageError("--change-profile needs --profile: the profile to rebuild the archive in")
        stems = list(dict.fromkeys([*stems, *paths.stems()]))
    if args.cluster_timeout <= 0:
        raise UsageError("--cluster-timeout must be a positive number of seconds")
    total = len(stems) if args.total is None else args.total
    if total < len(stems):
        raise UsageError(f"--total {total} is less than the {len(stems)} articles to build")
    # The first build makes the folder an archive, recording its profile; a build in another
    # profile (--change-profile) rebuilds every article and records the profile it now holds.
    # A refusal writes nothing; what is to be written is decided again under the lock, so that
    # of two builds that start together in two profiles the second finds the first's.
    refusal = None if args.change_profile else WouldOverwrite
    profile_for(paths.archive, args.profile, refusal)  # refused here, before anything is written
    with building(paths.archive):  # clean refuses while it is at work
        return _build_marked(args, paths, stems, total, refusal)


def _build_marked(args: argparse.Namespace, paths: Paths, stems: list[str], total: int,
                  refusal: type[ArchivistError] | None) -> int:
    """``_build`` once the archive is marked as being built: its profile, catalog and articles."""
    from . import catalog
    from .archive import profile_for, write_profile
    from .build import Built, build_many, register
    from .store import archive_lock

    with archive_lock(paths.archive):  # decided again: a clean and another build may have come between
        profile, recorded = profile_for(paths.archive, args.profile, refusal)
        catalog.require_file(paths.archive)  # refused before any article is built for it
        if recorded != profile:
            write_profile(paths.archive, profile)
        if not (paths.archive / catalog.CATALOG_NAME).exists():  # made again from what is archived
            for failure in catalog.rebuild(paths.archive)[1]:
                print(f"archivist: {failure}", file=sys.stderr)
    progress = _Progress(len(stems))
    failures: list[ArchivistError] = []
    index_failures: list[ArchivistError] = []
    pending: list[Built] = []
    flushed = time.monotonic()
    if args.scheduler:
        from .cluster import build_on_cluster

        def notify(message: str) -> None:
            progress.clear()
            print(f"archivist: {message}", file=sys.stderr)

        outcomes = build_on_cluster(paths, stems, profile, args.scheduler, args.cluster_timeout, notify)
    else:
        outcomes = build_many(paths, stems, profile, args.jobs)

    def flush(last: bool = False) -> None:
        nonlocal pending, flushed
        problems, repairs = register(paths, pending, last=last)
        index_failures.extend(problems)
        for repair in repairs:
            progress.clear()
            print(f"archivist: {repair}", file=sys.stderr)
        pending, flushed = [], time.monotonic()

    def take(outcome: Built | ArchivistError) -> None:
        if isinstance(outcome, Built):
            pending.append(outcome)
            progress.step(outcome.stem)
        else:
            progress.clear()
            print(f"archivist: {outcome}", file=sys.stderr)
            failures.append(outcome)
            progress.step(None)
        if len(pending) >= REGISTER_BATCH or time.monotonic() - flushed > REGISTER_SECONDS:
            flush()

    try:
        # Closed here on every way out, so that a pool stops (and stores nothing more) before
        # the build's mark goes.
        with contextlib.closing(outcomes):
            try:
                for outcome in outcomes:
                    take(outcome)
            except KeyboardInterrupt as interrupt:  # heard here: handed to the build, which stops
                for outcome in _after(outcomes, interrupt):  # and gives what it built meanwhile
                    take(outcome)
                raise
    finally:  # what was stored is registered, whatever stopped the loop
        progress.clear()
        flush(last=True)
    progress.done(len(stems) - len(failures), total - len(stems), len(failures))
    for problem in dict.fromkeys(str(error) for error in index_failures):
        print(f"archivist: {problem}", file=sys.stderr)
    if index_failures:
        raise index_failures[0]
    if len(failures) == 1 and len(stems) == 1:
        return failures[0].exit_code
    if failures:
        raise BatchFailed(f"{len(failures)} of {len(stems)} articles failed")
    return 0


def _plan(args: argparse.Namespace) -> int:
    from .plan import make_plan, write_plan

    paths = _paths(args)
    paths.require_apart()
    write_plan(make_plan(paths, previous=args.out), paths, args.out)
    return 0


def _archive_pdfs(args: argparse.Namespace) -> list[Path]:
    if args.pdfs:
        from .inputfile import irregular_kind

        for pdf in args.pdfs:
            try:
                kind = irregular_kind(pdf)  # a link is refused unread, like a link in the archive
            except FileNotFoundError:
                raise UsageError("no such file", path=pdf, hint="name PDFs that exist, or none for "
                                 "every PDF of the archive") from None
            except OSError as error:  # a folder on the way this user may not search
                raise UsageError(f"cannot be read: {error.strerror}", path=pdf,
                                 hint="check the folders' permissions") from None
            if kind:
                raise UsageError(f"it is {kind}, not a PDF file", path=pdf,
                                 hint="name the file it leads to" if kind == _LINK else
                                 "name PDFs that exist, or none for every PDF of the archive")
        return args.pdfs
    from .store import archived_pdfs, require_archive

    require_archive(args.archive)
    return archived_pdfs(args.archive)


_LINK = "a symbolic link"



def _archive_profile(args: argparse.Namespace) -> Profile:
    """The profile to check or validate against: the archive's own; another is refused."""
    from .archive import profile_for

    return profile_for(args.archive, args.profile, UsageError)[0]


def _check(args: argparse.Namespace) -> int:
    with _imports_outside_the_collector():
        from .build import attachments_for, candidates, load_inputs, sources
        from .check import check_oai_dc, check_pdf
        from .errors import ArchiveReadError
        from .pdfread import MAX_SIDECAR_BYTES, explain, read_pdf
        from .store import archive_name

    paths = _paths(args)
    profile = _archive_profile(args)
    failed = 0
    pdfs = _archive_pdfs(args)
    progress = _Progress(len(pdfs))
    for pdf in pdfs:
        progress.step(pdf.stem)
        sidecar = pdf.with_suffix(".xml")
        findings: list[tuple[Path, str]] = []
        try:
            data = read_pdf(pdf)
            found = sources(paths, pdf.stem)
            if len(found) > 1:
                findings.append((pdf, f"is claimed by {len(found)} articles: "
                                 + ", ".join(str(paths.article(stem)) for stem in found)))
            # else the article that was archived there, its record dated otherwise since
            stem = (found or candidates(paths, pdf.stem) or [pdf.stem])[0]
            article, record = load_inputs(paths, stem)
            name = archive_name(stem, record.date)
            if name != pdf.stem:
                findings.append((pdf, f"is not where {paths.article(stem)} is archived: its record "
                                 f"dates it {record.date}, so its PDF is {name}.pdf"))
            expected = attachments_for(article, record) if profile.allows_attachments else ()
            findings += [(pdf, p) for p in check_pdf(data, article, record, profile, expected)]
            findings += [(sidecar, p) for p in check_oai_dc(read_pdf(sidecar, MAX_SIDECAR_BYTES), record)]
        except ArchiveReadError as error:  # the file itself: special, too large, unreadable
            findings.append((error.path or pdf, error.message + (f" ({error.hint})" if error.hint else "")))
        except ArchivistError as error:
            findings.append((pdf, f"cannot check against its inputs: {error}"))
        except Exception as error:  # one damaged file never stops the others
            findings.append((pdf, f"cannot be checked: it {explain(error)}"))
        if findings:
            progress.clear()
        for path, problem in findings:
            print(f"{_shown(path)}: {_shown(problem)}")
        failed += bool(findings)
    progress.clear()
    print(f"checked {len(pdfs)} PDF(s): {len(pdfs) - failed} good, {failed} with problems",
          file=sys.stderr)
    if failed:
        raise CheckFailed(f"{failed} PDF(s) do not match their inputs")
    return 0


def _shown(text: object) -> str:
    """A name or message on one printable line (see ``errors.printable``)."""
    from .errors import printable

    return printable(str(text))


def _verify(args: argparse.Namespace) -> int:
    from .errors import FixityError
    from .manifest import MANIFEST_NAME, verify

    report = verify(args.archive)
    for problem in report.problems:
        print(_shown(problem))
    print(report.summary(), file=sys.stderr)
    _reconcile_catalog(args.archive, report)
    if report.problems:
        raise FixityError(
            f"{report.found} problem(s): the archive does not match its manifest",
            path=args.archive / MANIFEST_NAME,
            hint="rebuild a missing or altered document with 'archivist build STEM', or restore it "
            "from a backup; remove an unexpected file or rebuild it",
        )
    return 0


def _reconcile_catalog(archive: Path, report) -> None:
    """The catalog follows the manifest: a divergence any earlier failure left is repaired here.

    Only where a build could have run (a staging folder beside the archive) and this process
    may write: a read-only copy is verified, never written.
    """
    from .catalog import reconcile
    from .manifest import read_manifest
    from .store import archive_lock, may_write, staging_dir

    if report.damaged or not staging_dir(archive).is_dir() or not may_write(archive):
        return
    try:
        with archive_lock(archive):
            repairs = reconcile(archive, read_manifest(archive).entries)
    except ArchivistError as error:
        repairs = [f"the catalog could not be brought in line with the manifest: {error}"]
    for repair in repairs:
        print(f"archivist: {repair}", file=sys.stderr)


def _clean(args: argparse.Namespace) -> int:
    from .archive import clean
    from .errors import printable

    cleaned = clean(args.archive, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for path in cleaned.removed:
        print(f"{verb} {printable(str(path))}")
    for path in cleaned.kept:
        print(f"archivist: kept {printable(str(path))}: archivist did not write it", file=sys.stderr)
    print(f"{printable(str(args.archive))}: {verb} {len(cleaned.removed)} file(s), "
          f"kept {len(cleaned.kept)}", file=sys.stderr)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .errors import ToolMissing, ValidationFailed
    from .inputfile import irregular_kind
    from .verapdf import VeraPDFUnavailable, run_verapdf

    profile = _archive_profile(args)
    listed = _archive_pdfs(args)
    if not listed:
        print("no PDF to validate", file=sys.stderr)
        return 0
    pdfs, unread, failed = [], 0, set()
    for pdf in listed:  # veraPDF would follow a link, and wait on a FIFO
        try:
            kind = irregular_kind(pdf)
            why = f"it is {kind}, not a PDF file (the archive holds only regular files)" if kind else ""
        except OSError as error:
            why = f"cannot be read: {error.strerror}"
        if why:
            print(f"FAIL {pdf}: {why}")
            unread += 1
        else:
            pdfs.append(pdf)
    # A combined claim (PDF/A-2a + PDF/UA-1) must pass each standard's profile: one run each.
    try:
        reports = [report for flavour in profile.flavours for report in run_verapdf(pdfs, flavour)]
    except VeraPDFUnavailable as error:
        raise ToolMissing(str(error)) from None
    for report in reports:
        print(f"{'PASS' if report.compliant else 'FAIL'} {report.path} {report.flavour}")
        for rule in report.failures:
            print(f"  {rule.rule_id}: {rule.description} ({rule.failed_checks} failed checks)")
        if not report.compliant:
            failed.add(report.path)
    if failed or unread:
        unvalidated = f"; {unread} other file(s) named .pdf were not validated" if unread else ""
        raise ValidationFailed(f"{len(failed)} of {len(pdfs)} PDF(s) failed veraPDF{unvalidated}")
    return 0


def _new(args: argparse.Namespace) -> int:
    from .article import read_article
    from .errors import ArticleError
    from .scaffold import TO_FILL, write_record
    from .store import check_stem, leading_date
    from .w3cdate import dates_agree

    article = read_article(args.article)  # a missing file is "not found", whatever its name
    stem = check_stem(args.article.stem, args.article)
    named = leading_date(stem)
    if article.date and named and not dates_agree(named, article.date):
        raise ArticleError(f"the header's date {article.date!r} disagrees with the file name",
                           path=args.article, line=1, hint="rename the file or correct the header")
    # beside the article's folder, wherever this runs: 'x.txt' run in seeds/ is ../metadata
    metadata = args.metadata or Path(os.path.normpath(args.article.parent / ".." / "metadata"))
    target = metadata / f"{stem}.yaml"
    guess = write_record(article, stem, target, force=args.force)
    print(f"wrote {target}")
    if guess.language:
        print(f"language: {guess.language}, detected from {guess.hits} common words (check it)")
    else:
        print("language: could not tell from the text; fill it in")
    fields = [*TO_FILL, *([] if guess.language else ["language"]),
              *([] if article.date or named else ["date"])]
    print(f"next: replace FILL IN in {', '.join(fields)}; then run make")
    return 0


def _extract(args: argparse.Namespace) -> int:
    from .extract import extract

    for target, data in extract(args.pdf, args.folder, force=args.force):
        print(f"{hashlib.sha256(data).hexdigest()}  {target}")
    return 0


def _catalog(args: argparse.Namespace) -> int:
    from . import catalog
    from .errors import ArchiveReadError

    where = args.archive / catalog.CATALOG_NAME
    if not args.rebuild:
        count = len(catalog.list_documents(args.archive, catalog.Filters()))
        print(f"{where}: {count} document(s)")
        return 0
    progress = _Progress(0)

    def read(pdf: Path, total: int) -> None:
        progress.total = total
        progress.step(pdf.stem)

    count, failures = catalog.rebuild(args.archive, read)
    progress.clear()
    for failure in failures:
        print(f"archivist: {failure}", file=sys.stderr)
    print(f"{where}: rebuilt from the archive, {count} document(s)")
    if failures:
        raise ArchiveReadError(f"{len(failures)} PDF(s) could not be read and are not in the catalog",
                               path=where, hint="rebuild them with make, then run this again")
    return 0


def _filters(args: argparse.Namespace) -> Filters:
    from .catalog import Filters

    return Filters(args.date_from, args.date_to, args.language, args.subject)


def _list(args: argparse.Namespace) -> int:
    from .catalog import list_documents

    _print_documents(args, list_documents(args.archive, _filters(args)))
    return 0


def _search(args: argparse.Namespace) -> int:
    from .catalog import search

    _print_documents(args, search(args.archive, " ".join(args.query), _filters(args)))
    return 0


TITLE_WIDTH = 64


def _print_documents(args: argparse.Namespace, documents: list[Document]) -> None:
    """A table of date, title and path; or every catalogued field as JSON."""
    if args.json:
        fields = [{**{k: v for k, v in vars(d).items() if k != "body"},
                   "path": str(args.archive / d.path)} for d in documents]
        print(json.dumps(fields, ensure_ascii=False, indent=2))
        return
    for d in documents:
        title = d.title if len(d.title) <= TITLE_WIDTH else d.title[:TITLE_WIDTH - 1] + "…"
        print(f"{d.date:<10}  {title:<{TITLE_WIDTH}}  {args.archive / d.path}")
    print(f"{len(documents)} document(s)", file=sys.stderr)


def _after(outcomes: Generator, interrupt: BaseException) -> Iterator:
    """What ``outcomes`` still gives once ``interrupt`` is thrown into it: a pool hands on what
    it built while it stopped, then raises the interrupt again."""
    try:
        first = outcomes.throw(interrupt)
    except StopIteration:  # it stopped with nothing more to give
        return
    yield first
    yield from outcomes


class _Progress:
    """Count, current article (or PDF, its name on one printable line) and rate on a terminal;
    nothing when output is a log."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.count = 0
        self.start = time.monotonic()
        self.live = sys.stderr.isatty()

    def step(self, stem: str | None) -> None:
        self.count += 1
        if self.live and stem:
            rate = self.count / max(time.monotonic() - self.start, 1e-6)
            print(f"\r[{self.count}/{self.total}] {rate:5.1f}/s {_shown(stem)[:50]:<50}", end="",
                  file=sys.stderr, flush=True)

    def clear(self) -> None:
        if self.live:
            print("\r" + " " * 72 + "\r", end="", file=sys.stderr)

    def done(self, built: int, unchanged: int, failed: int) -> None:
        self.clear()
        seconds = time.monotonic() - self.start
        print(f"built {built}, unchanged {unchanged}, failed {failed} in {seconds:.1f} s",
              file=sys.stderr)


def entry_point() -> None:
    sys.exit(main())
