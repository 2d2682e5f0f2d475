"""What a database error means for the caller: a conflict, an outage or an unknown outcome.

Only a real concurrent change is a ``ConflictError`` (HTTP 409, nothing changed): a unique
key taken by another transaction, a serialization failure or deadlock the database broke
by rolling this transaction back. Trouble with the database itself — disk full, the
server unreachable, the connection lost before the commit, a lock wait that timed out —
is ``Unavailable`` (503, nothing changed). A connection lost *during* the commit is
``OutcomeUnknown`` (503): the database may have stored the change before the line went
dead, and nobody on this side can tell. Anything else (an SQL error, a broken constraint
other than uniqueness) is a bug and stays the driver's exception: a logged 500.

Errors are classified by the driver's own codes — SQLite's extended result codes and
PostgreSQL's SQLSTATEs, read by attribute so psycopg stays an optional dependency — and
by SQLAlchemy's disconnect detection (``connection_invalidated``). The log line gives an
operator the operation, the case, the driver's error class, code and primary message;
never the SQL parameters, which carry residents' data.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from engine.errors import ConflictError, EngineError, OutcomeUnknown, Unavailable
from engine.logs import get_logger

log = get_logger(__name__)

RETRY_AFTER = 5  # seconds: long enough for a failover or a lock holder, short for a person
CONFLICT = "数据已被他人同时修改，本次操作未保存，请刷新后重试"
UNAVAILABLE = {
    "disk_full": "数据库存储空间已满，本次请求未做任何修改；请稍后重试，并告知系统管理员",
    "unreachable": "暂时无法连接数据库，本次请求未做任何修改，请稍后重试",
    "busy": "数据库繁忙（等待超时或连接已满），本次请求未做任何修改，请稍后重试",
    "io_error": "数据库读写出错，本次请求未做任何修改；请稍后重试，并告知系统管理员",
}
OUTCOME_UNKNOWN = (
    "提交时与数据库的连接中断，无法确定本次操作是否已保存。"
    "收件登记：请用同一 Idempotency-Key 重试，会得到已登记的同一办件或新登记的办件；"
    "其他操作：请重新读取办件，比较 version——已增加则操作可能已生效，请核对后再决定是否重做"
)

# SQLite: primary result codes (the low byte of an extended code) and extended codes.
_SQLITE_UNIQUE = {sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY}
_SQLITE_STALE_SNAPSHOT = sqlite3.SQLITE_BUSY_SNAPSHOT  # a writer saw an older snapshot
_SQLITE_REASONS = {
    sqlite3.SQLITE_FULL: "disk_full",
    sqlite3.SQLITE_BUSY: "busy",  # the busy timeout ran out
    sqlite3.SQLITE_LOCKED: "busy",
    sqlite3.SQLITE_IOERR: "io_error",
    sqlite3.SQLITE_CANTOPEN: "unreachable",
    sqlite3.SQLITE_READONLY: "io_error",
    sqlite3.SQLITE_NOMEM: "io_error",
    sqlite3.SQLITE_CORRUPT: "io_error",
    sqlite3.SQLITE_NOTADB: "io_error",
    sqlite3.SQLITE_PROTOCOL: "io_error",
}

# PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html).
_PG_CONFLICTS = {"23505", "40001", "40P01"}  # unique_violation, serialization, deadlock
_PG_DISCONNECTS = {"57P01", "57P02", "57P03"}  # admin/crash shutdown, cannot connect now
_PG_REASONS = {
    "53100": "disk_full",
    "53": "busy",  # other insufficient resources: out of memory, too many connections
    "58": "io_error",  # system error: I/O error, undefined file
    "08": "unreachable",  # connection exception
    "28": "unreachable",  # invalid authorization (wrong configuration or rotated password)
    "3D": "unreachable",  # the database does not exist (dropped, wrong URL)
    "55P03": "busy",  # lock_not_available (lock_timeout)
    "57014": "busy",  # query_canceled (statement_timeout)
    "25006": "unreachable",  # read_only_sql_transaction: a standby after a failover
}


def _pg_disconnect(sqlstate: str | None) -> bool:
    """Whether a PostgreSQL SQLSTATE means the session is gone."""
    return sqlstate is not None and (sqlstate.startswith("08") or sqlstate in _PG_DISCONNECTS)


def translate(
    error: SQLAlchemyError,
    *,
    committing: bool,
    operation: str | None = None,
    case_id: int | None = None,
) -> EngineError | None:
    """The engine error ``error`` stands for, logged; None for a bug (left to propagate).

    ``committing``: the error came from the COMMIT itself, where a lost connection leaves
    the outcome unknown."""
    kind, reason = _classify(error, committing)
    if kind is None:
        return None
    context: dict[str, Any] = {"operation": operation or _statement(error, committing)}
    if case_id is not None:
        context["case_id"] = case_id
    driver = _driver(error)
    if kind == "conflict":
        log.info("database_conflict", **_where(context), driver=driver)
        return ConflictError(CONFLICT, **context)
    if kind == "unknown":
        log.error("database_outcome_unknown", **_where(context), driver=driver)
        return OutcomeUnknown(OUTCOME_UNKNOWN, RETRY_AFTER, **context)
    assert reason is not None
    log.error("database_unavailable", reason=reason, **_where(context), driver=driver)
    return Unavailable(UNAVAILABLE[reason], reason, RETRY_AFTER, **context)


def _classify(error: SQLAlchemyError, committing: bool) -> tuple[str | None, str | None]:
    if isinstance(error, PoolTimeout):  # every pooled connection busy for pool_timeout
        return "unavailable", "busy"
    if not isinstance(error, DBAPIError):
        return None, None
    orig = error.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return _classify_sqlite(code, committing)
    sqlstate = getattr(orig, "sqlstate", None)
    lost = error.connection_invalidated or _pg_disconnect(sqlstate)
    if lost or (sqlstate is None and _is_operational(orig)):
        # No SQLSTATE on an OperationalError: the client side of the line failed
        # (refused, reset, closed) before or without the server's answer.
        return ("unknown", None) if committing else ("unavailable", "unreachable")
    if sqlstate in _PG_CONFLICTS:
        return "conflict", None
    reason = _PG_REASONS.get(sqlstate or "") or _PG_REASONS.get((sqlstate or "")[:2])
    return ("unavailable", reason) if reason else (None, None)


def _classify_sqlite(code: int, committing: bool) -> tuple[str | None, str | None]:
    if code in _SQLITE_UNIQUE or code == _SQLITE_STALE_SNAPSHOT:
        return "conflict", None
    reason = _SQLITE_REASONS.get(code & 0xFF)
    if reason == "io_error" and committing:
        # An I/O error while writing or syncing the commit: the frames may be on disk.
        return "unknown", None
    return ("unavailable", reason) if reason else (None, None)


def _is_operational(orig: BaseException | None) -> bool:
    return any(cls.__name__ == "OperationalError" for cls in type(orig).__mro__)


def _statement(error: SQLAlchemyError, committing: bool) -> str:
    """``INSERT cases``, ``SELECT ready_tasks``, ``COMMIT``: the statement without its data."""
    statement = getattr(error, "statement", None)
    if not statement:
        return "COMMIT" if committing else "connect"
    verb = statement.split(None, 1)[0].upper()
    table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", statement, re.IGNORECASE)
    return f"{verb} {table.group(1)}" if table else verb


def _where(context: dict[str, Any]) -> dict[str, Any]:
    """The operation and the case (if any) as log fields."""
    return {"operation": context["operation"], "case": context.get("case_id")}


def _driver(error: SQLAlchemyError) -> str:
    """The driver's error class, code and primary message: no SQL, no parameters."""
    orig = getattr(error, "orig", None)
    if orig is None:
        return f"{type(error).__name__}: {_first_line(str(error))}"
    cls = type(orig)
    code = getattr(orig, "sqlite_errorname", None) or getattr(orig, "sqlstate", None)
    diag = getattr(orig, "diag", None)
    message = getattr(diag, "message_primary", None) or str(orig)
    return f"{cls.__module__}.{cls.__qualname__} [{code or '-'}]: {_first_line(message)}"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else ""
