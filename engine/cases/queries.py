"""Reading cases and tasks: a case with its live workflow, case lists, work queues."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from engine.cases import duties
from engine.cases.cache import LiveCache
from engine.cases.views import CaseView, case_view
from engine.elements import TaskRef
from engine.errors import NotFound
from engine.identity import Principal
from engine.policy import acts_on_task, queue_reach
from engine.records import CaseFilter, CaseRecord, CaseScope, EventFacts, TaskRecord
from engine.records.queue import QueueEntry, QueueGroup, QueuePage, QueueQuery, sort_key
from engine.steps import RED, WARNING_EVENTS, YELLOW, end_of, warning_key
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
        self.cache.put(record, live)
        return record, view

    def queue(self, org: Organization, principal: Principal, day: date) -> list[TaskRecord]:
        """The caller's work queue, all of it: unclaimed tasks of its roles in its unit,
        tasks it holds, and on days a colleague it stands in for is absent, that
        colleague's work too; earliest due first."""
        reach = queue_reach(org, principal, day)
        with self.store.unit_of_work(write=False) as uow:
            return uow.tasks.queue(reach.posts, reach.people, user=principal.user_id)

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
        """A page of the caller's work queue narrowed and ordered by ``query`` (overdue as
        of ``now``, absences as of ``day``), with tallies of the whole queue, in one read.

        Each task carries its case row, the time it became ready, the colleague it is
        worked for (代岗: an absent colleague's post or claimed task) and its warning:
        the strongest recorded by the timer job for the task itself, or, for a task due
        when its case is, the case's (``engine.steps``)."""
        me = principal.user_id
        reach = queue_reach(org, principal, day)
        own = [post for post in reach.posts if _own_post(org, me, post, day)]
        parts = {
            "all": (reach.posts, reach.people),
            "unclaimed": (own, []),
            "mine": ([], [me]),
            "stand_in": ([p for p in reach.posts if p not in own], reach.people[1:]),
        }
        places, holders = parts[query.view]
        with self.store.unit_of_work(write=False) as uow:
            groups = uow.tasks.queue_groups(reach.posts, reach.people, now, me)
            rows = uow.tasks.queue_rows(
                places,
                holders,
                item_code=query.item_code,
                due_before=now if query.overdue else None,
                order=query.order,
                offset=0 if query.after is not None else offset,
                limit=limit + 1,  # one more: whether a next page exists
                user=me,
                after=query.after,
            )
            more, rows = len(rows) > limit, rows[:limit]
            ids = sorted({task.case_id for task, _ in rows})
            cases = uow.cases.many(ids, snapshots=False)  # listed, not run
            raised = uow.figures.events_of(ids, WARNING_EVENTS)
        warnings = _warnings(raised)
        entries = []
        for task, ready_at in rows:
            record = cases[task.case_id]
            holder = acts_on_task(org, principal, task, day)
            entries.append(
                QueueEntry(
                    task,
                    record,
                    ready_at,
                    _warning_of(task, record, warnings),
                    holder if holder is not None and holder != me else None,
                )
            )
        views = dict.fromkeys(parts, 0)
        items: dict[str, int] = {}
        overdue = total = 0
        for group in groups:
            part = _part_of(group, me, own)
            views["all"] += group.count
            views[part] += group.count
            overdue += group.count if group.overdue else 0
            if group.item_code is not None:
                items[group.item_code] = items.get(group.item_code, 0) + group.count
            if (
                query.view in ("all", part)
                and query.item_code in (None, group.item_code)
                and (group.overdue or not query.overdue)
            ):
                total += group.count
        last = entries[-1] if more else None
        next_after = (
            sort_key(query.order, last.task, last.ready_at, last.case.item_code) if last else None
        )
        return QueuePage(entries, total, views, overdue, dict(sorted(items.items())), next_after)

    def record(self, case_id: int) -> CaseRecord:
        """The case row alone (status, routing, version) without loading its workflow."""
        with self.store.unit_of_work(write=False) as uow:
            return uow.cases.get(case_id)

    def records(self, case_ids: list[int]) -> dict[int, CaseRecord]:
        """Several case rows at once, by id (ids of missing cases are left out)."""
        with self.store.unit_of_work(write=False) as uow:
            return uow.cases.many(case_ids)

    def find(
        self,
        scope: CaseScope,
        where: CaseFilter | None = None,
        offset: int = 0,
        limit: int = 50,
        count_up_to: int | None = None,
    ) -> tuple[list[CaseRecord], int]:
        """A page of the cases in ``scope`` (newest first) and the total count (at most
        ``count_up_to`` + 1 when given: more than ``count_up_to``)."""
        with self.store.unit_of_work(write=False) as uow:
            return uow.cases.find(scope, where or CaseFilter(), offset, limit, count_up_to)

    def done_by(self, tasks: list[TaskRecord]) -> duties.Done | None:
        """Who completed which step of the case of ``tasks``, when separation of duties
        bears on an open one of them (None: it bears on none, nothing is read)."""
        bearing = [
            t
            for t in tasks
            if t.closed_seq is None and duties.partners(TaskRef(t.process_id, t.spec_id))
        ]
        if not bearing:
            return None
        with self.store.unit_of_work(write=False) as uow:
            return duties.done_by(uow.tasks.completed_by(bearing[0].case_id))

    def barred(self, task: TaskRecord) -> dict[str, str]:
        """Who separation of duties bars from the open ``task``, each with the reason."""
        done = self.done_by([task])
        return duties.barred(done, task.process_id, task.spec_id) if done else {}

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

    def ready_data(self, case_id: int) -> dict[str, dict[str, Any]]:
        """The data each ready task of the case sees, by task id (a task of a shared
        activity sees what was entered in it, which the case's own data has not yet)."""
        with self.store.unit_of_work(write=False) as uow:
            record = uow.cases.get(case_id)
        live = self.cache.load(record)
        self.cache.put(record, live)
        return {t.id: t.data for t in live.ready_tasks()}

    def task_with_case(self, task_id: str) -> tuple[TaskRecord, CaseRecord]:
        """One task of the index (open or closed) and its case row, read together."""
        with self.store.unit_of_work(write=False) as uow:
            found = uow.tasks.with_case(task_id)
        if found is None:
            raise NotFound(TASK_NOT_FOUND, task_id=task_id)
        return found


def _own_post(org: Organization, user_id: str, post: tuple[str, str], day: date) -> bool:
    """Whether the post (role, unit) is the user's own, not an absent colleague's."""
    holder = org.acts_for(user_id, post[0], post[1], day)
    return holder is not None and holder.id == user_id


def _part_of(group: QueueGroup, user_id: str, own: list[tuple[str, str]]) -> str:
    """Which part of the queue a group of tasks is: the caller's own claimed work, an
    unclaimed task of its own post, or a colleague's (代岗)."""
    if group.claimed_by == user_id:
        return "mine"
    if group.claimed_by is None and (group.lane, group.org_unit) in own:
        return "unclaimed"
    return "stand_in"


# A case's recorded warnings: (case id, task id or None for the case) -> the strongest.
_Warnings = dict[tuple[int, str | None], str]
_LEVELS = {YELLOW: "yellow", RED: "red"}


def _warnings(events: list[EventFacts]) -> _Warnings:
    found: _Warnings = {}
    for event in events:
        key = (event.case_id, warning_key(event.payload))
        level = _LEVELS.get(event.type)
        if level is not None and found.get(key) != "red":
            found[key] = level
    return found


def _warning_of(task: TaskRecord, case: CaseRecord, warnings: _Warnings) -> str | None:
    """The task's own warning, else its case's when the task is due when the case is."""
    own = warnings.get((task.case_id, task.id))
    if own is not None:
        return own
    due_with_case = (
        task.due_at is not None
        and case.due_date is not None
        and task.due_at == end_of(case.due_date)
    )
    return warnings.get((task.case_id, None)) if due_with_case else None
