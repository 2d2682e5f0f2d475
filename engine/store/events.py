"""The append-only events table: appending sealed events, reading a case's history.

Each row also carries the id of the request (or command run) that appended it, bound by
the entry point (``engine.logs.current_request_id``): not hashed, so the history verifies
and replays alike with or without it.

Besides the hashed columns, each row carries a few columns derived from its payload
(``derived_columns``): what the supervision figures and the warnings select on, so that
they query columns instead of substrings of the stored JSON. They are not hashed — the
payload they come from is — and are filled on every insert and, for older rows, by
migration 0009.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import String, Table, insert, select

from engine.elements import INTAKE_DECISION
from engine.logs import current_request_id
from engine.records import EventRecord
from engine.store.rows import Repository, event_record
from engine.store.tables import EventRow

_EVENTS = cast(Table, EventRow.__table__)
_INSERT_EVENT = insert(_EVENTS)
_LENGTHS = {
    name: cast(String, _EVENTS.c[name].type).length or 0
    for name in ("task_id", "message_name", "intake_decision")
}


def derived_columns(event_type: str, payload: Mapping[str, Any]) -> dict[str, str | None]:
    """The task an event is about (a task event, a warning about a task), the name of the
    message it delivered and the intake decision a completion recorded; None where the
    payload has none. A value too long for its column is no id, name or decision the
    engine knows of, and is left out."""
    data = payload.get("data") if event_type == "task_completed" else None
    found = {
        "task_id": payload.get("task_id"),
        "message_name": payload.get("name") if event_type == "message_received" else None,
        "intake_decision": data.get(INTAKE_DECISION) if isinstance(data, Mapping) else None,
    }
    return {
        name: value if isinstance(value, str) and len(value) <= _LENGTHS[name] else None
        for name, value in found.items()
    }


class EventRepository(Repository):
    def append(self, events: Sequence[EventRecord], payloads: Sequence[str]) -> None:
        """Insert sealed events, each with its payload exactly as hashed, and the id of
        the request appending them (the event's own, when it has one)."""
        bound = current_request_id()
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
                    "clock_offset": event.clock_offset,
                    "request_id": event.request_id or bound,
                    **derived_columns(event.type, event.payload),
                }
                for event, payload in zip(events, payloads, strict=True)
            ],
        )

    def of_case(self, case_id: int) -> Iterator[tuple[EventRecord, str]]:
        """The case's events in stored order, each with its payload exactly as stored."""
        rows = self.session.scalars(
            select(EventRow).where(EventRow.case_id == case_id).order_by(EventRow.id)
        )
        for row in rows:
            yield event_record(row), row.payload
