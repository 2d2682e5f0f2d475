"""Documents (文书) on the engine: each kind appears at its step of a real item's process
and renders from the case as that step left it; the completion notice carries the
rating link when a provider gives one; a document rendered in another process, from the
database alone, has the same bytes."""

from __future__ import annotations

import io
import subprocess
import sys
from typing import Any

import pypdf
import pytest

from engine import Actor, CaseView, Engine, ManualClock
from engine.clock import SHANGHAI
from engine.documents.pdf import qr_modules
from engine.identity import Principal
from engine.registration import Applicant, Registration
from engine.simulate import fill_form
from tests.support.databases import Deployed
from tests.support.paths import BPMN, ROOT
from tests.support.walks import APPLICANT, CATALOGUE, PROXY_ITEM, QINGSI_COMMUNITY, WALKED

ENFORCEMENT_ITEM = CATALOGUE["ZF004"]  # 对未取得乡村建设规划许可证进行建设的处理


@pytest.fixture
def deployed() -> Deployed:
    return (*WALKED, BPMN / "items" / f"{ENFORCEMENT_ITEM.process_id}.bpmn")


def principal(engine: Engine, user: str) -> Principal:
    found = engine.org.users[user]
    return Principal(found.id, found.name, frozenset(found.roles), found.unit)


def register_by_proxy(engine: Engine) -> CaseView:
    registration = Registration(
        item_code=PROXY_ITEM.code,
        applicant=Applicant(**APPLICANT, village=QINGSI_COMMUNITY),
        channel="village_point",
        agent="tan.xiaoyan",
        materials=[m.name for m in PROXY_ITEM.materials if m.required][:-1],
    )
    return engine.registration.register(principal(engine, "tan.xiaoyan"), registration)


def step(
    engine: Engine, clock: ManualClock, view: CaseView, spec_id: str, **answers: Any
) -> CaseView:
    task = next((t for t in view.tasks if t.spec_id == spec_id), None)
    assert task is not None, f"{spec_id} not ready: {[t.spec_id for t in view.tasks]}"
    form = engine.definitions.compiled(view.definition_hash).form(task.process_id, task.spec_id)
    today = clock.now().astimezone(SHANGHAI).date().isoformat()
    data = fill_form(form, answers, today)
    return engine.cases.complete_task(view.id, task.id, data, Actor("tester"))


def walk_until(
    engine: Engine, clock: ManualClock, view: CaseView, last: str, answers: dict[str, Any]
) -> CaseView:
    """Complete the first ready task with the form's sample answers (and ``answers`` by
    step) until ``last`` has been completed."""
    for _ in range(30):
        task = view.tasks[0]
        view = step(engine, clock, view, task.spec_id, **answers.get(task.spec_id, {}))
        if task.spec_id == last:
            return view
    raise AssertionError(f"{last} never came")


def available(engine: Engine, case_id: int) -> list[str]:
    return [e.document_id for e in engine.documents.entries(case_id) if e.document_id]


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    return text.replace("\x00", "").replace(" ", "").replace("\n", "")


def drawn_rectangles(pdf: bytes) -> list[tuple[float, float, float, float]]:
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    content = page.get_contents()
    assert content is not None
    found = []
    for operands, operator in pypdf.generic.ContentStream(content, None).operations:
        if operator == b"re":
            found.append(tuple(float(value) for value in operands))
    return found


def test_a_proxy_case_documents_step_by_step(engine: Engine, clock: ManualClock) -> None:
    view = register_by_proxy(engine)
    case_id = view.id
    assert available(engine, case_id) == ["receipt-1", "entrustment-1"]
    receipt = text_of(engine.documents.render(case_id, "receipt-1"))
    required = [m.name for m in PROXY_ITEM.materials if m.required]
    for name in required[:-1]:
        assert name in receipt
    assert required[-1] not in receipt  # not received

    answers = {
        "Task_handover": {"handover_items": 3, "handover_originals": 1, "received_by": "王芳"},
        "Task_check_materials": {"intake_decision": "accept"},
        "Task_backoffice_review": {"review_decision": "approve"},
        "Task_county_decision": {"county_decision": "approve"},
        "Task_prepare_result": {
            "delivery_mode": "window",
            "result_document_no": "渠民高〔2026〕9号",
        },
    }
    view = walk_until(engine, clock, view, "Task_handover", answers)
    handover_id = available(engine, case_id)[-1]
    assert handover_id.startswith("handover-")
    handover = text_of(engine.documents.render(case_id, handover_id))
    assert "移交材料共3件，其中原件1件" in handover and "接收人：王芳" in handover
    assert "青丝社区代办点" in handover

    view = walk_until(engine, clock, view, "Task_check_materials", answers)
    assert [d.split("-")[0] for d in available(engine, case_id)] == [
        "receipt",
        "entrustment",
        "handover",
        "acceptance",
    ]
    view = walk_until(engine, clock, view, "Task_prepare_result", answers)
    completion_id = available(engine, case_id)[-1]
    assert completion_id.startswith("completion-")

    # No rating link by default; with a provider, its QR code beside the progress one.
    plain = engine.documents.render(case_id, completion_id)
    link = "http://127.0.0.1:5000/rate/t0ken-42"
    engine.documents.rating_url = lambda case: link if case == case_id else None
    try:
        rated = engine.documents.render(case_id, completion_id)
    finally:
        engine.documents.rating_url = lambda case: None
    assert link not in text_of(plain) and link in text_of(rated)
    assert "渠民高〔2026〕9号" in text_of(rated)
    progress = engine.documents.progress_url(engine.cases.record(case_id))
    expected = len(qr_modules(progress)) + len(qr_modules(link))
    assert len(drawn_rectangles(rated)) >= expected > len(drawn_rectangles(plain))


def test_an_enforcement_decision_has_its_service_record(engine: Engine, clock: ManualClock) -> None:
    item = ENFORCEMENT_ITEM
    view = engine.cases.start(item.process_id, {"item": item.process_data()}, Actor("officer"))
    assert [e.kind.code for e in engine.documents.entries(view.id)] == ["service_record"]
    answers = {
        "Task_procedure": {"procedure_choice": "general"},
        "Task_file": {"filing": "file", "filing_reason": "群众举报"},
        "Task_investigate": {"violation_found": True},
        "Task_decide": {
            "decision": "penalty",
            "measure": "stop_construction",
            "decision_no": "青执罚〔2026〕7号",
        },
    }
    for _ in range(10):
        if view.tasks:
            task = view.tasks[0]
            view = step(engine, clock, view, task.spec_id, **answers.get(task.spec_id, {}))
        else:  # the party asks to be heard
            assert view.waiting_messages == ["hearing_requested"]
            view = engine.cases.deliver_message(view.id, "hearing_requested", {"kind": "hearing"})
        if available(engine, view.id):
            break
    [document_id] = available(engine, view.id)
    text = text_of(engine.documents.render(view.id, document_id))
    assert "送达回证" in text and "青执罚〔2026〕7号" in text and "受送达人签名或盖章" in text


def test_another_process_renders_the_same_bytes(engine: Engine, clock: ManualClock) -> None:
    view = register_by_proxy(engine)
    here = engine.documents.render(view.id, "entrustment-1")
    script = (
        "import sys\n"
        "from engine import Engine\n"
        "engine = Engine(sys.argv[1], migrate=False, files=None)\n"
        "sys.stdout.buffer.write(engine.documents.render(int(sys.argv[2]), 'entrustment-1'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, engine.database_url, str(view.id)],
        cwd=ROOT,
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == here
