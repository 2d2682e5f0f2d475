"""Documents (文书) without a database: the PDF (fonts embedded, the QR code drawn module
by module, the same bytes for the same content), the templates (sandboxed, escaped, a
county's folder first, file by file) and document ids."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pytest
import segno

from engine.documents import kinds
from engine.documents.pdf import (
    FOOTER,
    MARGIN,
    QR_BORDER,
    QR_SIZE,
    Code,
    PageSetup,
    TemplateError,
    qr_width,
    render,
)
from engine.documents.templates import Templates
from processes import resources

URL = "http://127.0.0.1:5000/progress?number=511725201001202609240001"
MADE = datetime(2026, 9, 24, 1, 0, tzinfo=UTC)
A4_HEIGHT = 297.0
POINTS = 72 / 25.4


def setup(*codes: Code, made: datetime = MADE) -> PageSetup:
    return PageSetup("受理通知书", "青丝乡", made, codes or (Code(URL, "扫码查询"),), "受理通知书")


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    return text.replace("\x00", "").replace(" ", "").replace("\n", "")


def drawn_modules(pdf: bytes, x: float, y: float, url: str) -> set[tuple[int, int]]:
    """The dark modules of the QR code drawn at (x, y) mm on the first page, read back
    from the page's filled rectangles (``x y w h re``, in points from the bottom left)."""
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    content = page.get_contents()
    assert content is not None
    module = QR_SIZE / qr_width(url)
    found: set[tuple[int, int]] = set()
    for operands, operator in pypdf.generic.ContentStream(content, None).operations:
        if operator != b"re":
            continue
        left, bottom, width, height = (float(value) / POINTS for value in operands)
        top = A4_HEIGHT - bottom  # fpdf2 draws from the top edge with a negative height
        if not (x <= left < x + QR_SIZE and y <= top < y + QR_SIZE):
            continue
        row, column = round((top - y) / module), round((left - x) / module)
        assert abs(height + module) < 0.01  # one module high (PDF numbers: 2 decimals)
        found.update((row, column + i) for i in range(round(width / module)))
    return found


def test_the_qr_code_is_drawn_module_by_module() -> None:
    pdf = render("<p>正文</p>", setup())
    drawn = drawn_modules(pdf, MARGIN, A4_HEIGHT - FOOTER + 4, URL)
    matrix = segno.make(URL, error="m", micro=False).matrix
    expected = {
        (row + QR_BORDER, column + QR_BORDER)
        for row, line in enumerate(matrix)
        for column, dark in enumerate(line)
        if dark
    }
    assert drawn == expected
    assert URL in text_of(pdf)  # printed under the caption, for typing in


def test_the_same_content_gives_the_same_bytes() -> None:
    body = "<h1>受理通知书</h1><p>　　张秀兰：您的申请已受理。</p>"
    first = render(body, setup())
    assert render(body, setup()) == first
    assert render(body, setup(made=datetime(2026, 9, 25, tzinfo=UTC))) != first
    reader = pypdf.PdfReader(io.BytesIO(first))
    assert reader.metadata is not None and reader.metadata.title == "受理通知书"
    fonts = {
        font.get_object()["/BaseFont"].split("+")[1]
        for font in reader.pages[0]["/Resources"]["/Font"].values()
    }
    assert fonts == {"NotoSerifSC", "NotoSansSC"}  # text and bold, both embedded subsets


def test_a_second_code_for_the_rating_link() -> None:
    rating = "http://127.0.0.1:5000/rate/AbC123"
    pdf = render("<p>正文</p>", setup(Code(URL, "查询进度"), Code(rating, "评价服务")))
    text = text_of(pdf)
    assert URL in text and rating in text and "评价服务" in text
    second_x = MARGIN + (210 - 2 * MARGIN) / 2
    assert drawn_modules(pdf, second_x, A4_HEIGHT - FOOTER + 4, rating)


def test_a_template_may_not_load_images() -> None:
    with pytest.raises(TemplateError, match="不能插入图片"):
        render('<p>正文</p><img src="/etc/passwd">', setup())


def test_templates_are_sandboxed_and_escaped(tmp_path: Path) -> None:
    (tmp_path / "escape.html").write_text("<p>{{ applicant.name }}</p>", encoding="utf-8")
    (tmp_path / "escape_attempt.html").write_text(
        "{{ applicant.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8"
    )
    templates = Templates(resources.DOCUMENTS_DIR, tmp_path)
    shown = templates.render("escape.html", {"applicant": {"name": "<b>张</b> 秀兰"}})
    assert shown == "<p>&lt;b&gt;张&lt;/b&gt;\u00a0秀兰</p>"  # spaces kept together
    with pytest.raises(TemplateError, match=r"escape_attempt\.html"):
        templates.render("escape_attempt.html", {"applicant": {"name": "x"}})


def test_a_county_folder_replaces_templates_file_by_file(tmp_path: Path) -> None:
    (tmp_path / "receipt.html").write_text(
        '{% extends "_base.html" %}{% block body %}<p>本县回执</p>{% endblock %}',
        encoding="utf-8",
    )
    county = Templates(resources.DOCUMENTS_DIR, tmp_path)
    context = {"document": {"title": "收件回执", "number": "1"}, "unit": {}, "staff": {}}
    assert "本县回执" in county.render("receipt.html", context)
    assert Templates(resources.DOCUMENTS_DIR).environment.get_template(
        "receipt.html"
    ).filename == str(resources.DOCUMENTS_DIR / "receipt.html")
    # The files the county left alone are the shipped ones.
    assert county.environment.get_template("refusal.html").filename == str(
        resources.DOCUMENTS_DIR / "refusal.html"
    )


def test_every_kind_has_its_template() -> None:
    for kind in kinds.KINDS:
        assert (resources.DOCUMENTS_DIR / kind.template).is_file(), kind.code


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("acceptance-3", (kinds.ACCEPTANCE, 3)),
        ("service_record-12", (kinds.SERVICE_RECORD, 12)),
        ("receipt-0", None),
        ("receipt-01", None),
        ("letter-3", None),
        ("acceptance-3\n", None),
        ("acceptance", None),
    ],
)
def test_document_ids(text: str, parsed: tuple[kinds.Kind, int] | None) -> None:
    assert kinds.parse_id(text) == parsed
