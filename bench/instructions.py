"""Instructions per article, archivist beside Typst: figures a busy machine does not move.

CPU seconds on a shared machine drift by tens of per cent within an hour; the number of
instructions a run executes does not (valgrind's cachegrind counts them; hash randomisation
is fixed, so a run repeats to the instruction). For each system this runs the batch of
`run.py` on the corpus's first article alone and on its first N articles, each under
cachegrind, and reports the fixed cost (the one-article run: start-up, imports, fonts, the
article) and the marginal cost of each further article, then archivist's ratios to each peer
at N and at 60 articles. An instruction of Python's interpreter takes longer on average than
one of compiled code, so these ratios understate the time ratios of `run.py`; what they give
is a before/after that holds on any machine, at any load.

With ``--held-out DIR`` (a folder of ``seeds/`` and ``metadata/``, such as the project's own:
real articles the generated corpus knows nothing of), it also runs the N articles followed by
DIR's and reports what each of DIR's articles adds: the cost of a real article in a process
already warm from others, whose words it has not seen.

Run by hand (valgrind is a Debian package; it runs programs about fifty times slower):
    bench/.venv/bin/python bench/instructions.py                      # 10 articles
    bench/.venv/bin/python bench/instructions.py --count 20 --systems archivist,typst
    bench/.venv/bin/python bench/instructions.py --count 20 --held-out .   # and the project's seeds
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import corpus as corpus_mod  # noqa: E402
import peers  # noqa: E402

PEERS = ("typst", "typst-a2a-ua1")
_TOTAL = re.compile(r"I\s+refs:\s+([\d,]+)")


ARCHIVIST_PYTHON = str(HERE / ".venv-archivist" / "bin" / "python")


def archivist_env(src: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONHASHSEED": "0", "PYTHONPATH": str(src)}


def command(system: str, corpus: Path, out: Path, src: Path) -> tuple[list[str], dict[str, str]]:
    """The batch run of ``system`` over ``corpus``, as run.py's 1-core run makes it: the peers
    in archivist's body geometry."""
    env = archivist_env(src)
    if system == "archivist":
        out.mkdir()
        return [ARCHIVIST_PYTHON, "-m", "archivist", "build",
                "--seeds", str(corpus / "seeds"), "--metadata", str(corpus / "metadata"),
                "--archive", str(out / "archive"), "-j", "1"], env
    geometry = peers.archivist_geometry(ARCHIVIST_PYTHON, env)
    del env["PYTHONPATH"]
    return [sys.executable, str(HERE / "peers.py"), "batch", "--engine", system,
            "--corpus", str(corpus), "--out", str(out), "-j", "1", "--geometry", geometry.arg()], env


def instructions(system: str, corpus: Path, scratch: Path, src: Path, counted: bool = True) -> int:
    """Instructions one batch run of ``system`` executes, every thread and child included;
    with ``counted`` false, the run only fills the bytecode cache and returns 0."""
    out = Path(tempfile.mkdtemp(dir=scratch))
    shutil.rmtree(out)
    cmd, env = command(system, corpus, out, src)
    valgrind = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--trace-children=yes",
                "--cachegrind-out-file=/dev/null"] if counted else []
    done = subprocess.run([*valgrind, *cmd], env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{system} failed under valgrind:\n{done.stderr[-2000:]}")
    return sum(int(count.replace(",", "")) for count in _TOTAL.findall(done.stderr))


def subset(source: Path, stems: list[str], target: Path) -> Path:
    for folder, suffix in (("seeds", ".txt"), ("metadata", ".yaml")):
        (target / folder).mkdir(parents=True, exist_ok=True)
        for stem in stems:
            shutil.copy(source / folder / f"{stem}{suffix}", target / folder / f"{stem}{suffix}")
    return target


def stems_of(corpus: Path) -> list[str]:
    return sorted(path.stem for path in (corpus / "seeds").glob("*.txt"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10, help="articles of the larger run (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--systems", default="archivist,typst,typst-a2a-ua1",
                        help="archivist and any of " + ", ".join(PEERS))
    parser.add_argument("--src", type=Path, default=REPO / "src",
                        help="archivist's source tree (default: the working tree's src/), "
                        "e.g. an older commit's from 'git archive'")
    parser.add_argument("--held-out", type=Path, metavar="DIR",
                        help="also report what each article of DIR/seeds (records in DIR/metadata) "
                        "adds to the run of the N articles")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed (apt-get install valgrind)")
    if args.count < 2:
        parser.error("--count must be at least 2")
    systems = args.systems.split(",")
    with tempfile.TemporaryDirectory(prefix="archivist-instructions-") as scratch_name:
        scratch = Path(scratch_name)
        corpus_mod.write_corpus(args.count, args.seed, scratch / "all")
        stems = stems_of(scratch / "all")
        one = subset(scratch / "all", stems[:1], scratch / "one")
        held_out = stems_of(args.held_out) if args.held_out else []
        if held_out:
            subset(args.held_out, held_out, subset(scratch / "all", stems, scratch / "with"))
        costs, added = {}, {}
        for system in systems:
            instructions(system, one, scratch, args.src, counted=False)  # no run pays compilation
            fixed = instructions(system, one, scratch, args.src)
            whole = instructions(system, scratch / "all", scratch, args.src)
            costs[system] = (fixed, (whole - fixed) / (args.count - 1))
            if held_out:
                more = instructions(system, scratch / "with", scratch, args.src)
                added[system] = (more - whole) / len(held_out)
    print(f"Instructions (millions), corpus seed {args.seed}: one article, then each further one "
          f"(from a run of {args.count})")
    sizes = list(dict.fromkeys((args.count, 60)))
    print(f"{'system':<16}{'one article':>12}{'each further':>14}"
          + "".join(f"{'per article at ' + str(n):>20}" for n in sizes))
    for system, (fixed, marginal) in costs.items():
        at = [(fixed + marginal * (n - 1)) / n / 1e6 for n in sizes]
        print(f"{system:<16}{fixed / 1e6:>12.0f}{marginal / 1e6:>14.1f}" + "".join(f"{a:>20.1f}" for a in at))
    if held_out:
        print(f"Each of the {len(held_out)} held-out article(s) of {args.held_out}, after the {args.count}: "
              + ", ".join(f"{system} {cost / 1e6:.1f}" for system, cost in added.items())
              + ("; archivist ÷ " + ", ".join(f"{peer} {added['archivist'] / added[peer]:.2f}×"
                                              for peer in added if peer != "archivist")
                 if "archivist" in added else ""))
    if "archivist" in costs:
        fixed, marginal = costs["archivist"]
        for peer in (system for system in systems if system != "archivist"):
            peer_fixed, peer_marginal = costs[peer]
            ratios = [f"at {n} {(fixed + marginal * (n - 1)) / (peer_fixed + peer_marginal * (n - 1)):.2f}×"
                      for n in sizes]
            print(f"archivist ÷ {peer}: one article {fixed / peer_fixed:.2f}×, each further "
                  f"{marginal / peer_marginal:.2f}×, " + ", ".join(ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
