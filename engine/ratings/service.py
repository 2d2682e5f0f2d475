"""好差评: the resident's rating of a case, the ratings staff enter from paper or the
counter's rating pad, and the township's appeal (申诉) ruled on by the supervisor.

A rating is the ``rating`` message delivered to the case (``message_received``), so the
process moves on as it always did (a bad rating opens the rectification task). The event
payload names the message, its payload (``level``, ``reasons``, ``comment``) and, beside
it, ``rating_channel``: ``link`` when the resident sent it (actor ``resident``), ``paper``
or ``pad`` when staff entered it (the actor is who entered it). Only ``link`` ratings are
genuine in the supervision figures; the rest are counted apart (``engine.stats``).

Over the API a level is a score from 5 (非常满意) to 1 (非常不满意), ``SCORES``; the
history keeps the message's level codes (``labels.RATING_LEVELS``). A bad rating (score
1 or 2) needs at least one reason.

An appeal and its ruling are notes on the case (``CaseChanges.note``): they change no
workflow, and stand in the hash-chained history. One appeal per rating, of a bad rating
only, while no appeal of it is pending or decided; a ruling needs a pending appeal. An
upheld appeal takes the rating out of the satisfaction figures (shown apart).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.cases.changes import CaseChanges
from engine.cases.views import CaseView
from engine.elements import RATING
from engine.errors import ConflictError, DataValidationError, InvalidState, NotFound
from engine.labels import RATING_REASONS
from engine.messages import MAX_OPINION, validate_payload
from engine.ratings.links import NOT_FOUND, RatingLinks, RatingSubject
from engine.records import Actor, CaseRecord, EventRecord
from engine.runtime.case import LiveCase
from engine.store import UnitOfWork

SCORES = {
    5: "very_satisfied",
    4: "satisfied",
    3: "basic",
    2: "dissatisfied",
    1: "very_dissatisfied",
}
BAD = frozenset({"dissatisfied", "very_dissatisfied"})
LINK, PAPER, PAD = "link", "paper", "pad"
ENTERED_CHANNELS = (PAPER, PAD)
RESIDENT = Actor("resident", "resident")  # the resident, with no account, by the link
APPEALED, DECIDED = "rating_appealed", "rating_appeal_decided"
NEEDS_REASONS = "不满意、非常不满意时请至少选择一项原因"


@dataclass(frozen=True)
class AppealView:
    seq: int
    at: datetime
    by: str
    reason: str
    decided_seq: int | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    upheld: bool | None = None
    opinion: str | None = None


@dataclass(frozen=True)
class RatingView:
    seq: int
    at: datetime
    level: str
    channel: str  # link, paper, pad; "message" for a rating posted before links existed
    entered_by: str | None
    reasons: list[str]
    comment: str
    appeal: AppealView | None


@dataclass(frozen=True)
class CaseRatings:
    waiting: bool
    invitation_url: str | None
    ratings: list[RatingView]


class RatingService:
    def __init__(self, changes: CaseChanges, links: RatingLinks) -> None:
        self.changes = changes
        self.links = links

    # -- the resident, by the link -------------------------------------------------------
    def invitation_url(self, case_id: int) -> str | None:
        """``{public_url}/rating#<token>`` while the case waits for its rating, else None
        (the 办结通知书's QR code and the notice print it)."""
        return self.links.invitation_url(case_id)

    def subject(self, token: str, client: str | None) -> RatingSubject:
        return self.links.subject(token, client)

    def rate(
        self, token: str, score: int, reasons: list[str], comment: str, client: str | None
    ) -> str:
        """The resident's rating through the link; the level code recorded."""
        invitation, record = self.links.admit(token, client)
        payload = _payload(score, reasons, comment)
        try:
            self._deliver(record.id, payload, LINK, RESIDENT, seen=record)
        except (InvalidState, ConflictError) as error:
            # Lost a race with another rating of the case (the same link twice, or one
            # entered from paper): then the link's one answer for a used link.
            if self._used(invitation.case_id):
                raise NotFound(NOT_FOUND) from error
            raise
        return str(payload["level"])

    # -- staff ---------------------------------------------------------------------------
    def enter(
        self,
        case_id: int,
        score: int,
        reasons: list[str],
        comment: str,
        channel: str,
        actor: Actor,
        seen: CaseRecord | None = None,
    ) -> CaseView:
        """A rating the resident gave on paper or on the rating pad, entered by ``actor``
        (``seen``: the case row as the caller has just read it, ``CaseChanges.apply``)."""
        if channel not in ENTERED_CHANNELS:
            raise DataValidationError("评价渠道有误", {"channel": "应为 paper 或 pad"})
        payload = _payload(score, reasons, comment)
        return self._deliver(case_id, payload, channel, actor, seen=seen)

    def appeal(self, case_id: int, reason: str, actor: Actor) -> EventRecord:
        """The township's appeal of the case's bad rating."""
        reason = _required(reason, "reason", "请填写申诉理由")

        def decide(uow: UnitOfWork, record: CaseRecord) -> dict[str, Any]:
            rating = _latest(_ratings(uow, record.id))
            if rating is None:
                raise InvalidState("该办件还没有评价，不能申诉", case_id=case_id)
            if rating.level not in BAD:
                raise InvalidState("只能对不满意、非常不满意的评价申诉", case_id=case_id)
            if rating.appeal is not None:
                raise InvalidState("该评价已经申诉过，每条评价只能申诉一次", case_id=case_id)
            return {"rating_seq": rating.seq, "appeal_reason": reason}

        return _written(self.changes.note(case_id, "rating_appealed", actor, decide))

    def decide(self, case_id: int, upheld: bool, opinion: str, actor: Actor) -> EventRecord:
        """The supervisor's ruling on the pending appeal."""
        opinion = _required(opinion, "opinion", "请填写裁定意见")

        def decide(uow: UnitOfWork, record: CaseRecord) -> dict[str, Any]:
            pending = next(
                (
                    r.appeal
                    for r in _ratings(uow, record.id)
                    if r.appeal is not None and r.appeal.decided_seq is None
                ),
                None,
            )
            if pending is None:
                raise InvalidState("该办件没有待裁定的评价申诉", case_id=case_id)
            return {"appeal_seq": pending.seq, "upheld": upheld, "opinion": opinion}

        return _written(self.changes.note(case_id, "rating_appeal_decided", actor, decide))

    def of_case(self, case_id: int, with_link: bool) -> CaseRatings:
        """The case's ratings with their appeals; its link if ``with_link`` (staff who
        may hand it to the resident) and the case waits for its rating."""
        with self.changes.store.unit_of_work(write=False) as uow:
            ratings = _ratings(uow, case_id)
        url = self.invitation_url(case_id)
        return CaseRatings(url is not None, url if with_link else None, ratings)

    def _deliver(
        self,
        case_id: int,
        payload: dict[str, Any],
        channel: str,
        actor: Actor,
        seen: CaseRecord | None = None,
    ) -> CaseView:
        body = {"name": RATING, "payload": payload, "rating_channel": channel}

        def validate(record: CaseRecord, live: LiveCase) -> dict[str, Any]:
            return {**body, "payload": validate_payload(RATING, payload)}

        return self.changes.apply(
            case_id, "message_received", body, actor, None, validate, seen=seen
        )[0]

    def _used(self, case_id: int) -> bool:
        with self.changes.store.unit_of_work(write=False) as uow:
            invitation = uow.ratings.of_case(case_id)
        return invitation is not None and invitation.used_at is not None


def _written(event: EventRecord | None) -> EventRecord:
    assert event is not None  # the decisions always record or refuse
    return event


def _payload(score: int, reasons: list[str], comment: str) -> dict[str, Any]:
    level = SCORES.get(score)
    if level is None:
        raise DataValidationError("评价等级有误", {"level": "应为 1 到 5 的整数（5 为非常满意）"})
    unknown = [r for r in reasons if r not in RATING_REASONS]
    if unknown:
        allowed = "、".join(f"{code}（{name}）" for code, name in RATING_REASONS.items())
        raise DataValidationError("不满意的原因有误", {"reasons": f"取值应为：{allowed}"})
    if level in BAD and not reasons:
        raise DataValidationError(NEEDS_REASONS, {"reasons": NEEDS_REASONS})
    payload: dict[str, Any] = {"level": level}
    if reasons and level in BAD:
        payload["reasons"] = list(dict.fromkeys(reasons))
    if comment.strip():
        payload["comment"] = comment.strip()
    return payload


def _required(text: str, field: str, reason: str) -> str:
    text = text.strip()
    if not text:
        raise DataValidationError(reason, {field: "必填"})
    if len(text) > MAX_OPINION:
        raise DataValidationError(reason, {field: f"不能超过 {MAX_OPINION} 个字"})
    return text


def _ratings(uow: UnitOfWork, case_id: int) -> list[RatingView]:
    """The case's ratings, oldest first, each with its appeal and ruling."""
    uow.cases.get(case_id)  # NotFound for no such case
    events = [event for event, _ in uow.events.of_case(case_id)]
    return ratings_of(events)


def ratings_of(events: list[EventRecord]) -> list[RatingView]:
    appeals: dict[int, EventRecord] = {}
    rulings: dict[int, EventRecord] = {}
    for event in events:
        if event.type == APPEALED:
            appeals[int(event.payload["rating_seq"])] = event
        elif event.type == DECIDED:
            rulings[int(event.payload["appeal_seq"])] = event
    views = []
    for event in events:
        if event.type != "message_received" or event.payload.get("name") != RATING:
            continue
        message = event.payload.get("payload") or {}
        channel = str(event.payload.get("rating_channel") or "message")
        appealed = appeals.get(event.seq)
        views.append(
            RatingView(
                seq=event.seq,
                at=event.at,
                level=str(message.get("level")),
                channel=channel,
                entered_by=None if channel == LINK else event.actor,
                reasons=list(message.get("reasons") or []),
                comment=str(message.get("comment") or ""),
                appeal=_appeal(appealed, rulings.get(appealed.seq)) if appealed else None,
            )
        )
    return views


def _appeal(appealed: EventRecord, ruling: EventRecord | None) -> AppealView:
    view = AppealView(appealed.seq, appealed.at, appealed.actor, appealed.payload["appeal_reason"])
    if ruling is None:
        return view
    return AppealView(
        view.seq,
        view.at,
        view.by,
        view.reason,
        ruling.seq,
        ruling.at,
        ruling.actor,
        bool(ruling.payload["upheld"]),
        str(ruling.payload["opinion"]),
    )


def _latest(ratings: list[RatingView]) -> RatingView | None:
    return ratings[-1] if ratings else None
