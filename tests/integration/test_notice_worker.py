"""``daiban worker`` killed (SIGKILL) between the gateway's delivery and marking the
notice sent: the next worker takes the notice once the claim's lease has run out and
sends it again with the same idempotency id; the gateway drops the duplicate, nothing is
lost. The kill window is made certain by the fake gateway, which holds its answer back
(after recording the delivery) until the test has killed the worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from engine import Actor, Engine, ManualClock
from engine.records import NoticeQuery, NoticeRecord
from engine.simulate import fill_form
from tests.support.databases import Deployed
from tests.support.generated import catalogue_of_shapes, generated_processes
from tests.support.paths import ROOT
from tests.support.sms_gateway import KEY, fake_gateway

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


@contextmanager
def worker(engine: Engine, gateway_url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DAIBAN_DATABASE_URL": engine.database_url,
        "DAIBAN_SMS_URL": gateway_url,
        "DAIBAN_SMS_KEY": KEY,
        "DAIBAN_SMS_TEMPLATES": "accepted=SMS_001",
        "DAIBAN_SMS_LEASE_SECONDS": "1",
        "DAIBAN_LOG_LEVEL": "DEBUG",
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "webapi", "worker", "--interval", "0.2"],
            cwd=log.parent,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(WAIT)


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
