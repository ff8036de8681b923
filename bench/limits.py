"""How long one article takes to build, by shape and size: the measurements behind the reader's limits.

Each shape is grown until one build passes a time budget; the table shows size, seconds
and peak memory of a fresh process building the one article (read, validate, typeset,
PDF/A, check), so that ``article.MAX_ARTICLE_BYTES`` and ``MAX_WORD_CHARS`` can be set
where a build still ends in bounded time. Run by hand, on a quiet machine:

    .venv/bin/python bench/limits.py [--budget SECONDS] [--shapes prose,word,lines]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

RECORD = 'title: Mesure\ndate: "2021-07"\nlanguage: fr\nidentifier: "urn:archivist:2021-07-bench"\n'
SENTENCE = ("La coopération sécuritaire entre les deux pays a été renforcée cette année, "
            "a déclaré le ministre. ")


def article(shape: str, size: int) -> bytes:
    """About ``size`` bytes of one shape of text."""
    if shape == "prose":  # paragraphs of about 1,000 characters
        paragraph = SENTENCE * 10
        return ("date 2021-07\n" + (paragraph + "\n") * max(1, size // len(paragraph.encode()))).encode()
    if shape == "word":  # one word without a space
        return b"date 2021-07\n" + b"x" * size
    if shape == "lines":  # one letter per line: as many paragraphs as lines
        return b"date 2021-07\n" + b"a\n" * (size // 2)
    if shape == "longwords":  # words of the longest length the reader takes, one paragraph each
        from archivist.article import MAX_WORD_CHARS

        return b"date 2021-07\n" + (b"x" * MAX_WORD_CHARS + b"\n") * max(1, size // (MAX_WORD_CHARS + 1))
    raise ValueError(shape)


CHILD = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    from archivist.build import Paths, build_one
    from archivist.profile import DEFAULT_PROFILE
    root = Path(sys.argv[1])
    started = time.monotonic()
    try:
        paths = Paths(root / "seeds", root / "metadata", root / "archive")
        build_one(paths, "2021-07-bench", DEFAULT_PROFILE)
        outcome = "built"
    except Exception as error:
        outcome = str(error)[:120]
    print(json.dumps({"seconds": time.monotonic() - started, "outcome": outcome,
                      "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
""")


def measure(shape: str, size: int, timeout: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for folder in ("seeds", "metadata", "archive"):
            (root / folder).mkdir()
        (root / "seeds" / "2021-07-bench.txt").write_bytes(article(shape, size))
        (root / "metadata" / "2021-07-bench.yaml").write_text(RECORD, encoding="utf-8")
        try:
            done = subprocess.run([sys.executable, "-c", CHILD, scratch], capture_output=True, text=True,
                                  timeout=timeout, check=True)
        except subprocess.TimeoutExpired:
            return {"seconds": timeout, "outcome": "timed out", "peak_mib": None}
        return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=float, default=60.0, help="stop growing a shape past this (s)")
    parser.add_argument("--shapes", default="prose,word,lines")
    parser.add_argument("--start", type=int, default=64 << 10, help="first size, in bytes")
    parser.add_argument("--sizes", help="measure exactly these sizes (comma-separated bytes), no growing")
    args = parser.parse_args()
    if args.sizes:
        print("| shape | bytes | seconds | peak MiB | outcome |\n| --- | ---: | ---: | ---: | --- |")
        for shape in args.shapes.split(","):
            for size in map(int, args.sizes.split(",")):
                result = measure(shape, size, args.budget * 4)
                print(f"| {shape} | {size:,} | {result['seconds']:.1f} | {result['peak_mib']} | "
                      f"{result['outcome']} |", flush=True)
        return
    print("| shape | bytes | seconds | peak MiB | outcome |\n| --- | ---: | ---: | ---: | --- |")
    for shape in args.shapes.split(","):
        size = args.start
        while True:
            result = measure(shape, size, args.budget * 4)
            print(f"| {shape} | {size:,} | {result['seconds']:.1f} | {result['peak_mib']} | "
                  f"{result['outcome']} |", flush=True)
            if result["seconds"] > args.budget or result["outcome"] != "built" or size >= 16 << 20:
                break
            size *= 2


if __name__ == "__main__":
    main()
