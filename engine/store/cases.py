"""The cases table: case rows (with their snapshots), case numbers, the case list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, insert, select

from engine.errors import ConflictError, NotFound
from engine.records import CaseFilter, CaseRecord, CaseScope
from engine.store.rows import (
    CASES,
    MAX_ID,
    Repository,
    among,
    case_conditions,
    changed,
    next_number,
    update_of,
)
from engine.store.tables import CaseCounterRow, CaseRow

_CASE_BY_ID = select(CASES).where(CASES.c.id == bindparam("id"))
# A background worker's claim on one case: the row locked for the transaction, or nothing
# if another worker holds it (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite ignores the
# clause — one writer at a time, and one worker, there).
_CLAIM_CASE = select(CASES).where(CASES.c.id == bindparam("id")).with_for_update(skip_locked=True)
_CASE_BY_NUMBER = select(CASES).where(CASES.c.case_number == bindparam("number"))
_INSERT_CASE = insert(CASES).returning(CASES.c.id)
# Several case rows by id, with their snapshots or without (a list that shows them: the
# snapshot is most of a row's bytes).
_LISTED = tuple(c for c in CASES.columns if c.name != "snapshot")


@cache
def _by_id(dialect: str, snapshots: bool) -> Select[Any]:
    """The rows of the cases of ``ids`` (without ``snapshots``: all columns but it)."""
    columns = CASES.columns if snapshots else _LISTED
    return select(*columns).where(among(dialect, CASES.c.id, "ids"))


# What a change may write: every column but the key, the uid and the creation time.
_WRITABLE = tuple(c.name for c in CASES.columns if c.name not in ("id", "uid", "created_at"))
_GUARD = ("id", "version")


_COUNTERS = cast(Table, CaseCounterRow.__table__)


class CaseRepository(Repository):
    def get(self, case_id: int) -> CaseRecord:
        if not 0 < case_id <= MAX_ID:  # beyond the column's range: no such case, not a DB error
            raise NotFound("办件不存在", case_id=case_id)
        row = self.session.connection().execute(_CASE_BY_ID, {"id": case_id}).mappings().first()
        if row is None:
            raise NotFound("办件不存在", case_id=case_id)
        return CaseRecord(**row)

    def claim(self, case_id: int) -> CaseRecord | None:
        """The case row, locked until the transaction ends, or None if another
        transaction holds it (or it does not exist): the worker that gets None leaves the
        case to the one that holds it."""
        row = self.session.connection().execute(_CLAIM_CASE, {"id": case_id}).mappings().first()
        return None if row is None else CaseRecord(**row)

    def many(self, case_ids: Sequence[int], snapshots: bool = True) -> dict[int, CaseRecord]:
        """The rows of several cases in one query (missing ids are left out); without
        ``snapshots``, each with an empty ``snapshot`` (rows to list, not to run)."""
        wanted = sorted({i for i in case_ids if 0 < i <= MAX_ID})
        if not wanted:
            return {}
        query = _by_id(self.session.dialect, snapshots)
        rows = self.session.connection().execute(query, {"ids": wanted}).mappings()
        if snapshots:
            return {row["id"]: CaseRecord(**row) for row in rows}
        return {row["id"]: CaseRecord(**row, snapshot=b"") for row in rows}

    def by_number(self, case_number: str) -> CaseRecord | None:
        """The case with this case number (办件编号, unique), or None."""
        row = (
            self.session.connection()
            .execute(_CASE_BY_NUMBER, {"number": case_number})
            .mappings()
            .first()
        )
        return CaseRecord(**row) if row is not None else None

    def by_idempotency_key(self, key: str) -> CaseRecord | None:
        row = (
            self.session.connection()
            .execute(select(CASES).where(CASES.c.idempotency_key == key))
            .mappings()
            .first()
        )
        return CaseRecord(**row) if row else None

    def next_sequence(self, region: str, day: str) -> int:
        """The next number of the day for a region, counted in this transaction."""
        return next_number(self.session, _COUNTERS, region=region, day=day)

    def ids(self, after: int = 0, limit: int = 1000) -> list[int]:
        if after >= MAX_ID:
            return []
        rows = self.session.scalars(
            select(CaseRow.id).where(CaseRow.id > after).order_by(CaseRow.id).limit(limit)
        )
        return list(rows)

    def find(
        self,
        scope: CaseScope,
        where: CaseFilter,
        offset: int = 0,
        limit: int = 50,
        count_up_to: int | None = None,
    ) -> tuple[list[CaseRecord], int]:
        """Cases inside ``scope`` matching ``where``, newest first, and how many there are
        — counted no further than ``count_up_to`` + 1 when given (a count above
        ``count_up_to`` means "more than that": a broad search stops counting early instead
        of reading every matching row)."""
        if scope.empty:
            return [], 0
        conditions = case_conditions(scope, where)
        connection = self.session.connection()
        matching = select(CASES.c.id).where(*conditions)
        if count_up_to is not None:
            matching = matching.limit(count_up_to + 1)
        total = connection.execute(select(func.count()).select_from(matching.subquery())).scalar()
        rows = connection.execute(
            select(CASES)
            .where(*conditions)
            .order_by(CASES.c.id.desc())
            .offset(min(offset, MAX_ID))
            .limit(limit)
        )
        return [CaseRecord(**row) for row in rows.mappings()], int(total or 0)

    def count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(CaseRow)) or 0)

    def due_timers(self, now: datetime, limit: int = 500) -> list[int]:
        """The cases with a timer due by ``now``, the longest due first."""
        rows = self.session.scalars(
            select(CaseRow.id)
            .where(CaseRow.next_timer_at.is_not(None), CaseRow.next_timer_at <= now)
            .order_by(CaseRow.next_timer_at)
            .limit(limit)
        )
        return list(rows)

    def timers_due(self, now: datetime) -> tuple[int, datetime | None]:
        """How many cases have a timer due by ``now``, and the earliest such time (the
        index on ``next_timer_at`` answers both)."""
        due = CaseRow.next_timer_at
        count, oldest = self.session.execute(
            select(func.count(), func.min(due)).where(due.is_not(None), due <= now)
        ).one()
        return int(count), oldest

    def insert(self, record: CaseRecord) -> int:
        values = {k: v for k, v in vars(record).items() if k != "id"}
        return int(self.session.connection().execute(_INSERT_CASE, values).scalar_one())

    def update(self, record: CaseRecord, before: CaseRecord) -> None:
        """Write the case as ``record`` if nobody else did since it was read as ``before``
        (else ConflictError): the columns that differ from ``before``, and the version
        (``update_of``; the cases table has twenty indexes)."""
        columns = changed(record, before, _WRITABLE)
        if "version" not in columns:
            columns = ("version", *columns)
        params: dict[str, Any] = {f"v_{name}": getattr(record, name) for name in columns}
        params.update(b_id=record.id, b_version=before.version)
        result: Any = self.session.connection().execute(update_of(CASES, _GUARD, columns), params)
        if result.rowcount != 1:
            raise ConflictError("办件已被他人修改，请刷新后重试", case_id=record.id)
