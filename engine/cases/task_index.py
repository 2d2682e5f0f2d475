"""The task index rows of a case: its open tasks, who acts on them, when they are due."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from engine import elements, steps
from engine.records import CaseRecord, TaskKey, TaskRecord
from engine.routing import Routing, task_lane
from engine.runtime.case import LiveCase
from processes.org import ROLE_UNIT_KINDS

if TYPE_CHECKING:
    from engine.store import UnitOfWork

# Lanes whose task means the case has reached the deciding county department or station.
_HANDED = (("department",), ("station",))


def routing_of(record: CaseRecord) -> Routing:
    return Routing(
        record.org_unit,
        record.village,
        record.department,
        record.registered_unit,
        record.assessment_unit,
    )


def task_key(uow: UnitOfWork, live: LiveCase, task_id: str) -> TaskKey | None:
    """(process id, spec id) of a task of the case ``live``: from its workflow, which
    keeps the tasks it has run, or else (a shared activity's it has let go of) from the
    index, read in ``uow``."""
    found = live.task_key(task_id)
    if found is not None:
        return found
    task = uow.tasks.get(task_id)
    return (task.process_id, task.spec_id) if task is not None else None


def task_records(
    record: CaseRecord,
    live: LiveCase,
    seq: int,
    at: datetime,
    known: dict[str, datetime | None],
) -> list[TaskRecord]:
    """Index rows of the open tasks. A task of a phase with a step limit is due that
    many working days after the day it became ready (``engine.steps``), fixed then;
    any other task is due when its case is (the promised limit, which may change) — until
    the case's limit is met (``limit_met_at``: an enforcement case decided), after which
    such a task has no due time.

    ``at``: the time of the event being written; ``known``: the due times of the
    tasks already in the index."""
    routing = routing_of(record)
    case_due = (
        steps.end_of(record.due_date) if record.due_date and record.limit_met_at is None else None
    )
    rows = []
    for t in live.ready_tasks():
        due_at, own = steps.task_due(t.process_id, t.spec_id, t.data.get("item"), at, case_due)
        if own and t.id in known:
            due_at = known[t.id]
        lane = task_lane(t.lane, t.process_id, t.spec_id, t.data)
        rows.append(
            TaskRecord(
                id=t.id,
                case_id=record.id,
                spec_id=t.spec_id,
                name=t.name,
                process_id=t.process_id,
                lane=lane,
                org_unit=routing.unit_for(lane),
                created_seq=seq,
                due_at=due_at,
                claimed_by=live.claims.get(t.id),
            )
        )
    return rows


def county_since(record: CaseRecord, live: LiveCase, at: datetime) -> datetime | None:
    """When the case first reached the county department (it sees the case from then on):
    a task of a department's role is open, or the case waits for the department's system
    to post its decision (``county_decision``, the callback route)."""
    if record.county_since is not None:
        return record.county_since
    reached = (
        any(ROLE_UNIT_KINDS.get(t.lane or "", ()) in _HANDED for t in live.ready_tasks())
        or elements.COUNTY_DECISION in live.waiting_messages()
    )
    return at if reached else None


def assessment_since(record: CaseRecord, live: LiveCase, at: datetime) -> datetime | None:
    """When the case was handed to its designated hospital (残疾评定定点医院): the
    assessment task first opened (its doctors see the case from then on)."""
    if record.assessment_since is not None:
        return record.assessment_since
    reached = any(
        (t.process_id, t.spec_id) == elements.DISABILITY_ASSESSMENT for t in live.ready_tasks()
    )
    return at if reached and record.assessment_unit is not None else None


def is_open(task: TaskRecord | None) -> bool:
    return task is not None and task.closed_seq is None
