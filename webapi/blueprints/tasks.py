"""Tasks (待办): the caller's queue, reading a task with its form, claim, assign, complete."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from engine import Principal
from engine.cases import Actor
from engine.clock import SHANGHAI
from engine.records import CaseRecord, TaskRecord
from engine.scope import acts_on_task, sees_case
from webapi.auth import current_principal, require_auth
from webapi.problems import ApiProblem
from webapi.schemas.tasks import (
    AssignSchema,
    ExpectedVersionSchema,
    FormDataSchema,
    IfMatchSchema,
    TaskDetailSchema,
    TaskListSchema,
    TaskSummarySchema,
)
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="待办任务")


@blp.route("", methods=["GET"])
@require_auth
@blp.response(200, TaskListSchema)
def list_tasks() -> dict[str, Any]:
    """我的待办：本人角色与单位的未认领任务、本人认领的任务、代岗时同事的任务，先到期先列"""
    engine = services().engine
    principal = current_principal()
    found = engine.cases.queue(engine.org, principal, _today())
    records = engine.cases.records([task.case_id for task in found])
    items = [_summary(task, records[task.case_id]) for task in found]
    return {"items": items, "total": len(items)}


@blp.route("/<task_id>", methods=["GET"])
@require_auth
@blp.response(200, TaskDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_task(task_id: str) -> dict[str, Any]:
    """待办详情：表单（JSON Schema）与可选结果"""
    return _detail(current_principal(), task_id)


def _detail(principal: Principal, task_id: str) -> dict[str, Any]:
    task, record = _visible(principal, task_id)
    engine = services().engine
    form = engine.definitions.compiled(record.definition_hash).form(task.process_id, task.spec_id)
    schema = form.to_json_schema() if form is not None else {"type": "object", "properties": {}}
    outcomes = (
        {f.name: [v for v, _ in f.values] for f in form.fields if f.type == "enum"} if form else {}
    )
    return {
        **_summary(task, record),
        "case_version": record.version,
        "may_act": acts_on_task(engine.org, principal, task, _today()) is not None,
        "form": schema,
        "outcomes": outcomes,
    }


@blp.route("/<task_id>/claim", methods=["POST"])
@require_auth
@blp.arguments(ExpectedVersionSchema, location="query")
@blp.arguments(IfMatchSchema, location="headers")
@blp.response(200, TaskDetailSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def claim_task(args: dict[str, Any], headers: dict[str, Any], task_id: str) -> dict[str, Any]:
    """认领：此后只有认领人（或其离岗时的代岗人）可以办理"""
    principal = current_principal()
    task, record = _actionable(principal, task_id)
    return _change_claim(
        services().engine.cases.claim, principal, task, record, _expected(args, headers)
    )


@blp.route("/<task_id>/unclaim", methods=["POST"])
@require_auth
@blp.arguments(ExpectedVersionSchema, location="query")
@blp.arguments(IfMatchSchema, location="headers")
@blp.response(200, TaskDetailSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def unclaim_task(args: dict[str, Any], headers: dict[str, Any], task_id: str) -> dict[str, Any]:
    """放弃认领：任务回到队列"""
    principal = current_principal()
    task, record = _actionable(principal, task_id)
    return _change_claim(
        services().engine.cases.release, principal, task, record, _expected(args, headers)
    )


def _change_claim(
    change: Callable[[int, str, Actor, int | None], object],
    principal: Principal,
    task: TaskRecord,
    record: CaseRecord,
    expected: int | None,
) -> dict[str, Any]:
    """Claim or release for the caller, in the task's role, then show the task again."""
    change(
        record.id,
        task.id,
        Actor(principal.user_id, task.lane, unit=principal.unit),
        expected,
    )
    return _detail(principal, task.id)


@blp.route("/<task_id>/assign", methods=["POST"])
@require_auth
@blp.arguments(AssignSchema)
@blp.response(200, TaskDetailSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def assign_task(body: dict[str, Any], task_id: str) -> dict[str, Any]:
    """指派：乡镇分管领导把本乡镇的任务交给某位工作人员"""
    principal = current_principal()
    task, record = _visible(principal, task_id)
    engine = services().engine
    if not (
        principal.has_role("township_leader")
        and record.org_unit == principal.unit
        and engine.org.contains(principal.unit, task.org_unit or "")
    ):
        raise ApiProblem(403, "forbidden", "只有本乡镇分管领导可以指派本乡镇的任务")
    user = body["user"]
    if (
        task.lane is None
        or task.org_unit is None
        or not engine.org.may_act(user, task.lane, task.org_unit, _today())
    ):
        raise ApiProblem(
            422,
            "validation_failed",
            "被指派人不能办理该任务",
            errors=[{"field": "user", "in": "body", "reason": "该用户不担任此任务的岗位"}],
        )
    engine.cases.assign(
        record.id, task.id, user, Actor(principal.user_id, "township_leader", unit=principal.unit)
    )
    return _detail(principal, task_id)


@blp.route("/<task_id>/complete", methods=["POST"])
@require_auth
@blp.arguments(ExpectedVersionSchema, location="query")
@blp.arguments(IfMatchSchema, location="headers")
@blp.arguments(FormDataSchema)
@blp.response(200, TaskSummarySchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def complete_task(
    args: dict[str, Any], headers: dict[str, Any], data: dict[str, Any], task_id: str
) -> dict[str, Any]:
    """办理：表单数据按任务表单校验，所有错误一次列出；`If-Match` 或 `expected_version`
    给出办件版本时，版本已变则 409"""
    principal = current_principal()
    task, record = _actionable(principal, task_id)
    expected = _expected(args, headers)
    holder = acts_on_task(services().engine.org, principal, task, _today())
    services().engine.cases.complete_task(
        record.id,
        task.id,
        data,
        Actor(principal.user_id, task.lane, unit=principal.unit),
        expected,
        acting_for=holder if holder != principal.user_id else None,
    )
    return _summary(task, record)  # the summary shows no field the completion changes


def _visible(
    principal: Principal, task_id: str, *, closed: bool = False
) -> tuple[TaskRecord, CaseRecord]:
    """The task and its case if the caller may see them (404 otherwise, and for a closed
    task unless ``closed``: acting on a task just closed is a conflict, not a miss)."""
    engine = services().engine
    task, record = engine.cases.task_with_case(task_id)
    missing = ApiProblem(404, "not_found", f"没有编号为 {task_id} 的待办任务")
    if task.closed_seq is not None:
        if not (closed and sees_case(principal, record)):
            raise missing
        raise ApiProblem(409, "task_closed", "任务已办理或已关闭")
    if acts_on_task(engine.org, principal, task, _today()) is None and not sees_case(
        principal, record
    ):
        raise missing
    return task, record


def _actionable(principal: Principal, task_id: str) -> tuple[TaskRecord, CaseRecord]:
    task, record = _visible(principal, task_id, closed=True)
    if acts_on_task(services().engine.org, principal, task, _today()) is None:
        if task.claimed_by is not None:
            raise ApiProblem(409, "claimed", f"任务已由 {task.claimed_by} 认领")
        raise ApiProblem(403, "not_your_task", "您不担任此任务的岗位，不能办理")
    return task, record


def _expected(args: dict[str, Any], headers: dict[str, Any]) -> int | None:
    """The case version the caller expects: ``expected_version`` or ``If-Match``."""
    value = args.get("expected_version")
    if value is not None:
        return int(value)
    raw = headers.get("if_match")
    return int(raw.removeprefix("W/").strip('"')) if raw else None


def _summary(task: TaskRecord, record: CaseRecord) -> dict[str, Any]:
    item = services().catalogue.get(record.item_code or "")
    now = services().engine.clock.now()
    return {
        "id": task.id,
        "case_id": task.case_id,
        "case_number": record.case_number,
        "item_code": record.item_code,
        "item_name": item.name if item else None,
        "spec_id": task.spec_id,
        "name": task.name,
        "role": task.lane,
        "org_unit": task.org_unit,
        "claimed_by": task.claimed_by,
        "due_at": task.due_at,
        "overdue": task.due_at is not None and task.due_at < now,
    }


def _today() -> date:
    return services().engine.clock.now().astimezone(SHANGHAI).date()
