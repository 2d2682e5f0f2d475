"""What the servers refuse to start with outside a demo or training database — accounts with
the demo password, an SMS gateway without its key — through the app factory, ``daiban
serve`` and a real gunicorn; and ``serve`` flagging a new database for the demo
organisation (the README's quick start)."""

from __future__ import annotations

import os

import pytest
from flask import Flask

from engine import Engine, NotAuthenticated
from engine.identity import DEMO_PASSWORD
from processes import resources
from tests.support.paths import ROOT, SAMPLE
from tests.support.servers import free_port, run_gunicorn
from webapi import create_app
from webapi.cli import main
from webapi.startup import StartRefused

SMS = {"SMS_URL": "https://sms.example.org/send"}


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[Flask]:
    """``daiban serve`` without serving: the apps it would have run."""
    apps: list[Flask] = []
    monkeypatch.setattr(Flask, "run", lambda app, *a, **k: apps.append(app))
    monkeypatch.setenv("DAIBAN_BPMN_DIR", str(SAMPLE))  # quick to deploy
    return apps


def test_the_app_refuses_demo_passwords_on_a_production_database(engine: Engine) -> None:
    create_app({"ENGINE": engine})  # no demo password: it starts
    engine.identity.seed_passwords(DEMO_PASSWORD)
    with pytest.raises(StartRefused) as refused:
        create_app({"ENGINE": engine})
    message = str(refused.value)
    assert "仍使用演示密码 daiban-demo" in message and "daiban users password" in message
    engine.training.flag("training", "test")
    create_app({"ENGINE": engine})  # a training database may have them


def test_a_production_database_never_accepts_the_demo_password_at_login(
    engine: Engine,
) -> None:
    """Whatever the start check saw (it is deferred while the database is unreachable):
    the demo password opens a demo or training database only."""
    engine.identity.seed_passwords(DEMO_PASSWORD)
    with pytest.raises(NotAuthenticated):
        engine.identity.login("wang.fang", DEMO_PASSWORD)
    engine.training.flag("demo", "test")
    assert engine.identity.login("wang.fang", DEMO_PASSWORD).token


def test_the_app_refuses_an_sms_gateway_without_its_key(engine: Engine) -> None:
    with pytest.raises(StartRefused, match="DAIBAN_SMS_KEY"):
        create_app({"ENGINE": engine, **SMS})
    create_app({"ENGINE": engine, **SMS, "SMS_KEY": "a-shared-secret-of-the-county"})
    create_app({"ENGINE": engine, **SMS, "SMS_UNSIGNED": "true"})  # meant so


def test_serve_flags_a_new_database_for_the_demo_organisation(
    database_url: str, served: list[Flask], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--database-url", database_url, "serve"]) == 0
    out = capsys.readouterr().out
    assert "已将数据库标记为演示数据库" in out and "同 daiban serve --demo" in out
    assert "初始密码为 daiban-demo" in out
    assert main(["--database-url", database_url, "serve"]) == 0  # again: a demo database
    out = capsys.readouterr().out
    assert out.startswith("演示数据库（") and "已将" not in out and len(served) == 2


def test_serve_refuses_the_demo_organisation_on_a_production_database(
    database_url: str,
    served: list[Flask],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DAIBAN_ORG_FILE", str(resources.DEMO_ORG_FILE))
    assert main(["--database-url", database_url, "init", "--admin", "he.jun"]) == 0
    monkeypatch.delenv("DAIBAN_ORG_FILE")
    capsys.readouterr()
    assert main(["--database-url", database_url, "serve"]) == 2
    err = capsys.readouterr().err
    assert "不是新库，也不是演示或培训数据库" in err and "DAIBAN_ORG_FILE" in err
    assert served == []


def test_gunicorn_workers_do_not_boot_with_demo_passwords(database_url: str) -> None:
    pytest.importorskip("gunicorn", reason="gunicorn comes with the 'server' extra")
    seeded = Engine(database_url)
    try:
        seeded.identity.seed_passwords(DEMO_PASSWORD)
    finally:
        seeded.close()
    environ = {**os.environ, "DAIBAN_DATABASE_URL": database_url, "DAIBAN_BPMN_DIR": str(SAMPLE)}
    bind = f"127.0.0.1:{free_port()}"
    finished = run_gunicorn(["-w", "1", "-b", bind, "webapi:create_app()"], environ, ROOT)
    # The worker fails to boot; gunicorn's master then stops (exit 3) with the reason logged.
    assert finished.returncode == 3, finished.stderr[-2000:]
    assert "Worker failed to boot" in finished.stderr
    assert "仍使用演示密码 daiban-demo" in finished.stderr
    assert "start_refused" in finished.stderr
