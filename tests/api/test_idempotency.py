"""Retries and repeats against a real threaded server: requests racing with one
``Idempotency-Key`` all answer the one case (201, the same body), never 500; commands
that change nothing (a second claim by the holder, assigning a task to its holder,
releasing a task nobody holds, timers another worker already fired) append nothing to
the permanent history."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from engine import Actor, Engine, ManualClock, read_sources
from engine.clock import SHANGHAI
from engine.store.testing import run_sql
from tests.support.api import make_app
from tests.support.databases import START, Databases
from tests.support.driving import INTAKE, complete, start_sample, task_of
from tests.support.failure_tools import call
from tests.support.paths import BPMN, DATA
from tests.support.servers import served

ITEM = "MZ004"
WINDOW = ("wang.fang", "liu.yang")  # both hold 青丝乡's window post
USERS = (*WINDOW, "tan.xiaoyan", "chen.jing")
ROUNDS = 4
THREADS = 8


@dataclass
class Server:
    engine: Engine
    url: str
    tokens: dict[str, str]

    def headers(self, user: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}", **extra}

    def register(self, user: str = "wang.fang", key: str | None = None) -> tuple[int, Any]:
        body = {
            "item_code": ITEM,
            "applicant": {
                "name": "张三",
                "id_number": "11010519491231002X",
                "phone": "13800001234",
                "address": "一组 1 号",
                "village": "511725201003",
            },
            "channel": "township_window",
            "materials": [],
        }
        extra = {"Idempotency-Key": key} if key else {}
        status, _, found = call(
            "POST", f"{self.url}/api/v1/cases", body, self.headers(user, **extra)
        )
        return status, found

    def task(self, task_id: str, action: str, user: str, body: Any = None) -> tuple[int, Any]:
        url = f"{self.url}/api/v1/tasks/{task_id}/{action}"
        status, _, found = call("POST", url, body, self.headers(user))
        return status, found

    def count(self, sql: str, **params: Any) -> int:
        return int(run_sql(self.engine.store, sql, **params)[0][0])


@pytest.fixture(scope="module")
def server(databases: Databases) -> Iterator[Server]:
    processes = (BPMN / "common", BPMN / "items" / f"item_{ITEM.lower()}.bpmn")
    with databases.engine(ManualClock(START), processes) as engine:
        # Issued before any race: the threads only read them.
        tokens = {user: engine.identity.issue_token(user).token for user in USERS}
        with served(make_app(engine)) as base:
            yield Server(engine, base, tokens)


def race(count: int, attempt: Callable[[int], Any]) -> list[Any]:
    """``count`` threads released together; their results in thread order."""
    gate = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        gate.wait(timeout=30)
        results[index] = attempt(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


# -- one key, many requests ------------------------------------------------------------


def test_racing_registrations_with_one_key_answer_one_case(server: Server) -> None:
    """It was 201 x5, 500 x3 in every round on both databases. All answer 201 with the
    body of the one case; exactly one case and one case_started event per key."""
    for round_ in range(ROUNDS):
        before = server.count("SELECT count(*) FROM cases")
        key = f"race-{round_}"
        results = race(THREADS, lambda _, key=key: server.register(key=key))  # type: ignore[misc]
        assert [status for status, _ in results] == [201] * THREADS, results
        bodies = [body for _, body in results]
        assert all(body == bodies[0] for body in bodies), "every answer is the same case"
        case_id = bodies[0]["id"]
        assert server.count("SELECT count(*) FROM cases") == before + 1
        assert (
            server.count(
                "SELECT count(*) FROM events WHERE case_id = :c AND type = 'case_started'",
                c=case_id,
            )
            == 1
        )
    # A late retry with the same key: the same answer again.
    status, again = server.register(key=f"race-{ROUNDS - 1}")
    assert status == 201 and again == bodies[0]


def test_one_key_is_per_caller(server: Server) -> None:
    first = server.register("wang.fang", key="shared-key")
    second = server.register("liu.yang", key="shared-key")
    assert first[0] == second[0] == 201
    assert first[1]["id"] != second[1]["id"]


def test_racing_ledger_records_with_one_key_answer_one_issue(server: Server) -> None:
    """The issue ledger's key had the same race (UniqueViolation at insert, a 500)."""
    body = {
        "village": "511725201001",
        "resident": {"name": "张三", "phone": "13800001234"},
        "category": "infrastructure",
        "content": "村道塌方",
        "source": "visit",
    }
    url = f"{server.url}/api/v1/ledger"
    headers = server.headers("tan.xiaoyan", **{"Idempotency-Key": "ledger-race"})
    results = race(THREADS, lambda _: call("POST", url, body, headers))
    assert [status for status, _, _ in results] == [201] * THREADS, results
    assert len({found["id"] for _, _, found in results}) == 1
    assert server.count("SELECT count(*) FROM ledger_issues") == 1


# -- no-op commands --------------------------------------------------------------------


def claim_events(server: Server, case_id: int) -> int:
    return server.count(
        "SELECT count(*) FROM events WHERE case_id = :c AND type LIKE 'task_%'", c=case_id
    )


def test_sixteen_parallel_claims_by_one_user_write_one_event(server: Server) -> None:
    """It was 16 task_claimed events."""
    case = server.register()[1]
    task_id = case["tasks"][0]["id"]
    results = race(16, lambda _: server.task(task_id, "claim", "wang.fang"))
    assert [status for status, _ in results] == [200] * 16, results
    assert {body["claimed_by"] for _, body in results} == {"wang.fang"}
    assert claim_events(server, case["id"]) == 1
    assert server.engine.audit.verify(case["id"]).ok


def test_racing_claimants_one_wins_the_others_conflict(server: Server) -> None:
    case = server.register()[1]
    task_id = case["tasks"][0]["id"]
    results = race(THREADS, lambda i: (WINDOW[i % 2], server.task(task_id, "claim", WINDOW[i % 2])))
    winners = {user for user, (status, _) in results if status == 200}
    assert len(winners) == 1, results
    (winner,) = winners
    for user, (status, body) in results:
        if user == winner:
            assert status == 200 and body["claimed_by"] == winner
        else:
            assert status == 409, body
            assert body["code"] in ("claimed", "conflict")
    assert claim_events(server, case["id"]) == 1


def test_repeated_commands_that_change_nothing_write_nothing(server: Server) -> None:
    case = server.register()[1]
    task_id, case_id = case["tasks"][0]["id"], case["id"]
    # Releasing a task nobody holds: it already is in the queue.
    status, body = server.task(task_id, "unclaim", "wang.fang")
    assert status == 200 and body["claimed_by"] is None
    assert claim_events(server, case_id) == 0
    # Claim, then claim again.
    assert server.task(task_id, "claim", "wang.fang")[0] == 200
    status, body = server.task(task_id, "claim", "wang.fang")
    assert status == 200 and body["claimed_by"] == "wang.fang"
    assert claim_events(server, case_id) == 1
    # The leader assigns it to the one who holds it: nothing to record.
    status, body = server.task(task_id, "assign", "chen.jing", {"user": "wang.fang"})
    assert status == 200 and body["claimed_by"] == "wang.fang"
    assert claim_events(server, case_id) == 1
    # ... and to someone else: a real change.
    status, body = server.task(task_id, "assign", "chen.jing", {"user": "liu.yang"})
    assert status == 200 and body["claimed_by"] == "liu.yang"
    assert claim_events(server, case_id) == 2
    # Released twice by its holder: the second is a no-op.
    assert server.task(task_id, "unclaim", "liu.yang")[0] == 200
    status, body = server.task(task_id, "unclaim", "liu.yang")
    assert status == 200 and body["claimed_by"] is None
    assert claim_events(server, case_id) == 3
    assert server.engine.audit.verify(case_id).ok


# -- the engine: no-ops without HTTP ---------------------------------------------------


def test_engine_no_ops_keep_the_version(sample: Engine) -> None:
    view = start_sample(sample)
    task = task_of(view, "Task_intake")
    claimed = sample.cases.claim(view.id, task, Actor("agent.zhang"))
    again = sample.cases.claim(view.id, task, Actor("agent.zhang"))
    assigned = sample.cases.assign(view.id, task, "agent.zhang", Actor("leader"))
    assert again.version == assigned.version == claimed.version == view.version + 1
    assert [t.claimed_by for t in sample.cases.task_index(view.id)] == ["agent.zhang"]
    # The no-op answered from the cache must not disturb the next real change.
    done = complete(sample, again, "Task_intake", INTAKE, user="agent.zhang")
    assert done.version == claimed.version + 1
    assert sample.audit.verify(view.id).ok


def test_two_workers_ticking_at_once_fire_each_timer_once(
    engine: Engine, database_url: str, clock: ManualClock
) -> None:
    """A worker that read a case as due after another fired it wrote an empty
    ``timers_fired`` event (DESIGN: any number of workers, no no-op events)."""
    engine.definitions.deploy(read_sources([DATA / "timers.bpmn"]))
    ids = [engine.cases.start("timers", {}).id for _ in range(10)]
    clock.set(datetime(2026, 9, 26, 9, 0, tzinfo=SHANGHAI))
    other = Engine(database_url, clock, migrate=False)
    try:
        reports = race(2, lambda i: (engine, other)[i].cases.tick())
    finally:
        other.close()
    assert sorted(c for report in reports for c in report.fired) == ids  # each by one worker
    fired = run_sql(
        engine.store,
        "SELECT case_id, count(*) FROM events WHERE type = 'timers_fired' GROUP BY case_id",
    )
    assert sorted(fired) == [(case_id, 1) for case_id in ids]
