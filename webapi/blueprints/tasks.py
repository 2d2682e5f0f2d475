"""Tasks (待办): the caller's queue, reading a task with its form, claim, assign, complete."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from engine import Principal, policy
from engine.cases import CaseView, OpenTaskView
from engine.clock import SHANGHAI
from engine.labels import CASE_STATUSES, name_of, unit_name
from engine.policy import Action
from engine.records import Actor, CaseRecord, TaskRecord
from engine.records.queue import QueueEntry, QueueQuery
from processes.org import ROLES
from webapi import cursors
from webapi.auth import current_principal, require_auth
from webapi.openapi import ETAG_HEADER, STALE_VERSION, etag, problem_response
from webapi.problems import ApiProblem, refused
from webapi.schemas.tasks import (
    AssignSchema,
    ExpectedVersionSchema,
    FormDataSchema,
    IfMatchSchema,
    TaskCompletedSchema,
    TaskDetailSchema,
    TaskListSchema,
    TaskQuerySchema,
)
from webapi.services import current_org, services
from webapi.smorest import Blueprint, View, stacked

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="待办任务")


@blp.route("", methods=["GET"])
@require_auth
@blp.arguments(TaskQuerySchema, location="query")
@blp.response(200, TaskListSchema)
def list_tasks(args: dict[str, Any]) -> dict[str, Any]:
    """我的待办：本人角色与单位的未认领任务、本人认领的任务、代岗时离岗同事的任务，分页（`page`，
    或 `after` 接着上一页的 `next_after` 往下列）

    `view` 选范围（待认领、我已认领、代岗），`item` 选事项，`overdue=true` 只列超期的，
    `sort` 定排序（默认先到期先列）；`total` 为筛选后的待办数，`counts`、`item_counts`
    为全部待办的计数（供筛选用）。每条待办带到达时间、预警（黄牌、红牌）、代岗所代的同事
    和申请人姓名。"""
    engine = services().engine
    principal = current_principal()
    page, size = args["page"], args["page_size"]
    now = engine.clock.now()  # one reading for the whole page
    query = QueueQuery(
        view=args["view"],
        item_code=args.get("item"),
        overdue=args["overdue"],
        order=args["sort"],
        after=args.get("after"),
    )
    org = current_org()
    found = engine.cases.queue_view(org, principal, now, _day(now), query, (page - 1) * size, size)
    catalogue = services().catalogue
    return {
        "items": [_queued(principal, entry, now) for entry in found.entries],
        "page": page,
        "page_size": size,
        "total": found.total,
        "counts": {**found.views, "overdue": found.overdue},
        "item_counts": [
            {"item_code": code, "item_name": item.name if item else None, "count": count}
            for code, count in found.items.items()
            for item in [catalogue.get(code)]
        ],
        "next_after": (
            None if found.next_after is None else cursors.encode(query.order, found.next_after)
        ),
    }


def _queued(principal: Principal, entry: QueueEntry, now: datetime) -> dict[str, Any]:
    """A task of the queue: its summary and what the list shows beside it."""
    record, covered = entry.case, entry.acting_for
    colleague = current_org().users.get(covered) if covered is not None else None
    return {
        **_summary(entry.task, record, now),
        "created_at": entry.ready_at,
        "stand_in_for": covered,
        "stand_in_for_name": colleague.name if colleague is not None else covered,
        "warning": entry.warning,
        "case_due_date": record.due_date,
        "case_version": record.version,
        "applicant_name": record.applicant_name if policy.sees_case(principal, record) else None,
    }


@blp.route("/<task_id>", methods=["GET"])
@require_auth
@blp.response(200, TaskDetailSchema, headers=ETAG_HEADER)
@blp.alt_response(404, response="NOT_FOUND")
def get_task(task_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    """待办详情：表单（JSON Schema）与可选结果；响应头 `ETag` 为办件版本号（同 `case_version`），
    办理、认领时以 `If-Match` 带回"""
    detail = _detail(current_principal(), task_id)
    return detail, etag(detail["case_version"])


def _detail(principal: Principal, task_id: str) -> dict[str, Any]:
    task, record = _allowed(principal, task_id, Action.SEE_TASK)
    engine = services().engine
    form = engine.definitions.compiled(record.definition_hash).form(task.process_id, task.spec_id)
    if form is not None and any(f.choices_from for f in form.fields):
        form = form.narrowed(engine.cases.get(record.id).data)  # the case's own choices
    schema = form.to_json_schema() if form is not None else {"type": "object", "properties": {}}
    outcomes = (
        {f.name: [v for v, _ in f.values] for f in form.fields if f.type == "enum"} if form else {}
    )
    now = engine.clock.now()
    acts = policy.acts_on_task(current_org(), principal, task, _day(now)) is not None
    return {
        **_summary(task, record, now),
        "case_version": record.version,
        # separation of duties may bar the caller from this step of this case
        "may_act": acts and principal.user_id not in engine.cases.barred(task),
        "form": schema,
        "outcomes": outcomes,
    }


# A command on a task: the task's state may not allow it (409, by code), or the case has
# moved on since the version the caller named in If-Match or expected_version (412).
_TASK_CONFLICT = blp.alt_response(
    409,
    **problem_response(
        "任务或办件的当前状态不允许此操作，什么也没改",
        "claimed",
        "task_closed",
        "conflict",
        "invalid_state",
        "separation_of_duties",
    ),
)
_STALE_VERSION = blp.alt_response(412, **STALE_VERSION)


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
        _TASK_CONFLICT,
        _STALE_VERSION,
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
    change: Callable[[int, str, Actor, int | None, CaseRecord], object],
    task_id: str,
    args: dict[str, Any],
    headers: dict[str, Any],
) -> dict[str, Any]:
    """Claim or release for the caller, in the task's role, then show the task again."""
    principal = current_principal()
    task, record = _allowed(principal, task_id, Action.WORK_TASK)
    expected = expected_version(args, headers)
    change(record.id, task.id, policy.task_actor(principal, task), expected, record)
    return _detail(principal, task.id)


@blp.route("/<task_id>/assign", methods=["POST"])
@require_auth
@blp.arguments(ExpectedVersionSchema, location="query")
@blp.arguments(IfMatchSchema, location="headers")
@blp.arguments(AssignSchema)
@blp.response(200, TaskDetailSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(
    409,
    **problem_response(
        "办件的当前状态不允许此操作，什么也没改",
        "conflict",
        "invalid_state",
        "separation_of_duties",
    ),
)
@_STALE_VERSION
def assign_task(
    args: dict[str, Any], headers: dict[str, Any], body: dict[str, Any], task_id: str
) -> dict[str, Any]:
    """指派：乡镇分管领导把本乡镇的任务交给某位工作人员"""
    principal = current_principal()
    task, record = _allowed(principal, task_id, Action.ASSIGN_TASK)
    engine = services().engine
    user = body["user"]
    if not policy.may_take(current_org(), user, task, _today()):
        raise ApiProblem(
            422,
            "validation_failed",
            "被指派人不能办理该任务",
            errors=[{"field": "user", "in": "body", "reason": "该用户不担任此任务的岗位"}],
        )
    engine.cases.assign(
        record.id,
        task.id,
        user,
        policy.assigning_actor(principal),
        expected_version(args, headers),
        seen=record,
    )
    return _detail(principal, task_id)


@blp.route("/<task_id>/complete", methods=["POST"])
@require_auth
@blp.arguments(ExpectedVersionSchema, location="query")
@blp.arguments(IfMatchSchema, location="headers")
@blp.arguments(FormDataSchema)
@blp.response(200, TaskCompletedSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@_TASK_CONFLICT
@_STALE_VERSION
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def complete_task(
    args: dict[str, Any], headers: dict[str, Any], data: dict[str, Any], task_id: str
) -> dict[str, Any]:
    """办理：表单数据按任务表单校验，所有错误一次列出；`If-Match` 或 `expected_version`
    给出办件版本时，版本已变则 412（什么也不改）。

    响应：刚办理的任务（办理前的样子）、办件当前状态（`case`）和办理后的全部待办任务
    （`next_tasks`：环节、岗位与单位的代码和名称、时限，以及此刻可以办理的人）。"""
    principal = current_principal()
    task, record = _allowed(principal, task_id, Action.WORK_TASK)
    expected = expected_version(args, headers)
    engine = services().engine
    now = engine.clock.now()
    holder = policy.acts_on_task(current_org(), principal, task, _day(now))
    view = engine.cases.complete_task(
        record.id,
        task.id,
        data,
        policy.task_actor(principal, task),
        expected,
        acting_for=holder if holder != principal.user_id else None,
        seen=record,
    )
    return {
        **_summary(task, record, now),  # the task as it was: no field of it changes
        "case": {
            "id": view.id,
            "case_number": view.case_number,
            "status": view.status,
            "status_name": name_of(CASE_STATUSES, view.status),
            "version": view.version,
            "due_date": view.due_date,
        },
        "next_tasks": open_tasks(view),
    }


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
    refusal = policy.task_refusal(current_org(), principal, task, record, _today(), action)
    if refusal is not None:
        raise refused(refusal, not_found)
    return task, record


def expected_version(args: dict[str, Any], headers: dict[str, Any]) -> int | None:
    """The case version the caller expects: ``expected_version`` or ``If-Match`` (the
    ``ETag`` of a case or task read, weak or strong); another version is 412, not 409."""
    value = args.get("expected_version")
    if value is not None:
        return int(value)
    raw = headers.get("if_match")
    if not raw or raw == "*":  # RFC 9110: * matches any current version of the case
        return None
    return int(raw.removeprefix("W/").strip('"'))


def open_tasks(case: int | CaseView) -> list[OpenTaskView]:
    """A case's open tasks after a change, with who may take each now.

    Staff names are shown to every caller who sees the case, supervisors included: they are
    the names of officials at work (whom 效能监督 supervises), not residents' personal data;
    no staff phone number is shown."""
    return services().engine.cases.open_tasks(current_org(), case)


def _summary(task: TaskRecord, record: CaseRecord, now: datetime) -> dict[str, Any]:
    """A task as the queue lists it, ``overdue`` as of ``now`` (one reading per answer)."""
    org = services().engine.org
    item = services().catalogue.get(record.item_code or "")
    holder = org.users.get(task.claimed_by or "")
    return {
        "id": task.id,
        "case_id": task.case_id,
        "case_number": record.case_number,
        "item_code": record.item_code,
        "item_name": item.name if item else None,
        "spec_id": task.spec_id,
        "name": task.name,
        "role": task.lane,
        "role_name": ROLES.get(task.lane or ""),
        "org_unit": task.org_unit,
        "org_unit_name": unit_name(org, task.org_unit),
        "claimed_by": task.claimed_by,
        "claimed_by_name": holder.name if holder is not None else task.claimed_by,
        "due_at": task.due_at,
        "overdue": task.due_at is not None and task.due_at < now,
    }


def _today() -> date:
    return _day(services().engine.clock.now())


def _day(now: datetime) -> date:
    """The day ``now`` falls on in Shanghai (who is absent, whose post it is)."""
    return now.astimezone(SHANGHAI).date()
