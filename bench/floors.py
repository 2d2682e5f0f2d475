"""The floors under three of issue 16's targets, each measured in one run.

    python bench/floors.py [--part verify|step|request|all] [--rounds 3]

Each part sets what daiban does beside the least that any implementation on the same
components has to do, so that a target below the floor is seen as one:

``verify`` (SQLite): every catalogue item but the yearly payout lists walked to
completion once by the simulator's sample answers, then verified by ``Auditor.verify``;
beside it, the same cases' events read and replayed through SpiffWorkflow with nothing
checked (no hash chain, no state digest, no snapshot), and the events read alone. CPU
time, cases per second per core. Verification has to replay every event, so the second
figure is above anything verification can reach without replaying faster.

``step`` (SQLite, WAL, ``synchronous=FULL``): the small approval process of
``bench/engine_bench.py`` (``bench/data/approval``, three user tasks), three ways: raw
SpiffWorkflow with a JSON round trip per step (engine_bench's baseline); a *minimal
durable engine* — the same SpiffWorkflow run, the workflow serialised after every step
and written with ``sqlite3`` as one row updated and one row inserted, committed with
``synchronous=FULL`` (no hash chain, no task index, no figures, no SQLAlchemy); and daiban.
Ratios to raw, per round, rounds taking turns.

``request`` (PostgreSQL, ``DAIBAN_BENCH_PG_URL``): the CPU time of a transaction with
one trivial statement through daiban's unit of work (a read one and a write one), through
a SQLAlchemy Core connection (with and without the pool's ping), and through the
driver alone; and of each further statement through a unit of work and through the
driver. Multiplied by the transactions and statements per request that
``bench/api_bench.py`` counts, they give what the store's SQL costs a request before any
of its work is done.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402

from engine import Engine, ManualClock, read_sources  # noqa: E402
from engine.clock import SHANGHAI  # noqa: E402
from engine.simulate import Scenario, run  # noqa: E402
from engine.store import Store  # noqa: E402
from processes.catalogue import load_catalogue  # noqa: E402
from processes.resources import BPMN_DIR  # noqa: E402

PG_URL = os.environ.get("DAIBAN_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


# -- verify -------------------------------------------------------------------------------


def verify_floor(rounds: int) -> None:
    clock = ManualClock(datetime(2026, 9, 24, 9, 0, tzinfo=SHANGHAI))
    with tempfile.TemporaryDirectory() as folder:
        engine = Engine(f"sqlite:///{folder}/verify.sqlite3", clock)
        engine.definitions.deploy(read_sources([BPMN_DIR / "common", BPMN_DIR / "items"]))
        ids = []
        for item in sorted(load_catalogue(), key=lambda item: item.code):
            if item.batch is not None:
                continue
            start = {"item": item.process_data(), "via_proxy": item.proxy_allowed}
            start["emergency"] = False
            trace = run(engine.cases, clock, item.process_id, Scenario(start=start))
            ids.append(trace.case.id)
        audit = engine.audit
        events = sum(audit.verify(case_id).events for case_id in ids)  # parse each once

        def read() -> None:
            for case_id in ids:
                audit._history(case_id)

        def replay() -> None:
            for case_id in ids:
                record, history = audit._history(case_id)
                for _ in audit._apply_all(record, history):
                    pass

        def verify() -> None:
            for case_id in ids:
                assert audit.verify(case_id).ok

        took: dict[str, list[float]] = {"read": [], "replay": [], "verify": []}
        for _ in range(rounds):
            for name, work in (("read", read), ("replay", replay), ("verify", verify)):
                took[name].append(1e3 * len(ids) / _ms_per_call(work, 1))
        engine.close()
    print(f"\n== verify: {len(ids)} catalogue cases, {events} events, {rounds} rounds (CPU)")
    for name, label in (
        ("read", "events read"),
        ("replay", "events read + replayed"),
        ("verify", "verified (chain, digests, snapshot)"),
    ):
        values = sorted(took[name])
        print(
            f"{label:<38} {statistics.median(values):7.1f} cases/s per core "
            f"({values[0]:.1f}-{values[-1]:.1f})"
        )
    shares = sorted(v / r for v, r in zip(took["verify"], took["replay"], strict=True))
    print(f"verify / replay alone: {statistics.median(shares):.2f} per round")


# -- step ---------------------------------------------------------------------------------


def _minimal_engine(folder: Path) -> Callable[[int], float]:
    """The least a durable engine on SpiffWorkflow does per step: run, serialise, write
    one row and append one, commit with synchronous=FULL. Returns steps/s for n cases."""
    import engine_bench

    walk = engine_bench.WALKS["approval"]
    spiff = engine_bench.spiff_of(walk)
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    db = sqlite3.connect(folder / "minimal.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE cases (id INTEGER PRIMARY KEY, state BLOB)")
    db.execute("CREATE TABLE events (case_id INTEGER, seq INTEGER, payload TEXT)")
    counter = [0]

    def persist(workflow: Any, seq: int, payload: Any) -> Any:
        state = serializer.serialize_json(workflow).encode()
        db.execute("BEGIN IMMEDIATE")
        if seq == 0:
            counter[0] += 1
            db.execute("INSERT INTO cases (id, state) VALUES (?, ?)", (counter[0], state))
        else:
            db.execute("UPDATE cases SET state = ? WHERE id = ?", (state, counter[0]))
        db.execute("INSERT INTO events VALUES (?, ?, ?)", (counter[0], seq, json.dumps(payload)))
        db.execute("COMMIT")
        return workflow

    def steps_per_second(cases: int) -> float:
        started = time.perf_counter()
        for _ in range(cases):
            engine_bench.walk_spiff(walk, spiff, persist)
        return cases * walk.steps_per_case / (time.perf_counter() - started)

    return steps_per_second


def step_floor(rounds: int, cases: int) -> None:
    import engine_bench

    walk = engine_bench.WALKS["approval"]
    with tempfile.TemporaryDirectory() as folder:
        engine, cold = engine_bench._prepared(folder, walk)
        cold.close()
        minimal = _minimal_engine(Path(folder))
        minimal(5)
        rates: list[dict[str, float]] = []
        for _ in range(rounds):
            rates.append(
                {
                    "raw": engine_bench.raw_spiff(walk, cases),
                    "minimal": minimal(cases),
                    "daiban": engine_bench.engine_run(engine, walk, cases),
                }
            )
        engine.close()
    print(f"\n== step: approval, {rounds} rounds of {cases} cases (3 steps each), SQLite FULL")
    for name in ("raw", "minimal", "daiban"):
        values = sorted(r[name] for r in rates)
        ratios = sorted(r[name] / r["raw"] for r in rates)
        print(
            f"{name:<8} {statistics.median(values):8.1f} steps/s  "
            f"({1e3 / statistics.median(values):.2f} ms/step)  ratio to raw "
            f"{statistics.median(ratios):.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f})"
        )


# -- request ------------------------------------------------------------------------------


def _ms_per_call(work: Callable[[], None], repeat: int) -> float:
    """CPU milliseconds per call of ``work``, over ``repeat`` calls."""
    started = time.process_time()
    for _ in range(repeat):
        work()
    return 1e3 * (time.process_time() - started) / repeat


def _transaction_costs(url: str, rounds: int, repeat: int) -> dict[str, list[float]]:
    """CPU ms per transaction of each way to the database, ``rounds`` times."""
    from sqlalchemy import create_engine, text

    one = text("SELECT 1")
    Engine(url).close()  # the schema, for the case rows read below
    store = Store(url)
    described = Store(url)  # with psycopg's own cursors (one engine on PostgreSQL)
    _plain_cursors(described._write_engine)
    core = create_engine(url, pool_pre_ping=False)
    pinged = create_engine(url, pool_pre_ping=True)
    driver = core.raw_connection()

    def unit(write: bool, statements: int) -> Callable[[], None]:
        def work() -> None:
            with store.unit_of_work(write=write) as uow:
                connection = uow.session.connection()
                for _ in range(statements):
                    connection.execute(one).all()
                if write:
                    uow.commit()

        return work

    def case_rows(of: Store) -> Callable[[], None]:
        def work() -> None:  # a compiled statement of a case's 30-odd columns
            with of.unit_of_work(write=False) as uow:
                uow.cases.many([1])

        return work

    def connection(engine: Any) -> Callable[[], None]:
        def work() -> None:
            with engine.connect() as c:
                c.execute(one).all()
                c.commit()

        return work

    def by_driver(statements: int) -> Callable[[], None]:
        def work() -> None:
            cursor = driver.cursor()
            for _ in range(statements):
                cursor.execute("SELECT 1")
                cursor.fetchall()
            driver.commit()

        return work

    ways: dict[str, Callable[[], None]] = {
        "unit of work, read, 1 statement": unit(False, 1),
        "unit of work, read, 6 statements": unit(False, 6),
        "unit of work, write, 1 statement": unit(True, 1),
        "unit of work, read, cases row": case_rows(store),
        "same, psycopg's own cursors": case_rows(described),
        "Core connection, pool ping, 1 statement": connection(pinged),
        "Core connection, no ping, 1 statement": connection(core),
        "driver alone, 1 statement": by_driver(1),
        "driver alone, 6 statements": by_driver(6),
    }
    took: dict[str, list[float]] = {name: [] for name in ways}
    try:
        for _ in range(rounds):
            for name, work in ways.items():
                _ms_per_call(work, 100)  # warm up: the pool, prepared statements
                took[name].append(_ms_per_call(work, repeat))
    finally:
        driver.close()
        core.dispose()
        pinged.dispose()
        store.dispose()
        described.dispose()
    return took


def _plain_cursors(engine: Any) -> None:
    """Connections of ``engine`` with psycopg's own cursors, which build ``description``
    at every statement, instead of the store's (``engine.store.described``)."""
    import psycopg
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.cursor_factory = psycopg.Cursor


def request_floor(rounds: int, repeat: int = 2000) -> None:
    from sqlalchemy.exc import OperationalError

    from engine.store.testing import isolated_database

    with tempfile.TemporaryDirectory() as folder:
        try:
            with isolated_database(PG_URL, Path(folder)) as url:
                took = _transaction_costs(url, rounds, repeat)
        except OperationalError as error:
            print(f"\n== request: PostgreSQL not reachable at {PG_URL} ({error.orig})")
            return
    print(f"\n== request: PostgreSQL, CPU ms per transaction, {rounds} rounds of {repeat}")
    for name, values in took.items():
        values.sort()
        print(f"{name:<42} {statistics.median(values):.3f} ({values[0]:.3f}-{values[-1]:.3f})")
    median = {name: statistics.median(values) for name, values in took.items()}
    per_statement = (
        median["unit of work, read, 6 statements"] - median["unit of work, read, 1 statement"]
    ) / 5
    by_driver_each = (
        median["driver alone, 6 statements"] - median["driver alone, 1 statement"]
    ) / 5
    print(
        f"each further statement: {per_statement:.3f} ms in a unit of work, "
        f"{by_driver_each:.3f} ms by the driver alone"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=["verify", "step", "request", "all"], default="all")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cases", type=int, default=40, help="cases per round (step)")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    if args.part in ("verify", "all"):
        verify_floor(args.rounds)
    if args.part in ("step", "all"):
        step_floor(args.rounds, args.cases)
    if args.part in ("request", "all"):
        request_floor(args.rounds)
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
