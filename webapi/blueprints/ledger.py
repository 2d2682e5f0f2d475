"""The issue ledger (问题台账, 三转): record, list, read, answer, transfer, resolve, reopen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import request
from marshmallow import Schema

from engine import policy
from engine.clock import SHANGHAI
from engine.labels import unit_name
from engine.ledger import (
    CATEGORIES,
    ENTRY_TYPES,
    LEVELS,
    SOURCES,
    STATUSES,
    IssueView,
    LedgerService,
    NewIssue,
    actions_for,
)
from engine.records import EntryRecord, IssueRecord, LedgerQuery
from processes.patterns import mask_phone
from webapi.auth import current_principal, require_auth
from webapi.schemas.common import a_page, page_offset
from webapi.schemas.ledger import (
    IssueCreateSchema,
    IssueDetailSchema,
    IssuePageSchema,
    IssueQuerySchema,
    NoteSchema,
    TransferSchema,
)
from webapi.services import services
from webapi.smorest import Blueprint, View, stacked

blp = Blueprint("ledger", __name__, url_prefix="/api/v1/ledger", description="问题台账（三转）")

# Dates beyond these bounds do not narrow a list (and cannot overflow a timestamp).
_EARLIEST, _LATEST = date(1900, 1, 1), date(9999, 12, 30)


@blp.route("", methods=["POST"])
@require_auth
@blp.arguments(IssueCreateSchema)
@blp.response(201, IssueDetailSchema)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def record_issue(body: dict[str, Any]) -> dict[str, Any]:
    """转录台账：村（社区）代办员登记本村群众反映的问题

    请求头 `Idempotency-Key` 可选：同一调用者以同一键重试（包括同时发出的多个请求）时，
    每个请求都得到 201 和同一问题。
    """
    resident = body["resident"]
    new = NewIssue(
        village=body["village"],
        resident_name=resident["name"],
        resident_phone=resident["phone"],
        category=body["category"],
        content=body["content"],
        source=body["source"],
    )
    key = request.headers.get("Idempotency-Key", "").strip() or None
    return _detail(_ledger().record(current_principal(), new, key))


@blp.route("", methods=["GET"])
@require_auth
@blp.arguments(IssueQuerySchema, location="query")
@blp.response(200, IssuePageSchema)
def list_issues(args: dict[str, Any]) -> dict[str, Any]:
    """台账列表：调用者范围内的问题，按状态、乡镇、村、登记日期筛选，分页；电话遮蔽"""
    start, end = args.get("from_"), args.get("to")
    query = LedgerQuery(
        status=args.get("status"),
        township=args.get("township"),
        village=args.get("village"),
        recorded_from=_start_of(start) if start and start >= _EARLIEST else None,
        recorded_to=_start_of(end + timedelta(days=1)) if end and end <= _LATEST else None,
    )
    records, total = _ledger().find(current_principal(), query, *page_offset(args))
    return a_page([_summary(r, masked=True) for r in records], args, total)


def _issue_action(action: str, schema: type[Schema]) -> Callable[[View], View]:
    """An action on one issue: POST with a body of ``schema``, answering the issue."""
    return stacked(
        blp.route(f"/<int:issue_id>/{action}", methods=["POST"]),
        require_auth,
        blp.arguments(schema),
        blp.response(200, IssueDetailSchema),
        blp.alt_response(403, response="FORBIDDEN"),
        blp.alt_response(404, response="NOT_FOUND"),
        blp.alt_response(409, response="CONFLICT"),
    )


@blp.route("/<int:issue_id>", methods=["GET"])
@require_auth
@blp.response(200, IssueDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_issue(issue_id: int) -> dict[str, Any]:
    """问题详情及其全部记录（登记、答复、转办、办结、重新办理）"""
    return _detail(_ledger().get(current_principal(), issue_id))


@_issue_action("answer", NoteSchema)
def answer_issue(body: dict[str, Any], issue_id: int) -> dict[str, Any]:
    """答复群众（转反映群众）：问题所在层级的办理人把处理结果告知群众，待群众确认"""
    return _detail(_ledger().answer(current_principal(), issue_id, body["note"]))


@_issue_action("transfer", TransferSchema)
def transfer_issue(body: dict[str, Any], issue_id: int) -> dict[str, Any]:
    """转办：村上不能解决的转乡上；乡镇不能解决的转县级部门（须指定 department）"""
    principal = current_principal()
    view = _ledger().transfer(principal, issue_id, body["note"], body["department"])
    return _detail(view)


@_issue_action("resolve", NoteSchema)
def resolve_issue(body: dict[str, Any], issue_id: int) -> dict[str, Any]:
    """办结：问题已解决（办理中或已答复的问题）"""
    return _detail(_ledger().resolve(current_principal(), issue_id, body["note"]))


@_issue_action("reopen", NoteSchema)
def reopen_issue(body: dict[str, Any], issue_id: int) -> dict[str, Any]:
    """重新办理：群众对答复或办结不满意，问题在原层级重新办理"""
    return _detail(_ledger().reopen(current_principal(), issue_id, body["note"]))


def _ledger() -> LedgerService:
    return services().engine.ledger


def _detail(view: IssueView) -> dict[str, Any]:
    principal, issue = current_principal(), view.issue
    return {
        **_summary(issue, masked=policy.masks_resident_phone(principal, issue)),
        "read_only": not policy.holds_issue(principal, issue),
        "actions": actions_for(principal, issue),
        "entries": [_entry(e) for e in view.entries],
    }


def _summary(issue: IssueRecord, *, masked: bool) -> dict[str, Any]:
    org = services().engine.org
    village, township = org.units.get(issue.village), org.units.get(issue.township)
    phone = issue.resident_phone
    return {
        "id": issue.id,
        "number": issue.number,
        "village": issue.village,
        "village_name": village.name if village else None,
        "township": issue.township,
        "township_name": township.name if township else None,
        "level": issue.level,
        "level_name": LEVELS.get(issue.level, issue.level),
        "department": issue.department,
        "department_name": unit_name(org, issue.department),
        "status": issue.status,
        "status_name": STATUSES.get(issue.status, issue.status),
        "resident_name": issue.resident_name,
        "resident_phone": mask_phone(phone) if phone and masked else phone,
        "category": issue.category,
        "category_name": CATEGORIES.get(issue.category, issue.category),
        "source": issue.source,
        "source_name": SOURCES.get(issue.source, issue.source),
        "content": issue.content,
        "recorded_by": issue.recorded_by,
        "recorded_at": issue.recorded_at,
        "updated_at": issue.updated_at,
    }


def _entry(entry: EntryRecord) -> dict[str, Any]:
    org = services().engine.org
    user = org.users.get(entry.actor)
    return {
        "seq": entry.seq,
        "type": entry.type,
        "type_name": ENTRY_TYPES.get(entry.type, entry.type),
        "level": entry.level,
        "level_name": LEVELS.get(entry.level, entry.level),
        "department": entry.department,
        "department_name": unit_name(org, entry.department),
        "actor": entry.actor,
        "actor_name": user.name if user else None,
        "at": entry.at,
        "note": entry.note,
    }


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)
