"""The schema as an operator handles it: Alembic's revisions (upgrade, downgrade, the current
one, the history) and SQLite's online backup. ``engine.database`` is the engine's face of it."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from engine.store.database import is_sqlite, make_engine

_MIGRATIONS = Path(__file__).parent / "migrations"

# The lock every migrating process takes on PostgreSQL (``Store.migrate`` too): several app
# servers or workers starting on one new database migrate one after the other.
MIGRATION_LOCK = 7172501


def migrations(connection: Connection | None = None) -> Config:
    """Alembic's configuration for running the migrations on ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@dataclass(frozen=True)
class Revision:
    """One migration: its id, the one before, its first docstring line."""

    id: str
    down: str | None
    title: str


@functools.cache
def script_directory() -> ScriptDirectory:
    """The migration scripts of this version of daiban (read once)."""
    return ScriptDirectory.from_config(migrations())


def head() -> str:
    found = script_directory().get_current_head()
    assert found is not None, "the migrations have one head"
    return found


def history() -> list[Revision]:
    """Every migration, oldest first."""
    revisions = [
        Revision(str(r.revision), _down(r.down_revision), (r.doc or "").strip().splitlines()[0])
        for r in script_directory().walk_revisions()
    ]
    return list(reversed(revisions))


def _down(value: object) -> str | None:
    return None if value is None else str(value)


def lock(connection: Connection) -> None:
    """Migrate alone (PostgreSQL: a transaction-scoped advisory lock; SQLite: its writer lock)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))


@contextmanager
def _engine(database: Engine | str) -> Iterator[Engine]:
    """The engine given, or one for the URL given (closed afterwards)."""
    if isinstance(database, Engine):
        yield database
        return
    engine = make_engine(database, immediate=True)
    try:
        yield engine
    finally:
        engine.dispose()


def current(database: Engine | str) -> str | None:
    """The revision the database is at (None: an empty database)."""
    with _engine(database) as engine, engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(database: Engine | str, revision: str) -> None:
    with _engine(database) as engine, engine.begin() as connection:
        lock(connection)
        command.upgrade(migrations(connection), revision)


def downgrade(database: Engine | str, revision: str) -> None:
    with _engine(database) as engine, engine.begin() as connection:
        lock(connection)
        command.downgrade(migrations(connection), revision)


def sqlite_backup(url: str, target: Path) -> int:
    """Copy the SQLite database of ``url`` to the new file ``target`` with SQLite's online
    backup API (a consistent copy while servers and workers go on writing: the copy
    restarts over pages written meanwhile); the pages copied."""
    if not is_sqlite(url):
        raise ValueError("only a SQLite database is copied this way")
    engine = make_engine(url)
    try:
        source = engine.raw_connection()
        try:
            copy = sqlite3.connect(target)
            try:
                # sqlite3 module typing: the DBAPI connection under SQLAlchemy's wrapper
                raw = source.driver_connection
                assert isinstance(raw, sqlite3.Connection)
                raw.backup(copy, pages=1024)
                pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
            finally:
                copy.close()
        finally:
            source.close()
    finally:
        engine.dispose()
    return pages
