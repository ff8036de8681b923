"""Does archivist scale linearly? Time `archivist build` from clean on N and 10 N articles,
then a `make` with all 10 N up to date.

Run by hand (it takes about ten minutes on 2 cores at the default N = 1,000):
    .venv/bin/python bench/scale.py [--count 1000] [--out bench/results-scale.md]
The corpus is bench/corpus.py's, so the 10 N corpus starts with the N one. With --newsroom
the articles are renamed as a newsroom exports them (00042_1f0c9a3e5b7d2468.txt, no date in
the name), so make's plan must read every record's date to name the PDFs; --noop-only
builds only the 10 N corpus and times the plan and the no-op make.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def timed(command: list[str], **kwargs: object) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, **kwargs)
    return time.perf_counter() - start


def newsroom_names(corpus: Path) -> None:
    """Rename every article and record as a newsroom export names them: no date in the name."""
    for index, article in enumerate(sorted((corpus / "seeds").glob("*.txt"))):
        name = f"{index:05d}_{hashlib.sha256(article.stem.encode()).hexdigest()[:16]}"
        article.rename(article.with_name(f"{name}.txt"))
        record = corpus / "metadata" / f"{article.stem}.yaml"
        record.rename(record.with_name(f"{name}.yaml"))


def build_seconds(work: Path, count: int, jobs: int, newsroom: bool = False) -> float:
    corpus = work / f"corpus-{count}"
    subprocess.run([sys.executable, str(HERE / "corpus.py"), "--count", str(count), "--out", str(corpus)],
                   check=True, capture_output=True)
    if newsroom:
        newsroom_names(corpus)
    archive = work / f"archive-{count}"
    archivist = str(REPO / ".venv" / "bin" / "archivist")
    return timed([archivist, "build", "--seeds", str(corpus / "seeds"), "--metadata",
                  str(corpus / "metadata"), "--archive", str(archive), "-j", str(jobs)])


def plan_seconds(work: Path, count: int) -> float:
    """`archivist plan`, which make runs when an article or a deciding record comes or goes."""
    corpus, archive = work / f"corpus-{count}", work / f"archive-{count}"
    return timed([str(REPO / ".venv" / "bin" / "archivist"), "plan", "--seeds", str(corpus / "seeds"),
                  "--metadata", str(corpus / "metadata"), "--archive", str(archive),
                  "--out", str(work / "plan.mk")])


def noop_make_seconds(work: Path, count: int) -> float:
    corpus, archive = work / f"corpus-{count}", work / f"archive-{count}"
    args = ["make", "-C", str(REPO), f"SEEDS={corpus / 'seeds'}", f"METADATA={corpus / 'metadata'}",
            f"ARCHIVE={archive}"]
    # The archive was built by archivist directly: make -t writes make's plan and stamps for
    # it and marks the PDFs (built before those stamps) up to date, without building.
    subprocess.run([*args, "-t"], check=True, capture_output=True)
    result = subprocess.run(args, check=True, capture_output=True, text=True)
    assert "Nothing to be done" in result.stdout, result.stdout + result.stderr
    return min(timed(args) for _ in range(3))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=HERE / "results-scale.md")
    parser.add_argument("--newsroom", action="store_true", help="names without a date")
    parser.add_argument("--noop-only", action="store_true", help="only the plan and the no-op make")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="archivist-scale-"))
    if args.noop_only:
        try:
            build_seconds(work, 10 * args.count, args.jobs, args.newsroom)
            plan, noop = plan_seconds(work, 10 * args.count), noop_make_seconds(work, 10 * args.count)
        finally:
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(work.parent / f".{work.name}.staging", ignore_errors=True)
        print(f"{10 * args.count:,} articles{' with newsroom names' if args.newsroom else ''}: "
              f"archivist plan {plan:.2f} s; make with every PDF up to date {noop:.2f} s (best of 3)")
        return 0
    try:
        small = build_seconds(work, args.count, args.jobs, args.newsroom)
        large = build_seconds(work, 10 * args.count, args.jobs, args.newsroom)
        noop = noop_make_seconds(work, 10 * args.count)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(work.parent / f".{work.name}.staging", ignore_errors=True)
    ratio = large / (10 * small)
    args.out.write_text(
        "# archivist: does a build scale linearly?\n\n"
        f"`archivist build -j {args.jobs}` from an empty archive, bench/corpus.py seed 1, "
        f"on {os.cpu_count()} cores.\n\n"
        "| articles | seconds | articles/s |\n| --: | --: | --: |\n"
        f"| {args.count:,} | {small:.1f} | {args.count / small:.1f} |\n"
        f"| {10 * args.count:,} | {large:.1f} | {10 * args.count / large:.1f} |\n\n"
        f"Time for {10 * args.count:,} ÷ (10 × time for {args.count:,}) = **{ratio:.2f}** "
        "(target: at most 1.10).\n\n"
        f"`make` with all {10 * args.count:,} PDFs up to date: **{noop:.2f} s** (best of 3; target: "
        "under 1 s).\n\nReproduce: `.venv/bin/python bench/scale.py`\n",
        encoding="utf-8",
    )
    print(args.out.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
