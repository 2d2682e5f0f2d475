"""The task index (``ready_tasks``): the open tasks of every case, kept in step with its
snapshot, and the closed ones with the event that closed them; work queues read it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, func, insert, or_, select, update

from engine.records import TaskRecord
from engine.store.rows import MAX_ID, Repository
from engine.store.tables import ReadyTaskRow

_TASKS = cast(Table, ReadyTaskRow.__table__)
_INSERT_TASK = insert(_TASKS)
_TASK_BY_ID = select(_TASKS).where(_TASKS.c.id == bindparam("id"))
_TASK_IDS = select(_TASKS.c.id, _TASKS.c.claimed_by, _TASKS.c.due_at).where(
    _TASKS.c.case_id == bindparam("case_id"), _TASKS.c.closed_seq.is_(None)
)


class TaskRepository(Repository):
    def replace(self, case_id: int, tasks: Sequence[TaskRecord], seq: int = 0) -> None:
        """Bring the index in line with the case: close tasks that are gone (at event
        ``seq``), add new ones, update claims and due times."""
        connection = self.session.connection()
        existing = {
            row.id: (row.claimed_by, row.due_at)
            for row in connection.execute(_TASK_IDS, {"case_id": case_id})
        }
        for task in tasks:
            if task.id in existing and existing[task.id] != (task.claimed_by, task.due_at):
                connection.execute(
                    update(ReadyTaskRow)
                    .where(ReadyTaskRow.id == task.id)
                    .values(claimed_by=task.claimed_by, due_at=task.due_at)
                )
        wanted = {task.id for task in tasks}
        gone = set(existing) - wanted
        if gone:
            connection.execute(
                update(ReadyTaskRow).where(ReadyTaskRow.id.in_(sorted(gone))).values(closed_seq=seq)
            )
        new = [task for task in tasks if task.id not in existing]
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

    def open(
        self, case_id: int | None = None, lane: str | None = None, org_unit: str | None = None
    ) -> list[TaskRecord]:
        """Open tasks, filtered by case, role (lane) and org unit."""
        query = select(ReadyTaskRow).order_by(
            ReadyTaskRow.case_id, ReadyTaskRow.created_seq, ReadyTaskRow.id
        )
        query = query.where(ReadyTaskRow.closed_seq.is_(None))
        if case_id is not None:
            query = query.where(ReadyTaskRow.case_id == case_id)
        if lane is not None:
            query = query.where(ReadyTaskRow.lane == lane)
        if org_unit is not None:
            query = query.where(ReadyTaskRow.org_unit == org_unit)
        return [_task(row) for row in self.session.scalars(query)]

    def of_case(self, case_id: int) -> list[TaskRecord]:
        """Every task the case has had in the index, open or closed, in creation order."""
        query = (
            select(ReadyTaskRow)
            .where(ReadyTaskRow.case_id == case_id)
            .order_by(ReadyTaskRow.created_seq, ReadyTaskRow.id)
        )
        return [_task(row) for row in self.session.scalars(query)]

    def get(self, task_id: str) -> TaskRecord | None:
        """One task of the index, open or closed (``closed_seq`` set)."""
        row = self.session.connection().execute(_TASK_BY_ID, {"id": task_id}).mappings().first()
        return TaskRecord(**row) if row is not None else None

    def queue(
        self,
        places: Sequence[tuple[str, str]],
        holders: Sequence[str],
        offset: int = 0,
        limit: int | None = None,
    ) -> list[TaskRecord]:
        """Unclaimed tasks of the given (role, org unit) pairs and tasks held by ``holders``,
        earliest due first (tasks without a due date last): ``limit`` of them (None: all)
        from ``offset`` on."""
        where = _queue_filter(places, holders)
        if where is None:
            return []
        query = (
            select(ReadyTaskRow)
            .where(where)
            .order_by(
                ReadyTaskRow.due_at.is_(None),
                ReadyTaskRow.due_at,
                ReadyTaskRow.case_id,
                ReadyTaskRow.id,
            )
            .offset(min(offset, MAX_ID))  # a page beyond BIGINT is empty, not a DB error
            .limit(limit)
        )
        return [_task(row) for row in self.session.scalars(query)]

    def queue_count(self, places: Sequence[tuple[str, str]], holders: Sequence[str]) -> int:
        """How many tasks ``queue`` has for the same places and holders, all pages."""
        where = _queue_filter(places, holders)
        if where is None:
            return 0
        query = select(func.count()).select_from(ReadyTaskRow).where(where)
        return int(self.session.scalar(query) or 0)


def _queue_filter(
    places: Sequence[tuple[str, str]], holders: Sequence[str]
) -> ColumnElement[bool] | None:
    """Open tasks unclaimed in one of ``places`` or held by one of ``holders``."""
    unclaimed = [
        and_(
            ReadyTaskRow.lane == lane,
            ReadyTaskRow.org_unit == unit,
            ReadyTaskRow.claimed_by.is_(None),
        )
        for lane, unit in places
    ]
    held = [ReadyTaskRow.claimed_by.in_(sorted(holders))] if holders else []
    if not unclaimed and not held:
        return None
    return and_(or_(*unclaimed, *held), ReadyTaskRow.closed_seq.is_(None))


def _task(row: ReadyTaskRow) -> TaskRecord:
    return TaskRecord(
        id=row.id,
        case_id=row.case_id,
        spec_id=row.spec_id,
        name=row.name,
        process_id=row.process_id,
        lane=row.lane,
        org_unit=row.org_unit,
        created_seq=row.created_seq,
        due_at=row.due_at,
        claimed_by=row.claimed_by,
        closed_seq=row.closed_seq,
    )
