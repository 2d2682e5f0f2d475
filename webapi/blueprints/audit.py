"""Auditing a case (绩效督查、效能监督): its history, its state after any event, the
verification of its hash chain and replay, and the diagram's token path.

Everyone who sees a case may audit it (supervisors the whole county, others their scope);
ID numbers and phones in the data are masked unless the caller may act on the case.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from engine import policy
from engine.audit import HistoryEntry
from engine.clock import SHANGHAI
from engine.labels import CASE_STATUSES, EVENT_TYPES, ROLES, name_of, unit_name
from engine.records import TaskRecord
from processes.org import Organization
from processes.patterns import mask_value
from webapi.auth import current_principal, require_auth
from webapi.blueprints.cases import visible_case
from webapi.schemas.audit import (
    DiagramSchema,
    HistorySchema,
    StateArgsSchema,
    StateSchema,
    VerifySchema,
)
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint(
    "audit", __name__, url_prefix="/api/v1/cases", description="审计：办件历史、重放与校验"
)


@blp.route("/<int:case_id>/history", methods=["GET"])
@require_auth
@blp.response(200, HistorySchema)
@blp.alt_response(404, response="NOT_FOUND")
def case_history(case_id: int) -> dict[str, Any]:
    """办件历史：每个事件的序号、时间、类型、操作人及岗位、代办对象、任务、提交的数据与哈希链；
    另附数据中各字段的中文名称（`labels`）与枚举取值的中文名称（`value_labels`），全部事件共用一份"""
    principal = current_principal()
    visible_case(principal, case_id)
    audit = services().engine.audit
    record, entries = audit.history(case_id)
    masked = policy.masks_personal_data(principal, record)
    names = audit.labels(record, entries)
    return {
        "case_id": record.id,
        "case_number": record.case_number,
        "masked": masked,
        "events": [_event(entry, masked) for entry in entries],
        "labels": names.labels,
        "value_labels": names.value_labels,
    }


@blp.route("/<int:case_id>/state", methods=["GET"])
@require_auth
@blp.arguments(StateArgsSchema, location="query")
@blp.response(200, StateSchema)
@blp.alt_response(404, response="NOT_FOUND")
def case_state(args: dict[str, Any], case_id: int) -> dict[str, Any]:
    """某一事件之后的办件状态：仅由事件重放得出（待办、数据、期限、认领人）"""
    principal = current_principal()
    record = visible_case(principal, case_id)
    engine = services().engine
    replayed = engine.audit.replay(case_id, args.get("at"))
    _, entries = engine.audit.history(case_id)
    masked = policy.masks_personal_data(principal, record)
    units = {t.id: t.org_unit for entry in entries for t in entry.opened}
    due = replayed.data.get("due_on")
    return {
        "case_id": case_id,
        "seq": replayed.seq,
        "at": replayed.at,
        "status": replayed.status,
        "status_name": name_of(CASE_STATUSES, replayed.status),
        "digest": replayed.digest,
        "recorded_digest": entries[replayed.seq - 1].event.state_digest,
        "due_date": date.fromisoformat(str(due)) if due else None,
        "tasks": [
            {
                "id": t.id,
                "spec_id": t.spec_id,
                "name": t.name,
                "process_id": t.process_id,
                "role": t.lane,
                "role_name": name_of(ROLES, t.lane),
                "org_unit": units.get(t.id),
                "org_unit_name": unit_name(engine.org, units.get(t.id)),
                "claimed_by": replayed.claims.get(t.id),
            }
            for t in replayed.tasks
        ],
        "data": mask_value(replayed.data) if masked else replayed.data,
        "masked": masked,
    }


@blp.route("/<int:case_id>/verify", methods=["GET"])
@require_auth
@blp.response(200, VerifySchema)
@blp.alt_response(404, response="NOT_FOUND")
def verify_case(case_id: int) -> dict[str, Any]:
    """校验办件：哈希链、逐事件状态摘要、快照三者一致；否则指出第一处不一致"""
    visible_case(current_principal(), case_id)
    report = services().engine.audit.verify(case_id)
    return {
        "case_id": case_id,
        "ok": report.ok,
        "events": report.events,
        "summary": str(report),
        "problems": [{"seq": p.seq, "message": p.message} for p in report.problems],
    }


@blp.route("/<int:case_id>/diagram", methods=["GET"])
@require_auth
@blp.arguments(StateArgsSchema, location="query")
@blp.response(200, DiagramSchema)
@blp.alt_response(404, response="NOT_FOUND")
def case_diagram(args: dict[str, Any], case_id: int) -> dict[str, Any]:
    """流程图着色数据：已完成、进行中、已超时的 BPMN 元素（可指定事件序号 at）"""
    visible_case(current_principal(), case_id)
    engine = services().engine
    view = engine.audit.diagram(case_id, engine.clock.now(), args.get("at"))
    due = date.fromisoformat(view.due_on) if view.due_on else None
    local_day = view.moment.astimezone(SHANGHAI).date()
    return {
        "case_id": case_id,
        "case_number": view.case.case_number,
        "seq": view.state.seq,
        "at": view.moment,
        "status": view.state.status,
        "status_name": name_of(CASE_STATUSES, view.state.status),
        "due_date": due,
        "case_overdue": view.state.status == "open" and due is not None and local_day > due,
        "definition": {
            "process_id": view.version.process_id,
            "version": view.version.version,
            "hash": view.version.hash,
        },
        "elements": view.state.elements,
        "overdue": view.overdue,
    }


def _event(entry: HistoryEntry, masked: bool) -> dict[str, Any]:
    event = entry.event
    org = services().engine.org
    user = org.users.get(event.actor)
    data = mask_value(event.payload) if masked else event.payload
    return {
        "seq": event.seq,
        "type": event.type,
        "type_name": EVENT_TYPES.get(event.type, event.type),
        "at": event.at,
        "actor": event.actor,
        "actor_name": user.name if user is not None else None,
        "role": event.actor_role,
        "role_name": name_of(ROLES, event.actor_role),
        "org_unit": event.actor_unit,
        "org_unit_name": unit_name(org, event.actor_unit),
        "on_behalf_of": event.on_behalf_of,
        "task": _task(entry.task, org) if entry.task is not None else None,
        "opened": [_task(t, org) for t in entry.opened],
        "data": data,
        "hash": event.hash,
        "prev_hash": event.prev_hash,
        "state_digest": event.state_digest,
        "clock_offset": event.clock_offset,
        "request_id": event.request_id,
    }


def _task(task: TaskRecord, org: Organization) -> dict[str, Any]:
    return {
        "id": task.id,
        "spec_id": task.spec_id,
        "name": task.name,
        "process_id": task.process_id,
        "role": task.lane,
        "role_name": name_of(ROLES, task.lane),
        "org_unit": task.org_unit,
        "org_unit_name": unit_name(org, task.org_unit),
    }
