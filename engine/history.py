"""The hash chain over a case's events."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime
from typing import Any

from engine.records import Actor, EventRecord
from engine.runtime.snapshot import canonical_json

GENESIS = "0" * 64


def encode_payload(payload: dict[str, Any]) -> str:
    """The payload as stored and hashed: canonical JSON text."""
    return canonical_json(payload).decode()


def event_hash(event: EventRecord, case_uid: str, payload_json: str) -> str:
    """SHA-256 over the canonical encoding of every field of the event and its predecessor.

    ``case_id`` (a database key) is left out on purpose: the case's ``uid`` identifies it,
    so a history keeps its hashes when moved to another database."""
    fields: dict[str, Any] = {
        "prev": event.prev_hash,
        "case": case_uid,
        "seq": event.seq,
        "type": event.type,
        "actor": event.actor,
        "on_behalf_of": event.on_behalf_of,
        "at": event.at.isoformat(),
        "state": event.state_digest,
    }
    # Role and unit are hashed when recorded (events written before they were recorded
    # keep their hashes).
    if event.actor_role is not None:
        fields["role"] = event.actor_role
    if event.actor_unit is not None:
        fields["unit"] = event.actor_unit
    # The training clock's offset likewise (only events of training and demo databases
    # have one): changing it, to pass training time off as real, breaks the chain.
    if event.clock_offset is not None:
        fields["clock_offset"] = event.clock_offset
    header = canonical_json(fields)
    return hashlib.sha256(header + b"\n" + payload_json.encode()).hexdigest()


def seal(
    *,
    case_uid: str,
    case_id: int,
    seq: int,
    type: str,
    at: datetime,
    payload: dict[str, Any],
    actor: Actor,
    prev_hash: str,
    state_digest: str | None,
    clock_offset: int | None = None,
) -> tuple[EventRecord, str]:
    """The one way an event is made: the record with its hash, chained to ``prev_hash``
    (``GENESIS`` for a case's first event), and its payload as it is to be stored.
    ``clock_offset``: the offset of the training clock ``at`` was read from
    (``engine.clock.Reading``), None on a production database."""
    event = EventRecord(
        case_id=case_id,
        seq=seq,
        type=type,
        actor=actor.user,
        at=at,
        payload=payload,
        prev_hash=prev_hash,
        hash="",
        on_behalf_of=actor.on_behalf_of,
        state_digest=state_digest,
        actor_role=actor.role,
        actor_unit=actor.unit,
        clock_offset=clock_offset,
    )
    payload_json = encode_payload(payload)
    return replace(event, hash=event_hash(event, case_uid, payload_json)), payload_json
