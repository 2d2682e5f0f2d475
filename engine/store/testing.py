"""Helpers for tests and benchmarks: isolated databases, copies of a prepared template
database, and raw SQL (e.g. to tamper)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, create_engine, event, make_url, text

from engine.store import schema
from engine.store.repository import Store
from engine.store.tables import Base

_SEARCH_PATH = "-csearch_path="


@contextmanager
def isolated_database(
    base_url: str | None, folder: Path, *, template: str | None = None
) -> Iterator[str]:
    """A fresh database URL: a new SQLite file in ``folder``, or a new PostgreSQL schema.

    ``template``: the URL of a database this function made before and that nobody writes
    to any more; the new database starts as an exact copy of it (see ``copy_database``).
    """
    if not base_url or base_url.startswith("sqlite"):
        url = f"sqlite:///{folder / f'daiban-{uuid.uuid4().hex[:8]}.sqlite3'}"
        if template is not None:
            copy_database(template, url)
        yield url
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base_url else "?"
    url = f"{base_url}{separator}options={quote(f'{_SEARCH_PATH}{schema}')}"
    try:
        if template is not None:
            copy_database(template, url)
        yield url
    finally:
        try:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        finally:
            admin.dispose()


def copy_database(template: str, target: str) -> None:
    """Make the empty database ``target`` an exact copy of ``template`` (both made by
    ``isolated_database``; nothing may write to ``template`` meanwhile).

    SQLite: the file, page by page, through SQLite's backup API (the WAL included).
    PostgreSQL: the migrations build the schema (tables, indexes, foreign keys, the
    append-only triggers, sequences) exactly as for a new database, then every row is
    copied and every sequence set to where the template's stands, so ids go on alike.
    """
    source_path, target_path = make_url(template).database, make_url(target).database
    if make_url(template).get_backend_name() == "sqlite":
        assert source_path and target_path, "SQLite file databases"
        source, copy = sqlite3.connect(source_path), sqlite3.connect(target_path)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    store = Store(target)
    try:
        store.migrate()
    finally:
        store.dispose()
    admin = create_engine(make_url(target).difference_update_query(["options"]))
    try:
        with admin.begin() as connection:
            _copy_schema(connection, _schema_of(template), _schema_of(target))
    finally:
        admin.dispose()


def _schema_of(url: str) -> str:
    options = str(make_url(url).query.get("options", ""))
    assert options.startswith(_SEARCH_PATH), f"not a schema made by isolated_database: {url}"
    return options.removeprefix(_SEARCH_PATH)


def _copy_schema(connection: Connection, source: str, target: str) -> None:
    found = connection.execute(
        text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
        {"s": source},
    )
    tables = [t.name for t in Base.metadata.sorted_tables]  # parents before children
    unknown = {name for (name,) in found} - {*tables, "alembic_version"}
    assert not unknown, f"tables the copy does not know: {sorted(unknown)}"
    for table in tables:
        connection.execute(
            text(f'INSERT INTO "{target}"."{table}" SELECT * FROM "{source}"."{table}"')
        )
    sequences = connection.execute(
        text(
            "SELECT sequencename, last_value FROM pg_sequences"
            " WHERE schemaname = :s AND last_value IS NOT NULL"
        ),
        {"s": source},
    )
    for name, value in list(sequences):
        connection.execute(
            text("SELECT setval(:sequence, :value)"),
            {"sequence": f'"{target}"."{name}"', "value": value},
        )


def downgrade(store: Store, revision: str) -> None:
    """Take the schema back to migration ``revision`` (``store.migrate()`` brings it up
    again), to test a migration on the rows it finds."""
    schema.downgrade(store._write_engine, revision)


def run_sql(store: Store, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Run raw SQL in its own transaction (tests use it to tamper with stored rows)."""
    with store.unit_of_work() as uow:
        result = uow.session.execute(text(sql), params)
        rows = [tuple(row) for row in result] if result.returns_rows else []
        uow.session.commit()
    return rows


def drop_append_only_guard(store: Store) -> None:
    """Remove the triggers that refuse UPDATE/DELETE on events (as a DBA could)."""
    if store.dialect == "sqlite":
        run_sql(store, "DROP TRIGGER events_no_update")
        run_sql(store, "DROP TRIGGER events_no_delete")
    else:
        run_sql(store, "DROP TRIGGER events_append_only ON events")


@contextmanager
def sqlite_disk_full(store: Store) -> Iterator[None]:
    """Inside the block the database cannot grow, as on a full disk: its free pages are
    vacuumed away and every new connection of ``store`` is capped at the file's current
    size (SQLite's ``max_page_count``), so the next write needing a page fails with
    SQLITE_FULL, "database or disk is full" — the error a full disk gives."""
    path = make_url(store.url).database
    assert store.dialect == "sqlite" and path, "a SQLite file database"
    vacuum = sqlite3.connect(path, isolation_level=None)
    vacuum.execute("VACUUM")
    vacuum.close()

    def cap(dbapi_connection: Any, _record: Any) -> None:
        (pages,) = dbapi_connection.execute("PRAGMA page_count").fetchone()
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    engines = {store._write_engine, store._read_engine}
    for engine in engines:
        event.listen(engine, "connect", cap)
        engine.dispose()  # pooled connections were opened without the cap
    try:
        yield
    finally:
        for engine in engines:
            event.remove(engine, "connect", cap)
            engine.dispose()
