"""``verify --all`` over several processes: replay is CPU-bound, so a county server with
several cores verifies its whole history in a fraction of the time.

Each worker process opens the database itself and verifies batches of case ids; the
caller gets the reports batch by batch in id order, with the id up to which every case
has been verified (the point ``--after`` resumes from after an interruption).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from engine.audit import VerifyReport
from engine.runtime.bounds import EngineBounds

if TYPE_CHECKING:
    from engine import Engine

_ENGINE: Engine | None = None  # the worker's engine (one per worker process)


def _open(database_url: str, bounds: EngineBounds, holiday_file: Path | None) -> None:
    global _ENGINE
    from engine import Engine

    _ENGINE = Engine(database_url, migrate=False, bounds=bounds, holiday_file=holiday_file)


def _verify(case_ids: list[int]) -> list[VerifyReport]:
    assert _ENGINE is not None
    return [_ENGINE.audit.verify(case_id) for case_id in case_ids]


def verify_in_parallel(
    database_url: str,
    case_ids: Iterator[list[int]],
    workers: int,
    bounds: EngineBounds | None = None,
    holiday_file: Path | None = None,
) -> Iterator[tuple[list[VerifyReport], int]]:
    """Verify the batches of ``case_ids`` (ascending) in ``workers`` processes; yields each
    batch's reports in order and the last id of that batch (every case up to it is done).
    At most two batches per worker are in flight, so memory stays bounded. ``bounds`` and
    ``holiday_file``: those the cases ran under (replay must apply the same ones; a worker
    is a fresh interpreter and inherits nothing of the caller's engine)."""
    if database_url in ("sqlite://", "sqlite:///:memory:"):
        raise ValueError("an in-memory database cannot be shared with worker processes")
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited pools
    pending: deque[tuple[int, Future[list[VerifyReport]]]] = deque()
    with ProcessPoolExecutor(
        workers,
        context,
        initializer=_open,
        initargs=(database_url, bounds or EngineBounds(), holiday_file),
    ) as pool:
        for batch in case_ids:
            pending.append((batch[-1], pool.submit(_verify, batch)))
            while len(pending) >= 2 * workers:
                last, done = pending.popleft()
                yield done.result(), last
        while pending:
            last, done = pending.popleft()
            yield done.result(), last
