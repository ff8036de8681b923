"""Where the inputs are and where the archive is: the folders every command is given."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .store import document_path


@dataclass(frozen=True)
class Paths:
    """Where the inputs are and where the archive is."""

    seeds: Path
    metadata: Path
    archive: Path

    def article(self, stem: str) -> Path:
        return self.seeds / f"{stem}.txt"

    def record(self, stem: str) -> Path:
        return self.metadata / f"{stem}.yaml"

    def pdf(self, name: str) -> Path:
        """The PDF archived under ``name`` (``store.archive_name``; a dated stem is its own name)."""
        return document_path(self.archive, name)

    def oai_dc(self, name: str) -> Path:
        """The harvestable Dublin Core record beside the PDF."""
        return document_path(self.archive, name, ".xml")

    def stems(self) -> list[str]:
        return sorted(p.stem for p in self.seeds.glob("*.txt"))

    def require_seeds(self) -> None:
        """Refuse a seeds folder that is not there: a build of nothing is no success."""
        if not self.seeds.is_dir():
            raise UsageError("there is no seeds folder here", path=self.seeds,
                             hint="name the folder of articles with --seeds (make: SEEDS=...)")

    def require_apart(self) -> None:
        """Refuse an archive that is the seeds or metadata folder: its own files would be taken
        for articles and records."""
        archive = self.archive.resolve()
        for folder, name in ((self.seeds, "seeds"), (self.metadata, "metadata")):
            if folder.resolve() == archive:
                raise UsageError(f"the archive is the {name} folder {folder}", path=self.archive,
                                 hint="give the archive a folder of its own (--archive; make: ARCHIVE=...)")
