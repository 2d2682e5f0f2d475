"""Supervision figures and the warning scan on 100,000 cases.

    python bench/stats_bench.py [--cases 100000] [--database sqlite|postgresql]

The hand-built data set of ``tests/integration/test_stats.py`` (eight cases really run through their
processes: completed, returned, refused, cancelled, open and overdue, with warnings, a
rating and a rectification) is copied in the database, case rows, events and task index
together, until there are ``--cases`` cases. The copies keep their hash chains' shape but
not their hashes (the case uid is part of every hash): this measures the figures, not
verification. Then it times ``StatsService.figures`` for September-October per grouping
and the timer job's warning scan (``CaseService.tick`` with nothing due), and checks that
every count is the hand-built one times the number of copies.

PostgreSQL: set ``DAIBAN_TEST_DATABASE_URL`` (a scratch schema is made and dropped).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from engine import Engine, ManualClock  # noqa: E402
from engine.clock import SHANGHAI  # noqa: E402
from engine.stats.figures import Figures  # noqa: E402
from engine.store.testing import isolated_database, run_sql  # noqa: E402
from processes.catalogue import load_catalogue  # noqa: E402
from tests.support.stats_world import SEP_OCT, World, build  # noqa: E402

# Counts that scale with the copies (rates and averages do not change).
RATES = {"ratings_by_level"}


def copy_cases(engine: Engine, target: int) -> int:
    """Double the cases until there are at least ``target``; returns how many copies of
    the original set there are."""
    store = engine.store
    sqlite = store.dialect == "sqlite"
    hex_id = "printf('%08x', case_id + :off)" if sqlite else "lpad(to_hex(case_id + :off), 8, '0')"
    find = 'instr(payload, \'"task_id":"\')' if sqlite else 'strpos(payload, \'"task_id":"\')'
    new_id = "(id + :off)" if sqlite else "CAST(id + :off AS TEXT)"
    concat_uid = f"substr(uid, 1, 32) || ':' || {new_id}"
    concat_no = f"substr(case_number, 1, 24) || {new_id}"
    columns = (
        "process_id, definition_hash, status, version, last_seq, last_hash, snapshot, "
        "created_at, updated_at, closed_at, item_code, org_unit, due_date, next_timer_at, "
        "has_incident, idempotency_key, village, department, registered_unit, county_since"
    )
    [(base,)] = run_sql(store, "SELECT COUNT(*) FROM cases")
    count = base
    while count < target:
        [(top,)] = run_sql(store, "SELECT MAX(id) FROM cases")
        with store.unit_of_work() as uow:
            execute = uow.session.execute
            execute(
                text(
                    f"INSERT INTO cases (id, uid, case_number, {columns}) "
                    f"SELECT id + :off, {concat_uid}, {concat_no}, {columns} FROM cases"
                ),
                {"off": top},
            )
            execute(
                text(
                    "INSERT INTO events (case_id, seq, type, actor, on_behalf_of, at, payload, "
                    "prev_hash, hash, state_digest, task_id, message_name, intake_decision) "
                    "SELECT case_id + :off, seq, type, actor, "
                    f"on_behalf_of, at, CASE WHEN {find} > 0 THEN replace(payload, "
                    f'\'"task_id":"\' || substr(payload, {find} + 11, 8), '
                    f'\'"task_id":"\' || {hex_id}) ELSE payload END, prev_hash, hash, '
                    f"state_digest, {hex_id} || substr(task_id, 9), message_name, "
                    "intake_decision FROM events WHERE case_id <= :top"
                ),
                {"off": top, "top": top},
            )
            execute(
                text(
                    "INSERT INTO ready_tasks (id, case_id, spec_id, name, process_id, lane, "
                    f"org_unit, created_seq, due_at, claimed_by, closed_seq) SELECT {hex_id} "
                    "|| substr(id, 9), case_id + :off, spec_id, name, process_id, lane, "
                    "org_unit, created_seq, due_at, claimed_by, closed_seq FROM ready_tasks "
                    "WHERE case_id <= :top"
                ),
                {"off": top, "top": top},
            )
            uow.session.commit()
        if not sqlite:
            run_sql(store, "ANALYZE")
        count *= 2
    return count // base


def timed(label: str, action: object) -> object:
    started = time.perf_counter()
    result = action()  # type: ignore[operator]
    print(f"{label}: {time.perf_counter() - started:.2f} s", flush=True)
    return result


def run(url: str, cases: int) -> None:
    clock = ManualClock(datetime(2026, 9, 24, 9, 0, tzinfo=SHANGHAI))
    engine = Engine(url, clock)
    try:
        world: World = build(engine, clock, load_catalogue())
        base = world.report().total
        copies = timed(f"copying to {cases} cases", lambda: copy_cases(engine, cases))
        [(total,)] = run_sql(engine.store, "SELECT COUNT(*) FROM cases")
        [(events,)] = run_sql(engine.store, "SELECT COUNT(*) FROM events")
        print(f"{total} cases, {events} events ({copies} copies of the data set)")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for group_by in ("county", "township", "village", "item"):
            report = timed(
                f"figures, Sep-Oct, by {group_by}", lambda g=group_by: world.report(SEP_OCT, g)
            )
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss
        print(f"peak memory grew by {grown / 1024:.0f} MB while computing the figures")
        check(base, report.total, copies)  # type: ignore[union-attr]
        tick = timed("tick (warning scan, nothing due)", engine.cases.tick)
        assert not tick.warnings, tick.warnings  # type: ignore[union-attr]
    finally:
        engine.close()


def check(base: Figures, scaled: Figures, copies: int) -> None:
    one, many = base.as_dict(), scaled.as_dict()
    for name, value in one.items():
        if isinstance(value, int) and not name.startswith("ledger"):
            assert many[name] == value * copies, (name, many[name], value, copies)
        elif name not in RATES and not name.startswith("ledger"):
            assert many[name] == value, (name, many[name], value)
    print("every count is the hand-built one times the copies; every rate is the same")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    pg = os.environ.get("DAIBAN_TEST_DATABASE_URL") if args.database == "postgresql" else None
    if args.database == "postgresql" and not pg:
        parser.error("set DAIBAN_TEST_DATABASE_URL for PostgreSQL")
    with tempfile.TemporaryDirectory() as folder, isolated_database(pg, Path(folder)) as url:
        run(url, args.cases)


if __name__ == "__main__":
    main()
