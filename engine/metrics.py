"""What the engine tells a metrics collector: how many times it did something.

The engine counts; it does not know who listens. ``webapi.metrics`` hands the engine a
``Meter`` that feeds Prometheus counters (``Engine.meter``); without one, the counts go
nowhere (``SILENT``). A count is made once the change it counts is committed: a change
rolled back, a conflict lost or a no-op counts nothing (a conflict counts as a conflict).

Not the logs: a log line is written only at its level (``DAIBAN_LOG_LEVEL=WARNING`` drops
``task_completed``), and a counter must not depend on how talkative the logs are.
"""

from __future__ import annotations

from typing import Protocol

# Every count the engine makes, and what it counts.
CASES_STARTED = "cases_started"  # a case registered (its first event)
CASES_COMPLETED = "cases_completed"  # a case reached an end event
CASES_CANCELLED = "cases_cancelled"  # a case withdrawn (撤件)
TASKS_COMPLETED = "tasks_completed"  # a task completed
TIMERS_FIRED = "timers_fired"  # a ``timers_fired`` event: a case's due timers fired
INCIDENTS = "incidents"  # a step failed and left an incident in the history
CONFLICTS = "conflicts"  # a change lost a race or named a stale version: nothing changed

COUNTS = {
    CASES_STARTED: "Cases registered (办件登记)",
    CASES_COMPLETED: "Cases that reached an end event (办结)",
    CASES_CANCELLED: "Cases cancelled (撤件)",
    TASKS_COMPLETED: "Tasks completed (办理任务)",
    TIMERS_FIRED: "timers_fired events: one per case and firing (时限到期)",
    INCIDENTS: "Steps that failed and left an incident (流程异常)",
    CONFLICTS: "Changes refused for a concurrent change or a stale version (并发冲突)",
}


class Meter(Protocol):
    """Receives the engine's counts (``name``: one of ``COUNTS``)."""

    def count(self, name: str, amount: int = 1) -> None: ...


class _Silent:
    def count(self, name: str, amount: int = 1) -> None:
        pass


SILENT: Meter = _Silent()
