"""What callers get back about a case: its row and its live workflow, read together."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from engine.records import CaseRecord
from engine.runtime.case import LiveCase, ReadyTask


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
    created_at: datetime | None = None


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
        created_at=record.created_at,
    )
