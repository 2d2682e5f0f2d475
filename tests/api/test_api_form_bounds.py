"""Form field bounds over HTTP: the server enforces exactly what the task's published JSON
Schema says (the bounds themselves: ``tests/unit/test_form_bounds.py``).

Was: an integer form field had no upper bound (2**70 was stored).
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from flask.testing import FlaskClient

from engine import Actor, Engine, SourceFile
from engine.definitions.form_bounds import MAX_TEXT, SAFE_INTEGER
from tests.support.bounded_form import BOUNDED, TOWNSHIP, bpmn
from tests.support.databases import Deployed


@pytest.fixture
def deployed() -> Deployed:
    return [SourceFile("bounded.bpmn", bpmn(BOUNDED))]


def _open_task(engine: Engine) -> str:
    view = engine.cases.start("bounded_form", {}, Actor("wang.fang"), org_unit=TOWNSHIP)
    return view.tasks[0].id


# (field, value just inside, value just outside)
EDGES: list[tuple[str, Any, Any]] = [
    ("households", 1, 0),
    ("households", 200, 201),
    ("income", 0, -0.01),
    ("income", 99999.5, 99999.51),
    ("signer", "八个字的签收人名", "九个字的签收人名字"),
    ("count", SAFE_INTEGER, SAFE_INTEGER + 1),
    ("count", -SAFE_INTEGER, -SAFE_INTEGER - 1),
    ("count", 0, 2**70),
    ("share", -0.5, -0.51),
    ("title", "题" * 500, "题" * 501),
    ("summary", "摘" * MAX_TEXT, "摘" * (MAX_TEXT + 1)),
]


def test_server_enforces_what_the_published_schema_says(
    client: FlaskClient, engine: Engine
) -> None:
    headers = {"Authorization": f"Bearer {engine.identity.issue_token('wang.fang').token}"}
    task = _open_task(engine)
    published = client.get(f"/api/v1/tasks/{task}", headers=headers).get_json()["form"]
    assert published["properties"]["households"]["maximum"] == 200
    assert published["properties"]["summary"]["maxLength"] == MAX_TEXT
    for field, inside, outside in EDGES:
        assert _accepted(published, {field: inside}), (field, inside)
        assert not _accepted(published, {field: outside}), (field, outside)
        response = client.post(
            f"/api/v1/tasks/{task}/complete", json={field: outside}, headers=headers
        )
        assert response.status_code == 422, (field, outside)
        body = response.get_json()
        assert body["code"] == "validation_failed"
        assert [(e["field"], e["in"]) for e in body["errors"]] == [(field, "body")]
        assert body["errors"][0]["reason"].startswith(("不能小于", "不能大于", "过长"))
    for field, inside, _ in EDGES:  # each value just inside completes a task
        response = client.post(
            f"/api/v1/tasks/{_open_task(engine)}/complete", json={field: inside}, headers=headers
        )
        assert response.status_code == 200, (field, response.get_json())


def _accepted(schema: dict[str, Any], data: dict[str, Any]) -> bool:
    try:
        jsonschema.validate(data, schema)
    except jsonschema.ValidationError:
        return False
    return True
