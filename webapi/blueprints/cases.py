"""Cases (办件): registration, reading, listing and cancellation (messages:
``webapi.blueprints.messages``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import request

from engine import Principal, policy
from engine.cases import CaseView
from engine.clock import SHANGHAI
from engine.labels import CASE_STATUSES, name_of, unit_name
from engine.policy import Action
from engine.records import CaseFilter, CaseRecord
from engine.registration import Applicant, Registration, applicant_shown
from processes.patterns import mask_id, mask_phone
from webapi.auth import current_principal, require_auth
from webapi.blueprints.tasks import expected_version, open_tasks
from webapi.openapi import ETAG_HEADER, STALE_VERSION, etag
from webapi.problems import refused
from webapi.schemas.cases import (
    COUNT_UP_TO,
    SHAPE_ERRORS,
    CancelSchema,
    CaseCreatedSchema,
    CaseCreateSchema,
    CaseDetailSchema,
    CasePageSchema,
    CaseQuerySchema,
)
from webapi.schemas.common import a_page, page_offset
from webapi.schemas.headers import IdempotencyKeySchema
from webapi.schemas.tasks import IfMatchSchema
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="办件")


@blp.route("", methods=["POST"])
@require_auth
@blp.arguments(IdempotencyKeySchema, location="headers", as_kwargs=True)
@blp.arguments(CaseCreateSchema)
@blp.response(201, CaseCreatedSchema)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def create_case(body: dict[str, Any]) -> dict[str, Any]:
    """收件登记：代办点、流动代办、乡镇窗口（全县域通办）、县政务服务中心，或执法立案

    由执法人员依职权立案的事项（综合行政执法）只能由本乡镇的执法人员以渠道 `enforcement`
    立案，须填当事人（自然人或法人、其他组织）、案情 `facts` 与违法地点 `place`。

    请求头 `Idempotency-Key` 可选：同一调用者以同一键重试（包括同时发出的多个请求）时，
    每个请求都得到 201 和同一办件（案号、回执相同；响应体反映办件的当前状态），不会重复登记。
    503 `outcome_unknown`（提交时连接中断，结果未知）后请用同一键重试，即可得知是否已登记。

    请求的每处错误（缺少必填字段、格式不符、身份证校验码、村代码、渠道权限……）一次列出（422）。
    响应含办结期限 `due_date` 与其规则 `due_rule`：从受理起算的事项登记时 `due_date` 为 null，
    `due_rule` 给出起算时点与承诺时限；`tasks` 为登记后的待办任务及此刻可以办理的人。
    """
    # Fields with a problem of their shape are absent (``SHAPE_ERRORS`` names them): the
    # engine checks the rest as sent, the others as empty, and lists every problem.
    raw = body.get("applicant") or {}
    registration = Registration(
        item_code=body.get("item_code", ""),
        applicant=Applicant(
            name=raw.get("name", ""),
            id_number=raw.get("id_number", ""),
            village=raw.get("village", ""),
            phone=raw.get("phone") or None,
            address=raw.get("address") or None,
            kind=raw.get("kind", "person"),
            uscc=raw.get("uscc") or None,
            legal_representative=raw.get("legal_representative") or None,
        ),
        channel=body.get("channel", ""),
        agent=body.get("agent") or None,
        materials=tuple(body.get("materials", ())),
        emergency=body.get("emergency", False),
        facts=body.get("facts") or None,
        place=body.get("place") or None,
    )
    key = request.headers.get("Idempotency-Key", "").strip() or None
    registrations = services().engine.registration
    view = registrations.register(current_principal(), registration, key, body.get(SHAPE_ERRORS))
    applicant = view.data.get("applicant", {})
    return {
        "id": view.id,
        "case_number": view.case_number,
        "item_code": view.item_code,
        "status": view.status,
        "status_name": name_of(CASE_STATUSES, view.status),
        "due_date": view.due_date,
        "due_rule": registrations.due_rule(view),
        "receipt": {
            "case_number": view.case_number,
            "item_name": view.data.get("item", {}).get("name", ""),
            "applicant": applicant_shown(applicant),
            "registered_at": view.created_at,
            "materials": list(view.data.get("materials", [])),
        },
        "tasks": open_tasks(view),
    }


@blp.route("", methods=["GET"])
@require_auth
@blp.arguments(CaseQuerySchema, location="query")
@blp.response(200, CasePageSchema)
def list_cases(args: dict[str, Any]) -> dict[str, Any]:
    """办件列表与办件查询：调用者范围内的办件，按事项、状态、乡镇、村、县级部门、超期、登记日期、
    办件编号（或其开头）、申请人姓名（或其一部分）、申请人身份证号后 4–6 位、申请人电话后 4 位筛选，
    分页

    范围外的办件从不列出；列表中身份证号、电话一律遮蔽（列表不含申请人信息）。
    """
    engine = services().engine
    today = _today()
    query = CaseFilter(
        item_code=args.get("item"),
        status=args.get("status"),
        township=args.get("township"),
        village=args.get("village"),
        department=args.get("department"),
        overdue_on=today if args.get("overdue") else None,
        registered_from=_start_of(args["from_"]) if "from_" in args else None,
        registered_to=_start_of(args["to"] + timedelta(days=1)) if "to" in args else None,
        number_prefix=args.get("number"),
        applicant_name=args["applicant"].strip() if "applicant" in args else None,
        id_tail=args["id_tail"].upper() if "id_tail" in args else None,
        phone_tail=args.get("phone_tail"),
    )
    up_to = None if args["exact_total"] else COUNT_UP_TO
    records, total = engine.cases.find(
        policy.case_scope(current_principal()), query, *page_offset(args), count_up_to=up_to
    )
    shown = total if up_to is None else min(total, up_to)  # ``total`` is up_to + 1: more
    page = a_page([_summary(r, today) for r in records], args, shown)
    return {**page, "total_exact": shown == total}


@blp.route("/<int:case_id>", methods=["GET"])
@require_auth
@blp.response(200, CaseDetailSchema, headers=ETAG_HEADER)
@blp.alt_response(404, response="NOT_FOUND")
def get_case(case_id: int) -> tuple[dict[str, Any], dict[str, str]]:
    """办件详情：状态、待办任务、申请人（无办理权限时身份证号与电话遮蔽）；响应头 `ETag`
    为办件版本号（同 `version`），办理、认领时以 `If-Match` 带回"""
    visible_case(current_principal(), case_id)
    detail = case_detail(case_id)
    return detail, etag(detail["version"])


@blp.route("/<int:case_id>/cancel", methods=["POST"])
@require_auth
@blp.arguments(CancelSchema)
@blp.arguments(IfMatchSchema, location="headers")
@blp.response(200, CaseDetailSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(412, **STALE_VERSION)
def cancel_case(body: dict[str, Any], headers: dict[str, Any], case_id: int) -> dict[str, Any]:
    """撤件：须填写原因；带 `If-Match`（办件版本号）时，办件已变化则 412，不撤件"""
    principal = current_principal()
    record = allowed_case(principal, case_id, Action.CHANGE_CASE)
    changed = services().engine.cases.cancel(
        case_id,
        body["reason"],
        policy.case_actor(principal, record),
        expected_version({}, headers),
        seen=record,
    )
    return case_detail(case_id, changed)


def case_detail(case_id: int, changed: CaseView | None = None) -> dict[str, Any]:
    """The case as the caller may see it (``CaseDetailSchema``: the answer of a read, a
    cancellation, a message); ``changed``: the view a change just answered,
    whose open tasks (the rows it wrote) are shown without reading them again."""
    principal = current_principal()
    # a read takes the open tasks in the same transaction; a change has them already
    record, view = services().engine.cases.get_with_record(case_id, with_tasks=changed is None)
    data = view.data
    applicant = dict(data.get("applicant") or {}) or None
    if applicant is not None and policy.masks_personal_data(principal, record):
        # an organisation's name and credit code are public; its phone may be a person's
        if "id_number" in applicant:
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
        "clue": data.get("clue"),
        "tasks": open_tasks(
            changed if changed is not None and changed.version == view.version else view
        ),
        "waiting_messages": view.waiting_messages,
        "county_since": view.county_since,
        "assessment_since": view.assessment_since,
        "has_incident": view.has_incident,
    }


def visible_case(principal: Principal, case_id: int) -> CaseRecord:
    """The case row, or 404 when it does not exist or lies outside the caller's scope."""
    return allowed_case(principal, case_id, Action.SEE_CASE)


def allowed_case(
    principal: Principal, case_id: int, action: Action, message: str | None = None
) -> CaseRecord:
    """The case row if the policy lets the caller do ``action`` (deliver ``message``):
    404 out of scope, 403 read-only or the wrong role."""
    record = services().engine.cases.record(case_id)
    refusal = policy.case_refusal(principal, record, action, message)
    if refusal is not None:
        raise refused(refusal, f"没有编号为 {case_id} 的办件")
    return record


def _summary(record: CaseRecord, today: date) -> dict[str, Any]:
    item = services().catalogue.get(record.item_code or "")
    org = services().engine.org
    return {
        "id": record.id,
        "case_number": record.case_number,
        "item_code": record.item_code,
        "item_name": item.name if item else None,
        "status": record.status,
        "status_name": name_of(CASE_STATUSES, record.status),
        "due_date": record.due_date,
        "overdue": record.status == "open"
        and record.due_date is not None
        and record.limit_met_at is None
        and record.due_date < today,
        "township": record.org_unit,
        "township_name": unit_name(org, record.org_unit),
        "village": record.village,
        "village_name": unit_name(org, record.village),
        "department": record.department,
        "department_name": unit_name(org, record.department),
        "registered_unit": record.registered_unit,
        "registered_unit_name": unit_name(org, record.registered_unit),
        "assessment_unit": record.assessment_unit,
        "assessment_unit_name": unit_name(org, record.assessment_unit),
        "created_at": record.created_at,
    }


def _today() -> date:
    return services().engine.clock.now().astimezone(SHANGHAI).date()


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)
