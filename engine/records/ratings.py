"""The resident's rating invitation (好差评邀请, ``engine.ratings``): one per case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RatingInvitation:
    """The one-time link of a case. ``token`` is the link's secret while it may still be
    used (shown again on the 办结通知书 and in notices) and None once used;
    ``token_hash`` (SHA-256, hex) is what a resident's request is looked up by."""

    case_id: int
    token_hash: str
    token: str | None
    created_at: datetime
    used_at: datetime | None = None
    used_seq: int | None = None  # the event that delivered the case's rating
