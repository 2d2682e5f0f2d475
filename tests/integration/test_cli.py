"""The daiban command line: exit codes and output people and scripts rely on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import Engine, ManualClock
from processes.catalogue import Item
from tests.support.databases import START, Databases
from tests.support.paths import DATA, LIBRARY, ROOT, SAMPLE
from tests.support.shipped import demo_org, shipped_catalogue
from webapi.cli import main

ITEMS = sorted(shipped_catalogue(), key=lambda item: item.code)
QINGSI = "511725201"  # 青丝乡


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_lint_clean_and_dirty(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "lint", str(SAMPLE))
    assert (code, out, err.strip()) == (0, "", "2 个文件，0 个问题")
    code, out, err = run(capsys, "lint", str(DATA / "several_errors.bpmn"))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) >= 6
    for line in lines:
        path, lineno, element, message = line.split(":", 3)
        assert path.endswith("several_errors.bpmn")
        assert lineno.isdigit() and element.strip() and message.strip()
    assert err.strip() == f"1 个文件，{len(lines)} 个问题"


def test_lint_warns_of_an_old_lane_and_passes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A lane named with its role code (before ``daiban:role``) is read, with a warning."""
    for source in SAMPLE.glob("*.bpmn"):
        text = source.read_text(encoding="utf-8")
        text = text.replace(
            'name="村（社区）代办员" daiban:role="village_agent"', 'name="village_agent"'
        )
        (tmp_path / source.name).write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "lint", "--no-catalogue", str(tmp_path))
    assert code == 0
    [line] = out.splitlines()
    assert line.startswith(f"{tmp_path / 'sample_proxy_item.bpmn'}:8: Lane_village_agent: 警告：")
    assert err.strip() == "2 个文件，0 个问题，1 个警告"


def test_lint_hostile_file_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "lint", str(DATA / "entity_bomb.bpmn"), str(DATA / "external_entity.bpmn")
    )
    assert code == 1
    assert out.count("不允许 DOCTYPE") == 2
    assert "Traceback" not in out + err


def test_missing_file_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "lint", str(tmp_path / "nope.bpmn"))
    assert code == 2
    assert "nope.bpmn" in err and "Traceback" not in err


def test_walk_a_case_from_the_command_line(
    capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    db = ["--database-url", database_url]
    assert run(capsys, *db, "deploy", str(SAMPLE))[0] == 0
    code, out, _ = run(
        capsys,
        *db,
        "--user",
        "agent.zhang",
        "start",
        "sample_proxy_item",
        "--data",
        '{"submitted_on": "2026-11-27"}',
    )
    assert code == 0 and "Task_intake" in out
    task_id = next(line.split()[1] for line in out.splitlines() if "Task_intake" in line)
    code, _, err = run(capsys, *db, "complete", "1", task_id, "--data", '{"materials": "maybe"}')
    assert code == 2
    assert "applicant_name: 必填" in err and "materials:" in err
    data = {
        "applicant_name": "李秀英",
        "applicant_id": "11010519491231002X",
        "materials": "complete",
    }
    code, out, _ = run(
        capsys, *db, "complete", "1", task_id, "--data", json.dumps(data, ensure_ascii=False)
    )
    assert code == 0 and "Task_handover" in out
    assert "状态 在办（open）" in out and "岗位 村代办员 [village_agent]" in out
    code, out, _ = run(capsys, *db, "replay", "1", "--at", "1")
    assert code == 0 and "Task_intake" in out and "状态 在办（open）" in out
    code, out, _ = run(capsys, *db, "verify", "1")
    assert code == 0 and "校验通过" in out
    code, out, err = run(capsys, *db, "verify", "--all")
    assert code == 0 and "共校验 1 件，不一致 0 件" in out and "进度：1/1" in err
    code, _, err = run(capsys, *db, "show", "99")
    assert code == 2 and "办件不存在" in err


def test_start_gives_an_enforcement_case_its_township(
    capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    db = ["--database-url", database_url]
    common, item = ROOT / "processes" / "bpmn" / "common", "item_zf013"
    target = ROOT / "processes" / "bpmn" / "items" / f"{item}.bpmn"
    assert run(capsys, *db, "deploy", str(common), str(target))[0] == 0
    # as POST /cases, an enforcement case is opened on the facts found and where
    code, _, err = run(capsys, *db, "--user", "wu.qiang", "start", item)
    assert code == 2
    assert "clue.facts: 执法立案必填" in err and "clue.place: 执法立案必填" in err
    clue = json.dumps(
        {"clue": {"facts": "占道堆放石料", "place": "石桥村三组"}}, ensure_ascii=False
    )
    # 吴强, an officer of 青丝乡: the case is the township's, its officers choose the procedure
    code, out, _ = run(capsys, *db, "--user", "wu.qiang", "start", item, "--data", clue)
    assert code == 0 and "Task_procedure" in out and "办理乡镇 511725201" in out
    code, out, _ = run(
        capsys, *db, "--user", "cli", "start", item, "--township", "511725103", "--data", clue
    )
    assert code == 0 and "办理乡镇 511725103" in out
    code, _, err = run(capsys, *db, "start", item, "--township", "511725201001", "--data", clue)
    assert code == 2 and "township: 应为本县一个乡镇（街道）的 9 位区划代码" in err
    engine = Engine(database_url, migrate=False)
    try:
        case = engine.cases.get(1)
        assert case.data["channel"] == "enforcement" and case.data["via_proxy"] is False
        assert case.data["clue"] == {"facts": "占道堆放石料", "place": "石桥村三组"}
    finally:
        engine.close()


def test_start_gives_an_item_what_registration_gives(
    capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    """A catalogue item's case started without ``--data`` starts as one a township window
    registered (POST /cases): the channel, 是否代办, 急事急办, materials and agent its
    gateways read, and the station or hospital that decides or assesses."""
    db = ["--database-url", database_url]
    items = ROOT / "processes" / "bpmn" / "items"
    targets = [items / f"item_{code}.bpmn" for code in ("mz001", "ga003", "cl001", "zj001")]
    common = ROOT / "processes" / "bpmn" / "common"
    assert run(capsys, *db, "deploy", str(common), *map(str, targets))[0] == 0
    # 王芳, window clerk of 青丝乡: before, 变量 via_proxy 未定义
    code, out, err = run(capsys, *db, "--user", "wang.fang", "start", "item_mz001")
    assert code == 0, err
    assert "Task_check_materials" in out and "办理乡镇 511725201" in out
    # through a village point, for its agent: the proxy's path (代办委托) first
    proxy = json.dumps({"channel": "village_point", "agent": "tan.xiaoyan", "emergency": True})
    code, out, err = run(
        capsys, *db, "--user", "tan.xiaoyan", "start", "item_mz001", "--data", proxy
    )
    assert code == 0 and "Task_entrust" in out, err
    # 户口迁移: decided by the police station serving 青丝乡; 残疾人证: assessed by the
    # designated hospital serving it
    assert run(capsys, *db, "--user", "wang.fang", "start", "item_ga003")[0] == 0
    assert run(capsys, *db, "--user", "wang.fang", "start", "item_cl001")[0] == 0
    # 夜间建筑施工许可 is devolved to 渠江街道 and 三汇镇 only (事项适用范围)
    code, out, err = run(capsys, *db, "--user", "wang.fang", "start", "item_zj001")
    assert (code, out) == (2, "")
    assert "township: “夜间建筑施工许可”（ZJ001）未下放到青丝乡，只能在渠江街道、三汇镇办理" in err
    code, _, err = run(capsys, *db, "start", "item_zj001", "--township", "511725104")
    assert code == 0, err
    engine = Engine(database_url, migrate=False)
    try:
        window, village, police, card = (engine.cases.get(n) for n in (1, 2, 3, 4))
        item = engine.catalogue.get("MZ001")
        assert item is not None
        assert {
            k: window.data.get(k)
            for k in ("item", "channel", "via_proxy", "emergency", "materials", "agent")
        } == {
            "item": item.process_data(),
            "channel": "township_window",
            "via_proxy": False,
            "emergency": False,
            "materials": [],
            "agent": None,
        }
        assert (village.data["via_proxy"], village.data["emergency"]) == (True, True)
        assert village.data["agent"] == "tan.xiaoyan"
        assert (police.department, card.department) == ("GA-01", "CL")
        assert card.data["item"]["code"] == "CL001"
        assert engine.cases.record(4).assessment_unit == "CL-01"
    finally:
        engine.close()


@pytest.fixture(scope="module")
def library_url(databases: Databases) -> Iterator[str]:
    """A database with the catalogue's processes deployed, shared by the module."""
    with databases.engine(ManualClock(START), LIBRARY) as engine:
        yield engine.database_url


@pytest.mark.parametrize("item", ITEMS, ids=[item.code for item in ITEMS])
def test_start_every_item_without_data(
    capsys: pytest.CaptureFixture[str], library_url: str, item: Item
) -> None:
    """``daiban start`` of each catalogue item, nothing in ``--data``, in 青丝乡 (else the
    first township the item is devolved to): it starts with no incident, or it is refused
    (exit 2, the reason in Chinese) where POST /cases refuses it too."""
    org = demo_org()
    township = (
        QINGSI if org.item_applies(item.code, QINGSI) else org.townships_for(item.code)[0].code
    )
    db = ["--database-url", library_url, "--user", "cli"]
    start = [*db, "start", item.process_id, "--township", township]
    code, out, err = run(capsys, *start)
    if item.batch is not None:  # a yearly payout list is opened as a list (POST /batches)
        assert (code, out) == (2, "")
        assert "item_code: 该事项按年度发放清册办理，由村（社区）编制清册（POST /batches）" in err
        return
    if item.initiated_by == "staff":  # 立案 on the facts found and where, as POST /cases
        assert (code, out) == (2, "")
        assert "clue.facts: 执法立案必填" in err and "clue.place: 执法立案必填" in err
        clue = {"clue": {"facts": "巡查发现违法线索", "place": "石桥村三组"}}
        code, out, err = run(capsys, *start, "--data", json.dumps(clue, ensure_ascii=False))
        first = "Task_plan" if item.type == "inspection" else "Task_procedure"
    else:
        first = "Task_check_materials"  # the window checks the materials (受理)
    assert code == 0, err
    assert f"流程 {item.process_id}  状态 在办（open）" in out and f"办理乡镇 {township}" in out
    assert f"  {first}" in out and "异常" not in out


def test_bad_json_argument_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["start", "p", "--data", "{not json"])
    assert exited.value.code == 2
    assert "不是有效的 JSON" in capsys.readouterr().err


@pytest.mark.parametrize("user", ["x" * 101, "", "   ", "bad\nname"])
def test_an_unusable_actor_is_refused_before_anything_runs(
    capsys: pytest.CaptureFixture[str], user: str
) -> None:
    # the history's actor column holds 100 characters: PostgreSQL would refuse more
    with pytest.raises(SystemExit) as exited:
        main(["--user", user, "show", "1"])
    assert exited.value.code == 2
    assert "应为 1–100 个可显示字符" in capsys.readouterr().err


def test_python_dash_m_webapi_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "webapi", "lint", str(SAMPLE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_simulate_prints_the_path_roles_and_due_date(capsys: pytest.CaptureFixture[str]) -> None:
    from processes.catalogue import load_catalogue

    item = next(
        i
        for i in load_catalogue()
        if i.decided_at == "T->C" and i.proxy_allowed and not i.on_the_spot
    )
    code, out, _ = run(capsys, "simulate", item.code)
    assert code == 0
    assert "[village_agent]" in out and "[county_officer]" in out
    assert "结果：completed" in out and "办结期限 2026-" in out


def test_simulate_with_a_scenario_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from processes.catalogue import load_catalogue

    item = next(
        i
        for i in load_catalogue()
        if i.decided_at == "T" and not i.on_the_spot and i.initiated_by == "applicant"
    )
    scenario = tmp_path / "reject.yaml"
    scenario.write_text(
        "at: 2026-02-10T09:00\nstart: {via_proxy: false}\n"
        "tasks:\n  Task_backoffice_review: {review_decision: reject, review_opinion: 不符合条件}\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "simulate", item.code, "--scenario", str(scenario))
    assert code == 0
    assert "2026-02-10" in out and "Task_refusal_decision" in out
    assert "Task_prepare_result" not in out


def test_simulate_and_scaffold_refuse_unknown_items(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(capsys, "simulate", "XX999")[0] == 2
    code, _, err = run(capsys, "scaffold", "XX999", "--out", str(tmp_path))
    assert code == 2 and "XX999" in err


def test_scaffold_writes_a_laid_out_file_that_lints(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    layout_tools = ROOT / "tools" / "layout" / "node_modules"
    if not layout_tools.exists():
        if os.environ.get("CI"):
            pytest.fail("tools/layout is not installed (npm ci --prefix tools/layout)")
        pytest.skip("tools/layout not installed")
    code, out, _ = run(capsys, "scaffold", "MZ001", "--common", "--out", str(tmp_path))
    assert code == 0 and "item_mz001.bpmn  已生成" in out
    code, out, _ = run(capsys, "scaffold", "MZ001", "--out", str(tmp_path))
    assert "已存在，未覆盖" in out
    written = tmp_path / "items" / "item_mz001.bpmn"
    assert b"BPMNShape" in written.read_bytes()
    assert run(capsys, "lint", "--no-catalogue", str(tmp_path))[0] == 0


def test_users_password_token_and_revoke(
    capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    db = ["--database-url", database_url]
    code, out, _ = run(capsys, *db, "users", "list")
    assert code == 0 and "wang.fang" in out and "未设密码" in out
    assert run(capsys, *db, "users", "password", "wang.fang", "--password", "window-a-post")[0] == 0
    code, out, err = run(capsys, *db, "users", "token", "wang.fang", "--hours", "2")
    assert code == 0 and len(out.strip()) > 30 and "有效期至" in err
    code, out, _ = run(capsys, *db, "users", "revoke", "wang.fang")
    assert code == 0 and "已注销 1 个令牌" in out
    code, _, err = run(capsys, *db, "users", "password", "wang.fang", "--password", "short")
    assert code == 2 and "至少" in err
    assert run(capsys, *db, "users", "token", "nobody")[0] == 2


def test_users_temporary_password(capsys: pytest.CaptureFixture[str], database_url: str) -> None:
    """``users password USER --temporary`` is the administrator's reset of the API: a random
    password shown once, the user's tokens revoked."""
    db = ["--database-url", database_url]
    assert run(capsys, *db, "users", "token", "wang.fang")[0] == 0
    code, out, err = run(capsys, *db, "users", "password", "wang.fang", "--temporary")
    assert code == 0 and len(out.strip()) == 12 and "注销其 1 个令牌" in err
    engine = Engine(database_url, migrate=False)
    try:
        assert engine.identity.login("wang.fang", out.strip()).user_id == "wang.fang"
    finally:
        engine.close()
    assert run(capsys, *db, "users", "password", "nobody", "--temporary")[0] == 2
    with pytest.raises(SystemExit):  # one or the other
        main([*db, "users", "password", "wang.fang", "--temporary", "--password", "x" * 9])


def test_a_bug_is_one_line_unless_debugging(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import webapi.cli as cli

    def broken(args: object) -> int:
        raise RuntimeError("boom /secret/path")

    monkeypatch.setattr(cli, "cmd_lint", broken)
    code, _, err = run(capsys, "lint")
    assert code == 3 and "内部错误：RuntimeError" in err
    assert "Traceback" not in err and "/secret/path" not in err
    code, _, err = run(capsys, "--debug", "lint")
    assert code == 3 and "Traceback" in err
