"""Scanned materials (材料附件): the upload form and the attachments as answers show them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.attachments import MAX_MATERIAL, MAX_NOTE
from webapi.schemas.cases import Pattern
from webapi.schemas.common import BLANK, NOT_BLANK, LocalDateTime
from webapi.smorest import Upload


class AttachmentUploadSchema(Schema):
    """The upload's one multipart body: the file, which material it is, a note."""

    material = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=MAX_MATERIAL), Pattern(NOT_BLANK, error=BLANK)],
        metadata={
            "description": "这是哪一项材料：事项材料清单中的材料名称（见 GET /items/{code} 的 materials），"
            "或“办结单”“送达回证”"
        },
    )
    note = fields.String(
        validate=validate.Length(max=MAX_NOTE),
        metadata={
            "description": f"备注（最多 {MAX_NOTE} 字），如“第 2 页”“复印件”；记入办件历史，"
            "请勿填写身份证号等个人信息"
        },
    )

    file = Upload(
        required=True,
        metadata={
            "description": "扫描件：PDF、JPEG 或 PNG，按内容判断类型（与文件名无关）；"
            "图片的 EXIF（含 GPS 位置）、XMP 等元数据与 PDF 的文档信息、XMP 元数据在保存前去除"
        },
    )


class AttachmentSchema(Schema):
    id = fields.Integer(
        required=True, metadata={"description": "附件编号：上传它的历史事件的序号，在办件内唯一"}
    )
    material = fields.String(required=True, metadata={"description": "材料名称"})
    media_type = fields.String(
        required=True,
        metadata={
            "description": "文件类型",
            "enum": ["application/pdf", "image/jpeg", "image/png"],
        },
    )
    size = fields.Integer(
        required=True, metadata={"description": "保存的文件大小（字节，去除元数据后）"}
    )
    sha256 = fields.String(
        required=True, metadata={"description": "保存的文件的 SHA-256，记入办件历史"}
    )
    withheld = fields.Boolean(
        required=True,
        metadata={
            "description": "true：调用者不能查看材料附件的内容（只有办理该办件的人员可以），href 为 null"
        },
    )
    name = fields.String(
        required=True,
        metadata={
            "description": "文件名，由服务器按“材料名称-附件编号.扩展名”命名（不保留上传时的文件名）"
        },
    )
    note = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "备注（记入办件历史，能看办件历史的人都能看到）"},
    )
    href = fields.String(
        required=True, allow_none=True, metadata={"description": "下载地址（须带令牌）"}
    )
    added_at = LocalDateTime(required=True, metadata={"description": "上传时间"})
    added_by = fields.String(required=True, metadata={"description": "上传人（用户名）"})
    added_by_name = fields.String(required=True, metadata={"description": "上传人姓名"})
    added_by_unit = fields.String(
        required=True, allow_none=True, metadata={"description": "上传人所在单位"}
    )


class AttachmentListSchema(Schema):
    items = fields.List(
        fields.Nested(AttachmentSchema), required=True, metadata={"description": "按上传先后"}
    )
    materials = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "此刻可以上传的材料：在办的办件为事项的材料清单加上办结单、送达回证，"
            "已办结的只有办结单、送达回证，已撤件的没有"
        },
    )
    may_attach = fields.Boolean(required=True, metadata={"description": "调用者可以上传材料附件"})
    max_bytes = fields.Integer(
        required=True, metadata={"description": "每个文件的大小上限（字节）"}
    )
