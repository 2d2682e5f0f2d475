"""Documents (文书) of a case: which it has, and each as a PDF. The first download of a
document issues it (``document_issued`` in the history, with the PDF's SHA-256); every
later one answers the same bytes. Everyone who sees the case may print its documents."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, current_app

from engine import policy
from engine.documents import Entry
from webapi.auth import current_principal, require_auth
from webapi.blueprints.cases import visible_case
from webapi.schemas.documents import PDF_SCHEMA, DocumentListSchema
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint("documents", __name__, url_prefix="/api/v1/cases", description="文书")

PDF = "application/pdf"


@blp.route("/<int:case_id>/documents", methods=["GET"])
@require_auth
@blp.response(200, DocumentListSchema)
@blp.alt_response(404, response="NOT_FOUND")
def list_documents(case_id: int) -> dict[str, Any]:
    """办件的文书：已到出具环节的（可打印），及按流程接下来会出具的（`available` 为 false）

    收件回执、代办委托书（代办件）、材料交接单（代办件移交乡镇时）、受理通知书、
    补正材料通知书（一次性告知书）、不予受理通知书、办结通知书（结果文书制作后）、
    送达回证（执法案件作出决定后）。`issued` 记录首次出具的时间、出具人与 SHA-256。
    """
    record = visible_case(current_principal(), case_id)
    entries = services().engine.documents.entries(case_id)
    return {
        "case_id": case_id,
        "case_number": record.case_number,
        "documents": [_entry(entry) for entry in entries],
    }


@blp.route("/<int:case_id>/documents/<document_id>", methods=["GET"])
@require_auth
@blp.response(
    200,
    PDF_SCHEMA,
    content_type=PDF,
    description="文书 PDF；同一文书每次下载内容相同",
    headers={
        "ETag": {"description": "PDF 的 SHA-256（带引号）", "schema": {"type": "string"}},
        "Content-Disposition": {
            "description": "inline，文件名（UTF-8，RFC 6266）",
            "schema": {"type": "string"},
        },
    },
)
@blp.alt_response(404, response="NOT_FOUND")
def get_document(case_id: int, document_id: str) -> Response:
    """下载（打印）一份文书：首次下载即出具，记入办件历史（`document_issued`，含 PDF 的
    SHA-256），以后每次下载都是同一份文件；办件校验（verify）核对其内容未被改动"""
    principal = current_principal()
    record = visible_case(principal, case_id)
    actor = policy.case_actor(principal, record)
    document = services().engine.documents.document(case_id, document_id, actor)
    response = current_app.response_class(document.data, mimetype=PDF)
    response.set_etag(document.sha256)
    ascii_name = f"{document_id}.pdf"
    response.headers["Content-Disposition"] = (
        f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(document.name)}"
    )
    return response


def _entry(entry: Entry) -> dict[str, Any]:
    issued = entry.issued
    org = services().engine.org
    return {
        "kind": entry.kind.code,
        "title": entry.kind.title,
        "document_id": entry.document_id,
        "available": entry.available,
        "issued": None
        if issued is None
        else {
            "at": issued.at,
            "by": issued.by,
            "by_name": org.users[issued.by].name if issued.by in org.users else None,
            "seq": issued.seq,
            "sha256": issued.sha256,
            "name": issued.name,
            "size": issued.size,
        },
    }
