"""The session's template databases (``tests/support/databases.py``): a database copied
from a template holds and does exactly what a database freshly deployed the same way
would, and every copy is a database of its own.

On SQLite a copy is the template's file; on PostgreSQL a new schema built by the
migrations, then filled with the template's rows and sequence positions.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine import Actor, Engine, ManualClock, SourceFile, read_sources
from engine.store.tables import Base
from engine.store.testing import run_sql
from tests.support.databases import START, Databases
from tests.support.walks import WALKED, WINDOW_ITEM

WINDOW = "511725201"  # 青丝乡: wang.fang's township


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in key order."""
    return {
        table.name: run_sql(engine.store, f"SELECT * FROM {table.name} ORDER BY 1")
        for table in Base.metadata.sorted_tables
    }


def walk(engine: Engine) -> list[tuple[Any, ...]]:
    """Two cases of the window item, one worked a step: what they and their history show."""
    first = engine.cases.start(WINDOW_ITEM.process_id, start_data(), org_unit=WINDOW)
    second = engine.cases.start(WINDOW_ITEM.process_id, start_data(), org_unit=WINDOW)
    task = next(t for t in first.tasks if t.spec_id == "Task_check_materials")
    engine.cases.claim(first.id, task.id, Actor("wang.fang", "township_window"))
    shown = []
    for case_id in (first.id, second.id):
        view = engine.cases.get(case_id)
        assert engine.audit.verify(case_id).ok
        events = run_sql(
            engine.store,
            # (payloads name task ids, derived from each case's random uid)
            "SELECT seq, type, actor, at FROM events WHERE case_id = :c ORDER BY seq",
            c=case_id,
        )
        shown.append((view.id, view.status, view.version, sorted(t.spec_id for t in view.tasks)))
        shown.extend(events)
    return shown


def start_data() -> dict[str, Any]:
    return {"item": WINDOW_ITEM.process_data(), "via_proxy": False, "emergency": False}


def test_a_copy_holds_what_a_fresh_deploy_stores(databases: Databases, database_url: str) -> None:
    fresh = Engine(database_url, ManualClock(START), catalogue=databases.catalogue)
    try:
        fresh.definitions.deploy(read_sources(list(WALKED)))
        with databases.engine(ManualClock(START), WALKED) as copy:
            assert dump(copy) == dump(fresh)
            assert dump(copy)["process_versions"], "nothing deployed"
    finally:
        fresh.close()


def test_a_copy_runs_cases_as_a_fresh_deploy_does(databases: Databases, database_url: str) -> None:
    fresh = Engine(database_url, ManualClock(START), catalogue=databases.catalogue)
    try:
        fresh.definitions.deploy(read_sources(list(WALKED)))
        with databases.engine(ManualClock(START), WALKED) as copy:
            assert walk(copy) == walk(fresh)
    finally:
        fresh.close()


def test_copies_are_databases_of_their_own(databases: Databases) -> None:
    with (
        databases.engine(ManualClock(START), WALKED) as one,
        databases.engine(ManualClock(START), WALKED) as other,
    ):
        made = one.cases.start(WINDOW_ITEM.process_id, start_data(), org_unit=WINDOW)
        assert made.id == 1
        assert run_sql(other.store, "SELECT count(*) FROM cases") == [(0,)]
        template = Engine(databases.template(WALKED), ManualClock(START), migrate=False)
        try:
            assert run_sql(template.store, "SELECT count(*) FROM cases") == [(0,)]
        finally:
            template.close()


def test_a_copy_keeps_the_append_only_guard(databases: Databases) -> None:
    with databases.engine(ManualClock(START), WALKED) as engine:
        made = engine.cases.start(WINDOW_ITEM.process_id, start_data(), org_unit=WINDOW)
        with pytest.raises(Exception, match="append-only"):
            run_sql(
                engine.store, "UPDATE events SET actor = 'mallory' WHERE case_id = :c", c=made.id
            )
        with pytest.raises(Exception, match="append-only"):
            run_sql(engine.store, "DELETE FROM events WHERE case_id = :c", c=made.id)


def test_a_data_set_copy_goes_on_numbering_after_its_rows(databases: Databases) -> None:
    def build(engine: Engine, clock: ManualClock) -> list[int]:
        engine.definitions.deploy(read_sources(list(WALKED)))
        return [
            engine.cases.start(WINDOW_ITEM.process_id, start_data(), org_unit=WINDOW).id
            for _ in range(3)
        ]

    made = databases.prepared("three window cases", build)
    assert made.value == [1, 2, 3]
    with databases.engine(ManualClock(made.now), template=made.template) as engine:
        after = engine.cases.start(WINDOW_ITEM.process_id, start_data(), org_unit=WINDOW)
        assert after.id == 4  # the sequences stand where the template's do
        assert [engine.audit.verify(case_id).ok for case_id in (1, 2, 3, 4)] == [True] * 4


def test_a_changed_file_makes_another_template(databases: Databases) -> None:
    sources = read_sources(list(WALKED))
    last = sources[-1]
    changed = [*sources[:-1], SourceFile(last.path, last.data + b"<!-- changed -->\n")]
    assert databases.template(sources) == databases.template(WALKED)
    assert databases.template(changed) != databases.template(sources)
