"""Hard bounds on script evaluation through the engine and the HTTP API: a hostile script
task becomes an incident within its budget, and the server keeps answering while a
registration meets a hostile condition (the bounds themselves: ``tests/unit/test_isolation.py``)."""

from __future__ import annotations

import gc
import io
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from engine import Actor, Engine, ManualClock, read_sources
from engine.errors import ScriptLimitExceeded
from engine.scripting.isolation import default_pool
from tests.support.api import make_app
from tests.support.databases import START, Databases
from tests.support.driving import registration
from tests.support.paths import BPMN, DATA
from tests.support.scripts import HOSTILE
from tests.support.servers import served


def test_hostile_script_task_becomes_an_incident_within_its_budget(
    engine: Engine, tmp_path: Path
) -> None:
    source = (DATA / "incident.bpmn").read_text(encoding="utf-8")
    hostile = tmp_path / "incident.bpmn"
    hostile.write_text(
        source.replace("share = 1200 / households", f"share = {HOSTILE}"),
        encoding="utf-8",
    )
    engine.definitions.deploy(read_sources([hostile]))
    view = engine.cases.start("incident", {})
    task = next(t.id for t in view.tasks if t.spec_id == "Task_amount")
    started = time.monotonic()
    with pytest.raises(ScriptLimitExceeded, match=r"Script_share.*CPU 时间上限"):
        engine.cases.complete_task(view.id, task, {"households": 3}, Actor("wang.fang"))
    # Killed at 2.1 s of CPU (tests/unit/test_isolation.py measures that); the wall time
    # depends on the machine's load, bounded by the pool's wall factor.
    assert time.monotonic() - started < 2.1 * default_pool().settings.wall_factor
    after = engine.cases.get(view.id)
    assert after.has_incident
    incident = engine.audit.history(view.id)[1][-1].event
    assert (incident.type, incident.payload["code"]) == ("incident", "script_limit_exceeded")
    assert [t.spec_id for t in after.tasks] == ["Task_amount"]  # the case is unchanged
    assert engine.audit.verify(view.id).ok
    assert default_pool().kills >= 1


def test_server_answers_while_a_registration_meets_a_hostile_condition(
    databases: Databases,
) -> None:
    """A designer's gateway condition that spends seconds in one builtin call: the
    registration fails after its budget, and meanwhile every health check answers."""
    item = BPMN / "items" / "item_mz001.bpmn"
    with databases.engine(ManualClock(START), (BPMN / "common", item)) as engine:
        app = make_app(engine)
        hostile = item.read_bytes().replace(
            b'tFormalExpression">via_proxy<',
            f'tFormalExpression">{HOSTILE} == 0 or via_proxy<'.encode(),
        )
        designer = {"Authorization": f"Bearer {engine.identity.issue_token('lin.tao').token}"}
        deployed = app.test_client().post(
            "/api/v1/definitions",
            data={"files": [(io.BytesIO(hostile), item.name)]},
            content_type="multipart/form-data",
            headers=designer,
        )
        assert deployed.status_code == 201, deployed.get_json()
        with served(app) as base:
            _register_while_checking_health(engine, base)


def _register_while_checking_health(engine: Engine, base: str) -> None:
    agent = engine.identity.issue_token("tan.xiaoyan").token
    answer: dict[str, Any] = {}

    def register() -> None:
        request = urllib.request.Request(
            f"{base}/api/v1/cases",
            data=json.dumps(registration("MZ001")).encode(),
            headers={"Authorization": f"Bearer {agent}", "Content-Type": "application/json"},
            method="POST",
        )
        started = time.monotonic()
        try:
            urllib.request.urlopen(request, timeout=30)
        except urllib.error.HTTPError as error:
            answer.update(status=error.code, body=json.loads(error.read()))
        answer["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=register)
    health = []
    # The server shares this process with the test session's heap: a full collection of
    # it stops every thread for seconds on a loaded machine, which is not the pause this
    # test looks for (the server's threads waiting on the script).
    gc.collect()
    gc.disable()
    try:
        thread.start()
        while thread.is_alive():
            started = time.monotonic()
            with urllib.request.urlopen(f"{base}/api/v1/health", timeout=30) as response:
                assert response.status == 200
            health.append(time.monotonic() - started)
            time.sleep(0.02)
        thread.join()
    finally:
        gc.enable()
    assert answer["status"] == 422, answer
    assert answer["body"]["code"] == "script_limit_exceeded"
    assert "Gateway_via_proxy" in answer["body"]["detail"] or "CPU" in answer["body"]["detail"]
    # Killed at 2.1 s of CPU; its wall time grows with the machine's load, bounded by
    # the pool's wall factor (tests/unit/test_isolation.py measures the CPU).
    assert 2.0 <= answer["seconds"] < 2.1 * default_pool().settings.wall_factor
    assert len(health) >= 20
    assert max(health) < 0.5, sorted(health)[-5:]
