"""The README's production section, run literally on a fresh PostgreSQL database: the one
fenced block after ``<!-- production-commands -->``, in a folder holding ``daiban.env`` and
``gunicorn.conf.py`` as the section says; then the administrator logs in with the password
``daiban init`` printed, the clerk with the one ``daiban users password --temporary``
printed, and the clerk registers a case through the real gunicorn."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from processes import resources
from tests.support.paths import PG_URL, ROOT
from tests.support.pg_databases import new_database
from tests.support.servers import free_port

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs DAIBAN_TEST_DATABASE_URL (PostgreSQL)")

MARKER = "<!-- production-commands -->"
START_TIMEOUT = 120.0  # seconds for two gunicorn workers to build their apps on 2 cores
ADMIN_PASSWORD = re.compile(r"管理员 he\.jun 的初始密码（[^）]*）：(\S+)")
TEMPORARY = re.compile(r"^[A-Za-z0-9]{12}$", re.MULTILINE)


def production_commands() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count(MARKER) == 1, "one block of production commands"
    block = readme.split(MARKER, 1)[1].lstrip("\n")
    assert block.startswith("```sh\n"), "the marker stands right above a sh block"
    return block.removeprefix("```sh\n").split("\n```", 1)[0] + "\n"


def test_the_block_is_the_whole_set_up() -> None:
    commands = production_commands()
    assert "daiban init --admin" in commands and "gunicorn -c gunicorn.conf.py" in commands
    assert "daiban worker" in commands and "daiban-demo" not in commands


def _call(url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    if data:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """The operator's folder: ``daiban.env`` for a new database, ``gunicorn.conf.py``."""
    assert PG_URL
    port = free_port()
    with new_database(PG_URL, "daiban_prod") as url:
        files = tmp_path / "files"
        files.mkdir()
        (tmp_path / "daiban.env").write_text(
            f"DAIBAN_DATABASE_URL={url}\n"
            f"DAIBAN_ORG_FILE={resources.DEMO_ORG_FILE}\n"  # the demo people, as a county's file
            f"DAIBAN_FILES_DIR={files}\n"
            f"GUNICORN_BIND=127.0.0.1:{port}\n"
            "WEB_CONCURRENCY=2\n",
            encoding="utf-8",
        )
        shutil.copy(ROOT / "deploy" / "gunicorn.conf.py", tmp_path / "gunicorn.conf.py")
        yield tmp_path, port


def test_the_readme_production_section_sets_a_county_up(folder: tuple[Path, int]) -> None:
    where, port = folder
    # The installed package's commands (daiban, gunicorn) on the PATH, as after
    # `. /opt/daiban/venv/bin/activate`.
    bin_dir = str(Path(sys.executable).parent)
    environ = {key: value for key, value in os.environ.items() if not key.startswith("DAIBAN_")}
    environ["PATH"] = f"{bin_dir}{os.pathsep}{environ.get('PATH', '')}"
    shell = subprocess.Popen(
        ["bash", "-e", "-c", production_commands()],
        cwd=where,
        env=environ,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the background servers stay in its process group
    )
    try:
        out, err = shell.communicate(timeout=600)
        assert shell.returncode == 0, err[-3000:]
        base = f"http://127.0.0.1:{port}/api/v1"
        _wait_for(base, where)
        admin = ADMIN_PASSWORD.search(out)
        clerk = TEMPORARY.search(out.split("完成：", 1)[1])
        assert admin and clerk, out
        assert "daiban-demo" not in out  # init gave no demo password

        status, login = _call(f"{base}/auth/login", {"user": "he.jun", "password": admin[1]})
        assert status == 200, login
        status, people = _call(f"{base}/users?q=wang.fang", token=login["token"])
        assert status == 200 and people["items"][0]["has_password"] is True
        status, refused = _call(
            f"{base}/auth/login", {"user": "chen.jing", "password": "daiban-demo"}
        )
        assert status == 401, refused

        status, login = _call(f"{base}/auth/login", {"user": "wang.fang", "password": clerk[0]})
        assert status == 200, login
        status, case = _call(f"{base}/cases", _registration(), token=login["token"])
        assert status == 201, case
        assert case["case_number"].startswith("511725201") and case["status"] == "open"
        status, again = _call(f"{base}/cases/{case['id']}", token=login["token"])
        assert status == 200 and again["id"] == case["id"]
        worker = int((where / "daiban-worker.pid").read_text())
        os.kill(worker, 0)  # the worker runs (raises if it stopped)
    finally:
        _stop(where, shell)


def _registration() -> dict[str, Any]:
    return {
        "item_code": "MZ004",
        "channel": "township_window",
        "applicant": {
            "name": "张秀兰",
            "id_number": "11010519491231002X",
            "phone": "13800001234",
            "address": "青丝街 8 号",
            "village": "511725201001",
        },
        "materials": [],
    }


def _wait_for(base: str, where: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            if _call(f"{base}/health")[0] == 200:
                return
        except OSError:
            pass
        log = where / "daiban-web.log"
        shown = log.read_text(encoding="utf-8")[-3000:] if log.exists() else ""
        assert time.monotonic() < deadline, f"gunicorn did not answer:\n{shown}"
        time.sleep(0.5)


def _stop(where: Path, shell: subprocess.Popen[str]) -> None:
    """SIGTERM to gunicorn's master and the worker by their pid files, then to anything
    left of the block's process group."""
    for name in ("daiban-web.pid", "daiban-worker.pid"):
        pid_file = where / name
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid_file.read_text()), signal.SIGTERM)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        try:
            os.killpg(shell.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.killpg(shell.pid, signal.SIGKILL)
    if shell.poll() is None:
        shell.kill()
    shell.wait()
