"""Bounded engine work per state change: loops need a maximum, every change has a step
budget, and a case completes only by reaching an end event (issue 9, findings 2 and 3);
over HTTP: ``tests/api/test_api_engine_bounds.py``."""

from __future__ import annotations

import time
from typing import Any

import pytest

from engine import DefinitionError, Engine, EngineBounds, ManualClock, SourceFile, lint
from engine.definitions.compiler import CompiledProcess, compile_trees
from engine.errors import EngineStalled, EngineStepLimitExceeded, ScriptError
from engine.runtime.case import EventInput, start_case
from engine.xmlsafe import parse_xml
from tests.support.bounded_processes import START, cycle, document, loop, multi
from tests.support.driving import complete
from webapi.settings import ConfigError, Settings


def engine_with(url: str, clock: ManualClock, **bounds: int) -> Engine:
    return Engine(url, clock, bounds=EngineBounds(**bounds))


def cases_stored(engine: Engine) -> int:
    with engine.store.unit_of_work(write=False) as uow:
        return uow.cases.count()


# -- loops need a maximum ---------------------------------------------------------------


def test_a_standard_loop_needs_a_loop_maximum_within_the_cap() -> None:
    def problems(maximum: int | None, cap: int | None = 100) -> list[str]:
        found = lint([SourceFile("loop.bpmn", loop("p", maximum))], loop_maximum=cap)
        return [str(p) for p in found.problems]

    data = loop("p", None).decode()
    line = next(n for n, text in enumerate(data.splitlines(), 1) if 'Task id="Script_loop"' in text)
    assert problems(None) == [
        f"loop.bpmn:{line}: Script_loop: 标准循环必须设置 loopMaximum（1 至 100）"
    ]
    assert problems(101) == [f"loop.bpmn:{line}: Script_loop: loopMaximum 101 应在 1 至 100 之间"]
    assert problems(0) == [f"loop.bpmn:{line}: Script_loop: loopMaximum 0 应在 1 至 100 之间"]
    assert problems(100) == []
    assert problems(5, cap=4) and not problems(4, cap=4)


def test_deploy_applies_the_configured_loop_cap_and_old_versions_still_load(
    database_url: str, clock: ManualClock
) -> None:
    engine = engine_with(database_url, clock, loop_maximum=5)
    with pytest.raises(DefinitionError) as refused:
        engine.definitions.deploy([SourceFile("loop.bpmn", loop("looping", 6, first=None))])
    assert [p.message for p in refused.value.problems] == ["loopMaximum 6 应在 1 至 5 之间"]
    engine.definitions.deploy([SourceFile("loop.bpmn", loop("looping", 5, first=None))])
    engine.close()
    # The operator lowers the cap: the version deployed under the old one still runs.
    lower = engine_with(database_url, clock, loop_maximum=2)
    view = lower.cases.start("looping", {"n": 0})
    assert view.status == "completed" and view.data["n"] == 5
    lower.close()


# -- a step budget per state change -------------------------------------------------------


def test_a_runaway_loop_becomes_an_incident_and_the_case_stays_as_it_was(
    database_url: str, clock: ManualClock
) -> None:
    engine = engine_with(database_url, clock, max_steps=60, loop_maximum=10_000)
    engine.definitions.deploy(
        [
            SourceFile("big.bpmn", loop("loop_big", 10_000)),
            SourceFile("small.bpmn", loop("loop_small", 20)),
        ]
    )
    # Within the budget a loop runs to its maximum (two steps a turn: create, run).
    small = engine.cases.start("loop_small", {"n": 0})
    small = complete(engine, small, "Task_a", {"note": "好"})
    assert small.status == "completed" and small.data["n"] == 20

    view = engine.cases.start("loop_big", {"n": 0})
    before = engine.audit.replay(view.id)
    started = time.perf_counter()
    with pytest.raises(EngineStepLimitExceeded) as caught:
        complete(engine, view, "Task_a", {"note": "好"})
    assert time.perf_counter() - started < 30  # it answers (it used to spin for ever)
    assert caught.value.code == "engine_step_limit"
    assert isinstance(caught.value, ScriptError)  # the incident path of every script error
    assert "引擎步数上限（60 步）" in caught.value.message

    after = engine.cases.get(view.id)
    assert after.status == "open" and after.has_incident
    assert [t.id for t in after.tasks] == [t.id for t in view.tasks]  # still to be done
    assert after.version == view.version + 1  # the incident event, nothing else
    replayed = engine.audit.replay(view.id)
    assert replayed.digest == before.digest
    _, entries = engine.audit.history(view.id)
    incident = entries[-1].event
    assert incident.type == "incident"
    assert incident.payload["action"] == "task_completed"
    assert incident.payload["element_id"] == "Script_loop"
    assert incident.payload["code"] == "engine_step_limit"
    assert "引擎步数上限" in incident.payload["error"]
    assert engine.audit.verify(view.id).ok
    engine.close()


def test_a_cycle_without_a_wait_state_never_completes_a_case(
    database_url: str, clock: ManualClock
) -> None:
    engine = engine_with(database_url, clock, max_steps=100)
    engine.definitions.deploy(
        [
            SourceFile("cycle.bpmn", cycle("cycle")),
            SourceFile("later.bpmn", cycle("cycle_later", with_user_task=True)),
        ]
    )
    # At registration: refused, and no case is created.
    with pytest.raises(EngineStepLimitExceeded):
        engine.cases.start("cycle", {"n": 0})
    assert cases_stored(engine) == 0
    # Later in a case's life: an incident; the case stays open, verify agrees.
    view = engine.cases.start("cycle_later", {"n": 0})
    with pytest.raises(EngineStepLimitExceeded):
        complete(engine, view, "Task_a", {"note": "好"})
    after = engine.cases.get(view.id)
    assert after.status == "open" and after.has_incident
    assert engine.audit.verify(view.id).ok
    engine.close()


def test_spiffworkflows_task_tree_limit_is_an_incident_not_a_completion(
    database_url: str, clock: ManualClock
) -> None:
    """With a step budget above SpiffWorkflow's task-tree depth limit (1000 levels), the
    engine loses sight of the cycle's next task and SpiffWorkflow reports the workflow
    completed: the case was recorded ``completed`` with no end event reached."""
    engine = engine_with(database_url, clock, max_steps=5000)
    engine.definitions.deploy([SourceFile("deep.bpmn", cycle("deep", scripted=False))])
    with pytest.raises(EngineStalled) as caught:
        engine.cases.start("deep", {})
    assert caught.value.code == "engine_stalled"
    assert cases_stored(engine) == 0
    engine.close()


def test_an_element_named_like_an_internal_task_is_refused_and_never_completes(
    clock: ManualClock,
) -> None:
    """SpiffWorkflow names its own final task "End": an end event with that id is replaced
    by it, so the case ran to SpiffWorkflow's end without reaching a BPMN end event."""
    data = document(
        "renamed",
        START,
        '<bpmn:endEvent id="End"></bpmn:endEvent>',
        flows=[("Start_1", "End", None)],
    )
    problems = [str(p) for p in lint([SourceFile("renamed.bpmn", data)]).problems]
    assert problems == ["renamed.bpmn:6: End: id“End”与引擎内部任务重名，请改用其他 id"]
    # A version deployed before lint knew: an incident, not a completion.
    spec, subprocesses = compile_trees("renamed", {"renamed.bpmn": parse_xml(data)})
    compiled = CompiledProcess("renamed", "-", spec, subprocesses, {})
    event = EventInput(1, "case_started", clock.now(), {"data": {}})
    with pytest.raises(EngineStalled, match="未到达结束事件"):
        start_case(compiled, "case-uid", event)


def test_multi_instance_instances_are_charged_before_they_are_created(
    database_url: str, clock: ManualClock
) -> None:
    engine = engine_with(database_url, clock, max_steps=50)
    engine.definitions.deploy(
        [
            SourceFile("parallel.bpmn", multi("parallel", sequential=False)),
            SourceFile("sequential.bpmn", multi("sequential", sequential=True)),
        ]
    )
    view = engine.cases.start("parallel", {"count": 3})
    assert [t.spec_id for t in view.tasks] == ["Multi"] * 3
    done = engine.cases.start("sequential", {"count": 5, "total": 0})
    assert done.status == "completed" and done.data["total"] == 5

    started = time.perf_counter()
    with pytest.raises(EngineStepLimitExceeded) as caught:  # ten million user tasks
        engine.cases.start("parallel", {"count": 10_000_000})
    assert time.perf_counter() - started < 30
    assert caught.value.context["element_id"] == "Multi"
    with pytest.raises(EngineStepLimitExceeded):
        engine.cases.start("sequential", {"count": 1000, "total": 0})
    assert cases_stored(engine) == 2
    engine.close()


def test_the_same_bounds_apply_at_replay(database_url: str, clock: ManualClock) -> None:
    """Replay runs each change again under the bounds of the engine replaying it: the
    registry hands them out with every compiled process. Lowering the step budget below
    what a recorded change used makes verification fail loudly rather than differ."""
    engine = engine_with(database_url, clock, max_steps=100)
    engine.definitions.deploy([SourceFile("loop.bpmn", loop("looping", 30, first=None))])
    view = engine.cases.start("looping", {"n": 0})
    assert view.status == "completed" and view.data["n"] == 30
    assert engine.audit.verify(view.id).ok
    engine.close()
    lower = engine_with(database_url, clock, max_steps=40)
    report = lower.audit.verify(view.id)
    assert not report.ok and "引擎步数上限（40 步）" in report.problems[0].message
    lower.close()


# -- configuration --------------------------------------------------------------------------


def test_bounds_are_positive_integers() -> None:
    for bad in (0, -1, True, 1.5):
        with pytest.raises(ValueError):
            EngineBounds(max_steps=bad)  # type: ignore[arg-type]
    environ = {"DAIBAN_ENGINE_MAX_STEPS": "800", "DAIBAN_LOOP_MAXIMUM": "20"}
    assert Settings.from_environ(environ).bounds == EngineBounds(max_steps=800, loop_maximum=20)
    assert Settings.from_environ({}).bounds == EngineBounds()
    with pytest.raises(ConfigError, match="DAIBAN_ENGINE_MAX_STEPS"):
        Settings.from_environ({"DAIBAN_ENGINE_MAX_STEPS": "1e3"})


def test_daiban_lint_applies_the_configured_loop_cap(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from webapi.cli import main

    path = tmp_path / "loop.bpmn"
    path.write_bytes(loop("looping", 50))
    assert main(["lint", "--no-catalogue", str(path)]) == 0
    monkeypatch.setenv("DAIBAN_LOOP_MAXIMUM", "10")
    assert main(["lint", "--no-catalogue", str(path)]) == 1
    assert "loopMaximum 50 应在 1 至 10 之间" in capsys.readouterr().out
    monkeypatch.setenv("DAIBAN_LOOP_MAXIMUM", "ten")
    assert main(["lint", "--no-catalogue", str(path)]) == 2
    assert "配置错误：DAIBAN_LOOP_MAXIMUM 应为正整数" in capsys.readouterr().err
