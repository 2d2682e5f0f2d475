"""Cases (办件): registration, reading, listing, messages and cancellation."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import request

from engine import Principal, policy
from engine.cases import CaseView
from engine.clock import SHANGHAI
from engine.policy import Action
from engine.records import CaseFilter, CaseRecord
from engine.registration import Applicant, Registration
from processes.patterns import mask_id, mask_phone
from webapi.auth import current_principal, require_auth
from webapi.problems import refused
from webapi.schemas.cases import (
    CancelSchema,
    CaseCreatedSchema,
    CaseCreateSchema,
    CaseDetailSchema,
    CasePageSchema,
    CaseQuerySchema,
    MessagePayloadSchema,
)
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="办件")


@blp.route("", methods=["POST"])
@require_auth
@blp.arguments(CaseCreateSchema)
@blp.response(201, CaseCreatedSchema)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def create_case(body: dict[str, Any]) -> dict[str, Any]:
    """收件登记：代办点、流动代办、乡镇窗口（全县域通办）或县政务服务中心

    请求头 `Idempotency-Key` 可选：同一调用者以同一键重试（包括同时发出的多个请求）时，
    每个请求都得到 201 和同一办件（案号、回执相同；响应体反映办件的当前状态），不会重复登记。
    503 `outcome_unknown`（提交时连接中断，结果未知）后请用同一键重试，即可得知是否已登记。
    """
    raw = body["applicant"]
    registration = Registration(
        item_code=body["item_code"],
        applicant=Applicant(
            name=raw["name"],
            id_number=raw["id_number"],
            village=raw["village"],
            phone=raw["phone"] or None,
            address=raw["address"] or None,
        ),
        channel=body["channel"],
        agent=body["agent"] or None,
        materials=tuple(body["materials"]),
        emergency=body["emergency"],
    )
    key = request.headers.get("Idempotency-Key", "").strip() or None
    view = services().engine.registration.register(current_principal(), registration, key)
    applicant = view.data.get("applicant", {})
    return {
        "id": view.id,
        "case_number": view.case_number,
        "item_code": view.item_code,
        "status": view.status,
        "due_date": view.due_date,
        "receipt": {
            "case_number": view.case_number,
            "item_name": view.data.get("item", {}).get("name", ""),
            "applicant": f"{applicant.get('name', '')}（{mask_id(applicant.get('id_number', ''))}）",
            "registered_at": view.created_at,
            "materials": list(view.data.get("materials", [])),
        },
        "tasks": _tasks(view),
    }


@blp.route("", methods=["GET"])
@require_auth
@blp.arguments(CaseQuerySchema, location="query")
@blp.response(200, CasePageSchema)
def list_cases(args: dict[str, Any]) -> dict[str, Any]:
    """办件列表：调用者范围内的办件，按事项、状态、乡镇、村、超期、登记日期筛选，分页"""
    engine = services().engine
    today = _today()
    query = CaseFilter(
        item_code=args.get("item"),
        status=args.get("status"),
        township=args.get("township"),
        village=args.get("village"),
        overdue_on=today if args.get("overdue") else None,
        registered_from=_start_of(args["from_"]) if "from_" in args else None,
        registered_to=_start_of(args["to"] + timedelta(days=1)) if "to" in args else None,
    )
    page, size = args["page"], args["page_size"]
    records, total = engine.cases.find(
        policy.case_scope(current_principal()), query, (page - 1) * size, size
    )
    return {
        "items": [_summary(r, today) for r in records],
        "page": page,
        "page_size": size,
        "total": total,
    }


@blp.route("/<int:case_id>", methods=["GET"])
@require_auth
@blp.response(200, CaseDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_case(case_id: int) -> dict[str, Any]:
    """办件详情：状态、待办任务、申请人（无办理权限时身份证号与电话遮蔽）"""
    visible_case(current_principal(), case_id)
    return _detail(case_id)


@blp.route("/<int:case_id>/messages/<name>", methods=["POST"])
@require_auth
@blp.arguments(MessagePayloadSchema)
@blp.response(200, CaseDetailSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def post_message(payload: dict[str, Any], case_id: int, name: str) -> dict[str, Any]:
    """向办件投递消息：县级部门决定（county_decision，仅承办部门）、补正材料等"""
    principal = current_principal()
    record = _allowed(principal, case_id, Action.DELIVER_MESSAGE, name)
    actor = policy.case_actor(principal, record, name)
    services().engine.cases.deliver_message(case_id, name, payload, actor)
    return _detail(case_id)


@blp.route("/<int:case_id>/cancel", methods=["POST"])
@require_auth
@blp.arguments(CancelSchema)
@blp.response(200, CaseDetailSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def cancel_case(body: dict[str, Any], case_id: int) -> dict[str, Any]:
    """撤件：须填写原因"""
    principal = current_principal()
    record = _allowed(principal, case_id, Action.CHANGE_CASE)
    services().engine.cases.cancel(case_id, body["reason"], policy.case_actor(principal, record))
    return _detail(case_id)


def _detail(case_id: int) -> dict[str, Any]:
    principal = current_principal()
    record, view = services().engine.cases.get_with_record(case_id)
    data = view.data
    applicant = dict(data.get("applicant") or {}) or None
    if applicant is not None and policy.masks_personal_data(principal, record):
        applicant["id_number"] = mask_id(str(applicant.get("id_number") or ""))
        if applicant.get("phone"):
            applicant["phone"] = mask_phone(str(applicant["phone"]))
    return {
        **_summary(record, _today()),
        "version": view.version,
        "read_only": not policy.may_change_case(principal, record),
        "applicant": applicant,
        "channel": data.get("channel"),
        "via_proxy": data.get("via_proxy"),
        "emergency": data.get("emergency"),
        "materials": data.get("materials"),
        "agent": data.get("agent"),
        "tasks": _tasks(view),
        "waiting_messages": view.waiting_messages,
        "county_since": view.county_since,
        "has_incident": view.has_incident,
    }


def visible_case(principal: Principal, case_id: int) -> CaseRecord:
    """The case row, or 404 when it does not exist or lies outside the caller's scope."""
    return _allowed(principal, case_id, Action.SEE_CASE)


def _allowed(
    principal: Principal, case_id: int, action: Action, message: str | None = None
) -> CaseRecord:
    """The case row if the policy lets the caller do ``action`` (deliver ``message``):
    404 out of scope, 403 read-only or the wrong role."""
    record = services().engine.cases.record(case_id)
    refusal = policy.case_refusal(principal, record, action, message)
    if refusal is not None:
        raise refused(refusal, f"没有编号为 {case_id} 的办件")
    return record


def _tasks(view: CaseView) -> list[dict[str, Any]]:
    return [{"id": t.id, "spec_id": t.spec_id, "name": t.name, "role": t.lane} for t in view.tasks]


def _summary(record: CaseRecord, today: date) -> dict[str, Any]:
    item = services().catalogue.get(record.item_code or "")
    return {
        "id": record.id,
        "case_number": record.case_number,
        "item_code": record.item_code,
        "item_name": item.name if item else None,
        "status": record.status,
        "due_date": record.due_date,
        "overdue": record.status == "open"
        and record.due_date is not None
        and record.due_date < today,
        "township": record.org_unit,
        "village": record.village,
        "department": record.department,
        "registered_unit": record.registered_unit,
        "created_at": record.created_at,
    }


def _today() -> date:
    return services().engine.clock.now().astimezone(SHANGHAI).date()


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)
