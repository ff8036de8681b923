"""The command line: the one place where exceptions become messages and exit codes."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import ArchivistError, BatchFailed, CheckFailed
from .profile import ALL_PROFILES, DEFAULT_PROFILE, Profile

EXIT_CODES = """exit codes:
  0  success
  1  unexpected internal error (run with -v for the traceback)
  2  wrong command-line usage
  3  the article cannot be read (not UTF-8, control characters, empty, bad date header)
  4  the Dublin Core record is missing or invalid, or disagrees with the article
  5  a character the shipped font cannot draw
  6  a name that would write outside the archive, or does not start with a date
  7  the archive cannot be written (disk full, permission denied)
  8  archivist check found a PDF that does not match its inputs
  9  veraPDF found failed PDF/A rules
 10  the archive's files do not match its fixity manifest
 11  a required tool (Java, Maven, veraPDF) is missing
 12  some articles of a batch failed (each is reported above)
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except ArchivistError as error:
        if args.verbose:
            import traceback

            traceback.print_exc()
        print(f"archivist: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("archivist: interrupted; the archive holds only complete files", file=sys.stderr)
        return 130
    except Exception as error:
        if args.verbose:
            raise
        print(f"archivist: internal error: {error!r} (run with -v for details)", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="archivist",
        description="Put news articles into long-term archival storage as PDF/A with Dublin Core.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"archivist {__version__}")
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", help="show tracebacks")
    common.add_argument("--seeds", type=Path, default=Path("seeds"),
                        help="folder of articles, STEM.txt (default: seeds)")
    common.add_argument("--metadata", type=Path, default=Path("metadata"),
                        help="folder of Dublin Core records, STEM.yaml (default: metadata)")
    common.add_argument("--archive", type=Path, default=Path("archive"),
                        help="the archive folder (default: archive)")
    common.add_argument("--profile", type=Profile.parse, default=DEFAULT_PROFILE,
                        help="PDF/A flavour: " + ", ".join(p.name for p in ALL_PROFILES)
                        + f" (default: {DEFAULT_PROFILE})")

    build = sub.add_parser(
        "build", parents=[common], help="typeset articles into checked PDF/A files",
        description="Build ARCHIVE/YYYY/STEM.pdf for each article (all of SEEDS when none is "
        "named). Each PDF is checked before it is stored, and stored atomically.",
    )
    build.add_argument("articles", nargs="*", help="article stems or .txt paths")
    build.add_argument("--list", type=Path, help="a file naming one article per line (or by spaces)")
    build.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                       help="worker processes (default: one per core)")
    build.set_defaults(run=_build)

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
    return parser


def _paths(args: argparse.Namespace):
    from .build import Paths

    return Paths(args.seeds, args.metadata, args.archive)


def _stems(args: argparse.Namespace, paths) -> list[str]:
    names = list(args.articles)
    if args.list:
        names += args.list.read_text(encoding="utf-8").split()
    if not names and not args.list:
        names = paths.stems()
    return list(dict.fromkeys(Path(n).stem if n.endswith(".txt") else n for n in names))


def _build(args: argparse.Namespace) -> int:
    from .build import Built, build_many, register

    paths = _paths(args)
    stems = _stems(args, paths)
    if args.jobs < 1:
        raise ArchivistError("--jobs must be at least 1")
    progress = _Progress(len(stems))
    failures: list[ArchivistError] = []
    for outcome in build_many(paths, stems, args.profile, args.jobs):
        if isinstance(outcome, Built):
            register(paths, outcome)
            progress.step(outcome.stem)
        else:
            progress.clear()
            print(f"archivist: {outcome}", file=sys.stderr)
            failures.append(outcome)
            progress.step(None)
    progress.done(len(stems) - len(failures), len(failures))
    if len(failures) == 1 and len(stems) == 1:
        return failures[0].exit_code
    if failures:
        raise BatchFailed(f"{len(failures)} of {len(stems)} articles failed")
    return 0


def _archive_pdfs(args: argparse.Namespace) -> list[Path]:
    return args.pdfs or sorted(p for p in args.archive.glob("*/*.pdf"))


def _check(args: argparse.Namespace) -> int:
    from .build import load_inputs
    from .check import check_pdf

    paths = _paths(args)
    failed = 0
    pdfs = _archive_pdfs(args)
    for pdf in pdfs:
        try:
            article, record = load_inputs(paths, pdf.stem)
            attachments = None
            if args.profile.allows_attachments:
                attachments = {article.path.name: article.raw, record.path.name: record.raw}
            problems = check_pdf(pdf.read_bytes(), article, record, args.profile, attachments)
        except ArchivistError as error:
            problems = [f"cannot check against its inputs: {error}"]
        except OSError as error:
            problems = [f"cannot read: {error.strerror}"]
        for problem in problems:
            print(f"{pdf}: {problem}")
        failed += bool(problems)
    print(f"checked {len(pdfs)} PDF(s): {len(pdfs) - failed} good, {failed} with problems",
          file=sys.stderr)
    if failed:
        raise CheckFailed(f"{failed} PDF(s) do not match their inputs")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .errors import ToolMissing, ValidationFailed
    from .validate import VeraPDFUnavailable, run_verapdf

    pdfs = _archive_pdfs(args)
    if not pdfs:
        print("no PDF to validate", file=sys.stderr)
        return 0
    try:
        reports = run_verapdf(pdfs, args.profile.name)
    except VeraPDFUnavailable as error:
        raise ToolMissing(str(error)) from None
    failed = 0
    for report in reports:
        print(f"{'PASS' if report.compliant else 'FAIL'} {report.path} {report.flavour}")
        for rule in report.failures:
            print(f"  {rule.rule_id}: {rule.description} ({rule.failed_checks} failed checks)")
        failed += not report.compliant
    if failed:
        raise ValidationFailed(f"{failed} of {len(reports)} PDF(s) failed veraPDF")
    return 0


class _Progress:
    """Count, current article and rate on a terminal; nothing when output is a log."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.count = 0
        self.start = time.monotonic()
        self.live = sys.stderr.isatty()

    def step(self, stem: str | None) -> None:
        self.count += 1
        if self.live and stem:
            rate = self.count / max(time.monotonic() - self.start, 1e-6)
            print(f"\r[{self.count}/{self.total}] {rate:5.1f}/s {stem[:50]:<50}", end="",
                  file=sys.stderr, flush=True)

    def clear(self) -> None:
        if self.live:
            print("\r" + " " * 72 + "\r", end="", file=sys.stderr)

    def done(self, built: int, failed: int) -> None:
        self.clear()
        seconds = time.monotonic() - self.start
        print(f"built {built}, failed {failed} in {seconds:.1f} s", file=sys.stderr)


def entry_point() -> None:
    sys.exit(main())
