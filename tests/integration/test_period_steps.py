"""Expert review (专家评审) and testing (检测) as statutory steps of the shipped item
processes: sending the case out starts the excluded period, recording the result ends it
and moves the due date (《行政许可法》第四十五条; engine/periods.py).

The calendar (2026, the State Council's arrangement): 中秋 Fri 09-25 to Sun 09-27 off;
National Day Thu 10-01 to Wed 10-07 off; Sat 10-10 a working day (调休上班). Every case
is accepted on Thu 2026-09-24 (the fixture clock).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from engine import Actor, CaseView, Engine, ManualClock
from engine.clock import SHANGHAI
from processes.catalogue import Catalogue
from tests.support.databases import Deployed
from tests.support.driving import do
from tests.support.paths import LIBRARY
from webapi.cli import main


@pytest.fixture
def deployed() -> Deployed:
    return LIBRARY


def begin(engine: Engine, catalogue: Catalogue, code: str, **item: Any) -> CaseView:
    data = catalogue.items[code].process_data()
    data.update(item)
    start = {"item": data, "via_proxy": False, "emergency": False}
    return engine.cases.start(catalogue.items[code].process_id, start, Actor("tester"))


def on(clock: ManualClock, day: str) -> None:
    clock.set(datetime.fromisoformat(f"{day}T10:00").replace(tzinfo=SHANGHAI))


def extensions(engine: Engine, case_id: int) -> list[dict[str, Any]]:
    _, entries = engine.audit.history(case_id)
    return [e.event.payload for e in entries if e.event.type == "due_date_extended"]


def drainage_sent_to_the_lab(
    engine: Engine, catalogue: Catalogue, clock: ManualClock, **item: Any
) -> CaseView:
    """ZJ002 accepted on Thu 09-24 and its discharge sent to the laboratory that day, the
    applicant told in writing it takes 5 working days."""
    view = begin(engine, catalogue, "ZJ002", **item)
    view = do(engine, view, "Task_check_materials", clock)
    view = do(engine, view, "Task_site_survey", clock)
    # 10 working days from Thu 09-24 (not counted): 09-28 29 30, 10-08 09 10(Sat) 12 13
    # 14 15 → Thu 2026-10-15.
    assert view.due_date == date(2026, 10, 15)
    view = do(engine, view, "Task_testing", clock, period_days=5)
    # The announced time ends 5 working days after 09-24: 09-28 29 30, 10-08 09 → 10-09.
    pause = next(t.data for t in view.tasks if t.spec_id == "Task_testing_result")["limit_pause"]
    assert pause == {"reason": "testing", "since": "2026-09-24", "until": "2026-10-09"}
    assert view.due_date == date(2026, 10, 15)
    return view


def test_testing_moves_the_due_date_by_the_working_days_it_took(
    engine: Engine, catalogue: Catalogue, clock: ManualClock
) -> None:
    view = drainage_sent_to_the_lab(engine, catalogue, clock)
    on(clock, "2026-09-30")  # the laboratory's report is back on Wed 09-30
    view = do(engine, view, "Task_testing_result", clock, testing_conclusion="pass")
    # Excluded: 09-28, 09-29, 09-30 = 3 working days; 10-15 + 3 → 10-16, 10-19, 10-20.
    assert view.due_date == date(2026, 10, 20)
    assert engine.cases.record(view.id).due_date == date(2026, 10, 20)
    assert extensions(engine, view.id) == [
        {
            "period": "testing",
            "period_from": "2026-09-24",
            "period_to": "2026-09-30",
            "excluded_days": 3,
            "limit_unit": "working_days",
            "old_due_date": "2026-10-15",
            "new_due_date": "2026-10-20",
        }
    ]
    # The township's review follows, with the result in the case.
    assert "Task_first_review" in [t.spec_id for t in view.tasks]
    assert engine.audit.verify(view.id).ok
    assert engine.audit.replay(view.id).data["due_on"] == "2026-10-20"


def test_only_the_announced_time_is_excluded(
    engine: Engine, catalogue: Catalogue, clock: ManualClock
) -> None:
    view = drainage_sent_to_the_lab(engine, catalogue, clock)
    on(clock, "2026-10-14")  # the report comes late, on Wed 10-14
    view = do(engine, view, "Task_testing_result", clock, testing_conclusion="pass")
    # The period is capped at the announced last day 10-09: 09-28 29 30, 10-08 09 = 5
    # working days, not the 8 up to 10-14; 10-15 + 5 → 10-16, 10-19 20 21 22 → Thu 10-22.
    assert view.due_date == date(2026, 10, 22)
    [moved] = extensions(engine, view.id)
    assert (moved["period_to"], moved["excluded_days"]) == ("2026-10-09", 5)


def test_an_item_that_does_not_exclude_testing_keeps_its_due_date(
    engine: Engine, catalogue: Catalogue, clock: ManualClock
) -> None:
    view = drainage_sent_to_the_lab(engine, catalogue, clock, excluded=[])
    on(clock, "2026-09-30")
    view = do(engine, view, "Task_testing_result", clock, testing_conclusion="pass")
    assert view.due_date == date(2026, 10, 15)
    period = next(t.data for t in view.tasks if t.spec_id == "Task_first_review")["limit_period"]
    assert (period["reason"], period["days"], period["applies"]) == ("testing", 3, False)
    assert extensions(engine, view.id) == []


def test_a_failed_test_is_recorded_and_the_review_refuses(
    engine: Engine, catalogue: Catalogue, clock: ManualClock
) -> None:
    view = drainage_sent_to_the_lab(engine, catalogue, clock)
    view = do(
        engine, view, "Task_testing_result", clock,
        testing_conclusion="fail", testing_note="化学需氧量超出排放标准",
    )  # fmt: skip
    view = do(engine, view, "Task_first_review", clock)
    view = do(engine, view, "Task_backoffice_review", clock, review_decision="reject",
              review_opinion="排水水质检测不合格")  # fmt: skip
    assert [t.spec_id for t in view.tasks] == ["Task_refusal_decision"]


def test_expert_review_of_a_reservoir_moves_the_county_decided_case(
    engine: Engine, catalogue: Catalogue, clock: ManualClock
) -> None:
    view = begin(engine, catalogue, "SL003")
    for spec in ("Task_check_materials", "Task_site_survey", "Task_joint_review",
                 "Task_first_review", "Task_backoffice_review", "Task_leader_approval"):  # fmt: skip
        view = do(engine, view, spec, clock)
    # 20 working days from Thu 09-24: 09-28 29 30 (3), 10-08 09 10(Sat) 12–16 (8), 10-19–23
    # (5), 10-26 27 28 29 (4) → Thu 2026-10-29.
    assert view.due_date == date(2026, 10, 29)
    # After the township's opinion the county water bureau convenes the experts on the
    # design: 10 working days announced, to 10-15 (09-28 29 30, 10-08 09 10 12–15).
    view = do(engine, view, "Task_expert_review", clock, period_days=10)
    on(clock, "2026-10-14")  # the experts' opinion, Wed 10-14
    view = do(engine, view, "Task_expert_review_result", clock, expert_conclusion="revise")
    # Excluded: 09-28 29 30, 10-08 09 10(Sat) 12 13 14 = 9 working days; 10-29 + 9 →
    # 10-30, 11-02 03 04 05 06, 11-09 10 11 → Wed 2026-11-11.
    assert view.due_date == date(2026, 11, 11)
    [moved] = extensions(engine, view.id)
    assert (moved["period"], moved["excluded_days"], moved["new_due_date"]) == (
        "expert_review",
        9,
        "2026-11-11",
    )
    # Then the township hands the case over to the county, which decides.
    assert [t.spec_id for t in view.tasks] == ["Task_county_handover"]
    assert engine.audit.verify(view.id).ok


def test_expert_review_of_a_chronic_disease_claim(
    engine: Engine, catalogue: Catalogue, clock: ManualClock
) -> None:
    view = begin(engine, catalogue, "YB004")
    for spec in ("Task_check_materials", "Task_first_review", "Task_backoffice_review"):
        view = do(engine, view, spec, clock)
    # 15 working days from Thu 09-24: 09-28 29 30, 10-08 09 10(Sat) 12–16, 10-19–22 → 10-22.
    assert view.due_date == date(2026, 10, 22)
    view = do(engine, view, "Task_expert_review", clock, period_days=3)
    on(clock, "2026-10-08")  # 3 working days announced: 09-28 29 30; the opinion on 10-08
    view = do(engine, view, "Task_expert_review_result", clock)
    # Capped at 09-30: 3 working days; 10-22 + 3 → 10-23, 10-26, 10-27.
    assert view.due_date == date(2026, 10, 27)


@pytest.mark.parametrize(
    ("code", "step", "line"),
    [
        ("ZJ002", "Task_testing_result", "办结期限由 2026-10-15 顺延（办结期限 2026-10-16）"),
        ("SL003", "Task_expert_review_result", "办结期限由 2026-10-29 顺延（办结期限 2026-10-30）"),
        ("YB004", "Task_expert_review_result", "办结期限由 2026-10-22 顺延（办结期限 2026-10-23）"),
    ],
)
def test_simulate_shows_the_step_and_the_move(
    capsys: pytest.CaptureFixture[str], code: str, step: str, line: str
) -> None:
    assert main(["simulate", code]) == 0
    out = capsys.readouterr().out
    # The sample announces 1 working day (to Mon 09-28, after 中秋): the result is
    # recorded that day and the due date moves by 1 working day.
    assert f"2026-09-28 09:00  task    {step} " in out
    assert line in out
