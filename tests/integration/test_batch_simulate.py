"""``daiban simulate`` of the payout lists (LY004, LY005, NL007) shows the list's path:
the village's lines, the review, the notice with an objection and its correction, the
notice again for its full period, the county's approval, the 一卡通 results, the
published list, and the totals the engine computed."""

from __future__ import annotations

import pytest

from tests.integration.test_cli import run


@pytest.mark.parametrize("code", ["NL007", "LY004", "LY005"])
def test_simulate_shows_the_batch_path(capsys: pytest.CaptureFixture[str], code: str) -> None:
    status, out, _ = run(capsys, "simulate", code)
    assert status == 0, out
    path = [line.split()[3] for line in out.splitlines() if line.startswith("  2026-")]
    assert path == [
        "清册添加名单", "Task_batch_compile", "Task_batch_review", "Task_batch_post_notice",
        "batch_objection", "更正有异议的第", "Task_batch_review", "Task_batch_post_notice",
        "tick", "Task_batch_approval", "登记一卡通发放结果：成功", "Task_batch_payment",
        "Task_batch_publish",
    ]  # fmt: skip
    # posted 2026-09-24: 7 calendar days end 10-01, in the National Day holiday, so the
    # notice runs to the end of 10-08, the first working day after it
    assert "2026-10-09 00:01  timer" in out
    # 3.20 + 1.50 (corrected from 1.55) + 4.00 = 8.70 亩 at 105.50 元/亩:
    # 337.60 + 158.25 + 422.00 = 917.85 元; paid lines 1 and 2: 495.85 元
    assert "清册合计：3 户，8.70 亩，917.85 元；已发放 2 户 495.85 元，失败 1 户 422.00 元" in out
