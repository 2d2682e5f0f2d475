"""Checking and cleaning a scanned material (材料附件) before it is stored.

The type is sniffed from the bytes (``filetype``), never taken from the file name or the
Content-Type the client sent: a ``.jpg`` that holds a PDF is a PDF, and HTML, programs
and anything else are refused. What is stored is the cleaned file, never the upload:

- images (JPEG, PNG) are decoded and encoded again with Pillow, after turning them
  upright by their EXIF orientation, so no EXIF (GPS position, camera, time), XMP, IPTC
  or PNG text chunk survives; the ICC colour profile is kept (it describes colours, not
  people, and dropping it would change how a scan looks). JPEG is encoded at quality 90.
  The pixel count is checked from the header before anything is decoded (decompression
  bombs);
- PDFs are refused when encrypted or when they carry active or hidden content (see
  ``_ACTIVE``); otherwise copied by pypdf without the document information dictionary
  (author, producer, dates) and without the XMP metadata of the document and its pages.

A file that cannot be read is refused with a Chinese reason (``UnreadableFile``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import filetype  # type: ignore[import-untyped]

from engine.errors import DataValidationError, EngineError

# Of what a scan may be, the media type and the extension a stored file is named with.
MEDIA_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
# An A4 page scanned at 600 dpi is about 35 million pixels (4960 × 7016), A3 at 400 dpi
# about 31 million. 40 million keeps one decoded image near 120 MB (RGB) and cleaning it
# near 1.5 s, and stays far under Pillow's own bomb warning (89 million).
MAX_PIXELS = 40_000_000
# Objects of a PDF looked at before it is refused as too complex to check (a scanner's
# PDF has a few per page).
MAX_PDF_OBJECTS = 200_000
JPEG_QUALITY = 90


class UnsupportedFileType(EngineError):
    """The bytes are none of the accepted types (PDF, JPEG, PNG), whatever the name says."""

    code = "unsupported_file_type"


class UnreadableFile(DataValidationError):
    """The file is of an accepted type but damaged, or holds what is refused (encrypted
    or active PDF content, too many pixels)."""

    code = "unreadable_file"

    def __init__(self, message: str) -> None:
        super().__init__(message, {"file": message})


@dataclass(frozen=True)
class CleanScan:
    media_type: str
    data: bytes

    @property
    def extension(self) -> str:
        return MEDIA_TYPES[self.media_type]


def sniff(data: bytes) -> str:
    """The media type of ``data`` by its content (``UnsupportedFileType`` if not accepted)."""
    kind = filetype.guess(data[:8192]) if data else None
    media_type = kind.mime if kind is not None else None
    if media_type not in MEDIA_TYPES:
        raise UnsupportedFileType(
            "只能上传 PDF、JPEG 或 PNG 文件（按文件内容判断，与文件名无关）",
            detected=media_type,
        )
    return str(media_type)


def clean(data: bytes, max_pixels: int = MAX_PIXELS) -> CleanScan:
    """The file as it is stored: checked and stripped of its metadata."""
    media_type = sniff(data)
    if media_type == "application/pdf":
        return CleanScan(media_type, _clean_pdf(data))
    return CleanScan(media_type, _clean_image(data, media_type, max_pixels))


# -- images -------------------------------------------------------------------------------
def _clean_image(data: bytes, media_type: str, max_pixels: int) -> bytes:
    from PIL import Image, ImageOps

    try:
        with Image.open(
            io.BytesIO(data), formats=["JPEG" if media_type == "image/jpeg" else "PNG"]
        ) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise UnreadableFile(
                    f"图片像素过多（{width}×{height}），上限 {max_pixels} 像素；请降低扫描分辨率"
                )
            icc_profile = image.info.get("icc_profile")
            image.load()
            ImageOps.exif_transpose(image, in_place=True)  # no second copy of the pixels
            return _encode(image, media_type, icc_profile)
    except UnreadableFile:
        raise
    except Exception:  # a decoder's errors are no stable API: any is "damaged"
        raise UnreadableFile("图片已损坏或无法读取") from None


def _encode(image: Any, media_type: str, icc_profile: bytes | None) -> bytes:
    """The pixels alone (and the colour profile), encoded afresh: nothing else is copied."""
    out = io.BytesIO()
    options: dict[str, Any] = {"icc_profile": icc_profile} if icc_profile else {}
    if media_type == "image/jpeg":
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=JPEG_QUALITY, **options)
    else:
        # zlib level 1: a 35-million-pixel page in under 2 s, files about 5 % larger than level 6
        image.save(out, "PNG", compress_level=1, **options)
    return out.getvalue()


# -- PDF ----------------------------------------------------------------------------------
# What a PDF must not hold, by the dictionary key and value that mark it: JavaScript
# (document-level /Names /JavaScript, actions of type /JavaScript with /JS), actions that
# start programs, load data or submit forms (/Launch, /ImportData, /SubmitForm), embedded
# and attached files (/EmbeddedFiles name trees, /EmbeddedFile streams, /FileAttachment
# annotations), rich media and XFA forms. Every object reachable from the document's
# root is looked at (streams by their dictionary; their content is not decoded).
_ACTIVE_KEYS = {
    "/JS": "JavaScript 脚本",
    "/JavaScript": "JavaScript 脚本",
    "/EmbeddedFiles": "嵌入的文件",
    "/XFA": "XFA 动态表单",
    "/RichMediaContent": "富媒体内容",
}
_ACTIVE_VALUES = {
    ("/S", "/JavaScript"): "JavaScript 脚本",
    ("/S", "/Launch"): "启动程序的动作",
    ("/S", "/ImportData"): "导入数据的动作",
    ("/S", "/SubmitForm"): "提交表单的动作",
    ("/Type", "/EmbeddedFile"): "嵌入的文件",
    ("/Type", "/Filespec"): "附带的文件",
    ("/Subtype", "/FileAttachment"): "文件附件批注",
    ("/Subtype", "/RichMedia"): "富媒体内容",
}


def _clean_pdf(data: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UnreadableFile("不接受加密或设有密码的 PDF，请上传未加密的扫描件")
        found = _active_content(reader.trailer["/Root"])
        if found is not None:
            raise UnreadableFile(f"PDF 含有{found}，不予接收；请上传扫描仪生成的普通 PDF")
        if not reader.pages:
            raise UnreadableFile("PDF 没有页面")
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None
        for holder in (writer.root_object, *writer.pages):
            for key in ("/Metadata", "/PieceInfo"):
                holder.pop(NameObject(key), None)
        # the objects they were leave the file too (pypdf writes unreferenced ones)
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
        cleaned = out.getvalue()
        if not PdfReader(io.BytesIO(cleaned), strict=False).pages:  # what we wrote reads back
            raise UnreadableFile("PDF 无法读取")
        return cleaned
    except UnreadableFile:
        raise
    except Exception:  # a parser's errors are no stable API: any is "damaged"
        raise UnreadableFile("PDF 已损坏或无法读取") from None


def _active_content(root: Any) -> str | None:
    """What active or hidden content the PDF holds (None: none), by ``_ACTIVE_*``."""
    for seen, obj in enumerate(_reachable(root), start=1):
        if seen > MAX_PDF_OBJECTS:
            return "过多的对象（无法检查）"
        for key, value in obj.items():
            name = str(key)
            if name in _ACTIVE_KEYS:
                return _ACTIVE_KEYS[name]
            marked = (name, str(_resolved(value)))
            if marked in _ACTIVE_VALUES:
                return _ACTIVE_VALUES[marked]
    return None


def _reachable(root: Any) -> Iterator[dict[Any, Any]]:
    """Every dictionary reachable from ``root`` once (stream dictionaries included),
    without recursion (a deep or cyclic file cannot exhaust the stack)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    visited: set[tuple[int, int]] = set()
    pending: list[Any] = [root]
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            ref = (item.idnum, item.generation)
            if ref in visited:
                continue
            visited.add(ref)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            yield item
            pending.extend(item.values())
        elif isinstance(item, ArrayObject):
            pending.extend(item)


def _resolved(value: Any) -> Any:
    getter = getattr(value, "get_object", None)
    return getter() if callable(getter) else value
