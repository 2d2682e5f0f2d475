"""Password hashes and bearer-token hashes (part of the unit of work)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from engine.store.tables import PasswordRow, TokenRow

# Looked up on every API request: a prepared Core statement, no ORM objects.
_TOKENS = cast(Table, TokenRow.__table__)
_TOKEN_BY_HASH = select(_TOKENS.c.user_id, _TOKENS.c.expires_at, _TOKENS.c.revoked_at).where(
    _TOKENS.c.token_hash == bindparam("token_hash")
)


class LoginState(NamedTuple):
    password_hash: str
    failed_logins: int  # wrong passwords in a row
    locked_until: datetime | None


class CredentialsMixin:
    session: Session

    def password_hash(self, user_id: str) -> str | None:
        row = self.session.get(PasswordRow, user_id)
        return row.hash if row else None

    def set_password_hash(self, user_id: str, hashed: str, now: datetime) -> None:
        row = self.session.get(PasswordRow, user_id)
        if row is None:
            self.session.add(PasswordRow(user_id=user_id, hash=hashed, updated_at=now))
        else:
            row.hash, row.updated_at = hashed, now

    def login_state(self, user_id: str) -> LoginState | None:
        row = self.session.get(PasswordRow, user_id)
        return LoginState(row.hash, row.failed_logins, row.locked_until) if row else None

    def count_failed_login(self, user_id: str, limit: int, lock_until: datetime) -> datetime | None:
        """Count a wrong password; the ``limit``-th in a row locks login until
        ``lock_until`` (returned) and starts the count again."""
        self.session.execute(
            update(PasswordRow)
            .where(PasswordRow.user_id == user_id)
            .values(failed_logins=PasswordRow.failed_logins + 1)
        )
        row = self.session.get(PasswordRow, user_id, populate_existing=True)
        if row is None or row.failed_logins < limit:
            return None
        row.failed_logins, row.locked_until = 0, lock_until
        return lock_until

    def clear_failed_logins(self, user_id: str) -> None:
        self.session.execute(
            update(PasswordRow)
            .where(PasswordRow.user_id == user_id)
            .where((PasswordRow.failed_logins != 0) | PasswordRow.locked_until.is_not(None))
            .values(failed_logins=0, locked_until=None)
        )

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

    def revoke_token(self, token_hash: str, now: datetime) -> None:
        self.session.execute(
            update(TokenRow)
            .where(TokenRow.token_hash == token_hash, TokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    def revoke_user_tokens(self, user_id: str, now: datetime) -> int:
        result = self.session.execute(
            update(TokenRow)
            .where(TokenRow.user_id == user_id, TokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)
