"""Password hashes and bearer-token hashes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, select, update

from engine.records import AbsenceRecord
from engine.store.absences import REGISTER_ORDER, absence_of
from engine.store.rows import Repository
from engine.store.tables import AbsenceRow, PasswordRow, TokenRow

# Looked up on every API request: a prepared Core statement, no ORM objects.
_TOKENS = cast(Table, TokenRow.__table__)
_TOKEN_BY_HASH = select(_TOKENS.c.user_id, _TOKENS.c.expires_at, _TOKENS.c.revoked_at).where(
    _TOKENS.c.token_hash == bindparam("token_hash")
)
# What every request with a token reads first: the token and, beside it on each row, an
# absence of the register not over by ``since`` (one row with none when there is none;
# no row when the token is unknown), in the register's order.
_ABSENCES = cast(Table, AbsenceRow.__table__)
_CALLER = (
    select(
        _TOKENS.c.user_id.label("token_user"),
        _TOKENS.c.expires_at.label("token_expires_at"),
        _TOKENS.c.revoked_at.label("token_revoked_at"),
        *_ABSENCES.columns,
    )
    .select_from(_TOKENS.outerjoin(_ABSENCES, _ABSENCES.c.last_day >= bindparam("since")))
    .where(_TOKENS.c.token_hash == bindparam("token_hash"))
    .order_by(*REGISTER_ORDER)
)


class CredentialRepository(Repository):
    def password_hash(self, user_id: str) -> str | None:
        row = self.session.get(PasswordRow, user_id)
        return row.hash if row else None

    def set_password_hash(self, user_id: str, hashed: str, now: datetime) -> None:
        row = self.session.get(PasswordRow, user_id)
        if row is None:
            self.session.add(PasswordRow(user_id=user_id, hash=hashed, updated_at=now))
        else:
            row.hash, row.updated_at = hashed, now

    def add_token(
        self, token_hash: str, user_id: str, issued_at: datetime, expires_at: datetime
    ) -> None:
        self.session.add(
            TokenRow(
                token_hash=token_hash, user_id=user_id, issued_at=issued_at, expires_at=expires_at
            )
        )

    def token(self, token_hash: str) -> tuple[str, datetime, datetime | None] | None:
        """(user id, expires at, revoked at) of a token."""
        row = self.session.connection().execute(_TOKEN_BY_HASH, {"token_hash": token_hash}).first()
        return (row.user_id, row.expires_at, row.revoked_at) if row else None

    def token_and_absences(
        self, token_hash: str, since: date
    ) -> tuple[tuple[str, datetime, datetime | None] | None, list[AbsenceRecord]]:
        """``token``'s state and the absences ``AbsenceRepository.since(since)`` gives,
        in one statement (no absences when the token is unknown: nothing is decided)."""
        rows = self.session.connection().execute(
            _CALLER, {"token_hash": token_hash, "since": since}
        )
        found, absences = None, []
        for row in rows.mappings():
            found = (row["token_user"], row["token_expires_at"], row["token_revoked_at"])
            if row["id"] is not None:
                absences.append(absence_of(row))
        return found, absences

    def revoke_token(self, token_hash: str, now: datetime) -> None:
        self.session.execute(
            update(TokenRow)
            .where(TokenRow.token_hash == token_hash, TokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    def revoke_user_tokens(self, user_id: str, now: datetime, keep: str | None = None) -> int:
        """Revoke every live token of the user but the one hashed ``keep``; how many."""
        statement = update(TokenRow).where(
            TokenRow.user_id == user_id, TokenRow.revoked_at.is_(None)
        )
        if keep is not None:
            statement = statement.where(TokenRow.token_hash != keep)
        result = self.session.execute(statement.values(revoked_at=now))
        return int(getattr(result, "rowcount", 0) or 0)

    def users_with_hash(self, hashed: str) -> list[str]:
        """The users whose stored password hash is ``hashed``."""
        rows = self.session.execute(
            select(PasswordRow.user_id)
            .where(PasswordRow.hash == hashed)
            .order_by(PasswordRow.user_id)
        )
        return list(rows.scalars())

    def with_password(self, user_ids: Sequence[str]) -> set[str]:
        """Those of ``user_ids`` that have a password."""
        rows = self.session.execute(
            select(PasswordRow.user_id).where(PasswordRow.user_id.in_(sorted(set(user_ids))))
        )
        return set(rows.scalars())

    def live_tokens(self, user_ids: Sequence[str], now: datetime) -> dict[str, int]:
        """How many tokens of each of ``user_ids`` are neither revoked nor expired at ``now``
        (users without any are left out)."""
        c = _TOKENS.c
        rows = self.session.execute(
            select(c.user_id, func.count())
            .where(c.user_id.in_(sorted(set(user_ids))), c.revoked_at.is_(None), c.expires_at > now)
            .group_by(c.user_id)
        )
        return {user_id: int(count) for user_id, count in rows}
