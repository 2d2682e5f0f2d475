"""What callers get back about a case: its row and its live workflow, read together; and
its open tasks as a person reads them: step, role and unit by name, due time, and who may
take each now (``open_tasks``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from engine.cases import duties
from engine.clock import SHANGHAI
from engine.policy import Candidate, candidates
from engine.records import CaseRecord, TaskRecord
from engine.runtime.case import LiveCase, ReadyTask
from processes.org import ROLES, Organization


@dataclass(frozen=True)
class CaseView:
    id: int
    uid: str
    process_id: str
    definition_hash: str
    status: str
    version: int
    last_seq: int
    data: dict[str, Any]
    tasks: list[ReadyTask]
    has_incident: bool
    item_code: str | None = None
    org_unit: str | None = None
    due_date: date | None = None
    next_timer_at: datetime | None = None
    waiting_messages: list[str] = field(default_factory=list)
    case_number: str | None = None
    village: str | None = None
    department: str | None = None
    registered_unit: str | None = None
    county_since: datetime | None = None
    assessment_since: datetime | None = None  # handed to the designated hospital
    created_at: datetime | None = None
    # The task index rows a change just wrote (its open tasks), so that an answer can say
    # who acts next without reading them back; None: not known here (read them).
    task_rows: list[TaskRecord] | None = None


def case_view(record: CaseRecord, live: LiveCase) -> CaseView:
    return CaseView(
        id=record.id,
        uid=record.uid,
        process_id=record.process_id,
        definition_hash=record.definition_hash,
        status=record.status,
        version=record.version,
        last_seq=record.last_seq,
        data=live.data(),
        tasks=live.ready_tasks(),
        has_incident=record.has_incident,
        item_code=record.item_code,
        org_unit=record.org_unit,
        due_date=record.due_date,
        next_timer_at=record.next_timer_at,
        waiting_messages=live.waiting_messages(),
        case_number=record.case_number,
        village=record.village,
        department=record.department,
        registered_unit=record.registered_unit,
        county_since=record.county_since,
        assessment_since=record.assessment_since,
        created_at=record.created_at,
    )


@dataclass(frozen=True)
class OpenTaskView:
    """An open task of a case and who acts next on it: its step (``name``, Chinese), its
    role and unit (code and Chinese name), when it is due, who holds it, and the people
    who may take it now (``candidates``: absent A posts replaced by their stand-ins)."""

    id: str
    spec_id: str
    name: str
    process_id: str
    role: str | None
    role_name: str | None
    org_unit: str | None
    org_unit_name: str | None
    due_at: datetime | None
    overdue: bool
    claimed_by: str | None
    claimed_by_name: str | None
    candidates: list[Candidate]


def open_task(
    org: Organization, task: TaskRecord, now: datetime, done: duties.Done | None = None
) -> OpenTaskView:
    """One task of the index as ``OpenTaskView``, its candidates as of ``now`` (the
    engine's clock: today in Shanghai decides who is absent); ``done``: who completed
    which step of the case, whom separation of duties bars from this one."""
    barred = duties.barred(done, task.process_id, task.spec_id) if done else {}
    unit = org.units.get(task.org_unit) if task.org_unit is not None else None
    holder = org.users.get(task.claimed_by) if task.claimed_by is not None else None
    return OpenTaskView(
        id=task.id,
        spec_id=task.spec_id,
        name=task.name,
        process_id=task.process_id,
        role=task.lane,
        role_name=ROLES.get(task.lane) if task.lane is not None else None,
        org_unit=task.org_unit,
        org_unit_name=unit.name if unit is not None else None,
        due_at=task.due_at,
        overdue=task.due_at is not None and task.due_at < now,
        claimed_by=task.claimed_by,
        claimed_by_name=holder.name if holder is not None else task.claimed_by,
        candidates=candidates(org, task, now.astimezone(SHANGHAI).date(), barred),
    )


def open_tasks(
    org: Organization, tasks: list[TaskRecord], now: datetime, done: duties.Done | None = None
) -> list[OpenTaskView]:
    """The open ones of ``tasks`` (closed ones left out), in their order, as views."""
    return [open_task(org, task, now, done) for task in tasks if task.closed_seq is None]
