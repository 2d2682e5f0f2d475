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
from dataclasses import fields
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any, cast

from sqlalchemy import Select, Table, and_, case, func, or_, select, text
from sqlalchemy.sql.elements import ColumnElement

from engine.records import (
    CaseFacts,
    CaseFigures,
    CaseFilter,
    CaseScope,
    DayCounts,
    EventFacts,
    LateStep,
    Milestone,
    TaskFacts,
)
from engine.store.rows import (
    CASES,
    MAX_ID,
    Repository,
    among,
    case_conditions,
    changed,
    dialect_of,
    insert_of,
    update_of,
)
from engine.store.tables import (
    CaseFigureRow,
    EventRow,
    FigureDayRow,
    LateStepRow,
    ReadyTaskRow,
)

_TASKS = cast(Table, ReadyTaskRow.__table__)
_EVENTS = cast(Table, EventRow.__table__)
_FIGURES = cast(Table, CaseFigureRow.__table__)
_FIGURE_COLUMNS = [spec.name for spec in fields(CaseFigures)]
_DAYS = cast(Table, FigureDayRow.__table__)
_DAY_COUNTS = ("steps_done", "steps_late", "yellow_warnings", "red_warnings")
_LATE = cast(Table, LateStepRow.__table__)
COUNTS_LOCK = 7172502  # pg_advisory_xact_lock key of ``lock_counts``
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


# A case row without its snapshot, as ``CaseFacts``.
_FACT_COLUMNS = [
    CASES.c[name]
    for name in (
        "id",
        "item_code",
        "org_unit",
        "village",
        "department",
        "status",
        "created_at",
        "closed_at",
        "due_date",
        "limit_met_at",
    )
]


def _steps_of(processes: Sequence[str], tasks: Sequence[tuple[str, str]]) -> ColumnElement[bool]:
    """The tasks of the index that are steps of the phases: those of ``processes`` and the
    ``tasks`` (process, spec) pairs."""
    t = _TASKS.c
    return or_(
        t.process_id.in_(sorted(processes)),
        *(and_(t.process_id == p, t.spec_id == s) for p, s in tasks),
    )


def _group_column(group: str) -> Any:
    if group not in GROUP_COLUMNS:
        raise ValueError(f"unknown grouping column {group!r}")
    return CASES.c[group]


def _grouped(table: Table, scope: CaseScope, where: CaseFilter) -> list[ColumnElement[bool]]:
    """The conditions choosing the rows of ``table`` (with the case columns of
    ``GROUP_COLUMNS``) of the townships and villages of ``scope`` that ``where`` keeps by
    township, village, item and department."""
    t = table.c
    conditions: list[ColumnElement[bool]] = []
    if not scope.everything:
        conditions.append(
            or_(t.village.in_(sorted(scope.villages)), t.org_unit.in_(sorted(scope.townships)))
        )
    for name, value in (
        ("item_code", where.item_code),
        ("org_unit", where.township),
        ("village", where.village),
        ("department", where.department),
    ):
        if value is not None:
            conditions.append(t[name] == value)
    return conditions


# Statements a change runs (``engine.stats.facts``), built once per dialect and kept:
# building one and computing its cache key cost more than running it.
@cache
def _figures_query(dialect: str) -> Select[Any]:
    """The kept rows of the cases of ``ids``."""
    return select(_FIGURES).where(among(dialect, _FIGURES.c.case_id, "ids"))


@lru_cache(maxsize=64)
def _events_query(dialect: str, types: tuple[str, ...], message: str | None) -> Select[Any]:
    """The events of ``types`` of the cases of ``ids`` (deliveries of ``message`` only
    when given), in order."""
    e = _EVENTS.c
    query = (
        select(e.case_id, e.seq, e.type, e.at, e.payload)
        .where(among(dialect, e.case_id, "ids"), e.type.in_(types))
        .order_by(e.case_id, e.seq)
    )
    return query if message is None else query.where(e.message_name == message)


class FigureRepository(Repository):
    def _among(self, column: Any, case_ids: Sequence[int]) -> ColumnElement[bool]:
        """``column`` is one of ``case_ids`` (``among``)."""
        return among(dialect_of(self.session), column, None, sorted(set(case_ids)))

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
            select(*_FACT_COLUMNS)
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
        query = _events_query(dialect_of(self.session), tuple(sorted(set(types))), message)
        params = {"ids": sorted(set(case_ids))}
        return [
            EventFacts(row.case_id, row.seq, row.type, row.at, json.loads(row.payload))
            for row in self.session.connection().execute(query, params)
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
        own = _steps_of(processes, tasks)
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

    # -- what each case contributes (``case_figures``) ---------------------------------------
    def case_rows(self, case_ids: Sequence[int]) -> list[CaseFacts]:
        """The rows of the cases (without snapshots), in id order."""
        if not case_ids:
            return []
        c = CASES.c
        query = select(*_FACT_COLUMNS).where(self._among(c.id, case_ids)).order_by(c.id)
        return [CaseFacts(**row) for row in self.session.connection().execute(query).mappings()]

    def save_case_figures(self, rows: Sequence[CaseFigures]) -> None:
        """Write what the cases contribute, replacing what was kept for them."""
        if not rows:
            return
        self.session.connection().execute(
            _replacing_figures(dialect_of(self.session)),
            [{name: getattr(row, name) for name in _FIGURE_COLUMNS} for row in rows],
        )

    def update_case_figures(self, row: CaseFigures, kept: CaseFigures) -> None:
        """Write what a case contributes over what was kept for it: the columns that
        differ (``update_of``)."""
        columns = changed(row, kept, _FIGURE_COLUMNS[1:])
        if columns:
            params: dict[str, Any] = {f"v_{name}": getattr(row, name) for name in columns}
            params["b_case_id"] = row.case_id
            self.session.connection().execute(update_of(_FIGURES, ("case_id",), columns), params)

    def case_figures_of(self, case_ids: Sequence[int]) -> dict[int, CaseFigures]:
        """What was kept for the cases (by case id; a case without a row is left out)."""
        if not case_ids:
            return {}
        query = _figures_query(dialect_of(self.session))
        rows = self.session.connection().execute(query, {"ids": sorted(set(case_ids))})
        return {row["case_id"]: CaseFigures(**row) for row in rows.mappings()}

    def cases_without_figures(
        self, after: int = 0, limit: int = 1000, last: int | None = None
    ) -> list[int]:
        """The next ``limit`` cases (id > ``after``, at most ``last``) with no
        ``case_figures`` row."""
        c, f = CASES.c, _FIGURES.c
        query = (
            select(c.id)
            .select_from(CASES.outerjoin(_FIGURES, f.case_id == c.id))
            .where(c.id > after, f.case_id.is_(None))
            .order_by(c.id)
            .limit(limit)
        )
        if last is not None:
            query = query.where(c.id <= last)
        return list(self.session.scalars(query))

    def figure_sums(
        self,
        scope: CaseScope,
        where: CaseFilter,
        group: str,
        start: datetime,
        end: datetime,
        as_of: datetime,
        levels: Sequence[str],
        satisfied: Sequence[str],
        bad: Sequence[str],
        *,
        grouped: bool = False,
    ) -> dict[str | None, dict[str, int]]:
        """Per value of the case column ``group``: the case-level counts of the period
        [start, end) (``Figures``' names; ``overdue_open`` and the rectifications at
        ``as_of``; the ratings of each of ``levels`` as ``level:<level>``), summed by the
        database over the ``case_figures`` of the cases alive in the period. A rating
        counts if its level is one of ``levels``; ``satisfied`` and ``bad`` ones apart.

        ``grouped``: the scope and filter choose cases by township, village, item and
        department only (``engine.stats.facts.rolled_up``), so the rows' own copies of
        those columns and of the cases' lifetimes serve, and ``cases`` is not read."""
        if scope.empty:
            return {}
        f = _FIGURES.c
        c = _FIGURES.c if grouped else CASES.c
        column = c[_group_column(group).key]

        def within(at: Any) -> ColumnElement[bool]:
            return and_(at >= start, at < end)

        def count(condition: ColumnElement[bool]) -> Any:
            return func.count().filter(condition)

        def total(condition: ColumnElement[bool], value: Any) -> Any:
            return func.sum(value).filter(condition)

        registered = within(c.created_at)
        accepted = within(f.accepted_at)
        concluded = within(f.concluded_at)
        completed = within(f.completed_at)
        dated = and_(completed, f.completed_vs_due.is_not(None))
        handled = and_(completed, f.handling_days.is_not(None))
        handed = within(f.handed_at)
        overdue_open = and_(
            f.due_end.is_not(None),
            f.started_at < as_of,
            f.due_end <= as_of,
            or_(f.completed_at.is_(None), f.completed_at >= as_of),
            or_(c.closed_at.is_(None), c.closed_at >= as_of),
        )
        sums = {
            "registered": count(registered),
            "proxy_cases": count(and_(registered, f.proxy)),
            "accepted": count(accepted),
            "on_the_spot": count(and_(accepted, f.on_the_spot)),
            "returned": count(and_(accepted, f.returned)),
            "intake_concluded": count(concluded),
            "supplemented": count(and_(concluded, f.supplemented)),
            "first_time_right": count(and_(concluded, f.first_time_right)),
            "completed": count(completed),
            "completed_with_due_date": count(dated),
            "on_time": count(and_(dated, f.completed_vs_due <= 0)),
            "early": count(and_(dated, f.completed_vs_due < 0)),
            "overdue_completed": count(and_(dated, f.completed_vs_due > 0)),
            "handling_cases": count(handled),
            "handling_days": total(handled, f.handling_days),
            "overdue_open": count(overdue_open),
            "handed_over": count(handed),
            "village_holding_days": total(handed, f.holding_days),
            "handover_on_time": count(and_(handed, f.handover_on_time)),
        }
        rated = within(f.rated_at)
        genuine = and_(rated, f.rating_kind == "link", f.rating_level.in_(list(levels)))
        worse = and_(genuine, f.rating_level.in_(list(bad)))
        fixed = and_(worse, f.rectified_at < as_of)
        sums |= {
            "entered_ratings": count(and_(rated, f.rating_kind == "entered")),
            "appeal_upheld_ratings": count(and_(rated, f.rating_kind == "upheld")),
            "ratings": count(genuine),
            "satisfied": count(and_(genuine, f.rating_level.in_(list(satisfied)))),
            "bad_ratings": count(worse),
            "rectified": count(fixed),
            "rectified_on_time": count(and_(fixed, f.rectified_at < f.rectify_due_at)),
            **{f"level:{level}": count(and_(genuine, f.rating_level == level)) for level in levels},
        }
        query = select(column, *(value.label(name) for name, value in sums.items()))
        if grouped:
            living = and_(c.created_at < end, or_(c.closed_at.is_(None), c.closed_at >= start))
            query = query.where(living, *_grouped(_FIGURES, scope, where))
        else:
            query = query.select_from(CASES.outerjoin(_FIGURES, f.case_id == CASES.c.id)).where(
                alive(start, end), *case_conditions(scope, where)
            )
        found: dict[str | None, dict[str, int]] = {}
        for row in self.session.connection().execute(query.group_by(column)).mappings():
            values = dict(row)
            key = values.pop(group)
            found[key] = {name: int(value or 0) for name, value in values.items()}
        return found

    def ratings_in(
        self,
        scope: CaseScope,
        where: CaseFilter,
        group: str,
        start: datetime,
        end: datetime,
        message: str,
    ) -> list[tuple[str | None, EventFacts]]:
        """The deliveries of the message ``message`` (the ratings) recorded in [start, end)
        by the cases of the scope rated more than once (``case_figures.several_ratings``;
        the others' are summed by ``figure_sums``), each with the case's value of the
        column ``group``."""
        if scope.empty:
            return []
        e, c = _EVENTS.c, CASES.c
        column = _group_column(group)
        f = _FIGURES.c
        query = (
            select(column.label("group_value"), e.case_id, e.seq, e.type, e.at, e.payload)
            .select_from(_EVENTS.join(CASES, c.id == e.case_id).join(_FIGURES, f.case_id == c.id))
            .where(
                f.several_ratings,
                e.type == "message_received",
                e.message_name == message,
                e.at >= start,
                e.at < end,
                alive(start, end),
                *case_conditions(scope, where),
            )
            .order_by(e.case_id, e.seq)
        )
        return [
            (
                row.group_value,
                EventFacts(row.case_id, row.seq, row.type, row.at, json.loads(row.payload)),
            )
            for row in self.session.connection().execute(query)
        ]

    # -- the day counts (``figure_days``) and the late steps ---------------------------------
    def add_day_counts(self, counts: Sequence[DayCounts]) -> None:
        """Add to the day counts of the groups (a group's row is made on its first count),
        in the order of their keys, so that two transactions never wait on each other's
        rows in opposite orders."""
        merged: dict[tuple[Any, ...], list[int]] = {}
        for count in counts:
            key = (
                count.day,
                count.org_unit or "",
                count.village or "",
                count.item_code or "",
                count.department or "",
            )
            values = merged.setdefault(key, [0, 0, 0, 0])
            for i, name in enumerate(_DAY_COUNTS):
                values[i] += getattr(count, name)
        if not merged:
            return
        names = ("day", *_DAY_GROUPS, *_DAY_COUNTS)
        self.session.connection().execute(
            _adding_days(dialect_of(self.session)),
            [dict(zip(names, (*key, *merged[key]), strict=True)) for key in sorted(merged)],
        )

    def add_late_steps(self, steps: Sequence[LateStep]) -> None:
        """Record steps that were open past their due time (a step already recorded is
        left as it is: a step closes once)."""
        if not steps:
            return
        self.session.connection().execute(
            _adding_late(dialect_of(self.session)),
            [
                {
                    "task_id": step.task_id,
                    "case_id": step.case_id,
                    "overdue_from": step.overdue_from,
                    "overdue_to": step.overdue_to,
                }
                for step in steps
            ],
        )

    def event_times(self, case_id: int, seqs: Iterable[int]) -> dict[int, datetime]:
        """When the case's events of these seqs were recorded."""
        wanted = sorted(set(seqs))
        if not wanted:
            return {}
        e = _EVENTS.c
        query = select(e.seq, e.at).where(e.case_id == case_id, e.seq.in_(wanted))
        return {row.seq: row.at for row in self.session.connection().execute(query)}

    def without_jit(self, parallel: bool = True) -> None:
        """PostgreSQL: no JIT compiling for the rest of the transaction (the figures'
        sums cost enough for the planner to compile them, 100–150 ms at a million cases,
        which their run never pays back), and without ``parallel`` no parallel workers
        (starting them costs more than the few hundred rows of a small count)."""
        if dialect_of(self.session) == "postgresql":
            self.session.connection().execute(text("SET LOCAL jit = off"))
            if not parallel:
                self.session.connection().execute(
                    text("SET LOCAL max_parallel_workers_per_gather = 0")
                )

    def lock_counts(self) -> None:
        """Fill alone (PostgreSQL: a transaction-scoped advisory lock; SQLite writes one
        at a time): two processes starting at once never count a case twice."""
        if dialect_of(self.session) == "postgresql":
            self.session.connection().execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": COUNTS_LOCK}
            )

    def clear_counts(self) -> None:
        """Forget every kept contribution, day count and late step (before a rebuild)."""
        connection = self.session.connection()
        for table in (_DAYS, _LATE, _FIGURES):
            connection.execute(table.delete())

    def day_sums(
        self, scope: CaseScope, where: CaseFilter, group: str, first: date, last: date
    ) -> dict[str | None, dict[str, int]]:
        """Per value of the case column ``group``: the day counts of the days ``first`` to
        ``last`` of the groups of ``scope`` (its townships and villages) kept by ``where``."""
        d = _DAYS.c
        column = d[_group_column(group).key]
        query = (
            select(column, *(func.sum(d[name]).label(name) for name in _DAY_COUNTS))
            .where(d.day >= first, d.day <= last, *_grouped(_DAYS, scope, where))
            .group_by(column)
        )
        found: dict[str | None, dict[str, int]] = {}
        for row in self.session.connection().execute(query).mappings():
            values = dict(row)
            key = values.pop(column.key) or None
            found[key] = {name: int(value or 0) for name, value in values.items()}
        return found

    def open_steps_overdue(
        self,
        scope: CaseScope,
        where: CaseFilter,
        group: str,
        as_of: datetime,
        processes: Sequence[str],
        tasks: Sequence[tuple[str, str]],
    ) -> dict[str | None, int]:
        """Per value of the case column ``group``: the steps of the phases open now that
        were open at ``as_of`` past their due time."""
        if scope.empty:
            return {}
        t, c = _TASKS.c, CASES.c
        opened = _EVENTS.alias("opened")
        column = _group_column(group)
        own = _steps_of(processes, tasks)
        query = (
            select(column, func.count())
            .select_from(
                _TASKS.join(CASES, c.id == t.case_id).join(
                    opened, and_(opened.c.case_id == t.case_id, opened.c.seq == t.created_seq)
                )
            )
            .where(
                t.closed_seq.is_(None),
                t.due_at <= as_of,
                opened.c.at < as_of,
                own,
                *case_conditions(scope, where),
            )
            .group_by(column)
        )
        return {key: int(n) for key, n in self.session.connection().execute(query)}

    def late_steps_on(
        self, scope: CaseScope, where: CaseFilter, group: str, day: date
    ) -> dict[str | None, int]:
        """Per value of the case column ``group``: the steps closed since that were open
        past their due time at the end of ``day``."""
        if scope.empty:
            return {}
        s, c = _LATE.c, CASES.c
        column = _group_column(group)
        query = (
            select(column, func.count())
            .select_from(_LATE.join(CASES, c.id == s.case_id))
            .where(s.overdue_to >= day, s.overdue_from <= day, *case_conditions(scope, where))
            .group_by(column)
        )
        return {key: int(n) for key, n in self.session.connection().execute(query)}

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


# The upserts, built once per dialect (building one costs more than running it).
_DAY_GROUPS = ("org_unit", "village", "item_code", "department")


@cache
def _replacing_figures(dialect: str) -> Any:
    statement = insert_of(dialect, _FIGURES)
    return statement.on_conflict_do_update(
        index_elements=["case_id"],
        set_={name: statement.excluded[name] for name in _FIGURE_COLUMNS[1:]},
    )


@cache
def _adding_days(dialect: str) -> Any:
    statement = insert_of(dialect, _DAYS)
    return statement.on_conflict_do_update(
        index_elements=["day", *_DAY_GROUPS],
        set_={name: _DAYS.c[name] + statement.excluded[name] for name in _DAY_COUNTS},
    )


@cache
def _adding_late(dialect: str) -> Any:
    return insert_of(dialect, _LATE).on_conflict_do_nothing(index_elements=["task_id"])
