"""Claim (认领), release and assign: who holds a task is part of the case's history."""

from __future__ import annotations

import pytest

from engine import Actor, ConflictError, Engine
from tests.support.driving import INTAKE, start_sample, task_of


def test_only_the_claimant_completes_a_claimed_task(sample: Engine) -> None:
    view = start_sample(sample)
    task = task_of(view, "Task_intake")
    view = sample.cases.claim(view.id, task, Actor("agent.zhang"))
    assert [t.claimed_by for t in sample.cases.task_index(view.id)] == ["agent.zhang"]
    with pytest.raises(ConflictError, match="认领"):
        sample.cases.claim(view.id, task, Actor("agent.li"))
    with pytest.raises(ConflictError, match="只有认领人"):
        sample.cases.complete_task(view.id, task, INTAKE, Actor("agent.li"))
    with pytest.raises(ConflictError):
        sample.cases.release(view.id, task, Actor("agent.li"))
    view = sample.cases.complete_task(view.id, task, INTAKE, Actor("agent.zhang"))
    assert [t.claimed_by for t in sample.cases.task_index(view.id)] == [None]


def test_release_and_assign(sample: Engine) -> None:
    view = start_sample(sample)
    task = task_of(view, "Task_intake")
    sample.cases.claim(view.id, task, Actor("agent.zhang"))
    sample.cases.release(view.id, task, Actor("agent.zhang"))
    assert [t.claimed_by for t in sample.cases.task_index(view.id)] == [None]
    view = sample.cases.assign(view.id, task, "agent.li", Actor("leader.chen"))
    assert [t.claimed_by for t in sample.cases.task_index(view.id)] == ["agent.li"]
    sample.cases.complete_task(view.id, task, INTAKE, Actor("agent.li"))


def test_who_held_what_is_replayed(sample: Engine) -> None:
    view = start_sample(sample)
    task = task_of(view, "Task_intake")
    sample.cases.claim(view.id, task, Actor("agent.zhang"))
    sample.cases.assign(view.id, task, "agent.li", Actor("leader.chen"))
    view = sample.cases.complete_task(view.id, task, INTAKE, Actor("agent.li"))
    assert sample.audit.replay(view.id, at=2).state["claims"] == {task: "agent.zhang"}
    assert sample.audit.replay(view.id, at=3).state["claims"] == {task: "agent.li"}
    assert sample.audit.replay(view.id).state["claims"] == {}
    report = sample.audit.verify(view.id)
    assert report.ok and report.events == 4


def test_claiming_a_closed_task_conflicts(sample: Engine) -> None:
    view = start_sample(sample)
    task = task_of(view, "Task_intake")
    sample.cases.complete_task(view.id, task, INTAKE)
    with pytest.raises(ConflictError):
        sample.cases.claim(view.id, task, Actor("agent.zhang"))
