"""The case service: the one entry to the case lifecycle (``engine.cases``), made of its
queries, commands and timer job, which share the live-workflow cache and one way of
applying a change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from engine import steps
from engine.cases.cache import LiveCache
from engine.cases.changes import CaseChanges
from engine.cases.commands import SYSTEM, CaseCommands
from engine.cases.queries import CaseQueries
from engine.cases.timers import TickReport, Timers
from engine.cases.views import CaseView, OpenTaskView, open_tasks
from engine.clock import Clock
from engine.definitions.registry import DefinitionRegistry
from engine.identity import Principal
from engine.records import Actor, CaseFilter, CaseRecord, CaseScope, TaskRecord
from engine.records.queue import QueuePage, QueueQuery
from engine.routing import Routing
from engine.store import Store
from processes.org import Organization


class CaseService:
    """Cases for everyone else (the API, the command line, registration, the worker):
    each method is done by the part named in its section."""

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
        self.cache = LiveCache(registry, cache_size)
        self.changes = CaseChanges(store, clock, self.cache)
        self.queries = CaseQueries(store, self.cache)
        self.commands = CaseCommands(self.changes, registry)
        self.timers = Timers(self.changes, warning_share)

    # -- settings and test hooks ---------------------------------------------------------
    @property
    def warning_share(self) -> float:
        """The share of a limit used that raises a yellow warning (DAIBAN_WARNING_SHARE)."""
        return self.timers.warning_share

    @warning_share.setter
    def warning_share(self, share: float) -> None:
        self.timers.warning_share = share

    @property
    def before_commit(self) -> Callable[[], None] | None:
        """Called inside a change's transaction just before commit (tests race writers)."""
        return self.changes.before_commit

    @before_commit.setter
    def before_commit(self, hook: Callable[[], None] | None) -> None:
        self.changes.before_commit = hook

    @property
    def after_load(self) -> Callable[[], None] | None:
        """Called inside a change's transaction once the case row is read."""
        return self.changes.after_load

    @after_load.setter
    def after_load(self, hook: Callable[[], None] | None) -> None:
        self.changes.after_load = hook

    # -- queries (``engine.cases.queries``) ----------------------------------------------
    def get(self, case_id: int) -> CaseView:
        return self.queries.get(case_id)

    def get_with_record(
        self, case_id: int, with_tasks: bool = False
    ) -> tuple[CaseRecord, CaseView]:
        return self.queries.get_with_record(case_id, with_tasks)

    def queue(self, org: Organization, principal: Principal, day: date) -> list[TaskRecord]:
        return self.queries.queue(org, principal, day)

    def queue_view(
        self,
        org: Organization,
        principal: Principal,
        now: datetime,
        day: date,
        query: QueueQuery,
        offset: int,
        limit: int,
    ) -> QueuePage:
        return self.queries.queue_view(org, principal, now, day, query, offset, limit)

    def record(self, case_id: int) -> CaseRecord:
        return self.queries.record(case_id)

    def records(self, case_ids: list[int]) -> dict[int, CaseRecord]:
        return self.queries.records(case_ids)

    def find(
        self,
        scope: CaseScope,
        where: CaseFilter | None = None,
        offset: int = 0,
        limit: int = 50,
        count_up_to: int | None = None,
    ) -> tuple[list[CaseRecord], int]:
        return self.queries.find(scope, where, offset, limit, count_up_to)

    def task_index(
        self, case_id: int | None = None, lane: str | None = None, org_unit: str | None = None
    ) -> list[TaskRecord]:
        return self.queries.task_index(case_id, lane, org_unit)

    def task(self, task_id: str) -> TaskRecord:
        return self.queries.task(task_id)

    def open_tasks(self, org: Organization, case: int | CaseView) -> list[OpenTaskView]:
        """A case's open tasks as people read them, with who may take each now (on the
        engine's clock). Given the view a change answered, the rows it wrote (no read)."""
        if isinstance(case, CaseView) and case.task_rows is not None:
            rows = case.task_rows
        else:
            rows = self.queries.task_index(case if isinstance(case, int) else case.id)
        return open_tasks(org, rows, self.clock.now(), self.queries.done_by(rows))

    def barred(self, task: TaskRecord) -> dict[str, str]:
        """Who may not take the open ``task`` (separation of duties), with the reason."""
        return self.queries.barred(task)

    def task_with_case(self, task_id: str) -> tuple[TaskRecord, CaseRecord]:
        return self.queries.task_with_case(task_id)

    def ready_data(self, case_id: int) -> dict[str, dict[str, Any]]:
        return self.queries.ready_data(case_id)

    # -- commands (``engine.cases.commands``) --------------------------------------------
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
        return self.commands.start(
            process_id,
            data,
            actor,
            item_code=item_code,
            org_unit=org_unit,
            due_date=due_date,
            idempotency_key=idempotency_key,
            routing=routing,
        )

    def complete_task(
        self,
        case_id: int,
        task_id: str,
        data: dict[str, Any] | None = None,
        actor: Actor = SYSTEM,
        expected_version: int | None = None,
        acting_for: str | None = None,
        seen: CaseRecord | None = None,
    ) -> CaseView:
        return self.commands.complete_task(
            case_id, task_id, data, actor, expected_version, acting_for, seen
        )

    def deliver_message(
        self,
        case_id: int,
        name: str,
        payload: dict[str, Any] | None = None,
        actor: Actor = SYSTEM,
        expected_version: int | None = None,
        seen: CaseRecord | None = None,
    ) -> CaseView:
        return self.commands.deliver_message(case_id, name, payload, actor, expected_version, seen)

    def cancel(
        self,
        case_id: int,
        reason: str,
        actor: Actor = SYSTEM,
        expected_version: int | None = None,
        seen: CaseRecord | None = None,
    ) -> CaseView:
        return self.commands.cancel(case_id, reason, actor, expected_version, seen)

    def claim(
        self,
        case_id: int,
        task_id: str,
        actor: Actor,
        expected_version: int | None = None,
        seen: CaseRecord | None = None,
    ) -> CaseView:
        return self.commands.claim(case_id, task_id, actor, expected_version, seen)

    def release(
        self,
        case_id: int,
        task_id: str,
        actor: Actor,
        expected_version: int | None = None,
        seen: CaseRecord | None = None,
    ) -> CaseView:
        return self.commands.release(case_id, task_id, actor, expected_version, seen)

    def assign(
        self,
        case_id: int,
        task_id: str,
        user: str,
        actor: Actor,
        expected_version: int | None = None,
        seen: CaseRecord | None = None,
    ) -> CaseView:
        return self.commands.assign(case_id, task_id, user, actor, expected_version, seen)

    # -- the timer job (``engine.cases.timers``) -----------------------------------------
    def tick(
        self, limit: int = 500, max_rounds: int = 20, stop: Callable[[], bool] | None = None
    ) -> TickReport:
        return self.timers.tick(limit, max_rounds, stop)
