"""The exit codes are declared once (errors.ExitCode): the help, the README and docs/errors.md agree."""

from __future__ import annotations

import re

from conftest import REPO, archivist

from archivist import errors
from archivist.errors import ArchivistError, ExitCode

DECLARED = {code.value: code.meaning for code in ExitCode}


def _table(text: str, header: str) -> list[list[str]]:
    """The rows of the Markdown table starting at ``header``, cells without backticks."""
    lines = text[text.index(header):].split("\n\n", 1)[0].splitlines()[2:]
    return [[cell.strip().replace("`", "") for cell in line.strip("|").split("|")] for line in lines]


def test_help_lists_every_exit_code_once():
    shown = archivist("--help", check=True).stdout.split("exit codes:\n", 1)[1]
    listed = [re.fullmatch(r"\s*(\d+)  (.+)", line) for line in shown.strip("\n").splitlines()]
    assert all(listed), shown
    assert {int(m[1]): m[2] for m in listed} == DECLARED
    assert len(listed) == len(DECLARED)


def test_readme_table_is_the_declared_codes():
    rows = _table((REPO / "README.md").read_text(encoding="utf-8"), "| code | meaning |")
    assert [(int(code), meaning) for code, meaning in rows] == list(DECLARED.items())


def test_errors_doc_names_each_code_and_the_error_class_that_exits_with_it():
    rows = _table((REPO / "docs" / "errors.md").read_text(encoding="utf-8"), "| code | error class")
    assert [(int(code), meaning) for code, _, meaning in rows] == list(DECLARED.items())
    raised = {cls.__name__: cls.exit_code for cls in vars(errors).values()
              if isinstance(cls, type) and issubclass(cls, ArchivistError)}
    named = {name: int(code) for code, name, _ in rows if name}
    assert named == raised  # every error class is in the table, with the code it exits with
