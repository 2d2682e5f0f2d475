"""``daiban worker`` as operators run it: several copies on one PostgreSQL database fire
each due timer exactly once and write no event that changes nothing; a worker outlives a
database outage (a real TCP proxy in front of PostgreSQL, cut and restored) and stops
cleanly on SIGTERM; on SQLite a second worker is refused. The worker processes are real
``python -m webapi worker`` processes on the real system clock: the cases are started on
the test clock in September 2026, so their 48-hour timers are long due."""

from __future__ import annotations

import signal
import socket
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from subprocess import Popen

import pytest

from engine import Engine, ManualClock, read_sources
from engine.cases import SYSTEM
from engine.clock import SHANGHAI
from tests.support.databases import START, Deployed
from tests.support.failure_tools import PostgresProxy
from tests.support.paths import DATA, PG_URL
from tests.support.servers import free_port
from tests.support.workers import daiban_process

WAIT = 180  # seconds: a bound on waiting for workers that are stuck, never a measured time
postgres_only = pytest.mark.skipif(
    not PG_URL, reason="several workers share one database on PostgreSQL only"
)


@pytest.fixture
def deployed() -> Deployed:
    return tuple(read_sources([DATA / "timers.bpmn"]))


def start_cases(engine: Engine, clock: ManualClock, count: int) -> list[int]:
    """``count`` cases started on the test's day in September, their 48-hour timers due
    by now; the test's clock is then set to now, the time the worker processes read."""
    clock.set(START)
    started = [engine.cases.start("timers", {}).id for _ in range(count)]
    clock.set(datetime.now(SHANGHAI))
    return started


def worker(url: str, log: Path, *args: str) -> AbstractContextManager[Popen[bytes]]:
    return daiban_process(url, log, ["--debug", "worker", *args], {"DAIBAN_LOG_LEVEL": "INFO"})


def wait_for(condition: Callable[[], bool], what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            tails = "\n".join(f"== {p.name}\n{p.read_text()[-3000:]}" for p in logs)
            pytest.fail(f"{what} did not happen within {WAIT} s\n{tails}")
        time.sleep(0.2)


def stop(process: Popen[bytes], log: Path) -> None:
    """SIGTERM, as systemd stops it: the worker ends its round and exits 0."""
    process.send_signal(signal.SIGTERM)
    assert process.wait(WAIT) == 0, log.read_text()[-3000:]
    assert "worker_stopped" in log.read_text()


def timer_events(engine: Engine, case_ids: list[int]) -> tuple[Counter[int], int]:
    """How many ``timers_fired`` events each case has, and how many of them left the
    state digest as the event before it (a firing that changed nothing)."""
    fired: Counter[int] = Counter()
    unchanged = 0
    with engine.store.unit_of_work(write=False) as uow:
        for case_id in case_ids:
            events = [event for event, _ in uow.events.of_case(case_id)]
            for before, event in pairwise(events):
                if event.type == "timers_fired":
                    fired[case_id] += 1
                    unchanged += event.state_digest == before.state_digest
    return fired, unchanged


@postgres_only
def test_three_workers_fire_each_of_a_thousand_due_timers_exactly_once(
    engine: Engine, clock: ManualClock, tmp_path: Path
) -> None:
    cases = start_cases(engine, clock, 1000)
    assert engine.operations.backlog().timers_due == 1000
    logs = [tmp_path / f"worker{n}.log" for n in range(3)]
    with ExitStack() as stack:
        workers = [
            stack.enter_context(worker(engine.database_url, log, "--interval", "0.2"))
            for log in logs
        ]
        wait_for(lambda: engine.operations.backlog().timers_due == 0, "every due timer fired", logs)
        for process, log in zip(workers, logs, strict=True):
            stop(process, log)
    fired, unchanged = timer_events(engine, cases)
    assert set(fired) == set(cases)
    assert Counter(fired.values()) == {1: 1000}  # each exactly once
    assert unchanged == 0  # no event that changed nothing
    by_worker = [log.read_text().count("timers_fired case=") for log in logs]
    assert sum(by_worker) == 1000, by_worker  # every firing logged by the one that wrote it
    # The copies really ran side by side (a run split them 336/340/324): at least two of
    # them fired timers, so "exactly once" was tested against a competitor.
    assert sum(n > 0 for n in by_worker) >= 2, by_worker
    for case_id in cases[::97]:
        assert engine.audit.verify(case_id).ok


@postgres_only
def test_a_busy_case_is_left_to_the_worker_that_holds_it(
    engine: Engine, clock: ManualClock
) -> None:
    [case_id] = start_cases(engine, clock, 1)
    with engine.store.unit_of_work() as other_worker:
        assert other_worker.cases.claim(case_id) is not None  # held until this block ends
        # Another worker skips it at once (no wait for the lock, no conflict, no event).
        assert engine.cases.changes.fire_timers(case_id, SYSTEM) is None
    assert engine.cases.changes.fire_timers(case_id, SYSTEM) is True
    assert engine.cases.changes.fire_timers(case_id, SYSTEM) is False  # nothing due any more
    assert timer_events(engine, [case_id])[0] == {case_id: 1}


@postgres_only
def test_the_worker_outlives_a_database_outage(
    engine: Engine, clock: ManualClock, tmp_path: Path
) -> None:
    first = start_cases(engine, clock, 20)
    log = tmp_path / "worker.log"
    proxy = PostgresProxy(engine.database_url)
    try:
        with worker(proxy.url, log, "--interval", "0.2") as process:
            wait_for(
                lambda: engine.operations.backlog().timers_due == 0, "the first timers fired", [log]
            )
            proxy.stop()  # the database goes away: connections dropped, none accepted
            later = start_cases(engine, clock, 20)  # due while the worker cannot reach it
            wait_for(
                lambda: log.read_text().count("worker_database_unavailable") >= 2,
                "the worker noticed the outage twice",
                [log],
            )
            assert process.poll() is None, log.read_text()  # still running
            assert engine.operations.backlog().timers_due == 20
            proxy.start()
            wait_for(
                lambda: engine.operations.backlog().timers_due == 0, "the later timers fired", [log]
            )
            # logged when the round that fired them ends, after their commits
            wait_for(lambda: "worker_recovered" in log.read_text(), "recovered", [log])
            text = log.read_text()
            assert "Traceback" not in text  # an outage is not a bug: no stack in the log
            stop(process, log)
    finally:
        proxy.close()
    fired, unchanged = timer_events(engine, first + later)
    assert Counter(fired.values()) == {1: 40}
    assert unchanged == 0


@pytest.mark.skipif(bool(PG_URL), reason="the SQLite worker lock")
def test_sqlite_takes_one_worker_and_says_so(
    engine: Engine, clock: ManualClock, tmp_path: Path
) -> None:
    cases = start_cases(engine, clock, 3)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    with worker(engine.database_url, first_log, "--interval", "0.2") as first:
        wait_for(
            lambda: "worker_started" in first_log.read_text(), "the worker started", [first_log]
        )
        with worker(engine.database_url, second_log, "--once") as second:
            assert second.wait(WAIT) == 2
        assert "SQLite 只能运行一个后台作业进程" in second_log.read_text()
        wait_for(
            lambda: engine.operations.backlog().timers_due == 0, "the timers fired", [first_log]
        )
        stop(first, first_log)
    # The lock goes with the worker: the next one starts.
    with worker(engine.database_url, second_log, "--once") as again:
        assert again.wait(WAIT) == 0, second_log.read_text()
    assert timer_events(engine, cases)[0] == dict.fromkeys(cases, 1)


def test_the_worker_serves_its_metrics(engine: Engine, clock: ManualClock, tmp_path: Path) -> None:
    start_cases(engine, clock, 5)
    log, port = tmp_path / "worker.log", free_port()
    with worker(
        engine.database_url, log, "--interval", "0.2", "--metrics-port", str(port)
    ) as process:
        wait_for(lambda: engine.operations.backlog().timers_due == 0, "the timers fired", [log])
        wait_for(lambda: "daiban_worker_rounds_total" in scrape(port), "metrics served", [log])
        text = scrape(port)
        stop(process, log)
    values = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("daiban_")
    }
    assert values['daiban_worker_rounds_total{outcome="ok"}'] >= 1
    assert values["daiban_timers_fired_total"] == 5  # this process fired all five
    assert values["daiban_timers_due"] == 0
    assert values["daiban_worker_lag_seconds"] == 0


def scrape(port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
            return str(answer.read().decode())
    except OSError:
        return ""


def test_a_metrics_port_it_cannot_use_is_refused_with_the_reason(
    engine: Engine, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        with worker(engine.database_url, log, "--once", "--metrics-port", port) as process:
            assert process.wait(WAIT) == 2
    assert f"无法在 127.0.0.1:{port} 提供指标" in log.read_text()
    with worker(engine.database_url, log, "--once", "--metrics-port", "70000") as process:
        assert process.wait(WAIT) == 2
    assert "应为 1 到 65535 之间的端口号" in log.read_text()
