"""What the bytes of a PDF depend on besides its article, record and profile.

Two machines with equal fingerprints make byte-identical PDFs from the same inputs; a
cluster build refuses any worker whose fingerprint differs from the client's, since its
PDFs would differ from those a local build makes (and from each other, run to run).
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from importlib import metadata
from importlib.resources import files

from . import __version__

# Read by the writer on whichever machine typesets: part of what a PDF is.
ENVIRONMENT = ("SOURCE_DATE_EPOCH",)


@functools.cache
def _installed() -> dict[str, str]:
    """The code, dependencies, fonts and ICC profile: fixed for the life of a process."""
    package = files("archivist")
    code = hashlib.sha256()
    for name in sorted(entry.name for entry in package.iterdir() if entry.name.endswith(".py")):
        code.update(name.encode() + b"\0" + (package / name).read_bytes() + b"\0")
    parts = {
        "archivist version": __version__,
        "archivist code": code.hexdigest()[:16],
        "Python": ".".join(map(str, sys.version_info[:2])),
    }
    parts.update({f"{name} version": version for name, version in _dependencies().items()})
    shipped = []
    for folder in ("fonts", "icc"):
        for entry in sorted((package / "data" / folder).iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".txt"):  # the licences: not part of any PDF
                shipped.append(entry.read_bytes())
                parts[f"{folder[:-1] if folder == 'fonts' else 'ICC profile'} {entry.name}"] = (
                    hashlib.sha256(shipped[-1]).hexdigest()[:16])
    parts["Flate output"] = _flate_output(shipped)
    return parts


def _flate_output(samples: list[bytes]) -> str:
    """What libdeflate makes of the first 16 KB of each sample at every level: its version alone
    does not say, since the ``deflate`` package may be built against the system's libdeflate."""
    import deflate

    digest = hashlib.sha256()
    for sample in samples:
        for level in range(1, 13):
            digest.update(deflate.zlib_compress(sample[:16384], level))
    return digest.hexdigest()[:16]


def _dependencies() -> dict[str, str]:
    """Every distribution archivist needs at run time here, direct or not, with its version.

    Uses ``packaging`` (installed with the cluster extra, the only user of fingerprints)
    to skip what an extra or an environment marker leaves out.
    """
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, str] = {}
    waiting = ["archivist"]
    while waiting:
        try:
            requires = metadata.requires(waiting.pop()) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue
            name = canonicalize_name(requirement.name)
            if name not in found:
                try:
                    found[name] = metadata.version(name)
                except metadata.PackageNotFoundError:
                    found[name] = "not installed"
                waiting.append(name)
    return dict(sorted(found.items()))


def fingerprint() -> dict[str, str]:
    """Name -> value of everything besides the inputs that a PDF's bytes depend on here."""
    environment = {name: os.environ.get(name, "unset") for name in ENVIRONMENT}
    return {**_installed(), **environment}


def digest(parts: dict[str, str]) -> str:
    return hashlib.sha256(repr(sorted(parts.items())).encode()).hexdigest()


def differences(here: dict[str, str], there: dict[str, str], where: str = "there") -> list[str]:
    """One phrase per part that differs, naming both values: 'pypdf version: 7.0.0 there, 7.1.0 here'."""
    return [f"{name}: {there.get(name, 'missing')} {where}, {here.get(name, 'missing')} here"
            for name in sorted(here.keys() | there.keys()) if here.get(name) != there.get(name)]
