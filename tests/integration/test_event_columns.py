"""The events' structured columns (migration 0009): derived from each payload on insert,
backfilled for the events written before, never hashed; the figures select on them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from engine.stats import facts as figure_facts
from engine.store.events import derived_columns
from engine.store.testing import downgrade, run_sql
from tests.support.databases import Databases
from tests.support.stats_world import World, stats_world

COLUMNS = "task_id, message_name, intake_decision"


@pytest.fixture
def world(databases: Databases) -> Iterator[World]:
    with stats_world(databases) as found:
        yield found


def stored(world: World) -> list[tuple[Any, ...]]:
    return run_sql(
        world.engine.store, f"SELECT id, hash, type, payload, {COLUMNS} FROM events ORDER BY id"
    )


def test_every_event_carries_what_its_payload_names(world: World) -> None:
    rows = stored(world)
    for _, _, kind, payload, *columns in rows:
        assert dict(zip(COLUMNS.split(", "), columns, strict=True)) == derived_columns(
            kind, json.loads(payload)
        )
    found = {
        (kind, task is not None, name, decision) for _, _, kind, _, task, name, decision in rows
    }
    assert ("message_received", False, "rating", None) in found
    assert ("task_completed", True, None, "accept") in found
    assert ("task_completed", True, None, "accept_with_pledge") in found
    assert ("warning_red", True, None, None) in found  # a task's red warning
    assert ("warning_red", False, None, None) in found  # a case's red warning


def test_the_migration_fills_the_columns_of_older_events(world: World) -> None:
    """Taken back to 0008 (the columns dropped) and migrated again: every event gets the
    columns it had when written, no hash changes, the history still verifies, the events
    are still append-only, and every figure is what it was."""
    store = world.engine.store
    before, figures = stored(world), world.report().total.as_dict()
    downgrade(store, "0008")
    missing = {diff[3].name for diff in store.schema_differences() if diff[0] == "add_column"}
    # 0010's, 0011's, 0019's, 0020's, 0022's and 0024's columns go too (taken back with it):
    # no clock, the case list's search columns (on cases) are filled again from the cases'
    # first events, the designated hospital of a 残疾人证 case is set by registration, the
    # events' request ids are gone (not hashed: nothing to verify by) and the limit met is
    # filled again from the ``limit_met`` events.
    assert missing == {
        "limit_met_at",
        *COLUMNS.split(", "),
        "clock_offset",
        "applicant_name",
        "applicant_id_tail",
        "assessment_unit",
        "assessment_since",
        "request_id",
        "applicant_phone_tail",
    }
    store.migrate()
    figure_facts.fill(store, world.engine.calendar)  # as an engine does when it starts
    assert store.schema_differences() == []
    assert stored(world) == before
    assert world.report().total.as_dict() == figures
    for case_id in world.cases.values():
        assert world.engine.audit.verify(case_id).ok
    with pytest.raises(Exception, match="append-only"):
        run_sql(store, "UPDATE events SET task_id = NULL")
