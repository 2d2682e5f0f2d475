"""On PostgreSQL the store's cursors build ``description`` only when it is looked into
(``engine.store.described``): the same columns as psycopg's own cursor, None when psycopg
says None, and the columns of the result the cursor held when it was taken."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine
from tests.support.paths import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="psycopg's cursors")

STATEMENTS = [
    "SELECT id, uid, snapshot, version, due_date, updated_at FROM cases",  # no row
    "SELECT 1 AS one, 'a'::text AS two, now() AS three, NULL::numeric(5, 2) AS four",
    "SELECT",  # rows without columns
    "UPDATE cases SET version = version WHERE id < 0",  # no rows at all
    "SET LOCAL statement_timeout = 1000",
]


def _described(description: Any) -> list[tuple[Any, ...]] | None:
    """A description as plain values: each column's seven DB-API fields."""
    return None if description is None else [tuple(column) for column in description]


def test_the_store_connects_with_lazy_cursors_that_describe_as_psycopg_does(
    engine: Engine,
) -> None:
    import psycopg

    from engine.store.described import LazyCursor, LazyDescription

    with engine.store.unit_of_work() as uow:
        driver = uow.session.connection().connection.driver_connection
        assert driver.cursor_factory is LazyCursor
        lazy, plain = driver.cursor(), psycopg.Cursor(driver)
        for statement in STATEMENTS:
            lazy.execute(statement)
            plain.execute(statement)
            found, expected = lazy.description, plain.description
            assert _described(found) == _described(expected), statement
            if found is not None:
                assert isinstance(found, LazyDescription)
                assert len(found) == len(expected)
                assert [c.name for c in found[1:]] == [c.name for c in expected[1:]]


def test_a_description_taken_before_the_cursor_moved_on_describes_its_own_result(
    engine: Engine,
) -> None:
    with engine.store.unit_of_work() as uow:
        cursor = uow.session.connection().connection.driver_connection.cursor()
        cursor.execute("SELECT 1 AS first, 'x'::text AS second")
        taken = cursor.description  # not looked into yet
        cursor.execute("SELECT 2 AS other")
        assert [(c.name, c.type_code) for c in taken] == [("first", 23), ("second", 25)]
        cursor.close()
        assert [c.name for c in taken] == ["first", "second"]


def test_rows_read_through_sqlalchemy_keep_their_column_names(engine: Engine) -> None:
    """A textual statement's result is described from the columns (its metadata is not
    cached); a compiled one's from what SQLAlchemy kept."""
    from sqlalchemy import text

    with engine.store.unit_of_work(write=False) as uow:
        for _ in range(3):
            row = uow.session.execute(text("SELECT 7 AS seven, 'q' AS letter")).mappings().one()
            assert dict(row) == {"seven": 7, "letter": "q"}
        assert uow.cases.many([1]) == {}
