"""What operators watch, from the engine: its counts (``engine.metrics``: made once a change
is committed), the work due (timers, notices), the pool, the schema's migration, and the
request id each event is written with (never hashed)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from engine import ConflictError, Engine, ManualClock, ScriptError, logs
from engine.history import event_hash
from engine.metrics import COUNTS
from engine.store.testing import downgrade, run_sql
from tests.support.databases import Deployed
from tests.support.driving import task_of
from tests.support.paths import DATA


class Tally:
    """A meter that keeps the counts (a fake of the Prometheus one)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def count(self, name: str, amount: int = 1) -> None:
        assert name in COUNTS, name
        self.counts[name] += amount


@pytest.fixture
def deployed() -> Deployed:
    return (DATA / "incident.bpmn", DATA / "timers.bpmn")


@pytest.fixture
def tally(engine: Engine) -> Tally:
    engine.meter = found = Tally()
    return found


def test_the_engine_counts_what_it_committed(engine: Engine, tally: Tally) -> None:
    view = engine.cases.start("incident", {})
    assert tally.counts == {"cases_started": 1}
    with pytest.raises(ScriptError):
        engine.cases.complete_task(view.id, task_of(view, "Task_amount"), {"households": 0})
    assert tally.counts == {"cases_started": 1, "incidents": 1}  # no task completed
    view = engine.cases.get(view.id)
    view = engine.cases.complete_task(view.id, task_of(view, "Task_amount"), {"households": 4})
    stale = view.version - 1
    with pytest.raises(ConflictError):  # a stale version: nothing changed, one conflict
        engine.cases.complete_task(view.id, task_of(view, "Task_check"), {}, expected_version=stale)
    engine.cases.complete_task(view.id, task_of(view, "Task_check"), {})
    assert engine.cases.get(view.id).status == "completed"
    other = engine.cases.start("incident", {})
    engine.cases.cancel(other.id, "申请人撤回")
    assert tally.counts == {
        "cases_started": 2,
        "incidents": 1,
        "tasks_completed": 2,
        "conflicts": 1,
        "cases_completed": 1,
        "cases_cancelled": 1,
    }


def test_due_timers_are_counted_waiting_and_fired(
    engine: Engine, clock: ManualClock, tally: Tally
) -> None:
    view = engine.cases.start("timers", {})
    backlog = engine.operations.backlog()
    assert (backlog.timers_due, backlog.timer_lag_seconds, backlog.notices_due) == (0, 0.0, 0)
    due_at = engine.cases.get(view.id).next_timer_at
    assert due_at is not None
    clock.set(due_at + timedelta(minutes=90))
    backlog = engine.operations.backlog()
    assert (backlog.timers_due, backlog.oldest_timer_at) == (1, due_at)
    assert backlog.timer_lag_seconds == 90 * 60
    assert engine.cases.tick().fired == [view.id]
    assert tally.counts["timers_fired"] == 1
    assert engine.operations.backlog().timers_due == 0
    assert engine.cases.tick().fired == []  # nothing more due: nothing more counted
    assert tally.counts["timers_fired"] == 1


def test_the_schema_status_names_the_migration(engine: Engine) -> None:
    status = engine.operations.schema(2.0)
    assert status.at_head and status.known and status.current == status.head
    downgrade(engine.store, "0019")
    behind = engine.operations.schema(2.0)
    assert (behind.current, behind.at_head, behind.known) == ("0019", False, True)
    engine.store.migrate()
    assert engine.operations.schema(2.0).at_head
    pool = engine.operations.pool()
    assert pool.size >= 1 and pool.checked_out == 0


def test_events_carry_the_request_id_outside_the_hash(engine: Engine) -> None:
    """The id bound by the entry point is stored with every event of the change; it is not
    hashed (the chain verifies, and hashing the event with another id gives the same
    hash), so history written with or without ids verifies alike."""
    with logs.bind_request_id("req-1.a_b"):
        view = engine.cases.start("incident", {})
    with logs.bind_request_id("cli-0123"):
        engine.cases.complete_task(view.id, task_of(view, "Task_amount"), {"households": 2})
    engine.cases.complete_task(view.id, task_of(engine.cases.get(view.id), "Task_check"), {})
    rows = run_sql(engine.store, "SELECT seq, request_id FROM events ORDER BY seq")
    assert rows == [(1, "req-1.a_b"), (2, "cli-0123"), (3, None)]
    _, entries = engine.audit.history(view.id)
    assert [e.event.request_id for e in entries] == ["req-1.a_b", "cli-0123", None]
    uid = engine.cases.record(view.id).uid
    for entry, (payload,) in zip(
        entries, run_sql(engine.store, "SELECT payload FROM events ORDER BY seq"), strict=True
    ):
        event = entry.event
        assert event_hash(replace(event, request_id="other"), uid, payload) == event.hash
    assert engine.audit.verify(view.id).ok
    assert engine.audit.replay(view.id).status == "completed"
    with pytest.raises(Exception, match="append-only"):
        run_sql(engine.store, "UPDATE events SET request_id = 'forged'")
