"""Every catalogue item's process: linted against the catalogue and run end to end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from engine import Engine, ManualClock, lint, read_sources
from engine.batch.simulation import batch_scenario
from engine.definitions.catalogue_lint import check_catalogue
from engine.simulate import Scenario, run
from processes.catalogue import Item
from processes.org import ROLES
from tests.support.databases import START, Databases
from tests.support.paths import BPMN, LIBRARY
from tests.support.shipped import shipped_catalogue

CATALOGUE = shipped_catalogue()
ITEMS = sorted(CATALOGUE, key=lambda item: item.code)


def test_process_library_is_clean_and_matches_the_catalogue() -> None:
    result = lint(read_sources([BPMN]))
    assert [str(p) for p in result.problems] == []
    problems = check_catalogue(CATALOGUE, result.outlines, ROLES, complete=True)
    assert [str(p) for p in problems] == []


@pytest.fixture(scope="module")
def library(databases: Databases) -> Iterator[tuple[Engine, ManualClock]]:
    clock = ManualClock(START)
    with databases.engine(clock, LIBRARY) as engine:
        yield engine, clock


@pytest.mark.parametrize("item", ITEMS, ids=[item.code for item in ITEMS])
def test_happy_path(library: tuple[Engine, ManualClock], item: Item) -> None:
    engine, clock = library
    clock.set(START)
    start = {"item": item.process_data(), "via_proxy": item.proxy_allowed, "emergency": False}
    scenario = Scenario(start=start)
    if item.batch is not None:  # a yearly payout list (tests/api/test_api_batches.py)
        batch_scenario(engine.batches, item, START.year, scenario)
    trace = run(engine.cases, clock, item.process_id, scenario)
    case = trace.case
    assert case.status == "completed", [str(s) for s in trace.steps]
    tasks = trace.names("task")
    if item.batch is not None:
        assert tasks[0] == "Task_batch_compile" and tasks[-1] == "Task_batch_publish"
        assert "Task_batch_approval" in tasks and "batch_objection" in trace.names("message")
    elif item.type == "inspection":  # plan → inspect → order → re-inspect → close
        assert case.data["inspection_result"] == "rectified"
        assert tasks == [
            "Task_plan", "Task_inspect", "Task_order", "Task_reinspect", "Task_close_inspection",
        ]  # fmt: skip
    elif item.initiated_by == "staff":  # the general procedure, serious: reviewed, discussed
        assert case.data["enforcement_result"] == "closed"
        # the officers report it (普通程序), the leader files it
        assert tasks[:2] == ["Task_procedure", "Task_file"] and tasks[-1] == "Task_close"
        assert {"Task_legal_review", "Task_collective", "Task_serve"} <= set(tasks)
        # 90 calendar days from 立案 on 2026-09-24 (第六十条): 2026-12-23
        assert case.due_date == date(2026, 12, 23)
    else:
        assert case.data["intake_result"] == "accepted"
        assert ("Task_entrust" in tasks) == item.proxy_allowed
        # a county decision: T->C and C items, and an item the township decides up to an
        # amount when the case is over it (the sample answers say it is)
        over_limit = "county_over_limit" in item.special_steps
        county = item.county_decides or (over_limit and not item.on_the_spot)
        # one route per case: the department's officer's task, or its system's callback
        by_task = county and item.county_decision == "task"
        assert ("Task_county_decision" in tasks) == by_task
        assert ("county_decision" in trace.names("message")) == (county and not by_task)
        # a station (T->S) or the province after the county's first review (T->C->P)
        assert ("Task_station_decision" in tasks) == item.station_decides
        assert ("Task_province_decision" in tasks) == item.province_decides
        assert ("Task_backoffice_review" in tasks) == item.township_reviews
        assert case.data["rating"] == "satisfied"
        assert case.due_date is not None
    assert engine.audit.verify(case.id).ok
