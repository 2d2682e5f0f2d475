"""Loading, linting and deploying BPMN definitions."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import DefinitionError, Engine, SourceFile, lint, read_sources
from engine.definitions.catalogue_lint import check_catalogue
from processes.catalogue import Catalogue
from processes.org import ROLES
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


def _lane_variant(old: str, new: str) -> SourceFile:
    """sample_proxy_item with the village agents' lane element rewritten."""
    path = SAMPLE / "sample_proxy_item.bpmn"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    return SourceFile(str(path), text.replace(old, new).encode())


VILLAGE_LANE = (
    '<bpmn:lane id="Lane_village_agent" name="村（社区）代办员" daiban:role="village_agent">'
)
HANDOFF = read_sources([SAMPLE / "sample_county_handoff.bpmn"])


def test_a_lane_is_named_in_chinese_and_its_tasks_go_to_its_role() -> None:
    result = lint([*HANDOFF, _lane_variant(VILLAGE_LANE, VILLAGE_LANE)])
    assert (result.problems, result.warnings) == ([], [])
    outline = result.outlines["sample_proxy_item"]
    agents = next(lane for lane in outline.lane_roles if lane.lane_id == "Lane_village_agent")
    assert (agents.role, agents.name) == ("village_agent", "村（社区）代办员")
    assert outline.lanes["Task_intake"] == "village_agent"


def test_a_lane_without_its_role_is_an_error_with_line_and_element() -> None:
    source = _lane_variant(
        VILLAGE_LANE, '<bpmn:lane id="Lane_village_agent" name="村（社区）代办员">'
    )
    problems = [str(p) for p in lint([*HANDOFF, source]).problems]
    line = next(
        n
        for n, text in enumerate(source.data.decode().splitlines(), 1)
        if "村（社区）代办员" in text
    )
    assert f"{source.path}:{line}: Lane_village_agent: 泳道缺少 daiban:role" in "\n".join(problems)
    # and its user tasks belong to no role
    assert any("Task_intake: 用户任务必须位于泳道（角色）中" in p for p in problems)
    empty = _lane_variant(VILLAGE_LANE, VILLAGE_LANE.replace('"village_agent"', '" "'))
    assert any("daiban:role 为空" in p.message for p in lint([*HANDOFF, empty]).problems)


def test_an_unknown_role_is_an_error_of_the_catalogue_check() -> None:
    source = _lane_variant(VILLAGE_LANE, VILLAGE_LANE.replace('"village_agent"', '"village_boss"'))
    result = lint([*HANDOFF, source])
    assert result.problems == []  # a well-formed lane; whether its role exists is the org's
    problems = check_catalogue(Catalogue(), result.outlines, ROLES, complete=False)
    line = next(
        n for n, text in enumerate(source.data.decode().splitlines(), 1) if "village_boss" in text
    )
    assert [str(p) for p in problems] == [
        f"{source.path}:{line}: Lane_village_agent: 泳道“村（社区）代办员”的角色“village_boss”不是已知角色"
    ]


def test_an_old_lane_named_with_its_role_code_is_read_with_a_warning(engine: Engine) -> None:
    old = '<bpmn:lane id="Lane_village_agent" name="village_agent">'
    source = _lane_variant(VILLAGE_LANE, old)
    result = lint([*HANDOFF, source])
    assert result.problems == []
    [warning] = result.warnings
    assert (warning.element_id, warning.code) == ("Lane_village_agent", "legacy_lane")
    assert 'daiban:role="village_agent"' in warning.message
    assert result.outlines["sample_proxy_item"].lanes["Task_intake"] == "village_agent"
    # a version deployed before lanes had daiban:role still routes its tasks by role code
    engine.definitions.deploy([*HANDOFF, source])
    assert [t.lane for t in start_sample(engine).tasks] == ["village_agent"]


def test_deploy_is_idempotent_and_versions_are_immutable(engine: Engine, tmp_path: Path) -> None:
    first = {d.process_id: d for d in engine.definitions.deploy(read_sources([SAMPLE]))}
    assert {d.version for d in first.values()} == {1}
    again = engine.definitions.deploy(read_sources([SAMPLE]))
    assert all(not d.created for d in again)

    # A case started on version 1 ...
    view = start_sample(engine)
    # ... then the township review form changes: the item gets version 2.
    changed = _renamed_review(tmp_path)
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


def _renamed_review(tmp_path: Path) -> Path:
    """The sample with its township review renamed: a new version of the item."""
    changed = tmp_path / "bpmn"
    changed.mkdir()
    for source in SAMPLE.glob("*.bpmn"):
        text = source.read_text(encoding="utf-8")
        text = text.replace('name="乡镇审核"', 'name="乡镇审核（新版）"')
        (changed / source.name).write_text(text, encoding="utf-8")
    return changed


def test_a_version_deployed_by_another_server_is_the_one_new_cases_start_on(
    engine: Engine, tmp_path: Path
) -> None:
    """A server keeps the newest version it read, and each start confirms it in its own
    transaction: a version another server deployed since is used at once."""
    engine.definitions.deploy(read_sources([SAMPLE]))
    first = start_sample(engine)  # this server now holds version 1 as the newest
    other = Engine(engine.store.url, engine.clock, migrate=False)
    try:
        [deployed] = [
            d
            for d in other.definitions.deploy(read_sources([_renamed_review(tmp_path)]))
            if d.process_id == "sample_proxy_item"
        ]
    finally:
        other.close()
    assert deployed.version == 2 and deployed.hash != first.definition_hash
    fresh = start_sample(engine)
    assert fresh.definition_hash == deployed.hash
    fresh = complete(engine, fresh, "Task_intake", INTAKE)
    fresh = complete(engine, fresh, "Task_handover", {"handover_count": 1})
    assert [t.name for t in fresh.tasks] == ["乡镇审核（新版）"]
    with engine.store.unit_of_work(write=False) as uow:  # the first start left nothing
        assert uow.cases.count() == 2


def test_deploy_refuses_a_bad_file_and_keeps_nothing(engine: Engine) -> None:
    with pytest.raises(DefinitionError) as caught:
        engine.definitions.deploy(read_sources([SAMPLE, DATA / "several_errors.bpmn"]))
    assert len(caught.value.problems) >= 5
    with engine.store.unit_of_work(write=False) as uow:
        assert uow.definitions.versions() == []
