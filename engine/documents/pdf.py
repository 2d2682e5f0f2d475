"""Writing a document's PDF: its HTML body (a rendered template), a footer with the QR
codes, on A4 with the Chinese fonts embedded.

fpdf2 writes the PDF in pure Python (no system library), takes the limited HTML its
``write_html`` knows (headings, paragraphs, bold, tables, lists, line breaks) and embeds
a subset of each font with just the characters used. With its dates fixed (the event the
document belongs to), the same content gives the same bytes in any process, on any day:
that is what lets the history's SHA-256 prove which document was handed over.

Fonts: Noto Serif SC for text and Noto Sans SC for bold (fpdf2 needs one font file per
style), from the ``pylopdf_fonts_zh_cn`` wheel. Reading a font's tables takes about a
third of a second, so each is read once per process (``_prototypes``) and every
document gets a copy of the parsed font with its own subset and its own fontTools
object (subsetting changes that object, so it is never shared).

The QR codes (segno) are drawn as filled squares, one per run of dark modules in a row:
vector, sharp at any printer resolution, and readable back from the page's drawing
operators (the tests rebuild the matrix from them).
"""

from __future__ import annotations

import copy
import io
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

import segno
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TextStyle, TTFFont

FAMILY = "noto"
FONT_FILES = {"": "NotoSerifSC-Regular.otf", "B": "NotoSansSC-Regular.otf"}
FONT_PACKAGE = "pylopdf_fonts_zh_cn"

MARGIN = 20.0  # mm, left, right and top
FOOTER = 44.0  # mm kept free at the bottom of every page for the QR codes
QR_SIZE = 26.0  # mm, quiet zone included
QR_BORDER = 2  # modules of quiet zone (the printed page's white is the rest)

# fpdf2's HTML reads U+3000 (全角空格, the first-line indent of Chinese paragraphs) as
# white space and collapses it; four no-break spaces of Noto Serif SC (256/1000 em each)
# keep its width.
IDEOGRAPHIC_SPACE = "\u00a0" * 4
# Paragraphs at 1.5 lines, as Chinese notices are set, unless a template says otherwise.
_PARAGRAPH = re.compile(r"<p(?=[\s>])(?![^>]*line-height)")


def _heading(size: float) -> TextStyle:
    return TextStyle(
        font_family=FAMILY, font_style="B", font_size_pt=size, color="#000000",
        t_margin=0.6, b_margin=0.2,
    )  # fmt: skip


TAG_STYLES = {  # margins in lines of the tag's font size
    "h1": TextStyle(
        font_family=FAMILY,
        font_style="B",
        font_size_pt=20,
        color="#000000",
        t_margin=0.2,
        b_margin=0.8,
    ),
    "h2": _heading(14),
    "h3": _heading(12),
    "p": TextStyle(t_margin=0.3, b_margin=0.3),
    "li": TextStyle(l_margin=6, t_margin=0.2),
    "ol": TextStyle(t_margin=0),
    "ul": TextStyle(t_margin=0),
    "blockquote": TextStyle(color="#000000", l_margin=8, t_margin=0.3, b_margin=0.3),
}


class TemplateError(Exception):
    """A document template cannot be rendered (a county's edit broke it): a fault of the
    installation, not of the request, so the API answers 500 and logs it."""


@dataclass(frozen=True)
class Code:
    """A QR code in the footer: where it leads and what it is for."""

    url: str
    caption: str  # printed beside it, with the address under it


@dataclass(frozen=True)
class PageSetup:
    title: str  # the PDF's title (metadata)
    author: str  # the issuing unit
    made_at: datetime  # the PDF's creation and modification date
    codes: tuple[Code, ...]
    footer_note: str  # printed at the foot of each page, before the page number


_lock = threading.Lock()
_prototypes: dict[str, tuple[TTFFont, bytes]] = {}


def _prototype(style: str) -> tuple[TTFFont, bytes]:
    """The parsed font of ``style`` and its file's bytes, read once per process."""
    with _lock:
        found = _prototypes.get(style)
        if found is None:
            source = resources.files(FONT_PACKAGE) / FONT_FILES[style]
            data = source.read_bytes()
            reader = FPDF()
            with resources.as_file(source) as path:
                reader.add_font(FAMILY, style, str(path))
            font = reader.fonts[FAMILY + style]
            assert isinstance(font, TTFFont)
            found = _prototypes[style] = (font, data)
        return found


def _add_fonts(pdf: FPDF) -> None:
    for style in FONT_FILES:
        prototype, data = _prototype(style)
        font = copy.copy(prototype)  # metrics and character widths shared, read-only
        font.i = len(pdf.fonts) + 1
        font.ttfont = ttLib.TTFont(
            io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False, lazy=True
        )
        font.subset = SubsetMap(font)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        pdf.fonts[FAMILY + style] = font


def warm_up() -> None:
    """Read the fonts now (the first document would otherwise wait for them)."""
    for style in FONT_FILES:
        _prototype(style)


class _Page(FPDF):
    def __init__(self, setup: PageSetup) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.setup = setup

    def footer(self) -> None:
        top = self.h - FOOTER + 4
        self.set_draw_color(0)
        self.set_line_width(0.2)
        self.line(MARGIN, top - 2, self.w - MARGIN, top - 2)
        width = (self.w - 2 * MARGIN) / max(1, len(self.setup.codes))
        for index, code in enumerate(self.setup.codes):
            x = MARGIN + index * width
            draw_qr(self, code.url, x, top, QR_SIZE)
            self.set_xy(x + QR_SIZE + 2, top + 2)
            self.set_font(FAMILY, "B", 9)
            self.multi_cell(width - QR_SIZE - 4, 4.5, code.caption, new_x="LEFT", new_y="NEXT")
            self.set_font(FAMILY, "", 7.5)
            self.multi_cell(width - QR_SIZE - 4, 3.6, code.url, new_x="LEFT", new_y="NEXT")
        self.set_xy(MARGIN, self.h - 12)
        self.set_font(FAMILY, "", 8)
        note = f"{self.setup.footer_note}　第 {self.page_no()} 页 共 {{nb}} 页"
        self.cell(self.w - 2 * MARGIN, 4, note, align="C")


def qr_modules(url: str) -> list[tuple[int, int, int]]:
    """The dark modules of ``url``'s QR code as runs (row, first column, length), the
    quiet zone of ``QR_BORDER`` modules counted in."""
    code = segno.make(url, error="m", micro=False)
    runs = []
    for row, line in enumerate(code.matrix_iter(scale=1, border=QR_BORDER)):
        column = 0
        values = list(line)
        while column < len(values):
            if values[column]:
                start = column
                while column < len(values) and values[column]:
                    column += 1
                runs.append((row, start, column - start))
            else:
                column += 1
    return runs


def qr_width(url: str) -> int:
    """The modules across ``url``'s QR code, quiet zone included."""
    return int(segno.make(url, error="m", micro=False).symbol_size(scale=1, border=QR_BORDER)[0])


def draw_qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    module = size / qr_width(url)
    pdf.set_fill_color(0)
    for row, column, length in qr_modules(url):
        pdf.rect(x + column * module, y + row * module, length * module, module, style="F")


def render(body: str, setup: PageSetup) -> bytes:
    """The PDF of the HTML ``body`` with ``setup``'s footer on every page."""
    pdf = _Page(setup)
    _add_fonts(pdf)
    pdf.set_creation_date(setup.made_at)
    pdf.set_title(setup.title)
    pdf.set_author(setup.author)
    pdf.set_creator("daiban")
    pdf.set_lang("zh-CN")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=FOOTER)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font(FAMILY, "", 11.5)
    try:
        pdf.write_html(
            _PARAGRAPH.sub('<p line-height="1.5"', body).replace("\u3000", IDEOGRAPHIC_SPACE),
            font_family=FAMILY,
            tag_styles=TAG_STYLES,
            image_map=_no_images,
            warn_on_tags_not_matching=False,
            li_prefix_color=(0, 0, 0),
        )
    except TemplateError:
        raise
    except Exception as error:  # fpdf2 raises plain exceptions for HTML it cannot lay out
        raise TemplateError(f"文书模板无法排版：{error}") from error
    return bytes(pdf.output())


def _no_images(source: Any) -> str:
    # fpdf2 would read a file or fetch a URL named by <img>: a county's template may not
    # make the server do either.
    raise TemplateError("文书模板不能插入图片")
