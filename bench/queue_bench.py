"""The work queue against a long task history: before and after the open-task indexes
(migration 0021), in one run, on PostgreSQL.

    python bench/queue_bench.py [--closed 500000] [--open 1000] [--rounds 50]

A database of its own (``daiban_queue_<pid>``, dropped at the end) gets one township's
window post with ``--closed`` closed task rows (the history a busy township leaves in
``ready_tasks``) and ``--open`` open ones, a tenth of them claimed by the clerk, written
with one ``INSERT … SELECT generate_series`` each. Then the clerk's queue — the first
page of ``queue_rows`` (50 tasks, earliest due first) and the tallies of
``queue_groups``, as ``GET /tasks`` reads them — is read ``--rounds`` times with the two
partial indexes dropped ("before") and again with them ("after"), alternating, and the
p50/p95 of each printed with the plan PostgreSQL chose (``EXPLAIN (ANALYZE, BUFFERS)``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import Engine, ManualClock, read_sources  # noqa: E402

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
LANE, UNIT, CLERK = "township_window", "511725201", "wang.fang"
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
INDEXES = {
    "ix_ready_tasks_open_post": "CREATE INDEX ix_ready_tasks_open_post ON ready_tasks "
    "(lane, org_unit, due_at) WHERE closed_seq IS NULL AND claimed_by IS NULL",
    "ix_ready_tasks_open_holder": "CREATE INDEX ix_ready_tasks_open_holder ON ready_tasks "
    "(claimed_by, due_at) WHERE closed_seq IS NULL AND claimed_by IS NOT NULL",
}


def fill(url: str, closed: int, open_: int) -> None:
    """One case (the tasks' foreign key) and its task rows, closed and open."""
    engine = Engine(url.replace("postgresql://", "postgresql+psycopg://"), ManualClock(NOW))
    engine.definitions.deploy(read_sources([ROOT / "processes" / "bpmn" / "sample"]))
    engine.cases.start("sample_proxy_item", {"submitted_on": "2026-12-04"})
    engine.close()
    with psycopg.connect(url, autocommit=True) as db:
        for count, closed_seq, claimed in (
            (closed, "2", "NULL"),
            (open_ - open_ // 10, "NULL", "NULL"),
            (open_ // 10, "NULL", f"'{CLERK}'"),
        ):
            db.execute(
                "INSERT INTO ready_tasks (id, case_id, spec_id, name, process_id, lane,"
                " org_unit, created_seq, due_at, claimed_by, closed_seq)"
                " SELECT md5(random()::text || g::text), (SELECT min(id) FROM cases),"
                f" 'Task', '任务', 'p', '{LANE}', '{UNIT}', 1,"
                f" now() - (g || ' minutes')::interval, {claimed}, {closed_seq}"
                f" FROM generate_series(1, {count}) g"
            )
        db.execute("ANALYZE ready_tasks")


def timed(engine: Engine, rounds: int) -> tuple[list[float], list[float]]:
    page, groups = [], []
    for _ in range(rounds):
        with engine.store.unit_of_work(write=False) as uow:
            start = time.perf_counter()
            uow.tasks.queue_rows([(LANE, UNIT)], [CLERK], offset=0, limit=50, user=CLERK)
            page.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            uow.tasks.queue_groups([(LANE, UNIT)], [CLERK], NOW, CLERK)
            groups.append((time.perf_counter() - start) * 1000)
    return page, groups


def plan(url: str) -> str:
    query = (
        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM ready_tasks WHERE "
        f"((lane = '{LANE}' AND org_unit = '{UNIT}' AND claimed_by IS NULL) "
        f"OR claimed_by IN ('{CLERK}')) AND closed_seq IS NULL "
        "ORDER BY due_at IS NULL, due_at, case_id, id LIMIT 50"
    )
    with psycopg.connect(url) as db:
        return "\n".join(row[0] for row in db.execute(query))


def p(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100)[int(share * 100) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed", type=int, default=500_000)
    parser.add_argument("--open", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    name = f"daiban_queue_{os.getpid()}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        fill(url, args.closed, args.open)
        engine = Engine(url.replace("postgresql://", "postgresql+psycopg://"), ManualClock(NOW))
        results: dict[str, tuple[list[float], list[float]]] = {
            "before": ([], []),
            "after": ([], []),
        }
        plans = {}
        print(f"load average {os.getloadavg()[0]:.2f}; {args.closed} closed, {args.open} open")
        for _ in range(4):  # alternate, so both sides see the same machine
            for side in ("before", "after"):
                with psycopg.connect(url, autocommit=True) as db:
                    for index, create in INDEXES.items():
                        db.execute(f"DROP INDEX IF EXISTS {index}")
                        if side == "after":
                            db.execute(create)
                    db.execute("ANALYZE ready_tasks")
                page, groups = timed(engine, args.rounds // 4 + 1)
                results[side][0].extend(page)
                results[side][1].extend(groups)
                plans[side] = plan(url)
        engine.close()
        print(f"load average {os.getloadavg()[0]:.2f}\n")
        print("| | first page p50 / p95 (ms) | tallies p50 / p95 (ms) |\n| --- | --- | --- |")
        for side, (page, groups) in results.items():
            print(
                f"| {side} | {p(page, 0.5):.1f} / {p(page, 0.95):.1f} "
                f"| {p(groups, 0.5):.1f} / {p(groups, 0.95):.1f} |"
            )
        for side, text in plans.items():
            print(f"\n{side}:\n```\n{text}\n```")
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
