"""The resident's rating links (``engine.ratings``): one row per case, found by the
token's hash."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update

from engine.records import RatingInvitation
from engine.store.rows import Repository
from engine.store.tables import RatingInvitationRow

_INVITATIONS = cast(Table, RatingInvitationRow.__table__)
_COLUMNS = list(_INVITATIONS.columns)
# Built once: a change of a case that waits for its rating reads and writes its link.
_ADD = insert(_INVITATIONS)
_BY_CASE = select(*_COLUMNS).where(_INVITATIONS.c.case_id == bindparam("key"))
_BY_HASH = select(*_COLUMNS).where(_INVITATIONS.c.token_hash == bindparam("key"))
_USE = (
    update(_INVITATIONS)
    .where(_INVITATIONS.c.case_id == bindparam("b_case_id"), _INVITATIONS.c.used_at.is_(None))
    .values(used_at=bindparam("b_at"), used_seq=bindparam("b_seq"), token=None)
)


class RatingRepository(Repository):
    def add(self, invitation: RatingInvitation) -> None:
        self.session.connection().execute(_ADD, vars(invitation))

    def of_case(self, case_id: int) -> RatingInvitation | None:
        return self._one(_BY_CASE, case_id)

    def by_hash(self, token_hash: str) -> RatingInvitation | None:
        return self._one(_BY_HASH, token_hash)

    def use(self, case_id: int, at: datetime, seq: int) -> None:
        """Mark the case's link used by the rating event ``seq``, and forget its token."""
        params = {"b_case_id": case_id, "b_at": at, "b_seq": seq}
        self.session.connection().execute(_USE, params)

    def _one(self, query: Any, key: object) -> RatingInvitation | None:
        row = self.session.connection().execute(query, {"key": key}).mappings().first()
        return RatingInvitation(**row) if row is not None else None
