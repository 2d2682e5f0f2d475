"""People and accounts over HTTP: the people list (``GET /users``) by role, with its
filters and the administrator's account columns; the administrator's password reset and
token revocation; a user changing its own password."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine import Engine, ManualClock
from engine.identity import READABLE, TEMPORARY_LENGTH
from processes.org import Organization
from tests.support.api import Tokens

USERS = "/api/v1/users"
PROBLEM = "application/problem+json"
ADMIN, LEADER = "he.jun", "chen.jing"
OLD = "window-a-post"  # wang.fang's password in these tests
NEW = "青丝乡窗口-2026"
NOT_ADMINS = (
    "chen.jing",
    "wang.fang",
    "liu.yang",
    "tan.xiaoyan",
    "sun.hong",
    "lin.tao",
    "deng.hui",
)


def get(client: FlaskClient, tokens: Tokens, user: str, path: str) -> TestResponse:
    return client.get(path, headers=tokens.headers(user))


def post(client: FlaskClient, token: str, path: str, body: Any = None) -> TestResponse:
    return client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})


def problem(response: TestResponse, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = response.get_json()
    assert body["code"] == code and body["detail"] and not body["detail"].isascii()
    return body


def login(client: FlaskClient, user: str, password: str) -> TestResponse:
    return client.post("/api/v1/auth/login", json={"user": user, "password": password})


def token_of(client: FlaskClient, user: str, password: str) -> str:
    response = login(client, user, password)
    assert response.status_code == 200, response.get_json()
    token: str = response.get_json()["token"]
    return token


def me(client: FlaskClient, token: str) -> int:
    return client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code


# -- the people list ---------------------------------------------------------------------


def test_the_administrator_lists_everyone_with_accounts(
    client: FlaskClient, tokens: Tokens, engine: Engine, org: Organization
) -> None:
    engine.identity.set_password("wang.fang", OLD)
    engine.identity.issue_token("wang.fang")
    listed = get(client, tokens, ADMIN, f"{USERS}?page_size=100").get_json()
    assert listed["total"] == len(org.users) and listed["page_size"] == 100
    [wang] = [p for p in listed["items"] if p["id"] == "wang.fang"]
    assert wang == {
        "id": "wang.fang",
        "name": "王芳",
        "roles": ["township_window"],
        "role_names": ["乡镇便民服务中心窗口（A岗）"],
        "unit": "511725201",
        "unit_name": "青丝乡",
        "office": "social_affairs",
        "office_name": "社会事业办",
        "ab_partner": {"id": "liu.yang", "name": "刘洋"},
        "stand_in": None,
        "absent_today": False,
        "deputy_today": None,
        "has_password": True,
        "locked_until": None,
        "active_tokens": 1,
    }
    [agent] = [p for p in listed["items"] if p["id"] == "tan.xiaoyan"]
    assert agent["stand_in"] == {"id": "jiang.wei", "name": "蒋伟"} and agent["office"] is None
    assert agent["has_password"] is False and agent["active_tokens"] == 0
    units = [p["unit"] for p in listed["items"]]
    assert units == sorted(units)  # by unit, then user name
    second = get(client, tokens, ADMIN, f"{USERS}?page_size=100&page=2").get_json()
    assert len(listed["items"]) + len(second["items"]) == listed["total"]


def test_a_locked_account_shows_until_when(
    client: FlaskClient, tokens: Tokens, engine: Engine
) -> None:
    engine.identity.set_password("wang.fang", OLD)
    for _ in range(5):
        login(client, "wang.fang", "wrong password")
    [wang] = get(client, tokens, ADMIN, f"{USERS}?q=wang.fang").get_json()["items"]
    assert wang["locked_until"] == "2026-09-24T09:15:00+08:00"  # 15 minutes (pair lock)
    problem(login(client, "wang.fang", OLD), 429, "login_locked")
    reset = post(client, tokens[ADMIN], f"{USERS}/wang.fang/password")
    assert reset.status_code == 200
    [wang] = get(client, tokens, ADMIN, f"{USERS}?q=wang.fang").get_json()["items"]
    assert wang["locked_until"] is None  # the reset lifts the lock


def test_a_leader_lists_its_township_without_accounts(
    client: FlaskClient, tokens: Tokens, org: Organization, clock: ManualClock
) -> None:
    listed = get(client, tokens, LEADER, f"{USERS}?page_size=100").get_json()
    mine = sorted(u.id for u in org.users.values() if u.unit.startswith("511725201"))
    assert sorted(p["id"] for p in listed["items"]) == mine and listed["total"] == len(mine)
    assert all(
        p["has_password"] is None and p["locked_until"] is None and p["active_tokens"] is None
        for p in listed["items"]
    )
    filtered = {
        "unit=511725201001": ["jiang.wei", "tan.xiaoyan"],
        "role=township_leader": ["chen.jing", "zhao.gang"],
        "role=village_agent&unit=511725201002": ["deng.ming", "li.guihua"],
        "q=%E7%8E%8B": ["wang.fang"],  # 王
        "q=WANG": ["wang.fang"],
        "unit=511725202": [],  # 丰乐乡: not its people
        "q=pan.hong": [],
    }
    for query, expected in filtered.items():
        found = get(client, tokens, LEADER, f"{USERS}?{query}").get_json()
        assert sorted(p["id"] for p in found["items"]) == expected, query
    # 王芳 is away 28–30 September (the organisation file): her B post stands in.
    clock.set(clock.now().replace(day=29))
    tokens.clear()
    [wang] = get(client, tokens, LEADER, f"{USERS}?q=wang.fang").get_json()["items"]
    assert wang["absent_today"] is True and wang["deputy_today"] == {
        "id": "liu.yang",
        "name": "刘洋",
    }


def test_others_may_not_list_people(client: FlaskClient, tokens: Tokens) -> None:
    for user in NOT_ADMINS[1:]:
        body = problem(get(client, tokens, user, USERS), 403, "forbidden")
        assert "分管领导" in body["detail"]


def test_bad_filters_are_named(client: FlaskClient, tokens: Tokens) -> None:
    for query, field in (
        ("unit=qingsi", "unit"),
        ("role=boss", "role"),
        ("q=", "q"),
        ("q=%20%20", "q"),
        ("page_size=101", "page_size"),
        ("name=wang", "name"),
    ):
        body = problem(get(client, tokens, ADMIN, f"{USERS}?{query}"), 422, "validation_failed")
        assert {(e["field"], e["in"]) for e in body["errors"]} == {(field, "query")}, query
        assert not body["errors"][0]["reason"].isascii()


# -- the administrator's reset and revocation -----------------------------------------------


def test_a_reset_password_logs_in_and_ends_the_old_sessions(
    client: FlaskClient, tokens: Tokens, engine: Engine
) -> None:
    engine.identity.set_password("wang.fang", OLD)
    sessions = [token_of(client, "wang.fang", OLD) for _ in range(2)]
    reset = post(client, tokens[ADMIN], f"{USERS}/wang.fang/password")
    assert reset.status_code == 200, reset.get_json()
    body = reset.get_json()
    assert (body["user"], body["user_name"], body["revoked_tokens"]) == ("wang.fang", "王芳", 2)
    temporary = body["temporary_password"]
    assert len(temporary) == TEMPORARY_LENGTH and set(temporary) <= set(READABLE)
    assert reset.headers["Cache-Control"] == "no-store"
    for old in sessions:
        assert me(client, old) == 401  # the old tokens are refused
    problem(login(client, "wang.fang", OLD), 401, "unauthenticated")
    fresh = token_of(client, "wang.fang", temporary)
    assert me(client, fresh) == 200
    again = post(client, tokens[ADMIN], f"{USERS}/wang.fang/password").get_json()
    assert again["temporary_password"] != temporary and again["revoked_tokens"] == 1


def test_only_the_administrator_resets_and_revokes(
    client: FlaskClient, tokens: Tokens, engine: Engine
) -> None:
    engine.identity.set_password("wang.fang", OLD)
    session = token_of(client, "wang.fang", OLD)
    for user in NOT_ADMINS:
        for action in ("password", "revoke"):
            refused = post(client, tokens[user], f"{USERS}/wang.fang/{action}")
            assert "系统管理员" in problem(refused, 403, "forbidden")["detail"]
    assert me(client, session) == 200
    token_of(client, "wang.fang", OLD)  # the password is unchanged
    for action in ("password", "revoke"):
        problem(post(client, tokens[ADMIN], f"{USERS}/nobody/{action}"), 404, "not_found")


def test_revoking_ends_every_session(client: FlaskClient, tokens: Tokens, engine: Engine) -> None:
    engine.identity.set_password("wang.fang", OLD)
    sessions = [token_of(client, "wang.fang", OLD) for _ in range(3)]
    revoked = post(client, tokens[ADMIN], f"{USERS}/wang.fang/revoke")
    assert revoked.status_code == 200
    assert revoked.get_json() == {"user": "wang.fang", "user_name": "王芳", "revoked_tokens": 3}
    assert [me(client, t) for t in sessions] == [401, 401, 401]
    assert (
        post(client, tokens[ADMIN], f"{USERS}/wang.fang/revoke").get_json()["revoked_tokens"] == 0
    )
    assert me(client, token_of(client, "wang.fang", OLD)) == 200  # the password still works


# -- one's own password ------------------------------------------------------------------


def test_changing_ones_password_ends_the_other_sessions(
    client: FlaskClient, engine: Engine
) -> None:
    engine.identity.set_password("wang.fang", OLD)
    current, other = token_of(client, "wang.fang", OLD), token_of(client, "wang.fang", OLD)
    changed = post(
        client, current, "/api/v1/auth/password", {"old_password": OLD, "new_password": NEW}
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json() == {"revoked_tokens": 1}
    assert (me(client, current), me(client, other)) == (200, 401)
    problem(login(client, "wang.fang", OLD), 401, "unauthenticated")
    assert me(client, token_of(client, "wang.fang", NEW)) == 200


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"old_password": "not-it", "new_password": NEW}, {"old_password": "原密码不正确"}),
        ({"old_password": OLD, "new_password": "wang.fang"}, {"new_password": "不能与用户名相同"}),
        ({"old_password": OLD, "new_password": "WANG.FANG"}, {"new_password": "不能与用户名相同"}),
        (
            {"old_password": OLD, "new_password": "daiban-demo"},
            {"new_password": "不能使用演示密码"},
        ),
        ({"old_password": OLD, "new_password": OLD}, {"new_password": "不能与原密码相同"}),
        (
            {"old_password": OLD, "new_password": "short"},
            {"new_password": "新密码应为 8–128 个字符"},
        ),
        (
            {"old_password": "not-it", "new_password": "daiban-demo"},
            {"new_password": "不能使用演示密码", "old_password": "原密码不正确"},
        ),
        ({"old_password": OLD}, {"new_password": "必填"}),
        ({"new_password": NEW}, {"old_password": "必填"}),
    ],
)
def test_password_rules_are_named(
    client: FlaskClient, engine: Engine, body: dict[str, str], expected: dict[str, str]
) -> None:
    engine.identity.set_password("wang.fang", OLD)
    current, other = token_of(client, "wang.fang", OLD), token_of(client, "wang.fang", OLD)
    refused = problem(
        post(client, current, "/api/v1/auth/password", body), 422, "validation_failed"
    )
    assert {e["field"]: e["reason"] for e in refused["errors"]} == expected
    assert all(e["in"] == "body" for e in refused["errors"])
    assert (me(client, current), me(client, other)) == (200, 200)  # nothing changed
    token_of(client, "wang.fang", OLD)


def test_wrong_old_passwords_count_as_failed_logins(client: FlaskClient, engine: Engine) -> None:
    engine.identity.set_password("wang.fang", OLD)
    current = token_of(client, "wang.fang", OLD)
    wrong = {"old_password": "guess", "new_password": NEW}
    for _ in range(4):
        problem(post(client, current, "/api/v1/auth/password", wrong), 422, "validation_failed")
    locked = post(client, current, "/api/v1/auth/password", wrong)  # the fifth fills the pair
    problem(locked, 429, "login_locked")
    assert int(locked.headers["Retry-After"]) > 0
    right = {"old_password": OLD, "new_password": NEW}
    problem(post(client, current, "/api/v1/auth/password", right), 429, "login_locked")
    problem(login(client, "wang.fang", OLD), 429, "login_locked")
    assert me(client, current) == 200  # the session itself goes on
