"""Scans as residents' phones and scanners make them, for the attachment tests: images
with EXIF (GPS position, orientation), PDFs with document information and XMP, and
files that must be refused. ``seed`` makes each test's bytes its own (the test file
store is shared by every test database, and content-addressed)."""

from __future__ import annotations

import io
import random

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, TextStringObject

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def picture(seed: int, size: tuple[int, int] = (60, 40)) -> Image.Image:
    """A small image whose pixels depend on ``seed``."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    image.putpixel((0, 0), (seed % 256, (seed // 256) % 256, 7))
    return image


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (30.0, 50.0, 0.0), 3: "E", 4: (106.0, 58.0, 0.0)})
    return exif


def jpeg_with_gps(seed: int, orientation: int = 1, size: tuple[int, int] = (60, 40)) -> bytes:
    out = io.BytesIO()
    picture(seed, size).save(out, "JPEG", exif=exif_with_gps(orientation), quality=95)
    return out.getvalue()


def png_with_gps(seed: int, size: tuple[int, int] = (60, 40)) -> bytes:
    out = io.BytesIO()
    picture(seed, size).save(out, "PNG", exif=exif_with_gps())
    return out.getvalue()


def noisy_png(seed: int, size: tuple[int, int]) -> bytes:
    """A PNG that does not compress (random pixels): its size is about 3 bytes a pixel."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def pdf_with_metadata(seed: int, *, javascript: bool = False, password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200 + seed % 100, 300)
    writer.add_metadata({"/Author": "张三", "/Title": f"身份证扫描 {seed}", "/Creator": "Scanner"})
    xmp = DecodedStreamObject()
    xmp.set_data(b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>')
    xmp.update(
        {NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")}
    )
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    if javascript:
        action = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('hi')"),
            }
        )
        writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)
    if password is not None:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
# The start of a Windows program (MZ header, PE signature), as filetype knows it.
EXE = b"MZ" + b"\x90\x00" * 30 + b"\x80\x00\x00\x00" + b"\x00" * 64 + b"PE\x00\x00" + b"\x00" * 200
