"""Separation of duties (不相容岗位分离) over HTTP: who did the A-post first review of a case
may not do its B-post review — not offered it, refused it with the Chinese reason (409
``separation_of_duties``) on claim, assignment and completion, and nothing changes."""

from __future__ import annotations

import pytest

from engine import Engine
from tests.support.databases import Deployed
from tests.support.walks import QINGSI_COMMUNITY, WALKED, WINDOW_ITEM, Counter, specs


@pytest.fixture
def deployed() -> Deployed:
    return WALKED


def test_the_first_reviewer_is_refused_the_back_office_review(
    counter: Counter, engine: Engine
) -> None:
    # 刘洋 (liu.yang) holds both the window (A) and the back-office (B) post of 青丝乡.
    case = counter.register("wang.fang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")
    case_id = case["id"]
    counter.act("wang.fang", case_id, "Task_check_materials", {"intake_decision": "accept"})
    case = counter.act("liu.yang", case_id, "Task_first_review", {"first_opinion": "材料齐全"})
    assert specs(case) == ["Task_backoffice_review"]
    [task] = case["tasks"]
    # Not offered: 刘洋 is no candidate and the task is not in his queue, nor may he act.
    offered = [c["user"] for c in task["candidates"]]
    assert "liu.yang" not in offered and {"huang.li", "yang.fan"} <= set(offered)
    assert counter.queue("liu.yang", case_id) == []
    assert counter.get("liu.yang", f"/api/v1/tasks/{task['id']}").get_json()["may_act"] is False
    assert [t["id"] for t in counter.queue("yang.fan", case_id)] == [task["id"]]

    version = counter.case("wang.fang", case_id)["version"]
    url = f"/api/v1/tasks/{task['id']}"
    reason = "窗口初审（A岗）与后台审核（B岗）须由不同人员办理"
    for path, user, body in (
        ("claim", "liu.yang", None),
        ("complete", "liu.yang", {"review_decision": "approve"}),
        ("assign", "zhao.gang", {"user": "liu.yang"}),  # the leader cannot assign it to him
    ):
        refused = counter.post(user, f"{url}/{path}", body)
        problem = refused.get_json()
        assert (refused.status_code, problem["code"]) == (409, "separation_of_duties"), problem
        assert "liu.yang 已办理本办件的相关环节" in problem["detail"]
        assert reason in problem["detail"]
    assert counter.case("wang.fang", case_id)["version"] == version  # nothing changed

    # Another B post takes it.
    case = counter.act(
        "yang.fan", case_id, "Task_backoffice_review", {"review_decision": "approve"}
    )
    assert "Task_backoffice_review" not in specs(case)


def test_the_back_office_reviewer_of_one_case_may_first_review_another(
    counter: Counter, engine: Engine
) -> None:
    # The rule binds steps of one case only: 刘洋 reviews case 1 at B and case 2 at A.
    first = counter.register("wang.fang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")["id"]
    second = counter.register("wang.fang", WINDOW_ITEM, QINGSI_COMMUNITY, "township_window")["id"]
    for case_id in (first, second):
        counter.act("wang.fang", case_id, "Task_check_materials", {"intake_decision": "accept"})
    counter.act("zhang.min", first, "Task_first_review", {"first_opinion": "材料齐全"})
    counter.act("liu.yang", first, "Task_backoffice_review", {"review_decision": "approve"})
    case = counter.act("liu.yang", second, "Task_first_review", {"first_opinion": "材料齐全"})
    assert specs(case) == ["Task_backoffice_review"]
