"""The notice outbox (短信通知): notices written in the transaction of the event that
causes them, and the sender delivering each exactly once per idempotency id through a
gateway that fails half the time, giving up on a refusal, never logging the phone."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from engine import Actor, CaseView, Engine, ManualClock
from engine.errors import InvalidState
from engine.notices import HttpGateway, LogChannel, SendPolicy
from engine.records import NoticeQuery, NoticeRecord
from engine.simulate import Scenario, fill_form, run
from tests.support.databases import Deployed
from tests.support.generated import catalogue_of_shapes, generated_processes
from tests.support.sms_gateway import KEY, fake_gateway

CATALOGUE = catalogue_of_shapes()
PHONE = "13912345678"
MASKED = "139****5678"
TEMPLATES = {
    "accepted": "SMS_001",
    "supplement": "SMS_002",
    "refused": "SMS_003",
    "result_ready": "SMS_004",
    "rating_invitation": "SMS_005",
}
# Retry at once (the clock is the test's): the fake gateway decides the outcomes.
AT_ONCE = SendPolicy(max_attempts=4, retry_seconds=0.0, lease_seconds=60.0)


@pytest.fixture
def deployed() -> Deployed:
    return generated_processes()


def start_data(code: str, phone: str | None = PHONE) -> dict[str, Any]:
    applicant = {"name": "张秀兰", "id_number": "11010519491231002X", "phone": phone}
    item = CATALOGUE.items[code].process_data()
    return {"item": item, "via_proxy": False, "emergency": False, "applicant": applicant}


def do(engine: Engine, view: CaseView, spec_id: str, clock: ManualClock, **data: Any) -> CaseView:
    task = next(t for t in view.tasks if t.spec_id == spec_id)
    form = engine.definitions.compiled(view.definition_hash).form(task.process_id, task.spec_id)
    filled = fill_form(form, data, clock.now().date().isoformat())
    return engine.cases.complete_task(view.id, task.id, filled, Actor("tester"))


def notices(engine: Engine, **query: Any) -> list[NoticeRecord]:
    found, _ = engine.notices.find(NoticeQuery(**query), 0, 100)
    return sorted(found, key=lambda n: n.id)


def gateway_channel(url: str) -> HttpGateway:
    return HttpGateway(url, "渠县政务服务", TEMPLATES, KEY, timeout=5)


def test_a_case_to_its_end_queues_acceptance_result_and_invitation(
    engine: Engine, clock: ManualClock
) -> None:
    item = CATALOGUE.items["TT004"]
    trace = run(
        engine.cases, clock, item.process_id, Scenario(start=start_data("TT004"), messages={})
    )
    assert trace.case.status == "completed" and trace.case.data["rating_invited"] is True
    found = notices(engine, case_id=trace.case.id)
    assert [n.kind for n in found] == ["accepted", "result_ready", "rating_invitation"]
    uid = engine.cases.record(trace.case.id).uid
    accepted, ready, invitation = found
    assert accepted.idempotency_id == f"{uid}-accepted-{accepted.event_seq}"
    assert (ready.idempotency_id, invitation.idempotency_id) == (
        f"{uid}-result_ready",
        f"{uid}-rating_invitation",
    )
    assert {(n.state, n.phone, n.phone_masked) for n in found} == {("pending", PHONE, MASKED)}
    assert "已受理" in accepted.text and "http://127.0.0.1:5000/progress" in accepted.text
    assert json.loads(ready.params)["delivery"] in ready.text
    # The resident's one-time rating link (engine.ratings) instead of the counter's pad.
    assert "http://127.0.0.1:5000/rating#" in invitation.text and "评价器" not in invitation.text
    # The events stay as they were: the outbox is no part of the history.
    assert engine.audit.verify(trace.case.id).ok


def test_a_notice_is_queued_once_per_idempotency_id(engine: Engine, clock: ManualClock) -> None:
    """The outbox keeps one notice per idempotency id: adding it again adds nothing
    (and, on PostgreSQL, leaves the transaction usable)."""
    item = CATALOGUE.items["TT004"]
    trace = run(
        engine.cases, clock, item.process_id, Scenario(start=start_data("TT004"), messages={})
    )
    first = notices(engine, case_id=trace.case.id)[0]
    again = replace(first, id=0, text="再次")
    with engine.store.unit_of_work() as uow:
        assert uow.notices.add(again) is None
        added = uow.notices.add(replace(again, idempotency_id=first.idempotency_id + "-x"))
        uow.commit()
    assert added is not None and added > first.id
    found = notices(engine, case_id=trace.case.id)
    assert [n.text for n in found if n.idempotency_id == first.idempotency_id] == [first.text]
    assert [n.id for n in found if n.text == "再次"] == [added]


def test_the_invitation_carries_the_cases_own_rating_link(
    engine: Engine, clock: ManualClock
) -> None:
    item = CATALOGUE.items["TT004"]
    trace = run(
        engine.cases, clock, item.process_id, Scenario(start=start_data("TT004"), messages={})
    )
    [invitation] = notices(engine, case_id=trace.case.id, kind="rating_invitation")
    with engine.store.unit_of_work(write=False) as uow:
        link = engine.ratings.links.url_in(uow, trace.case.id)
    assert link is not None and link in invitation.text


def test_supplement_lists_the_missing_materials_and_refusal_is_noticed(
    engine: Engine, clock: ManualClock
) -> None:
    item = CATALOGUE.items["TT001"]
    view = engine.cases.start(item.process_id, start_data("TT001"), Actor("tester"))
    view = do(engine, view, "Task_check_materials", clock, intake_decision="supplement",
              missing_materials="户口簿复印件、收入证明")  # fmt: skip
    [supplement] = notices(engine, case_id=view.id)
    assert supplement.kind == "supplement"
    assert "需补正材料：户口簿复印件、收入证明。" in supplement.text
    view = do(engine, view, "Task_supplement_notice", clock)
    assert len(notices(engine, case_id=view.id)) == 1
    view = engine.cases.deliver_message(view.id, "materials_resubmitted", {"materials": []})
    view = do(engine, view, "Task_recheck", clock, intake_decision="refuse", refuse_reason="不符")
    view = do(engine, view, "Task_refusal_notice", clock)
    assert [n.kind for n in notices(engine, case_id=view.id)] == ["supplement", "refused"]


def test_no_mobile_number_no_notice(engine: Engine, clock: ManualClock) -> None:
    item = CATALOGUE.items["TT001"]
    for phone in (None, "0818-1234567"):
        view = engine.cases.start(item.process_id, start_data("TT001", phone), Actor("tester"))
        view = do(engine, view, "Task_check_materials", clock, intake_decision="accept")
        assert notices(engine, case_id=view.id) == []


def test_a_change_that_does_not_commit_writes_no_notice(engine: Engine, clock: ManualClock) -> None:
    item = CATALOGUE.items["TT001"]
    view = engine.cases.start(item.process_id, start_data("TT001"), Actor("tester"))
    changes = engine.cases.changes

    def fail() -> None:
        raise RuntimeError("the database went away before the commit")

    changes.before_commit = fail
    with pytest.raises(RuntimeError):
        do(engine, view, "Task_check_materials", clock, intake_decision="accept")
    changes.before_commit = None
    assert notices(engine) == []
    assert engine.cases.get(view.id).version == view.version
    do(engine, engine.cases.get(view.id), "Task_check_materials", clock, intake_decision="accept")
    assert [n.kind for n in notices(engine)] == ["accepted"]


def test_every_notice_is_delivered_exactly_once_through_a_gateway_failing_half_the_time(
    engine: Engine, clock: ManualClock
) -> None:
    item = CATALOGUE.items["TT004"]
    cases = [
        run(
            engine.cases, clock, item.process_id, Scenario(start=start_data("TT004"), messages={})
        ).case.id
        for _ in range(4)
    ]
    queued = notices(engine)
    assert len(queued) == 12
    with fake_gateway() as gateway:
        channel = gateway_channel(gateway.url)
        rounds = 0
        while notices(engine, state="pending") and rounds < 10:
            engine.notices.send_due(channel, AT_ONCE, "worker-1")
            rounds += 1
        assert len(gateway.requests) == 24  # every notice failed once, then went through
    assert sorted(gateway.delivered) == sorted(n.idempotency_id for n in queued)
    assert gateway.duplicates == []
    sent = notices(engine)
    assert {n.state for n in sent} == {"sent"}
    assert {n.case_id for n in sent} == set(cases)
    assert all(n.phone is None and n.phone_masked == MASKED for n in sent)  # erased once sent
    assert {n.attempts for n in sent} == {2}
    body = next(iter(gateway.delivered.values()))
    assert body["phone"] == PHONE and body["sign_name"] == "渠县政务服务"
    assert body["template_id"] in TEMPLATES.values() and "case_number" in body["params"]


def test_retries_back_off_then_the_notice_is_dead_and_an_administrator_revives_it(
    engine: Engine, clock: ManualClock
) -> None:
    accepted_case(engine, clock)
    policy = SendPolicy(max_attempts=3, retry_seconds=60.0)
    with fake_gateway(refuse_with=503) as gateway:
        channel = gateway_channel(gateway.url)
        report = engine.notices.send_due(channel, policy, "worker-1")
        [notice] = notices(engine)
        assert report.retried == [notice.id] and notice.state == "pending"
        wait = notice.next_at - clock.now()
        assert timedelta(seconds=30) <= wait <= timedelta(seconds=60)  # jittered first wait
        assert engine.notices.send_due(channel, policy, "worker-1").sent == []  # not due yet
        clock.advance(wait)
        engine.notices.send_due(channel, policy, "worker-1")
        [notice] = notices(engine)
        assert timedelta(seconds=60) <= notice.next_at - clock.now() <= timedelta(seconds=120)
        clock.advance(timedelta(seconds=120))
        report = engine.notices.send_due(channel, policy, "worker-1")
        [notice] = notices(engine)
        assert report.dead == [notice.id] and notice.state == "dead" and notice.attempts == 3
        assert notice.last_error == "短信网关拒绝（HTTP 503）" and notice.phone == PHONE
        assert len(gateway.requests) == 3
    pending = accepted_case(engine, clock)
    with pytest.raises(InvalidState, match="只有发送失败的通知可以重新发送"):
        engine.notices.retry(pending.id, "admin")
    revived = engine.notices.retry(notice.id, "admin")
    assert (revived.state, revived.attempts) == ("pending", 0)
    with fake_gateway(fail_every_other=False) as gateway:
        sent = engine.notices.send_due(gateway_channel(gateway.url), policy, "w").sent
        assert sorted(sent) == [notice.id, pending.id]
        assert gateway.delivered.keys() == {notice.idempotency_id, pending.idempotency_id}


def accepted_case(engine: Engine, clock: ManualClock) -> NoticeRecord:
    """A case accepted at the materials check: its acceptance notice."""
    item = CATALOGUE.items["TT001"]
    view = engine.cases.start(item.process_id, start_data("TT001"), Actor("tester"))
    view = do(engine, view, "Task_check_materials", clock, intake_decision="accept")
    [notice] = notices(engine, case_id=view.id)
    return notice


def test_a_refusal_by_the_gateway_is_dead_at_once(engine: Engine, clock: ManualClock) -> None:
    accepted_case(engine, clock)
    with fake_gateway(refuse_with=400) as gateway:
        report = engine.notices.send_due(gateway_channel(gateway.url), AT_ONCE, "worker-1")
        [notice] = notices(engine)
        assert report.dead == [notice.id]
        assert (notice.state, notice.attempts) == ("dead", 1)
        assert notice.last_error == "短信网关拒绝（HTTP 400）"
    # A kind the gateway has no template for can never be sent either.
    unconfigured = accepted_case(engine, clock)
    channel = HttpGateway("http://127.0.0.1:9/none", "签名", {}, KEY)
    assert engine.notices.send_due(channel, AT_ONCE, "worker-1").dead == [unconfigured.id]
    [notice] = notices(engine, case_id=unconfigured.case_id)
    assert notice.last_error == "未配置“accepted”的短信模板编号"


def test_the_phone_never_reaches_the_log_in_clear(
    engine: Engine, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    item = CATALOGUE.items["TT004"]
    with caplog.at_level(logging.DEBUG):
        run(engine.cases, clock, item.process_id, Scenario(start=start_data("TT004"), messages={}))
        report = engine.notices.send_due(LogChannel(), AT_ONCE, "worker-1")
        with fake_gateway(refuse_with=503) as gateway:
            accepted_case(engine, clock)
            engine.notices.send_due(gateway_channel(gateway.url), AT_ONCE, "worker-1")
    assert len(report.sent) == 3
    lines = [r.getMessage() for r in caplog.records]
    sent = [line for line in lines if line.startswith("notice_sent")]
    assert len(sent) == 3 and all(f"phone={MASKED}" in line for line in sent)
    assert any(line.startswith("notice_failed") for line in lines)
    assert not [line for line in lines if PHONE in line]


class BrokenChannel:
    name = "broken"

    def send(self, delivery: Any) -> Any:
        raise ValueError("a bug in a channel")


def test_a_failing_channel_leaves_the_notice_to_retry(engine: Engine, clock: ManualClock) -> None:
    notice = accepted_case(engine, clock)
    report = engine.notices.send_due(BrokenChannel(), AT_ONCE, "worker-1")
    assert report.retried == [notice.id]
    [again] = notices(engine)
    assert (again.state, again.attempts, again.last_error) == (
        "pending",
        1,
        "发送通道出错（ValueError）",
    )
