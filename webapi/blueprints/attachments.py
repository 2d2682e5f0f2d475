"""Scanned materials (材料附件) of a case: upload, list, download (``engine.attachments``).

Who may do what is the policy's (``engine.policy.scans``): a case outside the caller's
scope is 404; uploading needs the right to act on the case (or to be the unit that
registered it), opening a scan the right to act on the case; others who see the case get
the list without links. Names are composed by the server (material and id, nothing the
resident's phone or scanner called the file) and notes are in the history anyway.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, current_app
from werkzeug.datastructures import FileStorage

from engine import policy
from engine.attachments import Attachment
from engine.labels import unit_name
from webapi.auth import current_principal, require_auth
from webapi.blueprints.cases import visible_case
from webapi.openapi import problem_response
from webapi.problems import ApiProblem, refused
from webapi.request_body import accepts_uploads, upload_limit
from webapi.schemas.attachments import (
    AttachmentListSchema,
    AttachmentSchema,
    AttachmentUploadSchema,
)
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint(
    "attachments", __name__, url_prefix="/api/v1/cases", description="材料附件（扫描件）"
)

_BINARY = {"schema": {"type": "string", "format": "binary"}}
_FILE_RESPONSE = {
    "description": "保存的扫描件（已去除元数据），类型见 Content-Type；ETag 为其 SHA-256",
    "content": {
        media_type: _BINARY for media_type in ("application/pdf", "image/jpeg", "image/png")
    },
}


@blp.route("/<int:case_id>/attachments", methods=["POST"])
@accepts_uploads
@upload_limit("ATTACHMENT_MAX_BYTES")
@require_auth
@blp.arguments(AttachmentUploadSchema, location="files")
@blp.response(201, AttachmentSchema, description="已上传，记入办件历史（attachment_added）")
@blp.alt_response(
    200, schema=AttachmentSchema, description="同一文件已作为该材料上传过：原附件，未重复记录"
)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(
    409,
    **problem_response(
        "办件已结束，不能再上传（已办结的只能补传办结单、送达回证）", "invalid_state"
    ),
)
@blp.alt_response(
    413, **problem_response("文件超过上限（DAIBAN_ATTACHMENT_MAX_BYTES）", "payload_too_large")
)
@blp.alt_response(415, **problem_response("不是 PDF、JPEG 或 PNG", "unsupported_file_type"))
@blp.alt_response(
    422,
    **problem_response(
        "文件已损坏或不予接收，或材料名称有误", "unreadable_file", "validation_failed"
    ),
)
def add_attachment(upload: dict[str, Any], case_id: int) -> tuple[dict[str, Any], int]:
    """上传材料附件：收件登记后、补正材料时、送达时（multipart/form-data）

    字段 `file`（扫描件）、`material`（材料名称）、`note`（备注，可选）。类型按文件内容判断，
    只接受 PDF、JPEG、PNG；图片转正后重新编码，去除 EXIF（含 GPS）、XMP 等元数据（保留色彩配置）；
    PDF 去除文档信息与 XMP 元数据，加密或含脚本、嵌入文件的 PDF 不予接收。
    保存的是清理后的文件，其 SHA-256 记入办件历史（`attachment_added`），`verify` 据此核对。
    """
    principal = current_principal()
    record = visible_case(principal, case_id)
    refusal = policy.attach_refusal(principal, record)
    if refusal is not None:
        raise refused(refusal, f"没有编号为 {case_id} 的办件")
    data = _file_bytes(upload["file"])
    attachment, created = services().engine.attachments.attach(
        case_id,
        policy.attaching_actor(principal, record),
        upload["material"],
        data,
        upload.get("note"),
    )
    return _shown(attachment, withheld=False), 201 if created else 200


@blp.route("/<int:case_id>/attachments", methods=["GET"])
@require_auth
@blp.response(200, AttachmentListSchema)
@blp.alt_response(404, response="NOT_FOUND")
def list_attachments(case_id: int) -> dict[str, Any]:
    """办件的材料附件清单：无权查看个人材料的（如县级督查）只见清单，没有下载地址"""
    principal = current_principal()
    record = visible_case(principal, case_id)
    attachments = services().engine.attachments
    withheld = policy.withholds_scans(principal, record)
    materials = attachments.materials(record)
    return {
        "items": [_shown(a, withheld) for a in attachments.list(case_id)],
        "materials": materials,
        "may_attach": bool(materials) and policy.attach_refusal(principal, record) is None,
        "max_bytes": current_app.config["ATTACHMENT_MAX_BYTES"],
    }


@blp.route("/<int:case_id>/attachments/<int:attachment_id>", methods=["GET"])
@require_auth
@blp.doc(responses={"200": _FILE_RESPONSE})
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def get_attachment(case_id: int, attachment_id: int) -> Response:
    """下载材料附件（扫描件）：仅办理该办件的人员；文件缺失或与记录不符时 503，不提供"""
    principal = current_principal()
    record = visible_case(principal, case_id)
    refusal = policy.scan_refusal(principal, record)
    if refusal is not None:
        raise refused(refusal, f"没有编号为 {case_id} 的办件")
    attachments = services().engine.attachments
    attachment = attachments.get(case_id, attachment_id)
    data = attachments.content(attachment)
    response = current_app.response_class(data, mimetype=attachment.media_type)
    response.set_etag(attachment.sha256)
    response.headers["Content-Disposition"] = (
        f'inline; filename="attachment-{attachment.id}{_suffix(attachment)}"; '
        f"filename*=UTF-8''{quote(attachment.name)}"
    )
    return response


def _file_bytes(upload: Any) -> bytes:
    """The uploaded file's bytes, at most the configured limit (413 beyond it)."""
    if not isinstance(upload, FileStorage):
        raise ApiProblem(
            422,
            "validation_failed",
            "file 应为上传的文件",
            errors=[{"field": "file", "in": "files", "reason": "应为上传的文件"}],
        )
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise ApiProblem(413, "payload_too_large", f"文件超过上限（{limit} 字节）")
    if not data:
        raise ApiProblem(
            422,
            "validation_failed",
            "上传的文件是空的",
            errors=[{"field": "file", "in": "files", "reason": "文件是空的"}],
        )
    return data


def _shown(attachment: Attachment, withheld: bool) -> dict[str, Any]:
    org = services().engine.org
    user = org.users.get(attachment.added_by)
    return {
        "id": attachment.id,
        "material": attachment.material,
        "media_type": attachment.media_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "withheld": withheld,
        "name": attachment.name,
        "note": attachment.note,
        "href": None
        if withheld
        else f"/api/v1/cases/{attachment.case_id}/attachments/{attachment.id}",
        "added_at": attachment.added_at,
        "added_by": attachment.added_by,
        "added_by_name": user.name if user is not None else attachment.added_by,
        "added_by_unit": unit_name(org, attachment.added_by_unit),
    }


def _suffix(attachment: Attachment) -> str:
    return attachment.name[attachment.name.rfind(".") :] if "." in attachment.name else ""
