"""Small helpers shared by the tests: drive a case by task spec id, serve an app."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from engine import Actor, CaseView, Engine


def task_of(view: CaseView, spec_id: str) -> str:
    matches = [t.id for t in view.tasks if t.spec_id == spec_id]
    assert matches, f"no ready task {spec_id}; ready: {[t.spec_id for t in view.tasks]}"
    return matches[0]


def complete(
    engine: Engine, view: CaseView, spec_id: str, data: dict[str, Any], user: str = "tester"
) -> CaseView:
    return engine.cases.complete_task(view.id, task_of(view, spec_id), data, Actor(user))


def registration(item_code: str, materials: list[str] | None = None) -> dict[str, Any]:
    """A ``POST /cases`` body: 张三 of 青丝社区 asks at the village point."""
    return {
        "item_code": item_code,
        "applicant": {
            "name": "张三",
            "id_number": "11010519491231002X",
            "phone": "13800001234",
            "address": "青丝街 1 号",
            "village": "511725201001",
        },
        "channel": "village_point",
        "materials": materials or [],
    }


INTAKE = {"applicant_name": "李秀英", "applicant_id": "11010519491231002X", "materials": "complete"}


def start_sample(engine: Engine, submitted_on: str = "2026-09-24") -> CaseView:
    return engine.cases.start(
        "sample_proxy_item",
        {"submitted_on": submitted_on},
        Actor("agent.zhang", on_behalf_of="李秀英"),
        org_unit="511725201001",
    )


@contextmanager
def served(app: Any, request_handler: type[WSGIRequestHandler] | None = None) -> Iterator[str]:
    """The app on a real threaded werkzeug server (on a free port); yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=request_handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


CHROMIUM = Path("/usr/bin/chromium")  # Debian's; nothing downloads a browser


def dump_dom(
    url: str, profile: Path, *, budget_ms: int = 20000, timeout: int = 180, log: bool = False
) -> subprocess.CompletedProcess[str]:
    """Load ``url`` in headless Chromium (no network but the page's own, a fresh profile)
    and return the finished page's DOM on stdout; ``log``: the console on stderr."""
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        *(["--enable-logging=stderr", "--v=0"] if log else []),
        f"--virtual-time-budget={budget_ms}",
        "--dump-dom",
        url,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
