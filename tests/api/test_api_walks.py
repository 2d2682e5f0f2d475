"""Cases walked end to end through the HTTP API, as the counter staff work them day by day.

Every step is taken by the user whose job it is, logged in with that user's own password
and acting with that user's own bearer token: the user finds the task in its queue, reads
the task with its form, claims it and completes it with data that satisfies the form.
Users who have no business with a step must not find it in their queues nor be able to
take it. At the end the history must verify and name exactly the users who acted.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine import ManualClock
from engine.calendar import WorkingCalendar
from tests.support.databases import Deployed
from tests.support.walks import (
    MASKED_APPLICANT,
    PROXY_ITEM,
    QINGSI,
    QINGSI_COMMUNITY,
    SHIQIAO,
    WALKED,
    WINDOW_ITEM,
    Counter,
    at,
    specs,
)


@pytest.fixture
def deployed() -> Deployed:
    return WALKED


def test_the_chosen_items_take_the_paths_walked() -> None:
    proxy, window = PROXY_ITEM, WINDOW_ITEM
    assert (proxy.kind, proxy.decided_at, proxy.proxy_allowed) == ("proxy", "T->C", True)
    assert proxy.department_code == "MZ" and "home" in proxy.delivery
    assert not (proxy.special_steps or proxy.public_notice_days or proxy.on_the_spot)
    assert not proxy.process_data()["licence"]
    assert (window.kind, window.decided_at, window.proxy_allowed) == ("devolved", "T", False)
    assert window.process_data()["licence"] and window.promised_limit == 3
    assert not (window.special_steps or window.public_notice_days or window.on_the_spot)


def test_proxy_item_from_the_village_to_the_county_and_back(
    counter: Counter, clock: ManualClock
) -> None:
    """代办 of a T->C item: village agent → township window, back office → county decision
    (the department's task) → home delivery → the resident's rating; a late handover is escalated to the leader."""
    # Thu 24 Sep: 谭晓燕 takes the application at 青丝社区's service point.
    case = counter.register("tan.xiaoyan", PROXY_ITEM, QINGSI_COMMUNITY, "village_point")
    case_id = case["id"]
    assert case["case_number"].startswith(QINGSI_COMMUNITY + "20260924")
    assert case["due_date"] is None  # the promised limit runs from acceptance
    assert specs(case) == ["Task_entrust"]
    for outsider in ("pan.hong", "cai.ping", "deng.ming", "deng.hui", "tang.jian"):
        assert counter.get(outsider, f"/api/v1/cases/{case_id}").status_code == 404, outsider
    assert counter.case("sun.hong", case_id)["read_only"] is True
    assert counter.case("wang.fang", case_id)["via_proxy"] is True

    village_outsiders = ("wang.fang", "pan.hong", "cai.ping", "deng.ming", "deng.hui")
    case = counter.act(
        "tan.xiaoyan",
        case_id,
        "Task_entrust",
        {"pickup_mode": "home", "entrustment_signed": True, "receipt_no": "DB-0924-01",
         "materials_received": 4},
        hidden_from=village_outsiders,
    )  # fmt: skip
    assert specs(case) == ["Task_handover"]

    # The handover limit (3 working days; 25 Sep is 中秋) runs out at the end of 30 Sep;
    # the timer job finds it on the first working day after National Day.
    morning_token = counter.token("tan.xiaoyan")
    at(clock, "2026-09-30", 18)
    counter.tick(case_id)
    expired = counter.client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {morning_token}"}
    )
    assert expired.status_code == 401  # a login lasts 12 hours: she logs in again
    assert specs(counter.case("tan.xiaoyan", case_id)) == ["Task_handover"]
    at(clock, "2026-10-08")
    counter.tick(case_id)
    case = counter.case("chen.jing", case_id)
    assert specs(case) == ["Task_escalate_handover", "Task_handover"]
    # Both leaders of 青丝乡 see the escalation; nobody else does.
    assert [t["spec_id"] for t in counter.queue("zhao.gang", case_id)] == ["Task_escalate_handover"]
    counter.act(
        "chen.jing",
        case_id,
        "Task_escalate_handover",
        {"escalation_note": "请代办员当日移交"},
        hidden_from=("tan.xiaoyan", "wang.fang", "du.gang", "pan.hong"),
    )
    case = counter.act(
        "tan.xiaoyan",
        case_id,
        "Task_handover",
        {"handover_items": 4, "handover_originals": 1, "received_by": "王芳"},
        hidden_from=village_outsiders,
    )
    assert specs(case) == ["Task_check_materials"]
    data = counter.engine.cases.get(case_id).data
    assert (data["village_holding_days"], data["handover_late"]) == (4, True)
    # The village agent's part is done: township work never reaches the village queue.
    assert counter.queue("tan.xiaoyan", case_id) == []

    township_outsiders = ("tan.xiaoyan", "jiang.wei", "yang.fan", "pan.hong", "zhou.lin")
    case = counter.act(
        "wang.fang",
        case_id,
        "Task_check_materials",
        {"intake_decision": "accept"},
        hidden_from=(*township_outsiders, "deng.hui"),
    )
    due = WorkingCalendar.default().add_working_days(date(2026, 10, 8), PROXY_ITEM.promised_limit)
    assert case["due_date"] == due.date.isoformat()
    assert specs(case) == ["Task_first_review"]
    [queued] = counter.queue("zhang.min", case_id)
    assert queued["due_at"] is not None and queued["overdue"] is False

    case = counter.act(
        "zhang.min",
        case_id,
        "Task_first_review",
        {"first_opinion": "申请人年满80周岁，材料齐全"},
        hidden_from=township_outsiders,
    )
    assert specs(case) == ["Task_backoffice_review"]
    at(clock, "2026-10-09")
    case = counter.act(
        "yang.fan",
        case_id,
        "Task_backoffice_review",
        {"review_decision": "approve"},
        hidden_from=("wang.fang", "zhang.min", "tan.xiaoyan", "yu.liang", "pan.hong"),
    )
    # Not a licence: no leader approval; the case goes to the county department.
    assert specs(case) == ["Task_county_handover"]
    assert counter.get("deng.hui", f"/api/v1/cases/{case_id}").status_code == 404

    case = counter.act(
        "liu.yang",
        case_id,
        "Task_county_handover",
        {"handover_items": 4, "first_review_opinion": "经审核，符合高龄津贴发放条件"},
        hidden_from=("tan.xiaoyan", "yang.fan", "pan.hong", "deng.hui"),
    )
    assert specs(case) == ["Task_county_decision"]
    # 县民政局 decides in daiban (its catalogue route: the decision task): no callback is
    # awaited at the same time.
    assert case["waiting_messages"] == []
    assert case["county_since"] is not None

    # 县民政局 now sees the case and the decision in its queue; other departments do not.
    at(clock, "2026-10-12")
    for outsider in ("tang.jian", "pan.hong"):
        assert counter.get(outsider, f"/api/v1/cases/{case_id}").status_code == 404
    county = counter.case("deng.hui", case_id)
    assert county["read_only"] is False and county["department"] == "MZ"
    task = counter.find(
        "deng.hui",
        case_id,
        "Task_county_decision",
        hidden_from=("tang.jian", "wang.fang", "tan.xiaoyan", "pan.hong"),
    )
    assert task["outcomes"]["county_decision"] == ["approve", "reject"]
    assert [t["spec_id"] for t in counter.queue("peng.li", case_id)] == ["Task_county_decision"]
    # Another department's officer or another township cannot post the decision; nor can
    # the township that handed the case over. On this route a callback is refused even
    # from the department's own officer: the decision is its task.
    decision = {"approved": True, "opinion": "同意发放", "document_no": "渠民高〔2026〕88号"}
    for outsider in ("tang.jian", "pan.hong", "cai.ping"):
        refused = counter.message(outsider, case_id, "county_decision", decision)
        assert refused.status_code == 404, outsider
    for township in ("liu.yang", "tan.xiaoyan"):
        refused = counter.message(township, case_id, "county_decision", decision)
        assert refused.status_code == 403, township
    refused = counter.message("deng.hui", case_id, "county_decision", decision)
    assert (refused.status_code, refused.get_json()["code"]) == (409, "invalid_state")
    assert "县级部门审批决定" in refused.get_json()["detail"]
    assert counter.case("deng.hui", case_id)["version"] == county["version"]
    case = counter.act(
        "deng.hui",
        case_id,
        "Task_county_decision",
        {"county_decision": "approve", "document_no": "渠民高〔2026〕88号"},
        hidden_from=("tang.jian", "liu.yang", "tan.xiaoyan"),
    )
    assert specs(case) == ["Task_prepare_result"]
    assert counter.queue("deng.hui", case_id) == counter.queue("peng.li", case_id) == []
    data = counter.engine.cases.get(case_id).data
    assert (data["county_approved"], data["county_decision"]) == (True, "approve")

    at(clock, "2026-10-13")
    case = counter.act(
        "huang.li",
        case_id,
        "Task_prepare_result",
        {"delivery_mode": "home", "result_document_no": "渠民高〔2026〕88号"},
        hidden_from=("deng.hui", "tan.xiaoyan", "yang.fan", "pan.hong"),
    )
    assert specs(case) == ["Task_home_delivery"]
    # Home delivery is the applicant's village's work: both its agents have it.
    assert [t["spec_id"] for t in counter.queue("tan.xiaoyan", case_id)] == ["Task_home_delivery"]
    case = counter.act(
        "jiang.wei",
        case_id,
        "Task_home_delivery",
        {"slip_signed": True, "received_by": "张秀兰"},
        hidden_from=("deng.ming", "cai.ping", "wang.fang", "pan.hong", "deng.hui"),
    )
    assert case["tasks"] == [] and case["waiting_messages"] == ["rating"]
    assert case["status"] == "open"

    # The clerk cannot rate for the resident; the resident rates through the link.
    faked = counter.message("wang.fang", case_id, "rating", {"level": "very_satisfied"})
    assert (faked.status_code, faked.get_json()["code"]) == (403, "resident_only")
    rated = counter.rate(case_id, 5)
    assert rated.status_code == 200, rated.get_json()
    assert rated.get_json()["level"] == "very_satisfied"

    case = counter.case("tan.xiaoyan", case_id)
    assert case["status"] == "completed"
    assert case["tasks"] == [] and case["waiting_messages"] == []
    data = counter.engine.cases.get(case_id).data
    assert data["rating"] == "very_satisfied" and data["delivered_on"] == "2026-10-13"
    assert counter.case("sun.hong", case_id)["status"] == "completed"
    counter.check_history(case_id)
    with counter.engine.store.unit_of_work(write=False) as uow:
        first = next(iter(uow.events.of_case(case_id)))[0]
    assert (first.actor, first.on_behalf_of) == ("tan.xiaoyan", MASKED_APPLICANT)
    actors = {actor for _, actor, _ in counter.done[case_id]}
    assert actors == {
        "tan.xiaoyan",
        "chen.jing",
        "wang.fang",
        "zhang.min",
        "yang.fan",
        "liu.yang",
        "deng.hui",
        "huang.li",
        "jiang.wei",
        "system:timer",
        "resident",  # the rating, through the link
    }


def test_devolved_item_handled_entirely_at_the_township_window(
    counter: Counter, clock: ManualClock
) -> None:
    """A devolved licence for a resident of 石桥村: window intake, A/B posts while the A
    post is on leave, back office, leader approval, window pickup and rating."""
    case = counter.register("wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")
    case_id = case["id"]
    assert case["case_number"].startswith(SHIQIAO + "20260924")
    assert specs(case) == ["Task_check_materials"]
    assert counter.case("wang.fang", case_id)["via_proxy"] is False
    # 石桥村's agents see their resident's case, but have nothing to do in it.
    assert counter.case("he.dong", case_id)["township"] == QINGSI
    assert counter.queue("he.dong", case_id) == []
    for outsider in ("tan.xiaoyan", "pan.hong", "cai.ping", "qin.zheng"):
        assert counter.get(outsider, f"/api/v1/cases/{case_id}").status_code == 404, outsider

    outsiders = ("he.dong", "tan.xiaoyan", "yang.fan", "chen.jing", "pan.hong")
    case = counter.act(
        "wang.fang", case_id, "Task_check_materials", {"intake_decision": "accept"},
        hidden_from=outsiders,
    )  # fmt: skip
    due = WorkingCalendar.default().add_working_days(date(2026, 9, 24), WINDOW_ITEM.promised_limit)
    assert case["due_date"] == due.date.isoformat() == "2026-09-30"
    assert specs(case) == ["Task_first_review"]

    # 王芳 claims the first review, then goes on leave (28-30 Sep). Until then her B post
    # 刘洋 can neither take nor complete it; while she is away it reaches him.
    task = counter.find("wang.fang", case_id, "Task_first_review", hidden_from=outsiders)
    url = f"/api/v1/tasks/{task['id']}"
    assert counter.post("wang.fang", f"{url}/claim").status_code == 200
    counter.done[case_id].append(("task_claimed", "wang.fang", task["id"]))
    opinion = {"first_opinion": "摊点位置不影响通行，材料齐全"}
    early = counter.post("liu.yang", f"{url}/complete", opinion)
    assert early.status_code == 409 and early.get_json()["code"] == "claimed"
    assert counter.queue("liu.yang", case_id) == []
    at(clock, "2026-09-28")
    [covered] = counter.queue("liu.yang", case_id)
    assert (covered["spec_id"], covered["claimed_by"]) == ("Task_first_review", "wang.fang")
    assert counter.get("liu.yang", url).get_json()["may_act"] is True
    stood_in = counter.post("liu.yang", f"{url}/complete", opinion)
    assert stood_in.status_code == 200, stood_in.get_json()
    counter.done[case_id].append(("task_completed", "liu.yang", task["id"]))
    with counter.engine.store.unit_of_work(write=False) as uow:
        completion = [event for event, _ in uow.events.of_case(case_id)][-1]
    assert (completion.actor, completion.payload["acting_for"]) == ("liu.yang", "wang.fang")

    case = counter.act(
        "yang.fan",
        case_id,
        "Task_backoffice_review",
        {"review_decision": "approve"},
        hidden_from=("wang.fang", "he.dong", "zhao.gang", "yu.liang"),
    )
    # A licence: the township leader approves. Now it is overdue (due 30 Sep).
    assert specs(case) == ["Task_leader_approval"]
    at(clock, "2026-10-08")
    [late] = counter.queue("zhao.gang", case_id)
    assert late["overdue"] is True
    assert counter.get("zhao.gang", "/api/v1/cases?overdue=true").get_json()["total"] == 1
    case = counter.act(
        "zhao.gang",
        case_id,
        "Task_leader_approval",
        {"leader_decision": "approve"},
        hidden_from=("wang.fang", "yang.fan", "du.gang", "he.dong"),
    )
    assert specs(case) == ["Task_prepare_result"]
    outcomes = counter.find("zhang.min", case_id, "Task_prepare_result")["outcomes"]
    assert set(outcomes["delivery_mode"]) >= {"window", "home", "post"}
    case = counter.act(
        "zhang.min",
        case_id,
        "Task_prepare_result",
        {"delivery_mode": "window", "result_document_no": "青丝摊许〔2026〕3号"},
        hidden_from=("he.dong", "yang.fan", "pan.hong"),
    )
    assert specs(case) == ["Task_window_pickup"]
    case = counter.act(
        "wang.fang",
        case_id,
        "Task_window_pickup",
        {"slip_signed": True, "received_by": "张秀兰"},
        hidden_from=("he.dong", "yang.fan", "zhao.gang", "pan.hong"),
    )
    assert case["waiting_messages"] == ["rating"]
    rated = counter.rate(case_id, 4)
    assert rated.status_code == 200, rated.get_json()
    assert counter.case("zhang.min", case_id)["status"] == "completed"

    assert counter.case("wang.fang", case_id)["status"] == "completed"
    counter.check_history(case_id)
    assert {actor for _, actor, _ in counter.done[case_id]} == {
        "wang.fang",
        "liu.yang",
        "yang.fan",
        "zhao.gang",
        "zhang.min",
        "resident",  # the rating, through the link
    }
    # The county was never involved.
    assert counter.get("qin.zheng", f"/api/v1/cases/{case_id}").status_code == 404


def test_messages_on_an_open_case(counter: Counter, clock: ManualClock) -> None:
    """Supplement notice and resubmitted materials; messages the case is not waiting for
    and callbacks from those who must not post them change nothing."""
    case = counter.register("wang.fang", PROXY_ITEM, QINGSI_COMMUNITY, "township_window")
    case_id = case["id"]
    case = counter.act(
        "wang.fang",
        case_id,
        "Task_check_materials",
        {"intake_decision": "supplement", "missing_materials": "户口簿（原件）"},
    )
    case = counter.act(
        "wang.fang", case_id, "Task_supplement_notice", {"supplement_notice_no": "BZ-2026-017"}
    )
    assert case["tasks"] == [] and case["waiting_messages"] == ["materials_resubmitted"]
    version = case["version"]

    # A message the case is not waiting for: a conflict in Chinese, nothing recorded.
    # (The rating is the resident's alone: staff are refused it whatever the case waits for.)
    faked = counter.message("wang.fang", case_id, "rating", {"level": "satisfied"})
    assert (faked.status_code, faked.get_json()["code"]) == (403, "resident_only")
    assert "群众本人" in faked.get_json()["detail"]
    for name, payload in (("pledge_fulfilled", {}),):
        refused = counter.message("wang.fang", case_id, name, payload)
        assert refused.status_code == 409, refused.get_json()
        problem = refused.get_json()
        assert refused.mimetype == "application/problem+json"
        assert problem["code"] == "invalid_state" and name in problem["detail"]
        assert "办件" in problem["detail"]
    # The county callback from those who must not post it: out of scope, or not yet
    # handed to the county at all.
    for outsider in ("deng.hui", "pan.hong", "cai.ping", "tang.jian"):
        refused = counter.message(outsider, case_id, "county_decision", {"approved": True})
        assert refused.status_code == 404, outsider
        assert refused.get_json()["code"] == "not_found"
    # Read-only callers may look but not post.
    read_only = counter.message("sun.hong", case_id, "materials_resubmitted", {})
    assert read_only.status_code == 403 and read_only.get_json()["code"] == "read_only"
    # A payload that is not a JSON object is refused as such, not a 500.
    malformed = counter.message("wang.fang", case_id, "materials_resubmitted", ["户口簿"])
    assert malformed.status_code == 422
    assert malformed.get_json()["code"] == "validation_failed"
    case = counter.case("wang.fang", case_id)
    assert case["version"] == version and case["waiting_messages"] == ["materials_resubmitted"]

    # On Monday the applicant brings the missing papers; 王芳 is on leave, 刘洋 (B post)
    # keeps the window.
    at(clock, "2026-09-28")
    resubmitted = counter.message(
        "liu.yang", case_id, "materials_resubmitted", {"materials": ["户口簿"]}
    )
    assert resubmitted.status_code == 200, resubmitted.get_json()
    case = resubmitted.get_json()
    assert specs(case) == ["Task_recheck"] and case["waiting_messages"] == []
    again = counter.message("liu.yang", case_id, "materials_resubmitted", {})
    assert again.status_code == 409 and again.get_json()["code"] == "invalid_state"
    case = counter.act(
        "liu.yang",
        case_id,
        "Task_recheck",
        {"intake_decision": "accept"},
        hidden_from=("tan.xiaoyan", "pan.hong", "yang.fan"),
    )
    assert specs(case) == ["Task_first_review"]
    # The promised limit runs from the day the complete application is accepted.
    due = WorkingCalendar.default().add_working_days(date(2026, 9, 28), PROXY_ITEM.promised_limit)
    assert case["due_date"] == due.date.isoformat()
    counter.check_history(case_id)


def test_materials_not_resubmitted_within_30_days(counter: Counter, clock: ManualClock) -> None:
    """The supplement period runs out (timer): the case closes unaccepted, and materials
    arriving afterwards are refused."""
    case = counter.register("wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")
    case_id = case["id"]
    counter.act(
        "wang.fang",
        case_id,
        "Task_check_materials",
        {"intake_decision": "supplement", "missing_materials": "摊点位置示意图"},
    )
    counter.act(
        "wang.fang", case_id, "Task_supplement_notice", {"supplement_notice_no": "BZ-2026-018"}
    )
    # 30 calendar days from the notice, the last one moved past the weekend: 26 Oct.
    last_day = WorkingCalendar.default().add_calendar_days(date(2026, 9, 24), 30).date
    assert last_day == date(2026, 10, 26)
    at(clock, last_day.isoformat(), 23)
    counter.tick(case_id)
    assert counter.case("wang.fang", case_id)["waiting_messages"] == ["materials_resubmitted"]
    at(clock, (last_day + timedelta(days=1)).isoformat())
    counter.tick(case_id)
    case = counter.case("wang.fang", case_id)
    assert case["status"] == "completed" and case["tasks"] == []
    assert counter.engine.cases.get(case_id).data["intake_result"] == "supplement_expired"
    late = counter.message("wang.fang", case_id, "materials_resubmitted", {})
    assert late.status_code == 409 and late.get_json()["code"] == "invalid_state"
    assert counter.case("wang.fang", case_id)["version"] == case["version"]
    counter.check_history(case_id)
