"""Benchmark archivist against Typst and WeasyPrint on one generated corpus.

Every measurement is a fresh process started from here, so all three systems
pay process start, imports and font loading the same way:

* throughput: the whole corpus on one core (``-j 1``) and on all cores;
  archivist through its CLI (``archivist build``, check included), the peers
  through ``peers.py batch`` (a multiprocessing pool when ``-j`` > 1);
* warm per-article time: one process, warmed up, timing each article
  (archivist through ``archivist.build.build_one`` when that API exists);
* warm CPU per article: the CPU time (user + system, all threads) of one
  warmed-up process's pass over the whole corpus, in rounds that run every
  system once, in a rotating order, so that all systems share the same
  minutes of a machine whose speed drifts;
* cold per-article time: wall time of a fresh process building one article,
  on a small sample;
* peak RSS of the largest process (``wait4`` rusage: a process and the
  workers it reaped), and PDF bytes per page.

Results go to bench/results.md (Markdown) with the machine and the command
to reproduce.  Usage: ``bench/.venv/bin/python bench/run.py [--quick]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import corpus as corpus_mod
import peers as peers_mod
import psutil
from pypdf import PdfReader

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ARCHIVIST_PYTHON = HERE / ".venv-archivist" / "bin" / "python"
PEERS = ("typst", "typst-a2a-ua1", "weasyprint")
#: The series of warm CPU passes: the generated corpus, and held-out real articles (in a
#: process first warmed on generated ones, so that it has seen none of their words).
CORPUS, HELD_OUT = "corpus", "held-out"
#: Generated articles a held-out pass warms up on: imports, fonts, dictionaries, caches.
HELD_OUT_WARM_UP = 10
# What each system's PDFs claim, as veraPDF flavours: a sample PDF passes when it passes all.
# archivist runs with its default profile, PDF/A-2a + PDF/UA-1.
FLAVOURS = {"archivist": ("2a", "ua1"), "typst": ("2u",), "typst-a2a-ua1": ("2a", "ua1"),
            "weasyprint": ("2u",)}
#: One subprocess never runs longer than this (a hang must not eat the budget).
TIMEOUT = 900
STARTED = time.perf_counter()


def log(message: str) -> None:
    """Progress on stderr, so a person running it by hand sees where it is."""
    print(f"[{time.perf_counter() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


@dataclass
class Proc:
    """One finished subprocess: exit code, wall seconds, peak RSS, output."""

    rc: int
    wall: float
    cpu: float
    rss_kib: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        """The JSON document the bench helpers print on their last line."""
        return json.loads(self.stdout.strip().splitlines()[-1])

    def why(self) -> str:
        """A one-line reason for a failure."""
        lines = [ln for ln in self.stderr.strip().splitlines() if ln.strip()]
        return f"exit {self.rc}: {lines[-1] if lines else 'no message'}"


def measured(cmd: list[str], env: dict[str, str] | None = None, cpus: int | None = None) -> Proc:
    """Run ``cmd`` on the first ``cpus`` CPUs; wall time, rusage of it and its workers.

    ``os.wait4`` gives the child's own rusage, whose ru_maxrss is the peak
    of the largest single process among the child and its waited-for
    descendants (pool workers): the 'per worker' peak asked for. Pinning
    matters: Typst lays out with threads of its own, so an unpinned '-j 1'
    would quietly use every core.
    """
    allowed = sorted(os.sched_getaffinity(0))
    chosen = set(allowed[:cpus]) if cpus else set(allowed)

    def pin() -> None:
        os.sched_setaffinity(0, chosen)

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env or child_env(),
                                stdin=subprocess.DEVNULL, preexec_fn=pin)
        deadline = start + TIMEOUT
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.002)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Proc(proc.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
                    out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def child_env(extra_path: str | None = None) -> dict[str, str]:
    """Environment of every measured process: bytecode cached outside the tree.

    Some machines set PYTHONDONTWRITEBYTECODE, which makes every cold start
    recompile archivist's modules; a private PYTHONPYCACHEPREFIX (set by
    main) keeps the cache out of src/ and bench/.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # WeasyPrint copies @font-face fonts into a mkdtemp() folder that pool
    # workers never delete; main points TMPDIR into the run's scratch space.
    env.pop("SOURCE_DATE_EPOCH", None)
    if extra_path:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [extra_path, env.get("PYTHONPATH")]))
    return env


@dataclass
class Result:
    """Everything measured for one system."""

    name: str
    articles: int = 0
    pages: int = 0
    size: int = 0
    wall_1: float | None = None
    wall_n: float | None = None
    cpu_1: float | None = None
    warm: list[float] = field(default_factory=list)
    cold: list[float] = field(default_factory=list)
    #: Runs one warm pass over a series' articles (CORPUS, HELD_OUT), writing into the given
    #: folder; a series whose pass cannot run, or failed once, is not here.
    passes: dict[str, Callable[[Path], Proc]] = field(default_factory=dict)
    #: CPU seconds per article of each warm pass of a series, one per round, in round order.
    cpu: dict[str, list[float]] = field(default_factory=dict)
    rss_kib: int = 0
    notes: list[str] = field(default_factory=list)
    failed: str | None = None
    sample_pdfs: list[Path] = field(default_factory=list)
    valid: str = "—"

    def rss(self, kib: int) -> None:
        """Keep the largest peak seen in any of this system's runs."""
        self.rss_kib = max(self.rss_kib, kib)


def pdf_totals(pdfs: list[Path]) -> tuple[int, int, int]:
    """(documents, pages, bytes) of the PDFs a run wrote."""
    pages = sum(len(PdfReader(p).pages) for p in pdfs)
    return len(pdfs), pages, sum(p.stat().st_size for p in pdfs)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: a value that was measured)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def cold_sample(stems: list[str], n: int) -> list[str]:
    """``n`` stems spread evenly over the sorted corpus (lengths are random)."""
    if n >= len(stems):
        return list(stems)
    step = len(stems) / n
    return [stems[int(i * step)] for i in range(n)]


# --- the peers ---------------------------------------------------------------

def run_peer(name: str, corpus: Path, work: Path, jobs: int, sample: list[str],
             geometry: peers_mod.Geometry, held_out: tuple[Path, Path] | None) -> Result:
    """Throughput at 1 and ``jobs`` processes, warm and cold timings for a peer, laying out
    ``geometry`` (archivist's own); ``held_out``: the real articles and the corpus a process
    warms up on before them."""
    result = Result(name)
    peers = [sys.executable, str(HERE / "peers.py")]
    shape = ["--geometry", geometry.arg()]
    cold_dir = work / f"{name}-cold"
    cold_dir.mkdir()

    def warm_pass(articles: Path, warm_from: list[str]) -> Callable[[Path], Proc]:
        return lambda out: measured(
            [*peers, "batch", "--engine", name, "--corpus", str(articles), "--out", str(out),
             "-j", "1", *shape, *warm_from], cpus=1)
    result.passes[CORPUS] = warm_pass(corpus, [])
    if held_out:
        result.passes[HELD_OUT] = warm_pass(held_out[0], ["--warm-from", str(held_out[1])])

    def one(stem: str) -> Proc:
        return measured([*peers, "one", "--engine", name,
                         "--seed", str(corpus / "seeds" / f"{stem}.txt"),
                         "--meta", str(corpus / "metadata" / f"{stem}.yaml"),
                         "--out", str(cold_dir / f"{stem}.pdf"), *shape], cpus=1)

    log(f"{name}: priming (one untimed article: OS file cache, bytecode cache)")
    proc = one(sample[0])
    if proc.rc:
        result.failed = f"priming run: {proc.why()}"
        return result
    for n in dict.fromkeys((1, jobs)):
        log(f"{name}: whole corpus, -j {n}")
        out = work / f"{name}-j{n}"
        proc = measured([*peers, "batch", "--engine", name, "--corpus", str(corpus),
                         "--out", str(out), "-j", str(n), *shape], cpus=n)
        if proc.rc:
            result.failed = f"-j {n}: {proc.why()}"
            return result
        data = proc.json()
        result.rss(max(proc.rss_kib, int(data["worker_rss_kib"])))
        if n == 1:
            result.wall_1, result.cpu_1 = proc.wall, proc.cpu
            result.warm = [float(a["seconds"]) for a in data["articles"]]
            result.articles, result.pages, result.size = pdf_totals(sorted(out.glob("*.pdf")))
            result.sample_pdfs = [out / f"{stem}.pdf" for stem in sample]
        if n == jobs:
            result.wall_n = proc.wall
    log(f"{name}: cold, {len(sample)} fresh processes")
    for stem in sample:
        proc = one(stem)
        if proc.rc:
            result.failed = f"cold {stem}: {proc.why()}"
            return result
        result.cold.append(proc.wall)
    return result


# --- archivist ---------------------------------------------------------------

@dataclass
class Archivist:
    """How to start archivist: its CLI command, interpreter and environment."""

    cli: list[str]
    python: str
    env: dict[str, str]


def find_archivist(cli: str | None, python: str | None) -> Archivist:
    """``python -m archivist`` with the working tree's src/ first on PYTHONPATH, by default in
    bench/.venv-archivist: archivist's dependencies as `make` installs them (setup.sh)."""
    interpreter = python or str(ARCHIVIST_PYTHON)
    env = child_env(str(REPO / "src"))
    command = shlex.split(cli) if cli else [interpreter, "-m", "archivist"]
    return Archivist(command, interpreter, env)


def run_archivist(arch: Archivist, corpus: Path, work: Path, jobs: int,
                  sample: list[str], held_out: tuple[Path, Path] | None) -> Result:
    """CLI throughput at 1 and ``jobs`` workers; API (or CLI) per-article times;
    ``held_out`` as for ``run_peer``."""
    result = Result("archivist")
    seeds, metadata = str(corpus / "seeds"), str(corpus / "metadata")
    ready = measured([*arch.cli, "build", "--help"], env=arch.env)
    if ready.rc:
        result.failed = f"`archivist build --help` failed ({ready.why()})"
        return result

    def cli_one(stem: str, archive: Path) -> list[str]:
        return [*arch.cli, "build", "--seeds", seeds, "--metadata", metadata,
                "--archive", str(archive), "-j", "1", stem]

    log("archivist: priming (one untimed article: OS file cache, bytecode cache)")
    proc = measured(cli_one(sample[0], work / "archivist-priming"), env=arch.env, cpus=1)
    if proc.rc:
        result.failed = f"priming run: {proc.why()}"
        return result
    for n in dict.fromkeys((1, jobs)):
        log(f"archivist: whole corpus, build -j {n}")
        archive = work / f"archivist-j{n}"
        proc = measured([*arch.cli, "build", "--seeds", seeds, "--metadata", metadata,
                         "--archive", str(archive), "-j", str(n)], env=arch.env, cpus=n)
        if proc.rc:
            result.failed = f"build -j {n}: {proc.why()}"
            return result
        result.rss(proc.rss_kib)
        if n == 1:
            result.wall_1, result.cpu_1 = proc.wall, proc.cpu
            result.articles, result.pages, result.size = pdf_totals(
                sorted(archive.rglob("*.pdf")))
            result.sample_pdfs = [p for stem in sample for p in archive.rglob(f"{stem}.pdf")]
        if n == jobs:
            result.wall_n = proc.wall
    probe = [arch.python, str(HERE / "archivist_probe.py")]
    if measured([*probe, "probe"], env=arch.env).rc == 0:
        log("archivist: warm, build_one per article in one process")
        proc = measured([*probe, "warm", "--corpus", str(corpus),
                         "--archive", str(work / "archivist-warm"),
                         "--scratch", str(work / "archivist-warm-up")], env=arch.env, cpus=1)
        if proc.rc:
            result.failed = f"warm: {proc.why()}"
            return result
        result.warm = [float(a["seconds"]) for a in proc.json()["articles"]]
        result.rss(proc.rss_kib)

        def warm_pass(articles: Path, warm_from: list[str]) -> Callable[[Path], Proc]:
            return lambda out: measured(
                [*probe, "warm", "--corpus", str(articles), "--archive", str(out / "archive"),
                 "--scratch", str(out / "warm-up"), *warm_from], env=arch.env, cpus=1)
        result.passes[CORPUS] = warm_pass(corpus, [])
        if held_out:
            result.passes[HELD_OUT] = warm_pass(held_out[0], ["--warm-from", str(held_out[1])])

        def cold_cmd(stem: str, archive: Path) -> list[str]:
            return [*probe, "one", "--corpus", str(corpus), "--archive", str(archive),
                    "--stem", stem]
        result.notes.append("warm and cold per-article times call archivist.build.build_one")
    else:
        cold_cmd = cli_one
        result.notes.append("no archivist.build API: per-article times are one CLI call "
                            "per article, so 'warm' = CLI on the cold sample after priming")
    log(f"archivist: cold, {len(sample)} fresh processes")
    for i, stem in enumerate(sample):
        proc = measured(cold_cmd(stem, work / f"archivist-cold-{i}"), env=arch.env, cpus=1)
        if proc.rc:
            result.failed = f"cold {stem}: {proc.why()}"
            return result
        result.cold.append(proc.wall)
    if not result.warm:
        result.warm = list(result.cold)
    return result


def warm_cpu_rounds(results: list[Result], work: Path, rounds: int, series: str = CORPUS) -> None:
    """Each round runs every system's warm pass of ``series`` once, the order rotating from
    round to round.

    The machine's speed drifts by tens of per cent within minutes: a system measured
    alone in a slow minute would look slow. Alternating puts every system in the same
    minutes, and the ratio within one round cancels the drift they share.
    """
    systems = [r for r in results if not r.failed and series in r.passes]
    for i in range(rounds):
        rotated = systems[i % len(systems):] + systems[:i % len(systems)] if systems else []
        order = [r for r in rotated if series in r.passes]  # one whose pass failed sits out the rest
        log(f"warm CPU, {series}, round {i + 1}/{rounds}: {', '.join(r.name for r in order)}")
        for result in order:
            out = work / f"{result.name}-warm-cpu-{series}-{i + 1}"
            out.mkdir()
            proc = result.passes[series](out)
            if proc.rc:  # its other figures stand; its warm CPU is that of the rounds before
                result.notes.append(f"warm CPU pass ({series}) of round {i + 1} failed "
                                    f"({proc.why()}): no further rounds")
                del result.passes[series]
                continue
            data = proc.json()
            result.cpu.setdefault(series, []).append(
                float(data["cpu_seconds"]) / len(data["articles"]))
            result.rss(proc.rss_kib)


def same_round_ratio(a: Result, b: Result, series: str = CORPUS) -> float | None:
    """Median over rounds of a's warm CPU ÷ b's in that round: the drift-proof ratio."""
    pairs = list(zip(a.cpu.get(series, []), b.cpu.get(series, []), strict=False))
    if not pairs or a.failed or b.failed or not all(y for _, y in pairs):
        return None
    return statistics.median(x / y for x, y in pairs)


def validate(results: list[Result]) -> None:
    """veraPDF on each system's cold-sample PDFs, against every flavour it claims
    (FLAVOURS), one JVM per flavour, untimed.

    Speed means little if a peer's 'PDF/A' is not; uses the project's
    pinned veraPDF (tools/verapdf/verapdf), and says so when it cannot run.
    """
    tool = REPO / "tools" / "verapdf" / "verapdf"
    checked = [r for r in results if not r.failed and r.sample_pdfs]
    if not checked or not tool.exists():
        return
    failures: dict[str, str] = {}
    verdicts: dict[str, set[str]] = {}
    for flavour in sorted({f for r in checked for f in FLAVOURS.get(r.name, ("2u",))}):
        pdfs = [p for r in checked if flavour in FLAVOURS.get(r.name, ("2u",))
                for p in r.sample_pdfs if p.exists()]
        log(f"veraPDF {flavour}: validating {len(pdfs)} sample PDFs (untimed)")
        proc = measured([str(tool), "-f", flavour, "--format", "text", *map(str, pdfs)])
        for line in proc.stdout.splitlines():
            word, _, rest = line.partition(" ")
            if word in ("PASS", "FAIL"):
                verdicts.setdefault(rest.rsplit(" ", 1)[0], set()).add(word)
        if not proc.stdout.strip():
            failures[flavour] = proc.why()
    for r in checked:
        passed = sum(verdicts.get(str(p)) == {"PASS"} for p in r.sample_pdfs)
        if not verdicts:
            r.notes.append(f"veraPDF did not run ({'; '.join(failures.values())})")
        else:
            r.valid = f"{passed}/{len(r.sample_pdfs)} ({'+'.join(FLAVOURS.get(r.name, ('2u',)))})"


# --- report ------------------------------------------------------------------

def python_label(version: str, base_prefix: str) -> str:
    """An interpreter's version and whether it is the operating system's (tools/find-python's
    first choice), without its path: timings compare only on the same kind of build."""
    return f"{version} ({'the system' if base_prefix == '/usr' else 'not the system'}'s)"


def machine(arch: Archivist) -> dict[str, str]:
    """CPU, cores, memory, OS, interpreters and package versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()
    info = {
        "CPU": cpu,
        "cores": f"{os.cpu_count()} logical ({psutil.cpu_count(logical=False)} physical)",
        "RAM": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "OS": platform.platform(),
        "Python (bench/.venv)": python_label(platform.python_version(), sys.base_prefix),
        "load average at the end (1, 5, 15 min)": ", ".join(f"{x:.2f}" for x in load),
    }
    peers = measured([sys.executable, str(HERE / "peers.py"), "versions"])
    if peers.rc == 0:
        info["peers"] = ", ".join(f"{k} {v}" for k, v in peers.json().items())
    script = ("import json, platform, sys\nfrom importlib.metadata import version\n"
              "v = {'python': [platform.python_version(), sys.base_prefix]}\n"
              "for n in ('reportlab', 'pypdf', 'pyphen', 'PyYAML'):\n"
              "    try: v[n] = version(n)\n"
              "    except Exception: pass\n"
              "try:\n    import archivist; v['archivist'] = archivist.__version__\n"
              "except Exception: pass\nprint(json.dumps(v))")
    project = measured([arch.python, "-c", script], env=arch.env)
    if project.rc == 0:
        versions = project.json()
        versions["python"] = python_label(*versions["python"])
        info["archivist side"] = ", ".join(f"{k} {v}" for k, v in versions.items())
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True, check=False)
    info["archivist commit"] = commit.stdout.strip() or "none yet (uncommitted tree)"
    return info


def fmt(value: float | None, digits: int = 1) -> str:
    """A number for the table, or an em dash when it was not measured."""
    return "—" if value is None else f"{value:,.{digits}f}"


def rate(count: int, wall: float | None) -> float | None:
    """Items per second, or None."""
    return count / wall if wall else None


def metrics(r: Result) -> dict[str, float | None]:
    """The figures of one row (None when not measured)."""
    ok = r.failed is None
    ms = [s * 1000 for s in r.warm]
    cold = [s * 1000 for s in r.cold]
    cpu = [s * 1000 for s in r.cpu.get(CORPUS, [])]
    return {
        "art_1": rate(r.articles, r.wall_1) if ok else None,
        "pg_1": rate(r.pages, r.wall_1) if ok else None,
        "art_n": rate(r.articles, r.wall_n) if ok else None,
        "pg_n": rate(r.pages, r.wall_n) if ok else None,
        "cpu_ms": r.cpu_1 * 1000 / r.articles if ok and r.cpu_1 and r.articles else None,
        "wcpu_min": min(cpu) if ok and cpu else None,
        "wcpu_med": statistics.median(cpu) if ok and cpu else None,
        "warm_med": percentile(ms, 50) if ok and ms else None,
        "warm_p95": percentile(ms, 95) if ok and ms else None,
        "cold_med": percentile(cold, 50) if ok and cold else None,
        "cold_p95": percentile(cold, 95) if ok and cold else None,
        "rss": r.rss_kib / 1024 if ok and r.rss_kib else None,
        "bpp": r.size / r.pages if ok and r.pages else None,
    }


def round_table(results: list[Result], series: str, heading: str, what: str) -> list[str]:
    """Markdown lines: each round's warm CPU ms per article of ``series``, archivist ÷ each
    peer in it, and the medians over the rounds."""
    shown = [r for r in results if r.cpu.get(series) and not r.failed]
    if not shown:
        return []
    arch = next((r for r in shown if r.name == "archivist"), None)
    peers = [r for r in shown if r.name != "archivist"] if arch else []
    lines = [
        "",
        f"## {heading}",
        "",
        f"CPU ms per article of each system's warm pass over {what}. Each round "
        "runs every system once; round k starts with the k-th system of these columns "
        "and goes on in column order, wrapping round; a system whose pass failed sits out "
        "the later rounds (—). Last row: the median of each column (for the ratios, the "
        "same-round ratio).",
        "",
        "| round | " + " | ".join(r.name for r in shown)
        + "".join(f" | archivist ÷ {p.name}" for p in peers) + " |",
        "|---|" + "--:|" * (len(shown) + len(peers)),
    ]

    def ms(result: Result, i: int) -> str:
        cpu = result.cpu[series]
        return f"{cpu[i] * 1000:.2f}" if i < len(cpu) else "—"

    def ratio(peer: Result, i: int) -> str:
        assert arch is not None
        a, b = arch.cpu[series], peer.cpu[series]
        return f"{a[i] / b[i]:.2f}×" if i < min(len(a), len(b)) else "—"

    for i in range(max(len(r.cpu[series]) for r in shown)):
        cells = [ms(r, i) for r in shown] + [ratio(p, i) for p in peers]
        lines.append(f"| {i + 1} | " + " | ".join(cells) + " |")
    medians = [f"{statistics.median(r.cpu[series]) * 1000:.2f}" for r in shown]
    assert arch is not None or not peers
    same = [same_round_ratio(arch, p, series) for p in peers] if arch else []
    cells = medians + ["—" if x is None else f"**{x:.2f}×**" for x in same]
    lines.append("| median | " + " | ".join(cells) + " |")
    return lines


def report(results: list[Result], info: dict[str, str], options: dict[str, object],
           command: str) -> str:
    """The Markdown written to results.md."""
    jobs = options["jobs"]
    rows = {r.name: metrics(r) for r in results}
    lines = [
        "# archivist benchmark",
        "",
        f"Run {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}: "
        f"{options['count']} generated articles (seed {options['seed']}), "
        f"cold sample {options['cold']}, {options['warm_rounds']} rounds of warm CPU passes, "
        f"{jobs} cores for the parallel runs.",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        "",
        "## Results",
        "",
        f"| system | PDFs | pages | articles/s 1 core | pages/s 1 core | articles/s {jobs} cores "
        f"| pages/s {jobs} cores | CPU ms / article | warm CPU ms / article min "
        "| warm CPU ms / article median | warm ms median | warm ms p95 "
        "| cold ms median | cold ms p95 | peak RSS / worker MiB | bytes / page "
        "| veraPDF pass (sample, flavours) |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        m = rows[r.name]
        lines.append(
            f"| {r.name} | {r.articles} | {r.pages} | {fmt(m['art_1'])} | {fmt(m['pg_1'])} "
            f"| {fmt(m['art_n'])} | {fmt(m['pg_n'])} | {fmt(m['cpu_ms'])} "
            f"| {fmt(m['wcpu_min'])} | {fmt(m['wcpu_med'])} | {fmt(m['warm_med'])} "
            f"| {fmt(m['warm_p95'])} | {fmt(m['cold_med'])} | {fmt(m['cold_p95'])} "
            f"| {fmt(m['rss'])} | {fmt(m['bpp'], 0)} | {r.valid} |")
    arch = rows.get("archivist")
    arch_result = next((r for r in results if r.name == "archivist"), None)
    if arch and arch_result and arch["art_1"] is not None:
        keys = ["art_1", "pg_1", "art_n", "pg_n", "cpu_ms", "wcpu_med", "warm_med", "warm_p95",
                "cold_med", "cold_p95", "rss", "bpp"]
        lines += [
            "",
            "## archivist ÷ peer",
            "",
            "Rates (articles/s, pages/s): above 1 means archivist is faster. "
            "Times, memory and size: above 1 means archivist is slower or bigger.",
            "",
            f"| peer | articles/s 1 core | pages/s 1 core | articles/s {jobs} cores "
            f"| pages/s {jobs} cores | CPU / article | warm CPU, ratio of medians "
            "| warm CPU, same-round median | warm median | warm p95 | cold median "
            "| cold p95 | peak RSS | bytes / page |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for r in results:
            if r.name == "archivist":
                continue
            m = rows[r.name]
            cells = []
            for k in keys:
                a, b = arch[k], m[k]
                cells.append("—" if a is None or not b else f"{a / b:.2f}×")
                if k == "wcpu_med":
                    same = same_round_ratio(arch_result, r)
                    cells.append("—" if same is None else f"{same:.2f}×")
            lines.append(f"| {r.name} | " + " | ".join(cells) + " |")
    lines += round_table(results, CORPUS, "Warm CPU per round", "the whole corpus")
    held = options["held_out"]
    if held:
        articles = "the real article" if held == 1 else f"the {held} real articles"
        lines += round_table(
            results, HELD_OUT, "Held-out real articles: warm CPU per round",
            f"{articles} of {options['held_out_dir']} `seeds/` and `metadata/` (none in the "
            f"generated corpus), in a process first warmed up, untimed, on {HELD_OUT_WARM_UP} "
            "generated articles whose words they need not share")
    notes = [f"- {r.name}: **not measured** — {r.failed}" for r in results if r.failed]
    busiest = max(float(x) for k, v in info.items() if k.startswith("load average")
                  for x in v.split(", ")[:1])
    if busiest > 0.5 * (os.cpu_count() or 1):
        notes.append(f"- **The machine was busy** (1-minute load up to {busiest:.2f} on "
                     f"{os.cpu_count()} cores, other work included): wall-clock figures, "
                     "the all-core ones most, are pessimistic; CPU ms / article is "
                     "steadier, and the same-round warm CPU ratio the steadiest figure.")
    notes += [f"- {r.name}: {n}" for r in results for n in r.notes]
    lines += [
        "",
        "## What is measured",
        "",
        "- Same corpus for all systems (`bench/corpus.py`): title from the YAML "
        "record, paragraphs from the seed; A4, EB Garamond as shipped by archivist, "
        "justified and hyphenated, dateline and `label · page N / M` footer, every system in "
        "archivist's body geometry (side margins, size, leading and paragraph gap, read from "
        "its typesetter), so that all set lines of the same measure. archivist "
        "writes its default, PDF/A-2a + PDF/UA-1 (tagged); typst and weasyprint PDF/A-2u "
        "(untagged); typst-a2a-ua1 is Typst's tagged PDF/A-2a + PDF/UA-1, the like-for-like peer.",
        "- articles/s and pages/s: wall time of one fresh process typesetting the whole "
        "corpus (start-up, imports and fonts included); archivist = `archivist build` "
        "(read, validate, typeset, PDF/A, check, store), peers = `bench/peers.py batch` "
        "(read, typeset, write). 1 core = `-j 1` pinned to one CPU (Typst has threads "
        f"of its own); {jobs} cores = `-j {jobs}` on {jobs} CPUs (archivist's pool, a "
        "multiprocessing pool for the peers). Each system counts its own pages "
        "(layouts differ slightly).",
        "- CPU ms / article: user + system CPU time of the 1-core run over the articles "
        "(start-up, imports and fonts included); less sensitive than wall time to other "
        "load on the machine.",
        f"- warm CPU ms / article: the CPU time (user + system, all threads) of one process, "
        f"pinned to one CPU and warmed up, going through the whole corpus, divided by the "
        f"articles; archivist = `archivist.build.build_one` per article (its whole pipeline), "
        f"peers = `bench/peers.py batch -j 1`. {options['warm_rounds']} rounds, each running "
        f"every system's pass once, the order rotating from round to round, so that all "
        f"systems share the same minutes of a machine whose speed drifts; min and median over "
        f"the rounds. archivist ÷ peer: the ratio of the medians, and the median over rounds "
        f"of the ratio within each round (the same-round ratio, the most drift-proof figure).",
        "- warm ms: per article, in one process after warm-up; cold ms: wall time of a "
        "fresh process typesetting one article (interpreter start and imports included), "
        "pinned to one CPU, after one untimed run that fills the OS file cache and the "
        "bytecode cache (a private PYTHONPYCACHEPREFIX; PYTHONDONTWRITEBYTECODE is "
        "dropped for the measured processes).",
        "- peak RSS: `ru_maxrss` of the largest single process (main or worker), "
        "over all of that system's runs.",
        "- archivist's build checks each PDF against its inputs (its `check` step); the "
        "peers' are not checked. veraPDF (the project's pinned release) validates the cold "
        "sample of each system's 1-core run afterwards, untimed, against every flavour the "
        "system claims.",
        *notes,
        "",
        "## Reproduce",
        "",
        "```sh",
        command,
        "```",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Generate the corpus, run every system, write the Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, help="articles (default 200, 24 with --quick)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                        help="processes for the parallel runs (default: all cores)")
    parser.add_argument("--cold", type=int, help="cold-start sample size (default 10, 3 quick)")
    parser.add_argument("--quick", action="store_true", help="small corpus, small sample")
    parser.add_argument("--warm-rounds", type=int, help="rounds of alternated warm CPU "
                        "passes (default 5, 3 quick; 0 skips them)")
    parser.add_argument("--held-out", type=Path, default=REPO, metavar="DIR",
                        help="real articles (DIR/seeds, DIR/metadata) for warm CPU passes of "
                        "their own (default: the project's own)")
    parser.add_argument("--held-out-rounds", type=int, help="rounds of those passes "
                        "(default 15, 3 quick; 0 skips them)")
    parser.add_argument("--systems", default="archivist,typst,typst-a2a-ua1,weasyprint",
                        help="comma-separated subset to run")
    parser.add_argument("--archivist", help="archivist CLI command (default: python -m archivist)")
    parser.add_argument("--project-python", help="interpreter that can import archivist "
                        "(default: bench/.venv-archivist/bin/python, made by setup.sh)")
    parser.add_argument("--no-validate", action="store_true",
                        help="skip the veraPDF check of the sample PDFs")
    parser.add_argument("--out", type=Path, default=HERE / "results.md", help="report path")
    parser.add_argument("--work", type=Path, help="keep corpus and PDFs here (default: a "
                        "temporary directory, removed afterwards)")
    args = parser.parse_args(argv)
    count = args.count or (24 if args.quick else 200)
    cold = args.cold or (3 if args.quick else 10)
    rounds = args.warm_rounds if args.warm_rounds is not None else (3 if args.quick else 5)
    held_rounds = (args.held_out_rounds if args.held_out_rounds is not None
                   else (3 if args.quick else 15))
    held_count = len(list((args.held_out / "seeds").glob("*.txt"))) if held_rounds else 0
    if held_rounds and not held_count:
        parser.error(f"--held-out {args.held_out}: no seeds/*.txt there")
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = set(systems) - {"archivist", *PEERS}
    if unknown:
        parser.error(f"unknown systems: {', '.join(sorted(unknown))}")

    work = args.work or Path(tempfile.mkdtemp(prefix="archivist-bench-"))
    if args.work and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    os.environ["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    os.environ["TMPDIR"] = str(work / "tmp")
    (work / "tmp").mkdir()
    load_before = os.getloadavg()
    try:
        corpus = work / "corpus"
        articles = corpus_mod.write_corpus(count, args.seed, corpus)
        words = sum(len(p.split()) for a in articles for p in a.paragraphs)
        log(f"corpus: {count} articles, {words} words in {corpus}")
        stems = sorted(a.stem for a in articles)
        sample = cold_sample(stems, cold)
        held_out = None
        if held_count:
            warm_up = work / "held-out-warm-up"
            corpus_mod.write_corpus(HELD_OUT_WARM_UP, args.seed, warm_up)
            held_out = (args.held_out.resolve(), warm_up)
        arch = find_archivist(args.archivist, args.project_python)
        geometry = peers_mod.archivist_geometry(arch.python, arch.env)
        log(f"body geometry, archivist's, for every system: {geometry}")
        results = []
        for name in systems:
            if name == "archivist":
                result = run_archivist(arch, corpus, work, args.jobs, sample, held_out)
            else:
                result = run_peer(name, corpus, work, args.jobs, sample, geometry, held_out)
            if result.failed:
                log(f"{name}: FAILED {result.failed}")
            elif result.articles != count:
                result.failed = f"wrote {result.articles} PDFs for {count} articles"
            results.append(result)
        warm_cpu_rounds(results, work, rounds)
        warm_cpu_rounds(results, work, held_rounds, HELD_OUT)
        if not args.no_validate:
            validate(results)
        info = machine(arch)
        info["load average at the start (1, 5, 15 min)"] = ", ".join(
            f"{x:.2f}" for x in load_before)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    flags = (" --quick" if args.quick else "") + (" --no-validate" if args.no_validate else "")
    rerun = (f"bash bench/setup.sh && bench/.venv/bin/python bench/run.py{flags} "
             f"--count {count} --seed {args.seed} --jobs {args.jobs} --cold {cold} "
             f"--warm-rounds {rounds} --held-out-rounds {held_rounds} "
             + ("" if args.held_out.resolve() == REPO else f"--held-out {args.held_out} ")
             + f"--systems {','.join(systems)}")
    options = {"count": count, "seed": args.seed, "jobs": args.jobs, "cold": cold,
               "warm_rounds": rounds, "held_out": held_count,
               "held_out_dir": "the project's own" if args.held_out.resolve() == REPO
               else f"`{args.held_out.name}`'s"}
    text = report(results, info, options, rerun)
    args.out.write_text(text, encoding="utf-8")
    log(f"wrote {args.out}")
    print(text)
    return 1 if any(r.failed for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
