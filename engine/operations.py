"""What an operator's tools ask of the engine: whether the database answers and is at the
schema this version needs (a readiness check), the connection pool, and the work waiting
for the background worker (metrics). Reads only, each a cheap query on an index."""

from __future__ import annotations

from engine.clock import Clock
from engine.records import Backlog, PoolStatus, SchemaStatus
from engine.store import Store


class Operations:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def schema(self, timeout: float) -> SchemaStatus:
        """The database's migration and the newest one; ``Unavailable`` if the database
        does not answer within about ``timeout`` seconds."""
        return self.store.schema_status(timeout)

    def pool(self) -> PoolStatus:
        return self.store.pool_status()

    def backlog(self) -> Backlog:
        """Timers and notices due by the engine's clock (a training database's included)
        and not yet handled."""
        now = self.clock.now()  # before the transaction: it may read the database
        with self.store.unit_of_work(write=False, operation="backlog") as uow:
            timers, oldest = uow.cases.timers_due(now)
            notices = uow.notices.count_due(now)
        return Backlog(at=now, timers_due=timers, oldest_timer_at=oldest, notices_due=notices)
