"""What the supervision figures and the warnings read about cases: rows without their
snapshots, tasks with the times that opened and closed them, events, task-index facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class CaseFacts:
    """A case row without its snapshot."""

    id: int
    item_code: str | None
    org_unit: str | None
    village: str | None
    department: str | None
    status: str
    created_at: datetime
    closed_at: datetime | None
    due_date: date | None
    limit_met_at: datetime | None = None  # the case's limit met (``engine.periods.meet``)


@dataclass(frozen=True)
class TaskFacts:
    """One task of the index with the times of the events that opened and closed it."""

    case_id: int
    id: str
    process_id: str
    spec_id: str
    name: str
    due_at: datetime | None
    ready_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None  # the type of the closing event
    finished: bool = False  # done (its own completion, its message or timer), not withdrawn


@dataclass(frozen=True)
class EventFacts:
    case_id: int
    seq: int
    type: str
    at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class Milestone:
    """A fact about a case read off its task index: whether one of ``tasks`` (process
    id, or "*" for any, and spec id) was ever ready (``value="ready"``), or when one was
    finished (``"finished_at"``: the latest, or the earliest with ``first``) and the due
    time of that task (``"due_at"``); ``decisions`` keeps only completions whose intake
    decision (``engine.elements.INTAKE_DECISION``) is one of these values."""

    name: str
    tasks: tuple[tuple[str, str], ...]
    value: str = "finished_at"
    first: bool = False
    decisions: tuple[str, ...] = ()
