"""The connection pool the settings size (``DAIBAN_DB_POOL_*``, ``engine.DatabasePool``):
a process with every connection in use answers the next request ``Unavailable`` (busy)
after the pool's timeout, and serves it again once a connection is free."""

from __future__ import annotations

import pytest

from engine import DatabasePool, Engine, ManualClock, Unavailable
from tests.support.paths import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="SQLite has no connection pool to size")


def test_a_full_pool_answers_busy_and_recovers(engine: Engine, clock: ManualClock) -> None:
    small = Engine(engine.database_url, clock, migrate=False, pool=DatabasePool(1, 0, 0.2))
    try:
        with small.store.unit_of_work(write=False) as holding:
            holding.cases.timers_due(clock.now())  # the pool's one connection, in use
            with pytest.raises(Unavailable) as refused:
                small.operations.backlog()
            assert refused.value.reason == "busy"
        assert small.operations.backlog().timers_due == 0  # free again
    finally:
        small.close()
