"""Checking and cleaning a scan (``engine.scans``): the type by content, metadata gone,
what is refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader

from engine.scans import UnreadableFile, UnsupportedFileType, clean, sniff
from tests.support.scans import (
    EXE,
    GPS_IFD,
    HTML,
    jpeg_with_gps,
    pdf_with_metadata,
    png_with_gps,
)


def test_the_content_decides_the_type_not_the_name() -> None:
    # what a client calls "scan.jpg" is whatever its bytes are
    assert sniff(pdf_with_metadata(1)) == "application/pdf"
    assert sniff(png_with_gps(1)) == "image/png"
    assert sniff(jpeg_with_gps(1)) == "image/jpeg"


@pytest.mark.parametrize(
    "data", [HTML, EXE, b"", b"GIF89a" + b"\x00" * 20, b"PK\x03\x04" + b"\x00" * 40]
)
def test_html_programs_and_other_types_are_refused(data: bytes) -> None:
    with pytest.raises(UnsupportedFileType) as refused:
        clean(data)
    assert "PDF、JPEG 或 PNG" in refused.value.message


def test_exif_with_gps_is_gone_from_a_jpeg_and_it_stands_upright() -> None:
    sent = jpeg_with_gps(2, orientation=8, size=(30, 20))
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(GPS_IFD)
    scan = clean(sent)
    image = Image.open(io.BytesIO(scan.data))
    assert scan.media_type == "image/jpeg" and scan.extension == ".jpg"
    assert image.size == (20, 30)
    assert not image.getexif() and "exif" not in image.info and b"PhoneMaker" not in scan.data


def test_exif_is_gone_from_a_png_and_its_pixels_stay() -> None:
    sent = png_with_gps(3)
    scan = clean(sent)
    before, after = Image.open(io.BytesIO(sent)), Image.open(io.BytesIO(scan.data))
    assert not after.getexif() and "exif" not in after.info
    assert before.convert("RGB").tobytes() == after.convert("RGB").tobytes()


def test_the_icc_profile_is_kept() -> None:
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, "PNG", icc_profile=profile)
    assert Image.open(io.BytesIO(clean(out.getvalue()).data)).info["icc_profile"] == profile


def test_the_pixel_count_is_checked_before_decoding() -> None:
    out = io.BytesIO()
    Image.new("L", (3000, 3000)).save(out, "PNG")  # compresses to a few kilobytes
    with pytest.raises(UnreadableFile) as refused:
        clean(out.getvalue(), max_pixels=1_000_000)
    assert "像素过多" in refused.value.message and refused.value.fields == {
        "file": refused.value.message
    }


def test_a_pdf_loses_its_document_information_and_xmp() -> None:
    sent = pdf_with_metadata(4)
    assert PdfReader(io.BytesIO(sent)).metadata["/Author"] == "张三"
    scan = clean(sent)
    reader = PdfReader(io.BytesIO(scan.data))
    assert reader.metadata is None and "/Info" not in reader.trailer
    assert "/Metadata" not in reader.trailer["/Root"] and b"xmpmeta" not in scan.data
    assert len(reader.pages) == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (pdf_with_metadata(5, javascript=True), "JavaScript"),
        (pdf_with_metadata(6, password="secret"), "加密"),
        (b"%PDF-1.7\n%%EOF", "损坏"),
        (png_with_gps(7)[:100], "损坏"),
        (jpeg_with_gps(8)[:300], "损坏"),
    ],
    ids=["javascript", "encrypted", "damaged-pdf", "damaged-png", "damaged-jpeg"],
)
def test_damaged_encrypted_and_active_files_are_refused_with_a_reason(
    data: bytes, reason: str
) -> None:
    with pytest.raises(UnreadableFile) as refused:
        clean(data)
    assert reason in refused.value.message


def test_an_embedded_file_is_refused() -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.add_attachment("payload.exe", b"MZ...")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(UnreadableFile) as refused:
        clean(out.getvalue())
    assert "嵌入的文件" in refused.value.message
