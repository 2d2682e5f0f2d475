"""Case service: every state change is one transaction of event + snapshot + task index."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any

from engine import steps
from engine.clock import SHANGHAI, Clock
from engine.definitions.registry import DefinitionRegistry
from engine.errors import (
    ConflictError,
    DataValidationError,
    EngineError,
    NotFound,
    ScriptError,
)
from engine.history import GENESIS, seal
from engine.identity import Principal
from engine.records import CaseQuery, CaseRecord, CaseScope, EventRecord, TaskRecord
from engine.routing import Routing, case_number
from engine.runtime.case import (
    CLAIM_EVENTS,
    OPEN,
    EventInput,
    LiveCase,
    ReadyTask,
    apply_event,
    start_case,
)
from engine.runtime.snapshot import pack, state_digest, unpack
from engine.store import Store, UnitOfWork, figures
from processes.org import ROLE_UNIT_KINDS, Organization


@dataclass(frozen=True)
class Actor:
    """Who acts: a user id, the role and org unit they act in, and the resident they act
    for (proxy), if any."""

    user: str
    role: str | None = None
    on_behalf_of: str | None = None
    unit: str | None = None


SYSTEM = Actor("system")
SYSTEM_TIMER = Actor("system:timer")
DUE_DATE_VARIABLE = "due_on"


@dataclass(frozen=True)
class CaseView:
    id: int
    uid: str
    process_id: str
    definition_hash: str
    status: str
    version: int
    last_seq: int
    data: dict[str, Any]
    tasks: list[ReadyTask]
    has_incident: bool
    item_code: str | None = None
    org_unit: str | None = None
    due_date: date | None = None
    next_timer_at: datetime | None = None
    waiting_messages: list[str] = field(default_factory=list)
    case_number: str | None = None
    village: str | None = None
    department: str | None = None
    registered_unit: str | None = None
    county_since: datetime | None = None
    created_at: datetime | None = None


@dataclass
class TickReport:
    fired: list[int] = field(default_factory=list)
    incidents: list[int] = field(default_factory=list)
    conflicts: list[int] = field(default_factory=list)
    # (case id, event type, task id or None for the case's promised limit)
    warnings: list[tuple[int, str, str | None]] = field(default_factory=list)


class _LiveCache:
    """Live workflows keyed by case id and version: a hit skips deserialization.

    An entry is taken out while in use and put back only after a successful commit,
    so a failed or racing change never leaves a half-applied workflow behind."""

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[int, tuple[int, LiveCase]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def take(self, case_id: int, version: int) -> LiveCase | None:
        with self._lock:
            entry = self._items.pop(case_id, None)
        return entry[1] if entry and entry[0] == version else None

    def put(self, case_id: int, version: int, live: LiveCase) -> None:
        if self._size <= 0:
            return
        with self._lock:
            self._items[case_id] = (version, live)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


class CaseService:
    def __init__(
        self,
        store: Store,
        registry: DefinitionRegistry,
        clock: Clock,
        cache_size: int = 1000,
        warning_share: float = steps.DEFAULT_WARNING_SHARE,
    ) -> None:
        self.store = store
        self.registry = registry
        self.clock = clock
        self._cache = _LiveCache(cache_size)
        # The share of a limit used that raises a yellow warning (DAIBAN_WARNING_SHARE).
        self.warning_share = warning_share
        # Called inside the transaction just before commit; tests use it to race two writers.
        self.before_commit: Callable[[], None] | None = None
        self.after_load: Callable[[], None] | None = None

    # -- queries -------------------------------------------------------------------------
    def get(self, case_id: int) -> CaseView:
        return self.get_with_record(case_id)[1]

    def get_with_record(self, case_id: int) -> tuple[CaseRecord, CaseView]:
        """The case row and the view of the case built from it (one read)."""
        with self.store.unit_of_work(write=False) as uow:
            record = uow.case(case_id)
        live = self._load(record)
        view = self._view(record, live)
        self._cache.put(record.id, record.version, live)
        return record, view

    def queue(
        self, org: Organization, principal: Principal, day: date, limit: int = 200
    ) -> list[TaskRecord]:
        """The caller's work queue: unclaimed tasks of its roles in its unit, tasks it holds,
        and on days a colleague it stands in for is absent, that colleague's work too."""
        people = [principal.user_id, *(u.id for u in org.standing_in_for(principal.user_id, day))]
        places = {(role, principal.unit) for role in principal.roles}
        for colleague in org.standing_in_for(principal.user_id, day):
            places |= {(role, colleague.unit) for role in colleague.roles}
        with self.store.unit_of_work(write=False) as uow:
            return uow.task_queue(sorted(places), people, limit)

    def record(self, case_id: int) -> CaseRecord:
        """The case row alone (status, routing, version) without loading its workflow."""
        with self.store.unit_of_work(write=False) as uow:
            return uow.case(case_id)

    def records(self, case_ids: list[int]) -> dict[int, CaseRecord]:
        """Several case rows at once, by id (ids of missing cases are left out)."""
        with self.store.unit_of_work(write=False) as uow:
            return uow.cases(case_ids)

    def find(
        self, scope: CaseScope, query: CaseQuery | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[list[CaseRecord], int]:
        """A page of the cases in ``scope`` (newest first) and the total count."""
        with self.store.unit_of_work(write=False) as uow:
            return uow.find_cases(scope, query or CaseQuery(), offset, limit)

    def ready_tasks(self, case_id: int) -> list[ReadyTask]:
        return self.get(case_id).tasks

    def task_index(
        self, case_id: int | None = None, lane: str | None = None, org_unit: str | None = None
    ) -> list[TaskRecord]:
        """Open tasks, filtered by case, role (lane) and org unit: the basis of work queues."""
        with self.store.unit_of_work(write=False) as uow:
            return uow.tasks(case_id=case_id, lane=lane, org_unit=org_unit)

    def task(self, task_id: str) -> TaskRecord:
        """One task of the index, open or closed (``closed_seq`` set), or ``NotFound``."""
        with self.store.unit_of_work(write=False) as uow:
            found = uow.task(task_id)
        if found is None:
            raise NotFound("没有这个待办任务（不存在或已办结）", task_id=task_id)
        return found

    def task_with_case(self, task_id: str) -> tuple[TaskRecord, CaseRecord]:
        """One task of the index (open or closed) and its case row, read together."""
        with self.store.unit_of_work(write=False) as uow:
            found = uow.task(task_id)
            if found is None:
                raise NotFound("没有这个待办任务（不存在或已办结）", task_id=task_id)
            return found, uow.case(found.case_id)

    # -- commands ------------------------------------------------------------------------
    def start(
        self,
        process_id: str,
        data: dict[str, Any] | None = None,
        actor: Actor = SYSTEM,
        *,
        item_code: str | None = None,
        org_unit: str | None = None,
        due_date: date | None = None,
        idempotency_key: str | None = None,
        routing: Routing | None = None,
    ) -> CaseView:
        """Start a case on the newest version of ``process_id``.

        ``routing`` says which units act on it; ``org_unit`` alone is the township."""
        routing = routing or Routing(township=org_unit)
        org_unit = routing.township
        if idempotency_key:
            existing = self._by_key(idempotency_key)
            if existing is not None:
                return existing
        version = self.registry.latest(process_id)
        compiled = self.registry.compiled(version.hash)
        uid = uuid.uuid4().hex
        payload = {
            "process_id": process_id,
            "definition_hash": version.hash,
            "data": data or {},
            "item_code": item_code,
            "org_unit": org_unit,
            "routing": asdict(routing),
        }
        event = EventInput(1, "case_started", self.clock.now(), payload, actor.user)
        live = start_case(compiled, uid, event)
        state = live.state()
        sealed, payload_json = seal(
            EventRecord(
                0,
                1,
                event.type,
                actor.user,
                event.at,
                payload,
                GENESIS,
                "",
                actor.on_behalf_of,
                state_digest(state),
                actor_role=actor.role,
                actor_unit=actor.unit,
            ),
            uid,
        )
        record = CaseRecord(
            id=0,
            uid=uid,
            process_id=process_id,
            definition_hash=version.hash,
            status=live.status,
            version=1,
            last_seq=1,
            last_hash=sealed.hash,
            snapshot=pack(state),
            created_at=event.at,
            updated_at=event.at,
            item_code=item_code,
            org_unit=org_unit,
            due_date=due_date,
            next_timer_at=live.next_timer_at(),
            closed_at=None if live.status == OPEN else event.at,
            idempotency_key=idempotency_key,
            village=routing.village,
            department=routing.department,
            registered_unit=routing.registered_unit,
        )
        try:
            with self.store.unit_of_work(operation="case_started") as uow:
                day = event.at.astimezone(SHANGHAI).strftime("%Y%m%d")
                record.case_number = case_number(
                    routing, event.at, uow.next_sequence(routing.region, day)
                )
                record.county_since = self._county_since(record, live, event.at)
                record.id = uow.case_id = uow.insert_case(record)
                stored = replace(sealed, case_id=record.id)
                uow.append_events([stored], [payload_json])
                tasks = self._task_records(record, live, 1, event.at, {})
                uow.replace_tasks(record.id, tasks, 1)
                self._commit(uow)
        except ConflictError:
            if idempotency_key:
                existing = self._by_key(idempotency_key)
                if existing is not None:
                    return existing
            raise
        self._cache.put(record.id, record.version, live)
        return self._view(record, live)

    def complete_task(
        self,
        case_id: int,
        task_id: str,
        data: dict[str, Any] | None = None,
        actor: Actor = SYSTEM,
        expected_version: int | None = None,
        acting_for: str | None = None,
    ) -> CaseView:
        """Complete a ready user task with form data (validated against its form).

        ``acting_for``: the absent colleague whose claimed task a stand-in completes
        (the caller checks the absence register); recorded in the event."""

        def validate(live: LiveCase) -> dict[str, Any]:
            payload = self._validated(live, task_id, data or {})
            return {**payload, "acting_for": acting_for} if acting_for else payload

        return self._change(
            case_id, "task_completed", {"task_id": task_id}, actor, expected_version, validate
        )

    def deliver_message(
        self,
        case_id: int,
        name: str,
        payload: dict[str, Any] | None = None,
        actor: Actor = SYSTEM,
        expected_version: int | None = None,
    ) -> CaseView:
        body = {"name": name, "payload": payload or {}}
        return self._change(case_id, "message_received", body, actor, expected_version)

    def cancel(
        self, case_id: int, reason: str, actor: Actor = SYSTEM, expected_version: int | None = None
    ) -> CaseView:
        if not reason.strip():
            raise DataValidationError("请填写撤销原因", {"reason": "必填"})
        return self._change(case_id, "case_cancelled", {"reason": reason}, actor, expected_version)

    def claim(
        self, case_id: int, task_id: str, actor: Actor, expected_version: int | None = None
    ) -> CaseView:
        """Take a ready task (认领): from now on only ``actor`` may complete it."""
        return self._change(case_id, "task_claimed", {"task_id": task_id}, actor, expected_version)

    def release(
        self, case_id: int, task_id: str, actor: Actor, expected_version: int | None = None
    ) -> CaseView:
        """Give a claimed task back to the queue."""
        return self._change(case_id, "task_released", {"task_id": task_id}, actor, expected_version)

    def assign(
        self,
        case_id: int,
        task_id: str,
        user: str,
        actor: Actor,
        expected_version: int | None = None,
    ) -> CaseView:
        """Assign a ready task to ``user`` (a leader reassigning work, e.g. to a B post)."""
        payload = {"task_id": task_id, "user": user}
        return self._change(case_id, "task_assigned", payload, actor, expected_version)

    def tick(self, limit: int = 500, max_rounds: int = 20) -> TickReport:
        """Fire every timer that is due by the clock; one transaction per case and firing.

        A case whose next timer is still due after firing (a cycle that fell behind, a
        timer started by the firing) is picked up again in the next round."""
        report = TickReport()
        skip: set[int] = set()
        for _ in range(max_rounds):
            with self.store.unit_of_work(write=False) as uow:
                due = [c for c in uow.due_timer_cases(self.clock.now(), limit) if c not in skip]
            if not due:
                break
            for case_id in due:
                try:
                    _, fired = self._apply(case_id, "timers_fired", {}, SYSTEM_TIMER, None)
                    if fired:  # else another worker fired them since ``due`` was read
                        report.fired.append(case_id)
                    else:
                        skip.add(case_id)
                except ScriptError:
                    report.incidents.append(case_id)
                    skip.add(case_id)
                except ConflictError:
                    report.conflicts.append(case_id)
                    skip.add(case_id)
        self._raise_warnings(report)
        return report

    def _raise_warnings(self, report: TickReport) -> None:
        """Record the yellow and red warnings due by the clock (``engine.steps``), each
        once: one transaction per case, events that leave the workflow state as it is."""
        now = self.clock.now()
        for case_id, due in steps.pending_warnings(self.store, now, self.warning_share):
            try:
                written = self._annotate(case_id, due)
            except ConflictError:
                report.conflicts.append(case_id)
                continue
            report.warnings += [(case_id, w.type, w.task_id) for w in written]

    # -- internals -----------------------------------------------------------------------
    def _by_key(self, key: str) -> CaseView | None:
        with self.store.unit_of_work(write=False) as uow:
            record = uow.case_by_idempotency_key(key)
        return self._view(record, self._load(record)) if record else None

    def _load(self, record: CaseRecord) -> LiveCase:
        live = self._cache.take(record.id, record.version)
        if live is None:
            compiled = self.registry.compiled(record.definition_hash)
            live = LiveCase.from_state(unpack(record.snapshot), compiled)
        return live

    def _validated(self, live: LiveCase, task_id: str, data: dict[str, Any]) -> dict[str, Any]:
        task = next((t for t in live.ready_tasks() if t.id == task_id), None)
        if task is None:
            return {"task_id": task_id, "data": data}  # apply() reports missing/closed task
        form = live.compiled.form(task.process_id, task.spec_id)
        if form is None:
            return {"task_id": task_id, "data": data}
        clean, errors = form.validate(data)
        if errors:
            raise DataValidationError("表单数据有误", errors)
        return {"task_id": task_id, "data": clean}

    def _change(
        self,
        case_id: int,
        event_type: str,
        payload: dict[str, Any],
        actor: Actor,
        expected_version: int | None,
        prepare: Callable[[LiveCase], dict[str, Any]] | None = None,
    ) -> CaseView:
        return self._apply(case_id, event_type, payload, actor, expected_version, prepare)[0]

    def _apply(
        self,
        case_id: int,
        event_type: str,
        payload: dict[str, Any],
        actor: Actor,
        expected_version: int | None,
        prepare: Callable[[LiveCase], dict[str, Any]] | None = None,
    ) -> tuple[CaseView, bool]:
        """``_change``, and whether an event was written (False: the command was a no-op).

        A claim, release or assignment that lost a race is decided once more on the state
        the winner left: the holder's duplicate claim is then a no-op (200), a claim of a
        task someone else took a real conflict (409). Not with ``expected_version``: the
        caller asked for a conflict if the case moved."""
        try:
            return self._apply_once(case_id, event_type, payload, actor, expected_version, prepare)
        except ConflictError:
            if event_type not in CLAIM_EVENTS or expected_version is not None:
                raise
        return self._apply_once(case_id, event_type, payload, actor, None, prepare)

    def _apply_once(
        self,
        case_id: int,
        event_type: str,
        payload: dict[str, Any],
        actor: Actor,
        expected_version: int | None,
        prepare: Callable[[LiveCase], dict[str, Any]] | None,
    ) -> tuple[CaseView, bool]:
        with self.store.unit_of_work(operation=event_type, case_id=case_id) as uow:
            record = uow.case(case_id)
            if self.after_load is not None:
                self.after_load()
            if expected_version is not None and record.version != expected_version:
                raise ConflictError("办件已被他人修改，请刷新后重试", case_id=case_id)
            live = self._load(record)
            if _no_op(record, live, event_type, payload, actor, self.clock.now()):
                self._cache.put(record.id, record.version, live)
                return self._view(record, live), False
            if prepare is not None:
                payload = prepare(live)
            event = EventInput(
                record.last_seq + 1, event_type, self.clock.now(), payload, actor.user
            )
            try:
                apply_event(live, record.uid, event)
            except ScriptError as error:
                uow.rollback()
                self._incident(case_id, event, error, actor)
                raise
            new = self._persist(uow, record, live, event, actor)
            self._commit(uow)
        self._cache.put(new.id, new.version, live)
        return self._view(new, live), True

    def _persist(
        self, uow: UnitOfWork, record: CaseRecord, live: LiveCase, event: EventInput, actor: Actor
    ) -> CaseRecord:
        state = live.state()
        sealed, payload_json = seal(
            EventRecord(
                record.id,
                event.seq,
                event.type,
                actor.user,
                event.at,
                event.payload,
                record.last_hash,
                "",
                actor.on_behalf_of,
                state_digest(state),
                actor_role=actor.role,
                actor_unit=actor.unit,
            ),
            record.uid,
        )
        new = replace(
            record,
            status=live.status,
            due_date=_due_date(live) or record.due_date,
            county_since=self._county_since(record, live, event.at),
            version=record.version + 1,
            last_seq=event.seq,
            last_hash=sealed.hash,
            snapshot=pack(state),
            updated_at=event.at,
            next_timer_at=live.next_timer_at(),
            closed_at=record.closed_at or (None if live.status == OPEN else event.at),
        )
        uow.update_case(new, record.version)
        uow.append_events([sealed], [payload_json])
        known = {t.id: t.due_at for t in uow.tasks(case_id=record.id)}
        tasks = self._task_records(new, live, event.seq, event.at, known)
        uow.replace_tasks(record.id, tasks, event.seq)
        return new

    def _incident(self, case_id: int, failed: EventInput, error: EngineError, actor: Actor) -> None:
        """Record a failed step in the history; the case state stays as it was."""
        with self.store.unit_of_work(operation="incident", case_id=case_id) as uow:
            record = uow.case(case_id)
            payload = {
                "action": failed.type,
                "action_payload": failed.payload,
                "error": error.message,
                "code": error.code,  # e.g. script_error, script_limit_exceeded, engine_step_limit
                "element_id": error.context.get("element_id"),
            }
            seq = record.last_seq + 1
            at = self.clock.now()
            sealed, payload_json = seal(
                EventRecord(
                    case_id,
                    seq,
                    "incident",
                    actor.user,
                    at,
                    payload,
                    record.last_hash,
                    "",
                    actor.on_behalf_of,
                    state_digest(unpack(record.snapshot)),
                    actor_role=actor.role,
                    actor_unit=actor.unit,
                ),
                record.uid,
            )
            new = replace(
                record,
                version=record.version + 1,
                last_seq=seq,
                last_hash=sealed.hash,
                updated_at=at,
                has_incident=True,
            )
            uow.update_case(new, record.version)
            uow.append_events([sealed], [payload_json])
            uow.commit()

    def _annotate(self, case_id: int, due: list[steps.DueWarning]) -> list[steps.DueWarning]:
        """Append warning events to an open case, checked again inside the transaction
        (still open, task still open, not recorded meanwhile); like an incident, they
        change neither the workflow nor its state digest. Returns those written."""
        with self.store.unit_of_work(operation="warning", case_id=case_id) as uow:
            record = uow.case(case_id)
            if record.status != OPEN:
                return []
            raised = {
                (e.type, steps.warning_key(e.payload))
                for e in figures.events_of(uow, [case_id], steps.WARNING_EVENTS)
            }
            written = [
                w
                for w in due
                if (w.type, w.task_id) not in raised
                and (w.task_id is None or _is_open(uow.task(w.task_id)))
                and (w.task_id is not None or w.payload.get("due_date") == _iso(record.due_date))
            ]
            if not written:
                return []
            digest = state_digest(unpack(record.snapshot))
            at, prev, seq = self.clock.now(), record.last_hash, record.last_seq
            events, payloads = [], []
            for warning in written:
                seq += 1
                sealed, payload_json = seal(
                    EventRecord(
                        case_id,
                        seq,
                        warning.type,
                        steps.WARNING_ACTOR,
                        at,
                        warning.payload,
                        prev,
                        "",
                        None,
                        digest,
                    ),
                    record.uid,
                )
                events.append(sealed)
                payloads.append(payload_json)
                prev = sealed.hash
            new = replace(
                record, version=record.version + 1, last_seq=seq, last_hash=prev, updated_at=at
            )
            live = self._cache.take(case_id, record.version)
            uow.update_case(new, record.version)
            uow.append_events(events, payloads)
            self._commit(uow)
        if live is not None:
            self._cache.put(case_id, new.version, live)
        return written

    def _commit(self, uow: UnitOfWork) -> None:
        if self.before_commit is not None:
            self.before_commit()
        uow.commit()

    @staticmethod
    def _routing(record: CaseRecord) -> Routing:
        return Routing(record.org_unit, record.village, record.department, record.registered_unit)

    def _county_since(self, record: CaseRecord, live: LiveCase, at: datetime) -> datetime | None:
        """When the case first reached the county department (it sees the case from then on)."""
        if record.county_since is not None:
            return record.county_since
        reached = any(
            ROLE_UNIT_KINDS.get(t.lane or "", ()) == ("department",) for t in live.ready_tasks()
        )
        return at if reached else None

    def _task_records(
        self,
        record: CaseRecord,
        live: LiveCase,
        seq: int,
        at: datetime,
        known: dict[str, datetime | None],
    ) -> list[TaskRecord]:
        """Index rows of the open tasks. A task of a phase with a step limit is due that
        many working days after the day it became ready (``engine.steps``), fixed then;
        any other task is due when its case is (the promised limit, which may change).

        ``at``: the time of the event being written; ``known``: the due times of the
        tasks already in the index."""
        routing = self._routing(record)
        case_due = steps.end_of(record.due_date) if record.due_date else None
        rows = []
        for t in live.ready_tasks():
            due_at, own = steps.task_due(t.process_id, t.spec_id, t.data.get("item"), at, case_due)
            if own and t.id in known:
                due_at = known[t.id]
            rows.append(
                TaskRecord(
                    t.id,
                    record.id,
                    t.spec_id,
                    t.name,
                    t.process_id,
                    t.lane,
                    routing.unit_for(t.lane),
                    seq,
                    due_at=due_at,
                    claimed_by=live.claims.get(t.id),
                )
            )
        return rows

    def _view(self, record: CaseRecord, live: LiveCase) -> CaseView:
        return CaseView(
            id=record.id,
            uid=record.uid,
            process_id=record.process_id,
            definition_hash=record.definition_hash,
            status=record.status,
            version=record.version,
            last_seq=record.last_seq,
            data=live.data(),
            tasks=live.ready_tasks(),
            has_incident=record.has_incident,
            item_code=record.item_code,
            org_unit=record.org_unit,
            due_date=record.due_date,
            next_timer_at=record.next_timer_at,
            waiting_messages=live.waiting_messages(),
            case_number=record.case_number,
            village=record.village,
            department=record.department,
            registered_unit=record.registered_unit,
            county_since=record.county_since,
            created_at=record.created_at,
        )


def _no_op(
    record: CaseRecord,
    live: LiveCase,
    event_type: str,
    payload: dict[str, Any],
    actor: Actor,
    now: datetime,
) -> bool:
    """Whether a command would record nothing new: the holder claiming again, assigning a
    task to its holder, releasing a task nobody holds, firing timers when none is due any
    more (another worker fired them). The history is permanent, so such a command answers
    with the current state and appends no event. A task that is not ready, a case that is
    closed: left to ``apply_event`` to refuse as before."""
    if live.status != OPEN:
        return False
    if event_type == "timers_fired":
        return record.next_timer_at is None or record.next_timer_at > now
    if event_type not in CLAIM_EVENTS:
        return False
    task_id = payload["task_id"]
    if all(task.id != task_id for task in live.ready_tasks()):
        return False
    holder = live.claims.get(task_id)
    if event_type == "task_released":
        return holder is None
    return holder == (actor.user if event_type == "task_claimed" else payload["user"])


def _is_open(task: TaskRecord | None) -> bool:
    return task is not None and task.closed_seq is None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _due_date(live: LiveCase) -> date | None:
    """The case's due date, from the ``due_on`` variable a process sets (at acceptance)."""
    value = live.data().get(DUE_DATE_VARIABLE)
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
