"""Reading cases and tasks: a case with its live workflow, case lists, work queues."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from engine.cases.cache import LiveCache
from engine.cases.views import CaseView, case_view
from engine.errors import NotFound
from engine.identity import Principal
from engine.policy import queue_reach
from engine.records import CaseFilter, CaseRecord, CaseScope, TaskRecord
from engine.store import Store
from processes.org import Organization

TASK_NOT_FOUND = "没有这个待办任务（不存在或已办结）"


class CaseQueries:
    def __init__(self, store: Store, cache: LiveCache) -> None:
        self.store = store
        self.cache = cache

    def get(self, case_id: int) -> CaseView:
        return self.get_with_record(case_id)[1]

    def get_with_record(
        self, case_id: int, with_tasks: bool = False
    ) -> tuple[CaseRecord, CaseView]:
        """The case row and the view of the case built from it (one read); ``with_tasks``:
        its open task rows too, in the same read (``CaseView.task_rows``)."""
        with self.store.unit_of_work(write=False) as uow:
            record = uow.cases.get(case_id)
            rows = uow.tasks.open(case_id=case_id) if with_tasks else None
        live = self.cache.load(record)
        view = replace(case_view(record, live), task_rows=rows)
        self.cache.put(record.id, record.version, live)
        return record, view

    def queue(self, org: Organization, principal: Principal, day: date) -> list[TaskRecord]:
        """The caller's work queue, all of it: unclaimed tasks of its roles in its unit,
        tasks it holds, and on days a colleague it stands in for is absent, that
        colleague's work too; earliest due first."""
        reach = queue_reach(org, principal, day)
        with self.store.unit_of_work(write=False) as uow:
            return uow.tasks.queue(reach.posts, reach.people)

    def queue_page(
        self, org: Organization, principal: Principal, day: date, offset: int, limit: int
    ) -> tuple[list[TaskRecord], int]:
        """``limit`` tasks of the caller's work queue from ``offset`` on, and how many the
        whole queue has (one read: the page and the count agree)."""
        reach = queue_reach(org, principal, day)
        with self.store.unit_of_work(write=False) as uow:
            found = uow.tasks.queue(reach.posts, reach.people, offset, limit)
            return found, uow.tasks.queue_count(reach.posts, reach.people)

    def record(self, case_id: int) -> CaseRecord:
        """The case row alone (status, routing, version) without loading its workflow."""
        with self.store.unit_of_work(write=False) as uow:
            return uow.cases.get(case_id)

    def records(self, case_ids: list[int]) -> dict[int, CaseRecord]:
        """Several case rows at once, by id (ids of missing cases are left out)."""
        with self.store.unit_of_work(write=False) as uow:
            return uow.cases.many(case_ids)

    def find(
        self, scope: CaseScope, where: CaseFilter | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[list[CaseRecord], int]:
        """A page of the cases in ``scope`` (newest first) and the total count."""
        with self.store.unit_of_work(write=False) as uow:
            return uow.cases.find(scope, where or CaseFilter(), offset, limit)

    def task_index(
        self, case_id: int | None = None, lane: str | None = None, org_unit: str | None = None
    ) -> list[TaskRecord]:
        """Open tasks, filtered by case, role (lane) and org unit: the basis of work queues."""
        with self.store.unit_of_work(write=False) as uow:
            return uow.tasks.open(case_id=case_id, lane=lane, org_unit=org_unit)

    def task(self, task_id: str) -> TaskRecord:
        """One task of the index, open or closed (``closed_seq`` set), or ``NotFound``."""
        with self.store.unit_of_work(write=False) as uow:
            found = uow.tasks.get(task_id)
        if found is None:
            raise NotFound(TASK_NOT_FOUND, task_id=task_id)
        return found

    def task_with_case(self, task_id: str) -> tuple[TaskRecord, CaseRecord]:
        """One task of the index (open or closed) and its case row, read together."""
        with self.store.unit_of_work(write=False) as uow:
            found = uow.tasks.get(task_id)
            if found is None:
                raise NotFound(TASK_NOT_FOUND, task_id=task_id)
            return found, uow.cases.get(found.case_id)
