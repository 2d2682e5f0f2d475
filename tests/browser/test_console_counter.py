"""The counter pages in a real browser (我的待办, 办理, 办件登记, 收件回执 and the waiting
messages' forms): the MZ004 proxy case walked from the village to the county and back
with every person signing in through the login form; A/B stand-in work while the window
A post is away; a supplement request and the resubmission; a server validation error
beside its field; the ID number checked as typed; screenshots, axe and a task done by
keyboard alone; and the queue's time with 200 open tasks.

The tests share one database and clock (``module_engine``): each sets the clock it needs
and finds its own cases by number, so they run in any order."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from engine import Engine, ManualClock
from engine.records import CaseScope
from engine.registration import Applicant, Registration
from tests.support.api import make_app
from tests.support.console import PHONE, Console, Desk
from tests.support.module_fixtures import module_engine
from tests.support.walks import (
    APPLICANT,
    MASKED_APPLICANT,
    PROXY_ITEM,
    QINGSI_COMMUNITY,
    SHIQIAO,
    WALKED,
    WINDOW_ITEM,
    Counter,
    at,
)

clock, engine = module_engine(WALKED)

FORM = "task-form"
# Who acted in tests/api/test_api_walks.py::test_proxy_item_from_the_village_to_the_county_and_back;
# here the handover is on time, so the leader's escalation (and the timer) never happen.
API_WALK_ACTORS = {
    "tan.xiaoyan", "chen.jing", "wang.fang", "zhang.min", "yang.fan", "liu.yang",
    "deng.hui", "huang.li", "jiang.wei", "system:timer", "resident",
}  # fmt: skip
BEIMEN = "511725001001"  # 北门社区, 渠江街道: the queue measured with 200 tasks is there


@pytest.fixture(scope="module")
def counter(engine: Engine) -> Counter:
    """The API as the other desks use it, to prepare what a test is not about."""
    return Counter(make_app(engine).test_client(), engine)


# -- driving the pages -----------------------------------------------------------------


def signed_in(console: Console, user: str, path: str = "/tasks", **options: Any) -> Desk:
    """A new tab at ``path``: the sign-in form first, filled in as the person would."""
    desk = console.open(**options)
    desk.go(path, wait="#login-user")
    console.sign_in(desk, user)
    desk.page.wait_for_selector("#page-title")
    desk.ready()
    return desk


def queue_row(desk: Desk, case_number: str, task_name: str) -> Locator:
    """The row of 我的待办 for the task of that case (the list showing it)."""
    page = desk.page
    row = page.locator("table.queue tbody tr").filter(
        has=page.get_by_role("link", name=case_number, exact=True)
    ).filter(has=page.get_by_role("link", name=task_name, exact=True))  # fmt: skip
    expect(row).to_have_count(1)
    return row


def take(desk: Desk, case_number: str, task_name: str, *, claim: bool = True) -> None:
    """From 我的待办: claim the task (认领) and open it (办理)."""
    desk.go("/tasks")
    desk.ready()
    row = queue_row(desk, case_number, task_name)
    if claim:
        row.locator("button.claim").click()
        expect(queue_row(desk, case_number, task_name).locator(".tag.green")).to_have_text(
            "我已认领"
        )
        row = queue_row(desk, case_number, task_name)
    row.locator("a.handle").click()
    expect(desk.page.locator("#page-title")).to_have_text(f"办理：{task_name}")
    desk.ready()


def fill(page: Page, values: dict[str, Any], prefix: str = FORM) -> None:
    """Fill a form drawn from its schema: a choice by its label, anything else typed."""
    for name, value in values.items():
        group = page.locator(f'fieldset[data-field="{prefix}-{name}"]')
        if group.count():
            group.get_by_label(value, exact=True).check()
        else:
            page.locator(f"#{prefix}-{name}").fill(str(value))


def complete(desk: Desk, values: dict[str, Any]) -> str:
    """Fill in the task's form, submit, and return the next-step heading."""
    fill(desk.page, values)
    desk.page.click("#submit-task")
    heading = desk.page.locator("#next-title")
    expect(heading).to_be_visible()
    desk.ready()
    return heading.inner_text().strip()


def work(console: Console, user: str, case_number: str, task_name: str,
         values: dict[str, Any]) -> str:  # fmt: skip
    """``user`` signs in, takes the task from the queue, completes it, signs out."""
    desk = signed_in(console, user)
    take(desk, case_number, task_name)
    heading = complete(desk, values)
    desk.close()
    return heading


def register_in_engine(engine: Engine, user: str, item: Any, village: str, channel: str,
                       name: str = APPLICANT["name"]) -> int:  # fmt: skip
    """A case registered through the engine (what a test is not about)."""
    registration = Registration(
        item_code=item.code,
        applicant=Applicant(name, APPLICANT["id_number"], village, APPLICANT["phone"]),
        channel=channel,
        materials=tuple(m.name for m in item.materials if m.required),
    )
    return engine.registration.register(engine.identity.principal(user), registration).id


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element ``selector`` names has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"Tab never reached {selector}")


def history(counter: Counter, user: str, case_id: int) -> list[dict[str, Any]]:
    response = counter.get(user, f"/api/v1/cases/{case_id}/history")
    assert response.status_code == 200, response.get_json()
    events: list[dict[str, Any]] = response.get_json()["events"]
    return events


# -- 1. the proxy walk -------------------------------------------------------------------


def test_the_proxy_item_walked_through_the_pages_from_the_village_to_the_county_and_back(
    console: Console, counter: Counter, engine: Engine, clock: ManualClock
) -> None:
    # Thu 24 Sep: 谭晓燕 registers the application at 青丝社区's service point.
    at(clock, "2026-09-24")
    desk = signed_in(console, "tan.xiaoyan", "/register")
    page = desk.page
    page.fill("#reg-item_code", "MZ004")
    page.click("#item-search")
    page.click(f'button.choose[data-code="{PROXY_ITEM.code}"]')
    expect(page.locator(".chosen-item")).to_contain_text(PROXY_ITEM.name)
    page.fill("#reg-applicant_name", APPLICANT["name"])
    page.fill("#reg-applicant_id_number", APPLICANT["id_number"])
    page.fill("#reg-applicant_phone", APPLICANT["phone"])
    page.fill("#reg-applicant_address", APPLICANT["address"])
    expect(page.locator("#reg-applicant_village")).to_have_value("青丝社区")
    for material in PROXY_ITEM.materials:
        if material.required:
            row = page.locator(f'tr[data-material="{material.name}"]')
            row.get_by_label("已收", exact=True).check()
    page.click("#register-submit")
    expect(page.locator("#page-title")).to_have_text("收件回执")
    case_id = int(page.url.rsplit("/", 1)[1])
    case = counter.case("tan.xiaoyan", case_id)
    number = case["case_number"]
    assert number.startswith(QINGSI_COMMUNITY + "20260924")
    expect(page.locator("#receipt-case-number")).to_have_text(number)
    expect(page.locator("#receipt-applicant")).to_have_text(MASKED_APPLICANT)
    assert case["materials"] == [m.name for m in PROXY_ITEM.materials if m.required]
    assert case["channel"] == "village_point" and case["via_proxy"] is True
    desk.close()

    # She takes the entrustment and, the same day, hands the papers over (on time).
    desk = signed_in(console, "tan.xiaoyan")
    take(desk, number, "签订委托书、接件并出具回执")
    heading = complete(desk, {"pickup_mode": "到户接件", "entrustment_signed": "是",
                              "receipt_no": "DB-0924-01", "materials_received": 4})  # fmt: skip
    assert "青丝社区" in heading
    desk.page.get_by_role("link", name="接着办理：移交乡镇便民服务中心（填写交接单）").click()
    expect(desk.page.locator("#page-title")).to_have_text(
        "办理：移交乡镇便民服务中心（填写交接单）"
    )
    desk.ready()
    heading = complete(desk, {"handover_items": 4, "handover_originals": 1, "received_by": "王芳"})
    assert "青丝乡" in heading and "窗口" in heading
    desk.close()
    assert engine.cases.get(case_id).data["handover_late"] is False

    # Thu 8 Oct, after National Day: the window checks, the review follows.
    at(clock, "2026-10-08")
    work(console, "wang.fang", number, "材料审查", {"intake_decision": "受理"})
    assert counter.case("wang.fang", case_id)["due_date"] is not None
    work(
        console,
        "zhang.min",
        number,
        "窗口初审（A岗）",
        {"first_opinion": "申请人年满80周岁，材料齐全"},
    )
    at(clock, "2026-10-09")
    work(console, "yang.fan", number, "后台审核（B岗）", {"review_decision": "同意"})
    heading = work(console, "liu.yang", number, "填写县级转办交接单",
                   {"handover_items": 4, "first_review_opinion": "经审核，符合高龄津贴发放条件"})  # fmt: skip
    assert "县民政局" in heading
    at(clock, "2026-10-12")
    work(console, "deng.hui", number, "县级部门审批决定",
         {"county_decision": "准予", "document_no": "渠民高〔2026〕88号"})  # fmt: skip
    at(clock, "2026-10-13")
    work(console, "huang.li", number, "制作结果文书并确定送达方式",
         {"delivery_mode": "送件上门", "result_document_no": "渠民高〔2026〕88号"})  # fmt: skip
    heading = work(console, "jiang.wei", number, "代办员送件上门",
                   {"slip_signed": "是", "received_by": "张秀兰"})  # fmt: skip
    assert "评价" in heading  # nothing left to do but wait for the resident's rating

    # The rating is the resident's: the case page offers no rating message form, only the
    # one-time link to hand over (the 办结通知书 prints it as a QR code).
    desk = signed_in(console, "wang.fang", f"/cases/{case_id}")
    expect(desk.page.locator("form.message-form")).to_have_count(0)
    expect(desk.page.locator(".waiting-messages")).to_contain_text("由群众本人评价")
    link = desk.page.locator("#rating-link").input_value()
    assert link.startswith(engine.public_url + "/rating#")
    desk.close()
    # The resident opens it (no account; the test server stands for the public address).
    resident = console.open()
    resident.page.goto(console.base + "/rating#" + link.split("#", 1)[1])
    expect(resident.page.locator(".subject .item-name")).to_have_text(PROXY_ITEM.name)
    resident.page.get_by_label("非常满意").check()
    resident.page.click("button[type=submit]")
    expect(resident.page.locator(".thanks .level-name")).to_have_text("非常满意")
    resident.close()

    case = counter.case("tan.xiaoyan", case_id)
    assert case["status"] == "completed" and case["waiting_messages"] == []
    data = engine.cases.get(case_id).data
    assert data["rating"] == "very_satisfied" and data["delivered_on"] == "2026-10-13"
    assert engine.audit.verify(case_id).ok
    actors = {event["actor"] for event in history(counter, "sun.hong", case_id)}
    assert actors == API_WALK_ACTORS - {"chen.jing", "system:timer"}


# -- 2. A/B stand-in ------------------------------------------------------------------------


def test_the_b_post_does_the_absent_a_posts_task_from_his_queue(
    console: Console, counter: Counter, engine: Engine, clock: ManualClock
) -> None:
    # Thu 24 Sep: 王芳 accepts a licence application and claims its first review.
    at(clock, "2026-09-24")
    case_id = register_in_engine(engine, "wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")
    counter.done[case_id] = []
    counter.act("wang.fang", case_id, "Task_check_materials", {"intake_decision": "accept"})
    review = counter.find("wang.fang", case_id, "Task_first_review")
    assert counter.post("wang.fang", f"/api/v1/tasks/{review['id']}/claim").status_code == 200
    number = counter.case("wang.fang", case_id)["case_number"]

    # Before her leave, 刘洋 does not have it.
    desk = signed_in(console, "liu.yang")
    expect(desk.page.get_by_role("link", name=number, exact=True)).to_have_count(0)
    desk.close()

    # Mon 28 Sep: she is away (demo organisation: 28–30 Sep); it is in his queue as 代岗.
    # The timer job has run: the review's one working day (25 Sep is 中秋, then the
    # weekend) is used up today, so it carries a yellow warning, due tonight.
    at(clock, "2026-09-28")
    engine.cases.tick()
    [listed] = [t for t in counter.queue("liu.yang", case_id) if t["id"] == review["id"]]
    assert (listed["warning"], listed["overdue"]) == ("yellow", False)
    assert (listed["stand_in_for"], listed["stand_in_for_name"]) == ("wang.fang", "王芳")
    desk = signed_in(console, "liu.yang")
    row = queue_row(desk, number, "窗口初审（A岗）")
    expect(row.locator(".stand-in-mark")).to_have_text("代岗")
    expect(row).to_contain_text("王芳离岗期间代办")
    expect(row.locator(".due.yellow .mark")).to_have_text("将到期")
    expect(row.locator("button.claim")).to_have_count(0)  # hers, not for him to claim
    desk.shoot("counter-tasks")
    desk.page.click("#view-stand_in")
    desk.ready()
    expect(desk.page.locator("table.queue tbody tr")).to_have_count(1)
    row = queue_row(desk, number, "窗口初审（A岗）")
    row.locator("a.handle").click()
    expect(desk.page.locator(".stand-in-note")).to_contain_text("王芳")
    desk.ready()
    heading = complete(desk, {"first_opinion": "摊点位置不影响通行，材料齐全"})
    assert "后台" in heading
    desk.close()

    [completion] = [
        e for e in history(counter, "liu.yang", case_id)
        if e["type"] == "task_completed" and e["task"]["spec_id"] == "Task_first_review"
    ]  # fmt: skip
    assert completion["actor"] == "liu.yang" and completion["data"]["acting_for"] == "wang.fang"
    assert completion["data"]["data"] == {"first_opinion": "摊点位置不影响通行，材料齐全"}


# -- 3. supplement and resubmission -----------------------------------------------------------


def test_a_supplement_request_then_the_resubmitted_materials_send_the_case_back_to_the_check(
    console: Console, counter: Counter, engine: Engine, clock: ManualClock
) -> None:
    at(clock, "2026-09-24", 14)
    case_id = register_in_engine(
        engine, "wang.fang", PROXY_ITEM, QINGSI_COMMUNITY, "township_window"
    )
    number = counter.case("wang.fang", case_id)["case_number"]

    desk = signed_in(console, "wang.fang")
    take(desk, number, "材料审查")
    page = desk.page
    missing = page.locator(f"#{FORM}-missing_materials")
    # Asked for (with its *) only when the decision needs it; until then it waits folded.
    expect(missing).to_be_hidden()
    fill(page, {"intake_decision": "一次性告知补正"})
    expect(missing).to_be_visible()
    expect(page.locator(f'label[for="{FORM}-missing_materials"] .required')).to_have_count(1)
    heading = complete(desk, {"missing_materials": "户口簿（原件）"})
    assert "青丝乡" in heading
    page.get_by_role("link", name="接着办理：出具一次性告知补正通知书").click()
    expect(page.locator("#page-title")).to_have_text("办理：出具一次性告知补正通知书")
    desk.ready()
    heading = complete(desk, {"supplement_notice_no": "BZ-2026-017"})
    assert heading == "已提交，办件等待：申请人已补正材料"
    assert counter.case("wang.fang", case_id)["waiting_messages"] == ["materials_resubmitted"]

    # The applicant comes back with the papers: the clerk records it on the case page.
    desk.go(f"/cases/{case_id}")
    desk.ready()
    form = page.locator("form.message-form")
    expect(form.locator("h3")).to_have_text("申请人已补正材料")
    form.scroll_into_view_if_needed()
    desk.shoot("counter-waiting-message", full_page=False)
    page.fill("#msg-materials_resubmitted-materials", "户口簿")
    page.fill("#msg-materials_resubmitted-note", "申请人当面补交原件")
    form.locator("button[type=submit]").click()
    expect(page.locator("form.message-form")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("补正材料复核")
    case = counter.case("wang.fang", case_id)
    assert [t["spec_id"] for t in case["tasks"]] == ["Task_recheck"]
    assert case["waiting_messages"] == []
    [resubmitted] = [
        e for e in history(counter, "wang.fang", case_id) if e["type"] == "message_received"
    ]
    assert resubmitted["actor"] == "wang.fang"
    assert resubmitted["data"]["payload"]["materials"] == ["户口簿"]
    # Back in her queue: the check of the resubmitted papers. She claims it, then lets
    # it go back to the queue (放弃认领).
    desk.go("/tasks")
    desk.ready()
    queue_row(desk, number, "补正材料复核").locator("button.claim").click()
    expect(queue_row(desk, number, "补正材料复核").locator(".tag.green")).to_have_text("我已认领")
    [recheck] = counter.case("wang.fang", case_id)["tasks"]
    assert recheck["claimed_by"] == "wang.fang"
    queue_row(desk, number, "补正材料复核").locator("button.unclaim").click()
    expect(queue_row(desk, number, "补正材料复核").locator(".tag.blue")).to_have_text("待认领")
    [recheck] = counter.case("wang.fang", case_id)["tasks"]
    assert recheck["claimed_by"] is None
    desk.close()


# -- 4. a server validation error beside its field ------------------------------------------


def test_the_servers_errors_are_listed_at_once_beside_their_fields_and_nothing_changes(
    console: Console, counter: Counter, engine: Engine, clock: ManualClock
) -> None:
    at(clock, "2026-09-24", 15)
    case_id = register_in_engine(engine, "wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")
    before = counter.case("wang.fang", case_id)
    [task] = [t for t in before["tasks"] if t["spec_id"] == "Task_check_materials"]
    wrong = {"intake_decision": "accept_with_pledge", "pledge_days": 45}
    answer = counter.post("wang.fang", f"/api/v1/tasks/{task['id']}/complete", wrong)
    assert answer.status_code == 422
    reasons = {e["field"]: e["reason"] for e in answer.get_json()["errors"]}
    assert set(reasons) == {"missing_materials", "pledge_days"}

    desk = signed_in(console, "wang.fang", f"/tasks/{task['id']}")
    page = desk.page
    fill(page, {"intake_decision": "容缺受理", "pledge_days": "45"})
    desk.reset_calls()
    page.click("#submit-task")
    summary = page.locator(".error-summary[role=alert]")
    expect(summary).to_be_visible()
    assert [c for c in desk.api_calls() if c.startswith("POST")] == [
        f"POST /api/v1/tasks/{task['id']}/complete"
    ]
    for name, reason in reasons.items():
        expect(page.locator(f"#{FORM}-{name}-error")).to_have_text(reason)
        expect(page.locator(f"#{FORM}-{name}")).to_have_attribute("aria-invalid", "true")
        described = page.locator(f"#{FORM}-{name}").get_attribute("aria-describedby") or ""
        assert f"{FORM}-{name}-error" in described.split()
        expect(summary).to_contain_text(reason)
    expect(summary.locator("li")).to_have_count(2)
    # What was typed is kept; the summary's link takes the focus to the field.
    expect(page.locator(f"#{FORM}-pledge_days")).to_have_value("45")
    expect(
        page.locator(f'fieldset[data-field="{FORM}-intake_decision"]').get_by_label("容缺受理")
    ).to_be_checked()
    summary.get_by_role("link", name=re.compile("容缺材料补交期限")).click()
    expect(page.locator(f"#{FORM}-pledge_days")).to_be_focused()
    desk.shoot("counter-task-errors")
    desk.close()
    after = counter.case("wang.fang", case_id)
    assert after["version"] == before["version"] and after["tasks"] == before["tasks"]


# -- 5. the ID number checked as typed ---------------------------------------------------------


def test_a_wrong_id_check_digit_is_shown_as_typed_before_anything_is_sent(
    console: Console, clock: ManualClock
) -> None:
    at(clock, "2026-09-24")
    desk = signed_in(console, "wang.fang", "/register")
    page = desk.page
    field = page.locator("#reg-applicant_id_number")
    desk.reset_calls()
    field.press_sequentially("110105194912310021")  # the check character is X
    error = page.locator("#reg-applicant_id_number-error")
    expect(error).to_have_text("校验码不符：按前 17 位，末位应为 X（GB 11643）")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert desk.api_calls() == []  # checked in the page, nothing sent
    field.fill("")
    field.press_sequentially(APPLICANT["id_number"])
    expect(error).to_have_count(0)
    expect(page.locator("#reg-applicant_id_number-hint")).to_contain_text("校验通过")
    field.fill("11010519491331002X")
    field.blur()
    expect(error).to_contain_text("出生日期")
    desk.close()


# -- 6. screenshots, axe, keyboard -------------------------------------------------------------


def test_each_page_pictured_accessible_and_a_task_done_by_keyboard_alone(
    console: Console, counter: Counter, engine: Engine, clock: ManualClock
) -> None:
    at(clock, "2026-09-24", 16)
    case_id = register_in_engine(engine, "wang.fang", WINDOW_ITEM, SHIQIAO, "township_window",
                                 name="李淑芬")  # fmt: skip
    number = counter.case("wang.fang", case_id)["case_number"]
    counter.done[case_id] = []
    counter.act("wang.fang", case_id, "Task_check_materials", {"intake_decision": "accept"})

    desk = console.open("zhang.min", "/tasks")
    desk.ready()
    assert desk.axe() == []
    # By keyboard alone: from the queue to the task, the form, the submit.
    row = queue_row(desk, number, "窗口初审（A岗）")
    handle = row.locator("a.handle").get_attribute("aria-label")
    tab_to(desk.page, f'a.handle[aria-label="{handle}"]')
    desk.page.keyboard.press("Enter")
    expect(desk.page.locator("#page-title")).to_have_text("办理：窗口初审（A岗）")
    desk.ready()
    desk.shoot("counter-task")
    assert desk.axe() == []
    tab_to(desk.page, "#claim-task")
    desk.page.keyboard.press("Space")
    expect(desk.page.locator("#unclaim-task")).to_be_visible()
    tab_to(desk.page, f"#{FORM}-first_opinion")
    desk.page.keyboard.type("摊点位置不影响通行")
    tab_to(desk.page, "#submit-task")
    desk.page.keyboard.press("Enter")
    expect(desk.page.locator("#next-title")).to_contain_text("已提交，下一步由")
    desk.shoot("counter-next-step")
    assert desk.axe() == []
    desk.close()
    case = counter.case("zhang.min", case_id)
    assert [t["spec_id"] for t in case["tasks"]] == ["Task_backoffice_review"]
    events = history(counter, "zhang.min", case_id)
    assert [(e["type"], e["actor"]) for e in events[-2:]] == [
        ("task_claimed", "zhang.min"),
        ("task_completed", "zhang.min"),
    ]

    desk = console.open("wang.fang", "/register")
    page = desk.page
    keys: list[str | None] = []
    page.on(
        "request",
        lambda r: (
            keys.append(r.headers.get("idempotency-key"))
            if r.method == "POST" and r.url.endswith("/api/v1/cases")
            else None
        ),
    )
    page.fill("#reg-item_code", "临时便民")
    page.click("#item-search")
    page.click(f'button.choose[data-code="{WINDOW_ITEM.code}"]')
    page.fill("#reg-applicant_name", "李淑芬")
    page.select_option("#reg-applicant_village", SHIQIAO)
    required = [m for m in WINDOW_ITEM.materials if m.required]
    page.locator(f'tr[data-material="{required[0].name}"]').get_by_label("已收", exact=True).check()
    expect(page.locator(".one-time-notice li")).to_have_count(len(required) - 1)
    desk.shoot("counter-register")
    assert desk.axe() == []
    page.fill("#reg-applicant_id_number", "51172519560312417X")
    page.locator(f'tr[data-material="{required[0].name}"]').get_by_label("未带", exact=True).check()
    desk.reset_calls()
    page.click("#register-submit")
    expect(page.locator(".error-summary")).to_contain_text("公民身份号码")
    creates = [c for c in desk.api_calls() if c == "POST /api/v1/cases"]
    assert creates == ["POST /api/v1/cases"]
    page.fill("#reg-applicant_id_number", APPLICANT["id_number"])
    for material in required:
        page.locator(f'tr[data-material="{material.name}"]').get_by_label(
            "已收", exact=True
        ).check()
    cases_before = engine.cases.find(CaseScope(everything=True))[1]
    page.dblclick("#register-submit")  # a double click makes one case
    expect(page.locator("#page-title")).to_have_text("收件回执")
    registered = int(page.url.rsplit("/", 1)[1])
    assert engine.cases.find(CaseScope(everything=True))[1] == cases_before + 1
    # One key for the form: the refused attempt and the registration sent the same.
    assert len(set(keys)) == 1 and re.fullmatch(r"[0-9a-f]{32}", keys[0] or ""), keys
    assert counter.case("wang.fang", registered)["applicant"]["name"] == "李淑芬"
    desk.shoot("counter-receipt")
    desk.page.emulate_media(media="print")
    assert desk.page.locator(".page-head").is_hidden()
    assert desk.page.locator("#menu").is_hidden()
    expect(desk.page.locator(".receipt")).to_be_visible()
    desk.page.emulate_media(media="screen")
    desk.close()

    phone = console.open("wang.fang", "/tasks", viewport=PHONE)
    phone.ready()
    phone.shoot("counter-tasks-phone")
    assert phone.axe() == []
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    check = counter.find("wang.fang", registered, "Task_check_materials")["id"]
    phone.go(f"/tasks/{check}")
    phone.ready()
    expect(phone.page.locator(f'fieldset[data-field="{FORM}-intake_decision"]')).to_be_visible()
    phone.shoot("counter-task-phone")
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    phone.close()
    # A village agent registers on her phone: the page fits its width.
    phone = console.open("tan.xiaoyan", "/register", viewport=PHONE)
    phone.page.fill("#reg-item_code", "高龄津贴")
    phone.page.click("#item-search")
    phone.page.click(f'button.choose[data-code="{PROXY_ITEM.code}"]')
    expect(phone.page.locator("table.materials")).to_be_visible()
    phone.shoot("counter-register-phone")
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    phone.close()


# -- 7. the queue with 200 open tasks --------------------------------------------------------


def test_the_queue_with_200_open_tasks_is_usable_at_once_with_a_few_calls(
    console: Console, engine: Engine, clock: ManualClock
) -> None:
    """Prints ``CONSOLE-BENCH queue200 ms=… calls=…`` (run with -s) for docs/benchmarks.md."""
    at(clock, "2026-09-24")
    principal = engine.identity.principal("zhou.lin")  # 渠江街道's window
    items = [PROXY_ITEM, WINDOW_ITEM]
    for n in range(200):
        item = items[n % 2]
        registration = Registration(
            item_code=item.code,
            applicant=Applicant(f"居民{n:03d}", APPLICANT["id_number"], BEIMEN),
            channel="township_window",
            materials=tuple(m.name for m in item.materials if m.required),
        )
        engine.registration.register(principal, registration)
    desk = console.open("zhou.lin", "/account")
    desk.ready()
    desk.reset_calls()
    start = time.perf_counter()
    desk.go("/tasks", wait="table.queue tbody tr")
    elapsed = (time.perf_counter() - start) * 1000
    calls = desk.api_calls()
    print(f"\nCONSOLE-BENCH queue200 ms={elapsed:.0f} calls={len(calls)}")
    rows = desk.page.locator("table.queue tbody tr")
    expect(rows).to_have_count(50)
    expect(desk.page.locator(".queue-total")).to_have_text("共 200 条待办")
    # Another part or page of the list is one more request, whatever the rows.
    desk.reset_calls()
    desk.page.get_by_role("button", name="下一页").click()
    expect(desk.page.locator(".pager")).to_contain_text("第 2 / 4 页")
    desk.page.select_option("#queue-item", WINDOW_ITEM.code)
    expect(desk.page.locator(".queue-total")).to_have_text("符合条件的 100 条（全部 200 条）")
    assert desk.api_calls() == [
        "GET /api/v1/tasks?view=all&sort=due&page=2&page_size=50",
        f"GET /api/v1/tasks?view=all&item={WINDOW_ITEM.code}&sort=due&page=1&page_size=50",
    ]
    desk.close()
    assert len(calls) <= 2, calls  # GET /tasks (and the session check), never one per row
