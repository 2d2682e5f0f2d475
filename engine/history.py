"""The hash chain over a case's events."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from engine.runtime.snapshot import canonical_json

GENESIS = "0" * 64


def encode_payload(payload: dict[str, Any]) -> str:
    """The payload as stored and hashed: canonical JSON text."""
    return canonical_json(payload).decode()


def event_hash(
    *,
    prev_hash: str,
    case_uid: str,
    seq: int,
    type: str,
    actor: str,
    on_behalf_of: str | None,
    at: datetime,
    payload_json: str,
    state_digest: str | None,
) -> str:
    """SHA-256 over the canonical encoding of every field of the event and its predecessor."""
    header = canonical_json(
        {
            "prev": prev_hash,
            "case": case_uid,
            "seq": seq,
            "type": type,
            "actor": actor,
            "on_behalf_of": on_behalf_of,
            "at": at.isoformat(),
            "state": state_digest,
        }
    )
    return hashlib.sha256(header + b"\n" + payload_json.encode()).hexdigest()
