"""Step limits (环节时限): when each task is due, and the yellow and red warnings.

An item's process is composed of the shared call activities; the catalogue gives a limit
in working days for each phase (``limits.steps``, carried in the case data as
``item["step_limits"]``). Each activity is one phase, and each task of it has the whole
phase limit, counted from the day it became ready (the start day not counted), and is due
when that many working days have fully passed: the instant the shared activities'
escalation timers use (``deadline_working_days``). A task outside these phases is due when
its case is (the promised limit, ``due_on``). An excluded period the item lists (公示,
补正, 听证 …: ``engine.periods``) moves both when it ends: the case's ``due_on`` and the
due time of each step open during it.

Warnings (预警): a task or case is *yellow* once the warning share of its limit (given to
the engine, from ``DAIBAN_WARNING_SHARE``; default 0.8) is used, counted in whole working
days (today counts as used), and *red* once the limit has run out. ``daiban tick`` records each
warning once, as a history event that leaves the workflow state unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from engine import elements
from engine.calendar import WorkingCalendar
from engine.clock import SHANGHAI
from engine.records import Milestone, TaskFacts
from engine.store import Store

DEFAULT_WARNING_SHARE = 0.8
YELLOW, RED = "warning_yellow", "warning_red"  # event types, in the order they are raised
WARNING_EVENTS = (YELLOW, RED)
WARNING_ACTOR = "system:timer"  # the timer job (``daiban tick``) raises them

# Shared activity (process id) → phase of the catalogue's ``limits.steps``.
PHASES: dict[str, str] = {
    elements.INTAKE: "intake",
    elements.PROXY: "proxy_handover",
    elements.TOWNSHIP_REVIEW: "township_review",
    elements.COUNTY_HANDOFF: "county_decision",
    elements.STATION_HANDOFF: "station_decision",
    elements.PROVINCE_HANDOFF: "county_decision",  # the first review; the province's below
    elements.RESULT_DELIVERY: "delivery",
    # 差评整改: a bad rating is called back and rectified within 15 working days (四川).
    elements.EVALUATION: "rectification",
}
# Single tasks with a phase of their own inside an activity without one.
TASK_PHASES: dict[tuple[str, str], str] = {
    elements.INVESTIGATE: "investigation",
    elements.SERVE: "service",
    elements.PROVINCE_DECISION_TASK: "province_decision",
}
# Limits the shared activities apply when the item gives none (their timers' defaults).
DEFAULT_LIMITS: dict[str, int] = {
    "proxy_handover": 3,
    "county_decision": 10,
    "station_decision": 5,
    "province_decision": 30,
    "rectification": 15,
    "investigation": 30,
    "service": 7,  # 送达 (《行政处罚法》第六十一条: 七日内, working days by 第八十五条)
}
MAX_LIMIT = 3660


def phase_of(process_id: str, spec_id: str) -> str | None:
    """The phase whose limit a task has, or None (it is due when its case is)."""
    return TASK_PHASES.get((process_id, spec_id)) or PHASES.get(process_id)


def step_limit(item: Any, phase: str | None) -> int | None:
    """The phase's limit in working days for an item (its case data ``item``), or None."""
    if phase is None:
        return None
    limits = item.get("step_limits") if isinstance(item, Mapping) else None
    value = limits.get(phase) if isinstance(limits, Mapping) else None
    if value is None:
        value = DEFAULT_LIMITS.get(phase)
    if phase == "proxy_handover" and isinstance(item, Mapping) and item.get("urgent") is True:
        value = 0  # urgent items are handed over the same day (as common_proxy does)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LIMIT:
        return None
    return value


def end_of(day: date) -> datetime:
    """The instant ``day`` has fully passed: midnight after it, Shanghai time."""
    return datetime.combine(day + timedelta(days=1), time(0), SHANGHAI)


def local_day(instant: datetime) -> date:
    return instant.astimezone(SHANGHAI).date()


def step_due(ready_at: datetime, days: int, calendar: WorkingCalendar | None = None) -> datetime:
    """When a step of ``days`` working days that became ready at ``ready_at`` is due."""
    calendar = calendar or WorkingCalendar.default()
    return end_of(calendar.add_working_days(local_day(ready_at), days).date)


def task_due(
    process_id: str,
    spec_id: str,
    item: Any,
    ready_at: datetime,
    case_due: datetime | None,
    calendar: WorkingCalendar | None = None,
) -> tuple[datetime | None, bool]:
    """A task's due time and whether it is the task's own (a step limit) or its case's."""
    days = step_limit(item, phase_of(process_id, spec_id))
    if days is None:
        return case_due, False
    return step_due(ready_at, days, calendar), True


def warning_level(
    start: datetime,
    due_at: datetime,
    now: datetime,
    share: float,
    calendar: WorkingCalendar | None = None,
) -> str | None:
    """``RED`` past the limit, ``YELLOW`` once ``share`` of its working days are used.

    The limit runs from the day of ``start`` (not counted) to the last day before
    ``due_at``; a limit of no working days (the same day) only turns red."""
    if now >= due_at:
        return RED
    calendar = calendar or WorkingCalendar.default()
    first = local_day(start)
    limit = calendar.working_days_between(first, local_day(due_at - timedelta(microseconds=1)))
    if limit <= 0:
        return None
    used = calendar.working_days_between(first, local_day(now))
    return YELLOW if used >= math.ceil(round(share * limit, 6)) else None


@dataclass(frozen=True)
class DueWarning:
    """A warning to record: its event type, the task (None: the case's promised limit)
    and the event's payload."""

    type: str
    task_id: str | None
    payload: dict[str, Any]


def warning_key(payload: Mapping[str, Any]) -> str | None:
    """What a warning event is about: its task id, or None for the case."""
    task_id = payload.get("task_id")
    return task_id if isinstance(task_id, str) else None


def pending_warnings(
    store: Store,
    now: datetime,
    share: float,
    batch: int = 500,
    calendar: WorkingCalendar | None = None,
) -> Iterator[tuple[int, list[DueWarning]]]:
    """The warnings due by ``now`` and not yet recorded, per open case (in id order).

    A task is judged by its own step limit (tasks due when their case is are left to the
    case); a case by its promised limit from acceptance (registration for processes
    without a materials check) until its result is delivered or its limit is met
    (``engine.periods.meet``: an enforcement case's decision). A limit past without a
    yellow warning gets the yellow one too, so that every red one has its yellow."""
    calendar = calendar or WorkingCalendar.default()
    after = 0
    while True:
        with store.unit_of_work(write=False) as uow:
            ids = uow.figures.cases_with_open_deadlines(RED, after, batch)
            if not ids:
                return
            scan = _Scan(
                now,
                share,
                calendar,
                raised={
                    (e.case_id, e.type, warning_key(e.payload))
                    for e in uow.figures.events_of(ids, WARNING_EVENTS)
                },
            )
            dues = uow.figures.due_dates(ids)
            scan.tasks(uow.figures.tasks_of(ids, open_only=True), dues)
            scan.cases(dues, uow.figures.milestones(ids, _MILESTONES))
        after = ids[-1]
        yield from sorted(scan.wanted.items())


@dataclass
class _Scan:
    now: datetime
    share: float
    calendar: WorkingCalendar
    raised: set[tuple[int, str, str | None]]
    wanted: dict[int, list[DueWarning]] = field(default_factory=dict)

    def want(self, case_id: int, level: str | None, task_id: str | None, **about: Any) -> None:
        for kind in WARNING_EVENTS[: WARNING_EVENTS.index(level) + 1] if level else ():
            if (case_id, kind, task_id) not in self.raised:
                payload = {"task_id": task_id, **about} if task_id else about
                self.wanted.setdefault(case_id, []).append(DueWarning(kind, task_id, payload))

    def tasks(
        self,
        open_tasks: list[TaskFacts],
        dues: dict[int, tuple[date | None, datetime, datetime | None]],
    ) -> None:
        for task in open_tasks:
            if task.due_at is None or phase_of(task.process_id, task.spec_id) is None:
                continue
            due_date = dues[task.case_id][0]
            if due_date is not None and task.due_at == end_of(due_date):
                continue  # no limit of its own: the case's warning covers it
            self.want(
                task.case_id,
                warning_level(task.ready_at, task.due_at, self.now, self.share, self.calendar),
                task.id,
                spec_id=task.spec_id,
                name=task.name,
                due_at=task.due_at.astimezone(SHANGHAI).isoformat(),
            )

    def cases(
        self,
        dues: dict[int, tuple[date | None, datetime, datetime | None]],
        milestones: dict[int, dict[str, Any]],
    ) -> None:
        for case_id, (due_date, registered_at, limit_met_at) in dues.items():
            facts = milestones.get(case_id, {})
            done = limit_met_at is not None or facts.get("delivered_at") is not None
            if due_date is None or done:
                continue
            start = facts.get("accepted_at") or registered_at
            level = warning_level(start, end_of(due_date), self.now, self.share, self.calendar)
            self.want(case_id, level, None, due_date=due_date.isoformat())


# A case's promised limit runs from the last decision of its materials check (the
# acceptance: the case has a due date) until its result is delivered.
_MILESTONES = (
    Milestone("accepted_at", (elements.CHECK_MATERIALS, elements.RECHECK)),
    Milestone("delivered_at", elements.DELIVERY_TASKS),
)
