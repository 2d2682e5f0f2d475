"""The absence register (离岗登记): list, register, return (返岗)."""

from __future__ import annotations

from typing import Any

from engine.absences import AbsenceView, NewAbsence
from engine.labels import ABSENCE_SOURCES, ABSENCE_STATUSES, name_of, unit_name
from engine.policy import Action
from processes.org import Organization
from webapi.auth import current_principal, require_auth, require_right
from webapi.blueprints.people import ref
from webapi.openapi import problem_response
from webapi.schemas.absences import (
    AbsenceCreateSchema,
    AbsenceEndSchema,
    AbsencePageSchema,
    AbsenceQuerySchema,
    AbsenceSchema,
)
from webapi.schemas.common import a_page, page_offset
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint("absences", __name__, url_prefix="/api/v1/absences", description="离岗登记")


@blp.route("", methods=["GET"])
@require_auth
@blp.arguments(AbsenceQuerySchema, location="query")
@blp.response(200, AbsencePageSchema)
@blp.alt_response(403, response="FORBIDDEN")
def list_absences(args: dict[str, Any]) -> dict[str, Any]:
    """离岗列表：组织机构文件与离岗登记中正在离岗和尚未开始的离岗（`all=true` 连同已结束、
    已撤销的），按开始日期；系统管理员看全县，乡镇分管领导看本乡镇的人员，分页"""
    require_right(Action.SEE_PEOPLE)
    found, total = services().engine.absences.find(
        current_principal(), args.get("user"), args["all_"], *page_offset(args)
    )
    org = services().engine.org
    return a_page([as_json(org, view) for view in found], args, total)


@blp.route("", methods=["POST"])
@require_auth
@blp.arguments(AbsenceCreateSchema)
@blp.response(201, AbsenceSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(
    409,
    **problem_response(
        "与该人员的另一离岗重叠，什么也没登记", "absence_overlap", "absence_in_org_file", "conflict"
    ),
)
def register_absence(body: dict[str, Any]) -> dict[str, Any]:
    """登记离岗：系统管理员可为任何人、乡镇分管领导可为本乡镇的人员登记；即刻生效

    离岗期间（起止日期含），其待办、可办理的任务由 AB 岗搭档或替岗人办理（`GET /tasks`、
    任务的 `candidates`），所有服务进程下一个请求起即按此办理。请求的每处错误一次列出
    （422：用户不存在或不在本乡镇、没有 B 岗或替岗人、结束日期早于开始日期或已过、超过
    366 天、原因为空）；与该人员另一离岗重叠为 409 `absence_overlap`（与组织机构文件中的
    离岗重叠为 `absence_in_org_file`：须在文件中修改）。
    """
    require_right(Action.MANAGE_ABSENCES)
    new = NewAbsence(body["user"], body["from_"], body["to"], body["reason"])
    view = services().engine.absences.register(current_principal(), new)
    return as_json(services().engine.org, view)


@blp.route("/<int:absence_id>/end", methods=["POST"])
@require_auth
@blp.arguments(AbsenceEndSchema)
@blp.response(200, AbsenceSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(
    409,
    **problem_response(
        "离岗已结束、已登记返岗，或组织机构文件仍登记离岗，什么也没改",
        "invalid_state",
        "absence_in_org_file",
        "conflict",
    ),
)
def end_absence(body: dict[str, Any], absence_id: int) -> dict[str, Any]:
    """登记返岗：自 `on`（默认今天）起不再离岗，其任务随即回到本人；不晚于开始日期则撤销
    整个离岗

    只能结束离岗登记中的离岗；组织机构文件中的离岗（列表中 `id` 为 null）在文件中修改，
    文件在 `on` 仍登记离岗时为 409 `absence_in_org_file`。已登记返岗或已结束的为 409
    `invalid_state`；`on` 晚于结束日期为 422。
    """
    require_right(Action.MANAGE_ABSENCES)
    view = services().engine.absences.end(current_principal(), absence_id, body.get("on"))
    return as_json(services().engine.org, view)


def as_json(org: Organization, view: AbsenceView) -> dict[str, Any]:
    record = view.record
    return {
        "id": view.id,
        "source": view.source,
        "source_name": name_of(ABSENCE_SOURCES, view.source),
        "status": view.status,
        "status_name": name_of(ABSENCE_STATUSES, view.status),
        "user": view.user.id,
        "user_name": view.user.name,
        "unit": view.user.unit,
        "unit_name": unit_name(org, view.user.unit),
        "from_": view.first_day,
        "to": view.last_day,
        "returned_on": record.returned_on if record is not None else None,
        "reason": view.reason,
        "deputy": ref(org, view.deputy.id if view.deputy is not None else None),
        "recorded_by": record.recorded_by if record is not None else None,
        "recorded_by_name": _name(org, record.recorded_by if record is not None else None),
        "recorded_at": record.recorded_at if record is not None else None,
        "ended_at": record.ended_at if record is not None else None,
        "ended_by": record.ended_by if record is not None else None,
        "ended_by_name": _name(org, record.ended_by if record is not None else None),
    }


def _name(org: Organization, user_id: str | None) -> str | None:
    found = ref(org, user_id)
    return found["name"] if found is not None else None
