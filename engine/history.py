"""The hash chain over a case's events."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

from engine.records import EventRecord
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
    header = canonical_json(fields)
    return hashlib.sha256(header + b"\n" + payload_json.encode()).hexdigest()


def seal(event: EventRecord, case_uid: str) -> tuple[EventRecord, str]:
    """The event with its hash filled in, and its payload as it is to be stored."""
    payload_json = encode_payload(event.payload)
    return replace(event, hash=event_hash(event, case_uid, payload_json)), payload_json
