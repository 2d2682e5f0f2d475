"""Bounded engine work per state change, over HTTP: the app builds its engine with the
configured bounds, a registration that runs away is a clean 422, and auditors see the
incident (the bounds themselves: ``tests/integration/test_engine_bounds.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from engine import Engine, EngineBounds, ManualClock, SourceFile
from processes.catalogue import Item
from tests.support import driving
from tests.support.api import make_app
from tests.support.bounded_processes import loop
from tests.support.databases import Databases
from tests.support.shipped import shipped_catalogue
from webapi import create_app
from webapi.settings import ConfigError


def test_the_app_builds_its_engine_with_the_configured_bounds(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path}/bounds.sqlite3"
    app = create_app(
        {"DATABASE_URL": url, "ENGINE_MAX_STEPS": "700", "LOOP_MAXIMUM": 7, "SECRET_KEY": "x"}
    )
    services = app.extensions["daiban"]
    assert services.engine.bounds == EngineBounds(max_steps=700, loop_maximum=7)
    services.engine.close()
    with pytest.raises(ConfigError, match="DAIBAN_LOOP_MAXIMUM"):
        create_app({"DATABASE_URL": url, "LOOP_MAXIMUM": "0", "SECRET_KEY": "x"})


ITEM: Item = next(
    i
    for i in sorted(shipped_catalogue(), key=lambda i: i.code)
    if i.decided_at == "T->C" and i.proxy_allowed and i.initiated_by == "applicant"
)


def registration() -> dict[str, Any]:
    return driving.registration(ITEM.code, [ITEM.materials[0].name] if ITEM.materials else [])


@pytest.fixture
def api(databases: Databases, clock: ManualClock) -> Iterator[tuple[Engine, FlaskClient]]:
    bounds = EngineBounds(max_steps=60, loop_maximum=10_000)
    with databases.engine(clock, bounds=bounds) as engine:
        yield engine, make_app(engine).test_client()


def cases_stored(engine: Engine) -> int:
    with engine.store.unit_of_work(write=False) as uow:
        return uow.cases.count()


def bearer(engine: Engine, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {engine.identity.issue_token(user).token}"}


def test_registration_that_runs_away_is_a_clean_422_and_creates_no_case(
    api: tuple[Engine, FlaskClient],
) -> None:
    engine, client = api
    # The item's process, replaced by one that loops at registration.
    engine.definitions.deploy(
        [SourceFile("item.bpmn", loop(ITEM.process_id, 10_000, None, "x = 1"))]
    )
    response = client.post(
        "/api/v1/cases", json=registration(), headers=bearer(engine, "tan.xiaoyan")
    )
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "engine_step_limit"
    assert "引擎步数上限" in problem["detail"]
    assert cases_stored(engine) == 0


def test_auditors_see_the_incident_in_the_history(api: tuple[Engine, FlaskClient]) -> None:
    engine, client = api
    engine.definitions.deploy(
        [SourceFile("item.bpmn", loop(ITEM.process_id, 10_000, script="x = 1"))]
    )
    agent = bearer(engine, "tan.xiaoyan")
    created = client.post("/api/v1/cases", json=registration(), headers=agent)
    assert created.status_code == 201, created.get_json()
    case = created.get_json()
    (task,) = case["tasks"]
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"note": "好"}, headers=agent)
    assert done.status_code == 422 and done.get_json()["code"] == "engine_step_limit"
    history = client.get(f"/api/v1/cases/{case['id']}/history", headers=bearer(engine, "sun.hong"))
    assert history.status_code == 200, history.get_json()
    last = history.get_json()["events"][-1]
    assert (last["type"], last["type_name"]) == ("incident", "流程异常")
    assert "引擎步数上限" in last["data"]["error"]
    assert last["data"]["element_id"] == "Script_loop"
    again = client.get(f"/api/v1/cases/{case['id']}", headers=agent).get_json()
    assert again["status"] == "open" and again["has_incident"] is True
