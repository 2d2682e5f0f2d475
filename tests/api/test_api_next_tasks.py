"""Who acts next, over HTTP: every answer that changes a case lists its open tasks with
their step, role and unit by name, due time and the people who may take each now;
registration answers its due date or the rule that sets it; a registration's every
problem is listed at once."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from engine import Engine, ManualClock
from processes.org import ROLES
from tests.support.databases import Deployed
from tests.support.paths import BPMN
from tests.support.walks import (
    APPLICANT,
    CATALOGUE,
    QINGSI,
    QINGSI_COMMUNITY,
    WALKED,
    WINDOW_ITEM,
    Counter,
    at,
)

# 社会保障卡挂失: an on-the-spot item (即办件), registered at the window.
ON_THE_SPOT = CATALOGUE["RS010"]
WINDOW_STAFF = [  # who holds the window post (A岗) of 青丝乡, in the organisation's order
    {"user": "wang.fang", "name": "王芳", "stand_in_for": None, "stand_in_for_name": None},
    {"user": "liu.yang", "name": "刘洋", "stand_in_for": None, "stand_in_for_name": None},
    {"user": "zhang.min", "name": "张敏", "stand_in_for": None, "stand_in_for_name": None},
    {"user": "huang.li", "name": "黄丽", "stand_in_for": None, "stand_in_for_name": None},
]
ACCEPT = {"intake_decision": "accept"}


@pytest.fixture
def deployed() -> Deployed:
    return (*WALKED, BPMN / "items" / f"{ON_THE_SPOT.process_id}.bpmn")


def test_registration_names_the_first_step_its_people_and_the_due_rule(
    counter: Counter, engine: Engine
) -> None:
    case = counter.register("wang.fang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")
    # The promised limit runs from acceptance (the materials check): no date yet, the rule.
    assert case["due_date"] is None
    assert case["due_rule"] == {
        "starts": "acceptance",
        "limit_days": WINDOW_ITEM.promised_limit,
        "unit": "working_days",
        "limit_working_days": WINDOW_ITEM.promised_limit,
        "on_the_spot": False,
        "text": f"受理之日起 {WINDOW_ITEM.promised_limit} 个工作日内办结",
    }
    [task] = case["tasks"]
    assert {k: task[k] for k in ("spec_id", "name", "process_id", "role", "role_name")} == {
        "spec_id": "Task_check_materials",
        "name": "材料审查",
        "process_id": "common_intake",
        "role": "township_window",
        "role_name": "乡镇便民服务中心窗口（A岗）",
    }
    assert (task["org_unit"], task["org_unit_name"]) == (QINGSI, "青丝乡")
    # One working day for the intake: 25 September is 中秋节, so the day is Monday the 28th.
    assert task["due_at"] == "2026-09-29T00:00:00+08:00" and task["overdue"] is False
    assert (task["claimed_by"], task["claimed_by_name"]) == (None, None)
    assert task["candidates"] == WINDOW_STAFF
    # The case read back shows the same open tasks.
    assert counter.case("sun.hong", case["id"])["tasks"] == case["tasks"]


def test_an_on_the_spot_item_is_due_the_day_it_is_accepted(counter: Counter) -> None:
    case = counter.register("wang.fang", ON_THE_SPOT, QINGSI_COMMUNITY, "township_window")
    assert case["due_date"] is None
    assert case["due_rule"] == {
        "starts": "acceptance",
        "limit_days": 0,
        "unit": "working_days",
        "limit_working_days": 0,
        "on_the_spot": True,
        "text": "即办件：受理后当场办结",
    }
    done = counter.post("wang.fang", f"/api/v1/tasks/{case['tasks'][0]['id']}/complete", ACCEPT)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["case"]["due_date"] == "2026-09-24"  # accepted today


def test_completion_answers_who_acts_next(counter: Counter, engine: Engine) -> None:
    case = counter.register("wang.fang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")
    task = case["tasks"][0]
    done = counter.post("wang.fang", f"/api/v1/tasks/{task['id']}/complete", ACCEPT)
    assert done.status_code == 200, done.get_json()
    answer = done.get_json()
    # The task just completed, as before …
    assert (answer["id"], answer["spec_id"], answer["case_id"]) == (
        task["id"],
        "Task_check_materials",
        case["id"],
    )
    assert (answer["role_name"], answer["org_unit_name"]) == (
        "乡镇便民服务中心窗口（A岗）",
        "青丝乡",
    )
    # … the case after it: accepted today, so due once the promised limit has run …
    due = engine.calendar.add_working_days(date(2026, 9, 24), WINDOW_ITEM.promised_limit).date
    assert answer["case"] == {
        "id": case["id"],
        "case_number": case["case_number"],
        "status": "open",
        "status_name": "在办",
        "version": 2,
        "due_date": due.isoformat(),
    }
    # … and who acts next: the window's first review, open to the window staff.
    [following] = answer["next_tasks"]
    assert following["spec_id"] == "Task_first_review" and following["name"] == "窗口初审（A岗）"
    assert (following["role"], following["role_name"]) == (
        "township_window",
        ROLES["township_window"],
    )
    assert (following["org_unit"], following["org_unit_name"]) == (QINGSI, "青丝乡")
    assert following["candidates"] == WINDOW_STAFF
    assert counter.case("wang.fang", case["id"])["tasks"] == answer["next_tasks"]
    # The step after it is the back office's (B岗): other people, named.
    again = counter.post("wang.fang", f"/api/v1/tasks/{following['id']}/claim")
    assert again.get_json()["claimed_by_name"] == "王芳"
    review = counter.post(
        "wang.fang",
        f"/api/v1/tasks/{following['id']}/complete",
        {"first_opinion": "材料齐全，同意"},
    )
    assert review.status_code == 200, review.get_json()
    [back] = review.get_json()["next_tasks"]
    assert (back["role"], back["role_name"]) == ("township_backoffice", "后台（B岗）")
    names = {c["user"]: c["name"] for c in back["candidates"]}
    assert names["liu.yang"] == "刘洋" and "wang.fang" not in names
    assert all(c["stand_in_for"] is None for c in back["candidates"])


def test_an_absent_a_post_is_replaced_by_its_stand_in(
    counter: Counter, engine: Engine, clock: ManualClock
) -> None:
    case = counter.register("wang.fang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")
    task_url = f"/api/v1/tasks/{case['tasks'][0]['id']}"
    claimed = counter.post("wang.fang", f"{task_url}/claim").get_json()
    assert (claimed["claimed_by"], claimed["claimed_by_name"]) == ("wang.fang", "王芳")
    [task] = counter.case("wang.fang", case["id"])["tasks"]
    assert task["candidates"] == [WINDOW_STAFF[0]]  # the holder, at her desk
    # 王芳 is registered absent 28–30 September: her claimed task goes to her B post.
    at(clock, "2026-09-29")
    [task] = counter.case("liu.yang", case["id"])["tasks"]
    assert task["claimed_by"] == "wang.fang"
    assert task["candidates"] == [
        {
            "user": "liu.yang",
            "name": "刘洋",
            "stand_in_for": "wang.fang",
            "stand_in_for_name": "王芳",
        }
    ]
    # The stand-in completes it; the answer lists the next step's people present today:
    # 王芳 is not among them.
    done = counter.post("liu.yang", f"{task_url}/complete", ACCEPT)
    assert done.status_code == 200, done.get_json()
    [following] = done.get_json()["next_tasks"]
    assert following["candidates"] == WINDOW_STAFF[1:]
    other = counter.register("liu.yang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")
    assert other["tasks"][0]["candidates"] == WINDOW_STAFF[1:]
    at(clock, "2026-10-08")  # back at her desk
    assert counter.case("wang.fang", case["id"])["tasks"][0]["candidates"] == WINDOW_STAFF


def test_task_reads_name_role_unit_and_holder(counter: Counter) -> None:
    case = counter.register("wang.fang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")
    task_id = case["tasks"][0]["id"]
    counter.post("wang.fang", f"/api/v1/tasks/{task_id}/claim")
    detail = counter.get("wang.fang", f"/api/v1/tasks/{task_id}").get_json()
    listed = [t for t in counter.queue("wang.fang", case["id"]) if t["id"] == task_id]
    for shown in (detail, *listed):
        assert shown["role_name"] == "乡镇便民服务中心窗口（A岗）"
        assert shown["org_unit_name"] == "青丝乡"
        assert shown["claimed_by_name"] == "王芳"
    assert listed, "the claimed task is in its holder's queue"


def test_cancel_answers_no_open_task(counter: Counter) -> None:
    case = counter.register("wang.fang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")
    cancelled = counter.post("wang.fang", f"/api/v1/cases/{case['id']}/cancel", {"reason": "重复"})
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["status"] == "cancelled" and cancelled.get_json()["tasks"] == []


def registration(**changes: Any) -> dict[str, Any]:
    return {
        "item_code": WINDOW_ITEM.code,
        "applicant": {**APPLICANT, "village": QINGSI_COMMUNITY},
        "channel": "township_window",
        **changes,
    }


def test_a_missing_applicant_lists_each_of_its_fields(counter: Counter) -> None:
    body = registration()
    del body["applicant"]
    response = counter.post("wang.fang", "/api/v1/cases", body)
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": f"applicant.{name}", "in": "body", "reason": "必填"}
        for name in ("name", "id_number", "village")
    ]


def test_every_problem_of_a_registration_at_once(counter: Counter) -> None:
    # Shape problems (missing, pattern, type) and the engine's (check digit, channel
    # rights) in one answer.
    body = registration(channel="fax", emergency="yes")
    del body["item_code"]
    body["applicant"] = {
        "name": "张三",
        "id_number": "110105194912310021",  # 18 characters, wrong check digit
        "phone": "12345",
        "village": "5117252010011",
    }
    response = counter.post("wang.fang", "/api/v1/cases", body)
    assert response.status_code == 422
    reasons = {e["field"]: e["reason"] for e in response.get_json()["errors"]}
    assert {e["in"] for e in response.get_json()["errors"]} == {"body"}
    assert reasons == {
        "item_code": "必填",
        "applicant.id_number": "公民身份号码不正确（位数、出生日期或校验码有误）",
        "applicant.phone": "应为 11 位手机号或 0818-1234567 式座机号",
        "applicant.village": "应为 12 位区划代码",
        "channel": "取值应为：village_point、mobile_post、township_window、industrial_park_window、"
        "county_centre、enforcement",
        "emergency": "类型不正确，应为true 或 false",
    }
    # A trailing newline does not pass a pattern.
    body = registration()
    body["applicant"]["id_number"] = "11010519491231002X\n"
    response = counter.post("wang.fang", "/api/v1/cases", body)
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["applicant.id_number"]


def test_the_registration_form_is_published_complete(counter: Counter) -> None:
    document = counter.client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    operation = document["paths"]["/api/v1/cases"]["post"]
    create = resolve(schemas, operation["requestBody"]["content"]["application/json"]["schema"])
    # the Chinese name in x-title, so generated clients name the class CaseCreate
    assert create["x-title"] == "收件登记" and "title" not in create
    assert sorted(create["required"]) == ["applicant", "channel", "item_code"]
    channel = create["properties"]["channel"]
    assert channel["enum"] == [
        "village_point",
        "mobile_post",
        "township_window",
        "industrial_park_window",
        "county_centre",
        "enforcement",
    ]
    assert (
        channel["x-enum-descriptions"][0] == "村（社区）代办点" and channel["x-title"] == "收件渠道"
    )
    applicant = resolve(schemas, create["properties"]["applicant"])
    # a person's ID number or an organisation's credit code: required by the engine, by kind
    assert sorted(applicant["required"]) == ["name", "village"]
    properties = applicant["properties"]
    # [0-9], not \d: Python's \d also takes full-width and other digits, ECMA's does not
    # (empty allowed: an organisation has none; the engine requires it of a person)
    assert properties["id_number"]["pattern"] == r"^(?:[0-9]{17}[0-9Xx])?$"
    assert properties["village"]["pattern"] == r"^[0-9]{12}$"
    assert properties["phone"]["pattern"].startswith("^(?:1[0-9]{10}")
    assert not any("\\d" in p.get("pattern", "") for p in properties.values())
    assert all(
        p.get("title") or p.get("x-title") or p.get("allOf") or p.get("$ref")
        for p in (*properties.values(), *create["properties"].values())
    )
    # The answers document who acts next.
    complete = document["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]
    completed = resolve(
        schemas, complete["responses"]["200"]["content"]["application/json"]["schema"]
    )
    assert {"case", "next_tasks"} <= set(completed["required"])
    created = resolve(
        schemas, operation["responses"]["201"]["content"]["application/json"]["schema"]
    )
    open_task = resolve(schemas, created["properties"]["tasks"]["items"])
    assert {"role_name", "org_unit_name", "candidates", "claimed_by_name"} <= set(
        open_task["properties"]
    )
    assert "due_rule" in created["properties"]


def resolve(schemas: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A schema, following its ``$ref`` (or a single-entry ``allOf`` of one)."""
    if "allOf" in schema and len(schema["allOf"]) == 1:
        schema = schema["allOf"][0]
    if "$ref" in schema:
        return schemas[schema["$ref"].rsplit("/", 1)[1]]
    return schema
