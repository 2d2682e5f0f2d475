"""Scheduled pickup and delivery runs of the mobile posts (定期取件/定期送件)."""

from __future__ import annotations

from typing import Any

from engine.labels import RUN_KINDS, RUN_STATUSES, name_of, unit_name
from engine.policy import Action
from engine.runs import RunView
from processes.org import Organization
from webapi.auth import current_principal, require_auth, require_right
from webapi.openapi import problem_response
from webapi.schemas.common import a_page, page_offset
from webapi.schemas.runs import RunPageSchema, RunQuerySchema, RunSchema
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint("runs", __name__, url_prefix="/api/v1/runs", description="定期取件/定期送件")


@blp.route("", methods=["GET"])
@require_auth
@blp.arguments(RunQuerySchema, location="query")
@blp.response(200, RunPageSchema)
@blp.alt_response(403, response="FORBIDDEN")
def list_runs(args: dict[str, Any]) -> dict[str, Any]:
    """定期取送件批次：流动代办岗按排班（组织机构文件 `schedules`）到各村取件、送件，
    后台作业（`daiban worker`、`daiban tick`）在排班日生成当天批次，列出这些村中等待定期
    取件（接件方式“定期取件”）和定期送达的办件；流动代办员和乡镇工作人员看本乡镇的，
    效能监督看全县，新日期在前，分页"""
    require_right(Action.SEE_RUNS)
    found, total = services().engine.runs.find(current_principal(), *page_offset(args))
    org = services().engine.org
    return a_page([as_json(org, view) for view in found], args, total)


@blp.route("/<int:run_id>", methods=["GET"])
@require_auth
@blp.response(200, RunSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def get_run(run_id: int) -> dict[str, Any]:
    """一个批次：各办件及为其办理的任务（移交乡镇或定期送达），以及任务是否已办理"""
    require_right(Action.SEE_RUNS)
    view = services().engine.runs.get(current_principal(), run_id)
    return as_json(services().engine.org, view)


@blp.route("/<int:run_id>/complete", methods=["POST"])
@require_auth
@blp.response(200, RunSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, **problem_response("批次已完成，什么也没改", "invalid_state", "conflict"))
def complete_run(run_id: int) -> dict[str, Any]:
    """完成批次：本乡镇流动代办员取送回来后登记；各办件的任务在其待办中逐件办理（记入
    办件历史），未办理的（`task_open`）仍留在待办中。已完成的为 409 `invalid_state`"""
    require_right(Action.SEE_RUNS)
    view = services().engine.runs.complete(current_principal(), run_id)
    return as_json(services().engine.org, view)


def as_json(org: Organization, view: RunView) -> dict[str, Any]:
    run = view.run
    agent = org.users.get(run.agent)
    return {
        "id": run.id,
        "agent": run.agent,
        "agent_name": agent.name if agent is not None else None,
        "township": run.township,
        "township_name": unit_name(org, run.township),
        "day": run.day,
        "status": run.status,
        "status_name": name_of(RUN_STATUSES, run.status),
        "cases": [
            {
                "case_id": c.case_id,
                "case_number": c.case_number,
                "task_id": c.task_id,
                "kind": c.kind,
                "kind_name": name_of(RUN_KINDS, c.kind),
                "village": c.village,
                "village_name": unit_name(org, c.village),
                "task_open": c.task_id in view.open_tasks,
            }
            for c in run.cases
        ],
        "left": view.left,
        "created_at": run.created_at,
        "completed_at": run.completed_at,
        "completed_by": run.completed_by,
    }
