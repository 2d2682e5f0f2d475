"""Hostile input over HTTP: every JSON body, query string, upload and header the API reads
is refused with a 4xx problem naming what is wrong, never a 500, on every operation of
the OpenAPI document; undeclared query parameters are a 422 everywhere.

Were 500s (issue 9): a body nested 100,000 levels (RecursionError), an integer of 5,000
digits (Python's int/str limit), a string "\\ud800" (a lone surrogate reaching SQLite);
and ``POST /tasks/{id}/complete?dry_run=true`` completed the task.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from engine import Engine
from tests.support.api import shared_app, shared_tokens
from tests.support.databases import Databases
from tests.support.module_fixtures import module_engine
from tests.support.paths import BPMN, LIBRARY
from webapi import problems
from webapi.arguments import declared_parameters
from webapi.json_body import MAX_DEPTH, MAX_NUMBER_CHARS, SURROGATE_REASON, too_deep

PROBLEM = "application/problem+json"
ITEM = "ZF002"  # a township window licence
CLERK, DESIGNER = "wang.fang", "lin.tao"


clock, engine = module_engine(LIBRARY)


def auth(tokens: dict[str, str], user: str = CLERK, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[user]}", **headers}


REGISTRATION = {
    "item_code": ITEM,
    "applicant": {"name": "张三", "id_number": "11010519491231002X", "village": "511725201001"},
    "channel": "township_window",
}


@pytest.fixture(scope="module")
def real(engine: Engine, databases: Databases) -> dict[str, str]:
    """Real ids for the path parameters: a case with an open task."""
    client, tokens = shared_app(databases, engine).test_client(), shared_tokens(databases, engine)
    response = client.post("/api/v1/cases", json=REGISTRATION, headers=auth(tokens))
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    return {
        "case_id": str(case["id"]),
        "task_id": case["tasks"][0]["id"],
        "name": "county_decision",
        "issue_id": "1",
        "code": ITEM,
        "process_id": "common_intake",
        "version": "1",
        "absence_id": "1",
        "notice_id": "1",
        "user_id": "wang.fang",
        "token": "a-rating-link-token-nobody-holds",  # the public rating's path: unknown
        "attachment_id": "1",
        "document_id": "receipt-1",
        "line": "1",  # a payout list's line (the case is none: 404 once the body is read)
        "run_id": "1",  # a scheduled pickup run (none yet: 404)
        "village": "511725201001",  # a village's contact card
    }


@pytest.fixture(scope="module")
def spec(engine: Engine, databases: Databases) -> dict[str, Any]:
    client = shared_app(databases, engine).test_client()
    document: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    return document


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method != "parameters":
                yield method.upper(), path, operation


def takes_json(operation: dict[str, Any]) -> bool:
    return "application/json" in operation.get("requestBody", {}).get("content", {})


def url(path: str, real: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: real[m[1]], path)


def assert_problem(response: Any, status: int, code: str, context: Any = None) -> dict[str, Any]:
    assert response.status_code == status, (context, response.get_data(as_text=True)[:300])
    assert response.mimetype == PROBLEM, context
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status and body["code"] == code, (context, body)
    assert body["detail"] and not body["detail"].isascii(), body  # a Chinese detail
    return body


# Hostile JSON bodies: (name, raw body, status, code). 1 MiB is the body size limit.
HOSTILE: list[tuple[str, str | bytes, int, str]] = [
    ("nested 100,000 levels", "[" * 100_000 + "]" * 100_000, 400, "json_too_deep"),
    ("nested inside an object", '{"note": ' + "[" * 40 + "]" * 40 + "}", 400, "json_too_deep"),
    ("deep objects", '{"a": ' * 5_000 + "1" + "}" * 5_000, 400, "json_too_deep"),
    ("integer of 5,000 digits", '{"note": 1' + "0" * 5_000 + "}", 400, "json_number_too_large"),
    ("negative long integer", '{"n": -' + "9" * 4_400 + "}", 400, "json_number_too_large"),
    ("float overflowing", '{"note": 1e999}', 400, "json_number_too_large"),
    ("float of 5,000 digits", '{"n": 0.' + "1" * 5_000 + "}", 400, "json_number_too_large"),
    ("NaN", '{"note": NaN}', 400, "invalid_json"),
    ("Infinity", '{"note": [-Infinity]}', 400, "invalid_json"),
    ("not UTF-8", b'{"note": "\xff"}', 400, "invalid_json"),
    ("lone high surrogate", '{"note": "\\ud800"}', 422, "validation_failed"),
    ("lone low surrogate in a list", '{"note": ["ok", "x\\udc00"]}', 422, "validation_failed"),
    ("lone surrogate in a key", '{"\\udfff": "x"}', 422, "validation_failed"),
    ("NUL escaped", '{"note": "a\\u0000b"}', 422, "validation_failed"),
    ("too large", '{"note": "' + "x" * (1024 * 1024) + '"}', 413, "payload_too_large"),
]


@pytest.mark.parametrize(("name", "body", "status", "code"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_every_json_operation_refuses_hostile_bodies(
    client: FlaskClient,
    tokens: dict[str, str],
    real: dict[str, str],
    spec: dict[str, Any],
    name: str,
    body: str | bytes,
    status: int,
    code: str,
) -> None:
    found = [(m, p) for m, p, o in operations(spec) if takes_json(o)]
    assert ("POST", "/api/v1/auth/login") in found and len(found) >= 10
    for method, path in found:
        for user in (CLERK, DESIGNER):
            headers = auth(tokens, user) if path != "/api/v1/auth/login" else {}
            response = client.open(
                url(path, real),
                method=method,
                data=body,
                content_type="application/json",
                headers=headers,
            )
            problem = assert_problem(response, status, code, (method, path, user, name))
            if "surrogate" in name or "NUL" in name:
                (error,) = problem["errors"]
                assert error["in"] == "body" and error["field"] in ("note", "\\udfff"), error


def test_hostile_bodies_to_operations_without_a_json_body_are_no_500(
    client: FlaskClient, engine: Engine, real: dict[str, str], spec: dict[str, Any]
) -> None:
    # Operations that read no JSON body never parse one: the body is ignored or refused.
    others = [(m, p) for m, p, o in operations(spec) if m == "POST" and not takes_json(o)]
    assert others
    for method, path in others:
        for name, body, *_ in HOSTILE:
            token = engine.identity.issue_token(CLERK).token  # logout revokes it
            response = client.open(
                url(path, real),
                method=method,
                data=body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code < 500, (method, path, name)
            if response.status_code >= 400:
                assert response.mimetype == PROBLEM


def test_limits_are_exact(client: FlaskClient) -> None:
    def login(body: str) -> Any:
        return client.post("/api/v1/auth/login", data=body, content_type="application/json")

    # MAX_DEPTH levels are parsed (and then refused by the schema), one more is not.
    at_limit = '{"user": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}"
    assert_problem(login(at_limit), 422, "validation_failed")
    beyond = '{"user": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}"
    problem = assert_problem(login(beyond), 400, "json_too_deep")
    assert problem["max_depth"] == MAX_DEPTH
    # Brackets inside strings nest nothing.
    text = '{"user": "' + "[{" * 1000 + '", "password": "x"}'
    assert login(text).status_code in (401, 422)
    longest = "-" + "9" * (MAX_NUMBER_CHARS - 1)
    assert_problem(login('{"user": ' + longest + "}"), 422, "validation_failed")
    assert_problem(login('{"user": ' + longest + "9}"), 400, "json_number_too_large")
    assert_problem(login('{"user": 1.5e308}'), 422, "validation_failed")
    # An escaped backslash before "ud800" is text, not a surrogate.
    assert_problem(login('{"user": "\\\\ud800"}'), 422, "validation_failed")  # password missing
    surrogate = login('{"user": "a\\ud800", "password": "x"}').get_json()
    assert surrogate["errors"] == [{"field": "user", "in": "body", "reason": SURROGATE_REASON}]
    # A surrogate pair is one proper character.
    paired = login('{"user": "\\ud83d\\ude00", "password": "x"}')
    assert paired.status_code in (401, 429), paired.get_json()


def _depth(value: Any) -> int:
    if isinstance(value, dict | list):
        children = value.values() if isinstance(value, dict) else value
        return 1 + max((_depth(child) for child in children), default=0)
    return 0


def _random_json(rng: random.Random, depth: int) -> Any:
    """A value about ``depth`` deep: one nested spine, scalars with brackets, quotes and
    backslashes in their text beside it."""
    leaves = ['a"]\\[', "[{", 1, -2.5, None, True, '\\"[[', "}]", []]
    if depth <= 0:
        return rng.choice(leaves)
    children = [rng.choice(leaves) for _ in range(rng.randint(0, 2))]
    children.insert(rng.randint(0, len(children)), _random_json(rng, depth - 1))
    if rng.random() < 0.5:
        return children
    return {f"k{i}[": child for i, child in enumerate(children)}


def test_the_depth_scan_agrees_with_the_parsed_depth() -> None:
    # The scan reads brackets outside strings (escaped quotes and backslashes included).
    rng = random.Random(9)
    for _ in range(3000):
        value = _random_json(rng, rng.randint(MAX_DEPTH - 6, MAX_DEPTH + 6))
        raw = json.dumps(value, ensure_ascii=rng.random() < 0.5).encode()
        assert too_deep(raw) == (_depth(value) > MAX_DEPTH), raw[:200]


def test_a_lone_surrogate_never_reaches_the_database(
    client: FlaskClient, tokens: dict[str, str], real: dict[str, str], engine: Engine
) -> None:
    # Were 500s: the string reached SQLite (and PostgreSQL) and could not be encoded.
    for path, body in [
        (f"/api/v1/tasks/{real['task_id']}/complete", '{"intake_decision": "\\ud800"}'),
        ("/api/v1/cases", '{"item_code": "ZF002", "applicant": {"name": "\\ud800"}}'),
        (f"/api/v1/cases/{real['case_id']}/cancel", '{"reason": "\\udbff"}'),
    ]:
        response = client.post(
            path, data=body, content_type="application/json", headers=auth(tokens)
        )
        assert_problem(response, 422, "validation_failed", path)
    assert engine.cases.get(int(real["case_id"])).status == "open"


def test_flask_get_json_has_the_same_limits(app: Flask) -> None:
    # A view that reads request.get_json() (none does today) gets the same limits.
    probe = Flask(__name__)
    probe.request_class = app.request_class
    problems.init_app(probe)
    seen: list[Any] = []

    @probe.post("/probe")
    def read() -> str:
        seen.append(request.get_json())
        return "ok"

    client = probe.test_client()
    assert client.post("/probe", json={"a": [1, 2]}).status_code == 200
    assert seen == [{"a": [1, 2]}]
    for _, body, status, code in HOSTILE[:4]:
        response = client.post("/probe", data=body, content_type="application/json")
        assert_problem(response, status, code)
    assert len(seen) == 1


# Query parameters


def test_every_operation_refuses_undeclared_query_parameters(
    client: FlaskClient, tokens: dict[str, str], real: dict[str, str], spec: dict[str, Any]
) -> None:
    for method, path, operation in operations(spec):
        assert "422" in operation["responses"], (method, path)  # documented everywhere
        target = url(path, real) + "?not_a_parameter=1&x%00y=2"
        response = client.open(target, method=method, json={}, headers=auth(tokens))
        problem = assert_problem(response, 422, "validation_failed", (method, path))
        assert problem["errors"] == [
            {"field": "not_a_parameter", "in": "query", "reason": "此接口没有这个查询参数"},
            {"field": "x\\u0000y", "in": "query", "reason": "此接口没有这个查询参数"},
        ], (method, path)


def test_dry_run_on_a_completion_does_not_complete_the_task(
    client: FlaskClient, tokens: dict[str, str], engine: Engine
) -> None:
    # Was silently ignored: the task was really completed.
    case = client.post("/api/v1/cases", json=REGISTRATION, headers=auth(tokens)).get_json()
    task = case["tasks"][0]["id"]
    version = engine.cases.get(case["id"]).version
    response = client.post(
        f"/api/v1/tasks/{task}/complete?dry_run=true",
        json={"intake_decision": "accept"},
        headers=auth(tokens),
    )
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["field"] == "dry_run"
    assert "expected_version" in problem["detail"]  # what the operation does take
    view = engine.cases.get(case["id"])
    assert view.version == version and [t.id for t in view.tasks] == [task]
    # Declared parameters still work.
    done = client.post(
        f"/api/v1/tasks/{task}/complete?expected_version={version}",
        json={"intake_decision": "accept"},
        headers=auth(tokens),
    )
    assert done.status_code == 200, done.get_json()


def test_accepted_query_parameters_are_the_documented_ones(
    app: Flask, spec: dict[str, Any]
) -> None:
    rules = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method): rule.endpoint
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
    }
    for method, path, operation in operations(spec):
        documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        view = app.view_functions[rules[(path, method)]]
        assert declared_parameters(view, frozenset({"query"})) == documented, (method, path)
    deploy = spec["paths"]["/api/v1/definitions"]["post"]
    assert [p["name"] for p in deploy["parameters"] if p["in"] == "query"] == ["dry_run"]


def test_hostile_query_values_are_no_500(
    client: FlaskClient, tokens: dict[str, str], real: dict[str, str], spec: dict[str, Any]
) -> None:
    values = {
        "NUL": "a%00b",
        "5,000 digits": "9" * 5000,
        "30 digits": "9" * 30,
        "UTF-8 of a surrogate": "%ED%A0%80",  # decoded as U+FFFD: no surrogate
        "overlong UTF-8": "%C0%AF",
    }
    checked = 0
    for method, path, operation in operations(spec):
        if method == "POST" and path == "/api/v1/definitions":
            continue  # a multipart upload: see below
        for param in [p for p in operation.get("parameters", []) if p["in"] == "query"]:
            for label, value in values.items():
                target = f"{url(path, real)}?{param['name']}={value}"
                response = client.open(target, method=method, json={}, headers=auth(tokens))
                context = (method, path, param["name"], label)
                assert response.status_code < 500, context
                integer = param["schema"].get("type") == "integer"
                if label == "NUL" or (label == "5,000 digits" and integer):
                    assert_problem(response, 422, "validation_failed", context)
                    checked += 1
                response.close()
    assert checked > 20


def test_hostile_headers_are_no_500(
    client: FlaskClient, tokens: dict[str, str], real: dict[str, str]
) -> None:
    task = real["task_id"]
    for value in ("a\x00b", "9" * 5000, "é" * 100, "x" * 8000):
        assert_problem(
            client.get("/api/v1/items", headers={"Authorization": f"Bearer {value}"}),
            401,
            "unauthenticated",
            value[:10],
        )
        key = client.post(
            "/api/v1/cases", json={}, headers=auth(tokens, **{"Idempotency-Key": value})
        )
        assert_problem(key, 422, "validation_failed", value[:10])
        match = client.post(
            f"/api/v1/tasks/{task}/claim", headers=auth(tokens, **{"If-Match": value})
        )
        assert_problem(match, 422, "validation_failed", value[:10])


def test_uploads_refuse_unknown_fields_and_unstorable_names(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    source = (BPMN / "common" / "common_intake.bpmn").read_bytes()

    def deploy(query: str = "", **form: Any) -> Any:
        return client.post(
            "/api/v1/definitions" + query,
            data=form,
            content_type="multipart/form-data",
            headers=auth(tokens, DESIGNER),
        )

    # dry_run sent as a form field rather than in the query would deploy for real.
    unknown = deploy(files=(BytesIO(source), "common_intake.bpmn"), dry_run="true")
    problem = assert_problem(unknown, 422, "validation_failed")
    assert problem["errors"] == [
        {"field": "dry_run", "in": "form", "reason": "此接口没有这个表单字段"}
    ]
    named = deploy("?dry_run=true", files=(BytesIO(source), "a\x00.bpmn"))
    problem = assert_problem(named, 422, "validation_failed")
    assert problem["errors"][0]["in"] == "files" and "NUL" in problem["errors"][0]["reason"]
    other = deploy(
        "?dry_run=true",
        files=(BytesIO(source), "common_intake.bpmn"),
        extra=(BytesIO(b"x"), "x.bpmn"),
    )
    assert_problem(other, 422, "validation_failed")
    raw = (
        b'--B\r\nContent-Disposition: form-data; name="files"; filename="\xed\xa0\x80.bpmn"'
        b"\r\nContent-Type: application/xml\r\n\r\n" + source + b"\r\n--B--\r\n"
    )
    not_utf8 = client.post(
        "/api/v1/definitions?dry_run=true",
        data=raw,
        content_type="multipart/form-data; boundary=B",
        headers=auth(tokens, DESIGNER),
    )
    assert_problem(not_utf8, 422, "validation_failed")  # the part is dropped: no files
    checked = deploy("?dry_run=true", files=(BytesIO(source), "common_intake.bpmn"))
    assert checked.status_code == 200, checked.get_json()
    assert checked.get_json()["dry_run"] is True
