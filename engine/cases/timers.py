"""The timer job (``daiban tick``): fire the timers that are due, then record the yellow
and red warnings that are due (``engine.steps``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from engine import steps
from engine.cases.changes import CaseChanges
from engine.cases.task_index import is_open
from engine.clock import read_clock
from engine.errors import ConflictError, ScriptError
from engine.history import seal
from engine.logs import get_logger
from engine.records import Actor, EventRecord, IndexChange
from engine.runtime.case import OPEN
from engine.runtime.snapshot import state_digest, unpack

log = get_logger(__name__)

SYSTEM_TIMER = Actor(steps.WARNING_ACTOR)  # the timer job: it fires timers, raises warnings


@dataclass
class TickReport:
    fired: list[int] = field(default_factory=list)
    incidents: list[int] = field(default_factory=list)
    conflicts: list[int] = field(default_factory=list)
    # (case id, event type, task id or None for the case's promised limit)
    warnings: list[tuple[int, str, str | None]] = field(default_factory=list)


class Timers:
    def __init__(self, changes: CaseChanges, warning_share: float) -> None:
        self.changes = changes
        self.store, self.clock, self.cache = changes.store, changes.clock, changes.cache
        # The share of a limit used that raises a yellow warning (DAIBAN_WARNING_SHARE).
        self.warning_share = warning_share

    def tick(
        self, limit: int = 500, max_rounds: int = 20, stop: Callable[[], bool] | None = None
    ) -> TickReport:
        """Fire every timer that is due by the clock; one transaction per case and firing.

        A case whose next timer is still due after firing (a cycle that fell behind, a
        timer started by the firing) is picked up again in the next round. ``stop``, if
        given, is asked before each case: a worker told to stop ends after the case in hand."""
        report = TickReport()
        skip: set[int] = set()
        for _ in range(max_rounds):
            now = self.clock.now()  # read before the transaction: it may read the database
            with self.store.unit_of_work(write=False) as uow:
                due = [c for c in uow.cases.due_timers(now, limit) if c not in skip]
            if not due:
                break
            for case_id in due:
                if stop is not None and stop():
                    return report
                try:
                    fired = self.changes.fire_timers(case_id, SYSTEM_TIMER)
                    if fired:
                        report.fired.append(case_id)
                    else:  # another worker holds it, or fired its timers since ``due``
                        skip.add(case_id)
                except ScriptError:
                    report.incidents.append(case_id)
                    skip.add(case_id)
                except ConflictError:
                    report.conflicts.append(case_id)
                    skip.add(case_id)
        self._raise_warnings(report)
        busy = report.fired or report.warnings or report.incidents or report.conflicts
        (log.info if busy else log.debug)(
            "timers_ticked",
            fired=len(report.fired),
            warnings=len(report.warnings),
            incidents=len(report.incidents),
            conflicts=len(report.conflicts),
        )
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
            for warning in written:
                log.info("warning_raised", case=case_id, type=warning.type, task=warning.task_id)

    def _annotate(self, case_id: int, due: list[steps.DueWarning]) -> list[steps.DueWarning]:
        """Append warning events to an open case, checked again inside the transaction
        (still open, task still open, the case's limit not met, not recorded meanwhile);
        like an incident, they
        change neither the workflow nor its state digest. Returns those written."""
        with self.store.unit_of_work(operation="warning", case_id=case_id) as uow:
            record = uow.cases.claim(case_id)  # None: another worker holds the case
            if record is None or record.status != OPEN:
                return []
            raised = {
                (e.type, steps.warning_key(e.payload))
                for e in uow.figures.events_of([case_id], steps.WARNING_EVENTS)
            }
            written = [
                w
                for w in due
                if (w.type, w.task_id) not in raised
                and (w.task_id is None or is_open(uow.tasks.get(w.task_id)))
                and (
                    w.task_id is not None
                    or (
                        record.limit_met_at is None
                        and w.payload.get("due_date") == _iso(record.due_date)
                    )
                )
            ]
            if not written:
                return []
            digest = state_digest(unpack(record.snapshot))
            reading = read_clock(self.clock, uow.settings.training)
            at, prev, seq = reading.at, record.last_hash, record.last_seq
            events: list[EventRecord] = []
            payloads: list[str] = []
            for warning in written:
                seq += 1
                sealed, payload_json = seal(
                    case_uid=record.uid,
                    case_id=case_id,
                    seq=seq,
                    type=warning.type,
                    at=at,
                    payload=warning.payload,
                    actor=SYSTEM_TIMER,
                    prev_hash=prev,
                    state_digest=digest,
                    clock_offset=reading.offset,
                )
                events.append(sealed)
                payloads.append(payload_json)
                prev = sealed.hash
            new = replace(
                record, version=record.version + 1, last_seq=seq, last_hash=prev, updated_at=at
            )
            kept = self.cache.take(case_id, record.version)
            uow.cases.update(new, record)
            uow.events.append(events, payloads)
            if self.changes.keep_figures is not None:  # the warnings in the day counts
                self.changes.keep_figures(uow, record, new, IndexChange(), events)
            self.changes.commit(uow)
        if kept is not None:
            self.cache.put(new, kept.live, kept.tasks)  # warnings change no task
        return written


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None
