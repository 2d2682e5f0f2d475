"""好差评 in a real browser: the resident's rating page (``/rating#<token>``, no account)
opened from a case's invitation, on a 390 px phone — the item and unit shown, five levels,
reasons asked for a bad rating, submitted, thanks; the used link then reads like an
unknown one — and the case page's 好差评 part: a paper rating entered by the window, the
township's appeal (申诉) and the supervisor's ruling (裁定); the figures show the
resident's rating counted and the others apart. No policy violation (``Desk.close``), no
serious axe finding."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from engine import ManualClock
from tests.support.api import make_app
from tests.support.console import PHONE, Console
from tests.support.module_fixtures import module_engine
from tests.support.paths import BPMN
from tests.support.walks import Counter, at, waiting_for_rating

ITEM = "zf002"  # a devolved window item of 青丝乡
clock, engine = module_engine((BPMN / "common", BPMN / "items" / f"item_{ITEM}.bpmn"))
DAY = "2026-10-20"


@pytest.fixture(scope="module")
def counter(console: Console) -> Counter:
    return Counter(make_app(console.engine).test_client(), console.engine)


def rated_case(counter: Counter, clock: ManualClock) -> tuple[int, str]:
    """A case waiting for its rating, and the token of its link."""
    at(clock, DAY)
    case_id = waiting_for_rating(
        counter.client, counter.token("wang.fang"), counter.engine, clock, ITEM
    )
    link = counter.engine.ratings.invitation_url(case_id)
    assert link is not None
    return case_id, link.split("#", 1)[1]


def figures(counter: Counter) -> dict[str, Any]:
    response = counter.get("sun.hong", f"/api/v1/stats?from={DAY}&to={DAY}")
    assert response.status_code == 200, response.get_json()
    total: dict[str, Any] = response.get_json()["total"]
    return total


def watch(page: Page) -> list[tuple[str, dict[str, str]]]:
    seen: list[tuple[str, dict[str, str]]] = []
    page.on("request", lambda r: seen.append((r.url, r.headers)) if "/api/" in r.url else None)
    return seen


def test_the_resident_rates_on_a_phone(
    console: Console, counter: Counter, clock: ManualClock
) -> None:
    case_id, token = rated_case(counter, clock)
    before = figures(counter)
    desk = console.open(viewport=PHONE)
    page = desk.page
    calls = watch(page)
    page.goto(console.base + "/rating#" + token)
    expect(page.locator("h1")).to_have_text("办事评价")
    subject = page.locator(".subject")
    expect(subject.locator(".unit")).to_have_text("青丝乡")
    number = counter.engine.cases.record(case_id).case_number or ""
    expect(subject.locator(".case-number")).to_have_text("*" * (len(number) - 4) + number[-4:])
    assert desk.axe() == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    box = page.locator("label.choice").first.bounding_box()
    assert box is not None and box["height"] >= 44  # a thumb's size

    # A bad rating asks for its reasons before anything is sent.
    page.locator('input[name=level][value="2"]').check()  # 2 不满意
    page.click("button[type=submit]")
    expect(page.locator("#reasons-error")).to_have_text("不满意时请至少选择一项原因")
    assert [url for url, _ in calls if "POST" in url] == []
    page.get_by_label("办理时间长").check()
    expect(page.locator("#reasons-error")).to_have_count(0)  # answered: the reminder goes
    page.get_by_label("多次跑腿").check()
    page.fill("#comment", "跑了三趟")
    assert desk.axe() == []
    desk.shoot("rating-phone")
    page.click("button[type=submit]")
    thanks = page.locator(".thanks")
    expect(thanks.locator(".level-name")).to_have_text("不满意")
    expect(thanks).to_contain_text("回访并整改")
    # Only the public API, without credentials; the token never in a query or a header.
    assert {url.split("/api/v1/")[1].split("/")[0] for url, _ in calls} == {"public"}
    assert all("authorization" not in {k.lower() for k in headers} for _, headers in calls)
    desk.shoot("rating-thanks")
    desk.close()

    last = counter.engine.cases.get(case_id)
    assert [t.spec_id for t in last.tasks] == ["Task_rectify"]
    after = figures(counter)
    assert after["ratings"] == before["ratings"] + 1
    assert after["bad_ratings"] == before["bad_ratings"] + 1

    # The used link reads like one that never existed.
    again = console.open(viewport=PHONE)
    shown = []
    for fragment in (token, "y" * len(token)):
        again.page.goto(console.base + "/rating#" + fragment)
        again.page.reload()
        box = again.page.locator(".outcome")
        expect(box).to_contain_text("每件办件只能评价一次")
        shown.append(box.inner_text())
    assert shown[0] == shown[1]
    again.close()


def test_paper_entry_appeal_and_ruling_on_the_case_page(
    console: Console, counter: Counter, clock: ManualClock
) -> None:
    case_id, token = rated_case(counter, clock)
    before = figures(counter)
    # 王芳 enters a very dissatisfied rating the resident gave on the counter's pad.
    desk = console.open("wang.fang", f"/cases/{case_id}")
    part = desk.page.locator(".case-ratings")
    expect(part.locator("#rating-link")).to_have_value(
        f"{counter.engine.public_url}/rating#{token}"
    )
    part.get_by_label("窗口评价器（工作人员录入）").check()
    part.get_by_label("1 非常不满意").check()
    part.get_by_label("服务态度不好").check()
    part.locator("#rating-comment").fill("评价器记录")
    assert desk.axe() == []
    part.locator("button[type=submit]").click()
    rating = part.locator("li.rating")
    expect(rating).to_contain_text("窗口评价器（工作人员录入）")
    expect(rating).to_contain_text("录入：wang.fang")
    expect(rating).to_contain_text("不计入满意率")
    desk.close()
    assert (
        counter.client.post(f"/api/v1/public/ratings/{token}", json={"level": 5}).status_code == 404
    )

    # 陈静 (the township's leader) appeals it; 孙红 (supervision) upholds the appeal.
    desk = console.open("chen.jing", f"/cases/{case_id}")
    part = desk.page.locator(".case-ratings")
    part.locator("#appeal-text").fill("评价器误触，群众当场表示满意")
    part.get_by_role("button", name="提交申诉").click()
    expect(part.locator(".rating-appeal")).to_contain_text("待裁定")
    desk.close()
    desk = console.open("sun.hong", f"/cases/{case_id}")
    part = desk.page.locator(".case-ratings")
    expect(part.locator("form.rating-appeal")).to_have_count(0)  # the supervisor rules only
    part.get_by_label("成立（不计入满意率）").check()
    part.locator("#appeal-decision-text").fill("经调取录像核实，申诉成立")
    assert desk.axe() == []
    part.get_by_role("button", name="提交裁定").click()
    expect(part.locator(".rating-appeal")).to_contain_text("申诉成立")
    desk.shoot("case-ratings")
    desk.close()

    after = figures(counter)
    assert after["ratings"] == before["ratings"]  # entered: not the resident's own
    assert after["entered_ratings"] == before["entered_ratings"] + 1
    history = counter.get("sun.hong", f"/api/v1/cases/{case_id}/history").get_json()
    assert [e["type"] for e in history["events"][-2:]] == [
        "rating_appealed",
        "rating_appeal_decided",
    ]
    assert counter.engine.audit.verify(case_id).ok
    assert date.fromisoformat(DAY)  # the period the figures were read for
