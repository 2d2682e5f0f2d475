"""The shared call activities' paths, on a test catalogue with one item of every shape."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine import Actor, CaseView, Engine, ManualClock
from engine.clock import SHANGHAI
from engine.errors import InvalidState
from engine.simulate import Scenario, run
from processes.catalogue import Catalogue
from tests.support.databases import Deployed
from tests.support.driving import do, ready
from tests.support.generated import catalogue_of_shapes, generated_processes

CATALOGUE = catalogue_of_shapes()


@pytest.fixture
def deployed() -> Deployed:
    return generated_processes()


@pytest.fixture
def items(engine: Engine) -> Catalogue:
    """The test catalogue, its generated processes deployed on the test's engine."""
    return CATALOGUE


def start(engine: Engine, code: str, **extra: Any) -> CaseView:
    item = CATALOGUE.items[code]
    data = {"item": item.process_data(), "via_proxy": False, "emergency": False, **extra}
    return engine.cases.start(item.process_id, data, Actor("tester"))


def later(engine: Engine, clock: ManualClock, view: CaseView, delta: timedelta) -> CaseView:
    clock.advance(delta)
    engine.cases.tick()
    return engine.cases.get(view.id)


def test_licence_item_at_the_window_needs_leader_and_public_notice(
    engine: Engine, items: Catalogue, clock: ManualClock
) -> None:
    trace = run(
        engine.cases,
        clock,
        items.items["TT001"].process_id,
        Scenario(
            start={
                "item": items.items["TT001"].process_data(),
                "via_proxy": False,
                "emergency": False,
            }
        ),
    )
    tasks = trace.names("task")
    assert tasks[:5] == ["Task_check_materials", "Task_first_review", "Task_backoffice_review",
                         "Task_leader_approval", "Task_publish_notice"]  # fmt: skip
    assert "Task_entrust" not in tasks
    assert trace.case.status == "completed"
    assert trace.case.data["review_result"] == "approved"
    assert trace.case.data["notice_done"] is True
    assert engine.audit.verify(trace.case.id).ok


def test_supplement_notice_and_resubmission(
    engine: Engine, items: Catalogue, clock: ManualClock
) -> None:
    view = start(engine, "TT001")
    view = do(
        engine,
        view,
        "Task_check_materials",
        clock,
        intake_decision="supplement",
        missing_materials="补充证明",
    )
    view = do(engine, view, "Task_supplement_notice", clock)
    assert view.tasks == [] and view.waiting_messages == ["materials_resubmitted"]
    view = engine.cases.deliver_message(
        view.id, "materials_resubmitted", {"materials": ["补充证明"]}
    )
    assert ready(view) == ["Task_recheck"]
    view = do(engine, view, "Task_recheck", clock, intake_decision="accept")
    assert ready(view) == ["Task_first_review"]
    assert view.data["intake_result"] == "accepted"


def test_supplement_not_returned_in_time_ends_the_case(
    engine: Engine, items: Catalogue, clock: ManualClock
) -> None:
    view = start(engine, "TT001")
    view = do(
        engine,
        view,
        "Task_check_materials",
        clock,
        intake_decision="supplement",
        missing_materials="补充证明",
    )
    view = do(engine, view, "Task_supplement_notice", clock)
    view = later(engine, clock, view, timedelta(days=45))
    assert view.status == "completed"
    assert view.data["intake_result"] == "supplement_expired"


def test_refusal_at_intake_gives_reasons(
    engine: Engine, items: Catalogue, clock: ManualClock
) -> None:
    view = start(engine, "TT001")
    with pytest.raises(Exception, match="表单"):
        do(engine, view, "Task_check_materials", clock, intake_decision="refuse", refuse_reason="")
    view = do(
        engine,
        view,
        "Task_check_materials",
        clock,
        intake_decision="refuse",
        refuse_reason="不属于本事项受理范围",
    )
    view = do(engine, view, "Task_refusal_notice", clock)
    assert view.status == "completed"
    assert view.data["intake_result"] == "refused"


def test_pledge_deadline_missed_returns_the_case(
    engine: Engine, items: Catalogue, clock: ManualClock
) -> None:
    view = start(engine, "TT001")
    view = do(engine, view, "Task_check_materials", clock, intake_decision="accept_with_pledge",
              missing_materials="补充证明", pledge_days=2)  # fmt: skip
    # The case goes on while the pledge runs. Thu 24 Sep + 2 working days: 25-27 Sep are
    # Mid-Autumn and the weekend, so Mon 28 (1), Tue 29 (2): returned from 30 Sep 00:00.
    assert ready(view) == ["Task_first_review"]
    assert view.waiting_messages == ["pledge_fulfilled"]
    assert view.next_timer_at == datetime(2026, 9, 30, 0, 0, tzinfo=SHANGHAI)
    view = do(engine, view, "Task_first_review", clock)
    view = later(engine, clock, view, timedelta(days=6))
    assert ready(view) == ["Task_backoffice_review", "Task_return_notice"]
    view = do(engine, view, "Task_return_notice", clock)
    assert view.status == "completed"  # the terminate end event closed the main path too
    assert view.tasks == []


def test_pledge_kept_lets_the_case_go_on(
    engine: Engine, items: Catalogue, clock: ManualClock
) -> None:
    view = start(engine, "TT001")
    view = do(engine, view, "Task_check_materials", clock, intake_decision="accept_with_pledge",
              missing_materials="补充证明", pledge_days=2)  # fmt: skip
    view = engine.cases.deliver_message(view.id, "pledge_fulfilled", {})
    view = do(engine, view, "Task_confirm_pledge", clock, pledge_materials_ok=True)
    assert ready(view) == ["Task_first_review"]
    assert view.next_timer_at is None


def test_public_notice_objection_sends_the_case_back(
    engine: Engine, items: Catalogue, clock: ManualClock
) -> None:
    view = start(engine, "TT001")
    for spec_id in (
        "Task_check_materials",
        "Task_first_review",
        "Task_backoffice_review",
        "Task_leader_approval",
    ):
        view = do(engine, view, spec_id, clock)
    view = do(engine, view, "Task_publish_notice", clock)
    assert view.waiting_messages == ["public_notice_objection"]
    view = engine.cases.deliver_message(
        view.id, "public_notice_objection", {"objector": "村民", "content": "收入不实"}
    )
    view = do(
        engine, view, "Task_objection", clock, objection_upheld=True, objection_finding="情况属实"
    )
    assert ready(view) == ["Task_backoffice_review"]
    view = do(
        engine,
        view,
        "Task_backoffice_review",
        clock,
        review_decision="reject",
        review_opinion="不符合条件",
    )
    view = do(engine, view, "Task_refusal_decision", clock)
    assert view.status == "completed"
    assert view.data["review_result"] == "rejected"


def test_late_proxy_handover_is_escalated(
    engine: Engine, items: Catalogue, clock: ManualClock
) -> None:
    view = start(engine, "TT002", via_proxy=True)
    view = do(engine, view, "Task_entrust", clock)
    assert [t.lane for t in view.tasks] == ["village_agent"]
    # Thu 24 Sep + 3 working days (Mid-Autumn 25-27 Sep) = Wed 30 Sep; late from 1 Oct.
    assert view.next_timer_at == datetime(2026, 10, 1, 0, 0, tzinfo=SHANGHAI)
    view = later(engine, clock, view, timedelta(days=7))
    assert ready(view) == ["Task_escalate_handover", "Task_handover"]
    assert {t.spec_id: t.lane for t in view.tasks}["Task_escalate_handover"] == "township_leader"
    view = do(engine, view, "Task_handover", clock)
    # Handing over ends the proxy step; the open escalation is closed with it.
    assert ready(view) == ["Task_check_materials"]
    assert view.data["handover_late"] is True
    assert view.data["village_holding_days"] == 3  # 28, 29, 30 Sep; 1 Oct is a holiday


def test_county_refusal_by_task_is_delivered(
    engine: Engine, items: Catalogue, clock: ManualClock
) -> None:
    item = items.items["TT002"]
    assert item.county_decision == "task"  # the department's route (the default)
    scenario = Scenario(
        start={"item": item.process_data(), "via_proxy": True, "emergency": False},
        tasks={"Task_county_decision": {"county_decision": "reject", "county_opinion": "收入超标"}},
    )
    trace = run(engine.cases, clock, item.process_id, scenario)
    assert trace.case.status == "completed"
    assert trace.case.data["county_approved"] is False
    assert "Task_prepare_result" in trace.names("task")  # the refusal is delivered too
    lanes = {s.name: s.role for s in trace.steps if s.kind == "task"}
    assert lanes["Task_county_decision"] == "county_officer"
    assert "county_decision" not in trace.names("message")  # no callback was ever awaited


def _at_the_county(engine: Engine, clock: ManualClock, code: str) -> CaseView:
    view = start(engine, code)
    view = do(engine, view, "Task_check_materials", clock)
    if "Task_first_review" in ready(view):
        for spec_id in ("Task_first_review", "Task_backoffice_review"):
            view = do(engine, view, spec_id, clock)
    return do(engine, view, "Task_county_handover", clock)


def test_the_task_route_offers_the_task_and_refuses_the_callback(
    engine: Engine, items: Catalogue, clock: ManualClock
) -> None:
    view = _at_the_county(engine, clock, "TT002")
    assert ready(view) == ["Task_county_decision"]
    assert view.waiting_messages == []
    assert view.county_since is not None
    with pytest.raises(InvalidState, match="县级部门审批决定") as refused:
        engine.cases.deliver_message(view.id, "county_decision", {"approved": True})
    assert refused.value.code == "invalid_state"
    assert engine.cases.get(view.id).version == view.version
    # Late: the window chases the county; the decision task stays open.
    view = later(engine, clock, view, timedelta(days=40))
    assert ready(view) == ["Task_chase_county", "Task_county_decision"]


def test_county_decision_by_callback_message(
    engine: Engine, items: Catalogue, clock: ManualClock
) -> None:
    assert items.items["TT003"].county_decision == "callback"  # the item's own route
    view = _at_the_county(engine, clock, "TT003")
    assert ready(view) == []  # no county task: the department's system answers
    assert view.waiting_messages == ["county_decision"]
    assert view.county_since is not None  # the department sees the case from now on
    # Late: the window chases the county on this route too, still waiting for the answer.
    view = later(engine, clock, view, timedelta(days=40))
    assert ready(view) == ["Task_chase_county"]
    assert view.waiting_messages == ["county_decision"]
    view = do(engine, view, "Task_chase_county", clock)
    view = engine.cases.deliver_message(
        view.id, "county_decision", {"approved": False, "opinion": "不符合条件"}
    )
    assert ready(view) == ["Task_prepare_result"]
    assert (view.data["county_approved"], view.data["county_decision"]) == (False, "reject")
    assert view.data["county_opinion"] == "不符合条件"


def test_bad_rating_requires_rectification_within_15_working_days(
    engine: Engine, items: Catalogue, clock: ManualClock
) -> None:
    scenario = Scenario(
        start={"item": items.items["TT004"].process_data(), "via_proxy": False, "emergency": False},
        messages={"rating": {"level": "very_dissatisfied", "comment": "排队太久"}},
    )
    trace = run(engine.cases, clock, items.items["TT004"].process_id, scenario)
    assert trace.case.status == "completed"
    assert "Task_rectify" in trace.names("task")
    assert trace.case.data["rating"] == "very_dissatisfied"
    assert trace.case.data["rectified"] is True


def test_unrated_case_gets_an_invitation_then_closes(
    engine: Engine, items: Catalogue, clock: ManualClock
) -> None:
    scenario = Scenario(
        start={"item": items.items["TT004"].process_data(), "via_proxy": False, "emergency": False},
        messages={},
    )
    trace = run(engine.cases, clock, items.items["TT004"].process_id, scenario)
    assert trace.case.status == "completed"
    assert trace.case.data["rating_invited"] is True
    assert trace.case.data["rating"] == "none"


def test_enforcement_with_hearing(engine: Engine, items: Catalogue, clock: ManualClock) -> None:
    item = items.items["TT005"]
    view = engine.cases.start(item.process_id, {"item": item.process_data()}, Actor("officer"))
    view = do(engine, view, "Task_procedure", clock, procedure_choice="general")
    view = do(engine, view, "Task_file", clock, filing="file", filing_reason="群众举报")
    view = do(engine, view, "Task_investigate", clock, violation_found=True, serious=False)
    view = do(engine, view, "Task_notify", clock)
    assert view.waiting_messages == ["hearing_requested"]
    view = engine.cases.deliver_message(view.id, "hearing_requested", {"kind": "hearing"})
    view = do(engine, view, "Task_hearing", clock, hearing_record="当事人陈述")
    # a case heard is reviewed before the decision (第五十八条), serious or not
    view = do(engine, view, "Task_legal_review", clock, legal_review="agree")
    view = do(
        engine,
        view,
        "Task_decide",
        clock,
        decision="penalty",
        measure="fine",
        decision_no="青执罚〔2026〕1号",
        penalty_amount=500,
    )
    view = do(engine, view, "Task_serve", clock, service_method="direct")
    view = do(engine, view, "Task_perform", clock, performed=True)
    view = do(engine, view, "Task_close", clock)
    assert view.status == "completed"
    assert view.data["enforcement_result"] == "closed"
    assert engine.audit.verify(view.id).ok


def test_emergency_relief_first_within_48_hours(
    engine: Engine, items: Catalogue, clock: ManualClock
) -> None:
    view = start(engine, "TT006", emergency=True)
    assert ready(view) == ["Task_emergency_relief"]
    view = later(engine, clock, view, timedelta(hours=49))
    assert ready(view) == ["Task_emergency_late", "Task_emergency_relief"]
    view = do(engine, view, "Task_emergency_relief", clock, relief_amount=800)
    assert "Task_check_materials" in ready(view)


@pytest.fixture(autouse=True)
def _no_leaks() -> Iterator[None]:
    yield


def test_catalogue_for_tests_is_valid() -> None:
    assert len(CATALOGUE) == 6
    assert Path(CATALOGUE.items["TT001"].source).name == "tt_test.yaml"


@pytest.mark.parametrize(
    ("code", "accepted", "due"),
    [
        # 10 working days from Thu 24 Sep 2026: 28, 29, 30 Sep (1-3; 25-27 Mid-Autumn and the
        # weekend), 1-7 Oct National Day off, 8 (4), 9 (5), Sat 10 adjusted working day (6),
        # 12 (7), 13 (8), 14 (9), 15 (10).
        ("TT001", datetime(2026, 9, 24, 9, 0), "2026-10-15"),
        # 20 working days from Tue 10 Feb 2026: 11, 12, 13 (1-3), Sat 14 adjusted (4),
        # 15-23 Feb Spring Festival off, 24-27 (5-8), Sat 28 adjusted (9), 2-6 Mar (10-14),
        # 9-13 Mar (15-19), Mon 16 Mar (20).
        ("TT002", datetime(2026, 2, 10, 9, 0), "2026-03-16"),
    ],
)
def test_case_due_date_counts_working_days_over_holidays(
    engine: Engine, items: Catalogue, clock: ManualClock, code: str, accepted: datetime, due: str
) -> None:
    clock.set(accepted.replace(tzinfo=SHANGHAI))
    view = do(engine, start(engine, code), "Task_check_materials", clock, intake_decision="accept")
    assert view.data["due_on"] == due
    assert view.due_date is not None and view.due_date.isoformat() == due
