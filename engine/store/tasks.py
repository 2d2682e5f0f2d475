"""The task index (``ready_tasks``): the open tasks of every case, kept in step with its
snapshot, and the closed ones with the event that closed them; work queues read it."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.types import String

from engine.elements import SEPARATED_STEPS
from engine.records import (
    UNKNOWN_TASK,
    CaseRecord,
    ClosedTask,
    IndexChange,
    OpenState,
    OpenTasks,
    TaskRecord,
)
from engine.records.queue import QueueGroup
from engine.store.rows import CASES, MAX_ID, Repository, among
from engine.store.tables import CaseRow, EventRow, ReadyTaskRow

_TASKS = cast(Table, ReadyTaskRow.__table__)
_CASES = cast(Table, CaseRow.__table__)
_EVENTS = cast(Table, EventRow.__table__)
_INSERT_TASK = insert(_TASKS)
_TASK_BY_ID = select(_TASKS).where(_TASKS.c.id == bindparam("id"))
_TASK_WITH_CASE = (
    select(*_TASKS.columns, *CASES.columns)
    .join_from(_TASKS, CASES, CASES.c.id == _TASKS.c.case_id)
    .where(_TASKS.c.id == bindparam("id"))
)
_SET_TASK = (
    update(_TASKS)
    .where(_TASKS.c.id == bindparam("b_id"))
    .values(claimed_by=bindparam("b_claimed_by"), due_at=bindparam("b_due_at"))
)
_TASK_IDS = select(
    _TASKS.c.id,
    _TASKS.c.claimed_by,
    _TASKS.c.due_at,
    _TASKS.c.process_id,
    _TASKS.c.spec_id,
    _TASKS.c.created_seq,
).where(_TASKS.c.case_id == bindparam("case_id"), _TASKS.c.closed_seq.is_(None))


@functools.cache
def _closing(dialect: str) -> Any:
    """Close the tasks of ``b_ids`` at event ``b_seq`` (``among``)."""
    closing = update(_TASKS).where(among(dialect, _TASKS.c.id, "b_ids"))
    return closing.values(closed_seq=bindparam("b_seq"))


class TaskRepository(Repository):
    def open_states(self, case_id: int) -> OpenTasks:
        """The case's open tasks in the index: task id -> (holder, due time)."""
        found = OpenTasks()
        for row in self.session.connection().execute(_TASK_IDS, {"case_id": case_id}):
            found[row.id] = (row.claimed_by, row.due_at)
            found.keys_of[row.id] = (row.process_id, row.spec_id)
            found.opened_seq[row.id] = row.created_seq
        return found

    def replace(
        self,
        case_id: int,
        tasks: Sequence[TaskRecord],
        seq: int = 0,
        existing: Mapping[str, OpenState] | None = None,
    ) -> IndexChange:
        """Bring the index in line with the case: close tasks that are gone (at event
        ``seq``), add new ones, update claims and due times. ``existing``: the case's
        ``open_states`` as the caller just read them in this transaction (None: read them).
        What changed."""
        connection = self.session.connection()
        if existing is None:
            existing = self.open_states(case_id)
        changed = [
            {"b_id": task.id, "b_claimed_by": task.claimed_by, "b_due_at": task.due_at}
            for task in tasks
            if task.id in existing and existing[task.id] != (task.claimed_by, task.due_at)
        ]
        if changed:
            connection.execute(_SET_TASK, changed)
        wanted = {task.id for task in tasks}
        gone = set(existing) - wanted
        if gone:
            closing = _closing(self.session.dialect)
            connection.execute(closing, {"b_ids": sorted(gone), "b_seq": seq})
        known = existing if isinstance(existing, OpenTasks) else OpenTasks()
        closed = tuple(
            ClosedTask(
                task_id,
                known.keys_of.get(task_id, UNKNOWN_TASK),
                existing[task_id][1],
                known.opened_seq.get(task_id),
            )
            for task_id in sorted(gone)
        )
        new = [task for task in tasks if task.id not in existing]
        opened = frozenset((task.process_id, task.spec_id) for task in new)
        if new:
            connection.execute(
                _INSERT_TASK,
                [
                    {
                        "id": task.id,
                        "case_id": task.case_id,
                        "spec_id": task.spec_id,
                        "name": task.name,
                        "process_id": task.process_id,
                        "lane": task.lane,
                        "org_unit": task.org_unit,
                        "created_seq": task.created_seq,
                        "due_at": task.due_at,
                        "claimed_by": task.claimed_by,
                    }
                    for task in new
                ],
            )
        return IndexChange(closed, opened)

    def open(
        self, case_id: int | None = None, lane: str | None = None, org_unit: str | None = None
    ) -> list[TaskRecord]:
        """Open tasks, filtered by case, role (lane) and org unit."""
        t = _TASKS.c
        query = select(_TASKS).where(t.closed_seq.is_(None))
        if case_id is not None:
            query = query.where(t.case_id == case_id)
        if lane is not None:
            query = query.where(t.lane == lane)
        if org_unit is not None:
            query = query.where(t.org_unit == org_unit)
        return self._records(query.order_by(t.case_id, t.created_seq, t.id))

    def of_case(self, case_id: int) -> list[TaskRecord]:
        """Every task the case has had in the index, open or closed, in creation order."""
        t = _TASKS.c
        return self._records(
            select(_TASKS).where(t.case_id == case_id).order_by(t.created_seq, t.id)
        )

    def completed_by(self, case_id: int) -> list[tuple[str, str, str, Mapping[str, Any]]]:
        """Who completed each task of the case so far: (process id, element id, user, the
        form data submitted), from the task completions in its history (a stand-in's
        completion is the stand-in's own)."""
        t, e = _TASKS.c, _EVENTS.c
        query = (
            select(t.process_id, t.spec_id, e.actor, e.payload)
            .join_from(_EVENTS, _TASKS, e.task_id == t.id)
            .where(e.case_id == case_id, e.type == "task_completed", t.case_id == case_id)
            .order_by(e.seq)
        )
        rows = self.session.connection().execute(query)
        return [(row.process_id, row.spec_id, row.actor, _submitted(row.payload)) for row in rows]

    def get(self, task_id: str) -> TaskRecord | None:
        """One task of the index, open or closed (``closed_seq`` set)."""
        row = self.session.connection().execute(_TASK_BY_ID, {"id": task_id}).mappings().first()
        return TaskRecord(**row) if row is not None else None

    def with_case(self, task_id: str) -> tuple[TaskRecord, CaseRecord] | None:
        """One task of the index, open or closed, and its case row, by one statement."""
        row = self.session.connection().execute(_TASK_WITH_CASE, {"id": task_id}).first()
        if row is None:
            return None
        found = row._mapping
        return (
            TaskRecord(**{c.name: found[c] for c in _TASKS.columns}),
            CaseRecord(**{c.name: found[c] for c in CASES.columns}),
        )

    def queue(
        self,
        places: Sequence[tuple[str, str]],
        holders: Sequence[str],
        offset: int = 0,
        limit: int | None = None,
        user: str | None = None,
    ) -> list[TaskRecord]:
        """Unclaimed tasks of the given (role, org unit) pairs and tasks held by ``holders``,
        earliest due first (tasks without a due date last): ``limit`` of them (None: all)
        from ``offset`` on. ``user``: whose queue it is; the unclaimed tasks separation of
        duties bars it from are left out (``engine.cases.duties``)."""
        where = _queue_filter(places, holders, user is not None)
        if where is None:
            return []
        t = _TASKS.c
        query = (
            select(_TASKS)
            .where(where)
            .order_by(t.due_at.is_(None), t.due_at, t.case_id, t.id)
            .offset(min(offset, MAX_ID))  # a page beyond BIGINT is empty, not a DB error
            .limit(limit)
        )
        return self._records(query, _queue_params(user))

    def queue_rows(
        self,
        places: Sequence[tuple[str, str]],
        holders: Sequence[str],
        *,
        item_code: str | None = None,
        due_before: datetime | None = None,
        order: str = "due",
        offset: int = 0,
        limit: int | None = None,
        user: str | None = None,
        after: Sequence[Any] | None = None,
    ) -> list[tuple[TaskRecord, datetime]]:
        """Like ``queue``, narrowed to one item's cases and to tasks due before an instant,
        in ``order`` (``due``: earliest due first; ``newest``: the latest to become ready
        first; ``item``: by item code, then earliest due), each task with the time it
        became ready (the event that opened it). ``after``: only the tasks that come after
        that sort key (``engine.records.queue.sort_key``; keyset paging, ``offset`` is
        then 0)."""
        # A keyset page's sort key is its own: built for it alone, not kept.
        build = _rows_query if after is None else _rows_query.__wrapped__
        query = build(
            tuple(places),
            tuple(sorted(holders)),
            user is not None,
            item_code is not None,
            due_before is not None,
            order,
            None if after is None else tuple(after),
            min(offset, MAX_ID),
            limit,
        )
        if query is None:
            return []
        params = {**_queue_params(user), "queue_item": item_code, "queue_due": due_before}
        found = []
        for row in self.session.connection().execute(query, params).mappings():
            values = dict(row)
            ready_at = values.pop("ready_at")
            found.append((TaskRecord(**values), ready_at))
        return found

    def queue_groups(
        self,
        places: Sequence[tuple[str, str]],
        holders: Sequence[str],
        now: datetime,
        user: str | None = None,
    ) -> list[QueueGroup]:
        """The whole queue of ``places`` and ``holders`` counted by post, holder, item and
        whether the task's due time is before ``now`` (one row per group)."""
        query = _groups_query(tuple(places), tuple(sorted(holders)), user is not None)
        if query is None:
            return []
        params = {**_queue_params(user), "queue_now": now}
        return [
            QueueGroup(row[0], row[1], row[2], row[3], bool(row[4]), int(row[5]))
            for row in self.session.connection().execute(query, params)
        ]

    def _records(
        self, query: Select[Any], params: Mapping[str, Any] | None = None
    ) -> list[TaskRecord]:
        """The rows of a query of whole task rows, as records (Core: no ORM objects)."""
        rows = self.session.connection().execute(query, params).mappings()
        return [TaskRecord(**row) for row in rows]


# The queue's statements, built once for each caller's posts and holders and kept (the
# values that change from request to request are parameters): SQLAlchemy computes a
# statement's cache key from its whole tree each time a new one runs, which for a queue
# with the separation-of-duties clause in each post cost more than the query.
_QUEUE_STATEMENTS = 512


@functools.lru_cache(maxsize=_QUEUE_STATEMENTS)
def _rows_query(
    places: tuple[tuple[str, str], ...],
    holders: tuple[str, ...],
    barred: bool,
    by_item: bool,
    due: bool,
    order: str,
    after: tuple[Any, ...] | None,
    offset: int,
    limit: int | None,
) -> Select[Any] | None:
    """``TaskRepository.queue_rows``'s statement; its parameters ``queue_user``,
    ``queue_item`` and ``queue_due`` where ``barred``, ``by_item`` and ``due``."""
    where = _queue_filter(places, holders, barred)
    if where is None:
        return None
    t, c, e = _TASKS.c, _CASES.c, _EVENTS.c
    joined = _TASKS.join(_EVENTS, and_(e.case_id == t.case_id, e.seq == t.created_seq))
    if by_item or order == "item":
        joined = joined.join(_CASES, c.id == t.case_id)
    query = select(_TASKS, e.at.label("ready_at")).select_from(joined).where(where)
    if by_item:
        query = query.where(c.item_code == bindparam("queue_item"))
    if due:
        query = query.where(t.due_at.is_not(None), t.due_at < bindparam("queue_due"))
    keys = _sort_keys(order)
    query = query.order_by(*(key.desc() if down else key for key, down in keys))
    if after is not None:
        query = query.where(_after(keys, after))
    return query.offset(offset).limit(limit)


@functools.lru_cache(maxsize=_QUEUE_STATEMENTS)
def _groups_query(
    places: tuple[tuple[str, str], ...], holders: tuple[str, ...], barred: bool
) -> Select[Any] | None:
    """``TaskRepository.queue_groups``'s statement; its parameters ``queue_now`` and,
    where ``barred``, ``queue_user``."""
    where = _queue_filter(places, holders, barred)
    if where is None:
        return None
    t, c = _TASKS.c, _CASES.c
    now = bindparam("queue_now", type_=_TASKS.c.due_at.type)
    late = case((and_(t.due_at.is_not(None), t.due_at < now), 1), else_=0)
    keys = (t.lane, t.org_unit, t.claimed_by, c.item_code, late)
    return (
        select(*keys, func.count().label("n"))
        .select_from(_TASKS.join(_CASES, c.id == t.case_id))
        .where(where)
        .group_by(*keys)
    )


def _sort_keys(order: str) -> list[tuple[ColumnElement[Any], bool]]:
    """The queue's sort keys in ``order`` as (expression, descending): the columns of
    ``engine.records.queue.sort_key``, in its order."""
    t, c, e = _TASKS.c, _CASES.c, _EVENTS.c
    due = [(t.due_at.is_(None), False), (t.due_at, False), (t.case_id, False), (t.id, False)]
    if order == "newest":
        return [(e.at, True), (t.case_id, True), (t.id, False)]
    if order == "item":
        return [(c.item_code.is_(None), False), (c.item_code, False), *due]
    return due


def _after(keys: list[tuple[ColumnElement[Any], bool]], values: Sequence[Any]) -> Any:
    """The rows that sort after ``values`` by ``keys``: the first key beyond its value,
    or equal to it and the second beyond, and so on. A flag key (``x IS NULL``: missing
    due times and items sort last) is beyond False where it holds, beyond True nowhere;
    a key whose value is None (the missing value itself) is passed by equality only."""
    if len(values) != len(keys):
        raise ValueError("a sort key of another order")

    def equal(column: ColumnElement[Any], value: Any) -> ColumnElement[bool]:
        if isinstance(value, bool):  # a flag
            return column if value else not_(column)
        return column.is_(None) if value is None else column == value

    beyond = []
    for i, ((key, down), value) in enumerate(zip(keys, values, strict=True)):
        earlier = zip(keys[:i], values[:i], strict=True)
        same = [equal(column, seen) for (column, _), seen in earlier]
        if isinstance(value, bool):
            if not value:
                beyond.append(and_(*same, key))
        elif value is not None:
            beyond.append(and_(*same, key < value if down else key > value))
    return or_(*beyond)


def _submitted(payload: str) -> Mapping[str, Any]:
    """The form data of a completion event's payload (JSON text)."""
    data = json.loads(payload).get("data")
    return data if isinstance(data, dict) else {}


def _queue_filter(
    places: Sequence[tuple[str, str]], holders: Sequence[str], barred_user: bool = False
) -> ColumnElement[bool] | None:
    """Open tasks unclaimed in one of ``places`` or held by one of ``holders``; with
    ``barred_user``, the unclaimed ones the queue's user (``queue_user``) is barred from
    (separation of duties) left out."""
    barred = [_barred()] if barred_user and SEPARATED_STEPS else []
    unclaimed = [
        and_(
            ReadyTaskRow.lane == lane,
            ReadyTaskRow.org_unit == unit,
            ReadyTaskRow.claimed_by.is_(None),
            *barred,
        )
        for lane, unit in places
    ]
    held = [ReadyTaskRow.claimed_by.in_(sorted(holders))] if holders else []
    if not unclaimed and not held:
        return None
    return and_(or_(*unclaimed, *held), ReadyTaskRow.closed_seq.is_(None))


# The user a queue is read for: a parameter, so that the clause below is built once per
# process (building it costs more than running the query) and its SQL compiled once.
_QUEUE_USER: BindParameter[str] = bindparam("queue_user", type_=String)


def _queue_params(user: str | None) -> dict[str, Any]:
    return {"queue_user": user} if user is not None else {}


@functools.cache
def _barred() -> ColumnElement[bool]:
    """The task is not one the queue's user (``queue_user``) is barred from: no step
    paired with it in ``SEPARATED_STEPS`` was completed by that user in the same case."""
    done = _TASKS.alias("done")
    d, e, t = done.c, _EVENTS.c, _TASKS.c
    pairs = [
        (mine, other)
        for rule in SEPARATED_STEPS
        for mine, other in ((rule.first, rule.second), (rule.second, rule.first))
    ]
    clauses = [
        and_(
            t.process_id == mine.process,
            t.spec_id == mine.task,
            exists()
            .select_from(done.join(_EVENTS, e.task_id == d.id))
            .where(
                d.case_id == t.case_id,
                d.process_id == other.process,
                d.spec_id == other.task,
                e.case_id == t.case_id,
                e.type == "task_completed",
                e.actor == _QUEUE_USER,
            ),
        )
        for mine, other in pairs
    ]
    return not_(or_(*clauses))
