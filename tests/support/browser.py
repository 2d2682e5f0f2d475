"""Headless Chromium and the Node tools (bpmn-js, bpmnlint, bpmn-auto-layout)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import ROOT

CHROMIUM = Path("/usr/bin/chromium")  # Debian's; nothing downloads a browser
TOOLS = ROOT / "tools" / "layout"
MODULES = TOOLS / "node_modules"
IN_CI = os.environ.get("CI") == "true"


def need(condition: bool, reason: str) -> None:
    """Skip without the tool locally; in CI a missing tool is a failure, never a skip."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: .ci/run must install it)")
    pytest.skip(reason)


def dump_dom(
    url: str, profile: Path, *, budget_ms: int = 20000, timeout: int = 180, log: bool = False
) -> subprocess.CompletedProcess[str]:
    """Load ``url`` in headless Chromium (no network but the page's own, a fresh profile)
    and return the finished page's DOM on stdout; ``log``: the console on stderr."""
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        *(["--enable-logging=stderr", "--v=0"] if log else []),
        f"--virtual-time-budget={budget_ms}",
        "--dump-dom",
        url,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
