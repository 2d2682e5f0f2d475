"""Excluded periods (engine/periods.py) move the due dates, on the shipped 低保 process.

The calendar used throughout (processes/holidays.yaml has no 2026 entry, so the State
Council's 2026 arrangement from the ``holidays`` package): 中秋 Fri 09-25 to Sun 09-27 off;
National Day Thu 10-01 to Wed 10-07 off; Sat 10-10 a working day (调休上班).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from engine import Actor, CaseView, Engine, ManualClock, SourceFile, elements
from engine.calendar import WorkingCalendar
from engine.clock import SHANGHAI
from engine.design.builder import Field, ProcessBuilder
from engine.design.templates.lanes import WINDOW, lanes
from engine.simulate import Scenario, run
from engine.stats import Period
from engine.steps import RED, end_of
from processes.catalogue import Catalogue, Item
from tests.support.databases import START, Deployed
from tests.support.driving import do
from tests.support.paths import LIBRARY
from tests.support.shipped import shipped_catalogue
from webapi.cli import main


@pytest.fixture
def deployed() -> Deployed:
    return LIBRARY


def start(catalogue: Catalogue, code: str, **item: Any) -> dict[str, Any]:
    data = catalogue.items[code].process_data()
    data.update(item)
    return {"item": data, "via_proxy": False, "emergency": False}


def at(engine: Engine, clock: ManualClock, view: CaseView, day: str, hour: int = 9) -> CaseView:
    clock.set(datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=SHANGHAI))
    engine.cases.tick()
    return engine.cases.get(view.id)


def events(engine: Engine, case_id: int, kind: str) -> list[dict[str, Any]]:
    _, entries = engine.audit.history(case_id)
    return [e.event.payload for e in entries if e.event.type == kind]


def task_data(view: CaseView, spec_id: str) -> dict[str, Any]:
    return next(t.data for t in view.tasks if t.spec_id == spec_id)


def due_at(engine: Engine, view: CaseView, spec_id: str) -> datetime | None:
    return next(t.due_at for t in engine.cases.task_index(view.id) if t.spec_id == spec_id)


def low_income_to_notice(engine: Engine, catalogue: Catalogue, clock: ManualClock) -> CaseView:
    """MZ001 accepted on Thu 2026-09-24 and its 7-day notice published the same day."""
    view = engine.cases.start(
        catalogue.items["MZ001"].process_id, start(catalogue, "MZ001"), Actor("tester")
    )
    for spec in (
        "Task_check_materials",
        "Task_household_survey",
        "Task_income_check",
        "Task_democratic_review",
        "Task_first_review",
        "Task_backoffice_review",
        "Task_leader_approval",
        "Task_publish_notice",
    ):
        view = do(engine, view, spec, clock)
    return view


def test_low_income_notice_across_national_day_moves_the_due_date(
    engine: Engine, catalogue: Catalogue, clock: ManualClock
) -> None:
    view = low_income_to_notice(engine, catalogue, clock)
    # 25 working days from Thu 09-24 (not counted): 09-28 29 30, 10-08 09 10(Sat) 12–16,
    # 19–23, 26–30, 11-02 03 04 05 = 3 + 3 + 5 + 5 + 5 + 4 = 25 → Thu 2026-11-05.
    assert view.due_date == date(2026, 11, 5)
    # The notice runs out at the end of 10-08: 09-24 + 7 days = 10-01, a holiday → 10-08.
    assert engine.cases.record(view.id).next_timer_at == end_of(date(2026, 10, 8))
    assert events(engine, view.id, "due_date_extended") == []

    view = at(engine, clock, view, "2026-10-09")  # the notice's timer fired at 10-09 00:00
    # The notice ran from 09-24 (not counted) to 10-08: the working days in it are 09-28,
    # 09-29, 09-30 and 10-08 (09-25–27 中秋 and weekend, 10-01–07 National Day) = 4, not 7.
    # 11-05 + 4 working days: 11-06 (Fri), 11-09, 11-10, 11-11 → Wed 2026-11-11.
    assert view.due_date == date(2026, 11, 11)
    assert engine.cases.record(view.id).due_date == date(2026, 11, 11)
    assert events(engine, view.id, "due_date_extended") == [
        {
            "period": "public_notice",
            "period_from": "2026-09-24",
            "period_to": "2026-10-08",
            "excluded_days": 4,
            "limit_unit": "working_days",
            "old_due_date": "2026-11-05",
            "new_due_date": "2026-11-11",
        }
    ]
    # A step limit counts from the day its task became ready: the county hand-off became
    # ready on 10-09, after the notice, and keeps its 10 working days: 10-10 (Sat, 调休),
    # 10-12–16, 10-19–22 → due at the end of Thu 10-22, not moved.
    assert due_at(engine, view, "Task_county_handover") == end_of(date(2026, 10, 22))
    assert engine.audit.verify(view.id).ok
    replayed = engine.audit.replay(view.id)
    assert replayed.data["due_on"] == "2026-11-11"
    assert replayed.digest == engine.audit.replay(view.id, replayed.seq - 1).digest


def test_the_moved_date_decides_the_warnings(
    engine: Engine, catalogue: Catalogue, clock: ManualClock
) -> None:
    view = low_income_to_notice(engine, catalogue, clock)
    view = at(engine, clock, view, "2026-10-09")
    view = do(engine, view, "Task_county_handover", clock)
    view = do(engine, view, "Task_county_spot_check", clock)
    view = do(engine, view, "Task_county_decision", clock)
    # Fri 11-06: past the old due date (11-05), within the moved one (11-11): no red card
    # for the case, only its yellow one (26 of its 29 working days used, 80 % is 24).
    view = at(engine, clock, view, "2026-11-06", 10)
    case_warnings = [e for e in events(engine, view.id, RED) if "task_id" not in e]
    assert case_warnings == []
    assert [e["due_date"] for e in events(engine, view.id, "warning_yellow") if "task_id" not in e]
    view = at(engine, clock, view, "2026-11-12", 10)
    reds = [e for e in events(engine, view.id, RED) if "task_id" not in e]
    assert reds == [{"due_date": "2026-11-11"}]


def test_an_upheld_objection_ends_the_notice_early(
    engine: Engine, catalogue: Catalogue, clock: ManualClock
) -> None:
    view = low_income_to_notice(engine, catalogue, clock)
    view = at(engine, clock, view, "2026-09-29")
    view = engine.cases.deliver_message(
        view.id, "public_notice_objection", {"content": "申请人家庭收入不实"}
    )
    view = do(engine, view, "Task_objection", clock, objection_upheld=True)
    # The notice ran from 09-24 to Tue 09-29, when the objection was upheld: working days
    # 09-28 and 09-29 = 2; 11-05 + 2 → Mon 11-09. Back to the B-post review.
    assert view.due_date == date(2026, 11, 9)
    assert [e["excluded_days"] for e in events(engine, view.id, "due_date_extended")] == [2]
    assert "Task_backoffice_review" in [t.spec_id for t in view.tasks]
    assert task_data(view, "Task_backoffice_review")["limit_pause"] is None


def test_a_supplement_before_acceptance_does_not_move_the_due_date(
    engine: Engine, catalogue: Catalogue, clock: ManualClock
) -> None:
    # An item that excludes supplements (the item's case data says so).
    data = start(catalogue, "MZ001", excluded=["public_notice", "supplement"])
    view = engine.cases.start(catalogue.items["MZ001"].process_id, data, Actor("tester"))
    view = do(
        engine, view, "Task_check_materials", clock,
        intake_decision="supplement", missing_materials="家庭收入情况说明",
    )  # fmt: skip
    view = do(engine, view, "Task_supplement_notice", clock)
    clock.set(clock.now() + timedelta(days=6))  # Wed 09-30
    view = engine.cases.deliver_message(view.id, "materials_resubmitted", {})
    # The wait ran from 09-24 to 09-30: 09-28, 09-29, 09-30 = 3 working days, recorded …
    period = task_data(view, "Task_recheck")["limit_period"]
    assert (period["reason"], period["from"], period["to"]) == (
        "supplement",
        "2026-09-24",
        "2026-09-30",
    )
    assert (period["days"], period["applies"], period["due_before"]) == (3, True, None)
    view = do(engine, view, "Task_recheck", clock, intake_decision="accept")
    # … but the promised limit only starts at acceptance (《行政许可法》第三十二条): 25
    # working days from Wed 09-30: 10-08 09 10, 12–16, 19–23, 26–30, 11-02–06, 11-09 10
    # = 3 + 5 + 5 + 5 + 5 + 2 = 25 → Tue 2026-11-10, and nothing was moved.
    assert view.due_date == date(2026, 11, 10)
    assert events(engine, view.id, "due_date_extended") == []


def test_an_item_that_does_not_exclude_the_notice_keeps_its_due_date(
    engine: Engine, catalogue: Catalogue, clock: ManualClock
) -> None:
    data = start(catalogue, "MZ001", excluded=[])
    view = engine.cases.start(catalogue.items["MZ001"].process_id, data, Actor("tester"))
    for spec in ("Task_check_materials", "Task_household_survey", "Task_income_check",
                 "Task_democratic_review", "Task_first_review", "Task_backoffice_review",
                 "Task_leader_approval", "Task_publish_notice"):  # fmt: skip
        view = do(engine, view, spec, clock)
    view = at(engine, clock, view, "2026-10-09")
    assert view.due_date == date(2026, 11, 5)
    assert task_data(view, "Task_county_handover")["limit_period"]["applies"] is False
    assert events(engine, view.id, "due_date_extended") == []


def test_simulate_shows_the_moved_due_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "MZ001"]) == 0
    out = capsys.readouterr().out
    assert (
        "2026-09-24 09:00  task    Task_publish_notice [township_window] 发布公示（办结期限 2026-11-05）"
        in out
    )
    assert (
        "2026-10-09 00:01  timer   tick  扣除不计时期间，办结期限由 2026-11-05 顺延（办结期限 2026-11-11）"
        in out
    )
    assert out.rstrip().endswith("受理日 2026-09-24；办结期限 2026-11-11")
    assert START.date() == date(2026, 9, 24)


# Yearly payout lists (``batch``) have no promised limit to move (docs/batch-items.md).
NOTICE_EXCLUDED = [
    i for i in shipped_catalogue() if "public_notice" in i.excluded_from_limit and i.batch is None
]


@pytest.mark.parametrize("item", NOTICE_EXCLUDED, ids=[i.code for i in NOTICE_EXCLUDED])
def test_every_item_that_excludes_its_notice_has_it_excluded(
    engine: Engine, clock: ManualClock, item: Item
) -> None:
    start_data = {"item": item.process_data(), "via_proxy": False, "emergency": False}
    trace = run(engine.cases, clock, item.process_id, Scenario(start=start_data))
    assert trace.case.status == "completed"
    calendar = WorkingCalendar.default()
    accepted = date(2026, 9, 24)  # the scenario accepts and publishes the notice that day
    if item.public_notice_unit == "calendar_days":
        last = calendar.add_calendar_days(accepted, item.public_notice_days).date
    else:
        last = calendar.add_working_days(accepted, item.public_notice_days).date
    promised = calendar.add_working_days(accepted, item.promised_limit).date
    moved = calendar.add_working_days(promised, calendar.working_days_between(accepted, last))
    assert trace.case.due_date == moved.date > promised
    [extended] = events(engine, trace.case.id, "due_date_extended")
    assert extended["old_due_date"] == promised.isoformat()
    if item.code == "RS015":
        # 5 working days of notice from 09-24: 09-28 29 30, 10-08 09 → all 5 excluded;
        # 15 working days from 09-24 end 10-22; + 5: 10-23, 10-26 27 28 29 → 2026-10-29.
        assert extended["new_due_date"] == "2026-10-29"


def parallel_wait() -> SourceFile:
    """A county hand-off (its tasks have the ``county_decision`` step limit) where one
    branch waits out an excluded supplement while a task of the other stays open."""
    b = ProcessBuilder(elements.COUNTY_HANDOFF, "测试：并行的补正期间", lanes=lanes(WINDOW))
    b.start("Start_test", "开始", WINDOW)
    b.script("Script_due", "承诺期限", WINDOW, 'due_on = "2026-11-05"\nlimit_pause = None')
    b.parallel("Split", "", WINDOW)
    b.user_task("Task_open", "办理中的环节", WINDOW, [Field("note", "text", "备注")])
    b.script(
        "Script_pause",
        "补正开始",
        WINDOW,
        'limit_pause = pause_limit("supplement", None, limit_pause)',
    )
    b.receive(
        "Receive_materials", "等待补正", WINDOW, elements.MATERIALS_RESUBMITTED, "resubmission"
    )
    b.script(
        "Script_resume", "补正结束", WINDOW,
        'limit_period = resume_limit(limit_pause, due_on, item)\n'
        'due_on = limit_period["due_after"]\nlimit_pause = None',
    )  # fmt: skip
    b.user_task("Task_after", "补正后的环节", WINDOW, [Field("note", "text", "备注")])
    b.parallel("Join", "", WINDOW)
    b.end("End_test", "结束", WINDOW)
    b.chain("Start_test", "Script_due", "Split")
    b.chain("Split", "Task_open", "Join")
    b.chain("Split", "Script_pause", "Receive_materials", "Script_resume", "Task_after", "Join")
    b.chain("Join", "End_test")
    return SourceFile("common/test_parallel_wait.bpmn", b.to_xml())


def test_a_step_open_during_a_period_moves_and_one_after_it_does_not(
    engine: Engine, catalogue: Catalogue, clock: ManualClock
) -> None:
    engine.definitions.deploy([parallel_wait()])
    data = start(catalogue, "MZ001", excluded=["supplement"])
    view = engine.cases.start(
        elements.COUNTY_HANDOFF, data, Actor("tester"), due_date=date(2026, 11, 5)
    )
    # Task_open ready Thu 09-24 with the 10-working-day county_decision limit: 09-28 29
    # 30, 10-08 09 10(Sat) 12 13 14 15 → due at the end of Thu 10-15.
    assert due_at(engine, view, "Task_open") == end_of(date(2026, 10, 15))
    view = at(engine, clock, view, "2026-10-09")
    view = engine.cases.deliver_message(view.id, "materials_resubmitted", {})
    # The supplement ran 09-24 (not counted) to Fri 10-09: 09-28 29 30, 10-08 09 = 5
    # working days. The case: 11-05 + 5 → 11-06, 11-09 10 11 12 → Thu 11-12. Task_open,
    # open all along: 10-15 + 5 → 10-16, 10-19 20 21 22 → Thu 10-22. Task_after, ready
    # on 10-09 after the period: 10 working days from 10-09 → 10-10, 12–16, 19–22 → 10-22.
    assert view.due_date == date(2026, 11, 12)
    assert due_at(engine, view, "Task_open") == end_of(date(2026, 10, 22))
    assert due_at(engine, view, "Task_after") == end_of(date(2026, 10, 22))
    [extended] = events(engine, view.id, "due_date_extended")
    assert (extended["old_due_date"], extended["new_due_date"]) == ("2026-11-05", "2026-11-12")
    assert [(t["spec_id"], t["old_due_at"], t["new_due_at"]) for t in extended["tasks"]] == [
        ("Task_open", "2026-10-16T00:00:00+08:00", "2026-10-23T00:00:00+08:00")
    ]
    assert engine.audit.verify(view.id).ok


def test_the_figures_count_a_case_done_by_its_moved_date_as_on_time(
    engine: Engine, catalogue: Catalogue, clock: ManualClock
) -> None:
    view = low_income_to_notice(engine, catalogue, clock)
    view = at(engine, clock, view, "2026-10-09")
    view = do(engine, view, "Task_county_handover", clock)
    view = do(engine, view, "Task_county_spot_check", clock)
    view = do(engine, view, "Task_county_decision", clock)
    # Delivered Mon 11-09: after the unmoved 11-05, within the moved 11-11.
    view = at(engine, clock, view, "2026-11-09", 10)
    view = do(engine, view, "Task_prepare_result", clock, delivery_mode="window")
    view = do(engine, view, "Task_window_pickup", clock)
    report = engine.stats.figures(Period(date(2026, 9, 1), date(2026, 11, 30)))
    total = report.total
    assert (total.completed, total.completed_with_due_date) == (1, 1)
    assert (total.on_time, total.overdue_completed) == (1, 0)
