"""Scheduled pickup and delivery runs (定期取件/定期送件).

A mobile post goes round some villages of its township on fixed weekdays (the org file's
``schedules``). On such a day the worker (``daiban worker``, ``daiban tick``) makes the
agent's run: the cases waiting in those villages for the round —

* scheduled pickup: the handover of materials left for pickup (``pickup_mode``
  ``scheduled``; the handover is the mobile post's task, ``engine.routing.task_lane``);
* scheduled delivery: the delivery of a result (``delivery_mode`` ``scheduled``, the
  mobile post's task ``Task_scheduled_delivery``).

A run lists each case with the task the agent works for it; the agent completes those
tasks as any other (the history records them) and then the run. One run per agent and
day (a unique key), so running the worker twice, or two workers, makes no second run; a
day with nothing waiting makes none. Days are Beijing days of the engine's clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from engine import elements
from engine.clock import SHANGHAI
from engine.errors import Forbidden, InvalidState
from engine.identity import Principal
from engine.logs import get_logger
from engine.policy import Action, Reason, run_refusal, run_scope
from engine.records import RunCase, RunRecord
from engine.routing import SCHEDULED
from engine.store.runs import run_not_found

if TYPE_CHECKING:
    from engine import Engine
    from engine.store import UnitOfWork

log = get_logger(__name__)

MOBILE_LANE = "mobile_agent"
RUN_TASKS: dict[tuple[str, str], str] = {
    elements.HANDOVER: "pickup",
    elements.SCHEDULED_DELIVERY: "delivery",
}


@dataclass(frozen=True)
class RunView:
    """A run with, for each case, whether its task is still open."""

    run: RunRecord
    open_tasks: frozenset[str]

    @property
    def left(self) -> int:
        """Cases whose task is still open."""
        return sum(c.task_id in self.open_tasks for c in self.run.cases)


class RunService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store, self.clock = engine.store, engine.clock

    def today(self) -> date:
        return self.clock.now().astimezone(SHANGHAI).date()

    # -- the worker ------------------------------------------------------------------------
    def make_due(self) -> list[RunRecord]:
        """Make today's runs not made yet: one per schedule running today with cases
        waiting in its villages."""
        day, org = self.today(), self.engine.org
        made: list[RunRecord] = []
        for schedule in org.schedules:
            agent = org.users.get(schedule.agent)
            if agent is None or not schedule.runs_on(day):
                continue
            with self.store.unit_of_work(write=False) as uow:
                waiting = uow.runs.waiting(MOBILE_LANE, agent.unit, list(RUN_TASKS))
            cases = tuple(
                RunCase(
                    row["case_id"],
                    row["task_id"],
                    RUN_TASKS[(row["process_id"], row["spec_id"])],
                    row["village"],
                    row["case_number"],
                )
                for row in waiting
                if row["village"] in schedule.villages and self._due_for_round(row)
            )
            if not cases:
                continue
            run = RunRecord(0, agent.id, agent.unit, day, "open", cases, self.clock.now())
            with self.store.unit_of_work(operation="run_created") as uow:
                run_id = uow.runs.add(run)
                if run_id is None:  # made already (another round, another worker)
                    continue
                uow.commit()
            made.append(replace(run, id=run_id))
            log.info("run_created", run=run_id, agent=agent.id, day=str(day), cases=len(cases))
        return made

    def _due_for_round(self, row: dict[str, object]) -> bool:
        """A delivery always; a handover only of materials left for scheduled pickup (a
        mobile post's own case hands over whatever the pickup mode)."""
        if (row["process_id"], row["spec_id"]) != elements.HANDOVER:
            return True
        case_id, task_id = row["case_id"], row["task_id"]
        assert isinstance(case_id, int)
        data = self.engine.cases.ready_data(case_id).get(str(task_id), {})
        return data.get("pickup_mode") == SCHEDULED

    # -- the API -------------------------------------------------------------------------
    def find(self, principal: Principal, offset: int, limit: int) -> tuple[list[RunView], int]:
        """The runs the caller sees (``run_scope``), newest day first."""
        scope = run_scope(principal)
        townships = None if scope.everything else scope.townships
        with self.store.unit_of_work(write=False) as uow:
            runs, total = uow.runs.find(townships, offset, limit)
            return [self._view(uow, run) for run in runs], total

    def get(self, principal: Principal, run_id: int) -> RunView:
        with self.store.unit_of_work(write=False) as uow:
            run = uow.runs.get(run_id)
            if run_refusal(principal, run, Action.SEE_RUNS) is not None:
                raise run_not_found(run_id)
            return self._view(uow, run)

    def complete(self, principal: Principal, run_id: int) -> RunView:
        """The agent is back from the round: the run is completed (its cases' tasks are
        completed one by one, each in its case's history; any still open stays in the
        queue). Out of scope: ``NotFound``; completed already: ``InvalidState``."""
        now = self.clock.now()
        with self.store.unit_of_work(operation="run_completed") as uow:
            run = uow.runs.get(run_id)
            refusal = run_refusal(principal, run, Action.COMPLETE_RUN)
            if refusal is not None and refusal.reason is Reason.OUT_OF_SCOPE:
                raise run_not_found(run_id)
            if refusal is not None:
                raise Forbidden(refusal.message)
            if not uow.runs.complete(run_id, now, principal.user_id):
                raise InvalidState(f"该批次已由 {run.completed_by} 完成，不能再次完成")
            uow.commit()
            run = replace(run, status="completed", completed_at=now, completed_by=principal.user_id)
        with self.store.unit_of_work(write=False) as uow:
            view = self._view(uow, run)
        log.info("run_completed", run=run_id, user=principal.user_id, left=view.left)
        return view

    @staticmethod
    def _view(uow: UnitOfWork, run: RunRecord) -> RunView:
        found = {c.task_id: uow.tasks.get(c.task_id) for c in run.cases}
        open_tasks = frozenset(
            task_id for task_id, t in found.items() if t is not None and t.closed_seq is None
        )
        return RunView(run, open_tasks)
