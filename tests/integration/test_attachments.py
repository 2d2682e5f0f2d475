"""Attachments through the engine (``engine.attachments``): when a case takes them, what
their event records, the same file twice."""

from __future__ import annotations

from datetime import datetime

import pytest

from engine import Actor, DataValidationError, Engine, InvalidState, ManualClock
from engine.clock import SHANGHAI
from tests.support.driving import INTAKE, complete, start_sample
from tests.support.scans import pdf_with_metadata, png_with_gps

AGENT = Actor("agent.zhang", "village_agent", unit="511725201001")


def _completed(engine: Engine, clock: ManualClock) -> int:
    view = start_sample(engine)
    view = complete(engine, view, "Task_intake", INTAKE, "agent.zhang")
    view = complete(engine, view, "Task_handover", {"handover_count": 3}, "agent.zhang")
    view = complete(engine, view, "Task_township_review", {"decision": "approve"}, "window.wang")
    clock.set(datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))
    view = complete(
        engine,
        view,
        "Task_handover_to_county",
        {"county_department": "县民政局", "handover_items": 3},
        "window.wang",
    )
    view = engine.cases.deliver_message(
        view.id, "county_decision", {"approved": True}, Actor("county.min")
    )
    assert view.status == "completed"
    return view.id


def test_a_completed_case_takes_only_proofs_of_delivery(sample: Engine, clock: ManualClock) -> None:
    case_id = _completed(sample, clock)
    record = sample.cases.record(case_id)
    assert sample.attachments.materials(record) == ["办结单", "送达回证"]  # no item: none else
    with pytest.raises(DataValidationError) as wrong:
        sample.attachments.attach(case_id, AGENT, "居民身份证", png_with_gps(9_801))
    assert set(wrong.value.fields) == {"material"}

    slip, created = sample.attachments.attach(
        case_id, AGENT, "办结单", pdf_with_metadata(9_802), note="申请人已签字"
    )
    assert created and slip.media_type == "application/pdf" and slip.material == "办结单"
    assert slip.id == sample.cases.record(case_id).last_seq  # the id is the event's seq
    assert sample.cases.record(case_id).status == "completed"  # the workflow is untouched
    assert sample.audit.verify(case_id).ok


def test_the_event_records_the_file_and_the_same_file_is_recorded_once(
    sample: Engine,
) -> None:
    view = start_sample(sample)
    before = sample.cases.record(view.id)
    data = png_with_gps(9_803)
    first, created = sample.attachments.attach(view.id, AGENT, "送达回证", data)
    again, created_again = sample.attachments.attach(view.id, AGENT, " 送达回证 ", data)
    assert (created, created_again) == (True, False) and again == first
    after = sample.cases.record(view.id)
    assert after.last_seq == before.last_seq + 1 and after.snapshot == before.snapshot
    _, entries = sample.audit.history(view.id)
    event = entries[-1].event
    assert event.type == "attachment_added" and event.actor_role == "village_agent"
    assert event.payload == {
        "attachment_id": first.id,
        "material": "送达回证",
        "media_type": "image/png",
        "size": first.size,
        "note": None,
        "files": [{"sha256": first.sha256, "name": f"送达回证-{first.id}.png", "size": first.size}],
    }
    assert sample.files.get(first.sha256) != data  # what is stored is the cleaned file
    assert sample.attachments.list(view.id) == [first]


def test_a_cancelled_case_takes_nothing(sample: Engine) -> None:
    view = start_sample(sample)
    sample.cases.cancel(view.id, "申请人撤回", AGENT)
    with pytest.raises(InvalidState):
        sample.attachments.attach(view.id, AGENT, "办结单", png_with_gps(9_804))
    assert sample.attachments.list(view.id) == []
