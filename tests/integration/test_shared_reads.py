"""The reads of a request share one read transaction (``Engine.reading``): its token and
what it shows. A write ends the shared transaction before it begins and when it ends, so
what is read after a write includes it, on SQLite too, where a read transaction keeps
the snapshot of its first read; a read that fails ends it as well."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from engine import Actor, DatabasePool, Engine
from tests.support.counter_rows import adding, count
from tests.support.driving import start_sample, task_of
from tests.support.paths import PG_URL


def test_the_reads_of_a_block_share_one_transaction(engine: Engine, begun: list[str]) -> None:
    token = engine.identity.issue_token("wang.fang").token
    begun.clear()
    engine.identity.authenticate(token)
    engine.cases.task_index()
    assert len(begun) == 2  # without the block: a transaction each
    begun.clear()
    with engine.reading():
        engine.identity.authenticate(token)
        engine.cases.task_index()
        engine.absences.organization()
    assert len(begun) == 1


def test_what_is_read_after_a_write_includes_it(sample: Engine) -> None:
    view = start_sample(sample)
    with sample.reading():
        before = sample.cases.record(view.id)
        sample.cases.claim(view.id, task_of(view, "Task_intake"), Actor("agent.zhang"))
        after = sample.cases.record(view.id)
        tasks = sample.cases.task_index(view.id)
    assert after.version == before.version + 1
    assert [t.claimed_by for t in tasks] == ["agent.zhang"]


def test_a_read_inside_a_write_does_not_outlast_it(engine: Engine) -> None:
    with engine.reading():
        with engine.store.unit_of_work() as uow:
            uow.session.execute(adding())
            assert count(engine) == 0  # not committed yet
            uow.commit()
        assert count(engine) == 1


def test_a_failed_read_ends_the_shared_transaction(engine: Engine) -> None:
    with engine.reading():
        assert count(engine) == 0
        with pytest.raises(DBAPIError), engine.store.unit_of_work(write=False) as uow:
            uow.session.execute(text("SELECT missing FROM case_counters"))
        assert count(engine) == 0  # (PostgreSQL refuses any statement in a failed transaction)
        with engine.store.unit_of_work() as uow:
            uow.session.execute(adding())
            uow.commit()
        assert count(engine) == 1


@pytest.mark.skipif(not PG_URL, reason="SQLite has no connection pool to size")
def test_a_request_holds_one_connection_at_a_time(engine: Engine) -> None:
    """A write in the block ends the shared read first: one connection is all a request
    ever holds, so a pool sized for the requests running at once is never short."""
    single = Engine(engine.database_url, migrate=False, pool=DatabasePool(1, 0, 2))
    try:
        with single.reading():
            assert count(single) == 0
            with single.store.unit_of_work() as uow:
                uow.session.execute(adding())
                uow.commit()
            assert count(single) == 1
    finally:
        single.close()


def test_a_block_ends_its_transaction(engine: Engine) -> None:
    """Nothing stays open after the block: a write from elsewhere is seen at once."""
    with engine.reading():
        assert count(engine) == 0
    with engine.store.unit_of_work() as uow:
        uow.session.execute(adding())
        uow.commit()
    with engine.reading():
        assert count(engine) == 1


def test_a_block_inside_another_shares_its_transaction(engine: Engine, begun: list[str]) -> None:
    with engine.reading():
        assert count(engine) == 0
        with engine.reading():
            assert count(engine) == 0
        assert count(engine) == 0
    assert len(begun) == 1
