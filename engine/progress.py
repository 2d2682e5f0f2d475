"""办件进度查询: the applicant's own, anonymous look at a case's progress.

Anyone may ask with the case number (办件编号, on the receipt) and the last six characters
of the applicant's ID number; the answer says where the case stands — item, status,
dates, the steps done and open by step and unit name, the messages it waits for and the
materials still missing — and nothing personal (no applicant or staff name, no ID
number, phone or address).

"No such case" and "wrong digits" are one answer (``NotFound`` with ``NOT_FOUND``) after
the same database work: the case is looked up by number and the stored tail compared in
Python with ``hmac.compare_digest`` (against a placeholder when there is no case).

Guessing is bounded by two counters in the login counters' table (``login_throttles``,
own kinds and keys), reserved before the case is looked at, as a login reserves its
attempt (engine/login_policy.py): per client address ``CLIENT_LIMIT`` lookups per
``CLIENT_WINDOW``, and per case number ``NUMBER_LIMIT`` failed lookups per
``NUMBER_WINDOW`` from any address (a lookup that succeeds gives its attempt back). A
full counter answers ``TooManyRequests`` without looking at the case, for the right
digits too, until its period ends.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from engine.cases.cache import LiveCache
from engine.clock import SHANGHAI, Clock
from engine.errors import NotFound, TooManyRequests
from engine.labels import MESSAGES, unit_name
from engine.login_policy import client_subject
from engine.logs import get_logger
from engine.records import Counter, EventRecord, TaskRecord
from engine.records.cases import ID_TAIL_LENGTH
from engine.store import Store
from processes.org import Organization

log = get_logger(__name__)

CLIENT_LIMIT = 20  # lookups per client address ...
CLIENT_WINDOW = timedelta(minutes=10)  # ... within this period
NUMBER_LIMIT = 5  # failed lookups of one case number, from any address ...
NUMBER_WINDOW = timedelta(hours=1)  # ... within this period

CLIENT_KIND, NUMBER_KIND = "pq_addr", "pq_num"  # ``login_throttles.kind`` (8 characters)
NOT_FOUND = "没有找到这个办件：请核对办件编号和身份证号码后六位。"
_PLACEHOLDER_TAIL = "\x00" * ID_TAIL_LENGTH  # compared when there is no case: never equal
# Messages that bring the materials ``missing_materials`` names (补正, 容缺补交).
_MATERIAL_MESSAGES = frozenset({"materials_resubmitted", "pledge_fulfilled"})
_MATERIAL_SEPARATORS = re.compile(r"[、，,；;\n]+")


@dataclass(frozen=True)
class DoneStep:
    name: str
    unit_name: str | None
    done_on: date


@dataclass(frozen=True)
class CurrentStep:
    name: str
    unit_name: str | None
    since: date | None


@dataclass(frozen=True)
class Waiting:
    name: str
    title: str


@dataclass(frozen=True)
class PublicProgress:
    """What the public lookup shows of a case: nothing personal."""

    case_number: str
    item_code: str | None
    item_name: str | None
    status: str
    registered_on: date
    due_date: date | None
    overdue: bool
    completed_on: date | None
    steps_done: list[DoneStep]
    current: list[CurrentStep]
    waiting: list[Waiting]
    missing: list[str]


class ProgressService:
    def __init__(
        self,
        store: Store,
        cache: LiveCache,
        clock: Clock,
        wall_clock: Clock,
        org: Organization,
        item_names: dict[str, str],
    ) -> None:
        self.store = store
        self.cache = cache
        self.clock = clock  # the case's days (a training database's clock)
        self.wall_clock = wall_clock  # the counters' periods, as the login counters'
        self.org = org
        self.item_names = item_names

    def lookup(self, number: str, id_tail: str, client: str | None) -> PublicProgress:
        """The progress of case ``number`` if ``id_tail`` is the end of its applicant's ID
        number (any case); ``NotFound`` (``NOT_FOUND``) otherwise, and ``TooManyRequests``
        when a counter is full."""
        now = self.wall_clock.now()
        address = client_subject(client)
        counters = sorted(
            (
                throttle_counter(CLIENT_KIND, address, CLIENT_LIMIT, CLIENT_WINDOW, address),
                throttle_counter(NUMBER_KIND, number, NUMBER_LIMIT, NUMBER_WINDOW, None),
            ),
            key=lambda c: c.key,
        )
        number_key = next(c.key for c in counters if c.kind == NUMBER_KIND)
        with self.store.unit_of_work() as uow:
            admission = uow.throttles.reserve_attempt(counters, now)
            if not admission.admitted:
                log.warning("progress_lookup_limited", client=client)
                raise too_many_requests(admission.until or now, now)
            record = uow.cases.by_number(number)
            stored = record.applicant_id_tail if record is not None else None
            right = hmac.compare_digest(
                (stored or _PLACEHOLDER_TAIL).encode(), id_tail.upper().encode()
            )
            if record is None or stored is None or not right:
                uow.commit()  # the attempt counts on both counters
                log.info("progress_lookup_failed", client=client)
                raise NotFound(NOT_FOUND)
            uow.throttles.give_back([number_key], now)  # not a failure: only the address's
            tasks = uow.tasks.of_case(record.id)
            events = [event for event, _ in uow.events.of_case(record.id)]
            uow.commit()
        live = self.cache.load(record)
        self.cache.put(record, live)
        waiting_names = live.waiting_messages()
        today = self.clock.now().astimezone(SHANGHAI).date()
        return PublicProgress(
            case_number=number,
            item_code=record.item_code,
            item_name=self.item_names.get(record.item_code or ""),
            status=record.status,
            registered_on=_day(record.created_at),
            due_date=record.due_date,
            overdue=record.status == "open"
            and record.due_date is not None
            and record.limit_met_at is None
            and record.due_date < today,
            completed_on=_day(record.closed_at)
            if record.status == "completed" and record.closed_at is not None
            else None,
            steps_done=self._done(tasks, events),
            current=self._current(tasks, events),
            waiting=[Waiting(name, MESSAGES.get(name, name)) for name in waiting_names],
            missing=_missing(events) if _MATERIAL_MESSAGES & set(waiting_names) else [],
        )

    def _done(self, tasks: list[TaskRecord], events: list[EventRecord]) -> list[DoneStep]:
        """The tasks someone completed (not those a timer or a cancellation closed), in
        the order they were done."""
        by_seq = {event.seq: event for event in events}
        done = []
        for task in tasks:
            event = by_seq.get(task.closed_seq) if task.closed_seq is not None else None
            if (
                event is not None
                and event.type == "task_completed"
                and event.payload.get("task_id") == task.id
            ):
                done.append((event.seq, task, event.at))
        done.sort(key=lambda entry: entry[0])
        return [
            DoneStep(task.name, unit_name(self.org, task.org_unit), _day(at))
            for _, task, at in done
        ]

    def _current(self, tasks: list[TaskRecord], events: list[EventRecord]) -> list[CurrentStep]:
        opened = {event.seq: event.at for event in events}
        return [
            CurrentStep(
                task.name,
                unit_name(self.org, task.org_unit),
                _day(opened[task.created_seq]) if task.created_seq in opened else None,
            )
            for task in tasks
            if task.closed_seq is None
        ]


def throttle_counter(
    kind: str, subject: str, limit: int, window: timedelta, address: str | None
) -> Counter:
    # Hashed with the kind: a fixed-length key in a namespace of its own.
    key = hashlib.sha256(f"{kind}\x00{subject}".encode("utf-8", "surrogatepass")).hexdigest()
    return Counter(key, kind, None, address, limit, window, window)


def too_many_requests(until: datetime, now: datetime) -> TooManyRequests:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    minutes = max(1, -(-seconds // 60))
    return TooManyRequests(f"查询过于频繁，请 {minutes} 分钟后再试", retry_after=seconds)


def _missing(events: list[EventRecord]) -> list[str]:
    """The materials the latest supplement request or pledge names: the intake step's
    ``missing_materials`` (a text field: names separated by 、，；or new lines), as the
    task that asked for them recorded it."""
    for event in reversed(events):
        data = event.payload.get("data") if event.type == "task_completed" else None
        text = data.get("missing_materials") if isinstance(data, dict) else None
        if isinstance(text, str):
            return [part.strip() for part in _MATERIAL_SEPARATORS.split(text) if part.strip()]
    return []


def _day(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()
