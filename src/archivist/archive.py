"""The archive as a whole: the file that makes a folder an archivist archive, and emptying one.

An archive records the PDF/A profile it is built in, in ``archivist-profile.txt`` at its
top (``2u`` and a line feed), a file listed in the fixity manifest like any document.
It is written by the first build into the folder, and it is what tells an archive from
any other folder: ``clean`` removes nothing from a folder without it.

``clean`` removes only what archivist wrote and recorded writing: the files the manifest
lists (and those a killed build stored but had not listed yet, from their journal
intents), the catalog, the manifest and the profile file; then the year folders left
empty, and make's files for the archive (``MAKE_FOLDER``, in the staging folder beside
it) and the records' facts kept there (``identifiers.record_facts``). Anything else in the
folder is kept and named. It never walks the folder to delete: a path given by mistake (an
empty one, two words, the project itself) loses nothing.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import manifest
from .errors import ArchiveReadError, ArchivistError, UsageError
from .inputfile import read_regular
from .profile import DEFAULT_PROFILE, Profile
from .store import (
    FACTS_FILE,
    archive_lock,
    archive_write,
    forget_intents,
    intents,
    no_build_at_work,
    staging_dir,
    sweep_staging,
)

PROFILE_NAME = "archivist-profile.txt"
MAKE_FOLDER = "make"  # make's plan, stamps and lists for this archive, in the staging folder beside it
_CATALOG_FILES = ("catalog.sqlite-wal", "catalog.sqlite-shm", "catalog.sqlite-journal", "catalog.sqlite")
_MAX_PROFILE_BYTES = 64


def read_profile(archive: Path) -> Profile | None:
    """The profile the archive records, or None for a folder no build has written to yet."""
    path = archive / PROFILE_NAME
    try:
        raw = read_regular(path, _MAX_PROFILE_BYTES)  # a FIFO would hold every command for ever
    except (FileNotFoundError, NotADirectoryError):  # no archive there: its command says so
        return None
    except OSError as error:
        raise ArchiveReadError(f"cannot read the archive's profile: {error.strerror}", path=path,
                               hint="it holds the profile the archive was built in, such as 2u; "
                               "restore it from a backup") from None
    try:
        return Profile.parse(raw.decode("utf-8").strip())
    except (UnicodeDecodeError, ArchivistError):
        raise ArchiveReadError(
            f"does not name a PDF/A profile: {raw[:_MAX_PROFILE_BYTES]!r}", path=path,
            hint="it holds the profile the archive was built in, such as 2u; restore it from a backup "
            "('archivist verify' tells whether it was altered)",
        ) from None


def write_profile(archive: Path, profile: Profile) -> None:
    """Record ``profile`` as the archive's, and list the file in the manifest at once."""
    path = archive / PROFILE_NAME
    archive_write(archive, path, f"{profile.name}\n".encode())
    manifest.add_files(archive, [path])


def profile_for(archive: Path, requested: Profile | None,
                refusal: type[ArchivistError] | None) -> tuple[Profile, Profile | None]:
    """The profile to work in (``requested``, else the archive's, else the default) and the one
    the archive records; a ``requested`` one other than the archive's raises ``refusal``
    (``None`` allows it: ``build --change-profile``)."""
    recorded = read_profile(archive)
    profile = requested or recorded or DEFAULT_PROFILE
    if refusal is not None and recorded is not None and profile != recorded:
        raise refusal(
            f"the archive is {recorded.title}, not {profile.title}, and nothing was done",
            path=archive / PROFILE_NAME,
            hint=f"drop --profile to work in {recorded}; to rebuild the whole archive as {profile}, "
            f"run 'archivist build --profile {profile} --change-profile' (make: PROFILE={profile} "
            "CHANGE_PROFILE=yes)",
        )
    return profile, recorded


@dataclass
class Cleaned:
    """What ``clean`` removed (or would remove) and what it left because archivist did not write it."""

    removed: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def clean(archive: Path, *, dry_run: bool = False) -> Cleaned:
    """Remove every file archivist wrote into ``archive``; refuse a folder that is not an archive."""
    if not str(archive).strip():
        raise UsageError("no archive folder named", hint="name it: --archive archive (make: ARCHIVE=archive)")
    if not archive.is_dir():  # a link to a folder will do: what is removed is inside its real path
        raise UsageError("there is no archive folder here", path=archive,
                         hint="name the archive folder with --archive (make: ARCHIVE=...)")
    if not _holds_files(archive):
        return Cleaned()  # empty but for .gitkeep and folders: nothing archivist could have written
    marker = archive / PROFILE_NAME
    if marker.is_symlink() or not marker.is_file():
        raise UsageError(
            f"is not an archivist archive (it has no {PROFILE_NAME}), so nothing was removed",
            path=archive, hint="name the archive folder with --archive (make: ARCHIVE=...); an archive "
            "made before archivist recorded its profile gets that file from its next build",
        )
    read_profile(archive)  # a marker that names no profile is not archivist's either
    if dry_run:  # says what a clean would do now, refused while a build is at work as it would be
        with no_build_at_work(archive, dry_run=True):
            return _clean(archive, dry_run)
    with archive_lock(archive), no_build_at_work(archive):
        return _clean(archive, dry_run)


def _holds_files(archive: Path) -> bool:
    for folder, _, names in os.walk(archive):
        if any(name != ".gitkeep" or Path(folder) != archive for name in names):
            return True
    return False


def _clean(archive: Path, dry_run: bool) -> Cleaned:
    listed = manifest.read_manifest(archive).entries
    pending = [intent for intent in intents(archive) if intent.settled]
    documents = sorted({*listed, *(i.relpath for i in pending if i.relpath)} - {PROFILE_NAME})
    bookkeeping = [*_CATALOG_FILES, manifest.MANIFEST_NAME, PROFILE_NAME]  # the marker goes last
    cleaned = Cleaned()
    root = archive.resolve()
    folders: set[Path] = set()
    for relpath in [*documents, *bookkeeping]:
        path = archive / relpath
        if not path.is_symlink() and not path.exists():
            continue
        parent = path.parent.resolve()
        if path.is_symlink() or not path.is_file() or (parent != root and root not in parent.parents):
            continue  # not a file archivist wrote: a link, a folder, or reached through a link
        if path.parent != archive:
            folders.add(path.parent)
        if not dry_run:
            try:
                path.unlink()
            except FileNotFoundError:  # gone meanwhile: SQLite drops -wal and -shm as its last reader closes
                continue
        cleaned.removed.append(path)
    work = staging_dir(archive) / MAKE_FOLDER
    made = sorted(p for p in work.iterdir() if p.is_file() and not p.is_symlink()) if work.is_dir() else []
    cleaned.removed += made
    if not dry_run:
        forget_intents(archive, pending)
        sweep_staging(archive)
        (staging_dir(archive) / FACTS_FILE).unlink(missing_ok=True)  # a cache, like the staged parts
        for path in made:
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            work.rmdir()
        for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
            with contextlib.suppress(OSError):  # not empty: something archivist did not write is in it
                folder.rmdir()
    removed = set(cleaned.removed)
    for folder, dirs, names in os.walk(archive):  # never follows a symbolic link
        dirs.sort()
        for name in sorted(names):
            path = Path(folder, name)
            if path not in removed and not (name == ".gitkeep" and Path(folder) == archive):
                cleaned.kept.append(path)
    return cleaned
