"""Items decided by a grassroots station (基层站所, catalogue ``decided_at: T->S``) or by the
province (``T->C->P``), worked through the HTTP API by the demo staff (issue 14, "who
decides"). The township or village only accepts; the station serving the case's township
decides; everyone else either cannot see the case (404) or sees it read-only."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.databases import Deployed
from tests.support.paths import BPMN
from tests.support.walks import CATALOGUE, SHIQIAO, Counter, specs

MOVE = CATALOGUE["GA004"]  # 户口迁移: 公安派出所 (户口登记条例第三条)
SHOP = CATALOGUE["SJ005"]  # 个体工商户设立登记: 市场监督管理所
RESERVE = CATALOGUE["TY002"]  # 预备役登记: 乡镇人民武装部
DISABLED_CARD = CATALOGUE["TY003"]  # 伤残证件换发、补发: 县级初审, 省退役军人事务厅审批
YULONG = "511725202002"  # 丰乐乡玉皇村

ENTRUST = {
    "pickup_mode": "fixed_point",
    "entrustment_signed": True,
    "receipt_no": "DB-0924-07",
    "materials_received": 4,
}
HANDOVER = {"handover_items": 4, "handover_originals": 1, "received_by": "王芳"}


@pytest.fixture
def deployed() -> Deployed:
    items = (MOVE, SHOP, RESERVE, DISABLED_CARD)
    return (BPMN / "common", *(BPMN / "items" / f"{item.process_id}.bpmn" for item in items))


def test_the_catalogue_says_who_decides() -> None:
    assert (MOVE.decided_at, MOVE.station) == ("T->S", "police_station")
    assert (SHOP.decided_at, SHOP.station) == ("T->S", "market_regulation")
    assert (RESERVE.decided_at, RESERVE.station) == ("T->S", "armed_forces")
    assert DISABLED_CARD.decided_at == "T->C->P" and DISABLED_CARD.province_decides
    assert CATALOGUE["TY001"].decided_at == "C" and CATALOGUE["TY001"].county_decides
    assert not any(i.township_reviews for i in (MOVE, SHOP, RESERVE, DISABLED_CARD))


def test_a_household_move_taken_at_a_village_point_is_decided_by_its_police_station(
    counter: Counter,
) -> None:
    # 石桥村 (青丝乡): its agent 何东 takes the application; 青丝派出所 (GA-01) serves 青丝乡.
    case = counter.register("he.dong", MOVE, SHIQIAO, "village_point")
    case_id = case["id"]
    assert counter.case("he.dong", case_id)["department"] == "GA-01"
    # Before the handover the station does not see the case; nor ever another station
    # or the county police bureau (the case goes to the station, not to the bureau).
    for outsider in ("li.jing", "shu.ping", "yang.kai", "mo.lan"):
        assert counter.get(outsider, f"/api/v1/cases/{case_id}").status_code == 404, outsider
    counter.act("he.dong", case_id, "Task_entrust", ENTRUST)
    counter.act("he.dong", case_id, "Task_handover", HANDOVER)
    counter.act("wang.fang", case_id, "Task_check_materials", {"intake_decision": "accept"})
    case = counter.act("wang.fang", case_id, "Task_station_handover", {"handover_items": 4})
    assert specs(case) == ["Task_station_decision"]
    assert case["county_since"] is not None  # handed over: the station sees it from now on
    [task] = counter.queue("li.jing", case_id)
    assert (task["role"], task["org_unit"]) == ("station_officer", "GA-01")
    assert (task["role_name"], task["org_unit_name"]) == ("基层站所经办人", "渠县公安局青丝派出所")
    # The station's step limit (station_decision: 5 working days from Thu 24 Sep): 28, 29,
    # 30 Sep, 8, 9 Oct (中秋 and 国庆 off) — due at the end of 9 Oct.
    assert task["due_at"] == "2026-10-10T00:00:00+08:00"
    # The township leader sees the case but cannot decide it (403); another township's
    # 派出所 (渠江, GA-02) and the county bureau do not see it at all (404).
    case = counter.act(
        "li.jing",
        case_id,
        "Task_station_decision",
        {"station_decision": "approve", "station_document_no": "青丝派出所〔2026〕12号"},
        hidden_from=("zhao.gang", "shu.ping", "yang.kai", "tan.xiaoyan"),
    )
    assert specs(case) == ["Task_prepare_result"]
    data = counter.engine.cases.get(case_id).data
    assert (data["station_approved"], data["station_decision"]) == (True, "approve")
    # The decision taken, the result comes back down to the township window.
    assert counter.queue("li.jing", case_id) == []
    assert [t["spec_id"] for t in counter.queue("wang.fang", case_id)] == ["Task_prepare_result"]
    assert counter.get("shu.ping", f"/api/v1/cases/{case_id}").status_code == 404
    counter.check_history(case_id)


def _handed_to_station(counter: Counter, window: str, item: Any, village: str) -> int:
    case = counter.register(window, item, village, "township_window")
    counter.act(window, case["id"], "Task_check_materials", {"intake_decision": "accept"})
    counter.act(window, case["id"], "Task_station_handover", {"handover_items": 2})
    return int(case["id"])


def test_a_sole_trader_registration_is_decided_by_the_market_regulation_station(
    counter: Counter,
) -> None:
    # 丰乐乡 is served by 青丝市场监督管理所 (SJ-01), not by 渠江 (SJ-02).
    case_id = _handed_to_station(counter, "pan.hong", SHOP, YULONG)
    shown = counter.case("mo.lan", case_id)
    assert (shown["department"], shown["department_name"]) == (
        "SJ-01",
        "渠县市场监督管理局青丝市场监督管理所",
    )
    # Accepted Thu 24 Sep; 3 working days (《市场主体登记管理条例》第十九条): 25 Sep is 中秋,
    # 26-27 the weekend, so 28, 29, 30 Sep — due 30 Sep.
    assert shown["due_date"] == "2026-09-30"
    case = counter.act(
        "mo.lan",
        case_id,
        "Task_station_decision",
        {"station_decision": "approve", "station_document_no": "92511725MA0000001X"},
        hidden_from=("du.gang", "kang.ning", "ma.li"),
    )
    assert specs(case) == ["Task_prepare_result"]
    counter.check_history(case_id)


def test_a_reserve_registration_is_decided_by_the_township_armed_forces_department(
    counter: Counter,
) -> None:
    case_id = _handed_to_station(counter, "wang.fang", RESERVE, SHIQIAO)
    # 青丝乡人民武装部 (RW-01) decides; 丰乐乡's (RW-05) and the veterans bureau do not see it.
    case = counter.act(
        "wu.wei",
        case_id,
        "Task_station_decision",
        {"station_decision": "reject", "station_opinion": "未满足预备役登记条件"},
        hidden_from=("zhao.gang", "xing.jun", "guo.jun"),
    )
    assert specs(case) == ["Task_prepare_result"]
    data = counter.engine.cases.get(case_id).data
    assert (data["station_approved"], data["station_opinion"]) == (False, "未满足预备役登记条件")
    counter.check_history(case_id)


def test_a_disability_certificate_is_reviewed_by_the_county_and_decided_by_the_province(
    counter: Counter,
) -> None:
    case = counter.register("wang.fang", DISABLED_CARD, SHIQIAO, "township_window")
    case_id = case["id"]
    assert counter.case("wang.fang", case_id)["department"] == "TY"
    counter.act("wang.fang", case_id, "Task_check_materials", {"intake_decision": "accept"})
    case = counter.act("wang.fang", case_id, "Task_province_handover", {"handover_items": 5})
    assert specs(case) == ["Task_county_first_review"]
    # Each level has its own step limit, counted from the day its task is ready (Thu 24 Sep,
    # the start day not counted). First review, 10 working days: 28, 29, 30 Sep (25 Sep
    # 中秋, 1-7 Oct 国庆), 8, 9, 10 (Saturday, 调休上班), 12, 13, 14, 15 Oct — due at the
    # end of 15 Oct.
    [review] = counter.queue("guo.jun", case_id)
    assert review["due_at"] == "2026-10-16T00:00:00+08:00"
    counter.act(
        "guo.jun",
        case_id,
        "Task_county_first_review",
        {"first_review": "forward", "first_review_opinion": "材料齐全，符合换发条件，报省厅审批"},
        hidden_from=("zhao.gang", "deng.hui", "li.jing"),
    )
    # The province's decision, 25 working days from 24 Sep: the 10 above, then 16, 19-23,
    # 26-30 Oct, 2, 3, 4, 5 Nov — due at the end of 5 Nov.
    [province] = counter.queue("guo.jun", case_id)
    assert province["due_at"] == "2026-11-06T00:00:00+08:00"
    # The province (省退役军人事务厅) decides in its own system; the county officer records
    # its reply with the reply's number.
    case = counter.act(
        "guo.jun",
        case_id,
        "Task_province_decision",
        {"province_decision": "approve", "province_document_no": "川退役〔2026〕301号"},
        hidden_from=("zhao.gang", "wang.fang"),
    )
    assert specs(case) == ["Task_prepare_result"]
    data = counter.engine.cases.get(case_id).data
    assert (data["province_approved"], data["province_document_no"]) == (
        True,
        "川退役〔2026〕301号",
    )
    counter.check_history(case_id)


def test_a_case_the_county_rejects_at_first_review_never_reaches_the_province(
    counter: Counter,
) -> None:
    case = counter.register("wang.fang", DISABLED_CARD, SHIQIAO, "township_window")
    case_id = case["id"]
    counter.act("wang.fang", case_id, "Task_check_materials", {"intake_decision": "accept"})
    counter.act("wang.fang", case_id, "Task_province_handover", {"handover_items": 5})
    case = counter.act(
        "guo.jun",
        case_id,
        "Task_county_first_review",
        {"first_review": "reject", "first_review_opinion": "伤残证件仍在有效期内且未损毁"},
    )
    assert specs(case) == ["Task_prepare_result"]
    data = counter.engine.cases.get(case_id).data
    assert (data["province_approved"], data["province_decision"]) == (False, "reject")
    counter.check_history(case_id)


def test_the_item_names_the_station_that_decides(counter: Counter) -> None:
    shown = counter.get("wang.fang", f"/api/v1/items/{MOVE.code}").get_json()
    assert (shown["decided_at"], shown["decided_at_name"]) == (
        "T->S",
        "乡镇（村）受理、基层站所决定",
    )
    assert (shown["station"], shown["station_name"]) == ("police_station", "公安派出所")
    assert shown["county_decision"] is None  # the GA department's callback route is not used
    province = counter.get("wang.fang", f"/api/v1/items/{DISABLED_CARD.code}").get_json()
    assert province["decided_at_name"] == "乡镇受理、县级部门初审、省级部门决定"
    assert (province["station"], province["county_decision"]) == (None, None)
