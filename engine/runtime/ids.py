"""Deterministic task ids.

SpiffWorkflow gives every task ``uuid4()``. Inside an engine operation we derive ids
from the case and the event being applied instead, so replaying the events on another
machine or another day rebuilds the very same task ids (DESIGN invariant 4). Outside an
operation (plain library use) the random default stays.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import SpiffWorkflow.task as _spiff_task

_NAMESPACE = uuid.UUID("6f1c2f64-6b0e-5a55-9d4c-6461696261e1")


class _IdSource:
    __slots__ = ("count", "prefix")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.count = 0

    def next(self) -> uuid.UUID:
        self.count += 1
        return uuid.uuid5(_NAMESPACE, f"{self.prefix}/{self.count}")


_source: ContextVar[_IdSource | None] = ContextVar("daiban_task_ids", default=None)


def _task_id() -> uuid.UUID:
    source = _source.get()
    return source.next() if source is not None else uuid.uuid4()


_spiff_task.uuid4 = _task_id  # SpiffWorkflow.task looks the name up at each call


@contextmanager
def deterministic_ids(case_uid: str, seq: int) -> Iterator[None]:
    """Task ids created inside are a function of (case, event sequence, order)."""
    token = _source.set(_IdSource(f"{case_uid}/{seq}"))
    try:
        yield
    finally:
        _source.reset(token)
