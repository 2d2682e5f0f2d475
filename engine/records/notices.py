"""Notices to the resident (短信通知): rows of the outbox the sender works through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# The moments a resident hears of (the kinds of notice), with their Chinese names.
ACCEPTED, SUPPLEMENT, REFUSED, RESULT_READY, RATING_INVITATION = (
    "accepted",
    "supplement",
    "refused",
    "result_ready",
    "rating_invitation",
)
NOTICE_KINDS = {
    ACCEPTED: "受理通知",
    SUPPLEMENT: "补正通知",
    REFUSED: "不予受理通知",
    RESULT_READY: "办结通知",
    RATING_INVITATION: "评价邀请",
}
# Where a notice stands: waiting for its (next) attempt, held by a sender (until its
# lease ends), delivered to the gateway, or given up (a permanent refusal or too many
# attempts) until an administrator sends it again.
PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"
NOTICE_STATES = {PENDING: "待发送", SENDING: "发送中", SENT: "已发送", DEAD: "发送失败"}


@dataclass(frozen=True)
class NoticeRecord:
    """One notice of the outbox. ``idempotency_id`` is deterministic (the case's uid, the
    seq of the event that caused the notice and its kind): the gateway drops a second
    delivery of the same id. ``phone`` is kept only until the notice is sent (None then);
    ``phone_masked`` stays for the administrators' list."""

    id: int
    case_id: int
    kind: str
    idempotency_id: str
    phone: str | None
    phone_masked: str
    params: str  # JSON object: the template's parameters
    text: str  # the notice as the resident reads it (the log channel's and the list's)
    state: str
    attempts: int
    next_at: datetime
    lease_until: datetime | None
    claimed_by: str | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    event_seq: int


@dataclass(frozen=True)
class NoticeQuery:
    """What the administrators' list keeps (None: any)."""

    state: str | None = None
    case_id: int | None = None
    kind: str | None = None
