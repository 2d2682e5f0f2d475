"""A unit of work is one transaction whether its repositories run Core statements on its
connection or add ORM rows (``engine.store.transactions``): both are committed together
or neither is, and a unit of work that only runs Core statements makes no ORM session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from engine import Engine
from engine.errors import ConflictError
from tests.support.counter_rows import adding, count

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def passwords(engine: Engine, *users: str) -> list[str]:
    with engine.store.unit_of_work(write=False) as uow:
        return [u for u in users if uow.credentials.password_hash(u) is not None]


def test_core_statements_and_orm_rows_commit_together(engine: Engine) -> None:
    with engine.store.unit_of_work() as uow:
        uow.credentials.set_password_hash("wang.fang", "h1", NOW)  # an ORM row
        uow.session.connection().execute(adding())  # a Core statement
        uow.commit()
    assert passwords(engine, "wang.fang") == ["wang.fang"]
    assert count(engine) == 1


def test_the_session_s_own_commit_writes_the_orm_rows_first(engine: Engine) -> None:
    with engine.store.unit_of_work() as uow:  # (as ``engine.store.testing.run_sql`` commits)
        uow.credentials.set_password_hash("wang.fang", "h1", NOW)
        uow.session.commit()
        uow.credentials.set_password_hash("li.ming", "h2", NOW)  # the next transaction
        uow.session.commit()
    assert passwords(engine, "wang.fang", "li.ming") == ["wang.fang", "li.ming"]


def test_leaving_without_commit_keeps_neither(engine: Engine) -> None:
    with engine.store.unit_of_work() as uow:
        uow.session.connection().execute(adding())
        uow.credentials.set_password_hash("wang.fang", "h1", NOW)
        uow.session.flush()  # written into the transaction, not committed
    assert passwords(engine, "wang.fang") == []
    assert count(engine) == 0


def test_after_a_rollback_the_unit_of_work_goes_on_without_what_it_undid(
    engine: Engine,
) -> None:
    with engine.store.unit_of_work() as uow:
        uow.credentials.set_password_hash("wang.fang", "h1", NOW)  # pending, not flushed
        uow.session.connection().execute(adding())
        uow.rollback()
        uow.credentials.set_password_hash("li.ming", "h2", NOW)
        uow.commit()
    assert passwords(engine, "wang.fang", "li.ming") == ["li.ming"]
    assert count(engine) == 0


def test_a_flush_that_fails_leaves_nothing_of_the_unit_of_work(engine: Engine) -> None:
    with engine.store.unit_of_work() as uow:
        uow.credentials.add_token("a" * 64, "wang.fang", NOW, NOW)
        uow.commit()
    with pytest.raises(ConflictError), engine.store.unit_of_work() as uow:
        uow.session.connection().execute(adding())
        uow.credentials.set_password_hash("wang.fang", "h1", NOW)
        uow.credentials.add_token("a" * 64, "li.ming", NOW, NOW)  # the same hash
        uow.commit()
    assert count(engine) == 0
    assert passwords(engine, "wang.fang") == []


@pytest.fixture
def orm_sessions() -> Iterator[list[Any]]:
    """Every ORM session transaction begun, in any session."""
    found: list[Any] = []

    def created(_session: Any, transaction: Any) -> None:
        found.append(transaction)

    event.listen(Session, "after_transaction_create", created)
    try:
        yield found
    finally:
        event.remove(Session, "after_transaction_create", created)


def test_a_request_s_reads_make_no_orm_session(engine: Engine, orm_sessions: list[Any]) -> None:
    token = engine.identity.issue_token("wang.fang").token  # adds an ORM row
    assert orm_sessions
    orm_sessions.clear()
    with engine.reading():
        engine.identity.authenticate(token)
        engine.cases.task_index()
    assert orm_sessions == []
