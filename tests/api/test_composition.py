"""The composition root: the engine built from the settings (every service once, every
value handed down), and what the app and ``serve`` do with the demo organisation."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine import EngineBounds
from engine.calendar import WorkingCalendar, use_holiday_file
from processes import resources
from webapi import create_app
from webapi.settings import Settings, build_engine


def test_the_engine_is_built_from_the_settings(tmp_path: Path) -> None:
    holidays = tmp_path / "holidays.yaml"
    holidays.write_text("2027:\n  holidays: []\n  workdays: []\n", encoding="utf-8")
    catalogue = tmp_path / "catalogue"
    catalogue.mkdir()
    shutil.copy(resources.CATALOGUE_DIR / "mz_minzheng.yaml", catalogue)
    read = Settings(
        database_url="sqlite://",
        catalogue_dir=catalogue,
        org_file=resources.DEMO_ORG_FILE,
        holiday_file=holidays,
        warning_share=0.5,
        engine_max_steps=700,
        loop_maximum=7,
        token_hours=2,
    )
    engine = build_engine(read)
    try:
        assert engine.store.url == "sqlite://"
        assert engine.bounds == EngineBounds(max_steps=700, loop_maximum=7)
        assert engine.definitions.bounds == engine.bounds
        assert engine.cases.warning_share == engine.stats.warning_share == 0.5
        assert engine.identity.token_hours == 2
        assert {item.department_code for item in engine.catalogue} == {"MZ"}
        assert engine.registration.catalogue is engine.catalogue
        assert engine.org.county.code == "511725"
        assert engine.ledger.org is engine.org is engine.stats.org
        # The holiday file is the process-wide calendar the BPMN helpers use.
        assert WorkingCalendar.default() is engine.calendar
        assert engine.calendar.is_official(2027) and engine.stats.calendar is engine.calendar
        assert engine.identity is engine.identity  # built once
    finally:
        engine.close()
        use_holiday_file(None)
    assert not WorkingCalendar.default().is_official(2027)  # the shipped calendar again


def test_the_app_says_when_the_demo_organisation_is_in_use(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    for config, demo in (
        ({"DATABASE_URL": database_url}, True),
        ({"DATABASE_URL": database_url, "ORG_FILE": str(resources.DEMO_ORG_FILE)}, False),
    ):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="webapi.app"):
            app = create_app(config)
        app.extensions["daiban"].close()
        assert ("demo_organisation_in_use" in caplog.text) is demo


def test_serve_gives_demo_passwords_to_the_demo_organisation_only(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from webapi.cli import main

    passwords: list[bool] = []

    def run(app: Flask, *args: Any, **kwargs: Any) -> None:
        with app.app_context():
            passwords.append(app.extensions["daiban"].engine.identity.has_password("wang.fang"))

    monkeypatch.setattr(Flask, "run", run)
    monkeypatch.setenv("DAIBAN_BPMN_DIR", str(resources.BPMN_DIR / "sample"))  # quick to deploy
    own = tmp_path / "county.yaml"
    shutil.copy(resources.DEMO_ORG_FILE, own)  # the same people, but the county's own file
    monkeypatch.setenv("DAIBAN_ORG_FILE", str(own))
    assert main(["--database-url", database_url, "serve"]) == 0
    assert f"组织机构：{own}" in capsys.readouterr().out
    monkeypatch.delenv("DAIBAN_ORG_FILE")
    assert main(["--database-url", database_url, "serve"]) == 0
    out = capsys.readouterr().out
    assert "演示组织（未设置 DAIBAN_ORG_FILE" in out and "初始密码为 daiban-demo" in out
    assert "流程：2 个" in out
    assert passwords == [False, True]
