"""The county's decision through the HTTP API: one route per case, as the item's department
chose in the catalogue (``county_decision``). 县民政局 (MZ) decides by its officer's task in
daiban; 县医疗保障局 (YB) by its own system's callback. The other route is never offered."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.databases import Deployed
from tests.support.paths import BPMN
from tests.support.walks import CATALOGUE, PROXY_ITEM, SHIQIAO, Counter, specs

BY_TASK = PROXY_ITEM  # MZ004, department MZ: county_decision task (the default)
BY_CALLBACK = CATALOGUE["YB002"]  # department YB: county_decision callback
DECISION = {"approved": True, "opinion": "准予", "document_no": "渠医保〔2026〕7号"}


@pytest.fixture
def deployed() -> Deployed:
    return (
        BPMN / "common",
        *(BPMN / "items" / f"{item.process_id}.bpmn" for item in (BY_TASK, BY_CALLBACK)),
    )


def test_the_catalogue_chooses_the_route_per_department() -> None:
    assert (BY_TASK.department_code, BY_TASK.county_decision) == ("MZ", "task")
    assert (BY_CALLBACK.department_code, BY_CALLBACK.county_decision) == ("YB", "callback")
    assert BY_CALLBACK.decided_at == "T->C"


def test_the_item_says_its_route(counter: Counter) -> None:
    routes = {
        code: counter.get("wang.fang", f"/api/v1/items/{code}").get_json()["county_decision"]
        for code in (BY_TASK.code, BY_CALLBACK.code, "ZF002")
    }
    assert routes == {BY_TASK.code: "task", BY_CALLBACK.code: "callback", "ZF002": None}


def _to_the_county(counter: Counter, code: str) -> dict[str, Any]:
    """Registered at 青丝乡's window, accepted, reviewed and handed to the county."""
    case = counter.register("wang.fang", CATALOGUE[code], SHIQIAO, "township_window")
    case_id = case["id"]
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("wang.fang", "Task_check_materials", {"intake_decision": "accept"}),
        ("zhang.min", "Task_first_review", {"first_opinion": "材料齐全"}),
        ("yang.fan", "Task_backoffice_review", {"review_decision": "approve"}),
        (
            "liu.yang",
            "Task_county_handover",
            {"handover_items": 2, "first_review_opinion": "符合条件"},
        ),
    ]
    for user, spec_id, data in steps:
        case = counter.act(user, case_id, spec_id, data)
    return case


def test_the_task_route_refuses_the_callback(counter: Counter) -> None:
    case = _to_the_county(counter, BY_TASK.code)
    case_id = case["id"]
    assert specs(case) == ["Task_county_decision"]
    assert case["waiting_messages"] == []
    version = counter.case("deng.hui", case_id)["version"]
    refused = counter.message("deng.hui", case_id, "county_decision", DECISION)
    body = refused.get_json()
    assert (refused.status_code, body["code"]) == (409, "invalid_state")
    assert body["detail"] == (
        "本办件的县级决定由县级部门经办人在待办任务“县级部门审批决定”中办理，"
        "不接受县级系统回传（county_decision）"
    )
    assert counter.case("deng.hui", case_id)["version"] == version  # nothing changed
    case = counter.act("deng.hui", case_id, "Task_county_decision", {"county_decision": "approve"})
    assert specs(case) == ["Task_prepare_result"]
    counter.check_history(case_id)


def test_the_callback_route_has_no_county_task(counter: Counter) -> None:
    case = _to_the_county(counter, BY_CALLBACK.code)
    case_id = case["id"]
    assert specs(case) == []  # nobody works the decision in daiban
    assert case["waiting_messages"] == ["county_decision"]
    assert case["county_since"] is not None
    # The department sees the case, with nothing in its queue; another department does not.
    assert counter.case("luo.min", case_id)["read_only"] is False
    assert counter.queue("luo.min", case_id) == []
    assert counter.get("deng.hui", f"/api/v1/cases/{case_id}").status_code == 404
    answered = counter.message("luo.min", case_id, "county_decision", DECISION)
    assert answered.status_code == 200, answered.get_json()
    assert specs(answered.get_json()) == ["Task_prepare_result"]
    # The callback came once: a second one is refused, naming what the case waits for.
    again = counter.message("luo.min", case_id, "county_decision", DECISION)
    assert (again.status_code, again.get_json()["code"]) == (409, "invalid_state")
    assert (
        again.get_json()["detail"]
        == "办件当前不在等待消息“县级部门办理结果”（county_decision）（当前不等待任何消息）"
    )
    data = counter.engine.cases.get(case_id).data
    assert (data["county_approved"], data["county_decision"]) == (True, "approve")
    assert data["item"]["county_decision"] == "callback"  # carried from the catalogue
    counter.check_history(case_id)
