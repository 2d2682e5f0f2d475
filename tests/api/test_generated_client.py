"""A Python client generated from the OpenAPI document (``openapi-python-client``) drives one
proxy item's whole case against a real server, using nothing but the generated code.

A village agent registers the case at its service point; from then on the test reads who
acts next from the answers alone: each answer's open tasks name their candidates, one of
them logs in, reads the task and its published form, fills the form from its JSON Schema
(required fields, the ``if``/``then`` rules, each field's ``const``/``oneOf``/bounds) and
claims and completes the task with the ``ETag`` it read as ``If-Match``; a case waiting
for a message gets one built from that message's published schema. No task id, role or
step name is written here. Skipped only when the generator is missing outside CI.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest

from engine import Engine
from tests.support.databases import Deployed
from tests.support.paths import ROOT
from tests.support.servers import served
from tests.support.walks import (
    APPLICANT,
    PROXY_ITEM,
    QINGSI_COMMUNITY,
    STAFF_PASSWORD,
    WALKED,
)
from webapi import create_app
from webapi.headers import QuietRequestHandler

GENERATOR = shutil.which("openapi-python-client") or str(
    Path(sys.executable).parent / "openapi-python-client"
)
CONFIG = ROOT / "tools" / "clients" / "openapi-python-client.yaml"
PACKAGE = "daiban_generated_client"
AGENT = "tan.xiaoyan"  # the village agent (代办员) of 青丝社区, who registers the case
MAX_STEPS = 40


@pytest.fixture
def deployed() -> Deployed:
    return WALKED


@pytest.fixture
def server(engine: Engine) -> Iterator[str]:
    app = create_app({"ENGINE": engine, "SECRET_KEY": "test"})  # not TESTING: as served
    with served(app, QuietRequestHandler) as base:
        yield base


@pytest.fixture
def document(server: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{server}/api/v1/openapi.json") as answer:  # the live one
        found: dict[str, Any] = json.load(answer)
    return found


@pytest.fixture
def generated(document: dict[str, Any], tmp_path: Path) -> Iterator[ModuleType]:
    """The client generated from the live document, imported as ``PACKAGE``."""
    if not Path(GENERATOR).exists():
        if os.environ.get("CI"):
            pytest.fail("openapi-python-client is not installed (pip install -e '.[test]')")
        pytest.skip("openapi-python-client is not installed (pip install -e '.[test]')")
    source = tmp_path / "openapi.json"
    source.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [
            *(GENERATOR, "generate", "--path", str(source)),
            *("--output-path", str(tmp_path / PACKAGE), "--meta", "none"),
            *("--config", str(CONFIG), "--fail-on-warning"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


class Desk:
    """The generated client as the county's staff use it: one login per user."""

    def __init__(self, package: ModuleType, base_url: str, engine: Engine) -> None:
        self.package = package
        self.base_url = base_url
        self.engine = engine
        self.clients: dict[str, Any] = {}

    def api(self, name: str) -> ModuleType:
        return importlib.import_module(f"{self.package.__name__}.api.{name}")

    def model(self, name: str) -> Any:
        return getattr(importlib.import_module(f"{self.package.__name__}.models"), name)

    def as_user(self, user: str) -> Any:
        """``user``'s authenticated client, logged in with its password."""
        if user not in self.clients:
            # The administrator's part (`daiban users password USER`), not the client's.
            if not self.engine.identity.has_password(user):
                self.engine.identity.set_password(user, STAFF_PASSWORD)
            anonymous = self.package.Client(base_url=self.base_url)
            login = self.model("Login")(user=user, password=STAFF_PASSWORD)
            token = self.api("auth.login").sync(client=anonymous, body=login)
            assert isinstance(token, self.model("Token")), token
            self.clients[user] = self.package.AuthenticatedClient(
                base_url=self.base_url, token=token.token
            )
        return self.clients[user]


# -- form data from a published JSON Schema ----------------------------------------------


def value_for(field: dict[str, Any], today: date) -> Any:
    """A valid value of one field: its constant, first choice, lower bound or an example."""
    if "const" in field:
        return field["const"]
    for choices in ("oneOf", "anyOf"):
        if choices in field:
            option = {k: v for k, v in field.items() if k != choices} | field[choices][0]
            return value_for(option, today)
    if field.get("enum"):
        return field["enum"][0]
    kind = field.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        low = field.get("minimum", 1)
        high = field.get("maximum", max(low, 1))
        return min(max(low, 1), high)
    if kind == "array":
        item = value_for(field.get("items", {"type": "string"}), today)
        return [item] * max(field.get("minItems", 1), 1)
    if kind == "object":
        return build(field, today)
    if field.get("format") == "date":
        return today.isoformat()
    if field.get("format") == "date-time":
        return f"{today.isoformat()}T09:00:00+08:00"
    for example in [*field.get("examples", []), field.get("example")]:
        if isinstance(example, str):
            return example
    text = "经核实，情况属实"[: field.get("maxLength", 20)]
    return text if len(text) >= field.get("minLength", 0) else "x" * field["minLength"]


def build(schema: dict[str, Any], today: date) -> dict[str, Any]:
    """The required fields, then those each ``if``/``then`` rule requires once it holds."""
    fields: dict[str, Any] = schema.get("properties", {})
    data = {name: value_for(fields[name], today) for name in schema.get("required", [])}
    rules = [rule for rule in schema.get("allOf", []) if "if" in rule]
    changed = True
    while changed:
        changed = False
        for rule in rules:
            if not jsonschema.Draft202012Validator(rule["if"]).is_valid(data):
                continue
            then = rule.get("then", {})
            for name in then.get("required", []):
                if name not in data:
                    field = {**fields.get(name, {}), **then.get("properties", {}).get(name, {})}
                    data[name] = value_for(field, today)
                    changed = True
    jsonschema.validate(data, schema)  # what the server will check first
    return data


def message_body(document: dict[str, Any], name: str, today: date) -> dict[str, Any]:
    """A body for message ``name`` built from its schema in the document."""
    operation = document["paths"][f"/api/v1/cases/{{case_id}}/messages/{name}"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return build(schema, today)


def body_model(send: ModuleType, body: dict[str, Any]) -> Any:
    """``body`` as the generated model the operation ``send`` takes (its signature says)."""
    return send.sync_detailed.__annotations__["body"].from_dict(body)


def snake(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


# -- the case ------------------------------------------------------------------------------


def test_a_generated_client_drives_a_proxy_case_to_the_end(
    generated: ModuleType, document: dict[str, Any], server: str, engine: Engine
) -> None:
    desk = Desk(generated, server, engine)
    today = engine.clock.now().date()
    Problem = desk.model("Problem")

    # 谭晓燕 registers the case at 青丝社区's service point.
    register = desk.api("cases.create_case")
    registration = body_model(
        register,
        {
            "item_code": PROXY_ITEM.code,
            "applicant": {**APPLICANT, "village": QINGSI_COMMUNITY},
            "channel": "village_point",
            "materials": [m.name for m in PROXY_ITEM.materials if m.required],
        },
    )
    created = register.sync_detailed(
        client=desk.as_user(AGENT), body=registration, idempotency_key="generated-client-1"
    )
    assert created.status_code == 201, created.content
    case = created.parsed
    assert case.status == "open" and case.item_code == PROXY_ITEM.code
    case_id, status, open_tasks = case.id, case.status, list(case.tasks)
    acted: list[tuple[str, str]] = []

    for _ in range(MAX_STEPS):
        if status != "open":
            break
        if not open_tasks:
            # No task: the case waits for a message; its published schema gives the body.
            read = desk.api("cases.get_case").sync_detailed(case_id, client=desk.as_user(AGENT))
            assert read.status_code == 200, read.content
            [name] = read.parsed.waiting_messages
            if name == "rating":
                # The resident's own: the one-time link the staff's answer carries (the
                # 办结通知书 prints it), posted with no account.
                shown = desk.api("ratings.get_case_ratings").sync_detailed(
                    case_id, client=desk.as_user(AGENT)
                )
                assert shown.status_code == 200, shown.content
                token = shown.parsed.invitation_url.split("#", 1)[1]
                rate = desk.api("public.post_public_rating")
                anonymous = desk.package.Client(base_url=desk.base_url)
                rated = rate.sync_detailed(
                    token, client=anonymous, body=body_model(rate, {"level": 5})
                )
                assert rated.status_code == 200, rated.content
                assert rated.parsed.level == "very_satisfied"
                acted.append((AGENT, "rating handed to the resident"))
                read = desk.api("cases.get_case").sync_detailed(case_id, client=desk.as_user(AGENT))
                status, open_tasks = read.parsed.status, list(read.parsed.tasks)
                continue
            operation = document["paths"][f"/api/v1/cases/{{case_id}}/messages/{name}"]["post"]
            send = desk.api(f"messages.{snake(operation['operationId'])}")
            body = body_model(send, message_body(document, name, today))
            answer = send.sync_detailed(case_id, client=desk.as_user(AGENT), body=body)
            assert answer.status_code == 200, answer.content
            acted.append((AGENT, f"message {name}"))
            status, open_tasks = answer.parsed.status, list(answer.parsed.tasks)
            continue
        task = open_tasks[0]
        user = task.claimed_by if isinstance(task.claimed_by, str) else task.candidates[0].user
        client = desk.as_user(user)
        read = desk.api("tasks.get_task").sync_detailed(task.id, client=client)
        assert read.status_code == 200, read.content
        detail = read.parsed
        assert detail.may_act is True and read.headers["ETag"] == f'"{detail.case_version}"'
        data = build(detail.form.to_dict(), today)
        claimed = desk.api("tasks.claim_task").sync_detailed(
            task.id, client=client, if_match=read.headers["ETag"]
        )
        assert claimed.status_code == 200, claimed.content
        # The ETag read before the claim is stale now: 412, and nothing changes.
        stale = desk.api("tasks.complete_task").sync_detailed(
            task.id,
            client=client,
            body=desk.model("FormData").from_dict(data),
            if_match=read.headers["ETag"],
        )
        assert stale.status_code == 412 and isinstance(stale.parsed, Problem), stale.content
        assert stale.parsed.code == "precondition_failed"
        done = desk.api("tasks.complete_task").sync_detailed(
            task.id,
            client=client,
            body=desk.model("FormData").from_dict(data),
            if_match=f'"{claimed.parsed.case_version}"',
        )
        assert done.status_code == 200, (task.name, data, done.content)
        acted.append((user, task.name))
        status, open_tasks = done.parsed.case.status, list(done.parsed.next_tasks)
        assert done.parsed.case.version == claimed.parsed.case_version + 1
    else:
        pytest.fail(f"the case did not end in {MAX_STEPS} steps: {acted}")

    final = desk.api("cases.get_case").sync_detailed(case_id, client=desk.as_user(AGENT))
    assert final.status_code == 200 and final.parsed.status == "completed", final.content
    assert final.parsed.tasks == [] and final.parsed.waiting_messages == []
    assert final.headers["ETag"] == f'"{final.parsed.version}"'
    # Village, township and county staff all had their turn, chosen from the answers.
    units = {engine.org.users[user].unit for user, _ in acted}
    record = engine.cases.record(case_id)
    assert {QINGSI_COMMUNITY, record.org_unit, record.department} <= units, acted
    assert final.parsed.via_proxy is True and final.parsed.channel == "village_point"
    assert engine.audit.verify(case_id).ok
