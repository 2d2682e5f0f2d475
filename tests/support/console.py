"""The web console in a real browser: Debian's Chromium (``/usr/bin/chromium``) driven by
Playwright's Python API with that executable — nothing downloads a browser.

A ``Console`` is the app on a real threaded server over one module's engine; ``open``
gives a ``Desk``: one person at one browser tab, signed in (a token put in the tab's
session store, as the sign-in page would) or not. Every desk records what the page did
wrong — a script error, a Content-Security-Policy violation, a console error — and
``close`` fails the test on any. ``shoot`` writes a screenshot (``docs/console/`` when
``DAIBAN_CONSOLE_SHOTS`` names it, else the test's temporary folder).
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engine import Engine, ManualClock
from tests.support.browser import CHROMIUM, need
from tests.support.paths import ROOT

SESSION_KEY = "daiban.console.session"
STAFF_PASSWORD = "daiban-staff"  # set by the tests (the demo password is for demo databases)
DESKTOP = {"width": 1366, "height": 768}  # the common counter PC
PHONE = {"width": 390, "height": 844}  # a village agent's phone
AXE = ROOT / "tools" / "console" / "node_modules" / "axe-core" / "axe.min.js"

# Collected in the page from the first script on: policy violations and script errors.
WATCH = """
window.__daibanProblems = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__daibanProblems.push('CSP ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '') + ':' + (e.lineNumber || ''));
});
"""


def shots_dir(fallback: Path) -> Path:
    chosen = os.environ.get("DAIBAN_CONSOLE_SHOTS")
    folder = (ROOT / chosen) if chosen else fallback
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright, headless, for the whole session."""
    need(CHROMIUM.exists(), "Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        need(False, "playwright is not installed (pip install -e '.[test]')")
        raise
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=zh-CN"],
        )
        try:
            yield browser
        finally:
            browser.close()


class Desk:
    """One person at one browser tab of the console."""

    def __init__(self, console: Console, context: Any, user: str | None) -> None:
        self.console, self.context, self.user = console, context, user
        self.page = context.new_page()
        self.problems: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        text = message.text
        # A 4xx answer the page handles (a refusal, a validation error) is logged by the
        # browser as a failed load; the page's own handling is what the tests check.
        if "Failed to load resource" in text:
            return
        self.problems.append(f"console error: {text}")

    @property
    def base(self) -> str:
        return self.console.base

    def go(self, path: str, *, wait: str = "#page-title") -> None:
        """Open a console address (``/tasks``) and wait for its page heading."""
        self.page.goto(f"{self.base}/#{path}")
        if wait:
            self.page.wait_for_selector(wait)

    def ready(self, timeout: float = 30000) -> None:
        """Wait until nothing is loading (no ``.state.loading`` left on the page): a
        locator that waits, so no script is evaluated that the page's policy would refuse."""
        from playwright.sync_api import expect

        expect(self.page.locator(".state.loading")).to_have_count(0, timeout=timeout)

    def api_calls(self) -> list[str]:
        calls: list[str] = self.page.evaluate("window.daibanApiCalls || []")
        return calls

    def reset_calls(self) -> None:
        self.page.evaluate("window.daibanApiCalls = []")

    def shoot(self, name: str, *, full_page: bool = True) -> Path:
        path = self.console.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def violations(self) -> list[str]:
        found: list[str] = self.page.evaluate("window.__daibanProblems || []")
        return found

    def axe(self, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
        """axe-core's violations of the page at the given impacts (the script is run
        through the browser's debugging protocol, which the page's policy does not
        govern, so the page itself keeps its strict policy)."""
        need(AXE.exists(), "run: npm ci --prefix tools/console")
        self.page.evaluate(AXE.read_text(encoding="utf-8"))
        result: dict[str, Any] = self.page.evaluate(
            "axe.run(document, {resultTypes: ['violations']})"
        )
        return [v for v in result["violations"] if v.get("impact") in impacts]

    def close(self) -> None:
        problems = [*self.problems, *self._safe_violations()]
        self.context.close()
        assert not problems, "the page misbehaved:\n" + "\n".join(problems)

    def _safe_violations(self) -> list[str]:
        try:
            return [f"policy violation: {v}" for v in self.violations()]
        except Exception:  # the page may be gone (navigated away, closed)
            return []


class Console:
    """The app on a real server over one engine, and the browser the desks open in."""

    def __init__(
        self, base: str, engine: Engine, clock: ManualClock, browser: Any, shots: Path
    ) -> None:
        self.base, self.engine, self.clock, self.browser, self.shots = (
            base,
            engine,
            clock,
            browser,
            shots,
        )
        self._passwords: set[str] = set()

    def password(self, user: str) -> str:
        """Give ``user`` a password (once), for a sign-in through the page."""
        if user not in self._passwords:
            self.engine.identity.set_password(user, STAFF_PASSWORD)
            self._passwords.add(user)
        return STAFF_PASSWORD

    def session_of(self, user: str) -> dict[str, Any]:
        """What the sign-in page keeps for ``user``: a fresh token and the user."""
        issued = self.engine.identity.issue_token(user)
        request = urllib.request.Request(
            f"{self.base}/api/v1/auth/me", headers={"Authorization": f"Bearer {issued.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            me = json.load(response)
        return {"token": issued.token, "expires_at": issued.expires_at.isoformat(), "user": me}

    def open(
        self,
        user: str | None = None,
        path: str | None = None,
        *,
        viewport: dict[str, int] | None = None,
        scale: float = 1,
    ) -> Desk:
        """A new tab (its own browser context: own session store) for ``user``, signed
        in already; ``None``: at the sign-in page. ``path``: open it and wait."""
        context = self.browser.new_context(
            viewport=viewport or DESKTOP,
            device_scale_factor=scale,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.add_init_script(WATCH)
        if user is not None:
            stored = json.dumps(json.dumps(self.session_of(user)))
            context.add_init_script(
                f"if (!sessionStorage.getItem('{SESSION_KEY}') && !sessionStorage.getItem('signed-in-once'))"
                f" {{ sessionStorage.setItem('{SESSION_KEY}', {stored});"
                " sessionStorage.setItem('signed-in-once', '1'); }"
            )
        desk = Desk(self, context, user)
        desk.page.clock.set_fixed_time(self.clock.now())
        if path is not None:
            desk.go(path)
        return desk

    def sign_in(self, desk: Desk, user: str, password: str | None = None) -> None:
        """Sign in through the page's form, as a person would."""
        page = desk.page
        page.fill("#login-user", user)
        page.fill("#login-password", password if password is not None else self.password(user))
        page.click("button[type=submit]")


@contextmanager
def timed() -> Iterator[list[float]]:
    """Seconds the block took, in a list the block can read afterwards."""
    holder: list[float] = []
    start = time.perf_counter()
    try:
        yield holder
    finally:
        holder.append(time.perf_counter() - start)


__all__ = ["DESKTOP", "PHONE", "Console", "Desk", "chromium", "shots_dir", "timed"]
