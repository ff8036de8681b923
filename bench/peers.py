"""The two peer typesetters (Typst, WeasyPrint) and their process-level drivers.

run.py never imports Typst or WeasyPrint itself: every measurement starts a
fresh ``python bench/peers.py ...`` process, exactly as archivist's own CLI is
started, so wall times and peak RSS are comparable (imports, font loading and
process start are paid by every system alike).

Both peers get the same input as archivist (title from the YAML record, the
paragraphs of the seed file), the same bundled EB Garamond files, A4, 11.5 pt,
justified and hyphenated text, and write PDF/A-2u files to disk.

Sub-commands (each prints one JSON object on stdout):

* ``batch``: typeset a whole corpus, sequentially (``-j 1``) or with a
  multiprocessing pool; reports per-article warm timings and worker peak RSS,
  and with ``-j 1`` the CPU time (user + system, all threads) of the pass over
  the corpus after the warm-up: the warm CPU per article run.py compares.
* ``one``: typeset a single article in this (fresh) process, for cold timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path
from typing import Protocol

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}(?:-\d{2})?)\s+")
FONT_DIR = Path(__file__).resolve().parent.parent / "src" / "archivist" / "data" / "fonts"
#: The faces archivist ships (it sets its title in the regular face, larger).
FONT_FILES = {
    "Regular": "EBGaramond12-Regular.ttf",
    "Italic": "EBGaramond12-Italic.ttf",
}
#: Fixed creation time: identical inputs give identical bytes run after run.
TIMESTAMP = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

WARMUP_TITLE = "Échauffement : « préchauffage » du moteur"
WARMUP_TEXT = [
    "Ce paragraphe n’est jamais mesuré ; il charge les polices, les motifs "
    "de césure et les caches — comme le ferait un premier article… " * 6,
    "Second paragraph, in English, to load the other hyphenation patterns "
    "and the “curly quotes” before any timing starts. " * 6,
]


@dataclass(frozen=True)
class Article:
    """What every system typesets: title, language, date, paragraphs."""

    stem: str
    title: str
    language: str
    date: str
    creators: tuple[str, ...]
    paragraphs: tuple[str, ...]
    label: str


def pick_lang(value: object, language: str) -> str:
    """A YAML field that is either a plain string or a language map."""
    if isinstance(value, dict):
        if language in value:
            return str(value[language])
        return str(next(iter(value.values())))
    return "" if value is None else str(value)


def load_article(seed: Path, meta: Path) -> Article:
    """Parse one seed/metadata pair the way the benchmark corpus writes them."""
    record = yaml.load(meta.read_text(encoding="utf-8"), Loader=SafeLoader)
    language = str(record.get("language", "fr"))
    text = seed.read_text(encoding="utf-8")
    match = HEADER.match(text)
    date = match.group(1) if match else str(record.get("date", ""))
    if match:
        text = text[match.end():]
    # One paragraph per non-empty line, as archivist reads seeds (the corpus
    # writes each paragraph on one line, separated by blank lines).
    paragraphs = tuple(" ".join(line.split()) for line in text.splitlines() if line.strip())
    creators = record.get("creator") or []
    if isinstance(creators, str):
        creators = [creators]
    return Article(
        stem=seed.stem,
        title=pick_lang(record.get("title"), language),
        language=language,
        date=date,
        creators=tuple(str(c) for c in creators),
        paragraphs=paragraphs,
        label=str(record.get("identifier") or seed.stem),
    )



class Engine(Protocol):
    """A typesetter kept alive across articles (that is what 'warm' means)."""

    name: str

    def render(self, article: Article, out: Path) -> int:
        """Write ``out`` as PDF/A-2u; return its size in bytes."""
        ...


MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}


def dateline(article: Article) -> str:
    """'16 juillet 2021' / 'July 16, 2021', as archivist prints under the title."""
    parts = [int(x) for x in article.date.split("-")] if article.date else []
    months = MONTHS.get(article.language, MONTHS["en"])
    if len(parts) < 2:
        return article.date
    month = months[parts[1] - 1]
    if len(parts) == 2:
        return f"{month} {parts[0]}"
    if article.language == "fr":
        return f"{'1er' if parts[2] == 1 else parts[2]} {month} {parts[0]}"
    return f"{month} {parts[2]}, {parts[0]}"


def footer(article: Article) -> str:
    """Footer text before the page numbers (archivist: label · page N / M)."""
    return f"{article.label}  ·  page "


def typst_string(text: str) -> str:
    """A Typst string literal: inserted with ``#`` it is set verbatim."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Geometry:
    """The body's page geometry. run.py and typography.py give every peer archivist's own, read
    from its typesetter (``archivist_geometry``), so that all systems set the same lines; the
    defaults, archivist's at the time of writing, serve a peer run by hand."""

    margin_x_mm: float = 50.0
    size: float = 12.0
    pitch: float = 16.0  # baseline to baseline
    paragraph_gap: float = 6.5  # added between paragraphs

    def arg(self) -> str:
        """As ``--geometry`` takes it."""
        return f"{self.margin_x_mm},{self.size},{self.pitch},{self.paragraph_gap}"

    @classmethod
    def parse(cls, text: str) -> Geometry:
        margin, size, pitch, gap = (round(float(part), 3) for part in text.split(","))
        return cls(margin, size, pitch, gap)


def archivist_geometry(python: str, env: dict[str, str]) -> Geometry:
    """archivist's body size, leading, paragraph gap and side margin, from its typesetter
    (run by ``python`` with ``env``, which can import archivist)."""
    probe = (
        "from archivist import typeset as t\n"
        "from reportlab.lib.units import mm\n"
        "print(t.MARGIN_X / mm, t.BODY.size, t.BODY.leading, t.BODY.space_after, sep=',')\n"
    )
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True, env=env)
    return Geometry.parse(out.stdout.strip())


def typst_source(article: Article, accessible: bool = False, geometry: Geometry = Geometry()) -> str:
    """The .typ source for one article, laid out like archivist's pages.

    A4, 25 mm top and 28 mm bottom margins, ``geometry``'s side margins, EB Garamond in its
    body size and leading, justified and hyphenated, 22 pt title, italic dateline, a rule, and
    a 'label · page N / M' footer.
    ``accessible``: the title is a level-1 heading (PDF/UA wants the title tagged as one).
    """
    parts = [int(x) for x in article.date.split("-")] if article.date else [2000]
    parts += [1] * (3 - len(parts))
    authors = "(" + "".join(typst_string(c) + ", " for c in article.creators) + ")"
    grey = "luma(30%)"
    leading = geometry.pitch - geometry.size  # Typst: the gap between a line's bottom and the next top
    lines = [
        f"#set document(title: {typst_string(article.title)}, author: {authors}, "
        f"date: datetime(year: {parts[0]}, month: {parts[1]}, day: {parts[2]}))",
        f"#set page(paper: \"a4\", margin: (x: {geometry.margin_x_mm}mm, top: 25mm, bottom: 28mm), "
        "footer-descent: 9mm, footer: context align(center, text(size: 8.5pt, "
        f"fill: {grey}, {typst_string(footer(article))} + counter(page).display() + "
        "\" / \" + str(counter(page).final().first()))))",
        f"#set text(font: \"EB Garamond 12\", size: {geometry.size}pt, top-edge: 0.8em, "
        f"bottom-edge: -0.2em, lang: \"{article.language}\", hyphenate: true)",
        f"#set par(justify: true, leading: {leading:.2f}pt, "
        f"spacing: {leading + geometry.paragraph_gap:.2f}pt)",
        *(["#show heading.where(level: 1): it => block(below: 8pt, text(size: 22pt, "
            "weight: \"regular\", hyphenate: false, it.body))",
            f"#heading(level: 1, {typst_string(article.title)})"] if accessible else
          ["#block(below: 8pt, text(size: 22pt, hyphenate: false, "
           f"{typst_string(article.title)}))"]),
        f"#block(below: 6pt, text(style: \"italic\", fill: luma(25%), "
        f"{typst_string(dateline(article))}))",
        "#line(length: 100%, stroke: 0.4pt + luma(35%))",
        "#v(10pt)",
        "",
    ]
    for paragraph in article.paragraphs:
        lines.append("#" + typst_string(paragraph))
        lines.append("")
    return "\n".join(lines)


class TypstEngine:
    """Typst through its Python binding; one Compiler (font book) per process."""

    name = "typst"

    def __init__(self, geometry: Geometry = Geometry()) -> None:
        import typst

        self.geometry = geometry

        fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False,
                            font_paths=[str(FONT_DIR)])
        self.compiler = typst.Compiler(font_paths=fonts, ignore_system_fonts=True)

    def render(self, article: Article, out: Path) -> int:
        """Compile the generated source straight from memory to ``out``."""
        source = typst_source(article, geometry=self.geometry).encode("utf-8")
        pdf = self.compiler.compile(source, format="pdf", pdf_standards="a-2u", timestamp=TIMESTAMP)
        assert isinstance(pdf, bytes)
        out.write_bytes(pdf)
        return len(pdf)


def weasy_css(geometry: Geometry) -> str:
    """Shared page and text style, the same layout as the Typst source.

    Each face gets its own family name: with one family and several faces,
    Pango matched the wrong file (they share one internal family name).
    """
    faces = "".join(
        f"@font-face {{ font-family: 'Bench {face}'; src: url('{(FONT_DIR / name).as_uri()}'); }}\n"
        for face, name in FONT_FILES.items()
    )
    g = geometry
    return faces + f"""
@page {{ size: A4; margin: 25mm {g.margin_x_mm}mm 28mm;
        @bottom-center {{ font-family: 'Bench Regular'; font-size: 8.5pt; color: #4d4d4d;
                         vertical-align: bottom; padding-bottom: 13mm; }} }}
html {{ font-family: 'Bench Regular'; font-size: {g.size}pt; line-height: {g.pitch}pt; }}
body {{ margin: 0; }}
h1 {{ font-size: 22pt; line-height: 26pt; font-weight: normal; margin: 0 0 8pt; }}
.dateline {{ font-family: 'Bench Italic'; color: #404040; margin: 0 0 6pt; }}
hr {{ border: none; border-top: 0.4pt solid #595959; margin: 2pt 0 14pt; }}
p {{ text-align: justify; hyphens: auto; margin: 0 0 {g.paragraph_gap}pt; }}
"""


def css_string(text: str) -> str:
    """A CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def weasy_html(article: Article) -> str:
    """A minimal HTML document carrying the same title, dateline and paragraphs."""
    esc = html.escape
    meta = "".join(f'<meta name="author" content="{esc(c)}">' for c in article.creators)
    page = (f"<style>@page {{ @bottom-center {{ content: {css_string(footer(article))} "
            'counter(page) " / " counter(pages); } }</style>')
    body = "".join(f"<p>{esc(p)}</p>\n" for p in article.paragraphs)
    return (
        f'<!DOCTYPE html><html lang="{article.language}"><head><meta charset="utf-8">'
        f"<title>{esc(article.title)}</title>{meta}{page}</head>"
        f"<body><h1>{esc(article.title)}</h1>"
        f'<div class="dateline">{esc(dateline(article))}</div><hr>\n{body}</body></html>'
    )


class WeasyEngine:
    """WeasyPrint; the stylesheet and its @font-face fonts are loaded once."""

    name = "weasyprint"

    def __init__(self, geometry: Geometry = Geometry()) -> None:
        import logging

        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        # PDF/A conversion warns per document about things we do not use.
        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        self._weasyprint = weasyprint
        self.font_config = FontConfiguration()
        self.css = weasyprint.CSS(string=weasy_css(geometry), font_config=self.font_config)

    def render(self, article: Article, out: Path) -> int:
        """Lay out and write one document; PDF/A-2u variant."""
        doc = self._weasyprint.HTML(string=weasy_html(article))
        doc.write_pdf(out, stylesheets=[self.css], font_config=self.font_config,
                      pdf_variant="pdf/a-2u", pdf_identifier=article.stem.encode())
        return out.stat().st_size


class TypstAccessibleEngine(TypstEngine):
    """Typst's tagged output, PDF/A-2a with PDF/UA-1: the peer of archivist's default profile."""

    name = "typst-a2a-ua1"

    def render(self, article: Article, out: Path) -> int:
        source = typst_source(article, accessible=True, geometry=self.geometry).encode("utf-8")
        pdf = self.compiler.compile(source, format="pdf", pdf_standards=["a-2a", "ua-1"], timestamp=TIMESTAMP)
        assert isinstance(pdf, bytes)
        out.write_bytes(pdf)
        return len(pdf)


ENGINES = {"typst": TypstEngine, "typst-a2a-ua1": TypstAccessibleEngine, "weasyprint": WeasyEngine}


def make_engine(name: str, geometry: Geometry = Geometry()) -> Engine:
    """Build the named engine and pay its first-document costs."""
    engine: Engine = ENGINES[name](geometry)
    return engine


def warm_up(engine: Engine, out_dir: Path) -> None:
    """Typeset a built-in article twice (fonts, patterns, caches), untimed."""
    for language in ("fr", "en"):
        article = Article("warm-up", WARMUP_TITLE, language, "2000-01", ("Bench",),
                          tuple(WARMUP_TEXT), "urn:warm-up")
        target = out_dir / ".warm-up.pdf"
        engine.render(article, target)
        target.unlink()


def corpus_jobs(corpus: Path) -> list[tuple[Path, Path]]:
    """Seed/metadata pairs in stem order: the order archivist's pool gets them."""
    seeds = sorted((corpus / "seeds").glob("*.txt"))
    return [(s, corpus / "metadata" / f"{s.stem}.yaml") for s in seeds]


def max_rss_kib() -> int:
    """This process's peak RSS (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# Per-process state for pool workers (set by the initializer).
_ENGINE: Engine | None = None
_OUT: Path | None = None


def _init_worker(engine_name: str, out_dir: str, geometry: Geometry) -> None:
    global _ENGINE, _OUT
    _OUT = Path(out_dir)
    _ENGINE = make_engine(engine_name, geometry)
    warm_up(_ENGINE, _OUT)


def _render_job(job: tuple[Path, Path]) -> dict[str, object]:
    assert _ENGINE is not None and _OUT is not None
    seed, meta = job
    start = time.perf_counter()
    article = load_article(seed, meta)
    size = _ENGINE.render(article, _OUT / f"{article.stem}.pdf")
    elapsed = time.perf_counter() - start
    return {"stem": article.stem, "seconds": elapsed, "bytes": size,
            "rss_kib": max_rss_kib()}


def run_batch(engine_name: str, corpus: Path, out: Path, jobs: int, geometry: Geometry,
              warm_from: Path | None = None) -> dict[str, object]:
    """Typeset the corpus; with ``jobs == 1`` everything stays in this process, which
    first typesets ``warm_from``'s articles untimed, when given."""
    out.mkdir(parents=True, exist_ok=True)
    work = corpus_jobs(corpus)
    start = time.perf_counter()
    cpu_seconds = None
    if jobs == 1:
        _init_worker(engine_name, str(out), geometry)
        if warm_from:
            for seed, meta in corpus_jobs(warm_from):
                assert _ENGINE is not None
                target = out / ".warm-up.pdf"
                _ENGINE.render(load_article(seed, meta), target)
                target.unlink()
        cpu_start = time.process_time()
        results = [_render_job(job) for job in work]
        cpu_seconds = time.process_time() - cpu_start
    else:
        pool = Pool(jobs, initializer=_init_worker, initargs=(engine_name, str(out), geometry))
        results = list(pool.imap_unordered(_render_job, work, chunksize=1))
        pool.close()  # let workers finish and exit normally, not terminate()
        pool.join()
    wall = time.perf_counter() - start
    return {"engine": engine_name, "jobs": jobs, "wall": wall, "cpu_seconds": cpu_seconds,
            "articles": results, "worker_rss_kib": max(int(r["rss_kib"]) for r in results)}


def run_one(engine_name: str, seed: Path, meta: Path, out: Path, geometry: Geometry) -> dict[str, object]:
    """Import, build the engine and typeset one article: the cold path."""
    start = time.perf_counter()
    engine = make_engine(engine_name, geometry)
    article = load_article(seed, meta)
    size = engine.render(article, out)
    elapsed = time.perf_counter() - start
    return {"engine": engine_name, "seconds": elapsed, "bytes": size,
            "rss_kib": max_rss_kib()}


def versions() -> dict[str, str]:
    """Installed versions of the peers (for the results header)."""
    from importlib.metadata import version

    return {name: version(name) for name in ("typst", "weasyprint", "pydyf", "psutil",
                                             "PyYAML", "pypdf")}


def main(argv: list[str] | None = None) -> int:
    """Sub-command dispatcher; prints one JSON document on stdout."""
    parser = argparse.ArgumentParser(description="peer typesetters for the benchmark")
    sub = parser.add_subparsers(dest="command", required=True)
    batch = sub.add_parser("batch", help="typeset a corpus")
    batch.add_argument("--engine", choices=sorted(ENGINES), required=True)
    batch.add_argument("--corpus", type=Path, required=True)
    batch.add_argument("--out", type=Path, required=True)
    batch.add_argument("-j", "--jobs", type=int, default=1)
    batch.add_argument("--warm-from", type=Path,
                       help="with -j 1, typeset this corpus's articles first, untimed")
    one = sub.add_parser("one", help="typeset one article in a fresh process")
    one.add_argument("--engine", choices=sorted(ENGINES), required=True)
    one.add_argument("--seed", type=Path, required=True)
    one.add_argument("--meta", type=Path, required=True)
    one.add_argument("--out", type=Path, required=True)
    for command in (batch, one):
        command.add_argument("--geometry", type=Geometry.parse, default=Geometry(),
                             help="the body's side margin (mm), size, leading and paragraph gap (pt), "
                             f"comma-separated (default {Geometry().arg()})")
    sub.add_parser("versions", help="print the peers' versions")
    args = parser.parse_args(argv)
    if args.command == "batch":
        result = run_batch(args.engine, args.corpus, args.out, args.jobs, args.geometry,
                           args.warm_from)
    elif args.command == "one":
        result = run_one(args.engine, args.seed, args.meta, args.out, args.geometry)
    else:
        result = versions()
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
