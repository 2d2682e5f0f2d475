"""Pieces the store's readers share: the case-scope condition and event rows as records."""

from __future__ import annotations

import json
from typing import Any, cast

from sqlalchemy import Table, and_, or_
from sqlalchemy.sql.elements import ColumnElement

from engine.records import CaseScope, EventRecord
from engine.store.tables import CaseRow

CASES = cast(Table, CaseRow.__table__)


def scope_condition(scope: CaseScope) -> ColumnElement[bool] | None:
    """The cases ``scope`` sees (``engine.scope``), as a WHERE condition; None: all."""
    if scope.everything:
        return None
    c = CASES.c
    return or_(
        c.village.in_(sorted(scope.villages)),
        c.org_unit.in_(sorted(scope.townships)),
        c.registered_unit.in_(sorted(scope.registered_by)),
        and_(c.department.in_(sorted(scope.departments)), c.county_since.is_not(None)),
    )


def loads(payload: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(payload)
    return value


def event_record(row: Any) -> EventRecord:
    """An event row (ORM object or result row with the event columns) as a record."""
    return EventRecord(
        row.case_id,
        row.seq,
        row.type,
        row.actor,
        row.at,
        loads(row.payload),
        row.prev_hash,
        row.hash,
        row.on_behalf_of,
        row.state_digest,
        row.actor_role,
        row.actor_unit,
    )
