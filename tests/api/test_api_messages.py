"""Typed messages over HTTP: one operation per message with its payload's schema in the
OpenAPI document, a body of the wrong shape refused with every field named (and nothing
delivered), the right one delivered and counted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from engine import Engine, ManualClock, elements, messages
from engine.clock import SHANGHAI
from engine.simulate import fill_form
from tests.support.module_fixtures import module_engine
from tests.support.paths import BPMN
from webapi.schemas.messages import component_name

ID = "11010519491231002X"
ITEM = "zf002"  # a devolved window item
clock, engine = module_engine((BPMN / "common", BPMN / "items" / f"item_{ITEM}.bpmn"))


def auth(tokens: dict[str, str], user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[user]}"}


def waiting_for_rating(
    client: FlaskClient, tokens: dict[str, str], engine: Engine, clock: ManualClock
) -> int:
    """A case of the window item, worked through the engine until it waits for a rating."""
    body = {
        "item_code": ITEM.upper(),
        "applicant": {"name": "张三", "id_number": ID, "village": "511725201003"},
        "channel": "township_window",
        "materials": [],
    }
    response = client.post("/api/v1/cases", json=body, headers=auth(tokens, "wang.fang"))
    assert response.status_code == 201, response.get_json()
    case_id: int = response.get_json()["id"]
    cases = engine.cases
    for _ in range(30):
        view = cases.get(case_id)
        if not view.tasks:
            break
        task = view.tasks[0]
        form = engine.definitions.compiled(view.definition_hash).form(task.process_id, task.spec_id)
        today = clock.now().astimezone(SHANGHAI).date().isoformat()
        cases.complete_task(case_id, task.id, fill_form(form, {}, today))
        clock.advance(timedelta(minutes=5))
    assert cases.get(case_id).waiting_messages == [elements.RATING]
    return case_id


def ratings(client: FlaskClient, tokens: dict[str, str], clock: ManualClock) -> Any:
    day = clock.now().astimezone(SHANGHAI).date().isoformat()
    shown = client.get(f"/api/v1/stats?from={day}&to={day}", headers=auth(tokens, "sun.hong"))
    assert shown.status_code == 200, shown.get_json()
    return shown.get_json()["total"]["ratings"]


def test_a_rating_in_the_wrong_shape_is_refused_and_nothing_is_delivered(
    client: FlaskClient, tokens: dict[str, str], engine: Engine, clock: ManualClock
) -> None:
    case_id = waiting_for_rating(client, tokens, engine, clock)
    before = engine.cases.record(case_id)
    url = f"/api/v1/cases/{case_id}/messages/rating"
    wrong = client.post(url, json={"rating": "satisfied"}, headers=auth(tokens, "wang.fang"))
    assert wrong.status_code == 422, wrong.get_json()
    assert wrong.mimetype == "application/problem+json"
    problem = wrong.get_json()
    assert problem["code"] == "validation_failed"
    assert sorted(problem["errors"], key=lambda e: e["field"]) == [
        {"field": "level", "in": "body", "reason": "必填"},
        {"field": "rating", "in": "body", "reason": "该消息没有这个字段"},
    ]
    after = engine.cases.record(case_id)
    assert (after.version, after.last_seq, after.status) == (
        before.version,
        before.last_seq,
        "open",
    )
    assert engine.cases.get(case_id).waiting_messages == ["rating"]
    counted = ratings(client, tokens, clock)

    right = client.post(url, json={"level": "satisfied"}, headers=auth(tokens, "wang.fang"))
    assert right.status_code == 200, right.get_json()
    assert right.get_json()["status"] == "completed"
    assert engine.cases.get(case_id).data["rating"] == "satisfied"
    assert ratings(client, tokens, clock) == counted + 1


def test_an_undefined_message_is_not_found(
    client: FlaskClient, tokens: dict[str, str], engine: Engine, clock: ManualClock
) -> None:
    case_id = waiting_for_rating(client, tokens, engine, clock)
    response = client.post(
        f"/api/v1/cases/{case_id}/messages/rated", json={}, headers=auth(tokens, "wang.fang")
    )
    assert response.status_code == 404
    problem = response.get_json()
    assert problem["code"] == "not_found"
    assert "没有名为“rated”的消息" in problem["detail"] and "rating" in problem["detail"]


def test_each_message_is_an_operation_with_its_own_schema(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    components = document["components"]["schemas"]
    operations = set()
    for name, schema in messages.SCHEMAS.items():
        operation = document["paths"][f"/api/v1/cases/{{case_id}}/messages/{name}"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{component_name(name)}"}
        published = components[component_name(name)]
        assert published["x-title"] == schema["title"]
        assert published.get("required", []) == schema.get("required", [])
        assert published["additionalProperties"] is False
        assert set(published["properties"]) == set(schema["properties"])
        assert not operation["summary"].isascii()
        assert {"403", "404", "409", "422"} <= set(operation["responses"])
        operations.add(operation.get("operationId") or name)
    assert len(operations) == len(messages.SCHEMAS)
    level = components["RatingMessage"]["properties"]["level"]
    # published as enum + x-enum-descriptions (webapi.openapi.ClientNamesPlugin)
    choices = list(zip(level["enum"], level["x-enum-descriptions"], strict=True))
    assert choices[:2] == [("very_satisfied", "非常满意"), ("satisfied", "满意")]
