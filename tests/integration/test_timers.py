"""Timers on the injected clock: durations, calendar-day dates, cycles, catch-up."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine import Engine, ManualClock, read_sources
from engine.clock import SHANGHAI
from tests.support.driving import task_of
from tests.support.paths import DATA


@pytest.fixture
def timers(engine: Engine) -> Engine:
    engine.definitions.deploy(read_sources([DATA / "timers.bpmn"]))
    return engine


def _at(day: int, hour: int = 9, month: int = 9) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


def test_duration_timer_waits_48_hours(timers: Engine, clock: ManualClock) -> None:
    view = timers.cases.start("timers", {})
    assert view.tasks == []
    assert view.next_timer_at == _at(26)
    clock.set(_at(26) - timedelta(minutes=1))
    assert timers.cases.tick().fired == []
    clock.set(_at(26))
    assert timers.cases.tick().fired == [view.id]
    assert [t.spec_id for t in timers.cases.get(view.id).tasks] == ["Task_A"]


def test_cycle_fires_its_count_then_stops(timers: Engine, clock: ManualClock) -> None:
    view = timers.cases.start("timers", {})
    clock.set(_at(26))
    timers.cases.tick()
    # R2/P1D from Sat 26 Sep 09:00: reminders at 27 Sep 09:00 and 28 Sep 09:00, then no more.
    assert timers.cases.get(view.id).next_timer_at == _at(27)
    clock.set(_at(28, 10))
    report = timers.cases.tick()  # one firing event catches up both reminders
    assert report.fired == [view.id]
    view = timers.cases.get(view.id)
    assert sorted(t.spec_id for t in view.tasks) == ["Task_A", "Task_remind", "Task_remind"]
    clock.set(_at(30, 10))
    assert timers.cases.tick().fired == []
    assert timers.audit.verify(view.id).ok


def test_calendar_day_limit_ending_on_a_holiday_moves_past_it(
    timers: Engine, clock: ManualClock
) -> None:
    view = timers.cases.start("timers", {})
    clock.set(_at(26))
    timers.cases.tick()
    clock.set(_at(28, 10))
    timers.cases.tick()
    # 7 calendar days from Sat 26 Sep is Sat 3 Oct, inside the National Day holiday
    # (1-7 Oct): the period ends on the first working day after it, Thu 8 Oct.
    assert timers.cases.get(view.id).next_timer_at == datetime(2026, 10, 9, 0, 0, tzinfo=SHANGHAI)
    clock.set(datetime(2026, 10, 9, 0, 0, tzinfo=SHANGHAI))
    assert timers.cases.tick().fired == [view.id]
    view = timers.cases.get(view.id)
    # The interrupting overdue timer cancels Task_A. In SpiffWorkflow it also ends the
    # branches its non-interrupting reminders had started (they hang under the same
    # boundary split); a normally completed task leaves them open (see test_cases).
    assert [t.spec_id for t in view.tasks] == ["Task_overdue"]
    assert timers.audit.verify(view.id).ok


def test_runtime_script_error_becomes_an_incident(engine: Engine) -> None:
    engine.definitions.deploy(read_sources([DATA / "incident.bpmn"]))
    view = engine.cases.start("incident", {})
    with pytest.raises(Exception, match="Script_share") as caught:
        engine.cases.complete_task(view.id, task_of(view, "Task_amount"), {"households": 0})
    assert getattr(caught.value, "code", None) == "script_error"
    after = engine.cases.get(view.id)
    assert after.has_incident
    assert after.status == "open"
    assert [t.spec_id for t in after.tasks] == ["Task_amount"]
    assert after.last_seq == 2  # the incident is in the history ...
    state = engine.audit.replay(view.id)
    assert state.digest == engine.audit.replay(view.id, at=1).digest  # ... and changed nothing
    assert engine.audit.verify(view.id).ok
    # Corrected data goes through.
    done = engine.cases.complete_task(view.id, task_of(after, "Task_amount"), {"households": 4})
    assert done.data["share"] == 300
    assert [t.spec_id for t in done.tasks] == ["Task_check"]
    assert engine.audit.verify(view.id).ok
