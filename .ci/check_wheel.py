"""CI checks of the built wheel (run by .ci/run; standard library only).

``contents WHEEL ROOT``: every file of the packages in the checkout (tracked or new, not
ignored, bytecode aside) is in the wheel.
``serve DAIBAN``: ``DAIBAN serve`` on a free port against a new SQLite file in the working
directory answers /api/v1/health, a demo account logs in and reads /auth/me; then the
server is stopped. Exit status 0 when all is well.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

PACKAGES = ("engine", "processes", "webapi")
START_TIMEOUT = 600  # seconds: serve migrates and deploys the whole library first
# localhost only: a proxy from the environment must not see these requests.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def contents(wheel: str, root: str) -> int:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *PACKAGES],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    expected = {
        name
        for name in listed
        if (Path(root) / name).is_file() and "__pycache__" not in name and not name.endswith(".pyc")
    }
    shipped = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(expected - shipped)
    for name in missing:
        print(f"not in the wheel: {name}")
    print(
        f"wheel: {len(shipped)} files; {len(expected)} package files checked, {len(missing)} missing"
    )
    return 1 if missing else 0


def call(url: str, body: dict[str, Any] | None = None, token: str | None = None) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with OPENER.open(request, timeout=10) as response:
        return json.load(response)


def serve(daiban: str) -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "DAIBAN_DATABASE_URL": f"sqlite:///{Path.cwd() / 'serve.sqlite3'}"}
    log_path = Path.cwd() / "serve.log"
    log_file = log_path.open("w", encoding="utf-8")
    server = subprocess.Popen(
        [daiban, "serve", "--port", str(port)], env=environment, stderr=log_file
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if server.poll() is not None:
                print(f"daiban serve stopped with exit status {server.returncode}")
                return 1
            try:
                health = call(f"{base}/health")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    print(f"daiban serve did not answer within {START_TIMEOUT} s")
                    return 1
                time.sleep(1)
        login = call(f"{base}/auth/login", {"user": "wang.fang", "password": "daiban-demo"})
        me = call(f"{base}/auth/me", token=login["token"])
        print(f"serve: health {health}; logged in as {me['id']} ({me['name']})")
        # The web console and its files come with the wheel (package data, not the checkout).
        root = base.removesuffix("/api/v1")
        for page in (
            "/",
            "/console/js/app.js",
            "/console/js/pages/tasks.js",
            "/console/vendor/htm-preact.module.js",
            "/console/vendor/chart.umd.min.js",
        ):
            with urllib.request.urlopen(root + page, timeout=30) as answer:
                assert answer.status == 200 and answer.read(), page
        print("serve: the web console and its files are served")
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log_file.close()
    # The server's log: the deployment and the login, as key=value lines.
    logged = log_path.read_text(encoding="utf-8")
    expected = ("deploy_done", "login_succeeded user=wang.fang")
    missing = [line for line in expected if line not in logged]
    if missing:
        print(f"serve: the log lacks {missing}:\n{logged[-3000:]}")
        return 1
    print("serve: log lines " + ", ".join(expected))
    return 0 if me["id"] == "wang.fang" else 1


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    sys.exit(contents(*rest) if command == "contents" else serve(*rest))
