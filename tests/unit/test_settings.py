"""Settings: every DAIBAN_* variable read once (webapi.settings), checked and documented.
How the engine is built from them: tests/api/test_composition.py."""

from __future__ import annotations

import ipaddress
import logging
import re
from pathlib import Path

import pytest

from engine import EngineBounds
from processes import resources
from tests.support.paths import ROOT
from webapi.settings import PARSERS, ConfigError, Settings

# Read by the tests only (tests/support/paths.py, tests/api/test_api_fuzz.py).
TEST_VARIABLES = {
    "DAIBAN_TEST_DATABASE_URL",
    "DAIBAN_FUZZ_EXAMPLES",
    "DAIBAN_FORM_EXAMPLES",
    "DAIBAN_CONSOLE_SHOTS",
}


def settings(**variables: str) -> Settings:
    return Settings.from_environ({f"DAIBAN_{k}": v for k, v in variables.items()})


def test_the_defaults_are_the_shipped_data() -> None:
    assert Settings.from_environ({}) == Settings()
    default = Settings()
    assert default.database_url == "sqlite:///daiban.sqlite3"
    assert default.bpmn_dir == resources.BPMN_DIR
    assert default.catalogue_dir == resources.CATALOGUE_DIR
    assert default.holiday_file == resources.HOLIDAY_FILE
    assert default.org_file is None and default.demo_org
    assert default.bounds == EngineBounds()
    assert (default.warning_share, default.token_hours) == (0.8, 12.0)
    assert (default.max_content_length, default.trusted_proxy_header) == (1024 * 1024, None)


def test_each_variable_sets_its_field(tmp_path: Path) -> None:
    read = settings(
        DATABASE_URL="postgresql+psycopg://daiban@db/daiban",
        BPMN_DIR=str(tmp_path / "bpmn"),
        CATALOGUE_DIR=str(tmp_path / "catalogue"),
        ORG_FILE=str(tmp_path / "org.yaml"),
        HOLIDAY_FILE=str(tmp_path / "holidays.yaml"),
        DOCUMENTS_DIR=str(tmp_path),
        WARNING_SHARE="0.75",
        ENGINE_MAX_STEPS="800",
        LOOP_MAXIMUM="20",
        TOKEN_HOURS="8.5",
        MAX_CONTENT_LENGTH="2048",
        TRUSTED_PROXY_HEADER="X-Real-IP",
        TRUSTED_PROXY_COUNT="2",
        LOG_LEVEL="debug",
        LOG_FORMAT="JSON",
        DB_POOL_SIZE="20",
        DB_MAX_OVERFLOW="0",
        DB_POOL_TIMEOUT="2.5",
        REQUEST_ID_HEADER="X-Trace-Id",
        ACCESS_LOG="off",
        METRICS_ALLOW="10.0.0.5, 10.1.0.0/16,2001:db8::/32",
    )
    assert read == Settings(
        database_url="postgresql+psycopg://daiban@db/daiban",
        bpmn_dir=tmp_path / "bpmn",
        catalogue_dir=tmp_path / "catalogue",
        org_file=tmp_path / "org.yaml",
        holiday_file=tmp_path / "holidays.yaml",
        documents_dir=tmp_path,
        warning_share=0.75,
        engine_max_steps=800,
        loop_maximum=20,
        token_hours=8.5,
        max_content_length=2048,
        trusted_proxy_header="X-Real-IP",
        trusted_proxy_count=2,
        log_level="DEBUG",
        log_format="json",
        db_pool_size=20,
        db_max_overflow=0,
        db_pool_timeout=2.5,
        request_id_header="X-Trace-Id",
        access_log=False,
        metrics_allow=(
            ipaddress.ip_network("10.0.0.5/32"),
            ipaddress.ip_network("10.1.0.0/16"),
            ipaddress.ip_network("2001:db8::/32"),
        ),
    )
    assert settings(ACCESS_LOG="1").access_log and Settings().access_log
    assert not read.demo_org
    assert read.bounds == EngineBounds(max_steps=800, loop_maximum=20)


def test_every_field_is_a_variable() -> None:
    fields = set(Settings.__dataclass_fields__)
    assert {name.lower() for name in PARSERS} == fields


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("WARNING_SHARE", "0"),
        ("WARNING_SHARE", "1.5"),
        ("WARNING_SHARE", "八成"),
        ("ENGINE_MAX_STEPS", "1e3"),
        ("ENGINE_MAX_STEPS", "0"),
        ("LOOP_MAXIMUM", "-5"),
        ("TOKEN_HOURS", "soon"),
        ("TOKEN_HOURS", "inf"),
        ("MAX_CONTENT_LENGTH", "1.5"),
        ("TRUSTED_PROXY_HEADER", "X Forwarded"),
        ("TRUSTED_PROXY_HEADER", "Forwarded"),
        ("LOG_LEVEL", "verbose"),
        ("LOG_FORMAT", "xml"),
        ("DOCUMENTS_DIR", "/nonexistent/daiban-documents"),
        ("DB_POOL_SIZE", "0"),
        ("DB_MAX_OVERFLOW", "-1"),
        ("DB_POOL_TIMEOUT", "0"),
        ("REQUEST_ID_HEADER", "X Request"),
        ("ACCESS_LOG", "maybe"),
        ("METRICS_ALLOW", "10.0.0.300"),
        ("METRICS_ALLOW", "10.1.0.0/16,prometheus.local"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, bad: str) -> None:
    with pytest.raises(ConfigError, match=f"DAIBAN_{name} "):
        settings(**{name: bad})


def test_a_proxy_count_needs_its_header() -> None:
    with pytest.raises(ConfigError, match="DAIBAN_TRUSTED_PROXY_COUNT 需与"):
        settings(TRUSTED_PROXY_COUNT="2")
    for bad in ("0", "11", "two"):
        with pytest.raises(ConfigError, match="DAIBAN_TRUSTED_PROXY_COUNT 应为 1 到 10"):
            settings(TRUSTED_PROXY_HEADER="X-Forwarded-For", TRUSTED_PROXY_COUNT=bad)


def test_empty_is_unset_and_overrides_win() -> None:
    assert settings(DATABASE_URL="", WARNING_SHARE="") == Settings()
    environ = {"DAIBAN_DATABASE_URL": "sqlite:///env.sqlite3", "DAIBAN_LOOP_MAXIMUM": "20"}
    read = Settings.from_environ(environ, {"DATABASE_URL": "sqlite://", "LOOP_MAXIMUM": None})
    assert (read.database_url, read.loop_maximum) == ("sqlite://", 20)
    assert Settings.from_environ({}, {"ENGINE": object(), "TESTING": True}) == Settings()
    with pytest.raises(ConfigError, match="DAIBAN_MAX_CONTENT_LENGTH"):
        Settings.from_environ({}, {"MAX_CONTENT_LENGTH": 0})


def test_the_secret_key_is_retired_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="webapi.settings"):
        assert settings(SECRET_KEY="from-env") == Settings()
    assert "DAIBAN_SECRET_KEY" in caplog.text and "unused" in caplog.text


# -- documented: one table in README.md, every variable the code names -----------------------
def readme_variables() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    tables = re.findall(r"\n\| variable \| meaning \| default \|\n\| --- \| --- \| --- \|\n", text)
    assert len(tables) == 1, "README.md has one configuration table"
    table = text.split("| variable | meaning | default |", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^\| `(DAIBAN_[A-Z0-9_]+)` \|", table, flags=re.MULTILINE)


def test_readme_documents_every_variable_once() -> None:
    documented = readme_variables()
    assert len(documented) == len(set(documented))
    assert set(documented) == {f"DAIBAN_{name}" for name in PARSERS} | TEST_VARIABLES


def test_the_code_names_no_undocumented_variable() -> None:
    named = {
        found
        for package in ("engine", "processes", "webapi", "tests")
        for path in (ROOT / package).rglob("*.py")
        for found in re.findall(r"DAIBAN_[A-Z][A-Z0-9_]*[A-Z]", path.read_text(encoding="utf-8"))
    }
    named -= {"DAIBAN_NS", "DAIBAN_SECRET_KEY"}  # a namespace constant; a retired variable
    documented = set(readme_variables())
    # A prefix of documented names (``match="DAIBAN_TRUSTED_PROXY"``) names no variable.
    assert {n for n in named if not any(d.startswith(n + "_") for d in documented)} <= documented
