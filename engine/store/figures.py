"""Queries behind the supervision figures (效能监督) and the yellow/red warnings.

Read-only, streamed in batches of cases (keyset on the case id), the same on SQLite and
PostgreSQL. The case snapshot is never read: the facts come from the case rows, the task
index (open and closed tasks, with the events that opened and closed them) and events.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, case, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from engine.records import CaseScope
from engine.store.repository import MAX_ID, UnitOfWork
from engine.store.rows import scope_condition
from engine.store.tables import CaseRow, EventRow, ReadyTaskRow

_CASES = cast(Table, CaseRow.__table__)
_TASKS = cast(Table, ReadyTaskRow.__table__)
_EVENTS = cast(Table, EventRow.__table__)
# The columns a grouping reads from a case row.
GROUP_COLUMNS = ("org_unit", "village", "item_code", "department")


@dataclass(frozen=True)
class CaseFilter:
    """Narrows the cases of a scope (all optional, combined with AND)."""

    township: str | None = None
    village: str | None = None
    item_code: str | None = None
    department: str | None = None


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
    finished: bool = False  # done (see ``_finished``), not withdrawn


@dataclass(frozen=True)
class EventFacts:
    case_id: int
    seq: int
    type: str
    at: datetime
    payload: dict[str, Any]


def _finished(task: Any, closing: Any) -> ColumnElement[bool]:
    """Whether the event ``closing`` finished the task: its own completion, or a message
    or timer ending it (a callback, a deadline). A task ended by the case's cancellation
    or by another task's completion (a return, a refusal ending the process) was not done.
    """
    return or_(
        closing.c.type.in_(("message_received", "timers_fired")),
        and_(closing.c.type == "task_completed", closing.c.payload.contains(task.c.id)),
    )


def _scoped(scope: CaseScope, where: CaseFilter) -> list[ColumnElement[bool]]:
    c = _CASES.c
    conditions: list[ColumnElement[bool]] = []
    scoped = scope_condition(scope)
    if scoped is not None:
        conditions.append(scoped)
    for column, value in (
        (c.org_unit, where.township),
        (c.village, where.village),
        (c.item_code, where.item_code),
        (c.department, where.department),
    ):
        if value is not None:
            conditions.append(column == value)
    return conditions


# -- the figures -------------------------------------------------------------------------


def cases_alive(
    uow: UnitOfWork,
    scope: CaseScope,
    where: CaseFilter,
    start: datetime,
    end: datetime,
    after: int = 0,
    limit: int = 1000,
) -> list[CaseFacts]:
    """The next ``limit`` cases (id > ``after``) of the scope that existed at some time in
    [start, end): registered before ``end``, not closed before ``start``. Every event of a
    case lies between its registration and its closing, so no other case has one there."""
    if scope.empty or after >= MAX_ID:
        return []
    c = _CASES.c
    query = (
        select(
            c.id,
            c.item_code,
            c.org_unit,
            c.village,
            c.department,
            c.status,
            c.created_at,
            c.closed_at,
            c.due_date,
        )
        .where(
            c.id > after,
            c.created_at < end,
            or_(c.closed_at.is_(None), c.closed_at >= start),
            *_scoped(scope, where),
        )
        .order_by(c.id)
        .limit(limit)
    )
    rows = uow.session.connection().execute(query).mappings()
    return [CaseFacts(**row) for row in rows]


@dataclass(frozen=True)
class Milestone:
    """A fact about a case read off its task index: whether one of ``tasks`` (process
    id, or "*" for any, and spec id) was ever ready (``value="ready"``), or when one was
    finished (``"finished_at"``: the latest, or the earliest with ``first``) and the due
    time of that task (``"due_at"``); ``completed_with`` keeps only completions whose
    stored payload (canonical JSON) contains one of these texts."""

    name: str
    tasks: tuple[tuple[str, str], ...]
    value: str = "finished_at"
    first: bool = False
    completed_with: tuple[str, ...] = ()


def milestones(
    uow: UnitOfWork, case_ids: Sequence[int], wanted: Sequence[Milestone]
) -> dict[int, dict[str, Any]]:
    """The ``wanted`` facts of each case (by case id; a case without any of the tasks is
    left out): one aggregate row per case, computed by the database."""
    if not case_ids or not wanted:
        return {}
    t = _TASKS.c
    closed = _EVENTS.alias("closed")
    finished = _finished(_TASKS, closed)
    columns = []
    for milestone in wanted:
        match = or_(
            *(
                t.spec_id == spec
                if process == "*"
                else and_(t.process_id == process, t.spec_id == spec)
                for process, spec in milestone.tasks
            )
        )
        if milestone.value == "ready":
            columns.append(func.max(case((match, 1), else_=0)).label(milestone.name))
            continue
        condition = and_(match, finished)
        if milestone.completed_with:
            condition = and_(
                condition,
                or_(
                    *(
                        closed.c.payload.contains(text, autoescape=True)
                        for text in milestone.completed_with
                    )
                ),
            )
        value = closed.c.at if milestone.value == "finished_at" else t.due_at
        aggregate = func.min if milestone.first else func.max
        columns.append(aggregate(case((condition, value), else_=None)).label(milestone.name))
    specs = sorted({spec for milestone in wanted for _, spec in milestone.tasks})
    query = (
        select(t.case_id, *columns)
        .select_from(
            _TASKS.outerjoin(
                closed, and_(closed.c.case_id == t.case_id, closed.c.seq == t.closed_seq)
            )
        )
        .where(t.case_id.in_(sorted(set(case_ids))), t.spec_id.in_(specs))
        .group_by(t.case_id)
    )
    found: dict[int, dict[str, Any]] = {}
    for row in uow.session.connection().execute(query).mappings():
        values = dict(row)
        found[values.pop("case_id")] = values
    return found


def tasks_of(
    uow: UnitOfWork,
    case_ids: Sequence[int],
    spec_ids: Iterable[str] | None = None,
    open_only: bool = False,
) -> list[TaskFacts]:
    """Tasks of the cases (only those of ``spec_ids`` when given), open and closed, each
    with its ready and closing times."""
    if not case_ids:
        return []
    t = _TASKS.c
    opened, closed = _EVENTS.alias("opened"), _EVENTS.alias("closed")
    columns = [
        t.case_id,
        t.id,
        t.process_id,
        t.spec_id,
        t.name,
        t.due_at,
        opened.c.at.label("ready_at"),
        closed.c.at.label("closed_at"),
        closed.c.type.label("closed_by"),
        case((_finished(_TASKS, closed), 1), else_=0).label("finished"),
    ]
    query = (
        select(*columns)
        .select_from(
            _TASKS.join(
                opened, and_(opened.c.case_id == t.case_id, opened.c.seq == t.created_seq)
            ).outerjoin(closed, and_(closed.c.case_id == t.case_id, closed.c.seq == t.closed_seq))
        )
        .where(t.case_id.in_(sorted(set(case_ids))))
        .order_by(t.case_id, t.created_seq, t.id)
    )
    if spec_ids is not None:
        query = query.where(t.spec_id.in_(sorted(set(spec_ids))))
    if open_only:
        query = query.where(t.closed_seq.is_(None))
    found = []
    for row in uow.session.connection().execute(query).mappings():
        values = dict(row)
        values["finished"] = bool(values["finished"])
        found.append(TaskFacts(**values))
    return found


def events_of(
    uow: UnitOfWork, case_ids: Sequence[int], types: Iterable[str], prefix: str | None = None
) -> list[EventFacts]:
    """Events of the given types of the cases (only those whose stored payload, canonical
    JSON, starts with ``prefix`` when given), in order."""
    if not case_ids:
        return []
    e = _EVENTS.c
    query = (
        select(e.case_id, e.seq, e.type, e.at, e.payload)
        .where(e.case_id.in_(sorted(set(case_ids))), e.type.in_(sorted(set(types))))
        .order_by(e.case_id, e.seq)
    )
    if prefix is not None:
        query = query.where(e.payload.startswith(prefix, autoescape=True))
    return [
        EventFacts(row.case_id, row.seq, row.type, row.at, json.loads(row.payload))
        for row in uow.session.connection().execute(query)
    ]


def _group_column(group: str) -> Any:
    if group not in GROUP_COLUMNS:
        raise ValueError(f"unknown grouping column {group!r}")
    return _CASES.c[group]


def step_overdue_counts(
    uow: UnitOfWork,
    scope: CaseScope,
    where: CaseFilter,
    group: str,
    start: datetime,
    end: datetime,
    as_of: datetime,
    processes: Sequence[str],
    tasks: Sequence[tuple[str, str]],
) -> dict[str | None, tuple[int, int, int]]:
    """Per value of the case column ``group``: the steps of the phases (tasks of
    ``processes`` or the ``tasks`` (process, spec) pairs) done in [start, end), those of
    them done at or after their due time, and those still open at ``as_of`` past it."""
    if scope.empty:
        return {}
    t, c = _TASKS.c, _CASES.c
    opened, closed = _EVENTS.alias("opened"), _EVENTS.alias("closed")
    column = _group_column(group)
    own = or_(
        t.process_id.in_(sorted(processes)),
        *(and_(t.process_id == p, t.spec_id == s) for p, s in tasks),
    )
    done = and_(_finished(_TASKS, closed), closed.c.at >= start, closed.c.at < end)
    late = and_(done, t.due_at.is_not(None), closed.c.at >= t.due_at)
    still_open = and_(
        t.due_at.is_not(None),
        t.due_at <= as_of,
        opened.c.at < as_of,
        or_(t.closed_seq.is_(None), closed.c.at >= as_of),
    )
    query = (
        select(
            column,
            func.sum(case((done, 1), else_=0)),
            func.sum(case((late, 1), else_=0)),
            func.sum(case((still_open, 1), else_=0)),
        )
        .select_from(
            _TASKS.join(_CASES, c.id == t.case_id)
            .join(opened, and_(opened.c.case_id == t.case_id, opened.c.seq == t.created_seq))
            .outerjoin(closed, and_(closed.c.case_id == t.case_id, closed.c.seq == t.closed_seq))
        )
        .where(own, opened.c.at < end, *_scoped(scope, where))
        .group_by(column)
    )
    return {
        key: (int(a or 0), int(b or 0), int(d or 0))
        for key, a, b, d in uow.session.connection().execute(query)
    }


def event_counts(
    uow: UnitOfWork,
    scope: CaseScope,
    where: CaseFilter,
    group: str,
    types: Sequence[str],
    start: datetime,
    end: datetime,
) -> dict[tuple[str | None, str], int]:
    """How many events of each of ``types`` the cases recorded in [start, end), per value
    of the case column ``group``."""
    if scope.empty:
        return {}
    e, c = _EVENTS.c, _CASES.c
    column = _group_column(group)
    query = (
        select(column, e.type, func.count())
        .select_from(_EVENTS.join(_CASES, c.id == e.case_id))
        .where(e.type.in_(sorted(types)), e.at >= start, e.at < end, *_scoped(scope, where))
        .group_by(column, e.type)
    )
    return {(key, kind): int(n) for key, kind, n in uow.session.connection().execute(query)}


# -- the warnings ------------------------------------------------------------------------


def cases_with_open_deadlines(
    uow: UnitOfWork, red: str, after: int = 0, limit: int = 500
) -> list[int]:
    """The next ``limit`` open cases (id > ``after``) a warning may still concern: with a
    due date and no ``red`` event about the case itself, or with an open task that has a
    due time and no ``red`` event about it. Red is the last warning, so a backlog of
    cases warned in full is not read again at every run."""
    if after >= MAX_ID:
        return []
    c, t, e = _CASES.c, _TASKS.c, _EVENTS.c
    red_for_task = (
        select(e.id).where(e.case_id == t.case_id, e.type == red, e.payload.contains(t.id)).exists()
    )
    red_for_case = (
        select(e.id)
        .where(e.case_id == c.id, e.type == red, ~e.payload.contains('"task_id"'))
        .exists()
    )
    with_task = select(t.case_id).where(
        t.closed_seq.is_(None), t.due_at.is_not(None), t.case_id > after, ~red_for_task
    )
    query = (
        select(c.id)
        .where(
            c.id > after,
            c.status == "open",
            or_(and_(c.due_date.is_not(None), ~red_for_case), c.id.in_(with_task)),
        )
        .order_by(c.id)
        .limit(limit)
    )
    return list(uow.session.scalars(query))


def due_dates(uow: UnitOfWork, case_ids: Sequence[int]) -> dict[int, tuple[date | None, datetime]]:
    """Due date and registration time of the cases."""
    if not case_ids:
        return {}
    c = _CASES.c
    query = select(c.id, c.due_date, c.created_at).where(c.id.in_(sorted(set(case_ids))))
    return {
        row.id: (row.due_date, row.created_at) for row in uow.session.connection().execute(query)
    }
