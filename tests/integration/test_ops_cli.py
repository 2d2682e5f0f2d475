"""``daiban init`` (schema, library, the first administrator; again after an upgrade),
``daiban db`` (the migrations) and Alembic's own command line on the same migrations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import Engine
from engine.database import Database
from engine.identity import DEMO_PASSWORD
from processes import resources
from tests.support.paths import ROOT, SAMPLE
from webapi.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def county(monkeypatch: pytest.MonkeyPatch) -> None:
    """A county's own organisation file (the demo people) and the small sample library."""
    monkeypatch.setenv("DAIBAN_ORG_FILE", str(resources.DEMO_ORG_FILE))
    monkeypatch.setenv("DAIBAN_BPMN_DIR", str(SAMPLE))


def test_init_creates_everything_and_a_second_run_resets_nothing(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ("--database-url", database_url)
    code, out, err = run(capsys, *db, "init", "--admin", "he.jun")  # stdin: not a terminal
    assert code == 0, err
    assert f"迁移版本 {Database.head()}（最新）" in out and "其中新部署 2 个" in out
    printed = out.split("的初始密码（只显示这一次，请登录后修改）：", 1)[1].split()[0]
    assert len(printed) == 16 and "完成：可以启动服务" in out
    engine = Engine(database_url, org_file=resources.DEMO_ORG_FILE)
    try:
        assert engine.identity.login("he.jun", printed).user_id == "he.jun"
        assert [u for u in engine.org.users if engine.identity.has_password(u)] == ["he.jun"]
        assert engine.identity.demo_password_users() == []
        assert engine.training.status().setting is None  # a production database
    finally:
        engine.close()
    code, out, _ = run(capsys, *db, "init", "--admin", "he.jun", "--print-password")
    assert code == 0 and "管理员 he.jun 已有密码，未重置" in out and "其中新部署 0 个" in out
    engine = Engine(database_url, org_file=resources.DEMO_ORG_FILE)
    try:
        assert engine.identity.login("he.jun", printed).user_id == "he.jun"
    finally:
        engine.close()


def test_init_refuses_who_is_no_administrator(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ("--database-url", database_url)
    code, _, err = run(capsys, *db, "init", "--admin", "wang.fang")
    assert code == 2 and "wang.fang 没有系统管理员（admin）角色" in err
    code, _, err = run(capsys, *db, "init", "--admin", "nobody")
    assert code == 2 and "组织机构中没有账号 nobody" in err
    code, _, err = run(capsys, *db, "init")
    assert code == 2 and "--admin" in err


def test_init_demo_flags_the_database_and_gives_the_demo_password(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--database-url", database_url, "init", "--demo")
    assert code == 0, err
    assert "已将数据库标记为演示数据库" in out and "初始密码为 daiban-demo" in out
    engine = Engine(database_url, org_file=resources.DEMO_ORG_FILE)
    try:
        assert engine.identity.login("wang.fang", DEMO_PASSWORD).user_id == "wang.fang"
        assert "wang.fang" in engine.identity.demo_password_users()
    finally:
        engine.close()


def test_the_demo_password_is_given_by_the_demo_seeding_alone(engine: Engine) -> None:
    from engine.errors import DataValidationError

    with pytest.raises(DataValidationError) as refused:
        engine.identity.set_password("wang.fang", DEMO_PASSWORD)
    assert refused.value.fields == {"password": "不能使用演示密码"}
    engine.identity.set_password("wang.fang", "another-password")
    assert engine.identity.demo_password_users() == []
    assert engine.identity.seed_passwords() == len(engine.org.users) - 1
    assert "wang.fang" not in engine.identity.demo_password_users()
    assert "chen.jing" in engine.identity.demo_password_users()


def test_db_current_history_downgrade_upgrade(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ("--database-url", database_url)
    head = Database.head()
    code, out, _ = run(capsys, *db, "db", "current")
    assert code == 0 and "空数据库：没有表" in out  # db never migrates by itself
    code, out, _ = run(capsys, *db, "db", "upgrade")
    assert code == 0 and f"空库 → {head}" in out and f"当前版本 {head}（最新）" in out
    code, out, _ = run(capsys, *db, "db", "history")
    lines = out.splitlines()
    assert lines[0].startswith("0001  Initial schema") and lines[-1].endswith("← 当前、最新")
    previous = Database.history()[-2].id
    code, out, _ = run(capsys, *db, "db", "downgrade", previous)
    assert code == 0 and f"{head} → {previous}" in out and "请运行 daiban db upgrade" in out
    code, out, _ = run(capsys, *db, "db", "current")
    assert f"当前版本 {previous}，最新为 {head}" in out
    code, _, err = run(capsys, *db, "db", "downgrade", "0999")
    assert code == 2 and "没有迁移版本 0999" in err
    code, out, _ = run(capsys, *db, "db", "upgrade", head)
    assert code == 0 and f"{previous} → {head}" in out
    engine = Engine(database_url, migrate=False)
    try:
        assert engine.store.schema_differences() == []
    finally:
        engine.close()


def test_alembic_command_line_works_with_the_url_named(database_url: str, tmp_path: Path) -> None:
    alembic = [sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini")]
    environ = {**os.environ, "PYTHONPATH": str(ROOT)}

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*alembic, *args], cwd=tmp_path, env=environ, capture_output=True, text=True
        )

    missing = call("current")
    assert missing.returncode != 0 and "-x url=" in missing.stderr
    assert "KeyError" not in missing.stderr
    done = call("-x", f"url={database_url}", "upgrade", "head")
    assert done.returncode == 0, done.stderr
    current = call("-x", f"url={database_url}", "current")
    assert f"{Database.head()} (head)" in current.stdout
    assert Database(database_url).current() == Database.head()
