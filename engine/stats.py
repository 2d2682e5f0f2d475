"""Supervision figures (效能监督): per county, township, village, item or department.

Every figure is defined in ``docs/supervision.md`` (numerator, denominator, the date that
puts a case in a period, working-day rules). In short: a count counts the events of its
kind that fall in the period (Beijing dates, both ends inclusive); a rate is a share of
the cases counted by one of those counts; "at the end of the period" means 24:00 of its
last day, or now if that is still to come.

The facts come from the case rows, the task index with the events that opened and closed
each task, and a few events (ratings, warnings), never from the case snapshots; cases are
read in batches, so memory stays flat however many there are. Counts that SQL can do
alone (step-level overdue, warnings) are done there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from typing import Any

from engine.calendar import WorkingCalendar
from engine.clock import SHANGHAI, Clock
from engine.identity import Principal
from engine.ledger import LedgerService
from engine.records import CaseScope
from engine.steps import (
    DEFAULT_WARNING_SHARE,
    PHASES,
    RED,
    TASK_PHASES,
    WARNING_EVENTS,
    YELLOW,
    end_of,
    local_day,
)
from engine.store import Store
from engine.store.figures import (
    CaseFacts,
    CaseFilter,
    Milestone,
    cases_alive,
    event_counts,
    events_of,
    milestones,
    step_overdue_counts,
)
from processes.org import ROLE_UNIT_KINDS, Organization

GROUPINGS = ("county", "township", "village", "item", "department")
LEDGER_GROUPINGS = ("county", "township", "village")
# The case column each grouping reads (the county is the first six digits of the township).
_COLUMNS = {
    "county": "org_unit",
    "township": "org_unit",
    "village": "village",
    "item": "item_code",
    "department": "department",
}
RATING_LEVELS = ("very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied")
SATISFIED = frozenset({"very_satisfied", "satisfied", "basic"})  # 满意率: 基本满意及以上
BAD = frozenset({"dissatisfied", "very_dissatisfied"})
HANDOVER_LIMIT = 3  # working days, when a handover task has no due time of its own

# The tasks whose closing is a fact of a figure (process id, spec id); "*" any process.
CHECK = ("common_intake", "Task_check_materials")
RECHECK = ("common_intake", "Task_recheck")
SUPPLEMENT = ("common_intake", "Task_supplement_notice")
RETURN = ("common_pledge", "Task_return_notice")
ON_THE_SPOT = ("*", "Task_on_the_spot")
ENTRUST = ("common_proxy", "Task_entrust")
HANDOVER = ("common_proxy", "Task_handover")
RECTIFY = ("common_evaluation", "Task_rectify")
DELIVERY = frozenset(
    ("common_result_delivery", spec)
    for spec in ("Task_window_pickup", "Task_home_delivery", "Task_scheduled_delivery", "Task_post")
)
# What the task index tells of each case (the names are ``_Case``'s fields).
MILESTONES = (
    Milestone("intake", (CHECK,), "ready"),
    Milestone(
        "accepted_at",
        (CHECK, RECHECK),
        completed_with=('"intake_decision":"accept"', '"intake_decision":"accept_with_pledge"'),
    ),
    Milestone("supplemented", (SUPPLEMENT,), "ready"),
    Milestone("returned", (RETURN,), "ready"),
    Milestone("on_the_spot", (ON_THE_SPOT,), "ready"),
    Milestone("proxy", (ENTRUST,), "ready"),
    Milestone("received_at", (ENTRUST,)),
    Milestone("handed_over_at", (HANDOVER,)),
    Milestone("handover_due_at", (HANDOVER,), "due_at"),
    Milestone("delivered_at", tuple(sorted(DELIVERY)), first=True),
    Milestone("rectified_at", (RECTIFY,)),
    Milestone("rectify_due_at", (RECTIFY,), "due_at"),
)
RATING_PREFIX = '{"name":"rating",'  # stored payloads are canonical JSON (sorted keys)
BATCH = 1000


class StatsError(ValueError):
    """Bad arguments to a figures query (the API validates them before)."""


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
    ledger_recorded: int | None = None
    ledger_resolved: int | None = None

    def add(self, other: Figures) -> None:
        for spec in fields(self):
            mine, theirs = getattr(self, spec.name), getattr(other, spec.name)
            if isinstance(mine, dict):
                for key, value in theirs.items():
                    mine[key] = mine.get(key, 0) + value
            elif theirs is not None:
                setattr(self, spec.name, (mine or 0) + theirs)

    def as_dict(self) -> dict[str, Any]:
        values = {spec.name: getattr(self, spec.name) for spec in fields(self)}
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


@dataclass
class _Case:
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
    ratings: list[tuple[datetime, str]] = field(default_factory=list)

    @property
    def completed_at(self) -> datetime | None:
        """办结: the result delivered; else the case closed (not returned) after acceptance
        — a refusal at review, a process without result delivery."""
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


def stats_scope(principal: Principal) -> CaseScope:
    """Whose figures a caller may see: supervisors the county; township staff and mobile
    agents their township; village agents their village; county officers the cases handed
    to their department. Designers and administrators none (an empty scope)."""
    kinds = {kind for role in principal.roles for kind in ROLE_UNIT_KINDS.get(role, ())}
    if principal.has_role("supervisor"):
        return CaseScope(everything=True)
    unit = frozenset({principal.unit})
    return CaseScope(
        villages=unit if kinds & {"village", "community"} else frozenset(),
        townships=unit if "township" in kinds else frozenset(),
        departments=unit if "department" in kinds else frozenset(),
    )


class StatsService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        org: Organization,
        item_names: Mapping[str, str] | None = None,
        calendar: WorkingCalendar | None = None,
        warning_share: float = DEFAULT_WARNING_SHARE,
    ) -> None:
        self.store = store
        self.clock = clock
        self.org = org
        self.item_names = dict(item_names or {})
        self.calendar = calendar or WorkingCalendar.default()
        self.warning_share = warning_share

    def figures(
        self,
        period: Period,
        group_by: str = "county",
        scope: CaseScope | None = None,
        where: CaseFilter | None = None,
    ) -> Report:
        """The figures of the cases in ``scope`` (default: everything) matching ``where``."""
        if group_by not in GROUPINGS:
            raise StatsError(f"group_by 应为 {'、'.join(GROUPINGS)} 之一")
        if period.last < period.first:
            raise StatsError("统计期止日早于起日")
        scope = scope or CaseScope(everything=True)
        where = where or CaseFilter()
        as_of = min(period.end, self.clock.now())
        key_of = self._key_function(group_by)
        groups: dict[str | None, Figures] = {
            key: Figures() for key in self._units(group_by, scope, where)
        }

        def figures_of(key: str | None) -> Figures:
            return groups.setdefault(key, Figures())

        for case in self._cases(period, scope, where):
            self._count(case, period, as_of, figures_of(key_of(case.row)))
        self._count_in_sql(period, as_of, group_by, scope, where, figures_of)
        self._ledger(period, group_by, scope, where, groups)
        ledger = 0 if self._ledger_applies(group_by, scope, where) else None
        total = Figures(ledger_recorded=ledger, ledger_resolved=ledger)
        for figures in groups.values():
            total.add(figures)
        ordered = sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
        return Report(
            period,
            group_by,
            as_of,
            [Group(key, self._name(group_by, key), figures) for key, figures in ordered],
            total,
            self.warning_share,
        )

    # -- the cases ---------------------------------------------------------------------
    def _cases(self, period: Period, scope: CaseScope, where: CaseFilter) -> Iterator[_Case]:
        after = 0
        while True:
            with self.store.unit_of_work(write=False) as uow:
                rows = cases_alive(uow, scope, where, period.start, period.end, after, BATCH)
                if not rows:
                    return
                ids = [row.id for row in rows]
                facts = milestones(uow, ids, MILESTONES)
                ratings = events_of(uow, ids, ["message_received"], prefix=RATING_PREFIX)
            by_case = {row.id: _Case(row, **_booleans(facts.get(row.id, {}))) for row in rows}
            for event in ratings:
                level = (event.payload.get("payload") or {}).get("level")
                by_case[event.case_id].ratings.append(
                    (event.at, level if level in RATING_LEVELS else "invalid")
                )
            yield from by_case.values()
            after = ids[-1]

    def _count(self, case: _Case, period: Period, as_of: datetime, f: Figures) -> None:
        row, days = case.row, self.calendar.working_days_between
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
        if (
            as_of > start
            and row.due_date is not None
            and accepted is not None
            and accepted < as_of
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

    # -- counted by the database -------------------------------------------------------
    def _count_in_sql(
        self,
        period: Period,
        as_of: datetime,
        group_by: str,
        scope: CaseScope,
        where: CaseFilter,
        figures_of: Callable[[str | None], Figures],
    ) -> None:
        column, fold = _COLUMNS[group_by], self._fold(group_by)
        with self.store.unit_of_work(write=False) as uow:
            steps = step_overdue_counts(
                uow,
                scope,
                where,
                column,
                period.start,
                period.end,
                as_of,
                sorted(PHASES),
                sorted(TASK_PHASES),
            )
            warnings = event_counts(
                uow, scope, where, column, WARNING_EVENTS, period.start, period.end
            )
        for value, (done, late, still_open) in steps.items():
            f = figures_of(fold(value))
            f.steps_done += done
            f.step_overdue_done += late
            f.step_overdue_open += still_open if as_of > period.start else 0
        for (value, kind), count in warnings.items():
            f = figures_of(fold(value))
            if kind == YELLOW:
                f.yellow_warnings += count
            elif kind == RED:
                f.red_warnings += count

    # -- the issue ledger --------------------------------------------------------------
    @staticmethod
    def _ledger_applies(group_by: str, scope: CaseScope, where: CaseFilter) -> bool:
        """The ledger counts by village, township and county and knows neither items nor
        departments: its figures are None for other groupings, filters and callers."""
        return (
            group_by in LEDGER_GROUPINGS
            and where.item_code is None
            and where.department is None
            and (scope.everything or not scope.departments)
        )

    def _ledger(
        self,
        period: Period,
        group_by: str,
        scope: CaseScope,
        where: CaseFilter,
        groups: dict[str | None, Figures],
    ) -> None:
        if not self._ledger_applies(group_by, scope, where):
            return
        units = None if scope.everything else frozenset(scope.villages | scope.townships)
        for chosen in (where.township, where.village):
            if chosen is not None and units is not None:
                units = self._narrow(units, chosen)
            elif chosen is not None:
                units = frozenset({chosen})
        counts = (
            LedgerService(self.store, self.clock, self.org).counts(
                period.first, period.last, group_by, units
            )
            if units is None or units
            else {}
        )
        for key, found in counts.items():
            f = groups.setdefault(key, Figures())
            f.ledger_recorded, f.ledger_resolved = found.recorded, found.resolved
        for f in groups.values():
            if f.ledger_recorded is None:
                f.ledger_recorded, f.ledger_resolved = 0, 0

    def _narrow(self, units: frozenset[str], chosen: str) -> frozenset[str]:
        """The units of a scope narrowed by a filter on ``chosen`` (empty: disjoint)."""
        if any(self.org.contains(unit, chosen) for unit in units):
            return frozenset({chosen})  # the filter lies inside the scope
        return frozenset(unit for unit in units if self.org.contains(chosen, unit))

    # -- groups ------------------------------------------------------------------------
    def _fold(self, group_by: str) -> Callable[[str | None], str | None]:
        if group_by == "county":
            county = self.org.county.code
            return lambda value: county if value else None
        return lambda value: value

    def _key_function(self, group_by: str) -> Callable[[CaseFacts], str | None]:
        column, fold = _COLUMNS[group_by], self._fold(group_by)
        return lambda row: fold(getattr(row, column))

    def _units(self, group_by: str, scope: CaseScope, where: CaseFilter) -> list[str]:
        """The org units listed even without figures: those of the grouping's kind that
        lie within the caller's scope and the filters (none for items and departments)."""
        if group_by == "county":
            return [self.org.county.code] if not scope.departments or scope.everything else []
        if group_by not in ("township", "village") or (scope.departments and not scope.everything):
            return []
        kinds = ("township",) if group_by == "township" else ("village", "community")
        anchors: list[set[str]] = []
        if not scope.everything:
            anchors.append(set(scope.villages | scope.townships))
        for chosen in (where.township, where.village):
            if chosen is not None:
                anchors.append({chosen})

        def related(code: str, anchor: str) -> bool:
            return self.org.contains(anchor, code) or self.org.contains(code, anchor)

        return sorted(
            unit.code
            for unit in self.org.of_kind(*kinds)
            if all(any(related(unit.code, a) for a in anchor) for anchor in anchors)
        )

    def _name(self, group_by: str, key: str | None) -> str:
        if key is None:
            return "（未登记单位）"
        if group_by == "item":
            return self.item_names.get(key, key)
        unit = self.org.units.get(key)
        return unit.name if unit is not None else key


def _booleans(facts: dict[str, Any]) -> dict[str, Any]:
    """The database's aggregates as ``_Case`` fields ("ready" facts come as 0 or 1)."""
    return {
        name: bool(value) if isinstance(value, int) and not isinstance(value, bool) else value
        for name, value in facts.items()
    }
