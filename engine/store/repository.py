"""The store (database engines, migrations) and its unit of work, which owns the
repositories of the engine's tables (``engine/store/<subject>.py``).

``with store.unit_of_work() as uow: ...; uow.commit()`` — leaving the block without
``commit()`` rolls everything back, so a failure anywhere in a state change leaves
nothing behind (DESIGN invariant 1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, text
from sqlalchemy.exc import SQLAlchemyError

from engine.records import PoolStatus, SchemaStatus
from engine.store import schema
from engine.store.absences import AbsenceRepository
from engine.store.cases import CaseRepository
from engine.store.credentials import CredentialRepository
from engine.store.database import (
    DatabasePool,
    database_url,
    is_sqlite,
    make_engine,
    sqlite_file,
)
from engine.store.definitions import DefinitionRepository
from engine.store.events import EventRepository
from engine.store.exports import ExportRepository
from engine.store.failures import log, translate
from engine.store.figures import FigureRepository
from engine.store.ledger import LedgerRepository
from engine.store.notices import NoticeRepository
from engine.store.ratings import RatingRepository
from engine.store.runs import RunRepository
from engine.store.settings import SettingsRepository
from engine.store.tables import Base
from engine.store.tasks import TaskRepository
from engine.store.throttles import ThrottleRepository
from engine.store.transactions import DatabaseSession


class Store:
    """Owns the database engines; hands out units of work."""

    def __init__(self, url: str | None = None, pool: DatabasePool | None = None) -> None:
        self.url = database_url(url)
        self._write_engine = make_engine(self.url, immediate=True, pool=pool)
        memory = self.url in ("sqlite://", "sqlite:///:memory:")
        self.in_memory = memory  # one connection, private to this process
        self._read_engine = (
            make_engine(self.url) if is_sqlite(self.url) and not memory else self._write_engine
        )
        # On PostgreSQL reads run in READ ONLY transactions: they end with COMMIT (see
        # ``UnitOfWork.__exit__``), and a read-only transaction can persist nothing.
        self._read_only = not is_sqlite(self.url)

    def _writer(self) -> DatabaseSession:
        return DatabaseSession(self._write_engine)

    def _reader(self) -> DatabaseSession:
        return DatabaseSession(self._read_engine, read_only=self._read_only)

    @property
    def sqlite_path(self) -> Path | None:
        """The database file of a SQLite database (None: in memory, or another database)."""
        return sqlite_file(self.url)

    @property
    def dialect(self) -> str:
        return self._write_engine.dialect.name

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration. A database that cannot
        be reached raises ``Unavailable`` (logged), as any other unit of work does."""
        try:
            schema.upgrade(self._write_engine, "head")
        except SQLAlchemyError as error:
            found = translate(error, committing=False, operation="migrate")
            if found is None:
                raise
            raise found from error

    def schema_status(self, timeout: float) -> SchemaStatus:
        """Ask the database which migration it is at, waiting at most about ``timeout``
        seconds for its answer (PostgreSQL's statement timeout; SQLite's busy timeout
        does not apply to a read). ``Unavailable`` if it cannot answer."""
        head, known = schema.head(), {r.id for r in schema.history()}
        try:
            with self._read_engine.connect() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT set_config('statement_timeout', :ms, true)"),
                        {"ms": str(max(1, int(timeout * 1000)))},
                    )
                current = MigrationContext.configure(connection).get_current_revision()
                connection.rollback()
        except SQLAlchemyError as error:
            found = translate(error, committing=False, operation="schema_status", case_id=None)
            if found is None:
                raise
            raise found from error
        return SchemaStatus(current, head, current is None or current in known)

    def pool_status(self) -> PoolStatus:
        """This process's pool of writer connections (zeros for a pool that keeps none,
        as an in-memory database's)."""
        pool: Any = self._write_engine.pool
        if not hasattr(pool, "checkedout"):
            return PoolStatus(0, 0, 0)
        return PoolStatus(int(pool.size()), int(pool.checkedout()), int(pool.overflow()))

    def schema_differences(self) -> list[Any]:
        """What Alembic finds between the migrated database and the table models (should be [])."""
        with self._write_engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"render_as_batch": True})
            return list(compare_metadata(context, models_for(connection.dialect.name)))

    def unit_of_work(
        self, *, write: bool = True, operation: str | None = None, case_id: int | None = None
    ) -> UnitOfWork:
        """A unit of work; ``operation`` and ``case_id`` name it in the log if the database
        fails (default: the failing statement's verb and table).

        Inside ``reading()`` the reads share one transaction, and a write ends it first."""
        read_only = not write and not is_sqlite(self.url)
        shared = _shared.get()
        if shared is None or shared.store is not self:
            session = (self._writer if write else self._reader)()
            return UnitOfWork(session, operation, case_id, read_only=read_only)
        if write:
            shared.end()  # the write, and the reads after it, see what is committed now
            return UnitOfWork(self._writer(), operation, case_id, after=shared.end)
        return UnitOfWork(shared.session(), operation, case_id, read_only=read_only, shared=shared)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Let the reads of the block share one read transaction, until a write begins
        (what a request does: its token, then what it shows). Each read it saves is a
        pool checkout, a BEGIN and a COMMIT. A write unit of work ends the shared
        transaction before it begins and when it ends, so nothing read afterwards misses
        a commit; a read that fails ends it too. An in-memory database (one connection
        for everything) reads as it would without."""
        outer = _shared.get()
        if self.in_memory or (outer is not None and outer.store is self):
            yield  # (inside another block: its transaction is already shared)
            return
        shared = SharedRead(self)
        token = _shared.set(shared)
        try:
            yield
        finally:
            _shared.reset(token)
            shared.end()

    def dispose(self) -> None:
        self._write_engine.dispose()
        if self._read_engine is not self._write_engine:
            self._read_engine.dispose()


def models_for(dialect: str) -> MetaData:
    """The table models as ``dialect`` has them: without the indexes only PostgreSQL
    has (``engine.store.tables.postgresql_only``) on any other database."""
    if dialect == "postgresql":
        return Base.metadata
    models = MetaData()
    for table in Base.metadata.sorted_tables:
        left_out = {i.name for i in table.indexes if i.info.get("postgresql_only")}
        copy = table.to_metadata(models)  # (a copy's indexes keep no ``info``)
        for index in [i for i in copy.indexes if i.name in left_out]:
            copy.indexes.discard(index)
    return models


class SharedRead:
    """The read transaction the units of work of ``Store.reading`` share: its session is
    opened at the first read and closed by ``end``."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._session: DatabaseSession | None = None

    def session(self) -> DatabaseSession:
        if self._session is None:
            self._session = self.store._reader()
        return self._session

    def end(self) -> None:
        """End the shared transaction (COMMIT for a PostgreSQL read-only one, as a read
        unit of work ends; ROLLBACK on SQLite); the next read begins another."""
        self._close(commit=not is_sqlite(self.store.url))

    def fail(self) -> None:
        """A read failed: its transaction ends without another statement in it."""
        self._close(commit=False)

    def _close(self, *, commit: bool) -> None:
        session, self._session = self._session, None
        if session is not None:
            _end(session, commit=commit, operation="reading")


def _end(session: DatabaseSession, *, commit: bool, operation: str | None) -> None:
    """End the session's transaction (``commit``, or roll it back) and close it. If the
    connection is gone the server rolls back by itself and the pool drops it: logged."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    except SQLAlchemyError as error:
        log.warning(
            "transaction_not_ended",
            operation=operation,
            end="commit" if commit else "rollback",
            error=type(error).__name__,
        )
    finally:
        session.close()


_shared: ContextVar[SharedRead | None] = ContextVar("daiban_shared_read", default=None)


class UnitOfWork:
    """One transaction and the repositories that read and write in it (``uow.cases``,
    ``uow.events`` …, all over the same session).

    Database errors leave it as engine errors (``engine.store.failures``): a conflict,
    ``Unavailable`` or, from the commit itself, ``OutcomeUnknown``; bugs stay as they are."""

    def __init__(
        self,
        session: DatabaseSession,
        operation: str | None = None,
        case_id: int | None = None,
        *,
        read_only: bool = False,
        shared: SharedRead | None = None,
        after: Callable[[], None] | None = None,
    ) -> None:
        self.session = session
        self.operation = operation
        self.case_id = case_id
        self.read_only = read_only  # a PostgreSQL READ ONLY transaction
        self._shared = shared  # the read transaction of ``Store.reading`` it is part of
        self._after = after  # called once the unit of work has ended
        self.definitions = DefinitionRepository(session)
        self.cases = CaseRepository(session)
        self.events = EventRepository(session)
        self.tasks = TaskRepository(session)
        self.ledger = LedgerRepository(session)
        self.credentials = CredentialRepository(session)
        self.throttles = ThrottleRepository(session)
        self.exports = ExportRepository(session)
        self.figures = FigureRepository(session)
        self.settings = SettingsRepository(session)
        self.absences = AbsenceRepository(session)
        self.ratings = RatingRepository(session)
        self.notices = NoticeRepository(session)
        self.runs = RunRepository(session)

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._shared is not None:
            if exc is not None:
                self._shared.fail()
            found = self._translated(exc, committing=False)
            if found is not None:
                raise found from exc
            return
        # A read-only transaction ends with COMMIT, the same as a rollback for it: psycopg
        # forgets every statement it has prepared on the connection at each ROLLBACK, so
        # the statements read on every request (the token, the queue, the case row) would
        # be parsed and planned afresh each time.
        try:
            _end(self.session, commit=self.read_only and exc is None, operation=self.operation)
        finally:
            if self._after is not None:
                self._after()
        found = self._translated(exc, committing=False)
        if found is not None:
            raise found from exc

    def commit(self) -> None:
        """Make the work durable. Failures before the COMMIT changed nothing; a connection
        lost during the COMMIT raises ``OutcomeUnknown``."""
        try:
            self.session.flush()
        except SQLAlchemyError as error:
            found = self._translated(error, committing=False)
            if found is None:
                raise
            raise found from error
        try:
            self.session.commit()
        except SQLAlchemyError as error:
            found = self._translated(error, committing=True)
            if found is None:
                raise
            raise found from error

    def _translated(self, error: BaseException | None, *, committing: bool) -> Exception | None:
        if not isinstance(error, SQLAlchemyError):
            return None
        return translate(
            error, committing=committing, operation=self.operation, case_id=self.case_id
        )

    def rollback(self) -> None:
        self.session.rollback()
