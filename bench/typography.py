"""Typography report: how even archivist's lines are, beside Typst's, measured from the PDFs.

Run by hand (``make bench-typography``), in bench/.venv. Both systems typeset the same
corpus (bench/corpus.py, plus the project's own seeds and a page holding a long URL) in
the same font, size and measure: archivist's own body geometry, read from its typesetter,
is given to Typst. Everything is then measured from the PDFs alone, with pdfplumber's
character boxes, never from either writer's own numbers:

- body lines: the characters in the body's size, grouped by baseline, page by page;
- word gaps: the white between two visible characters of a line (their advance boxes),
  when wider than a quarter of the font's space; a line is *justified* when its right edge
  reaches the text block's right edge and it has a gap;
- loose line: a justified line whose mean gap is over 1.6 times the document's median gap;
- gap ratio: each gap of a justified line over its document's median (p95 and maximum);
- characters per line: characters and spaces of each justified line, averaged;
- hyphenated lines per 100 body lines (the line ends with '-', U+2010 or U+00AD), hyphen ladders (3 or more
  hyphenated lines in a row), hyphens at page ends (the last body line of a page).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import peers  # noqa: E402

LOOSE = 1.6
HYPHENS = ("-", "\u2010", "\u00ad")  # Typst marks its added hyphens as soft hyphens
URL_ARTICLE = (
    "date 2024-05\n"
    "La documentation complète des utilitaires de base se trouve en ligne, à l’adresse "
    "<https://www.gnu.org/software/coreutils/>, et sur chaque système par la commande info "
    "coreutils ‘(coreutils) ls invocation’. Elle détaille les options de chaque commande, les "
    "variables d’environnement reconnues et les codes de sortie, exemples à l’appui ; les "
    "rapports d’anomalie vont à <bug-coreutils@gnu.org>, et les sources se consultent sur "
    "<https://git.savannah.gnu.org/cgit/coreutils.git/tree/src/ls.c?h=master#n1234>.\n"
)
URL_RECORD = (
    'title: "Les utilitaires de base et leur documentation en ligne"\n'
    'date: "2024-05"\nlanguage: fr\ncreator: "Rédaction"\n'
    'identifier: "urn:archivist:2024-05-long-url"\n'
    'rights: "Texte d’essai."\ndescription: "Une page qui cite une longue adresse."\n'
    'subject: [documentation]\npublisher: "Rédaction"\ntype: Text\nformat: application/pdf\n'
    'source: "Essai"\nrelation: "Essai"\ncoverage: "Monde"\n'
)


@dataclass
class Figures:
    """What one system's PDFs show."""

    documents: int = 0
    pages: int = 0
    body_lines: int = 0
    justified: int = 0
    loose: int = 0
    ratios: list[float] = field(default_factory=list)
    chars: list[int] = field(default_factory=list)
    hyphenated: int = 0
    ladders: int = 0
    page_end_hyphens: int = 0
    worst: tuple[float, str] = (0.0, "")


def lines_of(page, size: float) -> list[list[dict]]:
    """The page's body lines: characters of the body size, grouped by baseline, left to right."""
    rows: dict[int, list[dict]] = {}
    for char in page.chars:
        if abs(char["size"] - size) > 0.3:
            continue
        rows.setdefault(round(char["bottom"] * 2), []).append(char)
    return [sorted(row, key=lambda c: c["x0"]) for _, row in sorted(rows.items())]


def _visible_right(line: list[dict]) -> float:
    return max((c["x1"] for c in line if not c["text"].isspace()), default=0.0)


def measure(pdfs: list[Path], size: float, space: float) -> Figures:
    import pdfplumber

    figures = Figures()
    for path in pdfs:
        figures.documents += 1
        doc_lines: list[tuple[list[float], int, bool, str]] = []  # gaps, chars, justified, text
        ends: list[list[bool]] = []
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                figures.pages += 1
                lines = lines_of(page, size)
                if not lines:
                    ends.append([])
                    continue
                # The text block's right edge: where most lines end (Typst lets hyphens and
                # punctuation hang past it, and closes a line with a space of its own).
                edges = [_visible_right(line) for line in lines]
                right = statistics.median(edges) if len(edges) > 2 else max(edges)
                page_ends = []
                for line in lines:
                    gaps, count, text = [], 0, ""
                    previous = None
                    for char in line:
                        if char["text"].isspace():  # a space glyph, if any, lies inside the gap
                            continue
                        if previous is not None:
                            gap = char["x0"] - previous["x1"]
                            if gap > space / 4:
                                gaps.append(gap)
                                text += " "
                                count += 1
                        text += char["text"]
                        count += 1
                        previous = char
                    justified = bool(gaps) and _visible_right(line) >= right - 0.5
                    doc_lines.append((gaps, count, justified, text))
                    page_ends.append(text.endswith(HYPHENS))
                ends.append(page_ends)
        all_gaps = [g for gaps, _, justified, _ in doc_lines if justified for g in gaps]
        if not all_gaps:
            continue
        median = statistics.median(all_gaps)
        for gaps, count, justified, text in doc_lines:
            figures.body_lines += 1
            if not justified:
                continue
            figures.justified += 1
            figures.chars.append(count)
            ratios = [g / median for g in gaps]
            figures.ratios += ratios
            if statistics.fmean(ratios) > LOOSE:
                figures.loose += 1
            if max(ratios) > figures.worst[0]:
                figures.worst = (max(ratios), f"{path.name}: {text[:70]}")
        for page_ends in ends:
            figures.hyphenated += sum(page_ends)
            run = 0
            for hyphen in [*page_ends, False]:
                if hyphen:
                    run += 1
                    continue
                figures.ladders += run >= 3
                run = 0
            figures.page_end_hyphens += bool(page_ends) and page_ends[-1]
    return figures


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def row(name: str, f: Figures) -> str:
    per100 = 100 * f.hyphenated / f.body_lines if f.body_lines else 0.0
    return (f"| {name} | {f.documents} | {f.pages} | {f.body_lines} | {f.justified} | "
            f"{100 * f.loose / max(1, f.justified):.2f} % | {percentile(f.ratios, 0.95):.2f} | "
            f"{max(f.ratios, default=0):.2f} | {statistics.fmean(f.chars) if f.chars else 0:.1f} | "
            f"{per100:.1f} | {f.ladders} | {f.page_end_hyphens} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=60, help="generated articles (default 60)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--project-python", default=str(ROOT / ".venv" / "bin" / "python"))
    parser.add_argument("--out", type=Path, default=HERE / "results-typography.md")
    parser.add_argument("--work", type=Path, help="keep corpus and PDFs here")
    args = parser.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="archivist-typography-"))
    corpus = work / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    subprocess.run([sys.executable, str(HERE / "corpus.py"), "--count", str(args.count), "--seed",
                    str(args.seed), "--out", str(corpus)], check=True, capture_output=True)
    for seed in (ROOT / "seeds").glob("*.txt"):
        shutil.copy(seed, corpus / "seeds")
        shutil.copy(ROOT / "metadata" / f"{seed.stem}.yaml", corpus / "metadata")
    (corpus / "seeds" / "2024-05-long-url.txt").write_text(URL_ARTICLE, encoding="utf-8")
    (corpus / "metadata" / "2024-05-long-url.yaml").write_text(URL_RECORD, encoding="utf-8")

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    shape = peers.archivist_geometry(args.project_python, env)
    archive = work / "archive"
    if archive.exists():
        shutil.rmtree(archive)
    started = time.perf_counter()
    subprocess.run([args.project_python, "-m", "archivist", "build", "--seeds", str(corpus / "seeds"),
                    "--metadata", str(corpus / "metadata"), "--archive", str(archive), "-j", "2"],
                   check=True, env=env, capture_output=True)
    archivist_seconds = time.perf_counter() - started
    typst_dir = work / "typst"
    typst_dir.mkdir(exist_ok=True)
    engine = peers.TypstEngine(shape)
    for seed, meta in peers.corpus_jobs(corpus):
        article = peers.load_article(seed, meta)
        source = peers.typst_source(article, geometry=shape).encode("utf-8")
        pdf = engine.compiler.compile(source, format="pdf", pdf_standards="a-2u", timestamp=peers.TIMESTAMP)
        (typst_dir / f"{seed.stem}.pdf").write_bytes(pdf)

    from fontTools.ttLib import TTFont

    font = TTFont(str(peers.FONT_DIR / peers.FONT_FILES["Regular"]))
    space = font["hmtx"][font.getBestCmap()[32]][0] / font["head"].unitsPerEm * shape.size
    results = {
        "archivist": measure(sorted(archive.rglob("*.pdf")), shape.size, space),
        "typst": measure(sorted(typst_dir.glob("*.pdf")), shape.size, space),
    }
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    report = [
        "# Typography report: archivist beside Typst",
        "",
        f"{args.count} generated articles (seed {args.seed}), the project's seeds and a page with long "
        f"URLs; body {shape.size} pt on {shape.pitch} pt, side margins "
        f"{shape.margin_x_mm:.0f} mm on A4 (measure {210 - 2 * shape.margin_x_mm:.0f} mm), EB Garamond "
        f"as shipped, for both. archivist commit {commit}; archivist build took {archivist_seconds:.1f} s.",
        "",
        "| system | PDFs | pages | body lines | justified | loose lines | p95 gap ÷ median | max gap ÷ median"
        " | chars / line | hyphenated / 100 lines | ladders 3+ | hyphens at page end |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        *(row(name, figures) for name, figures in results.items()),
        "",
        "Widest gap, line by line:",
        "",
        *(f"- {name}: {figures.worst[0]:.2f}× in {figures.worst[1]!r}" for name, figures in results.items()),
        "",
        f"Measured from the PDFs with pdfplumber (`bench/typography.py`, run as "
        f"`make bench-typography BENCH_ARGS='--count {args.count}'`); what each column means is in the "
        "script's docstring.",
        "",
    ]
    args.out.write_text("\n".join(report), encoding="utf-8")
    print("\n".join(report))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
