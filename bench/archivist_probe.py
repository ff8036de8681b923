"""Per-article timings of archivist through its Python API (``archivist.build``).

Runs under the *project's* interpreter (it needs reportlab, pypdf, archivist),
not bench/.venv; run.py starts it as a subprocess and reads one JSON object
from stdout.  It times ``build_one`` (read, validate, typeset, PDF/A, check,
store), the same per-article work the CLI does, minus the CLI's start-up.

* ``warm``: one process, two untimed articles first (or, with ``--warm-from``, every
  article of another corpus) into a scratch archive, then every article; also the CPU time
  (user + system, all threads) of that pass over the corpus. The archive's folder and its
  staging folder are made before the clock starts, as a peer's output folder is.
* ``one``: a fresh process building one article, import included (cold).
* ``probe``: exits 0 when the API this script relies on is importable.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any


def _api() -> tuple[Any, Any, Any]:
    """The three names used here; ImportError/AttributeError if the API moved."""
    from archivist.build import Paths, build_one
    from archivist.profile import DEFAULT_PROFILE

    return Paths, build_one, DEFAULT_PROFILE


def _paths(corpus: Path, archive: Path) -> Any:
    paths_type, _, _ = _api()
    return paths_type(corpus / "seeds", corpus / "metadata", archive)


def _make_archive(archive: Path) -> None:
    """The archive's folder and its staging folder (made by its first lock), untimed."""
    from archivist.store import archive_lock

    archive.mkdir(parents=True, exist_ok=True)
    with archive_lock(archive):
        pass


def warm(corpus: Path, archive: Path, scratch: Path, warm_from: Path | None = None) -> dict[str, object]:
    """Time ``build_one`` per article in one warmed-up process."""
    _, build_one, profile = _api()
    paths = _paths(corpus, archive)
    stems = paths.stems()
    # Warm up (untimed, into a scratch archive) on another corpus's articles, whose words
    # the timed ones need not share, or else on this corpus's two shortest.
    warm_paths = _paths(warm_from or corpus, scratch)
    warm_stems = warm_paths.stems() if warm_from else sorted(
        stems, key=lambda s: paths.article(s).stat().st_size)[:2]
    for stem in warm_stems:
        build_one(warm_paths, stem, profile)
    _make_archive(archive)
    results = []
    cpu_start = time.process_time()
    for stem in stems:
        start = time.perf_counter()
        built = build_one(paths, stem, profile)
        results.append({"stem": stem, "seconds": time.perf_counter() - start,
                        "bytes": built.size, "pages": built.pages})
    return {"articles": results, "cpu_seconds": time.process_time() - cpu_start,
            "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def one(corpus: Path, archive: Path, stem: str) -> dict[str, object]:
    """Build a single article in this fresh process (caller times the process)."""
    start = time.perf_counter()
    _, build_one, profile = _api()
    built = build_one(_paths(corpus, archive), stem, profile)
    return {"seconds": time.perf_counter() - start, "bytes": built.size, "pages": built.pages,
            "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def main(argv: list[str] | None = None) -> int:
    """Sub-command dispatcher; prints one JSON document on stdout."""
    parser = argparse.ArgumentParser(description="archivist API timings")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("probe")
    w = sub.add_parser("warm")
    w.add_argument("--corpus", type=Path, required=True)
    w.add_argument("--archive", type=Path, required=True)
    w.add_argument("--scratch", type=Path, required=True)
    w.add_argument("--warm-from", type=Path, help="warm up on this corpus's articles")
    o = sub.add_parser("one")
    o.add_argument("--corpus", type=Path, required=True)
    o.add_argument("--archive", type=Path, required=True)
    o.add_argument("--stem", required=True)
    args = parser.parse_args(argv)
    if args.command == "probe":
        import archivist

        _api()
        result: dict[str, object] = {"version": getattr(archivist, "__version__", "?")}
    elif args.command == "warm":
        result = warm(args.corpus, args.archive, args.scratch, args.warm_from)
    else:
        result = one(args.corpus, args.archive, args.stem)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
