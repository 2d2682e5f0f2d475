"""The sample process end to end through the engine API, with working-day timers."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest

from engine import (
    Actor,
    DataValidationError,
    Engine,
    InvalidState,
    ManualClock,
    NotFound,
    read_sources,
)
from engine.clock import SHANGHAI
from engine.errors import ConflictError
from tests.support.driving import INTAKE, complete, start_sample, task_of
from tests.support.paths import SAMPLE


def test_sample_runs_end_to_end_with_county_callback(sample: Engine, clock: ManualClock) -> None:
    view = start_sample(sample)
    assert [t.spec_id for t in view.tasks] == ["Task_intake"]
    assert view.tasks[0].lane == "village_agent"

    view = complete(sample, view, "Task_intake", INTAKE, "agent.zhang")
    assert [t.spec_id for t in view.tasks] == ["Task_handover"]
    view = complete(sample, view, "Task_handover", {"handover_count": 3}, "agent.zhang")
    view = complete(sample, view, "Task_township_review", {"decision": "approve"}, "window.wang")
    assert [(t.spec_id, t.process_id, t.lane) for t in view.tasks] == [
        ("Task_handover_to_county", "sample_county_handoff", "township_window")
    ]
    clock.set(datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))
    view = complete(
        sample,
        view,
        "Task_handover_to_county",
        {"county_department": "县民政局", "handover_items": 3},
        "window.wang",
    )
    assert view.tasks == []
    # Five working days after Wed 30 Sep 2026: 1-7 Oct are the National Day holiday,
    # Thu 8 (1), Fri 9 (2), Sat 10 is an adjusted working day (3), Mon 12 (4), Tue 13 (5):
    # the step limit runs out at midnight after Tue 13 Oct.
    assert view.next_timer_at == datetime(2026, 10, 14, 0, 0, tzinfo=SHANGHAI)

    view = sample.cases.deliver_message(
        view.id, "county_decision", {"approved": True}, Actor("county.min")
    )
    assert view.status == "completed"
    assert view.data["result"] == "approved"
    assert view.data["county_result"] == {"approved": True}
    # 20 working days after Thu 24 Sep 2026, counted by hand over Mid-Autumn (25-27 Sep),
    # National Day (1-7 Oct) and the adjusted working Saturday 10 Oct: Thu 29 Oct.
    assert view.data["due_was"] == "2026-10-29"
    assert view.data["closed_on"] == "2026-09-30"
    assert sample.audit.verify(view.id).ok


def test_working_day_boundary_timer_fires_only_when_due(sample: Engine, clock: ManualClock) -> None:
    view = complete(sample, start_sample(sample), "Task_intake", INTAKE)
    # Three working days after Thu 24 Sep 2026: Fri 25 - Sun 27 are Mid-Autumn and the
    # weekend, so Mon 28 (1), Tue 29 (2), Wed 30 (3): late from midnight 1 Oct.
    assert view.next_timer_at == datetime(2026, 10, 1, 0, 0, tzinfo=SHANGHAI)

    clock.set(datetime(2026, 9, 30, 23, 59, tzinfo=SHANGHAI))
    assert sample.cases.tick().fired == []
    clock.set(datetime(2026, 10, 1, 0, 0, tzinfo=SHANGHAI))
    report = sample.cases.tick()
    assert report.fired == [view.id]
    view = sample.cases.get(view.id)
    assert sorted(t.spec_id for t in view.tasks) == ["Task_escalate_handover", "Task_handover"]
    escalation = next(t for t in view.tasks if t.spec_id == "Task_escalate_handover")
    assert escalation.lane == "township_window"
    assert sample.cases.tick().fired == []  # a fired timer does not fire twice

    # Handing over late does not cancel the escalation already raised.
    view = complete(sample, view, "Task_handover", {"handover_count": 2})
    assert sorted(t.spec_id for t in view.tasks) == [
        "Task_escalate_handover",
        "Task_township_review",
    ]
    view = complete(sample, view, "Task_escalate_handover", {"escalation_note": "已电话催办"})
    assert [t.spec_id for t in view.tasks] == ["Task_township_review"]
    assert sample.audit.verify(view.id).ok


def test_refused_intake_ends_the_case(sample: Engine) -> None:
    view = complete(sample, start_sample(sample), "Task_intake", {**INTAKE, "materials": "missing"})
    assert view.status == "completed"
    assert view.tasks == []
    assert view.next_timer_at is None


def test_form_errors_are_listed_per_field_and_nothing_is_written(sample: Engine) -> None:
    view = start_sample(sample)
    bad = {"applicant_id": "110105194912310021", "materials": "maybe", "extra": 1}
    with pytest.raises(DataValidationError) as caught:
        complete(sample, view, "Task_intake", bad)
    assert caught.value.fields == {
        "applicant_name": "必填",
        "applicant_id": "公民身份号码不正确（位数、出生日期或校验码有误）",
        "materials": "取值应为：complete（材料齐全）、missing（材料不全）",
        "extra": "表单中没有这个字段",
    }
    after = sample.cases.get(view.id)
    assert (after.version, after.last_seq) == (view.version, view.last_seq)
    assert [t.spec_id for t in after.tasks] == ["Task_intake"]


def test_completing_a_closed_or_unknown_task_is_refused(sample: Engine) -> None:
    view = start_sample(sample)
    intake = task_of(view, "Task_intake")
    sample.cases.complete_task(view.id, intake, INTAKE)
    with pytest.raises(ConflictError):
        sample.cases.complete_task(view.id, intake, INTAKE)
    with pytest.raises(NotFound):
        sample.cases.complete_task(view.id, "00000000-0000-0000-0000-000000000000", {})
    with pytest.raises(NotFound):
        sample.cases.complete_task(view.id, "not-a-uuid", {})
    with pytest.raises(NotFound):
        sample.cases.get(view.id + 1000)


def test_message_not_awaited_is_refused(sample: Engine) -> None:
    view = start_sample(sample)
    with pytest.raises(InvalidState):
        sample.cases.deliver_message(view.id, "county_decision", {"approved": True})
    assert sample.cases.get(view.id).version == view.version


def test_cancel_closes_the_case_and_its_tasks(sample: Engine) -> None:
    view = complete(sample, start_sample(sample), "Task_intake", INTAKE)
    with pytest.raises(DataValidationError):
        sample.cases.cancel(view.id, "  ")
    view = sample.cases.cancel(view.id, "申请人撤回申请", Actor("window.wang"))
    assert view.status == "cancelled"
    assert view.tasks == []
    assert view.next_timer_at is None
    assert sample.cases.task_index(view.id) == []
    with pytest.raises(InvalidState):
        sample.cases.cancel(view.id, "再次撤销")
    assert sample.audit.verify(view.id).ok


def test_changes_and_refusals_are_logged_with_identifiers_only(
    sample: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """One line per change or refusal, naming the case, task and user: never the
    resident's name, phone or form data, nor free text such as a cancellation reason."""
    phone = "13812345678"
    with caplog.at_level(logging.INFO, logger="engine.cases"):
        view = complete(sample, start_sample(sample), "Task_intake", INTAKE, user="clerk")
        with pytest.raises(InvalidState):
            sample.cases.deliver_message(
                view.id, "county_decision", {"approved": False, "opinion": f"电话 {phone}"}
            )
        sample.cases.cancel(view.id, f"申请人（{phone}）撤回申请", Actor("window.wang"))
    lines = [r for r in caplog.records if r.name.startswith("engine.cases")]
    assert [getattr(r, "event", None) for r in lines] == [
        "case_started",
        "task_completed",
        "command_refused",
        "case_cancelled",
    ]
    assert getattr(lines[1], "fields", {})["user"] == "clerk"
    text = " ".join(r.getMessage() for r in lines)
    assert f"case={view.id}" in text
    for personal in (phone, phone[:3] + "****" + phone[-4:], "李秀英", INTAKE["applicant_id"]):
        assert personal not in text


def test_task_index_follows_the_case(sample: Engine) -> None:
    view = start_sample(sample)
    index = sample.cases.task_index(view.id)
    assert [(t.spec_id, t.lane, t.org_unit) for t in index] == [
        ("Task_intake", "village_agent", "511725201001")
    ]
    view = complete(sample, view, "Task_intake", INTAKE)
    assert [t.spec_id for t in sample.cases.task_index(view.id)] == ["Task_handover"]
    assert [t.id for t in sample.cases.task_index(lane="village_agent")] == [view.tasks[0].id]


def test_task_index_is_scoped_by_org_unit_and_role(sample: Engine) -> None:
    """Invariant 8 at the engine level: the index answers per role and org unit."""
    mine = start_sample(sample)
    other = sample.cases.start("sample_proxy_item", {}, org_unit="511725202003")
    village = sample.cases.task_index(lane="village_agent", org_unit="511725201001")
    assert [t.case_id for t in village] == [mine.id]
    assert [t.case_id for t in sample.cases.task_index(org_unit="511725202003")] == [other.id]
    assert sample.cases.task_index(lane="township_window", org_unit="511725201001") == []


def test_idempotency_key_returns_the_same_case(sample: Engine) -> None:
    first = sample.cases.start("sample_proxy_item", {}, idempotency_key="req-1")
    again = sample.cases.start("sample_proxy_item", {"ignored": True}, idempotency_key="req-1")
    other = sample.cases.start("sample_proxy_item", {}, idempotency_key="req-2")
    assert again.id == first.id
    assert other.id != first.id


def test_stored_times_are_aware_utc(sample: Engine, clock: ManualClock) -> None:
    view = start_sample(sample)
    history = sample.audit.replay(view.id)
    assert history.seq == 1
    with sample.store.unit_of_work(write=False) as uow:
        at = next(uow.events.of_case(view.id))[0].at
    assert at.utcoffset() == timedelta(0)
    assert at == clock.now()


def test_unknown_process_is_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound):
        engine.cases.start("no_such_process", {})


def test_restored_workflows_keep_the_sandboxed_script_engine(
    database_url: str, clock: ManualClock
) -> None:
    """A workflow rebuilt from a snapshot must never fall back to SpiffWorkflow's exec engine."""
    from engine.scripting.spiff_engine import SandboxScriptEngine

    engine = Engine(database_url, clock, cache_size=0)
    engine.definitions.deploy(read_sources([SAMPLE]))
    view = complete(engine, start_sample(engine), "Task_intake", INTAKE)
    view = complete(engine, view, "Task_handover", {"handover_count": 1})
    view = complete(engine, view, "Task_township_review", {"decision": "approve"})
    with engine.store.unit_of_work(write=False) as uow:
        live = engine.cases.cache.load(uow.cases.get(view.id))
    assert type(live.workflow.script_engine) is SandboxScriptEngine
    assert live.workflow.subprocesses  # the county handoff runs as a called process
    for sub in live.workflow.subprocesses.values():
        assert type(sub.script_engine) is SandboxScriptEngine
    engine.close()
