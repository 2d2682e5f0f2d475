"""Documents (文书) of a case: the list, and the PDF itself."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from engine.labels import DOCUMENT_KINDS, choices
from webapi.schemas.common import LocalDateTime

PDF_SCHEMA: dict[str, Any] = {
    "type": "string",
    "format": "binary",
    "description": "PDF 文书（A4，内嵌中文字体子集，页脚印有办理进度查询二维码）",
}


class IssuedSchema(Schema):
    at = LocalDateTime(required=True, metadata={"description": "首次出具时间（北京时间）"})
    by = fields.String(required=True, metadata={"description": "出具人（用户名）"})
    by_name = fields.String(allow_none=True, metadata={"description": "出具人姓名"})
    seq = fields.Integer(
        required=True, metadata={"description": "办件历史中 document_issued 事件的序号"}
    )
    sha256 = fields.String(
        required=True, metadata={"description": "PDF 的 SHA-256（即下载时的 ETag）"}
    )
    name = fields.String(
        required=True,
        metadata={"description": "文件名", "example": "受理通知书-511725201001202609240001.pdf"},
    )
    size = fields.Integer(required=True, metadata={"description": "字节数"})


class DocumentSchema(Schema):
    kind = fields.String(
        required=True,
        metadata={"description": f"文书种类：{choices(DOCUMENT_KINDS)}", "example": "acceptance"},
    )
    title = fields.String(
        required=True, metadata={"description": "文书名称", "example": "受理通知书"}
    )
    document_id = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "文书编号（种类-所属事件序号，如 acceptance-3）；"
            "尚未到出具环节时为 null",
            "example": "acceptance-3",
        },
    )
    available = fields.Boolean(
        required=True, metadata={"description": "已到出具环节，可以打印或下载"}
    )
    issued = fields.Nested(
        IssuedSchema,
        required=True,
        allow_none=True,
        metadata={"description": "已出具（首次下载时记入办件历史）；未出具为 null"},
    )


class DocumentListSchema(Schema):
    case_id = fields.Integer(required=True)
    case_number = fields.String(allow_none=True, metadata={"description": "办件编号"})
    documents = fields.List(fields.Nested(DocumentSchema), required=True)
