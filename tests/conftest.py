"""Shared fixtures and helpers: a scratch archive holding the first article, the real readers
and tools, and digests of a folder's files taken independently of archivist.

No test writes into the checkout: scratch folders come from tmp_path, make is given a
WORK folder there, and Hypothesis keeps no example database (pytest's cache is off too).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from archivist.build import Paths
from archivist.store import BUILDING, FACTS_FILE, JOURNAL
from archivist.verapdf import VeraPDFUnavailable, verapdf_version

REPO = Path(__file__).resolve().parents[1]
FIRST = "2021-07-laftit-lamorgese-rabat"
IN_CI = os.environ.get("CI", "").lower() == "true"

# A failing example is printed with its reproduction blob instead of kept in .hypothesis/,
# and Hypothesis's other caches go to a scratch folder, removed at the end of the run.
settings.register_profile("archivist", database=None, print_blob=True)
settings.load_profile("archivist")
_HYPOTHESIS_HOME = Path(tempfile.mkdtemp(prefix="archivist-hypothesis-"))
set_hypothesis_home_dir(_HYPOTHESIS_HOME)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_HYPOTHESIS_HOME, ignore_errors=True)


def require_tool(name: str) -> str:
    """The tool's path; a skip on a developer machine without it, a failure in CI."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (apt-get install it, or run .ci/run)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def archive_copy(built: Paths, folder: Path) -> Paths:
    """``built``'s inputs with a private copy of its archive in ``folder``, for a test to damage."""
    paths = Paths(built.seeds, built.metadata, folder)
    shutil.copytree(built.archive, paths.archive)
    return paths


def first_article_workspace(root: Path) -> Paths:
    """root/seeds and root/metadata holding the first article and its record; root/archive empty."""
    paths = Paths(root / "seeds", root / "metadata", root / "archive")
    for folder in (paths.seeds, paths.metadata, paths.archive):
        folder.mkdir(parents=True)
    shutil.copy(REPO / "seeds" / f"{FIRST}.txt", paths.seeds)
    shutil.copy(REPO / "metadata" / f"{FIRST}.yaml", paths.metadata)
    return paths


def project_copy(root: Path) -> Path:
    """A scratch copy of the project at root: what make needs, a stand-in .git, and a link to
    the checkout's .venv (whose stamp stays newer than the copied lock files), so that make
    runs there exactly as in the checkout without ever touching the checkout."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("src", "seeds", "metadata", "tools"):
        shutil.copytree(REPO / name, root / name, ignore=ignore)
    for name in ("Makefile", "pyproject.toml", "requirements.lock", "requirements-dev.lock"):
        shutil.copy2(REPO / name, root / name)
    (root / "archive").mkdir()
    (root / "archive" / ".gitkeep").touch()
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (root / ".venv").symlink_to(REPO / ".venv")
    return root


@pytest.fixture
def workspace(tmp_path: Path) -> Paths:
    return first_article_workspace(tmp_path)


NOBODY = 65534  # the user (and group) nobody


@pytest.fixture
def readable_workspace() -> Iterator[Paths]:
    """``workspace`` in a folder any user may read (tmp_path is its owner's alone), removed after."""
    root = Path(tempfile.mkdtemp(prefix="archivist-readable-"))
    root.chmod(0o755)
    try:
        yield first_article_workspace(root)
    finally:
        writable_again(root)  # as a folder made read-only cannot be emptied
        shutil.rmtree(root)


def _set_modes(root: Path, folders: int, files: int) -> None:
    """Each folder's mode set before it is walked into, so that one its owner could not search is."""
    os.chmod(root, folders)
    for folder, dirs, names in os.walk(root):
        for name in dirs:
            os.chmod(Path(folder, name), folders)
        for name in names:
            os.chmod(Path(folder, name), files)


def read_only(root: Path) -> None:
    """Every folder and file under ``root`` read-only, as on a read-only mount."""
    _set_modes(root, 0o555, 0o444)


def writable_again(root: Path) -> None:
    """Undo ``read_only``: the owner may write every folder and file again."""
    _set_modes(root, 0o755, 0o644)


def archivist_reading(root: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """``archivist`` run in ``root`` by a process that may not write there (after ``read_only``):
    for root, whom no mode stops, as the user nobody."""
    user = {}
    if os.geteuid() == 0:
        user = {"user": NOBODY, "group": NOBODY, "extra_groups": []}
        if subprocess.run([sys.executable, "-c", "import archivist"], **user, capture_output=True).returncode:
            pytest.skip("the user nobody cannot run this checkout's interpreter (a folder above it "
                        "is its owner's alone)")
    return subprocess.run([sys.executable, "-m", "archivist", *map(str, args)], cwd=root, **user,
                          capture_output=True, text=True, timeout=900)


def archivist(*args: str | Path, cwd: Path | None = None, env: dict | None = None,
              check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "archivist", *map(str, args)],
        cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=check,
        timeout=900,  # a command that would wait for ever fails the test instead
    )


_MEASURED = """
import resource, subprocess, sys
code = subprocess.run([sys.executable, "-m", "archivist", *sys.argv[1:]]).returncode
print(f"peak {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}", file=sys.stderr)
sys.exit(code)
"""


def archivist_peak(*args: str | Path) -> tuple[subprocess.CompletedProcess[str], int]:
    """``archivist`` as above, and the most memory it held (KiB of resident set), measured by a
    parent process of its own: the test process's other children do not count."""
    result = subprocess.run([sys.executable, "-c", _MEASURED, *map(str, args)],
                            capture_output=True, text=True, timeout=900)
    *err, peak = result.stderr.splitlines()
    result.stderr = "".join(f"{line}\n" for line in err)
    return result, int(peak.removeprefix("peak "))


def make(paths: Paths, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The checkout's make on the folders of ``paths``: their plan and stamps stay beside them."""
    require_tool("make")
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO), f"SEEDS={paths.seeds}",
         f"METADATA={paths.metadata}", f"ARCHIVE={paths.archive}", *args],
        capture_output=True, text=True, timeout=timeout,
    )


def folder_args(paths: Paths) -> list[str]:
    return ["--seeds", str(paths.seeds), "--metadata", str(paths.metadata),
            "--archive", str(paths.archive)]


def make_command(work: Path, *args: str | Path) -> list[str]:
    """The project's make, run from the checkout with its WORK folder (stamps, lists) under ``work``."""
    require_tool("make")
    return ["make", "--no-print-directory", "-C", str(REPO), f"WORK={work / '.build'}", *map(str, args)]


def left_in_staging(staging: Path) -> set[str]:
    """What a staging folder holds besides the records' facts (a cache kept for the next run), the
    builds' mark (held while one is at work) and its journal once empty (every intent in it
    applied or found void): the lock, when nothing was left behind."""
    return {p.name for p in staging.iterdir()
            if p.name not in (FACTS_FILE, BUILDING) and not (p.name == JOURNAL and p.stat().st_size == 0)}


def file_digests(root: Path, *, leave_out: Collection[str] = (), mtimes: bool = False) -> dict:
    """Every file under root by relative path: its sha256, hashed here, and its mtime if asked."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name not in leave_out:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            found[path.relative_to(root).as_posix()] = (digest, path.stat().st_mtime_ns) if mtimes else digest
    return found


@pytest.fixture(scope="session")
def verapdf() -> str:
    """veraPDF's version; fetches it on first use, skips (or fails in CI) where it cannot run."""
    try:
        return verapdf_version()
    except VeraPDFUnavailable as error:
        if IN_CI:
            pytest.fail(f"veraPDF is required in CI: {error}")
        pytest.skip(f"{error} (then run make test again)")


def _checkout_entries() -> set[str]:
    """What git sees in the checkout besides its committed files: changes, new and ignored entries."""
    result = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--ignored"],
                            capture_output=True, text=True)
    return {line for line in result.stdout.splitlines() if "__pycache__" not in line}


@pytest.fixture(scope="session", autouse=True)
def checkout_left_alone():
    """Fail the run when a test wrote into the checkout (an archive/, a .build/, a cache...)."""
    before = _checkout_entries()
    yield
    appeared = sorted(_checkout_entries() - before)
    assert not appeared, f"tests wrote into the checkout: {appeared} (write under tmp_path instead)"
