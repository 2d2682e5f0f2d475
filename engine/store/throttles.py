"""Failed-login counters (the policy is engine/login_policy.py), and the public progress
lookup's counters (engine/progress.py: their own kinds and keys in the same table).

A counter row holds the failures counted since its period began and ``reset_at``, when
the period ends; it is full (locked) while ``failures >= limit`` and ``reset_at`` is in the
future. An attempt is reserved with one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` per
counter: the row lock and the WHERE evaluated on the newest row version make the check and
the increment one step on PostgreSQL (any number of app processes), and SQLite runs
writers one at a time (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Integer, Table, bindparam, case, delete, or_, select, update
from sqlalchemy.sql import Executable

from engine.records import Admission, Counter, LockRow
from engine.store.rows import Repository, dialect_of, insert_of
from engine.store.tables import LoginThrottleRow, UTCDateTime

_THROTTLES = cast(Table, LoginThrottleRow.__table__)


class ThrottleRepository(Repository):
    def reserve_attempt(self, counters: Sequence[Counter], now: datetime) -> Admission:
        """Count one attempt on every counter, or (not admitted) on none once the caller
        rolls back. ``counters`` must come in key order so row locks are taken in one
        order by every transaction."""
        fills: list[datetime] = []
        for index, counter in enumerate(counters):
            row = (
                self.session.connection()
                .execute(_reserve(dialect_of(self.session)), _reserve_parameters(counter, now))
                .first()
            )
            if row is None:
                return Admission(False, self._locked_until(counters[index:], now))
            if row.failures >= counter.limit:
                fills.append(row.reset_at)
        return Admission(True, max(fills) if fills else None)

    def known_pair(self, key: str, since: datetime) -> bool:
        """Whether the pair logged in successfully at or after ``since``."""
        found = self.session.execute(
            select(_THROTTLES.c.last_success_at).where(_THROTTLES.c.key == key)
        ).scalar()
        return found is not None and found >= since

    def settle_success(self, pair: str, given_back: Sequence[str], now: datetime) -> None:
        """A right password: the pair starts again (and remembers the success), the other
        counters get the reserved attempt back. Rows are updated in key order, the order
        ``reserve_attempt`` locks them in (otherwise two logins can deadlock)."""
        for key in sorted({pair, *given_back}):
            if key == pair:
                statement = update(LoginThrottleRow).values(
                    failures=0, reset_at=now, last_success_at=now
                )
            else:
                statement = (
                    update(LoginThrottleRow)
                    .where(LoginThrottleRow.failures > 0, LoginThrottleRow.reset_at > now)
                    .values(failures=LoginThrottleRow.failures - 1)
                )
            self.session.execute(statement.where(LoginThrottleRow.key == key))

    def give_back(self, keys: Sequence[str], now: datetime) -> None:
        """Give the attempt ``reserve_attempt`` counted back to each of ``keys`` (a lookup
        that succeeded is no failure), in key order like ``reserve_attempt``."""
        for key in sorted(set(keys)):
            self.session.execute(
                update(LoginThrottleRow)
                .where(
                    LoginThrottleRow.key == key,
                    LoginThrottleRow.failures > 0,
                    LoginThrottleRow.reset_at > now,
                )
                .values(failures=LoginThrottleRow.failures - 1)
            )

    def lift_login_locks(self, user_id: str, now: datetime) -> None:
        """Empty every counter of the account (its pairs and its account-wide counter);
        the successes its pairs remember are kept."""
        # Locked in key order first, like reserve_attempt, so a login racing this cannot
        # deadlock with it.
        keys = list(
            self.session.execute(
                select(_THROTTLES.c.key)
                .where(_THROTTLES.c.user_id == user_id, _THROTTLES.c.failures > 0)
                .order_by(_THROTTLES.c.key)
                .with_for_update()
            ).scalars()
        )
        if keys:
            self.session.execute(
                update(LoginThrottleRow)
                .where(LoginThrottleRow.key.in_(keys))
                .values(failures=0, reset_at=now)
            )

    def open_counters(self, user_ids: Sequence[str], now: datetime) -> list[LockRow]:
        """The counters of ``user_ids`` (their pairs and account-wide ones) whose period
        has not ended at ``now``: the login policy says which of them lock."""
        c = _THROTTLES.c
        rows = self.session.execute(
            select(c.user_id, c.kind, c.failures, c.reset_at).where(
                c.user_id.in_(sorted(set(user_ids))), c.reset_at > now, c.failures > 0
            )
        )
        return [LockRow(r.user_id, r.kind, r.failures, r.reset_at) for r in rows]

    def forget_stale_counters(
        self, now: datetime, forget_before: datetime, batch: int = 1000
    ) -> int:
        """Delete up to ``batch`` counters whose period has ended (as good as no row) and
        that remember no success since ``forget_before``. Rows another transaction holds
        are skipped (PostgreSQL ``SKIP LOCKED``), so this never waits on a login and never
        deadlocks with one; SQLite runs writers one at a time anyway."""
        stale = (
            select(_THROTTLES.c.key)
            .where(
                _THROTTLES.c.reset_at <= now,
                or_(
                    _THROTTLES.c.last_success_at.is_(None),
                    _THROTTLES.c.last_success_at < forget_before,
                ),
            )
            .order_by(_THROTTLES.c.key)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        keys = list(self.session.execute(stale).scalars())
        if not keys:
            return 0
        self.session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.key.in_(keys)))
        return len(keys)

    def _locked_until(self, counters: Sequence[Counter], now: datetime) -> datetime:
        # The longest lock among the refusing counter and those not reached yet, so the
        # client's Retry-After is not followed by another refusal.
        rows = self.session.execute(
            select(_THROTTLES.c.failures, _THROTTLES.c.reset_at, _THROTTLES.c.key).where(
                _THROTTLES.c.key.in_([c.key for c in counters])
            )
        )
        limits = {c.key: c.limit for c in counters}
        ends = [r.reset_at for r in rows if r.failures >= limits[r.key] and r.reset_at > now]
        return max(ends, default=now + counters[0].lock)


def _reserve_parameters(counter: Counter, now: datetime) -> dict[str, object]:
    return {
        "p_key": counter.key,
        "p_kind": counter.kind,
        "p_user_id": counter.user_id,
        "p_address": counter.address,
        "p_limit": counter.limit,
        "p_now": now,
        # A limit of 1 is full at once: the new period is a lock.
        "p_window_end": now + (counter.lock if counter.limit <= 1 else counter.window),
        "p_lock_end": now + counter.lock,
    }


@functools.cache
def _reserve(dialect: str) -> Executable:
    """Upsert one attempt: a new period if the old one ended, refused (no row returned)
    while the counter is full. Built once per dialect: logins only bind values."""
    c = _THROTTLES.c
    now, window_end, lock_end = (
        bindparam(name, type_=UTCDateTime()) for name in ("p_now", "p_window_end", "p_lock_end")
    )
    limit = bindparam("p_limit", type_=Integer())
    ended = c.reset_at <= now
    values = {
        "key": bindparam("p_key"),
        "kind": bindparam("p_kind"),
        "user_id": bindparam("p_user_id"),
        "address": bindparam("p_address"),
        "failures": 1,
        "reset_at": window_end,
    }
    statement = insert_of(dialect, _THROTTLES).values(values)
    upsert: Executable = statement.on_conflict_do_update(
        index_elements=[c.key],
        set_={
            "failures": case((ended, 1), else_=c.failures + 1),
            "reset_at": case(
                (ended, window_end), (c.failures + 1 >= limit, lock_end), else_=c.reset_at
            ),
        },
        where=or_(ended, c.failures < limit),
    ).returning(c.failures, c.reset_at)
    return upsert
