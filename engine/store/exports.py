"""Batched reads behind the process-mining exports (part of the unit of work).

An export walks the cases of a scope in id order (keyset, ``after`` the last id read);
for each batch it reads the case rows (without their snapshots), then the events and the
task index of exactly those cases, in one query each, whatever the batch size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.records import CaseScope, EventRecord, TaskRecord
from engine.store.rows import event_record, scope_condition
from engine.store.tables import CaseRow, EventRow, ReadyTaskRow

_CASES = cast(Table, CaseRow.__table__)
_EVENTS = cast(Table, EventRow.__table__)
_TASKS = cast(Table, ReadyTaskRow.__table__)
_MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class ExportFilter:
    """Which cases an export holds (all optional, combined with AND)."""

    registered_from: datetime | None = None  # registered at or after
    registered_to: datetime | None = None  # registered before
    item_code: str | None = None
    township: str | None = None
    village: str | None = None


@dataclass(frozen=True)
class ExportCase:
    """A case row without its snapshot."""

    id: int
    uid: str
    case_number: str | None
    process_id: str
    item_code: str | None
    org_unit: str | None  # the township
    village: str | None
    department: str | None
    registered_unit: str | None
    status: str
    due_date: date | None
    created_at: datetime
    closed_at: datetime | None
    last_seq: int


_CASE_COLUMNS = (
    _CASES.c.id,
    _CASES.c.uid,
    _CASES.c.case_number,
    _CASES.c.process_id,
    _CASES.c.item_code,
    _CASES.c.org_unit,
    _CASES.c.village,
    _CASES.c.department,
    _CASES.c.registered_unit,
    _CASES.c.status,
    _CASES.c.due_date,
    _CASES.c.created_at,
    _CASES.c.closed_at,
    _CASES.c.last_seq,
)


def _conditions(scope: CaseScope, where: ExportFilter) -> list[ColumnElement[bool]]:
    c = _CASES.c
    conditions: list[ColumnElement[bool]] = []
    scoped = scope_condition(scope)
    if scoped is not None:
        conditions.append(scoped)
    for column, value in (
        (c.item_code, where.item_code),
        (c.org_unit, where.township),
        (c.village, where.village),
    ):
        if value is not None:
            conditions.append(column == value)
    if where.registered_from is not None:
        conditions.append(c.created_at >= where.registered_from)
    if where.registered_to is not None:
        conditions.append(c.created_at < where.registered_to)
    return conditions


class ExportsMixin:
    session: Session

    def export_cases(
        self, scope: CaseScope, where: ExportFilter, after: int = 0, limit: int = 500
    ) -> list[ExportCase]:
        """The next ``limit`` cases of ``scope`` matching ``where`` with ids above ``after``,
        in id order (none for an empty scope)."""
        if scope.empty or after >= _MAX_ID:
            return []
        query = (
            select(*_CASE_COLUMNS)
            .where(_CASES.c.id > after, *_conditions(scope, where))
            .order_by(_CASES.c.id)
            .limit(limit)
        )
        rows = self.session.connection().execute(query).mappings()
        return [ExportCase(**row) for row in rows]

    def export_events(self, case_ids: Sequence[int]) -> list[EventRecord]:
        """The events of the cases, by case and sequence number, in one query."""
        if not case_ids:
            return []
        e = _EVENTS.c
        query = (
            select(
                e.case_id,
                e.seq,
                e.type,
                e.actor,
                e.at,
                e.payload,
                e.prev_hash,
                e.hash,
                e.on_behalf_of,
                e.state_digest,
                e.actor_role,
                e.actor_unit,
            )
            .where(e.case_id.in_(sorted(set(case_ids))))
            .order_by(e.case_id, e.seq)
        )
        return [event_record(row) for row in self.session.connection().execute(query)]

    def export_tasks(self, case_ids: Sequence[int]) -> list[TaskRecord]:
        """Every task the cases have had in the index, open or closed, in one query
        (by case, then in creation order)."""
        if not case_ids:
            return []
        t = _TASKS.c
        query = (
            select(_TASKS)
            .where(t.case_id.in_(sorted(set(case_ids))))
            .order_by(t.case_id, t.created_seq, t.id)
        )
        rows = self.session.connection().execute(query).mappings()
        return [TaskRecord(**row) for row in rows]
