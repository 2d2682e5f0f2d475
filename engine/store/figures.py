"""Queries behind the supervision figures (效能监督) and the yellow/red warnings.

Read-only, streamed in batches of cases (keyset on the case id), the same on SQLite and
PostgreSQL. The case snapshot is never read: the facts come from the case rows, the task
index (open and closed tasks, with the events that opened and closed them) and events,
selected by the events' structured columns (``engine.store.events``), never by the text
of their payloads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Integer, Table, and_, any_, bindparam, case, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

from engine.records import CaseFacts, CaseFilter, CaseScope, EventFacts, Milestone, TaskFacts
from engine.store.rows import CASES, MAX_ID, Repository, case_conditions
from engine.store.tables import EventRow, ReadyTaskRow

_TASKS = cast(Table, ReadyTaskRow.__table__)
_EVENTS = cast(Table, EventRow.__table__)
# The columns a grouping reads from a case row.
GROUP_COLUMNS = ("org_unit", "village", "item_code", "department")


def _finished(task: Any, closing: Any) -> ColumnElement[bool]:
    """Whether the event ``closing`` finished the task: its own completion, or a message
    or timer ending it (a callback, a deadline). A task ended by the case's cancellation
    or by another task's completion (a return, a refusal ending the process) was not done.
    """
    return or_(
        closing.c.type.in_(("message_received", "timers_fired")),
        and_(closing.c.type == "task_completed", closing.c.task_id == task.c.id),
    )


def alive(start: datetime, end: datetime) -> ColumnElement[bool]:
    """The cases that existed at some time in [start, end): registered before ``end``, not
    closed before ``start``. Every event of a case lies between its registration and its
    closing, so this bounds any count of the period's events and tasks to the period's
    cases (the indexes on ``created_at`` and ``closed_at``, migrations 0022–0023, serve it)."""
    c = CASES.c
    return and_(c.created_at < end, or_(c.closed_at.is_(None), c.closed_at >= start))


def _group_column(group: str) -> Any:
    if group not in GROUP_COLUMNS:
        raise ValueError(f"unknown grouping column {group!r}")
    return CASES.c[group]


class FigureRepository(Repository):
    def _among(self, column: Any, case_ids: Sequence[int]) -> ColumnElement[bool]:
        """``column`` is one of ``case_ids``: on PostgreSQL one array parameter (``=
        ANY``), not a thousand bound values to render and parse per statement."""
        ids = sorted(set(case_ids))
        if self.session.get_bind().dialect.name == "postgresql":
            return cast(ColumnElement[bool], column == any_(bindparam(None, ids, ARRAY(Integer))))
        return cast(ColumnElement[bool], column.in_(ids))

    # -- the figures -----------------------------------------------------------------------
    def cases_alive(
        self,
        scope: CaseScope,
        where: CaseFilter,
        start: datetime,
        end: datetime,
        after: int = 0,
        limit: int = 1000,
        *,
        bounded: bool = True,
    ) -> list[CaseFacts]:
        """The next ``limit`` cases (id > ``after``) of the scope that existed at some time
        in [start, end) (``alive``; every case of the scope when not ``bounded``, the full
        recomputation)."""
        if scope.empty or after >= MAX_ID:
            return []
        c = CASES.c
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
                c.limit_met_at,
            )
            .where(c.id > after, *case_conditions(scope, where))
            .order_by(c.id)
            .limit(limit)
        )
        if bounded:
            query = query.where(alive(start, end))
        rows = self.session.connection().execute(query).mappings()
        return [CaseFacts(**row) for row in rows]

    def milestones(
        self, case_ids: Sequence[int], wanted: Sequence[Milestone]
    ) -> dict[int, dict[str, Any]]:
        """The ``wanted`` facts of each case (by case id; a case without any of the tasks
        is left out): one aggregate row per case, computed by the database."""
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
            if milestone.decisions:
                condition = and_(
                    condition, closed.c.intake_decision.in_(sorted(milestone.decisions))
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
            .where(self._among(t.case_id, case_ids), t.spec_id.in_(specs))
            .group_by(t.case_id)
        )
        found: dict[int, dict[str, Any]] = {}
        for row in self.session.connection().execute(query).mappings():
            values = dict(row)
            found[values.pop("case_id")] = values
        return found

    def tasks_of(
        self,
        case_ids: Sequence[int],
        spec_ids: Iterable[str] | None = None,
        open_only: bool = False,
    ) -> list[TaskFacts]:
        """Tasks of the cases (only those of ``spec_ids`` when given), open and closed,
        each with its ready and closing times."""
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
                ).outerjoin(
                    closed, and_(closed.c.case_id == t.case_id, closed.c.seq == t.closed_seq)
                )
            )
            .where(self._among(t.case_id, case_ids))
            .order_by(t.case_id, t.created_seq, t.id)
        )
        if spec_ids is not None:
            query = query.where(t.spec_id.in_(sorted(set(spec_ids))))
        if open_only:
            query = query.where(t.closed_seq.is_(None))
        found = []
        for row in self.session.connection().execute(query).mappings():
            values = dict(row)
            values["finished"] = bool(values["finished"])
            found.append(TaskFacts(**values))
        return found

    def events_of(
        self,
        case_ids: Sequence[int],
        types: Iterable[str],
        message: str | None = None,
    ) -> list[EventFacts]:
        """Events of the given types of the cases (only deliveries of the message named
        ``message`` when given), in order."""
        if not case_ids:
            return []
        e = _EVENTS.c
        query = (
            select(e.case_id, e.seq, e.type, e.at, e.payload)
            .where(self._among(e.case_id, case_ids), e.type.in_(sorted(set(types))))
            .order_by(e.case_id, e.seq)
        )
        if message is not None:
            query = query.where(e.message_name == message)
        return [
            EventFacts(row.case_id, row.seq, row.type, row.at, json.loads(row.payload))
            for row in self.session.connection().execute(query)
        ]

    def step_overdue_counts(
        self,
        scope: CaseScope,
        where: CaseFilter,
        group: str,
        start: datetime,
        end: datetime,
        as_of: datetime,
        processes: Sequence[str],
        tasks: Sequence[tuple[str, str]],
        *,
        bounded: bool = True,
    ) -> dict[str | None, tuple[int, int, int]]:
        """Per value of the case column ``group``: the steps of the phases (tasks of
        ``processes`` or the ``tasks`` (process, spec) pairs) done in [start, end), those of
        them done at or after their due time, and those still open at ``as_of`` past it.

        Only the tasks of the cases alive in the period are read (``bounded``): a step done
        in the period closed there, one open at ``as_of`` (counted when ``as_of`` is after
        ``start``, at most ``end``) was open just before it. ``bounded=False`` reads every
        task opened before ``end``: the full recomputation the tests compare with."""
        if scope.empty:
            return {}
        t, c = _TASKS.c, CASES.c
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
                _TASKS.join(CASES, c.id == t.case_id)
                .join(opened, and_(opened.c.case_id == t.case_id, opened.c.seq == t.created_seq))
                .outerjoin(
                    closed, and_(closed.c.case_id == t.case_id, closed.c.seq == t.closed_seq)
                )
            )
            .where(own, opened.c.at < end, *case_conditions(scope, where))
            .group_by(column)
        )
        if bounded:
            query = query.where(alive(start, end))
        return {
            key: (int(a or 0), int(b or 0), int(d or 0))
            for key, a, b, d in self.session.connection().execute(query)
        }

    def event_counts(
        self,
        scope: CaseScope,
        where: CaseFilter,
        group: str,
        types: Sequence[str],
        start: datetime,
        end: datetime,
    ) -> dict[tuple[str | None, str], int]:
        """How many events of each of ``types`` the cases recorded in [start, end), per
        value of the case column ``group`` (the index on (type, at) reads only those)."""
        if scope.empty:
            return {}
        e, c = _EVENTS.c, CASES.c
        column = _group_column(group)
        query = (
            select(column, e.type, func.count())
            .select_from(_EVENTS.join(CASES, c.id == e.case_id))
            .where(
                e.type.in_(sorted(types)), e.at >= start, e.at < end, *case_conditions(scope, where)
            )
            .group_by(column, e.type)
        )
        rows = self.session.connection().execute(query)
        return {(key, kind): int(n) for key, kind, n in rows}

    # -- the warnings ----------------------------------------------------------------------
    def cases_with_open_deadlines(self, red: str, after: int = 0, limit: int = 500) -> list[int]:
        """The next ``limit`` open cases (id > ``after``) a warning may still concern: with
        a due date, its limit not met and no ``red`` event about the case itself, or with an
        open task that has a due time and no ``red`` event about it. Red is the last warning, so a backlog of
        cases warned in full is not read again at every run."""
        if after >= MAX_ID:
            return []
        c, t, e = CASES.c, _TASKS.c, _EVENTS.c
        red_for_task = (
            select(e.id).where(e.case_id == t.case_id, e.type == red, e.task_id == t.id).exists()
        )
        red_for_case = (
            select(e.id).where(e.case_id == c.id, e.type == red, e.task_id.is_(None)).exists()
        )
        with_task = select(t.case_id).where(
            t.closed_seq.is_(None), t.due_at.is_not(None), t.case_id > after, ~red_for_task
        )
        query = (
            select(c.id)
            .where(
                c.id > after,
                c.status == "open",
                or_(
                    and_(c.due_date.is_not(None), c.limit_met_at.is_(None), ~red_for_case),
                    c.id.in_(with_task),
                ),
            )
            .order_by(c.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def due_dates(
        self, case_ids: Sequence[int]
    ) -> dict[int, tuple[date | None, datetime, datetime | None]]:
        """Due date, registration time and when the limit was met (or None) of the cases."""
        if not case_ids:
            return {}
        c = CASES.c
        query = select(c.id, c.due_date, c.created_at, c.limit_met_at).where(
            c.id.in_(sorted(set(case_ids)))
        )
        rows = self.session.connection().execute(query)
        return {row.id: (row.due_date, row.created_at, row.limit_met_at) for row in rows}
