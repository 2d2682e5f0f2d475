"""What one change of a case reads of the task index: its open tasks once (their holders
and due times serve both the new rows and the update of the index), and nothing when a
case starts (a new case has none)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from engine import Actor, Engine
from tests.support.driving import INTAKE, complete, start_sample, task_of


@pytest.fixture
def index_reads(sample: Engine) -> Iterator[list[str]]:
    """The SELECTs on the task index that the engine's writing transactions run."""
    found: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "ready_tasks" in statement:
            found.append(statement)

    target = sample.store._write_engine
    event.listen(target, "before_cursor_execute", seen)
    try:
        yield found
    finally:
        event.remove(target, "before_cursor_execute", seen)


def test_a_change_reads_the_open_tasks_once(sample: Engine, index_reads: list[str]) -> None:
    view = start_sample(sample)
    assert index_reads == []
    view = sample.cases.claim(view.id, task_of(view, "Task_intake"), Actor("agent.zhang"))
    assert len(index_reads) == 1
    assert [t.claimed_by for t in sample.cases.task_index(view.id)] == ["agent.zhang"]


def test_a_completion_reads_the_open_tasks_once(sample: Engine, index_reads: list[str]) -> None:
    """What the completed task was (for the notices and the payout lists that watch
    completions) is taken from the workflow, which keeps the tasks it has run, those of
    a shared activity that has ended included; the index is not read again for it."""
    view = start_sample(sample)
    steps = [
        ("Task_intake", INTAKE, "agent.zhang"),
        ("Task_handover", {"handover_count": 3}, "agent.zhang"),
        ("Task_township_review", {"decision": "approve"}, "window.wang"),
        (
            "Task_handover_to_county",
            {"county_department": "县民政局", "handover_items": 3},
            "window.wang",
        ),
    ]
    for spec_id, data, user in steps:
        index_reads.clear()
        view = complete(sample, view, spec_id, data, user)
        assert len(index_reads) == 1, spec_id
    assert view.tasks == []  # the shared activity of the last task has ended


def test_a_task_and_its_case_are_read_by_one_statement(sample: Engine) -> None:
    """What a request about one task reads first (who may act on it, in which case)."""
    view = start_sample(sample)
    task_id = task_of(view, "Task_intake")
    with sample.store.unit_of_work(write=False) as uow:
        apart = uow.tasks.get(task_id), uow.cases.get(view.id)
        together = uow.tasks.with_case(task_id)
        assert uow.tasks.with_case("no-such-task") is None
    assert together == apart
    assert sample.cases.task_with_case(task_id) == apart
