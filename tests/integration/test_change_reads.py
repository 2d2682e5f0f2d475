"""What one change of a case reads before it writes. A case this process changed last
(kept in its live cache with its row and open tasks): nothing, the row's update guarded by
the kept version proving them current; else its row and its open tasks once each (their
holders and due times serve both the new rows and the update of the index). A case
starting reads no tasks (it has none). A kept case that another process changed since is
found out by the guard, and the command is made again from a fresh read."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import event

from engine import Actor, Engine, ManualClock
from engine.cases.cache import LiveCache
from engine.cases.views import CaseView
from engine.errors import ConflictError, EngineError, SeparationOfDuties, StaleVersion
from engine.records import CaseRecord, OpenTasks
from engine.runtime.case import ReadyTask
from engine.simulate import Scenario, run
from tests.support.databases import START, Databases
from tests.support.driving import INTAKE, complete, start_sample, task_of
from tests.support.paths import LIBRARY
from tests.support.shipped import shipped_catalogue

STEPS = [
    ("Task_intake", INTAKE, "agent.zhang"),
    ("Task_handover", {"handover_count": 3}, "agent.zhang"),
    ("Task_township_review", {"decision": "approve"}, "window.wang"),
    (
        "Task_handover_to_county",
        {"county_department": "县民政局", "handover_items": 3},
        "window.wang",
    ),
]


@contextmanager
def watching(engine: Engine) -> Iterator[list[str]]:
    """The SELECTs on the case rows and the task index that the engine's writing
    transactions run ("cases" or "ready_tasks", the table read)."""
    found: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith("SELECT"):
            return
        table = re.search(r"\bFROM\s+(\w+)", statement)
        if table is not None and table[1] in ("cases", "ready_tasks"):
            found.append(table[1])

    target = engine.store._write_engine
    event.listen(target, "before_cursor_execute", seen)
    try:
        yield found
    finally:
        event.remove(target, "before_cursor_execute", seen)


@pytest.fixture
def reads(sample: Engine) -> Iterator[list[str]]:
    with watching(sample) as found:
        yield found


def test_a_change_of_a_kept_case_reads_neither_its_row_nor_its_tasks(
    sample: Engine, reads: list[str]
) -> None:
    view = start_sample(sample)
    assert reads == []
    view = sample.cases.claim(view.id, task_of(view, "Task_intake"), Actor("agent.zhang"))
    assert reads == []
    assert [t.claimed_by for t in sample.cases.task_index(view.id)] == ["agent.zhang"]
    _kept_as_read(sample, view.id)  # the task claimed: open since the start, held now
    for spec_id, data, user in STEPS:
        reads.clear()  # on PostgreSQL reads and writes share one engine: the checks' reads
        view = complete(sample, view, spec_id, data, user)
        assert reads == [], spec_id
        _kept_as_read(sample, view.id)
    assert view.tasks == []  # the shared activity of the last task has ended
    assert sample.audit.verify(view.id).ok


def test_a_stale_expected_version_leaves_the_kept_case_kept(
    sample: Engine, reads: list[str]
) -> None:
    """Refused for a version the caller expected and the case has left, a command takes
    nothing from what is kept: the next change still reads nothing."""
    view = start_sample(sample)
    view = complete(sample, view, *STEPS[0])
    with pytest.raises(ConflictError) as stale:
        sample.cases.complete_task(
            view.id,
            task_of(view, "Task_handover"),
            {"handover_count": 3},
            Actor("agent.zhang"),
            expected_version=view.version - 1,
        )
    assert isinstance(stale.value, StaleVersion)
    reads.clear()
    complete(sample, view, *STEPS[1])
    assert reads == []


def test_a_change_read_afresh_reads_the_row_and_the_open_tasks_once(
    sample: Engine, reads: list[str]
) -> None:
    """What the completed task was (for the notices and the payout lists that watch
    completions) is taken from the workflow, which keeps the tasks it has run, those of
    a shared activity that has ended included; the index is not read again for it."""
    view = start_sample(sample)
    sample.cases.cache.clear()
    view = sample.cases.claim(view.id, task_of(view, "Task_intake"), Actor("agent.zhang"))
    assert sorted(reads) == ["cases", "ready_tasks"]
    for spec_id, data, user in STEPS:
        sample.cases.cache.clear()
        reads.clear()
        view = complete(sample, view, spec_id, data, user)
        assert sorted(reads) == ["cases", "ready_tasks"], spec_id
    assert view.tasks == []
    assert sample.audit.verify(view.id).ok


@pytest.fixture
def other(sample: Engine, database_url: str, clock: ManualClock) -> Iterator[Engine]:
    """A second engine on the same database: another server process, with a cache of its
    own."""
    engine = Engine(database_url, clock, migrate=False)
    yield engine
    engine.close()


def _events(engine: Engine, case_id: int) -> list[tuple[int, str]]:
    return [(entry.event.seq, entry.event.type) for entry in engine.audit.history(case_id)[1]]


def test_a_kept_case_changed_elsewhere_is_read_again_and_the_command_made(
    sample: Engine, other: Engine
) -> None:
    """Kept at the intake, the case moves on in another process: the next step, not
    ready in the kept workflow, is found out of date by its refusal and made on the case
    as it is."""
    view = start_sample(sample)
    view = complete(sample, view, *STEPS[0])
    moved = complete(other, view, *STEPS[1])
    done = complete(sample, moved, *STEPS[2])
    assert done.version == moved.version + 1
    assert [t for _, t in _events(sample, view.id)][-3:] == ["task_completed"] * 3
    assert sample.audit.verify(view.id).ok


def test_a_kept_case_that_would_repeat_a_step_done_elsewhere_is_refused_as_read_afresh(
    sample: Engine, other: Engine
) -> None:
    """The kept workflow still has the step ready, another process completed it: the
    guard stops the write, and the command made again on the case as it is gets the
    answer a fresh read gives (the step is no longer ready), not a conflict."""
    view = start_sample(sample)
    view = complete(sample, view, *STEPS[0])
    complete(other, view, *STEPS[1])
    before = _events(sample, view.id)
    with pytest.raises(EngineError) as kept:
        complete(sample, view, *STEPS[1])
    sample.cases.cache.clear()
    with pytest.raises(EngineError) as fresh:
        complete(sample, view, *STEPS[1])
    assert kept.value.message == "任务已办理或已不可办理"  # not the guard's conflict
    assert (kept.value.code, kept.value.message) == (fresh.value.code, fresh.value.message)
    assert _events(sample, view.id) == before
    assert sample.audit.verify(view.id).ok


def test_a_kept_case_changed_elsewhere_is_stale_for_the_version_it_was_read_at(
    sample: Engine, other: Engine
) -> None:
    view = start_sample(sample)
    view = complete(sample, view, *STEPS[0])
    other.cases.cancel(view.id, "撤回", Actor("agent.zhang"))
    before = _events(sample, view.id)
    with pytest.raises(ConflictError):
        sample.cases.complete_task(
            view.id,
            task_of(view, "Task_handover"),
            {"handover_count": 3},
            Actor("agent.zhang"),
            expected_version=view.version,
        )
    assert _events(sample, view.id) == before


def test_a_change_from_the_row_the_caller_read_reads_only_the_open_tasks(
    sample: Engine, other: Engine
) -> None:
    """A request reads the task and its case first (who may act on it): that row is the
    change's starting point in a process that kept nothing of the case."""
    view = start_sample(sample)
    task_id = task_of(view, "Task_intake")
    _, seen = other.cases.task_with_case(task_id)
    with watching(other) as reads:
        other.cases.complete_task(view.id, task_id, INTAKE, Actor("agent.zhang"), seen=seen)
    assert reads == ["ready_tasks"]
    assert other.audit.verify(view.id).ok


def test_a_row_read_before_another_change_is_read_again(sample: Engine, other: Engine) -> None:
    """The row the caller read is checked, not trusted: a change in between (here a
    claim by someone else) is found by the guard and the command decided on the case as
    it is (the task is now someone else's)."""
    view = start_sample(sample)
    task_id = task_of(view, "Task_intake")
    _, seen = other.cases.task_with_case(task_id)
    sample.cases.claim(view.id, task_id, Actor("agent.li"))
    before = _events(sample, view.id)
    with pytest.raises(EngineError) as refused:
        other.cases.claim(view.id, task_id, Actor("agent.zhang"), seen=seen)
    with pytest.raises(EngineError) as fresh:
        other.cases.claim(view.id, task_id, Actor("agent.zhang"))
    assert (refused.value.code, refused.value.message) == (fresh.value.code, fresh.value.message)
    assert refused.value.message == "任务已由 agent.li 认领"
    assert _events(sample, view.id) == before
    done = other.cases.release(view.id, task_id, Actor("agent.li"), seen=seen)
    assert done.version == seen.version + 2
    assert other.audit.verify(view.id).ok


def _kept_as_read(engine: Engine, case_id: int) -> None:
    """The row and open tasks the engine keeps of the case are those a read gives."""
    kept = engine.cases.cache.take_any(case_id)
    assert kept is not None and kept.tasks is not None
    _as_read(engine, kept.record, kept.tasks)
    engine.cases.cache.put(kept.record, kept.live, kept.tasks)


def _as_read(engine: Engine, record: CaseRecord, tasks: OpenTasks | None) -> None:
    """The row and open tasks a change kept are those a read gives, to the time zone."""
    with engine.store.unit_of_work(write=False) as uow:
        read = uow.cases.get(record.id)
        read_tasks = uow.tasks.open_states(record.id)
    for column in fields(CaseRecord):
        kept_value, read_value = getattr(record, column.name), getattr(read, column.name)
        assert kept_value == read_value, column.name
        if isinstance(kept_value, datetime):
            assert kept_value.utcoffset() == read_value.utcoffset(), column.name
    if tasks is not None:
        assert dict(tasks) == dict(read_tasks)
        assert tasks.keys_of == read_tasks.keys_of
        assert tasks.opened_seq == read_tasks.opened_seq


def test_every_item_keeps_its_case_as_a_read_would_find_it(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every catalogue item walked to completion (call activities, messages, timers,
    county decisions), each task claimed before it is completed (so it stays open across
    a change): after every change the row and open tasks kept with the workflow equal
    what reading them gives."""
    clock = ManualClock(START)
    kept = LiveCache.put
    checked: dict[str, int] = {"rows": 0, "tasks": 0, "claims": 0}

    with databases.engine(clock, LIBRARY) as engine:

        def put(cache: LiveCache, record: CaseRecord, live: Any, tasks: Any = None) -> None:
            _as_read(engine, record, tasks)
            checked["rows"] += 1
            checked["tasks"] += tasks is not None
            kept(cache, record, live, tasks)

        def claim(view: CaseView, task: ReadyTask) -> None:
            try:
                engine.cases.claim(view.id, task.id, Actor("simulator"))
                checked["claims"] += 1
            except SeparationOfDuties:
                pass  # the simulator completed the step it is paired with

        monkeypatch.setattr(LiveCache, "put", put)
        for item in sorted(shipped_catalogue(), key=lambda item: item.code):
            if item.batch is not None:
                continue  # a yearly payout list needs its batch
            clock.set(START)
            start = {
                "item": item.process_data(),
                "via_proxy": item.proxy_allowed,
                "emergency": False,
            }
            claiming = Scenario(start=start, prepare=claim)
            trace = run(engine.cases, clock, item.process_id, claiming)
            assert trace.case.status == "completed", item.code
    assert checked["tasks"] > 1000 and checked["claims"] > 500, checked


def test_a_task_and_its_case_are_read_by_one_statement(sample: Engine) -> None:
    """What a request about one task reads first (who may act on it, in which case)."""
    view = start_sample(sample)
    task_id = task_of(view, "Task_intake")
    with sample.store.unit_of_work(write=False) as uow:
        apart = uow.tasks.get(task_id), uow.cases.get(view.id)
        together = uow.tasks.with_case(task_id)
        assert uow.tasks.with_case("no-such-task") is None
    assert together == apart
    assert sample.cases.task_with_case(task_id) == apart
