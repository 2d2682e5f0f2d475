"""Typed messages over HTTP: one operation per message with its payload's schema in the
OpenAPI document, a body of the wrong shape refused with every field named (and nothing
delivered), the right one delivered and counted."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from engine import Engine, ManualClock, messages
from engine.clock import SHANGHAI
from tests.support.module_fixtures import module_engine
from tests.support.paths import BPMN
from tests.support.walks import waiting_for_rating
from webapi.schemas.messages import component_name

ITEM = "zf002"  # a devolved window item
clock, engine = module_engine((BPMN / "common", BPMN / "items" / f"item_{ITEM}.bpmn"))


def auth(tokens: dict[str, str], user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[user]}"}


def ratings(client: FlaskClient, tokens: dict[str, str], clock: ManualClock) -> Any:
    day = clock.now().astimezone(SHANGHAI).date().isoformat()
    shown = client.get(f"/api/v1/stats?from={day}&to={day}", headers=auth(tokens, "sun.hong"))
    assert shown.status_code == 200, shown.get_json()
    return shown.get_json()["total"]["ratings"]


def test_staff_may_not_rate_and_a_rating_in_the_wrong_shape_delivers_nothing(
    client: FlaskClient, tokens: dict[str, str], engine: Engine, clock: ManualClock
) -> None:
    case_id = waiting_for_rating(client, tokens["wang.fang"], engine, clock, ITEM)
    before = engine.cases.record(case_id)
    url = f"/api/v1/cases/{case_id}/messages/rating"
    # The clerk of the case, rightly shaped or not: the rating is the resident's alone.
    for payload in ({"rating": "satisfied"}, {"level": "satisfied"}):
        faked = client.post(url, json=payload, headers=auth(tokens, "wang.fang"))
        assert faked.status_code == 403, faked.get_json()
        assert faked.mimetype == "application/problem+json"
        assert faked.get_json()["code"] == "resident_only"
        assert "群众本人" in faked.get_json()["detail"]
    # The resident's link, with a wrong body: every field named, nothing delivered.
    link = engine.ratings.invitation_url(case_id)
    assert link is not None
    public = f"/api/v1/public/ratings/{link.split('#', 1)[1]}"
    wrong = client.post(public, json={"level": 7, "rating": "satisfied"})
    assert wrong.status_code == 422, wrong.get_json()
    assert {e["field"] for e in wrong.get_json()["errors"]} == {"level", "rating"}
    unexplained = client.post(public, json={"level": 1})
    assert unexplained.status_code == 422, unexplained.get_json()
    assert unexplained.get_json()["errors"][0]["field"] == "reasons"
    after = engine.cases.record(case_id)
    assert (after.version, after.last_seq, after.status) == (
        before.version,
        before.last_seq,
        "open",
    )
    assert engine.cases.get(case_id).waiting_messages == ["rating"]
    counted = ratings(client, tokens, clock)

    right = client.post(public, json={"level": 4})
    assert right.status_code == 200, right.get_json()
    assert right.get_json()["level"] == "satisfied"
    assert engine.cases.get(case_id).status == "completed"
    assert engine.cases.get(case_id).data["rating"] == "satisfied"
    assert ratings(client, tokens, clock) == counted + 1


def test_an_undefined_message_is_not_found(
    client: FlaskClient, tokens: dict[str, str], engine: Engine, clock: ManualClock
) -> None:
    case_id = waiting_for_rating(client, tokens["wang.fang"], engine, clock, ITEM)
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
