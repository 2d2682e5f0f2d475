"""The daiban command line: exit codes and output people and scripts rely on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT, SAMPLE
from webapi.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_lint_clean_and_dirty(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "lint", str(SAMPLE))[0] == 0
    code, out, err = run(capsys, "lint", str(DATA / "several_errors.bpmn"))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) >= 6
    for line in lines:
        path, lineno, element, message = line.split(":", 3)
        assert path.endswith("several_errors.bpmn")
        assert lineno.isdigit() and element.strip() and message.strip()
    assert err.strip() == f"1 个文件，{len(lines)} 个问题"


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
    code, out, _ = run(capsys, *db, "replay", "1", "--at", "1")
    assert code == 0 and "Task_intake" in out
    code, out, _ = run(capsys, *db, "verify", "1")
    assert code == 0 and "校验通过" in out
    code, out, err = run(capsys, *db, "verify", "--all")
    assert code == 0 and "共校验 1 件，不一致 0 件" in out and "进度：1/1" in err
    code, _, err = run(capsys, *db, "show", "99")
    assert code == 2 and "办件不存在" in err


def test_bad_json_argument_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["start", "p", "--data", "{not json"])
    assert exited.value.code == 2
    assert "不是有效的 JSON" in capsys.readouterr().err


def test_python_dash_m_webapi_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "webapi", "lint", str(SAMPLE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
