"""The issue ledger over HTTP: record, list, read, answer, transfer, resolve, reopen."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from engine import Engine, ManualClock
from engine.clock import SHANGHAI
from tests.support.databases import START
from tests.support.module_fixtures import module_engine

API = "/api/v1/ledger"
PROBLEM = "application/problem+json"
PHONE = "13800001234"
USERS = [
    "tan.xiaoyan",
    "jiang.wei",
    "deng.ming",
    "wang.fang",
    "liu.yang",
    "chen.jing",
    "he.ping",
    "deng.hui",
    "tang.jian",
    "du.jian",
    "sun.hong",
    "lin.tao",
    "he.jun",
    "pan.hong",
    "cai.ping",
]


clock, engine = module_engine()


@pytest.fixture(autouse=True)
def morning(clock: ManualClock) -> None:
    """Every test starts at 09:00 on 24 Sep, whichever ran before and moved the clock."""
    clock.set(START)


class Api:
    def __init__(self, client: FlaskClient, tokens: dict[str, str]) -> None:
        self.client, self.tokens = client, tokens

    def headers(self, user: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}", **extra}

    def record(
        self, user: str = "tan.xiaoyan", village: str = "511725201001", **headers: str
    ) -> Any:
        body = {
            "village": village,
            "resident": {"name": "张三", "phone": PHONE},
            "category": "infrastructure",
            "content": "三组村道雨后塌方，车辆无法通行",
            "source": "meeting",
        }
        return self.client.post(API, json=body, headers=self.headers(user, **headers))

    def new(self, user: str = "tan.xiaoyan", village: str = "511725201001") -> int:
        response = self.record(user, village)
        assert response.status_code == 201, response.get_json()
        issue_id: int = response.get_json()["id"]
        return issue_id

    def act(self, user: str, issue_id: int, action: str, **body: Any) -> Any:
        return self.client.post(f"{API}/{issue_id}/{action}", json=body, headers=self.headers(user))

    def get(self, user: str, path: str = "") -> Any:
        return self.client.get(f"{API}{path}", headers=self.headers(user))


@pytest.fixture
def api(client: FlaskClient, tokens: dict[str, str]) -> Api:
    return Api(client, tokens)


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = response.get_json()
    assert body["code"] == code and body["status"] == status
    return body


def test_the_three_transfers_over_http(api: Api, clock: ManualClock) -> None:
    created = api.record()
    assert created.status_code == 201
    issue = created.get_json()
    assert issue["number"].startswith("TZ51172520100120260924")
    assert (issue["status"], issue["level"], issue["read_only"]) == ("open", "village", False)
    assert issue["actions"] == ["answer", "transfer", "resolve"]
    assert issue["resident_phone"] == PHONE  # the recorder holds it
    assert (issue["village_name"], issue["township_name"]) == ("青丝社区", "青丝乡")
    assert issue["entries"][0]["at"] == "2026-09-24T09:00:00+08:00"
    issue_id = issue["id"]
    clock.advance(timedelta(minutes=30))
    steps = [
        ("tan.xiaoyan", "transfer", {"note": "村上无力修复，转乡上"}, ("open", "township")),
        ("wang.fang", "answer", {"note": "已报镇交通办，下周施工"}, ("answered", "township")),
        ("wang.fang", "reopen", {"note": "群众不满意：等不到下周"}, ("open", "township")),
        (
            "chen.jing",
            "transfer",
            {"note": "需县住建局安排", "department": "ZJ"},
            ("open", "county"),
        ),
        ("du.jian", "resolve", {"note": "已抢修通车"}, ("resolved", "county")),
    ]
    for user, action, body, (status, level) in steps:
        response = api.act(user, issue_id, action, **body)
        assert response.status_code == 200, (action, response.get_json())
        assert (response.get_json()["status"], response.get_json()["level"]) == (status, level)
    detail = api.get("du.jian", f"/{issue_id}").get_json()
    assert detail["department"] == "ZJ" and detail["actions"] == ["reopen"]
    assert [(e["type"], e["actor"]) for e in detail["entries"]] == [
        ("recorded", "tan.xiaoyan"),
        ("transfer", "tan.xiaoyan"),
        ("answer", "wang.fang"),
        ("reopen", "wang.fang"),
        ("transfer", "chen.jing"),
        ("resolve", "du.jian"),
    ]
    assert detail["entries"][1]["at"] == "2026-09-24T09:30:00+08:00"
    assert detail["entries"][4]["department"] == "ZJ"
    assert (detail["status_name"], detail["level_name"]) == ("已解决", "县级部门")
    assert (
        detail["department_name"] == detail["entries"][4]["department_name"] == "县住房和城乡建设局"
    )
    assert [e["type_name"] for e in detail["entries"][:2]] == ["登记", "转办"]
    assert [e["level_name"] for e in detail["entries"][:2]] == ["村（社区）", "乡镇"]
    assert detail["entries"][2]["actor_name"] == "王芳"
    # the village still sees it, read-only now, with the phone masked
    seen = api.get("tan.xiaoyan", f"/{issue_id}").get_json()
    assert seen["read_only"] is True and seen["actions"] == []
    assert seen["resident_phone"] == "138****1234"


def test_validation_problems_list_every_field(api: Api) -> None:
    response = api.client.post(
        API,
        json={"village": "5117", "resident": {"phone": "123"}, "category": "roads"},
        headers=api.headers("tan.xiaoyan"),
    )
    body = assert_problem(response, 422, "validation_failed")
    assert {e["field"] for e in body["errors"]} == {
        "village",
        "resident.name",
        "resident.phone",
        "category",
        "content",
        "source",
    }
    assert all(e["in"] == "body" for e in body["errors"])
    blank = api.client.post(
        API,
        json={
            "village": "511725201002",  # not hers: checked by the engine
            "resident": {"name": " ", "phone": ""},
            "category": "other",
            "content": "\n",
            "source": "visit",
        },
        headers=api.headers("tan.xiaoyan"),
    )
    errors = assert_problem(blank, 422, "validation_failed")["errors"]
    assert {e["field"]: e["reason"] for e in errors} == {
        "resident.name": "不能为空白",
        "content": "不能为空白",
    }
    elsewhere = api.record(village="511725201002")
    errors = assert_problem(elsewhere, 422, "validation_failed")["errors"]
    assert [e["field"] for e in errors] == ["village"]
    typed = api.client.post(API, json={"resident": "张三"}, headers=api.headers("tan.xiaoyan"))
    errors = assert_problem(typed, 422, "validation_failed")["errors"]
    assert {e["field"] for e in errors} == {"village", "resident", "category", "content", "source"}
    issue_id = api.new()
    empty = api.act("tan.xiaoyan", issue_id, "answer")
    assert [e["field"] for e in assert_problem(empty, 422, "validation_failed")["errors"]] == [
        "note"
    ]
    api.act("tan.xiaoyan", issue_id, "transfer", note="转乡上")
    missing = api.act("wang.fang", issue_id, "transfer", note="转县")
    errors = assert_problem(missing, 422, "validation_failed")["errors"]
    assert [e["field"] for e in errors] == ["department"]
    for user in ("wang.fang", "sun.hong", "lin.tao"):
        refused = api.record(user)
        errors = assert_problem(refused, 422, "validation_failed")["errors"]
        assert [e["field"] for e in errors] == ["village"], user


def test_out_of_scope_is_not_found_and_looks_like_missing(api: Api) -> None:
    issue_id = api.new()
    for user in ("deng.ming", "cai.ping", "pan.hong", "deng.hui", "lin.tao", "he.jun"):
        hidden = assert_problem(api.get(user, f"/{issue_id}"), 404, "not_found")
        missing = assert_problem(api.get("tan.xiaoyan", "/999999999"), 404, "not_found")
        assert hidden["title"] == missing["title"]
        assert hidden["detail"].replace(str(issue_id), "N") == missing["detail"].replace(
            "999999999", "N"
        )
        for action in ("answer", "transfer", "resolve", "reopen"):
            assert_problem(api.act(user, issue_id, action, note="越权"), 404, "not_found")
    assert_problem(api.get("tan.xiaoyan", f"/{2**70}"), 404, "not_found")
    after = api.get("tan.xiaoyan", f"/{issue_id}").get_json()
    assert len(after["entries"]) == 1, "a refused request wrote an entry"


def test_who_may_not_write_is_refused(api: Api) -> None:
    issue_id = api.new()
    assert_problem(api.act("sun.hong", issue_id, "resolve", note="督查"), 403, "read_only")
    assert_problem(api.act("wang.fang", issue_id, "answer", note="乡上"), 403, "not_held_here")
    assert_problem(api.act("tan.xiaoyan", issue_id, "reopen", note="未答复"), 409, "invalid_state")
    supervisor = api.get("sun.hong", f"/{issue_id}").get_json()
    assert supervisor["read_only"] is True and supervisor["actions"] == []
    assert supervisor["resident_phone"] == "138****1234"
    assert len(supervisor["entries"]) == 1


def test_list_is_scoped_filtered_paged_and_masked(
    api: Api, clock: ManualClock, engine: Engine
) -> None:
    clock.set(datetime(2026, 10, 12, 10, 0, tzinfo=SHANGHAI))
    api.tokens.update({u: engine.identity.issue_token(u).token for u in USERS})  # a new day
    mine = [api.new() for _ in range(3)]
    fengle = api.new("cai.ping", "511725202003")
    api.act("tan.xiaoyan", mine[0], "resolve", note="已解决")
    listed = api.get("tan.xiaoyan", "?from=2026-10-12&to=2026-10-12").get_json()
    assert [i["id"] for i in listed["items"]] == mine[::-1]
    assert all(i["resident_phone"] == "138****1234" for i in listed["items"])
    assert PHONE not in str(listed)
    assert api.get("tan.xiaoyan", "?from=2026-10-12&status=resolved").get_json()["total"] == 1
    assert api.get("tan.xiaoyan", "?from=2026-10-13").get_json()["total"] == 0
    supervisor = api.get("sun.hong", "?from=2026-10-12&page_size=2&page=2").get_json()
    assert (supervisor["total"], [i["id"] for i in supervisor["items"]]) == (4, mine[1::-1])
    assert [i["id"] for i in api.get("sun.hong", "?township=511725202").get_json()["items"]] == [
        fengle
    ]
    assert api.get("cai.ping", "?village=511725201001").get_json()["total"] == 0
    for user in ("lin.tao", "he.jun", "deng.hui"):
        assert api.get(user, "?from=2026-10-12").get_json()["total"] == 0, user
    extreme = api.get("sun.hong", "?from=0001-01-01&to=9999-12-31").get_json()
    assert extreme["total"] >= 4
    bad = api.get("sun.hong", "?status=closed&village=1&page=0")
    errors = assert_problem(bad, 422, "validation_failed")["errors"]
    assert {(e["field"], e["in"]) for e in errors} == {
        ("status", "query"),
        ("village", "query"),
        ("page", "query"),
    }


def test_a_retry_with_the_same_idempotency_key_records_once(api: Api) -> None:
    first = api.record(**{"Idempotency-Key": "meeting-0928-7"})
    again = api.record(**{"Idempotency-Key": "meeting-0928-7"})
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    other = api.record("jiang.wei", **{"Idempotency-Key": "meeting-0928-7"})
    assert other.get_json()["id"] != first.get_json()["id"]


def test_every_ledger_operation_is_documented(api: Api) -> None:
    paths = api.client.get("/api/v1/openapi.json").get_json()["paths"]
    expected = {
        ("/api/v1/ledger", "post"): {"201", "401", "422"},
        ("/api/v1/ledger", "get"): {"200", "401", "422"},
        ("/api/v1/ledger/{issue_id}", "get"): {"200", "401", "404"},
    }
    for action in ("answer", "transfer", "resolve", "reopen"):
        expected[(f"/api/v1/ledger/{{issue_id}}/{action}", "post")] = {
            "200",
            "401",
            "404",
            "409",
            "422",
        }
    for (path, method), statuses in expected.items():
        operation = paths[path][method]
        assert operation["security"] == [{"bearerAuth": []}]
        assert statuses <= set(operation["responses"]), (path, method)
        assert operation["summary"], (path, method)
    assert "department" in str(paths["/api/v1/ledger/{issue_id}/transfer"]["post"])
