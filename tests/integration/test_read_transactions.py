"""Reads on PostgreSQL run in READ ONLY transactions that end with COMMIT: psycopg forgets
every statement it has prepared on a connection at each ROLLBACK, so ending reads that way
had every request's statements parsed and planned afresh; a read-only transaction can
persist nothing, so the COMMIT changes nothing else."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from engine import DatabasePool, Engine, ManualClock
from engine.errors import Unavailable
from engine.store.testing import run_sql
from tests.support.counter_rows import adding, count
from tests.support.paths import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="psycopg's prepared statements")

PREPARED = "SELECT statement FROM pg_prepared_statements"


def test_a_statement_read_again_and_again_stays_prepared(
    engine: Engine, clock: ManualClock
) -> None:
    single = Engine(engine.database_url, clock, migrate=False, pool=DatabasePool(1, 0, 5))
    try:  # one connection: every read below runs on it
        for _ in range(8):  # psycopg prepares a statement at its fifth run on a connection
            with single.store.unit_of_work(write=False) as uow:
                uow.cases.timers_due(clock.now())
        with single.store.unit_of_work(write=False) as uow:
            prepared = list(uow.session.execute(text(PREPARED)).scalars())
    finally:
        single.close()
    assert any("next_timer_at" in statement for statement in prepared), prepared


def test_a_read_cannot_write(engine: Engine) -> None:
    with pytest.raises(Exception) as refused, engine.store.unit_of_work(write=False) as uow:
        uow.session.execute(adding())
    assert "cannot execute INSERT in a read-only transaction" in str(refused.value.__cause__)
    assert count(engine) == 0


def test_the_connection_a_read_gives_back_writes_again(engine: Engine, clock: ManualClock) -> None:
    single = Engine(engine.database_url, clock, migrate=False, pool=DatabasePool(1, 0, 5))
    try:  # one connection: the read, the write and the read after it share it
        with single.store.unit_of_work(write=False) as uow:
            assert uow.session.execute(text("SHOW transaction_read_only")).scalar() == "on"
        with single.store.unit_of_work() as uow:
            assert uow.session.execute(text("SHOW transaction_read_only")).scalar() == "off"
            uow.session.execute(adding())
            uow.commit()
        with pytest.raises(Exception) as refused, single.store.unit_of_work(write=False) as uow:
            uow.session.execute(adding("20260102"))
        assert "read-only transaction" in str(refused.value.__cause__)
    finally:
        single.close()
    assert (count(engine), count(engine, "20260102")) == (1, 0)


def test_a_read_that_lost_its_connection_leaves_the_pool_usable(
    engine: Engine, clock: ManualClock
) -> None:
    single = Engine(engine.database_url, clock, migrate=False, pool=DatabasePool(1, 0, 5))
    try:
        with pytest.raises(Unavailable), single.store.unit_of_work(write=False) as uow:
            pid = uow.session.connection().execute(text("SELECT pg_backend_pid()")).scalar()
            run_sql(engine.store, "SELECT pg_terminate_backend(:pid)", pid=pid)
            uow.session.connection().execute(text("SELECT 1"))
        with single.store.unit_of_work() as uow:
            assert uow.session.execute(text("SHOW transaction_read_only")).scalar() == "off"
    finally:
        single.close()
