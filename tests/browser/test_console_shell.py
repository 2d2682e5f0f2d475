"""The console's frame in a real browser: sign-in, the menu of the person's roles,
sign-out, an expired session and a locked account, each visible; an unknown address;
the phone layout; no policy violation anywhere (``Desk.close``)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import timedelta

import pytest

from engine import ManualClock
from tests.support.console import PHONE, Console
from tests.support.module_fixtures import module_engine
from tests.support.walks import WALKED

clock, engine = module_engine(WALKED)

MENUS = {
    "tan.xiaoyan": ["我的待办", "办件登记", "办件查询", "问题台账", "修改密码"],
    "wang.fang": ["我的待办", "办件登记", "办件查询", "定期取送件", "问题台账", "修改密码"],
    "chen.jing": [
        "我的待办",
        "办件查询",
        "定期取送件",
        "领导审批",
        "效能监督",
        "问题台账",
        "离岗登记",
        "修改密码",
    ],
    "sun.hong": ["办件查询", "定期取送件", "效能监督", "问题台账", "数据导出", "修改密码"],
    "he.jun": ["人员与岗位", "离岗登记", "通知发送", "修改密码"],
    "lin.tao": ["流程定义", "修改密码"],
}


def _status(base: str, token: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_sign_in_through_the_form_and_out_again(console: Console) -> None:
    desk = console.open()
    desk.go("/account", wait="#login-user")
    assert desk.page.title() == "登录 · 办事工作台"
    desk.shoot("login")
    console.sign_in(desk, "wang.fang")
    desk.page.wait_for_selector("#page-title")
    # Signed in at the address asked for, with the person's name, unit and post shown.
    assert desk.page.url.endswith("#/account")
    assert desk.page.inner_text("#page-title") == "修改密码"
    who = desk.page.inner_text(".who")
    assert "王芳" in who and "青丝乡" in who and "窗口" in who
    stored = json.loads(
        desk.page.evaluate("sessionStorage.getItem('daiban.console.session')") or "{}"
    )
    token = stored["token"]
    assert _status(console.base, token) == 200
    # Only this tab holds the session: another tab (context) starts at the sign-in page.
    other = console.open()
    other.go("/tasks", wait="#login-user")
    other.close()

    desk.page.click("button.signout")
    desk.page.wait_for_selector("#login-user")
    assert "您已退出登录" in desk.page.inner_text(".login")
    assert desk.page.evaluate("sessionStorage.getItem('daiban.console.session')") is None
    assert _status(console.base, token) == 401  # the token was revoked, not just forgotten
    desk.close()


@pytest.mark.parametrize("user", sorted(MENUS))
def test_the_menu_holds_what_the_persons_roles_use(console: Console, user: str) -> None:
    desk = console.open(user, "/account")
    assert desk.page.locator("#menu a").all_inner_texts() == MENUS[user]
    # The first entry is the person's start page: the bare address leads there.
    desk.page.goto(console.base + "/")
    desk.page.wait_for_function("() => location.hash.length > 2")
    first = desk.page.locator("#menu a").first.get_attribute("href")
    assert desk.page.evaluate("location.hash") == first
    desk.close()


def test_an_expired_session_says_so_and_asks_to_sign_in_again(
    console: Console, clock: ManualClock
) -> None:
    desk = console.open("liu.yang", "/account")
    # The tab's own check of its session is answered before the clock moves.
    desk.page.wait_for_load_state("networkidle")
    before = clock.now()
    clock.set(before + timedelta(hours=13))  # a login lasts 12 hours
    try:
        # The next morning the clerk comes back to the open tab: it checks its session.
        desk.page.reload()
        desk.page.wait_for_selector("#login-user")
        assert "登录已过期，请重新登录" in desk.page.inner_text(".login")
        desk.shoot("login-expired")
    finally:
        clock.set(before)
    desk.close()


def test_a_locked_account_is_told_it_is_locked(console: Console) -> None:
    desk = console.open()
    desk.go("/tasks", wait="#login-user")
    console.password("he.ping")
    answers = []
    for _ in range(5):
        with desk.page.expect_response("**/api/v1/auth/login") as answer:
            console.sign_in(desk, "he.ping", "not-the-password")
        answers.append(answer.value.status)
        desk.page.wait_for_selector("button[type=submit]:not([disabled])")
        if answers[-1] == 401:
            assert "用户名或密码不正确" in desk.page.inner_text("#login-error")
    assert answers[:4] == [401] * 4
    # The next try, even with the right password, meets the lock, and says for how long.
    with desk.page.expect_response("**/api/v1/auth/login") as answer:
        console.sign_in(desk, "he.ping")
    assert answer.value.status == 429
    desk.page.wait_for_selector("#login-error >> text=账号已暂时锁定")
    assert "15 分钟" in desk.page.inner_text("#login-error")
    desk.shoot("login-locked")
    desk.close()


def test_an_unknown_address_says_so(console: Console) -> None:
    desk = console.open("wang.fang", "/no/such/page")
    assert desk.page.inner_text("#page-title") == "找不到这个页面"
    desk.close()


def test_on_a_phone_the_menu_folds_behind_a_button(console: Console) -> None:
    desk = console.open("tan.xiaoyan", "/account", viewport=PHONE)
    menu = desk.page.locator("#menu")
    assert not menu.is_visible()
    desk.page.click("button.menu-toggle")
    assert menu.is_visible()
    assert desk.page.get_attribute("button.menu-toggle", "aria-expanded") == "true"
    desk.shoot("shell-phone-menu", full_page=False)
    # Nothing wider than the screen: no sideways scrolling at 390 px.
    assert desk.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    desk.close()


def test_the_account_page_changes_the_password_and_reports_errors_beside_fields(
    console: Console,
) -> None:
    desk = console.open()
    desk.go("/account", wait="#login-user")
    console.sign_in(desk, "deng.hui")
    desk.page.wait_for_selector("#old-password")
    desk.page.fill("#old-password", "wrong-password")
    desk.page.fill("#new-password", "qu-county-2026")
    desk.page.fill("#repeat-password", "qu-county-2026")
    desk.page.click("button[type=submit]")
    desk.page.wait_for_selector("#old-password-error")
    assert desk.page.get_attribute("#old-password", "aria-invalid") == "true"
    desk.page.fill("#old-password", console.password("deng.hui"))
    desk.page.click("button[type=submit]")
    desk.page.wait_for_selector(".notice.ok")
    # The new password signs in; the old one no longer does.
    identity = console.engine.identity
    assert identity.login("deng.hui", "qu-county-2026").token
    console._passwords.discard("deng.hui")
    desk.close()


def test_the_sign_in_page_and_the_frame_have_no_serious_accessibility_faults(
    console: Console,
) -> None:
    desk = console.open()
    desk.go("/account", wait="#login-user")
    assert desk.axe() == []
    desk.close()
    desk = console.open("wang.fang", "/account")
    assert desk.axe() == []
    desk.close()


ZOOMED = {"width": 1093, "height": 614}  # the 1366x768 counter PC at 125% zoom


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("wang.fang", "/tasks"),
        ("wang.fang", "/register"),
        ("wang.fang", "/cases"),
        ("chen.jing", "/leader"),
        ("sun.hong", "/dashboard"),
        ("sun.hong", "/ledger"),
        ("he.jun", "/admin/people"),
        ("lin.tao", "/designer"),
    ],
)
def test_at_125_percent_zoom_no_page_scrolls_sideways(
    console: Console, user: str, path: str
) -> None:
    desk = console.open(user, path, viewport=ZOOMED, scale=1.25)
    desk.ready()
    width = desk.page.evaluate("document.documentElement.scrollWidth")
    assert width <= ZOOMED["width"], (path, width)
    if path == "/tasks":
        desk.shoot("shell-zoom-125-tasks", full_page=False)
    desk.close()
