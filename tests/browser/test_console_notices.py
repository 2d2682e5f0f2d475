"""通知发送 in a real browser: the administrator finds a notice the gateway refused among
the resident's notices (phone masked, the reason given) and sends it again."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from engine import Actor, Engine
from engine.identity import Principal
from engine.notices import HttpGateway, SendPolicy
from engine.registration import Applicant, Registration
from tests.support.console import Console
from tests.support.module_fixtures import module_engine
from tests.support.sms_gateway import KEY, fake_gateway
from tests.support.walks import APPLICANT, SHIQIAO, WALKED, WINDOW_ITEM

clock, engine = module_engine(WALKED)


def accepted_at_the_window(engine: Engine) -> dict[str, Any]:
    window = Principal("wang.fang", "王芳", frozenset({"township_window"}), "511725201")
    applicant = Applicant(**{**APPLICANT, "village": SHIQIAO})
    view = engine.registration.register(
        window, Registration(WINDOW_ITEM.code, applicant, "township_window")
    )
    [task] = view.tasks
    engine.cases.complete_task(view.id, task.id, {"intake_decision": "accept"}, Actor("wang.fang"))
    return {"id": view.id, "case_number": engine.cases.record(view.id).case_number}


def test_the_administrator_sends_a_refused_notice_again(console: Console, engine: Engine) -> None:
    case = accepted_at_the_window(engine)
    with fake_gateway(refuse_with=400) as gateway:
        channel = HttpGateway(gateway.url, "签名", {"accepted": "SMS_001"}, KEY)
        engine.notices.send_due(channel, SendPolicy(), "worker")

    desk = console.open("he.jun", "/admin/notices")
    desk.ready()
    page = desk.page
    row = page.locator("table.outbox tbody tr", has_text=case["case_number"])
    expect(row.locator("td[data-label='通知']")).to_contain_text("受理通知")
    expect(row.locator("td[data-label='手机号']")).to_have_text("138****1234")
    expect(row.locator("td[data-label='状态']")).to_have_text("发送失败")
    expect(row.locator("td[data-label='失败原因']")).to_have_text("短信网关拒绝（HTTP 400）")
    assert APPLICANT["phone"] not in page.content()
    # The list sits in its card (a class named like the toast region once floated it away).
    card, shown = page.locator("section.card").bounding_box(), row.bounding_box()
    assert card is not None and shown is not None
    assert card["y"] < shown["y"] and shown["y"] + shown["height"] < card["y"] + card["height"]
    assert desk.axe() == []
    desk.shoot("admin-notices")
    row.get_by_role("button", name="重发").click()
    expect(row.locator("td[data-label='状态']")).to_have_text("待发送")
    expect(row.locator("td[data-label='尝试']")).to_have_text("0 次")
    expect(row.get_by_role("button")).to_have_count(0)
    page.select_option("select", "dead")
    expect(page.get_by_text("没有这一状态的通知。")).to_be_visible()
