"""The absence register (离岗登记): registered absences, read per request by every process
(``engine.absences``), so a registration counts at once everywhere."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, text, update

from engine.errors import NotFound
from engine.records import AbsenceRecord
from engine.store.rows import MAX_ID, Repository, dialect_of
from engine.store.tables import AbsenceRow

_ABSENCES = cast(Table, AbsenceRow.__table__)
_COLUMNS = [c for c in _ABSENCES.columns]
# The register's order: by first day (then user and id, for a stable one).
REGISTER_ORDER = (_ABSENCES.c.first_day, _ABSENCES.c.user_id, _ABSENCES.c.id)


def absence_of(row: Any) -> AbsenceRecord:
    """The record of a row mapping holding the register's columns (and maybe others)."""
    return AbsenceRecord(**{c.name: row[c.name] for c in _COLUMNS})


def absence_not_found(absence_id: int) -> NotFound:
    return NotFound(f"没有编号为 {absence_id} 的离岗登记", absence_id=absence_id)


class AbsenceRepository(Repository):
    def add(self, record: AbsenceRecord) -> int:
        values = {k: v for k, v in vars(record).items() if k != "id"}
        result = self.session.connection().execute(
            insert(_ABSENCES).values(values).returning(_ABSENCES.c.id)
        )
        return int(result.scalar_one())

    def get(self, absence_id: int) -> AbsenceRecord:
        if not 0 < absence_id <= MAX_ID:
            raise absence_not_found(absence_id)
        row = (
            self.session.connection()
            .execute(select(*_COLUMNS).where(_ABSENCES.c.id == absence_id))
            .mappings()
            .first()
        )
        if row is None:
            raise absence_not_found(absence_id)
        return AbsenceRecord(**row)

    def since(self, day: date | None, users: Sequence[str] | None = None) -> list[AbsenceRecord]:
        """Registered absences whose last day is ``day`` or later (None: all of them), of
        ``users`` (None: everyone), by first day."""
        c = _ABSENCES.c
        query = select(*_COLUMNS).order_by(*REGISTER_ORDER)
        if day is not None:
            query = query.where(c.last_day >= day)
        if users is not None:
            query = query.where(c.user_id.in_(sorted(set(users))))
        rows = self.session.connection().execute(query).mappings()
        return [AbsenceRecord(**row) for row in rows]

    def lock_user(self, user_id: str) -> None:
        """Make the registrations of one user wait for each other until the transaction
        ends (PostgreSQL: an advisory lock on the user; SQLite writes one at a time), so
        two overlapping periods cannot both pass the overlap check."""
        if dialect_of(self.session) != "postgresql":
            return
        digest = hashlib.sha256(f"absence\0{user_id}".encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        self.session.connection().execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def end(self, absence_id: int, returned_on: date, at: datetime, by: str) -> bool:
        """Record the return (返岗) of an absence not ended yet; False: it was ended."""
        c = _ABSENCES.c
        values: dict[str, Any] = {"returned_on": returned_on, "ended_at": at, "ended_by": by}
        result: Any = self.session.connection().execute(
            update(_ABSENCES).where(c.id == absence_id, c.ended_at.is_(None)).values(values)
        )
        return bool(result.rowcount == 1)
