"""Counting the cases: what each case contributes to its group's ``Figures``, gathered
from its row, the task index (the tasks whose reaching or closing is a fact of a figure)
and a few events (ratings and their appeals), and the counts the database does alone (step-level overdue,
warnings).

Cases are read in batches (``cases``), so memory stays flat however many there are; never
from the case snapshots.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine import elements
from engine.calendar import WorkingCalendar
from engine.ratings.service import APPEALED, DECIDED, LINK
from engine.records import CaseFacts, CaseFilter, CaseScope, EventFacts, Milestone
from engine.stats.figures import RATING_LEVELS, Figures, Period
from engine.steps import PHASES, RED, TASK_PHASES, WARNING_EVENTS, YELLOW, end_of, local_day
from engine.store import Store

SATISFIED = frozenset({"very_satisfied", "satisfied", "basic"})  # 满意率: 基本满意及以上
BAD = frozenset({"dissatisfied", "very_dissatisfied"})
HANDOVER_LIMIT = 3  # working days, when a handover task has no due time of its own

# What the task index tells of each case (the names are ``CountedCase``'s fields): the tasks
# whose reaching or closing is a fact of a figure (``engine.elements``).
_CHECK = (elements.CHECK_MATERIALS,)
_HANDOVER = (elements.HANDOVER,)
_RECTIFY = (elements.RECTIFY,)
MILESTONES = (
    Milestone("intake", _CHECK, "ready"),
    Milestone(
        "accepted_at",
        (elements.CHECK_MATERIALS, elements.RECHECK),
        decisions=elements.ACCEPTING_DECISIONS,
    ),
    Milestone("supplemented", (elements.SUPPLEMENT_NOTICE,), "ready"),
    Milestone("returned", (elements.RETURN_NOTICE,), "ready"),
    Milestone("on_the_spot", (elements.ON_THE_SPOT,), "ready"),
    Milestone("proxy", (elements.ENTRUST,), "ready"),
    Milestone("received_at", (elements.ENTRUST,)),
    Milestone("handed_over_at", _HANDOVER),
    Milestone("handover_due_at", _HANDOVER, "due_at"),
    Milestone("delivered_at", elements.DELIVERY_TASKS, first=True),
    Milestone("rectified_at", _RECTIFY),
    Milestone("rectify_due_at", _RECTIFY, "due_at"),
)
BATCH = 1000


@dataclass
class CountedCase:
    """What one case contributes, gathered from its row, tasks and events."""

    row: CaseFacts
    intake: bool = False  # it has a materials check (common_intake)
    accepted_at: datetime | None = None
    supplemented: bool = False
    returned: bool = False
    on_the_spot: bool = False
    proxy: bool = False
    received_at: datetime | None = None  # the proxy agent took the application
    handed_over_at: datetime | None = None
    handover_due_at: datetime | None = None
    delivered_at: datetime | None = None
    rectified_at: datetime | None = None
    rectify_due_at: datetime | None = None
    ratings: list[tuple[datetime, str]] = field(default_factory=list)  # genuine, counted
    entered_ratings: list[datetime] = field(default_factory=list)  # from paper, the pad
    upheld_ratings: list[datetime] = field(default_factory=list)  # appealed with success

    @property
    def completed_at(self) -> datetime | None:
        """办结: the case's limit met (an enforcement case's decision, ``engine.periods.
        meet``); else the result delivered; else the case closed (not returned) after
        acceptance — a refusal at review, a process without result delivery."""
        if self.row.limit_met_at is not None:
            return self.row.limit_met_at
        if self.delivered_at is not None:
            return self.delivered_at
        row = self.row
        if (
            row.status == "completed"
            and not self.returned
            and (self.accepted_at or not self.intake)
        ):
            return row.closed_at
        return None

    @property
    def intake_concluded_at(self) -> datetime | None:
        """When the materials check reached its outcome: acceptance, or the case's end
        without one (refused, or the supplement period ran out)."""
        if self.accepted_at is not None:
            return self.accepted_at
        if self.intake and self.row.status == "completed":
            return self.row.closed_at
        return None


def read_cases(
    store: Store, period: Period, scope: CaseScope, where: CaseFilter, bounded: bool = True
) -> Iterator[CountedCase]:
    """The cases alive in the period (every case when not ``bounded``), in batches of
    ``BATCH``, with their facts."""
    after = 0
    while True:
        with store.unit_of_work(write=False) as uow:
            rows = uow.figures.cases_alive(
                scope, where, period.start, period.end, after, BATCH, bounded=bounded
            )
            if not rows:
                return
            ids = [row.id for row in rows]
            facts = uow.figures.milestones(ids, MILESTONES)
            ratings = uow.figures.events_of(ids, ["message_received"], elements.RATING)
            appeals = uow.figures.events_of(ids, [APPEALED, DECIDED])
        by_case = {row.id: CountedCase(row, **as_fields(facts.get(row.id, {}))) for row in rows}
        add_ratings(by_case, ratings, appeals)
        yield from by_case.values()
        after = ids[-1]


@dataclass
class Rated:
    """A case's ratings, sorted (``add_ratings``), and its rectification."""

    ratings: list[tuple[datetime, str]] = field(default_factory=list)  # genuine, counted
    entered_ratings: list[datetime] = field(default_factory=list)  # from paper, the pad
    upheld_ratings: list[datetime] = field(default_factory=list)  # appealed with success
    rectified_at: datetime | None = None
    rectify_due_at: datetime | None = None


def add_ratings(
    by_case: Mapping[int, CountedCase | Rated], ratings: list[EventFacts], appeals: list[EventFacts]
) -> None:
    """Sort the rating deliveries among the cases: entered from paper or the pad, genuine
    but upheld on appeal, or genuine and counted (with their level)."""
    upheld = _upheld(appeals)
    for event in ratings:
        case = by_case[event.case_id]
        level = (event.payload.get("payload") or {}).get("level")
        if event.payload.get("rating_channel") != LINK:
            case.entered_ratings.append(event.at)
        elif (event.case_id, event.seq) in upheld:
            case.upheld_ratings.append(event.at)
        else:
            case.ratings.append((event.at, level if level in RATING_LEVELS else "invalid"))


def count_case(
    case: CountedCase, period: Period, as_of: datetime, f: Figures, calendar: WorkingCalendar
) -> None:
    """Add what ``case`` contributes to the period's counts to ``f``."""
    row, days = case.row, calendar.working_days_between
    start, end = period.start, period.end
    if start <= row.created_at < end:
        f.registered += 1
        f.proxy_cases += case.proxy
    accepted = case.accepted_at
    if accepted is not None and start <= accepted < end:
        f.accepted += 1
        f.on_the_spot += case.on_the_spot
        f.returned += case.returned
    concluded = case.intake_concluded_at
    if concluded is not None and start <= concluded < end:
        f.intake_concluded += 1
        f.supplemented += case.supplemented
        f.first_time_right += accepted is not None and not case.supplemented
    completed = case.completed_at
    if completed is not None and start <= completed < end:
        f.completed += 1
        if row.due_date is not None:
            day = local_day(completed)
            f.completed_with_due_date += 1
            f.on_time += day <= row.due_date
            f.early += day < row.due_date
            f.overdue_completed += day > row.due_date
        if accepted is not None:
            f.handling_cases += 1
            f.handling_days += days(local_day(accepted), local_day(completed))
    # The limit runs from acceptance, or from registration without a materials check.
    started = accepted if case.intake else row.created_at
    if (
        as_of > start
        and row.due_date is not None
        and started is not None
        and started < as_of
        and end_of(row.due_date) <= as_of
        and (completed is None or completed >= as_of)
        and (row.closed_at is None or row.closed_at >= as_of)
    ):
        f.overdue_open += 1
    handed = case.handed_over_at
    if handed is not None and start <= handed < end and case.received_at is not None:
        held = days(local_day(case.received_at), local_day(handed))
        f.handed_over += 1
        f.village_holding_days += held
        if case.handover_due_at is not None:
            f.handover_on_time += handed < case.handover_due_at
        else:
            f.handover_on_time += held <= HANDOVER_LIMIT
    count_ratings(case, period, as_of, f)


def count_ratings(case: CountedCase | Rated, period: Period, as_of: datetime, f: Figures) -> None:
    """Add the case's ratings recorded in the period to ``f``."""
    start, end = period.start, period.end
    f.entered_ratings += sum(start <= at < end for at in case.entered_ratings)
    f.appeal_upheld_ratings += sum(start <= at < end for at in case.upheld_ratings)
    for at, level in case.ratings:
        if not start <= at < end or level not in RATING_LEVELS:
            continue
        f.ratings += 1
        f.ratings_by_level[level] += 1
        f.satisfied += level in SATISFIED
        if level in BAD:
            f.bad_ratings += 1
            done = case.rectified_at
            if done is not None and done < as_of:
                f.rectified += 1
                due = case.rectify_due_at
                f.rectified_on_time += due is not None and done < due


@dataclass(frozen=True)
class Tally:
    """What one report counts into: its period and the time its open counts are taken
    at, the cases counted (``scope``, ``where``), the case column its groups come from
    and ``fold`` from a value of it to a group's key, and the groups' figures."""

    store: Store
    period: Period
    as_of: datetime
    column: str
    fold: Callable[[str | None], str | None]
    scope: CaseScope
    where: CaseFilter
    figures_of: Callable[[str | None], Figures]

    def of(self, value: str | None) -> Figures:
        """The figures of the group a value of ``column`` belongs to."""
        return self.figures_of(self.fold(value))


def count_in_sql(tally: Tally, bounded: bool = True) -> None:
    """Step-level overdue and warnings, counted by the database per value of the tally's
    column from the task index and the events."""
    period, as_of = tally.period, tally.as_of
    with tally.store.unit_of_work(write=False) as uow:
        steps = uow.figures.step_overdue_counts(
            tally.scope,
            tally.where,
            tally.column,
            period.start,
            period.end,
            as_of,
            sorted(PHASES),
            sorted(TASK_PHASES),
            bounded=bounded,
        )
        warnings = uow.figures.event_counts(
            tally.scope, tally.where, tally.column, WARNING_EVENTS, period.start, period.end
        )
    for value, (done, late, still_open) in steps.items():
        f = tally.of(value)
        f.steps_done += done
        f.step_overdue_done += late
        f.step_overdue_open += still_open if as_of > period.start else 0
    for (value, kind), count in warnings.items():
        f = tally.of(value)
        if kind == YELLOW:
            f.yellow_warnings += count
        elif kind == RED:
            f.red_warnings += count


def _upheld(events: list[EventFacts]) -> set[tuple[int, int]]:
    """(case, rating event) of every rating whose appeal the supervisor upheld."""
    appealed = {
        (e.case_id, e.seq): int(e.payload["rating_seq"]) for e in events if e.type == APPEALED
    }
    return {
        (e.case_id, appealed[(e.case_id, int(e.payload["appeal_seq"]))])
        for e in events
        if e.type == DECIDED
        and e.payload.get("upheld") is True
        and (e.case_id, int(e.payload["appeal_seq"])) in appealed
    }


def as_fields(facts: dict[str, Any]) -> dict[str, Any]:
    """The database's aggregates as ``CountedCase`` fields ("ready" facts come as 0 or 1)."""
    return {
        name: bool(value) if isinstance(value, int) and not isinstance(value, bool) else value
        for name, value in facts.items()
    }
