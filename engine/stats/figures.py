"""The values of a supervision report: the period, the counts of one group (``Figures``)
with the rates and averages derived from them, the groups and the report.

Every figure is defined in ``docs/supervision.md``; a rate is a share of the cases counted
by one of the counts, None when that count is zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from typing import Any

from engine import labels
from engine.clock import SHANGHAI
from engine.steps import end_of

RATING_LEVELS = tuple(labels.RATING_LEVELS)  # best first


@dataclass(frozen=True)
class Period:
    """Beijing dates, both inclusive."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), SHANGHAI)

    @property
    def end(self) -> datetime:
        return end_of(self.last)


@dataclass
class Figures:
    """The counts of one group; rates and averages are derived (``as_dict``)."""

    registered: int = 0
    proxy_cases: int = 0
    accepted: int = 0
    on_the_spot: int = 0
    returned: int = 0
    intake_concluded: int = 0
    first_time_right: int = 0
    supplemented: int = 0
    completed: int = 0
    completed_with_due_date: int = 0
    on_time: int = 0
    early: int = 0
    overdue_completed: int = 0
    overdue_open: int = 0
    handling_days: int = 0  # sum over completed cases that were accepted
    handling_cases: int = 0
    steps_done: int = 0
    step_overdue_done: int = 0
    step_overdue_open: int = 0
    handed_over: int = 0
    handover_on_time: int = 0
    village_holding_days: int = 0
    yellow_warnings: int = 0
    red_warnings: int = 0
    ratings: int = 0
    ratings_by_level: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(RATING_LEVELS, 0)
    )
    satisfied: int = 0
    bad_ratings: int = 0
    rectified: int = 0
    rectified_on_time: int = 0
    entered_ratings: int = 0  # entered by staff from paper or the pad: apart, not genuine
    appeal_upheld_ratings: int = 0  # genuine, but the appeal was upheld: apart
    ledger_recorded: int | None = None
    ledger_resolved: int | None = None

    def add(self, other: Figures) -> None:
        for name in _NAMES:
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, dict):
                for key, value in theirs.items():
                    mine[key] = mine.get(key, 0) + value
            elif theirs is not None:
                setattr(self, name, (mine or 0) + theirs)

    def as_dict(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in _NAMES}
        values["ratings_by_level"] = dict(self.ratings_by_level)
        overdue = self.overdue_completed + self.overdue_open
        values.update(
            overdue=overdue,
            on_time_rate=_rate(self.on_time, self.completed_with_due_date),
            early_rate=_rate(self.early, self.completed_with_due_date),
            overdue_rate=_rate(overdue, self.completed_with_due_date + self.overdue_open),
            avg_handling_days=_mean(self.handling_days, self.handling_cases),
            on_the_spot_share=_rate(self.on_the_spot, self.accepted),
            first_time_right_rate=_rate(self.first_time_right, self.intake_concluded),
            supplement_rate=_rate(self.supplemented, self.intake_concluded),
            return_rate=_rate(self.returned, self.accepted),
            step_overdue=self.step_overdue_done + self.step_overdue_open,
            handover_on_time_rate=_rate(self.handover_on_time, self.handed_over),
            avg_village_holding_days=_mean(self.village_holding_days, self.handed_over),
            satisfaction_rate=_rate(self.satisfied, self.ratings),
            rectification_rate=_rate(self.rectified, self.bad_ratings),
            ledger_resolution_rate=(
                _rate(self.ledger_resolved, self.ledger_recorded)
                if self.ledger_recorded is not None and self.ledger_resolved is not None
                else None
            ),
        )
        return values


_NAMES = tuple(spec.name for spec in fields(Figures))


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(total: int, count: int) -> float | None:
    return round(total / count, 2) if count else None


@dataclass(frozen=True)
class Group:
    unit: str | None  # the group's code: region code, item code or department code
    name: str
    figures: Figures


@dataclass(frozen=True)
class Report:
    period: Period
    group_by: str
    as_of: datetime  # the end of the period, or now if that is still to come
    groups: list[Group]
    total: Figures
    warning_share: float  # the share of a limit used that raises a yellow warning
