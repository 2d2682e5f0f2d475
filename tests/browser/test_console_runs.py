"""定期取送件 (scheduled pickup and delivery runs, docs/channels.md) in a real browser: the
mobile agent's list of today's and past runs, a run's cases linked to the task where each
is worked, and completing the run; township staff read the runs but do not complete them;
another township's run answers as one that does not exist.

Demo schedule: 何平 (he.ping, mobile post of 青丝乡) goes to 新民村 and 石桥村 every Tuesday
and Friday. The clock starts on Thu 24 Sep 2026: 石桥村's agent takes a 高龄津贴 case in for
scheduled pickup; Fri 25 Sep's run takes it, 何平 hands it over and completes that run. Two
more cases are taken in on Fri 25 Sep; Tue 29 Sep's run (today, for the pages) lists both.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from engine import Engine, ManualClock
from tests.support.api import make_app
from tests.support.console import PHONE, Console, Desk
from tests.support.module_fixtures import module_engine
from tests.support.walks import PROXY_ITEM, SHIQIAO, WALKED, Counter, at

clock, engine = module_engine(WALKED)

ENTRUST = {"entrustment_signed": True, "receipt_no": "QS-2026-0101", "materials_received": 2}
HANDOVER = {"handover_items": 2, "handover_originals": 1, "received_by": "王芳"}


def taken_in(counter: Counter) -> int:
    """石桥村's agent takes a 高龄津贴 application in, left for the scheduled pickup."""
    case = counter.register("he.dong", PROXY_ITEM, SHIQIAO, "village_point")
    counter.act("he.dong", case["id"], "Task_entrust", {**ENTRUST, "pickup_mode": "scheduled"})
    return int(case["id"])


@pytest.fixture(scope="module")
def world(engine: Engine, clock: ManualClock) -> dict[str, Any]:
    counter = Counter(make_app(engine).test_client(), engine)
    first = taken_in(counter)
    at(clock, "2026-09-25")  # Friday: 何平's round
    [past] = engine.runs.make_due()
    counter.act("he.ping", first, "Task_handover", HANDOVER)
    done = counter.post("he.ping", f"/api/v1/runs/{past.id}/complete")
    assert done.status_code == 200, done.get_json()
    second, third = taken_in(counter), taken_in(counter)
    at(clock, "2026-09-29")  # Tuesday: the next round, "today" for the pages
    [current] = engine.runs.make_due()
    assert [c.case_id for c in current.cases] == [second, third]
    return {"counter": counter, "past": past.id, "current": current.id, "cases": [second, third]}


def api(world: dict[str, Any], user: str, path: str) -> Any:
    response = world["counter"].get(user, path)
    assert response.status_code == 200, (path, response.get_json())
    return response.get_json()


def listed(desk: Desk, table: str) -> list[int]:
    rows = desk.page.locator(f"#{table} tbody tr")
    return [int(r) for r in rows.evaluate_all("rs => rs.map(r => r.dataset.run)")]


def test_the_mobile_agent_works_today_s_run_and_completes_it(
    console: Console, world: dict[str, Any]
) -> None:
    desk = console.open("he.ping", "/runs")
    desk.ready()
    page = desk.page
    assert page.locator("#menu a", has_text="定期取送件").count() == 1
    # Today's run apart from the past one, as the API lists them.
    runs = {r["id"]: r for r in api(world, "he.ping", "/api/v1/runs")["items"]}
    assert set(runs) == {world["past"], world["current"]}
    assert listed(desk, "runs-today") == [world["current"]]
    assert listed(desk, "runs-past") == [world["past"]]
    past = page.locator(f"#runs-past tr[data-run='{world['past']}']")
    assert past.locator(".tag").inner_text() == runs[world["past"]]["status_name"]
    assert past.locator("td[data-label='日期']").inner_text() == "2026-09-25"
    today = page.locator(f"#runs-today tr[data-run='{world['current']}']")
    assert today.locator("td[data-label='办件数']").inner_text() == "2"
    assert today.locator("td[data-label='未办']").inner_text() == "2"
    assert today.locator("td[data-label='类别']").inner_text() == "定期取件"
    desk.shoot("runs-list")
    assert desk.axe() == []

    # The run: its two cases, each linked to its case page and its open task.
    today.locator("a.button").click()
    page.wait_for_selector("#run-cases")
    desk.ready()
    run = api(world, "he.ping", f"/api/v1/runs/{world['current']}")
    rows = page.locator("#run-cases tbody tr")
    assert rows.evaluate_all("rs => rs.map(r => Number(r.dataset.case))") == world["cases"]
    for case in run["cases"]:
        row = page.locator(f"#run-cases tr[data-case='{case['case_id']}']")
        assert row.locator("a").first.get_attribute("href") == f"#/cases/{case['case_id']}"
        assert row.locator("a").first.inner_text() == case["case_number"]
        assert row.locator("a.button").get_attribute("href") == f"#/tasks/{case['task_id']}"
        assert row.locator("td[data-label='村（社区）']").inner_text() == "石桥村"
    assert page.inner_text("#run-left-count") == "2 / 2 件"
    desk.shoot("runs-detail")
    assert desk.axe() == []

    # The first case's handover is worked on its task page, reached from the run.
    first = run["cases"][0]
    page.locator(f"#run-cases tr[data-case='{first['case_id']}'] a.button").click()
    expect(page.locator("#page-title")).to_have_text("办理：移交乡镇便民服务中心（填写交接单）")
    desk.ready()
    page.click("#claim-task")
    expect(page.locator("#submit-task")).to_be_enabled()
    for name, value in HANDOVER.items():
        page.locator(f"#task-form-{name}").fill(str(value))
    page.click("#submit-task")
    expect(page.locator("#next-title")).to_be_visible()

    # Back at the run: one case done, one left; completing it says the other stays queued.
    desk.go(f"/runs/{world['current']}", wait="#run-cases")
    desk.ready()
    row = page.locator(f"#run-cases tr[data-case='{first['case_id']}']")
    assert row.get_attribute("data-open") == "false"
    assert row.locator(".tag").inner_text() == "已办"
    assert page.inner_text("#run-left-count") == "1 / 2 件"
    assert "还有 1 件未办理" in page.inner_text("#run-left")
    page.click("#run-complete")
    page.wait_for_selector("#run-completed")
    done = api(world, "he.ping", f"/api/v1/runs/{world['current']}")
    assert (done["status"], done["completed_by"], done["left"]) == ("completed", "he.ping", 1)
    assert page.locator("#run-status .tag").inner_text() == done["status_name"]
    assert page.locator("#run-complete").count() == 0
    # The case still open stays in 何平's queue.
    second = run["cases"][1]
    queue = api(world, "he.ping", "/api/v1/tasks")["items"]
    assert second["task_id"] in {t["id"] for t in queue}
    desk.shoot("runs-completed")
    desk.close()


def test_township_staff_read_the_runs_and_other_townships_do_not(
    console: Console, world: dict[str, Any]
) -> None:
    window = console.open("wang.fang", f"/runs/{world['past']}")
    page = window.page
    page.wait_for_selector("#run-cases")
    window.ready()
    found = api(world, "wang.fang", f"/api/v1/runs/{world['past']}")
    tag = page.locator("#run-status .tag")
    assert (tag.get_attribute("data-status"), tag.inner_text()) == (
        "completed",
        found["status_name"],
    )
    assert page.locator("#run-complete").count() == 0  # only a mobile agent completes
    window.close()

    elsewhere = console.open("pan.hong", "/runs")  # 丰乐乡's window
    elsewhere.ready()
    assert elsewhere.page.locator("#runs-today, #runs-past").count() == 0
    assert "暂无定期取送件" in elsewhere.page.inner_text("main")
    elsewhere.go(f"/runs/{world['past']}")
    elsewhere.ready()
    assert "可能不存在" in elsewhere.page.inner_text(".state.error")
    elsewhere.close()

    agent = console.open("he.dong", "/cases")  # a village agent: no runs in the menu
    agent.ready()
    assert agent.page.locator("#menu a", has_text="定期取送件").count() == 0
    agent.close()


def test_the_runs_on_a_phone(console: Console, world: dict[str, Any]) -> None:
    desk = console.open("he.ping", f"/runs/{world['past']}", viewport=PHONE)
    desk.ready()
    assert desk.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    desk.shoot("runs-phone")
    desk.close()
