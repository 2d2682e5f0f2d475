"""Backups that restore: ``pg_dump -Fc`` / ``pg_restore`` into a new PostgreSQL database, and
``daiban backup`` (SQLite's online backup) — each followed by ``daiban verify --all``,
clean, on the restored copy, as docs/operations.md tells an operator to check."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from engine import Actor, Engine, read_sources
from tests.support.paths import PG_URL, SAMPLE
from tests.support.pg_databases import libpq_url, new_database
from webapi.cli import main

CASES = 5


def make_cases(url: str) -> list[int]:
    """A few sample cases, one of them claimed (events beyond the start)."""
    engine = Engine(url)
    try:
        engine.definitions.deploy(read_sources([SAMPLE]))
        ids = [engine.cases.start("sample_proxy_item", {}).id for _ in range(CASES)]
        task = engine.cases.get(ids[0]).tasks[0]
        engine.cases.claim(ids[0], task.id, Actor("wang.fang"))
        return ids
    finally:
        engine.close()


def verify_all(capsys: pytest.CaptureFixture[str], url: str) -> str:
    capsys.readouterr()
    assert main(["--database-url", url, "verify", "--all"]) == 0
    return capsys.readouterr().out


@pytest.mark.skipif(not PG_URL, reason="needs DAIBAN_TEST_DATABASE_URL (PostgreSQL)")
@pytest.mark.skipif(not shutil.which("pg_dump"), reason="needs PostgreSQL's client tools")
def test_pg_dump_restores_into_a_new_database_and_verifies_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert PG_URL
    dump = tmp_path / "daiban.dump"
    with new_database(PG_URL, "daiban_src") as source:
        made = make_cases(source)
        subprocess.run(["pg_dump", "-Fc", "-f", str(dump), libpq_url(source)], check=True)
    with new_database(PG_URL, "daiban_restored") as restored:
        subprocess.run(
            ["pg_restore", "--no-owner", "-d", libpq_url(restored), str(dump)], check=True
        )
        out = verify_all(capsys, restored)
        assert f"共校验 {CASES} 件，不一致 0 件" in out
        engine = Engine(restored, migrate=False)
        try:
            assert [engine.cases.get(i).id for i in made] == made
            assert engine.store.schema_differences() == []
        finally:
            engine.close()


def test_daiban_backup_copies_sqlite_online_and_verifies_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'daiban.sqlite3'}"
    make_cases(url)
    writer = Engine(url)  # another process's open connection, as a running server's
    try:
        writer.cases.start("sample_proxy_item", {})  # in the WAL, not yet checkpointed
        copy = tmp_path / "copy.sqlite3"
        assert main(["--database-url", url, "backup", "--out", str(copy)]) == 0
        out = capsys.readouterr().out
        assert f"已备份数据库到 {copy}" in out and "daiban.sqlite3.files" in out
    finally:
        writer.close()
    assert f"共校验 {CASES + 1} 件，不一致 0 件" in verify_all(capsys, f"sqlite:///{copy}")
    assert main(["--database-url", url, "backup", "--out", str(copy)]) == 2
    assert "已存在，不会覆盖" in capsys.readouterr().err
    missing = tmp_path / "no-such-folder" / "copy.sqlite3"
    assert main(["--database-url", url, "backup", "--out", str(missing)]) == 2
    assert "不存在，请先建立" in capsys.readouterr().err


def test_daiban_backup_refuses_postgresql(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql+psycopg://daiban@127.0.0.1:1/none"
    assert main(["--database-url", url, "backup", "--out", "x.dump"]) == 2
    assert "pg_dump -Fc" in capsys.readouterr().err
