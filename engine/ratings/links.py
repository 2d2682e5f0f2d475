"""The resident's one-time rating link (好差评邀请链接) and what it answers.

When a case comes to wait for its rating (the ``rating`` message of
``common_evaluation``), an observer of every case change (``observe``, run inside that
change's transaction) gives it an invitation: a random token (``secrets``, 192 bits)
whose SHA-256 is what requests are looked up by. The token itself is kept in the row too,
because the link must be shown again — printed as the 办结通知书's QR code, sent in the
SMS — for as long as it may be used; once the case is rated (by the link, or entered from
paper) the same transaction forgets it, so a copy of the database holds no usable link of
a rated case. The link is ``{public_url}/rating#<token>``: the token travels in the
fragment, which browsers never send, so no access log sees it; the page posts it to
``POST /api/v1/public/ratings/{token}``.

"Unknown token" and "already used" are one answer (``NotFound`` with ``NOT_FOUND``): the
answers give no oracle. A link whose case no longer waits for a rating without having
been rated (the rating period ended, the case was cancelled) answers ``RatingClosed``.
Every request counts on a per-address counter (``CLIENT_LIMIT`` per ``CLIENT_WINDOW``,
the login counters' table, own kind) before anything is looked at.

The token is not part of the case's history (neither its randomness nor its time enters
an event): replay never needs it, and the rating event records the channel ``link``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from engine.cases.cache import LiveCache
from engine.clock import Clock
from engine.elements import RATING
from engine.errors import InvalidState, NotFound
from engine.labels import unit_name
from engine.login_policy import client_subject
from engine.logs import get_logger
from engine.progress import throttle_counter, too_many_requests
from engine.records import CaseRecord, RatingInvitation
from engine.runtime.case import EventInput, LiveCase
from engine.steps import local_day
from engine.store import Store, UnitOfWork
from processes.org import Organization

log = get_logger(__name__)

TOKEN_BYTES = 24  # 192 bits of secrets.token_urlsafe: 32 characters
CLIENT_LIMIT = 30  # requests per client address (looking and rating) ...
CLIENT_WINDOW = timedelta(minutes=10)  # ... within this period
CLIENT_KIND = "rt_addr"  # ``login_throttles.kind``
PAGE = "/rating"
NOT_FOUND = "评价链接无效或已使用：每件办件只能评价一次。"
CLOSED = "该办件的评价期已结束（或办件已撤销），不能再评价。"


class RatingClosed(InvalidState):
    """The link's case no longer waits for a rating and was not rated."""

    code = "rating_closed"


@dataclass(frozen=True)
class RatingSubject:
    """What the rating page shows of the case rated: nothing personal."""

    case_number: str  # masked: the last four characters only
    item_code: str | None
    item_name: str | None
    unit_name: str | None
    registered_on: date


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_invitation(case_id: int, at: datetime) -> RatingInvitation:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return RatingInvitation(case_id, token_hash(token), token, at)


def mask_number(number: str | None) -> str:
    return "*" * max(0, len(number or "") - 4) + (number or "")[-4:]


class RatingLinks:
    def __init__(
        self,
        store: Store,
        cache: LiveCache,
        wall_clock: Clock,
        public_url: str,
        org: Callable[[], Organization],
        item_names: Callable[[], dict[str, str]],
    ) -> None:
        self.store = store
        self.cache = cache
        self.wall_clock = wall_clock
        self.public_url = public_url
        self.org = org
        self.item_names = item_names

    def observe(
        self,
        uow: UnitOfWork,
        before: CaseRecord | None,
        after: CaseRecord,
        live: LiveCase,
        event: EventInput,
    ) -> None:
        """Inside every case change: a rating delivered uses up the case's link (one
        rating per case, whichever way it came); a case that now waits for its rating
        gets its link."""
        if event.type == "message_received" and event.payload.get("name") == RATING:
            if uow.ratings.of_case(after.id) is None:
                uow.ratings.add(new_invitation(after.id, event.at))
            uow.ratings.use(after.id, event.at, event.seq)
        elif RATING in live.waiting_messages() and uow.ratings.of_case(after.id) is None:
            uow.ratings.add(new_invitation(after.id, event.at))

    def url(self, token: str) -> str:
        return f"{self.public_url}{PAGE}#{token}"

    def url_in(self, uow: UnitOfWork, case_id: int) -> str | None:
        """The case's unused link as the transaction ``uow`` sees it (a notice written in
        the same change prints it); None: no link, or used."""
        invitation = uow.ratings.of_case(case_id)
        if invitation is None or invitation.token is None:
            return None
        return self.url(invitation.token)

    def invitation_url(self, case_id: int) -> str | None:
        """The case's rating link while the case waits for its rating; None otherwise.
        A case that waited already before links existed gets its link now."""
        with self.store.unit_of_work(operation="rating_invitation", case_id=case_id) as uow:
            record = uow.cases.get(case_id)
            if not self._waits(record):
                return None
            invitation = uow.ratings.of_case(case_id)
            if invitation is None:
                invitation = new_invitation(case_id, self.wall_clock.now())
                uow.ratings.add(invitation)
                uow.commit()
        return self.url(invitation.token) if invitation.token is not None else None

    def admit(self, token: str, client: str | None) -> tuple[RatingInvitation, CaseRecord]:
        """The unused invitation of ``token`` and its case, after counting the request
        on the address's counter; ``NotFound``, ``RatingClosed`` or ``TooManyRequests``."""
        now = self.wall_clock.now()
        address = client_subject(client)
        counter = throttle_counter(CLIENT_KIND, address, CLIENT_LIMIT, CLIENT_WINDOW, address)
        digest = token_hash(token)
        with self.store.unit_of_work() as uow:
            admission = uow.throttles.reserve_attempt([counter], now)
            if not admission.admitted:
                log.warning("rating_link_limited", client=client)
                raise too_many_requests(admission.until or now, now)
            uow.commit()
        with self.store.unit_of_work(write=False) as uow:
            invitation = uow.ratings.by_hash(digest)
            record = uow.cases.get(invitation.case_id) if invitation is not None else None
        if (
            invitation is None
            or record is None
            or invitation.token is None
            or not hmac.compare_digest(invitation.token_hash, digest)
        ):
            log.info("rating_link_refused", client=client)
            raise NotFound(NOT_FOUND)
        if not self._waits(record):
            raise RatingClosed(CLOSED, case_id=record.id)
        return invitation, record

    def subject(self, token: str, client: str | None) -> RatingSubject:
        """What the resident holding ``token`` is asked to rate."""
        _, record = self.admit(token, client)
        return RatingSubject(
            case_number=mask_number(record.case_number),
            item_code=record.item_code,
            item_name=self.item_names().get(record.item_code or ""),
            unit_name=unit_name(self.org(), record.org_unit),
            registered_on=local_day(record.created_at),
        )

    def _waits(self, record: CaseRecord) -> bool:
        if record.status != "open":
            return False
        live = self.cache.load(record)
        self.cache.put(record, live)
        return RATING in live.waiting_messages()
