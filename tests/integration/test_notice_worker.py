"""The sender as the worker runs it. ``daiban worker`` killed (SIGKILL) between the gateway's delivery and marking the
notice sent: the next worker takes the notice once the claim's lease has run out and
sends it again with the same idempotency id; the gateway drops the duplicate, nothing is
lost. The kill window is made certain by the fake gateway, which holds its answer back
(after recording the delivery) until the test has killed the worker. Two senders racing
on one database; the worker and ``daiban notices`` with the log channel."""

from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import AbstractContextManager
from pathlib import Path
from subprocess import Popen

import pytest

from engine import Actor, Engine, ManualClock
from engine.notices import HttpGateway, SendPolicy, SendReport
from engine.records import NoticeQuery, NoticeRecord
from engine.simulate import fill_form
from tests.support.databases import Deployed
from tests.support.generated import catalogue_of_shapes, generated_processes
from tests.support.sms_gateway import KEY, fake_gateway
from tests.support.workers import daiban_process
from webapi.cli import main

PHONE = "13912345678"
WAIT = 60  # seconds: a bound on waiting for a worker that is stuck, never a measured time


@pytest.fixture
def deployed() -> Deployed:
    return generated_processes()


def accepted_case(engine: Engine, clock: ManualClock) -> NoticeRecord:
    item = catalogue_of_shapes().items["TT001"]
    applicant = {"name": "张秀兰", "id_number": "11010519491231002X", "phone": PHONE}
    data = {"item": item.process_data(), "via_proxy": False, "emergency": False}
    view = engine.cases.start(item.process_id, {**data, "applicant": applicant}, Actor("t"))
    [task] = view.tasks
    form = engine.definitions.compiled(view.definition_hash).form(task.process_id, task.spec_id)
    filled = fill_form(form, {"intake_decision": "accept"}, clock.now().date().isoformat())
    engine.cases.complete_task(view.id, task.id, filled, Actor("t"))
    [notice] = engine.notices.find(NoticeQuery(case_id=view.id), 0, 10)[0]
    return notice


def current(engine: Engine, notice_id: int) -> NoticeRecord:
    [found] = [n for n in engine.notices.find(NoticeQuery(), 0, 100)[0] if n.id == notice_id]
    return found


def worker(engine: Engine, gateway_url: str, log: Path) -> AbstractContextManager[Popen[bytes]]:
    env = {
        "DAIBAN_SMS_URL": gateway_url,
        "DAIBAN_SMS_KEY": KEY,
        "DAIBAN_SMS_TEMPLATES": "accepted=SMS_001",
        "DAIBAN_SMS_LEASE_SECONDS": "1",
        "DAIBAN_LOG_LEVEL": "DEBUG",
    }
    return daiban_process(engine.database_url, log, ["worker", "--interval", "0.2"], env)


def test_a_worker_killed_between_sending_and_marking_sends_again_with_the_same_id(
    engine: Engine, clock: ManualClock, tmp_path: Path
) -> None:
    notice = accepted_case(engine, clock)
    log = tmp_path / "worker.log"
    with fake_gateway(fail_every_other=False) as gateway:
        gateway.hold()
        with worker(engine, gateway.url, log) as first:
            assert gateway.held.wait(WAIT), log.read_text()
            os.kill(first.pid, signal.SIGKILL)
            first.wait(WAIT)
        gateway.release()
        assert list(gateway.delivered) == [notice.idempotency_id]  # delivered, not marked
        stuck = current(engine, notice.id)
        assert (stuck.state, stuck.attempts, stuck.phone) == ("sending", 1, PHONE)
        with worker(engine, gateway.url, log):
            deadline = time.monotonic() + WAIT
            while current(engine, notice.id).state != "sent" and time.monotonic() < deadline:
                time.sleep(0.1)
    done = current(engine, notice.id)
    assert (done.state, done.attempts, done.phone) == ("sent", 2, None)
    assert [r["idempotency_id"] for r in gateway.requests] == [notice.idempotency_id] * 2
    assert gateway.duplicates == [notice.idempotency_id]  # the gateway dropped the second
    assert len(gateway.delivered) == 1
    output = log.read_text()
    assert "notice_sent" in output and "phone=139****5678" in output
    assert PHONE not in output


def test_two_senders_racing_on_one_database_send_each_notice_once(
    engine: Engine, clock: ManualClock
) -> None:
    """Two workers (two engines, two threads) read the same due notices at once: every
    claim is decided by the database, so each notice goes to the gateway exactly once."""
    queued = [accepted_case(engine, clock) for _ in range(8)]
    other = Engine(
        engine.database_url, clock, migrate=False, org=engine.org, catalogue=engine.catalogue
    )
    start = threading.Barrier(2)
    reports: dict[str, SendReport] = {}
    try:
        with fake_gateway(fail_every_other=False) as gateway:
            channel = HttpGateway(gateway.url, "签名", {"accepted": "SMS_001"}, KEY, timeout=5)

            def send(name: str, instance: Engine) -> None:
                start.wait(WAIT)
                reports[name] = instance.notices.send_due(channel, SendPolicy(), name)

            threads = [
                threading.Thread(target=send, args=("one", engine)),
                threading.Thread(target=send, args=("two", other)),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(WAIT)
    finally:
        other.close()
    ids = sorted(n.idempotency_id for n in queued)
    assert sorted(r["idempotency_id"] for r in gateway.requests) == ids  # once each
    assert gateway.duplicates == []
    sent = reports["one"].sent + reports["two"].sent
    assert sorted(sent) == sorted(n.id for n in queued)
    assert {current(engine, n.id).state for n in queued} == {"sent"}


def test_the_worker_and_the_notices_commands_with_the_log_channel(
    engine: Engine, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    notice = accepted_case(engine, clock)
    url = ["--database-url", engine.database_url]
    assert main([*url, "notices", "list", "--state", "pending"]) == 0
    out, _ = capsys.readouterr()
    assert f"{notice.id}  办件 {notice.case_id}  受理通知  139****5678  待发送  尝试 0 次" in out
    assert main([*url, "worker", "--once"]) == 0
    out, err = capsys.readouterr()
    assert "通知发送 1 条，待重试 0 条，失败 0 条" in out
    assert f"notice_sent channel=log notice={notice.id}" in err and "phone=139****5678" in err
    assert PHONE not in out + err
    assert current(engine, notice.id).state == "sent"
    assert main([*url, "notices", "retry", str(notice.id)]) == 2
    _, err = capsys.readouterr()
    assert "只有发送失败的通知可以重新发送" in err
