"""Drive cases in tests: complete a task by its spec id, start the sample, a registration body."""

from __future__ import annotations

from typing import Any

from engine import Actor, CaseView, Engine, ManualClock
from engine.clock import SHANGHAI
from engine.records.cases import TaskRecord
from engine.simulate import fill_form


def task_of(view: CaseView, spec_id: str) -> str:
    matches = [t.id for t in view.tasks if t.spec_id == spec_id]
    assert matches, f"no ready task {spec_id}; ready: {[t.spec_id for t in view.tasks]}"
    return matches[0]


def complete(
    engine: Engine, view: CaseView, spec_id: str, data: dict[str, Any], user: str = "tester"
) -> CaseView:
    return engine.cases.complete_task(view.id, task_of(view, spec_id), data, Actor(user))


def registration(item_code: str, materials: list[str] | None = None) -> dict[str, Any]:
    """A ``POST /cases`` body: 张三 of 青丝社区 asks at the village point."""
    return {
        "item_code": item_code,
        "applicant": {
            "name": "张三",
            "id_number": "11010519491231002X",
            "phone": "13800001234",
            "address": "青丝街 1 号",
            "village": "511725201001",
        },
        "channel": "village_point",
        "materials": materials or [],
    }


INTAKE = {"applicant_name": "李秀英", "applicant_id": "11010519491231002X", "materials": "complete"}


def start_sample(engine: Engine, submitted_on: str = "2026-09-24") -> CaseView:
    return engine.cases.start(
        "sample_proxy_item",
        {"submitted_on": submitted_on},
        Actor("agent.zhang", on_behalf_of="李秀英"),
        org_unit="511725201001",
    )


def do(engine: Engine, view: CaseView, spec_id: str, clock: ManualClock, **data: Any) -> CaseView:
    """Complete the ready task ``spec_id`` as the tester: ``data`` over the sample answers
    of its form, dates as of the clock's day in Shanghai."""
    task = next((t for t in view.tasks if t.spec_id == spec_id), None)
    assert task is not None, f"{spec_id} not ready: {ready(view)}"
    return _filled_in(engine, view, task.id, clock, "tester", data)


def act(
    engine: Engine, view: CaseView, spec_id: str, clock: ManualClock, user: str, **data: Any
) -> CaseView:
    """``user`` takes the ready task ``spec_id`` from its own work queue (the task's role
    and unit are its own: ``engine.cases.queue``) and completes it as itself, ``data``
    over the sample answers of its form."""
    found = [t for t in queued(engine, clock, user, view.id) if t.spec_id == spec_id]
    assert len(found) == 1, f"{spec_id} is not in {user}'s queue: {ready(view)}"
    return _filled_in(engine, view, found[0].id, clock, user, data)


def queued(engine: Engine, clock: ManualClock, user: str, case_id: int) -> list[TaskRecord]:
    """The tasks of case ``case_id`` in ``user``'s work queue today."""
    day = clock.now().astimezone(SHANGHAI).date()
    mine = engine.cases.queue(engine.org, engine.identity.principal(user), day)
    return [task for task in mine if task.case_id == case_id]


def _filled_in(
    engine: Engine,
    view: CaseView,
    task_id: str,
    clock: ManualClock,
    user: str,
    data: dict[str, Any],
) -> CaseView:
    task = next(t for t in view.tasks if t.id == task_id)
    form = engine.definitions.compiled(view.definition_hash).form(task.process_id, task.spec_id)
    today = clock.now().astimezone(SHANGHAI).date().isoformat()
    return engine.cases.complete_task(view.id, task.id, fill_form(form, data, today), Actor(user))


def ready(view: CaseView) -> list[str]:
    return sorted(t.spec_id for t in view.tasks)
