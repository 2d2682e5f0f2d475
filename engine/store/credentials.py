"""Password hashes and bearer-token hashes (part of the unit of work)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.store.tables import PasswordRow, TokenRow


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
        row = self.session.scalars(
            select(TokenRow).where(TokenRow.token_hash == token_hash)
        ).first()
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
