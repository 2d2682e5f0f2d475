"""The absence register over HTTP (离岗登记: ``/api/v1/absences``): who may list, register
and end absences, every validation problem (problem+json, the field, a Chinese reason),
overlaps, the return (返岗), and the effect on the work queue and the candidates of a
task — at once, in this process and in another one on the same database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine import Actor, Engine, ManualClock
from engine.simulate import fill_form
from processes.org import Absence, Organization
from tests.support.api import Tokens, make_app
from tests.support.databases import Deployed
from tests.support.walks import APPLICANT, QINGSI_COMMUNITY, WALKED, WINDOW_ITEM

API = "/api/v1/absences"
PROBLEM = "application/problem+json"
TODAY = date(2026, 9, 24)
ADMIN, LEADER, FENGLE_LEADER = "he.jun", "chen.jing", "du.gang"


@pytest.fixture
def deployed() -> Deployed:
    return WALKED


def call(
    client: FlaskClient, tokens: Tokens, user: str, path: str = API, body: Any = None
) -> TestResponse:
    """POST ``body`` as ``user``, or without a body GET."""
    if body is None:
        return client.get(path, headers=tokens.headers(user))
    return client.post(path, json=body, headers=tokens.headers(user))


def absence(user: str, first: date, last: date, reason: str = "年休假") -> dict[str, str]:
    return {"user": user, "from": first.isoformat(), "to": last.isoformat(), "reason": reason}


def problem(response: TestResponse, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = response.get_json()
    assert body["code"] == code and body["status"] == status
    assert body["detail"] and not body["detail"].isascii()
    return body


def errors(response: TestResponse) -> dict[str, str]:
    body = problem(response, 422, "validation_failed")
    assert all(e["in"] == "body" for e in body["errors"])
    return {e["field"]: e["reason"] for e in body["errors"]}


# -- listing -----------------------------------------------------------------------------


def test_the_list_by_role(client: FlaskClient, tokens: Tokens) -> None:
    """The administrator lists the county, a township leader its township; the absence
    of the organisation file (王芳, 28–30 September) has no id."""
    shown = call(client, tokens, ADMIN)
    assert shown.status_code == 200, shown.get_json()
    assert shown.get_json() == {
        "items": [
            {
                "id": None,
                "source": "org_file",
                "source_name": "组织机构文件",
                "status": "upcoming",
                "status_name": "未开始",
                "user": "wang.fang",
                "user_name": "王芳",
                "unit": "511725201",
                "unit_name": "青丝乡",
                "from": "2026-09-28",
                "to": "2026-09-30",
                "returned_on": None,
                "reason": "年休假",
                "deputy": {"id": "liu.yang", "name": "刘洋"},
                "recorded_by": None,
                "recorded_by_name": None,
                "recorded_at": None,
                "ended_at": None,
                "ended_by": None,
                "ended_by_name": None,
            }
        ],
        "page": 1,
        "page_size": 20,
        "total": 1,
    }
    assert call(client, tokens, LEADER).get_json()["total"] == 1
    assert call(client, tokens, FENGLE_LEADER).get_json()["total"] == 0  # not 丰乐乡's
    for user in ("wang.fang", "liu.yang", "tan.xiaoyan", "sun.hong", "lin.tao", "deng.hui"):
        refused = problem(call(client, tokens, user), 403, "forbidden")
        assert "分管领导" in refused["detail"]


def test_the_list_filters_and_pages(
    client: FlaskClient, tokens: Tokens, clock: ManualClock
) -> None:
    for user, first in (("he.ping", TODAY), ("luo.yong", TODAY + timedelta(days=20))):
        made = call(client, tokens, ADMIN, API, absence(user, first, first))
        assert made.status_code == 201, made.get_json()
    listed = call(client, tokens, ADMIN, f"{API}?page_size=2").get_json()
    assert [a["user"] for a in listed["items"]] == ["he.ping", "wang.fang"]
    assert listed["total"] == 3
    second = call(client, tokens, ADMIN, f"{API}?page_size=2&page=2").get_json()
    assert [a["user"] for a in second["items"]] == ["luo.yong"]
    mine = call(client, tokens, ADMIN, f"{API}?user=luo.yong").get_json()
    assert [a["status"] for a in mine["items"]] == ["upcoming"]
    clock.advance(timedelta(days=1))
    tokens.clear()  # a day later: the tokens of yesterday have expired
    now = call(client, tokens, ADMIN).get_json()
    assert [a["user"] for a in now["items"]] == ["wang.fang", "luo.yong"]
    everything = call(client, tokens, ADMIN, f"{API}?all=true").get_json()
    first = everything["items"][0]
    assert (first["user"], first["status"]) == ("he.ping", "ended")
    for query, field in (("user=Wang%20Fang", "user"), ("all=maybe", "all"), ("page=0", "page")):
        body = problem(call(client, tokens, ADMIN, f"{API}?{query}"), 422, "validation_failed")
        assert [(e["field"], e["in"]) for e in body["errors"]] == [(field, "query")]


# -- registering -------------------------------------------------------------------------


def test_a_leader_registers_for_its_township(client: FlaskClient, tokens: Tokens) -> None:
    made = call(client, tokens, LEADER, API, absence("he.ping", TODAY, TODAY + timedelta(days=1)))
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert isinstance(body["id"], int)
    assert {k: body[k] for k in ("source", "status", "user", "from", "to", "reason")} == {
        "source": "register",
        "status": "current",
        "user": "he.ping",
        "from": "2026-09-24",
        "to": "2026-09-25",
        "reason": "年休假",
    }
    assert body["deputy"] == {"id": "luo.yong", "name": "罗勇"}  # a mobile agent's stand-in
    assert (body["recorded_by"], body["recorded_by_name"]) == ("chen.jing", "陈静")
    assert body["recorded_at"] == "2026-09-24T09:00:00+08:00"
    assert body["ended_at"] is None and body["returned_on"] is None
    # Shown in the people list too: absent today, 罗勇 stands in.
    people = client.get("/api/v1/users?q=he.ping", headers=tokens.headers(LEADER)).get_json()
    [person] = people["items"]
    assert person["absent_today"] is True
    assert person["deputy_today"] == {"id": "luo.yong", "name": "罗勇"}
    # The administrator registers for anyone: a 丰乐乡 village agent.
    other = call(client, tokens, ADMIN, API, absence("cai.ping", TODAY, TODAY, "病假"))
    assert other.status_code == 201 and other.get_json()["deputy"]["id"] == "wei.na"


def test_every_problem_of_a_registration_is_named(client: FlaskClient, tokens: Tokens) -> None:
    cases: list[tuple[str, dict[str, Any], dict[str, str]]] = [
        (LEADER, absence("nobody", TODAY, TODAY), {"user": "本乡镇没有这个用户"}),
        # another township's people are nobody to a leader: nothing can be probed
        (LEADER, absence("pan.hong", TODAY, TODAY), {"user": "本乡镇没有这个用户"}),
        (ADMIN, absence("nobody", TODAY, TODAY), {"user": "组织机构中没有这个用户"}),
        (
            ADMIN,
            absence("gao.feng", TODAY, TODAY),  # 渠江街道's leader: no A/B partner
            {"user": "没有指定 B 岗或替岗人，离岗期间无人接替，不能登记离岗"},
        ),
        (
            ADMIN,
            absence("he.ping", TODAY, TODAY - timedelta(days=1)),
            {"to": "结束日期 2026-09-23 早于开始日期 2026-09-24"},
        ),
        (
            ADMIN,
            absence("he.ping", TODAY - timedelta(days=5), TODAY - timedelta(days=1)),
            {"to": "结束日期 2026-09-23 已过（今天是 2026-09-24）"},
        ),
        (
            ADMIN,
            absence("he.ping", TODAY, TODAY + timedelta(days=366)),
            {"to": "一次登记最多 366 天"},
        ),
        (ADMIN, absence("he.ping", TODAY, TODAY, " \u3000"), {"reason": "不能为空白"}),
        (ADMIN, absence("he.ping", TODAY, TODAY, "假" * 201), {"reason": "长度应为 1–200"}),
        (ADMIN, {"user": "he.ping", "from": "2026-09-24", "to": "2026-09-24"}, {"reason": "必填"}),
        (ADMIN, {**absence("he.ping", TODAY, TODAY), "from": "2026-13-01"}, {"from": ""}),
        (ADMIN, {**absence("he.ping", TODAY, TODAY), "user": "He Ping"}, {"user": ""}),
        (ADMIN, {**absence("he.ping", TODAY, TODAY), "until": "x"}, {"until": "未知字段"}),
        # every problem the engine finds, at once (the body's shape is checked first)
        (LEADER, absence("pan.hong", TODAY, TODAY - timedelta(days=1)), {"user": "", "to": ""}),
    ]
    for user, body, expected in cases:
        found = errors(call(client, tokens, user, API, body))
        assert set(found) == set(expected), (body, found)
        for field, reason in expected.items():
            assert reason in found[field], (body, found)
            assert not found[field].isascii()
    assert call(client, tokens, ADMIN, f"{API}?all=true").get_json()["total"] == 1  # the file's


def test_only_the_administrator_and_leaders_register(client: FlaskClient, tokens: Tokens) -> None:
    for user in ("wang.fang", "liu.yang", "he.ping", "tan.xiaoyan", "sun.hong", "lin.tao"):
        refused = call(client, tokens, user, API, absence("wang.fang", TODAY, TODAY))
        problem(refused, 403, "forbidden")
    assert call(client, tokens, ADMIN, f"{API}?all=true").get_json()["total"] == 1


def test_overlaps_are_refused(client: FlaskClient, tokens: Tokens) -> None:
    first = call(
        client, tokens, ADMIN, API, absence("he.ping", date(2026, 10, 8), date(2026, 10, 9))
    )
    assert first.status_code == 201
    overlap = call(
        client, tokens, LEADER, API, absence("he.ping", date(2026, 10, 9), date(2026, 10, 10))
    )
    body = problem(overlap, 409, "absence_overlap")
    assert "2026-10-08 至 2026-10-09" in body["detail"] and "重叠" in body["detail"]
    # the organisation file's absence of 王芳 (28–30 September)
    in_file = call(
        client, tokens, LEADER, API, absence("wang.fang", date(2026, 9, 30), date(2026, 10, 1))
    )
    assert "组织机构文件" in problem(in_file, 409, "absence_in_org_file")["detail"]
    after = call(
        client, tokens, LEADER, API, absence("he.ping", date(2026, 10, 10), date(2026, 10, 10))
    )
    assert after.status_code == 201
    assert call(client, tokens, ADMIN, f"{API}?all=true").get_json()["total"] == 3


# -- the return (返岗) --------------------------------------------------------------------


def test_ending_an_absence(client: FlaskClient, tokens: Tokens, clock: ManualClock) -> None:
    made = call(client, tokens, ADMIN, API, absence("he.ping", TODAY - timedelta(days=2), TODAY + timedelta(days=5)))  # fmt: skip
    end = f"{API}/{made.get_json()['id']}/end"
    problem(call(client, tokens, FENGLE_LEADER, end, {}), 404, "not_found")  # not its township
    for user in ("he.ping", "luo.yong", "wang.fang", "sun.hong"):
        problem(call(client, tokens, user, end, {}), 403, "forbidden")
    late = errors(call(client, tokens, LEADER, end, {"on": "2026-10-01"}))
    assert late == {"on": "返岗日期 2026-10-01 晚于离岗结束日期 2026-09-29，无需登记返岗"}
    assert set(errors(call(client, tokens, LEADER, end, {"on": "tomorrow"}))) == {"on"}
    back = call(client, tokens, LEADER, end, {})  # today, by the engine's clock
    assert back.status_code == 200, back.get_json()
    body = back.get_json()
    assert (body["returned_on"], body["status"], body["to"]) == (
        "2026-09-24",
        "ended",
        "2026-09-29",
    )
    assert (body["ended_by"], body["ended_by_name"]) == ("chen.jing", "陈静")
    assert body["ended_at"] == "2026-09-24T09:00:00+08:00"
    again = problem(call(client, tokens, ADMIN, end, {}), 409, "invalid_state")
    assert "已于 2026-09-24 登记返岗" in again["detail"]
    # An upcoming absence returned from before its start is withdrawn.
    later = call(
        client, tokens, ADMIN, API, absence("luo.yong", date(2026, 10, 8), date(2026, 10, 9))
    )
    withdrawn = call(
        client, tokens, ADMIN, f"{API}/{later.get_json()['id']}/end", {"on": "2026-10-08"}
    )
    assert withdrawn.get_json()["status"] == "withdrawn"
    # No body at all: today, before its first day: withdrawn as well.
    upcoming = call(
        client, tokens, ADMIN, API, absence("luo.yong", date(2026, 10, 8), date(2026, 10, 9))
    )
    bare = client.post(f"{API}/{upcoming.get_json()['id']}/end", headers=tokens.headers(ADMIN))
    assert bare.status_code == 200, bare.get_json()
    assert (bare.get_json()["returned_on"], bare.get_json()["status"]) == (
        "2026-09-24",
        "withdrawn",
    )
    assert [a["user"] for a in call(client, tokens, ADMIN).get_json()["items"]] == ["wang.fang"]
    # Over by itself: nothing to return from.
    short = call(client, tokens, ADMIN, API, absence("jiang.wei", TODAY, TODAY))
    clock.advance(timedelta(days=1))
    tokens.clear()
    over = call(client, tokens, ADMIN, f"{API}/{short.get_json()['id']}/end", {})
    assert "已于 2026-09-24 结束" in problem(over, 409, "invalid_state")["detail"]
    problem(call(client, tokens, ADMIN, f"{API}/999999/end", {}), 404, "not_found")


@pytest.fixture
def changed_file(
    engine: Engine, clock: ManualClock, org: Organization, catalogue: Any
) -> Iterator[Flask]:
    """The app of another server on the same database whose organisation file has since
    registered he.ping away 9–12 October."""
    edited = org.with_absences([Absence("he.ping", date(2026, 10, 9), date(2026, 10, 12), "病假")])
    other = Engine(engine.database_url, clock, migrate=False, org=edited, catalogue=catalogue)
    yield make_app(other)
    other.close()


def test_a_return_the_organisation_file_contradicts(
    client: FlaskClient, tokens: Tokens, changed_file: Flask
) -> None:
    made = call(
        client, tokens, ADMIN, API, absence("he.ping", date(2026, 10, 8), date(2026, 10, 10))
    )
    end = f"{API}/{made.get_json()['id']}/end"
    other = changed_file.test_client()
    refused = problem(
        call(other, tokens, ADMIN, end, {"on": "2026-10-09"}), 409, "absence_in_org_file"
    )
    assert "2026-10-09 至 2026-10-12" in refused["detail"] and "组织机构文件" in refused["detail"]
    assert call(other, tokens, ADMIN, end, {"on": "2026-10-08"}).status_code == 200


# -- the effect on the work ---------------------------------------------------------------


@pytest.fixture
def second_worker(
    engine: Engine, clock: ManualClock, org: Organization, catalogue: Any
) -> Iterator[FlaskClient]:
    """Another gunicorn worker: its own engine and app on the same database."""
    other = Engine(engine.database_url, clock, migrate=False, org=org, catalogue=catalogue)
    yield make_app(other).test_client()
    other.close()


def queue(client: FlaskClient, tokens: Tokens, user: str) -> set[str]:
    found = client.get("/api/v1/tasks?page_size=100", headers=tokens.headers(user))
    assert found.status_code == 200, found.get_json()
    return {t["id"] for t in found.get_json()["items"]}


def test_an_absence_moves_the_work_at_once_and_back_on_return(
    client: FlaskClient, tokens: Tokens, second_worker: FlaskClient
) -> None:
    """王芳 (window, A post) holds a task; registered absent today, it is in 刘洋's (her B
    post's) queue on the very next request — of this worker and of another — and he is its
    candidate; after her return it is hers alone again."""
    registered = client.post(
        "/api/v1/cases",
        json={
            "item_code": WINDOW_ITEM.code,
            "applicant": {**APPLICANT, "village": QINGSI_COMMUNITY},
            "channel": "township_window",
            "materials": [m.name for m in WINDOW_ITEM.materials if m.required],
        },
        headers=tokens.headers("wang.fang"),
    )
    case = registered.get_json()
    task = case["tasks"][0]["id"]
    claimed = client.post(f"/api/v1/tasks/{task}/claim", headers=tokens.headers("wang.fang"))
    assert claimed.status_code == 200, claimed.get_json()
    for worker in (client, second_worker):
        assert task not in queue(worker, tokens, "liu.yang")
    refused = client.post(
        f"/api/v1/tasks/{task}/complete", json={}, headers=tokens.headers("liu.yang")
    )
    assert refused.status_code == 409 and refused.get_json()["code"] == "claimed"
    made = call(client, tokens, LEADER, API, absence("wang.fang", TODAY, TODAY + timedelta(days=1)))
    assert made.status_code == 201, made.get_json()
    for worker in (client, second_worker):
        assert task in queue(worker, tokens, "liu.yang")
        assert task in queue(worker, tokens, "wang.fang")  # still hers: she holds it
        shown = worker.get(f"/api/v1/cases/{case['id']}", headers=tokens.headers("liu.yang"))
        assert shown.get_json()["tasks"][0]["candidates"] == [
            {
                "user": "liu.yang",
                "name": "刘洋",
                "stand_in_for": "wang.fang",
                "stand_in_for_name": "王芳",
            }
        ]
        detail = worker.get(f"/api/v1/tasks/{task}", headers=tokens.headers("liu.yang"))
        assert detail.get_json()["may_act"] is True
    # 返岗, through the other worker: the task leaves 刘洋's queue in both.
    back = call(second_worker, tokens, LEADER, f"{API}/{made.get_json()['id']}/end", {})
    assert back.status_code == 200, back.get_json()
    for worker in (client, second_worker):
        assert task not in queue(worker, tokens, "liu.yang")
        detail = worker.get(f"/api/v1/tasks/{task}", headers=tokens.headers("liu.yang"))
        assert detail.get_json()["may_act"] is False


def test_assignment_sees_a_registered_absence(
    client: FlaskClient, tokens: Tokens, engine: Engine
) -> None:
    """The leader may give a back-office task (B post) to 王芳 (window, A post) only while
    刘洋, the back office she stands in for, is registered absent."""
    registered = client.post(
        "/api/v1/cases",
        json={
            "item_code": WINDOW_ITEM.code,
            "applicant": {**APPLICANT, "village": QINGSI_COMMUNITY},
            "channel": "township_window",
        },
        headers=tokens.headers("wang.fang"),
    )
    case_id = registered.get_json()["id"]
    view = engine.cases.get(case_id)
    while not any(t.lane == "township_backoffice" for t in view.tasks):
        task = view.tasks[0]
        form = engine.definitions.compiled(view.definition_hash).form(task.process_id, task.spec_id)
        data = fill_form(form, {}, TODAY.isoformat())
        view = engine.cases.complete_task(
            case_id, task.id, data, Actor(f"setup.{task.lane}", task.lane)
        )
    [task] = view.tasks
    assign = f"/api/v1/tasks/{task.id}/assign"
    refused = client.post(assign, json={"user": "wang.fang"}, headers=tokens.headers(LEADER))
    assert errors(refused) == {"user": "该用户不担任此任务的岗位"}
    made = call(client, tokens, ADMIN, API, absence("liu.yang", TODAY, TODAY, "外出培训"))
    assert made.status_code == 201, made.get_json()
    assigned = client.post(assign, json={"user": "wang.fang"}, headers=tokens.headers(LEADER))
    assert assigned.status_code == 200, assigned.get_json()
    assert assigned.get_json()["claimed_by"] == "wang.fang"
