"""The work queue (我的待办, ``GET /api/v1/tasks``) as the console lists it: each task with
when it arrived, its yellow/red warning, whose post it is while they are away (代岗) and
the applicant's name; narrowed by part, item and lateness, in three orders, with tallies
of the whole queue. And the item catalogue found by name, code or department."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from engine import Engine, ManualClock
from engine.steps import RED, WARNING_EVENTS
from engine.store.testing import run_sql
from tests.support.api import Tokens
from tests.support.databases import Deployed
from tests.support.walks import (
    PROXY_ITEM,
    QINGSI_COMMUNITY,
    SHIQIAO,
    WALKED,
    WINDOW_ITEM,
    Counter,
    at,
)


@pytest.fixture
def deployed() -> Deployed:
    return WALKED


def queue(counter: Counter, user: str, query: str = "") -> dict[str, Any]:
    response = counter.get(user, f"/api/v1/tasks?page_size=100&{query}")
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def listed(body: dict[str, Any]) -> list[tuple[int, str]]:
    return [(t["case_id"], t["spec_id"]) for t in body["items"]]


def recorded_warning(engine: Engine, case_id: int, task_id: str) -> str | None:
    """The strongest warning the timer job recorded for the task, or for its case."""
    with engine.store.unit_of_work(write=False) as uow:
        events = uow.figures.events_of([case_id], WARNING_EVENTS)
    mine = [e.type for e in events if e.payload.get("task_id") == task_id]
    case = [e.type for e in events if not e.payload.get("task_id")]
    found = mine or case
    return None if not found else ("red" if RED in found else "yellow")


def test_each_task_says_when_it_arrived_whose_it_is_its_warning_and_the_applicant(
    counter: Counter, engine: Engine, clock: ManualClock
) -> None:
    # Thu 24 Sep: two window cases at 青丝乡; 王芳 accepts the second and claims its review.
    first = counter.register("wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")["id"]
    at(clock, "2026-09-24", 10)
    second = counter.register("wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")["id"]
    counter.act("wang.fang", second, "Task_check_materials", {"intake_decision": "accept"})
    review = counter.find("wang.fang", second, "Task_first_review")
    assert counter.post("wang.fang", f"/api/v1/tasks/{review['id']}/claim").status_code == 200

    body = queue(counter, "wang.fang")
    assert listed(body) == [(first, "Task_check_materials"), (second, "Task_first_review")]
    check, claimed = body["items"]
    assert check["created_at"] == "2026-09-24T09:00:00+08:00"
    assert claimed["created_at"] == "2026-09-24T10:00:00+08:00"
    assert check["applicant_name"] == claimed["applicant_name"] == "张秀兰"
    assert check["stand_in_for"] is check["stand_in_for_name"] is None
    assert check["warning"] is claimed["warning"] is None
    assert check["case_due_date"] is None  # not accepted yet
    assert claimed["case_due_date"] == counter.case("wang.fang", second)["due_date"]
    assert claimed["case_version"] == counter.case("wang.fang", second)["version"]
    assert body["counts"] == {"all": 2, "unclaimed": 1, "mine": 1, "stand_in": 0, "overdue": 0}
    assert body["item_counts"] == [
        {"item_code": WINDOW_ITEM.code, "item_name": WINDOW_ITEM.name, "count": 2}
    ]
    assert listed(queue(counter, "wang.fang", "view=mine")) == [(second, "Task_first_review")]
    assert listed(queue(counter, "wang.fang", "view=unclaimed")) == [
        (first, "Task_check_materials")
    ]
    assert queue(counter, "wang.fang", "sort=newest")["items"][0]["case_id"] == second

    # Mon 28 Sep: 王芳 is on leave. 刘洋 (also a window post) has the unclaimed check as
    # his own, and her claimed review as stand-in work; the timer job has run.
    at(clock, "2026-09-28")
    engine.cases.tick()
    body = queue(counter, "liu.yang")
    assert listed(body) == [(first, "Task_check_materials"), (second, "Task_first_review")]
    check, covered = body["items"]
    assert (covered["stand_in_for"], covered["stand_in_for_name"]) == ("wang.fang", "王芳")
    assert covered["claimed_by"] == "wang.fang"
    assert check["stand_in_for"] is None
    for task in body["items"]:
        assert task["warning"] == recorded_warning(engine, task["case_id"], task["id"])
    assert {t["warning"] for t in body["items"]} != {None}  # the job did raise some
    assert body["counts"]["stand_in"] == 1 and body["counts"]["unclaimed"] == 1
    assert listed(queue(counter, "liu.yang", "view=stand_in")) == [(second, "Task_first_review")]
    assert queue(counter, "liu.yang", "view=mine")["items"] == []
    overdue = [t for t in body["items"] if t["overdue"]]
    assert body["counts"]["overdue"] == len(overdue)
    assert listed(queue(counter, "liu.yang", "overdue=true")) == [
        (t["case_id"], t["spec_id"]) for t in overdue
    ]
    # Two days later she is still away; on 8 Oct she is back and it is hers again.
    at(clock, "2026-10-08")
    engine.cases.tick()
    assert queue(counter, "liu.yang", "view=stand_in")["items"] == []
    [back] = queue(counter, "wang.fang", "view=mine")["items"]
    assert back["stand_in_for"] is None and back["overdue"] is True
    assert back["warning"] == "red" == recorded_warning(engine, second, back["id"])


def test_the_queue_narrows_by_item_and_orders_by_item_with_tallies_of_the_whole(
    counter: Counter, clock: ManualClock
) -> None:
    window = counter.register("wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")["id"]
    at(clock, "2026-09-24", 11)
    proxy = counter.register("wang.fang", PROXY_ITEM, QINGSI_COMMUNITY, "township_window")["id"]
    body = queue(counter, "zhang.min")
    assert body["total"] == 2
    assert body["item_counts"] == [
        {"item_code": PROXY_ITEM.code, "item_name": PROXY_ITEM.name, "count": 1},
        {"item_code": WINDOW_ITEM.code, "item_name": WINDOW_ITEM.name, "count": 1},
    ]
    by_item = queue(counter, "zhang.min", "sort=item")
    assert [t["item_code"] for t in by_item["items"]] == [PROXY_ITEM.code, WINDOW_ITEM.code]
    narrowed = queue(counter, "zhang.min", f"item={WINDOW_ITEM.code}")
    assert listed(narrowed) == [(window, "Task_check_materials")] and narrowed["total"] == 1
    assert narrowed["counts"]["all"] == 2  # the tallies are of the whole queue
    one = counter.get("zhang.min", "/api/v1/tasks?page_size=1&sort=newest").get_json()
    assert [t["case_id"] for t in one["items"]] == [proxy] and one["total"] == 2
    # The village agent's queue has neither: another post.
    assert queue(counter, "tan.xiaoyan")["counts"]["all"] == 0
    for wrong in ("view=everything", "sort=name", "overdue=perhaps", "item="):
        refused = counter.get("zhang.min", f"/api/v1/tasks?{wrong}")
        assert refused.status_code == 422, wrong
        assert refused.get_json()["errors"][0]["field"] == wrong.split("=")[0]


def test_the_queue_parameters_and_fields_are_documented_in_chinese(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    parameters = {p["name"]: p for p in spec["paths"]["/api/v1/tasks"]["get"]["parameters"]}
    for name in ("view", "item", "overdue", "sort"):
        assert any("\u4e00" <= ch <= "\u9fff" for ch in parameters[name]["description"]), name
    fields = spec["components"]["schemas"]["QueueTask"]["properties"]
    for name in ("created_at", "stand_in_for", "stand_in_for_name", "warning", "applicant_name"):
        assert any("\u4e00" <= ch <= "\u9fff" for ch in fields[name]["description"]), name


def test_items_are_found_by_name_code_or_department(client: FlaskClient, tokens: Tokens) -> None:
    def found(text: str) -> list[str]:
        response = client.get(
            "/api/v1/items",
            query_string={"q": text, "page_size": 100},
            headers=tokens.headers("wang.fang"),
        )
        assert response.status_code == 200
        return [i["code"] for i in response.get_json()["items"]]

    assert found("mz004") == found("MZ004") == [PROXY_ITEM.code]
    assert found(PROXY_ITEM.name) == [PROXY_ITEM.code]
    by_department = found("民政")
    assert PROXY_ITEM.code in by_department
    assert all(code.startswith("MZ") for code in by_department)
    assert found("没有这个事项") == []


def test_units_list_the_villages_a_registration_may_name(
    client: FlaskClient, tokens: Tokens
) -> None:
    def units(**query: str) -> list[dict[str, Any]]:
        response = client.get(
            "/api/v1/units", query_string=query, headers=tokens.headers("tan.xiaoyan")
        )
        assert response.status_code == 200, response.get_json()
        found: list[dict[str, Any]] = response.get_json()["items"]
        return found

    qingsi = units(kind="village", within="511725201")
    assert [u["code"] for u in qingsi] == [f"511725201{n:03d}" for n in range(1, 7)]
    assert qingsi[0] == {
        "code": QINGSI_COMMUNITY,
        "name": "青丝社区",
        "kind": "community",
        "kind_name": "社区",
        "township": "511725201",
        "township_name": "青丝乡",
    }
    county = units(kind="village")
    assert {u["code"] for u in qingsi} < {u["code"] for u in county}
    assert {u["kind"] for u in county} == {"village", "community"}
    assert [u["code"] for u in county] == sorted(u["code"] for u in county)
    departments = units(kind="department")
    assert "MZ" in {u["code"] for u in departments}
    assert all(u["township"] is None for u in departments)
    assert units(kind="township", within="511725201") == []  # not itself
    everything = units()
    parks = units(kind="park_window")  # 工业园小窗口 (docs/channels.md)
    assert [u["township"] for u in parks] == ["511725104"]
    stations = units(kind="station")  # 基层站所: 派出所, 市场监管所, 人武部…
    police = {u["code"] for u in stations if u["code"].startswith("GA-")}
    assert police == {"GA-01", "GA-02", "GA-03", "GA-04"}
    assert all(u["township"] is None for u in stations)
    townships = units(kind="township")
    assert len(everything) == (
        len(county) + len(departments) + len(townships) + len(parks) + len(stations) + 1
    )
    refused = client.get("/api/v1/units?kind=city", headers=tokens.headers("wang.fang"))
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "kind"
    assert client.get("/api/v1/units").status_code == 401


def test_a_new_task_is_reached_whatever_the_backlog(counter: Counter, clock: ManualClock) -> None:
    """More than a page of older, overdue work (the worst case of the issue: 200 rows cut
    and the newest hidden) never hides a new task: ``total`` counts every one, the pages
    reach the new task in due order, and ``sort=newest`` lists it first."""
    backlog = 210
    old = {
        counter.register("wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")["id"]
        for _ in range(backlog)
    }
    at(clock, "2026-11-16", 10)  # weeks later: every one of them is overdue
    new = counter.register("wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")["id"]
    first = queue(counter, "zhang.min")
    assert first["total"] == backlog + 1
    assert first["counts"]["overdue"] == backlog
    seen: list[int] = []
    for page in range(1, 4):
        body = queue(counter, "zhang.min", f"page={page}")
        seen += [t["case_id"] for t in body["items"]]
    assert seen[-1] == new and set(seen[:-1]) == old  # earliest due first: the new one last
    assert len(seen) == len(set(seen)) == backlog + 1  # every task once across the pages
    newest = counter.get("zhang.min", "/api/v1/tasks?page_size=1&sort=newest").get_json()
    assert [t["case_id"] for t in newest["items"]] == [new]


def page(counter: Counter, query: str) -> dict[str, Any]:
    """Four tasks of 张敏's queue."""
    response = counter.get("zhang.min", f"/api/v1/tasks?page_size=4&{query}")
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def test_keyset_pages_list_the_queue_once_in_every_order(
    counter: Counter, clock: ManualClock, engine: Engine
) -> None:
    """``after`` (the previous page's ``next_after``) pages through the queue in each
    order, every task once, as one long page lists them; a task that arrives meanwhile
    does not shift the pages after the position (an offset page repeats one); a position
    of another order, a forged one or one beside ``page`` is a 422 naming ``after``."""
    made = []
    for hour in (9, 10, 11):  # ties in the arrival time, two items
        at(clock, "2026-09-24", hour)
        for _ in range(3):
            made.append(counter.register("wang.fang", WINDOW_ITEM, SHIQIAO, "township_window"))
        for _ in range(2):
            made.append(
                counter.register("wang.fang", PROXY_ITEM, QINGSI_COMMUNITY, "township_window")
            )
    # Every check is due on the same day; a third of them without a due time (a step
    # without a limit), which sort last: the positions pass the missing values too.
    untimed = ", ".join(str(case["id"]) for case in made[::3])
    run_sql(engine.store, f"UPDATE ready_tasks SET due_at = NULL WHERE case_id IN ({untimed})")
    for order in ("due", "newest", "item"):
        whole = listed(queue(counter, "zhang.min", f"sort={order}"))
        assert len(whole) == 15
        dues = [t["due_at"] for t in queue(counter, "zhang.min", f"sort={order}")["items"]]
        assert dues.count(None) == 5
        seen: list[tuple[int, str]] = []
        position = ""
        for _ in range(4):
            body = page(counter, f"sort={order}{position}")
            seen += listed(body)
            if body["next_after"] is None:
                break
            position = f"&after={body['next_after']}"
        assert seen == whole, order  # the same tasks in the same order, each once
        assert body["total"] == 15 and len(body["items"]) == 3  # the fourth page: the rest

    first = page(counter, "sort=newest")
    at(clock, "2026-09-25", 9)
    new = counter.register("wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")["id"]
    after = page(counter, f"sort=newest&after={first['next_after']}")
    offset = page(counter, "sort=newest&page=2")
    assert not set(listed(after)) & set(listed(first))
    assert new not in [case for case, _ in listed(after)]  # it sorts before the position
    assert listed(offset)[0] == listed(first)[-1]  # an offset page shifted by the new task

    refused = {
        "a position of another order": f"sort=due&after={first['next_after']}",
        "a forged position": "after=bm90LWpzb24",
        "a position beside a page": f"sort=newest&page=2&after={first['next_after']}",
    }
    for why, query in refused.items():
        response = counter.get("zhang.min", f"/api/v1/tasks?{query}")
        assert response.status_code == 422, why
        assert response.get_json()["errors"][0]["field"] == "after", why
