"""Excluded periods (engine/periods.py): which days a period excludes and what moves.

2026 calendar (the holidays package): 中秋 Fri 09-25 to Sun 09-27 off; National Day Thu 10-01
to Wed 10-07 off; Sat 10-10 a working day (调休上班).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from engine import periods
from engine.clock import SHANGHAI, ManualClock, using_clock
from engine.scripting.helpers import HELPERS
from engine.steps import end_of

WORKING = {"limit_unit": "working_days", "excluded": ["public_notice"]}


def notice(since: str, until: str | None = None) -> dict[str, object]:
    return periods.pause("public_notice", date.fromisoformat(since), _day(until), None)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def test_a_notice_across_national_day_excludes_the_working_days_inside_it() -> None:
    # From 09-24 (not counted) to its planned last day 10-08, ended by its timer on 10-09:
    # 09-28, 09-29, 09-30, 10-08 = 4 working days; 2026-11-05 + 4 → 11-11.
    period = periods.resume(
        notice("2026-09-24", "2026-10-08"), "2026-11-05", WORKING, date(2026, 10, 9)
    )
    assert period == {
        "reason": "public_notice",
        "from": "2026-09-24",
        "to": "2026-10-08",
        "days": 4,
        "unit": "working_days",
        "applies": True,
        "due_before": "2026-11-05",
        "due_after": "2026-11-11",
    }


def test_a_calendar_day_limit_moves_by_calendar_days() -> None:
    # 09-24 → 10-08 is 14 calendar days; 2026-10-20 + 14 = 11-03 (a Tuesday, working).
    item = {"limit_unit": "calendar_days", "excluded": ["public_notice"]}
    period = periods.resume(
        notice("2026-09-24", "2026-10-08"), "2026-10-20", item, date(2026, 10, 9)
    )
    assert period is not None
    assert (period["days"], period["due_after"]) == (14, "2026-11-03")
    # 2026-09-17 + 14 = 10-01, a holiday: moved to the first working day after, 10-08.
    period = periods.resume(
        notice("2026-09-24", "2026-10-08"), "2026-09-17", item, date(2026, 10, 9)
    )
    assert period is not None and period["due_after"] == "2026-10-08"


def test_a_period_the_item_does_not_exclude_is_counted_but_moves_nothing() -> None:
    item = {"limit_unit": "working_days", "excluded": ["hearing"]}
    period = periods.resume(notice("2026-09-24"), "2026-11-05", item, date(2026, 9, 30))
    assert period is not None
    assert (period["days"], period["applies"], period["due_after"]) == (3, False, "2026-11-05")
    assert periods.resume(None, "2026-11-05", WORKING, date(2026, 9, 30)) is None


def test_a_notice_published_again_keeps_its_first_day() -> None:
    first = notice("2026-09-24", "2026-10-08")
    again = periods.pause("public_notice", date(2026, 9, 29), date(2026, 10, 9), first)
    assert again == {"reason": "public_notice", "since": "2026-09-24", "until": "2026-10-09"}
    other = periods.pause("supplement", date(2026, 9, 29), None, first)
    assert other["since"] == "2026-09-29"
    with pytest.raises(ValueError):
        periods.pause("holiday", date(2026, 9, 29), None, None)


@pytest.mark.parametrize(
    ("ready", "expected"),
    [
        # open before the notice: its 4 working days move the step from 10-12 to 10-16
        ("2026-09-22", date(2026, 10, 16)),
        # ready on 09-29 during the notice: only 09-30 and 10-08 count → 10-14
        ("2026-09-29", date(2026, 10, 14)),
        # ready after the notice (10-09): the period was outside it, nothing moves
        ("2026-10-09", date(2026, 10, 12)),
    ],
)
def test_a_step_moves_by_the_part_of_the_period_it_was_open(ready: str, expected: date) -> None:
    period = {"from": "2026-09-24", "to": "2026-10-08"}
    ready_at = datetime.fromisoformat(f"{ready}T10:00").replace(tzinfo=SHANGHAI)
    assert periods.step_extension(period, ready_at, end_of(date(2026, 10, 12))) == end_of(expected)


def test_the_script_helpers_read_the_engine_clock() -> None:
    with using_clock(ManualClock(datetime(2026, 9, 24, 10, tzinfo=SHANGHAI))):
        pause = HELPERS["pause_limit"]("public_notice", "2026-10-08", None)
    with using_clock(ManualClock(datetime(2026, 10, 9, 0, 1, tzinfo=SHANGHAI))):
        period = HELPERS["resume_limit"](pause, "2026-11-05", WORKING)
    assert period["due_after"] == "2026-11-11"
