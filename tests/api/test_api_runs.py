"""Scheduled pickup and delivery runs (定期取件/定期送件, ``engine.runs``) through the API.

Demo schedules (processes/org/demo.yaml ``schedules``): 何平 (he.ping) goes to 新民村 and
石桥村 every Tuesday and Friday; 罗勇 (luo.yong) to 龙潭村, 双河村 and 金竹村 every Wednesday.
The clock starts on Thursday 2026-09-24: the first rounds are 何平's on Friday 09-25
and 罗勇's on Wednesday 09-30."""

from __future__ import annotations

from typing import Any

import pytest

from engine import ManualClock
from tests.support.databases import Deployed
from tests.support.paths import BPMN
from tests.support.walks import PROXY_ITEM, SHIQIAO, Counter, at, specs

LONGTAN = "511725201004"  # 龙潭村: 罗勇's round
ENTRUST = {"entrustment_signed": True, "receipt_no": "QS-2026-0101", "materials_received": 2}
HANDOVER = {"handover_items": 2, "handover_originals": 1, "received_by": "王芳"}


@pytest.fixture
def deployed() -> Deployed:
    return (BPMN / "common", BPMN / "items" / f"{PROXY_ITEM.process_id}.bpmn")


def _taken_in(counter: Counter, agent: str, village: str, pickup_mode: str) -> int:
    """A village agent takes a 高龄津贴 application in, to be picked up as ``pickup_mode``."""
    case = counter.register(agent, PROXY_ITEM, village, "village_point")
    entrust = {**ENTRUST, "pickup_mode": pickup_mode}
    case = counter.act(agent, case["id"], "Task_entrust", entrust)
    return int(case["id"])


def _runs(counter: Counter, user: str) -> list[dict[str, Any]]:
    response = counter.get(user, "/api/v1/runs")
    assert response.status_code == 200, response.get_json()
    return list(response.get_json()["items"])


def test_a_scheduled_pickup_waits_for_the_mobile_posts_round(
    counter: Counter, clock: ManualClock
) -> None:
    runs = counter.engine.runs
    scheduled = _taken_in(counter, "he.dong", SHIQIAO, "scheduled")
    at_home = _taken_in(counter, "xiang.lan", SHIQIAO, "home")
    elsewhere = _taken_in(counter, "zeng.qiang", LONGTAN, "scheduled")
    # Left for scheduled pickup, the handover is the mobile post's, no longer the village's.
    [task] = counter.queue("he.ping", scheduled)
    assert (task["spec_id"], task["role"]) == ("Task_handover", "mobile_agent")
    assert counter.queue("he.dong", scheduled) == []
    assert [t["spec_id"] for t in counter.queue("he.dong", at_home)] == ["Task_handover"]

    assert runs.make_due() == []  # Thursday: nobody's round
    at(clock, "2026-09-25")  # Friday: 何平's round
    [run] = runs.make_due()
    assert runs.make_due() == []  # idempotent: one run per agent and day
    assert (run.agent, run.township, str(run.day)) == ("he.ping", "511725201", "2026-09-25")
    assert [(c.case_id, c.kind, c.village) for c in run.cases] == [
        (scheduled, "pickup", SHIQIAO)
    ]  # not the home pickup, not 龙潭村 (罗勇's round)

    listed = _runs(counter, "he.ping")
    assert [r["id"] for r in listed] == [run.id]
    assert listed[0]["status"] == "open" and listed[0]["left"] == 1
    assert listed[0]["cases"][0]["kind_name"] == "定期取件"
    assert listed[0]["cases"][0]["village_name"] == "石桥村"
    assert [r["id"] for r in _runs(counter, "wang.fang")] == [run.id]  # township staff
    assert _runs(counter, "pan.hong") == []  # 丰乐乡
    assert counter.get("pan.hong", f"/api/v1/runs/{run.id}").status_code == 404
    refused = counter.get("he.dong", "/api/v1/runs")  # a village agent: no runs
    assert (refused.status_code, refused.get_json()["code"]) == (403, "forbidden")

    # On the round 何平 hands the materials over (the case's history records it) ...
    case = counter.act("he.ping", scheduled, "Task_handover", HANDOVER, hidden_from=("he.dong",))
    assert specs(case) == ["Task_check_materials"]
    detail = counter.get("he.ping", f"/api/v1/runs/{run.id}").get_json()
    assert (detail["cases"][0]["task_open"], detail["left"]) == (False, 0)
    # ... and completes the run; the window cannot, nor can it be completed twice.
    refused = counter.post("wang.fang", f"/api/v1/runs/{run.id}/complete")
    assert (refused.status_code, refused.get_json()["code"]) == (403, "forbidden")
    done = counter.post("he.ping", f"/api/v1/runs/{run.id}/complete")
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["status"], done.get_json()["completed_by"]) == ("completed", "he.ping")
    again = counter.post("luo.yong", f"/api/v1/runs/{run.id}/complete")
    assert (again.status_code, again.get_json()["code"]) == (409, "invalid_state")
    counter.check_history(scheduled)

    at(clock, "2026-09-30")  # Wednesday: 罗勇's round takes 龙潭村's case
    [other] = runs.make_due()
    assert (other.agent, [c.case_id for c in other.cases]) == ("luo.yong", [elsewhere])


def test_a_scheduled_delivery_goes_on_the_round(counter: Counter, clock: ManualClock) -> None:
    case = counter.register("wang.fang", PROXY_ITEM, SHIQIAO, "township_window")
    case_id = case["id"]
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("wang.fang", "Task_check_materials", {"intake_decision": "accept"}),
        ("zhang.min", "Task_first_review", {"first_opinion": "材料齐全"}),
        ("yang.fan", "Task_backoffice_review", {"review_decision": "approve"}),
        ("liu.yang", "Task_county_handover", {"handover_items": 2, "first_review_opinion": "符合"}),
        ("deng.hui", "Task_county_decision", {"county_decision": "approve"}),
        ("zhang.min", "Task_prepare_result", {"delivery_mode": "scheduled"}),
    ]
    for user, spec_id, data in steps:
        case = counter.act(user, case_id, spec_id, data)
    assert specs(case) == ["Task_scheduled_delivery"]
    at(clock, "2026-09-29")  # Tuesday: 何平's round
    [run] = counter.engine.runs.make_due()
    assert [(c.case_id, c.kind) for c in run.cases] == [(case_id, "delivery")]
    slip = {"slip_signed": True, "received_by": "张秀兰"}
    case = counter.act("he.ping", case_id, "Task_scheduled_delivery", slip)
    assert case["waiting_messages"] == ["rating"]
    done = counter.post("he.ping", f"/api/v1/runs/{run.id}/complete").get_json()
    assert (done["status"], done["left"]) == ("completed", 0)
    counter.check_history(case_id)
