"""Failed-login counters as the login policy defines them and the store keeps them, and
what the administrator reads of an account."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class AccountStatus:
    """What the administrator sees of an account: whether it has a password, until when
    it is locked after wrong passwords (from some address or as a whole; None: not
    locked) and how many of its tokens are live (neither expired nor revoked)."""

    has_password: bool
    locked_until: datetime | None
    active_tokens: int


@dataclass(frozen=True)
class LockRow:
    """A login counter of an account that is not reset yet (``engine.login_policy``)."""

    user_id: str
    kind: str
    failures: int
    reset_at: datetime
