"""Helpers for tests and benchmarks: isolated databases and raw SQL (e.g. to tamper)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, event, make_url, text

from engine.store.repository import Store


@contextmanager
def isolated_database(base_url: str | None, folder: Path) -> Iterator[str]:
    """A fresh database URL: a new SQLite file in ``folder``, or a new PostgreSQL schema."""
    if not base_url or base_url.startswith("sqlite"):
        yield f"sqlite:///{folder / f'daiban-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_sql(store: Store, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Run raw SQL in its own transaction (tests use it to tamper with stored rows)."""
    with store.unit_of_work() as uow:
        result = uow.session.execute(text(sql), params)
        rows = [tuple(row) for row in result] if result.returns_rows else []  # type: ignore[attr-defined]
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
