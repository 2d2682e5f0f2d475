"""The notice outbox (短信通知): notices written in the transaction of the event that
causes them (an observer of every case change, DESIGN "Outbox"), and the sender the
worker runs, which delivers each at least once with its idempotency id."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property

from engine.cases.task_index import task_key
from engine.clock import Clock
from engine.errors import InvalidState
from engine.logs import get_logger
from engine.notices.channels import Channel, Delivery, Outcome
from engine.notices.moments import ONCE_PER_CASE, Moment, completed_moment, reached_moments
from engine.notices.templates import Template, load_templates
from engine.records import CaseRecord
from engine.records.notices import DEAD, PENDING, SENT, NoticeQuery, NoticeRecord
from engine.runtime.case import EventInput, LiveCase
from engine.store import Store, UnitOfWork
from processes.org import Organization
from processes.patterns import mask_phone

log = get_logger(__name__)

# Only a mobile number can receive a text; a landline or none: no notice (logged).
_MOBILE = re.compile(r"^1[3-9][0-9]{9}\Z")
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_RETRY_SECONDS = 30.0
DEFAULT_LEASE_SECONDS = 60.0
MAX_BACKOFF = timedelta(hours=2)
# The case's rating link, read inside the change's transaction (None: none).
InvitationUrl = Callable[[UnitOfWork, int], str | None]


@dataclass(frozen=True)
class SendPolicy:
    """How the sender retries (``DAIBAN_SMS_*``): the attempts before a notice is dead,
    the first wait (doubled per attempt, with jitter, at most ``MAX_BACKOFF``) and how
    long a claim holds before another sender may take the notice again."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    retry_seconds: float = DEFAULT_RETRY_SECONDS
    lease_seconds: float = DEFAULT_LEASE_SECONDS
    batch: int = 100

    def backoff(self, idempotency_id: str, attempt: int) -> timedelta:
        """The wait after failed attempt ``attempt``: exponential, with a jitter between
        half and all of it derived from the notice and the attempt (no shared randomness,
        yet senders retrying many notices at once spread out)."""
        digest = hashlib.sha256(f"{idempotency_id}\0{attempt}".encode()).digest()
        share = 0.5 + 0.5 * int.from_bytes(digest[:8], "big") / 2**64
        full = min(self.retry_seconds * 2 ** (attempt - 1), MAX_BACKOFF.total_seconds())
        return timedelta(seconds=full * share)


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)  # claimed by another sender meanwhile


class NoticeService:
    """``observe`` is registered on every case change (``Engine``); ``send_due`` is the
    worker's; ``find`` and ``retry`` the administrators'. The organisation, the item names
    and the templates are read on the first notice written (most changes write none).

    ``invitation_url`` (None: none wired; the engine wires ``RatingLinks.url_in``) gives the resident's one-time rating link of a
    case; it runs inside the change's transaction, so it must not write on its own."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        org: Callable[[], Organization],
        item_names: Callable[[], dict[str, str]],
        public_url: str,
        templates: Callable[[], dict[str, Template]] = load_templates,
    ) -> None:
        self.store = store
        self.clock = clock
        self._org = org
        self._item_names = item_names
        self._templates = templates
        self.public_url = public_url
        self.invitation_url: InvitationUrl | None = None

    @cached_property
    def templates(self) -> dict[str, Template]:
        return self._templates()

    @cached_property
    def org(self) -> Organization:
        return self._org()

    @cached_property
    def item_names(self) -> dict[str, str]:
        return self._item_names()

    # -- the outbox, written with the event ------------------------------------------
    def observe(
        self,
        uow: UnitOfWork,
        before: CaseRecord | None,
        after: CaseRecord,
        live: LiveCase,
        event: EventInput,
    ) -> None:
        """Write the notices ``event`` causes, in its transaction."""
        moments: list[Moment] = []
        if event.type == "task_completed":
            key = task_key(uow, live, event.payload["task_id"])
            data = event.payload.get("data") or {}
            found = completed_moment(key, data) if key is not None else None
            moments += [found] if found is not None else []
        if event.type not in ("task_claimed", "task_released", "task_assigned"):
            moments += [
                m
                for m in reached_moments(live, event)
                if not uow.notices.has_kind(after.id, m.kind)
            ]
        for moment in moments:
            self._write(uow, after, live, event, moment)

    def _write(
        self, uow: UnitOfWork, case: CaseRecord, live: LiveCase, event: EventInput, moment: Moment
    ) -> None:
        applicant = live.data().get("applicant")
        phone = applicant.get("phone") if isinstance(applicant, dict) else None
        if not isinstance(phone, str) or not _MOBILE.match(phone):
            log.info("notice_skipped", case=case.id, kind=moment.kind, reason="no_mobile")
            return
        params = self._params(uow, case, moment)
        suffix = "" if moment.kind in ONCE_PER_CASE else f"-{event.seq}"
        idempotency_id = f"{case.uid}-{moment.kind}{suffix}"
        record = NoticeRecord(
            id=0,
            case_id=case.id,
            kind=moment.kind,
            idempotency_id=idempotency_id,
            phone=phone,
            phone_masked=mask_phone(phone),
            params=json.dumps(params, ensure_ascii=False, sort_keys=True),
            text=self.templates[moment.kind].render(params),
            state=PENDING,
            attempts=0,
            next_at=event.at,
            lease_until=None,
            claimed_by=None,
            last_error=None,
            created_at=event.at,
            sent_at=None,
            event_seq=event.seq,
        )
        notice_id = uow.notices.add(record)
        if notice_id is not None:
            log.info("notice_queued", case=case.id, kind=moment.kind, notice=notice_id)

    def _params(self, uow: UnitOfWork, case: CaseRecord, moment: Moment) -> dict[str, str]:
        """The template's parameters for a notice of ``case`` at ``moment``."""
        return {
            "case_number": case.case_number or str(case.id),
            "item": self.item_names.get(case.item_code or "", case.process_id),
            "unit": self._unit(case.org_unit),
            "due_date": _day(case.due_date),
            "link": self._link(uow, case, moment),
            **moment.params,
        }

    def _unit(self, code: str | None) -> str:
        unit = self.org.units.get(code) if code else None
        return unit.name if unit is not None else "便民服务中心"

    def _link(self, uow: UnitOfWork, case: CaseRecord, moment: Moment) -> str:
        if moment.kind == "rating_invitation":
            provider = self.invitation_url
            return (provider(uow, case.id) if provider is not None else None) or ""
        return f"{self.public_url}/progress"

    # -- the sender --------------------------------------------------------------------
    def send_due(self, channel: Channel, policy: SendPolicy, worker: str) -> SendReport:
        """Send the notices due now, one claim, one attempt, one outcome each."""
        report = SendReport()
        with self.store.unit_of_work(write=False, operation="notices_due") as uow:
            due = uow.notices.due(self.clock.now(), policy.batch)
        for notice in due:
            self._send_one(notice, channel, policy, worker, report)
        return report

    def _send_one(
        self,
        notice: NoticeRecord,
        channel: Channel,
        policy: SendPolicy,
        worker: str,
        report: SendReport,
    ) -> None:
        now = self.clock.now()
        lease = now + timedelta(seconds=policy.lease_seconds)
        with self.store.unit_of_work(operation="notice_claim") as uow:
            claimed = uow.notices.claim(notice, now, lease, worker)
            uow.commit()
        if not claimed or notice.phone is None:
            report.lost.append(notice.id)
            return
        attempt = notice.attempts + 1
        delivery = Delivery(
            notice.id,
            notice.case_id,
            notice.kind,
            notice.idempotency_id,
            notice.phone,
            json.loads(notice.params),
            notice.text,
        )
        try:
            outcome = channel.send(delivery)
        except Exception as error:  # a channel's bug must not stop the worker's other work
            log.error("notice_channel_failed", notice=notice.id, error=type(error).__name__)
            outcome = Outcome(False, False, f"发送通道出错（{type(error).__name__}）")
        at = self.clock.now()
        if outcome.sent:
            state, next_at, bucket = SENT, None, report.sent
        elif outcome.permanent or attempt >= policy.max_attempts:
            state, next_at, bucket = DEAD, None, report.dead
        else:
            state = PENDING
            next_at, bucket = at + policy.backoff(notice.idempotency_id, attempt), report.retried
        with self.store.unit_of_work(operation="notice_settle") as uow:
            settled = uow.notices.settle(
                notice.id, attempt, state, at, next_at=next_at, error=outcome.error
            )
            uow.commit()
        (bucket if settled else report.lost).append(notice.id)
        if state != SENT:
            log.warning(
                "notice_failed",
                notice=notice.id,
                case=notice.case_id,
                kind=notice.kind,
                attempt=attempt,
                dead=state == DEAD,
                error=outcome.error,
            )

    # -- the administrators' ------------------------------------------------------------
    def find(self, query: NoticeQuery, offset: int, limit: int) -> tuple[list[NoticeRecord], int]:
        with self.store.unit_of_work(write=False) as uow:
            return uow.notices.find(query, offset, limit)

    def retry(self, notice_id: int, actor: str) -> NoticeRecord:
        """Send a dead notice again (due now, attempts counted afresh, same idempotency
        id); refused for a notice that is not dead."""
        now = self.clock.now()
        with self.store.unit_of_work(operation="notice_retry") as uow:
            notice = uow.notices.get(notice_id)
            if not uow.notices.revive(notice_id, now):
                raise InvalidState(
                    "只有发送失败的通知可以重新发送", notice_id=notice_id, state=notice.state
                )
            uow.commit()
        log.info("notice_retried", notice=notice_id, case=notice.case_id, user=actor)
        return replace(notice, state=PENDING, attempts=0, next_at=now)


def _day(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value is not None else ""


__all__ = ["NoticeService", "SendPolicy", "SendReport"]
