"""Typeset an article on A4 with reportlab: title, dateline, justified hyphenated body, footer."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus.flowables import HRFlowable

from . import fonts
from .article import Article, position_of
from .errors import GlyphError
from .record import Record
from .typography import dateline, hyphenation_language, prepare

# Page streams are Flate-compressed only: ASCII85 on top makes them a quarter larger.
rl_config.useA85 = 0

MARGIN_X = 30 * mm
MARGIN_TOP = 25 * mm
MARGIN_BOTTOM = 28 * mm
FOOTER_Y = 15 * mm
FOOTER_SIZE = 8.5
# reportlab wraps the whole rest of a paragraph again each time it splits it at a page
# end, so one paragraph of n characters costs about n squared: a 5 MB article in one
# paragraph would never finish. A paragraph longer than this is set as consecutive
# pieces of at most about this many characters (a page holds ~3,500), cut after a
# sentence where there is one, else between words; no word is cut or changed.
PIECE_CHARS = 4000
_SENTENCE_END = re.compile(r"[.!?…»”)]\s")


def footer_text(label: str, page: int, total: int) -> str:
    return f"{label}  ·  page {page} / {total}"


def typeset(article: Article, record: Record, created: datetime) -> bytes:
    """Lay the article out; refuse any character the font would draw as a blank box."""
    names = fonts.register()
    language = record.language
    title = record.title
    date_text = dateline(record.date, language)
    label = record.identifier or article.path.stem
    _require_glyphs(article, record, title, date_text, label)

    styles = _styles(names, language)
    story = [
        Paragraph(escape(title), styles["title"]),
        Paragraph(escape(date_text), styles["dateline"]),
        HRFlowable(width="100%", thickness=0.4, color=(0.35, 0.35, 0.35), spaceBefore=2, spaceAfter=14),
    ]
    for paragraph in article.paragraphs:
        *pieces, last = _pieces(prepare(paragraph, language))
        story += [Paragraph(escape(piece), styles["piece"]) for piece in pieces]
        story.append(Paragraph(escape(last), styles["body"]))
    story.append(Spacer(1, 1))

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM,
        title=title, lang=language, invariant=1, pageCompression=1,
        initialFontName=names["regular"], initialFontSize=10, initialLeading=12,
    )
    doc.build(story, canvasmaker=_footer_canvas(names["regular"], label))
    return out.getvalue()


def _styles(names: dict[str, str], language: str) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle(
        "body", fontName=names["regular"], fontSize=12, leading=16, alignment=TA_JUSTIFY,
        firstLineIndent=0, spaceAfter=6.5, allowWidows=0, allowOrphans=0,
        hyphenationLang=hyphenation_language(language), embeddedHyphenation=0,
        uriWasteReduce=0.3, splitLongWords=1,
    )
    return {
        "title": ParagraphStyle("title", fontName=names["regular"], fontSize=22, leading=26,
                                alignment=TA_LEFT, spaceAfter=8, hyphenationLang="",
                                splitLongWords=1),
        "dateline": ParagraphStyle("dateline", fontName=names["italic"], fontSize=11.5,
                                   leading=14, spaceAfter=4, textColor=(0.25, 0.25, 0.25)),
        "body": body,
        "piece": ParagraphStyle("piece", parent=body, spaceAfter=0),  # runs on into the next
    }


def _pieces(text: str) -> list[str]:
    """``text`` cut into pieces of at most ~PIECE_CHARS at ordinary spaces (never at U+00A0).

    Cutting only at U+0020 keeps French spacing whole: the no-break space before ';'
    and inside guillemets is never a cut, so no piece starts with such a sign.
    """
    pieces = []
    while len(text) > PIECE_CHARS:
        window = text[PIECE_CHARS // 2:PIECE_CHARS]
        ends = [m.end() - 1 for m in _SENTENCE_END.finditer(window) if window[m.end() - 1] == " "]
        cut = PIECE_CHARS // 2 + ends[-1] if ends else text.rfind(" ", 0, PIECE_CHARS)
        if cut <= 0:  # one word longer than a piece: cut after it
            cut = text.find(" ", PIECE_CHARS)
            if cut < 0:
                break
        pieces.append(text[:cut])
        text = text[cut + 1:]
    pieces.append(text)
    return pieces


def _require_glyphs(article: Article, record: Record, title: str, date_text: str, label: str) -> None:
    missing = fonts.first_missing(article.text, "regular")
    if missing is not None:
        line, column = position_of(article, missing)
        raise GlyphError(
            _describe(article.text[missing]) + " cannot be drawn by the shipped font",
            path=article.path, line=line, column=column,
            hint="replace it, or ship a font that has it",
        )
    for text, face, where in ((title, "regular", "title"), (date_text, "italic", "date"),
                              (label, "regular", "identifier")):
        index = fonts.first_missing(text, face)
        if index is not None:
            raise GlyphError(
                f"{_describe(text[index])} in the record's {where} (character {index + 1}) "
                "cannot be drawn by the shipped font",
                path=record.path, line=record.lines.get(where),
                hint="replace it, or ship a font that has it",
            )


def _describe(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    return f"{char!r} (U+{ord(char):04X} {name})"


def _footer_canvas(font_name: str, label: str) -> type[Canvas]:
    """A canvas that draws 'page N / M' once M is known, after each page's body."""

    class FooterCanvas(Canvas):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved_pages)
            for number, state in enumerate(self._saved_pages, start=1):
                self.__dict__.update(state)
                self.setFont(font_name, FOOTER_SIZE)
                self.setFillColorRGB(0.3, 0.3, 0.3)
                self.drawCentredString(A4[0] / 2, FOOTER_Y, footer_text(label, number, total))
                Canvas.showPage(self)
            Canvas.save(self)

    return FooterCanvas
