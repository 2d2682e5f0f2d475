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


@dataclass(frozen=True)
class CaseFigures:
    """What one case contributes to the supervision figures (``engine.stats.facts``): the
    times its counts fall on and the values they add. See ``case_figures``."""

    case_id: int
    org_unit: str | None
    village: str | None
    item_code: str | None
    department: str | None
    created_at: datetime
    closed_at: datetime | None
    proxy: bool = False
    accepted_at: datetime | None = None
    on_the_spot: bool = False
    returned: bool = False
    concluded_at: datetime | None = None
    supplemented: bool = False
    first_time_right: bool = False
    completed_at: datetime | None = None
    completed_vs_due: int | None = None  # -1 early, 0 on the due date, 1 late
    handling_days: int | None = None
    started_at: datetime | None = None
    due_end: datetime | None = None
    handed_at: datetime | None = None
    holding_days: int | None = None
    handover_on_time: bool = False
    rectified_at: datetime | None = None
    rectify_due_at: datetime | None = None
    intake: bool = False
    received_at: datetime | None = None
    handed_over_at: datetime | None = None
    handover_due_at: datetime | None = None
    delivered_at: datetime | None = None
    rated_at: datetime | None = None
    rating_kind: str | None = None  # link (genuine), entered, upheld (appeal upheld)
    rating_level: str | None = None
    several_ratings: bool = False


@dataclass(frozen=True)
class DayCounts:
    """What to add to one day's counts of one case group (``figure_days``)."""

    day: date
    org_unit: str | None
    village: str | None
    item_code: str | None
    department: str | None
    steps_done: int = 0
    steps_late: int = 0
    yellow_warnings: int = 0
    red_warnings: int = 0


@dataclass(frozen=True)
class LateStep:
    """A step open past its due time at the end of the days ``overdue_from`` to
    ``overdue_to`` (both inclusive), before it closed."""

    task_id: str
    case_id: int
    overdue_from: date
    overdue_to: date
