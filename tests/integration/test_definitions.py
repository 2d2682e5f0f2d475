"""Loading, linting and deploying BPMN definitions."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import DefinitionError, Engine, SourceFile, lint, read_sources
from tests.support.driving import INTAKE, complete, start_sample
from tests.support.paths import DATA, SAMPLE


def _problems(name: str) -> list[str]:
    return [str(p) for p in lint(read_sources([DATA / name])).problems]


def test_sample_processes_lint_clean() -> None:
    result = lint(read_sources([SAMPLE]))
    assert result.problems == []
    assert set(result.outlines) == {"sample_proxy_item", "sample_county_handoff"}
    assert result.outlines["sample_proxy_item"].calls.keys() == {"sample_county_handoff"}


def test_lint_lists_every_problem_with_line_and_element() -> None:
    path = str(DATA / "several_errors.bpmn")
    problems = _problems("several_errors.bpmn")
    expected = [
        f"{path}:14: Task_no_lane: 用户任务必须位于泳道（角色）中",
        f"{path}:21: Task_in_lane: 表单字段“amount”的类型“money”未知",
        f"{path}:31: Script_bad: ",  # import (line 2 of the script)
        f"{path}:32: Script_bad: ",  # dunder attribute (line 3 of the script)
        f"{path}:46: Flow_dangling: targetRef“Nowhere”不是本流程中的节点",
        f"{path}:34: Call_missing: 调用的流程“no_such_process”不存在",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)
    assert len(problems) >= len(expected)


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("entity_bomb.bpmn", "不允许 DOCTYPE"),
        ("external_entity.bpmn", "不允许 DOCTYPE"),
        ("malformed.bpmn", "XML 格式错误"),
    ],
)
def test_hostile_or_broken_xml_is_reported_not_expanded(name: str, needle: str) -> None:
    problems = _problems(name)
    assert len(problems) == 1
    assert needle in problems[0]
    assert "root:" not in problems[0]  # /etc/passwd was not read


def test_malformed_xml_names_the_line() -> None:
    (problem,) = lint(read_sources([DATA / "malformed.bpmn"])).problems
    assert problem.line == 4


def test_oversized_file_is_refused() -> None:
    big = SourceFile("big.bpmn", b"<a>" + b" " * (5 * 1024 * 1024) + b"</a>")
    (problem,) = lint([big]).problems
    assert "文件过大" in problem.message


def test_script_escape_is_a_lint_error_and_never_runs(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    problems = _problems("script_escape.bpmn")
    assert any("Script_escape" in p for p in problems)
    assert any("Flow_4" in p for p in problems)
    with pytest.raises(DefinitionError):
        engine.definitions.deploy(read_sources([DATA / "script_escape.bpmn"]))
    assert not (tmp_path / "SENTINEL").exists()


def test_missing_file_for_call_activity_is_reported() -> None:
    problems = lint(read_sources([SAMPLE / "sample_proxy_item.bpmn"])).problems
    assert [p.element_id for p in problems] == ["Call_county_handoff"]


def test_deploy_is_idempotent_and_versions_are_immutable(engine: Engine, tmp_path: Path) -> None:
    first = {d.process_id: d for d in engine.definitions.deploy(read_sources([SAMPLE]))}
    assert {d.version for d in first.values()} == {1}
    again = engine.definitions.deploy(read_sources([SAMPLE]))
    assert all(not d.created for d in again)

    # A case started on version 1 ...
    view = start_sample(engine)
    # ... then the township review form changes: the item gets version 2.
    changed = tmp_path / "bpmn"
    changed.mkdir()
    for source in SAMPLE.glob("*.bpmn"):
        text = source.read_text(encoding="utf-8")
        text = text.replace('name="乡镇审核"', 'name="乡镇审核（新版）"')
        (changed / source.name).write_text(text, encoding="utf-8")
    second = {d.process_id: d for d in engine.definitions.deploy(read_sources([changed]))}
    assert second["sample_proxy_item"].version == 2
    assert second["sample_county_handoff"].created is False
    assert second["sample_proxy_item"].hash != first["sample_proxy_item"].hash

    # The running case stays on version 1; a new case runs on version 2.
    view = complete(engine, view, "Task_intake", INTAKE)
    view = complete(engine, view, "Task_handover", {"handover_count": 1})
    assert view.definition_hash == first["sample_proxy_item"].hash
    assert [t.name for t in view.tasks] == ["乡镇审核"]
    fresh = start_sample(engine)
    fresh = complete(engine, fresh, "Task_intake", INTAKE)
    fresh = complete(engine, fresh, "Task_handover", {"handover_count": 1})
    assert [t.name for t in fresh.tasks] == ["乡镇审核（新版）"]


def test_deploy_refuses_a_bad_file_and_keeps_nothing(engine: Engine) -> None:
    with pytest.raises(DefinitionError) as caught:
        engine.definitions.deploy(read_sources([SAMPLE, DATA / "several_errors.bpmn"]))
    assert len(caught.value.problems) >= 5
    with engine.store.unit_of_work(write=False) as uow:
        assert uow.definitions.versions() == []
