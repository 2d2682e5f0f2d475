"""The worker's loop (``engine.worker.Worker``): a database outage or a bug in one round
is logged and waited out with a growing back-off, the loop goes on, and a stop request
ends it after the case in hand. The rounds here are plain functions; the worker on a
real database, in real processes, is tested in tests/integration/test_worker_many.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine.errors import OutcomeUnknown, Unavailable
from engine.worker import RoundReport, Worker, backoff


def test_backoff_doubles_up_to_its_maximum_with_a_quarter_of_jitter() -> None:
    for failures, full in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 32.0), (7, 60.0), (40, 60.0)]:
        for _ in range(50):
            assert 0.75 * full <= backoff(failures, 1.0, 60.0) <= full


def test_outages_and_bugs_are_waited_out_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcomes: list[BaseException | None] = [
        Unavailable("数据库不可用", "unreachable"),
        OutcomeUnknown("结果未知"),
        RuntimeError("a bug"),
        None,
        Unavailable("数据库不可用", "unreachable"),
        None,
    ]
    rounds: list[int] = []

    def one_round(should_stop: Callable[[], bool]) -> RoundReport:
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome
        rounds.append(1)
        if not outcomes:
            worker.stop.set()
        return RoundReport()

    worker = Worker(one_round, interval=0.0, backoff_base=0.001, max_backoff=0.01)
    with caplog.at_level("INFO"):
        stats = worker.run()
    assert (stats.rounds, stats.failed_rounds, stats.consecutive_failures) == (2, 4, 0)
    events = [getattr(r, "event", None) for r in caplog.records]
    assert events.count("worker_database_unavailable") == 3
    assert events.count("worker_round_failed") == 1
    assert events.count("worker_recovered") == 2
    assert events[-1] == "worker_stopped"
    failed = next(r for r in caplog.records if getattr(r, "event", None) == "worker_round_failed")
    assert failed.exc_info  # a bug keeps its stack in the log; an outage does not
    assert all(
        not r.exc_info
        for r in caplog.records
        if getattr(r, "event", None) == "worker_database_unavailable"
    )


def test_a_stop_request_is_seen_by_the_round_in_progress() -> None:
    seen: list[bool] = []

    def one_round(should_stop: Callable[[], bool]) -> RoundReport:
        seen.append(should_stop())
        worker.stop.set()  # as the SIGTERM handler does, in the middle of the round
        seen.append(should_stop())
        return RoundReport()

    worker = Worker(one_round, interval=3600.0)
    worker.run()  # returns at once: the wait between rounds ends on the stop request
    assert seen == [False, True]


def test_once_lets_a_database_failure_through() -> None:
    def one_round(should_stop: Callable[[], bool]) -> RoundReport:
        raise Unavailable("数据库不可用", "unreachable")

    with pytest.raises(Unavailable):
        Worker(one_round, interval=1.0).run_once()
