"""Supervision figures and the warning scan on 100,000 cases.

    python bench/stats_bench.py [--cases 100000] [--database sqlite|postgresql]
                                [--current N] [--repeat 5]

The hand-built data set of ``tests/integration/test_stats.py`` (eight cases really run through their
processes: completed, returned, refused, cancelled, open and overdue, with warnings, a
rating and a rectification) is copied in the database, case rows, events and task index
together, until there are ``--current`` cases (default ``--cases``). The copies keep their
hash chains' shape but not their hashes (the case uid is part of every hash): this
measures the figures, not verification. With ``--current`` below ``--cases``
(PostgreSQL), closed copies moved back by whole weeks fill the months before, up to
``--cases``: the county's history, none of it in September or October.

Then it times ``StatsService.figures`` for September-October per grouping and checks that
every count is the hand-built one times the number of copies; on PostgreSQL, each month
(September, October) per grouping ``--repeat`` times, before (the step-overdue query
over every task opened before the period's end, without the indexes of migrations 0022–0023 it reads) and
after in the same run, with p50/p95 and EXPLAIN (ANALYZE, BUFFERS) of the slowest
statement of each; last the timer job's warning scan (``CaseService.tick`` with nothing
due).

PostgreSQL: set ``DAIBAN_TEST_DATABASE_URL`` (a scratch schema is made and dropped).
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402
from sqlalchemy.engine import Engine as SqlEngine  # noqa: E402

from engine import Engine, ManualClock  # noqa: E402
from engine.clock import SHANGHAI  # noqa: E402
from engine.stats import GROUPINGS, Period  # noqa: E402
from engine.stats.figures import Figures  # noqa: E402
from engine.store.figures import FigureRepository  # noqa: E402
from engine.store.testing import isolated_database, run_sql  # noqa: E402
from processes.catalogue import load_catalogue  # noqa: E402
from tests.support.stats_world import OCTOBER, SEP_OCT, SEPTEMBER, World, build  # noqa: E402

# Counts that scale with the copies (rates and averages do not change).
RATES = {"ratings_by_level"}
T = TypeVar("T")
MONTHS = [SEPTEMBER, OCTOBER]
# The figures' indexes (migrations 0022–0023), dropped for the "before" measurement.
INDEXES = {
    "ix_cases_created_at": "cases (created_at)",
    "ix_cases_closed_at": "cases (closed_at)",
    "ix_events_type_at": "events (type, at)",
}
_BOUNDED = FigureRepository.step_overdue_counts
NOTHING = Figures().as_dict()


def copy_cases(engine: Engine, target: int) -> int:
    """Double the cases until there are at least ``target``; returns how many copies of
    the original set there are."""
    store = engine.store
    [(base,)] = run_sql(store, "SELECT COUNT(*) FROM cases")
    count: int = base
    while count < target:
        [(top,)] = run_sql(store, "SELECT MAX(id) FROM cases")
        _copy(engine, top, top, 0)
        count *= 2
    return int(count // base)


def add_history(engine: Engine, current: int, target: int) -> int:
    """Closed copies of the first ``current`` cases moved back by 9 weeks, then 4 weeks
    more at each round, until there are ``target`` cases: the months before September and
    October, none of whose events falls in them (PostgreSQL only). Returns the rounds."""
    store, rounds = engine.store, 0
    [(count,)] = run_sql(store, "SELECT COUNT(*) FROM cases")
    while count < target:
        [(top,)] = run_sql(store, "SELECT MAX(id) FROM cases")
        _copy(engine, top, current, 63 + 28 * rounds, closed_only=True)
        [(count,)] = run_sql(store, "SELECT COUNT(*) FROM cases")
        rounds += 1
    return rounds


def _copy(engine: Engine, off: int, top: int, days: int, closed_only: bool = False) -> None:
    """Copy the cases with id <= ``top`` (only the closed ones when ``closed_only``) to
    ids + ``off``, every time ``days`` earlier, with their events and task index."""
    store = engine.store
    sqlite = store.dialect == "sqlite"
    if days and sqlite:
        raise ValueError("moving copies in time needs PostgreSQL")
    hex_id = "printf('%08x', case_id + :off)" if sqlite else "lpad(to_hex(case_id + :off), 8, '0')"
    find = 'instr(payload, \'"task_id":"\')' if sqlite else 'strpos(payload, \'"task_id":"\')'
    new_id = "(id + :off)" if sqlite else "CAST(id + :off AS TEXT)"
    concat_uid = f"substr(uid, 1, 32) || ':' || {new_id}"
    concat_no = f"substr(case_number, 1, 24) || {new_id}"

    def moved(column: str) -> str:
        return f"{column} - make_interval(days => :days)" if days else column

    columns = (
        "process_id, definition_hash, status, version, last_seq, last_hash, snapshot, "
        "created_at, updated_at, closed_at, item_code, org_unit, due_date, next_timer_at, "
        "has_incident, idempotency_key, village, department, registered_unit, county_since"
    )
    shifted = {"due_date": "due_date - :days", "idempotency_key": "NULL"} if days else {}
    for column in ("created_at", "updated_at", "closed_at", "next_timer_at", "county_since"):
        shifted[column] = moved(column)
    values = ", ".join(shifted.get(name, name) for name in columns.split(", "))
    chosen = "id <= :top" + (" AND closed_at IS NOT NULL" if closed_only else "")
    of_chosen = f"case_id IN (SELECT id FROM cases WHERE {chosen})"
    params = {"off": off, "top": top, "days": days}
    with store.unit_of_work() as uow:
        execute = uow.session.execute
        execute(
            text(
                f"INSERT INTO cases (id, uid, case_number, {columns}) "
                f"SELECT id + :off, {concat_uid}, {concat_no}, {values} FROM cases "
                f"WHERE {chosen}"
            ),
            params,
        )
        execute(
            text(
                "INSERT INTO events (case_id, seq, type, actor, on_behalf_of, at, payload, "
                "prev_hash, hash, state_digest, task_id, message_name, intake_decision) "
                f"SELECT case_id + :off, seq, type, actor, on_behalf_of, {moved('at')}, "
                f"CASE WHEN {find} > 0 THEN replace(payload, "
                f'\'"task_id":"\' || substr(payload, {find} + 11, 8), '
                f'\'"task_id":"\' || {hex_id}) ELSE payload END, prev_hash, hash, '
                f"state_digest, {hex_id} || substr(task_id, 9), message_name, "
                f"intake_decision FROM events WHERE {of_chosen}"
            ),
            params,
        )
        execute(
            text(
                "INSERT INTO ready_tasks (id, case_id, spec_id, name, process_id, lane, "
                f"org_unit, created_seq, due_at, claimed_by, closed_seq) SELECT {hex_id} "
                "|| substr(id, 9), case_id + :off, spec_id, name, process_id, lane, "
                f"org_unit, created_seq, {moved('due_at')}, claimed_by, closed_seq "
                f"FROM ready_tasks WHERE {of_chosen}"
            ),
            params,
        )
        uow.session.commit()
    if not sqlite:
        run_sql(store, "ANALYZE")


def timed(label: str, action: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = action()
    print(f"{label}: {time.perf_counter() - started:.2f} s", flush=True)
    return result


def run(url: str, cases: int, current: int, repeat: int) -> None:
    clock = ManualClock(datetime(2026, 9, 24, 9, 0, tzinfo=SHANGHAI))
    engine = Engine(url, clock)
    try:
        world: World = build(engine, clock, load_catalogue())
        base = {period: world.report(period).total for period in [*MONTHS, SEP_OCT]}
        copies = timed(f"copying to {current} cases", lambda: copy_cases(engine, current))
        if cases > current:
            [(made,)] = run_sql(engine.store, "SELECT COUNT(*) FROM cases")
            rounds = timed(
                f"adding closed cases of earlier months up to {cases}",
                lambda: add_history(engine, made, cases),
            )
            print(f"{rounds} earlier periods of four weeks")
        [(total,)] = run_sql(engine.store, "SELECT COUNT(*) FROM cases")
        [(events,)] = run_sql(engine.store, "SELECT COUNT(*) FROM events")
        [(tasks,)] = run_sql(engine.store, "SELECT COUNT(*) FROM ready_tasks")
        print(f"{total} cases, {events} events, {tasks} tasks ({copies} copies of the data set)")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for group_by in ("county", "township", "village", "item"):
            report = timed(
                f"figures, Sep-Oct, by {group_by}",
                lambda g=group_by: world.report(SEP_OCT, g),  # type: ignore[misc]
            )
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss
        print(f"peak memory grew by {grown / 1024:.0f} MB while computing the figures")
        check(base[SEP_OCT], report.total, copies)
        if engine.store.dialect == "postgresql":
            monthly(engine, world, base, copies, repeat)
        tick = timed("tick (warning scan, nothing due)", engine.cases.tick)
        assert not tick.warnings, tick.warnings
    finally:
        engine.close()


def monthly(
    engine: Engine, world: World, base: dict[Period, Figures], copies: int, repeat: int
) -> None:
    """Each month's figures per grouping, ``repeat`` times: before (the step-overdue query
    over every task opened before the period's end, as on main at 9d24b14, without the
    indexes of migrations 0022–0023) and after, in this one run; p50 and p95 per grouping over
    both months, and EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of each."""
    store = engine.store
    results: dict[str, dict[str, list[float]]] = {}
    reports: dict[str, dict[tuple[Period, str], list[tuple[str | None, dict[str, Any]]]]] = {}
    for mode in ("before", "after"):
        if mode == "before":
            for name in INDEXES:
                run_sql(store, f"DROP INDEX {name}")
            FigureRepository.step_overdue_counts = _unbounded  # type: ignore[method-assign]
        else:
            for name, ddl in INDEXES.items():
                run_sql(store, f"CREATE INDEX {name} ON {ddl}")
            FigureRepository.step_overdue_counts = _BOUNDED  # type: ignore[method-assign]
        run_sql(store, "ANALYZE")
        results[mode], reports[mode] = {}, {}
        with Statements() as statements:
            for group_by in GROUPINGS:
                times = results[mode].setdefault(group_by, [])
                for period in MONTHS:
                    for _ in range(repeat):
                        started = time.perf_counter()
                        report = world.report(period, group_by)
                        times.append(time.perf_counter() - started)
                    if group_by == "county":
                        check(base[period], report.total, copies)
                    reports[mode][(period, group_by)] = [
                        (g.unit, g.figures.as_dict())
                        for g in report.groups
                        if g.figures.as_dict() != NOTHING  # "before" lists more empty ones
                    ]
        print(f"\n{mode}: the slowest statement took {statements.slowest[0] * 1000:.0f} ms")
        explain(store, statements.slowest[1], statements.slowest[2])
    assert reports["before"] == reports["after"], "the figures differ before and after"
    print("\nmonthly figures (September, October), ms; the same figures before and after")
    print("| grouping | before p50 | before p95 | after p50 | after p95 | p95 before / after |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for group_by in GROUPINGS:
        b, a = (_percentiles(results[m][group_by]) for m in ("before", "after"))
        print(
            f"| {group_by} | {b[0]:.0f} | {b[1]:.0f} | {a[0]:.0f} | {a[1]:.0f} | "
            f"{b[1] / a[1]:.1f}× |"
        )


def _unbounded(self: FigureRepository, *args: Any, **kwargs: Any) -> Any:
    return _BOUNDED(self, *args, **{**kwargs, "bounded": False})


def _percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    at = max(0, math.ceil(0.95 * len(ordered)) - 1)
    return statistics.median(ordered) * 1000, ordered[at] * 1000


class Statements:
    """The slowest statement run while inside (time, SQL, parameters)."""

    def __init__(self) -> None:
        self.slowest: tuple[float, str, Any] = (0.0, "", None)
        self._started = 0.0

    def __enter__(self) -> Statements:
        event.listen(SqlEngine, "before_cursor_execute", self._before)
        event.listen(SqlEngine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(SqlEngine, "before_cursor_execute", self._before)
        event.remove(SqlEngine, "after_cursor_execute", self._after)

    def _before(self, *args: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, sql: str, params: Any, *args: Any) -> None:
        took = time.perf_counter() - self._started
        if took > self.slowest[0]:
            self.slowest = (took, sql, params)


def explain(store: Any, sql: str, params: Any) -> None:
    with store.unit_of_work(write=False) as uow:
        cursor = uow.session.connection().connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print(sql if len(sql) < 2000 else sql[:2000] + " …")
        print("\n".join(row[0] for row in cursor.fetchall()))


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
    parser.add_argument(
        "--current",
        type=int,
        help="cases in September-October (default: all); the rest are closed cases of "
        "earlier months (PostgreSQL)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="reports per month and grouping")
    args = parser.parse_args()
    pg = os.environ.get("DAIBAN_TEST_DATABASE_URL") if args.database == "postgresql" else None
    if args.database == "postgresql" and not pg:
        parser.error("set DAIBAN_TEST_DATABASE_URL for PostgreSQL")
    with tempfile.TemporaryDirectory() as folder, isolated_database(pg, Path(folder)) as url:
        run(url, args.cases, args.current or args.cases, args.repeat)


if __name__ == "__main__":
    main()
