"""Supervision figures (效能监督) and yellow/red warnings on the hand-built data set of
``tests/support/stats_world.py`` (eight cases really run through their processes from
Thu 24 Sep to Fri 30 Oct 2026; every expected number derived by hand there and below).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from engine import Engine, ManualClock, read_sources, steps
from engine.calendar import WorkingCalendar
from engine.identity import Principal
from engine.policy import figures_scope
from engine.records import CaseFilter
from engine.stats import GROUPINGS, Period
from engine.stats.figures import Figures
from engine.steps import (
    RED,
    YELLOW,
    end_of,
    phase_of,
    step_limit,
    task_due,
    warning_level,
)
from tests.support.databases import Databases
from tests.support.paths import BPMN
from tests.support.shipped import shipped_catalogue
from tests.support.stats_world import (
    COUNTY,
    FENGLE,
    OCTOBER,
    QINGSI,
    SEP_OCT_TOTAL,
    SEPTEMBER,
    Desk,
    World,
    all_tasks,
    local,
    stats_world,
)
from webapi.cli import main
from webapi.settings import ConfigError, Settings


@pytest.fixture(scope="module")
def world(databases: Databases) -> Iterator[World]:
    with stats_world(databases) as found:
        yield found


def check(figures: Figures, expected: dict[str, Any]) -> None:
    shown = figures.as_dict()
    assert {k: shown[k] for k in expected} == expected


# -- the figures -----------------------------------------------------------------------


def test_every_figure_on_the_hand_built_data_set(world: World) -> None:
    report = world.report()
    assert report.as_of == local("2026-11-01 00:00")
    assert set(SEP_OCT_TOTAL) == set(report.total.as_dict()), "a figure is not checked"
    check(report.total, SEP_OCT_TOTAL)
    [county] = report.groups
    assert (county.unit, county.name) == (COUNTY, "渠县")
    check(county.figures, SEP_OCT_TOTAL)


def test_the_period_decides_which_events_count(world: World) -> None:
    september = world.report(SEPTEMBER)
    # At the end of September (24:00 30 Sep) only G was open past its due date (30 Sep);
    # B (due 8 Oct) and F (not yet accepted) were not, C had been returned on 29 Sep.
    assert september.as_of == local("2026-10-01 00:00")
    check(
        september.total,
        {
            "registered": 8,
            "accepted": 5,  # A, B, C, D, G (F only in October)
            "returned": 1,
            "return_rate": 0.2,
            "intake_concluded": 6,  # A, B, C, D, E, G
            "first_time_right": 4,  # A, C, D, G
            "supplement_rate": round(1 / 6, 4),
            "completed": 1,  # D
            "on_time_rate": 1.0,
            "early_rate": 0.0,
            "avg_handling_days": 0.0,
            "overdue_open": 1,  # G
            "overdue_rate": 0.5,  # 1 / (1 + 1)
            # Done in September: A 6 (up to the county handover), B 5 (up to the back
            # office), C 2, D 3, E 2, F 1 (entrust), G 2; none late.
            "steps_done": 21,
            "step_overdue_done": 0,
            # Open past due at 24:00 30 Sep: B's leader approval (29 Sep), F's handover
            # (30 Sep), G's back office review (28 Sep); C's was ended on 29 Sep.
            "step_overdue_open": 3,
            "handed_over": 1,  # A
            "handover_on_time_rate": 1.0,
            "yellow_warnings": 3,  # the 29 Sep tick
            "red_warnings": 2,
            "ratings": 1,  # D
            "satisfaction_rate": 1.0,
            "bad_ratings": 0,
            "rectification_rate": None,
            "ledger_recorded": 4,
            "ledger_resolved": 2,
        },
    )
    october = world.report(OCTOBER)
    check(
        october.total,
        {
            "registered": 0,
            "proxy_cases": 0,
            "accepted": 1,  # F
            "on_the_spot_share": 0.0,
            "intake_concluded": 1,
            "first_time_right_rate": 1.0,
            "completed": 2,  # A (early), B (late)
            "on_time": 1,
            "early": 1,
            "overdue_completed": 1,
            "overdue_open": 2,  # F, G
            "overdue_rate": 0.75,  # 3 / (2 + 2)
            "avg_handling_days": 4.5,  # (3 + 6) / 2
            # A 3 (county decision, prepare, pickup), B 4 (leader, prepare, pickup,
            # rectify), F 3 (escalation, handover, check).
            "steps_done": 10,
            "step_overdue_done": 3,
            "step_overdue_open": 2,
            "handed_over": 1,  # F, late
            "handover_on_time_rate": 0.0,
            "avg_village_holding_days": 4.0,
            "yellow_warnings": 5,  # the 8 Oct and 30 Oct ticks
            "red_warnings": 5,
            "ratings": 2,  # A, B
            "satisfaction_rate": 0.5,
            "rectification_rate": 1.0,
            "ledger_recorded": 0,  # all recorded in September
            "ledger_resolution_rate": None,
        },
    )


# Periods around the data set (every case registered Thu 24 Sep, the last events on 30
# Oct): before it, its first day, days and weeks that cut through open cases, each month,
# both months, and after it (the open cases still counted as overdue).
PERIODS = [
    Period(date(2026, 8, 1), date(2026, 8, 31)),
    Period(date(2026, 9, 24), date(2026, 9, 24)),
    Period(date(2026, 9, 28), date(2026, 10, 2)),
    Period(date(2026, 10, 9), date(2026, 10, 20)),
    SEPTEMBER,
    OCTOBER,
    Period(date(2026, 9, 1), date(2026, 10, 31)),
    Period(date(2026, 10, 30), date(2026, 11, 30)),
    Period(date(2026, 12, 1), date(2026, 12, 31)),
]


@pytest.mark.parametrize("group_by", GROUPINGS)
def test_reading_only_the_periods_rows_gives_the_full_recomputation(
    world: World, group_by: str
) -> None:
    # The fast path reads the cases alive in the period, their tasks and the period's
    # warnings; the full recomputation every case and task of the database (so it also
    # lists, with nothing in them, the groups of cases that were not alive).
    stats = world.stats()
    nothing = Figures().as_dict()
    busy = 0
    for period in PERIODS:
        fast = stats.figures(period, group_by)
        full = stats.figures(period, group_by, bounded=False)
        shown = {(g.unit, g.name): g.figures.as_dict() for g in fast.groups}
        for group in full.groups:
            expected = group.figures.as_dict()
            assert shown.pop((group.unit, group.name), nothing) == expected, (period, group)
        assert not shown, period
        assert fast.total.as_dict() == full.total.as_dict(), period
        busy += fast.total.steps_done + fast.total.step_overdue_open > 0
    assert busy >= 6  # the periods do cut through the data set


def test_figures_per_township(world: World) -> None:
    report = world.report(group_by="township")
    groups = {g.unit: g for g in report.groups}
    # Every township of the county is listed, with zeros where nothing happened.
    assert set(groups) == {u.code for u in world.engine.org.of_kind("township")}
    assert groups["511725103"].figures.as_dict()["registered"] == 0
    assert groups[QINGSI].name == "青丝乡"
    # 青丝乡: A, B, D, E, H.
    check(
        groups[QINGSI].figures,
        {
            "registered": 5,
            "proxy_cases": 1,  # A
            "accepted": 3,  # A, B, D
            "intake_concluded": 4,  # + E
            "first_time_right": 2,  # A, D
            "supplement_rate": 0.25,
            "completed": 3,
            "on_time_rate": round(2 / 3, 4),
            "overdue": 1,  # B, completed late
            "steps_done": 23,  # A 9 + B 9 + D 3 + E 2
            "step_overdue": 2,  # B's leader approval and pickup
            "handover_on_time_rate": 1.0,  # A
            "yellow_warnings": 2,  # B's leader approval (29 Sep), B's case (8 Oct)
            "red_warnings": 1,  # B's leader approval (8 Oct)
            "ratings": 3,
            "ledger_recorded": 3,
            "ledger_resolved": 2,
            "ledger_resolution_rate": round(2 / 3, 4),
        },
    )
    # 丰乐乡: C, F, G.
    check(
        groups[FENGLE].figures,
        {
            "registered": 3,
            "accepted": 3,
            "returned": 1,
            "return_rate": round(1 / 3, 4),
            "completed": 0,
            "on_time_rate": None,
            "overdue_open": 2,
            "overdue_rate": 1.0,
            "steps_done": 8,  # C 2 + F 4 + G 2
            "step_overdue_done": 1,  # F's handover
            "step_overdue_open": 2,
            "handover_on_time_rate": 0.0,
            "avg_village_holding_days": 4.0,
            # C's back office (29 Sep: both), G's back office (29 Sep: both), F's handover
            # (8 Oct: both), G's case (8 Oct: both), F's first review and F's case
            # (30 Oct: both).
            "yellow_warnings": 6,
            "red_warnings": 6,
            "ratings": 0,
            "satisfaction_rate": None,
            "ledger_recorded": 1,
            "ledger_resolution_rate": 0.0,
        },
    )
    total = Figures()
    for group in report.groups:
        total.add(group.figures)
    assert total.as_dict() == report.total.as_dict() == world.report().total.as_dict()


def test_figures_per_village_item_and_department(world: World) -> None:
    villages = {g.unit: g.figures.as_dict() for g in world.report(group_by="village").groups}
    # Every village and community of the county is listed.
    assert set(villages) == {u.code for u in world.engine.org.of_kind("village", "community")}
    # Proxy cases per village: A in 青丝社区, F in 桂花村.
    assert {v: f["proxy_cases"] for v, f in villages.items() if f["proxy_cases"]} == {
        "511725201001": 1,
        "511725202003": 1,
    }
    assert villages["511725201003"]["registered"] == 2  # B and H, 石桥村
    assert villages["511725201001"]["ledger_recorded"] == 3
    assert villages["511725201001"]["avg_village_holding_days"] == 2.0
    assert villages["511725202003"]["handover_on_time_rate"] == 0.0
    items = {g.unit: g for g in world.report(group_by="item").groups}
    assert set(items) == {"MZ004", "ZF002", "RS010"}  # only items with cases
    assert items["ZF002"].name == "临时便民服务摊点设置"
    # MZ004: A, E, F; ZF002: B, C, G, H; RS010: D.
    assert [items[c].figures.registered for c in ("MZ004", "ZF002", "RS010")] == [3, 4, 1]
    assert items["RS010"].figures.as_dict()["on_the_spot_share"] == 1.0
    assert items["ZF002"].figures.as_dict()["step_overdue"] == 3  # B 2, G 1
    # The ledger knows neither items nor departments.
    assert items["MZ004"].figures.ledger_recorded is None
    departments = {g.unit: g for g in world.report(group_by="department").groups}
    assert departments["MZ"].name == "县民政局"
    assert [departments[c].figures.accepted for c in ("MZ", "ZF", "RS")] == [2, 3, 1]
    assert departments["MZ"].figures.as_dict()["ledger_resolution_rate"] is None


def test_filters_narrow_the_cases(world: World) -> None:
    qingsi = world.report(where=CaseFilter(township=QINGSI)).total.as_dict()
    by_township = {g.unit: g for g in world.report(group_by="township").groups}
    assert qingsi == by_township[QINGSI].figures.as_dict()
    only_b_and_h = world.report(where=CaseFilter(village="511725201003")).total
    assert (only_b_and_h.registered, only_b_and_h.accepted) == (2, 1)
    assert only_b_and_h.ledger_recorded == 0
    zf = world.report(where=CaseFilter(item_code="ZF002", township=FENGLE)).total
    assert (zf.registered, zf.returned, zf.overdue_open) == (2, 1, 1)  # C, G
    assert world.report(where=CaseFilter(department="MZ")).total.registered == 3


@pytest.mark.parametrize(
    ("user", "registered", "ledger"),
    [
        ("sun.hong", 8, 4),  # supervisor: the county
        ("wang.fang", 5, 3),  # 青丝乡 window: A, B, D, E, H
        ("he.ping", 5, 3),  # 青丝乡 mobile agent: the township
        ("tan.xiaoyan", 1, 3),  # 青丝社区's agent: A
        ("cai.ping", 1, 1),  # 桂花村's agent: F
        ("pan.hong", 3, 1),  # 丰乐乡: C, F, G
        ("deng.hui", 1, None),  # 县民政局: only A was handed to the county
    ],
)
def test_each_caller_sees_the_figures_of_its_scope(
    world: World, user: str, registered: int, ledger: int | None
) -> None:
    scope = figures_scope(world.engine.identity.principal(user))
    total = world.report(scope=scope).total
    assert (total.registered, total.ledger_recorded) == (registered, ledger)


def test_designers_and_administrators_have_no_scope(world: World) -> None:
    for user in ("lin.tao", "he.jun"):
        assert figures_scope(world.engine.identity.principal(user)).empty
    nobody = Principal("x", "x", frozenset(), "511725")
    assert world.report(scope=figures_scope(nobody)).total.registered == 0


# -- per-step due dates and warnings ---------------------------------------------------


def test_each_task_is_due_at_the_end_of_its_step_limit(world: World) -> None:
    tasks = {
        (name, t.spec_id): t
        for name, case_id in world.cases.items()
        for t in all_tasks(world.engine, case_id)
    }
    due = {key: task.due_at for key, task in tasks.items()}
    # A: entrusted 24 Sep → handover due wd(24 Sep, 3) = 30 Sep, fixed although the case
    # got its due date (26 Oct) later; its first review wd(29 Sep, 5) = 12 Oct (30 Sep,
    # 8, 9, 10, 12 Oct).
    assert due["A", "Task_handover"] == end_of(date(2026, 9, 30))
    assert due["A", "Task_first_review"] == end_of(date(2026, 10, 12))
    assert due["A", "Task_county_decision"] == end_of(date(2026, 10, 13))  # wd(30 Sep, 5)
    # F's escalation, ready 8 Oct, has the handover phase's 3 days: 9, 10, 12 Oct.
    assert due["F", "Task_escalate_handover"] == end_of(date(2026, 10, 12))
    # D (RS010) has no delivery limit: its delivery steps are due with the case (24 Sep).
    assert due["D", "Task_prepare_result"] == end_of(date(2026, 9, 24))
    # C's return notice belongs to no phase: due with the case (30 Sep).
    assert due["C", "Task_return_notice"] == end_of(date(2026, 9, 30))
    # B's bad rating is rectified within 15 working days of 12 Oct: 2 Nov.
    assert due["B", "Task_rectify"] == end_of(date(2026, 11, 2))


def test_the_timer_job_raises_each_warning_once(world: World) -> None:
    first, second, third = world.ticks
    # Tue 29 Sep 08:00. B's leader approval (ready 28 Sep, limit 1 day: 29 Sep) has used
    # 1 of 1 working days ≥ 80% → yellow. C's and G's back office reviews (due 24:00 28
    # Sep) are past their limit → red, with the yellow they never had. The cases: C and G
    # (due 30 Sep) have used 2 of 3 days (28, 29) < 2.4; B (due 8 Oct) 1 of 3; A and F
    # have no due date yet; their handovers (due 30 Sep) have used 2 of 3 days.
    assert first == [
        ("B", YELLOW, "Task_leader_approval"),
        ("C", RED, "Task_backoffice_review"),
        ("C", YELLOW, "Task_backoffice_review"),
        ("G", RED, "Task_backoffice_review"),
        ("G", YELLOW, "Task_backoffice_review"),
    ]
    # Thu 8 Oct 08:00. B's leader approval → red (its yellow is recorded). Case B (8 Oct)
    # has used 3 of 3 days (29, 30 Sep, 8 Oct) but not run out → yellow. F's handover
    # (30 Sep) fired its escalation and is red (and yellow). Case G (30 Sep) → red and
    # yellow. A's county decision (13 Oct) has used 1 of 5 days, case A 2 of 15.
    assert second == [
        ("B", RED, "Task_leader_approval"),
        ("B", YELLOW, "case"),
        ("F", RED, "Task_handover"),
        ("F", YELLOW, "Task_handover"),
        ("G", RED, "case"),
        ("G", YELLOW, "case"),
    ]
    # Fri 30 Oct 10:00. F's first review (14 Oct) and case F (28 Oct) have run out; G's
    # back office review and case G already have both; A and B are closed.
    assert third == [
        ("F", RED, "Task_first_review"),
        ("F", RED, "case"),
        ("F", YELLOW, "Task_first_review"),
        ("F", YELLOW, "case"),
    ]
    # Running the job again raises nothing new.
    assert world.engine.cases.tick().warnings == []


def test_warnings_are_history_that_replays_and_verifies(world: World) -> None:
    engine = world.engine
    g = world.cases["G"]
    with engine.store.unit_of_work(write=False) as uow:
        events = [event for event, _ in uow.events.of_case(g)]
    warnings = [e for e in events if e.type in (YELLOW, RED)]
    # 29 Sep: its back office review, yellow then red; 8 Oct: the case, yellow then red.
    assert [(e.type, e.actor) for e in warnings] == [
        (YELLOW, "system:timer"),
        (RED, "system:timer"),
        (YELLOW, "system:timer"),
        (RED, "system:timer"),
    ]
    case_warning = next(e for e in warnings if "task_id" not in e.payload)
    assert case_warning.payload == {"due_date": "2026-09-30"}
    task_warning = next(e for e in warnings if "task_id" in e.payload)
    assert task_warning.payload["spec_id"] == "Task_backoffice_review"
    assert task_warning.payload["due_at"] == "2026-09-29T00:00:00+08:00"
    # A warning leaves the state as it was: its digest is its predecessor's.
    for event in warnings:
        before = next(e for e in events if e.seq == event.seq - 1)
        assert event.state_digest == before.state_digest
    for case_id in world.cases.values():
        report = engine.audit.verify(case_id)
        assert report.ok, str(report)
    state = engine.audit.replay(g)
    assert state.seq == events[-1].seq
    assert [t.spec_id for t in state.tasks] == ["Task_backoffice_review"]


def test_a_warning_is_not_raised_for_a_task_done_meanwhile(
    engine: Engine, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job finds the warnings due, then writes them case by case: a task completed
    in between gets none (checked again in the writing transaction)."""
    engine.definitions.deploy(read_sources([BPMN / "common", BPMN / "items" / "item_zf002.bpmn"]))
    desk = Desk(engine, clock, shipped_catalogue())
    case_id = desk.register("wang.fang", "ZF002", "511725201003", "township_window")
    desk.at("2026-09-29 08:00")  # the check (due 24:00 28 Sep) is late
    found = list(steps.pending_warnings(engine.store, clock.now(), 0.8))
    assert [(c, [w.type for w in due]) for c, due in found] == [(case_id, [YELLOW, RED])]
    desk.do(case_id, "Task_check_materials", "wang.fang", intake_decision="accept")
    monkeypatch.setattr(steps, "pending_warnings", lambda *args, **kwargs: iter(found))
    before = engine.cases.record(case_id).version
    assert engine.cases.tick().warnings == []
    assert engine.cases.record(case_id).version == before


def test_the_warning_share_is_configurable(engine: Engine, clock: ManualClock) -> None:
    engine.definitions.deploy(read_sources([BPMN / "common", BPMN / "items" / "item_mz004.bpmn"]))
    desk = Desk(engine, clock, shipped_catalogue())
    case_id = desk.register("tan.xiaoyan", "MZ004", "511725201001", "village_point")
    desk.do(case_id, "Task_entrust", "tan.xiaoyan")
    # The handover (24 Sep, 3 working days) on Mon 28 Sep has used 1 day: a third.
    desk.at("2026-09-28 09:00")
    assert engine.cases.tick().warnings == []
    engine.cases.warning_share = 0.3
    [(warned, kind, task)] = engine.cases.tick().warnings
    assert (warned, kind) == (case_id, YELLOW) and task is not None


def test_warning_levels_and_limits() -> None:
    calendar = WorkingCalendar.default()
    ready = local("2026-09-24 09:00")
    # wd(24 Sep, 5): 28, 29, 30 Sep, 8, 9 Oct.
    assert calendar.add_working_days(date(2026, 9, 24), 5).date == date(2026, 10, 9)
    due = end_of(date(2026, 10, 9))
    # 80% of 5 days = 4 days used: from Thu 8 Oct.
    assert warning_level(ready, due, local("2026-09-30 23:00"), 0.8, calendar) is None
    assert warning_level(ready, due, local("2026-10-08 00:00"), 0.8, calendar) == YELLOW
    assert warning_level(ready, due, local("2026-10-09 23:59"), 0.8, calendar) == YELLOW
    assert warning_level(ready, due, local("2026-10-10 00:00"), 0.8, calendar) == RED
    # 70% of 10 days is 7 days, not "7.000000001".
    ten = end_of(calendar.add_working_days(date(2026, 9, 24), 10).date)
    seventh = calendar.add_working_days(date(2026, 9, 24), 7).date
    assert warning_level(ready, ten, local(f"{seventh} 08:00"), 0.7, calendar) == YELLOW
    # A same-day limit only turns red.
    same_day = end_of(date(2026, 9, 24))
    assert warning_level(ready, same_day, local("2026-09-24 18:00"), 0.8, calendar) is None
    assert warning_level(ready, same_day, local("2026-09-25 00:00"), 0.8, calendar) == RED
    item = {"step_limits": {"proxy_handover": 2, "intake": 1}, "urgent": False}
    assert phase_of("common_proxy", "Task_handover") == "proxy_handover"
    assert phase_of("item_mz004", "Task_on_the_spot") is None
    assert phase_of("common_enforcement", "Task_investigate") == "investigation"
    assert step_limit(item, "proxy_handover") == 2
    assert step_limit({**item, "urgent": True}, "proxy_handover") == 0  # urgent: same day
    assert step_limit(item, "county_decision") == 10  # the shared activity's default
    assert step_limit(item, "delivery") is None
    assert step_limit({"step_limits": {"intake": -1}}, "intake") is None
    case_due = end_of(date(2026, 10, 30))
    assert task_due("common_intake", "Task_check_materials", item, ready, case_due) == (
        end_of(date(2026, 9, 28)),
        True,
    )
    assert task_due("common_pledge", "Task_return_notice", item, ready, case_due) == (
        case_due,
        False,
    )


def warning_share(environ: dict[str, str]) -> float:
    return Settings.from_environ(environ).warning_share


def test_the_warning_share_setting() -> None:
    assert warning_share({}) == 0.8
    assert warning_share({"DAIBAN_WARNING_SHARE": "0.75"}) == 0.75
    assert warning_share({"DAIBAN_WARNING_SHARE": "1"}) == 1.0
    for bad in ("0", "1.5", "-0.2", "八成", "nan"):
        with pytest.raises(ConfigError, match="DAIBAN_WARNING_SHARE"):
            warning_share({"DAIBAN_WARNING_SHARE": bad})


# -- the command line ------------------------------------------------------------------


def test_daiban_stats_prints_the_figures(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    url = world.engine.store.url
    code = main(
        ["--database-url", url, "stats", "--from", "2026-09-01", "--to", "2026-10-31", "--json"]
    )
    assert code == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["from"] == "2026-09-01" and shown["group_by"] == "county"
    expected = world.report().total.as_dict()
    assert shown["total"] == json.loads(json.dumps(expected))
    code = main(
        ["--database-url", url, "stats", "--from", "2026-09-01", "--to", "2026-10-31",
         "--group-by", "township"]
    )  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "青丝乡（511725201）" in text and "合计" in text
    assert "按期办结率 66.7%" in text and "台账解决率 50.0%" in text
    assert main(["--database-url", url, "stats", "--from", "2026-10-31", "--to", "2026-10-01"]) == 2
    with pytest.raises(SystemExit):
        main(["--database-url", url, "stats", "--from", "1999-12-31"])
    assert "日期应在" in capsys.readouterr().err


def test_daiban_tick_reports_warnings(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--database-url", world.engine.store.url, "tick"]) == 0
    assert "预警 0 条" in capsys.readouterr().out
