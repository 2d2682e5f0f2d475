"""``daiban tick`` and ``daiban worker --once`` make the day's scheduled pickup and
delivery runs (``engine.runs``; the runs themselves: tests/api/test_api_runs.py)."""

from __future__ import annotations

import pytest

from webapi.cli import main


def test_tick_and_the_worker_report_the_runs_they_made(
    capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    db = ["--database-url", database_url]
    assert main([*db, "tick"]) == 0
    assert "定期取送件批次 0 个" in capsys.readouterr().out  # nothing waits in a new database
    assert main([*db, "worker", "--once"]) == 0
    assert "定期取送件批次 0 个" in capsys.readouterr().out
