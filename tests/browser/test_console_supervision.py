"""The supervision pages (效能监督) in a real browser, over the hand-built data set of the
figures tests (``tests/support/stats_world.py``: eight cases in 青丝乡 and 丰乐乡, some
overdue, some rated, four ledger issues; the clock at Mon 2 Nov 2026 10:00).

What each page shows is compared with what the public API answers the same person: the
dashboard's figures, their change from the previous period of equal length, the township
ranking and the drill-down addresses; the ledger's statuses as an issue is recorded,
transferred, answered, resolved and reopened through the pages; the exported XES bytes.
"""

from __future__ import annotations

import json
import math
import re
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from engine import Engine, ManualClock
from tests.support.console import PHONE, Console, Desk
from tests.support.databases import Databases
from tests.support.stats_world import FENGLE, QINGSI, World, stats_world

OCTOBER = ("2026-10-01", "2026-10-31")
BEFORE_OCTOBER = ("2026-08-31", "2026-09-30")  # the 31 days before
HEADLINE = [
    "on_time_rate",
    "overdue",
    "step_overdue",
    "yellow_warnings",
    "red_warnings",
    "satisfaction_rate",
    "registered",
    "completed",
]
COLUMNS = [
    "registered",
    "accepted",
    "completed",
    "on_time_rate",
    "overdue",
    "step_overdue",
    "yellow_warnings",
    "red_warnings",
    "satisfaction_rate",
    "ledger_resolution_rate",
]


@pytest.fixture(scope="module")
def world(databases: Databases) -> Iterator[World]:
    with stats_world(databases) as found:
        yield found


@pytest.fixture(scope="module")
def engine(world: World) -> Engine:
    return world.engine


@pytest.fixture(scope="module")
def clock(world: World) -> ManualClock:
    return world.clock


# ------------------------------------------------------------------ the API's answers

_tokens: dict[tuple[str, str], str] = {}


def api(console: Console, user: str, path: str, **query: Any) -> Any:
    """GET ``/api/v1{path}`` as ``user``: the JSON body (an export: its bytes)."""
    key = (console.base, user)
    if key not in _tokens:
        _tokens[key] = console.engine.identity.issue_token(user).token
    address = f"{console.base}/api/v1{path}"
    if query:
        address += "?" + urlencode({k: v for k, v in query.items() if v is not None})
    request = urllib.request.Request(address, headers={"Authorization": f"Bearer {_tokens[key]}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
    return body if path.startswith("/audit/export") else json.loads(body)


def stats(console: Console, user: str, period: tuple[str, str], group_by: str) -> Any:
    return api(console, user, "/stats", **{"from": period[0], "to": period[1]}, group_by=group_by)


def previous(period: tuple[str, str]) -> tuple[str, str]:
    first, last = date.fromisoformat(period[0]), date.fromisoformat(period[1])
    days = (last - first).days + 1
    return ((first - timedelta(days=days)).isoformat(), (first - timedelta(days=1)).isoformat())


# ------------------------------------------------------------ how the page writes them


def shown(kind: str, value: Any, levels: list[dict[str, str]] | None = None) -> str:
    """A figure as the page writes it (JavaScript's toFixed rounds half up)."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{Decimal(value * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"
    if kind == "days":
        return _number(float(Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)))
    if kind == "levels":
        return "、".join(f"{level['name']} {value[level['code']]}" for level in levels or [])
    return str(value)


def _number(value: float) -> str:
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def change(kind: str, now: Any, before: Any) -> str:
    """The change from the previous period as the page writes it (arrow and amount)."""
    if now is None or before is None:
        return "—"
    if kind == "rate":
        difference = math.floor((now - before) * 1000 + 0.5) / 10
        amount = f"{abs(difference):.1f} 个百分点"
    elif kind == "days":
        difference = math.floor((now - before) * 100 + 0.5) / 100
        amount = _number(abs(difference)) + " 个工作日"
    else:
        difference = now - before
        amount = str(abs(difference))
    if difference == 0:
        return "持平"
    return ("↑" if difference > 0 else "↓") + amount


VISIBLE = """el => {
  const copy = el.cloneNode(true);
  copy.querySelectorAll('.visually-hidden').forEach((n) => n.remove());
  return copy.textContent.replace(/\\s+/g, ' ').trim();
}"""


def visible(locator: Any) -> str:
    """The text a sighted reader sees (without the screen-reader-only words)."""
    text: str = locator.evaluate(VISIBLE)
    return text


def route_query(desk: Desk) -> tuple[str, dict[str, str]]:
    fragment = desk.page.evaluate("location.hash").lstrip("#")
    path, _, query = fragment.partition("?")
    return path, dict(parse_qsl(query))


def pick_month(desk: Desk, month: str) -> None:
    desk.page.fill("#dash-month", month)
    desk.page.wait_for_function(
        "m => (document.querySelector('#period-line') || {}).textContent?.includes(m)",
        arg=month + "-01",
    )
    desk.ready()


def ranking(groups: list[dict[str, Any]]) -> list[tuple[str, int | None]]:
    """The township ranking the page should show: by on-time rate, ties by volume."""
    ranked = sorted(
        (g for g in groups if g["unit"] and g["figures"]["on_time_rate"] is not None),
        key=lambda g: (
            -g["figures"]["on_time_rate"],
            -g["figures"]["completed_with_due_date"],
            -g["figures"]["registered"],
            g["unit"],
        ),
    )
    out: list[tuple[str, int | None]] = []
    for index, group in enumerate(ranked):
        prior = ranked[index - 1] if index else None
        tied = prior is not None and all(
            prior["figures"][k] == group["figures"][k]
            for k in ("on_time_rate", "completed_with_due_date")
        )
        out.append((group["unit"], out[-1][1] if tied else index + 1))
    out += [(g["unit"], None) for g in groups if g["unit"] and g["figures"]["on_time_rate"] is None]
    return out


# ------------------------------------------------------------------------ the dashboard


def test_the_supervisors_figures_equal_the_api_s(console: Console) -> None:
    desk = console.open("sun.hong", "/dashboard")
    page = desk.page
    desk.ready()
    # The month of the server's clock (2 Nov) up to today, against the two days before.
    assert page.input_value("#dash-month") == "2026-11"
    assert (page.input_value("#dash-from"), page.input_value("#dash-to")) == (
        "2026-11-01",
        "2026-11-02",
    )
    assert "2026-10-30 至 2026-10-31" in page.inner_text("#period-line")

    desk.reset_calls()
    pick_month(desk, "2026-10")
    # One grouping, two periods: two calls, whatever the number of townships.
    calls = desk.api_calls()
    assert sorted(calls) == sorted(
        f"GET /api/v1/stats?from={p[0]}&to={p[1]}&group_by=township"
        for p in (OCTOBER, BEFORE_OCTOBER)
    ), calls
    now = stats(console, "sun.hong", OCTOBER, "township")
    before = stats(console, "sun.hong", BEFORE_OCTOBER, "township")
    legend = {entry["code"]: entry for entry in now["legend"]}
    assert "2026-08-31 至 2026-09-30" in page.inner_text("#period-line")

    # The headline figures, their previous values and the change, figure by figure.
    for code in HEADLINE:
        card = page.locator(f"li.kpi[data-figure='{code}']")
        kind = legend[code]["kind"]
        assert card.locator(".kpi-name").inner_text() == legend[code]["name"]
        assert card.locator(".value").inner_text() == shown(kind, now["total"][code]), code
        assert card.locator(".before").inner_text() == shown(kind, before["total"][code]), code
        assert visible(card.locator(".delta")) == change(
            kind, now["total"][code], before["total"][code]
        ), code
    # October: A on time and early, B late (on-time rate 50%); September: D on time (100%).
    on_time = page.locator("li.kpi[data-figure='on_time_rate']")
    assert on_time.locator(".value").inner_text() == "50.0%"
    assert visible(on_time.locator(".delta")) == "↓50.0 个百分点"

    # Every figure of the API, in the legend's order, with its Chinese name.
    rows = page.locator("#all-figures tbody tr")
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.figure)") == [
        e["code"] for e in now["legend"]
    ]
    for entry in now["legend"]:
        row = page.locator(f"#all-figures tr[data-figure='{entry['code']}']")
        assert row.locator("th").inner_text() == entry["name"]
        value = now["total"][entry["code"]]
        assert row.locator(".value").inner_text() == shown(entry["kind"], value, entry["levels"])
        if entry["kind"] != "levels":
            assert visible(row.locator(".delta")) == change(
                entry["kind"], value, before["total"][entry["code"]]
            ), entry["code"]

    # The township table: every township of the county, number by number, and the total.
    table = page.locator("#group-table")
    units = table.locator("tbody tr").evaluate_all("rs => rs.map(r => r.dataset.unit)")
    assert units == [g["unit"] for g in now["groups"]]
    assert len(units) == len(console.engine.org.of_kind("township"))
    for group in [*now["groups"], {"unit": "total", "figures": now["total"]}]:
        row = table.locator(f"tr[data-unit='{group['unit']}']")
        for code in COLUMNS:
            cell = row.locator(f"td[data-figure='{code}']")
            assert visible(cell) == shown(legend[code]["kind"], group["figures"][code]), (
                group["unit"],
                code,
            )
    qingsi = table.locator(f"tr[data-unit='{QINGSI}']")
    assert visible(qingsi.locator("td[data-figure='completed']")) == "2"

    # The chart has its data as this table, and says so.
    canvas = page.locator(".chart canvas")
    assert canvas.get_attribute("role") == "img"
    assert "按乡镇的按期办结率" in (canvas.get_attribute("aria-label") or "")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('.chart canvas'))"
    )
    charted = page.evaluate("Chart.getChart(document.querySelector('.chart canvas')).data")
    assert charted["labels"] == [g["name"] for g in now["groups"]]
    assert charted["datasets"][0]["data"] == [
        None
        if g["figures"]["on_time_rate"] is None
        else round(g["figures"]["on_time_rate"] * 100, 1)
        for g in now["groups"]
    ]
    desk.shoot("supervision-dashboard")
    # At the counter PC's 1366 px nothing widens the page (the tables scroll in place).
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert desk.axe() == []
    desk.close()


def test_the_township_ranking_and_its_change(console: Console) -> None:
    period = ("2026-09-24", "2026-10-31")  # 38 days: 17 Aug - 23 Sep before, with nothing
    desk = console.open("sun.hong", f"/dashboard?from={period[0]}&to={period[1]}")
    desk.ready()
    page = desk.page
    now = stats(console, "sun.hong", period, "township")
    before = stats(console, "sun.hong", previous(period), "township")
    assert previous(period) == ("2026-08-17", "2026-09-23")
    assert f"{previous(period)[0]} 至 {previous(period)[1]}" in page.inner_text("#period-line")
    expected = ranking(now["groups"])
    earlier = dict(ranking(before["groups"]))
    rows = page.locator("#ranking tbody tr")
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.unit)") == [u for u, _ in expected]
    # 青丝乡 (A, B, D: 2 of 3 on time) before 丰乐乡 (nothing completed: unranked).
    assert expected[0] == (QINGSI, 1) and (FENGLE, None) in expected
    by_unit = {g["unit"]: g for g in now["groups"]}
    prior = {g["unit"]: g for g in before["groups"]}
    for unit, rank in expected:
        row = page.locator(f"#ranking tr[data-unit='{unit}']")
        assert row.locator(".rank").inner_text() == (f"第 {rank} 名" if rank else "未排名")
        rate = by_unit[unit]["figures"]["on_time_rate"]
        assert visible(row.locator("td[data-figure='on_time_rate']")) == shown("rate", rate)
        assert visible(row.locator(".rate-change .delta")) == change(
            "rate", rate, prior[unit]["figures"]["on_time_rate"]
        )
        move = visible(row.locator(".move .delta"))
        earlier_rank = earlier.get(unit)
        if rank and earlier_rank:
            moved = earlier_rank - rank
            assert move == (
                "持平" if moved == 0 else ("↑" if moved > 0 else "↓") + f"{abs(moved)} 位"
            )
        else:
            assert move == ("上期未排名" if rank else "—")
    desk.close()


def test_grouped_by_village_item_and_department_with_a_constant_number_of_calls(
    console: Console,
) -> None:
    desk = console.open("sun.hong", f"/dashboard?from={OCTOBER[0]}&to={OCTOBER[1]}")
    desk.ready()
    page = desk.page
    for group_by in ("village", "item", "department"):
        desk.reset_calls()
        page.select_option("#dash-group", group_by)
        page.wait_for_function(
            "name => document.querySelector('#groups-title')?.textContent === '按' + name",
            arg={"village": "村（社区）", "item": "事项", "department": "县级部门"}[group_by],
        )
        desk.ready()
        # The grouping and the ranking's townships, each for both periods: four calls.
        assert len(desk.api_calls()) == 4, desk.api_calls()
        now = stats(console, "sun.hong", OCTOBER, group_by)
        rows = page.locator("#group-table tbody tr")
        assert rows.evaluate_all("rs => rs.map(r => r.dataset.unit)") == [
            g["unit"] or "" for g in now["groups"]
        ]
        for group in now["groups"]:
            row = page.locator(f"#group-table tbody tr[data-unit='{group['unit'] or ''}']")
            for code in ("registered", "completed", "on_time_rate", "ledger_resolution_rate"):
                kind = "rate" if code.endswith("rate") else "count"
                assert visible(row.locator(f"td[data-figure='{code}']")) == shown(
                    kind, group["figures"][code]
                ), (group_by, group["unit"], code)
    # A department's 收件数 opens the department's cases of the period: the same count
    # (September, when the world's cases were registered).
    desk.go(f"/dashboard?from={BEFORE_OCTOBER[0]}&to={BEFORE_OCTOBER[1]}&group_by=department")
    desk.ready()
    september = stats(console, "sun.hong", BEFORE_OCTOBER, "department")
    busy = [g for g in september["groups"] if g["unit"] and g["figures"]["registered"]]
    assert busy, "the world registers cases of some department in September"
    for group in busy:
        row = page.locator(f"#group-table tbody tr[data-unit='{group['unit']}']")
        link = row.locator("td[data-figure='registered'] a").get_attribute("href") or ""
        query = link.split("?", 1)[1]
        assert f"department={group['unit']}" in query, link
        listed = api(console, "sun.hong", "/cases", **dict(parse_qsl(query)))["total"]
        assert listed == group["figures"]["registered"], (group["unit"], link)
    desk.go(f"/dashboard?from={OCTOBER[0]}&to={OCTOBER[1]}&group_by=department")
    desk.ready()
    # The chart shows the figure chosen, the table gets its column.
    page.select_option("#dash-figure", "satisfaction_rate")
    page.wait_for_function(
        "() => Chart.getChart(document.querySelector('.chart canvas'))?.data.datasets[0].label.startsWith('满意率')"
    )
    assert page.locator("#group-table thead th", has_text="满意率").count() == 1
    assert route_query(desk)[1]["figure"] == "satisfaction_rate"
    desk.close()


def test_each_figure_drills_down_to_its_cases(console: Console) -> None:
    desk = console.open("sun.hong", f"/dashboard?from={OCTOBER[0]}&to={OCTOBER[1]}")
    desk.ready()
    page = desk.page
    now = stats(console, "sun.hong", OCTOBER, "township")
    qingsi = next(g for g in now["groups"] if g["unit"] == QINGSI)
    # Registered in 青丝乡: the case search's own filters reproduce the figure exactly.
    link = page.locator(f"#group-table tr[data-unit='{QINGSI}'] td[data-figure='registered'] a")
    assert "一致" in (link.get_attribute("title") or "")
    link.click()
    page.wait_for_function("() => location.hash.startsWith('#/cases')")
    path, query = route_query(desk)
    assert path == "/cases"
    assert query == {"township": QINGSI, "from": OCTOBER[0], "to": OCTOBER[1]}
    listed = api(console, "sun.hong", "/cases", **query)
    assert listed["total"] == qingsi["figures"]["registered"]
    # Open cases past their due date: overdue=true, the period's end being past.
    desk.go(f"/dashboard?from={OCTOBER[0]}&to={OCTOBER[1]}")
    desk.ready()
    card = page.locator("li.kpi[data-figure='overdue'] a")
    path, _, text = (card.get_attribute("href") or "").lstrip("#").partition("?")
    assert (path, dict(parse_qsl(text))) == ("/cases", {"overdue": "true"})
    assert "超期未办结部分" in (card.get_attribute("title") or "")
    # Ratings cannot be filtered: the closest list, and the link says so.
    rated = page.locator("li.kpi[data-figure='satisfaction_rate'] a")
    path, _, text = (rated.get_attribute("href") or "").lstrip("#").partition("?")
    assert (path, dict(parse_qsl(text))) == (
        "/cases",
        {"status": "completed", "from": OCTOBER[0], "to": OCTOBER[1]},
    )
    assert "不能按评价筛选" in (rated.get_attribute("title") or "")
    # Only the case search's filters are used, in every link of the page.
    hrefs = page.locator("a[href^='#/cases?']").evaluate_all("as => as.map(a => a.hash)")
    assert hrefs
    for href in hrefs:
        names = {name for name, _ in parse_qsl(href.partition("?")[2])}
        assert names <= {"item", "status", "township", "village", "overdue", "from", "to"}, href
    desk.close()


def test_the_township_leader_sees_the_villages_of_the_township(console: Console) -> None:
    desk = console.open("chen.jing", f"/dashboard?from={OCTOBER[0]}&to={OCTOBER[1]}")
    desk.ready()
    page = desk.page
    assert page.input_value("#dash-group") == "village"
    now = stats(console, "chen.jing", OCTOBER, "village")
    rows = page.locator("#group-table tbody tr")
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.unit)") == [
        g["unit"] for g in now["groups"]
    ]
    assert all(g["unit"].startswith(QINGSI) for g in now["groups"])
    for code in HEADLINE:
        kind = "rate" if code.endswith("rate") else "count"
        value = page.locator(f"li.kpi[data-figure='{code}'] .value").inner_text()
        assert value == shown(kind, now["total"][code]), code
    assert page.locator("#ranking").count() == 0  # one township: nothing to rank
    desk.shoot("supervision-dashboard-township")
    desk.close()


def test_the_dashboard_on_a_phone(console: Console) -> None:
    desk = console.open("sun.hong", viewport=PHONE)
    desk.go(f"/dashboard?from={OCTOBER[0]}&to={OCTOBER[1]}")
    desk.ready()
    page = desk.page
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('.chart canvas'))"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    desk.shoot("supervision-dashboard-phone")
    desk.close()


# ------------------------------------------------------------------------------ ledger


def issue_status(desk: Desk, console: Console, issue_id: int) -> dict[str, Any]:
    """The issue as the API shows the desk's person; the page must show the same."""
    found: dict[str, Any] = api(console, desk.user or "", f"/ledger/{issue_id}")
    page = desk.page
    page.wait_for_function(
        "s => document.querySelector('#issue-status')?.dataset.status === s", arg=found["status"]
    )
    assert page.inner_text("#issue-status") == found["status_name"]
    level = f"当前在{found['level_name']}"
    if found["department_name"]:
        level += f"（{found['department_name']}）"
    assert page.inner_text("#issue-level") == level + "办理"
    shown_actions = page.locator(".issue-actions button").evaluate_all(
        "bs => bs.map(b => b.dataset.action)"
    )
    assert shown_actions == found["actions"]
    entries = page.locator("#issue-entries li").evaluate_all("ls => ls.map(l => l.dataset.type)")
    assert entries == [e["type"] for e in found["entries"]]
    return found


def act(desk: Desk, action: str, note: str, department: str | None = None) -> None:
    page = desk.page
    page.click(f".issue-actions button[data-action='{action}']")
    if department is not None:
        page.wait_for_function(
            "() => document.querySelectorAll('#issue-department option').length > 1"
        )
        page.select_option("#issue-department", department)
    page.fill("#issue-note", note)
    page.click("#issue-action-form button[type=submit]")
    page.wait_for_selector("#issue-action-form", state="detached")


def test_an_issue_through_the_ledger_s_three_transfers(console: Console) -> None:
    # The village agent records a resident's issue through the page.
    agent = console.open("tan.xiaoyan", "/ledger")
    page = agent.page
    agent.ready()
    page.click("a[href='#/ledger/new']")
    page.wait_for_selector("#record-name")
    page.click(".record-form button[type=submit]")
    page.wait_for_selector("#record-errors")  # every missing field, beside it and above
    assert page.get_attribute("#record-name", "aria-invalid") == "true"
    assert "record-name-error" in (page.get_attribute("#record-name", "aria-describedby") or "")
    assert page.inner_text("#record-name-error") == "必填：反映人姓名"
    page.fill("#record-name", "李秀英")
    page.fill("#record-phone", "12345")  # the API refuses it, beside the field
    page.select_option("#record-category", "infrastructure")
    page.select_option("#record-source", "meeting")
    page.fill("#record-content", "三组村道雨后塌方，车辆无法通行")
    page.click(".record-form button[type=submit]")
    page.wait_for_selector("#record-phone-error")
    assert page.get_attribute("#record-phone", "aria-invalid") == "true"
    assert "手机号" in page.inner_text("#record-phone-error")
    page.fill("#record-phone", "13800001234")
    page.click(".record-form button[type=submit]")
    page.wait_for_function("() => /^#\\/ledger\\/\\d+$/.test(location.hash)")
    issue_id = int(page.evaluate("location.hash").rsplit("/", 1)[1])
    found = issue_status(agent, console, issue_id)
    assert (found["status"], found["level"], found["resident_name"]) == (
        "open",
        "village",
        "李秀英",
    )
    assert page.inner_text("#issue-phone") == found["resident_phone"] == "13800001234"
    # Not solvable at the village: to the township.
    act(agent, "transfer", "需乡里协调机械清理")
    found = issue_status(agent, console, issue_id)
    assert (found["level"], found["actions"], found["read_only"]) == ("township", [], True)
    assert page.locator("#issue-read-only").is_visible()
    agent.close()

    # The township answers; the resident is not satisfied; it goes to a county department.
    window = console.open("wang.fang", f"/ledger/{issue_id}")
    page = window.page
    window.ready()
    found = issue_status(window, console, issue_id)
    assert found["actions"] == ["answer", "transfer", "resolve"]
    assert page.inner_text("#issue-phone") == found["resident_phone"]
    act(window, "answer", "已联系镇交通办，本周内清理")
    assert issue_status(window, console, issue_id)["status"] == "answered"
    act(window, "reopen", "群众反映仍未清理")
    assert issue_status(window, console, issue_id)["status"] == "open"
    # A transfer to the county needs the department: said beside the field.
    page.click(".issue-actions button[data-action='transfer']")
    page.fill("#issue-note", "涉及民政救助，转县民政局")
    page.click("#issue-action-form button[type=submit]")
    page.wait_for_selector("#issue-department-error")
    assert page.get_attribute("#issue-department", "aria-invalid") == "true"
    page.click("#issue-action-form button[type=button]")  # cancel
    act(window, "transfer", "涉及民政救助，转县民政局", department="MZ")
    found = issue_status(window, console, issue_id)
    assert (found["level"], found["department_name"]) == ("county", "县民政局")
    window.close()

    # The county department resolves it; the resident is not satisfied again.
    county = console.open("deng.hui", f"/ledger/{issue_id}")
    county.ready()
    assert issue_status(county, console, issue_id)["actions"] == ["answer", "resolve"]
    act(county, "resolve", "已协调资金，道路已修复")
    assert issue_status(county, console, issue_id)["status"] == "resolved"
    act(county, "reopen", "群众反映路面又塌")
    found = issue_status(county, console, issue_id)
    assert (found["status"], found["level"]) == ("open", "county")
    county.close()

    # The supervisor reads it: no actions, the phone masked as the API masks it.
    supervisor = console.open("sun.hong", f"/ledger/{issue_id}")
    supervisor.ready()
    found = issue_status(supervisor, console, issue_id)
    assert found["actions"] == [] and found["read_only"] is True
    assert supervisor.page.inner_text("#issue-phone") == found["resident_phone"] != "13800001234"
    assert [e["type"] for e in found["entries"]] == [
        "recorded", "transfer", "answer", "reopen", "transfer", "resolve", "reopen",
    ]  # fmt: skip
    supervisor.shoot("supervision-issue")
    supervisor.close()


def test_the_supervisor_filters_the_ledger(console: Console) -> None:
    desk = console.open("sun.hong", "/ledger")
    desk.ready()
    page = desk.page
    everything = api(console, "sun.hong", "/ledger")
    ids = page.locator("tbody tr").evaluate_all("rs => rs.map(r => Number(r.dataset.issue))")
    assert ids == [i["id"] for i in everything["items"]]
    page.wait_for_function("() => document.querySelectorAll('#ledger-township option').length > 1")
    page.select_option("#ledger-township", QINGSI)
    page.select_option("#ledger-village", "511725201001")
    page.select_option("#ledger-status", "resolved")
    page.fill("#ledger-from", "2026-09-01")
    page.fill("#ledger-to", "2026-09-30")
    desk.reset_calls()
    page.click("form.filters button[type=submit]")
    query = {
        "status": "resolved",
        "township": QINGSI,
        "village": "511725201001",
        "from": "2026-09-01",
        "to": "2026-09-30",
    }
    filtered = api(console, "sun.hong", "/ledger", **query)
    assert filtered["total"] == 2  # the two village road issues resolved on 29 Sep
    page.wait_for_function(
        """ids => JSON.stringify([...document.querySelectorAll('tbody tr')]
          .map(r => Number(r.dataset.issue))) === JSON.stringify(ids)""",
        arg=[i["id"] for i in filtered["items"]],
    )
    desk.ready()
    assert len(desk.api_calls()) == 1
    assert route_query(desk) == ("/ledger", query)
    for item in filtered["items"]:
        row = page.locator(f"tr[data-issue='{item['id']}']")
        assert row.locator(".tag").inner_text() == item["status_name"]
        assert item["number"] in row.inner_text()
    # A day the API refuses: said beside the field.
    page.fill("#ledger-to", "2026-08-01")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("#ledger-to-error")
    assert page.get_attribute("#ledger-to", "aria-invalid") == "true"
    page.click("form.filters button[type=button]")  # clear
    page.wait_for_function(
        "n => document.querySelectorAll('tbody tr').length === n",
        arg=len(api(console, "sun.hong", "/ledger")["items"]),
    )
    desk.ready()
    desk.shoot("supervision-ledger")
    assert desk.axe() == []
    desk.close()


# ------------------------------------------------------------------------------ exports


def test_the_exported_xes_is_the_api_s(console: Console) -> None:
    desk = console.open("sun.hong", "/exports")
    page = desk.page
    page.wait_for_function("() => document.querySelectorAll('#export-township option').length > 1")
    page.wait_for_function("() => document.querySelectorAll('#export-item option').length > 100")
    page.fill("#export-from", "2026-09-01")
    page.fill("#export-to", "2026-10-31")
    page.select_option("#export-township", QINGSI)
    page.select_option("#export-item", "ZF002")
    page.click("button[data-format='xes']")
    page.wait_for_selector("#export-download")
    with page.expect_download() as started:
        page.click("#export-download")
    download = started.value
    assert download.suggested_filename == "daiban-2026-09-01-2026-10-31.xes"
    body = api(
        console,
        "sun.hong",
        "/audit/export.xes",
        **{"from": "2026-09-01", "to": "2026-10-31"},
        township=QINGSI,
        item="ZF002",
    )
    assert isinstance(body, bytes)
    saved = download.path().read_bytes()
    assert saved == body
    # B and H, both ZF002 at 青丝乡's window.
    assert body.count(b"<trace>") == 2
    assert page.inner_text("#export-events") == str(body.count(b"<event>"))
    assert page.inner_text("#export-cases") == "2"
    desk.shoot("supervision-exports")
    assert desk.axe() == []
    # The same filters as an OCEL 2.0 log.
    page.click("button[data-format='ocel']")
    page.wait_for_function(
        "() => document.querySelector('#export-download')?.download.endsWith('.ocel.json')"
    )
    with page.expect_download() as started:
        page.click("#export-download")
    ocel = json.loads(started.value.path().read_bytes())
    assert started.value.suggested_filename == "daiban-2026-09-01-2026-10-31.ocel.json"
    assert page.inner_text("#export-events") == str(len(ocel["events"]))
    desk.close()


def test_strings_are_formatted_like_the_page() -> None:
    # The helpers above mirror the page's formatting (toFixed rounds half up).
    assert shown("rate", 0.0625) == "6.3%" and shown("rate", 2 / 3) == "66.7%"
    assert shown("days", 3.0) == "3" and shown("days", 2.5) == "2.5"
    assert change("rate", 0.5, 1.0) == "↓50.0 个百分点" and change("count", 3, 3) == "持平"
    assert re.fullmatch(r"↑\d+", change("count", 5, 2)) is not None
