"""A person's work queue (我的待办) as the console reads it: which part of it, for which
item, overdue or not, in which order; and what each listed task carries besides its row
(when it became ready, its case, the yellow/red warning, whose post it is)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.records.cases import CaseRecord, TaskRecord

# The parts of a queue: everything, the unclaimed tasks of the caller's own posts, the
# tasks the caller holds, and the work of absent colleagues it stands in for (代岗).
QUEUE_VIEWS = {
    "all": "全部",
    "unclaimed": "待认领",
    "mine": "我已认领",
    "stand_in": "代岗",
}
# The orders a queue is listed in (each ends in the task's case and id: a total order).
QUEUE_ORDERS = {
    "due": "先到期先列（无时限的最后）",
    "newest": "最新到达的先列",
    "item": "按事项编码，同一事项先到期先列",
}


@dataclass(frozen=True)
class QueueQuery:
    """Narrows and orders a work queue (all optional, combined with AND)."""

    view: str = "all"  # a key of QUEUE_VIEWS
    item_code: str | None = None
    overdue: bool = False  # only tasks whose due time has passed (as of the query's "now")
    order: str = "due"  # a key of QUEUE_ORDERS
    # Keyset paging: the sort key (``QueuePage.next_after``) of the last task already
    # listed; the page starts after it (the offset is then not used).
    after: tuple[Any, ...] | None = None


def sort_key(
    order: str, task: TaskRecord, ready_at: datetime, item_code: str | None
) -> tuple[Any, ...]:
    """A task's place in a queue listed in ``order`` (a key of ``QUEUE_ORDERS``): the
    values ``TaskRepository.queue_rows`` sorts by, in its order (missing due times and
    items last, then the case and the task: no two tasks share a key)."""
    due = (task.due_at is None, task.due_at, task.case_id, task.id)
    if order == "newest":  # latest ready first
        return (ready_at, task.case_id, task.id)
    if order == "item":
        return (item_code is None, item_code, *due)
    return due


@dataclass(frozen=True)
class QueueEntry:
    """A task of a queue page with what the queue shows beside it."""

    task: TaskRecord
    case: CaseRecord  # its row without the snapshot (``snapshot`` is empty): for the list
    ready_at: datetime  # when the task became ready (the event that opened it)
    warning: str | None  # "yellow" | "red" | None: the warning raised for it (daiban tick)
    acting_for: str | None  # the absent colleague whose post or task it is (代岗); None: own


@dataclass(frozen=True)
class QueueGroup:
    """How many tasks of the whole queue share a post, holder, item and lateness."""

    lane: str | None
    org_unit: str | None
    claimed_by: str | None
    item_code: str | None
    overdue: bool
    count: int


@dataclass(frozen=True)
class QueuePage:
    """A page of a queue, how many tasks the narrowed queue has in all (``total``), and
    tallies of the whole queue: per part (``views``), overdue, per item."""

    entries: list[QueueEntry]
    total: int
    views: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    items: dict[str, int] = field(default_factory=dict)
    # The sort key of the page's last task when more tasks follow it (None: the last page):
    # ``QueueQuery.after`` for the next page, which a task added or closed meanwhile
    # does not shift (an offset would).
    next_after: tuple[Any, ...] | None = None


__all__ = [
    "QUEUE_ORDERS",
    "QUEUE_VIEWS",
    "QueueEntry",
    "QueueGroup",
    "QueuePage",
    "QueueQuery",
]
