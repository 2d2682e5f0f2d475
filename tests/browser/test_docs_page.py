"""The docs page (Swagger UI) renders in a real browser under its strict policy (issue 9:
the security headers must not break it; ``tests/api/test_headers.py`` checks them)."""

from __future__ import annotations

from pathlib import Path

from tests.support.browser import CHROMIUM, dump_dom, need


def test_docs_page_renders_under_its_policy(werkzeug_server: int, tmp_path: Path) -> None:
    need(CHROMIUM.exists(), "Chromium is not installed (apt-get install chromium)")
    done = dump_dom(f"http://127.0.0.1:{werkzeug_server}/api/docs", tmp_path / "profile", log=True)
    assert '<h2 class="title">daiban API' in done.stdout, done.stdout[-2000:]
    assert done.stdout.count('class="opblock-tag') >= 8  # the operations, by tag
    violations = [line for line in done.stderr.splitlines() if "Content Security Policy" in line]
    assert violations == []
