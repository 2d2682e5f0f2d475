"""What each case contributes to the supervision figures, kept in ``case_figures`` in the
transaction of every change that alters it, so that a period's figures are sums the
database makes over one row per case (``count_from_rows``) instead of each case's tasks
and events read into Python (``counting.read_cases``, still the full recomputation the
tests compare with).

A row holds the times the case's counts fall on (accepted, the intake concluded,
completed, handed over by the proxy agent, rectified) and the values they add. Two of
them depend on the working calendar (handling days, days the village held the papers):
they are computed with the calendar of the day the row was written, so a change to the
holiday overrides reaches the cases changed after it, and all of them after ``daiban
stats --rebuild``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from engine import elements
from engine.calendar import WorkingCalendar
from engine.ratings.service import APPEALED, DECIDED
from engine.records import (
    UNKNOWN_TASK,
    CaseFacts,
    CaseFigures,
    CaseFilter,
    CaseRecord,
    CaseScope,
    ClosedTask,
    DayCounts,
    EventRecord,
    IndexChange,
    LateStep,
    TaskKey,
)
from engine.stats.counting import (
    BAD,
    BATCH,
    HANDOVER_LIMIT,
    MILESTONES,
    SATISFIED,
    CountedCase,
    Rated,
    Tally,
    add_ratings,
    as_fields,
    count_ratings,
)
from engine.stats.figures import RATING_LEVELS
from engine.steps import PHASES, RED, TASK_PHASES, YELLOW, end_of, local_day
from engine.store import Store, UnitOfWork
from engine.store.events import derived_columns

# The row fields a contribution depends on (with the milestones of the task index).
_ROW_FIELDS = ("status", "created_at", "closed_at", "due_date", "limit_met_at")
# The tasks whose opening or closing changes a milestone: (process, spec), "*" for any.
_MILESTONE_TASKS = frozenset(task for milestone in MILESTONES for task in milestone.tasks)
APPEALS = (APPEALED, DECIDED)


def contribution(case: CountedCase, calendar: WorkingCalendar) -> CaseFigures:
    """What ``case`` contributes, as ``counting.count_case`` counts it."""
    row, days = case.row, calendar.working_days_between
    accepted, completed = case.accepted_at, case.completed_at
    versus = None
    if completed is not None and row.due_date is not None:
        day = local_day(completed)
        versus = (day > row.due_date) - (day < row.due_date)
    handed = case.handed_over_at if case.received_at is not None else None
    held = None
    on_time = False
    if handed is not None and case.received_at is not None:  # (both: for the type checker)
        held = days(local_day(case.received_at), local_day(handed))
        due = case.handover_due_at
        on_time = handed < due if due is not None else held <= HANDOVER_LIMIT
    rated: dict[str, Any] = {}
    several = len(case.ratings) + len(case.entered_ratings) + len(case.upheld_ratings) > 1
    if several:
        rated = {"several_ratings": True}
    elif case.ratings:
        rated = {"rated_at": case.ratings[0][0], "rating_kind": "link"}
        rated["rating_level"] = case.ratings[0][1]
    elif case.entered_ratings:
        rated = {"rated_at": case.entered_ratings[0], "rating_kind": "entered"}
    elif case.upheld_ratings:
        rated = {"rated_at": case.upheld_ratings[0], "rating_kind": "upheld"}
    return CaseFigures(
        **rated,
        case_id=row.id,
        org_unit=row.org_unit,
        village=row.village,
        item_code=row.item_code,
        department=row.department,
        created_at=row.created_at,
        closed_at=row.closed_at,
        proxy=case.proxy,
        accepted_at=accepted,
        on_the_spot=case.on_the_spot,
        returned=case.returned,
        concluded_at=case.intake_concluded_at,
        supplemented=case.supplemented,
        first_time_right=accepted is not None and not case.supplemented,
        completed_at=completed,
        completed_vs_due=versus,
        handling_days=(
            days(local_day(accepted), local_day(completed))
            if accepted is not None and completed is not None
            else None
        ),
        started_at=accepted if case.intake else row.created_at,
        due_end=end_of(row.due_date) if row.due_date is not None else None,
        handed_at=handed,
        holding_days=held,
        handover_on_time=on_time,
        rectified_at=case.rectified_at,
        rectify_due_at=case.rectify_due_at,
        intake=case.intake,
        received_at=case.received_at,
        handed_over_at=case.handed_over_at,
        handover_due_at=case.handover_due_at,
        delivered_at=case.delivered_at,
    )


def new_case(
    record: CaseRecord, opened: Iterable[TaskKey], calendar: WorkingCalendar
) -> CaseFigures:
    """What a case just started contributes: the tasks it opened are all its task index
    holds (none is finished yet), so the milestones are read off them without a query."""
    ready: dict[str, Any] = {
        milestone.name: any(_matches(key, milestone.tasks) for key in opened)
        for milestone in MILESTONES
        if milestone.value == "ready"
    }
    return contribution(CountedCase(_row_of(record), **ready), calendar)


def _row_of(record: CaseRecord) -> CaseFacts:
    """The facts of a case row as the unit of work holds it (no query)."""
    return CaseFacts(
        record.id,
        record.item_code,
        record.org_unit,
        record.village,
        record.department,
        record.status,
        record.created_at,
        record.closed_at,
        record.due_date,
        record.limit_met_at,
    )


def changed(
    before: CaseRecord | None,
    after: CaseRecord,
    touched: Iterable[TaskKey],
    events: Iterable[EventRecord] = (),
) -> bool:
    """Whether a change may alter what the case contributes: a new case, a change to one
    of the row's fields counted, a rating or an appeal of one, or a task of a milestone
    opened or closed."""
    if before is None:
        return True
    if any(getattr(before, name) != getattr(after, name) for name in _ROW_FIELDS):
        return True
    if _rated(events):
        return True
    return any(key == UNKNOWN_TASK or _matches(key, _MILESTONE_TASKS) for key in touched)


def compute(
    uow: UnitOfWork,
    case_ids: Sequence[int],
    calendar: WorkingCalendar,
    rows: Sequence[CaseFacts] | None = None,
) -> list[CaseFigures]:
    """What the cases contribute, computed from their rows and task index as they are in
    the unit of work's transaction."""
    if rows is None:
        rows = uow.figures.case_rows(case_ids)
    ids = [row.id for row in rows]
    milestones = uow.figures.milestones(ids, MILESTONES)
    by_case = {row.id: CountedCase(row, **as_fields(milestones.get(row.id, {}))) for row in rows}
    ratings = uow.figures.events_of(ids, ["message_received"], elements.RATING)
    if ratings:
        appeals = uow.figures.events_of(sorted({e.case_id for e in ratings}), APPEALS)
        add_ratings(by_case, ratings, appeals)
    return [contribution(case, calendar) for case in by_case.values()]


def keep(
    uow: UnitOfWork,
    case_ids: Sequence[int],
    calendar: WorkingCalendar,
    rows: Sequence[CaseFacts] | None = None,
) -> None:
    """Compute and write, in the unit of work's transaction, what the cases contribute
    (``rows``: the cases' rows, if the caller has just read them)."""
    uow.figures.save_case_figures(compute(uow, case_ids, calendar, rows))


@dataclass(frozen=True)
class _Closed:
    """A step of a phase that closed: when it opened and closed, whether it was done."""

    task_id: str
    case_id: int
    due_at: datetime | None
    opened_at: datetime | None  # None: not read (only needed when it was late)
    closed_at: datetime
    finished: bool


def _own(process_id: str, spec_id: str) -> bool:
    """Whether the task is a step of a phase (the step figures count those)."""
    return process_id in PHASES or (process_id, spec_id) in TASK_PHASES


def _late_days(step: _Closed) -> tuple[date, date] | None:
    """The days at whose end ``step`` was open past its due time, or None."""
    if step.due_at is None:
        return None
    first = local_day(step.due_at - timedelta(microseconds=1))  # end_of(first) >= due
    if step.opened_at is not None:
        first = max(first, local_day(step.opened_at))  # opened before the day's end
    last = local_day(step.closed_at) - timedelta(days=1)  # closed after the day's end
    return (first, last) if first <= last else None


def _counts(
    row: CaseFacts | CaseRecord,
    steps: Iterable[_Closed],
    events: Iterable[tuple[str, datetime]],
) -> tuple[list[DayCounts], list[LateStep]]:
    """The day counts and late steps of a case's closed steps and of its events (type
    and time) that are warnings."""
    counts, late = [], []
    group = (row.org_unit, row.village, row.item_code, row.department)
    for step in steps:
        if step.finished:
            overdue = step.due_at is not None and step.closed_at >= step.due_at
            counts.append(
                DayCounts(local_day(step.closed_at), *group, steps_done=1, steps_late=overdue)
            )
        days = _late_days(step)
        if days is not None:
            late.append(LateStep(step.task_id, step.case_id, *days))
    for kind, at in events:
        yellow, red = kind == YELLOW, kind == RED
        if yellow or red:
            counts.append(
                DayCounts(local_day(at), *group, yellow_warnings=yellow, red_warnings=red)
            )
    return counts, late


def _done(task: ClosedTask, closing: EventRecord) -> bool:
    """Whether the event that closed ``task`` finished it: its own completion, or a
    message or timer ending it (not the case's cancellation, not another task's
    completion withdrawing it) — ``engine.store.figures._finished``, in Python."""
    return closing.type in ("message_received", "timers_fired") or (
        closing.type == "task_completed" and closing.payload.get("task_id") == task.id
    )


def _matches(key: TaskKey, tasks: Iterable[TaskKey]) -> bool:
    """Whether the task ``key`` is one of ``tasks`` (process "*": any process)."""
    process, spec = key
    return any(s == spec and p in (process, "*") for p, s in tasks)


def _advanced(
    kept: CaseFigures, after: CaseRecord, change: IndexChange, closing: EventRecord | None
) -> CountedCase:
    """The case's milestones as kept, moved on by the tasks the change opened and closed
    (``FigureRepository.milestones`` computes the same from the whole task index)."""
    values: dict[str, Any] = {
        milestone.name: getattr(kept, milestone.name) for milestone in MILESTONES
    }
    decision = (
        derived_columns(closing.type, closing.payload)["intake_decision"] if closing else None
    )
    for milestone in MILESTONES:
        if milestone.value == "ready":
            values[milestone.name] = values[milestone.name] or any(
                _matches(key, milestone.tasks) for key in change.opened
            )
            continue
        for task in change.closed:
            if closing is None or not _matches(task.key, milestone.tasks):
                continue
            if not _done(task, closing):
                continue
            if milestone.decisions and decision not in milestone.decisions:
                continue
            found = closing.at if milestone.value == "finished_at" else task.due_at
            if found is None:
                continue
            old = values[milestone.name]
            pick = min if milestone.first else max
            values[milestone.name] = found if old is None else pick(old, found)
    return CountedCase(_row_of(after), **values)


def _keep_changed(
    uow: UnitOfWork,
    after: CaseRecord,
    change: IndexChange,
    events: Sequence[EventRecord],
    calendar: WorkingCalendar,
) -> None:
    """Keep what a case contributes after a change that may alter it: its kept
    milestones moved on by the change (its ratings read again only if the change rated
    it or ruled on an appeal); the whole computation if nothing was kept yet."""
    kept = uow.figures.case_figures_of([after.id]).get(after.id)
    if kept is None:
        keep(uow, [after.id], calendar, [_row_of(after)])
        return
    case = _advanced(kept, after, change, events[0] if events else None)
    if _rated(events):
        ratings = uow.figures.events_of([after.id], ["message_received"], elements.RATING)
        add_ratings({after.id: case}, ratings, uow.figures.events_of([after.id], APPEALS))
        found = contribution(case, calendar)
    else:
        found = replace(
            contribution(case, calendar),
            rated_at=kept.rated_at,
            rating_kind=kept.rating_kind,
            rating_level=kept.rating_level,
            several_ratings=kept.several_ratings,
        )
    if found != kept:
        uow.figures.update_case_figures(found, kept)


def _rated(events: Iterable[EventRecord]) -> bool:
    """Whether the events rate the case or appeal or rule on a rating."""
    return any(
        event.type in APPEALS
        or (event.type == "message_received" and event.payload.get("name") == elements.RATING)
        for event in events
    )


def keep_change(
    uow: UnitOfWork,
    before: CaseRecord | None,
    after: CaseRecord,
    change: IndexChange,
    events: Sequence[EventRecord],
    calendar: WorkingCalendar,
) -> None:
    """In the transaction of a change (its events ``events``, the first the one that
    closed ``change.closed``): keep what the case contributes if the change may alter
    it, and add the steps it closed and the warnings it raised to the day counts."""
    if changed(before, after, change.touched, events):
        if before is None:
            uow.figures.save_case_figures([new_case(after, change.opened, calendar)])
        else:
            _keep_changed(uow, after, change, events, calendar)
    steps: list[_Closed] = []
    if events and change.closed:
        closing = events[0]
        for task in change.closed:
            if not _own(*task.key):
                continue
            steps.append(
                _Closed(task.id, after.id, task.due_at, None, closing.at, _done(task, closing))
            )
        late = {step.task_id for step in steps if _late_days(step) is not None}
        if late:  # rare: read when those steps opened, which may move their first day
            seq_of = {t.id: t.created_seq for t in change.closed if t.id in late}
            opened = uow.figures.event_times(
                after.id, [seq for seq in seq_of.values() if seq is not None]
            )
            steps = [
                replace(s, opened_at=opened.get(seq_of[s.task_id] or -1))
                if s.task_id in late
                else s
                for s in steps
            ]
    counts, late_steps = _counts(after, steps, [(event.type, event.at) for event in events])
    uow.figures.add_day_counts(counts)
    uow.figures.add_late_steps(late_steps)


def fill(
    store: Store,
    calendar: WorkingCalendar,
    everything: bool = False,
    progress: Callable[[int], None] | None = None,
    *,
    between: tuple[int, int] | None = None,
    alone: bool = True,
) -> int:
    """Write the rows of the cases that have none, with their steps and warnings in the
    day counts (with ``everything``: forget every row and count first, then write them
    all), in batches of ``BATCH`` cases, each in its own transaction. ``between``: only
    the cases of ids in that range (both inclusive). The number of cases written.

    Processes filling at the same time must not count a case twice: with ``alone`` they
    take turns (PostgreSQL: an advisory lock per batch, which servers starting together
    all take), else each must fill a range of its own (``bench/seed_cases.py``)."""
    if everything:
        with store.unit_of_work() as uow:
            uow.figures.clear_counts()
            uow.commit()
    after, last = (between[0] - 1, between[1]) if between else (0, None)
    written = 0
    while True:
        with store.unit_of_work() as uow:
            if alone:
                uow.figures.lock_counts()
            ids = uow.figures.cases_without_figures(after, BATCH, last)
            if not ids:
                return written
            written += _fill(uow, ids, calendar)
            uow.commit()
        after = ids[-1]
        if progress is not None:
            progress(written)


def _fill(uow: UnitOfWork, case_ids: Sequence[int], calendar: WorkingCalendar) -> int:
    """Everything the cases contribute, from their whole history. How many."""
    found = uow.figures.case_rows(case_ids)
    uow.figures.save_case_figures(compute(uow, case_ids, calendar, found))
    rows = {row.id: row for row in found}
    ids = sorted(rows)
    tasks = uow.figures.tasks_of(ids)
    warnings = uow.figures.events_of(ids, [YELLOW, RED])
    steps: dict[int, list[_Closed]] = {}
    for task in tasks:
        if task.closed_at is None or not _own(task.process_id, task.spec_id):
            continue
        steps.setdefault(task.case_id, []).append(
            _Closed(
                task.id, task.case_id, task.due_at, task.ready_at, task.closed_at, task.finished
            )
        )
    raised: dict[int, list[tuple[str, datetime]]] = {}
    for event in warnings:
        raised.setdefault(event.case_id, []).append((event.type, event.at))
    counts, late = [], []
    for case_id, row in rows.items():
        more, later = _counts(row, steps.get(case_id, ()), raised.get(case_id, ()))
        counts += more
        late += later
    uow.figures.add_day_counts(counts)
    uow.figures.add_late_steps(late)
    return len(rows)


def count_from_rows(tally: Tally) -> None:
    """Add the case-level counts of the period (``case_figures`` summed by the database)
    and its ratings to the groups' figures."""
    period, as_of, scope, where = tally.period, tally.as_of, tally.scope, tally.where
    with tally.store.unit_of_work(write=False) as uow:
        uow.figures.without_jit()
        sums = uow.figures.figure_sums(
            scope,
            where,
            tally.column,
            period.start,
            period.end,
            as_of,
            RATING_LEVELS,
            sorted(SATISFIED),
            sorted(BAD),
            grouped=rolled_up(scope, where),
        )
        ratings = uow.figures.ratings_in(
            scope, where, tally.column, period.start, period.end, elements.RATING
        )
        rated = sorted({event.case_id for _, event in ratings})
        appeals = uow.figures.events_of(rated, APPEALS)
        kept = uow.figures.case_figures_of(rated)
    for value, counts in sums.items():
        f = tally.of(value)
        if as_of <= period.start:
            counts = {**counts, "overdue_open": 0}
        for name, count in counts.items():
            if name.startswith("level:"):
                f.ratings_by_level[name[6:]] += count
            else:
                setattr(f, name, getattr(f, name) + count)
    # The ratings of cases rated more than once, from their events (none, in practice).
    groups: dict[int, str | None] = {}
    by_case: dict[int, Rated] = {}
    for value, event in ratings:
        groups[event.case_id] = value
        if event.case_id not in by_case:
            row = kept.get(event.case_id)
            by_case[event.case_id] = Rated(
                rectified_at=row.rectified_at if row else None,
                rectify_due_at=row.rectify_due_at if row else None,
            )
    add_ratings(by_case, [event for _, event in ratings], appeals)
    for case_id, case in by_case.items():
        count_ratings(case, period, as_of, tally.of(groups[case_id]))


def rolled_up(scope: CaseScope, where: CaseFilter) -> bool:
    """Whether the day counts serve the scope and filter: cases chosen by township,
    village, item and department only (a county officer's scope — the cases that reached
    the department — is chosen by more, and is counted from the task index)."""
    plain = replace(where, item_code=None, township=None, village=None, department=None)
    return (
        plain == CaseFilter()
        and not scope.registered_by
        and not scope.departments
        and not scope.assessing
    )


def count_from_days(tally: Tally) -> None:
    """Add the period's steps and warnings to the groups' figures: done, late and
    warnings from the day counts; still open at ``as_of`` past their due time from the
    open steps of the task index and, for a period already over, the late steps that
    were open at its end and closed since."""
    period, as_of, scope, where, column = (
        tally.period,
        tally.as_of,
        tally.scope,
        tally.where,
        tally.column,
    )
    processes, tasks = sorted(PHASES), sorted(TASK_PHASES)
    with tally.store.unit_of_work(write=False) as uow:
        uow.figures.without_jit(parallel=False)
        days = uow.figures.day_sums(scope, where, column, period.first, period.last)
        still_open = uow.figures.open_steps_overdue(scope, where, column, as_of, processes, tasks)
        closed_since = (
            uow.figures.late_steps_on(scope, where, column, period.last)
            if as_of >= period.end
            else {}
        )
    for value, counts in days.items():
        f = tally.of(value)
        f.steps_done += counts["steps_done"]
        f.step_overdue_done += counts["steps_late"]
        f.yellow_warnings += counts["yellow_warnings"]
        f.red_warnings += counts["red_warnings"]
    if as_of <= period.start:
        return
    for found in (still_open, closed_since):
        for value, count in found.items():
            tally.of(value).step_overdue_open += count
