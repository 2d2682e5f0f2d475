"""Repository and unit of work over the engine's tables.

``with store.unit_of_work() as uow: ...; uow.commit()`` — leaving the block without
``commit()`` rolls everything back, so a failure anywhere in a state change leaves
nothing behind (DESIGN invariant 1).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, cast

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Table, and_, bindparam, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import ConflictError, NotFound
from engine.records import (
    CaseQuery,
    CaseRecord,
    CaseScope,
    EventRecord,
    ProcessVersionRecord,
    StoredFile,
    TaskRecord,
)
from engine.store.credentials import CredentialsMixin
from engine.store.database import database_url, is_sqlite, make_engine
from engine.store.exports import ExportsMixin
from engine.store.failures import log, translate
from engine.store.ledger import LedgerMixin
from engine.store.rows import event_record, scope_condition
from engine.store.tables import (
    Base,
    CaseCounterRow,
    CaseRow,
    DefinitionFileRow,
    EventRow,
    ProcessVersionRow,
    ReadyTaskRow,
)

_MIGRATIONS = Path(__file__).parent / "migrations"
MAX_ID = 2**63 - 1  # BIGINT; larger numbers from a URL or the command line match nothing
MAX_VERSION = 2**31 - 1  # INTEGER (process_versions.version), likewise
_CASES = cast(Table, CaseRow.__table__)
_CASE_BY_ID = select(_CASES).where(_CASES.c.id == bindparam("id"))
_UPDATE_CASE = (
    update(_CASES)
    .where(_CASES.c.id == bindparam("b_id"), _CASES.c.version == bindparam("b_version"))
    .values(
        {
            c.name: bindparam(f"v_{c.name}", type_=c.type)
            for c in _CASES.columns
            if c.name not in ("id", "uid", "created_at")
        }
    )
)
_INSERT_EVENT = insert(cast(Table, EventRow.__table__))
_TASKS = cast(Table, ReadyTaskRow.__table__)
_INSERT_TASK = insert(_TASKS)
_TASK_BY_ID = select(_TASKS).where(_TASKS.c.id == bindparam("id"))
_TASK_IDS = select(_TASKS.c.id, _TASKS.c.claimed_by, _TASKS.c.due_at).where(
    _TASKS.c.case_id == bindparam("case_id"), _TASKS.c.closed_seq.is_(None)
)


class Store:
    """Owns the database engines; hands out units of work."""

    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)
        self._write_engine = make_engine(self.url, immediate=True)
        memory = self.url in ("sqlite://", "sqlite:///:memory:")
        self._read_engine = (
            make_engine(self.url) if is_sqlite(self.url) and not memory else self._write_engine
        )
        self._writer = sessionmaker(self._write_engine, expire_on_commit=False)
        self._reader = sessionmaker(self._read_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self._write_engine.dialect.name

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with self._write_engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Several workers starting at once migrate one after the other.
                connection.execute(text("SELECT pg_advisory_xact_lock(7172501)"))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def schema_differences(self) -> list[Any]:
        """What Alembic finds between the migrated database and the table models (should be [])."""
        with self._write_engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"render_as_batch": True})
            return list(compare_metadata(context, Base.metadata))

    def unit_of_work(
        self, *, write: bool = True, operation: str | None = None, case_id: int | None = None
    ) -> UnitOfWork:
        """A unit of work; ``operation`` and ``case_id`` name it in the log if the database
        fails (default: the failing statement's verb and table)."""
        return UnitOfWork((self._writer if write else self._reader)(), operation, case_id)

    def dispose(self) -> None:
        self._write_engine.dispose()
        if self._read_engine is not self._write_engine:
            self._read_engine.dispose()


class UnitOfWork(CredentialsMixin, LedgerMixin, ExportsMixin):
    """Database errors leave it as engine errors (``engine.store.failures``): a conflict,
    ``Unavailable`` or, from the commit itself, ``OutcomeUnknown``; bugs stay as they are."""

    def __init__(
        self, session: Session, operation: str | None = None, case_id: int | None = None
    ) -> None:
        self.session = session
        self.operation = operation
        self.case_id = case_id

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        except SQLAlchemyError as error:
            # The connection is gone: the server rolls back by itself and the pool drops it.
            log.warning("rollback failed after %s: %s", self.operation, type(error).__name__)
        finally:
            self.session.close()
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

    # -- definitions -------------------------------------------------------------------
    def file(self, content_hash: str) -> StoredFile | None:
        row = self.session.get(DefinitionFileRow, content_hash)
        return StoredFile(row.hash, row.path, row.xml) if row else None

    def add_file(self, stored: StoredFile, now: datetime) -> None:
        if self.session.get(DefinitionFileRow, stored.hash) is None:
            self.session.add(
                DefinitionFileRow(
                    hash=stored.hash, path=stored.path, xml=stored.xml, created_at=now
                )
            )

    def latest_version(self, process_id: str) -> ProcessVersionRecord | None:
        row = self.session.scalars(
            select(ProcessVersionRow)
            .where(ProcessVersionRow.process_id == process_id)
            .order_by(ProcessVersionRow.version.desc())
            .limit(1)
        ).first()
        return _version(row) if row else None

    def version_by_hash(self, version_hash: str) -> ProcessVersionRecord | None:
        row = self.session.scalars(
            select(ProcessVersionRow).where(ProcessVersionRow.hash == version_hash)
        ).first()
        return _version(row) if row else None

    def version(self, process_id: str, version: int) -> ProcessVersionRecord | None:
        if not 0 < version <= MAX_VERSION:  # beyond the column's range: no such version
            return None
        row = self.session.scalars(
            select(ProcessVersionRow).where(
                ProcessVersionRow.process_id == process_id, ProcessVersionRow.version == version
            )
        ).first()
        return _version(row) if row else None

    def versions(self) -> list[ProcessVersionRecord]:
        rows = self.session.scalars(
            select(ProcessVersionRow).order_by(
                ProcessVersionRow.process_id, ProcessVersionRow.version
            )
        )
        return [_version(row) for row in rows]

    def add_version(self, record: ProcessVersionRecord) -> None:
        self.session.add(
            ProcessVersionRow(
                process_id=record.process_id,
                version=record.version,
                hash=record.hash,
                name=record.name,
                files=json.dumps([list(f) for f in record.files]),
                deployed_at=record.deployed_at,
                deployed_by=record.deployed_by,
            )
        )

    # -- cases -------------------------------------------------------------------------
    def case(self, case_id: int) -> CaseRecord:
        if not 0 < case_id <= MAX_ID:  # beyond the column's range: no such case, not a DB error
            raise NotFound("办件不存在", case_id=case_id)
        row = self.session.connection().execute(_CASE_BY_ID, {"id": case_id}).mappings().first()
        if row is None:
            raise NotFound("办件不存在", case_id=case_id)
        return CaseRecord(**row)

    def cases(self, case_ids: Sequence[int]) -> dict[int, CaseRecord]:
        """The rows of several cases in one query (missing ids are left out)."""
        wanted = sorted({i for i in case_ids if 0 < i <= MAX_ID})
        if not wanted:
            return {}
        rows = self.session.connection().execute(select(_CASES).where(_CASES.c.id.in_(wanted)))
        return {row["id"]: CaseRecord(**row) for row in rows.mappings()}

    def case_by_idempotency_key(self, key: str) -> CaseRecord | None:
        row = self.session.scalars(select(CaseRow).where(CaseRow.idempotency_key == key)).first()
        return _case(row) if row else None

    def next_sequence(self, region: str, day: str) -> int:
        """The next number of the day for a region, counted in this transaction."""
        table = cast(Table, CaseCounterRow.__table__)
        dialect = self.session.get_bind().dialect.name
        module = postgresql if dialect == "postgresql" else sqlite
        statement = (
            module.insert(table)
            .values(region=region, day=day, last=1)
            .on_conflict_do_update(
                index_elements=["region", "day"], set_={"last": table.c.last + 1}
            )
            .returning(table.c.last)
        )
        return int(self.session.connection().execute(statement).scalar_one())

    def case_ids(self, after: int = 0, limit: int = 1000) -> list[int]:
        if after >= MAX_ID:
            return []
        rows = self.session.scalars(
            select(CaseRow.id).where(CaseRow.id > after).order_by(CaseRow.id).limit(limit)
        )
        return list(rows)

    def find_cases(
        self, scope: CaseScope, query: CaseQuery, offset: int = 0, limit: int = 50
    ) -> tuple[list[CaseRecord], int]:
        """Cases inside ``scope`` matching ``query``, newest first, and how many there are."""
        if scope.empty:
            return [], 0
        conditions: list[Any] = []
        scoped = scope_condition(scope)
        if scoped is not None:
            conditions.append(scoped)
        for column, value in (
            (CaseRow.item_code, query.item_code),
            (CaseRow.status, query.status),
            (CaseRow.org_unit, query.township),
            (CaseRow.village, query.village),
        ):
            if value is not None:
                conditions.append(column == value)
        if query.overdue_on is not None:
            conditions += [CaseRow.status == "open", CaseRow.due_date < query.overdue_on]
        if query.created_from is not None:
            conditions.append(CaseRow.created_at >= query.created_from)
        if query.created_to is not None:
            conditions.append(CaseRow.created_at < query.created_to)
        offset = min(offset, MAX_ID)
        total = (
            self.session.scalar(select(func.count()).select_from(CaseRow).where(*conditions)) or 0
        )
        rows = self.session.scalars(
            select(CaseRow)
            .where(*conditions)
            .order_by(CaseRow.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_case(row) for row in rows], int(total)

    def count_cases(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(CaseRow)) or 0)

    def due_timer_cases(self, now: datetime, limit: int = 500) -> list[int]:
        rows = self.session.scalars(
            select(CaseRow.id)
            .where(CaseRow.next_timer_at.is_not(None), CaseRow.next_timer_at <= now)
            .order_by(CaseRow.next_timer_at)
            .limit(limit)
        )
        return list(rows)

    def insert_case(self, record: CaseRecord) -> int:
        row = CaseRow(**{k: v for k, v in vars(record).items() if k != "id"})
        self.session.add(row)
        self.session.flush()
        return row.id

    def update_case(self, record: CaseRecord, expected_version: int) -> None:
        """Write the case if nobody else did since ``expected_version`` (else ConflictError)."""
        params = {
            f"v_{k}": v for k, v in vars(record).items() if k not in ("id", "uid", "created_at")
        }
        params.update(b_id=record.id, b_version=expected_version)
        result: Any = self.session.connection().execute(_UPDATE_CASE, params)
        if result.rowcount != 1:
            raise ConflictError("办件已被他人修改，请刷新后重试", case_id=record.id)

    # -- events ------------------------------------------------------------------------
    def append_events(self, events: Sequence[EventRecord], payloads: Sequence[str]) -> None:
        self.session.connection().execute(
            _INSERT_EVENT,
            [
                {
                    "case_id": event.case_id,
                    "seq": event.seq,
                    "type": event.type,
                    "actor": event.actor,
                    "on_behalf_of": event.on_behalf_of,
                    "at": event.at,
                    "payload": payload,
                    "prev_hash": event.prev_hash,
                    "hash": event.hash,
                    "state_digest": event.state_digest,
                    "actor_role": event.actor_role,
                    "actor_unit": event.actor_unit,
                }
                for event, payload in zip(events, payloads, strict=True)
            ],
        )

    def events(self, case_id: int) -> Iterator[tuple[EventRecord, str]]:
        """The case's events in stored order, each with its payload exactly as stored."""
        rows = self.session.scalars(
            select(EventRow).where(EventRow.case_id == case_id).order_by(EventRow.id)
        )
        for row in rows:
            yield (
                event_record(row),
                row.payload,
            )

    # -- ready-task index ----------------------------------------------------------------
    def replace_tasks(self, case_id: int, tasks: Sequence[TaskRecord], seq: int = 0) -> None:
        """Bring the index in line with the case: drop closed tasks, add new ones, update claims."""
        connection = self.session.connection()
        existing = {
            row.id: (row.claimed_by, row.due_at)
            for row in connection.execute(_TASK_IDS, {"case_id": case_id})
        }
        for task in tasks:
            if task.id in existing and existing[task.id] != (task.claimed_by, task.due_at):
                connection.execute(
                    update(ReadyTaskRow)
                    .where(ReadyTaskRow.id == task.id)
                    .values(claimed_by=task.claimed_by, due_at=task.due_at)
                )
        wanted = {task.id for task in tasks}
        gone = set(existing) - wanted
        if gone:
            connection.execute(
                update(ReadyTaskRow).where(ReadyTaskRow.id.in_(sorted(gone))).values(closed_seq=seq)
            )
        new = [task for task in tasks if task.id not in existing]
        if new:
            connection.execute(
                _INSERT_TASK,
                [
                    {
                        "id": task.id,
                        "case_id": task.case_id,
                        "spec_id": task.spec_id,
                        "name": task.name,
                        "process_id": task.process_id,
                        "lane": task.lane,
                        "org_unit": task.org_unit,
                        "created_seq": task.created_seq,
                        "due_at": task.due_at,
                        "claimed_by": task.claimed_by,
                    }
                    for task in new
                ],
            )

    def tasks(
        self, case_id: int | None = None, lane: str | None = None, org_unit: str | None = None
    ) -> list[TaskRecord]:
        query = select(ReadyTaskRow).order_by(
            ReadyTaskRow.case_id, ReadyTaskRow.created_seq, ReadyTaskRow.id
        )
        query = query.where(ReadyTaskRow.closed_seq.is_(None))
        if case_id is not None:
            query = query.where(ReadyTaskRow.case_id == case_id)
        if lane is not None:
            query = query.where(ReadyTaskRow.lane == lane)
        if org_unit is not None:
            query = query.where(ReadyTaskRow.org_unit == org_unit)
        return [_task(row) for row in self.session.scalars(query)]

    def case_tasks(self, case_id: int) -> list[TaskRecord]:
        """Every task the case has had in the index, open or closed, in creation order."""
        query = (
            select(ReadyTaskRow)
            .where(ReadyTaskRow.case_id == case_id)
            .order_by(ReadyTaskRow.created_seq, ReadyTaskRow.id)
        )
        return [_task(row) for row in self.session.scalars(query)]

    def task(self, task_id: str) -> TaskRecord | None:
        row = self.session.connection().execute(_TASK_BY_ID, {"id": task_id}).mappings().first()
        return TaskRecord(**row) if row is not None else None

    def task_queue(
        self, places: Sequence[tuple[str, str]], holders: Sequence[str], limit: int = 200
    ) -> list[TaskRecord]:
        """Unclaimed tasks of the given (role, org unit) pairs and tasks held by ``holders``,
        earliest due first (tasks without a due date last)."""
        unclaimed = [
            and_(
                ReadyTaskRow.lane == lane,
                ReadyTaskRow.org_unit == unit,
                ReadyTaskRow.claimed_by.is_(None),
            )
            for lane, unit in places
        ]
        held = [ReadyTaskRow.claimed_by.in_(sorted(holders))] if holders else []
        if not unclaimed and not held:
            return []
        query = (
            select(ReadyTaskRow)
            .where(or_(*unclaimed, *held), ReadyTaskRow.closed_seq.is_(None))
            .order_by(
                ReadyTaskRow.due_at.is_(None),
                ReadyTaskRow.due_at,
                ReadyTaskRow.case_id,
                ReadyTaskRow.id,
            )
            .limit(limit)
        )
        return [_task(row) for row in self.session.scalars(query)]


def _task(row: ReadyTaskRow) -> TaskRecord:
    return TaskRecord(
        row.id,
        row.case_id,
        row.spec_id,
        row.name,
        row.process_id,
        row.lane,
        row.org_unit,
        row.created_seq,
        row.due_at,
        row.claimed_by,
        closed_seq=row.closed_seq,
    )


def _version(row: ProcessVersionRow) -> ProcessVersionRecord:
    files = tuple((str(path), str(digest)) for path, digest in json.loads(row.files))
    return ProcessVersionRecord(
        row.process_id, row.version, row.hash, row.name, files, row.deployed_at, row.deployed_by
    )


def _case(row: CaseRow) -> CaseRecord:
    return CaseRecord(
        id=row.id,
        uid=row.uid,
        process_id=row.process_id,
        definition_hash=row.definition_hash,
        status=row.status,
        version=row.version,
        last_seq=row.last_seq,
        last_hash=row.last_hash,
        snapshot=row.snapshot,
        created_at=row.created_at,
        updated_at=row.updated_at,
        item_code=row.item_code,
        org_unit=row.org_unit,
        due_date=row.due_date,
        next_timer_at=row.next_timer_at,
        has_incident=row.has_incident,
        closed_at=row.closed_at,
        idempotency_key=row.idempotency_key,
        case_number=row.case_number,
        village=row.village,
        department=row.department,
        registered_unit=row.registered_unit,
        county_since=row.county_since,
    )
