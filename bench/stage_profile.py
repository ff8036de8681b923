"""Where archivist's CPU time goes, per article and per stage, in one warm process.

Run by hand with the project's interpreter (it imports archivist):

    .venv/bin/python bench/stage_profile.py                 # 60 bench articles, default profile
    .venv/bin/python bench/stage_profile.py --count 200 --profile 2u --top 25

It writes the bench corpus (``bench/corpus.py``) into a temporary folder, builds every
article twice through ``archivist.build.build_one`` (the second pass timed, so imports,
fonts and hyphenation dictionaries are already loaded), and prints

* CPU ms per article for each stage of the pipeline (read and validate, typeset, PDF/A,
  check, store) and in all, measured without the profiler;
* cProfile's functions by own time, then by cumulative time, from a third, profiled pass
  (cProfile slows Python code more than C code: read its shares, not its seconds).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus as corpus_mod

from archivist import build
from archivist.profile import DEFAULT_PROFILE, Profile

# The stage functions build_one calls, by the name build imports them under.
STAGES = {
    "read + validate": "load_inputs",
    "typeset": "typeset",
    "PDF/A": "make_pdfa",
    "check (pypdf)": "prove_pdf",
    "oai_dc + its check": ("oai_dc", "check_oai_dc"),
    "store (fsync, rename)": "archive_write_all",
}


def _timed(spent: dict[str, float], stage: str, function: Callable) -> Callable:
    def timed(*args, **kwargs):
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[stage] += time.process_time() - start
    return timed


def stage_split(paths: build.Paths, stems: list[str], profile: Profile) -> tuple[dict[str, float], float]:
    """CPU seconds per stage and in all, over one pass of ``stems``."""
    spent: dict[str, float] = defaultdict(float)
    originals = {}
    for stage, names in STAGES.items():
        for name in (names,) if isinstance(names, str) else names:
            if hasattr(build, name):
                originals[name] = getattr(build, name)
                setattr(build, name, _timed(spent, stage, originals[name]))
    try:
        start = time.process_time()
        for stem in stems:
            build.build_one(paths, stem, profile)
        total = time.process_time() - start
    finally:
        for name, function in originals.items():
            setattr(build, name, function)
    return spent, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=60, help="articles (default 60)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--profile", type=Profile.parse, default=DEFAULT_PROFILE,
                        help=f"PDF/A profile (default {DEFAULT_PROFILE})")
    parser.add_argument("--top", type=int, default=20, help="functions listed (default 20)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="archivist-profile-") as scratch:
        root = Path(scratch)
        corpus_mod.write_corpus(args.count, args.seed, root / "corpus")
        paths = build.Paths(root / "corpus" / "seeds", root / "corpus" / "metadata", root / "archive")
        stems = paths.stems()
        for stem in stems:  # warm-up: imports, fonts, dictionaries, the archive's folders
            build.build_one(paths, stem, args.profile)
        spent, total = stage_split(paths, stems, args.profile)
        profiler = cProfile.Profile()
        profiler.enable()
        for stem in stems:
            build.build_one(paths, stem, args.profile)
        profiler.disable()
    n = len(stems)
    print(f"{n} articles, profile {args.profile}: {total * 1000 / n:.1f} CPU ms per article")
    for stage, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"  {stage:24} {seconds * 1000 / n:6.1f} ms  {100 * seconds / total:4.0f} %")
    other = total - sum(spent.values())
    print(f"  {'other (hashes, catalog)':24} {other * 1000 / n:6.1f} ms  {100 * other / total:4.0f} %")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
        print(out.getvalue().split("\n", 4)[-1].rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
