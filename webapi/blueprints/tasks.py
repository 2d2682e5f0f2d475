"""Tasks (待办): the caller's queue, reading a task with its form, claim, assign, complete."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from engine import Principal, policy
from engine.clock import SHANGHAI
from engine.policy import Action
from engine.records import Actor, CaseRecord, TaskRecord
from webapi.auth import current_principal, require_auth
from webapi.problems import ApiProblem, refused
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
from webapi.smorest import Blueprint, View, stacked

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
    task, record = _allowed(principal, task_id, Action.SEE_TASK)
    engine = services().engine
    form = engine.definitions.compiled(record.definition_hash).form(task.process_id, task.spec_id)
    schema = form.to_json_schema() if form is not None else {"type": "object", "properties": {}}
    outcomes = (
        {f.name: [v for v, _ in f.values] for f in form.fields if f.type == "enum"} if form else {}
    )
    return {
        **_summary(task, record),
        "case_version": record.version,
        "may_act": policy.acts_on_task(engine.org, principal, task, _today()) is not None,
        "form": schema,
        "outcomes": outcomes,
    }


def _claim_route(action: str) -> Callable[[View], View]:
    """Claiming or releasing a task: POST, the expected case version optional."""
    return stacked(
        blp.route(f"/<task_id>/{action}", methods=["POST"]),
        require_auth,
        blp.arguments(ExpectedVersionSchema, location="query"),
        blp.arguments(IfMatchSchema, location="headers"),
        blp.response(200, TaskDetailSchema),
        blp.alt_response(403, response="FORBIDDEN"),
        blp.alt_response(404, response="NOT_FOUND"),
        blp.alt_response(409, response="CONFLICT"),
    )


@_claim_route("claim")
def claim_task(args: dict[str, Any], headers: dict[str, Any], task_id: str) -> dict[str, Any]:
    """认领：此后只有认领人（或其离岗时的代岗人）可以办理"""
    return _change_claim(services().engine.cases.claim, task_id, args, headers)


@_claim_route("unclaim")
def unclaim_task(args: dict[str, Any], headers: dict[str, Any], task_id: str) -> dict[str, Any]:
    """放弃认领：任务回到队列"""
    return _change_claim(services().engine.cases.release, task_id, args, headers)


def _change_claim(
    change: Callable[[int, str, Actor, int | None], object],
    task_id: str,
    args: dict[str, Any],
    headers: dict[str, Any],
) -> dict[str, Any]:
    """Claim or release for the caller, in the task's role, then show the task again."""
    principal = current_principal()
    task, record = _allowed(principal, task_id, Action.WORK_TASK)
    expected = _expected(args, headers)
    change(record.id, task.id, policy.task_actor(principal, task), expected)
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
    task, record = _allowed(principal, task_id, Action.ASSIGN_TASK)
    engine = services().engine
    user = body["user"]
    if not policy.may_take(engine.org, user, task, _today()):
        raise ApiProblem(
            422,
            "validation_failed",
            "被指派人不能办理该任务",
            errors=[{"field": "user", "in": "body", "reason": "该用户不担任此任务的岗位"}],
        )
    engine.cases.assign(record.id, task.id, user, policy.assigning_actor(principal))
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
    task, record = _allowed(principal, task_id, Action.WORK_TASK)
    expected = _expected(args, headers)
    holder = policy.acts_on_task(services().engine.org, principal, task, _today())
    services().engine.cases.complete_task(
        record.id,
        task.id,
        data,
        policy.task_actor(principal, task),
        expected,
        acting_for=holder if holder != principal.user_id else None,
    )
    return _summary(task, record)  # the summary shows no field the completion changes


def _allowed(principal: Principal, task_id: str, action: Action) -> tuple[TaskRecord, CaseRecord]:
    """The task and its case if the policy lets the caller do ``action``: 404 out of scope,
    403 not the caller's post or role, 409 claimed by another. A closed task is 404 too,
    unless the caller works it and sees the case: acting on a task just closed is a
    conflict, not a miss."""
    engine = services().engine
    task, record = engine.cases.task_with_case(task_id)
    not_found = f"没有编号为 {task_id} 的待办任务"
    if task.closed_seq is not None:
        if action is Action.WORK_TASK and policy.sees_case(principal, record):
            raise ApiProblem(409, "task_closed", "任务已办理或已关闭")
        raise ApiProblem(404, "not_found", not_found)
    refusal = policy.task_refusal(engine.org, principal, task, record, _today(), action)
    if refusal is not None:
        raise refused(refusal, not_found)
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
