"""Database engines: built by a factory, never at import time."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, make_url
from sqlalchemy.pool import StaticPool

DEFAULT_URL = "sqlite:///daiban.sqlite3"
BUSY_TIMEOUT = 30.0  # seconds a SQLite writer waits for the lock; ``?timeout=`` in the URL
# Seconds to wait for a PostgreSQL server to accept a connection (``?connect_timeout=`` in
# the URL): a host that drops packets fails a request, a readiness check, in seconds, not
# after the system's TCP timeout of minutes.
CONNECT_TIMEOUT = 5
# A pooled PostgreSQL connection given back less than this many seconds ago is taken as
# alive; one idle for longer is pinged before use and replaced if the server has gone
# (HikariCP's "alive bypass window", 500 ms by default, is the same rule).
ALIVE_WINDOW = 0.5


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
        server = create_engine(
            url,
            hide_parameters=True,
            connect_args=connect,
            pool_size=pool.size,
            max_overflow=pool.overflow,
            pool_timeout=pool.timeout,
        )
        _ping_when_idle(server)
        if parsed.get_driver_name() == "psycopg":
            _describe_lazily(server)
        return server
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


def _describe_lazily(engine: Engine) -> None:
    """Cursors that build ``description`` only when it is looked into
    (``engine.store.described``)."""
    from engine.store.described import LazyCursor

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.cursor_factory = LazyCursor


_IDLE_SINCE = "daiban_idle_since"


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only if it has been idle ``ALIVE_WINDOW``
    seconds or more (SQLAlchemy's ``pool_pre_ping`` pings before every use: a round trip
    and about 0.08 ms of CPU by ``bench/floors.py``, for each transaction). A connection
    the server dropped while it sat in the pool — a restart, a failover, an idle timeout
    — has been idle for longer than that, so it is found and replaced, and every older
    connection of the pool with it, before a request fails on it. One the server drops
    within the window fails its request once (``Unavailable``, 503), and the pool then
    replaces it and its elders, as the rest of SQLAlchemy's disconnect handling does. A
    connection just opened is not pinged."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < ALIVE_WINDOW:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise exc.InvalidatePoolError()
