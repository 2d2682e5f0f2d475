"""GET /api/v1/audit/export.xes and /export.ocel.json: streamed, filtered, scoped like
every other read, documented, and problem+json on bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from lxml import etree
from werkzeug.test import TestResponse

from engine import Engine
from tests.support.databases import START, Databases
from tests.support.exports_world import XSD, Cases, exports_world

XES = "/api/v1/audit/export.xes"
OCEL = "/api/v1/audit/export.ocel.json"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def world(databases: Databases) -> Iterator[Cases]:
    with exports_world(databases) as found:
        yield found


@pytest.fixture(scope="module")
def engine(world: Cases) -> Engine:
    return world.engine


def get(world: Cases, client: FlaskClient, user: str, path: str) -> TestResponse:
    token = world.engine.identity.issue_token(user).token
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def case_ids(response: TestResponse) -> set[int]:
    document = etree.fromstring(response.get_data())
    return {
        int(trace.find("int[@key='case_id']").get("value"))  # type: ignore[union-attr]
        for trace in document.iter("trace")
    }


def test_the_supervisor_exports_the_county(world: Cases, client: FlaskClient) -> None:
    response = get(world, client, "sun.hong", XES)
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.is_streamed
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith('.xes"')
    assert case_ids(response) == set(world.ids.values())
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(etree.ElementTree(etree.fromstring(response.get_data())))


# user -> the cases of the data set the user's export holds
SCOPES = {
    "tan.xiaoyan": {"proxy"},  # her village, 青丝社区
    "deng.ming": set(),  # another village of 青丝乡
    "wang.fang": {"proxy", "window", "cancelled"},  # 青丝乡
    "chen.jing": {"proxy", "window", "cancelled"},
    "pan.hong": {"fengle"},  # 丰乐乡
    "deng.hui": {"proxy"},  # 县民政局: the case handed to it
    "tang.jian": set(),  # 县人社局: nothing handed to it
    "sun.hong": {"proxy", "window", "cancelled", "fengle"},
}


@pytest.mark.parametrize("user", sorted(SCOPES))
def test_exports_are_scoped(world: Cases, client: FlaskClient, user: str) -> None:
    expected = {world.ids[name] for name in SCOPES[user]}
    assert case_ids(get(world, client, user, XES)) == expected
    response = get(world, client, user, OCEL)
    assert response.status_code == 200 and response.mimetype == "application/json"
    cases = {o["id"] for o in response.get_json()["objects"] if o["type"] == "办件"}
    numbers = {f"case:{world.engine.cases.record(i).case_number}" for i in expected}
    assert cases == numbers


@pytest.mark.parametrize("user", ["lin.tao", "he.jun"])
@pytest.mark.parametrize("path", [XES, OCEL])
def test_designers_and_administrators_are_refused(
    world: Cases, client: FlaskClient, user: str, path: str
) -> None:
    response = get(world, client, user, path)
    assert response.status_code == 403
    assert response.mimetype == PROBLEM
    assert response.get_json()["code"] == "forbidden"


def test_filters(world: Cases, client: FlaskClient) -> None:
    ids = world.ids
    first_day = START.date().isoformat()
    assert case_ids(get(world, client, "sun.hong", f"{XES}?item=ZF002")) == {ids["window"]}
    assert case_ids(get(world, client, "sun.hong", f"{XES}?township=511725202")) == {ids["fengle"]}
    assert case_ids(get(world, client, "sun.hong", f"{XES}?village=511725201001")) == {ids["proxy"]}
    day = f"from={first_day}&to={first_day}"
    assert case_ids(get(world, client, "sun.hong", f"{XES}?{day}")) == {ids["proxy"]}
    response = get(world, client, "sun.hong", f"{XES}?{day}&item=MZ004")
    log = etree.fromstring(response.get_data())
    recorded = {s.get("key"): s.get("value") for s in log.findall("string")}
    assert recorded["filter_from"] == recorded["filter_to"] == first_day
    assert recorded["filter_item"] == "MZ004"
    body = get(world, client, "sun.hong", f"{OCEL}?item=ZF002").get_json()
    assert {e["id"].split("/")[0] for e in body["events"]} == {
        world.engine.cases.record(ids["window"]).case_number
    }


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("from=2026-13-01", {"from"}),
        ("from=2026-10-02&to=2026-10-01", {"to"}),
        ("township=abc&village=1", {"township", "village"}),
        ("to=9999-12-31", {"to"}),
        ("item=", {"item"}),
    ],
)
@pytest.mark.parametrize("path", [XES, OCEL])
def test_bad_parameters_are_problems(
    world: Cases, client: FlaskClient, path: str, query: str, fields: set[str]
) -> None:
    response = get(world, client, "sun.hong", f"{path}?{query}")
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["code"] == "validation_failed"
    assert {e["field"] for e in body["errors"]} == fields
    assert {e["in"] for e in body["errors"]} == {"query"}


@pytest.mark.parametrize("path", [XES, OCEL])
def test_without_a_token(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.mimetype == PROBLEM


def test_documented(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, media in ((XES, "application/xml"), (OCEL, "application/json")):
        operation = paths[path]["get"]
        assert set(operation["responses"]["200"]["content"]) == {media}
        assert {"401", "403", "422"} <= set(operation["responses"])
        parameters = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
        assert parameters == {"from", "to", "item", "township", "village"}
        assert operation["security"] == [{"bearerAuth": []}]


def test_ocel_is_one_json_document(world: Cases, client: FlaskClient) -> None:
    response = get(world, client, "sun.hong", OCEL)
    assert response.headers["Content-Disposition"].endswith('.ocel.json"')
    body = json.loads(response.get_data())
    assert set(body) == {"events", "objects", "objectTypes", "eventTypes"}
    declared = {t["name"] for t in body["eventTypes"]}
    assert {e["type"] for e in body["events"]} == declared
    known = {o["id"] for o in body["objects"]}
    for event in body["events"]:
        assert {r["objectId"] for r in event["relationships"]} <= known
