"""What a generated client relies on (issue 11): named operations, declared headers
(``Idempotency-Key``, ``If-Match``, ``ETag``), 412 for a stale version and 409 codes for
state conflicts, the problem's required members, and a task queue paged like every list."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Engine
from engine.registration import Applicant, Registration
from tests.support.databases import Deployed
from tests.support.walks import APPLICANT, QINGSI_COMMUNITY, WALKED, WINDOW_ITEM, Counter
from webapi.auth import BEARER_SCHEME
from webapi.cli import main
from webapi.openapi import operation_id
from webapi.problems import CODES
from webapi.schemas.headers import MAX_IDEMPOTENCY_KEY

PROBLEM = "application/problem+json"
IF_MATCH_OPERATIONS = (
    "claimTask",
    "unclaimTask",
    "assignTask",
    "completeTask",
    "cancelCase",
    "postRatingMessage",
    "postCountyDecisionMessage",
    "postMaterialsResubmittedMessage",
    "postPledgeFulfilledMessage",
    "postPublicNoticeObjectionMessage",
    "postHearingRequestedMessage",
)
ACCEPT = {"intake_decision": "accept"}


@pytest.fixture
def deployed() -> Deployed:
    return WALKED


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    return document


def operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every operation of the document by its operationId (each has one)."""
    found: dict[str, dict[str, Any]] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            name = operation["operationId"]
            assert name not in found, f"operationId {name} twice: {path} {method}"
            found[name] = {**operation, "path": path, "method": method}
    return found


def window_case(counter: Counter) -> tuple[dict[str, Any], dict[str, Any]]:
    """A window registration and its first task (the materials check), read by wang.fang."""
    case = counter.register("wang.fang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")
    task = counter.get("wang.fang", f"/api/v1/tasks/{case['tasks'][0]['id']}")
    assert task.status_code == 200, task.get_json()
    return case, task.get_json()


def post(
    counter: Counter, user: str, path: str, body: Any = None, **headers: str
) -> dict[str, Any]:
    """POST as ``user`` with extra headers; the response's status, ETag and body."""
    response = counter.client.post(
        path, json=body, headers={"Authorization": f"Bearer {counter.token(user)}", **headers}
    )
    return {"status": response.status_code, "body": response.get_json(), "mime": response.mimetype}


# -- the document ---------------------------------------------------------------------------


def test_every_operation_is_named_after_its_view_once(app: Flask, spec: dict[str, Any]) -> None:
    named = operations(spec)
    views = {
        operation_id(rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and "openapi" not in rule.rule
    }
    assert set(named) == views
    assert all(re.fullmatch(r"[a-z][A-Za-z0-9]*", name) for name in named)
    assert {"createCase", "listTasks", "getTask", "completeTask", "getCase"} <= set(named)
    assert operation_id("tasks.list_tasks") == "listTasks"


def test_the_title_is_ascii_and_the_description_chinese(spec: dict[str, Any]) -> None:
    assert spec["info"]["title"] == "daiban API"
    assert "代办" in spec["info"]["description"]


def test_headers_a_client_sends_and_reads_are_declared(spec: dict[str, Any]) -> None:
    named = operations(spec)
    [key] = [p for p in named["createCase"]["parameters"] if p["in"] == "header"]
    assert key["name"] == "Idempotency-Key" and key["required"] is False
    assert key["schema"]["maxLength"] == MAX_IDEMPOTENCY_KEY == 1024
    for name in IF_MATCH_OPERATIONS:
        headers = {p["name"] for p in named[name]["parameters"] if p["in"] == "header"}
        assert headers == {"If-Match"}, name
        assert {"409", "412"} <= set(named[name]["responses"]), name
    for name in ("getCase", "getTask"):
        etag = named[name]["responses"]["200"]["headers"]["ETag"]
        assert etag["required"] is True and etag["schema"]["type"] == "string"


def test_conflicts_and_stale_versions_document_their_codes(spec: dict[str, Any]) -> None:
    complete = operations(spec)["completeTask"]["responses"]
    for code in ("claimed", "task_closed", "conflict", "invalid_state"):
        assert code in complete["409"]["description"], code
    assert "precondition_failed" in complete["412"]["description"]
    assert complete["412"]["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_a_problem_has_its_members_and_names_every_code(spec: dict[str, Any]) -> None:
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "code", "detail"}
    for code in CODES:
        assert f"{code}（" in problem["properties"]["code"]["description"], code


def test_open_operations_say_they_need_no_token(spec: dict[str, Any]) -> None:
    named = operations(spec)
    assert named["health"]["security"] == [] and named["login"]["security"] == []
    assert named["listTasks"]["security"] == [{BEARER_SCHEME: []}]


# -- versions: ETag, If-Match, 412 ------------------------------------------------------------


def test_reads_answer_the_case_version_as_etag(counter: Counter, engine: Engine) -> None:
    case, task = window_case(counter)
    version = engine.cases.get(case["id"]).version
    read = counter.get("wang.fang", f"/api/v1/cases/{case['id']}")
    assert read.headers["ETag"] == f'"{version}"' == f'"{read.get_json()["version"]}"'
    again = counter.get("wang.fang", f"/api/v1/tasks/{task['id']}")
    assert again.headers["ETag"] == f'"{version}"' == f'"{task["case_version"]}"'


def test_a_stale_if_match_is_412_and_changes_nothing(counter: Counter, engine: Engine) -> None:
    case, task = window_case(counter)
    url = f"/api/v1/tasks/{task['id']}"
    etag = counter.get("wang.fang", url).headers["ETag"]
    claimed = post(counter, "wang.fang", f"{url}/claim", **{"If-Match": etag})
    assert claimed["status"] == 200, claimed
    version = engine.cases.get(case["id"]).version
    assert version == task["case_version"] + 1
    for headers, query in (({"If-Match": etag}, ""), ({}, f"?expected_version={version - 1}")):
        stale = post(counter, "wang.fang", f"{url}/complete{query}", ACCEPT, **headers)
        assert (stale["status"], stale["mime"]) == (412, PROBLEM), stale
        assert stale["body"]["code"] == "precondition_failed"
        assert stale["body"]["title"] == "办件已变化" and str(version) in stale["body"]["detail"]
        assert engine.cases.get(case["id"]).version == version  # nothing changed
    for path in ("unclaim", "assign"):
        body = {"user": "liu.yang"} if path == "assign" else None
        user = "chen.jing" if path == "assign" else "wang.fang"
        stale = post(counter, user, f"{url}/{path}", body, **{"If-Match": etag})
        assert (stale["status"], stale["body"]["code"]) == (412, "precondition_failed"), path
    # RFC 9110: If-Match: * matches any current version, so it is no precondition
    released = post(counter, "wang.fang", f"{url}/unclaim", **{"If-Match": "*"})
    assert released["status"] == 200, released
    version += 1
    current = counter.get("wang.fang", url).headers["ETag"]
    done = post(counter, "wang.fang", f"{url}/complete", ACCEPT, **{"If-Match": f"W/{current}"})
    assert done["status"] == 200, done
    assert engine.cases.get(case["id"]).version == version + 1


def test_cancel_and_messages_check_if_match_too(counter: Counter, engine: Engine) -> None:
    case, _ = window_case(counter)
    url = f"/api/v1/cases/{case['id']}"
    etag = counter.get("wang.fang", url).headers["ETag"]
    # the case moves on (a claim), so the ETag read before is stale
    task = case["tasks"][0]["id"]
    assert post(counter, "wang.fang", f"/api/v1/tasks/{task}/claim")["status"] == 200
    version = engine.cases.get(case["id"]).version
    stale_message = post(
        counter, "wang.fang", f"{url}/messages/materials_resubmitted", {}, **{"If-Match": etag}
    )
    stale_cancel = post(
        counter, "wang.fang", f"{url}/cancel", {"reason": "申请人撤回"}, **{"If-Match": etag}
    )
    for stale in (stale_message, stale_cancel):
        assert (stale["status"], stale["body"]["code"]) == (412, "precondition_failed"), stale
    assert engine.cases.get(case["id"]).version == version  # nothing changed
    current = counter.get("wang.fang", url).headers["ETag"]
    done = post(
        counter, "wang.fang", f"{url}/cancel", {"reason": "申请人撤回"}, **{"If-Match": current}
    )
    assert done["status"] == 200 and done["body"]["status"] == "cancelled", done


def test_state_conflicts_stay_409_with_their_code(counter: Counter) -> None:
    _, task = window_case(counter)
    url = f"/api/v1/tasks/{task['id']}"
    assert post(counter, "wang.fang", f"{url}/claim")["status"] == 200
    taken = post(counter, "liu.yang", f"{url}/claim")
    assert (taken["status"], taken["body"]["code"]) == (409, "claimed"), taken
    assert post(counter, "wang.fang", f"{url}/complete", ACCEPT)["status"] == 200
    closed = post(counter, "wang.fang", f"{url}/complete", ACCEPT)
    assert (closed["status"], closed["body"]["code"]) == (409, "task_closed"), closed


def test_an_overlong_idempotency_key_is_refused(counter: Counter, engine: Engine) -> None:
    body = {
        "item_code": WINDOW_ITEM.code,
        "applicant": {**APPLICANT, "village": QINGSI_COMMUNITY},
        "channel": "township_window",
        "materials": [m.name for m in WINDOW_ITEM.materials if m.required],
    }
    refused = post(counter, "wang.fang", "/api/v1/cases", body, **{"Idempotency-Key": "k" * 1025})
    assert refused["status"] == 422, refused
    assert refused["body"]["errors"][0]["field"] == "Idempotency-Key"
    assert refused["body"]["errors"][0]["in"] == "headers"
    first = post(counter, "wang.fang", "/api/v1/cases", body, **{"Idempotency-Key": "k" * 1024})
    again = post(counter, "wang.fang", "/api/v1/cases", body, **{"Idempotency-Key": "k" * 1024})
    assert first["status"] == again["status"] == 201
    assert first["body"]["id"] == again["body"]["id"]


# -- the queue, paged -------------------------------------------------------------------------


def test_the_queue_is_paged_and_hides_no_task(counter: Counter, engine: Engine) -> None:
    """205 window registrations: every one of their tasks is on some page (the queue was
    cut at 200, with ``total`` 200, and the newest registration's task out of reach)."""
    principal = engine.identity.principal("wang.fang")
    applicant = Applicant(APPLICANT["name"], APPLICANT["id_number"], QINGSI_COMMUNITY)
    materials = tuple(m.name for m in WINDOW_ITEM.materials if m.required)
    registered = [
        engine.registration.register(
            principal,
            Registration(
                item_code=WINDOW_ITEM.code,
                applicant=applicant,
                channel="township_window",
                materials=materials,
            ),
        ).id
        for _ in range(205)
    ]
    seen: list[dict[str, Any]] = []
    for page in range(1, 4):
        answer = counter.get("wang.fang", f"/api/v1/tasks?page={page}&page_size=100").get_json()
        assert (answer["page"], answer["page_size"], answer["total"]) == (page, 100, 205)
        seen += answer["items"]
    assert [t["case_id"] for t in seen] == registered  # due the same day: oldest case first
    assert seen[-1]["case_id"] == registered[-1]  # the newest, on the last page
    assert len({t["id"] for t in seen}) == 205
    default = counter.get("wang.fang", "/api/v1/tasks").get_json()
    assert (default["page_size"], len(default["items"]), default["total"]) == (20, 20, 205)
    beyond = counter.get("wang.fang", "/api/v1/tasks?page=4&page_size=100").get_json()
    assert (beyond["items"], beyond["total"]) == ([], 205)
    too_big = counter.get("wang.fang", "/api/v1/tasks?page_size=101")
    assert too_big.status_code == 422 and too_big.get_json()["errors"][0]["field"] == "page_size"


def test_daiban_openapi_writes_the_served_document(
    spec: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAIBAN_DATABASE_URL", f"sqlite:///{tmp_path / 'untouched.sqlite3'}")
    out = tmp_path / "openapi.json"
    assert main(["openapi", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == spec
    assert not (tmp_path / "untouched.sqlite3").exists()  # a throw-away database only


def test_operations_name_only_codes_the_api_answers(spec: dict[str, Any]) -> None:
    """A status and code an operation's text names (``403 `forbidden```) is one the API
    answers with that status (``webapi.problems.CODES``), not a policy reason."""
    named: list[tuple[str, int, str]] = []
    for name, operation in operations(spec).items():
        text = f"{operation.get('summary', '')}\n{operation.get('description', '')}"
        named += [(name, int(s), c) for s, c in re.findall(r"(\d{3}) `([a-z_]+)`", text)]
    assert ("postCountyDecisionMessage", 403, "forbidden") in named
    assert [(n, s, c) for n, s, c in named if CODES.get(c, (0,))[0] != s] == []
