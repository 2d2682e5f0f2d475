"""Batched reads behind the process-mining exports.

An export walks the cases of a scope in id order (keyset, ``after`` the last id read);
for each batch it reads the case rows (without their snapshots), then the events and the
task index of exactly those cases, in one query each, whatever the batch size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, select

from engine.records import CaseFilter, CaseScope, EventRecord, ExportCase, TaskRecord
from engine.store.rows import CASES, MAX_ID, Repository, case_conditions, event_record
from engine.store.tables import EventRow, ReadyTaskRow

_EVENTS = cast(Table, EventRow.__table__)
_TASKS = cast(Table, ReadyTaskRow.__table__)
_CASE_COLUMNS = (
    CASES.c.id,
    CASES.c.uid,
    CASES.c.case_number,
    CASES.c.process_id,
    CASES.c.item_code,
    CASES.c.org_unit,
    CASES.c.village,
    CASES.c.department,
    CASES.c.registered_unit,
    CASES.c.status,
    CASES.c.due_date,
    CASES.c.created_at,
    CASES.c.closed_at,
    CASES.c.last_seq,
)


class ExportRepository(Repository):
    def cases(
        self, scope: CaseScope, where: CaseFilter, after: int = 0, limit: int = 500
    ) -> list[ExportCase]:
        """The next ``limit`` cases of ``scope`` matching ``where`` with ids above ``after``,
        in id order (none for an empty scope)."""
        if scope.empty or after >= MAX_ID:
            return []
        query = (
            select(*_CASE_COLUMNS)
            .where(CASES.c.id > after, *case_conditions(scope, where))
            .order_by(CASES.c.id)
            .limit(limit)
        )
        rows = self.session.connection().execute(query).mappings()
        return [ExportCase(**row) for row in rows]

    def events(self, case_ids: Sequence[int]) -> list[EventRecord]:
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
                e.clock_offset,
                e.request_id,
            )
            .where(e.case_id.in_(sorted(set(case_ids))))
            .order_by(e.case_id, e.seq)
        )
        return [event_record(row) for row in self.session.connection().execute(query)]

    def tasks(self, case_ids: Sequence[int]) -> list[TaskRecord]:
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
