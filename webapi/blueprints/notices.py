"""The notice outbox (短信通知) for administrators: the list, and sending a dead one again."""

from __future__ import annotations

from typing import Any

from engine.policy import Action
from engine.records import NOTICE_KINDS, NOTICE_STATES, NoticeQuery, NoticeRecord
from webapi.auth import current_principal, require_auth, require_right
from webapi.openapi import problem_response
from webapi.schemas.common import a_page, page_offset
from webapi.schemas.notices import NoticePageSchema, NoticeQuerySchema, NoticeSchema
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint("notices", __name__, url_prefix="/api/v1/notices", description="短信通知")


@blp.route("", methods=["GET"])
@require_auth
@blp.arguments(NoticeQuerySchema, location="query")
@blp.response(200, NoticePageSchema)
@blp.alt_response(403, response="FORBIDDEN")
def list_notices(args: dict[str, Any]) -> dict[str, Any]:
    """短信通知列表：受理、补正、不予受理、办结、评价邀请的通知及其发送状态，新的在前
    （仅系统管理员；手机号遮蔽）

    `pending` 待发送（`next_at` 为下次尝试时间）、`sending` 发送中、`sent` 已发送、
    `dead` 发送失败（网关拒绝或多次失败，`last_error` 为原因；可重发）。
    """
    require_right(Action.MANAGE_NOTICES)
    query = NoticeQuery(args.get("state"), args.get("case"), args.get("kind"))
    engine = services().engine
    found, total = engine.notices.find(query, *page_offset(args))
    records = engine.cases.records(sorted({n.case_id for n in found}))
    numbers = [records[n.case_id].case_number if n.case_id in records else None for n in found]
    return a_page([as_json(n, no) for n, no in zip(found, numbers, strict=True)], args, total)


@blp.route("/<int:notice_id>/retry", methods=["POST"])
@require_auth
@blp.response(200, NoticeSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, **problem_response("通知不是发送失败状态，未重发", "invalid_state"))
def retry_notice(notice_id: int) -> dict[str, Any]:
    """重发一条发送失败的通知：即刻排队，尝试次数重新计算，幂等编号不变（仅系统管理员）"""
    require_right(Action.MANAGE_NOTICES)
    engine = services().engine
    notice = engine.notices.retry(notice_id, current_principal().user_id)
    record = engine.cases.records([notice.case_id]).get(notice.case_id)
    return as_json(notice, record.case_number if record is not None else None)


def as_json(notice: NoticeRecord, case_number: str | None) -> dict[str, Any]:
    return {
        "id": notice.id,
        "case_id": notice.case_id,
        "case_number": case_number,
        "kind": notice.kind,
        "kind_name": NOTICE_KINDS[notice.kind],
        "phone": notice.phone_masked,
        "text": notice.text,
        "state": notice.state,
        "state_name": NOTICE_STATES[notice.state],
        "attempts": notice.attempts,
        "next_at": notice.next_at if notice.state == "pending" else None,
        "last_error": notice.last_error,
        "created_at": notice.created_at,
        "sent_at": notice.sent_at,
        "idempotency_id": notice.idempotency_id,
    }
