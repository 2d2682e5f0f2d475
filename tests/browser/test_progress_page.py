"""The public progress page (办件进度查询, ``/progress``) in a real browser, with no
account: a resident types the 办件编号 and the ID tail and sees what the public API
answers (item, status, steps done and the current one, what is missing); a wrong tail
and an unknown number read the same; the tail's format is checked as typed; the page
fits a 390 px phone; no policy violation (``Desk.close``) and no serious axe finding."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from engine import ManualClock
from tests.support.api import make_app
from tests.support.console import PHONE, Console
from tests.support.module_fixtures import module_engine
from tests.support.walks import APPLICANT, SHIQIAO, WALKED, WINDOW_ITEM, Counter, at
from webapi.console import POLICY as CONSOLE_POLICY

clock, engine = module_engine(WALKED)

TAIL = APPLICANT["id_number"][-6:]
NOT_FOUND = "没有找到这个办件：请核对办件编号和身份证号码后六位。"


@pytest.fixture(scope="module")
def counter(console: Console) -> Counter:
    return Counter(make_app(console.engine).test_client(), console.engine)


@pytest.fixture(scope="module")
def case(counter: Counter, clock: ManualClock) -> dict[str, Any]:
    """A licence registered at 青丝乡's window whose materials were accepted: one step
    done, the first review under way."""
    at(clock, "2026-09-24")
    registered = counter.register("wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")
    counter.act(
        "wang.fang", registered["id"], "Task_check_materials", {"intake_decision": "accept"}
    )
    return counter.case("wang.fang", registered["id"])


def _progress(counter: Counter, number: str, tail: str) -> Any:
    """The public API's answer, asked as the page asks it (no Authorization header)."""
    query = urlencode({"number": number, "id_tail": tail})
    return counter.client.get(f"/api/v1/public/progress?{query}")


def _look_up(page: Page, number: str, tail: str) -> None:
    page.fill("#number", number)
    page.fill("#id_tail", tail)
    page.click("button[type=submit]")


def _watch(page: Page) -> list[tuple[str, dict[str, str]]]:
    """The API requests the page makes from now on: (address, headers)."""
    seen: list[tuple[str, dict[str, str]]] = []

    def record(request: Any) -> None:
        if "/api/" in request.url:
            seen.append((request.url, request.headers))

    page.on("request", record)
    return seen


def test_a_resident_looks_up_the_case(
    console: Console, counter: Counter, case: dict[str, Any]
) -> None:
    answer = _progress(counter, case["case_number"], TAIL)
    assert answer.status_code == 200, answer.get_json()
    progress = answer.get_json()
    assert progress["steps_done"] and progress["current"]  # the case has both to show

    desk = console.open()
    page = desk.page
    calls = _watch(page)
    page.goto(console.base + "/progress")
    expect(page.locator("h1")).to_have_text("办件进度查询")
    expect(page.locator("footer")).to_have_text("只显示办理进度，不显示个人信息。")
    _look_up(page, case["case_number"], TAIL.lower())  # a lower-case x is taken as X
    result = page.locator(".result")
    expect(result).to_be_visible()
    expect(page.locator("#result-title")).to_be_focused()  # moved there after the render

    # What the page shows is what the API answered.
    expect(result.locator(".item-name")).to_have_text(progress["item_name"])
    expect(result.locator(".status")).to_have_text(progress["status_name"])
    expect(result.locator(".case-number")).to_have_text(progress["case_number"])
    done = result.locator("ol.steps li.done")
    expect(done).to_have_count(len(progress["steps_done"]))
    for n, step in enumerate(progress["steps_done"]):
        expect(done.nth(n).locator(".step-name")).to_have_text(step["name"])
        expect(done.nth(n).locator(".step-meta")).to_contain_text(step["unit_name"])
        assert done.nth(n).locator("time").get_attribute("datetime") == step["done_on"]
    current = result.locator("ol.steps li.current")
    expect(current).to_have_count(len(progress["current"]))
    for n, step in enumerate(progress["current"]):
        expect(current.nth(n).locator(".step-name")).to_have_text(step["name"])
        expect(current.nth(n).locator(".step-meta")).to_contain_text(step["unit_name"])
        expect(current.nth(n).locator(".step-meta")).to_contain_text("正在办理")
    if progress["due_date"]:
        assert result.locator(".due time").get_attribute("datetime") == progress["due_date"]
    expect(result.locator(".overdue")).to_have_count(1 if progress["overdue"] else 0)
    missing = result.locator(".missing li")
    expect(missing).to_have_text(progress["missing"])
    waiting = result.locator(".waiting li")
    expect(waiting).to_have_text([w["title"] or w["name"] for w in progress["waiting"]])
    # No personal data on the page; the tail never in the address, the number may be.
    text = page.inner_text("body")
    assert APPLICANT["name"] not in text and APPLICANT["phone"] not in text
    assert TAIL not in page.url and case["case_number"] in page.url
    # One call, the public one, without credentials.
    assert [url.split("?")[0] for url, _ in calls] == [console.base + "/api/v1/public/progress"]
    assert "authorization" not in {name.lower() for name in calls[0][1]}
    assert desk.axe() == []
    desk.shoot("progress")
    desk.close()


def test_a_wrong_tail_reads_like_an_unknown_number(
    console: Console, counter: Counter, case: dict[str, Any]
) -> None:
    wrong_tail = "000000" if TAIL != "000000" else "111111"
    unknown = "9" * len(case["case_number"])
    assert _progress(counter, case["case_number"], wrong_tail).status_code == 404
    assert _progress(counter, unknown, TAIL).status_code == 404

    desk = console.open()
    page = desk.page
    page.goto(console.base + "/progress")
    shown = []
    for number, tail in ((case["case_number"], wrong_tail), (unknown, TAIL)):
        _look_up(page, number, tail)
        box = page.locator(".not-found")
        expect(box).to_contain_text(NOT_FOUND)
        expect(page.locator(".result")).to_have_count(0)
        shown.append(box.inner_text())
    assert shown[0] == shown[1]
    desk.close()


def test_the_tail_is_checked_as_typed(console: Console, case: dict[str, Any]) -> None:
    desk = console.open()
    page = desk.page
    # The number from the address (the QR code on the receipt); the tail is typed.
    calls = _watch(page)
    page.goto(console.base + "/progress?" + urlencode({"number": case["case_number"]}))
    expect(page.locator("#number")).to_have_value(case["case_number"])
    tail = page.locator("#id_tail")
    expect(tail).to_be_focused()
    tail.press_sequentially("12X4")
    error = page.locator("#id_tail-error")
    expect(error).to_have_text("字母 X 只能是最后一位")  # before any submit
    expect(tail).to_have_attribute("aria-invalid", "true")
    assert "id_tail-error" in (tail.get_attribute("aria-describedby") or "")
    tail.fill("12a")
    expect(error).to_have_text("只能填数字或字母 X")
    tail.fill("1234")
    expect(error).to_have_count(0)
    expect(tail).to_have_attribute("aria-invalid", "false")
    page.click("button[type=submit]")  # too short: said beside the field and in a summary
    expect(error).to_have_text("还差 2 位：请填满六位")
    expect(page.locator("[role=alert]")).to_contain_text("还差 2 位")
    expect(tail).to_be_focused()
    page.fill("#number", "12-34")
    expect(page.locator("#number-error")).to_have_text("办件编号只含数字，请去掉其他字符")
    assert calls == []  # nothing was asked while the form was wrong
    desk.close()


def test_on_a_phone(console: Console, counter: Counter, case: dict[str, Any]) -> None:
    desk = console.open(viewport=PHONE)
    page = desk.page
    page.goto(console.base + "/progress?" + urlencode({"number": case["case_number"]}))
    page.fill("#id_tail", TAIL)
    page.click("button[type=submit]")
    expect(page.locator(".result")).to_be_visible()
    expect(page.locator(".item-name")).to_have_text(
        _progress(counter, case["case_number"], TAIL).get_json()["item_name"]
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width  # no sideways scroll
    for target in ("#number", "#id_tail", "button[type=submit]"):
        box = page.locator(target).bounding_box()
        assert box is not None and box["height"] >= 44, (target, box)  # a thumb's size
    assert desk.axe() == []
    desk.shoot("progress-phone")
    desk.close()


def test_too_many_lookups_say_when_to_try_again(console: Console, counter: Counter) -> None:
    # Wrong lookups of one number from elsewhere use up its allowance (any address).
    number = "5117252010032026092488888"
    answers = []
    for n in range(10):
        query = urlencode({"number": number, "id_tail": "123456"})
        answer = counter.client.get(
            f"/api/v1/public/progress?{query}", environ_base={"REMOTE_ADDR": f"10.8.0.{n}"}
        )
        answers.append(answer)
        if answer.status_code == 429:
            break
    assert answers[-1].status_code == 429, [a.status_code for a in answers]
    minutes = math.ceil(int(answers[-1].headers["Retry-After"]) / 60)

    desk = console.open(viewport=PHONE)
    page = desk.page
    page.goto(console.base + "/progress")
    _look_up(page, number, "123456")
    expect(page.locator(".failed")).to_have_text(f"查询过于频繁，请 {minutes} 分钟后再试。")
    expect(page.locator(".failed")).to_be_focused()
    expect(page.locator(".not-found")).to_have_count(0)
    desk.close()


def test_the_page_is_served_under_the_strict_policy(counter: Counter) -> None:
    page = counter.client.get("/progress")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.headers["Content-Security-Policy"] == CONSOLE_POLICY
    assert page.headers["X-Frame-Options"] == "DENY"
    # The page's own files: served and cacheable (revalidated on each load).
    for name in ("progress.js", "progress.css"):
        asset = counter.client.get(f"/progress/assets/{name}")
        assert asset.status_code == 200, name
        assert "no-store" not in asset.headers.get("Cache-Control", ""), name
        asset.close()
    page.close()
