"""办件查询, the case page and the leader's page in a real browser: searching by case
number, applicant name and ID tail; a case outside the caller's scope answers exactly like
one that does not exist; a drill-down link opens the filtered list; the case page's facts
and history as the API masks them; the step slider replays the diagram and the state;
verification; a leader reassigns a task; printing; a phone."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from engine import Engine, ManualClock
from tests.support.api import make_app
from tests.support.console import PHONE, Console, Desk
from tests.support.module_fixtures import module_engine
from tests.support.walks import (
    PROXY_ITEM,
    QINGSI,
    QINGSI_COMMUNITY,
    SHIQIAO,
    WALKED,
    WINDOW_ITEM,
    Counter,
    at,
)

clock, engine = module_engine(WALKED)

GUIHUA = "511725202003"  # 桂花村, 丰乐乡: outside 青丝乡
APPLICANT_NAME = "李秀英"


def id_number(body: str) -> str:
    """A citizen ID number with its GB 11643 check character (``body``: 17 digits)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def register(counter: Counter, user: str, village: str, who: str, number: str) -> dict[str, Any]:
    """``user`` registers the window licence at its window for applicant ``who``."""
    applicant = {"name": who, "id_number": number, "phone": "13900002222", "village": village}
    body = {
        "item_code": WINDOW_ITEM.code,
        "applicant": {**applicant, "address": "石桥村 3 组"},
        "channel": "township_window",
        "materials": [m.name for m in WINDOW_ITEM.materials if m.required],
    }
    response = counter.post(user, "/api/v1/cases", body)
    assert response.status_code == 201, response.get_json()
    case: dict[str, Any] = response.get_json()
    counter.done[case["id"]] = [("case_started", user, "")]
    return case


@pytest.fixture(scope="module")
def world(engine: Engine, clock: ManualClock) -> dict[str, Any]:
    """Thu 24 Sep: a window licence at 石桥村 walked to the leader's approval (due 30 Sep);
    a proxy case of 青丝社区; a case of 丰乐乡 for the same applicant name. Then the clock
    goes to Thu 8 Oct (the licence is overdue) and a fresh window case is registered."""
    counter = Counter(make_app(engine).test_client(), engine)
    licence_id = id_number("51172519560312417")
    licence = register(counter, "wang.fang", SHIQIAO, APPLICANT_NAME, licence_id)
    case_id = licence["id"]
    counter.act("wang.fang", case_id, "Task_check_materials", {"intake_decision": "accept"})
    counter.act("wang.fang", case_id, "Task_first_review", {"first_opinion": "摊点位置不影响通行"})
    counter.act("yang.fan", case_id, "Task_backoffice_review", {"review_decision": "approve"})
    proxy = counter.register("tan.xiaoyan", PROXY_ITEM, QINGSI_COMMUNITY, "village_point")
    elsewhere = register(
        counter, "pan.hong", GUIHUA, APPLICANT_NAME, id_number("51172519600101123")
    )
    at(clock, "2026-10-08")
    fresh = counter.register("wang.fang", WINDOW_ITEM, SHIQIAO, "township_window")
    return {
        "counter": counter,
        "licence": counter.case("wang.fang", case_id),
        "licence_id": licence_id,
        "proxy": proxy,
        "elsewhere": elsewhere,
        "fresh": fresh,
    }


def api(world: dict[str, Any], user: str, path: str) -> Any:
    response = world["counter"].get(user, path)
    assert response.status_code == 200, (path, response.get_json())
    return response.get_json()


def listed(desk: Desk) -> list[str]:
    """The case numbers the results table shows (after the list has loaded)."""
    desk.ready()
    return desk.page.locator("table.case-list tbody tr td:first-child a").all_inner_texts()


SEARCH_FIELDS = ("number", "applicant", "id_tail")


def search(desk: Desk, field: str, value: str) -> None:
    page = desk.page
    page.get_by_role("button", name="清空条件").click()
    # The clearing has re-rendered the form (its address has no filter left, every search
    # field is empty) before the new value is typed: typed earlier, the re-render wiped it.
    expect(page).to_have_url(re.compile(r"#/cases$"))
    for name in SEARCH_FIELDS:
        expect(page.locator(f"#cases-{name}")).to_have_value("")
    desk.ready()
    page.fill(f"#cases-{field}", value)
    expect(page.locator(f"#cases-{field}")).to_have_value(value)
    # Waiting for the search's answer first: the page is loading until it has shown it
    # (waited on before the loading began, an empty page would pass for the result).
    with page.expect_response(lambda r: "/api/v1/cases?" in r.url and f"{field}=" in r.url):
        page.get_by_role("button", name="查询", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(f"{field}={quote(value)}")))
    desk.ready()


def numbers_of(answer: dict[str, Any]) -> list[str]:
    return [c["case_number"] for c in answer["items"]]


# ------------------------------------------------------------------------ 办件查询


def test_search_by_number_applicant_and_id_tail(console: Console, world: dict[str, Any]) -> None:
    licence = world["licence"]
    number, tail = licence["case_number"], world["licence_id"][-4:]
    desk = console.open("wang.fang", "/cases")
    desk.ready()
    everything = api(world, "wang.fang", "/api/v1/cases?page_size=100")
    assert listed(desk) == numbers_of(everything)[:20]

    search(desk, "number", number)
    assert listed(desk) == [number]
    desk.page.click(f"text={number}")
    desk.page.wait_for_selector(".case-facts")
    assert desk.page.url.endswith(f"#/cases/{licence['id']}")
    desk.page.go_back()
    desk.page.wait_for_selector("table.case-list")
    assert listed(desk) == [number]  # the filter lives in the address
    assert desk.page.input_value("#cases-number") == number

    search(desk, "applicant", APPLICANT_NAME)
    by_name = api(world, "wang.fang", f"/api/v1/cases?applicant={APPLICANT_NAME}")
    assert number in listed(desk) == numbers_of(by_name)
    # 丰乐乡's case for the same name is not this window's to see.
    assert world["elsewhere"]["case_number"] not in listed(desk)

    search(desk, "id_tail", tail)
    assert number in listed(desk)
    assert listed(desk) == numbers_of(api(world, "wang.fang", f"/api/v1/cases?id_tail={tail}"))
    desk.shoot("cases-search")
    assert desk.axe() == []
    calls = [c for c in desk.api_calls() if re.fullmatch(r"GET /api/v1/cases/\d+", c)]
    assert calls == [f"GET /api/v1/cases/{licence['id']}"]  # no request per row
    desk.close()


def test_a_broad_list_says_more_than_it_counted(
    console: Console, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server counts a search no further than its bound: the pager says "超过 N 条"
    and asks for a narrower search (the bound set to 2 here; 1,000 served)."""
    import webapi.blueprints.cases as blueprint

    monkeypatch.setattr(blueprint, "COUNT_UP_TO", 2)
    desk = console.open("wang.fang", "/cases")
    desk.ready()
    expect(desk.page.locator(".pager")).to_contain_text("超过 2 条，可翻看前 2 条：请缩小查询范围")
    expect(desk.page.locator("#cases-count")).to_have_text("超过 2 条")
    desk.shoot("cases-over-bound", full_page=False)
    desk.close()


def test_a_case_out_of_scope_is_not_found_like_one_that_does_not_exist(
    console: Console, world: dict[str, Any]
) -> None:
    elsewhere = world["elsewhere"]
    missing_number = QINGSI + "003" + "209901010001"
    desk = console.open("wang.fang", "/cases")
    answers = []
    for number in (elsewhere["case_number"], missing_number):
        search(desk, "number", number)
        assert listed(desk) == []
        answers.append(desk.page.inner_text("section[aria-labelledby=cases-results-title] .state"))
    assert answers[0] == answers[1] and "没有找到" in answers[0]

    pages = []
    for case_id in (elsewhere["id"], 999999):
        desk.go(f"/cases/{case_id}")
        desk.ready()
        pages.append(desk.page.inner_text("main"))
    assert pages[0] == pages[1] and "没有找到这个办件" in pages[0]
    assert elsewhere["case_number"] not in pages[0]
    desk.close()


def test_a_drill_down_link_opens_the_filtered_list(console: Console, world: dict[str, Any]) -> None:
    query = "item=ZF002&overdue=true&from=2026-09-01&to=2026-09-30&township=511725201"
    desk = console.open("sun.hong", f"/cases?{query}")
    expected = api(world, "sun.hong", f"/api/v1/cases?{query}")
    assert expected["total"] >= 1
    assert listed(desk) == numbers_of(expected)
    assert world["licence"]["case_number"] in listed(desk)
    page = desk.page
    assert page.input_value("#cases-item") == "ZF002"
    assert page.input_value("#cases-township") == "511725201"
    assert page.is_checked("#cases-overdue")
    assert page.input_value("#cases-from") == "2026-09-01"
    desk.close()


# ------------------------------------------------------------------------ the case page


def open_case(console: Console, user: str, case_id: int, **options: Any) -> Desk:
    desk = console.open(user, f"/cases/{case_id}", **options)
    desk.page.wait_for_selector(".case-history")
    desk.ready()
    return desk


def test_the_case_page_shows_the_facts_and_the_history_as_the_api_masks_them(
    console: Console, world: dict[str, Any]
) -> None:
    case_id = world["licence"]["id"]
    detail = api(world, "sun.hong", f"/api/v1/cases/{case_id}")
    history = api(world, "sun.hong", f"/api/v1/cases/{case_id}/history")
    assert history["masked"] is True and detail["read_only"] is True
    desk = open_case(console, "sun.hong", case_id)
    page = desk.page
    shown_id = page.inner_text(".case-facts .applicant-id")
    assert shown_id == detail["applicant"]["id_number"] != world["licence_id"]
    assert "*" in shown_id and world["licence_id"] not in page.inner_text("main")
    assert page.inner_text(".case-facts .case-number") == detail["case_number"]
    assert "已超期" in page.inner_text(".case-facts")  # due 30 Sep, today 8 Oct
    # The open task and who acts next (the candidates of the API).
    [task] = detail["tasks"]
    row = page.locator(f"tr[data-task='{task['id']}']")
    for candidate in task["candidates"]:
        assert candidate["name"] in row.inner_text()
    assert row.locator("a", has_text="办理").count() == 0  # a supervisor only reads
    assert page.get_by_role("button", name="撤件…").count() == 0

    labels, values = history["labels"], history["value_labels"]
    events = page.locator("ol.timeline > li.event")
    assert events.count() == len(history["events"])
    for event in history["events"]:
        item = page.locator(f"li.event[data-seq='{event['seq']}']")
        text = item.inner_text()
        assert event["type_name"] in text and f"#{event['seq']}" in text
        assert f"{event['actor_name']}（{event['actor']}）" in text
        assert event["role_name"] in text and event["org_unit_name"] in text
        if event["on_behalf_of"]:
            assert item.locator(".on-behalf").inner_text() == event["on_behalf_of"]
        if event["task"]:
            assert event["task"]["name"] in text
        # what was submitted: each field by its Chinese title (the API's one map; its name
        # on hover), each code by its option's title
        submitted = (event["data"] or {}).get("data") or {}
        for key, value in submitted.items():
            row = item.locator(f".event-data > dl.data > .data-row[data-key='{key}']")
            expect(row.locator(":scope > dt")).to_have_text(labels[key])
            expect(row.locator(":scope > dt")).to_have_attribute("title", key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                shown = values.get(key, {}).get(str(value), str(value))
                assert shown in row.inner_text(), (event["seq"], key)
    started = history["events"][0]
    masked = started["data"]["data"]["applicant"]["id_number"]
    first = page.locator("li.event[data-seq='1'] .event-data")
    assert "*" in masked and masked in first.inner_text()
    for shown in ("申请人", "公民身份号码", "收件渠道", "乡镇便民服务中心窗口", "收件材料"):
        assert shown in first.inner_text()
    assert "id_number" not in first.inner_text() and "township_window" not in first.inner_text()
    intake = next(
        e
        for e in history["events"]
        if e["type"] == "task_completed" and e["task"]["spec_id"] == "Task_check_materials"
    )
    answers = page.locator(f"li.event[data-seq='{intake['seq']}'] .event-data")
    assert (labels["intake_decision"], values["intake_decision"]["accept"]) == ("受理意见", "受理")
    expect(answers.locator("dt")).to_have_text("受理意见")
    expect(answers.locator("dt")).to_have_attribute("title", "intake_decision")
    expect(answers.locator("dd .coded")).to_have_text("受理")
    expect(answers.locator("dd .coded")).to_have_attribute("title", "accept")
    assert "intake_decision" not in answers.inner_text() and "accept" not in answers.inner_text()
    desk.shoot("cases-case")
    page.locator(".case-history").screenshot(path=str(console.shots / "cases-case-history.png"))
    assert desk.axe() == []
    desk.close()

    # Who may act on the case reads it in clear, may act, and may cancel it (a reason is
    # required: the error is announced beside the field).
    fresh = world["fresh"]["id"]
    desk = open_case(console, "wang.fang", fresh)
    page = desk.page
    clear = api(world, "wang.fang", f"/api/v1/cases/{fresh}")
    assert page.inner_text(".case-facts .applicant-id") == clear["applicant"]["id_number"]
    assert page.locator("tr[data-task] a", has_text="办理").count() == 1
    page.get_by_role("button", name="撤件…").click()
    page.get_by_role("button", name="确认撤件").click()
    expect(page.locator(".case-cancel [role=alert]")).to_contain_text("请填写撤件原因")
    expect(page.locator("#cancel-reason")).to_have_attribute("aria-invalid", "true")
    assert api(world, "wang.fang", f"/api/v1/cases/{fresh}")["status"] == "open"
    page.fill("#cancel-reason", "申请人撤回申请")
    page.get_by_role("button", name="确认撤件").click()
    expect(page.locator(".case-facts")).to_contain_text("已撤件")
    assert api(world, "wang.fang", f"/api/v1/cases/{fresh}")["status"] == "cancelled"
    last = api(world, "wang.fang", f"/api/v1/cases/{fresh}/history")["events"][-1]
    assert (last["type"], last["actor"], last["data"]) == (
        "case_cancelled",
        "wang.fang",
        {"reason": "申请人撤回申请"},
    )
    expect(page.locator(f"li.event[data-seq='{last['seq']}']")).to_contain_text("申请人撤回申请")
    desk.close()


def test_the_slider_replays_an_earlier_step_and_verify_says_the_chain_is_intact(
    console: Console, world: dict[str, Any]
) -> None:
    case_id = world["licence"]["id"]
    history = api(world, "wang.fang", f"/api/v1/cases/{case_id}/history")
    last = len(history["events"])
    desk = open_case(console, "wang.fang", case_id)
    page = desk.page
    frame = page.frame_locator("iframe.case-diagram")
    expect(frame.locator("#result[data-done=yes]")).to_have_count(1, timeout=20000)
    assert f'"seq":{last}' in frame.locator("#result").inner_text()
    expect(page.locator(".state-body")).to_have_attribute("data-seq", str(last))

    slider = page.locator("#case-step")
    slider.focus()
    target = 3
    for _ in range(last - target):
        page.keyboard.press("ArrowLeft")
    event = history["events"][target - 1]
    expect(page.locator("#case-step-label")).to_contain_text(f"#{target} ")
    expect(page.locator("#case-step-label")).to_contain_text(event["type_name"])
    expect(page.locator(".state-body")).to_have_attribute("data-seq", str(target))
    expect(page.locator("iframe.case-diagram")).to_have_attribute("src", re.compile(f"at={target}"))
    frame = page.frame_locator("iframe.case-diagram")
    expect(frame.locator("#result[data-done=yes]")).to_have_count(1, timeout=20000)
    assert f'"seq":{target}' in frame.locator("#result").inner_text()

    state = api(world, "wang.fang", f"/api/v1/cases/{case_id}/state?at={target}")
    panel = page.locator(".step-state")
    assert panel.locator(".state-status").inner_text() == state["status_name"]
    assert panel.locator(".state-due").inner_text() == (state["due_date"] or "未起算")
    shown = panel.locator(".state-tasks li")
    assert shown.count() == len(state["tasks"])
    for task in state["tasks"]:
        item = panel.locator(f"li[data-task='{task['id']}']")
        assert task["name"] in item.inner_text()
        if task["claimed_by"]:
            assert task["claimed_by"] in item.inner_text()
        else:
            assert "未认领" in item.inner_text()
    panel.locator(".state-data > summary").click()
    data = panel.locator(".state-data").inner_text()
    # the case data by the history's names too: the registration's channel by its title
    assert state["data"]["applicant"]["name"] in data and "乡镇便民服务中心窗口" in data
    assert "公民身份号码" in data and state["data"]["channel"] not in data

    verify = api(world, "wang.fang", f"/api/v1/cases/{case_id}/verify")
    assert verify["ok"] is True
    page.get_by_role("button", name="校验", exact=True).click()
    expect(page.locator(".verify-result")).to_contain_text("校验通过")
    assert f"{verify['events']} 个事件" in page.inner_text(".verify-result")
    desk.close()


# ------------------------------------------------------------------------ the leader


def test_the_leader_sees_approvals_and_overdue_work_and_reassigns_a_task(
    console: Console, world: dict[str, Any]
) -> None:
    licence = world["licence"]
    counter: Counter = world["counter"]
    queue = api(world, "chen.jing", "/api/v1/tasks?page_size=100")
    approvals = [t for t in queue["items"] if t["role"] == "township_leader"]
    overdue = api(world, "chen.jing", f"/api/v1/cases?township={QINGSI}&overdue=true&page_size=100")
    assert licence["id"] in {t["case_id"] for t in approvals}
    desk = console.open("chen.jing", "/leader")
    desk.ready()
    page = desk.page
    assert page.locator("table.leader-queue tbody tr").count() == len(approvals)
    for task in approvals:
        expect(page.locator(f"table.leader-queue tr[data-task='{task['id']}']")).to_be_visible()
    rows = page.locator("table[aria-label='本乡镇超期办件'] tbody tr")
    assert rows.count() == len(overdue["items"])
    calls = [c for c in desk.api_calls() if c != "GET /api/v1/auth/me"]
    assert len(calls) == 3, calls  # one per list

    # Reassign the licence's approval to the other leader of 青丝乡.
    [approval] = [t for t in approvals if t["case_id"] == licence["id"]]
    page.locator(
        f"table[aria-label='本乡镇超期办件'] tr[data-case='{licence['id']}'] button"
    ).click()
    form = page.locator(f"li.reassign-task[data-task='{approval['id']}']")
    form.locator("select").wait_for()
    desk.ready()
    desk.shoot("cases-leader")
    form.locator("select").select_option("zhao.gang")
    form.get_by_role("button", name="改派").click()
    expect(page.locator("#notices")).to_contain_text("改派给 赵刚")
    mine = [t for t in counter.queue("zhao.gang", licence["id"]) if t["id"] == approval["id"]]
    assert [t["claimed_by"] for t in mine] == ["zhao.gang"]
    assert approval["id"] not in {t["id"] for t in counter.queue("chen.jing", licence["id"])}
    expect(page.locator(f"table.leader-queue tr[data-task='{approval['id']}']")).to_have_count(0)
    history = api(world, "chen.jing", f"/api/v1/cases/{licence['id']}/history")
    assert history["events"][-1]["type"] == "task_assigned"
    assert history["events"][-1]["actor"] == "chen.jing"
    calls = [c for c in desk.api_calls() if c.startswith("GET /api/v1/users")]
    assert len(calls) == 1, calls

    # From a case page: 改派 opens the leader's page on that task, offering the people
    # of the township who hold the task's post there (青丝社区's village agents).
    proxy = world["proxy"]["id"]
    [task] = api(world, "chen.jing", f"/api/v1/cases/{proxy}")["tasks"]
    desk.go(f"/cases/{proxy}")
    page.locator(f"tr[data-task='{task['id']}']").get_by_role("link", name="改派").click()
    picked = page.locator(f"li.reassign-task.picked[data-task='{task['id']}'] select")
    expect(picked).to_be_focused()
    people = api(world, "chen.jing", f"/api/v1/users?unit={task['org_unit']}&role={task['role']}")
    offered = picked.locator("option:not([value=''])")
    assert offered.evaluate_all("options => options.map(o => o.value)") == [
        p["id"] for p in people["items"]
    ]
    assert {p["unit"] for p in people["items"]} == {QINGSI_COMMUNITY}
    desk.close()


# ------------------------------------------------------------------------ print and phone


def test_the_case_page_prints_its_facts_and_history_without_menu_or_buttons(
    console: Console, world: dict[str, Any]
) -> None:
    desk = open_case(console, "wang.fang", world["licence"]["id"])
    page = desk.page
    page.emulate_media(media="print")
    desk.shoot("cases-case-print")
    for hidden in ("#menu", "header.top", ".case-replay", "iframe.case-diagram"):
        assert not page.locator(hidden).is_visible(), hidden
    assert page.locator("main button:visible").count() == 0
    assert page.locator(".case-facts").is_visible() and page.locator(".case-history").is_visible()
    desk.close()


def test_the_case_page_on_a_phone(console: Console, world: dict[str, Any]) -> None:
    desk = open_case(console, "tan.xiaoyan", world["proxy"]["id"], viewport=PHONE)
    page = desk.page
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("tr[data-task] a", has_text="办理").count() == 1
    desk.shoot("cases-case-phone")
    desk.close()
