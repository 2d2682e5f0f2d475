"""The database session of one unit of work: a Core connection, and an ORM session over
the same transaction made only when a repository asks for one.

Most of what a request reads and writes goes through ``connection()`` as Core statements;
an ORM ``Session`` around them cost a short transaction about 0.05 ms of CPU more (its
begin, its state changes and its commit: 0.29–0.34 against 0.24–0.28 ms per transaction
of one statement by ``bench/floors.py``, ``docs/benchmarks.md``). The few repositories
that read or write ORM rows (``get``, ``add``, ``scalars`` of a mapped class …) get a
``Session`` bound to this connection, which joins the transaction already begun: it
flushes into it and never commits it (a flush that fails rolls it back, and the unit of
work fails)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session


class DatabaseSession:
    """A transaction on ``engine``: the pool's connection is taken at the first statement
    and given back by ``close``; ``commit`` flushes the ORM rows added, then commits.

    ``read_only`` (PostgreSQL): the transactions begin READ ONLY. The driver connection
    is switched for as long as this session holds it, and switched back before it goes
    back to the pool (or the connection is dropped, if it cannot be): SQLAlchemy's
    ``postgresql_readonly`` option does the same with machinery that cost about 0.04 ms
    of CPU per transaction (``docs/benchmarks.md``)."""

    __slots__ = ("_connection", "_engine", "_orm", "_read_only")

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._connection: Connection | None = None
        self._orm: Session | None = None

    @property
    def dialect(self) -> str:
        """The name of the database dialect ("postgresql" or "sqlite")."""
        return self._engine.dialect.name

    def connection(self) -> Connection:
        """The transaction's connection (Core statements; it begins at the first one)."""
        connection = self._connection
        if connection is None:
            connection = self._connection = self._engine.connect()
            if self._read_only:
                self._set_read_only(connection, True)
        return connection

    @property
    def orm(self) -> Session:
        """An ORM session inside this transaction, made at the first use."""
        orm = self._orm
        if orm is None:
            connection = self.connection()
            if not connection.in_transaction():
                connection.begin()  # (the session joins it, and leaves its end to us)
            orm = self._orm = Session(
                bind=connection,
                expire_on_commit=False,
                join_transaction_mode="rollback_only",
            )
        return orm

    # The ORM session's ways in, for the repositories that read or write mapped rows.
    def execute(self, statement: Any, parameters: Any = None) -> Any:
        return self.orm.execute(statement, parameters)

    def scalars(self, statement: Any, parameters: Any = None) -> Any:
        return self.orm.scalars(statement, parameters)

    def scalar(self, statement: Any, parameters: Any = None) -> Any:
        return self.orm.scalar(statement, parameters)

    def get(self, entity: Any, ident: Any) -> Any:
        return self.orm.get(entity, ident)

    def add(self, instance: object) -> None:
        self.orm.add(instance)

    def flush(self) -> None:
        """Write the ORM rows added or changed so far (nothing without an ORM session)."""
        if self._orm is not None:
            self._orm.flush()

    def commit(self) -> None:
        """Flush, then commit the transaction; the next statement begins another."""
        self.flush()
        if self._connection is not None:
            self._connection.commit()
        self._drop_orm()

    def rollback(self) -> None:
        """Roll the transaction back, with the ORM rows not yet written; the next
        statement begins another."""
        self._drop_orm()
        if self._connection is not None:
            self._connection.rollback()

    def close(self) -> None:
        """End: roll back what was not committed and give the connection back to the pool."""
        connection, self._connection = self._connection, None
        try:
            self._drop_orm()
        finally:
            if connection is not None:
                if self._read_only and not connection.invalidated:  # (a lost one is dropped)
                    try:
                        self._set_read_only(connection, False)
                    except Exception:
                        connection.invalidate()  # never back to the pool read-only
                connection.close()

    def _set_read_only(self, connection: Connection, value: bool) -> None:
        driver = connection.connection.driver_connection
        self._engine.dialect.set_readonly(driver, value)  # type: ignore[attr-defined]

    def _drop_orm(self) -> None:
        orm, self._orm = self._orm, None
        if orm is not None:
            orm.close()  # (a joined session leaves the transaction as it is)
