"""The files in deploy/: gunicorn loads its configuration and the app with it, and systemd
reads both units without a complaint (``systemd-analyze verify``, else their keys)."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT
from tests.support.servers import run_gunicorn

DEPLOY = ROOT / "deploy"
UNITS = ("daiban-web.service", "daiban-worker.service")
INSTALLED = "/opt/daiban/venv/bin/"


def gunicorn(flag: str) -> list[str]:
    return [flag, "-c", str(DEPLOY / "gunicorn.conf.py"), "webapi:create_app()"]


def test_gunicorn_loads_the_configuration_and_the_app(tmp_path: Path) -> None:
    pytest.importorskip("gunicorn", reason="gunicorn comes with the 'server' extra")
    environ = {
        **os.environ,
        "DAIBAN_DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}",
        "PYTHONPATH": str(ROOT),
    }
    checked = run_gunicorn(gunicorn("--check-config"), environ, tmp_path)
    assert checked.returncode == 0, checked.stderr[-2000:]
    chosen = {**environ, "WEB_CONCURRENCY": "3", "GUNICORN_BIND": "127.0.0.1:18199"}
    printed = run_gunicorn(gunicorn("--print-config"), chosen, tmp_path).stdout
    pairs = (line.partition("=")[::2] for line in printed.splitlines() if "=" in line)
    settings = {key.strip(): value.strip() for key, value in pairs}
    assert settings["workers"] == "3" and "127.0.0.1:18199" in settings["bind"]
    assert settings["preload_app"] == "False" and settings["accesslog"] == "None"
    assert "%({x-request-id}o)s" in settings["access_log_format"]
    assert int(settings["max_requests_jitter"]) > 0 and int(settings["graceful_timeout"]) > 0


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / name, encoding="utf-8")
    return parser


@pytest.mark.parametrize("name", UNITS)
def test_the_units_restart_and_stop_gracefully(name: str) -> None:
    service = unit(name)["Service"]
    assert service["Restart"] == "always" and service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) >= 30
    assert service["EnvironmentFile"] == "/etc/daiban/daiban.env"
    assert service["User"] == "daiban" and service["ExecStart"].startswith(INSTALLED)
    assert unit(name)["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze")
def test_systemd_reads_the_units_without_a_complaint(tmp_path: Path) -> None:
    # The units name the installed virtualenv; here the commands are this one's.
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(
            text.replace(INSTALLED, str(Path(sys.executable).parent) + "/"), encoding="utf-8"
        )
    verified = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / name) for name in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr
