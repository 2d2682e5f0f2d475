"""Verification computes the same state digests as before, at a cost per event that does
not grow with the length of the case (issue 16).

The digest of a replayed state is assembled from cached per-task fragments
(``engine.runtime.snapshot.StateDigests``) and the ready tasks are found from the task
tables (``engine.runtime.walks``); both must agree with the full serialisation and with
SpiffWorkflow's own task iterator, digest for digest, on every catalogue item."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from SpiffWorkflow.bpmn.serializer.helpers.registry import DefaultRegistry

from engine import Actor, Engine, ManualClock, read_sources
from engine.clock import SHANGHAI
from engine.runtime import walks
from engine.runtime.case import EventInput, LiveCase, apply_event, start_case
from engine.runtime.snapshot import (
    PlainValues,
    pack,
    serializer_with,
    state_digest,
    unpack,
    workflow_to_dict,
)
from engine.simulate import Scenario, run
from tests.support.databases import START, Databases
from tests.support.paths import DATA, LIBRARY
from tests.support.shipped import shipped_catalogue

LOOP = DATA / "loop.bpmn"  # 修改材料 → 再改？ → back to 修改材料 or the end

# The states of a loop case with uid ``PINNED_UID``: started, then three rounds of
# claim + complete (the last one answers "no more"), as the digests were recorded
# before the digest was assembled from cached fragments.
PINNED_UID = "00000000-0000-4000-8000-000000000016"
PINNED = [
    "3821d859cadf5864916156c4cbc2508551ee459cf3a9e8806e2abd0590fb289a",
    "4bdc47f405564208fdcdc5d6ee94332459a6c91309a949f08a93fe2e1931dd6a",
    "60b3d5e048bb7d1fe704685bdf1c30244757298a056625d238db12072d1c4a1a",
    "71a08d2544d4abbaead3b9efd3054aed974e3844e864aa59b2253689fbb2b60c",
    "b577e74cb08e0d08cf74af7a4e7c0c89e89cf2263f20badab2073debb04f0360",
    "cc91c46b743bb713a818fa7c88fa6dd44533d549476034487cd7306e146e6a52",
    "7d8be8ad29e2caea30679d1a1c44a074dcabad5f49c611ef0bfe18ec418bbf2a",
]


def test_the_digest_of_a_known_state_is_unchanged(engine: Engine) -> None:
    engine.definitions.deploy(read_sources([LOOP]))
    view = engine.cases.start("loop", {}, Actor("tester"))
    compiled = engine.definitions.compiled(view.definition_hash)
    at = datetime(2026, 9, 24, 9, 0, tzinfo=SHANGHAI)
    started = EventInput(1, "case_started", at, {"data": {"applicant": "张三"}})
    live = start_case(compiled, PINNED_UID, started)
    found = [(live.digest(), state_digest(live.state()))]
    seq = 1
    for round_ in range(3):
        task = live.ready_tasks()[0].id
        for kind, payload in (
            ("task_claimed", {"task_id": task}),
            ("task_completed", {"task_id": task, "data": {"again": round_ < 2, "note": "改"}}),
        ):
            seq += 1
            if kind == "task_completed":
                payload["data"]["note"] = f"第{round_}次"
            event = EventInput(seq, kind, at + timedelta(minutes=seq), payload, "tester")
            apply_event(live, PINNED_UID, event)
            found.append((live.digest(), state_digest(live.state())))
    assert live.status == "completed"
    assert [cached for cached, _ in found] == PINNED
    assert [full for _, full in found] == PINNED


@pytest.fixture(scope="module")
def library(databases: Databases) -> Iterator[tuple[Engine, ManualClock]]:
    clock = ManualClock(START)
    with databases.engine(clock, LIBRARY) as engine:
        yield engine, clock


def test_every_item_replays_to_its_recorded_digests_through_the_caches(
    library: tuple[Engine, ManualClock], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every catalogue item walked to completion (call activities, messages, county
    decisions, batches of cases): after each replayed event the cached digest equals the
    recorded one and the full serialisation's, the serialisation equals what
    SpiffWorkflow's own registry makes of the workflow (``PlainValues`` converts plain
    values itself), every ready-task list the engine was given equals the one
    SpiffWorkflow's iterator gives, and the state restored from its stored snapshot
    (ids parsed once, data copied without ``DeepMerge``) is the workflow SpiffWorkflow's
    own converters restore."""
    engine, clock = library
    ours, spiffs = serializer_with(PlainValues()), serializer_with(DefaultRegistry())
    reference = serializer_with(DefaultRegistry(), spiffs_tasks=True)
    compared = {"lists": 0, "several": 0}
    fast = walks._get_tasks

    def checked(workflow: Any, top: Any, original: Any, first_task: Any = None, **kw: Any) -> Any:
        answer = fast(workflow, top, original, first_task, **kw)
        assert [t.id for t in answer] == [t.id for t in original(first_task, **kw)]
        compared["lists"] += 1
        compared["several"] += len(answer) > 1
        return answer

    monkeypatch.setattr(walks, "_get_tasks", checked)
    events = 0
    for item in sorted(shipped_catalogue(), key=lambda item: item.code):
        if item.batch is not None:
            continue  # a yearly payout list needs its batch (tests/integration/test_items.py)
        clock.set(START)
        start = {"item": item.process_data(), "via_proxy": item.proxy_allowed, "emergency": False}
        trace = run(engine.cases, clock, item.process_id, Scenario(start=start))
        assert trace.case.status == "completed", item.code
        record, history = engine.audit._history(trace.case.id)
        for live, event in engine.audit._apply_all(record, history):
            assert live.digest() == event.state_digest, (item.code, event.seq)
            assert state_digest(live.state()) == event.state_digest, (item.code, event.seq)
            assert ours.to_dict(live.workflow) == spiffs.to_dict(live.workflow), item.code
            _assert_restored_alike(live, reference, spiffs)
            events += 1
        assert engine.audit.verify(trace.case.id).ok
    assert events > 1000
    assert compared["lists"] > events and compared["several"] > 0


def _assert_restored_alike(live: LiveCase, reference: Any, spiffs: Any) -> None:
    """The case's state, stored and restored as a change restores it, is the workflow
    SpiffWorkflow's own converters restore from the same snapshot: every task (id,
    parent, children, state, data, internal data), every subprocess, the tasks waiting
    for an event, the ready tasks and the digest; and a task's data shares with its
    parent's exactly what SpiffWorkflow's copy shares (its immutable values)."""
    stored, compiled = pack(live.state()), live.compiled
    restored = LiveCase.from_state(unpack(stored), compiled)
    expected = reference.from_dict(  # (a restore consumes its dict: unpacked again)
        unpack(stored)["workflow"], spec=compiled.spec, subprocess_specs=compiled.subprocess_specs
    )
    got = restored.workflow
    assert spiffs.to_dict(got) == spiffs.to_dict(expected)
    assert workflow_to_dict(got) == workflow_to_dict(live.workflow)
    assert got.subprocesses.keys() == expected.subprocesses.keys()
    pairs = [(got, expected)] + [
        (got.subprocesses[k], expected.subprocesses[k]) for k in got.subprocesses
    ]
    for mine, theirs in pairs:
        assert mine.tasks.keys() == theirs.tasks.keys()
        for key, task in mine.tasks.items():
            other = theirs.tasks[key]
            assert (task.id, task._parent, task._children, task.state, task.triggered) == (
                other.id,
                other._parent,
                other._children,
                other.state,
                other.triggered,
            )
            assert (task.data, task.internal_data) == (other.data, other.internal_data)
            assert _shared_with_parent(task) == _shared_with_parent(other)
    assert got.event_manager.tasks.keys() == expected.event_manager.tasks.keys()
    assert restored.ready_tasks() == live.ready_tasks()
    assert restored.digest() == live.digest()


def _shared_with_parent(task: Any) -> set[str]:
    """The keys of a task's data whose values are its parent's objects, not copies."""
    parent = task.parent
    if parent is None:
        return set()
    return {key for key, value in task.data.items() if parent.data.get(key) is value}


def _loop_case(engine: Engine, rounds: int) -> int:
    """A loop case: started, then ``rounds`` times claimed and completed (2 events each)."""
    view = engine.cases.start("loop", {}, Actor("tester"))
    for round_ in range(rounds):
        view = engine.cases.claim(view.id, view.tasks[0].id, Actor("tester"))
        data = {"again": round_ < rounds - 1, "note": f"第{round_}次修改"}
        view = engine.cases.complete_task(view.id, view.tasks[0].id, data, Actor("tester"))
    assert view.status == "completed"
    return view.id


def _cpu_per_event(engine: Engine, case_id: int) -> float:
    """The least CPU time per event of three verifications of the case."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        report = engine.audit.verify(case_id)
        best = min(best, (time.process_time() - started) / report.events)
        assert report.ok, str(report)
    return best


def test_verify_time_per_event_does_not_grow_with_case_length(engine: Engine) -> None:
    """Issue 16: 500 events of a looping case cost at most twice as much per event to
    verify as 50 (before: 6.3 times as much, every event re-serialised the whole tree)."""
    engine.definitions.deploy(read_sources([LOOP]))
    short, long = _loop_case(engine, 25), _loop_case(engine, 250)  # 51 and 501 events
    _cpu_per_event(engine, short)  # warm the definition cache
    per_short, per_long = _cpu_per_event(engine, short), _cpu_per_event(engine, long)
    assert per_long < 2 * per_short, f"{per_long * 1e3:.2f} vs {per_short * 1e3:.2f} ms/event"
