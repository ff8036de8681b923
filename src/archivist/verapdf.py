"""Check PDFs with veraPDF, the PDF Association's reference PDF/A validator.

Our own checks can only agree with our own reading of ISO 19005; veraPDF is the
independent referee. It is a Java program: ``tools/verapdf/verapdf`` fetches a
release pinned in ``tools/verapdf/pom.xml`` from Maven Central into a cache on
first use and runs it. A JVM takes a second or two to start, so a whole batch
goes through one veraPDF process.

We read veraPDF's machine-readable report (``--format xml``, the "MRR"; the
default format of its command line since 1.0, which the JSON one is not).
The paths used, per file::

    report/jobs/job/item/name                      the path as given, made absolute
    report/jobs/job/validationReport/@profileName  e.g. "PDF/A-2b validation profile"
    report/jobs/job/validationReport/@isCompliant  "true" | "false"
    report/jobs/job/validationReport/@jobEndStatus "normal" unless cut short
    .../validationReport/details/rule[@status="failed"]
        @clause, @testNumber, @failedChecks, @specification, description/text()
    report/jobs/job/taskException/exceptionMessage when the file could not be read

veraPDF's exit status is not used to judge: 1 only means "not compliant".
This module imports nothing else from ``archivist`` so it can run on its own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FLAVOURS = ("1a", "1b", "2a", "2b", "2u", "3a", "3b", "3u", "4", "4f", "ua1", "ua2", "wt1a")

# src/archivist/verapdf.py -> repository root; absent in an installed wheel,
# where VERAPDF must name the script.
_REPO_SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "verapdf" / "verapdf"
_FIX = "install Java 17 and Maven 3.8+ (Debian: openjdk-17-jre-headless maven), then run `make verapdf`"
_STDERR_TAIL = 2000


class VeraPDFUnavailable(RuntimeError):
    """veraPDF cannot be run here: Java or Maven is missing, or the script is not found."""


class VeraPDFError(RuntimeError):
    """veraPDF ran but crashed, could not read a file, or wrote a report we cannot parse."""


@dataclass(frozen=True)
class RuleFailure:
    """One rule of the validation profile that the file breaks."""

    clause: str  # clause of ISO 19005-n, e.g. "6.2.11.4.1"
    test_number: str  # veraPDF's number of the test within that clause, e.g. "1"
    description: str
    failed_checks: int  # how many objects broke it (all of them, not only those listed)
    # e.g. "ISO 19005-2:2011"; tells PDF/A from PDF/UA rules when veraPDF applied both.
    specification: str = ""

    @property
    def rule_id(self) -> str:
        """``clause-test``, e.g. "6.2.11.4.1-1": how veraPDF's profile wiki names a rule."""
        return f"{self.clause}-{self.test_number}"


@dataclass(frozen=True)
class FileReport:
    """veraPDF's verdict on one file."""

    path: Path
    flavour: str  # the profile applied, e.g. "2b"; "2b+ua1" if veraPDF applied several
    compliant: bool
    failures: tuple[RuleFailure, ...]  # sorted by specification, clause, test number


def run_verapdf(pdfs: Sequence[Path], flavour: str | None = None) -> list[FileReport]:
    """Validate ``pdfs`` in one veraPDF process; one report per path, in order.

    ``flavour`` is one of FLAVOURS, or None to take each file's own pdfaid
    claim (veraPDF falls back to 1b for a file that makes none).
    """
    if flavour is not None and flavour not in FLAVOURS:
        raise ValueError(f"flavour must be one of {FLAVOURS} or None, not {flavour!r}")
    paths = [Path(p).resolve() for p in pdfs]
    if not paths:
        return []
    for path in paths:
        # veraPDF only logs a missing file and leaves it out of the report.
        if not path.is_file():
            raise FileNotFoundError(path)
    args = ["--format", "xml", "--flavour", flavour or "0", "--nonpdfext"]
    # Lists one failing object per rule; the failedChecks counts stay complete.
    args += ["--maxfailuresdisplayed", "1"]
    proc = _run([*args, *map(str, paths)])
    jobs = _parse_jobs(proc)
    reports = []
    for path in paths:
        report = jobs.get(str(path))
        if report is None:
            raise VeraPDFError(f"veraPDF's report has no entry for {path}" + _tail(proc))
        reports.append(report)
    return reports


def verapdf_version() -> str:
    """The veraPDF release that ``run_verapdf`` uses, e.g. "1.30.2"."""
    proc = _run(["--version"])
    match = re.search(r"veraPDF (\S+)", proc.stdout.decode(errors="replace"))
    if proc.returncode != 0 or match is None:
        raise VeraPDFError(f"`verapdf --version` failed (exit {proc.returncode})" + _tail(proc))
    return match.group(1)


def _script() -> Path:
    """The launcher: $VERAPDF if set, else the repository's copy."""
    script = Path(os.environ.get("VERAPDF") or _REPO_SCRIPT)
    if not script.is_file():
        raise VeraPDFUnavailable(f"veraPDF launcher {script} not found; set VERAPDF to tools/verapdf/verapdf")
    return script


def _fetch(script: Path) -> None:
    """Fetch veraPDF on first use, its one line ("verapdf: fetching ... into DIR") shown as it starts."""
    if shutil.which("java") is None:
        raise VeraPDFUnavailable(f"java not found: {_FIX}")
    try:
        code = subprocess.run(["bash", str(script), "--fetch-only"], stdout=subprocess.DEVNULL,
                              check=False).returncode
    except FileNotFoundError as exc:  # no bash
        raise VeraPDFUnavailable(f"cannot run {script}: {exc}") from exc
    if code == 127:
        raise VeraPDFUnavailable(f"veraPDF cannot be fetched: {_FIX}")
    if code != 0:
        raise VeraPDFError(f"veraPDF could not be fetched (exit {code}; its messages are above)")


def _run(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    """Run the launcher, having fetched veraPDF first; its exit status 127 means java or mvn is missing."""
    script = _script()
    _fetch(script)
    proc = subprocess.run(["bash", str(script), *args], capture_output=True, check=False)
    if proc.returncode == 127:
        raise VeraPDFUnavailable(f"veraPDF cannot run: {_FIX}" + _tail(proc))
    return proc


def _parse_jobs(proc: subprocess.CompletedProcess[bytes]) -> dict[str, FileReport]:
    """Map each path in veraPDF's XML report to its FileReport."""
    try:
        root = ET.fromstring(proc.stdout)
    except ET.ParseError as exc:
        msg = f"unreadable veraPDF report (exit {proc.returncode}): {exc}"
        raise VeraPDFError(msg + _tail(proc)) from exc
    if root.tag != "report" or root.find("jobs") is None:
        raise VeraPDFError(f"unexpected veraPDF report, root <{root.tag}>" + _tail(proc))
    reports: dict[str, FileReport] = {}
    problems: list[str] = []
    for job in root.iterfind("jobs/job"):
        name = job.findtext("item/name", "")
        results = job.findall("validationReport")
        ended = {r.get("jobEndStatus", "normal") for r in results}
        if not results or ended != {"normal"}:
            why = job.findtext("taskException/exceptionMessage") or f"job ended {sorted(ended)}"
            problems.append(f"{name}: {why.strip()}")
            continue
        failures = [_failure(rule) for r in results for rule in r.iterfind("details/rule[@status='failed']")]
        failures.sort(key=_rule_order)
        reports[name] = FileReport(
            path=Path(name),
            flavour="+".join(_flavour(r.get("profileName", "")) for r in results),
            compliant=all(r.get("isCompliant") == "true" for r in results),
            failures=tuple(failures),
        )
    if problems:
        raise VeraPDFError("veraPDF could not validate:\n" + "\n".join(problems) + _tail(proc))
    return reports


def _failure(rule: ET.Element) -> RuleFailure:
    return RuleFailure(
        clause=rule.get("clause", ""),
        test_number=rule.get("testNumber", ""),
        description=" ".join(rule.findtext("description", "").split()),
        failed_checks=int(rule.get("failedChecks", "0")),
        specification=rule.get("specification", ""),
    )


def _rule_order(failure: RuleFailure) -> tuple[str, list[int], int]:
    """Order as in the standard, 6.2.4.3 before 6.2.11.4.1: veraPDF's own order varies between runs."""
    clause = [int(part) for part in re.findall(r"\d+", failure.clause)]
    test = int(failure.test_number) if failure.test_number.isdigit() else 0
    return failure.specification, clause, test


def _flavour(profile_name: str) -> str:
    """'PDF/A-2b validation profile' -> '2b', 'PDF/UA-1 ...' -> 'ua1', 'WTPDF 1.0 Accessibility ...'
    -> 'wt1a'; else the name itself."""
    if match := re.match(r"PDF/A-(\w+)", profile_name):
        return match.group(1).lower()
    if match := re.match(r"PDF/UA-(\d+)", profile_name):
        return f"ua{match.group(1)}"
    if match := re.match(r"WTPDF (\d+)\.\d+ Accessibility", profile_name):
        return f"wt{match.group(1)}a"
    return profile_name


def _tail(proc: subprocess.CompletedProcess[bytes]) -> str:
    """The end of veraPDF's stderr, where Java puts its stack traces and log lines."""
    err = proc.stderr.decode(errors="replace").strip()
    return f"\n--- veraPDF stderr (tail) ---\n{err[-_STDERR_TAIL:]}" if err else ""
