"""Shared fixtures: a scratch archive holding the first article, and the real readers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archivist.build import Paths

REPO = Path(__file__).resolve().parents[1]
FIRST = "2021-07-laftit-lamorgese-rabat"
IN_CI = os.environ.get("CI", "").lower() == "true"


def require_tool(name: str) -> str:
    """The tool's path; a skip on a developer machine without it, a failure in CI."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (apt-get install it, or run .ci/run)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


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


def archivist(*args: str | Path, cwd: Path | None = None, env: dict | None = None,
              check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "archivist", *map(str, args)],
        cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=check,
    )


def make(paths: Paths, *args: str) -> subprocess.CompletedProcess[str]:
    """The checkout's make on the folders of ``paths``: their plan and stamps stay beside them."""
    require_tool("make")
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO), f"SEEDS={paths.seeds}",
         f"METADATA={paths.metadata}", f"ARCHIVE={paths.archive}", *args],
        capture_output=True, text=True, timeout=600,
    )


def folder_args(paths: Paths) -> list[str]:
    return ["--seeds", str(paths.seeds), "--metadata", str(paths.metadata),
            "--archive", str(paths.archive)]
