"""Database engines: built by a factory, never at import time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.pool import StaticPool

DEFAULT_URL = "sqlite:///daiban.sqlite3"
BUSY_TIMEOUT = 30.0  # seconds a SQLite writer waits for the lock; ``?timeout=`` in the URL
# Seconds to wait for a PostgreSQL server to accept a connection (``?connect_timeout=`` in
# the URL): a host that drops packets fails a request, a readiness check, in seconds, not
# after the system's TCP timeout of minutes.
CONNECT_TIMEOUT = 5


@dataclass(frozen=True)
class DatabasePool:
    """Connections each process keeps to a server database (PostgreSQL): ``size`` kept
    open, ``overflow`` more opened under load and closed after, ``timeout`` seconds a
    request waits for one before failing (``Unavailable``, reason ``busy``). Every app
    server process and every worker has a pool of its own: their sum at peak,
    ``processes × (size + overflow)``, must stay under the server's ``max_connections``.
    SQLite has no pool to size (a file, one writer at a time)."""

    size: int = 5
    overflow: int = 10
    timeout: float = 30.0


def database_url(explicit: str | None = None) -> str:
    """``explicit``, else the default; the entry points read ``DAIBAN_DATABASE_URL``."""
    return explicit or DEFAULT_URL


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database (None: in memory, or another database)."""
    if not is_sqlite(url) or url in ("sqlite://", "sqlite:///:memory:"):
        return None
    database = make_url(url).database
    return Path(database) if database else None


def make_engine(url: str, *, immediate: bool = False, pool: DatabasePool | None = None) -> Engine:
    """An engine for ``url``. On SQLite: WAL with ``synchronous=FULL`` (commits survive a
    power cut), a busy timeout, and ``BEGIN IMMEDIATE`` for writers when asked, so two
    writers queue instead of failing to upgrade a read lock. A writer still waiting when
    the busy timeout ends fails with SQLITE_BUSY: ``Unavailable`` (``engine.store.failures``)."""
    if not is_sqlite(url):
        pool = pool or DatabasePool()
        parsed = make_url(url)
        libpq = parsed.get_driver_name() in ("psycopg", "psycopg2")
        given = "connect_timeout" in parsed.query
        connect = {"connect_timeout": CONNECT_TIMEOUT} if libpq and not given else {}
        return create_engine(
            url,
            pool_pre_ping=True,
            hide_parameters=True,
            connect_args=connect,
            pool_size=pool.size,
            max_overflow=pool.overflow,
            pool_timeout=pool.timeout,
        )
    memory = url in ("sqlite://", "sqlite:///:memory:")
    timeout = make_url(url).query.get("timeout")
    busy = float(timeout) if isinstance(timeout, str) else BUSY_TIMEOUT
    kwargs: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": busy},
        # A database error in the log (a 500's traceback) shows the SQL, never the values:
        # they are residents' names, ID numbers and phones.
        "hide_parameters": True,
    }
    if memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
