"""Failed-login counters as the login policy defines them and the store keeps them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple


class Counter(NamedTuple):
    key: str  # SHA-256 of (kind, user, address): fixed length whatever a client sends
    kind: str  # "pair", "address" or "account"
    user_id: str | None
    address: str | None
    limit: int  # failures that fill the counter
    window: timedelta  # how long failures are remembered
    lock: timedelta  # how long a full counter stays locked


class Admission(NamedTuple):
    admitted: bool
    # Not admitted: when the lock that refused ends. Admitted: when the lock this attempt
    # sets by filling a counter ends (it applies if the password turns out wrong), or None.
    until: datetime | None
