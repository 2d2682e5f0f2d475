"""What the process-mining exports share: the cases of a scope read in batches, each
case's history rebuilt from its events and task index, and the activity events of a
history (one stored event may give several: a completion, the tasks it withdrew, the
tasks it scheduled).

Lifecycle transitions are those of the XES standard lifecycle model
(``lifecycle:model`` ``standard``): a task is ``schedule``\\ d when it becomes ready,
``assign``\\ ed when claimed or assigned (``reassign`` when assigned to someone else while
held, or released back to its queue), ``complete``\\ d when done (by its own completion, or
by the message it waited for), and ``withdraw``\\ n (unheld) or ``ate_abort``\\ ed (held)
when it stops being ready without being done: the case was cancelled, a deadline passed,
another task ended it. Every other event is one ``complete`` activity of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from engine.audit import HistoryEntry, build_entries
from engine.clock import SHANGHAI
from engine.labels import EVENT_TYPES
from engine.labels import MESSAGES as MESSAGE_NAMES
from engine.records import CaseFilter, CaseScope, EventRecord, ExportCase, TaskRecord
from engine.store import Store

SCHEDULE, ASSIGN, REASSIGN = "schedule", "assign", "reassign"
COMPLETE, WITHDRAW, ATE_ABORT = "complete", "withdraw", "ate_abort"

# The activity of an event that is not about one task (task events whose task is not in
# the index are not expected; they are kept readable), and the messages by name.
ACTIVITIES: Mapping[str, str] = EVENT_TYPES
MESSAGES: Mapping[str, str] = MESSAGE_NAMES
TASK_EVENTS = frozenset({"task_completed", "task_claimed", "task_assigned", "task_released"})
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """``value`` with the characters XML 1.0 cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", value)


def timestamp(at: datetime) -> str:
    """ISO 8601 with milliseconds and the Beijing offset: ``2026-09-24T09:00:00.000+08:00``."""
    return at.astimezone(SHANGHAI).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class CaseHistory:
    case: ExportCase
    entries: list[HistoryEntry]
    item_name: str | None = None  # as registered (the case data's item)
    channel: str | None = None

    @property
    def name(self) -> str:
        """The case number (``case-<id>`` for a case started without one)."""
        return self.case.case_number or f"case-{self.case.id}"


@dataclass(frozen=True, slots=True)
class Activity:
    """One event of an export."""

    activity: str
    transition: str
    at: datetime
    resource: str  # the user (or ``system:...``) whose event it is
    role: str | None  # the role they acted in
    group: str | None  # their org unit
    seq: int  # the stored event it comes from
    event_type: str
    on_behalf_of: str | None
    task: TaskRecord | None = None  # the task instance it concerns
    extra: tuple[tuple[str, str], ...] = ()  # further string attributes


@dataclass
class ExportCounts:
    """Filled in while an export is written."""

    cases: int = 0
    events: int = 0


@dataclass(frozen=True)
class ExportSource:
    """The cases to export: a scope, a filter, and the size of a read batch."""

    store: Store
    scope: CaseScope
    where: CaseFilter = field(default_factory=CaseFilter)
    batch: int = 200

    def __iter__(self) -> Iterator[CaseHistory]:
        return histories(self.store, self.scope, self.where, self.batch)


def histories(
    store: Store, scope: CaseScope, where: CaseFilter, batch: int = 200
) -> Iterator[CaseHistory]:
    """The histories of the cases in ``scope`` matching ``where``, in id order.

    Each batch is one read transaction of three queries (cases, their events, their
    tasks); only one batch is held at a time. A case is exported as its row stood when
    read: events written after it, and what they did to the task index, are left out."""
    after = 0
    while True:
        with store.unit_of_work(write=False) as uow:
            cases = uow.exports.cases(scope, where, after, batch)
            if not cases:
                return
            ids = [c.id for c in cases]
            events = uow.exports.events(ids)
            tasks = uow.exports.tasks(ids)
        events_of: dict[int, list[EventRecord]] = {}
        for event in events:
            events_of.setdefault(event.case_id, []).append(event)
        tasks_of: dict[int, list[TaskRecord]] = {}
        for task in tasks:
            tasks_of.setdefault(task.case_id, []).append(task)
        for case in cases:
            yield history_of(case, events_of.get(case.id, []), tasks_of.get(case.id, []))
        after = cases[-1].id


def history_of(
    case: ExportCase, events: Iterable[EventRecord], tasks: Iterable[TaskRecord]
) -> CaseHistory:
    """The case's history as ``Auditor.history`` gives it, limited to the events up to
    the case row's last one."""
    last = case.last_seq
    kept = [e for e in events if e.seq <= last]
    index = [
        t if t.closed_seq is None or t.closed_seq <= last else replace(t, closed_seq=None)
        for t in tasks
        if t.created_seq <= last
    ]
    entries = build_entries(kept, index)
    item_name = channel = None
    if kept and kept[0].type == "case_started":
        data = kept[0].payload.get("data")
        if isinstance(data, Mapping):
            item = data.get("item")
            if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                item_name = item["name"]
            if isinstance(data.get("channel"), str):
                channel = data["channel"]
    return CaseHistory(case, entries, item_name, channel)


def activities(history: CaseHistory) -> Iterator[Activity]:
    """The activity events of a case, in order: for each stored event, the event itself,
    then the tasks it closed, then the tasks it opened."""
    holders: dict[str, str] = {}  # open task id -> who holds it
    for entry in history.entries:
        event = entry.event
        kind, task = event.type, entry.task
        if kind in TASK_EVENTS and task is not None:
            if kind == "task_completed":
                holders.pop(task.id, None)
                yield _make(event, task.name, COMPLETE, task, _acting_for(event.payload))
            elif kind == "task_claimed":
                holders[task.id] = event.actor
                yield _make(event, task.name, ASSIGN, task, (("assignee", event.actor),))
            elif kind == "task_assigned":
                user = str(event.payload.get("user") or "")
                transition = REASSIGN if task.id in holders else ASSIGN
                holders[task.id] = user
                yield _make(event, task.name, transition, task, (("assignee", user),))
            else:  # released back to its queue
                holders.pop(task.id, None)
                yield _make(event, task.name, REASSIGN, task)
        else:
            yield _make(event, _activity(event), COMPLETE, task, _details(event, task))
        for gone in entry.closed:
            if kind == "task_completed" and task is not None and gone.id == task.id:
                continue
            if kind == "message_received":
                transition = COMPLETE  # the message it waited for came
            else:
                transition = ATE_ABORT if gone.id in holders else WITHDRAW
            holders.pop(gone.id, None)
            yield _make(event, gone.name, transition, gone)
        for new in entry.opened:
            yield _make(event, new.name, SCHEDULE, new)


def _make(
    event: EventRecord,
    activity: str,
    transition: str,
    task: TaskRecord | None,
    extra: tuple[tuple[str, str], ...] = (),
) -> Activity:
    return Activity(
        activity,
        transition,
        event.at,
        event.actor,
        event.actor_role,
        event.actor_unit,
        event.seq,
        event.type,
        event.on_behalf_of,
        task,
        extra,
    )


def _activity(event: EventRecord) -> str:
    label = ACTIVITIES.get(event.type)
    if label is None:
        return event.type
    if event.type == "message_received":
        name = str(event.payload.get("name") or "")
        return f"{label}：{MESSAGES.get(name, name)}" if name else label
    return label


def _details(event: EventRecord, task: TaskRecord | None) -> tuple[tuple[str, str], ...]:
    if event.type == "message_received":
        return (("message", str(event.payload.get("name") or "")),)
    if task is not None:  # a warning about a task
        return (("task_name", task.name),)
    return ()


def _acting_for(payload: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    holder = payload.get("acting_for")
    return (("acting_for", holder),) if isinstance(holder, str) else ()
