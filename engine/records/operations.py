"""What operators watch: the database's reach and schema, its connection pool, the work
waiting for the background worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SchemaStatus:
    """The database answered: its migration (None: never migrated) and the newest one."""

    current: str | None
    head: str
    known: bool  # ``current`` is a migration of this version (False: a newer daiban's)

    @property
    def at_head(self) -> bool:
        return self.current == self.head


@dataclass(frozen=True)
class PoolStatus:
    """This process's connections to the database (the writers' pool)."""

    size: int  # connections the pool keeps
    checked_out: int  # in use now
    overflow: int  # opened beyond ``size`` (negative: not all of ``size`` opened yet)


@dataclass(frozen=True)
class Backlog:
    """Work due at ``at`` (the engine's clock) and not done yet."""

    at: datetime
    timers_due: int  # cases with a timer due
    oldest_timer_at: datetime | None  # when the longest-waiting of them fell due
    notices_due: int  # notices waiting to be sent (pending and due, or a lapsed lease)

    @property
    def timer_lag_seconds(self) -> float:
        """How long the longest-waiting due timer has waited (0: none waits)."""
        if self.oldest_timer_at is None:
            return 0.0
        return max(0.0, (self.at - self.oldest_timer_at).total_seconds())
