"""The resident's rating links (``engine.ratings``): one row per case, found by the
token's hash."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert, select, update

from engine.records import RatingInvitation
from engine.store.rows import Repository
from engine.store.tables import RatingInvitationRow

_INVITATIONS = cast(Table, RatingInvitationRow.__table__)
_COLUMNS = list(_INVITATIONS.columns)


class RatingRepository(Repository):
    def add(self, invitation: RatingInvitation) -> None:
        self.session.connection().execute(insert(_INVITATIONS).values(vars(invitation)))

    def of_case(self, case_id: int) -> RatingInvitation | None:
        return self._one(_INVITATIONS.c.case_id == case_id)

    def by_hash(self, token_hash: str) -> RatingInvitation | None:
        return self._one(_INVITATIONS.c.token_hash == token_hash)

    def use(self, case_id: int, at: datetime, seq: int) -> None:
        """Mark the case's link used by the rating event ``seq``, and forget its token."""
        self.session.connection().execute(
            update(_INVITATIONS)
            .where(_INVITATIONS.c.case_id == case_id, _INVITATIONS.c.used_at.is_(None))
            .values(used_at=at, used_seq=seq, token=None)
        )

    def _one(self, condition: object) -> RatingInvitation | None:
        row = (
            self.session.connection()
            .execute(select(*_COLUMNS).where(condition))  # type: ignore[arg-type]
            .mappings()
            .first()
        )
        return RatingInvitation(**row) if row is not None else None
