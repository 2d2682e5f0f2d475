"""HTTP API throughput vs. the engine alone: case lifecycles, in one run.

    python bench/api_bench.py [--rounds 5] [--cases 32] [--database sqlite|postgresql|both]
                              [--lean] [--backlog 20]

A lifecycle is one case of a real catalogue item walked from registration to
``completed``, the two items taking turns:

- a devolved item handled entirely at the township window (RS010 社会保障卡挂失):
  王芳 registers it at the 青丝乡 window and works its four tasks;
- a proxy item (RS001 城乡居民基本养老保险参保登记): 谭晓燕 registers it at her village
  point and does the entrustment and the handover, 王芳 the four window tasks.

Each case ends with the applicant's rating, given on the counter's rating pad and entered
by the registering staff member. The **API** side is what a
client does through the WSGI app (Flask test client: routing, a bearer-token lookup per
request, scope checks, marshmallow, JSON), each user with a token of their own:
``POST /cases``; for every task ``GET /tasks`` (the first page of the user's queue, where the task is
found), ``GET /tasks/{id}`` (its form as JSON Schema) and ``POST /tasks/{id}/complete``;
then ``POST /cases/{id}/ratings`` (channel ``pad``). The **engine** side gets the same information
and makes the same changes in process, on the same engine and database:
``RegistrationService.register``; ``CaseService.queue_view`` (the page with its cases and tallies);
``task_with_case`` + the form's JSON Schema; ``complete_task``; ``ratings.enter``.
``--lean`` leaves out ``GET /tasks/{id}`` (and its engine counterpart) on both sides;
``--backlog`` open cases wait in the users' queues, so ``GET /tasks`` lists more than
the one task being worked.

SQLite is a file database in WAL mode with ``synchronous=FULL``, as in production;
PostgreSQL (``DAIBAN_BENCH_PG_URL``) gets a schema of its own, dropped afterwards. The
two sides take turns lifecycle by lifecycle, so a busy neighbour slows both alike, and
the ratio is taken per round. Compare ratios, not absolute numbers. Transactions and
statements per request are counted too: they do not depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypedDict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from engine import Actor, Engine, ManualClock, Principal, Store, read_sources  # noqa: E402
from engine.clock import SHANGHAI  # noqa: E402
from engine.records.queue import QueueQuery  # noqa: E402
from engine.registration import Applicant, Registration, RegistrationService  # noqa: E402
from engine.simulate import SAMPLE_ID_NUMBER, fill_form  # noqa: E402
from engine.store.testing import isolated_database, run_sql  # noqa: E402
from processes.catalogue import Catalogue, load_catalogue  # noqa: E402
from webapi import create_app  # noqa: E402

PG_URL = os.environ.get("DAIBAN_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BPMN = ROOT / "processes" / "bpmn"
# Thursday 2026-09-24, 09:00: a working day, everyone at their post.
NOW = datetime(2026, 9, 24, 9, 0, tzinfo=SHANGHAI)
VILLAGE = "511725201001"
# Who works the tasks of each role (lane) in 青丝乡.
WORKERS = {"township_window": "wang.fang", "village_agent": "tan.xiaoyan"}


class Rating(TypedDict):
    """The body of ``POST /cases/{id}/ratings``."""

    level: int
    channel: str


RATING: Rating = {"level": 5, "channel": "pad"}  # 非常满意, from the rating pad
API = "/api/v1"
PAGE = 20  # GET /tasks answers the first page: page_size 20 by default
TARGET = 0.6  # API lifecycles/s at least this share of the engine's


@dataclass(frozen=True)
class Lifecycle:
    item_code: str
    registrar: str
    channel: str


LIFECYCLES = (
    Lifecycle("RS010", "wang.fang", "township_window"),  # devolved, at the window
    Lifecycle("RS001", "tan.xiaoyan", "village_point"),  # proxy, from the village point
)


@dataclass(frozen=True)
class Step:
    spec_id: str
    role: str
    data: dict[str, Any]


class Counter:
    """Transactions and SQL statements sent to the database (BEGIN not counted)."""

    def __init__(self, store: Store) -> None:
        self.transactions = 0
        self.statements = 0
        for database in {store._write_engine, store._read_engine}:
            event.listen(database, "begin", self._begin)
            event.listen(database, "before_cursor_execute", self._statement)

    def _begin(self, *_: Any) -> None:
        self.transactions += 1

    def _statement(self, _connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.startswith("BEGIN"):
            self.statements += 1


class Latencies:
    """Seconds, transactions and statements per request type, over all rounds."""

    def __init__(self, counter: Counter) -> None:
        self.counter = counter
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.queries: dict[str, list[tuple[int, int]]] = defaultdict(list)

    @contextmanager
    def timed(self, label: str) -> Iterator[None]:
        transactions, statements = self.counter.transactions, self.counter.statements
        started = time.perf_counter()
        yield
        self.samples[label].append(time.perf_counter() - started)
        self.queries[label].append(
            (self.counter.transactions - transactions, self.counter.statements - statements)
        )

    def per_request(self, label: str) -> str:
        """Transactions/statements per request of this type (mean)."""
        found = self.queries[label]
        transactions = sum(q[0] for q in found) / len(found)
        return f"{transactions:.0f}/{sum(q[1] for q in found) / len(found):.0f}"


def registration_body(catalogue: Catalogue, lifecycle: Lifecycle) -> dict[str, Any]:
    item = catalogue.get(lifecycle.item_code)
    assert item is not None
    return {
        "item_code": item.code,
        "applicant": {
            "name": "李秀英",
            "id_number": SAMPLE_ID_NUMBER,
            "phone": "13800001234",
            "address": "青丝街 1 号",
            "village": VILLAGE,
        },
        "channel": lifecycle.channel,
        "agent": None,
        "materials": [m.name for m in item.materials if m.required],
        "emergency": False,
    }


def registration(body: dict[str, Any]) -> Registration:
    raw = body["applicant"]
    return Registration(
        item_code=body["item_code"],
        applicant=Applicant(
            raw["name"], raw["id_number"], raw["village"], raw["phone"], raw["address"]
        ),
        channel=body["channel"],
        materials=tuple(body["materials"]),
    )


class Bench:
    """One database: the engine, the app on it, the users and their tokens."""

    def __init__(self, url: str, lean: bool, backlog: int) -> None:
        self.engine = Engine(url, ManualClock(NOW))
        self.counter = Counter(self.engine.store)
        sources = read_sources(
            [
                BPMN / "common",
                *(BPMN / "items" / f"item_{lc.item_code.lower()}.bpmn" for lc in LIFECYCLES),
            ]
        )
        self.engine.definitions.deploy(sources)
        self.catalogue = load_catalogue()
        self.registrations = RegistrationService(self.engine, self.catalogue)
        app = create_app({"ENGINE": self.engine, "SECRET_KEY": "bench", "TESTING": True})
        self.client: FlaskClient = app.test_client()
        users = {lc.registrar for lc in LIFECYCLES} | set(WORKERS.values())
        self.principals = {u: self.engine.identity.principal(u) for u in users}
        self.headers = {
            u: {"Authorization": f"Bearer {self.engine.identity.issue_token(u).token}"}
            for u in users
        }
        self.bodies = {lc.item_code: registration_body(self.catalogue, lc) for lc in LIFECYCLES}
        self.lean = lean
        self.today: date = NOW.date()
        self.paths = {lc.item_code: self._path(lc) for lc in LIFECYCLES}
        # Work waiting in the queues: cases registered and left at their first task.
        for i in range(backlog):
            lifecycle = LIFECYCLES[i % len(LIFECYCLES)]
            self.registrations.register(
                self.principals[lifecycle.registrar], registration(self.bodies[lifecycle.item_code])
            )

    def _path(self, lifecycle: Lifecycle) -> list[Step]:
        """The tasks of one case of the item, in order, with the form data each gets."""
        principal = self.principals[lifecycle.registrar]
        view = self.registrations.register(
            principal, registration(self.bodies[lifecycle.item_code])
        )
        compiled = self.engine.definitions.compiled(view.definition_hash)
        steps = []
        while view.tasks:
            task = view.tasks[0]
            form = compiled.form(task.process_id, task.spec_id)
            data = fill_form(form, {}, self.today.isoformat())
            assert task.lane in WORKERS, task.lane
            steps.append(Step(task.spec_id, task.lane, data))
            actor = Actor(WORKERS[task.lane], task.lane)
            view = self.engine.cases.complete_task(view.id, task.id, data, actor)
        assert view.waiting_messages == ["rating"], view.waiting_messages
        view = self._rate(view.id, lifecycle.registrar)
        assert view.status == "completed", view.status
        return steps

    # -- the engine in process ---------------------------------------------------------
    def engine_lifecycle(self, lifecycle: Lifecycle, times: Latencies) -> None:
        engine = self.engine
        cases = engine.cases
        with times.timed("POST /cases"):
            view = self.registrations.register(
                self.principals[lifecycle.registrar], registration(self.bodies[lifecycle.item_code])
            )
        for step in self.paths[lifecycle.item_code]:
            user = WORKERS[step.role]
            principal: Principal = self.principals[user]
            with times.timed("GET /tasks"):
                # the first page of the queue with its cases and tallies, as GET /tasks
                found = cases.queue_view(
                    engine.org, principal, engine.clock.now(), self.today, QueueQuery(), 0, PAGE
                )
                entry = next(e for e in found.entries if e.task.case_id == view.id)
                task = entry.task
            assert entry.case.case_number == view.case_number
            assert task.spec_id == step.spec_id
            if not self.lean:
                with times.timed("GET /tasks/{id}"):
                    task, record = cases.task_with_case(task.id)
                    form = engine.definitions.compiled(record.definition_hash).form(
                        task.process_id, task.spec_id
                    )
                    assert form is None or form.to_json_schema()
            with times.timed("POST /tasks/{id}/complete"):
                cases.complete_task(view.id, task.id, step.data, Actor(user, step.role))
        with times.timed("POST /cases/{id}/ratings"):
            view = self._rate(view.id, lifecycle.registrar)
        assert view.status == "completed"

    def _rate(self, case_id: int, registrar: str) -> Any:
        """The registrar enters the rating given on the pad (as ``POST /cases/{id}/ratings``)."""
        return self.engine.ratings.enter(
            case_id, RATING["level"], [], "", RATING["channel"], Actor(registrar)
        )

    # -- through the WSGI app ----------------------------------------------------------
    def api_lifecycle(self, lifecycle: Lifecycle, times: Latencies) -> None:
        client = self.client
        with times.timed("POST /cases"):
            response = client.post(
                f"{API}/cases",
                json=self.bodies[lifecycle.item_code],
                headers=self.headers[lifecycle.registrar],
            )
            case = response.get_json()
        assert response.status_code == 201, case
        for step in self.paths[lifecycle.item_code]:
            headers = self.headers[WORKERS[step.role]]
            with times.timed("GET /tasks"):
                response = client.get(f"{API}/tasks", headers=headers)
                task = next(t for t in response.get_json()["items"] if t["case_id"] == case["id"])
            assert task["spec_id"] == step.spec_id
            if not self.lean:
                with times.timed("GET /tasks/{id}"):
                    response = client.get(f"{API}/tasks/{task['id']}", headers=headers)
                    detail = response.get_json()
                assert response.status_code == 200 and detail["may_act"], detail
            with times.timed("POST /tasks/{id}/complete"):
                response = client.post(
                    f"{API}/tasks/{task['id']}/complete", json=step.data, headers=headers
                )
                response.get_json()
            assert response.status_code == 200, response.get_json()
        with times.timed("POST /cases/{id}/ratings"):
            response = client.post(
                f"{API}/cases/{case['id']}/ratings",
                json=RATING,
                headers=self.headers[lifecycle.registrar],
            )
            done = response.get_json()
        assert response.status_code == 200 and done["status"] == "completed", done

    def round(
        self, cases: int, engine_times: Latencies, api_times: Latencies
    ) -> tuple[float, float]:
        """Lifecycles per second of the engine and of the API over ``cases`` lifecycles each.

        The sides take turns lifecycle by lifecycle (and which goes first alternates), so
        a burst of load from a neighbour lands on both; the items take turns too."""
        sides = [(self.engine_lifecycle, engine_times), (self.api_lifecycle, api_times)]
        spent = [0.0, 0.0]
        for i in range(cases):
            lifecycle = LIFECYCLES[i % len(LIFECYCLES)]
            for n in (0, 1) if (i // len(LIFECYCLES)) % 2 == 0 else (1, 0):
                side, times = sides[n]
                started = time.perf_counter()
                side(lifecycle, times)
                spent[n] += time.perf_counter() - started
        return cases / spent[0], cases / spent[1]


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    with isolated_database(PG_URL if kind == "postgresql" else None, folder) as url:
        yield url


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(kind: str, rounds: int, cases: int, lean: bool, backlog: int) -> None:
    with tempfile.TemporaryDirectory() as folder, database(kind, Path(folder)) as url:
        bench = Bench(url, lean, backlog)
        try:
            # Warm up both sides: parse and cache the definitions, fill the pools.
            bench.round(4, Latencies(bench.counter), Latencies(bench.counter))
            engine_times, api_times = Latencies(bench.counter), Latencies(bench.counter)
            results = [bench.round(cases, engine_times, api_times) for _ in range(rounds)]
            setting = ""
            if bench.engine.store.dialect == "sqlite":
                journal = run_sql(bench.engine.store, "PRAGMA journal_mode")[0][0]
                sync = run_sql(bench.engine.store, "PRAGMA synchronous")[0][0]
                setting = f" (file, journal_mode={journal}, synchronous={sync}: 2 = FULL)"
        finally:
            bench.engine.close()
    engine_rate = statistics.median(r[0] for r in results)
    api_rate = statistics.median(r[1] for r in results)
    ratios = sorted(r[1] / r[0] for r in results)
    requests = sum(len(bench.paths[lc.item_code]) * (2 if lean else 3) + 2 for lc in LIFECYCLES)
    print(f"\n== {kind}{setting}")
    print(
        f"{rounds} interleaved rounds of {cases} lifecycles per side "
        f"({'lean: no GET /tasks/{id}' if lean else 'full client'}, "
        f"{requests / len(LIFECYCLES):.0f} requests per lifecycle, {backlog} open cases "
        "waiting in the queues); medians:"
    )
    print(f"engine in process: {engine_rate:7.2f} lifecycles/s")
    print(f"API through WSGI:  {api_rate:7.2f} lifecycles/s")
    print(
        f"API / engine: {statistics.median(ratios):.2f} (rounds {ratios[0]:.2f}-{ratios[-1]:.2f}; "
        f"target >= {TARGET:.2f})"
    )
    print("latency per request (ms) and transactions/statements per request:")
    print(f"{'':<34} {'n':>5}  {'API p50':>7} {'p95':>6} {'tx/sql':>6}", end="")
    print(f"  {'engine p50':>10} {'p95':>6} {'tx/sql':>6}")
    for label, samples in api_times.samples.items():
        inner = engine_times.samples[label]
        print(
            f"{label:<34} {len(samples):>5}  "
            f"{percentile(samples, 0.5) * 1000:>7.1f} {percentile(samples, 0.95) * 1000:>6.1f} "
            f"{api_times.per_request(label):>6}  "
            f"{percentile(inner, 0.5) * 1000:>10.1f} {percentile(inner, 0.95) * 1000:>6.1f} "
            f"{engine_times.per_request(label):>6}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cases", type=int, default=32, help="lifecycles per side and round")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--lean", action="store_true", help="no GET /tasks/{id} before completing")
    parser.add_argument(
        "--backlog", type=int, default=20, help="open cases waiting in the queues (GET /tasks)"
    )
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    for kind in kinds:
        try:
            measure(kind, args.rounds, args.cases, args.lean, args.backlog)
        except OperationalError as error:
            if kind != "postgresql":
                raise
            reason = str(error.orig).splitlines()[0]
            print(f"\n== postgresql: not reachable at {PG_URL}, skipped ({reason})")


if __name__ == "__main__":
    main()
