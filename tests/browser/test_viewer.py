"""The case diagram page: served locally with a strict policy, and in a real browser it
paints the case's completed, active and overdue elements."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from engine import Engine, ManualClock
from engine.cases import Actor
from engine.clock import SHANGHAI
from engine.registration import Applicant, Registration, RegistrationService
from tests.support.browser import CHROMIUM, MODULES, dump_dom, need
from tests.support.databases import Deployed
from tests.support.paths import BPMN, ROOT
from tests.support.servers import served
from tests.support.shipped import shipped_catalogue
from webapi import create_app

VENDORED = ROOT / "webapi" / "static" / "bpmn-js"
CATALOGUE = shipped_catalogue()
ITEM = next(i for i in CATALOGUE if i.code == "ZF002")  # a window licence


def test_vendored_bpmn_js_is_the_pinned_package() -> None:
    pinned = json.loads((ROOT / "tools" / "layout" / "package.json").read_text())
    version = pinned["dependencies"]["bpmn-js"]
    assert f"bpmn-js {version} " in (VENDORED / "VERSION").read_text()
    need((MODULES / "bpmn-js").is_dir(), "run: npm ci --prefix tools/layout")
    dist = MODULES / "bpmn-js" / "dist"
    for name, source in [
        (
            "bpmn-navigated-viewer.production.min.js",
            dist / "bpmn-navigated-viewer.production.min.js",
        ),
        ("bpmn-js.css", dist / "assets" / "bpmn-js.css"),
        ("diagram-js.css", dist / "assets" / "diagram-js.css"),
    ]:
        assert (VENDORED / name).read_bytes() == source.read_bytes(), name


@pytest.fixture
def deployed() -> Deployed:
    return (BPMN / "common", BPMN / "items" / f"{ITEM.process_id}.bpmn")


@pytest.fixture
def running(engine: Engine) -> Iterator[tuple[str, Engine]]:
    with served(create_app({"ENGINE": engine, "SECRET_KEY": "test"})) as base:
        yield base, engine


def test_page_and_assets_are_local_with_a_strict_policy(running: tuple[str, Engine]) -> None:
    app = create_app({"ENGINE": running[1], "SECRET_KEY": "test", "TESTING": True})
    client = app.test_client()
    page = client.get("/cases/1/diagram")
    assert page.status_code == 200 and page.mimetype == "text/html"
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    text = page.get_data(as_text=True)
    page.close()
    sources = re.findall(r'(?:src|href)="([^"]+)"', text)
    assert sources and all(s.startswith("/viewer/assets/") for s in sources)
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200, source
        asset.close()
    missing = client.get("/viewer/assets/nothing.js")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert client.get("/viewer/assets/../viewer.py").status_code == 404


def _render(url: str, workdir: Path) -> dict[str, Any]:
    done = dump_dom(url, workdir / "profile")
    match = re.search(r'<pre id="result"[^>]*data-done="yes"[^>]*>(.*?)</pre>', done.stdout, re.S)
    assert match, f"the page did not finish (exit {done.returncode}): {done.stdout[-2000:]}"
    result: dict[str, Any] = json.loads(html.unescape(match.group(1)))
    return result


def test_a_browser_paints_the_token_path(
    running: tuple[str, Engine], clock: ManualClock, tmp_path: Path
) -> None:
    need(CHROMIUM.exists(), "Chromium is not installed (apt-get install chromium)")
    base, engine = running
    principal = engine.identity.principal("wang.fang")
    registration = Registration(
        ITEM.code,
        Applicant("张秀兰", "11010519491231002X", "511725201003", "13800001234", None),
        "township_window",
        None,
        (),
    )
    view = RegistrationService(engine, CATALOGUE).register(principal, registration)
    task = view.tasks[0]
    engine.cases.complete_task(
        view.id, task.id, {"intake_decision": "accept"}, Actor("wang.fang", "township_window")
    )
    token = engine.identity.issue_token("wang.fang").token
    now = _render(f"{base}/cases/{view.id}/diagram#token={token}", tmp_path)
    painted = now["painted"]
    assert "Call_intake" in painted["daiban-completed"]
    assert "Call_review" in painted["daiban-active"]
    assert "daiban-overdue" not in painted
    clock.set(datetime(2026, 10, 9, 9, 0, tzinfo=SHANGHAI))  # past the due date (30 Sep)
    token = engine.identity.issue_token("wang.fang").token  # the first one has expired
    late = _render(f"{base}/cases/{view.id}/diagram#token={token}", tmp_path)
    assert late["painted"]["daiban-overdue"] == ["Call_review"]
    first = _render(f"{base}/cases/{view.id}/diagram?at=1#token={token}", tmp_path)
    assert first["seq"] == 1 and "Call_review" not in json.dumps(first["painted"])
    outsider = engine.identity.issue_token("pan.hong").token
    hidden = _render(f"{base}/cases/{view.id}/diagram#token={outsider}", tmp_path)
    assert "error" in hidden and "painted" not in hidden
