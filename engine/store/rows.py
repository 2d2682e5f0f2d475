"""Pieces the store's repositories share: their base, the id range, the condition that
selects the cases of a scope and filter, and event rows as records."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any, cast

from sqlalchemy import Table, and_, any_, bindparam, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import ARRAY, Boolean, Text, TypeEngine

from engine.records import CaseFilter, CaseScope, EventRecord
from engine.records.cases import ID_TAIL_LENGTH
from engine.store.tables import CaseRow
from engine.store.transactions import DatabaseSession

MAX_ID = 2**63 - 1  # BIGINT; larger numbers from a URL or the command line match nothing
MAX_CASE_NUMBER = 40  # the length of the case number column
CASES = cast(Table, CaseRow.__table__)


class Repository:
    """The rows of one subject, read and written in the session of a unit of work (which
    alone commits, rolls back and translates database errors)."""

    def __init__(self, session: DatabaseSession) -> None:
        self.session = session


def dialect_of(session: DatabaseSession) -> str:
    """The name of the session's database dialect ("postgresql" or "sqlite")."""
    return session.dialect


def among(dialect: str, column: Any, key: str | None, values: Any = None) -> ColumnElement[bool]:
    """``column`` is one of a list: the parameter ``key`` (a statement built once and run
    with its list), or ``values`` given now. On PostgreSQL one array parameter (``=
    ANY``): the statement's text stays the same whatever the list's length, so nothing is
    rendered per run (SQLAlchemy renders an expanding ``IN`` anew at every run: 1.9 % of
    an app server's CPU under ``bench/scale_bench.py`` by py-spy, 1.1 % in the case rows
    by id and the closing of tasks, which use this) and psycopg prepares it once;
    elsewhere ``IN`` with the list expanded."""
    if dialect == "postgresql":
        item: TypeEngine[Any] = column.type
        array = bindparam(key, values, type_=ARRAY(item))
        return cast(ColumnElement[bool], column == any_(array))
    return cast(ColumnElement[bool], column.in_(bindparam(key, values, expanding=True)))


def insert_of(dialect: str, table: Table) -> Any:
    """An INSERT into ``table`` that can take ON CONFLICT clauses on ``dialect``.

    Statements built on it are immutable: the callers build each once per dialect
    (``functools.cache``) instead of once per call, which costs more than running it."""
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


@cache
def _counting(dialect: str, counters: Table, names: tuple[str, ...]) -> Any:
    return (
        insert_of(dialect, counters)
        .values({**{name: bindparam(f"k_{name}") for name in names}, "last": 1})
        .on_conflict_do_update(index_elements=list(names), set_={"last": counters.c.last + 1})
        .returning(counters.c.last)
    )


def changed(new: Any, old: Any, names: Iterable[str]) -> tuple[str, ...]:
    """The names of the attributes in which ``new`` differs from ``old``, in the order of
    ``names``."""
    return tuple(name for name in names if getattr(new, name) != getattr(old, name))


@lru_cache(maxsize=256)
def update_of(table: Table, keys: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    """``UPDATE table SET <column> = :v_<column>, … WHERE <key> = :b_<key> AND …``, made
    once per set of columns. Writing only the columns that changed matters on SQLite: it
    rewrites the entries of every index over a column an UPDATE sets, whether or not its
    value changed."""
    return (
        update(table)
        .where(*(table.c[key] == bindparam(f"b_{key}") for key in keys))
        .values({name: bindparam(f"v_{name}", type_=table.c[name].type) for name in columns})
    )


def next_number(session: DatabaseSession, counters: Table, **key: str) -> int:
    """Count one more on the counter row of ``key`` (a new row starts at 1), in this
    transaction: the daily sequences behind case and issue numbers."""
    statement = _counting(dialect_of(session), counters, tuple(sorted(key)))
    values = {f"k_{name}": value for name, value in key.items()}
    return int(session.connection().execute(statement, values).scalar_one())


def scope_condition(scope: CaseScope) -> ColumnElement[bool] | None:
    """The cases ``scope`` sees (``engine.policy.case_scope``), as a WHERE condition; None: all."""
    if scope.everything:
        return None
    c = CASES.c
    return or_(
        c.village.in_(sorted(scope.villages)),
        c.org_unit.in_(sorted(scope.townships)),
        c.registered_unit.in_(sorted(scope.registered_by)),
        and_(c.department.in_(sorted(scope.departments)), c.county_since.is_not(None)),
        and_(c.assessment_unit.in_(sorted(scope.assessing)), c.assessment_since.is_not(None)),
    )


def case_conditions(scope: CaseScope, where: CaseFilter) -> list[ColumnElement[bool]]:
    """The cases of ``scope`` that ``where`` keeps, as WHERE conditions (ANDed)."""
    c = CASES.c
    conditions: list[ColumnElement[bool]] = []
    scoped = scope_condition(scope)
    if scoped is not None:
        conditions.append(scoped)
    for column, value in (
        (c.item_code, where.item_code),
        (c.status, where.status),
        (c.org_unit, where.township),
        (c.village, where.village),
        (c.department, where.department),
    ):
        if value is not None:
            conditions.append(column == value)
    if where.overdue_on is not None:
        conditions += [
            c.status == "open",
            c.due_date < where.overdue_on,
            c.limit_met_at.is_(None),  # an enforcement case decided: its limit is met
        ]
    if where.registered_from is not None:
        conditions.append(c.created_at >= where.registered_from)
    if where.registered_to is not None:
        conditions.append(c.created_at < where.registered_to)
    if where.number_prefix:
        # Case numbers are digits: a range the unique index serves in any collation (a
        # LIKE 'prefix%' needs the C collation on PostgreSQL), the LIKE keeps it exact.
        prefix = where.number_prefix
        upper = prefix + "9" * (MAX_CASE_NUMBER - len(prefix))
        conditions += [
            c.case_number >= prefix,
            c.case_number <= upper,
            c.case_number.startswith(prefix, autoescape=True),
        ]
    if where.applicant_name:
        # A part of the name, in any case (pinyin names): the same on both databases
        # (SQLite's LIKE ignores the case of ASCII letters, PostgreSQL's does not).
        part = where.applicant_name.lower()
        conditions.append(func.lower(c.applicant_name).contains(part, autoescape=True))
        if len(part) < 3:  # too short for the trigrams: the characters' index
            conditions.append(name_has_characters(c.applicant_name, part))
    if where.id_tail:
        tail = where.id_tail.upper()
        conditions.append(
            c.applicant_id_tail == tail
            if len(tail) >= ID_TAIL_LENGTH
            else c.applicant_id_tail.endswith(tail, autoescape=True)
        )
    if where.phone_tail:
        conditions.append(c.applicant_phone_tail == where.phone_tail)
    return conditions


def loads(payload: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(payload)
    return value


def event_record(row: Any) -> EventRecord:
    """An event row (ORM object or result row with the event columns) as a record."""
    return EventRecord(
        case_id=row.case_id,
        seq=row.seq,
        type=row.type,
        actor=row.actor,
        at=row.at,
        payload=loads(row.payload),
        prev_hash=row.prev_hash,
        hash=row.hash,
        on_behalf_of=row.on_behalf_of,
        state_digest=row.state_digest,
        actor_role=row.actor_role,
        actor_unit=row.actor_unit,
        clock_offset=row.clock_offset,
        request_id=row.request_id,
    )


class name_has_characters(FunctionElement[bool]):
    """``name_has_characters(column, part)``: on PostgreSQL, the lower-cased name's
    characters include every character of ``part`` (the GIN index of migration 0025
    answers it, for parts too short for ``pg_trgm``); on SQLite true (no such index:
    the LIKE beside it decides alone)."""

    type = Boolean()
    inherit_cache = True

    def __init__(self, column: Any, part: str) -> None:
        super().__init__(column, bindparam(None, list(part), type_=ARRAY_OF_TEXT))


ARRAY_OF_TEXT = postgresql.ARRAY(Text)


@compiles(name_has_characters)
def _anywhere(element: name_has_characters, compiler: Any, **kw: Any) -> str:
    return "1 = 1"


@compiles(name_has_characters, "postgresql")
def _postgresql(element: name_has_characters, compiler: Any, **kw: Any) -> str:
    column, characters = list(element.clauses)
    return (
        f"string_to_array(lower({compiler.process(column, **kw)}), NULL) "
        f"@> {compiler.process(characters, **kw)}"
    )
