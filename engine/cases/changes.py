"""Applying one change to a case: one transaction that appends its sealed event, updates
the case row and brings the task index in line (DESIGN invariant 1); a no-op writes
nothing, a script failure leaves an incident in the history and the case as it was."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from typing import Any, NamedTuple

from engine import periods, steps
from engine.cases import duties
from engine.cases.cache import Cached, LiveCache
from engine.cases.task_index import assessment_since, county_since, task_records
from engine.cases.views import CaseView, case_view
from engine.clock import SHANGHAI, Clock, read_clock
from engine.errors import (
    ConflictError,
    EngineError,
    OutcomeUnknown,
    ScriptError,
    StaleVersion,
    Unavailable,
)
from engine.history import seal
from engine.logs import get_logger
from engine.metrics import (
    CASES_CANCELLED,
    CASES_COMPLETED,
    CONFLICTS,
    INCIDENTS,
    SILENT,
    TASKS_COMPLETED,
    TIMERS_FIRED,
    Meter,
)
from engine.records import Actor, CaseRecord, EventRecord, IndexChange, OpenTasks, TaskRecord
from engine.runtime.case import CANCELLED, CLAIM_EVENTS, OPEN, EventInput, LiveCase, apply_event
from engine.runtime.snapshot import pack, state_digest, unpack
from engine.store import Store, UnitOfWork

log = get_logger(__name__)

DUE_DATE_VARIABLE = "due_on"
# The log line of each kind of change (the event type, as operators know it).
_LOGGED_AS = {"message_received": "message_delivered"}

Prepare = Callable[[CaseRecord, LiveCase], dict[str, Any]]
# Decides, inside the transaction, what a note on a case records: its payload, or None to
# record nothing (the reason for refusing is raised as an ``EngineError``). It may write
# rows of its own through the unit of work: they commit with the event or not at all.
Decide = Callable[[UnitOfWork, CaseRecord], dict[str, Any] | None]
# Called inside the transaction of every state change after its event is appended (the
# case row before it, None for a new case; the row after; the case; the event): what must
# commit with the event (the notice outbox) is written here.
Observer = Callable[[UnitOfWork, CaseRecord | None, CaseRecord, LiveCase, EventInput], None]
# Called in the transaction of every change after the task index is brought in line (the
# row before, None for a new case; the row after; what the index changed; the events
# written, the first the one that closed the tasks closed): keeps the case's share of the
# supervision figures (``engine.stats.facts``).
FigureKeeper = Callable[
    [UnitOfWork, CaseRecord | None, CaseRecord, IndexChange, Sequence[EventRecord]], None
]


class _Unconfirmed(Exception):
    """An attempt from a kept case ended other than in a change its version guard let
    through: the command is made again from a fresh read."""


class _Command(NamedTuple):
    """A command to apply to a case (``CaseChanges.apply``)."""

    case_id: int
    event_type: str
    payload: dict[str, Any]
    actor: Actor
    expected_version: int | None
    prepare: Prepare | None
    claim: bool


class _Change(NamedTuple):
    """A change written, not yet committed: the case row before and after, the workflow,
    the event, the open task rows and the open tasks as the index now holds them."""

    record: CaseRecord
    new: CaseRecord
    live: LiveCase
    event: EventInput
    rows: list[TaskRecord]
    tasks: OpenTasks


class CaseChanges:
    def __init__(self, store: Store, clock: Clock, cache: LiveCache) -> None:
        self.store = store
        self.clock = clock
        self.cache = cache
        # Called inside the transaction just before commit; tests use it to race two writers.
        self.before_commit: Callable[[], None] | None = None
        self.after_load: Callable[[], None] | None = None
        self.observers: list[Observer] = []
        self.keep_figures: FigureKeeper | None = None
        self.meter: Meter = SILENT  # counts what was committed (``engine.metrics``)

    def apply(
        self,
        case_id: int,
        event_type: str,
        payload: dict[str, Any],
        actor: Actor,
        expected_version: int | None,
        prepare: Prepare | None = None,
        seen: CaseRecord | None = None,
    ) -> tuple[CaseView, bool]:
        """Apply one command; the case as it is now, and whether an event was written
        (False: the command was a no-op). ``seen``: the case row as the caller has just
        read it (checked by the version guard, not trusted: read again if it moved).

        A claim, release or assignment that lost a race is decided once more on the state
        the winner left: the holder's duplicate claim is then a no-op (200), a claim of a
        task someone else took a real conflict (409). Not with ``expected_version``: the
        caller asked for a conflict if the case moved."""
        with self._reported(case_id, event_type, actor):
            try:
                view, written = self._apply_once(
                    case_id, event_type, payload, actor, expected_version, prepare, seen=seen
                )
            except ConflictError:
                if event_type not in CLAIM_EVENTS or expected_version is not None:
                    raise
                view, written = self._apply_once(case_id, event_type, payload, actor, None, prepare)
        assert view is not None  # only a claim leaves the case to another
        return view, written

    @contextmanager
    def _reported(self, case_id: int, event_type: str, actor: Actor) -> Iterator[None]:
        """Log a command refused or lost to a concurrent change (and count the conflict),
        the same for every way a change is applied."""
        try:
            yield
        except (ScriptError, Unavailable, OutcomeUnknown):
            raise  # logged as the incident it left, or by the store
        except ConflictError:
            self.meter.count(CONFLICTS)
            log.info("case_conflict", case=case_id, operation=event_type, user=actor.user)
            raise
        except EngineError as error:
            log.info(
                "command_refused",
                case=case_id,
                operation=event_type,
                user=actor.user,
                code=error.code,
            )
            raise

    def fire_timers(self, case_id: int, actor: Actor) -> bool | None:
        """Fire the timers of one case that are due, holding the case's row: True if an
        event was written; False if nothing was due any more (another worker fired them)
        or firing changed nothing; None if another worker holds the case right now.
        Several workers may run this on the same cases: each firing is written once."""
        with self._reported(case_id, "timers_fired", actor):
            view, fired = self._apply_once(
                case_id, "timers_fired", {}, actor, None, None, claim=True
            )
        return None if view is None else fired

    def note(
        self, case_id: int, event_type: str, actor: Actor, decide: Decide
    ) -> EventRecord | None:
        """Append one event that records a fact about the case without changing its
        workflow (a document issued, a file attached, a rating appealed): the state
        digest stays the case's, so replay and ``verify`` pass over it as over a warning.
        ``decide`` runs inside the transaction on the case row as it is now; what it
        returns is the payload (None: nothing is written). The written event, or None."""
        with self.store.unit_of_work(operation=event_type, case_id=case_id) as uow:
            record = uow.cases.get(case_id)
            payload = decide(uow, record)
            if payload is None:
                return None
            reading = read_clock(self.clock, uow.settings.training)
            sealed, payload_json = seal(
                case_uid=record.uid,
                case_id=case_id,
                seq=record.last_seq + 1,
                type=event_type,
                at=reading.at,
                payload=payload,
                actor=actor,
                prev_hash=record.last_hash,
                state_digest=state_digest(unpack(record.snapshot)),
                clock_offset=reading.offset,
            )
            new = replace(
                record,
                version=record.version + 1,
                last_seq=sealed.seq,
                last_hash=sealed.hash,
                updated_at=reading.at,
            )
            kept = self.cache.take(case_id, record.version)
            uow.cases.update(new, record)
            uow.events.append([sealed], [payload_json])
            if self.keep_figures is not None:  # an appeal of a rating changes how it counts
                self.keep_figures(uow, record, new, IndexChange(), [sealed])
            self.commit(uow)
        if kept is not None:
            self.cache.put(new, kept.live, kept.tasks)  # a note changes no task
        log.info(event_type, case=case_id, seq=sealed.seq, user=actor.user)
        return sealed

    def observe(
        self,
        uow: UnitOfWork,
        before: CaseRecord | None,
        after: CaseRecord,
        live: LiveCase,
        event: EventInput,
    ) -> None:
        for observer in self.observers:
            observer(uow, before, after, live, event)

    def counted(self, before: CaseRecord | None, after: CaseRecord, event_type: str) -> None:
        """Count a committed change (``before``: None for a new case)."""
        if event_type == "task_completed":
            self.meter.count(TASKS_COMPLETED)
        elif event_type == "timers_fired":
            self.meter.count(TIMERS_FIRED)
        if after.status != OPEN and (before is None or before.status == OPEN):
            self.meter.count(CASES_CANCELLED if after.status == CANCELLED else CASES_COMPLETED)

    def commit(self, uow: UnitOfWork) -> None:
        if self.before_commit is not None:
            self.before_commit()
        uow.commit()

    def _apply_once(
        self,
        case_id: int,
        event_type: str,
        payload: dict[str, Any],
        actor: Actor,
        expected_version: int | None,
        prepare: Prepare | None,
        claim: bool = False,
        seen: CaseRecord | None = None,
    ) -> tuple[CaseView | None, bool]:
        """``claim``: lock the case row, skipping a case another worker holds (None).

        A case known here — its row as the caller just read it (``seen``), else as this
        process kept it (``Cached``) — is changed without reading its row (nor, when kept
        with them, its open tasks) again: the row's update, guarded by the known version,
        proves them current. Anything else the attempt ends in (a conflict, a refusal, a
        no-op, a script error) may come of another change since: it is undone and the
        command made again from a fresh read, which decides it."""
        command = _Command(case_id, event_type, payload, actor, expected_version, prepare, claim)
        known = None if claim else self._known(case_id, seen)
        if known is not None and expected_version in (None, known.record.version):
            try:
                return self._attempt(command, known)
            except _Unconfirmed:
                pass  # its workflow took the step: not kept
        elif known is not None:  # untouched: the fresh read below may find it current
            self.cache.put(known.record, known.live, known.tasks)
        return self._attempt(command)

    def _known(self, case_id: int, seen: CaseRecord | None) -> Cached | None:
        """The case as the caller read it or, without that, as this process kept it."""
        kept = self.cache.take_any(case_id)
        if seen is None or seen.id != case_id:
            return kept
        if kept is not None and kept.record.version == seen.version:
            return kept
        return Cached(seen, self.cache.restore(seen))

    def _attempt(
        self, command: _Command, known: Cached | None = None
    ) -> tuple[CaseView | None, bool]:
        """One attempt at a command: from the case as known (``known``), which raises
        ``_Unconfirmed`` unless it ends in a write the version guard lets through, or
        from the case row as read now."""
        with self.store.unit_of_work(operation=command.event_type, case_id=command.case_id) as uow:
            try:
                found = self._decide(uow, command, known)
            except (Unavailable, OutcomeUnknown):
                raise  # the database, not the case: made again, it would fail the same way
            except EngineError as error:
                if known is not None:
                    raise _Unconfirmed from error
                raise
            if not isinstance(found, _Change):
                if known is not None:
                    raise _Unconfirmed
                return found
            self.commit(uow)
        record, new, live, event, rows, tasks = found
        self.cache.put(new, live, tasks)
        self.counted(record, new, event.type)
        _log_change(new, event, command.actor)
        return replace(case_view(new, live), task_rows=rows), True

    def _decide(
        self, uow: UnitOfWork, command: _Command, known: Cached | None
    ) -> _Change | tuple[CaseView | None, bool]:
        """Apply the command in ``uow`` up to its commit: the change written, or what to
        answer without one (the case as it is, False; None if another worker holds it)."""
        case_id, event_type, payload, actor, expected_version, prepare, claim = command
        if known is not None:
            record = known.record
        elif claim:
            claimed = uow.cases.claim(case_id)
            if claimed is None:  # another worker holds the case: it is theirs
                return None, False
            record = claimed
        else:
            record = uow.cases.get(case_id)
        if self.after_load is not None:
            self.after_load()
        if expected_version is not None and record.version != expected_version:
            raise StaleVersion(
                f"办件已变化（当前版本 {record.version}，请求基于版本 {expected_version}），"
                "本次操作未执行；请刷新后重试",
                case_id=case_id,
                version=record.version,
            )
        live = known.live if known is not None else self.cache.load(record)
        reading = read_clock(self.clock, uow.settings.training)
        if _no_op(record, live, event_type, payload, actor, reading.at):
            # the workflow took no step: kept (a known case's is found again by the read)
            self.cache.put(record, live, known.tasks if known is not None else None)
            return case_view(record, live), False
        if prepare is not None:
            payload = prepare(record, live)
        duties.check(uow, record.id, live, event_type, payload, actor)
        event = EventInput(record.last_seq + 1, event_type, reading.at, payload, actor.user)
        before = _frontier(live)
        digest = state_digest(live.state()) if event_type == "timers_fired" else None
        try:
            apply_event(live, record.uid, event)
        except ScriptError as error:
            uow.rollback()
            if known is not None:
                raise _Unconfirmed from error  # the incident is left by the fresh attempt
            self._incident(case_id, event, error, actor)
            raise
        if digest is not None and _unchanged(record, live, digest):
            # Due by the case row, yet the workflow fired nothing: the history is
            # permanent, so no event that changes nothing is written.
            uow.rollback()
            log.warning("timers_not_fired", case=case_id, due=record.next_timer_at)
            return case_view(record, live), False
        existing = known.tasks if known is not None else None
        new, rows, tasks = self._persist(
            uow, record, live, event, actor, reading.offset, before, existing
        )
        return _Change(record, new, live, event, rows, tasks)

    def _persist(
        self,
        uow: UnitOfWork,
        record: CaseRecord,
        live: LiveCase,
        event: EventInput,
        actor: Actor,
        clock_offset: int | None,
        before: list[dict[str, Any]] | None = None,
        existing: OpenTasks | None = None,
    ) -> tuple[CaseRecord, list[TaskRecord], OpenTasks]:
        """Write the event and the case row; when the event ended an excluded period
        (``engine.periods``; ``before``: the case data where the process stood before
        it) the steps open during it move and a ``due_date_extended`` event follows it
        in the same transaction; when it met the case's limit (``periods.met``), a
        ``limit_met`` event follows and the row keeps the moment (``limit_met_at``)."""
        state = live.state()
        frontier = _frontier(live)
        ended = periods.ended(before or [], frontier)
        sealed, payload_json = seal(
            case_uid=record.uid,
            case_id=record.id,
            seq=event.seq,
            type=event.type,
            at=event.at,
            payload=event.payload,
            actor=actor,
            prev_hash=record.last_hash,
            # Recorded digests come from the full serialisation (built here for the
            # snapshot anyway); the cached one (``LiveCase.digest``) only speeds up checks.
            state_digest=state_digest(state),
            clock_offset=clock_offset,
        )
        new = replace(
            record,
            status=live.status,
            due_date=_due_date(frontier) or record.due_date,
            county_since=county_since(record, live, event.at),
            assessment_since=assessment_since(record, live, event.at),
            version=record.version + 1,
            last_seq=event.seq,
            last_hash=sealed.hash,
            snapshot=pack(state),
            updated_at=event.at,
            next_timer_at=live.next_timer_at(),
            closed_at=record.closed_at or (None if live.status == OPEN else event.at),
        )
        if existing is None:  # read once: for due times and replace
            existing = uow.tasks.open_states(record.id)
        known = {task_id: due_at for task_id, (_, due_at) in existing.items()}
        events, payloads = [sealed], [payload_json]
        if ended is not None:
            moved = _moved_steps(uow, record.id, live, ended, known)
            note = _extension(record, new, ended, moved)
            if note is not None:
                follow(record, events, payloads, "due_date_extended", note, clock_offset)
        mark = periods.met(frontier) if record.limit_met_at is None else None
        if mark is not None:
            note = periods.met_payload(mark, new.due_date)
            follow(record, events, payloads, "limit_met", note, clock_offset)
            new = replace(new, limit_met_at=event.at)
        new = replace(new, last_seq=events[-1].seq, last_hash=events[-1].hash)
        uow.cases.update(new, record)
        uow.events.append(events, payloads)
        rows = task_records(new, live, event.seq, event.at, known)
        change = uow.tasks.replace(record.id, rows, event.seq, existing)
        if self.keep_figures is not None:
            self.keep_figures(uow, record, new, change, events)
        self.observe(uow, record, new, live, event)
        return new, rows, existing.after(rows)

    def _incident(self, case_id: int, failed: EventInput, error: EngineError, actor: Actor) -> None:
        """Record a failed step in the history; the case state stays as it was."""
        with self.store.unit_of_work(operation="incident", case_id=case_id) as uow:
            record = uow.cases.get(case_id)
            payload = {
                "action": failed.type,
                "action_payload": failed.payload,
                "error": error.message,
                "code": error.code,  # e.g. script_error, script_limit_exceeded, engine_step_limit
                "element_id": error.context.get("element_id"),
            }
            reading = read_clock(self.clock, uow.settings.training)
            at = reading.at
            sealed, payload_json = seal(
                case_uid=record.uid,
                case_id=case_id,
                seq=record.last_seq + 1,
                type="incident",
                at=at,
                payload=payload,
                actor=actor,
                prev_hash=record.last_hash,
                state_digest=state_digest(unpack(record.snapshot)),
                clock_offset=reading.offset,
            )
            new = replace(
                record,
                version=record.version + 1,
                last_seq=sealed.seq,
                last_hash=sealed.hash,
                updated_at=at,
                has_incident=True,
            )
            uow.cases.update(new, record)
            uow.events.append([sealed], [payload_json])
            uow.commit()
        self.meter.count(INCIDENTS)
        log.warning(
            "incident_raised",
            case=case_id,
            seq=sealed.seq,
            operation=failed.type,
            code=error.code,
            element=payload["element_id"],
        )


def _unchanged(record: CaseRecord, live: LiveCase, digest: str) -> bool:
    """Whether firing the timers left the case as it was: same state, same next timer."""
    return live.next_timer_at() == record.next_timer_at and state_digest(live.state()) == digest


def _log_change(record: CaseRecord, event: EventInput, actor: Actor) -> None:
    """One line per change, with identifiers only (never form data or message bodies)."""
    payload = event.payload
    log.info(
        _LOGGED_AS.get(event.type, event.type),
        case=record.id,
        seq=event.seq,
        user=actor.user,
        task=payload.get("task_id"),
        message=payload.get("name") if event.type == "message_received" else None,
        assignee=payload.get("user") if event.type == "task_assigned" else None,
        status=record.status,
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


# Records the moves of due dates by excluded periods and the limit met.
_SYSTEM = Actor("system:limits")


def follow(
    record: CaseRecord,
    events: list[EventRecord],
    payloads: list[str],
    event_type: str,
    payload: dict[str, Any],
    clock_offset: int | None,
) -> None:
    """Seal an event of the engine's limits (``_SYSTEM``) after the last of ``events``, at
    its time: not state-changing, its digest is its predecessor's, so replay and verify
    pass over it."""
    last = events[-1]
    sealed, payload_json = seal(
        case_uid=record.uid,
        case_id=record.id,
        seq=last.seq + 1,
        type=event_type,
        at=last.at,
        payload=payload,
        actor=_SYSTEM,
        prev_hash=last.hash,
        state_digest=last.state_digest,
        clock_offset=clock_offset,
    )
    events.append(sealed)
    payloads.append(payload_json)


def _moved_steps(
    uow: UnitOfWork,
    case_id: int,
    live: LiveCase,
    period: Mapping[str, Any],
    known: dict[str, datetime | None],
) -> list[dict[str, Any]]:
    """Move the step limits of the tasks open during ``period`` and still open (in
    ``known``, the due times the index keeps); what moved, for the history."""
    item = live.data().get("item")
    still_open = {task.id for task in live.ready_tasks()}
    moved = []
    for task in uow.figures.tasks_of([case_id], open_only=True):
        if task.id not in still_open or task.due_at is None or known.get(task.id) != task.due_at:
            continue
        if not steps.task_due(task.process_id, task.spec_id, item, task.ready_at, None)[1]:
            continue  # due when its case is: it moves with the case
        due_at = periods.step_extension(period, task.ready_at, task.due_at)
        if due_at != task.due_at:
            known[task.id] = due_at
            moved.append(
                {
                    "task_id": task.id,
                    "spec_id": task.spec_id,
                    "old_due_at": task.due_at.astimezone(SHANGHAI).isoformat(),
                    "new_due_at": due_at.astimezone(SHANGHAI).isoformat(),
                }
            )
    return moved


def _extension(
    before: CaseRecord,
    after: CaseRecord,
    period: Mapping[str, Any],
    moved: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """The payload of the ``due_date_extended`` event, or None if nothing moved."""
    old, new = before.due_date, after.due_date
    if (old is None or old == new) and not moved:
        return None
    payload = periods.extension_payload(period, old, new)
    if moved:
        payload["tasks"] = moved
    return payload


def _frontier(live: LiveCase) -> list[dict[str, Any]]:
    """The case data where the process stands: the case's own and each ready task's. A
    variable a call activity sets shows in the data of its tasks before the activity
    returns it to the case (a notice withdrawn, back to the review that published it)."""
    return [live.data(), *(task.data for task in live.ready_tasks())]


def _due_date(frontier: list[dict[str, Any]]) -> date | None:
    """The case's due date, from the ``due_on`` variable a process sets (at acceptance)
    and excluded periods move (``engine.periods``): the latest the process stands at, as
    a due date only ever moves later and a parallel branch may hold an older copy."""
    dates = []
    for data in frontier:
        value = data.get(DUE_DATE_VARIABLE)
        if isinstance(value, str):
            try:
                dates.append(date.fromisoformat(value))
            except ValueError:
                continue
    return max(dates, default=None)


def due_date_of(live: LiveCase) -> date | None:
    """The due date of a case just started: a process may set it at once (an inspection
    counts its limit from the start), inside the activity it calls first."""
    return _due_date(_frontier(live))
