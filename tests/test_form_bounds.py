"""Form field bounds: integers and numbers have a range, texts a maximum length, declared
on the field or by default; the server enforces exactly what the task's published JSON
Schema says, and lint refuses malformed bounds as PATH:LINE: ELEMENT_ID: message.

Was: an integer form field had no upper bound (2**70 was stored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask.testing import FlaskClient
from lxml import etree

from engine import Actor, Engine, SourceFile, lint
from engine.definitions.form_bounds import MAX_TEXT, SAFE_INTEGER, Bounds
from engine.definitions.forms import Form, FormField, read_form
from webapi import create_app

TOWNSHIP = "511725201"  # wang.fang's township (township_window)

PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:daiban="urn:daiban:bpmn:1"
                  id="Definitions_bounded" targetNamespace="urn:daiban:test">
  <bpmn:process id="bounded_form" name="表单界限" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_window" name="township_window">
        <bpmn:flowNodeRef>Start_1</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Task_fill</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>End_1</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="Start_1">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="Task_fill" name="填表">
      <bpmn:extensionElements>
        <daiban:form>
FIELDS
        </daiban:form>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="End_1">
      <bpmn:incoming>Flow_2</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Start_1" targetRef="Task_fill"/>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_fill" targetRef="End_1"/>
  </bpmn:process>
</bpmn:definitions>
"""

BOUNDED = """\
          <daiban:field name="households" label="户数" type="integer" min="1" max="200"/>
          <daiban:field name="income" label="月人均收入" type="number" min="0" max="99999.5"/>
          <daiban:field name="signer" label="签收人" type="string" maxLength="8"/>
          <daiban:field name="count" label="件数" type="integer"/>
          <daiban:field name="share" label="份额" type="number" min="-0.5"/>
          <daiban:field name="title" label="标题" type="string"/>
          <daiban:field name="opinion" label="意见" type="text"/>
          <daiban:field name="summary" label="摘要" type="text" maxLength="10000"/>"""


def bpmn(fields: str) -> bytes:
    return PROCESS.replace("FIELDS", fields).encode()


# Reading and linting


def _form(fields: str) -> tuple[Form | None, list[str]]:
    root = etree.fromstring(bpmn(fields))
    task = root.find(".//{http://www.omg.org/spec/BPMN/20100524/MODEL}userTask")
    assert task is not None
    form, issues = read_form(task)
    return form, [i.message for i in issues]


def test_declared_and_default_bounds() -> None:
    form, issues = _form(BOUNDED.replace(' maxLength="10000"', ' maxLength="2000"'))
    assert issues == [] and form is not None
    limits = {f.name: f.limits for f in form.fields}
    assert limits["households"] == Bounds(1, 200)
    assert limits["income"] == Bounds(0, 99999.5)
    assert limits["signer"] == Bounds(max_length=8)
    assert limits["count"] == Bounds(-SAFE_INTEGER, SAFE_INTEGER)
    assert limits["share"] == Bounds(-0.5, SAFE_INTEGER)
    assert limits["title"] == Bounds(max_length=500)
    assert limits["opinion"] == Bounds(max_length=MAX_TEXT)
    assert limits["summary"] == Bounds(max_length=2000)
    # Fields made in code (no bounds given) have the defaults of their type.
    assert FormField("n", "integer").limits == Bounds(-SAFE_INTEGER, SAFE_INTEGER)
    assert FormField("d", "date").limits == Bounds()
    schema = form.to_json_schema()["properties"]
    assert schema["households"] == {
        "title": "户数",
        "type": "integer",
        "minimum": 1,
        "maximum": 200,
    }
    assert schema["count"]["maximum"] == 2**53 - 1 and schema["count"]["minimum"] == -(2**53 - 1)
    assert schema["signer"]["maxLength"] == 8 and schema["opinion"]["maxLength"] == MAX_TEXT


def test_the_stored_2_to_the_70_is_refused() -> None:
    form = Form((FormField("count", "integer"),))
    clean, errors = form.validate({"count": 2**70})
    assert errors == {"count": f"不能大于 {SAFE_INTEGER}"} and clean == {}
    assert form.validate({"count": SAFE_INTEGER}) == ({"count": SAFE_INTEGER}, {})
    assert form.validate({"count": -SAFE_INTEGER - 1})[1] == {"count": f"不能小于 {-SAFE_INTEGER}"}
    number = Form((FormField("x", "number"),))
    assert number.validate({"x": float("inf")})[1] == {"x": "应为有限的数值"}
    assert number.validate({"x": float("nan")})[1] == {"x": "应为有限的数值"}
    assert number.validate({"x": 1e300})[1] == {"x": f"不能大于 {SAFE_INTEGER}"}


MALFORMED = [
    ('type="integer" min="10" max="1"', "min（10）大于 max（1）"),
    ('type="integer" min="ten"', "min（“ten”）应为整数"),
    ('type="integer" max="1.5"', "max（“1.5”）应为整数"),
    ('type="number" min="NaN"', "min（“NaN”）应为数值"),
    ('type="number" max="1e999"', "超出允许范围"),
    ('type="integer" max="9007199254740992"', "超出允许范围"),
    ('type="number" min="2.5" max="-2.5"', "min（2.5）大于 max（-2.5）"),
    ('type="string" min="1"', "min 只适用于 integer、number 字段"),
    ('type="date" max="3"', "max 只适用于 integer、number 字段"),
    ('type="integer" maxLength="3"', "maxLength 只适用于 string、text 字段"),
    ('type="string" maxLength="0"', "maxLength（“0”）应为 1–10000 的整数"),
    ('type="text" maxLength="10001"', "应为 1–10000 的整数"),
    ('type="text" maxLength="many"', "应为 1–10000 的整数"),
]


@pytest.mark.parametrize(("attributes", "message"), MALFORMED)
def test_lint_refuses_malformed_bounds(tmp_path: Path, attributes: str, message: str) -> None:
    path = tmp_path / "bounded.bpmn"
    path.write_bytes(bpmn(f'          <daiban:field name="f" label="字段" {attributes}/>'))
    problems = [str(p) for p in lint([SourceFile(str(path), path.read_bytes())]).problems]
    line = 1 + bpmn("FIELD_LINE").decode().splitlines().index("FIELD_LINE")
    expected = f"{path}:{line}: Task_fill: 表单字段“f”的"
    assert any(p.startswith(expected) and message in p for p in problems), problems


# Enforced over HTTP exactly as published


@pytest.fixture
def client(engine: Engine) -> Iterator[FlaskClient]:
    engine.definitions.deploy([SourceFile("bounded.bpmn", bpmn(BOUNDED))])
    yield create_app({"ENGINE": engine, "SECRET_KEY": "test", "TESTING": True}).test_client()


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
