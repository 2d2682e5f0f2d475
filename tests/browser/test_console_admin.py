"""The administrator's and designer's pages in a real browser: 人员与岗位 (password reset,
revoked logins), 离岗登记 (an absence that moves a window task to the stand-in's queue
and back), 流程定义 (upload with a dry run, lint problems by file and line, deploy) and
a deployed version's diagram painted by bpmn-js in its framed page."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import expect

from engine import Engine
from tests.support.console import PHONE, Console, Desk
from tests.support.module_fixtures import module_engine
from tests.support.paths import BPMN
from tests.support.walks import APPLICANT, PROXY_ITEM, SHIQIAO, WALKED, WINDOW_ITEM
from webapi import create_app

clock, engine = module_engine(WALKED)

PROXY_FILE = BPMN / "items" / f"{PROXY_ITEM.process_id}.bpmn"
PROXY_SOURCE = PROXY_FILE.read_bytes()


def renamed(name: str) -> bytes:
    """The proxy item's file with another process name: a real change, a new version."""
    process = PROXY_ITEM.process_id
    old = f'<bpmn:process id="{process}" name="80周岁以上老年人高龄津贴发放"'.encode()
    changed = PROXY_SOURCE.replace(old, f'<bpmn:process id="{process}" name="{name}"'.encode())
    assert changed != PROXY_SOURCE
    return changed


@pytest.fixture(scope="module")
def client(engine: Engine) -> Iterator[FlaskClient]:
    app = create_app({"ENGINE": engine, "SECRET_KEY": "test", "TESTING": True})
    with app.test_client() as test_client:
        yield test_client


def api(client: FlaskClient, engine: Engine, user: str, method: str, path: str, **kw: Any) -> Any:
    token = engine.identity.issue_token(user).token
    headers = {"Authorization": f"Bearer {token}"}
    return client.open(f"/api/v1{path}", method=method, headers=headers, **kw)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def versions(engine: Engine, process_id: str) -> list[int]:
    return [v.version for v in engine.definitions.versions(process_id)]


def page_calls(desk: Desk) -> list[str]:
    """The API calls of the page itself (the frame checks the session once: /auth/me)."""
    return [c for c in desk.api_calls() if c != "GET /api/v1/auth/me"]


def choose_files(desk: Desk, *files: tuple[str, bytes]) -> None:
    desk.page.set_input_files(
        "#bpmn-files",
        files=[{"name": n, "mimeType": "application/xml", "buffer": b} for n, b in files],
    )


# ------------------------------------------------------------------- 人员与岗位


def test_people_and_their_posts(console: Console, client: FlaskClient, engine: Engine) -> None:
    desk = console.open("he.jun", "/admin/people")
    desk.ready()
    first = ok(api(client, engine, "he.jun", "GET", "/users?page_size=20"))
    rows = desk.page.locator("table.people tbody tr")
    expect(rows).to_have_count(len(first["items"]))
    names = desk.page.locator("table.people td[data-label='人员'] strong").all_inner_texts()
    assert names == [p["name"] for p in first["items"]]
    expect(desk.page.locator(".pager")).to_contain_text(f"共 {first['total']} 条")
    assert page_calls(desk) == ["GET /api/v1/users?page=1&page_size=20"]
    assert desk.axe() == []
    desk.shoot("admin-people")

    # by role, then by the unit a row names: the same people as the API's
    desk.page.select_option("#people-role", "township_window")
    desk.page.get_by_role("button", name="筛选").click()
    windows = ok(api(client, engine, "he.jun", "GET", "/users?role=township_window"))
    expect(rows).to_have_count(len(windows["items"]))
    wang = rows.filter(has_text="wang.fang")
    expect(wang.locator("td[data-label='AB 岗搭档 / 替岗人']")).to_have_text("AB 岗：刘洋")
    expect(wang.locator("td[data-label='今天']")).to_have_text("在岗")
    wang.locator("td[data-label='单位'] button").click()
    qingsi = ok(api(client, engine, "he.jun", "GET", "/users?role=township_window&unit=511725201"))
    expect(rows).to_have_count(len(qingsi["items"]))
    expect(desk.page.locator(".filter-note")).to_contain_text("青丝乡")
    assert {t.split()[-1] for t in rows.locator("td[data-label='人员']").all_inner_texts()} == {
        p["id"] for p in qingsi["items"]
    }
    desk.page.fill("#people-q", "没有这个人")
    desk.page.keyboard.press("Enter")
    expect(desk.page.locator(".state.empty")).to_contain_text("没有符合筛选条件的人员")
    desk.close()


def test_a_password_reset_gives_a_temporary_password_that_signs_in(
    console: Console, client: FlaskClient, engine: Engine
) -> None:
    old = console.open("wang.fang", "/account")  # 王芳's tab, signed in before the reset
    desk = console.open("he.jun", "/admin/people?q=wang.fang")
    desk.ready()
    row = desk.page.locator("table.people tbody tr", has_text="wang.fang")
    logins = ok(api(client, engine, "he.jun", "GET", "/users?q=wang.fang"))["items"][0]
    expect(row.locator("td[data-label='账号']")).to_contain_text(
        f"{logins['active_tokens']} 个登录"
    )
    row.get_by_role("button", name="重置密码：王芳").click()
    dialog = desk.page.locator("dialog[open]")
    expect(dialog).to_contain_text("重置 王芳（wang.fang）的密码？")
    expect(dialog.get_by_role("button", name="取消")).to_be_focused()  # nothing by accident
    dialog.get_by_role("button", name="确认重置").click()
    secret = dialog.locator("#temp-password")
    expect(secret).to_be_visible()
    password = secret.inner_text().strip()
    assert re.fullmatch(r"[A-Za-z0-9]{12}", password), password
    expect(dialog).to_contain_text("只显示这一次")
    expect(dialog).to_contain_text("当面")
    expect(dialog).to_contain_text(f"已注销其 {logins['active_tokens']} 个登录")
    dialog.get_by_role("button", name="复制").click()
    expect(dialog.locator(".copied")).not_to_be_empty()
    assert desk.axe() == []
    desk.shoot("admin-password-reset")
    dialog.get_by_role("button", name="我已记下，关闭").click()
    expect(desk.page.locator("dialog[open]")).to_have_count(0)
    expect(row.locator("td[data-label='账号']")).to_contain_text("未登录")
    desk.close()

    fresh = console.open()
    fresh.go("/account", wait="#login-user")
    console.sign_in(fresh, "wang.fang", password)
    expect(fresh.page.locator(".who")).to_contain_text("王芳")
    fresh.close()

    # the old tab's next action finds its session ended
    old.page.fill("#old-password", "whatever-it-was")
    old.page.fill("#new-password", "a-new-password-1")
    old.page.fill("#repeat-password", "a-new-password-1")
    old.page.get_by_role("button", name="保存新密码").click()
    expect(old.page.locator(".login .notice")).to_have_text("登录已过期，请重新登录。")
    old.close()


def test_revoking_logins_signs_the_person_out_everywhere(
    console: Console, client: FlaskClient, engine: Engine
) -> None:
    tabs = [console.open("chen.jing", "/account") for _ in range(2)]
    before = ok(api(client, engine, "he.jun", "GET", "/users?q=chen.jing"))["items"][0]
    assert before["active_tokens"] >= 2
    desk = console.open("he.jun", "/admin/people?q=chen.jing")
    desk.ready()
    row = desk.page.locator("table.people tbody tr", has_text="chen.jing")
    expect(row.locator("td[data-label='账号']")).to_contain_text(
        f"{before['active_tokens']} 个登录"
    )
    row.get_by_role("button", name="注销登录：陈静").click()
    dialog = desk.page.locator("dialog[open]")
    dialog.get_by_role("button", name="确认注销").click()
    expect(dialog.locator("#revoked-count")).to_contain_text(
        f"已注销 陈静（chen.jing）的 {before['active_tokens']} 个登录"
    )
    dialog.get_by_role("button", name="关闭").click()
    expect(row.locator("td[data-label='账号']")).to_contain_text("未登录")
    after = ok(api(client, engine, "he.jun", "GET", "/users?q=chen.jing"))["items"][0]
    assert after["active_tokens"] == 0
    desk.close()
    for tab in tabs:
        tab.page.reload()
        expect(tab.page.locator(".login .notice")).to_have_text("登录已过期，请重新登录。")
        tab.close()


# --------------------------------------------------------------------- 离岗登记


def window_task_claimed_by_wang_fang(client: FlaskClient, engine: Engine) -> dict[str, Any]:
    """A window licence 王芳 took at the window and whose first review she claimed."""
    body = {
        "item_code": WINDOW_ITEM.code,
        "applicant": {**APPLICANT, "village": SHIQIAO},
        "channel": "township_window",
        "materials": [m.name for m in WINDOW_ITEM.materials if m.required],
    }
    case = ok(api(client, engine, "wang.fang", "POST", "/cases", json=body), 201)

    def mine(spec: str) -> dict[str, Any]:
        queue = ok(api(client, engine, "wang.fang", "GET", "/tasks?page_size=100"))["items"]
        return next(t for t in queue if t["case_id"] == case["id"] and t["spec_id"] == spec)

    intake = mine("Task_check_materials")
    ok(api(client, engine, "wang.fang", "POST", f"/tasks/{intake['id']}/claim"))
    decision = {"intake_decision": "accept"}
    ok(api(client, engine, "wang.fang", "POST", f"/tasks/{intake['id']}/complete", json=decision))
    review = mine("Task_first_review")
    ok(api(client, engine, "wang.fang", "POST", f"/tasks/{review['id']}/claim"))
    return review


def queue_of(client: FlaskClient, engine: Engine, user: str) -> dict[int, dict[str, Any]]:
    items = ok(api(client, engine, user, "GET", "/tasks?page_size=100"))["items"]
    return {t["id"]: t for t in items}


def test_an_absence_registered_on_the_page_moves_the_task_to_the_stand_in_and_back(
    console: Console, client: FlaskClient, engine: Engine
) -> None:
    task = window_task_claimed_by_wang_fang(client, engine)
    assert task["id"] not in queue_of(client, engine, "liu.yang")
    day = engine.clock.now().date().isoformat()

    desk = console.open("he.jun", "/admin/absences")
    desk.ready()
    page = desk.page
    page.fill("#person-q", "王芳")
    page.get_by_role("button", name="查找").click()
    expect(page.locator("#absence-user option[value='wang.fang']")).to_have_count(1)
    page.select_option("#absence-user", "wang.fang")
    expect(page.locator("#absence-from")).to_have_value(day)
    page.fill("#absence-reason", "外出培训")
    page.get_by_role("button", name="登记离岗").click()
    expect(page.locator("#absence-done")).to_contain_text("期间由刘洋办理其待办")
    row = page.locator("table.absences tbody tr", has_text="外出培训")
    expect(row.locator("td[data-label='状态']")).to_have_text("离岗中")
    expect(row.locator("td[data-label='接替办理']")).to_have_text("刘洋")
    expect(row.locator("td[data-label='来源']")).to_have_text("离岗登记")
    expect(row.locator("td[data-label='登记']")).to_contain_text("何军")
    # the organisation file's leave of 王芳 is listed too, but not ended here
    planned = page.locator("table.absences tbody tr", has_text="年休假")
    expect(planned.locator("td[data-label='来源']")).to_have_text("组织机构文件")
    expect(planned.get_by_role("button")).to_have_count(0)
    listed = ok(api(client, engine, "he.jun", "GET", "/absences"))
    expect(page.locator("table.absences tbody tr")).to_have_count(len(listed["items"]))

    covered = queue_of(client, engine, "liu.yang")[task["id"]]
    assert (covered["stand_in_for"], covered["claimed_by"]) == ("wang.fang", "wang.fang")
    assert desk.axe() == []
    desk.shoot("admin-absences")
    # 刘洋's 我的待办 shows 王芳's task as work he does while she is away
    stand_in = console.open("liu.yang", "/tasks")
    stand_in.ready()
    work = stand_in.page.locator(f"tr[data-task='{task['id']}']")
    expect(work.locator("td[data-label='认领']")).to_contain_text("王芳离岗期间代办")

    row.get_by_role("button", name="登记返岗：王芳").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.locator("#end-on")).to_have_value(day)
    dialog.get_by_role("button", name="确认返岗").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.locator("table.absences tbody tr", has_text="外出培训")).to_have_count(0)
    assert task["id"] not in queue_of(client, engine, "liu.yang")
    stand_in.page.reload()
    stand_in.ready()
    expect(stand_in.page.locator("#page-title")).to_have_text("我的待办")
    expect(stand_in.page.locator(".state.error")).to_have_count(0)  # the queue, read again
    expect(work).to_have_count(0)
    stand_in.close()
    page.get_by_label("包括已结束、已撤销的").check()
    gone = page.locator("table.absences tbody tr", has_text="外出培训")
    expect(gone.locator("td[data-label='状态']")).to_have_text("已撤销")
    desk.close()


def test_a_refused_absence_shows_each_error_beside_its_field(console: Console) -> None:
    desk = console.open("chen.jing", "/admin/absences")  # a township leader: 青丝乡's people
    desk.ready()
    page = desk.page
    expect(page.locator("#absence-user option[value='he.jun']")).to_have_count(0)
    page.select_option("#absence-user", "liu.yang")
    page.fill("#absence-from", "2026-09-25")
    page.fill("#absence-to", "2026-09-24")
    page.get_by_role("button", name="登记离岗").click()
    # the request's form first (a reason is required), then the period against the rules
    for field, text in (("reason", "必填"), ("to", "早于开始日期")):
        expect(page.locator("#absence-problem")).to_contain_text("有 1 处需要修改")
        control = page.locator(f"#absence-{field}")
        expect(control).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#absence-{field}-error")).to_contain_text(text)
        described = control.get_attribute("aria-describedby") or ""
        assert f"absence-{field}-error" in described.split()
        page.fill("#absence-reason", "病假")
        page.get_by_role("button", name="登记离岗").click()
    expect(page.locator("#absence-reason")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#absence-user")).not_to_have_attribute("aria-invalid", "true")
    desk.close()


# --------------------------------------------------------------------- 流程定义


def test_designer_sees_the_deployed_processes_and_searches_them(
    console: Console, client: FlaskClient, engine: Engine
) -> None:
    desk = console.open("lin.tao", "/designer")
    desk.ready()
    listed = api(client, engine, "lin.tao", "GET", "/definitions").get_json()
    rows = desk.page.locator("table.definitions tbody tr")
    expect(rows).to_have_count(len(listed["items"]))
    ids = desk.page.locator("table.definitions tbody td[data-label='流程 id']").all_inner_texts()
    assert ids == [d["process_id"] for d in listed["items"]]
    assert page_calls(desk) == ["GET /api/v1/definitions?page=1&page_size=20"]
    assert desk.axe() == []
    desk.shoot("designer-definitions")

    desk.page.fill("#definition-q", "高龄")
    desk.page.keyboard.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(PROXY_ITEM.process_id)
    desk.page.fill("#definition-q", "没有这个流程")
    desk.page.keyboard.press("Enter")
    expect(desk.page.locator(".state.empty")).to_contain_text("没有流程 id 或名称包含")
    desk.close()


def test_an_upload_with_a_lint_error_shows_it_at_its_line_and_deploys_nothing(
    console: Console, client: FlaskClient, engine: Engine
) -> None:
    before = [(v.process_id, v.version) for v in engine.definitions.versions()]
    broken = PROXY_SOURCE.replace(
        b'targetRef="Gateway_via_proxy"', b'targetRef="Gateway_missing"', 1
    )
    assert broken != PROXY_SOURCE
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if b"Gateway_missing" in text)
    name = f"{PROXY_ITEM.process_id}.bpmn"

    desk = console.open("lin.tao", "/designer")
    desk.ready()
    choose_files(desk, (name, broken))
    desk.page.get_by_role("button", name="校验（不部署）").click()
    lint = desk.page.locator(".lint")
    expect(lint).to_be_visible()
    # the API's own problems, each shown as PATH:LINE: ELEMENT_ID: message
    refused = api(
        client,
        engine,
        "lin.tao",
        "POST",
        "/definitions?dry_run=true",
        data={"files": [(io.BytesIO(broken), name)]},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    problems = refused.get_json()["problems"]
    shown = desk.page.locator(".lint-problems li").all_inner_texts()
    assert len(shown) == len(problems)
    assert sorted(" ".join(s.split()) for s in shown) == sorted(p["text"] for p in problems)
    assert f"{name}:{line}: Flow_Start_item_Gateway_via_proxy:" in lint.inner_text()
    expect(desk.page.locator(".lint-file h4")).to_contain_text(name)
    expect(desk.page.locator("#deploy-button")).to_be_disabled()
    assert [(v.process_id, v.version) for v in engine.definitions.versions()] == before
    assert desk.axe() == []
    desk.shoot("designer-upload-lint")
    desk.close()


def test_a_clean_file_is_checked_then_deployed_as_a_new_version(
    console: Console, engine: Engine
) -> None:
    process = PROXY_ITEM.process_id
    known = versions(engine, process)
    coming = known[-1] + 1

    desk = console.open("lin.tao", "/designer")
    desk.ready()
    deploy = desk.page.locator("#deploy-button")
    expect(deploy).to_be_disabled()  # nothing checked yet
    choose_files(desk, (f"{process}.bpmn", renamed("高龄津贴发放（新）")))
    desk.page.get_by_role("button", name="校验（不部署）").click()
    outcome = desk.page.locator("#upload-outcome")
    expect(outcome).to_contain_text("校验通过")
    expect(outcome).to_contain_text(f"{process}：将成为第 {coming} 版")
    assert versions(engine, process) == known  # a dry run deploys nothing
    expect(deploy).to_be_enabled()
    deploy.click()
    expect(outcome).to_contain_text(f"{process}：新版本 第 {coming} 版")
    assert versions(engine, process) == [*known, coming]
    record = engine.definitions.version(process, coming)
    assert record.deployed_by == "lin.tao" and record.name == "高龄津贴发放（新）"
    row = desk.page.locator("table.definitions tbody tr", has_text=process)
    expect(row.locator("td[data-label='最新版本']")).to_have_text(f"第 {coming} 版")
    expect(row.locator("td[data-label='版本数']")).to_have_text(str(len(known) + 1))
    desk.close()


def test_a_definitions_versions_and_its_diagram(
    console: Console, client: FlaskClient, engine: Engine
) -> None:
    process = PROXY_ITEM.process_id
    if len(versions(engine, process)) < 2:  # a second version to choose between
        files = {"files": [(io.BytesIO(renamed("高龄津贴发放（第二版）")), f"{process}.bpmn")]}
        deploy = api(client, engine, "lin.tao", "POST", "/definitions", data=files)
        ok(deploy, 201)
    known = engine.definitions.versions(process)
    desk = console.open("lin.tao", f"/designer/{process}")
    desk.ready()
    rows = desk.page.locator("table.versions tbody tr")
    expect(rows).to_have_count(len(known))
    shown = desk.page.locator("table.versions td[data-label='版本']").all_inner_texts()
    assert [t.split()[1] for t in shown] == [str(v.version) for v in reversed(known)]
    expect(rows.first.locator("td[data-label='名称']")).to_have_text(known[-1].name)
    frame = desk.page.frame_locator("iframe.bpmn-frame")
    expect(frame.locator("body[data-done='yes']")).to_have_count(1, timeout=20000)
    expect(frame.locator("#title")).to_have_text(f"流程图：{process} 第 {known[-1].version} 版")
    expect(frame.locator(".djs-container svg").first).to_be_visible()
    # the painted shapes are the process's own elements
    expect(frame.locator("g[data-element-id='Start_item']")).to_have_count(1)
    assert page_calls(desk) == [f"GET /api/v1/definitions/{process}"]
    assert desk.axe() == []
    desk.shoot("designer-definition")

    desk.page.get_by_role("button", name="查看第 1 版").click()
    expect(desk.page.get_by_role("button", name="查看第 1 版")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(desk.page.locator("iframe.bpmn-frame")).to_have_attribute(
        "src", f"/definitions/{process}/1/diagram"
    )
    expect(frame.locator("#title")).to_have_text(f"流程图：{process} 第 1 版")
    expect(frame.locator("body[data-done='yes']")).to_have_count(1, timeout=20000)
    with desk.page.expect_download() as download:
        desk.page.get_by_role("button", name="下载 BPMN 文件").click()
    assert download.value.suggested_filename == f"{process}.v1.bpmn"
    saved = Path(download.value.path()).read_bytes()
    assert saved == api(client, engine, "lin.tao", "GET", f"/definitions/{process}/1").data
    desk.close()

    page = client.get(f"/definitions/{process}/1/diagram")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    policy = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy and "script-src 'self'" in policy
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.get_data(as_text=True))
    page.close()
    assert sources and all(s.startswith("/viewer/assets/") for s in sources)
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200, source
        asset.close()
    assert client.get("/api/v1/definitions").headers["X-Frame-Options"] == "DENY"


def test_the_diagram_page_alone_asks_to_sign_in_or_takes_a_token(
    console: Console, engine: Engine
) -> None:
    process = WINDOW_ITEM.process_id
    desk = console.open()
    page = desk.page
    page.goto(f"{console.base}/definitions/{process}/1/diagram")
    expect(page.locator("#error")).to_contain_text("请先登录办事工作台")
    expect(page.locator("#error a")).to_have_attribute("href", "/")
    token = engine.identity.issue_token("wang.fang").token  # anyone signed in reads them
    page.goto("about:blank")  # a fresh load, as a new tab would be
    page.goto(f"{console.base}/definitions/{process}/1/diagram#token={token}")
    expect(page.locator("body[data-done='yes']")).to_have_count(1, timeout=20000)
    expect(page.locator("g[data-element-id='Start_item']")).to_have_count(1)
    assert "token" not in page.url  # the fragment is dropped from the address at once
    page.goto(f"{console.base}/definitions/{process}/99/diagram")
    expect(page.locator("#error")).to_contain_text("请返回流程列表重新选择")
    desk.close()


@pytest.mark.parametrize(
    ("user", "path"),
    [("he.jun", "/admin/people"), ("he.jun", "/admin/absences"), ("lin.tao", "/designer")],
)
def test_the_pages_fit_a_phone(console: Console, user: str, path: str) -> None:
    desk = console.open(user, path, viewport=PHONE)
    desk.ready()
    expect(desk.page.locator("table.list")).to_be_visible()
    width = desk.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    desk.shoot("phone" + path.replace("/", "-"), full_page=False)
    desk.close()
