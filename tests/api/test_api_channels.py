"""Channels through the HTTP API (docs/channels.md): the industrial park's small window
(工业园小窗口), mobile posts that own what they pick up, and items that apply only in some
townships (事项适用范围) with county-wide handling (全县域通办) respecting it.

Demo organisation: 三汇镇 (511725104) is under the 经济发达镇 reform and has the park
window 三汇工业园小窗口 (511725104P01: ren.jie, shu.yan); ZJ001–ZJ003 apply only in the
subdistrict (渠江街道) and the 经济发达镇 (三汇镇)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.databases import Deployed
from tests.support.paths import BPMN
from tests.support.walks import (
    APPLICANT,
    CATALOGUE,
    PROXY_ITEM,
    QINGSI,
    SHIQIAO,
    WINDOW_ITEM,
    Counter,
    specs,
)

URBAN_ITEM = CATALOGUE["ZJ001"]  # 夜间建筑施工许可: subdistrict and 经济发达镇 only
SANHUI, PARK = "511725104", "511725104P01"  # 三汇镇, 三汇工业园小窗口
DASHI = "511725104003"  # 大石村 (三汇镇)
PARK_CHANNEL = "industrial_park_window"


def _routed(counter: Counter, user: str, code: str, village: str) -> dict[str, Any]:
    """Registered at ``user``'s township window, as ``user`` reads it afterwards."""
    case = counter.register(user, CATALOGUE[code], village, "township_window")
    return counter.case(user, case["id"])


@pytest.fixture
def deployed() -> Deployed:
    return (
        BPMN / "common",
        *(
            BPMN / "items" / f"{item.process_id}.bpmn"
            for item in (PROXY_ITEM, WINDOW_ITEM, URBAN_ITEM)
        ),
    )


def _errors(body: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["reason"] for e in body["errors"]}


def _register(counter: Counter, user: str, code: str, village: str, channel: str) -> Any:
    item = CATALOGUE[code]
    body = {
        "item_code": code,
        "applicant": {**APPLICANT, "village": village},
        "channel": channel,
        "materials": [m.name for m in item.materials if m.required],
    }
    return counter.post(user, "/api/v1/cases", body)


# -- 工业园小窗口 ----------------------------------------------------------------------------
def test_the_park_window_registers_like_a_township_window(counter: Counter) -> None:
    case = counter.case(
        "ren.jie", counter.register("ren.jie", WINDOW_ITEM, SHIQIAO, PARK_CHANNEL)["id"]
    )
    # routed to the resident's township (青丝乡); the park window keeps read access
    assert (case["township"], case["registered_unit"]) == (QINGSI, PARK)
    assert case["registered_unit_name"] == "三汇工业园小窗口"
    assert counter.case("ren.jie", case["id"])["read_only"] is True
    assert counter.queue("ren.jie", case["id"]) == []
    listed = counter.get("ren.jie", "/api/v1/cases").get_json()
    assert [c["id"] for c in listed["items"]] == [case["id"]]  # what it registered
    # 青丝乡's window checks the materials, as for a case its own window registered
    case = counter.act(
        "wang.fang",
        case["id"],
        "Task_check_materials",
        {"intake_decision": "accept"},
        hidden_from=("ren.jie", "cheng.li"),
    )
    assert counter.case("shu.yan", case["id"])["registered_unit"] == PARK  # both A/B posts
    counter.check_history(case["id"])


def test_only_the_park_window_staff_use_the_park_channel(counter: Counter) -> None:
    refused = _register(counter, "wang.fang", WINDOW_ITEM.code, SHIQIAO, PARK_CHANNEL)
    body = refused.get_json()
    assert refused.status_code == 422, body
    assert _errors(body)["channel"] == "工业园小窗口只能由工业园小窗口工作人员登记"
    # and the park window is no township window
    refused = _register(counter, "ren.jie", WINDOW_ITEM.code, SHIQIAO, "township_window")
    assert refused.status_code == 422
    assert (
        _errors(refused.get_json())["channel"]
        == "乡镇便民服务中心窗口只能由乡镇便民服务中心窗口（A岗）登记"
    )


# -- mobile posts own their pickups ----------------------------------------------------
def test_a_mobile_agent_gets_the_proxy_tasks_of_what_it_took_in(counter: Counter) -> None:
    case = counter.register("he.ping", PROXY_ITEM, SHIQIAO, "mobile_post")
    case_id = case["id"]
    assert specs(case) == ["Task_entrust"]
    assert case["tasks"][0]["role"] == "mobile_agent"
    # in both mobile posts' queue of 青丝乡, not in 石桥村's village agents'
    assert [t["spec_id"] for t in counter.queue("luo.yong", case_id)] == ["Task_entrust"]
    entrust = {
        "pickup_mode": "home",
        "entrustment_signed": True,
        "receipt_no": "QS-2026-0001",
        "materials_received": 2,
    }
    case = counter.act("he.ping", case_id, "Task_entrust", entrust, hidden_from=("he.dong",))
    handover = {"handover_items": 2, "handover_originals": 1, "received_by": "王芳"}
    case = counter.act("he.ping", case_id, "Task_handover", handover, hidden_from=("xiang.lan",))
    assert specs(case) == ["Task_check_materials"]
    history = counter.get("he.ping", f"/api/v1/cases/{case_id}/history").get_json()
    roles = {e["role"] for e in history["events"] if e["type"] == "task_completed"}
    assert roles == {"mobile_agent"}
    counter.check_history(case_id)


def test_a_village_point_case_stays_with_the_village_agents(counter: Counter) -> None:
    case = counter.register("he.dong", PROXY_ITEM, SHIQIAO, "village_point")
    assert case["tasks"][0]["role"] == "village_agent"
    assert counter.queue("he.ping", case["id"]) == []
    assert [t["spec_id"] for t in counter.queue("xiang.lan", case["id"])] == ["Task_entrust"]


# -- applicability per township --------------------------------------------------------
def test_an_item_not_devolved_to_the_township_is_refused(counter: Counter) -> None:
    refused = _register(counter, "wang.fang", URBAN_ITEM.code, SHIQIAO, "township_window")
    body = refused.get_json()
    assert (refused.status_code, body["code"]) == (422, "validation_failed"), body
    reason = "“夜间建筑施工许可”（ZJ001）未下放到青丝乡，只能在渠江街道、三汇镇办理"
    assert _errors(body) == {"item_code": reason}
    assert body["detail"] == f"收件登记有 1 处错误：{reason}"


def test_county_wide_handling_routes_only_where_the_item_applies(counter: Counter) -> None:
    # 三汇镇's own resident at its own window: its own case
    own = _routed(counter, "cheng.li", URBAN_ITEM.code, DASHI)
    assert (own["township"], own["registered_unit"]) == (SANHUI, None)
    # a 青丝乡 resident at 三汇镇's window (全县域通办): not devolved to 青丝乡, so 三汇镇,
    # where it applies, handles it
    away = _routed(counter, "cheng.li", URBAN_ITEM.code, SHIQIAO)
    assert (away["township"], away["registered_unit"]) == (SANHUI, None)
    assert specs(counter.case("cheng.li", away["id"])) == ["Task_check_materials"]
    assert counter.get("wang.fang", f"/api/v1/cases/{away['id']}").status_code == 404
    # a 三汇镇 resident at 青丝乡's window: to 三汇镇; 青丝乡 keeps read access
    sent = _routed(counter, "wang.fang", URBAN_ITEM.code, DASHI)
    assert (sent["township"], sent["registered_unit"]) == (SANHUI, QINGSI)
    assert counter.case("wang.fang", sent["id"])["read_only"] is True


def test_items_filter_by_township(counter: Counter) -> None:
    def codes(township: str) -> set[str]:
        found: set[str] = set()
        for page in (1, 2):  # 121 items, 100 a page
            url = f"/api/v1/items?township={township}&page_size=100&page={page}"
            response = counter.get("wang.fang", url)
            assert response.status_code == 200, response.get_json()
            found |= {item["code"] for item in response.get_json()["items"]}
        return found

    everything = {item.code for item in CATALOGUE.values()}
    urban = {"ZJ001", "ZJ002", "ZJ003"}
    assert codes(QINGSI) == everything - urban  # 乡
    assert codes(SANHUI) == everything  # 经济发达镇
    assert codes("511725001") == everything  # 渠江街道
    assert codes("511725103") == everything - urban  # 土溪镇: an ordinary 镇
    unknown = counter.get("wang.fang", "/api/v1/items?township=511725999")
    assert (unknown.status_code, unknown.get_json()["code"]) == (404, "not_found")
