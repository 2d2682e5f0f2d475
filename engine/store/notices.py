"""The notice outbox (``notices``): notices written with their events, claimed by senders
with a lease, marked sent or failed (``engine.notices``).

A claim is one conditional UPDATE that succeeds only on the row as the sender read it
(its state and attempt count), so any number of senders can work one PostgreSQL
database: two claiming the same row, one wins and the other finds nothing changed.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from engine.errors import NotFound
from engine.records.notices import DEAD, PENDING, SENDING, SENT, NoticeQuery, NoticeRecord
from engine.store.rows import MAX_ID, Repository, dialect_of, insert_of
from engine.store.tables import NoticeRow

_NOTICES = cast(Table, NoticeRow.__table__)
_COLUMNS = list(_NOTICES.columns)


def notice_not_found(notice_id: int) -> NotFound:
    return NotFound(f"没有编号为 {notice_id} 的通知", notice_id=notice_id)


@cache
def _adding(dialect: str) -> Any:
    """INSERT a notice unless one with its idempotency id is there (no row returned)."""
    statement = insert_of(dialect, _NOTICES).values(
        {c.name: bindparam(c.name, type_=c.type) for c in _NOTICES.columns if c.name != "id"}
    )
    return statement.on_conflict_do_nothing(index_elements=["idempotency_id"]).returning(
        _NOTICES.c.id
    )


_HAS_KIND = (
    select(_NOTICES.c.id)
    .where(_NOTICES.c.case_id == bindparam("case_id"), _NOTICES.c.kind == bindparam("kind"))
    .limit(1)
)


class NoticeRepository(Repository):
    def add(self, record: NoticeRecord) -> int | None:
        """Add a notice; None: a notice with its idempotency id is there already."""
        values = {k: v for k, v in vars(record).items() if k != "id"}
        found = self.session.connection().execute(_adding(dialect_of(self.session)), values)
        added = found.scalar_one_or_none()
        return None if added is None else int(added)

    def has_kind(self, case_id: int, kind: str) -> bool:
        """Whether the case was ever given a notice of ``kind``."""
        params = {"case_id": case_id, "kind": kind}
        return self.session.connection().execute(_HAS_KIND, params).first() is not None

    def get(self, notice_id: int) -> NoticeRecord:
        if not 0 < notice_id <= MAX_ID:
            raise notice_not_found(notice_id)
        row = (
            self.session.connection()
            .execute(select(*_COLUMNS).where(_NOTICES.c.id == notice_id))
            .mappings()
            .first()
        )
        if row is None:
            raise notice_not_found(notice_id)
        return NoticeRecord(**row)

    def find(self, query: NoticeQuery, offset: int, limit: int) -> tuple[list[NoticeRecord], int]:
        """Notices ``query`` keeps, newest first, and how many there are in all."""
        c = _NOTICES.c
        conditions: list[ColumnElement[bool]] = []
        if query.state is not None:
            conditions.append(c.state == query.state)
        if query.case_id is not None:
            if not 0 < query.case_id <= MAX_ID:
                return [], 0  # no such case; a larger number would not fit the column
            conditions.append(c.case_id == query.case_id)
        if query.kind is not None:
            conditions.append(c.kind == query.kind)
        connection = self.session.connection()
        total = connection.execute(
            select(func.count()).select_from(_NOTICES).where(*conditions)
        ).scalar_one()
        rows = connection.execute(
            select(*_COLUMNS).where(*conditions).order_by(c.id.desc()).offset(offset).limit(limit)
        ).mappings()
        return [NoticeRecord(**row) for row in rows], int(total)

    def due(self, now: datetime, limit: int) -> list[NoticeRecord]:
        """Notices to send now: pending ones whose time has come, and claimed ones whose
        sender's lease ran out (it stopped between sending and marking: at least once)."""
        c = _NOTICES.c
        query = select(*_COLUMNS).where(_claimable(now)).order_by(c.next_at, c.id).limit(limit)
        return [NoticeRecord(**row) for row in self.session.connection().execute(query).mappings()]

    def count_due(self, now: datetime) -> int:
        """How many notices ``due`` would hand out now, without a limit."""
        query = select(func.count()).select_from(_NOTICES).where(_claimable(now))
        return int(self.session.connection().execute(query).scalar_one())

    def claim(self, notice: NoticeRecord, now: datetime, lease_until: datetime, by: str) -> bool:
        """Take ``notice`` as read (same state and attempts) for one attempt; False: another
        sender took or settled it meanwhile."""
        c = _NOTICES.c
        result: Any = self.session.connection().execute(
            update(_NOTICES)
            .where(
                c.id == notice.id,
                c.state == notice.state,
                c.attempts == notice.attempts,
                _claimable(now),
            )
            .values(
                state=SENDING,
                attempts=c.attempts + 1,
                lease_until=lease_until,
                claimed_by=by,
            )
        )
        return bool(result.rowcount == 1)

    def settle(
        self,
        notice_id: int,
        attempt: int,
        state: str,
        at: datetime,
        *,
        next_at: datetime | None = None,
        error: str | None = None,
    ) -> bool:
        """Record the outcome of attempt ``attempt`` (sent, pending again, dead) if the
        sender still holds it; False: its lease ran out and another sender took it. A sent
        notice forgets the phone."""
        c = _NOTICES.c
        values: dict[str, Any] = {"state": state, "lease_until": None, "claimed_by": None}
        if state == SENT:
            values.update(sent_at=at, phone=None, last_error=None)
        else:
            values.update(last_error=(error or "")[:500])
        if next_at is not None:
            values["next_at"] = next_at
        result: Any = self.session.connection().execute(
            update(_NOTICES)
            .where(c.id == notice_id, c.state == SENDING, c.attempts == attempt)
            .values(values)
        )
        return bool(result.rowcount == 1)

    def revive(self, notice_id: int, now: datetime) -> bool:
        """Make a dead notice pending again, due now, with a fresh count of attempts."""
        c = _NOTICES.c
        result: Any = self.session.connection().execute(
            update(_NOTICES)
            .where(c.id == notice_id, c.state == DEAD)
            .values(state=PENDING, attempts=0, next_at=now)
        )
        return bool(result.rowcount == 1)


def _claimable(now: datetime) -> ColumnElement[bool]:
    c = _NOTICES.c
    return or_(
        and_(c.state == PENDING, c.next_at <= now),
        and_(c.state == SENDING, c.lease_until <= now),
    )
