"""Deterministic helper functions available to BPMN scripts, conditions and timers.

They read time only from the engine's current clock and working days only from the
holiday calendar, so a case replayed another day computes the same values. Dates are
ISO strings (``"2026-10-09"``) so task data stays plain JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from engine import periods
from engine.calendar import WorkingCalendar
from engine.clock import SHANGHAI, current_clock
from engine.errors import ScriptError


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ScriptError(f"不是有效的日期：{value!r}") from None


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3660:
        raise ScriptError(f"天数应为 0 到 3660 之间的整数：{value!r}")
    return value


def today() -> str:
    """Today in Asia/Shanghai, per the engine clock."""
    return current_clock().now().astimezone(SHANGHAI).date().isoformat()


def now() -> str:
    """The current instant (UTC, ISO 8601), per the engine clock."""
    return current_clock().now().isoformat()


def working_days_after(start: Any, days: Any) -> str:
    """The date ``days`` working days after ``start`` (the start day is not counted)."""
    return WorkingCalendar.default().add_working_days(_as_date(start), _days(days)).date.isoformat()


def calendar_days_after(start: Any, days: Any) -> str:
    """``days`` calendar days after ``start``, moved past a final holiday."""
    return (
        WorkingCalendar.default().add_calendar_days(_as_date(start), _days(days)).date.isoformat()
    )


def months_after(start: Any, months: Any) -> str:
    """``months`` months after ``start``: the same day of the month (the month's last day
    when it has none, 《民法典》第二百零二条), moved past a final holiday."""
    day, count = _as_date(start), _days(months)
    index = day.month - 1 + count
    year, month = day.year + index // 12, index % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    target = date(year, month, min(day.day, last))
    return WorkingCalendar.default().add_calendar_days(target, 0).date.isoformat()


def working_days_between(start: Any, end: Any) -> int:
    """Working days after ``start`` up to and including ``end``."""
    return WorkingCalendar.default().working_days_between(_as_date(start), _as_date(end))


def _end_of(day: date) -> str:
    """The instant a period ending on ``day`` has run out: midnight after it, Shanghai time."""
    return datetime.combine(day + timedelta(days=1), time(0), SHANGHAI).isoformat()


def end_of_day(day: Any) -> str:
    """Timer helper: the instant ``day`` (a date) has fully passed, Shanghai time."""
    return _end_of(_as_date(day))


def deadline_working_days(days: Any) -> str:
    """Timer helper: the instant ``days`` working days from today have fully passed."""
    return _end_of(_as_date(working_days_after(today(), days)))


def deadline_calendar_days(days: Any) -> str:
    """Timer helper: the instant ``days`` calendar days from today have fully passed."""
    return _end_of(_as_date(calendar_days_after(today(), days)))


def pause_limit(reason: Any, until: Any, current: Any) -> dict[str, Any]:
    """An excluded period (``engine.periods``) starts today: ``limit_pause = pause_limit(
    "public_notice", notice_until, limit_pause)``; ``until`` its planned last day or None."""
    if reason not in periods.REASONS:
        raise ScriptError(f"不是可扣除的期间：{reason!r}")
    last = None if until is None else _as_date(until)
    return periods.pause(str(reason), _as_date(today()), last, current)


def resume_limit(current: Any, due_on: Any, item: Any) -> dict[str, Any] | None:
    """The excluded period ``current`` ends today: its days and the moved ``due_on``
    (``engine.periods``); None if no period was open."""
    return periods.resume(current, due_on, item, _as_date(today()))


def meet_limit(reason: Any) -> dict[str, Any]:
    """The case's limit is met today (``engine.periods``): ``limit_met = meet_limit(
    "decided")`` where an enforcement case's decision is made."""
    if reason not in periods.MET_REASONS:
        raise ScriptError(f"不是办案期限的届满事由：{reason!r}")
    return periods.meet(str(reason), _as_date(today()))


HELPERS: dict[str, Callable[..., Any]] = {
    "today": today,
    "now": now,
    "working_days_after": working_days_after,
    "calendar_days_after": calendar_days_after,
    "months_after": months_after,
    "working_days_between": working_days_between,
    "deadline_working_days": deadline_working_days,
    "end_of_day": end_of_day,
    "deadline_calendar_days": deadline_calendar_days,
    "pause_limit": pause_limit,
    "resume_limit": resume_limit,
    "meet_limit": meet_limit,
}
HELPER_NAMES = frozenset(HELPERS)
