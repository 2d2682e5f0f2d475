"""Excluded periods (不计入办理时限的期间): time the law does not count in a limit.

A public notice (公示), waiting for supplemented materials (补正), a hearing (听证), testing
(检验检测), expert review (专家评审) or an appraisal (鉴定评估) stops the clock of an
item that lists the period in its catalogue ``limits.excluded`` (《行政许可法》第四十五条;
《社会救助暂行办法》and the 低保 rules for the notice). A shared activity marks the period
with two script calls, each at a well-defined moment of the workflow, so that replay
computes the same dates on any day (the clock a script reads is the event's):

- ``limit_pause = pause_limit(reason, until, limit_pause)`` where the period starts (the
  notice published, the supplement notice handed out); ``until`` is its planned last day
  (a notice's) or None, and an open pause of the same reason keeps its first day (a
  notice published again after an objection that was not upheld);
- ``limit_period = resume_limit(limit_pause, due_on, item)`` followed by
  ``due_on = limit_period["due_after"]`` and ``limit_pause = None`` where it ends.

The period's excluded days are the days after its first day up to and including its last
(the first day not counted, as for any limit: 期间开始之日不计入); its last day is the
day it ended, or its planned ``until`` if that came first (a notice's timer fires at the
midnight after its last day). For a limit in working days only the working days inside
the period are excluded — a 7-calendar-day notice across the National Day holiday
excludes the few working days it covered, not 7; for a limit in calendar days, its
calendar days. The engine (``engine.cases.changes``) records the move as a
``due_date_extended`` event and moves the step limits of the tasks open during it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from engine.calendar import WorkingCalendar
from engine.clock import SHANGHAI

# The periods an item may exclude (catalogue ``limits.excluded``); Chinese names in
# engine/labels.py EXCLUDED_PERIODS.
REASONS = (
    "public_notice",
    "supplement",
    "hearing",
    "testing",
    "expert_review",
    "assessment",
)
# The period that ended last, with its effect: what the engine reads (``ended``).
PERIOD_VARIABLE = "limit_period"


def pause(reason: str, since: date, until: date | None, current: Any) -> dict[str, Any]:
    """The open period ``reason`` from ``since`` (planned to end on ``until``); an open
    pause of the same reason keeps its first day."""
    if reason not in REASONS:
        raise ValueError(f"unknown excluded period {reason!r}")
    first = since
    if isinstance(current, Mapping) and current.get("reason") == reason:
        first = min(since, date.fromisoformat(str(current["since"])))
    return {
        "reason": reason,
        "since": first.isoformat(),
        "until": until.isoformat() if until is not None else None,
    }


def resume(
    current: Any,
    due_on: Any,
    item: Any,
    today: date,
    calendar: WorkingCalendar | None = None,
) -> dict[str, Any] | None:
    """The period ``current`` ended ``today``: its days and the due date
    moved by them when the item excludes it (``applies``). None without an open pause."""
    if not isinstance(current, Mapping) or current.get("reason") not in REASONS:
        return None
    calendar = calendar or WorkingCalendar.default()
    reason = str(current["reason"])
    first = date.fromisoformat(str(current["since"]))
    last = today
    if current.get("until"):
        last = min(last, date.fromisoformat(str(current["until"])))
    last = max(last, first)
    excluded = item.get("excluded") if isinstance(item, Mapping) else None
    applies = isinstance(excluded, list) and reason in excluded
    unit = item.get("limit_unit") if isinstance(item, Mapping) else None
    due = _date_or_none(due_on)
    days = (
        (last - first).days
        if unit == "calendar_days"
        else calendar.working_days_between(first, last)
    )
    after = due
    if applies and due is not None and days:
        after = extend(due, days, unit, calendar)
    return {
        "reason": reason,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "days": days,
        "unit": "calendar_days" if unit == "calendar_days" else "working_days",
        "applies": applies,
        "due_before": due.isoformat() if due is not None else None,
        "due_after": after.isoformat() if after is not None else due_on,
    }


def extend(due: date, days: int, unit: Any, calendar: WorkingCalendar) -> date:
    """``due`` moved by ``days`` excluded days of the limit's unit."""
    if unit == "calendar_days":
        return calendar.add_calendar_days(due, days).date
    return calendar.add_working_days(due, days).date


def ended(
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The period an event ended, if the item excludes it: a ``limit_period`` in the
    case data after the event (``after``: the data where the process stands) that was
    not there before it."""
    seen = [data.get(PERIOD_VARIABLE) for data in before]
    for data in after:
        period = data.get(PERIOD_VARIABLE)
        if isinstance(period, Mapping) and period.get("applies") and period not in seen:
            return period
    return None


def step_extension(
    period: Mapping[str, Any],
    ready_at: datetime,
    due_at: datetime,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """A step limit (due at ``due_at``, ready since ``ready_at``) moved by the working
    days of ``period`` while the step was open; unchanged for a period before it."""
    calendar = calendar or WorkingCalendar.default()
    first = max(date.fromisoformat(str(period["from"])), ready_at.astimezone(SHANGHAI).date())
    last = date.fromisoformat(str(period["to"]))
    days = calendar.working_days_between(first, last)
    if days <= 0:
        return due_at
    last_day = (due_at - timedelta(microseconds=1)).astimezone(SHANGHAI).date()
    moved = calendar.add_working_days(last_day, days).date
    return datetime.combine(moved + timedelta(days=1), datetime.min.time(), SHANGHAI)


def extension_payload(
    period: Mapping[str, Any], old: date | None, new: date | None
) -> dict[str, Any]:
    """What a ``due_date_extended`` event records (no due dates: only steps moved)."""
    return {
        "period": period["reason"],
        "period_from": period["from"],
        "period_to": period["to"],
        "excluded_days": period["days"],
        "limit_unit": period["unit"],
        "old_due_date": old.isoformat() if old is not None else None,
        "new_due_date": new.isoformat() if new is not None else None,
    }


def _date_or_none(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


# The case's limit met (办案期限届满前作出决定): a process that promises a decision, not a
# delivered result, marks the moment its limit no longer runs — an enforcement case once
# the decision is made (《行政处罚法》第六十条) or the case ends without one. The script
# ``limit_met = meet_limit(reason)`` sets it (``engine.scripting.helpers``); the
# engine (``engine.cases.changes``) records a ``limit_met`` event and the case row's
# ``limit_met_at``. From then on no case-level warning is raised, the tasks without a step
# limit of their own have no due time, and the figures count the case done (办结) on
# time or late by that day.
MET_VARIABLE = "limit_met"
# Why the limit was met (Chinese names in engine/labels.py LIMIT_MET_REASONS).
MET_REASONS = ("decided", "not_penalised", "not_established")


def meet(reason: str, today: date) -> dict[str, Any]:
    """The limit met ``today`` for ``reason``."""
    if reason not in MET_REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    return {"reason": reason, "on": today.isoformat()}


def met(frontier: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The limit met where the process stands (the case data and its ready tasks'), if
    any: what ``meet`` returned."""
    for data in frontier:
        value = data.get(MET_VARIABLE)
        if isinstance(value, Mapping) and value.get("reason") in MET_REASONS:
            return value
    return None


def met_payload(mark: Mapping[str, Any], due: date | None) -> dict[str, Any]:
    """What a ``limit_met`` event records: why (``met_by``), the day, the case's due date
    then and whether the day was within it (None without a due date)."""
    day = date.fromisoformat(str(mark["on"]))
    return {
        "met_by": mark["reason"],
        "met_on": day.isoformat(),
        "due_date": due.isoformat() if due is not None else None,
        "in_time": None if due is None else day <= due,
    }
