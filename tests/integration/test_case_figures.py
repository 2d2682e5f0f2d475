"""What each case contributes to the figures (``case_figures``, ``engine.stats.facts``):
kept in the transaction of every change that alters it, equal to what a fresh computation
from the task index gives, and filled by the engine for cases that have none.

The figures summed from these rows are compared with the full recomputation for every
period and grouping in ``tests/integration/test_stats.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from engine import Engine, ManualClock, elements
from engine.records import CaseFigures, CaseRecord, ClosedTask, EventRecord, IndexChange
from engine.stats import facts
from engine.store import UnitOfWork
from engine.store.tables import CaseFigureRow, FigureDayRow, LateStepRow
from tests.support.databases import START, Databases
from tests.support.stats_world import SEP_OCT, World, build, stats_world
from webapi.cli import main


@pytest.fixture
def world(databases: Databases) -> Iterator[World]:
    with stats_world(databases) as found:
        yield found


def kept(engine: Engine) -> dict[int, CaseFigures]:
    with engine.store.unit_of_work(write=False) as uow:
        ids = uow.cases.ids(0, 10_000)
        return uow.figures.case_figures_of(ids)


def counted(engine: Engine) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """The day counts (without their row ids) and the late steps."""
    with engine.store.unit_of_work(write=False) as uow:
        days = uow.session.execute(select(FigureDayRow).order_by(FigureDayRow.id)).scalars()
        late = uow.session.execute(select(LateStepRow)).scalars()
        return (
            {
                (d.day, d.org_unit, d.village, d.item_code, d.department, d.steps_done,
                 d.steps_late, d.yellow_warnings, d.red_warnings)
                for d in days
            },
            {(s.task_id, s.case_id, s.overdue_from, s.overdue_to) for s in late},
        )  # fmt: skip


def forget(engine: Engine) -> None:
    with engine.store.unit_of_work() as uow:
        uow.figures.clear_counts()
        uow.commit()


def test_the_rows_kept_with_each_change_equal_a_fresh_computation(world: World) -> None:
    # Every change of the eight cases went through the engine, which wrote a case's row
    # only when the change could alter it (a milestone task opened or closed, a counted
    # field of the case row changed): computing every row again finds nothing different.
    # The day counts added to with each step done and each warning raised equal those
    # counted from the whole history again, and so do the late steps.
    before, counts = kept(world.engine), counted(world.engine)
    assert sorted(before) == sorted(world.cases.values())
    assert sum(row.accepted_at is not None for row in before.values()) == 6
    assert sum(row.completed_at is not None for row in before.values()) >= 3
    assert sum(row.handed_at is not None for row in before.values()) >= 1
    days, late = counts
    assert sum(day[5] for day in days) == 31  # steps done, as SEP_OCT's figures say
    assert sum(day[8] for day in days) == 7 and late
    assert facts.fill(world.engine.store, world.engine.calendar, everything=True) == 8
    assert kept(world.engine) == before
    assert counted(world.engine) == counts


def test_after_every_change_the_kept_row_equals_a_fresh_computation(
    databases: Databases,
) -> None:
    # The data set built again, checking inside each change's transaction (after the
    # engine kept what it keeps) that the case's row is what a computation from its row
    # and task index gives at that moment: a change the engine judged not to alter the
    # row (no milestone task opened or closed, no counted field changed) left it right.
    clock = ManualClock(START)
    with databases.engine(clock) as engine:
        keeper = engine.cases.changes.keep_figures
        assert keeper is not None
        checked: list[int] = []

        def checking(
            uow: UnitOfWork,
            before: CaseRecord | None,
            after: CaseRecord,
            change: IndexChange,
            events: Sequence[EventRecord],
        ) -> None:
            keeper(uow, before, after, change, events)
            stored = uow.figures.case_figures_of([after.id])
            assert [stored[after.id]] == facts.compute(uow, [after.id], engine.calendar)
            checked.append(after.id)

        engine.cases.changes.keep_figures = checking
        built = build(engine, clock, databases.catalogue)
    assert len(checked) >= 40 and set(checked) == set(built.cases.values())


def test_an_engine_fills_the_rows_of_cases_that_have_none(
    world: World, databases: Databases
) -> None:
    # A database migrated to 0026 (or cases copied in by a bench) has cases without a
    # row: the figures would miss what they contribute, so an engine fills them when it
    # starts, in batches.
    before, counts = kept(world.engine), counted(world.engine)
    figures = world.report(SEP_OCT).total.as_dict()
    forget(world.engine)
    assert kept(world.engine) == {} and counted(world.engine) == (set(), set())
    assert world.report(SEP_OCT).total.as_dict() != figures  # the rows are what is summed
    again = Engine(world.engine.database_url, ManualClock(world.clock.now()))
    try:
        assert kept(again) == before
        assert counted(again) == counts
        with again.store.unit_of_work(write=False) as uow:
            assert uow.session.scalar(select(func.count()).select_from(CaseFigureRow)) == 8
    finally:
        again.close()
    assert world.report(SEP_OCT).total.as_dict() == figures


def test_daiban_stats_rebuild_counts_every_case_again(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # After a change to the holiday overrides (two of the counts are working days), or
    # rows lost: everything forgotten and counted again from the cases' histories.
    before, counts = kept(world.engine), counted(world.engine)
    figures = world.report(SEP_OCT).total.as_dict()
    with world.engine.store.unit_of_work() as uow:  # a row and a day count gone wrong
        uow.session.execute(delete(CaseFigureRow).where(CaseFigureRow.case_id == min(before)))
        uow.session.execute(update(FigureDayRow).values(steps_done=FigureDayRow.steps_done + 1))
        uow.commit()
    assert world.report(SEP_OCT).total.as_dict() != figures
    assert main(["--database-url", world.engine.store.url, "stats", "--rebuild"]) == 0
    assert "已按历史重新计算 8 件办件的统计用数据" in capsys.readouterr().out
    assert kept(world.engine) == before and counted(world.engine) == counts
    assert world.report(SEP_OCT).total.as_dict() == figures


def test_a_case_rated_more_than_once_is_counted_from_its_events(world: World) -> None:
    # A case holds one rating (its link is used once, a paper rating is refused after
    # it): the row keeps that one. Were there several, the row would keep none and say
    # so, and the ratings would be read from the case's events — the same counts.
    figures = world.report(SEP_OCT).total.as_dict()
    assert figures["ratings"] == 3
    rated = [i for i, row in kept(world.engine).items() if row.rated_at is not None]
    with world.engine.store.unit_of_work() as uow:
        uow.session.execute(
            update(CaseFigureRow)
            .where(CaseFigureRow.case_id.in_(rated))
            .values(several_ratings=True, rated_at=None, rating_kind=None, rating_level=None)
        )
        uow.commit()
    assert world.report(SEP_OCT).total.as_dict() == figures


def test_a_milestone_kept_first_keeps_its_earliest_time(world: World) -> None:
    """A case delivered twice (a delivery task finished again) counts its first delivery,
    where the handover counts its last one (``Milestone.first``)."""
    earlier, later = START, START + timedelta(days=3)
    delivery = ClosedTask("t-delivery", elements.DELIVERY_TASKS[0], None, 5)
    handover = ClosedTask("t-handover", elements.HANDOVER, None, 5)
    with world.engine.store.unit_of_work(write=False) as uow:
        case_id = uow.cases.ids(0, 1)[0]
        record = uow.cases.get(case_id)
        row = uow.figures.case_figures_of([case_id])[case_id]
    closing = EventRecord(case_id, 6, "message_received", "system", later, {}, "", "")
    change = IndexChange(closed=(delivery, handover))
    both = replace(row, delivered_at=earlier, handed_over_at=earlier)
    moved = facts._advanced(both, record, change, closing)
    assert (moved.delivered_at, moved.handed_over_at) == (earlier, later)
    none_yet = facts._advanced(replace(row, delivered_at=None), record, change, closing)
    assert none_yet.delivered_at == later
