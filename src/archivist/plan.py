"""make's plan: the PDF of every article, as a makefile that make includes.

Make must know every PDF it keeps up to date without opening an article or a record on
a run where nothing changed, yet an article whose name does not start with a date is
archived under a name taken from its record's date (``store.archive_name``). So
``archivist plan`` writes once what make needs: each PDF and the files it is made from.
The Makefile includes the plan and has it written again only when the seeds or metadata
folder gains or loses a file, the code changes, or a record that decides a name (that of
an article whose own name has no date) changes. A no-op make reads the plan and the
files' times, nothing else.

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
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ArchivistError
from .identifiers import record_facts
from .paths import Paths
from .store import archive_name, atomic_write, check_stem, leading_date


@dataclass
class Plan:
    planned: dict[str, str] = field(default_factory=dict)  # stem -> archive name
    unplanned: list[str] = field(default_factory=list)
    refused: list[ArchivistError] = field(default_factory=list)
    deciding: list[str] = field(default_factory=list)  # stems whose record's date names their PDF
    records: set[str] = field(default_factory=set)  # the metadata folder's names that exist


def make_plan(paths: Paths) -> Plan:
    paths.require_seeds()
    plan = Plan()
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
    return plan


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
    """The makefile make includes (see the Makefile), and beside it the refused articles' messages."""
    def pdf(name: str) -> str:
        return f"$(ARCHIVE)/{name[:4]}/{name}.pdf"

    def record(stem: str) -> str:
        return f" $(METADATA)/{stem}.yaml" if f"{stem}.yaml" in plan.records else ""

    stems = sorted([*plan.planned, *plan.unplanned])
    lines = [
        "# Written by 'archivist plan' for make: every article's PDF and the files it is made from.",
        f"PLAN_INPUTS := {_assign(str(paths.seeds))} {_assign(str(paths.metadata))}",
        f"STEMS := {' '.join(stems)}",
        f"UNPLANNED := {' '.join(plan.unplanned)}",
        f"REFUSED := {len(plan.refused) or ''}",
        f"PDFS := {' '.join(pdf(name) for name in plan.planned.values())}",
        "$(PLAN):" + "".join(record(stem) for stem in plan.deciding),
        *(f"{pdf(name)}: $(SEEDS)/{stem}.txt{record(stem)}" for stem, name in plan.planned.items()),
    ]
    refused = out.with_name(out.name + ".refused")
    if plan.refused:
        atomic_write(refused, "".join(f"archivist: {error}\n" for error in plan.refused).encode())
    else:
        refused.unlink(missing_ok=True)
    atomic_write(out, ("\n".join(lines) + "\n").encode())
