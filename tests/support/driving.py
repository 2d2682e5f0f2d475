"""Drive cases in tests: complete a task by its spec id, start the sample, a registration body."""

from __future__ import annotations

from typing import Any

from engine import Actor, CaseView, Engine, ManualClock
from engine.clock import SHANGHAI
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
    form = engine.definitions.compiled(view.definition_hash).form(task.process_id, task.spec_id)
    today = clock.now().astimezone(SHANGHAI).date().isoformat()
    return engine.cases.complete_task(
        view.id, task.id, fill_form(form, data, today), Actor("tester")
    )


def ready(view: CaseView) -> list[str]:
    return sorted(t.spec_id for t in view.tasks)
